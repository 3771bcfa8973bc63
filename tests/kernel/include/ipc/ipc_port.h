/* Stand-in for GNU Mach's ipc/ipc_port.h, which GNU MIG's KernelServer stubs include. */
#include <kern/ipc_mig.h>
