/* The workload registry: the only place the harness learns which workloads
 * exist, generated from the one list in workload_list.h. */
#include <string.h>

#include "sb_workload.h"
#include "workload_list.h"

#define SB_DECLARE_WORKLOAD(id) extern const struct sb_workload sb_wl_##id;
SB_WORKLOAD_LIST(SB_DECLARE_WORKLOAD)

#define SB_WORKLOAD_ENTRY(id) &sb_wl_##id,
const struct sb_workload *const sb_workloads[] = {SB_WORKLOAD_LIST(SB_WORKLOAD_ENTRY)};
const size_t sb_workload_count = sizeof sb_workloads / sizeof sb_workloads[0];
#define SB_WORKLOAD_ID(id) #id,
const char *const sb_workload_ids[] = {SB_WORKLOAD_LIST(SB_WORKLOAD_ID)};
_Static_assert(sizeof sb_workloads / sizeof sb_workloads[0] <= SB_MAX_WORKLOADS,
               "more workloads than a selection mask holds: raise SB_MAX_WORKLOADS");

const struct sb_workload *sb_workload_find(const char *name)
{
    for (size_t i = 0; i < sb_workload_count; i++)
        if (strcmp(sb_workloads[i]->name, name) == 0) return sb_workloads[i];
    return NULL;
}
