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

/* Names of what a stub's body declares for an argument: arg_NAME for its
 * value (a parameter of the user stub, a local of the server stub), and
 * KIND_NAME for a form of it (msg: as the request carries it, before its
 * intran; out: after its outtran; ports, ool, buf: the server stub's room
 * for and facts about an unbounded array).  migc's own locals begin with
 * none of these prefixes, and no two prefixes begin alike: no argument
 * name can meet another name in the body (docs/language.md). */
const char *arg_name(const Arg *a);
const char *derived_name(const Arg *a, const char *kind);

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
const char *desc_size_store(const Target *t, const Field *f, const char *base, unsigned bits);
const char *desc_size_expr(const Target *t, const Field *f, const char *base);
const Field *field_of(const MsgLayout *ml, const Arg *a);
const char *units_of(const Field *f, const char *count);
const char *port_load(const MsgLayout *ml, const char *addr);
void emit_count_read(Out *o, const Field *f, const char *P, const char *fail);
bool last_spans(const MsgLayout *ml);
void emit_varying_span(Out *o, const MsgLayout *ml, const Field *f, const char *P, unsigned nextseg,
                       const char *base, unsigned seg_size, const char *fail);
void emit_put_padded(Out *o, const char *dst, const char *src, unsigned size, unsigned padded);
void emit_pad(Out *o, const char *indent, const char *base, unsigned off, unsigned elem);
void emit_indefinite_span(Out *o, const MsgLayout *ml, const Field *f, const char *P, unsigned nextseg,
                          const char *base, unsigned seg_size, const char *fail);

#endif
