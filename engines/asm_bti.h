/* Branch target identification (BTI) for the aarch64 .S files, the one
 * place that states what they keep of it, as asm_cet.h does for x86-64.
 * gcc defines __ARM_FEATURE_BTI_DEFAULT under -mbranch-protection=bti or
 * =standard; the kernel then maps a marked binary's code with PROT_BTI, and
 * an indirect branch (br, blr) must land on a `bti` of the right kind.
 *
 * Kept: every routine an indirect call reaches starts with SB_BTI_C (the
 * bare loops call the switches through a pointer). A context is resumed by
 * `ret`, which BTI does not check, so resume addresses need no landing pad.
 * The `bti` instructions are written as the hints they are encoded as
 * (hint 34 is `bti c`), which every aarch64 assembler and core accepts:
 * before ARMv8.5 they are no-ops.
 *
 * Not kept: pointer authentication (PAC). The switches store x30 unsigned
 * on the context's stack; C callers sign and check their own return
 * addresses in their own frames, which the switches leave alone. */
#ifndef SB_ASM_BTI_H
#define SB_ASM_BTI_H

#if defined(__ARM_FEATURE_BTI_DEFAULT) && __ARM_FEATURE_BTI_DEFAULT
#define SB_BTI_C    hint 34 /* bti c: a valid target of an indirect call */
#define SB_BTI_KEPT 1
#else
#define SB_BTI_C    /* nothing: no BTI in this build */
#define SB_BTI_KEPT 0
#endif

/* The .note.gnu.property every object of a BTI build must carry, or the
 * linker drops BTI for the whole binary: GNU_PROPERTY_AARCH64_FEATURE_1_AND
 * (0xc0000000) with the BTI bit (1) alone; PAC (2) is left out, as said. */
/* Assembler text, which clang-format would join. */
/* clang-format off */
#if SB_BTI_KEPT
#define SB_BTI_NOTE                                                            \
    .pushsection .note.gnu.property, "a";                                      \
    .p2align 3;                                                                \
    .long 4;  /* name size: "GNU\0" */                                         \
    .long 16; /* descriptor size: one property, padded to 8 */                 \
    .long 5;  /* NT_GNU_PROPERTY_TYPE_0 */                                     \
    .asciz "GNU";                                                              \
    .long 0xc0000000; /* GNU_PROPERTY_AARCH64_FEATURE_1_AND */                 \
    .long 4;          /* its size */                                           \
    .long 1;          /* GNU_PROPERTY_AARCH64_FEATURE_1_BTI; PAC (2) left out */ \
    .long 0;          /* padding to 8 */                                       \
    .popsection
#else
#define SB_BTI_NOTE
#endif
/* clang-format on */

#endif
