/* guest_internal.h: what the guest runtime's files share and tasks need not see. */
#ifndef GUEST_INTERNAL_H
#define GUEST_INTERNAL_H 1

#include "guest.h"

/* One slot per thread the runtime knows: its stack range and its cached
   MIG reply port.  Slot 0 is the first thread (whose stack the kernel
   made; it matches any address no other slot covers).

   A thread that ends keeps its slot, and so its own reply port, through
   its last call (thread_terminate): were the slot freed first, that call
   would find slot 0 and take the first thread's reply port, and the
   kernel's reply would reach the first thread in the middle of one of
   its own calls.  The slot is taken back by guest_thread_start once the
   kernel says the thread is gone (the runtime's own reference to it has
   become a dead name), however it ended. */
#define GUEST_MAX_THREADS 16

struct guest_thread_slot {
	uintptr_t stack_lo, stack_hi;	/* [lo, hi): 0, 0 for slot 0 and free slots */
	mach_port_t reply_port;		/* MACH_PORT_NULL until first needed */
	mach_port_t thread;		/* the runtime's own reference to the thread (not for slot 0) */
	int ended;			/* it returned from its function, and frees no stack itself */
	int used;
};

struct guest_threads {
	struct guest_thread_slot slot[GUEST_MAX_THREADS];
};

extern struct guest_threads guest_threads;

/* The calling thread's slot, found by the address of a local variable. */
struct guest_thread_slot *guest_thread_current(void);

#endif
