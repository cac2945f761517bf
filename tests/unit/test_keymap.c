/*
 * test_keymap: key → action lookups (generic and per pane, overrides),
 * key names both ways, the help listing of keys, and key-script parsing
 * (script.c) — all without a terminal.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "../../tui/curses.h"
#include "../../tui/keymap.h"
#include "../../tui/script.h"

static int reset(void **state)
{
    (void)state;
    keymap_reset();
    return 0;
}

static void test_unbound(void **state)
{
    (void)state;
    assert_int_equal(keymap_lookup(NULL, 'Z'), ACT_NONE);
    assert_int_equal(keymap_lookup("pods", 0), ACT_NONE);
    assert_int_equal(keymap_lookup("no-such-pane", 'x'), ACT_NONE);
}

static void test_generic_and_pane_bindings(void **state)
{
    (void)state;
    assert_int_equal(keymap_lookup(NULL, 'q'), ACT_QUIT);
    assert_int_equal(keymap_lookup("pods", 'q'), ACT_QUIT);
    assert_int_equal(keymap_lookup("nodes", TKEY_FUNC | KEY_DOWN), ACT_MOVE_DOWN);
    assert_int_equal(keymap_lookup(NULL, '1'), ACT_VIEW_PODS);
    assert_int_equal(keymap_lookup(NULL, '5'), ACT_VIEW_FINDINGS);
    assert_int_equal(keymap_lookup(NULL, '\t'), ACT_VIEW_NEXT);
    assert_int_equal(keymap_lookup(NULL, '\n'), ACT_ENTER);
    assert_int_equal(keymap_lookup(NULL, TKEY_ESC), ACT_BACK);
    /* pane-specific keys only in their pane */
    assert_int_equal(keymap_lookup("pods", 'd'), ACT_DENIALS_OF);
    assert_int_equal(keymap_lookup("nodes", 'd'), ACT_NONE);
}

static void test_bind_overrides(void **state)
{
    (void)state;
    assert_int_equal(keymap_bind(NULL, "x", "quit"), 0);
    assert_int_equal(keymap_lookup("pods", 'x'), ACT_QUIT);
    assert_int_equal(keymap_bind("pods", "x", "help"), 0);
    assert_int_equal(keymap_lookup("pods", 'x'), ACT_HELP);
    assert_int_equal(keymap_lookup("nodes", 'x'), ACT_QUIT);
    assert_int_equal(keymap_bind(NULL, "q", "none"), 0); /* unbind */
    assert_int_equal(keymap_lookup(NULL, 'q'), ACT_NONE);
    assert_int_equal(keymap_bind(NULL, "<Nope>", "quit"), -1);
    assert_int_equal(keymap_bind(NULL, "y", "no-such-action"), -1);
    keymap_reset();
    assert_int_equal(keymap_lookup(NULL, 'q'), ACT_QUIT);
}

static void test_key_names(void **state)
{
    (void)state;
    char buf[32];
    assert_int_equal(keymap_parse_key(NULL), -1);
    assert_int_equal(keymap_parse_key(""), -1);
    assert_int_equal(keymap_parse_key("q"), 'q');
    assert_int_equal(keymap_parse_key("^Q"), 17);
    assert_int_equal(keymap_parse_key("<C-q>"), 17);
    assert_int_equal(keymap_parse_key("<Down>"), TKEY_FUNC | KEY_DOWN);
    assert_int_equal(keymap_parse_key("<down>"), TKEY_FUNC | KEY_DOWN);
    assert_int_equal(keymap_parse_key("<Enter>"), '\n');
    assert_int_equal(keymap_parse_key("<Esc>"), 27);
    assert_int_equal(keymap_parse_key("<F10>"), TKEY_FUNC | KEY_F(10));
    assert_int_equal(keymap_parse_key("<F13>"), -1);
    assert_int_equal(keymap_parse_key("<Bogus>"), -1);
    assert_int_equal(keymap_parse_key("ab"), -1);
    assert_int_equal(keymap_parse_key("é"), 0xe9);
    assert_string_equal(keymap_key_name(TKEY_FUNC | KEY_DOWN, buf, sizeof buf), "<Down>");
    assert_string_equal(keymap_key_name(17, buf, sizeof buf), "^Q");
    assert_string_equal(keymap_key_name('j', buf, sizeof buf), "j");
    assert_string_equal(keymap_key_name(0xe9, buf, sizeof buf), "é");
    assert_string_equal(keymap_key_name(TKEY_FUNC | KEY_F(1), buf, sizeof buf), "<F1>");
    /* round trip */
    const char *names[] = { "<Up>", "<PgDn>", "<Home>", "<Tab>", "^B", "G" };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        assert_string_equal(keymap_key_name(keymap_parse_key(names[i]), buf, sizeof buf),
                            names[i]);
}

static void test_keys_for_help(void **state)
{
    (void)state;
    char buf[128];
    assert_string_equal(keymap_keys_for(ACT_MOVE_DOWN, NULL, buf, sizeof buf), "j <Down>");
    assert_string_equal(keymap_keys_for(ACT_HELP, NULL, buf, sizeof buf), "? <F1>");
    assert_string_equal(keymap_keys_for(ACT_DENIALS_OF, "pods", buf, sizeof buf), "d");
    assert_string_equal(keymap_keys_for(ACT_DUMP_SCREEN, NULL, buf, sizeof buf), "");
    /* a rebound key is no longer listed for its old action */
    keymap_bind(NULL, "j", "quit");
    assert_string_equal(keymap_keys_for(ACT_MOVE_DOWN, NULL, buf, sizeof buf), "<Down>");
}

static void test_script_parse(void **state)
{
    (void)state;
    struct script s;
    char err[128];
    memset(&s, 0, sizeof s);
    const char *text = "# a comment\n"
                       "\n"
                       "<Down> <Down>j\n"
                       "/re:^data\n"
                       ":ns all\n"
                       "<Resize 120x40>\n"
                       "<Wait-refresh>\n"
                       "<Dump /tmp/x.screen>\n"
                       "^Q\n";
    assert_int_equal(script_parse(&s, text, err, sizeof err), 0);
    size_t i = 0;
    assert_int_equal(s.steps[i++].key, TKEY_FUNC | KEY_DOWN);
    assert_int_equal(s.steps[i++].key, TKEY_FUNC | KEY_DOWN);
    assert_int_equal(s.steps[i++].key, 'j');
    assert_int_equal(s.steps[i++].key, '/');
    const char *typed = "re:^data";
    for (const char *p = typed; *p; p++)
        assert_int_equal(s.steps[i++].key, *p);
    assert_int_equal(s.steps[i++].key, '\n');
    assert_int_equal(s.steps[i++].key, ':');
    i += strlen("ns all");
    assert_int_equal(s.steps[i++].key, '\n');
    assert_int_equal(s.steps[i].kind, SCRIPT_RESIZE);
    assert_int_equal(s.steps[i].cols, 120);
    assert_int_equal(s.steps[i++].rows, 40);
    assert_int_equal(s.steps[i++].kind, SCRIPT_WAIT_REFRESH);
    assert_int_equal(s.steps[i].kind, SCRIPT_DUMP);
    assert_string_equal(s.steps[i++].path, "/tmp/x.screen");
    assert_int_equal(s.steps[i].key, 17);
    assert_int_equal(s.steps[i++].line, 9);
    assert_int_equal(s.count, i);
    script_done(&s);
}

static void test_script_errors(void **state)
{
    (void)state;
    struct script s;
    char err[128];
    memset(&s, 0, sizeof s);
    assert_int_equal(script_parse(&s, "<Down\n", err, sizeof err), -1);
    assert_string_equal(err, "line 1: unterminated <");
    script_done(&s);
    assert_int_equal(script_parse(&s, "\n<Sparkle>\n", err, sizeof err), -1);
    assert_string_equal(err, "line 2: unknown key <Sparkle>");
    script_done(&s);
    assert_int_equal(script_parse(&s, "<Resize 0x0>\n", err, sizeof err), -1);
    script_done(&s);
    assert_int_equal(script_load(&s, "/nonexistent/script", err, sizeof err), -1);
    script_done(&s);
    assert_int_equal(script_parse(&s, "", err, sizeof err), 0);
    assert_int_equal(s.count, 0);
    script_done(&s);
    /* a prompt line ending in a key token: text (spaces kept) and keys, no Enter */
    assert_int_equal(script_parse(&s, "/a b<Lt><Esc>\n", err, sizeof err), 0);
    assert_int_equal(s.count, 6);
    assert_int_equal(s.steps[0].key, '/');
    assert_int_equal(s.steps[2].key, ' ');
    assert_int_equal(s.steps[4].key, '<');
    assert_int_equal(s.steps[5].key, 27);
    script_done(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_unbound, reset),
        cmocka_unit_test_setup(test_generic_and_pane_bindings, reset),
        cmocka_unit_test_setup(test_bind_overrides, reset),
        cmocka_unit_test_setup(test_key_names, reset),
        cmocka_unit_test_setup(test_keys_for_help, reset),
        cmocka_unit_test_setup(test_script_parse, reset),
        cmocka_unit_test_setup(test_script_errors, reset),
    };
    return cmocka_run_group_tests_name("keymap", tests, NULL, NULL);
}
