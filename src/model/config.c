/* The hyperparameter table: one row per key with its type, text form and checks, so the
 * CLI, sweep specs and model files agree on names and values.
 * Does not: read argv, files or the environment. */
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fcnet/config.h"

struct key_row {
    struct fc_key_info info;
    size_t offset; /* into struct fc_config */
};

#define ROW(name, type, help) {{#name, type, help}, offsetof(struct fc_config, name)}
static const struct key_row KEYS[] = {
    ROW(model, FC_KEY_ENUM, "two (TwoLayerNet) | fc (FullyConnectedNet)"),
    ROW(hidden_dims, FC_KEY_DIMS, "hidden layer sizes, comma separated"),
    ROW(input_dim, FC_KEY_INT, "input dimension (3072 for CIFAR-10)"),
    ROW(num_classes, FC_KEY_INT, "number of classes"),
    ROW(weight_scale, FC_KEY_REAL, "std of the initial weights"),
    ROW(reg, FC_KEY_REAL, "L2 regularisation strength (0.5 * reg * sum W^2)"),
    ROW(dropout, FC_KEY_REAL, "dropout KEEP probability, 1 = no dropout"),
    ROW(normalization, FC_KEY_ENUM, "none | batchnorm | layernorm"),
    ROW(update_rule, FC_KEY_ENUM, "sgd | sgd_momentum | rmsprop | adam"),
    ROW(learning_rate, FC_KEY_REAL, "learning rate"),
    ROW(momentum, FC_KEY_REAL, "sgd_momentum momentum"),
    ROW(decay_rate, FC_KEY_REAL, "rmsprop decay rate"),
    ROW(beta1, FC_KEY_REAL, "adam beta1"),
    ROW(beta2, FC_KEY_REAL, "adam beta2"),
    ROW(epsilon, FC_KEY_REAL, "rmsprop / adam epsilon"),
    ROW(lr_decay, FC_KEY_REAL, "learning rate multiplied by this after each epoch"),
    ROW(num_epochs, FC_KEY_INT, "epochs"),
    ROW(batch_size, FC_KEY_INT, "minibatch size"),
    ROW(num_train_samples, FC_KEY_INT, "train images used for the per-epoch train accuracy"),
    ROW(num_val_samples, FC_KEY_INT, "val images used for val accuracy (0 = all)"),
    ROW(print_every, FC_KEY_INT, "print the loss every this many iterations"),
    ROW(seed, FC_KEY_U64, "random seed (init, minibatches, dropout)"),
    ROW(num_train, FC_KEY_INT, "training images (first of the training set)"),
    ROW(num_val, FC_KEY_INT, "validation images (the next ones)"),
    ROW(num_test, FC_KEY_INT, "test images (first of the test set)"),
};
#undef ROW
#define NKEYS ((int)(sizeof KEYS / sizeof KEYS[0]))

static const char *const NORM_NAMES[] = {"none", "batchnorm", "layernorm"};
static const char *const RULE_NAMES[] = {"sgd", "sgd_momentum", "rmsprop", "adam"};
static const char *const KIND_NAMES[] = {"two", "fc"};

const char *fc_norm_name(enum fc_norm n) { return NORM_NAMES[n]; }
const char *fc_rule_name(enum fc_update_rule r) { return RULE_NAMES[r]; }
const char *fc_model_kind_name(enum fc_model_kind k) { return KIND_NAMES[k]; }

void fc_config_defaults(struct fc_config *c, enum fc_model_kind kind)
{
    memset(c, 0, sizeof *c);
    c->model = kind;
    if (kind == FC_MODEL_TWO) {
        c->num_hidden = 1;
        c->hidden_dims[0] = 100;
        c->weight_scale = 1e-3;
    } else {
        c->num_hidden = 2;
        c->hidden_dims[0] = c->hidden_dims[1] = 100;
        c->weight_scale = 1e-2;
    }
    c->input_dim = 3 * 32 * 32;
    c->num_classes = 10;
    c->reg = 0.0;
    c->dropout = 1.0;
    c->normalization = FC_NORM_NONE;
    c->update_rule = FC_RULE_SGD;
    c->learning_rate = 1e-2;
    c->momentum = 0.9;
    c->decay_rate = 0.99;
    c->beta1 = 0.9;
    c->beta2 = 0.999;
    c->epsilon = 1e-8;
    c->lr_decay = 1.0;
    c->num_epochs = 10;
    c->batch_size = 100;
    c->num_train_samples = 1000;
    c->num_val_samples = 0;
    c->print_every = 10;
    c->seed = 0;
    c->num_train = 49000;
    c->num_val = 1000;
    c->num_test = 1000;
}

double fc_default_learning_rate(enum fc_update_rule r) { return r == FC_RULE_ADAM ? 1e-3 : 1e-2; }

static const struct key_row *find_row(const char *name)
{
    char norm[64];
    size_t n = strlen(name);
    if (n >= sizeof norm) return NULL;
    for (size_t i = 0; i <= n; i++) norm[i] = name[i] == '-' ? '_' : name[i];
    for (int i = 0; i < NKEYS; i++)
        if (strcmp(KEYS[i].info.name, norm) == 0) return &KEYS[i];
    return NULL;
}

int fc_config_num_keys(void) { return NKEYS; }
const struct fc_key_info *fc_config_key(int i) { return i >= 0 && i < NKEYS ? &KEYS[i].info : NULL; }
const struct fc_key_info *fc_config_find_key(const char *name)
{
    const struct key_row *r = find_row(name);
    return r ? &r->info : NULL;
}

static int parse_enum(const char *v, const char *const *names, int n)
{
    for (int i = 0; i < n; i++)
        if (strcmp(v, names[i]) == 0) return i;
    return -1;
}

static int parse_long(const char *v, long *out)
{
    char *end = NULL;
    errno = 0;
    double d;
    long x = strtol(v, &end, 10);
    if (errno == 0 && end != v && *end == '\0') {
        *out = x;
        return 0;
    }
    /* accept integral reals such as "1e3" or "100.0" (YAML and %g text) */
    errno = 0;
    d = strtod(v, &end);
    if (errno || end == v || *end != '\0' || d != floor(d) || fabs(d) > 2e9) return -1;
    *out = (long)d;
    return 0;
}

static void enum_list(char *buf, size_t n, const char *const *names, int count)
{
    buf[0] = '\0';
    for (int i = 0; i < count; i++) {
        strncat(buf, names[i], n - strlen(buf) - 1);
        if (i + 1 < count) strncat(buf, " | ", n - strlen(buf) - 1);
    }
}

enum fc_status fc_config_set(struct fc_config *c, const char *key, const char *value)
{
    const struct key_row *r = find_row(key);
    if (!r) {
        fc_log(FC_LOG_ERROR, "unknown hyperparameter '%s'\n", key);
        return FC_STATUS_BAD_CONFIG;
    }
    const char *name = r->info.name;
    char *p = (char *)c + r->offset;
    if (!value || !*value) {
        fc_log(FC_LOG_ERROR, "hyperparameter '%s' needs a value\n", name);
        return FC_STATUS_BAD_CONFIG;
    }
    switch (r->info.type) {
    case FC_KEY_INT: {
        long x;
        if (parse_long(value, &x) || x < -2147483647L || x > 2147483647L) {
            fc_log(FC_LOG_ERROR, "hyperparameter '%s': '%s' is not an integer\n", name, value);
            return FC_STATUS_BAD_CONFIG;
        }
        *(int *)p = (int)x;
        return FC_OK;
    }
    case FC_KEY_U64: {
        char *end = NULL;
        errno = 0;
        unsigned long long x = strtoull(value, &end, 10);
        if (errno || end == value || *end != '\0' || value[0] == '-') {
            fc_log(FC_LOG_ERROR, "hyperparameter '%s': '%s' is not a non-negative integer\n",
                   name, value);
            return FC_STATUS_BAD_CONFIG;
        }
        *(uint64_t *)p = (uint64_t)x;
        return FC_OK;
    }
    case FC_KEY_REAL: {
        char *end = NULL;
        errno = 0;
        double x = strtod(value, &end);
        if (errno || end == value || *end != '\0' || !isfinite(x)) {
            fc_log(FC_LOG_ERROR, "hyperparameter '%s': '%s' is not a finite number\n", name,
                   value);
            return FC_STATUS_BAD_CONFIG;
        }
        *(double *)p = x;
        return FC_OK;
    }
    case FC_KEY_ENUM: {
        const char *const *names;
        int count, idx;
        char list[128];
        if (strcmp(name, "model") == 0) {
            names = KIND_NAMES;
            count = 2;
        } else if (strcmp(name, "normalization") == 0) {
            names = NORM_NAMES;
            count = 3;
        } else {
            names = RULE_NAMES;
            count = 4;
        }
        idx = parse_enum(value, names, count);
        if (idx < 0) {
            enum_list(list, sizeof list, names, count);
            fc_log(FC_LOG_ERROR, "hyperparameter '%s': unknown value '%s' (expected %s)\n", name,
                   value, list);
            return FC_STATUS_BAD_CONFIG;
        }
        *(int *)p = idx;
        return FC_OK;
    }
    case FC_KEY_DIMS: {
        int dims[FC_MAX_HIDDEN], n = 0;
        const char *s = value;
        while (*s == '[' || *s == ' ') s++;
        while (*s && *s != ']') {
            char *end = NULL;
            errno = 0;
            long x = strtol(s, &end, 10);
            if (errno || end == s || x < -2147483647L || x > 2147483647L) {
                fc_log(FC_LOG_ERROR,
                       "hyperparameter '%s': '%s' is not a list of integers like 300,200,150\n",
                       name, value);
                return FC_STATUS_BAD_CONFIG;
            }
            if (n == FC_MAX_HIDDEN) {
                fc_log(FC_LOG_ERROR, "hyperparameter '%s': at most %d hidden layers\n", name,
                       FC_MAX_HIDDEN);
                return FC_STATUS_BAD_CONFIG;
            }
            dims[n++] = (int)x;
            s = end;
            while (*s == ' ' || *s == ',') s++;
        }
        if (n == 0) {
            fc_log(FC_LOG_ERROR, "hyperparameter '%s': needs at least one hidden layer\n", name);
            return FC_STATUS_BAD_CONFIG;
        }
        c->num_hidden = n;
        memcpy(c->hidden_dims, dims, sizeof(int) * (size_t)n);
        return FC_OK;
    }
    }
    return FC_STATUS_INTERNAL;
}

void fc_config_get(const struct fc_config *c, const char *key, char *buf, int bufsize)
{
    const struct key_row *r = find_row(key);
    const char *p = (const char *)c + (r ? r->offset : 0);
    if (!r || bufsize <= 0) {
        if (bufsize > 0) buf[0] = '\0';
        return;
    }
    switch (r->info.type) {
    case FC_KEY_INT: snprintf(buf, (size_t)bufsize, "%d", *(const int *)p); break;
    case FC_KEY_U64:
        snprintf(buf, (size_t)bufsize, "%llu", (unsigned long long)*(const uint64_t *)p);
        break;
    case FC_KEY_REAL: snprintf(buf, (size_t)bufsize, "%.17g", *(const double *)p); break;
    case FC_KEY_ENUM: {
        int v = *(const int *)p;
        const char *s = strcmp(r->info.name, "model") == 0           ? KIND_NAMES[v]
                        : strcmp(r->info.name, "normalization") == 0 ? NORM_NAMES[v]
                                                                     : RULE_NAMES[v];
        snprintf(buf, (size_t)bufsize, "%s", s);
        break;
    }
    case FC_KEY_DIMS: {
        int off = 0;
        buf[0] = '\0';
        for (int i = 0; i < c->num_hidden && off < bufsize; i++)
            off += snprintf(buf + off, (size_t)(bufsize - off), i ? ",%d" : "%d", c->hidden_dims[i]);
        break;
    }
    }
}

double fc_config_get_number(const struct fc_config *c, const char *key)
{
    const struct key_row *r = find_row(key);
    if (!r) return NAN;
    const char *p = (const char *)c + r->offset;
    switch (r->info.type) {
    case FC_KEY_INT:
    case FC_KEY_ENUM: return *(const int *)p;
    case FC_KEY_U64: return (double)*(const uint64_t *)p;
    case FC_KEY_REAL: return *(const double *)p;
    case FC_KEY_DIMS: return c->num_hidden;
    }
    return NAN;
}

static enum fc_status bad(const char *key, const char *what)
{
    fc_log(FC_LOG_ERROR, "hyperparameter '%s' %s\n", key, what);
    return FC_STATUS_BAD_CONFIG;
}

enum fc_status fc_config_validate(const struct fc_config *c)
{
    if (c->model == FC_MODEL_TWO && c->num_hidden != 1)
        return bad("hidden_dims", "must have exactly one entry for model 'two'");
    if (c->num_hidden < 1 || c->num_hidden > FC_MAX_HIDDEN)
        return bad("hidden_dims", "must list between 1 and 16 hidden layer sizes");
    for (int i = 0; i < c->num_hidden; i++)
        if (c->hidden_dims[i] < 1 || c->hidden_dims[i] > 65536)
            return bad("hidden_dims", "entries must be between 1 and 65536");
    if (c->input_dim < 1) return bad("input_dim", "must be positive");
    if (c->num_classes < 2 || c->num_classes > 256) return bad("num_classes", "must be in [2, 256]");
    if (!(c->weight_scale > 0)) return bad("weight_scale", "must be > 0");
    if (!(c->reg >= 0)) return bad("reg", "must be >= 0");
    if (!(c->dropout > 0 && c->dropout <= 1))
        return bad("dropout", "is the keep probability and must be in (0, 1]");
    if (!(c->learning_rate > 0)) return bad("learning_rate", "must be > 0");
    if (!(c->momentum >= 0 && c->momentum < 1)) return bad("momentum", "must be in [0, 1)");
    if (!(c->decay_rate >= 0 && c->decay_rate < 1)) return bad("decay_rate", "must be in [0, 1)");
    if (!(c->beta1 >= 0 && c->beta1 < 1)) return bad("beta1", "must be in [0, 1)");
    if (!(c->beta2 >= 0 && c->beta2 < 1)) return bad("beta2", "must be in [0, 1)");
    if (!(c->epsilon > 0)) return bad("epsilon", "must be > 0");
    if (!(c->lr_decay > 0 && c->lr_decay <= 1)) return bad("lr_decay", "must be in (0, 1]");
    if (c->num_epochs < 1 || c->num_epochs > 100000) return bad("num_epochs", "must be >= 1");
    if (c->batch_size < 1 || c->batch_size > 65536) return bad("batch_size", "must be in [1, 65536]");
    if (c->num_train_samples < 1) return bad("num_train_samples", "must be >= 1");
    if (c->num_val_samples < 0) return bad("num_val_samples", "must be >= 0 (0 = all)");
    if (c->print_every < 1) return bad("print_every", "must be >= 1");
    if (c->num_train < 1 || c->num_val < 1 || c->num_test < 0 || c->num_train + c->num_val > 50000)
        return bad("num_train", "num_train >= 1, num_val >= 1 and num_train + num_val <= 50000");
    if (c->batch_size > c->num_train) return bad("batch_size", "must not exceed num_train");
    return FC_OK;
}
