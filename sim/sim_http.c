/*
 * sim_http: armortop-sim's Kubernetes API server on libmicrohttpd.
 *
 * Request flow: the access handler decides the faults for the request (from a
 * seeded PRNG, never rand()), checks the bearer token, routes the path, and
 * answers with a `struct body`: an owned head and tail plus referenced,
 * pre-serialised objects that a content-reader callback streams without
 * copying them into one buffer. Faults that cut bodies are applied by that
 * reader (close mid-body, or _exit(3) mid-body). Watches use their own reader
 * that blocks on the store's condition variable; MHD runs one thread per
 * connection, so that is allowed and never stalls other clients.
 * Depends on libmicrohttpd, pthreads, core/xalloc, core/strbuf and the sim
 * modules; writes only to stderr.
 */
#include "config.h"
#include "sim_http.h"

#include <errno.h>
#include <inttypes.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "sim_table.h"
#include "sim_util.h"
#include "strbuf.h"
#include "xalloc.h"

#define BOOKMARK_INTERVAL_MS 1000
#define WATCH_DEFAULT_TIMEOUT_S 1800

struct sim_server {
    struct MHD_Daemon *daemon;
    struct sim_store *st;
    struct sim_gen *gen;
    char *token;
    const struct sim_auth *auth;
    struct sim_nodes *nodes;
    char *key_pem, *cert_pem;
    unsigned page_max;
    bool is_verbose, is_tls, is_anonymous_ok;
    int port;
    atomic_bool is_stopping;
    pthread_mutex_t fault_mu;
    struct sim_faults faults;
    uint64_t fault_rng;
    char rotated_token[128]; /* POST /sim/token?set=: replaces token for the API; "" none */
    atomic_ulong n_requests, n_lists, n_gets, n_watches, n_watches_active, n_control, n_faults;
};

void sim_faults_reset(struct sim_faults *f)
{
    memset(f, 0, sizeof *f);
    f->error_code = 500;
    f->die_after = -1;
}

/* ---- per-request state --------------------------------------------------------------- */

struct fault_pick {
    unsigned latency_ms, error_code, retry_after_s;
    bool is_drop, is_reset, is_error, is_truncate, is_malformed, is_die, is_watch_410_http;
    bool is_chunked;
};

#define MAX_REQUEST_BODY (8u * 1024 * 1024)

struct req {
    bool is_seen;
    bool is_started;
    bool is_control;
    bool is_too_large;
    struct fault_pick fault;
    char *raw_uri; /* as sent, with the query string (for the proxy) */
    struct strbuf body;
};

static struct req *req_new(const char *uri)
{
    struct req *rq = xcalloc(1, sizeof *rq);
    rq->raw_uri = xstrdup(uri ? uri : "");
    strbuf_init(&rq->body);
    return rq;
}

static void req_free(struct req *rq)
{
    if (!rq)
        return;
    free(rq->raw_uri);
    strbuf_done(&rq->body);
    free(rq);
}

static double mono_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void logf_(const struct sim_server *srv, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void logf_(const struct sim_server *srv, const char *fmt, ...)
{
    if (!srv->is_verbose)
        return;
    va_list ap;
    va_start(ap, fmt);
    fputs("armortop-sim: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

/* ---- bodies -------------------------------------------------------------------------- */

enum cut_mode { CUT_NONE, CUT_CLOSE, CUT_EXIT };

struct body {
    struct strbuf head, tail;
    struct sim_obj **items; /* owned references */
    size_t n;
    size_t total; /* announced length */
    size_t limit; /* bytes delivered before the cut */
    enum cut_mode cut;
    size_t seg, seg_off, pos;
};

static struct body *body_new(void)
{
    struct body *b = xcalloc(1, sizeof *b);
    strbuf_init(&b->head);
    strbuf_init(&b->tail);
    return b;
}

static void body_free(void *cls)
{
    struct body *b = cls;
    for (size_t i = 0; i < b->n; i++)
        sim_obj_unref(b->items[i]);
    free(b->items);
    strbuf_done(&b->head);
    strbuf_done(&b->tail);
    free(b);
}

static size_t body_nsegs(const struct body *b)
{
    return b->n ? 2 * b->n + 1 : 2;
}

static void body_seg(const struct body *b, size_t s, const char **p, size_t *len)
{
    if (s == 0) {
        *p = strbuf_str(&b->head);
        *len = b->head.len;
    } else if (s == body_nsegs(b) - 1) {
        *p = strbuf_str(&b->tail);
        *len = b->tail.len;
    } else if (s % 2 == 1) {
        *p = b->items[(s - 1) / 2]->json;
        *len = b->items[(s - 1) / 2]->json_len;
    } else {
        *p = ",";
        *len = 1;
    }
}

static void body_finish(struct body *b)
{
    size_t total = b->head.len + b->tail.len;
    for (size_t i = 0; i < b->n; i++)
        total += b->items[i]->json_len + (i ? 1 : 0);
    b->total = b->limit = total;
}

static ssize_t body_reader(void *cls, uint64_t pos, char *buf, size_t max)
{
    struct body *b = cls;
    (void)pos;
    if (b->pos >= b->limit) {
        if (b->cut == CUT_EXIT)
            _exit(3);
        if (b->cut == CUT_CLOSE)
            return MHD_CONTENT_READER_END_WITH_ERROR;
        return MHD_CONTENT_READER_END_OF_STREAM;
    }
    size_t want = b->limit - b->pos < max ? b->limit - b->pos : max, got = 0;
    while (got < want && b->seg < body_nsegs(b)) {
        const char *p;
        size_t len;
        body_seg(b, b->seg, &p, &len);
        size_t take = len - b->seg_off < want - got ? len - b->seg_off : want - got;
        memcpy(buf + got, p + b->seg_off, take);
        got += take;
        b->seg_off += take;
        if (b->seg_off == len) {
            b->seg++;
            b->seg_off = 0;
        }
    }
    b->pos += got;
    return got ? (ssize_t)got : MHD_CONTENT_READER_END_OF_STREAM;
}

static enum MHD_Result queue_body(struct sim_server *srv, struct MHD_Connection *conn,
                                  struct req *rq, unsigned status, struct body *b,
                                  const char *content_type, const char *url)
{
    if (!b->total)
        body_finish(b);
    if (!rq->is_control) {
        if (rq->fault.is_die) {
            b->limit = b->total / 2;
            b->cut = CUT_EXIT;
        } else if (rq->fault.is_truncate) {
            b->limit = b->total / 2;
            b->cut = CUT_CLOSE;
        } else if (rq->fault.is_malformed) {
            b->total = b->limit = b->total / 2;
        }
    }
    /* chunked: no Content-Length, as kube-apiserver streams large lists; a cut
     * then ends the body without its last chunk */
    bool is_chunked = !rq->is_control && rq->fault.is_chunked;
    struct MHD_Response *r = MHD_create_response_from_callback(
        is_chunked ? MHD_SIZE_UNKNOWN : b->total, 64 * 1024, body_reader, b, body_free);
    if (!r) {
        body_free(b);
        return MHD_NO;
    }
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
    MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache, private");
    if (!rq->is_control && rq->fault.is_error && rq->fault.retry_after_s && status >= 400) {
        char secs[16];
        snprintf(secs, sizeof secs, "%u", rq->fault.retry_after_s);
        MHD_add_response_header(r, MHD_HTTP_HEADER_RETRY_AFTER, secs);
    }
    enum MHD_Result ret = MHD_queue_response(conn, status, r);
    MHD_destroy_response(r);
    logf_(srv, "%s %u", url, status);
    return ret;
}

static enum MHD_Result queue_json(struct sim_server *srv, struct MHD_Connection *conn,
                                  struct req *rq, unsigned status, struct strbuf *json,
                                  const char *url)
{
    struct body *b = body_new();
    b->head = *json;
    strbuf_init(json);
    return queue_body(srv, conn, rq, status, b, "application/json", url);
}

static void status_json(struct strbuf *sb, unsigned code, const char *reason, const char *message,
                        const char *name, const char *kind)
{
    strbuf_puts(sb,
                "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\","
                "\"message\":");
    strbuf_json_str(sb, message);
    strbuf_puts(sb, ",\"reason\":");
    strbuf_json_str(sb, reason);
    if (name || kind) {
        strbuf_puts(sb, ",\"details\":{");
        if (name) {
            strbuf_puts(sb, "\"name\":");
            strbuf_json_str(sb, name);
        }
        if (kind) {
            strbuf_puts(sb, name ? ",\"kind\":" : "\"kind\":");
            strbuf_json_str(sb, kind);
        }
        strbuf_putc(sb, '}');
    }
    strbuf_printf(sb, ",\"code\":%u}", code);
}

static enum MHD_Result queue_status(struct sim_server *srv, struct MHD_Connection *conn,
                                    struct req *rq, unsigned code, const char *reason,
                                    const char *message, const char *name, const char *kind,
                                    const char *url)
{
    struct strbuf sb;
    strbuf_init(&sb);
    status_json(&sb, code, reason, message, name, kind);
    return queue_json(srv, conn, rq, code, &sb, url);
}

static const char *reason_for(unsigned code)
{
    switch (code) {
    case 400:
        return "BadRequest";
    case 401:
        return "Unauthorized";
    case 403:
        return "Forbidden";
    case 404:
        return "NotFound";
    case 405:
        return "MethodNotAllowed";
    case 409:
        return "Conflict";
    case 410:
        return "Expired";
    case 429:
        return "TooManyRequests";
    case 503:
        return "ServiceUnavailable";
    case 504:
        return "Timeout";
    default:
        return "InternalError";
    }
}

/* ---- selectors ------------------------------------------------------------------------ */

enum sel_op { SEL_EQ, SEL_NE, SEL_EXISTS, SEL_NOT_EXISTS };

struct sel_term {
    int field; /* enum sim_field, or -1 for a label */
    enum sel_op op;
    char *key, *val;
};

struct selector {
    struct sel_term *t;
    size_t n;
};

static void selector_done(struct selector *s)
{
    for (size_t i = 0; i < s->n; i++) {
        free(s->t[i].key);
        free(s->t[i].val);
    }
    free(s->t);
    memset(s, 0, sizeof *s);
}

static char *trim_dup(const char *s, size_t n)
{
    while (n && (*s == ' ' || *s == '\t')) {
        s++;
        n--;
    }
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    return xstrndup(s, n);
}

static bool field_allowed(enum sim_kind k, int f)
{
    switch (f) {
    case SIM_F_NAME:
        return true;
    case SIM_F_NAMESPACE:
        return k == SIM_KIND_POD || k == SIM_KIND_EVENT;
    case SIM_F_NODE_NAME:
        return k == SIM_KIND_POD;
    case SIM_F_PHASE:
        return k == SIM_KIND_POD || k == SIM_KIND_NAMESPACE;
    case SIM_F_IO_KIND:
    case SIM_F_IO_NAME:
    case SIM_F_IO_NAMESPACE:
    case SIM_F_IO_UID:
    case SIM_F_REASON:
    case SIM_F_TYPE:
        return k == SIM_KIND_EVENT;
    default:
        return false;
    }
}

/* Parse a field (is_field) or label selector. Returns 0, or -1 with a message. */
static int selector_parse(const char *s, bool is_field, enum sim_kind k, struct selector *out,
                          char *err, size_t err_len)
{
    memset(out, 0, sizeof *out);
    if (!s || !*s)
        return 0;
    const char *p = s;
    while (*p) {
        const char *end = strchr(p, ',');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        char *term = trim_dup(p, n);
        p += n + (end ? 1 : 0);
        if (!*term) {
            free(term);
            continue;
        }
        struct sel_term t = {.field = -1};
        char *op;
        if ((op = strstr(term, "!="))) {
            t.op = SEL_NE;
            t.key = trim_dup(term, (size_t)(op - term));
            t.val = trim_dup(op + 2, strlen(op + 2));
        } else if ((op = strstr(term, "=="))) {
            t.op = SEL_EQ;
            t.key = trim_dup(term, (size_t)(op - term));
            t.val = trim_dup(op + 2, strlen(op + 2));
        } else if ((op = strchr(term, '='))) {
            t.op = SEL_EQ;
            t.key = trim_dup(term, (size_t)(op - term));
            t.val = trim_dup(op + 1, strlen(op + 1));
        } else if (!is_field && term[0] == '!') {
            t.op = SEL_NOT_EXISTS;
            t.key = trim_dup(term + 1, strlen(term + 1));
        } else if (!is_field) {
            t.op = SEL_EXISTS;
            t.key = xstrdup(term);
        } else {
            snprintf(err, err_len, "invalid selector: '%s'; can't understand '%s'", s, term);
            free(term);
            goto fail;
        }
        free(term);
        bool bad_key = !t.key[0] || strpbrk(t.key, " ()!=<>") != NULL;
        if (!is_field && (bad_key || (t.val && strpbrk(t.val, " ()!=<>")))) {
            snprintf(err, err_len, "unable to parse requirement: invalid label selector \"%s\"", s);
            free(t.key);
            free(t.val);
            goto fail;
        }
        if (is_field) {
            t.field = sim_field_from_selector(t.key);
            if (t.field < 0 || !field_allowed(k, t.field)) {
                snprintf(err, err_len, "field label not supported: %s", t.key);
                free(t.key);
                free(t.val);
                goto fail;
            }
        }
        out->t = xreallocarray(out->t, out->n + 1, sizeof *out->t);
        out->t[out->n++] = t;
    }
    return 0;
fail:
    selector_done(out);
    return -1;
}

/* Value of label key in "k=v\n" lines, or NULL; *vlen receives its length. */
static const char *label_lookup(const char *labels, const char *key, size_t *vlen)
{
    size_t kl = strlen(key);
    for (const char *l = labels; *l;) {
        const char *nl = strchr(l, '\n');
        if (!nl)
            break;
        if (strncmp(l, key, kl) == 0 && l[kl] == '=') {
            *vlen = (size_t)(nl - (l + kl + 1));
            return l + kl + 1;
        }
        l = nl + 1;
    }
    return NULL;
}

static bool selector_match(const struct selector *s, const struct sim_obj *o)
{
    for (size_t i = 0; i < s->n; i++) {
        const struct sel_term *t = &s->t[i];
        if (t->field >= 0) {
            bool eq = strcmp(o->f[t->field], t->val) == 0;
            if ((t->op == SEL_EQ) != eq)
                return false;
            continue;
        }
        size_t vl = 0;
        const char *v = label_lookup(o->f[SIM_F_LABELS], t->key, &vl);
        switch (t->op) {
        case SEL_EXISTS:
            if (!v)
                return false;
            break;
        case SEL_NOT_EXISTS:
            if (v)
                return false;
            break;
        case SEL_EQ:
            if (!v || vl != strlen(t->val) || strncmp(v, t->val, vl) != 0)
                return false;
            break;
        case SEL_NE:
            if (v && vl == strlen(t->val) && strncmp(v, t->val, vl) == 0)
                return false;
            break;
        }
    }
    return true;
}

/* ---- request helpers -------------------------------------------------------------------- */

static const char *arg(struct MHD_Connection *c, const char *key)
{
    return MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, key);
}

static bool arg_true(struct MHD_Connection *c, const char *key)
{
    const char *v = arg(c, key);
    return v && (strcmp(v, "1") == 0 || strcasecmp(v, "true") == 0);
}

/* Parse a non-negative decimal; -1 when absent, -2 when invalid. */
static long long arg_num(struct MHD_Connection *c, const char *key)
{
    const char *v = arg(c, key);
    if (!v)
        return -1;
    if (!*v)
        return -2;
    char *end;
    errno = 0;
    long long n = strtoll(v, &end, 10);
    if (*end || errno || n < 0)
        return -2;
    return n;
}

static bool wants_table(struct MHD_Connection *c)
{
    const char *acc = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT);
    return acc && strstr(acc, "as=Table") && strstr(acc, "g=meta.k8s.io") && strstr(acc, "v=v1;");
}

static bool is_dns_label(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 63 || s[0] == '-' || s[n - 1] == '-')
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
            return false;
    return true;
}

/* ---- continue tokens ------------------------------------------------------------------- */

static char *continue_encode_key(uint64_t rv, const char *ns, const char *name)
{
    struct strbuf sb;
    strbuf_init(&sb);
    strbuf_printf(&sb, "{\"v\":\"meta.k8s.io/v1\",\"rv\":%" PRIu64 ",\"start\":", rv);
    char *key = xasprintf("%s/%s", ns, name);
    strbuf_json_str(&sb, key);
    strbuf_putc(&sb, '}');
    free(key);
    char *tok = sim_base64_encode(sb.buf, sb.len, true);
    strbuf_done(&sb);
    return tok;
}

static char *continue_encode(uint64_t rv, const struct sim_obj *last)
{
    return continue_encode_key(rv, last->f[SIM_F_NAMESPACE], last->f[SIM_F_NAME]);
}

/* Decode a token into rv, ns and name (owned). Returns 0 or -1. */
static int continue_decode(const char *tok, uint64_t *rv, char **ns, char **name)
{
    size_t len;
    char *raw = sim_base64_decode(tok, &len);
    if (!raw)
        return -1;
    unsigned long long r;
    char start[512];
    int rc = -1;
    if (strlen(raw) == len &&
        sscanf(raw, "{\"v\":\"meta.k8s.io/v1\",\"rv\":%llu,\"start\":\"%511[^\"]\"}", &r, start) ==
            2) {
        char *slash = strchr(start, '/');
        if (slash) {
            *rv = r;
            *ns = xstrndup(start, (size_t)(slash - start));
            *name = xstrdup(slash + 1);
            rc = 0;
        }
    }
    free(raw);
    return rc;
}

/* ---- list and get --------------------------------------------------------------------- */

static void list_meta(struct strbuf *sb, uint64_t rv, const char *cont, size_t remaining)
{
    strbuf_printf(sb, "\"metadata\":{\"resourceVersion\":\"%" PRIu64 "\"", rv);
    if (cont) {
        strbuf_printf(sb, ",\"continue\":\"%s\",\"remainingItemCount\":%zu", cont, remaining);
    }
    strbuf_putc(sb, '}');
}

static int key_cmp3(const struct sim_obj *o, const char *ns, const char *name)
{
    int c = strcmp(o->f[SIM_F_NAMESPACE], ns);
    return c ? c : strcmp(o->f[SIM_F_NAME], name);
}
static bool key_le(const struct sim_obj *o, const char *ns, const char *name)
{
    return key_cmp3(o, ns, name) <= 0;
}
static bool key_lt(const struct sim_obj *o, const char *ns, const char *name)
{
    return key_cmp3(o, ns, name) < 0;
}

static enum MHD_Result do_list(struct sim_server *srv, struct MHD_Connection *conn, struct req *rq,
                               enum sim_kind k, const char *ns, const char *only_name,
                               const char *url)
{
    struct sim_store *st = srv->st;
    struct selector fs, ls;
    char err[512];
    enum MHD_Result ret;
    char *cns = NULL, *cname = NULL, *cont = NULL;
    uint64_t crv = 0;
    struct sim_obj **items = NULL;
    size_t n = 0, cap = 0, remaining = 0;
    memset(&fs, 0, sizeof fs);
    memset(&ls, 0, sizeof ls);

    atomic_fetch_add(&srv->n_lists, 1);
    if (selector_parse(arg(conn, "fieldSelector"), true, k, &fs, err, sizeof err) != 0 ||
        selector_parse(arg(conn, "labelSelector"), false, k, &ls, err, sizeof err) != 0) {
        ret = queue_status(srv, conn, rq, 400, "BadRequest", err, NULL, NULL, url);
        goto out;
    }
    long long limit = arg_num(conn, "limit");
    if (limit == -2) {
        ret =
            queue_status(srv, conn, rq, 400, "BadRequest", "limit: Invalid value", NULL, NULL, url);
        goto out;
    }
    if (limit < 0)
        limit = 0;
    if (limit > 0 && srv->page_max && (unsigned long long)limit > srv->page_max)
        limit = srv->page_max;
    const char *tok = arg(conn, "continue");
    if (tok && *tok && continue_decode(tok, &crv, &cns, &cname) != 0) {
        ret = queue_status(srv, conn, rq, 400, "BadRequest",
                           "continue key is not valid: illegal base64 data or invalid JSON", NULL,
                           NULL, url);
        goto out;
    }

    bool is_forced_expiry = false;
    if (cns) {
        /* the expire_continue knob: as if compacted between two pages */
        pthread_mutex_lock(&srv->fault_mu);
        if (srv->faults.expire_continue > 0) {
            srv->faults.expire_continue--;
            is_forced_expiry = true;
        }
        pthread_mutex_unlock(&srv->fault_mu);
        if (is_forced_expiry)
            atomic_fetch_add(&srv->n_faults, 1);
    }
    pthread_mutex_lock(&st->mu);
    if (cns && (is_forced_expiry || sim_store_rv_expired(st, crv))) {
        /* Like kube-apiserver: offer a token for an inconsistent continuation at the
         * current rv in the Status metadata. */
        char *fresh = continue_encode_key(st->rv, cns, cname);
        pthread_mutex_unlock(&st->mu);
        struct strbuf sb;
        strbuf_init(&sb);
        status_json(&sb, 410, "Expired",
                    "The provided continue parameter is too old to display a consistent list "
                    "result. You can start a new list without the continue parameter, or use the "
                    "continue token in this response to retrieve the remainder of the results. "
                    "Continuing with the provided token results in an inconsistent list - objects "
                    "that were created, modified, or deleted between the time the first chunk was "
                    "returned and now may show up in the list.",
                    NULL, NULL);
        char *meta = xasprintf("\"metadata\":{\"continue\":\"%s\"}", fresh);
        char *at = strstr(sb.buf, "\"metadata\":{}");
        struct strbuf out;
        strbuf_init(&out);
        strbuf_append(&out, sb.buf, (size_t)(at - sb.buf));
        strbuf_puts(&out, meta);
        strbuf_puts(&out, at + strlen("\"metadata\":{}"));
        strbuf_done(&sb);
        free(meta);
        free(fresh);
        ret = queue_json(srv, conn, rq, 410, &out, url);
        goto out;
    }
    uint64_t list_rv = cns ? crv : st->rv;
    const struct sim_objvec *vec = &st->objs[k];
    /* A continuation lists the state as of the first page's rv: keys changed since
     * then are merged in with their version at that rv. */
    struct sim_touched *touched = NULL;
    size_t nt = cns && crv < st->rv ? sim_store_touched_since(st, k, crv, &touched) : 0;
    size_t i, t = 0;
    if (cns)
        i = sim_store_lower_bound(st, k, cns, cname, false);
    else if (ns)
        i = sim_store_lower_bound(st, k, ns, "", true);
    else
        i = 0;
    while (t < nt &&
           (cns ? key_le(touched[t].key, cns, cname) : ns && key_lt(touched[t].key, ns, "")))
        t++;
    for (;;) {
        struct sim_obj *cur = i < vec->count ? vec->v[i] : NULL;
        const struct sim_touched *tc = t < nt ? &touched[t] : NULL;
        if (!cur && !tc)
            break;
        int c = !tc ? -1 : !cur ? 1 : sim_obj_key_cmp(cur, tc->key);
        struct sim_obj *o;
        if (c < 0) {
            o = cur;
            i++;
        } else {
            o = tc->at_rv;
            t++;
            if (c == 0)
                i++;
        }
        if (!o)
            continue;
        if (ns && strcmp(o->f[SIM_F_NAMESPACE], ns) != 0) {
            if (strcmp(o->f[SIM_F_NAMESPACE], ns) > 0)
                break;
            continue;
        }
        if (only_name && strcmp(o->f[SIM_F_NAME], only_name) != 0)
            continue;
        if (!selector_match(&fs, o) || !selector_match(&ls, o))
            continue;
        if (limit > 0 && n == (size_t)limit) {
            remaining++;
            continue;
        }
        if (n == cap) {
            cap = cap ? cap * 2 : 256;
            items = xreallocarray(items, cap, sizeof *items);
        }
        items[n++] = sim_obj_ref(o);
    }
    free(touched);
    pthread_mutex_unlock(&st->mu);
    if (remaining)
        cont = continue_encode(list_rv, items[n - 1]);

    struct body *b = body_new();
    if (wants_table(conn)) {
        int64_t now = (int64_t)time(NULL);
        strbuf_puts(&b->head, "{\"kind\":\"Table\",\"apiVersion\":\"meta.k8s.io/v1\",");
        list_meta(&b->head, list_rv, cont, remaining);
        strbuf_puts(&b->head, ",\"columnDefinitions\":");
        sim_table_columns(&b->head, k);
        strbuf_puts(&b->head, ",\"rows\":[");
        for (size_t j = 0; j < n; j++) {
            if (j)
                strbuf_putc(&b->head, ',');
            sim_table_row(&b->head, items[j], now);
            sim_obj_unref(items[j]);
        }
        free(items);
        strbuf_puts(&b->head, "]}");
    } else {
        strbuf_printf(&b->head, "{\"kind\":\"%s\",\"apiVersion\":\"v1\",", sim_kind_list_name(k));
        list_meta(&b->head, list_rv, cont, remaining);
        strbuf_puts(&b->head, ",\"items\":[");
        strbuf_puts(&b->tail, "]}");
        b->items = items;
        b->n = n;
    }
    items = NULL;
    ret = queue_body(srv, conn, rq, 200, b, "application/json", url);
out:
    free(items);
    free(cont);
    free(cns);
    free(cname);
    selector_done(&fs);
    selector_done(&ls);
    return ret;
}

static enum MHD_Result do_get(struct sim_server *srv, struct MHD_Connection *conn, struct req *rq,
                              enum sim_kind k, const char *ns, const char *name, const char *url)
{
    struct sim_store *st = srv->st;
    atomic_fetch_add(&srv->n_gets, 1);
    pthread_mutex_lock(&st->mu);
    struct sim_obj *o = sim_store_find(st, k, ns ? ns : "", name);
    if (o)
        sim_obj_ref(o);
    pthread_mutex_unlock(&st->mu);
    if (!o) {
        char msg[512];
        snprintf(msg, sizeof msg, "%s \"%s\" not found", sim_kind_resource(k), name);
        return queue_status(srv, conn, rq, 404, "NotFound", msg, name, sim_kind_resource(k), url);
    }
    struct body *b = body_new();
    if (wants_table(conn)) {
        strbuf_puts(&b->head, "{\"kind\":\"Table\",\"apiVersion\":\"meta.k8s.io/v1\",");
        list_meta(&b->head, o->rv, NULL, 0);
        strbuf_puts(&b->head, ",\"columnDefinitions\":");
        sim_table_columns(&b->head, k);
        strbuf_puts(&b->head, ",\"rows\":[");
        sim_table_row(&b->head, o, (int64_t)time(NULL));
        strbuf_puts(&b->head, "]}");
        sim_obj_unref(o);
    } else {
        b->items = xmalloc(sizeof *b->items);
        b->items[0] = o;
        b->n = 1;
    }
    return queue_body(srv, conn, rq, 200, b, "application/json", url);
}

/* ---- watch ------------------------------------------------------------------------------ */

struct watch {
    struct sim_server *srv;
    struct MHD_Connection *conn;
    enum sim_kind kind;
    char *ns;   /* NULL = all */
    char *name; /* NULL = all */
    struct selector fs, ls;
    uint64_t pos_rv; /* every change up to here has been considered */
    uint64_t expired_rv;
    bool is_bookmarks, is_table, is_ended, is_die, is_truncate, is_expired, has_sent_columns;
    double deadline, next_bookmark;
    struct strbuf out;
    size_t out_off;
};

static void watch_free(void *cls)
{
    struct watch *w = cls;
    atomic_fetch_sub(&w->srv->n_watches_active, 1);
    selector_done(&w->fs);
    selector_done(&w->ls);
    strbuf_done(&w->out);
    free(w->ns);
    free(w->name);
    free(w);
}

static bool watch_match(const struct watch *w, const struct sim_obj *o)
{
    if (o->kind != w->kind)
        return false;
    if (w->ns && strcmp(o->f[SIM_F_NAMESPACE], w->ns) != 0)
        return false;
    if (w->name && strcmp(o->f[SIM_F_NAME], w->name) != 0)
        return false;
    return selector_match(&w->fs, o) && selector_match(&w->ls, o);
}

static void watch_expired_line(struct watch *w, uint64_t rv, uint64_t oldest)
{
    char msg[128];
    snprintf(msg, sizeof msg, "too old resource version: %" PRIu64 " (%" PRIu64 ")", rv, oldest);
    strbuf_puts(&w->out, "{\"type\":\"ERROR\",\"object\":");
    status_json(&w->out, 410, "Expired", msg, NULL, NULL);
    strbuf_puts(&w->out, "}\n");
    w->is_ended = true;
}

/* Append lines for changes after pos_rv; st->mu held. */
static void watch_collect(struct watch *w, struct sim_store *st)
{
    if (w->is_expired) {
        watch_expired_line(w, w->expired_rv, st->compact_rv);
        return;
    }
    if (w->pos_rv >= st->rv)
        return;
    if (sim_store_watch_lost(st, w->pos_rv)) {
        watch_expired_line(w, w->pos_rv, st->compact_rv);
        return;
    }
    /* The ring is ordered by rv: binary search the first change after pos_rv. */
    size_t lo = 0, hi = st->ring_count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (sim_store_change_at(st, mid)->obj->rv <= w->pos_rv)
            lo = mid + 1;
        else
            hi = mid;
    }
    int64_t now = (int64_t)time(NULL);
    for (size_t i = lo; i < st->ring_count; i++) {
        const struct sim_change *c = sim_store_change_at(st, i);
        if (!watch_match(w, c->obj))
            continue;
        strbuf_printf(&w->out, "{\"type\":\"%s\",\"object\":",
                      sim_change_type_name((enum sim_change_type)c->type));
        if (w->is_table) {
            strbuf_printf(&w->out,
                          "{\"kind\":\"Table\",\"apiVersion\":\"meta.k8s.io/v1\","
                          "\"metadata\":{\"resourceVersion\":\"%" PRIu64 "\"}",
                          c->obj->rv);
            if (!w->has_sent_columns) {
                strbuf_puts(&w->out, ",\"columnDefinitions\":");
                sim_table_columns(&w->out, w->kind);
                w->has_sent_columns = true;
            } else {
                strbuf_puts(&w->out, ",\"columnDefinitions\":null");
            }
            strbuf_puts(&w->out, ",\"rows\":[");
            sim_table_row(&w->out, c->obj, now);
            strbuf_puts(&w->out, "]}");
        } else {
            strbuf_append(&w->out, c->obj->json, c->obj->json_len);
        }
        strbuf_puts(&w->out, "}\n");
    }
    w->pos_rv = st->rv;
}

static bool client_gone(struct MHD_Connection *conn)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
    if (!ci)
        return false;
    char c;
    ssize_t r = recv(ci->connect_fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);
    return r == 0 || (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR);
}

static ssize_t watch_reader(void *cls, uint64_t pos, char *buf, size_t max)
{
    struct watch *w = cls;
    struct sim_store *st = w->srv->st;
    (void)pos;
    for (;;) {
        if (w->out.len > w->out_off) {
            if (w->is_die && w->out_off > 0)
                _exit(3);
            if (w->is_truncate && w->out_off > 0)
                return MHD_CONTENT_READER_END_WITH_ERROR; /* mid-event, no last chunk */
            size_t n = w->out.len - w->out_off;
            if ((w->is_die || w->is_truncate) && n > 1)
                n /= 2; /* leave something to die in the middle of */
            if (n > max)
                n = max;
            memcpy(buf, w->out.buf + w->out_off, n);
            w->out_off += n;
            if (w->out_off == w->out.len && !w->is_die && !w->is_truncate) {
                strbuf_reset(&w->out);
                w->out_off = 0;
            }
            return (ssize_t)n;
        }
        if (w->is_die && w->out_off > 0)
            _exit(3);
        if (w->is_ended)
            return MHD_CONTENT_READER_END_OF_STREAM;
        pthread_mutex_lock(&st->mu);
        if (st->is_shutdown) {
            w->is_ended = true;
        } else {
            watch_collect(w, st);
            double now = mono_now();
            if (w->out.len == 0 && !w->is_ended) {
                if (now >= w->deadline) {
                    w->is_ended = true;
                } else if (w->is_bookmarks && now >= w->next_bookmark) {
                    strbuf_printf(
                        &w->out,
                        "{\"type\":\"BOOKMARK\",\"object\":{\"kind\":\"%s\",\"apiVersion\":"
                        "\"v1\",\"metadata\":{\"resourceVersion\":\"%" PRIu64 "\"}}}\n",
                        sim_kind_name(w->kind), w->pos_rv);
                    w->next_bookmark = now + BOOKMARK_INTERVAL_MS / 1000.0;
                } else {
                    double until = w->deadline;
                    if (w->is_bookmarks && w->next_bookmark < until)
                        until = w->next_bookmark;
                    if (until > now + 1.0)
                        until = now + 1.0; /* wake up to notice a vanished client */
                    struct timespec ts;
                    clock_gettime(CLOCK_MONOTONIC, &ts);
                    double wait = until - now;
                    ts.tv_sec += (time_t)wait;
                    ts.tv_nsec += (long)((wait - (double)(time_t)wait) * 1e9);
                    if (ts.tv_nsec >= 1000000000L) {
                        ts.tv_sec++;
                        ts.tv_nsec -= 1000000000L;
                    }
                    pthread_cond_timedwait(&st->cond, &st->mu, &ts);
                }
            } else if (w->out.len) {
                w->next_bookmark = now + BOOKMARK_INTERVAL_MS / 1000.0;
            }
        }
        pthread_mutex_unlock(&st->mu);
        if (w->out.len == 0 && !w->is_ended && client_gone(w->conn))
            return MHD_CONTENT_READER_END_WITH_ERROR;
    }
}

static enum MHD_Result do_watch(struct sim_server *srv, struct MHD_Connection *conn, struct req *rq,
                                enum sim_kind k, const char *ns, const char *name, const char *url)
{
    struct sim_store *st = srv->st;
    char err[512];
    struct watch *w = xcalloc(1, sizeof *w);
    w->srv = srv;
    w->conn = conn;
    w->kind = k;
    w->ns = xstrdup_or_null(ns);
    w->name = xstrdup_or_null(name);
    strbuf_init(&w->out);
    atomic_fetch_add(&srv->n_watches, 1);
    atomic_fetch_add(&srv->n_watches_active, 1);
    if (selector_parse(arg(conn, "fieldSelector"), true, k, &w->fs, err, sizeof err) != 0 ||
        selector_parse(arg(conn, "labelSelector"), false, k, &w->ls, err, sizeof err) != 0) {
        watch_free(w);
        return queue_status(srv, conn, rq, 400, "BadRequest", err, NULL, NULL, url);
    }
    long long timeout = arg_num(conn, "timeoutSeconds");
    if (timeout == -2) {
        watch_free(w);
        return queue_status(srv, conn, rq, 400, "BadRequest", "timeoutSeconds: Invalid value", NULL,
                            NULL, url);
    }
    if (timeout < 0)
        timeout = WATCH_DEFAULT_TIMEOUT_S;
    if (timeout < 1)
        timeout = 1;
    long long rv = arg_num(conn, "resourceVersion");
    if (rv == -2 && arg(conn, "resourceVersion")[0]) {
        watch_free(w);
        return queue_status(srv, conn, rq, 400, "BadRequest",
                            "resourceVersion: Invalid value: must be a non-negative integer", NULL,
                            NULL, url);
    }
    w->is_bookmarks = arg_true(conn, "allowWatchBookmarks");
    w->is_table = wants_table(conn);
    w->is_die = rq->fault.is_die;
    w->is_truncate = rq->fault.is_truncate;
    w->deadline = mono_now() + (double)timeout;
    w->next_bookmark = mono_now() + BOOKMARK_INTERVAL_MS / 1000.0;
    pthread_mutex_lock(&st->mu);
    bool is_expired = false;
    uint64_t oldest = st->compact_rv;
    if (rv <= 0)
        w->pos_rv = st->rv; /* "0" or absent: start now */
    else if (sim_store_rv_expired(st, (uint64_t)rv))
        is_expired = true;
    else
        w->pos_rv = (uint64_t)rv;
    pthread_mutex_unlock(&st->mu);
    if (is_expired && rq->fault.is_watch_410_http) {
        char msg[128];
        snprintf(msg, sizeof msg, "too old resource version: %lld (%" PRIu64 ")", rv, oldest);
        watch_free(w);
        return queue_status(srv, conn, rq, 410, "Expired", msg, NULL, NULL, url);
    }
    /* Otherwise the stream carries one ERROR event and ends (watch_collect). */
    w->is_expired = is_expired;
    w->expired_rv = (uint64_t)rv;
    struct MHD_Response *r =
        MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 16 * 1024, watch_reader, w, watch_free);
    if (!r) {
        watch_free(w);
        return MHD_NO;
    }
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
    MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache, private");
    enum MHD_Result ret = MHD_queue_response(conn, 200, r);
    MHD_destroy_response(r);
    logf_(srv, "%s 200 (watch)", url);
    return ret;
}

/* ---- discovery ------------------------------------------------------------------------- */

static const char version_json[] =
    "{\"major\":\"1\",\"minor\":\"32\",\"gitVersion\":\"v1.32.0-armortop-sim\","
    "\"gitCommit\":\"0000000000000000000000000000000000000000\",\"gitTreeState\":\"clean\","
    "\"buildDate\":\"2025-01-01T00:00:00Z\",\"goVersion\":\"go1.23.4\",\"compiler\":\"gc\","
    "\"platform\":\"linux/amd64\"}";

static const char api_v1_json[] =
    "{\"kind\":\"APIResourceList\",\"groupVersion\":\"v1\",\"resources\":["
    "{\"name\":\"events\",\"singularName\":\"event\",\"namespaced\":true,\"kind\":\"Event\","
    "\"verbs\":[\"get\",\"list\",\"watch\"],\"shortNames\":[\"ev\"]},"
    "{\"name\":\"namespaces\",\"singularName\":\"namespace\",\"namespaced\":false,\"kind\":"
    "\"Namespace\","
    "\"verbs\":[\"get\",\"list\",\"watch\"],\"shortNames\":[\"ns\"]},"
    "{\"name\":\"nodes\",\"singularName\":\"node\",\"namespaced\":false,\"kind\":\"Node\","
    "\"verbs\":[\"get\",\"list\",\"watch\"],\"shortNames\":[\"no\"]},"
    "{\"name\":\"pods\",\"singularName\":\"pod\",\"namespaced\":true,\"kind\":\"Pod\","
    "\"verbs\":[\"get\",\"list\",\"watch\"],\"shortNames\":[\"po\"],\"categories\":[\"all\"]},"
    "{\"name\":\"pods/proxy\",\"singularName\":\"\",\"namespaced\":true,\"kind\":"
    "\"PodProxyOptions\",\"verbs\":[\"create\",\"delete\",\"get\",\"patch\",\"update\"]}]}";

#define GROUP_JSON(g)                                                                              \
    "{\"name\":\"" g "\",\"versions\":[{\"groupVersion\":\"" g "/v1\",\"version\":\"v1\"}],"      \
    "\"preferredVersion\":{\"groupVersion\":\"" g "/v1\",\"version\":\"v1\"}}"

static const char apis_json[] = "{\"kind\":\"APIGroupList\",\"apiVersion\":\"v1\",\"groups\":["
    GROUP_JSON("authentication.k8s.io") "," GROUP_JSON("authorization.k8s.io") "]}";

static const struct {
    const char *path, *json;
} group_docs[] = {
    {"/apis/authentication.k8s.io",
     "{\"kind\":\"APIGroup\",\"apiVersion\":\"v1\"," GROUP_JSON("authentication.k8s.io") "}"},
    {"/apis/authorization.k8s.io",
     "{\"kind\":\"APIGroup\",\"apiVersion\":\"v1\"," GROUP_JSON("authorization.k8s.io") "}"},
    {"/apis/authentication.k8s.io/v1",
     "{\"kind\":\"APIResourceList\",\"apiVersion\":\"v1\",\"groupVersion\":"
     "\"authentication.k8s.io/v1\",\"resources\":[{\"name\":\"tokenreviews\","
     "\"singularName\":\"tokenreview\",\"namespaced\":false,\"kind\":\"TokenReview\","
     "\"verbs\":[\"create\"]}]}"},
    {"/apis/authorization.k8s.io/v1",
     "{\"kind\":\"APIResourceList\",\"apiVersion\":\"v1\",\"groupVersion\":"
     "\"authorization.k8s.io/v1\",\"resources\":[{\"name\":\"subjectaccessreviews\","
     "\"singularName\":\"subjectaccessreview\",\"namespaced\":false,\"kind\":"
     "\"SubjectAccessReview\",\"verbs\":[\"create\"]}]}"},
};

static enum MHD_Result queue_const(struct sim_server *srv, struct MHD_Connection *conn,
                                   struct req *rq, unsigned status, const char *text,
                                   const char *content_type, const char *url)
{
    struct body *b = body_new();
    strbuf_puts(&b->head, text);
    return queue_body(srv, conn, rq, status, b, content_type, url);
}

/* ---- control endpoints ---------------------------------------------------------------- */

static unsigned arg_uint(struct MHD_Connection *c, const char *key, unsigned dflt, bool *bad)
{
    long long v = arg_num(c, key);
    if (v == -2 || v > 100000000)
        *bad = true;
    return v < 0 ? dflt : (unsigned)v;
}

static void stats_json(struct sim_server *srv, struct strbuf *sb)
{
    struct sim_store *st = srv->st;
    pthread_mutex_lock(&st->mu);
    size_t pods = st->objs[SIM_KIND_POD].count, nodes = st->objs[SIM_KIND_NODE].count;
    size_t events = st->objs[SIM_KIND_EVENT].count, nss = st->objs[SIM_KIND_NAMESPACE].count;
    uint64_t rv = st->rv, crv = st->compact_rv;
    size_t hist = st->ring_count;
    pthread_mutex_unlock(&st->mu);
    pthread_mutex_lock(&srv->fault_mu);
    struct sim_faults f = srv->faults;
    int is_rotated = srv->rotated_token[0] != '\0';
    pthread_mutex_unlock(&srv->fault_mu);
    strbuf_printf(sb,
                  "{\"requests\":%lu,\"lists\":%lu,\"gets\":%lu,\"watches\":%lu,"
                  "\"watchesActive\":%lu,\"control\":%lu,\"faultsInjected\":%lu,"
                  "\"pods\":%zu,\"nodes\":%zu,\"events\":%zu,\"namespaces\":%zu,"
                  "\"resourceVersion\":\"%" PRIu64 "\",\"compactResourceVersion\":\"%" PRIu64 "\","
                  "\"history\":%zu,\"faults\":{\"latency_ms\":%u,\"error_rate\":%u,"
                  "\"error_code\":%u,\"drop_rate\":%u,\"truncate_rate\":%u,\"malformed_rate\":%u,"
                  "\"die_after_requests\":%ld,\"watch_410_http\":%d,\"retry_after\":%u,"
                  "\"reset_rate\":%u,\"chunked\":%d,\"expire_continue\":%ld,"
                  "\"token_rotated\":%d},",
                  atomic_load(&srv->n_requests), atomic_load(&srv->n_lists),
                  atomic_load(&srv->n_gets), atomic_load(&srv->n_watches),
                  atomic_load(&srv->n_watches_active), atomic_load(&srv->n_control),
                  atomic_load(&srv->n_faults), pods, nodes, events, nss, rv, crv, hist,
                  f.latency_ms, f.error_rate, f.error_code, f.drop_rate, f.truncate_rate,
                  f.malformed_rate, f.die_after, f.is_watch_410_http, f.retry_after_s,
                  f.reset_rate, f.is_chunked, f.expire_continue, is_rotated);
    sim_nodes_stats_json(srv->nodes, sb);
    strbuf_putc(sb, '}');
}

static enum MHD_Result do_control(struct sim_server *srv, struct MHD_Connection *conn,
                                  struct req *rq, const char *method, const char *url)
{
    struct sim_store *st = srv->st;
    const char *op = url + strlen("/sim/");
    struct strbuf sb;
    strbuf_init(&sb);
    bool bad = false;
    atomic_fetch_add(&srv->n_control, 1);
    if (strcmp(op, "stats") == 0) {
        stats_json(srv, &sb);
        return queue_json(srv, conn, rq, 200, &sb, url);
    }
    if (strcmp(op, "truth") == 0) {
        sim_nodes_truth_json(srv->nodes, st, srv->gen, &sb);
        return queue_json(srv, conn, rq, 200, &sb, url);
    }
    if (strcmp(op, "denials") == 0 && strcmp(method, "POST") == 0) {
        unsigned count = arg_uint(conn, "count", 1, &bad);
        const char *node = arg(conn, "node");
        if (bad || !node || count > 100000)
            return queue_status(srv, conn, rq, 400, "BadRequest",
                                "node is required and count must be 0..100000", NULL, NULL, url);
        unsigned code = srv->nodes ? sim_nodes_write_denials(srv->nodes, node, count, &sb) : 404;
        if (!srv->nodes)
            strbuf_puts(&sb, "{\"error\":\"no simulated nodes\"}");
        return queue_json(srv, conn, rq, code, &sb, url);
    }
    if (strcmp(method, "POST") != 0) {
        return queue_status(srv, conn, rq, 405, "MethodNotAllowed",
                            "the server does not allow this method on the requested resource", NULL,
                            NULL, url);
    }
    if (strcmp(op, "mutate") == 0 || strcmp(op, "add") == 0) {
        unsigned count = arg_uint(conn, "count", 1, &bad);
        const char *ns = arg(conn, "ns");
        if (bad || (ns && !is_dns_label(ns)) || count > 1000000)
            return queue_status(srv, conn, rq, 400, "BadRequest", "invalid count or ns", NULL, NULL,
                                url);
        pthread_mutex_lock(&st->mu);
        unsigned done = op[0] == 'm' ? sim_gen_mutate(srv->gen, st, count)
                                     : sim_gen_add(srv->gen, st, count, ns);
        uint64_t rv = st->rv;
        pthread_mutex_unlock(&st->mu);
        strbuf_printf(&sb, "{\"%s\":%u,\"resourceVersion\":\"%" PRIu64 "\"}",
                      op[0] == 'm' ? "mutated" : "added", done, rv);
        return queue_json(srv, conn, rq, 200, &sb, url);
    }
    if (strcmp(op, "delete") == 0) {
        const char *ns = arg(conn, "ns"), *name = arg(conn, "name");
        if (!ns || !name)
            return queue_status(srv, conn, rq, 400, "BadRequest", "ns and name are required", NULL,
                                NULL, url);
        pthread_mutex_lock(&st->mu);
        int rc = sim_gen_delete(srv->gen, st, ns, name);
        uint64_t rv = st->rv;
        pthread_mutex_unlock(&st->mu);
        if (rc != 0) {
            char msg[512];
            snprintf(msg, sizeof msg, "pods \"%s\" not found", name);
            return queue_status(srv, conn, rq, 404, "NotFound", msg, name, "pods", url);
        }
        strbuf_printf(&sb, "{\"deleted\":1,\"resourceVersion\":\"%" PRIu64 "\"}", rv);
        return queue_json(srv, conn, rq, 200, &sb, url);
    }
    if (strcmp(op, "agent") == 0) {
        /* issue 7's agent faults: one node's real agent, see sim_nodes_agent_control */
        long long ring = arg_num(conn, "ring");
        const char *node = arg(conn, "node");
        if (!node || ring == -2 || ring > 10000000)
            return queue_status(srv, conn, rq, 400, "BadRequest",
                                "node is required and ring must be 1..10000000", NULL, NULL, url);
        unsigned code = srv->nodes ? sim_nodes_agent_control(srv->nodes, node, arg(conn, "fault"),
                                                             arg(conn, "action"),
                                                             ring > 0 ? (unsigned long)ring : 0, &sb)
                                   : 404;
        if (!srv->nodes)
            strbuf_puts(&sb, "{\"error\":\"no simulated nodes\"}");
        return queue_json(srv, conn, rq, code, &sb, url);
    }
    if (strcmp(op, "compact") == 0) {
        pthread_mutex_lock(&st->mu);
        sim_store_compact(st);
        uint64_t rv = st->rv;
        pthread_mutex_unlock(&st->mu);
        strbuf_printf(&sb, "{\"compacted\":true,\"resourceVersion\":\"%" PRIu64 "\"}", rv);
        return queue_json(srv, conn, rq, 200, &sb, url);
    }
    if (strcmp(op, "fault") == 0) {
        pthread_mutex_lock(&srv->fault_mu);
        struct sim_faults f = srv->faults;
        if (arg_true(conn, "reset"))
            sim_faults_reset(&f);
        f.latency_ms = arg_uint(conn, "latency_ms", f.latency_ms, &bad);
        f.error_rate = arg_uint(conn, "error_rate", f.error_rate, &bad);
        f.error_code = arg_uint(conn, "error_code", f.error_code, &bad);
        f.drop_rate = arg_uint(conn, "drop_rate", f.drop_rate, &bad);
        f.truncate_rate = arg_uint(conn, "truncate_rate", f.truncate_rate, &bad);
        f.malformed_rate = arg_uint(conn, "malformed_rate", f.malformed_rate, &bad);
        long long die = arg_num(conn, "die_after_requests");
        if (die == -2)
            bad = true;
        else if (die >= 0)
            f.die_after = (long)die;
        const char *w410 = arg(conn, "watch_410_http");
        if (w410)
            f.is_watch_410_http = strcmp(w410, "1") == 0 || strcasecmp(w410, "true") == 0;
        f.retry_after_s = arg_uint(conn, "retry_after", f.retry_after_s, &bad);
        f.reset_rate = arg_uint(conn, "reset_rate", f.reset_rate, &bad);
        const char *chunked = arg(conn, "chunked");
        if (chunked)
            f.is_chunked = strcmp(chunked, "1") == 0 || strcasecmp(chunked, "true") == 0;
        long long expire = arg_num(conn, "expire_continue");
        if (expire == -2)
            bad = true;
        else if (expire >= 0)
            f.expire_continue = (long)expire;
        if (f.error_rate > 100 || f.drop_rate > 100 || f.truncate_rate > 100 ||
            f.malformed_rate > 100 || f.reset_rate > 100 || f.error_code < 400 ||
            f.error_code > 599)
            bad = true;
        if (!bad)
            srv->faults = f;
        pthread_mutex_unlock(&srv->fault_mu);
        if (bad)
            return queue_status(srv, conn, rq, 400, "BadRequest",
                                "invalid fault parameter (rates are 0-100, error_code 400-599)",
                                NULL, NULL, url);
        stats_json(srv, &sb);
        return queue_json(srv, conn, rq, 200, &sb, url);
    }
    if (strcmp(op, "token") == 0) {
        /* Rotate the sim's own token (an expired credential): the API then wants
         * set=NEW instead; control requests keep taking the old one. */
        const char *set = arg(conn, "set");
        bool is_reset = arg_true(conn, "reset");
        if ((!set) == !is_reset || (set && (!*set || strlen(set) >= sizeof srv->rotated_token ||
                                            strpbrk(set, " \t\r\n\"'\\"))))
            return queue_status(srv, conn, rq, 400, "BadRequest",
                                "want set=TOKEN (no spaces or quotes) or reset=1", NULL, NULL,
                                url);
        pthread_mutex_lock(&srv->fault_mu);
        snprintf(srv->rotated_token, sizeof srv->rotated_token, "%s", set ? set : "");
        pthread_mutex_unlock(&srv->fault_mu);
        strbuf_printf(&sb, "{\"rotated\":%s}", set ? "true" : "false");
        return queue_json(srv, conn, rq, 200, &sb, url);
    }
    return queue_status(srv, conn, rq, 404, "NotFound",
                        "the server could not find the requested resource", NULL, NULL, url);
}


/* ---- pods proxy ------------------------------------------------------------------------- */

/* /api/v1/namespaces/{ns}/pods/{name}/proxy[/...] */
static bool is_pod_proxy(const char *url)
{
    if (strncmp(url, "/api/v1/namespaces/", 19) != 0)
        return false;
    const char *p = strchr(url + 19, '/');
    if (!p || strncmp(p, "/pods/", 6) != 0)
        return false;
    p = strchr(p + 6, '/');
    return p && strncmp(p, "/proxy", 6) == 0 && (p[6] == '\0' || p[6] == '/');
}

struct proxy_hdrs {
    struct strbuf *sb;
};

static bool is_hop_header(const char *k)
{
    static const char *const hop[] = {"Authorization", "Host", "Connection", "Keep-Alive",
                                      "Content-Length", "Transfer-Encoding", "Upgrade",
                                      "Proxy-Authorization", "Proxy-Connection", "TE",
                                      "Trailer", "Expect"};
    for (size_t i = 0; i < sizeof hop / sizeof hop[0]; i++)
        if (strcasecmp(k, hop[i]) == 0)
            return true;
    return false;
}

static enum MHD_Result collect_header(void *cls, enum MHD_ValueKind kind, const char *key,
                                      const char *value)
{
    struct proxy_hdrs *h = cls;
    (void)kind;
    if (!key || !value || is_hop_header(key) || strpbrk(key, "\r\n") || strpbrk(value, "\r\n"))
        return MHD_YES;
    strbuf_printf(h->sb, "%s: %s\r\n", key, value);
    return MHD_YES;
}

struct proxy_body {
    int fd;
    char *pending; /* body bytes read with the headers */
    size_t plen, poff;
    long long remaining; /* -1 = until EOF */
};

static void proxy_body_free(void *cls)
{
    struct proxy_body *pb = cls;
    if (pb->fd >= 0)
        close(pb->fd);
    free(pb->pending);
    free(pb);
}

static ssize_t proxy_reader(void *cls, uint64_t pos, char *buf, size_t max)
{
    struct proxy_body *pb = cls;
    (void)pos;
    if (pb->remaining == 0)
        return MHD_CONTENT_READER_END_OF_STREAM;
    if (pb->remaining > 0 && (long long)max > pb->remaining)
        max = (size_t)pb->remaining;
    if (pb->poff < pb->plen) {
        size_t n = pb->plen - pb->poff < max ? pb->plen - pb->poff : max;
        memcpy(buf, pb->pending + pb->poff, n);
        pb->poff += n;
        if (pb->remaining > 0)
            pb->remaining -= (long long)n;
        return (ssize_t)n;
    }
    for (;;) {
        ssize_t r = recv(pb->fd, buf, max, 0);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return MHD_CONTENT_READER_END_WITH_ERROR;
        if (r == 0)
            return pb->remaining > 0 ? MHD_CONTENT_READER_END_WITH_ERROR
                                     : MHD_CONTENT_READER_END_OF_STREAM;
        if (pb->remaining > 0)
            pb->remaining -= r;
        return r;
    }
}

static enum MHD_Result proxy_unavailable(struct sim_server *srv, struct MHD_Connection *conn,
                                         struct req *rq, unsigned code, const char *why,
                                         const char *url)
{
    char msg[1024];
    snprintf(msg, sizeof msg, "error trying to reach service: %s", why);
    return queue_status(srv, conn, rq, code, code == 503 ? "ServiceUnavailable" : "InternalError",
                        msg, NULL, NULL, url);
}

/* SIM_AGENT_HUGE_BYTES of valid JSON, made on the fly: only a size limit refuses it. */
static ssize_t huge_reader(void *cls, uint64_t pos, char *buf, size_t max)
{
    static const char head[] = "{\"padding\":\"", tail[] = "\"}";
    const size_t hl = sizeof head - 1, tl = sizeof tail - 1, total = SIM_AGENT_HUGE_BYTES;
    (void)cls;
    if (pos >= total)
        return MHD_CONTENT_READER_END_OF_STREAM;
    size_t n = total - (size_t)pos < max ? total - (size_t)pos : max;
    for (size_t i = 0; i < n; i++) {
        size_t at = (size_t)pos + i;
        buf[i] = at < hl ? head[at] : at >= total - tl ? tail[at - (total - tl)] : 'x';
    }
    return (ssize_t)n;
}

/* Answer for an agent with an injected fault (POST /sim/agent): hang until the
 * fault is cleared or the client gives up, garbage, or a 10 MiB body. */
static enum MHD_Result proxy_agent_fault(struct sim_server *srv, struct MHD_Connection *conn,
                                         struct req *rq, enum sim_agent_fault af,
                                         const char *node, const char *target, const char *url)
{
    struct MHD_Response *r = NULL;
    if (af == SIM_AGENT_FAULT_HANG) {
        /* MHD gives each connection its own thread: sleeping here stalls only this one */
        double until = mono_now() + 600;
        while (sim_nodes_agent_fault(srv->nodes, node) == SIM_AGENT_FAULT_HANG &&
               !atomic_load(&srv->is_stopping) && !client_gone(conn) && mono_now() < until)
            usleep(50 * 1000);
        logf_(srv, "%s -> %s%s: hang ended (proxy)", url, node, target);
        return proxy_unavailable(srv, conn, rq, 503, "the agent hung (simulated)", url);
    }
    if (af == SIM_AGENT_FAULT_GARBAGE) {
        /* control bytes and invalid UTF-8 too: error messages must not pass them on */
        static const char garbage[] = "<html>\x1b[31mnot json\x01\x02\xff\xfe</html>\n{{{";
        r = MHD_create_response_from_buffer(sizeof garbage - 1, (void *)garbage,
                                            MHD_RESPMEM_PERSISTENT);
    } else {
        r = MHD_create_response_from_callback(SIM_AGENT_HUGE_BYTES, 64 * 1024, huge_reader, NULL,
                                              NULL);
    }
    if (!r)
        return MHD_NO;
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
    MHD_add_response_header(r, "X-Armortop-Sim-Fault", sim_agent_fault_name(af));
    enum MHD_Result ret = MHD_queue_response(conn, 200, r);
    MHD_destroy_response(r);
    logf_(srv, "%s -> %s%s: fault %s (proxy)", url, node, target, sim_agent_fault_name(af));
    return ret;
}

static enum MHD_Result do_proxy(struct sim_server *srv, struct MHD_Connection *conn,
                                struct req *rq, const char *method, const char *url)
{
    /* Names from the decoded url; the forwarded path and query from the raw one. */
    char ns[256], spec[256];
    const char *p = url + 19, *slash = strchr(p, '/');
    snprintf(ns, sizeof ns, "%.*s", (int)(slash - p), p);
    p = slash + 6;
    slash = strchr(p, '/');
    snprintf(spec, sizeof spec, "%.*s", (int)(slash - p), p);
    /* [scheme:]name[:port] */
    char *scheme = NULL, *name = spec, *port = NULL;
    char *c1 = strchr(spec, ':');
    if (c1) {
        *c1 = '\0';
        char *c2 = strchr(c1 + 1, ':');
        if (c2) {
            *c2 = '\0';
            scheme = spec;
            name = c1 + 1;
            port = c2 + 1;
        } else if (strcmp(spec, "http") == 0 || strcmp(spec, "https") == 0) {
            scheme = spec;
            name = c1 + 1;
        } else {
            port = c1 + 1;
        }
    }
    (void)scheme; /* the simulated agents serve plain HTTP on loopback */
    const char *raw = strstr(rq->raw_uri, "/proxy");
    const char *fwd = raw ? raw + 6 : "";
    char *target = xasprintf("%s%s", fwd[0] == '/' ? "" : "/", fwd);

    struct sim_store *st = srv->st;
    char node[64] = "";
    bool is_agent = false;
    pthread_mutex_lock(&st->mu);
    struct sim_obj *o = sim_store_find(st, SIM_KIND_POD, ns, name);
    if (o) {
        snprintf(node, sizeof node, "%s", o->f[SIM_F_NODE_NAME]);
        is_agent = o->gen_idx == SIM_AGENT_GEN_IDX;
    }
    pthread_mutex_unlock(&st->mu);
    enum MHD_Result ret;
    char endpoint[96], why[768];
    if (!o) {
        char msg[512];
        snprintf(msg, sizeof msg, "pods \"%s\" not found", name);
        ret = queue_status(srv, conn, rq, 404, "NotFound", msg, name, "pods", url);
        goto out;
    }
    if (port && *port && strcmp(port, "9443") != 0 && strcmp(port, "https") != 0) {
        snprintf(why, sizeof why, "dial tcp: pod %s has no port %s", name, port);
        ret = proxy_unavailable(srv, conn, rq, 503, why, url);
        goto out;
    }
    if (is_agent && sim_nodes_is_lite(srv->nodes, node)) {
        /* A lite agent: answered here, from the node's in-memory state. */
        struct strbuf sb;
        strbuf_init(&sb);
        const char *ctype = "application/json";
        const char *tok =
            MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-Armortop-Authorization");
        unsigned code =
            sim_nodes_lite_serve(srv->nodes, node, method, target, tok, &ctype, &sb);
        size_t len = sb.len;
        char *buf = len ? strbuf_take(&sb) : NULL;
        struct MHD_Response *r =
            MHD_create_response_from_buffer(len, buf, buf ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
        if (!r) {
            free(buf);
            ret = MHD_NO;
            goto out;
        }
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
        MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
        MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
        MHD_add_response_header(r, "X-Armortop-Sim-Lite", "1");
        if (code == 401)
            MHD_add_response_header(r, MHD_HTTP_HEADER_WWW_AUTHENTICATE,
                                    "Bearer realm=\"armortop-agent\"");
        if (code == 405)
            MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, PUT, DELETE, POST");
        ret = MHD_queue_response(conn, code, r);
        MHD_destroy_response(r);
        logf_(srv, "%s %s -> lite %s%s %u (proxy)", method, url, node, target, code);
        goto out;
    }
    enum sim_agent_fault af = is_agent ? sim_nodes_agent_fault(srv->nodes, node)
                                       : SIM_AGENT_FAULT_NONE;
    if (af != SIM_AGENT_FAULT_NONE) {
        ret = proxy_agent_fault(srv, conn, rq, af, node, target, url);
        goto out;
    }
    if (!is_agent || !sim_nodes_endpoint(srv->nodes, node, endpoint, sizeof endpoint)) {
        snprintf(why, sizeof why, "dial tcp: pod %s/%s on %s: %s", ns, name, node,
                 is_agent ? "agent not running" : "no simulated backend");
        ret = proxy_unavailable(srv, conn, rq, 503, why, url);
        goto out;
    }
    int aport = atoi(strrchr(endpoint, ':') + 1);
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)aport)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    struct timeval tv = {.tv_sec = 60};
    if (fd >= 0) {
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    }
    if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        snprintf(why, sizeof why, "dial tcp 127.0.0.1:%d: connect: %s", aport, strerror(errno));
        if (fd >= 0)
            close(fd);
        ret = proxy_unavailable(srv, conn, rq, 503, why, url);
        goto out;
    }
    struct strbuf req;
    strbuf_init(&req);
    strbuf_printf(&req, "%s %s HTTP/1.0\r\nHost: 127.0.0.1:%d\r\n", method, target, aport);
    struct proxy_hdrs h = {.sb = &req};
    MHD_get_connection_values(conn, MHD_HEADER_KIND, collect_header, &h);
    strbuf_puts(&req, "X-Forwarded-For: 127.0.0.1\r\n");
    if (rq->body.len || strcmp(method, "POST") == 0 || strcmp(method, "PUT") == 0)
        strbuf_printf(&req, "Content-Length: %zu\r\n", rq->body.len);
    strbuf_puts(&req, "\r\n");
    strbuf_append(&req, rq->body.buf ? rq->body.buf : "", rq->body.len);
    size_t off = 0;
    while (off < req.len) {
        ssize_t w = send(fd, req.buf + off, req.len - off, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            break;
        off += (size_t)w;
    }
    strbuf_done(&req);
    /* Response head. */
    char *head = xmalloc(65536 + 1);
    size_t hlen = 0;
    char *end = NULL;
    while (hlen < 65536) {
        ssize_t r = recv(fd, head + hlen, 65536 - hlen, 0);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        hlen += (size_t)r;
        head[hlen] = '\0';
        if ((end = strstr(head, "\r\n\r\n")))
            break;
    }
    unsigned status = 0;
    if (!end || sscanf(head, "HTTP/%*d.%*d %u", &status) != 1 || status < 100 || status > 599) {
        free(head);
        close(fd);
        snprintf(why, sizeof why, "bad response from the agent at 127.0.0.1:%d", aport);
        ret = proxy_unavailable(srv, conn, rq, 502, why, url);
        goto out;
    }
    struct proxy_body *pb = xcalloc(1, sizeof *pb);
    pb->fd = fd;
    pb->remaining = -1;
    size_t body_off = (size_t)(end - head) + 4;
    pb->plen = hlen - body_off;
    pb->pending = xmalloc(pb->plen + 1);
    memcpy(pb->pending, head + body_off, pb->plen);
    *end = '\0';
    /* Parse the header lines (after the status line). */
    struct strbuf keep;
    strbuf_init(&keep);
    char *line = strstr(head, "\r\n");
    long long clen = -1;
    while (line) {
        line += 2; /* past "\r\n" (or the "\0\n" left by the previous line) */
        char *next = strstr(line, "\r\n");
        if (next)
            *next = '\0';
        char *colon = strchr(line, ':');
        if (colon) {
            *colon = '\0';
            const char *v = colon + 1;
            while (*v == ' ' || *v == '\t')
                v++;
            if (strcasecmp(line, "Content-Length") == 0)
                clen = atoll(v);
            else if (!is_hop_header(line))
                strbuf_printf(&keep, "%s%c%s%c", line, '\0', v, '\0');
        }
        line = next;
    }
    if (strcmp(method, "HEAD") == 0)
        clen = 0;
    pb->remaining = clen;
    struct MHD_Response *r = MHD_create_response_from_callback(
        clen >= 0 ? (uint64_t)clen : MHD_SIZE_UNKNOWN, 64 * 1024, proxy_reader, pb,
        proxy_body_free);
    if (!r) {
        proxy_body_free(pb);
        strbuf_done(&keep);
        free(head);
        ret = MHD_NO;
        goto out;
    }
    for (size_t i = 0; i < keep.len;) {
        const char *k = keep.buf + i;
        const char *v = k + strlen(k) + 1;
        MHD_add_response_header(r, k, v);
        i = (size_t)(v - keep.buf) + strlen(v) + 1;
    }
    strbuf_done(&keep);
    free(head);
    ret = MHD_queue_response(conn, status, r);
    MHD_destroy_response(r);
    logf_(srv, "%s %s -> %s%s %u (proxy)", method, url, endpoint, target, status);
out:
    free(target);
    return ret;
}

/* ---- routing ---------------------------------------------------------------------------- */

static void pick_faults(struct sim_server *srv, struct fault_pick *fp)
{
    memset(fp, 0, sizeof *fp);
    pthread_mutex_lock(&srv->fault_mu);
    struct sim_faults *f = &srv->faults;
    fp->latency_ms = f->latency_ms;
    fp->error_code = f->error_code;
    fp->is_watch_410_http = f->is_watch_410_http;
    fp->retry_after_s = f->retry_after_s;
    fp->is_chunked = f->is_chunked;
    if (f->die_after == 0)
        fp->is_die = true;
    else if (f->die_after > 0)
        f->die_after--;
    uint64_t *r = &srv->fault_rng;
    fp->is_drop = f->drop_rate && sim_rng_next(r) % 100 < f->drop_rate;
    fp->is_error = f->error_rate && sim_rng_next(r) % 100 < f->error_rate;
    fp->is_truncate = f->truncate_rate && sim_rng_next(r) % 100 < f->truncate_rate;
    fp->is_malformed = f->malformed_rate && sim_rng_next(r) % 100 < f->malformed_rate;
    fp->is_reset = f->reset_rate && sim_rng_next(r) % 100 < f->reset_rate;
    pthread_mutex_unlock(&srv->fault_mu);
    if (fp->is_drop || fp->is_reset || fp->is_error || fp->is_truncate || fp->is_malformed ||
        fp->is_die)
        atomic_fetch_add(&srv->n_faults, 1);
}

static bool authorized(struct sim_server *srv, struct MHD_Connection *conn, bool is_control)
{
    const char *h =
        MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
    if (!h && srv->is_anonymous_ok)
        return true;
    if (!h || strncasecmp(h, "Bearer ", 7) != 0)
        return false;
    /* a rotated token: the new one stands for the old, which the API refuses */
    pthread_mutex_lock(&srv->fault_mu);
    bool is_new = srv->rotated_token[0] && strcmp(h + 7, srv->rotated_token) == 0;
    bool is_old = srv->rotated_token[0] && strcmp(h + 7, srv->token) == 0;
    pthread_mutex_unlock(&srv->fault_mu);
    if (is_new)
        return true;
    if (is_old && !is_control)
        return false;
    if (srv->auth)
        return sim_auth_find(srv->auth, h + 7) != NULL;
    return strcmp(h + 7, srv->token) == 0;
}

/* Split url into at most 8 segments (pointers into a copy). */
static size_t split_path(char *path, char **seg, size_t max)
{
    size_t n = 0;
    for (char *save = NULL, *t = strtok_r(path, "/", &save); t; t = strtok_r(NULL, "/", &save)) {
        if (n == max)
            return max + 1;
        seg[n++] = t;
    }
    return n;
}

static enum MHD_Result route_api(struct sim_server *srv, struct MHD_Connection *conn,
                                 struct req *rq, const char *url)
{
    char *copy = xstrdup(url);
    char *seg[8];
    size_t n = split_path(copy, seg, 8);
    enum MHD_Result ret;
    const char *ns = NULL, *name = NULL;
    int kind = -1;
    /* seg: api v1 [namespaces NS] RES [NAME] */
    if (n >= 3 && strcmp(seg[0], "api") == 0 && strcmp(seg[1], "v1") == 0) {
        if (strcmp(seg[2], "namespaces") == 0 && n >= 5) {
            ns = seg[3];
            kind = sim_kind_from_resource(seg[4]);
            if (kind >= 0 && !sim_kind_is_namespaced((enum sim_kind)kind))
                kind = -1;
            if (n == 6)
                name = seg[5];
            else if (n > 6)
                kind = -1;
        } else if (n <= 4) {
            kind = sim_kind_from_resource(seg[2]);
            if (n == 4) {
                name = seg[3];
                if (kind >= 0 && sim_kind_is_namespaced((enum sim_kind)kind))
                    kind = -1;
            }
        }
    }
    if (kind < 0) {
        ret = queue_status(srv, conn, rq, 404, "NotFound",
                           "the server could not find the requested resource", NULL, NULL, url);
    } else if (arg_true(conn, "watch")) {
        ret = do_watch(srv, conn, rq, (enum sim_kind)kind, ns, name, url);
    } else if (name) {
        ret = do_get(srv, conn, rq, (enum sim_kind)kind, ns, name, url);
    } else {
        ret = do_list(srv, conn, rq, (enum sim_kind)kind, ns, NULL, url);
    }
    free(copy);
    return ret;
}

/* Abort the connection with a TCP RST now (drop_rate closes it with a FIN):
 * no lingering, then disconnect (AF_UNSPEC) so the fd stays MHD's to close. */
static void reset_connection(struct MHD_Connection *conn)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
    if (!ci)
        return;
    struct linger lg = {.l_onoff = 1, .l_linger = 0};
    setsockopt(ci->connect_fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    struct sockaddr sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_family = AF_UNSPEC;
    (void)connect(ci->connect_fd, &sa, sizeof sa); /* on failure the close still resets */
}

static bool is_health(const char *url)
{
    return strcmp(url, "/healthz") == 0 || strcmp(url, "/readyz") == 0 ||
           strcmp(url, "/livez") == 0;
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *conn, const char *url,
                               const char *method, const char *version, const char *upload_data,
                               size_t *upload_data_size, void **con_cls)
{
    struct sim_server *srv = cls;
    struct req *rq = *con_cls;
    (void)version;
    if (!rq) {
        rq = req_new(url);
        *con_cls = rq;
    }
    if (!rq->is_seen) {
        rq->is_seen = true; /* the body, if any, comes with the next calls */
        return MHD_YES;
    }
    if (*upload_data_size) {
        if (rq->body.len + *upload_data_size > MAX_REQUEST_BODY)
            rq->is_too_large = true;
        else
            strbuf_append(&rq->body, upload_data, *upload_data_size);
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (rq->is_started)
        return MHD_YES;
    rq->is_started = true;
    atomic_fetch_add(&srv->n_requests, 1);
    rq->is_control = strncmp(url, "/sim/", 5) == 0;

    if (!rq->is_control) {
        pick_faults(srv, &rq->fault);
        for (unsigned ms = 0; ms < rq->fault.latency_ms && !atomic_load(&srv->is_stopping);
             ms += 10)
            usleep(10000);
        if (rq->fault.is_reset && !rq->fault.is_die) {
            logf_(srv, "%s %s reset (fault)", method, url);
            reset_connection(conn);
            return MHD_NO;
        }
        if (rq->fault.is_drop && !rq->fault.is_die) {
            logf_(srv, "%s %s dropped (fault)", method, url);
            return MHD_NO;
        }
    }
    if (!is_health(url) && !authorized(srv, conn, rq->is_control))
        return queue_status(srv, conn, rq, 401, "Unauthorized", "Unauthorized", NULL, NULL, url);
    if (rq->is_too_large)
        return queue_status(srv, conn, rq, 413, "RequestEntityTooLarge",
                            "the request body is too large", NULL, NULL, url);
    if (rq->is_control)
        return do_control(srv, conn, rq, method, url);
    if (rq->fault.is_error && !rq->fault.is_die) {
        unsigned code = rq->fault.error_code;
        char msg[128];
        snprintf(msg, sizeof msg, "simulated failure (armortop-sim fault injection, code %u)",
                 code);
        return queue_status(srv, conn, rq, code, reason_for(code), msg, NULL, NULL, url);
    }
    if (is_pod_proxy(url))
        return do_proxy(srv, conn, rq, method, url);
    if (strcmp(method, "POST") == 0 &&
        (strcmp(url, "/apis/authentication.k8s.io/v1/tokenreviews") == 0 ||
         strcmp(url, "/apis/authorization.k8s.io/v1/subjectaccessreviews") == 0)) {
        struct strbuf sb;
        strbuf_init(&sb);
        unsigned code = strncmp(url, "/apis/authentication.", 21) == 0 ? sim_auth_token_review(srv->auth, strbuf_str(&rq->body), &sb)
                                      : sim_auth_access_review(srv->auth, strbuf_str(&rq->body), &sb);
        return queue_json(srv, conn, rq, code, &sb, url);
    }
    if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
        return queue_status(srv, conn, rq, 405, "MethodNotAllowed",
                            "the server does not allow this method on the requested resource", NULL,
                            NULL, url);
    if (is_health(url))
        return queue_const(srv, conn, rq, 200, "ok", "text/plain; charset=utf-8", url);
    if (strcmp(url, "/version") == 0 || strcmp(url, "/version/") == 0)
        return queue_const(srv, conn, rq, 200, version_json, "application/json", url);
    if (strcmp(url, "/api") == 0 || strcmp(url, "/api/") == 0) {
        struct strbuf sb;
        strbuf_init(&sb);
        strbuf_printf(
            &sb,
            "{\"kind\":\"APIVersions\",\"versions\":[\"v1\"],\"serverAddressByClientCIDRs\":"
            "[{\"clientCIDR\":\"0.0.0.0/0\",\"serverAddress\":\"127.0.0.1:%d\"}]}",
            srv->port);
        return queue_json(srv, conn, rq, 200, &sb, url);
    }
    if (strcmp(url, "/api/v1") == 0 || strcmp(url, "/api/v1/") == 0)
        return queue_const(srv, conn, rq, 200, api_v1_json, "application/json", url);
    if (strcmp(url, "/apis") == 0 || strcmp(url, "/apis/") == 0)
        return queue_const(srv, conn, rq, 200, apis_json, "application/json", url);
    for (size_t i = 0; i < sizeof group_docs / sizeof group_docs[0]; i++)
        if (strcmp(url, group_docs[i].path) == 0)
            return queue_const(srv, conn, rq, 200, group_docs[i].json, "application/json", url);
    if (strncmp(url, "/api/v1/", 8) == 0)
        return route_api(srv, conn, rq, url);
    return queue_status(srv, conn, rq, 404, "NotFound",
                        "the server could not find the requested resource", NULL, NULL, url);
}

static void completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                      enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)conn;
    (void)toe;
    req_free(*con_cls);
    *con_cls = NULL;
}

static void *uri_log(void *cls, const char *uri, struct MHD_Connection *conn)
{
    (void)cls;
    (void)conn;
    return req_new(uri);
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    struct sim_server *srv = cls;
    if (!srv->is_verbose)
        return;
    fputs("armortop-sim: mhd: ", stderr);
    vfprintf(stderr, fmt, ap);
}

/* ---- lifecycle ------------------------------------------------------------------------- */

struct sim_server *sim_server_new(struct sim_store *st, struct sim_gen *g,
                                  const struct sim_server_opts *opts, char *err, size_t err_len)
{
    struct sim_server *srv = xcalloc(1, sizeof *srv);
    srv->st = st;
    srv->gen = g;
    srv->token = xstrdup(opts->token);
    srv->page_max = opts->page_max;
    srv->is_verbose = opts->is_verbose;
    srv->is_anonymous_ok = opts->is_anonymous_ok;
    srv->auth = opts->auth;
    srv->nodes = opts->nodes;
    srv->faults = opts->faults;
    srv->fault_rng = opts->seed ^ 0xfa017ULL;
    pthread_mutex_init(&srv->fault_mu, NULL);
    atomic_init(&srv->is_stopping, false);
    unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
                     MHD_USE_POLL | MHD_USE_ERROR_LOG;
    if (opts->addr->sa_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    if (opts->tls_key_pem) {
        flags |= MHD_USE_TLS;
        srv->is_tls = true;
        srv->key_pem = xstrdup(opts->tls_key_pem);
        srv->cert_pem = xstrdup(opts->tls_cert_pem);
    }
    uint16_t port = ntohs(opts->addr->sa_family == AF_INET6
                              ? ((const struct sockaddr_in6 *)opts->addr)->sin6_port
                              : ((const struct sockaddr_in *)opts->addr)->sin_port);
    if (srv->is_tls) {
        srv->daemon = MHD_start_daemon(
            flags, port, NULL, NULL, handler, srv, MHD_OPTION_SOCK_ADDR, opts->addr,
            MHD_OPTION_NOTIFY_COMPLETED, completed, srv, MHD_OPTION_URI_LOG_CALLBACK, uri_log,
            srv, MHD_OPTION_CONNECTION_TIMEOUT,
            (unsigned)120, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, srv, MHD_OPTION_HTTPS_MEM_KEY,
            srv->key_pem, MHD_OPTION_HTTPS_MEM_CERT, srv->cert_pem, MHD_OPTION_END);
    } else {
        srv->daemon = MHD_start_daemon(flags, port, NULL, NULL, handler, srv, MHD_OPTION_SOCK_ADDR,
                                       opts->addr, MHD_OPTION_NOTIFY_COMPLETED, completed, srv,
                                       MHD_OPTION_URI_LOG_CALLBACK, uri_log, srv,
                                       MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)120,
                                       MHD_OPTION_EXTERNAL_LOGGER, mhd_log, srv, MHD_OPTION_END);
    }
    if (!srv->daemon) {
        snprintf(err, err_len, "cannot listen on port %u: %s", port,
                 errno ? strerror(errno) : "libmicrohttpd failed to start");
        sim_server_free(&srv);
        return NULL;
    }
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(srv->daemon, MHD_DAEMON_INFO_BIND_PORT);
    srv->port = di ? di->port : port;
    return srv;
}

int sim_server_port(const struct sim_server *srv)
{
    return srv->port;
}

void sim_server_free(struct sim_server **psrv)
{
    struct sim_server *srv = *psrv;
    if (!srv)
        return;
    atomic_store(&srv->is_stopping, true);
    pthread_mutex_lock(&srv->st->mu);
    srv->st->is_shutdown = true;
    pthread_cond_broadcast(&srv->st->cond);
    pthread_mutex_unlock(&srv->st->mu);
    if (srv->daemon)
        MHD_stop_daemon(srv->daemon);
    pthread_mutex_destroy(&srv->fault_mu);
    free(srv->token);
    free(srv->key_pem);
    free(srv->cert_pem);
    free(srv);
    *psrv = NULL;
}
