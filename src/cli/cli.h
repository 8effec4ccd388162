/* Private helpers of the command-line program. */
#ifndef FC_CLI_CLI_H
#define FC_CLI_CLI_H

#include "fcnet/config.h"

/* Set OPENBLAS_CORETYPE for this CPU and re-exec when OpenBLAS fell back to slower
 * kernels than the CPU supports (see cpu.c). Call first thing in main. */
void fc_cli_select_blas_core(char **argv);
/* How the kernel was chosen, for --version and run headers. */
const char *fc_cli_blas_note(void);
/* One line "BLAS: OpenBLAS <core> (<note>), N thread(s)" to stdout. */
void fc_cli_print_blas(void);

/* Parse `--key value` / `--key=value` hyperparameter flags (every key of the config
 * table, dashes or underscores) into c, with the model kind's defaults applied first.
 * Unrecognised options are returned to the caller through the callback; returns 0 on
 * success, 2 on a usage error (message printed). */
typedef int (*fc_cli_extra_opt)(const char *name, const char *value, void *user);
int fc_cli_parse_config(int argc, char **argv, struct fc_config *c, fc_cli_extra_opt extra,
                        const char *const *extra_flags, void *user);
void fc_cli_print_config_help(const struct fc_config *defaults);

#endif
