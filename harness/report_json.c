#include "report.h"

int sb_report_json(FILE *f, json_t *ctx, json_t *rows)
{
    json_t *doc = json_pack("{s:O, s:O}", "context", ctx, "benchmarks", rows);
    if (!doc) return -1;
    /* jansson refuses NaN and Infinity outright, so the output is strict JSON. */
    int rc = json_dumpf(doc, f, JSON_INDENT(2) | JSON_REAL_PRECISION(17));
    json_decref(doc);
    if (rc == 0) rc = fputc('\n', f) == EOF ? -1 : 0;
    return rc;
}
