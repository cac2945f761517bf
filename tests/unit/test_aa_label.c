/*
 * test_aa_label: core/aa_label, label text as the kernel prints it
 * (aa_label_snxprint) and aa_splitcon() splits it. Degenerate inputs first,
 * then the shapes seen in /proc/<pid>/attr/apparmor/current, apparmorfs
 * "profiles" lines and denial records.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "../../core/aa_label.h"

static void expect_error(const char *con)
{
    struct aa_label l;
    int rc = aa_label_parse(con, &l);
    if (rc != -KERR_PARSE)
        print_error("\"%s\": rc %d\n", con ? con : "(null)", rc);
    assert_int_equal(rc, -KERR_PARSE);
    aa_label_done(&l);
    assert_null(l.components);
    assert_int_equal(l.component_count, 0);
}

static void test_null_arguments(void **state)
{
    (void)state;
    struct aa_label l;
    assert_int_equal(aa_label_parse(NULL, &l), -KERR_INVAL);
    assert_int_equal(l.component_count, 0);
    aa_label_done(&l);
    assert_int_equal(aa_label_parse("x (enforce)", NULL), -KERR_INVAL);
    aa_label_done(NULL);
    assert_false(aa_label_has_profile(NULL, "x"));
    assert_int_equal(aa_label_parse("x (enforce)", &l), 0);
    assert_false(aa_label_has_profile(&l, NULL));
    aa_label_done(&l);
}

static void test_empty_and_garbage(void **state)
{
    (void)state;
    expect_error("");
    expect_error("\n");
    expect_error("no mode");
    expect_error("k8s-x (enforce");      /* no closing parenthesis */
    expect_error("k8s-x enforce)");      /* no " (" */
    expect_error(" (enforce)");          /* no label */
    expect_error("k8s-x ()");            /* empty mode */
    expect_error("k8s-x (enforce)\n\n"); /* only one newline is stripped */
    expect_error("a//& (enforce)");      /* empty stacked component */
    expect_error("//&b (enforce)");
    expect_error("a//&//&b (enforce)");
    expect_error(":ns (enforce)");  /* namespace without its second colon */
    expect_error("::p (enforce)");  /* empty namespace */
    expect_error(":ns: (enforce)"); /* namespace without a profile */
    expect_error(":ns:// (enforce)");
    expect_error("unconfined\n\n");
}

static void test_mode_names(void **state)
{
    (void)state;
    assert_string_equal(aa_label_mode_name(AA_LABEL_MODE_ENFORCE), "enforce");
    assert_string_equal(aa_label_mode_name(AA_LABEL_MODE_NONE), "");
    assert_string_equal(aa_label_mode_name(AA_LABEL_MODE_MIXED), "mixed");
    assert_string_equal(aa_label_mode_name((enum aa_label_mode)77), "?");
}

static void test_unconfined(void **state)
{
    (void)state;
    struct aa_label l;
    assert_int_equal(aa_label_parse("unconfined", &l), 0);
    assert_int_equal(l.mode, AA_LABEL_MODE_NONE);
    assert_null(l.mode_str);
    assert_int_equal(l.component_count, 1);
    assert_null(l.components[0].ns);
    assert_string_equal(l.components[0].name, "unconfined");
    assert_true(l.is_unconfined);
    assert_false(l.is_stacked);
    assert_true(aa_label_has_profile(&l, "unconfined"));
    aa_label_done(&l);
    assert_int_equal(aa_label_parse("unconfined\n", &l), 0);
    assert_true(l.is_unconfined);
    aa_label_done(&l);
}

static void test_weird_name_last_paren(void **state)
{
    (void)state;
    struct aa_label l;
    assert_int_equal(aa_label_parse("weird name (x) (enforce)", &l), 0);
    assert_int_equal(l.mode, AA_LABEL_MODE_ENFORCE);
    assert_string_equal(l.mode_str, "enforce");
    assert_int_equal(l.component_count, 1);
    assert_string_equal(l.components[0].name, "weird name (x)");
    assert_null(l.components[0].ns);
    assert_false(l.is_unconfined);
    assert_true(aa_label_has_profile(&l, "weird name (x)"));
    assert_false(aa_label_has_profile(&l, "weird name"));
    aa_label_done(&l);
    aa_label_done(&l); /* safe twice */
}

static void test_stack_with_namespace(void **state)
{
    (void)state;
    struct aa_label l;
    assert_int_equal(aa_label_parse("a//&:ns:b (mixed)", &l), 0);
    assert_int_equal(l.mode, AA_LABEL_MODE_MIXED);
    assert_true(l.is_stacked);
    assert_int_equal(l.component_count, 2);
    assert_null(l.components[0].ns);
    assert_string_equal(l.components[0].name, "a");
    assert_string_equal(l.components[1].ns, "ns");
    assert_string_equal(l.components[1].name, "b");
    assert_true(aa_label_has_profile(&l, "a"));
    assert_true(aa_label_has_profile(&l, ":ns:b"));
    assert_true(aa_label_has_profile(&l, ":ns://b"));
    assert_false(aa_label_has_profile(&l, "b")); /* b in the root namespace: no */
    assert_false(aa_label_has_profile(&l, ":other:b"));
    assert_false(aa_label_has_profile(&l, ":ns:"));
    assert_false(l.is_unconfined);
    aa_label_done(&l);
}

static void test_namespace_double_slash(void **state)
{
    (void)state;
    struct aa_label l;
    assert_int_equal(aa_label_parse(":myns://k8s-tiny (complain)", &l), 0);
    assert_int_equal(l.mode, AA_LABEL_MODE_COMPLAIN);
    assert_string_equal(l.components[0].ns, "myns");
    assert_string_equal(l.components[0].name, "k8s-tiny");
    aa_label_done(&l);
}

static void test_containerd_with_newline(void **state)
{
    (void)state;
    struct aa_label l;
    assert_int_equal(aa_label_parse("cri-containerd.apparmor.d (enforce)\n", &l), 0);
    assert_int_equal(l.mode, AA_LABEL_MODE_ENFORCE);
    assert_string_equal(l.components[0].name, "cri-containerd.apparmor.d");
    assert_true(aa_label_has_profile(&l, "cri-containerd.apparmor.d"));
    aa_label_done(&l);
}

static void test_complain_and_other_modes(void **state)
{
    (void)state;
    static const struct {
        const char *con;
        enum aa_label_mode mode;
        const char *mode_str;
    } cases[] = {
        {"k8s-deny-write (complain)", AA_LABEL_MODE_COMPLAIN, "complain"},
        {"k8s-deny-write (kill)", AA_LABEL_MODE_KILL, "kill"},
        {"k8s-deny-write (unconfined)", AA_LABEL_MODE_UNCONFINED, "unconfined"},
        {"k8s-deny-write (user)", AA_LABEL_MODE_USER, "user"},
        {"k8s-deny-write (prompt)", AA_LABEL_MODE_UNKNOWN, "prompt"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct aa_label l;
        assert_int_equal(aa_label_parse(cases[i].con, &l), 0);
        assert_int_equal(l.mode, cases[i].mode);
        assert_string_equal(l.mode_str, cases[i].mode_str);
        assert_string_equal(l.components[0].name, "k8s-deny-write");
        /* a profile in unconfined mode is still a profile, not "unconfined" */
        assert_false(l.is_unconfined);
        aa_label_done(&l);
    }
}

static void test_hat(void **state)
{
    (void)state;
    struct aa_label l;
    assert_int_equal(aa_label_parse("parent//hat (enforce)", &l), 0);
    assert_int_equal(l.component_count, 1);
    assert_false(l.is_stacked);
    assert_string_equal(l.components[0].name, "parent//hat");
    assert_true(aa_label_has_profile(&l, "parent//hat"));
    assert_false(aa_label_has_profile(&l, "parent"));
    aa_label_done(&l);
}

static void test_stack_with_unconfined(void **state)
{
    (void)state;
    struct aa_label l;
    assert_int_equal(aa_label_parse("unconfined//&:k8s:unconfined (unconfined)", &l), 0);
    assert_true(l.is_unconfined);
    assert_true(l.is_stacked);
    aa_label_done(&l);
    assert_int_equal(aa_label_parse("unconfined//&k8s-x (enforce)", &l), 0);
    assert_false(l.is_unconfined);
    assert_int_equal(l.component_count, 2);
    aa_label_done(&l);
    /* three components */
    assert_int_equal(aa_label_parse("a//&b//&:n:c//hat (mixed)", &l), 0);
    assert_int_equal(l.component_count, 3);
    assert_string_equal(l.components[2].name, "c//hat");
    assert_string_equal(l.components[2].ns, "n");
    aa_label_done(&l);
}

#define T(f) cmocka_unit_test(f)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_null_arguments),
        T(test_empty_and_garbage),
        T(test_mode_names),
        T(test_unconfined),
        T(test_weird_name_last_paren),
        T(test_stack_with_namespace),
        T(test_namespace_double_slash),
        T(test_containerd_with_newline),
        T(test_complain_and_other_modes),
        T(test_hat),
        T(test_stack_with_unconfined),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
