/* wcrt.h: what both of wirecheck's drivers are made of: seeded random
 * values, the logs of what each side sent and received, ports, the message
 * trace, and the malformed-message modes (WC_FUZZ).  Included once, by the
 * generated C driver (wirecheck --driver=c) or by the libffi driver
 * (conformance/wcffi.c); see conformance/wirecheck. */
#ifndef WCRT_H
#define WCRT_H
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <mach/mach_types.h>
#include <mach/mig_errors.h>
#include "loopback.h"
/* The runtime's allocator (not vm_allocate: the user stubs of mach.defs define that one as an RPC). */
extern void mig_allocate(vm_address_t *, vm_size_t);

static unsigned long long wc_state;
static unsigned wc_rand(void) {
	wc_state ^= wc_state << 13; wc_state ^= wc_state >> 7; wc_state ^= wc_state << 17;
	return (unsigned)(wc_state >> 11);
}
static void wc_fill(void *p, size_t n) { unsigned char *b = p; while (n--) *b++ = (unsigned char)wc_rand(); }
static void wc_string(char *p, size_t size) {
	size_t n = size ? wc_rand() % size : 0, i;
	for (i = 0; i < n; i++) p[i] = (char)(' ' + 1 + wc_rand() % 94);
	for (; i < size; i++) p[i] = 0;
}
/* A count in 0..max (max 0: unbounded, then up to 600). */
static unsigned wc_count(unsigned max) {
	unsigned r = wc_rand() % 8;
	if (max == 0) max = 600;
	if (r == 0) return 0;
	if (r == 1) return max;
	return wc_rand() % (max + 1);
}

/* What each side saw: a list of (tag, bytes). */
struct wc_rec { char tag[64]; unsigned char *b; size_t n; };
#define WC_MAXREC 4096
struct wc_log { struct wc_rec r[WC_MAXREC]; int n; };
static struct wc_log wc_cin, wc_sin, wc_sout, wc_cout;
static void wc_log(struct wc_log *l, const char *tag, const void *p, size_t n) {
	struct wc_rec *r;
	if (l->n >= WC_MAXREC) { fprintf(stderr, "wirecheck: more than %d values\n", WC_MAXREC); exit(3); }
	r = &l->r[l->n++];
	snprintf(r->tag, sizeof r->tag, "%s", tag);
	r->b = malloc(n + 1); r->n = n;
	if (n) memcpy(r->b, p, n);
}
static void wc_clear(struct wc_log *l) { int i; for (i = 0; i < l->n; i++) free(l->r[i].b); l->n = 0; }
static int wc_cmp(const char *what, struct wc_log *a, struct wc_log *b, char *why, size_t whylen) {
	int i; size_t k;
	if (a->n != b->n) { snprintf(why, whylen, "%s: %d values sent, %d received", what, a->n, b->n); return 1; }
	for (i = 0; i < a->n; i++) {
		if (a->r[i].n != b->r[i].n) {
			snprintf(why, whylen, "%s %s: %zu bytes sent, %zu received", what, a->r[i].tag, a->r[i].n, b->r[i].n);
			return 1;
		}
		for (k = 0; k < a->r[i].n; k++)
			if (a->r[i].b[k] != b->r[i].b[k]) {
				snprintf(why, whylen, "%s %s: byte %zu sent 0x%02x, received 0x%02x", what, a->r[i].tag, k,
					 a->r[i].b[k], b->r[i].b[k]);
				return 1;
			}
	}
	return 0;
}
#define WC_ISPTR(v) (__builtin_classify_type(v) == 5)
/* The address of a parameter's data: a pointer's value, or the object itself. */
#define WC_ADDR(p) (WC_ISPTR(p) ? *(void * const *)&(p) : (void *)&(p))
/* Is the variable V (of an indexable type) a pointer rather than an array? */
/* (an integer such as vm_offset_t holding an address counts as a pointer) */
#define WC_VARPTR(v) __builtin_types_compatible_p(__typeof__(v), __typeof__((v) + 0))
#define WC_SETPTR(v, buf) do { void *wc_b_ = (buf); memcpy(&(v), &wc_b_, sizeof wc_b_); } while (0)
#define WC_VARDATA(v) (WC_VARPTR(v) ? *(void **)&(v) : (void *)&(v))

static lb_space_t *wc_client, *wc_server;
#define WC_MAXPORTS 2048
static mach_port_name_t wc_cports[WC_MAXPORTS], wc_sports[WC_MAXPORTS];
static int wc_ncports, wc_nsports;
static FILE *wc_trace;
static int wc_called, wc_sret, wc_rq_disp;
int wc_cut_hit;		/* set by a GNU MIG stub wirecheck cut (it did not compile) */
static unsigned long long wc_seed;

/* A fresh port in the current space, for disposition DISP: the name to pass. */
static mach_port_name_t wc_port(int disp, mach_port_name_t *ports, int *nports) {
	mach_port_name_t n = MACH_PORT_NULL, so;
	if (wc_rand() % 5 == 0) return MACH_PORT_NULL;
	lb_port_allocate(MACH_PORT_RIGHT_RECEIVE, &n);
	if (*nports < WC_MAXPORTS) ports[(*nports)++] = n;
	switch (disp) {
	case MACH_MSG_TYPE_COPY_SEND: case MACH_MSG_TYPE_MOVE_SEND:
		lb_port_insert_right(NULL, n, n, MACH_MSG_TYPE_MAKE_SEND); return n;
	case MACH_MSG_TYPE_MOVE_SEND_ONCE:
		lb_port_give(NULL, n, MACH_MSG_TYPE_MAKE_SEND_ONCE, &so); return so;
	default: return n;
	}
}
/* A token for a port name of the current space: which of the other side's ports it is. */
static void wc_port_token(char *tok, size_t len, mach_port_name_t n, lb_space_t *other,
			  mach_port_name_t *ports, int nports, int disp) {
	int k; mach_port_type_t t;
	if (n == MACH_PORT_NULL) { snprintf(tok, len, "null"); return; }
	if (disp == MACH_MSG_TYPE_MOVE_RECEIVE || disp == MACH_MSG_TYPE_PORT_RECEIVE) {
		snprintf(tok, len, "receive:%d", lb_port_type(n, &t) == KERN_SUCCESS && (t & MACH_PORT_TYPE_RECEIVE));
		return;
	}
	for (k = 0; k < nports; k++)
		if (lb_port_same(lb_space_current(), n, other, ports[k])) { snprintf(tok, len, "port%d", k); return; }
	snprintf(tok, len, "unknown");
}
static void wc_log_port(struct wc_log *l, const char *tag, mach_port_name_t n, lb_space_t *other,
			mach_port_name_t *ports, int nports, int disp) {
	char tok[32];
	wc_port_token(tok, sizeof tok, n, other, ports, nports, disp);
	wc_log(l, tag, tok, strlen(tok));
}
/* As the client sent: its own port number k. */
static void wc_log_own_port(struct wc_log *l, const char *tag, mach_port_name_t n, int k, int disp) {
	char tok[32];
	if (n == MACH_PORT_NULL) snprintf(tok, sizeof tok, "null");
	else if (disp == MACH_MSG_TYPE_MOVE_RECEIVE) snprintf(tok, sizeof tok, "receive:1");
	else snprintf(tok, sizeof tok, "port%d", k);
	wc_log(l, tag, tok, strlen(tok));
}
static kern_return_t wc_retcode(void) {
	static const kern_return_t codes[] = { KERN_INVALID_ARGUMENT, KERN_FAILURE, 0x1234, KERN_NO_SPACE };
	if (wc_rand() % 5 == 0) return codes[wc_rand() % 4];
	return KERN_SUCCESS;
}

static void wc_record(void *ctx, const struct lb_trace *t) {
	const unsigned char *b = (const unsigned char *) t->msg;
	size_t slots[64];
	unsigned nslots = lb_msg_pointer_slots(t->msg, t->size, slots, 64), k;
	mach_msg_size_t i;
	(void) ctx;
	if (!wc_trace) return;
	fprintf(wc_trace, "%s %u %u ", t->event == LB_TRACE_SEND ? "send" : "recv", t->depth, (unsigned) t->size);
	for (i = 0; i < t->size; i++) {
		int ptr = 0;
		for (k = 0; k < nslots && k < 64; k++) {
			vm_offset_t v;
			memcpy(&v, b + slots[k], sizeof v);
			if (v != 0 && i >= slots[k] && i < slots[k] + sizeof v) ptr = 1;
		}
		if (ptr) fputs("xx", wc_trace); else fprintf(wc_trace, "%02x", b[i]);
	}
	fputc('\n', wc_trace);
}
static int wc_scrub_byte = 0xa5;
static __attribute__((noinline)) void wc_scrub(void) {
	unsigned char junk[64 * 1024];
	memset(junk, wc_scrub_byte, sizeof junk);
	__asm__ volatile("" : : "r"(junk) : "memory");
}
#ifdef WC_FUZZ
#define WC_FZ_REPLYING wc_fz_reply	/* (the out-arguments of a mutated reply are not read) */
#else
#define WC_FZ_REPLYING 0
#endif
/* Fuzz mode (WC_FUZZ builds): server functions answer WC_FZ_ACCEPT at once. */
static int wc_fuzzing;
#define WC_FZ_ACCEPT 0x4242

#ifdef WC_FUZZ
/* ---- Malformed messages: a captured valid request, mutated, handed to
   migc's and GNU MIG's demux side by side (same bytes, same size). */
#include <signal.h>
#include <setjmp.h>
#include <sanitizer/common_interface_defs.h>
/* A weak reference: the aarch64 drivers run with no sanitizer runtime. */
__attribute__((__weak__)) void __sanitizer_set_death_callback(void (*)(void));
static inline void wc_fz_on_death(void (*fn)(void))
{
	if (__sanitizer_set_death_callback)
		__sanitizer_set_death_callback(fn);
}
extern boolean_t WC_FZ_MDEMUX(mach_msg_header_t *, mach_msg_header_t *);
extern boolean_t WC_FZ_GDEMUX(mach_msg_header_t *, mach_msg_header_t *);
static int wc_fz_n = 64;		/* mutations per captured request */
static unsigned long wc_fz_msgs, wc_fz_stricter, wc_fz_bad, wc_fz_gcrash;
static const char *wc_fz_routine = "";
static int wc_fz_call, wc_fz_k;
static char wc_fz_what[128];
static unsigned char wc_fz_ool[1 << 16];	/* what every out-of-line pointer points at */
static sigjmp_buf wc_fz_jmp;
static volatile int wc_fz_in_gnu;
static const char *const wc_fz_kinds[] = { "msgh_size", "truncate", "trailing", "descriptor bits", "count",
	"longform flag", "inline flag", "message id", "complex bit", "random bytes", "descriptor name", "descriptor size" };
#define WC_FZ_NKINDS (sizeof wc_fz_kinds / sizeof wc_fz_kinds[0])

static void wc_fz_context(void) {
	fprintf(stderr, "fuzz: seed %llu routine %s call %d mutation %d (%s)\n", wc_seed, wc_fz_routine, wc_fz_call,
		wc_fz_k, wc_fz_what);
}
static void wc_fz_signal(int sig) {
	if (wc_fz_in_gnu) siglongjmp(wc_fz_jmp, sig);
	wc_fz_context();
	fprintf(stderr, "fuzz: signal %d in migc's stubs\n", sig);
	_exit(4);
}
/* Mutate M (*LEN bytes, in a buffer of CAP) by kind K; returns the new length. */
static size_t wc_fz_mutate(unsigned char *m, size_t len, size_t cap, unsigned k) {
	size_t descs[64]; unsigned nd = lb_msg_descriptors((mach_msg_header_t *) m, len, descs, 64);
	mach_msg_header_t *h = (mach_msg_header_t *) m;
	size_t hs = sizeof *h, d = nd ? descs[wc_rand() % (nd < 64 ? nd : 64)] : hs;
	mach_msg_type_t t; mach_msg_type_long_t l;
	static const unsigned nums[] = { 0, 1, 2, 3, 4, 7, 8, 15, 16, 64, 255, 256, 1024, 4095, 4096, 65535, 0x7fffffff, 0xffffffff };
	if (d + sizeof l > len) d = hs;
	memcpy(&t, m + d, sizeof t);
	memcpy(&l, m + d, d + sizeof l <= len ? sizeof l : 0);
	switch (k) {
	case 0: { static const int deltas[] = { -8, -4, -1, 1, 4, 8, 64 };
		long n = (long) len + deltas[wc_rand() % 7];
		if (wc_rand() % 4 == 0) n = (long) (hs + wc_rand() % (len + 64));
		if (n < (long) hs) n = hs;
		if (n > (long) cap) n = cap;
		snprintf(wc_fz_what, sizeof wc_fz_what, "%s %zu -> %ld", wc_fz_kinds[k], len, n);
		len = (size_t) n; break; }
	case 1: { size_t n = hs + wc_rand() % (len - hs + 1);
		snprintf(wc_fz_what, sizeof wc_fz_what, "%s %zu -> %zu", wc_fz_kinds[k], len, n);
		len = n; break; }
	case 2: { size_t n = len + 1 + wc_rand() % 64;
		if (n > cap) n = cap;
		snprintf(wc_fz_what, sizeof wc_fz_what, "%s %zu -> %zu", wc_fz_kinds[k], len, n);
		len = n; break; }
	case 3: { unsigned bit = wc_rand() % (8 * sizeof t);
		m[d + bit / 8] ^= (unsigned char) (1u << (bit % 8));
		snprintf(wc_fz_what, sizeof wc_fz_what, "%s: bit %u at %zu", wc_fz_kinds[k], bit, d); break; }
	case 4: { unsigned v = nums[wc_rand() % (sizeof nums / sizeof nums[0])];
		if (wc_rand() % 3 == 0) v = (t.msgt_longform ? l.msgtl_number : t.msgt_number) + (wc_rand() % 2 ? 1 : -1);
		if (t.msgt_longform) { l.msgtl_number = v; memcpy(m + d, &l, sizeof l); }
		else { t.msgt_number = v; memcpy(m + d, &t, sizeof t); }
		snprintf(wc_fz_what, sizeof wc_fz_what, "%s at %zu -> %u", wc_fz_kinds[k], d, v); break; }
	case 5: t.msgt_longform = !t.msgt_longform; memcpy(m + d, &t, sizeof t);
		snprintf(wc_fz_what, sizeof wc_fz_what, "%s at %zu -> %u", wc_fz_kinds[k], d, (unsigned) t.msgt_longform); break;
	case 6: t.msgt_inline = !t.msgt_inline; memcpy(m + d, &t, sizeof t);
		snprintf(wc_fz_what, sizeof wc_fz_what, "%s at %zu -> %u", wc_fz_kinds[k], d, (unsigned) t.msgt_inline); break;
	case 7: { static const int deltas[] = { -100, -1, 1, 2, 100, 0x10000 };
		/* (in unsigned arithmetic: ids near INT_MAX wrap as on the wire) */
		h->msgh_id = (mach_msg_id_t) ((uint32_t) h->msgh_id + (uint32_t) deltas[wc_rand() % 6]);
		snprintf(wc_fz_what, sizeof wc_fz_what, "%s -> %d", wc_fz_kinds[k], (int) h->msgh_id); break; }
	case 8: h->msgh_bits ^= MACH_MSGH_BITS_COMPLEX;
		snprintf(wc_fz_what, sizeof wc_fz_what, "%s -> 0x%x", wc_fz_kinds[k], (unsigned) h->msgh_bits); break;
	case 9: { unsigned i, n = 1 + wc_rand() % 4;
		int w = snprintf(wc_fz_what, sizeof wc_fz_what, "%s:", wc_fz_kinds[k]);
		for (i = 0; i < n && len > hs; i++) {
			size_t o = hs + wc_rand() % (len - hs); unsigned char b = (unsigned char) wc_rand();
			m[o] = b;
			if (w < (int) sizeof wc_fz_what - 16) w += snprintf(wc_fz_what + w, sizeof wc_fz_what - w, " %zu=%02x", o, b);
		} break; }
	case 10: { static const unsigned names[] = { 0, 1, 2, 8, 9, 11, 12, 16, 17, 18, 19, 20, 21, 255 };
		unsigned v = names[wc_rand() % (sizeof names / sizeof names[0])];
		if (t.msgt_longform && sizeof l > sizeof t) { l.msgtl_name = v; memcpy(m + d, &l, sizeof l); }
		else { t.msgt_name = v; memcpy(m + d, &t, sizeof t); }
		snprintf(wc_fz_what, sizeof wc_fz_what, "%s at %zu -> %u", wc_fz_kinds[k], d, v); break; }
	default: { static const unsigned sizes[] = { 0, 1, 8, 16, 32, 64, 128, 255 };
		unsigned v = sizes[wc_rand() % (sizeof sizes / sizeof sizes[0])];
		if (t.msgt_longform && sizeof l > sizeof t) { l.msgtl_size = v; memcpy(m + d, &l, sizeof l); }
		else { t.msgt_size = v; memcpy(m + d, &t, sizeof t); }
		snprintf(wc_fz_what, sizeof wc_fz_what, "%s at %zu -> %u", wc_fz_kinds[k], d, v); break; }
	}
	return len;
}
static kern_return_t wc_fz_code(const mach_msg_header_t *out) { return ((const mig_reply_header_t *) out)->RetCode; }
/* The demux of the fuzz run: mutates the request it captured, again and again. */
static boolean_t wc_fz_capture(mach_msg_header_t *in, mach_msg_header_t *out) {
	size_t len0 = in->msgh_size, cap = len0 + 128, len, slots[64], maxrep = 64 * 1024;
	unsigned char *seed = malloc(cap), *g = malloc(cap), *mo = malloc(maxrep), *go = malloc(maxrep);
	int k;
	memcpy(seed, in, len0);
	for (k = 0; k < wc_fz_n; k++) {
		unsigned kind = wc_rand() % WC_FZ_NKINDS, s, ns;
		unsigned char *m;
		boolean_t mr, gr = FALSE; int mc, gc = 0; kern_return_t mk, gk = 0; volatile int gsig = 0;
		memcpy(g, seed, len0);
		wc_fz_k = k;
		len = wc_fz_mutate(g, len0, cap, kind);
		if (len > len0) wc_fill(g + len0, len - len0);
		((mach_msg_header_t *) g)->msgh_size = (mach_msg_size_t) len;
		/* As the kernel delivers it: out-of-line data in memory of the receiver. */
		ns = lb_msg_pointer_slots((mach_msg_header_t *) g, len, slots, 64);
		for (s = 0; s < ns && s < 64; s++) { void *p = wc_fz_ool; memcpy(g + slots[s], &p, sizeof p); }
		/* migc's copy: exactly the message, so that AddressSanitizer sees a read past it. */
		m = malloc(len);
		memcpy(m, g, len);
		memset(mo, 0, maxrep); memset(go, 0, maxrep);
		wc_fz_msgs++;
		wc_called = 0; wc_fz_in_gnu = 1; wc_cut_hit = 0;
		if ((gsig = sigsetjmp(wc_fz_jmp, 1)) == 0) gr = WC_FZ_GDEMUX((mach_msg_header_t *) g, (mach_msg_header_t *) go);
		wc_fz_in_gnu = 0;
		gc = wc_called; gk = wc_fz_code((mach_msg_header_t *) go);
		wc_called = 0;
		mr = WC_FZ_MDEMUX((mach_msg_header_t *) m, (mach_msg_header_t *) mo);
		mc = wc_called; mk = wc_fz_code((mach_msg_header_t *) mo);
		free(m);
		if (gsig) { wc_fz_gcrash++; continue; }
		if (wc_cut_hit) { wc_fz_msgs--; continue; }	/* no GNU MIG stub to compare with */
		if (gc && !mc) {
			wc_fz_stricter++;
			printf("fuzz stricter %s %d %d %u 0x%x %s\n", wc_fz_routine, wc_fz_call, k, kind, (unsigned) mk, wc_fz_what);
		} else if ((!gc && mc) || mr != gr || (!gc && !mc && mk != gk)) {
			wc_fz_bad++;
			printf("fuzz fail seed %llu routine %s call %d mutation %d (%s): gnumig %s code 0x%x demux %d, migc %s code 0x%x demux %d\n",
			       wc_seed, wc_fz_routine, wc_fz_call, k, wc_fz_what, gc ? "accepted" : "rejected", (unsigned) gk, gr,
			       mc ? "accepted" : "rejected", (unsigned) mk, mr);
		}
	}
	free(seed); free(g); free(mo); free(go);
	((mig_reply_header_t *) out)->RetCode = MIG_NO_REPLY;
	out->msgh_remote_port = MACH_PORT_NULL;
	return TRUE;
}
/* Reply mode: the real server answers, then its reply is mutated once
   (mutation wc_fz_k of this call) before the runtime delivers it to the
   user stub; main prints what the user stub returned. */
static int wc_fz_reply;
static lb_demux_t wc_fz_real;
static unsigned wc_fz_ridx;
static mach_msg_size_t wc_fz_maxrep;
static boolean_t wc_fz_reply_demux(mach_msg_header_t *in, mach_msg_header_t *out) {
	boolean_t r = wc_fz_real(in, out);
	unsigned long long st = wc_state;
	size_t len = out->msgh_size;
	unsigned kind;
	if (len < sizeof *out || len > wc_fz_maxrep - 64) return r;
	wc_state = (wc_seed * 1000003ULL + wc_fz_ridx * 7919ULL + (unsigned) wc_fz_call * 104729ULL + (unsigned) wc_fz_k) * 2654435761ULL + 7;
	wc_rand(); wc_rand();
	size_t slots[64], olen = len;
	unsigned char ptrs[64][sizeof(vm_offset_t)];
	unsigned ns = lb_msg_pointer_slots(out, len, slots, 64), i;
	/* Out-of-line pointers are addresses, which differ between the two
	   programs: the mutation leaves them as they were. */
	for (i = 0; i < ns && i < 64; i++) memcpy(ptrs[i], (unsigned char *) out + slots[i], sizeof ptrs[i]);
	kind = wc_rand() % WC_FZ_NKINDS;
	len = wc_fz_mutate((unsigned char *) out, len, len + 64, kind);
	if (len > olen) wc_fill((unsigned char *) out + olen, len - olen);
	for (i = 0; i < ns && i < 64; i++)
		if (slots[i] + sizeof ptrs[i] <= len) memcpy((unsigned char *) out + slots[i], ptrs[i], sizeof ptrs[i]);
	out->msgh_size = (mach_msg_size_t) len;
	wc_state = st;
	return r;
}
#endif

static mach_port_name_t wc_start(const char *routine, int call, unsigned ridx, lb_demux_t demux, unsigned maxrep, int disp) {
	mach_port_name_t srv, srv_c;
	lb_reset();
	lb_set_trace(wc_record, NULL);
#ifdef WC_FUZZ
	wc_fz_routine = routine; wc_fz_call = call;
	if (wc_fuzzing) demux = wc_fz_capture;
	if (wc_fz_reply) { wc_fz_real = demux; wc_fz_ridx = ridx; wc_fz_maxrep = maxrep; demux = wc_fz_reply_demux; }
#endif
	wc_clear(&wc_cin); wc_clear(&wc_sin); wc_clear(&wc_sout); wc_clear(&wc_cout);
	wc_ncports = wc_nsports = 0; wc_called = 0; wc_sret = 0;
	wc_state = (wc_seed * 1000003ULL + ridx * 7919ULL + (unsigned) call) * 2654435761ULL + 1;
	wc_rand(); wc_rand();
	/* A polymorphic request port: any right the client may hold for it. */
	if (disp < 0) disp = ((const int[]){ MACH_MSG_TYPE_COPY_SEND, MACH_MSG_TYPE_MOVE_SEND, MACH_MSG_TYPE_MOVE_SEND_ONCE })[wc_rand() % 3];
	wc_rq_disp = disp;
	wc_client = lb_space_current();
	wc_server = lb_space_create("server");
	lb_space_switch(wc_server);
	lb_port_allocate(MACH_PORT_RIGHT_RECEIVE, &srv);
	lb_server_register(srv, demux, maxrep);
	lb_port_give(wc_client, srv, disp == MACH_MSG_TYPE_MOVE_SEND_ONCE ? MACH_MSG_TYPE_MAKE_SEND_ONCE : MACH_MSG_TYPE_MAKE_SEND, &srv_c);
	lb_space_switch(wc_client);
	if (wc_trace) fprintf(wc_trace, "call %s %d\n", routine, call);
	return srv_c;
}
static void wc_finish(const char *routine, int call, int simple, kern_return_t ret) {
	char why[256] = "";
	int bad = 0;
	if (wc_fuzzing) return;
#ifdef WC_FUZZ
	if (wc_fz_reply) { printf("fuzz reply %s %d %d 0x%x %s\n", routine, call, wc_fz_k, (unsigned) ret, wc_fz_what); return; }
#endif
	if (!wc_called) { bad = 1; snprintf(why, sizeof why, "server function not called (client got 0x%x %s)",
					     (unsigned) ret, lb_strerror(ret) ? lb_strerror(ret) : ""); }
	else if (!simple && ret != wc_sret) { bad = 1; snprintf(why, sizeof why, "client got 0x%x, server returned 0x%x", (unsigned) ret, (unsigned) wc_sret); }
	else if (simple && ret != KERN_SUCCESS) { bad = 1; snprintf(why, sizeof why, "send returned 0x%x", (unsigned) ret); }
	else if (wc_cmp("in", &wc_cin, &wc_sin, why, sizeof why)) bad = 1;
	else if (!simple && wc_sret == KERN_SUCCESS && wc_cmp("out", &wc_sout, &wc_cout, why, sizeof why)) bad = 1;
	printf("result %s %d %s %s\n", routine, call, bad ? "fail" : "ok", why);
}

#endif
