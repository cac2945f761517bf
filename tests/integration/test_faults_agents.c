/*
 * test_faults_agents: issue 7's fault-injection matrix, agent and log half,
 * against the real TUI. Each case starts armortop-sim (3 nodes, a real
 * armortop-agent on each, no background denials), runs `armortop --script`
 * headless in a thread, and walks it through phases: the script waits for a
 * go-file, takes two refreshes (so one started after the fault), dumps the
 * nodes pane, node-001's details and the raw denials pane (filtered), then
 * marks the phase done. Between phases the main thread injects the fault
 * through POST /sim/agent or by editing node-001's audit.log, and waits for
 * the agent itself (GET /v1/denials on its own port) before letting the TUI
 * look. Assertions: armortop keeps running, the header and node-001's row say
 * what is wrong, node-002/003 keep updating, it recovers by itself, and the
 * denial records it shows are exactly those written (counted per node and
 * per unique name, so neither a loss nor a duplicate passes).
 * Only loopback; the sim's temp dirs are removed by the sim.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
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

#include "../harness.h"

#define NODE "node-001"
#define REFRESH "0.2"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- the simulator --------------------------------------------------------------- */

static struct harness_sim sim;
static char node_log[512]; /* node-001's audit.log */

static int setup(void **state)
{
    (void)state;
    const char *args[] = { "--nodes", "3", "--pods", "12", "--seed", "1", "--agents", "3",
                           "--denial-rate", "0", NULL };
    memset(&sim, 0, sizeof sim);
    if (harness_sim_start(&sim, args) != 0)
        return -1;
    char *out = NULL;
    int st = harness_http(&sim, "GET", "/sim/stats", NULL, &out);
    cJSON *j = st == 200 ? cJSON_Parse(out) : NULL;
    free(out);
    const cJSON *dir = NULL;
    const cJSON *nodes = cJSON_GetObjectItem(j, "agentNodes"), *nd;
    cJSON_ArrayForEach(nd, nodes) {
        const cJSON *name = cJSON_GetObjectItem(nd, "node");
        if (cJSON_IsString(name) && strcmp(name->valuestring, NODE) == 0)
            dir = cJSON_GetObjectItem(nd, "dir");
    }
    if (!cJSON_IsString(dir) || cJSON_GetArraySize(nodes) != 3) {
        fprintf(stderr, "no agents on the sim's nodes (stats HTTP %d)\n", st);
        cJSON_Delete(j);
        harness_sim_stop(&sim);
        return -1;
    }
    snprintf(node_log, sizeof node_log, "%s/audit.log", dir->valuestring);
    cJSON_Delete(j);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    harness_sim_stop(&sim);
    return 0;
}

/* POST a control path; fails the test unless the answer is want. */
static void ctl(int want, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void ctl(int want, const char *fmt, ...)
{
    char path[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(path, sizeof path, fmt, ap);
    va_end(ap);
    char *out = NULL;
    int st = harness_http(&sim, "POST", path, "", &out);
    if (st != want)
        fprintf(stderr, "POST %s: HTTP %d (want %d): %s\n", path, st, want, out ? out : "");
    free(out);
    assert_int_equal(st, want);
}

/* The node's stats object (owned by *root), or NULL. */
static const cJSON *node_stats(const char *node, cJSON **root)
{
    char *out = NULL;
    int st = harness_http(&sim, "GET", "/sim/stats", NULL, &out);
    *root = st == 200 ? cJSON_Parse(out) : NULL;
    free(out);
    const cJSON *nd;
    cJSON_ArrayForEach(nd, cJSON_GetObjectItem(*root, "agentNodes")) {
        const cJSON *name = cJSON_GetObjectItem(nd, "node");
        if (cJSON_IsString(name) && strcmp(name->valuestring, node) == 0)
            return nd;
    }
    return NULL;
}

/* The port of node's running agent, or -1. */
static int agent_port(const char *node)
{
    cJSON *root;
    const cJSON *nd = node_stats(node, &root);
    const cJSON *ep = cJSON_GetObjectItem(nd, "endpoint");
    int port = -1;
    if (cJSON_IsString(ep) && strrchr(ep->valuestring, ':'))
        port = atoi(strrchr(ep->valuestring, ':') + 1);
    cJSON_Delete(root);
    return port > 0 ? port : -1;
}

static int agent_restarts(const char *node)
{
    cJSON *root;
    const cJSON *r = cJSON_GetObjectItem(node_stats(node, &root), "restarts");
    int n = cJSON_IsNumber(r) ? r->valueint : -1;
    cJSON_Delete(root);
    return n;
}

/* Every record the node's agent holds now, straight from its port (since=0,
 * paged): how many, and how many carry name_prefix in "name" with each name
 * once (*dups counts repeats). -1 when the agent is not reachable. */
static long agent_records(const char *node, const char *name_prefix, long *matching, long *dups,
                          uint64_t *dropped)
{
    int port = agent_port(node);
    if (port < 0)
        return -1;
    long total = 0, match = 0, dup = 0;
    uint64_t since = 0, drop = 0;
    size_t nseen = 0, cap = 0;
    char **seen = NULL;
    for (;;) {
        char head[512];
        snprintf(head, sizeof head,
                 "GET /v1/denials?since=%llu&limit=5000 HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
                 "Authorization: Bearer %s\r\nConnection: close\r\n\r\n",
                 (unsigned long long)since, port, sim.token);
        struct harness_resp r;
        int st = harness_http_raw(port, head, NULL, 0, 10000, &r);
        const cJSON *recs = cJSON_GetObjectItem(r.json, "records");
        const cJSON *next = cJSON_GetObjectItem(r.json, "next");
        const cJSON *dr = cJSON_GetObjectItem(r.json, "dropped");
        if (st != 200 || !cJSON_IsArray(recs) || !cJSON_IsNumber(next)) {
            harness_resp_free(&r);
            total = -1;
            break;
        }
        if (cJSON_IsNumber(dr))
            drop += (uint64_t)dr->valuedouble;
        const cJSON *rec;
        cJSON_ArrayForEach(rec, recs) {
            total++;
            const cJSON *nm = cJSON_GetObjectItem(rec, "name");
            if (!name_prefix || !cJSON_IsString(nm) ||
                strncmp(nm->valuestring, name_prefix, strlen(name_prefix)) != 0)
                continue;
            match++;
            bool is_dup = false;
            for (size_t i = 0; i < nseen && !is_dup; i++)
                is_dup = strcmp(seen[i], nm->valuestring) == 0;
            if (is_dup) {
                dup++;
                continue;
            }
            if (nseen == cap) {
                cap = cap ? cap * 2 : 256;
                seen = realloc(seen, cap * sizeof *seen);
            }
            seen[nseen++] = strdup(nm->valuestring);
        }
        int n = cJSON_GetArraySize(recs);
        uint64_t nx = (uint64_t)next->valuedouble;
        harness_resp_free(&r);
        if (n == 0 || nx == since)
            break;
        since = nx;
    }
    for (size_t i = 0; i < nseen; i++)
        free(seen[i]);
    free(seen);
    if (matching)
        *matching = match;
    if (dups)
        *dups = dup;
    if (dropped)
        *dropped = drop;
    return total;
}

/* Wait up to timeout_s until node's agent holds exactly want records named
 * prefix* (want_total >= 0: and exactly want_total in all). */
static void await_agent(const char *node, const char *prefix, long want, long want_total,
                        double timeout_s)
{
    double until = now_s() + timeout_s;
    long total = -1, match = -1, dups = 0;
    while (now_s() < until) {
        total = agent_records(node, prefix, &match, &dups, NULL);
        if (match == want && (want_total < 0 || total == want_total))
            break;
        usleep(100 * 1000);
    }
    if (match != want || (want_total >= 0 && total != want_total))
        fprintf(stderr, "%s's agent: %ld records, %ld named %s* (want %ld, %ld), %ld repeated\n",
                node, total, match, prefix ? prefix : "", want, want_total, dups);
    assert_int_equal(match, want);
    if (want_total >= 0)
        assert_int_equal(total, want_total);
    assert_int_equal(dups, 0);
}

static void await_agent_up(const char *node, double timeout_s)
{
    double until = now_s() + timeout_s;
    while (now_s() < until && agent_records(node, NULL, NULL, NULL, NULL) < 0)
        usleep(100 * 1000);
    assert_true(agent_records(node, NULL, NULL, NULL, NULL) >= 0);
}

/* ---- log lines written by the test ------------------------------------------------ */

/* count DENIED lines (auditd format, class=file) for names "/fault/<tag>-<i>",
 * i = first..first+count-1, into a buffer (owned); the last newline is left
 * off when is_partial_last. */
static char *denial_lines(const char *tag, long first, long count, bool is_partial_last,
                          size_t *len_out)
{
    static unsigned serial = 50000;
    size_t cap = (size_t)count * 320 + 1, len = 0;
    char *buf = malloc(cap);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    for (long i = first; i < first + count; i++) {
        int n = snprintf(buf + len, cap - len,
                         "type=AVC msg=audit(%lld.%03ld:%u): apparmor=\"DENIED\" "
                         "operation=\"open\" class=\"file\" profile=\"cri-containerd.apparmor.d\" "
                         "name=\"/fault/%s-%06ld\" pid=4242 comm=\"faulty\" "
                         "requested_mask=\"r\" denied_mask=\"r\" fsuid=0 ouid=0\n",
                         (long long)ts.tv_sec, ts.tv_nsec / 1000000, serial++, tag, i);
        len += (size_t)n;
    }
    if (is_partial_last && len)
        len--;
    buf[len] = '\0';
    *len_out = len;
    return buf;
}

static void write_all(int fd, const char *p, size_t len)
{
    while (len) {
        ssize_t w = write(fd, p, len);
        if (w < 0 && errno == EINTR)
            continue;
        assert_true(w > 0);
        p += w;
        len -= (size_t)w;
    }
}

static void append_lines(const char *path, const char *tag, long first, long count,
                         bool is_partial_last)
{
    size_t len;
    char *buf = denial_lines(tag, first, count, is_partial_last, &len);
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    assert_true(fd >= 0);
    write_all(fd, buf, len);
    close(fd);
    free(buf);
}

/* ---- the TUI ---------------------------------------------------------------------- */

struct tui {
    pthread_t th;
    char dir[64];
    char script[128];
    char home[96];
    struct harness_result res;
    int run_rc;
    volatile bool is_done;
};

static void *tui_main(void *arg)
{
    struct tui *t = arg;
    const char *argv[] = { "armortop", "--kubeconfig", sim.kubeconfig, "-A",
                           "--refresh", REFRESH, "--script", t->script, NULL };
    const char *env[] = { "TERM=xterm-256color", "LANG=C.UTF-8", "LC_ALL=C.UTF-8", "TZ=UTC",
                          t->home, "NO_COLOR=", "KUBECONFIG=", "COLUMNS=", "LINES=",
                          "ARMORTOP_NOW=", NULL };
    t->run_rc = harness_run(argv, env, 170, &t->res);
    t->is_done = true;
    return NULL;
}

/* Script of one phase: wait for go-<name>, two refreshes (refreshes more when
 * asked), then the nodes pane, node-001's details and the raw denials pane
 * under each filter, each dump marked complete by <name>.ok. */
static void phase(FILE *f, const char *dir, const char *name, int refreshes,
                  const char *const *filters)
{
    /* each <Wait-file> gives up after 60 s: three of them let a slow (sanitizer)
     * build's agent take its time with the burst */
    for (int i = 0; i < 3; i++)
        fprintf(f, "<Wait-file %s/go-%s>\n", dir, name);
    for (int i = 0; i < refreshes; i++)
        fputs("<Wait-refresh>\n", f);
    fprintf(f, "2\n<Dump %s/%s-nodes>\n<Enter>\n<Dump %s/%s-node>\n<Esc>\n4\n", dir, name, dir,
            name);
    for (size_t i = 0; filters && filters[i]; i++)
        /* the prompt starts with the old filter: clear it, type the new one */
        fprintf(f, "/<C-u>%s<Enter>\n<Dump %s/%s-den%zu>\n", filters[i], dir, name, i);
    fprintf(f, "2\n<Dump %s/%s.ok>\n", dir, name);
}

/* Start armortop with phases names[0..n-1], each with the same refreshes and filters. */
static void tui_start(struct tui *t, const char *const *names, int refreshes,
                      const char *const *filters)
{
    memset(t, 0, sizeof *t);
    snprintf(t->dir, sizeof t->dir, "/tmp/armortop-faults-XXXXXX");
    assert_non_null(mkdtemp(t->dir));
    snprintf(t->script, sizeof t->script, "%s/script", t->dir);
    snprintf(t->home, sizeof t->home, "HOME=%s", t->dir);
    FILE *f = fopen(t->script, "w");
    assert_non_null(f);
    /* wide enough for whole error messages; the raw records view, newest first */
    fputs("<Resize 220x40>\n<Wait-refresh>\n4\nr\n2\n", f);
    for (size_t i = 0; names[i]; i++)
        phase(f, t->dir, names[i], refreshes, filters);
    fputs("q\n", f);
    fclose(f);
    assert_int_equal(pthread_create(&t->th, NULL, tui_main, t), 0);
}

static void tui_go(struct tui *t, const char *name)
{
    char p[160];
    snprintf(p, sizeof p, "%s/go-%s", t->dir, name);
    harness_write_file(p, "", 0644);
}

/* Wait for phase name's dumps; returns the dump <name>-<what> (owned). */
static char *tui_dump(struct tui *t, const char *name, const char *what)
{
    char p[200];
    snprintf(p, sizeof p, "%s/%s-%s", t->dir, name, what);
    size_t len;
    char *s = harness_read_file(p, &len);
    if (!s)
        fprintf(stderr, "no dump %s\n", p);
    assert_non_null(s);
    return s;
}

static void tui_await(struct tui *t, const char *name, double timeout_s)
{
    char p[200];
    snprintf(p, sizeof p, "%s/%s.ok", t->dir, name);
    double until = now_s() + timeout_s;
    while (access(p, F_OK) != 0 && !t->is_done && now_s() < until)
        usleep(50 * 1000);
    if (access(p, F_OK) != 0) {
        fprintf(stderr, "phase %s: no screens after %.0f s (armortop %s)\n", name, timeout_s,
                t->is_done ? "exited" : "still running");
        if (t->is_done)
            fprintf(stderr, "armortop exit %d: %s\n", t->res.status,
                    t->res.err ? t->res.err : "");
    }
    assert_int_equal(access(p, F_OK), 0);
}

/* Let the script finish (q), check armortop exited 0, remove the dumps. */
static void tui_finish(struct tui *t)
{
    pthread_join(t->th, NULL);
    if (t->run_rc != 0 || t->res.status != 0)
        fprintf(stderr, "armortop: run %d exit %d: %s\n", t->run_rc, t->res.status,
                t->res.err ? t->res.err : "");
    assert_int_equal(t->run_rc, 0);
    assert_int_equal(t->res.status, 0);
    harness_result_free(&t->res);
    harness_remove_tree(t->dir);
}

/* ---- reading the screens ------------------------------------------------------------ */

/* The first line of screen containing needle (owned, "" when none). */
static char *line_with(const char *screen, const char *needle)
{
    const char *p = strstr(screen, needle);
    if (!p)
        return strdup("");
    const char *b = p;
    while (b > screen && b[-1] != '\n')
        b--;
    const char *e = strchr(p, '\n');
    return strndup(b, e ? (size_t)(e - b) : strlen(b));
}

/* The nodes pane row of node. */
static char *node_row(const char *screen, const char *node)
{
    char needle[40];
    snprintf(needle, sizeof needle, " %s ", node);
    return line_with(screen, needle);
}

/* The DENIALS/5m count of a nodes pane row: the number before the sparkline. */
static long row_denials(const char *row)
{
    /* sparkline glyphs are U+2581..U+2588: E2 96 81..88 */
    for (const char *p = row; *p; p++) {
        if ((unsigned char)p[0] == 0xe2 && (unsigned char)p[1] == 0x96 &&
            (unsigned char)p[2] >= 0x81 && (unsigned char)p[2] <= 0x88) {
            const char *q = p;
            while (q > row && q[-1] == ' ')
                q--;
            while (q > row && q[-1] >= '0' && q[-1] <= '9')
                q--;
            return atol(q);
        }
    }
    return -1;
}

/* The records counted in the denials pane's title bar ("── 1/N ──"; 0 when empty). */
static long pane_total(const char *screen)
{
    char *title = line_with(screen, "Denials (records");
    long n = -1;
    const char *p = strrchr(title, '/');
    if (p && p > title && p[-1] >= '0' && p[-1] <= '9')
        n = atol(p + 1);
    else if (*title)
        n = 0; /* no position shown: no rows */
    free(title);
    return n;
}

/* Dumps of one phase, asserted together. */
struct shot {
    char *nodes, *node, *den[4];
};

static void shot_take(struct tui *t, const char *name, size_t nden, struct shot *s)
{
    memset(s, 0, sizeof *s);
    s->nodes = tui_dump(t, name, "nodes");
    s->node = tui_dump(t, name, "node");
    for (size_t i = 0; i < nden && i < 4; i++) {
        char what[16];
        snprintf(what, sizeof what, "den%zu", i);
        s->den[i] = tui_dump(t, name, what);
    }
}

/* One phase: let the TUI go on to `name`, wait (up to wait_s) for its dumps, read them. */
static void step(struct tui *t, const char *name, int wait_s, size_t nden, struct shot *s)
{
    tui_go(t, name);
    tui_await(t, name, wait_s);
    shot_take(t, name, nden, s);
}

static void shot_free(struct shot *s)
{
    free(s->nodes);
    free(s->node);
    for (size_t i = 0; i < 4; i++)
        free(s->den[i]);
}

static void show(const char *what, const char *screen)
{
    fprintf(stderr, "---- %s\n%s", what, screen);
}

/* node's row: state word (prefix of the AGENT cell) and DENIALS/5m count. */
static void expect_row(const struct shot *s, const char *node, const char *state, long denials)
{
    char *row = node_row(s->nodes, node);
    char want[40];
    snprintf(want, sizeof want, " %s ", state);
    bool ok = strstr(row, want) != NULL && (denials < 0 || row_denials(row) == denials);
    if (!ok) {
        fprintf(stderr, "%s: want agent %s and %ld denials, row: \"%s\"\n", node, state, denials,
                row);
        show("nodes", s->nodes);
    }
    free(row);
    assert_true(ok);
}

static void expect_header(const struct shot *s, const char *agents)
{
    char want[40];
    snprintf(want, sizeof want, "(agents %s)", agents);
    char *head = line_with(s->nodes, " armortop ");
    bool ok = strstr(head, want) != NULL;
    if (!ok)
        show("nodes (header)", s->nodes);
    free(head);
    assert_true(ok);
}

static void expect_in(const char *what, const char *screen, const char *needle)
{
    if (!strstr(screen, needle)) {
        fprintf(stderr, "%s: \"%s\" missing\n", what, needle);
        show(what, screen);
    }
    assert_non_null(strstr(screen, needle));
}

static void expect_total(const struct shot *s, size_t i, long want)
{
    long got = pane_total(s->den[i]);
    if (got != want) {
        fprintf(stderr, "denials pane (filter %zu): %ld records, want %ld\n", i, got, want);
        show("denials", s->den[i]);
    }
    assert_int_equal(got, want);
}

/* The restarts/state line of the node details. */
static void expect_detail(const struct shot *s, const char *needle)
{
    expect_in("node-001 details", s->node, needle);
}

/* The status line (the nodes screen's last non-blank line) names the failing agent
 * and why: the cluster answered, so only the agent's trouble explains stale rows. */
static void expect_status(const struct shot *s, const char *needle)
{
    /* either armortop's line for a failing agent or, for one refresh, the
     * warning logged when it failed: both start so */
    size_t len = strlen(s->nodes);
    while (len > 0 && (s->nodes[len - 1] == '\n' || s->nodes[len - 1] == ' '))
        len--;
    size_t b = len;
    while (b > 0 && s->nodes[b - 1] != '\n')
        b--;
    char *last = strndup(s->nodes + b, len - b);
    expect_in("status line", last, "agent on " NODE);
    expect_in("status line", last, needle);
    free(last);
}

/* ---- agent faults ------------------------------------------------------------------- */

/* Wait until node-001's agent has saved its log offset as the log's size (it
 * saves at most every 5 s): a restart then resumes exactly there. */
static void await_offset_saved(double timeout_s)
{
    char off_path[600];
    snprintf(off_path, sizeof off_path, "%.*s/offset", (int)(strrchr(node_log, '/') - node_log),
             node_log);
    double until = now_s() + timeout_s;
    unsigned long long off = 0, size = 0;
    while (now_s() < until) {
        struct stat st;
        char *text = harness_read_file(off_path, NULL);
        unsigned long long dev, ino;
        if (text && sscanf(text, "%llu %llu %llu", &dev, &ino, &off) != 3)
            off = 0;
        free(text);
        size = stat(node_log, &st) == 0 ? (unsigned long long)st.st_size : 0;
        if (off == size && size > 0)
            return;
        usleep(100 * 1000);
    }
    fprintf(stderr, "the agent's saved offset is %llu, the log has %llu bytes\n", off, size);
    fail();
}

enum kill_when {
    KILL_SAVED,   /* after the agent saved its offset */
    KILL_FRESH,   /* a first-run agent (no offset file yet), right after it read the lines */
    KILL_STALE,   /* right after reading, its saved offset (of an earlier save) behind */
};

/* Killed and restarted: P + N records seen, the agent killed (SIGKILL) and
 * held down, M more written to its log meanwhile, restarted: armortop shows
 * exactly P + N + M, each once, and says the agent restarted. The restarted
 * agent must serve exactly the M lines it missed; when it does not (see
 * agent/agent_denials.c's offset saving), the screens are still checked
 * against what it served and the case is skipped with the agent's numbers. */
static void kill_case(enum kill_when when)
{
    const long P = when == KILL_STALE ? 5 : 0, N = 20, M = 15;
    static const char *const names[] = { "up", "down", "back", NULL };
    static const char *const filters[] = { "/fault/kill", NODE, "/fault/killB-", NULL };
    struct tui t;
    if (P) {
        append_lines(node_log, "killP", 0, P, false);
        await_agent(NODE, "/fault/killP-", P, P, 10);
        await_offset_saved(10);
    }
    append_lines(node_log, "killA", 0, N, false);
    ctl(200, "/sim/denials?node=node-002&count=4");
    await_agent(NODE, "/fault/killA-", N, P + N, 10);
    if (when == KILL_SAVED)
        await_offset_saved(10);
    tui_start(&t, names, 2, filters);
    struct shot s;

    step(&t, "up", 40, 3, &s);
    expect_header(&s, "3/3");
    expect_row(&s, NODE, "ok", P + N);
    expect_row(&s, "node-002", "ok", 4);
    expect_total(&s, 0, P + N);
    expect_total(&s, 1, P + N);
    shot_free(&s);

    /* killed and held down; the log keeps growing */
    ctl(200, "/sim/agent?node=" NODE "&action=stop");
    append_lines(node_log, "killB", 0, M, false);
    ctl(200, "/sim/denials?node=node-002&count=3");
    step(&t, "down", 40, 3, &s);
    expect_header(&s, "2/3");
    expect_row(&s, NODE, "stale", P + N); /* the last data kept, marked */
    expect_row(&s, "node-002", "ok", 7);  /* the others keep going */
    expect_detail(&s, "HTTP 503: Service Unavailable: error trying to reach service");
    expect_detail(&s, "agent not running");
    expect_status(&s, NODE);
    expect_total(&s, 0, P + N);
    shot_free(&s);

    /* back: what does the new agent serve? */
    int restarts = agent_restarts(NODE);
    ctl(200, "/sim/agent?node=" NODE "&action=start");
    await_agent_up(NODE, 15);
    assert_true(agent_restarts(NODE) > restarts);
    long total = -1, b = -1, a = -1, p = -1, dups = 0;
    double until = now_s() + 3;
    do {
        usleep(200 * 1000);
        total = agent_records(NODE, "/fault/killB-", &b, &dups, NULL);
        agent_records(NODE, "/fault/killA-", &a, NULL, NULL);
        agent_records(NODE, "/fault/killP-", &p, NULL, NULL);
    } while (b < M && now_s() < until);
    bool is_exact = b == M && a == 0 && p == 0 && dups == 0;
    step(&t, "back", 40, 3, &s);
    expect_header(&s, "3/3");
    /* armortop adds nothing of its own: what it had plus what the new agent served */
    expect_row(&s, NODE, "ok", P + N + total);
    expect_total(&s, 0, P + N + total);
    expect_total(&s, 2, b);
    expect_detail(&s, "restarts 1");
    expect_detail(&s, "agent restarted");
    shot_free(&s);
    tui_finish(&t);
    if (!is_exact) {
        char why[300];
        snprintf(why, sizeof why,
                 "AGENT BUG: after SIGKILL the restarted agent served %ld of the %ld lines "
                 "written while it was down and re-served %ld already served (%ld + %ld); "
                 "armortop showed exactly what it served",
                 b, M, a + p, p, a);
        fail_msg("%s", why); /* the agent saves its offset before it serves */
    }
}

static void test_agent_killed(void **state)
{
    (void)state;
    kill_case(KILL_SAVED);
}

static void test_agent_killed_before_first_save(void **state)
{
    (void)state;
    kill_case(KILL_FRESH);
}

static void test_agent_killed_stale_offset(void **state)
{
    (void)state;
    kill_case(KILL_STALE);
}

/* Hung: the proxy accepts node-001's requests and never answers. The client
 * times out, the node goes stale with a timeout message, node-002's new
 * denials still arrive; when the hang ends, everything is there once. */
static void test_agent_hung(void **state)
{
    (void)state;
    static const char *const names[] = { "up", "hung", "back", NULL };
    static const char *const filters[] = { "/fault/hang-", NODE, NULL };
    struct tui t;
    append_lines(node_log, "hang", 0, 5, false);
    await_agent(NODE, "/fault/hang-", 5, 5, 10);
    tui_start(&t, names, 2, filters);
    struct shot s;
    step(&t, "up", 40, 2, &s);
    expect_row(&s, NODE, "ok", 5);
    shot_free(&s);

    ctl(200, "/sim/agent?node=" NODE "&fault=hang");
    append_lines(node_log, "hang", 5, 6, false);
    ctl(200, "/sim/denials?node=node-002&count=5");
    double t0 = now_s();
    tui_go(&t, "hung");
    tui_await(&t, "hung", 60);
    double took = now_s() - t0;
    shot_take(&t, "hung", 2, &s);
    expect_header(&s, "2/3");
    expect_row(&s, NODE, "stale", 5);
    expect_row(&s, "node-002", "ok", 5); /* polled in parallel: not held up */
    expect_row(&s, "node-003", "ok", 0);
    expect_detail(&s, "timed out");
    expect_status(&s, "timed out");
    shot_free(&s);
    /* two refreshes, each bounded by the client's per-request timeout (5 s) */
    fprintf(stderr, "hung phase: %.1f s\n", took);
    assert_true(took < 20);

    ctl(200, "/sim/agent?node=" NODE "&fault=none");
    await_agent(NODE, "/fault/hang-", 11, 11, 10);
    step(&t, "back", 40, 2, &s);
    expect_header(&s, "3/3");
    expect_row(&s, NODE, "ok", 11);
    expect_total(&s, 0, 11);
    expect_total(&s, 1, 11);
    shot_free(&s);
    tui_finish(&t);
}

/* Garbage: 200 with bytes that are not JSON (control bytes included). */
static void test_agent_garbage(void **state)
{
    (void)state;
    static const char *const names[] = { "up", "bad", "back", NULL };
    static const char *const filters[] = { "/fault/garb-", NULL };
    struct tui t;
    append_lines(node_log, "garb", 0, 3, false);
    await_agent(NODE, "/fault/garb-", 3, 3, 10);
    tui_start(&t, names, 2, filters);
    struct shot s;
    step(&t, "up", 40, 1, &s);
    expect_row(&s, NODE, "ok", 3);
    shot_free(&s);

    ctl(200, "/sim/agent?node=" NODE "&fault=garbage");
    append_lines(node_log, "garb", 3, 4, false);
    ctl(200, "/sim/denials?node=node-003&count=2");
    step(&t, "bad", 40, 1, &s);
    expect_header(&s, "2/3");
    expect_row(&s, NODE, "stale", 3);
    expect_row(&s, "node-003", "ok", 2);
    expect_detail(&s, "not JSON");
    expect_status(&s, "not JSON");
    assert_null(strchr(s.node, '\x1b')); /* the agent's bytes never reach the terminal */
    shot_free(&s);

    ctl(200, "/sim/agent?node=" NODE "&fault=none");
    await_agent(NODE, "/fault/garb-", 7, 7, 10);
    step(&t, "back", 40, 1, &s);
    expect_header(&s, "3/3");
    expect_row(&s, NODE, "ok", 7);
    expect_total(&s, 0, 7);
    shot_free(&s);
    tui_finish(&t);
}

/* The peak resident size (kB) of our armortop child, -1 when not found. */
static long tui_peak_kb(void)
{
    DIR *d = opendir("/proc");
    long kb = -1;
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL) {
        if (e->d_name[0] < '1' || e->d_name[0] > '9')
            continue;
        char p[300], buf[4096];
        snprintf(p, sizeof p, "/proc/%s/status", e->d_name);
        FILE *f = fopen(p, "r");
        if (!f)
            continue;
        size_t n = fread(buf, 1, sizeof buf - 1, f);
        fclose(f);
        buf[n] = '\0';
        char want[64];
        snprintf(want, sizeof want, "\nPPid:\t%d\n", (int)getpid());
        const char *hwm = strstr(buf, "VmHWM:");
        if (strncmp(buf, "Name:\tarmortop\n", 15) == 0 && strstr(buf, want) && hwm)
            kb = atol(hwm + 6);
    }
    if (d)
        closedir(d);
    return kb;
}

/* 10 MiB answers: refused by size with a clear message, memory stays bounded. */
static void test_agent_huge(void **state)
{
    (void)state;
    if (harness_slow() > 1) {
        /* armortop's peak RSS is valgrind's, not its own */
        print_message("skipped under valgrind: it measures armortop's own RSS\n");
        skip();
    }
    static const char *const names[] = { "up", "huge", "back", NULL };
    static const char *const filters[] = { "/fault/huge-", NULL };
    struct tui t;
    append_lines(node_log, "huge", 0, 2, false);
    await_agent(NODE, "/fault/huge-", 2, 2, 10);
    tui_start(&t, names, 2, filters);
    struct shot s;
    step(&t, "up", 40, 1, &s);
    expect_row(&s, NODE, "ok", 2);
    shot_free(&s);
    long base_kb = tui_peak_kb();

    ctl(200, "/sim/agent?node=" NODE "&fault=huge");
    append_lines(node_log, "huge", 2, 3, false);
    step(&t, "huge", 40, 1, &s);
    long peak_kb = tui_peak_kb();
    expect_header(&s, "2/3");
    expect_row(&s, NODE, "stale", 2);
    expect_detail(&s, "refused");
    expect_detail(&s, "MiB");
    expect_status(&s, NODE);
    shot_free(&s);
    fprintf(stderr, "armortop peak RSS: %ld kB before, %ld kB with 10 MiB answers\n", base_kb,
            peak_kb);
    /* refused by its announced size: the body is never held */
    assert_true(base_kb > 0 && peak_kb > 0);
    assert_true(peak_kb - base_kb < 8 * 1024);

    ctl(200, "/sim/agent?node=" NODE "&fault=none");
    await_agent(NODE, "/fault/huge-", 5, 5, 10);
    step(&t, "back", 40, 1, &s);
    expect_row(&s, NODE, "ok", 5);
    expect_total(&s, 0, 5);
    shot_free(&s);
    tui_finish(&t);
}

/* ---- log faults ------------------------------------------------------------------------ */

/* Rotation: audit.log renamed to audit.log.1, which still gets lines (a writer
 * with the old file open), and a fresh audit.log: all counted once. */
static void test_log_rotation(void **state)
{
    (void)state;
    static const char *const names[] = { "before", "after", NULL };
    static const char *const filters[] = { "/fault/rot", "/fault/rotA-", "/fault/rotB-",
                                           "/fault/rotC-", NULL };
    struct tui t;
    append_lines(node_log, "rotA", 0, 10, false);
    await_agent(NODE, "/fault/rotA-", 10, 10, 10);
    tui_start(&t, names, 2, filters);
    struct shot s;
    step(&t, "before", 40, 1, &s);
    expect_row(&s, NODE, "ok", 10);
    expect_total(&s, 0, 10);
    shot_free(&s);

    char old[600];
    snprintf(old, sizeof old, "%s.1", node_log);
    assert_int_equal(rename(node_log, old), 0);
    append_lines(old, "rotB", 0, 5, false);
    append_lines(node_log, "rotC", 0, 7, false);
    await_agent(NODE, "/fault/rot", 22, 22, 15);
    step(&t, "after", 40, 4, &s);
    expect_header(&s, "3/3");
    expect_row(&s, NODE, "ok", 22);
    expect_total(&s, 0, 22);
    expect_total(&s, 1, 10);
    expect_total(&s, 2, 5);
    expect_total(&s, 3, 7);
    shot_free(&s);
    tui_finish(&t);
}

/* Truncation: the log cut to 0 and shorter new content written at once. */
static void test_log_truncation(void **state)
{
    (void)state;
    static const char *const names[] = { "before", "after", NULL };
    static const char *const filters[] = { "/fault/tr", "/fault/trA-", "/fault/trB-", NULL };
    struct tui t;
    append_lines(node_log, "trA", 0, 10, false);
    await_agent(NODE, "/fault/trA-", 10, 10, 10);
    tui_start(&t, names, 2, filters);
    struct shot s;
    step(&t, "before", 40, 1, &s);
    expect_row(&s, NODE, "ok", 10);
    shot_free(&s);

    assert_int_equal(truncate(node_log, 0), 0);
    append_lines(node_log, "trB", 0, 4, false);
    await_agent(NODE, "/fault/trB-", 4, 14, 10);
    step(&t, "after", 40, 3, &s);
    expect_row(&s, NODE, "ok", 14);
    expect_total(&s, 0, 14);
    expect_total(&s, 1, 10);
    expect_total(&s, 2, 4);
    shot_free(&s);
    tui_finish(&t);
}

/* A partial last line: not reported until its newline comes, then once. */
static void test_log_partial_line(void **state)
{
    (void)state;
    static const char *const names[] = { "partial", "complete", NULL };
    static const char *const filters[] = { "/fault/pl", "/fault/plB-", NULL };
    struct tui t;
    append_lines(node_log, "plA", 0, 3, false);
    append_lines(node_log, "plB", 0, 1, true); /* no '\n' */
    await_agent(NODE, "/fault/plA-", 3, 3, 10);
    usleep(500 * 1000); /* the agent has had every chance to report the partial line */
    await_agent(NODE, "/fault/pl", 3, 3, 1);
    tui_start(&t, names, 2, filters);
    struct shot s;
    step(&t, "partial", 40, 2, &s);
    expect_row(&s, NODE, "ok", 3);
    expect_total(&s, 0, 3);
    expect_total(&s, 1, 0);
    shot_free(&s);

    harness_append_file(node_log, "\n");
    append_lines(node_log, "plC", 0, 1, false);
    await_agent(NODE, "/fault/pl", 5, 5, 10);
    step(&t, "complete", 40, 2, &s);
    expect_row(&s, NODE, "ok", 5);
    expect_total(&s, 0, 5);
    expect_total(&s, 1, 1);
    shot_free(&s);
    tui_finish(&t);
}

/* A 100,000-line burst in one write. The agent's ring is set to hold it all
 * (--ring 200000, through the sim, which restarts it), so the agent's side is
 * exact: 100,000 records, each name once, none dropped. armortop takes them
 * 10,000 per poll and keeps the newest 10,000 (its ring): the test checks the
 * newest are there, in full, and nothing is counted twice. */
static void test_log_burst(void **state)
{
    (void)state;
    if (harness_slow() > 1) {
        print_message("skipped under valgrind: 100,000 lines through a valgrinded agent "
                      "take longer than the test's deadlines\n");
        skip();
    }
    const long B = 100000;
    static const char *const names[] = { "before", "burst", NULL };
    static const char *const filters[] = { "/fault/burst-", "/fault/burst-0999", NULL };
    struct tui t;
    ctl(200, "/sim/agent?node=" NODE "&ring=200000&action=kill");
    await_agent_up(NODE, 15);
    tui_start(&t, names, 2, filters);
    struct shot s;
    step(&t, "before", 40, 1, &s);
    expect_row(&s, NODE, "ok", 0);
    shot_free(&s);

    double t0 = now_s();
    append_lines(node_log, "burst", 0, B, false);
    long total, match, dups;
    uint64_t dropped = 1;
    double until = now_s() + 150;
    do {
        usleep(200 * 1000);
        total = agent_records(NODE, "/fault/burst-", &match, &dups, &dropped);
    } while (match < B && now_s() < until);
    fprintf(stderr, "burst: the agent holds %ld records after %.1f s\n", match, now_s() - t0);
    assert_int_equal(match, B);
    assert_int_equal(total, B);
    assert_int_equal(dups, 0);
    assert_int_equal(dropped, 0);
    /* 10 polls of 10,000 at least; leave room */
    t0 = now_s();
    tui_go(&t, "burst");
    tui_await(&t, "burst", 90);
    fprintf(stderr, "burst: armortop screens after %.1f s\n", now_s() - t0);
    shot_take(&t, "burst", 2, &s);
    expect_row(&s, NODE, "ok", -1);
    expect_total(&s, 0, 10000);
    expect_total(&s, 1, 100); /* burst-099900..099999: the newest, each once */
    /* and the window says what fell out of it: 100,000 in, 10,000 kept */
    expect_in("denials title", s.den[0], "newest 10000 kept, 90000 older dropped");
    shot_free(&s);
    tui_finish(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_agent_killed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_agent_killed_before_first_save, setup, teardown),
        cmocka_unit_test_setup_teardown(test_agent_killed_stale_offset, setup, teardown),
        cmocka_unit_test_setup_teardown(test_agent_hung, setup, teardown),
        cmocka_unit_test_setup_teardown(test_agent_garbage, setup, teardown),
        cmocka_unit_test_setup_teardown(test_agent_huge, setup, teardown),
        cmocka_unit_test_setup_teardown(test_log_rotation, setup, teardown),
        cmocka_unit_test_setup_teardown(test_log_truncation, setup, teardown),
        cmocka_unit_test_setup_teardown(test_log_partial_line, setup, teardown),
        cmocka_unit_test_setup_teardown(test_log_burst, setup, teardown),
    };
    return cmocka_run_group_tests_name("faults-agents", tests, NULL, NULL);
}
