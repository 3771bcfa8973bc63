/* t_mach_host.c: checks of mach_host.defs (host, processors, processor sets, scheduling, time). */

#include "check.h"
#include "mach.h"
#include "mach_port.h"
#include "mach_host.h"
#include <mach/host_info.h>
#include <mach/processor_info.h>
#include <mach/thread_info.h>
#include <mach/task_info.h>
#include <mach/policy.h>
#include <mach/thread_switch.h>
#include <mach/time_value.h>
#include <mach/vm_statistics.h>
#include <mach/vm_prot.h>

/* Ports in an out-of-line array the kernel gave us: all dropped, then the array. */
static void drop_ports(struct t_ctx *c, mach_port_t *a, mach_msg_type_number_t n)
{
	for (mach_msg_type_number_t i = 0; i < n; i++)
		mach_port_deallocate(c->task, a[i]);
	if (a)
		vm_deallocate(c->task, (vm_address_t)a, n * sizeof *a);
}

static int contains(const mach_port_t *a, mach_msg_type_number_t n, mach_port_t x)
{
	for (mach_msg_type_number_t i = 0; i < n; i++)
		if (a[i] == x)
			return 1;
	return 0;
}

static struct thread_sched_info sched_of(mach_port_t th)
{
	struct thread_sched_info si = { .policy = -1 };
	mach_msg_type_number_t n = THREAD_SCHED_INFO_COUNT;

	thread_info(th, THREAD_SCHED_INFO, (thread_info_t)&si, &n);
	return si;
}

/* The name port of the processor set an assignment call returned, compared
   by what processor_set_info says of it: the kernel gives name ports. */
static void info_and_processors(struct t_ctx *c, mach_port_t *proc, mach_port_t *dflt_name,
				mach_port_t *dflt)
{
	host_basic_info_data_t hb;
	mach_msg_type_number_t n = HOST_BASIC_INFO_COUNT;
	T_KR(c, "host_info", host_info(c->host, HOST_BASIC_INFO, (host_info_t)&hb, &n),
	     KERN_SUCCESS, "HOST_BASIC_INFO");
	t_ok(c, "host_info", hb.avail_cpus >= 1 && hb.max_cpus >= hb.avail_cpus && hb.memory_size > 0,
	     "%d of %d cpus, %lu bytes of memory", (int)hb.avail_cpus, (int)hb.max_cpus,
	     (unsigned long)hb.memory_size);
	host_sched_info_data_t hs;
	n = HOST_SCHED_INFO_COUNT;
	T_KR(c, "host_info", host_info(c->host, HOST_SCHED_INFO, (host_info_t)&hs, &n),
	     KERN_SUCCESS, "HOST_SCHED_INFO");
	t_ok(c, "host_info", hs.min_timeout > 0 && hs.min_quantum > 0, "timeout %d ms, quantum %d ms",
	     (int)hs.min_timeout, (int)hs.min_quantum);
	n = HOST_BASIC_INFO_COUNT;
	T_KR(c, "host_info", host_info(c->host, 9999, (host_info_t)&hb, &n), KERN_INVALID_ARGUMENT,
	     "flavor 9999");

	processor_array_t procs = 0;
	mach_msg_type_number_t np = 0;
	T_KR(c, "host_processors", host_processors(c->host_priv, &procs, &np), KERN_SUCCESS,
	     "through host-priv");
	t_eq(c, "host_processors", np, (unsigned)hb.avail_cpus, "as many as host_info's available cpus");
	*proc = np ? procs[0] : MACH_PORT_NULL;
	for (mach_msg_type_number_t i = 1; i < np; i++)
		mach_port_deallocate(c->task, procs[i]);
	vm_deallocate(c->task, (vm_address_t)procs, np * sizeof *procs);
	T_KR(c, "host_processors", host_processors(c->host, &procs, &np), KERN_INVALID_ARGUMENT,
	     "through the unprivileged host port");

	struct processor_basic_info pb;
	mach_port_t h = MACH_PORT_NULL;
	n = PROCESSOR_BASIC_INFO_COUNT;
	T_KR(c, "processor_info", processor_info(*proc, PROCESSOR_BASIC_INFO, &h, (processor_info_t)&pb, &n),
	     KERN_SUCCESS, "PROCESSOR_BASIC_INFO of the first processor");
	t_ok(c, "processor_info", pb.running && pb.is_master, "running, the master");
	t_eq(c, "processor_info", h, c->host, "names the host port we have");
	mach_port_deallocate(c->task, h);

	T_KR(c, "processor_set_default", processor_set_default(c->host, dflt_name), KERN_SUCCESS,
	     "through the host port");
	T_KR(c, "host_processor_set_priv", host_processor_set_priv(c->host_priv, *dflt_name, dflt),
	     KERN_SUCCESS, "control port of the default set");
	t_ok(c, "host_processor_set_priv", *dflt != *dflt_name && *dflt != MACH_PORT_NULL,
	     "a port other than the name port");
	mach_port_t x;
	T_KR(c, "host_processor_set_priv", host_processor_set_priv(c->host, *dflt_name, &x),
	     KERN_INVALID_ARGUMENT, "through the unprivileged host port");

	processor_set_name_array_t sets = 0;
	mach_msg_type_number_t ns = 0;
	T_KR(c, "host_processor_sets", host_processor_sets(c->host, &sets, &ns), KERN_SUCCESS,
	     "through the host port");
	t_ok(c, "host_processor_sets", contains(sets, ns, *dflt_name),
	     "the default set's name is among %u", (unsigned)ns);
	drop_ports(c, sets, ns);

	struct processor_set_basic_info sb;
	n = PROCESSOR_SET_BASIC_INFO_COUNT;
	T_KR(c, "processor_set_info", processor_set_info(*dflt_name, PROCESSOR_SET_BASIC_INFO, &h,
							 (processor_set_info_t)&sb, &n),
	     KERN_SUCCESS, "PROCESSOR_SET_BASIC_INFO of the default set");
	t_ok(c, "processor_set_info", sb.processor_count == hb.avail_cpus && sb.task_count >= 1 &&
	     sb.thread_count >= 1, "%d processors, %d tasks, %d threads", (int)sb.processor_count,
	     (int)sb.task_count, (int)sb.thread_count);
	mach_port_deallocate(c->task, h);

	processor_name_array_t pl = 0;
	mach_msg_type_number_t npl = 0;
	T_KR(c, "processor_set_processors", processor_set_processors(*dflt, &pl, &npl), KERN_SUCCESS,
	     "of the default set");
	t_eq(c, "processor_set_processors", npl, (unsigned)sb.processor_count,
	     "as many as processor_set_info counts");
	drop_ports(c, pl, npl);

	task_array_t tl = 0;
	mach_msg_type_number_t ntl = 0;
	T_KR(c, "processor_set_tasks", processor_set_tasks(*dflt, &tl, &ntl), KERN_SUCCESS,
	     "of the default set");
	t_ok(c, "processor_set_tasks", contains(tl, ntl, c->task) && (int)ntl == sb.task_count,
	     "our task among %u, as many as processor_set_info counts", (unsigned)ntl);
	drop_ports(c, tl, ntl);
	thread_array_t thl = 0;
	mach_msg_type_number_t nthl = 0;
	mach_port_t me = mach_thread_self();
	T_KR(c, "processor_set_threads", processor_set_threads(*dflt, &thl, &nthl), KERN_SUCCESS,
	     "of the default set");
	t_ok(c, "processor_set_threads", contains(thl, nthl, me), "our thread among %u", (unsigned)nthl);
	drop_ports(c, thl, nthl);
	mach_port_deallocate(c->task, me);
	T_KR(c, "processor_set_tasks", processor_set_tasks(*dflt_name, &tl, &ntl), KERN_INVALID_ARGUMENT,
	     "through the name port (the control port is needed)");
}

static void psets(struct t_ctx *c, mach_port_t proc, mach_port_t dflt_name, mach_port_t dflt)
{
	mach_port_t ps = MACH_PORT_NULL, ps_name = MACH_PORT_NULL, got = MACH_PORT_NULL;
	mach_msg_type_number_t n;
	mach_port_t h;

	/* Debian's kernels are built without MACH_HOST: one processor set,
	   and every call that would make or change an assignment answers
	   KERN_FAILURE (mach.info: "if the operating system does not
	   support" it); the assignments can still be read. */
	T_KR(c, "processor_set_create", processor_set_create(c->host, &ps, &ps_name), KERN_FAILURE,
	     "a new set (one set only: no MACH_HOST)");
	T_KR(c, "processor_set_destroy", processor_set_destroy(dflt), KERN_FAILURE, "the default set");
	struct processor_set_basic_info sb;
	n = PROCESSOR_SET_BASIC_INFO_COUNT;
	T_KR(c, "processor_set_destroy", processor_set_info(dflt_name, PROCESSOR_SET_BASIC_INFO, &h,
							    (processor_set_info_t)&sb, &n),
	     KERN_SUCCESS, "processor_set_info: the default set is still there");
	mach_port_deallocate(c->task, h);
	T_KR(c, "processor_set_destroy", processor_set_destroy(dflt_name), KERN_FAILURE,
	     "through the name port (refused before the port is looked at)");

	mach_port_t raw = MACH_PORT_NULL;
	thread_create(c->task, &raw);
	T_KR(c, "thread_get_assignment", thread_get_assignment(raw, &got), KERN_SUCCESS, "of a new thread");
	t_eq(c, "thread_get_assignment", got, dflt_name, "the default set");
	T_KR(c, "thread_assign", thread_assign(raw, dflt), KERN_FAILURE, "a thread (no MACH_HOST)");
	T_KR(c, "thread_assign_default", thread_assign_default(raw), KERN_FAILURE, "a thread (no MACH_HOST)");
	thread_get_assignment(raw, &got);
	t_eq(c, "thread_assign", got, dflt_name, "thread_get_assignment: still the default set");

	mach_port_t child = MACH_PORT_NULL;
	task_create(c->task, 0, &child);
	T_KR(c, "task_get_assignment", task_get_assignment(child, &got), KERN_SUCCESS, "of a child task");
	t_eq(c, "task_get_assignment", got, dflt_name, "the default set");
	T_KR(c, "task_assign", task_assign(child, dflt, 0), KERN_FAILURE, "a task (no MACH_HOST)");
	T_KR(c, "task_assign_default", task_assign_default(child, 0), KERN_FAILURE, "a task (no MACH_HOST)");
	task_get_assignment(child, &got);
	t_eq(c, "task_assign", got, dflt_name, "task_get_assignment: still the default set");

	T_KR(c, "processor_get_assignment", processor_get_assignment(proc, &got), KERN_SUCCESS,
	     "of the first processor");
	t_eq(c, "processor_get_assignment", got, dflt_name, "the default set");
	T_KR(c, "processor_assign", processor_assign(proc, dflt, 0), KERN_FAILURE,
	     "a processor (no MACH_HOST)");
	processor_get_assignment(proc, &got);
	t_eq(c, "processor_assign", got, dflt_name, "processor_get_assignment: still the default set");

	/* Scheduling limits of the default set, put back afterwards. */
	struct processor_set_sched_info ss;
	n = PROCESSOR_SET_SCHED_INFO_COUNT;
	T_KR(c, "processor_set_info", processor_set_info(dflt_name, PROCESSOR_SET_SCHED_INFO, &h,
							 (processor_set_info_t)&ss, &n),
	     KERN_SUCCESS, "PROCESSOR_SET_SCHED_INFO of the default set");
	mach_port_deallocate(c->task, h);
	int old_max = ss.max_priority, before = ss.policies;
	T_KR(c, "processor_set_max_priority", processor_set_max_priority(dflt, old_max - 1, 0),
	     KERN_SUCCESS, "one above the current maximum");
	n = PROCESSOR_SET_SCHED_INFO_COUNT;
	processor_set_info(dflt_name, PROCESSOR_SET_SCHED_INFO, &h, (processor_set_info_t)&ss, &n);
	mach_port_deallocate(c->task, h);
	t_eq(c, "processor_set_max_priority", ss.max_priority, old_max - 1, "read back through processor_set_info");
	processor_set_max_priority(dflt, old_max, 0);
	T_KR(c, "processor_set_max_priority", processor_set_max_priority(dflt_name, old_max, 0),
	     KERN_INVALID_ARGUMENT, "through the name port");
	T_KR(c, "processor_set_policy_enable", processor_set_policy_enable(dflt, POLICY_FIXEDPRI),
	     KERN_SUCCESS, "POLICY_FIXEDPRI");
	n = PROCESSOR_SET_SCHED_INFO_COUNT;
	processor_set_info(dflt_name, PROCESSOR_SET_SCHED_INFO, &h, (processor_set_info_t)&ss, &n);
	mach_port_deallocate(c->task, h);
	t_ok(c, "processor_set_policy_enable", (ss.policies & POLICY_FIXEDPRI) != 0,
	     "processor_set_info: policies %x then %x", (unsigned)before, (unsigned)ss.policies);

	T_KR(c, "thread_policy", thread_policy(raw, POLICY_FIXEDPRI, 50), KERN_SUCCESS,
	     "POLICY_FIXEDPRI, quantum 50 ms");
	struct thread_sched_info si = sched_of(raw);
	t_eq(c, "thread_policy", si.policy, POLICY_FIXEDPRI, "read back through THREAD_SCHED_INFO");
	T_KR(c, "thread_policy", thread_policy(raw, 77, 0), KERN_INVALID_ARGUMENT, "policy 77");
	T_KR(c, "processor_set_policy_disable", processor_set_policy_disable(dflt, POLICY_FIXEDPRI, 1),
	     KERN_SUCCESS, "POLICY_FIXEDPRI, changing threads");
	si = sched_of(raw);
	t_eq(c, "processor_set_policy_disable", si.policy, POLICY_TIMESHARE,
	     "the thread is back to timesharing");
	n = PROCESSOR_SET_SCHED_INFO_COUNT;
	processor_set_info(dflt_name, PROCESSOR_SET_SCHED_INFO, &h, (processor_set_info_t)&ss, &n);
	mach_port_deallocate(c->task, h);
	t_eq(c, "processor_set_policy_disable", ss.policies, before, "processor_set_info: policies as before");
	T_KR(c, "thread_policy", thread_policy(raw, POLICY_FIXEDPRI, 50), KERN_FAILURE,
	     "POLICY_FIXEDPRI where the set no longer allows it");
	T_KR(c, "processor_set_policy_disable", processor_set_policy_disable(dflt, POLICY_TIMESHARE, 0),
	     KERN_INVALID_ARGUMENT, "POLICY_TIMESHARE (always allowed)");

	/* Priorities (a lower number is a higher priority). */
	si = sched_of(raw);
	int base = si.base_priority, max = si.max_priority;
	T_KR(c, "thread_priority", thread_priority(raw, base + 2, 1), KERN_SUCCESS,
	     "two below base, and as maximum");
	si = sched_of(raw);
	t_ok(c, "thread_priority", si.base_priority == base + 2 && si.max_priority == base + 2,
	     "THREAD_SCHED_INFO: base %d, max %d (were %d, %d)", (int)si.base_priority,
	     (int)si.max_priority, base, max);
	T_KR(c, "thread_priority", thread_priority(raw, base, 0), KERN_FAILURE,
	     "above the new maximum");
	T_KR(c, "thread_max_priority", thread_max_priority(raw, dflt, max), KERN_SUCCESS,
	     "the old maximum again, through the default set's control port");
	si = sched_of(raw);
	t_eq(c, "thread_max_priority", si.max_priority, max, "read back through THREAD_SCHED_INFO");
	T_KR(c, "thread_max_priority", thread_max_priority(raw, dflt_name, max), KERN_INVALID_ARGUMENT,
	     "through the set's name port");

	struct task_basic_info tb;
	n = TASK_BASIC_INFO_COUNT;
	T_KR(c, "task_priority", task_priority(child, base + 3, 0), KERN_SUCCESS, "of the child");
	task_info(child, TASK_BASIC_INFO, (task_info_t)&tb, &n);
	t_eq(c, "task_priority", tb.base_priority, base + 3, "read back through TASK_BASIC_INFO");
	T_KR(c, "task_max_priority", task_max_priority(c->host_priv, child, base + 4, 1, 0), KERN_SUCCESS,
	     "of the child, setting the priority too");
	n = TASK_BASIC_INFO_COUNT;
	task_info(child, TASK_BASIC_INFO, (task_info_t)&tb, &n);
	t_eq(c, "task_max_priority", tb.base_priority, base + 4, "TASK_BASIC_INFO shows the new priority");
	T_KR(c, "task_max_priority", task_max_priority(c->host, child, base, 1, 0), KERN_NO_ACCESS,
	     "raising it again through the unprivileged host port");

	/* Depression: thread_switch with the depress option depresses the
	   caller until its timeout or thread_depress_abort. */
	mach_port_t me = mach_thread_self();
	T_KR(c, "thread_depress_abort", thread_depress_abort(raw), KERN_SUCCESS, "of a thread not depressed");
	thread_switch(MACH_PORT_NULL, SWITCH_OPTION_DEPRESS, 1000);
	T_KR(c, "thread_depress_abort", thread_depress_abort(me), KERN_SUCCESS, "of this thread");
	si = sched_of(me);
	t_ok(c, "thread_depress_abort", !si.depressed,
	     "THREAD_SCHED_INFO: not depressed (current priority %d, base %d)", (int)si.cur_priority,
	     (int)si.base_priority);
	T_KR(c, "thread_depress_abort", thread_depress_abort(c->task), KERN_INVALID_ARGUMENT, "of a task port");

	T_KR(c, "thread_wire", thread_wire(c->host_priv, me, 1), KERN_SUCCESS, "this thread");
	T_KR(c, "thread_wire", thread_wire(c->host_priv, me, 0), KERN_SUCCESS, "unwire");
	T_KR(c, "thread_wire", thread_wire(c->host, me, 1), KERN_INVALID_ARGUMENT,
	     "through the unprivileged host port");
	mach_port_deallocate(c->task, me);

	thread_terminate(raw);
	mach_port_destroy(c->task, raw);
	task_terminate(child);
	mach_port_destroy(c->task, child);
}

static void processors(struct t_ctx *c, mach_port_t proc)
{
	/* The only processor is running: starting it is a no-op the kernel
	   refuses, stopping it would stop us (only the refusal is tried). */
	T_KR(c, "processor_start", processor_start(proc), KERN_FAILURE, "the running processor");
	T_KR(c, "processor_exit", processor_exit(c->host), KERN_INVALID_ARGUMENT,
	     "on the host port instead of a processor (the only one must keep running)");
	T_KR(c, "processor_start", processor_start(c->host), KERN_INVALID_ARGUMENT, "on the host port");
	integer_t cmd[4] = { 0 };
	T_KR(c, "processor_control", processor_control(proc, cmd, 4), KERN_FAILURE,
	     "any command (no x86 processor takes one)");
}

static void wiring(struct t_ctx *c)
{
	vm_address_t a = 0;
	const vm_size_t size = 16 * 4096;
	vm_statistics_data_t before, after;

	vm_allocate(c->task, &a, size, 1);
	for (vm_size_t i = 0; i < size; i += 4096)
		((volatile char *)a)[i] = 1;
	vm_statistics(c->task, &before);
	T_KR(c, "vm_wire", vm_wire(c->host_priv, c->task, a, size, VM_PROT_READ | VM_PROT_WRITE),
	     KERN_SUCCESS, "sixteen pages");
	vm_statistics(c->task, &after);
	t_ok(c, "vm_wire", after.wire_count >= before.wire_count + 16,
	     "vm_statistics: wired pages %d then %d", (int)before.wire_count, (int)after.wire_count);
	T_KR(c, "vm_wire", vm_wire(c->host_priv, c->task, a, size, VM_PROT_NONE), KERN_SUCCESS, "unwire");
	vm_statistics(c->task, &after);
	t_ok(c, "vm_wire", after.wire_count < before.wire_count + 16,
	     "vm_statistics: wired pages back to %d", (int)after.wire_count);
	/* mach.info: without the privileged port the amount is limited per
	   task; a few pages are allowed. */
	T_KR(c, "vm_wire", vm_wire(c->host, c->task, a, 4096, VM_PROT_READ), KERN_SUCCESS,
	     "one page through the unprivileged host port");
	vm_wire(c->host, c->task, a, 4096, VM_PROT_NONE);
	/* mach.info says KERN_INVALID_VALUE; both kernels answer
	   KERN_INVALID_ARGUMENT (noted in docs/guest.md). */
	T_KR(c, "vm_wire", vm_wire(c->host_priv, c->task, a, size, 0x80), KERN_INVALID_ARGUMENT,
	     "access 0x80");
	T_KR(c, "vm_wire", vm_wire(c->host_priv, c->host, a, size, VM_PROT_READ), KERN_INVALID_TASK,
	     "with the host port as task");
	vm_deallocate(c->task, a, size);
}

static void times(struct t_ctx *c)
{
	time_value_t t0, t1, old;
	T_KR(c, "host_get_time", host_get_time(c->host, &t0), KERN_SUCCESS, "through the host port");
	t_ok(c, "host_get_time", t0.seconds > 1000000000, "a time after 2001 (%ld)", (long)t0.seconds);
	time_value_t set = { .seconds = t0.seconds + 100000, .microseconds = 0 };
	T_KR(c, "host_set_time", host_set_time(c->host_priv, set), KERN_SUCCESS, "100000 s ahead");
	host_get_time(c->host, &t1);
	t_ok(c, "host_set_time", t1.seconds >= set.seconds && t1.seconds < set.seconds + 10,
	     "host_get_time reads %ld for %ld", (long)t1.seconds, (long)set.seconds);
	T_KR(c, "host_set_time", host_set_time(c->host, set), KERN_INVALID_HOST,
	     "through the unprivileged host port");

	time_value64_t u0, u1, s64, g64, o64;
	T_KR(c, "host_get_time64", host_get_time64(c->host, &g64), KERN_SUCCESS, "through the host port");
	t_ok(c, "host_get_time64", g64.seconds >= set.seconds && g64.seconds < set.seconds + 10,
	     "agrees with host_get_time (%lld)", (long long)g64.seconds);
	s64 = g64;
	s64.seconds -= 100000;
	T_KR(c, "host_set_time64", host_set_time64(c->host_priv, s64), KERN_SUCCESS, "100000 s back");
	host_get_time(c->host, &t1);
	t_ok(c, "host_set_time64", t1.seconds >= s64.seconds && t1.seconds < s64.seconds + 10,
	     "host_get_time reads %ld", (long)t1.seconds);
	T_KR(c, "host_set_time64", host_set_time64(c->host, s64), KERN_INVALID_HOST,
	     "through the unprivileged host port");

	/* Adjustments: the second call returns what the first left pending. */
	time_value_t adj = { .seconds = 0, .microseconds = 5000 }, none = { 0, 0 };
	T_KR(c, "host_adjust_time", host_adjust_time(c->host_priv, adj, &old), KERN_SUCCESS, "by 5 ms");
	host_adjust_time(c->host_priv, none, &old);
	t_ok(c, "host_adjust_time", old.seconds == 0 && old.microseconds > 0 && old.microseconds <= 5000,
	     "the next call returns the pending part (%ld us)", (long)old.microseconds);
	T_KR(c, "host_adjust_time", host_adjust_time(c->host, adj, &old), KERN_INVALID_HOST,
	     "through the unprivileged host port");
	time_value64_t adj64 = { .seconds = 0, .nanoseconds = 7000000 }, none64 = { 0, 0 };
	T_KR(c, "host_adjust_time64", host_adjust_time64(c->host_priv, adj64, &o64), KERN_SUCCESS, "by 7 ms");
	host_adjust_time64(c->host_priv, none64, &o64);
	t_ok(c, "host_adjust_time64", o64.seconds == 0 && o64.nanoseconds > 0 && o64.nanoseconds <= 7000000,
	     "the next call returns the pending part (%lld ns)", (long long)o64.nanoseconds);
	T_KR(c, "host_adjust_time64", host_adjust_time64(c->host, adj64, &o64), KERN_INVALID_HOST,
	     "through the unprivileged host port");

	T_KR(c, "host_get_uptime64", host_get_uptime64(c->host, &u0), KERN_SUCCESS, "through the host port");
	for (int i = 0; i < 3; i++)
		thread_switch(MACH_PORT_NULL, SWITCH_OPTION_WAIT, 20);
	host_get_uptime64(c->host, &u1);
	long long d = (u1.seconds - u0.seconds) * 1000000000ll + (u1.nanoseconds - u0.nanoseconds);
	t_ok(c, "host_get_uptime64", u0.seconds < 600 && d >= 40000000ll,
	     "a few seconds since boot, and 60 ms of waits later %lld ns more (uptime is not set by host_set_time)", d);
}

void t_group_mach_host(struct t_ctx *c)
{
	mach_port_t proc, dflt_name, dflt;

	info_and_processors(c, &proc, &dflt_name, &dflt);
	psets(c, proc, dflt_name, dflt);
	processors(c, proc);
	wiring(c);
	times(c);
#if defined(__i386__)
	static kernel_version_t v;
	T_KR(c, "host_kernel_version", host_kernel_version(c->host, v), KERN_SUCCESS,
	     "the deprecated call (i686 only)");
	static kernel_version_t v2;
	host_get_kernel_version(c->host, v2);
	t_ok(c, "host_kernel_version", !strcmp(v, v2), "the same string as host_get_kernel_version");
#endif
	T_KR(c, "host_reboot", host_reboot(c->host, 0x8), KERN_INVALID_HOST,
	     "halt through the unprivileged host port (the privileged one ends the run)");
}
