/* int64.h: the C type of the .defs type int64 (tests/probes/int64.defs). */
#ifndef PROBE_INT64_H
#define PROBE_INT64_H
#include <stdint.h>
typedef int64_t int64;
typedef int64 int64_pair_t[2];
#endif
