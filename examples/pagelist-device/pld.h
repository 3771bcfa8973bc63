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
	int ktype;			/* the port's kernel type, as the host set it */
	/* What it served, for the console and for tests. */
	unsigned long reads, writes, refused;
	unsigned long bytes_read, bytes_written;
};

/* A device_get_status flavor of this server's own: what the device
   served, PLD_GET_STATS_COUNT integers (reads, writes, refusals, KiB
   read, KiB written, the port's kernel type). */
#define PLD_GET_STATS		0x706c6400
#define PLD_GET_STATS_COUNT	6

/* Devices that share one master port, at most. */
#define PLD_MAX_DEVICES		4

/* Set up DEV over STORAGE (SIZE bytes, a multiple of PLD_RECORD_SIZE)
   with the receive rights MASTER and PORT, which the caller allocated and
   will serve with pld_demux.  DEV becomes the only device: those added
   before are forgotten. */
kern_return_t pld_init(struct pld *dev, const char *name, void *storage, vm_size_t size,
		       mach_port_t master, mach_port_t port);

/* Adds DEV, another device opened through the first one's master port,
   served on PORT (a receive right of its own). */
kern_return_t pld_add(struct pld *dev, const char *name, void *storage, vm_size_t size,
		      mach_port_t port);

/* What device_open answers for a name no device has: by default
   D_NO_SUCH_DEVICE; a server that stands in front of the kernel's master
   port (the Hurd's boot disk) passes the open on. */
typedef kern_return_t (*pld_open_fallback_t)(dev_mode_t mode, const char *name,
					     mach_port_t *device, mach_msg_type_name_t *devicePoly);
void pld_set_open_fallback(pld_open_fallback_t fallback);

/* The demux for the receive rights: device.defs's, then NEXT's (see
   pld_set_next_demux), answering MIG_BAD_ID for anything else. */
boolean_t pld_demux(mach_msg_header_t *in, mach_msg_header_t *out);
void pld_set_next_demux(boolean_t (*next)(mach_msg_header_t *in, mach_msg_header_t *out));

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
