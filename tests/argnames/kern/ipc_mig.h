/* Stand-in for GNU Mach's kern/ipc_mig.h: what KernelUser stubs call. */
#include <mach/std_types.h>
#include <mach/message.h>
typedef struct ipc_port *ipc_port_t;
#define IP_VALID(port) ((port) != 0)
extern mach_msg_return_t mach_msg_send_from_kernel(mach_msg_header_t *, mach_msg_size_t);
extern mach_msg_return_t mach_msg_rpc_from_kernel(mach_msg_header_t *, mach_msg_size_t, mach_msg_size_t);
extern void ipc_port_release_send(ipc_port_t);
extern int ipc_port_check_circularity(ipc_port_t, ipc_port_t);
extern void mig_allocate(vm_address_t *, vm_size_t);
