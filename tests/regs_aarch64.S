/* unsigned sb_test_call_keeping_regs(int (*op)(void *), void *arg, uint64_t seed);
 * aarch64, AAPCS64.
 *
 * Loads x19-x28, x29 and d8-d15 with values derived from `seed`, calls
 * op(arg) (an engine operation that switches to another task and back),
 * and returns a bit mask of the registers whose value did not survive:
 * bits 0-9 x19-x28, bit 10 x29, bits 11-18 d8-d15. Calling the engine's
 * operation straight from here means no compiled C frame sits between the
 * registers and the switch to save and restore them on its own.
 *
 * Frame (176 bytes, sp 16-aligned):
 *   +160 seed, padding
 *   +80 .. +159 x19-x28 (the caller's)
 *   +16 .. +79  d8-d15 (the caller's)
 *   +0          x29 x30 (the caller's)
 */
#include "../engines/asm_bti.h"

/* check_x REG, N, BIT: set BIT in w0 unless REG still holds seed + N (the
 * seed in x9; x10 and x11 scratch). */
.macro check_x reg, n, bit
    add     x10, x9, #\n            /* the value REG was given */
    cmp     \reg, x10               /* does it hold it still? */
    mov     w11, #\bit              /* its bit ... */
    orr     w11, w0, w11            /* ... added to the mask */
    csel    w0, w0, w11, eq         /* kept: the mask as it was; lost: with the bit */
.endm

/* check_d REG, N, BIT: the same for a d register, given the bits of seed + N. */
.macro check_d reg, n, bit
    fmov    x12, \reg               /* the bits it holds, compared as a general register */
    check_x x12, \n, \bit
.endm

    .text
    .globl  sb_test_call_keeping_regs
    .type   sb_test_call_keeping_regs, %function
    .p2align 2
sb_test_call_keeping_regs:
    SB_BTI_C                        /* BTI: keep it marked in a BTI build */
    stp     x29, x30, [sp, #-176]!  /* the caller's frame pointer and return address */
    stp     x19, x20, [sp, #80]     /* the caller's callee-saved registers ... */
    stp     x21, x22, [sp, #96]
    stp     x23, x24, [sp, #112]
    stp     x25, x26, [sp, #128]
    stp     x27, x28, [sp, #144]
    stp     d8, d9, [sp, #16]
    stp     d10, d11, [sp, #32]
    stp     d12, d13, [sp, #48]
    stp     d14, d15, [sp, #64]     /* ... all of them */
    str     x2, [sp, #160]          /* seed, kept across the call */
    mov     x9, x0                  /* op */
    mov     x0, x1                  /* arg: op's argument */
    mov     x19, x2                 /* x19-x28: seed + 0 .. seed + 9 */
    add     x20, x2, #1
    add     x21, x2, #2
    add     x22, x2, #3
    add     x23, x2, #4
    add     x24, x2, #5
    add     x25, x2, #6
    add     x26, x2, #7
    add     x27, x2, #8
    add     x28, x2, #9
    add     x29, x2, #10            /* x29 too (no frame walks run meanwhile) */
    add     x10, x2, #11            /* d8-d15: the bits of seed + 11 .. seed + 18 */
    fmov    d8, x10
    add     x10, x2, #12
    fmov    d9, x10
    add     x10, x2, #13
    fmov    d10, x10
    add     x10, x2, #14
    fmov    d11, x10
    add     x10, x2, #15
    fmov    d12, x10
    add     x10, x2, #16
    fmov    d13, x10
    add     x10, x2, #17
    fmov    d14, x10
    add     x10, x2, #18
    fmov    d15, x10
    blr     x9                      /* op(arg) */
    ldr     x9, [sp, #160]          /* the seed again (x9 is the callee's to clobber) */
    mov     w0, #0                  /* no register lost yet */
    check_x x19, 0, 1
    check_x x20, 1, 2
    check_x x21, 2, 4
    check_x x22, 3, 8
    check_x x23, 4, 16
    check_x x24, 5, 32
    check_x x25, 6, 64
    check_x x26, 7, 128
    check_x x27, 8, 256
    check_x x28, 9, 512
    check_x x29, 10, 1024
    check_d d8, 11, 2048
    check_d d9, 12, 4096
    check_d d10, 13, 8192
    check_d d11, 14, 16384
    check_d d12, 15, 32768
    check_d d13, 16, 65536
    check_d d14, 17, 131072
    check_d d15, 18, 262144
    ldp     d8, d9, [sp, #16]       /* the caller's registers back ... */
    ldp     d10, d11, [sp, #32]
    ldp     d12, d13, [sp, #48]
    ldp     d14, d15, [sp, #64]
    ldp     x19, x20, [sp, #80]
    ldp     x21, x22, [sp, #96]
    ldp     x23, x24, [sp, #112]
    ldp     x25, x26, [sp, #128]
    ldp     x27, x28, [sp, #144]
    ldp     x29, x30, [sp], #176    /* ... and the frame dropped */
    ret
    .size   sb_test_call_keeping_regs, .-sb_test_call_keeping_regs
    SB_BTI_NOTE
    .section .note.GNU-stack,"",%progbits
