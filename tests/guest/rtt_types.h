/* rtt_types.h: C types of rtt.defs. */
#ifndef RTT_TYPES_H
#define RTT_TYPES_H 1

typedef int rtt_page_t[1024];

#endif
