/* prove-kernel.h: GNU Mach's kernel-side declarations that KernelServer and KernelUser stubs use, for conformance/prove.
 *
 * A stub generated with -DKERNEL_SERVER or -DKERNEL_USER includes kernel
 * headers (kern/, vm/, ipc/, device/, machine/) that GNU Mach's installed
 * headers lack.  conformance/prove's harness includes this file before the
 * stub, and makes those headers empty (but for the three that GNU Mach's
 * installed headers include themselves, which it writes); this file declares
 * what the stubs name with the types the kernel gives them (facts read from
 * GNU Mach's own headers: objects are pointers to structures, ports in the
 * kernel's messages are ipc_port_t).
 * The functions are declared, never defined: CBMC gives each call any
 * result, which is what a proof of the stub wants (an intran may return any
 * object, a conversion any port).  Compiled with KERNEL and MACH_KERNEL
 * defined, as GNU Mach compiles its stubs (its config.h).
 */
#ifndef PROVE_KERNEL_H
#define PROVE_KERNEL_H

#include <mach/message.h>
#include <mach/mach_types.h>

typedef struct ipc_port *ipc_port_t;
typedef struct ipc_space *ipc_space_t;
typedef struct vm_map *vm_map_t;
typedef struct vm_object *vm_object_t;
typedef struct host *host_t;
typedef struct host *host_priv_t;
typedef struct device *device_t;
typedef struct io_perm *io_perm_t;
typedef unsigned short io_port_t;
typedef mach_port_t *thread_array_t;
typedef mach_port_t *task_array_t;
typedef mach_port_t *processor_array_t;
typedef mach_port_t *processor_name_array_t;
typedef mach_port_t *processor_set_array_t;
typedef mach_port_t *processor_set_name_array_t;
typedef vm_offset_t *emulation_vector_t;
typedef struct task *task_t;
typedef struct thread *thread_t;
typedef struct processor *processor_t;
typedef struct processor_set *processor_set_t;
typedef struct ipc_thread *ipc_thread_t;

#define IP_NULL ((ipc_port_t)0)
#define IP_DEAD ((ipc_port_t)-1)
#define IP_VALID(port) ((port) != IP_NULL && (port) != IP_DEAD)
#define null_conversion(port) (port)

/* ipc/ipc_port.h */
extern boolean_t ipc_port_check_circularity(ipc_port_t, ipc_port_t);
extern void ipc_port_release_send(ipc_port_t);

/* kern/ipc_tt.h, kern/ipc_host.h, kern/task.h, kern/thread.h, kern/processor.h */
extern task_t convert_port_to_task(ipc_port_t);
extern ipc_port_t convert_task_to_port(task_t);
extern void task_deallocate(task_t);
extern thread_t convert_port_to_thread(ipc_port_t);
extern ipc_port_t convert_thread_to_port(thread_t);
extern void thread_deallocate(thread_t);
extern vm_map_t convert_port_to_map(ipc_port_t);
extern ipc_space_t convert_port_to_space(ipc_port_t);
extern void space_deallocate(ipc_space_t);
extern host_t convert_port_to_host(ipc_port_t);
extern ipc_port_t convert_host_to_port(host_t);
extern host_t convert_port_to_host_priv(ipc_port_t);
extern processor_t convert_port_to_processor(ipc_port_t);
extern processor_t convert_port_to_processor_name(ipc_port_t);
extern ipc_port_t convert_processor_to_port(processor_t);
extern ipc_port_t convert_processor_name_to_port(processor_t);
extern processor_set_t convert_port_to_pset(ipc_port_t);
extern ipc_port_t convert_pset_to_port(processor_set_t);
extern processor_set_t convert_port_to_pset_name(ipc_port_t);
extern ipc_port_t convert_pset_name_to_port(processor_set_t);
extern void pset_deallocate(processor_set_t);

/* vm/vm_map.h, vm/vm_object.h */
extern void vm_map_deallocate(vm_map_t);
extern vm_object_t vm_object_lookup(ipc_port_t);
extern vm_object_t vm_object_lookup_name(ipc_port_t);
extern void vm_object_deallocate(vm_object_t);

/* device/dev_hdr.h, device/device_types_kernel.h */
extern device_t dev_port_lookup(ipc_port_t);
extern ipc_port_t convert_device_to_port(device_t);
extern void device_deallocate(device_t);

/* machine/io_perm.h (x86) */
extern io_perm_t convert_port_to_io_perm(ipc_port_t);
extern ipc_port_t convert_io_perm_to_port(io_perm_t);
extern void io_perm_deallocate(io_perm_t);

/* kern/ipc_mig.h: how KernelUser stubs send (conformance/prove defines them:
 * the model of the kernel's delivery) */
extern mach_msg_return_t mach_msg_send_from_kernel(mach_msg_header_t *, mach_msg_size_t);
extern mach_msg_return_t mach_msg_rpc_from_kernel(const mach_msg_header_t *, mach_msg_size_t, mach_msg_size_t);

#endif
