/* t_device.c: checks of device.defs on the kernel's own devices (console, kmsg, time, irq, and the disk on i686). */

#include "check.h"
#include "mach.h"
#include "mach_port.h"
#include "device.h"
#include "mach_host.h"
#include <device/device_types.h>
#include <device/tty_status.h>
#include <mach/time_value.h>
#include <mach/vm_prot.h>
#include <mach/vm_inherit.h>

/* The disk conformance/guest attaches: sector N holds (N * 31 + K) & 255,
   2048 sectors of 512 bytes. */
#define DISK_SECTORS 2048
static unsigned char disk_byte(unsigned n, unsigned k) { return (unsigned char)((n * 31 + k) & 255); }

static void console(struct t_ctx *c)
{
	mach_port_t con = MACH_PORT_NULL, x = MACH_PORT_NULL;

	T_KR(c, "device_open", device_open(c->device_master, D_READ | D_WRITE, "console", &con),
	     D_SUCCESS, "\"console\" for reading and writing");
	T_KR(c, "device_open", device_open(c->device_master, D_READ, "no-such-device", &x),
	     D_NO_SUCH_DEVICE, "\"no-such-device\"");
	T_KR(c, "device_open", device_open(c->task, D_READ, "console", &x), D_INVALID_OPERATION,
	     "through the task port instead of the device master");

	/* The written lines are checks themselves: the harness was told to
	   expect them ("@@ expect"), so a write that reports success without
	   reaching the console fails. */
	static const char text1[] = "@@ ok device_write_inband: this line came through the console device\n";
	static io_buf_ptr_inband_t line1;	/* the prototype's array type */
	memcpy(line1, text1, sizeof text1);
	guest_puts("@@ expect device_write_inband: this line came through the console device\n");
	int written = -1;
	T_KR(c, "device_write_inband", device_write_inband(con, 0, 0, line1, sizeof text1 - 1, &written),
	     D_SUCCESS, "a line to the console");
	t_eq(c, "device_write_inband", (unsigned)written, sizeof text1 - 1, "every byte written");
	static char line2[] = "@@ ok device_write: this out-of-line line came through the console device\n";
	guest_puts("@@ expect device_write: this out-of-line line came through the console device\n");
	written = -1;
	T_KR(c, "device_write", device_write(con, 0, 0, (io_buf_ptr_t)line2, sizeof line2 - 1, &written),
	     D_SUCCESS, "a line to the console, out of line");
	t_eq(c, "device_write", (unsigned)written, sizeof line2 - 1, "every byte written");

	struct tty_status ts, ts2;
	mach_msg_type_number_t n = TTY_STATUS_COUNT;
	T_KR(c, "device_get_status", device_get_status(con, TTY_STATUS, (dev_status_t)&ts, &n), D_SUCCESS,
	     "TTY_STATUS of the console");
	t_ok(c, "device_get_status", n == TTY_STATUS_COUNT && ts.tt_ospeed > 0,
	     "%u words, output speed %d", (unsigned)n, ts.tt_ospeed);
	ts2 = ts;
	ts2.tt_breakc = ts.tt_breakc == 3 ? 4 : 3;
	T_KR(c, "device_set_status", device_set_status(con, TTY_STATUS, (dev_status_t)&ts2, TTY_STATUS_COUNT),
	     D_SUCCESS, "TTY_STATUS with another break character");
	n = TTY_STATUS_COUNT;
	device_get_status(con, TTY_STATUS, (dev_status_t)&ts, &n);
	t_eq(c, "device_set_status", (unsigned)ts.tt_breakc, (unsigned)ts2.tt_breakc,
	     "read back through device_get_status");
	T_KR(c, "device_set_status", device_set_status(con, 0x7777, (dev_status_t)&ts2, 1),
	     D_INVALID_OPERATION, "flavor 0x7777");
	n = TTY_STATUS_COUNT;
	T_KR(c, "device_get_status", device_get_status(con, 0x7777, (dev_status_t)&ts, &n),
	     D_INVALID_OPERATION, "flavor 0x7777");

	/* No network driver in either kernel: the console refuses a filter. */
	mach_port_t fp = t_new_receive(c);
	filter_t prog[2] = { 0 };
	T_KR(c, "device_set_filter", device_set_filter(con, fp, MACH_MSG_TYPE_MAKE_SEND, 0, prog, 1),
	     D_INVALID_OPERATION, "on the console (no network device in these kernels)");
	mach_port_destroy(c->task, fp);

	T_KR(c, "device_close", device_close(con), D_SUCCESS, "the console");
	T_KR(c, "device_close", device_write_inband(con, 0, 0, line1, 1, &written), MACH_SEND_INVALID_DEST,
	     "device_write_inband afterwards (the kernel destroyed the port)");
	mach_port_deallocate(c->task, con);
	T_KR(c, "device_close", device_close(c->task), D_NO_SUCH_DEVICE, "a task port");
}

/* The kernel's message buffer: what the kernel printed, the console's text. */
static void kmsg(struct t_ctx *c)
{
	mach_port_t k = MACH_PORT_NULL;
	T_KR(c, "device_open", device_open(c->device_master, D_READ, "kmsg", &k), D_SUCCESS, "\"kmsg\"");
	io_buf_ptr_inband_t ib;
	mach_msg_type_number_t n = sizeof ib;
	T_KR(c, "device_read_inband", device_read_inband(k, 0, 0, sizeof ib, ib, &n), D_SUCCESS,
	     "128 bytes of kmsg");
	t_ok(c, "device_read_inband", n > 0 && n <= sizeof ib, "%u bytes", (unsigned)n);
	/* What mach_print prints goes into the kernel's message buffer too. */
	static const char mark[] = "kmsg mark 5b1e";
	t_diag("%s", mark);
	/* Read the buffer to its end (D_NOWAIT: D_WOULD_BLOCK when empty). */
	io_buf_ptr_t data = 0;
	mach_msg_type_number_t dn = 0;
	T_KR(c, "device_read", device_read(k, D_NOWAIT, 0, 4096, &data, &dn), D_SUCCESS, "4 KiB of kmsg");
	int found = 0, reads = 1;
	unsigned total = 0;
	kern_return_t kr = D_SUCCESS;
	for (; kr == D_SUCCESS && reads < 256 && !found; reads++) {
		for (mach_msg_type_number_t i = 0; data && i + sizeof mark - 1 <= dn && !found; i++)
			found = !memcmp(data + i, mark, sizeof mark - 1);
		total += dn;
		if (data)
			vm_deallocate(c->task, (vm_address_t)data, dn);
		data = 0;
		if (!found)
			kr = device_read(k, D_NOWAIT, 0, 4096, &data, &dn);
	}
	t_ok(c, "device_read", found, "a line just printed with mach_print is there (%u bytes in %d reads)",
	     total, reads);
	if (!found)
		t_kr(c, "device_read", kr, D_WOULD_BLOCK, "D_WOULD_BLOCK", "the end of the buffer, with D_NOWAIT");
	device_close(k);
	mach_port_deallocate(c->task, k);
}

static void disk(struct t_ctx *c)
{
	mach_port_t d = MACH_PORT_NULL;
	kern_return_t kr = device_open(c->device_master, D_READ | D_WRITE, "hd0", &d);
#if defined(__x86_64__)
	/* The x86_64 kernel has no disk drivers (the Hurd runs them in user
	   space): "hd0" does not exist. */
	t_kr(c, "device_open", kr, D_NO_SUCH_DEVICE, "D_NO_SUCH_DEVICE", "\"hd0\" on x86_64 (no in-kernel disk drivers)");
	return;
#endif
	t_kr(c, "device_open", kr, D_SUCCESS, "D_SUCCESS", "\"hd0\", the harness's disk");
	int sz[DEV_GET_SIZE_COUNT];
	mach_msg_type_number_t n = DEV_GET_SIZE_COUNT;
	T_KR(c, "device_get_status", device_get_status(d, DEV_GET_SIZE, sz, &n), D_SUCCESS, "DEV_GET_SIZE of hd0");
	t_ok(c, "device_get_status", sz[DEV_GET_SIZE_DEVICE_SIZE] == DISK_SECTORS * 512 &&
	     sz[DEV_GET_SIZE_RECORD_SIZE] == 512, "%d bytes in records of %d (the image is 2048 x 512)",
	     sz[0], sz[1]);

	io_buf_ptr_t data = 0;
	mach_msg_type_number_t dn = 0;
	T_KR(c, "device_read", device_read(d, 0, 3, 1024, &data, &dn), D_SUCCESS, "sectors 3 and 4");
	int same = dn == 1024 && data;
	for (unsigned i = 0; same && i < 1024; i++)
		same = (unsigned char)data[i] == disk_byte(3 + i / 512, i % 512);
	t_ok(c, "device_read", same, "what the harness wrote there (%u bytes)", (unsigned)dn);
	if (data)
		vm_deallocate(c->task, (vm_address_t)data, dn);
	io_buf_ptr_inband_t ib;
	n = sizeof ib;
	/* The disk driver reads and writes out of line only. */
	T_KR(c, "device_read_inband", device_read_inband(d, 0, DISK_SECTORS - 1, sizeof ib, ib, &n),
	     D_INVALID_OPERATION, "from the disk (out-of-line only)");
	data = 0;
	T_KR(c, "device_read", device_read(d, 0, DISK_SECTORS - 1, 512, &data, &dn), D_SUCCESS, "the last sector");
	same = dn == 512 && data;
	for (unsigned i = 0; same && i < 512; i++)
		same = (unsigned char)data[i] == disk_byte(DISK_SECTORS - 1, i);
	t_ok(c, "device_read", same, "what the harness wrote there");
	if (data)
		vm_deallocate(c->task, (vm_address_t)data, dn);
	kr = device_read(d, 0, DISK_SECTORS + 10, 512, &data, &dn);
	t_ok(c, "device_read", kr != D_SUCCESS || dn == 0, "beyond the end: an error or nothing (%d, %u bytes)",
	     kr, (unsigned)dn);

	/* Sector 5 rewritten, read back; the harness reads the image too. */
	static unsigned char sec[512] __attribute__((aligned(4096)));
	for (unsigned i = 0; i < 512; i++)
		sec[i] = (unsigned char)(255 - disk_byte(5, i));
	int written = 0;
	T_KR(c, "device_write", device_write(d, 0, 5, (io_buf_ptr_t)sec, 512, &written), D_SUCCESS,
	     "sector 5, inverted");
	t_eq(c, "device_write", (unsigned)written, 512, "512 bytes written");
	static io_buf_ptr_inband_t tag = "migc-guest wrote this";
	T_KR(c, "device_write_inband", device_write_inband(d, 0, 6, tag, 22, &written), D_INVALID_OPERATION,
	     "to the disk (out-of-line only)");
	data = 0;
	device_read(d, 0, 5, 512, &data, &dn);
	t_ok(c, "device_write", data && dn == 512 && !memcmp(data, sec, 512), "device_read reads it back");
	if (data)
		vm_deallocate(c->task, (vm_address_t)data, dn);
	guest_puts("@@ disk-sector-5-inverted\n");
	device_close(d);
}

static void time_map(struct t_ctx *c)
{
	mach_port_t t = MACH_PORT_NULL, pager = MACH_PORT_NULL;

	T_KR(c, "device_open", device_open(c->device_master, D_READ, "time", &t), D_SUCCESS, "\"time\"");
	T_KR(c, "device_map", device_map(t, VM_PROT_READ, 0, 4096, &pager, 0), D_SUCCESS,
	     "a page of \"time\"");
	vm_address_t a = 0;
	T_KR(c, "device_map", vm_map(c->task, &a, 4096, 0, 1, pager, 0, 0, VM_PROT_READ, VM_PROT_READ,
				     VM_INHERIT_NONE),
	     KERN_SUCCESS, "vm_map of its pager");
	time_value_t now;
	host_get_time(c->host, &now);
	volatile mapped_time_value_t *mt = (volatile mapped_time_value_t *)a;
	long s = a ? mt->seconds : 0;
	t_ok(c, "device_map", a && s >= now.seconds - 2 && s <= now.seconds + 2,
	     "the mapped clock reads %ld, host_get_time %ld", s, (long)now.seconds);
	mach_port_t con = MACH_PORT_NULL;
	device_open(c->device_master, D_READ, "console", &con);
	T_KR(c, "device_map", device_map(con, VM_PROT_READ, 0, 4096, &pager, 0), D_INVALID_OPERATION,
	     "the console (not mappable)");
	if (a)
		vm_deallocate(c->task, a, 4096);
}

static void irq(struct t_ctx *c)
{
	mach_port_t d = MACH_PORT_NULL, p = t_new_receive(c);

	T_KR(c, "device_open", device_open(c->device_master, D_READ, "irq", &d), D_SUCCESS, "\"irq\"");
	T_KR(c, "device_intr_register", device_intr_register(d, 5, 0, p, MACH_MSG_TYPE_MAKE_SEND), D_SUCCESS,
	     "IRQ 5 (nothing drives it) to a port of ours");
	T_KR(c, "device_intr_ack", device_intr_ack(d, p, MACH_MSG_TYPE_MAKE_SEND), D_INVALID_OPERATION,
	     "with no interrupt delivered");
	union { mach_msg_header_t h; char b[256]; } m;
	t_kr(c, "device_intr_register", t_receive(p, 50, &m, sizeof m), MACH_RCV_TIMED_OUT,
	     "MACH_RCV_TIMED_OUT", "no interrupt message arrives in 50 ms");
	T_KR(c, "device_intr_register", device_intr_register(d, 999, 0, p, MACH_MSG_TYPE_MAKE_SEND),
	     D_INVALID_OPERATION, "IRQ 999");
	T_KR(c, "device_intr_ack", device_intr_ack(c->task, p, MACH_MSG_TYPE_MAKE_SEND), D_NO_SUCH_DEVICE,
	     "on a task port");
}

void t_group_device(struct t_ctx *c)
{
	console(c);
	kmsg(c);
	disk(c);
	time_map(c);
	irq(c);
}
