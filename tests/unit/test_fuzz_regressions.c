/*
 * test_fuzz_regressions: replays, with the normal compiler (and the
 * sanitizers when configured with them), every input kept under
 * tests/fuzz/regressions/<target>/ and the seeds under
 * tests/fuzz/corpus/<target>/ through the same entry points the libFuzzer
 * targets use (tests/fuzz/fuzz_<target>.c built with -DFUZZ_REPLAY, see
 * tests/fuzz/fuzz.h). A target's invariant that breaks aborts the program,
 * so a crash found once by `make fuzz` stays fixed. One test per target.
 * Run from the repository root (as `make check` does).
 */
#include "config.h"

#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "../harness.h"

typedef int (*replay_fn)(const uint8_t *data, size_t size);

#define REPLAY_TARGETS(_)                                                                          \
    _(fuzz_k8s_list)                                                                               \
    _(fuzz_watch)                                                                                  \
    _(fuzz_kubeconfig)                                                                             \
    _(fuzz_exec_credential)                                                                        \
    _(fuzz_denial)                                                                                 \
    _(fuzz_agent_name)                                                                             \
    _(fuzz_theme)                                                                                  \
    _(fuzz_aafs_profiles)                                                                          \
    _(fuzz_cgroup)                                                                                 \
    _(fuzz_authn)                                                                                  \
    _(fuzz_agent_json)

#define DECLARE_(name) int fuzz_replay_##name(const uint8_t *data, size_t size);
REPLAY_TARGETS(DECLARE_)
#undef DECLARE_

/* Replay every regular file of dir (absent: nothing). Returns the count. */
static size_t replay_dir(const char *dir, replay_fn fn)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    size_t n = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.')
            continue;
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        struct stat st;
        if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
            continue;
        size_t len = 0;
        char *data = harness_read_file(path, &len);
        assert_non_null(data);
        /* Exactly len bytes, as libFuzzer passes them (over-reads hit the heap redzone). */
        uint8_t *exact = malloc(len ? len : 1);
        assert_non_null(exact);
        memcpy(exact, data, len);
        free(data);
        fprintf(stderr, "replay %s\n", path);
        assert_int_equal(fn(exact, len), 0);
        free(exact);
        n++;
    }
    closedir(d);
    return n;
}

static void replay(const char *target, replay_fn fn)
{
    char dir[256];
    snprintf(dir, sizeof dir, "tests/fuzz/regressions/%s", target);
    size_t n = replay_dir(dir, fn);
    snprintf(dir, sizeof dir, "tests/fuzz/corpus/%s", target);
    size_t seeds = replay_dir(dir, fn);
    /* The empty input and a lone NUL are the first degenerate cases of every parser. */
    assert_int_equal(fn((const uint8_t *)"", 0), 0);
    assert_int_equal(fn((const uint8_t *)"\0", 1), 0);
    fprintf(stderr, "%s: %zu regression input(s), %zu seed(s)\n", target, n, seeds);
    assert_true(seeds > 0);
}

#define TEST_(name)                                                                                \
    static void test_##name(void **state)                                                          \
    {                                                                                              \
        (void)state;                                                                               \
        replay(#name, fuzz_replay_##name);                                                         \
    }
REPLAY_TARGETS(TEST_)
#undef TEST_

int main(void)
{
#define ENTRY_(name) cmocka_unit_test(test_##name),
    const struct CMUnitTest tests[] = {REPLAY_TARGETS(ENTRY_)};
#undef ENTRY_
    return cmocka_run_group_tests(tests, NULL, NULL);
}
