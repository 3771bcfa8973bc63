/* kern_types.h: the C types of tests/kernel/kern.defs. */
#ifndef KERN_TYPES_H
#define KERN_TYPES_H
typedef struct { int v[6]; } big_t;
#endif
