/* Status codes for failures from the outside world, the one logging function,
 * and the assert that stays compiled in for programmer errors. */
#ifndef FCNET_STATUS_H
#define FCNET_STATUS_H

#include <stdarg.h>

enum fc_status {
    FC_OK = 0,
    FC_STATUS_NOMEM,       /* an allocation failed */
    FC_STATUS_IO,          /* a file is missing, unreadable or unwritable */
    FC_STATUS_BAD_DATA,    /* a file has the wrong size, layout or content */
    FC_STATUS_BAD_CONFIG,  /* a hyperparameter or option is invalid */
    FC_STATUS_FORMAT,      /* a model/results file is foreign or of another version */
    FC_STATUS_DIVERGED,    /* training produced a non-finite loss */
    FC_STATUS_INTERRUPTED, /* a stop was requested (signal) */
    FC_STATUS_MPI,         /* an MPI call failed */
    FC_STATUS_INTERNAL     /* an external library failed in an unexpected way */
};

/* Short lower-case name of a status ("ok", "io", ...); never NULL. */
const char *fc_status_str(enum fc_status s);

enum fc_log_level { FC_LOG_ERROR = 0, FC_LOG_WARN, FC_LOG_INFO, FC_LOG_DEBUG };

/* The only way the library prints. Default sink: INFO to stdout, WARN/ERROR to stderr
 * prefixed "fcsweep: error: " / "fcsweep: warning: ". */
void fc_log(enum fc_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Replace the sink (NULL restores the default). The sink gets the formatted message
 * without a trailing newline handling: messages carry their own '\n'. */
typedef void (*fc_log_sink)(enum fc_log_level level, const char *msg, void *user);
void fc_log_set_sink(fc_log_sink sink, void *user);
/* Messages above this level are dropped (default FC_LOG_INFO). */
void fc_log_set_level(enum fc_log_level max_level);

/* Called by FC_ASSERT on failure; prints and aborts (MPI programs install an abort hook
 * that calls MPI_Abort). Never returns. */
typedef void (*fc_abort_hook)(void);
void fc_set_abort_hook(fc_abort_hook hook);
void fc_assert_fail(const char *expr, const char *file, int line) __attribute__((noreturn));

#define FC_ASSERT(cond)                                        \
    do {                                                       \
        if (!(cond)) fc_assert_fail(#cond, __FILE__, __LINE__); \
    } while (0)

#endif
