/* Figures of fcsweep report, drawn by gnuplot: this module writes plain-text data files
 * and one gnuplot script into OUT/gnuplot/, then runs gnuplot once on the script; the PNGs
 * land in OUT/. The script and data stay, so a figure can be restyled and redrawn with
 * `gnuplot OUT/gnuplot/plots.gp` from the same working folder. */
#ifndef FC_CLI_REPORT_PLOT_H
#define FC_CLI_REPORT_PLOT_H

#include <stdio.h>

#include "cli/report_sweep.h"
#include "fcnet/status.h"

#define FC_REPORT_MAX_FIGS 64

/* Histories of one trial (borrowed; NULL / 0 when the trial left no file). */
struct fc_report_hist {
    const double *loss;       /* (nit) training loss per iteration */
    int nit;
    const double *train_acc;  /* (nacc) per epoch, epoch 0 first */
    const double *val_acc;    /* (nacc) */
    int nacc;
};

struct fc_report_fig {
    char file[128];     /* PNG name inside the output folder */
    char caption[256];
};

struct fc_report_plot {
    char dir[1024];     /* output folder */
    char gpdir[1040];   /* dir/gnuplot */
    FILE *script;       /* dir/gnuplot/plots.gp while figures are added */
    int nfig;
    struct fc_report_fig figs[FC_REPORT_MAX_FIGS];
};

/* Start a script for figures in dir (created with dir/gnuplot if missing). */
enum fc_status fc_report_plot_begin(struct fc_report_plot *p, const char *dir);

/* name.png: training loss per iteration (points and a running mean) and train / val
 * accuracy per epoch, side by side, titled title. */
enum fc_status fc_report_plot_curves(struct fc_report_plot *p, const char *name,
                                     const char *title, const struct fc_report_hist *h);

/* hparams.png: best val accuracy against learning rate and against weight scale, one
 * colour per update rule (diverged / failed trials as grey crosses); for a random search
 * a third panel places every trial at (learning rate, weight scale) coloured by val acc.
 * For a grid also heatmap.png: val accuracy over the learning rate x weight scale grid,
 * one panel per update rule (the best trial of each cell). */
enum fc_status fc_report_plot_hparams(struct fc_report_plot *p, const struct fc_report_sweep *s);

/* rules.png when at least two update rules have finished trials: the best trial of each
 * rule, training loss (running mean), train and val accuracy per epoch overlaid, as in the
 * assignment's sgd / sgd_momentum / rmsprop / adam comparison. hists parallels s->trials. */
enum fc_status fc_report_plot_rules(struct fc_report_plot *p, const struct fc_report_sweep *s,
                                    const struct fc_report_hist *hists);

/* Close the script and run gnuplot on it; check every figure exists and is non-empty.
 * FC_STATUS_IO with a message (install hint when gnuplot is missing). */
enum fc_status fc_report_plot_run(struct fc_report_plot *p);

/* Close the script if still open; safe on a zeroed struct. */
void fc_report_plot_free(struct fc_report_plot *p);

#endif
