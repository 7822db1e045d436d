/* The memory meter (run_meter.c): memory figures read on a thread of
 * their own, off the asking task's stack. Internal to the harness. */
#ifndef SB_RUN_METER_H
#define SB_RUN_METER_H

#include <pthread.h>

struct sb_run;

enum sb__meter_ask { SB__METER_IDLE, SB__METER_USER, SB__METER_KERNEL, SB__METER_QUIT };
enum sb__meter_state { SB__METER_UNSTARTED, SB__METER_RUNNING, SB__METER_FAILED };

struct sb__meter {
    enum sb__meter_state state;
    struct sb_run *run;
    pthread_t thread;
    pthread_mutex_t call; /* held by the one asking */
    pthread_mutex_t mu;   /* guards ask, value, rss */
    pthread_cond_t cv;
    enum sb__meter_ask ask; /* set by the asker, back to IDLE by the meter */
    double value, rss;
};

/* A memory figure, read by the meter thread (started by the first call in
 * the benchmark process) or, in any other process, by the caller. */
double sb__meter_read(struct sb_run *run, enum sb__meter_ask ask, double *rss_bytes);
/* Stop and join the thread, if it was started. */
void sb__meter_stop(struct sb__meter *m);

#endif
