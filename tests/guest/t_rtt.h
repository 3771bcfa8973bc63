/* t_rtt.h: the round trips of rtt.defs timed on the kernel: migc's stubs, GNU MIG's, and the same messages by hand (the floor). */
#ifndef T_RTT_H
#define T_RTT_H 1

#include <mach/std_types.h>
#include <mach/message.h>
#include <mach/mig_errors.h>
#include "guest.h"
#include "rtt_types.h"

/* One way of making the calls and of serving them. */
struct rtt_variant {
	const char *who;	/* "migc", "GNU MIG", "the floor" */
	const char *key;	/* in the results: "migc", "gnumig", "floor" */
	kern_return_t (*null)(mach_port_t);
	kern_return_t (*inl)(mach_port_t, const rtt_page_t);
	kern_return_t (*ool)(mach_port_t, vm_offset_t, mach_msg_type_number_t);
	/* The server: a generated demux run by t_rtt.c's loop, or (NULL) the
	   hand-written loop of t_rtt_floor.c. */
	guest_demux_t demux;
};

/* GNU MIG's stubs (t_rtt_gnumig.c; who is NULL without them). */
extern const struct rtt_variant rtt_gnumig;
/* The hand-written messages (t_rtt_floor.c). */
extern const struct rtt_variant rtt_floor;
void rtt_floor_serve(mach_port_t port);

/* The data every request carries, and what the server checks of it. */
#define RTT_OOL_SIZE 65536u
static inline int rtt_word(unsigned k)
{
	return (int)(k * 2654435761u + 12345u);
}
static inline unsigned char rtt_byte(unsigned k)
{
	return (unsigned char)(k * 167u + (k >> 8) * 3u + 1u);
}

/* The server functions (t_rtt.c), shared by every variant's server. */
kern_return_t srv_rtt_null(mach_port_t server);
kern_return_t srv_rtt_inline(mach_port_t server, const rtt_page_t data);
kern_return_t srv_rtt_ool(mach_port_t server, vm_offset_t data, mach_msg_type_number_t n);

/* The largest request (rtt_inline), with room to spare, for the loops. */
#define RTT_MSG_MAX 4608u
/* When non-null, the next request a server receives is copied here
   (RTT_MSG_MAX bytes) and the pointer cleared. */
extern char *volatile rtt_capture;

#endif
