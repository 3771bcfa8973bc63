/* layout.c: message layout records, one per message and target.
 *
 * This is the only file that computes offsets, sizes and descriptor words.
 * A message is cut into segments: segment 0 starts with the header, and
 * every varying inline item ends a segment, because what follows it moves
 * with its run-time size.  Offsets are relative to their segment.
 */
#include <string.h>

#include "migc.h"

static unsigned align_up(unsigned x, unsigned a)
{
    return (x + a - 1) & ~(a - 1);
}

/* Size and alignment in bytes of a plain data type on the target, by C rules. */
static void c_size_align(const Target *t, const Type *ty, unsigned *size, unsigned *align)
{
    if (ty->members) {
        unsigned off = 0, al = 1;
        for (size_t i = 0; i < ty->nmembers; i++) {
            unsigned s, a;
            c_size_align(t, ty->members[i], &s, &a);
            off = (off + a - 1) / a * a + s;
            if (a > al)
                al = a;
        }
        *size = (off + al - 1) / al * al * (ty->number ? ty->number : 1);
        *align = al;
        return;
    }
    unsigned bits = ty->word_sized ? t->word_size * 8 : ty->elem_bits;
    unsigned unit = (bits + 7) / 8;
    if (unit == 0)
        unit = 1;
    *size = unit * (ty->number ? ty->number : 1);
    /* i386's ABI aligns 64-bit integers to 4 bytes inside structs. */
    *align = unit > t->word_size ? t->word_size : unit;
}

void layout_wire(const Target *t, const Type *ty, int *name, unsigned *bits, unsigned *number)
{
    *name = ty->in_name;
    *number = ty->number;
    if (ty->members) {
        /* A C-like struct travels as units of its strictest member alignment
         * (on i686 a 64-bit member is 4-byte aligned: 32-bit units). */
        unsigned size, align;
        Type one = *ty;
        one.number = 1;
        c_size_align(t, &one, &size, &align);
        unsigned widest = 1;
        for (size_t i = 0; i < ty->nmembers; i++) {
            unsigned s, a;
            c_size_align(t, ty->members[i], &s, &a);
            if (a > widest)
                widest = a;
        }
        if (widest > 8)
            widest = 8;
        *bits = widest * 8;
        *name = widest == 8 ? MT_INTEGER_64 : widest == 4 ? MT_INTEGER_32 : widest == 2 ? MT_INTEGER_16 : MT_BYTE;
        *number = size / widest * (ty->number ? ty->number : 1);
        return;
    }
    if (ty->word_sized) {
        *bits = t->word_size * 8;
        *name = t->word_size == 8 ? MT_INTEGER_64 : MT_INTEGER_32;
        return;
    }
    *bits = ty->elem_bits;
}

/* msgt_size of a port right out of line: a name in a task's message, the
 * kernel's ipc_port_t in a message the kernel holds. */
static unsigned ool_port_bits(const Target *t, bool ports_are_pointers)
{
    return ports_are_pointers ? t->pointer_size * 8 : t->ool_port_bits;
}

/* Bits of one element as it travels: ports have the target's size. */
static unsigned wire_bits(const Target *t, const Type *ty, bool ports_are_pointers)
{
    if (ty->is_port && ty->out_of_line)
        return ool_port_bits(t, ports_are_pointers);   /* out-of-line ports travel as names */
    if (ty->in_name == MT_POLYMORPHIC && ty->out_name == MT_POLYMORPHIC)
        return t->poly_bits;
    if (ty->is_port)
        return t->port_bits;
    return ty->elem_bits;
}

/* Whether GNU MIG would use the long descriptor form: counts beyond the
 * short form's 12 bits, unbounded arrays, or sizes beyond 8 bits, unless
 * islong / isnotlong says otherwise. */
static bool wants_long(const Target *t, bool unbounded, unsigned units, unsigned bits, int forced)
{
    if (forced > 0)
        return true;
    if (forced < 0)
        return false;
    return unbounded || units > t->short_number_max || bits > t->short_size_max;
}

/* What one layout_module run works with: the module's arena, which keeps
 * the records, and lists reused from message to message. */
typedef struct LayoutCtx {
    const Target *t;
    Arena *mem;
    Vec fields;       /* the message's fields so far */
    Vec segs;         /* the fixed size of each of its segments so far */
    Diag *d;
} LayoutCtx;

static Field *field_new(Arena *mem, FieldKind kind, const char *name, unsigned seg)
{
    Field *f = arena_alloc(mem, sizeof *f);
    f->kind = kind;
    f->name = name;
    f->seg = seg;
    return f;
}

/* Place a descriptor and its data at *off in segment *seg. */
static void place(const Target *t, Field *f, unsigned *off)
{
    f->desc_off = *off;
    f->desc_size = f->longform ? t->type_long_size : t->type_size;
    f->data_off = f->desc_off + f->desc_size;
    f->end_off = f->data_off + align_up(f->data_size, t->msg_align);
    *off = f->end_off;
}

static void retcode_place(const Target *t, Field *f, unsigned *off)
{
    f->name_sent = f->name_check = MT_INTEGER_32;
    f->elem_bits = 32;
    f->number = 1;
    f->data_size = 4;
    f->elem_size = 4;
    f->kind = FK_RETCODE;
    f->name = "RetCode";
    place(t, f, off);
}

/* The size of an error reply on T: the header, then RetCode. */
unsigned layout_error_reply_size(const Target *t)
{
    unsigned off = t->header_size;
    Field f = { 0 };
    retcode_place(t, &f, &off);
    return off;
}

static Field *data_field(LayoutCtx *lc, const MsgLayout *ml, Arg *a, unsigned seg)
{
    const Target *t = lc->t;
    Diag *d = lc->d;
    Type *ty = a->type;
    Field *f = field_new(lc->mem, FK_DATA, a->name, seg);
    f->arg = a;
    /* A message the kernel builds and copies out as it is carries each
     * right in the form its receiver finds it (PORT_SEND, not COPY_SEND). */
    f->name_sent = ml->rights_received_form && ty->is_port ? ty->out_name : ty->in_name;
    f->name_check = ty->out_name;
    f->elem_bits = wire_bits(t, ty, ml->ports_are_pointers);
    f->ool_port_bits = ool_port_bits(t, ml->ports_are_pointers);
    f->number = ty->number;
    if (ty->members || ty->word_sized) {
        int name;
        layout_wire(t, ty, &name, &f->elem_bits, &f->number);
        f->name_sent = f->name_check = name;
    }
    f->varying = ty->varying;
    f->out_of_line = ty->out_of_line;
    f->is_port = ty->is_port;
    f->is_string = ty->is_string;
    f->dealloc = a->dealloc == DEALLOC_YES;
    f->dealloc_choice = a->dealloc == DEALLOC_CHOICE;
    /* Decided on the units that travel (a struct element counts several). */
    f->longform = wants_long(t, ty->unbounded, f->number, f->elem_bits, a->longform);
    if (a->longform < 0 && wants_long(t, ty->unbounded, f->number, f->elem_bits, 0) && !f->out_of_line)
        diag_warn(d, a->loc, "'%s' is too big for isnotlong", a->name);
    if (a->longform > 0 && !wants_long(t, ty->unbounded, f->number, f->elem_bits, 0))
        diag_warn(d, a->loc, "'%s' does not need islong", a->name);
    unsigned unit = ty->is_port && !ty->out_of_line ? t->port_size : (f->elem_bits + 7) / 8;
    /* Counts the user gives are in elements; descriptors count wire units. */
    f->count_mult = 1;
    if (ty->element && ty->kind == TK_ARRAY) {
        int name;
        unsigned bits, units;
        layout_wire(t, ty->element, &name, &bits, &units);
        f->count_mult = units ? units : 1;
    }
    f->elem_size = unit * f->count_mult;
    f->indefinite = ty->indefinite;
    f->inline_max = f->count_mult ? f->number / f->count_mult : 0;
    if (f->indefinite) {
        /* Inline while the data fits in 2048 bytes, as GNU MIG decides. */
        f->inline_max = f->elem_size ? 2048 / f->elem_size : 0;
        unsigned room = f->inline_max * f->elem_size;
        f->data_size = room > t->pointer_size ? room : t->pointer_size;
    } else if (f->out_of_line)
        f->data_size = t->pointer_size;
    else {
        uint64_t bytes = ((uint64_t)f->number * f->elem_bits + 7) / 8;
        if (ty->is_port)
            bytes = (uint64_t)f->number * t->port_size;
        if (bytes > 0x7ffff000u) {
            diag_error(d, a->loc, "'%s' is too large to travel inline (%llu bytes)", a->name,
                       (unsigned long long)bytes);
            bytes = 0;
        }
        f->data_size = (unsigned)bytes;
    }
    return f;
}

static MsgLayout *layout_message(LayoutCtx *lc, Routine *r, bool reply, bool kernel_server, bool kernel_user)
{
    const Target *t = lc->t;
    Diag *d = lc->d;
    MsgLayout *ml = arena_alloc(lc->mem, sizeof *ml);
    ml->target = t;
    ml->routine = r;
    ml->is_reply = reply;
    /* The kernel's side of a message holds ports as ipc_port_t (its
     * copyin and copyout translate names), inline and out of line. */
    ml->ports_are_pointers = kernel_server || kernel_user;
    /* A KernelServer reply is copied out without a copyin. */
    ml->rights_received_form = kernel_server && reply;
    /* Kernel stacks are small: what a KernelServer function returns is
     * written into the reply, never into a local, and what it takes by
     * value is read from the request. */
    ml->data_in_place = kernel_server && reply;
    ml->read_in_place = kernel_server && !reply;
    ml->ool_consumed = kernel_server && !reply;
    /* mach_port_t is 32 bits on every target. */
    ml->ports_in_place = ml->ports_are_pointers || t->port_size == 4;
    Vec *fields = &lc->fields, *segs = &lc->segs;
    fields->n = segs->n = 0;
    unsigned seg = 0, off = t->header_size;
    uint64_t max_extra = 0;

    if (reply) {
        Field *f = field_new(lc->mem, FK_RETCODE, "RetCode", 0);
        retcode_place(t, f, &off);
        vec_push(fields, f);
    }
    for (size_t i = 0; i < r->nargs; i++) {
        Arg *a = r->args[i];
        if (!(reply ? a->in_reply : a->in_request))
            continue;
        if (a->parent && a->kind != AK_COUNT)
            continue;
        Field *f = data_field(lc, ml, a, seg);
        place(t, f, &off);
        vec_push(fields, f);
        if (f->is_port && f->name_sent != MT_POLYMORPHIC)
            ml->complex_static = true;
        if (f->out_of_line)
            ml->complex_static = true;
        if (f->is_port && f->name_check != MT_POLYMORPHIC)
            ml->complex_check = true;
        if ((f->name_sent == MT_POLYMORPHIC && !f->out_of_line) || f->indefinite)
            ml->complex_poly = true;
        if (f->varying && !f->out_of_line) {
            /* The data's room is its bound; what follows starts a new segment. */
            max_extra += align_up(f->data_size, t->msg_align);
            f->end_off = f->data_off;
            vec_push(segs, (void *)(uintptr_t)f->data_off);
            seg++;
            off = 0;
        }
    }
    vec_push(segs, (void *)(uintptr_t)off);

    ml->nfields = fields->n;
    ml->fields = arena_alloc(lc->mem, ml->nfields * sizeof *ml->fields);
    if (ml->nfields)
        memcpy(ml->fields, fields->v, ml->nfields * sizeof *ml->fields);
    ml->nsegs = seg + 1;
    ml->seg_size = arena_alloc(lc->mem, ml->nsegs * sizeof *ml->seg_size);
    uint64_t min = 0;
    for (unsigned s = 0; s < ml->nsegs; s++) {
        ml->seg_size[s] = (unsigned)(uintptr_t)segs->v[s];
        min += ml->seg_size[s];
    }
    if (min + max_extra > 0x7ffff000u) {
        diag_error(d, r->loc, "the %s of '%s' can exceed the largest message (%llu bytes)",
                   reply ? "reply" : "request", r->name, (unsigned long long)(min + max_extra));
        max_extra = 0;
    }
    ml->min_size = (unsigned)min;
    ml->max_size = (unsigned)(min + max_extra);

    if (!reply) {
        Arg *rp = r->request_port;
        ml->msgh_bits_remote = rp ? (unsigned)rp->type->in_name : MT_COPY_SEND;
        Arg *lp = r->reply_port;
        if (lp && lp->kind != AK_SREPLYPORT)
            ml->msgh_bits_local = (unsigned)lp->type->in_name;
        else
            ml->msgh_bits_local = r->simple ? 0 : MT_MAKE_SEND_ONCE;
    }
    return ml;
}

void layout_module(Module *m, const Target *t, int tindex, Diag *d)
{
    LayoutCtx lc = { .t = t, .mem = &m->mem, .d = d };
    for (size_t i = 0; i < m->routines.n; i++) {
        Routine *r = m->routines.v[i];
        r->request[tindex] = layout_message(&lc, r, false, m->kernel_server, m->kernel_user);
        r->reply[tindex] = r->simple ? NULL : layout_message(&lc, r, true, m->kernel_server, m->kernel_user);
    }
}
