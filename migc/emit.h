/* emit.h: helpers shared by the emitters (C text from layout records). */
#ifndef MIGC_EMIT_H
#define MIGC_EMIT_H

#include "migc.h"


/* One descriptor as 32-bit words, with the positions of its run-time parts. */
typedef struct Desc {
    uint32_t w[3];          /* constant words */
    unsigned nwords;        /* 1 to 3 */
    uint32_t check_mask[3]; /* bits a receiver compares */
    unsigned number_word;   /* word holding msgt_number */
    unsigned number_shift;  /* its shift within that word */
    unsigned name_word;     /* word holding the type name */
    uint32_t name_mask;     /* mask of the name within that word (unshifted) */
} Desc;

Desc desc_of(const Target *t, const Field *f);

void out(Out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A temporary string, in o->tmp: valid until the emitter gives back what
 * it made for the routine at hand (arena_release at the end of each). */
char *tsprintf(Out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* C types of an argument on each side. */
const char *user_ctype(const Arg *a);
const char *server_ctype(const Arg *a);     /* as the server function sees it */
const char *param_shape(const Arg *a, bool server, bool *konst, bool *star);
const char *msg_ctype(const Arg *a, bool server); /* as it sits in the message */
const char *elem_ctype(const Arg *a, bool server);

/* Name of the user stub and server function of a routine. */
const char *user_name(Out *o, const Routine *r);
const char *server_name(Out *o, const Routine *r);
const char *demux_name(Out *o);
const char *subr(Out *o, const char *name);    /* a runtime function, with -subrprefix */

/* What a stub's body names an argument (CN_ARG) or a form of it (migc.h). */
static inline const char *arg_name(const Arg *a)
{
    return a->cname[CN_ARG];
}
static inline const char *derived_name(const Arg *a, CName kind)
{
    return a->cname[kind];
}

bool arg_is_array(const Arg *a);            /* passed by reference as an array */
void emit_user_params(Out *o, const Routine *r, bool names); /* names: the user's, else arg_NAME */
void emit_server_params(Out *o, const Routine *r);
void emit_preamble(Out *o, const char *what);
void emit_imports(Out *o, ImportKind kind);
void emit_enum_exports(Out *o);

void emit_desc_store(Out *o, const Field *f, const char *base, const char *number,
                     const char *poly, const char *dealloc);
void emit_desc_check(Out *o, const Field *f, const char *base, const char *fail);
void emit_poly_complex_check(Out *o, const Field *f, const char *base, const char *fail);
const char *desc_number_expr(Out *o, const Field *f, const char *base);
const char *desc_name_expr(Out *o, const Field *f, const char *base);
const char *desc_size_store(Out *o, const Field *f, const char *base, unsigned bits);
const char *desc_size_expr(Out *o, const Field *f, const char *base);
const Field *field_of(const MsgLayout *ml, const Arg *a);
const char *units_of(Out *o, const Field *f, const char *count);
const char *port_load(Out *o, const MsgLayout *ml, const char *addr);
void emit_count_read(Out *o, const Field *f, const char *P, const char *fail);
bool last_spans(const MsgLayout *ml);
void emit_varying_span(Out *o, const MsgLayout *ml, const Field *f, const char *P, unsigned nextseg,
                       const char *base, unsigned seg_size, const char *fail);
void emit_put_padded(Out *o, const char *dst, const char *src, unsigned size, unsigned padded);
void emit_pad(Out *o, const char *indent, const char *base, unsigned off, unsigned elem);
void emit_indefinite_span(Out *o, const MsgLayout *ml, const Field *f, const char *P, unsigned nextseg,
                          const char *base, unsigned seg_size, const char *fail);

#endif
