/*
 * test_cli: armortop's command-line contract (DESIGN.md): every flag, both
 * spellings, and every usage error that must exit 1.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "../../tui/cli.h"

static int parse(struct cli_opts *o, char *err, const char *const *args)
{
    char *argv[32];
    int argc = 0;
    argv[argc++] = (char *)"armortop";
    for (size_t i = 0; args[i]; i++)
        argv[argc++] = (char *)args[i];
    argv[argc] = NULL;
    return cli_parse(argc, argv, o, err, 256);
}

static void test_no_args_defaults(void **state)
{
    (void)state;
    struct cli_opts o;
    char err[256];
    const char *args[] = { NULL };
    assert_int_equal(parse(&o, err, args), 0);
    assert_null(o.once_view);
    assert_null(o.ns);
    assert_false(o.is_all_namespaces);
    assert_false(o.is_readonly);
    assert_int_equal(o.output, CLI_OUTPUT_TABLE);
    assert_true(o.refresh_s > 1.99 && o.refresh_s < 2.01);
}

static void test_once_json_all_namespaces(void **state)
{
    (void)state;
    struct cli_opts o;
    char err[256];
    const char *args[] = { "--once", "pods", "-o", "json", "-A", "--kubeconfig", "/k", NULL };
    assert_int_equal(parse(&o, err, args), 0);
    assert_string_equal(o.once_view, "pods");
    assert_int_equal(o.output, CLI_OUTPUT_JSON);
    assert_true(o.is_all_namespaces);
    assert_string_equal(o.kubeconfig, "/k");
}

static void test_equals_forms(void **state)
{
    (void)state;
    struct cli_opts o;
    char err[256];
    const char *args[] = { "--once=nodes", "--output=table", "--context=prod", "--namespace=x",
                           "--refresh=0.5", "--theme=mono", NULL };
    assert_int_equal(parse(&o, err, args), 0);
    assert_string_equal(o.once_view, "nodes");
    assert_string_equal(o.context, "prod");
    assert_string_equal(o.ns, "x");
    assert_string_equal(o.theme, "mono");
    assert_true(o.refresh_s > 0.49 && o.refresh_s < 0.51);
}

static void test_short_namespace_attached(void **state)
{
    (void)state;
    struct cli_opts o;
    char err[256];
    const char *args[] = { "-npayments", NULL };
    assert_int_equal(parse(&o, err, args), 0);
    assert_string_equal(o.ns, "payments");
}

static void test_kiosk_implies_readonly(void **state)
{
    (void)state;
    struct cli_opts o;
    char err[256];
    const char *args[] = { "--kiosk", NULL };
    assert_int_equal(parse(&o, err, args), 0);
    assert_true(o.is_kiosk);
    assert_true(o.is_readonly);
}

static void test_usage_errors(void **state)
{
    (void)state;
    struct cli_opts o;
    char err[256];
    const char *bad[][6] = {
        { "-n", "x", "-A", NULL },
        { "--once", "everything", NULL },
        { "--once", "pods", "-o", "yaml", NULL },
        { "-o", "json", NULL },
        { "--refresh", "0", NULL },
        { "--refresh", "abc", NULL },
        { "--kubeconfig", NULL },
        { "--bogus", NULL },
        { "-n", "", NULL },
        { "--kiosk-rotate", "0", NULL },
        { "--kiosk-rotate", "soon", NULL },
        { "--script", NULL },
        { "--exit-key", "", NULL },
        { "--once", "pods", "--script", "s", NULL },
        { "--once", "pods", "--kiosk-rotate", "5", NULL },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err[0] = '\0';
        assert_int_equal(parse(&o, err, bad[i]), -1);
        assert_true(strlen(err) > 5);
    }
}

static void test_tui_flags(void **state)
{
    (void)state;
    struct cli_opts o;
    char err[256];
    const char *none[] = { NULL };
    assert_int_equal(parse(&o, err, none), 0);
    assert_null(o.script);
    assert_null(o.exit_key);
    assert_true(o.kiosk_rotate_s == 0);
    const char *args[] = { "--kiosk", "--kiosk-rotate", "30", "--exit-key=^X", "--script",
                           "keys.txt", NULL };
    assert_int_equal(parse(&o, err, args), 0);
    assert_true(o.is_kiosk && o.is_readonly);
    assert_true(o.kiosk_rotate_s > 29.9 && o.kiosk_rotate_s < 30.1);
    assert_string_equal(o.exit_key, "^X");
    assert_string_equal(o.script, "keys.txt");
}

static void test_every_view_accepted(void **state)
{
    (void)state;
    const char *views[] = { "nodes", "pods", "profiles", "denials", "findings" };
    for (size_t i = 0; i < 5; i++) {
        struct cli_opts o;
        char err[256];
        const char *args[] = { "--once", views[i], NULL };
        assert_int_equal(parse(&o, err, args), 0);
        assert_string_equal(o.once_view, views[i]);
    }
}

static void test_usage_mentions_every_flag(void **state)
{
    (void)state;
    const char *flags[] = { "--kubeconfig", "--context", "-n", "-A", "--readonly", "--kiosk",
                            "--theme", "--refresh", "--once", "-o", "--version", "--help",
                            "--kiosk-rotate", "--exit-key", "--script" };
    for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++)
        assert_non_null(strstr(cli_usage(), flags[i]));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_no_args_defaults),
        cmocka_unit_test(test_once_json_all_namespaces),
        cmocka_unit_test(test_equals_forms),
        cmocka_unit_test(test_short_namespace_attached),
        cmocka_unit_test(test_kiosk_implies_readonly),
        cmocka_unit_test(test_usage_errors),
        cmocka_unit_test(test_tui_flags),
        cmocka_unit_test(test_every_view_accepted),
        cmocka_unit_test(test_usage_mentions_every_flag),
    };
    return cmocka_run_group_tests_name("cli", tests, NULL, NULL);
}
