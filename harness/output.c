/* Files are written whole or not at all: to a temporary name in the same
 * directory, flushed and synced, then renamed over the final name. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "report.h"

static int write_to(const char *tmp, enum sb_format fmt, json_t *ctx, json_t *rows)
{
    FILE *f = fopen(tmp, "w");
    if (!f) return -1;
    int rc = sb_report_write(f, fmt, ctx, rows);
    if (fflush(f) != 0 || fsync(fileno(f)) != 0) rc = -1;
    if (fclose(f) != 0) rc = -1;
    return rc;
}

int sb_write_atomic(const char *path, enum sb_format fmt, json_t *ctx, json_t *rows, char *err, size_t errlen)
{
    char tmp[PATH_MAX];
    if (snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid()) >= (int)sizeof tmp) {
        snprintf(err, errlen, "%s: path too long", path);
        return -1;
    }
    if (write_to(tmp, fmt, ctx, rows) != 0 || rename(tmp, path) != 0) {
        snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
        unlink(tmp);
        return -1;
    }
    return 0;
}

int sb_save_run(const char *dir, json_t *ctx, json_t *rows, char *made, size_t madelen, char *err, size_t errlen)
{
    if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
        snprintf(err, errlen, "cannot create %s: %s", dir, strerror(errno));
        return -1;
    }
    char stamp[64], tmpdir[PATH_MAX], final[PATH_MAX], file[PATH_MAX + 32], link_tmp[PATH_MAX + 64], link_path[PATH_MAX + 16];
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
    snprintf(tmpdir, sizeof tmpdir, "%s/.%s.tmp.%ld", dir, stamp, (long)getpid());
    if (mkdir(tmpdir, 0777) != 0) {
        snprintf(err, errlen, "cannot create %s: %s", tmpdir, strerror(errno));
        return -1;
    }
    snprintf(file, sizeof file, "%s/results.json", tmpdir);
    int rc = write_to(file, SB_FMT_JSON, ctx, rows);
    snprintf(file, sizeof file, "%s/results.csv", tmpdir);
    if (rc == 0) rc = write_to(file, SB_FMT_CSV, ctx, rows);
    /* Two runs in one second get distinct names. */
    int attempt = 0;
    do {
        if (attempt == 0) snprintf(final, sizeof final, "%s/%s", dir, stamp);
        else snprintf(final, sizeof final, "%s/%s-%d", dir, stamp, attempt);
        attempt++;
    } while (rc == 0 && access(final, F_OK) == 0 && attempt < 1000);
    if (rc != 0 || rename(tmpdir, final) != 0) {
        snprintf(err, errlen, "cannot write results under %s: %s", dir, strerror(errno));
        snprintf(file, sizeof file, "%s/results.json", tmpdir);
        unlink(file);
        snprintf(file, sizeof file, "%s/results.csv", tmpdir);
        unlink(file);
        rmdir(tmpdir);
        return -1;
    }
    const char *base = strrchr(final, '/') + 1;
    snprintf(link_tmp, sizeof link_tmp, "%s/.latest.tmp.%ld", dir, (long)getpid());
    snprintf(link_path, sizeof link_path, "%s/latest", dir);
    unlink(link_tmp);
    if (symlink(base, link_tmp) != 0 || rename(link_tmp, link_path) != 0) {
        unlink(link_tmp);
        snprintf(err, errlen, "cannot point %s at %s: %s", link_path, base, strerror(errno));
        return -1;
    }
    snprintf(made, madelen, "%s", final);
    return 0;
}
