/*
 * agent_auth: static token table, the Kubernetes backend (TokenReview +
 * SubjectAccessReview through core/kube_authn, with caches), and the
 * authorize() seam (see agent_auth.h). Static tokens are compared in constant
 * time per candidate so a timing probe learns nothing about a token's prefix.
 * The Kubernetes backend keeps a small pool of API clients, each with its own
 * loaded config (kubeconfig's credential cache is not thread-safe), so at most
 * KUBE_POOL_COUNT reviews run at once and the others wait (bounded) for a slot.
 * Depends on libc, pthreads, xalloc, kerr, kubeconfig, kube_client,
 * kube_authn, agent_log.
 */
#include "config.h"
#include "agent_auth.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <pthread.h>
#include <time.h>

#include "agent_log.h"
#include "kerr.h"
#include "kube_authn.h"
#include "kube_client.h"
#include "kubeconfig.h"
#include "strbuf.h"
#include "xalloc.h"

#define TOKEN_MIN_LEN 8
#define TOKEN_MAX_LEN 512
#define TOKEN_MAX_COUNT 1024

#define KUBE_POOL_COUNT 4
#define KUBE_TIMEOUT_MS_DEFAULT 5000L
#define KUBE_CACHE_MAX_DEFAULT 4096
#define KUBE_AUDIENCES_MAX 16
#define TTL_ALLOWED_MS (5 * 60 * 1000)
#define TTL_DENIED_MS (30 * 1000)
#define TTL_TOKEN_MAX_MS (2 * 60 * 1000)
#define TTL_TOKEN_REJECTED_MS (10 * 1000)
#define SAR_GROUP "armortop.io"
#define SAR_RESOURCE "apparmorprofiles"

struct kube_slot {
    struct kube_config *cfg;
    struct kube_client *client;
    bool is_busy;
};

struct kube_backend {
    struct kube_slot slots[KUBE_POOL_COUNT];
    pthread_mutex_t lock; /* guards is_busy */
    pthread_cond_t freed;
    long timeout_ms;
    char **audiences;
    size_t audience_count;
    struct kube_authn_cache *tokens;    /* token key → authenticated + user */
    struct kube_authn_cache *decisions; /* SHA-256 of the SAR body → allowed + reason */
    char *server;
};

struct token {
    char *secret;
    size_t secret_len;
    char name[128];
    enum agent_role role;
};

struct agent_auth {
    bool is_insecure;
    struct token *tokens;
    unsigned count;
    struct kube_backend *kube; /* NULL = static tokens only */
    agent_auth_clock_fn clock;
    void *clock_ud;
};

const char *agent_role_name(enum agent_role role)
{
    switch (role) {
    case AGENT_ROLE_READ: return "read";
    case AGENT_ROLE_ADMIN: return "admin";
    case AGENT_ROLE_RBAC: return "rbac";
    case AGENT_ROLE_NONE: break;
    }
    return "none";
}

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
        s[--n] = '\0';
    return s;
}

static bool token_chars_ok(const char *t)
{
    for (const unsigned char *p = (const unsigned char *)t; *p; p++)
        if (*p <= 0x20 || *p >= 0x7f || *p == ',')
            return false;
    return true;
}

struct agent_auth *agent_auth_load(const char *path, struct kerr *err)
{
    struct agent_auth *auth = NULL;
    FILE *f = NULL;
    char *line = NULL;
    size_t cap = 0;
    unsigned lineno = 0;

    f = fopen(path, "re");
    if (!f) {
        kerr_set(err, errno == ENOENT ? KERR_NOTFOUND : KERR_IO, "%s", strerror(errno));
        kerr_where(err, "%s", path);
        goto out;
    }
    struct stat st;
    if (fstat(fileno(f), &st) == 0 && (st.st_mode & S_IROTH)) {
        kerr_set(err, KERR_CONFIG, "token file is readable by others (mode %03o); chmod o-r it",
                 (unsigned)(st.st_mode & 0777));
        kerr_where(err, "%s", path);
        goto out;
    }
    auth = xcalloc(1, sizeof *auth);
    while (getline(&line, &cap, f) >= 0) {
        lineno++;
        char *s = trim(line);
        if (*s == '\0' || *s == '#')
            continue;
        char *c1 = strchr(s, ',');
        if (!c1)
            goto bad_line;
        *c1 = '\0';
        char *role_s = c1 + 1;
        char *name_s = NULL;
        char *c2 = strchr(role_s, ',');
        if (c2) {
            *c2 = '\0';
            name_s = trim(c2 + 1);
        }
        char *tok = trim(s);
        role_s = trim(role_s);
        size_t tlen = strlen(tok);
        enum agent_role role = AGENT_ROLE_NONE;
        if (strcmp(role_s, "read") == 0)
            role = AGENT_ROLE_READ;
        else if (strcmp(role_s, "admin") == 0)
            role = AGENT_ROLE_ADMIN;
        if (role == AGENT_ROLE_NONE) {
            kerr_set(err, KERR_CONFIG, "role must be read or admin");
            kerr_where(err, "%s:%u", path, lineno);
            goto fail;
        }
        if (tlen < TOKEN_MIN_LEN || tlen > TOKEN_MAX_LEN || !token_chars_ok(tok)) {
            kerr_set(err, KERR_CONFIG, "token must be %d..%d printable bytes without spaces",
                     TOKEN_MIN_LEN, TOKEN_MAX_LEN);
            kerr_where(err, "%s:%u", path, lineno);
            goto fail;
        }
        for (unsigned i = 0; i < auth->count; i++)
            if (auth->tokens[i].secret_len == tlen && memcmp(auth->tokens[i].secret, tok, tlen) == 0) {
                kerr_set(err, KERR_CONFIG, "duplicate token");
                kerr_where(err, "%s:%u", path, lineno);
                goto fail;
            }
        if (auth->count >= TOKEN_MAX_COUNT) {
            kerr_set(err, KERR_CONFIG, "more than %d tokens", TOKEN_MAX_COUNT);
            kerr_where(err, "%s:%u", path, lineno);
            goto fail;
        }
        auth->tokens = xreallocarray(auth->tokens, auth->count + 1, sizeof *auth->tokens);
        struct token *t = &auth->tokens[auth->count++];
        t->secret = xstrdup(tok);
        t->secret_len = tlen;
        t->role = role;
        if (name_s && *name_s)
            snprintf(t->name, sizeof t->name, "%s", name_s);
        else
            snprintf(t->name, sizeof t->name, "token-%u", lineno);
        /* Names end up in logs: keep them printable. */
        for (char *p = t->name; *p; p++)
            if ((unsigned char)*p < 0x20 || (unsigned char)*p == 0x7f)
                *p = '?';
        continue;
    bad_line:
        kerr_set(err, KERR_CONFIG, "expected token,role[,name]");
        kerr_where(err, "%s:%u", path, lineno);
        goto fail;
    }
    if (ferror(f)) {
        kerr_set(err, KERR_IO, "%s", strerror(errno));
        kerr_where(err, "%s", path);
        goto fail;
    }
    if (auth->count == 0) {
        kerr_set(err, KERR_CONFIG, "no tokens");
        kerr_where(err, "%s", path);
        goto fail;
    }
    goto out;
fail:
    agent_auth_free(&auth);
out:
    if (line) {
        explicit_bzero(line, cap);
        free(line);
    }
    if (f)
        fclose(f);
    return auth;
}

struct agent_auth *agent_auth_new(void)
{
    return xcalloc(1, sizeof(struct agent_auth));
}

struct agent_auth *agent_auth_new_insecure(void)
{
    struct agent_auth *auth = xcalloc(1, sizeof *auth);
    auth->is_insecure = true;
    return auth;
}

unsigned agent_auth_token_count(const struct agent_auth *auth)
{
    return auth ? auth->count : 0;
}

bool agent_auth_is_insecure(const struct agent_auth *auth)
{
    return auth && auth->is_insecure;
}

bool agent_auth_has_kube(const struct agent_auth *auth)
{
    return auth && auth->kube;
}

const char *agent_auth_kube_server(const struct agent_auth *auth)
{
    return auth && auth->kube ? auth->kube->server : NULL;
}

const char *agent_auth_mode_name(const struct agent_auth *auth)
{
    if (!auth || auth->is_insecure)
        return "none";
    if (auth->kube)
        return auth->count ? "token+kubernetes" : "kubernetes";
    return "token";
}

static void kube_backend_free(struct kube_backend **kp)
{
    struct kube_backend *k = *kp;
    if (!k)
        return;
    for (int i = 0; i < KUBE_POOL_COUNT; i++) {
        kube_client_free(&k->slots[i].client);
        kube_config_free(&k->slots[i].cfg);
    }
    for (size_t i = 0; i < k->audience_count; i++)
        free(k->audiences[i]);
    free(k->audiences);
    kube_authn_cache_free(&k->tokens);
    kube_authn_cache_free(&k->decisions);
    pthread_cond_destroy(&k->freed);
    pthread_mutex_destroy(&k->lock);
    free(k->server);
    free(k);
    *kp = NULL;
}

void agent_auth_free(struct agent_auth **auth)
{
    if (!auth || !*auth)
        return;
    for (unsigned i = 0; i < (*auth)->count; i++) {
        explicit_bzero((*auth)->tokens[i].secret, (*auth)->tokens[i].secret_len);
        free((*auth)->tokens[i].secret);
    }
    free((*auth)->tokens);
    kube_backend_free(&(*auth)->kube);
    free(*auth);
    *auth = NULL;
}

bool agent_auth_verb_is_write(const char *verb)
{
    return verb && (strcmp(verb, "create") == 0 || strcmp(verb, "update") == 0 ||
                    strcmp(verb, "patch") == 0 || strcmp(verb, "delete") == 0);
}

static int64_t auth_clock(void *ud)
{
    const struct agent_auth *auth = ud;
    if (auth->clock)
        return auth->clock(auth->clock_ud);
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void agent_auth_set_clock(struct agent_auth *auth, agent_auth_clock_fn fn, void *ud)
{
    if (!auth)
        return;
    auth->clock = fn;
    auth->clock_ud = ud;
}

int agent_auth_enable_kube(struct agent_auth *auth, const struct agent_auth_kube_opts *o,
                           struct kerr *err)
{
    static const struct agent_auth_kube_opts no_opts;
    if (!o)
        o = &no_opts;
    if (!auth || auth->is_insecure)
        return kerr_set(err, KERR_INVAL, "Kubernetes authentication needs a secure table");
    if (o->audience_count > KUBE_AUDIENCES_MAX)
        return kerr_set(err, KERR_INVAL, "at most %d audiences", KUBE_AUDIENCES_MAX);
    int rc = 0;
    struct kube_backend *k = xcalloc(1, sizeof *k);
    pthread_mutex_init(&k->lock, NULL);
    pthread_cond_init(&k->freed, NULL);
    k->timeout_ms = o->timeout_ms > 0 ? o->timeout_ms : KUBE_TIMEOUT_MS_DEFAULT;
    if (o->audience_count) {
        k->audiences = xcalloc(o->audience_count, sizeof *k->audiences);
        for (size_t i = 0; i < o->audience_count; i++)
            k->audiences[i] = xstrdup(o->audiences[i]);
        k->audience_count = o->audience_count;
    }
    size_t cache_max = o->cache_max_count ? o->cache_max_count : KUBE_CACHE_MAX_DEFAULT;
    k->tokens = kube_authn_cache_new(cache_max, auth_clock, auth);
    k->decisions = kube_authn_cache_new(cache_max, auth_clock, auth);
    for (int i = 0; i < KUBE_POOL_COUNT; i++) {
        /* Explicit file only, or the service account only: never $KUBECONFIG or
         * ~/.kube/config by surprise on a node. */
        struct kubeconfig_opts ko = { .explicit_path = o->kubeconfig };
        if (!o->kubeconfig) {
            ko.kubeconfig_env = "";
            ko.home = "";
        }
        if ((rc = kubeconfig_load(&ko, &k->slots[i].cfg, err)) < 0)
            goto fail;
        /* the client itself (libcurl and its TLS stack, ~5 MB resident) is made
         * on first use (slot_acquire): an agent nobody calls stays small */
        if ((rc = kube_client_check_config(k->slots[i].cfg, err)) < 0)
            goto fail;
    }
    k->server = xstrdup(k->slots[0].cfg->server);
    kube_backend_free(&auth->kube);
    auth->kube = k;
    return 0;
fail:
    kube_backend_free(&k);
    return rc;
}

/* ---- request attributes --------------------------------------------------------- */

static void set_str(char *dst, size_t len, const char *s)
{
    snprintf(dst, len, "%s", s ? s : "");
}

void agent_auth_attributes(const char *method, const char *path, const char *fallback_verb,
                           const char *fallback_resource, struct agent_auth_attrs *out)
{
    memset(out, 0, sizeof *out);
    set_str(out->verb, sizeof out->verb, fallback_verb ? fallback_verb : "get");
    set_str(out->subresource, sizeof out->subresource, fallback_resource ? fallback_resource : "status");
    if (!method || !path)
        return;
    bool is_read = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
    const char *verb = is_read                          ? "get"
                       : strcmp(method, "PUT") == 0    ? "update"
                       : strcmp(method, "DELETE") == 0 ? "delete"
                       : strcmp(method, "POST") == 0   ? "create"
                       : strcmp(method, "PATCH") == 0  ? "patch"
                                                       : "unknown";
    const char *sub = "status";
    static const char prefix[] = "/v1/profiles/";
    if (strcmp(path, "/metrics") == 0) {
        sub = "metrics";
    } else if (strcmp(path, "/v1/containers") == 0) {
        sub = "containers";
        verb = is_read ? "list" : verb;
    } else if (strcmp(path, "/v1/denials") == 0 || strcmp(path, "/v1/denials/summary") == 0) {
        sub = "denials";
        verb = is_read ? "list" : verb;
    } else if (strcmp(path, "/v1/profiles") == 0 || strcmp(path, "/v1/profiles/") == 0) {
        sub = "profiles";
        verb = is_read ? "list" : verb;
    } else if (strncmp(path, prefix, sizeof prefix - 1) == 0) {
        const char *name = path + sizeof prefix - 1;
        size_t len = strlen(name);
        sub = "profiles";
        if (strcmp(method, "POST") == 0 && len > 5 && strcmp(name + len - 5, "/mode") == 0) {
            verb = "update";
            len -= 5;
        }
        out->name = xstrndup(name, len);
    }
    set_str(out->verb, sizeof out->verb, verb);
    set_str(out->subresource, sizeof out->subresource, sub);
}

void agent_auth_attrs_done(struct agent_auth_attrs *a)
{
    if (!a)
        return;
    free(a->name);
    a->name = NULL;
}

/* ---- authorize ------------------------------------------------------------------- */

/* "Bearer <token>" (scheme case-insensitive) → pointer to the token and its length. */
static bool bearer(const char *header, const char **tok, size_t *len)
{
    if (!header)
        return false;
    while (*header == ' ')
        header++;
    if (strncasecmp(header, "Bearer ", 7) != 0)
        return false;
    const char *t = header + 7;
    while (*t == ' ')
        t++;
    size_t n = strlen(t);
    while (n > 0 && t[n - 1] == ' ')
        n--;
    if (n == 0)
        return false;
    *tok = t;
    *len = n;
    return true;
}

static bool const_time_eq(const char *a, size_t alen, const char *b, size_t blen)
{
    unsigned char diff = (unsigned char)(alen != blen);
    size_t n = alen < blen ? alen : blen;
    for (size_t i = 0; i < n; i++)
        diff |= (unsigned char)(a[i] ^ b[i]);
    return diff == 0;
}

/* Printable copy for logs and reasons (control bytes → '?'). */
static void clean_copy(char *dst, size_t len, const char *s)
{
    size_t i = 0;
    for (; s && s[i] && i + 1 < len; i++)
        dst[i] = ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] == 0x7f) ? '?' : s[i];
    dst[i] = '\0';
}

/* who->reason = printf(fmt, ...), truncated to fit (who may be NULL). */
__attribute__((format(printf, 2, 3))) static void set_reason(struct agent_identity *who,
                                                             const char *fmt, ...)
{
    if (!who)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(who->reason, sizeof who->reason, fmt, ap);
    va_end(ap);
}

static void slot_release(struct kube_backend *k, struct kube_slot *s)
{
    pthread_mutex_lock(&k->lock);
    s->is_busy = false;
    pthread_cond_signal(&k->freed);
    pthread_mutex_unlock(&k->lock);
}

/* Wait (at most timeout_ms) for a free API client; NULL when none freed up. */
static struct kube_slot *slot_acquire(struct kube_backend *k)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += k->timeout_ms / 1000;
    until.tv_nsec += (k->timeout_ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    struct kube_slot *got = NULL;
    pthread_mutex_lock(&k->lock);
    for (;;) {
        for (int i = 0; i < KUBE_POOL_COUNT && !got; i++)
            if (!k->slots[i].is_busy)
                got = &k->slots[i];
        if (got) {
            got->is_busy = true;
            break;
        }
        if (pthread_cond_timedwait(&k->freed, &k->lock, &until) != 0)
            break;
    }
    pthread_mutex_unlock(&k->lock);
    if (got && !got->client) {
        struct kube_client_opts co = { .timeout_ms = k->timeout_ms,
                                       .connect_timeout_ms = k->timeout_ms,
                                       .max_body_len = 1 << 20,
                                       .user_agent = "armortop-agent/" ARMORTOP_VERSION };
        struct kerr e;
        kerr_clear(&e);
        if (kube_client_new(got->cfg, &co, &got->client, &e) < 0) {
            char buf[600];
            agent_log(CORE_LOG_WARN, "auth: cannot make an API client: %s",
                      kerr_format(&e, buf, sizeof buf));
            slot_release(k, got);
            return NULL;
        }
    }
    return got;
}


/* TokenReview through the cache. 1 authenticated (user filled), 0 rejected
 * (reason in who), < 0 the review failed (reason in who). */
static int kube_authenticate(struct agent_auth *auth, const char *token, const char *fp,
                             struct kube_user *user, struct agent_identity *who)
{
    struct kube_backend *k = auth->kube;
    unsigned char key[KUBE_AUTHN_KEY_LEN];
    kube_authn_token_key(token, (const char *const *)k->audiences, k->audience_count, key);
    struct kube_authn_decision d;
    if (kube_authn_cache_get(k->tokens, key, &d)) {
        int ok = d.is_ok ? 1 : 0;
        if (ok) {
            *user = d.user;
            memset(&d.user, 0, sizeof d.user);
        } else {
            char clean[256];
            clean_copy(clean, sizeof clean, d.reason);
            set_reason(who, "token not accepted by the cluster%s%s", d.reason ? ": " : "", clean);
        }
        kube_authn_decision_done(&d);
        agent_log(CORE_LOG_DEBUG, "auth: token sha256:%s: TokenReview cached (%s)", fp,
                  ok ? "authenticated" : "rejected");
        return ok;
    }
    struct kube_slot *slot = slot_acquire(k);
    if (!slot) {
        agent_log(CORE_LOG_WARN, "auth: token sha256:%s: no free API client within %ld ms", fp,
                  k->timeout_ms);
        if (who)
            set_reason(who, "authentication unavailable: the API server is busy; retry");
        return -KERR_TIMEOUT;
    }
    struct kube_token_review tr;
    struct kerr e;
    kerr_clear(&e);
    int rc = kube_authn_token_review(slot->client, token, (const char *const *)k->audiences,
                                     k->audience_count, &tr, &e);
    slot_release(k, slot);
    if (rc < 0) {
        char buf[900];
        kerr_format(&e, buf, sizeof buf);
        agent_log(CORE_LOG_WARN, "auth: token sha256:%s: TokenReview failed: %s", fp, buf);
        if (who) {
            char clean[300];
            clean_copy(clean, sizeof clean, buf);
            set_reason(who, "authentication unavailable: TokenReview failed: %s",
                     clean);
        }
        return rc;
    }
    d = (struct kube_authn_decision){ .is_ok = tr.is_authenticated, .reason = tr.error };
    if (tr.is_authenticated) {
        d.user = tr.user;
        kube_authn_cache_put(k->tokens, key, &d,
                             kube_authn_token_ttl_ms(token, (int64_t)time(NULL), TTL_TOKEN_MAX_MS));
        *user = tr.user;
        memset(&tr.user, 0, sizeof tr.user);
        char uname[128];
        clean_copy(uname, sizeof uname, user->username);
        agent_log(CORE_LOG_DEBUG, "auth: token sha256:%s: TokenReview: user \"%s\"", fp, uname);
    } else {
        kube_authn_cache_put(k->tokens, key, &d, TTL_TOKEN_REJECTED_MS);
        char clean[256];
        clean_copy(clean, sizeof clean, tr.error);
        agent_log(CORE_LOG_INFO, "auth: token sha256:%s: TokenReview: not authenticated%s%s", fp,
                  tr.error ? ": " : "", clean);
        if (who)
            set_reason(who, "token not accepted by the cluster%s%s",
                     tr.error ? ": " : "", clean);
    }
    kube_token_review_done(&tr);
    return d.is_ok ? 1 : 0;
}

/* SubjectAccessReview through the cache: 200 or 403 (reason in who). */
static int kube_authorize(struct agent_auth *auth, const struct kube_user *user,
                          const struct agent_auth_attrs *at, struct agent_identity *who)
{
    struct kube_backend *k = auth->kube;
    struct kube_resource_attributes ra = {
        .verb = at->verb, .group = SAR_GROUP, .resource = SAR_RESOURCE,
        .subresource = at->subresource, .name = at->name,
    };
    char uname[128];
    clean_copy(uname, sizeof uname, user->username);
    char what[200];
    char nm[100];
    clean_copy(nm, sizeof nm, at->name);
    snprintf(what, sizeof what, "%s %s.%s/%s%s%s%s", at->verb, SAR_RESOURCE, SAR_GROUP,
             at->subresource, at->name ? " \"" : "", at->name ? nm : "", at->name ? "\"" : "");
    bool is_write = agent_auth_verb_is_write(at->verb);
    enum core_log_level lvl = is_write ? CORE_LOG_INFO : CORE_LOG_DEBUG;

    char *body = json_authn_sar_request(user, &ra);
    unsigned char key[KUBE_AUTHN_KEY_LEN];
    kube_authn_sha256(body, strlen(body), key);
    free(body);

    struct kube_authn_decision d;
    bool is_cached = kube_authn_cache_get(k->decisions, key, &d);
    if (!is_cached) {
        struct kube_slot *slot = slot_acquire(k);
        if (!slot) {
            agent_log(CORE_LOG_WARN, "authz: user \"%s\" %s: no free API client within %ld ms", uname,
                      what, k->timeout_ms);
            if (who)
                set_reason(who, "authorization unavailable: the API server is busy; retry");
            return 403;
        }
        struct kube_access_review ar;
        struct kerr e;
        kerr_clear(&e);
        int rc = kube_authn_access_review(slot->client, user, &ra, &ar, &e);
        slot_release(k, slot);
        if (rc < 0) {
            char buf[900];
            kerr_format(&e, buf, sizeof buf);
            agent_log(CORE_LOG_WARN, "authz: user \"%s\" %s: SubjectAccessReview failed: %s", uname,
                      what, buf);
            if (who) {
                char clean[300];
                clean_copy(clean, sizeof clean, buf);
                set_reason(who, 
                         "authorization unavailable: SubjectAccessReview failed: %s", clean);
            }
            return 403;
        }
        memset(&d, 0, sizeof d);
        d.is_ok = ar.is_allowed;
        d.reason = ar.reason ? ar.reason : ar.evaluation_error;
        kube_authn_cache_put(k->decisions, key, &d, d.is_ok ? TTL_ALLOWED_MS : TTL_DENIED_MS);
        d.reason = xstrdup_or_null(d.reason);
        kube_access_review_done(&ar);
    }
    char reason[200];
    clean_copy(reason, sizeof reason, d.reason);
    int status = d.is_ok ? 200 : 403;
    agent_log(lvl, "authz: user \"%s\" %s: %s%s%s%s%s", uname, what, d.is_ok ? "allowed" : "denied",
              is_cached ? " (cached)" : "", reason[0] ? " (" : "", reason, reason[0] ? ")" : "");
    if (!d.is_ok)
        set_reason(who, "forbidden: user \"%s\" cannot %s%s%s", uname, what,
                 reason[0] ? ": " : "", reason);
    kube_authn_decision_done(&d);
    return status;
}

int agent_auth_authorize(const struct agent_auth *auth_c, const struct agent_auth_request *req,
                         const char *verb, const char *resource, struct agent_identity *who)
{
    struct agent_auth *auth = (struct agent_auth *)(uintptr_t)auth_c; /* caches are internally locked */
    if (who) {
        who->name[0] = '\0';
        who->role = AGENT_ROLE_NONE;
        who->reason[0] = '\0';
    }
    if (!auth) {
        if (who)
            set_reason(who, "authentication is not configured");
        return 401;
    }
    if (auth->is_insecure) {
        if (who) {
            snprintf(who->name, sizeof who->name, "anonymous");
            who->role = AGENT_ROLE_ADMIN;
        }
        return 200;
    }
    struct agent_auth_attrs at;
    agent_auth_attributes(req ? req->method : NULL, req ? req->path : NULL, verb, resource, &at);
    /* Either header may carry the token; the pods proxy strips Authorization, and a
     * client may send both (then the first token that is known wins). */
    const char *hdrs[2] = { req ? req->authorization : NULL,
                            req ? req->x_armortop_authorization : NULL };
    const char *toks[2] = { NULL, NULL };
    size_t tlens[2] = { 0, 0 };
    int ntok = 0;
    const struct token *found = NULL;
    for (int h = 0; h < 2; h++) {
        const char *tok = NULL;
        size_t tlen = 0;
        if (!bearer(hdrs[h], &tok, &tlen))
            continue;
        if (ntok == 1 && tlens[0] == tlen && memcmp(toks[0], tok, tlen) == 0)
            continue;
        toks[ntok] = tok;
        tlens[ntok++] = tlen;
        for (unsigned i = 0; i < auth->count && !found; i++)
            if (const_time_eq(auth->tokens[i].secret, auth->tokens[i].secret_len, tok, tlen))
                found = &auth->tokens[i];
    }
    int status = 401;
    if (ntok == 0) {
        if (who)
            set_reason(who, "authentication required: send \"Authorization: Bearer <token>\" or "
                     "\"X-Armortop-Authorization: Bearer <token>\"");
        goto out;
    }
    if (found) {
        if (who) {
            snprintf(who->name, sizeof who->name, "%s", found->name);
            who->role = found->role;
        }
        status = 200;
        if (agent_auth_verb_is_write(at.verb) && found->role != AGENT_ROLE_ADMIN) {
            status = 403;
            if (who)
                set_reason(who, "forbidden: token \"%s\" may only read",
                         found->name);
        }
        goto out;
    }
    if (!auth->kube) {
        if (who)
            set_reason(who, "authentication failed: unknown token");
        goto out;
    }
    struct kube_user user;
    memset(&user, 0, sizeof user);
    int authn = 0;
    for (int t = 0; t < ntok && authn <= 0; t++) {
        if (tlens[t] > TOKEN_MAX_LEN * 32) { /* 16 KiB: no real token is longer */
            authn = 0;
            if (who)
                set_reason(who, "authentication failed: token too long");
            continue;
        }
        char *tok = xstrndup(toks[t], tlens[t]);
        char fp[13];
        kube_authn_token_fingerprint(tok, fp);
        int r = kube_authenticate(auth, tok, fp, &user, who);
        explicit_bzero(tok, tlens[t]);
        free(tok);
        /* A failed review beats a rejection in the reason: it is what the admin must fix. */
        if (r > 0 || authn == 0)
            authn = r;
    }
    if (authn <= 0) {
        status = 401;
        if (agent_auth_verb_is_write(at.verb))
            agent_log(CORE_LOG_INFO, "authz: unauthenticated %s %s.%s/%s refused (401)", at.verb,
                      SAR_RESOURCE, SAR_GROUP, at.subresource);
        goto out;
    }
    if (who) {
        clean_copy(who->name, sizeof who->name, user.username);
        who->role = AGENT_ROLE_RBAC;
        who->reason[0] = '\0';
    }
    status = kube_authorize(auth, &user, &at, who);
    kube_user_done(&user);
out:
    agent_auth_attrs_done(&at);
    return status;
}
