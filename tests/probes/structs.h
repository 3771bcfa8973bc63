/* C types of structs.defs. */
#ifndef PROBE_STRUCTS_H
#define PROBE_STRUCTS_H
#include <stdint.h>
typedef struct { int64_t a; int32_t b; } s64;
typedef struct { char a; short b; } s16;
typedef struct { int32_t a; s64 b; } s_nested;
typedef struct { int32_t a, b, c, d, e; } s20;
typedef s20 s20_array[1000];
typedef s20 *s20_var;
#endif
