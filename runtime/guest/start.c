/* start.c: the task's entry from the kernel's bootstrap (argc, argv on the stack), and the halt. */

#include "guest.h"
#include "guest_internal.h"
#include "mach.h"
#include "mach_host.h"

/* The kernel starts the first thread with the stack pointer at argc,
   followed by argv[] and a null, laid out in words of the target; there is
   no return address.  Align the stack as the ABI wants before the call. */
#if defined(__x86_64__)
__asm__(".text\n.globl _start\n.type _start,@function\n_start:\n"
	"\tmovq %rsp, %rdi\n\tandq $-16, %rsp\n\txorl %ebp, %ebp\n"
	"\tcall guest_start\n\thlt\n");
#else
__asm__(".text\n.globl _start\n.type _start,@function\n_start:\n"
	"\tmovl %esp, %eax\n\tandl $-16, %esp\n\tsubl $12, %esp\n\txorl %ebp, %ebp\n"
	"\tpushl %eax\n\tcall guest_start\n\thlt\n");
#endif

void guest_start(long *sp) __attribute__((noreturn, used));

void guest_start(long *sp)
{
	int argc = (int)sp[0];
	char **argv = (char **)(sp + 1);

	guest_main(argc, argv);
	task_terminate(mach_task_self());
	for (;;)
		;
}

/* The BSD flag GNU Mach's host_reboot tests (sys/reboot.h's RB_HALT). */
#define GUEST_RB_HALT 0x8

void guest_halt(mach_port_t host_priv)
{
	host_reboot(host_priv, GUEST_RB_HALT);
	/* Only reached without the privilege: stop this task instead. */
	task_terminate(mach_task_self());
	for (;;)
		;
}

unsigned long guest_number(const char *s)
{
	unsigned long v = 0;
	for (; *s >= '0' && *s <= '9'; s++)
		v = v * 10 + (unsigned long) (*s - '0');
	return v;
}
