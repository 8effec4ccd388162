/* Every hyperparameter of a training run in one struct, with one table of names, so the
 * CLI flags, sweep specs and model-file attributes all use the same keys and checks. */
#ifndef FCNET_CONFIG_H
#define FCNET_CONFIG_H

#include <stdint.h>

#include "fcnet/layers.h"
#include "fcnet/status.h"

#define FC_MAX_HIDDEN 16

enum fc_model_kind { FC_MODEL_TWO = 0, FC_MODEL_FC };
enum fc_update_rule { FC_RULE_SGD = 0, FC_RULE_SGD_MOMENTUM, FC_RULE_RMSPROP, FC_RULE_ADAM };

struct fc_config {
    /* model */
    enum fc_model_kind model;
    int num_hidden;                 /* number of hidden layers (L - 1) */
    int hidden_dims[FC_MAX_HIDDEN];
    int input_dim, num_classes;
    double weight_scale, reg, dropout; /* dropout: keep probability, 1 = none */
    enum fc_norm normalization;
    /* optimizer */
    enum fc_update_rule update_rule;
    double learning_rate, momentum, decay_rate, beta1, beta2, epsilon;
    /* solver */
    double lr_decay;
    int num_epochs, batch_size, num_train_samples, num_val_samples; /* 0 = all val */
    int print_every;
    uint64_t seed;
    /* data split */
    int num_train, num_val, num_test;
};

/* Defaults of the assignment for a model kind: two = TwoLayerNet (hidden 100,
 * weight_scale 1e-3), fc = FullyConnectedNet ([100, 100], weight_scale 1e-2);
 * update rule sgd with lr 1e-2. */
void fc_config_defaults(struct fc_config *c, enum fc_model_kind kind);
/* The assignment's default learning rate of an update rule (1e-2; adam 1e-3), for
 * callers that change the rule without giving a learning rate. */
double fc_default_learning_rate(enum fc_update_rule r);

/* Set one key from text. key uses underscores or dashes ("learning_rate" or
 * "learning-rate"); hidden_dims takes "300,200,150". Returns FC_STATUS_BAD_CONFIG with a
 * logged message naming the key on unknown keys or unparsable values. */
enum fc_status fc_config_set(struct fc_config *c, const char *key, const char *value);

/* Check every value the core would reject (hidden size 0, dropout outside (0, 1],
 * negative learning rate, ...). Logs one message naming the key. */
enum fc_status fc_config_validate(const struct fc_config *c);

/* Table of the keys, for --help, sweep specs and HDF5 attributes. */
enum fc_key_type { FC_KEY_INT, FC_KEY_REAL, FC_KEY_ENUM, FC_KEY_DIMS, FC_KEY_U64 };
struct fc_key_info {
    const char *name;       /* underscore form */
    enum fc_key_type type;
    const char *help;
};
/* Number of keys; fc_config_key(i) for i < that. */
int fc_config_num_keys(void);
const struct fc_key_info *fc_config_key(int i);
const struct fc_key_info *fc_config_find_key(const char *name); /* dashes allowed; NULL if none */
/* Format key's value as text into buf (e.g. "0.0005", "adam", "300,200,150"). */
void fc_config_get(const struct fc_config *c, const char *key, char *buf, int bufsize);
/* Numeric value of a key (enums as their index, dims: number of hidden layers). */
double fc_config_get_number(const struct fc_config *c, const char *key);

const char *fc_norm_name(enum fc_norm n);
const char *fc_rule_name(enum fc_update_rule r);
const char *fc_model_kind_name(enum fc_model_kind k);

#endif
