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

#include "asm_gnu_property.h"

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
#if SB_BTI_KEPT
#define SB_BTI_NOTE SB_GNU_PROPERTY_NOTE(0xc0000000, 1)
#else
#define SB_BTI_NOTE
#endif

#endif
