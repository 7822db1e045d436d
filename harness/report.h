/* Reporters: Google Benchmark's console table, JSON and CSV, and writing
 * them to files whole or not at all. */
#ifndef SB_REPORT_H
#define SB_REPORT_H

#include <jansson.h>
#include <stdio.h>

#include "cli.h"

int sb_report_json(FILE *f, json_t *ctx, json_t *rows);
int sb_report_csv(FILE *f, json_t *rows);
void sb_report_console_context(FILE *f, json_t *ctx);
void sb_report_console(FILE *f, json_t *rows);
int sb_report_write(FILE *f, enum sb_format fmt, json_t *ctx, json_t *rows);

/* Write to a temporary file beside `path`, then rename over it. */
int sb_write_atomic(const char *path, enum sb_format fmt, json_t *ctx, json_t *rows, char *err, size_t errlen);
/* DIR/<timestamp>/results.json and results.csv, built in a temporary
 * directory and renamed into place; then DIR/latest points at it. The
 * final directory is stored in `made`. */
int sb_save_run(const char *dir, json_t *ctx, json_t *rows, char *made, size_t madelen, char *err, size_t errlen);

#endif
