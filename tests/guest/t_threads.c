/* t_threads.c: the guest runtime's threads (runtime/guest/thread.c) on the real kernel: how a thread ends, and what it leaves behind. */

#include "check.h"
#include "mach.h"
#include "mach_port.h"
#include <mach/mig_support.h>
#include <mach/thread_switch.h>

/* A thread that waits WAIT_MS, then returns (and so ends). */
static void short_lived(void *arg)
{
	thread_switch(MACH_PORT_NULL, SWITCH_OPTION_WAIT, (mach_msg_timeout_t)(uintptr_t)arg);
}

/* Wait until THREAD's name is a dead name: the kernel destroyed it. */
static int wait_gone(struct t_ctx *c, mach_port_t thread)
{
	for (int i = 0; i < 2000; i++) {
		if (t_type(c, thread) & MACH_PORT_TYPE_DEAD_NAME)
			return 1;
		thread_switch(MACH_PORT_NULL, SWITCH_OPTION_WAIT, 1);
	}
	return 0;
}

static mach_msg_type_number_t name_count(struct t_ctx *c)
{
	mach_port_array_t names = 0;
	mach_port_type_array_t types = 0;
	mach_msg_type_number_t n = 0, tn = 0;

	if (mach_port_names(c->task, &names, &n, &types, &tn) != KERN_SUCCESS)
		return 0;
	vm_deallocate(c->task, (vm_address_t)names, n * sizeof *names);
	vm_deallocate(c->task, (vm_address_t)types, tn * sizeof *types);
	return n;
}

void t_group_threads(struct t_ctx *c)
{
	/* A thread ending while this one waits on its own reply port: the
	   ending thread's last call must not answer to this thread's port. */
	mach_port_t th = MACH_PORT_NULL;
	T_KR(c, "thread_terminate", guest_thread_start(short_lived, (void *)(uintptr_t)50, 16384, &th),
	     KERN_SUCCESS, "a thread that ends after 50 ms");
	unsigned char buf[512];
	mach_msg_return_t r = t_receive(mig_get_reply_port(), 1000, buf, sizeof buf);
	t_ok(c, "thread_terminate", r == MACH_RCV_TIMED_OUT,
	     "a thread's end sends nothing to another thread's reply port (receive: 0x%x, id %d)", (unsigned)r,
	     r == MACH_MSG_SUCCESS ? ((mach_msg_header_t *)buf)->msgh_id : 0);
	t_ok(c, "thread_terminate", wait_gone(c, th), "the ended thread's name became a dead name");
	mach_port_deallocate(c->task, th);

	/* Many more threads than the runtime has slots, one after another:
	   each start must find a slot, and the task's names must come back
	   to what they were (no reply port, thread name or stack left).  An
	   ended thread's slot (its name and reply port) is taken back by the
	   next start, so one ended thread is counted before and after. */
	mach_msg_type_number_t before = name_count(c);
	int started = 0, gone = 0;
	for (int i = 0; i < 40; i++) {
		if (guest_thread_start(short_lived, (void *)(uintptr_t)0, 16384, &th) != KERN_SUCCESS)
			break;
		started++;
		gone += wait_gone(c, th);
		mach_port_deallocate(c->task, th);
	}
	t_ok(c, "thread_terminate", started == 40 && gone == 40,
	     "40 threads started and ended one after another (%d started, %d gone)", started, gone);
	mach_msg_type_number_t after = name_count(c);
	t_ok(c, "thread_terminate", before && after == before,
	     "the task's port names are as many after as before (%u, %u)", (unsigned)before, (unsigned)after);
}
