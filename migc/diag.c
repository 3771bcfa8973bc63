/* diag.c: diagnostics in the gcc style: `FILE:LINE:COL: error: MESSAGE`, the source line, a caret. */
#include <stdlib.h>

#include "migc.h"

enum { DEFAULT_MAX_ERRORS = 20 };

static FILE *diag_out(const Diag *d)
{
    return d && d->out ? d->out : stderr;
}

/* `FILE:LINE:COL: ` with the parts that are known; `migc: ` when no file is. */
static void print_position(FILE *f, Loc loc)
{
    if (!loc.file) {
        fputs("migc: ", f);
        return;
    }
    fputs(loc.file, f);
    if (loc.line > 0) {
        fprintf(f, ":%d", loc.line);
        if (loc.col > 0)
            fprintf(f, ":%d", loc.col);
    }
    fputs(": ", f);
}

/* The source line, then a caret under column loc.col.  Tabs before the
   column are repeated as tabs so the caret lines up whatever the tab width. */
static void print_source_line(FILE *f, Loc loc)
{
    if (!loc.text)
        return;
    const char *end = loc.text;
    while (*end && *end != '\n')
        end++;
    fprintf(f, "%.*s\n", (int)(end - loc.text), loc.text);
    if (loc.col <= 0)
        return;
    for (int i = 0; i < loc.col - 1; i++)
        fputc(loc.text + i < end && loc.text[i] == '\t' ? '\t' : ' ', f);
    fputs("^\n", f);
}

static void report(Diag *d, Loc loc, const char *kind, const char *fmt, va_list ap)
{
    FILE *f = diag_out(d);
    print_position(f, loc);
    fprintf(f, "%s: ", kind);
    vfprintf(f, fmt, ap);
    fputc('\n', f);
    print_source_line(f, loc);
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
