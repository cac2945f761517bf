/*
 * test_sim: integration tests of armortop-sim, run as a real process on loopback.
 *
 * Covers discovery, bearer auth, paging with continue tokens (and their expiry
 * after /sim/compact), field and label selectors, watches (replay, MODIFIED/
 * ADDED/DELETED, expired resourceVersions, bookmarks, timeoutSeconds), the
 * AppArmor workload cases and their expect annotations, Tables, fault
 * injection, kubectl (plain HTTP and TLS, skipped when kubectl is absent) and
 * the command line. Uses tests/harness, cJSON and plain sockets; no curl.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "../harness.h"

#define SIM_PODS "40"

static struct harness_sim g_sim; /* shared by most tests: --pods 40 --nodes 3 */

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- small HTTP helpers ------------------------------------------------------------- */

static int connect_sim(const struct harness_sim *sim)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return -1;
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)sim->port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

struct raw_resp {
    int status;          /* -1 when no status line arrived */
    long content_length; /* -1 when absent */
    char *headers;       /* owned */
    char *body;          /* owned, raw bytes after the headers */
    size_t body_len;
};

static void raw_resp_free(struct raw_resp *r)
{
    free(r->headers);
    free(r->body);
    memset(r, 0, sizeof *r);
}

/* GET path with an optional Authorization value (NULL: none) and extra header lines;
 * reads until the server closes. Returns 0 when something was read. */
static int raw_get(const struct harness_sim *sim, const char *path, const char *auth,
                   const char *extra, struct raw_resp *out)
{
    memset(out, 0, sizeof *out);
    out->status = -1;
    out->content_length = -1;
    int fd = connect_sim(sim);
    if (fd < 0)
        return -1;
    char req[2048];
    int n = snprintf(req, sizeof req,
                     "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n%s%s%s%sConnection: close\r\n\r\n",
                     path, auth ? "Authorization: " : "", auth ? auth : "", auth ? "\r\n" : "",
                     extra ? extra : "");
    if (write(fd, req, (size_t)n) != n) {
        close(fd);
        return -1;
    }
    size_t cap = 65536, len = 0;
    char *buf = malloc(cap);
    for (;;) {
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        if (poll(&pfd, 1, 10000) <= 0)
            break;
        if (len + 65536 > cap) {
            cap *= 2;
            buf = realloc(buf, cap);
        }
        ssize_t r = read(fd, buf + len, 65536);
        if (r <= 0)
            break;
        len += (size_t)r;
    }
    close(fd);
    buf[len] = '\0';
    char *sep = strstr(buf, "\r\n\r\n");
    if (sep) {
        out->headers = strndup(buf, (size_t)(sep - buf));
        out->body_len = len - (size_t)(sep + 4 - buf);
        out->body = malloc(out->body_len + 1);
        memcpy(out->body, sep + 4, out->body_len);
        out->body[out->body_len] = '\0';
        sscanf(buf, "HTTP/1.%*d %d", &out->status);
        const char *cl = strcasestr(out->headers, "\r\nContent-Length:");
        if (cl)
            out->content_length = atol(cl + 17);
    }
    free(buf);
    return len ? 0 : -1;
}

/* GET/POST through the harness and parse the body as JSON (owned, or NULL). */
static cJSON *req_json(const struct harness_sim *sim, const char *method, const char *path,
                       int *status)
{
    char *body = NULL;
    int st = harness_http(sim, method, path, NULL, &body);
    if (status)
        *status = st;
    cJSON *j = body ? cJSON_Parse(body) : NULL;
    free(body);
    return j;
}

static cJSON *get_json(const struct harness_sim *sim, const char *path, int *status)
{
    return req_json(sim, "GET", path, status);
}

/* GET and return only the status. */
static int get_status(const struct harness_sim *sim, const char *path)
{
    return harness_http(sim, "GET", path, NULL, NULL);
}

static const char *jstr(const cJSON *o, const char *path)
{
    /* dotted path, e.g. "metadata.name" */
    char buf[256];
    snprintf(buf, sizeof buf, "%s", path);
    const cJSON *cur = o;
    for (char *save = NULL, *t = strtok_r(buf, ".", &save); t && cur;
         t = strtok_r(NULL, ".", &save))
        cur = cJSON_GetObjectItemCaseSensitive(cur, t);
    return cJSON_IsString(cur) ? cur->valuestring : NULL;
}

static long stat_num(const char *key)
{
    cJSON *s = get_json(&g_sim, "/sim/stats", NULL);
    assert_non_null(s);
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(s, key);
    long n = cJSON_IsNumber(v) ? (long)v->valuedouble : -1;
    cJSON_Delete(s);
    return n;
}

static char *list_rv(const struct harness_sim *sim, const char *path)
{
    cJSON *l = get_json(sim, path, NULL);
    assert_non_null(l);
    char *rv = strdup(jstr(l, "metadata.resourceVersion"));
    cJSON_Delete(l);
    return rv;
}

/* ---- watch client (chunked decoding) --------------------------------------------------- */

struct watch_client {
    int fd;
    int status;
    char *raw; /* undecoded bytes */
    size_t raw_len, raw_cap;
    char *data; /* decoded body bytes not yet returned */
    size_t data_len, data_cap;
    bool is_eof, is_chunked;
};

static void wc_append(char **buf, size_t *len, size_t *cap, const char *p, size_t n)
{
    if (*len + n + 1 > *cap) {
        while (*len + n + 1 > *cap)
            *cap = *cap ? *cap * 2 : 65536;
        *buf = realloc(*buf, *cap);
    }
    memcpy(*buf + *len, p, n);
    *len += n;
    (*buf)[*len] = '\0';
}

static int watch_open(struct watch_client *w, const struct harness_sim *sim, const char *path)
{
    memset(w, 0, sizeof *w);
    w->fd = connect_sim(sim);
    if (w->fd < 0)
        return -1;
    char req[2048];
    int n = snprintf(req, sizeof req,
                     "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %s\r\n"
                     "Connection: close\r\n\r\n",
                     path, sim->token);
    if (write(w->fd, req, (size_t)n) != n)
        return -1;
    /* Read the header block. */
    double deadline = now_s() + 10;
    while (now_s() < deadline) {
        char tmp[4096];
        struct pollfd pfd = {.fd = w->fd, .events = POLLIN};
        if (poll(&pfd, 1, 200) <= 0)
            continue;
        ssize_t r = read(w->fd, tmp, sizeof tmp);
        if (r <= 0) {
            w->is_eof = true;
            break;
        }
        wc_append(&w->raw, &w->raw_len, &w->raw_cap, tmp, (size_t)r);
        char *sep = strstr(w->raw, "\r\n\r\n");
        if (sep) {
            sscanf(w->raw, "HTTP/1.%*d %d", &w->status);
            *sep = '\0';
            w->is_chunked = strcasestr(w->raw, "Transfer-Encoding: chunked") != NULL;
            size_t hl = (size_t)(sep + 4 - w->raw);
            memmove(w->raw, w->raw + hl, w->raw_len - hl);
            w->raw_len -= hl;
            w->raw[w->raw_len] = '\0';
            return 0;
        }
    }
    return w->raw_len ? 0 : -1;
}

/* Move complete chunks from raw to data. */
static void wc_decode(struct watch_client *w)
{
    if (!w->is_chunked) {
        wc_append(&w->data, &w->data_len, &w->data_cap, w->raw, w->raw_len);
        w->raw_len = 0;
        return;
    }
    for (;;) {
        char *crlf = memmem(w->raw, w->raw_len, "\r\n", 2);
        if (!crlf)
            return;
        size_t size = strtoul(w->raw, NULL, 16);
        size_t hl = (size_t)(crlf + 2 - w->raw);
        if (size == 0) {
            w->is_eof = true;
            w->raw_len = 0;
            return;
        }
        if (w->raw_len < hl + size + 2)
            return;
        wc_append(&w->data, &w->data_len, &w->data_cap, w->raw + hl, size);
        memmove(w->raw, w->raw + hl + size + 2, w->raw_len - hl - size - 2);
        w->raw_len -= hl + size + 2;
    }
}

/* Next JSON line as a parsed object (owned), or NULL on timeout or end of stream. */
static cJSON *watch_next(struct watch_client *w, int timeout_ms)
{
    double deadline = now_s() + timeout_ms / 1000.0;
    for (;;) {
        wc_decode(w);
        char *nl = w->data ? memchr(w->data, '\n', w->data_len) : NULL;
        if (nl) {
            *nl = '\0';
            cJSON *j = cJSON_Parse(w->data);
            size_t used = (size_t)(nl + 1 - w->data);
            memmove(w->data, nl + 1, w->data_len - used);
            w->data_len -= used;
            return j;
        }
        if (w->is_eof || now_s() >= deadline)
            return NULL;
        struct pollfd pfd = {.fd = w->fd, .events = POLLIN};
        int ms = (int)((deadline - now_s()) * 1000);
        if (poll(&pfd, 1, ms > 0 ? ms : 0) <= 0)
            continue;
        char tmp[65536];
        ssize_t r = read(w->fd, tmp, sizeof tmp);
        if (r <= 0) {
            w->is_eof = true;
            continue;
        }
        wc_append(&w->raw, &w->raw_len, &w->raw_cap, tmp, (size_t)r);
    }
}

static void watch_close(struct watch_client *w)
{
    if (w->fd >= 0)
        close(w->fd);
    free(w->raw);
    free(w->data);
    memset(w, 0, sizeof *w);
}

static const char *ev_type(const cJSON *ev)
{
    return jstr(ev, "type");
}

static unsigned long long ev_rv(const cJSON *ev)
{
    const char *rv = jstr(ev, "object.metadata.resourceVersion");
    return rv ? strtoull(rv, NULL, 10) : 0;
}

/* ---- fixtures ------------------------------------------------------------------------- */

static int group_setup(void **state)
{
    (void)state;
    const char *args[] = {"--pods", SIM_PODS, "--nodes", "3", "--seed", "1", "--require-token",
                          NULL};
    return harness_sim_start(&g_sim, args);
}

static int group_teardown(void **state)
{
    (void)state;
    harness_sim_stop(&g_sim);
    return 0;
}

static void reset_faults(void)
{
    int st = harness_http(&g_sim, "POST", "/sim/fault?reset=1", NULL, NULL);
    assert_int_equal(st, 200);
}

/* ---- tests ----------------------------------------------------------------------------- */

static void test_discovery(void **state)
{
    (void)state;
    int st;
    cJSON *v = get_json(&g_sim, "/version", &st);
    assert_int_equal(st, 200);
    assert_non_null(v);
    assert_string_equal(jstr(v, "gitVersion"), "v1.32.0-armortop-sim");
    assert_string_equal(jstr(v, "major"), "1");
    cJSON_Delete(v);

    cJSON *api = get_json(&g_sim, "/api", &st);
    assert_int_equal(st, 200);
    assert_string_equal(jstr(api, "kind"), "APIVersions");
    assert_string_equal(cJSON_GetArrayItem(cJSON_GetObjectItem(api, "versions"), 0)->valuestring,
                        "v1");
    cJSON_Delete(api);

    cJSON *res = get_json(&g_sim, "/api/v1", &st);
    assert_int_equal(st, 200);
    assert_string_equal(jstr(res, "kind"), "APIResourceList");
    const char *want[] = {"pods", "nodes", "events", "namespaces"};
    for (size_t i = 0; i < 4; i++) {
        bool found = false;
        const cJSON *r;
        cJSON_ArrayForEach(r, cJSON_GetObjectItem(res, "resources"))
        {
            if (strcmp(jstr(r, "name"), want[i]) == 0) {
                found = true;
                assert_non_null(jstr(r, "kind"));
                assert_true(cJSON_IsBool(cJSON_GetObjectItem(r, "namespaced")));
                assert_true(cJSON_GetArraySize(cJSON_GetObjectItem(r, "verbs")) >= 3);
            }
        }
        assert_true(found);
    }
    cJSON_Delete(res);

    cJSON *apis = get_json(&g_sim, "/apis", &st);
    assert_int_equal(st, 200);
    assert_string_equal(jstr(apis, "kind"), "APIGroupList");
    cJSON_Delete(apis);

    cJSON *nf = get_json(&g_sim, "/openapi/v2", &st);
    assert_int_equal(st, 404);
    assert_string_equal(jstr(nf, "kind"), "Status");
    assert_string_equal(jstr(nf, "reason"), "NotFound");
    cJSON_Delete(nf);

    struct raw_resp r;
    assert_int_equal(raw_get(&g_sim, "/healthz", NULL, NULL, &r), 0);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "ok");
    raw_resp_free(&r);
}

static void test_auth(void **state)
{
    (void)state;
    struct raw_resp r;
    /* g_sim runs with --require-token: no Authorization header is a 401. */
    assert_int_equal(raw_get(&g_sim, "/api/v1/pods", NULL, NULL, &r), 0);
    assert_int_equal(r.status, 401);
    cJSON *j = cJSON_Parse(r.body);
    assert_non_null(j);
    assert_string_equal(jstr(j, "kind"), "Status");
    assert_string_equal(jstr(j, "reason"), "Unauthorized");
    assert_int_equal(cJSON_GetObjectItem(j, "code")->valueint, 401);
    cJSON_Delete(j);
    raw_resp_free(&r);

    assert_int_equal(raw_get(&g_sim, "/api/v1/pods", "Bearer wrong-token", NULL, &r), 0);
    assert_int_equal(r.status, 401);
    raw_resp_free(&r);
    assert_int_equal(raw_get(&g_sim, "/sim/stats", "Bearer wrong-token", NULL, &r), 0);
    assert_int_equal(r.status, 401);
    raw_resp_free(&r);

    char auth[200];
    snprintf(auth, sizeof auth, "Bearer %s", g_sim.token);
    assert_int_equal(raw_get(&g_sim, "/api/v1/nodes", auth, NULL, &r), 0);
    assert_int_equal(r.status, 200);
    assert_non_null(strcasestr(r.headers, "Content-Type: application/json"));
    raw_resp_free(&r);
}

static void test_token_is_deterministic(void **state)
{
    (void)state;
    assert_int_equal(strncmp(g_sim.token, "sim-", 4), 0);
    assert_int_equal(strlen(g_sim.token), 36);
    struct harness_sim other;
    const char *args[] = {"--pods", "2", "--seed", "1", NULL};
    assert_int_equal(harness_sim_start(&other, args), 0);
    assert_string_equal(other.token, g_sim.token);
    harness_sim_stop(&other);
    const char *args2[] = {"--pods", "2", "--seed", "2", "--token", "custom-tok", NULL};
    assert_int_equal(harness_sim_start(&other, args2), 0);
    assert_string_equal(other.token, "custom-tok");
    harness_sim_stop(&other);
}

static void test_paging(void **state)
{
    (void)state;
    long pods = stat_num("pods");
    assert_true(pods >= 40);
    char path[1024] = "/api/v1/pods?limit=7";
    char **seen = calloc((size_t)pods + 1, sizeof *seen);
    long count = 0;
    int pages = 0;
    char first_rv[32] = "";
    char prev_key[300] = "";
    for (;;) {
        int st;
        cJSON *l = get_json(&g_sim, path, &st);
        assert_int_equal(st, 200);
        assert_non_null(l);
        assert_string_equal(jstr(l, "kind"), "PodList");
        if (!pages)
            snprintf(first_rv, sizeof first_rv, "%s", jstr(l, "metadata.resourceVersion"));
        else
            assert_string_equal(jstr(l, "metadata.resourceVersion"), first_rv);
        pages++;
        const cJSON *items = cJSON_GetObjectItem(l, "items");
        assert_true(cJSON_GetArraySize(items) <= 7);
        const cJSON *it;
        cJSON_ArrayForEach(it, items)
        {
            char key[300];
            snprintf(key, sizeof key, "%s/%s", jstr(it, "metadata.namespace"),
                     jstr(it, "metadata.name"));
            assert_true(strcmp(prev_key, key) < 0); /* sorted, no duplicates */
            snprintf(prev_key, sizeof prev_key, "%s", key);
            for (long i = 0; i < count; i++)
                assert_string_not_equal(seen[i], key);
            assert_true(count < pods);
            seen[count++] = strdup(key);
        }
        const char *cont = jstr(l, "metadata.continue");
        if (!cont || !*cont) {
            cJSON_Delete(l);
            break;
        }
        const cJSON *rem =
            cJSON_GetObjectItem(cJSON_GetObjectItem(l, "metadata"), "remainingItemCount");
        assert_true(cJSON_IsNumber(rem));
        assert_int_equal((long)rem->valuedouble, pods - count);
        snprintf(path, sizeof path, "/api/v1/pods?limit=7&continue=%s", cont);
        cJSON_Delete(l);
    }
    assert_int_equal(count, pods);
    assert_int_equal(pages, (int)((pods + 6) / 7));
    for (long i = 0; i < count; i++)
        free(seen[i]);
    free(seen);

    /* Without limit: everything at once; namespaced list only that namespace. */
    cJSON *all = get_json(&g_sim, "/api/v1/pods", NULL);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(all, "items")), pods);
    assert_null(jstr(all, "metadata.continue"));
    cJSON_Delete(all);
    cJSON *def = get_json(&g_sim, "/api/v1/namespaces/default/pods", NULL);
    const cJSON *it;
    int n = 0;
    cJSON_ArrayForEach(it, cJSON_GetObjectItem(def, "items"))
    {
        assert_string_equal(jstr(it, "metadata.namespace"), "default");
        n++;
    }
    assert_true(n > 0 && n < pods);
    cJSON_Delete(def);
}

/* "ns/name@rv" of every item, joined by spaces (owned). */
static char *item_keys(const cJSON *items)
{
    size_t cap = 1 << 16, len = 0;
    char *out = calloc(1, cap);
    const cJSON *it;
    cJSON_ArrayForEach(it, items)
    {
        char key[400];
        int n = snprintf(key, sizeof key, "%s/%s@%s ", jstr(it, "metadata.namespace"),
                         jstr(it, "metadata.name"), jstr(it, "metadata.resourceVersion"));
        if (len + (size_t)n + 1 > cap) {
            cap *= 2;
            out = realloc(out, cap);
        }
        memcpy(out + len, key, (size_t)n + 1);
        len += (size_t)n;
    }
    return out;
}

static void test_paging_is_a_snapshot(void **state)
{
    (void)state;
    struct harness_sim sim;
    const char *args[] = {"--pods", "50", "--seed", "3", NULL};
    assert_int_equal(harness_sim_start(&sim, args), 0);
    cJSON *full = get_json(&sim, "/api/v1/pods", NULL);
    char *want = item_keys(cJSON_GetObjectItem(full, "items"));
    cJSON *p1 = get_json(&sim, "/api/v1/pods?limit=10", NULL);
    assert_string_equal(jstr(p1, "metadata.resourceVersion"),
                        jstr(full, "metadata.resourceVersion"));
    /* Change the world between pages: modify, add, and delete a pod of a later page. */
    const cJSON *last = cJSON_GetArrayItem(cJSON_GetObjectItem(full, "items"), 45);
    char del[300];
    snprintf(del, sizeof del, "/sim/delete?ns=%s&name=%s", jstr(last, "metadata.namespace"),
             jstr(last, "metadata.name"));
    assert_int_equal(harness_http(&sim, "POST", "/sim/mutate?count=30", NULL, NULL), 200);
    assert_int_equal(harness_http(&sim, "POST", "/sim/add?count=5", NULL, NULL), 200);
    assert_int_equal(harness_http(&sim, "POST", del, NULL, NULL), 200);

    char *got = item_keys(cJSON_GetObjectItem(p1, "items"));
    char cont[512];
    snprintf(cont, sizeof cont, "%s", jstr(p1, "metadata.continue"));
    while (cont[0]) {
        char path[700];
        snprintf(path, sizeof path, "/api/v1/pods?limit=10&continue=%s", cont);
        cJSON *pg = get_json(&sim, path, NULL);
        assert_non_null(pg);
        assert_string_equal(jstr(pg, "metadata.resourceVersion"),
                            jstr(full, "metadata.resourceVersion"));
        char *more = item_keys(cJSON_GetObjectItem(pg, "items"));
        got = realloc(got, strlen(got) + strlen(more) + 1);
        strcat(got, more);
        free(more);
        const char *c = jstr(pg, "metadata.continue");
        snprintf(cont, sizeof cont, "%s", c ? c : "");
        cJSON_Delete(pg);
    }
    assert_string_equal(got, want);
    /* A fresh list sees the new world. */
    cJSON *now = get_json(&sim, "/api/v1/pods", NULL);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(now, "items")), 54);
    cJSON_Delete(now);
    free(got);
    free(want);
    cJSON_Delete(p1);
    cJSON_Delete(full);
    harness_sim_stop(&sim);
}

static void test_continue_expired_and_invalid(void **state)
{
    (void)state;
    int st;
    cJSON *l = get_json(&g_sim, "/api/v1/pods?limit=5", &st);
    assert_int_equal(st, 200);
    char cont[512];
    snprintf(cont, sizeof cont, "%s", jstr(l, "metadata.continue"));
    cJSON_Delete(l);
    assert_true(strlen(cont) > 0);

    /* Still valid before compaction. */
    char path[700];
    snprintf(path, sizeof path, "/api/v1/pods?limit=5&continue=%s", cont);
    cJSON *p2 = get_json(&g_sim, path, &st);
    assert_int_equal(st, 200);
    cJSON_Delete(p2);

    assert_int_equal(harness_http(&g_sim, "POST", "/sim/compact", NULL, NULL), 200);
    cJSON *gone = get_json(&g_sim, path, &st);
    assert_int_equal(st, 410);
    assert_string_equal(jstr(gone, "kind"), "Status");
    assert_string_equal(jstr(gone, "reason"), "Expired");
    assert_non_null(strstr(jstr(gone, "message"), "too old to display a consistent list result"));
    /* The Status offers a token for an inconsistent continuation, and it works. */
    const char *fresh = jstr(gone, "metadata.continue");
    assert_non_null(fresh);
    char path2[700];
    snprintf(path2, sizeof path2, "/api/v1/pods?limit=5&continue=%s", fresh);
    cJSON_Delete(gone);
    cJSON *rest = get_json(&g_sim, path2, &st);
    assert_int_equal(st, 200);
    assert_string_equal(jstr(rest, "kind"), "PodList");
    cJSON_Delete(rest);

    cJSON *bad = get_json(&g_sim, "/api/v1/pods?limit=5&continue=%21%21notatoken", &st);
    assert_int_equal(st, 400);
    assert_string_equal(jstr(bad, "reason"), "BadRequest");
    cJSON_Delete(bad);
}

static int count_items(const char *path, int *status)
{
    cJSON *l = get_json(&g_sim, path, status);
    int n = l ? cJSON_GetArraySize(cJSON_GetObjectItem(l, "items")) : -1;
    cJSON_Delete(l);
    return n;
}

static void test_field_selectors(void **state)
{
    (void)state;
    int st;
    cJSON *all = get_json(&g_sim, "/api/v1/pods", &st);
    int total = cJSON_GetArraySize(cJSON_GetObjectItem(all, "items"));
    int on_node2 = 0, running = 0;
    const cJSON *it;
    cJSON_ArrayForEach(it, cJSON_GetObjectItem(all, "items"))
    {
        on_node2 += strcmp(jstr(it, "spec.nodeName"), "node-002") == 0;
        running += strcmp(jstr(it, "status.phase"), "Running") == 0;
    }
    cJSON_Delete(all);
    assert_true(on_node2 > 0 && on_node2 < total);
    assert_true(running > 0 && running < total);

    cJSON *l = get_json(&g_sim, "/api/v1/pods?fieldSelector=spec.nodeName%3Dnode-002", &st);
    assert_int_equal(st, 200);
    cJSON_ArrayForEach(it, cJSON_GetObjectItem(l, "items"))
        assert_string_equal(jstr(it, "spec.nodeName"), "node-002");
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(l, "items")), on_node2);
    cJSON_Delete(l);
    assert_int_equal(count_items("/api/v1/pods?fieldSelector=spec.nodeName%21%3Dnode-002", &st),
                     total - on_node2);
    assert_int_equal(count_items("/api/v1/pods?fieldSelector=status.phase%3DRunning", &st),
                     running);
    assert_int_equal(
        count_items("/api/v1/pods?fieldSelector=status.phase%3DRunning,spec.nodeName%3Dnode-002"
                    ",metadata.namespace%3Dnowhere",
                    &st),
        0);
    assert_int_equal(count_items("/api/v1/nodes?fieldSelector=metadata.name%3Dnode-003", &st), 1);

    cJSON *bad = get_json(&g_sim, "/api/v1/pods?fieldSelector=spec.bogus%3Dx", &st);
    assert_int_equal(st, 400);
    assert_string_equal(jstr(bad, "kind"), "Status");
    assert_non_null(strstr(jstr(bad, "message"), "field label not supported: spec.bogus"));
    cJSON_Delete(bad);
    /* A field valid for events is not valid for pods. */
    st = get_status(&g_sim, "/api/v1/pods?fieldSelector=involvedObject.name%3Dx");
    assert_int_equal(st, 400);

    /* Events by involved object. */
    cJSON *evs = get_json(&g_sim, "/api/v1/events", &st);
    const cJSON *first = cJSON_GetArrayItem(cJSON_GetObjectItem(evs, "items"), 0);
    assert_non_null(first);
    char path[512];
    snprintf(path, sizeof path,
             "/api/v1/events?fieldSelector=involvedObject.name%%3D%s,involvedObject.kind%%3DPod",
             jstr(first, "involvedObject.name"));
    cJSON *some = get_json(&g_sim, path, &st);
    assert_int_equal(st, 200);
    assert_true(cJSON_GetArraySize(cJSON_GetObjectItem(some, "items")) >= 1);
    cJSON_ArrayForEach(it, cJSON_GetObjectItem(some, "items"))
        assert_string_equal(jstr(it, "involvedObject.name"), jstr(first, "involvedObject.name"));
    cJSON_Delete(some);
    cJSON_Delete(evs);
    assert_true(count_items("/api/v1/events?fieldSelector=type%3DWarning,reason%3DFailed", &st) >=
                1);
}

static void test_label_selectors(void **state)
{
    (void)state;
    int st;
    int total = count_items("/api/v1/pods", &st);
    int api = count_items("/api/v1/pods?labelSelector=app%3Dapi", &st);
    assert_int_equal(st, 200);
    assert_true(api > 0 && api < total);
    assert_int_equal(count_items("/api/v1/pods?labelSelector=app%3D%3Dapi", &st), api);
    assert_int_equal(count_items("/api/v1/pods?labelSelector=app%21%3Dapi", &st), total - api);
    assert_int_equal(count_items("/api/v1/pods?labelSelector=sim.armortop.dev/aa-case", &st),
                     total);
    assert_int_equal(count_items("/api/v1/pods?labelSelector=%21app", &st), 0);
    assert_int_equal(count_items("/api/v1/pods?labelSelector=app%3Dapi,%21pod-template-hash", &st),
                     0);
    cJSON *l = get_json(
        &g_sim, "/api/v1/pods?labelSelector=sim.armortop.dev/aa-case%3Dblocked-legacy", &st);
    const cJSON *it;
    cJSON_ArrayForEach(it, cJSON_GetObjectItem(l, "items"))
        assert_string_equal(jstr(it, "status.reason"), "AppArmor");
    assert_true(cJSON_GetArraySize(cJSON_GetObjectItem(l, "items")) >= 1);
    cJSON_Delete(l);
    assert_int_equal(
        count_items("/api/v1/nodes?labelSelector=node-role.kubernetes.io/control-plane", &st), 1);
    st = get_status(&g_sim, "/api/v1/pods?labelSelector=a%20b%3Dc");
    assert_int_equal(st, 400);
}

static void test_get_and_not_found(void **state)
{
    (void)state;
    int st;
    cJSON *l = get_json(&g_sim, "/api/v1/pods?limit=1", &st);
    const cJSON *p = cJSON_GetArrayItem(cJSON_GetObjectItem(l, "items"), 0);
    char path[512];
    snprintf(path, sizeof path, "/api/v1/namespaces/%s/pods/%s", jstr(p, "metadata.namespace"),
             jstr(p, "metadata.name"));
    cJSON *one = get_json(&g_sim, path, &st);
    assert_int_equal(st, 200);
    assert_string_equal(jstr(one, "kind"), "Pod");
    assert_string_equal(jstr(one, "metadata.uid"), jstr(p, "metadata.uid"));
    cJSON_Delete(one);
    cJSON_Delete(l);

    cJSON *nf = get_json(&g_sim, "/api/v1/namespaces/default/pods/nope", &st);
    assert_int_equal(st, 404);
    assert_string_equal(jstr(nf, "status"), "Failure");
    assert_string_equal(jstr(nf, "message"), "pods \"nope\" not found");
    assert_string_equal(jstr(nf, "details.name"), "nope");
    assert_string_equal(jstr(nf, "details.kind"), "pods");
    assert_int_equal(cJSON_GetObjectItem(nf, "code")->valueint, 404);
    cJSON_Delete(nf);

    cJSON *node = get_json(&g_sim, "/api/v1/nodes/node-001", &st);
    assert_int_equal(st, 200);
    assert_string_equal(jstr(node, "status.nodeInfo.osImage"), "Debian GNU/Linux 12 (bookworm)");
    assert_non_null(strstr(jstr(node, "status.nodeInfo.kubeletVersion"), "v1.32."));
    cJSON_Delete(node);
    cJSON *ns = get_json(&g_sim, "/api/v1/namespaces/kube-system", &st);
    assert_int_equal(st, 200);
    assert_string_equal(jstr(ns, "kind"), "Namespace");
    cJSON_Delete(ns);
    st = get_status(&g_sim, "/api/v1/namespaces/default/pods/x/log");
    assert_int_equal(st, 404);
}

static void test_watch_modified(void **state)
{
    (void)state;
    char *rv = list_rv(&g_sim, "/api/v1/pods");
    char path[256];
    snprintf(path, sizeof path, "/api/v1/pods?watch=1&resourceVersion=%s&timeoutSeconds=20", rv);
    struct watch_client w;
    assert_int_equal(watch_open(&w, &g_sim, path), 0);
    assert_int_equal(w.status, 200);
    assert_true(w.is_chunked);
    cJSON *res = req_json(&g_sim, "POST", "/sim/mutate?count=3", NULL);
    assert_int_equal(cJSON_GetObjectItem(res, "mutated")->valueint, 3);
    cJSON_Delete(res);
    unsigned long long last = strtoull(rv, NULL, 10);
    for (int i = 0; i < 3; i++) {
        cJSON *ev = watch_next(&w, 5000);
        assert_non_null(ev);
        assert_string_equal(ev_type(ev), "MODIFIED");
        assert_string_equal(jstr(ev, "object.kind"), "Pod");
        assert_true(ev_rv(ev) > last);
        last = ev_rv(ev);
        cJSON_Delete(ev);
    }
    watch_close(&w);

    /* A watch from the old rv replays the same three changes. */
    assert_int_equal(watch_open(&w, &g_sim, path), 0);
    for (int i = 0; i < 3; i++) {
        cJSON *ev = watch_next(&w, 5000);
        assert_non_null(ev);
        assert_string_equal(ev_type(ev), "MODIFIED");
        cJSON_Delete(ev);
    }
    watch_close(&w);
    free(rv);
}

static void test_watch_add_delete(void **state)
{
    (void)state;
    char *rv = list_rv(&g_sim, "/api/v1/namespaces/watch-ns/pods");
    char path[256];
    snprintf(path, sizeof path,
             "/api/v1/namespaces/watch-ns/pods?watch=true&resourceVersion=%s&timeoutSeconds=20",
             rv);
    struct watch_client w;
    assert_int_equal(watch_open(&w, &g_sim, path), 0);
    long before = stat_num("pods");
    assert_int_equal(harness_http(&g_sim, "POST", "/sim/add?count=2&ns=watch-ns", NULL, NULL), 200);
    assert_int_equal(stat_num("pods"), before + 2);
    char name[128] = "";
    for (int i = 0; i < 2; i++) {
        cJSON *ev = watch_next(&w, 5000);
        assert_non_null(ev);
        assert_string_equal(ev_type(ev), "ADDED");
        assert_string_equal(jstr(ev, "object.metadata.namespace"), "watch-ns");
        snprintf(name, sizeof name, "%s", jstr(ev, "object.metadata.name"));
        cJSON_Delete(ev);
    }
    char del[256];
    snprintf(del, sizeof del, "/sim/delete?ns=watch-ns&name=%s", name);
    assert_int_equal(harness_http(&g_sim, "POST", del, NULL, NULL), 200);
    cJSON *ev = watch_next(&w, 5000);
    assert_non_null(ev);
    assert_string_equal(ev_type(ev), "DELETED");
    assert_string_equal(jstr(ev, "object.metadata.name"), name);
    cJSON_Delete(ev);
    watch_close(&w);
    assert_int_equal(harness_http(&g_sim, "POST", del, NULL, NULL), 404);
    assert_int_equal(stat_num("pods"), before + 1);
    /* A pod mutation elsewhere is not seen by a namespaced watch; the namespace shows up. */
    assert_int_equal(count_items("/api/v1/namespaces?fieldSelector=metadata.name%3Dwatch-ns", NULL),
                     1);
    free(rv);
}

static void test_watch_expired(void **state)
{
    (void)state;
    char *rv = list_rv(&g_sim, "/api/v1/pods");
    assert_int_equal(harness_http(&g_sim, "POST", "/sim/mutate?count=1", NULL, NULL), 200);
    assert_int_equal(harness_http(&g_sim, "POST", "/sim/compact", NULL, NULL), 200);
    char path[256];
    snprintf(path, sizeof path, "/api/v1/pods?watch=1&resourceVersion=%s&timeoutSeconds=20", rv);
    struct watch_client w;
    assert_int_equal(watch_open(&w, &g_sim, path), 0);
    assert_int_equal(w.status, 200);
    cJSON *ev = watch_next(&w, 5000);
    assert_non_null(ev);
    assert_string_equal(ev_type(ev), "ERROR");
    assert_string_equal(jstr(ev, "object.kind"), "Status");
    assert_string_equal(jstr(ev, "object.reason"), "Expired");
    assert_int_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(ev, "object"), "code")->valueint, 410);
    char want[64];
    snprintf(want, sizeof want, "too old resource version: %s (", rv);
    assert_non_null(strstr(jstr(ev, "object.message"), want));
    cJSON_Delete(ev);
    double t0 = now_s();
    assert_null(watch_next(&w, 5000)); /* the stream ends */
    assert_true(w.is_eof);
    assert_true(now_s() - t0 < 4.0);
    watch_close(&w);

    /* The knob that turns it into an HTTP 410. */
    assert_int_equal(harness_http(&g_sim, "POST", "/sim/fault?watch_410_http=1", NULL, NULL), 200);
    int st;
    cJSON *s = get_json(&g_sim, path, &st);
    assert_int_equal(st, 410);
    assert_string_equal(jstr(s, "reason"), "Expired");
    cJSON_Delete(s);
    reset_faults();
    free(rv);
}

static void test_watch_bookmarks_timeout(void **state)
{
    (void)state;
    char *rv = list_rv(&g_sim, "/api/v1/nodes");
    char path[256];
    snprintf(path, sizeof path,
             "/api/v1/nodes?watch=1&resourceVersion=%s&allowWatchBookmarks=true&timeoutSeconds=3",
             rv);
    struct watch_client w;
    double t0 = now_s();
    assert_int_equal(watch_open(&w, &g_sim, path), 0);
    int bookmarks = 0;
    cJSON *ev;
    while ((ev = watch_next(&w, 6000))) {
        assert_string_equal(ev_type(ev), "BOOKMARK");
        assert_string_equal(jstr(ev, "object.kind"), "Node");
        assert_true(ev_rv(ev) >= strtoull(rv, NULL, 10));
        bookmarks++;
        cJSON_Delete(ev);
    }
    double took = now_s() - t0;
    assert_true(w.is_eof);
    assert_true(bookmarks >= 1);
    assert_true(took >= 2.5 && took < 6.0);
    watch_close(&w);

    /* Without allowWatchBookmarks: no bookmark, and timeoutSeconds=1 ends it. */
    snprintf(path, sizeof path, "/api/v1/nodes?watch=1&timeoutSeconds=1");
    t0 = now_s();
    assert_int_equal(watch_open(&w, &g_sim, path), 0);
    assert_null(watch_next(&w, 5000));
    assert_true(w.is_eof);
    assert_true(now_s() - t0 < 3.0);
    watch_close(&w);
    free(rv);
}

static bool container_has_expect(const cJSON *pod, const char *name)
{
    char key[200];
    snprintf(key, sizeof key, "sim.armortop.dev/expect.%s", name);
    const cJSON *ann = cJSON_GetObjectItem(cJSON_GetObjectItem(pod, "metadata"), "annotations");
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(ann, key);
    if (!cJSON_IsString(v))
        return false;
    /* type|profile|source */
    const char *bar1 = strchr(v->valuestring, '|');
    const char *bar2 = bar1 ? strchr(bar1 + 1, '|') : NULL;
    if (!bar2)
        return false;
    const char *src = bar2 + 1;
    return strcmp(src, "container") == 0 || strcmp(src, "annotation") == 0 ||
           strcmp(src, "pod") == 0 || strcmp(src, "unset") == 0;
}

static const cJSON *find_case(const cJSON *items, const char *aa)
{
    const cJSON *it;
    cJSON_ArrayForEach(it, items)
    {
        const char *c = jstr(cJSON_GetObjectItem(it, "metadata"), "labels");
        (void)c;
        const cJSON *labels = cJSON_GetObjectItem(cJSON_GetObjectItem(it, "metadata"), "labels");
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(labels, "sim.armortop.dev/aa-case");
        if (cJSON_IsString(v) && strcmp(v->valuestring, aa) == 0)
            return it;
    }
    return NULL;
}

static const char *expect_of(const cJSON *pod, const char *container)
{
    char key[200];
    snprintf(key, sizeof key, "sim.armortop.dev/expect.%s", container);
    const cJSON *ann = cJSON_GetObjectItem(cJSON_GetObjectItem(pod, "metadata"), "annotations");
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(ann, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static const char *first_container(const cJSON *pod, const char *kind)
{
    const cJSON *c =
        cJSON_GetArrayItem(cJSON_GetObjectItem(cJSON_GetObjectItem(pod, "spec"), kind), 0);
    return c ? jstr(c, "name") : NULL;
}

static void test_aa_cases(void **state)
{
    (void)state;
    struct harness_sim sim;
    const char *args[] = {"--pods", "40", "--nodes", "10", "--seed", "5", NULL};
    assert_int_equal(harness_sim_start(&sim, args), 0);
    cJSON *l = get_json(&sim, "/api/v1/pods", NULL);
    assert_non_null(l);
    const cJSON *items = cJSON_GetObjectItem(l, "items");
    static const char *const cases[] = {
        "container-field-runtime-default",
        "container-field-localhost",
        "container-field-unconfined",
        "pod-field",
        "both",
        "annotation-runtime-default",
        "annotation-localhost",
        "annotation-unconfined",
        "none",
        "privileged",
        "ephemeral",
        "init",
        "windows",
        "invalid-annotation",
        "invalid-field",
        "blocked-missing",
        "blocked-legacy",
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        if (!find_case(items, cases[i]))
            fail_msg("aa-case %s missing", cases[i]);
    }
    /* Every container of every kind has a well-formed expect annotation. */
    const cJSON *it;
    cJSON_ArrayForEach(it, items)
    {
        static const char *const kinds[] = {"initContainers", "containers", "ephemeralContainers"};
        for (size_t k = 0; k < 3; k++) {
            const cJSON *c;
            cJSON_ArrayForEach(c, cJSON_GetObjectItem(cJSON_GetObjectItem(it, "spec"), kinds[k]))
            {
                if (!container_has_expect(it, jstr(c, "name")))
                    fail_msg("pod %s container %s lacks a valid expect annotation",
                             jstr(it, "metadata.name"), jstr(c, "name"));
            }
        }
        assert_true(strlen(jstr(it, "metadata.uid")) == 36);
        assert_non_null(jstr(it, "metadata.creationTimestamp"));
    }
    /* Spot checks of GetProfile semantics. */
    const cJSON *p = find_case(items, "container-field-runtime-default");
    assert_string_equal(expect_of(p, first_container(p, "containers")),
                        "RuntimeDefault|null|container");
    p = find_case(items, "annotation-unconfined");
    assert_string_equal(expect_of(p, first_container(p, "containers")),
                        "Unconfined|null|annotation");
    p = find_case(items, "none");
    assert_string_equal(expect_of(p, first_container(p, "containers")), "null|null|unset");
    p = find_case(items, "invalid-annotation");
    assert_string_equal(expect_of(p, first_container(p, "containers")), "null|null|unset");
    p = find_case(items, "pod-field");
    assert_non_null(strstr(expect_of(p, first_container(p, "containers")), "|pod"));
    p = find_case(items, "ephemeral");
    const char *eph = first_container(p, "ephemeralContainers");
    assert_non_null(eph);
    assert_non_null(expect_of(p, eph));
    assert_non_null(
        cJSON_GetObjectItem(cJSON_GetObjectItem(p, "status"), "ephemeralContainerStatuses"));
    p = find_case(items, "init");
    assert_non_null(strstr(expect_of(p, first_container(p, "initContainers")), "Localhost|"));
    p = find_case(items, "windows");
    assert_string_equal(jstr(p, "spec.os.name"), "windows");
    assert_string_equal(jstr(p, "spec.nodeName"), "node-010");
    p = find_case(items, "privileged");
    const cJSON *c0 =
        cJSON_GetArrayItem(cJSON_GetObjectItem(cJSON_GetObjectItem(p, "spec"), "containers"), 0);
    assert_true(cJSON_IsTrue(
        cJSON_GetObjectItem(cJSON_GetObjectItem(c0, "securityContext"), "privileged")));

    p = find_case(items, "blocked-missing");
    assert_string_equal(jstr(p, "status.phase"), "Pending");
    const cJSON *cs = cJSON_GetArrayItem(
        cJSON_GetObjectItem(cJSON_GetObjectItem(p, "status"), "containerStatuses"), 0);
    assert_string_equal(jstr(cs, "state.waiting.reason"), "CreateContainerError");
    assert_non_null(
        strstr(jstr(cs, "state.waiting.message"), "apparmor profile not found k8s-missing-"));
    char path[512];
    snprintf(
        path, sizeof path,
        "/api/v1/namespaces/%s/events?fieldSelector=involvedObject.name%%3D%s,reason%%3DFailed",
        jstr(p, "metadata.namespace"), jstr(p, "metadata.name"));
    cJSON *evs = get_json(&sim, path, NULL);
    const cJSON *ev = cJSON_GetArrayItem(cJSON_GetObjectItem(evs, "items"), 0);
    assert_non_null(ev);
    assert_string_equal(jstr(ev, "type"), "Warning");
    assert_non_null(strstr(jstr(ev, "message"),
                           "Error: failed to get container spec opts: failed to "
                           "generate apparmor spec opts: apparmor profile not found k8s-missing-"));
    assert_non_null(strstr(jstr(ev, "involvedObject.fieldPath"), "spec.containers{"));
    cJSON_Delete(evs);

    p = find_case(items, "blocked-legacy");
    assert_string_equal(jstr(p, "status.phase"), "Failed");
    assert_string_equal(jstr(p, "status.reason"), "AppArmor");
    assert_string_equal(
        jstr(p, "status.message"),
        "Pod was rejected: Cannot enforce AppArmor: profile \"k8s-legacy\" is not loaded");
    assert_null(cJSON_GetObjectItem(cJSON_GetObjectItem(p, "status"), "containerStatuses"));
    snprintf(path, sizeof path,
             "/api/v1/events?fieldSelector=involvedObject.name%%3D%s,reason%%3DAppArmor",
             jstr(p, "metadata.name"));
    evs = get_json(&sim, path, NULL);
    ev = cJSON_GetArrayItem(cJSON_GetObjectItem(evs, "items"), 0);
    assert_non_null(ev);
    assert_string_equal(jstr(ev, "message"),
                        "Cannot enforce AppArmor: profile \"k8s-legacy\" is not loaded");
    cJSON_Delete(evs);

    /* A Windows node exists when there are 10 nodes. */
    cJSON *win = get_json(&sim, "/api/v1/nodes?labelSelector=kubernetes.io/os%3Dwindows", NULL);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(win, "items")), 1);
    cJSON_Delete(win);
    cJSON_Delete(l);
    harness_sim_stop(&sim);
}

static void test_deterministic(void **state)
{
    (void)state;
    struct harness_sim a, b, c;
    const char *args7[] = {"--pods", "25", "--seed", "7", NULL};
    const char *args8[] = {"--pods", "25", "--seed", "8", NULL};
    assert_int_equal(harness_sim_start(&a, args7), 0);
    assert_int_equal(harness_sim_start(&b, args7), 0);
    assert_int_equal(harness_sim_start(&c, args8), 0);
    char *ba = NULL, *bb = NULL, *bc = NULL;
    assert_int_equal(harness_http(&a, "GET", "/api/v1/pods", NULL, &ba), 200);
    assert_int_equal(harness_http(&b, "GET", "/api/v1/pods", NULL, &bb), 200);
    assert_int_equal(harness_http(&c, "GET", "/api/v1/pods", NULL, &bc), 200);
    assert_string_equal(ba, bb);
    assert_string_not_equal(ba, bc);
    /* Realistic sizes: 4-8 KB per pod on average. */
    cJSON *l = cJSON_Parse(ba);
    int n = cJSON_GetArraySize(cJSON_GetObjectItem(l, "items"));
    assert_int_equal(n, 25);
    size_t avg = strlen(ba) / (size_t)n;
    assert_true(avg >= 3000 && avg <= 9000);
    const cJSON *cs = cJSON_GetArrayItem(
        cJSON_GetObjectItem(
            cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(l, "items"), 1), "status"),
            "containerStatuses"),
        0);
    if (cs && jstr(cs, "containerID"))
        assert_int_equal(strlen(jstr(cs, "containerID")), strlen("containerd://") + 64);
    cJSON_Delete(l);
    free(ba);
    free(bb);
    free(bc);
    harness_sim_stop(&a);
    harness_sim_stop(&b);
    harness_sim_stop(&c);
}

static void test_table(void **state)
{
    (void)state;
    char auth[200];
    snprintf(auth, sizeof auth, "Bearer %s", g_sim.token);
    struct raw_resp r;
    const char *accept = "Accept: "
                         "application/json;as=Table;v=v1;g=meta.k8s.io,application/"
                         "json;as=Table;v=v1beta1;g=meta.k8s.io,application/json\r\n";
    assert_int_equal(raw_get(&g_sim, "/api/v1/pods", auth, accept, &r), 0);
    assert_int_equal(r.status, 200);
    cJSON *t = cJSON_Parse(r.body);
    assert_non_null(t);
    assert_string_equal(jstr(t, "kind"), "Table");
    assert_string_equal(jstr(t, "apiVersion"), "meta.k8s.io/v1");
    const cJSON *cols = cJSON_GetObjectItem(t, "columnDefinitions");
    assert_string_equal(jstr(cJSON_GetArrayItem(cols, 0), "name"), "Name");
    assert_string_equal(jstr(cJSON_GetArrayItem(cols, 1), "name"), "Ready");
    assert_string_equal(jstr(cJSON_GetArrayItem(cols, 2), "name"), "Status");
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(t, "rows")), stat_num("pods"));
    const cJSON *row = cJSON_GetArrayItem(cJSON_GetObjectItem(t, "rows"), 0);
    assert_string_equal(jstr(row, "object.kind"), "PartialObjectMetadata");
    assert_non_null(jstr(row, "object.metadata.namespace"));
    cJSON_Delete(t);
    raw_resp_free(&r);

    assert_int_equal(raw_get(&g_sim, "/api/v1/events", auth, accept, &r), 0);
    t = cJSON_Parse(r.body);
    assert_string_equal(
        jstr(cJSON_GetArrayItem(cJSON_GetObjectItem(t, "columnDefinitions"), 0), "name"),
        "Last Seen");
    cJSON_Delete(t);
    raw_resp_free(&r);
    /* Plain JSON when Table is not asked for. */
    assert_int_equal(raw_get(&g_sim, "/api/v1/nodes", auth, "Accept: application/json\r\n", &r), 0);
    t = cJSON_Parse(r.body);
    assert_string_equal(jstr(t, "kind"), "NodeList");
    cJSON_Delete(t);
    raw_resp_free(&r);
}

static void test_faults(void **state)
{
    (void)state;
    int st;
    /* error_rate */
    assert_int_equal(harness_http(&g_sim, "POST", "/sim/fault?error_rate=100", NULL, NULL), 200);
    cJSON *e = get_json(&g_sim, "/api/v1/pods", &st);
    assert_int_equal(st, 500);
    assert_string_equal(jstr(e, "kind"), "Status");
    assert_string_equal(jstr(e, "reason"), "InternalError");
    cJSON_Delete(e);
    /* /sim paths are exempt. */
    assert_true(stat_num("faultsInjected") >= 1);
    assert_int_equal(harness_http(&g_sim, "POST", "/sim/fault?error_code=503", NULL, NULL), 200);
    st = get_status(&g_sim, "/api/v1/nodes");
    assert_int_equal(st, 503);
    reset_faults();
    st = get_status(&g_sim, "/api/v1/nodes");
    assert_int_equal(st, 200);

    /* drop: the connection closes without a status line (no hang). */
    assert_int_equal(harness_http(&g_sim, "POST", "/sim/fault?drop_rate=100", NULL, NULL), 200);
    double t0 = now_s();
    assert_int_equal(harness_http(&g_sim, "GET", "/api/v1/pods", NULL, NULL), -1);
    assert_true(now_s() - t0 < 3.0);
    reset_faults();

    /* truncate: Content-Length of the whole body, half of it sent. */
    char auth[200];
    snprintf(auth, sizeof auth, "Bearer %s", g_sim.token);
    assert_int_equal(harness_http(&g_sim, "POST", "/sim/fault?truncate_rate=100", NULL, NULL), 200);
    struct raw_resp r;
    assert_int_equal(raw_get(&g_sim, "/api/v1/pods", auth, NULL, &r), 0);
    assert_int_equal(r.status, 200);
    assert_true(r.content_length > 1000);
    assert_true((long)r.body_len < r.content_length);
    assert_null(cJSON_Parse(r.body));
    raw_resp_free(&r);
    reset_faults();

    /* malformed: a complete response whose JSON does not parse. */
    assert_int_equal(harness_http(&g_sim, "POST", "/sim/fault?malformed_rate=100", NULL, NULL),
                     200);
    assert_int_equal(raw_get(&g_sim, "/api/v1/pods", auth, NULL, &r), 0);
    assert_int_equal(r.status, 200);
    assert_int_equal((long)r.body_len, r.content_length);
    assert_null(cJSON_Parse(r.body));
    raw_resp_free(&r);
    reset_faults();

    /* latency */
    assert_int_equal(harness_http(&g_sim, "POST", "/sim/fault?latency_ms=300", NULL, NULL), 200);
    t0 = now_s();
    assert_int_equal(harness_http(&g_sim, "GET", "/version", NULL, NULL), 200);
    assert_true(now_s() - t0 >= 0.29);
    reset_faults();

    /* Invalid knobs are refused. */
    assert_int_equal(harness_http(&g_sim, "POST", "/sim/fault?error_rate=101", NULL, NULL), 400);
    assert_int_equal(harness_http(&g_sim, "GET", "/sim/mutate", NULL, NULL), 405);
}

static void test_die_after_requests(void **state)
{
    (void)state;
    struct harness_sim sim;
    const char *args[] = {"--pods", "60", NULL};
    assert_int_equal(harness_sim_start(&sim, args), 0);
    assert_int_equal(harness_http(&sim, "POST", "/sim/fault?die_after_requests=2", NULL, NULL),
                     200);
    assert_int_equal(harness_http(&sim, "GET", "/version", NULL, NULL), 200);
    assert_int_equal(harness_http(&sim, "GET", "/api/v1/nodes", NULL, NULL), 200);
    char auth[200];
    snprintf(auth, sizeof auth, "Bearer %s", sim.token);
    struct raw_resp r;
    raw_get(&sim, "/api/v1/pods", auth, NULL, &r);
    assert_int_equal(r.status, 200);
    assert_true(r.content_length > 0);
    assert_true((long)r.body_len < r.content_length);
    assert_true(r.body_len > 0);
    raw_resp_free(&r);
    int st = 0;
    double deadline = now_s() + 5;
    pid_t got = 0;
    while (now_s() < deadline && (got = waitpid(sim.pid, &st, WNOHANG)) == 0)
        usleep(20000);
    assert_int_equal(got, sim.pid);
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 3);
    sim.pid = 0;
    harness_sim_stop(&sim);
}

static void test_stats_and_control(void **state)
{
    (void)state;
    long req0 = stat_num("requests"), lists0 = stat_num("lists");
    get_status(&g_sim, "/api/v1/nodes");
    assert_true(stat_num("requests") >= req0 + 2);
    assert_int_equal(stat_num("lists"), lists0 + 1);
    assert_int_equal(stat_num("nodes"), 3);
    assert_true(stat_num("events") >= 40);
    int st;
    cJSON *res = req_json(&g_sim, "POST", "/sim/add?count=1&ns=Bad_NS", &st);
    assert_int_equal(st, 400);
    cJSON_Delete(res);
    assert_int_equal(harness_http(&g_sim, "POST", "/sim/nothing", NULL, NULL), 404);
}

static void run_kubectl(const char *kubeconfig, const char *cache, const char *const *args,
                        struct harness_result *res)
{
    const char *argv[32];
    size_t n = 0;
    argv[n++] = "kubectl";
    argv[n++] = "--kubeconfig";
    argv[n++] = kubeconfig;
    argv[n++] = "--cache-dir";
    argv[n++] = cache;
    argv[n++] = "--request-timeout=20s";
    for (size_t i = 0; args[i] && n < 31; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    assert_int_equal(harness_run(argv, NULL, 60, res), 0);
}

static void kubectl_checks(const struct harness_sim *sim, long pods)
{
    char cache[400];
    snprintf(cache, sizeof cache, "%s/kcache", sim->dir);
    struct harness_result res;
    const char *json_args[] = {"get", "pods", "-A", "-o", "json", NULL};
    run_kubectl(sim->kubeconfig, cache, json_args, &res);
    if (res.status != 0)
        fail_msg("kubectl get pods -A -o json: %s", res.err);
    cJSON *l = cJSON_Parse(res.out);
    assert_non_null(l);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(l, "items")), pods);
    cJSON_Delete(l);
    harness_result_free(&res);

    const char *nodes[] = {"get", "nodes", NULL};
    run_kubectl(sim->kubeconfig, cache, nodes, &res);
    assert_int_equal(res.status, 0);
    assert_non_null(strstr(res.out, "node-001"));
    assert_non_null(strstr(res.out, "control-plane")); /* Table columns */
    harness_result_free(&res);

    const char *events[] = {"get", "events", "-A", NULL};
    run_kubectl(sim->kubeconfig, cache, events, &res);
    assert_int_equal(res.status, 0);
    assert_non_null(strstr(res.out, "Scheduled"));
    harness_result_free(&res);

    const char *sel[] = {"get",
                         "pods",
                         "-A",
                         "--field-selector",
                         "spec.nodeName=node-003",
                         "-o",
                         "jsonpath={.items[*].spec.nodeName}",
                         NULL};
    run_kubectl(sim->kubeconfig, cache, sel, &res);
    assert_int_equal(res.status, 0);
    assert_non_null(strstr(res.out, "node-003"));
    assert_null(strstr(res.out, "node-002"));
    harness_result_free(&res);

    const char *lab[] = {"get", "pods", "-A", "-l", "app=api", "-o", "name", NULL};
    run_kubectl(sim->kubeconfig, cache, lab, &res);
    assert_int_equal(res.status, 0);
    assert_non_null(strstr(res.out, "pod/api-"));
    harness_result_free(&res);
}

/* kubectl get pods -A -w: a child process mutates pods while kubectl watches; kubectl
 * runs until the harness timeout kills it, and its output must show the changes. */
static void kubectl_watch_check(const struct harness_sim *sim)
{
    char cache[400];
    snprintf(cache, sizeof cache, "%s/kcache", sim->dir);
    pid_t child = fork();
    assert_true(child >= 0);
    if (child == 0) {
        usleep(2500000);
        int st = harness_http(sim, "POST", "/sim/mutate?count=2", NULL, NULL);
        _exit(st == 200 ? 0 : 1);
    }
    struct harness_result res;
    const char *argv[] = {
        "kubectl", "--kubeconfig", sim->kubeconfig,         "--cache-dir", cache, "get", "pods",
        "-A",      "-w",           "--output-watch-events", NULL};
    harness_run(argv, NULL, 6, &res); /* times out by design */
    int st = 0;
    waitpid(child, &st, 0);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    if (!strstr(res.out, "MODIFIED"))
        fail_msg("kubectl -w showed no MODIFIED event; stdout: %s stderr: %s", res.out, res.err);
    assert_non_null(strstr(res.out, "ADDED")); /* the initial list */
    harness_result_free(&res);
}

static void test_kubectl_plain(void **state)
{
    (void)state;
    if (!harness_have_program("kubectl")) {
        fprintf(stderr, "kubectl not found on PATH: skipping\n");
        skip();
    }
    /* kubectl sends no credentials over plain http (kubernetes/kubectl#744): the
     * default (anonymous allowed, wrong tokens refused) must let it work. */
    struct harness_sim sim;
    const char *args[] = {"--pods", "30", NULL};
    assert_int_equal(harness_sim_start(&sim, args), 0);
    kubectl_checks(&sim, 30);
    kubectl_watch_check(&sim);
    harness_sim_stop(&sim);
}

static void test_kubectl_tls(void **state)
{
    (void)state;
    if (!harness_have_program("kubectl")) {
        fprintf(stderr, "kubectl not found on PATH: skipping\n");
        skip();
    }
    struct harness_sim sim;
    const char *args[] = {"--pods", "30", "--tls", NULL};
    assert_int_equal(harness_sim_start(&sim, args), 0);
    assert_int_equal(strncmp(sim.url, "https://127.0.0.1:", 18), 0);
    struct stat sb;
    assert_int_equal(stat(sim.kubeconfig, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    char *kc = harness_read_file(sim.kubeconfig, NULL);
    assert_non_null(strstr(kc, "certificate-authority-data: "));
    assert_non_null(strstr(kc, "current-context: armortop-sim"));
    assert_non_null(strstr(kc, sim.token));
    assert_null(strstr(kc, "insecure"));
    free(kc);
    kubectl_checks(&sim, 30);
    /* A pod by name as YAML. */
    char cache[400];
    snprintf(cache, sizeof cache, "%s/kcache", sim.dir);
    struct harness_result res;
    const char *name_args[] = {
        "get", "pods", "-n", "default", "-o", "jsonpath={.items[0].metadata.name}", NULL};
    run_kubectl(sim.kubeconfig, cache, name_args, &res);
    assert_int_equal(res.status, 0);
    char name[200];
    snprintf(name, sizeof name, "%s", res.out);
    harness_result_free(&res);
    assert_true(strlen(name) > 0);
    const char *yaml_args[] = {"get", "pod", name, "-n", "default", "-o", "yaml", NULL};
    run_kubectl(sim.kubeconfig, cache, yaml_args, &res);
    assert_int_equal(res.status, 0);
    assert_non_null(strstr(res.out, "sim.armortop.dev/aa-case"));
    harness_result_free(&res);
    harness_sim_stop(&sim);
}

static void test_command_line(void **state)
{
    (void)state;
    struct harness_result res;
    const char *bad[] = {"armortop-sim", "--bogus", NULL};
    assert_int_equal(harness_run(bad, NULL, 10, &res), 0);
    assert_int_equal(res.status, 1);
    assert_non_null(strstr(res.err, "--bogus"));
    harness_result_free(&res);
    const char *zero[] = {"armortop-sim", "--nodes", "0", NULL};
    assert_int_equal(harness_run(zero, NULL, 10, &res), 0);
    assert_int_equal(res.status, 1);
    harness_result_free(&res);
    const char *nan[] = {"armortop-sim", "--pods", "many", NULL};
    assert_int_equal(harness_run(nan, NULL, 10, &res), 0);
    assert_int_equal(res.status, 1);
    assert_non_null(strstr(res.err, "--pods"));
    harness_result_free(&res);
    const char *help[] = {"armortop-sim", "--help", NULL};
    assert_int_equal(harness_run(help, NULL, 10, &res), 0);
    assert_int_equal(res.status, 0);
    assert_non_null(strstr(res.out, "--kubeconfig-out"));
    harness_result_free(&res);
    const char *ver[] = {"armortop-sim", "--version", NULL};
    assert_int_equal(harness_run(ver, NULL, 10, &res), 0);
    assert_int_equal(res.status, 0);
    assert_non_null(strstr(res.out, "armortop-sim "));
    harness_result_free(&res);
}

static void test_sigterm_exits_zero(void **state)
{
    (void)state;
    struct harness_sim sim;
    const char *args[] = {"--pods", "5", NULL};
    assert_int_equal(harness_sim_start(&sim, args), 0);
    /* An open watch must not delay shutdown. */
    struct watch_client w;
    assert_int_equal(watch_open(&w, &sim, "/api/v1/pods?watch=1"), 0);
    kill(sim.pid, SIGTERM);
    int st = 0;
    double deadline = now_s() + 5;
    pid_t got = 0;
    while (now_s() < deadline && (got = waitpid(sim.pid, &st, WNOHANG)) == 0)
        usleep(20000);
    watch_close(&w);
    assert_int_equal(got, sim.pid);
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 0);
    sim.pid = 0;
    harness_sim_stop(&sim);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_discovery),
        cmocka_unit_test(test_auth),
        cmocka_unit_test(test_token_is_deterministic),
        cmocka_unit_test(test_paging),
        cmocka_unit_test(test_paging_is_a_snapshot),
        cmocka_unit_test(test_continue_expired_and_invalid),
        cmocka_unit_test(test_field_selectors),
        cmocka_unit_test(test_label_selectors),
        cmocka_unit_test(test_get_and_not_found),
        cmocka_unit_test(test_watch_modified),
        cmocka_unit_test(test_watch_add_delete),
        cmocka_unit_test(test_watch_expired),
        cmocka_unit_test(test_watch_bookmarks_timeout),
        cmocka_unit_test(test_aa_cases),
        cmocka_unit_test(test_deterministic),
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_faults),
        cmocka_unit_test(test_die_after_requests),
        cmocka_unit_test(test_stats_and_control),
        cmocka_unit_test(test_kubectl_plain),
        cmocka_unit_test(test_kubectl_tls),
        cmocka_unit_test(test_command_line),
        cmocka_unit_test(test_sigterm_exits_zero),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
