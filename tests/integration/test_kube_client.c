/*
 * test_kube_client: core/kube_client.c against a real armortop-sim process on
 * loopback (started per test with harness_sim_start), driven through the
 * sim's control endpoints: paging, a continue token expiring mid-list, watch
 * resume, relist after 410 (ERROR event and HTTP forms), 401, a server dying
 * mid-list, connection refused, malformed and truncated bodies, 5xx, timeouts,
 * TLS with the right and a wrong CA. Skips when ./armortop-sim is absent.
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../core/kube_client.h"
#include "../../core/kubeconfig.h"
#include "../../core/model.h"
#include "../../core/xalloc.h"
#include "../harness.h"

/* ---- fixture ---------------------------------------------------------------- */

struct fx {
    struct harness_sim sim;
    bool has_sim;
    struct kube_config *cfg;
    struct kube_client *c;
    struct kube_snapshot *snap;
    struct kerr err;
};

static void sleep_ms(int ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static bool have_sim(void)
{
    char bin[512];
    return access(harness_bin("armortop-sim", bin, sizeof bin), X_OK) == 0;
}

/* Start a sim with args, load its kubeconfig, make a client with opts. */
static void fx_start(struct fx *f, const char *const *args, const struct kube_client_opts *opts)
{
    memset(f, 0, sizeof *f);
    if (!have_sim()) {
        print_message("armortop-sim not built: skipping\n");
        skip();
    }
    assert_int_equal(harness_sim_start(&f->sim, args), 0);
    f->has_sim = true;
    struct kubeconfig_opts ko = {.explicit_path = f->sim.kubeconfig, .no_env = true};
    int rc = kubeconfig_load(&ko, &f->cfg, &f->err);
    if (rc < 0)
        print_message("kubeconfig_load: %s: %s\n", f->err.where, f->err.msg);
    assert_int_equal(rc, 0);
    rc = kube_client_new(f->cfg, opts, &f->c, &f->err);
    assert_int_equal(rc, 0);
    f->snap = kube_snapshot_new();
}

static struct fx g_fx; /* static so a failed assertion's longjmp leaves it for teardown */

static void fx_stop(struct fx *f)
{
    kube_snapshot_free(&f->snap);
    kube_client_free(&f->c);
    kube_config_free(&f->cfg);
    if (f->has_sim)
        harness_sim_stop(&f->sim);
    f->has_sim = false;
}

static int fx_teardown(void **state)
{
    (void)state;
    fx_stop(&g_fx);
    return 0;
}

static void ctl(struct fx *f, const char *path)
{
    int st = harness_http(&f->sim, "POST", path, NULL, NULL);
    if (st != 200)
        print_message("control %s: HTTP %d\n", path, st);
    assert_int_equal(st, 200);
}

static void print_err(const char *what, int rc, const struct kerr *err)
{
    char buf[1024];
    print_message("%s: rc=%d (%s): %s\n", what, rc, kerr_str(rc),
                  kerr_format(err, buf, sizeof buf));
}

/* A port on 127.0.0.1 where nothing listens. */
static int dead_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t al = sizeof a;
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    getsockname(fd, (struct sockaddr *)&a, &al);
    close(fd);
    return ntohs(a.sin_port);
}

/* Every pod once: no duplicates (by namespace/name and by UID). */
static void assert_pods_unique(const struct kube_snapshot *s)
{
    for (size_t i = 0; i < s->pods.count; i++) {
        for (size_t j = i + 1; j < s->pods.count; j++) {
            const struct kube_pod *a = &s->pods.items[i], *b = &s->pods.items[j];
            assert_false(strcmp(a->ns, b->ns) == 0 && strcmp(a->name, b->name) == 0);
            if (a->uid && b->uid)
                assert_string_not_equal(a->uid, b->uid);
        }
    }
}

/* a and b hold the same pods at the same resourceVersions. */
static void assert_same_pods(const struct kube_snapshot *a, const struct kube_snapshot *b)
{
    if (a->pods.count != b->pods.count)
        print_message("pod counts differ: %zu vs %zu\n", a->pods.count, b->pods.count);
    assert_int_equal(a->pods.count, b->pods.count);
    for (size_t i = 0; i < a->pods.count; i++) {
        const struct kube_pod *p = &a->pods.items[i];
        const struct kube_pod *q = kube_snapshot_find_pod(b, p->ns, p->name);
        if (!q)
            print_message("pod %s/%s missing\n", p->ns, p->name);
        assert_non_null(q);
        if (p->resource_version && q->resource_version &&
            strcmp(p->resource_version, q->resource_version) != 0)
            print_message("pod %s/%s: rv %s vs %s\n", p->ns, p->name, p->resource_version,
                          q->resource_version);
        assert_string_equal(p->resource_version ? p->resource_version : "",
                            q->resource_version ? q->resource_version : "");
    }
}

/* A number after "key": in a JSON text, or -1. Loose on purpose: /sim/stats. */
static long json_number(const char *json, const char *key)
{
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\":", key);
    const char *p = json ? strstr(json, pat) : NULL;
    if (!p)
        return -1;
    p += strlen(pat);
    while (*p == ' ')
        p++;
    return strtol(p, NULL, 10);
}

/* A counter from GET /sim/stats ("lists", "watches", ...). */
static long sim_stat(struct fx *f, const char *key)
{
    char *body = NULL;
    long n = -1;
    assert_int_equal(harness_http(&f->sim, "GET", "/sim/stats", NULL, &body), 200);
    n = json_number(body, key);
    if (n < 0)
        print_message("/sim/stats has no %s: %s\n", key, body);
    free(body);
    assert_true(n >= 0);
    return n;
}

static const char *const sim40[] = {"--nodes", "3", "--pods", "40", "--seed", "7", NULL};

/* ---- get -------------------------------------------------------------------- */

static void test_get_ok_and_404(void **state)
{
    (void)state;
    struct fx *f = &g_fx;
    fx_start(f, sim40, NULL);
    struct strbuf body;
    strbuf_init(&body);
    int rc = kube_client_get(f->c, "/api/v1/namespaces", &body, &f->err);
    assert_int_equal(rc, 0);
    assert_non_null(strstr(strbuf_str(&body), "NamespaceList"));

    rc = kube_client_get(f->c, "/api/v1/namespaces/nope-ns/pods/nope", &body, &f->err);
    print_err("404", rc, &f->err);
    assert_int_equal(rc, -KERR_HTTP);
    assert_int_equal(f->err.http_status, 404);
    assert_string_equal(f->err.where, f->sim.url);
    assert_true(f->err.msg[0] != '\0');
    strbuf_done(&body);
    fx_stop(f);
}

/* ---- list ------------------------------------------------------------------- */

struct pages {
    int count;
    int restarts;
    struct fx *compact_fx; /* compact once after this page, when set */
    int compact_after;
    bool has_compacted;
};

static void count_pages(void *ud, enum kube_kind kind, int page_no, const char *token)
{
    (void)kind;
    struct pages *p = ud;
    p->count++;
    if (page_no == 1 && p->count > 1)
        p->restarts++;
    if (p->compact_fx && !p->has_compacted && page_no == p->compact_after && token) {
        ctl(p->compact_fx, "/sim/compact");
        p->has_compacted = true;
    }
}

static void test_list_paging(void **state)
{
    (void)state;
    struct fx *f = &g_fx;
    struct pages pg = {0};
    struct kube_client_opts o = {.page_limit = 7, .page_hook = count_pages, .page_hook_ud = &pg};
    fx_start(f, sim40, &o);
    long lists0 = sim_stat(f, "lists");

    int rc = kube_list(f->c, KUBE_KIND_POD, NULL, f->snap, &f->err);
    if (rc)
        print_err("list", rc, &f->err);
    assert_int_equal(rc, 0);
    assert_int_equal(f->snap->pods.count, 40);
    assert_pods_unique(f->snap);
    assert_non_null(f->snap->pods_rv);
    assert_int_equal(pg.count, 6); /* ceil(40 / 7) */
    assert_int_equal(sim_stat(f, "lists") - lists0, 6);

    /* The same list unpaged gives the same pods. */
    struct kube_snapshot *one = kube_snapshot_new();
    struct kube_list_opts big = {.limit = 1000};
    rc = kube_list(f->c, KUBE_KIND_POD, &big, one, &f->err);
    assert_int_equal(rc, 0);
    assert_same_pods(f->snap, one);
    kube_snapshot_free(&one);

    /* Nodes are cluster-scoped; a namespace in the opts is ignored for them. */
    struct kube_list_opts ns = {.ns = "default"};
    rc = kube_list(f->c, KUBE_KIND_NODE, &ns, f->snap, &f->err);
    assert_int_equal(rc, 0);
    assert_int_equal(f->snap->nodes.count, 3);
    /* A second list replaces, never appends. */
    rc = kube_list(f->c, KUBE_KIND_NODE, NULL, f->snap, &f->err);
    assert_int_equal(rc, 0);
    assert_int_equal(f->snap->nodes.count, 3);
    fx_stop(f);
}

static void test_list_namespace_and_selector(void **state)
{
    (void)state;
    struct fx *f = &g_fx;
    fx_start(f, sim40, NULL);
    assert_int_equal(kube_list(f->c, KUBE_KIND_POD, NULL, f->snap, &f->err), 0);
    assert_true(f->snap->pods.count > 0);
    const struct kube_pod *p0 = &f->snap->pods.items[0];
    char *ns = xstrdup(p0->ns), *node = xstrdup_or_null(p0->node_name);
    size_t in_ns = 0, on_node = 0;
    for (size_t i = 0; i < f->snap->pods.count; i++) {
        const struct kube_pod *p = &f->snap->pods.items[i];
        in_ns += strcmp(p->ns, ns) == 0;
        on_node += node && p->node_name && strcmp(p->node_name, node) == 0;
    }
    struct kube_snapshot *s = kube_snapshot_new();
    struct kube_list_opts o = {.ns = ns, .limit = 3};
    assert_int_equal(kube_list(f->c, KUBE_KIND_POD, &o, s, &f->err), 0);
    assert_int_equal(s->pods.count, in_ns);
    if (node) {
        char sel[256];
        snprintf(sel, sizeof sel, "spec.nodeName=%s", node);
        struct kube_list_opts fo = {.field_selector = sel, .limit = 5};
        assert_int_equal(kube_list(f->c, KUBE_KIND_POD, &fo, s, &f->err), 0);
        assert_int_equal(s->pods.count, on_node);
    }
    kube_snapshot_free(&s);
    free(ns);
    free(node);
    fx_stop(f);
}

static void test_list_continue_expired_restarts(void **state)
{
    (void)state;
    struct fx *f = &g_fx;
    struct pages pg = {.compact_after = 2};
    struct kube_client_opts o = {.page_limit = 7, .page_hook = count_pages, .page_hook_ud = &pg};
    fx_start(f, sim40, &o);
    pg.compact_fx = f;
    int rc = kube_list(f->c, KUBE_KIND_POD, NULL, f->snap, &f->err);
    if (rc)
        print_err("list", rc, &f->err);
    assert_int_equal(rc, 0);
    assert_true(pg.has_compacted);
    assert_int_equal(pg.restarts, 1);
    assert_int_equal(pg.count, 2 + 6);
    assert_int_equal(f->snap->pods.count, 40);
    assert_pods_unique(f->snap);
    fx_stop(f);
}

/* ---- watch ------------------------------------------------------------------ */

struct seen {
    int added, modified, deleted, bookmarks;
};

static int count_events(void *ud, struct kube_watch_event *ev)
{
    struct seen *s = ud;
    switch (ev->type) {
    case KWATCH_ADDED:
        s->added++;
        break;
    case KWATCH_MODIFIED:
        s->modified++;
        break;
    case KWATCH_DELETED:
        s->deleted++;
        break;
    case KWATCH_BOOKMARK:
        s->bookmarks++;
        break;
    case KWATCH_ERROR:
        break;
    }
    return 0;
}

static void test_watch_resume(void **state)
{
    (void)state;
    struct fx *f = &g_fx;
    fx_start(f, sim40, NULL);
    assert_int_equal(kube_list(f->c, KUBE_KIND_POD, NULL, f->snap, &f->err), 0);
    char *rv0 = xstrdup(f->snap->pods_rv);

    ctl(f, "/sim/mutate?count=3");
    char *last = NULL;
    struct seen s1 = {0};
    int rc = kube_watch(f->c, KUBE_KIND_POD, NULL, rv0, 1, count_events, &s1, &last, &f->err);
    if (rc)
        print_err("watch", rc, &f->err);
    assert_int_equal(rc, 0);
    assert_true(s1.modified + s1.added + s1.deleted >= 3);
    assert_non_null(last);
    assert_string_not_equal(last, rv0);

    /* Resuming from the last rv sees only what happened since. */
    ctl(f, "/sim/add?count=2");
    struct seen s2 = {0};
    char *from = xstrdup(last);
    rc = kube_watch(f->c, KUBE_KIND_POD, NULL, from, 1, count_events, &s2, &last, &f->err);
    assert_int_equal(rc, 0);
    assert_int_equal(s2.added, 2);
    assert_int_equal(s2.modified, 0);
    free(from);
    free(last);
    free(rv0);
    fx_stop(f);
}

struct mutator {
    struct fx *f;
    char del_ns[128], del_name[128];
    int delay_ms;
    bool is_compact;
};

static void *mutate_main(void *ud)
{
    struct mutator *m = ud;
    char path[400];
    sleep_ms(m->delay_ms);
    harness_http(&m->f->sim, "POST", "/sim/add?count=3", NULL, NULL);
    sleep_ms(200);
    harness_http(&m->f->sim, "POST", "/sim/mutate?count=5", NULL, NULL);
    if (m->del_name[0]) {
        snprintf(path, sizeof path, "/sim/delete?ns=%s&name=%s", m->del_ns, m->del_name);
        harness_http(&m->f->sim, "POST", path, NULL, NULL);
    }
    if (m->is_compact) {
        sleep_ms(300);
        harness_http(&m->f->sim, "POST", "/sim/compact", NULL, NULL);
        sleep_ms(1500); /* let the running watch end and the next one hit 410 */
        harness_http(&m->f->sim, "POST", "/sim/mutate?count=4", NULL, NULL);
        harness_http(&m->f->sim, "POST", "/sim/add?count=1", NULL, NULL);
    }
    return NULL;
}

/* kube_sync while another thread changes pods; then compare with a fresh list. */
static void sync_and_compare(struct fx *f, bool is_compact, int duration_s, int *relists)
{
    assert_int_equal(kube_list(f->c, KUBE_KIND_POD, NULL, f->snap, &f->err), 0);
    char *rv0 = xstrdup(f->snap->pods_rv);
    struct mutator m = {.f = f, .delay_ms = 300, .is_compact = is_compact};
    snprintf(m.del_ns, sizeof m.del_ns, "%s", f->snap->pods.items[0].ns);
    snprintf(m.del_name, sizeof m.del_name, "%s", f->snap->pods.items[0].name);
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, mutate_main, &m), 0);
    int rc = kube_sync(f->c, KUBE_KIND_POD, NULL, f->snap, duration_s, NULL, relists, &f->err);
    pthread_join(t, NULL);
    if (rc)
        print_err("sync", rc, &f->err);
    assert_int_equal(rc, 0);
    assert_non_null(f->snap->pods_rv);
    assert_string_not_equal(f->snap->pods_rv, rv0);
    assert_null(kube_snapshot_find_pod(f->snap, m.del_ns, m.del_name));
    assert_pods_unique(f->snap);

    struct kube_snapshot *fresh = kube_snapshot_new();
    assert_int_equal(kube_list(f->c, KUBE_KIND_POD, NULL, fresh, &f->err), 0);
    assert_int_equal(fresh->pods.count, 40 + 3 - 1 + (is_compact ? 1 : 0));
    assert_same_pods(fresh, f->snap);
    kube_snapshot_free(&fresh);
    free(rv0);
}

static void test_sync_follows_changes(void **state)
{
    (void)state;
    struct fx *f = &g_fx;
    struct kube_client_opts o = {.watch_timeout_s = 1}; /* several watches: resume path */
    fx_start(f, sim40, &o);
    int relists = 0;
    long lists0 = sim_stat(f, "lists"), watches0 = sim_stat(f, "watches");
    sync_and_compare(f, false, 3, &relists);
    assert_int_equal(relists, 0);
    /* Streams that ended were resumed from the last rv: several watches, and no
     * list besides the first one and the fresh one of the comparison. */
    assert_true(sim_stat(f, "watches") - watches0 >= 2);
    assert_int_equal(sim_stat(f, "lists") - lists0, 2);
    fx_stop(f);
}

static void test_sync_relists_after_compact_error_event(void **state)
{
    (void)state;
    struct fx *f = &g_fx;
    struct kube_client_opts o = {.watch_timeout_s = 1};
    fx_start(f, sim40, &o);
    ctl(f, "/sim/fault?watch_410_http=0");
    int relists = 0;
    sync_and_compare(f, true, 5, &relists);
    print_message("relists: %d\n", relists);
    assert_true(relists >= 1);
    fx_stop(f);
}

static void test_sync_relists_after_compact_http_410(void **state)
{
    (void)state;
    struct fx *f = &g_fx;
    struct kube_client_opts o = {.watch_timeout_s = 1};
    fx_start(f, sim40, &o);
    ctl(f, "/sim/fault?watch_410_http=1");
    int relists = 0;
    sync_and_compare(f, true, 5, &relists);
    print_message("relists: %d\n", relists);
    assert_true(relists >= 1);
    fx_stop(f);
}

static void test_watch_gone_on_expired_rv(void **state)
{
    (void)state;
    struct fx *f = &g_fx;
    fx_start(f, sim40, NULL);
    assert_int_equal(kube_list(f->c, KUBE_KIND_POD, NULL, f->snap, &f->err), 0);
    ctl(f, "/sim/mutate?count=2");
    ctl(f, "/sim/compact");
    char *last = NULL;
    for (int http = 0; http <= 1; http++) {
        char path[64];
        snprintf(path, sizeof path, "/sim/fault?watch_410_http=%d", http);
        ctl(f, path);
        int rc = kube_watch(f->c, KUBE_KIND_POD, NULL, f->snap->pods_rv, 2, count_events,
                            &(struct seen){0}, &last, &f->err);
        print_err("watch 410", rc, &f->err);
        assert_int_equal(rc, -KERR_GONE);
        assert_string_equal(f->err.where, f->sim.url);
        /* ERROR event: the response was 200 and the Status is in the text. */
        assert_int_equal(f->err.http_status, http ? 410 : 0);
        if (!http)
            assert_non_null(strstr(f->err.msg, "410"));
    }
    free(last);
    fx_stop(f);
}

static void test_sync_rides_out_errors(void **state)
{
    (void)state;
    struct fx *f = &g_fx;
    struct kube_client_opts o = {.watch_timeout_s = 1};
    fx_start(f, sim40, &o);
    ctl(f, "/sim/fault?error_rate=50&error_code=503");
    int relists = 0;
    int rc = kube_sync(f->c, KUBE_KIND_POD, NULL, f->snap, 3, NULL, &relists, &f->err);
    if (rc)
        print_err("sync", rc, &f->err);
    ctl(f, "/sim/fault?reset=1");
    /* Whatever the dice said, a final sync without faults converges. */
    rc = kube_sync(f->c, KUBE_KIND_POD, NULL, f->snap, 1, NULL, &relists, &f->err);
    assert_int_equal(rc, 0);
    assert_int_equal(f->snap->pods.count, 40);
    fx_stop(f);
}

static void test_sync_gives_up_when_time_runs_out(void **state)
{
    (void)state;
    struct fx *f = &g_fx;
    fx_start(f, sim40, NULL);
    ctl(f, "/sim/fault?error_rate=100&error_code=500");
    int64_t t0 = time(NULL);
    int rc = kube_sync(f->c, KUBE_KIND_POD, NULL, f->snap, 2, NULL, NULL, &f->err);
    print_err("sync", rc, &f->err);
    assert_int_equal(rc, -KERR_SERVER);
    assert_true(time(NULL) - t0 >= 1 && time(NULL) - t0 <= 4);
    assert_int_equal(f->snap->pods.count, 0);
    fx_stop(f);
}

static void test_sync_stop_flag(void **state)
{
    (void)state;
    struct fx *f = &g_fx;
    fx_start(f, sim40, NULL);
    volatile bool stop = true;
    int rc = kube_sync(f->c, KUBE_KIND_POD, NULL, f->snap, 30, &stop, NULL, &f->err);
    assert_int_equal(rc, 0);
    fx_stop(f);
}

/* ---- failures --------------------------------------------------------------- */

static void test_unauthorized(void **state)
{
    (void)state;
    struct fx *f = &g_fx;
    fx_start(f, sim40, NULL);
    free(f->cfg->token);
    f->cfg->token = xstrdup("not-the-token");
    int rc = kube_list(f->c, KUBE_KIND_POD, NULL, f->snap, &f->err);
    char buf[1024], want[2048];
    kerr_format(&f->err, buf, sizeof buf);
    print_message("%s\n", buf);
    assert_int_equal(rc, -KERR_UNAUTHORIZED);
    assert_int_equal(f->err.http_status, 401);
    snprintf(want, sizeof want, "%s: HTTP 401: ", f->sim.url);
    assert_non_null(strstr(buf, want));
    assert_int_equal(f->snap->pods.count, 0);
    assert_null(f->snap->pods_rv);
    fx_stop(f);
}

/* An exec plugin whose first token is wrong: the 401 makes the client forget
 * the credential, re-run the plugin once and succeed. */
static void test_unauthorized_exec_refresh(void **state)
{
    (void)state;
    struct fx *f = &g_fx;
    fx_start(f, sim40, NULL);
    char script[2048], kc[2048], count[2048];
    snprintf(script, sizeof script, "%s/cred.sh", f->sim.dir);
    snprintf(kc, sizeof kc, "%s/exec-kubeconfig", f->sim.dir);
    snprintf(count, sizeof count, "%s/count", f->sim.dir);
    FILE *fp = fopen(script, "w");
    assert_non_null(fp);
    fprintf(fp,
            "#!/bin/sh\nn=$(cat %s 2>/dev/null || echo 0); n=$((n+1)); echo $n > %s\n"
            "tok=wrong; [ $n -gt 1 ] && tok=%s\n"
            "printf '{\"apiVersion\":\"client.authentication.k8s.io/v1\","
            "\"kind\":\"ExecCredential\",\"status\":{\"token\":\"%%s\"}}\\n' \"$tok\"\n",
            count, count, f->sim.token);
    fclose(fp);
    chmod(script, 0700);
    fp = fopen(kc, "w");
    assert_non_null(fp);
    fprintf(fp,
            "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n"
            "    server: %s\nusers:\n- name: u\n  user:\n    exec:\n"
            "      apiVersion: client.authentication.k8s.io/v1\n      command: %s\n"
            "      interactiveMode: Never\n"
            "contexts:\n- name: x\n  context:\n    cluster: c\n    user: u\n"
            "current-context: x\n",
            f->sim.url, script);
    fclose(fp);

    struct kube_config *cfg = NULL;
    struct kube_client *c = NULL;
    struct kubeconfig_opts ko = {.explicit_path = kc, .no_env = true};
    assert_int_equal(kubeconfig_load(&ko, &cfg, &f->err), 0);
    assert_int_equal(kube_client_new(cfg, NULL, &c, &f->err), 0);
    int rc = kube_list(c, KUBE_KIND_NODE, NULL, f->snap, &f->err);
    if (rc)
        print_err("exec", rc, &f->err);
    char *n = harness_read_file(count, NULL);
    kube_client_free(&c);
    kube_config_free(&cfg);
    assert_int_equal(rc, 0);
    assert_int_equal(f->snap->nodes.count, 3);
    assert_non_null(n);
    assert_int_equal(atoi(n), 2);
    free(n);
    fx_stop(f);
}

static void test_server_dies_mid_list(void **state)
{
    (void)state;
    struct fx *f = &g_fx;
    struct kube_client_opts o = {.page_limit = 5, .timeout_ms = 5000};
    fx_start(f, sim40, &o);
    ctl(f, "/sim/fault?die_after_requests=3");
    int rc = kube_list(f->c, KUBE_KIND_POD, NULL, f->snap, &f->err);
    print_err("dies", rc, &f->err);
    assert_true(rc == -KERR_IO || rc == -KERR_TRUNCATED || rc == -KERR_CONNECT);
    assert_string_equal(f->err.where, f->sim.url);
    assert_int_equal(f->snap->pods.count, 0);
    assert_null(f->snap->pods_rv);
    fx_stop(f);
}

static void test_connection_refused(void **state)
{
    (void)state;
    char dir[] = "/tmp/armortop-kc-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[128];
    snprintf(path, sizeof path, "%s/kubeconfig", dir);
    int port = dead_port();
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fprintf(fp,
            "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n"
            "    server: http://127.0.0.1:%d\nusers:\n- name: u\n  user:\n    token: t\n"
            "contexts:\n- name: x\n  context:\n    cluster: c\n    user: u\n"
            "current-context: x\n",
            port);
    fclose(fp);
    struct kube_config *cfg = NULL;
    struct kube_client *c = NULL;
    struct kerr err = {0};
    struct kubeconfig_opts ko = {.explicit_path = path, .no_env = true};
    assert_int_equal(kubeconfig_load(&ko, &cfg, &err), 0);
    assert_int_equal(kube_client_new(cfg, NULL, &c, &err), 0);
    struct kube_snapshot *snap = kube_snapshot_new();
    int rc = kube_list(c, KUBE_KIND_NODE, NULL, snap, &err);
    print_err("refused", rc, &err);
    assert_int_equal(rc, -KERR_CONNECT);
    char want[64];
    snprintf(want, sizeof want, "http://127.0.0.1:%d", port);
    assert_string_equal(err.where, want);
    assert_int_equal(err.http_status, 0);
    kube_snapshot_free(&snap);
    kube_client_free(&c);
    kube_config_free(&cfg);
    unlink(path);
    rmdir(dir);
}

static void test_bad_server_url(void **state)
{
    (void)state;
    struct kube_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.server = (char *)"ftp://x";
    struct kube_client *c = NULL;
    struct kerr err = {0};
    assert_int_equal(kube_client_new(&cfg, NULL, &c, &err), -KERR_CONFIG);
    assert_null(c);
}

static void expect_list_error(const char *fault, int want_rc, long want_status,
                              const struct kube_client_opts *o)
{
    struct fx *f = &g_fx;
    fx_start(f, sim40, o);
    ctl(f, fault);
    int rc = kube_list(f->c, KUBE_KIND_POD, NULL, f->snap, &f->err);
    print_err(fault, rc, &f->err);
    assert_int_equal(rc, want_rc);
    assert_int_equal(f->err.http_status, want_status);
    assert_string_equal(f->err.where, f->sim.url);
    assert_true(f->err.msg[0] != '\0');
    assert_int_equal(f->snap->pods.count, 0);
    assert_null(f->snap->pods_rv);
    fx_stop(f);
}

static void test_malformed(void **state)
{
    (void)state;
    expect_list_error("/sim/fault?malformed_rate=100", -KERR_PARSE, 0, NULL);
}

static void test_dropped(void **state)
{
    (void)state;
    expect_list_error("/sim/fault?drop_rate=100", -KERR_IO, 0, NULL);
}

static void test_truncated(void **state)
{
    (void)state;
    expect_list_error("/sim/fault?truncate_rate=100", -KERR_TRUNCATED, 0, NULL);
}

static void test_server_error_status(void **state)
{
    (void)state;
    expect_list_error("/sim/fault?error_rate=100&error_code=503", -KERR_SERVER, 503, NULL);
}

static void test_timeout(void **state)
{
    (void)state;
    struct kube_client_opts o = {.timeout_ms = 400};
    expect_list_error("/sim/fault?latency_ms=2000", -KERR_TIMEOUT, 0, &o);
}

static void test_too_big(void **state)
{
    (void)state;
    struct kube_client_opts o = {.max_body_len = 1024};
    expect_list_error("/sim/fault?reset=1", -KERR_TOOBIG, 0, &o);
}

/* ---- TLS -------------------------------------------------------------------- */

static const char *const sim_tls[] = {"--nodes", "2", "--pods", "10", "--tls", NULL};

static void test_tls_ok(void **state)
{
    (void)state;
    struct fx *f = &g_fx;
    fx_start(f, sim_tls, NULL);
    assert_int_equal(strncmp(kube_client_server(f->c), "https://", 8), 0);
    int rc = kube_list(f->c, KUBE_KIND_POD, NULL, f->snap, &f->err);
    if (rc)
        print_err("tls", rc, &f->err);
    assert_int_equal(rc, 0);
    assert_int_equal(f->snap->pods.count, 10);
    /* A second request reuses the pool (and the TLS session). */
    assert_int_equal(kube_list(f->c, KUBE_KIND_NODE, NULL, f->snap, &f->err), 0);
    assert_int_equal(f->snap->nodes.count, 2);
    fx_stop(f);
}

static void test_tls_wrong_ca(void **state)
{
    (void)state;
    static const char bundle[] = "/etc/ssl/certs/ca-certificates.crt";
    struct fx *f = &g_fx;
    if (access(bundle, R_OK) != 0) {
        print_message("%s absent: skipping\n", bundle);
        skip();
    }
    fx_start(f, sim_tls, NULL);
    /* Trust the system bundle instead of the sim's own CA. */
    kube_client_free(&f->c);
    free(f->cfg->ca_data);
    f->cfg->ca_data = NULL;
    f->cfg->ca_data_len = 0;
    free(f->cfg->ca_file);
    f->cfg->ca_file = xstrdup(bundle);
    assert_int_equal(kube_client_new(f->cfg, NULL, &f->c, &f->err), 0);
    int rc = kube_list(f->c, KUBE_KIND_POD, NULL, f->snap, &f->err);
    print_err("wrong CA", rc, &f->err);
    assert_int_equal(rc, -KERR_TLS);
    assert_string_equal(f->err.where, f->sim.url);
    fx_stop(f);
}

/* tls-server-name: verify the certificate against another name than the URL
 * host (the URL says 127.0.0.1; the sim's certificate also names localhost). */
static void tls_with_server_name(const char *name, int want_rc)
{
    struct fx *f = &g_fx;
    fx_start(f, sim_tls, NULL);
    kube_client_free(&f->c);
    free(f->cfg->tls_server_name);
    f->cfg->tls_server_name = xstrdup(name);
    assert_int_equal(kube_client_new(f->cfg, NULL, &f->c, &f->err), 0);
    int rc = kube_list(f->c, KUBE_KIND_NODE, NULL, f->snap, &f->err);
    print_err(name, rc, &f->err);
    assert_int_equal(rc, want_rc);
    if (rc == 0)
        assert_int_equal(f->snap->nodes.count, 2);
    else
        assert_string_equal(f->err.where, f->sim.url);
    fx_stop(f);
}

static void test_tls_server_name_ok(void **state)
{
    (void)state;
    tls_with_server_name("localhost", 0);
}

static void test_tls_server_name_wrong(void **state)
{
    (void)state;
    tls_with_server_name("not-the-apiserver.invalid", -KERR_TLS);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_bad_server_url, fx_teardown),
        cmocka_unit_test_teardown(test_connection_refused, fx_teardown),
        cmocka_unit_test_teardown(test_get_ok_and_404, fx_teardown),
        cmocka_unit_test_teardown(test_list_paging, fx_teardown),
        cmocka_unit_test_teardown(test_list_namespace_and_selector, fx_teardown),
        cmocka_unit_test_teardown(test_list_continue_expired_restarts, fx_teardown),
        cmocka_unit_test_teardown(test_watch_resume, fx_teardown),
        cmocka_unit_test_teardown(test_watch_gone_on_expired_rv, fx_teardown),
        cmocka_unit_test_teardown(test_sync_follows_changes, fx_teardown),
        cmocka_unit_test_teardown(test_sync_relists_after_compact_error_event, fx_teardown),
        cmocka_unit_test_teardown(test_sync_relists_after_compact_http_410, fx_teardown),
        cmocka_unit_test_teardown(test_sync_rides_out_errors, fx_teardown),
        cmocka_unit_test_teardown(test_sync_gives_up_when_time_runs_out, fx_teardown),
        cmocka_unit_test_teardown(test_sync_stop_flag, fx_teardown),
        cmocka_unit_test_teardown(test_unauthorized, fx_teardown),
        cmocka_unit_test_teardown(test_unauthorized_exec_refresh, fx_teardown),
        cmocka_unit_test_teardown(test_server_dies_mid_list, fx_teardown),
        cmocka_unit_test_teardown(test_dropped, fx_teardown),
        cmocka_unit_test_teardown(test_malformed, fx_teardown),
        cmocka_unit_test_teardown(test_truncated, fx_teardown),
        cmocka_unit_test_teardown(test_server_error_status, fx_teardown),
        cmocka_unit_test_teardown(test_timeout, fx_teardown),
        cmocka_unit_test_teardown(test_too_big, fx_teardown),
        cmocka_unit_test_teardown(test_tls_ok, fx_teardown),
        cmocka_unit_test_teardown(test_tls_wrong_ca, fx_teardown),
        cmocka_unit_test_teardown(test_tls_server_name_ok, fx_teardown),
        cmocka_unit_test_teardown(test_tls_server_name_wrong, fx_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
