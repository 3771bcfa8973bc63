/* migc.h: every data structure of the compiler, shared by all phases.
 *
 * Pipeline: driver (command line, cpp) -> lex/parse -> model (types, routines,
 * checked, target-free) -> layout (one record per message and target) ->
 * emitters (user, server, headers, msgids, description).  Reading this header
 * tells the whole compiler.
 */
#ifndef MIGC_H
#define MIGC_H

/* The version is configure.ac's (AC_INIT), given by the build: the string
   migc --version prints, and its number MAJOR * 10000 + MINOR * 100 +
   PATCH, the value of __MIGC__. */
#if !defined PACKAGE_VERSION || !defined MIGC_VERSION_NUMBER
#error "PACKAGE_VERSION and MIGC_VERSION_NUMBER come from configure"
#endif
#define MIGC_VERSION PACKAGE_VERSION

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* ------------------------------------------------------------------ */
/* Memory: everything lives until the compiler exits.                 */

void *xmalloc(size_t n);                  /* zeroed; aborts on OOM */
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xstrndup_kept(const char *s, size_t n);   /* never to be freed */
void util_forget(void);
char *xsprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* An arena: memory handed out in order from large blocks, with no
 * per-allocation overhead, and given back all at once.  The model and the
 * layout records live in their module's arena until the run ends; an
 * emitter's temporary strings live in its Out's until the routine they
 * were made for is written. */
typedef struct Arena {
    char *next, *end;            /* the free part of the current block */
    struct ArenaBlock *block;    /* the current block (each names the one before) */
    struct ArenaBlock *spare;    /* blocks given back, reused before new ones */
} Arena;
typedef struct ArenaMark {       /* a point to give an arena back to */
    struct ArenaBlock *block;
    char *next;
} ArenaMark;
void *arena_alloc(Arena *a, size_t n);     /* zeroed, aligned for pointers and 64-bit integers */
char *arena_sprintf(Arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
char *arena_vsprintf(Arena *a, const char *fmt, va_list ap);
static inline ArenaMark arena_mark(const Arena *a)
{
    return (ArenaMark){ a->block, a->next };
}
void arena_release(Arena *a, ArenaMark m);  /* gives back what was allocated after m */

/* A growing string: out() and xsprintf() format into one.  The
   conversions the emitters use (%s %u %d %x %08x %016llx %lld) are done
   here, the rest by vsnprintf. */
typedef struct StrBuf {
    char *b;          /* the text, NUL-terminated once anything is in it */
    size_t n;         /* its length */
    size_t cap;       /* bytes allocated */
} StrBuf;
void sb_grow(StrBuf *s, size_t n);
static inline void sb_put(StrBuf *s, const char *p, size_t n)
{
    if (s->n + n + 1 > s->cap)
        sb_grow(s, n);
    memcpy(s->b + s->n, p, n);
    s->n += n;
}
void sb_vformat(StrBuf *s, const char *fmt, va_list ap);

/* A growable array of pointers. */
typedef struct Vec {
    void **v;         /* elements */
    size_t n;         /* how many are used */
    size_t cap;       /* how many are allocated */
} Vec;
void vec_push(Vec *v, void *p);

/* Names to pointers, hashed: what a declaration is looked up by, so a
 * file's cost grows with its size, not with its size squared.  Zeroed
 * is empty; the table lives as long as the run (allocated by xmalloc). */
typedef struct StrMap {
    const char **keys;  /* NULL: a free slot */
    void **vals;
    size_t n;           /* keys present */
    size_t cap;         /* slots: 0 or a power of two */
} StrMap;
void *map_get(const StrMap *m, const char *key);     /* NULL when absent */
void map_put(StrMap *m, const char *key, void *val); /* replaces KEY's value */

/* ------------------------------------------------------------------ */
/* Source locations and diagnostics.                                  */

typedef struct Loc {
    const char *file;   /* .defs file named by cpp's line markers */
    int line;           /* line in that file */
    int col;            /* 1-based column */
    const char *text;   /* start of that line in the preprocessed buffer; diag.c quotes
                           the user's own line instead when it can map the column */
} Loc;

typedef struct Diag {
    int errors;         /* errors reported so far */
    int warnings;       /* warnings reported so far */
    bool quiet;         /* -q: no warnings */
    int max_errors;     /* stop after this many (0: 20) */
    FILE *out;          /* where diagnostics go (stderr) */
    /* Added for diag.c: the last warning was suppressed by -q, so the notes
       that follow it are dropped too; diag_error and diag_warn reset it. */
    bool drop_notes;
    Vec sources;        /* diag.c's Source*: files named by line markers, read to quote their lines */
    StrBuf msg, text;   /* diag.c's: the message, the whole diagnostic (kept for the next one) */
} Diag;

void diag_error(Diag *d, Loc loc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void diag_warn(Diag *d, Loc loc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void diag_note(Diag *d, Loc loc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void diag_fatal(Diag *d, const char *fmt, ...) __attribute__((format(printf, 2, 3), noreturn));
size_t diag_ucn(const char *p, const char *end, uint32_t *cp);   /* a universal character name at p: its length */

/* ------------------------------------------------------------------ */
/* Targets: every fact that differs between targets (migc/target.c).  */

typedef struct Target {
    const char *name;          /* "x86_64-gnu" */
    const char *const *cpus;   /* fnmatch patterns of the CPU part of triplets naming it, NULL-ended */
    const char *cpp_arch;      /* extra cpp flags for this target ("-m32" or "") */
    unsigned word_size;        /* bytes in natural_t-aligned message items: 4 or 8 */
    unsigned msg_align;        /* alignment of every item in a message (MACH_MSG_USER_ALIGNMENT) */
    unsigned header_size;      /* sizeof(mach_msg_header_t) */
    unsigned type_size;        /* sizeof(mach_msg_type_t) */
    unsigned type_long_size;   /* sizeof(mach_msg_type_long_t) */
    unsigned port_bits;        /* msgt_size of a port right in a message */
    unsigned port_size;        /* bytes a port right takes in a message */
    const char *port_ctype;    /* C type of a port right inside a message */
    const char *port_member;   /* member to store a name through (".name" or "") */
    unsigned poly_bits;        /* msgt_size of a polymorphic item */
    unsigned pointer_size;     /* bytes of an out-of-line pointer in a message */
    unsigned short_number_max; /* largest msgt_number in the short form (4095 or ~0) */
    unsigned short_size_max;   /* largest msgt_size in the short form */
    bool number_in_word;       /* msgt_number is a separate word in both forms (x86_64) */
    unsigned ool_port_bits;    /* msgt_size of a port name inside out-of-line memory */
    /* Bit positions in the first descriptor word (GCC's little-endian bit-field order). */
    unsigned size_shift;       /* msgt_size */
    unsigned number_shift;     /* msgt_number of the short form when it shares word 0 */
    unsigned inline_bit, longform_bit, dealloc_bit;
} Target;

extern const Target target_i686_gnu;
extern const Target target_x86_64_gnu;
extern const Target target_aarch64_gnu;
const Target *target_by_name(const char *name);   /* NULL when unknown */
const char *target_names(void);                   /* "aarch64-gnu, i686-gnu, x86_64-gnu", for messages */

/* ------------------------------------------------------------------ */
/* The model: what the .defs says, target-free, with locations.       */

/* MACH_MSG_TYPE_* numbers used by the model (values are the wire's). */
enum {
    MT_BOOLEAN = 0, MT_INTEGER_16 = 1, MT_INTEGER_32 = 2, MT_CHAR = 8,
    MT_BYTE = 9, MT_INTEGER_8 = 9, MT_REAL = 10, MT_INTEGER_64 = 11,
    MT_STRING = 12, MT_STRING_C = 12, MT_PORT_NAME = 15,
    MT_MOVE_RECEIVE = 16, MT_MOVE_SEND = 17, MT_MOVE_SEND_ONCE = 18,
    MT_COPY_SEND = 19, MT_MAKE_SEND = 20, MT_MAKE_SEND_ONCE = 21,
    MT_PROTECTED_PAYLOAD = 23,
    MT_POLYMORPHIC = -1,       /* chosen at run time by an extra argument */
    MT_UNSET = -2
};

/* Where a type's out-of-line memory is freed after sending. */
typedef enum { DEALLOC_NO, DEALLOC_YES, DEALLOC_CHOICE /* dealloc[]: run-time flag */ } Dealloc;

/* One member of a typed enum (migc extension). */
typedef struct EnumItem {
    const char *name;   /* C identifier exported into headers */
    int64_t value;      /* its value */
    Loc loc;
} EnumItem;

typedef enum {
    TK_BASIC,     /* a MACH_MSG_TYPE_* item, possibly with an explicit size */
    TK_ARRAY,     /* array[n] / array[*:n] / array[] of ELEMENT */
    TK_STRUCT,    /* struct[n] of ELEMENT */
    TK_STRING,    /* c_string[n] / c_string[*:n] */
    TK_POLY       /* polymorphic */
} TypeKind;

typedef struct Type {
    const char *name;       /* declared name; NULL for an anonymous spec */
    Loc loc;
    TypeKind kind;
    int in_name;            /* msgt_name the sender writes (MT_*) */
    int out_name;           /* msgt_name the receiver checks */
    unsigned elem_bits;     /* msgt_size: bits of one element */
    unsigned number;        /* elements: fixed count, or the bound of a varying array (0: none) */
    bool varying;           /* count chosen at run time ([*:n], [], c_string[*:n]) */
    bool unbounded;         /* [] or [*]: no bound */
    bool out_of_line;       /* ^ (or unbounded ports): data travels as a pointer */
    bool indefinite;        /* unbounded without ^: inline while it fits, else out of line */
    bool is_port;           /* a port right or polymorphic */
    bool is_string;         /* c_string */
    bool is_struct;         /* struct[n] (passed by pointer in prototypes) */
    int longform;           /* -1: isnotlong, 0: computed, 1: islong */
    Dealloc dealloc;        /* from the type's IPC flags */
    bool servercopy;        /* ipc flag */
    bool countinout;        /* ipc flag */
    struct Type *element;   /* for arrays and structs: the element type */
    const char *ctype;      /* C type in user stubs (cusertype or ctype or name) */
    const char *server_ctype;  /* C type in server stubs before intran (cservertype) */
    const char *trans_type;    /* server-side type after intran (intran's first word) */
    const char *intran;        /* intran function, or NULL */
    const char *intran_arg;    /* intran's parameter type: what the message holds */
    const char *outtran;       /* outtran function, or NULL */
    const char *outtran_type;  /* outtran's result type (what travels) */
    const char *outtran_arg;   /* outtran's argument type (what the server function gives) */
    const char *destructor;    /* destructor function, or NULL */
    const char *intranpayload_type; /* intranpayload: type function */
    const char *intranpayload;
    struct Type **members;  /* struct { T a; ... }: member types, laid out by the target */
    size_t nmembers;
    bool word_sized;        /* uintptr_t / intptr_t: as wide as the target's word */
    bool alias;             /* declared as another name (type A = B;): GNU MIG HEAD keeps
                               A's array prototypes as 1.8+git20231217's */
    /* typed enums (migc extension) */
    EnumItem **enums;       /* members, in declaration order */
    size_t nenums;
    bool enum_open;         /* enum open: server stubs do not check membership */
    const char *enum_base;  /* C type of the underlying integer (the typedef's target) */
    bool is_enum;
    bool invalid;           /* stands in for an undefined type, already reported: checks skip it */
} Type;

typedef enum {
    AK_IN, AK_OUT, AK_INOUT,
    AK_REQUESTPORT, AK_REPLYPORT, AK_SREPLYPORT, AK_UREPLYPORT,
    AK_WAITTIME, AK_MSGOPTION, AK_MSGSEQNO,
    /* implicit arguments, made by the model, never written in a .defs: */
    AK_COUNT,     /* element count of a varying array (xCnt) */
    AK_POLY,      /* msgt_name of a polymorphic argument (xPoly) */
    AK_DEALLOC,   /* run-time dealloc flag of dealloc[] (xDealloc) */
    AK_SCOPY      /* servercopy: true when the data is in the request buffer (xSCopy) */
} ArgKind;

/* Argument flags (ipc flags written after an argument's type). */
enum {
    AF_DEALLOC = 1 << 0, AF_NOTDEALLOC = 1 << 1, AF_DEALLOC_CHOICE = 1 << 2,
    AF_SERVERCOPY = 1 << 3, AF_COUNTINOUT = 1 << 4, AF_ISLONG = 1 << 5,
    AF_ISNOTLONG = 1 << 6, AF_RETCODE = 1 << 7, AF_AUTO = 1 << 8
};

/* The identifiers a stub's body gives an argument: arg_NAME for its value
 * (a parameter of the user stub, a local of the server stub), and KIND_NAME
 * for a form of it (msg: as the request carries it, before its intran;
 * out: after its outtran; ports, ool, buf: the server stub's room for and
 * facts about an unbounded array).  migc's own locals begin with none of
 * these prefixes, and no prefix begins another: no argument name can meet
 * another name in the body (docs/language.md).  The model makes each once
 * (model.c, arg_cnames), the forms only for an argument whose type has
 * them: formatted at every use, they were a twentieth of the compiler's
 * instructions. */
typedef enum {
    CN_ARG,         /* arg_NAME: every argument */
    CN_MSG,         /* msg_NAME: a type with an intran */
    CN_OUT,         /* out_NAME: a type with an outtran */
    CN_PORTS,       /* ports_NAME, ool_NAME, buf_NAME: an unbounded (indefinite) array */
    CN_OOL,
    CN_BUF,
    CN_COUNT
} CName;

typedef struct Arg {
    const char *name;       /* as written (implicit ones: nameCnt, namePoly, ...) */
    const char *cname[CN_COUNT];   /* its identifiers in stub bodies (NULL: a form it has not) */
    Loc loc;
    ArgKind kind;
    unsigned flags;         /* AF_* */
    Type *type;
    bool in_request;        /* carried in the request message */
    bool in_reply;          /* carried in the reply message */
    bool in_user_proto;     /* a parameter of the user stub */
    bool in_server_proto;   /* a parameter of the server function */
    struct Arg *parent;     /* for implicit arguments: whom they describe */
    struct Arg *count;      /* the AK_COUNT argument of a varying array */
    struct Arg *poly;       /* the AK_POLY argument of a polymorphic one */
    struct Arg *dealloc_arg;/* the AK_DEALLOC argument of dealloc[] */
    struct Arg *scopy;      /* the AK_SCOPY argument of servercopy (server side only) */
    Dealloc dealloc;        /* effective deallocation (type's, overridden by flags) */
    int longform;           /* effective: 1 long, 0 short (decided by the layout) */
    /* Kernel mode (KernelServer), decided by the model: */
    bool release_send;      /* a send right translated by intran: the stub releases it
                               after a successful call (the server function got the object) */
    bool check_circular;    /* a returned right that may be a receive right: the stub
                               checks it against the reply port (MACH_MSGH_BITS_CIRCULAR) */
    bool user_stub_ignores; /* a parameter of the user stub that it cannot use (KernelUser:
                               the kernel's send takes no waittime nor msgoption) */
} Arg;

typedef struct Routine {
    const char *name;
    Loc loc;
    bool simple;            /* simpleroutine: no reply */
    unsigned number;        /* position in the subsystem (skips count) */
    unsigned request_id;    /* base + number */
    unsigned reply_id;      /* request_id + 100 */
                            /* (on the wire, mach_msg_id_t is signed: wire_id()) */
    Arg **args;             /* written and implicit, in prototype order */
    size_t nargs;
    Arg *request_port;      /* the requestport (first argument by default) */
    Arg *reply_port;        /* replyport/ureplyport/sreplyport, or NULL */
    Arg *waittime_arg;      /* waittime argument, or NULL */
    Arg *msgoption_arg;     /* msgoption argument, or NULL */
    Arg *seqno_arg;         /* msgseqno argument, or NULL */
    const char *waittime;   /* statement-level waittime in force, or NULL */
    const char *msgoption;  /* statement-level msgoption in force, or NULL */
    const char *user_prefix;   /* prefix of the user stub's name */
    const char *server_prefix; /* prefix of the server function's name */
    struct MsgLayout *request[2];  /* per target index (see layout_for) */
    struct MsgLayout *reply[2];
} Routine;

typedef enum { IMPORT_BOTH, IMPORT_USER, IMPORT_SERVER } ImportKind;

typedef struct Import {
    ImportKind kind;
    const char *file;       /* as written, with its <> or "" */
    Loc loc;
} Import;

typedef struct Module {
    const char *subsystem;  /* subsystem name */
    Loc subsystem_loc;
    unsigned base;          /* first message id */
    bool kernel_user;       /* KernelUser */
    bool kernel_server;     /* KernelServer */
    Vec routines;           /* Routine*, skips omitted */
    unsigned nslots;        /* routines plus skips */
    Vec types;              /* Type*, declared ones, in order */
    StrMap type_index;      /* name -> the latest Type* of that name in types */
    StrMap routine_index;   /* name -> the first Routine* of that name in routines */
    Vec arg_enums;          /* Type*, typed enums named in an argument (`x : T = enum ...`),
                               whose constants are exported like declared ones' */
    Vec imports;            /* Import* */
    const char *rcsid;      /* rcsid string, or NULL */
    const char *server_demux;  /* serverdemux name, or NULL (then SUBSYSTEM_server) */
    bool ids_overflow;      /* a routine's ids past 32 bits was reported (once) */
    bool has_demux;         /* the server file defines the demux function (not for
                               KernelServer: the kernel looks routines up in the table) */
    const char *user_prefix_last;   /* current userprefix while parsing */
    const char *server_prefix_last; /* current serverprefix while parsing */
    const char *waittime_last;
    const char *msgoption_last;
    Loc waittime_loc, msgoption_loc;          /* their statements */
    bool waittime_warned, msgoption_warned;   /* ... said to have no effect (KernelUser) */
    bool has_subsystem;
    Arena mem;              /* where the model and the layout records live */
} Module;

/* ------------------------------------------------------------------ */
/* Layout: one record per message and target; the only place that    */
/* computes offsets and sizes.                                        */

typedef enum {
    FK_RETCODE,      /* the reply's return code */
    FK_DATA          /* an argument's descriptor and data */
} FieldKind;

typedef struct Field {
    FieldKind kind;
    Arg *arg;               /* NULL for FK_RETCODE */
    const char *name;       /* C member name stem (arg name or "RetCode") */
    unsigned seg;           /* variable segment: how many varying inline items precede it */
    unsigned desc_off;      /* offset of the type descriptor within its segment */
    unsigned desc_size;     /* bytes of the descriptor (short or long form) */
    bool longform;          /* long-form descriptor */
    int name_sent;          /* msgt_name written by the sender (MT_POLYMORPHIC: run time) */
    int name_check;         /* msgt_name the receiver expects */
    unsigned elem_bits;     /* msgt_size */
    unsigned number;        /* msgt_number when fixed; the bound when varying (0: none) */
    bool varying;           /* msgt_number set at run time */
    bool out_of_line;       /* data is a pointer; msgt_inline clear */
    bool dealloc;           /* msgt_deallocate set (statically) */
    bool dealloc_choice;    /* msgt_deallocate from a run-time flag */
    bool is_port;           /* carries port rights (or may: polymorphic) */
    bool is_string;         /* c_string: count is strlen + 1 */
    bool indefinite;        /* inline up to inline_max elements, else out of line (run time) */
    unsigned count_mult;    /* wire units (msgt_number) per element of the C array */
    unsigned inline_max;    /* elements that fit inline: the bound, or the indefinite capacity */
    unsigned data_off;      /* offset of the data within its segment */
    unsigned data_size;     /* bytes reserved: fixed padded size, the bound for varying inline, pointer size for OOL */
    unsigned elem_size;     /* bytes of one element in memory (elem_bits/8, or port_size) */
    unsigned ool_port_bits; /* msgt_size of a port out of line: a name, or the kernel's pointer */
    unsigned end_off;       /* offset just past data and padding within its segment */
} Field;

typedef struct MsgLayout {
    const Target *target;
    Routine *routine;
    bool is_reply;
    Field **fields;         /* in wire order */
    size_t nfields;
    unsigned nsegs;         /* 1 + number of varying inline items */
    unsigned *seg_size;     /* fixed bytes of each segment (var data excluded) */
    unsigned min_size;      /* every varying item empty */
    unsigned max_size;      /* every varying item at its bound (0: unbounded... never for inline) */
    bool complex_static;    /* ports or out-of-line data always present */
    bool complex_poly;      /* complexity decided at run time: polymorphic names, indefinite arrays */
    bool complex_check;     /* the receiver requires the complex bit: complex_static, or a port
                               it checks as a fixed right whatever name the sender chose */
    bool ports_in_place;    /* an inline port slot holds what a function takes for it: the
                               kernel's ipc_port_t, or a name as wide as mach_port_t (i686);
                               else (x86_64's 8-byte slots) a server stub packs the names
                               in place for the call and unpacks them if it fails */
    /* Kernel messages (KernelServer, KernelUser): */
    bool ports_are_pointers;   /* a port slot holds the kernel's ipc_port_t, inline or out of
                                  line: pointer-size elements, usable in place */
    bool rights_received_form; /* built by the kernel and copied out as is (a KernelServer
                                  reply): rights are described in their received form */
    bool ool_consumed;         /* out-of-line data of a kernel's request is a vm_map_copy_t
                                  the server function consumes when it succeeds: the
                                  stub never frees it */
    bool data_in_place;        /* no large locals (kernel stacks are small): every out
                                  array the server function fills lives in the message */
    bool read_in_place;        /* no large locals either: a structure passed by value is
                                  read by the call straight from the request */
    unsigned msgh_bits_remote; /* disposition of the remote port */
    unsigned msgh_bits_local;  /* disposition of the local port */
} MsgLayout;

/* How a type travels on a target: descriptor name, bits per unit, units. */
void layout_wire(const Target *t, const Type *ty, int *name, unsigned *bits, unsigned *number);
/* A message id as mach_msg_id_t (a signed 32-bit integer) holds it:
 * ids from 2^31 up are negative there, and stubs compare them so. */
static inline int32_t wire_id(unsigned id)
{
    return (int32_t)id;
}
void layout_module(Module *m, const Target *t, int tindex, Diag *d);
unsigned layout_error_reply_size(const Target *t);   /* header and RetCode */

/* ------------------------------------------------------------------ */
/* Command line and outputs.                                          */

typedef struct Options {
    const Target *target;      /* --target= or program-name prefix */
    const char *user;          /* -user FILE (NULL: default name; "/dev/null": none) */
    const char *server;        /* -server FILE */
    const char *header;        /* -header FILE */
    const char *sheader;       /* -sheader FILE (NULL: none) */
    const char *iheader;       /* -iheader FILE (NULL: none) */
    const char *list;          /* -list FILE (NULL: none) */
    const char *describe;      /* -describe FILE (NULL: none) */
    const char *split_base;    /* -i BASE: one user file per routine */
    const char *prefix;        /* -prefix: user stub name prefix */
    const char *subrprefix;    /* -subrprefix: server routine prefix */
    bool no_defaults;          /* -n: only the named outputs */
    bool symtab;               /* -s: symbol table in the server */
    bool quiet;                /* -q */
    bool verbose;              /* -v */
    bool md;                   /* -MD: dependency files */
    bool migcom;               /* input is already preprocessed (stdin) */
    const char *cc;            /* -cc CMD: the preprocessor command */
    bool plant_no_count_bound; /* MIGC_PLANT=no-count-bound: receivers do not check an inline
                                  array's count against its bound, a mistake tests/prove.test
                                  plants to see the proofs report it (never set otherwise) */
    Vec cpp_args;              /* char*: switches passed to cpp */
    Vec files;                 /* char*: .defs files */
} Options;

/* The compiler's context for one .defs file. */
typedef struct Ctx {
    Options *opt;
    Diag diag;
    Module *mod;
    const char *input_name;    /* the .defs file as named on the command line */
    char *text;                /* preprocessed text */
    size_t text_len;
    Vec arglist;               /* the parser's: the arguments of the routine being read */
    Vec routine_args;          /* model_routine's: a routine's arguments, implicit ones
                                  included, before they are copied to the module's arena */
} Ctx;

/* driver.c */
int driver_main(int argc, char **argv);

/* parse.y / lex.l */
void parse_module(Ctx *c);            /* fills c->mod from c->text */

/* model.c: building the model from the parser's actions */
/* The value of an integer expression (or number) already reported as wrong:
   what takes it says nothing more (parse.y's expr_op, lex.l, model.c). */
#define EXPR_BAD INT64_MIN

typedef struct Prim {         /* an IPC type name as written: a number or MACH_MSG_TYPE_* */
    bool is_num;
    int64_t num;
    const char *name;
    Loc loc;
} Prim;

void model_subsystem(Ctx *c, Loc loc, const char *name, int64_t base, bool ku, bool ks); /* name NULL: unreadable (reported) */
Type *model_type_ipc(Ctx *c, Loc loc, Prim in, const Prim *out, int64_t bits, unsigned flags);
Type *model_type_invalid(Ctx *c);              /* for a declaration already reported as wrong */
Type *model_type_name(Ctx *c, Loc loc, Prim p);   /* a bare name: MACH_MSG_TYPE_* or a declared type */
Type *model_type_array(Ctx *c, Loc loc, int shape, int64_t n, Type *elem); /* shape: 0 [n], 1 [*:n], 2 [] */
Type *model_type_struct(Ctx *c, Loc loc, int64_t n, Type *elem);
Type *model_type_cstruct(Ctx *c, Loc loc, Vec *members);   /* struct { T a; ... } */
Type *model_type_cstring(Ctx *c, Loc loc, bool varying, int64_t n);
Type *model_type_ool(Ctx *c, Loc loc, Type *t);
Type *model_type_poly(Ctx *c, Loc loc);
Type *model_type_enum(Ctx *c, Loc loc, Type *base, bool open, Vec *items);
Type *model_type_copy(Ctx *c, Type *t);
Type *model_type_declared(Ctx *c, Type *t);
void model_type_trans(Ctx *c, Loc loc, Type *t, const char *what, const char *ttype,
                      const char *func, const char *argtype);
void model_declare_type(Ctx *c, Loc loc, const char *name, Type *t);
void model_name_type(Ctx *c, Loc loc, const char *name, Type *t);  /* `arg : name = spec`: this argument only */
Arg *model_arg(Ctx *c, Loc loc, ArgKind kind, const char *name, Type *t, unsigned flags);
unsigned model_ipc_flag(Ctx *c, Loc loc, const char *word, bool brackets);
void model_routine(Ctx *c, Loc loc, const char *name, bool simple, Vec *args);
void model_skip(Ctx *c, Loc loc);
void model_import(Ctx *c, Loc loc, const char *word, const char *file);
void model_statement(Ctx *c, Loc loc, const char *what, const char *value);

/* model.c: checks and completes the model after parsing */
void model_finish(Ctx *c);

/* emit_*.c: each writes one output from the layout records */
#define OUT_CHUNK (256 * 1024)   /* out() passes text on to the file in pieces of about this */
typedef struct Out {
    FILE *f;          /* where the text goes */
    StrBuf text;      /* what out() wrote and has not yet passed to f */
    const struct Out *stream;  /* this Out itself when out() may pass text to f as it
                                  grows (a copy made as a side buffer holds another
                                  address, so its text waits to be put in place) */
    const Target *t;
    int tindex;
    Module *m;
    Options *opt;
    const char *header_name;   /* user header file name, for #include */
    Arena *tmp;                /* the emitter's temporary strings (tsprintf): given back
                                  after each routine, so that memory does not grow with
                                  the file */
} Out;

void emit_user(Out *o, Routine *only);   /* only: with -i, a single routine */
void emit_server(Out *o);
void emit_user_header(Out *o);
void emit_server_header(Out *o);
void emit_inline_header(Out *o);
void emit_msgids(Out *o);
void emit_describe(Out *o);

#endif
