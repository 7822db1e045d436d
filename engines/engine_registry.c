/* The engine registry: the only place the harness learns which engines
 * exist, generated from the one list in engine_list.h. */
#include <string.h>

#include "engine_list.h"
#include "sb_engine.h"

#define SB_DECLARE_ENGINE(id) extern const struct sb_engine_ops sb_engine_##id;
SB_ENGINE_LIST(SB_DECLARE_ENGINE)

#define SB_ENGINE_ENTRY(id) &sb_engine_##id,
const struct sb_engine_ops *const sb_engines[] = {SB_ENGINE_LIST(SB_ENGINE_ENTRY)};
const size_t sb_engine_count = sizeof sb_engines / sizeof sb_engines[0];

const char *sb_engine_kind(const struct sb_engine_ops *e)
{
    return (e->caps & SB_CAP_BASELINE)      ? "baseline"
           : (e->caps & SB_CAP_COOPERATIVE) ? "coroutine"
           : (e->caps & SB_CAP_PARALLEL)    ? "kernel"
                                            : "other";
}

const struct sb_engine_ops *sb_engine_find(const char *name)
{
    for (size_t i = 0; i < sb_engine_count; i++)
        if (strcmp(sb_engines[i]->name, name) == 0) return sb_engines[i];
    return NULL;
}
