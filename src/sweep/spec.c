/* Sweep spec parsing: libyaml's document API turns the text into a node tree whose marks
 * carry line numbers; this file walks that tree into a struct fc_spec, checking every
 * key, type and range on the way, and reporting the first problem as FILE:LINE: KEY: what.
 * Does not: expand trials (trials.c), read files, or know about MPI. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "sweep/spec.h"

struct ctx {
    struct fc_spec *s;
    yaml_document_t *doc;
};

static int node_line(const yaml_node_t *n) { return n ? (int)n->start_mark.line + 1 : 0; }

static const char *scalar(const yaml_node_t *n)
{
    return (n && n->type == YAML_SCALAR_NODE) ? (const char *)n->data.scalar.value : NULL;
}

static int is_null(const yaml_node_t *n)
{
    const char *v = scalar(n);
    if (!v) return 0;
    if (n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE) return 0;
    return v[0] == '\0' || strcmp(v, "~") == 0 || strcmp(v, "null") == 0 || strcmp(v, "Null") == 0
           || strcmp(v, "NULL") == 0;
}

static const char *type_name(const yaml_node_t *n)
{
    if (!n) return "nothing";
    switch (n->type) {
    case YAML_SCALAR_NODE: return is_null(n) ? "an empty value" : "a scalar";
    case YAML_SEQUENCE_NODE: return "a list";
    case YAML_MAPPING_NODE: return "a mapping";
    default: return "nothing";
    }
}

static void err(const struct ctx *x, const yaml_node_t *at, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void err(const struct ctx *x, const yaml_node_t *at, const char *key, const char *fmt, ...)
{
    char what[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    fc_log(FC_LOG_ERROR, "%s:%d: %s: %s\n", x->s->file, node_line(at), key, what);
}

/* Whole-string numeric parses (no trailing junk, finite). */
static int parse_long(const char *t, long *out)
{
    char *end = NULL;
    long v;
    if (!t || !*t) return 0;
    errno = 0;
    v = strtol(t, &end, 10);
    if (errno || *end) return 0;
    *out = v;
    return 1;
}

static int parse_u64(const char *t, uint64_t *out)
{
    char *end = NULL;
    unsigned long long v;
    if (!t || !*t || *t == '-') return 0;
    errno = 0;
    v = strtoull(t, &end, 10);
    if (errno || *end) return 0;
    *out = (uint64_t)v;
    return 1;
}

static int parse_double(const char *t, double *out)
{
    char *end = NULL;
    double v;
    if (!t || !*t) return 0;
    errno = 0;
    v = strtod(t, &end);
    if (errno || *end || !isfinite(v)) return 0;
    *out = v;
    return 1;
}

static int node_count(const yaml_node_t *n)
{
    if (n->type == YAML_SEQUENCE_NODE) return (int)(n->data.sequence.items.top - n->data.sequence.items.start);
    if (n->type == YAML_MAPPING_NODE) return (int)(n->data.mapping.pairs.top - n->data.mapping.pairs.start);
    return 0;
}

static yaml_node_t *seq_item(const struct ctx *x, const yaml_node_t *n, int i)
{
    return yaml_document_get_node(x->doc, n->data.sequence.items.start[i]);
}

static void map_pair(const struct ctx *x, const yaml_node_t *n, int i, yaml_node_t **k, yaml_node_t **v)
{
    yaml_node_pair_t *p = n->data.mapping.pairs.start + i;
    *k = yaml_document_get_node(x->doc, p->key);
    *v = yaml_document_get_node(x->doc, p->value);
}

/* A mapping's keys must be scalars and unique; names the first offender. */
static int check_mapping_keys(const struct ctx *x, const yaml_node_t *n, const char *where)
{
    int i, j, cnt = node_count(n);
    for (i = 0; i < cnt; i++) {
        yaml_node_t *k, *v, *k2, *v2;
        map_pair(x, n, i, &k, &v);
        if (!scalar(k)) {
            err(x, k, where, "keys must be plain names, not %s", type_name(k));
            return 0;
        }
        for (j = 0; j < i; j++) {
            map_pair(x, n, j, &k2, &v2);
            if (strcmp(scalar(k), scalar(k2)) == 0) {
                err(x, k, where, "key '%s' appears twice (first on line %d)", scalar(k), node_line(k2));
                return 0;
            }
        }
    }
    return 1;
}

/* Text of one value of config key `info` for fc_config_set, type-checked. For hidden_dims
 * the node is a list of positive integers (or one integer) and becomes "300,200". */
static int value_text(const struct ctx *x, const yaml_node_t *n, const struct fc_key_info *info,
                      const char *key, char *out, size_t outsize)
{
    const char *t = scalar(n);
    long l;
    double d;
    uint64_t u;
    if (info->type == FC_KEY_DIMS) {
        size_t used = 0;
        int i, cnt;
        if (t && !is_null(n)) {
            if (!parse_long(t, &l) || l <= 0) {
                err(x, n, key, "expected a list of positive integers like [300, 200], got '%s'", t);
                return 0;
            }
            snprintf(out, outsize, "%ld", l);
            return 1;
        }
        if (n->type != YAML_SEQUENCE_NODE) {
            err(x, n, key, "expected a list of positive integers like [300, 200], got %s", type_name(n));
            return 0;
        }
        cnt = node_count(n);
        if (cnt == 0) {
            err(x, n, key, "the list of hidden sizes is empty");
            return 0;
        }
        if (cnt > FC_MAX_HIDDEN) {
            err(x, n, key, "%d hidden layers; at most %d are supported", cnt, FC_MAX_HIDDEN);
            return 0;
        }
        out[0] = '\0';
        for (i = 0; i < cnt; i++) {
            yaml_node_t *it = seq_item(x, n, i);
            const char *it_t = scalar(it);
            int w;
            if (!it_t || !parse_long(it_t, &l) || l <= 0 || l > 1000000) {
                err(x, it, key, "hidden size %d: expected a positive integer, got %s%s%s", i + 1,
                    it_t ? "'" : "", it_t ? it_t : type_name(it), it_t ? "'" : "");
                return 0;
            }
            w = snprintf(out + used, outsize - used, "%s%ld", i ? "," : "", l);
            if (w < 0 || (size_t)w >= outsize - used) {
                err(x, n, key, "list too long");
                return 0;
            }
            used += (size_t)w;
        }
        return 1;
    }
    if (!t || is_null(n)) {
        err(x, n, key, "expected a single value, got %s", type_name(n));
        return 0;
    }
    switch (info->type) {
    case FC_KEY_INT:
        if (!parse_long(t, &l)) {
            err(x, n, key, "expected an integer, got '%s'", t);
            return 0;
        }
        break;
    case FC_KEY_REAL:
        if (!parse_double(t, &d)) {
            err(x, n, key, "expected a number, got '%s'", t);
            return 0;
        }
        break;
    case FC_KEY_U64:
        if (!parse_u64(t, &u)) {
            err(x, n, key, "expected a non-negative integer, got '%s'", t);
            return 0;
        }
        break;
    case FC_KEY_ENUM:
    case FC_KEY_DIMS:
        break;
    }
    if (strlen(t) >= outsize) {
        err(x, n, key, "value too long");
        return 0;
    }
    snprintf(out, outsize, "%s", t);
    return 1;
}

/* The value must be accepted by fc_config_set (enum names ...) and, with the defaults
 * around it, by fc_config_validate: catches a negative learning rate at its line. */
static int check_with_core(const struct ctx *x, const yaml_node_t *at, const char *key,
                           const char *text)
{
    struct fc_config c;
    fc_config_defaults(&c, FC_MODEL_FC);
    if (strcmp(key, "model") == 0) {
        if (fc_config_set(&c, key, text) != FC_OK) {
            err(x, at, key, "value '%s' is not accepted (see the message above)", text);
            return 0;
        }
        return 1;
    }
    if (fc_config_set(&c, key, text) != FC_OK) {
        err(x, at, key, "value '%s' is not accepted (see the message above)", text);
        return 0;
    }
    if (fc_config_validate(&c) != FC_OK) {
        err(x, at, key, "value '%s' is rejected by the core (see the message above)", text);
        return 0;
    }
    return 1;
}

static int add_value(const struct ctx *x, struct fc_spec_param *p, const yaml_node_t *n,
                     const char *key)
{
    char text[FC_SPEC_VALUE_LEN];
    int i;
    if (!value_text(x, n, p->info, key, text, sizeof text)) return 0;
    if (!check_with_core(x, n, p->info->name, text)) return 0;
    for (i = 0; i < p->nvalues; i++) {
        double a, b;
        int numeric = p->info->type != FC_KEY_ENUM && p->info->type != FC_KEY_DIMS;
        if (strcmp(p->values[i], text) == 0
            || (numeric && parse_double(p->values[i], &a) && parse_double(text, &b) && a == b)) {
            err(x, n, key, "value '%s' is listed twice", text);
            return 0;
        }
    }
    snprintf(p->values[p->nvalues++], FC_SPEC_VALUE_LEN, "%s", text);
    return 1;
}

static int parse_values_list(const struct ctx *x, struct fc_spec_param *p, const yaml_node_t *v,
                             const char *key)
{
    int i, cnt;
    if (v->type != YAML_SEQUENCE_NODE) {
        err(x, v, key, "'values' must be a list, got %s", type_name(v));
        return 0;
    }
    cnt = node_count(v);
    if (cnt == 0) {
        err(x, v, key, "'values' is empty: the grid would have no points");
        return 0;
    }
    p->values = calloc((size_t)cnt, sizeof *p->values);
    if (!p->values) {
        fc_log(FC_LOG_ERROR, "%s: out of memory\n", x->s->file);
        return 0;
    }
    for (i = 0; i < cnt; i++)
        if (!add_value(x, p, seq_item(x, v, i), key)) return 0;
    return 1;
}

static int parse_bound(const struct ctx *x, const yaml_node_t *v, const char *key, const char *which,
                       double *out)
{
    const char *t = scalar(v);
    if (!t || is_null(v) || !parse_double(t, out)) {
        err(x, v, key, "'%s' must be a number, got %s%s%s", which, t ? "'" : "", t ? t : type_name(v),
            t ? "'" : "");
        return 0;
    }
    return 1;
}

/* One entry under parameters: KEY: {value | values | distribution, min, max}. */
static int parse_param(const struct ctx *x, const yaml_node_t *kn, const yaml_node_t *body)
{
    struct fc_spec *s = x->s;
    struct fc_spec_param *p;
    const struct fc_key_info *info;
    const char *key = scalar(kn);
    const yaml_node_t *n_value = NULL, *n_values = NULL, *n_dist = NULL, *n_min = NULL, *n_max = NULL;
    int i, cnt;

    info = fc_config_find_key(key);
    if (!info) {
        err(x, kn, key, "unknown parameter (run 'fcsweep train --help' for the keys)");
        return 0;
    }
    if (strcmp(info->name, "seed") == 0) {
        err(x, kn, key, "a trial's seed derives from the sweep seed and the trial id; set the top-level 'seed'");
        return 0;
    }
    if (strcmp(info->name, "num_train") == 0 || strcmp(info->name, "num_val") == 0
        || strcmp(info->name, "num_test") == 0) {
        err(x, kn, key, "data sizes are set once for the sweep under 'data:', not swept");
        return 0;
    }
    for (i = 0; i < s->nparams; i++) {
        if (strcmp(s->params[i].key, info->name) == 0) {
            err(x, kn, key, "parameter given twice (first on line %d)", s->params[i].line);
            return 0;
        }
    }
    if (s->nparams == FC_SPEC_MAX_PARAMS) {
        err(x, kn, key, "too many parameters (at most %d)", FC_SPEC_MAX_PARAMS);
        return 0;
    }
    if (body->type != YAML_MAPPING_NODE) {
        err(x, body, key, "expected a mapping like {value: ...}, {values: [...]} or {distribution: ...}, got %s",
            type_name(body));
        return 0;
    }
    if (!check_mapping_keys(x, body, key)) return 0;
    p = &s->params[s->nparams++];
    memset(p, 0, sizeof *p);
    snprintf(p->key, sizeof p->key, "%s", info->name);
    p->info = info;
    p->line = node_line(kn);

    cnt = node_count(body);
    for (i = 0; i < cnt; i++) {
        yaml_node_t *k, *v;
        const char *name;
        map_pair(x, body, i, &k, &v);
        name = scalar(k);
        if (strcmp(name, "value") == 0) n_value = v;
        else if (strcmp(name, "values") == 0) n_values = v;
        else if (strcmp(name, "distribution") == 0) n_dist = v;
        else if (strcmp(name, "min") == 0) n_min = v;
        else if (strcmp(name, "max") == 0) n_max = v;
        else {
            err(x, k, key, "unknown field '%s' (use value, values, or distribution with min/max/values)", name);
            return 0;
        }
    }
    if ((n_value != NULL) + (n_values != NULL && !n_dist) + (n_dist != NULL) != 1) {
        err(x, kn, key, "give exactly one of 'value', 'values' or 'distribution'");
        return 0;
    }
    if (n_value) {
        if (n_min || n_max) {
            err(x, n_min ? n_min : n_max, key, "'min'/'max' belong to a distribution");
            return 0;
        }
        p->kind = FC_PARAM_VALUE;
        p->values = calloc(1, sizeof *p->values);
        if (!p->values) {
            fc_log(FC_LOG_ERROR, "%s: out of memory\n", s->file);
            return 0;
        }
        return add_value(x, p, n_value, key);
    }
    if (!n_dist) {
        if (n_min || n_max) {
            err(x, n_min ? n_min : n_max, key, "'min'/'max' belong to a distribution");
            return 0;
        }
        p->kind = FC_PARAM_VALUES;
        return parse_values_list(x, p, n_values, key);
    }
    /* distribution */
    {
        const char *d = scalar(n_dist);
        if (!d || is_null(n_dist)) {
            err(x, n_dist, key, "'distribution' must be a name, got %s", type_name(n_dist));
            return 0;
        }
        if (strcmp(d, "categorical") == 0) {
            if (!n_values || n_min || n_max) {
                err(x, n_dist, key, "distribution categorical takes 'values' (and no min/max)");
                return 0;
            }
            p->kind = FC_PARAM_CATEGORICAL;
            return parse_values_list(x, p, n_values, key);
        }
        if (strcmp(d, "uniform") == 0) p->kind = FC_PARAM_UNIFORM;
        else if (strcmp(d, "log_uniform_values") == 0) p->kind = FC_PARAM_LOG_UNIFORM;
        else if (strcmp(d, "int_uniform") == 0) p->kind = FC_PARAM_INT_UNIFORM;
        else {
            err(x, n_dist, key,
                "unknown distribution '%s' (uniform, log_uniform_values, int_uniform, categorical)", d);
            return 0;
        }
        if (n_values) {
            err(x, n_values, key, "distribution %s takes 'min' and 'max', not 'values'", d);
            return 0;
        }
        if (!n_min || !n_max) {
            err(x, n_dist, key, "distribution %s needs both 'min' and 'max'", d);
            return 0;
        }
        if (p->info->type == FC_KEY_ENUM || p->info->type == FC_KEY_DIMS) {
            err(x, n_dist, key, "distribution %s needs a numeric parameter; use 'values' or categorical", d);
            return 0;
        }
        if (!parse_bound(x, n_min, key, "min", &p->min) || !parse_bound(x, n_max, key, "max", &p->max))
            return 0;
        if (p->min > p->max) {
            err(x, n_min, key, "min (%g) > max (%g)", p->min, p->max);
            return 0;
        }
        if (p->kind == FC_PARAM_LOG_UNIFORM && p->min <= 0) {
            err(x, n_min, key, "log_uniform_values needs min > 0, got %g", p->min);
            return 0;
        }
        if (p->kind == FC_PARAM_INT_UNIFORM || p->info->type == FC_KEY_INT || p->info->type == FC_KEY_U64) {
            if (p->min != floor(p->min) || p->max != floor(p->max)) {
                err(x, n_min, key, "integer parameter: min and max must be integers");
                return 0;
            }
            if (p->kind != FC_PARAM_INT_UNIFORM) {
                err(x, n_dist, key, "integer parameter: use distribution int_uniform");
                return 0;
            }
        }
        /* both ends must be acceptable to the core */
        {
            char t[64];
            if (p->kind == FC_PARAM_INT_UNIFORM) snprintf(t, sizeof t, "%.0f", p->min);
            else snprintf(t, sizeof t, "%.17g", p->min);
            if (!check_with_core(x, n_min, p->key, t)) return 0;
            if (p->kind == FC_PARAM_INT_UNIFORM) snprintf(t, sizeof t, "%.0f", p->max);
            else snprintf(t, sizeof t, "%.17g", p->max);
            if (!check_with_core(x, n_max, p->key, t)) return 0;
        }
        return 1;
    }
}

static int parse_int_field(const struct ctx *x, const yaml_node_t *v, const char *key, long lo, long hi,
                           long *out)
{
    const char *t = scalar(v);
    if (!t || is_null(v) || !parse_long(t, out)) {
        err(x, v, key, "expected an integer, got %s%s%s", t ? "'" : "", t ? t : type_name(v), t ? "'" : "");
        return 0;
    }
    if (*out < lo || *out > hi) {
        err(x, v, key, "%ld is out of range [%ld, %ld]", *out, lo, hi);
        return 0;
    }
    return 1;
}

static int parse_data(const struct ctx *x, const yaml_node_t *v)
{
    int i, cnt;
    if (v->type != YAML_MAPPING_NODE) {
        err(x, v, "data", "expected a mapping like {num_train: 49000, num_val: 1000}, got %s", type_name(v));
        return 0;
    }
    if (!check_mapping_keys(x, v, "data")) return 0;
    cnt = node_count(v);
    for (i = 0; i < cnt; i++) {
        yaml_node_t *k, *val;
        long l;
        char key[64];
        map_pair(x, v, i, &k, &val);
        snprintf(key, sizeof key, "data.%.50s", scalar(k) ? scalar(k) : "?");
        if (strcmp(scalar(k), "num_train") == 0) {
            if (!parse_int_field(x, val, key, 1, 50000, &l)) return 0;
            x->s->num_train = (int)l;
        } else if (strcmp(scalar(k), "num_val") == 0) {
            if (!parse_int_field(x, val, key, 1, 50000, &l)) return 0;
            x->s->num_val = (int)l;
        } else if (strcmp(scalar(k), "num_test") == 0) {
            if (!parse_int_field(x, val, key, 0, 10000, &l)) return 0;
            x->s->num_test = (int)l;
        } else {
            err(x, k, key, "unknown data field (num_train, num_val, num_test)");
            return 0;
        }
    }
    if (x->s->num_train + x->s->num_val > 50000) {
        err(x, v, "data", "num_train + num_val = %d exceeds the 50000 training images",
            x->s->num_train + x->s->num_val);
        return 0;
    }
    return 1;
}

static int parse_metric(const struct ctx *x, const yaml_node_t *v)
{
    int i, cnt;
    if (scalar(v) && !is_null(v)) {
        snprintf(x->s->metric, sizeof x->s->metric, "%s", scalar(v));
    } else if (v->type == YAML_MAPPING_NODE) {
        if (!check_mapping_keys(x, v, "metric")) return 0;
        cnt = node_count(v);
        for (i = 0; i < cnt; i++) {
            yaml_node_t *k, *val;
            const char *t;
            map_pair(x, v, i, &k, &val);
            t = scalar(val);
            if (strcmp(scalar(k), "name") == 0) {
                if (!t) {
                    err(x, val, "metric.name", "expected a name, got %s", type_name(val));
                    return 0;
                }
                snprintf(x->s->metric, sizeof x->s->metric, "%s", t);
            } else if (strcmp(scalar(k), "goal") == 0) {
                if (!t || strcmp(t, "maximize") != 0) {
                    err(x, val, "metric.goal", "only 'maximize' is supported (the metric is val_acc)");
                    return 0;
                }
            } else {
                err(x, k, "metric", "unknown field '%s' (name, goal)", scalar(k));
                return 0;
            }
        }
    } else {
        err(x, v, "metric", "expected {name: val_acc, goal: maximize}, got %s", type_name(v));
        return 0;
    }
    if (strcmp(x->s->metric, "val_acc") != 0 && strcmp(x->s->metric, "best_val_acc") != 0) {
        err(x, v, "metric", "unknown metric '%s' (only val_acc: the best validation accuracy)", x->s->metric);
        return 0;
    }
    snprintf(x->s->metric, sizeof x->s->metric, "val_acc");
    return 1;
}

static int valid_name(const char *t)
{
    size_t i;
    if (!t[0] || t[0] == '.') return 0;
    for (i = 0; t[i]; i++) {
        char ch = t[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '_'
              || ch == '-' || ch == '.'))
            return 0;
    }
    return 1;
}

static int parse_root(const struct ctx *x, const yaml_node_t *root)
{
    struct fc_spec *s = x->s;
    const yaml_node_t *params = NULL, *params_key = NULL, *method = NULL, *run_cap = NULL, *name = NULL;
    int i, cnt;
    if (!root || (root->type == YAML_SCALAR_NODE && is_null(root))) {
        fc_log(FC_LOG_ERROR, "%s: the spec is empty\n", s->file);
        return 0;
    }
    if (root->type != YAML_MAPPING_NODE) {
        err(x, root, "spec", "expected a mapping with name, method, parameters, ..., got %s", type_name(root));
        return 0;
    }
    if (!check_mapping_keys(x, root, "spec")) return 0;
    cnt = node_count(root);
    for (i = 0; i < cnt; i++) {
        yaml_node_t *k, *v;
        const char *key;
        map_pair(x, root, i, &k, &v);
        key = scalar(k);
        if (strcmp(key, "name") == 0) {
            name = v;
            if (!scalar(v) || is_null(v) || !valid_name(scalar(v)) || strlen(scalar(v)) >= sizeof s->name) {
                err(x, v, "name", "expected a short name of letters, digits, '_', '-', '.' (it names the results folder)");
                return 0;
            }
            snprintf(s->name, sizeof s->name, "%s", scalar(v));
        } else if (strcmp(key, "method") == 0) {
            method = v;
            if (scalar(v) && strcmp(scalar(v), "grid") == 0) s->method = FC_METHOD_GRID;
            else if (scalar(v) && strcmp(scalar(v), "random") == 0) s->method = FC_METHOD_RANDOM;
            else {
                err(x, v, "method", "expected grid or random, got %s%s%s", scalar(v) ? "'" : "",
                    scalar(v) ? scalar(v) : type_name(v), scalar(v) ? "'" : "");
                return 0;
            }
        } else if (strcmp(key, "metric") == 0) {
            if (!parse_metric(x, v)) return 0;
        } else if (strcmp(key, "seed") == 0) {
            if (!scalar(v) || is_null(v) || !parse_u64(scalar(v), &s->seed)) {
                err(x, v, "seed", "expected a non-negative integer");
                return 0;
            }
        } else if (strcmp(key, "run_cap") == 0) {
            run_cap = v;
            if (!parse_int_field(x, v, "run_cap", 1, FC_SPEC_MAX_TRIALS, &s->run_cap)) return 0;
        } else if (strcmp(key, "data") == 0) {
            if (!parse_data(x, v)) return 0;
        } else if (strcmp(key, "parameters") == 0) {
            params = v;
            params_key = k;
        } else if (strcmp(key, "description") == 0 || strcmp(key, "program") == 0) {
            /* W&B fields we accept and ignore */
        } else {
            err(x, k, key, "unknown top-level key (name, method, metric, seed, run_cap, data, parameters, description)");
            return 0;
        }
    }
    if (!name) {
        err(x, root, "name", "missing: the spec needs a name (it names the results folder)");
        return 0;
    }
    if (!method) {
        err(x, root, "method", "missing: grid or random");
        return 0;
    }
    if (!params) {
        err(x, root, "parameters", "missing: the spec needs a 'parameters' mapping");
        return 0;
    }
    if (params->type != YAML_MAPPING_NODE || node_count(params) == 0) {
        err(x, params_key, "parameters", "expected a non-empty mapping of config keys, got %s%s",
            params->type == YAML_MAPPING_NODE ? "an empty one" : type_name(params), "");
        return 0;
    }
    if (!check_mapping_keys(x, params, "parameters")) return 0;
    cnt = node_count(params);
    for (i = 0; i < cnt; i++) {
        yaml_node_t *k, *v;
        map_pair(x, params, i, &k, &v);
        if (!parse_param(x, k, v)) return 0;
    }
    if (s->method == FC_METHOD_GRID) {
        for (i = 0; i < s->nparams; i++) {
            const struct fc_spec_param *p = &s->params[i];
            if (p->kind != FC_PARAM_VALUE && p->kind != FC_PARAM_VALUES && p->kind != FC_PARAM_CATEGORICAL) {
                fc_log(FC_LOG_ERROR, "%s:%d: %s: grid search needs 'values' (a %s distribution has no grid points)\n",
                       s->file, p->line, p->key,
                       p->kind == FC_PARAM_UNIFORM ? "uniform" : p->kind == FC_PARAM_LOG_UNIFORM ? "log_uniform_values" : "int_uniform");
                return 0;
            }
        }
    } else if (!run_cap) {
        err(x, method, "run_cap", "random search needs run_cap (the number of trials)");
        return 0;
    }
    return 1;
}

enum fc_status fc_spec_parse(struct fc_spec *s, const char *text, size_t len, const char *file)
{
    yaml_parser_t parser;
    yaml_document_t doc;
    int parser_ok = 0, doc_ok = 0;
    enum fc_status st = FC_STATUS_BAD_CONFIG;
    struct ctx x;
    struct fc_config defaults;

    memset(s, 0, sizeof *s);
    snprintf(s->file, sizeof s->file, "%s", file ? file : "spec");
    fc_config_defaults(&defaults, FC_MODEL_FC);
    s->num_train = defaults.num_train;
    s->num_val = defaults.num_val;
    s->num_test = defaults.num_test;
    snprintf(s->metric, sizeof s->metric, "val_acc");

    s->text = malloc(len + 1);
    if (!s->text) {
        st = FC_STATUS_NOMEM;
        fc_log(FC_LOG_ERROR, "%s: out of memory\n", s->file);
        goto cleanup;
    }
    memcpy(s->text, text, len);
    s->text[len] = '\0';
    s->text_len = len;

    if (!yaml_parser_initialize(&parser)) {
        st = FC_STATUS_NOMEM;
        fc_log(FC_LOG_ERROR, "%s: cannot start the YAML parser\n", s->file);
        goto cleanup;
    }
    parser_ok = 1;
    yaml_parser_set_input_string(&parser, (const unsigned char *)s->text, len);
    if (!yaml_parser_load(&parser, &doc)) {
        fc_log(FC_LOG_ERROR, "%s:%d:%d: YAML syntax error: %s%s%s\n", s->file,
               (int)parser.problem_mark.line + 1, (int)parser.problem_mark.column + 1,
               parser.problem ? parser.problem : "unknown problem", parser.context ? " " : "",
               parser.context ? parser.context : "");
        goto cleanup;
    }
    doc_ok = 1;
    x.s = s;
    x.doc = &doc;
    if (!parse_root(&x, yaml_document_get_root_node(&doc))) goto cleanup;
    st = FC_OK;
cleanup:
    if (doc_ok) yaml_document_delete(&doc);
    if (parser_ok) yaml_parser_delete(&parser);
    return st;
}

void fc_spec_free(struct fc_spec *s)
{
    int i;
    if (!s) return;
    for (i = 0; i < s->nparams && i < FC_SPEC_MAX_PARAMS; i++) free(s->params[i].values);
    free(s->text);
    memset(s, 0, sizeof *s);
}
