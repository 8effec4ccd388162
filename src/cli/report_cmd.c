/* fcsweep report: what a person wants to look at after a sweep (or one training run).
 *
 *   fcsweep report results/NAME [--out DIR] [--top K]   (DIR default results/NAME/report)
 *   fcsweep report FILE.h5      [--out DIR]             (DIR default FILE_report/)
 *
 * Writes into DIR: report.md (ranked table), trials.csv (every trial, every key),
 * trial_NNNN.png for the top K trials (training loss per iteration, train / val accuracy
 * per epoch), hparams.png (val accuracy vs learning rate and weight scale by update rule),
 * heatmap.png (grid sweeps), rules.png (two or more update rules), index.md showing all of
 * them, and gnuplot/ with the data and the script that drew them (report_plot.c). The
 * ranked table also goes to stdout.
 * Does not: rerun or re-evaluate any model; the numbers are those stored by the sweep. */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/report_plot.h"
#include "cli/report_sweep.h"
#include "cli/report_util.h"
#include "fcnet/config.h"
#include "fcnet/io.h"
#include "fcnet/solver.h"

#define DEFAULT_TOP 5
#define MAX_COLS 48
#define CELL 48

struct report_args {
    const char *path;
    const char *out;
    int top;
};

/* The ranked table as text cells: one header row, then one row per trial. */
struct table {
    int nrows, ncols;
    char head[MAX_COLS][CELL];
    char (*cells)[MAX_COLS][CELL]; /* (nrows) */
};

static void usage(FILE *fp)
{
    fprintf(fp,
            "usage: fcsweep report results/NAME [--out DIR] [--top K]\n"
            "       fcsweep report FILE.h5 [--out DIR]\n"
            "\n"
            "Ranked table of the trials of a sweep (stdout, report.md, trials.csv), loss and\n"
            "accuracy curves of the top K trials (default %d), val accuracy against learning\n"
            "rate and weight scale by update rule, and index.md showing them all. For a model\n"
            "file of `fcsweep train --save`: its loss and accuracy curves and its config.\n"
            "  --out DIR   output folder (default results/NAME/report, or FILE_report/)\n"
            "  --top K     number of trials that get their own curves (0..50)\n"
            "Figures are drawn by gnuplot (pngcairo terminal; Debian: gnuplot-nox).\n",
            DEFAULT_TOP);
}

static int parse_args(int argc, char **argv, struct report_args *a, int *help)
{
    a->top = DEFAULT_TOP;
    *help = 0;
    for (int i = 1; i < argc; i++) {
        const char *o = argv[i];
        if (strcmp(o, "-h") == 0 || strcmp(o, "--help") == 0) {
            *help = 1;
            return 0;
        }
        if ((strcmp(o, "--out") == 0 || strcmp(o, "--top") == 0) && i + 1 >= argc) {
            fc_log(FC_LOG_ERROR, "report: %s needs a value\n", o);
            return 2;
        }
        if (strcmp(o, "--out") == 0) {
            a->out = argv[++i];
        } else if (strcmp(o, "--top") == 0) {
            char *end = NULL;
            long k = strtol(argv[++i], &end, 10);
            if (!*argv[i] || *end || k < 0 || k > 50) {
                fc_log(FC_LOG_ERROR, "report: --top takes 0..50, not '%s'\n", argv[i]);
                return 2;
            }
            a->top = (int)k;
        } else if (o[0] == '-') {
            fc_log(FC_LOG_ERROR, "report: unknown option '%s' (see fcsweep report --help)\n", o);
            return 2;
        } else if (!a->path) {
            a->path = o;
        } else {
            fc_log(FC_LOG_ERROR, "report: unexpected argument '%s'\n", o);
            return 2;
        }
    }
    if (!a->path) {
        fc_log(FC_LOG_ERROR, "report: give a sweep folder or a model file (see --help)\n");
        return 2;
    }
    return 0;
}

/* A single model file as a one-trial "sweep". */
static enum fc_status single_file(const char *path, struct fc_report_sweep *s,
                                  struct fc_result *res)
{
    enum fc_status st = FC_OK;
    struct fc_model_file *mf = calloc(1, sizeof *mf);
    if (!mf) return FC_STATUS_NOMEM;
    memset(s, 0, sizeof *s);
    st = fc_h5_model_load(path, mf);
    if (st != FC_OK) goto cleanup;
    s->trials = calloc(1, sizeof *s->trials);
    if (!s->trials) {
        st = FC_STATUS_NOMEM;
        goto cleanup;
    }
    s->n = 1;
    struct fc_report_trial *t = &s->trials[0];
    t->id = mf->trial_id;
    snprintf(t->path, sizeof t->path, "%s", path);
    snprintf(t->status, sizeof t->status, "%s", mf->trial_status[0] ? mf->trial_status : "ok");
    snprintf(t->message, sizeof t->message, "%s", mf->message);
    t->best_val_acc = mf->result.best_val_acc;
    t->test_acc = mf->result.test_acc;
    t->seconds = mf->result.seconds;
    t->epochs_run = mf->result.num_epochs_done;
    t->config = mf->config;
    snprintf(s->dir, sizeof s->dir, "%s", path);
    fc_report_basename(path, s->name, sizeof s->name);
    char *dot = strrchr(s->name, '.');
    if (dot && dot != s->name) *dot = '\0';
    snprintf(s->source, sizeof s->source, "model file");
    s->best_id = t->id;
    *res = mf->result; /* the histories move to res */
    memset(&mf->result, 0, sizeof mf->result);

cleanup:
    fc_model_file_free(mf);
    free(mf);
    return st;
}

/* Histories and test accuracy of every trial that has a file (res parallels s->trials). */
static void load_histories(struct fc_report_sweep *s, struct fc_result *res)
{
    struct fc_model_file *mf = calloc(1, sizeof *mf);
    if (!mf) return;
    for (int i = 0; i < s->n; i++) {
        if (!s->trials[i].path[0]) continue;
        memset(mf, 0, sizeof *mf);
        if (fc_h5_model_load(s->trials[i].path, mf) != FC_OK) {
            fc_log(FC_LOG_WARN, "%s: unreadable; trial %ld gets no curves\n", s->trials[i].path,
                   s->trials[i].id);
            fc_model_file_free(mf);
            continue;
        }
        s->trials[i].test_acc = mf->result.test_acc;
        res[i] = mf->result;
        memset(&mf->result, 0, sizeof mf->result);
        fc_model_file_free(mf);
    }
    free(mf);
}

static int key_hidden(const char *k)
{
    /* the per-trial seed and logging cadence say nothing about a trial's quality */
    return strcmp(k, "seed") == 0 || strcmp(k, "print_every") == 0;
}

/* Keys shown in the table: update rule, learning rate and weight scale first, then every
 * other key whose value differs between trials (all keys for a single model file). */
static int table_keys(const struct fc_report_sweep *s, const char **keys, int max)
{
    static const char *const first[] = {"update_rule", "learning_rate", "weight_scale"};
    int n = 0;
    for (int i = 0; i < 3 && n < max; i++) keys[n++] = first[i];
    for (int k = 0; k < fc_config_num_keys() && n < max; k++) {
        const char *name = fc_config_key(k)->name;
        int dup = 0;
        for (int i = 0; i < 3; i++) dup |= strcmp(name, first[i]) == 0;
        if (dup || key_hidden(name)) continue;
        int varies = s->n == 1;
        char v0[CELL], v[CELL];
        fc_config_get(&s->trials[0].config, name, v0, sizeof v0);
        for (int i = 1; i < s->n && !varies; i++) {
            fc_config_get(&s->trials[i].config, name, v, sizeof v);
            varies = strcmp(v, v0) != 0;
        }
        if (varies) keys[n++] = name;
    }
    return n;
}

static void fmt_acc(char *buf, double v)
{
    if (v >= 0)
        snprintf(buf, CELL, "%.4f", v);
    else
        snprintf(buf, CELL, "-");
}

/* Rows of the ranked table with the given config keys. */
static enum fc_status build_table(const struct fc_report_sweep *s, const char **keys, int nkeys,
                                  struct table *t)
{
    static const char *const fixed[] = {"rank", "id", "status", "val_acc", "test_acc", "epochs",
                                        "seconds"};
    const int nfixed = 7;
    memset(t, 0, sizeof *t);
    if (nfixed + nkeys > MAX_COLS) nkeys = MAX_COLS - nfixed;
    t->ncols = nfixed + nkeys;
    t->nrows = s->n;
    t->cells = calloc(s->n > 0 ? (size_t)s->n : 1, sizeof *t->cells);
    if (!t->cells) return FC_STATUS_NOMEM;
    for (int c = 0; c < nfixed; c++) snprintf(t->head[c], CELL, "%s", fixed[c]);
    for (int c = 0; c < nkeys; c++) snprintf(t->head[nfixed + c], CELL, "%s", keys[c]);
    for (int i = 0; i < s->n; i++) {
        const struct fc_report_trial *tr = &s->trials[i];
        char(*row)[CELL] = t->cells[i];
        int ran = strcmp(tr->status, "pending") != 0;
        snprintf(row[0], CELL, "%d", i + 1);
        if (tr->id >= 0)
            snprintf(row[1], CELL, "%ld", tr->id);
        else
            snprintf(row[1], CELL, "-");
        snprintf(row[2], CELL, "%s", tr->status);
        fmt_acc(row[3], ran ? tr->best_val_acc : -1);
        fmt_acc(row[4], tr->test_acc);
        snprintf(row[5], CELL, "%d", ran ? tr->epochs_run : 0);
        snprintf(row[6], CELL, "%.1f", ran ? tr->seconds : 0.0);
        for (int c = 0; c < nkeys; c++) {
            const struct fc_key_info *k = fc_config_find_key(keys[c]);
            if (k && k->type == FC_KEY_REAL) /* short form for people; trials.csv is exact */
                snprintf(row[nfixed + c], CELL, "%g", fc_config_get_number(&tr->config, keys[c]));
            else
                fc_config_get(&tr->config, keys[c], row[nfixed + c], CELL);
        }
    }
    return FC_OK;
}

static void print_table(FILE *fp, const struct table *t, int markdown, int max_rows)
{
    int w[MAX_COLS];
    int rows = max_rows < t->nrows ? max_rows : t->nrows;
    for (int c = 0; c < t->ncols; c++) {
        w[c] = (int)strlen(t->head[c]);
        for (int i = 0; i < rows; i++) {
            int l = (int)strlen(t->cells[i][c]);
            if (l > w[c]) w[c] = l;
        }
    }
    const char *sep = markdown ? " | " : "  ";
    if (markdown) fputs("| ", fp);
    for (int c = 0; c < t->ncols; c++) {
        int last = c + 1 == t->ncols;
        fprintf(fp, "%-*s%s", last && !markdown ? 0 : w[c], t->head[c], last ? "" : sep);
    }
    fputs(markdown ? " |\n" : "\n", fp);
    if (markdown) {
        fputs("|", fp);
        for (int c = 0; c < t->ncols; c++) {
            /* numbers right-aligned, text left */
            int text = c == 2 || strcmp(t->head[c], "update_rule") == 0 ||
                       strcmp(t->head[c], "hidden_dims") == 0 ||
                       strcmp(t->head[c], "normalization") == 0 ||
                       strcmp(t->head[c], "model") == 0;
            fputc(text ? ':' : '-', fp);
            for (int k = 0; k < w[c]; k++) fputc('-', fp);
            fputs(text ? "-|" : ":|", fp);
        }
        fputc('\n', fp);
    }
    for (int i = 0; i < rows; i++) {
        if (markdown) fputs("| ", fp);
        for (int c = 0; c < t->ncols; c++) {
            int last = c + 1 == t->ncols;
            fprintf(fp, "%-*s%s", last && !markdown ? 0 : w[c], t->cells[i][c], last ? "" : sep);
        }
        fputs(markdown ? " |\n" : "\n", fp);
    }
    if (rows < t->nrows) fprintf(fp, "%s... %d more in trials.csv\n", markdown ? "\n" : "",
                                 t->nrows - rows);
}

static void csv_field(FILE *fp, const char *v)
{
    if (strpbrk(v, ",\"\n")) {
        fputc('"', fp);
        for (; *v; v++) {
            if (*v == '"') fputc('"', fp);
            fputc(*v, fp);
        }
        fputc('"', fp);
    } else {
        fputs(v, fp);
    }
}

static enum fc_status write_csv(const char *path, const struct fc_report_sweep *s)
{
    FILE *fp = fopen(path, "w");
    if (!fp) {
        fc_log(FC_LOG_ERROR, "%s: cannot write: %s\n", path, strerror(errno));
        return FC_STATUS_IO;
    }
    fputs("rank,id,status,best_val_acc,test_acc,epochs_run,seconds,file", fp);
    for (int k = 0; k < fc_config_num_keys(); k++) fprintf(fp, ",%s", fc_config_key(k)->name);
    fputs(",message\n", fp);
    for (int i = 0; i < s->n; i++) {
        const struct fc_report_trial *t = &s->trials[i];
        char v[256];
        fprintf(fp, "%d,%ld,%s,%.6g,%.6g,%d,%.3f,", i + 1, t->id, t->status, t->best_val_acc,
                t->test_acc, t->epochs_run, t->seconds);
        csv_field(fp, t->path);
        for (int k = 0; k < fc_config_num_keys(); k++) {
            fc_config_get(&t->config, fc_config_key(k)->name, v, sizeof v);
            fputc(',', fp);
            csv_field(fp, v);
        }
        fputc(',', fp);
        csv_field(fp, t->message);
        fputc('\n', fp);
    }
    if (fclose(fp) != 0) {
        fc_log(FC_LOG_ERROR, "%s: write failed\n", path);
        return FC_STATUS_IO;
    }
    return FC_OK;
}

/* Counts of each status, as "12 ok, 2 diverged, 1 pending". */
static void status_counts(const struct fc_report_sweep *s, char *buf, size_t size)
{
    const char *seen[16];
    int count[16], n = 0;
    for (int i = 0; i < s->n; i++) {
        int j = 0;
        while (j < n && strcmp(seen[j], s->trials[i].status) != 0) j++;
        if (j == n && n < 16) {
            seen[n] = s->trials[i].status;
            count[n++] = 0;
        }
        if (j < n) count[j]++;
    }
    size_t off = 0;
    buf[0] = '\0';
    for (int j = 0; j < n && off < size; j++)
        off += (size_t)snprintf(buf + off, size - off, "%s%d %s", j ? ", " : "", count[j],
                                seen[j]);
}

/* The summary lines shared by stdout, report.md and index.md. */
static void summary(FILE *fp, const struct fc_report_sweep *s, int single, const char *bullet)
{
    char counts[256];
    status_counts(s, counts, sizeof counts);
    if (single) {
        fprintf(fp, "%smodel file: %s\n", bullet, s->dir);
    } else {
        fprintf(fp, "%ssweep: %s (%s search), folder %s, read from %s\n", bullet, s->name,
                s->is_grid ? "grid" : "random", s->dir, s->source);
        fprintf(fp, "%strials: %d (%s)\n", bullet, s->n, counts);
    }
    const struct fc_report_trial *b = s->n > 0 ? &s->trials[0] : NULL;
    if (b && strcmp(b->status, "ok") == 0) {
        char rule[32], hd[64];
        fc_config_get(&b->config, "update_rule", rule, sizeof rule);
        fc_config_get(&b->config, "hidden_dims", hd, sizeof hd);
        if (!single) fprintf(fp, "%sbest trial: %ld, file %s\n", bullet, b->id, b->path[0] ? b->path : "-");
        fprintf(fp, "%sbest val acc %.4f, test acc ", bullet, b->best_val_acc);
        if (b->test_acc >= 0)
            fprintf(fp, "%.4f", b->test_acc);
        else
            fputs("-", fp);
        fprintf(fp, "; %s, learning rate %g, weight scale %g, hidden %s\n", rule,
                b->config.learning_rate, b->config.weight_scale, hd);
    }
}

static void trial_title(const struct fc_report_trial *t, int rank, int n, int single, char *buf,
                        size_t size)
{
    char rule[32], hd[64];
    fc_config_get(&t->config, "update_rule", rule, sizeof rule);
    fc_config_get(&t->config, "hidden_dims", hd, sizeof hd);
    if (single)
        snprintf(buf, size, "%.200s: %s, lr %.3g, weight scale %.3g, hidden [%s]; best val acc %.4f",
                 t->path, rule, t->config.learning_rate, t->config.weight_scale, hd,
                 t->best_val_acc);
    else
        snprintf(buf, size,
                 "Trial %ld (rank %d of %d, %s): %s, lr %.3g, weight scale %.3g, hidden [%s]; best "
                 "val acc %.4f",
                 t->id, rank, n, t->status, rule, t->config.learning_rate, t->config.weight_scale,
                 hd, t->best_val_acc);
}

static enum fc_status write_md(const char *path, const struct fc_report_sweep *s,
                               const struct table *t, int single,
                               const struct fc_report_plot *plots)
{
    FILE *fp = fopen(path, "w");
    if (!fp) {
        fc_log(FC_LOG_ERROR, "%s: cannot write: %s\n", path, strerror(errno));
        return FC_STATUS_IO;
    }
    int index = plots != NULL;
    fprintf(fp, "# %s %s\n\n", single ? "Training run" : "Sweep", s->name);
    summary(fp, s, single, "- ");
    fputc('\n', fp);
    if (index) {
        fputs("Tables: [report.md](report.md), [trials.csv](trials.csv). Figures drawn by "
              "gnuplot from `gnuplot/plots.gp`.\n\n",
              fp);
        for (int i = 0; i < plots->nfig; i++)
            fprintf(fp, "## %s\n\n![%s](%s)\n\n", plots->figs[i].caption, plots->figs[i].file,
                    plots->figs[i].file);
        if (plots->nfig == 0) fputs("(no figures: nothing to plot, or gnuplot failed)\n\n", fp);
    }
    fputs(single ? "## Run\n\n" : "## Trials, best first\n\n", fp);
    print_table(fp, t, 1, t->nrows);
    if (single) {
        fputs("\n## Config\n\n| key | value |\n|:--|:--|\n", fp);
        for (int k = 0; k < fc_config_num_keys(); k++) {
            char v[128];
            fc_config_get(&s->trials[0].config, fc_config_key(k)->name, v, sizeof v);
            fprintf(fp, "| %s | %s |\n", fc_config_key(k)->name, v);
        }
    }
    if (fclose(fp) != 0) {
        fc_log(FC_LOG_ERROR, "%s: write failed\n", path);
        return FC_STATUS_IO;
    }
    return FC_OK;
}

int fc_cmd_report(int argc, char **argv)
{
    int rc = 1, help = 0, single = 0;
    enum fc_status st = FC_OK;
    struct report_args a;
    struct fc_report_sweep s;
    struct fc_report_plot plots;
    struct table tab;
    struct fc_result *res = NULL;
    struct fc_report_hist *hists = NULL;
    const char *keys[MAX_COLS];
    char out[1024], path[1100], name[64], title[512];

    memset(&a, 0, sizeof a);
    memset(&s, 0, sizeof s);
    memset(&plots, 0, sizeof plots);
    memset(&tab, 0, sizeof tab);
    rc = parse_args(argc, argv, &a, &help);
    if (help) {
        usage(stdout);
        return 0;
    }
    if (rc != 0) return rc;
    rc = 1;

    /* the trials and their histories */
    single = !fc_is_dir(a.path);
    if (single) {
        res = calloc(1, sizeof *res);
        if (!res) {
            st = FC_STATUS_NOMEM;
            goto cleanup;
        }
        st = single_file(a.path, &s, res);
        if (st != FC_OK) goto cleanup;
    } else {
        st = fc_report_sweep_load(a.path, &s);
        if (st != FC_OK) goto cleanup;
        res = calloc(s.n > 0 ? (size_t)s.n : 1, sizeof *res);
        if (!res) {
            st = FC_STATUS_NOMEM;
            goto cleanup;
        }
        load_histories(&s, res);
    }
    hists = calloc(s.n > 0 ? (size_t)s.n : 1, sizeof *hists);
    if (!hists) {
        st = FC_STATUS_NOMEM;
        goto cleanup;
    }
    for (int i = 0; i < s.n; i++) {
        hists[i].loss = res[i].loss_history;
        hists[i].nit = res[i].loss_history ? res[i].num_iterations : 0;
        hists[i].train_acc = res[i].train_acc_history;
        hists[i].val_acc = res[i].val_acc_history;
        hists[i].nacc = res[i].val_acc_history ? res[i].num_epochs_done + 1 : 0;
    }

    /* output folder */
    if (a.out) {
        snprintf(out, sizeof out, "%s", a.out);
    } else if (single) {
        snprintf(out, sizeof out, "%.1000s", a.path);
        char *dot = strrchr(out, '.');
        char *slash = strrchr(out, '/');
        if (dot && (!slash || dot > slash)) *dot = '\0';
        strncat(out, "_report", sizeof out - strlen(out) - 1);
    } else {
        snprintf(out, sizeof out, "%.1000s/report", a.path);
    }
    st = fc_mkdir_p(out);
    if (st != FC_OK) goto cleanup;

    /* tables */
    int nkeys = table_keys(&s, keys, MAX_COLS - 7);
    st = build_table(&s, keys, single ? 3 : nkeys, &tab);
    if (st != FC_OK) goto cleanup;
    summary(stdout, &s, single, "");
    putchar('\n');
    print_table(stdout, &tab, 0, 30);
    snprintf(path, sizeof path, "%s/report.md", out);
    st = write_md(path, &s, &tab, single, NULL);
    if (st != FC_OK) goto cleanup;
    snprintf(path, sizeof path, "%s/trials.csv", out);
    st = write_csv(path, &s);
    if (st != FC_OK) goto cleanup;

    /* figures */
    st = fc_report_plot_begin(&plots, out);
    if (st != FC_OK) goto cleanup;
    int shown = 0;
    for (int i = 0; i < s.n && shown < (single ? 1 : a.top); i++) {
        if (hists[i].nit == 0 && hists[i].nacc == 0) continue;
        trial_title(&s.trials[i], i + 1, s.n, single, title, sizeof title);
        if (single)
            snprintf(name, sizeof name, "training");
        else
            snprintf(name, sizeof name, "trial_%04ld", s.trials[i].id);
        st = fc_report_plot_curves(&plots, name, title, &hists[i]);
        if (st != FC_OK) goto cleanup;
        shown++;
    }
    if (!single) {
        st = fc_report_plot_hparams(&plots, &s);
        if (st != FC_OK) goto cleanup;
        st = fc_report_plot_rules(&plots, &s, hists);
        if (st != FC_OK) goto cleanup;
    }
    enum fc_status plot_st = fc_report_plot_run(&plots);
    if (plot_st != FC_OK) plots.nfig = 0; /* the index still shows the tables */

    snprintf(path, sizeof path, "%s/index.md", out);
    st = write_md(path, &s, &tab, single, &plots);
    if (st == FC_OK) st = plot_st;
    if (st != FC_OK) goto cleanup;

    printf("\nwrote %s/: index.md report.md trials.csv", out);
    for (int i = 0; i < plots.nfig; i++) printf(" %s", plots.figs[i].file);
    printf(" gnuplot/\n");
    rc = 0;

cleanup:
    if (st != FC_OK) fc_log(FC_LOG_ERROR, "report failed (%s)\n", fc_status_str(st));
    fc_report_plot_free(&plots);
    free(tab.cells);
    for (int i = 0; res && i < s.n; i++) fc_result_free(&res[i]);
    free(res);
    free(hists);
    fc_report_sweep_free(&s);
    return rc;
}
