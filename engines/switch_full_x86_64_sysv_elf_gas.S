/* sb_asm_switch: the `asm` engine's context switch, full contract.
 * x86-64, System V ABI, ELF, GNU as.
 *
 *   sb_ret sb_asm_switch(void **save_sp, void *load_sp);
 *             rdi: where to store the current context's stack pointer
 *             rsi: the stack pointer of the context to resume
 *             returns SB_OK (0) in the resumed context
 *
 * Contract: the caller sees an ordinary call that returns later, maybe
 * after other contexts ran. Kept per context: rsp, the callee-saved rbx
 * rbp r12 r13 r14 r15, the MXCSR (SSE rounding and exception masks) and
 * the x87 control word. Not kept: every caller-saved register (the caller
 * already treats them as clobbered by a call), the x87 status and tag
 * words (empty across calls by the ABI), the signal mask (one per thread,
 * not per context), and no red zone is read or written. CET: engines/
 * asm_cet.h (IBT kept, shadow stacks not switched).
 *
 * A switched-out context is nothing but its stack pointer; all else is on
 * its own stack. The frame it leaves (save_sp receives the lowest address;
 * the stack grows down):
 *
 *        higher addresses                      CFA = rsp + 64 once built
 *      +----------------------------------+
 *  +56 | resume address                   |  pushed by the caller's `call`
 *  +48 | rbp                              |
 *  +40 | rbx                              |
 *  +32 | r12                              |
 *  +24 | r13                              |
 *  +16 | r14                              |
 *   +8 | r15                              |
 *   +0 | MXCSR (4 bytes) | x87 CW (2) | 2 |  <- saved sp
 *      +----------------------------------+
 *        lower addresses
 *
 * The frame it resumes has the same layout (built by a switch, or by
 * engine_asm.c's asm_initial_frame for a context that never ran), so the
 * call frame information stays true across the stack swap: an unwinder
 * stopped after it walks into the resumed context's caller.
 *
 * The resume address is popped and jumped to, not `ret`-urned to: a `ret`
 * after the swap would use the return-stack-buffer entry of the *other*
 * context and mispredict on every switch. A CET build must `ret`
 * (asm_cet.h: IBT forbids the jump to a return address).
 *
 * MXCSR is reloaded always; the x87 control word only when it differs from
 * the one just saved. Measured on this machine kind (bare loop, ns per
 * switch): compare-then-load for both 6.55, because reading back what
 * stmxcsr just stored stalls store forwarding; unconditional ldmxcsr +
 * fldcw 5.33; unconditional ldmxcsr + compared fldcw 5.17; no FPU state
 * 2.2. Skipping the load of an identical value leaves the resumed context
 * with exactly the state it saved.
 *
 * It returns SB_OK (xor eax, which clears all of rax) so that C can end an
 * operation with `return sb_asm_switch(...)`, a tail call: the resumed
 * context then continues at its caller's call site without a `ret`.
 *
 * The routine starts a 64-byte line (.p2align 6). At 16-byte alignment
 * its place in the line moved with every change elsewhere in the binary,
 * and switch/asm-sharedfpu settled, run to run, at 2.76, 3.0, 3.3 or
 * 3.6 ns; aligned, it stays at 2.74-2.77. */

#include "asm_cet.h"

    .text
    .globl  sb_asm_switch
    .hidden sb_asm_switch                /* internal to the binary: no PLT, no interposition */
    .type   sb_asm_switch, @function
    .p2align 6                           /* a cache line of its own (see above) */
sb_asm_switch:
    .cfi_startproc                       /* CFA = rsp + 8, return address at CFA - 8 */
    SB_ENDBR                             /* the bare loop calls it through a pointer */
    pushq   %rbp                         /* save the callee-saved registers ... */
    .cfi_adjust_cfa_offset 8
    .cfi_rel_offset %rbp, 0
    pushq   %rbx
    .cfi_adjust_cfa_offset 8
    .cfi_rel_offset %rbx, 0
    pushq   %r12
    .cfi_adjust_cfa_offset 8
    .cfi_rel_offset %r12, 0
    pushq   %r13
    .cfi_adjust_cfa_offset 8
    .cfi_rel_offset %r13, 0
    pushq   %r14
    .cfi_adjust_cfa_offset 8
    .cfi_rel_offset %r14, 0
    pushq   %r15                         /* ... the last of them at +8 */
    .cfi_adjust_cfa_offset 8
    .cfi_rel_offset %r15, 0
    subq    $8, %rsp                     /* the +0 slot for the control words */
    .cfi_adjust_cfa_offset 8
    stmxcsr (%rsp)                       /* our MXCSR at +0 */
    fnstcw  4(%rsp)                      /* our x87 control word at +4 */
    movq    %rsp, (%rdi)                 /* *save_sp = our frame: we are switched out */
    movzwl  4(%rsp), %ecx                /* keep our control word to compare below */
    movq    %rsi, %rsp                   /* onto the other context's frame (same layout) */
    ldmxcsr (%rsp)                       /* its MXCSR, always (cheaper than comparing) */
    cmpw    4(%rsp), %cx                 /* its x87 control word the same as ours? */
    jne     .Lload_cw                    /* no: load it first (rare) */
    .cfi_remember_state                  /* the frame as .Lload_cw sees it */
.Lpop_full:
    addq    $8, %rsp                     /* drop the control-word slot */
    .cfi_adjust_cfa_offset -8
    popq    %r15                         /* restore its callee-saved registers ... */
    .cfi_adjust_cfa_offset -8
    .cfi_restore %r15
    popq    %r14
    .cfi_adjust_cfa_offset -8
    .cfi_restore %r14
    popq    %r13
    .cfi_adjust_cfa_offset -8
    .cfi_restore %r13
    popq    %r12
    .cfi_adjust_cfa_offset -8
    .cfi_restore %r12
    popq    %rbx
    .cfi_adjust_cfa_offset -8
    .cfi_restore %rbx
    popq    %rbp                         /* ... all six */
    .cfi_adjust_cfa_offset -8
    .cfi_restore %rbp
#if defined(SB_PLANT_SLOWDOWN) && SB_PLANT_SLOWDOWN > 0
    /* Test only (cmake -DSB_PLANT_SLOWDOWN=N, tests/regress_test.py): N
     * dependent multiplies, a known slowdown the regression check must
     * catch. rax is free here: it is cleared just below. */
    .rept   SB_PLANT_SLOWDOWN
    imulq   $3, %rax, %rax               /* planted: each waits for the last */
    .endr
#endif
    xorl    %eax, %eax                   /* return SB_OK (clears all of rax) */
#if SB_CET_IBT
    ret                                  /* to its resume address (IBT: asm_cet.h) */
#else
    popq    %rdx                         /* its resume address ... */
    .cfi_adjust_cfa_offset -8
    .cfi_register %rip, %rdx
    jmpq    *%rdx                        /* ... jumped to: see above */
#endif
    .cfi_restore_state                   /* back to the frame at the jne */
.Lload_cw:
    fldcw   4(%rsp)                      /* its x87 control word */
    jmp     .Lpop_full                   /* and on as usual */
    .cfi_endproc
    .size   sb_asm_switch, .-sb_asm_switch

    SB_CET_NOTE
    .section .note.GNU-stack, "", @progbits /* no executable stack */
