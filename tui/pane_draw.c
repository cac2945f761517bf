/*
 * pane_draw: draws a pane's table (see draw.h). Dumb on purpose: all the
 * thinking happened in recalc; this only fits cells to widths and paints the
 * visible rows, so a frame costs O(visible rows x columns), whatever the
 * number of pods.
 */
#include "config.h"
#include "draw.h"

#include <string.h>

#include "text.h"
#include "theme.h"

#define LINE_BUF_LEN 8192

void draw_str(WINDOW *w, int y, int x, int width, const char *s, int te, bool is_right)
{
    static char buf[LINE_BUF_LEN];
    if (width <= 0)
        return;
    if (width > LINE_BUF_LEN / 5)
        width = LINE_BUF_LEN / 5;
    text_fit(s, width, is_right, buf, sizeof buf);
    wattrset(w, theme_attr(te));
    mvwaddstr(w, y, x, buf);
}

int draw_clip(WINDOW *w, int y, int x, int width, const char *s, int te)
{
    static char buf[LINE_BUF_LEN];
    if (width <= 0 || !s)
        return 0;
    int sw = text_width(s);
    int n = sw < width ? sw : width;
    if (n > LINE_BUF_LEN / 5)
        n = LINE_BUF_LEN / 5;
    text_fit(s, n, false, buf, sizeof buf);
    wattrset(w, theme_attr(te));
    mvwaddstr(w, y, x, buf);
    return n;
}

void draw_fill(WINDOW *w, int y, int x, int width, int te, const char *ch)
{
    if (width <= 0)
        return;
    wattrset(w, theme_attr(te));
    wmove(w, y, x);
    if (!ch || !strcmp(ch, " ")) {
        for (int i = 0; i < width; i++)
            waddch(w, ' ');
    } else {
        for (int i = 0; i < width; i++)
            waddstr(w, ch);
    }
}

/* Word-wrap text into the rectangle from line y; returns lines used. */
static int draw_wrapped(WINDOW *w, int y, int x, int width, int max_lines, const char *text,
                        int te)
{
    char line[1024];
    int used = 0;
    const char *p = text;
    while (*p && used < max_lines && width > 4) {
        size_t len = 0, brk = 0;
        int cw = 0;
        while (p[len] && len + 8 < sizeof line) {
            unsigned cp;
            size_t n = text_utf8_next(p + len, &cp);
            int chw = text_cp_width(cp);
            if (cw + chw > width)
                break;
            cw += chw;
            len += n;
            if (p[len] == ' ' || p[len] == '\0')
                brk = len;
        }
        if (!p[len])
            brk = len;
        if (brk == 0)
            brk = len ? len : 1;
        memcpy(line, p, brk);
        line[brk] = '\0';
        draw_str(w, y + used, x, width, line, te, false);
        used++;
        p += brk;
        while (*p == ' ')
            p++;
    }
    return used;
}

void pane_draw_table(struct pane *p, struct draw_target *d)
{
    WINDOW *w = d->win;
    struct rect r = d->r;
    struct table *t = &p->table;
    int widths[32];
    int ncols = t->ncols < 32 ? t->ncols : 32;
    for (int y = 0; y < r.h; y++)
        draw_fill(w, r.y + y, r.x, r.w, TE_NORMAL, NULL);
    if (r.h <= 0 || r.w <= 2)
        return;
    int inner_w = r.w - 2; /* one blank each side */
    table_fit_widths(t, inner_w, widths);
    int y = r.y;
    if (p->has_column_header) {
        int x = r.x + 1;
        for (int c = 0; c < ncols; c++) {
            if (widths[c] <= 0)
                continue;
            char title[128];
            bool is_sorted = c == p->sort_col;
            snprintf(title, sizeof title, "%s%s", t->cols[c].title,
                     is_sorted ? (p->is_sort_desc ? "▼" : "▲") : "");
            draw_str(w, y, x, widths[c], title, is_sorted ? TE_COLUMN_SORTED : TE_COLUMN,
                     t->cols[c].is_right);
            x += widths[c] + 1;
        }
        y++;
    }
    int page = r.y + r.h - y;
    p->page_rows = page > 0 ? page : 1;
    if (t->nview == 0) {
        const char *msg = p->empty[0] ? p->empty : "nothing to show";
        char buf[640];
        if (t->nrows > 0 && p->filter.text) {
            snprintf(buf, sizeof buf, "no row matches the filter \"%s\" (Esc clears it)",
                     p->filter.text);
            msg = buf;
        }
        draw_wrapped(w, y + (page > 2 ? 1 : 0), r.x + 2, inner_w - 2, page, msg, TE_EMPTY);
        return;
    }
    if (p->sel >= t->nview)
        p->sel = t->nview - 1;
    if (p->sel < p->top)
        p->top = p->sel;
    if (p->sel >= p->top + (size_t)page)
        p->top = p->sel - (size_t)page + 1;
    if (p->top + (size_t)page > t->nview)
        p->top = t->nview > (size_t)page ? t->nview - (size_t)page : 0;
    for (int i = 0; i < page; i++) {
        size_t pos = p->top + (size_t)i;
        if (pos >= t->nview)
            break;
        size_t row = t->view[pos];
        bool is_sel = pos == p->sel;
        if (is_sel)
            draw_fill(w, y + i, r.x, r.w, TE_ROW_SELECTED, NULL);
        int x = r.x + 1;
        for (int c = 0; c < ncols; c++) {
            if (widths[c] <= 0)
                continue;
            const struct tcell *cell = table_cell(t, row, c);
            int te = is_sel ? TE_ROW_SELECTED
                     : cell->te != TE_NORMAL ? cell->te : t->rows[row].te;
            draw_str(w, y + i, x, widths[c], cell->text, te, t->cols[c].is_right);
            x += widths[c] + 1;
        }
    }
}

long pane_row_at(const struct pane *p, const struct rect *body, int y)
{
    int first = body->y + (p->has_column_header ? 1 : 0);
    if (y < first || y >= body->y + body->h)
        return -1;
    size_t pos = p->top + (size_t)(y - first);
    return pos < p->table.nview ? (long)pos : -1;
}
