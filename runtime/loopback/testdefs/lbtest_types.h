/* lbtest_types.h: C types of lbtest.defs (loopback runtime end-to-end test). */
#ifndef LBTEST_TYPES_H
#define LBTEST_TYPES_H

#include <stdint.h>
#include <mach/std_types.h>

typedef int int_array_t[4];
typedef int int_var_t[16];
typedef char name_string_t[64];
typedef const char *const_name_string_t;
typedef mach_port_t *port_array_t;
typedef const mach_port_t *const_port_array_t;
typedef int16_t short_var_t[8];
typedef char char_var_t[7];
typedef int *int_unb_t;
typedef const int *const_int_unb_t;
typedef struct { int v[3]; } int3_t;
typedef int64_t i64_var_t[5];
typedef char *vstring_t;
typedef const char *const_vstring_t;

#endif
