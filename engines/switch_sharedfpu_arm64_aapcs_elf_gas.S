/* sb_asm_switch_sharedfpu: the `asm-sharedfpu` engine's context switch.
 * aarch64, AAPCS64, ELF, GNU as.
 *
 *   sb_ret sb_asm_switch_sharedfpu(void **save_sp, void *load_sp);
 *             x0: where to store the current context's stack pointer
 *             x1: the stack pointer of the context to resume
 *             returns SB_OK (0) in the resumed context
 *
 * The full switch (switch_full_arm64_aapcs_elf_gas.S) without FPCR: every
 * task of a thread shares one FPCR, as every task of a thread on x86-64
 * asm-sharedfpu shares MXCSR and the x87 control word. A task that changes
 * the rounding mode changes it for the others. Kept per context: sp,
 * x19-x28, x29, x30 (as the resume address) and d8-d15; not kept: the
 * caller-saved registers, FPCR, FPSR, x18, the signal mask. BTI:
 * engines/asm_bti.h.
 *
 * The frame it leaves, 160 bytes, is the register block alone
 * (engines/asm_frame_arm64.h):
 *
 *        higher addresses                      CFA = sp + 160 once built
 *      +----------------------------------+
 * +144 | x29              | x30: resume   |
 *  +64 | x19 ... x28                      |
 *   +0 | d8 ... d15                       |  <- saved sp
 *      +----------------------------------+
 *        lower addresses */

#include "asm_bti.h"
#include "asm_frame_arm64.h"

    .text
    .globl  sb_asm_switch_sharedfpu
    .hidden sb_asm_switch_sharedfpu      /* internal to the binary */
    .type   sb_asm_switch_sharedfpu, %function
    .p2align 6                           /* a cache line of its own */
sb_asm_switch_sharedfpu:
    .cfi_startproc                       /* CFA = sp, return address in x30 */
    SB_BTI_C                             /* the bare loop calls it through a pointer */
    sub     sp, sp, #160                 /* room for the frame (sp stays 16-aligned) */
    .cfi_def_cfa_offset 160
    sb_a64_save 0, 160                   /* x19-x30 and d8-d15 */
    mov     x10, sp                      /* sp cannot be stored directly */
    str     x10, [x0]                    /* *save_sp = our frame: we are switched out */
    mov     sp, x1                       /* onto the other context's frame (same layout) */
    sb_a64_restore 0                     /* its x19-x30 and d8-d15 */
    add     sp, sp, #160                 /* drop the frame: sp as its caller left it */
    .cfi_def_cfa_offset 0
    mov     x0, #0                       /* return SB_OK */
    ret                                  /* to its resume address, in x30 */
    .cfi_endproc
    .size   sb_asm_switch_sharedfpu, .-sb_asm_switch_sharedfpu

    SB_BTI_NOTE
    .section .note.GNU-stack, "", %progbits /* no executable stack */
