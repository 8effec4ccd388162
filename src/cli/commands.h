/* Subcommands of the fcsweep program. Each takes the arguments after its name
 * (argv[0] is the subcommand name) and returns the process exit status. Only cli/
 * decides to exit. */
#ifndef FC_CLI_COMMANDS_H
#define FC_CLI_COMMANDS_H

int fc_cmd_train(int argc, char **argv);
int fc_cmd_eval(int argc, char **argv);
int fc_cmd_sweep(int argc, char **argv);   /* MPI: calls MPI_Init/MPI_Finalize itself */
int fc_cmd_predict(int argc, char **argv);
int fc_cmd_report(int argc, char **argv);

/* Data folder resolution shared by train/eval/sweep: --data DIR, else $CIFAR10_DIR, else
 * the default folder <repo>/data/cifar-10-batches-bin (compiled in), else ./data/... */
const char *fc_cli_data_dir(const char *flag_value);

#endif
