/* guest.h: the guest runtime's interface for tasks booted by GNU Mach (traps, console, memory, threads, server loop). */
#ifndef GUEST_H
#define GUEST_H 1

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <mach/message.h>
#include <mach/port.h>
#include <mach/kern_return.h>

/* The task's entry point, called by the runtime's _start with the boot
   script's arguments (argv[0] is the module name). */
int guest_main(int argc, char **argv);

/* The decimal number S starts with (0 if none): a port name the boot
   script wrote into argv, or a setting's value. */
unsigned long guest_number(const char *s);

/* Traps (mach/syscall_sw.h). */
mach_port_t mach_reply_port(void);
mach_port_t mach_thread_self(void);
mach_port_t mach_task_self(void);
mach_port_t mach_host_self(void);
void mach_print(const char *s);
boolean_t swtch(void);
boolean_t swtch_pri(int pri);
kern_return_t thread_switch(mach_port_t thread, int option, mach_msg_timeout_t time);
/* A trap by number with up to six word arguments, for probing traps the
   runtime does not wrap (an unknown number must fail, not crash). */
long guest_trap6(long number, long a, long b, long c, long d, long e, long f);

/* Console.  guest_printf understands %d %u %x %lx %ld %lu %s %c %p %%
   (with l, ll, z and a width); output goes through mach_print, or through
   the "console" device once guest_console_use_device() succeeded. */
int guest_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int guest_snprintf(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void guest_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void guest_puts(const char *s);
kern_return_t guest_console_use_device(mach_port_t device_master);

/* Memory from vm_allocate: zeroed, page granular, never reused. */
void *guest_alloc(size_t size);
void guest_free(void *p, size_t size);

/* Threads: a new thread of this task running fn(arg) on a stack of
   stack_size bytes; it ends with thread_terminate when fn returns, and a
   later guest_thread_start takes back its stack and reply port once the
   kernel has destroyed it.  The runtime holds a reference of its own to
   the thread's name (*thread): drop yours with mach_port_deallocate, not
   mach_port_destroy, which would take the runtime's too. */
kern_return_t guest_thread_start(void (*fn)(void *), void *arg,
				 size_t stack_size, mach_port_t *thread);

/* A thread of TASK, a task created inheriting this one's memory, running
   entry() on a stack that ends at stack_top (memory the child has: the
   parent allocated it before task_create).  The thread's first call should be guest_forget_reply_ports(). */
kern_return_t guest_task_thread_start(mach_port_t task, void (*entry)(void), uintptr_t stack_top,
				      mach_port_t *thread);

/* The calling thread's stack, as guest_thread_start allocated it (0, 0
   for the first thread, whose stack the kernel made). */
void guest_thread_stack(uintptr_t *lo, size_t *size);

/* Forget every cached MIG reply port: for a thread started in a task
   that inherited this one's memory, whose names mean nothing there. */
void guest_forget_reply_ports(void);

/* A server loop: receive on rcv_name (a port or a port set), give each
   request to demux (a generated server demux), send the reply.  Returns
   when a receive fails (e.g. the port was destroyed). */
typedef boolean_t (*guest_demux_t)(mach_msg_header_t *in, mach_msg_header_t *out);
mach_msg_return_t mach_msg_server(guest_demux_t demux, mach_msg_size_t max_size,
				  mach_port_t rcv_name);

/* Halt the machine through host_reboot (the halt flag); does not return. */
void guest_halt(mach_port_t host_priv) __attribute__((noreturn));

#endif
