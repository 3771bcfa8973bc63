/* memfile.c: a file server whose files are memory objects: clients' RPCs on one thread, the kernel's memory-object messages on another. */

#include <mach/memory_object.h>
#include <mach/mig_errors.h>
#include "mach.h"
#include "mach_port.h"
#include "mach_host.h"
#include <string.h>
#include "memfile_state.h"
#include "memfileServer.h"
#include "memfile_pager.h"
#include "memfile_pagerServer.h"
#include "memory_objectServer.h"

struct memfile_state memfile;

const char *const memfile_call_name[MF_CALLS] = {
	[MF_K_INIT] = "memory_object_init",
	[MF_K_TERMINATE] = "memory_object_terminate",
	[MF_K_COPY] = "memory_object_copy",
	[MF_K_DATA_REQUEST] = "memory_object_data_request",
	[MF_K_DATA_UNLOCK] = "memory_object_data_unlock",
	[MF_K_LOCK_COMPLETED] = "memory_object_lock_completed",
	[MF_K_SUPPLY_COMPLETED] = "memory_object_supply_completed",
	[MF_K_DATA_RETURN] = "memory_object_data_return",
	[MF_K_CHANGE_COMPLETED] = "memory_object_change_completed",
	[MF_S_READY] = "memory_object_ready",
	[MF_S_DATA_SUPPLY] = "memory_object_data_supply",
	[MF_S_DATA_UNAVAILABLE] = "memory_object_data_unavailable",
	[MF_S_LOCK_REQUEST] = "memory_object_lock_request",
	[MF_S_CHANGE_ATTRIBUTES] = "memory_object_change_attributes",
	[MF_S_DATA_ERROR] = "memory_object_data_error",
};

#define PAGE MEMFILE_PAGE
#define TRUNC(x) ((x) & ~(vm_offset_t) (PAGE - 1))
#define ROUND(x) TRUNC((x) + PAGE - 1)
/* Bytes a page handed to the kernel as precious holds here instead of
   the data: if the kernel ever failed to return it, a reader sees them. */
#define POISON 0xa5

static kern_return_t called(enum memfile_call c, kern_return_t kr)
{
	memfile.st.calls[c]++;
	if (kr != KERN_SUCCESS)
		memfile.st.failed[c]++;
	return kr;
}

static void count(enum memfile_call c)
{
	memfile.st.calls[c]++;
}

static struct memfile_file *by_port(mach_port_t port)
{
	for (int i = 0; i < MEMFILE_MAX_FILES; i++)
		if (memfile.files[i].used && memfile.files[i].port == port)
			return &memfile.files[i];
	return NULL;
}

static struct memfile_file *by_object(mach_port_t object)
{
	for (int i = 0; i < MEMFILE_MAX_FILES; i++)
		if (memfile.files[i].used && memfile.files[i].object == object)
			return &memfile.files[i];
	return NULL;
}

/* A receive right in SET (none when SET is null); with a send right too when SEND. */
static mach_port_t new_port(mach_port_t set, int send, kern_return_t *kr)
{
	mach_port_t task = mach_task_self(), p = MACH_PORT_NULL;

	*kr = mach_port_allocate(task, MACH_PORT_RIGHT_RECEIVE, &p);
	if (*kr == KERN_SUCCESS && send)
		*kr = mach_port_insert_right(task, p, p, MACH_MSG_TYPE_MAKE_SEND);
	if (*kr == KERN_SUCCESS && set != MACH_PORT_NULL)
		*kr = mach_port_move_member(task, p, set);
	return *kr == KERN_SUCCESS ? p : MACH_PORT_NULL;
}

const char *memfile_init(vm_size_t capacity, int precious, enum memfile_mistake mistake, kern_return_t *kr)
{
	mach_port_t task = mach_task_self();

	memfile.capacity = ROUND(capacity);
	memfile.precious = precious;
	memfile.mistake = mistake;
	if ((*kr = mach_port_allocate(task, MACH_PORT_RIGHT_PORT_SET, &memfile.client_set)) != KERN_SUCCESS ||
	    (*kr = mach_port_allocate(task, MACH_PORT_RIGHT_PORT_SET, &memfile.pager_set)) != KERN_SUCCESS)
		return "port sets";
	if (!(memfile.service = new_port(memfile.client_set, 1, kr)))
		return "the service port";
	if (!(memfile.sync = new_port(memfile.pager_set, 1, kr)))
		return "the pager's sync port";
	if (!(memfile.wait = new_port(MACH_PORT_NULL, 0, kr)))
		return "the client thread's wait port";
	return NULL;
}

/* --- the pager thread: what the kernel sends, and the syncs ------------ */

/* Every message of the kernel's but memory_object_init carries a send
   right to the control port: drop it, keeping the one init gave. */
static void drop(mach_port_t control)
{
	mach_port_deallocate(mach_task_self(), control);
}

static void complete(kern_return_t result)
{
	if (!memfile.pending.active)
		return;
	memfile.pending.active = 0;
	/* After a flush the kernel holds none of the range's pages. */
	if (memfile.pending.kind == MEMFILE_SYNC_FLUSH && result == KERN_SUCCESS)
		memset(memfile.pending.file->resident + memfile.pending.offset / PAGE, 0,
		       memfile.pending.size / PAGE);
	memfile_pager_done(memfile.pending.done, result);
}

/* The part of [*OFFSET, *OFFSET + *SIZE) from the first to the last page
   the kernel may hold (it holds only what it was given: this server
   supplies nothing unasked); false when it holds none of them. */
static int resident_part(const struct memfile_file *f, vm_offset_t *offset, vm_size_t *size)
{
	vm_size_t first = *offset / PAGE, end = (*offset + *size) / PAGE;

	while (first < end && !f->resident[first])
		first++;
	while (end > first && !f->resident[end - 1])
		end--;
	*offset = first * PAGE;
	*size = (end - first) * PAGE;
	return end > first;
}

kern_return_t serve_memfile_pager_sync(mach_port_t pager, int file, vm_offset_t offset, vm_size_t size,
				 memfile_sync_t kind, mach_port_t done)
{
	struct memfile_file *f = file >= 0 && file < MEMFILE_MAX_FILES ? &memfile.files[file] : NULL;
	kern_return_t kr;

	(void) pager;
	if (!f || !f->used || memfile.pending.active)
		return memfile_pager_done(done, KERN_INVALID_ARGUMENT);
	if (kind == MEMFILE_SYNC_CACHE_OFF || kind == MEMFILE_SYNC_CACHE_ON)
		f->may_cache = kind == MEMFILE_SYNC_CACHE_ON;
	/* No control port: the kernel holds none of the file's pages, and
	   memory_object_ready will carry may_cache. */
	if (f->control == MACH_PORT_NULL)
		return memfile_pager_done(done, KERN_SUCCESS);
	if ((kind == MEMFILE_SYNC_CLEAN || kind == MEMFILE_SYNC_FLUSH) && !resident_part(f, &offset, &size)) {
		memfile.st.syncs_skipped++;
		return memfile_pager_done(done, KERN_SUCCESS);
	}
	memfile.pending = (typeof(memfile.pending)){ 1, kind, f, offset, size, done };
	if (kind == MEMFILE_SYNC_CLEAN || kind == MEMFILE_SYNC_FLUSH)
		kr = called(MF_S_LOCK_REQUEST,
			    memory_object_lock_request(f->control, offset, size, MEMORY_OBJECT_RETURN_ALL,
						       kind == MEMFILE_SYNC_FLUSH,
						       kind == MEMFILE_SYNC_CLEAN ? VM_PROT_WRITE : VM_PROT_NO_CHANGE,
						       memfile.sync));
	else
		kr = called(MF_S_CHANGE_ATTRIBUTES,
			    memory_object_change_attributes(f->control, f->may_cache, MEMORY_OBJECT_COPY_DELAY,
							    memfile.sync));
	if (kr != KERN_SUCCESS)
		complete(kr);
	return KERN_SUCCESS;
}

kern_return_t memory_object_init(mach_port_t object, mach_port_t control, mach_port_t name, vm_size_t page_size)
{
	struct memfile_file *f = by_object(object);

	count(MF_K_INIT);
	if (!f || f->control != MACH_PORT_NULL || page_size != PAGE) {
		memfile.st.errors++;
		return KERN_FAILURE;
	}
	f->control = control;
	f->name_port = name;
	called(MF_S_READY, memory_object_ready(control, f->may_cache, MEMORY_OBJECT_COPY_DELAY));
	return KERN_SUCCESS;
}

kern_return_t memory_object_terminate(mach_port_t object, mach_port_t control, mach_port_t name)
{
	struct memfile_file *f = by_object(object);
	mach_port_t task = mach_task_self();

	count(MF_K_TERMINATE);
	if (f && f->control == control) {
		f->control = f->name_port = MACH_PORT_NULL;
		memset(f->resident, 0, f->capacity / PAGE);
		/* Every precious page came back before this message; one
		   that did not is lost data (and reads as the poison). */
		for (vm_size_t p = 0; p < f->capacity / PAGE; p++)
			if (f->precious[p]) {
				f->precious[p] = 0;
				memfile.st.errors++;
			}
		complete(KERN_SUCCESS);
	} else {
		memfile.st.stale++;
	}
	/* The receive rights of the control and name ports, and our send rights. */
	mach_port_destroy(task, control);
	mach_port_destroy(task, name);
	return KERN_SUCCESS;
}

/* Never sent: the server asks for MEMORY_OBJECT_COPY_DELAY, under which
   the kernel copies the pages itself. */
kern_return_t memory_object_copy(mach_port_t old_object, mach_port_t old_control, vm_offset_t offset,
				 vm_size_t length, mach_port_t new_object)
{
	(void) old_object, (void) offset, (void) length;
	count(MF_K_COPY);
	memfile.st.errors++;
	drop(old_control);
	mach_port_destroy(mach_task_self(), new_object);
	return KERN_SUCCESS;
}

kern_return_t memory_object_data_request(mach_port_t object, mach_port_t control, vm_offset_t offset,
					 vm_size_t length, vm_prot_t access)
{
	struct memfile_file *f = by_object(object);

	count(MF_K_DATA_REQUEST);
	if (!f) {
		memfile.st.errors++;
		drop(control);
		return KERN_SUCCESS;
	}
	for (vm_offset_t at = offset; at < offset + length; at += PAGE) {
		vm_size_t page = at / PAGE;
		if (at >= f->capacity) {
			called(MF_S_DATA_ERROR, memory_object_data_error(control, at, PAGE, KERN_INVALID_ADDRESS));
			continue;
		}
		if (f->evicted[page]) {
			f->evicted[page] = 0;
			memfile.st.pages_back++;
		}
		if (at >= ROUND(f->size) || !f->stored[page]) {
			/* Beyond the file's end, or a hole in it, which the
			   server does not store: the kernel fills zeros. */
			if (called(MF_S_DATA_UNAVAILABLE, memory_object_data_unavailable(control, at, PAGE)) ==
			    KERN_SUCCESS) {
				memfile.st.pages_unavailable++;
				f->resident[page] = 1;
			}
			continue;
		}
		/* Odd pages go precious: the kernel must give them back, and
		   our copy is gone until it does.  A page read without write
		   access is locked against writing: a write fault comes back
		   as memory_object_data_unlock. */
		int precious = memfile.precious && (page & 1);
		/* Some supplies ask for memory_object_supply_completed. */
		mach_port_t reply = memfile.st.pages_supplied % 16 == 0 ? memfile.sync : MACH_PORT_NULL;
		kern_return_t kr = called(MF_S_DATA_SUPPLY,
					  memory_object_data_supply(control, at, (vm_offset_t) (f->data + at), PAGE, 0,
								    access & VM_PROT_WRITE ? VM_PROT_NONE : VM_PROT_WRITE,
								    precious, reply));
		if (kr != KERN_SUCCESS)
			continue;
		memfile.st.pages_supplied++;
		f->resident[page] = 1;
		if (precious) {
			memfile.st.pages_precious++;
			f->precious[page] = 1;
			memset(f->data + at, POISON, PAGE);
		}
	}
	drop(control);
	return KERN_SUCCESS;
}

kern_return_t memory_object_data_unlock(mach_port_t object, mach_port_t control, vm_offset_t offset,
					vm_size_t length, vm_prot_t access)
{
	(void) object, (void) access;
	count(MF_K_DATA_UNLOCK);
	called(MF_S_LOCK_REQUEST, memory_object_lock_request(control, offset, length, MEMORY_OBJECT_RETURN_NONE, 0,
							     VM_PROT_NONE, MACH_PORT_NULL));
	drop(control);
	return KERN_SUCCESS;
}

kern_return_t memory_object_data_return(mach_port_t object, mach_port_t control, vm_offset_t offset,
					vm_offset_t data, mach_msg_type_number_t n, boolean_t dirty,
					boolean_t kernel_copy)
{
	struct memfile_file *f = by_object(object);

	count(MF_K_DATA_RETURN);
	if (!f || offset >= f->capacity || n > f->capacity - offset) {
		memfile.st.errors++;
	} else {
		memcpy(f->data + offset, (const void *) data, n);
		/* The file ends at its size: what a page held beyond it is
		   not the file's. */
		if (offset + n > f->size) {
			vm_offset_t from = offset > f->size ? offset : f->size;
			memset(f->data + from, 0, offset + n - from);
		}
		for (vm_offset_t at = offset; at < offset + n; at += PAGE) {
			f->precious[at / PAGE] = 0;
			f->stored[at / PAGE] = 1;
			/* Without a kernel copy the page left the kernel. */
			if (!kernel_copy)
				f->resident[at / PAGE] = 0;
			/* Sent while no sync is pending and the object may stay
			   cached: the kernel needed the memory. */
			if (!memfile.pending.active && f->may_cache) {
				f->evicted[at / PAGE] = 1;
				memfile.st.pages_evicted++;
			}
		}
		memfile.st.pages_returned += n / PAGE;
		if (dirty)
			memfile.st.pages_returned_dirty += n / PAGE;
	}
	vm_deallocate(mach_task_self(), data, n);
	drop(control);
	return KERN_SUCCESS;
}

kern_return_t memory_object_lock_completed(mach_port_t reply, mach_port_t control, vm_offset_t offset,
					   vm_size_t length)
{
	(void) reply, (void) offset, (void) length;
	count(MF_K_LOCK_COMPLETED);
	drop(control);
	complete(KERN_SUCCESS);
	return KERN_SUCCESS;
}

kern_return_t memory_object_supply_completed(mach_port_t reply, mach_port_t control, vm_offset_t offset,
					     vm_size_t length, kern_return_t result, vm_offset_t error_offset)
{
	(void) reply, (void) offset, (void) length, (void) error_offset;
	count(MF_K_SUPPLY_COMPLETED);
	if (result != KERN_SUCCESS)
		memfile.st.errors++;
	drop(control);
	return KERN_SUCCESS;
}

kern_return_t memory_object_change_completed(mach_port_t reply, boolean_t may_cache,
					     memory_object_copy_strategy_t strategy)
{
	(void) reply, (void) may_cache, (void) strategy;
	count(MF_K_CHANGE_COMPLETED);
	complete(KERN_SUCCESS);
	return KERN_SUCCESS;
}

static boolean_t pager_demux(mach_msg_header_t *in, mach_msg_header_t *out)
{
	return memory_object_server(in, out) || memfile_pager_server(in, out);
}

void memfile_pager_loop(void *unused)
{
	(void) unused;
	/* This thread may take pages from the kernel's reserve: it receives
	   the pages paged out. */
	if (thread_wire(memfile.host_priv, mach_thread_self(), 1) != KERN_SUCCESS)
		memfile.st.errors++;
	mach_msg_server(pager_demux, 4096, memfile.pager_set);
	memfile.st.errors++;
}

/* --- the client thread -------------------------------------------------- */

static kern_return_t sync_result;

/* Runs on the client thread, from mf_sync()'s receive. */
kern_return_t serve_memfile_pager_done(mach_port_t done, kern_return_t result)
{
	(void) done;
	sync_result = result;
	return KERN_SUCCESS;
}

/* Ask the pager thread to bring the kernel's pages of [LO, HI) of F in
   line (or to change may_cache), and wait until it has. */
static kern_return_t mf_sync(struct memfile_file *f, vm_offset_t lo, vm_offset_t hi, memfile_sync_t kind)
{
	union {
		mach_msg_header_t h;
		char b[256];
	} in, out;

	lo = TRUNC(lo);
	hi = ROUND(hi);
	if (hi > f->capacity)
		hi = f->capacity;
	if (lo >= hi && (kind == MEMFILE_SYNC_CLEAN || kind == MEMFILE_SYNC_FLUSH))
		return KERN_SUCCESS;
	memfile.st.syncs++;
	kern_return_t kr = memfile_pager_sync(memfile.sync, (int) (f - memfile.files), lo, hi - lo, kind,
					      memfile.wait);
	if (kr != KERN_SUCCESS)
		return kr;
	kr = mach_msg(&in.h, MACH_RCV_MSG, 0, sizeof in, memfile.wait, MACH_MSG_TIMEOUT_NONE, MACH_PORT_NULL);
	if (kr != KERN_SUCCESS)
		return kr;
	sync_result = KERN_FAILURE;
	if (!memfile_pager_server(&in.h, &out.h))
		return KERN_FAILURE;
	return sync_result;
}

static struct memfile_file *create(const char *name, kern_return_t *kr)
{
	struct memfile_file *f = NULL;

	for (int i = 0; i < MEMFILE_MAX_FILES && !f; i++)
		if (!memfile.files[i].used)
			f = &memfile.files[i];
	*kr = KERN_RESOURCE_SHORTAGE;
	if (!f)
		return NULL;
	vm_size_t pages = memfile.capacity / PAGE;
	f->data = guest_alloc(memfile.capacity);
	f->precious = guest_alloc(pages);
	f->evicted = guest_alloc(pages);
	f->stored = guest_alloc(pages);
	f->resident = guest_alloc(pages);
	if (!f->data || !f->precious || !f->evicted || !f->stored || !f->resident)
		return NULL;
	if (!(f->port = new_port(memfile.client_set, 0, kr)) || !(f->object = new_port(memfile.pager_set, 0, kr)))
		return NULL;
	memcpy(f->name, name, sizeof f->name);
	f->capacity = memfile.capacity;
	f->size = 0;
	f->may_cache = 1;
	f->control = f->name_port = MACH_PORT_NULL;
	f->used = 1;
	return f;
}

static kern_return_t mf_truncate(struct memfile_file *f, vm_size_t size)
{
	kern_return_t kr = KERN_SUCCESS;

	if (size > f->capacity)
		return KERN_NO_SPACE;
	/* The kernel's pages from the page of the new end on come back and
	   go (a page written through a mapping beyond the old end, too: the
	   file reads zeros there). */
	if (memfile.mistake != MEMFILE_TRUNCATE_NO_FLUSH)
		kr = mf_sync(f, size < f->size ? size : f->size, size < f->size ? f->size : size, MEMFILE_SYNC_FLUSH);
	if (kr != KERN_SUCCESS)
		return kr;
	if (size < f->size) {
		/* Zeros from the new end on: the rest of its page, and the
		   pages that hold data (holes are zeros already). */
		vm_offset_t end = ROUND(size) < f->size ? ROUND(size) : f->size;
		memset(f->data + size, 0, end - size);
		for (vm_size_t p = ROUND(size) / PAGE; p < ROUND(f->size) / PAGE; p++)
			if (f->stored[p]) {
				memset(f->data + p * PAGE, 0, PAGE);
				f->stored[p] = 0;
			}
	}
	f->size = size;
	return KERN_SUCCESS;
}

kern_return_t memfile_open(mach_port_t server, const char *name, memfile_open_mode_t mode, mach_port_t *file)
{
	struct memfile_file *f = NULL;
	kern_return_t kr;
	int len = 0;

	if (server != memfile.service)
		return KERN_INVALID_ARGUMENT;
	while (len < 64 && name[len])
		len++;
	if (len == 0 || len == 64)
		return KERN_INVALID_ARGUMENT;
	for (int i = 0; i < MEMFILE_MAX_FILES && !f; i++)
		if (memfile.files[i].used && !strcmp(memfile.files[i].name, name))
			f = &memfile.files[i];
	if (!f) {
		if (mode == MEMFILE_OPEN_EXISTING)
			return KERN_INVALID_NAME;
		if (!(f = create(name, &kr)))
			return kr;
	} else if (mode == MEMFILE_OPEN_TRUNCATE && (kr = mf_truncate(f, 0)) != KERN_SUCCESS) {
		return kr;
	}
	*file = f->port;
	return KERN_SUCCESS;
}

kern_return_t memfile_read(mach_port_t file, vm_offset_t offset, vm_size_t size, memfile_data_t data,
			   mach_msg_type_number_t *n)
{
	struct memfile_file *f = by_port(file);
	kern_return_t kr;

	if (!f)
		return KERN_INVALID_NAME;
	vm_size_t len = offset >= f->size ? 0 : f->size - offset;
	if (len > size)
		len = size;
	if (len > *n)
		len = *n;
	/* Dirty and precious pages come back first; the kernel keeps its
	   pages, write-locked (the next write through a mapping asks). */
	if ((kr = mf_sync(f, offset, offset + len, MEMFILE_SYNC_CLEAN)) != KERN_SUCCESS)
		return kr;
	memcpy(data, f->data + offset, len);
	*n = len;
	return KERN_SUCCESS;
}

kern_return_t memfile_write(mach_port_t file, vm_offset_t offset, const memfile_data_t data, mach_msg_type_number_t n)
{
	struct memfile_file *f = by_port(file);
	kern_return_t kr;

	if (!f)
		return KERN_INVALID_NAME;
	if (offset > f->capacity || n > f->capacity - offset)
		return KERN_NO_SPACE;
	/* The kernel's pages of the range go (their dirty parts merged
	   first); when the file grows, those from the old end on too. */
	vm_offset_t lo = offset < f->size ? offset : f->size;
	if ((kr = mf_sync(f, lo, offset + n, MEMFILE_SYNC_FLUSH)) != KERN_SUCCESS)
		return kr;
	memcpy(f->data + offset, data, n);
	for (vm_offset_t at = TRUNC(offset); at < offset + n; at += PAGE)
		f->stored[at / PAGE] = 1;
	if (offset + n > f->size)
		f->size = offset + n;
	return KERN_SUCCESS;
}

kern_return_t memfile_truncate(mach_port_t file, vm_size_t size)
{
	struct memfile_file *f = by_port(file);

	return f ? mf_truncate(f, size) : KERN_INVALID_NAME;
}

kern_return_t memfile_size(mach_port_t file, vm_size_t *size)
{
	struct memfile_file *f = by_port(file);

	if (!f)
		return KERN_INVALID_NAME;
	*size = f->size;
	return KERN_SUCCESS;
}

kern_return_t memfile_object(mach_port_t file, mach_port_t *object)
{
	struct memfile_file *f = by_port(file);

	if (!f)
		return KERN_INVALID_NAME;
	*object = f->object;
	return KERN_SUCCESS;
}

kern_return_t memfile_set_cache(mach_port_t file, memfile_cache_t cache)
{
	struct memfile_file *f = by_port(file);

	if (!f)
		return KERN_INVALID_NAME;
	return mf_sync(f, 0, 0, cache == MEMFILE_CACHE_ON ? MEMFILE_SYNC_CACHE_ON : MEMFILE_SYNC_CACHE_OFF);
}

kern_return_t memfile_report(mach_port_t server)
{
	const struct memfile_stats *s = &memfile.st;
	char line[1024];
	int len;

	if (server != memfile.service)
		return KERN_INVALID_ARGUMENT;
	/* "@@ calls kernel NAME=N ..." and "@@ calls server NAME=N/FAILED ...". */
	for (int side = 0; side < 2; side++) {
		len = guest_snprintf(line, sizeof line, "@@ calls %s", side ? "server" : "kernel");
		for (int c = side ? MF_S_READY : 0; c < (side ? MF_CALLS : MF_S_READY); c++)
			len += guest_snprintf(line + len, sizeof line - len, " %s=%lu", memfile_call_name[c], s->calls[c]);
		guest_printf("%s\n", line);
	}
	unsigned long failed = 0;
	for (int c = 0; c < MF_CALLS; c++)
		failed += s->failed[c];
	guest_printf("@@ pager supplied=%lu precious=%lu unavailable=%lu returned=%lu dirty=%lu evicted=%lu "
		     "back=%lu syncs=%lu syncs-skipped=%lu stale=%lu errors=%lu failed=%lu\n",
		     s->pages_supplied, s->pages_precious, s->pages_unavailable, s->pages_returned,
		     s->pages_returned_dirty, s->pages_evicted, s->pages_back, s->syncs, s->syncs_skipped, s->stale,
		     s->errors, failed);
	return KERN_SUCCESS;
}

mach_msg_return_t memfile_client_loop(void)
{
	return mach_msg_server(memfile_server, 20480, memfile.client_set);
}
