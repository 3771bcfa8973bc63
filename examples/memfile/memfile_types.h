/* memfile_types.h: the C types memfile.defs names (imported by its stubs' headers). */
#ifndef MEMFILE_TYPES_H
#define MEMFILE_TYPES_H 1

/* The bytes of a read or a write, as the server functions receive them. */
typedef char *memfile_data_t;

#endif
