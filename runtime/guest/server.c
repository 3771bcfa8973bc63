/* server.c: mach_msg_server, the receive-demux-reply loop of a guest task's server thread. */

#include <mach/mig_errors.h>
#include "guest_internal.h"
#include "mach.h"

/* Receive a request, let the demux fill in the reply, send it (unless the
   routine answered MIG_NO_REPLY or there is no reply port), and go on
   with the next request.  (Unlike the C library's loop, the rights and
   out-of-line memory of a request the demux refused are not destroyed:
   the test servers that use it check every request they get.) */
mach_msg_return_t mach_msg_server(guest_demux_t demux, mach_msg_size_t max_size,
				  mach_port_t rcv_name)
{
	mach_msg_size_t size = max_size;
	mach_msg_header_t *in = guest_alloc(size);
	mig_reply_header_t *out = guest_alloc(size);
	mach_msg_return_t r;

	if (!in || !out)
		return KERN_RESOURCE_SHORTAGE;
	for (;;) {
		r = mach_msg(in, MACH_RCV_MSG, 0, size, rcv_name,
			     MACH_MSG_TIMEOUT_NONE, MACH_PORT_NULL);
		if (r != MACH_MSG_SUCCESS)
			break;
		(*demux)(in, &out->Head);
		if (out->RetCode == MIG_NO_REPLY ||
		    out->Head.msgh_remote_port == MACH_PORT_NULL)
			continue;
		r = mach_msg(&out->Head, MACH_SEND_MSG, out->Head.msgh_size, 0,
			     MACH_PORT_NULL, MACH_MSG_TIMEOUT_NONE, MACH_PORT_NULL);
		if (r == MACH_SEND_INVALID_DEST)
			continue;	/* the client went away */
		if (r != MACH_MSG_SUCCESS)
			break;
	}
	guest_free(in, size);
	guest_free(out, size);
	return r;
}
