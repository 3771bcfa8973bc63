/* fuzz_frontend.c: a libFuzzer target for migc's front end and emitters.
 *
 * The input bytes are taken as preprocessed .defs text (what cpp hands the
 * compiler).  They go through the whole pipeline short of the driver: parse,
 * model, layout for both targets, then every emitter for both targets, all
 * output going to /dev/null.  Diagnostics go to /dev/null too.
 *
 * The compiler never frees what it allocates (everything lives until exit).
 * Under libFuzzer that would grow by megabytes a second, so migc/util.c is
 * compiled with -Dcalloc=fuzz_calloc -Drealloc=fuzz_realloc: every block
 * xmalloc/xrealloc hands out is chained on a list here and freed after each
 * input.  (The compiler outside driver.c calls neither free nor malloc
 * directly; if it ever frees an xmalloc'd block, ASan reports a bad free.)
 * Still run with -detect_leaks=0 (and ASAN_OPTIONS=detect_leaks=0): flex and
 * bison's own allocations are theirs to free.
 *
 * diag_fatal exits the process; that only happens on out-of-memory.
 * diag_error exits after max_errors errors, so max_errors is set out of
 * reach.
 *
 * Build and run: fuzz/run.sh (see there for the compiler flags).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "migc.h"

/* ------------------------------------------------------------------ */
/* util.c's calloc and realloc: blocks chained so they can be freed.   */

typedef union Block {
    struct { union Block *prev, *next; } l;
    max_align_t align;      /* keeps the payload aligned as malloc's */
} Block;

static Block live = { .l = { &live, &live } };

static void chain(Block *b)
{
    b->l.prev = &live;
    b->l.next = live.l.next;
    live.l.next->l.prev = b;
    live.l.next = b;
}

static void unchain(Block *b)
{
    b->l.prev->l.next = b->l.next;
    b->l.next->l.prev = b->l.prev;
}

void *fuzz_calloc(size_t n, size_t size);
void *fuzz_realloc(void *p, size_t n);

void *fuzz_calloc(size_t n, size_t size)
{
    if (size && n > (SIZE_MAX - sizeof(Block)) / size)
        return NULL;
    Block *b = calloc(1, sizeof(Block) + n * size);
    if (!b)
        return NULL;
    chain(b);
    return b + 1;
}

void *fuzz_realloc(void *p, size_t n)
{
    if (!p)
        return fuzz_calloc(1, n);
    if (n > SIZE_MAX - sizeof(Block))
        return NULL;
    Block *old = (Block *)p - 1;
    unchain(old);
    Block *b = realloc(old, sizeof(Block) + n);
    if (!b) {
        chain(old);
        return NULL;
    }
    chain(b);
    return b + 1;
}

static void free_all(void)
{
    while (live.l.next != &live) {
        Block *b = live.l.next;
        unchain(b);
        free(b);
    }
    util_forget();
}

static FILE *devnull(void)
{
    static FILE *f;
    if (!f) {
        f = fopen("/dev/null", "w");
        if (!f) {
            perror("fuzz_frontend: /dev/null");
            abort();
        }
    }
    return f;
}

static void run(Ctx *c);

static void emit_all(Ctx *c, const Target *t, int tindex)
{
    c->opt->target = t;
    Arena tmp = { 0 };
    Out o = {
        .f = devnull(), .t = t, .tindex = tindex, .m = c->mod, .opt = c->opt,
        .header_name = "fuzz.h", .tmp = &tmp,
    };
    emit_user(&o, NULL);
    emit_server(&o);
    emit_user_header(&o);
    emit_server_header(&o);
    emit_inline_header(&o);
    emit_msgids(&o);
    emit_describe(&o);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static Options opt;
    Ctx c = { .opt = &opt, .input_name = "fuzz.defs" };
    c.diag.out = devnull();
    c.diag.max_errors = 1 << 30;

    /* The scanner expects a NUL-terminated buffer. */
    c.text = xmalloc(size + 1);
    if (size)
        memcpy(c.text, data, size);
    c.text[size] = '\0';
    c.text_len = size;

    run(&c);
    fflush(devnull());
    free_all();
    return 0;
}

/* The compiler's pipeline, then every output for both targets. */
static void run(Ctx *c)
{
    c->opt->target = &target_x86_64_gnu;
    c->mod = xmalloc(sizeof(Module));
    parse_module(c);
    if (c->diag.errors)
        return;
    model_finish(c);
    if (c->diag.errors)
        return;
    layout_module(c->mod, &target_x86_64_gnu, 0, &c->diag);
    layout_module(c->mod, &target_i686_gnu, 1, &c->diag);
    if (c->diag.errors)
        return;

    emit_all(c, &target_x86_64_gnu, 0);
    emit_all(c, &target_i686_gnu, 1);
}
