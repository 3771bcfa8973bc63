/* target.c: the facts of each target, one table each; nothing else knows them. */
#include <fnmatch.h>
#include <string.h>

#include "migc.h"

const Target target_i686_gnu = {
    .name = "i686-gnu",
    .cpus = (const char *const[]){ "i[3-7]86", NULL },
    .cpp_arch = "-m32",
    .word_size = 4,
    .msg_align = 4,
    .header_size = 24,
    .type_size = 4,
    .type_long_size = 12,
    .port_bits = 32,
    .port_size = 4,
    .port_ctype = "mach_port_name_inlined_t",
    .port_member = ".name",
    .poly_bits = 32,
    .pointer_size = 4,
    .short_number_max = 4095,
    .short_size_max = 255,
    .number_in_word = false,
    .ool_port_bits = 32,
    .size_shift = 8,
    .number_shift = 16,
    .inline_bit = 28,
    .longform_bit = 29,
    .dealloc_bit = 30,
};

/* GNU Mach's 64-bit message format (2023): descriptors are 8 bytes in
 * both forms, port rights occupy 8 bytes (mach_port_name_inlined_t) so the
 * kernel can put a pointer in their place, and every item is 8-byte
 * aligned.  x86_64 and aarch64 share it. */
#define MESSAGE_FORMAT_64 \
    .cpp_arch = "", \
    .word_size = 8, \
    .msg_align = 8, \
    .header_size = 32, \
    .type_size = 8, \
    .type_long_size = 8, \
    .port_bits = 64, \
    .port_size = 8, \
    .port_ctype = "mach_port_name_inlined_t", \
    .port_member = ".name", \
    .poly_bits = 64, \
    .pointer_size = 8, \
    .short_number_max = 4095, \
    .short_size_max = 255, \
    .number_in_word = true, \
    .ool_port_bits = 32, \
    .size_shift = 8, \
    .number_shift = 0, \
    .inline_bit = 29, \
    .longform_bit = 30, \
    .dealloc_bit = 31

const Target target_x86_64_gnu = {
    .name = "x86_64-gnu",
    .cpus = (const char *const[]){ "x86_64", "amd64", NULL },
    MESSAGE_FORMAT_64,
};

/* aarch64 (GNU Mach's aarch64 headers, 2024): a little-endian LP64 target
 * whose headers take the __LP64__ side of mach/message.h, as x86_64's do.
 * Measured: the headers compiled by clang --target=aarch64-linux-gnu and run
 * under qemu-aarch64 give x86_64's sizes, alignments and descriptor bit
 * positions, and GNU MIG HEAD built for aarch64-gnu writes, for every .defs
 * of GNU Mach's corpus and in the user and both kernel modes, the same stubs,
 * headers and -list files as for x86_64-gnu.  The preprocessor is the host's
 * $CC unless CC (or CPP, or -cc) names an aarch64 compiler: GNU Mach's .defs
 * test the CPU's macros only in mach_host.defs, and there only with USER32,
 * which no aarch64 build defines. */
const Target target_aarch64_gnu = {
    .name = "aarch64-gnu",
    .cpus = (const char *const[]){ "aarch64", NULL },
    MESSAGE_FORMAT_64,
};

/* The default first; target_names() lists them in reverse order
   (alphabetical). */
static const Target *const targets[] = { &target_x86_64_gnu, &target_i686_gnu, &target_aarch64_gnu };

/* A target by its name, or by a GNU triplet that config.sub would make of
   one of its CPUs' spellings (CPU[-pc|-unknown]-gnu[VERSION]: i686-pc-gnu,
   i486-gnu, x86_64-unknown-gnu0.3, amd64-gnu, aarch64-unknown-gnu).  NULL
   when the name is none of these. */
const Target *target_by_name(const char *name)
{
    for (size_t i = 0; i < sizeof targets / sizeof targets[0]; i++)
        if (strcmp(targets[i]->name, name) == 0)
            return targets[i];
    const char *dash = strchr(name, '-'), *os = strrchr(name, '-');
    if (!dash || strncmp(os + 1, "gnu", 3) != 0 || strspn(os + 4, "0123456789.") != strlen(os + 4))
        return NULL;
    /* A vendor between: config.sub's pc or unknown (i686-linux-gnu is
       GNU/Linux, i686-kfreebsd-gnu GNU/kFreeBSD). */
    if (os != dash && !((os - dash == 3 && strncmp(dash, "-pc-", 4) == 0) ||
                        (os - dash == 8 && strncmp(dash, "-unknown-", 9) == 0)))
        return NULL;
    char cpu[32];
    size_t len = (size_t)(dash - name);
    if (len == 0 || len >= sizeof cpu)
        return NULL;
    memcpy(cpu, name, len);
    cpu[len] = '\0';
    for (size_t i = 0; i < sizeof targets / sizeof targets[0]; i++)
        for (const char *const *c = targets[i]->cpus; *c; c++)
            if (fnmatch(*c, cpu, 0) == 0)
                return targets[i];
    return NULL;
}

/* The known targets' names, for messages: "aarch64-gnu, i686-gnu, x86_64-gnu". */
const char *target_names(void)
{
    static char *names;
    if (!names) {
        StrBuf b = { 0 };
        for (size_t i = sizeof targets / sizeof targets[0]; i-- > 0;) {
            sb_put(&b, targets[i]->name, strlen(targets[i]->name));
            if (i)
                sb_put(&b, ", ", 2);
        }
        names = b.b;
    }
    return names;
}
