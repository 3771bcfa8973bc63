/* emit_user.c: user stubs, one function per routine, from the layout records. */
#include <string.h>

#include "emit.h"

static unsigned pad_mask(const Target *t)
{
    return t->msg_align - 1;
}

/* Whether the argument is reached through a pointer in the user stub. */
static bool by_pointer(const Arg *a)
{
    return (a->kind == AK_OUT || a->kind == AK_INOUT) && !arg_is_array(a);
}

/* Expression for the value of a argument's count in the request. */
static const char *count_value(Out *o, const Arg *a)
{
    return tsprintf(o, "%s%s", a->kind == AK_INOUT ? "*" : "", arg_name(a->count));
}

static void emit_size_assert(Out *o, const char *ctype, unsigned size, const char *what)
{
    out(o, "\t_Static_assert(sizeof(%s) == %u, \"%s: the C type %s is not %u bytes\");\n",
        ctype, size, what, ctype, size);
}

/* Store COUNT (a run-time expression) inline elements of ELEM bytes and
 * their padding, and start the next segment after them. */
static void put_inline_data(Out *o, const char *P, unsigned off, const char *src, unsigned elem,
                            const char *count, unsigned nextseg)
{
    unsigned m = pad_mask(o->t);
    out(o, "\t\tuint32_t migc_n = %u * %s;\n", elem, count);
    out(o, "\t\tmemcpy(%s + %u, %s, migc_n);\n", P, off, src);
    emit_pad(o, "\t\t", P, off, elem);
    out(o, "\t\tP%u = %s + %u + ((migc_n + %u) & ~%uu);\n", nextseg, P, off, m, m);
}

/* Marshal one request field from the user's arguments. */
static void user_put(Out *o, const Routine *r, const Field *f, const char *P, unsigned nextseg)
{
    const Target *t = o->t;
    const Arg *a = f->arg;
    const char *v = by_pointer(a) || (a->kind == AK_COUNT && a->parent->kind != AK_IN)
                        ? tsprintf(o, "(*%s)", arg_name(a)) : arg_name(a);
    const char *poly = a->poly && a->poly->in_user_proto ? arg_name(a->poly) : NULL;
    const char *dealloc = a->dealloc_arg ? arg_name(a->dealloc_arg) : NULL;
    const char *number = NULL;
    unsigned m = pad_mask(t);

    out(o, "\t/* %s */\n", a->name);
    if (a->kind == AK_COUNT) {
        /* CountInOut: ask for no more than the reply can carry inline. */
        const Field *rf = field_of(r->reply[o->tindex], a->parent);
        emit_desc_store(o, f, P, NULL, NULL, NULL);
        if (rf && (rf->inline_max || rf->indefinite))
            out(o, "\t{\n\t\tmach_msg_type_number_t migc_n = %s < %u ? %s : %u;\n\t\t__builtin_memcpy(%s + %u, &migc_n, 4);\n\t}\n",
                v, rf->inline_max, v, rf->inline_max, P, f->data_off);
        else
            out(o, "\t__builtin_memcpy(%s + %u, %s, 4);\n", P, f->data_off, tsprintf(o, "&%s", v));
        if (f->end_off > f->data_off + 4)
            out(o, "\t__builtin_memset(%s + %u, 0, %u);\n", P, f->data_off + 4, f->end_off - f->data_off - 4);
        return;
    }
    if (f->varying && !f->is_string) {
        number = count_value(o, a);
        if (!f->indefinite && f->number)
            out(o, "\tif (mig_unlikely(%s > %u))\n\t\treturn MIG_ARRAY_TOO_LARGE;\n", number, f->inline_max);
    }
    if (f->is_string && f->varying) {
        /* The count is the string's length with its NUL, within the bound. */
        out(o, "\t{\n\t\tuint32_t migc_n = migc_strncpy(%s + %u, %s, %u);\n", P, f->data_off, arg_name(a), f->number);
        emit_pad(o, "\t\t", P, f->data_off, 1);
        emit_desc_store(o, f, P, "migc_n", NULL, NULL);
        out(o, "\t\tP%u = %s + %u + ((migc_n + %u) & ~%uu);\n\t}\n", nextseg, P, f->data_off, m, m);
        return;
    }
    emit_desc_store(o, f, P, number ? units_of(o, f, number) : NULL, poly, dealloc);
    if (f->indefinite) {
        /* Inline while it fits, else out of line (the receiver accepts both). */
        if (!f->is_port)
            emit_size_assert(o, elem_ctype(a, false), f->elem_size, a->name);
        out(o, "\tif (%s > %u) {\n", number, f->inline_max);
        /* Out of line: no inline bit; the deallocate bit as the argument says. */
        out(o, "\t\tmigc_st32(%s + %u, (migc_ld32(%s + %u) & ~0x%08xu)", P, f->desc_off, P, f->desc_off,
            1u << t->inline_bit);
        if (f->dealloc)
            out(o, " | 0x%08xu", 1u << t->dealloc_bit);
        else if (dealloc)
            out(o, " | (%s ? 0x%08xu : 0)", dealloc, 1u << t->dealloc_bit);
        out(o, ");\n");
        if (f->is_port)   /* out of line, ports travel as names */
            out(o, "\t\t%s;\n", desc_size_store(o, f, P, f->ool_port_bits));
        out(o, "\t\t__builtin_memcpy(%s + %u, &%s, %u);\n", P, f->data_off, arg_name(a), t->pointer_size);
        out(o, "\t\tmsgh_complex = 1;\n");
        out(o, "\t\tP%u = %s + %u;\n\t} else {\n", nextseg, P, f->data_off + ((t->pointer_size + m) & ~m));
        if (f->is_port) {
            out(o, "\t\tfor (uint32_t migc_i = 0; migc_i < %s; migc_i++)\n", number);
            out(o, "\t\t\tmigc_st_port(%s + %u + %u * migc_i, (uintptr_t)%s[migc_i]);\n", P, f->data_off, t->port_size, arg_name(a));
            /* Inline ports of a polymorphic name make the message complex
             * as they do out of line (the Hurd's portarray_t). */
            if (poly)
                out(o, "\t\tif (MACH_MSG_TYPE_PORT_ANY(%s))\n\t\t\tmsgh_complex = 1;\n", poly);
            out(o, "\t\tP%u = %s + %u + %u * %s;\n", nextseg, P, f->data_off, t->port_size, number);
        } else
            put_inline_data(o, P, f->data_off, arg_name(a), f->elem_size, number, nextseg);
        out(o, "\t}\n");
        return;
    }
    if (f->out_of_line) {
        emit_size_assert(o, user_ctype(a), t->pointer_size, a->name);
        out(o, "\t__builtin_memcpy(%s + %u, &%s, %u);\n", P, f->data_off, v, t->pointer_size);
        return;
    }
    unsigned padded = (f->data_size + m) & ~m;
    if (f->is_string) {
        out(o, "\t__builtin_memset(%s + %u, 0, %u);\n", P, f->data_off, padded);
        out(o, "\t(void) migc_strncpy(%s + %u, %s, %u);\n", P, f->data_off, arg_name(a), f->data_size);
        return;
    }
    if (f->is_port) {
        if (f->number == 1 && !f->varying) {
            out(o, "\tmigc_st_port(%s + %u, (uintptr_t)%s);\n", P, f->data_off, v);
            if (poly)
                out(o, "\tif (MACH_MSG_TYPE_PORT_ANY(%s))\n\t\tmsgh_complex = 1;\n", poly);
            return;
        }
        const char *n = f->varying ? number : tsprintf(o, "%u", f->number);
        out(o, "\tfor (uint32_t migc_i = 0; migc_i < %s; migc_i++)\n", n);
        out(o, "\t\tmigc_st_port(%s + %u + %u * migc_i, (uintptr_t)%s[migc_i]);\n", P, f->data_off, t->port_size, arg_name(a));
        if (poly)
            out(o, "\tif (MACH_MSG_TYPE_PORT_ANY(%s))\n\t\tmsgh_complex = 1;\n", poly);
        if (f->varying)
            out(o, "\tP%u = %s + %u + %u * %s;\n", nextseg, P, f->data_off, t->port_size, n);
        return;
    }
    if (f->varying) {
        emit_size_assert(o, elem_ctype(a, false), f->elem_size, a->name);
        out(o, "\t{\n");
        put_inline_data(o, P, f->data_off, arg_name(a), f->elem_size, number, nextseg);
        out(o, "\t}\n");
        return;
    }
    if (!arg_is_array(a))
        emit_size_assert(o, user_ctype(a), f->data_size, a->name);
    emit_put_padded(o, tsprintf(o, "%s + %u", P, f->data_off), arg_is_array(a) ? arg_name(a) : tsprintf(o, "&%s", v),
                    f->data_size, padded);
}

/* Unmarshal one reply field into the user's arguments. */
static void user_get(Out *o, const MsgLayout *ml, const Field *f, const char *P, unsigned nextseg)
{
    const Target *t = o->t;
    const Arg *a = f->arg;
    const char *fail = "return MIG_TYPE_ERROR;";
    out(o, "\t/* %s */\n", a->name);
    emit_desc_check(o, f, P, fail);
    emit_poly_complex_check(o, f, P, fail);
    if (a->poly && a->poly->in_user_proto)
        out(o, "\t*%s = %s;\n", arg_name(a->poly), desc_name_expr(o, f, P));
    if (f->indefinite) {
        out(o, "\t{\n");
        emit_count_read(o, f, P, fail);
        emit_indefinite_span(o, ml, f, P, nextseg, "Mess.Buf", ml->seg_size[nextseg], fail);
        out(o, "\t\tif (!migc_in_line)\n\t\t\t__builtin_memcpy(%s, %s + %u, %u);\n", arg_name(a), P, f->data_off, t->pointer_size);
        out(o, "\t\telse {\n\t\t\tif (migc_n > *%s)\n\t\t\t\t%s((vm_address_t *)%s, sizeof **%s * migc_n);\n",
            arg_name(a->count), subr(o, "mig_allocate"), arg_name(a), arg_name(a));
        if (f->is_port)
            out(o, "\t\t\tfor (uint32_t migc_i = 0; migc_i < migc_n; migc_i++)\n\t\t\t\t(*%s)[migc_i] = (mach_port_t)%s;\n",
                arg_name(a), port_load(o, ml, tsprintf(o, "%s + %u + %u * migc_i", P, f->data_off, t->port_size)));
        else
            out(o, "\t\t\tmemcpy(*%s, %s + %u, %u * migc_n);\n", arg_name(a), P, f->data_off, f->elem_size);
        out(o, "\t\t}\n");
        out(o, "\t\t*%s = migc_n;\n\t}\n", arg_name(a->count));
        return;
    }
    if (f->out_of_line) {
        emit_size_assert(o, user_ctype(a), t->pointer_size, a->name);
        out(o, "\t__builtin_memcpy(%s, %s + %u, %u);\n", arg_name(a), P, f->data_off, t->pointer_size);
        if (a->count) {
            out(o, "\t{\n");
            emit_count_read(o, f, P, fail);
            out(o, "\t\t*%s = migc_n;\n\t}\n", arg_name(a->count));
        }
        return;
    }
    if (f->varying) {
        /* The count decides where the rest of the reply starts. */
        out(o, "\t{\n");
        emit_count_read(o, f, P, fail);
        emit_varying_span(o, ml, f, P, nextseg, "Mess.Buf", ml->seg_size[nextseg], fail);
        if (f->is_string) {
            out(o, "\t\tmemcpy(%s, %s + %u, migc_n);\n", arg_name(a), P, f->data_off);
            out(o, "\t\tif (migc_n)\n\t\t\t%s[migc_n - 1] = 0;\n\t}\n", arg_name(a));
            return;
        }
        out(o, "\t\tif (migc_n > *%s) {\n", arg_name(a->count));
        if (f->is_port)
            out(o, "\t\t\tfor (uint32_t migc_i = 0; migc_i < *%s; migc_i++)\n\t\t\t\t%s[migc_i] = (mach_port_t)%s;\n",
                arg_name(a->count), arg_name(a), port_load(o, ml, tsprintf(o, "%s + %u + %u * migc_i", P, f->data_off, t->port_size)));
        else
            out(o, "\t\t\tmemcpy(%s, %s + %u, %u * *%s);\n", arg_name(a), P, f->data_off, f->elem_size, arg_name(a->count));
        out(o, "\t\t\t*%s = migc_n;\n\t\t\treturn MIG_ARRAY_TOO_LARGE;\n\t\t}\n", arg_name(a->count));
        if (f->is_port)
            out(o, "\t\tfor (uint32_t migc_i = 0; migc_i < migc_n; migc_i++)\n\t\t\t%s[migc_i] = (mach_port_t)%s;\n",
                arg_name(a), port_load(o, ml, tsprintf(o, "%s + %u + %u * migc_i", P, f->data_off, t->port_size)));
        else
            out(o, "\t\tmemcpy(%s, %s + %u, %u * migc_n);\n", arg_name(a), P, f->data_off, f->elem_size);
        out(o, "\t\t*%s = migc_n;\n\t}\n", arg_name(a->count));
        return;
    }
    if (f->is_string) {
        out(o, "\t(void) migc_strncpy(%s, %s + %u, %u);\n", arg_name(a), P, f->data_off, f->data_size);
        return;
    }
    if (f->is_port) {
        if (f->number == 1) {
            /* As the caller holds it: a name, or in the kernel an ipc_port_t. */
            out(o, "\t*%s = (%s)%s;\n", arg_name(a), user_ctype(a), port_load(o, ml, tsprintf(o, "%s + %u", P, f->data_off)));
            return;
        }
        out(o, "\tfor (uint32_t migc_i = 0; migc_i < %u; migc_i++)\n\t\t%s[migc_i] = (mach_port_t)%s;\n",
            f->number, arg_name(a), port_load(o, ml, tsprintf(o, "%s + %u + %u * migc_i", P, f->data_off, t->port_size)));
        return;
    }
    if (!arg_is_array(a))
        emit_size_assert(o, user_ctype(a), f->data_size, a->name);
    out(o, "\t__builtin_memcpy(%s, %s + %u, %u);\n", arg_name(a), P, f->data_off, f->data_size);
}

static const char *timeout_expr(const Routine *r)
{
    if (r->waittime_arg)
        return arg_name(r->waittime_arg);
    if (r->waittime)
        return r->waittime;
    return NULL;
}

static const char *option_expr(const Routine *r)
{
    if (r->msgoption_arg)
        return arg_name(r->msgoption_arg);
    if (r->msgoption)
        return r->msgoption;
    return "MACH_MSG_OPTION_NONE";
}

static const char *bits_name(Out *o, unsigned v, const Arg *a)
{
    if (v == (unsigned)MT_POLYMORPHIC)
        return a && a->poly && a->poly->in_user_proto ? arg_name(a->poly) : "MACH_MSG_TYPE_COPY_SEND";
    return tsprintf(o, "%u", v);
}

static void emit_user_routine(Out *o, Routine *r)
{
    const Target *t = o->t;
    MsgLayout *rq = r->request[o->tindex];
    MsgLayout *rp = r->reply[o->tindex];
    unsigned bufsize = rq->max_size;
    if (rp && rp->max_size > bufsize)
        bufsize = rp->max_size;
    /* In the kernel (KernelUser), mach_msg_rpc_from_kernel supplies the reply port. */
    bool kernel = o->m->kernel_user;
    bool own_reply_port = !kernel && !r->simple && !(r->reply_port && r->reply_port->kind != AK_SREPLYPORT);

    out(o, "/* %s %s: request %u", r->simple ? "SimpleRoutine" : "Routine", r->name, r->request_id);
    if (!r->simple)
        out(o, ", reply %u", r->reply_id);
    out(o, " */\nmig_external kern_return_t %s\n", user_name(o, r));
    emit_user_params(o, r, false);  /* arg_NAME: the header has the user's names */
    out(o, "\n{\n");
    out(o, "\tunion {\n\t\tmach_msg_header_t Head;\n\t\tmig_reply_header_t Error;\n");
    out(o, "\t\tchar Buf[%u];\n\t\tuint64_t Align;\n\t} Mess;\n", bufsize);
    /* The segment pointers the request and the reply use (none starts
     * after a reply's last field of variable size: see last_spans). */
    unsigned nsegs = rq->nsegs;
    if (rp && rp->nsegs - last_spans(rp) > nsegs)
        nsegs = rp->nsegs - last_spans(rp);
    for (unsigned s = 0; s < nsegs; s++)
        out(o, "\tchar *P%u%s;\n", s, s == 0 ? " = Mess.Buf" : "");
    out(o, "\tint msgh_complex = %d;\n", rq->complex_static ? 1 : 0);
    out(o, "\tuint32_t msgh_size;\n");
    if (!r->simple)
        out(o, "\tmach_msg_return_t migc_result;\n");
    if (!r->simple && !o->m->kernel_user)
        out(o, "\tmach_port_t migc_reply_port;\n");
    /* No memset of the header: its fields are all assigned below but for
       the upper halves of x86_64's 8-byte port slots, where the kernel
       reads only the 32-bit names. */
    for (size_t i = 0; i < r->nargs; i++)
        if (r->args[i]->user_stub_ignores)
            out(o, "\t(void)%s;\n", arg_name(r->args[i]));
    out(o, "\n");

    for (size_t i = 0; i < rq->nfields; i++) {
        Field *f = rq->fields[i];
        user_put(o, r, f, tsprintf(o, "P%u", f->seg), f->seg + 1);
    }
    /* Where the body decides the complex bit at run time (polymorphic
     * names, arrays inline or out of line), a header port of a polymorphic
     * name that is a port's sets it too, as GNU MIG's user stubs do; where
     * the body decides it once for all, the header's names do not. */
    if (rq->complex_poly && !rq->complex_static) {
        const Arg *hdr[2] = { r->request_port, r->reply_port };
        unsigned hdr_bits[2] = { rq->msgh_bits_remote, rq->msgh_bits_local };
        for (int k = 0; k < 2; k++)
            if (hdr_bits[k] == (unsigned)MT_POLYMORPHIC && hdr[k] && hdr[k]->poly && hdr[k]->poly->in_user_proto)
                out(o, "\tif (MACH_MSG_TYPE_PORT_ANY(%s))\n\t\tmsgh_complex = 1;\n", arg_name(hdr[k]->poly));
    }
    out(o, "\tmsgh_size = (uint32_t)(P%u - Mess.Buf) + %u;\n", rq->nsegs - 1, rq->seg_size[rq->nsegs - 1]);
    if (rq->nsegs == 1)
        out(o, "\t_Static_assert(%u <= sizeof Mess.Buf, \"request fits\");\n", rq->min_size);

    /* The header. */
    const char *remote = bits_name(o, rq->msgh_bits_remote, r->request_port);
    const char *local = bits_name(o, rq->msgh_bits_local, r->reply_port);
    out(o, "\tMess.Head.msgh_bits = (msgh_complex ? MACH_MSGH_BITS_COMPLEX : 0) |\n");
    out(o, "\t\tMACH_MSGH_BITS(%s, %s);\n", remote, local);
    out(o, "\tMess.Head.msgh_size = msgh_size;\n");
    out(o, "\tMess.Head.msgh_remote_port = (mach_port_t)%s;\n", r->request_port ? arg_name(r->request_port) : "MACH_PORT_NULL");
    if (kernel || (r->simple && !(r->reply_port && r->reply_port->kind != AK_SREPLYPORT)))
        out(o, "\tMess.Head.msgh_local_port = MACH_PORT_NULL;\n");
    else if (own_reply_port)
        out(o, "\tmigc_reply_port = %s();\n\tMess.Head.msgh_local_port = migc_reply_port;\n",
            subr(o, "mig_get_reply_port"));
    else {
        if (!r->simple)
            out(o, "\tmigc_reply_port = %s;\n", arg_name(r->reply_port));
        out(o, "\tMess.Head.msgh_local_port = %s;\n", arg_name(r->reply_port));
    }
    out(o, "\tMess.Head.msgh_seqno = 0;\n\tMess.Head.msgh_id = %d;\n\n", wire_id(r->request_id));

    const char *timeout = timeout_expr(r);
    const char *options = option_expr(r);
    if (kernel && r->simple) {
        out(o, "\treturn mach_msg_send_from_kernel(&Mess.Head, msgh_size);\n}\n\n");
        return;
    }
    if (kernel)
        out(o, "\tmigc_result = mach_msg_rpc_from_kernel(&Mess.Head, msgh_size, %u);\n", rp->max_size);
    else if (r->simple) {
        out(o, "\treturn %s(&Mess.Head, MACH_SEND_MSG|%s%s, msgh_size, 0, MACH_PORT_NULL, %s, MACH_PORT_NULL);\n}\n\n",
            subr(o, "mach_msg"), options, timeout ? "|MACH_SEND_TIMEOUT" : "", timeout ? timeout : "MACH_MSG_TIMEOUT_NONE");
        return;
    }
    else
        out(o, "\tmigc_result = %s(&Mess.Head, MACH_SEND_MSG|MACH_RCV_MSG|%s%s, msgh_size, %u, migc_reply_port, %s, MACH_PORT_NULL);\n",
            subr(o, "mach_msg"), options, timeout ? "|MACH_RCV_TIMEOUT" : "", rp->max_size, timeout ? timeout : "MACH_MSG_TIMEOUT_NONE");
    /* The reply port, after mach_msg, is read back from the header (where
       it is whether the send failed or a reply came on it, as GNU MIG
       does): a register kept across the call would cost a save and restore. */
    out(o, "\tif (migc_result != MACH_MSG_SUCCESS) {\n");
    if (own_reply_port)
        out(o, "\t\t%s(Mess.Head.msgh_local_port);\n", subr(o, "mig_dealloc_reply_port"));
    out(o, "\t\treturn migc_result;\n\t}\n");
    if (own_reply_port)
        out(o, "\t%s(Mess.Head.msgh_local_port);\n", subr(o, "mig_put_reply_port"));
    out(o, "\n\tif (mig_unlikely(Mess.Head.msgh_id != %d)) {\n", wire_id(r->reply_id));
    out(o, "\t\tif (Mess.Head.msgh_id == MACH_NOTIFY_SEND_ONCE)\n\t\t\treturn MIG_SERVER_DIED;\n");
    /* A reply that is not this routine's: the port it came on is given to
     * mig_dealloc_reply_port, the caller's own reply port too (as GNU MIG
     * does; glibc's takes it for the thread's reply port, which it
     * destroys). */
    if (own_reply_port || !kernel)
        out(o, "\t\t%s(Mess.Head.msgh_local_port);\n", subr(o, "mig_dealloc_reply_port"));
    out(o, "\t\treturn MIG_REPLY_MISMATCH;\n\t}\n\n");

    /* The reply: its size and complexity, or a bare error return code. */
    bool varying = rp->nsegs > 1;
    out(o, "\tmsgh_size = Mess.Head.msgh_size;\n");
    out(o, "\tmsgh_complex = (Mess.Head.msgh_bits & MACH_MSGH_BITS_COMPLEX) != 0;\n");
    out(o, "\tif (mig_unlikely(");
    if (varying)
        out(o, "(msgh_size < %u", rp->min_size);
    else
        out(o, "(msgh_size != %u", rp->min_size);
    if (rp->complex_static || rp->complex_check)
        out(o, " || !msgh_complex");
    else if (!rp->complex_poly)
        out(o, " || msgh_complex");
    out(o, ") &&\n\t    (msgh_size != sizeof(mig_reply_header_t) || msgh_complex ||\n");
    out(o, "\t     Mess.Error.RetCode == KERN_SUCCESS)))\n\t\treturn MIG_TYPE_ERROR;\n");
    Field *rc = rp->fields[0];
    emit_desc_check(o, rc, "P0", "return MIG_TYPE_ERROR;");
    out(o, "\tif (Mess.Error.RetCode != KERN_SUCCESS)\n\t\treturn Mess.Error.RetCode;\n");
    for (size_t i = 1; i < rp->nfields; i++) {
        Field *f = rp->fields[i];
        user_get(o, rp, f, tsprintf(o, "P%u", f->seg), f->seg + 1);
    }
    if (varying && !last_spans(rp))
        out(o, "\tif (mig_unlikely((uint32_t)(P%u - Mess.Buf) + %u != msgh_size))\n\t\treturn MIG_TYPE_ERROR;\n",
            rp->nsegs - 1, rp->seg_size[rp->nsegs - 1]);
    out(o, "\treturn KERN_SUCCESS;\n}\n\n");
    (void)t;
}

void emit_user(Out *o, Routine *only)
{
    emit_preamble(o, "User stubs");
    if (o->header_name)
        out(o, "#include \"%s\"\n", o->header_name);
    if (o->m->kernel_user)
        out(o, "#include <kern/ipc_mig.h>\n");
    else {
        out(o, "#if __has_include(<mach/mig_support.h>)\n#include <mach/mig_support.h>\n#else\n");
        out(o, "extern mach_port_t mig_get_reply_port(void);\n");
        out(o, "extern void mig_dealloc_reply_port(mach_port_t);\n");
        out(o, "extern void mig_put_reply_port(mach_port_t);\n");
        out(o, "extern void mig_allocate(vm_address_t *, vm_size_t);\n#endif\n");
        if (o->opt && o->opt->subrprefix && o->opt->subrprefix[0]) {
            /* The program's own runtime, which no system header declares.
             * Each name in parentheses: a program may make it a macro
             * before it includes the stub (glibc's profil.c defines
             * `__mig_get_reply_port()'), and the declaration must stay
             * one of the function.  But __mach_msg: GNU Mach's
             * <mach/message.h> declares it, and glibc's interruptible
             * stubs rename it to a function of another return type by an
             * object-like macro (hurd/intr-rpc.h), which no declaration
             * here could agree with. */
            if (strcmp(o->opt->subrprefix, "__") != 0)
                out(o, "extern mach_msg_return_t (%s)(mach_msg_header_t *, mach_msg_option_t, mach_msg_size_t,\n"
                    "\tmach_msg_size_t, mach_port_t, mach_msg_timeout_t, mach_port_t);\n", subr(o, "mach_msg"));
            out(o, "extern mach_port_t (%s)(void);\n", subr(o, "mig_get_reply_port"));
            out(o, "extern void (%s)(mach_port_t);\n", subr(o, "mig_dealloc_reply_port"));
            out(o, "extern void (%s)(mach_port_t);\n", subr(o, "mig_put_reply_port"));
            out(o, "extern void (%s)(vm_address_t *, vm_size_t);\n", subr(o, "mig_allocate"));
        }
    }
    emit_imports(o, IMPORT_USER);
    if (o->m->rcsid && !only)   /* one definition, not one per -i file */
        out(o, "char %s_user_rcsid[] = %s;\n", o->m->subsystem, o->m->rcsid);
    out(o, "\n");
    ArenaMark mark = arena_mark(o->tmp);
    for (size_t i = 0; i < o->m->routines.n; i++) {
        Routine *r = o->m->routines.v[i];
        if (!only || only == r)
            emit_user_routine(o, r);
        arena_release(o->tmp, mark);
    }
}
