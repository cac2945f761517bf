/*
 * tmodel: derive the panes' model from a snapshot (see tmodel.h). Pure: no
 * curses, no network; runs on the refresh worker's thread once per refresh
 * (the UI thread only swaps the finished model in).
 */
#include "config.h"
#include "tmodel.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "confinement.h"
#include "theme_parse.h"

static bool declared_unconfined(const struct aa_declared *d)
{
    return d->type == AA_TYPE_UNCONFINED || (d->type == AA_TYPE_UNSET && d->is_privileged);
}

static int pod_rank(const struct pod_row *r)
{
    /* 0 confined, 1 mismatch, 2 complain, 3 unconfined, 4 blocked; -1 n/a */
    switch (r->status) {
    case AA_STATUS_NA:
        return -1;
    case AA_STATUS_BLOCKED:
        return 4;
    case AA_STATUS_UNCONFINED:
        return 3;
    case AA_STATUS_COMPLAIN:
        return 2;
    case AA_STATUS_MISMATCH:
        return r->actual && r->actual->mode && strcmp(r->actual->mode, "unconfined") == 0 ? 3 : 1;
    default:
        return !r->actual && declared_unconfined(&r->declared) ? 3 : 0;
    }
}

static void count_denials(struct tmodel *m)
{
    struct tmodel_counts *c = &m->counts;
    c->denials_5m = 0;
    memset(c->spark, 0, sizeof c->spark);
    int64_t from = m->now - 300;
    for (size_t i = 0; i < m->denial_row_count; i++) {
        const struct agent_denial_record *d = m->denial_rows[i].rec;
        if (d->time && d->time < from)
            continue;
        c->denials_5m++;
        int64_t k = d->time ? (d->time - from) / 30 : TMODEL_SPARK_N - 1;
        if (k < 0)
            k = 0;
        if (k >= TMODEL_SPARK_N)
            k = TMODEL_SPARK_N - 1;
        c->spark[k]++;
    }
}

static void count(struct tmodel *m)
{
    struct tmodel_counts *c = &m->counts;
    memset(c, 0, sizeof *c);
    c->nodes = m->node_row_count;
    for (size_t i = 0; i < m->node_row_count; i++) {
        c->nodes_ready += m->node_rows[i].node->is_ready;
        const struct agent_node *a = m->fleet ? agent_fleet_find(m->fleet, m->node_rows[i].node->name)
                                              : NULL;
        if (a && a->state == AGENT_STATE_OK)
            c->agents_up++;
    }
    c->agents_total = m->node_row_count;
    c->containers = m->pod_row_count;
    size_t i = 0;
    while (i < m->pod_row_count) {
        const struct kube_pod *pod = m->pod_rows[i].pod;
        int worst = 0;
        bool is_na = false;
        for (; i < m->pod_row_count && m->pod_rows[i].pod == pod; i++) {
            int k = pod_rank(&m->pod_rows[i]);
            if (k < 0)
                is_na = true;
            else if (k > worst)
                worst = k;
        }
        c->pods++;
        if (is_na)
            c->na++;
        else if (worst == 4)
            c->blocked++;
        else if (worst == 3)
            c->unconfined++;
        else if (worst == 2)
            c->complain++;
        else
            c->confined++;
        if (!is_na && worst == 1)
            c->mismatch++;
    }
    if (m->fleet) {
        for (size_t k = 0; k < m->profile_row_count; k++)
            c->profiles += m->profile_rows[k].loaded_count > 0;
    } else {
        c->profiles = m->profile_row_count;
    }
    count_denials(m);
}

const struct tsource *tui_extra_source(const struct tui_extra *x, const char *name)
{
    for (size_t i = 0; x && name && i < x->source_count; i++)
        if (strcmp(x->sources[i].name, name) == 0)
            return &x->sources[i];
    return NULL;
}

const char *tmodel_sparkline(const unsigned *v, size_t n, bool is_utf8, char *buf, size_t len)
{
    static const char *const blocks[] = { "\u2581", "\u2582", "\u2583", "\u2584",
                                           "\u2585", "\u2586", "\u2587", "\u2588" };
    static const char ascii[] = "_.:-=+*#";
    unsigned max = 0;
    for (size_t i = 0; i < n; i++)
        max = v[i] > max ? v[i] : max;
    size_t o = 0;
    if (len)
        buf[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        unsigned lvl = max ? (unsigned)(((unsigned long long)v[i] * 7 + max - 1) / max) : 0;
        if (lvl > 7)
            lvl = 7;
        const char *g = is_utf8 ? blocks[lvl] : (char[]){ ascii[lvl], 0 };
        size_t gl = strlen(g);
        if (o + gl + 1 > len)
            break;
        memcpy(buf + o, g, gl + 1);
        o += gl;
    }
    return buf;
}

static void build_denials(struct tmodel *m)
{
    free(m->denial_rows);
    m->denial_rows = NULL;
    m->denial_row_count = 0;
    if (!m->denial_fleet)
        return;
    struct view_opts vo = { .ns = m->ns, .now = m->now, .agents = m->denial_fleet };
    denial_rows_build(m->snap, &vo, &m->denial_rows, &m->denial_row_count);
}

void tmodel_build(struct tmodel *m, struct kube_snapshot *snap, struct agent_fleet *fleet,
                  const struct agent_fleet *denial_fleet, const char *ns, int64_t now)
{
    unsigned gen = m->generation;
    const struct tui_extra *extra = m->extra;
    tmodel_free(m);
    m->generation = gen + 1;
    m->extra = extra;
    m->snap = snap;
    m->fleet = fleet;
    m->denial_fleet = denial_fleet ? denial_fleet : fleet;
    m->ns = ns;
    m->now = now;
    struct view_opts vo = { .ns = ns, .now = now, .width = 0, .agents = fleet };
    pod_rows_build(snap, &vo, &m->pod_rows, &m->pod_row_count);
    node_rows_build(snap, &vo, &m->node_rows, &m->node_row_count);
    profile_rows_build(snap, &vo, &m->profile_rows, &m->profile_row_count);
    /* the findings come from the same rows: build them once */
    findings_build_rows(snap, &vo, m->pod_rows, m->pod_row_count, m->profile_rows,
                        m->profile_row_count, &m->findings);
    build_denials(m);
    count(m);
}

void tmodel_set_denial_fleet(struct tmodel *m, const struct agent_fleet *denial_fleet)
{
    m->denial_fleet = denial_fleet ? denial_fleet : m->fleet;
    build_denials(m);
    count_denials(m);
    m->generation++;
}

void tmodel_free(struct tmodel *m)
{
    unsigned gen = m->generation;
    const struct tui_extra *extra = m->extra;
    pod_rows_free(&m->pod_rows, m->pod_row_count);
    free(m->node_rows);
    findings_free(&m->findings);
    profile_rows_free(&m->profile_rows, m->profile_row_count);
    free(m->denial_rows);
    kube_snapshot_free(&m->snap);
    agent_fleet_free(&m->fleet);
    agent_fleet_free(&m->frozen);
    memset(m, 0, sizeof *m);
    m->generation = gen;
    m->extra = extra;
}

const char *tmodel_age(int64_t now, int64_t then, char *buf, size_t len)
{
    if (then <= 0) {
        snprintf(buf, len, "-");
        return buf;
    }
    int64_t d = now - then;
    if (d < 0)
        d = 0;
    if (d < 120)
        snprintf(buf, len, "%llds", (long long)d);
    else if (d < 2 * 3600)
        snprintf(buf, len, "%lldm", (long long)(d / 60));
    else if (d < 2 * 86400)
        snprintf(buf, len, "%lldh", (long long)(d / 3600));
    else
        snprintf(buf, len, "%lldd", (long long)(d / 86400));
    return buf;
}

int tmodel_status_te(enum aa_status st)
{
    switch (st) {
    case AA_STATUS_OK:
        return TE_STATUS_OK;
    case AA_STATUS_MISMATCH:
        return TE_STATUS_MISMATCH;
    case AA_STATUS_UNCONFINED:
        return TE_STATUS_UNCONFINED;
    case AA_STATUS_COMPLAIN:
        return TE_STATUS_COMPLAIN;
    case AA_STATUS_BLOCKED:
        return TE_STATUS_BLOCKED;
    default:
        return TE_STATUS_UNKNOWN;
    }
}
