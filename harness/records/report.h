/* Reporters: Google Benchmark's console table, JSON and CSV (output.h
 * writes them to files). Each serialises the typed records itself: this
 * is the edge where a record becomes text. */
#ifndef SB_REPORT_H
#define SB_REPORT_H

#include <jansson.h>
#include <stdio.h>

#include "cli.h"
#include "record.h"

int sb__report_json(FILE *f, json_t *ctx, const struct sb__records *rows);
int sb__report_csv(FILE *f, const struct sb__records *rows);
void sb__report_console_context(FILE *f, json_t *ctx);
void sb__report_console(FILE *f, const struct sb__records *rows);
int sb__report_write(FILE *f, enum sb__format fmt, json_t *ctx, const struct sb__records *rows);

#endif
