/* The x86-64 side of the asm engines in C: the first frame of a context
 * that never ran, as engines/switch_*_x86_64_sysv_elf_gas.S would have left
 * it (their headers draw it), and the contract the results state. */
#ifndef SB_ASM_FRAME_X86_64_H
#define SB_ASM_FRAME_X86_64_H

#include <stdbool.h>
#include <stdint.h>

#if defined(__CET__) && (__CET__ & 1)
#define ASM_CONTRACT_CET "CET: IBT kept, shadow stacks not switched (binary marked IBT only)"
#else
#define ASM_CONTRACT_CET "CET: not built with -fcf-protection"
#endif
#define ASM_CONTRACT_COMMON                                                               \
    "keeps rsp rbx rbp r12-r15; not kept: caller-saved registers, x87 status/tag words, " \
    "signal mask; red zone unused; "
#define ASM_CONTRACT_FULL ASM_CONTRACT_COMMON "keeps MXCSR and x87 CW per task; " ASM_CONTRACT_CET
#define ASM_CONTRACT_SHARED \
    ASM_CONTRACT_COMMON "MXCSR and x87 CW shared by all tasks of a thread; " ASM_CONTRACT_CET
#define ASM_SUMMARY_FULL \
    "coroutines, our x86-64 switch; saves rbx rbp r12-r15 rsp + MXCSR and x87 CW"
#define ASM_SUMMARY_SHARED \
    "as asm, but all tasks share one MXCSR/x87 CW (a task must not change them)"
#define ASM_FPU_FULL   "per-task MXCSR/x87 CW"
#define ASM_FPU_SHARED "shared MXCSR/x87 CW"

/* Below `top` (16-byte aligned): the frame a switch pops, with `resume` as
 * its return address, r12 = arg and r13 = entry for the trampoline. */
static inline void *asm_arch_frame(uintptr_t top, void *arg, void (*entry)(void *),
                                   void (*resume)(void), bool fpu_slot)
{
    uint64_t *sp = (uint64_t *)top;
    *--sp = (uint64_t)(uintptr_t)resume;
    *--sp = 0;                          /* rbp: ends frame-pointer walks */
    *--sp = 0;                          /* rbx */
    *--sp = (uint64_t)(uintptr_t)arg;   /* r12: the argument */
    *--sp = (uint64_t)(uintptr_t)entry; /* r13: the entry function */
    *--sp = 0;                          /* r14 */
    *--sp = 0;                          /* r15 */
    if (fpu_slot) {
        /* A new task starts with its creator's control words. */
        uint32_t mxcsr = (uint32_t)__builtin_ia32_stmxcsr();
        uint16_t cw;
        __asm__ volatile("fnstcw %0" : "=m"(cw));
        *--sp = (uint64_t)mxcsr | ((uint64_t)cw << 32);
    }
    return sp;
}

#endif
