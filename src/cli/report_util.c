/* Process and file-system helpers of predict and report: path splitting, and running an
 * external program (gnuplot, zip) without a shell, so no file name is ever
 * interpreted by one. */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/report_util.h"

void fc_report_dirname(const char *path, char *out, size_t outsz)
{
    const char *slash = strrchr(path, '/');
    if (!slash) {
        snprintf(out, outsz, ".");
    } else if (slash == path) {
        snprintf(out, outsz, "/");
    } else {
        snprintf(out, outsz, "%.*s", (int)(slash - path), path);
    }
}

void fc_report_basename(const char *path, char *out, size_t outsz)
{
    const char *slash = strrchr(path, '/');
    snprintf(out, outsz, "%s", slash ? slash + 1 : path);
}

enum fc_status fc_report_spawn(char *const argv[], int quiet, const char *install_hint)
{
    int status = 0;
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0) {
        fc_log(FC_LOG_ERROR, "cannot start %s: %s\n", argv[0], strerror(errno));
        return FC_STATUS_IO;
    }
    if (pid == 0) {
        if (quiet) {
            int fd = open("/dev/null", O_WRONLY);
            if (fd >= 0) dup2(fd, STDOUT_FILENO);
        }
        execvp(argv[0], argv);
        _exit(127); /* the child only: the program was not found */
    }
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) {
            fc_log(FC_LOG_ERROR, "waiting for %s: %s\n", argv[0], strerror(errno));
            return FC_STATUS_IO;
        }
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return FC_OK;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 127) {
        fc_log(FC_LOG_ERROR, "%s is not installed (or not on PATH)%s%s\n", argv[0],
               install_hint ? "; " : "", install_hint ? install_hint : "");
    } else if (WIFEXITED(status)) {
        fc_log(FC_LOG_ERROR, "%s failed with exit status %d\n", argv[0], WEXITSTATUS(status));
    } else {
        fc_log(FC_LOG_ERROR, "%s was killed by signal %d\n", argv[0],
               WIFSIGNALED(status) ? WTERMSIG(status) : -1);
    }
    return FC_STATUS_IO;
}
