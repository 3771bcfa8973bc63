/* kern_main.h: what tests/kernel's two sides share: the kernel's objects
 * (made-up ipc_port_t values; those in the message body are wider than a
 * port name on x86_64, where a slot holds a pointer) and the dispatch to
 * the KernelServer stubs. */
#ifndef KERN_MAIN_H
#define KERN_MAIN_H
#include <stdint.h>
#define KERN_SERVER_PORT ((ipc_port_t)(uintptr_t)0xc0ffee30u)   /* the header's ports: mach_port_t in the user headers used here */
#define KERN_REPLY_PORT ((ipc_port_t)(uintptr_t)0xdecade70u)
#define KERN_PORT_P ((ipc_port_t)(uintptr_t)(sizeof(void *) > 4 ? 0x7f5a0012345678a0ull : 0x123456a0u))
#define KERN_PORT_Q ((ipc_port_t)(uintptr_t)(sizeof(void *) > 4 ? 0xffff800087654320ull : 0x87654320u))
int kern_dispatch(mach_msg_header_t *in, mach_msg_header_t *out);
extern int kern_noted;
#endif
