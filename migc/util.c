/* util.c: memory helpers and the growable vector; every failure to allocate ends the run. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "migc.h"

static void out_of_memory(void)
{
    fputs("migc: fatal: out of memory\n", stderr);
    exit(1);
}

void *xmalloc(size_t n)
{
    /* calloc(1, 0) may return NULL legitimately; ask for one byte instead. */
    void *p = calloc(1, n ? n : 1);
    if (!p)
        out_of_memory();
    return p;
}

void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        out_of_memory();
    return q;
}

/* Copies of at most N bytes of S that are never freed (the lexer's
   identifiers and strings), cut from large blocks: a malloc each was a
   twentieth of migc's instructions. */
static char *kept_next, *kept_end;
static StrBuf scratch;      /* xsprintf's */

char *xstrndup_kept(const char *s, size_t n)
{
    const char *nul = memchr(s, '\0', n);
    size_t len = nul ? (size_t)(nul - s) : n;
    if ((size_t)(kept_end - kept_next) < len + 1) {
        size_t size = len + 1 > 16384 ? len + 1 : 16384;
        kept_next = xrealloc(NULL, size);
        kept_end = kept_next + size;
    }
    char *p = kept_next;
    memcpy(p, s, len);
    p[len] = '\0';
    kept_next += len + 1;
    return p;
}

/* Forgets the blocks the two functions above keep (for a caller that has
   freed every block: the front-end fuzzer, between inputs). */
void util_forget(void)
{
    kept_next = kept_end = NULL;
    scratch = (StrBuf){ 0 };
}

char *xstrdup(const char *s)
{
    return xstrndup(s, strlen(s));
}

/* Copies at most n bytes of s, stopping early at a NUL. */
char *xstrndup(const char *s, size_t n)
{
    size_t len = 0;
    while (len < n && s[len])
        len++;
    char *p = xmalloc(len + 1);
    memcpy(p, s, len);
    p[len] = '\0';
    return p;
}

/* Room for N more bytes and a NUL. */
void sb_grow(StrBuf *s, size_t n)
{
    size_t cap = s->cap ? s->cap * 2 : 256;
    while (cap < s->n + n + 1)
        cap *= 2;
    s->b = xrealloc(s->b, cap);
    s->cap = cap;
}

/* ---- formatting ---- */

/* The conversions sb_vformat() does itself. */
enum { CV_S, CV_U, CV_D, CV_X, CV_X08, CV_LLX016, CV_LLD };

#define FMT_CONVS 15            /* formats with more go to vsnprintf */
#define FMT_SLOTS 1024          /* formats kept parsed (the emitters use a few hundred) */

/* A format parsed once: its literal pieces and conversions in order, piece
   i before conversion i, the last piece after the last conversion. */
typedef struct Fmt {
    const char *fmt;                    /* the format (NULL: a free slot) */
    unsigned char nconv;
    unsigned char conv[FMT_CONVS];      /* CV_* */
    uint16_t off[FMT_CONVS + 1];        /* where each piece starts in fmt */
    uint16_t len[FMT_CONVS + 1];        /* and its length */
    unsigned reserve;                   /* room enough for the pieces and the numbers */
} Fmt;

/* The formats are string literals (the emitters' and diagnostics'), so
   they are kept by address.  Parsing each on every call (strchrnul and a
   memcpy per piece) was a tenth of the compiler's instructions. */
static Fmt fmt_cache[FMT_SLOTS];

/* Parses FMT into F; false when some conversion is not one of ours, or
   the format is too long or has too many. */
static bool fmt_parse(Fmt *f, const char *fmt)
{
    unsigned n = 0, total = 0;
    const char *p = fmt, *q;
    for (;;) {
        q = strchr(p, '%');
        size_t len = q ? (size_t)(q - p) : strlen(p);
        if ((size_t)(p - fmt) + len > UINT16_MAX)
            return false;
        f->off[n] = (uint16_t)(p - fmt);
        f->len[n] = (uint16_t)len;
        total += (unsigned)len;
        if (!q)
            break;
        if (n == FMT_CONVS)
            return false;
        int cv;
        size_t skip = 2;
        switch (q[1]) {
        case 's': cv = CV_S; break;
        case 'u': cv = CV_U; break;
        case 'd': cv = CV_D; break;
        case 'x': cv = CV_X; break;
        default:
            if (strncmp(q + 1, "08x", 3) == 0)
                cv = CV_X08, skip = 4;
            else if (strncmp(q + 1, "016llx", 6) == 0)
                cv = CV_LLX016, skip = 7;
            else if (strncmp(q + 1, "lld", 3) == 0)
                cv = CV_LLD, skip = 4;
            else
                return false;
        }
        f->conv[n++] = (unsigned char)cv;
        p = q + skip;
    }
    f->nconv = (unsigned char)n;
    f->reserve = total + 24 * n;        /* a number takes at most 20 digits and a sign */
    f->fmt = fmt;
    return true;
}

/* FMT parsed, or NULL when sb_vformat() leaves it to vsnprintf. */
static const Fmt *fmt_lookup(const char *fmt)
{
    size_t h = ((uintptr_t)fmt >> 3) % FMT_SLOTS;
    for (unsigned probe = 0; probe < 8; probe++, h = (h + 1) % FMT_SLOTS) {
        Fmt *f = &fmt_cache[h];
        if (f->fmt == fmt)
            return f;
        if (!f->fmt)
            return fmt_parse(f, fmt) ? f : NULL;
    }
    static Fmt spare;   /* the table is crowded: parsed each time */
    return fmt_parse(&spare, fmt) ? &spare : NULL;
}

/* The first and the last W bytes of the N at S (W <= N <= 2 W) to D: two
   loads and two stores, which may overlap. */
static inline void put_ends(char *d, const char *s, size_t n, size_t w)
{
    char a[8], b[8];
    memcpy(a, s, w);
    memcpy(b, s + n - w, w);
    memcpy(d, a, w);
    memcpy(d + n - w, b, w);
}

/* Copies N bytes without a call for the short pieces formats are made of. */
static inline char *put_bytes(char *d, const char *s, size_t n)
{
    if (n >= 16)
        memcpy(d, s, n);
    else if (n >= 8)
        put_ends(d, s, n, 8);
    else if (n >= 4)
        put_ends(d, s, n, 4);
    else if (n >= 2)
        put_ends(d, s, n, 2);
    else if (n)
        *d = *s;
    return d + n;
}

static char *put_dec(char *d, unsigned long long v)
{
    if (v < 10) {
        *d = (char)('0' + v);
        return d + 1;
    }
    char buf[20], *e = buf + sizeof buf, *p = e;
    do {
        *--p = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    return put_bytes(d, p, (size_t)(e - p));
}

/* V in hexadecimal, at least WIDTH digits (zero-padded). */
static char *put_hex(char *d, unsigned long long v, int width)
{
    char buf[16], *e = buf + sizeof buf, *p = e;
    do {
        *--p = "0123456789abcdef"[v & 15];
        v >>= 4;
    } while (v);
    while (e - p < width)
        *--p = '0';
    return put_bytes(d, p, (size_t)(e - p));
}

static char *put_signed(char *d, long long v)
{
    if (v < 0)
        *d++ = '-';
    return put_dec(d, v < 0 ? -(unsigned long long)v : (unsigned long long)v);
}

/* vsnprintf was most of what formatting cost (half of migc's
   instructions once), so the common conversions are done here, from the
   format parsed once (fmt_lookup). */
void sb_vformat(StrBuf *s, const char *fmt, va_list ap)
{
    const Fmt *f = fmt_lookup(fmt);
    if (!f) {
        va_list aq;
        va_copy(aq, ap);
        int len = vsnprintf(NULL, 0, fmt, aq);
        va_end(aq);
        if (len < 0) {
            fputs("migc: fatal: bad format string\n", stderr);
            exit(1);
        }
        if (s->n + (size_t)len + 1 > s->cap)
            sb_grow(s, (size_t)len);
        vsnprintf(s->b + s->n, (size_t)len + 1, fmt, ap);
        s->n += (size_t)len;
        return;
    }
    if (s->n + f->reserve + 1 > s->cap)
        sb_grow(s, f->reserve);
    char *d = s->b + s->n;
    for (unsigned i = 0; i < f->nconv; i++) {
        d = put_bytes(d, fmt + f->off[i], f->len[i]);
        switch (f->conv[i]) {
        case CV_S: {
            const char *str = va_arg(ap, const char *);
            if (!str)
                str = "(null)";
            size_t len = strlen(str);
            /* Room for the string and for all of the format still. */
            if ((size_t)(d - s->b) + len + f->reserve + 1 > s->cap) {
                s->n = (size_t)(d - s->b);
                sb_grow(s, len + f->reserve);
                d = s->b + s->n;
            }
            d = put_bytes(d, str, len);
            break;
        }
        case CV_U:
            d = put_dec(d, va_arg(ap, unsigned));
            break;
        case CV_D:
            d = put_signed(d, va_arg(ap, int));
            break;
        case CV_X:
            d = put_hex(d, va_arg(ap, unsigned), 1);
            break;
        case CV_X08:
            d = put_hex(d, va_arg(ap, unsigned), 8);
            break;
        case CV_LLX016:
            d = put_hex(d, va_arg(ap, unsigned long long), 16);
            break;
        case CV_LLD:
            d = put_signed(d, va_arg(ap, long long));
            break;
        }
    }
    d = put_bytes(d, fmt + f->off[f->nconv], f->len[f->nconv]);
    s->n = (size_t)(d - s->b);
}

char *xsprintf(const char *fmt, ...)
{
    /* Formatted in a buffer kept for the next call, then copied to a
       block of its size: one allocation a call. */
    va_list ap;
    va_start(ap, fmt);
    scratch.n = 0;
    sb_vformat(&scratch, fmt, ap);
    va_end(ap);
    sb_put(&scratch, "", 1);    /* the NUL */
    char *p = xrealloc(NULL, scratch.n);
    memcpy(p, scratch.b, scratch.n);
    return p;
}

/* ---- arenas ---- */

/* A block of an arena: its size, then its bytes. */
typedef struct ArenaBlock {
    struct ArenaBlock *prev;    /* the block filled before this one */
    size_t size;                /* bytes after this header */
    max_align_t align[];        /* (the bytes start aligned for any object) */
} ArenaBlock;

#define ARENA_BLOCK (64 * 1024)

/* A new current block with room for N bytes: a spare one when it is large
   enough, else a fresh one. */
static void arena_grow(Arena *a, size_t n)
{
    ArenaBlock *b = a->spare;
    if (b && b->size >= n)
        a->spare = b->prev;
    else {
        size_t size = n > ARENA_BLOCK ? n : ARENA_BLOCK;
        b = xrealloc(NULL, sizeof *b + size);
        b->size = size;
    }
    b->prev = a->block;
    a->block = b;
    a->next = (char *)b->align;
    a->end = a->next + b->size;
}

/* N bytes at a multiple of ALIGN (a power of two, at most max_align_t's),
   not cleared. */
static void *arena_raw(Arena *a, size_t n, size_t align)
{
    uintptr_t p = ((uintptr_t)a->next + align - 1) & ~(uintptr_t)(align - 1);
    if (!a->next || p > (uintptr_t)a->end || n > (uintptr_t)a->end - p) {
        arena_grow(a, n);
        p = (uintptr_t)a->next;
    }
    a->next = (char *)(p + n);
    return (void *)p;
}

/* What the compiler keeps in arenas is made of pointers, integers of up to
   64 bits and flags: aligned for those, not for max_align_t (16 bytes on
   x86_64, which would waste 8 a record on average). */
typedef union { void *p; int64_t i; double d; } ArenaAligned;

void *arena_alloc(Arena *a, size_t n)
{
    return memset(arena_raw(a, n, _Alignof(ArenaAligned)), 0, n);
}

char *arena_vsprintf(Arena *a, const char *fmt, va_list ap)
{
    scratch.n = 0;
    sb_vformat(&scratch, fmt, ap);
    sb_put(&scratch, "", 1);    /* the NUL */
    return memcpy(arena_raw(a, scratch.n, 1), scratch.b, scratch.n);
}

char *arena_sprintf(Arena *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *p = arena_vsprintf(a, fmt, ap);
    va_end(ap);
    return p;
}

/* What was allocated after M is given back: its blocks become spares, for
   the allocations that follow (nothing is returned to the C library, so
   the run's peak is the largest amount held at once). */
void arena_release(Arena *a, ArenaMark m)
{
    while (a->block != m.block) {
        ArenaBlock *b = a->block;
        a->block = b->prev;
        b->prev = a->spare;
        a->spare = b;
    }
    a->next = m.next;
    a->end = a->block ? (char *)a->block->align + a->block->size : NULL;
}

/* FNV-1a: short identifiers, no adversary to fear. */
static size_t map_hash(const char *key)
{
    uint64_t h = 14695981039346656037u;
    for (const unsigned char *p = (const unsigned char *)key; *p; p++)
        h = (h ^ *p) * 1099511628211u;
    return (size_t)h;
}

/* Linear probing; the table stays at most half full. */
static size_t map_slot(const StrMap *m, const char *key)
{
    size_t i = map_hash(key) & (m->cap - 1);
    while (m->keys[i] && strcmp(m->keys[i], key) != 0)
        i = (i + 1) & (m->cap - 1);
    return i;
}

void *map_get(const StrMap *m, const char *key)
{
    if (!m->cap)
        return NULL;
    size_t i = map_slot(m, key);
    return m->keys[i] ? m->vals[i] : NULL;
}

void map_put(StrMap *m, const char *key, void *val)
{
    if (2 * (m->n + 1) > m->cap) {
        StrMap g = { 0 };
        g.cap = m->cap ? m->cap * 2 : 64;
        g.keys = xmalloc(g.cap * sizeof *g.keys);
        g.vals = xmalloc(g.cap * sizeof *g.vals);
        for (size_t i = 0; i < m->cap; i++)
            if (m->keys[i]) {
                size_t j = map_slot(&g, m->keys[i]);
                g.keys[j] = m->keys[i];
                g.vals[j] = m->vals[i];
            }
        g.n = m->n;
        *m = g;     /* the old arrays are left to the end of the run, as every block
                       (the front-end fuzzer's allocator takes no free) */
    }
    size_t i = map_slot(m, key);
    if (!m->keys[i]) {
        m->keys[i] = key;
        m->n++;
    }
    m->vals[i] = val;
}

void vec_push(Vec *v, void *p)
{
    if (v->n == v->cap) {
        v->cap = v->cap ? v->cap * 2 : 8;
        v->v = xrealloc(v->v, v->cap * sizeof *v->v);
    }
    v->v[v->n++] = p;
}
