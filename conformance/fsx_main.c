/* fsx_main.c: an fsx-style tester as tasks on GNU Mach: random reads, writes, mapped reads and writes (from two tasks) and truncates of a memfile file, each checked against a shadow copy. */

#include <mach/vm_wire.h>
#include <mach/task_special_ports.h>
#include <mach/vm_prot.h>
#include <mach/vm_inherit.h>
#include "guest.h"
#include "mach.h"
#include "mach_host.h"
#include "gnumach.h"
#include "memfile.h"
#include "fsxhelper.h"
#include "mach_port.h"
#include "fsx.h"


enum op { OP_READ, OP_WRITE, OP_MAPREAD, OP_MAPWRITE, OP_TRUNCATE, OP_SWEEP, OP_CACHE, OP_SKIP, OPS };
static const char *const op_name[OPS] = { "READ", "WRITE", "MAPREAD", "MAPWRITE", "TRUNCATE", "SWEEP", "CACHE", "SKIP" };

static struct {
	unsigned long ops, seed, file_kb, maxop, sweep, cache, minutes, free_kb, progress;
} cfg = { .progress = 100000, .ops = 10000, .seed = 1, .file_kb = 1024, .maxop = MAXIO, .sweep = 250, .cache = 500 };

static mach_port_t host_priv, server, file, object, helper;
static unsigned char *good;		/* the shadow copy: what the file must hold */
static vm_size_t file_len, size;	/* the most it may hold; what it holds */
static vm_size_t written;		/* the shadow's bytes from here on are zeros */
static unsigned long done[OPS], by_helper, bad_bytes, n_op;
static unsigned long long rng;

/* The log of the last operations, printed with a mismatch. */
#define LOG 24
static struct logent {
	unsigned long n;
	enum op op;
	int helper;
	vm_offset_t off;
	vm_size_t len, size_before, size_after;
} logbuf[LOG];

static unsigned long rnd(void)
{
	/* xorshift64* */
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return (unsigned long) ((rng * 2685821657736338717ULL) >> 32);
}

/* The bytes operation N writes at file offset POS: never 0 (zeros are
   what lost data or a truncated tail reads as); the low bits name the
   operation, so a stale byte tells which one wrote it. */
static unsigned char pattern(unsigned long n, vm_offset_t pos)
{
	unsigned char b = (unsigned char) (n * 7 + (pos >> 12) * 61);
	return b ? b : 1;
}

static void print_log(void)
{
	unsigned long first = n_op >= LOG ? n_op - LOG + 1 : 1;
	for (unsigned long n = first; n <= n_op; n++) {
		const struct logent *e = &logbuf[n % LOG];
		if (e->n != n)
			continue;
		guest_printf("@@ diag log %lu: %s by the %s, 0x%lx..0x%lx (0x%lx bytes), size 0x%lx -> 0x%lx\n", e->n,
			     op_name[e->op], e->helper ? "helper" : "driver", (unsigned long) e->off,
			     (unsigned long) (e->off + e->len), (unsigned long) e->len, (unsigned long) e->size_before,
			     (unsigned long) e->size_after);
	}
}

static void dump(const char *what, const unsigned char *p, vm_offset_t from, vm_offset_t to)
{
	char line[128];
	int len = guest_snprintf(line, sizeof line, "@@ diag   %s 0x%lx:", what, (unsigned long) from);
	for (vm_offset_t i = from; i < to; i++)
		len += guest_snprintf(line + len, sizeof line - len, " %02x", p[i - from]);
	guest_printf("%s\n", line);
}

/* Compare LEN bytes FOUND, read at file offset OFF, with the shadow (or
   with zeros, for bytes past the end of the file).  False on a mismatch,
   which is reported as fsx does: where, what was expected and found, and
   the last operations. */
static int check(const char *how, const unsigned char *found, vm_offset_t off, vm_size_t len, int zeros)
{
	unsigned long bad = 0;
	vm_offset_t first = 0;
	for (vm_size_t i = 0; i < len; i++) {
		unsigned char want = zeros ? 0 : good[off + i];
		if (found[i] != want && !bad++)
			first = off + i;
	}
	if (!bad)
		return 1;
	bad_bytes += bad;
	guest_printf("@@ mismatch op %lu %s: %lu bad bytes in 0x%lx..0x%lx (file size 0x%lx), first at 0x%lx: "
		     "expected 0x%02x, found 0x%02x\n",
		     n_op, how, bad, (unsigned long) off, (unsigned long) (off + len), (unsigned long) size,
		     (unsigned long) first, zeros ? 0 : good[first], found[first - off]);
	vm_offset_t from = first & ~(vm_offset_t) 15, to = from + 16;
	if (from < off)
		from = off;
	if (to > off + len)
		to = off + len;
	if (zeros) {
		static const unsigned char zero[16];
		dump("expected", zero, from, to);
	} else {
		dump("expected", good + from, from, to);
	}
	dump("found   ", found + (from - off), from, to);
	print_log();
	return 0;
}

static void __attribute__((noreturn)) fail(const char *what, kern_return_t kr)
{
	guest_printf("@@ not ok fsx: op %lu: %s # kern_return 0x%x\n", n_op, what, (unsigned) kr);
	print_log();
	guest_printf("@@ end\n");
	guest_halt(host_priv);
}

/* --- the driver ------------------------------------------------------------ */

/* The helper: the same program in a child task, serving fsxhelper.defs. */
static void start_helper(void)
{
	const vm_size_t ss = 65536;
	vm_address_t stack = 0;
	mach_port_t task = mach_task_self(), child, p, th;
	kern_return_t kr;

	if ((kr = vm_allocate(task, &stack, ss, 1)) != KERN_SUCCESS)
		fail("the helper's stack", kr);
	if ((kr = mach_port_allocate(task, MACH_PORT_RIGHT_RECEIVE, &p)) != KERN_SUCCESS ||
	    (kr = mach_port_insert_right(task, p, p, MACH_MSG_TYPE_MAKE_SEND)) != KERN_SUCCESS)
		fail("the helper's port", kr);
	if ((kr = task_create(task, 1, &child)) != KERN_SUCCESS)
		fail("task_create (the helper)", kr);
	if ((kr = mach_port_insert_right(child, HELPER_PORT, p, MACH_MSG_TYPE_MOVE_RECEIVE)) != KERN_SUCCESS)
		fail("the helper's receive right", kr);
	helper = p;
	if ((kr = vm_wire_all(host_priv, child, VM_WIRE_CURRENT)) != KERN_SUCCESS)
		fail("vm_wire_all (the helper)", kr);
	if ((kr = guest_task_thread_start(child, fsx_helper_entry, stack + ss - 64, &th)) != KERN_SUCCESS)
		fail("the helper's thread", kr);
	vm_deallocate(task, stack, ss);
}


static void logop(enum op op, int by, vm_offset_t off, vm_size_t len, vm_size_t before)
{
	struct logent *e = &logbuf[n_op % LOG];
	*e = (struct logent){ n_op, op, by, off, len, before, size };
	done[op]++;
	by_helper += by;
}

/* Grow the file to END by RPC, as fsx grows a file before writing
   through a mapping past its end. */
static void grow(vm_size_t end)
{
	kern_return_t kr;
	if (end <= size)
		return;
	if ((kr = memfile_truncate(file, end)) != KERN_SUCCESS)
		fail("memfile_truncate (growing before a mapped write)", kr);
	size = end;
}

static void op_read(vm_offset_t off, vm_size_t len)
{
	static char buf[MAXIO];
	mach_msg_type_number_t n = MAXIO;
	kern_return_t kr = memfile_read(file, off, len, buf, &n);
	if (kr != KERN_SUCCESS)
		fail("memfile_read", kr);
	if (n != len) {
		guest_printf("@@ mismatch op %lu READ: 0x%lx bytes at 0x%lx, 0x%x came (file size 0x%lx)\n", n_op,
			     (unsigned long) len, (unsigned long) off, n, (unsigned long) size);
		bad_bytes += len;
		print_log();
		return;
	}
	check("READ", (unsigned char *) buf, off, len, 0);
}

static void op_write(vm_offset_t off, vm_size_t len)
{
	static char buf[MAXIO];
	for (vm_size_t i = 0; i < len; i++)
		buf[i] = (char) (good[off + i] = pattern(n_op, off + i));
	if (off + len > written)
		written = off + len;
	kern_return_t kr = memfile_write(file, off, buf, len);
	if (kr != KERN_SUCCESS)
		fail("memfile_write", kr);
	if (off + len > size)
		size = off + len;
}

static void op_mapread(int by, vm_offset_t off, vm_size_t len)
{
	vm_offset_t where = 0;
	int nonzero;
	kern_return_t kr;

	if (by) {
		static char buf[MAXIO];
		mach_msg_type_number_t n = MAXIO;
		if ((kr = fsx_helper_mapread(helper, off, len, size, buf, &n, &nonzero)) != KERN_SUCCESS)
			fail("fsx_helper_mapread", kr);
		if (check("MAPREAD (helper)", (unsigned char *) buf, off, len, 0) && nonzero) {
			guest_printf("@@ mismatch op %lu MAPREAD (helper): %d bytes past the end of the file (0x%lx) "
				     "are not zero in the mapped page\n", n_op, nonzero, (unsigned long) size);
			bad_bytes += (unsigned long) nonzero;
			print_log();
		}
		return;
	}
	vm_address_t at;
	vm_size_t maplen;
	const unsigned char *p = fsx_map(object, off, len, VM_PROT_READ, &at, &maplen, &kr);
	if (!p)
		fail("vm_map", kr);
	if (check("MAPREAD", p, off, len, 0) && (nonzero = fsx_beyond(p, off, len, size, &where)))
		check("MAPREAD past the end of the file", p + (where - off), where, 1, 1);
	vm_deallocate(mach_task_self(), at, maplen);
}

static void op_mapwrite(int by, vm_offset_t off, vm_size_t len)
{
	static char buf[MAXIO];
	kern_return_t kr;

	grow(off + len);
	for (vm_size_t i = 0; i < len; i++)
		buf[i] = (char) (good[off + i] = pattern(n_op, off + i));
	if (off + len > written)
		written = off + len;
	if (by) {
		if ((kr = fsx_helper_mapwrite(helper, off, buf, len)) != KERN_SUCCESS)
			fail("fsx_helper_mapwrite", kr);
		return;
	}
	vm_address_t at;
	vm_size_t maplen;
	unsigned char *p = fsx_map(object, off, len, VM_PROT_READ | VM_PROT_WRITE, &at, &maplen, &kr);
	if (!p)
		fail("vm_map", kr);
	fsx_touch(p, off, len);
	memcpy(p, buf, len);
	vm_deallocate(mach_task_self(), at, maplen);
}

static void op_truncate(vm_size_t to)
{
	kern_return_t kr = memfile_truncate(file, to);
	if (kr != KERN_SUCCESS)
		fail("memfile_truncate", kr);
	/* The shadow is zero from the end of the last write on. */
	if (to < written) {
		memset(good + to, 0, written - to);
		written = to;
	}
	size = to;
}

/* The whole file through one mapping: every page is touched, more than
   the kernel has free when the file is large enough, so pages go out and
   come back. */
static void op_sweep(void)
{
	vm_address_t at;
	vm_size_t maplen;
	vm_offset_t where = 0;
	kern_return_t kr;

	if (!size)
		return;
	const unsigned char *p = fsx_map(object, 0, size, VM_PROT_READ, &at, &maplen, &kr);
	if (!p)
		fail("vm_map (sweep)", kr);
	if (check("SWEEP", p, 0, size, 0) && fsx_beyond(p, 0, size, size, &where))
		check("SWEEP past the end of the file", p + where, where, 1, 1);
	vm_deallocate(mach_task_self(), at, maplen);
}

static long now(void)
{
	time_value_t t = { 0, 0 };
	host_get_time(mach_host_self(), &t);
	return t.seconds;
}

/* The guest's clock in milliseconds: under qemu -icount it counts the
   instructions the guest ran (conformance/lib-boot.sh), not the host's
   load. */
static unsigned long now_ms(void)
{
	time_value_t t = { 0, 0 };
	host_get_time(mach_host_self(), &t);
	return (unsigned long) t.seconds * 1000 + (unsigned long) t.microseconds / 1000;
}

/* argv: the host port, then ops=N seed=S file-kb=N maxop=N sweep=N
   cache=N minutes=M. */
int guest_main(int argc, char **argv)
{
	mach_port_t task = mach_task_self();
	kern_return_t kr;

	if (argc < 2) {
		guest_puts("@@ not ok fsx: argv has the host port\n@@ end\n");
		return 1;
	}
	host_priv = (mach_port_t) guest_number(argv[1]);
	for (int i = 2; i < argc; i++) {
		static const struct { const char *key; unsigned long *v; } keys[] = {
			{ "ops=", &cfg.ops }, { "seed=", &cfg.seed }, { "file-kb=", &cfg.file_kb },
			{ "maxop=", &cfg.maxop }, { "sweep=", &cfg.sweep }, { "cache=", &cfg.cache },
			{ "minutes=", &cfg.minutes }, { "free-kb=", &cfg.free_kb },
			{ "progress=", &cfg.progress },
		};
		unsigned k = 0;
		while (k < sizeof keys / sizeof keys[0] && strncmp(argv[i], keys[k].key, strlen(keys[k].key)))
			k++;
		if (k == sizeof keys / sizeof keys[0])
			fail(argv[i], KERN_INVALID_ARGUMENT);
		*keys[k].v = guest_number(argv[i] + strlen(keys[k].key));
	}
	if (cfg.maxop < 1 || cfg.maxop > MAXIO)
		cfg.maxop = MAXIO;
	file_len = (vm_size_t) cfg.file_kb << 10;
	rng = cfg.seed * 0x9e3779b97f4a7c15ULL + 1;
	if ((kr = task_get_special_port(task, TASK_BOOTSTRAP_PORT, &server)) != KERN_SUCCESS)
		fail("the server's port (bootstrap port)", kr);

	/* The helper first: it inherits this task's memory before the
	   shadow copy is allocated. */
	start_helper();
	if (!(good = guest_alloc(file_len)))
		fail("the shadow copy", KERN_RESOURCE_SHORTAGE);
	/* What this task has is wired; the mappings of the file made later
	   are not. */
	if ((kr = vm_wire_all(host_priv, task, VM_WIRE_CURRENT)) != KERN_SUCCESS)
		fail("vm_wire_all", kr);

	if ((kr = memfile_open(server, "fsx", MEMFILE_OPEN_TRUNCATE, &file)) != KERN_SUCCESS)
		fail("memfile_open", kr);
	if ((kr = memfile_object(file, &object)) != KERN_SUCCESS)
		fail("memfile_object", kr);
	if ((kr = fsx_helper_object(helper, object)) != KERN_SUCCESS)
		fail("fsx_helper_object", kr);

	/* Ballast: wired memory that leaves FREE_KB for the kernel to cache
	   the file's pages in, whatever the kernel and the target use. */
	vm_statistics_data_t vs;
	vm_statistics(task, &vs);
	unsigned long free_kb = (unsigned long) vs.free_count * (vs.pagesize >> 10), ballast_kb = 0;
	if (cfg.free_kb && free_kb > cfg.free_kb) {
		ballast_kb = free_kb - cfg.free_kb;
		vm_address_t b = 0;
		if ((kr = vm_allocate(task, &b, ballast_kb << 10, 1)) != KERN_SUCCESS ||
		    (kr = vm_wire(host_priv, task, b, ballast_kb << 10, VM_PROT_READ | VM_PROT_WRITE)) != KERN_SUCCESS)
			fail("the ballast", kr);
		vm_statistics(task, &vs);
	}
	guest_printf("@@ diag fsx: seed %lu, %lu ops%s, file up to %lu KB, operations up to %lu bytes, "
		     "sweep every %lu, cache toggled every %lu; %lu KB free, %lu KB of it wired as ballast, "
		     "%lu KB free now\n",
		     cfg.seed, cfg.ops, cfg.minutes ? " or the minutes" : "", cfg.file_kb, cfg.maxop, cfg.sweep,
		     cfg.cache, free_kb, ballast_kb, (unsigned long) vs.free_count * (vs.pagesize >> 10));

	unsigned long start_ms = now_ms();
	long deadline = cfg.minutes ? now() + (long) cfg.minutes * 60 : 0;
	int cache_on = 1;
	while (!bad_bytes && (cfg.minutes ? now() < deadline : n_op < cfg.ops)) {
		n_op++;
		vm_size_t before = size;
		unsigned long r = rnd() % 100, len = 1 + rnd() % cfg.maxop, where = rnd();
		int by = (int) (rnd() & 1);
		vm_offset_t off;
		/* Half a period apart, so that neither hides the other. */
		if (cfg.cache && n_op % cfg.cache == cfg.cache / 2) {
			cache_on = !cache_on;
			if ((kr = memfile_set_cache(file, cache_on ? MEMFILE_CACHE_ON : MEMFILE_CACHE_OFF)) != KERN_SUCCESS)
				fail("memfile_set_cache", kr);
			logop(OP_CACHE, 0, 0, (vm_size_t) cache_on, before);
		} else if (cfg.sweep && n_op % cfg.sweep == 0) {
			op_sweep();
			logop(OP_SWEEP, 0, 0, size, before);
		} else if (r < 88) {
			/* READ and MAPREAD within the file, WRITE and MAPWRITE
			   anywhere it may grow to. */
			enum op op = r < 22 ? OP_READ : r < 44 ? OP_MAPREAD : r < 66 ? OP_WRITE : OP_MAPWRITE;
			vm_size_t room = op == OP_READ || op == OP_MAPREAD ? size : file_len;
			if (!room) {
				logop(OP_SKIP, 0, 0, 0, before);
				continue;
			}
			off = where % room;
			if (len > room - off)
				len = room - off;
			if (op == OP_READ || op == OP_WRITE)
				by = 0;
			if (op == OP_READ)
				op_read(off, len);
			else if (op == OP_MAPREAD)
				op_mapread(by, off, len);
			else if (op == OP_WRITE)
				op_write(off, len);
			else
				op_mapwrite(by, off, len);
			logop(op, by, off, len, before);
		} else {
			vm_size_t to = where % (file_len + 1);
			op_truncate(to);
			logop(OP_TRUNCATE, 0, to, 0, before);
		}
		/* After every operation: the server's size is the shadow's. */
		vm_size_t s = 0;
		if ((kr = memfile_size(file, &s)) != KERN_SUCCESS)
			fail("memfile_size", kr);
		if (s != size) {
			guest_printf("@@ mismatch op %lu %s: the server says size 0x%lx, the shadow 0x%lx\n", n_op,
				     op_name[logbuf[n_op % LOG].op], (unsigned long) s, (unsigned long) size);
			bad_bytes++;
			print_log();
		}
		/* A long run says how far it got, with the server's counts. */
		if (cfg.progress && n_op % cfg.progress == 0) {
			guest_printf("@@ diag fsx: %lu ops, 0 bad bytes\n", n_op);
			memfile_report(server);
		}
	}
	/* A closing check of every byte, by RPC and through a mapping. */
	if (!bad_bytes) {
		n_op++;
		for (vm_offset_t off = 0; off < size && !bad_bytes; off += MAXIO)
			op_read(off, size - off < MAXIO ? size - off : MAXIO);
		op_sweep();
		logop(OP_SWEEP, 0, 0, size, size);
	}

	unsigned long guest_ms = now_ms() - start_ms;
	if ((kr = memfile_report(server)) != KERN_SUCCESS)
		fail("memfile_report", kr);
	guest_printf("@@ summary ops=%lu reads=%lu writes=%lu mapreads=%lu mapwrites=%lu helper=%lu truncates=%lu "
		     "sweeps=%lu cache-toggles=%lu skipped=%lu bad-bytes=%lu seed=%lu file-kb=%lu guest-ms=%lu\n",
		     n_op, done[OP_READ], done[OP_WRITE], done[OP_MAPREAD], done[OP_MAPWRITE], by_helper,
		     done[OP_TRUNCATE], done[OP_SWEEP], done[OP_CACHE], done[OP_SKIP], bad_bytes, cfg.seed,
		     cfg.file_kb, guest_ms);
	guest_puts("@@ end\n");
	guest_halt(host_priv);
}
