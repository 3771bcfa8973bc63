/* t_server.c: a server thread built from migc's server stubs (guesttest.defs), called through the kernel by migc's and GNU MIG's user stubs. */

#include "check.h"
#include "mach.h"
#include "mach_port.h"
#include "t_server.h"
#include "guesttest.h"
#include "guesttestServer.h"
#include <mach/mig_errors.h>
#include <mach/thread_status.h>

/* Byte K of the pattern of SEED. */
static unsigned char pat(int seed, mach_msg_type_number_t k)
{
	return (unsigned char)(k * 167u + (unsigned)seed * 29u + (k >> 8) * 3u + 1u);
}

kern_return_t srv_gt_scalars(mach_port_t server, int a, int64_t b, int64_t *sum, int *prod)
{
	(void)server;
	*sum = a + b;
	*prod = a * (int)(b & 0xffff);
	return KERN_SUCCESS;
}

kern_return_t srv_gt_arrays(mach_port_t server, const int_array_t fixed, const int_var_t var,
			    mach_msg_type_number_t n, int_array_t rev, int_var_t dbl, mach_msg_type_number_t *dn)
{
	(void)server;
	for (int i = 0; i < 8; i++)
		rev[i] = fixed[7 - i];
	for (mach_msg_type_number_t i = 0; i < n; i++)
		dbl[i] = 2 * var[i];
	*dn = n;
	return KERN_SUCCESS;
}

kern_return_t srv_gt_ool(mach_port_t server, int seed, vm_offset_t data, mach_msg_type_number_t n, int *bad,
			 vm_offset_t *back, mach_msg_type_number_t *bn)
{
	(void)server;
	int b = 0;
	for (mach_msg_type_number_t k = 0; k < n; k++)
		b += ((unsigned char *)data)[k] != pat(seed, k);
	*bad = b;
	vm_deallocate(mach_task_self(), data, n);
	vm_address_t out = 0;
	if (n && vm_allocate(mach_task_self(), &out, n, 1) != KERN_SUCCESS)
		return KERN_RESOURCE_SHORTAGE;
	for (mach_msg_type_number_t k = 0; k < n; k++)
		((unsigned char *)out)[k] = pat(seed + 1, k);
	*back = out;
	*bn = n;
	return KERN_SUCCESS;
}

kern_return_t srv_gt_ports(mach_port_t server, mach_port_t given, int *gtype, mach_port_t *made)
{
	(void)server;
	mach_port_urefs_t r = 0;
	mach_port_get_refs(mach_task_self(), given, MACH_PORT_RIGHT_SEND, &r);
	*gtype = (int)r;
	mach_port_deallocate(mach_task_self(), given);
	return mach_port_allocate(mach_task_self(), MACH_PORT_RIGHT_RECEIVE, made);
}

kern_return_t srv_gt_bounce(mach_port_t server, mach_port_t p, mach_port_t *back)
{
	(void)server;
	*back = p;
	return KERN_SUCCESS;
}

static void server_thread(void *arg)
{
	mach_msg_server(guesttest_server, 8192, (mach_port_t)(uintptr_t)arg);
}

static const struct gt_client migc_client = {
	"migc", gt_scalars, gt_arrays, gt_ool, gt_ports, gt_bounce,
};

static const mach_msg_type_number_t sizes[] = { 1, 2, 3, 7, 100, 4095, 4096, 4097, 65536, 1048576 };

static void ool_round(struct t_ctx *c, const struct gt_client *cl, mach_port_t srv, const char *phase)
{
	int all_ok = 1;

	for (unsigned s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
		mach_msg_type_number_t n = sizes[s];
		int seed = (int)(s * 7 + 3);
		vm_address_t d = 0;
		vm_allocate(c->task, &d, n, 1);
		for (mach_msg_type_number_t k = 0; k < n; k++)
			((unsigned char *)d)[k] = pat(seed, k);
		int bad = -1;
		vm_offset_t back = 0;
		mach_msg_type_number_t bn = 0;
		kern_return_t kr = cl->ool(srv, seed, d, n, &bad, &back, &bn);
		int wrong = 0;
		for (mach_msg_type_number_t k = 0; back && k < bn; k++)
			wrong += ((unsigned char *)back)[k] != pat(seed + 1, k);
		int ok = kr == KERN_SUCCESS && bad == 0 && bn == n && back && wrong == 0;
		if (!ok) {
			all_ok = 0;
			t_ok(c, "gt_ool", 0, "%s, %s: %u bytes: kr %d, %d bad bytes at the server, %u back, %d wrong",
			     cl->who, phase, (unsigned)n, kr, bad, (unsigned)bn, wrong);
		}
		if (back)
			vm_deallocate(c->task, back, bn);
	}
	t_ok(c, "gt_ool", all_ok, "%s client, %s: out-of-line 1 byte to 1 MiB, every byte checked both ways",
	     cl->who, phase);
}

/* REMOTE: the server is in another task (its own names and references). */
static void calls(struct t_ctx *c, const struct gt_client *cl, mach_port_t srv, int with_ool, int remote)
{
	int64_t sum = 0;
	int prod = 0;
	T_KR(c, "gt_scalars", cl->scalars(srv, -7, 0x123456789ll, &sum, &prod), KERN_SUCCESS, cl->who);
	t_ok(c, "gt_scalars", sum == 0x123456789ll - 7 && prod == -7 * 0x6789, "%s: sum and product come back",
	     cl->who);

	int_array_t fixed, rev;
	int_var_t var, dbl;
	for (int i = 0; i < 8; i++)
		fixed[i] = i * 11 - 3;
	for (int i = 0; i < 64; i++)
		var[i] = i * i - 1000;
	mach_msg_type_number_t dn = 64;	/* in: the room in dbl */
	T_KR(c, "gt_arrays", cl->arrays(srv, fixed, var, 37, rev, dbl, &dn), KERN_SUCCESS, cl->who);
	int ok = dn == 37;
	for (int i = 0; i < 8; i++)
		ok &= rev[i] == fixed[7 - i];
	for (int i = 0; ok && i < 37; i++)
		ok &= dbl[i] == 2 * var[i];
	t_ok(c, "gt_arrays", ok, "%s: the fixed array reversed, 37 of 64 varying elements doubled", cl->who);

	if (with_ool)
		ool_round(c, cl, srv, "plain port");

	mach_port_t q = t_new_receive(c), made = MACH_PORT_NULL;
	mach_port_insert_right(c->task, q, q, MACH_MSG_TYPE_MAKE_SEND);
	int seen = -1;
	T_KR(c, "gt_ports", cl->ports(srv, q, &seen, &made), KERN_SUCCESS, cl->who);
	if (!remote) {
		t_ok(c, "gt_ports", seen == 2 && t_refs(c, q, MACH_PORT_RIGHT_SEND) == 1,
		     "%s: the server held the copied send right (2 references, 1 after it dropped one)", cl->who);
		t_ok(c, "gt_ports", made != MACH_PORT_NULL &&
		     t_type(c, made) == (MACH_PORT_TYPE_SEND | MACH_PORT_TYPE_RECEIVE) &&
		     t_refs(c, made, MACH_PORT_RIGHT_SEND) == 1, "%s: a send right made by the server arrived", cl->who);
	} else {
		t_ok(c, "gt_ports", seen == 1 && t_refs(c, q, MACH_PORT_RIGHT_SEND) == 1,
		     "%s, other task: the server got a send right of its own, ours is untouched", cl->who);
		t_ok(c, "gt_ports", made != MACH_PORT_NULL && t_type(c, made) == MACH_PORT_TYPE_SEND &&
		     t_refs(c, made, MACH_PORT_RIGHT_SEND) == 1,
		     "%s, other task: a send right to the server's new port arrived", cl->who);
	}
	mach_port_destroy(c->task, made);
	mach_port_destroy(c->task, q);

	mach_port_t p = t_new_receive(c), back = MACH_PORT_NULL;
	mach_port_set_qlimit(c->task, p, 2);
	T_KR(c, "gt_bounce", cl->bounce(srv, p, &back), KERN_SUCCESS, cl->who);
	mach_port_status_t st;
	kern_return_t kr = mach_port_get_receive_status(c->task, back, &st);
	t_ok(c, "gt_bounce", kr == KERN_SUCCESS && st.mps_qlimit == 2,
	     "%s: the receive right came back (its queue limit 2 read through get_receive_status)", cl->who);
	mach_port_destroy(c->task, back);
}

/* The server in a child task: a copy of this task's memory (task_create
   inheriting it), one thread started on a stack allocated before the
   copy, the server's receive right moved there. */
#define CHILD_PORT ((mach_port_t)0x777)

static void child_entry(void)
{
	guest_forget_reply_ports();	/* the names were the parent's */
	mach_msg_server(guesttest_server, 8192, CHILD_PORT);
	task_terminate(mach_task_self());
}

static kern_return_t start_child_server(struct t_ctx *c, mach_port_t *child, mach_port_t *send)
{
	const vm_size_t ss = 65536;
	vm_address_t stack = 0;
	kern_return_t kr = vm_allocate(c->task, &stack, ss, 1);
	if (kr != KERN_SUCCESS)
		return kr;
	mach_port_t p = t_new_receive(c);
	mach_port_insert_right(c->task, p, p, MACH_MSG_TYPE_MAKE_SEND);
	if ((kr = task_create(c->task, 1, child)) != KERN_SUCCESS)
		return kr;
	if ((kr = mach_port_insert_right(*child, CHILD_PORT, p, MACH_MSG_TYPE_MOVE_RECEIVE)) != KERN_SUCCESS)
		return kr;
	*send = p;	/* our name now holds only the send right */
	mach_port_t th;
	if ((kr = guest_task_thread_start(*child, child_entry, stack + ss - 64, &th)) != KERN_SUCCESS)
		return kr;
	vm_deallocate(c->task, stack, ss);
	return KERN_SUCCESS;
}

int t_userdevice_ool;

void t_group_userdevice_ool(struct t_ctx *c)
{
	t_userdevice_ool = 1;
	t_group_server(c);
}

void t_group_server(struct t_ctx *c)
{
	mach_port_t srv = t_new_receive(c), th;
	mach_port_insert_right(c->task, srv, srv, MACH_MSG_TYPE_MAKE_SEND);
	T_KR(c, "gt_scalars", guest_thread_start(server_thread, (void *)(uintptr_t)srv, 65536, &th),
	     KERN_SUCCESS, "a server thread running mach_msg_server with migc's demux");

	const struct gt_client *clients[2] = { &migc_client, gt_gnumig_client.who ? &gt_gnumig_client : NULL };
	if (!clients[1])
		t_diag("no GNU MIG client: conformance/gnumig could not generate its stubs");
	for (int i = 0; i < 2; i++)
		if (clients[i])
			calls(c, clients[i], srv, 1, 0);

	mach_port_destroy(c->task, srv);	/* the server loop ends */

	/* The same server in another task, first on a plain port, then with
	   its port a USER_DEVICE: the kernel copies out-of-line data in as
	   page lists; every byte must still arrive. */
	mach_port_t child = MACH_PORT_NULL, csrv = MACH_PORT_NULL;
	T_KR(c, "gt_ool", start_child_server(c, &child, &csrv), KERN_SUCCESS,
	     "the server in a child task (task_create inheriting memory)");
	for (int i = 0; i < 2; i++)
		if (clients[i])
			ool_round(c, clients[i], csrv, "server in a child task");
	T_KR(c, "mach_port_set_ktype",
	     mach_port_set_ktype(c->host_priv, child, CHILD_PORT, MACH_PORT_RIGHT_RECEIVE, MACH_PORT_KTYPE_USER_DEVICE),
	     KERN_SUCCESS, "USER_DEVICE on the child server's port");
	/* Out-of-line data to it makes the kernel fault and panic (x86_64
	   and i686, sid 2026-10-28; in one task it hangs instead): only
	   inline data and rights go there, unless the group userdevice_ool
	   was asked for (conformance/guest --only=userdevice_ool). */
	for (int i = 0; i < 2; i++)
		if (clients[i])
			calls(c, clients[i], csrv, t_userdevice_ool, 1);
	task_terminate(child);
	mach_port_destroy(c->task, child);
	mach_port_destroy(c->task, csrv);
}
