/*
 * test_actions: the one read-only gate (core/actions.c) and the TUI's action
 * table that feeds it: read-only refuses every mutation, kiosk refuses
 * everything but the exit key, and every mutating action in ACTION_LIST is
 * classed as such so the gate sees it.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/actions.h"
#include "../../tui/actions.h"
#include "../../tui/keymap.h"

static void test_null_and_unknown(void **state)
{
    (void)state;
    struct kerr e = { 0 };
    assert_int_equal(actions_check(NULL, NULL, &e), -KERR_INVAL);
    struct action_desc bad = { "x", (enum action_class)99 };
    assert_int_equal(actions_check(NULL, &bad, NULL), -KERR_INVAL);
    struct action_desc ok = { "x", ACTION_CLASS_MUTATE };
    assert_int_equal(actions_check(NULL, &ok, NULL), 0); /* no ctx: no restriction */
    assert_string_equal(action_class_name(ACTION_CLASS_MUTATE), "mutate");
    assert_string_equal(action_class_name((enum action_class)-1), "unknown");
}

static void test_normal_allows_everything(void **state)
{
    (void)state;
    struct actions_ctx ctx = { false, false };
    for (int c = 0; c < ACTION_CLASS__COUNT; c++) {
        struct action_desc d = { "a", (enum action_class)c };
        assert_int_equal(actions_check(&ctx, &d, NULL), 0);
    }
}

static void test_readonly_refuses_mutations_only(void **state)
{
    (void)state;
    struct actions_ctx ctx = { .is_readonly = true };
    struct kerr e = { 0 };
    struct action_desc load = { "profile-load", ACTION_CLASS_MUTATE };
    assert_int_equal(actions_check(&ctx, &load, &e), -KERR_FORBIDDEN);
    assert_string_equal(e.msg, "read-only: profile-load disabled");
    struct action_desc view = { "view-nodes", ACTION_CLASS_VIEW };
    struct action_desc quit = { "quit", ACTION_CLASS_LEAVE };
    struct action_desc theme = { "theme", ACTION_CLASS_LOCAL };
    assert_true(actions_allowed(&ctx, &view));
    assert_true(actions_allowed(&ctx, &quit));
    assert_true(actions_allowed(&ctx, &theme));
}

static void test_kiosk_refuses_all_but_exit_key(void **state)
{
    (void)state;
    struct actions_ctx ctx = { .is_readonly = true, .is_kiosk = true };
    struct kerr e = { 0 };
    for (int c = 0; c < ACTION_CLASS__COUNT; c++) {
        struct action_desc d = { "a", (enum action_class)c };
        int rc = actions_check(&ctx, &d, &e);
        if (c == ACTION_CLASS_EXIT_KEY)
            assert_int_equal(rc, 0);
        else
            assert_int_equal(rc, -KERR_FORBIDDEN);
    }
    struct action_desc quit = { "quit", ACTION_CLASS_LEAVE };
    assert_int_equal(actions_check(&ctx, &quit, &e), -KERR_FORBIDDEN);
    assert_string_equal(e.msg, "kiosk: quit disabled");
}

static void test_kiosk_alone_also_refuses_mutation(void **state)
{
    (void)state;
    struct actions_ctx ctx = { .is_kiosk = true }; /* even if readonly was not set */
    struct action_desc load = { "profile-load", ACTION_CLASS_MUTATE };
    assert_false(actions_allowed(&ctx, &load));
}

static void test_action_table_classes(void **state)
{
    (void)state;
    /* every profile-changing action is a mutation, so --readonly refuses it */
    const enum action_id mut[] = { ACT_PROFILE_LOAD, ACT_PROFILE_LOAD_ALL, ACT_PROFILE_UNLOAD,
                                   ACT_PROFILE_MODE };
    struct actions_ctx ro = { .is_readonly = true };
    for (size_t i = 0; i < sizeof mut / sizeof mut[0]; i++) {
        assert_int_equal(action_desc(mut[i])->cls, ACTION_CLASS_MUTATE);
        assert_false(actions_allowed(&ro, action_desc(mut[i])));
    }
    assert_int_equal(action_desc(ACT_QUIT)->cls, ACTION_CLASS_LEAVE);
    assert_int_equal(action_desc(ACT_KIOSK_EXIT)->cls, ACTION_CLASS_EXIT_KEY);
    assert_int_equal(action_desc(ACT_DUMP_SCREEN)->cls, ACTION_CLASS_LOCAL);
    assert_int_equal(action_desc(ACT_THEME)->cls, ACTION_CLASS_LOCAL);
    /* names are unique, help is never empty, lookup round-trips */
    for (int a = 0; a < ACT__COUNT; a++) {
        assert_non_null(action_name((enum action_id)a));
        assert_true(strlen(action_help((enum action_id)a)) > 3);
        assert_int_equal(action_find(action_name((enum action_id)a)), a);
        for (int b = a + 1; b < ACT__COUNT; b++)
            assert_string_not_equal(action_name((enum action_id)a), action_name((enum action_id)b));
    }
    assert_null(action_name(ACT__COUNT));
    assert_int_equal(action_find("no-such-action"), ACT_NONE);
}

static void test_keymap_mutations_are_bound(void **state)
{
    (void)state;
    keymap_reset();
    /* the keys the drill-down hint promises exist, and go through the gate */
    assert_int_equal(keymap_lookup("detail", 'l'), ACT_PROFILE_LOAD);
    assert_int_equal(keymap_lookup("detail", 'L'), ACT_PROFILE_LOAD_ALL);
    assert_int_equal(keymap_lookup("profiles", 'u'), ACT_PROFILE_UNLOAD);
    assert_int_equal(keymap_lookup("profiles", 'm'), ACT_PROFILE_MODE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_null_and_unknown),
        cmocka_unit_test(test_normal_allows_everything),
        cmocka_unit_test(test_readonly_refuses_mutations_only),
        cmocka_unit_test(test_kiosk_refuses_all_but_exit_key),
        cmocka_unit_test(test_kiosk_alone_also_refuses_mutation),
        cmocka_unit_test(test_action_table_classes),
        cmocka_unit_test(test_keymap_mutations_are_bound),
    };
    return cmocka_run_group_tests_name("actions", tests, NULL, NULL);
}
