/* tap.h: minimal TAP output for the loopback runtime's test programs. */
#ifndef LB_TAP_H
#define LB_TAP_H

#include <stdio.h>

#include "loopback.h"

static int tap_count, tap_failed;

/* One test point: ok N - WHAT, or not ok N - WHAT # DETAIL. */
#define TAP_OK(cond, ...) tap_ok_((cond) ? 1 : 0, __FILE__, __LINE__, #cond, __VA_ARGS__)

static void tap_ok_(int ok, const char *file, int line, const char *expr,
		    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

#include <stdarg.h>

static void tap_ok_(int ok, const char *file, int line, const char *expr,
		    const char *fmt, ...)
{
	va_list ap;

	printf("%sok %d - ", ok ? "" : "not ", ++tap_count);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	if (!ok) {
		printf(" # %s:%d: %s", file, line, expr);
		tap_failed++;
	}
	printf("\n");
	fflush(stdout);
}

/* A test point comparing two Mach return codes, printing both by name. */
#define TAP_KR(got, want, ...) tap_kr_((got), (want), __FILE__, __LINE__, __VA_ARGS__)

static void tap_kr_(kern_return_t got, kern_return_t want, const char *file,
		    int line, const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void tap_kr_(kern_return_t got, kern_return_t want, const char *file,
		    int line, const char *fmt, ...)
{
	va_list ap;
	const char *g = lb_strerror(got), *w = lb_strerror(want);

	printf("%sok %d - ", got == want ? "" : "not ", ++tap_count);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	if (got != want) {
		printf(" # %s:%d: expected %s (%#x) got %s (%#x)", file, line,
		       w ? w : "?", (unsigned) want, g ? g : "?", (unsigned) got);
		tap_failed++;
	}
	printf("\n");
	fflush(stdout);
}

static int tap_done(void)
{
	printf("1..%d\n", tap_count);
	return tap_failed ? 1 : 0;
}

#endif
