/*
 * aa_label: splitting AppArmor label text (see aa_label.h for the grammar).
 * Written here rather than by calling aa_splitcon() so that it also reads
 * labels of other nodes (agent responses) and stays outside the libapparmor
 * quarantine; it follows aa_splitcon's rules (last " (", one trailing '\n').
 *
 * Depends on libc, xalloc and kerr. Must not print or exit.
 */
#include "config.h"
#include "aa_label.h"

#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

#define AA_LABEL_NAME_(id, name) name,
static const char *const mode_names[] = {AA_LABEL_MODE_LIST(AA_LABEL_NAME_)};
#undef AA_LABEL_NAME_

static const char STACK_SEP[] = "//&";

const char *aa_label_mode_name(enum aa_label_mode mode)
{
    return (unsigned)mode < AA_LABEL_MODE__COUNT ? mode_names[mode] : "?";
}

void aa_label_done(struct aa_label *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->component_count; i++) {
        free(l->components[i].ns);
        free(l->components[i].name);
    }
    free(l->components);
    free(l->mode_str);
    memset(l, 0, sizeof *l);
    l->mode = AA_LABEL_MODE_NONE;
}

static enum aa_label_mode mode_from(const char *s, size_t n)
{
    for (int m = AA_LABEL_MODE_ENFORCE; m < AA_LABEL_MODE_UNKNOWN; m++)
        if (strlen(mode_names[m]) == n && memcmp(mode_names[m], s, n) == 0)
            return (enum aa_label_mode)m;
    return AA_LABEL_MODE_UNKNOWN;
}

/* One component s[0..n): ":ns:name", ":ns://name" or "name". */
static int parse_component(const char *s, size_t n, struct aa_label_component *c)
{
    const char *colon = NULL;
    int rc = 0;

    c->ns = NULL;
    c->name = NULL;
    if (n == 0) {
        rc = -KERR_PARSE;
        goto out;
    }
    if (s[0] != ':') {
        c->name = xstrndup(s, n);
        goto out;
    }
    colon = memchr(s + 1, ':', n - 1);
    if (!colon || colon == s + 1) {
        rc = -KERR_PARSE;
        goto out;
    }
    {
        size_t ns_len = (size_t)(colon - s) - 1;
        size_t rest = n - ns_len - 2;
        const char *name = colon + 1;
        if (rest >= 2 && name[0] == '/' && name[1] == '/') {
            name += 2;
            rest -= 2;
        }
        if (rest == 0) {
            rc = -KERR_PARSE;
            goto out;
        }
        c->ns = xstrndup(s + 1, ns_len);
        c->name = xstrndup(name, rest);
    }
out:
    return rc;
}

/* Find "//&" in s[0..n) from `from`; returns its offset or n. */
static size_t find_sep(const char *s, size_t n, size_t from)
{
    for (size_t i = from; i + 3 <= n; i++)
        if (memcmp(s + i, STACK_SEP, 3) == 0)
            return i;
    return n;
}

int aa_label_parse(const char *con, struct aa_label *out)
{
    size_t len = 0;
    size_t label_len = 0;
    size_t count = 1;
    const char *open = NULL;
    int rc = 0;

    if (out) {
        memset(out, 0, sizeof *out);
        out->mode = AA_LABEL_MODE_NONE;
    }
    if (!con || !out) {
        rc = -KERR_INVAL;
        goto out;
    }
    len = strlen(con);
    if (len > 0 && con[len - 1] == '\n')
        len--;
    if (len == 0) {
        rc = -KERR_PARSE;
        goto out;
    }

    if (len == 10 && memcmp(con, "unconfined", 10) == 0) {
        label_len = len;
    } else {
        /* the LAST " (" starts the mode, which runs to the final ')' */
        for (size_t i = 0; i + 1 < len; i++)
            if (con[i] == ' ' && con[i + 1] == '(')
                open = con + i;
        if (!open || con[len - 1] != ')' || open + 2 > con + len - 1) {
            rc = -KERR_PARSE;
            goto out;
        }
        label_len = (size_t)(open - con);
        {
            const char *m = open + 2;
            size_t mlen = (size_t)(con + len - 1 - m);
            if (mlen == 0 || label_len == 0) {
                rc = -KERR_PARSE;
                goto out;
            }
            out->mode_str = xstrndup(m, mlen);
            out->mode = mode_from(m, mlen);
        }
    }

    for (size_t at = find_sep(con, label_len, 0); at < label_len;
         at = find_sep(con, label_len, at + 3))
        count++;
    out->components = xcalloc(count, sizeof *out->components);
    {
        size_t start = 0;
        for (size_t i = 0; i < count; i++) {
            size_t end = find_sep(con, label_len, start);
            rc = parse_component(con + start, end - start, &out->components[i]);
            out->component_count = i + 1;
            if (rc < 0)
                goto out;
            start = end + 3;
        }
    }
    out->is_stacked = count > 1;
    out->is_unconfined = true;
    for (size_t i = 0; i < count; i++)
        if (strcmp(out->components[i].name, "unconfined") != 0)
            out->is_unconfined = false;
out:
    return rc;
}

bool aa_label_has_profile(const struct aa_label *l, const char *name)
{
    struct aa_label_component want = {NULL, NULL};
    bool found = false;

    if (!l || !name || parse_component(name, strlen(name), &want) < 0)
        goto out;
    for (size_t i = 0; i < l->component_count && !found; i++) {
        const struct aa_label_component *c = &l->components[i];
        bool same_ns = (!c->ns && !want.ns) || (c->ns && want.ns && strcmp(c->ns, want.ns) == 0);
        found = same_ns && strcmp(c->name, want.name) == 0;
    }
out:
    free(want.ns);
    free(want.name);
    return found;
}
