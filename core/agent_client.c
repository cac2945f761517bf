/*
 * agent_client: discovery and polling of armortop-agent (see agent_client.h).
 *
 * A poll is a list of jobs, one per endpoint. Worker threads (at most
 * max_parallel) take jobs by an atomic index and run each node's requests in
 * sequence with the shared http client, writing only into their job. The
 * caller's thread then merges every job into the fleet: data replaced on
 * success, kept with an error otherwise, denial records appended to the ring
 * with the cursor moved past them.
 *
 * Depends on core/http, json_agent, kube_client, kubeconfig, model, kerr,
 * xalloc, log and pthreads. No curl or cJSON here; never prints.
 */
#include "config.h"
#include "agent_client.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "http.h"
#include "json_agent_reply.h"
#include "json_agent.h"
#include "json_k8s.h"
#include "log.h"
#include "xalloc.h"

#define DEFAULT_TIMEOUT_MS 5000L
#define DEFAULT_CONNECT_TIMEOUT_MS 3000L
#define DEFAULT_PARALLEL 16U
#define DEFAULT_DENIAL_PAGE 1000
#define DEFAULT_MAX_DENIALS 10000
#define DEFAULT_AGENT_PORT 9443
/* An agent's biggest honest answer (a page of 1000 denial records, a node's
 * containers) is well under 2 MiB; more is a broken or hostile agent, refused
 * unread (by Content-Length when announced) so one node cannot balloon the TUI. */
#define MAX_BODY_LEN ((size_t)8 << 20)
#define RESTART_SLACK_S 2 /* start times computed from uptime_s jitter by a second or two */

struct agent_client {
    struct kube_config *cfg; /* borrowed, may be NULL */
    struct http_client *http;
    char *token; /* direct endpoints, may be NULL */
    long timeout_ms;
    unsigned max_parallel;
    size_t denial_page;
    size_t max_denials;
};

/* ---- endpoints --------------------------------------------------------------- */

static char *dup_trimmed_url(const char *url)
{
    char *s = xstrdup(url ? url : "");
    for (size_t n = strlen(s); n > 0 && s[n - 1] == '/'; n--)
        s[n - 1] = '\0';
    return s;
}

struct agent_endpoint *agent_endpoint_direct_new(const char *node, const char *base_url)
{
    struct agent_endpoint *ep = xcalloc(1, sizeof *ep);
    ep->node = xstrdup(node ? node : "");
    ep->base_url = dup_trimmed_url(base_url);
    ep->path_prefix = xstrdup("");
    return ep;
}

void agent_endpoint_done(struct agent_endpoint *ep)
{
    if (!ep)
        return;
    free(ep->node);
    free(ep->base_url);
    free(ep->path_prefix);
    free(ep->pod);
    memset(ep, 0, sizeof *ep);
}

void agent_endpoints_free(struct agent_endpoint **eps, size_t count)
{
    if (!eps || !*eps)
        return;
    for (size_t i = 0; i < count; i++)
        agent_endpoint_done(&(*eps)[i]);
    free(*eps);
    *eps = NULL;
}

/* ---- client ------------------------------------------------------------------ */

int agent_client_new(struct kube_config *cfg, const struct agent_client_opts *opts,
                     struct agent_client **out, struct kerr *err)
{
    static const struct agent_client_opts no_opts;
    int rc = 0;
    struct agent_client *ac = xcalloc(1, sizeof *ac);
    *out = NULL;
    if (!opts)
        opts = &no_opts;
    ac->cfg = cfg;
    ac->token = xstrdup_or_null(opts->token);
    ac->timeout_ms = opts->timeout_ms > 0 ? opts->timeout_ms : DEFAULT_TIMEOUT_MS;
    ac->max_parallel = opts->max_parallel > 0 ? opts->max_parallel : DEFAULT_PARALLEL;
    ac->denial_page = opts->denial_page > 0 ? opts->denial_page : DEFAULT_DENIAL_PAGE;
    ac->max_denials =
        opts->max_denials_per_poll > 0 ? opts->max_denials_per_poll : DEFAULT_MAX_DENIALS;
    struct http_client_opts ho = {
        .connect_timeout_ms =
            opts->connect_timeout_ms > 0 ? opts->connect_timeout_ms : DEFAULT_CONNECT_TIMEOUT_MS,
    };
    if (cfg) {
        ho.ca_file = cfg->ca_file;
        ho.ca_pem = cfg->ca_data;
        ho.ca_pem_len = cfg->ca_data_len;
        ho.client_cert_file = cfg->client_cert_file;
        ho.client_cert_pem = cfg->client_cert_data;
        ho.client_cert_pem_len = cfg->client_cert_data_len;
        ho.client_key_file = cfg->client_key_file;
        ho.client_key_pem = cfg->client_key_data;
        ho.client_key_pem_len = cfg->client_key_data_len;
        ho.is_insecure = cfg->is_insecure;
        ho.tls_server_name = cfg->tls_server_name;
        ho.proxy_url = cfg->proxy_url;
    }
    if ((rc = http_client_new(&ho, &ac->http, err)) < 0)
        goto out;
    *out = ac;
    ac = NULL;
out:
    agent_client_free(&ac);
    return rc;
}

void agent_client_free(struct agent_client **acp)
{
    if (!acp || !*acp)
        return;
    struct agent_client *ac = *acp;
    http_client_free(&ac->http);
    free(ac->token);
    free(ac);
    *acp = NULL;
}

/* ---- discovery --------------------------------------------------------------- */

/* Preference of an agent pod for its node: higher is better. */
static int pod_rank(const struct json_agent_pod *p)
{
    if (p->is_terminating)
        return 0;
    if (p->is_ready)
        return 3;
    if (p->phase && strcmp(p->phase, "Running") == 0)
        return 2;
    return 1;
}

static int cmp_endpoint(const void *a, const void *b)
{
    const struct agent_endpoint *ea = a, *eb = b;
    return strcmp(ea->node, eb->node);
}

int agent_discover(const struct agent_client *ac, struct kube_client *kc,
                   struct agent_endpoint **eps, size_t *count, struct kerr *err)
{
    (void)ac; /* room for per-client discovery options */
    int rc = 0;
    struct strbuf body, path;
    struct json_agent_pod *pods = NULL;
    size_t npods = 0, n = 0;
    struct agent_endpoint *out = NULL;
    int *rank = NULL;
    strbuf_init(&body);
    strbuf_init(&path);
    *eps = NULL;
    *count = 0;

    strbuf_puts(&path, "/api/v1/pods?labelSelector=");
    http_append_escaped(&path, AGENT_POD_LABEL "=" AGENT_POD_LABEL_VALUE);
    if ((rc = kube_client_get(kc, strbuf_str(&path), &body, err)) < 0)
        goto out;
    if ((rc = json_agent_decode_pods(body.buf, body.len, &pods, &npods, err)) < 0) {
        kerr_where(err, "%s%s", kube_client_server(kc), strbuf_str(&path));
        goto out;
    }
    if (npods == 0)
        goto out;
    out = xcalloc(npods, sizeof *out);
    rank = xcalloc(npods, sizeof *rank);
    for (size_t i = 0; i < npods; i++) {
        const struct json_agent_pod *p = &pods[i];
        if (!p->node || !*p->node)
            continue; /* not scheduled: serves no node */
        size_t j = 0;
        while (j < n && strcmp(out[j].node, p->node) != 0)
            j++;
        int r = pod_rank(p);
        if (j < n && rank[j] >= r)
            continue;
        if (j == n)
            n++;
        else
            agent_endpoint_done(&out[j]);
        struct agent_endpoint *ep = &out[j];
        rank[j] = r;
        ep->node = xstrdup(p->node);
        ep->base_url = dup_trimmed_url(kube_client_server(kc));
        ep->is_via_apiserver = true;
        ep->pod = xasprintf("%s/%s", p->ns, p->name);
        struct strbuf pre;
        strbuf_init(&pre);
        strbuf_puts(&pre, "/api/v1/namespaces/");
        http_append_escaped(&pre, p->ns);
        strbuf_puts(&pre, "/pods/");
        if (p->port_name && strcmp(p->port_name, "https") == 0)
            strbuf_puts(&pre, "https:");
        http_append_escaped(&pre, p->name);
        strbuf_printf(&pre, ":%d/proxy", p->port > 0 ? p->port : DEFAULT_AGENT_PORT);
        ep->path_prefix = strbuf_take(&pre);
        strbuf_done(&pre);
    }
    if (n == 0) {
        free(out);
        out = NULL;
        goto out;
    }
    qsort(out, n, sizeof *out, cmp_endpoint);
    *eps = out;
    *count = n;
    out = NULL;
out:
    agent_endpoints_free(&out, n);
    free(rank);
    json_agent_pods_free(&pods, npods);
    strbuf_done(&path);
    strbuf_done(&body);
    return rc;
}

/* ---- one node's poll (worker threads) ------------------------------------------ */

/* Credentials resolved once per poll on the caller's thread (kube_config's
 * cache is not thread-safe), copied so the workers can share them. */
struct poll_creds {
    char *token; /* user's bearer token, may be NULL */
    char *cert_pem;
    size_t cert_pem_len;
    char *key_pem;
    size_t key_pem_len;
    char *username;
    char *password;
    char *hdr_agent_token; /* "X-Armortop-Authorization: Bearer ..." or NULL */
};

struct job {
    const struct agent_endpoint *ep;
    uint64_t cursor;      /* in: the node's cursor; out: the new one */
    int64_t prev_started; /* in: agent start time seen before, 0 unknown */
    int64_t now;
    /* out */
    int rc;
    struct kerr err;
    bool is_complete;         /* status, profiles and containers all decoded */
    struct agent_node status; /* status fields only */
    int64_t started;
    struct agent_node_profile *profiles;
    size_t profile_count;
    struct agent_node_container *containers;
    size_t container_count;
    struct agent_denial_record *denials;
    size_t denial_count, denial_cap;
    uint64_t dropped;
    bool is_restarted;
    char restart_why[96];
};

struct pool {
    struct agent_client *ac;
    const struct poll_creds *cr;
    struct job *jobs;
    size_t count;
    atomic_size_t next;
};

static int status_code(long status)
{
    if (status == 401)
        return KERR_UNAUTHORIZED;
    if (status == 403)
        return KERR_FORBIDDEN;
    if (status >= 500)
        return KERR_SERVER;
    return KERR_HTTP;
}

/* One request to an agent path (method NULL = GET, post may be NULL) into
 * body; *status gets the HTTP status (0 without an answer). 0 on 2xx;
 * negative KERR with err filled otherwise (the start of the agent's error). */
static int agent_do(struct pool *pl, const struct agent_endpoint *ep, const char *method,
                    const char *path, const char *post, size_t post_len, const char *ctype,
                    struct strbuf *body, long *status_out, struct kerr *err)
{
    struct agent_client *ac = pl->ac;
    const struct poll_creds *cr = pl->cr;
    char *url = xasprintf("%s%s%s", ep->base_url, ep->path_prefix, path);
    const char *headers[2] = {NULL, NULL};
    struct http_request req = {
        .method = method,
        .url = url,
        .post_data = post,
        .post_data_len = post_len,
        .content_type = ctype,
        .timeout_ms = ac->timeout_ms,
        .max_body_len = MAX_BODY_LEN,
        .body = body,
        .headers = headers,
    };
    long status = 0;
    int rc;
    if (ep->is_via_apiserver) {
        req.bearer_token = cr->token;
        req.username = cr->username;
        req.password = cr->password;
        req.client_cert_pem = cr->cert_pem;
        req.client_cert_pem_len = cr->cert_pem_len;
        req.client_key_pem = cr->key_pem;
        req.client_key_pem_len = cr->key_pem_len;
        headers[0] = cr->hdr_agent_token;
    } else {
        req.bearer_token = ac->token ? ac->token : cr->token;
    }
    kerr_clear(err);
    rc = http_perform(ac->http, &req, &status, err);
    if (status_out)
        *status_out = rc < 0 ? 0 : status;
    if (rc == -KERR_TOOBIG) {
        /* say whose limit it is: "response larger than 8388608 bytes" reads like a bug */
        rc = kerr_set(err, KERR_TOOBIG, "answer refused: larger than the %zu MiB limit for agent "
                      "answers", MAX_BODY_LEN >> 20);
    }
    if (rc < 0) {
        kerr_where(err, "%s", url);
        goto out;
    }
    if (status < 200 || status > 299) {
        /* what the agent ({"error":...}) or the API server (a Status: "agent not
         * running", "error trying to reach service") said; else the body's start.
         * kerr_format puts "HTTP <status>" in front: not repeated here. */
        char *said = NULL;
        struct agent_reply rep = {.line = -1};
        if (body->len && json_k8s_decode_status(body->buf, body->len, &said, NULL, NULL) != 0 &&
            json_agent_decode_reply(body->buf, body->len, &rep) == 0 && rep.error) {
            said = rep.error;
            rep.error = NULL;
        }
        agent_reply_done(&rep);
        size_t n = said ? strlen(said) : body->len;
        if (n > 300)
            n = 300;
        char snippet[301];
        memcpy(snippet, said ? said : body->buf ? body->buf : "", n);
        snippet[n] = '\0';
        free(said);
        for (size_t i = 0; i < n; i++) {
            /* one line, and nothing that could drive a terminal */
            if ((unsigned char)snippet[i] < 0x20 || snippet[i] == 0x7f)
                snippet[i] = ' ';
        }
        rc = kerr_set(err, status_code(status), "%s%s%s", http_reason_phrase(status),
                      n ? ": " : "", snippet);
        err->http_status = status;
        kerr_where(err, "%s", url);
    }
out:
    free(url);
    return rc;
}

/* GET one agent path into body. 0 on 2xx; negative KERR with err filled. */
static int agent_get(struct pool *pl, const struct agent_endpoint *ep, const char *path,
                     struct strbuf *body, struct kerr *err)
{
    return agent_do(pl, ep, NULL, path, NULL, 0, NULL, body, NULL, err);
}

static void job_add_denials(struct job *j, struct json_agent_denials *d)
{
    if (d->count == 0)
        return;
    if (j->denial_count + d->count > j->denial_cap) {
        j->denial_cap = (j->denial_count + d->count) * 2;
        j->denials = xreallocarray(j->denials, j->denial_cap, sizeof *j->denials);
    }
    memcpy(&j->denials[j->denial_count], d->records, d->count * sizeof *d->records);
    j->denial_count += d->count;
    free(d->records);
    d->records = NULL;
    d->count = 0;
}

static void mark_restart(struct job *j, const char *why)
{
    if (!j->is_restarted)
        snprintf(j->restart_why, sizeof j->restart_why, "%s", why);
    j->is_restarted = true;
}

static void poll_denials(struct pool *pl, struct job *j, struct strbuf *body)
{
    struct agent_client *ac = pl->ac;
    while (j->denial_count < ac->max_denials) {
        char path[96];
        struct json_agent_denials d;
        size_t limit = ac->denial_page;
        if (limit > ac->max_denials - j->denial_count)
            limit = ac->max_denials - j->denial_count;
        snprintf(path, sizeof path, "/v1/denials?since=%llu&limit=%zu",
                 (unsigned long long)j->cursor, limit);
        if ((j->rc = agent_get(pl, j->ep, path, body, &j->err)) < 0)
            return;
        if ((j->rc = json_agent_decode_denials(body->buf, body->len, j->ep->node, &d, &j->err)) <
            0) {
            kerr_where(&j->err, "%s%s%s", j->ep->base_url, j->ep->path_prefix, path);
            return;
        }
        if (d.is_reset || d.next < j->cursor) {
            /* the agent does not know our cursor: it restarted and counts from 1 again */
            mark_restart(j, d.is_reset ? "the agent did not know our denial cursor"
                                       : "the agent's denial cursor went backwards");
            if (!d.is_reset) {
                /* records after a cursor it never had: ask again from 0 */
                json_agent_denials_done(&d);
                j->cursor = 0;
                continue;
            }
        }
        j->dropped += d.dropped;
        size_t got = d.count;
        uint64_t prev = j->cursor;
        j->cursor = d.next;
        job_add_denials(j, &d);
        json_agent_denials_done(&d);
        if (got < limit || j->cursor == prev)
            break;
    }
}

static void poll_one(struct pool *pl, struct job *j)
{
    struct strbuf body;
    int64_t uptime = -1;
    strbuf_init(&body);
    j->status.revision = -1;

    if ((j->rc = agent_get(pl, j->ep, "/v1/status", &body, &j->err)) < 0)
        goto out;
    if ((j->rc = json_agent_decode_status(body.buf, body.len, &j->status, &uptime, &j->err)) < 0)
        goto bad;
    if (uptime >= 0) {
        j->started = j->now - uptime;
        if (j->prev_started > 0 && j->started > j->prev_started + RESTART_SLACK_S) {
            mark_restart(j, "the agent's start time moved forward");
            j->cursor = 0;
        }
    }
    int64_t rev = -1;
    if ((j->rc = agent_get(pl, j->ep, "/v1/profiles", &body, &j->err)) < 0)
        goto out;
    if ((j->rc = json_agent_decode_profiles(body.buf, body.len, &j->profiles, &j->profile_count,
                                            &rev, &j->err)) < 0)
        goto bad;
    if (rev >= 0)
        j->status.revision = rev;
    if ((j->rc = agent_get(pl, j->ep, "/v1/containers", &body, &j->err)) < 0)
        goto out;
    if ((j->rc = json_agent_decode_containers(body.buf, body.len, &j->containers,
                                              &j->container_count, &j->err)) < 0)
        goto bad;
    j->is_complete = true;
    poll_denials(pl, j, &body);
    goto out;
bad:
    kerr_where(&j->err, "%s%s", j->ep->base_url, j->ep->path_prefix);
out:
    strbuf_done(&body);
}

static void *worker(void *arg)
{
    struct pool *pl = arg;
    for (;;) {
        size_t i = atomic_fetch_add(&pl->next, 1);
        if (i >= pl->count)
            break;
        poll_one(pl, &pl->jobs[i]);
    }
    return NULL;
}

/* ---- merge (caller's thread) ---------------------------------------------------- */

static void set_owned(char **dst, char *src)
{
    free(*dst);
    *dst = src;
}

static void merge_job(struct agent_fleet *fleet, struct job *j, int64_t now)
{
    struct agent_node *n = agent_fleet_get(fleet, j->ep->node);
    set_owned(&n->endpoint, xasprintf("%s%s", j->ep->base_url, j->ep->path_prefix));
    set_owned(&n->agent_pod, xstrdup_or_null(j->ep->pod));
    n->attempted_at = now;
    if (j->is_restarted) {
        n->restart_count++;
        set_owned(&n->note, xasprintf("agent restarted (%s): denial cursor reset to 0 at %lld",
                                      j->restart_why, (long long)now));
    }
    /* denials received are kept even when a later request failed: the cursor
     * moved exactly past them */
    for (size_t i = 0; i < j->denial_count; i++)
        agent_fleet_push_denial_take(fleet, &j->denials[i]);
    n->denial_count += j->denial_count;
    n->denial_cursor = j->cursor;
    if (j->dropped) {
        n->denials_dropped += j->dropped;
        set_owned(&n->note, xasprintf("the agent lost %llu denial records (its ring overflowed)",
                                      (unsigned long long)n->denials_dropped));
    }
    if (j->is_complete) {
        agent_node_clear_profiles(n);
        agent_node_clear_containers(n);
        n->profiles = j->profiles;
        n->profile_count = j->profile_count;
        n->containers = j->containers;
        n->container_count = j->container_count;
        j->profiles = NULL;
        j->containers = NULL;
        j->profile_count = j->container_count = 0;
        agent_node_sort(n);
        n->is_aa_enabled = j->status.is_aa_enabled;
        set_owned(&n->aa_reason, j->status.aa_reason);
        set_owned(&n->version, j->status.version);
        j->status.aa_reason = j->status.version = NULL;
        n->revision = j->status.revision;
        if (j->started > 0)
            n->agent_started = j->started;
        n->has_data = true;
        n->fetched_at = now;
    }
    if (j->rc == 0) {
        n->state = AGENT_STATE_OK;
        set_owned(&n->error, NULL);
    } else {
        char buf[900];
        enum agent_state was = n->state;
        set_owned(&n->error, xstrdup(kerr_format(&j->err, buf, sizeof buf)));
        if (j->rc == -KERR_UNAUTHORIZED || j->rc == -KERR_FORBIDDEN)
            n->state = AGENT_STATE_UNAUTHORIZED;
        else if (n->has_data)
            n->state = AGENT_STATE_STALE;
        else
            n->state = AGENT_STATE_UNREACHABLE;
        /* once when the node goes bad, not once per poll (errors differ in
         * detail, "after 5001 ms"): the node's state and the status line carry it on */
        if (was != n->state)
            core_log(CORE_LOG_WARN, "agent on %s: %s", n->node, n->error);
    }
}

static void job_done(struct job *j)
{
    for (size_t i = 0; i < j->profile_count; i++)
        agent_node_profile_done(&j->profiles[i]);
    free(j->profiles);
    for (size_t i = 0; i < j->container_count; i++)
        agent_node_container_done(&j->containers[i]);
    free(j->containers);
    for (size_t i = 0; i < j->denial_count; i++)
        agent_denial_record_done(&j->denials[i]);
    free(j->denials);
    agent_node_done(&j->status);
}

static void creds_done(struct poll_creds *c)
{
    free(c->token);
    free(c->cert_pem);
    free(c->key_pem);
    free(c->username);
    free(c->password);
    free(c->hdr_agent_token);
    memset(c, 0, sizeof *c);
}

static char *dup_blob(const char *p, size_t len)
{
    if (!p || !len)
        return NULL;
    char *d = xmalloc(len + 1);
    memcpy(d, p, len);
    d[len] = '\0';
    return d;
}

/* Resolve the caller's credentials once, on the calling thread. */
static int creds_resolve(struct agent_client *ac, bool any_proxy, struct poll_creds *cr,
                         struct kerr *err)
{
    if (ac->cfg && (any_proxy || !ac->token)) {
        struct kube_credentials kc;
        memset(&kc, 0, sizeof kc);
        int rc = kube_config_credentials(ac->cfg, &kc, err);
        if (rc < 0)
            return rc;
        cr->token = xstrdup_or_null(kc.token);
        cr->cert_pem = dup_blob(kc.client_cert_pem, kc.client_cert_pem_len);
        cr->cert_pem_len = cr->cert_pem ? kc.client_cert_pem_len : 0;
        cr->key_pem = dup_blob(kc.client_key_pem, kc.client_key_pem_len);
        cr->key_pem_len = cr->key_pem ? kc.client_key_pem_len : 0;
        cr->username = xstrdup_or_null(kc.username);
        cr->password = xstrdup_or_null(kc.password);
    }
    if (cr->token && *cr->token)
        cr->hdr_agent_token = xasprintf("X-Armortop-Authorization: Bearer %s", cr->token);
    return 0;
}

static bool has_endpoint(const struct agent_endpoint *eps, size_t count, const char *node)
{
    for (size_t i = 0; i < count; i++) {
        if (strcmp(eps[i].node, node) == 0)
            return true;
    }
    return false;
}

int agent_poll_all(struct agent_client *ac, const struct agent_endpoint *eps, size_t count,
                   const struct kube_snapshot *snap, int64_t now, struct agent_fleet *fleet,
                   struct kerr *err)
{
    int rc = 0;
    struct poll_creds cr;
    struct job *jobs = NULL;
    pthread_t *threads = NULL;
    size_t nthreads = 0;
    memset(&cr, 0, sizeof cr);
    if (now <= 0)
        now = (int64_t)time(NULL);

    bool any_proxy = false;
    for (size_t i = 0; i < count; i++)
        any_proxy |= eps[i].is_via_apiserver;
    if ((rc = creds_resolve(ac, any_proxy, &cr, err)) < 0)
        goto out;

    if (count > 0) {
        jobs = xcalloc(count, sizeof *jobs);
        for (size_t i = 0; i < count; i++) {
            const struct agent_node *prev = agent_fleet_find(fleet, eps[i].node);
            jobs[i].ep = &eps[i];
            jobs[i].now = now;
            jobs[i].cursor = prev ? prev->denial_cursor : 0;
            jobs[i].prev_started = prev ? prev->agent_started : 0;
        }
        struct pool pl = {.ac = ac, .cr = &cr, .jobs = jobs, .count = count};
        atomic_init(&pl.next, 0);
        nthreads = count < ac->max_parallel ? count : ac->max_parallel;
        threads = xcalloc(nthreads, sizeof *threads);
        size_t started = 0;
        for (; started < nthreads; started++) {
            if (pthread_create(&threads[started], NULL, worker, &pl) != 0)
                break;
        }
        if (started == 0)
            worker(&pl); /* no thread could start: poll here, one node at a time */
        for (size_t i = 0; i < started; i++)
            pthread_join(threads[i], NULL);
        for (size_t i = 0; i < count; i++)
            merge_job(fleet, &jobs[i], now);
    }

    /* nodes without an agent: say so, and keep what an earlier agent told us */
    for (size_t i = 0; snap && i < snap->nodes.count; i++) {
        const char *name = snap->nodes.items[i].name;
        if (!name || has_endpoint(eps, count, name))
            continue;
        struct agent_node *n = agent_fleet_get(fleet, name);
        if (n->has_data) {
            n->state = AGENT_STATE_STALE;
            set_owned(&n->error, xstrdup("no armortop-agent pod on this node any more"));
        } else {
            n->state = AGENT_STATE_NONE;
        }
    }
    fleet->polled_at = now;
out:
    if (jobs) {
        for (size_t i = 0; i < count; i++)
            job_done(&jobs[i]);
    }
    free(jobs);
    free(threads);
    creds_done(&cr);
    return rc;
}

/* ---- one profile on one node: read and mutations ------------------------------ */

void agent_reply_done(struct agent_reply *r)
{
    if (!r)
        return;
    free(r->error);
    free(r->diagnostics);
    free(r->source);
    free(r->mode);
    memset(r, 0, sizeof *r);
    r->line = -1;
}

const struct agent_endpoint *agent_endpoint_find(const struct agent_endpoint *eps, size_t count,
                                                 const char *node)
{
    for (size_t i = 0; node && i < count; i++) {
        if (strcmp(eps[i].node, node) == 0)
            return &eps[i];
    }
    return NULL;
}

/* Valid profile name for a URL path segment: what the agent accepts too. */
static bool name_ok(const char *name)
{
    size_t n = name ? strlen(name) : 0;
    if (n == 0 || n > 1024 || strstr(name, "/..") || strncmp(name, "../", 3) == 0 ||
        strcmp(name, "..") == 0)
        return false;
    for (size_t i = 0; i < n; i++) {
        if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f)
            return false;
    }
    return true;
}

/* The one request behind every call below: resolve credentials, perform,
 * decode the agent's JSON answer into out (also on errors). */
static int profile_request(struct agent_client *ac, const struct agent_endpoint *ep,
                           const char *method, const char *name, const char *suffix,
                           const char *query, const char *post, size_t post_len,
                           const char *ctype, struct agent_reply *out, struct kerr *err)
{
    struct poll_creds cr;
    struct strbuf path, body;
    int rc;
    memset(&cr, 0, sizeof cr);
    strbuf_init(&path);
    strbuf_init(&body);
    agent_reply_done(out);
    if (!ac || !ep || !name_ok(name)) {
        rc = kerr_set(err, KERR_INVAL, "bad profile name or endpoint");
        goto out;
    }
    if ((rc = creds_resolve(ac, ep->is_via_apiserver, &cr, err)) < 0)
        goto out;
    strbuf_puts(&path, "/v1/profiles/");
    http_append_escaped(&path, name);
    if (suffix)
        strbuf_puts(&path, suffix);
    if (query)
        strbuf_puts(&path, query);
    struct pool pl = {.ac = ac, .cr = &cr};
    rc = agent_do(&pl, ep, method, strbuf_str(&path), post, post_len, ctype, &body,
                  &out->http_status, err);
    if (body.len)
        json_agent_decode_reply(body.buf, body.len, out);
    if (rc < 0 && out->http_status && out->error) {
        /* say what the agent said, not the start of its JSON */
        char where[sizeof err->where];
        snprintf(where, sizeof where, "%s", err->where);
        int code = err->code;
        long st = err->http_status;
        kerr_set(err, code, "HTTP %ld %s: %s", out->http_status,
                 http_reason_phrase(out->http_status), out->error);
        err->http_status = st;
        snprintf(err->where, sizeof err->where, "%s", where);
    }
    if (rc < 0 && !out->error) {
        char buf[600];
        out->error = xstrdup(kerr_format(err, buf, sizeof buf));
    }
out:
    creds_done(&cr);
    strbuf_done(&path);
    strbuf_done(&body);
    return rc;
}

/* The read-only gate, in core, in front of every mutation. */
static int gate_check(const struct actions_ctx *gate, const char *what, struct agent_reply *out,
                      struct kerr *err)
{
    const struct action_desc act = {.name = what, .cls = ACTION_CLASS_MUTATE};
    if (!gate)
        return kerr_set(err, KERR_INVAL, "%s: no action policy given", what);
    int rc = actions_check(gate, &act, err);
    if (rc < 0 && out) {
        agent_reply_done(out);
        out->error = xstrdup(err && err->msg[0] ? err->msg : "refused");
    }
    return rc;
}

int agent_profile_get(struct agent_client *ac, const struct agent_endpoint *ep, const char *name,
                      struct agent_reply *out, struct kerr *err)
{
    return profile_request(ac, ep, NULL, name, NULL, NULL, NULL, 0, NULL, out, err);
}

int agent_profile_put(struct agent_client *ac, const struct actions_ctx *gate,
                      const struct agent_endpoint *ep, const char *name, const char *text,
                      size_t len, struct agent_reply *out, struct kerr *err)
{
    int rc = gate_check(gate, "profile-load", out, err);
    if (rc < 0)
        return rc;
    if (!text)
        return kerr_set(err, KERR_INVAL, "no profile text");
    return profile_request(ac, ep, "PUT", name, NULL, NULL, text, len, "text/plain", out, err);
}

int agent_profile_delete(struct agent_client *ac, const struct actions_ctx *gate,
                         const struct agent_endpoint *ep, const char *name, bool force,
                         struct agent_reply *out, struct kerr *err)
{
    int rc = gate_check(gate, "profile-unload", out, err);
    if (rc < 0)
        return rc;
    return profile_request(ac, ep, "DELETE", name, NULL, force ? "?force=1" : NULL, NULL, 0,
                           NULL, out, err);
}

int agent_profile_set_mode(struct agent_client *ac, const struct actions_ctx *gate,
                           const struct agent_endpoint *ep, const char *name, const char *mode,
                           struct agent_reply *out, struct kerr *err)
{
    int rc = gate_check(gate, "profile-mode", out, err);
    if (rc < 0)
        return rc;
    if (!mode || (strcmp(mode, "enforce") != 0 && strcmp(mode, "complain") != 0))
        return kerr_set(err, KERR_INVAL, "mode must be enforce or complain");
    char body[40];
    int n = snprintf(body, sizeof body, "{\"mode\":\"%s\"}", mode);
    return profile_request(ac, ep, "POST", name, "/mode", NULL, body, (size_t)n, NULL, out, err);
}
