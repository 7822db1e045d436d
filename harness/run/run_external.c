/* An external reference's program as a repetition's server (the
 * `external` hook of sb_workload.h): started for the workload to drive,
 * stopped for its counts. */
#include "run_state.h"
#include "sb_loadgen.h"

int sb_run_serve_external(struct sb_run *run, uint16_t *port, struct sb_err *err)
{
    const struct sb__run_spec *spec = run->spec;
    if (!spec->engine->exec_argv || run->serving || run->nhelpers) {
        sb_err_set(err, "%s: sb_run_serve_external: %s", spec->workload->name,
                   !spec->engine->exec_argv ? "not an external engine"
                   : run->serving           ? "already serving"
                                            : "called after a helper started");
        return -1;
    }
    struct sb__external_args a;
    sb__external_args_init(&a, spec->engine, spec->workload, spec->params, spec->cfg.workers);
    /* Where the load agent reaches the server (--loadgen); else loopback. */
    if (spec->loadgen) sb__external_args_add(&a, "--listen=%s", spec->loadgen->server_addr);
    if (sb__external_serve(&run->server, &a, spec->cfg.pin_ctx, spec->cfg.workers, port, err) != 0)
        return -1;
    run->serving = true;
    run->root = run->server.pid; /* the memory measured is the server's */
    return 0;
}

int sb_run_stop_external(struct sb_run *run, const char *const *names, double *values, size_t n,
                         struct sb_err *err)
{
    if (!run->serving || run->served) {
        sb_err_set(err, "sb_run_stop_external: no server running");
        return -1;
    }
    run->served = true;
    return sb__external_stop(&run->server, names, values, n, err);
}
