/* t_gnumach.c: checks of gnumach.defs and mach4.defs (GNU Mach's own additions). */

#include "check.h"
#include "mach.h"
#include "mach_port.h"
#include "mach_host.h"
#include "gnumach.h"
#include "mach4.h"
#include "device.h"
#include <device/device_types.h>
#include <mach/time_value.h>
#include <mach/vm_cache_statistics.h>
#include <mach/vm_statistics.h>
#include <mach/vm_wire.h>
#include <mach/vm_sync.h>
#include <mach/vm_prot.h>
#include <mach/vm_inherit.h>
#include <mach/thread_switch.h>
#include <mach/thread_info.h>

/* gsync flags (GNU Mach's kern/gsync.h; not in the installed headers). */
#define T_GSYNC_TIMED 0x04
#define T_GSYNC_BROADCAST 0x08

static const vm_size_t pg = 4096;

static int thread_count(struct t_ctx *c)
{
	thread_array_t l = 0;
	mach_msg_type_number_t n = 0;

	if (task_threads(c->task, &l, &n) != KERN_SUCCESS)
		return -1;
	for (mach_msg_type_number_t i = 0; i < n; i++)
		mach_port_deallocate(c->task, l[i]);
	vm_deallocate(c->task, (vm_address_t)l, n * sizeof *l);
	return (int)n;
}

static void names(struct t_ctx *c)
{
	mach_port_t raw = MACH_PORT_NULL;
	thread_create(c->task, &raw);
	T_KR(c, "thread_set_name", thread_set_name(raw, "migc-raw"), KERN_SUCCESS, "\"migc-raw\"");
	kernel_debug_name_t nm;
	memset(nm, 0, sizeof nm);
	T_KR(c, "thread_get_name", thread_get_name(raw, nm), KERN_SUCCESS, "of that thread");
	t_ok(c, "thread_set_name", !strcmp(nm, "migc-raw"), "read back through thread_get_name (\"%s\")", nm);
	T_KR(c, "thread_get_name", thread_get_name(c->task, nm), KERN_INVALID_ARGUMENT, "of a task port");
	thread_terminate(raw);
	mach_port_destroy(c->task, raw);

	/* task_set_name is a simpleroutine and no call reads a task's name
	   back: only that the kernel took the message is checked. */
	T_KR(c, "task_set_name", task_set_name(c->task, "migc-guest"), MACH_MSG_SUCCESS,
	     "of this task (message accepted; nothing reads it back)");
	mach_port_t child = MACH_PORT_NULL;
	task_create(c->task, 0, &child);
	task_terminate(child);
	T_KR(c, "task_set_name", task_set_name(child, "gone"), MACH_SEND_INVALID_DEST, "of a terminated task");
	T_KR(c, "task_set_essential", task_set_essential(c->task, 0), MACH_MSG_SUCCESS,
	     "FALSE on this task (message accepted; TRUE would make our end a panic)");
	T_KR(c, "task_set_essential", task_set_essential(child, 0), MACH_SEND_INVALID_DEST,
	     "on a terminated task");
	mach_port_destroy(c->task, child);
}

static void new_task_notification(struct t_ctx *c)
{
	mach_port_t n = t_new_receive(c);
	union { mach_msg_header_t h; char b[512]; } m;

	T_KR(c, "register_new_task_notification",
	     register_new_task_notification(c->host, n, MACH_MSG_TYPE_MAKE_SEND), KERN_INVALID_HOST,
	     "through the unprivileged host port");
	T_KR(c, "register_new_task_notification",
	     register_new_task_notification(c->host_priv, n, MACH_MSG_TYPE_MAKE_SEND), KERN_SUCCESS,
	     "through host-priv");
	mach_port_t child = MACH_PORT_NULL;
	task_create(c->task, 0, &child);
	T_KR(c, "register_new_task_notification", t_receive(n, 2000, &m, sizeof m), MACH_MSG_SUCCESS,
	     "a message after task_create");
	t_eq(c, "register_new_task_notification", m.h.msgh_id, 4400,
	     "it is mach_notify_new_task (task_notify.defs, 4400)");
	T_KR(c, "register_new_task_notification",
	     register_new_task_notification(c->host_priv, n, MACH_MSG_TYPE_MAKE_SEND), KERN_NO_ACCESS,
	     "a second time");
	task_terminate(child);
	mach_port_destroy(c->task, child);
	/* The kernel keeps its send right and goes on sending a message with
	   a send right to every new task: undrained, they would keep every
	   later task's port alive (the group leak counts ports).  With the
	   port gone, the kernel's sends to it fail and drop their rights. */
	mach_port_destroy(c->task, n);
}

static void cache_and_limits(struct t_ctx *c)
{
	vm_cache_statistics_data_t cs;
	T_KR(c, "vm_cache_statistics", vm_cache_statistics(c->task, &cs), KERN_SUCCESS, "of this task");
	/* GNU Mach fills in only the two counts of cached external objects
	   (the others read zero, "not implemented yet"); nothing in this
	   system uses an external pager, so both are zero too. */
	t_ok(c, "vm_cache_statistics", cs.cache_object_count == 0 && cs.cache_count == 0,
	     "no cached external objects (%d objects, %d pages)", (int)cs.cache_object_count,
	     (int)cs.cache_count);
	vm_address_t a = 0;
	vm_allocate(c->task, &a, 32 * pg, 1);
	for (int i = 0; i < 32; i++)
		((volatile char *)a)[i * pg] = 1;
	T_KR(c, "vm_cache_statistics", vm_cache_statistics(c->host, &cs), KERN_INVALID_ARGUMENT,
	     "of the host port");

	/* Anonymous memory has no pager to write back to: refused, whatever
	   the flags. */
	T_KR(c, "vm_msync", vm_msync(c->task, a, 32 * pg, VM_SYNC_SYNCHRONOUS), KERN_INVALID_ARGUMENT,
	     "anonymous memory, synchronously (no pager)");
	T_KR(c, "vm_msync", vm_msync(c->task, a, 32 * pg, VM_SYNC_ASYNCHRONOUS), KERN_INVALID_ARGUMENT,
	     "anonymous memory, asynchronously (no pager)");
	t_ok(c, "vm_msync", ((volatile char *)a)[31 * pg] == 1, "the memory is unchanged");

	/* vm_object_sync on the object behind our memory, named by vm_region. */
	vm_address_t ra = a;
	vm_size_t rs;
	vm_prot_t pr, mp;
	vm_inherit_t in;
	boolean_t sh;
	mach_port_t obj = MACH_PORT_NULL;
	vm_offset_t off;
	vm_region(c->task, &ra, &rs, &pr, &mp, &in, &sh, &obj, &off);
	t_ok(c, "vm_object_sync", obj != MACH_PORT_NULL, "vm_region names the memory's object (%u)",
	     (unsigned)obj);
	T_KR(c, "vm_object_sync", vm_object_sync(obj, off, 32 * pg, 0, 0, 0), KERN_SUCCESS,
	     "that object, nothing flushed");
	t_ok(c, "vm_object_sync", ((volatile char *)a)[0] == 1, "the memory is unchanged");
	T_KR(c, "vm_object_sync", vm_object_sync(c->task, 0, pg, 0, 0, 0), KERN_INVALID_ARGUMENT,
	     "a task port as object");
	if (obj != MACH_PORT_NULL)
		mach_port_deallocate(c->task, obj);

	/* vm_wire_all: everything now mapped, wired then unwired. */
	vm_statistics_data_t v0, v1;
	vm_statistics(c->task, &v0);
	T_KR(c, "vm_wire_all", vm_wire_all(c->host_priv, c->task, VM_WIRE_CURRENT), KERN_SUCCESS,
	     "VM_WIRE_CURRENT");
	vm_statistics(c->task, &v1);
	t_ok(c, "vm_wire_all", v1.wire_count >= v0.wire_count + 32,
	     "vm_statistics: wired pages %d then %d", (int)v0.wire_count, (int)v1.wire_count);
	T_KR(c, "vm_wire_all", vm_wire_all(c->host_priv, c->task, VM_WIRE_NONE), KERN_SUCCESS, "VM_WIRE_NONE");
	vm_statistics(c->task, &v1);
	t_ok(c, "vm_wire_all", v1.wire_count < v0.wire_count + 32, "vm_statistics: wired pages back to %d",
	     (int)v1.wire_count);
	T_KR(c, "vm_wire_all", vm_wire_all(c->host_priv, c->task, 0x40), KERN_INVALID_ARGUMENT, "flags 0x40");
	vm_deallocate(c->task, a, 32 * pg);

	/* Size limits, on a child task. */
	mach_port_t child = MACH_PORT_NULL;
	task_create(c->task, 0, &child);
	vm_size_t cur = 0, max = 0;
	T_KR(c, "vm_get_size_limit", vm_get_size_limit(child, &cur, &max), KERN_SUCCESS, "of a child");
	t_ok(c, "vm_get_size_limit", cur > 0 && max >= cur, "current %lx, maximum %lx",
	     (unsigned long)cur, (unsigned long)max);
	T_KR(c, "vm_set_size_limit", vm_set_size_limit(c->host, child, 64 * pg, 128 * pg), KERN_SUCCESS,
	     "lower them, through the unprivileged host port");
	vm_size_t cur2 = 0, max2 = 0;
	vm_get_size_limit(child, &cur2, &max2);
	t_ok(c, "vm_set_size_limit", cur2 == 64 * pg && max2 == 128 * pg,
	     "read back through vm_get_size_limit (%lx, %lx)", (unsigned long)cur2, (unsigned long)max2);
	vm_address_t big = 0;
	T_KR(c, "vm_set_size_limit", vm_allocate(child, &big, 65 * pg, 1), KERN_NO_SPACE,
	     "vm_allocate above the limit in the child");
	big = 0;
	T_KR(c, "vm_set_size_limit", vm_allocate(child, &big, 63 * pg, 1), KERN_SUCCESS,
	     "vm_allocate below it");
	T_KR(c, "vm_set_size_limit", vm_set_size_limit(c->host, child, 256 * pg, 256 * pg), KERN_NO_ACCESS,
	     "raising the maximum without host-priv");
	T_KR(c, "vm_set_size_limit", vm_set_size_limit(c->host_priv, child, 256 * pg, 128 * pg),
	     KERN_INVALID_ARGUMENT, "current above maximum");
	T_KR(c, "vm_set_size_limit", vm_set_size_limit(c->host_priv, child, 256 * pg, 256 * pg),
	     KERN_SUCCESS, "raising the maximum with host-priv");
	task_terminate(child);
	mach_port_destroy(c->task, child);
}

static void physical(struct t_ctx *c)
{
	vm_address_t va = 0;
	rpc_phys_addr_t pa = 0;

	/* (pmax 0 trips an assertion in both kernels: a panic, not tried;
	   pmin 1 MiB or an alignment of 16 KiB are refused with
	   KERN_INVALID_ARGUMENT.) */
	T_KR(c, "vm_allocate_contiguous",
	     vm_allocate_contiguous(c->host_priv, c->task, &va, &pa, 4 * pg, 0, 0x1000000, 0),
	     KERN_SUCCESS, "four pages below 16 MiB");
	t_ok(c, "vm_allocate_contiguous", va && pa && pa + 4 * pg <= 0x1000000,
	     "at physical %llx", (unsigned long long)pa);
	rpc_phys_addr_array_t pages = 0;
	mach_msg_type_number_t np = 0;
	T_KR(c, "vm_pages_phys", vm_pages_phys(c->host_priv, c->task, va, 4 * pg, &pages, &np),
	     KERN_SUCCESS, "of that memory");
	int contiguous = np == 4 && pages;
	for (mach_msg_type_number_t i = 0; contiguous && i < np; i++)
		contiguous = pages[i] == pa + i * pg;
	t_ok(c, "vm_pages_phys", contiguous, "four pages at the physical address vm_allocate_contiguous gave");
	t_ok(c, "vm_allocate_contiguous", contiguous, "vm_pages_phys confirms the four pages are contiguous");
	if (pages)
		vm_deallocate(c->task, (vm_address_t)pages, np * sizeof *pages);
	T_KR(c, "vm_pages_phys", vm_pages_phys(c->host, c->task, va, pg, &pages, &np), KERN_INVALID_HOST,
	     "through the unprivileged host port");
	vm_address_t va2 = 0;
	T_KR(c, "vm_allocate_contiguous",
	     vm_allocate_contiguous(c->host, c->task, &va2, &pa, pg, 0, 0, 0), KERN_INVALID_HOST,
	     "through the unprivileged host port");
	vm_deallocate(c->task, va, 4 * pg);
}

/* gsync: a thread waits on a word, the main thread wakes it. */
struct gs { struct t_ctx *c; volatile unsigned word; volatile int phase; kern_return_t kr; };

static void gs_waiter(void *arg)
{
	struct gs *g = arg;

	g->phase = 1;
	g->kr = gsync_wait(g->c->task, (vm_address_t)&g->word, 0, 0, 0, 0);
	g->phase = 2;
}

/* Wait (up to a second) until thread TH is blocked in the kernel. */
static int blocked(mach_port_t th)
{
	for (int i = 0; i < 100; i++) {
		struct thread_basic_info bi;
		mach_msg_type_number_t n = THREAD_BASIC_INFO_COUNT;
		if (thread_info(th, THREAD_BASIC_INFO, (thread_info_t)&bi, &n) == KERN_SUCCESS &&
		    bi.run_state == TH_STATE_WAITING)
			return 1;
		thread_switch(MACH_PORT_NULL, SWITCH_OPTION_WAIT, 10);
	}
	return 0;
}

static void gsync(struct t_ctx *c)
{
	static struct gs g;
	g.c = c;
	g.word = 0;
	g.phase = 0;

	T_KR(c, "gsync_wait", gsync_wait(c->task, (vm_address_t)&g.word, 1, 0, 0, 0), KERN_INVALID_ARGUMENT,
	     "the word is not the value given");
	T_KR(c, "gsync_wait", gsync_wait(c->task, (vm_address_t)&g.word, 0, 0, 50, T_GSYNC_TIMED),
	     KERN_TIMEDOUT, "50 ms timed, nobody wakes");
	T_KR(c, "gsync_wake", gsync_wake(c->task, (vm_address_t)&g.word, 0, 0), KERN_SUCCESS, "nobody waiting");

	mach_port_t th;
	guest_thread_start(gs_waiter, &g, 16384, &th);
	int was_blocked = blocked(th);
	t_ok(c, "gsync_wait", was_blocked && g.phase == 1, "a second thread is blocked in gsync_wait");
	T_KR(c, "gsync_wake", gsync_wake(c->task, (vm_address_t)&g.word, 0, 0), KERN_SUCCESS, "the waiter");
	for (int i = 0; i < 100 && g.phase < 2; i++)
		thread_switch(MACH_PORT_NULL, SWITCH_OPTION_WAIT, 10);
	t_eq(c, "gsync_wake", g.phase, 2, "the waiter returned");
	t_kr(c, "gsync_wait", g.kr, KERN_SUCCESS, "KERN_SUCCESS", "the woken wait");

	/* Requeue: a waiter on one word moved to another, woken there. */
	static struct gs g2;
	static volatile unsigned other;
	g2.c = c;
	g2.word = 0;
	g2.phase = 0;
	guest_thread_start(gs_waiter, &g2, 16384, &th);
	t_ok(c, "gsync_requeue", blocked(th) && g2.phase == 1, "a waiter is blocked on the first word");
	T_KR(c, "gsync_requeue", gsync_requeue(c->task, (vm_address_t)&g2.word, (vm_address_t)&other, 0, 0),
	     KERN_SUCCESS, "the waiter to another word");
	gsync_wake(c->task, (vm_address_t)&g2.word, 0, 0);
	thread_switch(MACH_PORT_NULL, SWITCH_OPTION_WAIT, 50);
	t_eq(c, "gsync_requeue", g2.phase, 1, "a wake on the old word does not reach it");
	gsync_wake(c->task, (vm_address_t)&other, 0, T_GSYNC_BROADCAST);
	for (int i = 0; i < 100 && g2.phase < 2; i++)
		thread_switch(MACH_PORT_NULL, SWITCH_OPTION_WAIT, 10);
	t_eq(c, "gsync_requeue", g2.phase, 2, "a wake on the new word does");
	T_KR(c, "gsync_wait", gsync_wait(c->task, 0, 0, 0, 10, T_GSYNC_TIMED), KERN_INVALID_ADDRESS,
	     "at address 0");
}

/* thread_terminate_release: a thread ends itself and frees its stack. */
struct ttr { struct t_ctx *c; vm_address_t stack; vm_size_t size; mach_port_t name; };

static void ttr_thread(void *arg)
{
	struct ttr *t = arg;

	guest_thread_stack(&t->stack, &t->size);
	t->name = mach_thread_self();
	thread_terminate_release(t->name, t->c->task, t->name, MACH_PORT_NULL, t->stack, t->size);
	for (;;)
		;
}

static void terminate_release(struct t_ctx *c)
{
	static struct ttr t;
	t.c = c;
	t.stack = 0;
	int before = thread_count(c);
	mach_port_t th;
	guest_thread_start(ttr_thread, &t, 16 * pg, &th);
	for (int i = 0; i < 100 && thread_count(c) > before; i++)
		thread_switch(MACH_PORT_NULL, SWITCH_OPTION_WAIT, 10);
	t_eq(c, "thread_terminate_release", (unsigned)thread_count(c), (unsigned)before,
	     "the thread is gone (task_threads)");
	vm_address_t a = t.stack;
	vm_size_t s;
	vm_prot_t p, m;
	vm_inherit_t i;
	boolean_t sh;
	mach_port_t o;
	vm_offset_t off;
	kern_return_t kr = vm_region(c->task, &a, &s, &p, &m, &i, &sh, &o, &off);
	t_ok(c, "thread_terminate_release", t.stack && (kr != KERN_SUCCESS || a >= t.stack + t.size),
	     "its stack (%lx+%lx) is unmapped (vm_region)", (unsigned long)t.stack, (unsigned long)t.size);
	mach_port_deallocate(c->task, th);	/* not destroy: the runtime holds a reference too */
}

/* Proxies need memory with a pager: anonymous memory gets one only from
   a default pager (there is none, so the kernel would wait forever), but
   the "time" device's mapping has the device pager. */
static void proxies(struct t_ctx *c)
{
	mach_port_t t = MACH_PORT_NULL, pager = MACH_PORT_NULL;
	vm_address_t a = 0;

	device_open(c->device_master, D_READ, "time", &t);
	device_map(t, VM_PROT_READ, 0, pg, &pager, 0);
	vm_map(c->task, &a, pg, 0, 1, pager, 0, 0, VM_PROT_READ, VM_PROT_READ, VM_INHERIT_NONE);
	t_ok(c, "vm_region_create_proxy", a != 0, "the \"time\" page is mapped (device_map, vm_map)");
	if (!a)
		return;
	volatile mapped_time_value_t *mt = (volatile mapped_time_value_t *)a;

	mach_port_t proxy = MACH_PORT_NULL;
	T_KR(c, "vm_region_create_proxy", vm_region_create_proxy(c->task, a, VM_PROT_READ, pg, &proxy),
	     KERN_SUCCESS, "read-only proxy of the mapped \"time\" page");
	vm_address_t b = 0;
	T_KR(c, "vm_region_create_proxy", vm_map(c->task, &b, pg, 0, 1, proxy, 0, 0, VM_PROT_READ,
						 VM_PROT_READ, VM_INHERIT_NONE),
	     KERN_SUCCESS, "vm_map of the proxy");
	volatile mapped_time_value_t *mt2 = (volatile mapped_time_value_t *)b;
	t_ok(c, "vm_region_create_proxy", b && b != a && mt2->seconds == mt->seconds && mt2->seconds > 0,
	     "the new mapping shows the same clock (%ld)", b ? (long)mt2->seconds : 0L);
	/* Asked for more, vm_map grants the proxy's maximum, read only. */
	vm_address_t b2 = 0;
	T_KR(c, "vm_region_create_proxy", vm_map(c->task, &b2, pg, 0, 1, proxy, 0, 0,
						 VM_PROT_READ | VM_PROT_WRITE, VM_PROT_ALL, VM_INHERIT_NONE),
	     KERN_SUCCESS, "vm_map of the read-only proxy asking for writing");
	vm_address_t ra = b2;
	vm_size_t rs;
	vm_prot_t pr = 0, mp = 0;
	vm_inherit_t in;
	boolean_t sh;
	mach_port_t on;
	vm_offset_t of;
	vm_region(c->task, &ra, &rs, &pr, &mp, &in, &sh, &on, &of);
	t_ok(c, "vm_region_create_proxy", ra == b2 && pr == VM_PROT_READ && mp == VM_PROT_READ,
	     "vm_region: protection and maximum cut to read (%d, %d)", (int)pr, (int)mp);
	if (b2)
		vm_deallocate(c->task, b2, pg);
	mach_port_t px2;
	T_KR(c, "vm_region_create_proxy", vm_region_create_proxy(c->host, a, VM_PROT_READ, pg, &px2),
	     KERN_INVALID_ARGUMENT, "through the host port as task");

	mach_port_t objs[1] = { pager };
	rpc_vm_offset_t offs[1] = { 0 }, starts[1] = { 0 };
	rpc_vm_size_t lens[1] = { pg };
	mach_port_t p2 = MACH_PORT_NULL;
	T_KR(c, "memory_object_create_proxy",
	     memory_object_create_proxy(c->task, VM_PROT_READ, objs, MACH_MSG_TYPE_COPY_SEND, 1, offs, 1,
					starts, 1, lens, 1, &p2),
	     KERN_SUCCESS, "of the \"time\" device's pager");
	vm_address_t d = 0;
	kern_return_t kr = vm_map(c->task, &d, pg, 0, 1, p2, 0, 0, VM_PROT_READ, VM_PROT_READ, VM_INHERIT_NONE);
	volatile mapped_time_value_t *mt3 = (volatile mapped_time_value_t *)d;
	t_ok(c, "memory_object_create_proxy", kr == KERN_SUCCESS && mt3->seconds == mt->seconds,
	     "vm_map of it shows the same clock (kr %d)", kr);
	T_KR(c, "memory_object_create_proxy",
	     memory_object_create_proxy(c->task, VM_PROT_READ, objs, MACH_MSG_TYPE_COPY_SEND, 1, offs, 1,
					starts, 1, lens, 0, &p2),
	     KERN_INVALID_ARGUMENT, "arrays of different lengths");
	vm_deallocate(c->task, a, pg);
	if (b)
		vm_deallocate(c->task, b, pg);
	if (d)
		vm_deallocate(c->task, d, pg);
	device_close(t);
}

void t_group_gnumach(struct t_ctx *c)
{
	names(c);
	new_task_notification(c);
	cache_and_limits(c);
	physical(c);
	gsync(c);
	terminate_release(c);
}

void t_group_mach4(struct t_ctx *c)
{
	proxies(c);
}
