/* t_rtt_floor.c: the messages of rtt.defs written by hand, client and server (the floor of the round-trip bench). */

#include "t_rtt.h"
#include <stddef.h>
#include <mach/mig_support.h>

/* The requests and the reply, as the kernel sees them (mach/message.h). */
struct rtt_req_null {
	mach_msg_header_t Head;
};
struct rtt_req_inline {
	mach_msg_header_t Head;
	mach_msg_type_t dataType;
	rtt_page_t data;
};
struct rtt_req_ool {
	mach_msg_header_t Head;
	mach_msg_type_long_t dataType;
	vm_offset_t data;
};
union rtt_msg {
	mach_msg_header_t Head;
	struct rtt_req_null null;
	struct rtt_req_inline inl;
	struct rtt_req_ool ool;
	mig_reply_header_t reply;
	char room[RTT_MSG_MAX];
};

#define RTT_ID 5400

static const mach_msg_type_t rtt_int_type = {
	.msgt_name = MACH_MSG_TYPE_INTEGER_32, .msgt_size = 32, .msgt_number = 1, .msgt_inline = 1,
};
static const mach_msg_type_t rtt_page_type = {
	.msgt_name = MACH_MSG_TYPE_INTEGER_32, .msgt_size = 32, .msgt_number = 1024, .msgt_inline = 1,
};
/* Out of line, long form; the count goes in msgtl_number.  (On x86_64 the
   long form is the short one, whose name and size are the long names.) */
static const mach_msg_type_long_t rtt_bytes_type = {
#ifdef __LP64__
	.msgtl_header = { .msgt_name = MACH_MSG_TYPE_BYTE, .msgt_size = 8, .msgt_longform = 1 },
#else
	.msgtl_header = { .msgt_longform = 1 },
	.msgtl_name = MACH_MSG_TYPE_BYTE,
	.msgtl_size = 8,
#endif
};

static inline int rtt_same(const void *a, const void *b, size_t n)
{
	return __builtin_memcmp(a, b, n) == 0;
}

/* Send the request in M (SIZE bytes, COMPLEX or 0) and receive the reply
   in the same buffer: one mach_msg, as the stubs do; the reply's code. */
static inline kern_return_t rtt_rpc(union rtt_msg *m, mach_port_t server, mach_msg_id_t id,
				    mach_msg_bits_t complex, mach_msg_size_t size)
{
	mach_port_t reply = mig_get_reply_port();

	m->Head.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, MACH_MSG_TYPE_MAKE_SEND_ONCE) | complex;
	m->Head.msgh_size = size;
	m->Head.msgh_remote_port = server;
	m->Head.msgh_local_port = reply;
	m->Head.msgh_seqno = 0;
	m->Head.msgh_id = id;
	mach_msg_return_t r = mach_msg(&m->Head, MACH_SEND_MSG | MACH_RCV_MSG, size, sizeof m->reply, reply,
				       MACH_MSG_TIMEOUT_NONE, MACH_PORT_NULL);
	if (r != MACH_MSG_SUCCESS) {
		mig_dealloc_reply_port(reply);
		return r;
	}
	if (m->Head.msgh_id != id + 100 || m->Head.msgh_size != sizeof m->reply ||
	    (m->Head.msgh_bits & MACH_MSGH_BITS_COMPLEX) ||
	    !rtt_same(&m->reply.RetCodeType, &rtt_int_type, sizeof rtt_int_type))
		return MIG_REPLY_MISMATCH;
	return m->reply.RetCode;
}

static kern_return_t rtt_floor_null(mach_port_t server)
{
	union rtt_msg m;

	return rtt_rpc(&m, server, RTT_ID, 0, sizeof m.null);
}

static kern_return_t rtt_floor_inline(mach_port_t server, const rtt_page_t data)
{
	union rtt_msg m;

	m.inl.dataType = rtt_page_type;
	__builtin_memcpy(m.inl.data, data, sizeof m.inl.data);
	return rtt_rpc(&m, server, RTT_ID + 1, 0, sizeof m.inl);
}

static kern_return_t rtt_floor_ool(mach_port_t server, vm_offset_t data, mach_msg_type_number_t n)
{
	union rtt_msg m;

	m.ool.dataType = rtt_bytes_type;
	m.ool.dataType.msgtl_number = n;
	m.ool.data = data;
	return rtt_rpc(&m, server, RTT_ID + 2, MACH_MSGH_BITS_COMPLEX, sizeof m.ool);
}

const struct rtt_variant rtt_floor = {
	"the floor", "floor", rtt_floor_null, rtt_floor_inline, rtt_floor_ool, NULL,
};

/* The hand-written server: check each request as a careful hand would
   (id, size, the complex bit, the type descriptors), call the server
   function, and send the reply with the next receive in one mach_msg. */
void rtt_floor_serve(mach_port_t port)
{
	union rtt_msg a, b, *req = &a, *rep = &b, *t;
	mach_msg_return_t r = mach_msg(&req->Head, MACH_RCV_MSG, 0, sizeof *req, port,
				       MACH_MSG_TIMEOUT_NONE, MACH_PORT_NULL);

	while (r == MACH_MSG_SUCCESS) {
		if (rtt_capture) {
			__builtin_memcpy(rtt_capture, req, RTT_MSG_MAX);
			rtt_capture = NULL;
		}
		mach_msg_size_t size = req->Head.msgh_size;
		mach_msg_bits_t complex = req->Head.msgh_bits & MACH_MSGH_BITS_COMPLEX;
		mach_port_t self = req->Head.msgh_local_port;
		kern_return_t rc = MIG_BAD_ARGUMENTS;
		switch (req->Head.msgh_id) {
		case RTT_ID:
			if (size == sizeof req->null && !complex)
				rc = srv_rtt_null(self);
			break;
		case RTT_ID + 1:
			if (size == sizeof req->inl && !complex &&
			    rtt_same(&req->inl.dataType, &rtt_page_type, sizeof rtt_page_type))
				rc = srv_rtt_inline(self, req->inl.data);
			break;
		case RTT_ID + 2: {
			/* The descriptor as sent, but the count and the
			   deallocate bit (the kernel sets it: the memory is
			   the receiver's now). */
			mach_msg_type_long_t d = req->ool.dataType;
			d.msgtl_header.msgt_deallocate = 0;
			d.msgtl_number = 0;
			if (size == sizeof req->ool && complex && rtt_same(&d, &rtt_bytes_type, sizeof d))
				rc = srv_rtt_ool(self, req->ool.data, req->ool.dataType.msgtl_number);
			break;
		}
		default:
			rc = MIG_BAD_ID;
			break;
		}
		rep->Head.msgh_bits = MACH_MSGH_BITS(MACH_MSGH_BITS_REMOTE(req->Head.msgh_bits), 0);
		rep->Head.msgh_size = sizeof rep->reply;
		rep->Head.msgh_remote_port = req->Head.msgh_remote_port;
		rep->Head.msgh_local_port = MACH_PORT_NULL;
		rep->Head.msgh_seqno = 0;
		rep->Head.msgh_id = req->Head.msgh_id + 100;
		rep->reply.RetCodeType = rtt_int_type;
		rep->reply.RetCode = rc;
		/* The padding after RetCode on x86_64. */
		__builtin_memset((char *)&rep->reply.RetCode + sizeof rc, 0,
				 sizeof rep->reply - offsetof(mig_reply_header_t, RetCode) - sizeof rc);
		r = mach_msg(&rep->Head, MACH_SEND_MSG | MACH_RCV_MSG, sizeof rep->reply, sizeof *rep, port,
			     MACH_MSG_TIMEOUT_NONE, MACH_PORT_NULL);
		t = req, req = rep, rep = t;
	}
}
