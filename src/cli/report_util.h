/* Small process and file-system helpers shared by the predict and report subcommands. */
#ifndef FC_CLI_REPORT_UTIL_H
#define FC_CLI_REPORT_UTIL_H

#include <stddef.h>

#include "fcnet/fs.h" /* fc_mkdir_p, fc_is_dir */
#include "fcnet/status.h"

/* The folder part of path into out ("." when none); the last component into base. */
void fc_report_dirname(const char *path, char *out, size_t outsz);
void fc_report_basename(const char *path, char *out, size_t outsz);

/* Run argv[0] (found on PATH) with argv, stdout sent to /dev/null when quiet, and wait.
 * Returns FC_OK on exit status 0; FC_STATUS_IO with a logged message naming the program
 * otherwise (127: not installed, with install_hint appended when not NULL). */
enum fc_status fc_report_spawn(char *const argv[], int quiet, const char *install_hint);


#endif
