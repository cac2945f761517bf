/*
 * test_agent_client: core/agent_client.c against real armortop-agent
 * processes on loopback (direct endpoints). Each agent runs in a private temp
 * dir with a fake apparmorfs (profiles planted with aafs_write_fake_profile),
 * a fake /proc with container processes, a log file the test appends AVC
 * lines to, and a token file. Covers: inventory and containers per node,
 * denial cursors (no duplicates across polls, nothing missed), dropped
 * records, agent restarts (cursor reset, both when the agent says so and when
 * only its start time tells), a killed agent (stale, data kept), a wrong
 * token (unauthorized), a closed port (unreachable), nodes without an agent,
 * bounded parallelism with more nodes than threads, and agent_fleet_dup.
 */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "../harness.h"
#include "aafs.h"
#include "agent_client.h"
#include "model.h"

#define TOKEN "agent-client-read-token-0123"
#define HASH_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define HASH_B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define POD_UID "1f2e3d4c-5b6a-4789-8abc-def012345678"
#define CID "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

#define CGROUP                                                                                     \
    "0::/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod1f2e3d4c_5b6a_4789_"       \
    "8abc_def012345678.slice/cri-containerd-" CID ".scope\n"

/* Start an agent for node with the read token (no -v); ring > 0: --ring ring. */
static int agent_launch(struct harness_agent *ap, const char *node, int ring)
{
    const struct harness_agent_opts o = {.node = node, .tokens = TOKEN ",read,tester\n", .ring = ring};
    return harness_agent_start(ap, &o);
}

static char *avc_line(int seq, const char *profile, int pid)
{
    char *s = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&s, &n);
    fprintf(f,
            "type=AVC msg=audit(1716371133.%03d:%d): apparmor=\"DENIED\" operation=\"open\" "
            "profile=\"%s\" name=\"/etc/secret-%d\" pid=%d comm=\"cat\" requested_mask=\"r\" "
            "denied_mask=\"r\" fsuid=0 ouid=0\n",
            seq % 1000, 1000 + seq, profile, seq, pid);
    fclose(f);
    return s;
}

static void append_denials(const struct harness_agent *ap, int first, int count, const char *profile,
                           int pid)
{
    for (int i = first; i < first + count; i++) {
        char *l = avc_line(i, profile, pid);
        harness_append_file(ap->log, l);
        free(l);
    }
}

static struct agent_client *client_new(const char *token, unsigned parallel)
{
    struct agent_client *ac = NULL;
    struct kerr err = {0};
    struct agent_client_opts o = {.token = token, .timeout_ms = 3000, .max_parallel = parallel};
    assert_int_equal(agent_client_new(NULL, &o, &ac, &err), 0);
    return ac;
}

static void poll_eps(struct agent_client *ac, struct agent_endpoint *eps, size_t n,
                     struct agent_fleet *fleet)
{
    struct kerr err = {0};
    assert_int_equal(agent_poll_all(ac, eps, n, NULL, 0, fleet, &err), 0);
}

/* Poll one endpoint until the node has received at least want denials (5 s). */
static const struct agent_node *poll_until_denials(struct agent_client *ac,
                                                   struct agent_endpoint *ep,
                                                   struct agent_fleet *fleet, uint64_t want)
{
    const struct agent_node *n = NULL;
    for (int i = 0; i < 100; i++) {
        poll_eps(ac, ep, 1, fleet);
        n = agent_fleet_find(fleet, ep->node);
        assert_non_null(n);
        if (n->denial_count >= want)
            break;
        struct timespec ts = {0, 50 * 1000000};
        nanosleep(&ts, NULL);
    }
    return n;
}

static void set_endpoint(struct agent_endpoint *ep, const struct harness_agent *ap)
{
    struct agent_endpoint *e = agent_endpoint_direct_new(ap->node, ap->url);
    agent_endpoint_done(ep);
    *ep = *e;
    free(e);
}

/* ---- tests ---- */

static void test_inventory_and_containers(void **state)
{
    (void)state;
    struct harness_agent a1, a2;
    assert_int_equal(agent_launch(&a1, "n1", 0), 0);
    assert_int_equal(agent_launch(&a2, "n2", 0), 0);
    assert_int_equal(aafs_write_fake_profile(a1.aafs, "k8s-a", "enforce", HASH_A), 0);
    assert_int_equal(aafs_write_fake_profile(a1.aafs, "k8s-b", "complain", HASH_B), 0);
    assert_int_equal(aafs_write_fake_profile(a2.aafs, "k8s-a", "enforce", HASH_B), 0);
    harness_fake_process(a1.proc, 4242, "k8s-a (enforce)\n", CGROUP, "cat");

    struct agent_endpoint eps[3] = {{0}};
    set_endpoint(&eps[0], &a1);
    set_endpoint(&eps[1], &a2);
    struct agent_endpoint *e3 = agent_endpoint_direct_new("n3", "http://127.0.0.1:1/");
    eps[2] = *e3;
    free(e3);
    assert_string_equal(eps[2].base_url, "http://127.0.0.1:1");

    struct agent_client *ac = client_new(TOKEN, 0);
    struct agent_fleet *fleet = agent_fleet_new(0);
    struct kube_snapshot *snap = kube_snapshot_new();
    kube_snapshot_add_node(snap)->name = strdup("n4"); /* a node without an agent */
    kube_snapshot_add_node(snap)->name = strdup("n1");
    struct kerr err = {0};
    assert_int_equal(agent_poll_all(ac, eps, 3, snap, 1000, fleet, &err), 0);

    assert_int_equal(fleet->node_count, 4);
    const struct agent_node *n1 = agent_fleet_find(fleet, "n1");
    assert_non_null(n1);
    assert_int_equal(n1->state, AGENT_STATE_OK);
    assert_null(n1->error);
    assert_true(n1->has_data);
    assert_int_equal(n1->fetched_at, 1000);
    assert_true(n1->revision >= 1);
    assert_non_null(n1->version);
    assert_int_equal(n1->profile_count, 2);
    const struct agent_node_profile *pa = agent_node_find_profile(n1, "k8s-a");
    assert_non_null(pa);
    assert_string_equal(pa->mode, "enforce");
    assert_string_equal(pa->hash, HASH_A);
    assert_string_equal(agent_node_find_profile(n1, "k8s-b")->mode, "complain");
    assert_null(agent_node_find_profile(n1, "k8s-c"));
    assert_int_equal(n1->container_count, 1);
    const struct agent_node_container *c = agent_node_find_container(n1, "containerd://" CID);
    assert_non_null(c);
    assert_string_equal(c->pod_uid, POD_UID);
    assert_int_equal(c->pid, 4242);
    assert_string_equal(c->mode, "enforce");
    assert_non_null(strstr(c->label, "k8s-a"));
    assert_non_null(agent_node_find_container(n1, CID)); /* bare hex too */
    assert_null(agent_node_find_container(n1, "containerd://ffff"));

    const struct agent_node *n2 = agent_fleet_find(fleet, "n2");
    assert_int_equal(n2->state, AGENT_STATE_OK);
    assert_int_equal(n2->profile_count, 1);
    assert_string_equal(agent_node_find_profile(n2, "k8s-a")->hash, HASH_B);
    assert_int_equal(n2->container_count, 0);

    const struct agent_node *n3 = agent_fleet_find(fleet, "n3");
    assert_int_equal(n3->state, AGENT_STATE_UNREACHABLE);
    assert_false(n3->has_data);
    assert_non_null(n3->error);
    assert_int_equal(n3->attempted_at, 1000);

    const struct agent_node *n4 = agent_fleet_find(fleet, "n4");
    assert_int_equal(n4->state, AGENT_STATE_NONE);
    assert_false(n4->has_data);

    /* a deep copy is equal and independent */
    struct agent_fleet *copy = agent_fleet_dup(fleet);
    assert_int_equal(copy->node_count, 4);
    assert_string_equal(agent_node_find_profile(agent_fleet_find(copy, "n1"), "k8s-b")->mode,
                        "complain");
    agent_fleet_free(&copy);
    assert_null(copy);

    kube_snapshot_free(&snap);
    agent_fleet_free(&fleet);
    agent_client_free(&ac);
    for (size_t i = 0; i < 3; i++)
        agent_endpoint_done(&eps[i]);
    harness_agent_stop(&a1);
    harness_agent_stop(&a2);
}

static void test_denial_cursor(void **state)
{
    (void)state;
    struct harness_agent a;
    assert_int_equal(agent_launch(&a, "n1", 0), 0);
    harness_fake_process(a.proc, 4242, "k8s-a (enforce)\n", CGROUP, "cat");
    struct agent_endpoint ep = {0};
    set_endpoint(&ep, &a);
    struct agent_client *ac = client_new(TOKEN, 0);
    struct agent_fleet *fleet = agent_fleet_new(0);

    poll_eps(ac, &ep, 1, fleet);
    assert_int_equal(agent_fleet_find(fleet, "n1")->denial_count, 0);

    append_denials(&a, 1, 3, "k8s-a", 4242);
    const struct agent_node *n = poll_until_denials(ac, &ep, fleet, 3);
    assert_int_equal(n->denial_count, 3);
    assert_int_equal(n->denial_cursor, 3);
    assert_int_equal(fleet->denial_count, 3);
    /* newest first, attributed by pid */
    const struct agent_denial_record *r = agent_fleet_denial(fleet, 0);
    assert_string_equal(r->node, "n1");
    assert_string_equal(r->name, "/etc/secret-3");
    assert_int_equal(r->cursor, 3);
    assert_string_equal(r->profile, "k8s-a");
    assert_string_equal(r->operation, "open");
    assert_string_equal(r->denied_mask, "r");
    assert_int_equal(r->pid, 4242);
    assert_string_equal(r->comm, "cat");
    assert_string_equal(r->pod_uid, POD_UID);
    assert_string_equal(r->container_id, CID);
    assert_int_equal(r->time, 1716371133);
    assert_string_equal(agent_fleet_denial(fleet, 2)->name, "/etc/secret-1");
    assert_null(agent_fleet_denial(fleet, 3));

    /* no duplicates when nothing new */
    poll_eps(ac, &ep, 1, fleet);
    poll_eps(ac, &ep, 1, fleet);
    n = agent_fleet_find(fleet, "n1");
    assert_int_equal(n->denial_count, 3);
    assert_int_equal(fleet->denial_count, 3);

    /* no gaps: exactly the new ones, also across several pages */
    agent_client_free(&ac);
    struct agent_client_opts o = {.token = TOKEN, .denial_page = 2};
    struct kerr err = {0};
    assert_int_equal(agent_client_new(NULL, &o, &ac, &err), 0);
    append_denials(&a, 4, 5, "k8s-a", 4242);
    n = poll_until_denials(ac, &ep, fleet, 8);
    assert_int_equal(n->denial_count, 8);
    assert_int_equal(n->denial_cursor, 8);
    assert_int_equal(n->denials_dropped, 0);
    for (size_t i = 0; i < 8; i++) {
        char want[32];
        snprintf(want, sizeof want, "/etc/secret-%zu", 8 - i);
        assert_string_equal(agent_fleet_denial(fleet, i)->name, want);
        assert_int_equal(agent_fleet_denial(fleet, i)->cursor, 8 - i);
    }

    agent_fleet_free(&fleet);
    agent_client_free(&ac);
    agent_endpoint_done(&ep);
    harness_agent_stop(&a);
}

static void test_dropped_and_ring(void **state)
{
    (void)state;
    struct harness_agent a;
    assert_int_equal(agent_launch(&a, "n1", 4), 0);
    struct agent_endpoint ep = {0};
    set_endpoint(&ep, &a);
    struct agent_client *ac = client_new(TOKEN, 0);
    struct agent_fleet *fleet = agent_fleet_new(3); /* our ring: 3 records cluster-wide */
    poll_eps(ac, &ep, 1, fleet);
    append_denials(&a, 1, 10, "k8s-a", 99999);
    /* wait until the agent has read all 10 (head 10), then poll once */
    const struct agent_node *n = NULL;
    for (int i = 0; i < 100; i++) {
        struct timespec ts = {0, 50 * 1000000};
        nanosleep(&ts, NULL);
        struct agent_fleet *probe = agent_fleet_new(0);
        poll_eps(ac, &ep, 1, probe);
        const struct agent_node *pn = agent_fleet_find(probe, "n1");
        bool done = pn->denial_cursor == 10;
        agent_fleet_free(&probe);
        if (done)
            break;
    }
    poll_eps(ac, &ep, 1, fleet);
    n = agent_fleet_find(fleet, "n1");
    assert_int_equal(n->denial_cursor, 10);
    assert_int_equal(n->denial_count, 4);
    assert_int_equal(n->denials_dropped, 6);
    assert_non_null(n->note);
    assert_non_null(strstr(n->note, "lost 6"));
    assert_int_equal(fleet->denial_count, 3);
    assert_int_equal(fleet->denials_evicted, 1);
    assert_string_equal(agent_fleet_denial(fleet, 0)->name, "/etc/secret-10");
    assert_string_equal(agent_fleet_denial(fleet, 2)->name, "/etc/secret-8");
    assert_null(agent_fleet_denial(fleet, 0)->pod_uid); /* unknown pid: by profile */
    assert_string_equal(agent_fleet_denial(fleet, 0)->attributed_by, "profile");

    agent_fleet_free(&fleet);
    agent_client_free(&ac);
    agent_endpoint_done(&ep);
    harness_agent_stop(&a);
}

static void test_agent_restart(void **state)
{
    (void)state;
    struct harness_agent a;
    assert_int_equal(agent_launch(&a, "n1", 0), 0);
    struct agent_endpoint ep = {0};
    set_endpoint(&ep, &a);
    struct agent_client *ac = client_new(TOKEN, 0);
    struct agent_fleet *fleet = agent_fleet_new(0);
    append_denials(&a, 1, 3, "k8s-a", 99999);
    const struct agent_node *n = poll_until_denials(ac, &ep, fleet, 3);
    assert_int_equal(n->denial_cursor, 3);
    assert_int_equal(n->restart_count, 0);

    /* 1) the restarted agent's head (1) is below our cursor (3): it says reset */
    harness_agent_halt(&a, SIGTERM, true);
    harness_write_file(a.log, "", 0644);
    assert_int_equal(harness_agent_launch(&a, NULL), 0);
    set_endpoint(&ep, &a);
    append_denials(&a, 11, 1, "k8s-a", 99999);
    n = poll_until_denials(ac, &ep, fleet, 4);
    assert_int_equal(n->denial_count, 4);
    assert_int_equal(n->denial_cursor, 1);
    assert_int_equal(n->restart_count, 1);
    assert_non_null(strstr(n->note, "restarted"));
    assert_string_equal(agent_fleet_denial(fleet, 0)->name, "/etc/secret-11");

    /* 2) restarted with more records than our cursor: only the start time
     * (now - uptime_s) tells; every record of the new run is read */
    sleep(3);
    harness_agent_halt(&a, SIGTERM, true);
    harness_write_file(a.log, "", 0644);
    assert_int_equal(harness_agent_launch(&a, NULL), 0);
    set_endpoint(&ep, &a);
    append_denials(&a, 21, 3, "k8s-a", 99999);
    /* wait for the agent to read them, so one poll sees all three */
    for (int i = 0; i < 100; i++) {
        struct agent_fleet *probe = agent_fleet_new(0);
        poll_eps(ac, &ep, 1, probe);
        bool done = agent_fleet_find(probe, "n1")->denial_cursor >= 3;
        agent_fleet_free(&probe);
        if (done)
            break;
        struct timespec ts = {0, 50 * 1000000};
        nanosleep(&ts, NULL);
    }
    poll_eps(ac, &ep, 1, fleet);
    n = agent_fleet_find(fleet, "n1");
    assert_int_equal(n->restart_count, 2);
    assert_int_equal(n->denial_cursor, 3);
    assert_int_equal(n->denial_count, 7);
    assert_string_equal(agent_fleet_denial(fleet, 2)->name, "/etc/secret-21");

    agent_fleet_free(&fleet);
    agent_client_free(&ac);
    agent_endpoint_done(&ep);
    harness_agent_stop(&a);
}

static void test_killed_stale_and_unauthorized(void **state)
{
    (void)state;
    struct harness_agent a, b;
    assert_int_equal(agent_launch(&a, "n1", 0), 0);
    assert_int_equal(agent_launch(&b, "n2", 0), 0);
    assert_int_equal(aafs_write_fake_profile(a.aafs, "k8s-a", "enforce", HASH_A), 0);
    struct agent_endpoint eps[2] = {{0}};
    set_endpoint(&eps[0], &a);
    set_endpoint(&eps[1], &b);
    struct agent_client *ac = client_new(TOKEN, 0);
    struct agent_fleet *fleet = agent_fleet_new(0);
    struct kerr err = {0};
    assert_int_equal(agent_poll_all(ac, eps, 2, NULL, 500, fleet, &err), 0);
    assert_int_equal(agent_fleet_find(fleet, "n1")->state, AGENT_STATE_OK);

    harness_agent_halt(&a, SIGKILL, true);
    assert_int_equal(agent_poll_all(ac, eps, 2, NULL, 600, fleet, &err), 0);
    const struct agent_node *n1 = agent_fleet_find(fleet, "n1");
    assert_int_equal(n1->state, AGENT_STATE_STALE);
    assert_true(n1->has_data);
    assert_int_equal(n1->fetched_at, 500);
    assert_int_equal(n1->attempted_at, 600);
    assert_non_null(n1->error);
    assert_int_equal(n1->profile_count, 1); /* last good data kept */
    assert_int_equal(agent_fleet_find(fleet, "n2")->state, AGENT_STATE_OK);

    /* wrong token: unauthorized, for both the known and the never-seen node */
    struct agent_client *bad = client_new("wrong-token-xyz", 0);
    assert_int_equal(agent_poll_all(bad, &eps[1], 1, NULL, 700, fleet, &err), 0);
    const struct agent_node *n2 = agent_fleet_find(fleet, "n2");
    assert_int_equal(n2->state, AGENT_STATE_UNAUTHORIZED);
    assert_non_null(strstr(n2->error, "401"));
    assert_true(n2->has_data);
    struct agent_fleet *fresh = agent_fleet_new(0);
    assert_int_equal(agent_poll_all(bad, &eps[1], 1, NULL, 700, fresh, &err), 0);
    assert_int_equal(agent_fleet_find(fresh, "n2")->state, AGENT_STATE_UNAUTHORIZED);
    assert_false(agent_fleet_find(fresh, "n2")->has_data);
    agent_fleet_free(&fresh);
    agent_client_free(&bad);
    /* no token at all: the same */
    struct agent_client *none = client_new(NULL, 0);
    fresh = agent_fleet_new(0);
    assert_int_equal(agent_poll_all(none, &eps[1], 1, NULL, 700, fresh, &err), 0);
    assert_int_equal(agent_fleet_find(fresh, "n2")->state, AGENT_STATE_UNAUTHORIZED);
    agent_fleet_free(&fresh);
    agent_client_free(&none);

    agent_fleet_free(&fleet);
    agent_client_free(&ac);
    agent_endpoint_done(&eps[0]);
    agent_endpoint_done(&eps[1]);
    harness_agent_stop(&a);
    harness_agent_stop(&b);
}

static void test_parallel_bounded(void **state)
{
    (void)state;
    enum { N = 3 };
    struct harness_agent a[N];
    struct agent_endpoint eps[N + 2];
    memset(eps, 0, sizeof eps);
    for (int i = 0; i < N; i++) {
        char name[16];
        snprintf(name, sizeof name, "p%d", i);
        assert_int_equal(agent_launch(&a[i], name, 0), 0);
        set_endpoint(&eps[i], &a[i]);
    }
    /* two closed ports: unreachable, and they must not hold the others up */
    for (int i = N; i < N + 2; i++) {
        char name[16];
        snprintf(name, sizeof name, "x%d", i);
        struct agent_endpoint *e = agent_endpoint_direct_new(name, "http://127.0.0.1:1");
        eps[i] = *e;
        free(e);
    }
    struct agent_client *ac = client_new(TOKEN, 2); /* fewer threads than nodes */
    struct agent_fleet *fleet = agent_fleet_new(0);
    poll_eps(ac, eps, N + 2, fleet);
    assert_int_equal(fleet->node_count, N + 2);
    for (int i = 0; i < N; i++)
        assert_int_equal(fleet->nodes[i].state, AGENT_STATE_OK);
    for (int i = N; i < N + 2; i++)
        assert_int_equal(fleet->nodes[i].state, AGENT_STATE_UNREACHABLE);
    agent_fleet_free(&fleet);
    agent_client_free(&ac);
    for (int i = 0; i < N + 2; i++)
        agent_endpoint_done(&eps[i]);
    for (int i = 0; i < N; i++)
        harness_agent_stop(&a[i]);
}

/* ---- through armortop-sim's pods proxy ---- */

static cJSON *run_once_json(const struct harness_sim *sim, const char *view)
{
    const char *argv[] = {"armortop", "--kubeconfig", sim->kubeconfig, "-A", "--once",
                          view,       "-o",           "json",          NULL};
    struct harness_result r;
    assert_int_equal(harness_run(argv, NULL, 60, &r), 0);
    if (r.status != 0)
        fail_msg("armortop --once %s: exit %d: %s", view, r.status, r.err);
    cJSON *root = cJSON_Parse(r.out);
    if (!root)
        fail_msg("--once %s: not JSON: %s", view, r.out);
    harness_result_free(&r);
    return root;
}

static const char *js(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static bool str_in(const cJSON *arr, const char *s)
{
    const cJSON *it;
    cJSON_ArrayForEach(it, arr)
    {
        if (cJSON_IsString(it) && s && strcmp(it->valuestring, s) == 0)
            return true;
    }
    return false;
}

static cJSON *sim_truth(const struct harness_sim *sim)
{
    char *body = NULL;
    assert_int_equal(harness_http(sim, "GET", "/sim/truth", NULL, &body), 200);
    cJSON *t = cJSON_Parse(body);
    assert_non_null(t);
    free(body);
    return t;
}

static const cJSON *find_ctr(const cJSON *rows, const char *ns, const char *pod, const char *ctr,
                             const char *kind_key)
{
    const cJSON *it;
    cJSON_ArrayForEach(it, rows)
    {
        if (strcmp(js(it, "namespace") ? js(it, "namespace") : "", ns) == 0 &&
            strcmp(js(it, "pod") ? js(it, "pod") : "", pod) == 0 &&
            strcmp(js(it, "container") ? js(it, "container") : "", ctr) == 0 &&
            (!kind_key || (js(it, "kind") && strcmp(js(it, "kind"), kind_key) == 0)))
            return it;
    }
    return NULL;
}

static size_t count_kind(const cJSON *findings, const char *kind)
{
    size_t n = 0;
    const cJSON *it;
    cJSON_ArrayForEach(it, findings) n += strcmp(js(it, "kind"), kind) == 0;
    return n;
}

static int sim_setup(void **state)
{
    static struct harness_sim sim;
    const char *args[] = {"--nodes",       "5",  "--pods", "60", "--agents", "3",
                          "--denial-rate", "20", NULL};
    if (harness_sim_start(&sim, args) != 0)
        return -1;
    *state = &sim;
    return 0;
}

static int sim_teardown(void **state)
{
    harness_sim_stop(*state);
    return 0;
}

static void test_sim_pods_actual(void **state)
{
    struct harness_sim *sim = *state;
    cJSON *truth = sim_truth(sim);
    cJSON *pods = run_once_json(sim, "pods");
    const cJSON *agent_nodes = cJSON_GetObjectItemCaseSensitive(truth, "agentNodes");
    const cJSON *without = cJSON_GetObjectItemCaseSensitive(truth, "nodesWithoutAgent");
    assert_true(cJSON_GetArraySize(agent_nodes) == 3);
    size_t with_actual = 0, ok = 0;
    const cJSON *it;
    cJSON_ArrayForEach(it, pods)
    {
        const cJSON *actual = cJSON_GetObjectItemCaseSensitive(it, "actual");
        const char *node = js(it, "node"), *status = js(it, "status");
        if (node && str_in(without, node)) {
            /* no agent there: never an actual label */
            assert_true(cJSON_IsNull(actual));
            assert_true(strcmp(status, "unknown") == 0 || strcmp(status, "blocked") == 0 ||
                        strcmp(status, "n/a") == 0);
        }
        if (cJSON_IsObject(actual)) {
            assert_true(node && str_in(agent_nodes, node));
            assert_non_null(js(actual, "raw"));
            with_actual++;
            ok += strcmp(status, "ok") == 0;
        }
    }
    assert_true(with_actual > 10);
    assert_true(ok > 5);
    /* the planted mismatches and complain-mode containers, with the kernel's label */
    const char *lists[] = {"mismatches", "complain"};
    const char *want[] = {"mismatch", "complain"};
    for (int l = 0; l < 2; l++) {
        cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(truth, lists[l]))
        {
            const cJSON *row =
                find_ctr(pods, js(it, "namespace"), js(it, "pod"), js(it, "container"), NULL);
            assert_non_null(row);
            const cJSON *actual = cJSON_GetObjectItemCaseSensitive(row, "actual");
            assert_true(cJSON_IsObject(actual));
            assert_string_equal(js(actual, "raw"), js(it, "actual"));
            assert_string_equal(js(row, "status"), want[l]);
        }
    }
    cJSON_Delete(pods);
    cJSON_Delete(truth);
}

static void test_sim_findings_equal_truth(void **state)
{
    struct harness_sim *sim = *state;
    cJSON *truth = sim_truth(sim);
    cJSON *f = run_once_json(sim, "findings");
    const cJSON *it, *jt;

    /* drift: the same (profile, kind, nodes) set */
    const cJSON *drift = cJSON_GetObjectItemCaseSensitive(truth, "drift");
    assert_int_equal(count_kind(f, "profile-drift"), (size_t)cJSON_GetArraySize(drift));
    cJSON_ArrayForEach(it, drift)
    {
        bool found = false;
        cJSON_ArrayForEach(jt, f)
        {
            if (strcmp(js(jt, "kind"), "profile-drift") != 0 ||
                strcmp(js(jt, "profile"), js(it, "profile")) != 0 ||
                strcmp(js(jt, "drift"), js(it, "kind")) != 0)
                continue;
            const cJSON *tn = cJSON_GetObjectItemCaseSensitive(it, "nodes");
            const cJSON *fn = cJSON_GetObjectItemCaseSensitive(jt, "nodes");
            assert_int_equal(cJSON_GetArraySize(tn), cJSON_GetArraySize(fn));
            const cJSON *n;
            cJSON_ArrayForEach(n, tn) assert_true(str_in(fn, n->valuestring));
            found = true;
        }
        if (!found)
            fail_msg("planted drift %s/%s not reported", js(it, "profile"), js(it, "kind"));
    }
    /* declared != actual, and complain mode in use: exactly the planted ones */
    const char *lists[] = {"mismatches", "complain"};
    const char *kinds[] = {"confinement-mismatch", "complain-mode"};
    for (int l = 0; l < 2; l++) {
        const cJSON *tl = cJSON_GetObjectItemCaseSensitive(truth, lists[l]);
        assert_int_equal(count_kind(f, kinds[l]), (size_t)cJSON_GetArraySize(tl));
        cJSON_ArrayForEach(it, tl)
        {
            const cJSON *row =
                find_ctr(f, js(it, "namespace"), js(it, "pod"), js(it, "container"), kinds[l]);
            if (!row)
                fail_msg("%s %s/%s/%s not reported", lists[l], js(it, "namespace"), js(it, "pod"),
                         js(it, "container"));
            assert_string_equal(js(row, "node"), js(it, "node"));
        }
    }
    /* profiles missing on the pod's node: each one reported (blocked or from the inventory) */
    size_t missing = 0;
    cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(truth, "missing"))
    {
        const cJSON *p;
        cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(it, "pods"))
        {
            const cJSON *a = find_ctr(f, js(p, "namespace"), js(p, "pod"), js(p, "container"),
                                      "profile-not-loaded");
            const cJSON *b = find_ctr(f, js(p, "namespace"), js(p, "pod"), js(p, "container"),
                                      "profile-missing");
            if (!a && !b)
                fail_msg("missing profile %s for %s/%s not reported", js(it, "profile"),
                         js(p, "pod"), js(p, "container"));
            assert_string_equal(js(a ? a : b, "profile"), js(it, "profile"));
            missing++;
        }
    }
    assert_true(missing >= 1);
    /* nothing spurious from the agents: profile-missing only for truth's pods,
     * no AppArmor-disabled or unhealthy agents, agent-missing = nodesWithoutAgent */
    cJSON_ArrayForEach(jt, f)
    {
        if (strcmp(js(jt, "kind"), "profile-missing") == 0) {
            bool listed = false;
            cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(truth, "missing"))
            {
                const cJSON *p;
                cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(it, "pods"))
                {
                    listed |= strcmp(js(p, "pod"), js(jt, "pod")) == 0 &&
                              strcmp(js(p, "container"), js(jt, "container")) == 0;
                }
            }
            assert_true(listed);
        }
    }
    assert_int_equal(count_kind(f, "apparmor-disabled"), 0);
    assert_int_equal(count_kind(f, "agent-unhealthy"), 0);
    const cJSON *without = cJSON_GetObjectItemCaseSensitive(truth, "nodesWithoutAgent");
    assert_int_equal(count_kind(f, "agent-missing"), (size_t)cJSON_GetArraySize(without));
    cJSON_ArrayForEach(jt, f)
    {
        if (strcmp(js(jt, "kind"), "agent-missing") == 0)
            assert_true(str_in(without, js(jt, "node")));
        /* the agent's own pods run Unconfined by design */
        if (strcmp(js(jt, "kind"), "declared-unconfined") == 0)
            assert_true(strcmp(js(jt, "namespace"), "armortop-system") != 0);
    }
    cJSON_Delete(f);
    cJSON_Delete(truth);
}

static void test_sim_denials_attributed(void **state)
{
    struct harness_sim *sim = *state;
    cJSON *d = NULL;
    size_t attributed = 0;
    for (int i = 0; i < 50 && attributed == 0; i++) {
        cJSON_Delete(d);
        d = run_once_json(sim, "denials");
        const cJSON *it;
        cJSON_ArrayForEach(it, d) attributed += js(it, "pod") && js(it, "container");
        if (!attributed) {
            struct timespec ts = {0, 200 * 1000000};
            nanosleep(&ts, NULL);
        }
    }
    assert_true(attributed > 0);
    const cJSON *it, *prev = NULL;
    cJSON_ArrayForEach(it, d)
    {
        assert_non_null(js(it, "node"));
        assert_non_null(js(it, "operation"));
        if (js(it, "pod_uid") && js(it, "container_id") && js(it, "pod"))
            assert_non_null(js(it, "namespace"));
        /* newest first */
        if (prev && js(prev, "time") && js(it, "time"))
            assert_true(strcmp(js(prev, "time"), js(it, "time")) >= 0);
        prev = it;
    }
    /* the nodes view counts what the agents delivered, and marks agentless nodes */
    cJSON *nodes = run_once_json(sim, "nodes");
    size_t none = 0, okc = 0;
    cJSON_ArrayForEach(it, nodes)
    {
        const cJSON *agent = cJSON_GetObjectItemCaseSensitive(it, "agent");
        assert_true(cJSON_IsObject(agent));
        none += strcmp(js(agent, "state"), "none") == 0;
        okc += strcmp(js(agent, "state"), "ok") == 0;
    }
    assert_int_equal(none, 2);
    assert_int_equal(okc, 3);
    cJSON_Delete(nodes);
    cJSON_Delete(d);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_inventory_and_containers),
        cmocka_unit_test(test_denial_cursor),
        cmocka_unit_test(test_dropped_and_ring),
        cmocka_unit_test(test_agent_restart),
        cmocka_unit_test(test_killed_stale_and_unauthorized),
        cmocka_unit_test(test_parallel_bounded),
    };
    const struct CMUnitTest sim_tests[] = {
        cmocka_unit_test(test_sim_pods_actual),
        cmocka_unit_test(test_sim_findings_equal_truth),
        cmocka_unit_test(test_sim_denials_attributed),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    rc += cmocka_run_group_tests_name("through armortop-sim", sim_tests, sim_setup, sim_teardown);
    return rc;
}
