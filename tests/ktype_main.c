/* ktype_main.c: migc's server stub of mach_port_set_ktype (from defs/) checks the typed enum, over the loopback runtime (TAP). */

#include <stdio.h>
#include <mach/port.h>
#include "loopback.h"
#include "mach_port.h"

/* The demux of migc's server stubs (mach_portServer.c). */
extern boolean_t mach_port_server(mach_msg_header_t *in, mach_msg_header_t *out);

/* What the implementation saw: how often it ran, and its last arguments. */
static struct {
	int calls;
	mach_port_name_t name;
	mach_port_right_t right;
	mach_port_ktype_t ktype;
} seen;

/* The implementation the server stub calls (serverprefix S_); HOST is the
   request port, here the server's own port rather than host-privilege.  It answers
   with a code of its own, so that the test can tell its answer from the
   stub's. */
#define IMPL_CODE ((kern_return_t) 0x7a11)
kern_return_t S_mach_port_set_ktype(mach_port_t host, mach_port_t task, mach_port_name_t name,
				    mach_port_right_t right, mach_port_ktype_t ktype)
{
	(void) host;
	(void) task;
	seen.calls++;
	seen.name = name;
	seen.right = right;
	seen.ktype = ktype;
	return IMPL_CODE;
}

static int n, failures;
static mach_port_name_t srv_c, target;

/* One test point; DETAIL is printed only when it fails. */
static void result(int ok, const char *what, unsigned ktype, const char *detail)
{
	n++;
	if (!ok)
		failures++;
	printf("%sok %d - ktype %u: %s%s%s\n", ok ? "" : "not ", n, ktype, what,
	       ok ? "" : " # ", ok ? "" : detail);
}

/* mach_port_set_ktype through the user stub, on a fresh record. */
static kern_return_t call(mach_port_right_t right, unsigned ktype)
{
	seen.calls = 0;
	return mach_port_set_ktype(srv_c, mach_task_self(), target, right, ktype);
}

int main(void)
{
	/* Members, from GNU Mach's mach/port.h (not from the generated header). */
	static const unsigned members[] = { MACH_PORT_KTYPE_NONE, MACH_PORT_KTYPE_USER_DEVICE };
	static const unsigned others[] = { 5, 1, 27, 29, 0x8000001cu, 0xffffffffu };
	mach_port_name_t srv;
	lb_space_t *client, *server;
	unsigned i;
	char why[160];

	lb_reset();
	client = lb_space_current();
	server = lb_space_create("server");
	lb_space_switch(server);
	if (lb_port_allocate(MACH_PORT_RIGHT_RECEIVE, &srv) != KERN_SUCCESS ||
	    lb_server_register(srv, mach_port_server, 4096) != KERN_SUCCESS ||
	    lb_port_give(client, srv, MACH_MSG_TYPE_MAKE_SEND, &srv_c) != KERN_SUCCESS) {
		printf("Bail out! cannot set up the server\n");
		return 1;
	}
	lb_space_switch(client);
	lb_port_allocate(MACH_PORT_RIGHT_RECEIVE, &target);

	printf("1..%u\n", (unsigned) (2 * (sizeof members / sizeof *members) + sizeof others / sizeof *others + 1));
	for (i = 0; i < sizeof members / sizeof *members; i++) {
		unsigned k = members[i];
		kern_return_t kr = call(MACH_PORT_RIGHT_RECEIVE, k);
		snprintf(why, sizeof why, "expected 0x%x from the implementation, got 0x%x (%s)",
			 (unsigned) IMPL_CODE, (unsigned) kr, lb_strerror(kr) ? lb_strerror(kr) : "?");
		result(kr == IMPL_CODE && seen.calls == 1, "accepted, the implementation's answer reaches the client",
		       k, why);
		snprintf(why, sizeof why, "implementation saw name %u right %u ktype %u",
			 (unsigned) seen.name, (unsigned) seen.right, (unsigned) seen.ktype);
		result(seen.calls == 1 && seen.ktype == k && seen.name == target &&
		       seen.right == MACH_PORT_RIGHT_RECEIVE,
		       "the implementation got the arguments the client sent", k, why);
	}
	for (i = 0; i < sizeof others / sizeof *others; i++) {
		unsigned k = others[i];
		kern_return_t kr = call(MACH_PORT_RIGHT_RECEIVE, k);
		snprintf(why, sizeof why, "expected MIG_BAD_ARGUMENTS, no call; got 0x%x (%s), %d calls",
			 (unsigned) kr, lb_strerror(kr) ? lb_strerror(kr) : "?", seen.calls);
		result(kr == MIG_BAD_ARGUMENTS && seen.calls == 0,
		       "refused with MIG_BAD_ARGUMENTS before the implementation runs", k, why);
	}
	/* mach_port_right_t is an open enum: the stub passes any value on. */
	{
		kern_return_t kr = call(7, MACH_PORT_KTYPE_NONE);
		snprintf(why, sizeof why, "got 0x%x, %d calls, right %u", (unsigned) kr, seen.calls, (unsigned) seen.right);
		result(kr == IMPL_CODE && seen.calls == 1 && seen.right == 7,
		       "right 7 (not a member of the open enum mach_port_right_t) reaches the implementation",
		       MACH_PORT_KTYPE_NONE, why);
	}
	return failures != 0;
}
