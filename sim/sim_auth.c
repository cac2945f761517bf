/*
 * sim_auth: users, roles, TokenReview and SubjectAccessReview (see sim_auth.h).
 */
#include "config.h"
#include "sim_auth.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "xalloc.h"

void sim_auth_read_token(const char *token, char *buf, size_t len)
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

static void add_user(struct sim_auth *a, const char *token, const char *name, const char *groups)
{
    a->users = xreallocarray(a->users, a->count + 1, sizeof *a->users);
    struct sim_user *u = &a->users[a->count++];
    memset(u, 0, sizeof *u);
    u->token = xstrdup(token);
    u->name = xstrdup(name);
    char *g = xstrdup(groups ? groups : "");
    char *save = NULL;
    for (char *t = strtok_r(g, "|", &save); t; t = strtok_r(NULL, "|", &save)) {
        u->groups = xreallocarray(u->groups, u->ngroups + 1, sizeof *u->groups);
        u->groups[u->ngroups++] = xstrdup(t);
    }
    free(g);
}

void sim_auth_agent_token(const char *token, char *buf, size_t len)
{
    char salted[256], v[64];
    snprintf(salted, sizeof salted, "%s#armortop-agent", token);
    sim_auth_read_token(salted, v, sizeof v);
    snprintf(buf, len, "sa-%s", v + 5);
}

void sim_auth_add(struct sim_auth *a, const char *token, const char *name, const char *groups)
{
    add_user(a, token, name, groups);
}

void sim_auth_init_default(struct sim_auth *a, const char *token)
{
    memset(a, 0, sizeof *a);
    char rt[64];
    sim_auth_read_token(token, rt, sizeof rt);
    add_user(a, token, "admin", SIM_GROUP_ADMINS);
    add_user(a, rt, "viewer", SIM_GROUP_VIEWERS);
}

int sim_auth_parse(struct sim_auth *a, const char *spec, char *err, size_t err_len)
{
    memset(a, 0, sizeof *a);
    char *copy = xstrdup(spec);
    char *save = NULL;
    int rc = 0;
    for (char *e = strtok_r(copy, ",", &save); e; e = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(e, '=');
        char *colon = eq ? strchr(eq + 1, ':') : NULL;
        if (!eq || eq == e || (colon ? colon == eq + 1 : !eq[1]) ||
            strpbrk(e, " \t\"'\\")) {
            snprintf(err, err_len, "--users: bad entry '%s' (want token=user:group1|group2)", e);
            rc = -1;
            break;
        }
        *eq = '\0';
        if (colon)
            *colon = '\0';
        if (sim_auth_find(a, e)) {
            snprintf(err, err_len, "--users: token given twice");
            rc = -1;
            break;
        }
        add_user(a, e, eq + 1, colon ? colon + 1 : "");
    }
    free(copy);
    if (rc == 0 && a->count == 0) {
        snprintf(err, err_len, "--users: no users");
        rc = -1;
    }
    if (rc)
        sim_auth_done(a);
    return rc;
}

void sim_auth_done(struct sim_auth *a)
{
    for (size_t i = 0; i < a->count; i++) {
        free(a->users[i].token);
        free(a->users[i].name);
        for (size_t j = 0; j < a->users[i].ngroups; j++)
            free(a->users[i].groups[j]);
        free(a->users[i].groups);
    }
    free(a->users);
    memset(a, 0, sizeof *a);
}

const struct sim_user *sim_auth_find(const struct sim_auth *a, const char *token)
{
    if (!token)
        return NULL;
    for (size_t i = 0; i < a->count; i++)
        if (strcmp(a->users[i].token, token) == 0)
            return &a->users[i];
    return NULL;
}

bool sim_user_in_group(const struct sim_user *u, const char *group)
{
    for (size_t i = 0; i < u->ngroups; i++)
        if (strcmp(u->groups[i], group) == 0)
            return true;
    return false;
}

bool sim_auth_allowed(const char *user, const char *const *groups, size_t ngroups,
                      const char *verb, const char *group, const char *resource, char *reason,
                      size_t reason_len)
{
    (void)user;
    bool is_aa = group && strcmp(group, "armortop.io") == 0 && resource &&
                 strcmp(resource, "apparmorprofiles") == 0;
    bool is_read = verb && (strcmp(verb, "get") == 0 || strcmp(verb, "list") == 0 ||
                            strcmp(verb, "watch") == 0);
    for (size_t i = 0; i < ngroups; i++) {
        if (strcmp(groups[i], "system:masters") == 0) {
            snprintf(reason, reason_len, "allowed by group \"system:masters\"");
            return true;
        }
        if (is_aa && strcmp(groups[i], SIM_GROUP_ADMINS) == 0) {
            snprintf(reason, reason_len,
                     "RBAC: allowed by ClusterRoleBinding \"armortop-admin\" of ClusterRole "
                     "\"armortop-admin\" to Group \"%s\"",
                     SIM_GROUP_ADMINS);
            return true;
        }
        if (is_aa && is_read && strcmp(groups[i], SIM_GROUP_VIEWERS) == 0) {
            snprintf(reason, reason_len,
                     "RBAC: allowed by ClusterRoleBinding \"armortop-viewer\" of ClusterRole "
                     "\"armortop-viewer\" to Group \"%s\"",
                     SIM_GROUP_VIEWERS);
            return true;
        }
    }
    reason[0] = '\0';
    return false;
}

static unsigned bad_request(struct strbuf *out, const char *msg)
{
    strbuf_puts(out, "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},"
                     "\"status\":\"Failure\",\"message\":");
    strbuf_json_str(out, msg);
    strbuf_puts(out, ",\"reason\":\"BadRequest\",\"code\":400}");
    return 400;
}

static const char *jstr(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static bool check_kind(const cJSON *root, const char *api, const char *kind, struct strbuf *out,
                       unsigned *code)
{
    const char *av = jstr(root, "apiVersion"), *k = jstr(root, "kind");
    if ((av && strcmp(av, api) != 0) || (k && strcmp(k, kind) != 0)) {
        char msg[256];
        snprintf(msg, sizeof msg, "the API version in the data (%s) does not match the expected "
                                  "API version (%s) or kind %s",
                 av ? av : "", api, k ? k : "");
        *code = bad_request(out, msg);
        return false;
    }
    return true;
}

unsigned sim_auth_token_review(const struct sim_auth *a, const char *body, struct strbuf *out)
{
    cJSON *root = cJSON_Parse(body ? body : "");
    unsigned code = 201;
    if (!cJSON_IsObject(root)) {
        cJSON_Delete(root);
        return bad_request(out, "the body of the request was in an unknown format");
    }
    if (!check_kind(root, "authentication.k8s.io/v1", "TokenReview", out, &code)) {
        cJSON_Delete(root);
        return code;
    }
    const cJSON *spec = cJSON_GetObjectItemCaseSensitive(root, "spec");
    const char *token = jstr(spec, "token");
    const cJSON *aud = cJSON_GetObjectItemCaseSensitive(spec, "audiences");
    const struct sim_user *u = token && *token ? sim_auth_find(a, token) : NULL;
    strbuf_puts(out, "{\"kind\":\"TokenReview\",\"apiVersion\":\"authentication.k8s.io/v1\","
                     "\"metadata\":{\"creationTimestamp\":null},\"spec\":{\"token\":");
    strbuf_json_str(out, token ? token : "");
    if (cJSON_IsArray(aud)) {
        char *a_json = cJSON_PrintUnformatted(aud);
        strbuf_printf(out, ",\"audiences\":%s", a_json);
        free(a_json);
    }
    strbuf_puts(out, "},\"status\":{");
    if (u) {
        strbuf_puts(out, "\"authenticated\":true,\"user\":{\"username\":");
        strbuf_json_str(out, u->name);
        char uid[64];
        snprintf(uid, sizeof uid, "sim-user-%s", u->name);
        strbuf_puts(out, ",\"uid\":");
        strbuf_json_str(out, uid);
        strbuf_puts(out, ",\"groups\":[");
        for (size_t i = 0; i < u->ngroups; i++) {
            if (i)
                strbuf_putc(out, ',');
            strbuf_json_str(out, u->groups[i]);
        }
        if (u->ngroups)
            strbuf_putc(out, ',');
        strbuf_puts(out, "\"system:authenticated\"]}");
        if (cJSON_IsArray(aud)) {
            char *a_json = cJSON_PrintUnformatted(aud);
            strbuf_printf(out, ",\"audiences\":%s", a_json);
            free(a_json);
        } else {
            strbuf_puts(out, ",\"audiences\":[\"https://kubernetes.default.svc.cluster.local\"]");
        }
    } else {
        strbuf_puts(out, "\"user\":{},\"error\":\"[invalid bearer token, token lookup failed]\"");
    }
    strbuf_puts(out, "}}");
    cJSON_Delete(root);
    return code;
}

unsigned sim_auth_access_review(const struct sim_auth *a, const char *body, struct strbuf *out)
{
    (void)a;
    cJSON *root = cJSON_Parse(body ? body : "");
    unsigned code = 201;
    if (!cJSON_IsObject(root)) {
        cJSON_Delete(root);
        return bad_request(out, "the body of the request was in an unknown format");
    }
    if (!check_kind(root, "authorization.k8s.io/v1", "SubjectAccessReview", out, &code)) {
        cJSON_Delete(root);
        return code;
    }
    const cJSON *spec = cJSON_GetObjectItemCaseSensitive(root, "spec");
    const cJSON *ra = cJSON_GetObjectItemCaseSensitive(spec, "resourceAttributes");
    const cJSON *nra = cJSON_GetObjectItemCaseSensitive(spec, "nonResourceAttributes");
    const char *user = jstr(spec, "user");
    const cJSON *groups = cJSON_GetObjectItemCaseSensitive(spec, "groups");
    if (!cJSON_IsObject(ra) && !cJSON_IsObject(nra)) {
        cJSON_Delete(root);
        return bad_request(out, "SubjectAccessReview.authorization.k8s.io \"\" is invalid: "
                                "spec.resourceAttributes: Invalid value: \"null\": exactly one of "
                                "nonResourceAttributes or resourceAttributes must be specified");
    }
    if ((!user || !*user) && cJSON_GetArraySize(groups) == 0) {
        cJSON_Delete(root);
        return bad_request(out, "SubjectAccessReview.authorization.k8s.io \"\" is invalid: "
                                "spec.user: Invalid value: \"\": at least one of user or group "
                                "must be specified");
    }
    const char *gl[64];
    size_t ng = 0;
    const cJSON *g;
    cJSON_ArrayForEach(g, groups)
    {
        if (cJSON_IsString(g) && ng < 64)
            gl[ng++] = g->valuestring;
    }
    char reason[256] = "";
    bool ok = false;
    if (cJSON_IsObject(ra))
        ok = sim_auth_allowed(user, gl, ng, jstr(ra, "verb"), jstr(ra, "group"),
                              jstr(ra, "resource"), reason, sizeof reason);
    else
        ok = sim_auth_allowed(user, gl, ng, jstr(nra, "verb"), NULL, NULL, reason, sizeof reason);
    strbuf_puts(out, "{\"kind\":\"SubjectAccessReview\",\"apiVersion\":\"authorization.k8s.io/v1\","
                     "\"metadata\":{\"creationTimestamp\":null},\"spec\":");
    char *spec_json = cJSON_PrintUnformatted(spec);
    strbuf_puts(out, spec_json);
    free(spec_json);
    strbuf_printf(out, ",\"status\":{\"allowed\":%s", ok ? "true" : "false");
    if (ok) {
        strbuf_puts(out, ",\"reason\":");
        strbuf_json_str(out, reason);
    }
    strbuf_puts(out, "}}");
    cJSON_Delete(root);
    return code;
}
