/* A sweep folder (results/NAME) as predict and report see it: one summary row per trial,
 * ranked, with the path of each trial's model file. */
#ifndef FC_CLI_REPORT_SWEEP_H
#define FC_CLI_REPORT_SWEEP_H

#include "fcnet/config.h"
#include "fcnet/status.h"

struct fc_report_trial {
    long id;
    char path[1280];        /* model file of the trial; "" when it left none */
    char status[16];        /* "ok" | "diverged" | "failed" | ... */
    char message[256];
    double best_val_acc;    /* fraction in [0, 1] */
    double test_acc;        /* -1 when not measured */
    double seconds;
    int epochs_run;
    struct fc_config config;
};

struct fc_report_sweep {
    char dir[1024];
    char name[256];
    char source[64];        /* where the rows came from: "sweep.h5" or "trial files" */
    int is_grid;            /* 1 grid search, 0 random search */
    long best_id;           /* -1 when no trial finished */
    int n;
    struct fc_report_trial *trials; /* (n), ranked: ok trials by best val acc, then the rest */
};

/* Read the folder dir. FC_STATUS_IO / FC_STATUS_FORMAT with a logged message when it holds
 * no readable sweep. s is safe to free after a failure. */
enum fc_status fc_report_sweep_load(const char *dir, struct fc_report_sweep *s);
void fc_report_sweep_free(struct fc_report_sweep *s);

/* The row of trial id, or NULL (with a logged message listing the range of ids). */
const struct fc_report_trial *fc_report_sweep_find(const struct fc_report_sweep *s, long id);

#endif
