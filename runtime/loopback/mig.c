/* mig.c: what generated stubs call: mach_msg, the MIG support functions, the task and memory calls (loopback runtime). */
#include <stdlib.h>
#include <string.h>

#include "lb_internal.h"

#define LB_WEAK __attribute__((weak))

/* ------------------------------------------------------------------ */
/* mach_msg.                                                           */

mach_msg_return_t mach_msg(mach_msg_header_t *msg, mach_msg_option_t option,
			   mach_msg_size_t send_size, mach_msg_size_t rcv_size,
			   mach_port_name_t rcv_name, mach_msg_timeout_t timeout,
			   mach_port_name_t notify)
{
	struct lb_runtime *rt = lb_rt();
	mach_msg_return_t mr = MACH_MSG_SUCCESS;

	/* Timeouts change nothing: a send is never blocked except by a
	   full queue, which would block forever (MACH_SEND_TIMED_OUT); a
	   receive on an empty queue would too (MACH_RCV_TIMED_OUT). */
	(void) timeout;
	if (option & MACH_SEND_MSG) {
		mr = lb_msg_send(rt, rt->current, msg, option, send_size, notify);
		if (mr != MACH_MSG_SUCCESS)
			return mr;
	}
	if (option & MACH_RCV_MSG)
		mr = lb_msg_receive(rt, rt->current, msg, option, rcv_size, rcv_name, notify);
	return mr;
}

mach_msg_return_t __mach_msg(mach_msg_header_t *msg, mach_msg_option_t option,
			     mach_msg_size_t send_size, mach_msg_size_t rcv_size,
			     mach_port_name_t rcv_name, mach_msg_timeout_t timeout,
			     mach_port_name_t notify)
	__attribute__((alias("mach_msg")));

mach_msg_return_t mach_msg_trap(mach_msg_user_header_t *msg, mach_msg_option_t option,
				mach_msg_size_t send_size, mach_msg_size_t rcv_size,
				mach_port_name_t rcv_name, mach_msg_timeout_t timeout,
				mach_port_name_t notify)
{
	return mach_msg(msg, option, send_size, rcv_size, rcv_name, timeout, notify);
}

mach_msg_return_t __mach_msg_trap(mach_msg_user_header_t *msg, mach_msg_option_t option,
				  mach_msg_size_t send_size, mach_msg_size_t rcv_size,
				  mach_port_name_t rcv_name, mach_msg_timeout_t timeout,
				  mach_port_name_t notify)
	__attribute__((alias("mach_msg_trap")));

LB_WEAK void mach_msg_destroy(mach_msg_header_t *msg)
{
	lb_msg_destroy(msg);
}

/* ------------------------------------------------------------------ */
/* Traps.                                                              */

mach_port_t mach_task_self(void)
{
	return lb_rt()->current->self;
}

mach_port_t mach_reply_port(void)
{
	mach_port_name_t name;

	if (lb_port_allocate_in(lb_rt()->current, MACH_PORT_RIGHT_RECEIVE, &name) != KERN_SUCCESS)
		return MACH_PORT_NULL;
	return name;
}

/* ------------------------------------------------------------------ */
/* Memory.  vm_allocate and vm_deallocate are weak for the same reason as
   the mach_port_ calls (space.c): mach.defs's user stubs may replace
   them.  The task must be a task port; all spaces share one address
   space.  anywhere = FALSE is not supported (KERN_NO_SPACE). */

LB_WEAK kern_return_t vm_allocate(mach_port_t task, vm_address_t *addr,
				  vm_size_t size, boolean_t anywhere)
{
	struct lb_runtime *rt = lb_rt();

	if (!lb_task_space(rt, task))
		return MACH_SEND_INVALID_DEST;
	if (!anywhere)
		return KERN_NO_SPACE;
	return lb_vm_allocate_in(rt, addr, size);
}

LB_WEAK kern_return_t vm_deallocate(mach_port_t task, vm_address_t addr,
				    vm_size_t size)
{
	struct lb_runtime *rt = lb_rt();

	if (!lb_task_space(rt, task))
		return MACH_SEND_INVALID_DEST;
	return lb_vm_deallocate_in(rt, addr, size);
}

/* ------------------------------------------------------------------ */
/* MIG support (glibc's mach/mig-support functions).                   */

void mig_init(void *first)
{
	(void) first;
}

void mig_allocate(vm_address_t *addr, vm_size_t size)
{
	if (lb_vm_allocate_in(lb_rt(), addr, size) != KERN_SUCCESS)
		*addr = 0;
}

void mig_deallocate(vm_address_t addr, vm_size_t size)
{
	lb_vm_deallocate_in(lb_rt(), addr, size);
}

/* One reply port per space (glibc: per thread), made on demand and kept
   until mig_dealloc_reply_port. */
mach_port_t mig_get_reply_port(void)
{
	struct lb_space *sp = lb_rt()->current;

	if (sp->reply_port == MACH_PORT_NULL)
		sp->reply_port = mach_reply_port();
	return sp->reply_port;
}

void mig_put_reply_port(mach_port_t port)
{
	(void) port;
}

/* As glibc: the argument is ignored; the space's reply port is destroyed
   (with whatever is queued on it) and a fresh one made next time. */
void mig_dealloc_reply_port(mach_port_t port)
{
	struct lb_space *sp = lb_rt()->current;
	mach_port_name_t old = sp->reply_port;

	(void) port;
	sp->reply_port = MACH_PORT_NULL;
	if (MACH_PORT_VALID(old))
		lb_mod_refs_in(sp, old, MACH_PORT_RIGHT_RECEIVE, -1);
}

void mig_reply_setup(const mach_msg_header_t *in, mach_msg_header_t *out)
{
	static const mach_msg_type_t RetCodeType = {
		.msgt_name = MACH_MSG_TYPE_INTEGER_32,
		.msgt_size = 32,
		.msgt_number = 1,
		.msgt_inline = TRUE,
		.msgt_longform = FALSE,
		.msgt_deallocate = FALSE,
		.msgt_unused = 0
	};
	mig_reply_header_t *o = (mig_reply_header_t *) out;

	o->RetCodeType = RetCodeType;
	o->Head.msgh_bits = MACH_MSGH_BITS(MACH_MSGH_BITS_REMOTE(in->msgh_bits), 0);
	o->Head.msgh_size = sizeof(mig_reply_header_t);
	o->Head.msgh_remote_port = in->msgh_remote_port;
	o->Head.msgh_local_port = MACH_PORT_NULL;
	o->Head.msgh_seqno = 0;
	o->Head.msgh_id = in->msgh_id + 100;
}

/* glibc's current mig_strncpy: copy at most LEN - 1 characters, NUL
   terminate, return the length of the copied string (without the NUL).
   glibc pads with NULs up to LEN - 1 and leaves the last byte alone when
   the string is shorter; here it is zeroed too, so that a c_string field
   of a message never carries stale bytes. */
vm_size_t mig_strncpy(char *dst, const char *src, vm_size_t len)
{
	vm_size_t i = 0;

	if (len == 0)
		return 0;
	while (i < len - 1 && src[i] != '\0') {
		dst[i] = src[i];
		i++;
	}
	memset(dst + i, 0, len - i);
	return i;
}

void *__mig_memcpy(void *dst, const void *src, vm_size_t len)
{
	return memcpy(dst, src, len);
}

/* ------------------------------------------------------------------ */
/* Runtime-wide test calls.                                            */

void lb_reset(void)
{
	struct lb_runtime *rt = lb_rt_ptr;

	if (!rt)
		return;
	lb_space_free_all(rt);
	lb_vm_free_all(rt);
	free(rt);
	lb_rt_ptr = NULL;
}

void lb_get_stats(struct lb_stats *out)
{
	*out = lb_rt()->stats;
}

const char *lb_strerror(kern_return_t code)
{
	static const struct {
		kern_return_t code;
		const char *name;
	} names[] = {
#define N(c) { c, #c }
		N(KERN_SUCCESS), N(KERN_INVALID_ADDRESS), N(KERN_PROTECTION_FAILURE),
		N(KERN_NO_SPACE), N(KERN_INVALID_ARGUMENT), N(KERN_FAILURE),
		N(KERN_RESOURCE_SHORTAGE), N(KERN_NOT_RECEIVER), N(KERN_NO_ACCESS),
		N(KERN_MEMORY_FAILURE), N(KERN_MEMORY_ERROR), N(KERN_NOT_IN_SET),
		N(KERN_NAME_EXISTS), N(KERN_ABORTED), N(KERN_INVALID_NAME),
		N(KERN_INVALID_TASK), N(KERN_INVALID_RIGHT), N(KERN_INVALID_VALUE),
		N(KERN_UREFS_OVERFLOW), N(KERN_INVALID_CAPABILITY), N(KERN_RIGHT_EXISTS),
		N(KERN_INVALID_HOST), N(KERN_MEMORY_PRESENT),
		N(MACH_SEND_IN_PROGRESS), N(MACH_SEND_INVALID_DATA),
		N(MACH_SEND_INVALID_DEST), N(MACH_SEND_TIMED_OUT),
		N(MACH_SEND_WILL_NOTIFY), N(MACH_SEND_NOTIFY_IN_PROGRESS),
		N(MACH_SEND_INTERRUPTED), N(MACH_SEND_MSG_TOO_SMALL),
		N(MACH_SEND_INVALID_REPLY), N(MACH_SEND_INVALID_RIGHT),
		N(MACH_SEND_INVALID_NOTIFY), N(MACH_SEND_INVALID_MEMORY),
		N(MACH_SEND_NO_BUFFER), N(MACH_SEND_NO_NOTIFY),
		N(MACH_SEND_INVALID_TYPE), N(MACH_SEND_INVALID_HEADER),
		N(MACH_RCV_IN_PROGRESS), N(MACH_RCV_INVALID_NAME),
		N(MACH_RCV_TIMED_OUT), N(MACH_RCV_TOO_LARGE), N(MACH_RCV_INTERRUPTED),
		N(MACH_RCV_PORT_CHANGED), N(MACH_RCV_INVALID_NOTIFY),
		N(MACH_RCV_INVALID_DATA), N(MACH_RCV_PORT_DIED), N(MACH_RCV_IN_SET),
		N(MACH_RCV_HEADER_ERROR), N(MACH_RCV_BODY_ERROR),
		N(MIG_TYPE_ERROR), N(MIG_REPLY_MISMATCH), N(MIG_REMOTE_ERROR),
		N(MIG_BAD_ID), N(MIG_BAD_ARGUMENTS), N(MIG_NO_REPLY), N(MIG_EXCEPTION),
		N(MIG_ARRAY_TOO_LARGE), N(MIG_SERVER_DIED), N(MIG_DESTROY_REQUEST),
#undef N
	};
	size_t i;

	for (i = 0; i < sizeof names / sizeof names[0]; i++)
		if (names[i].code == code)
			return names[i].name;
	return NULL;
}
