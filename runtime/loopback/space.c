/* space.c: port name spaces, ports and rights of the loopback runtime (GNU Mach's ipc_right.c in small). */
#include <stdlib.h>
#include <string.h>

#include "lb_internal.h"

const char lb_dead_marker = 0;
struct lb_runtime *lb_rt_ptr;

/* The runtime, created on first use with one space, "task", current. */
struct lb_runtime *lb_rt(void)
{
	struct lb_runtime *rt = lb_rt_ptr;

	if (rt)
		return rt;
	rt = calloc(1, sizeof *rt);
	if (!rt)
		abort();	/* nothing can work without it */
	rt->pipefd[0] = rt->pipefd[1] = -1;
	rt->next_space_id = 1;
	lb_rt_ptr = rt;
	rt->current = lb_space_new(rt, "task");
	if (!rt->current)
		abort();
	return rt;
}

/* ------------------------------------------------------------------ */
/* Ports.                                                              */

struct lb_port *lb_port_new(struct lb_runtime *rt)
{
	struct lb_port *p = calloc(1, sizeof *p);

	if (!p)
		return NULL;
	p->serial = ++rt->port_serial;
	p->active = true;
	p->qlimit = MACH_PORT_QLIMIT_DEFAULT;
	p->all_next = rt->ports;
	if (rt->ports)
		rt->ports->all_prev = p;
	rt->ports = p;
	return p;
}

void lb_port_ref(struct lb_port *p)
{
	p->refs++;
}

static void port_free(struct lb_runtime *rt, struct lb_port *p)
{
	if (p->all_prev)
		p->all_prev->all_next = p->all_next;
	else
		rt->ports = p->all_next;
	if (p->all_next)
		p->all_next->all_prev = p->all_prev;
	free(p->rev);
	free(p);
}

/* Drop one reference; the port goes when none are left.  A port with
   queued messages is referenced by them, so its queue is empty here. */
void lb_port_release(struct lb_port *p)
{
	if (--p->refs == 0)
		port_free(lb_rt(), p);
}

/* The receive right of P is being destroyed (ipc_port_destroy): P dies,
   its queued messages are destroyed.  The caller disposes of the
   reference that held the right. */
void lb_port_kill(struct lb_runtime *rt, struct lb_port *p)
{
	struct lb_kmsg *k;

	if (p->receiver && p->receiver->reply_port == p->receiver_name)
		p->receiver->reply_port = MACH_PORT_NULL;
	p->active = false;
	p->receiver = NULL;
	p->receiver_name = MACH_PORT_NULL;
	p->demux = NULL;
	lb_port_ref(p);	/* destroying the queue may drop other references */
	while ((k = p->qhead) != NULL) {
		p->qhead = k->next;
		if (!p->qhead)
			p->qtail = NULL;
		p->msgcount--;
		lb_kmsg_destroy(rt, k);
	}
	lb_port_release(p);
}

/* ------------------------------------------------------------------ */
/* Entries.                                                            */

static unsigned name_hash(mach_port_name_t name, unsigned nbuckets)
{
	uint32_t h = name;

	h ^= h >> 16;
	h *= 0x45d9f3bu;
	h ^= h >> 16;
	return h & (nbuckets - 1);
}

struct lb_entry *lb_entry_lookup(struct lb_space *sp, mach_port_name_t name)
{
	struct lb_entry *e;

	if (!sp || !sp->buckets || !MACH_PORT_NAME_VALID(name))
		return NULL;
	for (e = sp->buckets[name_hash(name, sp->nbuckets)]; e; e = e->hnext)
		if (e->name == name)
			return e;
	return NULL;
}

static bool rev_add(struct lb_port *p, struct lb_entry *e)
{
	if (p->nrev == p->caprev) {
		unsigned cap = p->caprev ? 2 * p->caprev : 2;
		struct lb_entry **r = realloc(p->rev, cap * sizeof *r);

		if (!r)
			return false;
		p->rev = r;
		p->caprev = cap;
	}
	p->rev[p->nrev++] = e;
	return true;
}

static void rev_del(struct lb_port *p, struct lb_entry *e)
{
	unsigned i;

	for (i = 0; i < p->nrev; i++)
		if (p->rev[i] == e) {
			p->rev[i] = p->rev[--p->nrev];
			return;
		}
}

/* The entry of space SP holding send or receive rights for P, if any. */
static struct lb_entry *rev_lookup(struct lb_port *p, struct lb_space *sp)
{
	unsigned i;

	for (i = 0; i < p->nrev; i++)
		if (p->rev[i]->space == sp)
			return p->rev[i];
	return NULL;
}

#define LB_REV_TYPES (MACH_PORT_TYPE_SEND | MACH_PORT_TYPE_RECEIVE)

/* Change the rights of E, keeping the reverse map in step. */
static void entry_set_type(struct lb_entry *e, mach_port_type_t type)
{
	bool was = (e->type & LB_REV_TYPES) && e->port;
	bool is = (type & LB_REV_TYPES) && e->port;

	if (was && !is)
		rev_del(e->port, e);
	else if (!was && is && !rev_add(e->port, e))
		abort();	/* out of memory for a two-pointer array */
	e->type = type;
}

static bool space_grow(struct lb_space *sp)
{
	unsigned n = sp->nbuckets ? 2 * sp->nbuckets : 64, i;
	struct lb_entry **b = calloc(n, sizeof *b), *e, *next;

	if (!b)
		return false;
	for (i = 0; i < sp->nbuckets; i++)
		for (e = sp->buckets[i]; e; e = next) {
			unsigned h = name_hash(e->name, n);

			next = e->hnext;
			e->hnext = b[h];
			b[h] = e;
		}
	free(sp->buckets);
	sp->buckets = b;
	sp->nbuckets = n;
	return true;
}

/* A fresh name: the space's id in the top byte, a counter below.  Names
   are not reused, so a stale name is reported, not silently redirected. */
static mach_port_name_t name_new(struct lb_space *sp)
{
	mach_port_name_t name;

	do {
		if (sp->counter >= 0xffffffu)
			return MACH_PORT_NULL;
		name = ((mach_port_name_t) sp->id << 24) | ++sp->counter;
	} while (lb_entry_lookup(sp, name));
	return name;
}

/* Enter NAME (MACH_PORT_NULL: a fresh one) in SP for P with TYPE rights.
   The entry takes over one reference to P from the caller. */
static struct lb_entry *entry_new(struct lb_space *sp, mach_port_name_t name,
				  mach_port_type_t type, mach_port_urefs_t urefs,
				  struct lb_port *p)
{
	struct lb_entry *e;
	unsigned h;

	if (sp->count >= sp->nbuckets && !space_grow(sp))
		return NULL;
	if (name == MACH_PORT_NULL && (name = name_new(sp)) == MACH_PORT_NULL)
		return NULL;
	e = calloc(1, sizeof *e);
	if (!e)
		return NULL;
	e->space = sp;
	e->name = name;
	e->urefs = urefs;
	e->port = p;
	entry_set_type(e, type);
	h = name_hash(name, sp->nbuckets);
	e->hnext = sp->buckets[h];
	sp->buckets[h] = e;
	sp->count++;
	return e;
}

/* Remove E from its space.  The reference it held is the caller's. */
static void entry_delete(struct lb_entry *e)
{
	struct lb_space *sp = e->space;
	struct lb_entry **pp = &sp->buckets[name_hash(e->name, sp->nbuckets)];

	entry_set_type(e, 0);
	while (*pp != e)
		pp = &(*pp)->hnext;
	*pp = e->hnext;
	sp->count--;
	if (sp->reply_port == e->name)
		sp->reply_port = MACH_PORT_NULL;
	if (sp->self == e->name)
		sp->self = MACH_PORT_NULL;
	free(e);
}

/* A send or send-once right whose port died becomes a dead name
   (ipc_right_check). */
void lb_entry_check_dead(struct lb_entry *e)
{
	struct lb_port *p = e->port;

	if (!p || p->active || (e->type & MACH_PORT_TYPE_RECEIVE))
		return;
	if (e->type & MACH_PORT_TYPE_SEND)
		p->srights--;
	else {
		p->sorights--;
		e->urefs = 1;
	}
	entry_set_type(e, 0);
	e->port = NULL;
	e->type = MACH_PORT_TYPE_DEAD_NAME;
	lb_port_release(p);
}

/* One user reference of a dead name goes. */
static void dead_name_release(struct lb_entry *e)
{
	if (--e->urefs == 0)
		entry_delete(e);
}

/* ------------------------------------------------------------------ */
/* Spaces.                                                             */

struct lb_space *lb_space_new(struct lb_runtime *rt, const char *label)
{
	struct lb_space *sp;
	struct lb_port *task;
	struct lb_entry *e;

	if (rt->next_space_id > 254)
		return NULL;
	sp = calloc(1, sizeof *sp);
	if (!sp || !space_grow(sp)) {
		free(sp);
		return NULL;
	}
	sp->id = rt->next_space_id++;
	sp->active = true;
	strncpy(sp->label, label ? label : "", sizeof sp->label - 1);
	sp->next = rt->spaces;
	rt->spaces = sp;

	/* The task port: its receive right is the kernel's; the task holds
	   a send right (what mach_task_self returns). */
	task = lb_port_new(rt);
	if (!task)
		abort();
	task->kobject = sp;
	lb_port_ref(task);	/* the kernel's receive right */
	lb_port_ref(task);	/* the task's send right */
	task->srights = 1;
	task->mscount = 1;
	sp->task_port = task;
	e = entry_new(sp, MACH_PORT_NULL, MACH_PORT_TYPE_SEND, 1, task);
	if (!e)
		abort();
	sp->self = e->name;
	return sp;
}

/* The space a task port name (in the current space) stands for. */
struct lb_space *lb_task_space(struct lb_runtime *rt, mach_port_name_t task)
{
	struct lb_entry *e = lb_entry_lookup(rt->current, task);

	if (!e || !(e->type & MACH_PORT_TYPE_SEND) || !e->port || !e->port->kobject)
		return NULL;
	return e->port->kobject;
}

/* lb_reset: free everything without running any semantics. */
void lb_space_free_all(struct lb_runtime *rt)
{
	struct lb_space *sp, *snext;
	struct lb_port *p, *pnext;
	unsigned i;

	for (sp = rt->spaces; sp; sp = snext) {
		snext = sp->next;
		for (i = 0; i < sp->nbuckets; i++) {
			struct lb_entry *e, *enext;

			for (e = sp->buckets[i]; e; e = enext) {
				enext = e->hnext;
				free(e);
			}
		}
		free(sp->buckets);
		free(sp);
	}
	rt->spaces = NULL;
	for (p = rt->ports; p; p = pnext) {
		struct lb_kmsg *k, *knext;

		pnext = p->all_next;
		for (k = p->qhead; k; k = knext) {
			knext = k->next;
			lb_kmsg_free(k);
		}
		free(p->rev);
		free(p);
	}
	rt->ports = NULL;
}

/* ------------------------------------------------------------------ */
/* Rights moving into and out of messages.                             */

mach_msg_type_name_t lb_copyin_type(mach_msg_type_name_t type)
{
	switch (type) {
	case MACH_MSG_TYPE_MOVE_RECEIVE:
		return MACH_MSG_TYPE_PORT_RECEIVE;
	case MACH_MSG_TYPE_MOVE_SEND:
	case MACH_MSG_TYPE_COPY_SEND:
	case MACH_MSG_TYPE_MAKE_SEND:
		return MACH_MSG_TYPE_PORT_SEND;
	case MACH_MSG_TYPE_MOVE_SEND_ONCE:
	case MACH_MSG_TYPE_MAKE_SEND_ONCE:
		return MACH_MSG_TYPE_PORT_SEND_ONCE;
	default:
		return 0;
	}
}

/* Could lb_right_copyin take TYPE from E (ipc_right_copyin_check)? */
bool lb_right_copyin_check(struct lb_entry *e, mach_msg_type_name_t type)
{
	lb_entry_check_dead(e);
	switch (type) {
	case MACH_MSG_TYPE_MAKE_SEND:
	case MACH_MSG_TYPE_MAKE_SEND_ONCE:
	case MACH_MSG_TYPE_MOVE_RECEIVE:
		return e->type & MACH_PORT_TYPE_RECEIVE;
	case MACH_MSG_TYPE_COPY_SEND:
	case MACH_MSG_TYPE_MOVE_SEND:
		return e->type & (MACH_PORT_TYPE_SEND | MACH_PORT_TYPE_DEAD_NAME);
	case MACH_MSG_TYPE_MOVE_SEND_ONCE:
		return e->type & (MACH_PORT_TYPE_SEND_ONCE | MACH_PORT_TYPE_DEAD_NAME);
	default:
		return false;
	}
}

/* Take a right of type TYPE (a MACH_MSG_TYPE_ disposition) out of E into a
   message (ipc_right_copyin): *OUT gets the port, holding one reference
   for the right, or LB_DEAD when E is a dead name and DEADOK.  E may be
   gone afterwards.  KERN_INVALID_RIGHT when E lacks the right. */
kern_return_t lb_right_copyin(struct lb_space *sp, struct lb_entry *e,
			      mach_msg_type_name_t type, bool deadok,
			      struct lb_port **out)
{
	struct lb_port *p;

	lb_entry_check_dead(e);
	p = e->port;
	switch (type) {
	case MACH_MSG_TYPE_MAKE_SEND:
		if (!(e->type & MACH_PORT_TYPE_RECEIVE))
			return KERN_INVALID_RIGHT;
		p->mscount++;
		p->srights++;
		lb_port_ref(p);
		break;
	case MACH_MSG_TYPE_MAKE_SEND_ONCE:
		if (!(e->type & MACH_PORT_TYPE_RECEIVE))
			return KERN_INVALID_RIGHT;
		p->sorights++;
		lb_port_ref(p);
		break;
	case MACH_MSG_TYPE_MOVE_RECEIVE:
		if (!(e->type & MACH_PORT_TYPE_RECEIVE))
			return KERN_INVALID_RIGHT;
		if (sp->reply_port == e->name)
			sp->reply_port = MACH_PORT_NULL;
		p->receiver = NULL;
		p->receiver_name = MACH_PORT_NULL;
		if (e->type & MACH_PORT_TYPE_SEND) {
			entry_set_type(e, MACH_PORT_TYPE_SEND);
			lb_port_ref(p);
		} else
			entry_delete(e);
		break;
	case MACH_MSG_TYPE_COPY_SEND:
		if (e->type & MACH_PORT_TYPE_DEAD_NAME)
			goto dead;
		if (!(e->type & MACH_PORT_TYPE_SEND))
			return KERN_INVALID_RIGHT;
		p->srights++;
		lb_port_ref(p);
		break;
	case MACH_MSG_TYPE_MOVE_SEND:
		if (e->type & MACH_PORT_TYPE_DEAD_NAME)
			goto move_dead;
		if (!(e->type & MACH_PORT_TYPE_SEND))
			return KERN_INVALID_RIGHT;
		if (e->urefs > 1) {
			e->urefs--;
			p->srights++;
			lb_port_ref(p);
		} else if (e->type & MACH_PORT_TYPE_RECEIVE) {
			entry_set_type(e, MACH_PORT_TYPE_RECEIVE);
			e->urefs = 0;
			lb_port_ref(p);
		} else
			entry_delete(e);
		break;
	case MACH_MSG_TYPE_MOVE_SEND_ONCE:
		if (e->type & MACH_PORT_TYPE_DEAD_NAME)
			goto move_dead;
		if (!(e->type & MACH_PORT_TYPE_SEND_ONCE))
			return KERN_INVALID_RIGHT;
		entry_delete(e);
		break;
	default:
		return KERN_INVALID_RIGHT;
	}
	*out = p;
	return KERN_SUCCESS;

move_dead:
	if (!deadok)
		return KERN_INVALID_RIGHT;
	dead_name_release(e);
	*out = LB_DEAD;
	return KERN_SUCCESS;
dead:
	if (!deadok)
		return KERN_INVALID_RIGHT;
	*out = LB_DEAD;
	return KERN_SUCCESS;
}

/* Give space SP the right P of type TYPE (MACH_MSG_TYPE_PORT_*) coming out
   of a message, under NAME or, when NAME is MACH_PORT_NULL, under the
   name a receive would pick.  Consumes the right.  Returns the name, or
   MACH_PORT_NULL when no entry could be made (the right is destroyed). */
static mach_port_name_t copyout_name(struct lb_runtime *rt, struct lb_space *sp,
				     mach_port_name_t name, struct lb_port *p,
				     mach_msg_type_name_t type)
{
	struct lb_entry *e = NULL;

	if (type != MACH_MSG_TYPE_PORT_SEND_ONCE)
		e = rev_lookup(p, sp);
	if (e && name != MACH_PORT_NULL && e->name != name)
		e = NULL;	/* callers checked: cannot happen */
	switch (type) {
	case MACH_MSG_TYPE_PORT_SEND:
		if (e) {
			if (e->type & MACH_PORT_TYPE_SEND) {
				if (e->urefs < LB_UREFS_MAX)
					e->urefs++;
				p->srights--;
			} else {
				entry_set_type(e, e->type | MACH_PORT_TYPE_SEND);
				e->urefs = 1;
			}
			lb_port_release(p);
			return e->name;
		}
		e = entry_new(sp, name, MACH_PORT_TYPE_SEND, 1, p);
		break;
	case MACH_MSG_TYPE_PORT_SEND_ONCE:
		e = entry_new(sp, name, MACH_PORT_TYPE_SEND_ONCE, 1, p);
		break;
	case MACH_MSG_TYPE_PORT_RECEIVE:
		if (e) {
			entry_set_type(e, e->type | MACH_PORT_TYPE_RECEIVE);
			lb_port_release(p);
		} else
			e = entry_new(sp, name, MACH_PORT_TYPE_RECEIVE, 0, p);
		if (e) {
			p->receiver = sp;
			p->receiver_name = e->name;
		}
		break;
	default:
		e = NULL;
		break;
	}
	if (!e) {
		lb_object_destroy(rt, p, type);
		return MACH_PORT_NULL;
	}
	return e->name;
}

/* Copy a right out of a message into SP (ipc_kmsg_copyout_object): the
   name the receiver sees.  NULL and dead rights give MACH_PORT_NULL and
   MACH_PORT_DEAD; a right to a port that died meanwhile is destroyed and
   gives MACH_PORT_DEAD. */
mach_port_name_t lb_object_copyout(struct lb_runtime *rt, struct lb_space *sp,
				   struct lb_port *p, mach_msg_type_name_t type)
{
	if (p == NULL)
		return MACH_PORT_NULL;
	if (p == LB_DEAD)
		return MACH_PORT_DEAD;
	if (!p->active) {
		lb_object_destroy(rt, p, type);
		return MACH_PORT_DEAD;
	}
	return copyout_name(rt, sp, MACH_PORT_NULL, p, type);
}

/* Destroy a right carried by a message (ipc_object_destroy).  Destroying a
   send-once right sends a send-once notification through it. */
void lb_object_destroy(struct lb_runtime *rt, struct lb_port *p,
		       mach_msg_type_name_t type)
{
	if (!LB_VALID(p))
		return;
	switch (type) {
	case MACH_MSG_TYPE_PORT_SEND:
		p->srights--;
		lb_port_release(p);
		break;
	case MACH_MSG_TYPE_PORT_SEND_ONCE:
		lb_notify_send_once(rt, p);
		break;
	case MACH_MSG_TYPE_PORT_RECEIVE:
		lb_port_kill(rt, p);
		lb_port_release(p);
		break;
	default:
		lb_port_release(p);
		break;
	}
}

/* ------------------------------------------------------------------ */
/* The port calls, in a given space.                                   */

kern_return_t lb_port_allocate_in(struct lb_space *sp, mach_port_right_t right,
				  mach_port_name_t *name)
{
	struct lb_runtime *rt = lb_rt();
	struct lb_entry *e;
	struct lb_port *p;

	switch (right) {
	case MACH_PORT_RIGHT_RECEIVE:
		p = lb_port_new(rt);
		if (!p)
			return KERN_RESOURCE_SHORTAGE;
		lb_port_ref(p);
		e = entry_new(sp, MACH_PORT_NULL, MACH_PORT_TYPE_RECEIVE, 0, p);
		if (!e) {
			p->active = false;
			lb_port_release(p);
			return KERN_NO_SPACE;
		}
		p->receiver = sp;
		p->receiver_name = e->name;
		break;
	case MACH_PORT_RIGHT_DEAD_NAME:
		e = entry_new(sp, MACH_PORT_NULL, MACH_PORT_TYPE_DEAD_NAME, 1, NULL);
		if (!e)
			return KERN_NO_SPACE;
		break;
	default:	/* port sets are not emulated */
		return KERN_INVALID_VALUE;
	}
	*name = e->name;
	return KERN_SUCCESS;
}

/* mach_port_deallocate (ipc_right_dealloc). */
kern_return_t lb_deallocate_in(struct lb_space *sp, mach_port_name_t name)
{
	struct lb_runtime *rt = lb_rt();
	struct lb_entry *e = lb_entry_lookup(sp, name);
	struct lb_port *p;

	if (!e)
		return KERN_INVALID_NAME;
	lb_entry_check_dead(e);
	p = e->port;
	if (e->type == MACH_PORT_TYPE_DEAD_NAME) {
		dead_name_release(e);
		return KERN_SUCCESS;
	}
	if (e->type == MACH_PORT_TYPE_SEND_ONCE) {
		entry_delete(e);
		lb_notify_send_once(rt, p);
		return KERN_SUCCESS;
	}
	if (!(e->type & MACH_PORT_TYPE_SEND))
		return KERN_INVALID_RIGHT;
	if (--e->urefs > 0)
		return KERN_SUCCESS;
	p->srights--;
	if (e->type & MACH_PORT_TYPE_RECEIVE)
		entry_set_type(e, MACH_PORT_TYPE_RECEIVE);
	else {
		entry_delete(e);
		lb_port_release(p);
	}
	return KERN_SUCCESS;
}

/* The receive right of E is destroyed (and the port with it). */
static void destroy_receive(struct lb_runtime *rt, struct lb_entry *e)
{
	struct lb_port *p = e->port;

	if (e->type & MACH_PORT_TYPE_SEND) {
		/* The send right turns into a dead name at once. */
		p->srights--;
		entry_set_type(e, 0);
		e->type = MACH_PORT_TYPE_DEAD_NAME;
		e->port = NULL;
	} else
		entry_delete(e);
	lb_port_kill(rt, p);
	lb_port_release(p);
}

/* mach_port_mod_refs (ipc_right_delta). */
kern_return_t lb_mod_refs_in(struct lb_space *sp, mach_port_name_t name,
			     mach_port_right_t right, mach_port_delta_t delta)
{
	struct lb_runtime *rt = lb_rt();
	struct lb_entry *e;
	struct lb_port *p;
	long urefs;

	if (right >= MACH_PORT_RIGHT_NUMBER)
		return KERN_INVALID_VALUE;
	e = lb_entry_lookup(sp, name);
	if (!e)
		return KERN_INVALID_NAME;
	lb_entry_check_dead(e);
	p = e->port;
	switch (right) {
	case MACH_PORT_RIGHT_RECEIVE:
		if (!(e->type & MACH_PORT_TYPE_RECEIVE))
			return KERN_INVALID_RIGHT;
		if (delta == 0)
			return KERN_SUCCESS;
		if (delta != -1)
			return KERN_INVALID_VALUE;
		destroy_receive(rt, e);
		return KERN_SUCCESS;
	case MACH_PORT_RIGHT_SEND_ONCE:
		if (!(e->type & MACH_PORT_TYPE_SEND_ONCE))
			return KERN_INVALID_RIGHT;
		if (delta == 0)
			return KERN_SUCCESS;
		if (delta != -1)
			return KERN_INVALID_VALUE;
		entry_delete(e);
		lb_notify_send_once(rt, p);
		return KERN_SUCCESS;
	case MACH_PORT_RIGHT_DEAD_NAME:
	case MACH_PORT_RIGHT_SEND:
		if (!(e->type & (right == MACH_PORT_RIGHT_SEND ? MACH_PORT_TYPE_SEND
							       : MACH_PORT_TYPE_DEAD_NAME)))
			return KERN_INVALID_RIGHT;
		urefs = (long) e->urefs + delta;
		if (urefs < 0)
			return KERN_INVALID_VALUE;
		if (urefs > (long) LB_UREFS_MAX)
			return KERN_UREFS_OVERFLOW;
		e->urefs = (mach_port_urefs_t) urefs;
		if (urefs > 0)
			return KERN_SUCCESS;
		if (right == MACH_PORT_RIGHT_DEAD_NAME)
			entry_delete(e);
		else if (e->type & MACH_PORT_TYPE_RECEIVE) {
			p->srights--;
			entry_set_type(e, MACH_PORT_TYPE_RECEIVE);
		} else {
			p->srights--;
			entry_delete(e);
			lb_port_release(p);
		}
		return KERN_SUCCESS;
	default:	/* port sets */
		return KERN_INVALID_RIGHT;
	}
}

/* mach_port_destroy (ipc_right_destroy): every right NAME denotes. */
static kern_return_t destroy_in(struct lb_space *sp, mach_port_name_t name)
{
	struct lb_runtime *rt = lb_rt();
	struct lb_entry *e = lb_entry_lookup(sp, name);
	struct lb_port *p;

	if (!e)
		return KERN_INVALID_NAME;
	lb_entry_check_dead(e);
	p = e->port;
	if (e->type & MACH_PORT_TYPE_RECEIVE) {
		if (e->type & MACH_PORT_TYPE_SEND)
			p->srights--;
		entry_delete(e);
		lb_port_kill(rt, p);
		lb_port_release(p);
	} else if (e->type & MACH_PORT_TYPE_SEND_ONCE) {
		entry_delete(e);
		lb_notify_send_once(rt, p);
	} else if (e->type & MACH_PORT_TYPE_SEND) {
		p->srights--;
		entry_delete(e);
		lb_port_release(p);
	} else
		entry_delete(e);
	return KERN_SUCCESS;
}

static kern_return_t get_refs_in(struct lb_space *sp, mach_port_name_t name,
				 mach_port_right_t right, mach_port_urefs_t *refs)
{
	struct lb_entry *e;

	if (right >= MACH_PORT_RIGHT_NUMBER)
		return KERN_INVALID_VALUE;
	e = lb_entry_lookup(sp, name);
	if (!e)
		return KERN_INVALID_NAME;
	lb_entry_check_dead(e);
	switch (right) {
	case MACH_PORT_RIGHT_SEND:
		*refs = (e->type & MACH_PORT_TYPE_SEND) ? e->urefs : 0;
		break;
	case MACH_PORT_RIGHT_RECEIVE:
		*refs = (e->type & MACH_PORT_TYPE_RECEIVE) ? 1 : 0;
		break;
	case MACH_PORT_RIGHT_SEND_ONCE:
		*refs = (e->type & MACH_PORT_TYPE_SEND_ONCE) ? 1 : 0;
		break;
	case MACH_PORT_RIGHT_DEAD_NAME:
		*refs = (e->type & MACH_PORT_TYPE_DEAD_NAME) ? e->urefs : 0;
		break;
	default:
		*refs = 0;
		break;
	}
	return KERN_SUCCESS;
}

static kern_return_t type_in(struct lb_space *sp, mach_port_name_t name,
			     mach_port_type_t *type)
{
	struct lb_entry *e = lb_entry_lookup(sp, name);

	if (!e)
		return KERN_INVALID_NAME;
	lb_entry_check_dead(e);
	*type = e->type;
	return KERN_SUCCESS;
}

/* mach_port_insert_right from the current space into TO. */
static kern_return_t insert_right(struct lb_runtime *rt, struct lb_space *to,
				  mach_port_name_t name, mach_port_name_t right,
				  mach_msg_type_name_t type)
{
	struct lb_space *from = rt->current;
	mach_msg_type_name_t newtype = lb_copyin_type(type);
	struct lb_entry *e, *have;
	struct lb_port *p;

	if (!MACH_PORT_NAME_VALID(name) || !MACH_MSG_TYPE_PORT_ANY(type))
		return KERN_INVALID_VALUE;
	if (!MACH_PORT_NAME_VALID(right))
		return KERN_INVALID_CAPABILITY;
	/* The right travels in the request of an RPC: body errors. */
	e = lb_entry_lookup(from, right);
	if (!e || !lb_right_copyin_check(e, type))
		return MACH_SEND_INVALID_RIGHT;
	if (e->type & MACH_PORT_TYPE_DEAD_NAME)
		return KERN_INVALID_CAPABILITY;
	p = e->port;
	have = lb_entry_lookup(to, name);
	if (have) {
		lb_entry_check_dead(have);
		if (newtype == MACH_MSG_TYPE_PORT_SEND_ONCE || have->port != p ||
		    !(have->type & LB_REV_TYPES) ||
		    (newtype == MACH_MSG_TYPE_PORT_RECEIVE &&
		     (have->type & MACH_PORT_TYPE_RECEIVE)))
			return KERN_NAME_EXISTS;
		if (newtype == MACH_MSG_TYPE_PORT_SEND &&
		    (have->type & MACH_PORT_TYPE_SEND) && have->urefs >= LB_UREFS_MAX)
			return KERN_UREFS_OVERFLOW;
	} else if (newtype != MACH_MSG_TYPE_PORT_SEND_ONCE && rev_lookup(p, to))
		return KERN_RIGHT_EXISTS;
	if (lb_right_copyin(from, e, type, false, &p) != KERN_SUCCESS)
		return MACH_SEND_INVALID_RIGHT;
	if (copyout_name(rt, to, name, p, newtype) == MACH_PORT_NULL)
		return KERN_NO_SPACE;
	return KERN_SUCCESS;
}

/* ------------------------------------------------------------------ */
/* Test API (loopback.h).                                              */

lb_space_t *lb_space_create(const char *label)
{
	return lb_space_new(lb_rt(), label);
}

lb_space_t *lb_space_current(void)
{
	return lb_rt()->current;
}

lb_space_t *lb_space_switch(lb_space_t *space)
{
	struct lb_runtime *rt = lb_rt();
	struct lb_space *prev = rt->current;

	if (space)
		rt->current = space;
	return prev;
}

void lb_space_clear(lb_space_t *sp)
{
	mach_port_name_t *names;
	unsigned n = 0, i;

	names = malloc((sp->count + 1) * sizeof *names);
	if (!names)
		return;
	for (i = 0; i < sp->nbuckets; i++) {
		struct lb_entry *e;

		for (e = sp->buckets[i]; e; e = e->hnext)
			if (e->name != sp->self)
				names[n++] = e->name;
	}
	for (i = 0; i < n; i++)
		destroy_in(sp, names[i]);
	free(names);
	sp->reply_port = MACH_PORT_NULL;
}

unsigned lb_space_names(lb_space_t *sp)
{
	return sp->count;
}

kern_return_t lb_port_allocate(mach_port_right_t right, mach_port_name_t *name)
{
	return lb_port_allocate_in(lb_rt()->current, right, name);
}

kern_return_t lb_port_deallocate(mach_port_name_t name)
{
	return lb_deallocate_in(lb_rt()->current, name);
}

kern_return_t lb_port_destroy(mach_port_name_t name)
{
	return destroy_in(lb_rt()->current, name);
}

kern_return_t lb_port_mod_refs(mach_port_name_t name, mach_port_right_t right,
			       mach_port_delta_t delta)
{
	return lb_mod_refs_in(lb_rt()->current, name, right, delta);
}

kern_return_t lb_port_get_refs(mach_port_name_t name, mach_port_right_t right,
			       mach_port_urefs_t *refs)
{
	return get_refs_in(lb_rt()->current, name, right, refs);
}

kern_return_t lb_port_type(mach_port_name_t name, mach_port_type_t *type)
{
	return type_in(lb_rt()->current, name, type);
}

kern_return_t lb_port_insert_right(lb_space_t *to, mach_port_name_t name,
				   mach_port_name_t right, mach_msg_type_name_t type)
{
	struct lb_runtime *rt = lb_rt();

	return insert_right(rt, to ? to : rt->current, name, right, type);
}

kern_return_t lb_port_give(lb_space_t *to, mach_port_name_t right,
			   mach_msg_type_name_t type, mach_port_name_t *name_in_to)
{
	struct lb_runtime *rt = lb_rt();
	struct lb_entry *e = lb_entry_lookup(rt->current, right);
	struct lb_port *p;
	kern_return_t kr;

	if (!to)
		to = rt->current;
	if (!MACH_MSG_TYPE_PORT_ANY(type))
		return KERN_INVALID_VALUE;
	if (!e)
		return KERN_INVALID_NAME;
	kr = lb_right_copyin(rt->current, e, type, true, &p);
	if (kr != KERN_SUCCESS)
		return kr;
	*name_in_to = lb_object_copyout(rt, to, p, lb_copyin_type(type));
	return KERN_SUCCESS;
}

int lb_port_same(lb_space_t *a, mach_port_name_t name_a, lb_space_t *b,
		 mach_port_name_t name_b)
{
	struct lb_entry *ea = lb_entry_lookup(a, name_a);
	struct lb_entry *eb = lb_entry_lookup(b, name_b);

	if (!ea || !eb)
		return 0;
	lb_entry_check_dead(ea);
	lb_entry_check_dead(eb);
	return ea->port && ea->port == eb->port;
}

static struct lb_port *port_of(mach_port_name_t name)
{
	struct lb_entry *e = lb_entry_lookup(lb_rt()->current, name);

	if (!e)
		return NULL;
	lb_entry_check_dead(e);
	return e->port;
}

kern_return_t lb_port_status(mach_port_name_t name, struct lb_port_status *st)
{
	struct lb_port *p = port_of(name);

	if (!p)
		return KERN_INVALID_NAME;
	st->msgcount = p->msgcount;
	st->qlimit = p->qlimit;
	st->seqno = p->seqno;
	st->mscount = p->mscount;
	st->srights = p->srights;
	st->sorights = p->sorights;
	st->active = p->active;
	st->has_server = p->demux != NULL;
	return KERN_SUCCESS;
}

kern_return_t lb_port_set_qlimit(mach_port_name_t name, mach_port_msgcount_t limit)
{
	struct lb_entry *e = lb_entry_lookup(lb_rt()->current, name);

	if (!e)
		return KERN_INVALID_NAME;
	if (!(e->type & MACH_PORT_TYPE_RECEIVE))
		return KERN_INVALID_RIGHT;
	if (limit < 1 || limit > MACH_PORT_QLIMIT_MAX)
		return KERN_INVALID_VALUE;
	e->port->qlimit = limit;
	return KERN_SUCCESS;
}

kern_return_t lb_server_register(mach_port_name_t name, lb_demux_t demux,
				 mach_msg_size_t max_reply_size)
{
	struct lb_entry *e = lb_entry_lookup(lb_rt()->current, name);

	if (!e)
		return KERN_INVALID_NAME;
	if (!(e->type & MACH_PORT_TYPE_RECEIVE))
		return KERN_INVALID_RIGHT;
	if (!demux || max_reply_size < sizeof(mach_msg_header_t) ||
	    max_reply_size > LB_MSG_MAX)
		return KERN_INVALID_VALUE;
	e->port->demux = demux;
	e->port->max_reply = max_reply_size;
	return KERN_SUCCESS;
}

kern_return_t lb_server_unregister(mach_port_name_t name)
{
	struct lb_entry *e = lb_entry_lookup(lb_rt()->current, name);

	if (!e)
		return KERN_INVALID_NAME;
	if (!(e->type & MACH_PORT_TYPE_RECEIVE))
		return KERN_INVALID_RIGHT;
	e->port->demux = NULL;
	return KERN_SUCCESS;
}

/* ------------------------------------------------------------------ */
/* The Mach calls.  They are weak: when a program links the user stubs of
   mach.defs or mach_port.defs, those (RPCs on the task port) take over
   the names, and the runtime itself only ever uses the lb_ functions.  */

#define LB_WEAK __attribute__((weak))

LB_WEAK kern_return_t mach_port_allocate(mach_port_t task, mach_port_right_t right,
					 mach_port_t *name)
{
	struct lb_space *sp = lb_task_space(lb_rt(), task);

	return sp ? lb_port_allocate_in(sp, right, name) : MACH_SEND_INVALID_DEST;
}

LB_WEAK kern_return_t mach_port_deallocate(mach_port_t task, mach_port_t name)
{
	struct lb_space *sp = lb_task_space(lb_rt(), task);

	return sp ? lb_deallocate_in(sp, name) : MACH_SEND_INVALID_DEST;
}

LB_WEAK kern_return_t mach_port_destroy(mach_port_t task, mach_port_t name)
{
	struct lb_space *sp = lb_task_space(lb_rt(), task);

	return sp ? destroy_in(sp, name) : MACH_SEND_INVALID_DEST;
}

LB_WEAK kern_return_t mach_port_mod_refs(mach_port_t task, mach_port_t name,
					 mach_port_right_t right,
					 mach_port_delta_t delta)
{
	struct lb_space *sp = lb_task_space(lb_rt(), task);

	return sp ? lb_mod_refs_in(sp, name, right, delta) : MACH_SEND_INVALID_DEST;
}

LB_WEAK kern_return_t mach_port_get_refs(mach_port_t task, mach_port_t name,
					 mach_port_right_t right,
					 mach_port_urefs_t *refs)
{
	struct lb_space *sp = lb_task_space(lb_rt(), task);

	return sp ? get_refs_in(sp, name, right, refs) : MACH_SEND_INVALID_DEST;
}

LB_WEAK kern_return_t mach_port_type(mach_port_t task, mach_port_t name,
				     mach_port_type_t *type)
{
	struct lb_space *sp = lb_task_space(lb_rt(), task);

	return sp ? type_in(sp, name, type) : MACH_SEND_INVALID_DEST;
}

LB_WEAK kern_return_t mach_port_insert_right(mach_port_t task, mach_port_t name,
					     mach_port_t right,
					     mach_msg_type_name_t type)
{
	struct lb_runtime *rt = lb_rt();
	struct lb_space *sp = lb_task_space(rt, task);

	return sp ? insert_right(rt, sp, name, right, type) : MACH_SEND_INVALID_DEST;
}
