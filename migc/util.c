/* util.c: memory helpers and the growable vector; every failure to allocate ends the run. */
#define _GNU_SOURCE     /* strchrnul */
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
    size_t len = 0;
    while (len < n && s[len])
        len++;
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

/* V in BASE (10 or 16), at least WIDTH digits (zero-padded). */
static void sb_number(StrBuf *s, unsigned long long v, unsigned base, int width)
{
    char buf[24], *e = buf + sizeof buf, *p = e;
    do {
        *--p = "0123456789abcdef"[v % base];
        v /= base;
    } while (v);
    while (e - p < width)
        *--p = '0';
    sb_put(s, p, (size_t)(e - p));
}

/* Is every conversion of FMT one that sb_vformat() does itself?  The
   formats are string literals, so the answer is kept by address. */
static bool simple_format(const char *fmt)
{
    static const char *known[1024];
    size_t h = ((uintptr_t)fmt >> 2) % 1024;
    if (known[h] == fmt)
        return true;
    for (const char *p = strchr(fmt, '%'); p; p = strchr(p, '%')) {
        if (p[1] == 's' || p[1] == 'u' || p[1] == 'd' || p[1] == 'x')
            p += 2;
        else if (p[1] == '0' && p[2] == '8' && p[3] == 'x')
            p += 4;
        else if (strncmp(p + 1, "016llx", 6) == 0 || strncmp(p + 1, "lld", 3) == 0)
            p += p[1] == 'l' ? 4 : 7;
        else
            return false;
    }
    known[h] = fmt;
    return true;
}

/* vsnprintf was most of what formatting cost (half of migc's
   instructions once), so the common conversions are done here. */
void sb_vformat(StrBuf *s, const char *fmt, va_list ap)
{
    if (!simple_format(fmt)) {
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
    for (const char *p = fmt;;) {
        const char *q = strchrnul(p, '%');
        sb_put(s, p, (size_t)(q - p));
        if (!*q)
            return;
        switch (q[1]) {
        case 's': {
            const char *str = va_arg(ap, const char *);
            if (!str)
                str = "(null)";
            sb_put(s, str, strlen(str));
            break;
        }
        case 'u':
            sb_number(s, va_arg(ap, unsigned), 10, 1);
            break;
        case 'd': {
            int v = va_arg(ap, int);
            if (v < 0)
                sb_put(s, "-", 1);
            sb_number(s, v < 0 ? -(unsigned long long)v : (unsigned long long)v, 10, 1);
            break;
        }
        case 'x':
            sb_number(s, va_arg(ap, unsigned), 16, 1);
            break;
        case 'l': { /* %lld */
            long long v = va_arg(ap, long long);
            if (v < 0)
                sb_put(s, "-", 1);
            sb_number(s, v < 0 ? -(unsigned long long)v : (unsigned long long)v, 10, 1);
            p = q + 4;
            continue;
        }
        default:
            if (q[2] == '1') { /* %016llx */
                sb_number(s, va_arg(ap, unsigned long long), 16, 16);
                p = q + 7;
            } else { /* %08x */
                sb_number(s, va_arg(ap, unsigned), 16, 8);
                p = q + 4;
            }
            continue;
        }
        p = q + 2;
    }
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
        *m = g;     /* the old arrays are left to the end of the run, as every block */
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
