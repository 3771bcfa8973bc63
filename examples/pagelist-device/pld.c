/* pld.c: the page-list device's server functions (ds_*), called by migc's device.defs server stubs. */

#include <string.h>
#include <mach/mach_types.h>
#include <mach/mig_errors.h>
#include "pld.h"
#include "deviceServer.h"

/* vm_allocate and vm_deallocate: the runtime's (loopback) or the kernel's
   (through mach.defs user stubs on GNU Mach). */
extern mach_port_t mach_task_self(void);
extern kern_return_t vm_allocate(mach_port_t task, vm_address_t *addr, vm_size_t size, boolean_t anywhere);
extern kern_return_t vm_deallocate(mach_port_t task, vm_address_t addr, vm_size_t size);

/* The devices, the first one's master port shared.  Server functions
   have the fixed signatures device.defs gives them, so they find a device
   here, by the port a request arrived on. */
static struct pld *devs[PLD_MAX_DEVICES];
static unsigned ndevs;
static pld_open_fallback_t open_fallback;
static boolean_t (*next_demux)(mach_msg_header_t *in, mach_msg_header_t *out);

/* The first device: its master port is every device's. */
static struct pld *first(void)
{
	return ndevs ? devs[0] : NULL;
}

#define PLD_MODES (D_READ | D_WRITE | D_NODELAY | D_NOWAIT)

/* Fills DEV in; the caller then makes it one of the devices. */
static kern_return_t setup(struct pld *dev, const char *name, void *storage, vm_size_t size,
			   mach_port_t master, mach_port_t port)
{
	if (!dev || !name || !storage || size == 0 || size % PLD_RECORD_SIZE != 0)
		return KERN_INVALID_ARGUMENT;
	memset(dev, 0, sizeof *dev);
	dev->name = name;
	dev->storage = storage;
	dev->size = size;
	dev->master = master;
	dev->port = port;
	return KERN_SUCCESS;
}

kern_return_t pld_init(struct pld *dev, const char *name, void *storage, vm_size_t size,
		       mach_port_t master, mach_port_t port)
{
	kern_return_t kr = setup(dev, name, storage, size, master, port);
	if (kr == KERN_SUCCESS) {
		devs[0] = dev;
		ndevs = 1;
	}
	return kr;
}

kern_return_t pld_add(struct pld *dev, const char *name, void *storage, vm_size_t size,
		      mach_port_t port)
{
	if (!ndevs || ndevs == PLD_MAX_DEVICES)
		return KERN_RESOURCE_SHORTAGE;
	kern_return_t kr = setup(dev, name, storage, size, devs[0]->master, port);
	if (kr == KERN_SUCCESS)
		devs[ndevs++] = dev;
	return kr;
}

void pld_set_open_fallback(pld_open_fallback_t fallback)
{
	open_fallback = fallback;
}

void pld_set_next_demux(boolean_t (*next)(mach_msg_header_t *in, mach_msg_header_t *out))
{
	next_demux = next;
}

boolean_t pld_demux(mach_msg_header_t *in, mach_msg_header_t *out)
{
	if (device_server(in, out))
		return 1;
	return next_demux ? next_demux(in, out) : 0;
}

/* The device a request on PORT is for, or NULL. */
static struct pld *lookup(mach_port_t port)
{
	for (unsigned i = 0; i < ndevs; i++)
		if (port == devs[i]->port)
			return devs[i];
	return NULL;
}

/* Counts a refusal and passes its code on. */
static kern_return_t refuse(struct pld *dev, kern_return_t code)
{
	if (dev)
		dev->refused++;
	return code;
}

/* Checks a transfer of COUNT bytes at record RECNUM; on success *OFFSET
   is its byte offset.  WHOLE: COUNT must be a whole number of records. */
static kern_return_t check_range(struct pld *dev, dev_mode_t mode, recnum_t recnum,
				 vm_size_t count, int whole, vm_size_t *offset)
{
	if (mode & ~(dev_mode_t) PLD_MODES)
		return D_INVALID_OPERATION;
	if (whole && count % PLD_RECORD_SIZE != 0)
		return D_INVALID_SIZE;
	/* Compare in records first, so that no product can overflow. */
	if (recnum >= dev->size / PLD_RECORD_SIZE)
		return D_INVALID_RECNUM;
	*offset = (vm_size_t) recnum * PLD_RECORD_SIZE;
	if (count > dev->size - *offset)
		return D_INVALID_SIZE;
	return D_SUCCESS;
}

kern_return_t ds_device_open(mach_port_t master_port, mach_port_t reply_port,
			     mach_msg_type_name_t reply_portPoly, dev_mode_t mode,
			     const char *name, mach_port_t *device, mach_msg_type_name_t *devicePoly)
{
	(void) reply_port;
	(void) reply_portPoly;
	struct pld *dev = NULL;
	if (!first() || master_port != first()->master)
		return refuse(first(), D_INVALID_OPERATION);
	for (unsigned i = 0; i < ndevs && !dev; i++)
		if (strcmp(name, devs[i]->name) == 0)
			dev = devs[i];
	if (!dev)
		return open_fallback ? open_fallback(mode, name, device, devicePoly)
				     : refuse(first(), D_NO_SUCH_DEVICE);
	if (mode & ~(dev_mode_t) PLD_MODES)
		return refuse(dev, D_INVALID_OPERATION);
	dev->opens++;
	if (mode & D_WRITE)
		dev->writable = 1;
	*device = dev->port;
	*devicePoly = MACH_MSG_TYPE_MAKE_SEND;
	return D_SUCCESS;
}

kern_return_t ds_device_close(mach_port_t device)
{
	struct pld *dev = lookup(device);
	if (!dev)
		return D_NO_SUCH_DEVICE;
	if (dev->opens == 0)
		return refuse(dev, D_INVALID_OPERATION);
	if (--dev->opens == 0)
		dev->writable = 0;
	return D_SUCCESS;
}

/* Stores COUNT bytes from DATA at record RECNUM. */
static kern_return_t store(struct pld *dev, dev_mode_t mode, recnum_t recnum,
			   const void *data, vm_size_t count, int whole, int *bytes_written)
{
	vm_size_t offset;
	kern_return_t kr;
	if (dev->opens == 0)
		return refuse(dev, D_INVALID_OPERATION);
	if (!dev->writable)
		return refuse(dev, D_READ_ONLY);
	kr = check_range(dev, mode, recnum, count, whole, &offset);
	if (kr != D_SUCCESS)
		return refuse(dev, kr);
	memcpy(dev->storage + offset, data, count);
	dev->writes++;
	dev->bytes_written += count;
	*bytes_written = (int) count;
	return D_SUCCESS;
}

kern_return_t ds_device_write(mach_port_t device, mach_port_t reply_port,
			      mach_msg_type_name_t reply_portPoly, dev_mode_t mode, recnum_t recnum,
			      io_buf_ptr_t data, mach_msg_type_number_t dataCnt, int *bytes_written)
{
	struct pld *dev = lookup(device);
	kern_return_t kr;
	(void) reply_port;
	(void) reply_portPoly;
	if (!dev)
		return D_NO_SUCH_DEVICE;
	/* More than an int can count could not be answered. */
	if (dataCnt > 0x7fffffffu)
		return refuse(dev, D_INVALID_SIZE);
	kr = store(dev, mode, recnum, data, dataCnt, 1, bytes_written);
	/* The data arrived out of line and is ours to free, but only on
	   success: on an error the server loop destroys the whole request. */
	if (kr == D_SUCCESS && dataCnt)
		vm_deallocate(mach_task_self(), (vm_address_t) data, dataCnt);
	return kr;
}

kern_return_t ds_device_write_inband(mach_port_t device, mach_port_t reply_port,
				     mach_msg_type_name_t reply_portPoly, dev_mode_t mode,
				     recnum_t recnum, const io_buf_ptr_inband_t data,
				     mach_msg_type_number_t dataCnt, int *bytes_written)
{
	struct pld *dev = lookup(device);
	(void) reply_port;
	(void) reply_portPoly;
	if (!dev)
		return D_NO_SUCH_DEVICE;
	/* In-band writes may be shorter than a record: they replace the first
	   DATACNT bytes of record RECNUM. */
	return store(dev, mode, recnum, data, dataCnt, 0, bytes_written);
}

/* Checks a read of BYTES_WANTED bytes; on success *OFFSET is its start. */
static kern_return_t check_read(struct pld *dev, dev_mode_t mode, recnum_t recnum,
				int bytes_wanted, vm_size_t limit, vm_size_t *offset)
{
	if (dev->opens == 0)
		return D_INVALID_OPERATION;
	if (bytes_wanted < 0 || (vm_size_t) bytes_wanted > limit)
		return D_INVALID_SIZE;
	return check_range(dev, mode, recnum, (vm_size_t) bytes_wanted, 0, offset);
}

kern_return_t ds_device_read(mach_port_t device, mach_port_t reply_port,
			     mach_msg_type_name_t reply_portPoly, dev_mode_t mode, recnum_t recnum,
			     int bytes_wanted, io_buf_ptr_t *data, mach_msg_type_number_t *dataCnt)
{
	struct pld *dev = lookup(device);
	vm_size_t offset;
	vm_address_t buf = 0;
	kern_return_t kr;
	(void) reply_port;
	(void) reply_portPoly;
	if (!dev)
		return D_NO_SUCH_DEVICE;
	kr = check_read(dev, mode, recnum, bytes_wanted, dev->size, &offset);
	if (kr != D_SUCCESS)
		return refuse(dev, kr);
	if (bytes_wanted > 0) {
		/* A fresh copy, which the stub frees once it is sent (dealloc). */
		if (vm_allocate(mach_task_self(), &buf, (vm_size_t) bytes_wanted, 1) != KERN_SUCCESS)
			return refuse(dev, D_NO_MEMORY);
		memcpy((void *) buf, dev->storage + offset, (vm_size_t) bytes_wanted);
	}
	*data = (io_buf_ptr_t) buf;
	*dataCnt = (mach_msg_type_number_t) bytes_wanted;
	dev->reads++;
	dev->bytes_read += (unsigned long) bytes_wanted;
	return D_SUCCESS;
}

kern_return_t ds_device_read_inband(mach_port_t device, mach_port_t reply_port,
				    mach_msg_type_name_t reply_portPoly, dev_mode_t mode,
				    recnum_t recnum, int bytes_wanted, io_buf_ptr_inband_t data,
				    mach_msg_type_number_t *dataCnt)
{
	struct pld *dev = lookup(device);
	vm_size_t offset;
	kern_return_t kr;
	(void) reply_port;
	(void) reply_portPoly;
	if (!dev)
		return D_NO_SUCH_DEVICE;
	kr = check_read(dev, mode, recnum, bytes_wanted, sizeof(io_buf_ptr_inband_t), &offset);
	if (kr != D_SUCCESS)
		return refuse(dev, kr);
	memcpy(data, dev->storage + offset, (vm_size_t) bytes_wanted);
	*dataCnt = (mach_msg_type_number_t) bytes_wanted;
	dev->reads++;
	dev->bytes_read += (unsigned long) bytes_wanted;
	return D_SUCCESS;
}

kern_return_t ds_device_get_status(mach_port_t device, dev_flavor_t flavor, dev_status_t status,
				   mach_msg_type_number_t *statusCnt)
{
	struct pld *dev = lookup(device);
	if (!dev)
		return D_NO_SUCH_DEVICE;
	switch (flavor) {
	case DEV_GET_SIZE:
		if (*statusCnt < DEV_GET_SIZE_COUNT)
			return refuse(dev, D_INVALID_SIZE);
		status[DEV_GET_SIZE_DEVICE_SIZE] = (int) dev->size;
		status[DEV_GET_SIZE_RECORD_SIZE] = PLD_RECORD_SIZE;
		*statusCnt = DEV_GET_SIZE_COUNT;
		return D_SUCCESS;
	case DEV_GET_RECORDS:
		if (*statusCnt < DEV_GET_RECORDS_COUNT)
			return refuse(dev, D_INVALID_SIZE);
		status[DEV_GET_RECORDS_DEVICE_RECORDS] = (int) (dev->size / PLD_RECORD_SIZE);
		status[DEV_GET_RECORDS_RECORD_SIZE] = PLD_RECORD_SIZE;
		*statusCnt = DEV_GET_RECORDS_COUNT;
		return D_SUCCESS;
	case PLD_GET_STATS:
		if (*statusCnt < PLD_GET_STATS_COUNT)
			return refuse(dev, D_INVALID_SIZE);
		status[0] = (int) dev->reads;
		status[1] = (int) dev->writes;
		status[2] = (int) dev->refused;
		status[3] = (int) (dev->bytes_read >> 10);
		status[4] = (int) (dev->bytes_written >> 10);
		status[5] = dev->ktype;
		*statusCnt = PLD_GET_STATS_COUNT;
		return D_SUCCESS;
	default:
		return refuse(dev, D_INVALID_OPERATION);
	}
}

/* A block device of fixed size has nothing to set, map, filter or
   interrupt: each of these is refused. */
kern_return_t ds_device_set_status(mach_port_t device, dev_flavor_t flavor,
				   const dev_status_t status, mach_msg_type_number_t statusCnt)
{
	struct pld *dev = lookup(device);
	(void) flavor;
	(void) status;
	(void) statusCnt;
	return dev ? refuse(dev, D_INVALID_OPERATION) : D_NO_SUCH_DEVICE;
}

kern_return_t ds_device_map(mach_port_t device, vm_prot_t prot, vm_offset_t offset, vm_size_t size,
			    mach_port_t *pager, int unmap)
{
	struct pld *dev = lookup(device);
	(void) prot;
	(void) offset;
	(void) size;
	(void) pager;
	(void) unmap;
	return dev ? refuse(dev, D_INVALID_OPERATION) : D_NO_SUCH_DEVICE;
}

kern_return_t ds_device_set_filter(mach_port_t device, mach_port_t receive_port, int priority,
				   const filter_array_t filter, mach_msg_type_number_t filterCnt)
{
	struct pld *dev = lookup(device);
	(void) receive_port;
	(void) priority;
	(void) filter;
	(void) filterCnt;
	return dev ? refuse(dev, D_INVALID_OPERATION) : D_NO_SUCH_DEVICE;
}

kern_return_t ds_device_intr_register(mach_port_t device, int id, int flags, mach_port_t receive_port)
{
	struct pld *dev = lookup(device);
	(void) id;
	(void) flags;
	(void) receive_port;
	return dev ? refuse(dev, D_INVALID_OPERATION) : D_NO_SUCH_DEVICE;
}

kern_return_t ds_device_intr_ack(mach_port_t device, mach_port_t receive_port)
{
	struct pld *dev = lookup(device);
	(void) receive_port;
	return dev ? refuse(dev, D_INVALID_OPERATION) : D_NO_SUCH_DEVICE;
}
