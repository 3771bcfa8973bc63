/* loopback.h: test API of the loopback runtime (GNU Mach IPC emulated in one Linux process).
 *
 * Link generated user and server stubs (GNU MIG's or migc's, unmodified)
 * with libloopback and they talk to each other through mach_msg as they
 * would under GNU Mach.  Besides mach_msg, the library provides the
 * functions stubs call (mig_get_reply_port, mig_strncpy, vm_allocate, ...,
 * see README.md) and the calls below, which tests use to set up ports,
 * register server demultiplexers and watch the bytes on the wire.
 *
 * The runtime is single-threaded and synchronous: a request sent to a port
 * with a registered server is handled (the demux runs, its reply is queued
 * on the reply port) before mach_msg's send returns.  A receive that finds
 * its queue empty cannot be satisfied later, so it returns
 * MACH_RCV_TIMED_OUT instead of blocking, whatever the timeout.
 *
 * Compile against the GNU Mach headers of the target (x86_64-gnu, or
 * i686-gnu with -m32).  Unless stated otherwise, names are names in the
 * current space (see lb_space_switch) and calls return Mach error codes.
 */
#ifndef LOOPBACK_H
#define LOOPBACK_H

#include <stddef.h>
#include <mach/kern_return.h>
#include <mach/message.h>
#include <mach/mig_errors.h>
#include <mach/port.h>
#include <mach/std_types.h>

/* ---- The runtime -------------------------------------------------- */

/* Destroy every space, port, queued message and memory region, and clear
   the trace hook and statistics.  The next call starts afresh with one
   space, "task". */
void lb_reset(void);

/* Counters since the last lb_reset. */
struct lb_stats {
	unsigned long sends;		/* messages sent (queued) */
	unsigned long receives;		/* messages received, by a stub or a server */
	unsigned long dispatches;	/* requests handed to a demux */
	unsigned long server_errors;	/* replies that could not be sent (too large
					   for the demux's buffer, or refused) */
	unsigned long notifications;	/* send-once notifications generated */
	unsigned long vm_regions;	/* regions currently allocated */
	unsigned long vm_bytes;		/* bytes in them (as asked for) */
	unsigned long vm_stray_deallocs; /* vm_deallocate ranges matching no region */
	unsigned long vm_partial_deallocs; /* ranges covering part of a region (kept) */
};
void lb_get_stats(struct lb_stats *out);

/* Name of a Mach, MIG or kern_return_t code ("MACH_SEND_INVALID_DEST"), or
   NULL when unknown.  For test output. */
const char *lb_strerror(kern_return_t code);

/* ---- Spaces (emulated tasks) -------------------------------------- */

/* A port name space.  The runtime starts with one, "task".  Each space has
   its own names: the same port has different names in different spaces,
   so a client and a server in separate spaces see the renaming a real
   kernel does.  Each space has its own task port (mach_task_self()) and
   its own MIG reply port. */
typedef struct lb_space lb_space_t;

lb_space_t *lb_space_create(const char *label);
lb_space_t *lb_space_current(void);
/* Make SPACE current (mach_msg and the mach_port_ calls act in it); returns
   the previous one.  NULL changes nothing (returns the current space). */
lb_space_t *lb_space_switch(lb_space_t *space);
/* Destroy every right of SPACE (its ports die, senders get dead names);
   the space stays usable but empty.  Not the current space's task port. */
void lb_space_clear(lb_space_t *space);
/* How many names SPACE uses (for leak checks; includes its task port and
   reply port). */
unsigned lb_space_names(lb_space_t *space);

/* ---- Ports -------------------------------------------------------- */

/* mach_port_allocate: RIGHT is MACH_PORT_RIGHT_RECEIVE or
   MACH_PORT_RIGHT_DEAD_NAME (port sets are not supported:
   KERN_INVALID_VALUE). */
kern_return_t lb_port_allocate(mach_port_right_t right, mach_port_name_t *name);
/* mach_port_deallocate, mach_port_destroy, mach_port_mod_refs,
   mach_port_get_refs, mach_port_type, in the current space. */
kern_return_t lb_port_deallocate(mach_port_name_t name);
kern_return_t lb_port_destroy(mach_port_name_t name);
kern_return_t lb_port_mod_refs(mach_port_name_t name, mach_port_right_t right,
			       mach_port_delta_t delta);
kern_return_t lb_port_get_refs(mach_port_name_t name, mach_port_right_t right,
			       mach_port_urefs_t *refs);
kern_return_t lb_port_type(mach_port_name_t name, mach_port_type_t *type);
/* mach_port_insert_right into space TO (NULL: the current space): the right
   RIGHT of the current space, taken with disposition TYPE
   (MACH_MSG_TYPE_MAKE_SEND, COPY_SEND, MOVE_SEND, MAKE_SEND_ONCE,
   MOVE_SEND_ONCE, MOVE_RECEIVE), is given the name NAME in TO. */
kern_return_t lb_port_insert_right(lb_space_t *to, mach_port_name_t name,
				   mach_port_name_t right,
				   mach_msg_type_name_t type);
/* Like lb_port_insert_right, but TO chooses the name as a receive would
   (send rights merge with an existing name for the same port); the name is
   stored in *NAME_IN_TO. */
kern_return_t lb_port_give(lb_space_t *to, mach_port_name_t right,
			   mach_msg_type_name_t type,
			   mach_port_name_t *name_in_to);
/* Do NAME_A in space A and NAME_B in space B denote the same live port? */
int lb_port_same(lb_space_t *a, mach_port_name_t name_a, lb_space_t *b,
		 mach_port_name_t name_b);

/* State of a port, by any name for it in the current space. */
struct lb_port_status {
	unsigned msgcount;		/* messages queued */
	mach_port_msgcount_t qlimit;
	mach_port_seqno_t seqno;
	mach_port_mscount_t mscount;
	unsigned srights, sorights;	/* send and send-once rights in existence */
	int active;			/* receive right not destroyed */
	int has_server;
};
kern_return_t lb_port_status(mach_port_name_t name, struct lb_port_status *st);
/* Set the queue limit of a receive right (1..MACH_PORT_QLIMIT_MAX).  A send
   to a full queue would block: it fails with MACH_SEND_TIMED_OUT.  Replies
   (sent with send-once rights) are never limited. */
kern_return_t lb_port_set_qlimit(mach_port_name_t name, mach_port_msgcount_t limit);

/* ---- Servers ------------------------------------------------------ */

typedef boolean_t (*lb_demux_t)(mach_msg_header_t *in, mach_msg_header_t *out);

/* Serve the receive right PORT with DEMUX.  From now on each message that
   arrives on the port is received (copied out into the space that holds
   the receive right, which is current while DEMUX runs) into a buffer of
   exactly its size (see lb_set_server_slack), DEMUX runs with a zeroed
   reply buffer of MAX_REPLY_SIZE bytes, and then, as glibc's
   mach_msg_server does: a RetCode of MIG_NO_REPLY sends nothing; another
   non-zero RetCode destroys the request's rights and memory (not its reply
   port); the reply is sent if its msgh_remote_port is not MACH_PORT_NULL
   (so simpleroutines get none), and destroyed otherwise.  Messages already
   queued are dispatched at the next send to the port. */
kern_return_t lb_server_register(mach_port_name_t port, lb_demux_t demux,
				 mach_msg_size_t max_reply_size);
kern_return_t lb_server_unregister(mach_port_name_t port);
/* Give demuxes SLACK zeroed bytes after each request (default 0, so that
   AddressSanitizer reports a stub reading past the message). */
void lb_set_server_slack(size_t slack);

/* ---- Watching the wire ------------------------------------------- */

enum lb_trace_event {
	LB_TRACE_SEND,		/* as the sender built it, before copyin */
	LB_TRACE_RECEIVE	/* as the receiver got it, after copyout */
};
struct lb_trace {
	enum lb_trace_event event;
	lb_space_t *space;		/* the sender's or receiver's space */
	const mach_msg_header_t *msg;	/* the bytes */
	mach_msg_size_t size;		/* how many (send_size, or the received msgh_size) */
	unsigned depth;			/* 0: called by the program; n: inside the n-th
					   nested server dispatch (a demux's reply is
					   sent at depth n, its request received at n) */
};
typedef void (*lb_trace_fn)(void *ctx, const struct lb_trace *t);
/* Call FN for every message sent (after the size checks, before anything
   else is checked) and received.  NULL turns tracing off. */
void lb_set_trace(lb_trace_fn fn, void *ctx);

/* ---- Memory ------------------------------------------------------ */

/* Is [ADDR, ADDR+SIZE) inside one region handed out by vm_allocate,
   mig_allocate or a receive? */
int lb_vm_is_allocated(vm_address_t addr, vm_size_t size);

/* Where a complex message holds out-of-line pointers (addresses, which
   differ from run to run): walks the descriptors of MSG (SIZE bytes, at
   most msgh_size are read) as the kernel would and stores the offset of
   each pointer slot in OFFSETS, up to MAX of them.  Returns how many there
   are (0 for a simple message; stops at a malformed descriptor).  Slots
   are sizeof(vm_offset_t) bytes. */
unsigned lb_msg_pointer_slots(const mach_msg_header_t *msg, mach_msg_size_t size,
			      size_t *offsets, unsigned max);

/* The offsets of the type descriptors of MSG (SIZE bytes, at most
   msgh_size read), walked as for lb_msg_pointer_slots but whatever the
   complex bit says: up to MAX into OFFSETS; returns how many there are. */
unsigned lb_msg_descriptors(const mach_msg_header_t *msg, mach_msg_size_t size,
			    size_t *offsets, unsigned max);

/* Destroy the rights and memory of a received message, as glibc's
   mach_msg_destroy (the local port is not a right; the remote port holds
   the reply right).  Reads at most msgh_size bytes. */
void lb_msg_destroy(mach_msg_header_t *msg);

/* ------------------------------------------------------------------ */
/* What the C library provides on the Hurd and the kit's headers leave
   undeclared, with glibc's prototypes: the MIG support calls generated
   stubs make, the task and reply ports, memory, and mach_msg_destroy.
   vm_allocate, vm_deallocate and mach_msg_destroy are weak: a program's
   own user stubs of mach.defs may replace them (their prototypes are the
   same).  The mach_port_ calls are declared by a generated mach_port.h. */
void mig_init(void *first);
void mig_allocate(vm_address_t *addr, vm_size_t size);
void mig_deallocate(vm_address_t addr, vm_size_t size);
mach_port_t mig_get_reply_port(void);
void mig_put_reply_port(mach_port_t port);
void mig_dealloc_reply_port(mach_port_t port);
void mig_reply_setup(const mach_msg_header_t *request, mach_msg_header_t *reply);
vm_size_t mig_strncpy(char *dst, const char *src, vm_size_t len);
void *__mig_memcpy(void *dst, const void *src, vm_size_t len);
mach_port_t mach_task_self(void);
mach_port_t mach_reply_port(void);
kern_return_t vm_allocate(mach_port_t task, vm_address_t *addr, vm_size_t size,
			  boolean_t anywhere);
kern_return_t vm_deallocate(mach_port_t task, vm_address_t addr, vm_size_t size);
void mach_msg_destroy(mach_msg_header_t *msg);

#endif
