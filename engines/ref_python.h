/* What the Python reference engines share: the interpreter Debian installs
 * as /usr/bin/python3 (never the python3 on PATH, which may be another), run
 * with -E -s so no environment variable or user site changes what it
 * imports, and the programs under references/python (references/README.md).
 * A reference is available where the interpreter and, for a library, the
 * Debian package's module directory are installed. */
#ifndef SB_REF_PYTHON_H
#define SB_REF_PYTHON_H

#include <unistd.h>

#define REF_PYTHON          "/usr/bin/python3"
#define REF_PYTHON_PACKAGES "/usr/lib/python3/dist-packages"

/* argv for a script under references/python: `path` is a char array
 * holding its path (REF_PYTHON_DIR "/name.py"). */
#define REF_PYTHON_DIR SB_REFS_DIR "/python"
#define REF_PYTHON_ARGV(path)                \
    {                                        \
        REF_PYTHON, "-E", "-s", (path), NULL \
    }

/* The Python references run these of our workloads. */
#define REF_PYTHON_WORKLOADS "switch,pingpong,ring,pipeline,spawn"

/* NULL when /usr/bin/python3 and `module` (a directory under Debian's
 * dist-packages, NULL for none) are installed; else the reason, naming
 * the package. */
static inline const char *ref_python_missing(const char *module, const char *reason)
{
    if (access(REF_PYTHON, X_OK) != 0) return "needs the Debian package python3 (/usr/bin/python3)";
    if (module && access(module, R_OK) != 0) return reason;
    return NULL;
}

#endif
