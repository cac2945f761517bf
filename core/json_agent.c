/*
 * json_agent: armortop-agent answers and agent pods into model structs (see
 * json_agent.h). Each decoder parses the whole body with cJSON, copies what
 * it needs, and deletes the tree before returning.
 *
 * Depends on libc, cJSON, model, kerr and xalloc. Never prints.
 */
#include "config.h"
#include "json_agent.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "xalloc.h"

static const cJSON *jget(const cJSON *obj, const char *key)
{
    return cJSON_IsObject(obj) ? cJSON_GetObjectItemCaseSensitive(obj, key) : NULL;
}

/* Copy a string member (NULL when absent or null). KERR_PARSE for another type. */
static int jstr(const cJSON *obj, const char *key, char **out, struct kerr *err)
{
    const cJSON *v = jget(obj, key);
    *out = NULL;
    if (!v || cJSON_IsNull(v))
        return 0;
    if (!cJSON_IsString(v) || !v->valuestring)
        return kerr_set(err, KERR_PARSE, "agent answer: \"%s\" is not a string", key);
    *out = xstrdup(v->valuestring);
    return 0;
}

/* A number member into *out (dflt when absent or null). */
static int jnum(const cJSON *obj, const char *key, int64_t dflt, int64_t *out, struct kerr *err)
{
    const cJSON *v = jget(obj, key);
    *out = dflt;
    if (!v || cJSON_IsNull(v))
        return 0;
    /* Out of int64 range the cast would be undefined: refuse it like garbage. */
    if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble) || v->valuedouble < -9.2e18 ||
        v->valuedouble > 9.2e18)
        return kerr_set(err, KERR_PARSE, "agent answer: \"%s\" is not a number", key);
    *out = (int64_t)v->valuedouble;
    return 0;
}

static bool jbool(const cJSON *obj, const char *key)
{
    return cJSON_IsTrue(jget(obj, key));
}

static cJSON *parse(const char *body, size_t len, const char *what, struct kerr *err)
{
    cJSON *root = body && len ? cJSON_ParseWithLength(body, len) : NULL;
    if (!root)
        kerr_set(err, KERR_PARSE, "%s: not JSON", what);
    return root;
}

/* "2024-05-22T09:45:33.123Z" → unix seconds and milliseconds. */
static void parse_time(const char *s, int64_t *secs, int *ms)
{
    struct tm tm;
    int y, mo, d, h, mi, se, n = 0;
    *secs = 0;
    *ms = 0;
    if (!s || sscanf(s, "%d-%d-%dT%d:%d:%d%n", &y, &mo, &d, &h, &mi, &se, &n) != 6)
        return;
    memset(&tm, 0, sizeof tm);
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = se;
    *secs = (int64_t)timegm(&tm);
    if (s[n] == '.') {
        int v = 0, digits = 0;
        for (const char *p = s + n + 1; *p >= '0' && *p <= '9'; p++) {
            if (digits < 3) {
                v = v * 10 + (*p - '0');
                digits++;
            }
        }
        while (digits > 0 && digits < 3) {
            v *= 10;
            digits++;
        }
        *ms = v;
    }
}

int json_agent_decode_status(const char *body, size_t len, struct agent_node *node,
                             int64_t *uptime_s, struct kerr *err)
{
    int rc = 0;
    char *reason = NULL, *version = NULL;
    int64_t rev = -1, up = -1;
    cJSON *root = parse(body, len, "/v1/status", err);
    *uptime_s = -1;
    if (!root)
        return -KERR_PARSE;
    if (!cJSON_IsObject(root)) {
        rc = kerr_set(err, KERR_PARSE, "/v1/status: not an object");
        goto out;
    }
    const cJSON *aa = jget(root, "apparmor");
    if ((rc = jstr(aa, "reason", &reason, err)) < 0 ||
        (rc = jstr(root, "version", &version, err)) < 0 ||
        (rc = jnum(root, "revision", -1, &rev, err)) < 0 ||
        (rc = jnum(root, "uptime_s", -1, &up, err)) < 0)
        goto out;
    node->is_aa_enabled = jbool(aa, "enabled");
    free(node->aa_reason);
    node->aa_reason = reason;
    reason = NULL;
    free(node->version);
    node->version = version;
    version = NULL;
    node->revision = rev;
    *uptime_s = up;
out:
    free(reason);
    free(version);
    cJSON_Delete(root);
    return rc;
}

int json_agent_decode_profiles(const char *body, size_t len, struct agent_node_profile **out,
                               size_t *count, int64_t *revision, struct kerr *err)
{
    int rc = 0;
    struct agent_node_profile *v = NULL;
    size_t n = 0;
    cJSON *root = parse(body, len, "/v1/profiles", err);
    *out = NULL;
    *count = 0;
    *revision = -1;
    if (!root)
        return -KERR_PARSE;
    const cJSON *arr = cJSON_IsArray(root) ? root : jget(root, "profiles");
    if (!cJSON_IsArray(arr)) {
        rc = kerr_set(err, KERR_PARSE, "/v1/profiles: no \"profiles\" array");
        goto out;
    }
    if ((rc = jnum(root, "revision", -1, revision, err)) < 0)
        goto out;
    int total = cJSON_GetArraySize(arr);
    if (total > 0)
        v = xcalloc((size_t)total, sizeof *v);
    const cJSON *it;
    cJSON_ArrayForEach(it, arr)
    {
        struct agent_node_profile *p = &v[n];
        if ((rc = jstr(it, "name", &p->name, err)) < 0 ||
            (rc = jstr(it, "mode", &p->mode, err)) < 0 ||
            (rc = jstr(it, "hash", &p->hash, err)) < 0 ||
            (rc = jstr(it, "attach", &p->attach, err)) < 0 ||
            (rc = jstr(it, "namespace", &p->ns, err)) < 0) {
            agent_node_profile_done(p);
            goto out;
        }
        if (!p->name) {
            agent_node_profile_done(p);
            continue;
        }
        if (p->ns && !*p->ns) {
            free(p->ns);
            p->ns = NULL;
        }
        n++;
    }
out:
    if (rc < 0) {
        for (size_t i = 0; i < n; i++)
            agent_node_profile_done(&v[i]);
        free(v);
        *revision = -1;
    } else if (n == 0) {
        free(v);
    } else {
        *out = v;
        *count = n;
    }
    cJSON_Delete(root);
    return rc;
}

static char *strip_scheme(char *id)
{
    char *p = id ? strstr(id, "://") : NULL;
    if (p) {
        char *d = xstrdup(p + 3);
        free(id);
        return d;
    }
    return id;
}

int json_agent_decode_containers(const char *body, size_t len, struct agent_node_container **out,
                                 size_t *count, struct kerr *err)
{
    int rc = 0;
    struct agent_node_container *v = NULL;
    size_t n = 0;
    cJSON *root = parse(body, len, "/v1/containers", err);
    *out = NULL;
    *count = 0;
    if (!root)
        return -KERR_PARSE;
    const cJSON *arr = cJSON_IsArray(root) ? root : jget(root, "containers");
    if (!cJSON_IsArray(arr)) {
        rc = kerr_set(err, KERR_PARSE, "/v1/containers: not an array");
        goto out;
    }
    int total = cJSON_GetArraySize(arr);
    if (total > 0)
        v = xcalloc((size_t)total, sizeof *v);
    const cJSON *it;
    cJSON_ArrayForEach(it, arr)
    {
        struct agent_node_container *c = &v[n];
        if ((rc = jstr(it, "container_id", &c->container_id, err)) < 0 ||
            (rc = jstr(it, "pod_uid", &c->pod_uid, err)) < 0 ||
            (rc = jnum(it, "pid", -1, &c->pid, err)) < 0 ||
            (rc = jstr(it, "label", &c->label, err)) < 0 ||
            (rc = jstr(it, "profile", &c->profile, err)) < 0 ||
            (rc = jstr(it, "mode", &c->mode, err)) < 0 ||
            (rc = jstr(it, "runtime", &c->runtime, err)) < 0) {
            agent_node_container_done(c);
            goto out;
        }
        c->container_id = strip_scheme(c->container_id);
        if (!c->container_id || !*c->container_id) {
            agent_node_container_done(c);
            continue;
        }
        n++;
    }
out:
    if (rc < 0) {
        for (size_t i = 0; i < n; i++)
            agent_node_container_done(&v[i]);
        free(v);
    } else if (n == 0) {
        free(v);
    } else {
        *out = v;
        *count = n;
    }
    cJSON_Delete(root);
    return rc;
}

void json_agent_denials_done(struct json_agent_denials *d)
{
    if (!d)
        return;
    for (size_t i = 0; i < d->count; i++)
        agent_denial_record_done(&d->records[i]);
    free(d->records);
    memset(d, 0, sizeof *d);
}

static int decode_record(const cJSON *it, const char *node_name, struct agent_denial_record *r,
                         struct kerr *err)
{
    int rc;
    int64_t cursor = 0;
    char *time_s = NULL;
    if ((rc = jnum(it, "cursor", 0, &cursor, err)) < 0 ||
        (rc = jstr(it, "time", &time_s, err)) < 0 || (rc = jstr(it, "event", &r->event, err)) < 0 ||
        (rc = jstr(it, "profile", &r->profile, err)) < 0 ||
        (rc = jstr(it, "operation", &r->operation, err)) < 0 ||
        (rc = jstr(it, "class", &r->rule_class, err)) < 0 ||
        (rc = jstr(it, "name", &r->name, err)) < 0 ||
        (rc = jstr(it, "target", &r->target, err)) < 0 ||
        (rc = jstr(it, "requested_mask", &r->requested_mask, err)) < 0 ||
        (rc = jstr(it, "denied_mask", &r->denied_mask, err)) < 0 ||
        (rc = jnum(it, "pid", -1, &r->pid, err)) < 0 ||
        (rc = jstr(it, "comm", &r->comm, err)) < 0 ||
        (rc = jstr(it, "pod_uid", &r->pod_uid, err)) < 0 ||
        (rc = jstr(it, "container_id", &r->container_id, err)) < 0 ||
        (rc = jstr(it, "label", &r->label, err)) < 0 ||
        (rc = jstr(it, "attributed_by", &r->attributed_by, err)) < 0 ||
        (rc = jstr(it, "namespace", &r->aa_namespace, err)) < 0 ||
        (rc = jstr(it, "info", &r->info, err)) < 0) {
        free(time_s);
        agent_denial_record_done(r);
        return rc;
    }
    r->cursor = cursor > 0 ? (uint64_t)cursor : 0;
    parse_time(time_s, &r->time, &r->time_ms);
    free(time_s);
    r->container_id = strip_scheme(r->container_id);
    r->node = xstrdup(node_name ? node_name : "");
    return 0;
}

int json_agent_decode_denials(const char *body, size_t len, const char *node_name,
                              struct json_agent_denials *out, struct kerr *err)
{
    int rc = 0;
    int64_t next = 0, dropped = 0, newest = 0;
    cJSON *root = parse(body, len, "/v1/denials", err);
    memset(out, 0, sizeof *out);
    if (!root)
        return -KERR_PARSE;
    const cJSON *arr = jget(root, "records");
    if (!cJSON_IsArray(arr)) {
        rc = kerr_set(err, KERR_PARSE, "/v1/denials: no \"records\" array");
        goto out;
    }
    if ((rc = jnum(root, "next", 0, &next, err)) < 0 ||
        (rc = jnum(root, "dropped", 0, &dropped, err)) < 0 ||
        (rc = jnum(root, "newest", 0, &newest, err)) < 0)
        goto out;
    if (!jget(root, "next")) {
        rc = kerr_set(err, KERR_PARSE, "/v1/denials: no \"next\" cursor");
        goto out;
    }
    int total = cJSON_GetArraySize(arr);
    if (total > 0)
        out->records = xcalloc((size_t)total, sizeof *out->records);
    const cJSON *it;
    cJSON_ArrayForEach(it, arr)
    {
        if ((rc = decode_record(it, node_name, &out->records[out->count], err)) < 0)
            goto out;
        out->count++;
    }
    out->next = next > 0 ? (uint64_t)next : 0;
    out->dropped = dropped > 0 ? (uint64_t)dropped : 0;
    out->newest = newest > 0 ? (uint64_t)newest : 0;
    out->is_reset = jbool(root, "reset");
out:
    if (rc < 0)
        json_agent_denials_done(out);
    else if (out->count == 0) {
        free(out->records);
        out->records = NULL;
    }
    cJSON_Delete(root);
    return rc;
}

void json_agent_pods_free(struct json_agent_pod **pods, size_t count)
{
    if (!pods || !*pods)
        return;
    for (size_t i = 0; i < count; i++) {
        struct json_agent_pod *p = &(*pods)[i];
        free(p->ns);
        free(p->name);
        free(p->node);
        free(p->phase);
        free(p->port_name);
    }
    free(*pods);
    *pods = NULL;
}

/* The port named "https" of any container, else the first port seen. */
static void pick_port(const cJSON *spec, struct json_agent_pod *p)
{
    const cJSON *ctrs = jget(spec, "containers"), *c;
    int first = 0;
    const char *first_name = NULL;
    cJSON_ArrayForEach(c, ctrs)
    {
        const cJSON *port;
        cJSON_ArrayForEach(port, jget(c, "ports"))
        {
            const cJSON *num = jget(port, "containerPort"), *name = jget(port, "name");
            if (!cJSON_IsNumber(num) || num->valuedouble < 1 || num->valuedouble > 65535)
                continue;
            const char *nm = cJSON_IsString(name) ? name->valuestring : NULL;
            if (nm && strcmp(nm, "https") == 0) {
                p->port = (int)num->valuedouble;
                p->port_name = xstrdup(nm);
                return;
            }
            if (!first) {
                first = (int)num->valuedouble;
                first_name = nm;
            }
        }
    }
    p->port = first;
    p->port_name = xstrdup_or_null(first_name);
}

int json_agent_decode_pods(const char *body, size_t len, struct json_agent_pod **out, size_t *count,
                           struct kerr *err)
{
    int rc = 0;
    struct json_agent_pod *v = NULL;
    size_t n = 0;
    cJSON *root = parse(body, len, "agent pod list", err);
    *out = NULL;
    *count = 0;
    if (!root)
        return -KERR_PARSE;
    const cJSON *items = jget(root, "items");
    if (!cJSON_IsArray(items)) {
        rc = kerr_set(err, KERR_PARSE, "agent pod list: no \"items\" array");
        goto out;
    }
    int total = cJSON_GetArraySize(items);
    if (total > 0)
        v = xcalloc((size_t)total, sizeof *v);
    const cJSON *it;
    cJSON_ArrayForEach(it, items)
    {
        const cJSON *meta = jget(it, "metadata"), *spec = jget(it, "spec"),
                    *status = jget(it, "status");
        struct json_agent_pod *p = &v[n];
        if ((rc = jstr(meta, "namespace", &p->ns, err)) < 0 ||
            (rc = jstr(meta, "name", &p->name, err)) < 0 ||
            (rc = jstr(spec, "nodeName", &p->node, err)) < 0 ||
            (rc = jstr(status, "phase", &p->phase, err)) < 0) {
            n++;
            goto out;
        }
        if (!p->ns || !p->name) {
            free(p->ns);
            free(p->name);
            free(p->node);
            free(p->phase);
            memset(p, 0, sizeof *p);
            continue;
        }
        n++;
        p->is_terminating = jget(meta, "deletionTimestamp") != NULL &&
                            !cJSON_IsNull(jget(meta, "deletionTimestamp"));
        const cJSON *cond;
        cJSON_ArrayForEach(cond, jget(status, "conditions"))
        {
            const cJSON *t = jget(cond, "type"), *s = jget(cond, "status");
            if (cJSON_IsString(t) && strcmp(t->valuestring, "Ready") == 0 && cJSON_IsString(s))
                p->is_ready = strcmp(s->valuestring, "True") == 0;
        }
        pick_port(spec, p);
    }
out:
    if (rc < 0) {
        json_agent_pods_free(&v, n);
    } else if (n == 0) {
        free(v);
    } else {
        *out = v;
        *count = n;
    }
    cJSON_Delete(root);
    return rc;
}
