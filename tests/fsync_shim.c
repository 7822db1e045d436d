/* LD_PRELOAD shim for the hardening tests: notes every fsync, rename and
 * renameat2 the program makes, in order, one line each, in the file named
 * by SB_SHIM_LOG ("fsync PATH", "rename FROM TO"), then makes the real
 * call. What reaches the disk is invisible from outside: the test reads
 * from this list that the results directory was synced after its rename. */
#include <dlfcn.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
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
