/*
 * screen: the screen manager (see screen.h). Single-threaded: the only other
 * thread is the refresh worker, which talks to us through a pipe. Draws the
 * header, the title bar and the status line itself; panes draw the body.
 * Depends on tui's panes, keymap, theme, worker, script and on core; no
 * curl, cJSON or libapparmor, and no URL is built here.
 */
#include "config.h"
#include "screen.h"

#include <errno.h>
#include <fcntl.h>
#include <langinfo.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <locale.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <wchar.h>

#include "cluster.h"
#include "core/actions.h"
#include "draw.h"
#include "keymap.h"
#include "kube_client.h"
#include "kubeconfig.h"
#include "layout.h"
#include "log.h"
#include "pane.h"
#include "profile_text.h"
#include "script.h"
#include "text.h"
#include "theme.h"
#include "tmodel.h"
#include "worker.h"
#include "xalloc.h"

#define VIEW_N 5
#define STACK_MAX 8

static const enum pane_kind view_kinds[VIEW_N] = { PANE_PODS, PANE_NODES, PANE_PROFILES,
                                                   PANE_DENIALS, PANE_FINDINGS };

enum mode { MODE_NORMAL, MODE_FILTER, MODE_COMMAND, MODE_CONFIRM };

/* A profile action waiting for y/n. */
struct pending {
    enum worker_job_kind kind;
    char profile[256];
    char **nodes;
    size_t count;
    char *text; /* PUT */
    size_t text_len;
    char mode[16];
    bool is_force;
};

struct screen {
    const struct cli_opts *opts;
    struct actions_ctx gate;
    bool is_headless;
    struct script script;
    bool is_waiting_refresh;
    double wait_deadline;
    const char *wait_file;            /* script: <Wait-file PATH> (borrowed from the step) */
    FILE *null_out, *null_in;
    SCREEN *term;
    struct layout lay;
    struct tmodel model;
    struct tui_extra extra;           /* lent to the model: sources, action results, pause */
    struct agent_fleet *frozen;       /* the denials shown while paused (owned) */
    unsigned pause_epoch;             /* bumps on every pause/resume (the worker's copy) */
    struct pane_spec sent_specs[VIEW_N]; /* the panes the worker builds rows for */
    double swap_ms;                   /* timing: a snapshot taken, not drawn yet: its cost */
    char agent_err[512];              /* why the agents could not be polled, "" none */
    struct pending pending;           /* the action MODE_CONFIRM asks about */
    char confirm_q[512];              /* its question */
    char load_profile[256];           /* l/L: the profile and node the :load prompt is for */
    char load_node[256];
    char edit_profile[256];           /* e: waiting for this profile's source */
    unsigned jobs_out;                /* profile jobs submitted, not answered yet */
    bool is_waiting_jobs;             /* script: <Wait-jobs> */
    bool has_data;
    struct worker *worker;
    char context[128], server[256];
    char ns[256]; /* "" = all namespaces */
    char model_ns[256]; /* the namespace of the data shown (the model borrows it) */
    double last_ok_mono;
    bool is_stale;
    char stale_err[1100];
    unsigned results;
    struct pane *stack[VIEW_N][STACK_MAX];
    int depth[VIEW_N];
    int view;
    enum mode mode;
    char prompt[512];
    size_t prompt_len;
    char *filter_before;
    char msg[512];
    bool is_msg_error;
    bool is_msg_refreshing; /* the message goes away with the next result */
    double msg_until;
    bool is_dirty;
    bool is_quit;
    int exit_key;
    double next_rotate;
    bool is_now_pinned;
    int64_t pinned_now;
    int status;
};

/* ARMORTOP_TIMING=1: per-operation times on stderr at exit (for benchmarks).
 * model and prebuild run on the worker thread (tmodel_build, the top pane's
 * rows); swap is what a new snapshot costs this thread: taking the result
 * (swap, adopt the rows) plus the draw that shows it, the longest a key
 * waits for it. */
enum { T_MODEL, T_PREBUILD, T_SWAP, T_RECALC, T_FILTER, T_ACTION, T_DRAW, T__COUNT };
static const char *const timing_names[T__COUNT] = { "model", "prebuild", "swap", "recalc",
                                                    "filter-key", "action", "draw" };
static struct {
    bool is_on;
    double max_ms[T__COUNT], sum_ms[T__COUNT];
    unsigned count[T__COUNT];
    double launch_s;       /* screen_run entered (monotonic) */
    double first_fetch_ms; /* how long the first successful list took */
    double first_screen_s; /* the first screen with data was drawn, 0 = not yet */
} timing;

static volatile sig_atomic_t got_term_signal;

static void on_term_signal(int sig)
{
    (void)sig;
    got_term_signal = 1;
}

static double mono_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void timing_add_ms(int what, double ms)
{
    if (!timing.is_on)
        return;
    timing.sum_ms[what] += ms;
    timing.count[what]++;
    if (ms > timing.max_ms[what])
        timing.max_ms[what] = ms;
}

static void timing_add(int what, double t0)
{
    if (timing.is_on)
        timing_add_ms(what, (mono_s() - t0) * 1000.0);
}

static void timing_report(void)
{
    if (!timing.is_on)
        return;
    if (timing.first_screen_s > 0) {
        double total_ms = (timing.first_screen_s - timing.launch_s) * 1000.0;
        fprintf(stderr,
                "armortop: timing first-screen %.1f ms after launch (list %.1f ms, then %.1f ms "
                "to the screen)\n",
                total_ms, timing.first_fetch_ms, total_ms - timing.first_fetch_ms);
    }
    for (int i = 0; i < T__COUNT; i++)
        if (timing.count[i])
            fprintf(stderr, "armortop: timing %-10s n=%-5u avg %8.3f ms  max %8.3f ms\n",
                    timing_names[i], timing.count[i], timing.sum_ms[i] / timing.count[i],
                    timing.max_ms[i]);
}

/* ---- log sink and allocation-failure hook ---------------------------------- */

static pthread_mutex_t log_mu = PTHREAD_MUTEX_INITIALIZER;
static char log_msg[512];
static bool has_log_msg;

static void log_to_status(enum core_log_level level, const char *msg, void *ud)
{
    (void)ud;
    if (level < CORE_LOG_WARN)
        return;
    pthread_mutex_lock(&log_mu);
    snprintf(log_msg, sizeof log_msg, "%s", msg);
    has_log_msg = true;
    pthread_mutex_unlock(&log_mu);
}

static void xalloc_fail(size_t size)
{
    (void)size;
    endwin();
}

/* ---- messages ---------------------------------------------------------------- */

static void set_msg(struct screen *s, bool is_error, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void set_msg(struct screen *s, bool is_error, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->msg, sizeof s->msg, fmt, ap);
    va_end(ap);
    s->is_msg_error = is_error;
    s->is_msg_refreshing = false;
    s->msg_until = s->is_headless ? 1e300 : mono_s() + 5.0;
    s->is_dirty = true;
}

/* ---- panes ------------------------------------------------------------------- */

static struct pane *top(struct screen *s)
{
    return s->stack[s->view][s->depth[s->view] - 1];
}

static void ensure_fresh(struct screen *s, struct pane *p)
{
    if (p->model_gen != s->model.generation || p->table.ncols == 0 || p->model_gen == 0) {
        double t0 = mono_s();
        pane_refresh(p, &s->model);
        timing_add(T_RECALC, t0);
    }
}

static void request_source(struct screen *s, const char *name, bool is_forced);

static void push_pane(struct screen *s, const struct pane_req *req)
{
    int v = s->view;
    if (s->depth[v] == STACK_MAX) {
        set_msg(s, true, "too deep: press Esc first");
        return;
    }
    if (req->kind == PANE_PROFILE)
        request_source(s, req->profile, false);
    struct pane *p = pane_new(pane_ops_of(req->kind), req);
    p->width_hint = s->lay.body.w;
    pane_refresh(p, &s->model);
    s->stack[v][s->depth[v]++] = p;
    s->is_dirty = true;
}

static void pop_pane(struct screen *s)
{
    int v = s->view;
    if (s->depth[v] <= 1)
        return;
    pane_free(&s->stack[v][--s->depth[v]]);
    ensure_fresh(s, top(s));
    s->is_dirty = true;
}

static void switch_view(struct screen *s, int v)
{
    if (v < 0 || v >= VIEW_N)
        return;
    s->view = v;
    ensure_fresh(s, top(s));
    s->is_dirty = true;
}

static int view_of_kind(enum pane_kind k)
{
    for (int v = 0; v < VIEW_N; v++)
        if (view_kinds[v] == k)
            return v;
    return 0;
}

/* ---- the model ------------------------------------------------------------- */

static bool same_str(const char *a, const char *b)
{
    return a && b && strcmp(a, b) == 0;
}

/* Is snap the same data as the model's (every list at the same
 * resourceVersion, same namespace)? Then nothing needs recalculating. */
static bool is_unchanged(const struct screen *s, const struct kube_snapshot *snap,
                         const char *ns)
{
    const struct kube_snapshot *cur = s->model.snap;
    return s->has_data && cur && strcmp(ns, s->model_ns) == 0 &&
           same_str(cur->nodes_rv, snap->nodes_rv) && same_str(cur->pods_rv, snap->pods_rv) &&
           same_str(cur->events_rv, snap->events_rv);
}

static void take_job_results(struct screen *s);

/* Find the live pane with this id (any view, any depth), or NULL. */
static struct pane *pane_by_id(struct screen *s, unsigned long id)
{
    for (int v = 0; v < VIEW_N; v++)
        for (int d = 0; d < s->depth[v]; d++)
            if (s->stack[v][d]->id == id)
                return s->stack[v][d];
    return NULL;
}

/* Swap in the model the worker built (and the rows of the pane it built
 * them for): pointer moves and a selection lookup. The old model goes back
 * to the worker to be freed. */
static void swap_model(struct screen *s, struct worker_result *r)
{
    struct tmodel *old = xmalloc(sizeof *old);
    *old = s->model;
    s->model = *r->model;
    free(r->model);
    r->model = NULL;
    s->model.generation = old->generation + 1;
    s->model.extra = &s->extra;
    s->model.ns = s->model_ns[0] ? s->model_ns : NULL;
    worker_dispose(s->worker, old);
    timing_add_ms(T_MODEL, r->model_ms);
    bool is_paused_ok = r->pause_epoch == s->pause_epoch;
    if (!is_paused_ok) /* paused or resumed while it was built: the screen's copy */
        tmodel_set_denial_fleet(&s->model, s->frozen);
    if (r->specs[0].id)
        timing_add_ms(T_PREBUILD, r->pane_ms);
    for (size_t i = 0; i < WORKER_PANES; i++) {
        struct pane *p = r->panes[i] ? pane_by_id(s, r->specs[i].id) : NULL;
        if (p && is_paused_ok &&
            pane_adopt(p, r->panes[i], &r->specs[i], s->extra.is_utf8, s->extra.is_paused,
                       s->model.generation))
            pane_free(&r->panes[i]); /* p's old rows */
    }
}

static void take_results(struct screen *s)
{
    struct worker_result *r = worker_take(s->worker);
    if (!r) {
        take_job_results(s);
        return;
    }
    double t_swap = mono_s();
    s->results++;
    s->is_waiting_refresh = s->is_waiting_jobs; /* <Wait-jobs>: the jobs first */
    if (s->is_msg_refreshing) {
        s->msg[0] = '\0';
        s->is_msg_refreshing = false;
    }
    bool is_new = r->rc == 0 && (r->model || r->snap);
    if (r->rc == 0 && r->model) {
        snprintf(s->model_ns, sizeof s->model_ns, "%s", r->ns);
        if (!s->has_data)
            timing.first_fetch_ms = r->fetch_ms;
        snprintf(s->agent_err, sizeof s->agent_err, "%s", r->agent_err);
        swap_model(s, r);
        s->has_data = true;
        s->is_stale = false;
        s->last_ok_mono = mono_s();
        ensure_fresh(s, top(s)); /* nothing to do when the worker built its rows */
    } else if (r->rc == 0 && r->snap) {
        /* the worker saw the data of the last model it built (and ages are
         * younger than 10 s: it rebuilds after that); r->snap only holds the
         * resourceVersions */
        s->is_stale = false;
        s->last_ok_mono = mono_s();
        if (!is_unchanged(s, r->snap, r->ns) || r->fleet || s->model.fleet)
            worker_rebuild(s->worker); /* that model never reached us */
    } else {
        char buf[1024];
        kerr_format(&r->err, buf, sizeof buf);
        snprintf(s->stale_err, sizeof s->stale_err, "%s", buf);
        s->is_stale = true;
    }
    worker_result_free(&r);
    if (is_new) /* plus the draw that shows it (main loop) */
        s->swap_ms += (mono_s() - t_swap) * 1000.0;
    /* after the snapshot: a job that answered wants the refresh after it */
    take_job_results(s);
    s->is_dirty = true;
}

/* Tell the worker which panes to build rows for with the next model: the
 * one on top of each view (the shown one first), as they are now (filter,
 * sort, width), so neither a new snapshot nor the view switch after it
 * waits for rows. Cheap: a compare per loop, a copy under the worker's lock
 * when one changed. */
static void send_specs(struct screen *s)
{
    struct pane_spec specs[VIEW_N];
    bool is_same = true;
    for (int i = 0; i < VIEW_N; i++) {
        int v = (s->view + i) % VIEW_N;
        pane_spec_of(s->stack[v][s->depth[v] - 1], s->extra.is_utf8, s->extra.is_paused,
                     &specs[i]);
        is_same = is_same && pane_spec_equal(&specs[i], &s->sent_specs[i]);
    }
    if (is_same)
        return;
    memcpy(s->sent_specs, specs, sizeof specs);
    worker_set_specs(s->worker, specs, VIEW_N);
}

/* ---- drawing ------------------------------------------------------------------ */

struct seg_line {
    WINDOW *w;
    int y, x, end;
};

static void seg(struct seg_line *l, const char *text, int te)
{
    if (l->x >= l->end)
        return;
    l->x += draw_clip(l->w, l->y, l->x, l->end - l->x, text, te);
}

static void segf(struct seg_line *l, int te, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void segf(struct seg_line *l, int te, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    seg(l, buf, te);
}

static void draw_banner(struct screen *s);

static void draw_header(struct screen *s)
{
    struct rect r = s->lay.header;
    if (r.h == 0)
        return;
    if (s->lay.has_banner) {
        draw_banner(s);
        return;
    }
    WINDOW *w = stdscr;
    const struct tmodel_counts *c = &s->model.counts;
    for (int i = 0; i < r.h; i++)
        draw_fill(w, r.y + i, 0, r.w, TE_HEADER, NULL);
    /* badges on the right */
    char badges[64] = "";
    if (s->opts->is_kiosk)
        strcat(badges, "[KIOSK] ");
    else if (s->gate.is_readonly)
        strcat(badges, "[READ-ONLY] ");
    int bw = text_width(badges);
    struct seg_line l = { w, r.y, 0, r.w - bw };
    seg(&l, " armortop ", TE_HEADER);
    seg(&l, " ctx ", TE_HEADER_KEY);
    seg(&l, s->context, TE_HEADER_VALUE);
    /* the server only when there is room for everything else too */
    if (r.w - bw - text_width(s->context) - text_width(s->server) >= 64)
        segf(&l, TE_HEADER_KEY, " (%s)", s->server);
    seg(&l, "   nodes ", TE_HEADER_KEY);
    if (s->has_data)
        segf(&l, TE_HEADER_VALUE, "%zu", c->nodes);
    else
        seg(&l, "?", TE_DIM);
    if (s->has_data && s->model.fleet) {
        seg(&l, " (agents ", TE_HEADER_KEY);
        segf(&l, c->agents_up < c->agents_total ? TE_STATUS_MISMATCH : TE_HEADER_VALUE,
             "%zu/%zu", c->agents_up, c->agents_total);
        seg(&l, ")", TE_HEADER_KEY);
        seg(&l, "   profiles ", TE_HEADER_KEY);
        segf(&l, TE_HEADER_VALUE, "%zu", c->profiles);
    } else if (s->has_data) {
        seg(&l, s->agent_err[0] ? " (agents: error)" : " (no agents)", TE_DIM);
    }
    seg(&l, "   age ", TE_HEADER_KEY);
    if (!s->has_data) {
        seg(&l, s->is_stale ? "no data" : "loading", s->is_stale ? TE_STALE : TE_DIM);
    } else {
        double age = s->is_now_pinned ? 0 : mono_s() - s->last_ok_mono;
        segf(&l, s->is_stale ? TE_STALE : TE_HEADER_VALUE, "%.0fs%s", age,
             s->is_stale ? " stale" : "");
    }
    if (bw)
        draw_str(w, r.y, r.w - bw, bw, badges, TE_BADGE, false);
    if (r.h < 2)
        return;
    l = (struct seg_line){ w, r.y + 1, 0, r.w };
    if (s->has_data) {
        bool is_narrow = r.w < 100;
        segf(&l, TE_HEADER_KEY, " pods %zu: ", c->pods);
        segf(&l, TE_STATUS_OK, "confined %zu", c->confined);
        segf(&l, c->unconfined ? TE_STATUS_UNCONFINED : TE_HEADER_KEY, "  %s %zu",
             is_narrow && s->model.fleet ? "unconf" : "unconfined", c->unconfined);
        if (s->model.fleet)
            segf(&l, c->complain ? TE_STATUS_COMPLAIN : TE_HEADER_KEY, "  complain %zu",
                 c->complain);
        else
            seg(&l, "  complain —", TE_DIM);
        segf(&l, c->blocked ? TE_STATUS_BLOCKED : TE_HEADER_KEY, "  blocked %zu", c->blocked);
        if (s->model.fleet && c->mismatch && !is_narrow)
            segf(&l, TE_STATUS_MISMATCH, "  mismatch %zu", c->mismatch);
        if (s->model.fleet) {
            char spark[64];
            unsigned half[TMODEL_SPARK_N / 2];
            for (size_t k = 0; k < TMODEL_SPARK_N / 2; k++)
                half[k] = c->spark[2 * k] + c->spark[2 * k + 1];
            segf(&l, TE_HEADER_KEY, is_narrow ? "  denials/5m " : "   denials/5m ");
            segf(&l, c->denials_5m ? TE_STATUS_BLOCKED : TE_HEADER_VALUE, "%llu ",
                 (unsigned long long)c->denials_5m);
            if (s->extra.is_paused)
                seg(&l, "PAUSED ", TE_BADGE);
            if (is_narrow)
                seg(&l, tmodel_sparkline(half, TMODEL_SPARK_N / 2, s->extra.is_utf8, spark,
                                         sizeof spark),
                    TE_STATUS_COMPLAIN);
            else
                seg(&l, tmodel_sparkline(c->spark, TMODEL_SPARK_N, s->extra.is_utf8, spark,
                                         sizeof spark),
                    TE_STATUS_COMPLAIN);
        }
        if (!is_narrow || !s->model.fleet)
            segf(&l, TE_HEADER_KEY, "   ns %s", s->ns[0] ? s->ns : "all");
        if (r.w >= 120)
            segf(&l, TE_HEADER_KEY, "   containers %zu", c->containers);
    } else {
        seg(&l, " pods ?", TE_DIM);
    }
    if (s->is_stale)
        seg(&l, "   refresh failed", TE_STALE);
}

/* One figure of the kiosk banner: its text in large type, its label, its element. */
struct banner_fig {
    char text[32];
    const char *label;
    int te;
};

static void banner_count(struct banner_fig *f, const char *label, bool is_known, uint64_t n,
                         int te_nonzero)
{
    f->label = label;
    if (!is_known) {
        snprintf(f->text, sizeof f->text, "-");
        f->te = TE_DIM;
    } else {
        snprintf(f->text, sizeof f->text, "%llu", (unsigned long long)n);
        f->te = n ? te_nonzero : TE_STATUS_OK;
    }
}

/* Draw one figure centred in the w columns at x: large type when it fits
 * (shortened to thousands first), plain text on the middle row otherwise. */
static void banner_draw_fig(WINDOW *w, int y, int x, int cw, const struct banner_fig *f,
                            bool is_utf8)
{
    char text[40], r0[128], r1[128], r2[128];
    char *const rows[TEXT_BIG_H] = { r0, r1, r2 };
    _Static_assert(sizeof text >= sizeof f->text, "banner text");
    memcpy(text, f->text, sizeof f->text);
    int bw = text_big_width(text);
    if (bw > cw - 1 && strchr(text, '/') == NULL && strlen(text) > 3) {
        /* 12345 -> 12k */
        unsigned long long v = strtoull(f->text, NULL, 10);
        snprintf(text, sizeof text, "%lluk", v / 1000);
        bw = text_big_width(text);
    }
    if (bw > 0 && bw <= cw - 1 && text_big(text, is_utf8, rows, sizeof r0) == bw) {
        for (int i = 0; i < TEXT_BIG_H; i++)
            draw_clip(w, y + i, x + (cw - bw) / 2, bw, rows[i], f->te);
    } else {
        int tw = text_width(f->text);
        if (tw > cw - 1)
            tw = cw - 1;
        draw_str(w, y + 1, x + (cw - tw) / 2, tw, f->text, f->te, false);
    }
    int lw = text_width(f->label);
    if (lw > cw - 1)
        lw = cw - 1;
    draw_str(w, y + TEXT_BIG_H, x + (cw - lw) / 2, lw, f->label,
             f->te == TE_STATUS_OK ? TE_DIM : f->te, false);
}

/* The kiosk's large-type header (layout has_banner): context and data age on
 * the first line, then the headline figures in large type over their labels. */
static void draw_banner(struct screen *s)
{
    struct rect r = s->lay.header;
    WINDOW *w = stdscr;
    const struct tmodel_counts *c = &s->model.counts;
    draw_fill(w, r.y, 0, r.w, TE_HEADER, NULL);
    const char *badge = "[KIOSK] ";
    int bw = text_width(badge);
    struct seg_line l = { w, r.y, 0, r.w - bw };
    seg(&l, " armortop ", TE_HEADER);
    seg(&l, " ctx ", TE_HEADER_KEY);
    seg(&l, s->context, TE_HEADER_VALUE);
    seg(&l, "   age ", TE_HEADER_KEY);
    if (!s->has_data) {
        seg(&l, s->is_stale ? "no data" : "loading", s->is_stale ? TE_STALE : TE_DIM);
    } else {
        double age = s->is_now_pinned ? 0 : mono_s() - s->last_ok_mono;
        segf(&l, s->is_stale ? TE_STALE : TE_HEADER_VALUE, "%.0fs%s", age,
             s->is_stale ? " stale" : "");
    }
    if (s->has_data && !s->model.fleet) /* why mismatch, complain, denials, agents are "-" */
        seg(&l, s->agent_err[0] ? "   agents: error" : "   no agents", TE_DIM);
    if (s->is_stale)
        seg(&l, "   refresh failed", TE_STALE);
    draw_str(w, r.y, r.w - bw, bw, badge, TE_BADGE, false);

    enum { FIG_N = 6 };
    struct banner_fig figs[FIG_N];
    bool has_fleet = s->has_data && s->model.fleet;
    banner_count(&figs[0], "unconfined", s->has_data, c->unconfined, TE_STATUS_UNCONFINED);
    banner_count(&figs[1], "blocked", s->has_data, c->blocked, TE_STATUS_BLOCKED);
    banner_count(&figs[2], "mismatch", has_fleet, c->mismatch, TE_STATUS_MISMATCH);
    banner_count(&figs[3], "complain", has_fleet, c->complain, TE_STATUS_COMPLAIN);
    banner_count(&figs[4], "denials/5m", has_fleet, c->denials_5m, TE_STATUS_BLOCKED);
    figs[5].label = "agents up";
    if (has_fleet) {
        snprintf(figs[5].text, sizeof figs[5].text, "%zu/%zu", c->agents_up, c->agents_total);
        figs[5].te = c->agents_up < c->agents_total ? TE_STATUS_MISMATCH : TE_STATUS_OK;
    } else {
        snprintf(figs[5].text, sizeof figs[5].text, "-");
        figs[5].te = TE_DIM;
    }
    if (!s->has_data) /* nothing known yet: a question mark, not a zero */
        for (int i = 0; i < FIG_N; i++)
            snprintf(figs[i].text, sizeof figs[i].text, "?");
    int cw = r.w / FIG_N, x0 = (r.w - cw * FIG_N) / 2;
    for (int i = 0; i < FIG_N; i++)
        banner_draw_fig(w, r.y + 1, x0 + i * cw, cw, &figs[i], s->extra.is_utf8);
}

static void draw_title(struct screen *s)
{
    struct rect r = s->lay.title;
    if (r.h == 0)
        return;
    WINDOW *w = stdscr;
    struct pane *p = top(s);
    draw_fill(w, r.y, 0, r.w, TE_BORDER, "─");
    char right[512], pos[64];
    size_t n = p->table.nview;
    snprintf(pos, sizeof pos, "%zu/%zu", n ? p->sel + 1 : 0, n);
    if (p->filter.text)
        snprintf(right, sizeof right, " filter: %s ", p->filter.text);
    else
        right[0] = '\0';
    int pw = text_width(pos) + 2, fw = text_width(right);
    int x_right = r.w - 2 - pw;
    /* breadcrumb of the stack */
    struct seg_line l = { w, r.y, 2, x_right - (fw ? fw + 1 : 0) - 2 };
    for (int i = 0; i < s->depth[s->view]; i++) {
        struct pane *q = s->stack[s->view][i];
        if (i)
            seg(&l, " › ", TE_BORDER);
        else
            seg(&l, " ", TE_TITLE);
        seg(&l, q->title, TE_TITLE);
    }
    seg(&l, " ", TE_TITLE);
    if (fw && x_right - fw - 1 > l.x)
        draw_str(w, r.y, x_right - fw - 1, fw, right, TE_FILTER, false);
    if (x_right > 0) {
        char pb[80];
        snprintf(pb, sizeof pb, " %s ", pos);
        draw_str(w, r.y, x_right, pw, pb, TE_TITLE, false);
    }
}

/* Agents whose last poll failed: the first by name and why, and how many more.
 * false when every agent answered (or there are none). */
static bool agent_trouble(const struct agent_fleet *f, char *buf, size_t len)
{
    size_t bad = 0;
    const struct agent_node *first = NULL;
    for (size_t i = 0; f && i < f->node_count; i++) {
        const struct agent_node *n = &f->nodes[i];
        if (n->state == AGENT_STATE_STALE || n->state == AGENT_STATE_UNREACHABLE ||
            n->state == AGENT_STATE_UNAUTHORIZED) {
            if (!first)
                first = n;
            bad++;
        }
    }
    if (!first)
        return false;
    char more[64] = "";
    if (bad > 1)
        snprintf(more, sizeof more, " (and %zu more agents: see Nodes)", bad - 1);
    /* the reason first: the request URL (node details show it) would fill the line */
    const char *why = first->error ? first->error : "no answer yet";
    if (strncmp(why, "http://", 7) == 0 || strncmp(why, "https://", 8) == 0) {
        const char *colon = strstr(why + 8, ": ");
        if (colon && colon[2])
            why = colon + 2;
    }
    snprintf(buf, len, "agent on %s %s%s: %s", first->node, agent_state_name(first->state), more,
             why);
    return true;
}

static void draw_status(struct screen *s)
{
    struct rect r = s->lay.status;
    if (r.h == 0)
        return;
    WINDOW *w = stdscr;
    draw_fill(w, r.y, 0, r.w, TE_NORMAL, NULL);
    if (s->mode == MODE_CONFIRM) {
        int used = draw_clip(w, r.y, 0, r.w - 1, s->confirm_q, TE_PROMPT);
        wmove(w, r.y, used < r.w ? used : r.w - 1);
        return;
    }
    if (s->mode != MODE_NORMAL) {
        char line[600];
        snprintf(line, sizeof line, "%c%s", s->mode == MODE_FILTER ? '/' : ':', s->prompt);
        int used = draw_clip(w, r.y, 0, r.w - 1, line, TE_PROMPT);
        if (s->mode == MODE_FILTER && top(s)->filter.err[0])
            draw_clip(w, r.y, used + 2, r.w - used - 2, top(s)->filter.err, TE_ERROR);
        wmove(w, r.y, used < r.w ? used : r.w - 1);
        return;
    }
    if (s->msg[0] && mono_s() < s->msg_until) {
        draw_clip(w, r.y, 1, r.w - 1, s->msg, s->is_msg_error ? TE_ERROR : TE_INFO);
        return;
    }
    s->msg[0] = '\0';
    if (s->is_stale) {
        /* until a refresh succeeds again: what failed, and that the data is old */
        char line[1400];
        snprintf(line, sizeof line, "%s: %s",
                 s->has_data ? "refresh failed, showing the last good data"
                             : "cannot read the cluster (retrying)",
                 s->stale_err);
        draw_clip(w, r.y, 1, r.w - 1, line, TE_ERROR);
        return;
    }
    char trouble[700];
    if (s->has_data && agent_trouble(s->model.fleet, trouble, sizeof trouble)) {
        /* the cluster answered but some nodes' agents did not: their rows are stale */
        draw_clip(w, r.y, 1, r.w - 1, trouble, TE_STALE);
        return;
    }
    if (s->opts->is_kiosk)
        return;
    static const enum action_id hints[] = { ACT_ENTER, ACT_BACK, ACT_FILTER, ACT_COMMAND,
                                            ACT_SORT_NEXT, ACT_HELP, ACT_QUIT };
    static const char *const words[] = { "open", "back", "filter", "command", "sort", "help",
                                         "quit" };
    struct pane *p = top(s);
    struct seg_line l = { w, r.y, 1, r.w };
    for (size_t i = 0; i < sizeof hints / sizeof hints[0]; i++) {
        if (hints[i] == ACT_BACK && s->depth[s->view] <= 1 && !p->filter.text)
            continue;
        if (hints[i] == ACT_ENTER &&
            (p->ops == &pane_detail_ops || p->ops == &pane_help_ops ||
             p->ops == &pane_profile_ops || p->ops == &pane_denial_ops ||
             p->ops == &pane_results_ops || (p->ops == &pane_denials_ops && !p->table.nview)))
            continue;
        char keys[64], first[32];
        keymap_keys_for(hints[i], p->ops->name, keys, sizeof keys);
        if (!keys[0])
            continue;
        sscanf(keys, "%31s", first);
        seg(&l, first, TE_KEY);
        segf(&l, TE_NORMAL, " %s  ", words[i]);
    }
    seg(&l, "1-5", TE_KEY);
    seg(&l, " views  ", TE_NORMAL);
    if (s->gate.is_readonly) {
        const char *ro = "read-only: load/unload disabled ";
        int rw = text_width(ro);
        if (r.w - rw > l.x)
            draw_str(w, r.y, r.w - rw, rw, ro, TE_DIM, false);
    }
}

static void draw_all_(struct screen *s);

static void draw_all(struct screen *s)
{
    double t0 = mono_s();
    draw_all_(s);
    timing_add(T_DRAW, t0);
}

static void draw_all_(struct screen *s)
{
    if (s->opts->is_kiosk)
        layout_compute_kiosk(LINES, COLS, &s->lay);
    else
        layout_compute(LINES, COLS, &s->lay);
    werase(stdscr);
    if (s->lay.is_too_small) {
        draw_clip(stdscr, 0, 0, COLS, "terminal too small", TE_ERROR);
        wnoutrefresh(stdscr);
        doupdate();
        return;
    }
    struct pane *p = top(s);
    if (p->width_hint != s->lay.body.w) {
        p->width_hint = s->lay.body.w;
        if (p->ops->is_width_dependent)
            p->model_gen = 0;
    }
    ensure_fresh(s, p);
    draw_header(s);
    struct draw_target d = { stdscr, s->lay.body };
    if (p->ops->draw)
        p->ops->draw(p, &d);
    else
        pane_draw_table(p, &d);
    draw_title(s);
    draw_status(s);
    if (s->mode == MODE_NORMAL)
        curs_set(0);
    else
        curs_set(1);
    if (s->mode == MODE_NORMAL)
        wmove(stdscr, s->lay.status.y, 0);
    else
        draw_status(s); /* leaves the cursor at the prompt */
    wnoutrefresh(stdscr);
    doupdate();
    s->is_dirty = false;
}

/* ---- dump-screen -------------------------------------------------------------- */

static int dump_screen(const char *path, char *err, size_t err_len)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        snprintf(err, err_len, "%s: %s", path, strerror(errno));
        return -1;
    }
    int cols = COLS;
    wchar_t *wbuf = xcalloc((size_t)cols + 1, sizeof *wbuf);
    char *line = xmalloc((size_t)cols * MB_CUR_MAX + 1);
    for (int y = 0; y < LINES; y++) {
        wmemset(wbuf, 0, (size_t)cols + 1);
        mvwinnwstr(stdscr, y, 0, wbuf, cols);
        size_t o = 0;
        mbstate_t st;
        memset(&st, 0, sizeof st);
        for (int i = 0; wbuf[i]; i++) {
            size_t n = wcrtomb(line + o, wbuf[i], &st);
            if (n == (size_t)-1) {
                line[o] = '?';
                n = 1;
            }
            o += n;
        }
        while (o > 0 && line[o - 1] == ' ')
            o--;
        line[o] = '\0';
        fprintf(f, "%s\n", line);
    }
    free(line);
    free(wbuf);
    if (fclose(f) != 0) {
        snprintf(err, err_len, "%s: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

/* ---- actions ---------------------------------------------------------------- */

static bool gate(struct screen *s, enum action_id act)
{
    struct kerr e = { 0 };
    if (actions_check(&s->gate, action_desc(act), &e) == 0)
        return true;
    if (!s->opts->is_kiosk) /* a kiosk says nothing: nothing changes */
        set_msg(s, true, "%s", e.msg);
    return false;
}

static void do_action(struct screen *s, enum action_id act);
static void cmd_load(struct screen *s, char *arg);
static void profile_action(struct screen *s, struct pane *p, enum action_id act);
static void toggle_pause(struct screen *s);
static void copy_clip(struct screen *s, struct pane *p);

static void run_command(struct screen *s, char *cmd)
{
    char *save = NULL;
    char *verb = strtok_r(cmd, " \t", &save);
    char *arg = verb ? strtok_r(NULL, "", &save) : NULL;
    while (arg && (*arg == ' ' || *arg == '\t'))
        arg++;
    if (!verb)
        return;
    static const char *const views[VIEW_N] = { "pods", "nodes", "profiles", "denials",
                                               "findings" };
    for (int v = 0; v < VIEW_N; v++) {
        if (strcmp(verb, views[v]) == 0) {
            do_action(s, (enum action_id)(ACT_VIEW_PODS + v));
            return;
        }
    }
    if (!strcmp(verb, "q") || !strcmp(verb, "quit") || !strcmp(verb, "q!")) {
        do_action(s, ACT_QUIT);
    } else if (!strcmp(verb, "help")) {
        do_action(s, ACT_HELP);
    } else if (!strcmp(verb, "refresh")) {
        do_action(s, ACT_REFRESH);
    } else if (!strcmp(verb, "ns") || !strcmp(verb, "namespace")) {
        if (!arg || !*arg) {
            set_msg(s, false, "namespace: %s", s->ns[0] ? s->ns : "all");
            return;
        }
        snprintf(s->ns, sizeof s->ns, "%s", strcmp(arg, "all") == 0 ? "" : arg);
        worker_set_ns(s->worker, s->ns);
        set_msg(s, false, "namespace %s: refreshing...", s->ns[0] ? s->ns : "all");
        s->is_msg_refreshing = true;
    } else if (!strcmp(verb, "sort")) {
        if (pane_sort_by(top(s), arg) != 0)
            set_msg(s, true, "sort: no column '%s' here", arg);
        s->is_dirty = true;
    } else if (!strcmp(verb, "theme")) {
        if (!gate(s, ACT_THEME))
            return;
        char warn[512];
        if (theme_load(arg && *arg ? arg : "default", warn, sizeof warn) != 0)
            set_msg(s, true, "%s", warn);
        else if (warn[0])
            set_msg(s, true, "theme %s: %s", theme_name(), warn);
        else
            set_msg(s, false, "theme %s%s", theme_name(), theme_is_mono() ? " (no colours)" : "");
        clearok(curscr, TRUE);
    } else if (!strcmp(verb, "load")) {
        cmd_load(s, arg);
    } else if (!strcmp(verb, "pause")) {
        do_action(s, ACT_PAUSE);
    } else if (!strcmp(verb, "dump-screen")) {
        if (!gate(s, ACT_DUMP_SCREEN))
            return;
        if (!arg || !*arg) {
            set_msg(s, true, "dump-screen needs a PATH");
            return;
        }
        char err[600];
        draw_all(s); /* dump what the user sees now */
        if (dump_screen(arg, err, sizeof err) != 0)
            set_msg(s, true, "dump-screen: %s", err);
    } else {
        set_msg(s, true, "unknown command :%s (press ? for help)", verb);
    }
}

/* ---- profile actions ------------------------------------------------------------ */

static void pending_done(struct pending *pd)
{
    for (size_t i = 0; i < pd->count; i++)
        free(pd->nodes[i]);
    free(pd->nodes);
    free(pd->text);
    memset(pd, 0, sizeof *pd);
}

static void pending_add_node(struct pending *pd, const char *node)
{
    pd->nodes = xreallocarray(pd->nodes, pd->count + 1, sizeof *pd->nodes);
    pd->nodes[pd->count++] = xstrdup(node);
}

static void action_clear(struct tui_extra *x)
{
    struct taction_result *a = &x->action;
    free(a->title);
    for (size_t i = 0; i < a->plan_count; i++)
        free(a->plan[i]);
    free(a->plan);
    for (size_t i = 0; i < a->count; i++) {
        free(a->lines[i].node);
        free(a->lines[i].text);
        free(a->lines[i].diagnostics);
    }
    free(a->lines);
    memset(a, 0, sizeof *a);
}

static void action_plan(struct screen *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void action_plan(struct screen *s, const char *fmt, ...)
{
    struct taction_result *a = &s->extra.action;
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    a->plan = xreallocarray(a->plan, a->plan_count + 1, sizeof *a->plan);
    a->plan[a->plan_count++] = xstrdup(buf);
}

static void sources_drop(struct screen *s, const char *name)
{
    struct tui_extra *x = &s->extra;
    for (size_t i = 0; i < x->source_count; i++) {
        if (strcmp(x->sources[i].name, name) != 0)
            continue;
        free(x->sources[i].name);
        free(x->sources[i].node);
        free(x->sources[i].text);
        free(x->sources[i].error);
        x->sources[i] = x->sources[--x->source_count];
        return;
    }
}

static struct tsource *sources_put(struct screen *s, const char *name)
{
    sources_drop(s, name);
    struct tui_extra *x = &s->extra;
    x->sources = xreallocarray(x->sources, x->source_count + 1, sizeof *x->sources);
    struct tsource *t = &x->sources[x->source_count++];
    memset(t, 0, sizeof *t);
    t->name = xstrdup(name);
    return t;
}

static void sources_free(struct screen *s)
{
    while (s->extra.source_count)
        sources_drop(s, s->extra.sources[0].name);
    free(s->extra.sources);
    s->extra.sources = NULL;
}

/* Nodes whose agent has data and (is_loaded) has name loaded / (!is_loaded) any. */
static void fleet_nodes(const struct screen *s, const char *name, bool is_loaded,
                        struct pending *pd)
{
    const struct agent_fleet *f = s->model.fleet;
    for (size_t i = 0; f && i < f->node_count; i++) {
        const struct agent_node *n = &f->nodes[i];
        if (n->state == AGENT_STATE_NONE || !n->has_data)
            continue;
        if (is_loaded && !agent_node_find_profile(n, name))
            continue;
        pending_add_node(pd, n->node);
    }
}

static void nodes_list(const struct pending *pd, char *buf, size_t len)
{
    size_t o = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < pd->count && o < len; i++) {
        if (i == 6) {
            snprintf(buf + o, len - o, ", ... (%zu in all)", pd->count);
            return;
        }
        o += (size_t)snprintf(buf + o, len - o, "%s%s", i ? ", " : "", pd->nodes[i]);
    }
}

static void model_touched(struct screen *s)
{
    s->model.generation++;
    ensure_fresh(s, top(s));
    s->is_dirty = true;
}

/* Show the plan in a results pane and ask. Takes the pending action. */
static void ask(struct screen *s, const char *question)
{
    s->extra.action.is_asked = true;
    snprintf(s->confirm_q, sizeof s->confirm_q, "%s [y/n] ", question);
    if (top(s)->ops != &pane_results_ops) {
        struct pane_req req = { .kind = PANE_RESULTS };
        push_pane(s, &req);
    }
    s->mode = MODE_CONFIRM;
    model_touched(s);
}

static void submit_pending(struct screen *s)
{
    struct pending *pd = &s->pending;
    struct taction_result *a = &s->extra.action;
    struct worker_job *j = worker_job_new(pd->kind, pd->profile, (const char *const *)pd->nodes,
                                          pd->count);
    j->text = pd->text;
    j->text_len = pd->text_len;
    pd->text = NULL;
    j->mode = pd->mode[0] ? xstrdup(pd->mode) : NULL;
    j->is_force = pd->is_force;
    a->is_asked = false;
    a->is_sent = true;
    a->is_done = false;
    a->lines = xcalloc(pd->count ? pd->count : 1, sizeof *a->lines);
    a->count = pd->count;
    for (size_t i = 0; i < pd->count; i++) {
        a->lines[i].node = xstrdup(pd->nodes[i]);
        a->lines[i].text = xstrdup("...");
        a->lines[i].line = -1;
    }
    worker_submit(s->worker, j);
    s->jobs_out++;
    pending_done(pd);
    model_touched(s);
}

static void confirm_key(struct screen *s, int key)
{
    bool is_no = key == 'n' || key == 'N' || key == 'q' || key == TKEY_ESC ||
                 key == TKEY_CTRL('c') || key == TKEY_CTRL('g');
    if (key != 'y' && key != 'Y' && !is_no)
        return; /* a stray key neither confirms nor cancels */
    s->mode = MODE_NORMAL;
    if (key == 'y' || key == 'Y') {
        submit_pending(s);
        set_msg(s, false, "sent to the agents...");
        return;
    }
    pending_done(&s->pending);
    action_clear(&s->extra);
    if (top(s)->ops == &pane_results_ops)
        pop_pane(s);
    set_msg(s, false, "cancelled: nothing was changed");
    model_touched(s);
}

static const struct profile_row *find_prow(const struct screen *s, const char *name)
{
    for (size_t i = 0; i < s->model.profile_row_count; i++)
        if (!s->model.profile_rows[i].ns && strcmp(s->model.profile_rows[i].name, name) == 0)
            return &s->model.profile_rows[i];
    return NULL;
}

/* Fetch the source of name from the nodes that have it (once; cached). */
static void request_source(struct screen *s, const char *name, bool is_forced)
{
    if (!s->model.fleet || !name[0] || (!is_forced && tui_extra_source(&s->extra, name)))
        return;
    struct pending pd = { 0 };
    fleet_nodes(s, name, true, &pd);
    if (pd.count) {
        struct tsource *t = sources_put(s, name);
        t->error = xstrdup("reading it from the agents...");
        worker_submit(s->worker, worker_job_new(WJOB_GET_SOURCE, name,
                                                (const char *const *)pd.nodes, pd.count));
        s->jobs_out++;
    }
    pending_done(&pd);
}

static int read_file(const char *path, char **out, size_t *len, char *err, size_t err_len)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, err_len, "%s: %s", path, strerror(errno));
        return -1;
    }
    size_t cap = 4096, n = 0;
    char *buf = xmalloc(cap);
    size_t k;
    while ((k = fread(buf + n, 1, cap - n - 1, f)) > 0) {
        n += k;
        if (n + 1 >= cap) {
            if (cap >= (size_t)4 << 20) {
                snprintf(err, err_len, "%s: larger than 4 MiB", path);
                free(buf);
                fclose(f);
                return -1;
            }
            cap *= 2;
            buf = xrealloc(buf, cap);
        }
    }
    fclose(f);
    buf[n] = '\0';
    *out = buf;
    *len = n;
    return 0;
}

/* :load PATH [NODE|all] */
static void cmd_load(struct screen *s, char *arg)
{
    if (!gate(s, ACT_PROFILE_LOAD_ALL))
        return;
    if (!s->model.fleet) {
        set_msg(s, true, "load: needs armortop-agent, and no agent runs in this cluster");
        return;
    }
    char *save = NULL;
    char *path = arg ? strtok_r(arg, " \t", &save) : NULL;
    char *where = path ? strtok_r(NULL, " \t", &save) : NULL;
    if (!path) {
        set_msg(s, true, "load: :load PATH [NODE|all]");
        return;
    }
    char err[600], name[256];
    char *text = NULL;
    size_t len = 0;
    if (read_file(path, &text, &len, err, sizeof err) != 0) {
        set_msg(s, true, "load: %s", err);
        return;
    }
    if (profile_text_name(text, name, sizeof name) != 0) {
        set_msg(s, true, "load: %s defines no profile (want `profile NAME {` or `NAME {`)", path);
        free(text);
        return;
    }
    pending_done(&s->pending);
    struct pending *pd = &s->pending;
    pd->kind = WJOB_PUT;
    snprintf(pd->profile, sizeof pd->profile, "%s", name);
    if (where && strcmp(where, "all") != 0) {
        if (!s->model.fleet || !agent_fleet_find(s->model.fleet, where)) {
            set_msg(s, true, "load: no agent on node %s", where);
            free(text);
            return;
        }
        pending_add_node(pd, where);
    } else if (!where && s->load_node[0] && strcmp(s->load_profile, name) == 0) {
        char nodes[sizeof s->load_node], *sv = NULL;
        snprintf(nodes, sizeof nodes, "%s", s->load_node);
        for (char *t = strtok_r(nodes, ",", &sv); t; t = strtok_r(NULL, ",", &sv))
            pending_add_node(pd, t);
    } else {
        fleet_nodes(s, name, false, pd);
    }
    if (pd->count == 0) {
        set_msg(s, true, "load: no node with a reachable agent");
        pending_done(pd);
        free(text);
        return;
    }
    pd->text = text;
    pd->text_len = len;
    action_clear(&s->extra);
    char nodes[512];
    nodes_list(pd, nodes, sizeof nodes);
    s->extra.action.title = xasprintf("Load %s on %zu node%s", name, pd->count,
                                      pd->count == 1 ? "" : "s");
    action_plan(s, "load profile \"%s\" from %s (%zu bytes)", name, path, len);
    action_plan(s, "on %s", nodes);
    for (size_t i = 0; i < pd->count; i++) {
        const struct agent_node *n = agent_fleet_find(s->model.fleet, pd->nodes[i]);
        const struct agent_node_profile *np = n ? agent_node_find_profile(n, name) : NULL;
        if (np)
            action_plan(s, "%s: replaces the loaded one (%s)", pd->nodes[i],
                        np->mode ? np->mode : "?");
    }
    if (s->load_profile[0] && strcmp(s->load_profile, name) != 0)
        action_plan(s, "note: %s defines \"%s\", not \"%s\"", path, name, s->load_profile);
    s->load_profile[0] = s->load_node[0] = '\0';
    char q[400];
    snprintf(q, sizeof q, "load %s on %zu node%s?", name, pd->count, pd->count == 1 ? "" : "s");
    ask(s, q);
}

static void run_editor(struct screen *s, const char *name, const char *text)
{
    char path[] = "/tmp/armortop-edit-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0) {
        set_msg(s, true, "edit: cannot create a temporary file: %s", strerror(errno));
        return;
    }
    size_t len = strlen(text);
    if (write(fd, text, len) != (ssize_t)len) {
        close(fd);
        unlink(path);
        set_msg(s, true, "edit: cannot write %s", path);
        return;
    }
    close(fd);
    const char *ed = getenv("VISUAL");
    if (!ed || !*ed)
        ed = getenv("EDITOR");
    if (!ed || !*ed)
        ed = "vi";
    char edbuf[512];
    snprintf(edbuf, sizeof edbuf, "%s", ed);
    char *argv[18];
    int argc = 0;
    char *save = NULL;
    for (char *t = strtok_r(edbuf, " \t", &save); t && argc < 16; t = strtok_r(NULL, " \t", &save))
        argv[argc++] = t;
    argv[argc++] = path;
    argv[argc] = NULL;
    if (!s->is_headless) {
        def_prog_mode();
        endwin();
    }
    int status = -1;
    pid_t pid = fork();
    if (pid == 0) {
        if (s->is_headless) {
            int nul = open("/dev/null", O_RDWR);
            if (nul >= 0) {
                dup2(nul, 0);
                dup2(nul, 1);
            }
        }
        execvp(argv[0], argv);
        _exit(127);
    }
    if (pid > 0)
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
            ;
    if (!s->is_headless) {
        reset_prog_mode();
        clearok(curscr, TRUE);
        refresh();
    }
    char *out = NULL;
    size_t olen = 0;
    char err[600];
    int rc = read_file(path, &out, &olen, err, sizeof err);
    unlink(path);
    if (pid < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        set_msg(s, true, "edit: %s failed (exit %d): nothing changed", argv[0],
                WIFEXITED(status) ? WEXITSTATUS(status) : -1);
        free(out);
        return;
    }
    if (rc != 0) {
        set_msg(s, true, "edit: %s", err);
        return;
    }
    if (strcmp(out, text) == 0) {
        set_msg(s, false, "edit: no changes to %s", name);
        free(out);
        return;
    }
    pending_done(&s->pending);
    struct pending *pd = &s->pending;
    pd->kind = WJOB_PUT;
    snprintf(pd->profile, sizeof pd->profile, "%s", name);
    fleet_nodes(s, name, true, pd);
    if (pd->count == 0) {
        set_msg(s, true, "edit: %s is loaded on no node any more", name);
        pending_done(pd);
        free(out);
        return;
    }
    pd->text = out;
    pd->text_len = olen;
    action_clear(&s->extra);
    char nodes[512], defined[256];
    nodes_list(pd, nodes, sizeof nodes);
    s->extra.action.title = xasprintf("Replace %s on %zu node%s", name, pd->count,
                                      pd->count == 1 ? "" : "s");
    action_plan(s, "replace profile \"%s\" with the edited text (%zu bytes)", name, olen);
    action_plan(s, "on %s (every node that has it)", nodes);
    if (profile_text_name(out, defined, sizeof defined) == 0 && strcmp(defined, name) != 0)
        action_plan(s, "warning: the text now defines \"%s\": the agents will refuse it", defined);
    char q[400];
    snprintf(q, sizeof q, "replace %s on %zu node%s?", name, pd->count, pd->count == 1 ? "" : "s");
    ask(s, q);
}

static void profile_action(struct screen *s, struct pane *p, enum action_id act)
{
    char name[256] = "", node[256] = "";
    if (p->ops->on_action) {
        unsigned fl = p->ops->on_action(p, act, &s->model);
        if (fl & R_TARGET) {
            snprintf(name, sizeof name, "%s", p->req.profile);
            snprintf(node, sizeof node, "%s", p->req.node);
        }
    }
    if (!s->model.fleet) {
        set_msg(s, true, "%s: needs armortop-agent, and no agent runs in this cluster",
                action_name(act));
        return;
    }
    if (act == ACT_PROFILE_LOAD || act == ACT_PROFILE_LOAD_ALL) {
        snprintf(s->load_profile, sizeof s->load_profile, "%s", name);
        s->load_node[0] = '\0';
        if (act == ACT_PROFILE_LOAD && node[0]) {
            snprintf(s->load_node, sizeof s->load_node, "%s", node);
        } else if (act == ACT_PROFILE_LOAD && name[0]) {
            /* the nodes missing it (comma-separated) */
            const struct profile_row *pr = find_prow(s, name);
            size_t o = 0;
            for (size_t i = 0; pr && i < pr->missing_count && o < sizeof s->load_node; i++)
                o += (size_t)snprintf(s->load_node + o, sizeof s->load_node - o, "%s%s",
                                      i ? "," : "", pr->missing_nodes[i]);
            if (o >= sizeof s->load_node)
                s->load_node[0] = '\0'; /* too many to name: every node */
        }
        s->mode = MODE_COMMAND;
        snprintf(s->prompt, sizeof s->prompt, "load ");
        s->prompt_len = strlen(s->prompt);
        s->is_dirty = true;
        return;
    }
    if (act == ACT_PROFILE_UNLOAD_FORCE) {
        const struct taction_result *a = &s->extra.action;
        if (p->ops != &pane_results_ops || !a->has_conflict || !a->title) {
            set_msg(s, true, "nothing to force: F follows an unload the agents refused (409)");
            return;
        }
        pending_done(&s->pending);
        struct pending *pd = &s->pending;
        pd->kind = WJOB_DELETE;
        pd->is_force = true;
        const char *sp = strchr(a->title, ' ');
        snprintf(pd->profile, sizeof pd->profile, "%s", sp ? sp + 1 : "");
        pd->profile[strcspn(pd->profile, " ")] = '\0';
        for (size_t i = 0; i < a->count; i++)
            if (!a->lines[i].is_ok)
                pending_add_node(pd, a->lines[i].node);
        char nodes[512], prof[256];
        snprintf(prof, sizeof prof, "%s", pd->profile);
        nodes_list(pd, nodes, sizeof nodes);
        action_clear(&s->extra);
        s->extra.action.title = xasprintf("Unload %s (forced) from %zu node%s", prof, pd->count,
                                          pd->count == 1 ? "" : "s");
        action_plan(s, "force-unload \"%s\" on %s", prof, nodes);
        action_plan(s, "the containers running under it become unconfined");
        char q[400];
        snprintf(q, sizeof q, "force-unload %s (containers become unconfined)?", prof);
        ask(s, q);
        return;
    }
    if (!name[0]) {
        set_msg(s, true, "%s: select a profile first", action_name(act));
        return;
    }
    pending_done(&s->pending);
    struct pending *pd = &s->pending;
    snprintf(pd->profile, sizeof pd->profile, "%s", name);
    fleet_nodes(s, name, true, pd);
    if (pd->count == 0) {
        set_msg(s, true, "%s is not loaded on any node with an agent", name);
        pending_done(pd);
        return;
    }
    char nodes[512], q[400];
    nodes_list(pd, nodes, sizeof nodes);
    if (act == ACT_PROFILE_EDIT) {
        pending_done(pd);
        const struct tsource *src = tui_extra_source(&s->extra, name);
        if (src && src->text) {
            run_editor(s, name, src->text);
        } else if (src && !src->text && src->error && strstr(src->error, "reading") == NULL) {
            set_msg(s, true, "edit: %s (load it from a file: :load PATH)", src->error);
        } else {
            snprintf(s->edit_profile, sizeof s->edit_profile, "%s", name);
            request_source(s, name, true);
            set_msg(s, false, "edit: reading the source of %s from the agents...", name);
        }
        return;
    }
    action_clear(&s->extra);
    if (act == ACT_PROFILE_UNLOAD) {
        pd->kind = WJOB_DELETE;
        s->extra.action.title = xasprintf("Unload %s from %zu node%s", name, pd->count,
                                          pd->count == 1 ? "" : "s");
        action_plan(s, "unload profile \"%s\" from %s", name, nodes);
        size_t users = 0;
        for (size_t i = 0; i < s->model.pod_row_count; i++) {
            const struct pod_row *r = &s->model.pod_rows[i];
            if (!r->actual || !r->actual->profile || strcmp(r->actual->profile, name) != 0)
                continue;
            if (users++ < 30)
                action_plan(s, "%s/%s %s on %s becomes unconfined", r->pod->ns, r->pod->name,
                            r->ctr->name, r->pod->node_name ? r->pod->node_name : "?");
        }
        if (users > 30)
            action_plan(s, "... and %zu more containers become unconfined", users - 30);
        size_t decl = 0;
        for (size_t i = 0; i < s->model.pod_row_count; i++) {
            const struct pod_row *r = &s->model.pod_rows[i];
            if (r->declared.type != AA_TYPE_LOCALHOST || !r->declared.profile ||
                strcmp(r->declared.profile, name) != 0 ||
                (r->actual && r->actual->profile && strcmp(r->actual->profile, name) == 0))
                continue;
            if (decl++ < 10)
                action_plan(s, "%s/%s %s on %s declares it: blocked when it restarts there",
                            r->pod->ns, r->pod->name, r->ctr->name,
                            r->pod->node_name ? r->pod->node_name : "?");
        }
        if (users == 0)
            action_plan(s, "no running container is confined by it");
        else
            action_plan(s, "the agents refuse (409) while containers use it; F then forces");
        snprintf(q, sizeof q, "unload %s from %zu node%s%s?", name, pd->count,
                 pd->count == 1 ? "" : "s", users ? " (pods become unconfined)" : "");
    } else {
        const struct profile_row *pr = find_prow(s, name);
        bool to_enforce = pr && pr->complain_count > 0 && pr->enforce_count == 0;
        pd->kind = WJOB_MODE;
        snprintf(pd->mode, sizeof pd->mode, "%s", to_enforce ? "enforce" : "complain");
        s->extra.action.title = xasprintf("Mode %s: %s on %zu node%s", name, pd->mode, pd->count,
                                          pd->count == 1 ? "" : "s");
        action_plan(s, "switch profile \"%s\" to %s mode on %s", name, pd->mode, nodes);
        if (!to_enforce)
            action_plan(s, "complain mode logs but enforces nothing");
        snprintf(q, sizeof q, "switch %s to %s on %zu node%s?", name, pd->mode, pd->count,
                 pd->count == 1 ? "" : "s");
    }
    ask(s, q);
}

static void take_job_results(struct screen *s)
{
    struct worker_job_result *r;
    while ((r = worker_take_job(s->worker)) != NULL) {
        if (s->jobs_out)
            s->jobs_out--;
        const char *name = r->job.name;
        if (r->job.kind == WJOB_GET_SOURCE) {
            struct tsource *t = sources_put(s, name);
            for (size_t i = 0; i < r->count; i++) {
                if (r->items[i].rc == 0 && r->items[i].reply.source) {
                    t->text = xstrdup(r->items[i].reply.source);
                    t->node = xstrdup(r->items[i].node);
                    break;
                }
            }
            if (!t->text) {
                const struct worker_job_item *it = r->count ? &r->items[r->count - 1] : NULL;
                t->error = xstrdup(it && it->rc < 0 && it->msg ? it->msg
                                   : "no agent keeps its source (loaded outside armortop-agent)");
            }
            if (s->edit_profile[0] && strcmp(s->edit_profile, name) == 0) {
                s->edit_profile[0] = '\0';
                if (t->text) {
                    char *text = xstrdup(t->text);
                    run_editor(s, name, text);
                    free(text);
                } else {
                    set_msg(s, true, "edit: %s: %s (load it from a file: :load PATH)", name,
                            t->error);
                }
            }
        } else {
            struct taction_result *a = &s->extra.action;
            size_t ok = 0;
            for (size_t i = 0; i < r->count && i < a->count; i++) {
                const struct worker_job_item *it = &r->items[i];
                struct taction_line *l = &a->lines[i];
                free(l->text);
                l->is_ok = it->rc == 0;
                ok += l->is_ok;
                l->line = it->reply.line;
                if (it->rc == 0)
                    l->text = xstrdup(r->job.kind == WJOB_DELETE ? "ok: unloaded"
                                      : r->job.kind == WJOB_MODE ? "ok: mode switched"
                                                                 : "ok: loaded");
                else
                    l->text = xstrdup(it->msg ? it->msg : "failed");
                free(l->diagnostics);
                l->diagnostics = it->reply.diagnostics ? xstrdup(it->reply.diagnostics) : NULL;
                if (it->reply.http_status == 409 && r->job.kind == WJOB_DELETE)
                    a->has_conflict = true;
            }
            a->is_done = true;
            sources_drop(s, name);
            set_msg(s, ok != r->count, "%s: %zu of %zu node%s ok", name, ok, r->count,
                    r->count == 1 ? "" : "s");
        }
        worker_job_result_free(&r);
        model_touched(s);
    }
    if (s->is_waiting_jobs && s->jobs_out == 0) {
        s->is_waiting_jobs = false;
        s->is_waiting_refresh = true; /* and the refresh that shows the change */
        s->wait_deadline = mono_s() + 30;
    }
}

static void toggle_pause(struct screen *s)
{
    if (!s->model.fleet && !s->extra.is_paused) {
        set_msg(s, true, "no denial stream: no agent data");
        return;
    }
    s->extra.is_paused = !s->extra.is_paused;
    s->pause_epoch++;
    if (s->extra.is_paused) {
        agent_fleet_free(&s->frozen);
        s->frozen = agent_fleet_dup(s->model.fleet);
        worker_set_frozen(s->worker, agent_fleet_dup(s->frozen), s->pause_epoch);
        tmodel_set_denial_fleet(&s->model, s->frozen);
        set_msg(s, false, "denials paused (p resumes)");
    } else {
        worker_set_frozen(s->worker, NULL, s->pause_epoch);
        tmodel_set_denial_fleet(&s->model, NULL);
        agent_fleet_free(&s->frozen);
        set_msg(s, false, "denials live");
    }
    ensure_fresh(s, top(s));
    s->is_dirty = true;
}

static void copy_clip(struct screen *s, struct pane *p)
{
    if (!p->clip[0]) {
        set_msg(s, true, "nothing to copy here");
        return;
    }
    char b64[2048];
    if (profile_base64(p->clip, strlen(p->clip), b64, sizeof b64) < 0) {
        set_msg(s, true, "copy: too long");
        return;
    }
    if (!s->is_headless) {
        /* OSC 52: the terminal puts it on the clipboard (tmux: set-clipboard on) */
        printf("\033]52;c;%s\a", b64);
        fflush(stdout);
    }
    set_msg(s, false, "copied (OSC 52): %s", p->clip);
}

static void apply_flags(struct screen *s, struct pane *p, unsigned fl)
{
    if (p->msg[0]) {
        set_msg(s, true, "%s", p->msg);
        p->msg[0] = '\0';
    }
    if (fl & R_QUIT)
        s->is_quit = true;
    if (fl & R_REFETCH)
        worker_kick(s->worker);
    if (fl & R_PUSH) {
        struct pane_req req = p->req;
        push_pane(s, &req);
    } else if (fl & R_SWITCH) {
        int v = view_of_kind(p->req.kind);
        struct pane_req req = p->req;
        while (s->depth[v] > 1)
            pane_free(&s->stack[v][--s->depth[v]]);
        s->view = v;
        ensure_fresh(s, top(s));
        pane_set_filter(top(s), req.filter);
    } else if (fl & R_POP) {
        pop_pane(s);
    }
    s->is_dirty = true;
}

static void do_action(struct screen *s, enum action_id act)
{
    if (act == ACT_NONE || !gate(s, act))
        return;
    struct pane *p = top(s);
    ensure_fresh(s, p);
    switch (act) {
    case ACT_QUIT:
    case ACT_KIOSK_EXIT:
        s->is_quit = true;
        return;
    case ACT_HELP: {
        if (p->ops == &pane_help_ops)
            return;
        struct pane_req req = { .kind = PANE_HELP };
        push_pane(s, &req);
        return;
    }
    case ACT_VIEW_PODS:
    case ACT_VIEW_NODES:
    case ACT_VIEW_PROFILES:
    case ACT_VIEW_DENIALS:
    case ACT_VIEW_FINDINGS:
        switch_view(s, (int)(act - ACT_VIEW_PODS));
        return;
    case ACT_VIEW_NEXT:
        switch_view(s, (s->view + 1) % VIEW_N);
        return;
    case ACT_VIEW_PREV:
        switch_view(s, (s->view + VIEW_N - 1) % VIEW_N);
        return;
    case ACT_BACK:
        if (s->depth[s->view] > 1)
            pop_pane(s);
        else if (p->filter.text)
            pane_set_filter(p, NULL);
        s->is_dirty = true;
        return;
    case ACT_FILTER:
        s->mode = MODE_FILTER;
        free(s->filter_before);
        s->filter_before = p->filter.text ? xstrdup(p->filter.text) : NULL;
        snprintf(s->prompt, sizeof s->prompt, "%s", p->filter.text ? p->filter.text : "");
        s->prompt_len = strlen(s->prompt);
        s->is_dirty = true;
        return;
    case ACT_COMMAND:
        s->mode = MODE_COMMAND;
        s->prompt[0] = '\0';
        s->prompt_len = 0;
        s->is_dirty = true;
        return;
    case ACT_REFRESH:
        worker_kick(s->worker);
        set_msg(s, false, "refreshing...");
        s->is_msg_refreshing = true;
        return;
    case ACT_REDRAW:
        clearok(curscr, TRUE);
        s->is_dirty = true;
        return;
    case ACT_PROFILE_LOAD:
    case ACT_PROFILE_LOAD_ALL:
    case ACT_PROFILE_UNLOAD:
    case ACT_PROFILE_UNLOAD_FORCE:
    case ACT_PROFILE_MODE:
    case ACT_PROFILE_EDIT:
        profile_action(s, p, act);
        return;
    case ACT_PAUSE:
        toggle_pause(s);
        return;
    case ACT_COPY:
        copy_clip(s, p);
        return;
    default:
        break;
    }
    unsigned fl = p->ops->on_action ? p->ops->on_action(p, act, &s->model) : R_UNHANDLED;
    if (fl & R_UNHANDLED)
        fl = pane_list_action(p, act);
    if (fl & R_UNHANDLED)
        fl = R_NONE;
    apply_flags(s, p, fl);
}

/* ---- input --------------------------------------------------------------------- */

static void prompt_key_(struct screen *s, int key);

static void prompt_key(struct screen *s, int key)
{
    double t0 = mono_s();
    prompt_key_(s, key);
    if (s->mode == MODE_FILTER)
        timing_add(T_FILTER, t0);
}

static void prompt_key_(struct screen *s, int key)
{
    struct pane *p = top(s);
    bool is_filter = s->mode == MODE_FILTER;
    if (key == TKEY_ESC) {
        if (is_filter)
            pane_set_filter(p, s->filter_before);
        s->mode = MODE_NORMAL;
    } else if (key == '\n' || key == '\r' || key == (TKEY_FUNC | KEY_ENTER)) {
        s->mode = MODE_NORMAL;
        if (!is_filter) {
            char cmd[512];
            snprintf(cmd, sizeof cmd, "%s", s->prompt);
            run_command(s, cmd);
        } else if (p->filter.err[0]) {
            set_msg(s, true, "%s", p->filter.err);
        }
    } else if (key == (TKEY_FUNC | KEY_BACKSPACE) || key == 127 || key == 8) {
        if (s->prompt_len == 0) {
            if (is_filter)
                pane_set_filter(p, NULL);
            s->mode = MODE_NORMAL;
        } else {
            do
                s->prompt_len--;
            while (s->prompt_len > 0 && (s->prompt[s->prompt_len] & 0xc0) == 0x80);
            s->prompt[s->prompt_len] = '\0';
            if (is_filter)
                pane_set_filter(p, s->prompt);
        }
    } else if (key == TKEY_CTRL('u')) {
        s->prompt_len = 0;
        s->prompt[0] = '\0';
        if (is_filter)
            pane_set_filter(p, s->prompt);
    } else if (!(key & TKEY_FUNC) && key >= 0x20 && key != 0x7f) {
        char u[8];
        size_t n = text_utf8_put((unsigned)key, u);
        if (s->prompt_len + n + 1 < sizeof s->prompt) {
            memcpy(s->prompt + s->prompt_len, u, n + 1);
            s->prompt_len += n;
            if (is_filter)
                pane_set_filter(p, s->prompt);
        }
    }
    s->is_dirty = true;
}

static void mouse_event(struct screen *s)
{
    MEVENT ev;
    if (getmouse(&ev) != OK || s->opts->is_kiosk)
        return;
    struct pane *p = top(s);
    if (ev.bstate & BUTTON4_PRESSED) {
        for (int i = 0; i < 3; i++)
            pane_list_action(p, ACT_MOVE_UP);
    } else if (ev.bstate & BUTTON5_PRESSED) {
        for (int i = 0; i < 3; i++)
            pane_list_action(p, ACT_MOVE_DOWN);
    } else if (ev.bstate & (BUTTON1_PRESSED | BUTTON1_CLICKED | BUTTON1_DOUBLE_CLICKED)) {
        long pos = pane_row_at(p, &s->lay.body, ev.y);
        if (pos >= 0) {
            if ((size_t)pos == p->sel || (ev.bstate & BUTTON1_DOUBLE_CLICKED))
                do_action(s, ACT_ENTER);
            else
                pane_select(p, pos);
        }
    }
    s->is_dirty = true;
}

static void handle_key(struct screen *s, int key)
{
    if (key == (TKEY_FUNC | KEY_RESIZE)) {
        s->is_dirty = true;
        return;
    }
    if (key == (TKEY_FUNC | KEY_MOUSE)) {
        mouse_event(s);
        return;
    }
    if (s->mode == MODE_CONFIRM) {
        confirm_key(s, key);
        return;
    }
    if (s->mode != MODE_NORMAL) {
        prompt_key(s, key);
        return;
    }
    if (s->msg[0] && !s->is_headless) {
        s->msg[0] = '\0';
        s->is_dirty = true;
    }
    if (key == s->exit_key && s->exit_key > 0) {
        do_action(s, ACT_KIOSK_EXIT);
        return;
    }
    double t0 = mono_s();
    do_action(s, keymap_lookup(top(s)->ops->name, key));
    timing_add(T_ACTION, t0);
}

static void read_keys(struct screen *s)
{
    wint_t ch;
    int rc;
    while ((rc = wget_wch(stdscr, &ch)) != ERR) {
        int key = rc == KEY_CODE_YES ? (TKEY_FUNC | (int)ch) : (int)ch;
        handle_key(s, key);
        if (s->is_quit)
            return;
    }
}

/* ---- headless scripts ------------------------------------------------------ */

static void script_step(struct screen *s)
{
    struct script_step *st = &s->script.steps[s->script.pos++];
    switch (st->kind) {
    case SCRIPT_KEY:
        handle_key(s, st->key);
        break;
    case SCRIPT_RESIZE:
        resize_term(st->rows, st->cols);
        s->is_dirty = true;
        break;
    case SCRIPT_WAIT_REFRESH:
        s->is_waiting_refresh = true;
        s->wait_deadline = mono_s() + 30;
        break;
    case SCRIPT_WAIT_JOBS:
        if (s->jobs_out) {
            s->is_waiting_jobs = true;
            s->is_waiting_refresh = true;
            s->wait_deadline = mono_s() + 30;
        }
        break;
    case SCRIPT_WAIT_FILE:
        s->wait_file = st->path;
        s->wait_deadline = mono_s() + 60;
        break;
    case SCRIPT_DUMP: {
        char err[600];
        draw_all(s);
        if (dump_screen(st->path, err, sizeof err) != 0)
            fprintf(stderr, "armortop: script line %d: %s\n", st->line, err);
        break;
    }
    }
}

/* ---- set-up and the loop ------------------------------------------------------ */

static int start_curses(struct screen *s)
{
    if (s->is_headless) {
        s->null_out = fopen("/dev/null", "w");
        s->null_in = fopen("/dev/null", "r");
        const char *term = getenv("TERM");
        if (!term || !*term || strcmp(term, "dumb") == 0)
            term = "xterm-256color";
        s->term = s->null_out && s->null_in ? newterm(term, s->null_out, s->null_in) : NULL;
        if (!s->term)
            s->term = newterm("xterm", s->null_out, s->null_in);
        if (!s->term)
            return -1;
        set_term(s->term);
        resize_term(24, 80);
    } else {
        if (!initscr())
            return -1;
    }
    if (s->opts->is_kiosk)
        raw(); /* ^C, ^Z, ^\ are keys, not signals: a passer-by cannot leave */
    else
        cbreak();
    noecho();
    nonl();
    keypad(stdscr, TRUE);
    nodelay(stdscr, TRUE);
    set_escdelay(25);
    if (!s->opts->is_kiosk && !s->is_headless) {
        mousemask(BUTTON1_PRESSED | BUTTON1_CLICKED | BUTTON1_DOUBLE_CLICKED | BUTTON4_PRESSED |
                      BUTTON5_PRESSED,
                  NULL);
        mouseinterval(0);
    }
    return 0;
}

static int setup(struct screen *s, const struct cli_opts *opts)
{
    struct kerr err = { 0 };
    struct kube_config *cfg = NULL;
    struct kube_client *client = NULL;
    s->opts = opts;
    s->gate.is_kiosk = opts->is_kiosk;
    s->gate.is_readonly = opts->is_readonly || opts->is_kiosk;
    s->status = 0;
    const char *hl = getenv("TUI_HEADLESS");
    s->is_headless = (hl && *hl && strcmp(hl, "0") != 0) || opts->script;
    const char *tm = getenv("ARMORTOP_TIMING");
    timing.is_on = tm && *tm && strcmp(tm, "0") != 0;
    const char *now = getenv("ARMORTOP_NOW");
    if (now && *now) {
        s->is_now_pinned = true;
        s->pinned_now = strtoll(now, NULL, 10);
    }
    if (s->is_headless) {
        char e[300];
        if (script_load(&s->script, opts->script ? opts->script : "-", e, sizeof e) != 0) {
            fprintf(stderr, "armortop: script: %s\n", e);
            return 1;
        }
    }
    const char *ek = opts->exit_key ? opts->exit_key : opts->is_kiosk ? "^Q" : NULL;
    s->exit_key = ek ? keymap_parse_key(ek) : -1;
    if (ek && s->exit_key < 0) {
        fprintf(stderr, "armortop: bad --exit-key '%s'\n", ek);
        return 1;
    }

    struct kubeconfig_opts kopts = {
        .explicit_path = opts->kubeconfig,
        .context = opts->context,
        .namespace = opts->ns,
    };
    if (kubeconfig_load(&kopts, &cfg, &err) < 0) {
        char buf[1024];
        fprintf(stderr, "armortop: kubeconfig: %s\n", kerr_format(&err, buf, sizeof buf));
        return 2;
    }
    struct kube_client_opts copts = { .timeout_ms = 15000, .connect_timeout_ms = 3000 };
    if (kube_client_new(cfg, &copts, &client, &err) < 0) {
        char buf[1024];
        fprintf(stderr, "armortop: %s: %s\n", cfg->server, kerr_format(&err, buf, sizeof buf));
        kube_config_free(&cfg);
        return 2;
    }
    snprintf(s->context, sizeof s->context, "%s", cfg->context ? cfg->context : "?");
    snprintf(s->server, sizeof s->server, "%s", cfg->server);
    snprintf(s->ns, sizeof s->ns, "%s", opts->is_all_namespaces ? "" : cfg->namespace);
    if (worker_start(&s->worker, cfg, client, s->ns[0] ? s->ns : NULL, opts->refresh_s, &s->gate,
                     !opts->is_no_agents, s->is_now_pinned ? &s->pinned_now : NULL) != 0) {
        fprintf(stderr, "armortop: cannot start the refresh thread\n");
        return 2;
    }
    return 0;
}

static void teardown(struct screen *s)
{
    for (int v = 0; v < VIEW_N; v++)
        while (s->depth[v] > 0)
            pane_free(&s->stack[v][--s->depth[v]]);
    worker_stop(&s->worker);
    tmodel_free(&s->model);
    agent_fleet_free(&s->frozen);
    pending_done(&s->pending);
    action_clear(&s->extra);
    sources_free(s);
    script_done(&s->script);
    free(s->filter_before);
    if (s->term) {
        endwin();
        delscreen(s->term);
    }
    if (s->null_out)
        fclose(s->null_out);
    if (s->null_in)
        fclose(s->null_in);
}

int screen_run(const struct cli_opts *opts)
{
    struct screen *s = xcalloc(1, sizeof *s);
    timing.launch_s = mono_s();
    int status = setup(s, opts);
    if (status != 0) {
        teardown(s);
        free(s);
        return status;
    }
    setlocale(LC_ALL, "");
    {
        const char *cs = nl_langinfo(CODESET);
        s->extra.is_utf8 = cs && (strcmp(cs, "UTF-8") == 0 || strcmp(cs, "utf8") == 0);
    }
    s->model.extra = &s->extra;
    xalloc_set_fail_hook(xalloc_fail);
    core_set_log_fn(log_to_status, s);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_term_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    if (!opts->is_kiosk)
        sigaction(SIGINT, &sa, NULL);

    if (start_curses(s) != 0) {
        fprintf(stderr, "armortop: cannot start the terminal screen (TERM=%s)\n",
                getenv("TERM") ? getenv("TERM") : "");
        teardown(s);
        free(s);
        return 2;
    }
    char warn[512];
    if (theme_load(opts->theme, warn, sizeof warn) != 0) {
        set_msg(s, true, "%s; using the default theme", warn);
        theme_load(NULL, warn, sizeof warn);
    } else if (warn[0]) {
        set_msg(s, true, "%s", warn);
    }
    for (int v = 0; v < VIEW_N; v++) {
        struct pane_req req = { .kind = view_kinds[v] };
        s->stack[v][0] = pane_new(pane_ops_of(view_kinds[v]), &req);
        s->depth[v] = 1;
    }
    s->view = 0;
    s->is_dirty = true;
    s->is_waiting_refresh = s->is_headless; /* scripts start on data */
    s->wait_deadline = mono_s() + 30;
    if (opts->kiosk_rotate_s > 0)
        s->next_rotate = mono_s() + opts->kiosk_rotate_s;
    double next_tick = mono_s() + 1.0;

    while (!s->is_quit && !got_term_signal) {
        if (s->is_dirty) {
            double t0 = mono_s();
            draw_all(s);
            if (s->has_data && timing.first_screen_s == 0)
                timing.first_screen_s = mono_s();
            if (s->swap_ms > 0) {
                timing_add_ms(T_SWAP, s->swap_ms + (mono_s() - t0) * 1000.0);
                s->swap_ms = 0;
            }
        }
        send_specs(s);
        struct pollfd fds[2] = { { .fd = worker_fd(s->worker), .events = POLLIN },
                                 { .fd = STDIN_FILENO, .events = POLLIN } };
        nfds_t nfds = s->is_headless ? 1 : 2;
        int timeout_ms = 1000;
        if (s->is_headless && !s->is_waiting_refresh)
            timeout_ms = s->wait_file ? 20 : 0;
        int rc = poll(fds, nfds, timeout_ms);
        if (rc < 0 && errno != EINTR)
            break;
        if (fds[0].revents & POLLIN)
            take_results(s);
        if (!s->is_headless) {
            read_keys(s); /* also picks up KEY_RESIZE after SIGWINCH (poll EINTR) */
        } else if (s->is_waiting_refresh) {
            if (mono_s() > s->wait_deadline) {
                s->is_waiting_refresh = false;
                fprintf(stderr, "armortop: script: no refresh within 30 s\n");
            }
        } else if (s->wait_file) {
            if (access(s->wait_file, F_OK) == 0) {
                s->wait_file = NULL;
            } else if (mono_s() > s->wait_deadline) {
                fprintf(stderr, "armortop: script: %s did not appear within 60 s\n", s->wait_file);
                s->wait_file = NULL;
            }
        } else if (s->script.pos < s->script.count) {
            script_step(s);
        } else {
            draw_all(s);
            s->is_quit = true;
        }
        pthread_mutex_lock(&log_mu);
        if (has_log_msg) {
            set_msg(s, true, "%s", log_msg);
            /* a warning from a refresh lasts until the next refresh (5 s at most
             * interactively), so it never hides what is wrong now for good */
            s->is_msg_refreshing = true;
            has_log_msg = false;
        }
        pthread_mutex_unlock(&log_mu);
        double t = mono_s();
        if (t >= next_tick && !s->is_headless) {
            next_tick = t + 1.0;
            s->is_dirty = true; /* ages tick */
        }
        if (opts->kiosk_rotate_s > 0 && t >= s->next_rotate) {
            s->next_rotate = t + opts->kiosk_rotate_s;
            switch_view(s, (s->view + 1) % VIEW_N); /* not a user action: no gate */
        }
    }
    status = s->status;
    teardown(s);
    timing_report();
    core_set_log_fn(NULL, NULL);
    xalloc_set_fail_hook(NULL);
    free(s);
    return status;
}
