/* diag.c: diagnostics in the gcc style: `FILE:LINE:COL: error: MESSAGE`, the source line, a caret.
 *
 * The lexer's positions are in cpp's output, which collapses spaces, drops
 * comments and expands macros.  Where the file a line marker names can be
 * read, the position is mapped back to the user's own line, which is then
 * the one quoted; when the two lines do not agree up to the position (a
 * macro expanded there, a line spliced with a backslash), cpp's line and
 * column are reported as they are. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "migc.h"

enum {
    DEFAULT_MAX_ERRORS = 20,
    MAX_SOURCE_BYTES = 64 << 20,   /* a larger "source" is not read to quote it */
    QUOTE_WIDTH = 160,             /* quoted lines are cut to this many columns */
};

static FILE *diag_out(const Diag *d)
{
    return d && d->out ? d->out : stderr;
}

/* ------------------------------------------------------------------ */
/* The user's files.                                                   */

/* A file named by a line marker, read once. */
typedef struct Source {
    const char *name;
    char *text;                 /* its bytes, NUL-terminated; NULL: not readable */
    size_t len;
    size_t nlines;
    size_t *line_at;            /* offset of each line's first byte */
    unsigned char *in_comment;  /* each line starts inside a block comment */
} Source;

/* Reads a regular file of at most MAX_SOURCE_BYTES (never a device or a
   pipe, which a line marker may name too: they could block or not end). */
static char *read_source(const char *name, size_t *lenp)
{
    int fd = open(name, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    struct stat st;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > MAX_SOURCE_BYTES) {
        close(fd);
        return NULL;
    }
    size_t cap = (size_t)st.st_size + 1, len = 0;
    char *buf = xmalloc(cap + 1);
    for (;;) {
        if (len == cap) {
            if (cap > MAX_SOURCE_BYTES) {   /* grew while being read */
                close(fd);
                return NULL;
            }
            buf = xrealloc(buf, (cap *= 2) + 1);
        }
        ssize_t got = read(fd, buf + len, cap - len);
        if (got == 0)
            break;
        if (got < 0) {
            if (errno == EINTR)
                continue;
            close(fd);
            return NULL;
        }
        len += (size_t)got;
    }
    close(fd);
    buf[len] = '\0';
    *lenp = len;
    return buf;
}

/* Where each line starts, and whether it starts inside a block comment
   (as cpp reads C: comments neither in strings nor in character constants). */
static void index_lines(Source *s)
{
    size_t n = 1;
    for (size_t i = 0; i < s->len; i++)
        n += s->text[i] == '\n';
    s->line_at = xmalloc(n * sizeof *s->line_at);
    s->in_comment = xmalloc(n);
    enum { CODE, BLOCK, LINE, STRING, CHAR } st = CODE;
    const char *t = s->text;
    s->line_at[0] = 0;
    s->in_comment[0] = 0;
    s->nlines = 1;
    for (size_t i = 0; i < s->len; i++) {
        char ch = t[i];
        if (ch == '\n') {
            bool spliced = i > 0 && t[i - 1] == '\\';
            if ((st == LINE || st == STRING || st == CHAR) && !spliced)
                st = CODE;
            s->line_at[s->nlines] = i + 1;
            s->in_comment[s->nlines++] = st == BLOCK;
            continue;
        }
        switch (st) {
        case CODE:
            if (ch == '/' && t[i + 1] == '*')
                st = BLOCK, i++;
            else if (ch == '/' && t[i + 1] == '/')
                st = LINE, i++;
            else if (ch == '"')
                st = STRING;
            else if (ch == '\'')
                st = CHAR;
            break;
        case BLOCK:
            if (ch == '*' && t[i + 1] == '/')
                st = CODE, i++;
            break;
        case LINE:
            break;
        case STRING:
        case CHAR:
            if (ch == '\\' && t[i + 1] != '\n' && t[i + 1] != '\0')
                i++;
            else if (ch == (st == STRING ? '"' : '\''))
                st = CODE;
            break;
        }
    }
}

static Source *source_get(Diag *d, const char *name)
{
    for (size_t i = 0; i < d->sources.n; i++) {
        Source *s = d->sources.v[i];
        if (strcmp(s->name, name) == 0)
            return s;
    }
    Source *s = xmalloc(sizeof *s);
    s->name = name;
    s->text = read_source(name, &s->len);
    if (s->text)
        index_lines(s);
    vec_push(&d->sources, s);
    return s;
}

/* ------------------------------------------------------------------ */
/* Mapping cpp's column to the user's.                                 */

/* Decodes one UTF-8 sequence at p (at most end - p bytes); its length, 0 if
   it is not valid UTF-8 (overlong forms and surrogates included). */
static size_t utf8_decode(const char *p, const char *end, uint32_t *cp)
{
    const unsigned char *u = (const unsigned char *)p;
    size_t n = (size_t)(end - p);
    if (n == 0)
        return 0;
    if (u[0] < 0x80) {
        *cp = u[0];
        return 1;
    }
    size_t len = u[0] >= 0xf0 && u[0] <= 0xf4 ? 4 : u[0] >= 0xe0 ? 3 : u[0] >= 0xc2 && u[0] < 0xe0 ? 2 : 0;
    if (len == 0 || len > n || (len == 3 && u[0] > 0xef))
        return 0;
    uint32_t c = u[0] & (0x7f >> len);
    for (size_t i = 1; i < len; i++) {
        if ((u[i] & 0xc0) != 0x80)
            return 0;
        c = c << 6 | (u[i] & 0x3f);
    }
    static const uint32_t least[5] = { 0, 0, 0x80, 0x800, 0x10000 };
    if (c < least[len] || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
        return 0;
    *cp = c;
    return len;
}

/* A universal character name at p (`\uXXXX` or `\UXXXXXXXX`), as cpp
   writes a non-ASCII letter of an identifier; its length, 0 if none. */
size_t diag_ucn(const char *p, const char *end, uint32_t *cp)
{
    if (end - p < 2 || p[0] != '\\' || (p[1] != 'u' && p[1] != 'U'))
        return 0;
    size_t digits = p[1] == 'u' ? 4 : 8;
    if ((size_t)(end - p) < 2 + digits)
        return 0;
    uint32_t c = 0;
    for (size_t i = 2; i < 2 + digits; i++) {
        char h = p[i];
        int v = h >= '0' && h <= '9' ? h - '0' : (h | 0x20) >= 'a' && (h | 0x20) <= 'f' ? (h | 0x20) - 'a' + 10 : -1;
        if (v < 0)
            return 0;
        c = c << 4 | (uint32_t)v;
    }
    if (c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
        return 0;
    *cp = c;
    return 2 + digits;
}

/* Walks the significant characters of one line: what is left once
   whitespace outside strings and comments are dropped.  A character is a
   code point, spelt as a byte, a UTF-8 sequence or a universal character
   name, so that cpp's `\U000000e9` meets the user's `é`. */
typedef struct Walk {
    const char *p, *end;
    enum { W_CODE, W_COMMENT, W_STRING, W_CHAR } st;
    bool escaped;           /* in a string, after a backslash */
} Walk;

typedef struct Unit {
    const char *start, *end;
    uint32_t cp;
} Unit;

static bool walk_next(Walk *w, Unit *u)
{
    while (w->p < w->end) {
        const char *p = w->p;
        char ch = *p;
        if (w->st == W_COMMENT) {
            if (ch == '*' && p + 1 < w->end && p[1] == '/')
                w->st = W_CODE, w->p++;
            w->p++;
            continue;
        }
        if (w->st == W_CODE) {
            if (ch == ' ' || ch == '\t' || ch == '\f' || ch == '\v' || ch == '\r') {
                w->p++;
                continue;
            }
            if (ch == '/' && p + 1 < w->end && p[1] == '*') {
                w->st = W_COMMENT;
                w->p += 2;
                continue;
            }
            if (ch == '/' && p + 1 < w->end && p[1] == '/') {
                w->p = w->end;
                return false;
            }
        }
        size_t len = 0;
        if (w->st == W_CODE)
            len = diag_ucn(p, w->end, &u->cp);
        if (!len)
            len = utf8_decode(p, w->end, &u->cp);
        if (!len) {
            len = 1;
            u->cp = 0x110000 + (unsigned char)ch;   /* a byte that is not UTF-8: only equals itself */
        }
        if (w->st == W_CODE && (ch == '"' || ch == '\''))
            w->st = ch == '"' ? W_STRING : W_CHAR;
        else if (w->st == W_STRING || w->st == W_CHAR) {
            if (w->escaped)
                w->escaped = false;
            else if (ch == '\\')
                w->escaped = true;
            else if (ch == (w->st == W_STRING ? '"' : '\''))
                w->st = W_CODE;
        }
        u->start = p;
        u->end = p + len;
        w->p = u->end;
        return true;
    }
    return false;
}

static bool is_word_unit(const Unit *u)
{
    uint32_t c = u->cp;
    return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') || c == '_' ||
           (c >= 0x80 && c < 0x110000);
}

/* The byte offset in the user's line [ul, uend) of what sits at offset
   `at` of cpp's line [cl, cend); -1 when the two lines do not agree up to
   there and through the word found there (a macro expanded, a line
   spliced, a different file). */
static long map_offset(const char *cl, const char *cend, size_t at,
                       const char *ul, const char *uend, bool in_comment)
{
    if (!in_comment && cend - cl == uend - ul && memcmp(cl, ul, (size_t)(cend - cl)) == 0)
        return (long)at;
    Walk wc = { cl, cend, W_CODE, false }, wu = { ul, uend, in_comment ? W_COMMENT : W_CODE, false };
    const char *target = cl + at;
    Unit c, u;
    for (;;) {
        if (!walk_next(&wc, &c) || c.start > target || !walk_next(&wu, &u) || c.cp != u.cp)
            return -1;
        if (c.start == target)
            break;
    }
    long found = (long)(u.start - ul);
    /* The whole word at the position must be the same: `foo` expanded to
       `foo_t` is not the user's `foo`. */
    while (is_word_unit(&c)) {
        Unit c2, u2;
        bool more_c = walk_next(&wc, &c2) && c2.start == c.end && is_word_unit(&c2);
        bool more_u = walk_next(&wu, &u2) && u2.start == u.end && is_word_unit(&u2);
        if (more_c != more_u || (more_c && c2.cp != u2.cp))
            return -1;
        if (!more_c)
            break;
        c = c2, u = u2;
    }
    return found;
}

/* The line to quote, [loc.text, *end), and the column to report for loc:
   the user's own line when loc maps onto it, else cpp's. */
static Loc user_loc(Diag *d, Loc loc, const char **end)
{
    *end = NULL;
    if (!loc.text)
        return loc;
    const char *cend = loc.text + strcspn(loc.text, "\n");
    *end = cend;
    if (!loc.file || loc.line <= 0 || loc.col <= 0 || (size_t)(loc.col - 1) > (size_t)(cend - loc.text))
        return loc;
    Source *s = source_get(d, loc.file);
    if (!s->text || (size_t)loc.line > s->nlines)
        return loc;
    size_t n = (size_t)loc.line - 1;
    const char *ul = s->text + s->line_at[n];
    const char *uend = n + 1 < s->nlines ? s->text + s->line_at[n + 1] - 1 : s->text + s->len;
    if (uend > ul && uend[-1] == '\r')
        uend--;   /* a CRLF file: cpp's line has no CR either */
    long off = map_offset(loc.text, cend, (size_t)(loc.col - 1), ul, uend, s->in_comment[n]);
    if (off < 0 || off >= 1 << 30)
        return loc;
    loc.text = ul;
    loc.col = (int)off + 1;
    *end = uend;
    return loc;
}

/* ------------------------------------------------------------------ */
/* Printing.                                                           */

/* How a byte sequence at p shows on a terminal: printable UTF-8 as it is,
   a tab as a tab, anything else as \xNN per byte.  Appends it to out (when
   not NULL); returns its length in bytes, and its width in columns in *cols. */
static size_t show_one(StrBuf *out, const char *p, const char *end, int *cols)
{
    uint32_t cp;
    size_t len = utf8_decode(p, end, &cp);
    if (len && (cp == '\t' || (cp >= 0x20 && cp != 0x7f && !(cp >= 0x80 && cp < 0xa0)))) {
        if (out)
            sb_put(out, p, len);
        *cols = 1;
        return len;
    }
    if (out) {
        static const char hex[] = "0123456789abcdef";
        unsigned char b = (unsigned char)*p;
        char esc[4] = { '\\', 'x', hex[b >> 4], hex[b & 15] };
        sb_put(out, esc, 4);
    }
    *cols = 4;
    return 1;
}

/* Appends s with what a terminal should not see escaped. */
static void put_escaped(StrBuf *out, const char *s)
{
    const char *end = s + strlen(s);
    int cols;
    while (s < end)
        s += show_one(out, s, end, &cols);
}

/* The source line [loc.text, end), then a caret under column loc.col.
   Tabs before the column are repeated as tabs so the caret lines up
   whatever the tab width; a line too wide is cut around the caret. */
static void put_source_line(StrBuf *out, Loc loc, const char *end)
{
    if (!loc.text)
        return;
    const char *caret = loc.col > 0 && loc.col - 1 <= end - loc.text ? loc.text + loc.col - 1 : NULL;
    /* The window: from `from`, at most QUOTE_WIDTH columns, the caret inside. */
    const char *from = loc.text;
    int width = 0, cols;
    for (const char *p = loc.text; caret && p < caret; width += cols)
        p += show_one(NULL, p, end, &cols);
    while (width > QUOTE_WIDTH / 2) {
        from += show_one(NULL, from, end, &cols);
        width -= cols;
    }
    const char *to = from;
    for (int w = 0; to < end; w += cols) {
        size_t len = show_one(NULL, to, end, &cols);
        if (w + cols > QUOTE_WIDTH)
            break;
        to += len;
    }
    if (from > loc.text)
        sb_put(out, "...", 3);
    for (const char *p = from; p < to;)
        p += show_one(out, p, to, &cols);
    if (to < end)
        sb_put(out, "...", 3);
    sb_put(out, "\n", 1);
    if (!caret)
        return;
    if (from > loc.text)
        sb_put(out, "   ", 3);
    for (const char *p = from; p < caret;) {
        size_t len = show_one(NULL, p, end, &cols);
        for (int i = 0; i < cols; i++)
            sb_put(out, *p == '\t' ? "\t" : " ", 1);
        p += len;
    }
    sb_put(out, "^\n", 2);
}

/* `FILE:LINE:COL: ` with the parts that are known; `migc: ` when no file is. */
static void put_position(StrBuf *out, Loc loc)
{
    if (!loc.file) {
        sb_put(out, "migc: ", 6);
        return;
    }
    put_escaped(out, loc.file);
    char num[32];
    if (loc.line > 0) {
        sb_put(out, num, (size_t)snprintf(num, sizeof num, ":%d", loc.line));
        if (loc.col > 0)
            sb_put(out, num, (size_t)snprintf(num, sizeof num, ":%d", loc.col));
    }
    sb_put(out, ": ", 2);
}

/* One diagnostic, formatted whole and written at once (stderr is not
   buffered: a write per character was most of the time of a file with
   thousands of warnings). */
static void report(Diag *d, Loc loc, const char *kind, const char *fmt, va_list ap)
{
    StrBuf *msg = &d->msg, *out = &d->text;
    msg->n = out->n = 0;
    sb_vformat(msg, fmt, ap);
    sb_put(msg, "", 1);
    const char *end;
    loc = user_loc(d, loc, &end);
    put_position(out, loc);
    put_escaped(out, kind);
    sb_put(out, ": ", 2);
    put_escaped(out, msg->b);
    sb_put(out, "\n", 1);
    put_source_line(out, loc, end);
    FILE *f = diag_out(d);
    fwrite(out->b, 1, out->n, f);
    fflush(f);
}

void diag_error(Diag *d, Loc loc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    report(d, loc, "error", fmt, ap);
    va_end(ap);
    d->drop_notes = false;
    d->errors++;
    int max = d->max_errors > 0 ? d->max_errors : DEFAULT_MAX_ERRORS;
    if (d->errors >= max) {
        fputs("migc: too many errors\n", diag_out(d));
        exit(1);
    }
}

void diag_warn(Diag *d, Loc loc, const char *fmt, ...)
{
    d->warnings++;
    d->drop_notes = d->quiet;
    if (d->quiet)
        return;
    va_list ap;
    va_start(ap, fmt);
    report(d, loc, "warning", fmt, ap);
    va_end(ap);
}

void diag_note(Diag *d, Loc loc, const char *fmt, ...)
{
    if (d->drop_notes)
        return;
    va_list ap;
    va_start(ap, fmt);
    report(d, loc, "note", fmt, ap);
    va_end(ap);
}

void diag_fatal(Diag *d, const char *fmt, ...)
{
    FILE *f = diag_out(d);
    va_list ap;
    va_start(ap, fmt);
    fputs("migc: fatal: ", f);
    vfprintf(f, fmt, ap);
    fputc('\n', f);
    va_end(ap);
    exit(1);
}
