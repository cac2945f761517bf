/*
 * json_views: the JSON rendering of the headless views (view_render_json,
 * declared in views.h). Written straight into a strbuf with a run-based string
 * escaper — no cJSON tree, so 150,000 pods render in one pass without a DOM.
 * The shapes are documented in views.h and DESIGN.md and are a stable,
 * scripted interface: add keys, never rename or retype them.
 *
 * Depends on libc, views, confinement, findings and strbuf. Must not print.
 */
#include "config.h"
#include "views.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "xalloc.h"

/* Length of the valid UTF-8 sequence at p (2..4), or 0 when invalid. */
static size_t utf8_seq_len(const unsigned char *p)
{
    size_t n;
    if (p[0] >= 0xc2 && p[0] <= 0xdf)
        n = 2;
    else if (p[0] >= 0xe0 && p[0] <= 0xef)
        n = 3;
    else if (p[0] >= 0xf0 && p[0] <= 0xf4)
        n = 4;
    else
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((p[i] & 0xc0) != 0x80)
            return 0;
    }
    return n;
}

/* A JSON string literal, appending runs of plain bytes at once (strbuf_json_str
 * goes byte by byte; this is the hot path for 300,000 rows). Invalid UTF-8
 * becomes U+FFFD so the output is always valid JSON. */
static void put_json_str(struct strbuf *sb, const char *str)
{
    const unsigned char *s = (const unsigned char *)str;
    const unsigned char *run = s;
    strbuf_putc(sb, '"');
    while (*s) {
        if (*s >= 0x20 && *s != '"' && *s != '\\' && *s < 0x80) {
            s++;
            continue;
        }
        size_t n = *s >= 0x80 ? utf8_seq_len(s) : 0;
        if (n) {
            s += n;
            continue;
        }
        strbuf_append(sb, run, (size_t)(s - run));
        switch (*s) {
        case '"':
            strbuf_puts(sb, "\\\"");
            break;
        case '\\':
            strbuf_puts(sb, "\\\\");
            break;
        case '\n':
            strbuf_puts(sb, "\\n");
            break;
        case '\t':
            strbuf_puts(sb, "\\t");
            break;
        case '\r':
            strbuf_puts(sb, "\\r");
            break;
        default:
            if (*s < 0x20)
                strbuf_printf(sb, "\\u%04x", *s);
            else
                strbuf_puts(sb, "\\ufffd");
        }
        s++;
        run = s;
    }
    strbuf_append(sb, run, (size_t)(s - run));
    strbuf_putc(sb, '"');
}

static void put_str_or_null(struct strbuf *sb, const char *s)
{
    if (s)
        put_json_str(sb, s);
    else
        strbuf_puts(sb, "null");
}

static void put_int_or_null(struct strbuf *sb, long long v, bool is_null)
{
    if (is_null)
        strbuf_puts(sb, "null");
    else
        strbuf_printf(sb, "%lld", v);
}

static void key(struct strbuf *sb, const char *k, bool first)
{
    if (!first)
        strbuf_putc(sb, ',');
    put_json_str(sb, k);
    strbuf_putc(sb, ':');
}

static void render_pods(const struct kube_snapshot *snap, const struct view_opts *opts,
                        struct strbuf *out)
{
    struct pod_row *rows;
    size_t n;
    pod_rows_build(snap, opts, &rows, &n);
    strbuf_putc(out, '[');
    for (size_t i = 0; i < n; i++) {
        const struct pod_row *r = &rows[i];
        const struct aa_declared *d = &r->declared;
        strbuf_puts(out, i ? ",\n  {" : "\n  {");
        key(out, "namespace", true);
        put_str_or_null(out, r->pod->ns);
        key(out, "pod", false);
        put_str_or_null(out, r->pod->name);
        key(out, "container", false);
        put_str_or_null(out, r->ctr->name);
        key(out, "kind", false);
        put_json_str(out, view_kind_name(r->ctr->kind));
        key(out, "node", false);
        put_str_or_null(out, r->pod->node_name);
        key(out, "privileged", false);
        strbuf_puts(out, r->ctr->is_privileged ? "true" : "false");
        key(out, "declared", false);
        strbuf_putc(out, '{');
        key(out, "type", true);
        put_str_or_null(out, d->is_applicable ? aa_type_name(d->type) : NULL);
        key(out, "profile", false);
        put_str_or_null(out, d->is_applicable && d->type == AA_TYPE_LOCALHOST ? d->profile : NULL);
        key(out, "source", false);
        put_json_str(out, aa_source_name(d->is_applicable ? d->source : AA_SOURCE_UNSET));
        if (d->is_applicable && d->invalid_reason) {
            key(out, "invalid", false);
            if (d->invalid_raw) {
                char *msg = xasprintf("%s: \"%s\"", d->invalid_reason, d->invalid_raw);
                put_json_str(out, msg);
                free(msg);
            } else {
                put_json_str(out, d->invalid_reason);
            }
            key(out, "raw", false);
            put_str_or_null(out, d->invalid_raw);
        }
        strbuf_putc(out, '}');
        key(out, "actual", false);
        if (r->actual) {
            strbuf_putc(out, '{');
            key(out, "label", true);
            put_str_or_null(out, r->actual->profile ? r->actual->profile : r->actual->label);
            key(out, "mode", false);
            put_str_or_null(out, r->actual->mode);
            key(out, "pid", false);
            put_int_or_null(out, r->actual->pid, r->actual->pid < 0);
            key(out, "raw", false);
            put_str_or_null(out, r->actual->label);
            strbuf_putc(out, '}');
        } else {
            strbuf_puts(out, "null");
        }
        key(out, "status", false);
        put_json_str(out, aa_status_name(r->status));
        if (r->blocked) {
            key(out, "blocked", false);
            strbuf_putc(out, '{');
            key(out, "profile", true);
            put_str_or_null(out, r->blocked->profile[0] ? r->blocked->profile : NULL);
            key(out, "reason", false);
            put_str_or_null(out, r->blocked->reason);
            key(out, "message", false);
            put_str_or_null(out, r->blocked->message);
            strbuf_putc(out, '}');
        }
        strbuf_putc(out, '}');
    }
    strbuf_puts(out, n ? "\n]\n" : "]\n");
    pod_rows_free(&rows, n);
}

static void render_nodes(const struct kube_snapshot *snap, const struct view_opts *opts,
                         struct strbuf *out)
{
    struct node_row *rows;
    size_t n;
    node_rows_build(snap, opts, &rows, &n);
    strbuf_putc(out, '[');
    for (size_t i = 0; i < n; i++) {
        const struct kube_node *nd = rows[i].node;
        strbuf_puts(out, i ? ",\n  {" : "\n  {");
        key(out, "name", true);
        put_str_or_null(out, nd->name);
        key(out, "ready", false);
        strbuf_puts(out, nd->is_ready ? "true" : "false");
        key(out, "kubelet", false);
        put_str_or_null(out, nd->kubelet_version);
        key(out, "runtime", false);
        put_str_or_null(out, nd->container_runtime);
        key(out, "kernel", false);
        put_str_or_null(out, nd->kernel_version);
        key(out, "os_image", false);
        put_str_or_null(out, nd->os_image);
        key(out, "internal_ip", false);
        put_str_or_null(out, nd->internal_ip);
        key(out, "pods", false);
        strbuf_printf(out, "%zu", rows[i].pod_count);
        const struct agent_node *a = rows[i].agent;
        bool has_agents = opts && opts->agents, has_data = a && a->has_data;
        key(out, "agent", false);
        if (!has_agents) {
            strbuf_puts(out, "null");
        } else {
            strbuf_putc(out, '{');
            key(out, "state", true);
            put_json_str(out, agent_state_name(a ? a->state : AGENT_STATE_NONE));
            key(out, "error", false);
            put_str_or_null(out, a ? a->error : NULL);
            key(out, "fetched_at", false);
            put_int_or_null(out, a ? a->fetched_at : 0, !a || a->fetched_at <= 0);
            key(out, "age_s", false);
            put_int_or_null(out, a && opts->now > 0 ? opts->now - a->fetched_at : 0,
                            !a || a->fetched_at <= 0 || opts->now <= 0);
            key(out, "endpoint", false);
            put_str_or_null(out, a ? a->endpoint : NULL);
            key(out, "version", false);
            put_str_or_null(out, a ? a->version : NULL);
            key(out, "revision", false);
            put_int_or_null(out, a ? a->revision : 0, !has_data || a->revision < 0);
            key(out, "restarts", false);
            strbuf_printf(out, "%u", a ? a->restart_count : 0);
            key(out, "note", false);
            put_str_or_null(out, a ? a->note : NULL);
            strbuf_putc(out, '}');
        }
        key(out, "apparmor", false);
        if (has_data) {
            strbuf_putc(out, '{');
            key(out, "enabled", true);
            strbuf_puts(out, agent_node_is_aa_effective(a) ? "true" : "false");
            key(out, "kernel_reports_enabled", false);
            strbuf_puts(out, a->is_aa_enabled ? "true" : "false");
            key(out, "reason", false);
            put_str_or_null(out, a->aa_reason);
            strbuf_putc(out, '}');
        } else {
            strbuf_puts(out, "null");
        }
        key(out, "profiles", false);
        if (has_data)
            strbuf_printf(out, "{\"total\":%zu,\"enforce\":%zu,\"complain\":%zu}",
                          a->profile_count, rows[i].enforce_count, rows[i].complain_count);
        else
            strbuf_puts(out, "null");
        key(out, "drift", false);
        put_int_or_null(out, (long long)rows[i].drift_count, !has_data);
        key(out, "unconfined", false);
        put_int_or_null(out, (long long)rows[i].unconfined_count, !has_data);
        key(out, "denials", false);
        put_int_or_null(out, (long long)rows[i].denial_count, !a);
        strbuf_putc(out, '}');
    }
    strbuf_puts(out, n ? "\n]\n" : "]\n");
    free(rows);
}

static void render_findings(const struct kube_snapshot *snap, const struct view_opts *opts,
                            struct strbuf *out)
{
    struct finding_list *fl = NULL;
    findings_build(snap, opts, &fl);
    strbuf_putc(out, '[');
    for (size_t i = 0; i < fl->count; i++) {
        const struct finding *f = &fl->items[i];
        strbuf_puts(out, i ? ",\n  {" : "\n  {");
        key(out, "severity", true);
        put_json_str(out, finding_severity_name(f->severity));
        key(out, "kind", false);
        put_json_str(out, finding_kind_name(f->kind));
        key(out, "namespace", false);
        put_str_or_null(out, f->ns);
        key(out, "pod", false);
        put_str_or_null(out, f->pod);
        key(out, "container", false);
        put_str_or_null(out, f->container);
        key(out, "node", false);
        put_str_or_null(out, f->node);
        key(out, "profile", false);
        put_str_or_null(out, f->profile);
        key(out, "message", false);
        put_str_or_null(out, f->message);
        if (f->drift) {
            key(out, "drift", false);
            put_json_str(out, f->drift);
            key(out, "nodes", false);
            strbuf_putc(out, '[');
            for (size_t k = 0; k < f->node_count; k++) {
                if (k)
                    strbuf_putc(out, ',');
                put_json_str(out, f->nodes[k]);
            }
            strbuf_putc(out, ']');
        }
        strbuf_putc(out, '}');
    }
    strbuf_puts(out, fl->count ? "\n]\n" : "]\n");
    findings_free(&fl);
}

static void render_profiles(const struct kube_snapshot *snap, const struct view_opts *opts,
                            struct strbuf *out)
{
    struct profile_row *rows;
    size_t n;
    profile_rows_build(snap, opts, &rows, &n);
    strbuf_putc(out, '[');
    for (size_t i = 0; i < n; i++) {
        const struct profile_row *r = &rows[i];
        strbuf_puts(out, i ? ",\n  {" : "\n  {");
        key(out, "name", true);
        put_str_or_null(out, r->name);
        key(out, "namespace", false);
        put_str_or_null(out, r->ns);
        key(out, "modes", false);
        strbuf_putc(out, '[');
        bool first = true;
        if (r->enforce_count) {
            put_json_str(out, "enforce");
            first = false;
        }
        if (r->complain_count) {
            if (!first)
                strbuf_putc(out, ',');
            put_json_str(out, "complain");
            first = false;
        }
        if (r->other_mode_count) {
            /* the other mode names, from the joined string */
            const char *m = r->modes;
            while (m && *m) {
                const char *e = strchr(m, ',');
                size_t len = e ? (size_t)(e - m) : strlen(m);
                if (!(len == 7 && strncmp(m, "enforce", 7) == 0) &&
                    !(len == 8 && strncmp(m, "complain", 8) == 0) && !(len == 1 && *m == '-')) {
                    char *one = xstrndup(m, len);
                    if (!first)
                        strbuf_putc(out, ',');
                    put_json_str(out, one);
                    free(one);
                    first = false;
                }
                m = e ? e + 1 : NULL;
            }
        }
        strbuf_putc(out, ']');
        key(out, "nodes_loaded", false);
        strbuf_printf(out, "%zu", r->loaded_count);
        key(out, "nodes_total", false);
        strbuf_printf(out, "%zu", r->node_total);
        key(out, "missing_on", false);
        strbuf_putc(out, '[');
        for (size_t k = 0; k < r->missing_count; k++) {
            if (k)
                strbuf_putc(out, ',');
            put_json_str(out, r->missing_nodes[k]);
        }
        strbuf_putc(out, ']');
        key(out, "hash", false);
        if (r->hash_variants == 0) {
            strbuf_puts(out, "null");
        } else if (r->hash_variants == 1) {
            put_json_str(out, "agree");
        } else {
            strbuf_printf(out, "\"%zu variants\"", r->hash_variants);
        }
        key(out, "hash_variants", false);
        strbuf_printf(out, "%zu", r->hash_variants);
        key(out, "pods", false);
        strbuf_printf(out, "%zu", r->pod_count);
        key(out, "containers", false);
        strbuf_printf(out, "%zu", r->container_count);
        key(out, "denials", false);
        strbuf_printf(out, "%llu", (unsigned long long)r->denial_count);
        key(out, "drift", false);
        strbuf_putc(out, '[');
        first = true;
        if (r->is_missing_somewhere) {
            put_json_str(out, "missing");
            first = false;
        }
        if (r->is_mode_drift) {
            strbuf_puts(out, first ? "" : ",");
            put_json_str(out, "mode");
            first = false;
        }
        if (r->is_hash_drift) {
            strbuf_puts(out, first ? "" : ",");
            put_json_str(out, "hash");
        }
        strbuf_putc(out, ']');
        key(out, "note", false);
        put_str_or_null(out, r->drift);
        strbuf_putc(out, '}');
    }
    strbuf_puts(out, n ? "\n]\n" : "]\n");
    profile_rows_free(&rows, n);
}

static void render_denials(const struct kube_snapshot *snap, const struct view_opts *opts,
                           struct strbuf *out)
{
    struct denial_row *rows;
    size_t n;
    denial_rows_build(snap, opts, &rows, &n);
    strbuf_putc(out, '[');
    for (size_t i = 0; i < n; i++) {
        const struct agent_denial_record *d = rows[i].rec;
        strbuf_puts(out, i ? ",\n  {" : "\n  {");
        key(out, "node", true);
        put_str_or_null(out, d->node);
        key(out, "time", false);
        if (d->time > 0) {
            time_t tt = (time_t)d->time;
            struct tm tm;
            char tb[48];
            gmtime_r(&tt, &tm);
            size_t l = strftime(tb, sizeof tb, "%Y-%m-%dT%H:%M:%S", &tm);
            snprintf(tb + l, sizeof tb - l, ".%03dZ", d->time_ms);
            put_json_str(out, tb);
        } else {
            strbuf_puts(out, "null");
        }
        key(out, "cursor", false);
        strbuf_printf(out, "%llu", (unsigned long long)d->cursor);
        key(out, "event", false);
        put_str_or_null(out, d->event);
        key(out, "profile", false);
        put_str_or_null(out, d->profile);
        key(out, "operation", false);
        put_str_or_null(out, d->operation);
        key(out, "class", false);
        put_str_or_null(out, d->rule_class);
        key(out, "name", false);
        put_str_or_null(out, d->name);
        key(out, "target", false);
        put_str_or_null(out, d->target);
        key(out, "requested_mask", false);
        put_str_or_null(out, d->requested_mask);
        key(out, "denied_mask", false);
        put_str_or_null(out, d->denied_mask);
        key(out, "pid", false);
        put_int_or_null(out, d->pid, d->pid < 0);
        key(out, "comm", false);
        put_str_or_null(out, d->comm);
        key(out, "namespace", false);
        put_str_or_null(out, rows[i].pod ? rows[i].pod->ns : NULL);
        key(out, "pod", false);
        put_str_or_null(out, rows[i].pod ? rows[i].pod->name : NULL);
        key(out, "container", false);
        put_str_or_null(out, rows[i].ctr ? rows[i].ctr->name : NULL);
        key(out, "pod_uid", false);
        put_str_or_null(out, d->pod_uid);
        key(out, "container_id", false);
        put_str_or_null(out, d->container_id);
        key(out, "label", false);
        put_str_or_null(out, d->label);
        key(out, "attributed_by", false);
        put_str_or_null(out, d->attributed_by);
        key(out, "aa_namespace", false);
        put_str_or_null(out, d->aa_namespace);
        key(out, "info", false);
        put_str_or_null(out, d->info);
        strbuf_putc(out, '}');
    }
    strbuf_puts(out, n ? "\n]\n" : "]\n");
    free(rows);
}

int view_render_json(enum view_id view, const struct kube_snapshot *snap,
                     const struct view_opts *opts, struct strbuf *out, struct kerr *err)
{
    switch (view) {
    case VIEW_PODS:
        render_pods(snap, opts, out);
        return 0;
    case VIEW_NODES:
        render_nodes(snap, opts, out);
        return 0;
    case VIEW_FINDINGS:
        render_findings(snap, opts, out);
        return 0;
    case VIEW_PROFILES:
        if (opts && opts->agents)
            render_profiles(snap, opts, out);
        else
            strbuf_puts(out, "[]\n");
        return 0;
    case VIEW_DENIALS:
        if (opts && opts->agents)
            render_denials(snap, opts, out);
        else
            strbuf_puts(out, "[]\n");
        return 0;
    case VIEW__COUNT:
        break;
    }
    return kerr_set(err, KERR_INVAL, "unknown view %d", (int)view);
}
