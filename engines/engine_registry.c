/* The engine registry: the only place the harness learns which engines exist. */
#include <string.h>

#include "sb_engine.h"

extern const struct sb_engine_ops sb_engine_asm;
extern const struct sb_engine_ops sb_engine_asm_sharedfpu;
extern const struct sb_engine_ops sb_engine_ucontext;
extern const struct sb_engine_ops sb_engine_stackless;
extern const struct sb_engine_ops sb_engine_threads;
extern const struct sb_engine_ops sb_engine_processes;
extern const struct sb_engine_ops sb_engine_libuv;

const struct sb_engine_ops *const sb_engines[] = {
    &sb_engine_threads, &sb_engine_processes, &sb_engine_ucontext,
    &sb_engine_asm,     &sb_engine_asm_sharedfpu, &sb_engine_stackless, &sb_engine_libuv,
};
const size_t sb_engine_count = sizeof sb_engines / sizeof sb_engines[0];

const struct sb_engine_ops *sb_engine_find(const char *name)
{
    for (size_t i = 0; i < sb_engine_count; i++)
        if (strcmp(sb_engines[i]->name, name) == 0) return sb_engines[i];
    return NULL;
}
