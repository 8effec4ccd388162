/* The sweep file (sweep.h5): the record of one hyperparameter sweep, kept by its
 * coordinator next to the trial model files (trial_NNNN.h5, see io.h).
 *
 * Layout (all readable with h5dump and h5py):
 *   /                 attributes: format = "fcsweep-sweep", format_version = 1, name,
 *                     method, metric, seed (uint64), num_trials, num_done, best_trial
 *                     (int64, -1 if none), best_val_acc, best_file
 *   /spec             scalar string: the spec's YAML text, as given
 *   /summary          (num_trials) compound, one row per trial: id, status, best_val_acc,
 *                     epochs_run, seconds, rank, file, then one field per config key
 *                     (fc_config_key order: numbers as float64/int64/uint64, enums and
 *                     hidden_dims as strings)
 *   /trials/trial_NNNN  external link to trial_NNNN.h5:/ (only for trials whose file exists)
 */
#ifndef FCNET_SWEEP_IO_H
#define FCNET_SWEEP_IO_H

#include <stdint.h>

#include "fcnet/config.h"
#include "fcnet/status.h"

#define FC_SWEEP_FORMAT "fcsweep-sweep"
#define FC_SWEEP_FORMAT_VERSION 1

struct fc_sweep_row {
    long id;
    char status[16];          /* pending | running | ok | diverged | failed | interrupted */
    double best_val_acc;      /* -1 when not run */
    int epochs_run;
    double seconds;
    int rank;                 /* rank that ran it, -1 when not run */
    char file[64];            /* relative to the sweep file's folder; "" if none */
    struct fc_config config;
};

struct fc_sweep_record {
    char name[128];
    char method[16];
    char metric[32];
    uint64_t seed;
    char *spec_text;          /* owned */
    long num_trials;
    struct fc_sweep_row *rows; /* (num_trials), owned */
    long best_trial;          /* -1 if none */
};

/* Write path atomically (path.tmp.<pid>, then rename). Links are made only to row files
 * that exist next to path. FC_STATUS_IO with a logged message naming the file. */
enum fc_status fc_sweep_h5_write(const char *path, const struct fc_sweep_record *rec);

/* Read a sweep file into rec (owned: fc_sweep_record_free). FC_STATUS_IO if unreadable,
 * FC_STATUS_FORMAT if not a sweep file of this version. */
enum fc_status fc_sweep_h5_read(const char *path, struct fc_sweep_record *rec);
void fc_sweep_record_free(struct fc_sweep_record *rec);

#endif
