/* t_memobj.c: the memory object calls of mach.defs, with this task as the external pager (migc's memory_object server stubs). */

#include "check.h"
#include "mach.h"
#include "mach_port.h"
#include "memory_objectServer.h"
#include "excServer.h"
#include <mach/memory_object.h>
#include <mach/exception.h>
#include <mach/thread_special_ports.h>
#include <mach/task_special_ports.h>
#include <mach/thread_switch.h>
#include <mach/vm_prot.h>
#include <mach/vm_inherit.h>
#include <mach/mig_errors.h>

#define PG 4096

/* What the kernel told the pager, filled in by the server functions. */
static struct pager {
	mach_port_t object;		/* our memory object port */
	mach_port_t control, name;	/* from memory_object_init */
	vm_size_t page_size;
	int inits, terminates, requests, returns, locks, supplies, changes, exceptions;
	vm_offset_t request_offset, return_offset, lock_offset;
	unsigned char returned[PG];	/* the data of memory_object_data_return */
	mach_msg_type_number_t returned_size;
	kern_return_t supply_result;
	boolean_t change_may_cache;
	memory_object_copy_strategy_t change_strategy;
	integer_t exc, exc_code;
	mach_port_t exc_thread;
} pg;

kern_return_t memory_object_init(mach_port_t object, mach_port_t control, mach_port_t name, vm_size_t ps)
{
	pg.inits++;
	if (object == pg.object) {
		pg.control = control;
		pg.name = name;
		pg.page_size = ps;
	}
	return KERN_SUCCESS;
}

kern_return_t memory_object_terminate(mach_port_t object, mach_port_t control, mach_port_t name)
{
	(void)object;
	pg.terminates++;
	mach_port_mod_refs(mach_task_self(), control, MACH_PORT_RIGHT_RECEIVE, -1);
	mach_port_deallocate(mach_task_self(), name);
	return KERN_SUCCESS;
}

kern_return_t memory_object_data_request(mach_port_t object, mach_port_t control, vm_offset_t offset,
					 vm_size_t length, vm_prot_t access)
{
	(void)object, (void)control, (void)length, (void)access;
	pg.requests++;
	pg.request_offset = offset;
	return KERN_SUCCESS;
}

kern_return_t memory_object_data_return(mach_port_t object, mach_port_t control, vm_offset_t offset,
					vm_offset_t data, mach_msg_type_number_t n, boolean_t dirty,
					boolean_t kernel_copy)
{
	(void)object, (void)control, (void)dirty, (void)kernel_copy;
	pg.returns++;
	pg.return_offset = offset;
	pg.returned_size = n;
	memcpy(pg.returned, (void *)data, n < PG ? n : PG);
	vm_deallocate(mach_task_self(), data, n);
	return KERN_SUCCESS;
}

kern_return_t memory_object_lock_completed(mach_port_t reply, mach_port_t control, vm_offset_t offset,
					   vm_size_t length)
{
	(void)reply, (void)control, (void)length;
	pg.locks++;
	pg.lock_offset = offset;
	return KERN_SUCCESS;
}

kern_return_t memory_object_supply_completed(mach_port_t reply, mach_port_t control, vm_offset_t offset,
					     vm_size_t length, kern_return_t result, vm_offset_t error_offset)
{
	(void)reply, (void)control, (void)offset, (void)length, (void)error_offset;
	pg.supplies++;
	pg.supply_result = result;
	return KERN_SUCCESS;
}

kern_return_t memory_object_change_completed(mach_port_t reply, boolean_t may_cache,
					     memory_object_copy_strategy_t strategy)
{
	(void)reply;
	pg.changes++;
	pg.change_may_cache = may_cache;
	pg.change_strategy = strategy;
	return KERN_SUCCESS;
}

/* Never sent here (no copies of the object, no locked pages); defined
   because the server stubs' weak defaults need MIG_EOPNOTSUPP, which
   GNU Mach's headers do not define. */
kern_return_t memory_object_copy(mach_port_t old, mach_port_t control, vm_offset_t offset,
				 vm_size_t length, mach_port_t new_object)
{
	(void)old, (void)control, (void)offset, (void)length, (void)new_object;
	return KERN_FAILURE;
}

kern_return_t memory_object_data_unlock(mach_port_t object, mach_port_t control, vm_offset_t offset,
					vm_size_t length, vm_prot_t access)
{
	(void)object, (void)control, (void)offset, (void)length, (void)access;
	return KERN_FAILURE;
}

/* The faulting thread of memory_object_data_error: end it, no reply. */
kern_return_t catch_exception_raise(mach_port_t port, mach_port_t thread, mach_port_t task,
				    integer_t exception, integer_t code, rpc_long_integer_t subcode)
{
	(void)port, (void)subcode;
	pg.exceptions++;
	pg.exc = exception;
	pg.exc_code = code;
	pg.exc_thread = thread;
	thread_terminate(thread);
	mach_port_deallocate(mach_task_self(), thread);
	mach_port_deallocate(mach_task_self(), task);
	return MIG_NO_REPLY;
}

/* Serve what arrives on SET for up to MS milliseconds, or until the
   counter *COUNT has reached TARGET. */
static void serve(mach_port_t set, unsigned ms, volatile int *count, int target)
{
	union { mach_msg_header_t h; char b[8192]; } in, out;

	for (unsigned waited = 0; waited <= ms && *count < target;) {
		mach_msg_return_t r = mach_msg(&in.h, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof in, set, 20,
					       MACH_PORT_NULL);
		if (r == MACH_RCV_TIMED_OUT) {
			waited += 20;
			continue;
		}
		if (r != MACH_MSG_SUCCESS)
			return;
		if (!memory_object_server(&in.h, &out.h) && !exc_server(&in.h, &out.h))
			continue;
		mig_reply_header_t *rh = (mig_reply_header_t *)&out;
		if (rh->RetCode != MIG_NO_REPLY && out.h.msgh_remote_port != MACH_PORT_NULL)
			mach_msg(&out.h, MACH_SEND_MSG, out.h.msgh_size, 0, MACH_PORT_NULL, 0, MACH_PORT_NULL);
	}
}

/* A thread that reads one byte of a page and records it. */
struct toucher { volatile unsigned char *p; volatile int done; volatile unsigned char got; };

static void touch(void *arg)
{
	struct toucher *t = arg;

	t->got = *t->p;
	t->done = 1;
}

void t_group_memobj(struct t_ctx *c)
{
	mach_port_t set = MACH_PORT_NULL, reply = t_new_receive(c), exc = t_new_receive(c);
	pg.object = t_new_receive(c);
	mach_port_insert_right(c->task, pg.object, pg.object, MACH_MSG_TYPE_MAKE_SEND);
	mach_port_insert_right(c->task, reply, reply, MACH_MSG_TYPE_MAKE_SEND);
	mach_port_insert_right(c->task, exc, exc, MACH_MSG_TYPE_MAKE_SEND);
	mach_port_allocate(c->task, MACH_PORT_RIGHT_PORT_SET, &set);
	mach_port_move_member(c->task, pg.object, set);
	mach_port_move_member(c->task, reply, set);
	mach_port_move_member(c->task, exc, set);

	vm_address_t a = 0;
	kern_return_t kr = vm_map(c->task, &a, 4 * PG, 0, 1, pg.object, 0, 0, VM_PROT_READ | VM_PROT_WRITE,
				  VM_PROT_ALL, VM_INHERIT_NONE);
	t_kr(c, "memory_object_ready", kr, KERN_SUCCESS, "KERN_SUCCESS", "vm_map of our own memory object");
	serve(set, 2000, &pg.inits, 1);
	t_ok(c, "memory_object_ready", pg.inits == 1 && pg.control != MACH_PORT_NULL && pg.page_size == PG,
	     "the kernel sent memory_object_init (page size %lu)", (unsigned long)pg.page_size);
	if (kr != KERN_SUCCESS || pg.control == MACH_PORT_NULL)
		return;

	boolean_t ready = 1, cache = 1;
	memory_object_copy_strategy_t strat = -1;
	T_KR(c, "memory_object_get_attributes", memory_object_get_attributes(pg.control, &ready, &cache, &strat),
	     KERN_SUCCESS, "before memory_object_ready");
	t_eq(c, "memory_object_get_attributes", ready, 0, "not ready yet");
	T_KR(c, "memory_object_ready", memory_object_ready(pg.control, 1, MEMORY_OBJECT_COPY_DELAY), KERN_SUCCESS,
	     "may cache, copy delay");
	memory_object_get_attributes(pg.control, &ready, &cache, &strat);
	t_ok(c, "memory_object_ready", ready && cache && strat == MEMORY_OBJECT_COPY_DELAY,
	     "memory_object_get_attributes: ready %d, may cache %d, strategy %d", ready, cache, strat);
	t_ok(c, "memory_object_get_attributes", ready && cache && strat == MEMORY_OBJECT_COPY_DELAY,
	     "reads back what memory_object_ready set");
	T_KR(c, "memory_object_change_attributes",
	     memory_object_change_attributes(pg.control, 0, MEMORY_OBJECT_COPY_NONE, reply), KERN_SUCCESS,
	     "no caching, copy none, with a reply port");
	serve(set, 2000, &pg.changes, 1);
	t_ok(c, "memory_object_change_attributes",
	     pg.changes == 1 && !pg.change_may_cache && pg.change_strategy == MEMORY_OBJECT_COPY_NONE,
	     "memory_object_change_completed came with the new values");
	memory_object_get_attributes(pg.control, &ready, &cache, &strat);
	t_ok(c, "memory_object_change_attributes", ready && !cache && strat == MEMORY_OBJECT_COPY_NONE,
	     "memory_object_get_attributes reads them back");
	T_KR(c, "memory_object_get_attributes", memory_object_get_attributes(c->task, &ready, &cache, &strat),
	     KERN_INVALID_ARGUMENT, "of a task port (not a memory control port)");

	/* Page 0 supplied before anyone asks: read without a data request. */
	static unsigned char data[PG] __attribute__((aligned(PG)));
	for (unsigned i = 0; i < PG; i++)
		data[i] = (unsigned char)(i * 13 + 7);
	T_KR(c, "memory_object_data_supply",
	     memory_object_data_supply(pg.control, 0, (vm_offset_t)data, PG, 0, VM_PROT_NONE, 0, reply),
	     KERN_SUCCESS, "page 0, with a reply port");
	serve(set, 2000, &pg.supplies, 1);
	t_ok(c, "memory_object_data_supply", pg.supplies == 1 && pg.supply_result == KERN_SUCCESS,
	     "memory_object_supply_completed says KERN_SUCCESS");
	t_ok(c, "memory_object_data_supply", !memcmp((void *)a, data, PG) && pg.requests == 0,
	     "page 0 of the mapping holds the data, no data request was sent");

	/* Page 1: a thread faults, we get the request and answer unavailable. */
	static struct toucher t1;
	t1.p = (volatile unsigned char *)(a + PG);
	t1.got = 0xff;
	mach_port_t th;
	guest_thread_start(touch, &t1, 16384, &th);
	serve(set, 2000, &pg.requests, 1);
	t_ok(c, "memory_object_data_unavailable", pg.requests == 1 && pg.request_offset == PG,
	     "a thread's fault on page 1 sent memory_object_data_request for offset %lx",
	     (unsigned long)pg.request_offset);
	T_KR(c, "memory_object_data_unavailable", memory_object_data_unavailable(pg.control, PG, PG),
	     KERN_SUCCESS, "page 1");
	for (int i = 0; i < 100 && !t1.done; i++)
		thread_switch(MACH_PORT_NULL, SWITCH_OPTION_WAIT, 10);
	t_ok(c, "memory_object_data_unavailable", t1.done && t1.got == 0, "the thread read a zero-filled page");

	/* Page 2: the answer is an error; the faulting thread gets an exception. */
	/* The task's exception port, for the time of the test: set before
	   the thread exists, so its fault cannot come first. */
	mach_port_t old_exc = MACH_PORT_NULL;
	task_get_special_port(c->task, TASK_EXCEPTION_PORT, &old_exc);
	task_set_special_port(c->task, TASK_EXCEPTION_PORT, exc);
	static struct toucher t2;
	t2.p = (volatile unsigned char *)(a + 2 * PG);
	guest_thread_start(touch, &t2, 16384, &th);
	serve(set, 2000, &pg.requests, 2);
	t_ok(c, "memory_object_data_error", pg.requests == 2 && pg.request_offset == 2 * PG,
	     "a thread's fault on page 2 sent memory_object_data_request for offset %lx",
	     (unsigned long)pg.request_offset);
	T_KR(c, "memory_object_data_error", memory_object_data_error(pg.control, 2 * PG, PG, KERN_MEMORY_ERROR),
	     KERN_SUCCESS, "page 2, KERN_MEMORY_ERROR");
	serve(set, 2000, &pg.exceptions, 1);
	task_set_special_port(c->task, TASK_EXCEPTION_PORT, old_exc);
	t_ok(c, "memory_object_data_error", pg.exceptions == 1 && pg.exc == EXC_BAD_ACCESS &&
	     pg.exc_code == KERN_MEMORY_ERROR && !t2.done,
	     "the faulting thread got EXC_BAD_ACCESS with code KERN_MEMORY_ERROR (%d, %d)",
	     (int)pg.exc, (int)pg.exc_code);

	/* Page 0 dirtied, then flushed: the kernel returns it to us. */
	((volatile unsigned char *)a)[10] = 0xab;
	T_KR(c, "memory_object_lock_request",
	     memory_object_lock_request(pg.control, 0, PG, MEMORY_OBJECT_RETURN_ALL, 1, VM_PROT_NONE, reply),
	     KERN_SUCCESS, "return and flush page 0");
	serve(set, 2000, &pg.locks, 1);
	t_ok(c, "memory_object_lock_request", pg.locks == 1 && pg.lock_offset == 0,
	     "memory_object_lock_completed for offset 0");
	data[10] = 0xab;
	t_ok(c, "memory_object_lock_request", pg.returns >= 1 && pg.return_offset == 0 &&
	     pg.returned_size == PG && !memcmp(pg.returned, data, PG),
	     "memory_object_data_return brought page 0 back with our write (%d returns)", pg.returns);

	T_KR(c, "memory_object_destroy", memory_object_destroy(pg.control, KERN_SUCCESS), KERN_SUCCESS,
	     "the object");
	serve(set, 2000, &pg.terminates, 1);
	t_eq(c, "memory_object_destroy", pg.terminates, 1, "the kernel sent memory_object_terminate");
	vm_deallocate(c->task, a, 4 * PG);
}
