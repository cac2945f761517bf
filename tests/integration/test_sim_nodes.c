/*
 * test_sim_nodes: armortop-sim's simulated nodes, with real armortop-agent
 * processes, on loopback.
 *
 * Covers: agents and their DaemonSet pods come up; the pods proxy reaches an
 * agent, forwards X-Armortop-Authorization and strips Authorization (a request
 * with only Authorization gets the agent's own 401); load/unload through the
 * proxy with the simulator playing the kernel (.replace/.remove), complain mode
 * from `apparmor_parser -C` and from the mode endpoint, a malformed blob
 * rejected; the planted drift seen by the agents equals /sim/truth; the agents'
 * /v1/containers equal the running containers of the API's pods per node (also
 * after /sim/add and /sim/delete); every DENIED line written by /sim/denials is
 * reported once, attributed to the right pod and container; the denial
 * generator; TokenReview and SubjectAccessReview; agent restart; no orphan
 * agents after SIGTERM or SIGKILL of the simulator. Skips (with a message) when
 * apparmor_parser or the features file is absent. Uses tests/harness, libcurl
 * (for custom headers) and cJSON.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <cmocka.h>
#include <curl/curl.h>

#include "../harness.h"

#define PARSER "/usr/sbin/apparmor_parser"
#define FEATURES "/usr/share/apparmor-features/features"

static struct harness_sim g_sim; /* --nodes 3 --pods 40 --agents auto --denial-rate 0 */
static const char *g_base;       /* URL req() talks to: g_sim.url unless a test changes it */
static bool g_skip;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void msleep(int ms)
{
    usleep((useconds_t)ms * 1000);
}

/* ---- HTTP ------------------------------------------------------------------------------ */

/* A request to the sim at path with optional Authorization and X-Armortop-Authorization
 * tokens. Returns the status (or -1) and the body (owned) in *out. */
static long req(const char *method, const char *path, const char *api_token,
                const char *x_token, const char *body, char **out)
{
    char url[2048];
    snprintf(url, sizeof url, "%s%s", g_base ? g_base : g_sim.url, path);
    return harness_curl(method, url, api_token, x_token, body, 30, out);
}

static cJSON *req_json(const char *method, const char *path, const char *x_token,
                       const char *body, long *status)
{
    char *out = NULL;
    long st = req(method, path, g_sim.token, x_token, body, &out);
    if (status)
        *status = st;
    cJSON *j = cJSON_Parse(out);
    if (!j)
        print_message("not JSON (%ld) from %s: %.300s\n", st, path, out);
    free(out);
    return j;
}

static cJSON *sim_json(const char *path)
{
    long st;
    cJSON *j = req_json("GET", path, NULL, NULL, &st);
    assert_int_equal(st, 200);
    assert_non_null(j);
    return j;
}

static const char *jstr(const cJSON *o, const char *path)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s", path);
    const cJSON *cur = o;
    for (char *save = NULL, *t = strtok_r(buf, ".", &save); t && cur;
         t = strtok_r(NULL, ".", &save))
        cur = cJSON_GetObjectItemCaseSensitive(cur, t);
    return cJSON_IsString(cur) ? cur->valuestring : NULL;
}

/* Name of the agent pod of node into buf. */
static void agent_pod(const char *node, char *buf, size_t len)
{
    char path[256];
    snprintf(path, sizeof path,
             "/api/v1/namespaces/armortop-system/pods?fieldSelector=spec.nodeName%%3D%s", node);
    cJSON *l = sim_json(path);
    cJSON *items = cJSON_GetObjectItem(l, "items");
    assert_int_equal(cJSON_GetArraySize(items), 1);
    snprintf(buf, len, "%s", jstr(cJSON_GetArrayItem(items, 0), "metadata.name"));
    cJSON_Delete(l);
}

/* Through the pods proxy to node's agent, with both tokens. */
static cJSON *agent_json(const char *node, const char *method, const char *apath, const char *body,
                         long *status)
{
    char pod[128], path[1024];
    agent_pod(node, pod, sizeof pod);
    snprintf(path, sizeof path, "/api/v1/namespaces/armortop-system/pods/%s:9443/proxy%s", pod,
             apath);
    return req_json(method, path, g_sim.token, body, status);
}

/* The profile entry (borrowed from *list, which the caller frees) of node, or NULL. */
static const cJSON *agent_profile(const char *node, const char *name, cJSON **list)
{
    long st;
    *list = agent_json(node, "GET", "/v1/profiles", NULL, &st);
    assert_int_equal(st, 200);
    const cJSON *arr = cJSON_IsArray(*list) ? *list : cJSON_GetObjectItem(*list, "profiles");
    const cJSON *p;
    cJSON_ArrayForEach(p, arr)
    {
        const char *n = jstr(p, "name");
        if (n && strcmp(n, name) == 0)
            return p;
    }
    return NULL;
}

/* Wait until name is loaded on node with mode (NULL: until it is absent). */
static bool wait_profile(const char *node, const char *name, const char *mode)
{
    for (double end = now_s() + 5; now_s() < end; msleep(50)) {
        cJSON *list = NULL;
        const cJSON *p = agent_profile(node, name, &list);
        bool ok = mode ? p && jstr(p, "mode") && strcmp(jstr(p, "mode"), mode) == 0 : !p;
        cJSON_Delete(list);
        if (ok)
            return true;
    }
    return false;
}

static cJSON *stat_node(cJSON *stats, const char *node)
{
    cJSON *n;
    cJSON_ArrayForEach(n, cJSON_GetObjectItem(stats, "agentNodes"))
    {
        if (strcmp(jstr(n, "node"), node) == 0)
            return n;
    }
    return NULL;
}

static const char *state_dir(char *buf, size_t len)
{
    cJSON *s = sim_json("/sim/stats");
    snprintf(buf, len, "%s", jstr(s, "stateDir") ? jstr(s, "stateDir") : "");
    cJSON_Delete(s);
    return buf;
}

/* ---- fixtures ------------------------------------------------------------------------- */

static bool prerequisites(void)
{
    if (access(PARSER, X_OK) != 0 || access(FEATURES, R_OK) != 0) {
        print_message("%s or %s absent: skipping the simulated nodes\n", PARSER, FEATURES);
        return false;
    }
    char bin[512];
    if (access(harness_bin("armortop-agent", bin, sizeof bin), X_OK) != 0) {
        print_message("armortop-agent not built: skipping\n");
        return false;
    }
    return true;
}

static int group_setup(void **state)
{
    (void)state;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    if (!prerequisites()) {
        g_skip = true;
        return 0;
    }
    const char *args[] = {"--nodes",       "3", "--pods",          "40", "--seed", "3",
                          "--agents",      "auto", "--denial-rate", "0", "--require-token",
                          NULL};
    return harness_sim_start(&g_sim, args);
}

static int group_teardown(void **state)
{
    (void)state;
    if (!g_skip)
        harness_sim_stop(&g_sim);
    curl_global_cleanup();
    return 0;
}

#define SKIP_IF_NEEDED()                                                                           \
    do {                                                                                           \
        (void)state;                                                                               \
        if (g_skip)                                                                                \
            skip();                                                                                \
    } while (0)

/* ---- tests ---------------------------------------------------------------------------- */

static void test_agents_up(void **state)
{
    SKIP_IF_NEEDED();
    cJSON *s = sim_json("/sim/stats");
    cJSON *nodes = cJSON_GetObjectItem(s, "agentNodes");
    assert_int_equal(cJSON_GetArraySize(nodes), 3);
    cJSON *n;
    cJSON_ArrayForEach(n, nodes)
    {
        assert_true(cJSON_IsTrue(cJSON_GetObjectItem(n, "agent")));
        assert_true(cJSON_GetObjectItem(n, "pid")->valueint > 0);
        assert_true(cJSON_GetObjectItem(n, "processes")->valueint > 0);
    }
    cJSON_Delete(s);
    cJSON *l = sim_json("/api/v1/namespaces/armortop-system/pods?labelSelector="
                        "app.kubernetes.io%2Fname%3Darmortop-agent");
    cJSON *items = cJSON_GetObjectItem(l, "items");
    assert_int_equal(cJSON_GetArraySize(items), 3);
    cJSON *p;
    cJSON_ArrayForEach(p, items)
    {
        assert_int_equal(strncmp(jstr(p, "metadata.name"), "armortop-agent-", 15), 0);
        assert_int_equal(strlen(jstr(p, "metadata.name")), 20);
        cJSON *labels = cJSON_GetObjectItem(cJSON_GetObjectItem(p, "metadata"), "labels");
        assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(labels,
                                                                     "app.kubernetes.io/component")),
                            "agent");
        assert_string_equal(
            cJSON_GetStringValue(cJSON_GetObjectItem(labels, "app.kubernetes.io/name")),
            "armortop-agent");
        cJSON *own = cJSON_GetArrayItem(cJSON_GetObjectItem(cJSON_GetObjectItem(p, "metadata"),
                                                            "ownerReferences"),
                                        0);
        assert_string_equal(jstr(own, "kind"), "DaemonSet");
        assert_string_equal(jstr(own, "name"), "armortop-agent");
        assert_string_equal(jstr(p, "status.phase"), "Running");
        assert_non_null(jstr(p, "status.podIP"));
        cJSON *c = cJSON_GetArrayItem(cJSON_GetObjectItem(cJSON_GetObjectItem(p, "spec"),
                                                          "containers"),
                                      0);
        assert_string_equal(jstr(c, "name"), "agent");
        cJSON *port = cJSON_GetArrayItem(cJSON_GetObjectItem(c, "ports"), 0);
        assert_string_equal(jstr(port, "name"), "https");
        assert_int_equal(cJSON_GetObjectItem(port, "containerPort")->valueint, 9443);
    }
    cJSON_Delete(l);
}

static void test_proxy_auth(void **state)
{
    SKIP_IF_NEEDED();
    char pod[128], path[512];
    agent_pod("node-002", pod, sizeof pod);
    /* Both forms of the pod name, with the header token: the agent answers. */
    const char *forms[] = {"%s", "%s:9443", "https:%s:9443", "%s:https"};
    for (size_t i = 0; i < 4; i++) {
        char name[160];
        snprintf(name, sizeof name, forms[i], pod);
        snprintf(path, sizeof path, "/api/v1/namespaces/armortop-system/pods/%s/proxy/v1/status",
                 name);
        long st;
        cJSON *j = req_json("GET", path, g_sim.token, NULL, &st);
        assert_int_equal(st, 200);
        assert_string_equal(jstr(j, "node"), "node-002");
        cJSON_Delete(j);
    }
    snprintf(path, sizeof path, "/api/v1/namespaces/armortop-system/pods/%s/proxy/v1/status", pod);
    /* Only Authorization: the sim accepts it and strips it, so the agent says 401. */
    char *out = NULL;
    assert_int_equal(req("GET", path, g_sim.token, NULL, NULL, &out), 401);
    assert_null(strstr(out, "\"kind\":\"Status\"")); /* the agent's answer, not the sim's */
    free(out);
    /* No token at all: the API server itself refuses (--require-token). */
    assert_int_equal(req("GET", path, NULL, g_sim.token, NULL, &out), 401);
    assert_non_null(strstr(out, "\"kind\":\"Status\""));
    free(out);
    /* Query strings pass through. */
    snprintf(path, sizeof path,
             "/api/v1/namespaces/armortop-system/pods/%s/proxy/v1/denials?since=0&limit=1", pod);
    long st;
    cJSON *j = req_json("GET", path, g_sim.token, NULL, &st);
    assert_int_equal(st, 200);
    assert_non_null(cJSON_GetObjectItem(j, "records"));
    cJSON_Delete(j);
    /* Unknown pod: 404; a pod without an agent behind it: 503. */
    assert_int_equal(req("GET", "/api/v1/namespaces/armortop-system/pods/nope/proxy/v1/status",
                         g_sim.token, g_sim.token, NULL, NULL),
                     404);
    cJSON *l = sim_json("/api/v1/namespaces/default/pods?limit=1");
    snprintf(path, sizeof path, "/api/v1/namespaces/default/pods/%s/proxy/",
             jstr(cJSON_GetArrayItem(cJSON_GetObjectItem(l, "items"), 0), "metadata.name"));
    cJSON_Delete(l);
    assert_int_equal(req("GET", path, g_sim.token, g_sim.token, NULL, NULL), 503);
}

static const char prof_text[] = "profile k8s-simtest {\n  file,\n  deny /etc/shadow r,\n}\n";

static void test_load_unload_through_proxy(void **state)
{
    SKIP_IF_NEEDED();
    long st;
    cJSON *j = agent_json("node-001", "PUT", "/v1/profiles/k8s-simtest", prof_text, &st);
    if (st != 200)
        print_message("PUT: %ld %s\n", st, j ? cJSON_PrintUnformatted(j) : "");
    assert_int_equal(st, 200);
    cJSON_Delete(j);
    assert_true(wait_profile("node-001", "k8s-simtest", "enforce"));
    cJSON *list = NULL;
    const cJSON *p = agent_profile("node-001", "k8s-simtest", &list);
    assert_non_null(p);
    assert_non_null(jstr(p, "hash"));
    assert_int_equal(strlen(jstr(p, "hash")), 64);
    cJSON_Delete(list);
    /* Other nodes do not have it. */
    assert_true(wait_profile("node-002", "k8s-simtest", NULL));
    /* The kernel consumed the write. */
    char dir[512], path[1024];
    state_dir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/nodes/node-001/apparmorfs/.replace", dir);
    struct stat sb;
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal(sb.st_size, 0);

    j = agent_json("node-001", "DELETE", "/v1/profiles/k8s-simtest", NULL, &st);
    assert_int_equal(st, 200);
    cJSON_Delete(j);
    assert_true(wait_profile("node-001", "k8s-simtest", NULL));
    cJSON *s = sim_json("/sim/stats");
    assert_true(cJSON_GetObjectItem(cJSON_GetObjectItem(s, "kernel"), "loads")->valueint >= 1);
    assert_true(cJSON_GetObjectItem(cJSON_GetObjectItem(s, "kernel"), "removes")->valueint >= 1);
    cJSON_Delete(s);
}

static void test_complain_mode(void **state)
{
    SKIP_IF_NEEDED();
    /* apparmor_parser -C, written straight to a node's .replace. */
    char dir[512], src[1024], rep[1024];
    state_dir(dir, sizeof dir);
    snprintf(src, sizeof src, "%s/k8s-cmode.txt", dir);
    FILE *f = fopen(src, "w");
    assert_non_null(f);
    fputs("profile k8s-cmode {\n  file,\n}\n", f);
    fclose(f);
    const char *argv[] = {PARSER, "-QK", "-S", "-C", "-M", FEATURES, src, NULL};
    struct harness_result r;
    assert_int_equal(harness_run(argv, NULL, 30, &r), 0);
    if (r.status != 0)
        print_message("apparmor_parser: %s\n", r.err);
    assert_int_equal(r.status, 0);
    size_t len = r.out_len;
    char *data = malloc(len + 1);
    memcpy(data, r.out, len);
    harness_result_free(&r);
    assert_true(len > 16);
    snprintf(rep, sizeof rep, "%s/nodes/node-003/apparmorfs/.replace", dir);
    int fd = open(rep, O_WRONLY);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, data, len), (ssize_t)len);
    close(fd);
    free(data);
    assert_true(wait_profile("node-003", "k8s-cmode", "complain"));

    /* The agent's mode switch (recompiles with -C). */
    long st;
    cJSON *j = agent_json("node-003", "PUT", "/v1/profiles/k8s-simtest2",
                          "profile k8s-simtest2 {\n  file,\n}\n", &st);
    assert_int_equal(st, 200);
    cJSON_Delete(j);
    assert_true(wait_profile("node-003", "k8s-simtest2", "enforce"));
    j = agent_json("node-003", "POST", "/v1/profiles/k8s-simtest2/mode", "{\"mode\":\"complain\"}",
                   &st);
    assert_int_equal(st, 200);
    cJSON_Delete(j);
    assert_true(wait_profile("node-003", "k8s-simtest2", "complain"));

    /* A malformed blob changes nothing. */
    cJSON *s = sim_json("/sim/stats");
    int rejected = cJSON_GetObjectItem(cJSON_GetObjectItem(s, "kernel"), "rejected")->valueint;
    cJSON_Delete(s);
    fd = open(rep, O_WRONLY);
    assert_true(fd >= 0);
    static const char junk[] = "\x04\x08\x00version\x00\x02\x07\x20\x20\x00\x04\x08\x00pro";
    assert_int_equal(write(fd, junk, sizeof junk - 1), (ssize_t)(sizeof junk - 1));
    close(fd);
    bool seen = false;
    for (double end = now_s() + 5; now_s() < end && !seen; msleep(50)) {
        s = sim_json("/sim/stats");
        seen = cJSON_GetObjectItem(cJSON_GetObjectItem(s, "kernel"), "rejected")->valueint >
               rejected;
        cJSON_Delete(s);
    }
    assert_true(seen);
    assert_true(wait_profile("node-003", "k8s-cmode", "complain"));
    /* Clean up for the drift test. */
    j = agent_json("node-003", "DELETE", "/v1/profiles/k8s-cmode?force=1", NULL, &st);
    cJSON_Delete(j);
    j = agent_json("node-003", "DELETE", "/v1/profiles/k8s-simtest2?force=1", NULL, &st);
    cJSON_Delete(j);
    assert_true(wait_profile("node-003", "k8s-cmode", NULL));
    assert_true(wait_profile("node-003", "k8s-simtest2", NULL));
}

static bool json_array_has(const cJSON *arr, const char *s)
{
    const cJSON *v;
    cJSON_ArrayForEach(v, arr)
    {
        if (cJSON_IsString(v) && strcmp(v->valuestring, s) == 0)
            return true;
    }
    return false;
}

static void test_drift_matches_truth(void **state)
{
    SKIP_IF_NEEDED();
    static const char *const nodes[] = {"node-001", "node-002", "node-003"};
    cJSON *truth = sim_json("/sim/truth");
    cJSON *drift = cJSON_GetObjectItem(truth, "drift");
    /* The planted drift, exactly. */
    assert_int_equal(cJSON_GetArraySize(drift), 3);
    cJSON *d;
    cJSON_ArrayForEach(d, drift)
    {
        const char *prof = jstr(d, "profile"), *kind = jstr(d, "kind");
        const cJSON *dn = cJSON_GetObjectItem(d, "nodes");
        if (strcmp(kind, "missing") == 0) {
            assert_string_equal(prof, "k8s-restricted-net");
            assert_int_equal(cJSON_GetArraySize(dn), 2);
        } else if (strcmp(kind, "hash") == 0) {
            assert_string_equal(prof, "k8s-nginx");
        } else {
            assert_string_equal(kind, "mode");
            assert_string_equal(prof, "payments-wr");
        }
        /* What every agent reports agrees. */
        const char *ref_hash = NULL, *ref_mode = NULL;
        for (size_t i = 0; i < 3; i++) {
            cJSON *list = NULL;
            const cJSON *p = agent_profile(nodes[i], prof, &list);
            bool listed = json_array_has(dn, nodes[i]);
            if (strcmp(kind, "missing") == 0) {
                assert_true(listed == (p == NULL));
            } else {
                assert_non_null(p);
                const char *v = jstr(p, strcmp(kind, "hash") == 0 ? "hash" : "mode");
                assert_non_null(v);
                if (!listed) {
                    const char **ref = strcmp(kind, "hash") == 0 ? &ref_hash : &ref_mode;
                    static char keep[2][80];
                    if (!*ref) {
                        snprintf(keep[ref == &ref_mode], 80, "%s", v);
                        *ref = keep[ref == &ref_mode];
                    }
                    assert_string_equal(v, *ref);
                } else if (strcmp(kind, "mode") == 0) {
                    assert_string_equal(v, "complain");
                }
            }
            cJSON_Delete(list);
        }
    }
    /* Two planted mismatches, missing profiles with their pods. */
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(truth, "mismatches")), 2);
    cJSON *m;
    cJSON_ArrayForEach(m, cJSON_GetObjectItem(truth, "missing"))
    {
        const char *prof = jstr(m, "profile");
        assert_true(strncmp(prof, "k8s-missing-", 12) == 0 || strcmp(prof, "k8s-legacy") == 0);
        assert_true(cJSON_GetArraySize(cJSON_GetObjectItem(m, "pods")) >= 1);
    }
    cJSON_Delete(truth);
}

/* Running containers (pod_uid/container_id) of the API's pods on node, excluding the agent
 * pods, as "uid/cid" strings sorted; count in *n. */
static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static char **api_running(const char *node, size_t *n)
{
    char path[256];
    snprintf(path, sizeof path, "/api/v1/pods?fieldSelector=spec.nodeName%%3D%s", node);
    cJSON *l = sim_json(path);
    char **v = NULL;
    *n = 0;
    cJSON *p;
    cJSON_ArrayForEach(p, cJSON_GetObjectItem(l, "items"))
    {
        /* Agent pods have no simulated processes; Windows pods have no Linux ones. */
        if (strcmp(jstr(p, "metadata.namespace"), "armortop-system") == 0 ||
            (jstr(p, "spec.os.name") && strcmp(jstr(p, "spec.os.name"), "windows") == 0))
            continue;
        const char *uid = jstr(p, "metadata.uid");
        static const char *const keys[] = {"initContainerStatuses", "containerStatuses",
                                           "ephemeralContainerStatuses"};
        for (size_t k = 0; k < 3; k++) {
            cJSON *cs;
            cJSON_ArrayForEach(cs, cJSON_GetObjectItem(cJSON_GetObjectItem(p, "status"), keys[k]))
            {
                if (!cJSON_GetObjectItem(cJSON_GetObjectItem(cs, "state"), "running"))
                    continue;
                const char *cid = jstr(cs, "containerID");
                assert_non_null(cid);
                assert_int_equal(strncmp(cid, "containerd://", 13), 0);
                v = realloc(v, (*n + 1) * sizeof *v);
                v[*n] = malloc(200);
                snprintf(v[*n], 200, "%s/%s", uid, cid + 13);
                (*n)++;
            }
        }
    }
    cJSON_Delete(l);
    qsort(v, *n, sizeof *v, cmp_str);
    return v;
}

static char **agent_running(const char *node, size_t *n)
{
    long st;
    cJSON *j = agent_json(node, "GET", "/v1/containers", NULL, &st);
    assert_int_equal(st, 200);
    const cJSON *arr = cJSON_IsArray(j) ? j : cJSON_GetObjectItem(j, "containers");
    char **v = NULL;
    *n = 0;
    const cJSON *c;
    cJSON_ArrayForEach(c, arr)
    {
        v = realloc(v, (*n + 1) * sizeof *v);
        v[*n] = malloc(200);
        snprintf(v[*n], 200, "%s/%s", jstr(c, "pod_uid"), jstr(c, "container_id"));
        (*n)++;
    }
    cJSON_Delete(j);
    qsort(v, *n, sizeof *v, cmp_str);
    return v;
}

static void free_strs(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

static void assert_containers_match(const char *node)
{
    size_t na, ng;
    char **a = api_running(node, &na);
    char **g = agent_running(node, &ng);
    if (na != ng)
        print_message("%s: API %zu running containers, agent %zu\n", node, na, ng);
    assert_int_equal(na, ng);
    for (size_t i = 0; i < na; i++)
        assert_string_equal(a[i], g[i]);
    assert_true(na > 0);
    free_strs(a, na);
    free_strs(g, ng);
}

static void test_containers_match_pods(void **state)
{
    SKIP_IF_NEEDED();
    assert_containers_match("node-001");
    assert_containers_match("node-002");
    assert_containers_match("node-003");
}

static void test_proc_follows_add_delete(void **state)
{
    SKIP_IF_NEEDED();
    assert_int_equal(harness_http(&g_sim, "POST", "/sim/add?count=6", NULL, NULL), 200);
    assert_int_equal(harness_http(&g_sim, "POST", "/sim/mutate?count=10", NULL, NULL), 200);
    cJSON *l = sim_json("/api/v1/namespaces/default/pods?limit=1");
    const char *name = jstr(cJSON_GetArrayItem(cJSON_GetObjectItem(l, "items"), 0),
                            "metadata.name");
    char path[256];
    snprintf(path, sizeof path, "/sim/delete?ns=default&name=%s", name);
    assert_int_equal(harness_http(&g_sim, "POST", path, NULL, NULL), 200);
    cJSON_Delete(l);
    assert_containers_match("node-001");
    assert_containers_match("node-002");
    assert_containers_match("node-003");
}

static void test_denials_reported_once(void **state)
{
    SKIP_IF_NEEDED();
    long st;
    cJSON *before = agent_json("node-002", "GET", "/v1/denials?since=0&limit=100000", NULL, &st);
    assert_int_equal(st, 200);
    double cursor = cJSON_GetObjectItem(before, "next")->valuedouble;
    cJSON_Delete(before);
    cJSON *w = req_json("POST", "/sim/denials?node=node-002&count=18", NULL, NULL, &st);
    assert_int_equal(st, 200);
    cJSON *want = cJSON_GetObjectItem(w, "records");
    assert_int_equal(cJSON_GetArraySize(want), 18);
    cJSON *got = NULL;
    int ndenied = 0;
    for (double end = now_s() + 8; now_s() < end; msleep(100)) {
        char apath[128];
        snprintf(apath, sizeof apath, "/v1/denials?since=%.0f&limit=100000", cursor);
        cJSON_Delete(got);
        got = agent_json("node-002", "GET", apath, NULL, &st);
        assert_int_equal(st, 200);
        ndenied = 0;
        cJSON *r;
        cJSON_ArrayForEach(r, cJSON_GetObjectItem(got, "records"))
        {
            ndenied += strcmp(jstr(r, "event"), "DENIED") == 0;
        }
        if (ndenied >= 18)
            break;
    }
    assert_int_equal(ndenied, 18);
    /* Each written record matches one reported record (pid, operation, pod, container). */
    bool *used = calloc(64, sizeof *used);
    cJSON *x;
    cJSON_ArrayForEach(x, want)
    {
        int pid = cJSON_GetObjectItem(x, "pid")->valueint;
        bool found = false;
        int i = 0;
        cJSON *r;
        cJSON_ArrayForEach(r, cJSON_GetObjectItem(got, "records"))
        {
            if (!found && !used[i] && strcmp(jstr(r, "event"), "DENIED") == 0 &&
                cJSON_GetObjectItem(r, "pid")->valueint == pid &&
                strcmp(jstr(r, "operation"), jstr(x, "operation")) == 0) {
                assert_string_equal(jstr(r, "pod_uid"), jstr(x, "pod_uid"));
                assert_string_equal(jstr(r, "container_id"), jstr(x, "container_id"));
                assert_string_equal(jstr(r, "profile"), jstr(x, "profile"));
                used[i] = true;
                found = true;
            }
            i++;
        }
        if (!found)
            print_message("not reported: %s\n", cJSON_PrintUnformatted(x));
        assert_true(found);
    }
    free(used);
    cJSON_Delete(got);
    cJSON_Delete(w);
    cJSON *s = sim_json("/sim/stats");
    assert_int_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(s, "denied_written"), "node-002")
                         ->valueint,
                     18);
    cJSON_Delete(s);
    /* Bad requests. */
    assert_int_equal(req("POST", "/sim/denials?node=node-999&count=1", g_sim.token, NULL, NULL,
                         NULL),
                     404);
    assert_int_equal(req("POST", "/sim/denials?count=1", g_sim.token, NULL, NULL, NULL), 400);
}

static void test_token_review(void **state)
{
    SKIP_IF_NEEDED();
    long st;
    char body[512];
    snprintf(body, sizeof body,
             "{\"apiVersion\":\"authentication.k8s.io/v1\",\"kind\":\"TokenReview\","
             "\"spec\":{\"token\":\"%s\"}}",
             g_sim.token);
    cJSON *j = req_json("POST", "/apis/authentication.k8s.io/v1/tokenreviews", NULL, body, &st);
    assert_int_equal(st, 201);
    assert_string_equal(jstr(j, "kind"), "TokenReview");
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "status"),
                                                 "authenticated")));
    assert_string_equal(jstr(j, "status.user.username"), "admin");
    assert_true(json_array_has(cJSON_GetObjectItem(
                                   cJSON_GetObjectItem(cJSON_GetObjectItem(j, "status"), "user"),
                                   "groups"),
                               "armortop-admins"));
    cJSON_Delete(j);
    j = req_json("POST", "/apis/authentication.k8s.io/v1/tokenreviews", NULL,
                 "{\"apiVersion\":\"authentication.k8s.io/v1\",\"kind\":\"TokenReview\","
                 "\"spec\":{\"token\":\"wrong\"}}",
                 &st);
    assert_int_equal(st, 201);
    assert_false(cJSON_IsTrue(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "status"),
                                                  "authenticated")));
    assert_non_null(jstr(j, "status.error"));
    cJSON_Delete(j);
    j = req_json("POST", "/apis/authentication.k8s.io/v1/tokenreviews", NULL, "not json", &st);
    assert_int_equal(st, 400);
    cJSON_Delete(j);
    /* Discovery lists both groups. */
    j = sim_json("/apis");
    char *txt = cJSON_PrintUnformatted(j);
    assert_non_null(strstr(txt, "authentication.k8s.io"));
    assert_non_null(strstr(txt, "authorization.k8s.io"));
    free(txt);
    cJSON_Delete(j);
    cJSON_Delete(sim_json("/apis/authorization.k8s.io/v1"));
}

static bool sar(const char *group, const char *verb, const char *resource)
{
    char body[1024];
    snprintf(body, sizeof body,
             "{\"apiVersion\":\"authorization.k8s.io/v1\",\"kind\":\"SubjectAccessReview\","
             "\"spec\":{\"user\":\"someone\",\"groups\":[\"%s\",\"system:authenticated\"],"
             "\"resourceAttributes\":{\"verb\":\"%s\",\"group\":\"armortop.io\",\"version\":"
             "\"v1\",\"resource\":\"%s\",\"subresource\":\"profiles\",\"name\":\"node-001\"}}}",
             group, verb, resource);
    long st;
    cJSON *j =
        req_json("POST", "/apis/authorization.k8s.io/v1/subjectaccessreviews", NULL, body, &st);
    assert_int_equal(st, 201);
    assert_string_equal(jstr(j, "kind"), "SubjectAccessReview");
    bool ok = cJSON_IsTrue(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "status"), "allowed"));
    cJSON_Delete(j);
    return ok;
}

static void test_subject_access_review(void **state)
{
    SKIP_IF_NEEDED();
    assert_true(sar("armortop-admins", "update", "apparmorprofiles"));
    assert_true(sar("armortop-admins", "delete", "apparmorprofiles"));
    assert_true(sar("armortop-viewers", "get", "apparmorprofiles"));
    assert_true(sar("armortop-viewers", "list", "apparmorprofiles"));
    assert_false(sar("armortop-viewers", "update", "apparmorprofiles"));
    assert_false(sar("armortop-viewers", "create", "apparmorprofiles"));
    assert_false(sar("developers", "get", "apparmorprofiles"));
    assert_false(sar("armortop-admins", "get", "secrets"));
    long st;
    cJSON *j = req_json("POST", "/apis/authorization.k8s.io/v1/subjectaccessreviews", NULL,
                        "{\"apiVersion\":\"authorization.k8s.io/v1\",\"kind\":"
                        "\"SubjectAccessReview\",\"spec\":{\"user\":\"x\"}}",
                        &st);
    assert_int_equal(st, 400);
    cJSON_Delete(j);
}

static void test_agent_restarts(void **state)
{
    SKIP_IF_NEEDED();
    cJSON *s = sim_json("/sim/stats");
    int pid = cJSON_GetObjectItem(stat_node(s, "node-003"), "pid")->valueint;
    cJSON_Delete(s);
    assert_true(pid > 0);
    assert_int_equal(kill(pid, SIGKILL), 0);
    bool back = false;
    for (double end = now_s() + 10; now_s() < end && !back; msleep(100)) {
        s = sim_json("/sim/stats");
        cJSON *n = stat_node(s, "node-003");
        back = cJSON_IsTrue(cJSON_GetObjectItem(n, "agent")) &&
               cJSON_GetObjectItem(n, "pid")->valueint != pid &&
               cJSON_GetObjectItem(n, "pid")->valueint > 0;
        cJSON_Delete(s);
    }
    assert_true(back);
    long st;
    cJSON *j = agent_json("node-003", "GET", "/v1/status", NULL, &st);
    assert_int_equal(st, 200);
    cJSON_Delete(j);
}

/* Agent pids of a sim (via its /sim/stats) into pids; returns the count. */
static size_t sim_agent_pids(struct harness_sim *sim, int *pids, size_t max, char *dir,
                             size_t dlen)
{
    char *out = NULL;
    assert_int_equal(harness_http(sim, "GET", "/sim/stats", NULL, &out), 200);
    cJSON *s = cJSON_Parse(out);
    free(out);
    size_t n = 0;
    cJSON *x;
    cJSON_ArrayForEach(x, cJSON_GetObjectItem(s, "agentNodes"))
    {
        if (n < max && cJSON_GetObjectItem(x, "pid")->valueint > 0)
            pids[n++] = cJSON_GetObjectItem(x, "pid")->valueint;
    }
    snprintf(dir, dlen, "%s", jstr(s, "stateDir") ? jstr(s, "stateDir") : "");
    cJSON_Delete(s);
    return n;
}

static bool all_gone(const int *pids, size_t n)
{
    for (double end = now_s() + 5; now_s() < end; msleep(50)) {
        bool any = false;
        for (size_t i = 0; i < n; i++) {
            char path[64];
            snprintf(path, sizeof path, "/proc/%d/stat", pids[i]);
            char *st = harness_read_file(path, NULL);
            /* Gone, or a zombie about to be reaped by init. */
            if (st && !strstr(st, ") Z "))
                any = true;
            free(st);
        }
        if (!any)
            return true;
    }
    return false;
}

static void test_no_orphans(void **state)
{
    SKIP_IF_NEEDED();
    for (int how = 0; how < 2; how++) {
        struct harness_sim sim;
        const char *args[] = {"--nodes", "4", "--pods", "20", "--agents", "2", NULL};
        assert_int_equal(harness_sim_start(&sim, args), 0);
        int pids[8];
        char dir[512];
        size_t n = sim_agent_pids(&sim, pids, 8, dir, sizeof dir);
        assert_int_equal(n, 2);
        struct stat sb;
        assert_int_equal(stat(dir, &sb), 0);
        if (how == 0) {
            harness_sim_stop(&sim); /* SIGTERM */
            assert_true(all_gone(pids, n));
            assert_int_not_equal(stat(dir, &sb), 0); /* temporary state removed */
        } else {
            harness_sim_kill(&sim); /* SIGKILL: PR_SET_PDEATHSIG ends the agents */
            assert_true(all_gone(pids, n));
            const char *rm[] = {"rm", "-rf", dir, NULL};
            struct harness_result r;
            if (dir[0] && strncmp(dir, "/tmp/armortop-sim.", 18) == 0 &&
                harness_run(rm, NULL, 10, &r) == 0)
                harness_result_free(&r);
            harness_sim_stop(&sim);
        }
    }
}

static void test_denial_generator(void **state)
{
    SKIP_IF_NEEDED();
    struct harness_sim sim;
    const char *args[] = {"--nodes", "2", "--pods", "30", "--agents", "1", "--denial-rate", "40",
                          NULL};
    assert_int_equal(harness_sim_start(&sim, args), 0);
    long lines = 0, denied = 0;
    for (double end = now_s() + 5; now_s() < end && lines < 20; msleep(200)) {
        char *out = NULL;
        assert_int_equal(harness_http(&sim, "GET", "/sim/stats", NULL, &out), 200);
        cJSON *s = cJSON_Parse(out);
        free(out);
        lines = (long)cJSON_GetObjectItem(s, "lines_total")->valuedouble;
        denied = (long)cJSON_GetObjectItem(s, "denied_total")->valuedouble;
        cJSON_Delete(s);
    }
    assert_true(lines >= 20);
    assert_true(denied > 0);
    harness_sim_stop(&sim);
}

/* Users from --users reach the agents through TokenReview + SubjectAccessReview
 * (the agents get --kubeconfig pointing at the sim). */
static void test_kubernetes_auth_users(void **state)
{
    SKIP_IF_NEEDED();
    struct harness_sim sim;
    const char *args[] = {"--nodes",  "2", "--pods",
                          "10",       "--agents", "1",
                          "--users",
                          "viewer-tok-1=alice:armortop-viewers,admin-tok-22=bob:armortop-admins,"
                          "dev-tok-333=eve:developers",
                          NULL};
    assert_int_equal(harness_sim_start(&sim, args), 0);
    g_base = sim.url;
    char *out = NULL;
    assert_int_equal(req("GET", "/api/v1/namespaces/armortop-system/pods", "admin-tok-22", NULL,
                         NULL, &out),
                     200);
    cJSON *l = cJSON_Parse(out);
    free(out);
    char base[512];
    snprintf(base, sizeof base, "/api/v1/namespaces/armortop-system/pods/%s/proxy",
             jstr(cJSON_GetArrayItem(cJSON_GetObjectItem(l, "items"), 0), "metadata.name"));
    cJSON_Delete(l);
    char st_path[600], put_path[600];
    snprintf(st_path, sizeof st_path, "%s/v1/status", base);
    snprintf(put_path, sizeof put_path, "%s/v1/profiles/k8s-users", base);
    const char *body = "profile k8s-users {\n  file,\n}\n";
    /* bob (admins) is only known to the cluster: TokenReview + SAR allow a load. */
    assert_int_equal(req("GET", st_path, "admin-tok-22", "admin-tok-22", NULL, NULL), 200);
    assert_int_equal(req("PUT", put_path, "admin-tok-22", "admin-tok-22", body, NULL), 200);
    assert_int_equal(req("GET", st_path, "admin-tok-22", "viewer-tok-1", NULL, NULL), 200);
    assert_int_equal(req("PUT", put_path, "admin-tok-22", "viewer-tok-1", body, NULL), 403);
    assert_int_equal(req("GET", st_path, "admin-tok-22", "dev-tok-333", NULL, NULL), 403);
    assert_int_equal(req("GET", st_path, "admin-tok-22", "nobody-token", NULL, NULL), 401);
    /* The API server itself refuses unknown tokens. */
    assert_int_equal(req("GET", "/api/v1/pods", "nobody-token", NULL, NULL, NULL), 401);
    g_base = NULL;
    harness_sim_stop(&sim);
}

static void test_usage(void **state)
{
    (void)state;
    const char *bad[][3] = {{"--agents", "x", NULL},
                            {"--denial-rate", "-1", NULL},
                            {"--users", "nogroup", NULL}};
    for (size_t i = 0; i < 3; i++) {
        const char *argv[] = {"armortop-sim", bad[i][0], bad[i][1], NULL};
        struct harness_result r;
        assert_int_equal(harness_run(argv, NULL, 10, &r), 0);
        assert_int_equal(r.status, 1);
        harness_result_free(&r);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_usage),
        cmocka_unit_test(test_agents_up),
        cmocka_unit_test(test_proxy_auth),
        cmocka_unit_test(test_load_unload_through_proxy),
        cmocka_unit_test(test_complain_mode),
        cmocka_unit_test(test_drift_matches_truth),
        cmocka_unit_test(test_containers_match_pods),
        cmocka_unit_test(test_denials_reported_once),
        cmocka_unit_test(test_token_review),
        cmocka_unit_test(test_subject_access_review),
        cmocka_unit_test(test_kubernetes_auth_users),
        cmocka_unit_test(test_proc_follows_add_delete),
        cmocka_unit_test(test_agent_restarts),
        cmocka_unit_test(test_denial_generator),
        cmocka_unit_test(test_no_orphans),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
