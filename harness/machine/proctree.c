#include "proctree.h"

#include <stdbool.h>

#include <dirent.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The parent of `pid` from /proc/PID/stat (the field after the command,
 * which may itself contain spaces and parentheses). */
static pid_t parent_of(pid_t pid)
{
    char path[64], buf[512];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    char *close_paren = strrchr(buf, ')');
    if (!close_paren) return -1;
    char state;
    int ppid;
    if (sscanf(close_paren + 1, " %c %d", &state, &ppid) != 2) return -1;
    return (pid_t)ppid;
}

static double field_kb(pid_t pid, const char *file, const char *key)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/%s", (int)pid, file);
    FILE *f = fopen(path, "r");
    if (!f) return 0;
    size_t klen = strlen(key);
    double kb = 0;
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, key, klen) == 0) {
            kb = strtod(line + klen, NULL);
            break;
        }
    }
    fclose(f);
    return kb;
}

static int skipped(pid_t p, const pid_t *skip, size_t nskip)
{
    for (size_t i = 0; i < nskip; i++)
        if (skip[i] == p) return 1;
    return 0;
}

/* Every process whose ancestry reaches `root` (root included), not
 * descending into skipped ones. */
static size_t tree(pid_t root, const pid_t *skip, size_t nskip, pid_t **out)
{
    size_t n = 0, cap = 64;
    pid_t *all = NULL, *par = NULL, *in = malloc(cap * sizeof *in);
    size_t nall = 0, capall = 0;
    DIR *d = opendir("/proc");
    if (!in || !d) {
        if (d) closedir(d);
        free(in);
        *out = NULL;
        return SIZE_MAX;
    }
    struct dirent *de;
    while ((de = readdir(d))) {
        char *end;
        long pid = strtol(de->d_name, &end, 10);
        if (*end || pid <= 0) continue;
        if (nall == capall) {
            capall = capall ? capall * 2 : 1024;
            pid_t *a = realloc(all, capall * sizeof *a);
            if (a) all = a;
            pid_t *p = a ? realloc(par, capall * sizeof *p) : NULL;
            if (p) par = p;
            if (!a || !p) {
                /* A partial tree would be a smaller figure, not an error. */
                closedir(d);
                free(all);
                free(par);
                free(in);
                *out = NULL;
                return SIZE_MAX;
            }
        }
        all[nall] = (pid_t)pid;
        par[nall] = parent_of((pid_t)pid);
        nall++;
    }
    closedir(d);
    in[n++] = root;
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < nall; j++) {
            if (par[j] != in[i] || skipped(all[j], skip, nskip)) continue;
            if (n == cap) {
                pid_t *g = realloc(in, (cap *= 2) * sizeof *in);
                if (!g) {
                    free(all);
                    free(par);
                    free(in);
                    *out = NULL;
                    return SIZE_MAX;
                }
                in = g;
            }
            in[n++] = all[j];
        }
    }
    free(all);
    free(par);
    *out = in;
    return n;
}

double sb__proc_tree_memory_bytes(pid_t root, const pid_t *skip, size_t nskip, bool pss,
                                  double *rss_sum)
{
    pid_t *pids;
    size_t n = tree(root, skip, nskip, &pids);
    if (n == SIZE_MAX) {
        /* Out of memory while listing the processes: no figure at all (a
         * counter that is not a number is left out of the record). */
        if (rss_sum) *rss_sum = NAN;
        return NAN;
    }
    double pss_kb = 0, rss_kb = 0;
    for (size_t i = 0; i < n; i++) {
        rss_kb += field_kb(pids[i], "status", "VmRSS:");
        if (pss) pss_kb += field_kb(pids[i], "smaps_rollup", "Pss:");
    }
    free(pids);
    if (rss_sum) *rss_sum = rss_kb * 1024;
    return (pss ? pss_kb : rss_kb) * 1024;
}
