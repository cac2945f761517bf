/*
 * kube_client: the Kubernetes REST client (see kube_client.h). Builds request
 * paths, attaches credentials from kubeconfig per request (re-resolving them
 * once after a 401 when they can change: exec plugins, token files), pages
 * through lists decoding each page straight into the snapshot, streams watch
 * events line by line, and keeps a kind current with list + watch + relist.
 *
 * Throttling: a 429 (or a 5xx with Retry-After) makes the client hold every
 * request until the Retry-After time has passed (1 s when a 429 has none):
 * until then requests fail at once with HTTP 429 and a "throttled" message
 * saying how long is left, so a caller polling faster (the TUI) neither
 * hammers the server nor hides why it has no fresh data; kube_sync sleeps
 * until then instead of its usual backoff.
 *
 * Errors carry err->where = the server URL, err->http_status and, when the
 * body is a Kubernetes Status, its message; kerr_format() then prints e.g.
 * "https://10.0.0.1:6443: HTTP 403: pods is forbidden: User ...".
 *
 * Depends on core/http (libcurl), json_k8s (cJSON), kubeconfig, model, strbuf,
 * kerr, xalloc, log. Must not include curl or cJSON headers; never prints.
 */
#include "config.h"
#include "kube_client.h"

#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "http.h"
#include "json_k8s.h"
#include "log.h"
#include "xalloc.h"

#define DEFAULT_TIMEOUT_MS 30000L
#define DEFAULT_CONNECT_TIMEOUT_MS 5000L
#define DEFAULT_PAGE_LIMIT 500
#define DEFAULT_MAX_BODY_LEN ((size_t)64 << 20)
#define WATCH_MAX_TIMEOUT_S 300 /* one watch request at most (client-go: 5-10 min) */
#define WATCH_IDLE_SLACK_S 30   /* no byte for timeoutSeconds + this = dead stream */
#define BACKOFF_MIN_MS 100
#define BACKOFF_MAX_MS 5000
#define THROTTLE_DEFAULT_S 1 /* a 429 without Retry-After */
#define THROTTLE_MAX_S 600   /* a larger Retry-After is taken as this */

struct kube_client {
    struct kube_config *cfg; /* borrowed */
    struct http_client *http;
    char *server; /* cfg->server without trailing '/' */
    long timeout_ms;
    size_t page_limit;
    size_t max_body_len;
    int watch_timeout_s;
    kube_page_hook_fn page_hook;
    void *page_hook_ud;
    _Atomic int64_t throttled_until_ms; /* http_now_ms() clock; no request before it */
};

/* ---- helpers ---------------------------------------------------------------- */

static const char *kind_resource(enum kube_kind kind)
{
    switch (kind) {
    case KUBE_KIND_NODE:
        return "nodes";
    case KUBE_KIND_POD:
        return "pods";
    case KUBE_KIND_EVENT:
        return "events";
    }
    return "pods";
}

static char **kind_rv(struct kube_snapshot *snap, enum kube_kind kind)
{
    switch (kind) {
    case KUBE_KIND_NODE:
        return &snap->nodes_rv;
    case KUBE_KIND_EVENT:
        return &snap->events_rv;
    case KUBE_KIND_POD:
        break;
    }
    return &snap->pods_rv;
}

static void kind_clear(struct kube_snapshot *snap, enum kube_kind kind)
{
    switch (kind) {
    case KUBE_KIND_NODE:
        kube_snapshot_clear_nodes(snap);
        break;
    case KUBE_KIND_POD:
        kube_snapshot_clear_pods(snap);
        break;
    case KUBE_KIND_EVENT:
        kube_snapshot_clear_events(snap);
        break;
    }
    char **rv = kind_rv(snap, kind);
    free(*rv);
    *rv = NULL;
}

static void set_str(char **dst, const char *src)
{
    if (*dst == src || (*dst && src && strcmp(*dst, src) == 0))
        return;
    free(*dst);
    *dst = xstrdup_or_null(src);
}

static bool is_stopped(volatile bool *stop)
{
    return stop && *stop;
}

/* Map an HTTP status to a KERR code. */
static int status_code(long status)
{
    if (status == 401)
        return KERR_UNAUTHORIZED;
    if (status == 403)
        return KERR_FORBIDDEN;
    if (status == 410)
        return KERR_GONE;
    if (status >= 500)
        return KERR_SERVER;
    return KERR_HTTP;
}

/* Seconds (rounded up) left until the server's Retry-After has passed, 0 when
 * not throttled. */
static long throttle_left_s(const struct kube_client *c)
{
    int64_t left = atomic_load(&c->throttled_until_ms) - http_now_ms();
    return left > 0 ? (long)((left + 999) / 1000) : 0;
}

/* Fill err for a non-2xx response; returns the negative code. */
static int status_error(const struct kube_client *c, long status, const struct strbuf *body,
                        struct kerr *err)
{
    char *message = NULL;
    int rc;
    char throttled[96] = "";
    long left_s = throttle_left_s(c);
    if (left_s > 0 && (status == 429 || status >= 500))
        snprintf(throttled, sizeof throttled,
                 "throttled by the API server, next try in %ld s: ", left_s);
    if (body->len > 0 && json_k8s_decode_status(body->buf, body->len, &message, NULL, NULL) == 0 &&
        message && *message)
        rc = kerr_set(err, status_code(status), "%s%s", throttled, message);
    else
        rc = kerr_set(err, status_code(status), "%s%s", throttled, http_reason_phrase(status));
    free(message);
    if (err)
        err->http_status = status;
    kerr_where(err, "%s", c->server);
    return rc;
}

/* Sleep ms, in slices, returning early on stop or at the deadline (0 = none). */
static void sleep_interruptible(long ms, volatile bool *stop, int64_t deadline_ms)
{
    int64_t until = http_now_ms() + ms;
    if (deadline_ms && until > deadline_ms)
        until = deadline_ms;
    while (!is_stopped(stop)) {
        int64_t left = until - http_now_ms();
        if (left <= 0)
            break;
        if (left > 50)
            left = 50;
        struct timespec ts = {.tv_sec = 0, .tv_nsec = (long)left * 1000000L};
        nanosleep(&ts, NULL);
    }
}

/* ---- client ----------------------------------------------------------------- */

int kube_client_check_config(const struct kube_config *cfg, struct kerr *err)
{
    const char *server = cfg ? cfg->server : NULL;
    const char *rest = NULL;
    if (server && strncmp(server, "https://", 8) == 0)
        rest = server + 8;
    else if (server && strncmp(server, "http://", 7) == 0)
        rest = server + 7;
    if (!rest || !*rest || *rest == '/') {
        int rc = kerr_set(err, KERR_CONFIG, "bad server URL \"%s\": want https://host[:port]",
                          server ? server : "");
        if (cfg && cfg->source)
            kerr_where(err, "%s", cfg->source);
        return rc;
    }
    return 0;
}

int kube_client_new(struct kube_config *cfg, const struct kube_client_opts *opts,
                    struct kube_client **out, struct kerr *err)
{
    int rc = 0;
    struct kube_client *c = NULL;
    static const struct kube_client_opts no_opts;
    *out = NULL;
    if (!opts)
        opts = &no_opts;

    const char *server = cfg ? cfg->server : NULL;
    if ((rc = kube_client_check_config(cfg, err)) < 0)
        goto out;

    c = xcalloc(1, sizeof *c);
    c->cfg = cfg;
    c->server = xstrdup(server);
    for (size_t n = strlen(c->server); n > 0 && c->server[n - 1] == '/'; n--)
        c->server[n - 1] = '\0';
    c->timeout_ms = opts->timeout_ms > 0 ? opts->timeout_ms : DEFAULT_TIMEOUT_MS;
    c->page_limit = opts->page_limit > 0 ? opts->page_limit : DEFAULT_PAGE_LIMIT;
    c->max_body_len = opts->max_body_len > 0 ? opts->max_body_len : DEFAULT_MAX_BODY_LEN;
    c->watch_timeout_s = opts->watch_timeout_s > 0 ? opts->watch_timeout_s : WATCH_MAX_TIMEOUT_S;
    c->page_hook = opts->page_hook;
    c->page_hook_ud = opts->page_hook_ud;

    struct http_client_opts ho = {
        .ca_file = cfg->ca_file,
        .ca_pem = cfg->ca_data,
        .ca_pem_len = cfg->ca_data_len,
        .client_cert_file = cfg->client_cert_file,
        .client_cert_pem = cfg->client_cert_data,
        .client_cert_pem_len = cfg->client_cert_data_len,
        .client_key_file = cfg->client_key_file,
        .client_key_pem = cfg->client_key_data,
        .client_key_pem_len = cfg->client_key_data_len,
        .is_insecure = cfg->is_insecure,
        .tls_server_name = cfg->tls_server_name,
        .proxy_url = cfg->proxy_url,
        .user_agent = opts->user_agent,
        .connect_timeout_ms =
            opts->connect_timeout_ms > 0 ? opts->connect_timeout_ms : DEFAULT_CONNECT_TIMEOUT_MS,
    };
    if ((rc = http_client_new(&ho, &c->http, err)) < 0) {
        kerr_where(err, "%s", c->server);
        goto out;
    }
    *out = c;
    c = NULL;
out:
    kube_client_free(&c);
    return rc;
}

void kube_client_free(struct kube_client **cp)
{
    if (!cp || !*cp)
        return;
    struct kube_client *c = *cp;
    http_client_free(&c->http);
    free(c->server);
    free(c);
    *cp = NULL;
}

const char *kube_client_server(const struct kube_client *c)
{
    return c->server;
}

/* After a response: a 429, or a 5xx that says Retry-After, holds requests. */
long kube_client_throttle_ms(const struct kube_client *c)
{
    int64_t left = atomic_load(&c->throttled_until_ms) - http_now_ms();
    return left > 0 ? (long)left : 0;
}

static void note_throttle(struct kube_client *c, long status, long retry_after_s)
{
    if (status != 429 && !(status >= 500 && retry_after_s > 0))
        return;
    long s = retry_after_s > 0 ? retry_after_s : THROTTLE_DEFAULT_S;
    if (s > THROTTLE_MAX_S)
        s = THROTTLE_MAX_S;
    atomic_store(&c->throttled_until_ms, http_now_ms() + (int64_t)s * 1000);
    core_log(CORE_LOG_INFO, "%s: HTTP %ld, Retry-After %ld s: holding requests for %ld s",
             c->server, status, retry_after_s, s);
}

/* Perform req against the server with fresh credentials, retrying once after a
 * 401 when the credentials can change (exec plugin, token file). Transport
 * errors get err->where. 0 with *status set on any completed response. While
 * throttled, fails at once with HTTP 429 without sending anything. */
static int request(struct kube_client *c, struct http_request *req, long *status, struct kerr *err)
{
    int rc = 0;
    bool can_refresh = c->cfg->exec || c->cfg->token_file || c->cfg->is_in_cluster;
    long retry_after_s = 0;
    kerr_clear(err); /* a new exchange: nothing stale (http_status) may survive */
    long left_s = throttle_left_s(c);
    if (left_s > 0) {
        rc = kerr_set(err, KERR_HTTP,
                      "throttled by the API server (Too Many Requests): next try in %ld s", left_s);
        if (err)
            err->http_status = 429;
        goto out;
    }
    req->retry_after_s = &retry_after_s;
    for (int attempt = 0;; attempt++) {
        struct kube_credentials cr;
        memset(&cr, 0, sizeof cr);
        if ((rc = kube_config_credentials(c->cfg, &cr, err)) < 0)
            goto out;
        req->bearer_token = cr.token;
        req->username = cr.username;
        req->password = cr.password;
        req->client_cert_pem = cr.client_cert_pem;
        req->client_cert_pem_len = cr.client_cert_pem_len;
        req->client_key_pem = cr.client_key_pem;
        req->client_key_pem_len = cr.client_key_pem_len;
        rc = http_perform(c->http, req, status, err);
        if (rc < 0)
            goto out;
        note_throttle(c, *status, retry_after_s);
        if (*status != 401 || attempt > 0 || !can_refresh)
            goto out;
        core_log(CORE_LOG_INFO, "%s: 401, refreshing credentials and retrying once", c->server);
        kube_config_invalidate_credentials(c->cfg);
    }
out:
    req->retry_after_s = NULL; /* a local of this call */
    if (rc < 0 && err && !err->where[0])
        kerr_where(err, "%s", c->server);
    return rc;
}

int kube_client_get(struct kube_client *c, const char *path, struct strbuf *body, struct kerr *err)
{
    int rc = 0;
    long status = 0;
    char *url = xasprintf("%s%s", c->server, path);
    struct http_request req = {
        .url = url,
        .timeout_ms = c->timeout_ms,
        .max_body_len = c->max_body_len,
        .body = body,
    };
    if ((rc = request(c, &req, &status, err)) < 0)
        goto out;
    if (status < 200 || status > 299)
        rc = status_error(c, status, body, err);
out:
    free(url);
    return rc;
}

int kube_client_post(struct kube_client *c, const char *path, const char *json_body,
                     struct strbuf *resp, struct kerr *err)
{
    int rc = 0;
    long status = 0;
    char *url = xasprintf("%s%s", c->server, path);
    struct http_request req = {
        .method = "POST",
        .url = url,
        .post_data = json_body ? json_body : "",
        .post_data_len = json_body ? strlen(json_body) : 0,
        .content_type = "application/json",
        .timeout_ms = c->timeout_ms,
        .max_body_len = c->max_body_len,
        .body = resp,
    };
    if ((rc = request(c, &req, &status, err)) < 0)
        goto out;
    if (status < 200 || status > 299)
        rc = status_error(c, status, resp, err);
out:
    free(url);
    return rc;
}

/* ---- paths ------------------------------------------------------------------ */

static void add_param(struct strbuf *sb, char *sep, const char *name, const char *value)
{
    strbuf_putc(sb, *sep);
    *sep = '&';
    strbuf_puts(sb, name);
    strbuf_putc(sb, '=');
    http_append_escaped(sb, value);
}

static void add_base_path(struct strbuf *sb, enum kube_kind kind, const struct kube_list_opts *o)
{
    strbuf_puts(sb, "/api/v1");
    if (kind != KUBE_KIND_NODE && o && o->ns && *o->ns) {
        strbuf_puts(sb, "/namespaces/");
        http_append_escaped(sb, o->ns);
    }
    strbuf_putc(sb, '/');
    strbuf_puts(sb, kind_resource(kind));
}

char *kube_path_build(enum kube_kind kind, const struct kube_list_opts *opts, size_t limit,
                      const char *continue_token, bool is_watch, const char *resource_version,
                      int timeout_s)
{
    struct strbuf sb;
    char sep = '?';
    char num[32];
    strbuf_init(&sb);
    add_base_path(&sb, kind, opts);
    if (is_watch) {
        add_param(&sb, &sep, "watch", "1");
        add_param(&sb, &sep, "allowWatchBookmarks", "true");
        if (resource_version && *resource_version)
            add_param(&sb, &sep, "resourceVersion", resource_version);
        if (timeout_s > 0) {
            snprintf(num, sizeof num, "%d", timeout_s);
            add_param(&sb, &sep, "timeoutSeconds", num);
        }
    } else {
        if (limit > 0) {
            snprintf(num, sizeof num, "%zu", limit);
            add_param(&sb, &sep, "limit", num);
        }
        if (continue_token && *continue_token)
            add_param(&sb, &sep, "continue", continue_token);
    }
    if (opts && opts->field_selector && *opts->field_selector)
        add_param(&sb, &sep, "fieldSelector", opts->field_selector);
    if (opts && opts->label_selector && *opts->label_selector)
        add_param(&sb, &sep, "labelSelector", opts->label_selector);
    return strbuf_take(&sb);
}

/* ---- list ------------------------------------------------------------------- */

static int list_impl(struct kube_client *c, enum kube_kind kind, const struct kube_list_opts *opts,
                     struct kube_snapshot *snap, volatile bool *stop, struct kerr *err)
{
    int rc = 0;
    struct strbuf page; /* reused for every page: one page in memory at a time */
    struct strbuf base;
    char *token = NULL, *rv = NULL, *path = NULL, *url = NULL;
    bool has_restarted = false;
    int page_no = 0;
    size_t limit = opts && opts->limit ? opts->limit : c->page_limit;
    strbuf_init(&page);
    strbuf_init(&base);
    add_base_path(&base, kind, opts);

    kind_clear(snap, kind);
    for (;;) {
        long status = 0;
        page_no++;
        free(path);
        free(url);
        path = kube_path_build(kind, opts, limit, token, false, NULL, 0);
        url = xasprintf("%s%s", c->server, path);
        struct http_request req = {
            .url = url,
            .timeout_ms = c->timeout_ms,
            .max_body_len = c->max_body_len,
            .body = &page,
            .cancel = stop,
        };
        if ((rc = request(c, &req, &status, err)) < 0) {
            if (err && (rc == -KERR_TRUNCATED || rc == -KERR_IO || rc == -KERR_TOOBIG)) {
                char detail[sizeof err->msg];
                snprintf(detail, sizeof detail, "%s", err->msg);
                kerr_set(err, -rc, "page %d of %s: %s", page_no, strbuf_str(&base), detail);
            }
            goto out;
        }
        if (status == 410 && token && !has_restarted) {
            /* The continue token expired: start again from a fresh snapshot. */
            core_log(CORE_LOG_INFO, "%s: continue token expired on page %d of %s; relisting",
                     c->server, page_no, strbuf_str(&base));
            has_restarted = true;
            kind_clear(snap, kind);
            free(token);
            token = NULL;
            page_no = 0;
            continue;
        }
        if (status < 200 || status > 299) {
            rc = status_error(c, status, &page, err);
            goto out;
        }

        struct kube_list_meta meta;
        struct kerr perr;
        memset(&meta, 0, sizeof meta);
        kerr_clear(&perr);
        rc = json_k8s_decode_list(kind, page.buf ? page.buf : "", page.len, snap, &meta, &perr);
        if (rc < 0) {
            kube_list_meta_done(&meta);
            rc = kerr_set(err, -rc, "page %d of %s: %s", page_no, strbuf_str(&base),
                          perr.msg[0] ? perr.msg : kerr_str(rc));
            if (err)
                err->http_status = 0;
            kerr_where(err, "%s", c->server);
            goto out;
        }
        free(token);
        token = meta.continue_token && *meta.continue_token ? xstrdup(meta.continue_token) : NULL;
        if (meta.resource_version)
            set_str(&rv, meta.resource_version);
        kube_list_meta_done(&meta);
        if (c->page_hook)
            c->page_hook(c->page_hook_ud, kind, page_no, token);
        if (!token)
            break;
    }
    set_str(kind_rv(snap, kind), rv);
out:
    if (rc < 0)
        kind_clear(snap, kind);
    free(path);
    free(url);
    free(token);
    free(rv);
    strbuf_done(&base);
    strbuf_done(&page);
    return rc;
}

int kube_list(struct kube_client *c, enum kube_kind kind, const struct kube_list_opts *opts,
              struct kube_snapshot *snap, struct kerr *err)
{
    return list_impl(c, kind, opts, snap, NULL, err);
}

/* ---- watch ------------------------------------------------------------------ */

struct watch_ctx {
    struct kube_client *c;
    enum kube_kind kind;
    kube_watch_fn fn;
    void *ud;
    char **last_rv;
    struct kerr *err;
};

static int watch_line(void *ud, const char *line, size_t len)
{
    struct watch_ctx *w = ud;
    struct kube_watch_event ev;
    struct kerr perr;
    int rc = 0;
    memset(&ev, 0, sizeof ev);
    kerr_clear(&perr);

    if ((rc = json_k8s_decode_watch_event(w->kind, line, len, &ev, &perr)) < 0) {
        rc = kerr_set(w->err, -rc, "watch %s: %s", kind_resource(w->kind),
                      perr.msg[0] ? perr.msg : kerr_str(rc));
        kerr_where(w->err, "%s", w->c->server);
        goto out;
    }
    if (ev.type == KWATCH_ERROR) {
        const char *msg = ev.error_message  ? ev.error_message
                          : ev.error_reason ? ev.error_reason
                                            : "watch ERROR event";
        int code = ev.error_code == 410 ? KERR_GONE
                   : ev.error_code > 0  ? status_code(ev.error_code)
                                        : KERR_SERVER;
        /* The response itself was 200: http_status stays 0, the code goes in the text. */
        rc = kerr_set(w->err, code, "watch ERROR event %d%s%s: %s", ev.error_code,
                      ev.error_reason ? " " : "", ev.error_reason ? ev.error_reason : "", msg);
        kerr_where(w->err, "%s", w->c->server);
        goto out;
    }
    if (ev.resource_version && *ev.resource_version && w->last_rv)
        set_str(w->last_rv, ev.resource_version);
    if (w->fn && w->fn(w->ud, &ev) != 0)
        rc = 1; /* stop cleanly */
out:
    kube_watch_event_done(&ev);
    return rc;
}

static int watch_impl(struct kube_client *c, enum kube_kind kind, const struct kube_list_opts *opts,
                      const char *resource_version, int timeout_s, kube_watch_fn fn, void *ud,
                      char **last_rv, volatile bool *stop, int64_t deadline_ms, struct kerr *err)
{
    int rc = 0;
    long status = 0;
    struct strbuf errbody;
    char *path = kube_path_build(kind, opts, 0, NULL, true, resource_version, timeout_s);
    char *url = xasprintf("%s%s", c->server, path);
    struct watch_ctx w = {
        .c = c,
        .kind = kind,
        .fn = fn,
        .ud = ud,
        .last_rv = last_rv,
        .err = err,
    };
    int idle_s = (timeout_s > 0 ? timeout_s : WATCH_MAX_TIMEOUT_S) + WATCH_IDLE_SLACK_S;
    int64_t own_deadline = http_now_ms() + (int64_t)idle_s * 1000;
    strbuf_init(&errbody);
    struct http_request req = {
        .url = url,
        .timeout_ms = 0, /* a watch lasts; the idle limit guards it */
        .idle_timeout_ms = (long)idle_s * 1000,
        .max_body_len = c->max_body_len, /* per line */
        .body = &errbody,
        .line_fn = watch_line,
        .line_ud = &w,
        .cancel = stop,
        .deadline_ms = deadline_ms && deadline_ms < own_deadline ? deadline_ms : own_deadline,
    };

    rc = request(c, &req, &status, err);
    if (rc == -KERR_CANCELLED) {
        rc = 0; /* stopped by the caller or its deadline: a normal end */
        goto out;
    }
    if (rc < 0)
        goto out;
    if (status < 200 || status > 299)
        rc = status_error(c, status, &errbody, err);
out:
    strbuf_done(&errbody);
    free(url);
    free(path);
    return rc;
}

int kube_watch(struct kube_client *c, enum kube_kind kind, const struct kube_list_opts *opts,
               const char *resource_version, int timeout_s, kube_watch_fn fn, void *ud,
               char **last_rv, struct kerr *err)
{
    return watch_impl(c, kind, opts, resource_version, timeout_s, fn, ud, last_rv, NULL, 0, err);
}

/* ---- sync ------------------------------------------------------------------- */

struct sync_ctx {
    struct kube_snapshot *snap;
    enum kube_kind kind;
    char **last_rv;
    long event_count;
};

static int sync_apply(void *ud, struct kube_watch_event *ev)
{
    struct sync_ctx *s = ud;
    s->event_count++;
    kube_snapshot_apply(s->snap, ev);
    if (*s->last_rv)
        set_str(kind_rv(s->snap, s->kind), *s->last_rv);
    return 0;
}

/* Worth retrying after a pause: the server or the network may recover. */
static bool is_transient(int rc, const struct kerr *err)
{
    switch (-rc) {
    case KERR_SERVER:
    case KERR_IO:
    case KERR_TRUNCATED:
    case KERR_CONNECT:
    case KERR_TIMEOUT:
    case KERR_PARSE:
    case KERR_GONE:
        return true;
    case KERR_HTTP:
        return err && err->http_status == 429;
    default:
        return false;
    }
}

int kube_sync(struct kube_client *c, enum kube_kind kind, const struct kube_list_opts *opts,
              struct kube_snapshot *snap, int duration_s, volatile bool *stop, int *relists,
              struct kerr *err)
{
    int rc = 0;
    int64_t end = duration_s > 0 ? http_now_ms() + (int64_t)duration_s * 1000 : 0;
    long backoff_ms = BACKOFF_MIN_MS;
    char *start_rv = NULL;
    char *last_rv = NULL;
    char **rvp = kind_rv(snap, kind);

    while (!is_stopped(stop) && !(end && http_now_ms() >= end)) {
        if (!*rvp) {
            rc = list_impl(c, kind, opts, snap, stop, err);
        } else {
            int timeout_s = c->watch_timeout_s;
            if (end) {
                int64_t left_s = (end - http_now_ms() + 999) / 1000;
                if (left_s < timeout_s)
                    timeout_s = left_s > 0 ? (int)left_s : 1;
            }
            set_str(&start_rv, *rvp);
            set_str(&last_rv, *rvp);
            struct sync_ctx s = {.snap = snap, .kind = kind, .last_rv = &last_rv};
            int64_t started = http_now_ms();
            rc = watch_impl(c, kind, opts, start_rv, timeout_s, sync_apply, &s, &last_rv, stop, end,
                            err);
            if (last_rv)
                set_str(rvp, last_rv);
            if (rc == 0 && s.event_count == 0 && http_now_ms() - started < 1000 &&
                !is_stopped(stop)) {
                /* Ended at once with nothing: do not hammer the server (client-go does
                 * the same). */
                sleep_interruptible(backoff_ms, stop, end);
                backoff_ms = backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : backoff_ms * 2;
                continue;
            }
            if (rc == -KERR_GONE) {
                /* rv too old: relist (the next turn), then watch again. */
                core_log(CORE_LOG_INFO, "%s: watch %s: %s; relisting", c->server,
                         kind_resource(kind), err ? err->msg : "410 Gone");
                free(*rvp);
                *rvp = NULL;
                if (relists)
                    (*relists)++;
                rc = 0;
                continue;
            }
        }
        if (rc == 0 || rc == -KERR_CANCELLED) {
            backoff_ms = BACKOFF_MIN_MS;
            rc = 0;
            continue;
        }
        if (!is_transient(rc, err))
            goto out;
        long wait_ms = backoff_ms;
        int64_t throttled_ms = atomic_load(&c->throttled_until_ms) - http_now_ms();
        if (throttled_ms > wait_ms)
            wait_ms = (long)throttled_ms; /* Retry-After: not a moment earlier */
        core_log(CORE_LOG_WARN, "%s: sync %s: %s; retrying in %ld ms", c->server,
                 kind_resource(kind), err ? err->msg : kerr_str(rc), wait_ms);
        sleep_interruptible(wait_ms, stop, end);
        backoff_ms = backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : backoff_ms * 2;
    }
    if (is_stopped(stop))
        rc = 0;
    if (rc == 0)
        kerr_clear(err);
out:
    free(start_rv);
    free(last_rv);
    return rc;
}
