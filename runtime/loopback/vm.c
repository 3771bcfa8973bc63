/* vm.c: memory of the loopback runtime: vm_allocate's regions and reading the sender's out-of-line data. */
#define _GNU_SOURCE 1	/* process_vm_readv */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "lb_internal.h"

/* Regions are page aligned and never share a page, as under Mach, so that
   deallocating whole pages frees exactly the regions inside them. */

static uintptr_t trunc_page(uintptr_t a)
{
	return a & ~(uintptr_t) (LB_PAGE - 1);
}

/* Index of the first region ending after ADDR. */
static size_t region_search(struct lb_runtime *rt, uintptr_t addr)
{
	size_t lo = 0, hi = rt->nregions;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		struct lb_region *r = &rt->regions[mid];

		if (r->addr + r->span <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

kern_return_t lb_vm_allocate_in(struct lb_runtime *rt, vm_address_t *addr,
				vm_size_t size)
{
	size_t span, i;
	void *p;

	if (size == 0) {
		*addr = 0;	/* as GNU Mach's vm_allocate */
		return KERN_SUCCESS;
	}
	if (size > LB_OOL_MAX)
		return KERN_NO_SPACE;
	span = (size + LB_PAGE - 1) & ~(size_t) (LB_PAGE - 1);
	if (rt->nregions == rt->capregions) {
		size_t cap = rt->capregions ? 2 * rt->capregions : 64;
		struct lb_region *r = realloc(rt->regions, cap * sizeof *r);

		if (!r)
			return KERN_RESOURCE_SHORTAGE;
		rt->regions = r;
		rt->capregions = cap;
	}
	p = aligned_alloc(LB_PAGE, span);
	if (!p)
		return KERN_RESOURCE_SHORTAGE;
	memset(p, 0, span);	/* fresh memory is zero-filled */
	i = region_search(rt, (uintptr_t) p);
	memmove(&rt->regions[i + 1], &rt->regions[i],
		(rt->nregions - i) * sizeof *rt->regions);
	rt->regions[i].addr = (uintptr_t) p;
	rt->regions[i].size = size;
	rt->regions[i].span = span;
	rt->nregions++;
	rt->stats.vm_regions++;
	rt->stats.vm_bytes += size;
	*addr = (vm_address_t) (uintptr_t) p;
	return KERN_SUCCESS;
}

/* Free the regions inside the pages of [ADDR, ADDR+SIZE).  A region only
   partly inside is kept (counted in vm_partial_deallocs); memory the
   runtime did not hand out is left alone (vm_stray_deallocs).  Like Mach,
   never an error for unallocated memory. */
kern_return_t lb_vm_deallocate_in(struct lb_runtime *rt, vm_address_t addr,
				  vm_size_t size)
{
	uintptr_t start, end;
	size_t i;
	bool any = false;

	if (size == 0)
		return KERN_SUCCESS;
	if ((uintptr_t) addr + size < (uintptr_t) addr)
		return KERN_INVALID_ARGUMENT;
	start = trunc_page(addr);
	end = (uintptr_t) addr + size;
	end = end + (LB_PAGE - 1) < end ? UINTPTR_MAX : trunc_page(end + (LB_PAGE - 1));
	i = region_search(rt, start);
	while (i < rt->nregions && rt->regions[i].addr < end) {
		struct lb_region *r = &rt->regions[i];

		any = true;
		if (r->addr >= start && r->addr + r->span <= end) {
			rt->stats.vm_regions--;
			rt->stats.vm_bytes -= r->size;
			free((void *) r->addr);
			memmove(r, r + 1, (rt->nregions - i - 1) * sizeof *r);
			rt->nregions--;
		} else {
			rt->stats.vm_partial_deallocs++;
			i++;
		}
	}
	if (!any)
		rt->stats.vm_stray_deallocs++;
	return KERN_SUCCESS;
}

int lb_vm_is_allocated(vm_address_t addr, vm_size_t size)
{
	struct lb_runtime *rt = lb_rt();
	size_t i = region_search(rt, addr);

	if (i >= rt->nregions)
		return 0;
	return rt->regions[i].addr <= addr &&
	       size <= rt->regions[i].span - (addr - rt->regions[i].addr);
}

/* Where [ADDR, ADDR+SIZE) is: 1 inside regions (one, or several that
   follow each other without a gap), -1 starting in a region and running
   past the last one that follows on, 0 starting outside every region. */
static int region_cover(struct lb_runtime *rt, uintptr_t addr, size_t size)
{
	size_t i = region_search(rt, addr);
	uintptr_t end = addr + size;

	if (i >= rt->nregions || rt->regions[i].addr > addr)
		return 0;
	for (; i < rt->nregions; i++) {
		uintptr_t rend = rt->regions[i].addr + rt->regions[i].span;

		if (end <= rend)
			return 1;
		if (i + 1 == rt->nregions || rt->regions[i + 1].addr != rend)
			break;
	}
	return -1;
}

void lb_vm_free_all(struct lb_runtime *rt)
{
	size_t i;

	for (i = 0; i < rt->nregions; i++)
		free((void *) rt->regions[i].addr);
	free(rt->regions);
	rt->regions = NULL;
	rt->nregions = rt->capregions = 0;
	if (rt->pipefd[0] >= 0) {
		close(rt->pipefd[0]);
		close(rt->pipefd[1]);
		rt->pipefd[0] = rt->pipefd[1] = -1;
	}
}

/* Read through a pipe: the kernel checks the source and fails with EFAULT
   instead of letting us fault.  Chunks are small enough never to block. */
static bool copy_via_pipe(struct lb_runtime *rt, void *dst, const char *src,
			  size_t len)
{
	size_t off = 0;

	if (rt->pipefd[0] < 0 && pipe2(rt->pipefd, O_CLOEXEC) != 0) {
		rt->pipefd[0] = rt->pipefd[1] = -1;
		return false;
	}
	while (off < len) {
		size_t chunk = len - off < LB_PAGE ? len - off : LB_PAGE;
		/* (the system call itself, not write(): a sanitizer's
		   interceptor of write would report the wild pointer the
		   kernel is meant to refuse) */
		ssize_t w = syscall(SYS_write, rt->pipefd[1], src + off, chunk), got = 0;

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return false;
		while (got < w) {
			ssize_t r = read(rt->pipefd[0], (char *) dst + off + got, (size_t) (w - got));

			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0)
				return false;	/* cannot happen: the bytes are there */
			got += r;
		}
		if ((size_t) w < chunk)
			return false;
		off += chunk;
	}
	return true;
}

/* Is memory at SRC readable?  Whole-range check comes with the copy; this
   only tests the first and last byte, so that a wild pointer or length in
   a message is refused before anything is allocated for it. */
bool lb_user_range_plausible(struct lb_runtime *rt, vm_offset_t src, size_t len)
{
	char b;

	if (len == 0)
		return true;
	if ((uintptr_t) src + len < (uintptr_t) src || src == 0)
		return false;
	switch (region_cover(rt, src, len)) {
	case 1:
		return true;
	case -1:
		return false;
	}
	return lb_copy_from_user(rt, &b, src, 1) &&
	       lb_copy_from_user(rt, &b, src + (len - 1), 1);
}

/* Copy LEN bytes of the sender's out-of-line data at SRC, which comes from
   the message and may be anything: false (MACH_SEND_INVALID_MEMORY) if it
   is not readable.  Our own regions are copied directly (so that
   sanitizers see the access), and a range that starts in one and runs
   past it into memory vm_allocate did not hand out is refused, as GNU
   Mach refuses a range with unallocated pages: what lies after a region
   is whatever the host's allocator put there, readable or not, and the
   answer must not depend on it.  Other memory (a stack, static data)
   is read through the kernel. */
bool lb_copy_from_user(struct lb_runtime *rt, void *dst, vm_offset_t src,
		       size_t len)
{
	if (len == 0)
		return true;
	if ((uintptr_t) src + len < (uintptr_t) src || src == 0)
		return false;
	switch (region_cover(rt, src, len)) {
	case 1:
		memcpy(dst, (const void *) src, len);
		return true;
	case -1:
		return false;
	}
#ifdef __LP64__
	{
		/* One system call; not available under qemu-user, whose
		   32-bit guests use the pipe. */
		struct iovec local = { dst, len }, remote = { (void *) src, len };
		ssize_t n = process_vm_readv(getpid(), &local, 1, &remote, 1, 0);

		if (n >= 0)
			return (size_t) n == len;
		if (errno == EFAULT)
			return false;
	}
#endif
	return copy_via_pipe(rt, dst, (const char *) src, len);
}
