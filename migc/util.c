/* util.c: memory helpers and the growable vector; every failure to allocate ends the run. */
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

char *xsprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int len = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (len < 0) {
        fputs("migc: fatal: bad format string\n", stderr);
        exit(1);
    }
    char *p = xmalloc((size_t)len + 1);
    va_start(ap, fmt);
    vsnprintf(p, (size_t)len + 1, fmt, ap);
    va_end(ap);
    return p;
}

void vec_push(Vec *v, void *p)
{
    if (v->n == v->cap) {
        v->cap = v->cap ? v->cap * 2 : 8;
        v->v = xrealloc(v->v, v->cap * sizeof *v->v);
    }
    v->v[v->n++] = p;
}
