/* Writes the fuzz seed corpora: tiny files made by our own code (simulator
 * logs, saved datasets and models) plus, when the shared data folder exists,
 * the head of each real log read at seed time (never stored in the repo).
 * Usage: fuzz_make_seeds OUTDIR [SHARED_DIR]
 * Creates OUTDIR/<target>/ for csv, gzip, jsonl, dsfile, model_path, model_buffer. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

#include "fuzz_csv_maps.h"
#include "offlinerl/offlinerl.h"

static const char *out_dir;
static int failures;

#define CHECK(expr)                                                                                \
    do {                                                                                           \
        int s_ = (expr);                                                                           \
        if (s_ != 0) {                                                                             \
            fprintf(stderr, "%s:%d: %s -> %d: %s\n", __FILE__, __LINE__, #expr, s_,                \
                    orl_last_error());                                                             \
            failures++;                                                                            \
            return;                                                                                \
        }                                                                                          \
    } while (0)

static void path_of(char *buf, size_t len, const char *target, const char *name)
{
    snprintf(buf, len, "%s/%s/%s", out_dir, target, name);
}

static void write_seed(const char *target, const char *name, const void *prefix, size_t plen,
                       const void *data, size_t len)
{
    char path[4096];
    path_of(path, sizeof path, target, name);
    FILE *f = fopen(path, "wb");
    if (!f || (plen && fwrite(prefix, 1, plen, f) != plen) ||
        (len && fwrite(data, 1, len, f) != len) || fclose(f) != 0) {
        fprintf(stderr, "cannot write %s: %s\n", path, strerror(errno));
        failures++;
    }
}

static char *read_head(const char *path, size_t max, size_t *out_len)
{
    gzFile g = gzopen(path, "rb"); /* reads plain files as well */
    if (!g) return NULL;
    char *buf = malloc(max);
    int n = gzread(g, buf, (unsigned)max);
    gzclose(g);
    if (n <= 0) {
        free(buf);
        return NULL;
    }
    size_t len = (size_t)n;
    if (len == max) { /* cut at the last complete line, if there is one */
        size_t cut = len;
        while (cut > 0 && buf[cut - 1] != '\n') cut--;
        if (cut > 0) len = cut;
    }
    *out_len = len;
    return buf;
}

static uint8_t *gzip_bytes(const void *data, size_t len, size_t *out_len)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    if (deflateInit2(&z, 6, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY) != Z_OK) return NULL;
    size_t cap = deflateBound(&z, (uLong)len) + 32;
    uint8_t *out = malloc(cap);
    z.next_in = (Bytef *)data;
    z.avail_in = (uInt)len;
    z.next_out = out;
    z.avail_out = (uInt)cap;
    int rc = deflate(&z, Z_FINISH);
    *out_len = cap - z.avail_out;
    deflateEnd(&z);
    if (rc != Z_STREAM_END) {
        free(out);
        return NULL;
    }
    return out;
}

/* A CSV seed for the csv target (selector byte first) and its gzip twin. */
static void csv_seed(const char *name, unsigned selector, const char *text, size_t len)
{
    char fname[256];
    uint8_t sel = (uint8_t)selector;
    snprintf(fname, sizeof fname, "%s-%s", name, orl_fuzz_csv_map_name(selector));
    write_seed("csv", fname, &sel, 1, text, len);
    size_t glen = 0;
    uint8_t *gz = gzip_bytes(text, len, &glen);
    if (gz) write_seed("gzip", fname, &sel, 1, gz, glen);
    free(gz);
}

static void hand_made_csv(void)
{
    static const struct {
        const char *name;
        unsigned sel;
        const char *text;
    } seeds[] = {
        {"tiny", 0,
         "session_id,timestamp,item_id,event,reward,propensity\n1,10,5,click,,0.5\n1,11,6,purchase,"
         "1.5,\n2,3,5,click,0.2,1\n"},
        {"quoted", 1,
         "\xef\xbb\xbfsession_id;timestamp;item_id;event\r\n\"a\"\"b\";1;\"x,y\";click\r\n"
         "a;2;z;view\r\n"},
        {"rr", 2,
         "timestamp,visitorid,event,itemid,transactionid\n1433221332117,257597,view,355908,\n"
         "1433224214164,257597,addtocart,248676,\n1433221999827,257597,transaction,248676,4000\n"},
        {"rees", 3,
         "event_time,event_type,product_id,category_id,category_code,brand,price,user_id,user_"
         "session\n2019-10-01 00:00:00 UTC,view,44600062,1,,b,3.5,5,72d76fde\n2019-10-01 "
         "00:00:04 UTC,cart,3900821,2,,a,1.0,5,72d76fde\n"},
        {"yc", 4,
         "1,2014-04-07T10:51:09.277Z,214536502,0\n1,2014-04-07T10:54:09.868Z,214536500,0\n"},
        {"dg", 5,
         "session_id;user_id;item_id;timeframe;eventdate\n1;NA;81766;526309;2016-05-09\n"
         "1;NA;31331;1031018;2016-05-09\n"},
        {"dgp", 6,
         "sessionId;userId;timeframe;eventdate;ordernumber;itemId\n150;18278;17100868;2016-05-06;"
         "16421;25911\n"},
        {"kr", 7,
         "user_id,video_id,date,hourmin,time_ms,is_click,is_like,is_follow\n0,1,20220421,1600,"
         "1650530000000,1,0,0\n0,2,20220421,1600,1650530001000,1,1,0\n"},
        {"tv", 8,
         "user_id,session_id,timestamp,step,action_type,reference,platform,city,device,current_"
         "filters,impressions,prices\nU1,s1,1541037460,1,interaction item image,4488,BR,C,mobile,"
         ",,\nU1,s1,1541037522,2,clickout item,4488,BR,C,mobile,,4488|1234,10|20\n"},
        {"mt", 9, "1::1074638::7::1365029107\n1::1853728::8::1366576639\n"},
        {"nohdr", 10, "1\t5\t7\tclick\t\t\n1\t6\t8\tpurchase\t1\t0.25\n"},
        {"flags", 11,
         "session_id,timestamp,item_id,is_click,is_like,x,keep\n1,1,5,1,0,0,1\n1,2,6,0,1,1,0\n"},
        {"emap", 12,
         "session_id,timestamp,item_id,event\n1,1,5,view\n1,2,6,cart\n1,3,7,interaction item "
         "deals\n"},
        {"dt", 13,
         "session_id,timestamp,item_id,event,date\n1,2019-10-01 00:00:00 UTC,5,click,\n1,2019-10-"
         "01T00:00:01.250Z,6,click,\n1,2019-10-01,7,click,\n"},
        {"join", 14,
         "session_id;itemId;timeframe;eventdate;sessionId;item_id\n1;5;10;2016-05-09;1;5\n"},
        {"int", 15,
         "session_id,timestamp,item_id,event,reward,propensity\n1,1,12345678901,click,,\n1,2,"
         "abc,click,,0.5\n"},
    };
    for (size_t i = 0; i < sizeof seeds / sizeof seeds[0]; i++)
        csv_seed(seeds[i].name, seeds[i].sel, seeds[i].text, strlen(seeds[i].text));
}

static orl_sim *small_sim_k(uint64_t seed, uint32_t slate_size)
{
    orl_sim_params p;
    orl_sim_params_init(&p);
    p.seed = seed;
    p.slate_size = slate_size;
    p.n_users = 20;
    p.n_items = 12;
    p.n_clusters = 3;
    p.max_steps = 6;
    orl_sim *sim = NULL;
    if (orl_sim_create(&p, &sim) != ORL_OK) return NULL;
    return sim;
}

static orl_sim *small_sim(uint64_t seed)
{
    return small_sim_k(seed, 1);
}

static void sim_csv_k(uint32_t slate_size, const char *name)
{
    orl_sim *sim = small_sim_k(3, slate_size);
    if (!sim) {
        failures++;
        return;
    }
    char path[4096];
    path_of(path, sizeof path, "csv", "tmp-sim.csv");
    CHECK(orl_sim_write_csv(sim, 8, path));
    orl_sim_free(sim);
    size_t len = 0;
    char *text = read_head(path, 4096, &len);
    remove(path);
    if (!text) {
        failures++;
        return;
    }
    csv_seed(name, 0, text, len);
    csv_seed(name, 1, text, len);
    csv_seed(name, 12, text, len);
    free(text);
}

/* One-item logs, and slates with their display columns (impressions). */
static void sim_csv(void)
{
    sim_csv_k(1, "sim");
    sim_csv_k(3, "sim-slates");
}

static void shared_csv(const char *shared)
{
    static const struct {
        const char *rel;
        const char *name;
        unsigned sel;
    } logs[] = {
        {"rees46_ecommerce_2019oct_head/2019-Oct.head.csv", "real-rees46", 3},
        {"diginetica_cikm16/sample_train-item-views.csv", "real-dgviews", 5},
        {"diginetica_cikm16/train-purchases.csv", "real-dgbuys", 6},
        {"kuairand_pure_20220425_20220508/kuairand_pure_log_standard_20220425_20220508.csv.gz",
         "real-kuairand", 7},
        {"trivago_recsys2019_val100k/trivago_val_100k.csv.gz", "real-trivago", 8},
        {"movietweetings_100k/ratings.dat", "real-movietweetings", 9},
    };
    for (size_t i = 0; i < sizeof logs / sizeof logs[0]; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/data/%s", shared, logs[i].rel);
        size_t len = 0;
        char *text = read_head(path, 2048, &len);
        if (!text) {
            printf("skipping %s: absent\n", path);
            continue;
        }
        csv_seed(logs[i].name, logs[i].sel, text, len);
        free(text);
    }
    char path[4096];
    snprintf(path, sizeof path, "%s/data/otto_fixture/train.jsonl", shared);
    size_t len = 0;
    char *text = read_head(path, 8000, &len);
    if (!text) {
        printf("skipping %s: absent\n", path);
        return;
    }
    uint8_t strict = 1;
    write_seed("jsonl", "real-otto", &strict, 1, text, len);
    free(text);
}

static void jsonl_seeds(void)
{
    static const char *const texts[] = {
        "{\"session\":0,\"events\":[{\"aid\":1,\"ts\":1659304800025,\"type\":\"clicks\"},{\"aid\":"
        "2,\"ts\":1659304800030,\"type\":\"carts\"}]}\n{\"session\":1,\"events\":[{\"aid\":2,"
        "\"ts\":5,\"type\":\"orders\"}]}\n",
        "{\"extra\":[1,{\"a\":null},true,false,-1.5e3,\"s\\u00e9\\n\"],\"session\":7,\"events\":"
        "[{\"type\":\"clicks\",\"ts\":3,\"aid\":4,\"x\":{}}]}\r\n\n",
    };
    for (unsigned i = 0; i < 2; i++) {
        char name[32];
        uint8_t flag = (uint8_t)(i & 1);
        snprintf(name, sizeof name, "hand-%u", i);
        write_seed("jsonl", name, &flag, 1, texts[i], strlen(texts[i]));
        /* The same as a raw deflate stream (flag bit 1): the gzip path. */
        size_t glen = 0;
        uint8_t *gz = gzip_bytes(texts[i], strlen(texts[i]), &glen);
        if (gz && glen > 18) {
            flag |= 2;
            snprintf(name, sizeof name, "hand-%u-gz", i);
            write_seed("jsonl", name, &flag, 1, gz + 10, glen - 10); /* no gzip header */
        }
        free(gz);
    }
}

static void copy_file(const char *from, const char *target, const char *name)
{
    size_t len = 0;
    FILE *f = fopen(from, "rb");
    if (!f) {
        failures++;
        return;
    }
    uint8_t *buf = malloc(1 << 20);
    len = fread(buf, 1, 1 << 20, f);
    fclose(f);
    write_seed(target, name, NULL, 0, buf, len);
    free(buf);
}

/* A tiny BCQ model whose G the host trained before (an "sl" model on a SASRec
 * encoder, Q on GRU4Rec), so that the loaders' fuzzing starts from G's keys
 * (generative.*) and its separate weight blob. */
static void bcq_generative_seed(const orl_dataset *ds)
{
    orl_model *g = NULL, *m = NULL;
    for (int i = 0; i < 2; i++) {
        orl_encoder_params ep;
        orl_encoder_params_init(&ep);
        ep.architecture = i == 0 ? "sasrec" : "gru4rec";
        ep.embed_dim = ep.hidden_dim = 2;
        orl_encoder *enc = NULL;
        CHECK(orl_encoder_create(&ep, &enc));
        if (i == 0) CHECK(orl_encoder_set_int(enc, "num_heads", 1));
        orl_trainer_params tp;
        orl_trainer_params_init(&tp);
        tp.algorithm = i == 0 ? "sl" : "bcq";
        tp.epochs = 1;
        tp.batch_size = 8;
        tp.threads = 1;
        orl_trainer *t = NULL;
        CHECK(orl_trainer_create(&tp, enc, NULL, NULL, &t));
        orl_encoder_free(enc);
        if (i == 1) CHECK(orl_trainer_set_generative_model(t, g));
        CHECK(orl_trainer_fit(t, ds, NULL));
        CHECK(orl_trainer_export_model(t, i == 0 ? &g : &m));
        orl_trainer_free(t);
    }
    char path[4096];
    path_of(path, sizeof path, "model_path", "bcq_generative.orlm");
    CHECK(orl_model_save(m, path));
    copy_file(path, "model_buffer", "bcq_generative.orlm");
    orl_model_free(m);
    orl_model_free(g);
}

static void binary_seeds(void)
{
    /* Integer keys from the simulator; string keys by hand. */
    orl_sim *sim = small_sim(5);
    orl_dataset *ds = NULL, *sds = NULL;
    CHECK(orl_dataset_create(NULL, &ds));
    CHECK(orl_sim_generate(sim, 10, ds));
    orl_sim_free(sim);
    CHECK(orl_dataset_finalize(ds));
    char path[4096];
    path_of(path, sizeof path, "dsfile", "sim.orld");
    CHECK(orl_dataset_save(ds, path));
    { /* with a display table (slates) */
        orl_sim *ksim = small_sim_k(6, 3);
        orl_dataset *kds = NULL;
        CHECK(orl_dataset_create(NULL, &kds));
        CHECK(orl_sim_generate(ksim, 10, kds));
        orl_sim_free(ksim);
        CHECK(orl_dataset_finalize(kds));
        path_of(path, sizeof path, "dsfile", "slates.orld");
        CHECK(orl_dataset_save(kds, path));
        orl_dataset_free(kds);
    }

    CHECK(orl_dataset_create(NULL, &sds));
    int32_t click = 0;
    CHECK(orl_dataset_event_type(sds, "click", &click));
    const char *sk[6] = {"u1", "u1", "u1", "u2", "u2", "u2"};
    const char *ik[6] = {"apple", "pear", "fig", "pear", "fig", "kiwi"};
    int64_t ts[6] = {1, 2, 3, 1, 2, 3};
    int32_t codes[6] = {click, click, click, click, click, click};
    CHECK(orl_dataset_add_events_str(sds, 6, sk, ik, ts, codes, NULL, NULL));
    CHECK(orl_dataset_finalize(sds));
    path_of(path, sizeof path, "dsfile", "strings.orld");
    CHECK(orl_dataset_save(sds, path));

    /* The baselines (issue 15): their kind and counts instead of weights. */
    const char *baseline_names[2] = {"baseline_pop.orlm", "baseline_repeat_strings.orlm"};
    for (int i = 0; i < 2; i++) {
        orl_model *b = NULL;
        CHECK(orl_model_create_baseline(i ? sds : ds, i, &b));
        path_of(path, sizeof path, "model_path", baseline_names[i]);
        CHECK(orl_model_save(b, path));
        orl_model_free(b);
        copy_file(path, "model_buffer", baseline_names[i]);
    }

    /* Tiny models on both. */
    orl_dataset *sets[2] = {ds, sds};
    const char *names[2] = {"sim.orlm", "strings.orlm"};
    for (int i = 0; i < 2; i++) {
        orl_encoder_params ep;
        orl_encoder_params_init(&ep);
        ep.embed_dim = 2;
        ep.hidden_dim = 3;
        orl_encoder *enc = NULL;
        CHECK(orl_encoder_create(&ep, &enc));
        orl_trainer_params tp;
        orl_trainer_params_init(&tp);
        tp.algorithm = "sl";
        tp.epochs = 1;
        tp.batch_size = 8;
        tp.threads = 1;
        orl_trainer *t = NULL;
        CHECK(orl_trainer_create(&tp, enc, NULL, NULL, &t));
        orl_encoder_free(enc);
        CHECK(orl_trainer_fit(t, sets[i], NULL));
        orl_model *m = NULL;
        CHECK(orl_trainer_export_model(t, &m));
        orl_trainer_free(t);
        path_of(path, sizeof path, "model_path", names[i]);
        CHECK(orl_model_save(m, path));
        orl_model_free(m);
        copy_file(path, "model_buffer", names[i]);
    }
    /* One tiny model of each other encoder, so that the loaders' fuzzing starts
     * from every kind's settings keys (enc.*) and tensor layout. */
    static const char *const kinds[3] = {"sasrec", "caser", "nextitnet"};
    for (int i = 0; i < 3; i++) {
        orl_encoder_params ep;
        orl_encoder_params_init(&ep);
        ep.architecture = kinds[i];
        ep.embed_dim = ep.hidden_dim = 4;
        orl_encoder *enc = NULL;
        CHECK(orl_encoder_create(&ep, &enc));
        if (i == 0) CHECK(orl_encoder_set_int(enc, "num_heads", 2));
        if (i == 1) {
            const int32_t heights[2] = {1, 3}; /* of a window of 10 */
            CHECK(orl_encoder_set_int(enc, "num_filters", 2));
            CHECK(orl_encoder_set_int_list(enc, "filter_heights", heights, 2));
        }
        if (i == 2) {
            const int32_t dil[2] = {1, 2};
            CHECK(orl_encoder_set_int_list(enc, "dilations", dil, 2));
        }
        orl_trainer_params tp;
        orl_trainer_params_init(&tp);
        tp.algorithm = "sqn";
        tp.epochs = 1;
        tp.batch_size = 8;
        tp.threads = 1;
        orl_trainer *t = NULL;
        CHECK(orl_trainer_create(&tp, enc, NULL, NULL, &t));
        orl_encoder_free(enc);
        CHECK(orl_trainer_fit(t, ds, NULL));
        orl_model *m = NULL;
        CHECK(orl_trainer_export_model(t, &m));
        orl_trainer_free(t);
        char name[64];
        snprintf(name, sizeof name, "%s.orlm", kinds[i]);
        path_of(path, sizeof path, "model_path", name);
        CHECK(orl_model_save(m, path));
        orl_model_free(m);
        copy_file(path, "model_buffer", name);
    }
    /* One tiny model of each scoring beyond a head: BCQ's constrained rule, REM's
     * ensemble (Q only), sqn_rem's ensemble scored by its lower bound. */
    static const char *const offrl[3] = {"bcq", "rem", "sqn_rem"};
    for (int i = 0; i < 3; i++) {
        orl_encoder_params ep;
        orl_encoder_params_init(&ep);
        ep.embed_dim = 2;
        ep.hidden_dim = 3;
        orl_encoder *enc = NULL;
        CHECK(orl_encoder_create(&ep, &enc));
        orl_trainer_params tp;
        orl_trainer_params_init(&tp);
        tp.algorithm = offrl[i];
        tp.epochs = 1;
        tp.batch_size = 8;
        tp.threads = 1;
        orl_trainer *t = NULL;
        CHECK(orl_trainer_create(&tp, enc, NULL, NULL, &t));
        orl_encoder_free(enc);
        if (i > 0) CHECK(orl_trainer_set_float(t, "heads", 2));
        CHECK(orl_trainer_fit(t, ds, NULL));
        orl_model *m = NULL, *scored = NULL;
        CHECK(orl_trainer_export_model(t, &m));
        orl_trainer_free(t);
        if (i == 2) {
            CHECK(orl_model_with_score_rule(m, ORL_SCORE_LCB, 1.0f, &scored));
            orl_model_free(m);
            m = scored;
        }
        char name[64];
        snprintf(name, sizeof name, "%s.orlm", offrl[i]);
        path_of(path, sizeof path, "model_path", name);
        CHECK(orl_model_save(m, path));
        orl_model_free(m);
        copy_file(path, "model_buffer", name);
    }
    bcq_generative_seed(ds);
    orl_dataset_free(ds);
    orl_dataset_free(sds);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s OUTDIR [SHARED_DIR]\n", argv[0]);
        return 2;
    }
    out_dir = argv[1];
    static const char *const targets[] = {"csv",    "gzip",       "jsonl",
                                          "dsfile", "model_path", "model_buffer"};
    mkdir(out_dir, 0777);
    for (int i = 0; i < 6; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", out_dir, targets[i]);
        mkdir(path, 0777);
    }
    hand_made_csv();
    sim_csv();
    jsonl_seeds();
    binary_seeds();
    if (argc > 2) shared_csv(argv[2]);
    printf("seeds written to %s (%d failures)\n", out_dir, failures);
    return failures ? 1 : 0;
}
