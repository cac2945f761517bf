/*
 * test_layout: the screen geometry as a pure function of the terminal size
 * (serialised, NeoMutt-style) with the kiosk's large-type banner and its
 * glyphs, and column fitting of the panes' tables
 * (shrink, drop, flex) and UTF-8 width/truncation, all without a terminal.
 */
#include "config.h"

#include <locale.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "../../tui/layout.h"
#include "../../tui/table.h"
#include "../../tui/text.h"

static void test_layout_degenerate(void **state)
{
    (void)state;
    struct layout l;
    char buf[512];
    layout_compute(0, 0, &l);
    assert_true(l.is_too_small);
    assert_string_equal(layout_serialize(&l, buf, sizeof buf), "screen 0x0 too-small\n");
    layout_compute(-5, -5, &l);
    assert_true(l.is_too_small);
    layout_compute(3, 80, &l);
    assert_true(l.is_too_small);
    assert_string_equal(layout_serialize(&l, buf, sizeof buf),
                        "screen 3x80 too-small\nstatus 2,0 1x80\n");
}

static void test_layout_80x24(void **state)
{
    (void)state;
    struct layout l;
    char buf[512];
    layout_compute(24, 80, &l);
    assert_false(l.is_too_small);
    assert_string_equal(layout_serialize(&l, buf, sizeof buf),
                        "screen 24x80\n"
                        "header 0,0 2x80\n"
                        "title 2,0 1x80\n"
                        "body 3,0 20x80\n"
                        "status 23,0 1x80\n");
}

static void test_layout_short_and_huge(void **state)
{
    (void)state;
    struct layout l;
    char buf[512];
    layout_compute(8, 40, &l); /* short: one header line */
    assert_string_equal(layout_serialize(&l, buf, sizeof buf),
                        "screen 8x40\nheader 0,0 1x40\ntitle 1,0 1x40\nbody 2,0 5x40\n"
                        "status 7,0 1x40\n");
    layout_compute(5, 40, &l); /* tiny: no header */
    assert_string_equal(layout_serialize(&l, buf, sizeof buf),
                        "screen 5x40\ntitle 0,0 1x40\nbody 1,0 3x40\nstatus 4,0 1x40\n");
    layout_compute(300, 1000, &l);
    assert_int_equal(l.body.h, 300 - 4);
    assert_int_equal(l.status.y, 299);
    /* the areas tile the screen without overlap */
    assert_int_equal(l.header.h + l.title.h + l.body.h + l.status.h, 300);
}

static void test_layout_kiosk_banner(void **state)
{
    (void)state;
    struct layout l;
    char buf[512];
    /* degenerate: the same as without kiosk */
    layout_compute_kiosk(0, 0, &l);
    assert_true(l.is_too_small);
    assert_false(l.has_banner);
    /* just below the banner's size: the normal header */
    layout_compute_kiosk(23, 80, &l);
    assert_false(l.has_banner);
    assert_int_equal(l.header.h, 2);
    layout_compute_kiosk(24, 79, &l);
    assert_false(l.has_banner);
    assert_int_equal(l.header.h, 2);
    /* 24x80 exactly: the banner, the body gets what is left */
    layout_compute_kiosk(24, 80, &l);
    assert_true(l.has_banner);
    assert_string_equal(layout_serialize(&l, buf, sizeof buf),
                        "screen 24x80 banner\n"
                        "header 0,0 5x80\n"
                        "title 5,0 1x80\n"
                        "body 6,0 17x80\n"
                        "status 23,0 1x80\n");
    layout_compute_kiosk(40, 120, &l);
    assert_string_equal(layout_serialize(&l, buf, sizeof buf),
                        "screen 40x120 banner\n"
                        "header 0,0 5x120\n"
                        "title 5,0 1x120\n"
                        "body 6,0 33x120\n"
                        "status 39,0 1x120\n");
    /* without kiosk the same size keeps the normal header */
    layout_compute(40, 120, &l);
    assert_false(l.has_banner);
    assert_int_equal(l.header.h, 2);
    layout_compute_kiosk(300, 1000, &l);
    assert_int_equal(l.header.h, LAYOUT_BANNER_H);
    assert_int_equal(l.header.h + l.title.h + l.body.h + l.status.h, 300);
}

static void test_big_text(void **state)
{
    (void)state;
    char r0[64], r1[64], r2[64];
    char *const rows[TEXT_BIG_H] = { r0, r1, r2 };
    assert_int_equal(text_big_width(NULL), -1);
    assert_int_equal(text_big_width(""), -1);
    assert_int_equal(text_big_width("1x"), -1); /* no glyph */
    assert_int_equal(text_big(NULL, true, rows, sizeof r0), -1);
    assert_string_equal(r0, "");
    assert_int_equal(text_big_width("0"), 3);
    assert_int_equal(text_big_width("3/5"), 11);
    /* UTF-8 blocks: two pixel rows per terminal row */
    assert_int_equal(text_big("20", true, rows, sizeof r0), 7);
    assert_string_equal(r0, "▀▀█ █▀█");
    assert_string_equal(r1, "█▀▀ █ █");
    assert_string_equal(r2, "▀▀▀ ▀▀▀");
    assert_int_equal(text_width(r0), 7);
    /* ASCII fallback */
    assert_int_equal(text_big("3/5", false, rows, sizeof r0), 11);
    assert_string_equal(r0, "\"\"#   # #\"\"");
    assert_string_equal(r1, "\"\"# _\"  \"\"#");
    assert_string_equal(r2, "### #   ###");
    assert_int_equal(text_big("-?k", false, rows, sizeof r0), 11);
    /* a buffer too small: -1 and empty rows, never an overflow */
    char s0[8], s1[8], s2[8];
    char *const small[TEXT_BIG_H] = { s0, s1, s2 };
    assert_int_equal(text_big("88", true, small, sizeof s0), -1);
    assert_string_equal(s0, "");
    assert_int_equal(text_big("88", false, small, sizeof s0), 7);
}

static void test_text_width_and_fit(void **state)
{
    (void)state;
    char out[128];
    assert_int_equal(text_width(NULL), 0);
    assert_int_equal(text_width(""), 0);
    assert_int_equal(text_width("abc"), 3);
    assert_int_equal(text_width("—"), 1);
    assert_int_equal(text_width("日本"), 4);
    text_fit("abc", 5, false, out, sizeof out);
    assert_string_equal(out, "abc  ");
    text_fit("abc", 5, true, out, sizeof out);
    assert_string_equal(out, "  abc");
    text_fit("abcdef", 4, false, out, sizeof out);
    assert_string_equal(out, "abc~");
    text_fit("abc", 0, false, out, sizeof out);
    assert_string_equal(out, "");
    /* a wide character never straddles the edge */
    text_fit("日本語", 4, false, out, sizeof out);
    assert_string_equal(out, "日 ~");
    assert_int_equal(text_width(out), 4);
    /* control characters cannot move the cursor */
    text_fit("a\x1b[2Jb", 6, false, out, sizeof out);
    assert_string_equal(out, "a?[2Jb");
    /* invalid UTF-8 */
    text_fit("a\xff", 2, false, out, sizeof out);
    assert_string_equal(out, "a?");
    /* tiny buffer: still terminated */
    char small[4];
    text_fit("abcdef", 10, false, small, sizeof small);
    assert_int_equal(strlen(small), 3);
}

static const struct tcol cols[] = {
    { "NAME", 4, 0, false, false, false, false, 0 },
    { "KIND", 4, 0, false, false, false, true, 2 },
    { "NODE", 4, 0, false, false, false, false, 1 },
    { "TEXT", 4, 0, false, false, true, false, 0 },
};

static void fill(struct table *t)
{
    table_init(t, cols, 4);
    size_t r = table_add_row(t, NULL, "a");
    table_set(t, r, 0, "a-rather-long-name-here", 0);
    table_set(t, r, 1, "container", 0);
    table_set(t, r, 2, "node-0001", 0);
    table_set(t, r, 3, "some declared text that is long", 0);
    table_finish(t);
}

static void test_fit_natural_and_flex(void **state)
{
    (void)state;
    struct table t;
    int w[4];
    fill(&t);
    assert_int_equal(t.nat_w[0], 23);
    assert_int_equal(t.nat_w[3], 31);
    /* plenty of room: natural widths, the flex column takes the rest */
    assert_int_equal(table_fit_widths(&t, 100, w), 100);
    assert_int_equal(w[0], 23);
    assert_int_equal(w[1], 9);
    assert_int_equal(w[2], 9);
    assert_int_equal(w[3], 100 - 23 - 9 - 9 - 3);
    table_done(&t);
}

static void test_fit_shrinks_then_drops(void **state)
{
    (void)state;
    struct table t;
    int w[4];
    fill(&t);
    /* 70: shrink-first KIND goes to its minimum, nothing is hidden */
    assert_int_equal(table_fit_widths(&t, 70, w), 70);
    assert_int_equal(w[1], 4);
    assert_true(w[2] > 0);
    /* 40: comfortable widths no longer fit: KIND (drop 2) then NODE (drop 1) go */
    assert_true(table_fit_widths(&t, 40, w) <= 40);
    assert_int_equal(w[1], 0);
    assert_true(w[0] >= 16 && w[3] >= 16);
    /* 10: only what fits, never wider than asked */
    assert_true(table_fit_widths(&t, 10, w) <= 10);
    assert_true(w[0] > 0);
    /* 0 */
    assert_true(table_fit_widths(&t, 0, w) <= 0 || w[0] == 0);
    table_done(&t);
}

int main(void)
{
    setlocale(LC_ALL, "C.UTF-8");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_layout_degenerate),
        cmocka_unit_test(test_layout_80x24),
        cmocka_unit_test(test_layout_short_and_huge),
        cmocka_unit_test(test_layout_kiosk_banner),
        cmocka_unit_test(test_big_text),
        cmocka_unit_test(test_text_width_and_fit),
        cmocka_unit_test(test_fit_natural_and_flex),
        cmocka_unit_test(test_fit_shrinks_then_drops),
    };
    return cmocka_run_group_tests_name("layout", tests, NULL, NULL);
}
