/* t_mach_port.c: checks of mach_port.defs (port name space calls), stubs from defs/mach/mach_port.defs. */

#include "check.h"
#include "mach.h"
#include "mach_port.h"
#include "mach_host.h"
#include <mach/notify.h>

#define R "mach_port_"

static void names_and_types(struct t_ctx *c)
{
	mach_port_t p = MACH_PORT_NULL;

	T_KR(c, R "allocate", mach_port_allocate(c->task, MACH_PORT_RIGHT_RECEIVE, &p),
	     KERN_SUCCESS, "a receive right");
	t_ok(c, R "allocate", p != MACH_PORT_NULL, "the new name %u is not null", (unsigned)p);
	mach_port_type_t ty = 0;
	T_KR(c, R "type", mach_port_type(c->task, p, &ty), KERN_SUCCESS, "of the new right");
	t_eq(c, R "type", ty, MACH_PORT_TYPE_RECEIVE, "the new right is a receive right");
	T_KR(c, R "type", mach_port_type(c->task, 0x7ffff0, &ty), KERN_INVALID_NAME,
	     "of a name not in use");
	T_KR(c, R "type", mach_port_type(MACH_PORT_NULL, p, &ty), MACH_SEND_INVALID_DEST,
	     "sent to the null port");

	mach_port_t q = MACH_PORT_NULL;
	T_KR(c, R "allocate", mach_port_allocate(c->task, MACH_PORT_RIGHT_SEND, &q),
	     KERN_INVALID_VALUE, "a send right (only receive, port set, dead name)");
	T_KR(c, R "allocate", mach_port_allocate(c->task, MACH_PORT_RIGHT_DEAD_NAME, &q),
	     KERN_SUCCESS, "a dead name");
	t_eq(c, R "allocate", t_type(c, q), MACH_PORT_TYPE_DEAD_NAME, "the dead name's type");

	/* names: both out-of-line arrays, the new names among them. */
	mach_port_array_t names = 0;
	mach_port_type_array_t types = 0;
	mach_msg_type_number_t nn = 0, nt = 0;
	T_KR(c, R "names", mach_port_names(c->task, &names, &nn, &types, &nt),
	     KERN_SUCCESS, "of this task");
	t_ok(c, R "names", nn == nt && nn >= 4, "%u names and %u types (task, host, device, new)",
	     (unsigned)nn, (unsigned)nt);
	int found_p = 0, found_q = 0, found_task = 0;
	for (mach_msg_type_number_t i = 0; i < nn && i < nt; i++) {
		mach_port_name_t nm = (mach_port_name_t)names[i];
		if (nm == p)
			found_p = types[i] == MACH_PORT_TYPE_RECEIVE;
		if (nm == q)
			found_q = types[i] == MACH_PORT_TYPE_DEAD_NAME;
		if (nm == c->task)
			found_task = (types[i] & MACH_PORT_TYPE_SEND) != 0;
	}
	t_ok(c, R "names", found_p, "lists the receive right with MACH_PORT_TYPE_RECEIVE");
	t_ok(c, R "names", found_q, "lists the dead name with MACH_PORT_TYPE_DEAD_NAME");
	t_ok(c, R "names", found_task, "lists the task's own send right");
	vm_deallocate(c->task, (vm_address_t)names, nn * sizeof *names);
	vm_deallocate(c->task, (vm_address_t)types, nt * sizeof *types);

	/* allocate_name, rename, destroy. */
	mach_port_t chosen = 0x1234;
	T_KR(c, R "allocate_name", mach_port_allocate_name(c->task, MACH_PORT_RIGHT_RECEIVE, chosen),
	     KERN_SUCCESS, "a receive right named 0x1234");
	t_eq(c, R "allocate_name", t_type(c, chosen), MACH_PORT_TYPE_RECEIVE, "0x1234 is a receive right");
	T_KR(c, R "allocate_name", mach_port_allocate_name(c->task, MACH_PORT_RIGHT_RECEIVE, chosen),
	     KERN_NAME_EXISTS, "0x1234 again");
	T_KR(c, R "allocate_name", mach_port_allocate_name(c->task, MACH_PORT_RIGHT_RECEIVE, MACH_PORT_NULL),
	     KERN_INVALID_VALUE, "the null name");
	T_KR(c, R "rename", mach_port_rename(c->task, chosen, 0x2345), KERN_SUCCESS, "0x1234 to 0x2345");
	t_eq(c, R "rename", t_type(c, chosen), 0, "0x1234 is no longer in use");
	t_eq(c, R "rename", t_type(c, 0x2345), MACH_PORT_TYPE_RECEIVE, "0x2345 is the receive right");
	T_KR(c, R "rename", mach_port_rename(c->task, 0x2345, p), KERN_NAME_EXISTS, "onto a name in use");
	T_KR(c, R "rename", mach_port_rename(c->task, 0x1234, 0x3456), KERN_INVALID_NAME,
	     "a name not in use");
	T_KR(c, R "destroy", mach_port_destroy(c->task, 0x2345), KERN_SUCCESS, "0x2345");
	t_eq(c, R "destroy", t_type(c, 0x2345), 0, "0x2345 is gone");
	T_KR(c, R "destroy", mach_port_destroy(c->task, 0x2345), KERN_INVALID_NAME, "0x2345 again");
	T_KR(c, R "destroy", mach_port_destroy(c->task, q), KERN_SUCCESS, "the dead name");
	mach_port_destroy(c->task, p);
}

static void refs(struct t_ctx *c)
{
	mach_port_t p = t_new_receive(c);
	mach_port_urefs_t r = 99;

	T_KR(c, R "get_refs", mach_port_get_refs(c->task, p, MACH_PORT_RIGHT_RECEIVE, &r),
	     KERN_SUCCESS, "of a receive right");
	t_eq(c, R "get_refs", r, 1, "a receive right has one reference");
	T_KR(c, R "get_refs", mach_port_get_refs(c->task, p, MACH_PORT_RIGHT_SEND, &r),
	     KERN_SUCCESS, "of the send right it does not have");
	t_eq(c, R "get_refs", r, 0, "no send references yet");
	T_KR(c, R "get_refs", mach_port_get_refs(c->task, p, 17, &r), KERN_INVALID_VALUE,
	     "of right kind 17");

	T_KR(c, R "insert_right", mach_port_insert_right(c->task, p, p, MACH_MSG_TYPE_MAKE_SEND),
	     KERN_SUCCESS, "a send right made from the receive right");
	t_eq(c, R "insert_right", t_type(c, p), MACH_PORT_TYPE_RECEIVE | MACH_PORT_TYPE_SEND,
	     "the name now stands for send and receive");
	t_eq(c, R "insert_right", t_refs(c, p, MACH_PORT_RIGHT_SEND), 1, "one send reference");
	T_KR(c, R "insert_right", mach_port_insert_right(c->task, 0x4567, p, MACH_MSG_TYPE_MAKE_SEND),
	     KERN_RIGHT_EXISTS, "the port's send right under a second name");

	T_KR(c, R "mod_refs", mach_port_mod_refs(c->task, p, MACH_PORT_RIGHT_SEND, 2),
	     KERN_SUCCESS, "send +2");
	t_eq(c, R "mod_refs", t_refs(c, p, MACH_PORT_RIGHT_SEND), 3, "three send references");
	T_KR(c, R "mod_refs", mach_port_mod_refs(c->task, p, MACH_PORT_RIGHT_SEND, -4),
	     KERN_INVALID_VALUE, "send -4 with three");
	T_KR(c, R "mod_refs", mach_port_mod_refs(c->task, p, MACH_PORT_RIGHT_DEAD_NAME, 1),
	     KERN_INVALID_RIGHT, "dead-name +1 on a live port");

	T_KR(c, R "deallocate", mach_port_deallocate(c->task, p), KERN_SUCCESS, "one send reference");
	t_eq(c, R "deallocate", t_refs(c, p, MACH_PORT_RIGHT_SEND), 2, "two send references left");
	T_KR(c, R "mod_refs", mach_port_mod_refs(c->task, p, MACH_PORT_RIGHT_SEND, -2),
	     KERN_SUCCESS, "send -2");
	t_eq(c, R "mod_refs", t_type(c, p), MACH_PORT_TYPE_RECEIVE, "only the receive right is left");
	T_KR(c, R "deallocate", mach_port_deallocate(c->task, p), KERN_INVALID_RIGHT,
	     "a receive right (not send, send-once or dead name)");
	T_KR(c, R "deallocate", mach_port_deallocate(c->task, 0x7ffff0), KERN_INVALID_NAME,
	     "a name not in use");

	/* extract_right: a send right made in our space, returned to us. */
	mach_port_t got = MACH_PORT_NULL;
	mach_msg_type_name_t gt = 0;
	T_KR(c, R "extract_right", mach_port_extract_right(c->task, p, MACH_MSG_TYPE_MAKE_SEND, &got, &gt),
	     KERN_SUCCESS, "make-send from our own receive right");
	t_eq(c, R "extract_right", gt, MACH_MSG_TYPE_PORT_SEND, "comes back as a send right");
	t_eq(c, R "extract_right", got, p, "under the port's name in our space");
	t_eq(c, R "extract_right", t_refs(c, p, MACH_PORT_RIGHT_SEND), 1, "which now has one send reference");
	T_KR(c, R "extract_right", mach_port_extract_right(c->task, 0x7ffff0, MACH_MSG_TYPE_MAKE_SEND, &got, &gt),
	     KERN_INVALID_NAME, "from a name not in use");
	T_KR(c, R "extract_right", mach_port_extract_right(c->task, p, MACH_MSG_TYPE_INTEGER_32, &got, &gt),
	     KERN_INVALID_VALUE, "with a non-port type");
	mach_port_destroy(c->task, p);
}

static void status(struct t_ctx *c)
{
	mach_port_t p = t_new_receive(c);
	mach_port_status_t st;

	T_KR(c, R "get_receive_status", mach_port_get_receive_status(c->task, p, &st),
	     KERN_SUCCESS, "of a new port");
	t_eq(c, R "get_receive_status", st.mps_qlimit, MACH_PORT_QLIMIT_DEFAULT, "queue limit is the default");
	t_eq(c, R "get_receive_status", st.mps_msgcount, 0, "no messages queued");
	t_eq(c, R "get_receive_status", st.mps_srights, 0, "no send rights");
	t_eq(c, R "get_receive_status", st.mps_pset, MACH_PORT_NULL, "in no port set");
	T_KR(c, R "get_receive_status", mach_port_get_receive_status(c->task, c->task, &st),
	     KERN_INVALID_RIGHT, "of a send right");

	T_KR(c, R "set_qlimit", mach_port_set_qlimit(c->task, p, 3), KERN_SUCCESS, "3");
	T_KR(c, R "set_qlimit", mach_port_set_qlimit(c->task, p, MACH_PORT_QLIMIT_MAX + 1),
	     KERN_INVALID_VALUE, "above MACH_PORT_QLIMIT_MAX");
	T_KR(c, R "set_mscount", mach_port_set_mscount(c->task, p, 7), KERN_SUCCESS, "7");
	T_KR(c, R "set_seqno", mach_port_set_seqno(c->task, p, 42), KERN_SUCCESS, "42");
	T_KR(c, R "set_seqno", mach_port_set_seqno(c->task, c->task, 42), KERN_INVALID_RIGHT,
	     "of a send right");
	mach_port_get_receive_status(c->task, p, &st);
	t_eq(c, R "set_qlimit", st.mps_qlimit, 3, "read back through get_receive_status");
	t_eq(c, R "set_mscount", st.mps_mscount, 7, "read back through get_receive_status");
	t_eq(c, R "set_seqno", st.mps_seqno, 42, "read back through get_receive_status");

	/* The queue limit, the make-send count and the sequence number act
	   on messages. */
	for (int i = 0; i < 3; i++)
		t_send_empty(p, MACH_MSG_TYPE_MAKE_SEND, 1000 + i);
	mach_port_get_receive_status(c->task, p, &st);
	t_eq(c, R "get_receive_status", st.mps_msgcount, 3, "three messages queued");
	t_eq(c, R "set_mscount", st.mps_mscount, 10, "three make-sends counted from 7");
	t_kr(c, R "set_qlimit", t_send_empty(p, MACH_MSG_TYPE_MAKE_SEND, 1003), MACH_SEND_TIMED_OUT,
	     "MACH_SEND_TIMED_OUT", "a fourth message with a limit of 3 (send timeout 0)");
	union { mach_msg_header_t h; char b[256]; } m;
	T_KR(c, R "set_seqno", t_receive(p, 1000, &m, sizeof m), MACH_MSG_SUCCESS, "receive the first");
	t_eq(c, R "set_seqno", m.h.msgh_seqno, 42, "the first message has sequence number 42");
	t_eq(c, R "set_seqno", m.h.msgh_id, 1000, "and is the first sent");
	mach_port_destroy(c->task, p);
}

static void port_sets(struct t_ctx *c)
{
	mach_port_t p = t_new_receive(c), ps = MACH_PORT_NULL;

	T_KR(c, R "allocate", mach_port_allocate(c->task, MACH_PORT_RIGHT_PORT_SET, &ps),
	     KERN_SUCCESS, "a port set");
	t_eq(c, R "allocate", t_type(c, ps), MACH_PORT_TYPE_PORT_SET, "the port set's type");
	T_KR(c, R "move_member", mach_port_move_member(c->task, p, ps), KERN_SUCCESS, "a port into the set");
	mach_port_status_t st;
	mach_port_get_receive_status(c->task, p, &st);
	t_eq(c, R "move_member", st.mps_pset, ps, "get_receive_status names the set");
	mach_port_array_t mem = 0;
	mach_msg_type_number_t n = 0;
	T_KR(c, R "get_set_status", mach_port_get_set_status(c->task, ps, &mem, &n),
	     KERN_SUCCESS, "of the set");
	t_ok(c, R "get_set_status", n == 1 && mem && mem[0] == p, "the set holds the port alone (%u members)",
	     (unsigned)n);
	if (mem)
		vm_deallocate(c->task, (vm_address_t)mem, n * sizeof *mem);
	T_KR(c, R "get_set_status", mach_port_get_set_status(c->task, p, &mem, &n),
	     KERN_INVALID_RIGHT, "of a port that is not a set");

	/* A message to the member is received through the set. */
	t_send_empty(p, MACH_MSG_TYPE_MAKE_SEND, 1234);
	union { mach_msg_header_t h; char b[256]; } m;
	T_KR(c, R "move_member", t_receive(ps, 1000, &m, sizeof m), MACH_MSG_SUCCESS,
	     "receive on the set");
	t_ok(c, R "move_member", m.h.msgh_id == 1234 && m.h.msgh_local_port == p,
	     "the message to the member, local port the member");

	T_KR(c, R "move_member", mach_port_move_member(c->task, p, MACH_PORT_NULL), KERN_SUCCESS,
	     "out of the set");
	mach_port_get_set_status(c->task, ps, &mem, &n);
	t_eq(c, R "move_member", n, 0, "the set is empty again");
	if (mem && n)
		vm_deallocate(c->task, (vm_address_t)mem, n * sizeof *mem);
	T_KR(c, R "move_member", mach_port_move_member(c->task, c->task, ps), KERN_INVALID_RIGHT,
	     "a send right into a set");
	mach_port_destroy(c->task, ps);
	mach_port_destroy(c->task, p);
}

static void notifications(struct t_ctx *c)
{
	mach_port_t p = t_new_receive(c), n = t_new_receive(c), prev = 1;
	union { mach_msg_header_t h; char b[256]; } m;

	mach_port_insert_right(c->task, p, p, MACH_MSG_TYPE_MAKE_SEND);
	T_KR(c, R "request_notification",
	     mach_port_request_notification(c->task, p, MACH_NOTIFY_NO_SENDERS, 0, n,
					    MACH_MSG_TYPE_MAKE_SEND_ONCE, &prev),
	     KERN_SUCCESS, "no-senders on a port with a send right");
	t_eq(c, R "request_notification", prev, MACH_PORT_NULL, "no previous request");
	mach_port_status_t st;
	mach_port_get_receive_status(c->task, p, &st);
	t_eq(c, R "request_notification", st.mps_nsrequest, 1, "get_receive_status shows the request");
	t_kr(c, R "request_notification", t_receive(n, 0, &m, sizeof m), MACH_RCV_TIMED_OUT,
	     "MACH_RCV_TIMED_OUT", "nothing arrives while the send right lives");
	mach_port_deallocate(c->task, p);
	T_KR(c, R "request_notification", t_receive(n, 1000, &m, sizeof m), MACH_MSG_SUCCESS,
	     "a message after the last send right went");
	t_eq(c, R "request_notification", m.h.msgh_id, MACH_NOTIFY_NO_SENDERS, "it is MACH_NOTIFY_NO_SENDERS");

	/* Dead-name: the send right of a name whose receive right goes
	   becomes a dead name, and the request fires. */
	mach_port_t d = t_new_receive(c);
	mach_port_insert_right(c->task, d, d, MACH_MSG_TYPE_MAKE_SEND);
	T_KR(c, R "request_notification",
	     mach_port_request_notification(c->task, d, MACH_NOTIFY_DEAD_NAME, 0, n,
					    MACH_MSG_TYPE_MAKE_SEND_ONCE, &prev),
	     KERN_SUCCESS, "dead-name on a send right");
	T_KR(c, R "mod_refs", mach_port_mod_refs(c->task, d, MACH_PORT_RIGHT_RECEIVE, -1),
	     KERN_SUCCESS, "receive -1 on a name with send and receive");
	t_eq(c, R "mod_refs", t_type(c, d) & ~MACH_PORT_TYPE_DNREQUEST, MACH_PORT_TYPE_DEAD_NAME,
	     "the send right became a dead name");
	T_KR(c, R "request_notification", t_receive(n, 1000, &m, sizeof m), MACH_MSG_SUCCESS,
	     "a message after the receive right died");
	t_eq(c, R "request_notification", m.h.msgh_id, MACH_NOTIFY_DEAD_NAME, "it is MACH_NOTIFY_DEAD_NAME");
	mach_port_destroy(c->task, d);
	T_KR(c, R "request_notification",
	     mach_port_request_notification(c->task, p, 0777, 0, n, MACH_MSG_TYPE_MAKE_SEND_ONCE, &prev),
	     KERN_INVALID_VALUE, "an unknown notification 0777");
	T_KR(c, R "request_notification",
	     mach_port_request_notification(c->task, 0x7ffff0, MACH_NOTIFY_DEAD_NAME, 0, n,
					    MACH_MSG_TYPE_MAKE_SEND_ONCE, &prev),
	     KERN_INVALID_NAME, "dead-name on a name not in use");
	mach_port_destroy(c->task, p);
	mach_port_destroy(c->task, n);
}

static void protected_payload(struct t_ctx *c)
{
	mach_port_t p = t_new_receive(c);
	union { mach_msg_header_t h; char b[256]; } m;
	const rpc_uintptr_t payload = (rpc_uintptr_t)0x5eed1234u;

	T_KR(c, R "set_protected_payload", mach_port_set_protected_payload(c->task, p, payload),
	     KERN_SUCCESS, "on a receive right");
	t_send_empty(p, MACH_MSG_TYPE_MAKE_SEND, 77);
	t_receive(p, 1000, &m, sizeof m);
	t_eq(c, R "set_protected_payload", MACH_MSGH_BITS_LOCAL(m.h.msgh_bits),
	     MACH_MSG_TYPE_PROTECTED_PAYLOAD, "a received message says protected payload");
	t_eq(c, R "set_protected_payload", m.h.msgh_protected_payload, payload,
	     "and carries the payload instead of the port name");
	T_KR(c, R "set_protected_payload", mach_port_set_protected_payload(c->task, c->task, payload),
	     KERN_INVALID_RIGHT, "on a send right");

	T_KR(c, R "clear_protected_payload", mach_port_clear_protected_payload(c->task, p),
	     KERN_SUCCESS, "on the same port");
	t_send_empty(p, MACH_MSG_TYPE_MAKE_SEND, 78);
	memset(&m, 0, sizeof m);
	t_receive(p, 1000, &m, sizeof m);
	t_ok(c, R "clear_protected_payload",
	     MACH_MSGH_BITS_LOCAL(m.h.msgh_bits) != MACH_MSG_TYPE_PROTECTED_PAYLOAD &&
	     m.h.msgh_local_port == p, "a received message names the port again");
	T_KR(c, R "clear_protected_payload", mach_port_clear_protected_payload(c->task, 0x7ffff0),
	     KERN_INVALID_NAME, "on a name not in use");
	mach_port_destroy(c->task, p);
}

/* mach_port_set_ktype, with the constants of migc's generated mach_port.h
   (from defs/mach/mach_port.defs's typed enum). */
static void ktype(struct t_ctx *c)
{
	mach_port_t p = t_new_receive(c);

	T_KR(c, R "set_ktype",
	     mach_port_set_ktype(c->host_priv, c->task, p, MACH_PORT_RIGHT_RECEIVE, MACH_PORT_KTYPE_USER_DEVICE),
	     KERN_SUCCESS, "USER_DEVICE (28) on a receive right");
	T_KR(c, R "set_ktype",
	     mach_port_set_ktype(c->host_priv, c->task, p, MACH_PORT_RIGHT_RECEIVE, MACH_PORT_KTYPE_NONE),
	     KERN_SUCCESS, "back to NONE (0)");
	T_KR(c, R "set_ktype",
	     mach_port_set_ktype(c->host_priv, c->task, p, MACH_PORT_RIGHT_RECEIVE, 5),
	     KERN_INVALID_ARGUMENT, "ktype 5");
	T_KR(c, R "set_ktype",
	     mach_port_set_ktype(c->host, c->task, p, MACH_PORT_RIGHT_RECEIVE, MACH_PORT_KTYPE_USER_DEVICE),
	     KERN_INVALID_HOST, "through the unprivileged host port");
	T_KR(c, R "set_ktype",
	     mach_port_set_ktype(c->task, c->task, p, MACH_PORT_RIGHT_RECEIVE, MACH_PORT_KTYPE_USER_DEVICE),
	     KERN_INVALID_HOST, "through the task port as host");
	T_KR(c, R "set_ktype",
	     mach_port_set_ktype(c->host_priv, c->task, 0x7ffff0, MACH_PORT_RIGHT_RECEIVE, MACH_PORT_KTYPE_USER_DEVICE),
	     KERN_INVALID_NAME, "on a name not in use");
	/* A port the kernel already gave a type: our task's own port (we hold
	   a send right; the receive right is the kernel's). */
	T_KR(c, R "set_ktype",
	     mach_port_set_ktype(c->host_priv, c->task, c->task, MACH_PORT_RIGHT_SEND, MACH_PORT_KTYPE_USER_DEVICE),
	     KERN_INVALID_ARGUMENT, "USER_DEVICE on the task port (a kernel type already)");
	T_KR(c, R "set_ktype",
	     mach_port_set_ktype(c->host_priv, c->task, c->task, MACH_PORT_RIGHT_SEND, MACH_PORT_KTYPE_NONE),
	     KERN_INVALID_ARGUMENT, "NONE on the task port");
	mach_port_t self = MACH_PORT_NULL;
	T_KR(c, "task_get_special_port", task_get_special_port(c->task, TASK_KERNEL_PORT, &self),
	     KERN_SUCCESS, "the task port still answers after the refusals");
	t_eq(c, "task_get_special_port", self, c->task, "and is still our task port");

	/* Once USER_DEVICE, the port still carries messages. */
	mach_port_set_ktype(c->host_priv, c->task, p, MACH_PORT_RIGHT_RECEIVE, MACH_PORT_KTYPE_USER_DEVICE);
	T_KR(c, R "set_ktype", t_send_empty(p, MACH_MSG_TYPE_MAKE_SEND, 4321), MACH_MSG_SUCCESS,
	     "a message to a USER_DEVICE port");
	union { mach_msg_header_t h; char b[256]; } m;
	t_receive(p, 1000, &m, sizeof m);
	t_eq(c, R "set_ktype", m.h.msgh_id, 4321, "is received as sent");
	mach_port_destroy(c->task, p);
}

void t_group_mach_port(struct t_ctx *c)
{
	names_and_types(c);
	refs(c);
	status(c);
	port_sets(c);
	notifications(c);
	protected_payload(c);
	ktype(c);
}
