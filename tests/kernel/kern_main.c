/* kern_main.c: tests/kernel.test's program: calls through the KernelUser
 * stubs of tests/kernel/kern.defs, which the KernelServer stubs answer in
 * the same process, and checks what comes back (TAP on stdout). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "U.h"
#include "kern_main.h"

/* A message the kernel sends to a port it serves itself: GNU Mach's
 * mach_msg_rpc_from_kernel hands the request to ipc_kobject_server as it
 * was built, and the reply comes back into the caller's buffer. */
static union {
	mach_msg_header_t head;
	char buf[1024];
	uint64_t align;
} kern_in, kern_out;

static int kern_deliver(mach_msg_header_t *msg, mach_msg_size_t send_size)
{
	if (send_size > sizeof kern_in || send_size != msg->msgh_size || msg->msgh_local_port != MACH_PORT_NULL ||
	    msg->msgh_remote_port != (mach_port_t)(uintptr_t)KERN_SERVER_PORT)
		return 0;
	memcpy(&kern_in, msg, send_size);
	kern_in.head.msgh_local_port = (mach_port_t)(uintptr_t)KERN_REPLY_PORT;   /* the thread's reply port */
	memset(&kern_out, 0xa5, sizeof kern_out);
	return kern_dispatch(&kern_in.head, &kern_out.head);
}

mach_msg_return_t mach_msg_rpc_from_kernel(mach_msg_header_t *msg, mach_msg_size_t send_size, mach_msg_size_t reply_size)
{
	if (!kern_deliver(msg, send_size))
		return MACH_SEND_INVALID_DEST;
	if (kern_out.head.msgh_size > reply_size)
		return MACH_RCV_TOO_LARGE;
	memcpy(msg, &kern_out, kern_out.head.msgh_size);
	return MACH_MSG_SUCCESS;
}

mach_msg_return_t mach_msg_send_from_kernel(mach_msg_header_t *msg, mach_msg_size_t send_size)
{
	return kern_deliver(msg, send_size) ? MACH_MSG_SUCCESS : MACH_SEND_INVALID_DEST;
}

/* What the stubs may call besides; none of kern.defs's routines should. */
void ipc_port_release_send(ipc_port_t port) { (void)port; printf("not ok - ipc_port_release_send called\n"); }
int ipc_port_check_circularity(ipc_port_t a, ipc_port_t b) { (void)a; (void)b; return 0; }
void mig_allocate(vm_address_t *a, vm_size_t n) { (void)a; (void)n; printf("not ok - mig_allocate called\n"); }
void mig_dealloc_reply_port(mach_port_t port) { (void)port; printf("not ok - mig_dealloc_reply_port called\n"); }

static int n;
static void check(int ok, const char *what, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void check(int ok, const char *what, const char *fmt, ...)
{
	va_list ap;
	printf("%sok %d - %s", ok ? "" : "not ", ++n, what);
	if (!ok) {
		printf(" # ");
		va_start(ap, fmt);
		vprintf(fmt, ap);
		va_end(ap);
	}
	printf("\n");
}

int main(void)
{
	ipc_port_t p = 0, q = 0;
	kern_return_t kr = kern_port(KERN_SERVER_PORT, &p, &q);
	check(kr == KERN_SUCCESS && p == KERN_PORT_P && q == KERN_PORT_Q, "kern_port: out ports arrive as the kernel's ipc_port_t",
	      "kr %d, p %p (want %p), q %p (want %p)", kr, (void *)p, (void *)KERN_PORT_P, (void *)q, (void *)KERN_PORT_Q);

	big_t b = { { 1, 2, 3, 4, 5, 6 } };
	int sum = 0;
	kr = kern_struct(KERN_SERVER_PORT, b, &sum);
	check(kr == KERN_SUCCESS && sum == 91, "kern_struct: a structure by value", "kr %d, sum %d (want 91)", kr, sum);

	int y = 0;
	kr = kern_options(KERN_SERVER_PORT, 1000, MACH_SEND_INTERRUPT, 41, &y);
	check(kr == KERN_SUCCESS && y == 42, "kern_options: waittime and msgoption arguments taken, the call made",
	      "kr %d, y %d (want 42)", kr, y);

	kr = kern_note(KERN_SERVER_PORT, 7);
	check(kr == KERN_SUCCESS && kern_noted == 7, "kern_note: a simple routine", "kr %d, noted %d (want 7)", kr, kern_noted);
	printf("1..%d\n", n);
	return 0;
}
