/*
 * text: UTF-8 width and fitting (see text.h). Pure; no curses.
 */
#include "config.h"
#include "text.h"

#include <string.h>
#include <wchar.h>

size_t text_utf8_next(const char *s, unsigned *cp)
{
    const unsigned char *u = (const unsigned char *)s;
    unsigned c = u[0];
    size_t n;
    if (c < 0x80) {
        *cp = c;
        return 1;
    } else if ((c & 0xe0) == 0xc0) {
        n = 2;
        c &= 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
        n = 3;
        c &= 0x0f;
    } else if ((c & 0xf8) == 0xf0) {
        n = 4;
        c &= 0x07;
    } else {
        *cp = 0xfffd;
        return 1;
    }
    for (size_t i = 1; i < n; i++) {
        if ((u[i] & 0xc0) != 0x80) {
            *cp = 0xfffd;
            return 1;
        }
        c = (c << 6) | (u[i] & 0x3f);
    }
    if ((n == 2 && c < 0x80) || (n == 3 && c < 0x800) || (n == 4 && c < 0x10000) ||
        c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff)) {
        *cp = 0xfffd;
        return 1;
    }
    *cp = c;
    return n;
}

size_t text_utf8_put(unsigned c, char *u)
{
    size_t n = 0;
    if (c < 0x80) {
        u[n++] = (char)c;
    } else if (c < 0x800) {
        u[n++] = (char)(0xc0 | (c >> 6));
        u[n++] = (char)(0x80 | (c & 0x3f));
    } else if (c < 0x10000) {
        if (c >= 0xd800 && c <= 0xdfff)
            c = 0xfffd;
        u[n++] = (char)(0xe0 | (c >> 12));
        u[n++] = (char)(0x80 | ((c >> 6) & 0x3f));
        u[n++] = (char)(0x80 | (c & 0x3f));
    } else if (c <= 0x10ffff) {
        u[n++] = (char)(0xf0 | (c >> 18));
        u[n++] = (char)(0x80 | ((c >> 12) & 0x3f));
        u[n++] = (char)(0x80 | ((c >> 6) & 0x3f));
        u[n++] = (char)(0x80 | (c & 0x3f));
    }
    u[n] = '\0';
    return n;
}

/* C0, DEL, C1, and the bidirectional formatting characters (LRM/RLM, ALM,
 * embeddings/overrides U+202A-202E, isolates U+2066-2069): names from the
 * cluster may not move the cursor nor reorder what the screen shows. */
static bool is_control(unsigned cp)
{
    return cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0) || cp == 0x61c || cp == 0x200e ||
           cp == 0x200f || (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

int text_cp_width(unsigned cp)
{
    if (cp < 0x7f)
        return 1; /* printable ASCII, or a control shown as '?' */
    if (is_control(cp))
        return 1;
    int w = wcwidth((wchar_t)cp);
    if (w < 0) {
        /* locale without this character: a common wide range guess */
        if ((cp >= 0x1100 && cp <= 0x115f) || (cp >= 0x2e80 && cp <= 0xa4cf) ||
            (cp >= 0xac00 && cp <= 0xd7a3) || (cp >= 0xf900 && cp <= 0xfaff) ||
            (cp >= 0xff00 && cp <= 0xff60) || (cp >= 0x1f300 && cp <= 0x1faff) ||
            (cp >= 0x20000 && cp <= 0x3fffd))
            return 2;
        return 1;
    }
    return w > 2 ? 2 : w;
}

int text_width(const char *s)
{
    int w = 0;
    if (!s)
        return 0;
    while (*s) {
        unsigned char c = (unsigned char)*s;
        if (c < 0x80) {
            w++;
            s++;
            continue;
        }
        unsigned cp;
        s += text_utf8_next(s, &cp);
        w += text_cp_width(cp);
    }
    return w;
}

size_t text_fit(const char *s, int width, bool is_right, char *out, size_t out_len)
{
    size_t o = 0;
    if (out_len == 0)
        return 0;
    if (width < 0)
        width = 0;
    if (!s)
        s = "";
    int total = text_width(s);
    bool is_cut = total > width;
    int avail = is_cut ? width - 1 : width; /* leave room for '~' */
    int pad = is_cut ? 0 : width - total;
    if (is_right)
        for (; pad > 0 && o + 1 < out_len; pad--)
            out[o++] = ' ';
    int used = 0;
    while (*s) {
        unsigned cp;
        size_t n = text_utf8_next(s, &cp);
        int w = text_cp_width(cp);
        if (used + w > avail)
            break;
        if (o + n + 1 >= out_len)
            break;
        if (is_control(cp) || cp == 0xfffd) {
            out[o++] = '?';
        } else {
            memcpy(out + o, s, n);
            o += n;
        }
        used += w;
        s += n;
    }
    if (is_cut) {
        while (used < width - 1 && o + 2 < out_len) { /* a wide char did not fit */
            out[o++] = ' ';
            used++;
        }
        if (width > 0 && o + 1 < out_len)
            out[o++] = '~';
    } else if (!is_right) {
        for (; pad > 0 && o + 1 < out_len; pad--)
            out[o++] = ' ';
    }
    out[o] = '\0';
    return o;
}

/* ---- large type ----------------------------------------------------------------
 * Each glyph is a 3x5 bitmap ('#' set), drawn two pixel rows per terminal row:
 * rows 0-1, 2-3 and 4 (with an empty sixth). */
static const struct {
    char ch;
    const char *bits; /* 5 rows of 3 */
} big_glyphs[] = {
    { '0', "###" "#.#" "#.#" "#.#" "###" }, { '1', ".#." "##." ".#." ".#." "###" },
    { '2', "###" "..#" "###" "#.." "###" }, { '3', "###" "..#" "###" "..#" "###" },
    { '4', "#.#" "#.#" "###" "..#" "..#" }, { '5', "###" "#.." "###" "..#" "###" },
    { '6', "###" "#.." "###" "#.#" "###" }, { '7', "###" "..#" "..#" "..#" "..#" },
    { '8', "###" "#.#" "###" "#.#" "###" }, { '9', "###" "#.#" "###" "..#" "###" },
    { '/', "..#" "..#" ".#." "#.." "#.." }, { '-', "..." "..." "###" "..." "..." },
    { '?', "###" "..#" ".##" "..." ".#." }, { 'k', "#.." "#.#" "##." "#.#" "#.#" },
    { ' ', "..." "..." "..." "..." "..." },
};

static const char *big_bits(char ch)
{
    for (size_t i = 0; i < sizeof big_glyphs / sizeof big_glyphs[0]; i++)
        if (big_glyphs[i].ch == ch)
            return big_glyphs[i].bits;
    return NULL;
}

int text_big_width(const char *s)
{
    if (!s || !*s)
        return -1;
    size_t n = 0;
    for (const char *p = s; *p; p++, n++)
        if (!big_bits(*p))
            return -1;
    return (int)(n * (TEXT_BIG_GLYPH_W + 1) - 1);
}

int text_big(const char *s, bool is_utf8, char *const rows[TEXT_BIG_H], size_t row_len)
{
    if (row_len == 0)
        return -1;
    for (int r = 0; r < TEXT_BIG_H; r++)
        rows[r][0] = '\0';
    int width = text_big_width(s);
    if (width < 0)
        return -1;
    /* the widest cell is 3 bytes of UTF-8 */
    if ((size_t)width * (is_utf8 ? 3 : 1) + 1 > row_len)
        return -1;
    for (int r = 0; r < TEXT_BIG_H; r++) {
        char *o = rows[r];
        for (const char *p = s; *p; p++) {
            const char *bits = big_bits(*p);
            if (p != s)
                *o++ = ' ';
            for (int x = 0; x < TEXT_BIG_GLYPH_W; x++) {
                bool is_top = bits[(2 * r) * 3 + x] == '#';
                bool is_bottom = 2 * r + 1 < 5 && bits[(2 * r + 1) * 3 + x] == '#';
                const char *cell;
                if (is_utf8)
                    cell = is_top && is_bottom ? "█" : is_top ? "▀" : is_bottom ? "▄" : " ";
                else if (2 * r + 1 >= 5) /* the last row has one pixel row: full */
                    cell = is_top ? "#" : " ";
                else
                    cell = is_top && is_bottom ? "#" : is_top ? "\"" : is_bottom ? "_" : " ";
                size_t cl = strlen(cell);
                memcpy(o, cell, cl);
                o += cl;
            }
        }
        *o = '\0';
    }
    return width;
}
