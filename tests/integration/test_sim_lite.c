/*
 * test_sim_lite: armortop-sim's lightweight in-process agents (--lite-agents).
 *
 * Covers: every endpoint of a lite agent through the pods proxy; the JSON
 * shapes (keys and types, recursively, with cJSON) equal a real
 * armortop-agent's for the same kind of node state (status, profiles, one
 * profile, containers, denials, summary; denials written by /sim/denials on
 * both); 401 without or with an unknown token, 403 for a reader's write, 501
 * for an admin's PUT/DELETE/POST mode; the denial cursor (since, next,
 * dropped, reset, limit) without gaps or duplicates; /sim/truth lists lite
 * nodes as agent nodes and their unconfined containers as the agents report
 * them; `armortop --once nodes -o json` against --agents 2 --lite-agents all
 * shows every Linux node's agent ok; a scale smoke (--nodes 500 --pods 5000
 * --lite-agents all, timing printed, not asserted). The real-agent comparison
 * skips when apparmor_parser or the features file is absent. Uses
 * tests/harness, libcurl and cJSON.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <cmocka.h>
#include <curl/curl.h>

#include "../harness.h"

#define PARSER "/usr/sbin/apparmor_parser"
#define FEATURES "/usr/share/apparmor-features/features"
#define VIEWER "viewer-tok-1"
#define REAL_NODE "node-001"
#define LITE_NODE "node-002"
#define LITE_NODE2 "node-003"

/* --nodes 4 --pods 24 --agents 1 (when real agents can run) --lite-agents all */
static struct harness_sim g_sim;
static bool g_has_real, g_failed_start;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- HTTP ------------------------------------------------------------------------------ */

/* method path on sim with the API token and an optional X-Armortop-Authorization
 * token; the status (or -1), the body (owned) in *out. */
static long req(const struct harness_sim *sim, const char *method, const char *path,
                const char *x_token, const char *body, char **out)
{
    char url[2048];
    snprintf(url, sizeof url, "%s%s", sim->url, path);
    return harness_curl(method, url, sim->token, x_token, body, 60, out);
}

static cJSON *sim_json(const struct harness_sim *sim, const char *path)
{
    char *out = NULL;
    long st = req(sim, "GET", path, NULL, NULL, &out);
    if (st != 200)
        fail_msg("GET %s: %ld %.300s", path, st, out);
    cJSON *j = cJSON_Parse(out);
    free(out);
    assert_non_null(j);
    return j;
}

static const char *jstr(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static double jnum(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsNumber(v) ? v->valuedouble : -1;
}

/* The proxy path of node's agent followed by apath, into buf. */
static const char *agent_path(const struct harness_sim *sim, const char *node, const char *apath,
                              char *buf, size_t len)
{
    char path[256];
    snprintf(path, sizeof path,
             "/api/v1/namespaces/armortop-system/pods?fieldSelector=spec.nodeName%%3D%s", node);
    cJSON *l = sim_json(sim, path);
    cJSON *items = cJSON_GetObjectItem(l, "items");
    assert_int_equal(cJSON_GetArraySize(items), 1);
    const cJSON *md = cJSON_GetObjectItem(cJSON_GetArrayItem(items, 0), "metadata");
    snprintf(buf, len, "/api/v1/namespaces/armortop-system/pods/%s:9443/proxy%s", jstr(md, "name"),
             apath);
    cJSON_Delete(l);
    return buf;
}

/* An agent answer (admin token); status in *status. */
static cJSON *agent_json(const struct harness_sim *sim, const char *node, const char *method,
                         const char *apath, long *status)
{
    char path[1024], *out = NULL;
    agent_path(sim, node, apath, path, sizeof path);
    long st = req(sim, method, path, sim->token, NULL, &out);
    if (status)
        *status = st;
    cJSON *j = cJSON_Parse(out);
    if (!j)
        print_message("not JSON (%ld) from %s %s: %.300s\n", st, node, apath, out);
    free(out);
    return j;
}

static cJSON *agent_ok(const struct harness_sim *sim, const char *node, const char *apath)
{
    long st;
    cJSON *j = agent_json(sim, node, "GET", apath, &st);
    if (st != 200)
        fail_msg("%s %s: %ld", node, apath, st);
    assert_non_null(j);
    return j;
}

static void write_denials(const struct harness_sim *sim, const char *node, unsigned count)
{
    char path[128];
    snprintf(path, sizeof path, "/sim/denials?node=%s&count=%u", node, count);
    char *out = NULL;
    long st = req(sim, "POST", path, NULL, NULL, &out);
    if (st != 200)
        fail_msg("POST %s: %ld %s", path, st, out);
    free(out);
}

/* ---- shapes ---------------------------------------------------------------------------- */

static int kind_of(const cJSON *j)
{
    return cJSON_IsBool(j) ? cJSON_True : (j->type & 0xff);
}

/* Same keys (in order) and types, recursively. Arrays: every element of b has the
 * shape of some element of a (elements may differ among themselves, as a record
 * of a capability denial differs from a file one); an empty side compares equal.
 * On a difference, where gets a description. */
static bool shape_eq(const cJSON *a, const cJSON *b, char *where, size_t wlen)
{
    if (kind_of(a) != kind_of(b)) {
        snprintf(where, wlen, "%s: type %d vs %d", a->string ? a->string : "(value)", kind_of(a),
                 kind_of(b));
        return false;
    }
    if (cJSON_IsObject(a)) {
        if (cJSON_GetArraySize(a) != cJSON_GetArraySize(b)) {
            snprintf(where, wlen, "%s: %d keys vs %d", a->string ? a->string : "(object)",
                     cJSON_GetArraySize(a), cJSON_GetArraySize(b));
            return false;
        }
        const cJSON *x = a->child, *y = b->child;
        for (; x && y; x = x->next, y = y->next) {
            if (strcmp(x->string, y->string) != 0) {
                snprintf(where, wlen, "key %s vs %s", x->string, y->string);
                return false;
            }
            if (!shape_eq(x, y, where, wlen))
                return false;
        }
        return true;
    }
    if (cJSON_IsArray(a)) {
        const cJSON *y;
        cJSON_ArrayForEach(y, b)
        {
            bool found = !a->child;
            const cJSON *x;
            char w2[256] = "";
            cJSON_ArrayForEach(x, a)
            {
                if (shape_eq(x, y, w2, sizeof w2)) {
                    found = true;
                    break;
                }
            }
            if (!found) {
                char *s = cJSON_PrintUnformatted(y);
                snprintf(where, wlen, "no element shaped like %.300s (%s)", s, w2);
                free(s);
                return false;
            }
        }
        return true;
    }
    return true;
}

static void assert_same_shape(const char *apath)
{
    cJSON *real = agent_ok(&g_sim, REAL_NODE, apath);
    cJSON *lite = agent_ok(&g_sim, LITE_NODE, apath);
    char where[600] = "";
    if (!shape_eq(real, lite, where, sizeof where))
        fail_msg("%s: lite shape differs from the real agent's: %s", apath, where);
    cJSON_Delete(real);
    cJSON_Delete(lite);
}

/* ---- fixtures ------------------------------------------------------------------------- */

static bool real_agents_possible(void)
{
    char bin[512];
    return access(PARSER, X_OK) == 0 && access(FEATURES, R_OK) == 0 &&
           access(harness_bin("armortop-agent", bin, sizeof bin), X_OK) == 0;
}

static int group_setup(void **state)
{
    (void)state;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    g_has_real = real_agents_possible();
    if (!g_has_real)
        print_message("no apparmor_parser/features/agent: lite agents only, no comparison\n");
    const char *args[] = {"--nodes",       "4",    "--pods",        "24",
                          "--seed",        "3",    "--agents",      g_has_real ? "1" : "0",
                          "--lite-agents", "all",  "--denial-rate", "0",
                          "--users",       VIEWER "=alice:armortop-viewers",
                          "--require-token", NULL};
    if (harness_sim_start(&g_sim, args) != 0)
        g_failed_start = true;
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    if (!g_failed_start)
        harness_sim_stop(&g_sim);
    curl_global_cleanup();
    return 0;
}

/* ---- tests ---------------------------------------------------------------------------- */

static void test_endpoints(void **state)
{
    (void)state;
    assert_false(g_failed_start);
    write_denials(&g_sim, LITE_NODE, 4);
    char path[1024], *out = NULL;
    agent_path(&g_sim, LITE_NODE, "/healthz", path, sizeof path);
    assert_int_equal(req(&g_sim, "GET", path, NULL, NULL, &out), 200);
    assert_string_equal(out, "ok\n");
    free(out);
    agent_path(&g_sim, LITE_NODE, "/metrics", path, sizeof path);
    assert_int_equal(req(&g_sim, "GET", path, g_sim.token, NULL, &out), 200);
    assert_non_null(strstr(out, "armortop_agent_records_total{event=\"DENIED\"} 4\n"));
    assert_non_null(strstr(out, "armortop_agent_profiles{mode=\"enforce\"}"));
    free(out);

    cJSON *st = agent_ok(&g_sim, LITE_NODE, "/v1/status");
    assert_string_equal(jstr(st, "node"), LITE_NODE);
    assert_true(jnum(cJSON_GetObjectItem(st, "counts"), "denials") == 4);
    cJSON_Delete(st);

    cJSON *pl = agent_ok(&g_sim, LITE_NODE, "/v1/profiles");
    const cJSON *profs = cJSON_GetObjectItem(pl, "profiles");
    assert_true(cJSON_GetArraySize(profs) >= 5);
    char name[160];
    snprintf(name, sizeof name, "%s", jstr(cJSON_GetArrayItem(profs, 1), "name"));
    cJSON_Delete(pl);
    char ap[256];
    snprintf(ap, sizeof ap, "/v1/profiles/%s", name);
    cJSON *one = agent_ok(&g_sim, LITE_NODE, ap);
    assert_string_equal(jstr(one, "name"), name);
    cJSON_Delete(one);
    long code;
    cJSON *nf = agent_json(&g_sim, LITE_NODE, "GET", "/v1/profiles/no-such-profile", &code);
    assert_int_equal(code, 404);
    assert_non_null(jstr(nf, "error"));
    cJSON_Delete(nf);

    cJSON *cs = agent_ok(&g_sim, LITE_NODE, "/v1/containers");
    assert_true(cJSON_IsArray(cs));
    assert_true(cJSON_GetArraySize(cs) > 0);
    const cJSON *c;
    cJSON_ArrayForEach(c, cs)
    {
        assert_int_equal(strlen(jstr(c, "container_id")), 64);
        assert_non_null(jstr(c, "label"));
    }
    cJSON_Delete(cs);

    cJSON *dn = agent_ok(&g_sim, LITE_NODE, "/v1/denials?since=0&limit=10");
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(dn, "records")), 4);
    const cJSON *r;
    cJSON_ArrayForEach(r, cJSON_GetObjectItem(dn, "records"))
    {
        assert_string_equal(jstr(r, "event"), "DENIED");
        assert_string_equal(jstr(r, "node"), LITE_NODE);
        assert_string_equal(jstr(r, "attributed_by"), "pid");
        assert_non_null(jstr(r, "container_id"));
    }
    cJSON_Delete(dn);
    cJSON *sm = agent_ok(&g_sim, LITE_NODE, "/v1/denials/summary");
    assert_true(cJSON_IsArray(sm));
    double total = 0;
    cJSON_ArrayForEach(r, sm)
    total += jnum(r, "count");
    assert_true(total == 4);
    cJSON_Delete(sm);
}

static void test_auth(void **state)
{
    (void)state;
    assert_false(g_failed_start);
    char path[1024], *out = NULL;
    agent_path(&g_sim, LITE_NODE, "/v1/status", path, sizeof path);
    assert_int_equal(req(&g_sim, "GET", path, NULL, NULL, &out), 401);
    cJSON *e = cJSON_Parse(out);
    assert_non_null(jstr(e, "error"));
    cJSON_Delete(e);
    free(out);
    assert_int_equal(req(&g_sim, "GET", path, "not-a-known-token", NULL, NULL), 401);
    assert_int_equal(req(&g_sim, "GET", path, VIEWER, NULL, NULL), 200);
    assert_int_equal(req(&g_sim, "GET", path, g_sim.token, NULL, NULL), 200);

    const char *body = "profile k8s-lite-test {\n  file,\n}\n";
    agent_path(&g_sim, LITE_NODE, "/v1/profiles/k8s-lite-test", path, sizeof path);
    assert_int_equal(req(&g_sim, "PUT", path, NULL, body, NULL), 401);
    assert_int_equal(req(&g_sim, "PUT", path, VIEWER, body, NULL), 403);
    assert_int_equal(req(&g_sim, "PUT", path, g_sim.token, body, &out), 501);
    e = cJSON_Parse(out);
    assert_non_null(e);
    assert_non_null(strstr(jstr(e, "error"), "read-only"));
    cJSON_Delete(e);
    free(out);
    assert_int_equal(req(&g_sim, "DELETE", path, g_sim.token, NULL, NULL), 501);
    agent_path(&g_sim, LITE_NODE, "/v1/profiles/k8s-nginx/mode", path, sizeof path);
    assert_int_equal(req(&g_sim, "POST", path, g_sim.token, "{\"mode\":\"complain\"}", NULL), 501);
    /* Nothing changed. */
    cJSON *pl = agent_ok(&g_sim, LITE_NODE, "/v1/profiles/k8s-nginx");
    assert_string_equal(jstr(pl, "mode"), "enforce");
    cJSON_Delete(pl);
    long code;
    cJSON *gone = agent_json(&g_sim, LITE_NODE, "GET", "/v1/profiles/k8s-lite-test", &code);
    assert_int_equal(code, 404);
    cJSON_Delete(gone);
    /* Unknown path and method, after authentication, as the real agent. */
    cJSON *nf = agent_json(&g_sim, LITE_NODE, "GET", "/v2/nothing", &code);
    assert_int_equal(code, 404);
    cJSON_Delete(nf);
    agent_path(&g_sim, LITE_NODE, "/v1/status", path, sizeof path);
    assert_int_equal(req(&g_sim, "PUT", path, g_sim.token, "x", NULL), 405);
}

static void test_shapes_equal_real_agent(void **state)
{
    (void)state;
    assert_false(g_failed_start);
    if (!g_has_real)
        skip();
    /* Enough records on the real node that each (format, event) pair occurs. */
    write_denials(&g_sim, REAL_NODE, 1000);
    write_denials(&g_sim, LITE_NODE, 60);
    /* The real agent reads its log asynchronously. */
    for (double end = now_s() + 10; now_s() < end; usleep(50000)) {
        cJSON *st = agent_ok(&g_sim, REAL_NODE, "/v1/status");
        double n = jnum(cJSON_GetObjectItem(st, "counts"), "denials");
        cJSON_Delete(st);
        if (n >= 1000)
            break;
    }
    const char *paths[] = {"/v1/status",         "/v1/profiles",
                           "/v1/profiles/k8s-nginx", "/v1/containers",
                           "/v1/denials?since=0&limit=10000", "/v1/denials?since=999999999",
                           "/v1/denials/summary"};
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++)
        assert_same_shape(paths[i]);
    /* Error bodies too. */
    long c1, c2;
    cJSON *a = agent_json(&g_sim, REAL_NODE, "GET", "/v1/profiles/no-such", &c1);
    cJSON *b = agent_json(&g_sim, LITE_NODE, "GET", "/v1/profiles/no-such", &c2);
    assert_int_equal(c1, c2);
    char where[600];
    assert_true(shape_eq(a, b, where, sizeof where));
    cJSON_Delete(a);
    cJSON_Delete(b);
    a = agent_json(&g_sim, REAL_NODE, "GET", "/v1/denials?since=x", &c1);
    b = agent_json(&g_sim, LITE_NODE, "GET", "/v1/denials?since=x", &c2);
    assert_int_equal(c1, 400);
    assert_int_equal(c2, 400);
    cJSON_Delete(a);
    cJSON_Delete(b);
    /* The 401 of both. */
    char path[1024], *o1 = NULL, *o2 = NULL;
    agent_path(&g_sim, REAL_NODE, "/v1/containers", path, sizeof path);
    assert_int_equal(req(&g_sim, "GET", path, NULL, NULL, &o1), 401);
    agent_path(&g_sim, LITE_NODE, "/v1/containers", path, sizeof path);
    assert_int_equal(req(&g_sim, "GET", path, NULL, NULL, &o2), 401);
    assert_string_equal(o1, o2);
    free(o1);
    free(o2);
}

static void test_denial_cursor(void **state)
{
    (void)state;
    assert_false(g_failed_start);
    cJSON *d = agent_ok(&g_sim, LITE_NODE2, "/v1/denials?since=0");
    double head = jnum(d, "next");
    assert_true(head == jnum(d, "newest"));
    cJSON_Delete(d);
    write_denials(&g_sim, LITE_NODE2, 5);
    char ap[128];
    snprintf(ap, sizeof ap, "/v1/denials?since=%.0f&limit=2", head);
    d = agent_ok(&g_sim, LITE_NODE2, ap);
    const cJSON *recs = cJSON_GetObjectItem(d, "records");
    assert_int_equal(cJSON_GetArraySize(recs), 2);
    assert_true(jnum(cJSON_GetArrayItem(recs, 0), "cursor") == head + 1);
    assert_true(jnum(cJSON_GetArrayItem(recs, 1), "cursor") == head + 2);
    assert_true(jnum(d, "next") == head + 2);
    assert_true(jnum(d, "dropped") == 0);
    assert_true(jnum(d, "newest") == head + 5);
    cJSON_Delete(d);
    snprintf(ap, sizeof ap, "/v1/denials?since=%.0f", head + 2);
    d = agent_ok(&g_sim, LITE_NODE2, ap);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(d, "records")), 3);
    assert_true(jnum(d, "next") == head + 5);
    cJSON_Delete(d);
    /* Caught up: nothing, next stays. */
    snprintf(ap, sizeof ap, "/v1/denials?since=%.0f", head + 5);
    d = agent_ok(&g_sim, LITE_NODE2, ap);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(d, "records")), 0);
    assert_true(jnum(d, "next") == head + 5);
    assert_null(cJSON_GetObjectItem(d, "reset"));
    cJSON_Delete(d);
    /* A cursor from the future (an agent restarted): reset, from the start. */
    d = agent_ok(&g_sim, LITE_NODE2, "/v1/denials?since=123456789");
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(d, "reset")));
    assert_true(cJSON_GetArraySize(cJSON_GetObjectItem(d, "records")) >= 5);
    cJSON_Delete(d);
    /* Overflow the ring: dropped is counted and the cursor skips the gap. */
    write_denials(&g_sim, LITE_NODE2, 600);
    snprintf(ap, sizeof ap, "/v1/denials?since=%.0f&limit=100", head + 5);
    d = agent_ok(&g_sim, LITE_NODE2, ap);
    double newest = jnum(d, "newest"), oldest = jnum(d, "oldest");
    assert_true(newest == head + 605);
    assert_true(newest - oldest + 1 == 256);
    assert_true(jnum(d, "dropped") == oldest - (head + 6));
    recs = cJSON_GetObjectItem(d, "records");
    assert_int_equal(cJSON_GetArraySize(recs), 100);
    assert_true(jnum(cJSON_GetArrayItem(recs, 0), "cursor") == oldest);
    double next = jnum(d, "next");
    assert_true(next == oldest + 99);
    cJSON_Delete(d);
    /* Follow next to the end: every cursor once, in order. */
    double expect = next + 1;
    for (int guard = 0; guard < 10; guard++) {
        snprintf(ap, sizeof ap, "/v1/denials?since=%.0f&limit=70", next);
        d = agent_ok(&g_sim, LITE_NODE2, ap);
        assert_true(jnum(d, "dropped") == 0);
        const cJSON *r;
        cJSON_ArrayForEach(r, cJSON_GetObjectItem(d, "records"))
        {
            assert_true(jnum(r, "cursor") == expect);
            expect++;
        }
        bool done = cJSON_GetArraySize(cJSON_GetObjectItem(d, "records")) == 0;
        next = jnum(d, "next");
        cJSON_Delete(d);
        if (done)
            break;
    }
    assert_true(expect == newest + 1);
    assert_true(next == newest);
}

static bool in_array(const cJSON *arr, const char *s)
{
    const cJSON *it;
    cJSON_ArrayForEach(it, arr)
    {
        if (cJSON_IsString(it) && strcmp(it->valuestring, s) == 0)
            return true;
    }
    return false;
}

static void test_truth_covers_lite_nodes(void **state)
{
    (void)state;
    assert_false(g_failed_start);
    cJSON *t = sim_json(&g_sim, "/sim/truth");
    const cJSON *agents = cJSON_GetObjectItem(t, "agentNodes");
    const cJSON *lite = cJSON_GetObjectItem(t, "liteAgentNodes");
    assert_int_equal(cJSON_GetArraySize(agents), 4);
    assert_int_equal(cJSON_GetArraySize(lite), g_has_real ? 3 : 4);
    assert_true(in_array(lite, LITE_NODE));
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(t, "nodesWithoutAgent")), 0);
    /* The unconfined containers truth lists on each lite node are those its agent reports. */
    const char *nodes[] = {LITE_NODE, LITE_NODE2, "node-004"};
    for (size_t i = 0; i < 3; i++) {
        size_t want = 0, got = 0;
        const cJSON *u;
        cJSON_ArrayForEach(u, cJSON_GetObjectItem(t, "unconfined"))
        {
            if (strcmp(jstr(u, "node"), nodes[i]) == 0)
                want++;
        }
        cJSON *cs = agent_ok(&g_sim, nodes[i], "/v1/containers");
        const cJSON *c;
        cJSON_ArrayForEach(c, cs)
        {
            if (strcmp(jstr(c, "label"), "unconfined") != 0)
                continue;
            got++;
            bool found = false;
            cJSON_ArrayForEach(u, cJSON_GetObjectItem(t, "unconfined"))
            {
                if (strcmp(jstr(u, "container_id"), jstr(c, "container_id")) == 0)
                    found = true;
            }
            assert_true(found);
        }
        assert_int_equal(got, want);
        cJSON_Delete(cs);
    }
    /* Drift is planted on real-agent nodes only. */
    const cJSON *dr;
    cJSON_ArrayForEach(dr, cJSON_GetObjectItem(t, "drift"))
    {
        const cJSON *n;
        cJSON_ArrayForEach(n, cJSON_GetObjectItem(dr, "nodes"))
        assert_false(in_array(lite, n->valuestring));
    }
    cJSON_Delete(t);
}

/* armortop --once nodes -o json against sim: the number of nodes whose agent is ok. */
static int once_nodes_ok(const struct harness_sim *sim, int *total, double *secs)
{
    const char *argv[] = {"armortop", "--kubeconfig", sim->kubeconfig, "-A", "--once",
                          "nodes",    "-o",           "json",          NULL};
    struct harness_result r;
    double t0 = now_s();
    assert_int_equal(harness_run(argv, NULL, 300, &r), 0);
    *secs = now_s() - t0;
    if (r.status != 0)
        fail_msg("armortop --once nodes: exit %d: %s", r.status, r.err);
    cJSON *root = cJSON_Parse(r.out);
    if (!root)
        fail_msg("--once nodes: not JSON: %.300s", r.out);
    int ok = 0;
    *total = cJSON_GetArraySize(root);
    const cJSON *n;
    cJSON_ArrayForEach(n, root)
    {
        const cJSON *a = cJSON_GetObjectItem(n, "agent");
        if (cJSON_IsObject(a) && jstr(a, "state") && strcmp(jstr(a, "state"), "ok") == 0)
            ok++;
        else
            print_message("%s: agent %s\n", jstr(n, "name"),
                          cJSON_IsObject(a) && jstr(a, "state") ? jstr(a, "state") : "none");
    }
    cJSON_Delete(root);
    harness_result_free(&r);
    return ok;
}

static void test_once_nodes_all_ok(void **state)
{
    (void)state;
    struct harness_sim sim;
    const char *args[] = {"--nodes", "12",          "--pods", "60", "--agents", g_has_real ? "2" : "0",
                          "--lite-agents", "all", "--denial-rate", "20", NULL};
    assert_int_equal(harness_sim_start(&sim, args), 0);
    usleep(300000);
    int total = 0;
    double secs = 0;
    int ok = once_nodes_ok(&sim, &total, &secs);
    assert_int_equal(total, 12);
    assert_int_equal(ok, 11); /* node-012 is the Windows node: no agent */
    cJSON *t = sim_json(&sim, "/sim/truth");
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(t, "agentNodes")), 11);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(t, "liteAgentNodes")),
                     g_has_real ? 9 : 11);
    assert_true(in_array(cJSON_GetObjectItem(t, "nodesWithoutAgent"), "node-012"));
    cJSON_Delete(t);
    /* The generator reached lite nodes too (in memory, no log files). */
    cJSON *s = sim_json(&sim, "/sim/stats");
    assert_true(jnum(s, "liteAgents") == (g_has_real ? 9 : 11));
    cJSON_Delete(s);
    harness_sim_stop(&sim);
}

static void test_scale_smoke(void **state)
{
    (void)state;
    struct harness_sim sim;
    const char *args[] = {"--nodes", "500", "--pods", "5000", "--lite-agents", "all", NULL};
    double t0 = now_s();
    assert_int_equal(harness_sim_start(&sim, args), 0);
    double started = now_s() - t0;
    int total = 0;
    double secs = 0;
    int ok = once_nodes_ok(&sim, &total, &secs);
    print_message("scale smoke: sim --nodes 500 --pods 5000 --lite-agents all ready in %.2f s; "
                  "armortop --once nodes: %d nodes, %d agents ok, %.2f s\n",
                  started, total, ok, secs);
    assert_int_equal(total, 500);
    assert_int_equal(ok, 499);
    harness_sim_stop(&sim);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_endpoints),
        cmocka_unit_test(test_auth),
        cmocka_unit_test(test_shapes_equal_real_agent),
        cmocka_unit_test(test_denial_cursor),
        cmocka_unit_test(test_truth_covers_lite_nodes),
        cmocka_unit_test(test_once_nodes_all_ok),
        cmocka_unit_test(test_scale_smoke),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
