/*
 * sim_store: object versions, sorted per-kind vectors and the change ring of
 * armortop-sim. See sim_store.h for the model. Depends on libc, pthreads and
 * core/xalloc; no HTTP, no JSON parsing (objects arrive serialised).
 */
#include "config.h"
#include "sim_store.h"

#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

#define KIND_RES_(id, res, kind, list, nsd) res,
#define KIND_KIND_(id, res, kind, list, nsd) kind,
#define KIND_LIST_(id, res, kind, list, nsd) list,
#define KIND_NSD_(id, res, kind, list, nsd) nsd,
static const char *const kind_res[] = {SIM_KIND_LIST(KIND_RES_)};
static const char *const kind_kind[] = {SIM_KIND_LIST(KIND_KIND_)};
static const char *const kind_list[] = {SIM_KIND_LIST(KIND_LIST_)};
static const bool kind_nsd[] = {SIM_KIND_LIST(KIND_NSD_)};

#define F_SEL_(id, sel) sel,
static const char *const field_sel[] = {SIM_FIELD_LIST(F_SEL_)};

const char *sim_kind_resource(enum sim_kind k)
{
    return kind_res[k];
}
const char *sim_kind_name(enum sim_kind k)
{
    return kind_kind[k];
}
const char *sim_kind_list_name(enum sim_kind k)
{
    return kind_list[k];
}
bool sim_kind_is_namespaced(enum sim_kind k)
{
    return kind_nsd[k];
}

int sim_kind_from_resource(const char *res)
{
    static const struct {
        const char *name;
        enum sim_kind k;
    } alias[] = {
        {"nodes", SIM_KIND_NODE},
        {"pods", SIM_KIND_POD},
        {"events", SIM_KIND_EVENT},
        {"namespaces", SIM_KIND_NAMESPACE},
    };
    for (size_t i = 0; i < sizeof alias / sizeof alias[0]; i++)
        if (strcmp(alias[i].name, res) == 0)
            return (int)alias[i].k;
    return -1;
}

int sim_field_from_selector(const char *sel)
{
    for (int i = 0; i < SIM_F__COUNT; i++)
        if (field_sel[i][0] && strcmp(field_sel[i], sel) == 0)
            return i;
    return -1;
}

const char *sim_change_type_name(enum sim_change_type t)
{
    return t == SIM_ADDED ? "ADDED" : t == SIM_MODIFIED ? "MODIFIED" : "DELETED";
}

struct sim_obj *sim_obj_new(enum sim_kind kind, uint64_t rv, const char *const *fields, char *json,
                            size_t json_len)
{
    struct sim_obj *o = xcalloc(1, sizeof *o);
    size_t total = 0;
    for (int i = 0; i < SIM_F__COUNT; i++)
        total += (fields[i] ? strlen(fields[i]) : 0) + 1;
    o->strs = xmalloc(total);
    char *p = o->strs;
    for (int i = 0; i < SIM_F__COUNT; i++) {
        size_t n = fields[i] ? strlen(fields[i]) : 0;
        if (n)
            memcpy(p, fields[i], n);
        p[n] = '\0';
        o->f[i] = p;
        p += n + 1;
    }
    atomic_init(&o->refs, 1);
    o->kind = (uint8_t)kind;
    o->rv = rv;
    o->json = json;
    o->json_len = json_len;
    return o;
}

struct sim_obj *sim_obj_ref(struct sim_obj *o)
{
    atomic_fetch_add(&o->refs, 1);
    return o;
}

void sim_obj_unref(struct sim_obj *o)
{
    if (!o || atomic_fetch_sub(&o->refs, 1) != 1)
        return;
    free(o->strs);
    free(o->json);
    free(o);
}

void sim_store_init(struct sim_store *st, size_t ring_cap)
{
    memset(st, 0, sizeof *st);
    pthread_mutex_init(&st->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&st->cond, &ca);
    pthread_condattr_destroy(&ca);
    st->ring_cap = ring_cap;
    st->ring = xcalloc(ring_cap, sizeof *st->ring);
}

void sim_store_done(struct sim_store *st)
{
    for (int k = 0; k < SIM_KIND__COUNT; k++) {
        for (size_t i = 0; i < st->objs[k].count; i++)
            sim_obj_unref(st->objs[k].v[i]);
        free(st->objs[k].v);
    }
    for (size_t i = 0; i < st->ring_count; i++) {
        sim_obj_unref(st->ring[(st->ring_head + i) % st->ring_cap].obj);
        sim_obj_unref(st->ring[(st->ring_head + i) % st->ring_cap].prev);
    }
    free(st->ring);
    pthread_cond_destroy(&st->cond);
    pthread_mutex_destroy(&st->mu);
    memset(st, 0, sizeof *st);
}

uint64_t sim_store_next_rv(struct sim_store *st)
{
    return ++st->rv;
}

static int key_cmp(const struct sim_obj *o, const char *ns, const char *name)
{
    int c = strcmp(o->f[SIM_F_NAMESPACE], ns);
    return c ? c : strcmp(o->f[SIM_F_NAME], name);
}

size_t sim_store_lower_bound(const struct sim_store *st, enum sim_kind k, const char *ns,
                             const char *name, bool inclusive)
{
    const struct sim_objvec *vec = &st->objs[k];
    size_t lo = 0, hi = vec->count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = key_cmp(vec->v[mid], ns, name);
        if (c < 0 || (c == 0 && !inclusive))
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

struct sim_obj *sim_store_find(const struct sim_store *st, enum sim_kind k, const char *ns,
                               const char *name)
{
    size_t i = sim_store_lower_bound(st, k, ns, name, true);
    if (i < st->objs[k].count && key_cmp(st->objs[k].v[i], ns, name) == 0)
        return st->objs[k].v[i];
    return NULL;
}

static void record(struct sim_store *st, enum sim_change_type type, struct sim_obj *obj,
                   struct sim_obj *prev)
{
    if (st->ring_count == st->ring_cap) {
        struct sim_change *old = &st->ring[st->ring_head];
        if (old->obj->rv > st->lost_rv)
            st->lost_rv = old->obj->rv;
        if (old->obj->rv > st->compact_rv)
            st->compact_rv = old->obj->rv;
        sim_obj_unref(old->obj);
        sim_obj_unref(old->prev);
        st->ring_head = (st->ring_head + 1) % st->ring_cap;
        st->ring_count--;
    }
    struct sim_change *c = &st->ring[(st->ring_head + st->ring_count) % st->ring_cap];
    c->type = (uint8_t)type;
    c->obj = sim_obj_ref(obj);
    c->prev = prev; /* reference handed over by the caller */
    st->ring_count++;
}

void sim_store_put(struct sim_store *st, struct sim_obj *obj, bool rec)
{
    struct sim_objvec *vec = &st->objs[obj->kind];
    const char *ns = obj->f[SIM_F_NAMESPACE], *name = obj->f[SIM_F_NAME];
    size_t i;
    /* Initial loads come mostly in key order: try the end first. */
    if (vec->count == 0 || key_cmp(vec->v[vec->count - 1], ns, name) < 0)
        i = vec->count;
    else
        i = sim_store_lower_bound(st, obj->kind, ns, name, true);
    bool replace = i < vec->count && key_cmp(vec->v[i], ns, name) == 0;
    struct sim_obj *prev = NULL;
    if (replace) {
        prev = vec->v[i];
        vec->v[i] = obj;
    } else {
        if (vec->count == vec->cap) {
            vec->cap = vec->cap ? vec->cap * 2 : 64;
            vec->v = xreallocarray(vec->v, vec->cap, sizeof *vec->v);
        }
        memmove(vec->v + i + 1, vec->v + i, (vec->count - i) * sizeof *vec->v);
        vec->v[i] = obj;
        vec->count++;
    }
    if (rec) {
        record(st, replace ? SIM_MODIFIED : SIM_ADDED, obj, prev);
        pthread_cond_broadcast(&st->cond);
    } else {
        sim_obj_unref(prev);
    }
}

void sim_store_load(struct sim_store *st, struct sim_obj *obj)
{
    struct sim_objvec *vec = &st->objs[obj->kind];
    if (vec->count == vec->cap) {
        vec->cap = vec->cap ? vec->cap * 2 : 64;
        vec->v = xreallocarray(vec->v, vec->cap, sizeof *vec->v);
    }
    vec->v[vec->count++] = obj;
}

static int obj_cmp(const void *a, const void *b)
{
    const struct sim_obj *x = *(struct sim_obj *const *)a, *y = *(struct sim_obj *const *)b;
    return key_cmp(x, y->f[SIM_F_NAMESPACE], y->f[SIM_F_NAME]);
}

void sim_store_sort(struct sim_store *st)
{
    for (int k = 0; k < SIM_KIND__COUNT; k++)
        if (st->objs[k].count > 1)
            qsort(st->objs[k].v, st->objs[k].count, sizeof *st->objs[k].v, obj_cmp);
}

void sim_store_delete(struct sim_store *st, struct sim_obj *obj)
{
    struct sim_objvec *vec = &st->objs[obj->kind];
    size_t i =
        sim_store_lower_bound(st, obj->kind, obj->f[SIM_F_NAMESPACE], obj->f[SIM_F_NAME], true);
    struct sim_obj *prev = NULL;
    if (i < vec->count && key_cmp(vec->v[i], obj->f[SIM_F_NAMESPACE], obj->f[SIM_F_NAME]) == 0) {
        prev = vec->v[i];
        memmove(vec->v + i, vec->v + i + 1, (vec->count - i - 1) * sizeof *vec->v);
        vec->count--;
    }
    record(st, SIM_DELETED, obj, prev);
    sim_obj_unref(obj);
    pthread_cond_broadcast(&st->cond);
}

void sim_store_compact(struct sim_store *st)
{
    for (size_t i = 0; i < st->ring_count; i++) {
        struct sim_change *c = &st->ring[(st->ring_head + i) % st->ring_cap];
        if (c->obj->rv > st->lost_rv)
            st->lost_rv = c->obj->rv;
        sim_obj_unref(c->obj);
        sim_obj_unref(c->prev);
        c->obj = c->prev = NULL;
    }
    st->ring_head = st->ring_count = 0;
    st->compact_rv = sim_store_next_rv(st);
    pthread_cond_broadcast(&st->cond);
}

bool sim_store_rv_expired(const struct sim_store *st, uint64_t rv)
{
    return rv < st->compact_rv;
}

bool sim_store_watch_lost(const struct sim_store *st, uint64_t rv)
{
    return rv < st->lost_rv;
}

const struct sim_change *sim_store_change_at(const struct sim_store *st, size_t i)
{
    return &st->ring[(st->ring_head + i) % st->ring_cap];
}

int sim_obj_key_cmp(const struct sim_obj *a, const struct sim_obj *b)
{
    return key_cmp(a, b->f[SIM_F_NAMESPACE], b->f[SIM_F_NAME]);
}

static int touched_cmp(const void *a, const void *b)
{
    const struct sim_touched *x = a, *y = b;
    int c = sim_obj_key_cmp(x->key, y->key);
    if (c)
        return c;
    return x->first_rv < y->first_rv ? -1 : x->first_rv > y->first_rv;
}

size_t sim_store_touched_since(const struct sim_store *st, enum sim_kind k, uint64_t rv,
                               struct sim_touched **out)
{
    size_t lo = 0, hi = st->ring_count, n = 0;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (sim_store_change_at(st, mid)->obj->rv <= rv)
            lo = mid + 1;
        else
            hi = mid;
    }
    *out = NULL;
    if (lo == st->ring_count)
        return 0;
    struct sim_touched *t = xcalloc(st->ring_count - lo, sizeof *t);
    for (size_t i = lo; i < st->ring_count; i++) {
        const struct sim_change *c = sim_store_change_at(st, i);
        if (c->obj->kind != k)
            continue;
        t[n++] = (struct sim_touched){.key = c->obj, .at_rv = c->prev, .first_rv = c->obj->rv};
    }
    qsort(t, n, sizeof *t, touched_cmp);
    /* Keep the earliest change per key: its prev is the version at rv. */
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (m == 0 || sim_obj_key_cmp(t[m - 1].key, t[i].key) != 0)
            t[m++] = t[i];
    if (m == 0) {
        free(t);
        t = NULL;
    }
    *out = t;
    return m;
}
