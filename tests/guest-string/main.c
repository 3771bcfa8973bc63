/* main.c: tests/guest-string.test's program: the guest runtime's string
 * functions (runtime/guest/string.c, renamed gs_*) against the C library's,
 * for every alignment of source and destination, lengths around the word
 * sizes, and overlaps (TAP on stdout). */
#include <stdio.h>
#include <string.h>

void *gs_memcpy(void *dst, const void *src, size_t n);
void *gs_memmove(void *dst, const void *src, size_t n);
void *gs_memset(void *dst, int c, size_t n);
int gs_memcmp(const void *a, const void *b, size_t n);

enum { ROOM = 4096 + 256 };
static unsigned char src[ROOM], got[ROOM], want[ROOM];
static const size_t lens[] = { 0, 1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 23, 24, 31, 32, 33, 39, 40, 47, 48,
			       63, 64, 65, 95, 96, 127, 128, 129, 255, 1000, 4096, 4101 };
#define NLENS (sizeof lens / sizeof lens[0])

static void fill(unsigned char *p, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (unsigned char)(seed + i * 7 + (i >> 8));
}

static int sign(int v)
{
	return (v > 0) - (v < 0);
}

static int n_point;
static void point(int bad, long cases, const char *what, const char *first)
{
	printf("%sok %d - %s: %ld cases%s%s\n", bad ? "not " : "", ++n_point, what, cases, bad ? " # first wrong: " : "",
	       bad ? first : "");
}

int main(void)
{
	char first[160] = "";
	long cases = 0;
	int bad = 0;

	for (size_t l = 0; l < NLENS; l++)
		for (size_t so = 0; so < 16; so++)
			for (size_t d = 0; d < 16; d++, cases++) {
				size_t n = lens[l];
				fill(src, sizeof src, (unsigned)(l + so));
				fill(got, sizeof got, 0x5a);
				memcpy(want, got, sizeof want);
				void *r = gs_memcpy(got + 64 + d, src + so, n);
				memcpy(want + 64 + d, src + so, n);
				if ((r != got + 64 + d || memcmp(got, want, sizeof got)) && !bad++)
					snprintf(first, sizeof first, "length %zu, source offset %zu, destination offset %zu", n, so, d);
			}
	point(bad, cases, "memcpy", first);

	cases = bad = 0;
	static const int bytes[] = { 0, 0xa5, 0xff, 0x17f, -1 };
	for (size_t l = 0; l < NLENS; l++)
		for (size_t b = 0; b < sizeof bytes / sizeof bytes[0]; b++)
			for (size_t d = 0; d < 16; d++, cases++) {
				size_t n = lens[l];
				fill(got, sizeof got, 0x33);
				memcpy(want, got, sizeof want);
				void *r = gs_memset(got + 64 + d, bytes[b], n);
				memset(want + 64 + d, bytes[b], n);
				if ((r != got + 64 + d || memcmp(got, want, sizeof got)) && !bad++)
					snprintf(first, sizeof first, "length %zu, byte %#x, offset %zu", n, bytes[b], d);
			}
	point(bad, cases, "memset", first);

	cases = bad = 0;
	for (size_t l = 0; l < NLENS; l++)
		for (size_t so = 0; so < 40; so++)
			for (size_t d = 0; d < 40; d++, cases++) {
				size_t n = lens[l];
				if (n + 64 + 40 > ROOM)
					continue;
				fill(got, sizeof got, (unsigned)(l * 3 + so));
				memcpy(want, got, sizeof want);
				void *r = gs_memmove(got + 64 + d, got + 64 + so, n);
				memmove(want + 64 + d, want + 64 + so, n);
				if ((r != got + 64 + d || memcmp(got, want, sizeof got)) && !bad++)
					snprintf(first, sizeof first, "length %zu in one buffer, from offset %zu to %zu", n, so, d);
			}
	point(bad, cases, "memmove, overlapping either way", first);

	cases = bad = 0;
	for (size_t l = 1; l < NLENS; l++)
		for (size_t at = 0; at < lens[l]; at += 1 + at / 3, cases++) {
			size_t n = lens[l];
			fill(got, n, 9);
			fill(want, n, 9);
			want[at] = (unsigned char)(want[at] + 1);
			int g = gs_memcmp(got, want, n), h = gs_memcmp(want, got, n), e = gs_memcmp(got, got, n);
			int gr = memcmp(got, want, n);
			if ((sign(g) != sign(gr) || sign(h) != -sign(gr) || e != 0) && !bad++)
				snprintf(first, sizeof first, "length %zu, differing at %zu: %d %d %d", n, at, g, h, e);
		}
	point(bad, cases, "memcmp", first);
	printf("1..%d\n", n_point);
	return 0;
}
