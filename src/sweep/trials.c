/* Expanding a parsed spec into trials: the grid's cartesian product or random samples,
 * each a complete config (defaults, data sizes, then the spec's keys in spec order) with
 * its seed derived from the sweep seed and the trial id, validated by the core, and
 * de-duplicated on the exact values of its swept keys.
 * Does not: parse YAML (spec.c) or decide who runs what (run.c). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fcnet/rng.h"
#include "sweep/spec.h"

/* Short names for progress lines. */
static const char *abbrev(const char *key)
{
    static const char *const map[][2] = {
        {"learning_rate", "lr"}, {"weight_scale", "ws"}, {"hidden_dims", "h"},
        {"update_rule", "rule"}, {"normalization", "norm"}, {"batch_size", "bs"},
        {"num_epochs", "ep"},    {"dropout", "keep"},       {"lr_decay", "decay"},
        {"momentum", "mom"},     {"decay_rate", "rho"},     {"epsilon", "eps"},
    };
    size_t i;
    for (i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strcmp(map[i][0], key) == 0) return map[i][1];
    return key;
}

static void append(char *dst, size_t size, const char *fmt, const char *a, const char *b)
{
    size_t used = strlen(dst);
    if (used + 1 >= size) return;
    snprintf(dst + used, size - used, fmt, a, b);
}

/* Exact text of key's value in c: numbers in the shortest form that reads back exactly,
 * enums and dims as the core formats them. */
static void canon_value(const struct fc_config *c, const struct fc_key_info *info, char *buf, int size)
{
    if (!buf || size <= 0) return;
    if (info->type == FC_KEY_ENUM || info->type == FC_KEY_DIMS) fc_config_get(c, info->name, buf, size);
    else {
        /* the shortest text that reads back as the same double */
        double v = fc_config_get_number(c, info->name);
        int prec;
        for (prec = 6; prec < 17; prec++) {
            snprintf(buf, (size_t)size, "%.*g", prec, v);
            if (strtod(buf, NULL) == v) return;
        }
        snprintf(buf, (size_t)size, "%.17g", v);
    }
}

static void canon_key(const struct fc_config *c, const struct fc_key_info *info, char *buf, int size)
{
    if (!buf || size <= 0) return;
    if (strcmp(info->name, "seed") == 0) snprintf(buf, (size_t)size, "%llu", (unsigned long long)c->seed);
    else canon_value(c, info, buf, size);
}

void fc_config_canon(const struct fc_config *c, char *buf, size_t size)
{
    int i, nk = fc_config_num_keys();
    buf[0] = '\0';
    for (i = 0; i < nk; i++) {
        const struct fc_key_info *info = fc_config_key(i);
        char v[FC_SPEC_VALUE_LEN];
        canon_key(c, info, v, sizeof v);
        append(buf, size, "%s%s=", buf[0] ? " " : "", info->name);
        append(buf, size, "%s%s", v, "");
    }
}

int fc_config_diff(const struct fc_config *a, const struct fc_config *b, char *key, size_t keysize,
                   char *va, char *vb, size_t vsize)
{
    int i, nk = fc_config_num_keys();
    for (i = 0; i < nk; i++) {
        const struct fc_key_info *info = fc_config_key(i);
        canon_key(a, info, va, (int)vsize);
        canon_key(b, info, vb, (int)vsize);
        if (strcmp(va, vb) != 0) {
            snprintf(key, keysize, "%s", info->name);
            return 1;
        }
    }
    return 0;
}

static void brief_value(const struct fc_config *c, const struct fc_key_info *info, char *buf, int size)
{
    if (info->type == FC_KEY_REAL) snprintf(buf, (size_t)size, "%.3g", fc_config_get_number(c, info->name));
    else fc_config_get(c, info->name, buf, size);
}

/* Build trial t from one chosen text per parameter (texts[i] for params[i]). */
static enum fc_status build_trial(const struct fc_spec *s, char (*texts)[FC_SPEC_VALUE_LEN], long id,
                                  struct fc_trial *t)
{
    struct fc_config *c = &t->config;
    enum fc_model_kind kind = FC_MODEL_FC;
    int i;

    memset(t, 0, sizeof *t);
    t->id = id;
    /* the model kind first: it decides the defaults (TwoLayerNet or FullyConnectedNet) */
    for (i = 0; i < s->nparams; i++) {
        if (strcmp(s->params[i].key, "model") == 0) {
            struct fc_config tmp;
            fc_config_defaults(&tmp, FC_MODEL_FC);
            if (fc_config_set(&tmp, "model", texts[i]) != FC_OK) return FC_STATUS_BAD_CONFIG;
            kind = tmp.model;
        }
    }
    fc_config_defaults(c, kind);
    c->num_train = s->num_train;
    c->num_val = s->num_val;
    c->num_test = s->num_test;
    for (i = 0; i < s->nparams; i++) {
        if (fc_config_set(c, s->params[i].key, texts[i]) != FC_OK) {
            fc_log(FC_LOG_ERROR, "%s:%d: %s: value '%s' is not accepted (see the message above)\n", s->file,
                   s->params[i].line, s->params[i].key, texts[i]);
            return FC_STATUS_BAD_CONFIG;
        }
    }
    {
        /* as `fcsweep train`: without a learning rate the update rule's own default applies */
        int lr_given = 0;
        for (i = 0; i < s->nparams; i++) lr_given |= strcmp(s->params[i].key, "learning_rate") == 0;
        if (!lr_given) c->learning_rate = fc_default_learning_rate(c->update_rule);
    }
    c->seed = fc_seed_mix(s->seed, (uint64_t)id);
    for (i = 0; i < s->nparams; i++) {
        const struct fc_spec_param *p = &s->params[i];
        char v[FC_SPEC_VALUE_LEN];
        if (p->kind == FC_PARAM_VALUE || p->nvalues == 1) continue;
        canon_value(c, p->info, v, sizeof v);
        append(t->canon, sizeof t->canon, "%s%s=", t->canon[0] ? " " : "", p->key);
        append(t->canon, sizeof t->canon, "%s%s", v, "");
        brief_value(c, p->info, v, sizeof v);
        append(t->brief, sizeof t->brief, "%s%s=", t->brief[0] ? " " : "", abbrev(p->key));
        append(t->brief, sizeof t->brief, "%s%s", v, "");
    }
    if (fc_config_validate(c) != FC_OK) {
        fc_log(FC_LOG_ERROR, "%s: trial %ld (%s) is rejected by the core (see the message above)\n", s->file,
               id, t->canon[0] ? t->canon : "fixed values");
        return FC_STATUS_BAD_CONFIG;
    }
    return FC_OK;
}

static long grid_size(const struct fc_spec *s)
{
    long n = 1;
    int i;
    for (i = 0; i < s->nparams; i++) {
        n *= s->params[i].nvalues;
        if (n > FC_SPEC_MAX_TRIALS) return -1;
    }
    return n;
}

static void sample_text(const struct fc_spec_param *p, struct fc_rng *rng, char *out)
{
    double u;
    switch (p->kind) {
    case FC_PARAM_VALUE:
        snprintf(out, FC_SPEC_VALUE_LEN, "%s", p->values[0]);
        break;
    case FC_PARAM_VALUES:
    case FC_PARAM_CATEGORICAL:
        snprintf(out, FC_SPEC_VALUE_LEN, "%s", p->values[fc_rng_below(rng, (uint64_t)p->nvalues)]);
        break;
    case FC_PARAM_UNIFORM:
        u = fc_rng_uniform(rng);
        snprintf(out, FC_SPEC_VALUE_LEN, "%.17g", p->min + (p->max - p->min) * u);
        break;
    case FC_PARAM_LOG_UNIFORM:
        u = fc_rng_uniform(rng);
        snprintf(out, FC_SPEC_VALUE_LEN, "%.17g", exp(log(p->min) + (log(p->max) - log(p->min)) * u));
        break;
    case FC_PARAM_INT_UNIFORM:
        snprintf(out, FC_SPEC_VALUE_LEN, "%.0f",
                 p->min + (double)fc_rng_below(rng, (uint64_t)(p->max - p->min) + 1));
        break;
    }
}

/* De-duplication of trials by their canonical text: open addressing on FNV-1a hashes. */
struct dedup {
    long *slot; /* index of a trial, -1 if empty */
    size_t size;
};

static uint64_t fnv1a(const char *t)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *t; t++) h = (h ^ (unsigned char)*t) * 1099511628211ULL;
    return h;
}

/* Insert trials[n] unless an equal one is there; returns 1 if it was new. */
static int dedup_insert(struct dedup *d, const struct fc_trial *trials, long n)
{
    size_t i = (size_t)(fnv1a(trials[n].canon) % d->size);
    while (d->slot[i] >= 0) {
        if (strcmp(trials[d->slot[i]].canon, trials[n].canon) == 0) return 0;
        i = (i + 1) % d->size;
    }
    d->slot[i] = n;
    return 1;
}

enum fc_status fc_spec_trials(const struct fc_spec *s, struct fc_trial **out, long *nout)
{
    char(*texts)[FC_SPEC_VALUE_LEN] = NULL;
    struct fc_trial *trials = NULL;
    enum fc_status st = FC_OK;
    struct dedup dd = {NULL, 0};
    long n = 0, cap = 0, i;
    int j;

    *out = NULL;
    *nout = 0;
    texts = calloc((size_t)(s->nparams ? s->nparams : 1), sizeof *texts);
    if (!texts) {
        st = FC_STATUS_NOMEM;
        goto cleanup;
    }
    if (s->method == FC_METHOD_GRID) {
        long total = grid_size(s);
        if (total < 0) {
            fc_log(FC_LOG_ERROR, "%s: the grid has more than %ld points; split the sweep or use method: random\n",
                   s->file, FC_SPEC_MAX_TRIALS);
            st = FC_STATUS_BAD_CONFIG;
            goto cleanup;
        }
        cap = (s->run_cap > 0 && s->run_cap < total) ? s->run_cap : total;
    } else {
        cap = s->run_cap;
    }
    trials = calloc((size_t)cap, sizeof *trials);
    dd.size = 2 * (size_t)cap + 1;
    dd.slot = malloc(dd.size * sizeof *dd.slot);
    if (!trials || !dd.slot) {
        st = FC_STATUS_NOMEM;
        goto cleanup;
    }
    for (i = 0; i < (long)dd.size; i++) dd.slot[i] = -1;

    if (s->method == FC_METHOD_GRID) {
        for (i = 0; i < cap; i++) {
            long rest = i;
            for (j = s->nparams - 1; j >= 0; j--) {
                const struct fc_spec_param *p = &s->params[j];
                snprintf(texts[j], FC_SPEC_VALUE_LEN, "%s", p->values[rest % p->nvalues]);
                rest /= p->nvalues;
            }
            st = build_trial(s, texts, i, &trials[i]);
            if (st != FC_OK) goto cleanup;
            if (!dedup_insert(&dd, trials, i)) {
                fc_log(FC_LOG_ERROR, "%s: trial %ld (%s) repeats an earlier one: two values of a parameter are equal\n",
                       s->file, i, trials[i].canon);
                st = FC_STATUS_BAD_CONFIG;
                goto cleanup;
            }
        }
        n = cap;
    } else {
        struct fc_rng rng;
        long attempts = 0, max_attempts = 100 * cap + 1000;
        fc_rng_seed(&rng, s->seed);
        while (n < cap && attempts < max_attempts) {
            attempts++;
            for (j = 0; j < s->nparams; j++) sample_text(&s->params[j], &rng, texts[j]);
            st = build_trial(s, texts, n, &trials[n]);
            if (st != FC_OK) goto cleanup;
            if (!dedup_insert(&dd, trials, n)) continue;
            n++;
        }
        if (n < cap)
            fc_log(FC_LOG_WARN, "%s: only %ld distinct configurations found for run_cap %ld\n", s->file, n, cap);
    }
    if (n == 0) {
        fc_log(FC_LOG_ERROR, "%s: the sweep has no trials\n", s->file);
        st = FC_STATUS_BAD_CONFIG;
        goto cleanup;
    }
    *out = trials;
    *nout = n;
    trials = NULL;
cleanup:
    if (st == FC_STATUS_NOMEM) fc_log(FC_LOG_ERROR, "%s: out of memory expanding the trials\n", s->file);
    free(dd.slot);
    free(trials);
    free(texts);
    return st;
}
