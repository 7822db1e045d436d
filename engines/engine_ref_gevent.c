/* ref-gevent: a reference engine, gevent's greenlets under its hub (Debian's
 * python3-gevent; references/python/ref_gevent.py): channels and queues,
 * gevent.sleep, gevent.spawn, as the tutorials use them. */
#include "ref_python.h"
#include "sb_engine.h"

static const char gevent_script[] = REF_PYTHON_DIR "/ref_gevent.py";
static const char *const gevent_argv[] = REF_PYTHON_ARGV(gevent_script);

static const char *gevent_unavailable(void)
{
    return ref_python_missing(REF_PYTHON_PACKAGES "/gevent",
                              "needs the Debian package python3-gevent");
}

const struct sb_engine_ops sb_engine_ref_gevent = {
    .name = "ref-gevent",
    .summary = "reference: gevent's greenlets and hub (python3-gevent, /usr/bin/python3)",
    .mechanism = "gevent hub",
    .fpu = "interpreter's",
    .caps = SB_CAP_STACKFUL | SB_CAP_COOPERATIVE | SB_CAP_REFERENCE,
    .package = "python3-gevent",
    .in_default_run = true,
    .unavailable = gevent_unavailable,
    .exec_argv = gevent_argv,
    .workloads = REF_PYTHON_WORKLOADS ",sleep,echo,echo-open,cpu,blocking",
};
