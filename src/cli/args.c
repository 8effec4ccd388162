/* Command-line flags for the hyperparameters: every key of the config table is a flag
 * named after it with dashes (--learning-rate 1e-3, --hidden-dims 300,200). Other flags
 * are handed back to the subcommand through a callback.
 * Does not: print anything but usage errors and help. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

/* Does `name` match an entry of `flags` ("save=" takes a value, "quiet" does not)?
 * Returns 1 (with value), 0 (boolean), -1 (no match). */
static int match_extra(const char *name, size_t len, const char *const *flags)
{
    for (int i = 0; flags && flags[i]; i++) {
        size_t fl = strlen(flags[i]);
        int takes = fl > 0 && flags[i][fl - 1] == '=';
        if (takes) fl--;
        if (fl == len && strncmp(name, flags[i], len) == 0) return takes;
    }
    return -1;
}

int fc_cli_parse_config(int argc, char **argv, struct fc_config *c, fc_cli_extra_opt extra,
                        const char *const *extra_flags, void *user)
{
    /* pass 1: the model kind decides the defaults */
    enum fc_model_kind kind = FC_MODEL_TWO;
    for (int i = 1; i < argc; i++) {
        const char *v = NULL;
        if (strcmp(argv[i], "--model") == 0 && i + 1 < argc) v = argv[i + 1];
        else if (strncmp(argv[i], "--model=", 8) == 0) v = argv[i] + 8;
        if (v) {
            if (strcmp(v, "fc") == 0) kind = FC_MODEL_FC;
            else if (strcmp(v, "two") != 0) {
                fprintf(stderr, "fcsweep: error: --model must be 'two' or 'fc', not '%s'\n", v);
                return 2;
            }
        }
    }
    fc_config_defaults(c, kind);

    /* pass 2: every flag in order */
    int lr_given = 0;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (strncmp(arg, "--", 2) != 0) {
            fprintf(stderr, "fcsweep: error: unexpected argument '%s' (see --help)\n", arg);
            return 2;
        }
        const char *name = arg + 2, *eq = strchr(name, '=');
        size_t len = eq ? (size_t)(eq - name) : strlen(name);
        const char *value = eq ? eq + 1 : NULL;
        int takes = match_extra(name, len, extra_flags);
        char key[64];
        if (len >= sizeof key) len = sizeof key - 1;
        memcpy(key, name, len);
        key[len] = '\0';
        if (takes < 0 && !fc_config_find_key(key)) {
            fprintf(stderr, "fcsweep: error: unknown option '--%s' (see --help)\n", key);
            return 2;
        }
        if (takes != 0 && !value) {
            if (i + 1 >= argc) {
                fprintf(stderr, "fcsweep: error: option '--%s' needs a value\n", key);
                return 2;
            }
            value = argv[++i];
        }
        if (takes >= 0) {
            if (extra(key, value, user) != 0) return 2;
            continue;
        }
        if (fc_config_set(c, key, value) != FC_OK) return 2;
        if (fc_config_find_key(key) == fc_config_find_key("learning_rate")) lr_given = 1;
    }
    if (!lr_given) c->learning_rate = fc_default_learning_rate(c->update_rule);
    if (c->model == FC_MODEL_TWO && c->num_hidden != 1) {
        fprintf(stderr, "fcsweep: error: --model two takes one hidden size (--hidden-dims 100); "
                        "use --model fc for deeper nets\n");
        return 2;
    }
    return 0;
}

void fc_cli_print_config_help(const struct fc_config *d)
{
    char val[128], flag[64];
    for (int i = 0; i < fc_config_num_keys(); i++) {
        const struct fc_key_info *k = fc_config_key(i);
        size_t n = strlen(k->name);
        for (size_t j = 0; j <= n; j++) flag[j] = k->name[j] == '_' ? '-' : k->name[j];
        fc_config_get(d, k->name, val, sizeof val);
        if (k->type == FC_KEY_REAL) snprintf(val, sizeof val, "%g", fc_config_get_number(d, k->name));
        printf("  --%-20s %s (default: %s)\n", flag, k->help, val);
    }
}
