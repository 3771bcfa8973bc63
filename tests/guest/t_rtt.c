/* t_rtt.c: round trips through the kernel timed for bench/run: migc's stubs, GNU MIG's, and a hand-written mach_msg of the same messages. */

#include "check.h"
#include "mach.h"
#include "mach_port.h"
#include "mach_host.h"
#include <mach/thread_switch.h>
#include "t_rtt.h"
#include "rtt.h"
#include "rttServer.h"

/* The server functions: what every variant's server calls.  Each checks a
   few words of what arrived (the same for every variant), so that a broken
   stub cannot look fast, and counts. */
static volatile unsigned rtt_served, rtt_bad;
char *volatile rtt_capture;

kern_return_t srv_rtt_null(mach_port_t server)
{
	(void)server;
	rtt_served++;
	return KERN_SUCCESS;
}

kern_return_t srv_rtt_inline(mach_port_t server, const rtt_page_t data)
{
	(void)server;
	rtt_served++;
	if (data[0] != rtt_word(0) || data[511] != rtt_word(511) || data[1023] != rtt_word(1023)) {
		rtt_bad++;
		return KERN_FAILURE;
	}
	return KERN_SUCCESS;
}

kern_return_t srv_rtt_ool(mach_port_t server, vm_offset_t data, mach_msg_type_number_t n)
{
	(void)server;
	rtt_served++;
	const unsigned char *p = (const unsigned char *)data;
	int ok = n == RTT_OOL_SIZE && p[0] == rtt_byte(0) && p[n / 2] == rtt_byte(n / 2) &&
		 p[n - 1] == rtt_byte(n - 1);
	vm_deallocate(mach_task_self(), data, n);
	if (!ok) {
		rtt_bad++;
		return KERN_FAILURE;
	}
	return KERN_SUCCESS;
}

/* The loop around a generated demux: as the hand-written one of
   t_rtt_floor.c, the reply and the next receive are one mach_msg. */
static void rtt_stub_serve(guest_demux_t demux, mach_port_t port)
{
	union rtt_buf {
		mach_msg_header_t Head;
		char b[RTT_MSG_MAX];
		uint64_t align;
	} a, b, *req = &a, *rep = &b, *t;
	mach_msg_return_t r = mach_msg(&req->Head, MACH_RCV_MSG, 0, sizeof *req, port,
				       MACH_MSG_TIMEOUT_NONE, MACH_PORT_NULL);
	while (r == MACH_MSG_SUCCESS) {
		if (rtt_capture) {
			memcpy(rtt_capture, req, RTT_MSG_MAX);
			rtt_capture = NULL;
		}
		(*demux)(&req->Head, &rep->Head);
		r = mach_msg(&rep->Head, MACH_SEND_MSG | MACH_RCV_MSG, rep->Head.msgh_size, sizeof *rep, port,
			     MACH_MSG_TIMEOUT_NONE, MACH_PORT_NULL);
		t = req, req = rep, rep = t;
	}
}

static const struct rtt_variant rtt_migc = { "migc", "migc", rtt_null, rtt_inline, rtt_ool, rtt_server };

/* A server thread: one variant on one port. */
struct rtt_server {
	const struct rtt_variant *v;
	mach_port_t port;
	mach_port_t host_priv;
	volatile int started, ended;
	kern_return_t wired;	/* thread_wire's answer */
};

static void rtt_server_thread(void *arg)
{
	struct rtt_server *s = arg;

	/* As the page-list device's thread (docs/examples.md), every server
	   thread wires itself; all variants run alike.  (The counts were the
	   same without it: docs/performance.md.) */
	s->wired = thread_wire(s->host_priv, mach_thread_self(), 1);
	s->started = 1;
	if (s->v->demux)
		rtt_stub_serve(s->v->demux, s->port);
	else
		rtt_floor_serve(s->port);
	s->ended = 1;
}

static inline uint64_t rtt_now(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

/* The ticks of a loop of 40000 instructions (the least of 3 runs): under
   qemu -icount shift=N, 2^N per instruction; else the machine's cycles. */
static uint64_t rtt_calibrate(void)
{
	uint64_t best = ~(uint64_t)0;

	for (int i = 0; i < 3; i++) {
		unsigned n = 20000;
		uint64_t t0 = rtt_now();
		__asm__ volatile("1:\n\tdec %0\n\tjnz 1b" : "+r"(n));
		uint64_t t = rtt_now() - t0;
		if (t < best)
			best = t;
	}
	return best;
}

enum { RTT_NULL, RTT_INLINE, RTT_OOL, RTT_OOL_DEVICE, RTT_CASES };
static const char *const rtt_case_name[RTT_CASES] = { "null", "inline4k", "ool64k", "ool64k-userdevice" };
static const char *const rtt_case_routine[RTT_CASES] = { "rtt_null", "rtt_inline", "rtt_ool", "rtt_ool" };

#define RTT_VARIANTS 3
#define RTT_MAX_ROUNDS 64

struct rtt_run {
	struct t_ctx *c;
	const struct rtt_variant *v[RTT_VARIANTS];
	int nv;
	mach_port_t port[RTT_VARIANTS][2];	/* [variant][0 plain, 1 USER_DEVICE] */
	struct rtt_server *srv[RTT_VARIANTS][2];
	vm_offset_t ool;
	uint64_t per[RTT_CASES][RTT_VARIANTS][RTT_MAX_ROUNDS];	/* ticks per round trip, each round */
	unsigned failed[RTT_CASES][RTT_VARIANTS];	/* calls that did not come back right */
	kern_return_t first_bad[RTT_CASES][RTT_VARIANTS];
};

static rtt_page_t rtt_page;

/* N calls of case K through variant V; the ticks they took. */
static uint64_t rtt_batch(struct rtt_run *run, int k, int v, unsigned n)
{
	const struct rtt_variant *var = run->v[v];
	mach_port_t port = run->port[v][k == RTT_OOL_DEVICE];
	unsigned bad = 0, served = rtt_served, badsrv = rtt_bad;
	kern_return_t kr, first = KERN_SUCCESS;
	uint64_t t0 = rtt_now();

	switch (k) {
	case RTT_NULL:
		for (unsigned i = 0; i < n; i++)
			if ((kr = var->null(port)) != KERN_SUCCESS && !bad++)
				first = kr;
		break;
	case RTT_INLINE:
		for (unsigned i = 0; i < n; i++)
			if ((kr = var->inl(port, rtt_page)) != KERN_SUCCESS && !bad++)
				first = kr;
		break;
	default:
		for (unsigned i = 0; i < n; i++)
			if ((kr = var->ool(port, run->ool, RTT_OOL_SIZE)) != KERN_SUCCESS && !bad++)
				first = kr;
		break;
	}
	uint64_t t1 = rtt_now();
	/* Every request reached the server, as sent. */
	if (rtt_served - served != n || rtt_bad != badsrv)
		bad += n;
	if (bad && !run->failed[k][v])
		run->first_bad[k][v] = first;
	run->failed[k][v] += bad;
	return t1 - t0;
}

/* One request of case K from each variant, captured at its server: the
   same bytes but for the port names, the sequence number and the
   address of out-of-line data (all the receiver's). */
static void rtt_same_bytes(struct rtt_run *run, int k)
{
	static char cap[RTT_VARIANTS][RTT_MSG_MAX];

	for (int v = 0; v < run->nv; v++) {
		memset(cap[v], 0, RTT_MSG_MAX);
		rtt_capture = cap[v];
		rtt_batch(run, k, v, 1);
		mach_msg_header_t *h = (mach_msg_header_t *)cap[v];
		h->msgh_remote_port = h->msgh_local_port = MACH_PORT_NULL;
		h->msgh_seqno = 0;
		if (k >= RTT_OOL)
			memset(cap[v] + sizeof(mach_msg_header_t) + sizeof(mach_msg_type_long_t), 0,
			       sizeof(vm_offset_t));
	}
	mach_msg_size_t size = ((mach_msg_header_t *)cap[0])->msgh_size;
	if (size > RTT_MSG_MAX)
		size = 0;
	for (int v = 1; v < run->nv; v++) {
		for (unsigned i = 0; i < size; i++)
			if (cap[0][i] != cap[v][i]) {
				t_diag("%s: %s's request differs from migc's first at byte %u: 0x%x, migc 0x%x", rtt_case_name[k],
				       run->v[v]->who, i, (unsigned char)cap[v][i], (unsigned char)cap[0][i]);
				break;
			}
		t_ok(run->c, rtt_case_routine[k], size > 0 && !memcmp(cap[0], cap[v], size),
		     "%s: %s's request is migc's, byte for byte (%u bytes; port names, seqno, out-of-line address aside)",
		     rtt_case_name[k], run->v[v]->who, (unsigned)size);
	}
}

static unsigned rtt_median_index(uint64_t *x, unsigned n)
{
	/* Insertion sort: a few dozen values. */
	for (unsigned i = 1; i < n; i++)
		for (unsigned j = i; j > 0 && x[j - 1] > x[j]; j--) {
			uint64_t t = x[j];
			x[j] = x[j - 1];
			x[j - 1] = t;
		}
	return n / 2;
}

/* The value of variant V in case K: the mean over the phases of each
   phase's median round (the phases put each variant's servers in each
   place once: see rtt_rounds). */
static void rtt_report(struct rtt_run *run, int k, unsigned phases, unsigned rounds, const unsigned *iters)
{
	for (int v = 0; v < run->nv; v++) {
		uint64_t *x = run->per[k][v], sum = 0, lo = ~(uint64_t)0, hi = 0;
		char by[96];
		size_t used = 0;
		for (unsigned p = 0; p < phases; p++) {
			uint64_t *y = x + p * rounds;
			uint64_t m = y[rtt_median_index(y, rounds)];
			sum += m;
			lo = y[0] < lo ? y[0] : lo;
			hi = y[rounds - 1] > hi ? y[rounds - 1] : hi;
			used += (size_t)guest_snprintf(by + used, sizeof by - used, "%s%llu", p ? "/" : "",
						       (unsigned long long)m);
			if (used >= sizeof by)
				used = sizeof by - 1;
		}
		guest_printf("@@ diag rtt-result case=%s variant=%s median=%llu min=%llu max=%llu rounds=%u iters=%u "
			     "phases=%u by-phase=%s\n", rtt_case_name[k], run->v[v]->key,
			     (unsigned long long)((sum + phases / 2) / phases), (unsigned long long)lo,
			     (unsigned long long)hi, rounds, iters[k], phases, by);
	}
	for (int v = 0; v < run->nv; v++) {
		unsigned total = phases * (rounds + 1) * iters[k] + 1;
		if (run->failed[k][v])
			t_ok(run->c, rtt_case_routine[k], 0, "%s: %s: %u round trips came back right # %u wrong, first: 0x%x",
			     rtt_case_name[k], run->v[v]->who, total, run->failed[k][v],
			     (unsigned)run->first_bad[k][v]);
		else
			t_ok(run->c, rtt_case_routine[k], 1,
			     "%s: %s: %u round trips, every reply KERN_SUCCESS, every request checked at the server",
			     rtt_case_name[k], run->v[v]->who, total);
	}
}

/* The server threads of phase P: for each variant, in turn, a thread on a
   plain port and one on a USER_DEVICE port; the variant of the I-th pair
   is (I + P) % nv.  (Where a server comes in the order of creation moves
   the kernel's count for out-of-line data by up to 0.5%, whatever its
   code: docs/performance.md.) */
static int rtt_start_servers(struct rtt_run *run, unsigned p)
{
	static struct rtt_server srv[RTT_VARIANTS][2];
	struct t_ctx *c = run->c;
	int ok = 1;

	for (int i = 0; i < run->nv; i++) {
		int v = (int)(((unsigned)i + p) % (unsigned)run->nv);
		for (int d = 0; d < 2; d++) {
			struct rtt_server *s = &srv[v][d];
			s->v = run->v[v];
			s->host_priv = c->host_priv;
			s->started = s->ended = 0;
			s->port = t_new_receive(c);
			ok &= mach_port_insert_right(c->task, s->port, s->port, MACH_MSG_TYPE_MAKE_SEND) == KERN_SUCCESS;
			if (d)
				ok &= mach_port_set_ktype(c->host_priv, c->task, s->port, MACH_PORT_RIGHT_RECEIVE,
							  MACH_PORT_KTYPE_USER_DEVICE) == KERN_SUCCESS;
			mach_port_t th;
			if (guest_thread_start(rtt_server_thread, s, 65536, &th) != KERN_SUCCESS) {
				ok = 0;
				continue;
			}
			while (!s->started)
				thread_switch(MACH_PORT_NULL, SWITCH_OPTION_NONE, 0);
			ok &= s->wired == KERN_SUCCESS;
			run->port[v][d] = s->port;
			run->srv[v][d] = s;
		}
	}
	t_ok(c, "rtt_null", ok, "phase %u: %d server threads, each wired (thread_wire), on a plain port and on a "
	     "USER_DEVICE port", p, run->nv * 2);
	return ok;
}

static void rtt_stop_servers(struct rtt_run *run)
{
	for (int v = 0; v < run->nv; v++)
		for (int d = 0; d < 2; d++) {
			mach_port_destroy(run->c->task, run->port[v][d]);	/* the server loop ends */
			while (run->srv[v][d] && !run->srv[v][d]->ended)
				thread_switch(MACH_PORT_NULL, SWITCH_OPTION_NONE, 0);
			run->srv[v][d] = NULL;
		}
}

/* Cases [K0, K1) in nv phases, each with servers started anew in another
   order (rtt_start_servers); in each phase ROUNDS rounds (one more,
   first, as a warm-up): in each round each case runs ITERS[k] calls of
   each variant, the variants in an order that rotates from round to
   round. */
static int rtt_rounds(struct rtt_run *run, int k0, int k1, unsigned rounds, const unsigned *iters)
{
	unsigned phases = (unsigned)run->nv;

	for (unsigned p = 0; p < phases; p++) {
		if (!rtt_start_servers(run, p))
			return 0;
		if (p == 0)
			for (int k = k0; k < k1; k++)
				rtt_same_bytes(run, k);
		for (unsigned r = 0; r <= rounds; r++)
			for (int k = k0; k < k1; k++)
				for (int i = 0; i < run->nv; i++) {
					int v = (int)((unsigned)i + r) % run->nv;
					uint64_t t = rtt_batch(run, k, v, iters[k]);
					if (r)
						run->per[k][v][p * rounds + r - 1] = t / iters[k];
				}
		rtt_stop_servers(run);
	}
	for (int k = k0; k < k1; k++)
		rtt_report(run, k, phases, rounds, iters);
	return 1;
}

static void rtt_group(struct t_ctx *c, unsigned rounds, const unsigned *iters)
{
	static struct rtt_run run;

	memset(&run, 0, sizeof run);
	run.c = c;
	run.v[run.nv++] = &rtt_migc;
	if (rtt_gnumig.who)
		run.v[run.nv++] = &rtt_gnumig;
	else
		t_ok(c, "rtt_null", 0, "GNU MIG's stubs of rtt.defs # conformance/gnumig could not generate them");
	run.v[run.nv++] = &rtt_floor;

	for (unsigned k = 0; k < 1024; k++)
		rtt_page[k] = rtt_word(k);
	vm_address_t a = 0;
	T_KR(c, "rtt_ool", vm_allocate(c->task, &a, RTT_OOL_SIZE, 1), KERN_SUCCESS, "64 KiB for the out-of-line data");
	for (unsigned k = 0; k < RTT_OOL_SIZE; k++)
		((unsigned char *)a)[k] = rtt_byte(k);
	run.ool = a;

	guest_printf("@@ diag rtt-calibration ticks=%llu insns=40000\n", (unsigned long long)rtt_calibrate());
	t_diag("rtt: %d phases of %u rounds, after a warm-up round, of %u, %u, %u calls (null, inline, out-of-line)",
	       run.nv, rounds, iters[RTT_NULL], iters[RTT_INLINE], iters[RTT_OOL]);
	if (rtt_rounds(&run, RTT_NULL, RTT_OOL_DEVICE, rounds, iters)) {
		/* Last, so that a hang or a panic there leaves the other results. */
		t_diag("rtt: out-of-line data to USER_DEVICE ports");
		rtt_rounds(&run, RTT_OOL_DEVICE, RTT_CASES, rounds, iters);
	}
	vm_deallocate(c->task, run.ool, RTT_OOL_SIZE);
}

/* The bench's group (only when named: conformance/guest --only=rtt). */
void t_group_rtt(struct t_ctx *c)
{
	static const unsigned iters[RTT_CASES] = { 200, 100, 40, 40 };
	rtt_group(c, 11, iters);
}

/* A short run of the same, for make check: every variant's messages
   arrive as sent, the floor's are the stubs' bytes. */
void t_group_rtt_check(struct t_ctx *c)
{
	static const unsigned iters[RTT_CASES] = { 4, 4, 4, 4 };
	rtt_group(c, 1, iters);
}
