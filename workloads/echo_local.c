/* The echo load generator as a helper process of the run: it runs
 * echo_client_run (loadgen/) with hooks that start and stop the run's
 * clock and measure the server's memory while every connection is open,
 * or hands the load to the run's agent (echo_remote.c). */
#include "futex.h"
#include "sb_loadgen.h"
#include "wl_echo.h"

/* What the helper process is given: the spec, where to report, and the run
 * (its copy at fork) to measure the server's memory with. */
struct echo_client {
    struct echo_client_spec spec;
    struct echo_client_result result;
    const struct sb_run *run;
};

static void local_started(void *ctx) { sb_clock_start(((struct echo_client *)ctx)->spec.clock); }
static void local_ended(void *ctx) { sb_clock_stop(((struct echo_client *)ctx)->spec.clock); }
static int local_loaded(void *ctx, struct echo_client_result *res)
{
    res->server_memory_bytes =
        sb_run_memory_bytes(((struct echo_client *)ctx)->run, &res->server_rss_bytes);
    return 0;
}

static int client_main(void *p)
{
    struct echo_client *cl = p;
    struct echo_client_hooks hooks = {
        .started = local_started, .ended = local_ended, .loaded = local_loaded, .ctx = cl};
    int rc = echo_client_run(&cl->spec, &cl->result, &hooks);
    if (rc != 0 && cl->spec.clock)
        sb_clock_stop(cl->spec.clock); /* leave it consistent; the error decides */
    __atomic_store_n(&cl->result.done, 1, __ATOMIC_RELEASE);
    return rc;
}

/* The load generator died (killed, crashed) before it could say it was
 * done: say it for it, so the server's accept loop stops now rather than
 * at the run's timeout. Its connections closed with it, so every
 * connection task sees the end of its stream. The record names the death. */
static void client_on_death(void *p)
{
    struct echo_client *cl = p;
    sb_gate_open(&cl->result.done, 1, true);
}

static int client_check(void *p, struct sb_err *err)
{
    const struct echo_client *cl = p;
    if (cl->result.error[0]) {
        sb_err_set(err, "load generator: %s", cl->result.error);
        return -1;
    }
    return 0;
}

int echo_client_start(struct sb_run *run, const struct echo_client_spec *spec,
                      struct echo_client_result **out, struct sb_err *err)
{
    struct echo_client *cl = sb_run_alloc(run, sizeof *cl, err);
    if (!cl) return -1;
    cl->spec = *spec;
    cl->run = run;
    if (sb_run_loadgen(run)) {
        if (echo_remote_start(run, &cl->spec, &cl->result, err) != 0) return -1;
        *out = &cl->result;
        return 0;
    }
    struct sb_helper_spec helper = {.name = "load generator",
                                    .main = client_main,
                                    .arg = cl,
                                    .check = client_check,
                                    .on_death = client_on_death};
    if (sb_run_helper(run, &helper, err) != 0) return -1;
    *out = &cl->result;
    return 0;
}
