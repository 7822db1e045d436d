/* The frame the aarch64 asm switches leave on a switched-out context's
 * stack (engines/switch_*_arm64_aapcs_elf_gas.S), in one place for the two
 * switches and for engine_asm.c, which builds the first frame of a context
 * that never ran. AAPCS64 (the ELF ABI for aarch64) makes x19-x28, x29 (the
 * frame pointer), sp and the low 64 bits of v8-v15 (d8-d15) callee-saved;
 * x30 (the link register) holds the address the switch returns to.
 *
 * The register block, 160 bytes, at `base` above the saved sp (stp/ldp pairs
 * keep every slot 16-byte aligned, and sp itself must stay 16-aligned):
 *
 *        higher addresses
 *      +------------------+------------------+
 * +144 | x29 (fp)         | x30: resume addr |
 * +128 | x27              | x28              |
 * +112 | x25              | x26              |
 *  +96 | x23              | x24              |
 *  +80 | x21              | x22              |
 *  +64 | x19              | x20              |
 *  +48 | d14              | d15              |
 *  +32 | d12              | d13              |
 *  +16 | d10              | d11              |
 *   +0 | d8               | d9               |  <- base
 *      +------------------+------------------+
 *
 * The full contract puts FPCR (rounding mode, flush-to-zero, default NaN,
 * trap enables) in a 16-byte slot below it (base = 16, FPCR at +0, 8 bytes
 * of padding at +8); the shared-FPU switch has no slot (base = 0). */
#ifndef SB_ASM_FRAME_ARM64_H
#define SB_ASM_FRAME_ARM64_H

#define SB_A64_REGS     160 /* bytes of the register block */
#define SB_A64_FPU_SLOT 16  /* bytes of the full contract's FPCR slot */
#define SB_A64_X19      64  /* offsets in the block, read by engine_asm.c */
#define SB_A64_X20      72
#define SB_A64_X29      144
#define SB_A64_X30      152

#if defined(__ASSEMBLER__)
/* Assembler text, which clang-format would mangle. */
/* clang-format off */

/* sb_a64_save BASE, SIZE: store the block at sp + BASE, in a frame of SIZE
 * bytes already allocated (CFA = sp + SIZE): each slot's CFA offset is
 * BASE + its offset - SIZE. x29 and x30 first, so that an unwinder stopped
 * on any later instruction already finds the return address. */
.macro sb_a64_save base, size
    stp     x29, x30, [sp, #\base + 144]  /* frame pointer and resume address */
    .cfi_offset x29, \base + 144 - \size
    .cfi_offset x30, \base + 152 - \size
    stp     x19, x20, [sp, #\base + 64]   /* the callee-saved general registers ... */
    .cfi_offset x19, \base + 64 - \size
    .cfi_offset x20, \base + 72 - \size
    stp     x21, x22, [sp, #\base + 80]
    .cfi_offset x21, \base + 80 - \size
    .cfi_offset x22, \base + 88 - \size
    stp     x23, x24, [sp, #\base + 96]
    .cfi_offset x23, \base + 96 - \size
    .cfi_offset x24, \base + 104 - \size
    stp     x25, x26, [sp, #\base + 112]
    .cfi_offset x25, \base + 112 - \size
    .cfi_offset x26, \base + 120 - \size
    stp     x27, x28, [sp, #\base + 128]  /* ... x27 and x28 the last */
    .cfi_offset x27, \base + 128 - \size
    .cfi_offset x28, \base + 136 - \size
    stp     d8, d9, [sp, #\base + 0]      /* the callee-saved halves of v8-v15 ... */
    .cfi_offset d8, \base + 0 - \size
    .cfi_offset d9, \base + 8 - \size
    stp     d10, d11, [sp, #\base + 16]
    .cfi_offset d10, \base + 16 - \size
    .cfi_offset d11, \base + 24 - \size
    stp     d12, d13, [sp, #\base + 32]
    .cfi_offset d12, \base + 32 - \size
    .cfi_offset d13, \base + 40 - \size
    stp     d14, d15, [sp, #\base + 48]   /* ... d14 and d15 the last */
    .cfi_offset d14, \base + 48 - \size
    .cfi_offset d15, \base + 56 - \size
.endm

/* sb_a64_restore BASE: load the block at sp + BASE (the resumed context's:
 * it has the same layout, so the CFI above stays true). x30 last but one,
 * so that it is in place as early as the loads allow for the `ret`. */
.macro sb_a64_restore base
    ldp     d8, d9, [sp, #\base + 0]      /* its v8-v15 halves ... */
    ldp     d10, d11, [sp, #\base + 16]
    ldp     d12, d13, [sp, #\base + 32]
    ldp     d14, d15, [sp, #\base + 48]   /* ... all eight */
    ldp     x19, x20, [sp, #\base + 64]   /* its callee-saved general registers ... */
    ldp     x21, x22, [sp, #\base + 80]
    ldp     x23, x24, [sp, #\base + 96]
    ldp     x25, x26, [sp, #\base + 112]
    ldp     x27, x28, [sp, #\base + 128]  /* ... all ten */
    ldp     x29, x30, [sp, #\base + 144]  /* its frame pointer and resume address */
    .cfi_restore x19
    .cfi_restore x20
    .cfi_restore x21
    .cfi_restore x22
    .cfi_restore x23
    .cfi_restore x24
    .cfi_restore x25
    .cfi_restore x26
    .cfi_restore x27
    .cfi_restore x28
    .cfi_restore x29
    .cfi_restore x30
    .cfi_restore d8
    .cfi_restore d9
    .cfi_restore d10
    .cfi_restore d11
    .cfi_restore d12
    .cfi_restore d13
    .cfi_restore d14
    .cfi_restore d15
.endm
/* clang-format on */
#endif

#if !defined(__ASSEMBLER__)
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#if defined(__ARM_FEATURE_BTI_DEFAULT) && __ARM_FEATURE_BTI_DEFAULT
#define ASM_CONTRACT_BTI "BTI: landing pads on indirect-call targets; PAC not used"
#else
#define ASM_CONTRACT_BTI "BTI: not built with -mbranch-protection"
#endif
#define ASM_CONTRACT_COMMON                                                          \
    "keeps sp x19-x28 x29 x30 d8-d15; not kept: caller-saved registers, FPSR, x18, " \
    "signal mask; "
#define ASM_CONTRACT_FULL ASM_CONTRACT_COMMON "keeps FPCR per task; " ASM_CONTRACT_BTI
#define ASM_CONTRACT_SHARED \
    ASM_CONTRACT_COMMON "FPCR shared by all tasks of a thread; " ASM_CONTRACT_BTI
#define ASM_SUMMARY_FULL   "coroutines, our aarch64 switch; saves x19-x30 sp d8-d15 + FPCR"
#define ASM_SUMMARY_SHARED "as asm, but all tasks share one FPCR (a task must not change it)"
#define ASM_FPU_FULL       "per-task FPCR"
#define ASM_FPU_SHARED     "shared FPCR"

/* Below `top` (16-byte aligned): the frame a switch loads, with `resume`
 * as x30, x19 = arg and x20 = entry for the trampoline, x29 = 0 to end
 * frame-pointer walks, and, under the full contract, the creator's FPCR. */
static inline void *asm_arch_frame(uintptr_t top, void *arg, void (*entry)(void *),
                                   void (*resume)(void), bool fpu_slot)
{
    unsigned char *block = (unsigned char *)top - SB_A64_REGS;
    memset(block, 0, SB_A64_REGS);
    uint64_t words[4] = {(uint64_t)(uintptr_t)arg, (uint64_t)(uintptr_t)entry, 0,
                         (uint64_t)(uintptr_t)resume};
    memcpy(block + SB_A64_X19, &words[0], 16); /* x19, x20 */
    memcpy(block + SB_A64_X29, &words[2], 16); /* x29, x30 */
    if (!fpu_slot) return block;
    unsigned char *sp = block - SB_A64_FPU_SLOT;
    uint64_t fpcr[2] = {0, 0};
    __asm__ volatile("mrs %0, fpcr" : "=r"(fpcr[0])); /* the creator's */
    memcpy(sp, fpcr, sizeof fpcr);
    return sp;
}
#endif

#endif
