/* ref-generator: a reference engine, CPython's generators driven by send()
 * (references/python/ref_generator.py), the coroutines the tutorials teach
 * with `yield`. */
#include "ref_python.h"
#include "sb_engine.h"

static const char generator_script[] = REF_PYTHON_DIR "/ref_generator.py";
static const char *const generator_argv[] = REF_PYTHON_ARGV(generator_script);

static const char *generator_unavailable(void) { return ref_python_missing(NULL, NULL); }

const struct sb_engine_ops sb_engine_ref_generator = {
    .name = "ref-generator",
    .summary = "reference: CPython generators driven by send() (/usr/bin/python3)",
    .mechanism = "generator send",
    .fpu = "interpreter's",
    .caps = SB_CAP_COOPERATIVE | SB_CAP_REFERENCE,
    .package = "python3",
    .in_default_run = true,
    .unavailable = generator_unavailable,
    .exec_argv = generator_argv,
    .workloads = REF_PYTHON_WORKLOADS,
};
