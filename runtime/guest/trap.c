/* trap.c: the Mach traps a guest task uses, as tiny assembly functions (numbers from mach/syscall_sw.h). */

#include "guest.h"

/* Each trap is a function whose C arguments are already where the kernel
   reads them.  x86_64: the kernel takes rdi, rsi, rdx, r10, r8, r9 and the
   seventh word from the user stack just above the return address, so rcx
   (the C fourth argument, clobbered by syscall) moves to r10.  i686: the
   call gate reads the arguments from the user stack above the return
   address, exactly where the C caller put them. */
#if defined(__x86_64__)
#define GUEST_TRAP(name, num) \
	".globl " #name "\n.type " #name ",@function\n" #name ":\n" \
	"\tmovq %rcx, %r10\n\tmovq $" #num ", %rax\n\tsyscall\n\tret\n" \
	".size " #name ", . - " #name "\n"
#elif defined(__i386__)
#define GUEST_TRAP(name, num) \
	".globl " #name "\n.type " #name ",@function\n" #name ":\n" \
	"\tmovl $" #num ", %eax\n\tlcall $7, $0\n\tret\n" \
	".size " #name ", . - " #name "\n"
#else
#error "guest runtime: x86_64 or i386 only"
#endif

__asm__(".text\n"
	GUEST_TRAP(mach_msg_trap, -25)
	GUEST_TRAP(mach_reply_port, -26)
	GUEST_TRAP(mach_thread_self, -27)
	GUEST_TRAP(mach_task_self, -28)
	GUEST_TRAP(mach_host_self, -29)
	GUEST_TRAP(mach_print, -30)
	GUEST_TRAP(swtch_pri, -59)
	GUEST_TRAP(swtch, -60)
	GUEST_TRAP(thread_switch, -61));

/* guest_trap6(number, a, b, c, d, e, f): the number moves to the trap
   register and the six arguments to where the kernel reads them. */
#if defined(__x86_64__)
__asm__(".text\n.globl guest_trap6\n.type guest_trap6,@function\nguest_trap6:\n"
	"\tmovq %rdi, %rax\n\tmovq %rsi, %rdi\n\tmovq %rdx, %rsi\n"
	"\tmovq %rcx, %rdx\n\tmovq %r8, %r10\n\tmovq %r9, %r8\n"
	"\tmovq 8(%rsp), %r9\n\tsyscall\n\tret\n"
	".size guest_trap6, . - guest_trap6\n");
#else
/* On entry: return address at 0(%esp), the number at 4, a..f at 8..28.
   Six pushes of 28(%esp) copy f..a below a dummy return address. */
__asm__(".text\n.globl guest_trap6\n.type guest_trap6,@function\nguest_trap6:\n"
	"\tmovl 4(%esp), %eax\n"
	"\tpushl 28(%esp)\n\tpushl 28(%esp)\n\tpushl 28(%esp)\n"
	"\tpushl 28(%esp)\n\tpushl 28(%esp)\n\tpushl 28(%esp)\n"
	"\tpushl $0\n\tlcall $7, $0\n\taddl $28, %esp\n\tret\n"
	".size guest_trap6, . - guest_trap6\n");
#endif
