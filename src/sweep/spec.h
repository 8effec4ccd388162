/* Sweep specs: a YAML file in the style of W&B sweeps, parsed with libyaml, and the trial
 * list it expands to (grid: the cartesian product; random: de-duplicated samples).
 *
 *   name: seed_grid
 *   method: grid                  # grid | random
 *   metric: {name: val_acc, goal: maximize}
 *   seed: 231
 *   run_cap: 40                   # random: number of trials; grid: optional cap
 *   data: {num_train: 49000, num_val: 1000, num_test: 1000}
 *   parameters:
 *     hidden_dims:   {value: [300, 200]}          # or values: [[300, 200], [500]]
 *     learning_rate: {values: [5.0e-5, 5.0e-4]}
 *     weight_scale:  {distribution: log_uniform_values, min: 1.0e-3, max: 1.0e-1}
 *     dropout:       {distribution: uniform, min: 0.5, max: 1.0}
 *     batch_size:    {distribution: int_uniform, min: 50, max: 200}
 *     update_rule:   {distribution: categorical, values: [adam, rmsprop]}
 *
 * Parameter keys are the config keys of fcnet/config.h (dashes or underscores), except
 * seed (a trial's seed is fc_seed_mix(sweep seed, trial id)) and the data sizes (data:).
 * Every error is logged once through fc_log as "FILE:LINE: KEY: problem" and returned as
 * FC_STATUS_BAD_CONFIG; nothing here touches MPI, files or the environment. */
#ifndef FC_SWEEP_SPEC_H
#define FC_SWEEP_SPEC_H

#include <stddef.h>
#include <stdint.h>

#include "fcnet/config.h"
#include "fcnet/status.h"

#define FC_SPEC_MAX_PARAMS 48
#define FC_SPEC_VALUE_LEN 192
#define FC_SPEC_MAX_TRIALS 100000L

enum fc_sweep_method { FC_METHOD_GRID = 0, FC_METHOD_RANDOM };

enum fc_param_kind {
    FC_PARAM_VALUE = 0,   /* value: one fixed value */
    FC_PARAM_VALUES,      /* values: a grid axis (random: a uniform choice) */
    FC_PARAM_UNIFORM,     /* distribution: uniform, min, max (real) */
    FC_PARAM_LOG_UNIFORM, /* distribution: log_uniform_values, min, max (real, > 0) */
    FC_PARAM_INT_UNIFORM, /* distribution: int_uniform, min, max (integers, inclusive) */
    FC_PARAM_CATEGORICAL  /* distribution: categorical, values (same as values:) */
};

struct fc_spec_param {
    char key[40];                         /* underscore form of the config key */
    const struct fc_key_info *info;
    enum fc_param_kind kind;
    int line;                             /* 1-based line of the key in the spec */
    int nvalues;                          /* value/values/categorical */
    char (*values)[FC_SPEC_VALUE_LEN];    /* (nvalues) texts for fc_config_set; owned */
    double min, max;                      /* distributions */
};

struct fc_spec {
    char file[256];                       /* for messages */
    char name[128];
    enum fc_sweep_method method;
    char metric[32];                      /* val_acc */
    uint64_t seed;
    long run_cap;                         /* 0: none */
    int num_train, num_val, num_test;
    int nparams;
    struct fc_spec_param params[FC_SPEC_MAX_PARAMS]; /* in spec order */
    char *text;                           /* copy of the spec text; owned */
    size_t text_len;
};

/* One configuration to train. */
struct fc_trial {
    long id;                              /* 0 .. n-1: grid order / sampling order */
    struct fc_config config;              /* complete, validated, seed = mix(seed, id) */
    char canon[1024];                     /* swept keys "k=v k=v" exactly (de-dup, resume) */
    char brief[200];                      /* short form of the swept keys for progress */
};

/* Parse text (len bytes, need not be NUL-terminated) read from `file` (a name for
 * messages only). On failure s is safe to fc_spec_free. */
enum fc_status fc_spec_parse(struct fc_spec *s, const char *text, size_t len, const char *file);
void fc_spec_free(struct fc_spec *s);

/* Expand s into its trials, each checked with fc_config_validate. *trials is owned by the
 * caller (free()). Grid: cartesian product in spec order, the last parameter fastest,
 * truncated to run_cap if set. Random: run_cap samples from an RNG seeded with the sweep
 * seed, a sample equal to an earlier one drawn again (fewer trials, with a warning, when
 * the space is smaller than run_cap). */
enum fc_status fc_spec_trials(const struct fc_spec *s, struct fc_trial **trials, long *n);

/* Every config key as "key=value" separated by spaces, numbers exact (%.17g, the seed as
 * an unsigned integer): two configs train identically iff their texts are equal. */
void fc_config_canon(const struct fc_config *c, char *buf, size_t size);
/* First key whose value differs between a and b (its name into key), 0 if none. */
int fc_config_diff(const struct fc_config *a, const struct fc_config *b, char *key, size_t keysize,
                   char *va, char *vb, size_t vsize);

#endif
