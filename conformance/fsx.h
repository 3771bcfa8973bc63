/* fsx.h: what conformance/fsx's driver and helper share. */
#ifndef FSX_H
#define FSX_H 1

#include "guest.h"
#include <mach/vm_prot.h>

#define PAGE 4096
#define MAXIO 16384
#define TRUNC(x) ((x) & ~(vm_offset_t) (PAGE - 1))
#define ROUND(x) TRUNC((x) + PAGE - 1)
/* The helper's receive right, by this name in the helper task. */
#define HELPER_PORT ((mach_port_t) 0x777)

/* [OFF, OFF+LEN) of the memory object OBJ, mapped (whole pages) into this
   task: the address of OFF, or null with *kr. */
unsigned char *fsx_map(mach_port_t obj, vm_offset_t off, vm_size_t len, vm_prot_t prot, vm_address_t *at,
		       vm_size_t *maplen, kern_return_t *kr);
/* Read a byte of each page of [OFF, OFF+LEN) mapped at P - OFF before
   writing them, as read-modify-write code does: the kernel asks for the
   pages read-only, and the write that follows asks to unlock them
   (memory_object_data_unlock). */
void fsx_touch(const unsigned char *p, vm_offset_t off, vm_size_t len);
/* Nonzero bytes of the mapped page past the end of the file EOF, when
   [TRUNC(OFF), ROUND(OFF+LEN)) holds that page; the first at *where. */
int fsx_beyond(const unsigned char *p, vm_offset_t off, vm_size_t len, vm_size_t eof, vm_offset_t *where);
/* The helper task's thread. */
void fsx_helper_entry(void) __attribute__((noreturn));

#endif
