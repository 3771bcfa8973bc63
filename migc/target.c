/* target.c: the facts of each target, one table each; nothing else knows them. */
#include <string.h>

#include "migc.h"

const Target target_i686_gnu = {
    .name = "i686-gnu",
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

/* x86_64 (2023 format): descriptors are 8 bytes in both forms, port rights
 * occupy 8 bytes (mach_port_name_inlined_t) so the kernel can put a pointer
 * in their place, and every item is 8-byte aligned. */
const Target target_x86_64_gnu = {
    .name = "x86_64-gnu",
    .cpp_arch = "",
    .word_size = 8,
    .msg_align = 8,
    .header_size = 32,
    .type_size = 8,
    .type_long_size = 8,
    .port_bits = 64,
    .port_size = 8,
    .port_ctype = "mach_port_name_inlined_t",
    .port_member = ".name",
    .poly_bits = 64,
    .pointer_size = 8,
    .short_number_max = 4095,
    .short_size_max = 255,
    .number_in_word = true,
    .ool_port_bits = 32,
    .size_shift = 8,
    .number_shift = 0,
    .inline_bit = 29,
    .longform_bit = 30,
    .dealloc_bit = 31,
};

static const Target *const targets[] = { &target_x86_64_gnu, &target_i686_gnu };

/* A target by its name, by a GNU triplet that config.sub would make of it
   (CPU[-pc|-unknown]-gnu[VERSION]: i686-pc-gnu, i486-gnu, x86_64-unknown-gnu0.3),
   or by another spelling of its CPU (i386..i786, amd64).  NULL when the
   name is none of these. */
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
    size_t cpu = (size_t)(dash - name);
    if (cpu == 4 && name[0] == 'i' && name[1] >= '3' && name[1] <= '7' && strncmp(name + 2, "86", 2) == 0)
        return &target_i686_gnu;
    if ((cpu == 6 && strncmp(name, "x86_64", 6) == 0) || (cpu == 5 && strncmp(name, "amd64", 5) == 0))
        return &target_x86_64_gnu;
    return NULL;
}

/* The known targets' names, for messages: "i686-gnu, x86_64-gnu". */
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
