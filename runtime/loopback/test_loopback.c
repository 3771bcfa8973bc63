/* test_loopback.c: unit tests of the loopback runtime with hand-built messages (TAP). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <mach/notify.h>

#include "loopback.h"
#include "tap.h"

/* The mach_port_ calls the runtime provides (a program's generated
   mach_port.h would declare them; loopback.h declares the rest). */
kern_return_t mach_port_allocate(mach_port_t, mach_port_right_t, mach_port_t *);
kern_return_t mach_port_deallocate(mach_port_t, mach_port_t);
kern_return_t mach_port_insert_right(mach_port_t, mach_port_t, mach_port_t,
				     mach_msg_type_name_t);

#define ALIGN MACH_MSG_USER_ALIGNMENT
#define SLOT sizeof(mach_port_name_inlined_t)

/* ------------------------------------------------------------------ */
/* Building and reading messages in the target's layout.              */

struct mb {
	union {
		mach_msg_header_t h;
		unsigned char b[8192];
		uint64_t align;
	} u;
	size_t off;
};

static void mb_init(struct mb *m, mach_msg_bits_t bits, mach_port_name_t remote,
		    mach_port_name_t local, mach_msg_id_t id)
{
	memset(m, 0, sizeof *m);
	m->u.h.msgh_bits = bits;
	m->u.h.msgh_remote_port = remote;
	m->u.h.msgh_local_port = local;
	m->u.h.msgh_id = id;
	m->off = sizeof(mach_msg_header_t);
}

static void mb_align(struct mb *m)
{
	m->off = (m->off + ALIGN - 1) & ~(size_t) (ALIGN - 1);
}

static size_t mb_type(struct mb *m, unsigned name, unsigned bits, unsigned number,
		      int is_inline, int dealloc)
{
	mach_msg_type_t t;
	size_t at = m->off;

	memset(&t, 0, sizeof t);
	t.msgt_name = name;
	t.msgt_size = bits;
	t.msgt_number = number;
	t.msgt_inline = is_inline;
	t.msgt_deallocate = dealloc;
	memcpy(m->u.b + m->off, &t, sizeof t);
	m->off += sizeof t;
	return at;
}

/* Long form: 12 bytes on i686, 8 on x86_64. */
static size_t mb_long_type(struct mb *m, unsigned name, unsigned bits,
			   unsigned number, int is_inline, int dealloc)
{
	mach_msg_type_long_t t;
	size_t at = m->off;

	memset(&t, 0, sizeof t);
	t.msgtl_header.msgt_inline = is_inline;
	t.msgtl_header.msgt_longform = 1;
	t.msgtl_header.msgt_deallocate = dealloc;
	t.msgtl_name = name;
	t.msgtl_size = bits;
	t.msgtl_number = number;
	memcpy(m->u.b + m->off, &t, sizeof t);
	m->off += sizeof t;
	return at;
}

static void mb_data(struct mb *m, const void *p, size_t n)
{
	memcpy(m->u.b + m->off, p, n);
	m->off += n;
	mb_align(m);
}

static void mb_int(struct mb *m, int v)
{
	mb_type(m, MACH_MSG_TYPE_INTEGER_32, 32, 1, 1, 0);
	mb_data(m, &v, sizeof v);
}

/* Inline ports: NAMES in 8-byte (x86_64) or 4-byte slots. */
static size_t mb_ports(struct mb *m, unsigned disp, const mach_port_name_t *names,
		       unsigned n)
{
	size_t at = mb_type(m, disp, 8 * SLOT, n, 1, 0);
	unsigned i;

	for (i = 0; i < n; i++) {
		mach_port_name_inlined_t s;

		memset(&s, 0, sizeof s);
		s.name = names[i];
		memcpy(m->u.b + m->off, &s, sizeof s);
		m->off += sizeof s;
	}
	mb_align(m);
	return at;
}

static size_t mb_ool(struct mb *m, unsigned name, unsigned bits, unsigned number,
		     const void *p, int dealloc)
{
	size_t at = mb_long_type(m, name, bits, number, 0, dealloc);
	vm_offset_t a = (vm_offset_t) (uintptr_t) p;

	memcpy(m->u.b + m->off, &a, sizeof a);
	m->off += sizeof a;
	mb_align(m);
	return at;
}

static mach_msg_size_t mb_size(struct mb *m)
{
	m->u.h.msgh_size = (mach_msg_size_t) m->off;
	return (mach_msg_size_t) m->off;
}

static mach_msg_return_t mb_send(struct mb *m)
{
	return mach_msg(&m->u.h, MACH_SEND_MSG, mb_size(m), 0, MACH_PORT_NULL,
			MACH_MSG_TIMEOUT_NONE, MACH_PORT_NULL);
}

static mach_msg_return_t rcv(struct mb *m, mach_port_name_t port, mach_msg_size_t size)
{
	memset(m, 0x5a, sizeof *m);
	return mach_msg(&m->u.h, MACH_RCV_MSG, 0, size, port, MACH_MSG_TIMEOUT_NONE,
			MACH_PORT_NULL);
}

static mach_msg_type_t type_at(struct mb *m, size_t at)
{
	mach_msg_type_t t;

	memcpy(&t, m->u.b + at, sizeof t);
	return t;
}

static mach_port_name_t slot_at(struct mb *m, size_t at)
{
	mach_port_name_t n;

	memcpy(&n, m->u.b + at, sizeof n);
	return n;
}

/* Are the SLOT - 4 high bytes of the inline slot at AT zero? */
static int slot_high_zero(struct mb *m, size_t at)
{
	size_t i;

	for (i = sizeof(mach_port_name_t); i < SLOT; i++)
		if (m->u.b[at + i] != 0)
			return 0;
	return 1;
}

/* Are the high bytes of the header's port fields zero (x86_64: the
   kernel writes the 8-byte fields whole)? */
static int header_high_zero(struct mb *m)
{
	return slot_high_zero(m, offsetof(mach_msg_header_t, msgh_remote_port)) &&
	       slot_high_zero(m, offsetof(mach_msg_header_t, msgh_local_port));
}

static mach_port_urefs_t refs(mach_port_name_t name, mach_port_right_t right)
{
	mach_port_urefs_t r = 12345;

	if (lb_port_get_refs(name, right, &r) != KERN_SUCCESS)
		return 99999;
	return r;
}

static mach_port_type_t ptype(mach_port_name_t name)
{
	mach_port_type_t t = 0;

	if (lb_port_type(name, &t) != KERN_SUCCESS)
		return 0xdead;
	return t;
}

static mach_port_name_t new_receive(void)
{
	mach_port_name_t n = MACH_PORT_NULL;

	lb_port_allocate(MACH_PORT_RIGHT_RECEIVE, &n);
	return n;
}

/* A receive right with a send right under the same name. */
static mach_port_name_t new_port(void)
{
	mach_port_name_t n = new_receive();

	lb_port_insert_right(NULL, n, n, MACH_MSG_TYPE_MAKE_SEND);
	return n;
}

/* ------------------------------------------------------------------ */

static void test_rights(void)
{
	mach_port_name_t p, d, q;
	lb_space_t *other, *me;
	mach_port_name_t in_other;
	struct lb_port_status st;

	lb_reset();
	TAP_KR(lb_port_allocate(MACH_PORT_RIGHT_RECEIVE, &p), KERN_SUCCESS, "allocate a receive right");
	TAP_OK(ptype(p) == MACH_PORT_TYPE_RECEIVE, "rights: receive only");
	TAP_OK(refs(p, MACH_PORT_RIGHT_RECEIVE) == 1 && refs(p, MACH_PORT_RIGHT_SEND) == 0,
	       "rights: get_refs receive 1, send 0");
	TAP_KR(lb_port_deallocate(p), KERN_INVALID_RIGHT, "rights: deallocate of a receive right");
	TAP_KR(lb_port_insert_right(NULL, p, p, MACH_MSG_TYPE_MAKE_SEND), KERN_SUCCESS,
	       "rights: insert_right make-send under the receive name");
	TAP_OK(ptype(p) == MACH_PORT_TYPE_SEND_RECEIVE && refs(p, MACH_PORT_RIGHT_SEND) == 1,
	       "rights: send+receive, one uref");
	TAP_KR(lb_port_mod_refs(p, MACH_PORT_RIGHT_SEND, 2), KERN_SUCCESS, "rights: mod_refs send +2");
	TAP_OK(refs(p, MACH_PORT_RIGHT_SEND) == 3, "rights: three urefs");
	TAP_KR(lb_port_mod_refs(p, MACH_PORT_RIGHT_SEND, -4), KERN_INVALID_VALUE,
	       "rights: mod_refs below zero");
	TAP_KR(lb_port_mod_refs(p, MACH_PORT_RIGHT_RECEIVE, -2), KERN_INVALID_VALUE,
	       "rights: mod_refs receive -2");
	TAP_KR(lb_port_mod_refs(p, MACH_PORT_RIGHT_SEND, 0x10000), KERN_UREFS_OVERFLOW,
	       "rights: uref overflow");
	TAP_KR(lb_port_mod_refs(p, MACH_PORT_RIGHT_SEND_ONCE, -1), KERN_INVALID_RIGHT,
	       "rights: mod_refs of a right the name lacks");
	TAP_KR(lb_port_mod_refs(p, 7, 1), KERN_INVALID_VALUE, "rights: mod_refs of a bad right");
	TAP_KR(lb_port_deallocate(p), KERN_SUCCESS, "rights: deallocate one uref");
	TAP_OK(refs(p, MACH_PORT_RIGHT_SEND) == 2, "rights: two urefs left");
	TAP_KR(lb_port_allocate(MACH_PORT_RIGHT_PORT_SET, &q), KERN_INVALID_VALUE,
	       "rights: port sets are not emulated");
	TAP_KR(lb_port_allocate(MACH_PORT_RIGHT_DEAD_NAME, &d), KERN_SUCCESS, "rights: allocate a dead name");
	TAP_OK(ptype(d) == MACH_PORT_TYPE_DEAD_NAME && refs(d, MACH_PORT_RIGHT_DEAD_NAME) == 1,
	       "rights: dead name with one uref");
	TAP_KR(lb_port_deallocate(d), KERN_SUCCESS, "rights: deallocate the dead name");
	TAP_KR(lb_port_type(d, &st.qlimit), KERN_INVALID_NAME, "rights: its name is gone");
	TAP_KR(lb_port_deallocate(0x12345), KERN_INVALID_NAME, "rights: deallocate an unknown name");
	TAP_KR(lb_port_insert_right(NULL, p, p, MACH_MSG_TYPE_MAKE_SEND_ONCE), KERN_NAME_EXISTS,
	       "rights: insert a send-once right under a used name");

	/* Another space: the same port has another name there. */
	other = lb_space_create("other");
	TAP_KR(lb_port_give(other, p, MACH_MSG_TYPE_COPY_SEND, &in_other), KERN_SUCCESS,
	       "rights: give a send right to another space");
	TAP_OK(in_other != p && lb_port_same(lb_space_current(), p, other, in_other),
	       "rights: same port, different name (%#x, %#x)", p, in_other);
	lb_port_status(p, &st);
	TAP_OK(st.srights == 2 && st.mscount == 1, "rights: send rights counted (%u, ms %u)",
	       st.srights, st.mscount);
	TAP_KR(lb_port_mod_refs(p, MACH_PORT_RIGHT_RECEIVE, -1), KERN_SUCCESS,
	       "rights: destroy the receive right");
	TAP_OK(ptype(p) == MACH_PORT_TYPE_DEAD_NAME && refs(p, MACH_PORT_RIGHT_DEAD_NAME) == 2,
	       "rights: own send right became a dead name, urefs kept");
	me = lb_space_switch(other);
	TAP_OK(ptype(in_other) == MACH_PORT_TYPE_DEAD_NAME, "rights: the other space's send right is dead");
	TAP_KR(lb_port_deallocate(in_other), KERN_SUCCESS, "rights: deallocate a dead send right");
	TAP_KR(lb_port_deallocate(in_other), KERN_INVALID_NAME, "rights: gone after one deallocate");
	lb_space_switch(me);
}

static void test_task_calls(void)
{
	mach_port_t t, p = MACH_PORT_NULL;
	vm_address_t a = 0;

	lb_reset();
	t = mach_task_self();
	TAP_OK(MACH_PORT_VALID(t) && ptype(t) == MACH_PORT_TYPE_SEND, "task: mach_task_self is a send right");
	TAP_KR(mach_port_allocate(t, MACH_PORT_RIGHT_RECEIVE, &p), KERN_SUCCESS, "task: mach_port_allocate");
	TAP_KR(mach_port_insert_right(t, p, p, MACH_MSG_TYPE_MAKE_SEND), KERN_SUCCESS,
	       "task: mach_port_insert_right");
	TAP_KR(mach_port_deallocate(t, p), KERN_SUCCESS, "task: mach_port_deallocate");
	TAP_KR(mach_port_allocate(p, MACH_PORT_RIGHT_RECEIVE, &p), MACH_SEND_INVALID_DEST,
	       "task: a port that is not a task port");
	TAP_KR(vm_allocate(t, &a, 10000, 1), KERN_SUCCESS, "task: vm_allocate");
	TAP_OK(a % 4096 == 0 && lb_vm_is_allocated(a, 10000) && ((char *) a)[9999] == 0,
	       "task: page aligned, zero-filled");
	TAP_KR(vm_allocate(t, &a, 0, 1), KERN_SUCCESS, "task: vm_allocate of nothing");
	TAP_OK(a == 0, "task: gives address 0");
	TAP_KR(vm_allocate(t, &a, 1, 0), KERN_NO_SPACE, "task: fixed addresses unsupported");
	{
		struct lb_stats s;

		lb_get_stats(&s);
		TAP_OK(s.vm_regions == 1 && s.vm_bytes == 10000, "task: one region of 10000 bytes");
	}
}

static void test_mig_support(void)
{
	char buf[8];
	mach_port_t r1, r2;
	mig_reply_header_t out;
	mach_msg_header_t in;

	lb_reset();
	memset(buf, 'x', sizeof buf);
	TAP_OK(mig_strncpy(buf, "abc", 8) == 3 && memcmp(buf, "abc\0\0\0\0\0", 8) == 0,
	       "mig_strncpy: short string, padded with NULs");
	TAP_OK(mig_strncpy(buf, "abcdefghij", 8) == 7 && memcmp(buf, "abcdefg", 8) == 0,
	       "mig_strncpy: truncated to len - 1 and terminated");
	TAP_OK(mig_strncpy(buf, "zz", 0) == 0 && buf[0] == 'a', "mig_strncpy: len 0 writes nothing");
	r1 = mig_get_reply_port();
	mig_put_reply_port(r1);
	TAP_OK(MACH_PORT_VALID(r1) && r1 == mig_get_reply_port() &&
	       ptype(r1) == MACH_PORT_TYPE_RECEIVE, "mig_get_reply_port: one receive right, kept");
	mig_dealloc_reply_port(r1);
	TAP_OK(ptype(r1) == 0xdead, "mig_dealloc_reply_port: destroyed");
	r2 = mig_get_reply_port();
	TAP_OK(MACH_PORT_VALID(r2) && r2 != r1, "mig_get_reply_port: a fresh one after");
	memset(&in, 0, sizeof in);
	in.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_PORT_SEND_ONCE, MACH_MSG_TYPE_PORT_SEND);
	in.msgh_remote_port = 0x1234;
	in.msgh_id = 77;
	mig_reply_setup(&in, &out.Head);
	TAP_OK(out.Head.msgh_bits == MACH_MSG_TYPE_PORT_SEND_ONCE && out.Head.msgh_remote_port == 0x1234 &&
	       out.Head.msgh_id == 177 && out.Head.msgh_size == sizeof out &&
	       out.RetCodeType.msgt_name == MACH_MSG_TYPE_INTEGER_32 && out.RetCodeType.msgt_size == 32,
	       "mig_reply_setup");
}

static void test_simple(void)
{
	struct mb m, r;
	mach_port_name_t p, reply;
	lb_space_t *server, *client;
	mach_port_name_t sp_recv, cl_send;
	mach_msg_header_t h;

	lb_reset();
	/* Same space: MAKE_SEND to one's own receive right. */
	p = new_receive();
	reply = new_receive();
	mb_init(&m, MACH_MSGH_BITS(MACH_MSG_TYPE_MAKE_SEND, MACH_MSG_TYPE_MAKE_SEND_ONCE), p, reply, 1000);
	mb_int(&m, 42);
	mb_int(&m, -7);
	TAP_KR(mb_send(&m), MACH_MSG_SUCCESS, "simple: send");
	TAP_KR(rcv(&r, p, sizeof r.u), MACH_MSG_SUCCESS, "simple: receive");
	memcpy(&h, r.u.b, sizeof h);
	TAP_OK(h.msgh_bits == MACH_MSGH_BITS(MACH_MSG_TYPE_PORT_SEND_ONCE, MACH_MSG_TYPE_PORT_SEND),
	       "simple: bits swapped and turned into received types (%#x)", h.msgh_bits);
	TAP_OK(h.msgh_local_port == p, "simple: local port is the receive right's name");
	TAP_OK(h.msgh_remote_port != reply && ptype(h.msgh_remote_port) == MACH_PORT_TYPE_SEND_ONCE,
	       "simple: remote port is a new send-once right");
	TAP_OK(h.msgh_size == m.off && h.msgh_seqno == 0 && h.msgh_id == 1000,
	       "simple: size, seqno, id");
	TAP_OK(header_high_zero(&r), "simple: port fields written whole");
	TAP_OK(memcmp(r.u.b + sizeof h, m.u.b + sizeof h, m.off - sizeof h) == 0,
	       "simple: body unchanged");
	TAP_OK(r.u.b[m.off] == 0x5a, "simple: nothing written past the message");
	mb_init(&m, MACH_MSGH_BITS(MACH_MSG_TYPE_MAKE_SEND, 0), p, 0, 1001);
	mb_send(&m);
	rcv(&r, p, sizeof r.u);
	TAP_OK(r.u.h.msgh_seqno == 1 && r.u.h.msgh_bits == MACH_MSGH_BITS(0, MACH_MSG_TYPE_PORT_SEND) &&
	       r.u.h.msgh_remote_port == MACH_PORT_NULL, "simple: no reply port, seqno 1");

	/* Two spaces: the server's names differ from the client's. */
	client = lb_space_current();
	server = lb_space_create("server");
	lb_space_switch(server);
	sp_recv = new_receive();
	lb_port_give(client, sp_recv, MACH_MSG_TYPE_MAKE_SEND, &cl_send);
	lb_space_switch(client);
	mb_init(&m, MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, MACH_MSG_TYPE_MAKE_SEND_ONCE), cl_send, reply, 2000);
	mb_int(&m, 1);
	TAP_KR(mb_send(&m), MACH_MSG_SUCCESS, "spaces: send to the server's port");
	TAP_KR(rcv(&r, sp_recv, sizeof r.u), MACH_RCV_INVALID_NAME, "spaces: not a name in the client's space");
	lb_space_switch(server);
	TAP_KR(rcv(&r, sp_recv, sizeof r.u), MACH_MSG_SUCCESS, "spaces: the server receives it");
	TAP_OK(r.u.h.msgh_local_port == sp_recv && sp_recv != cl_send, "spaces: local port in the server's name");
	TAP_OK(lb_port_same(server, r.u.h.msgh_remote_port, client, reply),
	       "spaces: the reply right denotes the client's reply port");
	/* Reply through the send-once right. */
	mb_init(&m, MACH_MSGH_BITS(MACH_MSG_TYPE_MOVE_SEND_ONCE, 0), r.u.h.msgh_remote_port, 0, 2100);
	mb_int(&m, 2);
	TAP_KR(mb_send(&m), MACH_MSG_SUCCESS, "spaces: reply");
	TAP_OK(ptype(r.u.h.msgh_remote_port) == 0xdead, "spaces: the send-once right is used up");
	lb_space_switch(client);
	TAP_KR(rcv(&r, reply, sizeof r.u), MACH_MSG_SUCCESS, "spaces: client gets the reply");
	TAP_OK(r.u.h.msgh_bits == MACH_MSGH_BITS(0, MACH_MSG_TYPE_PORT_SEND_ONCE) &&
	       r.u.h.msgh_local_port == reply && r.u.h.msgh_id == 2100, "spaces: reply header");
}

static void test_complex(void)
{
	struct mb m, r;
	mach_port_name_t p, s, ports[3];
	lb_space_t *client, *server;
	mach_port_name_t srv;
	vm_address_t ool = 0;
	char small[5] = "abcd";
	size_t at_port, at_ool, at_oolp, at_small;
	mach_msg_type_t t;
	vm_offset_t a;
	unsigned i;
	struct lb_stats st;

	lb_reset();
	client = lb_space_current();
	server = lb_space_create("server");
	lb_space_switch(server);
	srv = new_receive();
	lb_space_switch(client);
	lb_port_give(server, 0, 0, &p);	/* invalid: checks nothing breaks */
	p = new_port();
	s = new_receive();
	for (i = 0; i < 3; i++)
		ports[i] = new_receive();
	{
		mach_port_name_t cl_srv;

		lb_space_switch(server);
		lb_port_give(client, srv, MACH_MSG_TYPE_MAKE_SEND, &cl_srv);
		lb_space_switch(client);
		vm_allocate(mach_task_self(), &ool, 6000, 1);
		memset((void *) ool, 0xab, 6000);
		mb_init(&m, MACH_MSGH_BITS_COMPLEX |
			MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0), cl_srv, 0, 3000);
	}
	mb_int(&m, 5);
	at_port = mb_ports(&m, MACH_MSG_TYPE_COPY_SEND, &p, 1);
	at_ool = mb_ool(&m, MACH_MSG_TYPE_BYTE, 8, 6000, (void *) ool, 1);
	at_oolp = mb_ool(&m, MACH_MSG_TYPE_MAKE_SEND, 32, 3, ports, 0);
	at_small = mb_ool(&m, MACH_MSG_TYPE_CHAR, 8, 5, small, 0);
	TAP_KR(mb_send(&m), MACH_MSG_SUCCESS, "complex: send");
	TAP_OK(!lb_vm_is_allocated(ool, 1), "complex: deallocate flag freed the sender's region");
	TAP_OK(refs(p, MACH_PORT_RIGHT_SEND) == 1, "complex: copy-send leaves the sender's uref");
	lb_space_switch(server);
	TAP_KR(rcv(&r, srv, sizeof r.u), MACH_MSG_SUCCESS, "complex: receive");
	TAP_OK(r.u.h.msgh_bits & MACH_MSGH_BITS_COMPLEX, "complex: still complex");
	t = type_at(&r, at_port);
	TAP_OK(t.msgt_name == MACH_MSG_TYPE_PORT_SEND && t.msgt_size == 8 * SLOT && t.msgt_number == 1,
	       "complex: inline port descriptor rewritten to PORT_SEND");
	{
		mach_port_name_t got = slot_at(&r, at_port + sizeof t);

		TAP_OK(lb_port_same(server, got, client, p) && ptype(got) == MACH_PORT_TYPE_SEND,
		       "complex: inline port translated into the server's name");
		TAP_OK(slot_high_zero(&r, at_port + sizeof t), "complex: inline slot written whole");
	}
	t = type_at(&r, at_ool);
	TAP_OK(t.msgt_deallocate == 1 && t.msgt_inline == 0, "complex: received OOL has deallocate set");
	memcpy(&a, r.u.b + at_ool + sizeof(mach_msg_type_long_t), sizeof a);
	TAP_OK(a != ool && lb_vm_is_allocated(a, 6000) && ((unsigned char *) a)[5999] == 0xab &&
	       ((unsigned char *) a)[0] == 0xab, "complex: OOL data in fresh memory");
	vm_deallocate(mach_task_self(), a, 6000);
	{
		mach_msg_type_long_t l;

		memcpy(&l, r.u.b + at_oolp, sizeof l);
		TAP_OK(l.msgtl_name == MACH_MSG_TYPE_PORT_SEND && l.msgtl_size == 32 &&
		       l.msgtl_number == 3 && l.msgtl_header.msgt_deallocate == 1,
		       "complex: OOL port descriptor: PORT_SEND, 32-bit names");
	}
	memcpy(&a, r.u.b + at_oolp + sizeof(mach_msg_type_long_t), sizeof a);
	TAP_OK(a != (vm_offset_t) (uintptr_t) ports && lb_vm_is_allocated(a, 12), "complex: OOL ports in fresh memory");
	for (i = 0; i < 3; i++) {
		mach_port_name_t got = ((mach_port_name_t *) a)[i];

		TAP_OK(lb_port_same(server, got, client, ports[i]) && ptype(got) == MACH_PORT_TYPE_SEND,
		       "complex: OOL port %u made a send right for the server", i);
	}
	vm_deallocate(mach_task_self(), a, 12);
	memcpy(&a, r.u.b + at_small + sizeof(mach_msg_type_long_t), sizeof a);
	TAP_OK(lb_vm_is_allocated(a, 5) && memcmp((void *) a, "abcd", 5) == 0,
	       "complex: OOL from the stack copied");
	vm_deallocate(mach_task_self(), a, 5);
	lb_space_switch(client);
	lb_get_stats(&st);
	TAP_OK(st.vm_regions == 0, "complex: no regions left (%lu)", st.vm_regions);
	{
		struct lb_port_status ps;

		lb_port_status(ports[0], &ps);
		TAP_OK(ps.srights == 1 && ps.mscount == 1, "complex: make-send counted");
	}
	(void) s;
}

static void test_moves(void)
{
	struct mb m, r;
	mach_port_name_t srv, dest, p, q, so_src, g1, g2;
	lb_space_t *client, *server;
	size_t at;

	lb_reset();
	client = lb_space_current();
	server = lb_space_create("server");
	lb_space_switch(server);
	srv = new_receive();
	lb_port_give(client, srv, MACH_MSG_TYPE_MAKE_SEND, &dest);
	lb_space_switch(client);

	p = new_port();
	lb_port_mod_refs(p, MACH_PORT_RIGHT_SEND, 1);	/* two urefs */
	mb_init(&m, MACH_MSGH_BITS_COMPLEX | MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0), dest, 0, 1);
	at = mb_ports(&m, MACH_MSG_TYPE_MOVE_SEND, &p, 1);
	TAP_KR(mb_send(&m), MACH_MSG_SUCCESS, "move: move-send one of two urefs");
	TAP_OK(refs(p, MACH_PORT_RIGHT_SEND) == 1, "move: one uref left");
	TAP_KR(mb_send(&m), MACH_MSG_SUCCESS, "move: move-send the last");
	TAP_OK(ptype(p) == MACH_PORT_TYPE_RECEIVE, "move: receive right stays");
	lb_space_switch(server);
	rcv(&r, srv, sizeof r.u);
	g1 = slot_at(&r, at + sizeof(mach_msg_type_t));
	rcv(&r, srv, sizeof r.u);
	g2 = slot_at(&r, at + sizeof(mach_msg_type_t));
	TAP_OK(g1 == g2 && refs(g1, MACH_PORT_RIGHT_SEND) == 2 && lb_port_same(server, g1, client, p),
	       "move: the server's two send rights merged under one name");
	lb_space_switch(client);

	q = new_receive();
	mb_init(&m, MACH_MSGH_BITS_COMPLEX | MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0), dest, 0, 2);
	mb_ports(&m, MACH_MSG_TYPE_MOVE_RECEIVE, &q, 1);
	TAP_KR(mb_send(&m), MACH_MSG_SUCCESS, "move: move-receive");
	TAP_OK(ptype(q) == 0xdead, "move: the sender's receive right is gone");
	lb_space_switch(server);
	rcv(&r, srv, sizeof r.u);
	g1 = slot_at(&r, at + sizeof(mach_msg_type_t));
	TAP_OK(type_at(&r, at).msgt_name == MACH_MSG_TYPE_PORT_RECEIVE && ptype(g1) == MACH_PORT_TYPE_RECEIVE,
	       "move: the server holds the receive right");
	mb_init(&m, MACH_MSGH_BITS(MACH_MSG_TYPE_MAKE_SEND, 0), g1, 0, 3);
	mb_send(&m);
	TAP_KR(rcv(&r, g1, sizeof r.u), MACH_MSG_SUCCESS, "move: and can use it");
	lb_space_switch(client);

	so_src = new_receive();
	mb_init(&m, MACH_MSGH_BITS_COMPLEX | MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0), dest, 0, 4);
	mb_ports(&m, MACH_MSG_TYPE_MAKE_SEND_ONCE, &so_src, 1);
	TAP_KR(mb_send(&m), MACH_MSG_SUCCESS, "move: make-send-once in the body");
	lb_space_switch(server);
	rcv(&r, srv, sizeof r.u);
	g1 = slot_at(&r, at + sizeof(mach_msg_type_t));
	TAP_OK(ptype(g1) == MACH_PORT_TYPE_SEND_ONCE, "move: the server got a send-once right");
	mb_init(&m, MACH_MSGH_BITS(MACH_MSG_TYPE_MOVE_SEND_ONCE, 0), g1, 0, 5);
	TAP_KR(mb_send(&m), MACH_MSG_SUCCESS, "move: send through it");
	TAP_KR(mb_send(&m), MACH_SEND_INVALID_DEST, "move: only once");
	lb_space_switch(client);
	TAP_KR(rcv(&r, so_src, sizeof r.u), MACH_MSG_SUCCESS, "move: arrived");
	TAP_OK(r.u.h.msgh_id == 5 && r.u.h.msgh_bits == MACH_MSGH_BITS(0, MACH_MSG_TYPE_PORT_SEND_ONCE),
	       "move: as a send-once message");
	/* Dead names in the body travel as MACH_PORT_DEAD. */
	lb_port_allocate(MACH_PORT_RIGHT_DEAD_NAME, &q);
	mb_init(&m, MACH_MSGH_BITS_COMPLEX | MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0), dest, 0, 6);
	mb_ports(&m, MACH_MSG_TYPE_MOVE_SEND, &q, 1);
	TAP_KR(mb_send(&m), MACH_MSG_SUCCESS, "move: a dead name in the body");
	TAP_OK(ptype(q) == 0xdead, "move: its uref is used");
	lb_space_switch(server);
	rcv(&r, srv, sizeof r.u);
	TAP_OK(slot_at(&r, at + sizeof(mach_msg_type_t)) == MACH_PORT_DEAD, "move: arrives as MACH_PORT_DEAD");
	lb_space_switch(client);
}

/* ------------------------------------------------------------------ */

/* Send M to a fresh port of this space and return the result; the port and
   what arrived are destroyed. */
static mach_msg_return_t send_expect(struct mb *m)
{
	return mb_send(m);
}

static void test_errors(void)
{
	struct mb m, r;
	mach_port_name_t p, reply, s, dn;
	struct lb_port_status ps;
	size_t at;
	unsigned i;
	mach_msg_return_t mr;

	lb_reset();
	p = new_receive();
	reply = new_receive();
	s = new_port();

	mb_init(&m, MACH_MSGH_BITS(MACH_MSG_TYPE_MAKE_SEND, 0), p, 0, 1);
	TAP_KR(mach_msg(&m.u.h, MACH_SEND_MSG, sizeof(mach_msg_header_t) - 4, 0, 0, 0, 0),
	       MACH_SEND_MSG_TOO_SMALL, "error: smaller than a header");
	TAP_KR(mach_msg(&m.u.h, MACH_SEND_MSG, sizeof(mach_msg_header_t) + 2, 0, 0, 0, 0),
	       MACH_SEND_MSG_TOO_SMALL, "error: size not aligned");
	TAP_KR(mach_msg(NULL, MACH_SEND_MSG, 64, 0, 0, 0, 0), MACH_SEND_INVALID_DATA, "error: no buffer");
	mb_init(&m, MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0), 0x7777, 0, 1);
	TAP_KR(send_expect(&m), MACH_SEND_INVALID_DEST, "error: unknown destination name");
	mb_init(&m, MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0), p, 0, 1);
	TAP_KR(send_expect(&m), MACH_SEND_INVALID_DEST, "error: copy-send from a receive-only name");
	mb_init(&m, MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0), MACH_PORT_NULL, 0, 1);
	TAP_KR(send_expect(&m), MACH_SEND_INVALID_DEST, "error: null destination");
	mb_init(&m, MACH_MSGH_BITS(MACH_MSG_TYPE_MOVE_RECEIVE, 0), p, 0, 1);
	TAP_KR(send_expect(&m), MACH_SEND_INVALID_HEADER, "error: move-receive as destination");
	mb_init(&m, MACH_MSGH_BITS(MACH_MSG_TYPE_INTEGER_32, 0), p, 0, 1);
	TAP_KR(send_expect(&m), MACH_SEND_INVALID_HEADER, "error: data type as destination");
	mb_init(&m, MACH_MSGH_BITS(MACH_MSG_TYPE_MAKE_SEND, 0), p, reply, 1);
	TAP_KR(send_expect(&m), MACH_SEND_INVALID_HEADER, "error: reply name without a disposition");
	mb_init(&m, MACH_MSGH_BITS(MACH_MSG_TYPE_MAKE_SEND, MACH_MSG_TYPE_MAKE_SEND_ONCE), p, 0x7777, 1);
	TAP_KR(send_expect(&m), MACH_SEND_INVALID_REPLY, "error: unknown reply name");
	mb_init(&m, MACH_MSGH_BITS(MACH_MSG_TYPE_MAKE_SEND, MACH_MSG_TYPE_MOVE_SEND_ONCE), p, reply, 1);
	TAP_KR(send_expect(&m), MACH_SEND_INVALID_REPLY, "error: reply name lacks the right");
	lb_port_status(p, &ps);
	TAP_OK(ps.msgcount == 0 && ps.mscount == 0, "error: nothing queued, no right made");

	/* Body errors. */
	mb_init(&m, MACH_MSGH_BITS_COMPLEX | MACH_MSGH_BITS(MACH_MSG_TYPE_MAKE_SEND, 0), p, 0, 1);
	{
		mach_port_name_t two[2] = { s, 0x7777 };

		mb_ports(&m, MACH_MSG_TYPE_COPY_SEND, two, 2);
	}
	TAP_KR(send_expect(&m), MACH_SEND_INVALID_RIGHT, "error: unknown name in the body");
	TAP_OK(refs(s, MACH_PORT_RIGHT_SEND) == 1, "error: the copied right before it was released");
	lb_port_status(s, &ps);
	TAP_OK(ps.srights == 1, "error: send rights back to one (%u)", ps.srights);
	mb_init(&m, MACH_MSGH_BITS_COMPLEX | MACH_MSGH_BITS(MACH_MSG_TYPE_MAKE_SEND, 0), p, 0, 1);
	mb_ports(&m, MACH_MSG_TYPE_MOVE_SEND_ONCE, &s, 1);
	TAP_KR(send_expect(&m), MACH_SEND_INVALID_RIGHT, "error: body right of the wrong kind");
	mb_init(&m, MACH_MSGH_BITS_COMPLEX | MACH_MSGH_BITS(MACH_MSG_TYPE_MAKE_SEND, 0), p, 0, 1);
	mb_int(&m, 1);
	m.off -= ALIGN;	/* the int's data is cut off */
	TAP_KR(send_expect(&m), MACH_SEND_MSG_TOO_SMALL, "error: inline data truncated");
	mb_init(&m, MACH_MSGH_BITS_COMPLEX | MACH_MSGH_BITS(MACH_MSG_TYPE_MAKE_SEND, 0), p, 0, 1);
	mb_type(&m, MACH_MSG_TYPE_INTEGER_32, 32, 1000, 1, 0);
	mb_align(&m);
	TAP_KR(send_expect(&m), MACH_SEND_MSG_TOO_SMALL, "error: count larger than the message");
	mb_init(&m, MACH_MSGH_BITS_COMPLEX | MACH_MSGH_BITS(MACH_MSG_TYPE_MAKE_SEND, 0), p, 0, 1);
	mb_type(&m, MACH_MSG_TYPE_COPY_SEND, 32 + 32 * (SLOT == 4), 1, 1, 0);
	m.off += SLOT;
	mb_align(&m);
	TAP_KR(send_expect(&m), MACH_SEND_INVALID_TYPE, "error: inline port of the wrong size");
	mb_init(&m, MACH_MSGH_BITS_COMPLEX | MACH_MSGH_BITS(MACH_MSG_TYPE_MAKE_SEND, 0), p, 0, 1);
	mb_ool(&m, MACH_MSG_TYPE_COPY_SEND, 64, 1, &s, 0);
	TAP_KR(send_expect(&m), MACH_SEND_INVALID_TYPE, "error: out-of-line ports not 32 bits");
	mb_init(&m, MACH_MSGH_BITS_COMPLEX | MACH_MSGH_BITS(MACH_MSG_TYPE_MAKE_SEND, 0), p, 0, 1);
	at = mb_type(&m, MACH_MSG_TYPE_INTEGER_32, 32, 1, 1, 1);
	mb_data(&m, &at, 4);
	TAP_KR(send_expect(&m), MACH_SEND_INVALID_TYPE, "error: deallocate on inline data");
	mb_init(&m, MACH_MSGH_BITS_COMPLEX | MACH_MSGH_BITS(MACH_MSG_TYPE_MAKE_SEND, 0), p, 0, 1);
	at = mb_type(&m, MACH_MSG_TYPE_INTEGER_32, 32, 1, 1, 0);
	{
		mach_msg_type_t t = type_at(&m, at);

		t.msgt_unused = 1;
		memcpy(m.u.b + at, &t, sizeof t);
	}
	mb_data(&m, &at, 4);
	TAP_KR(send_expect(&m), MACH_SEND_INVALID_TYPE, "error: unused bit set");
	mb_init(&m, MACH_MSGH_BITS_COMPLEX | MACH_MSGH_BITS(MACH_MSG_TYPE_MAKE_SEND, 0), p, 0, 1);
	mb_ool(&m, MACH_MSG_TYPE_BYTE, 8, 100, (void *) 16, 0);
	TAP_KR(send_expect(&m), MACH_SEND_INVALID_MEMORY, "error: out-of-line pointer to nowhere");
	mb_init(&m, MACH_MSGH_BITS_COMPLEX | MACH_MSGH_BITS(MACH_MSG_TYPE_MAKE_SEND, 0), p, 0, 1);
	mb_ool(&m, MACH_MSG_TYPE_BYTE, 0xffff, 0xffffffffu, &s, 0);
	TAP_KR(send_expect(&m), MACH_SEND_INVALID_MEMORY, "error: out-of-line size beyond anything");
	{
		/* A region's pages end the range: what the host's allocator put
		   after them is not the sender's memory, readable or not. */
		vm_address_t one;

		vm_allocate(mach_task_self(), &one, 4096, 1);
		mb_init(&m, MACH_MSGH_BITS_COMPLEX | MACH_MSGH_BITS(MACH_MSG_TYPE_MAKE_SEND, 0), p, 0, 1);
		mb_ool(&m, MACH_MSG_TYPE_BYTE, 8, 4096 * 4, (void *) one, 0);
		TAP_KR(send_expect(&m), MACH_SEND_INVALID_MEMORY, "error: out-of-line range running past its region");
		vm_deallocate(mach_task_self(), one, 4096);
	}
	mb_init(&m, MACH_MSGH_BITS_COMPLEX | MACH_MSGH_BITS(MACH_MSG_TYPE_MAKE_SEND, 0), p, 0, 1);
	mb_ool(&m, MACH_MSG_TYPE_BYTE, 8, 100, (void *) 16, 0);
	m.off -= sizeof(vm_offset_t);
	TAP_KR(send_expect(&m), MACH_SEND_MSG_TOO_SMALL, "error: out-of-line pointer cut off");
	lb_port_status(p, &ps);
	TAP_OK(ps.msgcount == 0 && ps.srights == 0, "error: no body error left a message or right (%u)",
	       ps.srights);
#ifndef __LP64__
	mb_init(&m, MACH_MSGH_BITS_COMPLEX | MACH_MSGH_BITS(MACH_MSG_TYPE_MAKE_SEND, 0), p, 0, 1);
	at = mb_long_type(&m, MACH_MSG_TYPE_INTEGER_32, 32, 1, 1, 0);
	{
		mach_msg_type_long_t l;

		memcpy(&l, m.u.b + at, sizeof l);
		l.msgtl_header.msgt_name = 2;
		memcpy(m.u.b + at, &l, sizeof l);
	}
	mb_data(&m, &at, 4);
	TAP_KR(send_expect(&m), MACH_SEND_INVALID_TYPE, "error: long form with short fields set (i686)");
#endif

	/* Not complex: descriptors are not looked at. */
	mb_init(&m, MACH_MSGH_BITS(MACH_MSG_TYPE_MAKE_SEND, 0), p, 0, 1);
	mb_ports(&m, MACH_MSG_TYPE_COPY_SEND, &reply, 1);
	TAP_KR(send_expect(&m), MACH_MSG_SUCCESS, "plain: port descriptor in a simple message");
	TAP_KR(rcv(&r, p, sizeof r.u), MACH_MSG_SUCCESS, "plain: received");
	TAP_OK(slot_at(&r, sizeof(mach_msg_header_t) + sizeof(mach_msg_type_t)) == reply &&
	       type_at(&r, sizeof(mach_msg_header_t)).msgt_name == MACH_MSG_TYPE_COPY_SEND,
	       "plain: bytes untouched");
	mb_init(&m, MACH_MSGH_BITS_COMPLEX | MACH_MSGH_BITS(MACH_MSG_TYPE_MAKE_SEND, 0), p, 0, 1);
	mb_int(&m, 3);
	send_expect(&m);
	rcv(&r, p, sizeof r.u);
	TAP_OK(!(r.u.h.msgh_bits & MACH_MSGH_BITS_COMPLEX), "plain: complex bit cleared without rights or memory");

	/* Receive errors. */
	TAP_KR(rcv(&r, 0x7777, sizeof r.u), MACH_RCV_INVALID_NAME, "receive: unknown name");
	TAP_KR(rcv(&r, s, sizeof r.u), MACH_RCV_TIMED_OUT,
	       "receive: empty queue times out instead of blocking");
	dn = 0;
	lb_port_allocate(MACH_PORT_RIGHT_DEAD_NAME, &dn);
	TAP_KR(rcv(&r, dn, sizeof r.u), MACH_RCV_INVALID_NAME, "receive: dead name");
	mb_init(&m, MACH_MSGH_BITS(MACH_MSG_TYPE_MAKE_SEND, MACH_MSG_TYPE_MAKE_SEND_ONCE), p, reply, 9);
	mb_int(&m, 1);
	mb_int(&m, 2);
	send_expect(&m);
	mr = mach_msg(&r.u.h, MACH_RCV_MSG | MACH_RCV_LARGE, 0, sizeof(mach_msg_header_t), p, 0, 0);
	TAP_KR(mr, MACH_RCV_TOO_LARGE, "receive: too large with MACH_RCV_LARGE");
	lb_port_status(p, &ps);
	TAP_OK(r.u.h.msgh_size == m.off && ps.msgcount == 1, "receive: size reported, message kept");
	memset(&r, 0x5a, sizeof r);
	mr = mach_msg(&r.u.h, MACH_RCV_MSG, 0, sizeof(mach_msg_header_t), p, 0, 0);
	TAP_KR(mr, MACH_RCV_TOO_LARGE, "receive: too large");
	lb_port_status(p, &ps);
	TAP_OK(ps.msgcount == 0 && r.u.h.msgh_size == m.off && r.u.h.msgh_local_port == p &&
	       r.u.h.msgh_remote_port == MACH_PORT_NULL && r.u.b[sizeof(mach_msg_header_t)] == 0x5a,
	       "receive: message destroyed, header given");
	/* Its reply right was destroyed: a send-once notification. */
	TAP_KR(rcv(&r, reply, sizeof r.u), MACH_MSG_SUCCESS, "notify: the reply port got something");
	TAP_OK(r.u.h.msgh_id == MACH_NOTIFY_SEND_ONCE && r.u.h.msgh_size == sizeof(mach_msg_header_t) &&
	       r.u.h.msgh_bits == MACH_MSGH_BITS(0, MACH_MSG_TYPE_PORT_SEND_ONCE),
	       "notify: a send-once notification");

	/* Queue limit: a sixth message would block. */
	for (i = 0; i < 5; i++) {
		mb_init(&m, MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0), s, 0, 10 + i);
		send_expect(&m);
	}
	mb_init(&m, MACH_MSGH_BITS_COMPLEX | MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, MACH_MSG_TYPE_MAKE_SEND_ONCE), s, reply, 99);
	mb_ports(&m, MACH_MSG_TYPE_MAKE_SEND, &p, 1);
	TAP_KR(send_expect(&m), MACH_SEND_TIMED_OUT, "qlimit: sixth message times out");
	TAP_OK(m.u.h.msgh_remote_port == s && ptype(m.u.h.msgh_local_port) == MACH_PORT_TYPE_SEND_ONCE &&
	       slot_at(&m, sizeof(mach_msg_header_t) + sizeof(mach_msg_type_t)) == p &&
	       refs(p, MACH_PORT_RIGHT_SEND) == 1,
	       "qlimit: rights given back in the message (pseudo-receive)");
	for (i = 0; i < 5; i++)
		rcv(&r, s, sizeof r.u);
	TAP_KR(send_expect(&m), MACH_MSG_SUCCESS, "qlimit: room again (resending the returned message)");
	TAP_KR(rcv(&r, s, sizeof r.u), MACH_MSG_SUCCESS, "qlimit: received");
	lb_msg_destroy(&r.u.h);
}

/* ------------------------------------------------------------------ */
/* Dispatch to a server.                                               */

struct trace_log {
	int n;
	enum lb_trace_event ev[16];
	unsigned depth[16];
	mach_msg_size_t size[16];
	mach_msg_id_t id[16];
};

static void log_trace(void *ctx, const struct lb_trace *t)
{
	struct trace_log *l = ctx;

	if (l->n < 16) {
		l->ev[l->n] = t->event;
		l->depth[l->n] = t->depth;
		l->size[l->n] = t->size;
		l->id[l->n] = t->msg->msgh_id;
	}
	l->n++;
}

static kern_return_t echo_rc;
static int echo_calls;
static mach_port_name_t echo_seen_local;

/* A hand-written demux: replies with the request's first int + 1. */
static boolean_t echo_demux(mach_msg_header_t *in, mach_msg_header_t *out)
{
	struct {
		mig_reply_header_t h;
		mach_msg_type_t t;
		int v;
	} *o = (void *) out;
	int v;

	echo_calls++;
	echo_seen_local = in->msgh_local_port;
	mig_reply_setup(in, out);
	memcpy(&v, (char *) in + sizeof(mach_msg_header_t) + sizeof(mach_msg_type_t), sizeof v);
	o->h.RetCode = echo_rc;
	if (echo_rc != KERN_SUCCESS)
		return TRUE;
	o->t = o->h.RetCodeType;
	o->v = v + 1;
	o->h.Head.msgh_size = sizeof *o;
	return TRUE;
}

static void test_server(void)
{
	struct mb m;
	lb_space_t *client, *server;
	mach_port_name_t srv, cl, rp;
	struct trace_log log;
	mach_msg_return_t mr;
	vm_address_t ool;
	struct lb_stats st;

	lb_reset();
	client = lb_space_current();
	server = lb_space_create("server");
	lb_space_switch(server);
	srv = new_receive();
	TAP_KR(lb_server_register(srv, echo_demux, 256), KERN_SUCCESS, "server: register");
	lb_port_give(client, srv, MACH_MSG_TYPE_MAKE_SEND, &cl);
	lb_space_switch(client);
	TAP_KR(lb_server_register(cl, echo_demux, 256), KERN_INVALID_RIGHT, "server: needs a receive right");

	memset(&log, 0, sizeof log);
	lb_set_trace(log_trace, &log);
	rp = mig_get_reply_port();
	mb_init(&m, MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, MACH_MSG_TYPE_MAKE_SEND_ONCE), cl, rp, 500);
	mb_int(&m, 41);
	echo_rc = KERN_SUCCESS;
	mr = mach_msg(&m.u.h, MACH_SEND_MSG | MACH_RCV_MSG, mb_size(&m), sizeof m.u, rp, 0, 0);
	TAP_KR(mr, MACH_MSG_SUCCESS, "server: RPC");
	{
		int v;

		memcpy(&v, m.u.b + sizeof(mig_reply_header_t) + sizeof(mach_msg_type_t), sizeof v);
		TAP_OK(v == 42 && m.u.h.msgh_id == 600 && echo_calls == 1 && echo_seen_local == srv,
		       "server: reply arrived (%d), demux saw its own name", v);
		TAP_OK(m.u.h.msgh_local_port == rp && m.u.h.msgh_bits == MACH_MSGH_BITS(0, MACH_MSG_TYPE_PORT_SEND_ONCE),
		       "server: reply header");
	}
	TAP_OK(log.n == 4 && log.ev[0] == LB_TRACE_SEND && log.depth[0] == 0 && log.id[0] == 500 &&
	       log.ev[1] == LB_TRACE_RECEIVE && log.depth[1] == 1 && log.id[1] == 500 &&
	       log.ev[2] == LB_TRACE_SEND && log.depth[2] == 1 && log.id[2] == 600 &&
	       log.ev[3] == LB_TRACE_RECEIVE && log.depth[3] == 0 && log.id[3] == 600,
	       "server: trace saw request and reply, sent and received (%d events)", log.n);
	lb_set_trace(NULL, NULL);

	/* Error: the request's memory is destroyed, the error sent. */
	vm_allocate(mach_task_self(), &ool, 100, 1);
	mb_init(&m, MACH_MSGH_BITS_COMPLEX | MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, MACH_MSG_TYPE_MAKE_SEND_ONCE), cl, rp, 501);
	mb_int(&m, 1);
	mb_ool(&m, MACH_MSG_TYPE_BYTE, 8, 100, (void *) ool, 0);
	echo_rc = KERN_INVALID_ARGUMENT;
	mr = mach_msg(&m.u.h, MACH_SEND_MSG | MACH_RCV_MSG, mb_size(&m), sizeof m.u, rp, 0, 0);
	TAP_KR(mr, MACH_MSG_SUCCESS, "server: error RPC");
	TAP_KR(((mig_reply_header_t *) &m.u.h)->RetCode, KERN_INVALID_ARGUMENT, "server: error code arrives");
	vm_deallocate(mach_task_self(), ool, 100);
	lb_get_stats(&st);
	TAP_OK(st.vm_regions == 0, "server: the request's memory was destroyed (%lu left)", st.vm_regions);

	/* MIG_NO_REPLY: nothing comes back; the reply right stays with the
	   server (which could answer later). */
	mb_init(&m, MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, MACH_MSG_TYPE_MAKE_SEND_ONCE), cl, rp, 502);
	mb_int(&m, 1);
	echo_rc = MIG_NO_REPLY;
	mr = mach_msg(&m.u.h, MACH_SEND_MSG | MACH_RCV_MSG, mb_size(&m), sizeof m.u, rp, 0, 0);
	TAP_KR(mr, MACH_RCV_TIMED_OUT, "server: MIG_NO_REPLY leaves the client without a reply");

	/* A simple message: the demux runs, no reply. */
	echo_rc = KERN_SUCCESS;
	echo_calls = 0;
	mb_init(&m, MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0), cl, 0, 503);
	mb_int(&m, 1);
	TAP_KR(mb_send(&m), MACH_MSG_SUCCESS, "server: one-way message");
	TAP_OK(echo_calls == 1, "server: handled");
	TAP_KR(rcv(&m, rp, sizeof m.u), MACH_RCV_TIMED_OUT, "server: no reply for it");

	/* The reply does not fit the demux's buffer. */
	lb_space_switch(server);
	lb_server_register(srv, echo_demux, sizeof(mig_reply_header_t));
	lb_space_switch(client);
	mb_init(&m, MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, MACH_MSG_TYPE_MAKE_SEND_ONCE), cl, rp, 504);
	mb_int(&m, 1);
	(void) server;
	/* echo writes beyond 40 bytes only if its buffer allows: use error path */
	echo_rc = KERN_FAILURE;
	mr = mach_msg(&m.u.h, MACH_SEND_MSG | MACH_RCV_MSG, mb_size(&m), sizeof m.u, rp, 0, 0);
	TAP_KR(mr, MACH_MSG_SUCCESS, "server: small reply buffer, error reply fits");

	/* Client and server in one space. */
	{
		mach_port_name_t own = new_port();

		lb_server_register(own, echo_demux, 256);
		mb_init(&m, MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, MACH_MSG_TYPE_MAKE_SEND_ONCE), own, rp, 505);
		mb_int(&m, 6);
		echo_rc = KERN_SUCCESS;
		mr = mach_msg(&m.u.h, MACH_SEND_MSG | MACH_RCV_MSG, mb_size(&m), sizeof m.u, rp, 0, 0);
		TAP_OK(mr == MACH_MSG_SUCCESS && echo_seen_local == own && m.u.h.msgh_id == 605,
		       "server: in the client's own space");
	}
}

/* Destination and reply port under one name (the kernel's special cases). */
static void test_same_name(void)
{
	struct mb m, r;
	mach_port_name_t p;
	struct lb_port_status ps;

	lb_reset();
	p = new_port();
	mb_init(&m, MACH_MSGH_BITS(MACH_MSG_TYPE_MAKE_SEND, MACH_MSG_TYPE_MAKE_SEND_ONCE), p, p, 1);
	TAP_KR(mb_send(&m), MACH_MSG_SUCCESS, "same name: make-send to self, make-send-once reply");
	TAP_KR(rcv(&r, p, sizeof r.u), MACH_MSG_SUCCESS, "same name: received");
	TAP_OK(r.u.h.msgh_local_port == p && lb_port_same(lb_space_current(), r.u.h.msgh_remote_port,
							lb_space_current(), p) &&
	       ptype(r.u.h.msgh_remote_port) == MACH_PORT_TYPE_SEND_ONCE, "same name: reply right to itself");
	lb_port_deallocate(r.u.h.msgh_remote_port);	/* a notification for p */
	while (rcv(&r, p, sizeof r.u) == MACH_MSG_SUCCESS)
		;
	mb_init(&m, MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, MACH_MSG_TYPE_COPY_SEND), p, p, 2);
	TAP_KR(mb_send(&m), MACH_MSG_SUCCESS, "same name: copy-send twice");
	rcv(&r, p, sizeof r.u);
	TAP_OK(r.u.h.msgh_remote_port == p && refs(p, MACH_PORT_RIGHT_SEND) == 2,
	       "same name: the reply send right merged under the name (%u urefs)", refs(p, MACH_PORT_RIGHT_SEND));
	lb_port_deallocate(p);
	mb_init(&m, MACH_MSGH_BITS(MACH_MSG_TYPE_MOVE_SEND, MACH_MSG_TYPE_MOVE_SEND), p, p, 3);
	TAP_KR(mb_send(&m), MACH_SEND_INVALID_DEST, "same name: move-send twice with one uref");
	lb_port_mod_refs(p, MACH_PORT_RIGHT_SEND, 1);
	TAP_KR(mb_send(&m), MACH_MSG_SUCCESS, "same name: move-send twice with two");
	TAP_OK(ptype(p) == MACH_PORT_TYPE_RECEIVE, "same name: both urefs moved");
	rcv(&r, p, sizeof r.u);
	TAP_OK(refs(p, MACH_PORT_RIGHT_SEND) == 1, "same name: the reply right came back");
	mb_init(&m, MACH_MSGH_BITS(MACH_MSG_TYPE_MAKE_SEND, MACH_MSG_TYPE_MOVE_SEND_ONCE), p, p, 4);
	TAP_KR(mb_send(&m), MACH_SEND_INVALID_REPLY, "same name: move-send-once without the right");
	lb_port_status(p, &ps);
	TAP_OK(ps.msgcount == 0, "same name: nothing left queued");
}

static int nested_calls;
static mach_port_name_t nested_target;	/* in the middle server's space */

/* A demux that calls another server before answering. */
static boolean_t middle_demux(mach_msg_header_t *in, mach_msg_header_t *out)
{
	struct mb m;
	mach_port_name_t rp = mig_get_reply_port();

	nested_calls++;
	mb_init(&m, MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, MACH_MSG_TYPE_MAKE_SEND_ONCE), nested_target, rp, 700);
	mb_int(&m, 10);
	echo_rc = KERN_SUCCESS;
	mach_msg(&m.u.h, MACH_SEND_MSG | MACH_RCV_MSG, mb_size(&m), sizeof m.u, rp, 0, 0);
	mig_reply_setup(in, out);
	((mig_reply_header_t *) out)->RetCode = m.u.h.msgh_id == 800 ? KERN_SUCCESS : KERN_FAILURE;
	return TRUE;
}

static void test_nested(void)
{
	struct mb m;
	lb_space_t *client, *mid, *back;
	mach_port_name_t back_port, mid_port, to_mid, rp;
	mach_msg_return_t mr;

	lb_reset();
	client = lb_space_current();
	mid = lb_space_create("middle");
	back = lb_space_create("back");
	lb_space_switch(back);
	back_port = new_receive();
	lb_server_register(back_port, echo_demux, 256);
	lb_port_give(mid, back_port, MACH_MSG_TYPE_MAKE_SEND, &nested_target);
	lb_space_switch(mid);
	mid_port = new_receive();
	lb_server_register(mid_port, middle_demux, 256);
	lb_port_give(client, mid_port, MACH_MSG_TYPE_MAKE_SEND, &to_mid);
	lb_space_switch(client);
	rp = mig_get_reply_port();
	mb_init(&m, MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, MACH_MSG_TYPE_MAKE_SEND_ONCE), to_mid, rp, 701);
	mb_int(&m, 1);
	nested_calls = echo_calls = 0;
	mr = mach_msg(&m.u.h, MACH_SEND_MSG | MACH_RCV_MSG, mb_size(&m), sizeof m.u, rp, 0, 0);
	TAP_KR(mr, MACH_MSG_SUCCESS, "nested: a server calling a server");
	TAP_OK(nested_calls == 1 && echo_calls == 1 && ((mig_reply_header_t *) &m.u.h)->RetCode == KERN_SUCCESS &&
	       m.u.h.msgh_id == 801, "nested: both ran, the answer came back");
	TAP_OK(lb_space_current() == client, "nested: the client's space is current again");
}

static void test_misc_api(void)
{
	struct mb m, r;
	mach_port_name_t p, s, in_other;
	lb_space_t *other, *me;
	size_t slots[8], at1, at2;
	char data[16] = "0123456789abcde";
	unsigned n;

	lb_reset();
	p = new_receive();
	s = new_port();
	mb_init(&m, MACH_MSGH_BITS_COMPLEX | MACH_MSGH_BITS(MACH_MSG_TYPE_MAKE_SEND, 0), p, 0, 1);
	mb_int(&m, 1);
	at1 = mb_ool(&m, MACH_MSG_TYPE_CHAR, 8, 16, data, 0) + sizeof(mach_msg_type_long_t);
	mb_ports(&m, MACH_MSG_TYPE_COPY_SEND, &s, 1);
	at2 = mb_ool(&m, MACH_MSG_TYPE_CHAR, 8, 0, NULL, 0) + sizeof(mach_msg_type_long_t);
	mb_size(&m);
	n = lb_msg_pointer_slots(&m.u.h, m.u.h.msgh_size, slots, 8);
	TAP_OK(n == 2 && slots[0] == at1 && slots[1] == at2, "pointer slots: found (%u)", n);
	mb_send(&m);
	rcv(&r, p, sizeof r.u);
	n = lb_msg_pointer_slots(&r.u.h, r.u.h.msgh_size, slots, 1);
	TAP_OK(n == 2 && slots[0] == at1, "pointer slots: in the received message too, MAX respected");
	lb_msg_destroy(&r.u.h);
	TAP_OK(refs(s, MACH_PORT_RIGHT_SEND) == 1, "mach_msg_destroy: the received send right released");
	{
		struct lb_stats st;

		lb_get_stats(&st);
		TAP_OK(st.vm_regions == 0, "mach_msg_destroy: the received memory released");
	}
	other = lb_space_create("other");
	TAP_KR(lb_port_insert_right(other, 0x4242, s, MACH_MSG_TYPE_COPY_SEND), KERN_SUCCESS,
	       "insert_right: under a chosen name in another space");
	TAP_KR(lb_port_insert_right(other, 0x4343, s, MACH_MSG_TYPE_COPY_SEND), KERN_RIGHT_EXISTS,
	       "insert_right: a second name for the same send right");
	TAP_KR(lb_port_insert_right(other, 0x4242, s, MACH_MSG_TYPE_MAKE_SEND), KERN_SUCCESS,
	       "insert_right: more urefs under the same name");
	TAP_KR(lb_port_insert_right(other, 0x4242, p, MACH_MSG_TYPE_MAKE_SEND), KERN_NAME_EXISTS,
	       "insert_right: a name used for another port");
	TAP_KR(lb_port_insert_right(other, MACH_PORT_DEAD, s, MACH_MSG_TYPE_MAKE_SEND), KERN_INVALID_VALUE,
	       "insert_right: a reserved name");
	TAP_KR(lb_port_insert_right(other, 0x4444, 0x999, MACH_MSG_TYPE_MAKE_SEND), MACH_SEND_INVALID_RIGHT,
	       "insert_right: a right the caller lacks");
	me = lb_space_switch(other);
	TAP_OK(refs(0x4242, MACH_PORT_RIGHT_SEND) == 2, "insert_right: two urefs there");
	lb_space_switch(me);
	lb_port_give(other, s, MACH_MSG_TYPE_MOVE_RECEIVE, &in_other);
	TAP_OK(in_other == 0x4242, "give: a receive right joins the send right's name");
	lb_space_clear(other);
	TAP_OK(lb_space_names(other) == 1, "space_clear: only the task port left");
	TAP_OK(ptype(s) == MACH_PORT_TYPE_DEAD_NAME, "space_clear: its port died, our send right is dead");
	TAP_OK(lb_strerror(MACH_SEND_INVALID_DEST) && lb_strerror(12345678) == NULL, "strerror");
	mb_init(&m, MACH_MSGH_BITS(MACH_MSG_TYPE_MAKE_SEND, 0), p, 0, 1);
	TAP_KR(mach_msg(&m.u.h, MACH_SEND_MSG | MACH_SEND_CANCEL, mb_size(&m), 0, 0, 0, MACH_PORT_NULL),
	       MACH_SEND_INVALID_NOTIFY, "send cancel without a notify port");
	mb_send(&m);
	TAP_KR(mach_msg(&r.u.h, MACH_RCV_MSG | MACH_RCV_NOTIFY, 0, sizeof r.u, p, 0, 0x9999),
	       MACH_RCV_INVALID_NOTIFY, "receive notify with a bad notify port");
}

/* ------------------------------------------------------------------ */
/* Mutated messages: never a crash, never a leak of rights.            */

static uint32_t rnd_state = 12345;

static uint32_t rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 17;
	rnd_state ^= rnd_state << 5;
	return rnd_state;
}

/* The message the mutations start from: an int, two inline ports, OOL
   bytes, two OOL ports, inline chars; to P with reply port RP. */
static void mutation_base(struct mb *base, mach_port_name_t p, mach_port_name_t rp,
			  mach_port_name_t s, const char *data, size_t len)
{
	mach_port_name_t ports[2] = { s, MACH_PORT_NULL };

	mb_init(base, MACH_MSGH_BITS_COMPLEX |
		MACH_MSGH_BITS(MACH_MSG_TYPE_MAKE_SEND, MACH_MSG_TYPE_MAKE_SEND_ONCE), p, rp, 77);
	mb_int(base, 1);
	mb_ports(base, MACH_MSG_TYPE_COPY_SEND, ports, 2);
	mb_ool(base, MACH_MSG_TYPE_CHAR, 8, (unsigned) len, data, 0);
	mb_ool(base, MACH_MSG_TYPE_COPY_SEND, 32, 2, ports, 0);
	mb_type(base, MACH_MSG_TYPE_CHAR, 8, 11, 1, 0);
	mb_data(base, "hello world", 11);
	mb_size(base);
}

/* Receive and destroy everything queued on NAME. */
static void drain(mach_port_name_t name)
{
	struct mb r;

	while (rcv(&r, name, sizeof r.u) == MACH_MSG_SUCCESS)
		lb_msg_destroy(&r.u.h);
}

static void test_mutations(void)
{
	struct mb base, m;
	mach_port_name_t p, s, rp;
	char data[40];
	unsigned i, accepted = 0, errors = 0, renewed = 0;
	unsigned names_before;
	struct lb_stats st;
	int bad_code = 0;

	lb_reset();
	p = new_receive();
	s = new_port();
	rp = new_receive();
	memset(data, 7, sizeof data);
	mutation_base(&base, p, rp, s, data, sizeof data);
	names_before = lb_space_names(lb_space_current());

	for (i = 0; i < 20000; i++) {
		unsigned nmut = 1 + rnd() % 4, j;
		mach_msg_size_t size = (mach_msg_size_t) base.off;
		mach_msg_return_t mr;

		m = base;
		for (j = 0; j < nmut; j++) {
			unsigned pos = sizeof(mach_msg_header_t) / 2 + rnd() % (size - sizeof(mach_msg_header_t) / 2);

			switch (rnd() % 4) {
			case 0:
				m.u.b[pos] ^= (unsigned char) (1u << (rnd() % 8));
				break;
			case 1:
				m.u.b[pos] = (unsigned char) rnd();
				break;
			case 2:
				size = (mach_msg_size_t) (sizeof(mach_msg_header_t) +
					(rnd() % (base.off - sizeof(mach_msg_header_t) + 16)) / ALIGN * ALIGN);
				break;
			default:
				m.u.b[pos & ~3u] ^= 0x80;	/* high bits of descriptor words */
				break;
			}
		}
		mr = mach_msg(&m.u.h, MACH_SEND_MSG, size, 0, 0, 0, 0);
		if (mr == MACH_MSG_SUCCESS)
			accepted++;
		else {
			errors++;
			if (!lb_strerror(mr) || (mr & 0xffffc000) != 0x10000000)
				bad_code++;
		}
		/* Take delivery of whatever arrived where; mutated dispositions
		   may have moved or destroyed our rights: make them anew. */
		drain(p);
		drain(rp);
		drain(s);
		if (ptype(p) != MACH_PORT_TYPE_RECEIVE || ptype(rp) != MACH_PORT_TYPE_RECEIVE ||
		    ptype(s) != MACH_PORT_TYPE_SEND_RECEIVE || refs(s, MACH_PORT_RIGHT_SEND) != 1) {
			lb_port_destroy(p);
			lb_port_destroy(rp);
			lb_port_destroy(s);
			p = new_receive();
			s = new_port();
			rp = new_receive();
			mutation_base(&base, p, rp, s, data, sizeof data);
			renewed++;
		}
	}
	TAP_OK(accepted > 100 && errors > 100,
	       "mutations: 20000 mutated messages (%u accepted, %u refused, rights renewed %u times)",
	       accepted, errors, renewed);
	TAP_OK(bad_code == 0, "mutations: every refusal is a send error code");
	TAP_OK(lb_space_names(lb_space_current()) == names_before,
	       "mutations: no names leaked (%u before, %u after)", names_before,
	       lb_space_names(lb_space_current()));
	lb_get_stats(&st);
	TAP_OK(st.vm_regions == 0, "mutations: no memory leaked (%lu regions)", st.vm_regions);
}

int main(void)
{
	test_rights();
	test_task_calls();
	test_mig_support();
	test_simple();
	test_complex();
	test_moves();
	test_errors();
	test_server();
	test_same_name();
	test_nested();
	test_misc_api();
	test_mutations();
	lb_reset();
	return tap_done();
}
