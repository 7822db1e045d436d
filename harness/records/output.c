#include "output.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "report.h"

/* ---- helpers ---- */

static void dir_of(const char *path, char *dir, size_t len)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        snprintf(dir, len, ".");
    else if (slash == path)
        snprintf(dir, len, "/");
    else
        snprintf(dir, len, "%.*s", (int)(slash - path), path);
}

static int fsync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return -1;
    int rc = fsync(fd);
    close(fd);
    return rc;
}

/* A temporary name ends in ".tmp.PID"; it is stale when PID is gone. */
static bool stale_tmp(const char *name, const char *prefix)
{
    size_t plen = strlen(prefix);
    if (strncmp(name, prefix, plen) != 0) return false;
    const char *tail = strstr(name + plen, ".tmp.");
    if (!tail) return false;
    char *end;
    long pid = strtol(tail + 5, &end, 10);
    if (*end || pid <= 0 || pid == (long)getpid()) return false;
    return kill((pid_t)pid, 0) != 0 && errno == ESRCH;
}

static void remove_tree1(const char *path)
{
    /* Our temporary run directories hold plain files only. */
    DIR *d = opendir(path);
    if (d) {
        struct dirent *de;
        char f[PATH_MAX + 300];
        while ((de = readdir(d))) {
            if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0) continue;
            snprintf(f, sizeof f, "%s/%s", path, de->d_name);
            unlink(f);
        }
        closedir(d);
        rmdir(path);
    } else {
        unlink(path);
    }
}

/* Remove the temporaries of writers that were killed: names in `dir` that
 * start with `prefix` and end in .tmp.PID of a process that is gone. */
static void sweep(const char *dir, const char *prefix)
{
    DIR *d = opendir(dir);
    if (!d) return;
    struct dirent *de;
    char f[PATH_MAX + 300];
    while ((de = readdir(d))) {
        if (!stale_tmp(de->d_name, prefix)) continue;
        snprintf(f, sizeof f, "%s/%s", dir, de->d_name);
        remove_tree1(f);
    }
    closedir(d);
}

/* Creates and removes `path`: the one test of "may I write here" that
 * holds for root, read-only mounts and /proc alike. */
static int probe_create(const char *path)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd < 0) return -1;
    close(fd);
    unlink(path);
    return 0;
}

/* Follow symlinks to the file they name (which need not exist yet). */
static int resolve_links(const char *path, char *out, size_t len, struct sb_err *err)
{
    char cur[PATH_MAX], link[PATH_MAX], dir[PATH_MAX];
    snprintf(cur, sizeof cur, "%s", path);
    for (int depth = 0; depth < 40; depth++) {
        struct stat st;
        if (lstat(cur, &st) != 0 || !S_ISLNK(st.st_mode)) {
            snprintf(out, len, "%s", cur);
            return 0;
        }
        ssize_t n = readlink(cur, link, sizeof link - 1);
        if (n < 0) break;
        link[n] = '\0';
        if (link[0] == '/') {
            snprintf(cur, sizeof cur, "%s", link);
        } else {
            dir_of(cur, dir, sizeof dir);
            if (snprintf(cur, sizeof cur, "%s/%s", dir, link) >= (int)sizeof cur) break;
        }
    }
    sb_err_set(err, "--out: %s: too many levels of symbolic links", path);
    return -1;
}

/* ---- prepare ---- */

static int prepare_out(struct sb__output *o, const char *out, struct sb_err *err)
{
    if (resolve_links(out, o->out_path, sizeof o->out_path, err) != 0) return -1;
    struct stat st;
    if (stat(o->out_path, &st) == 0) {
        if (S_ISDIR(st.st_mode)) {
            sb_err_set(err, "--out: %s is a directory", out);
            return -1;
        }
        if (S_ISSOCK(st.st_mode)) {
            sb_err_set(err, "--out: %s is a socket", out);
            return -1;
        }
        if (!S_ISREG(st.st_mode)) {
            /* A FIFO or a device is written in place: replacing it with a
             * regular file would break whatever reads it (as root, even
             * /dev/null). */
            if (access(o->out_path, W_OK) != 0) {
                sb_err_set(err, "--out: cannot write %s: %s", out, strerror(errno));
                return -1;
            }
            o->out_special = true;
            return 0;
        }
    }
    char dir[PATH_MAX];
    dir_of(o->out_path, dir, sizeof dir);
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        sb_err_set(err, "--out: %s: the directory %s does not exist", out, dir);
        return -1;
    }
    const char *slash = strrchr(o->out_path, '/');
    sweep(dir, slash ? slash + 1 : o->out_path);
    if (snprintf(o->out_tmp, sizeof o->out_tmp, "%s.tmp.%ld", o->out_path, (long)getpid()) >=
            (int)sizeof o->out_tmp ||
        probe_create(o->out_tmp) != 0) {
        sb_err_set(err, "--out: cannot write %s: %s", out,
                   errno ? strerror(errno) : "path too long");
        return -1;
    }
    return 0;
}

static int prepare_dir(struct sb__output *o, const char *dir, struct sb_err *err)
{
    snprintf(o->dir, sizeof o->dir, "%s", dir);
    struct stat st;
    if (stat(dir, &st) == 0) {
        if (!S_ISDIR(st.st_mode)) {
            sb_err_set(err, "--results-dir: %s is not a directory", dir);
            return -1;
        }
    } else if (mkdir(dir, 0777) == 0) {
        o->dir_created = true;
    } else if (errno == EEXIST && stat(dir, &st) == 0 && S_ISDIR(st.st_mode)) {
        /* Another run made it between our stat and our mkdir: runs
         * started at once into a new directory (one in twelve of them
         * failed with "File exists" and saved nothing). */
    } else {
        sb_err_set(err, "--results-dir: cannot create %s: %s", dir, strerror(errno));
        return -1;
    }
    sweep(dir, ".");
    char probe[PATH_MAX + 64];
    snprintf(probe, sizeof probe, "%s/.probe.tmp.%ld", dir, (long)getpid());
    if (probe_create(probe) != 0) {
        sb_err_set(err, "--results-dir: cannot write in %s: %s", dir, strerror(errno));
        sb__output_abandon(o);
        return -1;
    }
    return 0;
}

int sb__output_prepare(struct sb__output *o, const char *out, enum sb__format out_format,
                       const char *results_dir, struct sb_err *err)
{
    memset(o, 0, sizeof *o);
    o->out_format = out_format;
    errno = 0;
    if (out && prepare_out(o, out, err) != 0) return -1;
    if (results_dir && *results_dir && prepare_dir(o, results_dir, err) != 0) return -1;
    return 0;
}

/* errno in words, with the limit named where strerror names only the
 * symptom: EFBIG is "File too large" for a file of any size. */
static const char *why(int e)
{
    return e == EFBIG ? "the file size limit (ulimit -f) is reached" : strerror(e);
}

/* ---- stage ---- */

static int write_file(const char *path, enum sb__format fmt, json_t *ctx,
                      const struct sb__records *rows, bool in_place)
{
    FILE *f = fopen(path, in_place ? "w" : "wx");
    if (!f) return -1;
    int rc = sb__report_write(f, fmt, ctx, rows);
    if (fflush(f) != 0) rc = -1;
    if (rc == 0 && !in_place && fsync(fileno(f)) != 0) rc = -1;
    if (fclose(f) != 0) rc = -1;
    return rc;
}

int sb__output_stage(struct sb__output *o, json_t *ctx, const struct sb__records *rows,
                     struct sb_err *err)
{
    if (o->out_path[0] && !o->out_special) {
        o->out_staged = true;
        if (write_file(o->out_tmp, o->out_format, ctx, rows, false) != 0) {
            sb_err_set(err, "cannot write %s: %s", o->out_path, why(errno));
            return -1;
        }
    }
    if (o->dir[0]) {
        char stamp[64], file[PATH_MAX + 128];
        time_t now = time(NULL);
        struct tm tm;
        localtime_r(&now, &tm);
        strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
        snprintf(o->run_tmp, sizeof o->run_tmp, "%s/.%s.tmp.%ld", o->dir, stamp, (long)getpid());
        if (mkdir(o->run_tmp, 0777) != 0) {
            sb_err_set(err, "cannot create %s: %s", o->run_tmp, why(errno));
            return -1;
        }
        o->run_staged = true;
        snprintf(o->run_final, sizeof o->run_final, "%s/%s", o->dir, stamp);
        snprintf(file, sizeof file, "%s/results.json", o->run_tmp);
        int rc = write_file(file, SB_FMT_JSON, ctx, rows, false);
        snprintf(file, sizeof file, "%s/results.csv", o->run_tmp);
        if (rc == 0) rc = write_file(file, SB_FMT_CSV, ctx, rows, false);
        if (rc != 0 || fsync_dir(o->run_tmp) != 0) {
            sb_err_set(err, "cannot write results under %s: %s", o->dir, why(errno));
            return -1;
        }
    }
    return 0;
}

/* ---- commit ---- */

/* Several runs may finish in one second, into one directory: the name is
 * claimed by the rename itself (RENAME_NOREPLACE), never checked first. */
static int rename_run_dir(struct sb__output *o, struct sb_err *err)
{
    char base[sizeof o->run_final];
    snprintf(base, sizeof base, "%s", o->run_final);
    for (int attempt = 0; attempt < 1000; attempt++) {
        if (attempt && snprintf(o->run_final, sizeof o->run_final, "%s-%d", base, attempt) >=
                           (int)sizeof o->run_final)
            break;
        int rc = renameat2(AT_FDCWD, o->run_tmp, AT_FDCWD, o->run_final, RENAME_NOREPLACE);
        if (rc != 0 && errno == EINVAL) {
            /* A filesystem without RENAME_NOREPLACE: claim the name with
             * mkdir (atomic), then rename onto the empty directory. */
            rc = mkdir(o->run_final, 0777);
            if (rc == 0)
                rc = rename(o->run_tmp, o->run_final);
            else if (errno != EEXIST)
                rc = -2;
        }
        if (rc == 0) {
            o->run_staged = false;
            return 0;
        }
        if (rc == -2 || (errno != EEXIST && errno != ENOTEMPTY)) break;
    }
    sb_err_set(err, "cannot name a run directory under %s: %s", o->dir, why(errno));
    return -1;
}

static int point_latest(const struct sb__output *o, struct sb_err *err)
{
    char link_tmp[PATH_MAX + 64], link_path[PATH_MAX + 16];
    const char *base = strrchr(o->run_final, '/') + 1;
    snprintf(link_tmp, sizeof link_tmp, "%s/.latest.tmp.%ld", o->dir, (long)getpid());
    snprintf(link_path, sizeof link_path, "%s/latest", o->dir);
    unlink(link_tmp);
    if (symlink(base, link_tmp) != 0 || rename(link_tmp, link_path) != 0) {
        unlink(link_tmp);
        sb_err_set(err, "cannot point %s at %s: %s", link_path, base, why(errno));
        return -1;
    }
    return 0;
}

int sb__output_commit(struct sb__output *o, json_t *ctx, const struct sb__records *rows,
                      volatile sig_atomic_t *interrupted, struct sb_err *err)
{
    /* A FIFO blocks until a reader comes; an interrupt while it waits
     * abandons everything, as during the run. */
    if (o->out_special) {
        if (*interrupted) return 1;
        if (write_file(o->out_path, o->out_format, ctx, rows, true) != 0) {
            if (*interrupted) return 1;
            sb_err_set(err, "cannot write %s: %s", o->out_path, why(errno));
            return -1;
        }
    }
    if (*interrupted) return 1;
    sigset_t hold, old;
    sigemptyset(&hold);
    sigaddset(&hold, SIGINT);
    sigaddset(&hold, SIGTERM);
    sigaddset(&hold, SIGHUP);
    sigaddset(&hold, SIGQUIT);
    sigprocmask(SIG_BLOCK, &hold, &old);
    int rc = 0;
    char dir[PATH_MAX];
    if (o->out_staged) {
        if (rename(o->out_tmp, o->out_path) != 0) {
            sb_err_set(err, "cannot write %s: %s", o->out_path, why(errno));
            rc = -1;
        } else {
            o->out_staged = false;
            dir_of(o->out_path, dir, sizeof dir);
            (void)fsync_dir(dir);
        }
    }
    if (rc == 0 && o->run_staged) {
        rc = rename_run_dir(o, err);
        if (rc == 0) rc = point_latest(o, err);
        (void)fsync_dir(o->dir);
    }
    sigprocmask(SIG_SETMASK, &old, NULL);
    return rc;
}

void sb__output_abandon(struct sb__output *o)
{
    if (o->out_staged) unlink(o->out_tmp);
    o->out_staged = false;
    if (o->run_staged) remove_tree1(o->run_tmp);
    o->run_staged = false;
    if (o->dir_created) rmdir(o->dir); /* only while it is empty */
}
