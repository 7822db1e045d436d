/* The asm engine's routines (engines/switch_*, trampoline_* .S, one per
 * file) as C sees them, and their contract as the results state it. */
#ifndef SB_ASM_SWITCH_H
#define SB_ASM_SWITCH_H

#include "sb_task.h"

/* Save the current context's frame at *save_sp, resume the one at load_sp.
 * Both zero eax, which zero-extends to rax: an sb_ret of SB_OK. */
sb_ret sb_asm_switch(void **save_sp, void *load_sp);           /* + MXCSR, x87 CW */
sb_ret sb_asm_switch_sharedfpu(void **save_sp, void *load_sp); /* no FPU state */
/* A new context's resume address, inside sb_asm_trampoline. */
void sb_asm_first_resume(void);

/* What the .S files say in their headers and asm_cet.h, for the results'
 * context (context.switch_contract) and tests/asm_test.sh. */
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

#endif
