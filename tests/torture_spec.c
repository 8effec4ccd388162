/* torture_spec: sweep specs (src/sweep/spec.c, trials.c) and the sweep file (io/sweep_h5.c).
 *
 * - the shipped specs parse and expand as documented (seed_grid: 15 trials in grid order,
 *   trial seeds fc_seed_mix(seed, id));
 * - random search: samples inside their ranges, deterministic for a seed, de-duplicated,
 *   fewer trials (with a warning) when the space is smaller than run_cap;
 * - every bad spec gives FC_STATUS_BAD_CONFIG and an error naming the key and its line;
 * - sweep.h5 written and read back gives the same rows and configs.
 * The shipped specs are read from the folder given as argv[1] (the repo's sweeps/). */
#define _POSIX_C_SOURCE 200809L

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "fcnet/config.h"
#include "fcnet/rng.h"
#include "fcnet/status.h"
#include "fcnet/sweep_io.h"
#include "sweep/spec.h"

static const char *g_sweeps_dir = "sweeps";

struct logcap {
    int nerrors, nwarnings;
    char all[8192];
};
static struct logcap g_log;

static void sink(enum fc_log_level level, const char *msg, void *user)
{
    struct logcap *l = user;
    size_t used = strlen(l->all);
    if (level == FC_LOG_ERROR) l->nerrors++;
    if (level == FC_LOG_WARN) l->nwarnings++;
    if (level <= FC_LOG_WARN && used + 1 < sizeof l->all) snprintf(l->all + used, sizeof l->all - used, "%s", msg);
}

static int setup(void **state)
{
    (void)state;
    memset(&g_log, 0, sizeof g_log);
    fc_log_set_sink(sink, &g_log);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    fc_log_set_sink(NULL, NULL);
    return 0;
}

static enum fc_status parse(struct fc_spec *s, const char *text)
{
    return fc_spec_parse(s, text, strlen(text), "t.yaml");
}

static char *read_text(const char *name, size_t *len)
{
    char path[1024];
    FILE *f;
    char *buf;
    long n;
    snprintf(path, sizeof path, "%s/%s", g_sweeps_dir, name);
    f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    buf = malloc((size_t)n + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    buf[n] = '\0';
    fclose(f);
    *len = (size_t)n;
    return buf;
}

/* ---- shipped specs -------------------------------------------------------------------- */

static void test_seed_grid(void **state)
{
    struct fc_spec s;
    struct fc_trial *t = NULL;
    long n = 0, i;
    size_t len;
    char *text = read_text("seed_grid.yaml", &len);
    (void)state;
    assert_int_equal(fc_spec_parse(&s, text, len, "seed_grid.yaml"), FC_OK);
    assert_string_equal(s.name, "seed_grid");
    assert_int_equal(s.method, FC_METHOD_GRID);
    assert_int_equal(s.num_train, 49000);
    assert_int_equal(s.num_val, 1000);
    assert_int_equal(fc_spec_trials(&s, &t, &n), FC_OK);
    assert_int_equal(n, 15);
    for (i = 0; i < n; i++) {
        const struct fc_config *c = &t[i].config;
        static const double lrs[3] = {5e-5, 5e-4, 5e-3};
        static const double wss[5] = {0.01, 0.02, 0.03, 0.04, 0.05};
        assert_int_equal(t[i].id, i);
        assert_int_equal(c->model, FC_MODEL_FC);
        assert_int_equal(c->num_hidden, 5);
        assert_int_equal(c->hidden_dims[0], 300);
        assert_int_equal(c->hidden_dims[4], 50);
        assert_int_equal(c->update_rule, FC_RULE_ADAM);
        assert_true(c->learning_rate == lrs[i / 5]);
        assert_true(c->weight_scale == wss[i % 5]);
        assert_int_equal(c->num_epochs, 5);
        assert_int_equal(c->batch_size, 100);
        assert_true(c->seed == fc_seed_mix(231, (uint64_t)i));
        assert_int_equal(c->num_train, 49000);
    }
    /* the seed's best configuration is trial 6 */
    assert_string_equal(t[6].canon, "learning_rate=0.0005 weight_scale=0.02");
    assert_string_equal(t[6].brief, "lr=0.0005 ws=0.02");
    free(t);
    fc_spec_free(&s);
    free(text);
    assert_int_equal(g_log.nerrors, 0);
}

static void test_shipped_specs_parse(void **state)
{
    static const char *const names[] = {"smoke.yaml", "default.yaml"};
    size_t k;
    (void)state;
    for (k = 0; k < sizeof names / sizeof names[0]; k++) {
        struct fc_spec s;
        struct fc_trial *t = NULL;
        long n = 0;
        size_t len;
        char *text = read_text(names[k], &len);
        assert_int_equal(fc_spec_parse(&s, text, len, names[k]), FC_OK);
        assert_int_equal(fc_spec_trials(&s, &t, &n), FC_OK);
        assert_true(n >= 4);
        free(t);
        fc_spec_free(&s);
        free(text);
    }
    assert_int_equal(g_log.nerrors, 0);
}

/* ---- random search ---------------------------------------------------------------------- */

static const char *RANDOM_SPEC =
    "name: r\n"
    "method: random\n"
    "seed: 5\n"
    "run_cap: 50\n"
    "data: {num_train: 1000, num_val: 100}\n"
    "parameters:\n"
    "  learning_rate: {distribution: log_uniform_values, min: 1.0e-4, max: 1.0e-2}\n"
    "  dropout: {distribution: uniform, min: 0.5, max: 1.0}\n"
    "  batch_size: {distribution: int_uniform, min: 20, max: 40}\n"
    "  update_rule: {distribution: categorical, values: [adam, rmsprop]}\n"
    "  hidden_dims: {values: [[100], [64, 32]]}\n"
    "  normalization: {value: batchnorm}\n";

static void test_random(void **state)
{
    struct fc_spec s;
    struct fc_trial *t = NULL, *t2 = NULL;
    long n = 0, n2 = 0, i, j;
    (void)state;
    assert_int_equal(parse(&s, RANDOM_SPEC), FC_OK);
    assert_int_equal(fc_spec_trials(&s, &t, &n), FC_OK);
    assert_int_equal(n, 50);
    for (i = 0; i < n; i++) {
        const struct fc_config *c = &t[i].config;
        assert_true(c->learning_rate >= 1e-4 && c->learning_rate <= 1e-2);
        assert_true(c->dropout >= 0.5 && c->dropout <= 1.0);
        assert_in_range(c->batch_size, 20, 40);
        assert_true(c->update_rule == FC_RULE_ADAM || c->update_rule == FC_RULE_RMSPROP);
        assert_true(c->num_hidden == 1 || c->num_hidden == 2);
        assert_int_equal(c->normalization, FC_NORM_BATCHNORM);
        assert_int_equal(c->num_train, 1000);
        assert_true(c->seed == fc_seed_mix(5, (uint64_t)i));
        for (j = 0; j < i; j++) assert_string_not_equal(t[i].canon, t[j].canon);
    }
    /* same spec, same trials */
    assert_int_equal(fc_spec_trials(&s, &t2, &n2), FC_OK);
    assert_int_equal(n2, n);
    for (i = 0; i < n; i++) assert_string_equal(t[i].canon, t2[i].canon);
    /* log-uniform: about half the samples below the geometric middle 1e-3 */
    {
        int below = 0;
        for (i = 0; i < n; i++) below += t[i].config.learning_rate < 1e-3;
        assert_in_range(below, 12, 38);
    }
    free(t);
    free(t2);
    fc_spec_free(&s);
}

static void test_random_dedup_small_space(void **state)
{
    struct fc_spec s;
    struct fc_trial *t = NULL;
    long n = 0, i, j;
    (void)state;
    assert_int_equal(parse(&s, "name: d\nmethod: random\nrun_cap: 10\nparameters:\n"
                               "  learning_rate: {values: [1.0e-3, 1.0e-2]}\n"
                               "  batch_size: {distribution: int_uniform, min: 10, max: 11}\n"),
                     FC_OK);
    assert_int_equal(fc_spec_trials(&s, &t, &n), FC_OK);
    assert_int_equal(n, 4); /* 2 x 2 distinct configurations */
    assert_int_equal(g_log.nwarnings, 1);
    assert_non_null(strstr(g_log.all, "only 4 distinct"));
    for (i = 0; i < n; i++)
        for (j = 0; j < i; j++) assert_string_not_equal(t[i].canon, t[j].canon);
    free(t);
    fc_spec_free(&s);
}

static void test_adam_default_lr(void **state)
{
    struct fc_spec s;
    struct fc_trial *t = NULL;
    long n = 0;
    (void)state;
    assert_int_equal(parse(&s, "name: a\nmethod: grid\nparameters:\n  update_rule: {values: [sgd, adam]}\n"),
                     FC_OK);
    assert_int_equal(fc_spec_trials(&s, &t, &n), FC_OK);
    assert_int_equal(n, 2);
    assert_true(t[0].config.learning_rate == 1e-2);
    assert_true(t[1].config.learning_rate == 1e-3);
    free(t);
    fc_spec_free(&s);
}

static void test_grid_run_cap_and_model(void **state)
{
    struct fc_spec s;
    struct fc_trial *t = NULL;
    long n = 0;
    (void)state;
    assert_int_equal(parse(&s, "name: g\nmethod: grid\nrun_cap: 3\nparameters:\n"
                               "  model: {value: two}\n"
                               "  reg: {values: [0, 0.1, 0.2, 0.3]}\n"
                               "  lr-decay: {values: [0.9, 0.95]}\n"),
                     FC_OK);
    assert_int_equal(fc_spec_trials(&s, &t, &n), FC_OK);
    assert_int_equal(n, 3);
    assert_int_equal(t[0].config.model, FC_MODEL_TWO);
    assert_int_equal(t[0].config.num_hidden, 1);
    assert_true(t[0].config.weight_scale == 1e-3); /* TwoLayerNet's default */
    assert_string_equal(t[1].canon, "reg=0 lr_decay=0.95");
    assert_string_equal(t[2].canon, "reg=0.1 lr_decay=0.9");
    free(t);
    fc_spec_free(&s);
}

/* ---- errors: one message naming the key and the line -------------------------------------- */

struct bad_case {
    const char *what, *yaml, *expect1, *expect2;
};

#define HEAD "name: b\nmethod: grid\nparameters:\n"

static const struct bad_case BAD[] = {
    {"unknown parameter", HEAD "  learning_rate: {value: 1.0e-3}\n  learnin_rate: {value: 2}\n",
     "t.yaml:5:", "learnin_rate"},
    {"wrong type (text for a number)", HEAD "  learning_rate: {values: [1.0e-3, fast]}\n", "t.yaml:4:",
     "learning_rate: expected a number, got 'fast'"},
    {"wrong type (list for an int)", HEAD "  batch_size: {value: [1, 2]}\n", "t.yaml:4:", "batch_size"},
    {"float for an int", HEAD "  num_epochs: {value: 2.5}\n", "t.yaml:4:", "num_epochs: expected an integer"},
    {"empty grid", HEAD "  reg: {value: 0}\n  weight_scale: {values: []}\n", "t.yaml:5:", "weight_scale"},
    {"min > max", "name: b\nmethod: random\nrun_cap: 3\nparameters:\n"
                  "  learning_rate: {distribution: uniform, min: 0.1, max: 0.01}\n",
     "t.yaml:5:", "learning_rate: min (0.1) > max (0.01)"},
    {"log uniform with min 0", "name: b\nmethod: random\nrun_cap: 3\nparameters:\n"
                               "  weight_scale: {distribution: log_uniform_values, min: 0, max: 1}\n",
     "t.yaml:5:", "weight_scale"},
    {"negative learning rate (core)", HEAD "  learning_rate: {values: [1.0e-3, -1]}\n", "t.yaml:4:",
     "learning_rate"},
    {"dropout outside (0, 1] (core)", HEAD "  dropout: {value: 1.5}\n", "t.yaml:4:", "dropout"},
    {"hidden size 0", HEAD "  hidden_dims: {value: [100, 0]}\n", "t.yaml:4:", "hidden_dims"},
    {"unknown update rule (core)", HEAD "  update_rule: {values: [adam, adamw]}\n", "t.yaml:4:", "update_rule"},
    {"unknown distribution", "name: b\nmethod: random\nrun_cap: 3\nparameters:\n"
                             "  reg: {distribution: normal, min: 0, max: 1}\n",
     "t.yaml:5:", "unknown distribution 'normal'"},
    {"grid over a distribution", HEAD "  reg: {distribution: uniform, min: 0, max: 1}\n", "t.yaml:4:",
     "reg: grid search needs 'values'"},
    {"random without run_cap", "name: b\nmethod: random\nparameters:\n  reg: {values: [0, 1]}\n", "t.yaml:2:",
     "run_cap"},
    {"unknown top-level key", "name: b\nmethod: grid\nparamters:\n  reg: {value: 0}\n", "t.yaml:3:",
     "paramters"},
    {"unknown method", "name: b\nmethod: bayes\nparameters:\n  reg: {value: 0}\n", "t.yaml:2:", "method"},
    {"missing name", "method: grid\nparameters:\n  reg: {value: 0}\n", "t.yaml:1:", "name"},
    {"duplicate parameter", HEAD "  reg: {value: 0}\n  reg: {value: 1}\n", "t.yaml:5:", "appears twice"},
    {"dashes and underscores name one key", HEAD "  lr_decay: {value: 0.9}\n  lr-decay: {value: 0.8}\n",
     "t.yaml:5:", "lr-decay"},
    {"value and values", HEAD "  reg: {value: 0, values: [1]}\n", "t.yaml:4:", "reg: give exactly one"},
    {"unknown field", HEAD "  reg: {vals: [0, 1]}\n", "t.yaml:4:", "reg: unknown field 'vals'"},
    {"seed is not swept", HEAD "  seed: {values: [1, 2]}\n", "t.yaml:4:", "seed"},
    {"data sizes are not swept", HEAD "  num_train: {value: 100}\n", "t.yaml:4:", "num_train"},
    {"bad data field", "name: b\nmethod: grid\ndata: {num_train: 10, num_vla: 5}\nparameters:\n  reg: {value: 0}\n",
     "t.yaml:3:", "data.num_vla"},
    {"duplicate value", HEAD "  reg: {values: [0.1, 0.1]}\n", "t.yaml:4:", "listed twice"},
    {"equal values in two spellings", HEAD "  reg: {values: [0.1, 1.0e-1]}\n", "t.yaml:4:", "listed twice"},
    {"yaml syntax", "name: b\nmethod: grid\nparameters:\n  reg: {value: [0, 1}\n", "t.yaml:4:", "YAML syntax"},
    {"empty spec", "", "t.yaml", "empty"},
    {"metric", "name: b\nmethod: grid\nmetric: {name: loss, goal: minimize}\nparameters:\n  reg: {value: 0}\n",
     "t.yaml:3:", "metric"},
    {"batchnorm model two (core, combination)",
     HEAD "  model: {value: two}\n  hidden_dims: {value: [100, 50]}\n", "t.yaml", "rejected by the core"},
};

static void test_bad_specs(void **state)
{
    size_t k;
    (void)state;
    for (k = 0; k < sizeof BAD / sizeof BAD[0]; k++) {
        struct fc_spec s;
        struct fc_trial *t = NULL;
        long n = 0;
        enum fc_status st;
        memset(&g_log, 0, sizeof g_log);
        st = parse(&s, BAD[k].yaml);
        if (st == FC_OK) st = fc_spec_trials(&s, &t, &n);
        if (st != FC_STATUS_BAD_CONFIG || !strstr(g_log.all, BAD[k].expect1) || !strstr(g_log.all, BAD[k].expect2))
            fail_msg("case '%s': status %s, messages:\n%s(expected '%s' and '%s')", BAD[k].what, fc_status_str(st),
                     g_log.all, BAD[k].expect1, BAD[k].expect2);
        assert_true(g_log.nerrors >= 1 && g_log.nerrors <= 2); /* ours, plus the core's own at most */
        free(t);
        fc_spec_free(&s);
    }
}

/* ---- sweep.h5 round trip ------------------------------------------------------------------ */

static void test_sweep_h5_roundtrip(void **state)
{
    struct fc_spec s;
    struct fc_trial *t = NULL;
    struct fc_sweep_record rec, back;
    char dir[] = "/tmp/torture_spec_XXXXXX", path[128], key[64], va[256], vb[256];
    long n = 0, i;
    (void)state;
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/sweep.h5", dir);
    assert_int_equal(parse(&s, RANDOM_SPEC), FC_OK);
    assert_int_equal(fc_spec_trials(&s, &t, &n), FC_OK);
    memset(&rec, 0, sizeof rec);
    snprintf(rec.name, sizeof rec.name, "r");
    snprintf(rec.method, sizeof rec.method, "random");
    snprintf(rec.metric, sizeof rec.metric, "val_acc");
    rec.seed = 5;
    rec.spec_text = s.text;
    rec.num_trials = n;
    rec.best_trial = 3;
    rec.rows = calloc((size_t)n, sizeof *rec.rows);
    assert_non_null(rec.rows);
    for (i = 0; i < n; i++) {
        rec.rows[i].id = i;
        snprintf(rec.rows[i].status, sizeof rec.rows[i].status, "%s", i % 3 ? "ok" : "pending");
        rec.rows[i].best_val_acc = 0.01 * (double)i;
        rec.rows[i].epochs_run = (int)i % 4;
        rec.rows[i].seconds = 1.5 * (double)i;
        rec.rows[i].rank = (int)i % 2;
        snprintf(rec.rows[i].file, sizeof rec.rows[i].file, "trial_%04ld.h5", i);
        rec.rows[i].config = t[i].config;
    }
    assert_int_equal(fc_sweep_h5_write(path, &rec), FC_OK);
    assert_int_equal(fc_sweep_h5_read(path, &back), FC_OK);
    assert_string_equal(back.name, "r");
    assert_string_equal(back.method, "random");
    assert_true(back.seed == 5);
    assert_int_equal(back.best_trial, 3);
    assert_int_equal(back.num_trials, n);
    assert_string_equal(back.spec_text, s.text);
    for (i = 0; i < n; i++) {
        assert_int_equal(back.rows[i].id, i);
        assert_string_equal(back.rows[i].status, rec.rows[i].status);
        assert_true(back.rows[i].best_val_acc == rec.rows[i].best_val_acc);
        assert_int_equal(back.rows[i].epochs_run, rec.rows[i].epochs_run);
        assert_int_equal(back.rows[i].rank, rec.rows[i].rank);
        assert_string_equal(back.rows[i].file, rec.rows[i].file);
        if (fc_config_diff(&back.rows[i].config, &t[i].config, key, sizeof key, va, vb, sizeof va))
            fail_msg("row %ld: %s is %s after reading, %s before", i, key, va, vb);
    }
    fc_sweep_record_free(&back);
    /* a file of another kind is refused */
    memset(&g_log, 0, sizeof g_log);
    {
        char other[160];
        FILE *f;
        snprintf(other, sizeof other, "%s/other.h5", dir);
        f = fopen(other, "w");
        assert_non_null(f);
        fputs("not hdf5", f);
        fclose(f);
        assert_int_equal(fc_sweep_h5_read(other, &back) == FC_OK, 0);
        assert_int_equal(g_log.nerrors, 1);
        assert_non_null(strstr(g_log.all, "other.h5"));
        remove(other);
    }
    fc_sweep_record_free(&back);
    remove(path);
    rmdir(dir);
    free(rec.rows);
    free(t);
    fc_spec_free(&s);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_seed_grid, setup, teardown),
        cmocka_unit_test_setup_teardown(test_shipped_specs_parse, setup, teardown),
        cmocka_unit_test_setup_teardown(test_random, setup, teardown),
        cmocka_unit_test_setup_teardown(test_random_dedup_small_space, setup, teardown),
        cmocka_unit_test_setup_teardown(test_adam_default_lr, setup, teardown),
        cmocka_unit_test_setup_teardown(test_grid_run_cap_and_model, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_specs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sweep_h5_roundtrip, setup, teardown),
    };
    if (argc > 1) g_sweeps_dir = argv[1];
    return cmocka_run_group_tests(tests, NULL, NULL);
}
