/* guest_device.c: the page-list device served by a thread of a task GNU Mach booted (wired storage, port ktype). */

#include "guest.h"
#include "mach.h"
#include "mach_host.h"
#include "mach_port.h"
#include "pld_guest.h"

/* Room for the largest device.defs request (a device_set_filter's array). */
#define PLD_MSG_SIZE 8192

void *pld_guest_storage(mach_port_t host_priv, vm_size_t size, kern_return_t *kr)
{
	void *p = guest_alloc(size);
	if (!p) {
		*kr = KERN_RESOURCE_SHORTAGE;
		return NULL;
	}
	*kr = vm_wire(host_priv, mach_task_self(), (vm_address_t) p, size,
		      VM_PROT_READ | VM_PROT_WRITE);
	if (*kr != KERN_SUCCESS) {
		guest_free(p, size);
		return NULL;
	}
	return p;
}

static mach_port_t pld_guest_set, pld_guest_host_priv;

static void pld_guest_thread(void *arg)
{
	(void) arg;
	/* The device serves the default pager: while memory is short, its
	   thread must still get pages (for the out-of-line data it receives)
	   from the kernel's reserve.  (GNU Mach answered
	   KERN_INVALID_ARGUMENT to thread_wire of another thread's port, so
	   the thread wires itself.) */
	kern_return_t kr = thread_wire(pld_guest_host_priv, mach_thread_self(), 1);
	if (kr != KERN_SUCCESS)
		guest_printf("@@ not ok pld: thread_wire of the device thread # kern_return 0x%x\n",
			     (unsigned) kr);
	mach_msg_return_t r = mach_msg_server(pld_demux, PLD_MSG_SIZE, pld_guest_set);
	guest_printf("@@ diag pld: server loop ended: 0x%x\n", (unsigned) r);
}

/* A receive right with a send right of the same name, in SET. */
static kern_return_t pld_guest_port(mach_port_t set, mach_port_t *name)
{
	mach_port_t task = mach_task_self();
	kern_return_t kr = mach_port_allocate(task, MACH_PORT_RIGHT_RECEIVE, name);
	if (kr == KERN_SUCCESS)
		kr = mach_port_insert_right(task, *name, *name, MACH_MSG_TYPE_MAKE_SEND);
	if (kr == KERN_SUCCESS)
		kr = mach_port_move_member(task, *name, set);
	return kr;
}

kern_return_t pld_guest_add_port(mach_port_t host_priv, int ktype, mach_port_t *port,
				 const char **failed)
{
	kern_return_t kr;
	*failed = "the device port";
	if ((kr = pld_guest_port(pld_guest_set, port)) != KERN_SUCCESS)
		return kr;
	/* The kernel type tells GNU Mach that out-of-line data sent to this
	   port goes to a device (the point of the example); NONE is the
	   unmarked comparison run. */
	if (ktype != MACH_PORT_KTYPE_NONE) {
		*failed = "mach_port_set_ktype";
		kr = mach_port_set_ktype(host_priv, mach_task_self(), *port, MACH_PORT_RIGHT_RECEIVE,
					 (mach_port_ktype_t) ktype);
	}
	return kr;
}

kern_return_t pld_guest_serve(mach_port_t host_priv, int ktype, mach_port_t *master,
			      mach_port_t *port, const char **failed)
{
	mach_port_t task = mach_task_self();
	kern_return_t kr;

	*failed = "mach_port_allocate(PORT_SET)";
	kr = mach_port_allocate(task, MACH_PORT_RIGHT_PORT_SET, &pld_guest_set);
	if (kr != KERN_SUCCESS)
		return kr;
	*failed = "the master port";
	if ((kr = pld_guest_port(pld_guest_set, master)) != KERN_SUCCESS)
		return kr;
	if ((kr = pld_guest_add_port(host_priv, ktype, port, failed)) != KERN_SUCCESS)
		return kr;
	*failed = "guest_thread_start";
	pld_guest_host_priv = host_priv;
	kr = guest_thread_start(pld_guest_thread, NULL, 64 * 1024, NULL);
	if (kr != KERN_SUCCESS)
		return kr;
	return KERN_SUCCESS;
}
