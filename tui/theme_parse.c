/*
 * theme_parse: pure parsing of theme text into per-element styles (see
 * theme_parse.h). No curses: tests/unit/test_theme.c runs it without a
 * terminal. Warnings go to a caller-supplied callback as `file:line: reason`.
 */
#include "config.h"
#include "theme_parse.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "xalloc.h"

#define TE_NAME_(id, name, help) name,
#define TE_HELP_(id, name, help) help,
static const char *const te_names[] = { THEME_ELEMENT_LIST(TE_NAME_) };
static const char *const te_helps[] = { THEME_ELEMENT_LIST(TE_HELP_) };
#undef TE_NAME_
#undef TE_HELP_

static const char *const basic_colors[] = { "black", "red",     "green", "yellow",
                                            "blue",  "magenta", "cyan",  "white" };

const char *theme_element_name(enum theme_element te)
{
    return (int)te >= 0 && te < TE__COUNT ? te_names[te] : NULL;
}

const char *theme_element_help(enum theme_element te)
{
    return (int)te >= 0 && te < TE__COUNT ? te_helps[te] : NULL;
}

int theme_element_find(const char *name)
{
    for (int i = 0; name && i < TE__COUNT; i++)
        if (strcmp(te_names[i], name) == 0)
            return i;
    return -1;
}

bool theme_color_parse(const char *s, short *out)
{
    if (!s || !*s)
        return false;
    if (strcmp(s, "default") == 0 || strcmp(s, "none") == 0) {
        *out = THEME_COLOR_DEFAULT;
        return true;
    }
    if (isdigit((unsigned char)s[0])) {
        char *end;
        long v = strtol(s, &end, 10);
        if (*end || v < 0 || v > 255)
            return false;
        *out = (short)v;
        return true;
    }
    if (strcmp(s, "gray") == 0 || strcmp(s, "grey") == 0) {
        *out = 8;
        return true;
    }
    int base = 0;
    if (strncmp(s, "bright-", 7) == 0) {
        base = 8;
        s += 7;
    }
    for (int i = 0; i < 8; i++) {
        if (strcmp(s, basic_colors[i]) == 0) {
            *out = (short)(base + i);
            return true;
        }
    }
    return false;
}

static bool attr_parse(const char *s, unsigned *attrs)
{
    static const struct {
        const char *name;
        unsigned bit;
    } names[] = { { "bold", THEME_ATTR_BOLD },       { "underline", THEME_ATTR_UNDERLINE },
                  { "reverse", THEME_ATTR_REVERSE }, { "dim", THEME_ATTR_DIM },
                  { "blink", THEME_ATTR_BLINK },     { "normal", 0 } };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (strcmp(s, names[i].name) == 0) {
            *attrs |= names[i].bit;
            return true;
        }
    }
    return false;
}

static void warn(theme_warn_fn fn, void *ud, int *count, const char *fname, int line,
                 const char *fmt, ...) __attribute__((format(printf, 6, 7)));
static void warn(theme_warn_fn fn, void *ud, int *count, const char *fname, int line,
                 const char *fmt, ...)
{
    char reason[256], msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(reason, sizeof reason, fmt, ap);
    va_end(ap);
    snprintf(msg, sizeof msg, "%s:%d: %s", fname ? fname : "theme", line, reason);
    (*count)++;
    if (fn)
        fn(ud, msg);
}

/* Split line (modified in place) into at most max words; returns the count,
 * or max + 1 when there are more. */
static int split_words(char *line, char **words, int max)
{
    int n = 0;
    char *save = NULL;
    for (char *w = strtok_r(line, " \t\r", &save); w; w = strtok_r(NULL, " \t\r", &save)) {
        if (n == max)
            return max + 1;
        words[n++] = w;
    }
    return n;
}

static void parse_line(struct theme_spec *spec, char *line, const char *fname, int lineno,
                       theme_warn_fn fn, void *ud, int *count)
{
    char *hash = strchr(line, '#');
    if (hash)
        *hash = '\0';
    char *w[10];
    int n = split_words(line, w, 9);
    if (n == 0)
        return;
    if (strcmp(w[0], "color") != 0) {
        warn(fn, ud, count, fname, lineno, "unknown command '%s' (expected 'color')", w[0]);
        return;
    }
    if (n < 4 || n > 9) {
        warn(fn, ud, count, fname, lineno, "expected: color <element> <fg> <bg> [attributes]");
        return;
    }
    int te = theme_element_find(w[1]);
    if (te < 0) {
        warn(fn, ud, count, fname, lineno, "unknown element '%s' (ignored)", w[1]);
        return;
    }
    short fg, bg;
    if (!theme_color_parse(w[2], &fg)) {
        warn(fn, ud, count, fname, lineno, "bad colour '%s'", w[2]);
        return;
    }
    if (!theme_color_parse(w[3], &bg)) {
        warn(fn, ud, count, fname, lineno, "bad colour '%s'", w[3]);
        return;
    }
    unsigned attrs = 0;
    for (int i = 4; i < n; i++) {
        if (!attr_parse(w[i], &attrs)) {
            warn(fn, ud, count, fname, lineno, "unknown attribute '%s'", w[i]);
            return;
        }
    }
    spec->el[te] = (struct theme_style){ .is_set = true, .fg = fg, .bg = bg, .attrs = attrs };
}

int theme_parse_text(struct theme_spec *spec, const char *text, const char *fname,
                     theme_warn_fn fn, void *ud)
{
    int count = 0;
    if (!text)
        return 0;
    int lineno = 0;
    const char *p = text;
    while (*p) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        lineno++;
        char buf[512];
        if (len >= sizeof buf) {
            warn(fn, ud, &count, fname, lineno, "line too long");
        } else {
            memcpy(buf, p, len);
            buf[len] = '\0';
            parse_line(spec, buf, fname, lineno, fn, ud, &count);
        }
        p += len;
        if (*p == '\n')
            p++;
    }
    return count;
}

int theme_parse_file(struct theme_spec *spec, const char *path, theme_warn_fn fn, void *ud)
{
    int rc = -1;
    char *text = NULL;
    FILE *f = fopen(path, "r");
    if (!f) {
        int count = 0;
        warn(fn, ud, &count, path, 0, "cannot read: %s", strerror(errno));
        goto out;
    }
    size_t cap = 4096, len = 0;
    text = xmalloc(cap);
    size_t got;
    while ((got = fread(text + len, 1, cap - len - 1, f)) > 0) {
        len += got;
        if (len + 1 == cap) {
            if (cap >= (1u << 20))
                break; /* a theme is small; ignore the rest */
            cap *= 2;
            text = xrealloc(text, cap);
        }
    }
    text[len] = '\0';
    rc = theme_parse_text(spec, text, path, fn, ud);
out:
    free(text);
    if (f)
        fclose(f);
    return rc;
}

void theme_spec_fill_defaults(struct theme_spec *spec)
{
    static const struct {
        enum theme_element te, from;
    } fallback[] = {
        { TE_HEADER_KEY, TE_HEADER },      { TE_HEADER_VALUE, TE_HEADER },
        { TE_BADGE, TE_HEADER },           { TE_STALE, TE_ERROR },
        { TE_COLUMN_SORTED, TE_COLUMN },   { TE_STATUS_OK, TE_NORMAL },
        { TE_STATUS_MISMATCH, TE_ERROR },  { TE_STATUS_UNCONFINED, TE_NORMAL },
        { TE_STATUS_COMPLAIN, TE_NORMAL }, { TE_STATUS_BLOCKED, TE_ERROR },
        { TE_STATUS_UNKNOWN, TE_DIM },     { TE_SEV_CRITICAL, TE_ERROR },
        { TE_SEV_WARNING, TE_NORMAL },     { TE_SEV_INFO, TE_DIM },
        { TE_EMPTY, TE_DIM },              { TE_KEY, TE_NORMAL },
        { TE_FILTER, TE_NORMAL },          { TE_PROMPT, TE_NORMAL },
        { TE_INFO, TE_NORMAL },            { TE_DETAIL_LABEL, TE_DIM },
        { TE_DETAIL_HINT, TE_NORMAL },     { TE_BORDER, TE_DIM },
    };
    if (!spec->el[TE_NORMAL].is_set)
        spec->el[TE_NORMAL] = (struct theme_style){ true, THEME_COLOR_DEFAULT,
                                                    THEME_COLOR_DEFAULT, 0 };
    static const struct {
        enum theme_element te;
        unsigned attrs;
    } own[] = {
        { TE_HEADER, THEME_ATTR_BOLD },     { TE_TITLE, THEME_ATTR_REVERSE },
        { TE_COLUMN, THEME_ATTR_BOLD },     { TE_ROW_SELECTED, THEME_ATTR_REVERSE },
        { TE_DIM, THEME_ATTR_DIM },         { TE_ERROR, THEME_ATTR_BOLD },
    };
    for (size_t i = 0; i < sizeof own / sizeof own[0]; i++)
        if (!spec->el[own[i].te].is_set)
            spec->el[own[i].te] = (struct theme_style){ true, THEME_COLOR_DEFAULT,
                                                        THEME_COLOR_DEFAULT, own[i].attrs };
    for (size_t i = 0; i < sizeof fallback / sizeof fallback[0]; i++)
        if (!spec->el[fallback[i].te].is_set) {
            spec->el[fallback[i].te] = spec->el[fallback[i].from];
            spec->el[fallback[i].te].is_set = true;
        }
    for (int i = 0; i < TE__COUNT; i++)
        if (!spec->el[i].is_set)
            spec->el[i] = spec->el[TE_NORMAL];
}

/* The 8-colour approximation of colour c; sets *bright when it was bright. */
static short reduce_color(short c, bool *bright)
{
    *bright = false;
    if (c < 0 || c < 8)
        return c;
    if (c < 16) {
        *bright = true;
        return (short)(c - 8);
    }
    if (c >= 232) { /* grey ramp */
        int level = c - 232; /* 0..23 */
        if (level < 8)
            return 0;
        *bright = level >= 16;
        return 7;
    }
    int v = c - 16, r = v / 36, g = (v / 6) % 6, b = v % 6;
    int mx = r > g ? (r > b ? r : b) : (g > b ? g : b);
    if (mx == 0)
        return 0;
    /* a component counts when it is close to the strongest one */
    int thr = mx >= 2 ? mx - 1 : mx;
    short out = (short)((r >= thr ? 1 : 0) | (g >= thr ? 2 : 0) | (b >= thr ? 4 : 0));
    *bright = mx >= 4;
    return out;
}

void theme_spec_reduce(struct theme_spec *spec, int colors)
{
    if (colors >= 256)
        return;
    for (int i = 0; i < TE__COUNT; i++) {
        struct theme_style *s = &spec->el[i];
        bool bfg, bbg;
        if (colors >= 16 && s->fg < 16 && s->bg < 16)
            continue;
        short fg = reduce_color(s->fg, &bfg), bg = reduce_color(s->bg, &bbg);
        if (colors >= 16) {
            fg = (short)(fg >= 0 && bfg ? fg + 8 : fg);
            bg = (short)(bg >= 0 && bbg ? bg + 8 : bg);
        } else if (bfg) {
            s->attrs |= THEME_ATTR_BOLD;
        }
        s->fg = fg;
        s->bg = bg;
    }
}

static char *try_path(const char *dir, const char *name)
{
    if (!dir || !*dir)
        return NULL;
    char *p = xasprintf("%s/%s.theme", dir, name);
    if (access(p, R_OK) == 0)
        return p;
    free(p);
    return NULL;
}

char *theme_find_file(const char *name)
{
    if (!name || !*name)
        return NULL;
    if (strchr(name, '/'))
        return xstrdup(name);
    if (strcmp(name, "default") == 0)
        return NULL;
    char *p = try_path(getenv("ARMORTOP_THEME_DIR"), name);
    if (!p)
        p = try_path("themes", name);
    if (!p)
        p = try_path(ARMORTOP_PREFIX "/share/armortop/themes", name);
    if (!p) {
        /* a bare file name in the current directory */
        if (access(name, R_OK) == 0)
            p = xstrdup(name);
    }
    return p;
}
