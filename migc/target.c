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

const Target *target_by_name(const char *name)
{
    for (size_t i = 0; i < sizeof targets / sizeof targets[0]; i++)
        if (strcmp(targets[i]->name, name) == 0)
            return targets[i];
    /* Accept the spellings of GNU toolchains too. */
    if (strcmp(name, "i386-gnu") == 0 || strcmp(name, "i586-gnu") == 0 || strcmp(name, "i486-gnu") == 0)
        return &target_i686_gnu;
    return NULL;
}
