/*
 * test_screens: golden screens, the tig way. Each case runs the real
 * `armortop --script FILE` headless (newterm on /dev/null, 80x24) against
 * armortop-sim --seed 1 on loopback, with the environment pinned (TERM,
 * LANG, TZ, HOME, ARMORTOP_NOW = the sim's epoch, so ages are stable), and
 * compares each `:dump-screen` with tests/snapshots/<case>.screen. The sim's
 * URL (an ephemeral port) is replaced by "SIM-URL". `UPDATE=1` rewrites the
 * snapshots instead of comparing.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "../harness.h"

/* 2025-06-01T00:00:00Z: the sim's default --epoch. */
#define SIM_EPOCH "1748736000"

struct fixture {
    struct harness_sim sim;
};

static struct fixture *fx;
static const char *extra_env; /* one more "K=V" for the next run, or NULL */

static int setup(void **state)
{
    (void)state;
    fx = calloc(1, sizeof *fx);
    const char *args[] = { "--nodes", "5", "--pods", "40", "--seed", "1", NULL };
    if (harness_sim_start(&fx->sim, args) != 0) {
        free(fx);
        return -1;
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    harness_sim_stop(&fx->sim);
    free(fx);
    return 0;
}

/* Replace every occurrence of from by to in s (owned, reallocated). */
static char *replace_all(char *s, const char *from, const char *to)
{
    size_t fl = strlen(from), tl = strlen(to);
    if (fl == 0)
        return s;
    size_t n = 0;
    for (const char *p = s; (p = strstr(p, from)); p += fl)
        n++;
    char *out = malloc(strlen(s) + n * (tl > fl ? tl - fl : 0) + 1), *o = out;
    const char *p = s, *q;
    while ((q = strstr(p, from))) {
        memcpy(o, p, (size_t)(q - p));
        o += q - p;
        memcpy(o, to, tl);
        o += tl;
        p = q + fl;
    }
    strcpy(o, p);
    free(s);
    return out;
}

/* Run one case: the script (with OUT standing for the dump path), extra
 * command-line arguments; compare the dump with the snapshot. kubeconfig NULL
 * = the sim's; mask (may be NULL) is replaced by "SIM-URL" too. */
static void run_case_kc(const char *name, const char *script, const char *const *extra,
                        const char *kubeconfig, const char *mask)
{
    char dir[] = "/tmp/armortop-screens-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char script_path[256], dump_path[256], env_home[300];
    snprintf(script_path, sizeof script_path, "%s/script", dir);
    snprintf(dump_path, sizeof dump_path, "%s/out.screen", dir);
    snprintf(env_home, sizeof env_home, "HOME=%s", dir);
    char *text = replace_all(strdup(script), "OUT", dump_path);
    FILE *f = fopen(script_path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    free(text);

    const char *argv[24] = { "armortop", "--kubeconfig", kubeconfig ? kubeconfig : fx->sim.kubeconfig, "-A",
                             "--script", script_path };
    size_t n = 6;
    for (size_t i = 0; extra && extra[i] && n < 22; i++)
        argv[n++] = extra[i];
    argv[n] = NULL;
    const char *env[] = { "TERM=xterm-256color", "LANG=C.UTF-8", "LC_ALL=C.UTF-8", "TZ=UTC",
                          env_home, "ARMORTOP_NOW=" SIM_EPOCH, "NO_COLOR=", "KUBECONFIG=",
                          "COLUMNS=", "LINES=", extra_env, NULL };
    struct harness_result r;
    assert_int_equal(harness_run(argv, env, 60, &r), 0);
    if (r.status != 0)
        fprintf(stderr, "armortop (%s) exit %d: %s\n", name, r.status, r.err);
    assert_int_equal(r.status, 0);
    harness_result_free(&r);

    size_t len;
    char *got = harness_read_file(dump_path, &len);
    if (!got)
        fprintf(stderr, "%s: no screen dump at %s\n", name, dump_path);
    assert_non_null(got);
    got = replace_all(got, fx->sim.url, "SIM-URL");
    if (mask)
        got = replace_all(got, mask, "SIM-URL");
    /* curl's connection errors carry the port and a duration: digits → "N" */
    static const char *const words[] = { " port ", " after " };
    for (size_t w = 0; w < 2; w++) {
        size_t wl = strlen(words[w]);
        for (char *p = got; (p = strstr(p, words[w])) != NULL; p += wl) {
            char *d = p + wl, *e = d;
            while (*e >= '0' && *e <= '9')
                e++;
            if (e > d) {
                *d = 'N';
                memmove(d + 1, e, strlen(e) + 1);
            }
        }
    }

    /* denial records carry the sim's wall clock: ISO times -> a fixed mask */
    for (char *p = got; *p; p++) {
        if (strlen(p) >= 20 && p[4] == '-' && p[7] == '-' && p[10] == 'T' && p[13] == ':' &&
            p[16] == ':' && p[19] == 'Z' && p[0] >= '1' && p[0] <= '2')
            memcpy(p, "YYYY-MM-DDTHH:MM:SSZ", 20);
    }

    const char *bin = getenv("ARMORTOP_BIN_DIR");
    char snap_path[1024];
    snprintf(snap_path, sizeof snap_path, "%s/tests/snapshots/%s.screen", bin ? bin : ".", name);
    const char *update = getenv("UPDATE");
    if (update && *update && strcmp(update, "0") != 0) {
        FILE *o = fopen(snap_path, "w");
        assert_non_null(o);
        fputs(got, o);
        fclose(o);
        printf("updated %s\n", snap_path);
    } else {
        char *want = harness_read_file(snap_path, &len);
        if (!want)
            fprintf(stderr, "%s missing: run with UPDATE=1 to create it\n", snap_path);
        assert_non_null(want);
        if (strcmp(want, got) != 0) {
            fprintf(stderr, "--- %s (expected)\n%s\n+++ got\n%s\n", snap_path, want, got);
            fprintf(stderr, "screen differs; if intended, rerun with UPDATE=1\n");
        }
        assert_string_equal(want, got);
        free(want);
    }
    free(got);
    unlink(dump_path);
    unlink(script_path);
    rmdir(dir);
}

static void run_case(const char *name, const char *script, const char *const *extra)
{
    run_case_kc(name, script, extra, NULL, NULL);
}

static void test_pods(void **state)
{
    (void)state;
    run_case("pods", ":dump-screen OUT\n", NULL);
}

static void test_nodes(void **state)
{
    (void)state;
    run_case("nodes", "2\n:dump-screen OUT\n", NULL);
}

static void test_profiles(void **state)
{
    (void)state;
    run_case("profiles", ":profiles\n:dump-screen OUT\n", NULL);
}

static void test_denials(void **state)
{
    (void)state;
    run_case("denials", "4\n:dump-screen OUT\n", NULL);
}

static void test_findings(void **state)
{
    (void)state;
    run_case("findings", "<Tab><Tab><Tab><Tab>\n:dump-screen OUT\n", NULL);
}

static void test_drill_blocked_pod(void **state)
{
    (void)state;
    /* filter to the blocked containers, open the first: why it is blocked */
    run_case("detail-blocked", "/blocked\n<Enter>\n:dump-screen OUT\n", NULL);
}

static void test_drill_unconfined_pod(void **state)
{
    (void)state;
    /* the unconfined containers (declared Unconfined, or privileged without a profile) */
    run_case("unconfined", "/unconfined\n:dump-screen OUT\n", NULL);
    run_case("detail-unconfined", "/unconfined\n<Enter>\n:dump-screen OUT\n", NULL);
}

static void test_drill_node_pods_and_back(void **state)
{
    (void)state;
    /* nodes → node-003 (details) → its pods; Esc twice returns to the nodes with
     * node-003 selected */
    run_case("node-pods", "2\n<Down><Down>\n<Enter><Enter>\n:dump-screen OUT\n", NULL);
    run_case("node-pods-back", "2\n<Down><Down>\n<Enter><Enter>\n<Esc><Esc>\n:dump-screen OUT\n",
             NULL);
}

static void test_finding_to_pod(void **state)
{
    (void)state;
    run_case("finding-pod", "5\n<Down><Down>\n<Enter>\n:dump-screen OUT\n", NULL);
}

static void test_help(void **state)
{
    (void)state;
    run_case("help", "?\n:dump-screen OUT\n", NULL);
}

static void test_resize(void **state)
{
    (void)state;
    run_case("resize-120x40", "<Resize 120x40>\n:dump-screen OUT\n", NULL);
}

static void test_small_resize(void **state)
{
    (void)state;
    run_case("resize-60x12", "<Resize 60x12>\n2\n:dump-screen OUT\n", NULL);
}

static void test_filter_regex(void **state)
{
    (void)state;
    run_case("filter", "/re:^(data|batch)[[:space:]]\n:dump-screen OUT\n", NULL);
}

static void test_filter_inverted(void **state)
{
    (void)state;
    run_case("filter-inverted", "/!unknown\n:dump-screen OUT\n", NULL);
}

static void test_filter_live_and_sort(void **state)
{
    (void)state;
    /* Esc in the prompt restores the old filter; S sorts by column 0 reversed */
    run_case("filter-sort", "/node-00\n/xyz<Esc>\nS\n<End>\n:dump-screen OUT\n", NULL);
}

static void test_namespace(void **state)
{
    (void)state;
    run_case("ns-payments", ":ns payments\n<Wait-refresh>\n:dump-screen OUT\n", NULL);
}

static void test_readonly_refuses_load(void **state)
{
    (void)state;
    const char *args[] = { "--readonly", NULL };
    run_case("readonly-load", "/blocked\n<Enter>\nl\n:dump-screen OUT\n", args);
}

static void test_kiosk_ignores_keys(void **state)
{
    (void)state;
    /* everything a passer-by types is ignored, q included */
    const char *args[] = { "--kiosk", NULL };
    run_case("kiosk", "2 q /x <Enter> :q\n<Dump OUT>\n", args);
}

/* A server that is not there: the header says there is no data, the status
 * line what failed; the TUI keeps running (and retrying). */
static void test_unreachable(void **state)
{
    (void)state;
    /* a free loopback port: bind, read it back, close */
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t alen = sizeof a;
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &alen), 0);
    close(fd);
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d", ntohs(a.sin_port));
    size_t len;
    char *kc = harness_read_file(fx->sim.kubeconfig, &len);
    assert_non_null(kc);
    kc = replace_all(kc, fx->sim.url, url);
    char path[300];
    snprintf(path, sizeof path, "%s/kubeconfig-dead", fx->sim.dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(kc, f);
    fclose(f);
    free(kc);
    run_case_kc("unreachable", "<Resize 200x24>\n:dump-screen OUT\n", NULL, path, url);
}

/* ---- with armortop-agent on 3 of the 5 nodes --------------------------------------
 * A second simulator: --agents 3, no background denials, and 6 denials written
 * on node-001 through the sim's control endpoint before any screen. Cases run
 * in order: the read-only ones first, then the actions (which change the
 * cluster's policy). */

static int setup_agents(void **state)
{
    (void)state;
    fx = calloc(1, sizeof *fx);
    const char *args[] = { "--nodes", "5", "--pods", "40", "--seed", "1", "--agents", "3",
                           "--denial-rate", "0", NULL };
    if (harness_sim_start(&fx->sim, args) != 0) {
        free(fx);
        return -1;
    }
    char *body = NULL;
    int st = harness_http(&fx->sim, "POST", "/sim/denials?node=node-001&count=6", "", &body);
    free(body);
    if (st != 200) {
        fprintf(stderr, "POST /sim/denials: HTTP %d\n", st);
        harness_sim_stop(&fx->sim);
        free(fx);
        return -1;
    }
    usleep(1500 * 1000); /* the agent tails its log */
    return 0;
}

static void test_agents_pods(void **state)
{
    (void)state;
    run_case("agents-pods", "<Wait-refresh>\n:dump-screen OUT\n", NULL);
}

static void test_agents_nodes(void **state)
{
    (void)state;
    run_case("agents-nodes", "<Wait-refresh>\n2\n:dump-screen OUT\n", NULL);
}

static void test_agents_profiles(void **state)
{
    (void)state;
    run_case("agents-profiles", "<Wait-refresh>\n3\n:dump-screen OUT\n", NULL);
    /* a profile: where it is loaded and missing, its pods, denials, source */
    run_case("agents-profile-drift", "<Wait-refresh>\n3\n/payments-wr\n<Enter>\n<Wait-jobs>\n"
             ":dump-screen OUT\n", NULL);
    /* nodes missing a profile: the NOTE column, then the profile's details */
    run_case("agents-profile-missing", "<Wait-refresh>\n3\n/restricted\n<Enter>\n<Wait-jobs>\n"
             ":dump-screen OUT\n", NULL);
}

static void test_agents_node(void **state)
{
    (void)state;
    /* node-002: its agent, AppArmor, profiles (the odd mode marked), what it misses, pods */
    run_case("agents-node", "<Wait-refresh>\n2\n<Down>\n<Enter>\n:dump-screen OUT\n", NULL);
}

static void test_agents_denials(void **state)
{
    (void)state;
    run_case("agents-denials", "<Wait-refresh>\n4\n:dump-screen OUT\n", NULL);
    run_case("agents-denials-raw", "<Wait-refresh>\n4\nr\n/net_admin\n:dump-screen OUT\n", NULL);
    run_case("agents-denial", "<Wait-refresh>\n4\n<Enter>\n:dump-screen OUT\n", NULL);
    run_case("agents-denials-paused", "<Wait-refresh>\n4\np\n:dump-screen OUT\n", NULL);
}

static void test_agents_findings_and_blocked(void **state)
{
    (void)state;
    run_case("agents-findings", "<Wait-refresh>\n5\n:dump-screen OUT\n", NULL);
    run_case("agents-detail-blocked", "<Wait-refresh>\n/blocked\n<Enter>\n:dump-screen OUT\n",
             NULL);
}

static void test_agents_readonly_refuses(void **state)
{
    (void)state;
    const char *args[] = { "--readonly", NULL };
    run_case("agents-readonly-unload", "<Wait-refresh>\n3\n/k8s-deny-write\nu\n:dump-screen OUT\n",
             args);
    run_case("agents-readonly-load", "<Wait-refresh>\n:load tests/fixtures/profiles/k8s-broken.profile\n"
             ":dump-screen OUT\n", args);
}

static void test_agents_kiosk_banner(void **state)
{
    (void)state;
    /* a wall screen: the large-type banner with every headline figure known */
    const char *args[] = { "--kiosk", NULL };
    run_case("kiosk-120x40", "<Resize 120x40>\n<Wait-refresh>\n<Dump OUT>\n", args);
}

static void test_action_load(void **state)
{
    (void)state;
    /* paths relative to the repository root, where `make check` runs */
    run_case("action-load-ask",
             "<Wait-refresh>\n3\n:load tests/fixtures/profiles/k8s-broken.profile node-001\n"
             "<Dump OUT>\n", NULL);
    run_case("action-load-broken",
             "<Wait-refresh>\n3\n:load tests/fixtures/profiles/k8s-broken.profile node-001\n"
             "y\n<Wait-jobs>\n<Dump OUT>\n", NULL);
    /* l on a profile: the file is asked for, the targets are the nodes missing it */
    run_case("action-load-missing",
             "<Wait-refresh>\n3\n/restricted\nl\n"
             "tests/fixtures/profiles/k8s-restricted-net.profile<Enter>\n<Dump OUT>\n", NULL);
    run_case("action-load-all",
             "<Wait-refresh>\n3\n/restricted\n"
             ":load tests/fixtures/profiles/k8s-restricted-net.profile all\n"
             "y\n<Wait-jobs>\n<Dump OUT>\n", NULL);
}

static void test_action_unload_in_use(void **state)
{
    (void)state;
    /* payments-wr confines a running container on node-002: that agent answers 409 */
    run_case("action-unload-ask", "<Wait-refresh>\n3\n/payments-wr\nu\n<Dump OUT>\n", NULL);
    run_case("action-unload-cancel", "<Wait-refresh>\n3\n/payments-wr\nu\nn\n<Dump OUT>\n", NULL);
    run_case("action-unload-409", "<Wait-refresh>\n3\n/payments-wr\nu\ny\n<Wait-jobs>\n<Dump OUT>\n",
             NULL);
    run_case("action-unload-force-ask",
             "<Wait-refresh>\n3\n/payments-wr\nu\ny\n<Wait-jobs>\nF\n<Dump OUT>\n", NULL);
}

static void test_action_edit(void **state)
{
    (void)state;
    /* e: the source from the agents, $EDITOR (here sed) changes it, the replace is
     * confirmed and sent to every node that has the profile */
    extra_env = "EDITOR=sed -i s/inet6/inet/";
    run_case("action-edit-ask", "<Wait-refresh>\n3\n/restricted\ne\n<Wait-jobs>\n<Dump OUT>\n",
             NULL);
    run_case("action-edit-done",
             "<Wait-refresh>\n3\n/restricted\ne\n<Wait-jobs>\ny\n<Wait-jobs>\n<Dump OUT>\n", NULL);
    extra_env = NULL;
}

static void test_action_mode(void **state)
{
    (void)state;
    /* k8s-restricted-net was loaded through the agents (action-load-all): they keep its
     * source, so they can recompile it in complain mode */
    run_case("action-mode-ask", "<Wait-refresh>\n3\n/restricted\nm\n<Dump OUT>\n", NULL);
    run_case("action-mode-done", "<Wait-refresh>\n3\n/restricted\nm\ny\n<Wait-jobs>\n<Dump OUT>\n",
             NULL);
    /* without an agent keeping the source: each node says why, in place */
    run_case("action-mode-nosource", "<Wait-refresh>\n3\n/postgres-ro\nm\ny\n<Wait-jobs>\n<Dump OUT>\n",
             NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pods),
        cmocka_unit_test(test_nodes),
        cmocka_unit_test(test_profiles),
        cmocka_unit_test(test_denials),
        cmocka_unit_test(test_findings),
        cmocka_unit_test(test_drill_blocked_pod),
        cmocka_unit_test(test_drill_unconfined_pod),
        cmocka_unit_test(test_drill_node_pods_and_back),
        cmocka_unit_test(test_finding_to_pod),
        cmocka_unit_test(test_help),
        cmocka_unit_test(test_resize),
        cmocka_unit_test(test_small_resize),
        cmocka_unit_test(test_filter_regex),
        cmocka_unit_test(test_filter_inverted),
        cmocka_unit_test(test_filter_live_and_sort),
        cmocka_unit_test(test_namespace),
        cmocka_unit_test(test_readonly_refuses_load),
        cmocka_unit_test(test_kiosk_ignores_keys),
        cmocka_unit_test(test_unreachable),
    };
    const struct CMUnitTest agent_tests[] = {
        cmocka_unit_test(test_agents_pods),
        cmocka_unit_test(test_agents_nodes),
        cmocka_unit_test(test_agents_profiles),
        cmocka_unit_test(test_agents_node),
        cmocka_unit_test(test_agents_denials),
        cmocka_unit_test(test_agents_findings_and_blocked),
        cmocka_unit_test(test_agents_readonly_refuses),
        cmocka_unit_test(test_agents_kiosk_banner),
        cmocka_unit_test(test_action_load),
        cmocka_unit_test(test_action_unload_in_use),
        cmocka_unit_test(test_action_edit),
        cmocka_unit_test(test_action_mode),
    };
    int rc = cmocka_run_group_tests_name("screens", tests, setup, teardown);
    rc |= cmocka_run_group_tests_name("screens-agents", agent_tests, setup_agents, teardown);
    return rc;
}
