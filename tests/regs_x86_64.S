/* unsigned sb_test_call_keeping_regs(int (*op)(void *), void *arg, uint64_t seed);
 *
 * Loads rbx, rbp, r12-r15 with values derived from `seed`, calls op(arg)
 * (an engine operation that switches to another task and back), and
 * returns a bit mask of the registers whose value did not survive:
 * bit 0 rbx, 1 rbp, 2 r12, 3 r13, 4 r14, 5 r15. Calling the engine's
 * operation straight from here means no compiled C frame sits between the
 * registers and the switch to save and restore them on its own.
 *
 * Frame (after the pushes, 16-byte aligned at the call):
 *   +48 return address
 *   +40 rbp  +32 rbx  +24 r12  +16 r13  +8 r14  +0 r15   (caller's values)
 *   -8  seed (kept below in the local slot at +0 after sub)
 */
#include "../engines/asm_cet.h"

/* check_kept REG, N, BIT: set BIT in eax unless REG still holds seed + N
 * (the seed in rdx; rcx is scratch). */
.macro check_kept reg, n, bit
    leaq    \n(%rdx), %rcx          /* the value REG was given */
    cmpq    %rcx, \reg              /* does it hold it still? */
    je      .Lkept\@                /* yes: nothing to note */
    orl     $\bit, %eax             /* no: note its bit */
.Lkept\@:
.endm

    .text
    .globl  sb_test_call_keeping_regs
    .type   sb_test_call_keeping_regs, @function
sb_test_call_keeping_regs:
    SB_ENDBR                        /* IBT: keep it marked in a CET build */
    pushq   %rbp                    /* the caller's callee-saved registers */
    pushq   %rbx
    pushq   %r12
    pushq   %r13
    pushq   %r14
    pushq   %r15
    subq    $8, %rsp                /* a slot for the seed; rsp 16-aligned at the call */
    movq    %rdx, (%rsp)            /* seed */
    movq    %rdi, %rax              /* op */
    movq    %rsi, %rdi              /* arg */
    movq    %rdx, %rbx
    leaq    1(%rdx), %rbp
    leaq    2(%rdx), %r12
    leaq    3(%rdx), %r13
    leaq    4(%rdx), %r14
    leaq    5(%rdx), %r15
    callq   *%rax
    movq    (%rsp), %rdx            /* the seed again (rdx is the callee's to clobber) */
    xorl    %eax, %eax              /* no register lost yet */
    check_kept %rbx, 0, 1
    check_kept %rbp, 1, 2
    check_kept %r12, 2, 4
    check_kept %r13, 3, 8
    check_kept %r14, 4, 16
    check_kept %r15, 5, 32
    addq    $8, %rsp                /* drop the seed slot */
    popq    %r15
    popq    %r14
    popq    %r13
    popq    %r12
    popq    %rbx
    popq    %rbp
    ret
    .size   sb_test_call_keeping_regs, .-sb_test_call_keeping_regs
    SB_CET_NOTE
    .section .note.GNU-stack,"",@progbits
