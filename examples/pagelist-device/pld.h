/* pld.h: the page-list device, a user-space block device served with migc's device.defs server stubs. */
#ifndef PLD_H
#define PLD_H

#include <mach/kern_return.h>
#include <mach/message.h>
#include <mach/port.h>
#include <device/device_types.h>

/* Bytes in a record (a block): reads and writes are counted in records. */
#define PLD_RECORD_SIZE 512

/* One device.  Its storage is memory the host environment provides (wired
   memory on GNU Mach, anything in the loopback runtime); the server never
   touches memory outside it. */
struct pld {
	const char *name;		/* what device_open must ask for */
	unsigned char *storage;		/* SIZE bytes */
	vm_size_t size;			/* a whole number of records */
	mach_port_t master;		/* receive right: device_open arrives here */
	mach_port_t port;		/* receive right: the open device */
	unsigned opens;			/* device_open calls not yet closed */
	int writable;			/* some open asked for D_WRITE */
	/* What it served, for the console and for tests. */
	unsigned long reads, writes, refused;
	unsigned long bytes_read, bytes_written;
};

/* Set up DEV over STORAGE (SIZE bytes, a multiple of PLD_RECORD_SIZE)
   with the receive rights MASTER and PORT, which the caller allocated and
   will serve with pld_demux.  Only one device exists at a time. */
kern_return_t pld_init(struct pld *dev, const char *name, void *storage, vm_size_t size,
		       mach_port_t master, mach_port_t port);

/* The demux for both receive rights: device.defs's, answering MIG_BAD_ID
   for anything else. */
boolean_t pld_demux(mach_msg_header_t *in, mach_msg_header_t *out);

/* A self-check a client runs against an open device: every kind of bad
   request (offset or size past the end, sizes that are not whole records,
   unknown open modes, oversized in-band data, unknown status flavors,
   calls a block device does not have) must get its device error code and
   leave the stored data as it was, and good requests must store and
   return the data.  It prints TAP lines through SAY (without the plan)
   and returns the number of failures; *COUNT gets the number of lines. */
int pld_check(mach_port_t master, const char *name, vm_size_t size,
	      void (*say)(const char *line), int *count);

#endif /* PLD_H */
