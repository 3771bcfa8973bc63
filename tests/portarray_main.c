/* portarray_main.c: migc's server stub of an array of ports (tests/probes/polyports.defs) hands the names to the server function in the request itself, and leaves the request as it arrived when the function fails, over the loopback runtime (TAP). */

#include <stdio.h>
#include <string.h>
#include "loopback.h"
#include "polyports.h"

/* The demux of migc's server stubs (polyportsServer.c). */
extern boolean_t polyports_server(mach_msg_header_t *in, mach_msg_header_t *out);

#define NPORTS 3
/* The request as it arrived, and what the server function saw. */
static struct {
	unsigned char arrived[8192], after[8192];
	mach_msg_size_t size;
	const char *lo, *hi;		/* the request's bytes, while the demux runs */
	const mach_port_t *ports;
	mach_msg_type_number_t count;
	mach_port_t names[NPORTS];
	int rights;			/* how many of them are send rights of the server's */
	kern_return_t answer;
} seen;

static boolean_t watch_demux(mach_msg_header_t *in, mach_msg_header_t *out)
{
	boolean_t r;
	seen.size = in->msgh_size < sizeof seen.arrived ? in->msgh_size : sizeof seen.arrived;
	memcpy(seen.arrived, in, seen.size);
	seen.lo = (const char *) in;
	seen.hi = (const char *) in + in->msgh_size;
	r = polyports_server(in, out);
	memcpy(seen.after, in, seen.size);
	return r;
}

kern_return_t S_poly_port_array(mach_port_t server, const mach_port_t *ports, mach_msg_type_number_t portsCnt)
{
	mach_msg_type_number_t i;
	(void) server;
	seen.ports = ports;
	seen.count = portsCnt;
	seen.rights = 0;
	for (i = 0; i < portsCnt && i < NPORTS; i++) {
		mach_port_type_t type = 0;
		seen.names[i] = ports[i];
		if (lb_port_type(ports[i], &type) == KERN_SUCCESS && (type & MACH_PORT_TYPE_SEND))
			seen.rights++;
	}
	return seen.answer;
}

static int n;
static void result(int ok, const char *what, const char *detail)
{
	n++;
	printf("%sok %d - %s%s%s\n", ok ? "" : "not ", n, what, ok ? "" : " # ", ok ? "" : detail);
}

int main(void)
{
	static const kern_return_t answers[] = { KERN_SUCCESS, KERN_FAILURE };
	mach_port_name_t srv, srv_c, ports[NPORTS];
	lb_space_t *client, *server;
	unsigned i, k;
	(void) server;
	char why[200];

	lb_reset();
	client = lb_space_current();
	server = lb_space_create("server");
	lb_space_switch(server);
	if (lb_port_allocate(MACH_PORT_RIGHT_RECEIVE, &srv) != KERN_SUCCESS ||
	    lb_server_register(srv, watch_demux, 8192) != KERN_SUCCESS ||
	    lb_port_give(client, srv, MACH_MSG_TYPE_MAKE_SEND, &srv_c) != KERN_SUCCESS) {
		printf("Bail out! cannot set up the server\n");
		return 1;
	}
	lb_space_switch(client);
	for (k = 0; k < NPORTS; k++)
		lb_port_allocate(MACH_PORT_RIGHT_RECEIVE, &ports[k]);

	printf("1..%u\n", (unsigned) (3 * (sizeof answers / sizeof *answers)));
	for (i = 0; i < sizeof answers / sizeof *answers; i++) {
		kern_return_t kr;
		seen.answer = answers[i];
		seen.ports = NULL;
		kr = poly_port_array(srv_c, ports, MACH_MSG_TYPE_MAKE_SEND, NPORTS);
		snprintf(why, sizeof why, "client got 0x%x, count %u", (unsigned) kr, (unsigned) seen.count);
		result(kr == answers[i] && seen.count == NPORTS, answers[i] ? "a failing call: its code comes back" :
		       "a call: it succeeds", why);
		/* The names the server function got are the server's send rights,
		   handed over in the request's own bytes (no copy). */
		snprintf(why, sizeof why, "ports at %p, request at %p..%p, names %u %u %u, %d of them send rights",
			 (const void *) seen.ports, (const void *) seen.lo, (const void *) seen.hi, (unsigned) seen.names[0],
			 (unsigned) seen.names[1], (unsigned) seen.names[2], seen.rights);
		result(seen.rights == NPORTS && (const char *) seen.ports >= seen.lo &&
		       (const char *) (seen.ports + NPORTS) <= seen.hi,
		       "the server function gets the server's names, inside the request", why);
		/* After a failure the request is destroyed as it arrived. */
		if (answers[i] != KERN_SUCCESS) {
			for (k = 0; k < seen.size && seen.arrived[k] == seen.after[k]; k++)
				;
			snprintf(why, sizeof why, "byte %u of %u differs: 0x%02x, arrived 0x%02x", k, (unsigned) seen.size,
				 k < seen.size ? seen.after[k] : 0, k < seen.size ? seen.arrived[k] : 0);
			result(k == seen.size, "after the failed call the request is as it arrived", why);
		} else
			result(1, "(a successful call's request is the server's)", "");
	}
	return 0;
}
