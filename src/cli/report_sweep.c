/* Reading a sweep folder for predict and report.
 *
 * The rows come from the folder's sweep.h5 (fc_sweep_h5_read: summary table, method, best
 * trial). A folder without one (a sweep killed before its first write, or trial files
 * copied by hand) is read by opening every trial model file of the folder (and one level
 * of subfolders) with fc_h5_model_load; whether that sweep was a grid is then inferred: a
 * grid has few distinct learning rates and weight scales compared with its number of
 * trials, random search has about one per trial. */
#define _POSIX_C_SOURCE 200809L

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/report_sweep.h"
#include "cli/report_util.h"
#include "fcnet/io.h"
#include "fcnet/sweep_io.h"

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

static enum fc_status push_trial(struct fc_report_sweep *s, int *cap,
                                 const struct fc_report_trial *t)
{
    if (s->n == *cap) {
        int ncap = *cap ? 2 * *cap : 16;
        struct fc_report_trial *nt = realloc(s->trials, (size_t)ncap * sizeof *nt);
        if (!nt) return FC_STATUS_NOMEM;
        s->trials = nt;
        *cap = ncap;
    }
    s->trials[s->n++] = *t;
    return FC_OK;
}

/* Add every *.h5 model file of folder (but sweep.h5); descend into subfolders when depth
 * allows. Unreadable files are skipped with a warning (fc_h5_model_load says why). */
static enum fc_status scan(struct fc_report_sweep *s, int *cap, const char *folder, int depth)
{
    enum fc_status st = FC_OK;
    DIR *d = NULL;
    struct dirent *e = NULL;
    struct fc_model_file *mf = NULL;
    char path[1024];

    d = opendir(folder);
    if (!d) {
        fc_log(FC_LOG_ERROR, "%s: cannot open the folder: %s\n", folder, strerror(errno));
        st = FC_STATUS_IO;
        goto cleanup;
    }
    mf = calloc(1, sizeof *mf);
    if (!mf) {
        st = FC_STATUS_NOMEM;
        goto cleanup;
    }
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.') continue;
        if ((size_t)snprintf(path, sizeof path, "%s/%s", folder, e->d_name) >= sizeof path)
            continue;
        if (fc_is_dir(path)) {
            if (depth > 0 && strcmp(e->d_name, "report") != 0) {
                st = scan(s, cap, path, depth - 1);
                if (st != FC_OK) goto cleanup;
            }
            continue;
        }
        if (!ends_with(e->d_name, ".h5") || strcmp(e->d_name, "sweep.h5") == 0) continue;
        if (strstr(e->d_name, ".tmp.")) continue; /* a file still being written */
        memset(mf, 0, sizeof *mf);
        if (fc_h5_model_load(path, mf) != FC_OK) {
            fc_log(FC_LOG_WARN, "%s: skipped (not a readable model file)\n", path);
            fc_model_file_free(mf);
            continue;
        }
        struct fc_report_trial t;
        memset(&t, 0, sizeof t);
        t.id = mf->trial_id;
        snprintf(t.path, sizeof t.path, "%s", path);
        snprintf(t.status, sizeof t.status, "%s", mf->trial_status[0] ? mf->trial_status : "ok");
        snprintf(t.message, sizeof t.message, "%s", mf->message);
        t.best_val_acc = mf->result.best_val_acc;
        t.test_acc = mf->result.test_acc;
        t.seconds = mf->result.seconds;
        t.epochs_run = mf->result.num_epochs_done;
        t.config = mf->config;
        fc_model_file_free(mf);
        st = push_trial(s, cap, &t);
        if (st != FC_OK) goto cleanup;
    }

cleanup:
    free(mf);
    if (d) closedir(d);
    return st;
}

static int is_ok(const struct fc_report_trial *t)
{
    return strcmp(t->status, "ok") == 0;
}

/* ok trials first by best val acc (descending), then the others; ties by id. */
static int rank_cmp(const void *pa, const void *pb)
{
    const struct fc_report_trial *a = pa, *b = pb;
    if (is_ok(a) != is_ok(b)) return is_ok(a) ? -1 : 1;
    if (a->best_val_acc != b->best_val_acc) return a->best_val_acc > b->best_val_acc ? -1 : 1;
    return (a->id > b->id) - (a->id < b->id);
}

static int count_distinct(const struct fc_report_sweep *s, int weight_scale)
{
    int n = 0;
    for (int i = 0; i < s->n; i++) {
        double v = weight_scale ? s->trials[i].config.weight_scale : s->trials[i].config.learning_rate;
        int seen = 0;
        for (int j = 0; j < i && !seen; j++) {
            double w = weight_scale ? s->trials[j].config.weight_scale
                                    : s->trials[j].config.learning_rate;
            seen = w == v;
        }
        n += !seen;
    }
    return n;
}

/* Rows from dir/sweep.h5. */
static enum fc_status from_sweep_file(struct fc_report_sweep *s, const char *file)
{
    enum fc_status st = FC_OK;
    struct fc_sweep_record rec;
    memset(&rec, 0, sizeof rec);

    st = fc_sweep_h5_read(file, &rec);
    if (st != FC_OK) goto cleanup;
    s->trials = calloc(rec.num_trials > 0 ? (size_t)rec.num_trials : 1, sizeof *s->trials);
    if (!s->trials) {
        st = FC_STATUS_NOMEM;
        goto cleanup;
    }
    for (long i = 0; i < rec.num_trials; i++) {
        const struct fc_sweep_row *r = &rec.rows[i];
        struct fc_report_trial *t = &s->trials[s->n++];
        t->id = r->id;
        snprintf(t->status, sizeof t->status, "%s", r->status);
        t->best_val_acc = r->best_val_acc;
        t->test_acc = -1;
        t->seconds = r->seconds;
        t->epochs_run = r->epochs_run;
        t->config = r->config;
        if (r->file[0]) {
            snprintf(t->path, sizeof t->path, "%s/%s", s->dir, r->file);
            FILE *fp = fopen(t->path, "rb");
            if (fp)
                fclose(fp);
            else
                t->path[0] = '\0';
        }
    }
    if (rec.name[0]) snprintf(s->name, sizeof s->name, "%s", rec.name);
    s->is_grid = strcmp(rec.method, "grid") == 0;
    snprintf(s->source, sizeof s->source, "sweep.h5");
    s->best_id = rec.best_trial;

cleanup:
    fc_sweep_record_free(&rec);
    return st;
}

enum fc_status fc_report_sweep_load(const char *dir, struct fc_report_sweep *s)
{
    enum fc_status st = FC_OK;
    int cap = 0;
    char base[256];

    memset(s, 0, sizeof *s);
    s->best_id = -1;
    snprintf(s->dir, sizeof s->dir, "%s", dir);
    /* the name is the folder's last component (trailing slashes ignored) */
    snprintf(base, sizeof base, "%s", dir);
    size_t bl = strlen(base);
    while (bl > 1 && base[bl - 1] == '/') base[--bl] = '\0';
    fc_report_basename(base, s->name, sizeof s->name);

    char file[1100];
    snprintf(file, sizeof file, "%s/sweep.h5", dir);
    FILE *fp = fopen(file, "rb");
    if (fp) {
        fclose(fp);
        st = from_sweep_file(s, file);
        if (st == FC_OK) {
            qsort(s->trials, (size_t)s->n, sizeof *s->trials, rank_cmp);
            if (s->best_id < 0 && s->n > 0 && is_ok(&s->trials[0])) s->best_id = s->trials[0].id;
            goto cleanup;
        }
        if (st == FC_STATUS_NOMEM) goto cleanup;
        /* unreadable or foreign sweep file (the reader said why): try the trial files */
        free(s->trials);
        s->trials = NULL;
        s->n = 0;
        s->best_id = -1;
        st = FC_OK;
        fc_log(FC_LOG_WARN, "%s: reading the trial files of the folder instead\n", dir);
    } else {
        fc_log(FC_LOG_WARN, "%s: no sweep.h5; reading the trial files of the folder instead\n",
               dir);
    }
    st = scan(s, &cap, dir, 1);
    if (st != FC_OK) goto cleanup;
    snprintf(s->source, sizeof s->source, "trial files");
    if (s->n == 0) {
        fc_log(FC_LOG_ERROR,
               "%s: no trial model files (*.h5) found; is this a sweep folder (results/NAME)?\n",
               dir);
        st = FC_STATUS_IO;
        goto cleanup;
    }
    qsort(s->trials, (size_t)s->n, sizeof *s->trials, rank_cmp);
    if (is_ok(&s->trials[0])) s->best_id = s->trials[0].id;
    int nlr = count_distinct(s, 0), nws = count_distinct(s, 1);
    s->is_grid = (long)nlr * nws <= s->n && s->n > 1;

cleanup:
    return st;
}

void fc_report_sweep_free(struct fc_report_sweep *s)
{
    if (!s) return;
    free(s->trials);
    memset(s, 0, sizeof *s);
    s->best_id = -1;
}

const struct fc_report_trial *fc_report_sweep_find(const struct fc_report_sweep *s, long id)
{
    long lo = -1, hi = -1;
    for (int i = 0; i < s->n; i++) {
        if (s->trials[i].id == id) return &s->trials[i];
        if (lo < 0 || s->trials[i].id < lo) lo = s->trials[i].id;
        if (s->trials[i].id > hi) hi = s->trials[i].id;
    }
    fc_log(FC_LOG_ERROR, "%s: no trial %ld (the folder holds %d trials, ids %ld..%ld)\n", s->dir,
           id, s->n, lo, hi);
    return NULL;
}
