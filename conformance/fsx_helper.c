/* fsx_helper.c: conformance/fsx's helper task (mapped reads and writes in a second task) and the mapping code both tasks use. */

#include <mach/vm_inherit.h>
#include "mach.h"
#include "fsx.h"
#include "fsxhelperServer.h"

/* Map [OFF, OFF+LEN) of the file (whole pages) into THIS task. */
unsigned char *fsx_map(mach_port_t obj, vm_offset_t off, vm_size_t len, vm_prot_t prot, vm_address_t *at,
		       vm_size_t *maplen, kern_return_t *kr)
{
	*at = 0;
	*maplen = ROUND(off + len) - TRUNC(off);
	*kr = vm_map(mach_task_self(), at, *maplen, 0, 1, obj, TRUNC(off), 0, prot, VM_PROT_ALL, VM_INHERIT_NONE);
	return *kr == KERN_SUCCESS ? (unsigned char *) *at + (off - TRUNC(off)) : NULL;
}

void fsx_touch(const unsigned char *p, vm_offset_t off, vm_size_t len)
{
	for (vm_offset_t at = TRUNC(off); at < off + len; at += PAGE)
		(void) *(volatile const unsigned char *) (p - off + (at < off ? off : at));
}

/* Nonzero bytes of the mapped page past the end of the file EOF, when the
   mapping [TRUNC(OFF), ROUND(OFF+LEN)) holds that page. */
int fsx_beyond(const unsigned char *p, vm_offset_t off, vm_size_t len, vm_size_t eof, vm_offset_t *where)
{
	vm_offset_t end = ROUND(off + len);
	int n = 0;
	if (eof >= end || eof < TRUNC(off))
		return 0;
	for (vm_offset_t i = eof; i < ROUND(eof) && i < end; i++)
		if (p[i - off] && !n++)
			*where = i;
	return n;
}

/* --- the helper task: the same program, in a child task --------------- */

static mach_port_t helper_object;

kern_return_t serve_fsx_helper_object(mach_port_t h, mach_port_t obj)
{
	(void) h;
	helper_object = obj;
	return KERN_SUCCESS;
}

kern_return_t serve_fsx_helper_mapread(mach_port_t h, vm_offset_t off, vm_size_t len, vm_size_t eof, fsx_data_t data,
				 mach_msg_type_number_t *n, int *beyond_eof)
{
	vm_address_t at;
	vm_size_t maplen;
	kern_return_t kr;
	vm_offset_t where = 0;

	(void) h;
	if (len > *n)
		return KERN_INVALID_ARGUMENT;
	const unsigned char *p = fsx_map(helper_object, off, len, VM_PROT_READ, &at, &maplen, &kr);
	if (!p)
		return kr;
	memcpy(data, p, len);
	*n = len;
	*beyond_eof = fsx_beyond(p, off, len, eof, &where);
	return vm_deallocate(mach_task_self(), at, maplen);
}

kern_return_t serve_fsx_helper_mapwrite(mach_port_t h, vm_offset_t off, const fsx_data_t data, mach_msg_type_number_t n)
{
	vm_address_t at;
	vm_size_t maplen;
	kern_return_t kr;

	(void) h;
	unsigned char *p = fsx_map(helper_object, off, n, VM_PROT_READ | VM_PROT_WRITE, &at, &maplen, &kr);
	if (!p)
		return kr;
	fsx_touch(p, off, n);
	memcpy(p, data, n);
	return vm_deallocate(mach_task_self(), at, maplen);
}

/* The helper's loop: its buffers are in memory the driver wired before
   the thread started (a page it allocated later could not be paged out:
   there is no default pager). */
static union {
	mach_msg_header_t h;
	char b[MAXIO + 1024];
} helper_in, helper_out;

void fsx_helper_entry(void)
{
	guest_forget_reply_ports();	/* the names were the driver's */
	for (;;) {
		if (mach_msg(&helper_in.h, MACH_RCV_MSG, 0, sizeof helper_in, HELPER_PORT, MACH_MSG_TIMEOUT_NONE,
			     MACH_PORT_NULL) != MACH_MSG_SUCCESS)
			break;
		if (!fsxhelper_server(&helper_in.h, &helper_out.h))
			continue;
		mach_msg(&helper_out.h, MACH_SEND_MSG, helper_out.h.msgh_size, 0, MACH_PORT_NULL,
			 MACH_MSG_TIMEOUT_NONE, MACH_PORT_NULL);
	}
	task_terminate(mach_task_self());
	for (;;)
		;
}

