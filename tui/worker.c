/*
 * worker: the refresh thread (see worker.h). A mutex + condition variable
 * for the timer and the requests, a pipe carrying result pointers to the UI.
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
};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void worker_destroy(struct worker *w)
{
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

        struct worker_result *r = xcalloc(1, sizeof *r);
        snprintf(r->ns, sizeof r->ns, "%s", ns);
        double t0 = now_s();
        r->rc = cluster_fetch(w->client, ns[0] ? ns : NULL, CLUSTER_WANT_ALL, &r->snap, &r->err);
        r->fetch_ms = (now_s() - t0) * 1000.0;

        pthread_mutex_lock(&w->mu);
        w->is_busy = false;
        pthread_cond_broadcast(&w->cv);
        if (w->is_stopping || strcmp(ns, w->ns) != 0) {
            /* obsolete: stopping, or the namespace changed meanwhile */
            worker_result_free(&r);
            if (!w->is_stopping)
                continue;
            break;
        }
        if (write(w->pipe_w, &r, sizeof r) != (ssize_t)sizeof r)
            worker_result_free(&r);
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
        while (!w->is_stopping && !w->is_kicked) {
            int rc = pthread_cond_timedwait(&w->cv, &w->mu, &until);
            if (rc == ETIMEDOUT)
                break;
        }
    }
    bool is_detached = w->is_detached;
    pthread_mutex_unlock(&w->mu);
    if (is_detached)
        worker_destroy(w);
    return NULL;
}

int worker_start(struct worker **out, struct kube_config *cfg, struct kube_client *client,
                 const char *ns, double refresh_s)
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
        worker_result_free(&newest);
        newest = r;
    }
    return newest;
}

void worker_result_free(struct worker_result **r)
{
    if (!r || !*r)
        return;
    kube_snapshot_free(&(*r)->snap);
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
