/* t_leak.c: a kernel stub that takes a translated send right must release it: 10,000 calls leave no port behind (host_slab_info counts). */

#include "check.h"
#include "mach.h"
#include "gnumach.h"
#include "mach_port.h"
#include "mach_debug.h"
#include <mach/vm_wire.h>
#include <mach/thread_switch.h>

/* Objects in use in the kernel's cache NAME (host_slab_info), -1 if none. */
static long cache_objs(struct t_ctx *c, const char *name)
{
	cache_info_array_t info = 0;
	mach_msg_type_number_t n = 0;
	long objs = -1;

	if (host_slab_info(c->host, &info, &n) != KERN_SUCCESS)
		return -1;
	for (mach_msg_type_number_t i = 0; i < n; i++)
		if (!strncmp(info[i].name, name, sizeof info[i].name))
			objs = (long)info[i].nr_objs;
	vm_deallocate(c->task, (vm_address_t)info, n * sizeof *info);
	return objs;
}

#define CHILDREN 10
#define CALLS 1000

/* vm_wire_all(host_priv, TASK, flags): TASK arrives as a send right the
   kernel's stub translates to the task's map; after a successful call
   the stub must release that send right.  A stub that keeps it keeps
   the task's port alive after the task is gone: one port per child. */
void t_group_leak(struct t_ctx *c)
{
	long before = cache_objs(c, "ipc_port");
	t_ok(c, "host_slab_info", before > 0, "the kernel's cache \"ipc_port\" has objects in use (%ld)", before);

	int calls = 0, good = 0;
	for (int k = 0; k < CHILDREN; k++) {
		/* With its parent's memory: vm_wire_all on a task created
		   with an empty map panics the kernel (sid 2026-10-28, both
		   targets; docs/guest.md). */
		mach_port_t child = MACH_PORT_NULL;
		if (task_create(c->task, 1, &child) != KERN_SUCCESS)
			break;
		for (int i = 0; i < CALLS; i++, calls++)
			good += vm_wire_all(c->host_priv, child, VM_WIRE_NONE) == KERN_SUCCESS;
		task_terminate(child);
		mach_port_deallocate(c->task, child);
	}
	t_ok(c, "vm_wire_all", calls == CHILDREN * CALLS && good == calls,
	     "%d calls on %d new tasks, each with a task's send right (%d KERN_SUCCESS)", calls, CHILDREN, good);

	/* Let the kernel's reaper free what the terminated tasks held. */
	long after = -1;
	for (int i = 0; i < 50; i++) {
		thread_switch(MACH_PORT_NULL, SWITCH_OPTION_WAIT, 20);
		after = cache_objs(c, "ipc_port");
		if (after >= 0 && after < before + CHILDREN / 2)
			break;
	}
	t_ok(c, "vm_wire_all", after >= 0 && after < before + CHILDREN / 2,
	     "no port left behind by the calls: \"ipc_port\" objects %ld before, %ld after %d tasks were gone",
	     before, after, CHILDREN);
}
