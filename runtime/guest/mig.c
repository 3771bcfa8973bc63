/* mig.c: mach_msg and every helper generated stubs call (reply ports, memory, mig_strncpy), for a guest task. */

#include <mach/mig_support.h>
#include <mach/mig_errors.h>
#include "guest_internal.h"
#include "mach.h"
#include "mach_port.h"

struct guest_threads guest_threads = { .slot = { [0] = { .used = 1 } } };

struct guest_thread_slot *guest_thread_current(void)
{
	char here;
	uintptr_t sp = (uintptr_t)&here;

	for (int i = 1; i < GUEST_MAX_THREADS; i++) {
		struct guest_thread_slot *s = &guest_threads.slot[i];
		if (s->used && sp >= s->stack_lo && sp < s->stack_hi)
			return s;
	}
	return &guest_threads.slot[0];
}

/* As the C library's mach_msg: a send or receive interrupted by the
   kernel (a thread_abort, a suspension) is restarted, the receive alone
   when the send already happened. */
mach_msg_return_t mach_msg(mach_msg_header_t *msg, mach_msg_option_t option,
			   mach_msg_size_t send_size, mach_msg_size_t rcv_size,
			   mach_port_t rcv_name, mach_msg_timeout_t timeout,
			   mach_port_t notify)
{
	mach_msg_return_t r;

	do
		r = mach_msg_trap(msg, option, send_size, rcv_size, rcv_name,
				  timeout, notify);
	while (r == MACH_SEND_INTERRUPTED);
	while (r == MACH_RCV_INTERRUPTED)
		r = mach_msg_trap(msg, option & ~MACH_SEND_MSG, 0, rcv_size,
				  rcv_name, timeout, notify);
	return r;
}

void mig_init(void *first)
{
	(void)first;
}

/* One reply port per thread, kept across calls; a stub that saw its
   reply go wrong destroys it (the next call makes a new one). */
mach_port_t mig_get_reply_port(void)
{
	struct guest_thread_slot *s = guest_thread_current();

	if (s->reply_port == MACH_PORT_NULL)
		s->reply_port = mach_reply_port();
	return s->reply_port;
}

void guest_forget_reply_ports(void)
{
	for (int i = 0; i < GUEST_MAX_THREADS; i++)
		guest_threads.slot[i].reply_port = MACH_PORT_NULL;
}

void mig_put_reply_port(mach_port_t port)
{
	(void)port;
}

void mig_dealloc_reply_port(mach_port_t port)
{
	struct guest_thread_slot *s = guest_thread_current();

	if (s->reply_port == port)
		s->reply_port = MACH_PORT_NULL;
	if (port != MACH_PORT_NULL)
		mach_port_mod_refs(mach_task_self(), port, MACH_PORT_RIGHT_RECEIVE, -1);
}

void mig_reply_setup(const mach_msg_header_t *in, mach_msg_header_t *out)
{
	mig_reply_header_t *r = (mig_reply_header_t *)out;

	out->msgh_bits = MACH_MSGH_BITS(MACH_MSGH_BITS_REMOTE(in->msgh_bits), 0);
	out->msgh_size = sizeof *r;
	out->msgh_remote_port = in->msgh_remote_port;
	out->msgh_local_port = MACH_PORT_NULL;
	out->msgh_seqno = 0;
	out->msgh_id = in->msgh_id + 100;
	r->RetCodeType = (mach_msg_type_t){
		.msgt_name = MACH_MSG_TYPE_INTEGER_32, .msgt_size = 32,
		.msgt_number = 1, .msgt_inline = 1 };
	r->RetCode = MIG_BAD_ID;
}

void mig_allocate(vm_address_t *addr, vm_size_t size)
{
	if (vm_allocate(mach_task_self(), addr, size, 1) != KERN_SUCCESS)
		*addr = 0;
}

void mig_deallocate(vm_address_t addr, vm_size_t size)
{
	vm_deallocate(mach_task_self(), addr, size);
}

/* Copy at most len - 1 characters and a NUL; the bytes used, NUL included. */
vm_size_t mig_strncpy(char *dst, const char *src, vm_size_t len)
{
	vm_size_t i = 0;

	if (len == 0)
		return 0;
	for (; i < len - 1 && src[i]; i++)
		dst[i] = src[i];
	dst[i] = 0;
	return i + 1;
}
