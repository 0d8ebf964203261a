/* Durability: a child process saves models (or datasets) A and B in turn over
 * one path and is killed with SIGKILL at random moments. Afterwards the path always holds
 * exactly the bytes of A or of B, and loads. Temporary files of interrupted
 * saves may stay behind (the kill leaves no chance to remove them); they never
 * replace the target. */
#include <dirent.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/rng.h"
#include "test_support.h"

enum { KILLS = 40 };

static orl_model *train(uint64_t seed)
{
    orl_sim_params sp;
    orl_sim_params_init(&sp);
    sp.n_items = 60;
    sp.n_users = 30;
    sp.seed = seed;
    orl_sim *sim = NULL;
    orl_dataset *ds = NULL;
    assert_orl_ok(orl_sim_create(&sp, &sim));
    assert_orl_ok(orl_dataset_create(NULL, &ds));
    assert_orl_ok(orl_sim_generate(sim, 40, ds));
    assert_orl_ok(orl_dataset_finalize(ds));
    orl_trainer_params tp;
    orl_trainer_params_init(&tp);
    tp.algorithm = "sl";
    tp.epochs = 1;
    tp.threads = 1;
    tp.seed = seed;
    orl_model *m = orl_test_fit_model(&tp, 16, ds);
    orl_dataset_free(ds);
    orl_sim_free(sim);
    return m;
}

static uint8_t *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *buf = malloc(n > 0 ? (size_t)n : 1);
    *len = fread(buf, 1, (size_t)n, f);
    fclose(f);
    return buf;
}

/* Remove and count the temporary files beside `path` ("<name>.tmp*"). */
static int sweep_temporaries(const char *dir, const char *name)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    char prefix[256];
    snprintf(prefix, sizeof prefix, "%s.tmp", name);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strncmp(e->d_name, prefix, strlen(prefix)) != 0) continue;
        char p[1024];
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        remove(p);
        n++;
    }
    closedir(d);
    return n;
}

typedef int (*save_fn)(const void *obj, const char *path);
typedef int (*check_fn)(const char *path);

static int save_model(const void *obj, const char *path)
{
    return orl_model_save(obj, path);
}

static int load_model(const char *path)
{
    orl_model *m = NULL;
    int s = orl_model_load(path, &m);
    orl_model_free(m);
    return s;
}

static int save_dataset(const void *obj, const char *path)
{
    return orl_dataset_save(obj, path);
}

static int load_dataset(const char *path)
{
    orl_dataset *d = NULL;
    int s = orl_dataset_load(path, &d);
    orl_dataset_free(d);
    return s;
}

/* Kill a child that saves a and b in turn over `name`, KILLS times. */
static void kill_during_saves(const void *a, const void *b, save_fn save, check_fn load,
                              const char *name)
{
    char path[512], dir[512], ref[512];
    orl_test_tmp_path(name, path, sizeof path);
    orl_test_tmp_path("", dir, sizeof dir);
    orl_test_tmp_path("hard_durability_ref", ref, sizeof ref);
    size_t len_a = 0, len_b = 0;
    assert_orl_ok(save(b, ref));
    uint8_t *bytes_b = read_file(ref, &len_b);
    assert_orl_ok(save(a, ref));
    uint8_t *bytes_a = read_file(ref, &len_a);
    remove(ref);
    assert_true(len_a != len_b || memcmp(bytes_a, bytes_b, len_a) != 0);
    assert_orl_ok(save(a, path));
    sweep_temporaries(dir, name);

    orl_rng rng;
    orl_rng_init(&rng, (uint64_t)time(NULL), 0);
    int saw_a = 0, saw_b = 0, leftovers = 0;
    for (int k = 0; k < KILLS; k++) {
        fflush(NULL);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) { /* the child saves until it is killed */
            for (unsigned i = 0;; i++)
                if (save(i % 2 ? a : b, path) != ORL_OK) _exit(3);
        }
        /* Kill at a random moment in the first few saves (each takes ~1 ms). */
        struct timespec ts = {0, (long)orl_rng_below(&rng, 4000) * 1000L};
        nanosleep(&ts, NULL);
        assert_int_equal(kill(pid, SIGKILL), 0);
        int status = 0;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL); /* not a failed save */
        size_t len = 0;
        uint8_t *now = read_file(path, &len);
        int is_a = len == len_a && memcmp(now, bytes_a, len) == 0;
        int is_b = len == len_b && memcmp(now, bytes_b, len) == 0;
        if (!is_a && !is_b)
            print_error("kill %d: the file is neither version (%zu bytes)\n", k, len);
        assert_true(is_a || is_b);
        saw_a += is_a;
        saw_b += is_b;
        free(now);
        assert_orl_ok(load(path));
        leftovers += sweep_temporaries(dir, name);
    }
    print_message("%s: %d kills: first version %d times, second %d times, %d interrupted saves "
                  "left a temporary file\n",
                  name, KILLS, saw_a, saw_b, leftovers);
    remove(path);
    free(bytes_a);
    free(bytes_b);
}

static void test_sigkill_during_model_saves_leaves_old_or_new_model(void **state)
{
    (void)state;
    orl_model *a = train(1), *b = train(2);
    kill_during_saves(a, b, save_model, load_model, "hard_durability.orlm");
    orl_model_free(a);
    orl_model_free(b);
}

static orl_dataset *simulated(uint64_t seed, uint64_t sessions)
{
    orl_sim_params sp;
    orl_sim_params_init(&sp);
    sp.seed = seed;
    orl_sim *sim = NULL;
    orl_dataset *ds = NULL;
    assert_orl_ok(orl_sim_create(&sp, &sim));
    assert_orl_ok(orl_dataset_create(NULL, &ds));
    assert_orl_ok(orl_sim_generate(sim, sessions, ds));
    assert_orl_ok(orl_dataset_finalize(ds));
    orl_sim_free(sim);
    return ds;
}

static void test_sigkill_during_dataset_saves_leaves_old_or_new_file(void **state)
{
    (void)state;
    orl_dataset *a = simulated(1, 300), *b = simulated(2, 200);
    kill_during_saves(a, b, save_dataset, load_dataset, "hard_durability.orld");
    orl_dataset_free(a);
    orl_dataset_free(b);
}

typedef struct saver {
    const orl_dataset *ds;
    const char *path;
    int failures;
} saver;

static void *save_loop(void *arg)
{
    saver *sv = arg;
    for (int i = 0; i < 30; i++)
        if (orl_dataset_save(sv->ds, sv->path) != ORL_OK) sv->failures++;
    return NULL;
}

/* Two threads of one process saving to one path: each save is atomic on its
 * own (they used to share one temporary file and could rename a mix). */
static void test_concurrent_dataset_saves_to_one_path_never_mix(void **state)
{
    (void)state;
    orl_dataset *a = simulated(1, 300), *b = simulated(2, 200);
    char path[512];
    orl_test_tmp_path("hard_durability_mt.orld", path, sizeof path);
    for (int round = 0; round < 5; round++) {
        saver sa = {a, path, 0}, sb = {b, path, 0};
        pthread_t ta, tb;
        assert_int_equal(pthread_create(&ta, NULL, save_loop, &sa), 0);
        assert_int_equal(pthread_create(&tb, NULL, save_loop, &sb), 0);
        pthread_join(ta, NULL);
        pthread_join(tb, NULL);
        assert_int_equal(sa.failures + sb.failures, 0);
        orl_dataset *back = NULL;
        assert_orl_ok(orl_dataset_load(path, &back));
        orl_dataset_stats st = {.struct_size = sizeof st}, sta = st, stb = st;
        assert_orl_ok(orl_dataset_get_stats(back, &st));
        assert_orl_ok(orl_dataset_get_stats(a, &sta));
        assert_orl_ok(orl_dataset_get_stats(b, &stb));
        assert_true(st.n_events == sta.n_events || st.n_events == stb.n_events);
        orl_dataset_free(back);
    }
    remove(path);
    orl_dataset_free(a);
    orl_dataset_free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sigkill_during_model_saves_leaves_old_or_new_model),
        cmocka_unit_test(test_sigkill_during_dataset_saves_leaves_old_or_new_file),
        cmocka_unit_test(test_concurrent_dataset_saves_to_one_path_never_mix),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
