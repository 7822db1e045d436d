/* The memory meter: a thread of the benchmark process that reads the
 * memory figures (sb_run_memory_bytes, sb_run_kernel_memory_bytes) when a
 * task asks, so that the reading runs on a stack of its own.
 *
 * Why: reading /proc with stdio and sscanf takes about 4.4 KiB of stack
 * (the spawn workload's parent task, measured with a stack filled with a
 * pattern), more than a task's stack may have: with stacks under a page
 * (--stack-size=1K), every task but that parent needs 144 bytes, and the
 * parent decided the smallest stack the workload could run on.
 *
 * The thread is started by the first reading in the benchmark process
 * (from the workload's setup, before any baseline is read), so its own
 * kernel stack and the pages of its stack are in every reading, the
 * baseline included, and cancel out of a difference. Readings from other
 * processes (a task process, a helper) are made directly: the thread is
 * not theirs. */
#include "run_meter.h"

#include <stdbool.h>
#include <unistd.h>

#include "run_readings.h"
#include "run_state.h"

static void *meter_main(void *arg)
{
    struct sb__meter *m = arg;
    pthread_mutex_lock(&m->mu);
    for (;;) {
        while (m->ask == SB__METER_IDLE) pthread_cond_wait(&m->cv, &m->mu);
        if (m->ask == SB__METER_QUIT) break;
        enum sb__meter_ask ask = m->ask;
        pthread_mutex_unlock(&m->mu);
        double v = ask == SB__METER_KERNEL ? sb__run_kernel_memory_now(m->run)
                                           : sb__run_memory_now(m->run, &m->rss);
        pthread_mutex_lock(&m->mu);
        m->value = v;
        m->ask = SB__METER_IDLE;
        pthread_cond_broadcast(&m->cv);
    }
    pthread_mutex_unlock(&m->mu);
    return NULL;
}

static bool meter_start(struct sb__meter *m, struct sb_run *run)
{
    m->run = run;
    m->ask = SB__METER_IDLE;
    if (pthread_mutex_init(&m->mu, NULL) != 0) return false;
    if (pthread_mutex_init(&m->call, NULL) != 0) {
        pthread_mutex_destroy(&m->mu);
        return false;
    }
    if (pthread_cond_init(&m->cv, NULL) != 0) {
        pthread_mutex_destroy(&m->call);
        pthread_mutex_destroy(&m->mu);
        return false;
    }
    if (pthread_create(&m->thread, NULL, meter_main, m) != 0) {
        pthread_cond_destroy(&m->cv);
        pthread_mutex_destroy(&m->call);
        pthread_mutex_destroy(&m->mu);
        return false;
    }
    m->state = SB__METER_RUNNING;
    return true;
}

double sb__meter_read(struct sb_run *run, enum sb__meter_ask ask, double *rss_bytes)
{
    struct sb__meter *m = &run->meter;
    bool ours = getpid() == run->root;
    if (ours && m->state == SB__METER_UNSTARTED && !meter_start(m, run))
        m->state = SB__METER_FAILED; /* read on the caller's stack, as before */
    if (!ours || m->state != SB__METER_RUNNING)
        return ask == SB__METER_KERNEL ? sb__run_kernel_memory_now(run)
                                       : sb__run_memory_now(run, rss_bytes);
    pthread_mutex_lock(&m->call); /* one asker at a time (threads engine: tasks are threads) */
    pthread_mutex_lock(&m->mu);
    m->ask = ask;
    pthread_cond_broadcast(&m->cv);
    while (m->ask != SB__METER_IDLE) pthread_cond_wait(&m->cv, &m->mu);
    double v = m->value;
    if (rss_bytes) *rss_bytes = m->rss;
    pthread_mutex_unlock(&m->mu);
    pthread_mutex_unlock(&m->call);
    return v;
}

void sb__meter_stop(struct sb__meter *m)
{
    if (m->state != SB__METER_RUNNING) return;
    pthread_mutex_lock(&m->call);
    pthread_mutex_lock(&m->mu);
    m->ask = SB__METER_QUIT;
    pthread_cond_broadcast(&m->cv);
    pthread_mutex_unlock(&m->mu);
    pthread_join(m->thread, NULL);
    pthread_mutex_unlock(&m->call);
    pthread_cond_destroy(&m->cv);
    pthread_mutex_destroy(&m->call);
    pthread_mutex_destroy(&m->mu);
    m->state = SB__METER_UNSTARTED;
}
