/* thread.c: new threads of a guest task (thread_create, then thread_set_state on the kernel's defaults, then thread_resume). */

#include <mach/mig_support.h>
#include "guest_internal.h"
#include "mach.h"
#include "mach_port.h"
#include <mach/thread_status.h>

static void guest_thread_entry(void (*fn)(void *), void *arg) __attribute__((noreturn, used));

/* The slot stays the thread's own through its last call (see
   guest_internal.h), so that call's reply port is its own. */
static void guest_thread_entry(void (*fn)(void *), void *arg)
{
	fn(arg);
	struct guest_thread_slot *s = guest_thread_current();
	__atomic_store_n(&s->ended, 1, __ATOMIC_RELEASE);
	thread_terminate(s->thread);
	for (;;)
		;
}

/* Take back the slot of a thread the kernel has destroyed (its name is a
   dead name), however it ended: the runtime's reference to it, its reply
   port (with the reply to its thread_terminate, if queued) and, when it
   ended by returning, its stack (a thread that ended another way, e.g.
   by thread_terminate_release, may have freed its stack itself). */
static void reclaim(struct guest_thread_slot *s)
{
	mach_port_type_t type = 0;

	if (!s->used || s->thread == MACH_PORT_NULL ||
	    mach_port_type(mach_task_self(), s->thread, &type) != KERN_SUCCESS ||
	    !(type & MACH_PORT_TYPE_DEAD_NAME))
		return;
	mach_port_deallocate(mach_task_self(), s->thread);
	if (s->reply_port != MACH_PORT_NULL)
		mach_port_mod_refs(mach_task_self(), s->reply_port, MACH_PORT_RIGHT_RECEIVE, -1);
	if (__atomic_load_n(&s->ended, __ATOMIC_ACQUIRE))
		guest_free((void *)s->stack_lo, s->stack_hi - s->stack_lo);
	*s = (struct guest_thread_slot){ 0 };
}

kern_return_t guest_thread_start(void (*fn)(void *), void *arg,
				 size_t stack_size, mach_port_t *thread)
{
	/* Every slot of a thread that is gone is taken back before a new
	   stack is allocated: its stack range must not cover the new one. */
	struct guest_thread_slot *slot = NULL;
	for (int i = 1; i < GUEST_MAX_THREADS; i++) {
		reclaim(&guest_threads.slot[i]);
		if (!guest_threads.slot[i].used && !slot)
			slot = &guest_threads.slot[i];
	}
	if (!slot)
		return KERN_RESOURCE_SHORTAGE;

	char *stack = guest_alloc(stack_size);
	if (!stack)
		return KERN_RESOURCE_SHORTAGE;

	mach_port_t t = MACH_PORT_NULL;
	kern_return_t kr = thread_create(mach_task_self(), &t);
	if (kr != KERN_SUCCESS) {
		guest_free(stack, stack_size);
		return kr;
	}

	/* Start from the kernel's own state of the new thread (its segment
	   selectors and flags), changing only where it runs. */
	struct i386_thread_state st;
	mach_msg_type_number_t count = i386_THREAD_STATE_COUNT;
	kr = thread_get_state(t, i386_THREAD_STATE, (thread_state_t)&st, &count);
	if (kr == KERN_SUCCESS) {
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
	}
	/* The runtime's own reference, which reclaim() drops. */
	if (kr == KERN_SUCCESS)
		kr = mach_port_mod_refs(mach_task_self(), t, MACH_PORT_RIGHT_SEND, 1);
	if (kr == KERN_SUCCESS) {
		*slot = (struct guest_thread_slot){
			.stack_lo = (uintptr_t)stack, .stack_hi = (uintptr_t)stack + stack_size,
			.thread = t, .used = 1 };
		kr = thread_resume(t);
		if (kr != KERN_SUCCESS) {
			*slot = (struct guest_thread_slot){ 0 };
			mach_port_deallocate(mach_task_self(), t);
		}
	}
	if (kr != KERN_SUCCESS) {
		thread_terminate(t);
		mach_port_deallocate(mach_task_self(), t);
		guest_free(stack, stack_size);
		return kr;
	}
	if (thread)
		*thread = t;
	return KERN_SUCCESS;
}

void guest_thread_stack(uintptr_t *lo, size_t *size)
{
	struct guest_thread_slot *s = guest_thread_current();

	*lo = s->stack_lo;
	*size = s->stack_hi - s->stack_lo;
}
