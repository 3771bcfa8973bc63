/* msg.c: messages of the loopback runtime: copyin, queues, copyout, server dispatch (GNU Mach's ipc_kmsg.c and mach_msg.c in small). */
#include <stdlib.h>
#include <string.h>

#include <mach/notify.h>

#include "lb_internal.h"

/* ------------------------------------------------------------------ */
/* Type descriptors, read and written in place (they may be unaligned). */

/* A type descriptor as found in a message. */
struct desc {
	size_t size;			/* bytes it occupies: short or long form */
	bool longform, is_inline, dealloc;
	unsigned name;			/* msgt_name / msgtl_name */
	unsigned bits;			/* msgt_size / msgtl_size: element size in bits */
	mach_msg_type_number_t number;	/* msgt_number / msgtl_number */
	unsigned unused;		/* msgt_unused: must be 0 */
	bool bad_long_header;		/* i686 long form with a non-zero short part */
};

/* Read the descriptor at P with AVAIL bytes left; false if it does not fit. */
static bool desc_read(const unsigned char *p, size_t avail, struct desc *d)
{
	mach_msg_type_t t;

	if (avail < sizeof t)
		return false;
	memcpy(&t, p, sizeof t);
	d->longform = t.msgt_longform;
	d->is_inline = t.msgt_inline;
	d->dealloc = t.msgt_deallocate;
	d->unused = t.msgt_unused;
	d->bad_long_header = false;
	d->name = t.msgt_name;
	d->bits = t.msgt_size;
	d->number = t.msgt_number;
	d->size = sizeof t;
#ifndef __LP64__
	/* On i686 the long form is 12 bytes: the short word (whose name, size
	   and number must be zero), then 16-bit name and size, 32-bit number.
	   On x86_64 both forms are the same 8 bytes. */
	if (d->longform) {
		mach_msg_type_long_t l;

		if (avail < sizeof l)
			return false;
		memcpy(&l, p, sizeof l);
		d->name = l.msgtl_name;
		d->bits = l.msgtl_size;
		d->number = l.msgtl_number;
		d->bad_long_header = t.msgt_name || t.msgt_size || t.msgt_number;
		d->size = sizeof l;
	}
#endif
	return true;
}

/* Set msgt_name (name_field) or msgt_size (otherwise) of a descriptor, in
 * the long form's own fields where i386 keeps them apart. */
static void desc_set_field(unsigned char *p, bool longform, bool name_field, unsigned v)
{
	mach_msg_type_t t;

#ifndef __LP64__
	if (longform) {
		mach_msg_type_long_t l;

		memcpy(&l, p, sizeof l);
		if (name_field)
			l.msgtl_name = (unsigned short) v;
		else
			l.msgtl_size = (unsigned short) v;
		memcpy(p, &l, sizeof l);
		return;
	}
#else
	(void) longform;
#endif
	memcpy(&t, p, sizeof t);
	if (name_field)
		t.msgt_name = v;
	else
		t.msgt_size = v;
	memcpy(p, &t, sizeof t);
}

static void desc_set_name(unsigned char *p, bool longform, unsigned name)
{
	desc_set_field(p, longform, true, name);
}

static void desc_set_bits(unsigned char *p, bool longform, unsigned bits)
{
	desc_set_field(p, longform, false, bits);
}

static void desc_set_dealloc(unsigned char *p, bool dealloc)
{
	mach_msg_type_t t;

	memcpy(&t, p, sizeof t);
	t.msgt_deallocate = dealloc;
	memcpy(p, &t, sizeof t);
}

static size_t align_up(size_t off)
{
	return (off + LB_ALIGN - 1) & ~(size_t) (LB_ALIGN - 1);
}

/* A port name in an inline slot: its low 32 bits (the kernel truncates the
   8-byte slot of x86_64 to a name; x86 is little-endian). */
static mach_port_name_t slot_name(const unsigned char *slot)
{
	mach_port_name_t n;

	memcpy(&n, slot, sizeof n);
	return n;
}

/* Write NAME into an inline slot, zero-extended over the whole slot, as the
   kernel writes a mach_port_t. */
static void slot_set(unsigned char *slot, mach_port_name_t name)
{
	uintptr_t v = name;

	memcpy(slot, &v, LB_PORT_SLOT);
}

/* ------------------------------------------------------------------ */
/* The header.                                                         */

static void hdr_read(const void *msg, mach_msg_header_t *h)
{
	memcpy(h, msg, sizeof *h);
}

/* Write a received header.  The port fields are written whole (8 bytes on
   x86_64), zero-extended, as GNU Mach's copyout does. */
static void hdr_write(void *msg, size_t limit, mach_msg_bits_t bits,
		      mach_msg_size_t size, mach_port_name_t remote,
		      mach_port_name_t local, mach_msg_seqno_t seqno,
		      mach_msg_id_t id)
{
	mach_msg_header_t h;

	memset(&h, 0, sizeof h);
	h.msgh_bits = bits;
	h.msgh_size = size;
	h.msgh_remote_port_do_not_use = remote;
	h.msgh_protected_payload = local;
	h.msgh_seqno = seqno;
	h.msgh_id = id;
	memcpy(msg, &h, limit < sizeof h ? limit : sizeof h);
}

/* ------------------------------------------------------------------ */
/* Messages in transit.                                                */

static struct lb_kmsg *kmsg_alloc(mach_msg_size_t size)
{
	struct lb_kmsg *k = calloc(1, sizeof *k);

	if (!k)
		return NULL;
	k->bytes = malloc(size);
	if (!k->bytes) {
		free(k);
		return NULL;
	}
	k->size = size;
	return k;
}

/* Free the memory of K; the rights it carries are not destroyed. */
void lb_kmsg_free(struct lb_kmsg *k)
{
	unsigned i;

	for (i = 0; i < k->nitems; i++) {
		free(k->items[i].ool);
		free(k->items[i].ports);
	}
	free(k->items);
	free(k->bytes);
	free(k);
}

/* Destroy K with everything it carries (ipc_kmsg_clean). */
void lb_kmsg_destroy(struct lb_runtime *rt, struct lb_kmsg *k)
{
	unsigned i, j;

	lb_object_destroy(rt, k->dest, MACH_MSGH_BITS_REMOTE(k->bits));
	lb_object_destroy(rt, k->reply, MACH_MSGH_BITS_LOCAL(k->bits));
	for (i = 0; i < k->nitems; i++) {
		struct lb_item *it = &k->items[i];

		if (it->ports)
			for (j = 0; j < it->number; j++)
				lb_object_destroy(rt, it->ports[j], it->name);
	}
	lb_kmsg_free(k);
}

static struct lb_item *item_push(struct lb_kmsg *k)
{
	if (k->nitems == k->capitems) {
		unsigned cap = k->capitems ? 2 * k->capitems : 4;
		struct lb_item *it = realloc(k->items, cap * sizeof *it);

		if (!it)
			return NULL;
		k->items = it;
		k->capitems = cap;
	}
	memset(&k->items[k->nitems], 0, sizeof k->items[0]);
	return &k->items[k->nitems++];
}

static void trace(struct lb_runtime *rt, enum lb_trace_event ev,
		  struct lb_space *sp, const void *msg, mach_msg_size_t size)
{
	struct lb_trace t;

	if (!rt->trace)
		return;
	t.event = ev;
	t.space = sp;
	t.msg = msg;
	t.size = size;
	t.depth = rt->depth;
	rt->trace(rt->trace_ctx, &t);
}

/* ------------------------------------------------------------------ */
/* Copyin.                                                             */

/* The header's ports (ipc_kmsg_copyin_header).  Atomic: on failure the
   space is unchanged. */
static mach_msg_return_t copyin_header(struct lb_space *sp, struct lb_kmsg *k,
				       mach_port_name_t notify)
{
	mach_msg_header_t h;
	mach_msg_bits_t mbits;
	mach_port_name_t dest_name, reply_name;
	mach_msg_type_name_t dest_type, reply_type;
	struct lb_port *dest = NULL, *reply = NULL;
	struct lb_entry *de, *re;

	hdr_read(k->bytes, &h);
	mbits = h.msgh_bits & ~MACH_MSGH_BITS_CIRCULAR;
	dest_name = h.msgh_remote_port;
	reply_name = h.msgh_local_port;
	dest_type = MACH_MSGH_BITS_REMOTE(mbits);
	reply_type = MACH_MSGH_BITS_LOCAL(mbits);

	if (!MACH_MSG_TYPE_PORT_ANY_SEND(dest_type))
		return MACH_SEND_INVALID_HEADER;
	if (reply_type == 0 ? reply_name != MACH_PORT_NULL
			    : !MACH_MSG_TYPE_PORT_ANY_SEND(reply_type))
		return MACH_SEND_INVALID_HEADER;
	if (notify != MACH_PORT_NULL) {
		struct lb_entry *ne = lb_entry_lookup(sp, notify);

		if (!ne || !(ne->type & MACH_PORT_TYPE_RECEIVE))
			return MACH_SEND_INVALID_NOTIFY;
	}

	if (dest_name == reply_name) {
		/* One name for both: the kernel's case analysis. */
		de = lb_entry_lookup(sp, dest_name);
		if (!de)
			return MACH_SEND_INVALID_DEST;
		if (!lb_right_copyin_check(de, reply_type))
			return MACH_SEND_INVALID_REPLY;
		if (dest_type == MACH_MSG_TYPE_MOVE_SEND_ONCE ||
		    reply_type == MACH_MSG_TYPE_MOVE_SEND_ONCE)
			return MACH_SEND_INVALID_DEST;
		if (dest_type == MACH_MSG_TYPE_MAKE_SEND ||
		    dest_type == MACH_MSG_TYPE_MAKE_SEND_ONCE ||
		    reply_type == MACH_MSG_TYPE_MAKE_SEND ||
		    reply_type == MACH_MSG_TYPE_MAKE_SEND_ONCE) {
			/* A receive right is involved: neither copyin can
			   remove the entry. */
			if (!lb_right_copyin_check(de, dest_type) ||
			    (de->type & MACH_PORT_TYPE_DEAD_NAME))
				return MACH_SEND_INVALID_DEST;
			lb_right_copyin(sp, de, dest_type, false, &dest);
			lb_right_copyin(sp, de, reply_type, true, &reply);
		} else if (dest_type == MACH_MSG_TYPE_MOVE_SEND &&
			   reply_type == MACH_MSG_TYPE_MOVE_SEND) {
			if (!(de->type & MACH_PORT_TYPE_SEND) || de->urefs < 2)
				return MACH_SEND_INVALID_DEST;
			lb_right_copyin(sp, de, MACH_MSG_TYPE_MOVE_SEND, false, &dest);
			de = lb_entry_lookup(sp, dest_name);
			lb_right_copyin(sp, de, MACH_MSG_TYPE_MOVE_SEND, false, &reply);
		} else {
			/* COPY_SEND and/or MOVE_SEND once: take one right
			   the given way, duplicate it for the other. */
			mach_msg_type_name_t once =
				(dest_type == MACH_MSG_TYPE_MOVE_SEND ||
				 reply_type == MACH_MSG_TYPE_MOVE_SEND)
					? MACH_MSG_TYPE_MOVE_SEND : MACH_MSG_TYPE_COPY_SEND;

			if (!(de->type & MACH_PORT_TYPE_SEND) ||
			    lb_right_copyin(sp, de, once, false, &dest) != KERN_SUCCESS)
				return MACH_SEND_INVALID_DEST;
			dest->srights++;
			lb_port_ref(dest);
			reply = dest;
		}
	} else if (!MACH_PORT_NAME_VALID(reply_name)) {
		de = lb_entry_lookup(sp, dest_name);
		if (!de || lb_right_copyin(sp, de, dest_type, false, &dest) != KERN_SUCCESS)
			return MACH_SEND_INVALID_DEST;
		reply = reply_name == MACH_PORT_NULL ? NULL : LB_DEAD;
	} else {
		de = lb_entry_lookup(sp, dest_name);
		if (!de)
			return MACH_SEND_INVALID_DEST;
		re = lb_entry_lookup(sp, reply_name);
		if (!re || !lb_right_copyin_check(re, reply_type))
			return MACH_SEND_INVALID_REPLY;
		if (lb_right_copyin(sp, de, dest_type, false, &dest) != KERN_SUCCESS)
			return MACH_SEND_INVALID_DEST;
		lb_right_copyin(sp, re, reply_type, true, &reply);
	}
	k->dest = dest;
	k->reply = reply;
	k->bits = MACH_MSGH_BITS_OTHER(mbits) |
		  MACH_MSGH_BITS(lb_copyin_type(dest_type), lb_copyin_type(reply_type));
	return MACH_MSG_SUCCESS;
}

/* The rights of a port descriptor (ipc_object_copyin for each name).
   NAMES holds the NUMBER names, in slots of STRIDE bytes. */
static mach_msg_return_t copyin_ports(struct lb_space *sp, struct lb_item *it,
				      const unsigned char *names, size_t stride,
				      mach_msg_type_name_t disposition)
{
	mach_msg_type_number_t i;

	it->ports = calloc(it->number ? it->number : 1, sizeof *it->ports);
	if (!it->ports) {
		it->number = 0;
		return MACH_SEND_NO_BUFFER;
	}
	for (i = 0; i < it->number; i++) {
		mach_port_name_t n = slot_name(names + i * stride);
		struct lb_entry *e;

		if (!MACH_PORT_NAME_VALID(n)) {
			it->ports[i] = n == MACH_PORT_NULL ? NULL : LB_DEAD;
			continue;
		}
		e = lb_entry_lookup(sp, n);
		if (!e || lb_right_copyin(sp, e, disposition, true, &it->ports[i]) != KERN_SUCCESS)
			return MACH_SEND_INVALID_RIGHT;
	}
	return MACH_MSG_SUCCESS;
}

/* Out-of-line memory of a descriptor: copy LENGTH bytes from the sender's
   ADDR, then honour the deallocate flag. */
static mach_msg_return_t copyin_ool(struct lb_runtime *rt, void **copy,
				    vm_offset_t addr, size_t length, bool dealloc)
{
	*copy = NULL;
	if (length == 0)
		return MACH_MSG_SUCCESS;
	if (length > LB_OOL_MAX || !lb_user_range_plausible(rt, addr, length))
		return MACH_SEND_INVALID_MEMORY;
	*copy = malloc(length);
	if (!*copy)
		return MACH_SEND_INVALID_MEMORY;
	if (!lb_copy_from_user(rt, *copy, addr, length)) {
		free(*copy);
		*copy = NULL;
		return MACH_SEND_INVALID_MEMORY;
	}
	if (dealloc)
		lb_vm_deallocate_in(rt, addr, length);
	return MACH_MSG_SUCCESS;
}

/* The body of a complex message (ipc_kmsg_copyin_body).  On failure the
   caller destroys K, which releases what was copied in so far. */
static mach_msg_return_t copyin_body(struct lb_runtime *rt, struct lb_space *sp,
				     struct lb_kmsg *k)
{
	size_t off = sizeof(mach_msg_header_t), end = k->size;
	bool complex = false;

	while (off < end) {
		size_t taddr = off;
		struct desc d;
		uint64_t length;
		bool is_port;
		struct lb_item *it;
		mach_msg_return_t mr;

		if (!desc_read(k->bytes + off, end - off, &d))
			return MACH_SEND_MSG_TOO_SMALL;
		off += d.size;
		is_port = MACH_MSG_TYPE_PORT_ANY(d.name);
		if ((is_port && !d.is_inline && d.bits != LB_PORT_NAME_BITS) ||
		    (is_port && d.is_inline && d.bits != 8 * LB_PORT_SLOT) ||
		    d.bad_long_header || d.unused != 0 || (d.dealloc && d.is_inline))
			return MACH_SEND_INVALID_TYPE;
		length = ((uint64_t) d.number * d.bits + 7) >> 3;

		if (d.is_inline) {
			if (end - off < length)
				return MACH_SEND_MSG_TOO_SMALL;
			if (is_port) {
				it = item_push(k);
				if (!it)
					return MACH_SEND_NO_BUFFER;
				it->type_off = taddr;
				it->data_off = off;
				it->longform = d.longform;
				it->is_inline = true;
				it->is_port = true;
				it->name = lb_copyin_type(d.name);
				it->number = d.number;
				it->length = (size_t) length;
				mr = copyin_ports(sp, it, k->bytes + off, LB_PORT_SLOT, d.name);
				if (mr != MACH_MSG_SUCCESS)
					return mr;
				complex = true;
			}
			off += (size_t) length;
		} else {
			vm_offset_t addr;

			if (end - off < LB_PTR_SLOT)
				return MACH_SEND_MSG_TOO_SMALL;
			memcpy(&addr, k->bytes + off, sizeof addr);
			it = item_push(k);
			if (!it)
				return MACH_SEND_NO_BUFFER;
			it->type_off = taddr;
			it->data_off = off;
			it->longform = d.longform;
			it->is_port = is_port;
			it->name = is_port ? lb_copyin_type(d.name) : d.name;
			it->number = d.number;
			it->length = length > LB_OOL_MAX ? LB_OOL_MAX + 1 : (size_t) length;
			if (is_port) {
				void *names;

				/* Port names travel as 32-bit names. */
				mr = copyin_ool(rt, &names, addr, it->length, d.dealloc);
				if (mr != MACH_MSG_SUCCESS) {
					it->number = 0;
					return mr;
				}
				if (it->number == 0)
					it->ports = calloc(1, sizeof *it->ports);
				else
					mr = copyin_ports(sp, it, names, sizeof(mach_port_name_t), d.name);
				free(names);
				if (mr != MACH_MSG_SUCCESS)
					return mr;
				if (!it->ports)
					return MACH_SEND_NO_BUFFER;
			} else {
				mr = copyin_ool(rt, &it->ool, addr, it->length, d.dealloc);
				if (mr != MACH_MSG_SUCCESS)
					return mr;
			}
			off += LB_PTR_SLOT;
			complex = true;
		}
		off = align_up(off);
	}
	if (!complex)
		k->bits &= ~MACH_MSGH_BITS_COMPLEX;
	return MACH_MSG_SUCCESS;
}

/* ------------------------------------------------------------------ */
/* Copyout.                                                            */

/* The destination right of a received message (ipc_object_copyout_dest):
   consumed; the receiver sees its name for the receive right. */
static mach_port_name_t copyout_dest(struct lb_runtime *rt, struct lb_space *sp,
				     struct lb_port *p, mach_msg_type_name_t type)
{
	mach_port_name_t name;

	if (!p->active) {
		if (type == MACH_MSG_TYPE_PORT_SEND_ONCE)
			p->sorights--;
		else if (type == MACH_MSG_TYPE_PORT_SEND)
			p->srights--;
		lb_port_release(p);
		return MACH_PORT_DEAD;
	}
	name = p->receiver == sp ? p->receiver_name : MACH_PORT_NULL;
	if (type == MACH_MSG_TYPE_PORT_SEND_ONCE) {
		if (p->receiver != sp) {
			lb_notify_send_once(rt, p);
			return MACH_PORT_NULL;
		}
		p->sorights--;
	} else
		p->srights--;
	lb_port_release(p);
	return name;
}

/* Copy out the body's rights and memory into OUT (a copy of K's bytes),
   for space SP (ipc_kmsg_copyout_body). */
static mach_msg_return_t copyout_body(struct lb_runtime *rt, struct lb_space *sp,
				      struct lb_kmsg *k, unsigned char *out)
{
	mach_msg_return_t mr = MACH_MSG_SUCCESS;
	unsigned i, j;

	for (i = 0; i < k->nitems; i++) {
		struct lb_item *it = &k->items[i];
		unsigned char *type = out + it->type_off;
		vm_address_t addr = 0;

		if (it->is_port) {
			desc_set_name(type, it->longform, it->name);
			if (it->is_inline) {
				for (j = 0; j < it->number; j++) {
					mach_port_name_t n = lb_object_copyout(rt, sp, it->ports[j], it->name);

					it->ports[j] = NULL;
					slot_set(out + it->data_off + j * LB_PORT_SLOT, n);
				}
				continue;
			}
			if (it->number != 0 &&
			    lb_vm_allocate_in(rt, &addr, (vm_size_t) it->number * sizeof(mach_port_name_t)) != KERN_SUCCESS) {
				addr = 0;
				desc_set_bits(type, it->longform, 0);
				mr |= MACH_MSG_VM_SPACE;
			}
			for (j = 0; j < it->number; j++) {
				mach_port_name_t n = lb_object_copyout(rt, sp, it->ports[j], it->name);

				it->ports[j] = NULL;
				if (addr)
					memcpy((char *) (uintptr_t) addr + j * sizeof n, &n, sizeof n);
			}
		} else if (it->length != 0) {
			if (lb_vm_allocate_in(rt, &addr, it->length) == KERN_SUCCESS)
				memcpy((void *) (uintptr_t) addr, it->ool, it->length);
			else {
				addr = 0;
				desc_set_bits(type, it->longform, 0);
				mr |= MACH_MSG_VM_SPACE;
			}
		}
		desc_set_dealloc(type, true);
		memcpy(out + it->data_off, &addr, LB_PTR_SLOT);
	}
	return mr;
}

/* Receive K into OUT (K->size bytes) in space SP; frees K.  With PSEUDO
   (a send that timed out, given back to its sender) the header's rights
   are copied out in place rather than swapped. */
static mach_msg_return_t copyout_msg(struct lb_runtime *rt, struct lb_space *sp,
				     struct lb_kmsg *k, void *out,
				     mach_msg_seqno_t seqno, bool pseudo)
{
	mach_msg_type_name_t dest_type = MACH_MSGH_BITS_REMOTE(k->bits);
	mach_msg_type_name_t reply_type = MACH_MSGH_BITS_LOCAL(k->bits);
	mach_msg_return_t mr = MACH_MSG_SUCCESS;
	mach_msg_header_t h;
	unsigned char *buf = out;

	memcpy(buf, k->bytes, k->size);
	hdr_read(k->bytes, &h);
	if (pseudo) {
		mach_port_name_t dn = lb_object_copyout(rt, sp, k->dest, dest_type);
		mach_port_name_t rn = lb_object_copyout(rt, sp, k->reply, reply_type);

		hdr_write(buf, k->size, k->bits, k->size, dn, rn, h.msgh_seqno, h.msgh_id);
	} else {
		mach_port_name_t rn = lb_object_copyout(rt, sp, k->reply, reply_type);
		mach_port_name_t dn = copyout_dest(rt, sp, k->dest, dest_type);

		hdr_write(buf, k->size,
			  MACH_MSGH_BITS_OTHER(k->bits) | MACH_MSGH_BITS(reply_type, dest_type),
			  k->size, rn, dn, seqno, h.msgh_id);
	}
	k->dest = k->reply = NULL;
	if (k->bits & MACH_MSGH_BITS_COMPLEX) {
		mr = copyout_body(rt, sp, k, buf);
		if (mr != MACH_MSG_SUCCESS)
			mr |= pseudo ? 0 : MACH_RCV_BODY_ERROR;
	}
	lb_kmsg_free(k);
	return mr;
}

/* A received message that cannot be delivered (too large, bad notify):
   destroy it and give the receiver its header only (ipc_kmsg_copyout_dest
   and ipc_kmsg_put of the header). */
static void reject_msg(struct lb_runtime *rt, struct lb_space *sp,
		       struct lb_kmsg *k, void *out, size_t limit,
		       mach_msg_seqno_t seqno)
{
	mach_msg_type_name_t dest_type = MACH_MSGH_BITS_REMOTE(k->bits);
	mach_msg_type_name_t reply_type = MACH_MSGH_BITS_LOCAL(k->bits);
	mach_port_name_t dn, rn;
	mach_msg_header_t h;

	hdr_read(k->bytes, &h);
	dn = copyout_dest(rt, sp, k->dest, dest_type);
	rn = k->reply == LB_DEAD ? MACH_PORT_DEAD : MACH_PORT_NULL;
	k->dest = NULL;
	hdr_write(out, limit,
		  MACH_MSGH_BITS_OTHER(k->bits) | MACH_MSGH_BITS(reply_type, dest_type),
		  k->size, rn, dn, seqno, h.msgh_id);
	lb_kmsg_destroy(rt, k);
}

/* ------------------------------------------------------------------ */
/* Queues and servers.                                                 */

static void dispatch(struct lb_runtime *rt, struct lb_port *p);

/* Put K on its destination's queue (ipc_mqueue_send).  A full queue would
   block the sender forever: MACH_SEND_TIMED_OUT, K untouched. */
static mach_msg_return_t enqueue(struct lb_runtime *rt, struct lb_kmsg *k)
{
	struct lb_port *p = k->dest;

	if (!p->active) {
		lb_kmsg_destroy(rt, k);
		return MACH_MSG_SUCCESS;
	}
	if (MACH_MSGH_BITS_REMOTE(k->bits) != MACH_MSG_TYPE_PORT_SEND_ONCE &&
	    p->msgcount >= p->qlimit)
		return MACH_SEND_TIMED_OUT;
	k->next = NULL;
	if (p->qtail)
		p->qtail->next = k;
	else
		p->qhead = k;
	p->qtail = k;
	p->msgcount++;
	rt->stats.sends++;
	dispatch(rt, p);
	return MACH_MSG_SUCCESS;
}

static struct lb_kmsg *dequeue(struct lb_port *p, mach_msg_seqno_t *seqno)
{
	struct lb_kmsg *k = p->qhead;

	p->qhead = k->next;
	if (!p->qhead)
		p->qtail = NULL;
	p->msgcount--;
	*seqno = p->seqno++;
	return k;
}

/* Send a send-once notification through the send-once right P
   (ipc_notify_send_once): what a client waiting on a reply port gets when
   the server drops the reply right. */
void lb_notify_send_once(struct lb_runtime *rt, struct lb_port *p)
{
	struct lb_kmsg *k;

	if (!p->active) {
		p->sorights--;
		lb_port_release(p);
		return;
	}
	k = kmsg_alloc(sizeof(mach_msg_header_t));
	if (!k) {
		p->sorights--;
		lb_port_release(p);
		return;
	}
	rt->stats.notifications++;
	hdr_write(k->bytes, k->size,
		  MACH_MSGH_BITS(MACH_MSG_TYPE_PORT_SEND_ONCE, 0), k->size,
		  MACH_PORT_NULL, MACH_PORT_NULL, 0, MACH_NOTIFY_SEND_ONCE);
	k->bits = MACH_MSGH_BITS(MACH_MSG_TYPE_PORT_SEND_ONCE, 0);
	k->dest = p;
	k->reply = NULL;
	enqueue(rt, k);
}

/* Run P's demux on its oldest message, then deal with the reply as glibc's
   mach_msg_server does. */
static void serve_one(struct lb_runtime *rt, struct lb_port *p)
{
	struct lb_space *sp = p->receiver, *prev;
	mach_msg_size_t max_reply = p->max_reply;
	lb_demux_t demux = p->demux;
	mach_msg_header_t *in, *out;
	mach_msg_seqno_t seqno;
	mach_msg_size_t size;
	struct lb_kmsg *k;
	kern_return_t rc;
	mach_msg_header_t oh;

	k = dequeue(p, &seqno);
	size = k->size;
	in = calloc(1, size + rt->server_slack);
	out = calloc(1, max_reply);
	if (!in || !out) {
		free(in);
		free(out);
		reject_msg(rt, sp, k, &oh, sizeof oh, seqno);
		rt->stats.server_errors++;
		return;
	}
	prev = rt->current;
	rt->current = sp;
	rt->depth++;
	copyout_msg(rt, sp, k, in, seqno, false);
	rt->stats.receives++;
	trace(rt, LB_TRACE_RECEIVE, sp, in, size);

	rt->stats.dispatches++;
	demux(in, out);

	rc = KERN_SUCCESS;
	if (max_reply >= sizeof(mig_reply_header_t))
		memcpy(&rc, (char *) out + offsetof(mig_reply_header_t, RetCode), sizeof rc);
	if (rc != MIG_NO_REPLY) {
		if (rc != KERN_SUCCESS) {
			/* Destroy the request but keep its reply port, to
			   send the error. */
			mach_msg_header_t ih;

			hdr_read(in, &ih);
			ih.msgh_remote_port_do_not_use = MACH_PORT_NULL;
			memcpy(in, &ih, sizeof ih);
			lb_msg_destroy_in(rt, sp, in, size);
		}
		hdr_read(out, &oh);
		if (oh.msgh_remote_port == MACH_PORT_NULL) {
			if (oh.msgh_bits & MACH_MSGH_BITS_COMPLEX)
				lb_msg_destroy_in(rt, sp, out, max_reply);
		} else if (oh.msgh_size > max_reply) {
			/* glibc would assert; drop the reply right so the
			   client gets a send-once notification. */
			rt->stats.server_errors++;
			lb_deallocate_in(sp, oh.msgh_remote_port);
		} else {
			mach_msg_return_t mr = lb_msg_send(rt, sp, out, MACH_SEND_MSG,
							   oh.msgh_size, MACH_PORT_NULL);

			if (mr != MACH_MSG_SUCCESS) {
				if (mr != MACH_SEND_INVALID_DEST)
					rt->stats.server_errors++;
				lb_msg_destroy_in(rt, sp, out, max_reply);
			}
		}
	}
	rt->depth--;
	rt->current = prev;
	free(in);
	free(out);
}

/* Hand P's queued messages to its server, unless one is handling them
   already (a request that arrives while its demux runs waits its turn). */
static void dispatch(struct lb_runtime *rt, struct lb_port *p)
{
	if (!p->demux || p->dispatching || rt->depth >= LB_DISPATCH_DEPTH_MAX)
		return;
	p->dispatching = true;
	lb_port_ref(p);
	while (p->active && p->demux && p->receiver && p->qhead)
		serve_one(rt, p);
	p->dispatching = false;
	lb_port_release(p);
}

/* ------------------------------------------------------------------ */
/* mach_msg.                                                           */

mach_msg_return_t lb_msg_send(struct lb_runtime *rt, struct lb_space *sp,
			      mach_msg_header_t *msg, mach_msg_option_t option,
			      mach_msg_size_t send_size, mach_port_name_t notify)
{
	struct lb_kmsg *k;
	mach_msg_return_t mr;

	if (!msg)
		return MACH_SEND_INVALID_DATA;
	if (send_size < sizeof(mach_msg_header_t) || send_size % LB_ALIGN != 0)
		return MACH_SEND_MSG_TOO_SMALL;
	if (send_size > LB_MSG_MAX)
		return MACH_SEND_NO_BUFFER;
	if ((option & MACH_SEND_CANCEL) && notify == MACH_PORT_NULL)
		return MACH_SEND_INVALID_NOTIFY;
	trace(rt, LB_TRACE_SEND, sp, msg, send_size);
	k = kmsg_alloc(send_size);
	if (!k)
		return MACH_SEND_NO_BUFFER;
	memcpy(k->bytes, msg, send_size);

	mr = copyin_header(sp, k, (option & MACH_SEND_CANCEL) ? notify : MACH_PORT_NULL);
	if (mr != MACH_MSG_SUCCESS) {
		lb_kmsg_free(k);
		return mr;
	}
	if (k->bits & MACH_MSGH_BITS_COMPLEX) {
		mr = copyin_body(rt, sp, k);
		if (mr != MACH_MSG_SUCCESS) {
			lb_kmsg_destroy(rt, k);
			return mr;
		}
	}
	mr = enqueue(rt, k);
	if (mr != MACH_MSG_SUCCESS)
		mr |= copyout_msg(rt, sp, k, msg, 0, true);
	return mr;
}

mach_msg_return_t lb_msg_receive(struct lb_runtime *rt, struct lb_space *sp,
				 mach_msg_header_t *msg, mach_msg_option_t option,
				 mach_msg_size_t rcv_size, mach_port_name_t rcv_name,
				 mach_port_name_t notify)
{
	struct lb_entry *e;
	struct lb_port *p;
	struct lb_kmsg *k;
	mach_msg_seqno_t seqno;
	mach_msg_size_t size;
	mach_msg_return_t mr;

	if (!msg)
		return MACH_RCV_INVALID_DATA;
	e = lb_entry_lookup(sp, rcv_name);
	if (!e || !(e->type & MACH_PORT_TYPE_RECEIVE))
		return MACH_RCV_INVALID_NAME;	/* port sets are not emulated */
	p = e->port;
	k = p->qhead;
	if (!k)
		return MACH_RCV_TIMED_OUT;	/* nothing can arrive: never block */
	if ((option & MACH_RCV_LARGE) && k->size > rcv_size) {
		/* Left queued; the receiver learns the size. */
		if (rcv_size >= offsetof(mach_msg_header_t, msgh_size) + sizeof(mach_msg_size_t))
			memcpy((char *) msg + offsetof(mach_msg_header_t, msgh_size),
			       &k->size, sizeof k->size);
		return MACH_RCV_TOO_LARGE;
	}
	k = dequeue(p, &seqno);
	if (k->size > rcv_size) {
		reject_msg(rt, sp, k, msg, rcv_size, seqno);
		return MACH_RCV_TOO_LARGE;
	}
	if (option & MACH_RCV_NOTIFY) {
		struct lb_entry *ne = lb_entry_lookup(sp, notify);

		if (!ne || !(ne->type & MACH_PORT_TYPE_RECEIVE)) {
			reject_msg(rt, sp, k, msg, rcv_size, seqno);
			return MACH_RCV_INVALID_NOTIFY;
		}
	}
	size = k->size;
	mr = copyout_msg(rt, sp, k, msg, seqno, false);
	rt->stats.receives++;
	trace(rt, LB_TRACE_RECEIVE, sp, msg, size);
	return mr;
}

/* ------------------------------------------------------------------ */
/* Destroying a message held by a task (glibc's mach_msg_destroy).      */

/* Release the right NAME held as TYPE (a disposition or received type). */
static void destroy_port(struct lb_runtime *rt, struct lb_space *sp,
			 mach_port_name_t name, mach_msg_type_name_t type)
{
	struct lb_entry *e;

	if (!MACH_PORT_NAME_VALID(name))
		return;
	switch (type) {
	case MACH_MSG_TYPE_MOVE_SEND:
	case MACH_MSG_TYPE_MOVE_SEND_ONCE:
		lb_deallocate_in(sp, name);
		break;
	case MACH_MSG_TYPE_MOVE_RECEIVE:
		lb_mod_refs_in(sp, name, MACH_PORT_RIGHT_RECEIVE, -1);
		break;
	case MACH_MSG_TYPE_MAKE_SEND_ONCE:
		/* Made, then destroyed: a send-once notification. */
		e = lb_entry_lookup(sp, name);
		if (e && (e->type & MACH_PORT_TYPE_RECEIVE)) {
			e->port->sorights++;
			lb_port_ref(e->port);
			lb_notify_send_once(rt, e->port);
		}
		break;
	default:	/* COPY_SEND, MAKE_SEND: nothing held */
		break;
	}
}

void lb_msg_destroy_in(struct lb_runtime *rt, struct lb_space *sp,
		       mach_msg_header_t *msg, size_t limit)
{
	mach_msg_header_t h;
	const unsigned char *bytes = (const unsigned char *) msg;
	size_t off = sizeof h, end;

	if (limit < sizeof h)
		return;
	hdr_read(msg, &h);
	destroy_port(rt, sp, h.msgh_remote_port, MACH_MSGH_BITS_REMOTE(h.msgh_bits));
	if (!(h.msgh_bits & MACH_MSGH_BITS_COMPLEX))
		return;
	end = h.msgh_size < limit ? h.msgh_size : limit;
	while (off < end) {
		struct desc d;
		uint64_t length;
		mach_msg_type_number_t i;

		if (!desc_read(bytes + off, end - off, &d))
			return;
		off += d.size;
		length = ((uint64_t) d.number * d.bits + 7) >> 3;
		if (d.is_inline) {
			if (end - off < length)
				return;
			if (MACH_MSG_TYPE_PORT_ANY(d.name) && d.bits == 8 * LB_PORT_SLOT)
				for (i = 0; i < d.number; i++)
					destroy_port(rt, sp, slot_name(bytes + off + i * LB_PORT_SLOT), d.name);
			off += (size_t) length;
		} else {
			vm_offset_t addr;

			if (end - off < LB_PTR_SLOT)
				return;
			memcpy(&addr, bytes + off, sizeof addr);
			off += LB_PTR_SLOT;
			if (addr && length && length <= LB_OOL_MAX &&
			    lb_vm_is_allocated(addr, (vm_size_t) length)) {
				if (MACH_MSG_TYPE_PORT_ANY(d.name) && d.bits == LB_PORT_NAME_BITS)
					for (i = 0; i < d.number; i++)
						destroy_port(rt, sp, slot_name((const unsigned char *) (uintptr_t) addr + 4 * (size_t) i), d.name);
				lb_vm_deallocate_in(rt, addr, (vm_size_t) length);
			}
		}
		off = align_up(off);
	}
}

/* Walk the descriptors of MSG as the kernel would (whatever the complex
   bit says): the offset of each descriptor (DESCS) or of each out-of-line
   pointer slot (not DESCS) into OFFSETS, up to MAX; returns how many. */
static unsigned msg_walk(const mach_msg_header_t *msg, mach_msg_size_t size, bool descs,
			 size_t *offsets, unsigned max)
{
	const unsigned char *bytes = (const unsigned char *) msg;
	mach_msg_header_t h;
	size_t off = sizeof h, end;
	unsigned n = 0;

	if (size < sizeof h)
		return 0;
	hdr_read(msg, &h);
	end = h.msgh_size < size ? h.msgh_size : size;
	while (off < end) {
		struct desc d;
		uint64_t length;

		if (!desc_read(bytes + off, end - off, &d))
			break;
		if (descs) {
			if (n < max)
				offsets[n] = off;
			n++;
		}
		off += d.size;
		if (d.is_inline) {
			length = ((uint64_t) d.number * d.bits + 7) >> 3;
			if (end - off < length)
				break;
			off += (size_t) length;
		} else {
			if (end - off < LB_PTR_SLOT)
				break;
			if (!descs) {
				if (n < max)
					offsets[n] = off;
				n++;
			}
			off += LB_PTR_SLOT;
		}
		off = align_up(off);
	}
	return n;
}

unsigned lb_msg_pointer_slots(const mach_msg_header_t *msg, mach_msg_size_t size,
			      size_t *offsets, unsigned max)
{
	mach_msg_header_t h;

	if (size < sizeof h)
		return 0;
	hdr_read(msg, &h);
	if (!(h.msgh_bits & MACH_MSGH_BITS_COMPLEX))
		return 0;
	return msg_walk(msg, size, false, offsets, max);
}

unsigned lb_msg_descriptors(const mach_msg_header_t *msg, mach_msg_size_t size,
			    size_t *offsets, unsigned max)
{
	return msg_walk(msg, size, true, offsets, max);
}

void lb_msg_destroy(mach_msg_header_t *msg)
{
	struct lb_runtime *rt = lb_rt();

	lb_msg_destroy_in(rt, rt->current, msg, (size_t) -1);
}

void lb_set_trace(lb_trace_fn fn, void *ctx)
{
	struct lb_runtime *rt = lb_rt();

	rt->trace = fn;
	rt->trace_ctx = ctx;
}

void lb_set_server_slack(size_t slack)
{
	lb_rt()->server_slack = slack;
}
