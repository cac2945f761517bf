/*
 * tmodel: derive the panes' model from a snapshot (see tmodel.h). Pure: no
 * curses, no network; runs on the UI thread once per refresh.
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

static void count(struct tmodel *m)
{
    struct tmodel_counts *c = &m->counts;
    memset(c, 0, sizeof *c);
    c->nodes = m->node_row_count;
    for (size_t i = 0; i < m->node_row_count; i++)
        c->nodes_ready += m->node_rows[i].node->is_ready;
    c->containers = m->pod_row_count;
    size_t i = 0;
    while (i < m->pod_row_count) {
        const struct kube_pod *pod = m->pod_rows[i].pod;
        int worst = 0; /* 0 confined, 1 unconfined, 2 blocked, -1 n/a */
        for (; i < m->pod_row_count && m->pod_rows[i].pod == pod; i++) {
            const struct pod_row *r = &m->pod_rows[i];
            if (r->status == AA_STATUS_NA)
                worst = -1;
            else if (r->status == AA_STATUS_BLOCKED)
                worst = 2;
            else if (worst == 0 && declared_unconfined(&r->declared))
                worst = 1;
        }
        c->pods++;
        if (worst < 0)
            c->na++;
        else if (worst == 2)
            c->blocked++;
        else if (worst == 1)
            c->unconfined++;
        else
            c->confined++;
    }
}

void tmodel_build(struct tmodel *m, struct kube_snapshot *snap, const char *ns, int64_t now)
{
    unsigned gen = m->generation;
    tmodel_free(m);
    m->generation = gen + 1;
    m->snap = snap;
    m->ns = ns;
    m->now = now;
    struct view_opts vo = { .ns = ns, .now = now, .width = 0 };
    pod_rows_build(snap, &vo, &m->pod_rows, &m->pod_row_count);
    node_rows_build(snap, &vo, &m->node_rows, &m->node_row_count);
    findings_build(snap, &vo, &m->findings);
    count(m);
}

void tmodel_free(struct tmodel *m)
{
    unsigned gen = m->generation;
    pod_rows_free(&m->pod_rows, m->pod_row_count);
    free(m->node_rows);
    findings_free(&m->findings);
    kube_snapshot_free(&m->snap);
    memset(m, 0, sizeof *m);
    m->generation = gen;
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
