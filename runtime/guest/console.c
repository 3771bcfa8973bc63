/* console.c: formatted output for a guest task, through mach_print or the kernel's "console" device. */

#include "guest_internal.h"
#include "device.h"
#include <device/device_types.h>

struct guest_console {
	mach_port_t device;	/* the open "console" device, or MACH_PORT_NULL: use mach_print */
};

static struct guest_console guest_console;

struct fmt_out {
	char *buf;
	size_t size, len;	/* len counts every character, even past size */
};

static void fmt_put(struct fmt_out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void fmt_num(struct fmt_out *o, unsigned long long v, int base,
		    int neg, int width, char pad)
{
	char tmp[24];
	int n = 0;

	do {
		tmp[n++] = "0123456789abcdef"[v % (unsigned)base];
		v /= (unsigned)base;
	} while (v);
	if (neg)
		tmp[n++] = '-';
	for (; width > n; width--)
		fmt_put(o, pad);
	while (n)
		fmt_put(o, tmp[--n]);
}

int guest_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct fmt_out o = { buf, size, 0 };

	for (; *fmt; fmt++) {
		if (*fmt != '%') {
			fmt_put(&o, *fmt);
			continue;
		}
		fmt++;
		char pad = ' ';
		int width = 0, lng = 0;
		if (*fmt == '0')
			pad = '0', fmt++;
		while (*fmt >= '0' && *fmt <= '9')
			width = width * 10 + (*fmt++ - '0');
		for (; *fmt == 'l' || *fmt == 'z'; fmt++)
			lng++;	/* size_t is a long on both targets */
		unsigned long long u;
		long long d;
		switch (*fmt) {
		case 'd':
			d = lng >= 2 ? va_arg(ap, long long)
				: lng ? va_arg(ap, long) : va_arg(ap, int);
			fmt_num(&o, d < 0 ? 0ull - (unsigned long long)d : (unsigned long long)d,
				10, d < 0, width, pad);
			break;
		case 'u':
		case 'x':
			u = lng >= 2 ? va_arg(ap, unsigned long long)
				: lng ? va_arg(ap, unsigned long) : va_arg(ap, unsigned);
			fmt_num(&o, u, *fmt == 'u' ? 10 : 16, 0, width, pad);
			break;
		case 'p':
			fmt_put(&o, '0');
			fmt_put(&o, 'x');
			fmt_num(&o, (uintptr_t)va_arg(ap, void *), 16, 0, width, pad);
			break;
		case 's': {
			const char *s = va_arg(ap, const char *);
			if (!s)
				s = "(null)";
			for (; *s; s++)
				fmt_put(&o, *s);
			break;
		}
		case 'c':
			fmt_put(&o, (char)va_arg(ap, int));
			break;
		case '\0':
			fmt--;
			break;
		default:
			fmt_put(&o, *fmt);
			break;
		}
	}
	if (size)
		buf[o.len < size ? o.len : size - 1] = 0;
	return (int)o.len;
}

int guest_snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	int n = guest_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

void guest_puts(const char *s)
{
	if (guest_console.device != MACH_PORT_NULL) {
		mach_msg_type_number_t len = (mach_msg_type_number_t)strlen(s);
		while (len > 0) {
			int written = 0;
			mach_msg_type_number_t chunk = len > IO_INBAND_MAX ? IO_INBAND_MAX : len;
			if (device_write_inband(guest_console.device, 0, 0, s, chunk,
						&written) != KERN_SUCCESS || written <= 0)
				break;
			s += written;
			len -= (mach_msg_type_number_t)written;
		}
		if (len == 0)
			return;
	}
	mach_print(s);
}

void guest_printf(const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	guest_vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	guest_puts(buf);
}

kern_return_t guest_console_use_device(mach_port_t device_master)
{
	mach_port_t dev;
	kern_return_t kr = device_open(device_master, D_READ | D_WRITE, "console", &dev);

	if (kr == KERN_SUCCESS)
		guest_console.device = dev;
	return kr;
}
