/*
 * worker: the refresh thread. It owns the kube_client, calls cluster_fetch()
 * every refresh period (or at once when kicked, or when the namespace
 * changes) and hands each result — a new immutable snapshot, or the error —
 * to the UI thread through a pipe, so the UI never blocks on the network: it
 * poll()s worker_fd() next to the keyboard and takes the newest result.
 *
 * Threading: only worker.c touches the client after worker_start(); results
 * are handed over whole (ownership moves with the pointer through the pipe).
 * No curses.
 */
#ifndef ARMORTOP_TUI_WORKER_H
#define ARMORTOP_TUI_WORKER_H

#include <stdbool.h>
#include <stdint.h>

#include "kerr.h"
#include "kube_client.h"
#include "kubeconfig.h"
#include "model.h"

struct worker;

struct worker_result {
    struct kube_snapshot *snap; /* owned; NULL on error */
    int rc;                     /* 0 or a negative KERR_* */
    struct kerr err;
    char ns[256];               /* namespace fetched, "" = all */
    double fetch_ms;            /* how long the fetch took */
};

/* Start the thread. Takes ownership of cfg and client (the client borrows
 * cfg; both freed by worker_stop, or by the thread itself if it outlives
 * worker_stop). ns NULL = all namespaces. Returns 0, or -1 (thread or pipe
 * creation failed; cfg and client are then freed too). */
int worker_start(struct worker **out, struct kube_config *cfg, struct kube_client *client,
                 const char *ns, double refresh_s);

/* Read end of the result pipe: readable when a result is ready. */
int worker_fd(const struct worker *w);

/* The newest result ready (older ones are freed), owned by the caller; NULL
 * when none. Never blocks. */
struct worker_result *worker_take(struct worker *w);
void worker_result_free(struct worker_result **r);

/* Fetch now (R_REFETCH). */
void worker_kick(struct worker *w);
/* Switch namespace (NULL = all) and fetch now. */
void worker_set_ns(struct worker *w, const char *ns);
/* Is a fetch running right now? */
bool worker_is_busy(struct worker *w);

/* Stop the thread and free everything. Waits up to about a second for a fetch
 * in flight; after that the thread is left to finish on its own (detached)
 * and frees what it owns itself. */
void worker_stop(struct worker **w);

#endif
