/* t_server.h: the guesttest.defs clients of the server checks, one table per stub generator. */
#ifndef T_SERVER_H
#define T_SERVER_H 1

#include <mach/std_types.h>
#include <mach/message.h>
#include "guesttest_types.h"

struct gt_client {
	const char *who;	/* "migc" or "GNU MIG" */
	kern_return_t (*scalars)(mach_port_t, int, int64_t, int64_t *, int *);
	kern_return_t (*arrays)(mach_port_t, const int_array_t, const int_var_t, mach_msg_type_number_t,
				int_array_t, int_var_t, mach_msg_type_number_t *);
	kern_return_t (*ool)(mach_port_t, int, vm_offset_t, mach_msg_type_number_t, int *, vm_offset_t *,
			     mach_msg_type_number_t *);
	kern_return_t (*ports)(mach_port_t, mach_port_t, int *, mach_port_t *);
	kern_return_t (*bounce)(mach_port_t, mach_port_t, mach_port_t *);
};

/* GNU MIG's user stubs (t_server_gnumig.c), when conformance/guest could
   generate them. */
extern const struct gt_client gt_gnumig_client;

#endif
