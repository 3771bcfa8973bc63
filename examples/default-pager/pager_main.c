/* pager_main.c: the pager task: the page-list device and its self-check, then the default pager serving a stress task. */

#include <mach/vm_wire.h>
#include <mach/task_special_ports.h>
#include "guest.h"
#include "mach.h"
#include "mach_host.h"
#include "mach_port.h"
#include "gnumach.h"
#include "pld_guest.h"
#include "dp.h"
#include "stressServer.h"

/* The device the self-check fills (pld_check reads all of it back into a
   buffer of its size); the pager's device is re-initialized afterwards. */
#define CHECK_SIZE (256 * 1024)

static volatile int stress_finished;
static struct {
	int rounds, threads, free_kb, size_kb, checked_mb, mismatches;
} result;

kern_return_t stress_done(mach_port_t report, int rounds, int threads, int free_kb, int size_kb,
			  int checked_mb, int mismatches)
{
	(void) report;
	result.rounds = rounds;
	result.threads = threads;
	result.free_kb = free_kb;
	result.size_kb = size_kb;
	result.checked_mb = checked_mb;
	result.mismatches = mismatches;
	stress_finished = 1;
	return KERN_SUCCESS;
}

/* pld_check's TAP lines become the console protocol of conformance/stress:
   "ok N - WHAT" is sent as "@@ ok pld: WHAT". */
static void say(const char *line)
{
	const char *rest = line;
	int ok = strncmp(line, "ok ", 3) == 0;
	while (*rest && *rest != '-')
		rest++;
	if (*rest == '-')
		rest += 2;
	guest_printf("@@ %s pld: %s\n", ok ? "ok" : "not ok", rest);
}

static void stop(mach_port_t host_priv, const char *what, kern_return_t kr)
{
	guest_printf("@@ not ok setup: %s # kern_return 0x%x\n@@ end\n", what, (unsigned) kr);
	guest_halt(host_priv);
}

int guest_main(int argc, char **argv)
{
	static struct pld dev;
	mach_port_t task = mach_task_self(), host_priv, stress_task, master, port, manager, set, report;
	unsigned long dev_mb = 32;
	int ktype = MACH_PORT_KTYPE_USER_DEVICE, count = 0, wire = VM_WIRE_ALL;
	const char *failed;
	kern_return_t kr;
	void *storage;

	if (argc < 4) {
		guest_puts("@@ not ok setup: argv has the host, device and stress-task ports\n@@ end\n");
		return 1;
	}
	host_priv = (mach_port_t) guest_number(argv[1]);
	stress_task = (mach_port_t) guest_number(argv[3]);
	for (int i = 4; i < argc; i++) {
		if (!strncmp(argv[i], "dev-mb=", 7))
			dev_mb = guest_number(argv[i] + 7);
		else if (!strcmp(argv[i], "ktype=none"))
			ktype = MACH_PORT_KTYPE_NONE;
		else if (!strcmp(argv[i], "wire=current"))
			wire = VM_WIRE_CURRENT;
	}
	guest_printf("@@ diag pager task: device port ktype %s (%d), device %lu MB of wired memory\n",
		     ktype == MACH_PORT_KTYPE_NONE ? "NONE" : "USER_DEVICE", ktype, dev_mb);

	/* 1. The device, and pld_check against it from this thread while
	   the device's own thread serves it. */
	kr = pld_guest_serve(host_priv, ktype, &master, &port, &failed);
	if (kr != KERN_SUCCESS)
		stop(host_priv, failed, kr);
	storage = pld_guest_storage(host_priv, CHECK_SIZE, &kr);
	if (!storage)
		stop(host_priv, "wired storage for the self-check (vm_wire)", kr);
	pld_init(&dev, "pld0", storage, CHECK_SIZE, master, port);
	int failures = pld_check(master, "pld0", CHECK_SIZE, say, &count);
	guest_printf("@@ diag pld: self-check %d points, %d failed; served %lu reads, %lu writes, %lu refused\n",
		     count, failures, dev.reads, dev.writes, dev.refused);

	/* 2. The pager's device: all of it wired, then everything this task
	   has and will have (thread stacks, message buffers, the out-of-line
	   pages the kernel sends) wired too, so that paging never waits on
	   the pager's own pages. */
	storage = pld_guest_storage(host_priv, dev_mb << 20, &kr);
	if (!storage)
		stop(host_priv, "wired storage for the pager's device (vm_wire)", kr);
	pld_init(&dev, "pld0", storage, dev_mb << 20, master, port);
	failed = dp_init(host_priv, master, "pld0", dev_mb << 20, &manager, &set, &kr);
	if (failed)
		stop(host_priv, failed, kr);
	kr = vm_wire_all(host_priv, task, wire);
	if (kr != KERN_SUCCESS)
		stop(host_priv, "vm_wire_all", kr);
	guest_printf("@@ diag pager task: vm_wire_all(%s)\n", wire == VM_WIRE_ALL ? "VM_WIRE_ALL" : "VM_WIRE_CURRENT");

	/* The pager's thread (this one) may take pages from the kernel's
	   reserve, as the device's does: it receives the pages paged out. */
	kr = thread_wire(host_priv, mach_thread_self(), 1);
	if (kr != KERN_SUCCESS)
		stop(host_priv, "thread_wire(pager thread)", kr);

	/* 3. Register as the default pager. */
	mach_port_t old = manager;
	kr = vm_set_default_memory_manager(host_priv, &old);
	if (kr != KERN_SUCCESS)
		stop(host_priv, "vm_set_default_memory_manager", kr);
	guest_printf("@@ ok pager: vm_set_default_memory_manager (previous manager 0x%x)\n", (unsigned) old);

	/* 4. The stress task reports on a port of the pager's set, given to
	   it as its bootstrap port; then it may run. */
	kr = mach_port_allocate(task, MACH_PORT_RIGHT_RECEIVE, &report);
	if (kr == KERN_SUCCESS)
		kr = mach_port_insert_right(task, report, report, MACH_MSG_TYPE_MAKE_SEND);
	if (kr == KERN_SUCCESS)
		kr = mach_port_move_member(task, report, set);
	if (kr == KERN_SUCCESS)
		kr = task_set_special_port(stress_task, TASK_BOOTSTRAP_PORT, report);
	if (kr != KERN_SUCCESS)
		stop(host_priv, "the stress task's report port", kr);
	kr = task_resume(stress_task);
	if (kr != KERN_SUCCESS)
		stop(host_priv, "task_resume(stress task)", kr);

	kr = dp_serve(stress_server, &stress_finished);
	if (!stress_finished)
		stop(host_priv, "the pager's loop ended before the stress task reported", kr);

	guest_printf("@@ diag pager: messages: %lu memory_object_create, %lu data_return, "
		     "%lu data_initialize, %lu data_request, %lu terminate, %lu other\n",
		     dp_stats.created, dp_stats.returns, dp_stats.initializes, dp_stats.requests,
		     dp_stats.terminated, dp_stats.other);
	guest_printf("@@ diag pager: %lu pages zero-filled, peak %lu pages stored, "
		     "%lu data_initialize over stored pages\n",
		     dp_stats.zero_filled, dp_stats.slots_peak, dp_stats.initialize_over);
	guest_printf("@@ diag device: %lu reads (%lu bytes), %lu writes (%lu bytes), %lu refused\n",
		     dev.reads, dev.bytes_read, dev.writes, dev.bytes_written, dev.refused);
	guest_printf("@@ summary ktype=%s paged-out=%lu paged-in=%lu mismatches=%d rounds=%d threads=%d "
		     "free-kb=%d stress-kb=%d checked-mb=%d errors=%lu full=%lu unhandled=%lu other=%lu\n",
		     ktype == MACH_PORT_KTYPE_NONE ? "NONE" : "USER_DEVICE", dp_stats.paged_out,
		     dp_stats.paged_in, result.mismatches, result.rounds, result.threads, result.free_kb,
		     result.size_kb, result.checked_mb, dp_stats.errors, dp_stats.full, dp_stats.unhandled,
		     dp_stats.other);
	guest_puts("@@ end\n");
	guest_halt(host_priv);
}
