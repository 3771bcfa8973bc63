/* pld_guest.h: the page-list device on GNU Mach: wired storage, a marked port, a server thread. */
#ifndef PLD_GUEST_H
#define PLD_GUEST_H

#include "pld.h"

/* SIZE bytes of zeroed memory wired through the host-privilege port
   HOST_PRIV (vm_wire), or NULL; *KR gets the kernel's answer. */
void *pld_guest_storage(mach_port_t host_priv, vm_size_t size, kern_return_t *kr);

/* Allocates the device's two receive rights (*MASTER, *PORT, each with a
   send right of the same name), sets the device port's kernel type to
   KTYPE (a MACH_PORT_KTYPE_* of defs/mach/mach_port.defs) unless it is
   MACH_PORT_KTYPE_NONE, and starts a thread serving both with pld_demux.
   The caller runs pld_init on them before the first request. */
kern_return_t pld_guest_serve(mach_port_t host_priv, int ktype, mach_port_t *master,
			      mach_port_t *port, const char **failed);

/* After pld_guest_serve: another device port (*PORT) in the set its
   thread serves, marked KTYPE as pld_guest_serve marks its own. */
kern_return_t pld_guest_add_port(mach_port_t host_priv, int ktype, mach_port_t *port,
				 const char **failed);

#endif /* PLD_GUEST_H */
