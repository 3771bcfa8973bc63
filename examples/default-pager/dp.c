/* dp.c: the default pager's server functions (memory_object_*), called by migc's server stubs when GNU Mach pages. */

#include <mach/mig_errors.h>
#include <mach/memory_object.h>
#include "guest.h"
#include "mach.h"
#include "mach_port.h"
#include "mach_host.h"
#include "device.h"
#include "dp.h"
#include "memory_objectServer.h"
#include "memory_object_defaultServer.h"

/* Records of the device are this size; a page is stored in whole records. */
#define DP_RECORD 512
/* Memory objects the kernel may hand over at once. */
#define DP_MAX_OBJECTS 512
/* Room for the largest request: a data_return's header and descriptors
   (its data arrives out of line). */
#define DP_MSG_SIZE 4096

/* One memory object the kernel created: its ports, and the device slot of
   each of its pages (0: never stored; slot + 1 otherwise). */
struct dp_object {
	mach_port_t port, control, name;
	unsigned long npages;
	unsigned *slot;
	int used;
};

/* The pager: its device, its slots, its objects. */
struct dp {
	mach_port_t device, set, manager, host_priv;
	unsigned long page;		/* the kernel's page size, from memory_object_create */
	unsigned long nslots, nfree, inuse;
	unsigned *free;			/* a stack of free slot numbers */
	unsigned long device_size;
	struct dp_object obj[DP_MAX_OBJECTS];
};

static struct dp dp;
struct dp_stats dp_stats;

static void dp_log(const char *what, unsigned long a, unsigned long b)
{
	guest_printf("@@ diag pager: %s 0x%lx 0x%lx\n", what, a, b);
}

/* A console line every DP_PROGRESS pages, so that a stuck run shows where. */
#define DP_PROGRESS 2048

static void dp_progress(void)
{
	guest_printf("@@ diag pager: %lu pages out, %lu in, %lu stored, %lu objects\n",
		     dp_stats.paged_out, dp_stats.paged_in, dp.inuse,
		     dp_stats.created - dp_stats.terminated);
}

/* Memory the pager keeps (page tables, message buffers): wired, so that
   the pager never faults on a page only it could bring back. */
static void *dp_alloc(size_t size)
{
	void *p = guest_alloc(size);
	kern_return_t kr;
	if (p && (kr = vm_wire(dp.host_priv, mach_task_self(), (vm_address_t) p, size,
			       VM_PROT_READ | VM_PROT_WRITE)) != KERN_SUCCESS)
		dp_log("vm_wire of the pager's own memory failed", (unsigned long) kr, size);
	return p;
}

const char *dp_init(mach_port_t host_priv, mach_port_t master, const char *device_name,
		    unsigned long size, mach_port_t *manager, mach_port_t *set, kern_return_t *kr)
{
	mach_port_t task = mach_task_self();

	dp.host_priv = host_priv;
	dp.device_size = size;
	*kr = device_open(master, D_READ | D_WRITE, (char *) device_name, &dp.device);
	if (*kr != D_SUCCESS)
		return "device_open";
	*kr = mach_port_allocate(task, MACH_PORT_RIGHT_PORT_SET, &dp.set);
	if (*kr != KERN_SUCCESS)
		return "mach_port_allocate(PORT_SET)";
	*kr = mach_port_allocate(task, MACH_PORT_RIGHT_RECEIVE, &dp.manager);
	if (*kr == KERN_SUCCESS)
		*kr = mach_port_move_member(task, dp.manager, dp.set);
	if (*kr != KERN_SUCCESS)
		return "the default-manager port";
	*manager = dp.manager;
	*set = dp.set;
	return NULL;
}

/* The page size is the kernel's: known at the first memory_object_create. */
static int dp_slots_ready(unsigned long page)
{
	if (dp.free)
		return page == dp.page;
	dp.page = page;
	dp.nslots = dp.device_size / page;
	dp.free = dp_alloc(dp.nslots * sizeof *dp.free);
	if (!dp.free)
		return 0;
	for (unsigned long i = 0; i < dp.nslots; i++)
		dp.free[i] = (unsigned) (dp.nslots - 1 - i);
	dp.nfree = dp.nslots;
	return 1;
}

static struct dp_object *dp_lookup(mach_port_t port)
{
	for (int i = 0; i < DP_MAX_OBJECTS; i++)
		if (dp.obj[i].used && dp.obj[i].port == port)
			return &dp.obj[i];
	return NULL;
}

/* Each request but memory_object_create brings one more send right to
   the control port: drop it, keeping the one create gave. */
static void dp_drop_control(mach_port_t control)
{
	mach_port_deallocate(mach_task_self(), control);
}

kern_return_t memory_object_create(mach_port_t old_memory_object, mach_port_t new_memory_object,
				   vm_size_t new_object_size, mach_port_t new_control_port,
				   mach_port_t new_name, vm_size_t new_page_size)
{
	struct dp_object *o = NULL;
	(void) old_memory_object;
	dp_stats.created++;
	if (dp_stats.created <= 4)
		dp_log("memory_object_create: object, size", new_memory_object, new_object_size);
	for (int i = 0; i < DP_MAX_OBJECTS && !o; i++)
		if (!dp.obj[i].used)
			o = &dp.obj[i];
	if (!o || !dp_slots_ready(new_page_size)) {
		/* Nothing to answer with: the kernel expects no reply.  Its
		   data_request calls will get data_error. */
		dp_stats.errors++;
		dp_log("cannot take object (table full or page size)", new_memory_object, new_page_size);
	} else {
		o->npages = (new_object_size + new_page_size - 1) / new_page_size;
		o->slot = dp_alloc(o->npages * sizeof *o->slot);
		if (!o->slot) {
			dp_stats.errors++;
			dp_log("no memory for the page table of object of size", new_memory_object,
			       new_object_size);
		}
		o->port = new_memory_object;
		o->control = new_control_port;
		o->name = new_name;
		o->used = 1;
	}
	mach_port_move_member(mach_task_self(), new_memory_object, dp.set);
	return KERN_SUCCESS;
}

/* Stores the pages of DATA (COUNT bytes) at OFFSET of object O. */
static void dp_store(struct dp_object *o, vm_offset_t offset, vm_offset_t data,
		     mach_msg_type_number_t count, int initialize)
{
	for (vm_offset_t at = 0; at + dp.page <= count; at += dp.page) {
		unsigned long idx = (offset + at) / dp.page;
		int written = 0;
		kern_return_t kr;
		if (!o->slot || idx >= o->npages) {
			dp_stats.errors++;
			dp_log("page-out outside the object", o->port, offset + at);
			continue;
		}
		if (o->slot[idx] && initialize)
			dp_stats.initialize_over++;
		if (!o->slot[idx]) {
			if (dp.nfree == 0) {
				dp_stats.full++;
				dp_log("device full: page lost", o->port, offset + at);
				continue;
			}
			o->slot[idx] = dp.free[--dp.nfree] + 1;
			if (++dp.inuse > dp_stats.slots_peak)
				dp_stats.slots_peak = dp.inuse;
		}
		if (dp_stats.paged_out < 2)
			dp_log(initialize ? "data_initialize: offset, count" : "data_return: offset, count",
			       offset + at, count);
		kr = device_write(dp.device, D_WRITE,
				  (recnum_t) ((o->slot[idx] - 1) * (dp.page / DP_RECORD)),
				  (io_buf_ptr_t) (data + at), (mach_msg_type_number_t) dp.page, &written);
		if (kr != D_SUCCESS || (unsigned long) written != dp.page) {
			dp_stats.errors++;
			dp_log("device_write failed", (unsigned long) kr, offset + at);
			continue;
		}
		if (++dp_stats.paged_out % DP_PROGRESS == 0)
			dp_progress();
	}
	vm_deallocate(mach_task_self(), data, count);
}

kern_return_t memory_object_data_initialize(mach_port_t memory_object, mach_port_t memory_control_port,
					    vm_offset_t offset, vm_offset_t data,
					    mach_msg_type_number_t dataCnt)
{
	struct dp_object *o = dp_lookup(memory_object);
	dp_stats.initializes++;
	/* The manual says data already stored wins; the kernel only sends
	   this for pages it never gave us, which initialize_over counts. */
	if (o)
		dp_store(o, offset, data, dataCnt, 1);
	else
		vm_deallocate(mach_task_self(), data, dataCnt);
	dp_drop_control(memory_control_port);
	return KERN_SUCCESS;
}

kern_return_t memory_object_data_return(mach_port_t memory_object, mach_port_t memory_control,
					vm_offset_t offset, vm_offset_t data,
					mach_msg_type_number_t dataCnt, boolean_t dirty,
					boolean_t kernel_copy)
{
	struct dp_object *o = dp_lookup(memory_object);
	dp_stats.returns++;
	(void) dirty;
	(void) kernel_copy;
	if (o)
		dp_store(o, offset, data, dataCnt, 0);
	else {
		dp_stats.errors++;
		dp_log("data_return for an unknown object", memory_object, offset);
		vm_deallocate(mach_task_self(), data, dataCnt);
	}
	dp_drop_control(memory_control);
	return KERN_SUCCESS;
}

kern_return_t memory_object_data_request(mach_port_t memory_object, mach_port_t memory_control,
					 vm_offset_t offset, vm_size_t length, vm_prot_t desired_access)
{
	struct dp_object *o = dp_lookup(memory_object);
	dp_stats.requests++;
	(void) desired_access;
	for (vm_offset_t at = 0; at < length; at += dp.page) {
		unsigned long idx = (offset + at) / dp.page;
		io_buf_ptr_t data = 0;
		mach_msg_type_number_t cnt = 0;
		kern_return_t kr;
		if (!o || !o->slot || idx >= o->npages) {
			dp_stats.errors++;
			dp_log("data_request outside any object", memory_object, offset + at);
			memory_object_data_error(memory_control, offset + at, dp.page, KERN_INVALID_ARGUMENT);
			continue;
		}
		if (!o->slot[idx]) {
			/* Never written: the kernel zero-fills it. */
			dp_stats.zero_filled++;
			memory_object_data_unavailable(memory_control, offset + at, dp.page);
			continue;
		}
		if (dp_stats.paged_in < 2)
			dp_log("data_request: offset, length", offset + at, length);
		kr = device_read(dp.device, D_READ, (recnum_t) ((o->slot[idx] - 1) * (dp.page / DP_RECORD)),
				 (int) dp.page, &data, &cnt);
		if (kr != D_SUCCESS || cnt != dp.page) {
			dp_stats.errors++;
			dp_log("device_read failed", (unsigned long) kr, offset + at);
			memory_object_data_error(memory_control, offset + at, dp.page,
						 kr != D_SUCCESS ? kr : KERN_FAILURE);
			continue;
		}
		kr = memory_object_data_supply(memory_control, offset + at, (vm_offset_t) data, cnt, 1,
					       VM_PROT_NONE, 0, MACH_PORT_NULL);
		if (kr != KERN_SUCCESS) {
			dp_stats.errors++;
			dp_log("memory_object_data_supply failed", (unsigned long) kr, offset + at);
			continue;
		}
		if (++dp_stats.paged_in % DP_PROGRESS == 0)
			dp_progress();
	}
	dp_drop_control(memory_control);
	return KERN_SUCCESS;
}

kern_return_t memory_object_terminate(mach_port_t memory_object, mach_port_t memory_control,
				      mach_port_t memory_object_name)
{
	struct dp_object *o = dp_lookup(memory_object);
	mach_port_t task = mach_task_self();
	dp_stats.terminated++;
	if (o) {
		for (unsigned long i = 0; o->slot && i < o->npages; i++)
			if (o->slot[i]) {
				dp.free[dp.nfree++] = o->slot[i] - 1;
				dp.inuse--;
			}
		if (o->slot)
			guest_free(o->slot, o->npages * sizeof *o->slot);
		o->slot = NULL;
		o->used = 0;
	}
	/* The kernel gave back every right: the object's, the control's and
	   the name's receive rights go, and with them our send rights. */
	mach_port_destroy(task, memory_control);
	mach_port_destroy(task, memory_object_name);
	mach_port_destroy(task, memory_object);
	return KERN_SUCCESS;
}

/* Requests a default pager does not expect from GNU Mach for the objects
   it created; each is answered as the interface wants and logged. */
kern_return_t memory_object_init(mach_port_t memory_object, mach_port_t memory_control,
				 mach_port_t memory_object_name, vm_size_t memory_object_page_size)
{
	dp_stats.other++;
	dp_log("memory_object_init", memory_object, memory_object_page_size);
	(void) memory_object_name;
	return memory_object_ready(memory_control, 1, MEMORY_OBJECT_COPY_DELAY);
}

kern_return_t memory_object_copy(mach_port_t old_memory_object, mach_port_t old_memory_control,
				 vm_offset_t offset, vm_size_t length, mach_port_t new_memory_object)
{
	dp_stats.other++;
	dp_log("memory_object_copy (not supported; new object destroyed)", old_memory_object, length);
	(void) offset;
	dp_drop_control(old_memory_control);
	mach_port_destroy(mach_task_self(), new_memory_object);
	return KERN_SUCCESS;
}

kern_return_t memory_object_data_unlock(mach_port_t memory_object, mach_port_t memory_control,
					vm_offset_t offset, vm_size_t length, vm_prot_t desired_access)
{
	dp_stats.other++;
	dp_log("memory_object_data_unlock (pages are never locked here)", memory_object, offset);
	(void) desired_access;
	memory_object_lock_request(memory_control, offset, length, MEMORY_OBJECT_RETURN_NONE, 0,
				   VM_PROT_NONE, MACH_PORT_NULL);
	dp_drop_control(memory_control);
	return KERN_SUCCESS;
}

kern_return_t memory_object_lock_completed(mach_port_t memory_object, mach_port_t memory_control,
					   vm_offset_t offset, vm_size_t length)
{
	dp_stats.other++;
	dp_log("memory_object_lock_completed", memory_object, offset);
	(void) length;
	dp_drop_control(memory_control);
	return KERN_SUCCESS;
}

kern_return_t memory_object_supply_completed(mach_port_t memory_object, mach_port_t memory_control,
					     vm_offset_t offset, vm_size_t length, kern_return_t result,
					     vm_offset_t error_offset)
{
	dp_stats.other++;
	dp_log("memory_object_supply_completed", (unsigned long) result, error_offset);
	(void) memory_object;
	(void) offset;
	(void) length;
	dp_drop_control(memory_control);
	return KERN_SUCCESS;
}

kern_return_t memory_object_change_completed(mach_port_t memory_object, boolean_t may_cache,
					     memory_object_copy_strategy_t copy_strategy)
{
	dp_stats.other++;
	dp_log("memory_object_change_completed", memory_object, (unsigned long) copy_strategy);
	(void) may_cache;
	return KERN_SUCCESS;
}

mach_msg_return_t dp_serve(boolean_t (*extra)(mach_msg_header_t *, mach_msg_header_t *),
			   volatile int *done)
{
	mach_msg_header_t *in = dp_alloc(DP_MSG_SIZE);
	mig_reply_header_t *out = dp_alloc(DP_MSG_SIZE);
	mach_msg_return_t r = KERN_RESOURCE_SHORTAGE;

	while (in && out && !*done) {
		r = mach_msg(in, MACH_RCV_MSG, 0, DP_MSG_SIZE, dp.set, MACH_MSG_TIMEOUT_NONE,
			     MACH_PORT_NULL);
		if (r != MACH_MSG_SUCCESS) {
			dp_log("receive failed", (unsigned long) r, 0);
			break;
		}
		if (!memory_object_default_server(in, &out->Head) &&
		    !memory_object_server(in, &out->Head) && !(extra && extra(in, &out->Head))) {
			dp_stats.unhandled++;
			guest_printf("@@ diag pager: unhandled message id %d on port 0x%lx\n",
				     (int) in->msgh_id, (unsigned long) in->msgh_local_port);
		}
		/* Every routine here is a simpleroutine; a request of another
		   interface that wants a reply gets MIG_BAD_ID. */
		if (out->RetCode == MIG_NO_REPLY || out->Head.msgh_remote_port == MACH_PORT_NULL)
			continue;
		mach_msg(&out->Head, MACH_SEND_MSG, out->Head.msgh_size, 0, MACH_PORT_NULL,
			 MACH_MSG_TIMEOUT_NONE, MACH_PORT_NULL);
	}
	return r;
}
