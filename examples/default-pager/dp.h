/* dp.h: a default pager for GNU Mach, served with migc's stubs of memory_object{,_default}.defs, storing pages on a device. */
#ifndef DP_H
#define DP_H

#include <mach/kern_return.h>
#include <mach/message.h>
#include <mach/port.h>

/* Counts of what the kernel sent and what the pager answered. */
struct dp_stats {
	unsigned long created, terminated;	/* memory_object_create, _terminate */
	unsigned long paged_out;		/* pages stored (data_return, data_initialize) */
	unsigned long paged_in;			/* pages supplied from the device */
	unsigned long zero_filled;		/* pages answered data_unavailable */
	unsigned long initialize_over;		/* data_initialize of a page already stored */
	unsigned long errors;			/* device errors, and pages answered data_error */
	unsigned long full;			/* page-outs refused: the device was full */
	unsigned long unhandled;		/* messages of no interface served here */
	unsigned long other;			/* init, copy, unlock, *_completed */
	unsigned long slots_peak;		/* most pages stored at once */
	unsigned long returns, initializes, requests;	/* messages of these kinds */
};

/* Opens DEVICE_NAME of SIZE bytes on MASTER (device.defs user stubs),
   wires its own memory through HOST_PRIV,
   makes the default-manager port and the port set that all memory
   objects join.  *SET gets the set, so that the caller can add ports of
   its own, served by EXTRA in dp_serve.  Returns what failed, or NULL. */
const char *dp_init(mach_port_t host_priv, mach_port_t master, const char *device_name,
		    unsigned long size, mach_port_t *manager, mach_port_t *set, kern_return_t *kr);

/* Serves the kernel's requests on the set until *DONE is set (by a
   request EXTRA served).  EXTRA is a demux for the caller's own ports. */
mach_msg_return_t dp_serve(boolean_t (*extra)(mach_msg_header_t *, mach_msg_header_t *),
			   volatile int *done);

extern struct dp_stats dp_stats;

#endif /* DP_H */
