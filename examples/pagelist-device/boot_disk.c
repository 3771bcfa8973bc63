/* boot_disk.c: the Hurd's disks served by the first task GNU Mach boots: page-list devices in front of the kernel's master port, and the fsys calls a bootstrap file system makes. */

#include <mach/vm_wire.h>
#include <mach/task_special_ports.h>
#include "guest.h"
#include "mach.h"
#include "mach_host.h"
#include "mach_port.h"
#include "gnumach.h"
#include "device.h"
#include "pld_guest.h"
#include "bootfsServer.h"

/* The root file system's image, linked into this program by the boot's
   builder (a page-aligned section of its own), so that a kernel without a
   disk driver has a root disk. */
extern unsigned char boot_disk_image[], boot_disk_image_end[];

static mach_port_t host_priv, kernel_master, master;

/* Names no device here has (the console, the clock) are the kernel's. */
static kern_return_t to_kernel(dev_mode_t mode, const char *name, mach_port_t *device,
			       mach_msg_type_name_t *devicePoly)
{
	kern_return_t kr = device_open(kernel_master, mode, name, device);
	if (kr == D_SUCCESS)
		*devicePoly = MACH_MSG_TYPE_MOVE_SEND;
	return kr;
}

kern_return_t S_fsys_startup(mach_port_t bootstrap, mach_port_t reply, mach_msg_type_name_t replyPoly,
			     int openflags, mach_port_t control_port, mach_port_t *realnode,
			     mach_msg_type_name_t *realnodePoly)
{
	(void) bootstrap;
	(void) reply;
	(void) replyPoly;
	(void) openflags;
	(void) control_port;	/* kept: the file system's control port */
	*realnode = MACH_PORT_NULL;
	*realnodePoly = MACH_MSG_TYPE_COPY_SEND;
	return KERN_SUCCESS;
}

kern_return_t S_fsys_getpriv(mach_port_t fsys, mach_port_t reply, mach_msg_type_name_t replyPoly,
			     mach_port_t *host, mach_msg_type_name_t *hostPoly, mach_port_t *device_master,
			     mach_msg_type_name_t *device_masterPoly, mach_port_t *fstask,
			     mach_msg_type_name_t *fstaskPoly)
{
	(void) reply;
	(void) replyPoly;
	if (fsys != master)
		return MIG_BAD_ID;
	*host = host_priv;
	*hostPoly = MACH_MSG_TYPE_COPY_SEND;
	*device_master = master;
	*device_masterPoly = MACH_MSG_TYPE_MAKE_SEND;
	*fstask = mach_task_self();
	*fstaskPoly = MACH_MSG_TYPE_COPY_SEND;
	return KERN_SUCCESS;
}

kern_return_t S_fsys_init(mach_port_t fsys, mach_port_t reply, mach_msg_type_name_t replyPoly,
			  mach_port_t proc_server, mach_port_t auth_handle)
{
	(void) fsys;
	(void) reply;
	(void) replyPoly;
	mach_port_deallocate(mach_task_self(), proc_server);
	mach_port_deallocate(mach_task_self(), auth_handle);
	return KERN_SUCCESS;
}

static void stop(const char *what, kern_return_t kr)
{
	guest_printf("@@ not ok disk: %s # kern_return 0x%x\n@@ end\n", what, (unsigned) kr);
	guest_halt(host_priv);
}

/* argv: the host-privilege port, the kernel's device master port, the
   file system's task (created suspended: this task resumes it, its
   bootstrap port set to the master port here), then words root=NAME,
   swap=NAME, swap-mb=N and ktype=none (the ports left unmarked). */
int guest_main(int argc, char **argv)
{
	static struct pld root, swap;
	const char *root_name = "pld0", *swap_name = "pld1", *failed;
	unsigned long swap_mb = 64;
	int ktype = MACH_PORT_KTYPE_USER_DEVICE;
	mach_port_t task = mach_task_self(), fs_task, root_port, swap_port;
	vm_size_t image_size = (vm_size_t) (boot_disk_image_end - boot_disk_image);
	kern_return_t kr;

	if (argc < 4) {
		guest_puts("@@ not ok disk: argv has the host, device master and file system task ports\n");
		return 1;
	}
	host_priv = (mach_port_t) guest_number(argv[1]);
	kernel_master = (mach_port_t) guest_number(argv[2]);
	fs_task = (mach_port_t) guest_number(argv[3]);
	for (int i = 4; i < argc; i++) {
		if (!strncmp(argv[i], "root=", 5))
			root_name = argv[i] + 5;
		else if (!strncmp(argv[i], "swap=", 5))
			swap_name = argv[i] + 5;
		else if (!strncmp(argv[i], "swap-mb=", 8))
			swap_mb = guest_number(argv[i] + 8);
		else if (!strcmp(argv[i], "ktype=none"))
			ktype = MACH_PORT_KTYPE_NONE;
	}

	/* Everything this task has and will have is wired (the image, the
	   swap disk's memory, stacks, the out-of-line pages it receives):
	   paging out must never wait on a page of the disk it pages to. */
	kr = vm_wire_all(host_priv, task, VM_WIRE_ALL);
	if (kr != KERN_SUCCESS)
		stop("vm_wire_all", kr);
	void *swap_storage = NULL;
	if (swap_mb) {
		swap_storage = pld_guest_storage(host_priv, swap_mb << 20, &kr);
		if (!swap_storage)
			stop("the swap disk's wired memory", kr);
	}

	kr = pld_guest_serve(host_priv, ktype, &master, &root_port, &failed);
	if (kr != KERN_SUCCESS)
		stop(failed, kr);
	pld_init(&root, root_name, boot_disk_image, image_size, master, root_port);
	root.ktype = ktype;
	if (swap_mb) {
		kr = pld_guest_add_port(host_priv, ktype, &swap_port, &failed);
		if (kr != KERN_SUCCESS)
			stop(failed, kr);
		pld_add(&swap, swap_name, swap_storage, swap_mb << 20, swap_port);
		swap.ktype = ktype;
	}
	pld_set_open_fallback(to_kernel);
	pld_set_next_demux(bootfs_server);
	guest_printf("@@ # disk: %s (%lu KiB, the root image) and %s (%lu MiB, swap), ports ktype %s\n",
		     root_name, (unsigned long) (image_size >> 10), swap_name, swap_mb,
		     ktype == MACH_PORT_KTYPE_NONE ? "NONE" : "USER_DEVICE");

	/* The file system finds this server through its bootstrap port. */
	kr = task_set_special_port(fs_task, TASK_BOOTSTRAP_PORT, master);
	if (kr != KERN_SUCCESS)
		stop("task_set_special_port(file system, bootstrap)", kr);
	kr = task_resume(fs_task);
	if (kr != KERN_SUCCESS)
		stop("task_resume(file system)", kr);

	/* The device thread serves from here on; this one waits for good. */
	mach_port_t idle;
	kr = mach_port_allocate(task, MACH_PORT_RIGHT_RECEIVE, &idle);
	for (;;) {
		mach_msg_header_t h;
		mach_msg(&h, MACH_RCV_MSG, 0, sizeof h, idle, MACH_MSG_TIMEOUT_NONE, MACH_PORT_NULL);
	}
}
