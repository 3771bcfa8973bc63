/* check.c: the guest test task's check primitives and small shared helpers. */

#include "check.h"
#include "mach_port.h"

static void t_line(const char *status, const char *routine, const char *what,
		   const char *detail)
{
	/* One mach_print per line keeps lines whole between kernel messages. */
	char buf[400];
	guest_snprintf(buf, sizeof buf, "@@ %s %s: %s%s%s\n", status, routine, what,
		       detail ? " # " : "", detail ? detail : "");
	guest_puts(buf);
}

void t_ok(struct t_ctx *c, const char *routine, int cond, const char *fmt, ...)
{
	char what[256];
	va_list ap;

	va_start(ap, fmt);
	guest_vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	if (!cond)
		c->failures++;
	t_line(cond ? "ok" : "not ok", routine, what, NULL);
}

void t_kr(struct t_ctx *c, const char *routine, kern_return_t got, kern_return_t want,
	  const char *want_name, const char *what)
{
	char w[256], d[128];

	guest_snprintf(w, sizeof w, "%s -> %s", what, want_name);
	if (got == want) {
		t_line("ok", routine, w, NULL);
		return;
	}
	c->failures++;
	guest_snprintf(d, sizeof d, "expected %d (0x%x) got %d (0x%x)",
		       (int)want, (unsigned)want, (int)got, (unsigned)got);
	t_line("not ok", routine, w, d);
}

void t_eq(struct t_ctx *c, const char *routine, unsigned long long got,
	  unsigned long long want, const char *what)
{
	char d[128];

	if (got == want) {
		t_line("ok", routine, what, NULL);
		return;
	}
	c->failures++;
	guest_snprintf(d, sizeof d, "expected %llu (0x%llx) got %llu (0x%llx)",
		       want, want, got, got);
	t_line("not ok", routine, what, d);
}

void t_diag(const char *fmt, ...)
{
	char buf[400], line[420];
	va_list ap;

	va_start(ap, fmt);
	guest_vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	guest_snprintf(line, sizeof line, "@@ diag %s\n", buf);
	guest_puts(line);
}

mach_port_t t_new_receive(struct t_ctx *c)
{
	mach_port_t p = MACH_PORT_NULL;

	if (mach_port_allocate(c->task, MACH_PORT_RIGHT_RECEIVE, &p) != KERN_SUCCESS)
		return MACH_PORT_NULL;
	return p;
}

mach_port_type_t t_type(struct t_ctx *c, mach_port_t name)
{
	mach_port_type_t t = 0;

	if (mach_port_type(c->task, name, &t) != KERN_SUCCESS)
		return 0;
	return t;
}

mach_port_urefs_t t_refs(struct t_ctx *c, mach_port_t name, mach_port_right_t right)
{
	mach_port_urefs_t r = 0;

	if (mach_port_get_refs(c->task, name, right, &r) != KERN_SUCCESS)
		return (mach_port_urefs_t)-1;
	return r;
}

mach_msg_return_t t_send_empty(mach_port_t dest, mach_msg_type_name_t disposition,
			       mach_msg_id_t id)
{
	mach_msg_header_t h = {
		.msgh_bits = MACH_MSGH_BITS(disposition, 0),
		.msgh_size = sizeof h,
		.msgh_remote_port = dest,
		.msgh_local_port = MACH_PORT_NULL,
		.msgh_id = id,
	};
	return mach_msg(&h, MACH_SEND_MSG | MACH_SEND_TIMEOUT, sizeof h, 0,
			MACH_PORT_NULL, 0, MACH_PORT_NULL);
}

mach_msg_return_t t_receive(mach_port_t port, unsigned timeout_ms, void *buf,
			    mach_msg_size_t size)
{
	return mach_msg(buf, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, size, port,
			timeout_ms, MACH_PORT_NULL);
}
