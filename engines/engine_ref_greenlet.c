/* ref-greenlet: a reference engine, greenlet's switch() (Debian's
 * python3-greenlet; references/python/ref_greenlet.py), the stackful
 * coroutines under gevent. */
#include "ref_python.h"
#include "sb_engine.h"

static const char greenlet_script[] = REF_PYTHON_DIR "/ref_greenlet.py";
static const char *const greenlet_argv[] = REF_PYTHON_ARGV(greenlet_script);

static const char *greenlet_unavailable(void)
{
    return ref_python_missing(REF_PYTHON_PACKAGES "/greenlet",
                              "needs the Debian package python3-greenlet");
}

const struct sb_engine_ops sb_engine_ref_greenlet = {
    .name = "ref-greenlet",
    .summary = "reference: greenlet's switch() (python3-greenlet, /usr/bin/python3)",
    .mechanism = "greenlet switch",
    .fpu = "interpreter's",
    .caps = SB_CAP_STACKFUL | SB_CAP_COOPERATIVE | SB_CAP_REFERENCE,
    .package = "python3-greenlet",
    .in_default_run = true,
    .unavailable = greenlet_unavailable,
    .exec_argv = greenlet_argv,
    .workloads = REF_PYTHON_WORKLOADS,
};
