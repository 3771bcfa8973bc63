/* emit_misc.c: the message-id list and the machine-readable description. */
#include <string.h>

#include "emit.h"

void emit_msgids(Out *o)
{
    Module *m = o->m;
    for (size_t i = 0; i < m->routines.n; i++) {
        Routine *r = m->routines.v[i];
        out(o, "%s %u %s %u %u %u\n", m->subsystem, m->base, r->name, r->number, r->request_id,
            r->simple ? 0 : r->reply_id);
    }
}

static const char *kind_name(ArgKind k)
{
    static const char *const names[] = {
        "in", "out", "inout", "requestport", "replyport", "sreplyport", "ureplyport",
        "waittime", "msgoption", "msgseqno", "count", "poly", "dealloc", "servercopy",
    };
    return (unsigned)k < sizeof names / sizeof names[0] ? names[k] : "?";
}

static void describe_message(Out *o, const char *what, const MsgLayout *ml)
{
    out(o, "%s size %u %u segs %u complex %d%s bits %d %d\n", what, ml->min_size, ml->max_size,
        ml->nsegs, ml->complex_static, ml->complex_poly ? " poly" : "", (int)ml->msgh_bits_remote,
        (int)ml->msgh_bits_local);
    for (unsigned s = 0; s < ml->nsegs; s++)
        out(o, "  seg %u %u\n", s, ml->seg_size[s]);
    for (size_t i = 0; i < ml->nfields; i++) {
        const Field *f = ml->fields[i];
        out(o, "  field %s seg %u desc %u %u%s name %d %d bits %u number %u%s%s%s%s%s data %u %u elem %u end %u\n",
            f->name, f->seg, f->desc_off, f->desc_size, f->longform ? " long" : "", f->name_sent,
            f->name_check, f->elem_bits, f->number, f->varying ? " varying" : "",
            f->out_of_line ? " ool" : "", f->dealloc ? " dealloc" : f->dealloc_choice ? " dealloc[]" : "",
            f->is_port ? " port" : "", f->is_string ? " string" : "", f->data_off, f->data_size,
            f->elem_size, f->end_off);
    }
}

/* One line per fact, for wirecheck's driver and the benchmarks. */
void emit_describe(Out *o)
{
    Module *m = o->m;
    out(o, "migc-describe 1\ntarget %s\nsubsystem %s %u%s%s\n", o->t->name, m->subsystem, m->base,
        m->kernel_user ? " KernelUser" : "", m->kernel_server ? " KernelServer" : "");
    ArenaMark mark = arena_mark(o->tmp);
    for (size_t i = 0; i < m->routines.n; i++) {
        Routine *r = m->routines.v[i];
        out(o, "routine %s %s %u %u %s %s\n", r->name, r->simple ? "simple" : "routine", r->request_id,
            r->simple ? 0 : r->reply_id, user_name(o, r), server_name(o, r));
        for (size_t k = 0; k < r->nargs; k++) {
            Arg *a = r->args[k];
            out(o, "  arg %s %s ctype %s sctype %s user %d server %d", a->name, kind_name(a->kind),
                user_ctype(a), server_ctype(a), a->in_user_proto, a->in_server_proto);
            if (a->parent)
                out(o, " of %s", a->parent->name);
            /* A closed enum's members: the only values its stubs pass. */
            if (a->type->is_enum && !a->type->enum_open && a->type->nenums) {
                out(o, " enum");
                for (size_t e = 0; e < a->type->nenums; e++)
                    out(o, "%c%lld", e ? ',' : ' ', (long long)a->type->enums[e]->value);
            }
            out(o, "\n");
        }
        /* The prototypes, parameter by parameter: name, pointer (*) or not
         * (-), C type (the rest of the line). */
        for (int side = 0; side < 2; side++)
            for (size_t k = 0; k < r->nargs; k++) {
                Arg *a = r->args[k];
                bool konst, star;
                if (!(side ? a->in_server_proto : a->in_user_proto))
                    continue;
                const char *ct = param_shape(a, side, &konst, &star);
                out(o, "  %s %s %s %s%s\n", side ? "sparam" : "uparam", a->name, star ? "*" : "-",
                    konst ? "const " : "", ct);
            }
        describe_message(o, " request", r->request[o->tindex]);
        if (r->reply[o->tindex])
            describe_message(o, " reply", r->reply[o->tindex]);
        arena_release(o->tmp, mark);
    }
}
