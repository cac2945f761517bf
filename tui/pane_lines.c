/*
 * pane_lines: see pane_lines.h.
 */
#include "config.h"
#include "pane_lines.h"

#include <stdio.h>
#include <string.h>

#include "text.h"
#include "theme_parse.h"

enum { C_LABEL, C_TEXT, C__COUNT };

static const struct tcol cols[C__COUNT] = {
    [C_LABEL] = { "", 10, 10, false, false, false },
    [C_TEXT] = { "", 10, 0, false, false, true },
};

void plines_init(struct pane *p)
{
    table_init(&p->table, cols, C__COUNT);
    p->has_column_header = false;
}

void plines_add1(struct pane *p, size_t *n, const char *label, int label_te, const char *text,
                 int te)
{
    char key[32];
    snprintf(key, sizeof key, "%zu", (*n)++);
    size_t row = table_add_row(&p->table, NULL, key);
    table_set_copy(&p->table, row, C_LABEL, label ? label : "", label_te);
    table_set_copy(&p->table, row, C_TEXT, text ? text : "", te);
}

void plines_add(struct pane *p, size_t *n, const char *label, int label_te, const char *text,
                int te)
{
    int width = p->width_hint - 2 - cols[C_LABEL].max_w - 1;
    if (!text || width < 20) {
        plines_add1(p, n, label, label_te, text, te);
        return;
    }
    char buf[1024];
    const char *s = text;
    bool first = true;
    do {
        size_t len = 0, brk = 0;
        int w = 0;
        while (s[len] && s[len] != '\n' && len + 8 < sizeof buf) {
            unsigned cp;
            size_t k = text_utf8_next(s + len, &cp);
            int cw = text_cp_width(cp);
            if (w + cw > width)
                break;
            w += cw;
            len += k;
            if (s[len] == ' ')
                brk = len;
        }
        if (!s[len] || s[len] == '\n' || brk == 0)
            brk = len ? len : strcspn(s, "\n");
        memcpy(buf, s, brk);
        buf[brk] = '\0';
        plines_add1(p, n, first ? label : "", label_te, buf, te);
        first = false;
        s += brk;
        if (*s == '\n')
            s++;
        else
            while (*s == ' ')
                s++;
    } while (*s);
}
