/* thread.c: new threads of a guest task (thread_create, then thread_set_state on the kernel's defaults, then thread_resume). */

#include <mach/mig_support.h>
#include "guest_internal.h"
#include "mach.h"
#include <mach/thread_status.h>

static void guest_thread_entry(void (*fn)(void *), void *arg) __attribute__((noreturn, used));

static void guest_thread_entry(void (*fn)(void *), void *arg)
{
	fn(arg);
	struct guest_thread_slot *s = guest_thread_current();
	mach_port_t self = mach_thread_self();
	if (s->reply_port != MACH_PORT_NULL)
		mig_dealloc_reply_port(s->reply_port);
	s->used = 0;
	thread_terminate(self);
	for (;;)
		;
}

kern_return_t guest_thread_start(void (*fn)(void *), void *arg,
				 size_t stack_size, mach_port_t *thread)
{
	struct guest_thread_slot *slot = NULL;
	for (int i = 1; i < GUEST_MAX_THREADS && !slot; i++)
		if (!guest_threads.slot[i].used)
			slot = &guest_threads.slot[i];
	if (!slot)
		return KERN_RESOURCE_SHORTAGE;

	char *stack = guest_alloc(stack_size);
	if (!stack)
		return KERN_RESOURCE_SHORTAGE;

	mach_port_t t;
	kern_return_t kr = thread_create(mach_task_self(), &t);
	if (kr != KERN_SUCCESS)
		return kr;

	/* Start from the kernel's own state of the new thread (its segment
	   selectors and flags), changing only where it runs. */
	struct i386_thread_state st;
	mach_msg_type_number_t count = i386_THREAD_STATE_COUNT;
	kr = thread_get_state(t, i386_THREAD_STATE, (thread_state_t)&st, &count);
	if (kr != KERN_SUCCESS)
		return kr;

	uintptr_t top = ((uintptr_t)stack + stack_size) & ~(uintptr_t)15;
#if defined(__x86_64__)
	/* As after a call: rsp + 8 aligned, a null return address at rsp. */
	uintptr_t *sp = (uintptr_t *)(top - 8);
	sp[0] = 0;
	st.rip = (uintptr_t)guest_thread_entry;
	st.rdi = (uintptr_t)fn;
	st.rsi = (uintptr_t)arg;
	st.rsp = st.ursp = (uintptr_t)sp;
	st.rbp = 0;
#else
	/* A null return address, then the two arguments; esp + 4 aligned. */
	uintptr_t *sp = (uintptr_t *)(top - 16 - 4);
	sp[0] = 0;
	sp[1] = (uintptr_t)fn;
	sp[2] = (uintptr_t)arg;
	st.eip = (uintptr_t)guest_thread_entry;
	st.esp = st.uesp = (uintptr_t)sp;
	st.ebp = 0;
#endif
	kr = thread_set_state(t, i386_THREAD_STATE, (thread_state_t)&st, count);
	if (kr != KERN_SUCCESS)
		return kr;

	slot->stack_lo = (uintptr_t)stack;
	slot->stack_hi = (uintptr_t)stack + stack_size;
	slot->reply_port = MACH_PORT_NULL;
	slot->used = 1;
	kr = thread_resume(t);
	if (kr != KERN_SUCCESS) {
		slot->used = 0;
		return kr;
	}
	if (thread)
		*thread = t;
	return KERN_SUCCESS;
}
