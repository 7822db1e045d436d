/* sb_asm_trampoline: where a new context of the asm engines first runs.
 * aarch64, AAPCS64, ELF, GNU as.
 *
 *   void sb_asm_trampoline(void);   never called
 *   sb_asm_first_resume             inside it: a new context's resume address
 *
 * engine_asm.c's asm_initial_frame builds a new context's frame as a
 * switch would have left it, with sb_asm_first_resume as x30 (the resume
 * address), x19 = the argument, x20 = the entry function and x29 = 0 (the
 * end of frame-pointer walks). The first switch into the context loads
 * those, drops the frame and returns here, with sp 16-byte aligned:
 *
 *        higher addresses
 *      +----------------------------------+
 *      | (top of the stack, colored)      |
 *      +----------------------------------+  <- sp here, 16-byte aligned
 *        lower addresses: free
 *
 * It is reached by `ret`, which BTI does not check: no landing pad. The
 * entry function never returns (a finished task switches away for good),
 * so the brk after the call is a trap for the impossible. The frame
 * information says the return address is undefined: unwinders stop here,
 * the bottom of the context's stack. */

#include "asm_bti.h"

    .text
    .globl  sb_asm_trampoline
    .hidden sb_asm_trampoline            /* internal to the binary */
    .type   sb_asm_trampoline, %function
    .globl  sb_asm_first_resume
    .hidden sb_asm_first_resume
    .p2align 6                           /* a cache line of its own */
sb_asm_trampoline:
    .cfi_startproc
    .cfi_undefined x30                   /* the outermost frame of a context */
    nop                                  /* unwinders look a return address up at address - 4: */
sb_asm_first_resume:                     /* this keeps that word inside the routine */
    mov     x0, x19                      /* the entry function's argument */
    blr     x20                          /* the entry function: never returns */
    brk     #0x1                         /* it did return: trap */
    .cfi_endproc
    .size   sb_asm_trampoline, .-sb_asm_trampoline

    SB_BTI_NOTE
    .section .note.GNU-stack, "", %progbits /* no executable stack */
