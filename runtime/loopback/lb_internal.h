/* lb_internal.h: the loopback runtime's data structures, shared by its files.
 *
 * The loopback runtime emulates GNU Mach's IPC inside one Linux process: port
 * name spaces (one per emulated task), ports with their message queues, and
 * messages in transit.  It follows GNU Mach's own structure (ipc/ipc_kmsg.c,
 * ipc/ipc_right.c, ipc/mach_msg.c): a send copies the message in (names
 * become port references, out-of-line memory is copied), the message is
 * queued on its destination port, and a receive copies it out into the
 * receiver's name space (references become names, memory is copied again).
 *
 * Everything here is compiled for one target at a time: the layout of the
 * message (header size, descriptor size, port slot size, alignment) is the
 * one of the GNU Mach headers the file is compiled against (x86_64-gnu
 * natively, i686-gnu with -m32).
 */
#ifndef LB_INTERNAL_H
#define LB_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "loopback.h"

/* ------------------------------------------------------------------ */
/* Target facts, from the headers we are compiled against.            */

/* Messages and the data after each descriptor are padded to this. */
#define LB_ALIGN		MACH_MSG_USER_ALIGNMENT
/* One port right carried inline: 8 bytes on x86_64 (the name in the low
   half), 4 on i686.  GNU Mach's PORT_T_SIZE_IN_BITS. */
#define LB_PORT_SLOT		sizeof(mach_port_name_inlined_t)
/* Out-of-line port arrays always hold 32-bit names. */
#define LB_PORT_NAME_BITS	(8 * sizeof(mach_port_name_t))
/* The pointer that stands for out-of-line data in the message. */
#define LB_PTR_SLOT		sizeof(vm_offset_t)

/* GNU Mach's MACH_PORT_UREFS_MAX (ipc/port.h). */
#define LB_UREFS_MAX		0xffffu
/* Largest message or out-of-line region the runtime accepts. */
#define LB_MSG_MAX		(64u << 20)
#define LB_OOL_MAX		((size_t) 1 << 30)
/* Nested server dispatches (a server calling a server) before requests are
   left queued instead. */
#define LB_DISPATCH_DEPTH_MAX	32
#define LB_PAGE			4096u

/* Stand-in for a port right that died (IO_DEAD): MACH_PORT_DEAD in messages. */
#define LB_DEAD			((struct lb_port *) &lb_dead_marker)
extern const char lb_dead_marker;
/* Is P a real port (neither NULL nor LB_DEAD)? */
#define LB_VALID(p)		((p) != NULL && (p) != LB_DEAD)

/* ------------------------------------------------------------------ */
/* Ports, names, spaces.                                               */

struct lb_kmsg;

/* A port: the kernel object behind every right. */
struct lb_port {
	struct lb_port *all_prev, *all_next;	/* every port, for lb_reset */
	unsigned long serial;		/* creation number, for debugging */
	unsigned refs;			/* entries naming it + rights to it in messages */
	bool active;			/* false once the receive right was destroyed */
	struct lb_space *receiver;	/* space holding the receive right; NULL when the
					   right is in a message, owned by the kernel
					   (task ports) or destroyed */
	mach_port_name_t receiver_name;	/* its name there */
	struct lb_space *kobject;	/* task ports: the task (space) they stand for */
	mach_port_mscount_t mscount;	/* make-send count */
	mach_port_seqno_t seqno;	/* sequence number of the next message received */
	unsigned srights;		/* send rights in existence (entries + messages) */
	unsigned sorights;		/* send-once rights in existence */
	mach_port_msgcount_t qlimit;	/* queue limit (MACH_PORT_QLIMIT_DEFAULT) */
	struct lb_kmsg *qhead, *qtail;	/* queued messages, oldest first */
	unsigned msgcount;		/* how many are queued */
	lb_demux_t demux;		/* registered server, or NULL */
	mach_msg_size_t max_reply;	/* size of the reply buffer given to demux */
	bool dispatching;		/* a dispatch loop is running for this port */
	struct lb_entry **rev;		/* entries (any space) holding send or receive
					   rights for it: the reverse map used to merge
					   send rights under one name */
	unsigned nrev, caprev;
};

/* A name in a space and the rights it denotes. */
struct lb_entry {
	struct lb_entry *hnext;		/* next in the space's hash bucket */
	struct lb_space *space;		/* the space it belongs to */
	mach_port_name_t name;
	mach_port_type_t type;		/* MACH_PORT_TYPE_{SEND,RECEIVE,SEND_ONCE,DEAD_NAME} bits */
	mach_port_urefs_t urefs;	/* user references of a send right or dead name
					   (1 for send-once) */
	struct lb_port *port;		/* the port, or NULL for a dead name; holds one
					   reference */
};

/* A port name space: one emulated task. */
struct lb_space {
	struct lb_space *next;		/* every space */
	unsigned id;			/* 1..254, the top byte of its names */
	char label[32];
	bool active;
	struct lb_entry **buckets;	/* hash table of entries by name */
	unsigned nbuckets, count;
	mach_port_name_t counter;	/* low 24 bits of the last name made */
	struct lb_port *task_port;	/* the port standing for this task */
	mach_port_name_t self;		/* its send right in this space (mach_task_self) */
	mach_port_name_t reply_port;	/* mig_get_reply_port's port, or MACH_PORT_NULL */
};

/* ------------------------------------------------------------------ */
/* Messages in transit.                                                */

/* One descriptor of a complex message that carries rights or out-of-line
   memory (the other descriptors need no translation). */
struct lb_item {
	size_t type_off;		/* offset of the type descriptor in the message */
	size_t data_off;		/* offset of the inline data or pointer slot */
	bool longform, is_inline, is_port;
	mach_msg_type_name_t name;	/* msgt_name after copyin (PORT_* for rights) */
	mach_msg_type_number_t number;
	size_t length;			/* bytes of data in the sender's layout */
	void *ool;			/* copy of out-of-line data (not ports) */
	struct lb_port **ports;		/* rights carried, NUMBER of them (NULL/LB_DEAD
					   for MACH_PORT_NULL/DEAD) */
};

/* A message between send and receive (GNU Mach's ipc_kmsg). */
struct lb_kmsg {
	struct lb_kmsg *next;		/* next in the port's queue */
	mach_msg_bits_t bits;		/* header bits, port types as copied in */
	struct lb_port *dest;		/* destination (a valid port) */
	struct lb_port *reply;		/* reply right: port, NULL or LB_DEAD */
	mach_msg_size_t size;		/* message size (the sender's send_size) */
	unsigned char *bytes;		/* the message as sent (SIZE bytes) */
	struct lb_item *items;		/* rights and out-of-line memory, in order */
	unsigned nitems, capitems;
};

/* A region of memory handed out by vm_allocate or for received data. */
struct lb_region {
	uintptr_t addr;			/* start (page aligned) */
	size_t size;			/* bytes asked for */
	size_t span;			/* bytes reserved (size rounded up to pages) */
};

/* ------------------------------------------------------------------ */
/* The runtime: all state, created on first use.                      */

struct lb_runtime {
	struct lb_space *spaces;	/* every space, newest first */
	struct lb_space *current;	/* the space mach_msg runs in */
	unsigned next_space_id;
	struct lb_port *ports;		/* every port */
	unsigned long port_serial;
	unsigned depth;			/* nesting of server dispatches */
	lb_trace_fn trace;		/* raw message hook */
	void *trace_ctx;
	size_t server_slack;		/* extra bytes after a request given to a demux */
	struct lb_region *regions;	/* memory handed out, sorted by address */
	size_t nregions, capregions;
	int pipefd[2];			/* for probing foreign memory (-1 if unused) */
	struct lb_stats stats;
};

extern struct lb_runtime *lb_rt_ptr;
struct lb_runtime *lb_rt(void);

/* space.c: names and rights. */
struct lb_space *lb_space_new(struct lb_runtime *rt, const char *label);
struct lb_entry *lb_entry_lookup(struct lb_space *sp, mach_port_name_t name);
void lb_entry_check_dead(struct lb_entry *e);
struct lb_port *lb_port_new(struct lb_runtime *rt);
void lb_port_ref(struct lb_port *p);
void lb_port_release(struct lb_port *p);
void lb_port_kill(struct lb_runtime *rt, struct lb_port *p);
kern_return_t lb_right_copyin(struct lb_space *sp, struct lb_entry *e,
			      mach_msg_type_name_t type, bool deadok,
			      struct lb_port **out);
bool lb_right_copyin_check(struct lb_entry *e, mach_msg_type_name_t type);
mach_msg_type_name_t lb_copyin_type(mach_msg_type_name_t type);
mach_port_name_t lb_object_copyout(struct lb_runtime *rt, struct lb_space *sp,
				   struct lb_port *p, mach_msg_type_name_t type);
void lb_object_destroy(struct lb_runtime *rt, struct lb_port *p,
		       mach_msg_type_name_t type);
kern_return_t lb_port_allocate_in(struct lb_space *sp, mach_port_right_t right,
				  mach_port_name_t *name);
kern_return_t lb_mod_refs_in(struct lb_space *sp, mach_port_name_t name,
			     mach_port_right_t right, mach_port_delta_t delta);
kern_return_t lb_deallocate_in(struct lb_space *sp, mach_port_name_t name);
struct lb_space *lb_task_space(struct lb_runtime *rt, mach_port_name_t task);
void lb_space_free_all(struct lb_runtime *rt);

/* msg.c: messages. */
void lb_kmsg_destroy(struct lb_runtime *rt, struct lb_kmsg *k);
void lb_kmsg_free(struct lb_kmsg *k);
void lb_notify_send_once(struct lb_runtime *rt, struct lb_port *p);
mach_msg_return_t lb_msg_send(struct lb_runtime *rt, struct lb_space *sp,
			      mach_msg_header_t *msg, mach_msg_option_t option,
			      mach_msg_size_t send_size, mach_port_name_t notify);
mach_msg_return_t lb_msg_receive(struct lb_runtime *rt, struct lb_space *sp,
				 mach_msg_header_t *msg, mach_msg_option_t option,
				 mach_msg_size_t rcv_size, mach_port_name_t rcv_name,
				 mach_port_name_t notify);
void lb_msg_destroy_in(struct lb_runtime *rt, struct lb_space *sp,
		       mach_msg_header_t *msg, size_t limit);

/* vm.c: memory. */
kern_return_t lb_vm_allocate_in(struct lb_runtime *rt, vm_address_t *addr,
				vm_size_t size);
kern_return_t lb_vm_deallocate_in(struct lb_runtime *rt, vm_address_t addr,
				  vm_size_t size);
bool lb_copy_from_user(struct lb_runtime *rt, void *dst, vm_offset_t src,
		       size_t len);
bool lb_user_range_plausible(struct lb_runtime *rt, vm_offset_t src, size_t len);
void lb_vm_free_all(struct lb_runtime *rt);

#endif
