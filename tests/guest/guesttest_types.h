/* guesttest_types.h: C types of guesttest.defs. */
#ifndef GUESTTEST_TYPES_H
#define GUESTTEST_TYPES_H 1

typedef int int_array_t[8];
typedef int int_var_t[64];

#endif
