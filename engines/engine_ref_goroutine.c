/* ref-goroutine: a reference engine, Go's goroutines and channels
 * (references/go/ref_goroutine.go, built by CMake with Debian's golang-go),
 * what a user would pick instead of C coroutines. */
#include <unistd.h>

#include "sb_engine.h"

#if defined(SB_GO_REF)
static const char *const goroutine_argv[] = {SB_GO_REF, NULL};

static const char *goroutine_unavailable(void)
{
    return access(SB_GO_REF, X_OK) == 0 ? NULL
                                        : "its program was not built (" SB_GO_REF " is missing)";
}
#else
static const char *const goroutine_argv[] = {"/nonexistent/ref-goroutine", NULL};

static const char *goroutine_unavailable(void)
{
    return "needs the Debian package golang-go (not installed when switchbench was built)";
}
#endif

const struct sb_engine_ops sb_engine_ref_goroutine = {
    .name = "ref-goroutine",
    .summary = "reference: Go goroutines and channels, GOMAXPROCS=1 or --workers (golang-go)",
    .mechanism = "goroutine channels",
    .fpu = "Go runtime's",
    /* --workers is GOMAXPROCS: Go's scheduler threads, as ours. */
    .caps = SB_CAP_STACKFUL | SB_CAP_COOPERATIVE | SB_CAP_WORKERS | SB_CAP_REFERENCE,
    .package = "golang-go",
    .unavailable = goroutine_unavailable,
    .exec_argv = goroutine_argv,
    .workloads = "switch,pingpong,ring,pipeline,spawn,sleep,echo,echo-open,cpu,blocking",
};
