/* orl train: fit a policy on logged sessions, evaluate it, save it. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <offlinerl/offlinerl.h>

#include "commands.h"

static void train_usage(FILE *f)
{
    fprintf(
        f,
        "usage: orl train --data FILE --out MODEL.orl [options]\n\n"
        "  --algo NAME       training algorithm (default sl): sl, sqn, sac, snqn, sa2c; the\n"
        "                    constrained / pessimistic value methods bcq, cql, sqn_cql, rem,\n"
        "                    sqn_rem; the off-policy policy gradient reinforce\n"
        "                    (docs/guides/algorithms.md)\n"
        "  --test-data FILE  evaluate on this file after training\n"
        "  --holdout F       or hold out a fraction F of the sessions as test data\n"
        "  --valid-data FILE evaluate on this file after every epoch\n"
        "  --report FILE     write an HTML training report (learning curves, test metrics,\n"
        "                    configuration); with --holdout F and no --valid-data, the held-out\n"
        "                    sessions are split in half: F/2 validation (evaluated after every\n"
        "                    epoch, for the curves) and F/2 test\n"
        "  --epochs N --batch N --lr X --seed S --threads N (0 = all cores)\n"
        "  --encoder NAME    sequence encoder: gru4rec (default), sasrec, caser, nextitnet\n"
        "  --embed N --hidden N        encoder sizes (default 64, 64; SASRec and NextItNet\n"
        "                    need them equal); the history length is --window\n"
        "  --dropout X       dropout while training, [0, 1) (default: the encoder's own,\n"
        "                    0 for gru4rec and nextitnet, 0.1 for sasrec and caser)\n"
        "  --encoder-set KEY=VALUE     an encoder setting (repeatable): sasrec num_blocks,\n"
        "                    num_heads; caser num_filters, num_v_filters, filter_heights=2,3,4;\n"
        "                    nextitnet kernel_size, independent_init, dilations=1,2,1,2,1,2\n"
        "                    (docs/guides/encoders.md lists ranges and defaults)\n"
        "  --set KEY=VALUE   any trainer setting by name (repeatable), e.g. gamma=0.5;\n"
        "                    bcq threshold, target_update, tau, reg; cql and sqn_cql alpha;\n"
        "                    rem heads, target_update, tau; sqn_rem heads, vpq_c; reinforce\n"
        "                    gamma, clip, smooth, normalize, topk, entropy, beta (0 learned\n"
        "                    head, 1 logged propensities)\n"
        "  --topk K --clip C reinforce: the same as --set topk=K --set clip=C\n"
        "  --generative-model G.orl    bcq: use this trained model's supervised head (e.g.\n"
        "                    one trained with --algo sl on the same data) as G, kept fixed;\n"
        "                    its encoder may differ, its catalogue and window must match\n"
        "  --json            print the result as one JSON object on stdout\n"
        "  --quiet           no progress bar\n\n%s",
        cli_data_options_help);
}

typedef struct progress_state {
    int bar;
    double last_draw;
} progress_state;

static int on_progress(const orl_progress *p, void *ud)
{
    progress_state *st = ud;
    if (!st->bar) return 0;
    if (!p->end_of_epoch && p->elapsed_s - st->last_draw < 0.1 && p->step != p->total_steps)
        return 0;
    st->last_draw = p->elapsed_s;
    int width = 30, filled = (int)((double)width * (double)p->step / (double)p->total_steps);
    fprintf(stderr, "\r  epoch %u/%u [%.*s%*s] loss %.4f  %.0f transitions/s  %.1fs ", p->epoch,
            p->epochs, filled, "##############################", width - filled, "",
            (double)p->epoch_loss, p->transitions_per_s, p->elapsed_s);
    if (p->end_of_epoch && p->validation)
        fprintf(stderr, " valid HR@10 %.4f/%.4f", p->validation->click_hr[1],
                p->validation->purchase_hr[1]);
    if (p->end_of_epoch) fprintf(stderr, "\n");
    return 0;
}

/* A bad encoder option is a usage error: the library's message, exit status 2. */
static int encoder_usage(const char *what)
{
    cli_fail(what);
    return 2;
}

/* One --encoder-set KEY=VALUE: `dropout` is a float, `filter_heights` and `dilations` are
 * comma-separated integers, every other key an integer. */
static int encoder_set(orl_encoder *enc, const char *kv)
{
    const char *eq = strchr(kv, '=');
    char key[64];
    if (!eq || eq == kv || (size_t)(eq - kv) >= sizeof key) {
        fprintf(stderr, "orl train: --encoder-set expects KEY=VALUE, got '%s'\n", kv);
        return 2;
    }
    memcpy(key, kv, (size_t)(eq - kv));
    key[eq - kv] = '\0';
    const char *v = eq + 1;
    if (strcmp(key, "window") == 0) {
        fprintf(stderr, "orl train: the encoder's window is --window N (it also sets the "
                        "dataset's history length)\n");
        return 2;
    }
    char *end = NULL;
    errno = 0;
    if (strcmp(key, "dropout") == 0) {
        double x = strtod(v, &end);
        if (errno || end == v || *end) {
            fprintf(stderr, "orl train: --encoder-set dropout: '%s' is not a number\n", v);
            return 2;
        }
        return orl_encoder_set_float(enc, key, x) == ORL_OK ? 0 : encoder_usage("--encoder-set");
    }
    if (strcmp(key, "filter_heights") == 0 || strcmp(key, "dilations") == 0) {
        int32_t values[64];
        size_t n = 0;
        for (const char *p = v;; p = end + 1) {
            long x = strtol(p, &end, 10);
            if (errno || end == p || (*end && *end != ',') || n == 64 || x < INT32_MIN ||
                x > INT32_MAX) {
                fprintf(stderr,
                        "orl train: --encoder-set %s expects integers separated by commas, got "
                        "'%s'\n",
                        key, v);
                return 2;
            }
            values[n++] = (int32_t)x;
            if (!*end) break;
        }
        return orl_encoder_set_int_list(enc, key, values, n) == ORL_OK
                   ? 0
                   : encoder_usage("--encoder-set");
    }
    long long x = strtoll(v, &end, 10);
    if (errno || end == v || *end) {
        fprintf(stderr, "orl train: --encoder-set %s: '%s' is not an integer\n", key, v);
        return 2;
    }
    return orl_encoder_set_int(enc, key, (int64_t)x) == ORL_OK ? 0 : encoder_usage("--encoder-set");
}

/* The encoder the options ask for (--encoder, --embed, --hidden, --window, --dropout, every
 * --encoder-set in order); 0, or 2 after printing why. */
static int make_encoder(int argc, char **argv, long embed, long hidden, long window,
                        orl_encoder **out)
{
    orl_encoder_params ep;
    orl_encoder_params_init(&ep);
    const char *kind = cli_opt(argc, argv, "--encoder");
    if (kind) ep.architecture = kind;
    ep.embed_dim = (uint32_t)embed;
    ep.hidden_dim = (uint32_t)hidden;
    ep.window = (uint32_t)window;
    orl_encoder *enc = NULL;
    if (orl_encoder_create(&ep, &enc) != ORL_OK) return encoder_usage("--encoder");
    int rc = 0;
    const char *dropout = cli_opt(argc, argv, "--dropout");
    if (dropout) {
        double x;
        rc = cli_opt_double(argc, argv, "--dropout", 0.0, &x);
        if (!rc && orl_encoder_set_float(enc, "dropout", x) != ORL_OK)
            rc = encoder_usage("--dropout");
    }
    for (int i = 1; !rc && i < argc; i++) {
        if (strncmp(argv[i], "--encoder-set", 13) != 0) continue;
        if (argv[i][13] == '=')
            rc = encoder_set(enc, argv[i] + 14);
        else if (argv[i][13] == '\0' && i + 1 < argc)
            rc = encoder_set(enc, argv[++i]);
        else if (argv[i][13] == '\0') {
            fprintf(stderr, "orl train: --encoder-set expects KEY=VALUE\n");
            rc = 2;
        }
    }
    if (rc) {
        orl_encoder_free(enc);
        return rc;
    }
    *out = enc;
    return 0;
}

/* The encoder's every setting as JSON (a caller-freed string), or NULL. */
static char *encoder_json(const orl_encoder *enc)
{
    size_t need = 0;
    if (orl_encoder_config_json(enc, NULL, 0, &need) != ORL_OK) return NULL;
    char *s = malloc(need);
    if (s && orl_encoder_config_json(enc, s, need, &need) != ORL_OK) {
        free(s);
        s = NULL;
    }
    return s;
}

/* --topk K and --clip C: aliases of reinforce's settings. */
static int apply_aliases(orl_trainer *t, int argc, char **argv)
{
    static const char *const aliases[][2] = {{"--topk", "topk"}, {"--clip", "clip"}};
    for (size_t k = 0; k < sizeof aliases / sizeof aliases[0]; k++) {
        if (!cli_opt(argc, argv, aliases[k][0])) continue;
        double v;
        int rc = cli_opt_double(argc, argv, aliases[k][0], 0.0, &v);
        if (rc) return rc;
        if (orl_trainer_set_float(t, aliases[k][1], v) != ORL_OK) return cli_fail(aliases[k][0]);
    }
    return 0;
}

static int apply_settings(orl_trainer *t, int argc, char **argv)
{
    int rc = apply_aliases(t, argc, argv);
    if (rc) return rc;
    for (int i = 1; i + 1 < argc; i++) {
        if (strcmp(argv[i], "--set") != 0) continue;
        const char *kv = argv[i + 1];
        const char *eq = strchr(kv, '=');
        char key[128];
        if (!eq || (size_t)(eq - kv) >= sizeof key) {
            fprintf(stderr, "orl train: --set expects KEY=VALUE, got '%s'\n", kv);
            return 2;
        }
        memcpy(key, kv, (size_t)(eq - kv));
        key[eq - kv] = '\0';
        char *end = NULL;
        double v = strtod(eq + 1, &end);
        if (end == eq + 1 || *end) {
            fprintf(stderr, "orl train: --set %s: '%s' is not a number\n", key, eq + 1);
            return 2;
        }
        if (orl_trainer_set_float(t, key, v) != ORL_OK) return cli_fail("--set");
    }
    return 0;
}

/* bcq with a G the host trained before: the trainer copies it, so it is freed here. */
static int set_generative(orl_trainer *t, const char *path)
{
    if (!path) return 0;
    orl_model *g = NULL;
    if (orl_model_load(path, &g) != ORL_OK) return cli_fail("--generative-model");
    int s = orl_trainer_set_generative_model(t, g);
    orl_model_free(g);
    return s == ORL_OK ? 0 : cli_fail("--generative-model");
}

static const cli_option train_options[] = {{"--data", CLI_STRING},
                                           {"--out", CLI_STRING},
                                           {"--algo", CLI_STRING},
                                           {"--test-data", CLI_STRING},
                                           {"--holdout", CLI_FLOAT},
                                           {"--valid-data", CLI_STRING},
                                           {"--report", CLI_STRING},
                                           {"--epochs", CLI_INT},
                                           {"--batch", CLI_INT},
                                           {"--lr", CLI_FLOAT},
                                           {"--seed", CLI_INT},
                                           {"--threads", CLI_INT},
                                           {"--encoder", CLI_STRING},
                                           {"--embed", CLI_INT},
                                           {"--hidden", CLI_INT},
                                           {"--dropout", CLI_FLOAT},
                                           {"--encoder-set", CLI_STRING},
                                           {"--set", CLI_STRING},
                                           {"--topk", CLI_INT},
                                           {"--clip", CLI_FLOAT},
                                           {"--json", CLI_FLAG},
                                           {"--quiet", CLI_FLAG},
                                           {"--generative-model", CLI_STRING},
                                           {NULL, 0}};

int cmd_train(int argc, char **argv)
{
    static const cli_option *const tables[] = {train_options, cli_data_options, NULL};
    int check = cli_check_options("train", argc, argv, tables, NULL, 0, NULL);
    if (check) return check;
    if (cli_flag(argc, argv, "--help") || cli_flag(argc, argv, "-h")) {
        train_usage(stdout);
        return 0;
    }
    const char *data = cli_opt(argc, argv, "--data"), *out = cli_opt(argc, argv, "--out");
    if (!data || !out) {
        train_usage(stderr);
        return 2;
    }
    long epochs, batch, seed, threads, embed, hidden, window;
    double lr, holdout;
    int rc = cli_opt_long(argc, argv, "--epochs", 10, &epochs);
    if (!rc) rc = cli_opt_long(argc, argv, "--batch", 256, &batch);
    if (!rc) rc = cli_opt_long(argc, argv, "--seed", 0, &seed);
    if (!rc) rc = cli_opt_long(argc, argv, "--threads", 0, &threads);
    if (!rc) rc = cli_opt_long(argc, argv, "--embed", 64, &embed);
    if (!rc) rc = cli_opt_long(argc, argv, "--hidden", 64, &hidden);
    if (!rc) rc = cli_opt_long(argc, argv, "--window", 10, &window);
    if (!rc) rc = cli_opt_double(argc, argv, "--lr", 0.01, &lr);
    if (!rc) rc = cli_opt_double(argc, argv, "--holdout", 0.0, &holdout);
    if (rc) return rc;
    if (epochs < 1 || batch < 1 || seed < 0 || threads < 0 || embed < 1 || hidden < 1 ||
        embed > 65536 || hidden > 65536 || window < 1 || window > 65536 ||
        !(holdout >= 0 && holdout < 1)) {
        fprintf(stderr, "orl train: an option is out of range (see --help)\n");
        return 2;
    }
    /* The encoder first: a bad name or setting is a usage error, found before any data loads. */
    orl_encoder *enc = NULL;
    if ((rc = make_encoder(argc, argv, embed, hidden, window, &enc))) return rc;
    char *enc_json = encoder_json(enc);
    const char *test_path = cli_opt(argc, argv, "--test-data");
    const char *valid_path = cli_opt(argc, argv, "--valid-data");
    const char *report = cli_opt(argc, argv, "--report");
    /* A report wants curves: take the validation part out of the holdout. */
    int holdout_valid = report && !valid_path && holdout > 0;
    int json = cli_flag(argc, argv, "--json");
    progress_state ps = {!cli_flag(argc, argv, "--quiet") && isatty(2), -1.0};

    orl_dataset *all = NULL, *train = NULL, *test = NULL, *valid = NULL;
    orl_trainer *tr = NULL;
    orl_model *model = NULL;
    int status = 1;
    if ((rc = cli_load_dataset(argc, argv, data, &all))) goto done;
    if (holdout > 0) {
        orl_split_params sp;
        orl_split_params_init(&sp);
        sp.train = (float)(1.0 - holdout);
        sp.valid = holdout_valid ? (float)(holdout / 2) : 0.0f;
        sp.seed = (uint64_t)seed;
        if (orl_dataset_split(all, &sp, &train, holdout_valid ? &valid : NULL, &test) != ORL_OK) {
            cli_fail("--holdout");
            goto done;
        }
    } else {
        train = all;
        all = NULL;
    }
    if (test_path && !test && (rc = cli_load_dataset(argc, argv, test_path, &test))) goto done;
    if (valid_path && (rc = cli_load_dataset(argc, argv, valid_path, &valid))) goto done;

    orl_trainer_params tp;
    orl_trainer_params_init(&tp);
    const char *algo = cli_opt(argc, argv, "--algo");
    tp.algorithm = algo ? algo : "sl"; /* the CLI's documented default (--help) */
    tp.epochs = (uint32_t)epochs;
    tp.batch_size = (uint32_t)batch;
    tp.learning_rate = (float)lr;
    tp.seed = (uint64_t)seed;
    tp.threads = (int32_t)threads;
    if (orl_trainer_create(&tp, enc, NULL, NULL, &tr) != ORL_OK) {
        cli_fail("trainer");
        goto done;
    }
    if ((rc = apply_settings(tr, argc, argv))) goto done;
    if ((rc = set_generative(tr, cli_opt(argc, argv, "--generative-model")))) goto done;
    orl_trainer_set_progress_callback(tr, on_progress, &ps);
    orl_dataset_stats st;
    memset(&st, 0, sizeof st);
    st.struct_size = sizeof st;
    orl_dataset_get_stats(train, &st);
    if (!json)
        fprintf(stderr, "training %s on %llu transitions, %llu items, %ld epochs\nencoder %s\n",
                tp.algorithm, (unsigned long long)st.n_events, (unsigned long long)st.n_items,
                epochs, enc_json ? enc_json : "?");
    if (orl_trainer_fit(tr, train, valid) != ORL_OK) {
        cli_fail("training");
        goto done;
    }
    if (orl_trainer_export_model(tr, &model) != ORL_OK || orl_model_save(model, out) != ORL_OK) {
        cli_fail(out);
        goto done;
    }
    orl_eval_result res = {.struct_size = sizeof res};
    if (test && orl_model_evaluate(model, test, (int32_t)threads, &res) != ORL_OK) {
        cli_fail("evaluation");
        goto done;
    }
    if (report && orl_trainer_write_report(tr, test ? &res : NULL, report) != ORL_OK) {
        cli_fail("--report");
        goto done;
    }
    if (json) {
        char buf[2048] = "null";
        size_t len;
        if (test) orl_eval_result_json(&res, buf, sizeof buf, &len);
        /* The per-epoch history (reinforce: its importance weights' figures). */
        size_t hlen = 0;
        char *hist = NULL;
        if (orl_trainer_history_json(tr, NULL, 0, &hlen) == ORL_OK && (hist = malloc(hlen)) &&
            orl_trainer_history_json(tr, hist, hlen, &hlen) != ORL_OK) {
            free(hist);
            hist = NULL;
        }
        printf("{\"model\":\"%s\",\"algorithm\":\"%s\",\"encoder\":%s,\"test\":%s,"
               "\"history\":%s}\n",
               out, tp.algorithm, enc_json ? enc_json : "null", buf, hist ? hist : "null");
        free(hist);
    } else {
        printf("saved %s\n", out);
        if (report) printf("report %s\n", report);
        if (test)
            cli_print_eval(stdout, "test metrics (every step ranks the whole catalogue):", &res);
        /* RL models also carry a Q head: show how it ranks. */
        uint32_t heads = 1, active = 0;
        orl_model_head_count(model, &heads);
        orl_model_head(model, &active);
        orl_model *other = NULL;
        orl_eval_result ores = {.struct_size = sizeof ores};
        if (test && heads == 2 && orl_model_with_head(model, 1 - active, &other) == ORL_OK &&
            orl_model_evaluate(other, test, (int32_t)threads, &ores) == ORL_OK)
            cli_print_eval(stdout, active ? "the supervised head:" : "the Q head:", &ores);
        orl_model_free(other);
    }
    status = 0;
done:
    orl_model_free(model);
    orl_trainer_free(tr);
    orl_encoder_free(enc);
    free(enc_json);
    orl_dataset_free(all);
    orl_dataset_free(train);
    orl_dataset_free(test);
    orl_dataset_free(valid);
    return rc ? rc : status;
}
