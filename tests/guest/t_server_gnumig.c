/* t_server_gnumig.c: the table of GNU MIG's guesttest user stubs (built only when GNU MIG is available). */

#include "t_server.h"
#ifdef GT_HAVE_GNUMIG
#include "gm_guesttest.h"

const struct gt_client gt_gnumig_client = {
	"GNU MIG", gm_gt_scalars, gm_gt_arrays, gm_gt_ool, gm_gt_ports, gm_gt_bounce,
};
#else
const struct gt_client gt_gnumig_client = { 0 };
#endif
