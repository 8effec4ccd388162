/* Status names, the library's one logging function, and the assert failure path.
 * Does not: buffer, timestamp or write to files; a program that wants that installs a sink. */
#include <stdio.h>
#include <stdlib.h>

#include "fcnet/status.h"

static fc_log_sink g_sink;
static void *g_sink_user;
static enum fc_log_level g_max_level = FC_LOG_INFO;
static fc_abort_hook g_abort_hook;

const char *fc_status_str(enum fc_status s)
{
    switch (s) {
    case FC_OK: return "ok";
    case FC_STATUS_NOMEM: return "out of memory";
    case FC_STATUS_IO: return "i/o error";
    case FC_STATUS_BAD_DATA: return "bad data";
    case FC_STATUS_BAD_CONFIG: return "bad configuration";
    case FC_STATUS_FORMAT: return "bad file format";
    case FC_STATUS_DIVERGED: return "diverged";
    case FC_STATUS_INTERRUPTED: return "interrupted";
    case FC_STATUS_MPI: return "mpi error";
    case FC_STATUS_INTERNAL: return "internal error";
    }
    return "unknown status";
}

void fc_log_set_sink(fc_log_sink sink, void *user)
{
    g_sink = sink;
    g_sink_user = user;
}

void fc_log_set_level(enum fc_log_level max_level) { g_max_level = max_level; }

void fc_log(enum fc_log_level level, const char *fmt, ...)
{
    char msg[2048];
    va_list ap;
    if (level > g_max_level) return;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (g_sink) {
        g_sink(level, msg, g_sink_user);
        return;
    }
    if (level == FC_LOG_ERROR) {
        fprintf(stderr, "fcsweep: error: %s", msg);
    } else if (level == FC_LOG_WARN) {
        fprintf(stderr, "fcsweep: warning: %s", msg);
    } else {
        fputs(msg, stdout);
        fflush(stdout);
    }
}

void fc_set_abort_hook(fc_abort_hook hook) { g_abort_hook = hook; }

void fc_assert_fail(const char *expr, const char *file, int line)
{
    fprintf(stderr, "fcsweep: assertion failed: %s (%s:%d)\n", expr, file, line);
    fflush(stderr);
    if (g_abort_hook) g_abort_hook();
    abort();
}
