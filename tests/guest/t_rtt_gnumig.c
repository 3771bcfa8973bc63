/* t_rtt_gnumig.c: GNU MIG's rtt.defs stubs as a variant of the round trips (built only when GNU MIG is available). */

#include "t_rtt.h"
#ifdef GT_HAVE_GNUMIG
#include "gm_rtt.h"

/* GNU MIG's server header does not declare its demux. */
boolean_t gm_rtt_server(mach_msg_header_t *in, mach_msg_header_t *out);

const struct rtt_variant rtt_gnumig = { "GNU MIG", "gnumig", gm_rtt_null, gm_rtt_inline, gm_rtt_ool, gm_rtt_server };
#else
const struct rtt_variant rtt_gnumig = { 0 };
#endif
