/* wcffi.c: wirecheck's generic driver.  One program for every .defs: it
 * reads migc's -describe output (linked in as wc_description), calls each
 * user stub through libffi with seeded random in-arguments, and serves each
 * request through a libffi closure that records what arrived and returns
 * seeded random out-arguments and return codes.
 *
 * What the description cannot say, the C compiler says: wirecheck writes two
 * small files of facts only (no code per routine):
 *   wcu.c (with the user header): the description, the address of every
 *     user stub, and the size, alignment and class of every C type the user
 *     prototypes name;
 *   wcs.c (with the server header, its server functions renamed to
 *     (*wc_fp_NAME)): the pointer through which the server stubs call each
 *     server function, the demux, and the facts of the server's C types.
 *
 * Usage: wc SEED [TRACE]   drive every routine (see conformance/wirecheck)
 *        wc list           print "skip ROUTINE reason" for each routine it
 *                          cannot drive, then "driven N"
 * The environment variables of wcrt.h's modes (WC_SCRUB, WC_FUZZ,
 * WC_FUZZ_REPLY, WC_FUZZ_CALLS) apply. */
#include <ffi.h>
#include <stdarg.h>
#include "wcrt.h"

/* ---- What wcu.c and wcs.c give. */

struct wc_sym {
	const char *name;
	void (*fn)(void);	/* a user stub */
	void (**slot)(void);	/* a server function pointer */
};
struct wc_ctype {
	const char *name;
	unsigned size, align;
	int cls;		/* __builtin_classify_type: 5 pointer (or array), 12 struct, else an integer */
	int isarray;		/* an array type (decays to a pointer as a parameter) */
};
extern const char wc_description[];
extern const struct wc_sym wc_user_syms[], wc_server_slots[];
extern const struct wc_ctype wc_user_types[], wc_server_types[];
extern boolean_t (*const wc_demux)(mach_msg_header_t *, mach_msg_header_t *);
/* (WC_FUZZ builds: wcrt.h's two demuxes are wcs.c's pointers wc_fz_mdemux
   and wc_fz_gdemux, through -DWC_FZ_MDEMUX=(*wc_fz_mdemux) and so on) */

/* ---- The description. */

enum kind { K_IN, K_OUT, K_INOUT, K_REQUESTPORT, K_REPLYPORT, K_SREPLYPORT, K_UREPLYPORT, K_WAITTIME,
	    K_MSGOPTION, K_MSGSEQNO, K_COUNT, K_POLY, K_DEALLOC, K_SERVERCOPY, K_UNKNOWN };
static const char *const kind_names[] = { "in", "out", "inout", "requestport", "replyport", "sreplyport",
	"ureplyport", "waittime", "msgoption", "msgseqno", "count", "poly", "dealloc", "servercopy" };

struct field {
	char *name;
	int name_sent, name_check;
	unsigned number, data_size, elem;
	int varying, ool, port, string, dealloc;
};
struct msg {
	unsigned max_size;
	int bits_remote;
	struct field *f;
	int nf;
};
struct arg {
	char *name, *of;
	enum kind kind;
	int user, server;	/* in the user stub's prototype, in the server function's */
	long long *enums;
	int nenums;
	struct arg *cnt, *poly_s, *poly_u;	/* its count, its polymorphic type (server, user) */
};
/* One parameter of a prototype, and how it is passed. */
enum pass {
	P_POINTEE,	/* a pointer to the variable (the prototype's *) */
	P_POINTER,	/* the variable is the pointer (const T * of arrays and strings read) */
	P_DECAYS,	/* the variable is an array: its address */
	P_VALUE		/* the variable itself */
};
struct param {
	char *name, *ctype;
	int star;
	struct arg *a;
	const struct wc_ctype *ty;
	enum pass pass;
	ffi_type *ft;
};
struct routine {
	char *name, *uname, *sname;
	int simple, idx;
	struct arg *args;
	int nargs;
	struct param *up, *sp;
	int nup, nsp;
	struct msg req, rep;
	int has_rep;
	char skip[256];
	void (*ufn)(void);
	void (**slot)(void);
	ffi_cif ucif, scif;
	ffi_type **uft, **sft;
	ffi_closure *clo;
	void *code;
};
static struct routine *rts;
static int nrts;
static unsigned wc_maxrep = 1024;

static void die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("wcffi: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(3);
}

static void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (!p)
		die("out of memory");
	return p;
}

static char *xstrdup(const char *s)
{
	char *p = strdup(s);
	if (!p)
		die("out of memory");
	return p;
}

#define GROW(v, n) ((v) = realloc((v), ((n) + 1) * sizeof *(v)), (v) ? (void) 0 : die("out of memory"))

/* The words of LINE (modified) into W; returns how many. */
static int words(char *line, char **w, int max)
{
	int n = 0;
	char *save = NULL, *t;
	for (t = strtok_r(line, " \t\n", &save); t && n < max; t = strtok_r(NULL, " \t\n", &save))
		w[n++] = t;
	return n;
}

/* The index of KEY among the words of a line after its first two (a
   keyword and a name, which may be spelled like a key). */
static int find(char **w, int n, const char *key)
{
	for (int i = 2; i < n; i++)
		if (!strcmp(w[i], key))
			return i;
	return -1;
}

static int num_after(char **w, int n, const char *key, int k)
{
	int i = find(w, n, key);
	if (i < 0 || i + k >= n)
		die("description: no %s", key);
	return (int) strtol(w[i + k], NULL, 0);
}

static void parse_description(void)
{
	const char *p = wc_description;
	struct routine *r = NULL;
	struct msg *m = NULL;
	while (*p) {
		const char *e = strchr(p, '\n');
		size_t len = e ? (size_t) (e - p) : strlen(p);
		char *line = xcalloc(len + 1, 1), *rest = NULL, *w[64];
		int n;
		memcpy(line, p, len);
		p += len + (e != NULL);
		/* (the C type of a parameter is the rest of its line) */
		if (!strncmp(line, "  uparam ", 9) || !strncmp(line, "  sparam ", 9)) {
			char *s = line + 9, *sp1 = strchr(s, ' '), *sp2 = sp1 ? strchr(sp1 + 1, ' ') : NULL;
			if (!sp2 || !r)
				die("description: bad parameter line");
			rest = sp2 + 1;
			*sp2 = 0;
		}
		n = words(line, w, 64);
		if (n == 0) {
			free(line);
			continue;
		}
		if (!strcmp(w[0], "routine") && n >= 7) {
			GROW(rts, nrts);
			r = &rts[nrts];
			memset(r, 0, sizeof *r);
			r->idx = nrts++;
			r->name = xstrdup(w[1]);
			r->simple = !strcmp(w[2], "simple");
			r->uname = xstrdup(w[5]);
			r->sname = xstrdup(w[6]);
			m = NULL;
		} else if (!strcmp(w[0], "arg") && r && n >= 3) {
			struct arg *a;
			int i;
			GROW(r->args, r->nargs);
			a = &r->args[r->nargs++];
			memset(a, 0, sizeof *a);
			a->name = xstrdup(w[1]);
			a->kind = K_UNKNOWN;
			for (i = 0; i < K_UNKNOWN; i++)
				if (!strcmp(w[2], kind_names[i]))
					a->kind = (enum kind) i;
			if ((i = find(w, n, "user")) > 0 && i + 1 < n)
				a->user = atoi(w[i + 1]);
			if ((i = find(w, n, "server")) > 0 && i + 1 < n)
				a->server = atoi(w[i + 1]);
			if ((i = find(w, n, "of")) > 0 && i + 1 < n)
				a->of = xstrdup(w[i + 1]);
			if ((i = find(w, n, "enum")) > 0 && i + 1 < n) {
				char *save = NULL, *t;
				for (t = strtok_r(w[i + 1], ",", &save); t; t = strtok_r(NULL, ",", &save)) {
					GROW(a->enums, a->nenums);
					a->enums[a->nenums++] = strtoll(t, NULL, 0);
				}
			}
		} else if ((!strcmp(w[0], "uparam") || !strcmp(w[0], "sparam")) && n >= 3) {
			int user = w[0][0] == 'u';
			struct param *q;
			if (user) {
				GROW(r->up, r->nup);
				q = &r->up[r->nup++];
			} else {
				GROW(r->sp, r->nsp);
				q = &r->sp[r->nsp++];
			}
			memset(q, 0, sizeof *q);
			q->name = xstrdup(w[1]);
			q->star = !strcmp(w[2], "*");
			q->ctype = xstrdup(rest);
		} else if ((!strcmp(w[0], "request") || !strcmp(w[0], "reply")) && n >= 4 && r) {
			m = !strcmp(w[0], "request") ? &r->req : &r->rep;
			if (m == &r->rep)
				r->has_rep = 1;
			m->max_size = (unsigned) strtoul(w[3], NULL, 0);
			m->bits_remote = num_after(w, n, "bits", 1);
			if (m == &r->rep && m->max_size + 64 > wc_maxrep)
				wc_maxrep = m->max_size + 64;
		} else if (!strcmp(w[0], "field") && m) {
			struct field *f;
			GROW(m->f, m->nf);
			f = &m->f[m->nf++];
			memset(f, 0, sizeof *f);
			f->name = xstrdup(w[1]);
			f->name_sent = num_after(w, n, "name", 1);
			f->name_check = num_after(w, n, "name", 2);
			f->number = (unsigned) num_after(w, n, "number", 1);
			f->data_size = (unsigned) num_after(w, n, "data", 2);
			f->elem = (unsigned) num_after(w, n, "elem", 1);
			f->varying = find(w, n, "varying") > 0;
			f->ool = find(w, n, "ool") > 0;
			f->port = find(w, n, "port") > 0;
			f->string = find(w, n, "string") > 0;
			f->dealloc = find(w, n, "dealloc") > 0 || find(w, n, "dealloc[]") > 0;
		}
		free(line);
	}
}

/* ---- Types and symbols. */

static struct arg *arg_named(struct routine *r, const char *name)
{
	for (int i = 0; i < r->nargs; i++)
		if (!strcmp(r->args[i].name, name))
			return &r->args[i];
	return NULL;
}

static struct field *field_named(struct msg *m, const char *name)
{
	for (int i = 0; i < m->nf; i++)
		if (!strcmp(m->f[i].name, name))
			return &m->f[i];
	return NULL;
}

/* The message field of A: its request field, or for SIDE_OUT its reply field. */
static struct field *field_of(struct routine *r, struct arg *a, int side_out)
{
	if (a->kind == K_IN || (a->kind == K_INOUT && !side_out))
		return field_named(&r->req, a->name);
	if ((a->kind == K_OUT || a->kind == K_INOUT) && r->has_rep)
		return field_named(&r->rep, a->name);
	return NULL;
}

static const struct wc_ctype *ctype_named(const struct wc_ctype *t, const char *name)
{
	for (; t->name; t++)
		if (!strcmp(t->name, name))
			return t;
	return NULL;
}

/* The libffi type of a value of C type T passed by value. */
static ffi_type *value_type(const struct wc_ctype *t)
{
	if (t->cls == 5 || t->isarray)
		return &ffi_type_pointer;
	if (t->cls != 12) {
		switch (t->size) {
		case 1: return &ffi_type_uint8;
		case 2: return &ffi_type_uint16;
		case 4: return &ffi_type_uint32;
		case 8: return &ffi_type_uint64;
		}
	}
	/* A structure (MIG's data is integers): as many integers of its
	 * alignment as it is long. */
	{
		unsigned al = t->align >= 8 ? 8 : t->align >= 4 ? 4 : t->align >= 2 ? 2 : 1, n = t->size / al, i;
		ffi_type *st = xcalloc(1, sizeof *st), **el = xcalloc(n + 1, sizeof *el);
		ffi_type *e = al == 8 ? &ffi_type_uint64 : al == 4 ? &ffi_type_uint32 : al == 2 ? &ffi_type_uint16 : &ffi_type_uint8;
		for (i = 0; i < n; i++)
			el[i] = e;
		st->type = FFI_TYPE_STRUCT;
		st->elements = el;
		return st;
	}
}

/* ---- Values in memory. */

static unsigned long long get_uint(const void *p, unsigned size)
{
	unsigned long long v = 0;
	switch (size) {
	case 1: v = *(const unsigned char *) p; break;
	case 2: { unsigned short s; memcpy(&s, p, 2); v = s; break; }
	case 4: { unsigned s; memcpy(&s, p, 4); v = s; break; }
	default: memcpy(&v, p, size < 8 ? size : 8); break;
	}
	return v;
}

static void put_uint(void *p, unsigned size, unsigned long long v)
{
	switch (size) {
	case 1: *(unsigned char *) p = (unsigned char) v; break;
	case 2: { unsigned short s = (unsigned short) v; memcpy(p, &s, 2); break; }
	case 4: { unsigned s = (unsigned) v; memcpy(p, &s, 4); break; }
	default: memset(p, 0, size); memcpy(p, &v, size < 8 ? size : 8); break;
	}
}

static void *get_ptr(const void *p)
{
	void *v;
	memcpy(&v, p, sizeof v);
	return v;
}

static void set_ptr(void *p, const void *v)
{
	memcpy(p, &v, sizeof v);
}

/* ---- Setting a routine up: what can be driven, and the call interfaces. */

static int port_array(const struct field *f)
{
	return f->port && (f->varying || f->number != 1 || f->ool);
}

/* Most elements of F (0: unbounded); number counts units, not elements, for structs. */
static unsigned bound(const struct field *f)
{
	return f->varying && !f->ool && f->number ? f->data_size / f->elem : f->number;
}

static int skip(struct routine *r, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(r->skip, sizeof r->skip, fmt, ap);
	va_end(ap);
	return 0;
}

static kern_return_t wc_refuse(void)
{
	return KERN_FAILURE;
}

static void serve(ffi_cif *cif, void *ret, void **args, void *data);

/* How a parameter is passed, and the type of the variable the driver keeps for it. */
static int shape(struct routine *r, struct param *q, const struct wc_ctype *types, int user)
{
	q->a = arg_named(r, q->name);
	if (!q->a)
		return skip(r, "%s parameter %s not in the description", user ? "user" : "server", q->name);
	q->ty = ctype_named(types, q->ctype);
	if (!q->ty)
		return skip(r, "no facts about the C type %s", q->ctype);
	if (q->star)
		q->pass = user && q->a->kind == K_IN ? P_POINTER : P_POINTEE;
	else
		q->pass = q->ty->isarray ? P_DECAYS : P_VALUE;
	q->ft = q->pass == P_VALUE ? value_type(q->ty) : &ffi_type_pointer;
	return 1;
}

static int setup(struct routine *r)
{
	int i;
	const struct wc_sym *s;
	for (s = wc_user_syms; s->name; s++)
		if (!strcmp(s->name, r->uname))
			r->ufn = s->fn;
	for (s = wc_server_slots; s->name; s++)
		if (!strcmp(s->name, r->sname))
			r->slot = s->slot;
	if (r->slot)
		*r->slot = (void (*)(void)) wc_refuse;
	if (!r->ufn)
		return skip(r, "no user prototype for %s", r->uname);
	if (!r->slot)
		return skip(r, "no server prototype for %s", r->sname);
	if (r->req.bits_remote != -1 && (r->req.bits_remote < 17 || r->req.bits_remote > 19))
		return skip(r, "request port disposition %d", r->req.bits_remote);
	for (i = 0; i < r->nargs; i++) {
		struct arg *a = &r->args[i], *p;
		if (a->kind == K_IN || a->kind == K_OUT || a->kind == K_INOUT)
			if (!field_of(r, a, 0) || !field_of(r, a, 1))
				return skip(r, "no message field for argument %s", a->name);
		if (a->of && (p = arg_named(r, a->of))) {
			if (a->kind == K_COUNT)
				p->cnt = a;
			if (a->kind == K_POLY && a->server)
				p->poly_s = a;
			if (a->kind == K_POLY && a->user)
				p->poly_u = a;
		}
	}
	for (i = 0; i < r->nup; i++) {
		struct param *q = &r->up[i];
		struct arg *a;
		struct field *f;
		if (!shape(r, q, wc_user_types, 1))
			return 0;
		a = q->a;
		switch (a->kind) {
		case K_REQUESTPORT: case K_UREPLYPORT: case K_REPLYPORT: case K_WAITTIME: case K_MSGOPTION:
		case K_DEALLOC: case K_SERVERCOPY: case K_COUNT: case K_POLY:
			continue;
		case K_IN: case K_OUT: case K_INOUT:
			break;
		default:
			return skip(r, "user parameter %s of kind %s", q->name, kind_names[a->kind]);
		}
		f = field_of(r, a, 0);
		if (a->kind != K_OUT) {
			if ((port_array(f) || (!f->port && !f->string && (f->varying || f->ool))) && !a->cnt)
				return skip(r, "no count for %s", q->name);
			if (a->kind == K_INOUT) {
				f = field_of(r, a, 1);
				if (port_array(f) || f->string || f->varying || f->ool)
					return skip(r, "inout %s of this form", q->name);
			}
			continue;
		}
		if (port_array(f) && !a->cnt)
			return skip(r, "no count for %s", q->name);
		if (!port_array(f) && !f->port && !f->string && f->ool && (!a->cnt || !q->star))
			return skip(r, "out-of-line %s without count or by value", q->name);
		if (!port_array(f) && !f->port && !f->string && !f->ool && f->varying && !a->cnt)
			return skip(r, "inline variable %s without count", q->name);
	}
	for (i = 0; i < r->nsp; i++) {
		struct param *q = &r->sp[i];
		if (!shape(r, q, wc_server_types, 0))
			return 0;
		switch (q->a->kind) {
		case K_REQUESTPORT: case K_SREPLYPORT: case K_REPLYPORT: case K_COUNT: case K_MSGSEQNO:
		case K_SERVERCOPY: case K_DEALLOC: case K_POLY: case K_IN: case K_OUT: case K_INOUT:
			break;
		default:
			return skip(r, "server parameter %s of kind %s", q->name, kind_names[q->a->kind]);
		}
		if ((q->a->kind == K_IN || q->a->kind == K_INOUT) && !q->a->cnt) {
			struct field *f = field_of(r, q->a, 0);
			if (port_array(f) || (!f->port && !f->string && (f->varying || f->ool)))
				return skip(r, "no count for %s", q->name);
		}
	}
	r->uft = xcalloc((size_t) r->nup + 1, sizeof *r->uft);
	for (i = 0; i < r->nup; i++)
		r->uft[i] = r->up[i].ft;
	if (ffi_prep_cif(&r->ucif, FFI_DEFAULT_ABI, (unsigned) r->nup, &ffi_type_sint, r->uft) != FFI_OK)
		return skip(r, "libffi cannot call the user stub");
	r->sft = xcalloc((size_t) r->nsp + 1, sizeof *r->sft);
	for (i = 0; i < r->nsp; i++)
		r->sft[i] = r->sp[i].ft;
	if (ffi_prep_cif(&r->scif, FFI_DEFAULT_ABI, (unsigned) r->nsp, &ffi_type_sint, r->sft) != FFI_OK)
		return skip(r, "libffi cannot describe the server function");
	r->clo = ffi_closure_alloc(sizeof(ffi_closure), &r->code);
	if (!r->clo || ffi_prep_closure_loc(r->clo, &r->scif, serve, r, r->code) != FFI_OK)
		return skip(r, "libffi cannot make the server function");
	*r->slot = (void (*)(void)) r->code;
	return 1;
}

/* ---- The client. */

/* The user stub is called through wc_enter, which first fills the 64 KiB
 * of stack below it with the scrub byte (as wc_scrub does for the C driver)
 * and then jumps to wc_stub_target with every register and stack argument
 * as libffi left them.  Filling any earlier would leave what libffi's own
 * calls wrote there (addresses, the same in both runs) where the stub's
 * frame goes; bytes a stub leaves uninitialised would not change with the
 * fill, and wirecheck could not tell them from bytes it wrote. */
void (*wc_stub_target)(void);
unsigned long long wc_fill_word;
unsigned wc_saved_edi;
void wc_enter(void);
#if defined(__x86_64__)
__asm__(".text\n.globl wc_enter\n.type wc_enter, @function\nwc_enter:\n"
	"\tmovq %rdi, %r10\n\tmovq %rcx, %r11\n"
	"\tmovq wc_fill_word(%rip), %rax\n\tleaq -65536(%rsp), %rdi\n\tmovl $8192, %ecx\n\tcld\n\trep stosq\n"
	"\tmovq %r10, %rdi\n\tmovq %r11, %rcx\n\tjmp *wc_stub_target(%rip)\n");
#elif defined(__i386__)
__asm__(".text\n.globl wc_enter\n.type wc_enter, @function\nwc_enter:\n"
	"\tcall 1f\n1:\tpopl %eax\n\taddl $_GLOBAL_OFFSET_TABLE_+[.-1b], %eax\n"
	"\tmovl %edi, wc_saved_edi@GOTOFF(%eax)\n\tmovl %eax, %edx\n"
	"\tmovl wc_fill_word@GOTOFF(%edx), %eax\n\tleal -65536(%esp), %edi\n\tmovl $16384, %ecx\n\tcld\n\trep stosl\n"
	"\tmovl wc_saved_edi@GOTOFF(%edx), %edi\n\tjmp *wc_stub_target@GOTOFF(%edx)\n");
#elif defined(__aarch64__)
/* x9-x11: scratch registers no argument is passed in (x0-x7, x8 for a
   returned structure); the stack arguments above sp stay as they are. */
__asm__(".text\n.globl wc_enter\n.type wc_enter, %function\nwc_enter:\n"
	"\tadrp x9, wc_fill_word\n\tldr x9, [x9, :lo12:wc_fill_word]\n"
	"\tmov x10, sp\n\tsub x11, x10, #65536\n"
	"1:\tstr x9, [x11], #8\n\tcmp x11, x10\n\tb.lo 1b\n"
	"\tadrp x9, wc_stub_target\n\tldr x9, [x9, :lo12:wc_stub_target]\n\tbr x9\n");
#else
#error "wcffi.c: wc_enter for this processor"
#endif

/* A disposition that gives what the receiver of F checks. */
static int disposition(const struct field *f)
{
	static const int recv[] = { 16 }, send[] = { 20, 19, 17 }, once[] = { 21, 18 }, any[] = { 20, 19, 21 };
	if (f->name_sent >= 0)
		return f->name_sent;
	switch (f->name_check) {
	case 16: return recv[0];
	case 17: return send[wc_rand() % 3];
	case 18: return once[wc_rand() % 2];
	default: return any[wc_rand() % 3];
	}
}

/* A variable of the driver's, for one parameter. */
struct var {
	unsigned char *v;	/* the variable (of the parameter's C type, or a pointer for P_POINTER) */
	void *ptr;		/* its address, when that is what is passed */
	unsigned char *buf;	/* the data it points at, when the driver provides it */
};

/* Is the variable (of parameter Q) a pointer (or an integer holding an
 * address) rather than an array, whose data it points at? */
static int varptr(const struct param *q)
{
	return q->pass == P_POINTER || (!q->ty->isarray && q->ty->cls != 12);
}

/* Where the data of Q's variable is. */
static void *vardata(const struct param *q, const struct var *x)
{
	return varptr(q) ? get_ptr(x->v) : x->v;
}

static struct var *var_of(struct routine *r, struct var *vars, const struct arg *a)
{
	for (int i = 0; i < r->nup; i++)
		if (r->up[i].a == a)
			return &vars[i];
	return NULL;
}

static unsigned cnt_get(struct routine *r, struct var *vars, const struct arg *a)
{
	struct var *x = var_of(r, vars, a);
	return x ? (unsigned) get_uint(x->v, 4) : 0;
}

static void cnt_set(struct routine *r, struct var *vars, const struct arg *a, unsigned n)
{
	struct var *x = var_of(r, vars, a);
	if (x)
		put_uint(x->v, 4, n);
}

/* Element I of the array of ports NAME, as logged. */
static void log_own_port_i(struct wc_log *l, const char *name, unsigned i, mach_port_name_t n, int k, int d)
{
	char t[64];
	snprintf(t, sizeof t, "%s[%u]", name, i);
	wc_log_own_port(l, t, n, k, d);
}

static void log_port_i(struct wc_log *l, const char *name, unsigned i, mach_port_name_t n, lb_space_t *other,
		       mach_port_name_t *ports, int nports, int disp)
{
	char t[64];
	snprintf(t, sizeof t, "%s[%u]", name, i);
	wc_log_port(l, t, n, other, ports, nports, disp);
}

static void call_routine(struct routine *r, int call)
{
	struct var *vars = xcalloc((size_t) r->nup + 1, sizeof *vars);
	void **avalues = xcalloc((size_t) r->nup + 1, sizeof *avalues);
	ffi_arg rv = 0;
	kern_return_t ret;
	mach_port_name_t srv;
	int i;
	/* The variables, as the routine's C driver would declare them. */
	for (i = 0; i < r->nup; i++) {
		struct param *q = &r->up[i];
		struct var *x = &vars[i];
		size_t size = q->pass == P_POINTER ? sizeof(void *) : q->ty->size;
		x->v = xcalloc(size < 16 ? 16 : size, 1);
		switch (q->a->kind) {
		case K_WAITTIME: put_uint(x->v, q->ty->size, 1000); break;
		case K_MSGOPTION: put_uint(x->v, q->ty->size, MACH_MSG_OPTION_NONE); break;
		case K_COUNT: {
			struct arg *p = arg_named(r, q->a->of);
			struct field *f = p ? field_of(r, p, 0) : NULL;
			/* (an out array passed by reference sets its capacity with its buffer) */
			put_uint(x->v, q->ty->size, f ? bound(f) : 0);
			break;
		}
		default: break;
		}
		x->ptr = x->v;
		avalues[i] = q->pass == P_POINTEE || q->pass == P_DECAYS ? (void *) &x->ptr : (void *) x->v;
	}
	srv = wc_start(r->name, call, (unsigned) r->idx, wc_demux, wc_maxrep, r->req.bits_remote);
	for (i = 0; i < r->nup; i++) {
		struct param *q = &r->up[i];
		struct var *x = &vars[i];
		struct arg *a = q->a;
		unsigned sz = q->ty->size;
		struct field *f;
		switch (a->kind) {
		case K_REQUESTPORT: put_uint(x->v, sz, srv); continue;
		case K_UREPLYPORT: case K_REPLYPORT: {
			mach_port_name_t n = MACH_PORT_NULL;
			lb_port_allocate(MACH_PORT_RIGHT_RECEIVE, &n);
			put_uint(x->v, sz, n);
			continue;
		}
		case K_DEALLOC: case K_SERVERCOPY: put_uint(x->v, sz, wc_rand() % 2); continue;
		case K_POLY: {
			struct arg *p = arg_named(r, a->of);
			if (p && p->kind == K_REQUESTPORT)
				put_uint(x->v, sz, (unsigned) wc_rq_disp);
			/* A reply port of a polymorphic name: the receive right
			 * made above, for a send-once right made from it. */
			if (p && (p->kind == K_UREPLYPORT || p->kind == K_REPLYPORT))
				put_uint(x->v, sz, MACH_MSG_TYPE_MAKE_SEND_ONCE);
			continue;
		}
		case K_IN: case K_INOUT: case K_OUT: break;
		default: continue;
		}
		f = field_of(r, a, 0);
		if (a->kind == K_OUT) {
			memset(x->v, 0, sz);
			if (port_array(f)) {
				if (f->varying && !f->ool && q->star) {
					unsigned cap = f->data_size / f->elem;
					x->buf = xcalloc(cap + 1, sizeof(mach_port_t));
					set_ptr(x->v, x->buf);
					cnt_set(r, vars, a->cnt, wc_count(cap));
				}
			} else if (f->port) {
			} else if (f->string) {
				x->buf = xcalloc(f->data_size + 8, 1);
				if (varptr(q))
					set_ptr(x->v, x->buf);
			} else if (f->ool) {
			} else if (f->varying) {
				unsigned cap = f->data_size / f->elem;
				x->buf = xcalloc(f->data_size + 8, 1);
				if (q->star) {
					set_ptr(x->v, x->buf);
					cnt_set(r, vars, a->cnt, wc_count(cap));
				} else if (varptr(q))
					set_ptr(x->v, x->buf);
			}
			continue;
		}
		if (port_array(f)) {
			unsigned nmax = bound(f) ? bound(f) : 600, k, n;
			int d = disposition(f);
			mach_port_t *pa;
			x->buf = xcalloc(nmax + 1, sizeof(mach_port_t));
			if (varptr(q))
				set_ptr(x->v, x->buf);
			if (a->poly_u)
				cnt_set(r, vars, a->poly_u, (unsigned) d);
			n = wc_count(bound(f));
			cnt_set(r, vars, a->cnt, n);
			pa = vardata(q, x);
			for (k = 0; k < n; k++) {
				int kk = wc_ncports;
				pa[k] = wc_port(d, wc_cports, &wc_ncports);
				log_own_port_i(&wc_cin, q->name, k, (mach_port_name_t) pa[k], kk, d);
			}
		} else if (f->port) {
			int kk = wc_ncports, d = disposition(f);
			mach_port_name_t n;
			if (a->poly_u)
				cnt_set(r, vars, a->poly_u, (unsigned) d);
			n = wc_port(d, wc_cports, &wc_ncports);
			put_uint(x->v, sz, n);
			wc_log_own_port(&wc_cin, q->name, n, kk, d);
		} else if (f->string) {
			char *s;
			x->buf = xcalloc(f->data_size + 8, 1);
			if (varptr(q))
				set_ptr(x->v, x->buf);
			s = vardata(q, x);
			wc_string(s, f->data_size);
			wc_log(&wc_cin, q->name, s, strlen(s));
		} else if (f->varying || f->ool) {
			unsigned maxbytes = (bound(f) ? bound(f) : 600) * f->elem, n;
			if (f->ool && f->dealloc) {
				/* The stub may deallocate it: memory from the runtime. */
				vm_address_t wa = 0;
				mig_allocate(&wa, maxbytes + 8);
				set_ptr(x->v, (void *) wa);
			} else {
				x->buf = xcalloc(maxbytes + 8, 1);
				if (varptr(q))
					set_ptr(x->v, x->buf);
			}
			n = wc_count(bound(f));
			cnt_set(r, vars, a->cnt, n);
			wc_fill(vardata(q, x), (size_t) n * f->elem);
			wc_log(&wc_cin, q->name, vardata(q, x), (size_t) n * f->elem);
		} else if (a->nenums) {
			put_uint(x->v, sz, (unsigned long long) a->enums[wc_rand() % (unsigned) a->nenums]);
			wc_log(&wc_cin, q->name, x->v, sz);
		} else {
			wc_fill(x->v, sz);
			wc_log(&wc_cin, q->name, x->v, sz);
		}
	}
	wc_fill_word = 0x0101010101010101ULL * (unsigned char) wc_scrub_byte;
	wc_stub_target = r->ufn;
	ffi_call(&r->ucif, wc_enter, &rv, avalues);
	ret = (kern_return_t) rv;
	if (ret == KERN_SUCCESS && !WC_FZ_REPLYING) {
		for (i = 0; i < r->nup; i++) {
			struct param *q = &r->up[i];
			struct var *x = &vars[i];
			struct arg *a = q->a;
			struct field *f;
			if (a->kind != K_OUT && a->kind != K_INOUT)
				continue;
			f = field_of(r, a, 1);
			if (a->kind == K_INOUT) {
				if (f->port)
					wc_log_port(&wc_cout, q->name, (mach_port_name_t) get_uint(x->v, q->ty->size), wc_server,
						    wc_sports, wc_nsports, f->name_check);
				else
					wc_log(&wc_cout, q->name, x->v, q->ty->size);
			} else if (port_array(f)) {
				unsigned n = cnt_get(r, vars, a->cnt), k;
				mach_port_t *pa = vardata(q, x);
				for (k = 0; k < n; k++)
					log_port_i(&wc_cout, q->name, k, (mach_port_name_t) pa[k], wc_server, wc_sports,
						   wc_nsports, f->name_check);
			} else if (f->port) {
				wc_log_port(&wc_cout, q->name, (mach_port_name_t) get_uint(x->v, q->ty->size), wc_server,
					    wc_sports, wc_nsports, f->name_check);
			} else if (f->string) {
				char *s = vardata(q, x);
				wc_log(&wc_cout, q->name, s, strlen(s));
			} else if (f->ool || f->varying) {
				wc_log(&wc_cout, q->name, vardata(q, x), (size_t) cnt_get(r, vars, a->cnt) * f->elem);
			} else if (q->star) {
				wc_log(&wc_cout, q->name, x->v, q->ty->size);
			} else {
				wc_log(&wc_cout, q->name, vardata(q, x), f->data_size);
			}
		}
	}
	if (wc_trace)
		fflush(wc_trace);
	wc_finish(r->name, call, r->simple, ret);
	for (i = 0; i < r->nup; i++) {
		free(vars[i].v);
		free(vars[i].buf);
	}
	free(vars);
	free(avalues);
}

/* ---- The server function. */

static struct param *sparam_of(struct routine *r, const struct arg *a)
{
	for (int i = 0; i < r->nsp; i++)
		if (r->sp[i].a == a)
			return &r->sp[i];
	return NULL;
}

/* The server function's parameter P, as a value (its storage). */
static void *sarg(struct routine *r, void **args, const struct param *p)
{
	return args[p - r->sp];
}

/* Where P's data is: what a pointer (or decayed array) points at, or the value itself. */
static void *saddr(struct routine *r, void **args, const struct param *p)
{
	void *v = sarg(r, args, p);
	return p->pass != P_VALUE || p->ty->cls == 5 ? get_ptr(v) : v;
}

/* The value of the count (or polymorphic type) A, through its pointer if it is one. */
static unsigned scnt_get(struct routine *r, void **args, const struct arg *a)
{
	struct param *p = a ? sparam_of(r, a) : NULL;
	if (!p)
		return 0;
	return (unsigned) get_uint(p->star ? get_ptr(sarg(r, args, p)) : sarg(r, args, p), 4);
}

static void scnt_set(struct routine *r, void **args, const struct arg *a, unsigned n)
{
	struct param *p = a ? sparam_of(r, a) : NULL;
	if (p && p->star)
		put_uint(get_ptr(sarg(r, args, p)), 4, n);
}

static void serve(ffi_cif *cif, void *ret, void **args, void *data)
{
	struct routine *r = data;
	int i;
	(void) cif;
	wc_called = 1;
	if (wc_fuzzing) {
		*(ffi_arg *) ret = (ffi_arg) WC_FZ_ACCEPT;
		return;
	}
	for (i = 0; i < r->nsp; i++) {
		struct param *q = &r->sp[i];
		struct arg *a = q->a;
		struct field *f;
		void *v = sarg(r, args, q);
		if (a->kind != K_IN && a->kind != K_INOUT)
			continue;
		f = field_of(r, a, 0);
		if (port_array(f)) {
			unsigned n = scnt_get(r, args, a->cnt), k;
			mach_port_t *pa = f->ool ? get_ptr(v) : saddr(r, args, q);
			for (k = 0; k < n; k++)
				log_port_i(&wc_sin, q->name, k, (mach_port_name_t) pa[k], wc_client, wc_cports, wc_ncports,
					   f->name_check);
		} else if (f->port) {
			const void *pv = a->kind == K_INOUT ? get_ptr(v) : v;
			int disp = f->name_check;
			if (a->poly_s && sparam_of(r, a->poly_s))
				disp = scnt_get(r, args, a->poly_s) == MACH_MSG_TYPE_PORT_RECEIVE ? 16 : 0;
			wc_log_port(&wc_sin, q->name, (mach_port_name_t) get_uint(pv, q->ty->size), wc_client, wc_cports,
				    wc_ncports, disp);
		} else if (f->string) {
			const char *s = saddr(r, args, q);
			wc_log(&wc_sin, q->name, s, strlen(s));
		} else if (f->varying || f->ool) {
			wc_log(&wc_sin, q->name, f->ool ? get_ptr(v) : saddr(r, args, q),
			       (size_t) scnt_get(r, args, a->cnt) * f->elem);
		} else if (a->kind == K_INOUT) {
			wc_log(&wc_sin, q->name, get_ptr(v), q->ty->size);
		} else {
			int isptr = q->pass != P_VALUE || q->ty->cls == 5;
			wc_log(&wc_sin, q->name, saddr(r, args, q), isptr ? f->data_size : q->ty->size);
		}
	}
	wc_sret = wc_retcode();
	if (wc_sret == KERN_SUCCESS)
		for (i = 0; i < r->nsp; i++) {
			struct param *q = &r->sp[i];
			struct arg *a = q->a;
			struct field *f;
			void *v = sarg(r, args, q);
			if (a->kind == K_DEALLOC) {
				if (q->star)
					put_uint(get_ptr(v), q->ty->size, wc_rand() % 2);
				continue;
			}
			if (a->kind != K_OUT && a->kind != K_INOUT)
				continue;
			f = field_of(r, a, 1);
			if (port_array(f)) {
				/* Ports made here; beyond the inline room (or always, out of line) in memory from the runtime. */
				int inl = !f->ool;
				unsigned n = wc_count(inl && !f->number ? (f->data_size / f->elem) * 2 : f->number), k;
				mach_port_t *pa;
				vm_address_t wa = 0;
				if (inl) {
					if (n <= scnt_get(r, args, a->cnt))
						pa = get_ptr(get_ptr(v));
					else {
						mig_allocate(&wa, n * sizeof *pa);
						pa = (mach_port_t *) wa;
						set_ptr(get_ptr(v), pa);
					}
				} else {
					if (n)
						mig_allocate(&wa, n * sizeof *pa);
					pa = (mach_port_t *) wa;
					memcpy(get_ptr(v), &wa, sizeof wa);
				}
				scnt_set(r, args, a->cnt, n);
				/* One name for all the array's ports: the polymorphic
				 * name's value, when it has one. */
				int d = disposition(f);
				if (a->poly_s)
					scnt_set(r, args, a->poly_s, (unsigned) d);
				for (k = 0; k < n; k++) {
					int kk = wc_nsports;
					pa[k] = wc_port(d, wc_sports, &wc_nsports);
					log_own_port_i(&wc_sout, q->name, k, (mach_port_name_t) pa[k], kk, d);
				}
			} else if (f->port) {
				int kk = wc_nsports, d = disposition(f);
				mach_port_name_t n;
				if (a->poly_s)
					scnt_set(r, args, a->poly_s, (unsigned) d);
				n = wc_port(d, wc_sports, &wc_nsports);
				put_uint(get_ptr(v), q->ty->size, n);
				wc_log_own_port(&wc_sout, q->name, n, kk, d);
			} else if (f->string) {
				char *s = saddr(r, args, q);
				wc_string(s, f->data_size);
				wc_log(&wc_sout, q->name, s, strlen(s));
			} else if (f->ool) {
				vm_address_t wa = 0;
				unsigned n = wc_count(f->number);
				scnt_set(r, args, a->cnt, n);
				if (n)
					mig_allocate(&wa, (vm_size_t) n * f->elem);
				wc_fill((void *) wa, (size_t) n * f->elem);
				memcpy(get_ptr(v), &wa, sizeof wa);
				wc_log(&wc_sout, q->name, (void *) wa, (size_t) n * f->elem);
			} else if (f->varying && q->star) {
				/* By reference: *NM is the reply's inline room of *CNT elements; more goes out of line. */
				unsigned cap = f->data_size / f->elem, n = wc_count(cap * 2);
				unsigned char *p;
				vm_address_t wa = 0;
				if (n <= scnt_get(r, args, a->cnt))
					p = get_ptr(get_ptr(v));
				else {
					mig_allocate(&wa, (vm_size_t) n * f->elem);
					p = (unsigned char *) wa;
					memcpy(get_ptr(v), &wa, sizeof wa);
				}
				scnt_set(r, args, a->cnt, n);
				wc_fill(p, (size_t) n * f->elem);
				wc_log(&wc_sout, q->name, p, (size_t) n * f->elem);
			} else if (f->varying) {
				unsigned n = wc_count(bound(f)), room = scnt_get(r, args, a->cnt);
				if (n > room)
					n = room;
				scnt_set(r, args, a->cnt, n);
				wc_fill(saddr(r, args, q), (size_t) n * f->elem);
				wc_log(&wc_sout, q->name, saddr(r, args, q), (size_t) n * f->elem);
			} else if (a->nenums && q->star) {
				put_uint(get_ptr(v), q->ty->size, (unsigned long long) a->enums[wc_rand() % (unsigned) a->nenums]);
				wc_log(&wc_sout, q->name, get_ptr(v), q->ty->size);
			} else if (q->star) {
				wc_fill(get_ptr(v), q->ty->size);
				wc_log(&wc_sout, q->name, get_ptr(v), q->ty->size);
			} else {
				wc_fill(saddr(r, args, q), f->data_size);
				wc_log(&wc_sout, q->name, saddr(r, args, q), f->data_size);
			}
		}
	*(ffi_arg *) ret = (ffi_arg) (ffi_sarg) wc_sret;
}

/* ---- The program. */

int main(int argc, char **argv)
{
	int call, status, ncalls, i, driven = 0;
	pid_t pid;
	if (argc < 2) {
		fprintf(stderr, "usage: %s SEED [TRACE] | list\n", argv[0]);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	parse_description();
	for (i = 0; i < nrts; i++)
		driven += setup(&rts[i]);
	if (!strcmp(argv[1], "list")) {
		for (i = 0; i < nrts; i++)
			if (rts[i].skip[0])
				printf("skip %s %s\n", rts[i].name, rts[i].skip);
		printf("driven %d\n", driven);
		return 0;
	}
	wc_seed = strtoull(argv[1], NULL, 0);
	if (argc > 2)
		wc_trace = fopen(argv[2], "w");
	if (getenv("WC_SCRUB"))
		wc_scrub_byte = (int) strtol(getenv("WC_SCRUB"), NULL, 0);
	ncalls = getenv("WC_CALLS") ? atoi(getenv("WC_CALLS")) : 8;
#ifdef WC_FUZZ
	if (getenv("WC_FUZZ")) {
		struct sigaction sa;
		wc_fuzzing = 1;
		wc_fz_n = atoi(getenv("WC_FUZZ"));
		if (getenv("WC_FUZZ_CALLS"))
			ncalls = atoi(getenv("WC_FUZZ_CALLS"));
		memset(&sa, 0, sizeof sa);
		sa.sa_handler = wc_fz_signal;
		sigaction(SIGSEGV, &sa, NULL);
		sigaction(SIGBUS, &sa, NULL);
		wc_fz_on_death(wc_fz_context);
	}
	if (getenv("WC_FUZZ_REPLY")) {
		wc_fz_reply = 1;
		wc_fz_n = atoi(getenv("WC_FUZZ_REPLY"));
		if (getenv("WC_FUZZ_CALLS"))
			ncalls = atoi(getenv("WC_FUZZ_CALLS"));
		wc_fz_on_death(wc_fz_context);
	}
#endif
	/* Each routine in a child process: a crash is reported against it alone. */
	for (i = 0; i < nrts; i++) {
		struct routine *r = &rts[i];
		if (r->skip[0])
			continue;
		fflush(stdout);
		if (wc_trace)
			fflush(wc_trace);
		if ((pid = fork()) == 0) {
#ifdef WC_FUZZ
			if (wc_fz_reply) {
				for (call = 0; call < ncalls; call++)
					for (wc_fz_k = 0; wc_fz_k < wc_fz_n; wc_fz_k++) {
						wc_fz_what[0] = 0;
						call_routine(r, call);
					}
			} else
#endif
				for (call = 0; call < ncalls; call++)
					call_routine(r, call);
#ifdef WC_FUZZ
			if (wc_fuzzing)
				printf("fuzz done %s %lu %lu %lu %lu\n", r->name, wc_fz_msgs, wc_fz_stricter, wc_fz_bad,
				       wc_fz_gcrash);
#endif
			fflush(stdout);
			if (wc_trace)
				fflush(wc_trace);
			_exit(0);
		}
		waitpid(pid, &status, 0);
		if (!WIFEXITED(status) || WEXITSTATUS(status))
			printf("result %s -1 fail died (%s %d)\n", r->name, WIFSIGNALED(status) ? "signal" : "status",
			       WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
	}
	if (wc_trace)
		fclose(wc_trace);
	return 0;
}
