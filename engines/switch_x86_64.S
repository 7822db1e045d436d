/* x86-64 System V context switch for the asm engines.
 *
 *   sb_ret sb_asm_switch(void **save_sp, void *load_sp);      full contract
 *   sb_ret sb_asm_switch_sharedfpu(void **save_sp, void *load_sp);
 *   void sb_asm_trampoline(void);                              first resume of a new context
 *
 * A switched-out context is nothing but its stack pointer; everything else
 * is on its own stack. Frame of a context switched out by sb_asm_switch
 * (the stack grows down; save_sp receives the address of the lowest slot):
 *
 *        higher addresses
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
 * sb_asm_switch_sharedfpu omits the +0 slot: its contexts share one MXCSR
 * and x87 control word (the "shared FPU environment" contract), so it saves
 * six registers and the resume address only.
 *
 * Only callee-saved state is kept: the caller of a switch already treats
 * every other register as clobbered, as for any call. The resume address is
 * popped into a scratch register and jumped to, never `ret`: a `ret` after
 * the stack swap would use the return-stack-buffer entry of the *other*
 * context and mispredict on every switch.
 *
 * MXCSR is reloaded unconditionally; the x87 control word only when it
 * differs from the one just saved. Measured on this machine kind (bare
 * loop, ns per switch): compare-then-load for both 6.55, because reading
 * back what stmxcsr just stored stalls store forwarding; unconditional
 * ldmxcsr + fldcw 5.33; unconditional ldmxcsr + compared fldcw 5.17; no
 * FPU state 2.2. Skipping a load of an identical value leaves the resumed
 * context with exactly the state it saved.
 *
 * Both switches return SB_OK (xor eax, which clears all of rax), so that C
 * can end an operation with `return switch(...)`, a tail call: the resumed context then continues
 * at its caller's call site without a `ret`, and the return-stack buffer
 * is never asked to predict across the stack swap.
 *
 * A new context is prepared by C (engine_asm.c) as a frame whose resume
 * address is sb_asm_trampoline, with r12 = argument and r13 = entry
 * function, and whose saved sp leaves rsp 16-byte aligned after the pops.
 *
 * Each routine starts a 64-byte line (.p2align 6). At 16-byte alignment
 * the switch's place in the line moved with every change elsewhere in the
 * binary, and switch/asm-sharedfpu settled, run to run, at 2.76, 3.0, 3.3
 * or 3.6 ns; aligned, it stays at 2.74-2.77.
 */

    .text

    .globl  sb_asm_switch
    .type   sb_asm_switch, @function
    .p2align 6
sb_asm_switch:
    .cfi_startproc
    pushq   %rbp
    pushq   %rbx
    pushq   %r12
    pushq   %r13
    pushq   %r14
    pushq   %r15
    subq    $8, %rsp
    stmxcsr (%rsp)
    fnstcw  4(%rsp)
    movq    %rsp, (%rdi)
    movzwl  4(%rsp), %ecx           /* our x87 control word */
    movq    %rsi, %rsp
    ldmxcsr (%rsp)
    cmpw    4(%rsp), %cx
    jne     .Lload_cw
.Lpop_full:
    addq    $8, %rsp
    popq    %r15
    popq    %r14
    popq    %r13
    popq    %r12
    popq    %rbx
    popq    %rbp
    popq    %rdx
#if defined(SB_PLANT_SLOWDOWN) && SB_PLANT_SLOWDOWN > 0
    /* Test only (cmake -DSB_PLANT_SLOWDOWN=N, tests/regress_test.py): N
     * dependent multiplies, a known slowdown the regression check must
     * catch. rax is free here: it is cleared just below. */
    .rept   SB_PLANT_SLOWDOWN
    imulq   $3, %rax, %rax          /* planted: each waits for the last */
    .endr
#endif
    xorl    %eax, %eax              /* returns 0 (SB_OK), so callers can tail-call it */
    jmpq    *%rdx
.Lload_cw:
    fldcw   4(%rsp)
    jmp     .Lpop_full
    .cfi_endproc
    .size   sb_asm_switch, .-sb_asm_switch

    .globl  sb_asm_switch_sharedfpu
    .type   sb_asm_switch_sharedfpu, @function
    .p2align 6
sb_asm_switch_sharedfpu:
    .cfi_startproc
    pushq   %rbp
    pushq   %rbx
    pushq   %r12
    pushq   %r13
    pushq   %r14
    pushq   %r15
    movq    %rsp, (%rdi)
    movq    %rsi, %rsp
    popq    %r15
    popq    %r14
    popq    %r13
    popq    %r12
    popq    %rbx
    popq    %rbp
    popq    %rdx
    xorl    %eax, %eax
    jmpq    *%rdx
    .cfi_endproc
    .size   sb_asm_switch_sharedfpu, .-sb_asm_switch_sharedfpu

/* Reached by the jump of a first switch: rsp is 16-byte aligned here, so
 * the call leaves the entry function with the ABI's entry alignment. The
 * entry function never returns (a finished task switches away for good). */
    .globl  sb_asm_trampoline
    .type   sb_asm_trampoline, @function
    .p2align 6
sb_asm_trampoline:
    .cfi_startproc
    .cfi_undefined rip
    movq    %r12, %rdi
    callq   *%r13
    ud2
    .cfi_endproc
    .size   sb_asm_trampoline, .-sb_asm_trampoline

    .section .note.GNU-stack,"",@progbits
