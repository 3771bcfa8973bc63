/* C types of args.defs. */
#ifndef PROBE_ARGS_H
#define PROBE_ARGS_H
typedef int *buf_t;
typedef int *small_t;
typedef char *str_t;
typedef char *indef_t;
/* GNU MIG spells read-only array and string parameters const_TYPE. */
typedef const int *const_buf_t;
typedef const char *const_str_t;
typedef const char *const_indef_t;
#endif
