/*
 * json_k8s: decode Kubernetes API JSON into the model (model.h): list pages of
 * pods, nodes and events, single objects, watch-event lines and metav1.Status
 * bodies. One cJSON parse per body; each field is copied once into our structs
 * and the tree is deleted before returning.
 *
 * Performance: a 500-pod page is ~3 MB of JSON and ~150,000 cJSON nodes. With
 * malloc/free per node, glibc's allocator (consolidation, unlinking) was over
 * 40% of `armortop --once` at 150,000 pods. So the trees parsed here live in a
 * per-thread bump arena: cJSON's hooks are installed once, at load time
 * (before any thread exists), and send cJSON's allocations to the arena only
 * while this thread is inside one of our decode calls; everywhere else, and in
 * every other thread, they are plain malloc/free. Releasing a tree is then a
 * pointer reset instead of a walk and ~150,000 frees.
 *
 * Depends on libc, cJSON, xalloc and kerr. Must not keep any cJSON pointer
 * beyond a call, must not print, and must not leave a half-decoded object in a
 * snapshot: a list page either appends all its items or none. Optional fields
 * may be absent or null anywhere; a field present with the wrong JSON type is
 * KERR_PARSE with a message naming it.
 */
#include "config.h"
#include "json_k8s.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "xalloc.h"

#define AA_ANNOTATION_PREFIX "container.apparmor.security.beta.kubernetes.io/"

/* ---- the parse arena -------------------------------------------------------- */

/* Blocks of ARENA_BLOCK_LEN (or one larger allocation), kept for the thread's
 * next parse up to ARENA_KEEP_LEN in total; freed when the thread exits. */
#define ARENA_BLOCK_LEN ((size_t)1 << 20)
#define ARENA_KEEP_LEN ((size_t)32 << 20)

struct arena_block {
    struct arena_block *next;
    size_t cap;  /* bytes in data */
    size_t used; /* bytes handed out */
    max_align_t data[];
};

struct arena {
    struct arena_block *head; /* blocks in use order; cur is the one being filled */
    struct arena_block *cur;
    bool is_on;               /* cJSON allocations of this thread go here */
};

static __thread struct arena tl_arena;
static pthread_key_t arena_key;

static void arena_free_blocks(struct arena_block *b)
{
    while (b) {
        struct arena_block *next = b->next;
        free(b);
        b = next;
    }
}

static void arena_thread_exit(void *p)
{
    (void)p;
    arena_free_blocks(tl_arena.head);
    tl_arena.head = tl_arena.cur = NULL;
}

static void *arena_alloc(struct arena *a, size_t n)
{
    n = (n + sizeof(max_align_t) - 1) & ~(sizeof(max_align_t) - 1);
    if (n == 0)
        n = sizeof(max_align_t);
    while (a->cur && a->cur->used + n > a->cur->cap) {
        if (!a->cur->next)
            break;
        a->cur = a->cur->next;
        a->cur->used = 0;
    }
    if (!a->cur || a->cur->used + n > a->cur->cap) {
        size_t cap = n > ARENA_BLOCK_LEN ? n : ARENA_BLOCK_LEN;
        struct arena_block *b = malloc(sizeof *b + cap);
        if (!b)
            return NULL; /* cJSON reports the failure as a parse error */
        b->cap = cap;
        b->used = 0;
        b->next = NULL;
        if (!a->head) {
            a->head = b;
            pthread_setspecific(arena_key, a);
        } else {
            /* insert after cur, keeping later (reusable) blocks */
            b->next = a->cur->next;
            a->cur->next = b;
        }
        a->cur = b;
    }
    void *p = (char *)a->cur->data + a->cur->used;
    a->cur->used += n;
    return p;
}

static void *hook_malloc(size_t n)
{
    return tl_arena.is_on ? arena_alloc(&tl_arena, n) : malloc(n);
}

static void hook_free(void *p)
{
    if (!tl_arena.is_on)
        free(p);
}

__attribute__((constructor)) static void install_hooks(void)
{
    cJSON_Hooks hooks = {.malloc_fn = hook_malloc, .free_fn = hook_free};
    pthread_key_create(&arena_key, arena_thread_exit);
    cJSON_InitHooks(&hooks);
}

/* Start sending this thread's cJSON allocations to its arena. */
static void arena_begin(void)
{
    struct arena *a = &tl_arena;
    a->cur = a->head;
    if (a->cur)
        a->cur->used = 0;
    a->is_on = true;
}

/* Release everything parsed since arena_begin (no cJSON pointer may survive)
 * and return to malloc; trim what is kept to ARENA_KEEP_LEN. */
static void arena_end(void)
{
    struct arena *a = &tl_arena;
    size_t kept = 0;
    a->is_on = false;
    for (struct arena_block *b = a->head; b; b = b->next) {
        kept += b->cap;
        if (b->next && kept + b->next->cap > ARENA_KEEP_LEN) {
            arena_free_blocks(b->next);
            b->next = NULL;
            break;
        }
    }
    if (a->head && a->head->cap > ARENA_KEEP_LEN) {
        arena_free_blocks(a->head);
        a->head = NULL;
    }
    a->cur = a->head;
}

void kube_list_meta_done(struct kube_list_meta *meta)
{
    if (!meta)
        return;
    free(meta->resource_version);
    free(meta->continue_token);
    meta->resource_version = NULL;
    meta->continue_token = NULL;
    meta->remaining = -1;
}

/* ---- field helpers ---------------------------------------------------------
 * Each takes the parent object (may be NULL: then the field is absent), the key,
 * and the parent's path for messages. Absent or null → default, no error.
 */

static const cJSON *jget(const cJSON *obj, const char *key)
{
    if (!obj)
        return NULL;
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!it || cJSON_IsNull(it))
        return NULL;
    return it;
}

static int type_err(struct kerr *err, const char *path, const char *key, const char *want)
{
    return kerr_set(err, KERR_PARSE, "%s%s%s: expected %s", path ? path : "",
                    path && *path ? "." : "", key, want);
}

/* Borrowed string value (NULL when absent). */
static int jstr_ref(const cJSON *obj, const char *key, const char *path, const char **out,
                    struct kerr *err)
{
    *out = NULL;
    const cJSON *it = jget(obj, key);
    if (!it)
        return 0;
    if (!cJSON_IsString(it) || !it->valuestring)
        return type_err(err, path, key, "a string");
    *out = it->valuestring;
    return 0;
}

/* Owned copy of a string value into *out (NULL when absent). *out must be NULL. */
static int jstr(const cJSON *obj, const char *key, const char *path, char **out, struct kerr *err)
{
    const char *s;
    int rc = jstr_ref(obj, key, path, &s, err);
    if (rc == 0 && s)
        *out = xstrdup(s);
    return rc;
}

static int jobj(const cJSON *obj, const char *key, const char *path, const cJSON **out,
                struct kerr *err)
{
    *out = NULL;
    const cJSON *it = jget(obj, key);
    if (!it)
        return 0;
    if (!cJSON_IsObject(it))
        return type_err(err, path, key, "an object");
    *out = it;
    return 0;
}

static int jarr(const cJSON *obj, const char *key, const char *path, const cJSON **out,
                struct kerr *err)
{
    *out = NULL;
    const cJSON *it = jget(obj, key);
    if (!it)
        return 0;
    if (!cJSON_IsArray(it))
        return type_err(err, path, key, "an array");
    *out = it;
    return 0;
}

static int jbool(const cJSON *obj, const char *key, const char *path, bool *out, struct kerr *err)
{
    *out = false;
    const cJSON *it = jget(obj, key);
    if (!it)
        return 0;
    if (!cJSON_IsBool(it))
        return type_err(err, path, key, "a boolean");
    *out = cJSON_IsTrue(it);
    return 0;
}

/* Clamp a JSON number (which may be huge or fractional) to [lo, hi]. */
static int64_t clamp_num(double d, int64_t lo, int64_t hi)
{
    if (isnan(d))
        return lo;
    if (d <= (double)lo)
        return lo;
    if (d >= (double)hi)
        return hi;
    return (int64_t)d;
}

static int jint(const cJSON *obj, const char *key, const char *path, int *out, int dflt,
                struct kerr *err)
{
    *out = dflt;
    const cJSON *it = jget(obj, key);
    if (!it)
        return 0;
    if (!cJSON_IsNumber(it))
        return type_err(err, path, key, "a number");
    *out = (int)clamp_num(it->valuedouble, -2147483647 - 1, 2147483647);
    return 0;
}

static int ji64(const cJSON *obj, const char *key, const char *path, int64_t *out, int64_t dflt,
                struct kerr *err)
{
    *out = dflt;
    const cJSON *it = jget(obj, key);
    if (!it)
        return 0;
    if (!cJSON_IsNumber(it))
        return type_err(err, path, key, "a number");
    /* 2^63 is not representable as int64; stay just below it */
    *out = clamp_num(it->valuedouble, INT64_MIN, (int64_t)9223372036854774784.0);
    return 0;
}

static bool digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

/* RFC 3339 ("2019-08-30T20:43:05Z", fractional seconds and ±hh:mm offsets
 * allowed) → seconds since the epoch; 0 when the text is not a timestamp. */
static int64_t parse_rfc3339(const char *s)
{
    int Y, M, D, h, m, sec;
    if (!s || strlen(s) < 19)
        return 0;
    if (!digits(s, 4, &Y) || s[4] != '-' || !digits(s + 5, 2, &M) || s[7] != '-' ||
        !digits(s + 8, 2, &D) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
        !digits(s + 11, 2, &h) || s[13] != ':' || !digits(s + 14, 2, &m) || s[16] != ':' ||
        !digits(s + 17, 2, &sec))
        return 0;
    if (M < 1 || M > 12 || D < 1 || D > 31 || h > 23 || m > 59 || sec > 60)
        return 0;
    const char *p = s + 19;
    if (*p == '.') {
        p++;
        while (*p >= '0' && *p <= '9')
            p++;
    }
    int64_t off = 0;
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int oh, om;
        if (!digits(p + 1, 2, &oh) || p[3] != ':' || !digits(p + 4, 2, &om))
            return 0;
        off = (int64_t)oh * 3600 + om * 60;
        if (*p == '-')
            off = -off;
        p += 6;
    } else {
        return 0;
    }
    if (*p)
        return 0;
    struct tm tm = {0};
    tm.tm_year = Y - 1900;
    tm.tm_mon = M - 1;
    tm.tm_mday = D;
    tm.tm_hour = h;
    tm.tm_min = m;
    tm.tm_sec = sec;
    time_t t = timegm(&tm);
    if (t == (time_t)-1)
        return 0;
    return (int64_t)t - off;
}

static int jtime(const cJSON *obj, const char *key, const char *path, int64_t *out,
                 struct kerr *err)
{
    const char *s;
    int rc = jstr_ref(obj, key, path, &s, err);
    *out = (rc == 0 && s) ? parse_rfc3339(s) : 0;
    return rc;
}

/* Prefix err->msg with "what: " (keeps the code). */
static void err_prefix(struct kerr *err, const char *what)
{
    if (!err || !what)
        return;
    size_t cap = sizeof err->msg;
    size_t wlen = strlen(what) + 2; /* "what: " */
    size_t mlen = strnlen(err->msg, cap - 1);
    if (wlen >= cap)
        return;
    if (mlen + wlen > cap - 1)
        mlen = cap - 1 - wlen;
    memmove(err->msg + wlen, err->msg, mlen);
    memcpy(err->msg, what, wlen - 2);
    err->msg[wlen - 2] = ':';
    err->msg[wlen - 1] = ' ';
    err->msg[wlen + mlen] = '\0';
}

/* ---- AppArmor ---------------------------------------------------------------- */

/* securityContext.appArmorProfile of sc (may be NULL) into out (zeroed). */
static int decode_aa_profile(const cJSON *sc, const char *path, struct aa_spec *out,
                             struct kerr *err)
{
    char p[160];
    const cJSON *prof;
    const char *type, *lp;
    int rc = jobj(sc, "appArmorProfile", path, &prof, err);
    if (rc || !prof)
        return rc;
    snprintf(p, sizeof p, "%s.appArmorProfile", path);
    if ((rc = jstr_ref(prof, "type", p, &type, err)) ||
        (rc = jstr_ref(prof, "localhostProfile", p, &lp, err)))
        return rc;
    if (!type) {
        out->type = AA_TYPE_INVALID; /* raw NULL: type missing */
    } else if (strcmp(type, "RuntimeDefault") == 0) {
        out->type = AA_TYPE_RUNTIME_DEFAULT;
    } else if (strcmp(type, "Unconfined") == 0) {
        out->type = AA_TYPE_UNCONFINED;
    } else if (strcmp(type, "Localhost") == 0) {
        if (lp && *lp) {
            out->type = AA_TYPE_LOCALHOST;
            out->localhost = xstrdup(lp);
        } else {
            out->type = AA_TYPE_INVALID;
        }
    } else {
        out->type = AA_TYPE_INVALID;
    }
    if (type)
        out->raw = xstrdup(type);
    return 0;
}

/* ---- pods -------------------------------------------------------------------- */

static const char *const ctr_keys[3] = {"containers", "initContainers", "ephemeralContainers"};
static const char *const status_keys[3] = {"containerStatuses", "initContainerStatuses",
                                           "ephemeralContainerStatuses"};

static int decode_container(const cJSON *c, const char *path, enum kube_ctr_kind kind,
                            struct kube_container *out, struct kerr *err)
{
    char p[160];
    const cJSON *sc;
    int rc;
    out->kind = kind;
    if (!cJSON_IsObject(c))
        return kerr_set(err, KERR_PARSE, "%s: expected an object", path);
    if ((rc = jstr(c, "name", path, &out->name, err)) ||
        (rc = jstr(c, "image", path, &out->image, err)))
        return rc;
    if (!out->name)
        return kerr_set(err, KERR_PARSE, "%s.name: missing", path);
    if ((rc = jobj(c, "securityContext", path, &sc, err)))
        return rc;
    snprintf(p, sizeof p, "%s.securityContext", path);
    if ((rc = jbool(sc, "privileged", p, &out->is_privileged, err)))
        return rc;
    return decode_aa_profile(sc, p, &out->aa_field, err);
}

static int decode_status_entry(const cJSON *st, const char *path, struct kube_container *c,
                               struct kerr *err)
{
    static const char *const state_keys[3] = {"waiting", "running", "terminated"};
    static const enum kube_ctr_state states[3] = {KSTATE_WAITING, KSTATE_RUNNING,
                                                  KSTATE_TERMINATED};
    char p[160];
    const cJSON *state;
    int rc;
    c->has_status = true;
    if ((rc = jstr(st, "containerID", path, &c->container_id, err)) ||
        (rc = jbool(st, "ready", path, &c->is_ready, err)) ||
        (rc = jint(st, "restartCount", path, &c->restart_count, 0, err)) ||
        (rc = jobj(st, "state", path, &state, err)))
        return rc;
    snprintf(p, sizeof p, "%s.state", path);
    for (int i = 0; i < 3 && state; i++) {
        const cJSON *s;
        if ((rc = jobj(state, state_keys[i], p, &s, err)))
            return rc;
        if (!s)
            continue;
        char sp[180];
        snprintf(sp, sizeof sp, "%s.%s", p, state_keys[i]);
        c->state = states[i];
        if ((rc = jstr(s, "reason", sp, &c->state_reason, err)) ||
            (rc = jstr(s, "message", sp, &c->state_message, err)))
            return rc;
        break;
    }
    return 0;
}

static int decode_annotations(const cJSON *ann, struct kube_pod *pod, struct kerr *err)
{
    const size_t plen = sizeof AA_ANNOTATION_PREFIX - 1;
    size_t n = 0;
    const cJSON *a;
    cJSON_ArrayForEach(a, ann)
    {
        if (a->string && strncmp(a->string, AA_ANNOTATION_PREFIX, plen) == 0)
            n++;
    }
    if (n == 0)
        return 0;
    pod->aa_annotations = xcalloc(n, sizeof *pod->aa_annotations);
    cJSON_ArrayForEach(a, ann)
    {
        if (!a->string || strncmp(a->string, AA_ANNOTATION_PREFIX, plen) != 0)
            continue;
        if (!cJSON_IsString(a) || !a->valuestring)
            return kerr_set(err, KERR_PARSE, "metadata.annotations[%s]: expected a string",
                            a->string);
        struct aa_annotation *slot = &pod->aa_annotations[pod->aa_annotation_count++];
        slot->container = xstrdup(a->string + plen);
        slot->value = xstrdup(a->valuestring);
    }
    return 0;
}

static int decode_pod_obj(const cJSON *o, struct kube_pod *pod, struct kerr *err)
{
    const cJSON *md, *spec, *status, *ann, *owners, *sc, *os;
    const cJSON *arrs[3];
    char p[96];
    int rc;
    const char *del;

    if (!cJSON_IsObject(o))
        return kerr_set(err, KERR_PARSE, "pod: expected an object");
    if ((rc = jobj(o, "metadata", "", &md, err)) || (rc = jobj(o, "spec", "", &spec, err)) ||
        (rc = jobj(o, "status", "", &status, err)))
        goto out;
    if ((rc = jstr(md, "name", "metadata", &pod->name, err)) ||
        (rc = jstr(md, "namespace", "metadata", &pod->ns, err)) ||
        (rc = jstr(md, "uid", "metadata", &pod->uid, err)) ||
        (rc = jstr(md, "resourceVersion", "metadata", &pod->resource_version, err)) ||
        (rc = jtime(md, "creationTimestamp", "metadata", &pod->created, err)) ||
        (rc = jstr_ref(md, "deletionTimestamp", "metadata", &del, err)) ||
        (rc = jobj(md, "annotations", "metadata", &ann, err)) ||
        (rc = jarr(md, "ownerReferences", "metadata", &owners, err)))
        goto out;
    if (!pod->name || !pod->ns) {
        rc = kerr_set(err, KERR_PARSE, "pod: metadata.%s missing",
                      !pod->name ? "name" : "namespace");
        goto out;
    }
    pod->is_terminating = del != NULL;
    if (owners && cJSON_GetArraySize(owners) > 0) {
        const cJSON *first = cJSON_GetArrayItem(owners, 0);
        if (!cJSON_IsObject(first)) {
            rc = kerr_set(err, KERR_PARSE, "metadata.ownerReferences[0]: expected an object");
            goto out;
        }
        if ((rc = jstr(first, "kind", "metadata.ownerReferences[0]", &pod->owner_kind, err)) ||
            (rc = jstr(first, "name", "metadata.ownerReferences[0]", &pod->owner_name, err)))
            goto out;
    }
    if ((rc = decode_annotations(ann, pod, err)))
        goto out;

    /* spec */
    if ((rc = jstr(spec, "nodeName", "spec", &pod->node_name, err)) ||
        (rc = jobj(spec, "os", "spec", &os, err)) ||
        (rc = jobj(spec, "securityContext", "spec", &sc, err)))
        goto out;
    if (os) {
        const char *osname;
        if ((rc = jstr_ref(os, "name", "spec.os", &osname, err)))
            goto out;
        pod->is_windows = osname && strcmp(osname, "windows") == 0;
    }
    if ((rc = decode_aa_profile(sc, "spec.securityContext", &pod->aa_pod, err)))
        goto out;
    size_t total = 0;
    for (int k = 0; k < 3; k++) {
        if ((rc = jarr(spec, ctr_keys[k], "spec", &arrs[k], err)))
            goto out;
        total += arrs[k] ? (size_t)cJSON_GetArraySize(arrs[k]) : 0;
    }
    if (total > 0)
        pod->containers = xcalloc(total, sizeof *pod->containers);
    size_t base[4];
    for (int k = 0; k < 3; k++) {
        base[k] = pod->container_count;
        const cJSON *c;
        size_t i = 0;
        cJSON_ArrayForEach(c, arrs[k])
        {
            snprintf(p, sizeof p, "spec.%s[%zu]", ctr_keys[k], i++);
            struct kube_container *slot = &pod->containers[pod->container_count++];
            if ((rc = decode_container(c, p, (enum kube_ctr_kind)k, slot, err)))
                goto out;
        }
    }
    base[3] = pod->container_count;

    /* status */
    if ((rc = jstr(status, "phase", "status", &pod->phase, err)) ||
        (rc = jstr(status, "reason", "status", &pod->reason, err)) ||
        (rc = jstr(status, "message", "status", &pod->message, err)))
        goto out;
    for (int k = 0; k < 3; k++) {
        const cJSON *sts, *st;
        if ((rc = jarr(status, status_keys[k], "status", &sts, err)))
            goto out;
        size_t i = 0;
        cJSON_ArrayForEach(st, sts)
        {
            const char *name;
            snprintf(p, sizeof p, "status.%s[%zu]", status_keys[k], i++);
            if (!cJSON_IsObject(st)) {
                rc = kerr_set(err, KERR_PARSE, "%s: expected an object", p);
                goto out;
            }
            if ((rc = jstr_ref(st, "name", p, &name, err)))
                goto out;
            if (!name)
                continue;
            for (size_t j = base[k]; j < base[k + 1]; j++) {
                struct kube_container *c = &pod->containers[j];
                if (!c->has_status && strcmp(c->name, name) == 0) {
                    if ((rc = decode_status_entry(st, p, c, err)))
                        goto out;
                    break;
                }
            }
        }
    }
    rc = 0;
out:
    if (rc && pod->name && pod->ns) {
        snprintf(p, sizeof p, "pod %.40s/%.40s", pod->ns, pod->name);
        err_prefix(err, p);
    }
    return rc;
}

/* ---- nodes ------------------------------------------------------------------- */

static int decode_node_obj(const cJSON *o, struct kube_node *node, struct kerr *err)
{
    const cJSON *md, *spec, *status, *labels, *conds, *info, *addrs, *it;
    int rc;
    if (!cJSON_IsObject(o))
        return kerr_set(err, KERR_PARSE, "node: expected an object");
    if ((rc = jobj(o, "metadata", "", &md, err)) || (rc = jobj(o, "spec", "", &spec, err)) ||
        (rc = jobj(o, "status", "", &status, err)))
        goto out;
    if ((rc = jstr(md, "name", "metadata", &node->name, err)) ||
        (rc = jstr(md, "uid", "metadata", &node->uid, err)) ||
        (rc = jstr(md, "resourceVersion", "metadata", &node->resource_version, err)) ||
        (rc = jtime(md, "creationTimestamp", "metadata", &node->created, err)) ||
        (rc = jobj(md, "labels", "metadata", &labels, err)))
        goto out;
    if (!node->name) {
        rc = kerr_set(err, KERR_PARSE, "node: metadata.name missing");
        goto out;
    }
    if ((rc = jstr(labels, "kubernetes.io/os", "metadata.labels", &node->os, err)) ||
        (rc = jbool(spec, "unschedulable", "spec", &node->is_unschedulable, err)) ||
        (rc = jarr(status, "conditions", "status", &conds, err)) ||
        (rc = jobj(status, "nodeInfo", "status", &info, err)) ||
        (rc = jarr(status, "addresses", "status", &addrs, err)))
        goto out;
    cJSON_ArrayForEach(it, conds)
    {
        const char *type, *st;
        if ((rc = jstr_ref(it, "type", "status.conditions[]", &type, err)) ||
            (rc = jstr_ref(it, "status", "status.conditions[]", &st, err)))
            goto out;
        if (type && strcmp(type, "Ready") == 0)
            node->is_ready = st && strcmp(st, "True") == 0;
    }
    if ((rc = jstr(info, "kubeletVersion", "status.nodeInfo", &node->kubelet_version, err)) ||
        (rc = jstr(info, "osImage", "status.nodeInfo", &node->os_image, err)) ||
        (rc = jstr(info, "kernelVersion", "status.nodeInfo", &node->kernel_version, err)) ||
        (rc = jstr(info, "containerRuntimeVersion", "status.nodeInfo", &node->container_runtime,
                   err)))
        goto out;
    cJSON_ArrayForEach(it, addrs)
    {
        const char *type, *addr;
        if ((rc = jstr_ref(it, "type", "status.addresses[]", &type, err)) ||
            (rc = jstr_ref(it, "address", "status.addresses[]", &addr, err)))
            goto out;
        if (type && addr && !node->internal_ip && strcmp(type, "InternalIP") == 0)
            node->internal_ip = xstrdup(addr);
    }
    rc = 0;
out:
    if (rc && node->name) {
        char p[80];
        snprintf(p, sizeof p, "node %.60s", node->name);
        err_prefix(err, p);
    }
    return rc;
}

/* ---- events ------------------------------------------------------------------ */

static int decode_event_obj(const cJSON *o, struct kube_event *ev, struct kerr *err)
{
    const cJSON *md, *inv, *series;
    int rc;
    int64_t t;
    if (!cJSON_IsObject(o))
        return kerr_set(err, KERR_PARSE, "event: expected an object");
    if ((rc = jobj(o, "metadata", "", &md, err)) ||
        (rc = jobj(o, "involvedObject", "", &inv, err)) ||
        (rc = jobj(o, "series", "", &series, err)))
        goto out;
    if ((rc = jstr(md, "name", "metadata", &ev->name, err)) ||
        (rc = jstr(md, "namespace", "metadata", &ev->ns, err)) ||
        (rc = jstr(md, "uid", "metadata", &ev->uid, err)) ||
        (rc = jstr(md, "resourceVersion", "metadata", &ev->resource_version, err)))
        goto out;
    if (!ev->name) {
        rc = kerr_set(err, KERR_PARSE, "event: metadata.name missing");
        goto out;
    }
    if ((rc = jstr(inv, "kind", "involvedObject", &ev->involved_kind, err)) ||
        (rc = jstr(inv, "namespace", "involvedObject", &ev->involved_ns, err)) ||
        (rc = jstr(inv, "name", "involvedObject", &ev->involved_name, err)) ||
        (rc = jstr(inv, "uid", "involvedObject", &ev->involved_uid, err)) ||
        (rc = jstr(inv, "fieldPath", "involvedObject", &ev->involved_field, err)) ||
        (rc = jstr(o, "reason", "", &ev->reason, err)) ||
        (rc = jstr(o, "message", "", &ev->message, err)) ||
        (rc = jstr(o, "type", "", &ev->type, err)) ||
        (rc = jint(o, "count", "", &ev->count, 0, err)))
        goto out;
    if (ev->count == 0 && series && (rc = jint(series, "count", "series", &ev->count, 0, err)))
        goto out;
    /* lastTimestamp, else eventTime (newer reporters), else series.lastObservedTime,
     * else firstTimestamp */
    static const char *const tkeys[] = {"lastTimestamp", "eventTime"};
    ev->last_seen = 0;
    for (size_t i = 0; i < sizeof tkeys / sizeof *tkeys && ev->last_seen == 0; i++) {
        if ((rc = jtime(o, tkeys[i], "", &t, err)))
            goto out;
        ev->last_seen = t;
    }
    if (ev->last_seen == 0 && series) {
        if ((rc = jtime(series, "lastObservedTime", "series", &t, err)))
            goto out;
        ev->last_seen = t;
    }
    if (ev->last_seen == 0) {
        if ((rc = jtime(o, "firstTimestamp", "", &t, err)))
            goto out;
        ev->last_seen = t;
    }
    rc = 0;
out:
    if (rc && ev->name) {
        char p[80];
        snprintf(p, sizeof p, "event %.60s", ev->name);
        err_prefix(err, p);
    }
    return rc;
}

/* ---- skipping metadata.managedFields ------------------------------------------
 * A pod's managedFields is ~27% of its JSON and ~40% of its cJSON nodes, and we
 * never read it. Before parsing a list page we copy the body without every
 * `"managedFields":<value>` member. In valid JSON an unescaped quote followed
 * by `managedFields"` and a colon can only be that key (inside a string the
 * quote would be escaped; after a closing quote the text would be invalid), so
 * this is exact for valid input; invalid input is reparsed as received, so its
 * error message is unchanged.
 */

#define MF_KEY "\"managedFields\""

static const char *skip_ws(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
        p++;
    return p;
}

/* End of the JSON value at p (or NULL when it does not end before end). */
static const char *skip_value(const char *p, const char *end)
{
    int depth = 0;
    while (p < end) {
        char c = *p;
        if (c == '"') {
            p++;
            while (p < end && *p != '"') {
                const char *q = memchr(p, '"', (size_t)(end - p));
                if (!q)
                    return NULL;
                const char *b = memchr(p, '\\', (size_t)(q - p));
                if (b) {
                    p = b + 2;
                    continue;
                }
                p = q;
            }
            if (p >= end)
                return NULL;
            p++;
            if (depth == 0)
                return p;
            continue;
        }
        if (c == '[' || c == '{') {
            depth++;
        } else if (c == ']' || c == '}') {
            if (depth == 0)
                return p; /* a scalar ended by its container */
            if (--depth == 0)
                return p + 1;
        } else if (depth == 0 && c == ',') {
            return p;
        }
        p++;
    }
    return depth == 0 ? p : NULL;
}

/* An owned copy of body without managedFields members, or NULL when there
 * are none (or the text around one is not what valid JSON has). */
static char *strip_managed_fields(const char *body, size_t len, size_t *out_len)
{
    if (!body || len < sizeof MF_KEY - 1)
        return NULL; /* nothing to strip (and memmem wants a valid pointer) */
    const char *end = body + len, *from = body, *p = body;
    char *out = NULL;
    size_t n = 0;
    for (;;) {
        const char *k = memmem(p, (size_t)(end - p), MF_KEY, sizeof MF_KEY - 1);
        if (!k)
            break;
        p = k + 1;
        size_t bs = 0;
        while (k - bs > body && k[-1 - (ptrdiff_t)bs] == '\\')
            bs++;
        if (bs % 2)
            continue; /* an escaped quote: inside a string */
        const char *colon = skip_ws(k + sizeof MF_KEY - 1, end);
        if (colon >= end || *colon != ':')
            continue;
        const char *v = skip_ws(colon + 1, end);
        const char *ve = skip_value(v, end);
        if (!ve || ve == v)
            break;
        /* the member and one separating comma */
        const char *cut = k, *cut_end = ve;
        const char *b = k;
        while (b > body && (b[-1] == ' ' || b[-1] == '\t' || b[-1] == '\n' || b[-1] == '\r'))
            b--;
        if (b > body && b[-1] == ',') {
            cut = b - 1;
        } else {
            const char *a = skip_ws(ve, end);
            if (a < end && *a == ',')
                cut_end = a + 1;
        }
        if (cut < from)
            break;
        if (!out)
            out = xmalloc(len + 1);
        memcpy(out + n, from, (size_t)(cut - from));
        n += (size_t)(cut - from);
        from = cut_end;
        p = cut_end;
    }
    if (!out)
        return NULL;
    memcpy(out + n, from, (size_t)(end - from));
    n += (size_t)(end - from);
    out[n] = '\0';
    *out_len = n;
    return out;
}

/* ---- entry points ------------------------------------------------------------ */

/* Parse body into a tree in this thread's arena. Every call, successful or
 * not, is paired with tree_release() once no pointer into the tree is left. */
static cJSON *parse_body(const char *body, size_t len, struct kerr *err, int *rc)
{
    *rc = 0;
    if (!body || len == 0) {
        *rc = kerr_set(err, KERR_PARSE, "empty JSON body");
        arena_begin();
        return NULL;
    }
    arena_begin();
    cJSON *root = cJSON_ParseWithLength(body, len);
    if (!root) {
        const char *at = cJSON_GetErrorPtr();
        long off = at && at >= body && at <= body + len ? (long)(at - body) : -1;
        *rc = kerr_set(err, KERR_PARSE, "invalid JSON (near byte %ld of %zu)", off, len);
    }
    return root;
}

/* The tree (may be NULL) and everything else parse_body allocated: gone. */
static void tree_release(cJSON *root)
{
    (void)root; /* in the arena: nothing to walk */
    arena_end();
}

static const char *const list_kinds[] = {"NodeList", "PodList", "EventList"};

int json_k8s_decode_list(enum kube_kind kind, const char *body, size_t len,
                         struct kube_snapshot *snap, struct kube_list_meta *meta, struct kerr *err)
{
    int rc;
    size_t old_count = 0;
    const cJSON *md, *items, *it;
    const char *lkind;
    char *rv = NULL, *cont = NULL;
    int64_t remaining = -1;
    size_t slim_len = 0;
    char *slim = strip_managed_fields(body, len, &slim_len);
    cJSON *root = NULL;
    if (slim) {
        root = parse_body(slim, slim_len, err, &rc);
        free(slim);
        if (!root) {
            tree_release(NULL);
            kerr_clear(err);
        }
    }
    if (!root)
        root = parse_body(body, len, err, &rc);
    if (!root)
        goto out;
    if (!cJSON_IsObject(root)) {
        rc = kerr_set(err, KERR_PARSE, "list: expected an object");
        goto out;
    }
    if ((rc = jstr_ref(root, "kind", "", &lkind, err)))
        goto out;
    if (lkind && strcmp(lkind, "Status") == 0) {
        const char *msg = NULL;
        jstr_ref(root, "message", "", &msg, NULL);
        rc = kerr_set(err, KERR_PARSE, "expected %s, got a Status: %s", list_kinds[kind],
                      msg ? msg : "(no message)");
        goto out;
    }
    if (lkind && strcmp(lkind, list_kinds[kind]) != 0 && strcmp(lkind, "List") != 0) {
        rc = kerr_set(err, KERR_PARSE, "kind: expected %s, got %.60s", list_kinds[kind], lkind);
        goto out;
    }
    if ((rc = jobj(root, "metadata", "", &md, err)) ||
        (rc = jarr(root, "items", "", &items, err)) ||
        (rc = jstr(md, "resourceVersion", "metadata", &rv, err)) ||
        (rc = jstr(md, "continue", "metadata", &cont, err)) ||
        (rc = ji64(md, "remainingItemCount", "metadata", &remaining, -1, err)))
        goto out;
    switch (kind) {
    case KUBE_KIND_POD:
        old_count = snap->pods.count;
        break;
    case KUBE_KIND_NODE:
        old_count = snap->nodes.count;
        break;
    case KUBE_KIND_EVENT:
        old_count = snap->events.count;
        break;
    }
    size_t i = 0;
    cJSON_ArrayForEach(it, items)
    {
        switch (kind) {
        case KUBE_KIND_POD:
            rc = decode_pod_obj(it, kube_snapshot_add_pod(snap), err);
            break;
        case KUBE_KIND_NODE:
            rc = decode_node_obj(it, kube_snapshot_add_node(snap), err);
            break;
        case KUBE_KIND_EVENT:
            rc = decode_event_obj(it, kube_snapshot_add_event(snap), err);
            break;
        }
        if (rc) {
            char p[32];
            snprintf(p, sizeof p, "items[%zu]", i);
            err_prefix(err, p);
            goto out;
        }
        i++;
    }
    if (meta) {
        kube_list_meta_done(meta);
        meta->resource_version = rv;
        meta->continue_token = cont;
        meta->remaining = remaining;
        rv = cont = NULL;
    }
    rc = 0;
out:
    if (rc && root) {
        /* roll back this page: nothing half-added */
        switch (kind) {
        case KUBE_KIND_POD:
            while (snap->pods.count > old_count)
                kube_pod_done(&snap->pods.items[--snap->pods.count]);
            break;
        case KUBE_KIND_NODE:
            while (snap->nodes.count > old_count)
                kube_node_done(&snap->nodes.items[--snap->nodes.count]);
            break;
        case KUBE_KIND_EVENT:
            while (snap->events.count > old_count)
                kube_event_done(&snap->events.items[--snap->events.count]);
            break;
        }
    }
    free(rv);
    free(cont);
    tree_release(root);
    return rc;
}

int json_k8s_decode_pod(const char *body, size_t len, struct kube_pod *out, struct kerr *err)
{
    int rc;
    memset(out, 0, sizeof *out);
    cJSON *root = parse_body(body, len, err, &rc);
    if (root && (rc = decode_pod_obj(root, out, err)))
        kube_pod_done(out);
    tree_release(root);
    return rc;
}

int json_k8s_decode_node(const char *body, size_t len, struct kube_node *out, struct kerr *err)
{
    int rc;
    memset(out, 0, sizeof *out);
    cJSON *root = parse_body(body, len, err, &rc);
    if (root && (rc = decode_node_obj(root, out, err)))
        kube_node_done(out);
    tree_release(root);
    return rc;
}

int json_k8s_decode_event(const char *body, size_t len, struct kube_event *out, struct kerr *err)
{
    int rc;
    memset(out, 0, sizeof *out);
    cJSON *root = parse_body(body, len, err, &rc);
    if (root && (rc = decode_event_obj(root, out, err)))
        kube_event_done(out);
    tree_release(root);
    return rc;
}

static int status_fields(const cJSON *o, char **message, char **reason, int *code, struct kerr *err)
{
    int rc;
    const char *msg, *rsn;
    int c;
    if ((rc = jstr_ref(o, "message", "", &msg, err)) ||
        (rc = jstr_ref(o, "reason", "", &rsn, err)) || (rc = jint(o, "code", "", &c, 0, err)))
        return rc;
    if (message)
        *message = xstrdup_or_null(msg);
    if (reason)
        *reason = xstrdup_or_null(rsn);
    if (code)
        *code = c;
    return 0;
}

int json_k8s_decode_watch_event(enum kube_kind kind, const char *line, size_t len,
                                struct kube_watch_event *ev, struct kerr *err)
{
    static const char *const types[] = {"ADDED", "MODIFIED", "DELETED", "BOOKMARK", "ERROR"};
    int rc;
    const char *type;
    const cJSON *obj, *md;
    memset(ev, 0, sizeof *ev);
    ev->kind = kind;
    cJSON *root = parse_body(line, len, err, &rc);
    if (!root)
        goto out;
    if (!cJSON_IsObject(root)) {
        rc = kerr_set(err, KERR_PARSE, "watch event: expected an object");
        goto out;
    }
    if ((rc = jstr_ref(root, "type", "", &type, err)) || (rc = jobj(root, "object", "", &obj, err)))
        goto out;
    size_t t;
    for (t = 0; type && t < sizeof types / sizeof *types; t++) {
        if (strcmp(type, types[t]) == 0)
            break;
    }
    if (!type || t == sizeof types / sizeof *types) {
        rc =
            kerr_set(err, KERR_PARSE, "watch event type: unknown %.60s", type ? type : "(missing)");
        goto out;
    }
    ev->type = (enum kube_watch_type)t;
    if (!obj) {
        rc = kerr_set(err, KERR_PARSE, "watch event object: missing");
        goto out;
    }
    switch (ev->type) {
    case KWATCH_ERROR:
        rc = status_fields(obj, &ev->error_message, &ev->error_reason, &ev->error_code, err);
        goto out;
    case KWATCH_BOOKMARK:
        if ((rc = jobj(obj, "metadata", "object", &md, err)) ||
            (rc = jstr(md, "resourceVersion", "object.metadata", &ev->resource_version, err)))
            goto out;
        goto out;
    case KWATCH_ADDED:
    case KWATCH_MODIFIED:
    case KWATCH_DELETED:
        break;
    }
    switch (kind) {
    case KUBE_KIND_POD:
        rc = decode_pod_obj(obj, &ev->pod, err);
        if (rc == 0)
            ev->resource_version = xstrdup_or_null(ev->pod.resource_version);
        break;
    case KUBE_KIND_NODE:
        rc = decode_node_obj(obj, &ev->node, err);
        if (rc == 0)
            ev->resource_version = xstrdup_or_null(ev->node.resource_version);
        break;
    case KUBE_KIND_EVENT:
        rc = decode_event_obj(obj, &ev->event, err);
        if (rc == 0)
            ev->resource_version = xstrdup_or_null(ev->event.resource_version);
        break;
    }
    if (rc)
        err_prefix(err, "watch event object");
out:
    if (rc) {
        kube_watch_event_done(ev);
        ev->kind = kind;
    }
    tree_release(root);
    return rc;
}

int json_k8s_decode_status(const char *body, size_t len, char **message, char **reason, int *code)
{
    int rc;
    const char *kind;
    if (message)
        *message = NULL;
    if (reason)
        *reason = NULL;
    if (code)
        *code = 0;
    cJSON *root = parse_body(body, len, NULL, &rc);
    if (!root)
        goto out;
    if (!cJSON_IsObject(root) || jstr_ref(root, "kind", "", &kind, NULL) || !kind ||
        strcmp(kind, "Status") != 0) {
        rc = -KERR_PARSE;
        goto out;
    }
    rc = status_fields(root, message, reason, code, NULL);
out:
    tree_release(root);
    return rc;
}
