#include "sysinfo.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "sb_engine.h"

#ifndef SB_CFLAGS
#define SB_CFLAGS ""
#endif
#ifndef SB_BUILD_TYPE
#define SB_BUILD_TYPE "release"
#endif

static int read_line(const char *path, char *buf, size_t len)
{
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    char *ok = fgets(buf, (int)len, f);
    fclose(f);
    if (!ok) return -1;
    buf[strcspn(buf, "\n")] = '\0';
    return 0;
}

/* The first "cpu MHz" of /proc/cpuinfo, as Google Benchmark reads it. */
static long cpu_mhz(void)
{
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (!f) return 0;
    char line[512];
    double mhz = 0;
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, "cpu MHz", 7) == 0) {
            const char *c = strchr(line, ':');
            if (c) mhz = atof(c + 1);
            break;
        }
    }
    fclose(f);
    /* aarch64's cpuinfo has no "cpu MHz": the cpufreq maximum, as Google
     * Benchmark falls back to (kHz there). */
    char khz[64];
    if (mhz == 0 &&
        read_line("/sys/devices/system/cpu/cpu0/cpufreq/cpuinfo_max_freq", khz, sizeof khz) == 0)
        mhz = atof(khz) / 1000.0;
    return (long)(mhz + 0.5);
}

/* The CPU model. x86-64: hwloc's CPUModel (from cpuid). aarch64's cpuinfo
 * names no model; there, lscpu's "Model name" (util-linux decodes the
 * implementer and part of MIDR_EL1 from its own table) and the MIDR itself
 * from sysfs, so that two machines of one class compare equal. */
static void cpu_model(hwloc_topology_t topo, char *buf, size_t len)
{
    hwloc_obj_t pkg = hwloc_get_obj_by_type(topo, HWLOC_OBJ_PACKAGE, 0);
    const char *model = pkg ? hwloc_obj_get_info_by_name(pkg, "CPUModel") : NULL;
    if (model && *model) {
        /* cpuid's brand string is padded: "Oxide Virtual Turin-like
         * Processor" came with 13 trailing spaces. */
        size_t n = strlen(model);
        while (n && isspace((unsigned char)model[n - 1])) n--;
        snprintf(buf, len, "%.*s", (int)n, model);
        return;
    }
    char name[128] = "", midr[64] = "";
    FILE *p = popen("LC_ALL=C lscpu 2>/dev/null", "r");
    if (p) {
        char line[256];
        while (fgets(line, sizeof line, p))
            if (strncmp(line, "Model name:", 11) == 0 && !name[0]) {
                const char *v = line + 11 + strspn(line + 11, " \t");
                snprintf(name, sizeof name, "%.*s", (int)strcspn(v, "\n"), v);
            }
        pclose(p);
    }
    read_line("/sys/devices/system/cpu/cpu0/regs/identification/midr_el1", midr, sizeof midr);
    if (name[0] && midr[0])
        snprintf(buf, len, "%s (MIDR %s)", name, midr);
    else if (name[0] || midr[0])
        snprintf(buf, len, "%s%s", name[0] ? name : "MIDR ", name[0] ? "" : midr);
    else
        snprintf(buf, len, "unknown");
}

static int cpuinfo_has_flag(const char *flag)
{
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (!f) return 0;
    char line[4096];
    int found = 0;
    while (!found && fgets(line, sizeof line, f)) {
        if (strncmp(line, "flags", 5) != 0) continue;
        char *save = NULL;
        for (char *tok = strtok_r(line, " \t\n:", &save); tok;
             tok = strtok_r(NULL, " \t\n:", &save))
            if (strcmp(tok, flag) == 0) found = 1;
        break;
    }
    fclose(f);
    return found;
}

static json_t *caches_of_pu0(hwloc_topology_t topo)
{
    json_t *arr = json_array();
    hwloc_obj_t pu = hwloc_get_obj_by_type(topo, HWLOC_OBJ_PU, 0);
    for (hwloc_obj_t o = pu ? pu->parent : NULL; o; o = o->parent) {
        if (!hwloc_obj_type_is_cache(o->type) || !o->attr) continue;
        const char *type = o->attr->cache.type == HWLOC_OBJ_CACHE_DATA          ? "Data"
                           : o->attr->cache.type == HWLOC_OBJ_CACHE_INSTRUCTION ? "Instruction"
                                                                                : "Unified";
        json_array_append_new(arr, json_pack("{s:s, s:i, s:I, s:i}", "type", type, "level",
                                             (int)o->attr->cache.depth, "size",
                                             (json_int_t)o->attr->cache.size, "num_sharing",
                                             hwloc_bitmap_weight(o->cpuset)));
    }
    return arr;
}

static void virtualization(char *buf, size_t len)
{
    char vendor[128] = "", product[128] = "";
    read_line("/sys/class/dmi/id/sys_vendor", vendor, sizeof vendor);
    read_line("/sys/class/dmi/id/product_name", product, sizeof product);
    int hv = cpuinfo_has_flag("hypervisor");
#if !defined(__x86_64__)
    /* Only x86 cpuinfo has a hypervisor flag; elsewhere the firmware's
     * vendor says it when it is a hypervisor's (QEMU, KVM, a cloud's). */
    hv = strstr(vendor, "QEMU") || strstr(product, "KVM") || strstr(vendor, "Amazon EC2") ||
         strstr(vendor, "Google") || strstr(vendor, "Microsoft") || strstr(product, "Virtual");
#endif
    if (!hv)
        snprintf(buf, len, "none detected");
    else if (vendor[0] || product[0])
        snprintf(buf, len, "hypervisor (%s %s)", vendor, product);
    else
        snprintf(buf, len, "hypervisor");
}

/* What each engine is, from its capability flags: the report's claims ask
 * "a coroutine engine" or "a kernel-scheduled one" of these, never of a
 * list of names typed into a script; `reference` marks someone else's
 * system, which the claims quote but do not decide on. */
static json_t *engine_kinds(void)
{
    json_t *all = json_object();
    for (size_t i = 0; i < sb_engine_count; i++) {
        unsigned c = sb_engines[i]->caps;
        const char *kind = sb_engine_kind(sb_engines[i]);
        json_object_set_new(
            all, sb_engines[i]->name,
            json_pack("{s:s, s:b, s:b, s:b, s:b, s:b}", "kind", kind, "stackful",
                      (c & SB_CAP_STACKFUL) != 0, "parallel", (c & SB_CAP_PARALLEL) != 0,
                      "separate_memory", (c & SB_CAP_SEPARATE_MEMORY) != 0, "workers",
                      (c & SB_CAP_WORKERS) != 0, "reference", (c & SB_CAP_REFERENCE) != 0));
    }
    return all;
}

/* The bounds the run sampled under (0: off), for the report to state. */
static void sampling_context(json_t *ctx, const struct sb__options *o)
{
    json_object_set_new(ctx, "disturbance_bound", json_real(o->disturbance));
    json_object_set_new(ctx, "precision_target", json_real(o->precision));
    json_object_set_new(ctx, "precision_budget_s", json_real(o->budget));
}

json_t *sb__sysinfo_context(const struct sb__options *o, const struct sb__pin *pin,
                            const char *argv0)
{
    char date[64], host[256] = "", clocksrc[64] = "unknown", virt[300], cpus[256],
                   governor[64] = "";
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S%z", &tm);
    /* ISO 8601 wants +hh:mm, as Google Benchmark writes it. */
    size_t dl = strlen(date);
    if (dl >= 5) {
        memmove(date + dl - 1, date + dl - 2, 3);
        date[dl - 2] = ':';
    }
    gethostname(host, sizeof host - 1);
    read_line("/sys/devices/system/clocksource/clocksource0/current_clocksource", clocksrc,
              sizeof clocksrc);
    virtualization(virt, sizeof virt);
    int scaling = read_line("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor", governor,
                            sizeof governor) == 0 &&
                  strcmp(governor, "performance") != 0;
    double load[3] = {0, 0, 0};
    if (getloadavg(load, 3) != 3) load[0] = load[1] = load[2] = 0;
    struct utsname un;
    uname(&un);
    char kernel[600];
    snprintf(kernel, sizeof kernel, "%s %s %s", un.sysname, un.release, un.version);
    sb__pin_chosen_list(pin, cpus, sizeof cpus);

    char topo[256];
    snprintf(topo, sizeof topo, "%d package(s), %d core(s), %d PU(s), %d NUMA node(s)",
             hwloc_get_nbobjs_by_type(pin->topo, HWLOC_OBJ_PACKAGE),
             hwloc_get_nbobjs_by_type(pin->topo, HWLOC_OBJ_CORE),
             hwloc_get_nbobjs_by_type(pin->topo, HWLOC_OBJ_PU),
             hwloc_get_nbobjs_by_type(pin->topo, HWLOC_OBJ_NUMANODE));

    json_t *fpu = json_object();
    for (size_t i = 0; i < sb_engine_count; i++)
        json_object_set_new(fpu, sb_engines[i]->name, json_string(sb_engines[i]->fpu));
    json_t *contract = json_object();
    for (size_t i = 0; i < sb_engine_count; i++)
        if (sb_engines[i]->contract)
            json_object_set_new(contract, sb_engines[i]->name,
                                json_string(sb_engines[i]->contract));

    json_t *ctx = json_pack(
        "{s:s, s:s, s:s, s:i, s:I, s:b, s:o, s:[f,f,f], s:s, s:s, s:i}", "date", date, "host_name",
        host, "executable", argv0, "num_cpus", hwloc_get_nbobjs_by_type(pin->topo, HWLOC_OBJ_PU),
        "mhz_per_cpu", (json_int_t)cpu_mhz(), "cpu_scaling_enabled", scaling, "caches",
        caches_of_pu0(pin->topo), "load_avg", load[0], load[1], load[2], "library_version",
        "switchbench " SB_VERSION, "library_build_type", SB_BUILD_TYPE, "json_schema_version", 1);
    json_object_set_new(ctx, "switchbench_version", json_string(SB_VERSION));
    json_object_set_new(ctx, "kernel", json_string(kernel));
    json_object_set_new(ctx, "compiler", json_string(__VERSION__));
    json_object_set_new(ctx, "compiler_flags", json_string(SB_CFLAGS));
    json_object_set_new(ctx, "hwloc_version", json_string(HWLOC_VERSION));
    json_object_set_new(ctx, "topology", json_string(topo));
    /* The machine class of a result (scripts/regress.py): CPU model and
     * core count; hwloc reads the model from cpuid or /proc/cpuinfo. */
    char model[256];
    cpu_model(pin->topo, model, sizeof model);
    json_object_set_new(ctx, "cpu_model", json_string(model));
    json_object_set_new(ctx, "architecture", json_string(un.machine));
    /* The source the binary was built from, when ./bench says (it runs
     * git before exec): history and regression files name the commit. */
    const char *commit = getenv("SB_SOURCE_COMMIT");
    if (commit && *commit) {
        json_object_set_new(ctx, "source_commit", json_string(commit));
        const char *dirty = getenv("SB_SOURCE_DIRTY");
        json_object_set_new(ctx, "source_dirty", json_boolean(dirty && strcmp(dirty, "1") == 0));
    }
    json_object_set_new(ctx, "virtualization", json_string(virt));
    json_object_set_new(ctx, "clocksource", json_string(clocksrc));
    json_object_set_new(
        ctx, "timer",
        json_string("CLOCK_MONOTONIC around each repetition; cpu_time from getrusage "
                    "(self + reaped children)"));
    json_object_set_new(ctx, "stack_size", json_integer((json_int_t)o->stack_size));
    json_object_set_new(ctx, "stack_guard",
                        json_string(o->stack_guard == SB_GUARD_AUTO   ? "auto"
                                    : o->stack_guard == SB_GUARD_NONE ? "none"
                                                                      : "page"));
    json_object_set_new(ctx, "fpu_contract", fpu);
    json_object_set_new(ctx, "switch_contract", contract);
    json_object_set_new(ctx, "engines", engine_kinds());
    json_object_set_new(ctx, "placement",
                        json_string(!o->placement_set             ? "per workload"
                                    : pin->placement == SB_SPREAD ? "spread"
                                                                  : "pack"));
    json_object_set_new(ctx, "cpus", json_string(cpus));
    json_object_set_new(ctx, "repetitions", json_integer(o->repetitions));
    json_object_set_new(ctx, "layout",
                        json_string(o->layout_fixed ? "fixed" : "random per repetition"));
    json_object_set_new(ctx, "layout_seed", json_integer((json_int_t)o->layout_seed));
    json_object_set_new(ctx, "order", json_string(o->interleave ? "interleaved" : "in order"));
    if (o->interleave) json_object_set_new(ctx, "order_seed", json_integer((json_int_t)o->seed));
    json_object_set_new(ctx, "min_time", json_real(o->min_time));
    json_object_set_new(ctx, "timeout", json_real(o->timeout));
    sampling_context(ctx, o);
    return ctx;
}
