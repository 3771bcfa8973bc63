/* loopback_main.c: the page-list device and its self-check in one Linux process, over the loopback runtime (TAP). */

#include <stdio.h>
#include <stdlib.h>
#include "loopback.h"
#include "pld.h"

#define DEVICE_SIZE (256 * 1024)

static void say(const char *line)
{
	puts(line);
}

int main(void)
{
	static struct pld dev;
	mach_port_name_t master, port, master_c;
	lb_space_t *client, *server;
	void *storage;
	int count = 0, failures;

	lb_reset();
	client = lb_space_current();
	server = lb_space_create("pld");
	lb_space_switch(server);
	storage = calloc(1, DEVICE_SIZE);
	if (!storage ||
	    lb_port_allocate(MACH_PORT_RIGHT_RECEIVE, &master) != KERN_SUCCESS ||
	    lb_port_allocate(MACH_PORT_RIGHT_RECEIVE, &port) != KERN_SUCCESS ||
	    pld_init(&dev, "pld0", storage, DEVICE_SIZE, master, port) != KERN_SUCCESS ||
	    lb_server_register(master, pld_demux, 8192) != KERN_SUCCESS ||
	    lb_server_register(port, pld_demux, 8192) != KERN_SUCCESS ||
	    lb_port_give(client, master, MACH_MSG_TYPE_MAKE_SEND, &master_c) != KERN_SUCCESS) {
		printf("Bail out! cannot set up the device server\n");
		return 1;
	}
	lb_space_switch(client);
	failures = pld_check(master_c, "pld0", DEVICE_SIZE, say, &count);
	printf("# served: %lu reads (%lu bytes), %lu writes (%lu bytes), %lu refused\n",
	       dev.reads, dev.bytes_read, dev.writes, dev.bytes_written, dev.refused);
	/* Every region the stubs, the server and the check allocated is gone:
	   data read was freed after sending, data written after storing, and
	   refused requests were destroyed by the server loop. */
	{
		struct lb_stats st;
		lb_get_stats(&st);
		count++;
		if (st.vm_regions != 0)
			failures++;
		if (st.vm_regions)
			printf("not ok %d - no out-of-line memory left behind # %lu regions, %lu bytes\n",
			       count, st.vm_regions, st.vm_bytes);
		else
			printf("ok %d - no out-of-line memory left behind\n", count);
	}
	printf("1..%d\n", count);
	free(storage);
	return failures != 0;
}
