/* prove-harness.h: what surrounds a stub in conformance/prove's harnesses: the kernel's delivery, the C library's MIG helpers, the server functions' contract.
 *
 * A harness (written by conformance/prove, one per routine) includes this
 * file, then the stub's C file, then the models of the routine's server
 * function (server stubs) or its call of the user stub (user stubs).  Only
 * CBMC reads it: the __CPROVER_ primitives are CBMC's.  Every assumption a
 * proof rests on is here or in conformance/prove's header_facts(), and is
 * listed in docs/proofs.md.
 */
#ifndef PROVE_HARNESS_H
#define PROVE_HARNESS_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* CBMC has no model of __builtin_assume_aligned (it returns an unknown
 * pointer): the pointer itself.  The __builtin_ copies are the C library's,
 * which CBMC models. */
#define __builtin_assume_aligned(p, a) ((void *)(p))
#define __builtin_memcpy memcpy
#define __builtin_memset memset

/* A copy in a user stub (a field or an array of the caller's into the
 * request, of the reply into the caller's memory or a local): checked as
 * CBMC's memcpy checks it; then, where the destination is a whole object of
 * N bytes (a local the stub loads a field into, a caller's variable), the
 * copy is exact; anywhere else (within the message buffer, a caller's
 * array), every byte of the destination's object holds any value.  That is
 * more than the copy can do (a sound over-approximation: a proof still
 * covers every run; what a user stub writes in its request is only sent,
 * and the reply is any bytes anyway), and CBMC solves it in seconds where
 * an exact copy of a run-time length into the message costs it minutes per
 * routine.  (A port array's element stores still cost about 32 MB each:
 * docs/proofs.md, Not yet done.) */
#ifdef PROVE_USER_SIDE
static void *prove_memcpy_user(void *d, const void *s, size_t n)
{
	__CPROVER_assert(__CPROVER_r_ok(s, n), "memcpy: the source is readable for n bytes");
	__CPROVER_assert(__CPROVER_w_ok(d, n), "memcpy: the destination is writable for n bytes");
	__CPROVER_assert(!__CPROVER_same_object(d, s) ||
			 __CPROVER_POINTER_OFFSET(d) + n <= __CPROVER_POINTER_OFFSET(s) ||
			 __CPROVER_POINTER_OFFSET(s) + n <= __CPROVER_POINTER_OFFSET(d),
			 "memcpy: the source and the destination do not overlap");
	if (n != 0 && __CPROVER_w_ok(d, n) && __CPROVER_r_ok(s, n))
		__CPROVER_havoc_object(d);
	return d;
}
static void *prove_memcpy_whole(void *d, const void *s, size_t n)
{
	if (__CPROVER_POINTER_OFFSET(d) == 0 && __CPROVER_OBJECT_SIZE(d) == n)
		return memcpy(d, s, n);
	return prove_memcpy_user(d, s, n);
}
#define memcpy(d, s, n) (__builtin_constant_p(n) ? prove_memcpy_whole((d), (s), (n)) : prove_memcpy_user((d), (s), (n)))
#endif

/* CBMC gives any value of its type for a call of a function named nondet_. */
uint32_t nondet_u32(void);
int nondet_int(void);
_Bool nondet_bool(void);
void *nondet_ptr(void);

/* The most bytes of an array or string a caller of a user stub passes: far
 * beyond any message, within what CBMC can address in an object on every
 * target (2^21 bytes with 32-bit pointers and conformance/prove's
 * --object-bits 11). */
#define PROVE_MAX_BYTES (1u << 20)

/* The request the harness delivered (server stubs): a server function's
 * array that lies in it must lie within it. */
static void *prove_request;

/* Memory the harness, the C library or a server function allocates (never
 * NULL: mig_allocate and vm_allocate do not return failure to a stub). */
static void *prove_alloc(size_t n)
{
	void *p = malloc(n);
	__CPROVER_assume(p != 0);
	return p;
}

/* A pointer or an array (a parameter: already a pointer): the address it
 * holds; a structure or a scalar: where it is. */
#define PROVE_ADDR(x) (__builtin_classify_type(x) == 5 ? *(void *const *)&(x) : (void *)&(x))
/* An argument of type T for the bytes at B: B itself where T is an array or
 * a pointer, else the T stored there. */
#define PROVE_ARG(T, b) __builtin_choose_expr(__builtin_classify_type(*(T *)0) == 5, (void *)(b), *(T *)(b))
/* An out-of-line argument of type T at address B: B itself where T is a
 * pointer, else the address as T (vm_offset_t). */
#define PROVE_OOL(T, b) __builtin_choose_expr(__builtin_classify_type(*(T *)0) == 5, (void *)(b), (uintptr_t)(b))
/* Make pointer variable V point to B (V's type is any pointer type). */
#define PROVE_SETPTR(v, b) do { void *prove_b_ = (b); memcpy(&(v), &prove_b_, sizeof prove_b_); } while (0)

/* ---- The server function's contract (server stubs). */

/* What the stub gives the server function to read. */
#define PROVE_READS(p, n, what) __CPROVER_assert(__CPROVER_r_ok((p), (n)), what)
/* A string argument: NUL-terminated within its N readable bytes. */
#define PROVE_CSTRING(p, n, what) do { \
	const char *prove_s_ = (const char *)(p); \
	uint32_t prove_i_; \
	for (prove_i_ = 0; prove_i_ < (uint32_t)(n); prove_i_++) { \
		if (!__CPROVER_r_ok(prove_s_ + prove_i_, 1)) \
			break; \
		if (prove_s_[prove_i_] == 0) \
			break; \
	} \
	__CPROVER_assert(prove_i_ < (uint32_t)(n) && __CPROVER_r_ok(prove_s_ + prove_i_, 1), what); \
} while (0)
/* What the server function fills: N writable bytes, which it sets to
 * anything (N a constant: a scalar, a pointer, a fixed array). */
#define PROVE_FILLS(p, n, what) do { \
	void *prove_p_ = (p); \
	__CPROVER_assert(__CPROVER_w_ok(prove_p_, (n)), what); \
	if (__CPROVER_w_ok(prove_p_, (n))) \
		__CPROVER_havoc_slice(prove_p_, (n)); \
} while (0)
/* The room of a variable array it fills: N (a count it was given) writable
 * bytes.  What it leaves there is already anything: the room lies in the
 * reply buffer, which holds any bytes, or in a local of the stub that no
 * one has written (a havoc of a run-time number of bytes would cost CBMC
 * far more than the rest of the proof). */
#define PROVE_WRITES(p, n, what) __CPROVER_assert(__CPROVER_w_ok((p), (n)), what)

/* ---- The C library's MIG helpers (glibc's behaviour, written here). */

mach_port_t mig_get_reply_port(void)
{
	return (mach_port_t)nondet_u32();
}

void mig_put_reply_port(mach_port_t port)
{
	(void)port;
}

void mig_dealloc_reply_port(mach_port_t port)
{
	(void)port;
}

void mig_allocate(vm_address_t *addr, vm_size_t size)
{
	*addr = (vm_address_t)prove_alloc(size);
}

/* Out-of-line memory a stub frees is the task's to free: any address. */
void mig_deallocate(vm_address_t addr, vm_size_t size)
{
	(void)addr;
	(void)size;
}

/* At most LEN - 1 characters and a NUL; the bytes written, the NUL included. */
vm_size_t mig_strncpy(char *dst, const char *src, vm_size_t len)
{
	vm_size_t i = 0;
	if (len == 0)
		return 0;
	while (i < len - 1 && src[i]) {
		dst[i] = src[i];
		i++;
	}
	dst[i] = 0;
	return i + 1;
}

/* ---- The kernel's delivery (user stubs): mach_msg takes the request, the
 * send_size bytes the stub built, and puts any reply of at most rcv_size
 * bytes in the same buffer: any bytes, any header, msgh_size its size (a
 * multiple of 4, at least a header).  Any return code; a reply only with
 * MACH_MSG_SUCCESS. */
static mach_msg_return_t prove_deliver(mach_msg_header_t *msg, int send, mach_msg_size_t send_size, int rcv,
				       mach_msg_size_t rcv_size)
{
	mach_msg_return_t r = nondet_int();
	if (send) {
		__CPROVER_assert(send_size >= sizeof(mach_msg_header_t), "mach_msg: the request holds a header");
		__CPROVER_assert(__CPROVER_r_ok(msg, send_size), "mach_msg: the request lies within the stub's buffer");
	}
	if (rcv && r == MACH_MSG_SUCCESS) {
		uint32_t size = nondet_u32();
		__CPROVER_assert(__CPROVER_w_ok(msg, rcv_size), "mach_msg: the stub's buffer holds rcv_size bytes");
		__CPROVER_assume(size >= sizeof(mach_msg_header_t) && size <= rcv_size && size % 4 == 0);
		/* Any bytes in the whole buffer (the kernel writes SIZE of them and
		 * leaves the rest as the request left it: any bytes is more).  The
		 * whole object, not a slice of rcv_size bytes: CBMC 6.6 cannot
		 * print the trace of a failure after a havoc of a slice whose
		 * length came in as a parameter (an invariant violation in
		 * boolbv_get). */
		if (__CPROVER_w_ok(msg, rcv_size))
			__CPROVER_havoc_object(msg);
		msg->msgh_size = size;
	}
	return r;
}

#ifdef PROVE_KERNEL
mach_msg_return_t mach_msg_send_from_kernel(mach_msg_header_t *msg, mach_msg_size_t send_size)
{
	return prove_deliver(msg, 1, send_size, 0, 0);
}

mach_msg_return_t mach_msg_rpc_from_kernel(const mach_msg_header_t *msg, mach_msg_size_t send_size,
					   mach_msg_size_t reply_size)
{
	return prove_deliver((mach_msg_header_t *)msg, 1, send_size, 1, reply_size);
}
#else
mach_msg_return_t mach_msg(mach_msg_header_t *msg, mach_msg_option_t option, mach_msg_size_t send_size,
			   mach_msg_size_t rcv_size, mach_port_name_t rcv_name, mach_msg_timeout_t timeout,
			   mach_port_name_t notify)
{
	(void)rcv_name;
	(void)timeout;
	(void)notify;
	return prove_deliver(msg, (option & MACH_SEND_MSG) != 0, send_size, (option & MACH_RCV_MSG) != 0, rcv_size);
}
#endif

#endif
