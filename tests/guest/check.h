/* check.h: the guest test task's checks, printed as "@@ " lines that conformance/guest turns into TAP. */
#ifndef GUEST_CHECK_H
#define GUEST_CHECK_H 1

#include "guest.h"

/* What every group gets: the ports the boot script passed, and our own. */
struct t_ctx {
	mach_port_t host_priv;		/* ${host-port}: the privileged host port */
	mach_port_t device_master;	/* ${device-port} */
	mach_port_t task;		/* mach_task_self() */
	mach_port_t host;		/* mach_host_self(): the unprivileged host port */
	int failures;			/* checks that failed so far */
};

/* Each check names the routine it judges first ("ROUTINE: what"); the
   harness counts a routine as exercised when some check names it. */
void t_ok(struct t_ctx *c, const char *routine, int cond, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* A return code: passes when got == want; the failure shows both. */
void t_kr(struct t_ctx *c, const char *routine, kern_return_t got, kern_return_t want,
	  const char *want_name, const char *what);
/* Two integers: passes when equal. */
void t_eq(struct t_ctx *c, const char *routine, unsigned long long got,
	  unsigned long long want, const char *what);
void t_diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#define T_KR(c, routine, call, want, what) \
	t_kr((c), (routine), (call), (want), #want, (what))

/* The groups (one file each). */
void t_group_mach_port(struct t_ctx *c);
void t_group_mach(struct t_ctx *c);
void t_group_mach_host(struct t_ctx *c);
void t_group_gnumach(struct t_ctx *c);
void t_group_mach4(struct t_ctx *c);
void t_group_device(struct t_ctx *c);
void t_group_mach_i386(struct t_ctx *c);
void t_group_server(struct t_ctx *c);
void t_group_userdevice_ool(struct t_ctx *c);	/* not run by default: panics the kernel */
extern int t_userdevice_ool;
void t_group_memobj(struct t_ctx *c);
void t_group_leak(struct t_ctx *c);		/* kernel stubs release translated send rights */
void t_group_threads(struct t_ctx *c);		/* the runtime's threads: how one ends */
void t_group_rtt(struct t_ctx *c);		/* bench/run's round trips; only when named */
void t_group_rtt_check(struct t_ctx *c);	/* the same, a few calls each */

/* Helpers shared by groups. */
mach_port_t t_new_receive(struct t_ctx *c);	/* a fresh receive right, MACH_PORT_NULL on failure */
mach_port_type_t t_type(struct t_ctx *c, mach_port_t name);	/* 0 when the name is not in use */
mach_port_urefs_t t_refs(struct t_ctx *c, mach_port_t name, mach_port_right_t right);

#endif

/* Messages without a MIG stub: an empty message with id ID sent to DEST
   under DISPOSITION (e.g. MACH_MSG_TYPE_MAKE_SEND), and a receive with a
   timeout in milliseconds into BUF (at least 256 bytes). */
mach_msg_return_t t_send_empty(mach_port_t dest, mach_msg_type_name_t disposition,
			       mach_msg_id_t id);
mach_msg_return_t t_receive(mach_port_t port, unsigned timeout_ms, void *buf,
			    mach_msg_size_t size);
