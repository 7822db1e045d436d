#include "report_run.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helper.h"

/* Debian's interpreter, not whatever python3 is first on PATH: only it
 * sees Debian's python3-* packages (docs/design.md, Scripts). */
#define SB_PYTHON "/usr/bin/python3"

int sb__report_run(const char *run_dir)
{
    const char *script = SB_SCRIPTS_DIR "/report.py";
    if (access(SB_PYTHON, X_OK) != 0) {
        fprintf(stderr, "bench: no report: %s is not installed (Debian package python3)\n",
                SB_PYTHON);
        return -1;
    }
    if (access(script, R_OK) != 0) {
        fprintf(stderr, "bench: no report: %s: %s\n", script, strerror(errno));
        return -1;
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        fprintf(stderr, "bench: no report: cannot fork: %s\n", strerror(errno));
        return -1;
    }
    if (pid == 0) {
        /* "--": a directory named -x is a path, not an option. */
        execl(SB_PYTHON, SB_PYTHON, script, "--", run_dir, (char *)NULL);
        fprintf(stderr, "bench: no report: cannot run %s: %s\n", SB_PYTHON, strerror(errno));
        _exit(127);
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) return -1;
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return 0;
    char how[96];
    sb__describe_status(status, how, sizeof how);
    fprintf(stderr, "bench: the report failed (%s); the results are whole\n", how);
    return -1;
}
