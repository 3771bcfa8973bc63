/* memfile_state.h: the memfile server's state, shared by its two threads (clients' RPCs, the kernel's memory-object messages). */
#ifndef MEMFILE_STATE_H
#define MEMFILE_STATE_H 1

#include <mach/message.h>
#include <mach/port.h>
#include <mach/kern_return.h>
#include <mach/vm_prot.h>
#include "guest.h"

#define MEMFILE_PAGE 4096
#define MEMFILE_MAX_FILES 4
#define MEMFILE_MAX_IO 16384

/* The memory-object routines, in both directions, as the server counts them. */
enum memfile_call {
	/* the kernel calls the server (memory_object.defs) */
	MF_K_INIT, MF_K_TERMINATE, MF_K_COPY, MF_K_DATA_REQUEST, MF_K_DATA_UNLOCK,
	MF_K_LOCK_COMPLETED, MF_K_SUPPLY_COMPLETED, MF_K_DATA_RETURN, MF_K_CHANGE_COMPLETED,
	/* the server calls the kernel (mach.defs) */
	MF_S_READY, MF_S_DATA_SUPPLY, MF_S_DATA_UNAVAILABLE, MF_S_LOCK_REQUEST,
	MF_S_CHANGE_ATTRIBUTES, MF_S_DATA_ERROR,
	MF_CALLS
};
extern const char *const memfile_call_name[MF_CALLS];

/* Mistakes the server can be built to make, so that a test can show
   that fsx notices them. */
enum memfile_mistake {
	MEMFILE_NO_MISTAKE,
	MEMFILE_TRUNCATE_NO_FLUSH,	/* truncate leaves the kernel's pages beyond the new end */
};

struct memfile_file {
	int used;
	char name[64];
	mach_port_t port;		/* clients' RPCs (receive right) */
	mach_port_t object;		/* the memory object (receive right, in the pager's set) */
	mach_port_t control, name_port;	/* from memory_object_init, null after terminate */
	int may_cache;
	vm_size_t size, capacity;
	unsigned char *data;		/* capacity bytes; zero beyond size */
	unsigned char *precious;	/* per page: handed to the kernel as precious, our copy poisoned */
	unsigned char *evicted;		/* per page: returned while no sync was pending */
	unsigned char *stored;		/* per page: holds data (else a hole: zeros, not stored) */
	unsigned char *resident;	/* per page: given to the kernel since it was last flushed */
};

struct memfile_stats {
	unsigned long calls[MF_CALLS];
	unsigned long failed[MF_CALLS];		/* calls to the kernel that did not return KERN_SUCCESS */
	unsigned long pages_supplied, pages_precious, pages_unavailable, pages_returned,
		pages_returned_dirty, pages_evicted, pages_back, syncs, syncs_skipped, stale, errors;
};

struct memfile_state {
	mach_port_t host_priv;
	mach_port_t service;		/* memfile_open, memfile_report */
	mach_port_t client_set;		/* service and file ports */
	mach_port_t pager_set;		/* objects, the sync port */
	mach_port_t sync;		/* memfile_pager_sync requests and the kernel's completions */
	mach_port_t wait;		/* the client thread's memfile_pager_done */
	vm_size_t capacity;		/* of each file */
	int precious;			/* supply odd pages precious */
	enum memfile_mistake mistake;
	struct memfile_file files[MEMFILE_MAX_FILES];
	struct memfile_stats st;
	/* the one sync in progress (the client thread waits for it) */
	struct {
		int active, kind;
		struct memfile_file *file;
		vm_offset_t offset;
		vm_size_t size;
		mach_port_t done;
	} pending;
};

extern struct memfile_state memfile;

/* Ports and sets; 0 or the name of what failed. */
const char *memfile_init(vm_size_t capacity, int precious, enum memfile_mistake mistake, kern_return_t *kr);
/* The pager thread's loop (the kernel's messages and syncs). */
void memfile_pager_loop(void *unused);
/* The client thread's loop. */
mach_msg_return_t memfile_client_loop(void);

#endif
