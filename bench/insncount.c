/* insncount.c: a qemu-user plugin counting the instructions of MIG stubs, as callgrind counts them for x86_64.
 *
 * valgrind cannot run i686 programs on this kernel (it has no 32-bit exec), so
 * bench/run counts i686 stubs under qemu-i386 with this plugin instead.  It
 * keeps a shadow call stack (x86 call and ret decoded from the instruction
 * bytes) and counts an instruction when, walking the stack from the top, the
 * first frame that is a stub function (one defined in the generated user or
 * server stubs) comes before any frame of an excluded function (mach_msg,
 * the server work functions): the stubs' own code plus whatever helpers they
 * call (mig_get_reply_port, memcpy, ...), but not the transport nor the work
 * the server function does.  Counts go to the user stub that was entered
 * last, so a process may call many routines.
 *
 * Arguments: map=FILE (lines "S START END" for a stub function's text,
 * "E ADDR" for an excluded function's entry, hex addresses), out=FILE (one
 * line per user stub called, appended at exit: "PID ADDR CALLS INSNS").
 *
 * The plugin API's declarations are written here, not included: Debian ships
 * no qemu-plugin.h.  They are the documented ABI of QEMU_PLUGIN_VERSION 1
 * (QEMU 7.2). */
#include <inttypes.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef uint64_t qemu_plugin_id_t;
typedef struct qemu_info_t qemu_info_t;
struct qemu_plugin_tb;
struct qemu_plugin_insn;
enum qemu_plugin_cb_flags { QEMU_PLUGIN_CB_NO_REGS, QEMU_PLUGIN_CB_R_REGS, QEMU_PLUGIN_CB_RW_REGS };
typedef void (*qemu_plugin_vcpu_tb_trans_cb_t)(qemu_plugin_id_t id, struct qemu_plugin_tb *tb);
typedef void (*qemu_plugin_vcpu_udata_cb_t)(unsigned int vcpu_index, void *userdata);
typedef void (*qemu_plugin_udata_cb_t)(qemu_plugin_id_t id, void *userdata);
void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id, qemu_plugin_vcpu_tb_trans_cb_t cb);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);
struct qemu_plugin_insn *qemu_plugin_tb_get_insn(const struct qemu_plugin_tb *tb, size_t idx);
const void *qemu_plugin_insn_data(const struct qemu_plugin_insn *insn);
size_t qemu_plugin_insn_size(const struct qemu_plugin_insn *insn);
uint64_t qemu_plugin_insn_vaddr(const struct qemu_plugin_insn *insn);
void qemu_plugin_register_vcpu_insn_exec_cb(struct qemu_plugin_insn *insn, qemu_plugin_vcpu_udata_cb_t cb,
                                            enum qemu_plugin_cb_flags flags, void *userdata);
void qemu_plugin_register_atexit_cb(qemu_plugin_id_t id, qemu_plugin_udata_cb_t cb, void *userdata);

__attribute__((visibility("default"))) int qemu_plugin_version = 1;

enum ic_kind { IC_OTHER, IC_STUB, IC_EXCL };
enum ic_op { IC_PLAIN, IC_CALL, IC_RET };

/* One translated instruction. */
struct ic_insn { uint64_t vaddr; unsigned size; enum ic_op op; };
struct ic_range { uint64_t lo, hi; };
struct ic_frame { uint64_t ret; enum ic_kind kind; };
struct ic_user { uint64_t entry; uint64_t calls, insns; };

/* The whole state: one vCPU (qemu-user, single-threaded programs). */
static struct {
    struct ic_range *stubs; size_t nstubs;
    uint64_t *excl; size_t nexcl;
    struct ic_frame stack[4096]; size_t depth;
    bool pending_call, pending_ret, counting;
    uint64_t call_ret;
    struct ic_user users[512]; size_t nusers;
    struct ic_user *current;
    char out[4096];
    bool x86_64;
} ic;

static bool ic_in_stub(uint64_t pc, uint64_t *entry)
{
    for (size_t i = 0; i < ic.nstubs; i++)
        if (pc >= ic.stubs[i].lo && pc < ic.stubs[i].hi) {
            *entry = ic.stubs[i].lo;
            return true;
        }
    return false;
}

static enum ic_kind ic_classify(uint64_t pc)
{
    uint64_t entry;
    for (size_t i = 0; i < ic.nexcl; i++)
        if (ic.excl[i] == pc)
            return IC_EXCL;
    if (ic_in_stub(pc, &entry)) {
        if (entry == pc) {
            /* Entering a user stub starts a call of it; server functions are
               not users (they are entered from the runtime, not the client). */
            for (size_t i = 0; i < ic.nusers; i++)
                if (ic.users[i].entry == pc) {
                    ic.current = &ic.users[i];
                    ic.current->calls++;
                }
        }
        return IC_STUB;
    }
    return IC_OTHER;
}

/* Recomputed after each push or pop: the first stub or excluded frame from the top decides. */
static void ic_update(void)
{
    ic.counting = false;
    for (size_t i = ic.depth; i-- > 0;)
        if (ic.stack[i].kind != IC_OTHER) {
            ic.counting = ic.stack[i].kind == IC_STUB;
            return;
        }
}

static void ic_exec(unsigned int vcpu, void *ud)
{
    const struct ic_insn *in = ud;
    (void)vcpu;
    if (ic.pending_call) {
        ic.pending_call = false;
        if (ic.depth < sizeof ic.stack / sizeof ic.stack[0]) {
            ic.stack[ic.depth].ret = ic.call_ret;
            ic.stack[ic.depth].kind = ic_classify(in->vaddr);
            ic.depth++;
        }
        ic_update();
    } else if (ic.pending_ret) {
        /* Pop to the frame returned to; a ret matching no frame (a `call
           next; pop` idiom, longjmp) leaves the stack as it is. */
        ic.pending_ret = false;
        for (size_t i = ic.depth, n = 0; i-- > 0 && n < 64; n++)
            if (ic.stack[i].ret == in->vaddr) {
                ic.depth = i;
                ic_update();
                break;
            }
    }
    if (ic.counting && ic.current)
        ic.current->insns++;
    if (in->op == IC_CALL) {
        ic.pending_call = true;
        ic.call_ret = in->vaddr + in->size;
    } else if (in->op == IC_RET) {
        ic.pending_ret = true;
    }
}

/* call rel32 (e8), call r/m (ff /2), ret (c3, c2 iw), after prefixes. */
static enum ic_op ic_decode(const unsigned char *b, size_t n)
{
    size_t i = 0;
    while (i < n && (b[i] == 0x66 || b[i] == 0x67 || b[i] == 0xf2 || b[i] == 0xf3 || b[i] == 0x2e ||
                     b[i] == 0x3e || b[i] == 0x26 || b[i] == 0x36 || b[i] == 0x64 || b[i] == 0x65 ||
                     (ic.x86_64 && b[i] >= 0x40 && b[i] <= 0x4f)))
        i++;
    if (i >= n)
        return IC_PLAIN;
    if (b[i] == 0xe8)
        return IC_CALL;
    if (b[i] == 0xc3 || b[i] == 0xc2)
        return IC_RET;
    if (b[i] == 0xff && i + 1 < n && ((b[i + 1] >> 3) & 7) == 2)
        return IC_CALL;
    return IC_PLAIN;
}

static void ic_trans(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
    size_t n = qemu_plugin_tb_n_insns(tb);
    (void)id;
    for (size_t i = 0; i < n; i++) {
        struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
        struct ic_insn *in = malloc(sizeof *in);
        if (!in)
            abort();
        in->vaddr = qemu_plugin_insn_vaddr(insn);
        in->size = (unsigned)qemu_plugin_insn_size(insn);
        in->op = ic_decode(qemu_plugin_insn_data(insn), in->size);
        qemu_plugin_register_vcpu_insn_exec_cb(insn, ic_exec, QEMU_PLUGIN_CB_NO_REGS, in);
    }
}

static void ic_exit(qemu_plugin_id_t id, void *ud)
{
    (void)id; (void)ud;
    FILE *f = fopen(ic.out, "a");
    if (!f)
        return;
    for (size_t i = 0; i < ic.nusers; i++)
        if (ic.users[i].calls)
            fprintf(f, "%ld %" PRIx64 " %" PRIu64 " %" PRIu64 "\n", (long)getpid(), ic.users[i].entry,
                    ic.users[i].calls, ic.users[i].insns);
    fclose(f);
}

static bool ic_load_map(const char *path)
{
    FILE *f = fopen(path, "r");
    char kind[8];
    uint64_t a, b;
    size_t cap_s = 0, cap_e = 0;
    if (!f)
        return false;
    while (fscanf(f, "%7s %" SCNx64, kind, &a) == 2) {
        if (kind[0] == 'S' || kind[0] == 'U') {
            if (fscanf(f, "%" SCNx64, &b) != 1)
                break;
            if (ic.nstubs == cap_s) {
                cap_s = cap_s ? 2 * cap_s : 64;
                ic.stubs = realloc(ic.stubs, cap_s * sizeof *ic.stubs);
            }
            ic.stubs[ic.nstubs++] = (struct ic_range){ a, b };
            if (kind[0] == 'U' && ic.nusers < sizeof ic.users / sizeof ic.users[0])
                ic.users[ic.nusers++].entry = a;
        } else if (kind[0] == 'E') {
            if (ic.nexcl == cap_e) {
                cap_e = cap_e ? 2 * cap_e : 64;
                ic.excl = realloc(ic.excl, cap_e * sizeof *ic.excl);
            }
            ic.excl[ic.nexcl++] = a;
        }
    }
    fclose(f);
    return true;
}

__attribute__((visibility("default"))) int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info,
                                                                int argc, char **argv)
{
    const char *map = NULL;
    (void)info;
    for (int i = 0; i < argc; i++) {
        if (strncmp(argv[i], "map=", 4) == 0)
            map = argv[i] + 4;
        else if (strncmp(argv[i], "out=", 4) == 0)
            snprintf(ic.out, sizeof ic.out, "%s", argv[i] + 4);
        else if (strcmp(argv[i], "x86_64=1") == 0)
            ic.x86_64 = true;
    }
    if (!map || !ic.out[0] || !ic_load_map(map)) {
        fprintf(stderr, "insncount: needs map=FILE (readable) and out=FILE\n");
        return -1;
    }
    qemu_plugin_register_vcpu_tb_trans_cb(id, ic_trans);
    qemu_plugin_register_atexit_cb(id, ic_exit, NULL);
    return 0;
}
