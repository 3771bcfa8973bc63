/* emit_server.c: server stubs (one per routine) and the demux routine. */
#include <string.h>

#include "emit.h"

/* Which header fields hold the request and reply ports of a received
 * request.  A user task receives the header swapped (the remote port is the
 * one to reply to); a KernelServer stub sees the kernel's unswapped form. */
typedef struct HeadPorts {
    const char *request, *reply;            /* msgh_*_port */
    const char *request_bits, *reply_bits;  /* MACH_MSGH_BITS_* */
} HeadPorts;

static HeadPorts head_ports(const Out *o)
{
    HeadPorts user = { "msgh_local_port", "msgh_remote_port", "LOCAL", "REMOTE" };
    HeadPorts kernel = { "msgh_remote_port", "msgh_local_port", "REMOTE", "LOCAL" };
    return o->m->kernel_server ? kernel : user;
}

static unsigned pad_mask(const Target *t)
{
    return t->msg_align - 1;
}

static bool is_out(const Arg *a)
{
    return a->kind == AK_OUT || a->kind == AK_INOUT;
}

/* Is reply offset OFF aligned for a C object of SIZE bytes?  No C type asks
 * more than the message's own alignment: i686's ABI aligns 8-byte members
 * (long long, double) to 4 in structures. */
static bool data_aligned(const Target *t, unsigned off, unsigned size)
{
    unsigned align = size >= 8 ? 8 : size >= 4 ? 4 : size >= 2 ? 2 : 1;
    if (align > t->msg_align)
        align = t->msg_align;
    return off % align == 0;
}

/* An out argument the server function can write straight into the reply:
 * plain inline data (a scalar, or an array of fixed or variable size) at a
 * constant offset (no variable item before it), aligned for its C type.
 * GNU MIG passes these in place too; a local would cost a copy.  Where the
 * reply asks for its data in place (a kernel's), arrays of structures and
 * fixed strings are written there too. */
static bool out_in_place(const Target *t, const MsgLayout *rp, const Arg *a, const Field *f)
{
    if (!f)
        return false;
    bool array = arg_is_array(a);
    bool all = rp && rp->data_in_place;
    /* A single port where the reply's slot holds what the function returns
     * (the kernel's ipc_port_t) is written there too. */
    bool port = f->is_port && rp && rp->ports_are_pointers && f->number == 1 && !f->varying && !array;
    return a->kind == AK_OUT && !a->type->outtran && !f->indefinite && !f->out_of_line && (!f->is_port || port) &&
           (!f->is_string || all) && f->seg == 0 && (!array || f->count_mult == 1 || all) &&
           data_aligned(t, f->data_off, array ? f->elem_size : f->data_size);
}

/* An in argument passed by value straight from a request that asks for it
 * (a kernel's): a structure (larger than a pointer) at a constant offset,
 * aligned for its C type.  A local would cost a copy and stack. */
static bool in_in_place(const Target *t, const MsgLayout *rq, const Arg *a, const Field *f)
{
    return f && rq->read_in_place && a->kind == AK_IN && !arg_is_array(a) && !a->type->intran &&
           !a->type->is_enum && !f->is_port && !f->varying && !f->indefinite && !f->out_of_line && !f->is_string &&
           f->seg == 0 && f->data_size > t->pointer_size && data_aligned(t, f->data_off, f->data_size);
}

/* An inout array of fixed size, inline and not of ports: the server
 * function reads and writes it where the request holds it (as GNU MIG
 * passes it), and the reply copies it from there. */
static bool inout_in_request(const Arg *a, const Field *qf)
{
    return a->kind == AK_INOUT && qf && !qf->varying && !qf->indefinite && !qf->out_of_line && !qf->is_port;
}

/* Where a port array of a request is passed to the server function in
 * place: its slots hold what the function takes (the kernel's ipc_port_t,
 * or names as wide as mach_port_t). */
static bool ports_in_place(const MsgLayout *rq, const Field *f)
{
    return f && f->is_port && !f->out_of_line && rq->ports_in_place;
}

/* Where an inline array of ports that only goes to the server function
 * (not inout) is packed in place for the call: its 8-byte slots become
 * mach_port_t names at the start of the array (the request is the stub's
 * to write, as for GNU MIG), unpacked again if the call fails, for the
 * request is then destroyed whole. */
static bool ports_packed(const MsgLayout *rq, const Field *f)
{
    return f && f->is_port && !f->out_of_line && !rq->ports_in_place && !is_out(f->arg) &&
           (f->number != 1 || arg_is_array(f->arg));
}

/* Whether the stub keeps a flag that an unbounded array came out of line:
 * to free it after a successful call, or to unpack packed ports.  With
 * servercopy the server function is told (its SCopy argument) and the
 * memory is its own, as with GNU MIG: the stub frees nothing. */
static bool ool_tracked(const MsgLayout *rq, const Arg *a, const Field *f)
{
    return f && f->indefinite && !rq->ool_consumed && (!a->scopy || ports_packed(rq, f));
}

/* The loop that packs (or unpacks) N port names of an array at BASE. */
static void emit_port_pack(Out *o, const Target *t, const char *base, const char *n, bool unpack, const char *indent)
{
    if (unpack)
        out(o, "%sfor (uint32_t migc_i = %s; migc_i-- > 0; ) {\n%s\tmach_port_t migc_v;\n"
            "%s\t__builtin_memcpy(&migc_v, %s + sizeof(mach_port_t) * migc_i, sizeof migc_v);\n"
            "%s\tmigc_st_port(%s + %u * migc_i, (uintptr_t)migc_v);\n%s}\n",
            indent, n, indent, indent, base, indent, base, t->port_size, indent);
    else
        out(o, "%sfor (uint32_t migc_i = 0; migc_i < %s; migc_i++) {\n"
            "%s\tmach_port_t migc_v = (mach_port_t)migc_ld32(%s + %u * migc_i);\n"
            "%s\t__builtin_memcpy(%s + sizeof(mach_port_t) * migc_i, &migc_v, sizeof migc_v);\n%s}\n",
            indent, n, indent, base, t->port_size, indent, base, indent);
}

/* The C type of what a request carries for an argument with an intran: for
 * a port, what its slot holds (a name, or the kernel's port where ports are
 * pointers), since the intran's parameter type may name a MIG type that no C
 * header declares (the Hurd's proc_exc.defs: exception_t); else the
 * intran's parameter type. */
static const char *intran_arg_ctype(const MsgLayout *ml, const Arg *a)
{
    const Type *t = a->type;
    if (t->is_port && t->kind == TK_BASIC && t->number == 1 && !t->out_of_line)
        return ml->ports_are_pointers ? "ipc_port_t" : "mach_port_t";
    if (t->intran_arg)
        return t->intran_arg;
    return t->server_ctype ? t->server_ctype : user_ctype(a);
}

/* The element type of an array argument's local or in-place pointer: the
 * element of the C type the server function takes for it where that is a
 * name the interface's headers declare (a named array type without a C
 * type of its own, as GNU MIG's request and reply use it), else the element
 * type of the .defs.  (The Hurd's tioctl.defs: modes_t is array[4] of int,
 * but its C type is tcflag_t[4], unsigned: an int * would be another
 * pointer type for the call.) */
static const char *arg_elem_ctype(Out *o, const Arg *a)
{
    const Type *t = a->type;
    if (t->kind == TK_ARRAY && t->name && t->ctype && t->server_ctype && strcmp(t->ctype, t->name) == 0 &&
        strcmp(t->server_ctype, t->name) == 0 && !t->is_port && !t->intran && !t->outtran)
        return tsprintf(o, "__typeof__((*(%s *)0)[0])", t->name);
    return elem_ctype(a, true);
}

/* An unbounded out array (inline while it fits) whose inline room starts at
 * a constant offset of the reply, aligned for its elements: the server
 * function gets the reply itself as its buffer, as GNU MIG does, and what it
 * leaves there needs no copy. */
static bool indefinite_in_place(const Target *t, const Arg *a, const Field *f)
{
    return f && f->indefinite && !f->is_port && f->seg == 0 && a->kind == AK_OUT && !a->type->outtran &&
           data_aligned(t, f->data_off, f->elem_size);
}

/* The inline room of indefinite out array A: a local, or the reply itself. */
static const char *indefinite_room(Out *o, const Arg *a, const Field *f)
{
    if (indefinite_in_place(o->t, a, f))
        return tsprintf(o, "(R0 + %u)", f->data_off);
    return tsprintf(o, "&%s", derived_name(a, CN_BUF));
}

/* Locals that hold each argument for the call. */
static void declare_locals(Out *o, const Routine *r, const MsgLayout *rq, const MsgLayout *rp)
{
    for (size_t i = 0; i < r->nargs; i++) {
        const Arg *a = r->args[i];
        if (!a->in_server_proto || a->parent)
            continue;
        const Type *t = a->type;
        if (arg_is_array(a)) {
            const Field *f = NULL;
            if (rp)
                for (size_t k = 0; k < rp->nfields; k++)
                    if (rp->fields[k]->arg == a)
                        f = rp->fields[k];
            if (is_out(a) && f && !inout_in_request(a, field_of(rq, a))) {
                unsigned n = f->is_string ? f->data_size : f->varying ? f->inline_max : f->number / f->count_mult;
                if (n == 0)
                    n = 1;
                if (out_in_place(o->t, rp, a, f))
                    ;   /* addressed in the call (in_place_arg) */
                else /* A string buffer starts zeroed: what follows its NUL is sent too. */
                    out(o, "\t%s %s[%u]%s;\n", arg_elem_ctype(o, a), arg_name(a), n, f->is_string ? " = { 0 }" : "");
            } else if (f == NULL && is_out(a))
                out(o, "\t%s %s[1];\n", arg_elem_ctype(o, a), arg_name(a));
            else if (t->is_port && (ports_in_place(rq, field_of(rq, a)) || ports_packed(rq, field_of(rq, a))))
                out(o, "\tvoid *%s;\n", arg_name(a));
            else if (t->is_port)
                out(o, "\tmach_port_t %s[%u];\n", arg_name(a), t->number ? t->number : 1);
            else
                out(o, "\t%s *%s;\n", arg_elem_ctype(o, a), arg_name(a));
        } else if (rp && out_in_place(o->t, rp, a, field_of(rp, a)))
            ;   /* addressed in the call (in_place_arg) */
        else if (in_in_place(o->t, rq, a, field_of(rq, a)))
            ;   /* read in the call */
        else
            out(o, "\t%s %s;\n", server_ctype(a), arg_name(a));
        const Field *qf = field_of(rq, a);
        if (qf && qf->indefinite && qf->is_port && !ports_in_place(rq, qf) && !ports_packed(rq, qf))
            out(o, "\tmach_port_t %s[%u];\n", derived_name(a, CN_PORTS), qf->inline_max ? qf->inline_max : 1);
        if (ool_tracked(rq, a, qf))
            out(o, "\tint %s = 0;\n", derived_name(a, CN_OOL));
        const Field *rf = field_of(rp, a);
        if (rf && rf->indefinite && !indefinite_in_place(o->t, a, rf))   /* room for the inline form of the reply */
            out(o, "\tunion { char b[%u]; uint64_t align; } %s;\n",
                rf->inline_max ? rf->inline_max * rf->elem_size : 1, derived_name(a, CN_BUF));
        if (a->count)
            out(o, "\tmach_msg_type_number_t %s;\n", arg_name(a->count));
        if (a->scopy)
            out(o, "\tboolean_t %s = FALSE;\n", arg_name(a->scopy));
        if (a->poly && a->poly->in_server_proto)
            out(o, "\tmach_msg_type_name_t %s = %d;\n", arg_name(a->poly),
                t->in_name == MT_POLYMORPHIC ? MT_MOVE_SEND : t->in_name);
        if (a->dealloc_arg && is_out(a))
            out(o, "\tboolean_t %s = FALSE;\n", arg_name(a->dealloc_arg));
        if (t->intran && a->kind != AK_OUT)
            out(o, "\t%s %s;\n", intran_arg_ctype(rq, a), derived_name(a, CN_MSG));
    }
}

/* Read one request field into its local.  later: where the load goes of
 * a scalar with a translation, emitted just before its translation, and
 * plain: where the loads of the others go, emitted after every translation,
 * just before the call of the server function.  A value loaded before a
 * call would live across it in a callee-saved register.  Typed enums are
 * loaded here, for their membership check comes before any translation. */
static void server_get(Out *o, Out *later, Out *plain, const MsgLayout *ml, const Field *f, const char *P,
                       unsigned nextseg)
{
    const Target *t = o->t;
    const Arg *a = f->arg;
    const Type *ty = a->type;
    const char *fail = "{ OutP->RetCode = MIG_BAD_ARGUMENTS; return; }";
    const char *dst = ty->intran ? derived_name(a, CN_MSG) : arg_name(a);
    out(o, "\t/* %s */\n", a->name);
    emit_desc_check(o, f, P, fail);
    emit_poly_complex_check(o, f, P, fail);
    if (a->poly && a->poly->in_server_proto)
        out(o, "\t%s = %s;\n", arg_name(a->poly), desc_name_expr(o, f, P));
    if (f->indefinite) {
        out(o, "\t{\n");
        emit_count_read(o, f, P, fail);
        emit_indefinite_span(o, ml, f, P, nextseg, "(char *)InHeadP", ml->seg_size[nextseg], fail);
        if (ports_packed(ml, f)) {
            out(o, "\t\tif (migc_in_line) {\n\t\t\tif (mig_unlikely(migc_n > %u))\n\t\t\t\t%s\n", f->inline_max, fail);
            out(o, "\t\t\t%s = (void *)(%s + %u);\n\t\t}\n", arg_name(a), P, f->data_off);
            out(plain, "\tif (!%s)\n", derived_name(a, CN_OOL));
            emit_port_pack(plain, t, tsprintf(o, "(%s + %u)", P, f->data_off), arg_name(a->count), false, "\t\t");
        } else if (f->is_port && !ports_in_place(ml, f)) {
            /* Inline ports are wider than mach_port_t: converted into a local array. */
            out(o, "\t\tif (migc_in_line) {\n\t\t\tif (mig_unlikely(migc_n > %u))\n\t\t\t\t%s\n", f->inline_max, fail);
            out(o, "\t\t\tfor (uint32_t migc_i = 0; migc_i < migc_n; migc_i++)\n\t\t\t\t%s[migc_i] = (mach_port_t)%s;\n",
                derived_name(a, CN_PORTS), port_load(o, ml, tsprintf(o, "%s + %u + %u * migc_i", P, f->data_off, t->port_size)));
            out(o, "\t\t\t%s = %s;\n\t\t}\n", arg_name(a), derived_name(a, CN_PORTS));
        } else
            out(o, "\t\tif (migc_in_line)\n\t\t\t%s = (void *)(%s + %u);\n", arg_name(a), P, f->data_off);
        out(o, "\t\telse\n\t\t\t__builtin_memcpy(&%s, %s + %u, %u);\n", arg_name(a), P, f->data_off, t->pointer_size);
        if (a->scopy)
            out(o, "\t\t%s = migc_in_line;\n", arg_name(a->scopy));
        if (ool_tracked(ml, a, f))
            out(o, "\t\t%s = !migc_in_line;\n", derived_name(a, CN_OOL));
        out(o, "\t\t%s = migc_n;\n\t}\n", arg_name(a->count));
        return;
    }
    if (f->out_of_line) {
        /* Plain loads, unless the count has a check (a whole number of
         * elements): then that check comes here, with the others. */
        Out *to = f->count_mult > 1 ? o : ty->intran ? later : plain;
        out(to, "\t__builtin_memcpy(&%s, %s + %u, %u);\n", dst, P, f->data_off, t->pointer_size);
        if (a->count) {
            out(to, "\t{\n");
            emit_count_read(to, f, P, fail);
            out(to, "\t\t%s = migc_n;\n\t}\n", arg_name(a->count));
        }
        return;
    }
    if (f->varying) {
        out(o, "\t{\n");
        emit_count_read(o, f, P, fail);
        emit_varying_span(o, ml, f, P, nextseg, "(char *)InHeadP", ml->seg_size[nextseg], fail);
        if (ports_packed(ml, f)) {
            out(o, "\t\t%s = (void *)(%s + %u);\n", arg_name(a), P, f->data_off);
            emit_port_pack(plain, t, tsprintf(o, "(%s + %u)", P, f->data_off), arg_name(a->count), false, "\t");
        } else if (f->is_port && !ports_in_place(ml, f))
            out(o, "\t\tfor (uint32_t migc_i = 0; migc_i < migc_n; migc_i++)\n\t\t\t%s[migc_i] = (mach_port_t)%s;\n",
                arg_name(a), port_load(o, ml, tsprintf(o, "%s + %u + %u * migc_i", P, f->data_off, t->port_size)));
        else
            out(o, "\t\t%s = (void *)(%s + %u);\n", arg_name(a), P, f->data_off);
        if (f->is_string)   /* terminated here, whatever the sender did */
            out(o, "\t\tif (mig_unlikely(migc_n == 0))\n\t\t\t%s\n\t\t(%s + %u)[migc_n - 1] = 0;\n", fail, P,
                f->data_off);
        if (a->count)
            out(o, "\t\t%s = migc_n;\n", arg_name(a->count));
        out(o, "\t}\n");
        return;
    }
    if (f->is_port) {
        if (f->number == 1 && !arg_is_array(a)) {
            out(ty->intran ? later : plain, "\t%s = (%s)%s;\n", dst, ty->intran ? intran_arg_ctype(ml, a) : server_ctype(a),
                port_load(o, ml, tsprintf(o, "%s + %u", P, f->data_off)));
            return;
        }
        if (ports_in_place(ml, f)) {
            out(o, "\t%s = (void *)(%s + %u);\n", arg_name(a), P, f->data_off);
            return;
        }
        if (ports_packed(ml, f)) {
            out(o, "\t%s = (void *)(%s + %u);\n", arg_name(a), P, f->data_off);
            emit_port_pack(plain, t, tsprintf(o, "(%s + %u)", P, f->data_off), tsprintf(o, "%uu", f->number), false, "\t");
            return;
        }
        out(o, "\tfor (uint32_t migc_i = 0; migc_i < %u; migc_i++)\n\t\t%s[migc_i] = (mach_port_t)%s;\n",
            f->number, arg_name(a), port_load(o, ml, tsprintf(o, "%s + %u + %u * migc_i", P, f->data_off, t->port_size)));
        return;
    }
    if (arg_is_array(a)) {
        out(o, "\t%s = (void *)(%s + %u);\n", arg_name(a), P, f->data_off);
        if (f->is_string)   /* terminated here, whatever the sender did */
            out(o, "\t(%s + %u)[%u] = 0;\n", P, f->data_off, f->data_size - 1);
        return;
    }
    if (in_in_place(t, ml, a, f)) {
        out(o, "\t_Static_assert(sizeof(%s) == %u, \"%s: the C type is not %u bytes\");\n", server_ctype(a),
            f->data_size, a->name, f->data_size);
        return;
    }
    out(o, "\t_Static_assert(sizeof %s == %u, \"%s: the C type is not %u bytes\");\n", dst, f->data_size,
        a->name, f->data_size);
    out(ty->is_enum ? o : ty->intran ? later : plain, "\t__builtin_memcpy(&%s, %s + %u, %u);\n", dst, P, f->data_off, f->data_size);
}

/* Write one reply field from its local. */
static void server_put(Out *o, const MsgLayout *rp, const Field *f, const char *R, unsigned nextseg)
{
    const Target *t = o->t;
    const Arg *a = f->arg;
    const Type *ty = a->type;
    const char *number = NULL;
    out(o, "\t/* %s */\n", a->name);
    const char *v = arg_name(a);
    if (ty->outtran) {
        out(o, "\t%s %s = %s(%s);\n", ty->outtran_type ? ty->outtran_type : user_ctype(a), derived_name(a, CN_OUT),
            ty->outtran, arg_name(a));
        v = derived_name(a, CN_OUT);
    }
    if (f->varying && !f->is_string) {
        number = arg_name(a->count);
        /* A kernel function that filled the array in place was told the
         * room there and is trusted with its count, as the kernel trusts
         * its own functions (an overflow would already have happened). */
        bool told = rp->data_in_place && out_in_place(t, rp, a, f);
        if (f->number && !f->out_of_line && !f->indefinite && !told)
            out(o, "\tif (mig_unlikely(%s > %u))\n\t\t{ OutP->RetCode = MIG_ARRAY_TOO_LARGE; return; }\n",
                number, f->inline_max);
    }
    if (f->is_string && f->varying && out_in_place(t, rp, a, f)) {
        /* Written in place: terminated within its bound, then measured. */
        out(o, "\t{\n\t\t(%s + %u)[%u] = 0;\n", R, f->data_off, f->number - 1);
        out(o, "\t\tuint32_t migc_n = (uint32_t)__builtin_strlen(%s + %u) + 1;\n", R, f->data_off);
    } else if (f->is_string && f->varying)
        out(o, "\t{\n\t\tuint32_t migc_n = migc_strncpy(%s + %u, %s, %u);\n", R, f->data_off, v, f->number);
    if (f->is_string && f->varying) {
        emit_pad(o, "\t\t", R, f->data_off, 1);
        emit_desc_store(o, f, R, "migc_n", NULL, NULL);
        out(o, "\t\tR%u = %s + %u + ((migc_n + %u) & ~%uu);\n\t}\n", nextseg, R, f->data_off, pad_mask(t), pad_mask(t));
        return;
    }
    emit_desc_store(o, f, R, number ? units_of(o, f, number) : NULL,
                    a->poly && a->poly->in_server_proto && f->name_sent == MT_POLYMORPHIC ? arg_name(a->poly) : NULL,
                    a->dealloc_arg ? arg_name(a->dealloc_arg) : NULL);
    if (f->indefinite) {
        /* Still in our buffer: inline.  Memory of the server's own: out of
         * line. */
        unsigned m = pad_mask(t);
        bool in_place = indefinite_in_place(t, a, f);
        out(o, "\tif ((void *)%s == (void *)%s) {\n", arg_name(a), indefinite_room(o, a, f));
        if (f->is_port) {
            out(o, "\t\tfor (uint32_t migc_i = 0; migc_i < %s; migc_i++)\n", number);
            out(o, "\t\t\tmigc_st_port(%s + %u + %u * migc_i, (uintptr_t)%s[migc_i]);\n", R, f->data_off, t->port_size, arg_name(a));
            out(o, "\t\tR%u = %s + %u + %u * %s;\n\t} else {\n", nextseg, R, f->data_off, t->port_size, number);
        } else {
            out(o, "\t\tuint32_t migc_n = %u * %s;\n", f->elem_size, number);
            if (!in_place)
                out(o, "\t\tmemcpy(%s + %u, %s, migc_n);\n", R, f->data_off, arg_name(a));
            emit_pad(o, "\t\t", R, f->data_off, f->elem_size);
            out(o, "\t\tR%u = %s + %u + ((migc_n + %u) & ~%uu);\n\t} else {\n", nextseg, R, f->data_off, m, m);
        }
        /* Out of line: clear msgt_inline, and set msgt_deallocate only if
         * the type asks for it (as GNU MIG does: without dealloc the
         * server's memory is not freed), or, with dealloc[], if the server
         * function said so. */
        const char *dealloc = f->dealloc_choice && a->dealloc_arg
                                  ? tsprintf(o, "(%s ? 0x%08xu : 0u)", arg_name(a->dealloc_arg), 1u << t->dealloc_bit)
                                  : tsprintf(o, "0x%08xu", f->dealloc ? 1u << t->dealloc_bit : 0u);
        out(o, "\t\tmigc_st32(%s + %u, (migc_ld32(%s + %u) & ~0x%08xu) | %s);\n", R, f->desc_off, R, f->desc_off,
            1u << t->inline_bit, dealloc);
        if (f->is_port)
            out(o, "\t\t%s;\n", desc_size_store(o, f, R, f->ool_port_bits));
        out(o, "\t\t__builtin_memcpy(%s + %u, &%s, %u);\n", R, f->data_off, arg_name(a), t->pointer_size);
        out(o, "\t\tOutHeadP->msgh_bits |= MACH_MSGH_BITS_COMPLEX;\n");
        out(o, "\t\tR%u = %s + %u;\n\t}\n", nextseg, R, f->data_off + ((t->pointer_size + m) & ~m));
        return;
    }
    if (f->out_of_line) {
        out(o, "\t__builtin_memcpy(%s + %u, &%s, %u);\n", R, f->data_off, v, t->pointer_size);
        return;
    }
    unsigned padded = (f->data_size + pad_mask(t)) & ~pad_mask(t);
    if (f->is_string) {
        /* The bytes as the server function wrote them (as GNU MIG sends
         * them); receivers terminate the string. */
        if (out_in_place(o->t, rp, a, f))
            return;   /* cleared before the call */
        out(o, "\t__builtin_memcpy(%s + %u, %s, %u);\n", R, f->data_off, v, f->data_size);
        if (padded > f->data_size)
            out(o, "\t__builtin_memset(%s + %u, 0, %u);\n", R, f->data_off + f->data_size, padded - f->data_size);
        return;
    }
    if (f->is_port) {
        if (out_in_place(o->t, rp, a, f))
            return;   /* already there */
        if (f->number == 1 && !f->varying) {
            out(o, "\tmigc_st_port(%s + %u, (uintptr_t)%s);\n", R, f->data_off, v);
            return;
        }
        const char *n = f->varying ? number : tsprintf(o, "%u", f->number);
        out(o, "\tfor (uint32_t migc_i = 0; migc_i < %s; migc_i++)\n\t\tmigc_st_port(%s + %u + %u * migc_i, (uintptr_t)%s[migc_i]);\n",
            n, R, f->data_off, t->port_size, v);
        if (f->varying)
            out(o, "\tR%u = %s + %u + %u * %s;\n", nextseg, R, f->data_off, t->port_size, n);
        return;
    }
    if (f->varying) {
        out(o, "\t{\n\t\tuint32_t migc_n = %u * %s;\n", f->elem_size, number);
        if (!out_in_place(o->t, rp, a, f))
            out(o, "\t\tmemcpy(%s + %u, %s, migc_n);\n", R, f->data_off, v);
        emit_pad(o, "\t\t", R, f->data_off, f->elem_size);
        out(o, "\t\tR%u = %s + %u + ((migc_n + %u) & ~%uu);\n\t}\n", nextseg, R, f->data_off, pad_mask(t), pad_mask(t));
        return;
    }
    if (out_in_place(o->t, rp, a, f))
        return;   /* already there, its padding cleared before the call */
    emit_put_padded(o, tsprintf(o, "%s + %u", R, f->data_off), arg_is_array(a) ? v : tsprintf(o, "&%s", v), f->data_size,
                    padded);
}

/* An out argument written in place: its address in the reply, taken in the
 * call itself (a local pointer set at the top would live across the calls
 * before it, in a callee-saved register). */
static const char *in_place_arg(Out *o, const Arg *a, const Field *f)
{
    const char *ct = arg_is_array(a) ? arg_elem_ctype(o, a) : server_ctype(a);
    return tsprintf(o, "(%s *)(R0 + %u)", ct, f->data_off);
}

/* The argument list of the call to the server function. */
static void emit_call_args(Out *o, const Routine *r)
{
    const MsgLayout *rq = r->request[o->tindex];
    const MsgLayout *rp = r->reply[o->tindex];
    bool first = true;
    for (size_t i = 0; i < r->nargs; i++) {
        const Arg *a = r->args[i];
        if (!a->in_server_proto)
            continue;
        out(o, first ? "" : ", ");
        first = false;
        const Arg *p = a->parent;
        bool out_arg = is_out(p ? p : a);
        if (a->kind == AK_COUNT || a->kind == AK_POLY || a->kind == AK_DEALLOC || a->kind == AK_SCOPY) {
            out(o, "%s%s", out_arg ? "&" : "", arg_name(a));
            continue;
        }
        const Field *f = rp && out_arg ? field_of(rp, a) : NULL;
        const Field *qf = field_of(rq, a);
        if (f && out_in_place(o->t, rp, a, f))
            out(o, "%s", in_place_arg(o, a, f));
        else if (in_in_place(o->t, rq, a, qf))
            out(o, "*(%s *)(P0 + %u)", server_ctype(a), qf->data_off);
        else if (out_arg && !arg_is_array(a))
            out(o, "&%s", arg_name(a));
        else
            out(o, "%s", arg_name(a));
    }
}

/* Send rights the server function got translated (release_send): the
 * stub's to release once the call succeeded. */
static void emit_release_sends(Out *o, const Routine *r, bool guard)
{
    const MsgLayout *rq = r->request[o->tindex];
    for (size_t i = 0; i < r->nargs; i++) {
        const Arg *a = r->args[i];
        if (!a->release_send)
            continue;
        /* Read again from the request, still there, rather than kept in a
         * register across the calls. */
        const Field *f = field_of(rq, a);
        const char *port = f && f->seg == 0 && f->is_port && !f->out_of_line && f->number == 1 && !f->varying
                               ? tsprintf(o, "(ipc_port_t)migc_ld_port(P0 + %u)", f->data_off)
                               : tsprintf(o, "(ipc_port_t)%s", derived_name(a, CN_MSG));
        out(o, "\tif (%sIP_VALID(%s))\n\t\tipc_port_release_send(%s);\n",
            guard ? "OutP->RetCode == KERN_SUCCESS && " : "", port, port);
    }
}

/* A receive right returned to the sender of the request (check_circular):
 * if the reply port is inside it, the reply says so. */
static void emit_circular_check(Out *o, const Field *f, const char *R)
{
    const Arg *a = f->arg;
    HeadPorts hp = head_ports(o);
    const char *port = tsprintf(o, "(ipc_port_t)migc_ld_port(%s + %u)", R, f->data_off);
    const char *reply = tsprintf(o, "(ipc_port_t)InHeadP->%s", hp.reply);
    out(o, "\tif (");
    if (f->name_sent == MT_POLYMORPHIC)
        out(o, "%s == MACH_MSG_TYPE_PORT_RECEIVE &&\n\t    ", arg_name(a->poly));
    out(o, "IP_VALID(%s) && IP_VALID(%s) &&\n\t    ipc_port_check_circularity(%s, %s))\n", reply, port, port, reply);
    out(o, "\t\tOutHeadP->msgh_bits |= MACH_MSGH_BITS_CIRCULAR;\n");
}

/* The messages' bytes, as aligned as their header: the compiler may then
 * join stores and clear whole words. */
static const char *aligned_base(Out *o, const char *head)
{
    return tsprintf(o, "(char *)__builtin_assume_aligned(%s, _Alignof(mach_msg_header_t))", head);
}

/* Where server_get defers loads (see there), kept from routine to routine. */
typedef struct Deferred {
    Out later;      /* the loads of scalars with a translation */
    Out plain;      /* the plain loads */
} Deferred;

static void emit_server_routine(Out *o, Deferred *ld, Routine *r)
{
    const Target *t = o->t;
    MsgLayout *rq = r->request[o->tindex];
    MsgLayout *rp = r->reply[o->tindex];

    out(o, "/* %s %s: request %u */\n", r->simple ? "SimpleRoutine" : "Routine", r->name, r->request_id);
    out(o, "mig_internal void _X%s(mach_msg_header_t *InHeadP, mach_msg_header_t *OutHeadP)\n{\n",
        r->name);
    out(o, "\tmig_reply_header_t *OutP = (mig_reply_header_t *)OutHeadP;\n");
    for (unsigned s = 0; s < rq->nsegs - last_spans(rq); s++)
        out(o, "\tchar *P%u%s;\n", s, s == 0 ? tsprintf(o, " = %s", aligned_base(o, "InHeadP")) : "");
    if (rp)
        for (unsigned s = 0; s < rp->nsegs; s++)
            out(o, "\tchar *R%u%s;\n", s, s == 0 ? tsprintf(o, " = %s", aligned_base(o, "OutHeadP")) : "");
    out(o, "\tuint32_t msgh_size = InHeadP->msgh_size;\n");
    out(o, "\tint msgh_complex = (InHeadP->msgh_bits & MACH_MSGH_BITS_COMPLEX) != 0;\n");
    declare_locals(o, r, rq, rp);
    out(o, "\n\t(void)msgh_complex;\n\t(void)P0;\n");
    if (rp)
        out(o, "\t(void)R0;\n");

    /* Size and complexity first: nothing is read beyond what arrived. */
    out(o, "\tif (mig_unlikely(msgh_size %s %u", rq->nsegs > 1 ? "<" : "!=", rq->min_size);
    if (rq->complex_static || rq->complex_check)
        out(o, " || !msgh_complex");
    else if (!rq->complex_poly)
        out(o, " || msgh_complex");
    out(o, "))\n\t\t{ OutP->RetCode = MIG_BAD_ARGUMENTS; return; }\n");
    /* Each request field's deferred loads: the text server_get wrote into
     * ld->later for field i is later.text.b[at[i] .. at[i + 1]). */
    Out *later = &ld->later, *plain = &ld->plain;
    later->text.n = plain->text.n = 0;
    size_t *at = arena_alloc(o->tmp, (rq->nfields + 1) * sizeof *at);
    for (size_t i = 0; i < rq->nfields; i++) {
        Field *f = rq->fields[i];
        at[i] = later->text.n;
        server_get(o, later, plain, rq, f, tsprintf(o, "P%u", f->seg), f->seg + 1);
    }
    at[rq->nfields] = later->text.n;
    if (rq->nsegs > 1 && !last_spans(rq))
        out(o, "\tif (mig_unlikely((uint32_t)(P%u - (char *)InHeadP) + %u != msgh_size))\n"
               "\t\t{ OutP->RetCode = MIG_BAD_ARGUMENTS; return; }\n",
            rq->nsegs - 1, rq->seg_size[rq->nsegs - 1]);

    /* Typed enums: the server refuses a value that is not a member. */
    for (size_t i = 0; i < r->nargs; i++) {
        Arg *a = r->args[i];
        Type *ty = a->type;
        if (!ty->is_enum || ty->enum_open || !a->in_request)
            continue;
        out(o, "\tswitch (%s) {\n", ty->intran ? derived_name(a, CN_MSG) : arg_name(a));
        for (size_t k = 0; k < ty->nenums; k++)
            out(o, "\tcase %lld:\n", (long long)ty->enums[k]->value);
        out(o, "\t\tbreak;\n\tdefault:\n\t\tOutP->RetCode = MIG_BAD_ARGUMENTS;\n\t\treturn;\n\t}\n");
    }

    /* Header-borne arguments and their translations, then the loads of
     * plain scalars, then the translations of the message's arguments. */
    HeadPorts hp = head_ports(o);
    for (int pass = 0; pass < 2; pass++)
    for (size_t i = 0; i < r->nargs; i++) {
        Arg *a = r->args[i];
        Type *ty = a->type;
        const char *src = NULL;
        switch (a->kind) {
        case AK_REQUESTPORT: src = tsprintf(o, "InHeadP->%s", hp.request); break;
        case AK_REPLYPORT:
        case AK_SREPLYPORT: src = tsprintf(o, "InHeadP->%s", hp.reply); break;
        case AK_MSGSEQNO: src = "InHeadP->msgh_seqno"; break;
        default: break;
        }
        if ((src != NULL) != (pass == 0))
            continue;
        for (size_t k = 0; k < rq->nfields; k++)
            if (rq->fields[k]->arg == a && at[k + 1] > at[k])
                sb_put(&o->text, later->text.b + at[k], at[k + 1] - at[k]);
        if (src && a->in_server_proto) {
            if (ty->intran)
                out(o, "\t%s = (%s)%s;\n", derived_name(a, CN_MSG), intran_arg_ctype(rq, a), src);
            else
                out(o, "\t%s = (%s)%s;\n", arg_name(a), server_ctype(a), src);
            if (a->poly && a->poly->in_server_proto)
                out(o, "\t%s = MACH_MSGH_BITS_%s(InHeadP->msgh_bits);\n", arg_name(a->poly),
                    a->kind == AK_REQUESTPORT ? hp.request_bits : hp.reply_bits);
        }
        if (a->kind == AK_REQUESTPORT && ty->intranpayload && a->in_server_proto) {
            /* A request to a port with a protected payload carries the payload instead. */
            out(o, "\tif (MACH_MSGH_BITS_%s(InHeadP->msgh_bits) == MACH_MSG_TYPE_PROTECTED_PAYLOAD)\n",
                hp.request_bits);
            out(o, "\t\t%s = %s(InHeadP->msgh_protected_payload);\n\telse\n\t", arg_name(a), ty->intranpayload);
        }
        if (ty->intran && a->kind != AK_OUT && a->in_server_proto && !a->parent)
            out(o, "\t%s = %s(%s);\n", arg_name(a), ty->intran, derived_name(a, CN_MSG));
        else if (a->kind == AK_REQUESTPORT && ty->intranpayload && a->in_server_proto)
            out(o, "\t;\n");   /* the port itself, read above */
    }
    if (plain->text.n)
        sb_put(&o->text, plain->text.b, plain->text.n);
    for (size_t i = 0; i < r->nargs; i++) {
        Arg *a = r->args[i];
        if (a->kind != AK_OUT || !a->count || !rp)
            continue;
        for (size_t k = 0; k < rp->nfields; k++) {
            const Field *f = rp->fields[k];
            if (f->arg != a || f->out_of_line)
                continue;
            if (f->indefinite)
                out(o, "\t%s = (void *)%s;\n", arg_name(a), indefinite_room(o, a, f));
            /* The server may fill at most the room inline, or less if the caller asked. */
            if (a->count->in_request)
                out(o, "\t%s = %s < %u ? %s : %u;\n", arg_name(a->count), arg_name(a->count), f->inline_max,
                    arg_name(a->count), f->inline_max);
            else
                out(o, "\t%s = %u;\n", arg_name(a->count), f->inline_max);
        }
    }

    /* Fixed data the server function writes in place: the padding after
     * it is cleared before the call, where it costs the stub least, and a
     * string starts zeroed (what follows its NUL is sent too). */
    for (size_t i = 0; rp && i < rp->nfields; i++) {
        const Field *f = rp->fields[i];
        if (!f->arg || f->varying || !out_in_place(o->t, rp, f->arg, f))
            continue;
        unsigned padded = (f->data_size + pad_mask(t)) & ~pad_mask(t);
        if (f->is_string)
            out(o, "\t__builtin_memset(__builtin_assume_aligned(R0 + %u, %s), 0, %u);\n", f->data_off,
                f->data_off % 8 == 0 ? "_Alignof(mach_msg_header_t)" : f->data_off % 4 == 0 ? "4" : "1", padded);
        else if (padded > f->data_size)
            out(o, "\t__builtin_memset(R0 + %u, 0, %u);\n", f->data_off + f->data_size, padded - f->data_size);
    }
    out(o, "\n\tOutP->RetCode = %s(", server_name(o, r));
    emit_call_args(o, r);
    out(o, ");\n");
    for (size_t i = 0; i < r->nargs; i++) {
        Arg *a = r->args[i];
        if (a->type->destructor && !is_out(a) && a->in_server_proto && !a->parent)
            out(o, "\t%s(%s);\n", a->type->destructor, arg_name(a));
        /* An unbounded array the server could not tell from inline data is
         * freed here once the call succeeded (on failure the request is
         * destroyed whole), as GNU MIG does; with servercopy the server
         * can tell, and the memory is its own. */
        const Field *qf = field_of(rq, a);
        if (qf && qf->indefinite && !rq->ool_consumed && !a->scopy)
            out(o, "\tif (%s && OutP->RetCode == KERN_SUCCESS)\n\t\t%s((vm_address_t)%s, %s * %u);\n",
                derived_name(a, CN_OOL), subr(o, "mig_deallocate"), arg_name(a), arg_name(a->count), qf->is_port ? qf->ool_port_bits / 8 : qf->elem_size);
        if (ports_packed(rq, qf)) {
            out(o, "\tif (OutP->RetCode != KERN_SUCCESS%s%s)\n", qf->indefinite ? " && !" : "",
                qf->indefinite ? derived_name(a, CN_OOL) : "");
            emit_port_pack(o, t, tsprintf(o, "(P%u + %u)", qf->seg, qf->data_off),
                           qf->varying || qf->indefinite ? arg_name(a->count) : tsprintf(o, "%uu", qf->number), true, "\t\t");
        }
    }
    if (!rp) {
        emit_release_sends(o, r, true);
        out(o, "}\n\n");
        return;
    }
    out(o, "\tif (OutP->RetCode != KERN_SUCCESS)\n\t\treturn;\n");
    emit_release_sends(o, r, false);
    if (rp->nfields > 1) {
        bool poly = false;
        for (size_t i = 1; i < rp->nfields; i++) {
            Field *f = rp->fields[i];
            server_put(o, rp, f, tsprintf(o, "R%u", f->seg), f->seg + 1);
            if (f->arg->check_circular)
                emit_circular_check(o, f, tsprintf(o, "R%u", f->seg));
            if (f->arg->poly && f->arg->poly->in_server_proto && f->name_sent == MT_POLYMORPHIC && !f->out_of_line)
                poly = true;
        }
        out(o, "\tOutHeadP->msgh_size = (uint32_t)(R%u - (char *)OutHeadP) + %u;\n", rp->nsegs - 1,
            rp->seg_size[rp->nsegs - 1]);
        if (rp->complex_static)
            out(o, "\tOutHeadP->msgh_bits |= MACH_MSGH_BITS_COMPLEX;\n");
        else if (poly) {
            for (size_t i = 1; i < rp->nfields; i++) {
                Field *f = rp->fields[i];
                if (f->arg->poly && f->arg->poly->in_server_proto && f->name_sent == MT_POLYMORPHIC && !f->out_of_line)
                    out(o, "\tif (MACH_MSG_TYPE_PORT_ANY(%s))\n\t\tOutHeadP->msgh_bits |= MACH_MSGH_BITS_COMPLEX;\n",
                        arg_name(f->arg->poly));
            }
        }
    }
    out(o, "}\n\n");
    (void)t;
}

void emit_server(Out *o)
{
    Module *m = o->m;
    const Target *t = o->t;
    emit_preamble(o, "Server stubs");
    out(o, "#include <mach/mach_types.h>\n");
    out(o, "#if __has_include(<mach/mig_support.h>)\n#include <mach/mig_support.h>\n#else\n");
    out(o, "extern void mig_deallocate(vm_address_t, vm_size_t);\n#endif\n");
    if (o->opt && o->opt->subrprefix && o->opt->subrprefix[0])
        out(o, "extern void (%s)(vm_address_t, vm_size_t);\n", subr(o, "mig_deallocate"));
    emit_imports(o, IMPORT_SERVER);
    if (m->rcsid)
        out(o, "char %s_server_rcsid[] = %s;\n", m->subsystem, m->rcsid);
    out(o, "\n");
    /* The stubs include no generated header, and their locals and
     * membership checks name the enums' types and constants. */
    emit_enum_exports(o);
    /* The server functions the user of these stubs provides. */
    ArenaMark mark0 = arena_mark(o->tmp);
    for (size_t i = 0; i < m->routines.n; i++) {
        Routine *r = m->routines.v[i];
        out(o, "extern kern_return_t %s\n", server_name(o, r));
        emit_server_params(o, r);
        out(o, ";\n");
        arena_release(o->tmp, mark0);
    }
    out(o, "\n");
    Deferred ld = { *o, *o };
    ld.later.text = ld.plain.text = (StrBuf){ 0 };
    ArenaMark mark = arena_mark(o->tmp);
    for (size_t i = 0; i < m->routines.n; i++) {
        emit_server_routine(o, &ld, m->routines.v[i]);
        arena_release(o->tmp, mark);
    }

    /* Defaults for routines a server leaves out (GNU MIG's convention:
     * active when MIG_EOPNOTSUPP is defined, as the Hurd does). */
    for (size_t i = 0; i < m->routines.n; i++) {
        Routine *r = m->routines.v[i];
        out(o, "#ifdef MIG_EOPNOTSUPP\nkern_return_t __attribute__((weak)) %s\n", server_name(o, r));
        emit_server_params(o, r);
        out(o, "\n{\n");
        for (size_t k = 0; k < r->nargs; k++)
            if (r->args[k]->in_server_proto)
                out(o, "\t(void)%s;\n", r->args[k]->name);
        out(o, "\treturn MIG_EOPNOTSUPP;\n}\n#endif\n\n");
        arena_release(o->tmp, mark);
    }

    const char *demux = demux_name(o);
    /* The table is exported under GNU MIG's name: its server header looks
     * routines up in it with an inline function. */
    out(o, "mig_routine_t %s_routines[%u] = {\n", demux, m->nslots ? m->nslots : 1);
    size_t k = 0;
    for (unsigned slot = 0; slot < m->nslots; slot++) {
        Routine *r = k < m->routines.n ? m->routines.v[k] : NULL;
        if (r && r->number == slot) {
            out(o, "\t_X%s,\n", r->name);
            k++;
        } else
            out(o, "\t0,\n");
    }
    if (!m->nslots)
        out(o, "\t0,\n");
    out(o, "};\n\n");
    if (o->opt && o->opt->symtab) {
        /* -s: the routines by name, for debuggers and tracers. */
        out(o, "mig_symtab_t _%sSymTab[] = {\n", m->subsystem);
        for (size_t i = 0; i < m->routines.n; i++) {
            Routine *r = m->routines.v[i];
            out(o, "\t{ \"%s\", %u, (void (*)(void))_X%s },\n", r->name, r->request_id, r->name);
        }
        if (!m->routines.n)
            out(o, "\t{ 0, 0, 0 },\n");
        out(o, "};\nint _%sSymTabBase = %u;\nint _%sSymTabEnd = %u;\n\n", m->subsystem, m->base,
            m->subsystem, m->base + m->nslots);
    }
    /* Without a demux function (KernelServer), the table is all. */
    if (!m->has_demux)
        return;
    out(o, "static mig_routine_t migc_routine(const mach_msg_header_t *InHeadP)\n{\n");
    out(o, "\tuint32_t id = (uint32_t)InHeadP->msgh_id - %uu;\n", m->base);
    if (m->nslots)
        out(o, "\treturn id < %u ? %s_routines[id] : 0;\n}\n\n", m->nslots, demux);
    else
        out(o, "\t(void)id;\n\treturn 0;\n}\n\n");

    /* The reply header is prepared here so that an error is always answerable. */
    Field rc = { 0 };
    rc.kind = FK_RETCODE;
    rc.name_sent = rc.name_check = MT_INTEGER_32;
    rc.elem_bits = 32;
    rc.number = 1;
    rc.desc_off = t->header_size;
    Desc d = desc_of(t, &rc);
    out(o, "mig_external boolean_t %s(mach_msg_header_t *InHeadP, mach_msg_header_t *OutHeadP)\n{\n", demux);
    out(o, "\tmig_reply_header_t *OutP = (mig_reply_header_t *)OutHeadP;\n");
    out(o, "\tmig_routine_t routine;\n\n");
    HeadPorts hp = head_ports(o);
    /* Not a memset of the whole header (on i686 gcc makes that a loop):
       the fields one by one, and RetCode with the padding after it, which is
       sent.  The upper halves of x86_64's 8-byte header port slots are left
       as they are: the kernel reads only the 32-bit names there. */
    unsigned tail = t->header_size + 4 * d.nwords;
    out(o, "\t__builtin_memset((char *)OutHeadP + %u, 0, sizeof(mig_reply_header_t) - %u);\n", tail, tail);
    out(o, "\tOutHeadP->msgh_bits = MACH_MSGH_BITS(MACH_MSGH_BITS_%s(InHeadP->msgh_bits), 0);\n", hp.reply_bits);
    out(o, "\tOutHeadP->msgh_size = sizeof(mig_reply_header_t);\n");
    out(o, "\tOutHeadP->msgh_remote_port = InHeadP->%s;\n", hp.reply);
    out(o, "\tOutHeadP->msgh_local_port = MACH_PORT_NULL;\n");
    out(o, "\tOutHeadP->msgh_seqno = 0;\n");
    out(o, "\tOutHeadP->msgh_id = (mach_msg_id_t)((uint32_t)InHeadP->msgh_id + 100u);\n");
    for (unsigned i = 0; i < d.nwords; i++)
        out(o, "\tmigc_st32((char *)OutHeadP + %u, 0x%08xu);\n", t->header_size + 4 * i, d.w[i]);
    out(o, "\tif ((routine = migc_routine(InHeadP)) == 0) {\n");
    out(o, "\t\tOutP->RetCode = MIG_BAD_ID;\n\t\treturn FALSE;\n\t}\n");
    out(o, "\t(*routine)(InHeadP, OutHeadP);\n\treturn TRUE;\n}\n");
}
