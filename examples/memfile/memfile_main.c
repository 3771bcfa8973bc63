/* memfile_main.c: the memfile server as a task GNU Mach boots: its ports, its threads, and the client task it starts. */

#include <mach/vm_wire.h>
#include <mach/task_special_ports.h>
#include "guest.h"
#include "mach.h"
#include "mach_host.h"
#include "gnumach.h"
#include "memfile_state.h"

static void __attribute__((noreturn)) stop(mach_port_t host_priv, const char *what, kern_return_t kr)
{
	guest_printf("@@ not ok memfile: %s # kern_return 0x%x\n@@ end\n", what, (unsigned) kr);
	guest_halt(host_priv);
}

/* argv: host port, the client task (created suspended), then
   capacity-kb=N (each file's room), precious=0|1, mistake=NAME. */
int guest_main(int argc, char **argv)
{
	mach_port_t task = mach_task_self(), host_priv, client, thread;
	unsigned long capacity_kb = 4096;
	int precious = 1;
	enum memfile_mistake mistake = MEMFILE_NO_MISTAKE;
	const char *failed;
	kern_return_t kr;

	if (argc < 3) {
		guest_puts("@@ not ok memfile: argv has the host port and the client task\n@@ end\n");
		return 1;
	}
	host_priv = (mach_port_t) guest_number(argv[1]);
	client = (mach_port_t) guest_number(argv[2]);
	for (int i = 3; i < argc; i++) {
		if (!strncmp(argv[i], "capacity-kb=", 12))
			capacity_kb = guest_number(argv[i] + 12);
		else if (!strcmp(argv[i], "precious=0") || !strcmp(argv[i], "precious=1"))
			precious = argv[i][9] == '1';
		else if (!strcmp(argv[i], "mistake=truncate-no-flush"))
			mistake = MEMFILE_TRUNCATE_NO_FLUSH;
		else if (!strcmp(argv[i], "mistake=none"))
			mistake = MEMFILE_NO_MISTAKE;
		else
			stop(host_priv, argv[i], KERN_INVALID_ARGUMENT);
	}
	guest_printf("@@ diag memfile: files of up to %lu KB, odd pages %s%s\n", capacity_kb,
		     precious ? "supplied precious" : "not precious",
		     mistake == MEMFILE_TRUNCATE_NO_FLUSH ? ", DELIBERATE MISTAKE: truncate does not flush" : "");

	if ((failed = memfile_init((vm_size_t) capacity_kb << 10, precious, mistake, &kr)))
		stop(host_priv, failed, kr);

	/* Everything this task has and will have is wired (storage, the
	   pages the kernel returns): without a default pager nothing of
	   ours could be paged out, and the pager must never wait on its own
	   pages. */
	if ((kr = vm_wire_all(host_priv, task, VM_WIRE_ALL)) != KERN_SUCCESS)
		stop(host_priv, "vm_wire_all", kr);
	memfile.host_priv = host_priv;
	if ((kr = guest_thread_start(memfile_pager_loop, NULL, 65536, &thread)) != KERN_SUCCESS)
		stop(host_priv, "the pager thread", kr);

	/* The client finds the server at its bootstrap port. */
	if ((kr = task_set_special_port(client, TASK_BOOTSTRAP_PORT, memfile.service)) != KERN_SUCCESS)
		stop(host_priv, "the client's bootstrap port", kr);
	if ((kr = task_resume(client)) != KERN_SUCCESS)
		stop(host_priv, "task_resume(client)", kr);

	kr = memfile_client_loop();
	stop(host_priv, "the client loop ended", kr);
}
