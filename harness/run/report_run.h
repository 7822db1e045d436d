/* The end of a run: the report scripts (scripts/report.py) turn the run
 * directory just written into charts, report.html and report.md. */
#ifndef SB_REPORT_RUN_H
#define SB_REPORT_RUN_H

/* Runs the report on run_dir and waits for it. 0 when it was written; -1
 * when it could not run or failed (it has said why on stderr). */
int sb__report_run(const char *run_dir);

#endif
