/* LD_PRELOAD shim for the hardening tests: notes every fsync, rename and
 * renameat2 the program makes, in order, one line each, in the file named
 * by SB_SHIM_LOG ("fsync PATH", "rename FROM TO"), then makes the real
 * call. What reaches the disk is invisible from outside: the test reads
 * from this list that the results directory was synced after its rename.
 * It also stages one race on demand (mkdir, below). */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void shim_note(const char *what, const char *a, const char *b)
{
    const char *log = getenv("SB_SHIM_LOG");
    if (!log) return;
    int fd = open(log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) return;
    dprintf(fd, "%s %s%s%s\n", what, a, b ? " " : "", b ? b : "");
    close(fd);
}

int fsync(int fd)
{
    int (*real)(int) = (int (*)(int))dlsym(RTLD_NEXT, "fsync");
    char link[64], path[4096];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, path, sizeof path - 1);
    path[n > 0 ? n : 0] = '\0';
    int rc = real ? real(fd) : -1;
    shim_note("fsync", path, NULL);
    return rc;
}

int rename(const char *from, const char *to)
{
    int (*real)(const char *, const char *) =
        (int (*)(const char *, const char *))dlsym(RTLD_NEXT, "rename");
    int rc = real ? real(from, to) : -1;
    if (rc == 0) shim_note("rename", from, to);
    return rc;
}

int renameat2(int dfrom, const char *from, int dto, const char *to, unsigned int flags)
{
    int (*real)(int, const char *, int, const char *, unsigned int) =
        (int (*)(int, const char *, int, const char *, unsigned int))dlsym(RTLD_NEXT, "renameat2");
    int rc = real ? real(dfrom, from, dto, to, flags) : -1;
    if (rc == 0) shim_note("rename", from, to);
    return rc;
}

/* With SB_SHIM_MKDIR_RACE set to a path: mkdir of that path acts as if
 * another process made it between the caller's stat and its mkdir (the
 * directory is made, and the call fails with EEXIST), the race that runs
 * started at once into a new results directory meet. */
int mkdir(const char *path, mode_t mode)
{
    int (*real)(const char *, mode_t) = (int (*)(const char *, mode_t))dlsym(RTLD_NEXT, "mkdir");
    if (!real) return -1;
    const char *race = getenv("SB_SHIM_MKDIR_RACE");
    if (race && strcmp(race, path) == 0 && real(path, mode) == 0) {
        errno = EEXIST;
        return -1;
    }
    return real(path, mode);
}
