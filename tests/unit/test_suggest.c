/*
 * test_suggest: the rule that would allow a denial (core/suggest), one table
 * row per case, degenerate inputs first; plus the TUI's profile-name reader
 * and base64 (tui/profile_text).
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "suggest.h"
#include "../../tui/profile_text.h"

static void test_null_record(void **state)
{
    (void)state;
    struct suggestion sg;
    assert_int_equal(suggest_rule(NULL, NULL, &sg), -1);
    assert_string_equal(sg.rule, "");
    assert_true(sg.note[0] != '\0');
}

static void test_empty_record(void **state)
{
    (void)state;
    struct agent_denial_record r = { 0 };
    struct suggestion sg;
    assert_int_equal(suggest_rule(&r, NULL, &sg), -1);
    assert_string_equal(sg.rule, "");
}

struct row {
    const char *op, *cls, *name, *req, *den;
    struct suggest_extra x;
    const char *want;
    int rc;
};

static void test_table(void **state)
{
    (void)state;
    static const struct row rows[] = {
        { "open", "file", "/etc/shadow", "r", "r", { 0 }, "/etc/shadow r,", 0 },
        { "open", NULL, "/etc/shadow", "r", NULL, { 0 }, "/etc/shadow r,", 0 },
        { "open", "file", "/var/log/app.log", "wc", "wc", { 0 }, "/var/log/app.log w,", 0 },
        { "open", "file", "/var/log/app.log", "a", "a", { 0 }, "/var/log/app.log a,", 0 },
        { "open", "file", "/var/log/app.log", "wa", "wa", { 0 }, "/var/log/app.log w,", 0 },
        { "mknod", "file", "/usr/local/bin/payload", "c", "c", { 0 },
          "/usr/local/bin/payload w,", 0 },
        { "unlink", "file", "/tmp/x", "d", "d", { 0 }, "/tmp/x w,", 0 },
        { "exec", "file", "/usr/bin/curl", "x", "x", { 0 }, "/usr/bin/curl ix,", 0 },
        { "file_mmap", "file", "/usr/lib/libc.so.6", "rm", "m", { 0 },
          "/usr/lib/libc.so.6 m,", 0 },
        { "file_lock", "file", "/run/app.lock", "k", "k", { 0 }, "/run/app.lock k,", 0 },
        { "link", "file", "/tmp/a", "l", "l", { 0 }, "/tmp/a l,", 0 },
        { "open", "file", "/srv/my data/f", "r", "r", { 0 }, "\"/srv/my data/f\" r,", 0 },
        { "open", "file", "/etc/x", "rw", "rw", { 0 }, "/etc/x rw,", 0 },
        { "capable", NULL, "net_admin", NULL, NULL, { 0 }, "capability net_admin,", 0 },
        { "capable", "cap", "sys_ptrace", NULL, NULL, { 0 }, "capability sys_ptrace,", 0 },
        { "capable", "cap", NULL, NULL, NULL, { 0 }, "", -1 },
        { "create", "net", NULL, "create", "create", { .family = "inet", .sock_type = "raw" },
          "network inet raw,", 0 },
        { "connect", "net", NULL, "send receive connect", "send connect",
          { .family = "inet6", .sock_type = "stream" }, "network inet6 stream,", 0 },
        { "create", "net", NULL, "create", "create", { 0 }, "network,", 0 },
        { "connect", NULL, NULL, "connect", "connect", { 0 }, "network,", 0 },
        { "signal", "signal", NULL, "receive", "receive",
          { .signal = "term", .peer = "X" }, "signal (receive) set=(term) peer=X,", 0 },
        { "signal", NULL, NULL, "send", "send", { 0 }, "signal (send),", 0 },
        { "ptrace", "ptrace", NULL, "read", "read", { .peer = "unconfined" },
          "ptrace (read) peer=unconfined,", 0 },
        { "ptrace", NULL, NULL, "trace", "trace", { 0 }, "ptrace (trace),", 0 },
        { "connect", "unix", NULL, "connect", "connect", { .sock_type = "stream" },
          "unix (connect) type=stream,", 0 },
        { "sendmsg", "net", NULL, "send", "send", { .family = "unix" }, "unix (send),", 0 },
        { "mount", "mount", "/mnt", NULL, NULL, { .fstype = "tmpfs" },
          "mount fstype=tmpfs -> /mnt/,", 0 },
        { "umount", NULL, "/mnt/", NULL, NULL, { 0 }, "umount /mnt/,", 0 },
        { "change_profile", NULL, "foo", NULL, NULL, { 0 }, "", -1 },
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        const struct row *w = &rows[i];
        struct agent_denial_record r = { 0 };
        r.operation = (char *)w->op;
        r.rule_class = (char *)w->cls;
        r.name = (char *)w->name;
        r.requested_mask = (char *)w->req;
        r.denied_mask = (char *)w->den;
        struct suggestion sg;
        int rc = suggest_rule(&r, &w->x, &sg);
        if (rc != w->rc || strcmp(sg.rule, w->want) != 0)
            print_error("row %zu (%s %s): got %d \"%s\", want %d \"%s\"\n", i, w->op,
                        w->name ? w->name : "-", rc, sg.rule, w->rc, w->want);
        assert_int_equal(rc, w->rc);
        assert_string_equal(sg.rule, w->want);
    }
}

static void test_exec_note(void **state)
{
    (void)state;
    struct agent_denial_record r = { .operation = "exec", .name = "/bin/sh", .denied_mask = "x" };
    struct suggestion sg;
    assert_int_equal(suggest_rule(&r, NULL, &sg), 0);
    assert_non_null(strstr(sg.note, "px"));
    assert_non_null(strstr(sg.note, "cx"));
}

static void test_file_perms(void **state)
{
    (void)state;
    char b[16];
    assert_string_equal(suggest_file_perms(NULL, b, sizeof b), "");
    assert_string_equal(suggest_file_perms("", b, sizeof b), "");
    assert_string_equal(suggest_file_perms("?", b, sizeof b), "");
    assert_string_equal(suggest_file_perms("rwlkmx", b, sizeof b), "rwlkmix");
    assert_string_equal(suggest_file_perms("xr", b, sizeof b), "rix");
}

static void test_profile_name(void **state)
{
    (void)state;
    char b[64];
    assert_int_equal(profile_text_name("", b, sizeof b), -1);
    assert_int_equal(profile_text_name("# only a comment\n", b, sizeof b), -1);
    assert_int_equal(profile_text_name("abi <abi/3.0>,\ninclude <tunables/global>\n"
                                       "profile k8s-nginx flags=(attach_disconnected) {\n"
                                       "  /etc/** r,\n}\n",
                                       b, sizeof b),
                     0);
    assert_string_equal(b, "k8s-nginx");
    assert_int_equal(profile_text_name("/usr/bin/foo {\n}\n", b, sizeof b), 0);
    assert_string_equal(b, "/usr/bin/foo");
    assert_int_equal(profile_text_name("@{HOME}=/home\nprofile \"a b\" {\n}\n", b, sizeof b), 0);
    assert_string_equal(b, "a b");
    assert_int_equal(profile_text_name("profile x{\n}\n", b, sizeof b), 0);
    assert_string_equal(b, "x");
    char tiny[3];
    assert_int_equal(profile_text_name("profile toolong {\n}\n", tiny, sizeof tiny), -1);
}

static void test_base64(void **state)
{
    (void)state;
    char b[32];
    assert_int_equal(profile_base64("", 0, b, sizeof b), 0);
    assert_string_equal(b, "");
    assert_int_equal(profile_base64("f", 1, b, sizeof b), 4);
    assert_string_equal(b, "Zg==");
    assert_int_equal(profile_base64("fo", 2, b, sizeof b), 4);
    assert_string_equal(b, "Zm8=");
    assert_int_equal(profile_base64("foobar", 6, b, sizeof b), 8);
    assert_string_equal(b, "Zm9vYmFy");
    assert_int_equal(profile_base64("foobar", 6, b, 8), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_null_record),  cmocka_unit_test(test_empty_record),
        cmocka_unit_test(test_table),        cmocka_unit_test(test_exec_note),
        cmocka_unit_test(test_file_perms),   cmocka_unit_test(test_profile_name),
        cmocka_unit_test(test_base64),
    };
    return cmocka_run_group_tests_name("suggest", tests, NULL, NULL);
}
