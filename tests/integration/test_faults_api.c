/*
 * test_faults_api: issue 7's API-server fault matrix against the real TUI.
 * Each case runs `armortop --script FILE` headless (200x80, --refresh 0.2,
 * --no-agents) in a thread against its own armortop-sim, and steps it with
 * <Wait-file> between screen dumps: before the fault (data, nothing stale),
 * during it (the rows kept, the problem named in the header and status line,
 * a pod added meanwhile not shown), after it (recovered by itself, the pod
 * shown). Faults: slow responses, 5xx, 429 with Retry-After (and that no
 * request goes out before it), a continue token expiring mid-list (once:
 * transparent; always: shown), compaction (410 for watches), connection
 * reset, a truncated chunked response, a server restart with unrelated
 * resourceVersions, a rotated token and a refreshed exec credential.
 * The TUI lists every refresh and never watches, so a watch stream cut
 * mid-event is checked on core's kube_watch instead.
 * Skips when ./armortop or ./armortop-sim is absent.
 */
#include "config.h"

#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../core/kube_client.h"
#include "../../core/kubeconfig.h"
#include "../harness.h"

#define ROWS 80
#define COLS 200
#define MAX_PHASES 6

/* ---- fixture: a sim, and armortop running a script in a thread ---------------- */

struct fcase {
    struct harness_sim sim;
    struct harness_sim sim2; /* the restarted server */
    bool has_sim, has_sim2;
    char dir[64];            /* scripts, dumps, go files */
    char kubeconfig[1024];   /* what armortop reads: the sim's unless a test writes one */
    pthread_t thread;
    bool has_thread;
    int phases;
    int run_rc;
    struct harness_result res;
    char pod[128];           /* a pod row seen before the fault */
};

static struct fcase g_case; /* static: a failed assertion's longjmp leaves it for teardown */

static void sleep_ms(int ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static bool have_bins(void)
{
    char a[512], b[512];
    return access(harness_bin("armortop", a, sizeof a), X_OK) == 0 &&
           access(harness_bin("armortop-sim", b, sizeof b), X_OK) == 0;
}

static void case_start(struct fcase *f, const char *const *extra_sim_args)
{
    memset(f, 0, sizeof *f);
    if (!have_bins()) {
        print_message("armortop or armortop-sim not built: skipping\n");
        skip();
    }
    const char *args[32] = {"--nodes", "3", "--pods", "30", "--seed", "1"};
    size_t n = 6;
    for (size_t i = 0; extra_sim_args && extra_sim_args[i] && n < 31; i++)
        args[n++] = extra_sim_args[i];
    args[n] = NULL;
    assert_int_equal(harness_sim_start(&f->sim, args), 0);
    f->has_sim = true;
    snprintf(f->kubeconfig, sizeof f->kubeconfig, "%s", f->sim.kubeconfig);
    snprintf(f->dir, sizeof f->dir, "/tmp/armortop-faults-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
}

static void path_of(const struct fcase *f, char *buf, size_t len, const char *what, int k)
{
    snprintf(buf, len, "%s/%s%d", f->dir, what, k);
}

static void touch(const char *path)
{
    FILE *fp = fopen(path, "w");
    if (fp)
        fclose(fp);
}

static void *tui_main(void *ud)
{
    struct fcase *f = ud;
    char script[128], home[128];
    snprintf(script, sizeof script, "%s/script", f->dir);
    snprintf(home, sizeof home, "HOME=%s", f->dir);
    const char *argv[] = {"armortop", "--kubeconfig", f->kubeconfig, "-A", "--no-agents",
                          "--refresh", "0.2", "--script", script, NULL};
    const char *env[] = {"TERM=xterm-256color", "LANG=C.UTF-8", "LC_ALL=C.UTF-8", "TZ=UTC",
                         home, "NO_COLOR=", "KUBECONFIG=", "COLUMNS=", "LINES=",
                         "ARMORTOP_NOW=", NULL};
    f->run_rc = harness_run(argv, env, 180, &f->res);
    return NULL;
}

/* Start armortop: dump d0 on its first data, then for each phase k = 1..n wait
 * for the file gk, take waits[k-1] refresh results and dump dk. */
static void tui_start(struct fcase *f, const int *waits, int n)
{
    assert_true(n < MAX_PHASES);
    char path[128], p[128];
    snprintf(path, sizeof path, "%s/script", f->dir);
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    path_of(f, p, sizeof p, "d", 0);
    fprintf(fp, "<Resize %dx%d>\n<Wait-refresh>\n<Dump %s>\n", COLS, ROWS, p);
    for (int k = 1; k <= n; k++) {
        path_of(f, p, sizeof p, "g", k);
        fprintf(fp, "<Wait-file %s>\n", p);
        for (int w = 0; w < waits[k - 1]; w++)
            fputs("<Wait-refresh>\n", fp);
        path_of(f, p, sizeof p, "d", k);
        fprintf(fp, "<Dump %s>\n", p);
    }
    fclose(fp);
    f->phases = n;
    assert_int_equal(pthread_create(&f->thread, NULL, tui_main, f), 0);
    f->has_thread = true;
}

/* Wait for armortop to end; it must have exited 0 without script complaints. */
static void tui_finish(struct fcase *f)
{
    char p[128];
    for (int k = 1; k <= f->phases; k++) {
        path_of(f, p, sizeof p, "g", k);
        touch(p); /* after a failure: let the script run out */
    }
    if (f->has_thread)
        pthread_join(f->thread, NULL);
    f->has_thread = false;
}

static void tui_check_exit(struct fcase *f)
{
    tui_finish(f);
    if (f->run_rc != 0 || f->res.status != 0 || strstr(f->res.err ? f->res.err : "", "script"))
        print_message("armortop: run %d, exit %d, stderr:\n%s\n", f->run_rc, f->res.status,
                      f->res.err ? f->res.err : "");
    assert_int_equal(f->run_rc, 0);
    assert_int_equal(f->res.status, 0);
    assert_null(strstr(f->res.err, "armortop: script"));
}

static int case_teardown(void **state)
{
    (void)state;
    struct fcase *f = &g_case;
    tui_finish(f);
    harness_result_free(&f->res);
    if (f->has_sim2)
        harness_sim_stop(&f->sim2);
    if (f->has_sim)
        harness_sim_stop(&f->sim);
    f->has_sim = f->has_sim2 = false;
    if (f->dir[0])
        harness_remove_tree(f->dir);
    f->dir[0] = '\0';
    return 0;
}

/* Let phase k run (touch gk; k = 0: the start) and return dump dk once it is
 * whole (ROWS lines). Owned. */
static char *phase(struct fcase *f, int k)
{
    char g[128], d[128];
    path_of(f, d, sizeof d, "d", k);
    if (k > 0) {
        path_of(f, g, sizeof g, "g", k);
        touch(g);
    }
    for (int i = 0; i < 600; i++) {
        size_t len = 0;
        char *text = harness_read_file(d, &len);
        size_t lines = 0;
        for (size_t j = 0; text && j < len; j++)
            lines += text[j] == '\n';
        if (text && lines >= ROWS)
            return text;
        free(text);
        sleep_ms(100);
    }
    print_message("no dump %s after 60 s\n", d);
    fail();
    return NULL;
}

/* ---- sim control ---------------------------------------------------------------- */

static void ctl_on(const struct harness_sim *sim, const char *path)
{
    int st = harness_http(sim, "POST", path, NULL, NULL);
    if (st != 200)
        print_message("control %s: HTTP %d\n", path, st);
    assert_int_equal(st, 200);
}

static void ctl(struct fcase *f, const char *path)
{
    ctl_on(&f->sim, path);
}

/* A number after "key": in GET /sim/stats. */
static long sim_stat(const struct harness_sim *sim, const char *key)
{
    char *body = NULL, pat[64];
    assert_int_equal(harness_http(sim, "GET", "/sim/stats", NULL, &body), 200);
    snprintf(pat, sizeof pat, "\"%s\":", key);
    const char *p = body ? strstr(body, pat) : NULL;
    p = p ? p + strlen(pat) : NULL;
    if (p && *p == '"')
        p++; /* resourceVersions are strings */
    long n = p ? strtol(p, NULL, 10) : -1;
    if (n < 0)
        print_message("/sim/stats has no %s: %s\n", key, body);
    free(body);
    assert_true(n >= 0);
    return n;
}

static void add_pod(const struct harness_sim *sim, const char *ns)
{
    char path[128];
    snprintf(path, sizeof path, "/sim/add?count=1&ns=%s", ns);
    ctl_on(sim, path);
}

/* ---- screen checks -------------------------------------------------------------- */

static void show(const char *what, const char *screen)
{
    print_message("---- %s\n%s----\n", what, screen);
}

static void expect_in(const char *what, const char *screen, const char *s)
{
    if (!strstr(screen, s)) {
        print_message("%s: \"%s\" not on the screen\n", what, s);
        show(what, screen);
    }
    assert_non_null(strstr(screen, s));
}

static void expect_not_in(const char *what, const char *screen, const char *s)
{
    if (strstr(screen, s)) {
        print_message("%s: \"%s\" on the screen\n", what, s);
        show(what, screen);
    }
    assert_null(strstr(screen, s));
}

/* The header's "age Ns", or -1. */
static long header_age(const char *screen)
{
    const char *nl = strchr(screen, '\n');
    const char *a = strstr(screen, " age ");
    if (!a || (nl && a > nl))
        return -1;
    char *end;
    long n = strtol(a + 5, &end, 10);
    return end > a + 5 && *end == 's' ? n : -1;
}

/* The first pod of the table (row 5: header, counts, title, column names). */
static void first_pod(const char *screen, char *out, size_t len)
{
    const char *p = screen;
    for (int line = 0; line < 4 && p; line++) {
        p = strchr(p, '\n');
        if (p)
            p++;
    }
    assert_non_null(p);
    char ns[64] = "", pod[100] = "";
    assert_int_equal(sscanf(p, "%63s %99s", ns, pod), 2);
    assert_true(strlen(pod) + 3 <= len);
    snprintf(out, len, " %.*s ", (int)(len > 3 ? len - 3 : 0), pod);
}

/* Fresh data: counts, no staleness, a young age, the rows. */
static void expect_fresh(struct fcase *f, const char *what, const char *screen)
{
    expect_in(what, screen, " pods ");
    expect_in(what, screen, ": confined ");
    expect_not_in(what, screen, "stale");
    expect_not_in(what, screen, "refresh failed");
    expect_not_in(what, screen, "cannot read the cluster");
    long age = header_age(screen);
    if (age < 0 || age > 1)
        show(what, screen);
    assert_true(age >= 0 && age <= 1);
    if (f->pod[0])
        expect_in(what, screen, f->pod);
}

/* The last good data kept and marked stale, the failure named (want). */
static void expect_stale(struct fcase *f, const char *what, const char *screen, const char *want)
{
    expect_in(what, screen, " pods 30: confined ");
    expect_in(what, screen, f->pod);
    expect_in(what, screen, "s stale");
    expect_in(what, screen, "refresh failed");
    expect_in(what, screen, "refresh failed, showing the last good data: ");
    expect_in(what, screen, f->sim.url);
    expect_in(what, screen, want);
}

/* Start the TUI with the phases' waits and check the first screen. */
static void start_and_check_d0(struct fcase *f, const int *waits, int n)
{
    tui_start(f, waits, n);
    char *d0 = phase(f, 0);
    first_pod(d0, f->pod, sizeof f->pod);
    expect_fresh(f, "before", d0);
    expect_in("before", d0, " pods 30: ");
    free(d0);
}

/* The common shape: fault on, a pod added, wait, dump (stale, want named, pod
 * absent); fault off, wait, dump (fresh, pod present). */
static void fault_case(const char *fault, int settle_ms, const char *want, const char *ns,
                       int recover_ms)
{
    struct fcase *f = &g_case;
    const int waits[] = {2, 2};
    start_and_check_d0(f, waits, 2);

    ctl(f, fault);
    add_pod(&f->sim, ns);
    sleep_ms(settle_ms);
    char *d1 = phase(f, 1);
    expect_stale(f, "during", d1, want);
    expect_not_in("during", d1, ns);
    free(d1);

    ctl(f, "/sim/fault?reset=1");
    sleep_ms(recover_ms);
    char *d2 = phase(f, 2);
    expect_fresh(f, "after", d2);
    expect_in("after", d2, ns);
    expect_in("after", d2, " pods 31: ");
    free(d2);
    tui_check_exit(f);
}

/* ---- the cases ------------------------------------------------------------------ */

/* Slow answers (1.5 s each, three lists a refresh) are no failure: the data
 * stays, unmarked, and the header's age shows how old it is. */
static void test_slow_responses(void **state)
{
    (void)state;
    struct fcase *f = &g_case;
    case_start(f, NULL);
    const int waits[] = {0, 2};
    start_and_check_d0(f, waits, 2);

    ctl(f, "/sim/fault?latency_ms=1500");
    sleep_ms(300); /* a fetch begun before the fault has ended */
    add_pod(&f->sim, "slow-added");
    sleep_ms(2500);
    char *d1 = phase(f, 1);
    long age = header_age(d1);
    print_message("age while slow: %ld s\n", age);
    if (age < 2)
        show("during", d1);
    assert_true(age >= 2);
    expect_in("during", d1, " pods 30: confined ");
    expect_in("during", d1, f->pod);
    expect_not_in("during", d1, "stale");
    expect_not_in("during", d1, "refresh failed");
    expect_not_in("during", d1, "slow-added");
    free(d1);

    ctl(f, "/sim/fault?reset=1");
    sleep_ms(1800); /* the request asleep in the sim finishes */
    char *d2 = phase(f, 2);
    expect_fresh(f, "after", d2);
    expect_in("after", d2, "slow-added");
    expect_in("after", d2, " pods 31: ");
    free(d2);
    tui_check_exit(f);
}

static void test_server_error_5xx(void **state)
{
    (void)state;
    case_start(&g_case, NULL);
    fault_case("/sim/fault?error_rate=100&error_code=503", 600,
               "HTTP 503: simulated failure (armortop-sim fault injection, code 503)", "err-added",
               600);
}

/* 429 with Retry-After: 2: the TUI says it is throttled, and no request goes
 * out before the 2 s have passed (about 3 in 4.5 s, not one per refresh). */
static void test_throttled_429_retry_after(void **state)
{
    (void)state;
    struct fcase *f = &g_case;
    case_start(f, NULL);
    const int waits[] = {1, 2};
    start_and_check_d0(f, waits, 2);

    long faults0 = sim_stat(&f->sim, "faultsInjected");
    ctl(f, "/sim/fault?error_rate=100&error_code=429&retry_after=2");
    add_pod(&f->sim, "throttle-added");
    sleep_ms(4500);
    long sent = sim_stat(&f->sim, "faultsInjected") - faults0;
    print_message("requests answered 429 in 4.5 s: %ld\n", sent);
    char *d1 = phase(f, 1);
    expect_stale(f, "during", d1, "HTTP 429: throttled by the API server");
    expect_in("during", d1, "next try in ");
    expect_not_in("during", d1, "throttle-added");
    free(d1);
    /* at 0, >= 2 and >= 4 s; a refresh every 0.2 s would have sent 20 */
    assert_true(sent >= 2 && sent <= 4);

    ctl(f, "/sim/fault?reset=1");
    sleep_ms(2400); /* the last Retry-After runs out */
    char *d2 = phase(f, 2);
    expect_fresh(f, "after", d2);
    expect_in("after", d2, "throttle-added");
    free(d2);
    tui_check_exit(f);
}

/* Pages of 10: a continue token that expires once is ridden out by relisting
 * (nothing shown); one that always expires is shown as the 410 it is. */
static void test_continue_expired_mid_list(void **state)
{
    (void)state;
    struct fcase *f = &g_case;
    const char *const args[] = {"--page-max", "10", NULL};
    case_start(f, args);
    const int waits[] = {2, 2, 2};
    start_and_check_d0(f, waits, 3);

    long faults0 = sim_stat(&f->sim, "faultsInjected");
    ctl(f, "/sim/fault?expire_continue=1");
    add_pod(&f->sim, "relist-added");
    sleep_ms(600);
    char *d1 = phase(f, 1);
    expect_fresh(f, "expired once", d1);
    expect_in("expired once", d1, "relist-added");
    free(d1);
    assert_int_equal(sim_stat(&f->sim, "expire_continue"), 0);
    assert_int_equal(sim_stat(&f->sim, "faultsInjected") - faults0, 1);

    ctl(f, "/sim/fault?expire_continue=1000000");
    add_pod(&f->sim, "gone-added");
    sleep_ms(600);
    char *d2 = phase(f, 2);
    expect_in("always expired", d2, " pods 31: confined ");
    expect_in("always expired", d2, "s stale");
    expect_in("always expired", d2, "refresh failed, showing the last good data: ");
    expect_in("always expired", d2, "HTTP 410: The provided continue parameter is too old");
    expect_in("always expired", d2, f->pod);
    expect_not_in("always expired", d2, "gone-added");
    free(d2);

    ctl(f, "/sim/fault?reset=1");
    sleep_ms(500);
    char *d3 = phase(f, 3);
    expect_fresh(f, "after", d3);
    expect_in("after", d3, "gone-added");
    expect_in("after", d3, " pods 32: ");
    free(d3);
    tui_check_exit(f);
}

/* Compaction expires every resourceVersion (watches get 410, HTTP or ERROR
 * event) and every continue token. The TUI lists each refresh, so it must
 * carry on without a failure and show what changed across it. */
static void test_compacted_410_watch(void **state)
{
    (void)state;
    struct fcase *f = &g_case;
    const char *const args[] = {"--page-max", "10", NULL};
    case_start(f, args);
    const int waits[] = {3};
    start_and_check_d0(f, waits, 1);

    long rv0 = sim_stat(&f->sim, "compactResourceVersion");
    for (int i = 0; i < 3; i++) {
        ctl(f, i == 1 ? "/sim/fault?watch_410_http=1" : "/sim/fault?watch_410_http=0");
        add_pod(&f->sim, "compact-added");
        ctl(f, "/sim/compact");
        sleep_ms(250);
    }
    assert_true(sim_stat(&f->sim, "compactResourceVersion") > rv0);
    char *d1 = phase(f, 1);
    expect_fresh(f, "after compaction", d1);
    expect_in("after compaction", d1, "compact-added");
    expect_in("after compaction", d1, " pods 33: ");
    free(d1);
    tui_check_exit(f);
}

/* TCP RST instead of an answer (drop_rate closes with a FIN instead). */
static void test_connection_reset(void **state)
{
    (void)state;
    case_start(&g_case, NULL);
    fault_case("/sim/fault?reset_rate=100", 600, "connection lost: ", "reset-added", 600);
}

/* Chunked list bodies cut in the middle, without their last chunk. After the
 * fault, lists stay chunked (whole): they must parse. */
static void test_truncated_chunked(void **state)
{
    (void)state;
    struct fcase *f = &g_case;
    case_start(f, NULL);
    const int waits[] = {2, 2};
    start_and_check_d0(f, waits, 2);

    ctl(f, "/sim/fault?chunked=1&truncate_rate=100");
    add_pod(&f->sim, "cut-added");
    sleep_ms(600);
    char *d1 = phase(f, 1);
    expect_stale(f, "during", d1, "response truncated: connection closed after ");
    expect_not_in("during", d1, "cut-added");
    free(d1);

    ctl(f, "/sim/fault?reset=1&chunked=1");
    sleep_ms(600);
    char *d2 = phase(f, 2);
    expect_fresh(f, "after", d2);
    expect_in("after", d2, "cut-added");
    free(d2);
    tui_check_exit(f);
}

/* The server dies (SIGKILL) and another starts on the same port, same token,
 * with resourceVersions from 9000000 on: the TUI shows the outage, then the
 * new server's data. */
static void test_restart_new_resource_versions(void **state)
{
    (void)state;
    struct fcase *f = &g_case;
    case_start(f, NULL);
    const int waits[] = {2, 2};
    start_and_check_d0(f, waits, 2);
    long rv_old = sim_stat(&f->sim, "resourceVersion");
    assert_true(rv_old < 9000000);

    harness_sim_kill(&f->sim);
    sleep_ms(600);
    char *d1 = phase(f, 1);
    expect_stale(f, "server down", d1, "cannot connect: ");
    free(d1);

    char port[16];
    snprintf(port, sizeof port, "%d", f->sim.port);
    const char *const args[] = {"--nodes", "3", "--pods", "30", "--seed", "1", "--port", port,
                                "--token", f->sim.token, "--rv-start", "9000000", NULL};
    int rc = -1;
    for (int i = 0; i < 20 && rc != 0; i++) { /* the port may take a moment to be free */
        rc = harness_sim_start(&f->sim2, args);
        if (rc != 0)
            sleep_ms(250);
    }
    assert_int_equal(rc, 0);
    f->has_sim2 = true;
    assert_string_equal(f->sim2.url, f->sim.url);
    assert_true(sim_stat(&f->sim2, "resourceVersion") > 9000000);
    add_pod(&f->sim2, "restart-added");
    sleep_ms(600);
    char *d2 = phase(f, 2);
    expect_fresh(f, "restarted", d2);
    expect_in("restarted", d2, "restart-added");
    expect_in("restarted", d2, " pods 31: ");
    free(d2);
    tui_check_exit(f);
}

/* An exec credential plugin that prints the token in a file. The server
 * rotates its token: 401, shown; the plugin re-run on each 401 still says the
 * old one. Once the file holds the new token, the next re-run recovers. */
static void test_rotated_token_exec_refresh(void **state)
{
    (void)state;
    struct fcase *f = &g_case;
    case_start(f, NULL);
    char plugin[700], tokfile[700], count[700], text[4096];
    snprintf(plugin, sizeof plugin, "%.63s/cred.sh", f->dir);
    snprintf(tokfile, sizeof tokfile, "%.63s/token", f->dir);
    snprintf(count, sizeof count, "%.63s/runs", f->dir);
    snprintf(text, sizeof text,
             "#!/bin/sh\necho run >> %s\n"
             "printf '{\"apiVersion\":\"client.authentication.k8s.io/v1\","
             "\"kind\":\"ExecCredential\",\"status\":{\"token\":\"%%s\"}}\\n' \"$(cat %s)\"\n",
             count, tokfile);
    harness_write_file(plugin, text, 0700);
    harness_write_file(tokfile, f->sim.token, 0600);
    snprintf(f->kubeconfig, sizeof f->kubeconfig, "%.63s/exec-kubeconfig", f->dir);
    snprintf(text, sizeof text,
             "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n"
             "    server: %s\nusers:\n- name: u\n  user:\n    exec:\n"
             "      apiVersion: client.authentication.k8s.io/v1\n      command: %s\n"
             "      interactiveMode: Never\n"
             "contexts:\n- name: x\n  context:\n    cluster: c\n    user: u\n"
             "current-context: x\n",
             f->sim.url, plugin);
    harness_write_file(f->kubeconfig, text, 0600);
    const int waits[] = {2, 2};
    start_and_check_d0(f, waits, 2);
    size_t runs0 = 0;
    char *c0 = harness_read_file(count, &runs0);
    free(c0);
    assert_true(runs0 >= 4); /* "run\n": the plugin ran */

    ctl(f, "/sim/token?set=rotated-token-2");
    add_pod(&f->sim, "rotated-added");
    sleep_ms(600);
    char *d1 = phase(f, 1);
    expect_stale(f, "old token", d1, "HTTP 401: Unauthorized");
    expect_not_in("old token", d1, "rotated-added");
    free(d1);
    size_t runs1 = 0;
    char *c1 = harness_read_file(count, &runs1);
    free(c1);
    assert_true(runs1 > runs0); /* re-run after the 401 */

    harness_write_file(tokfile, "rotated-token-2", 0600);
    sleep_ms(600);
    char *d2 = phase(f, 2);
    expect_fresh(f, "new token", d2);
    expect_in("new token", d2, "rotated-added");
    free(d2);
    tui_check_exit(f);
    ctl(f, "/sim/token?reset=1");
}

/* Not the TUI's path (it lists): a chunked watch stream cut in the middle of
 * an event, without its last chunk, is a truncation, not a clean end. */
static void test_watch_stream_cut_mid_event(void **state)
{
    (void)state;
    struct fcase *f = &g_case;
    case_start(f, NULL);
    struct kube_config *cfg = NULL;
    struct kube_client *c = NULL;
    struct kerr err = {0};
    struct kubeconfig_opts ko = {.explicit_path = f->sim.kubeconfig, .no_env = true};
    assert_int_equal(kubeconfig_load(&ko, &cfg, &err), 0);
    assert_int_equal(kube_client_new(cfg, NULL, &c, &err), 0);
    char rv[32];
    snprintf(rv, sizeof rv, "%ld", sim_stat(&f->sim, "resourceVersion"));
    ctl(f, "/sim/mutate?count=2"); /* two MODIFIED events after rv */
    ctl(f, "/sim/fault?truncate_rate=100");
    char *last = NULL;
    int rc = kube_watch(c, KUBE_KIND_POD, NULL, rv, 5, NULL, NULL, &last, &err);
    char buf[1024];
    print_message("watch: rc=%d: %s\n", rc, kerr_format(&err, buf, sizeof buf));
    free(last);
    kube_client_free(&c);
    kube_config_free(&cfg);
    assert_int_equal(rc, -KERR_TRUNCATED);
    assert_non_null(strstr(err.msg, "truncated"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_slow_responses, case_teardown),
        cmocka_unit_test_teardown(test_server_error_5xx, case_teardown),
        cmocka_unit_test_teardown(test_throttled_429_retry_after, case_teardown),
        cmocka_unit_test_teardown(test_continue_expired_mid_list, case_teardown),
        cmocka_unit_test_teardown(test_compacted_410_watch, case_teardown),
        cmocka_unit_test_teardown(test_connection_reset, case_teardown),
        cmocka_unit_test_teardown(test_truncated_chunked, case_teardown),
        cmocka_unit_test_teardown(test_restart_new_resource_versions, case_teardown),
        cmocka_unit_test_teardown(test_rotated_token_exec_refresh, case_teardown),
        cmocka_unit_test_teardown(test_watch_stream_cut_mid_event, case_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
