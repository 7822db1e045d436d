/* The engine registry: the only place the harness learns which engines
 * exist, generated from the one list in engine_list.h. */
#include <stdlib.h>
#include <string.h>

#include "engine_list.h"
#include "sb_engine.h"

#define SB_DECLARE_ENGINE(id) extern const struct sb_engine_ops sb_engine_##id;
SB_ENGINE_LIST(SB_DECLARE_ENGINE)

#define SB_ENGINE_ENTRY(id) &sb_engine_##id,
const struct sb_engine_ops *const sb_engines[] = {SB_ENGINE_LIST(SB_ENGINE_ENTRY)};
const size_t sb_engine_count = sizeof sb_engines / sizeof sb_engines[0];
#define SB_ENGINE_ID(id) #id,
const char *const sb_engine_ids[] = {SB_ENGINE_LIST(SB_ENGINE_ID)};
_Static_assert(sizeof sb_engines / sizeof sb_engines[0] <= SB_MAX_ENGINES,
               "more engines than a selection mask holds: raise SB_MAX_ENGINES");

const char *sb_engine_kind(const struct sb_engine_ops *e)
{
    return (e->caps & SB_CAP_BASELINE)      ? "baseline"
           : (e->caps & SB_CAP_COOPERATIVE) ? "coroutine"
           : (e->caps & SB_CAP_PARALLEL)    ? "kernel"
                                            : "other";
}

const char *sb_engine_unavailable(const struct sb_engine_ops *e)
{
    /* The tests' stand-in for a package that is not installed: a comma
     * list of engine names to treat as missing (never uninstall in a test). */
    const char *hide = getenv("SB_HIDE_ENGINES");
    size_t n = strlen(e->name);
    for (const char *p = hide; p && *p;) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len == n && strncmp(p, e->name, n) == 0)
            return "not installed here (hidden by SB_HIDE_ENGINES, as a test does)";
        p = end ? end + 1 : p + len;
    }
    return e->unavailable ? e->unavailable() : NULL;
}

const struct sb_engine_ops *sb_engine_find(const char *name)
{
    for (size_t i = 0; i < sb_engine_count; i++)
        if (strcmp(sb_engines[i]->name, name) == 0) return sb_engines[i];
    return NULL;
}
