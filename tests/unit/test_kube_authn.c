/*
 * test_kube_authn: unit tests for core/kube_authn.c, core/json_authn.c and the
 * pure parts of agent/agent_auth.c.
 *
 * Covers the TokenReview and SubjectAccessReview request shapes (parsed back
 * with cJSON), response decoding (authenticated true/false, error, groups,
 * uid, extra, audiences, Status bodies, garbage), SHA-256 vectors, cache keys
 * and token fingerprints, JWT exp and cache lifetimes, the decision cache with
 * an injectable clock (expiry, bounds, eviction order), the SAR attributes per
 * method and path, and the static-token reasons of agent_auth_authorize.
 * No network. Depends on cmocka, cJSON, libcore, agent_auth.o, agent_log.o.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "../harness.h"
#include "agent/agent_auth.h"
#include "kerr.h"
#include "kube_authn.h"
#include "xalloc.h"

/* ---- helpers ---- */

static const char *jstr(const cJSON *o, const char *k)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsString(it) ? it->valuestring : NULL;
}

static const cJSON *jobj(const cJSON *o, const char *k)
{
    return cJSON_GetObjectItemCaseSensitive(o, k);
}

/* ---- TokenReview request ---- */

static void test_token_review_request(void **state)
{
    (void)state;
    const char *aud[] = {"armortop", "https://kubernetes.default.svc"};
    char *s = json_authn_token_review_request("tok-\"quoted\"", aud, 2);
    cJSON *root = cJSON_Parse(s);
    assert_non_null(root);
    assert_string_equal(jstr(root, "apiVersion"), "authentication.k8s.io/v1");
    assert_string_equal(jstr(root, "kind"), "TokenReview");
    const cJSON *spec = jobj(root, "spec");
    assert_true(cJSON_IsObject(spec));
    assert_string_equal(jstr(spec, "token"), "tok-\"quoted\"");
    const cJSON *a = jobj(spec, "audiences");
    assert_int_equal(cJSON_GetArraySize(a), 2);
    assert_string_equal(cJSON_GetArrayItem(a, 1)->valuestring, "https://kubernetes.default.svc");
    assert_null(jobj(root, "status"));
    cJSON_Delete(root);
    free(s);

    s = json_authn_token_review_request("t", NULL, 0);
    root = cJSON_Parse(s);
    assert_null(jobj(jobj(root, "spec"), "audiences"));
    cJSON_Delete(root);
    free(s);
}

/* ---- TokenReview response ---- */

static void test_token_review_parse_authenticated(void **state)
{
    (void)state;
    static const char body[] =
        "{\"apiVersion\":\"authentication.k8s.io/v1\",\"kind\":\"TokenReview\","
        "\"spec\":{\"token\":\"x\"},\"status\":{\"authenticated\":true,"
        "\"user\":{\"username\":\"system:serviceaccount:ns:sa\",\"uid\":\"u-1\","
        "\"groups\":[\"system:serviceaccounts\",\"armortop-admins\",7],"
        "\"extra\":{\"authentication.kubernetes.io/pod-name\":[\"p1\"],\"scopes\":[\"a\",\"b\"],"
        "\"empty\":[]}},\"audiences\":[\"armortop\"]}}";
    struct kube_token_review tr;
    struct kerr e;
    kerr_clear(&e);
    assert_int_equal(json_authn_token_review_parse(body, sizeof body - 1, &tr, &e), 0);
    assert_true(tr.is_authenticated);
    assert_string_equal(tr.user.username, "system:serviceaccount:ns:sa");
    assert_string_equal(tr.user.uid, "u-1");
    assert_int_equal(tr.user.group_count, 2); /* the number is skipped */
    assert_string_equal(tr.user.groups[1], "armortop-admins");
    assert_int_equal(tr.user.extra_count, 3);
    assert_string_equal(tr.user.extra[0].key, "authentication.kubernetes.io/pod-name");
    assert_int_equal(tr.user.extra[0].value_count, 1);
    assert_string_equal(tr.user.extra[0].values[0], "p1");
    assert_int_equal(tr.user.extra[1].value_count, 2);
    assert_string_equal(tr.user.extra[1].values[1], "b");
    assert_int_equal(tr.user.extra[2].value_count, 0);
    assert_int_equal(tr.audience_count, 1);
    assert_string_equal(tr.audiences[0], "armortop");
    assert_null(tr.error);

    /* deep copy survives the original */
    struct kube_user copy;
    kube_user_copy(&copy, &tr.user);
    kube_token_review_done(&tr);
    assert_string_equal(copy.extra[1].values[0], "a");
    assert_string_equal(copy.groups[0], "system:serviceaccounts");
    kube_user_done(&copy);
    kube_user_done(&copy); /* idempotent */
}

static void test_token_review_parse_rejected(void **state)
{
    (void)state;
    static const char body[] =
        "{\"apiVersion\":\"authentication.k8s.io/v1\",\"kind\":\"TokenReview\","
        "\"status\":{\"authenticated\":false,\"error\":\"token expired\",\"user\":{}}}";
    struct kube_token_review tr;
    assert_int_equal(json_authn_token_review_parse(body, sizeof body - 1, &tr, NULL), 0);
    assert_false(tr.is_authenticated);
    assert_string_equal(tr.error, "token expired");
    assert_null(tr.user.username);
    kube_token_review_done(&tr);

    /* a real apiserver leaves "authenticated" out when false */
    static const char body2[] = "{\"kind\":\"TokenReview\",\"status\":{}}";
    assert_int_equal(json_authn_token_review_parse(body2, sizeof body2 - 1, &tr, NULL), 0);
    assert_false(tr.is_authenticated);
    kube_token_review_done(&tr);
}

static void test_token_review_parse_errors(void **state)
{
    (void)state;
    struct kube_token_review tr;
    struct kerr e;
    static const char *bad[] = {
        "",
        "not json",
        "[1,2]",
        "{\"kind\":\"TokenReview\"}",                       /* no status */
        "{\"kind\":\"SubjectAccessReview\",\"status\":{}}", /* wrong kind */
        "{\"apiVersion\":\"authorization.k8s.io/v1\",\"kind\":\"TokenReview\",\"status\":{}}",
        "{\"kind\":\"TokenReview\",\"status\":{\"authenticated\":true,\"user\":{}}}", /* no user
                                                                                         name */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        kerr_clear(&e);
        assert_int_equal(json_authn_token_review_parse(bad[i], strlen(bad[i]), &tr, &e),
                         -KERR_PARSE);
        assert_false(tr.is_authenticated);
        assert_null(tr.user.username);
        assert_true(e.msg[0] != '\0');
    }
    static const char st[] =
        "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\","
        "\"message\":\"tokenreviews.authentication.k8s.io is forbidden\",\"code\":403}";
    kerr_clear(&e);
    assert_int_equal(json_authn_token_review_parse(st, sizeof st - 1, &tr, &e), -KERR_PARSE);
    assert_non_null(strstr(e.msg, "is forbidden"));
}

/* ---- SubjectAccessReview ---- */

static void test_sar_request(void **state)
{
    (void)state;
    char *g[] = {"armortop-viewers", "system:authenticated"};
    char *v[] = {"p1"};
    struct kube_user_extra ex = {
        .key = "authentication.kubernetes.io/pod-name", .values = v, .value_count = 1};
    struct kube_user u = {.username = "viewer",
                          .uid = "u-2",
                          .groups = g,
                          .group_count = 2,
                          .extra = &ex,
                          .extra_count = 1};
    struct kube_resource_attributes ra = {.verb = "get",
                                          .group = "armortop.io",
                                          .resource = "apparmorprofiles",
                                          .subresource = "profiles",
                                          .name = "k8s-nginx",
                                          .namespace = ""};
    char *s = json_authn_sar_request(&u, &ra);
    cJSON *root = cJSON_Parse(s);
    assert_non_null(root);
    assert_string_equal(jstr(root, "apiVersion"), "authorization.k8s.io/v1");
    assert_string_equal(jstr(root, "kind"), "SubjectAccessReview");
    const cJSON *spec = jobj(root, "spec");
    assert_string_equal(jstr(spec, "user"), "viewer");
    assert_string_equal(jstr(spec, "uid"), "u-2");
    assert_int_equal(cJSON_GetArraySize(jobj(spec, "groups")), 2);
    const cJSON *exo = jobj(jobj(spec, "extra"), "authentication.kubernetes.io/pod-name");
    assert_int_equal(cJSON_GetArraySize(exo), 1);
    const cJSON *attrs = jobj(spec, "resourceAttributes");
    assert_string_equal(jstr(attrs, "verb"), "get");
    assert_string_equal(jstr(attrs, "group"), "armortop.io");
    assert_string_equal(jstr(attrs, "resource"), "apparmorprofiles");
    assert_string_equal(jstr(attrs, "subresource"), "profiles");
    assert_string_equal(jstr(attrs, "name"), "k8s-nginx");
    assert_null(jobj(attrs, "namespace")); /* "" is left out: cluster-scoped */
    assert_null(jobj(attrs, "version"));
    assert_null(jobj(spec, "nonResourceAttributes"));
    cJSON_Delete(root);

    /* deterministic (it is a cache key) */
    char *s2 = json_authn_sar_request(&u, &ra);
    assert_string_equal(s, s2);
    free(s2);
    /* another name, another body */
    ra.name = "k8s-other";
    s2 = json_authn_sar_request(&u, &ra);
    assert_string_not_equal(s, s2);
    free(s2);
    free(s);

    /* no groups, no extra: keys left out */
    struct kube_user bare = {.username = "u"};
    s = json_authn_sar_request(&bare, &ra);
    root = cJSON_Parse(s);
    assert_null(jobj(jobj(root, "spec"), "groups"));
    assert_null(jobj(jobj(root, "spec"), "extra"));
    assert_null(jobj(jobj(root, "spec"), "uid"));
    cJSON_Delete(root);
    free(s);
}

static void test_sar_parse(void **state)
{
    (void)state;
    struct kube_access_review ar;
    static const char ok[] =
        "{\"apiVersion\":\"authorization.k8s.io/v1\",\"kind\":\"SubjectAccessReview\","
        "\"status\":{\"allowed\":true,\"reason\":\"RBAC: allowed by ClusterRoleBinding\"}}";
    assert_int_equal(json_authn_sar_parse(ok, sizeof ok - 1, &ar, NULL), 0);
    assert_true(ar.is_allowed);
    assert_false(ar.is_denied);
    assert_string_equal(ar.reason, "RBAC: allowed by ClusterRoleBinding");
    kube_access_review_done(&ar);

    static const char no[] = "{\"kind\":\"SubjectAccessReview\",\"status\":{\"allowed\":false,"
                             "\"evaluationError\":\"webhook down\"}}";
    assert_int_equal(json_authn_sar_parse(no, sizeof no - 1, &ar, NULL), 0);
    assert_false(ar.is_allowed);
    assert_null(ar.reason);
    assert_string_equal(ar.evaluation_error, "webhook down");
    kube_access_review_done(&ar);

    static const char both[] =
        "{\"kind\":\"SubjectAccessReview\",\"status\":{\"allowed\":true,\"denied\":true}}";
    assert_int_equal(json_authn_sar_parse(both, sizeof both - 1, &ar, NULL), 0);
    assert_false(ar.is_allowed);
    assert_true(ar.is_denied);
    kube_access_review_done(&ar);

    static const char empty[] = "{\"kind\":\"SubjectAccessReview\",\"status\":{}}";
    assert_int_equal(json_authn_sar_parse(empty, sizeof empty - 1, &ar, NULL), 0);
    assert_false(ar.is_allowed);
    kube_access_review_done(&ar);

    static const char bad[] = "{\"kind\":\"TokenReview\",\"status\":{\"allowed\":true}}";
    assert_int_equal(json_authn_sar_parse(bad, sizeof bad - 1, &ar, NULL), -KERR_PARSE);
    assert_false(ar.is_allowed);
    assert_int_equal(json_authn_sar_parse("{", 1, &ar, NULL), -KERR_PARSE);
}

/* ---- hashes, keys, lifetimes ---- */

static void hex(const unsigned char *d, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++)
        sprintf(out + 2 * i, "%02x", d[i]);
}

static void test_sha256_vectors(void **state)
{
    (void)state;
    unsigned char d[32];
    char h[65];
    kube_authn_sha256("", 0, d);
    hex(d, 32, h);
    assert_string_equal(h, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    kube_authn_sha256("abc", 3, d);
    hex(d, 32, h);
    assert_string_equal(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    static const char two[] = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    kube_authn_sha256(two, sizeof two - 1, d);
    hex(d, 32, h);
    assert_string_equal(h, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    char *million = xmalloc(1000000);
    memset(million, 'a', 1000000);
    kube_authn_sha256(million, 1000000, d);
    free(million);
    hex(d, 32, h);
    assert_string_equal(h, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

static void test_token_keys(void **state)
{
    (void)state;
    unsigned char a[32], b[32], c[32], d[32];
    const char *aud1[] = {"x"};
    const char *aud2[] = {"y"};
    kube_authn_token_key("secret-token", NULL, 0, a);
    kube_authn_token_key("secret-token", NULL, 0, b);
    assert_memory_equal(a, b, 32);
    kube_authn_token_key("secret-token", aud1, 1, c);
    kube_authn_token_key("secret-token", aud2, 1, d);
    assert_memory_not_equal(a, c, 32);
    assert_memory_not_equal(c, d, 32);
    kube_authn_token_key("secret-tokeN", NULL, 0, b);
    assert_memory_not_equal(a, b, 32);

    char fp[13];
    kube_authn_token_fingerprint("abc", fp);
    assert_string_equal(fp, "ba7816bf8f01");
}

static void test_jwt_ttl(void **state)
{
    (void)state;
    char hdr[64], payload[256], tok[512];
    harness_b64url("{\"alg\":\"RS256\"}", hdr, sizeof hdr);
    harness_b64url("{\"iss\":\"kubernetes/serviceaccount\",\"exp\":1700000100,\"sub\":\"x\"}", payload,
                   sizeof payload);
    snprintf(tok, sizeof tok, "%s.%s.c2lnbmF0dXJl", hdr, payload);
    int64_t exp = 0;
    assert_int_equal(json_authn_jwt_expiry(tok, &exp), 0);
    assert_int_equal(exp, 1700000100);
    /* 100 s left: shorter than the 2 min cap */
    assert_int_equal(kube_authn_token_ttl_ms(tok, 1700000000, 120000), 100000);
    /* an hour left: the cap */
    assert_int_equal(kube_authn_token_ttl_ms(tok, 1699996500, 120000), 120000);
    /* expired: not cached */
    assert_int_equal(kube_authn_token_ttl_ms(tok, 1700000100, 120000), 0);
    /* opaque tokens: the cap */
    assert_int_equal(kube_authn_token_ttl_ms("admin-token-0123456789", 1700000000, 120000), 120000);
    assert_int_equal(json_authn_jwt_expiry("a.b", &exp), -KERR_PARSE);
    assert_int_equal(json_authn_jwt_expiry("a.!!!.c", &exp), -KERR_PARSE);
    harness_b64url("{\"sub\":\"no exp\"}", payload, sizeof payload);
    snprintf(tok, sizeof tok, "%s.%s.sig", hdr, payload);
    assert_int_equal(json_authn_jwt_expiry(tok, &exp), -KERR_PARSE);
}

/* ---- cache ---- */

static int64_t fake_ms(void *ud)
{
    return *(int64_t *)ud;
}

static void key_of(int i, unsigned char key[32])
{
    char s[32];
    snprintf(s, sizeof s, "key-%d", i);
    kube_authn_sha256(s, strlen(s), key);
}

static void test_cache_expiry(void **state)
{
    (void)state;
    int64_t now = 1000;
    struct kube_authn_cache *c = kube_authn_cache_new(8, fake_ms, &now);
    unsigned char k[32];
    key_of(1, k);
    char *groups[] = {"g1"};
    struct kube_authn_decision d = {
        .is_ok = true,
        .user = {.username = "alice", .groups = groups, .group_count = 1},
        .reason = "because"};
    struct kube_authn_decision got;
    assert_false(kube_authn_cache_get(c, k, &got));
    kube_authn_cache_put(c, k, &d, 300000); /* allowed: 5 min */
    now += 299999;
    assert_true(kube_authn_cache_get(c, k, &got));
    assert_true(got.is_ok);
    assert_string_equal(got.user.username, "alice");
    assert_string_equal(got.user.groups[0], "g1");
    assert_string_equal(got.reason, "because");
    kube_authn_decision_done(&got);
    now += 1;
    assert_false(kube_authn_cache_get(c, k, &got));
    assert_int_equal(kube_authn_cache_count(c), 0); /* expired entry dropped on lookup */

    /* denied: 30 s */
    d.is_ok = false;
    kube_authn_cache_put(c, k, &d, 30000);
    now += 29000;
    assert_true(kube_authn_cache_get(c, k, &got));
    assert_false(got.is_ok);
    kube_authn_decision_done(&got);
    now += 1000;
    assert_false(kube_authn_cache_get(c, k, &got));

    /* ttl <= 0 stores nothing; a put replaces */
    kube_authn_cache_put(c, k, &d, 0);
    assert_int_equal(kube_authn_cache_count(c), 0);
    kube_authn_cache_put(c, k, &d, 1000);
    d.is_ok = true;
    kube_authn_cache_put(c, k, &d, 1000);
    assert_int_equal(kube_authn_cache_count(c), 1);
    assert_true(kube_authn_cache_get(c, k, &got));
    assert_true(got.is_ok);
    kube_authn_decision_done(&got);
    kube_authn_cache_free(&c);
    assert_null(c);
}

static void test_cache_bounded(void **state)
{
    (void)state;
    int64_t now = 0;
    struct kube_authn_cache *c = kube_authn_cache_new(4, fake_ms, &now);
    struct kube_authn_decision d = {.is_ok = true};
    struct kube_authn_decision got;
    unsigned char k[32];
    /* 4 entries with lifetimes 10, 40, 30, 20 s */
    static const int64_t ttl[] = {10000, 40000, 30000, 20000};
    for (int i = 0; i < 4; i++) {
        key_of(i, k);
        kube_authn_cache_put(c, k, &d, ttl[i]);
    }
    assert_int_equal(kube_authn_cache_count(c), 4);
    /* full: the one closest to expiry (0) goes */
    key_of(4, k);
    kube_authn_cache_put(c, k, &d, 50000);
    assert_int_equal(kube_authn_cache_count(c), 4);
    key_of(0, k);
    assert_false(kube_authn_cache_get(c, k, &got));
    key_of(3, k);
    assert_true(kube_authn_cache_get(c, k, &got));
    kube_authn_decision_done(&got);
    /* at 35 s, 2 and 3 have expired: both make room, 1 stays */
    now = 35000;
    for (int i = 5; i < 7; i++) {
        key_of(i, k);
        kube_authn_cache_put(c, k, &d, 60000);
    }
    assert_int_equal(kube_authn_cache_count(c), 4);
    key_of(1, k);
    assert_true(kube_authn_cache_get(c, k, &got));
    kube_authn_decision_done(&got);
    /* many more: never above the bound */
    for (int i = 100; i < 200; i++) {
        key_of(i, k);
        kube_authn_cache_put(c, k, &d, 1000 + i);
        assert_true(kube_authn_cache_count(c) <= 4);
    }
    kube_authn_cache_free(&c);
}

/* ---- agent: attributes per method and path ---- */

static void test_attributes(void **state)
{
    (void)state;
    static const struct {
        const char *method, *path, *verb, *sub, *name;
    } cases[] = {
        {"GET", "/v1/profiles", "list", "profiles", NULL},
        {"GET", "/v1/profiles/", "list", "profiles", NULL},
        {"HEAD", "/v1/profiles", "list", "profiles", NULL},
        {"GET", "/v1/profiles/k8s-nginx", "get", "profiles", "k8s-nginx"},
        {"PUT", "/v1/profiles/k8s-nginx", "update", "profiles", "k8s-nginx"},
        {"DELETE", "/v1/profiles/k8s-nginx", "delete", "profiles", "k8s-nginx"},
        {"POST", "/v1/profiles/k8s-nginx/mode", "update", "profiles", "k8s-nginx"},
        {"POST", "/v1/profiles/a/b", "create", "profiles", "a/b"},
        {"PATCH", "/v1/profiles/x", "patch", "profiles", "x"},
        {"GET", "/v1/containers", "list", "containers", NULL},
        {"GET", "/v1/denials", "list", "denials", NULL},
        {"GET", "/v1/denials/summary", "list", "denials", NULL},
        {"GET", "/v1/status", "get", "status", NULL},
        {"GET", "/metrics", "get", "metrics", NULL},
        {"PUT", "/v1/status", "update", "status", NULL},
        {"DELETE", "/v1/denials", "delete", "denials", NULL},
        {"GET", "/nowhere", "get", "status", NULL},
        {"OPTIONS", "/v1/status", "unknown", "status", NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct agent_auth_attrs a;
        agent_auth_attributes(cases[i].method, cases[i].path, "get", "status", &a);
        if (strcmp(a.verb, cases[i].verb) != 0 || strcmp(a.subresource, cases[i].sub) != 0)
            fail_msg("%s %s: got %s %s, want %s %s", cases[i].method, cases[i].path, a.verb,
                     a.subresource, cases[i].verb, cases[i].sub);
        if (cases[i].name)
            assert_string_equal(a.name, cases[i].name);
        else
            assert_null(a.name);
        agent_auth_attrs_done(&a);
    }
    /* without method/path: the caller's verb and resource */
    struct agent_auth_attrs a;
    agent_auth_attributes(NULL, NULL, "update", "profiles", &a);
    assert_string_equal(a.verb, "update");
    assert_string_equal(a.subresource, "profiles");
    assert_null(a.name);
    agent_auth_attrs_done(&a);
    assert_true(agent_auth_verb_is_write("update"));
    assert_false(agent_auth_verb_is_write("list"));
}

static void test_authorize_reasons(void **state)
{
    (void)state;
    struct agent_auth *auth = agent_auth_new();
    assert_string_equal(agent_auth_mode_name(auth), "token");
    assert_false(agent_auth_has_kube(auth));
    struct agent_identity who;
    struct agent_auth_request req = {.method = "PUT", .path = "/v1/profiles/p"};
    assert_int_equal(agent_auth_authorize(auth, &req, "update", "profiles", &who), 401);
    assert_non_null(strstr(who.reason, "X-Armortop-Authorization"));
    req.x_armortop_authorization = "Bearer nobody-knows-me";
    assert_int_equal(agent_auth_authorize(auth, &req, "update", "profiles", &who), 401);
    assert_non_null(strstr(who.reason, "unknown token"));
    req.x_armortop_authorization = "Basic abc";
    assert_int_equal(agent_auth_authorize(auth, &req, "update", "profiles", &who), 401);
    agent_auth_free(&auth);

    auth = agent_auth_new_insecure();
    assert_string_equal(agent_auth_mode_name(auth), "none");
    assert_int_equal(agent_auth_authorize(auth, &req, "update", "profiles", &who), 200);
    agent_auth_free(&auth);
    assert_int_equal(agent_auth_authorize(NULL, &req, "get", "status", &who), 401);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_token_review_request),
        cmocka_unit_test(test_token_review_parse_authenticated),
        cmocka_unit_test(test_token_review_parse_rejected),
        cmocka_unit_test(test_token_review_parse_errors),
        cmocka_unit_test(test_sar_request),
        cmocka_unit_test(test_sar_parse),
        cmocka_unit_test(test_sha256_vectors),
        cmocka_unit_test(test_token_keys),
        cmocka_unit_test(test_jwt_ttl),
        cmocka_unit_test(test_cache_expiry),
        cmocka_unit_test(test_cache_bounded),
        cmocka_unit_test(test_attributes),
        cmocka_unit_test(test_authorize_reasons),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
