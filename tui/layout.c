/*
 * layout: the screen's geometry as a pure function (see layout.h).
 */
#include "config.h"
#include "layout.h"

#include <stdio.h>
#include <string.h>

static void compute(int rows, int cols, bool is_kiosk, struct layout *out)
{
    memset(out, 0, sizeof *out);
    rows = rows < 0 ? 0 : rows;
    cols = cols < 0 ? 0 : cols;
    out->rows = rows;
    out->cols = cols;
    if (rows < LAYOUT_MIN_ROWS || cols < LAYOUT_MIN_COLS) {
        out->is_too_small = true;
        out->status = (struct rect){ rows > 0 ? rows - 1 : 0, 0, rows > 0 ? 1 : 0, cols };
        return;
    }
    int header_h = rows >= 12 ? 2 : rows >= 7 ? 1 : 0;
    if (is_kiosk && rows >= LAYOUT_BANNER_MIN_ROWS && cols >= LAYOUT_BANNER_MIN_COLS) {
        header_h = LAYOUT_BANNER_H;
        out->has_banner = true;
    }
    int y = 0;
    out->header = (struct rect){ y, 0, header_h, header_h ? cols : 0 };
    y += header_h;
    out->title = (struct rect){ y, 0, 1, cols };
    y += 1;
    int body_h = rows - y - 1;
    out->body = (struct rect){ y, 0, body_h, cols };
    y += body_h;
    out->status = (struct rect){ y, 0, 1, cols };
}

void layout_compute(int rows, int cols, struct layout *out)
{
    compute(rows, cols, false, out);
}

void layout_compute_kiosk(int rows, int cols, struct layout *out)
{
    compute(rows, cols, true, out);
}

const char *layout_serialize(const struct layout *l, char *buf, size_t len)
{
    const struct {
        const char *name;
        const struct rect *r;
    } parts[] = { { "header", &l->header },
                  { "title", &l->title },
                  { "body", &l->body },
                  { "status", &l->status } };
    size_t o = 0;
    if (len == 0)
        return buf;
    buf[0] = '\0';
    o += (size_t)snprintf(buf, len, "screen %dx%d%s\n", l->rows, l->cols,
                          l->is_too_small ? " too-small" : l->has_banner ? " banner" : "");
    for (size_t i = 0; i < sizeof parts / sizeof parts[0] && o < len; i++) {
        const struct rect *r = parts[i].r;
        if (r->h == 0 || r->w == 0)
            continue;
        o += (size_t)snprintf(buf + o, len - o, "%s %d,%d %dx%d\n", parts[i].name, r->y, r->x,
                              r->h, r->w);
    }
    return buf;
}
