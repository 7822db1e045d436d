/* sb_asm_trampoline: where a new context of the asm engines first runs.
 * x86-64, System V ABI, ELF, GNU as.
 *
 *   void sb_asm_trampoline(void);   never called
 *   sb_asm_first_resume             inside it: a new context's resume address
 *
 * engine_asm.c's asm_initial_frame builds a new context's frame as a
 * switch would have left it, with sb_asm_first_resume as the resume address,
 * r12 = the argument and r13 = the entry function. The first switch into
 * the context pops those and jumps (or, in a CET build, returns) here,
 * with rsp 16-byte aligned:
 *
 *        higher addresses
 *      +----------------------------------+
 *      | (top of the stack, colored)      |
 *      +----------------------------------+  <- rsp here, 16-byte aligned
 *        lower addresses: free
 *
 * The call below pushes its return address, so the entry function starts,
 * as the ABI requires, with rsp + 8 aligned to 16. It never returns: a
 * finished task switches away for good, so the ud2 after it is a trap for
 * the impossible. The frame information says the return address is
 * undefined: unwinders stop here, the bottom of the context's stack. */

#include "asm_cet.h"

    .text
    .globl  sb_asm_trampoline
    .hidden sb_asm_trampoline            /* internal to the binary */
    .type   sb_asm_trampoline, @function
    .globl  sb_asm_first_resume
    .hidden sb_asm_first_resume
    .p2align 6                           /* a cache line of its own */
sb_asm_trampoline:
    .cfi_startproc
    .cfi_undefined %rip                  /* the outermost frame of a context */
    nop                                  /* unwinders look a return address up at address - 1: */
sb_asm_first_resume:                     /* this keeps that byte inside the routine (gdb said ??) */
    SB_ENDBR                             /* reached by an indirect jump (a ret under CET) */
    movq    %r12, %rdi                   /* the entry function's argument */
    callq   *%r13                        /* the entry function: never returns */
    ud2                                  /* it did return: trap */
    .cfi_endproc
    .size   sb_asm_trampoline, .-sb_asm_trampoline

    SB_CET_NOTE
    .section .note.GNU-stack, "", @progbits /* no executable stack */
