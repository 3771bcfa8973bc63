/* vm.c: memory for a guest task, straight from vm_allocate. */

#include "guest_internal.h"
#include "mach.h"

void *guest_alloc(size_t size)
{
	vm_address_t a = 0;

	if (size == 0)
		size = 1;
	if (vm_allocate(mach_task_self(), &a, size, 1) != KERN_SUCCESS)
		return NULL;
	return (void *)a;
}

void guest_free(void *p, size_t size)
{
	if (p)
		vm_deallocate(mach_task_self(), (vm_address_t)p, size ? size : 1);
}
