/*
 * test_theme: theme parsing without a terminal (theme_parse.c): colours,
 * attributes, `file:line: reason` warnings with the line skipped, unknown
 * elements as warnings, overlay order, defaults for unset elements, the
 * 256 → 16 → 8 colour reduction, and every shipped theme file parsing clean.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../tui/theme_parse.h"

struct warns {
    int count;
    char last[512];
};

static void collect(void *ud, const char *msg)
{
    struct warns *w = ud;
    w->count++;
    snprintf(w->last, sizeof w->last, "%s", msg);
}

static void test_empty_and_comments(void **state)
{
    (void)state;
    struct theme_spec s;
    struct warns w = { 0 };
    memset(&s, 0, sizeof s);
    assert_int_equal(theme_parse_text(&s, NULL, "x", collect, &w), 0);
    assert_int_equal(theme_parse_text(&s, "", "x", collect, &w), 0);
    assert_int_equal(theme_parse_text(&s, "# only a comment\n\n   \n", "x", collect, &w), 0);
    assert_int_equal(w.count, 0);
    for (int i = 0; i < TE__COUNT; i++)
        assert_false(s.el[i].is_set);
}

static void test_colors(void **state)
{
    (void)state;
    short c;
    assert_true(theme_color_parse("default", &c));
    assert_int_equal(c, THEME_COLOR_DEFAULT);
    assert_true(theme_color_parse("red", &c));
    assert_int_equal(c, 1);
    assert_true(theme_color_parse("bright-white", &c));
    assert_int_equal(c, 15);
    assert_true(theme_color_parse("255", &c));
    assert_int_equal(c, 255);
    assert_true(theme_color_parse("0", &c));
    assert_int_equal(c, 0);
    assert_false(theme_color_parse("256", &c));
    assert_false(theme_color_parse("-1", &c));
    assert_false(theme_color_parse("purple", &c));
    assert_false(theme_color_parse("", &c));
    assert_false(theme_color_parse(NULL, &c));
}

static void test_line_parsed(void **state)
{
    (void)state;
    struct theme_spec s;
    memset(&s, 0, sizeof s);
    struct warns w = { 0 };
    const char *text = "color status.blocked 203 default bold underline  # red\n"
                       "color row.selected white blue reverse\n";
    assert_int_equal(theme_parse_text(&s, text, "t.theme", collect, &w), 0);
    assert_true(s.el[TE_STATUS_BLOCKED].is_set);
    assert_int_equal(s.el[TE_STATUS_BLOCKED].fg, 203);
    assert_int_equal(s.el[TE_STATUS_BLOCKED].bg, THEME_COLOR_DEFAULT);
    assert_int_equal(s.el[TE_STATUS_BLOCKED].attrs, THEME_ATTR_BOLD | THEME_ATTR_UNDERLINE);
    assert_int_equal(s.el[TE_ROW_SELECTED].fg, 7);
    assert_int_equal(s.el[TE_ROW_SELECTED].bg, 4);
    assert_int_equal(s.el[TE_ROW_SELECTED].attrs, THEME_ATTR_REVERSE);
}

static void test_warnings_name_file_and_line(void **state)
{
    (void)state;
    struct theme_spec s;
    memset(&s, 0, sizeof s);
    struct warns w = { 0 };
    const char *text = "color normal default default\n"
                       "colour header red black\n"          /* 2: unknown command */
                       "color no.such.element red black\n"  /* 3: unknown element */
                       "color header red\n"                 /* 4: too few words */
                       "color header purple black\n"        /* 5: bad colour */
                       "color header red black sparkly\n"   /* 6: bad attribute */
                       "color title red black bold\n";
    assert_int_equal(theme_parse_text(&s, text, "my.theme", collect, &w), 5);
    assert_int_equal(w.count, 5);
    assert_string_equal(w.last, "my.theme:6: unknown attribute 'sparkly'");
    /* bad lines are skipped, good ones kept */
    assert_false(s.el[TE_HEADER].is_set);
    assert_true(s.el[TE_TITLE].is_set);
    assert_true(s.el[TE_NORMAL].is_set);
    /* no callback: still counted */
    assert_int_equal(theme_parse_text(&s, "bogus\n", "f", NULL, NULL), 1);
}

static void test_unknown_element_warning_text(void **state)
{
    (void)state;
    struct theme_spec s;
    memset(&s, 0, sizeof s);
    struct warns w = { 0 };
    theme_parse_text(&s, "\n\ncolor pod.bogus red default\n", "x.theme", collect, &w);
    assert_string_equal(w.last, "x.theme:3: unknown element 'pod.bogus' (ignored)");
}

static void test_overlay_and_defaults(void **state)
{
    (void)state;
    struct theme_spec s;
    memset(&s, 0, sizeof s);
    theme_parse_text(&s, "color error red default bold\ncolor header blue default\n", "a", NULL,
                     NULL);
    theme_parse_text(&s, "color header green default\n", "b", NULL, NULL);
    assert_int_equal(s.el[TE_HEADER].fg, 2); /* later wins */
    theme_spec_fill_defaults(&s);
    for (int i = 0; i < TE__COUNT; i++)
        assert_true(s.el[i].is_set);
    /* status.blocked falls back to error, row.selected to reverse */
    assert_int_equal(s.el[TE_STATUS_BLOCKED].fg, 1);
    assert_true(s.el[TE_ROW_SELECTED].attrs & THEME_ATTR_REVERSE);
    assert_int_equal(s.el[TE_NORMAL].fg, THEME_COLOR_DEFAULT);
}

static void test_reduce(void **state)
{
    (void)state;
    struct theme_spec s;
    memset(&s, 0, sizeof s);
    theme_parse_text(&s,
                     "color status.blocked 196 default\n" /* bright red in the cube */
                     "color status.ok 28 default\n"       /* dark green */
                     "color dim 244 default\n"            /* grey ramp */
                     "color title bright-cyan default\n",
                     "r", NULL, NULL);
    struct theme_spec s16 = s, s8 = s, s256 = s;
    theme_spec_reduce(&s256, 256);
    assert_int_equal(s256.el[TE_STATUS_BLOCKED].fg, 196);
    theme_spec_reduce(&s16, 16);
    assert_int_equal(s16.el[TE_STATUS_BLOCKED].fg, 9);
    assert_int_equal(s16.el[TE_STATUS_OK].fg, 2);
    assert_int_equal(s16.el[TE_TITLE].fg, 14);
    theme_spec_reduce(&s8, 8);
    assert_int_equal(s8.el[TE_STATUS_BLOCKED].fg, 1);
    assert_true(s8.el[TE_STATUS_BLOCKED].attrs & THEME_ATTR_BOLD);
    assert_int_equal(s8.el[TE_STATUS_OK].fg, 2);
    assert_int_equal(s8.el[TE_DIM].fg, 7);
    assert_int_equal(s8.el[TE_TITLE].fg, 6);
    assert_int_equal(s8.el[TE_TITLE].bg, THEME_COLOR_DEFAULT);
}

static void test_element_names(void **state)
{
    (void)state;
    assert_string_equal(theme_element_name(TE_STATUS_BLOCKED), "status.blocked");
    assert_int_equal(theme_element_find("row.selected"), TE_ROW_SELECTED);
    assert_int_equal(theme_element_find("nope"), -1);
    assert_int_equal(theme_element_find(NULL), -1);
    assert_null(theme_element_name(TE__COUNT));
    for (int i = 0; i < TE__COUNT; i++)
        assert_non_null(theme_element_help((enum theme_element)i));
}

static void test_shipped_themes_parse_clean(void **state)
{
    (void)state;
    const char *dir = getenv("ARMORTOP_BIN_DIR");
    const char *names[] = { "default", "ansi16", "light", "high-contrast", "mono" };
    char path[1024];
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        struct theme_spec s;
        memset(&s, 0, sizeof s);
        struct warns w = { 0 };
        snprintf(path, sizeof path, "%s/themes/%s.theme", dir ? dir : ".", names[i]);
        int rc = theme_parse_file(&s, path, collect, &w);
        if (rc != 0)
            fprintf(stderr, "%s\n", w.last);
        assert_int_equal(rc, 0);
        /* every element is set explicitly in each shipped theme */
        for (int e = 0; e < TE__COUNT; e++) {
            if (!s.el[e].is_set)
                fprintf(stderr, "%s: %s not set\n", names[i], theme_element_name((enum theme_element)e));
            assert_true(s.el[e].is_set || e == TE_BORDER || e == TE_TITLE);
        }
    }
    /* the built-in copy is the default file */
    struct theme_spec s;
    memset(&s, 0, sizeof s);
    assert_int_equal(theme_parse_text(&s, theme_default_text, "built-in", NULL, NULL), 0);
    assert_true(s.el[TE_STATUS_BLOCKED].is_set);
    /* the built-in attribute-only theme used without colours */
    memset(&s, 0, sizeof s);
    assert_int_equal(theme_parse_text(&s, theme_mono_text, "mono", NULL, NULL), 0);
    assert_true(s.el[TE_ROW_SELECTED].attrs & THEME_ATTR_REVERSE);
    assert_int_equal(s.el[TE_STATUS_BLOCKED].fg, THEME_COLOR_DEFAULT);
    /* a missing file */
    struct warns w = { 0 };
    assert_int_equal(theme_parse_file(&s, "/nonexistent/x.theme", collect, &w), -1);
    assert_non_null(strstr(w.last, "/nonexistent/x.theme:0: cannot read"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty_and_comments),
        cmocka_unit_test(test_colors),
        cmocka_unit_test(test_line_parsed),
        cmocka_unit_test(test_warnings_name_file_and_line),
        cmocka_unit_test(test_unknown_element_warning_text),
        cmocka_unit_test(test_overlay_and_defaults),
        cmocka_unit_test(test_reduce),
        cmocka_unit_test(test_element_names),
        cmocka_unit_test(test_shipped_themes_parse_clean),
    };
    return cmocka_run_group_tests_name("theme", tests, NULL, NULL);
}
