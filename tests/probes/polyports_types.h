/* C types of polyports.defs. */
#ifndef PROBE_POLYPORTS_TYPES_H
#define PROBE_POLYPORTS_TYPES_H
typedef mach_port_t *send_array_t;
typedef const mach_port_t *const_send_array_t;
typedef mach_port_t *fixed_send_array_t;
typedef char *bytes_t;
typedef const char *const_bytes_t;
#endif
