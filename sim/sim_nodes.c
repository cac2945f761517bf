/*
 * sim_nodes: state directories, fake /proc, planted drift, agent processes and
 * the denial generator of armortop-sim's nodes (see sim_nodes.h).
 */
#include "config.h"
#include "sim_nodes.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <libgen.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "aafs.h"
#include "sim_denials.h"
#include "sim_kernel.h"
#include "sim_lite.h"
#include "sim_util.h"
#include "xalloc.h"

#define MAX_DEFAULT_AGENTS 8
#define READY_TIMEOUT_S 10.0
#define BACKOFF_MIN_S 0.5
#define BACKOFF_MAX_S 30.0
#define PID_BASE 10000

/* One process of the fake /proc. */
struct pent {
    int pid;
    uint32_t pod_idx;
    uint8_t ci;
    bool is_privileged;
    char comm[16];
    char ns[64], pod[96], uid[37], container[48], cid[65];
    char decl_type[16]; /* RuntimeDefault, Localhost, Unconfined, unset, invalid */
    char decl_prof[64];
    char profile[128]; /* label without mode ("unconfined" when unconfined) */
    char mode[16];    /* "" for unconfined */
};

#define lprof sim_lite_prof

struct planted {
    uint32_t pod_idx;
    uint8_t ci;
    const char *label_profile, *label_mode;
};

struct node {
    unsigned idx;
    char name[24];
    char *dir, *aafs, *proc, *log, *tokens, *agent_log, *offset;
    bool has_agent; /* an agent process is wanted */
    /* agent process (pid/port/endpoint under nodes->mu) */
    pid_t pid;
    int port;
    char endpoint[64];
    unsigned restarts;
    double started_at, next_start, backoff;
    /* fault injection (POST /sim/agent), under nodes->mu */
    enum sim_agent_fault fault;
    bool is_held;       /* stopped on request: the supervisor does not restart it */
    bool is_paused;     /* SIGSTOPped */
    unsigned long ring; /* --ring for the next start, 0 = the agent's default */
    /* fake /proc, sorted by pid */
    struct pent *pents;
    size_t npents, cap;
    /* loaded profiles (mirror of the fake apparmorfs) */
    struct lprof *profs;
    size_t nprofs;
    /* denials */
    uint64_t serial;
    unsigned long lines_written, denied_written, post_requests;
};

struct sim_nodes {
    pthread_mutex_t mu;
    pthread_cond_t cond;
    struct node *nodes;
    size_t count;
    unsigned node_total; /* nodes in the cluster */
    char *state_dir;
    bool is_tmp_state, is_verbose, is_stopping;
    char *agent_bin, *features, *parser;
    char *kube_token, *kubeconfig; /* kubeconfig: NULL when the agent lacks --kubeconfig */
    bool has_kube_flag;
    double denial_rate;
    uint64_t seed, rng;
    struct planted planted[2];
    size_t nplanted;
    struct sim_kernel *kernel;
    /* lite (in-process) agents: nodes lite_first.. with one shared inventory */
    struct sim_lite *lite;
    struct lprof *lite_profs;
    size_t nlite_profs;
    pthread_t sup_thread, den_thread;
    bool has_sup, has_den;
    double t0;
};

static double now_mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t mix(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

/* ---- files ------------------------------------------------------------------------------ */

static int write_file(const char *path, const char *content, mode_t mode)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    if (fd < 0)
        return -1;
    size_t len = strlen(content), off = 0;
    while (off < len) {
        ssize_t w = write(fd, content + off, len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            close(fd);
            return -1;
        }
        off += (size_t)w;
    }
    return close(fd);
}

static int mkdir_p(const char *path, mode_t mode)
{
    char buf[PATH_MAX];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *p = buf + 1; *p; p++) {
        if (*p == '/') {
            *p = '\0';
            if (mkdir(buf, mode) != 0 && errno != EEXIST)
                return -1;
            *p = '/';
        }
    }
    return mkdir(buf, mode) != 0 && errno != EEXIST ? -1 : 0;
}

static int rm_cb(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path) != 0 && errno != ENOENT ? -1 : 0;
}

static void rm_rf(const char *path)
{
    nftw(path, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
}

/* ---- profiles ------------------------------------------------------------------------- */

static struct lprof *node_prof(struct node *nd, const char *name)
{
    for (size_t i = 0; i < nd->nprofs; i++)
        if (strcmp(nd->profs[i].name, name) == 0)
            return &nd->profs[i];
    return NULL;
}

static void node_set_prof(struct node *nd, const char *name, const char *mode, const char *sha)
{
    struct lprof *p = node_prof(nd, name);
    if (!mode) {
        if (p) {
            size_t i = (size_t)(p - nd->profs);
            memmove(p, p + 1, (nd->nprofs - i - 1) * sizeof *p);
            nd->nprofs--;
        }
        return;
    }
    if (!p) {
        nd->profs = xreallocarray(nd->profs, nd->nprofs + 1, sizeof *nd->profs);
        p = &nd->profs[nd->nprofs++];
        memset(p, 0, sizeof *p);
        snprintf(p->name, sizeof p->name, "%s", name);
    }
    snprintf(p->mode, sizeof p->mode, "%s", mode);
    snprintf(p->sha, sizeof p->sha, "%s", sha ? sha : "");
}

static void load_profile(struct node *nd, const char *name, const char *mode, const char *variant)
{
    char seed[256], sha[65];
    snprintf(seed, sizeof seed, "armortop-sim profile %s %s", name, variant);
    sim_sha256_hex(seed, strlen(seed), sha);
    int rc = aafs_write_fake_profile(nd->aafs, name, mode, sha);
    if (rc != 0)
        fprintf(stderr, "armortop-sim: %s: cannot load %s (%d)\n", nd->name, name, rc);
    else
        node_set_prof(nd, name, mode, sha);
}

/* ---- fake /proc ------------------------------------------------------------------------ */

static void pent_label(const struct pent *e, char *out, size_t len)
{
    if (!e->mode[0])
        snprintf(out, len, "%s", e->profile);
    else
        snprintf(out, len, "%s (%s)", e->profile, e->mode);
}

static void pent_write_label(const struct node *nd, const struct pent *e)
{
    char path[PATH_MAX], label[192];
    pent_label(e, label, sizeof label);
    strcat(label, "\n");
    snprintf(path, sizeof path, "%s/%d/attr/apparmor/current", nd->proc, e->pid);
    write_file(path, label, 0444);
    snprintf(path, sizeof path, "%s/%d/attr/current", nd->proc, e->pid);
    write_file(path, label, 0444);
}

static void proc_write(const struct node *nd, int pid, int ppid, const char *comm,
                       const char *cgroup, const struct pent *e)
{
    char path[PATH_MAX], buf[1024];
    snprintf(path, sizeof path, "%s/%d/attr/apparmor", nd->proc, pid);
    mkdir_p(path, 0755);
    snprintf(path, sizeof path, "%s/%d/cgroup", nd->proc, pid);
    snprintf(buf, sizeof buf, "0::%s\n", cgroup);
    write_file(path, buf, 0444);
    snprintf(path, sizeof path, "%s/%d/comm", nd->proc, pid);
    snprintf(buf, sizeof buf, "%s\n", comm);
    write_file(path, buf, 0444);
    snprintf(path, sizeof path, "%s/%d/status", nd->proc, pid);
    snprintf(buf, sizeof buf,
             "Name:\t%s\nUmask:\t0022\nState:\tS (sleeping)\nTgid:\t%d\nNgid:\t0\nPid:\t%d\n"
             "PPid:\t%d\nTracerPid:\t0\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\nThreads:\t1\n",
             comm, pid, pid, ppid);
    write_file(path, buf, 0444);
    if (e) {
        pent_write_label(nd, e);
    } else {
        snprintf(path, sizeof path, "%s/%d/attr/apparmor/current", nd->proc, pid);
        write_file(path, "unconfined\n", 0444);
        snprintf(path, sizeof path, "%s/%d/attr/current", nd->proc, pid);
        write_file(path, "unconfined\n", 0444);
    }
}

static void proc_remove(const struct node *nd, int pid)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%d", nd->proc, pid);
    rm_rf(path);
}

static const struct planted *find_planted(const struct sim_nodes *n, uint32_t idx, size_t ci)
{
    for (size_t i = 0; i < n->nplanted; i++)
        if (n->planted[i].pod_idx == idx && n->planted[i].ci == ci)
            return &n->planted[i];
    return NULL;
}

/* The label the kernel applies to container c of p on nd. Returns false when the
 * container could not start (its Localhost profile is not loaded there). */
static bool compute_label(const struct sim_nodes *n, struct node *nd, const struct sim_pinfo *p,
                          size_t ci, struct pent *e)
{
    const struct sim_cinfo *c = &p->c[ci];
    const struct planted *pl = find_planted(n, p->idx, ci);
    if (pl) {
        snprintf(e->profile, sizeof e->profile, "%s", pl->label_profile);
        snprintf(e->mode, sizeof e->mode, "%s", pl->label_mode);
        return true;
    }
    if (c->decl_type && strcmp(c->decl_type, "Unconfined") == 0) {
        snprintf(e->profile, sizeof e->profile, "unconfined");
        e->mode[0] = '\0';
        return true;
    }
    if (c->decl_type && strcmp(c->decl_type, "Localhost") == 0 && c->decl_prof[0]) {
        const struct lprof *lp = node_prof(nd, c->decl_prof);
        if (!lp)
            return false;
        snprintf(e->profile, sizeof e->profile, "%s", lp->name);
        snprintf(e->mode, sizeof e->mode, "%s", lp->mode);
        return true;
    }
    if (!c->decl_type && c->is_privileged) {
        snprintf(e->profile, sizeof e->profile, "unconfined");
        e->mode[0] = '\0';
        return true;
    }
    /* RuntimeDefault, unset, invalid: containerd's default profile. */
    const struct lprof *lp = node_prof(nd, SIM_RUNTIME_PROFILE);
    snprintf(e->profile, sizeof e->profile, "%s", lp ? SIM_RUNTIME_PROFILE : "unconfined");
    snprintf(e->mode, sizeof e->mode, "%s", lp ? lp->mode : "");
    return true;
}

static int pent_cmp(const void *a, const void *b)
{
    const struct pent *x = a, *y = b;
    return (x->pid > y->pid) - (x->pid < y->pid);
}

static void pod_cgroup(const char *uid, const char *cid, char *out, size_t len)
{
    char u[40];
    snprintf(u, sizeof u, "%s", uid);
    for (char *q = u; *q; q++)
        if (*q == '-')
            *q = '_';
    snprintf(out, len,
             "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod%s.slice/"
             "cri-containerd-%s.scope",
             u, cid);
}

/* Add the processes of pod p to nd (nodes->mu held or not yet shared); write files when
 * do_write. */
static void node_add_pod(struct sim_nodes *n, struct node *nd, const struct sim_pinfo *p,
                         bool do_write)
{
    for (size_t ci = 0; ci < p->nc; ci++) {
        const struct sim_cinfo *c = &p->c[ci];
        if (!c->is_running || !c->cid[0])
            continue;
        struct pent e;
        memset(&e, 0, sizeof e);
        e.pid = PID_BASE + (int)p->idx * 8 + (int)ci;
        e.pod_idx = p->idx;
        e.ci = (uint8_t)ci;
        e.is_privileged = c->is_privileged;
        snprintf(e.comm, sizeof e.comm, "%.15s", c->name);
        snprintf(e.ns, sizeof e.ns, "%s", p->ns);
        snprintf(e.pod, sizeof e.pod, "%s", p->name);
        snprintf(e.uid, sizeof e.uid, "%s", p->uid);
        snprintf(e.container, sizeof e.container, "%s", c->name);
        memcpy(e.cid, c->cid, sizeof e.cid);
        snprintf(e.decl_type, sizeof e.decl_type, "%s",
                 c->decl_type ? c->decl_type : c->is_decl_invalid ? "invalid" : "unset");
        snprintf(e.decl_prof, sizeof e.decl_prof, "%s", c->decl_prof);
        if (!compute_label(n, nd, p, ci, &e))
            continue;
        if (nd->npents == nd->cap) {
            nd->cap = nd->cap ? nd->cap * 2 : 64;
            nd->pents = xreallocarray(nd->pents, nd->cap, sizeof *nd->pents);
        }
        nd->pents[nd->npents++] = e;
        if (do_write) {
            char cg[300];
            pod_cgroup(e.uid, e.cid, cg, sizeof cg);
            proc_write(nd, e.pid, 4000 + (int)(p->idx % 1000), e.comm, cg, &e);
        }
    }
}

static void node_sort(struct node *nd)
{
    qsort(nd->pents, nd->npents, sizeof *nd->pents, pent_cmp);
}

static void node_write_all(struct node *nd)
{
    for (size_t i = 0; i < nd->npents; i++) {
        const struct pent *e = &nd->pents[i];
        char cg[300];
        pod_cgroup(e->uid, e->cid, cg, sizeof cg);
        proc_write(nd, e->pid, 4000 + (int)(e->pod_idx % 1000), e->comm, cg, e);
    }
    /* A few host processes that are in no container. */
    proc_write(nd, 1, 0, "systemd", "/init.scope", NULL);
    proc_write(nd, 612, 1, "containerd", "/system.slice/containerd.service", NULL);
    proc_write(nd, 700, 1, "kubelet", "/system.slice/kubelet.service", NULL);
}

/* Real-agent nodes are nodes 0..count-1 (nodes[i].idx == i). */
static struct node *node_by_idx(struct sim_nodes *n, unsigned idx)
{
    return idx < n->count ? &n->nodes[idx] : NULL;
}

/* Index of a node name ("node-001" is 0), or -1. */
static long node_idx_of(const char *name)
{
    if (!name || strncmp(name, "node-", 5) != 0 || !name[5])
        return -1;
    unsigned long v = 0;
    for (const char *p = name + 5; *p; p++) {
        if (*p < '0' || *p > '9' || v > 10000000)
            return -1;
        v = v * 10 + (unsigned long)(*p - '0');
    }
    if (v == 0)
        return -1;
    char check[24];
    sim_gen_node_name((unsigned)(v - 1), check);
    return strcmp(check, name) == 0 ? (long)(v - 1) : -1;
}

static struct node *node_by_name(struct sim_nodes *n, const char *name)
{
    long i = node_idx_of(name);
    return i >= 0 ? node_by_idx(n, (unsigned)i) : NULL;
}

/* The containers of p on a lite node, as compact processes (out has room for 6). */
static size_t lite_procs_of(struct sim_nodes *n, const struct sim_pinfo *p,
                            struct sim_lite_proc *out)
{
    struct node tmp;
    memset(&tmp, 0, sizeof tmp);
    tmp.profs = n->lite_profs;
    tmp.nprofs = n->nlite_profs;
    size_t k = 0;
    for (size_t ci = 0; ci < p->nc && k < 6; ci++) {
        const struct sim_cinfo *c = &p->c[ci];
        if (!c->is_running || !c->cid[0])
            continue;
        struct pent e;
        memset(&e, 0, sizeof e);
        if (!compute_label(n, &tmp, p, ci, &e))
            continue;
        struct sim_lite_proc *q = &out[k++];
        memset(q, 0, sizeof *q);
        q->pid = PID_BASE + (int)p->idx * 8 + (int)ci;
        q->pod_idx = p->idx;
        q->ci = (uint8_t)ci;
        q->prof = sim_lite_prof_index(n->lite, e.profile);
        snprintf(q->comm, sizeof q->comm, "%.15s", c->name);
        snprintf(q->uid, sizeof q->uid, "%s", p->uid);
        memcpy(q->cid, c->cid, sizeof q->cid);
    }
    return k;
}

/* Pod hook (st->mu held by the caller). */
static void on_pod(void *ctx, const struct sim_gen *g, const struct sim_pod_state *ps,
                   bool is_deleted)
{
    struct sim_nodes *n = ctx;
    struct sim_pinfo p;
    sim_gen_pod_info(g, ps, &p);
    if (sim_lite_has(n->lite, p.node) && !p.is_windows) {
        struct sim_lite_proc lp[6];
        size_t k = is_deleted ? 0 : lite_procs_of(n, &p, lp);
        sim_lite_set_pod(n->lite, p.node, p.idx, lp, k);
        return;
    }
    pthread_mutex_lock(&n->mu);
    struct node *nd = node_by_idx(n, p.node);
    if (nd && !p.is_windows) {
        size_t w = 0;
        for (size_t i = 0; i < nd->npents; i++) {
            if (nd->pents[i].pod_idx == p.idx)
                proc_remove(nd, nd->pents[i].pid);
            else
                nd->pents[w++] = nd->pents[i];
        }
        nd->npents = w;
        if (!is_deleted)
            node_add_pod(n, nd, &p, true);
        node_sort(nd);
    }
    pthread_mutex_unlock(&n->mu);
}

/* Kernel hook: keep labels in step with the profiles (a removed profile leaves its
 * tasks unconfined; a replaced one takes its new mode). */
static void on_kernel(void *ctx, const char *dir, const char *name, const char *mode)
{
    struct sim_nodes *n = ctx;
    pthread_mutex_lock(&n->mu);
    for (size_t i = 0; i < n->count; i++) {
        struct node *nd = &n->nodes[i];
        if (strcmp(nd->aafs, dir) != 0)
            continue;
        struct aafs_inventory inv;
        aafs_inventory_init(&inv);
        const char *sha = NULL;
        if (mode && aafs_read_inventory(dir, &inv, NULL) == 0) {
            const struct aafs_profile *ap = aafs_inventory_find(&inv, NULL, name);
            if (ap)
                sha = ap->hash;
        }
        node_set_prof(nd, name, mode, sha);
        aafs_inventory_done(&inv);
        for (size_t j = 0; j < nd->npents; j++) {
            struct pent *e = &nd->pents[j];
            if (strcmp(e->profile, name) != 0)
                continue;
            if (mode) {
                snprintf(e->mode, sizeof e->mode, "%s", mode);
            } else {
                snprintf(e->profile, sizeof e->profile, "unconfined");
                e->mode[0] = '\0';
            }
            pent_write_label(nd, e);
        }
    }
    pthread_mutex_unlock(&n->mu);
}

/* ---- set-up ------------------------------------------------------------------------------ */

static char *default_agent_bin(void)
{
    char self[PATH_MAX];
    ssize_t r = readlink("/proc/self/exe", self, sizeof self - 1);
    if (r <= 0)
        return xstrdup("armortop-agent");
    self[r] = '\0';
    return xasprintf("%s/armortop-agent", dirname(self));
}

/* Does this agent know --kubeconfig (Kubernetes auth)? Asks its --help. */
static bool agent_has_kubeconfig_flag(const char *bin)
{
    int pfd[2];
    if (pipe2(pfd, O_CLOEXEC) != 0)
        return false;
    pid_t pid = fork();
    if (pid < 0) {
        close(pfd[0]);
        close(pfd[1]);
        return false;
    }
    if (pid == 0) {
        dup2(pfd[1], STDOUT_FILENO);
        int nfd = open("/dev/null", O_WRONLY);
        if (nfd >= 0)
            dup2(nfd, STDERR_FILENO);
        execl(bin, bin, "--help", (char *)NULL);
        _exit(127);
    }
    close(pfd[1]);
    struct strbuf sb;
    strbuf_init(&sb);
    char buf[4096];
    for (double end = now_mono() + 5; now_mono() < end;) {
        struct pollfd pf = {.fd = pfd[0], .events = POLLIN};
        if (poll(&pf, 1, 500) <= 0)
            continue;
        ssize_t r = read(pfd[0], buf, sizeof buf);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        strbuf_append(&sb, buf, (size_t)r);
    }
    close(pfd[0]);
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    bool has = sb.len && strstr(strbuf_str(&sb), "--kubeconfig") != NULL;
    strbuf_done(&sb);
    return has;
}

static int lprof_cmp(const void *a, const void *b)
{
    return strcmp(((const struct lprof *)a)->name, ((const struct lprof *)b)->name);
}

static void lite_add_prof(struct sim_nodes *n, const char *name)
{
    struct lprof *p = &n->lite_profs[n->nlite_profs++];
    memset(p, 0, sizeof *p);
    snprintf(p->name, sizeof p->name, "%s", name);
    snprintf(p->mode, sizeof p->mode, "enforce");
    char seed[256];
    snprintf(seed, sizeof seed, "armortop-sim profile %s %s", name, "v1");
    sim_sha256_hex(seed, strlen(seed), p->sha);
}

/* Lite agents on Linux nodes first..first+count-1: the shared inventory (the
 * profiles every real node starts with, without drift), then their processes. */
static void lite_setup(struct sim_nodes *n, struct sim_gen *g, const struct sim_nodes_opts *o,
                       unsigned first, unsigned count)
{
    if (count == 0)
        return;
    n->lite_profs = xcalloc(sim_gen_profile_count() + 4, sizeof *n->lite_profs);
    lite_add_prof(n, "/usr/sbin/chronyd");
    lite_add_prof(n, "lsb_release");
    lite_add_prof(n, SIM_RUNTIME_PROFILE);
    for (size_t k = 0; k < sim_gen_profile_count(); k++)
        lite_add_prof(n, sim_gen_profile_name(k));
    lite_add_prof(n, SIM_DRIFT_PROFILE);
    qsort(n->lite_profs, n->nlite_profs, sizeof *n->lite_profs, lprof_cmp);
    n->lite = sim_lite_new(first, count, n->lite_profs, n->nlite_profs, o->auth, o->admin_token,
                           o->read_token);
    for (size_t pi = 0; pi < g->pod_count; pi++) {
        struct sim_pinfo p;
        sim_gen_pod_info(g, &g->pods[pi], &p);
        if (p.is_windows || !sim_lite_has(n->lite, p.node))
            continue;
        struct sim_lite_proc lp[6];
        size_t k = lite_procs_of(n, &p, lp);
        sim_lite_add(n->lite, p.node, lp, k);
    }
    sim_lite_sort_all(n->lite);
}

struct sim_nodes *sim_nodes_new(struct sim_gen *g, const struct sim_nodes_opts *o)
{
    struct sim_nodes *n = xcalloc(1, sizeof *n);
    pthread_mutex_init(&n->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&n->cond, &ca);
    pthread_condattr_destroy(&ca);
    n->is_verbose = o->is_verbose;
    n->seed = o->seed;
    n->rng = mix(o->seed ^ 0xde11a1ULL);
    n->denial_rate = o->denial_rate;
    n->node_total = g->node_count;
    n->t0 = now_mono();
    n->agent_bin = o->agent_bin ? xstrdup(o->agent_bin) : default_agent_bin();
    n->features = xstrdup(o->features);
    n->parser = xstrdup(o->parser);

    unsigned linux_nodes = g->linux_node_count;
    unsigned want = o->agents == SIM_AGENTS_ALL ? linux_nodes
                    : o->agents < 0 ? (linux_nodes < MAX_DEFAULT_AGENTS ? linux_nodes
                                                                        : MAX_DEFAULT_AGENTS)
                                    : (unsigned)o->agents;
    if (want > linux_nodes)
        want = linux_nodes;
    bool can_run = true;
    if (want > 0) {
        if (access(n->features, R_OK) != 0) {
            fprintf(stderr, "armortop-sim: warning: %s missing: no agents started\n", n->features);
            can_run = false;
        } else if (access(n->parser, X_OK) != 0) {
            fprintf(stderr, "armortop-sim: warning: %s missing: no agents started\n", n->parser);
            can_run = false;
        } else if (access(n->agent_bin, X_OK) != 0) {
            fprintf(stderr, "armortop-sim: warning: agent %s not executable: no agents started\n",
                    n->agent_bin);
            can_run = false;
        }
    }
    if (!can_run)
        want = 0;
    unsigned lite = linux_nodes - want;
    if (o->lite_agents >= 0 && (unsigned long)o->lite_agents < lite)
        lite = (unsigned)o->lite_agents;
    if (want == 0) {
        lite_setup(n, g, o, 0, lite);
        return n;
    }
    n->has_kube_flag = agent_has_kubeconfig_flag(n->agent_bin);
    n->kube_token = o->agent_kube_token ? xstrdup(o->agent_kube_token) : NULL;

    if (o->state_dir) {
        if (mkdir_p(o->state_dir, 0700) != 0) {
            fprintf(stderr, "armortop-sim: cannot create %s: %s\n", o->state_dir, strerror(errno));
            free(n->agent_bin);
            free(n->features);
            free(n->parser);
            free(n);
            return NULL;
        }
        char real[PATH_MAX];
        n->state_dir = xstrdup(realpath(o->state_dir, real) ? real : o->state_dir);
    } else {
        char tmpl[] = "/tmp/armortop-sim.XXXXXX";
        if (!mkdtemp(tmpl)) {
            fprintf(stderr, "armortop-sim: mkdtemp: %s\n", strerror(errno));
            free(n->agent_bin);
            free(n->features);
            free(n->parser);
            free(n);
            return NULL;
        }
        n->state_dir = xstrdup(tmpl);
        n->is_tmp_state = true;
    }

    n->nodes = xcalloc(want, sizeof *n->nodes);
    n->count = want;
    for (unsigned i = 0; i < want; i++) {
        struct node *nd = &n->nodes[i];
        nd->idx = i;
        sim_gen_node_name(i, nd->name);
        nd->has_agent = true;
        nd->backoff = BACKOFF_MIN_S;
        nd->dir = xasprintf("%s/nodes/%s", n->state_dir, nd->name);
        nd->aafs = xasprintf("%s/apparmorfs", nd->dir);
        nd->proc = xasprintf("%s/proc", nd->dir);
        nd->log = xasprintf("%s/audit.log", nd->dir);
        nd->tokens = xasprintf("%s/tokens", nd->dir);
        nd->agent_log = xasprintf("%s/agent.log", nd->dir);
        nd->offset = xasprintf("%s/offset", nd->dir);
        if (mkdir_p(nd->proc, 0755) != 0 || aafs_init_fake(nd->aafs) != 0) {
            fprintf(stderr, "armortop-sim: %s: cannot lay out %s\n", nd->name, nd->dir);
            nd->has_agent = false;
        }
        int fd = open(nd->log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
        if (fd >= 0)
            close(fd);
        /* The agent accepts tokens of 8..512 bytes; shorter ones can only work through
         * TokenReview. */
        size_t al = strlen(o->admin_token), rl = strlen(o->read_token);
        char *tok = xasprintf("# armortop-sim: agent tokens of %s\n%s%s%s%s%s%s", nd->name,
                              al >= 8 && al <= 512 ? o->admin_token : "",
                              al >= 8 && al <= 512 ? ",admin,admin\n" : "",
                              rl >= 8 && rl <= 512 ? o->read_token : "",
                              rl >= 8 && rl <= 512 ? ",read,viewer\n" : "", "", "");
        if (write_file(nd->tokens, tok, 0600) != 0)
            nd->has_agent = false;
        free(tok);

        /* Profiles: the runtime default, the generator's Localhost ones, two host
         * profiles, and the planted drift. */
        load_profile(nd, "/usr/sbin/chronyd", "enforce", "v1");
        load_profile(nd, "lsb_release", "enforce", "v1");
        load_profile(nd, SIM_RUNTIME_PROFILE, "enforce", "v1");
        unsigned complain_node = want >= 2 ? 1 : 0;
        for (size_t k = 0; k < sim_gen_profile_count(); k++) {
            const char *name = sim_gen_profile_name(k);
            bool is_hash = strcmp(name, SIM_HASH_DRIFT_PROFILE) == 0 && i == 0 && want >= 2;
            bool is_complain = strcmp(name, SIM_COMPLAIN_PROFILE) == 0 && i == complain_node;
            load_profile(nd, name, is_complain ? "complain" : "enforce", is_hash ? "v2" : "v1");
        }
        unsigned skip = want >= 3 ? 2 : want == 2 ? 1 : 0;
        if (i < want - skip)
            load_profile(nd, SIM_DRIFT_PROFILE, "enforce", "v1");
    }

    /* Planted mismatches (containers declaring k8s-deny-write first, then any other
     * loaded Localhost profile but the complain one), then every node's processes. */
    for (int pass = 0; pass < 2; pass++)
    for (size_t pi = 0; pi < g->pod_count && n->nplanted < 2; pi++) {
        struct sim_pinfo p;
        sim_gen_pod_info(g, &g->pods[pi], &p);
        struct node *pn = node_by_idx(n, p.node);
        if (p.is_windows || !pn)
            continue;
        for (size_t ci = 0; ci < p.nc && n->nplanted < 2; ci++) {
            const struct sim_cinfo *c = &p.c[ci];
            if (find_planted(n, p.idx, ci))
                continue;
            bool is_mm = strcmp(c->decl_prof, SIM_MISMATCH_PROFILE) == 0;
            if (pass == 1)
                is_mm = !is_mm && node_prof(pn, c->decl_prof) &&
                        strcmp(c->decl_prof, SIM_COMPLAIN_PROFILE) != 0;
            if (c->is_running && c->cid[0] && c->decl_type &&
                strcmp(c->decl_type, "Localhost") == 0 && is_mm) {
                struct planted *pl = &n->planted[n->nplanted];
                pl->pod_idx = p.idx;
                pl->ci = (uint8_t)ci;
                pl->label_profile = n->nplanted == 0 ? SIM_RUNTIME_PROFILE : "unconfined";
                pl->label_mode = n->nplanted == 0 ? "enforce" : "";
                n->nplanted++;
            }
        }
    }
    for (size_t pi = 0; pi < g->pod_count; pi++) {
        struct sim_pinfo p;
        sim_gen_pod_info(g, &g->pods[pi], &p);
        struct node *nd = node_by_idx(n, p.node);
        if (nd && !p.is_windows)
            node_add_pod(n, nd, &p, false);
    }
    for (size_t i = 0; i < n->count; i++) {
        node_sort(&n->nodes[i]);
        node_write_all(&n->nodes[i]);
    }
    lite_setup(n, g, o, want, lite);
    return n;
}

/* ---- agents ------------------------------------------------------------------------------- */

/* Fork and exec the agent of nd; returns the read end of its stdout pipe, or -1. */
static int spawn_agent(struct sim_nodes *n, struct node *nd, pid_t *pid_out)
{
    int pfd[2];
    if (pipe2(pfd, O_CLOEXEC) != 0)
        return -1;
    int lfd = open(nd->agent_log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    const char *argv[24] = {n->agent_bin,   "--node-name",   nd->name,     "--listen",
                            "127.0.0.1:0",  "--apparmorfs",  nd->aafs,     "--features",
                            n->features,    "--proc",        nd->proc,     "--log",
                            nd->log,        "--offset-file", nd->offset,   "--token-file",
                            nd->tokens,     "--parser",      n->parser};
    size_t argc = 19;
    if (n->kubeconfig) {
        argv[argc++] = "--kubeconfig";
        argv[argc++] = n->kubeconfig;
    }
    char ring[24];
    pthread_mutex_lock(&n->mu);
    unsigned long want_ring = nd->ring;
    pthread_mutex_unlock(&n->mu);
    if (want_ring) {
        snprintf(ring, sizeof ring, "%lu", want_ring);
        argv[argc++] = "--ring";
        argv[argc++] = ring;
    }
    argv[argc] = NULL;
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0) {
        close(pfd[0]);
        close(pfd[1]);
        if (lfd >= 0)
            close(lfd);
        return -1;
    }
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        if (getppid() != parent)
            _exit(127);
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        signal(SIGPIPE, SIG_DFL);
        dup2(pfd[1], STDOUT_FILENO);
        if (lfd >= 0)
            dup2(lfd, STDERR_FILENO);
        int nfd = open("/dev/null", O_RDONLY);
        if (nfd >= 0)
            dup2(nfd, STDIN_FILENO);
        execv(n->agent_bin, (char *const *)argv);
        _exit(127);
    }
    close(pfd[1]);
    if (lfd >= 0)
        close(lfd);
    *pid_out = pid;
    return pfd[0];
}

/* Read the ready line from fd until deadline; returns the port or -1. Closes fd. */
static int await_ready(int fd, double deadline)
{
    char buf[512];
    size_t len = 0;
    int port = -1;
    while (len < sizeof buf - 1) {
        double left = deadline - now_mono();
        if (left <= 0)
            break;
        struct pollfd pf = {.fd = fd, .events = POLLIN};
        int r = poll(&pf, 1, (int)(left * 1000) + 1);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        ssize_t got = read(fd, buf + len, sizeof buf - 1 - len);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            break;
        len += (size_t)got;
        buf[len] = '\0';
        char *nl = strchr(buf, '\n');
        if (nl) {
            *nl = '\0';
            const char *p = strstr(buf, "ready http://127.0.0.1:");
            if (p)
                port = atoi(p + strlen("ready http://127.0.0.1:"));
            break;
        }
    }
    close(fd);
    return port > 0 ? port : -1;
}

static void agent_up(struct sim_nodes *n, struct node *nd, pid_t pid, int port)
{
    pthread_mutex_lock(&n->mu);
    if (nd->is_held && port > 0) {
        /* stopped on request while it was starting: down it goes */
        kill(pid, SIGKILL);
        port = 0;
    }
    nd->pid = pid;
    nd->port = port;
    nd->started_at = now_mono();
    if (port > 0)
        snprintf(nd->endpoint, sizeof nd->endpoint, "http://127.0.0.1:%d", port);
    else
        nd->endpoint[0] = '\0';
    pthread_mutex_unlock(&n->mu);
    if (port > 0 && n->is_verbose)
        fprintf(stderr, "armortop-sim: %s: agent pid %d on port %d\n", nd->name, (int)pid, port);
    if (port <= 0 && !nd->is_held) {
        fprintf(stderr, "armortop-sim: %s: agent (pid %d) did not become ready; see %s\n",
                nd->name, (int)pid, nd->agent_log);
        kill(pid, SIGKILL); /* reaped and restarted by the supervisor */
    }
}

static void *supervisor(void *arg)
{
    struct sim_nodes *n = arg;
    pthread_mutex_lock(&n->mu);
    while (!n->is_stopping) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        ts.tv_nsec += 200 * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&n->cond, &n->mu, &ts);
        if (n->is_stopping)
            break;
        double now = now_mono();
        for (size_t i = 0; i < n->count; i++) {
            struct node *nd = &n->nodes[i];
            if (!nd->has_agent)
                continue;
            if (nd->pid > 0) {
                int status;
                pid_t r = waitpid(nd->pid, &status, WNOHANG);
                if (r == nd->pid && nd->is_held) {
                    /* stopped on request (POST /sim/agent action=stop) */
                    nd->pid = 0;
                    nd->port = 0;
                    nd->endpoint[0] = '\0';
                    nd->is_paused = false;
                } else if (r == nd->pid) {
                    fprintf(stderr,
                            "armortop-sim: %s: agent pid %d %s %d; restarting in %.1f s\n",
                            nd->name, (int)nd->pid,
                            WIFSIGNALED(status) ? "killed by signal" : "exited with",
                            WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status),
                            now - nd->started_at > 60 ? BACKOFF_MIN_S : nd->backoff);
                    if (now - nd->started_at > 60)
                        nd->backoff = BACKOFF_MIN_S;
                    nd->next_start = now + nd->backoff;
                    nd->backoff = nd->backoff * 2 > BACKOFF_MAX_S ? BACKOFF_MAX_S : nd->backoff * 2;
                    nd->pid = 0;
                    nd->port = 0;
                    nd->endpoint[0] = '\0';
                    nd->is_paused = false;
                }
            } else if (!nd->is_held && now >= nd->next_start) {
                pthread_mutex_unlock(&n->mu);
                pid_t pid = 0;
                int fd = spawn_agent(n, nd, &pid);
                int port = fd >= 0 ? await_ready(fd, now_mono() + READY_TIMEOUT_S) : -1;
                if (fd >= 0)
                    agent_up(n, nd, pid, port);
                pthread_mutex_lock(&n->mu);
                nd->restarts++;
                if (fd < 0)
                    nd->next_start = now_mono() + nd->backoff;
                if (n->is_stopping)
                    break;
            }
        }
    }
    pthread_mutex_unlock(&n->mu);
    return NULL;
}

void sim_nodes_prepare(struct sim_nodes *n, struct sim_gen *g, struct sim_store *st)
{
    if (!n || (n->count == 0 && !n->lite))
        return;
    n->kernel = n->count ? sim_kernel_new(n->is_verbose) : NULL;
    if (n->count == 0) {
        /* lite agents only: no apparmorfs to serve */
    } else if (!n->kernel) {
        fprintf(stderr, "armortop-sim: kernel thread: %s; profile loads will not be applied\n",
                strerror(errno));
    } else {
        for (size_t i = 0; i < n->count; i++)
            if (sim_kernel_add(n->kernel, n->nodes[i].aafs) != 0)
                fprintf(stderr, "armortop-sim: %s: cannot make the interface FIFOs: %s\n",
                        n->nodes[i].aafs, strerror(errno));
        sim_kernel_on_change(n->kernel, on_kernel, n);
        if (sim_kernel_start(n->kernel) != 0)
            fprintf(stderr, "armortop-sim: cannot start the kernel thread\n");
    }
    unsigned nl = sim_lite_count(n->lite);
    unsigned *agent_nodes = xcalloc(n->count + nl + 1, sizeof *agent_nodes);
    size_t na = 0;
    for (size_t i = 0; i < n->count; i++)
        if (n->nodes[i].has_agent)
            agent_nodes[na++] = n->nodes[i].idx;
    for (unsigned i = 0; i < nl; i++)
        agent_nodes[na++] = sim_lite_first(n->lite) + i;
    sim_gen_load_agent_pods(g, st, agent_nodes, na);
    free(agent_nodes);
    g->on_pod = on_pod;
    g->on_pod_ctx = n;
}

static void write_kubeconfig(struct sim_nodes *n, const char *url, const char *ca_pem)
{
    char *path = xasprintf("%s/kubeconfig", n->state_dir);
    struct strbuf sb;
    strbuf_init(&sb);
    strbuf_printf(&sb,
                  "apiVersion: v1\nkind: Config\nclusters:\n- name: armortop-sim\n  cluster:\n"
                  "    server: %s\n",
                  url);
    if (ca_pem) {
        char *b64 = sim_base64_encode(ca_pem, strlen(ca_pem), false);
        strbuf_printf(&sb, "    certificate-authority-data: %s\n", b64);
        free(b64);
    }
    strbuf_printf(&sb,
                  "contexts:\n- name: armortop-agent\n  context:\n    cluster: armortop-sim\n"
                  "    user: armortop-agent\n    namespace: " SIM_AGENT_NS "\n"
                  "current-context: armortop-agent\nusers:\n- name: armortop-agent\n  user:\n"
                  "    token: %s\n",
                  n->kube_token);
    if (write_file(path, strbuf_str(&sb), 0600) == 0) {
        n->kubeconfig = path;
    } else {
        fprintf(stderr, "armortop-sim: cannot write %s: %s\n", path, strerror(errno));
        free(path);
    }
    strbuf_done(&sb);
}

void sim_nodes_start_agents(struct sim_nodes *n, const char *api_url, const char *ca_pem)
{
    if (!n || n->count == 0)
        return;
    if (n->has_kube_flag && n->kube_token && api_url)
        write_kubeconfig(n, api_url, ca_pem);
    /* Start all agents, then wait for all ready lines. */
    int *fds = xcalloc(n->count, sizeof *fds);
    pid_t *pids = xcalloc(n->count, sizeof *pids);
    for (size_t i = 0; i < n->count; i++)
        fds[i] = n->nodes[i].has_agent ? spawn_agent(n, &n->nodes[i], &pids[i]) : -1;
    double deadline = now_mono() + READY_TIMEOUT_S;
    for (size_t i = 0; i < n->count; i++) {
        if (!n->nodes[i].has_agent)
            continue;
        int port = fds[i] >= 0 ? await_ready(fds[i], deadline) : -1;
        if (fds[i] >= 0)
            agent_up(n, &n->nodes[i], pids[i], port);
        else
            n->nodes[i].next_start = now_mono() + BACKOFF_MIN_S;
    }
    free(fds);
    free(pids);
    if (pthread_create(&n->sup_thread, NULL, supervisor, n) == 0)
        n->has_sup = true;
}

/* ---- denials ------------------------------------------------------------------------------ */

static int64_t wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void append_log(const struct node *nd, const struct strbuf *sb)
{
    if (!sb->len)
        return;
    int fd = open(nd->log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0)
        return;
    size_t off = 0;
    while (off < sb->len) {
        ssize_t w = write(fd, sb->buf + off, sb->len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            break;
        off += (size_t)w;
    }
    close(fd);
}

static bool is_confined(const struct pent *e)
{
    return e->mode[0] && strcmp(e->profile, "unconfined") != 0;
}

/* One random line (or two: AVC + SYSCALL) for nd into sb (nodes->mu held). */
static void random_line(struct sim_nodes *n, struct node *nd, struct strbuf *sb)
{
    size_t conf = 0;
    for (size_t i = 0; i < nd->npents; i++)
        conf += is_confined(&nd->pents[i]);
    if (!conf)
        return;
    size_t k = sim_rng_next(&n->rng) % conf;
    const struct pent *e = NULL;
    for (size_t i = 0; i < nd->npents; i++)
        if (is_confined(&nd->pents[i]) && k-- == 0) {
            e = &nd->pents[i];
            break;
        }
    uint64_t r = sim_rng_next(&n->rng);
    struct sim_dline d = {
        .fmt = (enum sim_dfmt)(r % SIM_DF__COUNT),
        .event = (enum sim_devent)((r >> 8) % SIM_DE__COUNT),
        .node = nd->name,
        .profile = e->profile,
        .comm = e->comm,
        .pid = e->pid,
        .epoch_ms = wall_ms(),
        .uptime = 86400.0 * 3 + now_mono() - n->t0,
        .serial = ++nd->serial,
    };
    unsigned roll = (unsigned)((r >> 16) % 100);
    if (roll < 5) {
        d.kind = SIM_DK_STATUS;
    } else {
        d.kind = strcmp(e->mode, "complain") == 0 ? SIM_DK_ALLOWED : SIM_DK_DENIED;
    }
    sim_dline_format(sb, &d);
    nd->lines_written++;
    if (d.kind == SIM_DK_DENIED)
        nd->denied_written++;
    if (d.kind != SIM_DK_STATUS && (d.fmt == SIM_DF_AUDITD || d.fmt == SIM_DF_AUDITD_CLASS) &&
        roll % 3 == 0) {
        d.kind = SIM_DK_SYSCALL;
        sim_dline_format(sb, &d);
        nd->lines_written++;
    }
}

static void *denial_thread(void *arg)
{
    struct sim_nodes *n = arg;
    double tick = 1.0 / n->denial_rate;
    if (tick < 0.05)
        tick = 0.05;
    double acc = 0;
    struct strbuf *bufs = xcalloc(n->count + 1, sizeof *bufs);
    size_t total = n->count + sim_lite_count(n->lite);
    for (size_t i = 0; i < n->count; i++)
        strbuf_init(&bufs[i]);
    pthread_mutex_lock(&n->mu);
    while (!n->is_stopping) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        long ns = (long)(tick * 1e9);
        ts.tv_sec += ns / 1000000000L;
        ts.tv_nsec += ns % 1000000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        while (!n->is_stopping && pthread_cond_timedwait(&n->cond, &n->mu, &ts) == 0)
            ;
        if (n->is_stopping)
            break;
        acc += n->denial_rate * tick;
        for (; acc >= 1.0; acc -= 1.0) {
            size_t k = sim_rng_next(&n->rng) % total;
            if (k >= n->count) {
                sim_lite_random_denial(n->lite, sim_lite_first(n->lite) + (unsigned)(k - n->count),
                                       &n->rng, 86400.0 * 3 + now_mono() - n->t0);
                continue;
            }
            struct node *nd = &n->nodes[k];
            random_line(n, nd, &bufs[nd - n->nodes]);
        }
        for (size_t i = 0; i < n->count; i++) {
            append_log(&n->nodes[i], &bufs[i]);
            strbuf_reset(&bufs[i]);
        }
    }
    pthread_mutex_unlock(&n->mu);
    for (size_t i = 0; i < n->count; i++)
        strbuf_done(&bufs[i]);
    free(bufs);
    return NULL;
}

void sim_nodes_start_denials(struct sim_nodes *n)
{
    if (!n || (n->count == 0 && !n->lite) || !(n->denial_rate > 0))
        return;
    if (pthread_create(&n->den_thread, NULL, denial_thread, n) == 0)
        n->has_den = true;
}

unsigned sim_nodes_write_denials(struct sim_nodes *n, const char *node_name, unsigned count,
                                 struct strbuf *out)
{
    long li = node_idx_of(node_name);
    if (li >= 0 && sim_lite_has(n->lite, (unsigned)li)) {
        pthread_mutex_lock(&n->mu);
        uint64_t rng = mix(n->seed ^ mix((uint64_t)li + 1) ^ mix(0x5eed0000ULL + n->rng++));
        pthread_mutex_unlock(&n->mu);
        return sim_lite_write_denials(n->lite, (unsigned)li, count, &rng,
                                      86400.0 * 3 + now_mono() - n->t0, out);
    }
    pthread_mutex_lock(&n->mu);
    struct node *nd = node_name ? node_by_name(n, node_name) : NULL;
    if (!nd) {
        pthread_mutex_unlock(&n->mu);
        strbuf_puts(out, "{\"error\":\"no such node with simulated state\"}");
        return 404;
    }
    size_t *elig = xcalloc(nd->npents + 1, sizeof *elig);
    size_t ne = 0;
    for (size_t i = 0; i < nd->npents; i++)
        if (is_confined(&nd->pents[i]) && strcmp(nd->pents[i].mode, "enforce") == 0)
            elig[ne++] = i;
    if (!ne) {
        pthread_mutex_unlock(&n->mu);
        free(elig);
        strbuf_puts(out, "{\"error\":\"no process in enforce mode on this node\"}");
        return 409;
    }
    uint64_t rng = mix(n->seed ^ mix(nd->idx + 1) ^ mix(0x5eed0000ULL + nd->post_requests++));
    struct strbuf sb;
    strbuf_init(&sb);
    strbuf_printf(out, "{\"node\":\"%s\",\"written\":%u,\"records\":[", nd->name, count);
    for (unsigned i = 0; i < count; i++) {
        uint64_t r = sim_rng_next(&rng);
        const struct pent *e = &nd->pents[elig[r % ne]];
        struct sim_dline d = {
            .fmt = (enum sim_dfmt)(i % SIM_DF__COUNT),
            .event = (enum sim_devent)((r >> 24) % SIM_DE__COUNT),
            .kind = SIM_DK_DENIED,
            .node = nd->name,
            .profile = e->profile,
            .comm = e->comm,
            .pid = e->pid,
            .epoch_ms = wall_ms(),
            .uptime = 86400.0 * 3 + now_mono() - n->t0,
            .serial = ++nd->serial,
        };
        sim_dline_format(&sb, &d);
        nd->lines_written++;
        nd->denied_written++;
        strbuf_printf(out,
                      "%s{\"serial\":%" PRIu64 ",\"format\":\"%s\",\"operation\":\"%s\","
                      "\"profile\":",
                      i ? "," : "", d.serial, sim_dfmt_name(d.fmt), sim_devent_operation(d.event));
        strbuf_json_str(out, e->profile);
        strbuf_printf(out, ",\"pid\":%d,\"namespace\":", e->pid);
        strbuf_json_str(out, e->ns);
        strbuf_puts(out, ",\"pod\":");
        strbuf_json_str(out, e->pod);
        strbuf_printf(out, ",\"pod_uid\":\"%s\",\"container\":", e->uid);
        strbuf_json_str(out, e->container);
        strbuf_printf(out, ",\"container_id\":\"%s\"}", e->cid);
    }
    strbuf_puts(out, "]}");
    append_log(nd, &sb);
    strbuf_done(&sb);
    free(elig);
    pthread_mutex_unlock(&n->mu);
    return 200;
}

/* ---- fault injection ------------------------------------------------------------------------ */

static const char *const fault_names[] = {
    [SIM_AGENT_FAULT_NONE] = "none",
    [SIM_AGENT_FAULT_HANG] = "hang",
    [SIM_AGENT_FAULT_GARBAGE] = "garbage",
    [SIM_AGENT_FAULT_HUGE] = "huge",
};

const char *sim_agent_fault_name(enum sim_agent_fault f)
{
    return (unsigned)f < sizeof fault_names / sizeof fault_names[0] ? fault_names[f] : "?";
}

enum sim_agent_fault sim_nodes_agent_fault(struct sim_nodes *n, const char *node_name)
{
    if (!n || !node_name)
        return SIM_AGENT_FAULT_NONE;
    pthread_mutex_lock(&n->mu);
    struct node *nd = node_by_name(n, node_name);
    enum sim_agent_fault f = nd ? nd->fault : SIM_AGENT_FAULT_NONE;
    pthread_mutex_unlock(&n->mu);
    return f;
}

/* SIGKILL/SIGTERM nd's agent and reap it here (nodes->mu held, so the
 * supervisor cannot reap it first): the caller's answer means "it is down".
 * SIGTERM gets 5 s to exit cleanly, then SIGKILL. */
static void agent_down(struct sim_nodes *n, struct node *nd, int sig)
{
    if (nd->pid <= 0)
        return;
    if (nd->is_paused)
        kill(nd->pid, SIGCONT); /* a stopped process does not act on SIGTERM */
    kill(nd->pid, sig);
    int status = 0;
    pid_t r = 0;
    for (int i = 0; i < 500 && (r = waitpid(nd->pid, &status, WNOHANG)) == 0; i++)
        usleep(10000);
    if (r == 0) {
        kill(nd->pid, SIGKILL);
        waitpid(nd->pid, &status, 0);
    }
    if (n->is_verbose)
        fprintf(stderr, "armortop-sim: %s: agent pid %d stopped on request (%s)\n", nd->name,
                (int)nd->pid, nd->is_held ? "held down" : "restarting");
    nd->pid = 0;
    nd->port = 0;
    nd->endpoint[0] = '\0';
    nd->is_paused = false;
    /* asked for, not a crash loop: no growing backoff */
    nd->backoff = BACKOFF_MIN_S;
    nd->next_start = now_mono() + BACKOFF_MIN_S;
}

unsigned sim_nodes_agent_control(struct sim_nodes *n, const char *node_name, const char *fault,
                                 const char *action, unsigned long ring, struct strbuf *out)
{
    enum sim_agent_fault f = SIM_AGENT_FAULT__KEEP;
    if (fault) {
        for (size_t i = 0; i < sizeof fault_names / sizeof fault_names[0]; i++)
            if (strcmp(fault, fault_names[i]) == 0)
                f = (enum sim_agent_fault)i;
        if (f == SIM_AGENT_FAULT__KEEP) {
            strbuf_puts(out, "{\"error\":\"fault must be none, hang, garbage or huge\"}");
            return 400;
        }
    }
    static const char *const actions[] = {"kill", "term", "stop", "start", "pause", "resume"};
    int act = -1;
    for (size_t i = 0; action && i < sizeof actions / sizeof actions[0]; i++)
        if (strcmp(action, actions[i]) == 0)
            act = (int)i;
    if (action && act < 0) {
        strbuf_puts(out, "{\"error\":\"action must be kill, term, stop, start, pause or "
                         "resume\"}");
        return 400;
    }
    pthread_mutex_lock(&n->mu);
    struct node *nd = node_name ? node_by_name(n, node_name) : NULL;
    if (!nd || !nd->has_agent) {
        pthread_mutex_unlock(&n->mu);
        strbuf_puts(out, "{\"error\":\"no such node with a real agent\"}");
        return 404;
    }
    unsigned code = 200;
    if (f != SIM_AGENT_FAULT__KEEP)
        nd->fault = f;
    if (ring)
        nd->ring = ring;
    switch (act) {
    case 0: /* kill */
    case 1: /* term */
        if (nd->pid <= 0)
            code = 409;
        agent_down(n, nd, act == 0 ? SIGKILL : SIGTERM);
        break;
    case 2: /* stop: down, and held down until start */
        nd->is_held = true;
        agent_down(n, nd, SIGKILL);
        break;
    case 3: /* start */
        nd->is_held = false;
        if (nd->pid <= 0) {
            nd->next_start = 0;
            pthread_cond_broadcast(&n->cond);
        }
        break;
    case 4: /* pause */
    case 5: /* resume */
        if (nd->pid <= 0) {
            code = 409;
            break;
        }
        kill(nd->pid, act == 4 ? SIGSTOP : SIGCONT);
        nd->is_paused = act == 4;
        break;
    default:
        break;
    }
    strbuf_printf(out,
                  "{\"node\":\"%s\",\"fault\":\"%s\",\"held\":%s,\"paused\":%s,\"pid\":%d,"
                  "\"endpoint\":\"%s\",\"restarts\":%u,\"ring\":%lu%s}",
                  nd->name, sim_agent_fault_name(nd->fault), nd->is_held ? "true" : "false",
                  nd->is_paused ? "true" : "false", (int)nd->pid, nd->endpoint, nd->restarts,
                  nd->ring, code == 409 ? ",\"error\":\"the agent is not running\"" : "");
    pthread_mutex_unlock(&n->mu);
    return code;
}

/* ---- JSON ---------------------------------------------------------------------------------- */

bool sim_nodes_endpoint(struct sim_nodes *n, const char *node_name, char *buf, size_t len)
{
    if (!n)
        return false;
    pthread_mutex_lock(&n->mu);
    struct node *nd = node_by_name(n, node_name);
    bool ok = nd && nd->endpoint[0];
    if (ok)
        snprintf(buf, len, "%s", nd->endpoint);
    pthread_mutex_unlock(&n->mu);
    return ok;
}

bool sim_nodes_is_lite(struct sim_nodes *n, const char *node_name)
{
    long i = n ? node_idx_of(node_name) : -1;
    return i >= 0 && sim_lite_has(n->lite, (unsigned)i);
}

unsigned sim_nodes_lite_serve(struct sim_nodes *n, const char *node_name, const char *method,
                              const char *path_query, const char *token_header,
                              const char **content_type, struct strbuf *out)
{
    long i = n ? node_idx_of(node_name) : -1;
    if (i < 0 || !sim_lite_has(n->lite, (unsigned)i))
        return 0;
    return sim_lite_serve(n->lite, (unsigned)i, node_name, method, path_query, token_header,
                          content_type, out);
}

size_t sim_nodes_count(const struct sim_nodes *n)
{
    return n ? n->count : 0;
}

const char *sim_nodes_state_dir(const struct sim_nodes *n)
{
    return n ? n->state_dir : NULL;
}

void sim_nodes_stats_json(struct sim_nodes *n, struct strbuf *out)
{
    unsigned long loads = 0, removes = 0, rejected = 0, denied = 0, lines = 0;
    if (n && n->kernel)
        sim_kernel_counts(n->kernel, &loads, &removes, &rejected);
    strbuf_puts(out, "\"agentNodes\":[");
    if (n) {
        pthread_mutex_lock(&n->mu);
        for (size_t i = 0; i < n->count; i++) {
            struct node *nd = &n->nodes[i];
            denied += nd->denied_written;
            lines += nd->lines_written;
            strbuf_printf(out, "%s{\"node\":\"%s\",\"agent\":%s,\"pid\":%d,\"endpoint\":\"%s\","
                               "\"restarts\":%u,\"processes\":%zu,\"profiles\":%zu,"
                               "\"denials_written\":%lu,\"denied_written\":%lu,\"fault\":\"%s\","
                               "\"held\":%s,\"paused\":%s,\"dir\":",
                          i ? "," : "", nd->name, nd->endpoint[0] ? "true" : "false",
                          (int)nd->pid, nd->endpoint, nd->restarts ? nd->restarts : 0,
                          nd->npents, nd->nprofs, nd->lines_written, nd->denied_written,
                          sim_agent_fault_name(nd->fault), nd->is_held ? "true" : "false",
                          nd->is_paused ? "true" : "false");
            strbuf_json_str(out, nd->dir);
            strbuf_putc(out, '}');
        }
        pthread_mutex_unlock(&n->mu);
    }
    strbuf_puts(out, "],\"denials_written\":{");
    if (n) {
        pthread_mutex_lock(&n->mu);
        for (size_t i = 0; i < n->count; i++)
            strbuf_printf(out, "%s\"%s\":%lu", i ? "," : "", n->nodes[i].name,
                          n->nodes[i].lines_written);
        strbuf_puts(out, "},\"denied_written\":{");
        for (size_t i = 0; i < n->count; i++)
            strbuf_printf(out, "%s\"%s\":%lu", i ? "," : "", n->nodes[i].name,
                          n->nodes[i].denied_written);
        pthread_mutex_unlock(&n->mu);
    } else {
        strbuf_puts(out, "},\"denied_written\":{");
    }
    unsigned long llines = 0, ldenied = 0, lreq = 0;
    sim_lite_totals(n ? n->lite : NULL, &llines, &ldenied, &lreq);
    strbuf_printf(out,
                  "},\"denied_total\":%lu,\"lines_total\":%lu,\"kernel\":{\"loads\":%lu,"
                  "\"removes\":%lu,\"rejected\":%lu},\"liteAgents\":%u,"
                  "\"liteFirstNode\":%u,\"lite\":{\"lines\":%lu,\"denied\":%lu,\"requests\":%lu}",
                  denied + ldenied, lines + llines, loads, removes, rejected,
                  n ? sim_lite_count(n->lite) : 0, n ? sim_lite_first(n->lite) : 0, llines, ldenied,
                  lreq);
    if (n && n->state_dir) {
        strbuf_puts(out, ",\"stateDir\":");
        strbuf_json_str(out, n->state_dir);
    }
}

static bool label_matches_decl(const struct pent *e)
{
    bool unconf = strcmp(e->profile, "unconfined") == 0;
    if (strcmp(e->decl_type, "Localhost") == 0)
        return strcmp(e->profile, e->decl_prof) == 0;
    if (strcmp(e->decl_type, "Unconfined") == 0)
        return unconf;
    if (strcmp(e->decl_type, "unset") == 0 && e->is_privileged)
        return unconf;
    return strcmp(e->profile, SIM_RUNTIME_PROFILE) == 0;
}

static void decl_str(const struct pent *e, char *out, size_t len)
{
    if (strcmp(e->decl_type, "Localhost") == 0)
        snprintf(out, len, "Localhost/%s", e->decl_prof);
    else
        snprintf(out, len, "%s", e->decl_type);
}

static void pent_ref(struct strbuf *out, const struct node *nd, const struct pent *e)
{
    char label[192], decl[100];
    pent_label(e, label, sizeof label);
    decl_str(e, decl, sizeof decl);
    strbuf_puts(out, "{\"node\":");
    strbuf_json_str(out, nd->name);
    strbuf_puts(out, ",\"namespace\":");
    strbuf_json_str(out, e->ns);
    strbuf_puts(out, ",\"pod\":");
    strbuf_json_str(out, e->pod);
    strbuf_printf(out, ",\"pod_uid\":\"%s\",\"container\":", e->uid);
    strbuf_json_str(out, e->container);
    strbuf_printf(out, ",\"container_id\":\"%s\",\"pid\":%d,\"declared\":", e->cid, e->pid);
    strbuf_json_str(out, decl);
    strbuf_puts(out, ",\"actual\":");
    strbuf_json_str(out, label);
    strbuf_putc(out, '}');
}

struct missing_ref {
    char profile[64], ns[64], pod[96], container[48], node[24];
};

static void ref_append(struct strbuf *sb, const struct node *nd, const struct pent *e)
{
    if (sb->len)
        strbuf_putc(sb, ',');
    pent_ref(sb, nd, e);
}

/* Nodes holding one inventory: a real-agent node, or every lite node. */
struct tgroup {
    const struct lprof *profs;
    size_t nprofs;
    unsigned first, count;
};

static const struct lprof *profs_find(const struct tgroup *gr, const char *name)
{
    for (size_t i = 0; i < gr->nprofs; i++)
        if (strcmp(gr->profs[i].name, name) == 0)
            return &gr->profs[i];
    return NULL;
}

static void group_names(struct strbuf *out, const struct tgroup *gr, size_t *k)
{
    for (unsigned i = 0; i < gr->count; i++) {
        char nm[24];
        sim_gen_node_name(gr->first + i, nm);
        strbuf_printf(out, "%s\"%s\"", (*k)++ ? "," : "", nm);
    }
}

/* Drift over every agent node (real and lite): presence, mode and hash. */
static void truth_drift(struct sim_nodes *n, struct strbuf *out)
{
    size_t ng = n->count + (n->lite ? 1 : 0);
    struct tgroup *gs = xcalloc(ng + 1, sizeof *gs);
    for (size_t i = 0; i < n->count; i++)
        gs[i] = (struct tgroup){n->nodes[i].profs, n->nodes[i].nprofs, n->nodes[i].idx, 1};
    if (n->lite)
        gs[n->count] = (struct tgroup){n->lite_profs, n->nlite_profs, sim_lite_first(n->lite),
                                       sim_lite_count(n->lite)};
    bool first = true;
    struct strbuf nodes;
    strbuf_init(&nodes);
    for (size_t a = 0; a < ng; a++) {
        for (size_t pi = 0; pi < gs[a].nprofs; pi++) {
            const struct lprof *lp = &gs[a].profs[pi];
            bool seen = false;
            for (size_t b = 0; b < a && !seen; b++)
                seen = profs_find(&gs[b], lp->name) != NULL;
            if (seen)
                continue;
            strbuf_reset(&nodes);
            size_t nm = 0;
            for (size_t b = 0; b < ng; b++)
                if (!profs_find(&gs[b], lp->name))
                    group_names(&nodes, &gs[b], &nm);
            if (nm) {
                strbuf_printf(out, "%s{\"profile\":", first ? "" : ",");
                strbuf_json_str(out, lp->name);
                strbuf_printf(out, ",\"kind\":\"missing\",\"nodes\":[%s]}", strbuf_str(&nodes));
                first = false;
            }
            for (int what = 0; what < 2; what++) {
                const char *best = NULL;
                size_t best_n = 0;
                for (size_t b = 0; b < ng; b++) {
                    const struct lprof *x = profs_find(&gs[b], lp->name);
                    if (!x)
                        continue;
                    const char *v = what ? x->sha : x->mode;
                    size_t cnt = 0;
                    for (size_t c = 0; c < ng; c++) {
                        const struct lprof *y = profs_find(&gs[c], lp->name);
                        if (y && strcmp(what ? y->sha : y->mode, v) == 0)
                            cnt += gs[c].count;
                    }
                    if (cnt > best_n) {
                        best = v;
                        best_n = cnt;
                    }
                }
                strbuf_reset(&nodes);
                nm = 0;
                for (size_t b = 0; b < ng && best; b++) {
                    const struct lprof *x = profs_find(&gs[b], lp->name);
                    if (x && strcmp(what ? x->sha : x->mode, best) != 0)
                        group_names(&nodes, &gs[b], &nm);
                }
                if (!nm)
                    continue;
                strbuf_printf(out, "%s{\"profile\":", first ? "" : ",");
                strbuf_json_str(out, lp->name);
                strbuf_printf(out, ",\"kind\":\"%s\",\"nodes\":[%s],\"values\":{",
                              what ? "hash" : "mode", strbuf_str(&nodes));
                size_t k = 0;
                for (size_t b = 0; b < ng; b++) {
                    const struct lprof *x = profs_find(&gs[b], lp->name);
                    for (unsigned i = 0; x && i < gs[b].count; i++) {
                        char nmb[24];
                        sim_gen_node_name(gs[b].first + i, nmb);
                        strbuf_printf(out, "%s\"%s\":\"%s\"", k++ ? "," : "", nmb,
                                      what ? x->sha : x->mode);
                    }
                }
                strbuf_puts(out, "}}");
                first = false;
            }
        }
    }
    strbuf_done(&nodes);
    free(gs);
}

void sim_nodes_truth_json(struct sim_nodes *n, struct sim_store *st, struct sim_gen *g,
                          struct strbuf *out)
{
    /* Pods referencing profiles that their (agent) node does not have: read the
     * store first (lock order st->mu, then n->mu). Lite nodes' containers are
     * derived from the pods here too (their inventory never changes). */
    struct missing_ref *miss = NULL;
    size_t nmiss = 0, mcap = 0;
    struct node lt;
    memset(&lt, 0, sizeof lt);
    if (n) {
        lt.profs = n->lite_profs;
        lt.nprofs = n->nlite_profs;
    }
    struct strbuf lref[4]; /* mismatches, complain, invalid, unconfined on lite nodes */
    for (int k = 0; k < 4; k++)
        strbuf_init(&lref[k]);
    pthread_mutex_lock(&st->mu);
    const struct sim_objvec *vec = &st->objs[SIM_KIND_POD];
    for (size_t i = 0; n && i < vec->count; i++) {
        const struct sim_obj *o = vec->v[i];
        if (o->gen_idx == SIM_AGENT_GEN_IDX)
            continue;
        struct sim_pinfo p;
        sim_gen_pod_info(g, &g->pods[o->gen_idx], &p);
        bool is_lite = !p.is_windows && sim_lite_has(n->lite, p.node);
        pthread_mutex_lock(&n->mu);
        struct node *nd = is_lite ? &lt : node_by_idx(n, p.node);
        for (size_t ci = 0; nd && !p.is_windows && ci < p.nc; ci++) {
            const struct sim_cinfo *c = &p.c[ci];
            if (!c->decl_type || strcmp(c->decl_type, "Localhost") != 0 || !c->decl_prof[0] ||
                node_prof(nd, c->decl_prof))
                continue;
            if (nmiss == mcap) {
                mcap = mcap ? mcap * 2 : 16;
                miss = xreallocarray(miss, mcap, sizeof *miss);
            }
            struct missing_ref *m = &miss[nmiss++];
            snprintf(m->profile, sizeof m->profile, "%s", c->decl_prof);
            snprintf(m->ns, sizeof m->ns, "%s", p.ns);
            snprintf(m->pod, sizeof m->pod, "%s", p.name);
            snprintf(m->container, sizeof m->container, "%s", c->name);
            snprintf(m->node, sizeof m->node, "%s", p.node_name);
        }
        pthread_mutex_unlock(&n->mu);
        if (!is_lite)
            continue;
        snprintf(lt.name, sizeof lt.name, "%s", p.node_name);
        lt.npents = 0;
        node_add_pod(n, &lt, &p, false);
        for (size_t k = 0; k < lt.npents; k++) {
            const struct pent *e = &lt.pents[k];
            if (!label_matches_decl(e))
                ref_append(&lref[0], &lt, e);
            if (strcmp(e->mode, "complain") == 0)
                ref_append(&lref[1], &lt, e);
            if (strcmp(e->decl_type, "invalid") == 0)
                ref_append(&lref[2], &lt, e);
            if (strcmp(e->profile, "unconfined") == 0)
                ref_append(&lref[3], &lt, e);
        }
    }
    pthread_mutex_unlock(&st->mu);
    free(lt.pents);

    strbuf_puts(out, "{\"agentNodes\":[");
    if (n)
        pthread_mutex_lock(&n->mu);
    size_t k0 = 0;
    for (size_t i = 0; n && i < n->count; i++)
        strbuf_printf(out, "%s\"%s\"", k0++ ? "," : "", n->nodes[i].name);
    if (n && n->lite) {
        struct tgroup lg = {n->lite_profs, n->nlite_profs, sim_lite_first(n->lite),
                            sim_lite_count(n->lite)};
        group_names(out, &lg, &k0);
    }
    strbuf_puts(out, "],\"nodesWithoutAgent\":[");
    bool first = true;
    for (unsigned i = 0; n && i < n->node_total; i++) {
        struct node *nd = node_by_idx(n, i);
        if ((nd && nd->has_agent) || sim_lite_has(n->lite, i))
            continue;
        char nm[24];
        sim_gen_node_name(i, nm);
        strbuf_printf(out, "%s\"%s\"", first ? "" : ",", nm);
        first = false;
    }
    strbuf_puts(out, "],\"liteAgentNodes\":[");
    if (n && n->lite) {
        struct tgroup lg = {n->lite_profs, n->nlite_profs, sim_lite_first(n->lite),
                            sim_lite_count(n->lite)};
        size_t k1 = 0;
        group_names(out, &lg, &k1);
    }
    strbuf_puts(out, "],\"drift\":[");
    if (n)
        truth_drift(n, out);
    /* Containers whose actual label differs from what they declare, and the
     * other lists: real-agent nodes first, then lite ones. */
    static const char *const lists[4] = {"mismatches", "complain", "invalid", "unconfined"};
    for (int li = 0; li < 4; li++) {
        strbuf_printf(out, "],\"%s\":[", lists[li]);
        first = true;
        for (size_t a = 0; n && a < n->count; a++)
            for (size_t i = 0; i < n->nodes[a].npents; i++) {
                const struct pent *e = &n->nodes[a].pents[i];
                bool in = li == 0   ? !label_matches_decl(e)
                          : li == 1 ? strcmp(e->mode, "complain") == 0
                          : li == 2 ? strcmp(e->decl_type, "invalid") == 0
                                    : strcmp(e->profile, "unconfined") == 0;
                if (!in)
                    continue;
                if (!first)
                    strbuf_putc(out, ',');
                pent_ref(out, &n->nodes[a], e);
                first = false;
            }
        if (lref[li].len) {
            if (!first)
                strbuf_putc(out, ',');
            strbuf_append(out, lref[li].buf, lref[li].len);
        }
        if (li == 1) {
            strbuf_puts(out, "],\"complainProfiles\":[");
            first = true;
            for (size_t a = 0; n && a < n->count; a++)
                for (size_t pi = 0; pi < n->nodes[a].nprofs; pi++) {
                    const struct lprof *lp = &n->nodes[a].profs[pi];
                    if (strcmp(lp->mode, "complain") != 0)
                        continue;
                    strbuf_printf(out, "%s{\"profile\":", first ? "" : ",");
                    strbuf_json_str(out, lp->name);
                    strbuf_printf(out, ",\"node\":\"%s\"}", n->nodes[a].name);
                    first = false;
                }
        }
    }
    for (int k = 0; k < 4; k++)
        strbuf_done(&lref[k]);
    if (n)
        pthread_mutex_unlock(&n->mu);
    /* Missing profiles, grouped by profile. */
    strbuf_puts(out, "],\"missing\":[");
    first = true;
    for (size_t i = 0; i < nmiss; i++) {
        bool seen = false;
        for (size_t j = 0; j < i && !seen; j++)
            seen = strcmp(miss[j].profile, miss[i].profile) == 0;
        if (seen)
            continue;
        strbuf_printf(out, "%s{\"profile\":", first ? "" : ",");
        strbuf_json_str(out, miss[i].profile);
        strbuf_puts(out, ",\"pods\":[");
        size_t k = 0;
        for (size_t j = i; j < nmiss; j++) {
            if (strcmp(miss[j].profile, miss[i].profile) != 0)
                continue;
            strbuf_printf(out, "%s{\"namespace\":", k++ ? "," : "");
            strbuf_json_str(out, miss[j].ns);
            strbuf_puts(out, ",\"pod\":");
            strbuf_json_str(out, miss[j].pod);
            strbuf_puts(out, ",\"container\":");
            strbuf_json_str(out, miss[j].container);
            strbuf_printf(out, ",\"node\":\"%s\"}", miss[j].node);
        }
        strbuf_puts(out, "]}");
        first = false;
    }
    free(miss);
    strbuf_puts(out, "],\"planted\":{\"driftMissing\":\"" SIM_DRIFT_PROFILE
                     "\",\"driftHash\":\"" SIM_HASH_DRIFT_PROFILE
                     "\",\"driftMode\":\"" SIM_COMPLAIN_PROFILE
                     "\",\"mismatchProfile\":\"" SIM_MISMATCH_PROFILE "\"}}");
}

/* ---- shutdown ------------------------------------------------------------------------------ */

void sim_nodes_free(struct sim_nodes **pn)
{
    struct sim_nodes *n = *pn;
    if (!n)
        return;
    pthread_mutex_lock(&n->mu);
    n->is_stopping = true;
    pthread_cond_broadcast(&n->cond);
    pthread_mutex_unlock(&n->mu);
    if (n->has_den)
        pthread_join(n->den_thread, NULL);
    if (n->has_sup)
        pthread_join(n->sup_thread, NULL);
    /* SIGTERM every agent, wait up to 1.5 s, then SIGKILL. */
    for (size_t i = 0; i < n->count; i++)
        if (n->nodes[i].pid > 0)
            kill(n->nodes[i].pid, SIGTERM);
    double deadline = now_mono() + 1.5;
    for (;;) {
        bool any = false;
        for (size_t i = 0; i < n->count; i++) {
            struct node *nd = &n->nodes[i];
            if (nd->pid <= 0)
                continue;
            pid_t r = waitpid(nd->pid, NULL, WNOHANG);
            if (r == nd->pid || (r < 0 && errno == ECHILD))
                nd->pid = 0;
            else
                any = true;
        }
        if (!any || now_mono() > deadline)
            break;
        usleep(10000);
    }
    for (size_t i = 0; i < n->count; i++) {
        struct node *nd = &n->nodes[i];
        if (nd->pid > 0) {
            kill(nd->pid, SIGKILL);
            waitpid(nd->pid, NULL, 0);
            nd->pid = 0;
        }
    }
    sim_kernel_free(&n->kernel);
    sim_lite_free(&n->lite);
    free(n->lite_profs);
    if (n->is_tmp_state && n->state_dir)
        rm_rf(n->state_dir);
    for (size_t i = 0; i < n->count; i++) {
        struct node *nd = &n->nodes[i];
        free(nd->dir);
        free(nd->aafs);
        free(nd->proc);
        free(nd->log);
        free(nd->tokens);
        free(nd->agent_log);
        free(nd->offset);
        free(nd->pents);
        free(nd->profs);
    }
    free(n->nodes);
    free(n->state_dir);
    free(n->agent_bin);
    free(n->features);
    free(n->parser);
    free(n->kube_token);
    free(n->kubeconfig);
    pthread_mutex_destroy(&n->mu);
    pthread_cond_destroy(&n->cond);
    free(n);
    *pn = NULL;
}
