/*
 * sim_gen: deterministic nodes, namespaces, pods and events for armortop-sim.
 *
 * Objects are written directly as JSON text with a tiny comma-tracking writer
 * (struct jw) on a strbuf; no JSON library and no trees, so that 150,000 pods
 * can be generated in seconds. The shapes follow real kube-apiserver v1.32
 * output (see /work/shared/corpus/k8s-api). Depends on libc, core/xalloc,
 * core/strbuf and sim_store; no HTTP.
 */
#include "config.h"
#include "sim_gen.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <pthread.h>

#include "strbuf.h"
#include "xalloc.h"

/* Names are bounded by construction; snprintf truncation would be harmless here and GCC
 * cannot see the bounds through the plan structs. */
#pragma GCC diagnostic ignored "-Wformat-truncation"

/* ---- PRNG and deterministic identifiers ---------------------------------------------- */

static uint64_t mix64(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

uint64_t sim_rng_next(uint64_t *state)
{
    *state += 0x9e3779b97f4a7c15ULL;
    uint64_t z = *state;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static uint64_t h3(uint64_t seed, uint64_t a, uint64_t b)
{
    return mix64(mix64(mix64(seed) ^ a) ^ b);
}

/* FNV-1a of a string: stable across runs (never hash addresses). */
static uint64_t str_hash(const char *s)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
    return h;
}

static void hex_fill(char *out, size_t nhex, uint64_t key)
{
    static const char hx[] = "0123456789abcdef";
    uint64_t v = 0;
    for (size_t i = 0; i < nhex; i++) {
        if (i % 16 == 0)
            v = mix64(key + i);
        out[i] = hx[v & 15];
        v >>= 4;
    }
    out[nhex] = '\0';
}

static void uuid_fill(char out[37], uint64_t key)
{
    char h[33];
    hex_fill(h, 32, key);
    h[12] = '4';
    h[16] = "89ab"[h[16] % 4];
    snprintf(out, 37, "%.8s-%.4s-%.4s-%.4s-%.12s", h, h + 8, h + 12, h + 16, h + 20);
}

void sim_gen_token(uint64_t seed, char *buf, size_t len)
{
    char h[33];
    hex_fill(h, 32, mix64(seed ^ 0x746f6b656eULL));
    snprintf(buf, len, "sim-%s", h);
}

/* Kubernetes' random-suffix alphabet (27 characters). */
static const char k8s_alpha[] = "bcdfghjklmnpqrstvwxz2456789";
#define SUFFIX_SPACE 14348907ULL /* 27^5 */

/* A 5-character suffix that is a bijection of idx (unique names for idx < 27^5). */
static void suffix5(char out[6], uint64_t seed, uint64_t idx)
{
    uint64_t x = (idx * 2654435761ULL + mix64(seed) % SUFFIX_SPACE) % SUFFIX_SPACE;
    for (int i = 0; i < 5; i++) {
        out[i] = k8s_alpha[x % 27];
        x /= 27;
    }
    out[5] = '\0';
}

static void alpha_fill(char *out, size_t n, uint64_t key)
{
    for (size_t i = 0; i < n; i++)
        out[i] = k8s_alpha[mix64(key + i) % 27];
    out[n] = '\0';
}

static void rfc3339(char out[32], int64_t t)
{
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* ---- JSON writer ------------------------------------------------------------------- */

struct jw {
    struct strbuf *sb;
    int depth;
    bool has_item[48];
};

static void jw_escape(struct strbuf *sb, const char *s)
{
    size_t n = strlen(s);
    bool plain = true;
    for (size_t i = 0; i < n && plain; i++)
        plain = (unsigned char)s[i] >= 0x20 && s[i] != '"' && s[i] != '\\';
    if (plain) {
        strbuf_putc(sb, '"');
        strbuf_append(sb, s, n);
        strbuf_putc(sb, '"');
    } else {
        strbuf_json_str(sb, s);
    }
}

/* Comma and key (key may be NULL inside arrays; keys are escaped). */
static void jw_pre(struct jw *w, const char *key)
{
    if (w->has_item[w->depth])
        strbuf_putc(w->sb, ',');
    w->has_item[w->depth] = true;
    if (key) {
        jw_escape(w->sb, key);
        strbuf_putc(w->sb, ':');
    }
}

static void jw_open(struct jw *w, const char *key, char c)
{
    jw_pre(w, key);
    strbuf_putc(w->sb, c);
    w->has_item[++w->depth] = false;
}

static void jw_obj(struct jw *w, const char *key)
{
    jw_open(w, key, '{');
}
static void jw_arr(struct jw *w, const char *key)
{
    jw_open(w, key, '[');
}
static void jw_end(struct jw *w, char c)
{
    strbuf_putc(w->sb, c);
    w->depth--;
}
static void jw_eo(struct jw *w)
{
    jw_end(w, '}');
}
static void jw_ea(struct jw *w)
{
    jw_end(w, ']');
}

static void jw_str(struct jw *w, const char *key, const char *v)
{
    jw_pre(w, key);
    jw_escape(w->sb, v);
}

static void jw_int(struct jw *w, const char *key, long long v)
{
    jw_pre(w, key);
    strbuf_printf(w->sb, "%lld", v);
}

static void jw_bool(struct jw *w, const char *key, bool v)
{
    jw_pre(w, key);
    strbuf_puts(w->sb, v ? "true" : "false");
}

static void jw_raw(struct jw *w, const char *key, const char *raw)
{
    jw_pre(w, key);
    strbuf_puts(w->sb, raw);
}

/* {} as a managedFields leaf. */
static void jw_leaf(struct jw *w, const char *key)
{
    jw_raw(w, key, "{}");
}

/* Exact-size copy of the scratch buffer's content; resets the scratch. */
static char *scratch_take(struct strbuf *sb, size_t *len)
{
    *len = sb->len;
    char *out = xmalloc(sb->len + 1);
    memcpy(out, sb->buf, sb->len + 1);
    strbuf_reset(sb);
    return out;
}

/* ---- static tables ------------------------------------------------------------------ */

#define AA_NAME_(id, name, weight) name,
#define AA_WEIGHT_(id, name, weight) weight,
static const char *const aa_names[] = {SIM_AA_CASE_LIST(AA_NAME_)};
static const unsigned aa_weights[] = {SIM_AA_CASE_LIST(AA_WEIGHT_)};

const char *sim_aa_case_name(enum sim_aa_case c)
{
    return aa_names[c];
}

enum owner { OWN_RS, OWN_DS, OWN_STS, OWN_JOB };
static const char *const owner_kind[] = {"ReplicaSet", "DaemonSet", "StatefulSet", "Job"};

struct app {
    const char *name, *ns, *sa;
    enum owner owner;
    unsigned weight;
    bool has_init, is_windows;
    const char *cpu, *mem;
    struct {
        const char *name, *image, *port_name;
        int port;
    } c[2];
};

static const struct app apps[] = {
    {"api",
     "default",
     "api",
     OWN_RS,
     10,
     true,
     false,
     "250m",
     "256Mi",
     {{"api", "registry.example.com/shop/api:2.14.1", "http", 8080},
      {"envoy", "docker.io/envoyproxy/envoy:v1.31.2", "proxy", 15001}}},
    {"worker",
     "default",
     "default",
     OWN_RS,
     6,
     false,
     false,
     "500m",
     "512Mi",
     {{"worker", "registry.example.com/shop/worker:2.14.1", NULL, 0}, {0}}},
    {"coredns",
     "kube-system",
     "coredns",
     OWN_RS,
     2,
     false,
     false,
     "100m",
     "70Mi",
     {{"coredns", "registry.k8s.io/coredns/coredns:v1.11.3", "dns", 53}, {0}}},
    {"kube-proxy",
     "kube-system",
     "kube-proxy",
     OWN_DS,
     3,
     false,
     false,
     "100m",
     "64Mi",
     {{"kube-proxy", "registry.k8s.io/kube-proxy:v1.32.2", NULL, 0}, {0}}},
    {"payments-api",
     "payments",
     "payments",
     OWN_RS,
     8,
     false,
     false,
     "500m",
     "384Mi",
     {{"payments-api", "registry.example.com/payments/api:5.2.0", "https", 8443},
      {"fluent-bit", "cr.fluentbit.io/fluent/fluent-bit:3.1.9", "metrics", 2020}}},
    {"ledger",
     "payments",
     "ledger",
     OWN_STS,
     3,
     false,
     false,
     "1",
     "1Gi",
     {{"ledger", "registry.example.com/payments/ledger:1.9.3", "grpc", 7000}, {0}}},
    {"etl",
     "batch",
     "etl",
     OWN_JOB,
     5,
     true,
     false,
     "2",
     "2Gi",
     {{"etl", "registry.example.com/data/etl:2024.11.2", NULL, 0}, {0}}},
    {"report",
     "batch",
     "default",
     OWN_JOB,
     3,
     false,
     false,
     "500m",
     "512Mi",
     {{"report", "registry.example.com/data/report:1.4.0", NULL, 0}, {0}}},
    {"node-exporter",
     "monitoring",
     "node-exporter",
     OWN_DS,
     3,
     false,
     false,
     "100m",
     "64Mi",
     {{"node-exporter", "quay.io/prometheus/node-exporter:v1.8.2", "metrics", 9100}, {0}}},
    {"prometheus",
     "monitoring",
     "prometheus",
     OWN_STS,
     2,
     true,
     false,
     "1",
     "4Gi",
     {{"prometheus", "quay.io/prometheus/prometheus:v2.54.1", "web", 9090},
      {"config-reloader", "quay.io/prometheus-operator/prometheus-config-reloader:v0.77.1",
       "reloader-web", 8081}}},
    {"nginx",
     "web",
     "default",
     OWN_RS,
     8,
     false,
     false,
     "100m",
     "128Mi",
     {{"nginx", "docker.io/library/nginx:1.27.2", "http", 80}, {0}}},
    {"frontend",
     "web",
     "frontend",
     OWN_RS,
     6,
     false,
     false,
     "200m",
     "256Mi",
     {{"frontend", "registry.example.com/web/frontend:3.0.7", "http", 3000}, {0}}},
    {"postgres",
     "data",
     "postgres",
     OWN_STS,
     3,
     false,
     false,
     "2",
     "4Gi",
     {{"postgres", "docker.io/library/postgres:16.4", "tcp-postgresql", 5432},
      {"metrics", "quay.io/prometheuscommunity/postgres-exporter:v0.15.0", "http-metrics", 9187}}},
    {"kafka",
     "data",
     "kafka",
     OWN_STS,
     3,
     false,
     false,
     "1",
     "2Gi",
     {{"kafka", "docker.io/bitnami/kafka:3.8.0", "client", 9092}, {0}}},
    {"iis",
     "web",
     "default",
     OWN_RS,
     0,
     false,
     true,
     "500m",
     "1Gi",
     {{"iis", "mcr.microsoft.com/windows/servercore/iis:windowsservercore-ltsc2022", "http", 80},
      {0}}},
};
#define APP_COUNT (sizeof apps / sizeof apps[0])
#define APP_IIS (APP_COUNT - 1)

static const char *const base_namespaces[] = {
    "default",    "kube-system", "kube-public", "kube-node-lease", "payments", "batch",
    "monitoring", "web",         "data",
};

static const char *const localhost_profiles[] = {
    "k8s-deny-write", "k8s-nginx", "payments-wr", "etl-v2", "postgres-ro", "node-exporter",
};
#define PROFILE_COUNT (sizeof localhost_profiles / sizeof localhost_profiles[0])

#define EVENTS_POD_LIMIT 5000 /* ordinary events only for the first pods; AppArmor ones always */

/* ---- generator state ---------------------------------------------------------------- */

static const char *intern_ns(struct sim_gen *g, const char *ns)
{
    for (size_t i = 0; i < g->ns_count; i++)
        if (strcmp(g->ns_names[i], ns) == 0)
            return g->ns_names[i];
    g->ns_names = xreallocarray(g->ns_names, g->ns_count + 1, sizeof *g->ns_names);
    g->ns_names[g->ns_count] = xstrdup(ns);
    return g->ns_names[g->ns_count++];
}

void sim_gen_init(struct sim_gen *g, uint64_t seed, unsigned nodes, int64_t epoch)
{
    memset(g, 0, sizeof *g);
    g->seed = seed;
    g->node_count = nodes ? nodes : 1;
    g->linux_node_count = g->node_count >= 10 ? g->node_count - 1 : g->node_count;
    g->epoch = epoch;
    g->rng = mix64(seed ^ 0x6d757461746fULL);
    g->sts_next = xcalloc(APP_COUNT, sizeof *g->sts_next);
    g->scratch = xcalloc(1, sizeof *g->scratch);
    strbuf_init(g->scratch);
    strbuf_grow(g->scratch, 65536);
    for (size_t i = 0; i < sizeof base_namespaces / sizeof base_namespaces[0]; i++)
        intern_ns(g, base_namespaces[i]);
}

void sim_gen_done(struct sim_gen *g)
{
    for (size_t i = 0; i < g->ns_count; i++)
        free(g->ns_names[i]);
    free(g->ns_names);
    free(g->pods);
    free(g->sts_next);
    strbuf_done(g->scratch);
    free(g->scratch);
    memset(g, 0, sizeof *g);
}

static bool has_windows_node(const struct sim_gen *g)
{
    return g->linux_node_count < g->node_count;
}

static void node_name(char out[24], unsigned i)
{
    snprintf(out, 24, "node-%03u", i + 1);
}

static void node_ip(char out[24], unsigned i)
{
    snprintf(out, 24, "10.0.%u.%u", (i + 10) / 250, (i + 10) % 250 + 2);
}

/* ---- per-pod plan -------------------------------------------------------------------- */

enum ckind { CK_INIT, CK_MAIN, CK_EPHEMERAL };

struct gcont {
    char name[48];
    const char *image;
    const char *port_name;
    int port;
    enum ckind kind;
    const char *f_type; /* container appArmorProfile.type, NULL = none */
    const char *f_prof; /* localhostProfile, NULL = none */
    char ann[64];       /* deprecated annotation value, "" = none */
    bool is_privileged;
    /* status */
    enum { CS_RUNNING, CS_WAITING, CS_TERMINATED } state;
    const char *reason;
    char message[256];
    int exit_code;
    unsigned restarts;
    bool is_ready;
};

struct gpod {
    const struct app *app;
    enum sim_aa_case aa;
    char name[96];
    char uid[37];
    char owner_name[80];
    char owner_uid[37];
    char hash[12]; /* pod-template-hash / controller-revision-hash */
    char api_vol[32];
    unsigned node;
    char node_name[24], host_ip[24], pod_ip[24];
    char created[32], started[32];
    const char *pf_type, *pf_prof; /* pod-level appArmorProfile */
    bool is_windows;
    struct gcont c[6];
    size_t nc;
    const char *phase, *reason;
    char message[160];
    bool is_crashloop, is_completed;
    char missing_prof[32];
};

static unsigned weighted(uint64_t r, const unsigned *w, size_t n)
{
    unsigned total = 0;
    for (size_t i = 0; i < n; i++)
        total += w[i];
    unsigned x = (unsigned)(r % total);
    for (size_t i = 0; i < n; i++) {
        if (x < w[i])
            return (unsigned)i;
        x -= w[i];
    }
    return 0;
}

static enum sim_aa_case pick_case(uint64_t seed, uint32_t idx)
{
    if (idx < SIM_AA__COUNT)
        return (enum sim_aa_case)idx;
    return (enum sim_aa_case)weighted(h3(seed, 0xAA, idx), aa_weights, SIM_AA__COUNT);
}

static unsigned pick_app(uint64_t seed, uint32_t idx, enum sim_aa_case aa)
{
    if (aa == SIM_AA_WINDOWS)
        return APP_IIS;
    unsigned w[APP_COUNT];
    for (size_t i = 0; i < APP_COUNT; i++)
        w[i] = apps[i].weight;
    return weighted(h3(seed, 0xA99, idx), w, APP_COUNT);
}

static struct gcont *add_cont(struct gpod *p, enum ckind kind, const char *name, const char *image,
                              const char *port_name, int port)
{
    struct gcont *c = &p->c[p->nc++];
    memset(c, 0, sizeof *c);
    snprintf(c->name, sizeof c->name, "%s", name);
    c->image = image;
    c->port_name = port_name;
    c->port = port;
    c->kind = kind;
    c->state = CS_RUNNING;
    c->is_ready = true;
    return c;
}

static struct gcont *first_main(struct gpod *p)
{
    for (size_t i = 0; i < p->nc; i++)
        if (p->c[i].kind == CK_MAIN)
            return &p->c[i];
    return &p->c[0];
}

static void plan_pod(const struct sim_gen *g, const struct sim_pod_state *ps, struct gpod *p)
{
    uint64_t seed = g->seed, idx = ps->idx;
    uint64_t rs = h3(seed, 0x90D, idx);
    memset(p, 0, sizeof *p);
    p->aa = pick_case(seed, ps->idx);
    unsigned ai = pick_app(seed, ps->idx, p->aa);
    p->app = &apps[ai];
    const struct app *a = p->app;
    char sfx[6];
    suffix5(sfx, seed, idx);
    alpha_fill(p->hash, 10, h3(seed, 0x4A5, ai));
    switch (a->owner) {
    case OWN_RS:
        snprintf(p->owner_name, sizeof p->owner_name, "%s-%s", a->name, p->hash);
        snprintf(p->name, sizeof p->name, "%s-%s", p->owner_name, sfx);
        uuid_fill(p->owner_uid, h3(seed, 0x0E5, ai));
        break;
    case OWN_DS:
        snprintf(p->owner_name, sizeof p->owner_name, "%s", a->name);
        snprintf(p->name, sizeof p->name, "%s-%s", a->name, sfx);
        uuid_fill(p->owner_uid, h3(seed, 0x0E5, ai));
        break;
    case OWN_STS:
        snprintf(p->owner_name, sizeof p->owner_name, "%s", a->name);
        snprintf(p->name, sizeof p->name, "%s-%u", a->name, ps->ordinal);
        uuid_fill(p->owner_uid, h3(seed, 0x0E5, ai));
        break;
    case OWN_JOB:
        snprintf(p->owner_name, sizeof p->owner_name, "%s-%08u", a->name,
                 (unsigned)(28900000 + h3(seed, 0x10B, idx) % 99999));
        snprintf(p->name, sizeof p->name, "%s-%s", p->owner_name, sfx);
        uuid_fill(p->owner_uid, h3(seed, 0x0E6, idx));
        break;
    }
    uuid_fill(p->uid, h3(seed, 0x9A7, idx));
    char vs[6];
    alpha_fill(vs, 5, h3(seed, 0x7A1, idx));
    snprintf(p->api_vol, sizeof p->api_vol, "kube-api-access-%s", vs);

    p->is_windows = a->is_windows;
    if (p->is_windows && has_windows_node(g))
        p->node = g->node_count - 1;
    else if (a->owner == OWN_DS)
        p->node = (unsigned)(idx % g->linux_node_count);
    else
        p->node = (unsigned)(h3(seed, 0x40DE, idx) % g->linux_node_count);
    node_name(p->node_name, p->node);
    node_ip(p->host_ip, p->node);
    snprintf(p->pod_ip, sizeof p->pod_ip, "10.%u.%u.%u", 64 + p->node / 256, p->node % 256,
             (unsigned)(2 + idx / g->node_count % 250));
    rfc3339(p->created, ps->created);
    rfc3339(p->started, ps->created + 1);

    /* Containers: init, main (1-3), ephemeral. */
    const char *prof = localhost_profiles[rs % PROFILE_COUNT];
    if (p->aa == SIM_AA_INIT) {
        struct gcont *c =
            add_cont(p, CK_INIT, "init-perms", "docker.io/library/busybox:1.36.1", NULL, 0);
        c->f_type = "Localhost";
        c->f_prof = localhost_profiles[(rs >> 8) % PROFILE_COUNT];
    } else if (a->has_init && (rs >> 16) % 2 == 0) {
        add_cont(p, CK_INIT, "init-config", "docker.io/library/busybox:1.36.1", NULL, 0);
    }
    for (int i = 0; i < 2 && a->c[i].name; i++)
        add_cont(p, CK_MAIN, a->c[i].name, a->c[i].image, a->c[i].port_name, a->c[i].port);
    if (!a->c[1].name && !p->is_windows && (rs >> 20) % 7 == 0)
        add_cont(p, CK_MAIN, "log-shipper", "cr.fluentbit.io/fluent/fluent-bit:3.1.9", NULL, 0);
    if (p->aa == SIM_AA_EPHEMERAL) {
        char dn[32];
        char es[6];
        alpha_fill(es, 5, h3(seed, 0xDEB, idx));
        snprintf(dn, sizeof dn, "debugger-%s", es);
        struct gcont *c =
            add_cont(p, CK_EPHEMERAL, dn, "docker.io/library/busybox:1.36.1", NULL, 0);
        c->is_ready = false;
        if (idx % 2)
            c->f_type = "Unconfined";
    }

    /* AppArmor settings per case. */
    struct gcont *m0 = first_main(p);
    switch (p->aa) {
    case SIM_AA_CONTAINER_RUNTIME_DEFAULT:
        for (size_t i = 0; i < p->nc; i++)
            if (p->c[i].kind == CK_MAIN)
                p->c[i].f_type = "RuntimeDefault";
        break;
    case SIM_AA_CONTAINER_LOCALHOST:
        m0->f_type = "Localhost";
        m0->f_prof = prof;
        /* v1.30-1.33 API servers also copied fields into the deprecated annotation. */
        if (idx % 2 == 0)
            snprintf(m0->ann, sizeof m0->ann, "localhost/%s", prof);
        for (size_t i = 0; i < p->nc; i++)
            if (p->c[i].kind == CK_MAIN && &p->c[i] != m0)
                p->c[i].f_type = "RuntimeDefault";
        break;
    case SIM_AA_CONTAINER_UNCONFINED:
        m0->f_type = "Unconfined";
        break;
    case SIM_AA_POD_FIELD:
        if (idx % 2) {
            p->pf_type = "RuntimeDefault";
        } else {
            p->pf_type = "Localhost";
            p->pf_prof = prof;
        }
        break;
    case SIM_AA_BOTH:
        p->pf_type = "Localhost";
        p->pf_prof = prof;
        m0->f_type = "RuntimeDefault";
        break;
    case SIM_AA_ANN_RUNTIME_DEFAULT:
        for (size_t i = 0; i < p->nc; i++)
            if (p->c[i].kind == CK_MAIN)
                snprintf(p->c[i].ann, sizeof p->c[i].ann, "runtime/default");
        break;
    case SIM_AA_ANN_LOCALHOST:
        snprintf(m0->ann, sizeof m0->ann, "localhost/%s", prof);
        break;
    case SIM_AA_ANN_UNCONFINED:
        snprintf(m0->ann, sizeof m0->ann, "unconfined");
        break;
    case SIM_AA_NONE:
    case SIM_AA_WINDOWS:
        break;
    case SIM_AA_PRIVILEGED:
        m0->is_privileged = true;
        break;
    case SIM_AA_EPHEMERAL:
        p->pf_type = "RuntimeDefault";
        break;
    case SIM_AA_INIT:
        for (size_t i = 0; i < p->nc; i++)
            if (p->c[i].kind == CK_MAIN)
                p->c[i].f_type = "RuntimeDefault";
        break;
    case SIM_AA_INVALID_ANNOTATION: {
        static const char *const bad[] = {"bogus/value", "Localhost/k8s-nginx", "runtime/unknown"};
        snprintf(m0->ann, sizeof m0->ann, "%s", bad[idx % 3]);
        break;
    }
    case SIM_AA_INVALID_FIELD:
        m0->f_type = idx % 2 ? "Bogus" : "Localhost";
        break;
    case SIM_AA_BLOCKED_MISSING:
        snprintf(p->missing_prof, sizeof p->missing_prof, "k8s-missing-%u",
                 (unsigned)(idx % 5 + 1));
        m0->f_type = "Localhost";
        m0->f_prof = p->missing_prof;
        break;
    case SIM_AA_BLOCKED_LEGACY:
        snprintf(m0->ann, sizeof m0->ann, "localhost/k8s-legacy");
        break;
    case SIM_AA__COUNT:
        break;
    }

    /* Status. */
    p->phase = "Running";
    unsigned base_restarts = (rs >> 24) % 100 < 85 ? 0 : (unsigned)((rs >> 32) % 4 + 1);
    for (size_t i = 0; i < p->nc; i++) {
        struct gcont *c = &p->c[i];
        if (c->kind == CK_INIT) {
            c->state = CS_TERMINATED;
            c->reason = "Completed";
        }
    }
    m0->restarts = base_restarts + ps->restarts;
    if (p->aa == SIM_AA_BLOCKED_MISSING) {
        p->phase = "Pending";
        m0->state = CS_WAITING;
        m0->is_ready = false;
        m0->reason = "CreateContainerError";
        snprintf(m0->message, sizeof m0->message,
                 "failed to generate apparmor spec opts: apparmor profile not found %s",
                 p->missing_prof);
    } else if (p->aa == SIM_AA_BLOCKED_LEGACY) {
        p->phase = "Failed";
        p->reason = "AppArmor";
        snprintf(p->message, sizeof p->message,
                 "Pod was rejected: Cannot enforce AppArmor: profile \"k8s-legacy\" is not loaded");
    } else if (a->owner == OWN_JOB && (rs >> 40) % 2 == 0) {
        p->phase = "Succeeded";
        p->is_completed = true;
        for (size_t i = 0; i < p->nc; i++) {
            if (p->c[i].kind == CK_MAIN) {
                p->c[i].state = CS_TERMINATED;
                p->c[i].reason = "Completed";
                p->c[i].is_ready = false;
            }
        }
    } else if ((rs >> 44) % 100 < 3 && p->aa != SIM_AA_EPHEMERAL) {
        p->is_crashloop = true;
        m0->restarts += 5;
        m0->state = CS_WAITING;
        m0->is_ready = false;
        m0->reason = "CrashLoopBackOff";
        snprintf(m0->message, sizeof m0->message,
                 "back-off 5m0s restarting failed container=%s pod=%s_%s(%s)", m0->name, p->name,
                 ps->ns, p->uid);
    }
}

/* GetProfile: container field, then annotation (invalid values ignored), then pod field. */
static void expect_value(const struct gpod *p, const struct gcont *c, char *out, size_t len)
{
    if (c->f_type) {
        /* The kubelet takes the field as written; armortop's JSON keeps `type` within
         * RuntimeDefault|Localhost|Unconfined|null and reports an invalid type as null
         * (with declared.invalid and declared.raw saying why). */
        bool valid = strcmp(c->f_type, "RuntimeDefault") == 0 ||
                     strcmp(c->f_type, "Localhost") == 0 || strcmp(c->f_type, "Unconfined") == 0;
        snprintf(out, len, "%s|%s|container", valid ? c->f_type : "null",
                 c->f_prof ? c->f_prof : "null");
        return;
    }
    if (c->ann[0]) {
        if (strcmp(c->ann, "runtime/default") == 0) {
            snprintf(out, len, "RuntimeDefault|null|annotation");
            return;
        }
        if (strcmp(c->ann, "unconfined") == 0) {
            snprintf(out, len, "Unconfined|null|annotation");
            return;
        }
        if (strncmp(c->ann, "localhost/", 10) == 0) {
            snprintf(out, len, "Localhost|%s|annotation", c->ann + 10);
            return;
        }
    }
    if (p->pf_type) {
        snprintf(out, len, "%s|%s|pod", p->pf_type, p->pf_prof ? p->pf_prof : "null");
        return;
    }
    snprintf(out, len, "null|null|unset");
}

/* ---- pod JSON ---------------------------------------------------------------------------- */

static void w_aa_profile(struct jw *w, const char *type, const char *prof)
{
    jw_obj(w, "appArmorProfile");
    jw_str(w, "type", type);
    if (prof)
        jw_str(w, "localhostProfile", prof);
    jw_eo(w);
}

static void w_probe(struct jw *w, const char *key, int port, int delay)
{
    jw_obj(w, key);
    jw_obj(w, "httpGet");
    jw_str(w, "path", key[0] == 'l' ? "/healthz" : "/ready");
    jw_int(w, "port", port);
    jw_str(w, "scheme", "HTTP");
    jw_eo(w);
    jw_int(w, "initialDelaySeconds", delay);
    jw_int(w, "timeoutSeconds", 1);
    jw_int(w, "periodSeconds", 10);
    jw_int(w, "successThreshold", 1);
    jw_int(w, "failureThreshold", 3);
    jw_eo(w);
}

static void w_container_spec(struct jw *w, const struct gpod *p, const struct gcont *c)
{
    const struct app *a = p->app;
    jw_obj(w, NULL);
    jw_str(w, "name", c->name);
    jw_str(w, "image", c->image);
    if (c->kind == CK_INIT) {
        jw_arr(w, "command");
        jw_str(w, NULL, "sh");
        jw_str(w, NULL, "-c");
        jw_str(w, NULL, "cp -r /config/. /work/ && chmod -R g+w /work");
        jw_ea(w);
    } else if (c->kind == CK_EPHEMERAL) {
        jw_arr(w, "command");
        jw_str(w, NULL, "sh");
        jw_ea(w);
        jw_bool(w, "stdin", true);
        jw_bool(w, "tty", true);
    }
    if (c->port) {
        jw_arr(w, "ports");
        jw_obj(w, NULL);
        jw_str(w, "name", c->port_name);
        jw_int(w, "containerPort", c->port);
        jw_str(w, "protocol", c->port == 53 ? "UDP" : "TCP");
        jw_eo(w);
        jw_ea(w);
    }
    if (c->kind == CK_MAIN) {
        jw_arr(w, "env");
        jw_obj(w, NULL);
        jw_str(w, "name", "POD_NAME");
        jw_raw(w, "valueFrom",
               "{\"fieldRef\":{\"apiVersion\":\"v1\",\"fieldPath\":\"metadata.name\"}}");
        jw_eo(w);
        jw_obj(w, NULL);
        jw_str(w, "name", "POD_NAMESPACE");
        jw_raw(w, "valueFrom",
               "{\"fieldRef\":{\"apiVersion\":\"v1\",\"fieldPath\":\"metadata.namespace\"}}");
        jw_eo(w);
        jw_obj(w, NULL);
        jw_str(w, "name", "LOG_LEVEL");
        jw_str(w, "value", "info");
        jw_eo(w);
        jw_ea(w);
        jw_obj(w, "resources");
        jw_obj(w, "limits");
        jw_str(w, "memory", a->mem);
        jw_eo(w);
        jw_obj(w, "requests");
        jw_str(w, "cpu", a->cpu);
        jw_str(w, "memory", a->mem);
        jw_eo(w);
        jw_eo(w);
    } else {
        jw_obj(w, "resources");
        jw_eo(w);
    }
    if (c->kind != CK_EPHEMERAL) {
        jw_arr(w, "volumeMounts");
        if (c->kind == CK_MAIN || c->kind == CK_INIT) {
            jw_obj(w, NULL);
            jw_str(w, "name", a->owner == OWN_STS ? "data" : "config");
            jw_str(w, "mountPath", a->owner == OWN_STS ? "/var/lib/data" : "/etc/app");
            jw_eo(w);
        }
        if (!p->is_windows) {
            jw_obj(w, NULL);
            jw_str(w, "name", p->api_vol);
            jw_bool(w, "readOnly", true);
            jw_str(w, "mountPath", "/var/run/secrets/kubernetes.io/serviceaccount");
            jw_eo(w);
        }
        jw_ea(w);
    }
    if (c->kind == CK_MAIN && c->port && c->port != 53) {
        w_probe(w, "livenessProbe", c->port, 15);
        w_probe(w, "readinessProbe", c->port, 5);
    }
    jw_str(w, "terminationMessagePath", "/dev/termination-log");
    jw_str(w, "terminationMessagePolicy", "File");
    jw_str(w, "imagePullPolicy", "IfNotPresent");
    if (c->f_type || c->is_privileged || (c->kind == CK_MAIN && !p->is_windows)) {
        jw_obj(w, "securityContext");
        if (c->is_privileged)
            jw_bool(w, "privileged", true);
        else if (c->kind == CK_MAIN && !p->is_windows)
            jw_bool(w, "allowPrivilegeEscalation", false);
        if (c->f_type)
            w_aa_profile(w, c->f_type, c->f_prof);
        jw_eo(w);
    }
    if (c->kind == CK_EPHEMERAL)
        jw_str(w, "targetContainerName", first_main((struct gpod *)p)->name);
    jw_eo(w);
}

static void w_container_status(struct jw *w, const struct sim_gen *g, const struct gpod *p,
                               const struct gcont *c, size_t ci, uint32_t idx)
{
    char hex[65], img[65];
    hex_fill(hex, 64, h3(g->seed, 0xC1D0 + ci, ((uint64_t)idx << 16) ^ c->restarts));
    hex_fill(img, 64, mix64(str_hash(c->image)));
    jw_obj(w, NULL);
    jw_str(w, "name", c->name);
    jw_obj(w, "state");
    if (c->state == CS_RUNNING) {
        jw_obj(w, "running");
        jw_str(w, "startedAt", p->started);
        jw_eo(w);
    } else if (c->state == CS_WAITING) {
        jw_obj(w, "waiting");
        jw_str(w, "reason", c->reason);
        jw_str(w, "message", c->message);
        jw_eo(w);
    } else {
        jw_obj(w, "terminated");
        jw_int(w, "exitCode", c->exit_code);
        jw_str(w, "reason", c->reason);
        jw_str(w, "startedAt", p->created);
        jw_str(w, "finishedAt", p->started);
        strbuf_printf(w->sb, ",\"containerID\":\"containerd://%s\"", hex);
        jw_eo(w);
    }
    jw_eo(w);
    jw_obj(w, "lastState");
    if (c->restarts > 0) {
        jw_obj(w, "terminated");
        jw_int(w, "exitCode", 137);
        jw_str(w, "reason", "OOMKilled");
        jw_str(w, "startedAt", p->created);
        jw_str(w, "finishedAt", p->started);
        jw_eo(w);
    }
    jw_eo(w);
    jw_bool(w, "ready", c->is_ready);
    jw_int(w, "restartCount", c->restarts);
    jw_str(w, "image", c->image);
    bool created = !(c->state == CS_WAITING && strcmp(c->reason, "CreateContainerError") == 0);
    if (created) {
        /* imageID: repository@sha256:digest. */
        const char *colon = strrchr(c->image, ':');
        size_t repo_len = colon ? (size_t)(colon - c->image) : strlen(c->image);
        jw_pre(w, "imageID");
        strbuf_printf(w->sb, "\"%.*s@sha256:%s\"", (int)repo_len, c->image, img);
        jw_pre(w, "containerID");
        strbuf_printf(w->sb, "\"containerd://%s\"", hex);
    } else {
        jw_str(w, "imageID", "");
    }
    if (c->kind != CK_EPHEMERAL)
        jw_bool(w, "started", c->state == CS_RUNNING);
    jw_eo(w);
}

static void w_condition(struct jw *w, const char *type, bool ok, const char *reason, const char *t)
{
    jw_obj(w, NULL);
    jw_str(w, "type", type);
    jw_str(w, "status", ok ? "True" : "False");
    jw_raw(w, "lastProbeTime", "null");
    jw_str(w, "lastTransitionTime", t);
    if (!ok && reason)
        jw_str(w, "reason", reason);
    jw_eo(w);
}

static void w_managed_fields(struct jw *w, const struct gpod *p)
{
    char key[128];
    jw_arr(w, "managedFields");
    /* kube-controller-manager created the pod from its template. */
    jw_obj(w, NULL);
    jw_str(w, "manager", "kube-controller-manager");
    jw_str(w, "operation", "Update");
    jw_str(w, "apiVersion", "v1");
    jw_str(w, "time", p->created);
    jw_str(w, "fieldsType", "FieldsV1");
    jw_obj(w, "fieldsV1");
    jw_obj(w, "f:metadata");
    jw_leaf(w, "f:generateName");
    jw_obj(w, "f:labels");
    jw_leaf(w, ".");
    jw_leaf(w, "f:app");
    jw_eo(w);
    jw_obj(w, "f:ownerReferences");
    jw_leaf(w, ".");
    snprintf(key, sizeof key, "k:{\"uid\":\"%s\"}", p->owner_uid);
    jw_leaf(w, key);
    jw_eo(w);
    jw_eo(w);
    jw_obj(w, "f:spec");
    jw_obj(w, "f:containers");
    for (size_t i = 0; i < p->nc; i++) {
        if (p->c[i].kind != CK_MAIN)
            continue;
        snprintf(key, sizeof key, "k:{\"name\":\"%s\"}", p->c[i].name);
        jw_obj(w, key);
        jw_leaf(w, ".");
        jw_leaf(w, "f:env");
        jw_leaf(w, "f:image");
        jw_leaf(w, "f:imagePullPolicy");
        jw_leaf(w, "f:name");
        jw_leaf(w, "f:resources");
        jw_leaf(w, "f:securityContext");
        jw_leaf(w, "f:terminationMessagePath");
        jw_leaf(w, "f:terminationMessagePolicy");
        jw_leaf(w, "f:volumeMounts");
        jw_eo(w);
    }
    jw_eo(w);
    jw_leaf(w, "f:dnsPolicy");
    jw_leaf(w, "f:enableServiceLinks");
    jw_leaf(w, "f:restartPolicy");
    jw_leaf(w, "f:schedulerName");
    jw_leaf(w, "f:securityContext");
    jw_leaf(w, "f:serviceAccount");
    jw_leaf(w, "f:serviceAccountName");
    jw_leaf(w, "f:terminationGracePeriodSeconds");
    jw_leaf(w, "f:volumes");
    jw_eo(w);
    jw_eo(w);
    jw_eo(w);
    /* kubelet owns the status. */
    if (strcmp(p->phase, "Failed") != 0 || !p->reason) {
        jw_obj(w, NULL);
        jw_str(w, "manager", "kubelet");
        jw_str(w, "operation", "Update");
        jw_str(w, "apiVersion", "v1");
        jw_str(w, "time", p->started);
        jw_str(w, "fieldsType", "FieldsV1");
        jw_obj(w, "fieldsV1");
        jw_obj(w, "f:status");
        jw_obj(w, "f:conditions");
        static const char *const ct[] = {"ContainersReady", "Initialized",
                                         "PodReadyToStartContainers", "Ready"};
        for (size_t i = 0; i < 4; i++) {
            snprintf(key, sizeof key, "k:{\"type\":\"%s\"}", ct[i]);
            jw_obj(w, key);
            jw_leaf(w, ".");
            jw_leaf(w, "f:lastProbeTime");
            jw_leaf(w, "f:lastTransitionTime");
            jw_leaf(w, "f:status");
            jw_leaf(w, "f:type");
            jw_eo(w);
        }
        jw_eo(w);
        jw_leaf(w, "f:containerStatuses");
        jw_leaf(w, "f:hostIP");
        jw_leaf(w, "f:hostIPs");
        jw_leaf(w, "f:phase");
        jw_leaf(w, "f:podIP");
        jw_obj(w, "f:podIPs");
        jw_leaf(w, ".");
        snprintf(key, sizeof key, "k:{\"ip\":\"%s\"}", p->pod_ip);
        jw_obj(w, key);
        jw_leaf(w, ".");
        jw_leaf(w, "f:ip");
        jw_eo(w);
        jw_eo(w);
        jw_leaf(w, "f:startTime");
        jw_eo(w);
        jw_eo(w);
        jw_str(w, "subresource", "status");
        jw_eo(w);
    }
    jw_ea(w);
}

static const char *pod_table_status(const struct gpod *p)
{
    if (p->reason)
        return p->reason;
    for (size_t i = 0; i < p->nc; i++) {
        const struct gcont *c = &p->c[i];
        if (c->kind == CK_MAIN && c->state == CS_WAITING)
            return c->reason;
    }
    if (p->is_completed)
        return "Completed";
    return p->phase;
}

static struct sim_obj *build_pod(const struct sim_gen *g, struct strbuf *sbp,
                                 const struct sim_pod_state *ps, uint64_t rv)
{
    struct gpod pod, *p = &pod;
    plan_pod(g, ps, p);
    const struct app *a = p->app;
    strbuf_reset(sbp);
    struct jw w = {.sb = sbp};
    char buf[256], labels[768];
    size_t ll = 0;

    jw_obj(&w, NULL);
    jw_str(&w, "kind", "Pod");
    jw_str(&w, "apiVersion", "v1");
    jw_obj(&w, "metadata");
    jw_str(&w, "name", p->name);
    if (a->owner != OWN_STS) {
        snprintf(buf, sizeof buf, "%s-", p->owner_name);
        jw_str(&w, "generateName", buf);
    }
    jw_str(&w, "namespace", ps->ns);
    jw_str(&w, "uid", p->uid);
    jw_pre(&w, "resourceVersion");
    strbuf_printf(sbp, "\"%llu\"", (unsigned long long)rv);
    jw_str(&w, "creationTimestamp", p->created);
    /* labels (also kept as "k=v\n" for selectors) */
    jw_obj(&w, "labels");
#define LABEL(k, v)                                                                                \
    do {                                                                                           \
        jw_str(&w, k, v);                                                                          \
        ll += (size_t)snprintf(labels + ll, sizeof labels - ll, "%s=%s\n", k, v);                  \
    } while (0)
    LABEL("app", a->name);
    LABEL("app.kubernetes.io/name", a->name);
    switch (a->owner) {
    case OWN_RS:
        LABEL("pod-template-hash", p->hash);
        break;
    case OWN_DS:
        LABEL("controller-revision-hash", p->hash);
        LABEL("pod-template-generation", "3");
        break;
    case OWN_STS:
        snprintf(buf, sizeof buf, "%s-%s", a->name, p->hash);
        LABEL("controller-revision-hash", buf);
        snprintf(buf, sizeof buf, "%u", ps->ordinal);
        LABEL("apps.kubernetes.io/pod-index", buf);
        LABEL("statefulset.kubernetes.io/pod-name", p->name);
        break;
    case OWN_JOB:
        LABEL("batch.kubernetes.io/controller-uid", p->owner_uid);
        LABEL("batch.kubernetes.io/job-name", p->owner_name);
        LABEL("controller-uid", p->owner_uid);
        LABEL("job-name", p->owner_name);
        break;
    }
    LABEL("sim.armortop.dev/aa-case", aa_names[p->aa]);
    snprintf(buf, sizeof buf, "%u", ps->generation);
    LABEL("sim.armortop.dev/generation", buf);
#undef LABEL
    jw_eo(&w);
    jw_obj(&w, "annotations");
    for (size_t i = 0; i < p->nc; i++) {
        if (!p->c[i].ann[0])
            continue;
        snprintf(buf, sizeof buf, "container.apparmor.security.beta.kubernetes.io/%s",
                 p->c[i].name);
        jw_str(&w, buf, p->c[i].ann);
    }
    for (size_t i = 0; i < p->nc; i++) {
        char val[160];
        expect_value(p, &p->c[i], val, sizeof val);
        snprintf(buf, sizeof buf, "sim.armortop.dev/expect.%s", p->c[i].name);
        jw_str(&w, buf, val);
    }
    snprintf(buf, sizeof buf, "%u", ps->idx);
    jw_str(&w, "sim.armortop.dev/index", buf);
    jw_eo(&w);
    jw_arr(&w, "ownerReferences");
    jw_obj(&w, NULL);
    jw_str(&w, "apiVersion", a->owner == OWN_JOB ? "batch/v1" : "apps/v1");
    jw_str(&w, "kind", owner_kind[a->owner]);
    jw_str(&w, "name", p->owner_name);
    jw_str(&w, "uid", p->owner_uid);
    jw_bool(&w, "controller", true);
    jw_bool(&w, "blockOwnerDeletion", true);
    jw_eo(&w);
    jw_ea(&w);
    w_managed_fields(&w, p);
    jw_eo(&w); /* metadata */

    jw_obj(&w, "spec");
    jw_arr(&w, "volumes");
    jw_obj(&w, NULL);
    if (a->owner == OWN_STS) {
        jw_str(&w, "name", "data");
        snprintf(buf, sizeof buf, "data-%s", p->name);
        jw_obj(&w, "persistentVolumeClaim");
        jw_str(&w, "claimName", buf);
        jw_eo(&w);
    } else {
        jw_str(&w, "name", "config");
        snprintf(buf, sizeof buf, "%s-config", a->name);
        jw_obj(&w, "configMap");
        jw_str(&w, "name", buf);
        jw_int(&w, "defaultMode", 420);
        jw_eo(&w);
    }
    jw_eo(&w);
    if (!p->is_windows) {
        jw_obj(&w, NULL);
        jw_str(&w, "name", p->api_vol);
        jw_raw(
            &w, "projected",
            "{\"sources\":[{\"serviceAccountToken\":{\"expirationSeconds\":3607,\"path\":\"token\"}"
            "},"
            "{\"configMap\":{\"name\":\"kube-root-ca.crt\",\"items\":[{\"key\":\"ca.crt\",\"path\":"
            "\"ca.crt\"}]}},{\"downwardAPI\":{\"items\":[{\"path\":\"namespace\",\"fieldRef\":"
            "{\"apiVersion\":\"v1\",\"fieldPath\":\"metadata.namespace\"}}]}}],\"defaultMode\":"
            "420}");
        jw_eo(&w);
    }
    jw_ea(&w);
    static const enum ckind order[] = {CK_INIT, CK_MAIN, CK_EPHEMERAL};
    static const char *const order_key[] = {"initContainers", "containers", "ephemeralContainers"};
    for (size_t k = 0; k < 3; k++) {
        bool any = false;
        for (size_t i = 0; i < p->nc; i++)
            any |= p->c[i].kind == order[k];
        if (!any)
            continue;
        jw_arr(&w, order_key[k]);
        for (size_t i = 0; i < p->nc; i++)
            if (p->c[i].kind == order[k])
                w_container_spec(&w, p, &p->c[i]);
        jw_ea(&w);
    }
    jw_str(&w, "restartPolicy", a->owner == OWN_JOB ? "OnFailure" : "Always");
    jw_int(&w, "terminationGracePeriodSeconds", 30);
    jw_str(&w, "dnsPolicy", "ClusterFirst");
    jw_str(&w, "serviceAccountName", a->sa);
    jw_str(&w, "serviceAccount", a->sa);
    jw_str(&w, "nodeName", p->node_name);
    jw_obj(&w, "securityContext");
    if (p->pf_type)
        w_aa_profile(&w, p->pf_type, p->pf_prof);
    if (!p->is_windows && a->owner != OWN_DS) {
        jw_raw(&w, "seccompProfile", "{\"type\":\"RuntimeDefault\"}");
    }
    jw_eo(&w);
    if (a->owner == OWN_STS) {
        jw_str(&w, "hostname", p->name);
        jw_str(&w, "subdomain", a->name);
    }
    jw_str(&w, "schedulerName", "default-scheduler");
    jw_arr(&w, "tolerations");
    if (a->owner == OWN_DS) {
        jw_raw(&w, NULL, "{\"operator\":\"Exists\"}");
    } else {
        jw_raw(&w, NULL,
               "{\"key\":\"node.kubernetes.io/not-ready\",\"operator\":\"Exists\","
               "\"effect\":\"NoExecute\",\"tolerationSeconds\":300}");
        jw_raw(&w, NULL,
               "{\"key\":\"node.kubernetes.io/unreachable\",\"operator\":\"Exists\","
               "\"effect\":\"NoExecute\",\"tolerationSeconds\":300}");
    }
    jw_ea(&w);
    jw_int(&w, "priority", strcmp(ps->ns, "kube-system") == 0 ? 2000001000 : 0);
    if (strcmp(ps->ns, "kube-system") == 0)
        jw_str(&w, "priorityClassName", "system-node-critical");
    jw_bool(&w, "enableServiceLinks", true);
    jw_str(&w, "preemptionPolicy", "PreemptLowerPriority");
    if (p->is_windows)
        jw_raw(&w, "os", "{\"name\":\"windows\"}");
    jw_eo(&w); /* spec */

    /* status */
    bool ready = !p->reason && !p->is_completed;
    for (size_t i = 0; i < p->nc; i++)
        if (p->c[i].kind == CK_MAIN && !p->c[i].is_ready)
            ready = false;
    unsigned ready_count = 0, main_count = 0, restarts = 0;
    for (size_t i = 0; i < p->nc; i++) {
        if (p->c[i].kind != CK_MAIN)
            continue;
        main_count++;
        ready_count += p->c[i].is_ready;
        restarts += p->c[i].restarts;
    }
    jw_obj(&w, "status");
    jw_str(&w, "phase", p->phase);
    if (p->reason) {
        jw_str(&w, "message", p->message);
        jw_str(&w, "reason", p->reason);
        jw_str(&w, "startTime", p->created);
    } else {
        jw_arr(&w, "conditions");
        w_condition(&w, "PodReadyToStartContainers", true, NULL, p->started);
        w_condition(&w, "Initialized", true, NULL, p->started);
        w_condition(&w, "Ready", ready, p->is_completed ? "PodCompleted" : "ContainersNotReady",
                    p->started);
        w_condition(&w, "ContainersReady", ready,
                    p->is_completed ? "PodCompleted" : "ContainersNotReady", p->started);
        w_condition(&w, "PodScheduled", true, NULL, p->created);
        jw_ea(&w);
        jw_str(&w, "hostIP", p->host_ip);
        jw_pre(&w, "hostIPs");
        strbuf_printf(sbp, "[{\"ip\":\"%s\"}]", p->host_ip);
        jw_str(&w, "podIP", p->pod_ip);
        jw_pre(&w, "podIPs");
        strbuf_printf(sbp, "[{\"ip\":\"%s\"}]", p->pod_ip);
        jw_str(&w, "startTime", p->created);
        static const char *const skey[] = {"initContainerStatuses", "containerStatuses",
                                           "ephemeralContainerStatuses"};
        for (size_t k = 0; k < 3; k++) {
            bool any = false;
            for (size_t i = 0; i < p->nc; i++)
                any |= p->c[i].kind == order[k];
            if (!any)
                continue;
            if (k == 2)
                jw_str(&w, "qosClass", "Burstable");
            jw_arr(&w, skey[k]);
            for (size_t i = 0; i < p->nc; i++)
                if (p->c[i].kind == order[k])
                    w_container_status(&w, g, p, &p->c[i], i, ps->idx);
            jw_ea(&w);
        }
        bool has_eph = false;
        for (size_t i = 0; i < p->nc; i++)
            has_eph |= p->c[i].kind == CK_EPHEMERAL;
        if (!has_eph)
            jw_str(&w, "qosClass", "Burstable");
    }
    jw_eo(&w); /* status */
    jw_eo(&w);

    char ready_s[16], restarts_s[16];
    snprintf(ready_s, sizeof ready_s, "%u/%u", ready_count, main_count);
    snprintf(restarts_s, sizeof restarts_s, "%u", restarts);
    const char *fields[SIM_F__COUNT] = {0};
    fields[SIM_F_NAMESPACE] = ps->ns;
    fields[SIM_F_NAME] = p->name;
    fields[SIM_F_UID] = p->uid;
    fields[SIM_F_LABELS] = labels;
    fields[SIM_F_CREATED] = p->created;
    fields[SIM_F_NODE_NAME] = p->node_name;
    fields[SIM_F_PHASE] = p->phase;
    fields[SIM_F_T_READY] = ready_s;
    fields[SIM_F_T_STATUS] = pod_table_status(p);
    fields[SIM_F_T_RESTARTS] = restarts_s;
    fields[SIM_F_T_IP] = p->reason ? "<none>" : p->pod_ip;
    size_t len;
    char *json = scratch_take(sbp, &len);
    struct sim_obj *o = sim_obj_new(SIM_KIND_POD, rv, fields, json, len);
    o->gen_idx = ps->idx;
    return o;
}

/* ---- nodes, namespaces, events --------------------------------------------------------- */

static struct sim_obj *build_node(const struct sim_gen *g, struct strbuf *sbp, unsigned i,
                                  uint64_t rv)
{
    char name[24], ip[24], uid[37], created[32], buf[128], labels[512];
    size_t ll = 0;
    bool is_win = i >= g->linux_node_count;
    bool is_cp = i == 0;
    node_name(name, i);
    node_ip(ip, i);
    uuid_fill(uid, h3(g->seed, 0x40DE0, i));
    rfc3339(created, g->epoch - 86400 * 40 + (int64_t)i * 7);
    static const char *const zones[] = {"zone-a", "zone-b", "zone-c"};
    strbuf_reset(sbp);
    struct jw w = {.sb = sbp};
    jw_obj(&w, NULL);
    jw_str(&w, "kind", "Node");
    jw_str(&w, "apiVersion", "v1");
    jw_obj(&w, "metadata");
    jw_str(&w, "name", name);
    jw_str(&w, "uid", uid);
    jw_pre(&w, "resourceVersion");
    strbuf_printf(sbp, "\"%llu\"", (unsigned long long)rv);
    jw_str(&w, "creationTimestamp", created);
    jw_obj(&w, "labels");
#define LABEL(k, v)                                                                                \
    do {                                                                                           \
        jw_str(&w, k, v);                                                                          \
        ll += (size_t)snprintf(labels + ll, sizeof labels - ll, "%s=%s\n", k, v);                  \
    } while (0)
    const char *os = is_win ? "windows" : "linux";
    LABEL("beta.kubernetes.io/arch", "amd64");
    LABEL("beta.kubernetes.io/os", os);
    LABEL("kubernetes.io/arch", "amd64");
    LABEL("kubernetes.io/hostname", name);
    LABEL("kubernetes.io/os", os);
    if (is_cp) {
        LABEL("node-role.kubernetes.io/control-plane", "");
        LABEL("node.kubernetes.io/exclude-from-external-load-balancers", "");
    }
    LABEL("topology.kubernetes.io/region", "sim-1");
    LABEL("topology.kubernetes.io/zone", zones[i % 3]);
#undef LABEL
    jw_eo(&w);
    jw_obj(&w, "annotations");
    jw_str(&w, "kubeadm.alpha.kubernetes.io/cri-socket",
           is_win ? "npipe:////./pipe/containerd-containerd"
                  : "unix:///run/containerd/containerd.sock");
    jw_str(&w, "node.alpha.kubernetes.io/ttl", "0");
    jw_str(&w, "volumes.kubernetes.io/controller-managed-attach-detach", "true");
    jw_eo(&w);
    jw_eo(&w);
    jw_obj(&w, "spec");
    snprintf(buf, sizeof buf, "10.%u.%u.0/24", 64 + i / 256, i % 256);
    jw_str(&w, "podCIDR", buf);
    jw_arr(&w, "podCIDRs");
    jw_str(&w, NULL, buf);
    jw_ea(&w);
    if (is_cp)
        jw_raw(&w, "taints",
               "[{\"key\":\"node-role.kubernetes.io/control-plane\",\"effect\":\"NoSchedule\"}]");
    jw_eo(&w);
    jw_obj(&w, "status");
    const char *res =
        is_cp ? "{\"cpu\":\"4\",\"ephemeral-storage\":\"102626232Ki\",\"hugepages-1Gi\":\"0\","
                "\"hugepages-2Mi\":\"0\",\"memory\":\"16370412Ki\",\"pods\":\"110\"}"
              : "{\"cpu\":\"16\",\"ephemeral-storage\":\"205252464Ki\",\"hugepages-1Gi\":\"0\","
                "\"hugepages-2Mi\":\"0\",\"memory\":\"65842456Ki\",\"pods\":\"110\"}";
    jw_raw(&w, "capacity", res);
    jw_raw(&w, "allocatable", res);
    jw_arr(&w, "conditions");
    static const char *const cond[][3] = {
        {"MemoryPressure", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"},
        {"DiskPressure", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"},
        {"PIDPressure", "KubeletHasSufficientPID", "kubelet has sufficient PID available"},
        {"Ready", "KubeletReady", "kubelet is posting ready status"},
    };
    char hb[32];
    rfc3339(hb, g->epoch - 30);
    for (size_t k = 0; k < 4; k++) {
        jw_obj(&w, NULL);
        jw_str(&w, "type", cond[k][0]);
        jw_str(&w, "status", k == 3 ? "True" : "False");
        jw_str(&w, "lastHeartbeatTime", hb);
        jw_str(&w, "lastTransitionTime", created);
        jw_str(&w, "reason", cond[k][1]);
        jw_str(&w, "message", cond[k][2]);
        jw_eo(&w);
    }
    jw_ea(&w);
    jw_arr(&w, "addresses");
    jw_obj(&w, NULL);
    jw_str(&w, "type", "InternalIP");
    jw_str(&w, "address", ip);
    jw_eo(&w);
    jw_obj(&w, NULL);
    jw_str(&w, "type", "Hostname");
    jw_str(&w, "address", name);
    jw_eo(&w);
    jw_ea(&w);
    jw_raw(&w, "daemonEndpoints", "{\"kubeletEndpoint\":{\"Port\":10250}}");
    jw_obj(&w, "nodeInfo");
    char mid[33], sys[37], boot[37];
    hex_fill(mid, 32, h3(g->seed, 0x3AC, i));
    uuid_fill(sys, h3(g->seed, 0x575, i));
    uuid_fill(boot, h3(g->seed, 0xB007, i));
    jw_str(&w, "machineID", mid);
    jw_str(&w, "systemUUID", sys);
    jw_str(&w, "bootID", boot);
    char kubelet[32];
    snprintf(kubelet, sizeof kubelet, "v1.32.%u",
             i == 0 ? 2 : 2 - (unsigned)(h3(g->seed, 0x7E, i) % 2));
    if (is_win) {
        jw_str(&w, "kernelVersion", "10.0.20348.2762");
        jw_str(&w, "osImage", "Windows Server 2022 Datacenter");
    } else {
        snprintf(buf, sizeof buf, "6.1.0-%u-amd64", 25 + (unsigned)(h3(g->seed, 0x6E, i) % 3));
        jw_str(&w, "kernelVersion", buf);
        jw_str(&w, "osImage", "Debian GNU/Linux 12 (bookworm)");
    }
    snprintf(buf, sizeof buf, "containerd://1.7.%u", 22 + (unsigned)(h3(g->seed, 0xC7D, i) % 3));
    jw_str(&w, "containerRuntimeVersion", buf);
    jw_str(&w, "kubeletVersion", kubelet);
    jw_str(&w, "kubeProxyVersion", kubelet);
    jw_str(&w, "operatingSystem", os);
    jw_str(&w, "architecture", "amd64");
    jw_eo(&w);
    jw_arr(&w, "images");
    if (!is_win) {
        jw_raw(
            &w, NULL,
            "{\"names\":[\"registry.k8s.io/"
            "kube-proxy@sha256:6d2a1f6ee3a6f8c6a5e7a4b8b2c1d0e9f8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3\","
            "\"registry.k8s.io/kube-proxy:v1.32.2\"],\"sizeBytes\":30907858}");
        jw_raw(&w, NULL,
               "{\"names\":[\"docker.io/library/"
               "nginx@sha256:28402db69fec7c17e179ea87882667f1e054391138f77ffaf0c3eb388efc3ffb\","
               "\"docker.io/library/nginx:1.27.2\"],\"sizeBytes\":72955450}");
    }
    jw_raw(&w, NULL,
           "{\"names\":[\"registry.k8s.io/"
           "pause@sha256:7031c1b283388d2c2e09b57badb803c05ebed362dc88d84b480cc47f72a21097\","
           "\"registry.k8s.io/pause:3.10\"],\"sizeBytes\":320368}");
    jw_ea(&w);
    jw_eo(&w);
    jw_eo(&w);

    const char *fields[SIM_F__COUNT] = {0};
    fields[SIM_F_NAME] = name;
    fields[SIM_F_UID] = uid;
    fields[SIM_F_LABELS] = labels;
    fields[SIM_F_CREATED] = created;
    fields[SIM_F_T_STATUS] = "Ready";
    fields[SIM_F_T_ROLES] = is_cp ? "control-plane" : "<none>";
    fields[SIM_F_T_VERSION] = kubelet;
    fields[SIM_F_T_IP] = ip;
    size_t len;
    char *json = scratch_take(sbp, &len);
    return sim_obj_new(SIM_KIND_NODE, rv, fields, json, len);
}

static struct sim_obj *build_namespace(const struct sim_gen *g, struct strbuf *sbp, const char *ns,
                                       uint64_t rv)
{
    char uid[37], created[32], labels[160];
    uuid_fill(uid, h3(g->seed, 0x45, str_hash(ns)));
    rfc3339(created, g->epoch - 86400 * 40);
    snprintf(labels, sizeof labels, "kubernetes.io/metadata.name=%s\n", ns);
    strbuf_reset(sbp);
    struct jw w = {.sb = sbp};
    jw_obj(&w, NULL);
    jw_str(&w, "kind", "Namespace");
    jw_str(&w, "apiVersion", "v1");
    jw_obj(&w, "metadata");
    jw_str(&w, "name", ns);
    jw_str(&w, "uid", uid);
    jw_pre(&w, "resourceVersion");
    strbuf_printf(sbp, "\"%llu\"", (unsigned long long)rv);
    jw_str(&w, "creationTimestamp", created);
    jw_obj(&w, "labels");
    jw_str(&w, "kubernetes.io/metadata.name", ns);
    jw_eo(&w);
    jw_eo(&w);
    jw_raw(&w, "spec", "{\"finalizers\":[\"kubernetes\"]}");
    jw_raw(&w, "status", "{\"phase\":\"Active\"}");
    jw_eo(&w);
    const char *fields[SIM_F__COUNT] = {0};
    fields[SIM_F_NAME] = ns;
    fields[SIM_F_UID] = uid;
    fields[SIM_F_LABELS] = labels;
    fields[SIM_F_CREATED] = created;
    fields[SIM_F_PHASE] = "Active";
    fields[SIM_F_T_STATUS] = "Active";
    size_t len;
    char *json = scratch_take(sbp, &len);
    return sim_obj_new(SIM_KIND_NAMESPACE, rv, fields, json, len);
}

struct gevent {
    const char *type, *reason, *component, *field_path;
    char message[320];
    unsigned count;
    int64_t first, last;
};

static struct sim_obj *build_event(const struct sim_gen *g, struct strbuf *sbp,
                                   const struct sim_pod_state *ps, const struct gpod *p,
                                   const struct gevent *e, unsigned k, uint64_t pod_rv, uint64_t rv)
{
    char name[128], uid[37], first[32], last[32], hx[17], obj[128];
    hex_fill(hx, 16, h3(g->seed, 0xE7E, ((uint64_t)ps->idx << 4) | k));
    snprintf(name, sizeof name, "%s.%s", p->name, hx);
    uuid_fill(uid, h3(g->seed, 0xE7F, ((uint64_t)ps->idx << 4) | k));
    rfc3339(first, e->first);
    rfc3339(last, e->last);
    snprintf(obj, sizeof obj, "pod/%s", p->name);
    strbuf_reset(sbp);
    struct jw w = {.sb = sbp};
    jw_obj(&w, NULL);
    jw_str(&w, "kind", "Event");
    jw_str(&w, "apiVersion", "v1");
    jw_obj(&w, "metadata");
    jw_str(&w, "name", name);
    jw_str(&w, "namespace", ps->ns);
    jw_str(&w, "uid", uid);
    jw_pre(&w, "resourceVersion");
    strbuf_printf(sbp, "\"%llu\"", (unsigned long long)rv);
    jw_str(&w, "creationTimestamp", first);
    jw_eo(&w);
    jw_obj(&w, "involvedObject");
    jw_str(&w, "kind", "Pod");
    jw_str(&w, "namespace", ps->ns);
    jw_str(&w, "name", p->name);
    jw_str(&w, "uid", p->uid);
    jw_str(&w, "apiVersion", "v1");
    jw_pre(&w, "resourceVersion");
    strbuf_printf(sbp, "\"%llu\"", (unsigned long long)pod_rv);
    if (e->field_path)
        jw_str(&w, "fieldPath", e->field_path);
    jw_eo(&w);
    jw_str(&w, "reason", e->reason);
    jw_str(&w, "message", e->message);
    jw_obj(&w, "source");
    jw_str(&w, "component", e->component);
    if (strcmp(e->component, "kubelet") == 0)
        jw_str(&w, "host", p->node_name);
    jw_eo(&w);
    jw_str(&w, "firstTimestamp", first);
    jw_str(&w, "lastTimestamp", last);
    jw_int(&w, "count", e->count);
    jw_str(&w, "type", e->type);
    jw_raw(&w, "eventTime", "null");
    jw_str(&w, "reportingComponent", e->component);
    jw_str(&w, "reportingInstance", strcmp(e->component, "kubelet") == 0 ? p->node_name : "");
    jw_eo(&w);
    const char *fields[SIM_F__COUNT] = {0};
    fields[SIM_F_NAMESPACE] = ps->ns;
    fields[SIM_F_NAME] = name;
    fields[SIM_F_UID] = uid;
    fields[SIM_F_CREATED] = first;
    fields[SIM_F_IO_KIND] = "Pod";
    fields[SIM_F_IO_NAME] = p->name;
    fields[SIM_F_IO_NAMESPACE] = ps->ns;
    fields[SIM_F_IO_UID] = p->uid;
    fields[SIM_F_REASON] = e->reason;
    fields[SIM_F_TYPE] = e->type;
    fields[SIM_F_T_LAST_SEEN] = last;
    fields[SIM_F_T_MESSAGE] = e->message;
    fields[SIM_F_T_STATUS] = obj; /* the OBJECT column */
    size_t len;
    char *json = scratch_take(sbp, &len);
    return sim_obj_new(SIM_KIND_EVENT, rv, fields, json, len);
}

/* The events of a freshly generated pod, into out[0..1] (NULL when none), with
 * resourceVersions pod_rv + 1 and pod_rv + 2. */
static void pod_events(const struct sim_gen *g, struct strbuf *sbp, const struct sim_pod_state *ps,
                       uint64_t pod_rv, struct sim_obj *out[2])
{
    out[0] = out[1] = NULL;
    struct gpod pod, *p = &pod;
    plan_pod(g, ps, p);
    bool is_aa = p->aa == SIM_AA_BLOCKED_MISSING || p->aa == SIM_AA_BLOCKED_LEGACY;
    if (ps->idx >= EVENTS_POD_LIMIT && !is_aa)
        return;
    struct gevent ev[2];
    memset(ev, 0, sizeof ev);
    char fp[80];
    ev[0] = (struct gevent){.type = "Normal",
                            .reason = "Scheduled",
                            .component = "default-scheduler",
                            .count = 1,
                            .first = ps->created,
                            .last = ps->created};
    snprintf(ev[0].message, sizeof ev[0].message, "Successfully assigned %s/%s to %s", ps->ns,
             p->name, p->node_name);
    struct gcont *m0 = first_main(p);
    snprintf(fp, sizeof fp, "spec.containers{%s}", m0->name);
    ev[1] = (struct gevent){.type = "Normal",
                            .reason = "Started",
                            .component = "kubelet",
                            .field_path = fp,
                            .count = 1,
                            .first = ps->created + 2,
                            .last = ps->created + 2};
    snprintf(ev[1].message, sizeof ev[1].message, "Started container %s", m0->name);
    if (p->aa == SIM_AA_BLOCKED_MISSING) {
        ev[1].type = "Warning";
        ev[1].reason = "Failed";
        ev[1].count = 12;
        ev[1].last = g->epoch - 20;
        snprintf(ev[1].message, sizeof ev[1].message,
                 "Error: failed to get container spec opts: failed to generate apparmor spec opts: "
                 "apparmor profile not found %s",
                 p->missing_prof);
    } else if (p->aa == SIM_AA_BLOCKED_LEGACY) {
        ev[1].type = "Warning";
        ev[1].reason = "AppArmor";
        ev[1].field_path = NULL;
        snprintf(ev[1].message, sizeof ev[1].message,
                 "Cannot enforce AppArmor: profile \"k8s-legacy\" is not loaded");
    } else if (p->is_crashloop) {
        ev[1].type = "Warning";
        ev[1].reason = "BackOff";
        ev[1].count = 40;
        ev[1].last = g->epoch - 45;
        snprintf(ev[1].message, sizeof ev[1].message,
                 "Back-off restarting failed container %s in pod %s_%s(%s)", m0->name, p->name,
                 ps->ns, p->uid);
    } else if (p->is_completed) {
        ev[1].reason = "Pulled";
        snprintf(ev[1].message, sizeof ev[1].message,
                 "Container image \"%s\" already present on machine", m0->image);
    }
    for (unsigned k = 0; k < 2; k++)
        out[k] = build_event(g, sbp, ps, p, &ev[k], k, pod_rv, pod_rv + 1 + k);
}

/* ---- population and control ------------------------------------------------------------ */

static struct sim_pod_state *new_pod_state(struct sim_gen *g, const char *ns, int64_t created)
{
    if (g->pod_count == g->pod_cap) {
        g->pod_cap = g->pod_cap ? g->pod_cap * 2 : 256;
        g->pods = xreallocarray(g->pods, g->pod_cap, sizeof *g->pods);
    }
    struct sim_pod_state *ps = &g->pods[g->pod_count];
    memset(ps, 0, sizeof *ps);
    ps->idx = (uint32_t)g->pod_count++;
    enum sim_aa_case aa = pick_case(g->seed, ps->idx);
    unsigned ai = pick_app(g->seed, ps->idx, aa);
    ps->ns = ns ? intern_ns(g, ns) : intern_ns(g, apps[ai].ns);
    ps->ordinal = g->sts_next[ai]++;
    ps->created = created;
    return ps;
}

struct gen_job {
    const struct sim_gen *g;
    size_t first, step, count;
    uint64_t base_rv;
    struct sim_obj **pods;   /* [count] */
    struct sim_obj **events; /* [2 * count] */
};

static void *gen_worker(void *arg)
{
    struct gen_job *job = arg;
    struct strbuf sb;
    strbuf_init(&sb);
    strbuf_grow(&sb, 65536);
    for (size_t i = job->first; i < job->count; i += job->step) {
        uint64_t rv = job->base_rv + 3 * i;
        job->pods[i] = build_pod(job->g, &sb, &job->g->pods[i], rv);
        pod_events(job->g, &sb, &job->g->pods[i], rv, &job->events[2 * i]);
    }
    strbuf_done(&sb);
    return NULL;
}

void sim_gen_populate(struct sim_gen *g, struct sim_store *st, unsigned pods)
{
    for (unsigned i = 0; i < g->node_count; i++)
        sim_store_load(st, build_node(g, g->scratch, i, sim_store_next_rv(st)));
    for (size_t i = 0; i < g->ns_count; i++)
        sim_store_load(st, build_namespace(g, g->scratch, g->ns_names[i], sim_store_next_rv(st)));
    if (pods > 0) {
        for (unsigned i = 0; i < pods; i++) {
            int64_t created = g->epoch - 3600 - (int64_t)(h3(g->seed, 0xC4E, i) % (86400 * 30));
            new_pod_state(g, NULL, created);
        }
        /* Pod i owns resourceVersions base + 3i (the pod) and the next two (its events),
         * so that parallel generation stays deterministic. */
        struct sim_obj **objs = xcalloc((size_t)pods * 3, sizeof *objs);
        long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
        size_t nthreads = pods < 2000 || ncpu < 2 ? 1 : (size_t)(ncpu > 8 ? 8 : ncpu);
        struct gen_job jobs[8];
        pthread_t tids[8];
        for (size_t t = 0; t < nthreads; t++) {
            jobs[t] = (struct gen_job){.g = g,
                                       .first = t,
                                       .step = nthreads,
                                       .count = pods,
                                       .base_rv = st->rv + 1,
                                       .pods = objs,
                                       .events = objs + pods};
        }
        for (size_t t = 1; t < nthreads; t++)
            if (pthread_create(&tids[t], NULL, gen_worker, &jobs[t]) != 0)
                abort();
        gen_worker(&jobs[0]);
        for (size_t t = 1; t < nthreads; t++)
            pthread_join(tids[t], NULL);
        for (size_t i = 0; i < (size_t)pods * 3; i++)
            if (objs[i])
                sim_store_load(st, objs[i]);
        free(objs);
        st->rv += 3 * (uint64_t)pods;
    }
    sim_store_sort(st);
    st->compact_rv = st->rv;
}

unsigned sim_gen_mutate(struct sim_gen *g, struct sim_store *st, unsigned count)
{
    struct sim_objvec *vec = &st->objs[SIM_KIND_POD];
    unsigned done = 0;
    for (unsigned i = 0; i < count && vec->count > 0; i++) {
        struct sim_obj *cur = vec->v[sim_rng_next(&g->rng) % vec->count];
        for (unsigned tries = 0; cur->gen_idx == SIM_AGENT_GEN_IDX && tries < 64; tries++)
            cur = vec->v[sim_rng_next(&g->rng) % vec->count];
        if (cur->gen_idx == SIM_AGENT_GEN_IDX)
            continue;
        struct sim_pod_state *ps = &g->pods[cur->gen_idx];
        ps->generation++;
        if (sim_rng_next(&g->rng) % 2)
            ps->restarts++;
        sim_store_put(st, build_pod(g, g->scratch, ps, sim_store_next_rv(st)), true);
        if (g->on_pod)
            g->on_pod(g->on_pod_ctx, g, ps, false);
        done++;
    }
    return done;
}

unsigned sim_gen_add(struct sim_gen *g, struct sim_store *st, unsigned count, const char *ns)
{
    unsigned done = 0;
    for (unsigned i = 0; i < count; i++) {
        size_t before = g->ns_count;
        struct sim_pod_state *ps = new_pod_state(g, ns, (int64_t)time(NULL));
        if (g->ns_count != before)
            sim_store_put(st, build_namespace(g, g->scratch, ps->ns, sim_store_next_rv(st)), true);
        /* Never reuse a name that is still present (indices are unique, so only a
         * StatefulSet ordinal in a custom namespace could collide). */
        struct sim_obj *o = build_pod(g, g->scratch, ps, sim_store_next_rv(st));
        sim_store_put(st, o, true);
        if (g->on_pod)
            g->on_pod(g->on_pod_ctx, g, ps, false);
        done++;
    }
    return done;
}

int sim_gen_delete(struct sim_gen *g, struct sim_store *st, const char *ns, const char *name)
{
    struct sim_obj *cur = sim_store_find(st, SIM_KIND_POD, ns, name);
    if (!cur)
        return -1;
    if (cur->gen_idx == SIM_AGENT_GEN_IDX)
        return -2;
    struct sim_pod_state *ps = &g->pods[cur->gen_idx];
    sim_store_delete(st, build_pod(g, g->scratch, ps, sim_store_next_rv(st)));
    if (g->on_pod)
        g->on_pod(g->on_pod_ctx, g, ps, true);
    return 0;
}

/* ---- simulated nodes' view of pods --------------------------------------------------------- */

void sim_gen_node_name(unsigned i, char out[24])
{
    node_name(out, i);
}

size_t sim_gen_profile_count(void)
{
    return PROFILE_COUNT;
}

const char *sim_gen_profile_name(size_t i)
{
    return i < PROFILE_COUNT ? localhost_profiles[i] : NULL;
}

void sim_gen_pod_info(const struct sim_gen *g, const struct sim_pod_state *ps,
                      struct sim_pinfo *out)
{
    struct gpod pod, *p = &pod;
    plan_pod(g, ps, p);
    memset(out, 0, sizeof *out);
    out->idx = ps->idx;
    snprintf(out->ns, sizeof out->ns, "%s", ps->ns);
    snprintf(out->name, sizeof out->name, "%s", p->name);
    memcpy(out->uid, p->uid, sizeof out->uid);
    out->node = p->node;
    memcpy(out->node_name, p->node_name, sizeof out->node_name);
    out->aa = p->aa;
    out->is_windows = p->is_windows;
    out->nc = p->nc;
    for (size_t i = 0; i < p->nc; i++) {
        const struct gcont *c = &p->c[i];
        struct sim_cinfo *o = &out->c[i];
        snprintf(o->name, sizeof o->name, "%s", c->name);
        o->kind = (enum sim_ckind)c->kind;
        /* A rejected pod (phase Failed with a reason) never started anything. */
        o->is_running = c->state == CS_RUNNING && !p->is_windows && !p->reason;
        o->is_privileged = c->is_privileged;
        bool created = !(c->state == CS_WAITING && strcmp(c->reason, "CreateContainerError") == 0);
        if (created)
            hex_fill(o->cid, 64, h3(g->seed, 0xC1D0 + i, ((uint64_t)ps->idx << 16) ^ c->restarts));
        char val[160];
        expect_value(p, c, val, sizeof val);
        char *bar = strchr(val, '|');
        char *bar2 = bar ? strchr(bar + 1, '|') : NULL;
        if (!bar || !bar2)
            continue;
        *bar = *bar2 = '\0';
        if (strcmp(val, "RuntimeDefault") == 0)
            o->decl_type = "RuntimeDefault";
        else if (strcmp(val, "Localhost") == 0)
            o->decl_type = "Localhost";
        else if (strcmp(val, "Unconfined") == 0)
            o->decl_type = "Unconfined";
        else
            o->is_decl_invalid = strcmp(bar2 + 1, "container") == 0;
        if (o->decl_type && strcmp(o->decl_type, "Localhost") == 0) {
            if (strcmp(bar + 1, "null") != 0) {
                snprintf(o->decl_prof, sizeof o->decl_prof, "%s", bar + 1);
            } else { /* Localhost without localhostProfile */
                o->decl_type = NULL;
                o->is_decl_invalid = true;
            }
        }
    }
}

struct sim_obj *sim_gen_agent_pod(const struct sim_gen *g, unsigned node, uint64_t rv)
{
    struct strbuf *sbp = g->scratch;
    char name[64], uid[37], ds_uid[37], sfx[6], hash[11], nname[24], host_ip[24], pod_ip[24];
    char created[32], started[32], cid[65], labels[512];
    size_t ll = 0;
    suffix5(sfx, g->seed ^ 0xA6E27ULL, node);
    snprintf(name, sizeof name, "armortop-agent-%s", sfx);
    uuid_fill(uid, h3(g->seed, 0xA6E, node));
    uuid_fill(ds_uid, h3(g->seed, 0xA6D, 0));
    alpha_fill(hash, 10, h3(g->seed, 0xA6F, 0));
    hex_fill(cid, 64, h3(g->seed, 0xA6C, node));
    node_name(nname, node);
    node_ip(host_ip, node);
    snprintf(pod_ip, sizeof pod_ip, "10.%u.%u.254", 64 + node / 256, node % 256);
    rfc3339(created, g->epoch - 86400 * 2 + (int64_t)node);
    rfc3339(started, g->epoch - 86400 * 2 + (int64_t)node + 3);
    strbuf_reset(sbp);
    struct jw w = {.sb = sbp};
    jw_obj(&w, NULL);
    jw_str(&w, "kind", "Pod");
    jw_str(&w, "apiVersion", "v1");
    jw_obj(&w, "metadata");
    jw_str(&w, "name", name);
    jw_str(&w, "generateName", "armortop-agent-");
    jw_str(&w, "namespace", SIM_AGENT_NS);
    jw_str(&w, "uid", uid);
    jw_pre(&w, "resourceVersion");
    strbuf_printf(sbp, "\"%llu\"", (unsigned long long)rv);
    jw_str(&w, "creationTimestamp", created);
    jw_obj(&w, "labels");
#define ALABEL(k, v)                                                                               \
    do {                                                                                           \
        jw_str(&w, k, v);                                                                          \
        ll += (size_t)snprintf(labels + ll, sizeof labels - ll, "%s=%s\n", k, v);                  \
    } while (0)
    ALABEL("app.kubernetes.io/name", "armortop-agent");
    ALABEL("app.kubernetes.io/component", "agent");
    ALABEL("controller-revision-hash", hash);
    ALABEL("pod-template-generation", "1");
#undef ALABEL
    jw_eo(&w);
    jw_obj(&w, "annotations");
    jw_str(&w, "container.apparmor.security.beta.kubernetes.io/agent", "unconfined");
    jw_eo(&w);
    jw_arr(&w, "ownerReferences");
    jw_obj(&w, NULL);
    jw_str(&w, "apiVersion", "apps/v1");
    jw_str(&w, "kind", "DaemonSet");
    jw_str(&w, "name", "armortop-agent");
    jw_str(&w, "uid", ds_uid);
    jw_bool(&w, "controller", true);
    jw_bool(&w, "blockOwnerDeletion", true);
    jw_eo(&w);
    jw_ea(&w);
    jw_eo(&w); /* metadata */
    jw_obj(&w, "spec");
    jw_arr(&w, "containers");
    jw_obj(&w, NULL);
    jw_str(&w, "name", "agent");
    jw_str(&w, "image", "ghcr.io/armortop/armortop-agent:" ARMORTOP_VERSION);
    jw_raw(&w, "args", "[\"--node-name=$(NODE_NAME)\",\"--listen=0.0.0.0:9443\"]");
    jw_raw(&w, "ports", "[{\"name\":\"https\",\"containerPort\":9443,\"protocol\":\"TCP\"}]");
    jw_raw(&w, "env",
           "[{\"name\":\"NODE_NAME\",\"valueFrom\":{\"fieldRef\":{\"apiVersion\":\"v1\","
           "\"fieldPath\":\"spec.nodeName\"}}}]");
    jw_raw(&w, "resources", "{\"limits\":{\"memory\":\"128Mi\"},\"requests\":{\"cpu\":\"20m\","
                            "\"memory\":\"64Mi\"}}");
    jw_raw(&w, "securityContext",
           "{\"appArmorProfile\":{\"type\":\"Unconfined\"},\"capabilities\":{\"add\":"
           "[\"MAC_ADMIN\",\"SYS_PTRACE\",\"DAC_READ_SEARCH\"],\"drop\":[\"ALL\"]},"
           "\"readOnlyRootFilesystem\":true}");
    jw_str(&w, "terminationMessagePath", "/dev/termination-log");
    jw_str(&w, "terminationMessagePolicy", "File");
    jw_str(&w, "imagePullPolicy", "IfNotPresent");
    jw_eo(&w);
    jw_ea(&w);
    jw_str(&w, "restartPolicy", "Always");
    jw_str(&w, "dnsPolicy", "ClusterFirst");
    jw_str(&w, "serviceAccountName", "armortop-agent");
    jw_str(&w, "serviceAccount", "armortop-agent");
    jw_str(&w, "nodeName", nname);
    jw_bool(&w, "hostPID", true);
    jw_raw(&w, "securityContext", "{}");
    jw_str(&w, "schedulerName", "default-scheduler");
    jw_raw(&w, "tolerations", "[{\"operator\":\"Exists\"}]");
    jw_str(&w, "priorityClassName", "system-node-critical");
    jw_int(&w, "priority", 2000001000);
    jw_eo(&w); /* spec */
    jw_obj(&w, "status");
    jw_str(&w, "phase", "Running");
    jw_arr(&w, "conditions");
    w_condition(&w, "PodReadyToStartContainers", true, NULL, started);
    w_condition(&w, "Initialized", true, NULL, started);
    w_condition(&w, "Ready", true, NULL, started);
    w_condition(&w, "ContainersReady", true, NULL, started);
    w_condition(&w, "PodScheduled", true, NULL, created);
    jw_ea(&w);
    jw_str(&w, "hostIP", host_ip);
    jw_pre(&w, "hostIPs");
    strbuf_printf(sbp, "[{\"ip\":\"%s\"}]", host_ip);
    jw_str(&w, "podIP", pod_ip);
    jw_pre(&w, "podIPs");
    strbuf_printf(sbp, "[{\"ip\":\"%s\"}]", pod_ip);
    jw_str(&w, "startTime", created);
    jw_arr(&w, "containerStatuses");
    jw_obj(&w, NULL);
    jw_str(&w, "name", "agent");
    jw_obj(&w, "state");
    jw_obj(&w, "running");
    jw_str(&w, "startedAt", started);
    jw_eo(&w);
    jw_eo(&w);
    jw_raw(&w, "lastState", "{}");
    jw_bool(&w, "ready", true);
    jw_int(&w, "restartCount", 0);
    jw_str(&w, "image", "ghcr.io/armortop/armortop-agent:" ARMORTOP_VERSION);
    jw_pre(&w, "imageID");
    strbuf_printf(sbp, "\"ghcr.io/armortop/armortop-agent@sha256:%s\"", cid);
    jw_pre(&w, "containerID");
    strbuf_printf(sbp, "\"containerd://%s\"", cid);
    jw_bool(&w, "started", true);
    jw_eo(&w);
    jw_ea(&w);
    jw_str(&w, "qosClass", "Burstable");
    jw_eo(&w); /* status */
    jw_eo(&w);
    const char *fields[SIM_F__COUNT] = {0};
    fields[SIM_F_NAMESPACE] = SIM_AGENT_NS;
    fields[SIM_F_NAME] = name;
    fields[SIM_F_UID] = uid;
    fields[SIM_F_LABELS] = labels;
    fields[SIM_F_CREATED] = created;
    fields[SIM_F_NODE_NAME] = nname;
    fields[SIM_F_PHASE] = "Running";
    fields[SIM_F_T_READY] = "1/1";
    fields[SIM_F_T_STATUS] = "Running";
    fields[SIM_F_T_RESTARTS] = "0";
    fields[SIM_F_T_IP] = pod_ip;
    size_t len;
    char *json = scratch_take(sbp, &len);
    struct sim_obj *o = sim_obj_new(SIM_KIND_POD, rv, fields, json, len);
    o->gen_idx = SIM_AGENT_GEN_IDX;
    return o;
}

void sim_gen_load_agent_pods(struct sim_gen *g, struct sim_store *st, const unsigned *nodes,
                             size_t count)
{
    if (!count)
        return;
    bool has_ns = false;
    for (size_t i = 0; i < g->ns_count; i++)
        has_ns |= strcmp(g->ns_names[i], SIM_AGENT_NS) == 0;
    if (!has_ns) {
        const char *ns = intern_ns(g, SIM_AGENT_NS);
        sim_store_load(st, build_namespace(g, g->scratch, ns, sim_store_next_rv(st)));
    }
    for (size_t i = 0; i < count; i++)
        sim_store_load(st, sim_gen_agent_pod(g, nodes[i], sim_store_next_rv(st)));
    sim_store_sort(st);
    st->compact_rv = st->rv;
}
