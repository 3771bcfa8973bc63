/* C side of ref.defs: the translated types and their functions. */
#ifndef REF_H
#define REF_H
#if defined KERNEL_USER || defined KERNEL_SERVER
typedef struct ipc_port *ref_port_t;
#else
typedef mach_port_t ref_port_t;
#endif
typedef struct obj *obj_t;
typedef int num_t;
typedef int vec_t[4];
typedef int bvec_t[16];
typedef int *ubuf_t;
typedef mach_port_t *ports_t;
typedef mach_port_t fports_t[3];
typedef mach_port_t vports_t[4];
typedef char name_t[32];
typedef char vname_t[64];
typedef char *bytes_t;
obj_t port_to_obj(ref_port_t);
ref_port_t obj_to_port(obj_t);
void obj_release(obj_t);
num_t num_in(int);
int num_out(num_t);
#endif
