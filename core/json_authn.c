/*
 * json_authn: the JSON side of kube_authn (see kube_authn.h): builds
 * TokenReview and SubjectAccessReview request bodies and decodes their
 * answers into the plain C structs of kube_authn.h, and reads the exp claim
 * of a JWT. One of the few files allowed to include cJSON; every tree is
 * deleted before the function returns, and buffers that held a token are
 * wiped. Depends on libc, cJSON, xalloc, kerr. Never prints.
 */
#include "config.h"
#include "kube_authn.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "xalloc.h"

void kube_user_done(struct kube_user *u)
{
    if (!u)
        return;
    free(u->username);
    free(u->uid);
    for (size_t i = 0; i < u->group_count; i++)
        free(u->groups[i]);
    free(u->groups);
    for (size_t i = 0; i < u->extra_count; i++) {
        free(u->extra[i].key);
        for (size_t j = 0; j < u->extra[i].value_count; j++)
            free(u->extra[i].values[j]);
        free(u->extra[i].values);
    }
    free(u->extra);
    memset(u, 0, sizeof *u);
}

static char **copy_strv(char *const *v, size_t n)
{
    if (n == 0)
        return NULL;
    char **out = xcalloc(n, sizeof *out);
    for (size_t i = 0; i < n; i++)
        out[i] = xstrdup_or_null(v[i]);
    return out;
}

void kube_user_copy(struct kube_user *dst, const struct kube_user *src)
{
    memset(dst, 0, sizeof *dst);
    if (!src)
        return;
    dst->username = xstrdup_or_null(src->username);
    dst->uid = xstrdup_or_null(src->uid);
    dst->groups = copy_strv(src->groups, src->group_count);
    dst->group_count = src->group_count;
    if (src->extra_count) {
        dst->extra = xcalloc(src->extra_count, sizeof *dst->extra);
        for (size_t i = 0; i < src->extra_count; i++) {
            dst->extra[i].key = xstrdup_or_null(src->extra[i].key);
            dst->extra[i].values = copy_strv(src->extra[i].values, src->extra[i].value_count);
            dst->extra[i].value_count = src->extra[i].value_count;
        }
        dst->extra_count = src->extra_count;
    }
}

void kube_token_review_done(struct kube_token_review *tr)
{
    if (!tr)
        return;
    kube_user_done(&tr->user);
    for (size_t i = 0; i < tr->audience_count; i++)
        free(tr->audiences[i]);
    free(tr->audiences);
    free(tr->error);
    memset(tr, 0, sizeof *tr);
}

void kube_access_review_done(struct kube_access_review *ar)
{
    if (!ar)
        return;
    free(ar->reason);
    free(ar->evaluation_error);
    memset(ar, 0, sizeof *ar);
}

/* ---- building ---------------------------------------------------------------- */

static char *print_and_delete(cJSON *root)
{
    char *s = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    if (!s)
        abort(); /* cJSON out of memory: the xalloc policy */
    char *out = xstrdup(s);
    explicit_bzero(s, strlen(s));
    cJSON_free(s);
    return out;
}

static cJSON *string_array(char *const *v, size_t n)
{
    cJSON *arr = cJSON_CreateArray();
    for (size_t i = 0; i < n; i++)
        cJSON_AddItemToArray(arr, cJSON_CreateString(v[i] ? v[i] : ""));
    return arr;
}

char *json_authn_token_review_request(const char *token, const char *const *audiences,
                                      size_t audience_count)
{
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "apiVersion", "authentication.k8s.io/v1");
    cJSON_AddStringToObject(root, "kind", "TokenReview");
    cJSON *spec = cJSON_AddObjectToObject(root, "spec");
    cJSON_AddStringToObject(spec, "token", token ? token : "");
    if (audience_count > 0)
        cJSON_AddItemToObject(spec, "audiences",
                              string_array((char *const *)(uintptr_t)audiences, audience_count));
    return print_and_delete(root);
}

static void add_opt(cJSON *obj, const char *key, const char *val)
{
    if (val && *val)
        cJSON_AddStringToObject(obj, key, val);
}

char *json_authn_sar_request(const struct kube_user *user,
                             const struct kube_resource_attributes *ra)
{
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "apiVersion", "authorization.k8s.io/v1");
    cJSON_AddStringToObject(root, "kind", "SubjectAccessReview");
    cJSON *spec = cJSON_AddObjectToObject(root, "spec");
    cJSON *attrs = cJSON_AddObjectToObject(spec, "resourceAttributes");
    if (ra) {
        add_opt(attrs, "namespace", ra->namespace);
        add_opt(attrs, "verb", ra->verb);
        add_opt(attrs, "group", ra->group);
        add_opt(attrs, "version", ra->version);
        add_opt(attrs, "resource", ra->resource);
        add_opt(attrs, "subresource", ra->subresource);
        add_opt(attrs, "name", ra->name);
    }
    if (user) {
        add_opt(spec, "user", user->username);
        if (user->group_count)
            cJSON_AddItemToObject(spec, "groups", string_array(user->groups, user->group_count));
        add_opt(spec, "uid", user->uid);
        if (user->extra_count) {
            cJSON *extra = cJSON_AddObjectToObject(spec, "extra");
            for (size_t i = 0; i < user->extra_count; i++)
                if (user->extra[i].key)
                    cJSON_AddItemToObject(
                        extra, user->extra[i].key,
                        string_array(user->extra[i].values, user->extra[i].value_count));
        }
    }
    return print_and_delete(root);
}

/* ---- decoding ---------------------------------------------------------------- */

/* Parse text and check apiVersion group and kind; returns the status object or NULL. */
static const cJSON *parse_status(const char *text, size_t len, const char *group, const char *kind,
                                 cJSON **root, struct kerr *err)
{
    *root = NULL;
    if (!text || len == 0) {
        kerr_set(err, KERR_PARSE, "%s: empty response", kind);
        return NULL;
    }
    *root = cJSON_ParseWithLength(text, len);
    if (!cJSON_IsObject(*root)) {
        kerr_set(err, KERR_PARSE, "%s: response is not a JSON object", kind);
        return NULL;
    }
    const cJSON *k = cJSON_GetObjectItemCaseSensitive(*root, "kind");
    const cJSON *av = cJSON_GetObjectItemCaseSensitive(*root, "apiVersion");
    if (cJSON_IsString(k) && strcmp(k->valuestring, "Status") == 0) {
        const cJSON *msg = cJSON_GetObjectItemCaseSensitive(*root, "message");
        kerr_set(err, KERR_PARSE, "%s: server answered with a Status: %s", kind,
                 cJSON_IsString(msg) ? msg->valuestring : "(no message)");
        return NULL;
    }
    if (!cJSON_IsString(k) || strcmp(k->valuestring, kind) != 0) {
        kerr_set(err, KERR_PARSE, "%s: response kind is %s", kind,
                 cJSON_IsString(k) ? k->valuestring : "missing");
        return NULL;
    }
    size_t gl = strlen(group);
    if (cJSON_IsString(av) &&
        (strncmp(av->valuestring, group, gl) != 0 || av->valuestring[gl] != '/')) {
        kerr_set(err, KERR_PARSE, "%s: unexpected apiVersion %s", kind, av->valuestring);
        return NULL;
    }
    const cJSON *st = cJSON_GetObjectItemCaseSensitive(*root, "status");
    if (!cJSON_IsObject(st)) {
        kerr_set(err, KERR_PARSE, "%s: response has no status", kind);
        return NULL;
    }
    return st;
}

static char *opt_str(const cJSON *obj, const char *key)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, key);
    return cJSON_IsString(it) && it->valuestring ? xstrdup(it->valuestring) : NULL;
}

static bool opt_bool(const cJSON *obj, const char *key)
{
    return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(obj, key));
}

/* Strings of a JSON array (non-strings skipped). */
static char **str_array(const cJSON *arr, size_t *count)
{
    *count = 0;
    if (!cJSON_IsArray(arr))
        return NULL;
    int n = cJSON_GetArraySize(arr);
    if (n <= 0)
        return NULL;
    char **out = xcalloc((size_t)n, sizeof *out);
    const cJSON *it;
    cJSON_ArrayForEach(it, arr)
    {
        if (cJSON_IsString(it) && it->valuestring)
            out[(*count)++] = xstrdup(it->valuestring);
    }
    if (*count == 0) {
        free(out);
        return NULL;
    }
    return out;
}

int json_authn_token_review_parse(const char *text, size_t len, struct kube_token_review *out,
                                  struct kerr *err)
{
    cJSON *root = NULL;
    memset(out, 0, sizeof *out);
    const cJSON *st = parse_status(text, len, "authentication.k8s.io", "TokenReview", &root, err);
    if (!st) {
        cJSON_Delete(root);
        return -KERR_PARSE;
    }
    out->is_authenticated = opt_bool(st, "authenticated");
    out->error = opt_str(st, "error");
    out->audiences =
        str_array(cJSON_GetObjectItemCaseSensitive(st, "audiences"), &out->audience_count);
    const cJSON *u = cJSON_GetObjectItemCaseSensitive(st, "user");
    if (cJSON_IsObject(u)) {
        out->user.username = opt_str(u, "username");
        out->user.uid = opt_str(u, "uid");
        out->user.groups =
            str_array(cJSON_GetObjectItemCaseSensitive(u, "groups"), &out->user.group_count);
        const cJSON *ex = cJSON_GetObjectItemCaseSensitive(u, "extra");
        if (cJSON_IsObject(ex)) {
            int n = cJSON_GetArraySize(ex);
            if (n > 0) {
                out->user.extra = xcalloc((size_t)n, sizeof *out->user.extra);
                const cJSON *it;
                cJSON_ArrayForEach(it, ex)
                {
                    if (!it->string)
                        continue;
                    struct kube_user_extra *e = &out->user.extra[out->user.extra_count++];
                    e->key = xstrdup(it->string);
                    e->values = str_array(it, &e->value_count);
                }
            }
        }
    }
    /* An authenticated answer without a user name is useless for authorization. */
    if (out->is_authenticated && (!out->user.username || !*out->user.username)) {
        kube_token_review_done(out);
        cJSON_Delete(root);
        return kerr_set(err, KERR_PARSE, "TokenReview: authenticated without a user name");
    }
    cJSON_Delete(root);
    return 0;
}

int json_authn_sar_parse(const char *text, size_t len, struct kube_access_review *out,
                         struct kerr *err)
{
    cJSON *root = NULL;
    memset(out, 0, sizeof *out);
    const cJSON *st =
        parse_status(text, len, "authorization.k8s.io", "SubjectAccessReview", &root, err);
    if (!st) {
        cJSON_Delete(root);
        return -KERR_PARSE;
    }
    out->is_denied = opt_bool(st, "denied");
    /* denied wins, as in the API's own contract (allowed and denied both true is invalid). */
    out->is_allowed = opt_bool(st, "allowed") && !out->is_denied;
    out->reason = opt_str(st, "reason");
    out->evaluation_error = opt_str(st, "evaluationError");
    cJSON_Delete(root);
    return 0;
}

/* ---- JWT exp ----------------------------------------------------------------- */

static int b64url_val(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '-' || c == '+')
        return 62;
    if (c == '_' || c == '/')
        return 63;
    return -1;
}

int json_authn_jwt_expiry(const char *token, int64_t *exp_unix_s)
{
    if (!token)
        return -KERR_PARSE;
    const char *p1 = strchr(token, '.');
    const char *p2 = p1 ? strchr(p1 + 1, '.') : NULL;
    if (!p1 || !p2 || strchr(p2 + 1, '.'))
        return -KERR_PARSE;
    size_t n = (size_t)(p2 - (p1 + 1));
    if (n == 0 || n > 16384)
        return -KERR_PARSE;
    unsigned char *buf = xmalloc(n * 3 / 4 + 4);
    size_t len = 0;
    uint32_t acc = 0;
    int bits = 0;
    for (const char *p = p1 + 1; p < p2; p++) {
        if (*p == '=')
            break;
        int v = b64url_val((unsigned char)*p);
        if (v < 0) {
            free(buf);
            return -KERR_PARSE;
        }
        acc = (acc << 6) | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            buf[len++] = (unsigned char)(acc >> bits);
        }
    }
    int rc = -KERR_PARSE;
    cJSON *root = cJSON_ParseWithLength((const char *)buf, len);
    const cJSON *exp = cJSON_IsObject(root) ? cJSON_GetObjectItemCaseSensitive(root, "exp") : NULL;
    if (cJSON_IsNumber(exp) && isfinite(exp->valuedouble) && exp->valuedouble > 0 &&
        exp->valuedouble < 9e15) {
        *exp_unix_s = (int64_t)exp->valuedouble;
        rc = 0;
    }
    cJSON_Delete(root);
    free(buf);
    return rc;
}
