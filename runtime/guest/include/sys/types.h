/* sys/types.h: the little of it GNU Mach's headers need in a guest task (mach_debug/slab_info.h includes it). */
#ifndef GUEST_SYS_TYPES_H
#define GUEST_SYS_TYPES_H 1

#include <stddef.h>
#include <stdint.h>

#endif
