/*
 * test_agent_authn: armortop-agent's Kubernetes authentication and
 * authorization end to end. Each test starts a small fake API server in this
 * process (libmicrohttpd on an ephemeral loopback port) that serves
 * POST /apis/authentication.k8s.io/v1/tokenreviews and
 * POST /apis/authorization.k8s.io/v1/subjectaccessreviews like the
 * simulator does (admin token → user admin, group armortop-admins, all verbs;
 * viewer token → user viewer, group armortop-viewers, get/list/watch), checks
 * the agent's own service-account token, and counts calls. Then it starts the
 * real armortop-agent with --kubeconfig pointing at it, talks plain HTTP to
 * the agent and checks 200/401/403, the error reasons, the SAR attributes the
 * agent sends, the header it reads the token from, and the cache (a repeated
 * request makes no second review). The agent is stopped with SIGTERM and must
 * exit 0 (so sanitizer reports fail the test). Depends on cmocka, cJSON,
 * libmicrohttpd, libcore (aafs_init_fake) and the harness.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
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
#include <microhttpd.h>

#include "../harness.h"
#include "aafs.h"

#define SA_TOKEN "agent-service-account-token"
#define ADMIN_TOKEN "kube-admin-token-0123456789"
#define VIEWER_TOKEN "kube-viewer-token-0123456789"
#define STATIC_TOKEN "static-admin-token-0123456789"

/* ---- fake API server ---- */

struct fake_api {
    struct MHD_Daemon *d;
    int port;
    pthread_mutex_t lock;
    int token_reviews;
    int sars;
    int unauthorized; /* requests without the agent's SA token */
    bool sar_fails;   /* answer SARs with 500 */
    int tr_delay_ms;  /* answer TokenReviews this late */
    char last_verb[32], last_sub[32], last_name[128], last_user[64], last_group[64],
        last_resource[64];
    char last_audience[64];
    bool last_has_name;
};

struct upload {
    char *buf;
    size_t len;
};

static enum MHD_Result reply(struct MHD_Connection *c, unsigned status, const char *body)
{
    struct MHD_Response *r =
        MHD_create_response_from_buffer(strlen(body), (void *)body, MHD_RESPMEM_MUST_COPY);
    MHD_add_response_header(r, "Content-Type", "application/json");
    enum MHD_Result ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ret;
}

/* The tokens make_jwt issued and their exp: the fake API server's own record
 * (as an API server knows the tokens it signed), independent of the agent's
 * JWT decoding. */
static struct {
    char token[600];
    int64_t exp;
} issued[8];
static pthread_mutex_t issued_lock = PTHREAD_MUTEX_INITIALIZER;

/* A JWT-shaped service-account token that expires at exp (unix seconds). */
static void make_jwt(int64_t exp, char *out, size_t len)
{
    char payload[200], h[64], p[280];
    snprintf(payload, sizeof payload,
             "{\"aud\":[\"https://kubernetes.default.svc\"],\"exp\":%lld,"
             "\"sub\":\"system:serviceaccount:ops:admin\"}",
             (long long)exp);
    harness_b64url("{\"alg\":\"RS256\",\"typ\":\"JWT\"}", h, sizeof h);
    harness_b64url(payload, p, sizeof p);
    snprintf(out, len, "%s.%s.c2lnbmF0dXJl", h, p);
    pthread_mutex_lock(&issued_lock);
    for (size_t i = 0; i < sizeof issued / sizeof issued[0]; i++) {
        if (!issued[i].token[0]) {
            snprintf(issued[i].token, sizeof issued[i].token, "%s", out);
            issued[i].exp = exp;
            break;
        }
    }
    pthread_mutex_unlock(&issued_lock);
}

/* The fake API server's side: exp of a token make_jwt issued, or -1. */
static int jwt_exp(const char *t, int64_t *exp)
{
    int rc = -1;
    pthread_mutex_lock(&issued_lock);
    for (size_t i = 0; i < sizeof issued / sizeof issued[0] && rc < 0; i++) {
        if (issued[i].token[0] && strcmp(issued[i].token, t) == 0) {
            *exp = issued[i].exp;
            rc = 0;
        }
    }
    pthread_mutex_unlock(&issued_lock);
    return rc;
}

static void copy_str(char *dst, size_t len, const cJSON *v)
{
    snprintf(dst, len, "%s", cJSON_IsString(v) ? v->valuestring : "");
}

static enum MHD_Result on_api(void *cls, struct MHD_Connection *c, const char *url,
                              const char *method, const char *version, const char *data,
                              size_t *data_size, void **con_cls)
{
    (void)version;
    struct fake_api *api = cls;
    struct upload *up = *con_cls;
    if (!up) {
        up = calloc(1, sizeof *up);
        *con_cls = up;
        return MHD_YES;
    }
    if (*data_size) {
        up->buf = realloc(up->buf, up->len + *data_size + 1);
        memcpy(up->buf + up->len, data, *data_size);
        up->len += *data_size;
        up->buf[up->len] = '\0';
        *data_size = 0;
        return MHD_YES;
    }
    const char *authz = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
    if (!authz || strcmp(authz, "Bearer " SA_TOKEN) != 0) {
        pthread_mutex_lock(&api->lock);
        api->unauthorized++;
        pthread_mutex_unlock(&api->lock);
        return reply(c, 401,
                     "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\","
                     "\"message\":\"Unauthorized\",\"reason\":\"Unauthorized\",\"code\":401}");
    }
    if (strcmp(method, "POST") != 0)
        return reply(c, 405, "{\"kind\":\"Status\",\"message\":\"method\"}");
    cJSON *req = up->buf ? cJSON_Parse(up->buf) : NULL;
    const cJSON *spec = cJSON_GetObjectItemCaseSensitive(req, "spec");
    enum MHD_Result ret;
    if (strcmp(url, "/apis/authentication.k8s.io/v1/tokenreviews") == 0) {
        const cJSON *tok = cJSON_GetObjectItemCaseSensitive(spec, "token");
        const cJSON *aud = cJSON_GetObjectItemCaseSensitive(spec, "audiences");
        const char *t = cJSON_IsString(tok) ? tok->valuestring : "";
        if (api->tr_delay_ms > 0) {
            struct timespec ts = {api->tr_delay_ms / 1000, (api->tr_delay_ms % 1000) * 1000000L};
            nanosleep(&ts, NULL);
        }
        pthread_mutex_lock(&api->lock);
        api->token_reviews++;
        copy_str(api->last_audience, sizeof api->last_audience, cJSON_GetArrayItem(aud, 0));
        pthread_mutex_unlock(&api->lock);
        const char *user = strcmp(t, ADMIN_TOKEN) == 0    ? "admin"
                           : strcmp(t, VIEWER_TOKEN) == 0 ? "viewer"
                                                          : NULL;
        /* a bound service-account token (a JWT): an admin until its exp, as the API
         * server's own check does, then "expired" */
        int64_t exp = 0;
        bool is_expired = false;
        if (!user && jwt_exp(t, &exp) == 0) {
            if (exp > (int64_t)time(NULL))
                user = "admin";
            else
                is_expired = true;
        }
        char out[1024];
        if (is_expired)
            snprintf(
                out, sizeof out,
                "{\"apiVersion\":\"authentication.k8s.io/v1\",\"kind\":\"TokenReview\",\"status\":{"
                "\"user\":{},\"error\":\"[invalid bearer token, service account token has "
                "expired]\"}}");
        else if (user)
            snprintf(
                out, sizeof out,
                "{\"apiVersion\":\"authentication.k8s.io/v1\",\"kind\":\"TokenReview\",\"status\":{"
                "\"authenticated\":true,\"user\":{\"username\":\"%s\",\"uid\":\"uid-%s\","
                "\"groups\":"
                "[\"armortop-%ss\",\"system:authenticated\"],\"extra\":{\"scopes\":[\"all\"]}}}}",
                user, user, strcmp(user, "admin") == 0 ? "admin" : "viewer");
        else
            snprintf(
                out, sizeof out,
                "{\"apiVersion\":\"authentication.k8s.io/v1\",\"kind\":\"TokenReview\",\"status\":{"
                "\"user\":{},\"error\":\"[invalid bearer token, token lookup failed]\"}}");
        ret = reply(c, 201, out);
    } else if (strcmp(url, "/apis/authorization.k8s.io/v1/subjectaccessreviews") == 0) {
        const cJSON *ra = cJSON_GetObjectItemCaseSensitive(spec, "resourceAttributes");
        const cJSON *verb = cJSON_GetObjectItemCaseSensitive(ra, "verb");
        const cJSON *groups = cJSON_GetObjectItemCaseSensitive(spec, "groups");
        const cJSON *name = cJSON_GetObjectItemCaseSensitive(ra, "name");
        const cJSON *group = cJSON_GetObjectItemCaseSensitive(ra, "group");
        const cJSON *res = cJSON_GetObjectItemCaseSensitive(ra, "resource");
        pthread_mutex_lock(&api->lock);
        api->sars++;
        bool fails = api->sar_fails;
        copy_str(api->last_verb, sizeof api->last_verb, verb);
        copy_str(api->last_sub, sizeof api->last_sub,
                 cJSON_GetObjectItemCaseSensitive(ra, "subresource"));
        copy_str(api->last_name, sizeof api->last_name, name);
        api->last_has_name = name != NULL;
        copy_str(api->last_user, sizeof api->last_user,
                 cJSON_GetObjectItemCaseSensitive(spec, "user"));
        copy_str(api->last_group, sizeof api->last_group, group);
        copy_str(api->last_resource, sizeof api->last_resource, res);
        pthread_mutex_unlock(&api->lock);
        if (fails) {
            ret = reply(c, 500,
                        "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\","
                        "\"message\":\"etcd is on fire\",\"code\":500}");
        } else {
            bool is_admin = false, is_viewer = false;
            const cJSON *g;
            cJSON_ArrayForEach(g, groups)
            {
                if (cJSON_IsString(g) && strcmp(g->valuestring, "armortop-admins") == 0)
                    is_admin = true;
                if (cJSON_IsString(g) && strcmp(g->valuestring, "armortop-viewers") == 0)
                    is_viewer = true;
            }
            const char *v = cJSON_IsString(verb) ? verb->valuestring : "";
            bool on_resource =
                cJSON_IsString(group) && strcmp(group->valuestring, "armortop.io") == 0 &&
                cJSON_IsString(res) && strcmp(res->valuestring, "apparmorprofiles") == 0;
            bool is_read =
                strcmp(v, "get") == 0 || strcmp(v, "list") == 0 || strcmp(v, "watch") == 0;
            bool allowed = on_resource && (is_admin || (is_viewer && is_read));
            char out[512];
            snprintf(out, sizeof out,
                     "{\"apiVersion\":\"authorization.k8s.io/"
                     "v1\",\"kind\":\"SubjectAccessReview\",\"status\":{"
                     "\"allowed\":%s,\"reason\":\"%s\"}}",
                     allowed ? "true" : "false",
                     allowed ? "RBAC: allowed by ClusterRoleBinding" : "no RBAC policy matched");
            ret = reply(c, 201, out);
        }
    } else {
        ret = reply(c, 404, "{\"kind\":\"Status\",\"message\":\"not found\",\"code\":404}");
    }
    cJSON_Delete(req);
    return ret;
}

static void on_api_done(void *cls, struct MHD_Connection *c, void **con_cls,
                        enum MHD_RequestTerminationCode t)
{
    (void)cls;
    (void)c;
    (void)t;
    struct upload *up = *con_cls;
    if (up) {
        free(up->buf);
        free(up);
        *con_cls = NULL;
    }
}

static int api_start(struct fake_api *api, int port)
{
    memset(api, 0, sizeof *api);
    pthread_mutex_init(&api->lock, NULL);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    api->d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION, 0,
                              NULL, NULL, on_api, api, MHD_OPTION_SOCK_ADDR, &sa,
                              MHD_OPTION_NOTIFY_COMPLETED, on_api_done, api, MHD_OPTION_END);
    if (!api->d)
        return -1;
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(api->d, MHD_DAEMON_INFO_BIND_PORT);
    api->port = di ? di->port : 0;
    return api->port > 0 ? 0 : -1;
}

static void api_stop(struct fake_api *api)
{
    if (api->d)
        MHD_stop_daemon(api->d);
    api->d = NULL;
}

static void api_counts(struct fake_api *api, int *trs, int *sars)
{
    pthread_mutex_lock(&api->lock);
    *trs = api->token_reviews;
    *sars = api->sars;
    pthread_mutex_unlock(&api->lock);
}

/* ---- the agent ---- */

/* Start the agent against the fake API server on api_port (a kubeconfig with the agent's own
 * service-account token), -v, the static admin token file when with_static, plus extra args. */
static int agent_start(struct harness_agent *ap, int api_port, bool with_static,
                       const char *const *extra)
{
    struct harness_agent_opts o = {.tokens = with_static ? STATIC_TOKEN ",admin,local-admin\n" : NULL,
                                   .verbose = true,
                                   .extra = extra};
    if (harness_agent_prepare(ap, &o) != 0)
        return -1;
    char kc[1024];
    snprintf(kc, sizeof kc,
             "apiVersion: v1\nkind: Config\ncurrent-context: t\n"
             "clusters:\n- name: c\n  cluster:\n    server: http://127.0.0.1:%d\n"
             "users:\n- name: u\n  user:\n    token: " SA_TOKEN "\n"
             "contexts:\n- name: t\n  context:\n    cluster: c\n    user: u\n",
             api_port);
    harness_write_file(ap->kubeconfig, kc, 0600);
    o.kubeconfig = ap->kubeconfig;
    return harness_agent_launch(ap, &o);
}

/* No policy reached the (fake) kernel: .replace was never written. */
static void assert_nothing_loaded(const struct harness_agent *ap)
{
    struct stat st;
    char p[400];
    snprintf(p, sizeof p, "%s/.replace", ap->aafs);
    assert_true(stat(p, &st) != 0 || st.st_size == 0);
}

static const char *error_of(const struct harness_resp *r)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(r->json, "error");
    return cJSON_IsString(v) ? v->valuestring : "";
}

static const char *const ADMIN_HDR = "Authorization: Bearer " ADMIN_TOKEN;
static const char *const VIEWER_HDR = "Authorization: Bearer " VIEWER_TOKEN;
static const char *const PROFILE = "profile k8s-authn flags=(attach_disconnected) {\n  file,\n}\n";

/* ---- tests ---- */

static void test_admin_and_viewer(void **state)
{
    (void)state;
    struct fake_api api;
    struct harness_agent ap;
    struct harness_resp r;
    assert_int_equal(api_start(&api, 0), 0);
    assert_int_equal(agent_start(&ap, api.port, false, NULL), 0);

    /* admin: a load passes authentication and authorization (whatever the parser then says) */
    harness_agent_http(&ap, "PUT", "/v1/profiles/k8s-authn", ADMIN_HDR, PROFILE, &r);
    if (r.status == 401 || r.status == 403)
        fail_msg("admin PUT got %d: %s", r.status, r.body);
    assert_true(r.status > 0);
    harness_resp_free(&r);
    pthread_mutex_lock(&api.lock);
    assert_string_equal(api.last_verb, "update");
    assert_string_equal(api.last_sub, "profiles");
    assert_string_equal(api.last_name, "k8s-authn");
    assert_string_equal(api.last_user, "admin");
    assert_string_equal(api.last_group, "armortop.io");
    assert_string_equal(api.last_resource, "apparmorprofiles");
    assert_int_equal(api.unauthorized, 0); /* the agent presented its own credentials */
    pthread_mutex_unlock(&api.lock);
    assert_int_equal(harness_agent_http(&ap, "GET", "/v1/profiles", ADMIN_HDR, NULL, &r), 200);
    harness_resp_free(&r);

    /* viewer: reads yes, writes 403 with the reason */
    assert_int_equal(harness_agent_http(&ap, "GET", "/v1/profiles", VIEWER_HDR, NULL, &r), 200);
    harness_resp_free(&r);
    pthread_mutex_lock(&api.lock);
    assert_string_equal(api.last_verb, "list");
    assert_false(api.last_has_name);
    assert_string_equal(api.last_user, "viewer");
    pthread_mutex_unlock(&api.lock);
    assert_int_equal(harness_agent_http(&ap, "GET", "/v1/status", VIEWER_HDR, NULL, &r), 200);
    const cJSON *auth = cJSON_GetObjectItemCaseSensitive(r.json, "auth");
    const cJSON *mode = cJSON_GetObjectItemCaseSensitive(auth, "mode");
    assert_true(cJSON_IsString(mode));
    assert_string_equal(mode->valuestring, "kubernetes");
    harness_resp_free(&r);
    pthread_mutex_lock(&api.lock);
    assert_string_equal(api.last_verb, "get");
    assert_string_equal(api.last_sub, "status");
    pthread_mutex_unlock(&api.lock);
    assert_int_equal(harness_agent_http(&ap, "GET", "/v1/denials", VIEWER_HDR, NULL, &r), 200);
    harness_resp_free(&r);
    assert_int_equal(harness_agent_http(&ap, "GET", "/metrics", VIEWER_HDR, NULL, &r), 200);
    harness_resp_free(&r);

    assert_int_equal(harness_agent_http(&ap, "PUT", "/v1/profiles/k8s-authn", VIEWER_HDR, PROFILE, &r), 403);
    assert_non_null(strstr(error_of(&r), "viewer"));
    assert_non_null(strstr(error_of(&r), "update"));
    assert_non_null(strstr(error_of(&r), "no RBAC policy matched"));
    harness_resp_free(&r);
    assert_int_equal(harness_agent_http(&ap, "DELETE", "/v1/profiles/k8s-authn", VIEWER_HDR, NULL, &r), 403);
    harness_resp_free(&r);
    pthread_mutex_lock(&api.lock);
    assert_string_equal(api.last_verb, "delete");
    pthread_mutex_unlock(&api.lock);
    /* a mode switch is an update of that profile (another name: not cached yet) */
    assert_int_equal(harness_agent_http(&ap, "POST", "/v1/profiles/k8s-other/mode", VIEWER_HDR, "complain", &r),
                     403);
    harness_resp_free(&r);
    pthread_mutex_lock(&api.lock);
    assert_string_equal(api.last_verb, "update");
    assert_string_equal(api.last_sub, "profiles");
    assert_string_equal(api.last_name, "k8s-other");
    pthread_mutex_unlock(&api.lock);

    /* the mutation attempts are logged with the user */
    char *err = harness_read_file(ap.err_path, NULL);
    assert_non_null(err);
    assert_non_null(strstr(
        err, "user \"viewer\" update apparmorprofiles.armortop.io/profiles \"k8s-authn\": denied"));
    assert_non_null(strstr(
        err, "user \"admin\" update apparmorprofiles.armortop.io/profiles \"k8s-authn\": allowed"));
    assert_null(strstr(err, ADMIN_TOKEN));
    assert_null(strstr(err, VIEWER_TOKEN));
    assert_null(strstr(err, SA_TOKEN));
    free(err);

    assert_int_equal(harness_agent_stop(&ap), 0);
    api_stop(&api);
}

static void test_unknown_and_missing_token(void **state)
{
    (void)state;
    struct fake_api api;
    struct harness_agent ap;
    struct harness_resp r;
    assert_int_equal(api_start(&api, 0), 0);
    assert_int_equal(agent_start(&ap, api.port, false, NULL), 0);

    assert_int_equal(
        harness_agent_http(&ap, "GET", "/v1/profiles", "Authorization: Bearer who-am-i-0123456789", NULL, &r),
        401);
    assert_non_null(strstr(error_of(&r), "not accepted"));
    assert_non_null(strstr(error_of(&r), "invalid bearer token"));
    harness_resp_free(&r);
    assert_int_equal(harness_agent_http(&ap, "PUT", "/v1/profiles/k8s-authn",
                          "Authorization: Bearer who-am-i-0123456789", PROFILE, &r),
                     401);
    harness_resp_free(&r);
    assert_int_equal(harness_agent_http(&ap, "PUT", "/v1/profiles/k8s-authn", NULL, PROFILE, &r), 401);
    assert_non_null(strstr(error_of(&r), "authentication required"));
    harness_resp_free(&r);
    assert_int_equal(
        harness_agent_http(&ap, "GET", "/v1/status", "Authorization: Basic YWRtaW46YWRtaW4=", NULL, &r), 401);
    harness_resp_free(&r);
    /* no SAR was ever asked for an unauthenticated caller, and nothing was loaded */
    int trs, sars;
    api_counts(&api, &trs, &sars);
    assert_int_equal(sars, 0);
    assert_int_equal(trs, 1); /* the rejected token was reviewed once, then cached */
    assert_nothing_loaded(&ap);
    /* /healthz stays open */
    assert_int_equal(harness_agent_http(&ap, "GET", "/healthz", NULL, NULL, &r), 200);
    harness_resp_free(&r);

    assert_int_equal(harness_agent_stop(&ap), 0);
    api_stop(&api);
}

static void test_api_server_down(void **state)
{
    (void)state;
    struct fake_api api;
    struct harness_agent ap;
    struct harness_resp r;
    assert_int_equal(api_start(&api, 0), 0);
    int port = api.port;
    api_stop(&api); /* nothing listens there now */
    assert_int_equal(agent_start(&ap, port, false, NULL), 0);

    time_t t0 = time(NULL);
    assert_int_equal(harness_agent_http(&ap, "GET", "/v1/profiles", ADMIN_HDR, NULL, &r), 401);
    assert_non_null(strstr(error_of(&r), "TokenReview failed"));
    harness_resp_free(&r);
    assert_int_equal(harness_agent_http(&ap, "PUT", "/v1/profiles/k8s-authn", ADMIN_HDR, PROFILE, &r), 401);
    harness_resp_free(&r);
    assert_true(time(NULL) - t0 < 12);
    char *err = harness_read_file(ap.err_path, NULL);
    assert_non_null(strstr(err, "TokenReview failed"));
    free(err);
    /* health is not behind auth */
    assert_int_equal(harness_agent_http(&ap, "GET", "/healthz", NULL, NULL, &r), 200);
    harness_resp_free(&r);

    /* once the API server is back, the same token works (errors are not cached) */
    struct fake_api api2;
    if (api_start(&api2, port) == 0) {
        assert_int_equal(harness_agent_http(&ap, "GET", "/v1/profiles", ADMIN_HDR, NULL, &r), 200);
        harness_resp_free(&r);
        api_stop(&api2);
    } else {
        print_message("note: port %d taken again, skipping the recovery step\n", port);
    }
    assert_int_equal(harness_agent_stop(&ap), 0);
}

struct slow_call {
    const struct harness_agent *ap;
    int status;
    char error[512];
    double seconds;
};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *slow_call_run(void *ud)
{
    struct slow_call *sc = ud;
    struct harness_resp r;
    double t0 = now_s();
    sc->status = harness_agent_http(sc->ap, "GET", "/v1/profiles", VIEWER_HDR, NULL, &r);
    sc->seconds = now_s() - t0;
    snprintf(sc->error, sizeof sc->error, "%s", error_of(&r));
    harness_resp_free(&r);
    return NULL;
}

/* A hanging API server costs the waiting request at most the 5 s timeout, and
 * nobody else anything. */
static void test_slow_api_server(void **state)
{
    (void)state;
    struct fake_api api;
    struct harness_agent ap;
    struct harness_resp r;
    assert_int_equal(api_start(&api, 0), 0);
    api.tr_delay_ms = 7000;
    assert_int_equal(agent_start(&ap, api.port, true, NULL), 0);
    struct slow_call sc = {.ap = &ap};
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, slow_call_run, &sc), 0);
    struct timespec ts = {0, 300 * 1000000L};
    nanosleep(&ts, NULL);
    double t0 = now_s();
    assert_int_equal(harness_agent_http(&ap, "GET", "/healthz", NULL, NULL, &r), 200);
    harness_resp_free(&r);
    assert_int_equal(harness_agent_http(&ap, "GET", "/v1/status", "Authorization: Bearer " STATIC_TOKEN, NULL, &r), 200);
    harness_resp_free(&r);
    assert_true(now_s() - t0 < 1.0);
    pthread_join(th, NULL);
    assert_int_equal(sc.status, 401);
    assert_non_null(strstr(sc.error, "TokenReview failed"));
    if (sc.seconds < 4.0 || sc.seconds > 6.9)
        fail_msg("the hanging review took %.1f s (want about 5)", sc.seconds);
    assert_int_equal(harness_agent_stop(&ap), 0);
    api_stop(&api);
}

static void test_sar_error_is_403(void **state)
{
    (void)state;
    struct fake_api api;
    struct harness_agent ap;
    struct harness_resp r;
    assert_int_equal(api_start(&api, 0), 0);
    api.sar_fails = true;
    assert_int_equal(agent_start(&ap, api.port, false, NULL), 0);
    assert_int_equal(harness_agent_http(&ap, "PUT", "/v1/profiles/k8s-authn", ADMIN_HDR, PROFILE, &r), 403);
    assert_non_null(strstr(error_of(&r), "SubjectAccessReview failed"));
    assert_non_null(strstr(error_of(&r), "etcd is on fire"));
    harness_resp_free(&r);
    assert_int_equal(harness_agent_stop(&ap), 0);
    api_stop(&api);
}

static void test_header_token_and_cache(void **state)
{
    (void)state;
    struct fake_api api;
    struct harness_agent ap;
    struct harness_resp r;
    assert_int_equal(api_start(&api, 0), 0);
    assert_int_equal(agent_start(&ap, api.port, false, NULL), 0);

    /* through the pods proxy: Authorization stripped, token in X-Armortop-Authorization */
    assert_int_equal(harness_agent_http(&ap, "GET", "/v1/containers",
                          "X-Armortop-Authorization: Bearer " VIEWER_TOKEN, NULL, &r),
                     200);
    harness_resp_free(&r);
    int trs, sars;
    api_counts(&api, &trs, &sars);
    assert_int_equal(trs, 1);
    assert_int_equal(sars, 1);
    /* the same again: both answers come from the caches */
    for (int i = 0; i < 3; i++) {
        assert_int_equal(harness_agent_http(&ap, "GET", "/v1/containers", VIEWER_HDR, NULL, &r), 200);
        harness_resp_free(&r);
    }
    api_counts(&api, &trs, &sars);
    assert_int_equal(trs, 1);
    assert_int_equal(sars, 1);
    /* a denial is cached too */
    assert_int_equal(harness_agent_http(&ap, "DELETE", "/v1/profiles/x", VIEWER_HDR, NULL, &r), 403);
    harness_resp_free(&r);
    assert_int_equal(harness_agent_http(&ap, "DELETE", "/v1/profiles/x", VIEWER_HDR, NULL, &r), 403);
    harness_resp_free(&r);
    api_counts(&api, &trs, &sars);
    assert_int_equal(trs, 1);
    assert_int_equal(sars, 2);
    /* another profile name is another decision */
    assert_int_equal(harness_agent_http(&ap, "GET", "/v1/profiles/y", VIEWER_HDR, NULL, &r), 404);
    harness_resp_free(&r);
    api_counts(&api, &trs, &sars);
    assert_int_equal(sars, 3);

    assert_int_equal(harness_agent_stop(&ap), 0);
    api_stop(&api);
}

static void test_static_then_kube_and_audience(void **state)
{
    (void)state;
    struct fake_api api;
    struct harness_agent ap;
    struct harness_resp r;
    assert_int_equal(api_start(&api, 0), 0);
    const char *extra[] = {"--authn-audience", "armortop-agent", NULL};
    assert_int_equal(agent_start(&ap, api.port, true, extra), 0);

    /* the static token is decided locally: no review at all */
    assert_int_equal(
        harness_agent_http(&ap, "GET", "/v1/profiles", "Authorization: Bearer " STATIC_TOKEN, NULL, &r), 200);
    harness_resp_free(&r);
    int trs, sars;
    api_counts(&api, &trs, &sars);
    assert_int_equal(trs + sars, 0);
    /* a cluster token goes to the cluster, with the audience */
    assert_int_equal(harness_agent_http(&ap, "GET", "/v1/profiles", VIEWER_HDR, NULL, &r), 200);
    harness_resp_free(&r);
    pthread_mutex_lock(&api.lock);
    assert_string_equal(api.last_audience, "armortop-agent");
    pthread_mutex_unlock(&api.lock);
    assert_int_equal(harness_agent_http(&ap, "GET", "/v1/status", VIEWER_HDR, NULL, &r), 200);
    const cJSON *mode =
        cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(r.json, "auth"), "mode");
    assert_string_equal(mode->valuestring, "token+kubernetes");
    harness_resp_free(&r);
    /* both headers: an unknown one in Authorization does not hide a good one in X-Armortop */
    assert_int_equal(harness_agent_http(&ap, "GET", "/v1/profiles",
                          "Authorization: Bearer not-a-real-token-000\r\nX-Armortop-Authorization: "
                          "Bearer " VIEWER_TOKEN,
                          NULL, &r),
                     200);
    harness_resp_free(&r);

    assert_int_equal(harness_agent_stop(&ap), 0);
    api_stop(&api);
}

/* The viewer token armortop-sim derives from its token by default (mirrors
 * sim_auth_read_token; checked against the sim's own TokenReview before use). */
static void sim_read_token(const char *token, char *buf, size_t len)
{
    uint64_t h = 0xcbf29ce484222325ULL, h2 = 0x84222325cbf29ce4ULL;
    for (const char *s = token; *s; s++) {
        h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
        h2 = (h2 ^ (unsigned char)*s) * 0x100000001b3ULL + 0x9e3779b97f4a7c15ULL;
    }
    h ^= h >> 29;
    h2 ^= h2 >> 31;
    snprintf(buf, len, "view-%016llx%016llx", (unsigned long long)h, (unsigned long long)h2);
}

/* The same against armortop-sim, once it serves TokenReview and SubjectAccessReview
 * (skipped with a message before). */
static void test_against_sim(void **state)
{
    (void)state;
    struct harness_sim sim;
    if (harness_sim_start(&sim, NULL) != 0)
        fail_msg("armortop-sim did not start");
    char *body = NULL;
    int st = harness_http(&sim, "POST", "/apis/authentication.k8s.io/v1/tokenreviews",
                          "{\"apiVersion\":\"authentication.k8s.io/v1\",\"kind\":\"TokenReview\","
                          "\"spec\":{\"token\":\"probe\"}}",
                          &body);
    free(body);
    if (st != 201 && st != 200) {
        print_message("SKIP: armortop-sim does not serve TokenReview yet (HTTP %d)\n", st);
        harness_sim_stop(&sim);
        skip();
    }
    char viewer[64];
    sim_read_token(sim.token, viewer, sizeof viewer);
    char tr[256];
    snprintf(tr, sizeof tr,
             "{\"apiVersion\":\"authentication.k8s.io/"
             "v1\",\"kind\":\"TokenReview\",\"spec\":{\"token\":\"%s\"}}",
             viewer);
    body = NULL;
    harness_http(&sim, "POST", "/apis/authentication.k8s.io/v1/tokenreviews", tr, &body);
    bool has_viewer = body && strstr(body, "\"authenticated\":true");
    free(body);

    /* An agent pointed at the sim's kubeconfig. */
    struct harness_agent ap;
    const struct harness_agent_opts o = {.kubeconfig = sim.kubeconfig, .verbose = true};
    assert_int_equal(harness_agent_start(&ap, &o), 0);

    struct harness_resp r;
    char hdr[256];
    snprintf(hdr, sizeof hdr, "Authorization: Bearer %s", sim.token);
    harness_agent_http(&ap, "PUT", "/v1/profiles/k8s-authn", hdr, PROFILE, &r);
    if (r.status == 401 || r.status == 403)
        fail_msg("sim admin PUT got %d: %s", r.status, r.body);
    harness_resp_free(&r);
    assert_int_equal(harness_agent_http(&ap, "GET", "/v1/profiles", hdr, NULL, &r), 200);
    harness_resp_free(&r);
    assert_int_equal(
        harness_agent_http(&ap, "GET", "/v1/profiles", "Authorization: Bearer not-a-sim-token-00", NULL, &r),
        401);
    harness_resp_free(&r);
    if (has_viewer) {
        snprintf(hdr, sizeof hdr, "X-Armortop-Authorization: Bearer %s", viewer);
        assert_int_equal(harness_agent_http(&ap, "GET", "/v1/profiles", hdr, NULL, &r), 200);
        harness_resp_free(&r);
        assert_int_equal(harness_agent_http(&ap, "PUT", "/v1/profiles/k8s-authn", hdr, PROFILE, &r), 403);
        harness_resp_free(&r);
    } else {
        print_message("note: the sim's read token was not accepted; viewer checks skipped\n");
    }
    assert_int_equal(harness_agent_stop(&ap), 0);
    harness_sim_stop(&sim);
}

/* A bound service-account token works until it expires, and not one request after:
 * the agent caches a TokenReview no longer than the token's own exp, so an expired
 * token gets 401 "expired" from a fresh review, on reads and on every mutation. */
static void test_expired_token(void **state)
{
    (void)state;
    struct fake_api api;
    struct harness_agent ap;
    struct harness_resp r;
    assert_int_equal(api_start(&api, 0), 0);
    assert_int_equal(agent_start(&ap, api.port, false, NULL), 0);

    char tok[600], hdr[700];
    int64_t exp = (int64_t)time(NULL) + 3;
    make_jwt(exp, tok, sizeof tok);
    snprintf(hdr, sizeof hdr, "Authorization: Bearer %s", tok);
    assert_int_equal(harness_agent_http(&ap, "GET", "/v1/profiles", hdr, NULL, &r), 200);
    harness_resp_free(&r);
    assert_int_equal(harness_agent_http(&ap, "GET", "/v1/status", hdr, NULL, &r), 200);
    harness_resp_free(&r);
    int trs, sars;
    api_counts(&api, &trs, &sars);
    assert_int_equal(trs, 1); /* reviewed once, then cached while valid */

    while ((int64_t)time(NULL) <= exp) {
        struct timespec ts = {0, 100 * 1000000L};
        nanosleep(&ts, NULL);
    }
    assert_int_equal(harness_agent_http(&ap, "GET", "/v1/profiles", hdr, NULL, &r), 401);
    assert_non_null(strstr(error_of(&r), "expired"));
    harness_resp_free(&r);
    int trs2, sars2;
    api_counts(&api, &trs2, &sars2);
    assert_int_equal(trs2, 2); /* the cache did not outlive the token */

    /* every mutating endpoint refuses it, before any SubjectAccessReview or load */
    static const struct {
        const char *method, *path, *body;
    } muts[] = {
        {"PUT", "/v1/profiles/k8s-authn", PROFILE},
        {"DELETE", "/v1/profiles/k8s-authn", NULL},
        {"POST", "/v1/profiles/k8s-authn/mode", "complain"},
    };
    for (size_t i = 0; i < sizeof muts / sizeof muts[0]; i++) {
        assert_int_equal(harness_agent_http(&ap, muts[i].method, muts[i].path, hdr, muts[i].body, &r),
                         401);
        harness_resp_free(&r);
    }
    int trs3, sars3;
    api_counts(&api, &trs3, &sars3);
    assert_int_equal(sars3, sars2);
    assert_nothing_loaded(&ap);

    /* a token already past its exp is never accepted, not even once */
    char old[600];
    make_jwt((int64_t)time(NULL) - 30, old, sizeof old);
    snprintf(hdr, sizeof hdr, "Authorization: Bearer %s", old);
    assert_int_equal(harness_agent_http(&ap, "GET", "/v1/denials", hdr, NULL, &r), 401);
    assert_non_null(strstr(error_of(&r), "expired"));
    harness_resp_free(&r);

    /* the agent never logged the tokens */
    char *err = harness_read_file(ap.err_path, NULL);
    assert_non_null(err);
    assert_null(strstr(err, tok));
    assert_null(strstr(err, old));
    free(err);
    assert_int_equal(harness_agent_stop(&ap), 0);
    api_stop(&api);
}

static void test_bad_kubeconfig_refuses_to_start(void **state)
{
    (void)state;
    char bin[512];
    harness_bin("armortop-agent", bin, sizeof bin);
    const char *argv[] = {bin, "--node-name", "n1", "--kubeconfig", "/nonexistent/kubeconfig",
                          NULL};
    struct harness_result res;
    assert_int_equal(harness_run(argv, NULL, 10, &res), 0);
    assert_int_equal(res.status, 2);
    assert_non_null(strstr(res.err, "Kubernetes auth"));
    harness_result_free(&res);
    const char *argv2[] = {bin, "--node-name",        "n1", "--authn-audience",
                           "x", "--insecure-no-auth", NULL};
    assert_int_equal(harness_run(argv2, NULL, 10, &res), 0);
    assert_int_equal(res.status, 1);
    harness_result_free(&res);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_admin_and_viewer),
        cmocka_unit_test(test_unknown_and_missing_token),
        cmocka_unit_test(test_api_server_down),
        cmocka_unit_test(test_sar_error_is_403),
        cmocka_unit_test(test_slow_api_server),
        cmocka_unit_test(test_header_token_and_cache),
        cmocka_unit_test(test_static_then_kube_and_audience),
        cmocka_unit_test(test_bad_kubeconfig_refuses_to_start),
        cmocka_unit_test(test_expired_token),
        cmocka_unit_test(test_against_sim),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
