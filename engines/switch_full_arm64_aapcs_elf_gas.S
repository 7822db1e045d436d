/* sb_asm_switch: the `asm` engine's context switch, full contract.
 * aarch64, AAPCS64, ELF, GNU as.
 *
 *   sb_ret sb_asm_switch(void **save_sp, void *load_sp);
 *             x0: where to store the current context's stack pointer
 *             x1: the stack pointer of the context to resume
 *             returns SB_OK (0) in the resumed context
 *
 * Contract: the caller sees an ordinary call that returns later, maybe
 * after other contexts ran. Kept per context: sp, the callee-saved x19-x28,
 * x29 (frame pointer), x30 (as the resume address), d8-d15 (the low halves
 * of v8-v15, all AAPCS64 keeps) and FPCR (rounding mode, flush-to-zero,
 * default NaN, trap enables). Not kept: every caller-saved register (x0-x18,
 * the upper halves of v8-v15 and all of v0-v7, v16-v31), FPSR (cumulative
 * exception flags, as the x86-64 switch leaves MXCSR's flags to whoever
 * runs), the signal mask, and x18 (the platform register, which Linux
 * leaves to the caller). BTI: engines/asm_bti.h.
 *
 * A switched-out context is nothing but its stack pointer; all else is on
 * its own stack, 176 bytes (engines/asm_frame_arm64.h draws the register
 * block):
 *
 *        higher addresses                      CFA = sp + 176 once built
 *      +----------------------------------+
 *  +16 | register block, 160 bytes:       |  x29 x30 at the top, x19-x28,
 *      |   asm_frame_arm64.h              |  d8-d15 at +16
 *      +----------------------------------+
 *   +8 | padding (keeps sp 16-aligned)    |
 *   +0 | FPCR (8 bytes)                   |  <- saved sp
 *      +----------------------------------+
 *        lower addresses
 *
 * The frame it resumes has the same layout (built by a switch, or by
 * engine_asm.c's asm_initial_frame for a context that never ran), so the
 * call frame information stays true across the stack swap.
 *
 * FPCR is written only when the resumed context's differs from ours: an
 * `msr fpcr` may wait for earlier floating-point work to finish on some
 * cores, while the `mrs` and a compare cost a cycle or two. Unmeasured on
 * hardware here (the machines we run on are x86-64; qemu runs this code):
 * the same choice the x86-64 switch makes for the x87 control word, where
 * it was measured. It resumes with `ret`, whose return-stack prediction is
 * wrong after a swap, as on x86-64 (see that switch); an indirect `br` to
 * the resume address would fail under BTI, which return addresses do not
 * carry a landing pad for.
 *
 * It returns SB_OK (x0 = 0) so that C can end an operation with
 * `return sb_asm_switch(...)`, a tail call, as on x86-64. The routine
 * starts a 64-byte line for the reason the x86-64 one does. */

#include "asm_bti.h"
#include "asm_frame_arm64.h"

    .text
    .globl  sb_asm_switch
    .hidden sb_asm_switch                /* internal to the binary: no PLT, no interposition */
    .type   sb_asm_switch, %function
    .p2align 6                           /* a cache line of its own */
sb_asm_switch:
    .cfi_startproc                       /* CFA = sp, return address in x30 */
    SB_BTI_C                             /* the bare loop calls it through a pointer */
    sub     sp, sp, #176                 /* room for the frame (sp stays 16-aligned) */
    .cfi_def_cfa_offset 176
    sb_a64_save 16, 176                  /* x19-x30 and d8-d15 above the FPCR slot */
    mrs     x9, fpcr                     /* our FPCR ... */
    str     x9, [sp]                     /* ... at +0 */
    mov     x10, sp                      /* sp cannot be stored directly */
    str     x10, [x0]                    /* *save_sp = our frame: we are switched out */
    mov     sp, x1                       /* onto the other context's frame (same layout) */
    ldr     x10, [sp]                    /* its FPCR */
    cmp     x10, x9                      /* the same as ours? */
    b.ne    .Lload_fpcr                  /* no: write it first (rare) */
    .cfi_remember_state                  /* the frame as .Lload_fpcr sees it */
.Lrestore_full:
    sb_a64_restore 16                    /* its x19-x30 and d8-d15 */
    add     sp, sp, #176                 /* drop the frame: sp as its caller left it */
    .cfi_def_cfa_offset 0
    mov     x0, #0                       /* return SB_OK */
    ret                                  /* to its resume address, in x30 */
    .cfi_restore_state                   /* back to the frame at the b.ne */
.Lload_fpcr:
    msr     fpcr, x10                    /* its FPCR */
    b       .Lrestore_full               /* and on as usual */
    .cfi_endproc
    .size   sb_asm_switch, .-sb_asm_switch

    SB_BTI_NOTE
    .section .note.GNU-stack, "", %progbits /* no executable stack */
