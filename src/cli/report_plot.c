/* Figures of fcsweep report through gnuplot (pngcairo terminal).
 *
 * Every figure is a block of one script, OUT/gnuplot/plots.gp, reading whitespace-separated
 * data files written next to it; gnuplot runs once at the end. Nothing here draws pixels:
 * layout, axes, legends and colours are gnuplot's. Data sets that would be empty are
 * left out of the plot commands (gnuplot stops a script on an empty plot), and non-finite
 * values are written as '?', gnuplot's missing-value mark here. */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/report_plot.h"
#include "cli/report_util.h"
#include "fcnet/config.h"

#define NRULES 4
static const char *const RULE_COLOR[NRULES] = {"#1f77b4", "#2ca02c", "#ff7f0e", "#d62728"};
static const int RULE_PT[NRULES] = {7, 5, 9, 13}; /* circle, square, triangle, diamond */

/* gnuplot single-quoted string: '' stands for one quote, nothing else is special. */
static void gp_path(FILE *fp, const char *s)
{
    fputc('\'', fp);
    for (; *s; s++) {
        if (*s == '\'') fputc('\'', fp);
        fputc(*s, fp);
    }
    fputc('\'', fp);
}

/* gnuplot double-quoted string with backslash and quote escaped. */
static void gp_text(FILE *fp, const char *s)
{
    fputc('"', fp);
    for (; *s; s++) {
        if (*s == '"' || *s == '\\') fputc('\\', fp);
        fputc(*s, fp);
    }
    fputc('"', fp);
}

static void put_num(FILE *fp, double v)
{
    if (isfinite(v))
        fprintf(fp, " %.9g", v);
    else
        fputs(" ?", fp);
}

/* Start a figure: terminal, output file, settings common to all. */
static enum fc_status fig_begin(struct fc_report_plot *p, const char *file, const char *caption,
                                int width, int height)
{
    if (p->nfig >= FC_REPORT_MAX_FIGS) {
        fc_log(FC_LOG_WARN, "report: more than %d figures; %s left out\n", FC_REPORT_MAX_FIGS,
               file);
        return FC_STATUS_BAD_CONFIG;
    }
    struct fc_report_fig *f = &p->figs[p->nfig++];
    snprintf(f->file, sizeof f->file, "%s", file);
    snprintf(f->caption, sizeof f->caption, "%s", caption);
    char path[1200];
    snprintf(path, sizeof path, "%s/%s", p->dir, file);
    fprintf(p->script, "\n# ---- %s\nreset\n", file);
    fprintf(p->script,
            "set terminal pngcairo noenhanced size %d,%d font \"sans,11\"\n"
            "set datafile missing '?'\nset grid lc rgb '#dddddd'\nset key box opaque\n",
            width, height);
    fputs("set output ", p->script);
    gp_path(p->script, path);
    fputc('\n', p->script);
    return FC_OK;
}

static void fig_end(struct fc_report_plot *p)
{
    fputs("unset multiplot\nset output\n", p->script);
}

/* Open p->gpdir/name for writing; full path into path. */
static FILE *open_dat(struct fc_report_plot *p, const char *name, char *path, size_t size)
{
    snprintf(path, size, "%s/%s", p->gpdir, name);
    FILE *fp = fopen(path, "w");
    if (!fp) fc_log(FC_LOG_ERROR, "%s: cannot write: %s\n", path, strerror(errno));
    return fp;
}

static enum fc_status close_dat(FILE *fp, const char *path)
{
    if (fclose(fp) != 0) {
        fc_log(FC_LOG_ERROR, "%s: write failed\n", path);
        return FC_STATUS_IO;
    }
    return FC_OK;
}

enum fc_status fc_report_plot_begin(struct fc_report_plot *p, const char *dir)
{
    enum fc_status st = FC_OK;
    char path[1100];
    memset(p, 0, sizeof *p);
    snprintf(p->dir, sizeof p->dir, "%s", dir);
    snprintf(p->gpdir, sizeof p->gpdir, "%s/gnuplot", p->dir);
    st = fc_mkdir_p(p->gpdir);
    if (st != FC_OK) return st;
    snprintf(path, sizeof path, "%s/plots.gp", p->gpdir);
    p->script = fopen(path, "w");
    if (!p->script) {
        fc_log(FC_LOG_ERROR, "%s: cannot write: %s\n", path, strerror(errno));
        return FC_STATUS_IO;
    }
    fprintf(p->script,
            "# Figures of fcsweep report. Redraw with: gnuplot %s\n"
            "# (paths are relative to the folder fcsweep report ran in)\n",
            path);
    return FC_OK;
}

void fc_report_plot_free(struct fc_report_plot *p)
{
    if (p && p->script) {
        fclose(p->script);
        p->script = NULL;
    }
}

static int count_finite(const double *v, int n)
{
    int k = 0;
    for (int i = 0; v && i < n; i++) k += isfinite(v[i]) != 0;
    return k;
}

/* Running mean of the finite values in a centred window of w. */
static double window_mean(const double *v, int n, int i, int w)
{
    int a = i - w / 2, b = a + w;
    if (a < 0) a = 0;
    if (b > n) b = n;
    double s = 0.0;
    int k = 0;
    for (int j = a; j < b; j++) {
        if (isfinite(v[j])) {
            s += v[j];
            k++;
        }
    }
    return k ? s / k : NAN;
}

static int smooth_window(int nit)
{
    int w = nit / 25;
    return w < 1 ? 1 : w;
}

/* Loss data file: iteration (1-based), loss, running mean. */
static enum fc_status write_loss(struct fc_report_plot *p, const char *name,
                                 const struct fc_report_hist *h, char *path, size_t size)
{
    FILE *fp = open_dat(p, name, path, size);
    if (!fp) return FC_STATUS_IO;
    int w = smooth_window(h->nit);
    fprintf(fp, "# iteration loss running_mean(%d)\n", w);
    for (int i = 0; i < h->nit; i++) {
        fprintf(fp, "%d", i + 1);
        put_num(fp, h->loss[i]);
        put_num(fp, window_mean(h->loss, h->nit, i, w));
        fputc('\n', fp);
    }
    return close_dat(fp, path);
}

/* Accuracy data file: epoch, train, val. */
static enum fc_status write_acc(struct fc_report_plot *p, const char *name,
                                const struct fc_report_hist *h, char *path, size_t size)
{
    FILE *fp = open_dat(p, name, path, size);
    if (!fp) return FC_STATUS_IO;
    fputs("# epoch train_acc val_acc\n", fp);
    for (int i = 0; i < h->nacc; i++) {
        fprintf(fp, "%d", i);
        put_num(fp, h->train_acc ? h->train_acc[i] : NAN);
        put_num(fp, h->val_acc ? h->val_acc[i] : NAN);
        fputc('\n', fp);
    }
    return close_dat(fp, path);
}

/* A panel with nothing to show (gnuplot refuses empty plots): a note in the middle. */
static void empty_panel(FILE *gp, const char *note)
{
    fputs("set label 1 ", gp);
    gp_text(gp, note);
    fputs(" at graph 0.5, graph 0.5 center\nplot [0:1][0:1] 2 notitle\nunset label 1\n", gp);
}

enum fc_status fc_report_plot_curves(struct fc_report_plot *p, const char *name,
                                     const char *title, const struct fc_report_hist *h)
{
    enum fc_status st = FC_OK;
    char file[160], dat[160], loss_path[1200], acc_path[1200];
    FILE *gp = p->script;

    snprintf(file, sizeof file, "%s.png", name);
    st = fig_begin(p, file, title, 1300, 500);
    if (st != FC_OK) return st;
    fputs("set multiplot layout 1,2 title ", gp);
    gp_text(gp, title);
    fputs(" font \",13\"\n", gp);

    /* left: training loss per iteration */
    fputs("set title \"Training loss\"\nset xlabel \"Iteration\"\nset ylabel \"Loss\"\n"
          "set key top right\n",
          gp);
    if (count_finite(h->loss, h->nit) > 0) {
        snprintf(dat, sizeof dat, "%s_loss.dat", name);
        st = write_loss(p, dat, h, loss_path, sizeof loss_path);
        if (st != FC_OK) return st;
        int w = smooth_window(h->nit);
        fputs("plot ", gp);
        gp_path(gp, loss_path);
        fprintf(gp, " using 1:2 with points pt 7 ps %s lc rgb '#1f77b4' title \"loss\"",
                h->nit > 200 ? "0.35" : "0.8");
        if (w >= 3)
            fprintf(gp,
                    ", \\\n     '' using 1:3 with lines lw 2.5 lc rgb '#d62728' title "
                    "\"running mean (%d it)\"",
                    w);
        fputc('\n', gp);
    } else {
        empty_panel(gp, "no finite loss recorded");
    }

    /* right: train / val accuracy per epoch */
    fputs("set title \"Classification accuracy\"\nset xlabel \"Epoch\"\n"
          "set ylabel \"Accuracy\"\nset key bottom right\n",
          gp);
    if (count_finite(h->train_acc, h->nacc) + count_finite(h->val_acc, h->nacc) > 0) {
        snprintf(dat, sizeof dat, "%s_acc.dat", name);
        st = write_acc(p, dat, h, acc_path, sizeof acc_path);
        if (st != FC_OK) return st;
        if (h->nacc == 1) fputs("set xrange [-0.5:0.5]\n", gp);
        fputs("set xtics 1\nplot ", gp);
        gp_path(gp, acc_path);
        fputs(" using 1:2 with linespoints pt 7 ps 1.2 lw 2 lc rgb '#1f77b4' title \"train\", "
              "\\\n     '' using 1:3 with linespoints pt 5 ps 1.2 lw 2 lc rgb '#ff7f0e' title "
              "\"val\"\n",
              gp);
    } else {
        empty_panel(gp, "no accuracy recorded");
    }
    fig_end(p);
    return FC_OK;
}

static int trial_ok(const struct fc_report_trial *t)
{
    return strcmp(t->status, "ok") == 0 && t->best_val_acc >= 0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Sorted distinct values of learning rate (ws = 0) or weight scale (ws = 1) into v. */
static int distinct(const struct fc_report_sweep *s, int ws, double *v)
{
    int n = 0;
    for (int i = 0; i < s->n; i++) {
        double x = ws ? s->trials[i].config.weight_scale : s->trials[i].config.learning_rate;
        int seen = 0;
        for (int j = 0; j < n && !seen; j++) seen = v[j] == x;
        if (!seen) v[n++] = x;
    }
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n;
}

static int index_of(const double *v, int n, double x)
{
    for (int i = 0; i < n; i++)
        if (v[i] == x) return i;
    return -1;
}

/* One scatter panel: val acc against column col (1 lr, 2 ws) of the per-rule files. */
static void scatter_panel(FILE *gp, const char (*files)[1200], const int *has, int ndiv,
                          const char *div_file, int col, int logx, double lo, double hi)
{
    int first = 1;
    if (logx)
        fprintf(gp, "set logscale x\nset format x \"%%.0e\"\nset xrange [%.9g:%.9g]\n",
                lo / 1.6, hi * 1.6);
    else
        fprintf(gp, "unset logscale x\nset format x \"%%g\"\nset xrange [%.9g:%.9g]\n",
                lo - 0.1 * (hi - lo) - (hi == lo), hi + 0.1 * (hi - lo) + (hi == lo));
    fputs("plot ", gp);
    for (int r = 0; r < NRULES; r++) {
        if (!has[r]) continue;
        if (!first) fputs(", \\\n     ", gp);
        first = 0;
        gp_path(gp, files[r]);
        fprintf(gp, " using %d:3 with points pt %d ps 1.6 lc rgb '%s' title \"%s\"", col,
                RULE_PT[r], RULE_COLOR[r], fc_rule_name((enum fc_update_rule)r));
    }
    if (ndiv) {
        if (!first) fputs(", \\\n     ", gp);
        first = 0;
        gp_path(gp, div_file);
        fprintf(gp, " using %d:3 with points pt 2 ps 1.6 lw 2 lc rgb '#888888' title "
                    "\"diverged/failed\"",
                col);
    }
    fputc('\n', gp);
}

enum fc_status fc_report_plot_hparams(struct fc_report_plot *p, const struct fc_report_sweep *s)
{
    enum fc_status st = FC_OK;
    char files[NRULES][1200], div_file[1200], name[64];
    int has[NRULES] = {0}, ndiv = 0, logx_lr = 1, logx_ws = 1, nrules = 0;
    double lr_lo = HUGE_VAL, lr_hi = -HUGE_VAL, ws_lo = HUGE_VAL, ws_hi = -HUGE_VAL;
    FILE *fps[NRULES] = {NULL};
    FILE *fdiv = NULL;
    double *lrs = NULL, *wss = NULL;
    FILE *gp = p->script;

    for (int r = 0; r < NRULES; r++) {
        snprintf(name, sizeof name, "hparams_%s.dat", fc_rule_name((enum fc_update_rule)r));
        fps[r] = open_dat(p, name, files[r], sizeof files[r]);
        if (!fps[r]) {
            st = FC_STATUS_IO;
            goto cleanup;
        }
        fputs("# learning_rate weight_scale best_val_acc trial_id\n", fps[r]);
    }
    fdiv = open_dat(p, "hparams_diverged.dat", div_file, sizeof div_file);
    if (!fdiv) {
        st = FC_STATUS_IO;
        goto cleanup;
    }
    fputs("# learning_rate weight_scale best_val_acc(0 when none) trial_id\n", fdiv);
    for (int i = 0; i < s->n; i++) {
        const struct fc_report_trial *t = &s->trials[i];
        int r = (int)t->config.update_rule;
        if (t->config.learning_rate <= 0) logx_lr = 0;
        if (t->config.weight_scale <= 0) logx_ws = 0;
        if (strcmp(t->status, "pending") == 0) continue;
        lr_lo = fmin(lr_lo, t->config.learning_rate);
        lr_hi = fmax(lr_hi, t->config.learning_rate);
        ws_lo = fmin(ws_lo, t->config.weight_scale);
        ws_hi = fmax(ws_hi, t->config.weight_scale);
        if (trial_ok(t) && r >= 0 && r < NRULES) {
            fprintf(fps[r], "%.9g %.9g %.9g %ld\n", t->config.learning_rate,
                    t->config.weight_scale, t->best_val_acc, t->id);
            has[r]++;
        } else {
            fprintf(fdiv, "%.9g %.9g %.9g %ld\n", t->config.learning_rate, t->config.weight_scale,
                    t->best_val_acc > 0 ? t->best_val_acc : 0.0, t->id);
            ndiv++;
        }
    }
    /* log axes only where the values span more than a factor of 30 */
    if (!(lr_hi > 30 * lr_lo)) logx_lr = 0;
    if (!(ws_hi > 30 * ws_lo)) logx_ws = 0;
    for (int r = 0; r < NRULES; r++) {
        FILE *fp = fps[r];
        fps[r] = NULL;
        st = close_dat(fp, files[r]);
        if (st != FC_OK) goto cleanup;
        nrules += has[r] > 0;
    }
    st = close_dat(fdiv, div_file);
    fdiv = NULL;
    if (st != FC_OK) goto cleanup;
    if (nrules == 0 && ndiv == 0) goto cleanup; /* nothing has run */

    /* scatter: val acc vs lr, vs ws (and for random search lr x ws coloured by val acc) */
    int panels = s->is_grid ? 2 : 3;
    char title[256];
    snprintf(title, sizeof title, "Sweep %.80s (%s search, %d trials): best val accuracy by "
                                  "hyperparameter and update rule",
             s->name, s->is_grid ? "grid" : "random", s->n);
    st = fig_begin(p, "hparams.png", title, panels * 560, 560);
    if (st != FC_OK) goto cleanup;
    fprintf(gp, "set multiplot layout 1,%d title ", panels);
    gp_text(gp, title);
    fputs(" font \",13\"\nset key below horizontal maxrows 2\nset bmargin 9\nset ylabel \"Best validation accuracy\"\n"
          "set offsets 0, 0, graph 0.08, graph 0.08\n",
          gp);
    fputs("set title \"Val accuracy vs learning rate\"\nset xlabel \"Learning rate\"\n", gp);
    scatter_panel(gp, (const char(*)[1200])files, has, ndiv, div_file, 1, logx_lr, lr_lo,
                  lr_hi);
    fputs("set title \"Val accuracy vs weight scale\"\nset xlabel \"Weight scale\"\n", gp);
    scatter_panel(gp, (const char(*)[1200])files, has, ndiv, div_file, 2, logx_ws, ws_lo,
                  ws_hi);
    if (!s->is_grid) {
        int first = 1;
        fputs("set title \"Trials by (learning rate, weight scale): colour = val acc, shape = rule\"\n"
              "set xlabel \"Learning rate\"\nset ylabel \"Weight scale\"\n"
              "set palette defined (0 '#fde725', 0.5 '#21918c', 1 '#440154')\n"
              "set cblabel \"Best validation accuracy\"\n",
              gp);
        /* offsets act on autoscaled (linear) axes only; log axes have explicit ranges */
        fputs("set offsets graph 0.05, graph 0.05, graph 0.05, graph 0.05\n", gp);
        if (logx_lr)
            fprintf(gp, "set logscale x\nset format x \"%%.0e\"\nset xrange [%.9g:%.9g]\n",
                    lr_lo / 1.6, lr_hi * 1.6);
        else
            fputs("unset logscale x\nset format x \"%g\"\nset autoscale x\n", gp);
        if (logx_ws)
            fprintf(gp, "set logscale y\nset format y \"%%.0e\"\nset yrange [%.9g:%.9g]\n",
                    ws_lo / 1.6, ws_hi * 1.6);
        else
            fputs("set format y \"%g\"\nset autoscale y\n", gp);
        fputs("plot ", gp);
        for (int r = 0; r < NRULES; r++) {
            if (!has[r]) continue;
            if (!first) fputs(", \\\n     ", gp);
            first = 0;
            gp_path(gp, files[r]);
            fprintf(gp, " using 1:2:3 with points pt %d ps 1.8 lc palette title \"%s\"",
                    RULE_PT[r], fc_rule_name((enum fc_update_rule)r));
        }
        if (ndiv) {
            if (!first) fputs(", \\\n     ", gp);
            first = 0;
            gp_path(gp, div_file);
            fputs(" using 1:2 with points pt 2 ps 1.6 lw 2 lc rgb '#888888' title "
                  "\"diverged/failed\"",
                  gp);
        }
        fputc('\n', gp);
    }
    fig_end(p);

    if (!s->is_grid || nrules == 0) goto cleanup;

    /* heat map: one panel per update rule over the lr x ws grid, best val acc per cell */
    lrs = malloc((size_t)s->n * sizeof *lrs);
    wss = malloc((size_t)s->n * sizeof *wss);
    if (!lrs || !wss) {
        st = FC_STATUS_NOMEM;
        goto cleanup;
    }
    int nlr = distinct(s, 0, lrs), nws = distinct(s, 1, wss);
    double lo = 1.0, hi = 0.0;
    for (int i = 0; i < s->n; i++) {
        if (!trial_ok(&s->trials[i])) continue;
        if (s->trials[i].best_val_acc < lo) lo = s->trials[i].best_val_acc;
        if (s->trials[i].best_val_acc > hi) hi = s->trials[i].best_val_acc;
    }
    if (hi <= lo) hi = lo + 0.01;
    snprintf(title, sizeof title, "Sweep %.80s: best val accuracy on the learning rate x weight "
                                  "scale grid (best trial per cell)",
             s->name);
    int hw = 120 + nrules * (90 * nlr + 200);
    st = fig_begin(p, "heatmap.png", title, hw < 1000 ? 1000 : hw,
                   170 + 60 * nws > 420 ? 170 + 60 * nws : 420);
    if (st != FC_OK) goto cleanup;
    fprintf(gp, "set multiplot layout 1,%d title ", nrules);
    gp_text(gp, title);
    fprintf(gp,
            " font \",13\"\nset palette defined (0 '#fee8c8', 0.5 '#fdbb84', 1 '#d7301f')\n"
            "set cbrange [%.9g:%.9g]\nset cblabel \"Best validation accuracy\"\n"
            "set xrange [-0.5:%d.5]\nset yrange [-0.5:%d.5]\nunset grid\nset tics out nomirror\n"
            "set xlabel \"Learning rate\"\nset ylabel \"Weight scale\"\nunset key\n"
            "set xtics rotate by -30 (",
            lo, hi, nlr - 1, nws - 1);
    for (int i = 0; i < nlr; i++) fprintf(gp, "%s\"%.3g\" %d", i ? ", " : "", lrs[i], i);
    fputs(")\nset ytics (", gp);
    for (int i = 0; i < nws; i++) fprintf(gp, "%s\"%.3g\" %d", i ? ", " : "", wss[i], i);
    fputs(")\n", gp);
    for (int r = 0; r < NRULES; r++) {
        if (!has[r]) continue;
        char cells[1200], cname[64];
        snprintf(cname, sizeof cname, "heatmap_%s.dat", fc_rule_name((enum fc_update_rule)r));
        FILE *fp = open_dat(p, cname, cells, sizeof cells);
        if (!fp) {
            st = FC_STATUS_IO;
            goto cleanup;
        }
        char empty[1200];
        snprintf(cname, sizeof cname, "heatmap_%s_empty.dat", fc_rule_name((enum fc_update_rule)r));
        FILE *fe = open_dat(p, cname, empty, sizeof empty);
        if (!fe) {
            fclose(fp);
            st = FC_STATUS_IO;
            goto cleanup;
        }
        fputs("# lr_index ws_index (grid cells without a finished ok trial)\n", fe);
        int nempty = 0;
        fputs("# lr_index ws_index best_val_acc (cells with a finished trial)\n", fp);
        for (int a = 0; a < nlr; a++) {
            for (int b = 0; b < nws; b++) {
                double best = -1.0;
                for (int i = 0; i < s->n; i++) {
                    const struct fc_report_trial *t = &s->trials[i];
                    if ((int)t->config.update_rule != r || !trial_ok(t)) continue;
                    if (index_of(lrs, nlr, t->config.learning_rate) != a ||
                        index_of(wss, nws, t->config.weight_scale) != b)
                        continue;
                    if (t->best_val_acc > best) best = t->best_val_acc;
                }
                if (best >= 0) {
                    fprintf(fp, "%d %d %.9g\n", a, b, best);
                } else {
                    fprintf(fe, "%d %d\n", a, b);
                    nempty++;
                }
            }
        }
        st = close_dat(fp, cells);
        if (st == FC_OK) st = close_dat(fe, empty);
        else fclose(fe);
        if (st != FC_OK) goto cleanup;
        fprintf(gp, "set title \"update rule: %s\"\nplot ", fc_rule_name((enum fc_update_rule)r));
        gp_path(gp, cells);
        fputs(" using 1:2:(0.5):(0.5):3 with boxxyerror fs solid 1.0 noborder fc palette "
              "notitle, \\\n     '' using 1:2:(sprintf(\"%.3f\", $3)) with labels font \",11\" "
              "notitle",
              gp);
        if (nempty) {
            fputs(", \\\n     ", gp);
            gp_path(gp, empty);
            fputs(" using 1:2:(0.5):(0.5) with boxxyerror fs solid 1.0 noborder "
                  "fc rgb '#d9d9d9' notitle, \\\n     '' using 1:2:(\"no ok trial\") with labels "
                  "font \",9\" tc rgb '#555555' notitle",
                  gp);
        }
        fputc('\n', gp);
    }
    fig_end(p);

cleanup:
    for (int r = 0; r < NRULES; r++)
        if (fps[r]) fclose(fps[r]);
    if (fdiv) fclose(fdiv);
    free(lrs);
    free(wss);
    return st;
}

enum fc_status fc_report_plot_rules(struct fc_report_plot *p, const struct fc_report_sweep *s,
                                    const struct fc_report_hist *hists)
{
    enum fc_status st = FC_OK;
    int best[NRULES] = {-1, -1, -1, -1}, nrules = 0;
    char loss[NRULES][1200], acc[NRULES][1200], name[64], title[256];
    FILE *gp = p->script;

    /* trials are ranked: the first usable one of each rule is its best */
    for (int i = 0; i < s->n; i++) {
        int r = (int)s->trials[i].config.update_rule;
        if (r < 0 || r >= NRULES || best[r] >= 0 || !trial_ok(&s->trials[i])) continue;
        if (count_finite(hists[i].loss, hists[i].nit) == 0 || hists[i].nacc == 0) continue;
        best[r] = i;
        nrules++;
    }
    if (nrules < 2) return FC_OK;
    for (int r = 0; r < NRULES; r++) {
        if (best[r] < 0) continue;
        snprintf(name, sizeof name, "rules_%s_loss.dat", fc_rule_name((enum fc_update_rule)r));
        st = write_loss(p, name, &hists[best[r]], loss[r], sizeof loss[r]);
        if (st != FC_OK) return st;
        snprintf(name, sizeof name, "rules_%s_acc.dat", fc_rule_name((enum fc_update_rule)r));
        st = write_acc(p, name, &hists[best[r]], acc[r], sizeof acc[r]);
        if (st != FC_OK) return st;
    }
    snprintf(title, sizeof title, "Sweep %.80s: the best trial of each update rule", s->name);
    st = fig_begin(p, "rules.png", title, 1650, 600);
    if (st != FC_OK) return st;
    fputs("set multiplot layout 1,3 title ", gp);
    gp_text(gp, title);
    fputs(" font \",13\"\nset key below vertical\nset bmargin 9\n", gp);
    static const char *const panel_title[3] = {"Training loss (running mean, log scale)", "Train accuracy",
                                               "Validation accuracy"};
    static const char *const panel_x[3] = {"Iteration", "Epoch", "Epoch"};
    static const char *const panel_y[3] = {"Loss", "Accuracy", "Accuracy"};
    for (int k = 0; k < 3; k++) {
        int first = 1;
        fprintf(gp, "set title \"%s\"\nset xlabel \"%s\"\nset ylabel \"%s\"\n%s\nplot ",
                panel_title[k], panel_x[k], panel_y[k],
                k == 0 ? "set logscale y" : "unset logscale y\nset xtics 1");
        for (int r = 0; r < NRULES; r++) {
            if (best[r] < 0) continue;
            const struct fc_report_trial *t = &s->trials[best[r]];
            if (!first) fputs(", \\\n     ", gp);
            first = 0;
            gp_path(gp, k == 0 ? loss[r] : acc[r]);
            if (k == 0)
                fprintf(gp, " using 1:3 with lines lw 2.5 lc rgb '%s'", RULE_COLOR[r]);
            else
                fprintf(gp, " using 1:%d with linespoints pt %d ps 1.2 lw 2 lc rgb '%s'", k + 1,
                        RULE_PT[r], RULE_COLOR[r]);
            fprintf(gp, " title \"%s (trial %ld, lr %.3g)\"", fc_rule_name((enum fc_update_rule)r),
                    t->id, t->config.learning_rate);
        }
        fputc('\n', gp);
    }
    fig_end(p);
    return FC_OK;
}

enum fc_status fc_report_plot_run(struct fc_report_plot *p)
{
    enum fc_status st = FC_OK;
    char script[1100];
    snprintf(script, sizeof script, "%s/plots.gp", p->gpdir);
    if (p->script) {
        int bad = fclose(p->script) != 0;
        p->script = NULL;
        if (bad) {
            fc_log(FC_LOG_ERROR, "%s: write failed\n", script);
            return FC_STATUS_IO;
        }
    }
    if (p->nfig == 0) return FC_OK;
    /* remove old figures so a failed run cannot pass for a good one */
    for (int i = 0; i < p->nfig; i++) {
        char png[1200];
        snprintf(png, sizeof png, "%s/%s", p->dir, p->figs[i].file);
        remove(png);
    }
    char *argv[] = {"gnuplot", script, NULL};
    st = fc_report_spawn(argv, 0,
                         "install gnuplot with the pngcairo terminal "
                         "(Debian/Ubuntu: sudo apt-get install gnuplot-nox)");
    if (st != FC_OK) return st;
    for (int i = 0; i < p->nfig; i++) {
        char png[1200];
        struct stat sb;
        snprintf(png, sizeof png, "%s/%s", p->dir, p->figs[i].file);
        if (stat(png, &sb) != 0 || sb.st_size == 0) {
            fc_log(FC_LOG_ERROR, "%s: gnuplot wrote no image (see %s)\n", png, script);
            st = FC_STATUS_IO;
        }
    }
    return st;
}
