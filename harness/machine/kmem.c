#include "kmem.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Where this process's cgroup of one hierarchy is, as a directory: the
 * hierarchy's mount point (from mountinfo) joined with the path in
 * /proc/self/cgroup, less the mount's own root. v2: want_fs "cgroup2",
 * controller NULL; v1: want_fs "cgroup", controller "memory". */
static bool own_cgroup_dir(const char *want_fs, const char *controller, char *out, size_t len)
{
    char path[512] = "", line[1024];
    FILE *f = fopen("/proc/self/cgroup", "re");
    if (!f) return false;
    while (fgets(line, sizeof line, f)) {
        char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
        if (!c2) continue;
        *c1 = *c2 = '\0';
        bool match = false;
        if (!controller) {
            match = strcmp(line, "0") == 0 && c1[1] == '\0';
        } else {
            char *save = NULL;
            for (char *t = strtok_r(c1 + 1, ",", &save); t; t = strtok_r(NULL, ",", &save))
                if (strcmp(t, controller) == 0) match = true;
        }
        if (match) {
            snprintf(path, sizeof path, "%s", c2 + 1);
            path[strcspn(path, "\n")] = '\0';
            break;
        }
    }
    fclose(f);
    if (path[0] != '/') return false;
    if (!(f = fopen("/proc/self/mountinfo", "re"))) return false;
    bool found = false;
    while (!found && fgets(line, sizeof line, f)) {
        /* id parent dev root mountpoint options [optional...] - fstype source superoptions */
        char *sep = strstr(line, " - ");
        if (!sep) continue;
        char root[256], mnt[256], fs[32], src[64], super[256] = "";
        if (sscanf(line, "%*s %*s %*s %255s %255s", root, mnt) != 2 ||
            sscanf(sep + 3, "%31s %63s %255s", fs, src, super) < 2 || strcmp(fs, want_fs) != 0)
            continue;
        if (controller) {
            bool has = false;
            char *save = NULL;
            for (char *t = strtok_r(super, ",", &save); t; t = strtok_r(NULL, ",", &save))
                if (strcmp(t, controller) == 0) has = true;
            if (!has) continue;
        }
        /* Escaped names (\040 for a space) are not cgroup mounts we know. */
        if (strchr(mnt, '\\') || strchr(root, '\\')) continue;
        size_t rl = strcmp(root, "/") == 0 ? 0 : strlen(root);
        if (rl && (strncmp(path, root, rl) != 0 || (path[rl] != '/' && path[rl] != '\0'))) continue;
        const char *rest = path + rl;
        found = (size_t)snprintf(out, len, "%s%s", mnt, strcmp(rest, "/") == 0 ? "" : rest) < len;
    }
    fclose(f);
    return found;
}

static bool write_text(const char *dir, const char *file, const char *text)
{
    char p[640];
    snprintf(p, sizeof p, "%s/%s", dir, file);
    FILE *f = fopen(p, "we");
    if (!f) return false;
    bool ok = fputs(text, f) >= 0;
    return fclose(f) == 0 && ok;
}

static bool has_word(const char *dir, const char *file, const char *word)
{
    char p[640], buf[512];
    snprintf(p, sizeof p, "%s/%s", dir, file);
    FILE *f = fopen(p, "re");
    if (!f) return false;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    char *save = NULL;
    for (char *t = strtok_r(buf, " \n", &save); t; t = strtok_r(NULL, " \n", &save))
        if (strcmp(t, word) == 0) return true;
    return false;
}

/* Make `under`/switchbench-PID and move this process into it. */
static bool join_new(struct sb__kmem *k, const char *under, const char *home)
{
    char pid[24];
    snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
    if ((size_t)snprintf(k->dir, sizeof k->dir, "%s/switchbench-%ld", under, (long)getpid()) >=
        sizeof k->dir)
        goto fail;
    if (mkdir(k->dir, 0755) != 0 && errno != EEXIST) goto fail;
    snprintf(k->parent, sizeof k->parent, "%s", home);
    if (write_text(k->dir, "cgroup.procs", pid)) return true;
    rmdir(k->dir);
fail:
    k->dir[0] = '\0';
    return false;
}

static bool parent_dir(const char *dir, char *out, size_t len)
{
    const char *slash = strrchr(dir, '/');
    if (!slash || slash == dir) return false;
    return (size_t)snprintf(out, len, "%.*s", (int)(slash - dir), dir) < len;
}

void sb__kmem_open(struct sb__kmem *k)
{
    *k = (struct sb__kmem){.method = SB_KMEM_NONE};
    char own[512], up[512];
    /* v2: a child of our cgroup when it hands the memory controller down,
     * else a sibling (a systemd scope hands nothing down; its slice does). */
    if (own_cgroup_dir("cgroup2", NULL, own, sizeof own)) {
        if (has_word(own, "cgroup.subtree_control", "memory") && join_new(k, own, own)) {
            k->method = SB_KMEM_CGROUP2;
            return;
        }
        if (parent_dir(own, up, sizeof up) && has_word(up, "cgroup.subtree_control", "memory") &&
            join_new(k, up, own)) {
            k->method = SB_KMEM_CGROUP2;
            return;
        }
    }
    if (own_cgroup_dir("cgroup", "memory", own, sizeof own) && join_new(k, own, own)) {
        k->method = SB_KMEM_CGROUP1;
        if (!isnan(sb__kmem_bytes(k))) return;
        sb__kmem_close(k); /* kernel memory accounting is off (cgroup.memory=nokmem) */
    }
    k->method = SB_KMEM_MEMINFO;
    if (isnan(sb__kmem_bytes(k))) k->method = SB_KMEM_NONE;
}

/* Sum of the named keys of a "key value" file, each times `scale`. */
static double sum_keys(const char *path, const char *const *keys, int nkeys, double scale)
{
    FILE *f = fopen(path, "re");
    if (!f) return NAN;
    char line[256];
    double sum = 0;
    int seen = 0;
    while (fgets(line, sizeof line, f)) {
        char key[64];
        double v;
        if (sscanf(line, "%63[^: ]%*[: ]%lf", key, &v) != 2) continue;
        for (int i = 0; i < nkeys; i++)
            if (strcmp(key, keys[i]) == 0) {
                sum += v * scale;
                seen++;
            }
    }
    fclose(f);
    return seen == nkeys ? sum : NAN;
}

double sb__kmem_bytes(const struct sb__kmem *k)
{
    char p[640];
    switch (k->method) {
    case SB_KMEM_CGROUP2: {
        static const char *const keys[] = {"kernel_stack", "pagetables", "slab_unreclaimable"};
        snprintf(p, sizeof p, "%s/memory.stat", k->dir);
        return sum_keys(p, keys, 3, 1);
    }
    case SB_KMEM_CGROUP1: {
        snprintf(p, sizeof p, "%s/memory.kmem.usage_in_bytes", k->dir);
        FILE *f = fopen(p, "re");
        double v;
        bool ok = f && fscanf(f, "%lf", &v) == 1;
        if (f) fclose(f);
        return ok ? v : NAN;
    }
    case SB_KMEM_MEMINFO: {
        static const char *const keys[] = {"KernelStack", "PageTables", "SUnreclaim"};
        return sum_keys("/proc/meminfo", keys, 3, 1024);
    }
    case SB_KMEM_NONE:
        break;
    }
    return NAN;
}

void sb__kmem_close(struct sb__kmem *k)
{
    if (k->dir[0]) {
        char pid[24];
        snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
        (void)write_text(k->parent, "cgroup.procs", pid);
        rmdir(k->dir);
        k->dir[0] = '\0';
    }
    k->method = SB_KMEM_NONE;
}

const char *sb__kmem_method_name(enum sb__kmem_method m)
{
    switch (m) {
    case SB_KMEM_CGROUP2:
        return "cgroup v2 memory.stat";
    case SB_KMEM_CGROUP1:
        return "cgroup v1 memory.kmem";
    case SB_KMEM_MEMINFO:
        return "/proc/meminfo, machine-wide";
    case SB_KMEM_NONE:
        break;
    }
    return "not measured";
}

/* Each directory a benchmark process makes its cgroup in (join_new's
 * choices): the own cgroup and its parent (v2), the own memory one (v1). */
static void each_parent(void (*fn)(const char *dir, pid_t pid), pid_t pid)
{
    char own[512], up[512];
    if (own_cgroup_dir("cgroup2", NULL, own, sizeof own)) {
        fn(own, pid);
        if (parent_dir(own, up, sizeof up)) fn(up, pid);
    }
    if (own_cgroup_dir("cgroup", "memory", own, sizeof own)) fn(own, pid);
}

static void remove_in(const char *dir, pid_t pid)
{
    char p[640];
    snprintf(p, sizeof p, "%s/switchbench-%ld", dir, (long)pid);
    rmdir(p);
}

void sb__kmem_remove_for(pid_t pid) { each_parent(remove_in, pid); }

/* switchbench-PID cgroups in dir whose PID is gone: ours (the name), and
 * left by a run killed with -9 before it could remove them. A live PID's
 * is left alone, whoever it is; rmdir refuses one that still holds a
 * process. */
static void sweep_in(const char *dir, pid_t unused)
{
    (void)unused;
    DIR *d = opendir(dir);
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL) {
        char *end = NULL;
        if (strncmp(e->d_name, "switchbench-", 12) != 0) continue;
        long pid = strtol(e->d_name + 12, &end, 10);
        if (end == e->d_name + 12 || *end || pid <= 0) continue;
        if (kill((pid_t)pid, 0) == 0 || errno != ESRCH) continue;
        char p[640];
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        rmdir(p);
    }
    if (d) closedir(d);
}

void sb__kmem_sweep_stale(void) { each_parent(sweep_in, 0); }
