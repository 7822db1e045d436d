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

    .text
    .globl  sb_test_call_keeping_regs
    .type   sb_test_call_keeping_regs, @function
sb_test_call_keeping_regs:
    SB_ENDBR                        /* IBT: keep it marked in a CET build */
    pushq   %rbp
    pushq   %rbx
    pushq   %r12
    pushq   %r13
    pushq   %r14
    pushq   %r15
    subq    $8, %rsp
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
    movq    (%rsp), %rdx
    xorl    %eax, %eax
    cmpq    %rdx, %rbx
    je      1f
    orl     $1, %eax
1:  leaq    1(%rdx), %rcx
    cmpq    %rcx, %rbp
    je      2f
    orl     $2, %eax
2:  leaq    2(%rdx), %rcx
    cmpq    %rcx, %r12
    je      3f
    orl     $4, %eax
3:  leaq    3(%rdx), %rcx
    cmpq    %rcx, %r13
    je      4f
    orl     $8, %eax
4:  leaq    4(%rdx), %rcx
    cmpq    %rcx, %r14
    je      5f
    orl     $16, %eax
5:  leaq    5(%rdx), %rcx
    cmpq    %rcx, %r15
    je      6f
    orl     $32, %eax
6:  addq    $8, %rsp
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
