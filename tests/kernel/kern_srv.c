/* kern_srv.c: the kernel's side of tests/kernel/kern.defs for tests/kernel.test:
 * the server functions its KernelServer stubs call, and the dispatch that GNU
 * Mach's ipc_kobject_server does for a message to a port the kernel serves. */
#include <string.h>
#include "S.h"
#include "kern_main.h"

kern_return_t S_kern_port(ipc_port_t server, ipc_port_t *p, ipc_port_t *q)
{
	if (server != KERN_SERVER_PORT)
		return KERN_INVALID_ARGUMENT;
	*p = KERN_PORT_P;
	*q = KERN_PORT_Q;
	return KERN_SUCCESS;
}

kern_return_t S_kern_struct(ipc_port_t server, big_t b, int *sum)
{
	(void)server;
	*sum = 0;
	for (int i = 0; i < 6; i++)
		*sum += b.v[i] * (i + 1);
	return KERN_SUCCESS;
}

kern_return_t S_kern_options(ipc_port_t server, int x, int *y)
{
	(void)server;
	*y = x + 1;
	return KERN_SUCCESS;
}

int kern_noted;

kern_return_t S_kern_note(ipc_port_t server, int x)
{
	(void)server;
	kern_noted = x;
	return KERN_SUCCESS;
}

/* As ipc_kobject_server: the reply's header and return code set up before
 * the stub runs (a stub that finds no routine leaves MIG_BAD_ID). */
int kern_dispatch(mach_msg_header_t *in, mach_msg_header_t *out)
{
	mig_reply_header_t *r = (mig_reply_header_t *)out;
	const mach_msg_type_t retcode_type = {
		.msgt_name = MACH_MSG_TYPE_INTEGER_32, .msgt_size = 32, .msgt_number = 1, .msgt_inline = 1,
	};
	r->Head.msgh_bits = MACH_MSGH_BITS(MACH_MSGH_BITS_LOCAL(in->msgh_bits), 0);
	r->Head.msgh_size = sizeof *r;
	r->Head.msgh_remote_port = in->msgh_local_port;
	r->Head.msgh_local_port = MACH_PORT_NULL;
	r->Head.msgh_seqno = 0;
	r->Head.msgh_id = in->msgh_id + 100;
	r->RetCodeType = retcode_type;
	r->RetCode = MIG_BAD_ID;
	mig_routine_t routine = S_kern_server_routine(in);
	if (!routine)
		return 0;
	routine(in, out);
	return 1;
}
