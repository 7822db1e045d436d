/* Reporters: Google Benchmark's console table, JSON and CSV (output.h
 * writes them to files). */
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

#endif
