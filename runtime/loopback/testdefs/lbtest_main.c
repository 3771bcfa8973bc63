/* lbtest_main.c: end-to-end test of generated stubs over the loopback runtime (TAP).
 *
 * Linked with the user stubs (U.c, its header U.h) and the server stubs
 * (S.c) of lbtest.defs, made by GNU MIG or migc in any pairing.  The
 * client calls every routine; the server functions below check what
 * arrives and answer; the client checks what comes back.  The client and
 * the server live in different port name spaces.
 *
 * Usage: lbtest LABEL [TRACE-FILE]
 *   LABEL prefixes every test description (e.g. "x86_64 gnumig/migc").
 *   TRACE-FILE receives every message sent and received, one per line:
 *   "send|recv DEPTH SIZE HEX", for comparing pairings byte for byte.
 *   Before each call the stack is filled with the byte LBTEST_SCRUB
 *   (environment; default 0xa5): bytes of a trace that change with it are
 *   bytes the stubs leave uninitialized.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <mach/notify.h>

#include "U.h"
#include "../loopback.h"
#include "../tap.h"

mach_port_t mach_task_self(void);
kern_return_t vm_allocate(mach_port_t, vm_address_t *, vm_size_t, boolean_t);
kern_return_t vm_deallocate(mach_port_t, vm_address_t, vm_size_t);
mach_port_t mig_get_reply_port(void);
boolean_t lbtest_server(mach_msg_header_t *in, mach_msg_header_t *out);

static const char *label = "";
static lb_space_t *client, *server;
static mach_port_name_t srv_port;	/* the server's receive right (server's name) */
static mach_port_name_t cl_port;	/* the client's send right to it */
static FILE *trace_file;

/* What the server functions saw. */
static struct {
	int calls;
	int server_ok;		/* the port argument was the server's own name */
	int a, b;
	int64_t big;
	int arr[4];
	int vcount;
	int vin[16];
	mach_msg_type_number_t vout_room;
	size_t ool_count;
	int ool_ok;
	vm_address_t client_data;	/* the client's data, freed before the call */
	int client_data_freed;
	char name[80];
	int name_terminated;
	int given_ok;
	mach_port_name_t made;	/* server's name of the port it made */
	int note;
	mach_msg_type_number_t port_count;
	int ports_ok;
	int16_t s[8];
	char c[7];
	mach_msg_type_number_t scount, ccount, croom;
	mach_msg_type_number_t big_count, big_room;
	int big_ok;
	int rights_ok;
	mach_msg_type_name_t poly_type;
	int3_t st;
	int64_t v[5];
	mach_msg_type_number_t vcount64;
	char vs[200];
	size_t vs_len;
	int give_ok;
} seen;

/* ------------------------------------------------------------------ */
/* The server.                                                         */

static void server_called(mach_port_t server_arg)
{
	seen.calls++;
	seen.server_ok = server_arg == srv_port && lb_space_current() == server;
}

kern_return_t srv_lbt_add(mach_port_t server_arg, int a, int b, int64_t big,
			  int *sum, int64_t *bigsum)
{
	server_called(server_arg);
	seen.a = a;
	seen.b = b;
	seen.big = big;
	*sum = a + b;
	*bigsum = big * 2 + 1;
	return KERN_SUCCESS;
}

kern_return_t srv_lbt_reverse(mach_port_t server_arg, const int_array_t in_arr,
			      int_array_t out_arr)
{
	int i;

	server_called(server_arg);
	memcpy(seen.arr, in_arr, sizeof seen.arr);
	for (i = 0; i < 4; i++)
		out_arr[i] = in_arr[3 - i];
	return KERN_SUCCESS;
}

kern_return_t srv_lbt_double(mach_port_t server_arg, const int_var_t vin,
			     mach_msg_type_number_t vinCnt, int_var_t vout,
			     mach_msg_type_number_t *voutCnt)
{
	mach_msg_type_number_t i;

	server_called(server_arg);
	seen.vcount = (int) vinCnt;
	seen.vout_room = *voutCnt;
	if (vinCnt > 16)
		return KERN_INVALID_ARGUMENT;
	memcpy(seen.vin, vin, vinCnt * sizeof *vin);
	for (i = 0; i < vinCnt; i++)
		vout[i] = 2 * vin[i];
	*voutCnt = vinCnt;
	return KERN_SUCCESS;
}

kern_return_t srv_lbt_ool(mach_port_t server_arg, vm_offset_t data,
			  mach_msg_type_number_t dataCnt, vm_offset_t *back,
			  mach_msg_type_number_t *backCnt)
{
	const unsigned char *d = (const unsigned char *) data;
	vm_address_t out = 0;
	mach_msg_type_number_t i;

	server_called(server_arg);
	seen.client_data_freed = !lb_vm_is_allocated(seen.client_data, 1);
	seen.ool_count = dataCnt;
	seen.ool_ok = dataCnt == 0 ? data == 0 : lb_vm_is_allocated(data, dataCnt);
	for (i = 0; i < dataCnt && seen.ool_ok; i++)
		if (d[i] != (unsigned char) (i * 7 + 1))
			seen.ool_ok = 0;
	if (dataCnt) {
		vm_allocate(mach_task_self(), &out, dataCnt, 1);
		for (i = 0; i < dataCnt; i++)
			((unsigned char *) out)[i] = d[dataCnt - 1 - i];
		vm_deallocate(mach_task_self(), data, dataCnt);
	}
	*back = out;
	*backCnt = dataCnt;
	return KERN_SUCCESS;
}

kern_return_t srv_lbt_greet(mach_port_t server_arg, const_name_string_t name,
			    name_string_t greeting)
{
	size_t n = strnlen(name, 64);

	server_called(server_arg);
	/* The stub must give a terminated string (GNU MIG's server stub puts
	   a NUL in the last byte), but do not trust it here. */
	seen.name_terminated = n < 64;
	memcpy(seen.name, name, n);
	seen.name[n] = 0;
	if (strcmp(seen.name, "fill") == 0)
		memset(greeting, 'g', 64);	/* all 64 bytes, no NUL */
	else
		snprintf(greeting, 64, "hello, %.50s", seen.name);
	return KERN_SUCCESS;
}

kern_return_t srv_lbt_ports(mach_port_t server_arg, mach_port_t given,
			    mach_port_t *made)
{
	mach_port_type_t t = 0;
	mach_port_name_t r = MACH_PORT_NULL;

	server_called(server_arg);
	seen.given_ok = lb_port_type(given, &t) == KERN_SUCCESS && t == MACH_PORT_TYPE_SEND;
	if (seen.given_ok)
		lb_port_deallocate(given);
	lb_port_allocate(MACH_PORT_RIGHT_RECEIVE, &r);
	seen.made = r;
	*made = r;
	return KERN_SUCCESS;
}

kern_return_t srv_lbt_note(mach_port_t server_arg, int value)
{
	server_called(server_arg);
	seen.note = value;
	return KERN_SUCCESS;
}

kern_return_t srv_lbt_portarray(mach_port_t server_arg, const mach_port_t *ports,
				mach_msg_type_number_t portsCnt, int *count,
				mach_port_t *back, mach_msg_type_name_t *backPoly)
{
	mach_msg_type_number_t i;

	server_called(server_arg);
	seen.port_count = portsCnt;
	seen.ports_ok = 1;
	for (i = 0; i < portsCnt; i++) {
		mach_port_type_t t = 0;

		if (lb_port_type(ports[i], &t) != KERN_SUCCESS || t != MACH_PORT_TYPE_SEND)
			seen.ports_ok = 0;
	}
	*count = (int) portsCnt;
	/* Give the first right back (moved), drop the others. */
	*back = portsCnt ? ports[0] : MACH_PORT_NULL;
	*backPoly = MACH_MSG_TYPE_MOVE_SEND;
	for (i = 1; i < portsCnt; i++)
		lb_port_deallocate(ports[i]);
	return KERN_SUCCESS;
}

kern_return_t srv_lbt_fail(mach_port_t server_arg, int code)
{
	server_called(server_arg);
	return code;
}

kern_return_t srv_lbt_small(mach_port_t server_arg, const short_var_t s_in,
			    mach_msg_type_number_t sCnt, const char_var_t c_in,
			    mach_msg_type_number_t cCnt, char_var_t cout,
			    mach_msg_type_number_t *coutCnt)
{
	mach_msg_type_number_t i;

	server_called(server_arg);
	seen.scount = sCnt;
	seen.ccount = cCnt;
	seen.croom = *coutCnt;
	if (sCnt > 8 || cCnt > 7)
		return KERN_INVALID_ARGUMENT;
	memcpy(seen.s, s_in, sCnt * sizeof *s_in);
	memcpy(seen.c, c_in, cCnt);
	/* The chars upper-cased, then as many as there were shorts. */
	for (i = 0; i < cCnt; i++)
		cout[i] = (char) (c_in[i] - 'a' + 'A');
	*coutCnt = cCnt;
	return KERN_SUCCESS;
}

kern_return_t srv_lbt_big(mach_port_t server_arg, const int *data,
			  mach_msg_type_number_t dataCnt, int_unb_t *back,
			  mach_msg_type_number_t *backCnt)
{
	mach_msg_type_number_t i;
	int *out = *back;

	server_called(server_arg);
	seen.big_count = dataCnt;
	seen.big_room = *backCnt;
	seen.big_ok = 1;
	for (i = 0; i < dataCnt; i++)
		if (data[i] != (int) (i * 3))
			seen.big_ok = 0;
	/* MIG's convention: fill the buffer given, or allocate a larger one. */
	if (dataCnt > *backCnt) {
		vm_address_t a = 0;

		vm_allocate(mach_task_self(), &a, dataCnt * sizeof *out, 1);
		out = (int *) a;
	}
	for (i = 0; i < dataCnt; i++)
		out[i] = data[i] + 1;
	*back = out;
	*backCnt = dataCnt;
	return KERN_SUCCESS;
}

kern_return_t srv_lbt_rights(mach_port_t server_arg, mach_port_t mv, mach_port_t so,
			     mach_port_t poly, mach_msg_type_name_t polyPoly, int *got)
{
	mach_port_type_t t1 = 0, t2 = 0, t3 = 0;

	server_called(server_arg);
	lb_port_type(mv, &t1);
	lb_port_type(so, &t2);
	lb_port_type(poly, &t3);
	seen.rights_ok = t1 == MACH_PORT_TYPE_SEND && t2 == MACH_PORT_TYPE_SEND_ONCE &&
			 t3 == MACH_PORT_TYPE_SEND;
	seen.poly_type = polyPoly;
	lb_port_deallocate(mv);
	lb_port_deallocate(so);	/* the client gets a send-once notification */
	lb_port_deallocate(poly);
	*got = 3;
	return KERN_SUCCESS;
}

kern_return_t srv_lbt_struct(mach_port_t server_arg, int3_t st, const i64_var_t v,
			     mach_msg_type_number_t vCnt, int3_t *rst, int64_t *sum)
{
	mach_msg_type_number_t i;
	int64_t total = 0;

	server_called(server_arg);
	seen.st = st;
	seen.vcount64 = vCnt;
	if (vCnt > 5)
		return KERN_INVALID_ARGUMENT;
	memcpy(seen.v, v, vCnt * sizeof *v);
	for (i = 0; i < vCnt; i++)
		total += v[i];
	for (i = 0; i < 3; i++) {
		rst->v[i] = st.v[2 - i];
		total += st.v[i];
	}
	*sum = total;
	return KERN_SUCCESS;
}

kern_return_t srv_lbt_vstring(mach_port_t server_arg, const_vstring_t s_in, vstring_t r)
{
	size_t n = strnlen(s_in, 128);

	server_called(server_arg);
	seen.vs_len = n;
	memcpy(seen.vs, s_in, n);
	seen.vs[n] = 0;
	snprintf(r, 128, "<%.125s>", seen.vs);
	return KERN_SUCCESS;
}

kern_return_t srv_lbt_inport(mach_port_t server_arg, const int *data,
			     mach_msg_type_number_t dataCnt, mach_port_t p)
{
	server_called(server_arg);
	seen.big_count = dataCnt;
	seen.big_ok = dataCnt == 3 && data[0] == 7 && data[2] == 9;
	lb_port_deallocate(p);
	return KERN_SUCCESS;
}

kern_return_t srv_lbt_outport(mach_port_t server_arg, int_unb_t *back,
			      mach_msg_type_number_t *backCnt, mach_port_t *p)
{
	server_called(server_arg);
	seen.big_room = *backCnt;
	(*back)[0] = 4;
	(*back)[1] = 5;
	*backCnt = 2;
	*p = server_arg;
	return KERN_SUCCESS;
}

kern_return_t srv_lbt_give(mach_port_t server_arg, mach_port_t p)
{
	mach_port_type_t t = 0;

	server_called(server_arg);
	seen.give_ok = lb_port_type(p, &t) == KERN_SUCCESS && t == MACH_PORT_TYPE_SEND;
	lb_port_deallocate(p);
	return KERN_SUCCESS;
}

/* ------------------------------------------------------------------ */
/* The wire.                                                           */

/* One line per message; the bytes of out-of-line pointers that are not
   null are written "xx": addresses differ from one program to another. */
static void record(void *ctx, const struct lb_trace *t)
{
	const unsigned char *b = (const unsigned char *) t->msg;
	size_t slots[64];
	unsigned nslots = lb_msg_pointer_slots(t->msg, t->size, slots, 64), k;
	mach_msg_size_t i;

	(void) ctx;
	fprintf(trace_file, "%s %u %u ", t->event == LB_TRACE_SEND ? "send" : "recv",
		t->depth, (unsigned) t->size);
	for (i = 0; i < t->size; i++) {
		int ptr = 0;

		for (k = 0; k < nslots && k < 64; k++) {
			vm_offset_t v;

			memcpy(&v, b + slots[k], sizeof v);
			if (v != 0 && i >= slots[k] && i < slots[k] + sizeof v)
				ptr = 1;
		}
		if (ptr)
			fputs("xx", trace_file);
		else
			fprintf(trace_file, "%02x", b[i]);
	}
	fputc('\n', trace_file);
}

/* Stubs leave padding in their messages uninitialized.  Fill the stack
   below us with one pattern before each call, so that those bytes are the
   same whichever stubs run and traces can be compared. */
static int scrub_byte = 0xa5;	/* LBTEST_SCRUB in the environment */

static __attribute__((noinline)) void scrub_stack(void)
{
	unsigned char junk[64 * 1024];

	memset(junk, scrub_byte, sizeof junk);
	__asm__ volatile("" : : "r"(junk) : "memory");	/* keep the stores */
}

#define CALL(expr) (scrub_stack(), (expr))

/* ------------------------------------------------------------------ */

static mach_port_name_t new_port(void)
{
	mach_port_name_t n = MACH_PORT_NULL;

	lb_port_allocate(MACH_PORT_RIGHT_RECEIVE, &n);
	lb_port_insert_right(NULL, n, n, MACH_MSG_TYPE_MAKE_SEND);
	return n;
}

static mach_port_urefs_t send_refs(mach_port_name_t n)
{
	mach_port_urefs_t r = 0;

	lb_port_get_refs(n, MACH_PORT_RIGHT_SEND, &r);
	return r;
}

static void test_scalars(void)
{
	int sum = 0;
	int64_t bigsum = 0;
	kern_return_t kr;

	memset(&seen, 0, sizeof seen);
	kr = CALL(lbt_add(cl_port, 2, 3, (int64_t) 1 << 40, &sum, &bigsum));
	TAP_KR(kr, KERN_SUCCESS, "%s lbt_add: returns", label);
	TAP_OK(seen.calls == 1 && seen.server_ok, "%s lbt_add: server called with its port", label);
	TAP_OK(seen.a == 2 && seen.b == 3 && seen.big == (int64_t) 1 << 40,
	       "%s lbt_add: arguments arrive (%d, %d, %lld)", label, seen.a, seen.b, (long long) seen.big);
	TAP_OK(sum == 5 && bigsum == ((int64_t) 1 << 41) + 1,
	       "%s lbt_add: results come back (%d, %lld)", label, sum, (long long) bigsum);
	kr = CALL(lbt_add(cl_port, -7, 7, -1, &sum, &bigsum));
	TAP_OK(kr == KERN_SUCCESS && sum == 0 && bigsum == -1, "%s lbt_add: negative values", label);
}

static void test_arrays(void)
{
	int_array_t in = { 1, 2, 3, 4 }, out = { 0 };
	int_var_t vin, vout;
	mach_msg_type_number_t n, i;
	kern_return_t kr;

	memset(&seen, 0, sizeof seen);
	kr = CALL(lbt_reverse(cl_port, in, out));
	TAP_KR(kr, KERN_SUCCESS, "%s lbt_reverse: returns", label);
	TAP_OK(memcmp(seen.arr, in, sizeof in) == 0, "%s lbt_reverse: fixed array arrives", label);
	TAP_OK(out[0] == 4 && out[1] == 3 && out[2] == 2 && out[3] == 1,
	       "%s lbt_reverse: fixed array comes back", label);

	for (i = 0; i < 16; i++)
		vin[i] = (int) (i * i) - 5;
	memset(vout, 0, sizeof vout);
	n = 16;
	kr = CALL(lbt_double(cl_port, vin, 5, vout, &n));
	TAP_KR(kr, KERN_SUCCESS, "%s lbt_double: 5 elements", label);
	TAP_OK(seen.vcount == 5 && memcmp(seen.vin, vin, 5 * sizeof *vin) == 0,
	       "%s lbt_double: 5 elements arrive", label);
	TAP_OK(seen.vout_room == 16, "%s lbt_double: server may return up to 16 (%u)", label, seen.vout_room);
	TAP_OK(n == 5 && vout[0] == -10 && vout[4] == 22 && vout[5] == 0,
	       "%s lbt_double: 5 elements come back (%u)", label, n);
	n = 16;
	kr = CALL(lbt_double(cl_port, vin, 16, vout, &n));
	TAP_OK(kr == KERN_SUCCESS && seen.vcount == 16 && n == 16 && vout[15] == 2 * vin[15],
	       "%s lbt_double: 16 elements (the bound)", label);
	n = 16;
	kr = CALL(lbt_double(cl_port, vin, 0, vout, &n));
	TAP_OK(kr == KERN_SUCCESS && seen.vcount == 0 && n == 0, "%s lbt_double: no element", label);
	n = 16;
	kr = CALL(lbt_double(cl_port, vin, 17, vout, &n));
	TAP_KR(kr, MIG_ARRAY_TOO_LARGE, "%s lbt_double: 17 elements refused by the user stub", label);
	n = 3;
	memset(vout, 0, sizeof vout);
	kr = CALL(lbt_double(cl_port, vin, 5, vout, &n));
	TAP_KR(kr, MIG_ARRAY_TOO_LARGE, "%s lbt_double: reply larger than the caller's array", label);
	TAP_OK(n == 5 && vout[2] == 2 * vin[2] && vout[3] == 0,
	       "%s lbt_double: count reported, only room filled (%u)", label, n);
}

static void test_ool(void)
{
	vm_address_t data = 0;
	vm_offset_t back = 0;
	mach_msg_type_number_t backCnt = 0, i, size = 10000;
	kern_return_t kr;
	int ok = 1;

	memset(&seen, 0, sizeof seen);
	vm_allocate(mach_task_self(), &data, size, 1);
	for (i = 0; i < size; i++)
		((unsigned char *) data)[i] = (unsigned char) (i * 7 + 1);
	seen.client_data = data;
	kr = CALL(lbt_ool(cl_port, data, size, &back, &backCnt));
	TAP_KR(kr, KERN_SUCCESS, "%s lbt_ool: returns", label);
	TAP_OK(seen.ool_count == size && seen.ool_ok, "%s lbt_ool: data arrive in the server's fresh memory", label);
	TAP_OK(seen.client_data_freed, "%s lbt_ool: dealloc freed the client's copy when sent", label);
	TAP_OK(backCnt == size && lb_vm_is_allocated(back, size), "%s lbt_ool: data come back out of line (%u)",
	       label, backCnt);
	for (i = 0; ok && i < backCnt && i < size; i++)
		ok = ((unsigned char *) back)[i] == (unsigned char) ((size - 1 - i) * 7 + 1);
	TAP_OK(ok, "%s lbt_ool: returned bytes right", label);
	vm_deallocate(mach_task_self(), back, backCnt);
	kr = CALL(lbt_ool(cl_port, 0, 0, &back, &backCnt));
	TAP_OK(kr == KERN_SUCCESS && seen.ool_count == 0 && seen.ool_ok && backCnt == 0 && back == 0,
	       "%s lbt_ool: empty data", label);
}

static void test_strings(void)
{
	name_string_t greeting;
	char longname[80];
	kern_return_t kr;

	memset(&seen, 0, sizeof seen);
	memset(greeting, 'x', sizeof greeting);
	kr = CALL(lbt_greet(cl_port, "world", greeting));
	TAP_KR(kr, KERN_SUCCESS, "%s lbt_greet: returns", label);
	TAP_OK(strcmp(seen.name, "world") == 0, "%s lbt_greet: string arrives", label);
	TAP_OK(strcmp(greeting, "hello, world") == 0, "%s lbt_greet: string comes back (%.64s)", label, greeting);
	memset(longname, 'n', sizeof longname);
	longname[sizeof longname - 1] = 0;
	kr = CALL(lbt_greet(cl_port, longname, greeting));
	TAP_OK(kr == KERN_SUCCESS && seen.name_terminated && strlen(seen.name) == 63,
	       "%s lbt_greet: a long string arrives cut to 63 and terminated (%zu%s)",
	       label, strlen(seen.name), seen.name_terminated ? "" : ", no NUL in the 64 bytes");
	kr = CALL(lbt_greet(cl_port, "fill", greeting));
	TAP_OK(kr == KERN_SUCCESS && strnlen(greeting, 64) == 63,
	       "%s lbt_greet: a 64-byte reply string comes back cut to 63 and terminated (%zu)",
	       label, strnlen(greeting, 64));
	kr = CALL(lbt_greet(cl_port, "", greeting));
	TAP_OK(kr == KERN_SUCCESS && seen.name[0] == 0 && strcmp(greeting, "hello, ") == 0,
	       "%s lbt_greet: empty string", label);
}

static void test_ports(void)
{
	mach_port_name_t p = new_port(), made = MACH_PORT_NULL;
	mach_port_type_t t = 0;
	kern_return_t kr;

	memset(&seen, 0, sizeof seen);
	kr = CALL(lbt_ports(cl_port, p, &made));
	TAP_KR(kr, KERN_SUCCESS, "%s lbt_ports: returns", label);
	TAP_OK(seen.given_ok, "%s lbt_ports: the server got a send right", label);
	TAP_OK(send_refs(p) == 1, "%s lbt_ports: copy-send kept the client's right", label);
	TAP_OK(lb_port_type(made, &t) == KERN_SUCCESS && t == MACH_PORT_TYPE_SEND &&
	       lb_port_same(client, made, server, seen.made),
	       "%s lbt_ports: the client got a send right to the server's new port", label);
	lb_port_deallocate(made);
	lb_space_switch(server);
	lb_port_mod_refs(seen.made, MACH_PORT_RIGHT_RECEIVE, -1);
	lb_space_switch(client);
	lb_port_destroy(p);
}

static void test_simpleroutine(void)
{
	kern_return_t kr;

	memset(&seen, 0, sizeof seen);
	kr = CALL(lbt_note(cl_port, 99));
	TAP_KR(kr, KERN_SUCCESS, "%s lbt_note: simpleroutine sent", label);
	TAP_OK(seen.calls == 1 && seen.note == 99 && seen.server_ok, "%s lbt_note: the server got it", label);
}

static void test_port_arrays(void)
{
	mach_port_name_t ports[600], back = MACH_PORT_NULL;
	mach_msg_type_name_t poly = 0;
	int count = 0;
	unsigned i, n;
	kern_return_t kr;

	/* 600 is out of line on both targets (x86_64 from 257, i686 from 513). */
	for (n = 3; n <= 600; n += 597) {
		memset(&seen, 0, sizeof seen);
		for (i = 0; i < n; i++)
			ports[i] = new_port();
		kr = CALL(lbt_portarray(cl_port, ports, n, &count, &back, &poly));
		TAP_KR(kr, KERN_SUCCESS, "%s lbt_portarray %u: returns", label, n);
		TAP_OK(seen.port_count == n && seen.ports_ok, "%s lbt_portarray %u: the server got %u send rights",
		       label, n, seen.port_count);
		TAP_OK(count == (int) n, "%s lbt_portarray %u: count comes back", label, n);
		TAP_OK(back == ports[0] && poly == MACH_MSG_TYPE_PORT_SEND && send_refs(ports[0]) == 2,
		       "%s lbt_portarray %u: moved right comes back under the client's name (type %u)",
		       label, n, poly);
		for (i = 0; i < n; i++)
			lb_port_destroy(ports[i]);
	}
}

static void test_small(void)
{
	short_var_t sv = { 1, -2, 3, -4, 5, -6, 7, -8 };
	char_var_t cv = { 'a', 'b', 'c', 'd', 'e', 'f', 'g' }, cout;
	mach_msg_type_number_t cn;
	kern_return_t kr;

	memset(&seen, 0, sizeof seen);
	cn = 7;
	kr = CALL(lbt_small(cl_port, sv, 3, cv, 5, cout, &cn));
	TAP_KR(kr, KERN_SUCCESS, "%s lbt_small: 3 shorts, 5 chars", label);
	TAP_OK(seen.scount == 3 && seen.ccount == 5 && memcmp(seen.s, sv, 6) == 0 &&
	       memcmp(seen.c, "abcde", 5) == 0, "%s lbt_small: arrive (%u, %u)", label, seen.scount, seen.ccount);
	TAP_OK(seen.croom == 7, "%s lbt_small: server may return 7 (%u)", label, seen.croom);
	TAP_OK(cn == 5 && memcmp(cout, "ABCDE", 5) == 0, "%s lbt_small: come back (%u)", label, cn);
	cn = 7;
	kr = CALL(lbt_small(cl_port, sv, 8, cv, 7, cout, &cn));
	TAP_OK(kr == KERN_SUCCESS && seen.scount == 8 && seen.ccount == 7 && cn == 7 &&
	       seen.s[7] == -8 && cout[6] == 'G', "%s lbt_small: full arrays", label);
	cn = 7;
	kr = CALL(lbt_small(cl_port, sv, 0, cv, 0, cout, &cn));
	TAP_OK(kr == KERN_SUCCESS && seen.scount == 0 && seen.ccount == 0 && cn == 0,
	       "%s lbt_small: empty arrays", label);
	cn = 7;
	kr = CALL(lbt_small(cl_port, sv, 1, cv, 1, cout, &cn));
	TAP_OK(kr == KERN_SUCCESS && seen.scount == 1 && seen.ccount == 1 && cn == 1 && cout[0] == 'A',
	       "%s lbt_small: one of each", label);
}

static void test_big(void)
{
	static int data[5000];
	int buf[16], *back;
	mach_msg_type_number_t n, cnt, i;
	kern_return_t kr;
	int ok;

	for (i = 0; i < 5000; i++)
		data[i] = (int) (i * 3);
	for (n = 10; n <= 5000; n += 4990) {
		memset(&seen, 0, sizeof seen);
		back = buf;
		cnt = 16;
		kr = CALL(lbt_big(cl_port, data, n, &back, &cnt));
		TAP_KR(kr, KERN_SUCCESS, "%s lbt_big %u: returns", label, n);
		TAP_OK(seen.big_count == n && seen.big_ok, "%s lbt_big %u: the array arrives", label, n);
		ok = cnt == n;
		for (i = 0; ok && i < n; i++)
			ok = back[i] == data[i] + 1;
		TAP_OK(ok, "%s lbt_big %u: the array comes back (%u%s)", label, n, cnt,
		       back == buf ? ", in the caller's buffer" : ", in fresh memory");
		TAP_OK(n > 16 ? back != buf && lb_vm_is_allocated((vm_address_t) (uintptr_t) back, n * sizeof *back)
			      : back == buf,
		       "%s lbt_big %u: %s", label, n, n > 16 ? "too large for the buffer: new memory" : "in the buffer");
		if (back != buf)
			vm_deallocate(mach_task_self(), (vm_address_t) (uintptr_t) back, cnt * sizeof *back);
	}
}

static void test_rights(void)
{
	mach_port_name_t mv = new_port(), so = MACH_PORT_NULL, poly = MACH_PORT_NULL;
	struct {
		mach_msg_header_t h;
		char body[64];
	} m;
	int got = 0;
	kern_return_t kr;

	memset(&seen, 0, sizeof seen);
	lb_port_mod_refs(mv, MACH_PORT_RIGHT_SEND, 1);
	lb_port_allocate(MACH_PORT_RIGHT_RECEIVE, &so);
	lb_port_allocate(MACH_PORT_RIGHT_RECEIVE, &poly);
	kr = CALL(lbt_rights(cl_port, mv, so, poly, MACH_MSG_TYPE_MAKE_SEND, &got));
	TAP_KR(kr, KERN_SUCCESS, "%s lbt_rights: returns", label);
	TAP_OK(seen.rights_ok && got == 3, "%s lbt_rights: move-send, make-send-once, make-send arrive", label);
	TAP_OK(seen.poly_type == MACH_MSG_TYPE_PORT_SEND, "%s lbt_rights: polymorphic type received (%u)",
	       label, seen.poly_type);
	TAP_OK(send_refs(mv) == 1, "%s lbt_rights: one uref moved away", label);
	memset(&m, 0, sizeof m);
	TAP_OK(mach_msg(&m.h, MACH_RCV_MSG, 0, sizeof m, so, 0, 0) == MACH_MSG_SUCCESS &&
	       m.h.msgh_id == MACH_NOTIFY_SEND_ONCE,
	       "%s lbt_rights: the dropped send-once right notified the client", label);
	lb_port_destroy(mv);
	lb_port_destroy(so);
	lb_port_destroy(poly);
}

static void test_struct(void)
{
	int3_t st = { { 10, 20, 30 } }, rst = { { 0, 0, 0 } };
	i64_var_t v = { (int64_t) 1 << 40, -5, 7, 0, 0 };
	int64_t sum = 0;
	kern_return_t kr;

	memset(&seen, 0, sizeof seen);
	kr = CALL(lbt_struct(cl_port, st, v, 3, &rst, &sum));
	TAP_KR(kr, KERN_SUCCESS, "%s lbt_struct: returns", label);
	TAP_OK(memcmp(&seen.st, &st, sizeof st) == 0 && seen.vcount64 == 3 && seen.v[0] == (int64_t) 1 << 40 &&
	       seen.v[2] == 7, "%s lbt_struct: struct and 64-bit elements arrive", label);
	TAP_OK(rst.v[0] == 30 && rst.v[2] == 10 && sum == ((int64_t) 1 << 40) + 2 + 60,
	       "%s lbt_struct: come back (sum %lld)", label, (long long) sum);
}

static void test_vstring(void)
{
	char r[128], longs[200];
	kern_return_t kr;

	memset(&seen, 0, sizeof seen);
	memset(r, 'x', sizeof r);
	kr = CALL(lbt_vstring(cl_port, "abc", r));
	TAP_KR(kr, KERN_SUCCESS, "%s lbt_vstring: returns", label);
	TAP_OK(seen.vs_len == 3 && strcmp(seen.vs, "abc") == 0, "%s lbt_vstring: arrives", label);
	TAP_OK(strnlen(r, 128) == 5 && strcmp(r, "<abc>") == 0, "%s lbt_vstring: comes back", label);
	memset(longs, 'v', sizeof longs);
	longs[sizeof longs - 1] = 0;
	kr = CALL(lbt_vstring(cl_port, longs, r));
	TAP_OK(kr == KERN_SUCCESS && seen.vs_len == 127 && strnlen(r, 128) == 127,
	       "%s lbt_vstring: a long string is cut to 127 both ways (%zu, %zu)", label, seen.vs_len,
	       strnlen(r, 128));
	kr = CALL(lbt_vstring(cl_port, "", r));
	TAP_OK(kr == KERN_SUCCESS && seen.vs_len == 0 && strcmp(r, "<>") == 0, "%s lbt_vstring: empty", label);
}

/* Inline data of an array declared dealloc, in a message with a right:
   the deallocate bit must be clear, or the kernel refuses the message
   (MACH_SEND_INVALID_TYPE). */
static void test_dealloc_inline(void)
{
	int data[3] = { 7, 8, 9 }, buf[8], *back = buf;
	mach_msg_type_number_t n = 8;
	mach_port_name_t got = MACH_PORT_NULL;
	kern_return_t kr;

	memset(&seen, 0, sizeof seen);
	kr = CALL(lbt_inport(cl_port, data, 3, cl_port));
	TAP_KR(kr, KERN_SUCCESS, "%s lbt_inport: dealloc array sent inline with a right", label);
	TAP_OK(seen.big_ok, "%s lbt_inport: arrives", label);
	kr = CALL(lbt_outport(cl_port, &back, &n, &got));
	TAP_KR(kr, KERN_SUCCESS, "%s lbt_outport: dealloc array returned inline with a right", label);
	TAP_OK(n == 2 && back == buf && buf[0] == 4 && buf[1] == 5 && got == cl_port,
	       "%s lbt_outport: comes back (%u)", label, n);
	if (kr == KERN_SUCCESS)
		lb_port_deallocate(got);
}

static void test_give(void)
{
	mach_port_name_t p = new_port();
	mach_port_type_t t = 0;
	kern_return_t kr;

	memset(&seen, 0, sizeof seen);
	kr = CALL(lbt_give(cl_port, p));
	TAP_KR(kr, KERN_SUCCESS, "%s lbt_give: simpleroutine moving a right", label);
	TAP_OK(seen.give_ok, "%s lbt_give: the server got the send right", label);
	TAP_OK(lb_port_type(p, &t) == KERN_SUCCESS && t == MACH_PORT_TYPE_RECEIVE,
	       "%s lbt_give: the client's send right is gone", label);
	lb_port_destroy(p);
}

static void test_errors(void)
{
	struct {
		mach_msg_header_t h;
		char body[64];
	} m;
	mach_port_name_t rp;
	mach_msg_return_t mr;

	TAP_KR(CALL(lbt_fail(cl_port, KERN_INVALID_ARGUMENT)), KERN_INVALID_ARGUMENT,
	       "%s lbt_fail: the server's error comes back", label);
	TAP_KR(CALL(lbt_fail(cl_port, KERN_SUCCESS)), KERN_SUCCESS, "%s lbt_fail: and success", label);

	/* A request the server does not know. */
	memset(&m, 0, sizeof m);
	rp = mig_get_reply_port();
	m.h.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, MACH_MSG_TYPE_MAKE_SEND_ONCE);
	m.h.msgh_remote_port = cl_port;
	m.h.msgh_local_port = rp;
	m.h.msgh_id = 4299;
	m.h.msgh_size = sizeof m.h;
	mr = mach_msg(&m.h, MACH_SEND_MSG | MACH_RCV_MSG, sizeof m.h, sizeof m, rp, 0, 0);
	TAP_OK(mr == MACH_MSG_SUCCESS && m.h.msgh_id == 4399 &&
	       ((mig_reply_header_t *) &m)->RetCode == MIG_BAD_ID,
	       "%s unknown id: MIG_BAD_ID", label);
	/* A request too short for its routine. */
	memset(&m, 0, sizeof m);
	m.h.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, MACH_MSG_TYPE_MAKE_SEND_ONCE);
	m.h.msgh_remote_port = cl_port;
	m.h.msgh_local_port = rp;
	m.h.msgh_id = 4200;
	mr = mach_msg(&m.h, MACH_SEND_MSG | MACH_RCV_MSG, sizeof m.h, sizeof m, rp, 0, 0);
	TAP_OK(mr == MACH_MSG_SUCCESS && ((mig_reply_header_t *) &m)->RetCode == MIG_BAD_ARGUMENTS,
	       "%s short request: MIG_BAD_ARGUMENTS", label);
}

int main(int argc, char **argv)
{
	unsigned names_before;
	struct lb_stats st;
	int sum;
	int64_t bigsum;

	if (argc > 1)
		label = argv[1];
	if (getenv("LBTEST_SCRUB"))
		scrub_byte = (int) strtol(getenv("LBTEST_SCRUB"), NULL, 0);
	if (argc > 2) {
		trace_file = fopen(argv[2], "w");
		if (!trace_file) {
			perror(argv[2]);
			return 2;
		}
		lb_set_trace(record, NULL);
	}
	client = lb_space_current();
	server = lb_space_create("server");
	lb_space_switch(server);
	lb_port_allocate(MACH_PORT_RIGHT_RECEIVE, &srv_port);
	lb_server_register(srv_port, lbtest_server, 4096);
	lb_port_give(client, srv_port, MACH_MSG_TYPE_MAKE_SEND, &cl_port);
	lb_space_switch(client);
	mig_get_reply_port();
	names_before = lb_space_names(client);

	test_scalars();
	test_arrays();
	test_ool();
	test_strings();
	test_ports();
	test_simpleroutine();
	test_port_arrays();
	test_small();
	test_big();
	test_rights();
	test_struct();
	test_vstring();
	test_give();
	test_dealloc_inline();
	test_errors();

	TAP_OK(lb_space_names(client) == names_before, "%s client: no names leaked (%u before, %u after)",
	       label, names_before, lb_space_names(client));
	TAP_OK(lb_space_names(server) == 2, "%s server: no names leaked (%u: task port, its port)",
	       label, lb_space_names(server));
	lb_get_stats(&st);
	TAP_OK(st.vm_regions == 0 && st.server_errors == 0 && st.vm_stray_deallocs == 0 &&
	       st.vm_partial_deallocs == 0,
	       "%s no memory leaked, no server error (%lu regions, %lu errors, %lu stray, %lu partial)",
	       label, st.vm_regions, st.server_errors, st.vm_stray_deallocs, st.vm_partial_deallocs);

	/* The server goes away. */
	lb_space_switch(server);
	lb_port_mod_refs(srv_port, MACH_PORT_RIGHT_RECEIVE, -1);
	lb_space_switch(client);
	TAP_KR(CALL(lbt_add(cl_port, 1, 1, 1, &sum, &bigsum)), MACH_SEND_INVALID_DEST,
	       "%s dead server: MACH_SEND_INVALID_DEST", label);
	lb_set_trace(NULL, NULL);
	if (trace_file)
		fclose(trace_file);
	lb_reset();
	return tap_done();
}
