/* The FPU control state a task may set, per architecture, for the
 * conformance test callee_saved_and_fpu: the rounding mode each task
 * chooses must be the one it finds after every switch on an engine that
 * keeps FPU control per task (SB_CAP_PER_TASK_FPU).
 *   x86-64: MXCSR (SSE) and the x87 control word;
 *   aarch64: FPCR (its RMode field, bits 23:22). */
#ifndef SB_TEST_FPU_CONTROL_H
#define SB_TEST_FPU_CONTROL_H

#include <stdbool.h>
#include <stdint.h>

#if defined(__x86_64__)
struct fpu_control {
    uint32_t mxcsr;
    uint16_t x87cw;
};

static inline struct fpu_control fpu_control_get(void)
{
    struct fpu_control c = {.mxcsr = (uint32_t)__builtin_ia32_stmxcsr()};
    __asm__ volatile("fnstcw %0" : "=m"(c.x87cw));
    return c;
}

static inline void fpu_control_set(struct fpu_control c)
{
    __builtin_ia32_ldmxcsr(c.mxcsr);
    __asm__ volatile("fldcw %0" : : "m"(c.x87cw));
}

/* Task 0 rounds toward zero, the others upward, in both SSE and x87. */
static inline struct fpu_control fpu_control_for_task(int first)
{
    return (struct fpu_control){.mxcsr = 0x1f80u | (first ? 0x6000u : 0x4000u),
                                .x87cw = (uint16_t)(0x037fu | (first ? 0x0c00u : 0x0800u))};
}

static inline bool fpu_control_eq(struct fpu_control a, struct fpu_control b)
{
    return a.mxcsr == b.mxcsr && a.x87cw == b.x87cw;
}
#define FPU_CONTROL_NAME  "MXCSR/x87 CW"
#define FPU_CONTROL_KNOWN 1

#elif defined(__aarch64__)
struct fpu_control {
    uint64_t fpcr;
};

static inline struct fpu_control fpu_control_get(void)
{
    struct fpu_control c;
    __asm__ volatile("mrs %0, fpcr" : "=r"(c.fpcr));
    return c;
}

static inline void fpu_control_set(struct fpu_control c)
{
    __asm__ volatile("msr fpcr, %0" : : "r"(c.fpcr));
}

/* Task 0 rounds toward zero (RMode 3), the others toward +infinity (1). */
static inline struct fpu_control fpu_control_for_task(int first)
{
    return (struct fpu_control){.fpcr = (first ? 3u : 1u) << 22};
}

static inline bool fpu_control_eq(struct fpu_control a, struct fpu_control b)
{
    return a.fpcr == b.fpcr;
}
#define FPU_CONTROL_NAME  "FPCR"
#define FPU_CONTROL_KNOWN 1

#else
/* Not known here: the test checks the registers only. */
struct fpu_control {
    int none;
};

static inline struct fpu_control fpu_control_get(void) { return (struct fpu_control){0}; }
static inline void fpu_control_set(struct fpu_control c) { (void)c; }
static inline struct fpu_control fpu_control_for_task(int first)
{
    (void)first;
    return (struct fpu_control){0};
}
static inline bool fpu_control_eq(struct fpu_control a, struct fpu_control b)
{
    (void)a;
    (void)b;
    return true;
}
#define FPU_CONTROL_NAME  "FPU control (not checked on this architecture)"
#define FPU_CONTROL_KNOWN 0
#endif

#endif
