/* The asm engine's routines (engines/switch_*, trampoline_* .S, one per
 * file) as C sees them, and their contract as the results state it. */
#ifndef SB_ASM_SWITCH_H
#define SB_ASM_SWITCH_H

#include "sb_task.h"

/* Save the current context's frame at *save_sp, resume the one at load_sp.
 * Both return SB_OK: they zero eax (which clears rax) on x86-64, x0 on aarch64. */
sb_ret sb_asm_switch(void **save_sp, void *load_sp);           /* + FPU control state */
sb_ret sb_asm_switch_sharedfpu(void **save_sp, void *load_sp); /* no FPU state */
/* A new context's resume address, inside sb_asm_trampoline. */
void sb_asm_first_resume(void);

/* The architecture's frame builder and contract strings (asm_arch_frame,
 * ASM_CONTRACT_*, ASM_SUMMARY_*, ASM_FPU_*). CMake compiles the asm engines
 * only where there is a switch for the architecture. */
#if defined(__x86_64__)
#include "asm_frame_x86_64.h"
#elif defined(__aarch64__)
#include "asm_frame_arm64.h"
#else
#error "no asm switch for this architecture: CMake should have left the asm engines out"
#endif

#endif
