/* fsxhelper_types.h: the C types fsxhelper.defs names (imported by its stubs' headers). */
#ifndef FSXHELPER_TYPES_H
#define FSXHELPER_TYPES_H 1

typedef char *fsx_data_t;

#endif
