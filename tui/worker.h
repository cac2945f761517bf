/*
 * worker: the refresh thread. It owns the kube_client, calls cluster_fetch()
 * every refresh period (or at once when kicked, or when the namespace
 * changes), then polls the armortop agents: it keeps one agent_client, the
 * endpoints (re-discovered every refresh) and one agent_fleet across
 * refreshes, so denial cursors persist and denials flow live. Each result — a
 * new immutable snapshot with a copy of the fleet (agent_fleet_dup), or the
 * error — goes to the UI thread through a pipe, so the UI never blocks on the
 * network: it poll()s worker_fd() next to the keyboard and takes the newest.
 *
 * Profile jobs (read a profile's source, load/replace, unload, switch mode)
 * are queued with worker_submit() and run on the same thread before the next
 * refresh (so credentials are resolved on one thread); their results come
 * through the same pipe and wait in worker_take_job(). Mutations go through
 * core's read-only gate inside agent_client (the gate given to worker_start).
 *
 * The worker also derives what the UI shows from each new snapshot: the
 * tmodel (rows, findings, counts) and the rows of the panes on top of each
 * view (shadow panes built from the pane_specs the UI last gave with
 * worker_set_specs), so the UI thread only swaps pointers and re-finds its
 * selection: at 150,000 pods that work takes half a second, and keys must
 * not wait for it. The UI gives old models back (worker_dispose) to be
 * freed here too.
 *
 * Threading: only worker.c touches the client after worker_start(); results
 * are handed over whole (ownership moves with the pointer through the pipe);
 * what the UI lends (spec, frozen denials, old models) is copied or moved
 * under the mutex. No curses.
 */
#ifndef ARMORTOP_TUI_WORKER_H
#define ARMORTOP_TUI_WORKER_H

#include <stdbool.h>
#include <stdint.h>

#include "agent_client.h"
#include "core/actions.h"
#include "kerr.h"
#include "kube_client.h"
#include "kubeconfig.h"
#include "model.h"
#include "pane.h"
#include "tmodel.h"

struct worker;

enum worker_job_kind { WJOB_GET_SOURCE, WJOB_PUT, WJOB_DELETE, WJOB_MODE };

/* A profile job: what to do with profile name on nodes (owned strings). */
struct worker_job {
    enum worker_job_kind kind;
    char *name;
    char **nodes;      /* targets; for WJOB_GET_SOURCE the candidates, first answer wins */
    size_t node_count;
    char *text;        /* WJOB_PUT: the source */
    size_t text_len;
    char *mode;        /* WJOB_MODE: "enforce" or "complain" */
    bool is_force;     /* WJOB_DELETE: ?force=1 */
};

struct worker_job_item {
    char *node;
    int rc;                   /* 0 or a negative KERR_* */
    char *msg;                /* kerr text when rc < 0, owned, may be NULL */
    struct agent_reply reply; /* what the agent said */
};

struct worker_job_result {
    struct worker_job job; /* the job as submitted (owned) */
    struct worker_job_item *items;
    size_t count;
};

/* A job with copies of name and the node list. Owned; worker_job_free. */
struct worker_job *worker_job_new(enum worker_job_kind kind, const char *name,
                                  const char *const *nodes, size_t node_count);
void worker_job_free(struct worker_job **j);
void worker_job_result_free(struct worker_job_result **r);

#define WORKER_PANES 8 /* panes prebuilt per model, at most */

struct worker_result {
    struct kube_snapshot *snap; /* owned; NULL on error, or when model holds it */
    struct agent_fleet *fleet;  /* owned copy; NULL = no agents deployed (or not polled),
                                 * or model holds it */
    /* derived on the worker (NULL model: the snapshot has the same
     * resourceVersions as the last model built, less than 10 s ago: snap is
     * then a shell holding only the resourceVersions, and the UI keeps the
     * model it has, or asks for one with worker_rebuild if it has not got it) */
    struct tmodel *model;       /* owned; its extra points at extra below, ns at ns below:
                                 * the taker repoints both */
    struct tui_extra extra;     /* is_utf8/is_paused of the spec, for recalc on the worker */
    struct pane *panes[WORKER_PANES];     /* owned shadows built from specs over model */
    struct pane_spec specs[WORKER_PANES]; /* id 0 = none */
    unsigned pause_epoch;       /* of the frozen denials model was built with */
    double model_ms, pane_ms;   /* how long tmodel_build and the shadows' rows took */
    char agent_err[512];        /* why the agents could not be polled, "" none */
    struct worker_job_result *job; /* a profile job's result (snap NULL then) */
    int rc;                     /* 0 or a negative KERR_* */
    struct kerr err;
    char ns[256];               /* namespace fetched, "" = all */
    double fetch_ms;            /* how long the fetch took */
};

/* Start the thread. Takes ownership of cfg and client (the client borrows
 * cfg; both freed by worker_stop, or by the thread itself if it outlives
 * worker_stop). ns NULL = all namespaces. pinned_now: the "now" of the
 * models (ARMORTOP_NOW), NULL = the wall clock. Returns 0, or -1 (thread or
 * pipe creation failed; cfg and client are then freed too). */
int worker_start(struct worker **out, struct kube_config *cfg, struct kube_client *client,
                 const char *ns, double refresh_s, const struct actions_ctx *gate,
                 bool want_agents, const int64_t *pinned_now);

/* Fetch now and build the model even if the data did not change. */
void worker_rebuild(struct worker *w);
/* The panes whose rows to build with each new model, most wanted first
 * (copied; up to WORKER_PANES; id 0 = none; is_utf8/is_paused of the first
 * go to the model's extra). */
void worker_set_specs(struct worker *w, const struct pane_spec *specs, size_t n);
/* The denial stream is paused on frozen (owned; NULL = resumed): models show
 * its denials from now on. epoch (bumped by the UI on every pause/resume)
 * comes back in worker_result.pause_epoch. */
void worker_set_frozen(struct worker *w, struct agent_fleet *frozen, unsigned epoch);
/* Free a model the UI no longer shows, on the worker's thread (m: heap, owned). */
void worker_dispose(struct worker *w, struct tmodel *m);

/* Queue a profile job (ownership moves) and wake the thread. */
void worker_submit(struct worker *w, struct worker_job *job);
/* The oldest finished job's result (owned), NULL when none. Call after
 * worker_take() (which collects them from the pipe). Never blocks. */
struct worker_job_result *worker_take_job(struct worker *w);

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
