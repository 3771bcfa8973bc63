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

/* A thread of TASK, suspended, that will run at PC on the stack SP (its
   return address at SP), with A0 and A1 in the first two argument
   registers on x86_64 (on i686 the caller put them on the stack).  It
   starts from the kernel's own state of the new thread (its segment
   selectors and flags), changing only where it runs. */
static kern_return_t new_thread(mach_port_t task, uintptr_t pc, uintptr_t sp, uintptr_t a0, uintptr_t a1,
				mach_port_t *thread)
{
	mach_port_t t = MACH_PORT_NULL;
	kern_return_t kr = thread_create(task, &t);
	if (kr != KERN_SUCCESS)
		return kr;
	struct i386_thread_state st;
	mach_msg_type_number_t count = i386_THREAD_STATE_COUNT;
	kr = thread_get_state(t, i386_THREAD_STATE, (thread_state_t)&st, &count);
	if (kr == KERN_SUCCESS) {
#if defined(__x86_64__)
		st.rip = pc;
		st.rdi = a0;
		st.rsi = a1;
		st.rsp = st.ursp = sp;
		st.rbp = 0;
#else
		(void)a0, (void)a1;
		st.eip = pc;
		st.esp = st.uesp = sp;
		st.ebp = 0;
#endif
		kr = thread_set_state(t, i386_THREAD_STATE, (thread_state_t)&st, count);
	}
	if (kr != KERN_SUCCESS) {
		thread_terminate(t);
		mach_port_deallocate(mach_task_self(), t);
		return kr;
	}
	*thread = t;
	return KERN_SUCCESS;
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

	/* Where the thread starts: as after a call, a null return address
	   on the stack; on i686 the two arguments above it. */
	uintptr_t top = ((uintptr_t)stack + stack_size) & ~(uintptr_t)15;
#if defined(__x86_64__)
	uintptr_t *sp = (uintptr_t *)(top - 8);
#else
	uintptr_t *sp = (uintptr_t *)(top - 16 - 4);
	sp[1] = (uintptr_t)fn;
	sp[2] = (uintptr_t)arg;
#endif
	sp[0] = 0;
	mach_port_t t = MACH_PORT_NULL;
	kern_return_t kr = new_thread(mach_task_self(), (uintptr_t)guest_thread_entry, (uintptr_t)sp,
				      (uintptr_t)fn, (uintptr_t)arg, &t);
	if (kr != KERN_SUCCESS) {
		guest_free(stack, stack_size);
		return kr;
	}
	/* The runtime's own reference, which reclaim() drops. */
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

kern_return_t guest_task_thread_start(mach_port_t task, void (*entry)(void), uintptr_t stack_top,
				      mach_port_t *thread)
{
	/* As after a call: a null return address on a 16-byte aligned stack
	   (in the child's copy of the memory: the parent's page is not written). */
	uintptr_t sp = (stack_top & ~(uintptr_t)15) - sizeof(uintptr_t);
	mach_port_t t;
	kern_return_t kr = new_thread(task, (uintptr_t)entry, sp, 0, 0, &t);
	if (kr == KERN_SUCCESS && (kr = thread_resume(t)) != KERN_SUCCESS) {
		thread_terminate(t);
		mach_port_deallocate(mach_task_self(), t);
	}
	if (kr == KERN_SUCCESS)
		*thread = t;
	return kr;
}
