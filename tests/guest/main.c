/* main.c: the guest test task: parse the boot script's arguments, run the groups of checks, halt. */

#include "check.h"
#include "mach_host.h"
#include <mach/thread_switch.h>

static void t_group_hang(struct t_ctx *c)
{
	(void)c;
	t_diag("hanging on purpose");
	for (;;)
		thread_switch(MACH_PORT_NULL, SWITCH_OPTION_WAIT, 1000);
}

static const struct {
	const char *name;
	void (*run)(struct t_ctx *);
} groups[] = {
	{ "mach_port", t_group_mach_port },
	{ "mach", t_group_mach },
	{ "mach_host", t_group_mach_host },
	{ "gnumach", t_group_gnumach },
	{ "device", t_group_device },
	{ "mach4", t_group_mach4 },
	{ "mach_i386", t_group_mach_i386 },
	{ "memobj", t_group_memobj },
	{ "threads", t_group_threads },
	{ "leak", t_group_leak },
	{ "server", t_group_server },
	{ "rtt_check", t_group_rtt_check },
	/* Only when named with only=: out-of-line data to a USER_DEVICE port
	   from unwired threads, a task that never ends (tests/guest.test
	   checks that the harness reports it), and the round trips bench/run
	   times (docs/performance.md). */
	{ "userdevice_ool", t_group_userdevice_ool },
	{ "hang", t_group_hang },
	{ "rtt", t_group_rtt },
};

static unsigned long parse_port(const char *s)
{
	unsigned long v = 0;

	for (; *s >= '0' && *s <= '9'; s++)
		v = v * 10 + (unsigned long)(*s - '0');
	return v;
}

/* Is NAME in the comma-separated LIST? */
static int listed(const char *list, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = list; *p;) {
		if (!strncmp(p, name, n) && (p[n] == ',' || p[n] == 0))
			return 1;
		while (*p && *p != ',')
			p++;
		if (*p == ',')
			p++;
	}
	return 0;
}

int guest_main(int argc, char **argv)
{
	struct t_ctx c = { 0 };
	const char *only = NULL;

	if (argc < 3) {
		guest_puts("@@ not ok boot: argv has the host and device ports\n@@ end\n");
		return 1;
	}
	c.host_priv = (mach_port_t)parse_port(argv[1]);
	c.device_master = (mach_port_t)parse_port(argv[2]);
	for (int i = 3; i < argc; i++)
		if (!strncmp(argv[i], "only=", 5))
			only = argv[i] + 5;
	c.task = mach_task_self();
	c.host = mach_host_self();
	t_diag("target %s, host-priv %u, device-master %u, task %u, host %u",
	       GUEST_TARGET, (unsigned)c.host_priv, (unsigned)c.device_master,
	       (unsigned)c.task, (unsigned)c.host);

	/* The kernel says which it is (into the test log). */
	static kernel_version_t version;
	T_KR(&c, "host_get_kernel_version", host_get_kernel_version(c.host, version),
	     KERN_SUCCESS, "through the host port");
	size_t vlen = strnlen(version, sizeof version);
	t_ok(&c, "host_get_kernel_version", vlen > 0 && vlen < sizeof version,
	     "a terminated string of %u characters", (unsigned)vlen);
	for (char *p = version; *p; p++)
		if (*p == '\n')
			*p = ' ';
	t_diag("kernel: %s", version);

	for (size_t i = 0; i < sizeof groups / sizeof groups[0]; i++) {
		if (only ? !listed(only, groups[i].name)
			 : !strcmp(groups[i].name, "userdevice_ool") || !strcmp(groups[i].name, "hang") ||
			   !strcmp(groups[i].name, "rtt"))
			continue;
		t_diag("group %s", groups[i].name);
		groups[i].run(&c);
	}
	t_diag("%d checks failed", c.failures);
	guest_puts("@@ end\n");
	guest_halt(c.host_priv);
}
