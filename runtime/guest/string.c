/* string.c: the string functions of a guest task (no C library there); tests/guest-string.test checks them on the host against the C library's. */

#include <stdint.h>
#include <string.h>

/* Compiled with -fno-builtin and -fno-tree-loop-distribute-patterns, so
   that these loops stay loops instead of becoming calls to themselves.
   memcpy and memset move a word at a time once the destination is aligned
   (x86 loads a word from any address: the source need not be aligned
   too), four words a turn; short lengths and the ends go byte by byte. */
typedef unsigned long guest_word __attribute__((__may_alias__));
typedef unsigned long guest_uword __attribute__((__may_alias__, __aligned__(1)));
#define WORD sizeof(guest_word)

void *memcpy(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	if (n >= 2 * WORD) {
		while ((uintptr_t)d % WORD) {
			*d++ = *s++;
			n--;
		}
		guest_word *dw = (guest_word *)d;
		const guest_uword *sw = (const guest_uword *)s;
		for (; n >= 4 * WORD; n -= 4 * WORD, dw += 4, sw += 4) {
			guest_word a = sw[0], b = sw[1], c = sw[2], e = sw[3];
			dw[0] = a;
			dw[1] = b;
			dw[2] = c;
			dw[3] = e;
		}
		for (; n >= WORD; n -= WORD)
			*dw++ = *sw++;
		d = (unsigned char *)dw;
		s = (const unsigned char *)sw;
	}
	while (n--)
		*d++ = *s++;
	return dst;
}

/* A destination before its source is copied forward, as memcpy does:
   every byte is read before a write reaches it. */
void *memmove(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	if (d < s || d >= s + n)
		return memcpy(dst, src, n);
	while (n--)
		d[n] = s[n];
	return dst;
}

void *memset(void *dst, int c, size_t n)
{
	unsigned char *d = dst;

	if (n >= 2 * WORD) {
		guest_word v = (unsigned char)c * (~(guest_word)0 / 0xff);   /* the byte in every byte */
		while ((uintptr_t)d % WORD) {
			*d++ = (unsigned char)c;
			n--;
		}
		guest_word *dw = (guest_word *)d;
		for (; n >= 4 * WORD; n -= 4 * WORD, dw += 4) {
			dw[0] = v;
			dw[1] = v;
			dw[2] = v;
			dw[3] = v;
		}
		for (; n >= WORD; n -= WORD)
			*dw++ = v;
		d = (unsigned char *)dw;
	}
	while (n--)
		*d++ = (unsigned char)c;
	return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *p = a, *q = b;

	for (; n; n--, p++, q++)
		if (*p != *q)
			return *p < *q ? -1 : 1;
	return 0;
}

size_t strlen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

size_t strnlen(const char *s, size_t max)
{
	size_t n = 0;

	while (n < max && s[n])
		n++;
	return n;
}

int strncmp(const char *a, const char *b, size_t n)
{
	for (; n; n--, a++, b++) {
		if (*a != *b)
			return (unsigned char)*a < (unsigned char)*b ? -1 : 1;
		if (!*a)
			return 0;
	}
	return 0;
}

int strcmp(const char *a, const char *b)
{
	return strncmp(a, b, (size_t)-1);
}
