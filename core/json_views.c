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
        strbuf_puts(out, "null");
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
        key(out, "agent", false);
        strbuf_puts(out, "null");
        key(out, "apparmor", false);
        strbuf_puts(out, "null");
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
        strbuf_putc(out, '}');
    }
    strbuf_puts(out, fl->count ? "\n]\n" : "]\n");
    findings_free(&fl);
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
    case VIEW_DENIALS:
        strbuf_puts(out, "[]\n");
        return 0;
    case VIEW__COUNT:
        break;
    }
    return kerr_set(err, KERR_INVAL, "unknown view %d", (int)view);
}
