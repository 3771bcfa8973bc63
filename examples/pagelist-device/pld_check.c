/* pld_check.c: a client's self-check of the page-list device through device.defs user stubs (TAP lines). */

#include <string.h>
#include <mach/mach_types.h>
#include <mach/mig_errors.h>
#include "pld.h"
#include "device.h"

extern mach_port_t mach_task_self(void);
extern kern_return_t vm_allocate(mach_port_t task, vm_address_t *addr, vm_size_t size, boolean_t anywhere);
extern kern_return_t vm_deallocate(mach_port_t task, vm_address_t addr, vm_size_t size);

/* Largest transfer of one device_write or device_read here. */
#define CHUNK (64 * 1024)

/* The state of one run: where lines go, how many, how many failed. */
struct run {
	void (*say)(const char *);
	int n, failures;
	vm_size_t size;
	mach_port_t dev;
	unsigned char *expect;	/* what the device must hold */
};

/* Decimal and hexadecimal numbers, without a C library. */
static char *put_str(char *p, const char *s)
{
	while (*s)
		*p++ = *s++;
	return p;
}

static char *put_num(char *p, unsigned long v, unsigned base)
{
	char tmp[24];
	int i = 0;
	do {
		tmp[i++] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	if (base == 16)
		p = put_str(p, "0x");
	while (i)
		*p++ = tmp[--i];
	return p;
}

/* One test point: "ok N - WHAT" or "not ok N - WHAT # expected E got G". */
static void point(struct run *r, int ok, const char *what, long expected, long got)
{
	char line[200], *p = line;
	r->n++;
	if (!ok)
		r->failures++;
	p = put_str(p, ok ? "ok " : "not ok ");
	p = put_num(p, (unsigned long) r->n, 10);
	p = put_str(p, " - ");
	p = put_str(p, what);
	if (!ok) {
		p = put_str(p, " # expected ");
		p = put_num(p, (unsigned long) expected, 16);
		p = put_str(p, " got ");
		p = put_num(p, (unsigned long) got, 16);
	}
	*p = 0;
	r->say(line);
}

static void expect_code(struct run *r, const char *what, kern_return_t expected, kern_return_t got)
{
	point(r, got == expected, what, expected, got);
}

/* The byte stored at OFFSET in round ROUND: differs between neighbouring
   bytes, records and rounds. */
static unsigned char pattern(vm_size_t offset, unsigned round)
{
	return (unsigned char) (offset * 131u + (offset >> 9) * 7u + round * 29u + 1u);
}

/* Reads the whole device back and compares it with r->expect; returns the
   offset of the first difference, or r->size. */
static vm_size_t first_difference(struct run *r, kern_return_t *kr)
{
	vm_size_t off;
	for (off = 0; off < r->size; off += CHUNK) {
		vm_size_t n = r->size - off < CHUNK ? r->size - off : CHUNK, i;
		io_buf_ptr_t data = 0;
		mach_msg_type_number_t cnt = 0;
		*kr = device_read(r->dev, D_READ, off / PLD_RECORD_SIZE, (int) n, &data, &cnt);
		if (*kr != D_SUCCESS || cnt != n)
			return off;
		for (i = 0; i < n; i++)
			if ((unsigned char) data[i] != r->expect[off + i])
				break;
		vm_deallocate(mach_task_self(), (vm_address_t) data, cnt);
		if (i < n)
			return off + i;
	}
	*kr = D_SUCCESS;
	return r->size;
}

static void unchanged(struct run *r, const char *after)
{
	char what[160], *p = what;
	kern_return_t kr;
	vm_size_t at = first_difference(r, &kr);
	p = put_str(p, "stored data unchanged after ");
	p = put_str(p, after);
	*p = 0;
	point(r, at == r->size && kr == D_SUCCESS, what, (long) r->size, (long) at);
}

/* Writes BUF (a whole number of records) at record RECNUM, out of line. */
static kern_return_t write_ool(struct run *r, dev_mode_t mode, recnum_t recnum,
			       const void *buf, vm_size_t n, int *written)
{
	vm_address_t a = 0;
	kern_return_t kr;
	if (n && vm_allocate(mach_task_self(), &a, n, 1) != KERN_SUCCESS)
		return D_NO_MEMORY;
	if (n)
		memcpy((void *) a, buf, n);
	kr = device_write(r->dev, mode, recnum, (io_buf_ptr_t) a, (mach_msg_type_number_t) n, written);
	if (n)
		vm_deallocate(mach_task_self(), a, n);
	return kr;
}

static void bad_requests(struct run *r)
{
	static unsigned char junk[2 * PLD_RECORD_SIZE];
	recnum_t nrec = r->size / PLD_RECORD_SIZE;
	io_buf_ptr_t data;
	io_buf_ptr_inband_t inband;
	mach_msg_type_number_t cnt;
	int status[4];
	int written;
	mach_port_t pager;

	memset(junk, 0xee, sizeof junk);
	expect_code(r, "write at the record past the end: D_INVALID_RECNUM", D_INVALID_RECNUM,
		    write_ool(r, D_WRITE, nrec, junk, PLD_RECORD_SIZE, &written));
	expect_code(r, "write at record ~0: D_INVALID_RECNUM", D_INVALID_RECNUM,
		    write_ool(r, D_WRITE, (recnum_t) -1, junk, PLD_RECORD_SIZE, &written));
	expect_code(r, "write of two records at the last one: D_INVALID_SIZE", D_INVALID_SIZE,
		    write_ool(r, D_WRITE, nrec - 1, junk, 2 * PLD_RECORD_SIZE, &written));
	expect_code(r, "write of 100 bytes (not a whole record): D_INVALID_SIZE", D_INVALID_SIZE,
		    write_ool(r, D_WRITE, 0, junk, 100, &written));
	expect_code(r, "write with unknown mode bits 0x40: D_INVALID_OPERATION", D_INVALID_OPERATION,
		    write_ool(r, D_WRITE | 0x40, 0, junk, PLD_RECORD_SIZE, &written));
	expect_code(r, "in-band write at the record past the end: D_INVALID_RECNUM", D_INVALID_RECNUM,
		    device_write_inband(r->dev, D_WRITE, nrec, (char *) junk, 16, &written));
	expect_code(r, "in-band write of 129 bytes: refused by the user stub (MIG_ARRAY_TOO_LARGE)",
		    MIG_ARRAY_TOO_LARGE, device_write_inband(r->dev, D_WRITE, 0, (char *) junk, 129, &written));
	unchanged(r, "refused writes");

	data = 0;
	cnt = 0;
	expect_code(r, "read at the record past the end: D_INVALID_RECNUM", D_INVALID_RECNUM,
		    device_read(r->dev, D_READ, nrec, PLD_RECORD_SIZE, &data, &cnt));
	expect_code(r, "read across the end: D_INVALID_SIZE", D_INVALID_SIZE,
		    device_read(r->dev, D_READ, nrec - 1, 2 * PLD_RECORD_SIZE, &data, &cnt));
	expect_code(r, "read of -1 bytes: D_INVALID_SIZE", D_INVALID_SIZE,
		    device_read(r->dev, D_READ, 0, -1, &data, &cnt));
	expect_code(r, "read with unknown mode bits 0x100: D_INVALID_OPERATION", D_INVALID_OPERATION,
		    device_read(r->dev, D_READ | 0x100, 0, PLD_RECORD_SIZE, &data, &cnt));
	cnt = sizeof inband;
	expect_code(r, "in-band read of 129 bytes: D_INVALID_SIZE", D_INVALID_SIZE,
		    device_read_inband(r->dev, D_READ, 0, 129, inband, &cnt));
	cnt = 4;
	expect_code(r, "get_status of unknown flavor 77: D_INVALID_OPERATION", D_INVALID_OPERATION,
		    device_get_status(r->dev, 77, status, &cnt));
	cnt = 1;
	expect_code(r, "get_status DEV_GET_SIZE with room for 1 integer: D_INVALID_SIZE", D_INVALID_SIZE,
		    device_get_status(r->dev, DEV_GET_SIZE, status, &cnt));
	status[0] = 0;
	expect_code(r, "set_status: D_INVALID_OPERATION", D_INVALID_OPERATION,
		    device_set_status(r->dev, DEV_GET_SIZE, status, 1));
	expect_code(r, "device_map: D_INVALID_OPERATION", D_INVALID_OPERATION,
		    device_map(r->dev, 1, 0, PLD_RECORD_SIZE, &pager, 0));
	unchanged(r, "refused reads and calls");
}

int pld_check(mach_port_t master, const char *name, vm_size_t size,
	      void (*say)(const char *line), int *count)
{
	struct run run = { say, 0, 0, size, MACH_PORT_NULL, 0 };
	struct run *r = &run;
	mach_port_t dev = MACH_PORT_NULL;
	vm_address_t buf = 0;
	vm_size_t off;
	kern_return_t kr;
	int status[4], written = 0, ok;
	mach_msg_type_number_t cnt;
	io_buf_ptr_inband_t inband;

	expect_code(r, "open of an unknown name: D_NO_SUCH_DEVICE", D_NO_SUCH_DEVICE,
		    device_open(master, D_READ, "no-such-device", &dev));
	expect_code(r, "open with unknown mode bits 0x10: D_INVALID_OPERATION", D_INVALID_OPERATION,
		    device_open(master, D_READ | 0x10, (char *) name, &dev));
	kr = device_open(master, D_READ | D_WRITE, (char *) name, &dev);
	point(r, kr == D_SUCCESS && dev != MACH_PORT_NULL, "open for reading and writing", 0, kr);
	if (kr != D_SUCCESS) {
		*count = r->n;
		return r->failures;
	}
	r->dev = dev;

	cnt = 4;
	kr = device_get_status(dev, DEV_GET_SIZE, status, &cnt);
	point(r, kr == D_SUCCESS && cnt == DEV_GET_SIZE_COUNT && (vm_size_t) status[0] == size &&
	      status[1] == PLD_RECORD_SIZE, "DEV_GET_SIZE: the size and 512-byte records",
	      (long) size, kr ? kr : status[0]);
	cnt = 4;
	kr = device_get_status(dev, DEV_GET_RECORDS, status, &cnt);
	point(r, kr == D_SUCCESS && cnt == DEV_GET_RECORDS_COUNT &&
	      (vm_size_t) status[0] == size / PLD_RECORD_SIZE, "DEV_GET_RECORDS: the number of records",
	      (long) (size / PLD_RECORD_SIZE), kr ? kr : status[0]);

	/* Fill the device, then read it back. */
	if (vm_allocate(mach_task_self(), &buf, size, 1) != KERN_SUCCESS) {
		point(r, 0, "memory for the expected contents", 0, D_NO_MEMORY);
		*count = r->n;
		return r->failures;
	}
	r->expect = (unsigned char *) buf;
	for (off = 0; off < size; off++)
		r->expect[off] = pattern(off, 1);
	ok = 1;
	for (off = 0; off < size && ok; off += CHUNK) {
		vm_size_t n = size - off < CHUNK ? size - off : CHUNK;
		kr = write_ool(r, D_WRITE, off / PLD_RECORD_SIZE, r->expect + off, n, &written);
		ok = kr == D_SUCCESS && (vm_size_t) written == n;
	}
	point(r, ok, "out-of-line writes fill the device", 0, kr);
	unchanged(r, "filling it (every byte read back out of line)");

	/* In-band: the first 16 bytes of record 3, then back. */
	memset(inband, 0x5c, 16);
	kr = device_write_inband(dev, D_WRITE, 3, inband, 16, &written);
	point(r, kr == D_SUCCESS && written == 16, "in-band write of 16 bytes", 16, kr ? kr : written);
	memset(r->expect + 3 * PLD_RECORD_SIZE, 0x5c, 16);
	cnt = sizeof inband;
	memset(inband, 0, sizeof inband);
	kr = device_read_inband(dev, D_READ, 3, 20, inband, &cnt);
	point(r, kr == D_SUCCESS && cnt == 20 && memcmp(inband, r->expect + 3 * PLD_RECORD_SIZE, 20) == 0,
	      "in-band read of 20 bytes returns them", 20, kr ? kr : (long) cnt);

	bad_requests(r);

	/* Closing, and what a closed or read-only device refuses. */
	expect_code(r, "close", D_SUCCESS, device_close(dev));
	expect_code(r, "write after the last close: D_INVALID_OPERATION", D_INVALID_OPERATION,
		    write_ool(r, D_WRITE, 0, r->expect, PLD_RECORD_SIZE, &written));
	expect_code(r, "a second close: D_INVALID_OPERATION", D_INVALID_OPERATION, device_close(dev));
	kr = device_open(master, D_READ, (char *) name, &dev);
	point(r, kr == D_SUCCESS, "open for reading only", 0, kr);
	expect_code(r, "write to a device opened for reading: D_READ_ONLY", D_READ_ONLY,
		    write_ool(r, D_WRITE, 0, r->expect, PLD_RECORD_SIZE, &written));
	unchanged(r, "refused writes to a read-only device");
	expect_code(r, "close again", D_SUCCESS, device_close(dev));

	vm_deallocate(mach_task_self(), buf, size);
	*count = r->n;
	return r->failures;
}
