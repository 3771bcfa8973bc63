/* stress.c: the stress task: more memory than the kernel has free, written with a pattern of address and round, read back by several threads. */

#include <mach/task_special_ports.h>
#include <mach/vm_statistics.h>
#include "guest.h"
#include "mach.h"
#include "mach_host.h"
#include "mach_port.h"
#include "stress.h"

#define STRESS_MAX_THREADS 8
/* Mismatches printed on the console (all are counted). */
#define STRESS_MAX_SHOWN 20

/* What every thread shares: its slice of the region, the rounds. */
static struct {
	uintptr_t base;
	size_t slice;
	int rounds;		/* per thread; 0: until DEADLINE */
	long deadline;		/* host_get_time seconds, with ROUNDS 0 */
	unsigned long mismatches, shown, checked_kb;
	int finished, rounds_done;
} st;

static long stress_now(void)
{
	time_value_t t = { 0, 0 };
	host_get_time(mach_host_self(), &t);
	return (long) t.seconds;
}

/* The word stored at ADDR in round ROUND: the address, with the round in
   its top bits and a constant, so that a page of another place or of an
   earlier round (or a zero page) never passes. */
static uintptr_t stress_word(uintptr_t addr, int round)
{
	return (addr ^ ((uintptr_t) round << (sizeof(uintptr_t) * 8 - 8))) ^ (uintptr_t) 0x5a5a5a5a;
}

static void stress_thread(void *arg)
{
	int t = (int) (uintptr_t) arg;
	uintptr_t lo = st.base + (uintptr_t) t * st.slice, hi = lo + st.slice;

	for (int r = 1; st.rounds ? r <= st.rounds : stress_now() < st.deadline; r++) {
		for (uintptr_t a = lo; a < hi; a += sizeof(uintptr_t))
			*(volatile uintptr_t *) a = stress_word(a, r);
		unsigned long bad = 0;
		for (uintptr_t a = lo; a < hi; a += sizeof(uintptr_t)) {
			uintptr_t got = *(volatile uintptr_t *) a, want = stress_word(a, r);
			if (got == want)
				continue;
			bad++;
			if (__atomic_fetch_add(&st.shown, 1, __ATOMIC_RELAXED) < STRESS_MAX_SHOWN)
				guest_printf("@@ mismatch thread %d round %d at 0x%lx: expected 0x%lx got 0x%lx\n",
					     t, r, (unsigned long) a, (unsigned long) want,
					     (unsigned long) got);
		}
		__atomic_fetch_add(&st.mismatches, bad, __ATOMIC_RELAXED);
		__atomic_fetch_add(&st.checked_kb, (unsigned long) (st.slice >> 10), __ATOMIC_RELAXED);
		__atomic_fetch_add(&st.rounds_done, 1, __ATOMIC_RELAXED);
		guest_printf("@@ diag stress: thread %d round %d: %lu mismatches\n", t, r, bad);
	}
	__atomic_fetch_add(&st.finished, 1, __ATOMIC_RELEASE);
}

int guest_main(int argc, char **argv)
{
	mach_port_t task = mach_task_self(), report = MACH_PORT_NULL;
	unsigned long threads = 4, rounds = 3, cap_mb = 64, factor = 2, minutes = 0;
	vm_statistics_data_t vs;
	vm_address_t base = 0;
	kern_return_t kr;

	for (int i = 1; i < argc; i++) {
		if (!strncmp(argv[i], "threads=", 8))
			threads = guest_number(argv[i] + 8);
		else if (!strncmp(argv[i], "rounds=", 7))
			rounds = guest_number(argv[i] + 7);
		else if (!strncmp(argv[i], "cap-mb=", 7))
			cap_mb = guest_number(argv[i] + 7);
		else if (!strncmp(argv[i], "factor=", 7))
			factor = guest_number(argv[i] + 7);
		else if (!strncmp(argv[i], "minutes=", 8))
			minutes = guest_number(argv[i] + 8);
	}
	if (threads < 1 || threads > STRESS_MAX_THREADS)
		threads = 4;
	kr = task_get_special_port(task, TASK_BOOTSTRAP_PORT, &report);
	if (kr != KERN_SUCCESS || report == MACH_PORT_NULL) {
		guest_printf("@@ not ok stress: no report port (0x%x)\n", (unsigned) kr);
		return 1;
	}
	kr = vm_statistics(task, &vs);
	if (kr != KERN_SUCCESS) {
		guest_printf("@@ not ok stress: vm_statistics 0x%x\n", (unsigned) kr);
		stress_done(report, 0, 0, 0, 0, 0, -1);
		return 1;
	}
	/* FACTOR times what is free, but no more than the device holds (the
	   pager never has to refuse a page). */
	unsigned long free_bytes = (unsigned long) vs.free_count * (unsigned long) vs.pagesize;
	unsigned long size = free_bytes * factor, cap = cap_mb << 20;
	if (size > cap)
		size = cap;
	size -= size % (threads * (unsigned long) vs.pagesize);
	guest_printf("@@ diag stress: %lu KB free, %lu KB in %lu threads, %lu rounds or %lu minutes (page %lu)\n",
		     free_bytes >> 10, size >> 10, threads, rounds, minutes, (unsigned long) vs.pagesize);
	kr = vm_allocate(task, &base, size, 1);
	if (kr != KERN_SUCCESS) {
		guest_printf("@@ not ok stress: vm_allocate of %lu bytes: 0x%x\n", size, (unsigned) kr);
		stress_done(report, 0, 0, (int) (free_bytes >> 10), 0, 0, -1);
		return 1;
	}
	st.base = base;
	st.slice = size / threads;
	/* A soak runs rounds until its time is up instead of counting them. */
	st.rounds = minutes ? 0 : (int) rounds;
	st.deadline = stress_now() + (long) minutes * 60;
	for (unsigned long t = 0; t < threads; t++) {
		kr = guest_thread_start(stress_thread, (void *) (uintptr_t) t, 64 * 1024, NULL);
		if (kr != KERN_SUCCESS) {
			guest_printf("@@ not ok stress: thread %lu: 0x%x\n", t, (unsigned) kr);
			threads = t;
			break;
		}
	}
	/* Wait without spinning (the kernels are uniprocessor): a receive
	   on a port nobody sends to, with a timeout. */
	mach_port_t nap = MACH_PORT_NULL;
	mach_port_allocate(task, MACH_PORT_RIGHT_RECEIVE, &nap);
	while (__atomic_load_n(&st.finished, __ATOMIC_ACQUIRE) < (int) threads) {
		mach_msg_header_t m;
		mach_msg(&m, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof m, nap, 100, MACH_PORT_NULL);
	}
	vm_deallocate(task, base, size);
	stress_done(report, st.rounds_done / (int) (threads ? threads : 1), (int) threads,
		    (int) (free_bytes >> 10), (int) (size >> 10),
		    (int) (st.checked_kb >> 10), (int) st.mismatches);
	return 0;
}
