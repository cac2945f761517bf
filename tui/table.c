/*
 * table: row buffer, arena, filter and sort (see table.h). Pure; no curses.
 */
#include "config.h"
#include "table.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"
#include "theme_parse.h"
#include "xalloc.h"

#define ARENA_BLOCK_LEN (64 * 1024)

struct arena_block {
    struct arena_block *next;
    size_t len, cap;
    char data[];
};

static char *arena_alloc(struct table *t, size_t n)
{
    struct arena_block *b = t->arena;
    if (!b || b->cap - b->len < n) {
        size_t cap = n > ARENA_BLOCK_LEN ? n : ARENA_BLOCK_LEN;
        struct arena_block *nb = xmalloc(sizeof *nb + cap);
        nb->len = 0;
        nb->cap = cap;
        if (b && n > ARENA_BLOCK_LEN) { /* keep the current block current */
            nb->next = b->next;
            b->next = nb;
        } else {
            nb->next = b;
            t->arena = nb;
        }
        b = nb;
    }
    char *p = b->data + b->len;
    b->len += n;
    return p;
}

static void arena_free(struct table *t)
{
    struct arena_block *b = t->arena;
    while (b) {
        struct arena_block *n = b->next;
        free(b);
        b = n;
    }
    t->arena = NULL;
}

const char *table_strdup(struct table *t, const char *s)
{
    if (!s)
        return NULL;
    size_t n = strlen(s) + 1;
    char *p = arena_alloc(t, n);
    memcpy(p, s, n);
    return p;
}

void table_init(struct table *t, const struct tcol *cols, int ncols)
{
    memset(t, 0, sizeof *t);
    t->cols = cols;
    t->ncols = ncols;
    t->nat_w = xcalloc((size_t)(ncols > 0 ? ncols : 1), sizeof *t->nat_w);
}

void table_clear(struct table *t)
{
    arena_free(t);
    t->nrows = 0;
    t->nview = 0;
}

void table_done(struct table *t)
{
    arena_free(t);
    free(t->cells);
    free(t->rows);
    free(t->nat_w);
    free(t->view);
    memset(t, 0, sizeof *t);
}

size_t table_add_row(struct table *t, const void *ref, const char *key)
{
    if (t->nrows == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 64;
        t->rows = xreallocarray(t->rows, t->cap, sizeof *t->rows);
        t->cells = xreallocarray(t->cells, t->cap * (size_t)(t->ncols ? t->ncols : 1),
                                 sizeof *t->cells);
    }
    size_t r = t->nrows++;
    t->rows[r] = (struct trow){ .ref = ref, .key = table_strdup(t, key), .te = TE_NORMAL };
    for (int c = 0; c < t->ncols; c++)
        t->cells[r * (size_t)t->ncols + (size_t)c] = (struct tcell){ "", TE_NORMAL };
    return r;
}

void table_set(struct table *t, size_t row, int col, const char *text, int te)
{
    if (row >= t->nrows || col < 0 || col >= t->ncols)
        return;
    t->cells[row * (size_t)t->ncols + (size_t)col] =
        (struct tcell){ text ? text : "", (unsigned char)te };
}

void table_set_copy(struct table *t, size_t row, int col, const char *text, int te)
{
    table_set(t, row, col, table_strdup(t, text ? text : ""), te);
}

void table_setf(struct table *t, size_t row, int col, int te, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    table_set_copy(t, row, col, buf, te);
}

void table_set_row_te(struct table *t, size_t row, int te)
{
    if (row < t->nrows)
        t->rows[row].te = (unsigned char)te;
}

void table_finish(struct table *t)
{
    for (int c = 0; c < t->ncols; c++) {
        int w = text_width(t->cols[c].title);
        t->nat_w[c] = w > t->cols[c].min_w ? w : t->cols[c].min_w;
    }
    for (size_t r = 0; r < t->nrows; r++) {
        size_t hay_len = 0;
        const struct tcell *cells = &t->cells[r * (size_t)t->ncols];
        for (int c = 0; c < t->ncols; c++) {
            size_t len = strlen(cells[c].text);
            hay_len += len + 1;
            int w = text_width(cells[c].text);
            if (w > t->nat_w[c])
                t->nat_w[c] = w;
        }
        char *hay = arena_alloc(t, hay_len + 1), *p = hay;
        for (int c = 0; c < t->ncols; c++) {
            for (const char *s = cells[c].text; *s; s++)
                *p++ = (*s >= 'A' && *s <= 'Z') ? (char)(*s + 32) : *s;
            *p++ = '\t';
        }
        *p = '\0';
        t->rows[r].hay = hay;
    }
    for (int c = 0; c < t->ncols; c++)
        if (t->cols[c].max_w > 0 && t->nat_w[c] > t->cols[c].max_w)
            t->nat_w[c] = t->cols[c].max_w;
}

const struct tcell *table_cell(const struct table *t, size_t row, int col)
{
    static const struct tcell empty = { "", TE_NORMAL };
    if (row >= t->nrows || col < 0 || col >= t->ncols)
        return &empty;
    return &t->cells[row * (size_t)t->ncols + (size_t)col];
}

struct sort_ctx {
    const struct table *t;
    int col;
    bool is_desc;
    bool is_numeric;
};

static int cmp_rows(const void *a, const void *b, void *ud)
{
    const struct sort_ctx *sc = ud;
    uint32_t ra = *(const uint32_t *)a, rb = *(const uint32_t *)b;
    const char *ta = sc->t->cells[(size_t)ra * (size_t)sc->t->ncols + (size_t)sc->col].text;
    const char *tb = sc->t->cells[(size_t)rb * (size_t)sc->t->ncols + (size_t)sc->col].text;
    int c;
    if (sc->is_numeric) {
        char *ea, *eb;
        double da = strtod(ta, &ea), db = strtod(tb, &eb);
        bool na = ea != ta, nb = eb != tb;
        if (na && nb)
            c = da < db ? -1 : da > db ? 1 : 0;
        else
            c = na ? -1 : nb ? 1 : strcmp(ta, tb);
    } else {
        c = strcmp(ta, tb);
    }
    if (sc->is_desc)
        c = -c;
    if (c == 0)
        c = ra < rb ? -1 : ra > rb ? 1 : 0;
    return c;
}

void table_apply(struct table *t, const struct filter *f, int sort_col, bool is_desc,
                 bool is_narrow)
{
    if (t->view_cap < t->nrows) {
        t->view_cap = t->nrows;
        t->view = xreallocarray(t->view, t->view_cap, sizeof *t->view);
    }
    size_t n = 0;
    if (is_narrow) {
        for (size_t i = 0; i < t->nview; i++)
            if (!f || filter_match(f, t->rows[t->view[i]].hay))
                t->view[n++] = t->view[i];
    } else {
        for (size_t r = 0; r < t->nrows; r++)
            if (!f || filter_match(f, t->rows[r].hay))
                t->view[n++] = (uint32_t)r;
        if (sort_col >= 0 && sort_col < t->ncols && n > 1) {
            struct sort_ctx sc = { t, sort_col, is_desc, t->cols[sort_col].is_numeric };
            qsort_r(t->view, n, sizeof *t->view, cmp_rows, &sc);
        }
    }
    t->nview = n;
}

long table_find_key(const struct table *t, const char *key)
{
    if (!key)
        return -1;
    for (size_t i = 0; i < t->nview; i++) {
        const char *k = t->rows[t->view[i]].key;
        if (k && strcmp(k, key) == 0)
            return (long)i;
    }
    return -1;
}

/* Shrink the widest columns (not hidden) down to floor(c) until total <= avail. */
static int shrink_widest(const struct table *t, int *out, int total, int avail, int comfy)
{
    int n = t->ncols;
    for (;;) {
        if (total <= avail)
            return total;
        int widest = -1;
        for (int c = 0; c < n; c++) {
            if (out[c] <= 0)
                continue;
            int min = t->cols[c].min_w > 3 ? t->cols[c].min_w : 3;
            if (comfy > min)
                min = t->nat_w[c] < comfy ? t->nat_w[c] : comfy;
            if (out[c] > min && (widest < 0 || out[c] > out[widest]))
                widest = c;
        }
        if (widest < 0)
            return total;
        out[widest]--;
        total--;
    }
}

static int fit_with_hidden(const struct table *t, int avail, int *out, int min_drop, int comfy)
{
    int total = 0, shown = 0;
    for (int c = 0; c < t->ncols; c++) {
        bool is_hidden = t->cols[c].drop > 0 && t->cols[c].drop >= min_drop;
        out[c] = is_hidden ? 0 : t->nat_w[c];
        if (!is_hidden)
            total += out[c] + (shown++ ? 1 : 0);
    }
    for (int c = 0; c < t->ncols && total > avail; c++) {
        if (!t->cols[c].is_shrink_first || out[c] <= 0)
            continue;
        int min = t->cols[c].min_w > 3 ? t->cols[c].min_w : 3;
        int d = out[c] - min;
        if (d > total - avail)
            d = total - avail;
        if (d > 0) {
            out[c] -= d;
            total -= d;
        }
    }
    return shrink_widest(t, out, total, avail, comfy);
}

int table_fit_widths(const struct table *t, int avail, int *out)
{
    int n = t->ncols;
    if (n == 0)
        return 0;
    int max_drop = 0;
    for (int c = 0; c < n; c++)
        max_drop = t->cols[c].drop > max_drop ? t->cols[c].drop : max_drop;
    int total = 0;
    /* min_drop above max_drop hides nothing; each step hides one more level */
    int min_drop = max_drop + 1;
    for (;;) {
        total = fit_with_hidden(t, avail, out, min_drop, 16);
        if (total <= avail || min_drop <= 1)
            break;
        min_drop--;
    }
    if (total > avail)
        total = shrink_widest(t, out, total, avail, 0);
    /* Still too wide: hide columns from the right. */
    for (int c = n - 1; c > 0 && total > avail; c--) {
        if (out[c] <= 0)
            continue;
        total -= out[c] + 1;
        out[c] = 0;
    }
    if (total > avail) {
        out[0] = avail > 0 ? avail : 0;
        total = out[0];
    }
    /* Spare width goes to the flex column, if any. */
    if (total < avail) {
        for (int c = 0; c < n; c++) {
            if (t->cols[c].is_flex && out[c] > 0) {
                out[c] += avail - total;
                total = avail;
                break;
            }
        }
    }
    return total;
}
