/*
 * test_once: `armortop --once` end to end against a real armortop-sim on
 * loopback, checked against kubectl where it is installed: the same containers,
 * the declared profile and source the simulator's generator planted for every
 * AppArmor case, exit codes 0/1/2 and one-line errors naming server and status.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pthread.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "../harness.h"

struct fixture {
    struct harness_sim sim;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    const char *args[] = { "--nodes", "20", "--pods", "400", "--seed", "7", NULL };
    if (harness_sim_start(&f->sim, args) != 0) {
        free(f);
        return -1;
    }
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    harness_sim_stop(&f->sim);
    free(f);
    return 0;
}

static cJSON *run_json(struct fixture *f, const char *const *extra, int *status)
{
    const char *argv[16] = { "armortop", "--kubeconfig", f->sim.kubeconfig };
    size_t n = 3;
    for (size_t i = 0; extra[i]; i++)
        argv[n++] = extra[i];
    argv[n] = NULL;
    struct harness_result r;
    assert_int_equal(harness_run(argv, NULL, 60, &r), 0);
    *status = r.status;
    if (r.status != 0)
        fprintf(stderr, "armortop stderr: %s\n", r.err);
    cJSON *j = cJSON_Parse(r.out);
    harness_result_free(&r);
    return j;
}

static const char *str_or_null(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* Key "ns/pod/container/kind" for a row of armortop's output. */
static void row_key(const cJSON *row, char *buf, size_t len)
{
    snprintf(buf, len, "%s/%s/%s/%s", str_or_null(row, "namespace"), str_or_null(row, "pod"),
             str_or_null(row, "container"), str_or_null(row, "kind"));
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The containers kubectl lists: spec.containers, initContainers, ephemeralContainers. */
static size_t kubectl_keys(const cJSON *list, char ***keys_out)
{
    size_t n = 0, cap = 1024;
    char **keys = malloc(cap * sizeof *keys);
    const cJSON *items = cJSON_GetObjectItemCaseSensitive(list, "items");
    const cJSON *pod;
    static const char *const kinds[][2] = { { "containers", "container" },
                                            { "initContainers", "init" },
                                            { "ephemeralContainers", "ephemeral" } };
    cJSON_ArrayForEach(pod, items) {
        const cJSON *md = cJSON_GetObjectItemCaseSensitive(pod, "metadata");
        const cJSON *spec = cJSON_GetObjectItemCaseSensitive(pod, "spec");
        for (size_t k = 0; k < 3; k++) {
            const cJSON *c;
            cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(spec, kinds[k][0])) {
                if (n == cap)
                    keys = realloc(keys, (cap *= 2) * sizeof *keys);
                char buf[512];
                snprintf(buf, sizeof buf, "%s/%s/%s/%s", str_or_null(md, "namespace"),
                         str_or_null(md, "name"), str_or_null(c, "name"), kinds[k][1]);
                keys[n++] = strdup(buf);
            }
        }
    }
    *keys_out = keys;
    return n;
}

static void test_pods_json_matches_kubectl(void **state)
{
    struct fixture *f = *state;
    if (!harness_have_program("kubectl")) {
        printf("kubectl not installed: skipping the comparison with kubectl\n");
        skip();
    }
    int status;
    const char *args[] = { "--once", "pods", "-o", "json", "-A", NULL };
    cJSON *ours = run_json(f, args, &status);
    assert_int_equal(status, 0);
    assert_true(cJSON_IsArray(ours));

    const char *kargv[] = { "kubectl", "--kubeconfig", f->sim.kubeconfig, "get", "pods", "-A",
                            "-o", "json", NULL };
    struct harness_result r;
    assert_int_equal(harness_run(kargv, NULL, 60, &r), 0);
    assert_int_equal(r.status, 0);
    cJSON *theirs = cJSON_Parse(r.out);
    harness_result_free(&r);
    assert_non_null(theirs);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(theirs, "items")), 400);

    char **kkeys;
    size_t kn = kubectl_keys(theirs, &kkeys);
    size_t on = (size_t)cJSON_GetArraySize(ours);
    char **okeys = malloc((on + 1) * sizeof *okeys);
    size_t i = 0;
    const cJSON *row;
    cJSON_ArrayForEach(row, ours) {
        char buf[512];
        row_key(row, buf, sizeof buf);
        okeys[i++] = strdup(buf);
    }
    assert_true(kn > 400);
    assert_int_equal(on, kn);
    qsort(kkeys, kn, sizeof *kkeys, cmp_str);
    qsort(okeys, on, sizeof *okeys, cmp_str);
    for (i = 0; i < kn; i++)
        assert_string_equal(okeys[i], kkeys[i]);
    for (i = 0; i < kn; i++) {
        free(kkeys[i]);
        free(okeys[i]);
    }
    free(kkeys);
    free(okeys);
    cJSON_Delete(theirs);
    cJSON_Delete(ours);
}

/* Find the pod object in a kubectl-style list by namespace/name. */
static const cJSON *find_pod(const cJSON *items, const char *ns, const char *name)
{
    const cJSON *pod;
    cJSON_ArrayForEach(pod, items) {
        const cJSON *md = cJSON_GetObjectItemCaseSensitive(pod, "metadata");
        if (strcmp(str_or_null(md, "namespace"), ns) == 0 &&
            strcmp(str_or_null(md, "name"), name) == 0)
            return pod;
    }
    return NULL;
}

/* Every container's declared{type,profile,source} equals the generator's
 * `sim.armortop.dev/expect.<container>` annotation, and every AppArmor case
 * label the generator knows appears. The pods come from the API (one unpaged
 * GET through the test's own socket), not from armortop. */
static void test_declared_matches_every_case(void **state)
{
    struct fixture *f = *state;
    int status;
    const char *args[] = { "--once", "pods", "-o", "json", "-A", NULL };
    cJSON *ours = run_json(f, args, &status);
    assert_int_equal(status, 0);
    char *body = NULL;
    assert_int_equal(harness_http(&f->sim, "GET", "/api/v1/pods", NULL, &body), 200);
    cJSON *list = cJSON_Parse(body);
    free(body);
    assert_non_null(list);
    const cJSON *items = cJSON_GetObjectItemCaseSensitive(list, "items");

    static const char *const cases[] = {
        "container-field-runtime-default", "container-field-localhost",
        "container-field-unconfined", "pod-field", "both", "annotation-runtime-default",
        "annotation-localhost", "annotation-unconfined", "none", "privileged", "ephemeral",
        "init", "windows", "invalid-annotation", "invalid-field", "blocked-missing",
        "blocked-legacy",
    };
    int seen[sizeof cases / sizeof cases[0]] = { 0 };
    size_t checked = 0, blocked = 0, na = 0;
    const cJSON *row;
    cJSON_ArrayForEach(row, ours) {
        const cJSON *pod = find_pod(items, str_or_null(row, "namespace"), str_or_null(row, "pod"));
        assert_non_null(pod);
        const cJSON *md = cJSON_GetObjectItemCaseSensitive(pod, "metadata");
        const cJSON *labels = cJSON_GetObjectItemCaseSensitive(md, "labels");
        const char *aa_case = str_or_null(labels, "sim.armortop.dev/aa-case");
        assert_non_null(aa_case);
        for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++)
            if (strcmp(aa_case, cases[k]) == 0)
                seen[k]++;
        char key[300];
        snprintf(key, sizeof key, "sim.armortop.dev/expect.%s", str_or_null(row, "container"));
        const char *expect = str_or_null(cJSON_GetObjectItemCaseSensitive(md, "annotations"), key);
        assert_non_null(expect);
        const cJSON *declared = cJSON_GetObjectItemCaseSensitive(row, "declared");
        assert_true(cJSON_IsObject(declared));
        const char *type = str_or_null(declared, "type");
        const char *profile = str_or_null(declared, "profile");
        const char *source = str_or_null(declared, "source");
        char got[512];
        snprintf(got, sizeof got, "%s|%s|%s", type ? type : "null", profile ? profile : "null",
                 source ? source : "null");
        if (strcmp(got, expect) != 0)
            fprintf(stderr, "case %s container %s/%s: armortop says %s, generator planted %s\n",
                    aa_case, str_or_null(row, "pod"), str_or_null(row, "container"), got, expect);
        assert_string_equal(got, expect);
        const char *st = str_or_null(row, "status");
        assert_non_null(st);
        /* Kubernetes >= 1.24: only the container whose Localhost profile is missing
         * fails (CreateContainerError); its siblings run. Older kubelets reject the
         * whole pod (Failed, reason AppArmor): every container is blocked. */
        bool want_blocked =
            (strcmp(aa_case, "blocked-missing") == 0 && profile &&
             strncmp(profile, "k8s-missing-", 12) == 0) ||
            strcmp(aa_case, "blocked-legacy") == 0;
        if (want_blocked) {
            assert_string_equal(st, "blocked");
            blocked++;
        } else {
            assert_string_not_equal(st, "blocked");
        }
        if (strcmp(aa_case, "windows") == 0) {
            assert_string_equal(st, "n/a");
            na++;
        }
        assert_true(cJSON_IsBool(cJSON_GetObjectItemCaseSensitive(row, "privileged")));
        assert_true(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(row, "actual")));
        checked++;
    }
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        if (!seen[k])
            fprintf(stderr, "AppArmor case %s never generated\n", cases[k]);
        assert_true(seen[k] > 0);
    }
    assert_true(checked > 400);
    assert_true(blocked >= 2);
    assert_true(na >= 1);
    cJSON_Delete(list);
    cJSON_Delete(ours);
}

static void test_namespace_scoping(void **state)
{
    struct fixture *f = *state;
    int status;
    const char *args[] = { "--once", "pods", "-o", "json", "-n", "payments", NULL };
    cJSON *ours = run_json(f, args, &status);
    assert_int_equal(status, 0);
    assert_true(cJSON_GetArraySize(ours) > 0);
    const cJSON *row;
    cJSON_ArrayForEach(row, ours)
        assert_string_equal(str_or_null(row, "namespace"), "payments");
    cJSON_Delete(ours);
}

static void test_table_has_header_and_rows(void **state)
{
    struct fixture *f = *state;
    const char *argv[] = { "armortop", "--kubeconfig", f->sim.kubeconfig, "--once", "pods",
                           "-A", NULL };
    struct harness_result r;
    assert_int_equal(harness_run(argv, NULL, 60, &r), 0);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "NAMESPACE"));
    assert_non_null(strstr(r.out, "DECLARED"));
    assert_non_null(strstr(r.out, "blocked"));
    size_t lines = 0;
    for (const char *p = r.out; *p; p++)
        lines += *p == '\n';
    assert_true(lines > 400);
    harness_result_free(&r);
}

static void test_nodes_json(void **state)
{
    struct fixture *f = *state;
    int status;
    const char *args[] = { "--once", "nodes", "-o", "json", NULL };
    cJSON *ours = run_json(f, args, &status);
    assert_int_equal(status, 0);
    assert_int_equal(cJSON_GetArraySize(ours), 20);
    cJSON_Delete(ours);
}

static void test_wrong_token_exits_2_naming_server(void **state)
{
    struct fixture *f = *state;
    /* A copy of the kubeconfig with a different token. */
    char path[400];
    snprintf(path, sizeof path, "%s/bad-kubeconfig", f->sim.dir);
    char *kc = harness_read_file(f->sim.kubeconfig, NULL);
    assert_non_null(kc);
    char *tok = strstr(kc, f->sim.token);
    assert_non_null(tok);
    tok[0] = tok[0] == 'x' ? 'y' : 'x';
    FILE *fp = fopen(path, "w");
    fputs(kc, fp);
    fclose(fp);
    free(kc);
    const char *argv[] = { "armortop", "--kubeconfig", path, "--once", "pods", NULL };
    struct harness_result r;
    assert_int_equal(harness_run(argv, NULL, 30, &r), 0);
    assert_int_equal(r.status, 2);
    assert_non_null(strstr(r.err, f->sim.url));
    assert_non_null(strstr(r.err, "401"));
    /* one line */
    assert_non_null(strchr(r.err, '\n'));
    assert_null(strchr(strchr(r.err, '\n') + 1, '\n'));
    assert_int_equal(r.out_len, 0);
    harness_result_free(&r);
}

static void test_unreachable_exits_2(void **state)
{
    struct fixture *f = *state;
    char path[400];
    snprintf(path, sizeof path, "%s/dead-kubeconfig", f->sim.dir);
    FILE *fp = fopen(path, "w");
    /* Port 1 on loopback: nothing listens there. */
    fprintf(fp, "apiVersion: v1\nkind: Config\nclusters:\n- name: dead\n  cluster:\n"
                "    server: http://127.0.0.1:1\ncontexts:\n- name: dead\n  context:\n"
                "    cluster: dead\n    user: u\ncurrent-context: dead\nusers:\n- name: u\n"
                "  user:\n    token: abc\n");
    fclose(fp);
    const char *argv[] = { "armortop", "--kubeconfig", path, "--once", "nodes", NULL };
    struct harness_result r;
    assert_int_equal(harness_run(argv, NULL, 30, &r), 0);
    assert_int_equal(r.status, 2);
    assert_non_null(strstr(r.err, "127.0.0.1:1"));
    harness_result_free(&r);
}

static void *lift_fault_later(void *arg)
{
    struct fixture *f = arg;
    struct timespec ts = { 1, 500 * 1000000L };
    nanosleep(&ts, NULL);
    harness_http(&f->sim, "POST", "/sim/fault?reset=1", NULL, NULL);
    return NULL;
}

static int count_of(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
        n++;
    return n;
}

/* 429 with Retry-After: --once waits as told and tries again (3 times, 30 s at
 * most), so a script rides out a throttled moment; a lasting one still fails. */
static void test_throttled_retries(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(harness_http(&f->sim, "POST",
                                  "/sim/fault?reset=1&error_rate=100&error_code=429&retry_after=1",
                                  NULL, NULL),
                     200);
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, lift_fault_later, f), 0);
    const char *argv[] = { "armortop", "--kubeconfig", f->sim.kubeconfig, "--once", "nodes",
                           "-o", "json", NULL };
    struct harness_result r;
    assert_int_equal(harness_run(argv, NULL, 60, &r), 0);
    pthread_join(th, NULL);
    if (r.status != 0)
        fprintf(stderr, "armortop stderr: %s\n", r.err);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.err, "HTTP 429"));
    assert_non_null(strstr(r.err, "retrying in 1.0 s"));
    cJSON *j = cJSON_Parse(r.out);
    assert_non_null(j);
    assert_int_equal(cJSON_GetArraySize(j), 20); /* the nodes array */
    cJSON_Delete(j);
    harness_result_free(&r);

    /* throttled for good: three waits, then the usual error and exit status */
    assert_int_equal(harness_http(&f->sim, "POST",
                                  "/sim/fault?reset=1&error_rate=100&error_code=429&retry_after=1",
                                  NULL, NULL),
                     200);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    assert_int_equal(harness_run(argv, NULL, 60, &r), 0);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    assert_int_equal(harness_http(&f->sim, "POST", "/sim/fault?reset=1", NULL, NULL), 200);
    assert_int_not_equal(r.status, 0);
    assert_int_equal(count_of(r.err, "retrying in"), 3);
    assert_non_null(strstr(r.err, "cannot read the cluster"));
    assert_true(t1.tv_sec - t0.tv_sec >= 3 - 1); /* it did wait */
    harness_result_free(&r);
}

static void test_usage_exits_1(void **state)
{
    (void)state;
    const char *argv[] = { "armortop", "--once", "nonsense", NULL };
    struct harness_result r;
    assert_int_equal(harness_run(argv, NULL, 10, &r), 0);
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.err, "nonsense"));
    harness_result_free(&r);
}

static void test_missing_kubeconfig_exits_2(void **state)
{
    (void)state;
    const char *argv[] = { "armortop", "--kubeconfig", "/nonexistent/kubeconfig", "--once",
                           "pods", NULL };
    struct harness_result r;
    assert_int_equal(harness_run(argv, NULL, 10, &r), 0);
    assert_int_equal(r.status, 2);
    assert_non_null(strstr(r.err, "/nonexistent/kubeconfig"));
    harness_result_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pods_json_matches_kubectl),
        cmocka_unit_test(test_declared_matches_every_case),
        cmocka_unit_test(test_namespace_scoping),
        cmocka_unit_test(test_table_has_header_and_rows),
        cmocka_unit_test(test_nodes_json),
        cmocka_unit_test(test_wrong_token_exits_2_naming_server),
        cmocka_unit_test(test_unreachable_exits_2),
        cmocka_unit_test(test_throttled_retries),
        cmocka_unit_test(test_usage_exits_1),
        cmocka_unit_test(test_missing_kubeconfig_exits_2),
    };
    return cmocka_run_group_tests_name("once", tests, setup, teardown);
}
