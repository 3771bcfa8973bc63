/* emit_util.c: descriptor words, C types and prototypes shared by all emitters. */
#include <stdarg.h>
#include <stdbool.h>
#include <string.h>

#include "emit.h"

/* fprintf for the emitters: into the output's text (per-call stdio cost
   was a tenth of migc's instructions), passed to the file in large pieces
   so that memory stays bounded however large the output: a buffer holding
   the whole of it grew with every routine, and was copied each time it
   doubled. */
void out(Out *o, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    sb_vformat(&o->text, fmt, ap);
    va_end(ap);
    if (o->text.n >= OUT_CHUNK && o->stream == o && o->f) {
        fwrite(o->text.b, 1, o->text.n, o->f);  /* errors: ferror() when the file is closed */
        o->text.n = 0;
    }
}

char *tsprintf(Out *o, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = arena_vsprintf(o->tmp, fmt, ap);
    va_end(ap);
    return s;
}

/* The descriptor a sender writes for f, with its fixed parts filled in. */
Desc desc_of(const Target *t, const Field *f)
{
    Desc d;
    memset(&d, 0, sizeof d);
    uint32_t name = f->name_sent == MT_POLYMORPHIC ? 0 : (uint32_t)f->name_sent;
    uint32_t flags = (f->out_of_line ? 0 : 1u << t->inline_bit) |
                     (f->longform ? 1u << t->longform_bit : 0) |
                     (f->dealloc && f->out_of_line ? 1u << t->dealloc_bit : 0);
    uint32_t flag_mask = (1u << t->inline_bit) | (1u << t->longform_bit);
    uint32_t number = f->varying ? 0 : f->number;
    if (t->number_in_word) {
        /* name:8 size:16 unused:5 inline longform dealloc, then the number. */
        d.nwords = 2;
        d.w[0] = (name & 0xff) | (f->elem_bits & 0xffff) << t->size_shift | flags;
        d.w[1] = number;
        d.check_mask[0] = 0xff | 0xffffu << t->size_shift | flag_mask;
        d.number_word = 1;
        d.name_word = 0;
        d.name_mask = 0xff;
    } else if (!f->longform) {
        /* name:8 size:8 number:12 inline longform dealloc unused. */
        d.nwords = 1;
        d.w[0] = (name & 0xff) | (f->elem_bits & 0xff) << t->size_shift |
                 (number & 0xfff) << t->number_shift | flags;
        d.check_mask[0] = 0xff | 0xffu << t->size_shift | flag_mask;
        d.number_word = 0;
        d.number_shift = t->number_shift;
        d.name_word = 0;
        d.name_mask = 0xff;
    } else {
        /* A header word with only the flags, then name:16 size:16, then the number. */
        d.nwords = 3;
        d.w[0] = flags;
        d.w[1] = (name & 0xffff) | (f->elem_bits & 0xffff) << 16;
        d.w[2] = number;
        d.check_mask[0] = flag_mask;
        d.check_mask[1] = 0xffffffffu;
        d.number_word = 2;
        d.name_word = 1;
        d.name_mask = 0xffff;
    }
    /* Fixed items are compared whole, as GNU MIG does; varying and
     * out-of-line ones on everything but the count and the dealloc bit. */
    if (!f->varying && !f->out_of_line)
        for (unsigned i = 0; i < d.nwords; i++)
            d.check_mask[i] = 0xffffffffu;
    if (f->indefinite)
        d.check_mask[0] &= ~(1u << t->inline_bit);   /* either form is accepted */
    if (f->indefinite && f->is_port) {
        /* Ports are wider inline than out of line: checked with the form. */
        if (t->number_in_word)
            d.check_mask[0] &= ~(0xffffu << t->size_shift);
        else
            d.check_mask[1] &= 0xffffu;
    }
    if (f->name_check == MT_POLYMORPHIC || f->name_sent == MT_POLYMORPHIC)
        d.check_mask[d.name_word] &= ~d.name_mask;
    return d;
}

/* The layout field of an argument in a message, or NULL. */
const Field *field_of(const MsgLayout *ml, const Arg *a)
{
    for (size_t i = 0; ml && i < ml->nfields; i++)
        if (ml->fields[i]->arg == a)
            return ml->fields[i];
    return NULL;
}

/* The port a receiver of message ML reads from the slot at ADDR: where ports
 * are the kernel's pointers, the whole slot; else the 32-bit name the slot
 * begins with (mach_port_name_inlined_t's name: a wider slot's other bytes
 * are no part of it, and reading the slot whole would narrow it). */
const char *port_load(Out *o, const MsgLayout *ml, const char *addr)
{
    return tsprintf(o, ml->ports_are_pointers ? "migc_ld_port(%s)" : "migc_ld32(%s)", addr);
}

/* Wire units for a count of elements. */
const char *units_of(Out *o, const Field *f, const char *count)
{
    return f->count_mult > 1 ? tsprintf(o, "(%s) * %u", count, f->count_mult) : count;
}

bool arg_is_array(const Arg *a)
{
    const Type *t = a->type;
    /* Inline arrays and strings decay to pointers to their elements;
     * indefinite arrays are passed as pointers (pointers to those for out). */
    return !t->out_of_line && !t->indefinite && (t->kind == TK_ARRAY || t->kind == TK_STRING);
}

/* Replace the msgt_size of a descriptor at base (expression) with bits. */
const char *desc_size_store(Out *o, const Field *f, const char *base, unsigned bits)
{
    const Target *t = o->t;
    if (t->number_in_word || !f->longform)
        return tsprintf(o, "migc_st32(%s + %u, (migc_ld32(%s + %u) & ~0x%08xu) | 0x%08xu)", base, f->desc_off,
                        base, f->desc_off, 0xffu << t->size_shift | (t->number_in_word ? 0xff00u << t->size_shift : 0),
                        bits << t->size_shift);
    return tsprintf(o, "migc_st32(%s + %u, (migc_ld32(%s + %u) & 0xffffu) | 0x%08xu)", base, f->desc_off + 4, base,
                    f->desc_off + 4, bits << 16);
}

/* The msgt_size a receiver finds in a descriptor. */
const char *desc_size_expr(Out *o, const Field *f, const char *base)
{
    const Target *t = o->t;
    if (t->number_in_word)
        return tsprintf(o, "((migc_ld32(%s + %u) >> %u) & 0xffffu)", base, f->desc_off, t->size_shift);
    if (!f->longform)
        return tsprintf(o, "((migc_ld32(%s + %u) >> %u) & 0xffu)", base, f->desc_off, t->size_shift);
    return tsprintf(o, "(migc_ld32(%s + %u) >> 16)", base, f->desc_off + 4);
}

const char *user_ctype(const Arg *a)
{
    const Type *t = a->type;
    if (t->ctype)
        return t->ctype;
    if (t->name)
        return t->name;
    return t->is_port ? "mach_port_t" : "int";
}

const char *server_ctype(const Arg *a)
{
    const Type *t = a->type;
    if (t->intran && t->trans_type)
        return t->trans_type;
    if (t->outtran && t->outtran_arg)
        return t->outtran_arg;
    if (t->server_ctype)
        return t->server_ctype;
    return user_ctype(a);
}

const char *msg_ctype(const Arg *a, bool server)
{
    const Type *t = a->type;
    if (server && t->server_ctype)
        return t->server_ctype;
    return user_ctype(a);
}

/* The C type of one element of an array argument. */
const char *elem_ctype(const Arg *a, bool server)
{
    const Type *t = a->type;
    if (t->kind == TK_STRING)
        return "char";
    const Type *e = t->element;
    if (!e)
        return msg_ctype(a, server);
    if (server && e->server_ctype)
        return e->server_ctype;
    if (e->ctype)
        return e->ctype;
    return e->name ? e->name : "int";
}

/* -prefix: before the names of user stubs, server functions and the demux. */
static const char *name_prefix(Out *o)
{
    return o->opt && o->opt->prefix ? o->opt->prefix : "";
}

const char *user_name(Out *o, const Routine *r)
{
    const char *up = r->user_prefix ? r->user_prefix : "";
    return tsprintf(o, "%s%s%s", name_prefix(o), up, r->name);
}

const char *server_name(Out *o, const Routine *r)
{
    const char *sp = r->server_prefix ? r->server_prefix : "";
    return tsprintf(o, "%s%s%s", name_prefix(o), sp, r->name);
}

const char *demux_name(Out *o)
{
    if (o->m->server_demux)
        return tsprintf(o, "%s%s", name_prefix(o), o->m->server_demux);
    return tsprintf(o, "%s%s_server", name_prefix(o), o->m->subsystem);
}

/* -subrprefix: before the runtime's functions the stubs call (mach_msg and
 * the mig_* helpers), so that a program can give the stubs its own. */
const char *subr(Out *o, const char *name)
{
    if (!o->opt || !o->opt->subrprefix || !o->opt->subrprefix[0])
        return name;
    return tsprintf(o, "%s%s", o->opt->subrprefix, name);
}

/* The C type of one parameter of a user stub (server: false) or of a server
 * function: *konst when it is read-only (const before the type), *star when
 * the parameter is a pointer to it. */
const char *param_shape(const Arg *a, bool server, bool *konst, bool *star)
{
    const char *ct = server ? server_ctype(a) : user_ctype(a);
    bool out_arg = a->kind == AK_OUT || a->kind == AK_INOUT ||
                   (a->parent && (a->parent->kind == AK_OUT || a->parent->kind == AK_INOUT));
    *konst = *star = false;
    switch (a->kind) {
    case AK_COUNT:
        *star = out_arg;
        return "mach_msg_type_number_t";
    case AK_POLY:
        *star = out_arg;
        return "mach_msg_type_name_t";
    case AK_DEALLOC:
        *star = server && out_arg;
        return "boolean_t";
    case AK_SCOPY:
        return "boolean_t";
    case AK_IN:
        /* Arrays and strings the callee only reads: a pointer to const
         * elements, which is what both an array typedef and GNU MIG's
         * const_TYPE spelling come to. */
        if (a->type->is_string || a->type->indefinite) {
            *konst = *star = true;
            return elem_ctype(a, server);
        }
        *konst = arg_is_array(a);
        return ct;
    case AK_OUT:
    case AK_INOUT:
        *star = !arg_is_array(a);
        return ct;
    default:
        return ct;
    }
}

/* An inline array of char of varying size, declared as such (not as another
 * name of such a type): GNU MIG's user prototypes after its 2023-12-17
 * snapshot (upstream HEAD d27138506196) pass it as a
 * pointer to char, so that callers may pass a smaller buffer without
 * -Wstringop-overflow, and a header declaring the array type meets a stub
 * defined with the pointer under -Warray-parameter. */
static bool char_array_param(const Arg *a)
{
    const Type *t = a->type;
    if (!arg_is_array(a) || !t->varying || t->alias || (a->kind != AK_IN && a->kind != AK_OUT))
        return false;
    return t->kind == TK_STRING || (t->element && strcmp(elem_ctype(a, false), "char") == 0);
}

static void param(Out *o, const Arg *a, bool server, bool names)
{
    const char *name = names ? a->name : arg_name(a);
    bool konst, star;
    const char *ct = param_shape(a, server, &konst, &star);
    static const char *const fmt[2][2] = { { "%s %s", "%s *%s" }, { "const %s %s", "const %s *%s" } };
    if (!server && char_array_param(a)) {
        /* GNU MIG writes const_NAME for the input: the same type, without
         * needing that typedef (section 9 of docs/language.md). */
        if (a->kind == AK_IN)
            out(o, "const char *%s", name);
        else
            out(o, "char *%s /* max of %u elements */", name, a->type->number);
        return;
    }
    out(o, fmt[konst][star], ct, name);
}

/* Names: the user's (prototypes), else the stub's own (arg_NAME). */
static void params(Out *o, const Routine *r, bool server, bool names)
{
    bool first = true;
    out(o, "(");
    for (size_t i = 0; i < r->nargs; i++) {
        const Arg *a = r->args[i];
        if (!(server ? a->in_server_proto : a->in_user_proto))
            continue;
        out(o, first ? "\n\t" : ",\n\t");
        param(o, a, server, names);
        first = false;
    }
    out(o, first ? "void)" : "\n)");
}

void emit_user_params(Out *o, const Routine *r, bool names)
{
    params(o, r, false, names);
}

void emit_server_params(Out *o, const Routine *r)
{
    params(o, r, true, true);
}

void emit_imports(Out *o, ImportKind kind)
{
    for (size_t i = 0; i < o->m->imports.n; i++) {
        Import *im = o->m->imports.v[i];
        if (im->kind == IMPORT_BOTH || im->kind == kind)
            out(o, "#include %s\n", im->file);
    }
}

/* Helpers every generated C file carries: loads and stores that are free of
 * alignment and aliasing assumptions (compilers turn them into moves).
 * Copies of a constant size are spelled __builtin_memcpy / __builtin_memset:
 * a plain memcpy is a call where the builtins are off (-ffreestanding, as
 * kernels and boot tasks build), and a call for every 4-byte load doubled
 * the size of GNU Mach's stubs.  Copies of a run-time size stay memcpy: a
 * call there is smaller than what the builtin expands to.  Each is marked
 * unused: a file needs only some of them, and clang warns (-Wunused-function)
 * about a static inline function its main file defines and never calls; the
 * attribute changes no code.  A helper's opening brace stays on its first
 * line: glibc's build cuts each one-routine user stub file (-i) at the first
 * line that is a lone `{', which must be the stub's own (mach/shortcut.awk). */
#define HELPER "static inline __attribute__((__unused__)) "
void emit_preamble(Out *o, const char *what)
{
    const Target *t = o->t;
    out(o, "/* %s for subsystem %s, target %s: generated by migc %s.  Do not edit. */\n\n",
        what, o->m->subsystem, t->name, MIGC_VERSION);
    out(o, "#ifndef _GNU_SOURCE\n#define _GNU_SOURCE 1\n#endif\n\n");
    out(o, "#include <stdint.h>\n#include <string.h>\n");
    out(o, "#include <mach/boolean.h>\n#include <mach/kern_return.h>\n#include <mach/message.h>\n");
    out(o, "#include <mach/notify.h>\n#include <mach/mig_errors.h>\n");
    out(o, "\n#ifndef mig_internal\n#define mig_internal static\n#endif\n");
    out(o, "#ifndef mig_external\n#define mig_external\n#endif\n");
    out(o, "#ifndef mig_unlikely\n#define mig_unlikely(X) __builtin_expect (!! (X), 0)\n#endif\n\n");
    out(o, "_Static_assert(sizeof(mach_msg_header_t) == %u, \"migc: these stubs are for %s\");\n",
        t->header_size, t->name);
    out(o, "_Static_assert(sizeof(mach_msg_type_t) == %u, \"migc: these stubs are for %s\");\n\n",
        t->type_size, t->name);
    out(o, HELPER "void migc_st32(char *p, uint32_t v) { __builtin_memcpy(p, &v, 4); }\n");
    out(o, HELPER "uint32_t migc_ld32(const char *p) { uint32_t v; __builtin_memcpy(&v, p, 4); return v; }\n");
    out(o, HELPER "uint64_t migc_ld64(const char *p) { uint64_t v; __builtin_memcpy(&v, p, 8); return v; }\n");
    out(o, "/* Zero the padding after n bytes of data at p, up to the next multiple of\n");
    out(o, " * 4 or 8: a few bytes at most, a short loop. */\n");
    out(o, HELPER "void migc_pad4(char *p, uint32_t n) {\n\twhile (n & 3u)\n\t\tp[n++] = 0;\n}\n");
    out(o, HELPER "void migc_pad8(char *p, uint32_t n) {\n\twhile (n & 7u)\n\t\tp[n++] = 0;\n}\n");
    out(o, HELPER "void migc_st_port(char *p, uintptr_t v) { __builtin_memcpy(p, &v, sizeof v); }\n");
    out(o, HELPER "uintptr_t migc_ld_port(const char *p) { uintptr_t v; __builtin_memcpy(&v, p, sizeof v); return v; }\n");
    out(o, HELPER "void migc_st_ptr(char *p, const void *v) { __builtin_memcpy(p, &v, sizeof v); }\n");
    out(o, HELPER "void *migc_ld_ptr(const char *p) { void *v; __builtin_memcpy(&v, p, sizeof v); return v; }\n");
    out(o, "/* Copy at most n - 1 characters and a NUL into d (always terminated, as\n");
    out(o, " * glibc's mig_strncpy); returns the bytes used, the NUL included. */\n");
    out(o, HELPER "uint32_t migc_strncpy(char *d, const char *s, uint32_t n) {\n");
    out(o, "\tuint32_t i = 0;\n\tif (n == 0)\n\t\treturn 0;\n");
    out(o, "\twhile (i < n - 1 && s[i]) { d[i] = s[i]; i++; }\n");
    out(o, "\td[i++] = 0;\n\treturn i;\n}\n\n");
    (void)t;
}

/* Typed enums: each member becomes a constant, checked against an existing
 * definition of the same name instead of redefining it. */
static void emit_enum_export(Out *o, const Type *t);

void emit_enum_exports(Out *o)
{
    for (size_t i = 0; i < o->m->types.n; i++) {
        const Type *t = o->m->types.v[i];
        if (t->is_enum && t->loc.file)
            emit_enum_export(o, t);
    }
    for (size_t i = 0; i < o->m->arg_enums.n; i++)
        emit_enum_export(o, o->m->arg_enums.v[i]);
}

static void emit_enum_export(Out *o, const Type *t)
{
    /* C11 accepts the same typedef twice, so this coexists with a C
     * header that already has it, and conflicts with one that differs.
     * A type whose C side is renamed (ctype:, cusertype:, cservertype:)
     * is the C headers' business: only its constants are exported. */
    out(o, "/* enum %s */\n", t->name);
    if ((t->ctype && strcmp(t->ctype, t->name) == 0) ||
        (t->server_ctype && strcmp(t->server_ctype, t->name) == 0))
        out(o, "typedef %s %s;\n", t->enum_base ? t->enum_base : "int", t->name);
    for (size_t k = 0; k < t->nenums; k++) {
        EnumItem *e = t->enums[k];
        out(o, "#ifdef %s\n", e->name);
        out(o, "_Static_assert((%s) == %lld, \"%s: the C headers and the .defs disagree\");\n",
            e->name, (long long)e->value, e->name);
        out(o, "#else\n#define %s %lld\n#endif\n", e->name, (long long)e->value);
    }
}

/* ---- descriptors and spans, shared by the user and server emitters ---- */

/* Store descriptor words; parts chosen at run time are or-ed in. */
void emit_desc_store(Out *o, const Field *f, const char *base, const char *number,
                     const char *poly, const char *dealloc)
{
    const Target *t = o->t;
    Desc d = desc_of(t, f);
    for (unsigned i = 0; i < d.nwords; i++) {
        out(o, "\tmigc_st32(%s + %u, 0x%08xu", base, f->desc_off + 4 * i, d.w[i]);
        if (number && i == d.number_word)
            out(o, " | ((uint32_t)(%s) << %u)", number, d.number_shift);
        if (poly && i == d.name_word)
            out(o, " | ((uint32_t)(%s) & 0x%xu)", poly, d.name_mask);
        if (dealloc && i == 0 && f->out_of_line)
            out(o, " | ((%s) ? 0x%08xu : 0)", dealloc, 1u << t->dealloc_bit);
        out(o, ");\n");
    }
}

/* Check descriptor words against what the receiver expects. */
void emit_desc_check(Out *o, const Field *f, const char *base, const char *fail)
{
    const Target *t = o->t;
    Field g = *f;
    g.name_sent = f->name_check;
    g.dealloc = false;
    Desc d = desc_of(t, &g);
    out(o, "\tif (mig_unlikely(");
    bool first = true;
    for (unsigned i = 0; i < d.nwords; i++) {
        if (!d.check_mask[i])
            continue;
        if (!first)
            out(o, " ||\n\t    ");
        first = false;
        /* x86_64's 8-byte descriptor: one 64-bit comparison, not two. */
        if (t->type_size == 8 && i + 1 < d.nwords && d.check_mask[i + 1] && (f->desc_off + 4 * i) % 8 == 0) {
            uint64_t mask = (uint64_t)d.check_mask[i + 1] << 32 | d.check_mask[i];
            uint64_t want = ((uint64_t)d.w[i + 1] << 32 | d.w[i]) & mask;
            if (mask == ~(uint64_t)0)
                out(o, "migc_ld64(%s + %u) != 0x%016llxull", base, f->desc_off + 4 * i, (unsigned long long)want);
            else
                out(o, "(migc_ld64(%s + %u) & 0x%016llxull) != 0x%016llxull", base, f->desc_off + 4 * i,
                    (unsigned long long)mask, (unsigned long long)want);
            i++;
            continue;
        }
        if (d.check_mask[i] == 0xffffffffu)
            out(o, "migc_ld32(%s + %u) != 0x%08xu", base, f->desc_off + 4 * i, d.w[i]);
        else
            out(o, "(migc_ld32(%s + %u) & 0x%08xu) != 0x%08xu", base, f->desc_off + 4 * i,
                d.check_mask[i], d.w[i] & d.check_mask[i]);
    }
    if (first)
        out(o, "0");
    out(o, "))\n\t\t%s\n", fail);
}

/* A port field the receiver checks with any name: a right in it needs a
 * complex message (GNU MIG's receivers check this too).  Needs the stub's
 * msgh_complex. */
void emit_poly_complex_check(Out *o, const Field *f, const char *base, const char *fail)
{
    if (f->is_port && f->name_check == MT_POLYMORPHIC)
        out(o, "\tif (mig_unlikely(MACH_MSG_TYPE_PORT_ANY(%s) && !msgh_complex))\n\t\t%s\n",
            desc_name_expr(o, f, base), fail);
}

/* The run-time element count a receiver reads from a descriptor. */
const char *desc_number_expr(Out *o, const Field *f, const char *base)
{
    Desc d = desc_of(o->t, f);
    if (d.number_word == 0 && d.number_shift)
        return tsprintf(o, "((migc_ld32(%s + %u) >> %u) & 0xfffu)", base, f->desc_off, d.number_shift);
    return tsprintf(o, "migc_ld32(%s + %u)", base, f->desc_off + 4 * d.number_word);
}

const char *desc_name_expr(Out *o, const Field *f, const char *base)
{
    Desc d = desc_of(o->t, f);
    return tsprintf(o, "(migc_ld32(%s + %u) & 0x%xu)", base, f->desc_off + 4 * d.name_word, d.name_mask);
}

/* Read a received count: units from the descriptor, checked against the
 * element size and bound, into `n` (elements). */
void emit_count_read(Out *o, const Field *f, const char *P, const char *fail)
{
    out(o, "\t\tuint32_t migc_u = %s;\n", desc_number_expr(o, f, P));
    if (f->count_mult > 1) {
        out(o, "\t\tif (mig_unlikely(migc_u %% %u != 0))\n\t\t\t%s\n", f->count_mult, fail);
        out(o, "\t\tuint32_t migc_n = migc_u / %u;\n", f->count_mult);
    } else
        out(o, "\t\tuint32_t migc_n = migc_u;\n");
    if (!f->indefinite && !f->out_of_line && f->number && !(o->opt && o->opt->plant_no_count_bound))
        out(o, "\t\tif (mig_unlikely(migc_n > %u))\n\t\t\t%s\n", f->inline_max, fail);
}

/* Whether an item of variable size is the message's last field: then the
 * message must end right after it, and no other check of its end follows. */
static bool ends_message(const MsgLayout *ml, const Field *f)
{
    return ml->nfields && ml->fields[ml->nfields - 1] == f;
}

/* Whether the message's last field is of variable size inline (its span
 * check is then the check of the message's end, and no segment starts
 * after it: its segment pointer is never set). */
bool last_spans(const MsgLayout *ml)
{
    const Field *f = ml->nfields ? ml->fields[ml->nfields - 1] : NULL;
    return f && (f->indefinite || (f->varying && !f->out_of_line));
}

static const char *span_cmp(const Field *f, const MsgLayout *ml)
{
    return ends_message(ml, f) ? "!=" : ">";
}

/* Start the segment after a variable item at offset END (an expression, a
 * uint32_t from the message's start), once the rest of the message is known
 * to have arrived (all of it, for the last field).  The offset is compared
 * as an integer before the pointer is formed: a count from the message can
 * make it lie beyond the buffer, and forming that pointer is undefined in
 * C even if it is never read through. */
static void emit_span_end(Out *o, const MsgLayout *ml, const Field *f, unsigned nextseg, const char *base,
                          const char *end, unsigned seg_size, const char *fail)
{
    out(o, "\t\tuint32_t migc_end = %s;\n", end);
    out(o, "\t\tif (mig_unlikely(migc_end + %u %s msgh_size))\n\t\t\t%s\n", seg_size, span_cmp(f, ml), fail);
    if (!ends_message(ml, f))   /* (after the last field no segment starts: see last_spans) */
        out(o, "\t\tP%u = %s + migc_end;\n", nextseg, base);
}

/* Where the segment after a varying inline item of n elements starts. */
void emit_varying_span(Out *o, const MsgLayout *ml, const Field *f, const char *P, unsigned nextseg,
                       const char *base, unsigned seg_size, const char *fail)
{
    unsigned m = (o->t->msg_align - 1);
    emit_span_end(o, ml, f, nextseg, base,
                  tsprintf(o, "(uint32_t)(%s - %s) + %u + ((%u * migc_n + %u) & ~%uu)", P, base, f->data_off,
                           f->elem_size, m, m),
                  seg_size, fail);
}

/* Copy SIZE bytes of data from SRC (an address) to DST and clear the
 * padding after them, up to PADDED bytes.  Data smaller than a word goes
 * through a zeroed word, which the compiler stores at once with its
 * padding (on x86_64, a 4-byte scalar and its 4 bytes of padding are one
 * 8-byte store). */
void emit_put_padded(Out *o, const char *dst, const char *src, unsigned size, unsigned padded)
{
    if (padded > size && padded <= 8) {
        out(o, "\t{\n\t\tuint%u_t migc_w = 0;\n", padded <= 4 ? 32 : 64);
        out(o, "\t\t__builtin_memcpy(&migc_w, %s, %u);\n", src, size);
        out(o, "\t\t__builtin_memcpy(%s, &migc_w, %u);\n\t}\n", dst, padded <= 4 ? 4 : 8);
        return;
    }
    out(o, "\t__builtin_memcpy(%s, %s, %u);\n", dst, src, size);
    if (padded > size)
        out(o, "\t__builtin_memset(%s + %u, 0, %u);\n", dst, size, padded - size);
}

/* Clear the padding after migc_n bytes of inline data at BASE + OFF made
 * of ELEM-byte elements: nothing where whole elements always fill the
 * alignment, one word where only a word can be left over. */
void emit_pad(Out *o, const char *indent, const char *base, unsigned off, unsigned elem)
{
    unsigned align = o->t->msg_align;
    if (elem % align == 0)
        return;
    if (align == 8 && elem % 4 == 0)
        out(o, "%sif (migc_n & 4u)\n%s\tmigc_st32(%s + %u + migc_n, 0);\n", indent, indent, base, off);
    else
        out(o, "%smigc_pad%u(%s + %u, migc_n);\n", indent, align, base, off);
}

/* Where the segment after an indefinite item starts, and its inline flag. */
void emit_indefinite_span(Out *o, const MsgLayout *ml, const Field *f, const char *P, unsigned nextseg,
                          const char *base, unsigned seg_size, const char *fail)
{
    const Target *t = o->t;
    unsigned m = t->msg_align - 1;
    out(o, "\t\tint migc_in_line = (migc_ld32(%s + %u) & 0x%08xu) != 0;\n", P, f->desc_off, 1u << t->inline_bit);
    if (f->is_port)
        out(o, "\t\tif (mig_unlikely(%s != (migc_in_line ? %uu : %uu)))\n\t\t\t%s\n", desc_size_expr(o, f, P),
            t->port_bits, f->ool_port_bits, fail);
    out(o, "\t\tif (migc_in_line && mig_unlikely(migc_n > (uint32_t)(msgh_size / %u)))\n\t\t\t%s\n", f->elem_size, fail);
    emit_span_end(o, ml, f, nextseg, base,
                  tsprintf(o, "(uint32_t)(%s - %s) + %u + (migc_in_line ? ((%u * migc_n + %u) & ~%uu) : %u)", P, base,
                           f->data_off, f->elem_size, m, m, (t->pointer_size + m) & ~m),
                  seg_size, fail);
}

