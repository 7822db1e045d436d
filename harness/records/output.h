/* Output destinations: checked before the first benchmark runs, written
 * whole or not at all after the last.
 *
 *   prepare  resolve --out (through symlinks; FIFOs and devices are written
 *            in place, never replaced), prove each destination writable by
 *            creating its temporary name, sweep temporaries left by killed
 *            runs. Bad destinations are usage errors: nothing has run yet.
 *   stage    write every regular file under a temporary name (flushed and
 *            synced): results.json and results.csv in DIR/.STAMP.tmp.PID/,
 *            --out beside its final name.
 *   commit   rename everything into place with signals held back, so an
 *            interrupt finds either no file or every file; fsync the
 *            directories. A FIFO or device --out is written here.
 *   abandon  remove what stage made, and a results directory prepare made
 *            if it is still empty.
 */
#ifndef SB_OUTPUT_H
#define SB_OUTPUT_H

#include <jansson.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>

#include "cli.h"
#include "record.h"
#include "sb_err.h"

struct sb__output {
    /* --out */
    char out_path[PATH_MAX]; /* the final file, symlinks resolved; "" for none */
    bool out_special;        /* a FIFO or device: written in place */
    enum sb__format out_format;
    char out_tmp[PATH_MAX + 32];
    bool out_staged;
    /* --results-dir */
    char dir[SB_MAX_PATH_ARG + 1]; /* "" for none */
    bool dir_created;
    char run_tmp[SB_MAX_PATH_ARG + 96];
    bool run_staged;
    char run_final[SB_MAX_PATH_ARG + 96];
};

/* 0, or -1 with a one-line message. */
int sb__output_prepare(struct sb__output *o, const char *out, enum sb__format out_format,
                       const char *results_dir, struct sb_err *err);
int sb__output_stage(struct sb__output *o, json_t *ctx, const struct sb__records *rows,
                     struct sb_err *err);
/* 0 written; -1 with err; 1 interrupted before anything was renamed
 * (the caller abandons). */
int sb__output_commit(struct sb__output *o, json_t *ctx, const struct sb__records *rows,
                      volatile sig_atomic_t *interrupted, struct sb_err *err);
void sb__output_abandon(struct sb__output *o);

#endif
