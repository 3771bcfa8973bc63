/* model.c: types, arguments and routines as the .defs declares them, checked. */
#include <string.h>
#include <strings.h>

#include "migc.h"

/* The MACH_MSG_TYPE_* names.  `bits` 0 means the size must be written;
 * PORT_BITS means "a port on the target" (the layout decides).
 * A PORT_* name sent by a user is polymorphic: the sender chooses the
 * disposition, the receiver sees the named right. */
#define PORT_BITS 0xffff
static const struct {
    const char *name;
    int in, out;
    unsigned bits;
} ipc_names[] = {
    { "MACH_MSG_TYPE_UNSTRUCTURED", 0, 0, 0 },
    { "MACH_MSG_TYPE_BIT", 0, 0, 1 },
    { "MACH_MSG_TYPE_BOOLEAN", 0, 0, 32 },
    { "MACH_MSG_TYPE_INTEGER_16", 1, 1, 16 },
    { "MACH_MSG_TYPE_INTEGER_32", 2, 2, 32 },
    { "MACH_MSG_TYPE_CHAR", 8, 8, 8 },
    { "MACH_MSG_TYPE_BYTE", 9, 9, 8 },
    { "MACH_MSG_TYPE_INTEGER_8", 9, 9, 8 },
    { "MACH_MSG_TYPE_REAL", 10, 10, 0 },
    { "MACH_MSG_TYPE_INTEGER_64", 11, 11, 64 },
    { "MACH_MSG_TYPE_STRING", 12, 12, 0 },
    { "MACH_MSG_TYPE_STRING_C", 12, 12, 0 },
    { "MACH_MSG_TYPE_PORT_NAME", 15, 15, 32 },
    { "MACH_MSG_TYPE_MOVE_RECEIVE", 16, 16, PORT_BITS },
    { "MACH_MSG_TYPE_MOVE_SEND", 17, 17, PORT_BITS },
    { "MACH_MSG_TYPE_MOVE_SEND_ONCE", 18, 18, PORT_BITS },
    { "MACH_MSG_TYPE_COPY_SEND", 19, 17, PORT_BITS },
    { "MACH_MSG_TYPE_MAKE_SEND", 20, 17, PORT_BITS },
    { "MACH_MSG_TYPE_MAKE_SEND_ONCE", 21, 18, PORT_BITS },
    { "MACH_MSG_TYPE_PORT_RECEIVE", MT_POLYMORPHIC, 16, PORT_BITS },
    { "MACH_MSG_TYPE_PORT_SEND", MT_POLYMORPHIC, 17, PORT_BITS },
    { "MACH_MSG_TYPE_PORT_SEND_ONCE", MT_POLYMORPHIC, 18, PORT_BITS },
    { "MACH_MSG_TYPE_POLYMORPHIC", MT_POLYMORPHIC, MT_POLYMORPHIC, PORT_BITS },
};

static int ipc_lookup(const char *name)
{
    /* The first character first: this runs for every type name used. */
    for (size_t i = 0; i < sizeof ipc_names / sizeof ipc_names[0]; i++)
        if (ipc_names[i].name[0] == name[0] && strcmp(ipc_names[i].name, name) == 0)
            return (int)i;
    return -1;
}

static bool name_is_port(int n)
{
    return n == MT_POLYMORPHIC || (n >= MT_MOVE_RECEIVE && n <= MT_MAKE_SEND_ONCE);
}

/* A record the model keeps: in the module's arena, for the whole run. */
static void *model_new(Ctx *c, size_t size)
{
    return arena_alloc(&c->mod->mem, size);
}

static Type *type_new(Ctx *c, Loc loc, TypeKind kind)
{
    Type *t = model_new(c, sizeof *t);
    t->loc = loc;
    t->kind = kind;
    t->number = 1;
    return t;
}

/* The latest declaration of NAME (a redeclaration is an error, but the
 * file is still checked to its end against the newer one). */
static Type *type_lookup(Ctx *c, const char *name)
{
    return map_get(&c->mod->type_index, name);
}

static void type_add(Ctx *c, Type *t)
{
    vec_push(&c->mod->types, t);
    map_put(&c->mod->type_index, t->name, t);
}

/* GNU MIG knows a few types once the subsystem is declared. */
/* The predefined types have no location: nothing in the source declares them. */
static void declare_builtins(Ctx *c)
{
    Loc loc = { 0 };
    static const struct { const char *name; int mt; unsigned bits; } builtins[] = {
        { "int", MT_INTEGER_32, 32 }, { "char", MT_CHAR, 8 }, { "short", MT_INTEGER_16, 16 },
        /* (both GNU MIGs: Debian's 1.8+git20231217 carries it as a patch) */
        { "int64", MT_INTEGER_64, 64 },
    };
    for (size_t i = 0; i < sizeof builtins / sizeof builtins[0]; i++) {
        Type *t = type_new(c, loc, TK_BASIC);
        t->in_name = t->out_name = builtins[i].mt;
        t->elem_bits = builtins[i].bits;
        t->name = t->ctype = builtins[i].name;
        type_add(c, t);
    }
    /* As wide as the target's word: the layout decides. */
    static const char *const words[] = { "uintptr_t", "intptr_t" };
    for (size_t i = 0; i < 2; i++) {
        Type *t = type_new(c, loc, TK_BASIC);
        t->in_name = t->out_name = MT_INTEGER_64;
        t->word_sized = true;
        t->name = t->ctype = words[i];
        type_add(c, t);
    }
}

static bool need_subsystem(Ctx *c, Loc loc, const char *what)
{
    if (c->mod->has_subsystem)
        return true;
    diag_error(&c->diag, loc, "%s before the subsystem statement; declare 'subsystem NAME BASE;' first", what);
    c->mod->has_subsystem = true;   /* report once */
    declare_builtins(c);
    return false;
}

void model_subsystem(Ctx *c, Loc loc, const char *name, int64_t base, bool ku, bool ks)
{
    Module *m = c->mod;
    if (base == EXPR_BAD)
        base = 0;
    if (!name) {
        /* A statement the parser could not read (already reported). */
        if (!m->has_subsystem) {
            m->has_subsystem = true;
            declare_builtins(c);
        }
        return;
    }
    if (m->subsystem) {
        diag_error(&c->diag, loc, "a second subsystem statement");
        diag_note(&c->diag, m->subsystem_loc, "the first one is here");
        return;
    }
    if (base < 0) {
        diag_error(&c->diag, loc, "subsystem base %lld is negative", (long long)base);
        base = 0;
    } else if (base > (int64_t)UINT32_MAX - 100) {
        /* A message id is 32 bits; GNU MIG wraps such ids silently. */
        diag_error(&c->diag, loc, "subsystem base %lld leaves no room for message ids (32 bits, "
                   "reply ids 100 above the requests: at most %lld)", (long long)base,
                   (long long)UINT32_MAX - 100);
        base = 0;
    }
    if (ku && ks)
        diag_error(&c->diag, loc, "a subsystem cannot be both KernelUser and KernelServer");
    m->subsystem = name;
    m->subsystem_loc = loc;
    m->base = (unsigned)base;
    m->kernel_user = ku;
    m->kernel_server = ks;
    if (!m->has_subsystem) {
        m->has_subsystem = true;
        declare_builtins(c);
    }
}

Type *model_type_ipc(Ctx *c, Loc loc, Prim in, const Prim *out, int64_t bits, unsigned flags)
{
    Type *t = type_new(c, loc, TK_BASIC);
    unsigned dflt = 0;
    const Prim *parts[2] = { &in, out ? out : &in };
    int names[2];
    for (int i = 0; i < 2; i++) {
        const Prim *p = parts[i];
        if (p->is_num) {
            if (p->num == EXPR_BAD) {
                names[i] = 0;
            } else if (p->num < 0 || p->num > 255) {
                diag_error(&c->diag, p->loc, "IPC type number %lld is out of range (0 to 255)", (long long)p->num);
                names[i] = 0;
            } else
                names[i] = (int)p->num;
            if (i == 0 && !out)
                names[1] = names[0], i++;
            continue;
        }
        int k = ipc_lookup(p->name);
        if (k < 0) {
            diag_error(&c->diag, p->loc, "'%s' is not an IPC type name (MACH_MSG_TYPE_...)", p->name);
            names[i] = 0;
            continue;
        }
        /* On the left the sender's name, on the right the receiver's. */
        names[i] = i == 0 ? ipc_names[k].in : ipc_names[k].out;
        if (i == 0)
            dflt = ipc_names[k].bits;
        if (i == 0 && !out)
            names[1] = ipc_names[k].out, i++;
    }
    t->in_name = names[0];
    t->out_name = names[1];
    t->is_port = name_is_port(t->in_name) || name_is_port(t->out_name);
    if (bits == EXPR_BAD) {
        t->elem_bits = dflt && dflt != PORT_BITS ? dflt : 32;
    } else if (bits >= 0) {
        if (dflt != 0 && dflt != PORT_BITS && bits != dflt && bits > 0 && bits <= 0xffff)
            diag_warn(&c->diag, loc, "IPC type %s has a strange size: %lld bits instead of %u",
                      in.name, (long long)bits, dflt);
        if (bits == 0 || bits > 0xffff) {
            diag_error(&c->diag, loc, "IPC type size %lld bits is out of range (1 to 65535)", (long long)bits);
            bits = 32;
        }
        t->elem_bits = (unsigned)bits;
    } else if (dflt == 0) {
        diag_error(&c->diag, loc, "this IPC type has no default size: write (NAME, BITS)");
        t->elem_bits = 32;
    } else
        t->elem_bits = dflt == PORT_BITS ? 0 : dflt;
    if (t->is_port)
        t->elem_bits = 0;      /* a port's size is the target's */
    if (t->in_name == MT_STRING) {
        /* A sized string item is copied as a C string of that many bytes. */
        t->kind = TK_STRING;
        t->is_string = true;
    }
    if (flags & AF_ISLONG) t->longform = 1;
    if (flags & AF_ISNOTLONG) t->longform = -1;
    if (flags & AF_DEALLOC) t->dealloc = DEALLOC_YES;
    if (flags & AF_DEALLOC_CHOICE) t->dealloc = DEALLOC_CHOICE;
    if (flags & AF_SERVERCOPY) t->servercopy = true;
    if (flags & AF_COUNTINOUT) t->countinout = true;
    return t;
}

/* Whether GNU Mach's mach/std_types.defs declares the type NAME: a .defs
   that uses one without including that file gets a note saying so. */
static bool std_types_name(const char *name)
{
    static const char *const names[] = {
        "int32_t", "int64_t", "boolean_t", "unsigned", "uint32_t", "uint64_t",
        "kern_return_t", "pointer_t", "mach_port_t", "mach_port_array_t",
        "mach_port_name_t", "mach_port_name_array_t", "mach_port_right_t",
        "mach_port_type_t", "mach_port_type_array_t", "mach_port_urefs_t",
        "mach_port_delta_t", "mach_port_seqno_t", "mach_port_mscount_t",
        "mach_port_msgcount_t", "mach_port_rights_t", "mach_msg_id_t",
        "mach_msg_type_name_t", "mach_msg_type_number_t", "mach_port_move_receive_t",
        "mach_port_copy_send_t", "mach_port_make_send_t", "mach_port_move_send_t",
        "mach_port_make_send_once_t", "mach_port_move_send_once_t", "mach_port_receive_t",
        "mach_port_send_t", "mach_port_send_once_t", "mach_port_poly_t",
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(name, names[i]) == 0)
            return true;
    return false;
}

/* A type standing in for one whose error was reported: a basic 32-bit
   integer, marked so that the checks on types and arguments skip it. */
Type *model_type_invalid(Ctx *c)
{
    Loc none = { 0 };
    Type *t = type_new(c, none, TK_BASIC);
    t->in_name = t->out_name = MT_INTEGER_32;
    t->elem_bits = 32;
    t->invalid = true;
    return t;
}

Type *model_type_name(Ctx *c, Loc loc, Prim p)
{
    if (p.is_num || ipc_lookup(p.name) >= 0)
        return model_type_ipc(c, loc, p, NULL, -1, 0);
    need_subsystem(c, loc, "a type name");
    Type *t = type_lookup(c, p.name);
    if (!t) {
        diag_error(&c->diag, loc, "type '%s' is not defined", p.name);
        if (std_types_name(p.name))
            diag_note(&c->diag, loc, "'%s' is declared in <mach/std_types.defs>; "
                      "include it after the subsystem statement", p.name);
        /* One error per undefined name: later uses find this stand-in,
           which the checks on types and arguments skip.  (It has no
           location: a declaration of the name may still come.) */
        t = model_type_invalid(c);
        t->name = t->ctype = p.name;
        type_add(c, t);
    }
    return t;
}

/* Bytes of one element of t, before the target's port size is known:
 * used only to bound sizes while checking. */
static bool check_count(Ctx *c, Loc loc, int64_t n, const char *what)
{
    if (n == EXPR_BAD)
        return false;   /* reported already */
    if (n <= 0 || n > 0x7fffffff) {
        diag_error(&c->diag, loc, "%s %lld is out of range (1 to 2147483647)", what, (long long)n);
        return false;
    }
    return true;
}

static Type *element_of(Ctx *c, Loc loc, Type *elem, const char *what)
{
    if (elem->invalid)
        return elem;
    if (elem->varying || elem->out_of_line || elem->kind == TK_STRING) {
        diag_error(&c->diag, loc, "%s of a %s type '%s'", what,
                   elem->kind == TK_STRING ? "c_string" : elem->varying ? "varying" : "out-of-line",
                   elem->name ? elem->name : "(anonymous)");
    }
    return elem;
}

Type *model_type_array(Ctx *c, Loc loc, int shape, int64_t n, Type *elem)
{
    element_of(c, loc, elem, "an array");
    Type *t = model_type_copy(c, elem);
    t->kind = TK_ARRAY;
    t->loc = loc;
    t->element = elem;
    t->name = NULL;
    t->ctype = elem->ctype;
    t->server_ctype = elem->server_ctype;
    t->is_struct = false;
    t->is_enum = false;
    t->enums = NULL;
    t->nenums = 0;
    if (shape == 2) {            /* array[]: unbounded, so out of line */
        t->varying = true;
        t->unbounded = true;
        /* Without ^ it goes inline while it fits (GNU MIG's "indefinite"
         * arrays), ports included. */
        t->out_of_line = false;
        t->indefinite = true;
        t->number = 0;
        return t;
    }
    if (!check_count(c, loc, n, "array size"))
        n = 1;
    int64_t total = n * (int64_t)elem->number;
    if (total > 0x7fffffff) {
        diag_error(&c->diag, loc, "array of %lld elements is too large", (long long)total);
        total = 1;
    }
    t->number = (unsigned)total;
    t->varying = shape == 1;
    return t;
}

Type *model_type_struct(Ctx *c, Loc loc, int64_t n, Type *elem)
{
    Type *t = model_type_array(c, loc, 0, n, elem);
    t->kind = TK_STRUCT;
    t->is_struct = true;
    return t;
}

Type *model_type_cstruct(Ctx *c, Loc loc, Vec *members)
{
    Type *t = type_new(c, loc, TK_STRUCT);
    for (size_t i = 0; i < members->n; i++) {
        Type *m = members->v[i];
        if (!m->invalid && (m->is_port || m->out_of_line || m->varying || m->kind == TK_STRING))
            diag_error(&c->diag, loc, "struct member of type '%s' must be plain data",
                       m->name ? m->name : "(anonymous)");
    }
    t->members = (Type **)members->v;
    t->nmembers = members->n;
    t->is_struct = true;
    t->in_name = t->out_name = MT_INTEGER_32;
    return t;
}

Type *model_type_cstring(Ctx *c, Loc loc, bool varying, int64_t n)
{
    Type *t = type_new(c, loc, TK_STRING);
    if (!check_count(c, loc, n, "c_string size"))
        n = 1;
    t->in_name = t->out_name = MT_STRING_C;
    t->elem_bits = 8;
    t->number = (unsigned)n;
    t->varying = varying;
    t->is_string = true;
    t->ctype = "char";
    return t;
}

Type *model_type_ool(Ctx *c, Loc loc, Type *t)
{
    (void)loc;
    Type *n = model_type_copy(c, t);
    n->out_of_line = true;
    n->indefinite = false;
    n->name = NULL;
    return n;
}

Type *model_type_poly(Ctx *c, Loc loc)
{
    (void)c;
    Type *t = type_new(c, loc, TK_POLY);
    t->in_name = t->out_name = MT_POLYMORPHIC;
    t->is_port = true;
    t->ctype = "polymorphic";
    return t;
}

/* The start of a declaration: a copy whose C types are still to be named. */
Type *model_type_declared(Ctx *c, Type *t)
{
    Type *n = model_type_copy(c, t);
    n->ctype = n->server_ctype = NULL;
    n->alias = t->name != NULL;
    return n;
}

Type *model_type_copy(Ctx *c, Type *t)
{
    Type *n = model_new(c, sizeof *n);
    *n = *t;
    /* A new type keeps the wire format, not the C-side translations. */
    n->intran = n->outtran = n->destructor = NULL;
    n->trans_type = n->outtran_type = n->outtran_arg = NULL;
    n->intranpayload = n->intranpayload_type = NULL;
    return n;
}

/* Typed enums (migc extension): the wire type is the base type; the
 * members become C constants in the generated headers. */
Type *model_type_enum(Ctx *c, Loc loc, Type *base, bool open, Vec *items)
{
    Type *t = model_type_copy(c, base);
    t->loc = loc;
    if (!base->invalid && (base->kind != TK_BASIC || base->is_port || base->number != 1 || base->out_of_line ||
        !(base->in_name == MT_INTEGER_8 || base->in_name == MT_INTEGER_16 ||
          base->in_name == MT_INTEGER_32 || base->in_name == MT_INTEGER_64 ||
          base->in_name == MT_CHAR || base->in_name == MT_BOOLEAN))) {
        diag_error(&c->diag, loc, "an enum's underlying type must be a single integer, not '%s'",
                   base->name ? base->name : "(anonymous)");
    }
    if (!items || items->n == 0) {
        diag_error(&c->diag, loc, "an enum needs at least one member");
        return t;
    }
    unsigned bits = base->elem_bits ? base->elem_bits : 32;
    const char *bn = base->name ? base->name : "";
    bool is_signed = !(bn[0] == 'u' || strncmp(bn, "natural", 7) == 0 || strcmp(bn, "boolean_t") == 0 ||
                       base->in_name == MT_BOOLEAN);
    int64_t lo = 0, hi = 0;
    if (bits >= 64) {
        lo = is_signed ? INT64_MIN : 0;
        hi = INT64_MAX;
    } else if (is_signed) {
        lo = -((int64_t)1 << (bits - 1));
        hi = ((int64_t)1 << (bits - 1)) - 1;
    } else
        hi = ((int64_t)1 << bits) - 1;
    for (size_t i = 0; i < items->n; i++) {
        EnumItem *e = items->v[i];
        if (e->value != EXPR_BAD && (e->value < lo || e->value > hi))
            diag_error(&c->diag, e->loc, "value %lld of '%s' does not fit in %u-bit %s '%s'",
                       (long long)e->value, e->name, bits, is_signed ? "signed" : "unsigned",
                       base->name ? base->name : "base type");
        for (size_t j = 0; j < i; j++) {
            EnumItem *f = items->v[j];
            if (strcmp(e->name, f->name) == 0) {
                diag_error(&c->diag, e->loc, "duplicate enum member '%s'", e->name);
                diag_note(&c->diag, f->loc, "first declared here");
            } else if (e->value == f->value && e->value != EXPR_BAD) {
                diag_error(&c->diag, e->loc, "'%s' has the same value (%lld) as '%s'",
                           e->name, (long long)e->value, f->name);
                diag_note(&c->diag, f->loc, "'%s' declared here", f->name);
            }
        }
    }
    t->is_enum = true;
    t->enum_open = open;
    t->enum_base = base->ctype ? base->ctype : base->name;
    t->enums = (EnumItem **)items->v;
    t->nenums = items->n;
    return t;
}

void model_type_trans(Ctx *c, Loc loc, Type *t, const char *what, const char *ttype,
                      const char *func, const char *argtype)
{
    const char **slot = NULL;
    if (strcmp(what, "intran") == 0) {
        slot = &t->intran;
        t->trans_type = ttype;
        t->intran_arg = argtype;
    } else if (strcmp(what, "outtran") == 0) {
        slot = &t->outtran;
        t->outtran_type = ttype;
        t->outtran_arg = argtype;
    } else if (strcmp(what, "destructor") == 0)
        slot = &t->destructor;
    else if (strcmp(what, "intranpayload") == 0) {
        slot = &t->intranpayload;
        t->intranpayload_type = ttype;
    } else if (strcmp(what, "ctype") == 0) {
        t->ctype = ttype;
        t->server_ctype = ttype;
        return;
    } else if (strcmp(what, "cusertype") == 0) {
        t->ctype = ttype;
        return;
    } else if (strcmp(what, "cservertype") == 0) {
        t->server_ctype = ttype;
        return;
    }
    if (slot && *slot)
        diag_warn(&c->diag, loc, "a second %s replaces the first", what);
    if (slot)
        *slot = func;
}

/* Name a type and give it its C types (the name unless ctype, cusertype or
 * cservertype said otherwise), without declaring it: GNU MIG scopes
 * `arg : NAME = spec` to that argument. */
/* Gives T its name and location (C types default to the name). */
static void name_type(Type *t, Loc loc, const char *name)
{
    t->name = name;
    t->loc = loc;
    if (!t->ctype)
        t->ctype = name;
    if (!t->server_ctype)
        t->server_ctype = name;
}

void model_name_type(Ctx *c, Loc loc, const char *name, Type *t)
{
    name_type(t, loc, name);
    if (t->is_enum)
        vec_push(&c->mod->arg_enums, t);
}

void model_declare_type(Ctx *c, Loc loc, const char *name, Type *t)
{
    need_subsystem(c, loc, "a type declaration");
    /* GNU MIG refuses a second declaration of a name, predefined ones too. */
    Type *old = type_lookup(c, name);
    if (old && !(old->invalid && !old->loc.file)) {   /* (not the stand-in of an undefined name) */
        if (old->loc.file) {
            diag_error(&c->diag, loc, "type '%s' is already defined", name);
            diag_note(&c->diag, old->loc, "first defined here");
        } else
            diag_error(&c->diag, loc, "type '%s' is predefined and cannot be declared again", name);
    }
    name_type(t, loc, name);
    type_add(c, t);
}

unsigned model_ipc_flag(Ctx *c, Loc loc, const char *word, bool brackets)
{
    static const struct { const char *word; unsigned flag; } flags[] = {
        { "dealloc", AF_DEALLOC }, { "notdealloc", AF_NOTDEALLOC },
        { "servercopy", AF_SERVERCOPY }, { "countinout", AF_COUNTINOUT },
        { "islong", AF_ISLONG }, { "isnotlong", AF_ISNOTLONG },
        { "retcode", AF_RETCODE }, { "auto", AF_AUTO },
    };
    for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++) {
        if (strcasecmp(word, flags[i].word) != 0)
            continue;
        if (brackets) {
            if (flags[i].flag != AF_DEALLOC) {
                diag_error(&c->diag, loc, "only 'dealloc' takes '[]'");
                return flags[i].flag;
            }
            return AF_DEALLOC_CHOICE;
        }
        return flags[i].flag;
    }
    diag_error(&c->diag, loc, "unknown IPC flag '%s'", word);
    return 0;
}

/* A's identifiers in stub bodies (CName): arg_NAME, and the forms its type
 * has.  Made when the routine is complete, its types final; one block. */
static void arg_cnames(Ctx *c, Arg *a)
{
    static const char *const prefix[CN_COUNT] = { "arg_", "msg_", "out_", "ports_", "ool_", "buf_" };
    const Type *t = a->type;
    bool has[CN_COUNT] = { true, t->intran != NULL, t->outtran != NULL, t->indefinite, t->indefinite,
                           t->indefinite };
    size_t len = strlen(a->name), size = 0;
    for (int k = 0; k < CN_COUNT; k++)
        if (has[k])
            size += strlen(prefix[k]) + len + 1;
    char *p = arena_alloc(&c->mod->mem, size);
    for (int k = 0; k < CN_COUNT; k++) {
        if (!has[k])
            continue;
        size_t n = strlen(prefix[k]);
        a->cname[k] = p;
        memcpy(p, prefix[k], n);
        memcpy(p + n, a->name, len + 1);
        p += n + len + 1;
    }
}

Arg *model_arg(Ctx *c, Loc loc, ArgKind kind, const char *name, Type *t, unsigned flags)
{
    Arg *a = model_new(c, sizeof *a);
    a->loc = loc;
    a->kind = kind;
    a->name = name;
    a->type = t;
    a->flags = flags;
    return a;
}

void model_skip(Ctx *c, Loc loc)
{
    need_subsystem(c, loc, "skip");
    c->mod->nslots++;
}

void model_import(Ctx *c, Loc loc, const char *word, const char *file)
{
    Import *im = model_new(c, sizeof *im);
    char k = (char)(word[0] | 0x20);
    im->kind = k == 'u' ? IMPORT_USER : k == 's' ? IMPORT_SERVER : IMPORT_BOTH;
    im->file = file;
    im->loc = loc;
    vec_push(&c->mod->imports, im);
}

void model_statement(Ctx *c, Loc loc, const char *what, const char *value)
{
    Module *m = c->mod;
    if (strcmp(what, "waittime") == 0) {
        m->waittime_last = value;
        m->waittime_loc = loc;
        m->waittime_warned = false;
    } else if (strcmp(what, "nowaittime") == 0)
        m->waittime_last = NULL;
    else if (strcmp(what, "msgoption") == 0) {
        m->msgoption_last = value;
        m->msgoption_loc = loc;
        m->msgoption_warned = false;
    }
    else if (strcmp(what, "serverprefix") == 0)
        m->server_prefix_last = value;
    else if (strcmp(what, "userprefix") == 0)
        m->user_prefix_last = value;
    else if (strcmp(what, "serverdemux") == 0) {
        if (m->server_demux)
            diag_warn(&c->diag, loc, "a second serverdemux replaces '%s'", m->server_demux);
        m->server_demux = value;
    } else if (strcmp(what, "rcsid") == 0) {
        if (m->rcsid)
            diag_warn(&c->diag, loc, "a second rcsid replaces the first");
        m->rcsid = value;
    }
}

/* ---- routines ---------------------------------------------------- */

static Arg *implicit_arg(Ctx *c, Arg *parent, ArgKind kind, const char *suffix, Type *t)
{
    Arg *a = model_new(c, sizeof *a);
    a->loc = parent->loc;
    a->kind = kind;
    a->name = arena_sprintf(&c->mod->mem, "%s%s", parent->name, suffix);
    a->type = t;
    a->parent = parent;
    a->in_request = false;
    a->in_reply = false;
    a->in_user_proto = parent->in_user_proto;
    a->in_server_proto = parent->in_server_proto;
    return a;
}

static Type *natural_type(Ctx *c, Loc loc, const char *ctype)
{
    Type *t = type_new(c, loc, TK_BASIC);
    t->in_name = t->out_name = MT_INTEGER_32;
    t->elem_bits = 32;
    t->name = t->ctype = t->server_ctype = ctype;
    return t;
}

/* A copy that keeps everything, translations included. */
static Type *type_clone(Ctx *c, const Type *t)
{
    Type *n = model_new(c, sizeof *n);
    *n = *t;
    return n;
}

static bool is_port_type(Type *t)
{
    return t->kind == TK_BASIC && t->is_port && t->number == 1 && !t->out_of_line;
}

/* Where each argument travels and in which prototypes it appears. */
static void place_arg(Ctx *c, Routine *r, Arg *a)
{
    switch (a->kind) {
    case AK_IN:
        a->in_request = true;
        break;
    case AK_OUT:
        a->in_reply = true;
        break;
    case AK_INOUT:
        a->in_request = a->in_reply = true;
        break;
    case AK_REQUESTPORT:
    case AK_REPLYPORT:
    case AK_UREPLYPORT:
    case AK_SREPLYPORT:
        if (!is_port_type(a->type) && !a->type->invalid)
            diag_error(&c->diag, a->loc, "%s argument '%s' must be a single port, not '%s'",
                       a->kind == AK_REQUESTPORT ? "request port" : "reply port", a->name,
                       a->type->name ? a->type->name : "(anonymous)");
        break;
    case AK_WAITTIME:
    case AK_MSGOPTION:
    case AK_MSGSEQNO:
        break;
    default:
        break;
    }
    a->in_user_proto = a->kind != AK_SREPLYPORT && a->kind != AK_MSGSEQNO;
    a->in_server_proto = a->kind != AK_UREPLYPORT && a->kind != AK_WAITTIME &&
                         a->kind != AK_MSGOPTION;
    if (r->simple && a->in_reply)
        diag_error(&c->diag, a->loc, "simpleroutine '%s' has no reply: '%s' cannot be out or inout",
                   r->name, a->name);
}

static void set_arg_dealloc(Ctx *c, Arg *a)
{
    Type *t = a->type;
    a->dealloc = t->dealloc;
    if (a->flags & AF_DEALLOC) a->dealloc = DEALLOC_YES;
    if (a->flags & AF_NOTDEALLOC) a->dealloc = DEALLOC_NO;
    if (a->flags & AF_DEALLOC_CHOICE) a->dealloc = DEALLOC_CHOICE;
    a->longform = t->longform;
    if (a->flags & AF_ISLONG) a->longform = 1;
    if (a->flags & AF_ISNOTLONG) a->longform = -1;
    if (t->invalid)
        return;   /* what the flags would mean depends on a type that is not defined */
    if (a->dealloc != DEALLOC_NO && !t->out_of_line && !t->indefinite && !t->is_port)
        diag_warn(&c->diag, a->loc, "'%s' is not out of line: dealloc has no effect", a->name);
    /* As GNU MIG: both flags cancel out, and notdealloc alone only says
     * what is already so. */
    if ((a->flags & (AF_DEALLOC | AF_NOTDEALLOC)) == (AF_DEALLOC | AF_NOTDEALLOC)) {
        diag_warn(&c->diag, a->loc, "'%s': dealloc and notdealloc cancel out", a->name);
        a->dealloc = t->dealloc;
    } else if ((a->flags & AF_NOTDEALLOC) && t->dealloc == DEALLOC_NO)
        diag_warn(&c->diag, a->loc, "'%s': notdealloc is redundant (nothing would be deallocated)", a->name);
    if ((a->flags & AF_COUNTINOUT) && !(a->kind == AK_OUT && t->varying && !t->is_string))
        diag_warn(&c->diag, a->loc, "'%s': countinout has no effect (only an out argument of variable size has a count to send)",
                  a->name);
    if (a->kind == AK_INOUT && t->varying && !t->out_of_line)
        diag_error(&c->diag, a->loc, "'%s': an inline argument of variable size cannot be inout", a->name);
    if ((a->flags & AF_ISLONG) && (a->flags & AF_ISNOTLONG))
        diag_error(&c->diag, a->loc, "'%s' is both islong and isnotlong", a->name);
    if ((a->flags & AF_SERVERCOPY) && !t->indefinite)
        diag_warn(&c->diag, a->loc, "'%s': servercopy has no effect (only an unbounded array, which may "
                  "arrive out of line, can be left to the server)", a->name);
}

/* A KernelUser stub sends through the kernel's mach_msg_rpc_from_kernel or
 * mach_msg_send_from_kernel, which take neither a timeout nor options:
 * waittime and msgoption have no effect there (GNU MIG drops them
 * silently).  Said once per statement and per argument; the stub leaves
 * such an argument unused. */
static void kernel_send_options(Ctx *c, Routine *r)
{
    Module *m = c->mod;
    const char *why = "mach_msg_rpc_from_kernel and mach_msg_send_from_kernel take no";
    if (r->waittime && !r->waittime_arg && !m->waittime_warned) {
        diag_warn(&c->diag, m->waittime_loc, "waittime has no effect in a KernelUser interface (from routine '%s' on): "
                  "%s timeout", r->name, why);
        m->waittime_warned = true;
    }
    if (r->msgoption && !r->msgoption_arg && !m->msgoption_warned) {
        diag_warn(&c->diag, m->msgoption_loc, "msgoption has no effect in a KernelUser interface (from routine '%s' on): "
                  "%s options", r->name, why);
        m->msgoption_warned = true;
    }
    if (r->waittime_arg) {
        diag_warn(&c->diag, r->waittime_arg->loc, "the waittime argument '%s' has no effect in a KernelUser interface: "
                  "%s timeout", r->waittime_arg->name, why);
        r->waittime_arg->user_stub_ignores = true;
    }
    if (r->msgoption_arg) {
        diag_warn(&c->diag, r->msgoption_arg->loc, "the msgoption argument '%s' has no effect in a KernelUser interface: "
                  "%s options", r->msgoption_arg->name, why);
        r->msgoption_arg->user_stub_ignores = true;
    }
    r->waittime = r->msgoption = NULL;
}

void model_routine(Ctx *c, Loc loc, const char *name, bool simple, Vec *args)
{
    Module *m = c->mod;
    need_subsystem(c, loc, "a routine");
    Routine *o = map_get(&m->routine_index, name);
    if (o) {
        diag_error(&c->diag, loc, "routine '%s' is declared twice", name);
        diag_note(&c->diag, o->loc, "first declared here");
    }
    Routine *r = model_new(c, sizeof *r);
    r->name = name;
    r->loc = loc;
    r->simple = simple;
    r->number = m->nslots++;
    r->request_id = m->base + r->number;
    r->reply_id = r->request_id + 100;
    if ((uint64_t)m->base + r->number + 100 > UINT32_MAX && !m->ids_overflow) {
        m->ids_overflow = true;
        diag_error(&c->diag, loc, "the message ids of '%s' do not fit in 32 bits (request %llu, reply %llu)",
                   name, (unsigned long long)m->base + r->number,
                   (unsigned long long)m->base + r->number + 100);
    }
    r->waittime = m->waittime_last;
    r->msgoption = m->msgoption_last;
    r->user_prefix = m->user_prefix_last;
    r->server_prefix = m->server_prefix_last;

    /* The request port: the one named so, else the first plain "in"
       argument, wherever it stands (as in GNU MIG, out and inout
       arguments may come before it). */
    Arg *implicit_request = NULL;
    for (size_t j = 0; j < args->n; j++) {
        Arg *a = args->v[j];
        if (a->kind == AK_REQUESTPORT) {
            implicit_request = NULL;
            break;
        }
        if (a->kind == AK_IN && !implicit_request)
            implicit_request = a;
    }
    if (implicit_request)
        implicit_request->kind = AK_REQUESTPORT;

    Vec out = c->routine_args;   /* (its room reused from routine to routine) */
    out.n = 0;
    for (size_t i = 0; i < args->n; i++) {
        Arg *a = args->v[i];
        for (size_t j = 0; j < i; j++)
            if (strcmp(((Arg *)args->v[j])->name, a->name) == 0)
                diag_error(&c->diag, a->loc, "argument '%s' appears twice in '%s'", a->name, name);
        place_arg(c, r, a);
        set_arg_dealloc(c, a);
        vec_push(&out, a);
        switch (a->kind) {
        case AK_REQUESTPORT:
            if (r->request_port)
                diag_error(&c->diag, a->loc, "a second request port '%s'", a->name);
            r->request_port = a;
            break;
        case AK_REPLYPORT:
        case AK_UREPLYPORT:
        case AK_SREPLYPORT:
            if (r->reply_port && !(r->reply_port->kind != a->kind &&
                                   r->reply_port->kind != AK_REPLYPORT && a->kind != AK_REPLYPORT))
                diag_error(&c->diag, a->loc, "a second reply port '%s'", a->name);
            r->reply_port = a;
            break;
        case AK_WAITTIME:
            r->waittime_arg = a;
            break;
        case AK_MSGOPTION:
            r->msgoption_arg = a;
            break;
        case AK_MSGSEQNO:
            r->seqno_arg = a;
            break;
        default:
            break;
        }
        Type *t = a->type;
        bool data = a->in_request || a->in_reply;
        /* A KernelServer interface sends a PORT_* right by its own name (the
         * right moves): no disposition parameter on the kernel's side. */
        bool kernel_sends = m->kernel_server && a->kind == AK_OUT;
        if (kernel_sends && t->in_name == MT_POLYMORPHIC && t->out_name != MT_POLYMORPHIC) {
            t = a->type = type_clone(c, t);
            t->in_name = t->out_name;
        }
        /* Implicit companions follow their argument in the prototype. */
        bool port_arg = data || a->kind == AK_REQUESTPORT || a->kind == AK_REPLYPORT ||
                        a->kind == AK_UREPLYPORT || a->kind == AK_SREPLYPORT;
        if (port_arg && (t->in_name == MT_POLYMORPHIC || t->out_name == MT_POLYMORPHIC)) {
            /* The disposition is a parameter where it is chosen (the sender,
             * for a polymorphic sent name) or seen (the receiver, for a
             * polymorphic received name). */
            bool user_sends = a->kind != AK_OUT;
            bool user_side = user_sends ? t->in_name == MT_POLYMORPHIC : t->out_name == MT_POLYMORPHIC;
            bool server_side = user_sends ? t->out_name == MT_POLYMORPHIC : t->in_name == MT_POLYMORPHIC;
            if (a->kind == AK_INOUT)
                user_side = server_side = true;
            a->poly = implicit_arg(c, a, AK_POLY, "Poly", natural_type(c, a->loc, "mach_msg_type_name_t"));
            a->poly->in_user_proto = a->in_user_proto && user_side;
            a->poly->in_server_proto = a->in_server_proto && server_side;
            vec_push(&out, a->poly);
        }
        if (data && t->varying && !t->is_string) {
            a->count = implicit_arg(c, a, AK_COUNT, "Cnt", natural_type(c, a->loc, "mach_msg_type_number_t"));
            /* CountInOut: the caller's capacity travels in the request. */
            if (a->kind == AK_OUT && ((a->flags & AF_COUNTINOUT) || t->countinout))
                a->count->in_request = true;
            vec_push(&out, a->count);
        }
        if (a->in_request && ((a->flags & AF_SERVERCOPY) || t->servercopy) && t->indefinite) {
            a->scopy = implicit_arg(c, a, AK_SCOPY, "SCopy", natural_type(c, a->loc, "boolean_t"));
            a->scopy->in_user_proto = false;
            vec_push(&out, a->scopy);
        }
        if (data && a->dealloc == DEALLOC_CHOICE) {
            /* The side that sends the data decides whether it is freed. */
            a->dealloc_arg = implicit_arg(c, a, AK_DEALLOC, "Dealloc", natural_type(c, a->loc, "boolean_t"));
            a->dealloc_arg->in_user_proto = a->in_user_proto && a->kind != AK_OUT;
            a->dealloc_arg->in_server_proto = a->in_server_proto && a->kind == AK_OUT;
            vec_push(&out, a->dealloc_arg);
        }
    }
    if (!r->request_port)
        diag_error(&c->diag, loc, "routine '%s' has no request port: no argument is sent in the request (give one, or one marked requestport)", name);
    if (m->kernel_user)
        kernel_send_options(c, r);
    c->routine_args = out;
    r->nargs = out.n;
    r->args = model_new(c, out.n * sizeof *r->args);
    for (size_t i = 0; i < out.n; i++) {
        r->args[i] = out.v[i];
        arg_cnames(c, r->args[i]);
    }
    vec_push(&m->routines, r);
    if (!o)
        map_put(&m->routine_index, name, r);
}

/* On the kernel side of a KernelUser or KernelServer interface a port whose
 * C type is mach_port_t is an ipc_port_t (GNU MIG does the same); array
 * elements are not translated. */
static const char *kernel_port_type(const char *ctype)
{
    return ctype && strcmp(ctype, "mach_port_t") == 0 ? "ipc_port_t" : ctype;
}

static void kernel_port_types(Ctx *c)
{
    Module *m = c->mod;
    for (size_t i = 0; i < m->routines.n; i++) {
        Routine *r = m->routines.v[i];
        for (size_t k = 0; k < r->nargs; k++) {
            Arg *a = r->args[k];
            Type *t = a->type;
            if (!is_port_type(t))
                continue;
            Type *n = type_clone(c, t);
            if (m->kernel_user)
                n->ctype = kernel_port_type(n->ctype ? n->ctype : "mach_port_t");
            if (m->kernel_server) {
                n->server_ctype = kernel_port_type(n->server_ctype ? n->server_ctype : "mach_port_t");
                n->outtran_type = kernel_port_type(n->outtran_type);
                n->intran_arg = kernel_port_type(n->intran_arg);
            }
            a->type = n;
            if (!m->kernel_server)
                continue;
            /* The kernel received a send right and the stub gave the server
             * function the object it names instead: the right is the stub's
             * to release once the call succeeded (on failure the request is
             * destroyed with it). */
            if (a->in_request && n->intran && n->out_name == MT_MOVE_SEND)
                a->release_send = true;
            /* A receive right the kernel returns may contain the reply port. */
            if (a->in_reply && (n->out_name == MT_MOVE_RECEIVE || n->out_name == MT_POLYMORPHIC))
                a->check_circular = true;
        }
    }
}

void model_finish(Ctx *c)
{
    Module *m = c->mod;
    if (!m->subsystem) {
        Loc loc = { c->input_name, 1, 1, NULL };
        if (!m->has_subsystem)   /* (else its lack, or its syntax, was reported already) */
            diag_error(&c->diag, loc, "no subsystem statement: every .defs file needs 'subsystem NAME BASE;'");
        return;
    }
    if (m->kernel_user || m->kernel_server)
        kernel_port_types(c);
    m->has_demux = !m->kernel_server;
    if (m->routines.n == 0 && m->nslots == 0)
        diag_warn(&c->diag, m->subsystem_loc, "subsystem '%s' declares no routines", m->subsystem);
}
