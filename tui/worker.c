/*
 * worker: the refresh thread (see worker.h). A mutex + condition variable
 * for the timer and the requests, a pipe carrying result pointers to the UI.
 * After each fetch it builds the tmodel and the spec'd panes' rows, so the
 * UI thread's share of a new snapshot is a pointer swap.
 */
#include "config.h"
#include "worker.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "agent_client.h"
#include "cluster.h"
#include "kubeconfig.h"
#include "xalloc.h"

struct worker {
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int pipe_r, pipe_w;
    struct kube_client *client;
    struct kube_config *cfg; /* the client borrows it: freed after the client */
    double refresh_s;
    char ns[256];
    bool is_kicked;
    bool is_stopping;
    bool is_busy;
    bool is_detached; /* the thread frees the struct when it ends */
    /* agents (thread-only after start) */
    bool want_agents;
    struct actions_ctx gate;
    struct agent_client *ac;
    struct agent_endpoint *eps;
    size_t neps;
    struct agent_fleet *fleet;
    /* profile jobs: queued (under mu), finished (UI thread only) */
    struct worker_job **queue;
    size_t nqueue;
    struct worker_job_result **done;
    size_t ndone;
    /* lent by the UI (under mu) */
    struct pane_spec specs[WORKER_PANES]; /* the panes to prebuild, id 0 = none */
    struct agent_fleet *frozen_next; /* a new pause state, owned, when has_frozen_next */
    bool has_frozen_next;
    unsigned epoch_next;
    bool is_rebuild;                 /* build the next model even if the data is the same */
    struct tmodel **garbage;         /* old models to free */
    size_t ngarbage;
    /* model inputs and the last build (thread-only after start) */
    bool is_now_pinned;
    int64_t pinned_now;
    struct agent_fleet *frozen;      /* the paused denials, NULL = live */
    unsigned epoch;
    bool has_built;                  /* a model was built before */
    bool has_last;                   /* what the last model was built from */
    char *last_rv[3];
    char last_ns[256];
    bool last_had_fleet;
    int64_t last_now;
};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void model_free(struct tmodel **m)
{
    if (!m || !*m)
        return;
    tmodel_free(*m);
    free(*m);
    *m = NULL;
}

/* Free the old models the UI gave back. Called with mu held; drops it
 * while freeing (a big model takes tens of ms). */
static void free_garbage(struct worker *w)
{
    while (w->ngarbage > 0) {
        struct tmodel **g = w->garbage;
        size_t n = w->ngarbage;
        w->garbage = NULL;
        w->ngarbage = 0;
        pthread_mutex_unlock(&w->mu);
        for (size_t i = 0; i < n; i++)
            model_free(&g[i]);
        free(g);
        pthread_mutex_lock(&w->mu);
    }
}

static void worker_destroy(struct worker *w)
{
    pthread_mutex_lock(&w->mu);
    free_garbage(w);
    pthread_mutex_unlock(&w->mu);
    agent_fleet_free(&w->frozen);
    agent_fleet_free(&w->frozen_next);
    for (int i = 0; i < 3; i++)
        free(w->last_rv[i]);
    agent_fleet_free(&w->fleet);
    agent_endpoints_free(&w->eps, w->neps);
    agent_client_free(&w->ac);
    for (size_t i = 0; i < w->nqueue; i++)
        worker_job_free(&w->queue[i]);
    free(w->queue);
    for (size_t i = 0; i < w->ndone; i++)
        worker_job_result_free(&w->done[i]);
    free(w->done);
    kube_client_free(&w->client);
    kube_config_free(&w->cfg);
    /* drain results nobody will take */
    struct worker_result *r;
    while (read(w->pipe_r, &r, sizeof r) == (ssize_t)sizeof r)
        worker_result_free(&r);
    close(w->pipe_r);
    close(w->pipe_w);
    pthread_mutex_destroy(&w->mu);
    pthread_cond_destroy(&w->cv);
    free(w);
}

/* ---- profile jobs ------------------------------------------------------------ */

struct worker_job *worker_job_new(enum worker_job_kind kind, const char *name,
                                  const char *const *nodes, size_t node_count)
{
    struct worker_job *j = xcalloc(1, sizeof *j);
    j->kind = kind;
    j->name = xstrdup(name ? name : "");
    j->nodes = xcalloc(node_count ? node_count : 1, sizeof *j->nodes);
    for (size_t i = 0; i < node_count; i++)
        j->nodes[i] = xstrdup(nodes[i]);
    j->node_count = node_count;
    return j;
}

static void job_fields_done(struct worker_job *j)
{
    free(j->name);
    for (size_t i = 0; i < j->node_count; i++)
        free(j->nodes[i]);
    free(j->nodes);
    free(j->text);
    free(j->mode);
    memset(j, 0, sizeof *j);
}

void worker_job_free(struct worker_job **j)
{
    if (!j || !*j)
        return;
    job_fields_done(*j);
    free(*j);
    *j = NULL;
}

void worker_job_result_free(struct worker_job_result **r)
{
    if (!r || !*r)
        return;
    for (size_t i = 0; i < (*r)->count; i++) {
        free((*r)->items[i].node);
        free((*r)->items[i].msg);
        agent_reply_done(&(*r)->items[i].reply);
    }
    free((*r)->items);
    job_fields_done(&(*r)->job);
    free(*r);
    *r = NULL;
}

/* Run one job on this thread: one request per node, in order. */
static struct worker_job_result *run_job(struct worker *w, struct worker_job *job)
{
    struct worker_job_result *res = xcalloc(1, sizeof *res);
    res->job = *job;
    free(job);
    struct worker_job *j = &res->job;
    res->items = xcalloc(j->node_count ? j->node_count : 1, sizeof *res->items);
    for (size_t i = 0; i < j->node_count; i++) {
        struct worker_job_item *it = &res->items[res->count++];
        struct kerr e = { 0 };
        it->node = xstrdup(j->nodes[i]);
        agent_reply_done(&it->reply);
        const struct agent_endpoint *ep = agent_endpoint_find(w->eps, w->neps, j->nodes[i]);
        if (!w->ac || !ep) {
            it->rc = kerr_set(&e, KERR_NOTFOUND, "no armortop-agent on %s", j->nodes[i]);
        } else {
            switch (j->kind) {
            case WJOB_GET_SOURCE:
                it->rc = agent_profile_get(w->ac, ep, j->name, &it->reply, &e);
                break;
            case WJOB_PUT:
                it->rc = agent_profile_put(w->ac, &w->gate, ep, j->name, j->text, j->text_len,
                                           &it->reply, &e);
                break;
            case WJOB_DELETE:
                it->rc = agent_profile_delete(w->ac, &w->gate, ep, j->name, j->is_force,
                                              &it->reply, &e);
                break;
            case WJOB_MODE:
                it->rc = agent_profile_set_mode(w->ac, &w->gate, ep, j->name, j->mode,
                                                &it->reply, &e);
                break;
            }
        }
        if (it->rc < 0) {
            char buf[1024];
            it->msg = xstrdup(e.msg[0] ? e.msg : kerr_format(&e, buf, sizeof buf));
        }
        /* a source: the first node that has it is enough */
        if (j->kind == WJOB_GET_SOURCE && it->rc == 0 && it->reply.source)
            break;
    }
    return res;
}

static void run_jobs(struct worker *w)
{
    for (;;) {
        pthread_mutex_lock(&w->mu);
        struct worker_job *job = NULL;
        if (w->nqueue > 0 && !w->is_stopping) {
            job = w->queue[0];
            memmove(w->queue, w->queue + 1, (w->nqueue - 1) * sizeof *w->queue);
            w->nqueue--;
        }
        pthread_mutex_unlock(&w->mu);
        if (!job)
            return;
        struct worker_result *r = xcalloc(1, sizeof *r);
        r->job = run_job(w, job);
        if (write(w->pipe_w, &r, sizeof r) != (ssize_t)sizeof r)
            worker_result_free(&r);
    }
}

/* Discover the agents (every refresh: pods come and go) and poll them into
 * the fleet; fill r->fleet with a copy. */
static void poll_agents(struct worker *w, struct worker_result *r)
{
    struct kerr e = { 0 };
    char buf[600];
    if (!w->want_agents)
        return;
    if (!w->ac && agent_client_new(w->cfg, NULL, &w->ac, &e) < 0) {
        snprintf(r->agent_err, sizeof r->agent_err, "agents: %s",
                 kerr_format(&e, buf, sizeof buf));
        return;
    }
    struct agent_endpoint *eps = NULL;
    size_t n = 0;
    if (agent_discover(w->ac, w->client, &eps, &n, &e) < 0) {
        snprintf(r->agent_err, sizeof r->agent_err, "listing the agents: %s",
                 kerr_format(&e, buf, sizeof buf));
        /* keep polling the endpoints we knew */
    } else {
        agent_endpoints_free(&w->eps, w->neps);
        w->eps = eps;
        w->neps = n;
    }
    if (w->neps == 0 && !w->fleet)
        return; /* no agents deployed: the views say "no agent data" */
    if (!w->fleet)
        w->fleet = agent_fleet_new(0);
    kerr_clear(&e);
    if (agent_poll_all(w->ac, w->eps, w->neps, r->snap, 0, w->fleet, &e) < 0)
        snprintf(r->agent_err, sizeof r->agent_err, "agents: %s",
                 kerr_format(&e, buf, sizeof buf));
    r->fleet = agent_fleet_dup(w->fleet);
}

static bool same_rv(const char *a, const char *b)
{
    return a && b && strcmp(a, b) == 0;
}

/* Derive the model (and the spec'd panes' rows) from r's snapshot, unless
 * it is the data of the last model (same resourceVersions, no agents) and
 * that one is younger than 10 s (ages shown move on with a rebuild). */
static void build_model(struct worker *w, struct worker_result *r)
{
    pthread_mutex_lock(&w->mu);
    struct pane_spec *specs = xmalloc(sizeof w->specs);
    memcpy(specs, w->specs, sizeof w->specs);
    if (w->is_rebuild)
        w->has_last = false;
    w->is_rebuild = false;
    if (w->has_frozen_next) {
        agent_fleet_free(&w->frozen);
        w->frozen = w->frozen_next;
        w->frozen_next = NULL;
        w->has_frozen_next = false;
        w->epoch = w->epoch_next;
    }
    pthread_mutex_unlock(&w->mu);
    int64_t now = w->is_now_pinned ? w->pinned_now : (int64_t)time(NULL);
    const char *rv[3] = { r->snap->nodes_rv, r->snap->pods_rv, r->snap->events_rv };
    if (w->has_last && !r->fleet && !w->last_had_fleet && strcmp(r->ns, w->last_ns) == 0 &&
        same_rv(rv[0], w->last_rv[0]) && same_rv(rv[1], w->last_rv[1]) &&
        same_rv(rv[2], w->last_rv[2]) && now - w->last_now < 10) {
        /* the UI only compares resourceVersions: send those, and free the
         * copy of the cluster here (150,000 pods take 100 ms to free) */
        struct kube_snapshot *shell = kube_snapshot_new();
        shell->nodes_rv = r->snap->nodes_rv;
        shell->pods_rv = r->snap->pods_rv;
        shell->events_rv = r->snap->events_rv;
        r->snap->nodes_rv = r->snap->pods_rv = r->snap->events_rv = NULL;
        kube_snapshot_free(&r->snap);
        r->snap = shell;
        free(specs);
        return;
    }
    w->has_last = true;
    for (int i = 0; i < 3; i++) {
        free(w->last_rv[i]);
        w->last_rv[i] = rv[i] ? xstrdup(rv[i]) : NULL;
    }
    snprintf(w->last_ns, sizeof w->last_ns, "%s", r->ns);
    w->last_had_fleet = r->fleet != NULL;
    w->last_now = now;

    double t0 = now_s();
    struct tmodel *m = xcalloc(1, sizeof *m);
    /* the model owns a copy of the paused denials: the UI may resume (and
     * free its own copy) before it takes this result */
    struct agent_fleet *frozen = w->frozen ? agent_fleet_dup(w->frozen) : NULL;
    r->extra.is_utf8 = specs[0].is_utf8;
    r->extra.is_paused = specs[0].is_paused;
    m->extra = &r->extra;
    tmodel_build(m, r->snap, r->fleet, frozen, r->ns[0] ? r->ns : NULL, now);
    m->frozen = frozen;
    r->snap = NULL;
    r->fleet = NULL;
    r->model = m;
    r->pause_epoch = w->epoch;
    r->model_ms = (now_s() - t0) * 1000.0;
    t0 = now_s();
    /* the first model: only the pane shown (the first screen waits for it);
     * later ones all, so switching views after a refresh finds rows ready */
    size_t npanes = w->has_built ? WORKER_PANES : 1;
    w->has_built = true;
    for (size_t i = 0; i < npanes; i++) {
        if (!specs[i].id || !specs[i].ops)
            continue;
        r->panes[i] = pane_from_spec(&specs[i]);
        pane_refresh(r->panes[i], m);
        r->specs[i] = specs[i];
    }
    r->pane_ms = (now_s() - t0) * 1000.0;
    free(specs);
}

static void *run(void *arg)
{
    struct worker *w = arg;
    pthread_mutex_lock(&w->mu);
    while (!w->is_stopping) {
        char ns[256];
        snprintf(ns, sizeof ns, "%s", w->ns);
        w->is_kicked = false;
        w->is_busy = true;
        pthread_mutex_unlock(&w->mu);

        run_jobs(w);
        struct worker_result *r = xcalloc(1, sizeof *r);
        snprintf(r->ns, sizeof r->ns, "%s", ns);
        double t0 = now_s();
        r->rc = cluster_fetch(w->client, ns[0] ? ns : NULL, CLUSTER_WANT_ALL, &r->snap, &r->err);
        if (r->rc == 0)
            poll_agents(w, r);
        r->fetch_ms = (now_s() - t0) * 1000.0;
        if (r->rc == 0 && r->snap)
            build_model(w, r);

        pthread_mutex_lock(&w->mu);
        w->is_busy = false;
        pthread_cond_broadcast(&w->cv);
        if (w->is_stopping || strcmp(ns, w->ns) != 0) {
            /* obsolete: stopping, or the namespace changed meanwhile */
            worker_result_free(&r);
            w->has_last = false; /* the UI never sees that model */
            if (!w->is_stopping)
                continue;
            break;
        }
        if (write(w->pipe_w, &r, sizeof r) != (ssize_t)sizeof r) {
            worker_result_free(&r);
            w->has_last = false;
        }
        /* wait for the period, a kick or stop */
        struct timespec until;
        clock_gettime(CLOCK_MONOTONIC, &until);
        double secs = w->refresh_s;
        until.tv_sec += (time_t)secs;
        until.tv_nsec += (long)((secs - (double)(time_t)secs) * 1e9);
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        for (;;) {
            free_garbage(w);
            if (w->is_stopping || w->is_kicked || w->nqueue > 0)
                break;
            if (pthread_cond_timedwait(&w->cv, &w->mu, &until) == ETIMEDOUT) {
                free_garbage(w);
                break;
            }
        }
    }
    bool is_detached = w->is_detached;
    pthread_mutex_unlock(&w->mu);
    if (is_detached)
        worker_destroy(w);
    return NULL;
}

int worker_start(struct worker **out, struct kube_config *cfg, struct kube_client *client,
                 const char *ns, double refresh_s, const struct actions_ctx *gate,
                 bool want_agents, const int64_t *pinned_now)
{
    struct worker *w = xcalloc(1, sizeof *w);
    int fds[2];
    *out = NULL;
    if (pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0) {
        kube_client_free(&client);
        kube_config_free(&cfg);
        free(w);
        return -1;
    }
    w->pipe_r = fds[0];
    w->pipe_w = fds[1];
    w->client = client;
    w->cfg = cfg;
    w->want_agents = want_agents;
    w->is_now_pinned = pinned_now != NULL;
    w->pinned_now = pinned_now ? *pinned_now : 0;
    if (gate)
        w->gate = *gate;
    else
        w->gate.is_readonly = true; /* no policy: refuse mutations */
    w->refresh_s = refresh_s > 0.1 ? refresh_s : 0.1;
    snprintf(w->ns, sizeof w->ns, "%s", ns ? ns : "");
    pthread_mutex_init(&w->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&w->cv, &ca);
    pthread_condattr_destroy(&ca);
    if (pthread_create(&w->thread, NULL, run, w) != 0) {
        worker_destroy(w);
        return -1;
    }
    *out = w;
    return 0;
}

int worker_fd(const struct worker *w)
{
    return w->pipe_r;
}

struct worker_result *worker_take(struct worker *w)
{
    struct worker_result *newest = NULL, *r;
    while (read(w->pipe_r, &r, sizeof r) == (ssize_t)sizeof r) {
        if (r->job) {
            w->done = xreallocarray(w->done, w->ndone + 1, sizeof *w->done);
            w->done[w->ndone++] = r->job;
            r->job = NULL;
            worker_result_free(&r);
            continue;
        }
        if (newest && newest->model && !r->model) {
            if (r->rc == 0) {
                /* r skipped its model because it is the data of this one:
                 * keep the model (it is the newest the worker built) */
                r->model = newest->model;
                memcpy(r->panes, newest->panes, sizeof r->panes);
                memcpy(r->specs, newest->specs, sizeof r->specs);
                r->extra = newest->extra;
                r->model->extra = &r->extra; /* they pointed into newest */
                r->model->ns = r->ns[0] ? r->ns : NULL;
                r->pause_epoch = newest->pause_epoch;
                r->model_ms = newest->model_ms;
                r->pane_ms = newest->pane_ms;
                kube_snapshot_free(&r->snap);
                agent_fleet_free(&r->fleet);
                newest->model = NULL;
                memset(newest->panes, 0, sizeof newest->panes);
            } else {
                /* an error after a new model: show the model; the error
                 * comes again with the next fetch if it persists */
                worker_result_free(&r);
                continue;
            }
        }
        worker_result_free(&newest);
        newest = r;
    }
    return newest;
}

void worker_rebuild(struct worker *w)
{
    pthread_mutex_lock(&w->mu);
    w->is_rebuild = true;
    w->is_kicked = true;
    pthread_cond_broadcast(&w->cv);
    pthread_mutex_unlock(&w->mu);
}

void worker_set_specs(struct worker *w, const struct pane_spec *specs, size_t n)
{
    pthread_mutex_lock(&w->mu);
    memset(w->specs, 0, sizeof w->specs);
    for (size_t i = 0; i < n && i < WORKER_PANES; i++)
        w->specs[i] = specs[i];
    pthread_mutex_unlock(&w->mu);
}

void worker_set_frozen(struct worker *w, struct agent_fleet *frozen, unsigned epoch)
{
    pthread_mutex_lock(&w->mu);
    agent_fleet_free(&w->frozen_next);
    w->frozen_next = frozen;
    w->has_frozen_next = true;
    w->epoch_next = epoch;
    pthread_mutex_unlock(&w->mu);
}

void worker_dispose(struct worker *w, struct tmodel *m)
{
    if (!m)
        return;
    pthread_mutex_lock(&w->mu);
    w->garbage = xreallocarray(w->garbage, w->ngarbage + 1, sizeof *w->garbage);
    w->garbage[w->ngarbage++] = m;
    pthread_cond_broadcast(&w->cv); /* freed now, not after the next fetch */
    pthread_mutex_unlock(&w->mu);
}

struct worker_job_result *worker_take_job(struct worker *w)
{
    if (w->ndone == 0)
        return NULL;
    struct worker_job_result *r = w->done[0];
    memmove(w->done, w->done + 1, (w->ndone - 1) * sizeof *w->done);
    w->ndone--;
    return r;
}

void worker_submit(struct worker *w, struct worker_job *job)
{
    pthread_mutex_lock(&w->mu);
    w->queue = xreallocarray(w->queue, w->nqueue + 1, sizeof *w->queue);
    w->queue[w->nqueue++] = job;
    w->is_kicked = true;
    pthread_cond_broadcast(&w->cv);
    pthread_mutex_unlock(&w->mu);
}

void worker_result_free(struct worker_result **r)
{
    if (!r || !*r)
        return;
    kube_snapshot_free(&(*r)->snap);
    agent_fleet_free(&(*r)->fleet);
    model_free(&(*r)->model);
    for (size_t i = 0; i < WORKER_PANES; i++)
        pane_free(&(*r)->panes[i]);
    worker_job_result_free(&(*r)->job);
    free(*r);
    *r = NULL;
}

void worker_kick(struct worker *w)
{
    pthread_mutex_lock(&w->mu);
    w->is_kicked = true;
    pthread_cond_broadcast(&w->cv);
    pthread_mutex_unlock(&w->mu);
}

void worker_set_ns(struct worker *w, const char *ns)
{
    pthread_mutex_lock(&w->mu);
    snprintf(w->ns, sizeof w->ns, "%s", ns ? ns : "");
    w->is_kicked = true;
    pthread_cond_broadcast(&w->cv);
    pthread_mutex_unlock(&w->mu);
}

bool worker_is_busy(struct worker *w)
{
    pthread_mutex_lock(&w->mu);
    bool b = w->is_busy;
    pthread_mutex_unlock(&w->mu);
    return b;
}

void worker_stop(struct worker **pw)
{
    if (!pw || !*pw)
        return;
    struct worker *w = *pw;
    *pw = NULL;
    pthread_mutex_lock(&w->mu);
    w->is_stopping = true;
    pthread_cond_broadcast(&w->cv);
    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    until.tv_sec += 1;
    while (w->is_busy)
        if (pthread_cond_timedwait(&w->cv, &w->mu, &until) == ETIMEDOUT)
            break;
    bool is_busy = w->is_busy;
    if (is_busy)
        w->is_detached = true;
    pthread_mutex_unlock(&w->mu);
    if (is_busy) {
        pthread_detach(w->thread);
        return;
    }
    pthread_join(w->thread, NULL);
    worker_destroy(w);
}
