/*
 * sim_lite: lightweight in-process agents of armortop-sim (see sim_lite.h).
 */
#include "config.h"
#include "sim_lite.h"

#include <ctype.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "denial.h"
#include "sim_gen.h"
#include "kerr.h"
#include "xalloc.h"

#define LIMIT_DEFAULT 1000
#define LIMIT_MAX 10000

/* Parameters of one audit line kept in the ring (rendered on request). */
struct lrec {
    uint64_t seq;
    uint64_t serial;
    int64_t epoch_ms;
    double uptime;
    int pid;
    uint16_t prof;
    uint8_t fmt, event, kind;
    char comm[16];
};

static const unsigned codes[] = {200, 400, 401, 403, 404, 405, 501};
#define NCODES (sizeof codes / sizeof codes[0])
static const char *const methods[] = {"GET", "HEAD", "PUT", "DELETE", "POST", "other"};
#define NMETHODS 6

struct lnode {
    pthread_mutex_t mu;
    struct sim_lite_proc *procs; /* sorted by pid once serving */
    size_t n, cap;
    struct lrec *ring; /* SIM_LITE_RING slots, allocated at the first record */
    uint32_t *per_prof; /* records by profile index, allocated with the ring */
    uint64_t head, serial;
    unsigned long lines, denied;
    unsigned long events[DENIAL_EVENT__COUNT];
    uint32_t by_code[NCODES], by_method[NMETHODS];
};

struct sim_lite {
    unsigned first, count;
    const struct sim_lite_prof *profs;
    size_t nprofs;
    const struct sim_auth *auth;
    char *admin_token, *read_token;
    time_t started;
    struct lnode *nodes;
};

static int64_t wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct sim_lite *sim_lite_new(unsigned first, unsigned count, const struct sim_lite_prof *profs,
                              size_t nprofs, const struct sim_auth *auth, const char *admin_token,
                              const char *read_token)
{
    struct sim_lite *l = xcalloc(1, sizeof *l);
    l->first = first;
    l->count = count;
    l->profs = profs;
    l->nprofs = nprofs;
    l->auth = auth;
    l->admin_token = admin_token ? xstrdup(admin_token) : NULL;
    l->read_token = read_token ? xstrdup(read_token) : NULL;
    l->started = time(NULL);
    l->nodes = xcalloc(count ? count : 1, sizeof *l->nodes);
    for (unsigned i = 0; i < count; i++)
        pthread_mutex_init(&l->nodes[i].mu, NULL);
    return l;
}

void sim_lite_free(struct sim_lite **lp)
{
    struct sim_lite *l = lp ? *lp : NULL;
    if (!l)
        return;
    for (unsigned i = 0; i < l->count; i++) {
        free(l->nodes[i].procs);
        free(l->nodes[i].ring);
        free(l->nodes[i].per_prof);
        pthread_mutex_destroy(&l->nodes[i].mu);
    }
    free(l->nodes);
    free(l->admin_token);
    free(l->read_token);
    free(l);
    *lp = NULL;
}

bool sim_lite_has(const struct sim_lite *l, unsigned idx)
{
    return l && idx >= l->first && idx - l->first < l->count;
}

unsigned sim_lite_first(const struct sim_lite *l)
{
    return l ? l->first : 0;
}

unsigned sim_lite_count(const struct sim_lite *l)
{
    return l ? l->count : 0;
}

static struct lnode *node_of(struct sim_lite *l, unsigned idx)
{
    return sim_lite_has(l, idx) ? &l->nodes[idx - l->first] : NULL;
}

uint16_t sim_lite_prof_index(const struct sim_lite *l, const char *name)
{
    for (size_t i = 0; i < l->nprofs; i++)
        if (strcmp(l->profs[i].name, name) == 0)
            return (uint16_t)i;
    return SIM_LITE_UNCONFINED;
}

static const char *prof_name(const struct sim_lite *l, uint16_t i)
{
    return i < l->nprofs ? l->profs[i].name : "unconfined";
}

static const char *prof_mode(const struct sim_lite *l, uint16_t i)
{
    return i < l->nprofs ? l->profs[i].mode : "";
}

/* The label the kernel shows for p: "name (mode)", or "unconfined". */
static void label_of(const struct sim_lite *l, const struct sim_lite_proc *p, char *buf, size_t len)
{
    const char *m = prof_mode(l, p->prof);
    int r = m[0] ? snprintf(buf, len, "%s (%s)", prof_name(l, p->prof), m)
                 : snprintf(buf, len, "%s", prof_name(l, p->prof));
    if (r < 0)
        buf[0] = '\0';
}

/* ---- processes ------------------------------------------------------------------------ */

static void procs_append(struct lnode *nd, const struct sim_lite_proc *p, size_t n)
{
    if (nd->n + n > nd->cap) {
        size_t cap = nd->cap ? nd->cap : 16;
        while (cap < nd->n + n)
            cap *= 2;
        nd->procs = xreallocarray(nd->procs, cap, sizeof *nd->procs);
        nd->cap = cap;
    }
    memcpy(nd->procs + nd->n, p, n * sizeof *p);
    nd->n += n;
}

static int proc_cmp(const void *a, const void *b)
{
    const struct sim_lite_proc *x = a, *y = b;
    return (x->pid > y->pid) - (x->pid < y->pid);
}

void sim_lite_add(struct sim_lite *l, unsigned idx, const struct sim_lite_proc *p, size_t n)
{
    struct lnode *nd = node_of(l, idx);
    if (nd && n)
        procs_append(nd, p, n);
}

void sim_lite_sort_all(struct sim_lite *l)
{
    for (unsigned i = 0; l && i < l->count; i++)
        qsort(l->nodes[i].procs, l->nodes[i].n, sizeof *l->nodes[i].procs, proc_cmp);
}

void sim_lite_set_pod(struct sim_lite *l, unsigned idx, uint32_t pod_idx,
                      const struct sim_lite_proc *p, size_t n)
{
    struct lnode *nd = node_of(l, idx);
    if (!nd)
        return;
    pthread_mutex_lock(&nd->mu);
    size_t w = 0;
    for (size_t i = 0; i < nd->n; i++)
        if (nd->procs[i].pod_idx != pod_idx)
            nd->procs[w++] = nd->procs[i];
    nd->n = w;
    if (n)
        procs_append(nd, p, n);
    qsort(nd->procs, nd->n, sizeof *nd->procs, proc_cmp);
    pthread_mutex_unlock(&nd->mu);
}

size_t sim_lite_procs(struct sim_lite *l, unsigned idx, struct sim_lite_proc **out)
{
    struct lnode *nd = node_of(l, idx);
    *out = NULL;
    if (!nd)
        return 0;
    pthread_mutex_lock(&nd->mu);
    size_t n = nd->n;
    if (n) {
        *out = xcalloc(n, sizeof **out);
        memcpy(*out, nd->procs, n * sizeof **out);
    }
    pthread_mutex_unlock(&nd->mu);
    return n;
}

static const struct sim_lite_proc *proc_by_pid(const struct lnode *nd, int pid)
{
    struct sim_lite_proc key;
    key.pid = pid;
    return bsearch(&key, nd->procs, nd->n, sizeof *nd->procs, proc_cmp);
}

/* ---- denials ------------------------------------------------------------------------- */

static bool is_confined(const struct sim_lite *l, const struct sim_lite_proc *p)
{
    return p->prof < l->nprofs && l->profs[p->prof].mode[0];
}

/* Append one record (nd->mu held). */
static void push(struct sim_lite *l, struct lnode *nd, const struct sim_lite_proc *p,
                 enum sim_dfmt fmt, enum sim_devent ev, enum sim_dkind kind, double uptime)
{
    nd->lines++;
    nd->serial++;
    if (kind == SIM_DK_STATUS) {
        nd->events[DENIAL_EVENT_STATUS]++;
        return;
    }
    if (!nd->ring) {
        nd->ring = xcalloc(SIM_LITE_RING, sizeof *nd->ring);
        nd->per_prof = xcalloc(l->nprofs + 1, sizeof *nd->per_prof);
    }
    uint64_t seq = ++nd->head;
    struct lrec *r = &nd->ring[seq % SIM_LITE_RING];
    memset(r, 0, sizeof *r);
    r->seq = seq;
    r->serial = nd->serial;
    r->epoch_ms = wall_ms();
    r->uptime = uptime;
    r->pid = p->pid;
    r->prof = p->prof;
    r->fmt = (uint8_t)fmt;
    r->event = (uint8_t)ev;
    r->kind = (uint8_t)kind;
    memcpy(r->comm, p->comm, sizeof r->comm);
    nd->events[kind == SIM_DK_ALLOWED ? DENIAL_EVENT_ALLOWED : DENIAL_EVENT_DENIED]++;
    if (kind == SIM_DK_DENIED)
        nd->denied++;
    nd->per_prof[p->prof < l->nprofs ? p->prof : l->nprofs]++;
}

bool sim_lite_random_denial(struct sim_lite *l, unsigned idx, uint64_t *rng, double uptime)
{
    struct lnode *nd = node_of(l, idx);
    if (!nd)
        return false;
    pthread_mutex_lock(&nd->mu);
    size_t conf = 0;
    for (size_t i = 0; i < nd->n; i++)
        conf += is_confined(l, &nd->procs[i]);
    if (!conf) {
        pthread_mutex_unlock(&nd->mu);
        return false;
    }
    size_t k = sim_rng_next(rng) % conf;
    const struct sim_lite_proc *p = NULL;
    for (size_t i = 0; i < nd->n && !p; i++)
        if (is_confined(l, &nd->procs[i]) && k-- == 0)
            p = &nd->procs[i];
    uint64_t r = sim_rng_next(rng);
    unsigned roll = (unsigned)((r >> 16) % 100);
    enum sim_dkind kind = roll < 5 ? SIM_DK_STATUS
                          : strcmp(prof_mode(l, p->prof), "complain") == 0 ? SIM_DK_ALLOWED
                                                                           : SIM_DK_DENIED;
    push(l, nd, p, (enum sim_dfmt)(r % SIM_DF__COUNT), (enum sim_devent)((r >> 8) % SIM_DE__COUNT),
         kind, uptime);
    pthread_mutex_unlock(&nd->mu);
    return true;
}

unsigned sim_lite_write_denials(struct sim_lite *l, unsigned idx, unsigned count, uint64_t *rng,
                                double uptime, struct strbuf *out)
{
    struct lnode *nd = node_of(l, idx);
    if (!nd) {
        strbuf_puts(out, "{\"error\":\"no such node with simulated state\"}");
        return 404;
    }
    pthread_mutex_lock(&nd->mu);
    size_t *elig = xcalloc(nd->n + 1, sizeof *elig);
    size_t ne = 0;
    for (size_t i = 0; i < nd->n; i++)
        if (is_confined(l, &nd->procs[i]) &&
            strcmp(prof_mode(l, nd->procs[i].prof), "enforce") == 0)
            elig[ne++] = i;
    if (!ne) {
        pthread_mutex_unlock(&nd->mu);
        free(elig);
        strbuf_puts(out, "{\"error\":\"no process in enforce mode on this node\"}");
        return 409;
    }
    char name[24];
    sim_gen_node_name(idx, name);
    strbuf_printf(out, "{\"node\":\"%s\",\"written\":%u,\"lite\":true,\"records\":[", name, count);
    for (unsigned i = 0; i < count; i++) {
        uint64_t r = sim_rng_next(rng);
        const struct sim_lite_proc *p = &nd->procs[elig[r % ne]];
        enum sim_dfmt fmt = (enum sim_dfmt)(i % SIM_DF__COUNT);
        enum sim_devent ev = (enum sim_devent)((r >> 24) % SIM_DE__COUNT);
        push(l, nd, p, fmt, ev, SIM_DK_DENIED, uptime);
        strbuf_printf(out,
                      "%s{\"serial\":%" PRIu64 ",\"cursor\":%" PRIu64
                      ",\"format\":\"%s\",\"operation\":\"%s\",\"profile\":",
                      i ? "," : "", nd->serial, nd->head, sim_dfmt_name(fmt),
                      sim_devent_operation(ev));
        strbuf_json_str(out, prof_name(l, p->prof));
        strbuf_printf(out,
                      ",\"pid\":%d,\"namespace\":null,\"pod\":null,\"pod_uid\":\"%s\","
                      "\"container\":null,\"container_id\":\"%s\"}",
                      p->pid, p->uid, p->cid);
    }
    strbuf_puts(out, "]}");
    free(elig);
    pthread_mutex_unlock(&nd->mu);
    return 200;
}

void sim_lite_totals(struct sim_lite *l, unsigned long *lines, unsigned long *denied,
                     unsigned long *requests)
{
    *lines = *denied = *requests = 0;
    for (unsigned i = 0; l && i < l->count; i++) {
        struct lnode *nd = &l->nodes[i];
        pthread_mutex_lock(&nd->mu);
        *lines += nd->lines;
        *denied += nd->denied;
        for (size_t k = 0; k < NCODES; k++)
            *requests += nd->by_code[k];
        pthread_mutex_unlock(&nd->mu);
    }
}

/* ---- JSON ---------------------------------------------------------------------------- */

static void key(struct strbuf *out, const char *k, bool *first)
{
    if (!*first)
        strbuf_putc(out, ',');
    *first = false;
    strbuf_printf(out, "\"%s\":", k);
}

static void kv_str(struct strbuf *out, const char *k, const char *v, bool *first)
{
    key(out, k, first);
    if (v)
        strbuf_json_str(out, v);
    else
        strbuf_puts(out, "null");
}

static void kv_int(struct strbuf *out, const char *k, long long v, bool is_null, bool *first)
{
    key(out, k, first);
    if (is_null)
        strbuf_puts(out, "null");
    else
        strbuf_printf(out, "%lld", v);
}

static void kv_u64(struct strbuf *out, const char *k, unsigned long long v, bool *first)
{
    key(out, k, first);
    strbuf_printf(out, "%llu", v);
}

static void kv_bool(struct strbuf *out, const char *k, bool v, bool *first)
{
    key(out, k, first);
    strbuf_puts(out, v ? "true" : "false");
}

static void json_error(struct strbuf *out, const char *msg)
{
    bool first = true;
    strbuf_putc(out, '{');
    kv_str(out, "error", msg, &first);
    strbuf_putc(out, '}');
}

static void iso_time(char *buf, size_t len, int64_t epoch_s, int ms)
{
    time_t t = (time_t)epoch_s;
    struct tm tm;
    if (!gmtime_r(&t, &tm)) {
        snprintf(buf, len, "1970-01-01T00:00:00.000Z");
        return;
    }
    int r = snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                     tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                     ms < 0 || ms > 999 ? 0 : ms);
    if (r < 0)
        buf[0] = '\0';
}

/* Format the record's audit line and read it as the real agent does. Returns
 * false when the parser does not keep it (never for what push() stores). */
static bool parse_rec(const struct sim_lite *l, const char *node_name, const struct lrec *r,
                      struct aa_denial *a, char *time_s, size_t tlen)
{
    struct sim_dline d = {
        .fmt = (enum sim_dfmt)r->fmt,
        .event = (enum sim_devent)r->event,
        .kind = (enum sim_dkind)r->kind,
        .node = node_name,
        .profile = prof_name(l, r->prof),
        .comm = r->comm,
        .pid = r->pid,
        .epoch_ms = r->epoch_ms,
        .uptime = r->uptime,
        .serial = r->serial,
    };
    struct strbuf line;
    strbuf_init(&line);
    sim_dline_format(&line, &d);
    struct kerr e;
    kerr_clear(&e);
    int rc = denial_parse_line(line.buf ? line.buf : "", line.len, a, &e);
    strbuf_done(&line);
    if (rc != 0)
        return false;
    if (a->epoch_s > 0)
        iso_time(time_s, tlen, a->epoch_s, a->epoch_ms);
    else
        iso_time(time_s, tlen, r->epoch_ms / 1000, (int)(r->epoch_ms % 1000));
    return true;
}

/* One record as the real agent renders it (after "cursor"). nd->mu held. */
static void record_json(const struct sim_lite *l, const struct lnode *nd, const char *node_name,
                        const struct aa_denial *r, const char *time_s, struct strbuf *out)
{
    const struct sim_lite_proc *p = r->pid > 0 ? proc_by_pid(nd, (int)r->pid) : NULL;
    char label[192];
    if (p)
        label_of(l, p, label, sizeof label);
    bool first = false; /* after "cursor" */
    kv_str(out, "node", node_name, &first);
    kv_str(out, "time", time_s, &first);
    kv_str(out, "audit_id", r->audit_id, &first);
    kv_str(out, "event", denial_event_name(r->event), &first);
    kv_str(out, "profile", r->profile, &first);
    kv_str(out, "operation", r->operation, &first);
    kv_str(out, "class", r->rule_class, &first);
    kv_str(out, "name", r->name, &first);
    kv_str(out, "target", r->name2, &first);
    kv_str(out, "requested_mask", r->requested_mask, &first);
    kv_str(out, "denied_mask", r->denied_mask, &first);
    kv_int(out, "pid", r->pid, r->pid < 0, &first);
    kv_str(out, "comm", r->comm, &first);
    kv_str(out, "pod_uid", p ? p->uid : NULL, &first);
    kv_str(out, "container_id", p ? p->cid : NULL, &first);
    kv_str(out, "runtime", p ? "containerd" : NULL, &first);
    kv_str(out, "label", p ? label : NULL, &first);
    kv_str(out, "attributed_by", p ? "pid" : "profile", &first);
    kv_str(out, "namespace", r->aa_namespace, &first);
    kv_str(out, "info", r->info, &first);
    kv_int(out, "error", r->error_code, r->error_code == 0, &first);
    kv_str(out, "peer", r->peer ? r->peer : r->peer_profile, &first);
    kv_str(out, "capname", r->capname, &first);
    kv_int(out, "capability", r->capability, r->capability < 0, &first);
    kv_str(out, "family", r->net_family, &first);
    kv_str(out, "sock_type", r->net_sock_type, &first);
    kv_str(out, "protocol", r->net_protocol, &first);
    kv_str(out, "signal", r->signal, &first);
    kv_int(out, "fsuid", r->fsuid, r->fsuid < 0, &first);
    kv_int(out, "ouid", r->ouid, r->ouid < 0, &first);
    kv_str(out, "source_format", denial_source_name(r->source_format), &first);
    kv_bool(out, "truncated", r->is_truncated, &first);
}

static void render_denials(const struct sim_lite *l, const struct lnode *nd, const char *node_name,
                           uint64_t since, uint64_t limit, struct strbuf *out)
{
    bool reset = false;
    if (since > nd->head) {
        since = 0;
        reset = true;
    }
    uint64_t oldest = nd->head > SIM_LITE_RING ? nd->head - SIM_LITE_RING + 1 : 1;
    uint64_t start = since + 1 > oldest ? since + 1 : oldest;
    uint64_t dropped = since + 1 < oldest ? oldest - (since + 1) : 0;
    uint64_t end = nd->head;
    if (end >= start && end - start + 1 > limit)
        end = start + limit - 1;
    strbuf_puts(out, "{\"records\":[");
    uint64_t next = since;
    bool first = true;
    for (uint64_t s = start; nd->ring && s <= end; s++) {
        const struct lrec *r = &nd->ring[s % SIM_LITE_RING];
        if (r->seq != s)
            continue;
        struct aa_denial a;
        char time_s[40];
        if (parse_rec(l, node_name, r, &a, time_s, sizeof time_s)) {
            if (!first)
                strbuf_putc(out, ',');
            first = false;
            strbuf_printf(out, "{\"cursor\":%llu", (unsigned long long)s);
            record_json(l, nd, node_name, &a, time_s, out);
            strbuf_putc(out, '}');
        }
        aa_denial_done(&a);
        next = s;
    }
    if (dropped > 0 && next < oldest - 1)
        next = oldest - 1;
    strbuf_printf(out, "],\"next\":%llu,\"dropped\":%llu,\"newest\":%llu,\"oldest\":%llu",
                  (unsigned long long)next, (unsigned long long)dropped,
                  (unsigned long long)nd->head, (unsigned long long)(nd->head ? oldest : 0));
    if (reset)
        strbuf_puts(out, ",\"reset\":true");
    strbuf_putc(out, '}');
}

struct sum {
    struct strbuf key, fields;
    unsigned long long count;
    char first[40], last[40];
};

static int sum_cmp(const void *a, const void *b)
{
    const struct sum *x = a, *y = b;
    if (x->count != y->count)
        return x->count < y->count ? 1 : -1;
    return strcmp(x->first, y->first);
}

/* Identical denials counted, over the records still in the ring. */
static void render_summary(const struct sim_lite *l, const struct lnode *nd, const char *node_name,
                           struct strbuf *out)
{
    struct sum *v = NULL;
    size_t n = 0;
    uint64_t oldest = nd->head > SIM_LITE_RING ? nd->head - SIM_LITE_RING + 1 : 1;
    for (uint64_t s = oldest; nd->ring && s <= nd->head; s++) {
        const struct lrec *r = &nd->ring[s % SIM_LITE_RING];
        if (r->seq != s)
            continue;
        struct aa_denial a;
        char time_s[40];
        if (parse_rec(l, node_name, r, &a, time_s, sizeof time_s)) {
            struct strbuf k;
            strbuf_init(&k);
            denial_dedup_key(&a, &k);
            size_t i = 0;
            for (; i < n; i++)
                if (v[i].key.len == k.len && memcmp(v[i].key.buf, k.buf, k.len) == 0)
                    break;
            if (i == n) {
                if (!v)
                    v = xcalloc(SIM_LITE_RING, sizeof *v);
                n++;
                v[i].key = k;
                strbuf_init(&v[i].fields);
                bool first = true;
                struct strbuf *f = &v[i].fields;
                strbuf_putc(f, '{');
                kv_str(f, "event", denial_event_name(a.event), &first);
                kv_str(f, "profile", a.profile, &first);
                kv_str(f, "operation", a.operation, &first);
                kv_str(f, "class", a.rule_class, &first);
                kv_str(f, "name", a.name, &first);
                kv_str(f, "requested_mask", a.requested_mask, &first);
                kv_str(f, "denied_mask", a.denied_mask, &first);
                kv_str(f, "comm", a.comm, &first);
                snprintf(v[i].first, sizeof v[i].first, "%s", time_s);
            } else {
                strbuf_done(&k);
            }
            v[i].count++;
            snprintf(v[i].last, sizeof v[i].last, "%s", time_s);
        }
        aa_denial_done(&a);
    }
    if (n)
        qsort(v, n, sizeof *v, sum_cmp);
    strbuf_putc(out, '[');
    for (size_t i = 0; i < n; i++) {
        if (i)
            strbuf_putc(out, ',');
        strbuf_append(out, v[i].fields.buf, v[i].fields.len);
        strbuf_printf(out, ",\"count\":%llu,\"first\":", v[i].count);
        strbuf_json_str(out, v[i].first);
        strbuf_puts(out, ",\"last\":");
        strbuf_json_str(out, v[i].last);
        strbuf_putc(out, '}');
        strbuf_done(&v[i].key);
        strbuf_done(&v[i].fields);
    }
    strbuf_putc(out, ']');
    free(v);
}

/* ---- other answers --------------------------------------------------------------------- */

static unsigned long requests_total(const struct lnode *nd)
{
    unsigned long n = 0;
    for (size_t k = 0; k < NCODES; k++)
        n += nd->by_code[k];
    return n;
}

static void render_status(const struct sim_lite *l, const struct lnode *nd, const char *node_name,
                          struct strbuf *out)
{
    bool first = true, f2 = true;
    char where[64];
    snprintf(where, sizeof where, "armortop-sim:lite:%s", node_name);
    strbuf_putc(out, '{');
    kv_str(out, "node", node_name, &first);
    kv_str(out, "version", ARMORTOP_VERSION, &first);
    key(out, "apparmor", &first);
    strbuf_putc(out, '{');
    kv_bool(out, "enabled", true, &f2);
    kv_str(out, "reason", "enabled", &f2);
    kv_str(out, "apparmorfs", where, &f2);
    kv_str(out, "features", "/usr/share/apparmor-features/features", &f2);
    kv_str(out, "parser", "/usr/sbin/apparmor_parser", &f2);
    strbuf_putc(out, '}');
    kv_int(out, "revision", (long long)l->nprofs + 1, false, &first);
    key(out, "denial_source", &first);
    f2 = true;
    strbuf_putc(out, '{');
    kv_str(out, "kind", "file", &f2);
    kv_str(out, "path", where, &f2);
    kv_bool(out, "healthy", true, &f2);
    kv_str(out, "error", NULL, &f2);
    kv_u64(out, "offset", 0, &f2);
    kv_u64(out, "lines", nd->lines, &f2);
    kv_u64(out, "records", nd->head, &f2);
    kv_u64(out, "parse_errors", 0, &f2);
    kv_u64(out, "rotations", 0, &f2);
    kv_u64(out, "truncations", 0, &f2);
    kv_u64(out, "kmsg_overruns", 0, &f2);
    kv_u64(out, "ring_size", SIM_LITE_RING, &f2);
    strbuf_putc(out, '}');
    key(out, "auth", &first);
    f2 = true;
    strbuf_putc(out, '{');
    kv_str(out, "mode", "token+kubernetes", &f2);
    kv_bool(out, "tls", false, &f2);
    strbuf_putc(out, '}');
    key(out, "counts", &first);
    f2 = true;
    strbuf_putc(out, '{');
    kv_int(out, "profiles", (long long)l->nprofs, false, &f2);
    kv_u64(out, "denials", nd->head, &f2);
    kv_u64(out, "requests", requests_total(nd), &f2);
    kv_u64(out, "changes", 0, &f2);
    kv_u64(out, "policy_changes", 0, &f2);
    strbuf_putc(out, '}');
    kv_int(out, "uptime_s", (long long)(time(NULL) - l->started), false, &first);
    strbuf_putc(out, '}');
}

static void profile_json(const struct sim_lite *l, size_t i, struct strbuf *out)
{
    const struct sim_lite_prof *p = &l->profs[i];
    bool first = true;
    strbuf_putc(out, '{');
    kv_str(out, "name", p->name, &first);
    kv_str(out, "mode", p->mode, &first);
    kv_str(out, "hash", p->sha[0] ? p->sha : NULL, &first);
    kv_str(out, "hash_alg", p->sha[0] ? "sha256" : NULL, &first);
    kv_str(out, "attach", p->name, &first);
    kv_str(out, "namespace", NULL, &first);
}

static void render_profiles(const struct sim_lite *l, struct strbuf *out)
{
    bool first = true;
    strbuf_putc(out, '{');
    kv_int(out, "revision", (long long)l->nprofs + 1, false, &first);
    kv_bool(out, "truncated", false, &first);
    key(out, "profiles", &first);
    strbuf_putc(out, '[');
    for (size_t i = 0; i < l->nprofs; i++) {
        if (i)
            strbuf_putc(out, ',');
        profile_json(l, i, out);
        strbuf_putc(out, '}');
    }
    strbuf_puts(out, "]}");
}

static unsigned render_profile(const struct sim_lite *l, const char *name, struct strbuf *out)
{
    uint16_t i = sim_lite_prof_index(l, name);
    if (i == SIM_LITE_UNCONFINED) {
        json_error(out, "profile not loaded");
        return 404;
    }
    profile_json(l, i, out);
    bool first = false;
    kv_int(out, "revision", (long long)l->nprofs + 1, false, &first);
    kv_str(out, "source", NULL, &first);
    kv_str(out, "source_mode", NULL, &first);
    strbuf_putc(out, '}');
    return 200;
}

static int cid_cmp(const void *a, const void *b)
{
    const struct sim_lite_proc *x = *(const struct sim_lite_proc *const *)a;
    const struct sim_lite_proc *y = *(const struct sim_lite_proc *const *)b;
    int c = strcmp(x->cid, y->cid);
    return c ? c : (x->pid > y->pid) - (x->pid < y->pid);
}

static void render_containers(const struct sim_lite *l, const struct lnode *nd, struct strbuf *out)
{
    const struct sim_lite_proc **v = xcalloc(nd->n + 1, sizeof *v);
    size_t n = 0;
    for (size_t i = 0; i < nd->n; i++)
        if (nd->procs[i].cid[0])
            v[n++] = &nd->procs[i];
    qsort(v, n, sizeof *v, cid_cmp);
    strbuf_putc(out, '[');
    for (size_t i = 0; i < n; i++) {
        const struct sim_lite_proc *p = v[i];
        const char *m = prof_mode(l, p->prof);
        char label[192];
        label_of(l, p, label, sizeof label);
        bool first = true;
        if (i)
            strbuf_putc(out, ',');
        strbuf_putc(out, '{');
        kv_str(out, "container_id", p->cid, &first);
        kv_str(out, "pod_uid", p->uid[0] ? p->uid : NULL, &first);
        kv_int(out, "pid", p->pid, false, &first);
        kv_str(out, "label", label, &first);
        kv_str(out, "profile", prof_name(l, p->prof), &first);
        kv_str(out, "mode", m[0] ? m : NULL, &first);
        kv_str(out, "runtime", "containerd", &first);
        kv_u64(out, "process_count", 1, &first);
        kv_bool(out, "mixed_labels", false, &first);
        strbuf_putc(out, '}');
    }
    strbuf_putc(out, ']');
    free(v);
}

static void render_metrics(const struct sim_lite *l, const struct lnode *nd, struct strbuf *out)
{
    static const char *const modes[] = {"enforce", "complain", "kill", "unconfined", "user"};
    size_t counted[6] = {0};
    for (size_t i = 0; i < l->nprofs; i++) {
        size_t m = 5;
        for (size_t k = 0; k < 5; k++)
            if (strcmp(l->profs[i].mode, modes[k]) == 0)
                m = k;
        counted[m]++;
    }
    strbuf_puts(out, "# HELP armortop_agent_profiles Loaded AppArmor profiles by mode.\n"
                     "# TYPE armortop_agent_profiles gauge\n");
    for (size_t k = 0; k < 5; k++)
        strbuf_printf(out, "armortop_agent_profiles{mode=\"%s\"} %zu\n", modes[k], counted[k]);
    strbuf_printf(out, "armortop_agent_profiles{mode=\"other\"} %zu\n", counted[5]);
    strbuf_printf(out,
                  "# HELP armortop_agent_policy_revision apparmorfs policy revision.\n"
                  "# TYPE armortop_agent_policy_revision gauge\n"
                  "armortop_agent_policy_revision %zu\n"
                  "# HELP armortop_agent_changes_total Profile loads, replaces, removals and mode "
                  "switches done by this agent.\n# TYPE armortop_agent_changes_total counter\n"
                  "armortop_agent_changes_total 0\n",
                  l->nprofs + 1);
    strbuf_puts(out, "# HELP armortop_agent_denials_total AppArmor records (DENIED, ALLOWED, "
                     "KILLED) read, by profile.\n# TYPE armortop_agent_denials_total counter\n");
    for (size_t i = 0; nd->per_prof && i <= l->nprofs; i++)
        if (nd->per_prof[i])
            strbuf_printf(out, "armortop_agent_denials_total{profile=\"%s\"} %u\n",
                          i < l->nprofs ? l->profs[i].name : "unconfined", nd->per_prof[i]);
    strbuf_puts(out, "# HELP armortop_agent_records_total AppArmor records read, by event.\n"
                     "# TYPE armortop_agent_records_total counter\n");
    for (int ev = 0; ev < DENIAL_EVENT__COUNT; ev++)
        strbuf_printf(out, "armortop_agent_records_total{event=\"%s\"} %lu\n",
                      denial_event_name((enum denial_event)ev), nd->events[ev]);
    strbuf_printf(out,
                  "# HELP armortop_agent_source_healthy Whether the denial source is being read.\n"
                  "# TYPE armortop_agent_source_healthy gauge\n"
                  "armortop_agent_source_healthy{kind=\"file\"} 1\n"
                  "# TYPE armortop_agent_source_lines_total counter\n"
                  "armortop_agent_source_lines_total %lu\n"
                  "# TYPE armortop_agent_source_parse_errors_total counter\n"
                  "armortop_agent_source_parse_errors_total 0\n"
                  "# TYPE armortop_agent_source_rotations_total counter\n"
                  "armortop_agent_source_rotations_total 0\n"
                  "# TYPE armortop_agent_source_truncations_total counter\n"
                  "armortop_agent_source_truncations_total 0\n"
                  "# TYPE armortop_agent_policy_changes_total counter\n"
                  "armortop_agent_policy_changes_total 0\n",
                  nd->lines);
    strbuf_puts(out, "# HELP armortop_agent_http_requests_total HTTP requests answered, by status "
                     "code.\n# TYPE armortop_agent_http_requests_total counter\n");
    for (size_t k = 0; k < NCODES; k++)
        if (nd->by_code[k])
            strbuf_printf(out, "armortop_agent_http_requests_total{code=\"%u\"} %u\n", codes[k],
                          nd->by_code[k]);
    strbuf_puts(out, "# HELP armortop_agent_http_requests_by_method_total HTTP requests received, "
                     "by method.\n# TYPE armortop_agent_http_requests_by_method_total counter\n");
    for (size_t k = 0; k < NMETHODS; k++)
        strbuf_printf(out, "armortop_agent_http_requests_by_method_total{method=\"%s\"} %u\n",
                      methods[k], nd->by_method[k]);
    strbuf_puts(out, "# TYPE armortop_agent_apparmor_enabled gauge\n"
                     "armortop_agent_apparmor_enabled 1\n");
}

/* ---- routing and auth ------------------------------------------------------------------- */

enum route {
    R_NONE,
    R_HEALTHZ,
    R_METRICS,
    R_STATUS,
    R_PROFILES,
    R_PROFILE_GET,
    R_PROFILE_CHANGE,
    R_CONTAINERS,
    R_DENIALS,
    R_DENIALS_SUMMARY,
};

static bool parse_u64(const char *s, size_t len, uint64_t *out)
{
    if (!len)
        return false;
    uint64_t v = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        uint64_t d = (uint64_t)(s[i] - '0');
        if (v > (UINT64_MAX - d) / 10)
            return false;
        v = v * 10 + d;
    }
    *out = v;
    return true;
}

/* Value of query parameter name in q ("a=1&b=2"); false when absent. */
static bool query_arg(const char *q, const char *name, const char **val, size_t *len)
{
    size_t nl = strlen(name);
    for (const char *p = q; p && *p;) {
        const char *amp = strchr(p, '&');
        size_t seg = amp ? (size_t)(amp - p) : strlen(p);
        if (seg >= nl && strncmp(p, name, nl) == 0 && (seg == nl || p[nl] == '=')) {
            *val = seg == nl ? p + nl : p + nl + 1;
            *len = seg == nl ? 0 : seg - nl - 1;
            return true;
        }
        p = amp ? amp + 1 : NULL;
    }
    return false;
}

static void unescape(char *s)
{
    char *w = s;
    for (const char *p = s; *p;) {
        if (p[0] == '%' && isxdigit((unsigned char)p[1]) && isxdigit((unsigned char)p[2])) {
            char hex[3] = {p[1], p[2], 0};
            unsigned v = (unsigned)strtoul(hex, NULL, 16);
            *w++ = (char)(v == 0 ? 1 : v);
            p += 3;
        } else {
            *w++ = *p++;
        }
    }
    *w = '\0';
}

static enum route route_of(const char *method, const char *path, char **name, unsigned *early)
{
    bool get = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
    *early = 0;
    static const struct {
        const char *path;
        enum route r;
    } fixed[] = {{"/healthz", R_HEALTHZ},        {"/metrics", R_METRICS},
                 {"/v1/status", R_STATUS},       {"/v1/containers", R_CONTAINERS},
                 {"/v1/denials", R_DENIALS},     {"/v1/denials/summary", R_DENIALS_SUMMARY},
                 {"/v1/profiles", R_PROFILES},   {"/v1/profiles/", R_PROFILES}};
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
        if (strcmp(path, fixed[i].path) == 0) {
            if (!get) {
                *early = 405;
                return R_NONE;
            }
            return fixed[i].r;
        }
    static const char prefix[] = "/v1/profiles/";
    if (strncmp(path, prefix, sizeof prefix - 1) == 0) {
        const char *nm = path + sizeof prefix - 1;
        size_t len = strlen(nm);
        if (strcmp(method, "POST") == 0) {
            if (len > 5 && strcmp(nm + len - 5, "/mode") == 0) {
                *name = xstrndup(nm, len - 5);
                return R_PROFILE_CHANGE;
            }
            *early = 404;
            return R_NONE;
        }
        *name = xstrdup(nm);
        if (get)
            return R_PROFILE_GET;
        if (strcmp(method, "PUT") == 0 || strcmp(method, "DELETE") == 0)
            return R_PROFILE_CHANGE;
        *early = 405;
        return R_NONE;
    }
    *early = 404;
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

/* 200, 401 or 403 with a reason, as the real agent with --token-file and
 * --kubeconfig against this sim would answer. */
static unsigned authorize(const struct sim_lite *l, const char *header, const char *verb,
                          char *reason, size_t rlen)
{
    if (!header || strncasecmp(header, "Bearer ", 7) != 0 || !header[7]) {
        snprintf(reason, rlen,
                 "authentication required: send \"Authorization: Bearer <token>\" or "
                 "\"X-Armortop-Authorization: Bearer <token>\"");
        return 401;
    }
    const char *tok = header + 7;
    while (*tok == ' ')
        tok++;
    bool is_write = strcmp(verb, "get") != 0 && strcmp(verb, "list") != 0;
    const struct sim_user *u = l->auth ? sim_auth_find(l->auth, tok) : NULL;
    if (u) {
        char why[256];
        if (sim_auth_allowed(u->name, (const char *const *)u->groups, u->ngroups, verb,
                             "armortop.io", "apparmorprofiles", why, sizeof why))
            return 200;
        snprintf(reason, rlen, "forbidden: user \"%s\" cannot %s armortop.io/apparmorprofiles: %s",
                 u->name, verb, why);
        return 403;
    }
    if (l->admin_token && strcmp(tok, l->admin_token) == 0)
        return 200;
    if (l->read_token && strcmp(tok, l->read_token) == 0) {
        if (!is_write)
            return 200;
        snprintf(reason, rlen, "forbidden: token \"read\" may only read");
        return 403;
    }
    snprintf(reason, rlen, "authentication failed: unknown token");
    return 401;
}

static void count(struct lnode *nd, const char *method, unsigned status)
{
    size_t m = NMETHODS - 1;
    for (size_t k = 0; k + 1 < NMETHODS; k++)
        if (strcmp(method, methods[k]) == 0)
            m = k;
    pthread_mutex_lock(&nd->mu);
    nd->by_method[m]++;
    for (size_t k = 0; k < NCODES; k++)
        if (codes[k] == status)
            nd->by_code[k]++;
    pthread_mutex_unlock(&nd->mu);
}

unsigned sim_lite_serve(struct sim_lite *l, unsigned idx, const char *node_name,
                        const char *method, const char *path_query, const char *token_header,
                        const char **content_type, struct strbuf *out)
{
    struct lnode *nd = node_of(l, idx);
    *content_type = "application/json";
    if (!nd) {
        json_error(out, "not found");
        return 404;
    }
    const char *qm = strchr(path_query, '?');
    char *path = qm ? xstrndup(path_query, (size_t)(qm - path_query)) : xstrdup(path_query);
    const char *query = qm ? qm + 1 : "";
    unescape(path);
    char *name = NULL;
    unsigned early = 0, status = 200;
    enum route r = route_of(method, path, &name, &early);
    if (r == R_HEALTHZ) {
        strbuf_puts(out, "ok\n");
        *content_type = "text/plain; charset=utf-8";
        goto done;
    }
    char reason[400];
    status = authorize(l, token_header, verb_of(method), reason, sizeof reason);
    if (status != 200) {
        json_error(out, reason);
        goto done;
    }
    if (early) {
        status = early;
        json_error(out, early == 405 ? "method not allowed" : "not found");
        goto done;
    }
    if (r == R_PROFILE_CHANGE) {
        status = 501;
        json_error(out, "lite agents are read-only: armortop-sim answers this node's agent API in "
                        "process (--lite-agents); load, remove and mode changes need a node with "
                        "a real agent (--agents)");
        goto done;
    }
    if (r == R_DENIALS) {
        uint64_t since = 0, limit = LIMIT_DEFAULT;
        const char *v;
        size_t vl;
        if ((query_arg(query, "since", &v, &vl) && !parse_u64(v, vl, &since)) ||
            (query_arg(query, "limit", &v, &vl) && (!parse_u64(v, vl, &limit) || limit == 0))) {
            status = 400;
            json_error(out, "since and limit must be decimal integers (limit >= 1)");
            goto done;
        }
        if (limit > LIMIT_MAX)
            limit = LIMIT_MAX;
        pthread_mutex_lock(&nd->mu);
        render_denials(l, nd, node_name, since, limit, out);
        pthread_mutex_unlock(&nd->mu);
        goto done;
    }
    if (r == R_PROFILES) {
        render_profiles(l, out);
        goto done;
    }
    if (r == R_PROFILE_GET) {
        status = render_profile(l, name, out);
        goto done;
    }
    pthread_mutex_lock(&nd->mu);
    if (r == R_STATUS) {
        render_status(l, nd, node_name, out);
    } else if (r == R_CONTAINERS) {
        render_containers(l, nd, out);
    } else if (r == R_DENIALS_SUMMARY) {
        render_summary(l, nd, node_name, out);
    } else if (r == R_METRICS) {
        render_metrics(l, nd, out);
        *content_type = "text/plain; version=0.0.4; charset=utf-8";
    }
    pthread_mutex_unlock(&nd->mu);
done:
    count(nd, method, status);
    free(name);
    free(path);
    return status;
}
