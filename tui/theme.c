/*
 * theme: the only file that touches curses colours and attributes. Builds
 * the spec with theme_parse.c, then init_pair per element (see theme.h).
 */
#include "config.h"
#include "theme.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

static attr_t te_attrs[TE__COUNT];
static char cur_name[256] = "default";
static bool is_mono;

struct warn_ctx {
    char *buf;
    size_t len;
    int count;
};

static void keep_first(void *ud, const char *msg)
{
    struct warn_ctx *w = ud;
    if (w->count++ == 0 && w->buf && w->len)
        snprintf(w->buf, w->len, "%s", msg);
}

static attr_t map_attrs(unsigned a)
{
    attr_t r = A_NORMAL;
    if (a & THEME_ATTR_BOLD)
        r |= A_BOLD;
    if (a & THEME_ATTR_UNDERLINE)
        r |= A_UNDERLINE;
    if (a & THEME_ATTR_REVERSE)
        r |= A_REVERSE;
    if (a & THEME_ATTR_DIM)
        r |= A_DIM;
    if (a & THEME_ATTR_BLINK)
        r |= A_BLINK;
    return r;
}

int theme_load(const char *name, char *warn, size_t warn_len)
{
    struct warn_ctx w = { warn, warn_len, 0 };
    struct theme_spec spec;
    memset(&spec, 0, sizeof spec);
    if (warn && warn_len)
        warn[0] = '\0';
    const char *nc = getenv("NO_COLOR");
    bool no_color = (nc && *nc) || !has_colors();
    /* Without colours the base is the attribute-only mono theme. */
    theme_parse_text(&spec, no_color ? theme_mono_text : theme_default_text,
                     no_color ? "mono.theme" : "default.theme", keep_first, &w);
    if (name && *name && strcmp(name, "default") != 0) {
        char *path = theme_find_file(name);
        if (!path) {
            if (warn && warn_len)
                snprintf(warn, warn_len, "theme '%s' not found (themes/%s.theme)", name, name);
            return -1;
        }
        /* A theme overlays the built-in default (STYLE.md §7): a partial
         * theme only changes what it names. */
        int rc = theme_parse_file(&spec, path, keep_first, &w);
        free(path);
        if (rc < 0)
            return -1;
    }
    theme_spec_fill_defaults(&spec);
    if (w.count > 1 && warn && warn_len) {
        size_t n = strlen(warn);
        snprintf(warn + n, warn_len - n, " (+%d more)", w.count - 1);
    }

    is_mono = no_color;
    if (!is_mono) {
        start_color();
        use_default_colors();
        if (COLORS < 8 || COLOR_PAIRS < TE__COUNT + 1)
            is_mono = true;
    }
    if (!is_mono)
        theme_spec_reduce(&spec, COLORS);
    for (int i = 0; i < TE__COUNT; i++) {
        const struct theme_style *s = &spec.el[i];
        attr_t a = map_attrs(s->attrs);
        if (!is_mono) {
            init_pair((short)(i + 1), s->fg, s->bg);
            a |= COLOR_PAIR(i + 1);
        }
        te_attrs[i] = a;
    }
    if (is_mono) {
        /* Without colours, keep the states apart with attributes. */
        te_attrs[TE_ROW_SELECTED] |= A_REVERSE;
        te_attrs[TE_STATUS_BLOCKED] |= A_BOLD;
        te_attrs[TE_STATUS_MISMATCH] |= A_BOLD;
        te_attrs[TE_SEV_CRITICAL] |= A_BOLD;
        te_attrs[TE_ERROR] |= A_BOLD;
        te_attrs[TE_STALE] |= A_BOLD;
    }
    snprintf(cur_name, sizeof cur_name, "%s", name && *name ? name : "default");
    return 0;
}

attr_t theme_attr(int te)
{
    if (te < 0 || te >= TE__COUNT)
        return A_NORMAL;
    return te_attrs[te];
}

const char *theme_name(void)
{
    return cur_name;
}

bool theme_is_mono(void)
{
    return is_mono;
}
