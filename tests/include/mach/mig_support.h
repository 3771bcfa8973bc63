/* mig_support.h: compile-only stand-in for the C library's <mach/mig_support.h>.
 *
 * Generated stubs include <mach/mig_support.h>, which the Hurd's C library
 * provides and GNU Mach's headers do not.  The corpus test only compiles the
 * stubs, so declarations are enough; runtime/guest and runtime/loopback
 * provide the definitions (runtime/guest compiles against this file).
 */
#ifndef _MACH_MIG_SUPPORT_H
#define _MACH_MIG_SUPPORT_H 1

#include <mach/std_types.h>
#include <mach/message.h>
#include <string.h>

void mig_init(void *first);
void mig_allocate(vm_address_t *addr, vm_size_t size);
void mig_deallocate(vm_address_t addr, vm_size_t size);
mach_port_t mig_get_reply_port(void);
void mig_put_reply_port(mach_port_t port);
void mig_dealloc_reply_port(mach_port_t port);
void mig_reply_setup(const mach_msg_header_t *request, mach_msg_header_t *reply);
vm_size_t mig_strncpy(char *dst, const char *src, vm_size_t len);

#endif
