/* t_mach_i386.c: checks of mach_i386.defs (descriptor tables, I/O permissions, FPU state size). */

#include "check.h"
#include "mach.h"
#include "mach_port.h"
#include "mach_host.h"
#include "mach_i386.h"

/* A user data segment descriptor: base BASE, byte-granular limit LIMIT,
   present, DPL 3, read/write, 32-bit. */
static descriptor_t data_segment(uint32_t base, uint32_t limit)
{
	descriptor_t d;

	d.low_word = (limit & 0xffff) | (base & 0xffff) << 16;
	d.high_word = ((base >> 16) & 0xff) | 0x2 << 8 | 1 << 12 | 3 << 13 | 1 << 15 |
		(limit & 0xf0000) | 1 << 22 | (base & 0xff000000);
	return d;
}

/* Equal but for the accessed bit, which the processor sets on use. */
static int same_descriptor(descriptor_t a, descriptor_t b)
{
	return a.low_word == b.low_word && ((a.high_word ^ b.high_word) & ~0x100u) == 0;
}

static volatile uint32_t seg_target = 0x6d696763;	/* read through the segments */

/* Load SEL into gs, read the word at gs:0, put gs back. */
static uint32_t read_through(unsigned sel)
{
	unsigned short old;
	uint32_t v;

	__asm__ volatile("mov %%gs, %0" : "=r"(old));
	__asm__ volatile("mov %1, %%gs\n\tmovl %%gs:0, %0\n\tmov %2, %%gs"
			 : "=&r"(v) : "r"((unsigned short)sel), "r"(old) : "memory");
	return v;
}

static void gdt(struct t_ctx *c, mach_port_t me)
{
	descriptor_t d = data_segment((uint32_t)(uintptr_t)&seg_target, 3), got = { 0, 0 };
	int sel = -1;

	T_KR(c, "i386_set_gdt", i386_set_gdt(me, &sel, d), KERN_SUCCESS, "a new user entry (selector -1)");
	t_ok(c, "i386_set_gdt", sel > 0 && (sel & 7) == 3, "the kernel chose selector 0x%x (GDT, RPL 3)", sel);
	T_KR(c, "i386_get_gdt", i386_get_gdt(me, sel, &got), KERN_SUCCESS, "that entry");
	t_ok(c, "i386_set_gdt", same_descriptor(d, got), "read back through i386_get_gdt (%08x %08x)",
	     got.high_word, got.low_word);
	t_eq(c, "i386_set_gdt", read_through((unsigned)sel), seg_target,
	     "gs loaded with it reads our word at gs:0");
	T_KR(c, "i386_get_gdt", i386_get_gdt(me, 0x7ff8, &got), KERN_INVALID_ARGUMENT, "selector 0x7ff8");
	descriptor_t kernel_seg = d;
	kernel_seg.high_word &= ~(3u << 13);	/* DPL 0 */
	int sel2 = sel;
	T_KR(c, "i386_set_gdt", i386_set_gdt(me, &sel2, kernel_seg), KERN_INVALID_ARGUMENT,
	     "a DPL 0 descriptor");
	T_KR(c, "i386_get_gdt", i386_get_gdt(c->task, sel, &got), KERN_INVALID_ARGUMENT, "of a task port");
}

static void ldt(struct t_ctx *c, mach_port_t me)
{
	descriptor_t d = data_segment((uint32_t)(uintptr_t)&seg_target, 3);
	/* Entries 0-3 are the kernel's (the system call gate is 0x07):
	   i386_set_ldt refuses them.  Entry 4, RPL 3. */
	const int sel = 0x27;

#if defined(__x86_64__)
	/* On x86_64 a valid user entry makes the kernel fault in kernel mode
	   and panic (seen with the sid kernel, 2026-12): only the refusals
	   and the empty table are tried there. */
	descriptor_list_t l0 = 0;
	mach_msg_type_number_t n0 = 99;
	T_KR(c, "i386_get_ldt", i386_get_ldt(me, sel, 1, &l0, &n0), KERN_SUCCESS, "entry 4 of a task with no LDT");
	t_eq(c, "i386_get_ldt", n0, 0, "no entries");
	T_KR(c, "i386_set_ldt", i386_set_ldt(me, 0x07, &d, 1), KERN_INVALID_ARGUMENT,
	     "entry 0 (the kernel's)");
	return;
#endif
	kern_return_t kr = i386_set_ldt(me, sel, &d, 1);
	t_kr(c, "i386_set_ldt", kr, KERN_SUCCESS, "KERN_SUCCESS", "entry 4");
	if (kr != KERN_SUCCESS)
		return;	/* loading the selector would kill the task */
	descriptor_list_t list = 0;
	mach_msg_type_number_t n = 0;
	T_KR(c, "i386_get_ldt", i386_get_ldt(me, sel, 1, &list, &n), KERN_SUCCESS, "entry 4");
	t_ok(c, "i386_set_ldt", n == 1 && list && same_descriptor(d, list[0]),
	     "read back through i386_get_ldt (%u entries)", (unsigned)n);
	if (list)
		vm_deallocate(c->task, (vm_address_t)list, n * sizeof *list);
	t_eq(c, "i386_set_ldt", read_through((unsigned)sel), seg_target,
	     "gs loaded with it reads our word at gs:0");
	descriptor_t kernel_seg = d;
	kernel_seg.high_word &= ~(3u << 13);
	T_KR(c, "i386_set_ldt", i386_set_ldt(me, sel, &kernel_seg, 1), KERN_INVALID_ARGUMENT,
	     "a DPL 0 descriptor");
	T_KR(c, "i386_set_ldt", i386_set_ldt(me, 0x07, &d, 1), KERN_INVALID_ARGUMENT,
	     "entry 0 (the kernel's call gate)");
}

static unsigned char inb(unsigned short port)
{
	unsigned char v;
	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static void outb(unsigned short port, unsigned char v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static void io(struct t_ctx *c)
{
	mach_port_t perm = MACH_PORT_NULL, bad;

	T_KR(c, "i386_io_perm_create", i386_io_perm_create(c->device_master, 0x70, 0x71, &perm), KERN_SUCCESS,
	     "ports 0x70-0x71 (the CMOS clock)");
	T_KR(c, "i386_io_perm_create", i386_io_perm_create(c->device_master, 0x71, 0x70, &bad),
	     KERN_INVALID_ARGUMENT, "an empty range");
	T_KR(c, "i386_io_perm_create", i386_io_perm_create(c->task, 0x70, 0x71, &bad), KERN_INVALID_ARGUMENT,
	     "through the task port");
	T_KR(c, "i386_io_perm_modify", i386_io_perm_modify(c->task, perm, 1), KERN_SUCCESS, "enable for us");
	/* Without the permission the next instructions would kill the task. */
	time_value_t now;
	host_get_time(c->host, &now);
	outb(0x70, 0x00);
	unsigned bcd = inb(0x71);
	unsigned rtc = (bcd >> 4) * 10 + (bcd & 15);
	unsigned host = (unsigned)(now.seconds % 60);
	unsigned diff = (rtc + 60 - host) % 60;
	t_ok(c, "i386_io_perm_modify", diff <= 2 || diff >= 58,
	     "in/out on 0x70-0x71 work: the CMOS seconds (%u) agree with host_get_time (%u)", rtc, host);
	T_KR(c, "i386_io_perm_modify", i386_io_perm_modify(c->task, perm, 0), KERN_SUCCESS, "disable again");
	/* Not tried: a port of another kind as the permission (a task port)
	   makes both kernels dereference a null pointer and panic. */
}

void t_group_mach_i386(struct t_ctx *c)
{
	mach_port_t me = mach_thread_self();

	gdt(c, me);
	ldt(c, me);
	io(c);
	vm_size_t xs = 0;
	T_KR(c, "i386_get_xstate_size", i386_get_xstate_size(c->host, &xs), KERN_SUCCESS, "through the host port");
	/* The legacy FXSAVE area (512) and the XSAVE header (64) at least. */
	t_ok(c, "i386_get_xstate_size", xs >= 576 && xs < 65536, "%lu bytes", (unsigned long)xs);
	T_KR(c, "i386_get_xstate_size", i386_get_xstate_size(c->task, &xs), KERN_INVALID_ARGUMENT,
	     "through the task port");
	mach_port_deallocate(c->task, me);
}
