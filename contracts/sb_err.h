#ifndef SB_ERR_H
#define SB_ERR_H

/* The one error convention of switchbench's C: a function that can fail
 * returns -1 (or NULL) and says why in a caller's struct sb_err, one line
 * with no trailing newline. Callers print err.msg once, where the error
 * stops being handled. 1024 bytes, as the harness's message buffers were
 * before this header: a message quoting a value near cli.h's 1023-character
 * limit is cut at its end, never overrun. */
#define SB_ERR_LEN 1024
struct sb_err {
    char msg[SB_ERR_LEN];
};

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
void sb_err_set(struct sb_err *err, const char *fmt, ...);

/* Appends to err->msg (for messages built from a list). */
#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
void sb_err_add(struct sb_err *err, const char *fmt, ...);

#endif
