/*
 * agent_http: routing, authentication and answers of the agent's API on
 * libmicrohttpd (see agent_http.h). A request is handled in MHD's usual three
 * steps: the first call (headers only) routes and authenticates, and may
 * answer at once (401, 403, 404, 405, 413 by Content-Length); the upload calls
 * gather at most 1 MiB of body; the last call runs the route.
 * Depends on libc, libmicrohttpd, strbuf, kerr, xalloc, core/procscan, and the
 * agent modules.
 */
#include "config.h"
#include "agent_http.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <microhttpd.h>

#include "agent.h"
#include "agent_auth.h"
#include "agent_denials.h"
#include "agent_json.h"
#include "agent_log.h"
#include "agent_profiles.h"
#include "apparmor.h"
#include "kerr.h"
#include "procscan.h"
#include "strbuf.h"
#include "xalloc.h"

#define BODY_MAX AGENT_PROFILE_BODY_MAX
#define DENIALS_LIMIT_DEFAULT 1000
#define DENIALS_LIMIT_MAX 10000

struct agent_http {
    struct MHD_Daemon *daemon;
    struct agent *agent;
};

enum route {
    R_NONE,
    R_HEALTHZ,
    R_METRICS,
    R_STATUS,
    R_PROFILES,
    R_PROFILE_GET,
    R_PROFILE_PUT,
    R_PROFILE_DELETE,
    R_PROFILE_MODE,
    R_CONTAINERS,
    R_DENIALS,
    R_DENIALS_SUMMARY,
};

struct req {
    enum route route;
    char *name;        /* profile name from the path (owned) */
    const char *verb;  /* kube-rbac-proxy style */
    const char *resource;
    struct agent_identity who;
    char client[64];
    struct strbuf body;
    bool is_too_big;
};

static const char *const method_names[AGENT_HTTP_METHODS] = { "GET",  "HEAD", "PUT",
                                                               "DELETE", "POST", "other" };

static unsigned method_index(const char *method)
{
    for (unsigned i = 0; i + 1 < AGENT_HTTP_METHODS; i++)
        if (strcmp(method, method_names[i]) == 0)
            return i;
    return AGENT_HTTP_METHODS - 1;
}

static bool route_is_change(enum route r)
{
    return r == R_PROFILE_PUT || r == R_PROFILE_DELETE || r == R_PROFILE_MODE;
}

static enum MHD_Result respond(struct agent *a, struct MHD_Connection *c, unsigned status,
                               const char *content_type, struct strbuf *body)
{
    size_t len = body->len;
    char *buf = strbuf_take(body);
    struct MHD_Response *resp = MHD_create_response_from_buffer(len, buf, MHD_RESPMEM_MUST_FREE);
    if (!resp) {
        free(buf);
        return MHD_NO;
    }
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    if (status == 401)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer realm=\"armortop-agent\"");
    if (status == 405)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, "GET, PUT, DELETE, POST");
    enum MHD_Result ret = MHD_queue_response(c, status, resp);
    MHD_destroy_response(resp);
    if (status < AGENT_HTTP_CODES)
        atomic_fetch_add(&a->requests_by_code[status], 1);
    return ret;
}

static enum MHD_Result respond_json_error(struct agent *a, struct MHD_Connection *c, unsigned status,
                                          const char *msg)
{
    struct strbuf sb;
    strbuf_init(&sb);
    agent_json_error(&sb, msg);
    return respond(a, c, status, "application/json", &sb);
}

/* Turn the path into a route; sets r->name. 404 / 405 into *status when it is not one. */
static enum route route_of(const char *method, const char *url, struct req *r, unsigned *status)
{
    bool get = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
    *status = 0;
    r->resource = "status";
    if (strcmp(url, "/healthz") == 0)
        return get ? R_HEALTHZ : (*status = 405, R_NONE);
    if (strcmp(url, "/metrics") == 0) {
        r->resource = "metrics";
        return get ? R_METRICS : (*status = 405, R_NONE);
    }
    if (strcmp(url, "/v1/status") == 0)
        return get ? R_STATUS : (*status = 405, R_NONE);
    if (strcmp(url, "/v1/containers") == 0) {
        r->resource = "containers";
        return get ? R_CONTAINERS : (*status = 405, R_NONE);
    }
    if (strcmp(url, "/v1/denials") == 0) {
        r->resource = "denials";
        return get ? R_DENIALS : (*status = 405, R_NONE);
    }
    if (strcmp(url, "/v1/denials/summary") == 0) {
        r->resource = "denials";
        return get ? R_DENIALS_SUMMARY : (*status = 405, R_NONE);
    }
    if (strcmp(url, "/v1/profiles") == 0 || strcmp(url, "/v1/profiles/") == 0) {
        r->resource = "profiles";
        return get ? R_PROFILES : (*status = 405, R_NONE);
    }
    static const char prefix[] = "/v1/profiles/";
    if (strncmp(url, prefix, sizeof prefix - 1) == 0) {
        const char *name = url + sizeof prefix - 1;
        size_t len = strlen(name);
        r->resource = "profiles";
        if (strcmp(method, "POST") == 0) {
            if (len > 5 && strcmp(name + len - 5, "/mode") == 0) {
                r->name = xstrndup(name, len - 5);
                return R_PROFILE_MODE;
            }
            *status = 404;
            return R_NONE;
        }
        r->name = xstrdup(name);
        if (get)
            return R_PROFILE_GET;
        if (strcmp(method, "PUT") == 0)
            return R_PROFILE_PUT;
        if (strcmp(method, "DELETE") == 0)
            return R_PROFILE_DELETE;
        *status = 405;
        return R_NONE;
    }
    *status = 404;
    return R_NONE;
}

static const char *verb_of(const char *method)
{
    if (strcmp(method, "PUT") == 0)
        return "update";
    if (strcmp(method, "DELETE") == 0)
        return "delete";
    if (strcmp(method, "POST") == 0)
        return "create";
    if (strcmp(method, "PATCH") == 0)
        return "patch";
    return "get";
}

static void client_of(struct MHD_Connection *c, char *buf, size_t len)
{
    snprintf(buf, len, "?");
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (!ci || !ci->client_addr)
        return;
    const struct sockaddr *sa = ci->client_addr;
    if (sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, buf, (socklen_t)len);
    else if (sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, buf, (socklen_t)len);
}

/* Strict decimal uint64; false on anything else. */
static bool parse_u64(const char *s, uint64_t *out)
{
    if (!s || !*s)
        return false;
    uint64_t v = 0;
    for (const char *p = s; *p; p++) {
        if (*p < '0' || *p > '9')
            return false;
        uint64_t d = (uint64_t)(*p - '0');
        if (v > (UINT64_MAX - d) / 10)
            return false;
        v = v * 10 + d;
    }
    *out = v;
    return true;
}

static void render_status(struct agent *a, struct strbuf *out)
{
    bool first = true;
    long profile_count;
    long long revision;
    agent_profiles_counts(a->profiles, &profile_count, &revision);
    strbuf_putc(out, '{');
    agent_json_kv_str(out, "node", a->node_name, &first);
    agent_json_kv_str(out, "version", ARMORTOP_VERSION, &first);
    agent_json_key(out, "apparmor", &first);
    {
        bool f2 = true;
        strbuf_putc(out, '{');
        agent_json_kv_bool(out, "enabled", a->is_aa_enabled, &f2);
        agent_json_kv_str(out, "reason", aa_enabled_reason(a->aa_errno), &f2);
        agent_json_kv_str(out, "apparmorfs", a->apparmorfs_dir, &f2);
        agent_json_kv_str(out, "features", a->features_file, &f2);
        agent_json_kv_str(out, "parser", a->parser_path, &f2);
        strbuf_putc(out, '}');
    }
    agent_json_kv_int(out, "revision", revision, revision < 0, &first);
    agent_json_key(out, "denial_source", &first);
    agent_denials_render_source(a->denials, out);
    agent_json_key(out, "auth", &first);
    {
        bool f2 = true;
        strbuf_putc(out, '{');
        agent_json_kv_str(out, "mode", agent_auth_mode_name(a->auth), &f2);
        agent_json_kv_bool(out, "tls", a->is_tls, &f2);
        strbuf_putc(out, '}');
    }
    agent_json_key(out, "counts", &first);
    {
        bool f2 = true;
        unsigned long long req = 0;
        for (int i = 0; i < AGENT_HTTP_CODES; i++)
            req += atomic_load(&a->requests_by_code[i]);
        strbuf_putc(out, '{');
        agent_json_kv_int(out, "profiles", profile_count, profile_count < 0, &f2);
        agent_json_kv_u64(out, "denials", agent_denials_head(a->denials), &f2);
        agent_json_kv_u64(out, "requests", req, &f2);
        agent_json_kv_u64(out, "changes", agent_profiles_change_count(a->profiles), &f2);
        agent_json_kv_u64(out, "policy_changes", agent_denials_policy_changes(a->denials), &f2);
        strbuf_putc(out, '}');
    }
    agent_json_kv_int(out, "uptime_s", (long long)(time(NULL) - a->started), false, &first);
    strbuf_putc(out, '}');
}

static unsigned render_containers(struct agent *a, struct strbuf *out)
{
    struct proc_entry *procs = NULL;
    size_t n = 0;
    struct proc_container *cs = NULL;
    size_t cn = 0;
    struct kerr e;
    kerr_clear(&e);
    int rc = procscan_list(a->proc_dir, &procs, &n, &e);
    if (rc < 0) {
        char buf[900];
        agent_json_error(out, kerr_format(&e, buf, sizeof buf));
        return 500;
    }
    procscan_group_by_container(procs, n, &cs, &cn);
    strbuf_putc(out, '[');
    for (size_t i = 0; i < cn; i++) {
        bool first = true;
        if (i)
            strbuf_putc(out, ',');
        strbuf_putc(out, '{');
        agent_json_kv_str(out, "container_id", cs[i].ident.container_id, &first);
        agent_json_kv_str(out, "pod_uid", cs[i].ident.pod_uid[0] ? cs[i].ident.pod_uid : NULL, &first);
        agent_json_kv_int(out, "pid", cs[i].pid, false, &first);
        agent_json_kv_str(out, "label", cs[i].label, &first);
        agent_json_kv_str(out, "profile", cs[i].profile, &first);
        agent_json_kv_str(out, "mode", cs[i].mode, &first);
        agent_json_kv_str(out, "runtime", cgroup_runtime_name(cs[i].ident.runtime), &first);
        agent_json_kv_u64(out, "process_count", cs[i].process_count, &first);
        agent_json_kv_bool(out, "mixed_labels", cs[i].has_mixed_labels, &first);
        strbuf_putc(out, '}');
    }
    strbuf_putc(out, ']');
    procscan_containers_free(&cs, cn);
    procscan_list_free(&procs, n);
    return 200;
}

static void render_metrics(struct agent *a, struct strbuf *out)
{
    agent_profiles_metrics(a->profiles, out);
    agent_denials_metrics(a->denials, out);
    strbuf_puts(out, "# HELP armortop_agent_http_requests_total HTTP requests answered, by status code.\n"
                     "# TYPE armortop_agent_http_requests_total counter\n");
    for (int i = 100; i < AGENT_HTTP_CODES; i++) {
        unsigned long n = atomic_load(&a->requests_by_code[i]);
        if (n)
            strbuf_printf(out, "armortop_agent_http_requests_total{code=\"%d\"} %lu\n", i, n);
    }
    strbuf_puts(out, "# HELP armortop_agent_http_requests_by_method_total HTTP requests received, "
                     "by method.\n# TYPE armortop_agent_http_requests_by_method_total counter\n");
    for (unsigned i = 0; i < AGENT_HTTP_METHODS; i++)
        strbuf_printf(out, "armortop_agent_http_requests_by_method_total{method=\"%s\"} %lu\n",
                      method_names[i], atomic_load(&a->requests_by_method[i]));
    strbuf_printf(out, "# TYPE armortop_agent_apparmor_enabled gauge\narmortop_agent_apparmor_enabled %d\n",
                  a->is_aa_enabled ? 1 : 0);
}

static void log_change(const struct req *r, const char *method, unsigned status)
{
    const char *what = r->route == R_PROFILE_PUT      ? "load/replace"
                       : r->route == R_PROFILE_DELETE ? "unload"
                                                      : "set mode of";
    agent_log(status < 300 ? CORE_LOG_INFO : CORE_LOG_WARN,
              "change: %s %s profile \"%s\" by %s (role %s) from %s: %u", method, what,
              r->name ? r->name : "", r->who.name[0] ? r->who.name : "(unauthenticated)",
              agent_role_name(r->who.role), r->client, status);
}

/* The last call: run the route. */
static enum MHD_Result dispatch(struct agent *a, struct MHD_Connection *c, const char *method,
                                struct req *r)
{
    struct strbuf out;
    strbuf_init(&out);
    unsigned status = 200;
    const char *ctype = "application/json";
    if (r->is_too_big) {
        agent_json_error(&out, "body larger than 1 MiB");
        status = 413;
        goto done;
    }
    switch (r->route) {
    case R_HEALTHZ:
        strbuf_puts(&out, "ok\n");
        ctype = "text/plain; charset=utf-8";
        break;
    case R_METRICS:
        render_metrics(a, &out);
        ctype = "text/plain; version=0.0.4; charset=utf-8";
        break;
    case R_STATUS:
        render_status(a, &out);
        break;
    case R_PROFILES:
        status = (unsigned)agent_profiles_list(a->profiles, &out);
        break;
    case R_PROFILE_GET:
        status = (unsigned)agent_profiles_get(a->profiles, r->name, &out);
        break;
    case R_PROFILE_PUT:
        status = (unsigned)agent_profiles_put(a->profiles, r->name, r->body.buf ? r->body.buf : "",
                                              r->body.len, &out);
        break;
    case R_PROFILE_DELETE: {
        const char *force = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "force");
        bool is_force = force && (strcmp(force, "1") == 0 || strcmp(force, "true") == 0);
        status = (unsigned)agent_profiles_delete(a->profiles, r->name, is_force, &out);
        break;
    }
    case R_PROFILE_MODE:
        status = (unsigned)agent_profiles_set_mode(a->profiles, r->name, r->body.buf ? r->body.buf : "",
                                                   r->body.len, &out);
        break;
    case R_CONTAINERS:
        status = render_containers(a, &out);
        break;
    case R_DENIALS: {
        uint64_t since = 0, limit = DENIALS_LIMIT_DEFAULT;
        const char *s = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "since");
        const char *l = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "limit");
        if ((s && !parse_u64(s, &since)) || (l && (!parse_u64(l, &limit) || limit == 0))) {
            agent_json_error(&out, "since and limit must be decimal integers (limit >= 1)");
            status = 400;
            break;
        }
        if (limit > DENIALS_LIMIT_MAX)
            limit = DENIALS_LIMIT_MAX;
        agent_denials_render(a->denials, since, (size_t)limit, &out);
        break;
    }
    case R_DENIALS_SUMMARY:
        agent_denials_render_summary(a->denials, &out);
        break;
    case R_NONE:
        agent_json_error(&out, "not found");
        status = 404;
        break;
    }
done:
    if (route_is_change(r->route))
        log_change(r, method, status);
    return respond(a, c, status, ctype, &out);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
    (void)version;
    struct agent *a = cls;
    struct req *r = *con_cls;
    if (!r) {
        r = xcalloc(1, sizeof *r);
        strbuf_init(&r->body);
        *con_cls = r;
        client_of(c, r->client, sizeof r->client);
        atomic_fetch_add(&a->requests_by_method[method_index(method)], 1);
        unsigned early = 0;
        r->route = route_of(method, url, r, &early);
        r->verb = verb_of(method);
        if (r->route == R_HEALTHZ)
            return MHD_YES;
        struct agent_auth_request ar = {
            .authorization = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION),
            .x_armortop_authorization = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
                                                                    "X-Armortop-Authorization"),
            .method = method,
            .path = url,
        };
        int az = agent_auth_authorize(a->auth, &ar, r->verb, r->resource, &r->who);
        if (az != 200) {
            if (route_is_change(r->route) || az == 403)
                log_change(r, method, (unsigned)az);
            return respond_json_error(a, c, (unsigned)az,
                                      r->who.reason[0]  ? r->who.reason
                                      : az == 401 ? "authentication required (Bearer token)"
                                                  : "forbidden: this token may only read");
        }
        if (early)
            return respond_json_error(a, c, early, early == 405 ? "method not allowed" : "not found");
        if (r->name) {
            const char *why = NULL;
            if (!agent_profile_name_valid(r->name, &why)) {
                if (route_is_change(r->route))
                    log_change(r, method, 400);
                return respond_json_error(a, c, 400, why);
            }
        }
        const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
        if (cl) {
            uint64_t n = 0;
            if (parse_u64(cl, &n) && n > BODY_MAX) {
                r->is_too_big = true;
                if (route_is_change(r->route))
                    log_change(r, method, 413);
                return respond_json_error(a, c, 413, "body larger than 1 MiB");
            }
        }
        return MHD_YES;
    }
    if (*upload_data_size) {
        if (!r->is_too_big) {
            if (r->body.len + *upload_data_size > BODY_MAX) {
                r->is_too_big = true;
                strbuf_done(&r->body);
            } else {
                strbuf_append(&r->body, upload_data, *upload_data_size);
            }
        }
        *upload_data_size = 0;
        return MHD_YES;
    }
    return dispatch(a, c, method, r);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)c;
    (void)toe;
    struct req *r = *con_cls;
    if (!r)
        return;
    strbuf_done(&r->body);
    free(r->name);
    free(r);
    *con_cls = NULL;
}

/* Percent-decoding that maps %00 to 0x01, so an encoded NUL cannot cut a name
 * short: it then fails the control-character check instead. */
static size_t unescape(void *cls, struct MHD_Connection *c, char *s)
{
    (void)cls;
    (void)c;
    char *w = s;
    for (const char *p = s; *p;) {
        if (p[0] == '%' && isxdigit((unsigned char)p[1]) && isxdigit((unsigned char)p[2])) {
            char hex[3] = { p[1], p[2], 0 };
            unsigned v = (unsigned)strtoul(hex, NULL, 16);
            *w++ = (char)(v == 0 ? 1 : v);
            p += 3;
        } else {
            *w++ = *p++;
        }
    }
    *w = '\0';
    return (size_t)(w - s);
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    char buf[512];
    vsnprintf(buf, sizeof buf, fmt, ap);
    size_t n = strlen(buf);
    while (n > 0 && buf[n - 1] == '\n')
        buf[--n] = '\0';
    agent_log(CORE_LOG_DEBUG, "http: %s", buf);
}

struct agent_http *agent_http_start(struct agent *a, const struct agent_http_config *cfg, int *port,
                                    struct kerr *err)
{
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION | MHD_USE_AUTO |
                     MHD_USE_ERROR_LOG;
    if (cfg->addr.ss_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    bool tls = cfg->tls_cert_pem && cfg->tls_key_pem;
    if (tls) {
        if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
            kerr_set(err, KERR_TLS, "libmicrohttpd was built without TLS support");
            return NULL;
        }
        flags |= MHD_USE_TLS;
    }
    struct agent_http *h = xcalloc(1, sizeof *h);
    h->agent = a;
    struct MHD_OptionItem opts[12];
    size_t n = 0;
    opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_SOCK_ADDR, 0, (void *)&cfg->addr };
    opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_CONNECTION_LIMIT,
                                         cfg->connection_limit ? cfg->connection_limit : 64, NULL };
    opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_CONNECTION_TIMEOUT,
                                         cfg->timeout_s ? cfg->timeout_s : 30, NULL };
    opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)(void *)on_completed, NULL };
    opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_UNESCAPE_CALLBACK, (intptr_t)(void *)unescape, NULL };
    opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_EXTERNAL_LOGGER, (intptr_t)(void *)mhd_log, NULL };
    if (tls) {
        opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_MEM_CERT, 0, (void *)cfg->tls_cert_pem };
        opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_MEM_KEY, 0, (void *)cfg->tls_key_pem };
    }
    opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_END, 0, NULL };
    h->daemon = MHD_start_daemon(flags, 0, NULL, NULL, on_request, a, MHD_OPTION_ARRAY, opts,
                                 MHD_OPTION_END);
    if (!h->daemon) {
        kerr_set(err, KERR_CONNECT, "cannot listen (address in use, permission, or bad TLS "
                                    "certificate/key)");
        free(h);
        return NULL;
    }
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(h->daemon, MHD_DAEMON_INFO_BIND_PORT);
    *port = di ? di->port : 0;
    return h;
}

void agent_http_stop(struct agent_http **hp)
{
    if (!hp || !*hp)
        return;
    if ((*hp)->daemon)
        MHD_stop_daemon((*hp)->daemon);
    free(*hp);
    *hp = NULL;
}
