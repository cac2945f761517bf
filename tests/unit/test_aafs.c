/*
 * test_aafs: core/aafs over apparmorfs-like trees generated in mkdtemp
 * directories: the `profiles` file merged with policy/ (namespaces, nested
 * namespaces, hats, sha1 vs sha256, complain mode, names with spaces, mangled
 * directory names that differ from `name`, malformed lines and bounds), the
 * revision fd, and the simulator's fake load/replace/remove round trip.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../core/aafs.h"
#include "../../core/kerr.h"

#define SHA256_A "a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90"
#define SHA256_B "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
#define SHA1_A "0123456789abcdef0123456789abcdef01234567"

/* ------------------------------------------------------------ helpers */

struct tmpdir {
    char path[128];
};

static int rm_cb(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(p);
}

static void tmp_make(struct tmpdir *t)
{
    snprintf(t->path, sizeof t->path, "/tmp/test_aafs.XXXXXX");
    assert_non_null(mkdtemp(t->path));
}

static void tmp_remove(struct tmpdir *t)
{
    nftw(t->path, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
}

static void mkdirs(const char *path)
{
    char buf[1024];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *p = buf + 1; *p; p++) {
        if (*p == '/') {
            *p = '\0';
            mkdir(buf, 0755);
            *p = '/';
        }
    }
    mkdir(buf, 0755);
}

/* Write base/rel (creating directories) with len bytes of content. */
static void put_n(const char *base, const char *rel, const char *content, size_t len)
{
    char path[1024];
    char dir[1024];
    snprintf(path, sizeof path, "%s/%s", base, rel);
    snprintf(dir, sizeof dir, "%s", path);
    *strrchr(dir, '/') = '\0';
    mkdirs(dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    assert_int_equal(fwrite(content, 1, len, f), len);
    fclose(f);
}

static void put(const char *base, const char *rel, const char *content)
{
    put_n(base, rel, content, strlen(content));
}

static bool exists(const char *base, const char *rel)
{
    char path[1024];
    struct stat st;
    snprintf(path, sizeof path, "%s/%s", base, rel);
    return stat(path, &st) == 0;
}

static char *slurp(const char *base, const char *rel)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", base, rel);
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    char *buf = calloc(1, 1 << 16);
    size_t n = fread(buf, 1, (1 << 16) - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static void assert_file(const char *base, const char *rel, const char *want)
{
    char *got = slurp(base, rel);
    if (!got)
        fail_msg("%s/%s: missing", base, rel);
    if (strcmp(got, want) != 0)
        fail_msg("%s/%s: got \"%s\", want \"%s\"", base, rel, got, want);
    free(got);
}

static void assert_str_or_null(const char *got, const char *want)
{
    if (want)
        assert_string_equal(got ? got : "(null)", want);
    else
        assert_null(got);
}

struct want {
    const char *ns;
    const char *name;
    const char *mode;
    const char *hash;
    enum aafs_hash_alg alg;
    const char *attach;
    const char *policy_dir;
    enum aafs_source source;
};

static void check_profile(const struct aafs_profile *p, const struct want *w)
{
    assert_str_or_null(p->ns, w->ns);
    assert_string_equal(p->name, w->name);
    assert_str_or_null(p->mode, w->mode);
    assert_str_or_null(p->hash, w->hash);
    assert_int_equal(p->hash_alg, w->alg);
    assert_str_or_null(p->attach, w->attach);
    assert_str_or_null(p->policy_dir, w->policy_dir);
    assert_int_equal(p->source, w->source);
}

static void check_inventory(const struct aafs_inventory *inv, const struct want *w, size_t n)
{
    for (size_t i = 0; i < inv->profile_count && i < n; i++)
        if (strcmp(inv->profiles[i].name, w[i].name) != 0)
            fail_msg("profile %zu: got %s, want %s", i, inv->profiles[i].name, w[i].name);
    assert_int_equal(inv->profile_count, n);
    for (size_t i = 0; i < n; i++)
        check_profile(&inv->profiles[i], &w[i]);
}

static void read_ok(const char *dir, struct aafs_inventory *inv)
{
    struct kerr err;
    kerr_clear(&err);
    int rc = aafs_read_inventory(dir, inv, &err);
    if (rc != 0)
        fail_msg("aafs_read_inventory(%s) = %d: %s", dir, rc, err.msg);
}

/* ---------------------------------------------------------------- tests */

static void test_bad_arguments(void **state)
{
    (void)state;
    struct aafs_inventory inv;
    struct kerr err;
    kerr_clear(&err);
    assert_int_equal(aafs_read_inventory(NULL, &inv, &err), -KERR_INVAL);
    assert_int_equal(aafs_read_inventory("/tmp", NULL, &err), -KERR_INVAL);
    assert_int_equal(aafs_read_inventory("/nonexistent/apparmor", &inv, &err), -KERR_NOTFOUND);
    assert_int_equal(inv.profile_count, 0);
    assert_null(inv.profiles);
    aafs_inventory_done(NULL);
    assert_int_equal(aafs_revision_fd(NULL), -KERR_INVAL);
    assert_int_equal(aafs_revision_fd("/nonexistent/apparmor"), -KERR_NOTFOUND);
    unsigned long long rev;
    assert_int_equal(aafs_revision_read(-1, &rev), -KERR_INVAL);
    assert_null(aafs_inventory_find(NULL, NULL, "x"));
    assert_string_equal(aafs_hash_alg_name(AAFS_HASH_SHA1), "sha1");
    assert_string_equal(aafs_hash_alg_name(AAFS_HASH_SHA256), "sha256");
    assert_string_equal(aafs_hash_alg_name(AAFS_HASH_NONE), "none");
}

static void test_empty_dir_is_not_apparmorfs(void **state)
{
    (void)state;
    struct tmpdir t;
    tmp_make(&t);
    struct aafs_inventory inv;
    struct kerr err;
    kerr_clear(&err);
    assert_int_equal(aafs_read_inventory(t.path, &inv, &err), -KERR_NOTFOUND);
    assert_non_null(strstr(err.msg, "neither"));
    assert_false(aafs_is_kernel_fs(t.path));
    tmp_remove(&t);
}

static void test_profiles_file_only(void **state)
{
    (void)state;
    struct tmpdir t;
    tmp_make(&t);
    put(t.path, "profiles", "b (enforce)\na (complain)\n\n");
    struct aafs_inventory inv;
    read_ok(t.path, &inv);
    assert_true(inv.has_profiles_file);
    assert_false(inv.has_policy_dir);
    assert_false(inv.has_revision);
    assert_int_equal(inv.malformed_lines, 0); /* a blank line is not counted */
    const struct want w[] = {
        { NULL, "a", "complain", NULL, AAFS_HASH_NONE, NULL, NULL, AAFS_SOURCE_PROFILES },
        { NULL, "b", "enforce", NULL, AAFS_HASH_NONE, NULL, NULL, AAFS_SOURCE_PROFILES },
    };
    check_inventory(&inv, w, 2);
    aafs_inventory_done(&inv);
    assert_int_equal(inv.profile_count, 0);
    tmp_remove(&t);
}

/* A tree like a kernel's, written by hand (not with the fake helpers). */
static void make_kernel_like_tree(const char *d)
{
    static const char nul_line[] = "bad\0line (enforce)\n";
    char *long_line = malloc(AAFS_MAX_LINE_LEN + 200);
    memset(long_line, 'x', AAFS_MAX_LINE_LEN + 190);
    memcpy(long_line + AAFS_MAX_LINE_LEN + 180, " (enforce)", 10);
    long_line[AAFS_MAX_LINE_LEN + 190] = '\n';

    char profiles[16384];
    snprintf(profiles, sizeof profiles,
             "/usr/bin/foo (enforce)\n"
             "/usr/bin/foo//bar (complain)\n"
             "k8s-deny write (complain)\n"
             "cri-containerd.apparmor.d (enforce)\n"
             "only-in-profiles (enforce)\n"
             ":myns://nsprof (enforce)\n"
             ":myns:other (complain)\n"
             ":myns//sub://deep (enforce)\n"
             "no mode here\n"
             "broken (enforce\n"
             " (enforce)\n"
             "(enforce)\n"
             ":nocolon (enforce)\n"
             "::p (enforce)\n"
             ":ns: (enforce)\n"
             "empty mode ()\n");
    size_t len = strlen(profiles);
    memcpy(profiles + len, nul_line, sizeof nul_line - 1);
    len += sizeof nul_line - 1;
    memcpy(profiles + len, long_line, AAFS_MAX_LINE_LEN + 191);
    len += AAFS_MAX_LINE_LEN + 191;
    const char *last = "last-no-newline (kill)";
    memcpy(profiles + len, last, strlen(last));
    len += strlen(last);
    put_n(d, "profiles", profiles, len);
    free(long_line);

    put(d, "revision", "42\n");
    put(d, "policy/revision", "41\n"); /* <dir>/revision wins */
    /* root namespace */
    put(d, "policy/profiles/usr.bin.foo.3/name", "/usr/bin/foo\n");
    put(d, "policy/profiles/usr.bin.foo.3/mode", "enforce\n");
    put(d, "policy/profiles/usr.bin.foo.3/attach", "/usr/bin/foo\n");
    put(d, "policy/profiles/usr.bin.foo.3/sha256", SHA256_A "\n");
    put(d, "policy/profiles/usr.bin.foo.3/profiles/bar.4/name", "bar\n");
    put(d, "policy/profiles/usr.bin.foo.3/profiles/bar.4/mode", "complain\n");
    put(d, "policy/profiles/usr.bin.foo.3/profiles/bar.4/attach", "bar\n");
    put(d, "policy/profiles/usr.bin.foo.3/profiles/bar.4/sha1", SHA1_A "\n");
    put(d, "policy/profiles/k8s-deny_write.5/name", "k8s-deny write\n");
    put(d, "policy/profiles/k8s-deny_write.5/mode", "complain\n");
    put(d, "policy/profiles/k8s-deny_write.5/attach", "k8s-deny write\n");
    put(d, "policy/profiles/k8s-deny_write.5/sha1", SHA1_A "\n");
    /* policy says complain, `profiles` says enforce: `profiles` wins */
    put(d, "policy/profiles/cri-containerd.apparmor.d.1/name", "cri-containerd.apparmor.d\n");
    put(d, "policy/profiles/cri-containerd.apparmor.d.1/mode", "complain\n");
    put(d, "policy/profiles/cri-containerd.apparmor.d.1/attach", "<unknown>\n");
    /* a directory name that has nothing to do with the profile's name */
    put(d, "policy/profiles/renamed.9/name", "only-in-policy\n");
    put(d, "policy/profiles/renamed.9/mode", "enforce\n");
    put(d, "policy/profiles/renamed.9/attach", "/opt/x/**\n");
    put(d, "policy/profiles/renamed.9/sha256", "not-a-hash\n");
    put(d, "policy/profiles/renamed.9/sha1", SHA1_A "\n");
    /* no name file: skipped, counted */
    put(d, "policy/profiles/noname.10/mode", "enforce\n");
    /* a stray file among the profile directories */
    put(d, "policy/profiles/stray", "x\n");
    /* namespaces */
    put(d, "policy/namespaces/myns/profiles/nsprof.2/name", "nsprof\n");
    put(d, "policy/namespaces/myns/profiles/nsprof.2/mode", "enforce\n");
    put(d, "policy/namespaces/myns/profiles/nsprof.2/attach", "nsprof\n");
    put(d, "policy/namespaces/myns/profiles/nsprof.2/sha256", SHA256_B "\n");
    put(d, "policy/namespaces/myns/namespaces/sub/profiles/deep.1/name", "deep\n");
    put(d, "policy/namespaces/myns/namespaces/sub/profiles/deep.1/mode", "enforce\n");
}

static void test_kernel_like_tree(void **state)
{
    (void)state;
    struct tmpdir t;
    tmp_make(&t);
    make_kernel_like_tree(t.path);
    struct aafs_inventory inv;
    read_ok(t.path, &inv);
    assert_true(inv.has_profiles_file);
    assert_true(inv.has_policy_dir);
    assert_true(inv.has_revision);
    assert_int_equal(inv.revision, 42);
    assert_false(inv.is_truncated);
    /* no mode, "broken (enforce", " (enforce)", "(enforce)", ":nocolon", "::p", ":ns: ",
     * "()", the NUL line and the over-long line */
    assert_int_equal(inv.malformed_lines, 10);
    assert_int_equal(inv.skipped_dirs, 1);

    const struct want w[] = {
        { NULL, "/usr/bin/foo", "enforce", SHA256_A, AAFS_HASH_SHA256, "/usr/bin/foo",
          "policy/profiles/usr.bin.foo.3", AAFS_SOURCE_BOTH },
        { NULL, "/usr/bin/foo//bar", "complain", SHA1_A, AAFS_HASH_SHA1, "bar",
          "policy/profiles/usr.bin.foo.3/profiles/bar.4", AAFS_SOURCE_BOTH },
        { NULL, "cri-containerd.apparmor.d", "enforce", NULL, AAFS_HASH_NONE, "<unknown>",
          "policy/profiles/cri-containerd.apparmor.d.1", AAFS_SOURCE_BOTH },
        { NULL, "k8s-deny write", "complain", SHA1_A, AAFS_HASH_SHA1, "k8s-deny write",
          "policy/profiles/k8s-deny_write.5", AAFS_SOURCE_BOTH },
        { NULL, "last-no-newline", "kill", NULL, AAFS_HASH_NONE, NULL, NULL,
          AAFS_SOURCE_PROFILES },
        { NULL, "only-in-policy", "enforce", SHA1_A, AAFS_HASH_SHA1, "/opt/x/**",
          "policy/profiles/renamed.9", AAFS_SOURCE_POLICY },
        { NULL, "only-in-profiles", "enforce", NULL, AAFS_HASH_NONE, NULL, NULL,
          AAFS_SOURCE_PROFILES },
        { "myns", "nsprof", "enforce", SHA256_B, AAFS_HASH_SHA256, "nsprof",
          "policy/namespaces/myns/profiles/nsprof.2", AAFS_SOURCE_BOTH },
        { "myns", "other", "complain", NULL, AAFS_HASH_NONE, NULL, NULL, AAFS_SOURCE_PROFILES },
        { "myns//sub", "deep", "enforce", NULL, AAFS_HASH_NONE, NULL,
          "policy/namespaces/myns/namespaces/sub/profiles/deep.1", AAFS_SOURCE_BOTH },
    };
    check_inventory(&inv, w, sizeof w / sizeof w[0]);

    const struct aafs_profile *p = aafs_inventory_find(&inv, "myns", "nsprof");
    assert_non_null(p);
    assert_string_equal(p->hash, SHA256_B);
    assert_non_null(aafs_inventory_find(&inv, NULL, "k8s-deny write"));
    assert_non_null(aafs_inventory_find(&inv, "myns//sub", "deep"));
    assert_null(aafs_inventory_find(&inv, NULL, "nsprof"));
    assert_null(aafs_inventory_find(&inv, "myns", "/usr/bin/foo"));
    assert_null(aafs_inventory_find(&inv, NULL, "bar")); /* hats only by full name */
    aafs_inventory_done(&inv);
    tmp_remove(&t);
}

static void test_policy_only_and_revision_fallback(void **state)
{
    (void)state;
    struct tmpdir t;
    tmp_make(&t);
    put(t.path, "policy/revision", "7\n");
    put(t.path, "policy/profiles/x.1/name", "x\n");
    put(t.path, "policy/profiles/x.1/mode", "complain\n");
    struct aafs_inventory inv;
    read_ok(t.path, &inv);
    assert_false(inv.has_profiles_file);
    assert_true(inv.has_policy_dir);
    assert_true(inv.has_revision);
    assert_int_equal(inv.revision, 7);
    assert_int_equal(inv.profile_count, 1);
    assert_string_equal(inv.profiles[0].mode, "complain");
    assert_null(inv.profiles[0].attach);
    assert_int_equal(inv.profiles[0].source, AAFS_SOURCE_POLICY);
    aafs_inventory_done(&inv);

    int fd = aafs_revision_fd(t.path);
    assert_true(fd >= 0);
    unsigned long long rev = 0;
    assert_int_equal(aafs_revision_read(fd, &rev), 0);
    assert_int_equal(rev, 7);
    close(fd);

    put(t.path, "revision", "not a number\n");
    read_ok(t.path, &inv);
    assert_false(inv.has_revision);
    aafs_inventory_done(&inv);
    fd = aafs_revision_fd(t.path);
    assert_true(fd >= 0);
    assert_int_equal(aafs_revision_read(fd, &rev), -KERR_PARSE);
    close(fd);
    tmp_remove(&t);
}

static void test_line_cap(void **state)
{
    (void)state;
    struct tmpdir t;
    tmp_make(&t);
    /* AAFS_MAX_LINES + 5 short malformed lines, then a good one never reached */
    size_t n = AAFS_MAX_LINES + 5;
    size_t len = n * 2 + 20;
    char *buf = malloc(len);
    for (size_t i = 0; i < n; i++) {
        buf[2 * i] = 'x';
        buf[2 * i + 1] = '\n';
    }
    memcpy(buf + 2 * n, "late (enforce)\n", 15);
    put_n(t.path, "profiles", buf, 2 * n + 15);
    free(buf);
    struct aafs_inventory inv;
    read_ok(t.path, &inv);
    assert_true(inv.is_truncated);
    assert_int_equal(inv.malformed_lines, AAFS_MAX_LINES);
    assert_int_equal(inv.profile_count, 0);
    aafs_inventory_done(&inv);
    tmp_remove(&t);
}

static void test_huge_line_and_deep_nesting(void **state)
{
    (void)state;
    struct tmpdir t;
    tmp_make(&t);
    /* 8 MiB without a newline, then a good line */
    size_t big = 8u << 20;
    char *buf = malloc(big + 32);
    memset(buf, 'y', big);
    memcpy(buf + big, "\nok (enforce)\n", 14);
    put_n(t.path, "profiles", buf, big + 14);
    free(buf);
    /* hats nested deeper than AAFS_MAX_DEPTH */
    char rel[4096] = "policy/profiles";
    for (int i = 0; i < AAFS_MAX_DEPTH + 4; i++) {
        char comp[64];
        snprintf(comp, sizeof comp, "/h%d.%d", i, i);
        strcat(rel, comp);
        char file[4200];
        snprintf(file, sizeof file, "%s/name", rel);
        char name[32];
        snprintf(name, sizeof name, "h%d\n", i);
        put(t.path, file, name);
        strcat(rel, "/profiles");
    }
    struct aafs_inventory inv;
    read_ok(t.path, &inv);
    assert_int_equal(inv.malformed_lines, 1);
    assert_true(inv.is_truncated);
    assert_int_equal(inv.profile_count, 1 + AAFS_MAX_DEPTH);
    assert_non_null(aafs_inventory_find(&inv, NULL, "ok"));
    assert_non_null(aafs_inventory_find(&inv, NULL, "h0//h1//h2"));
    aafs_inventory_done(&inv);
    tmp_remove(&t);
}

static void test_dirname_build(void **state)
{
    (void)state;
    static const char *const cases[][2] = {
        { "/usr/bin/foo", "usr.bin.foo.3" },
        { "k8s deny\twrite", "k8s_deny_write.3" },
        { "a:b*c@d", "abcd.3" },
        { "...", ".3" },
        { "./x/y", "x.y.3" },
        { "cri-containerd.apparmor.d", "cri-containerd.apparmor.d.3" },
        { "caf\xc3\xa9", "caf.3" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *got = aafs_dirname_build(cases[i][0], 3);
        assert_string_equal(got, cases[i][1]);
        free(got);
    }
}

static void test_init_fake(void **state)
{
    (void)state;
    struct tmpdir t;
    tmp_make(&t);
    char dir[256];
    snprintf(dir, sizeof dir, "%s/apparmor", t.path);
    assert_int_equal(aafs_init_fake(NULL), -KERR_INVAL);
    assert_int_equal(aafs_init_fake(dir), 0);
    assert_file(dir, "profiles", "");
    assert_file(dir, ".load", "");
    assert_file(dir, ".replace", "");
    assert_file(dir, ".remove", "");
    assert_file(dir, "revision", "1\n");
    assert_file(dir, "policy/revision", "1\n");
    assert_true(exists(dir, "policy/profiles"));
    assert_true(exists(dir, "policy/namespaces"));
    assert_false(exists(dir, "features"));

    struct aafs_inventory inv;
    read_ok(dir, &inv);
    assert_true(inv.has_profiles_file);
    assert_true(inv.has_policy_dir);
    assert_int_equal(inv.profile_count, 0);
    assert_null(inv.profiles);
    assert_int_equal(inv.revision, 1);
    aafs_inventory_done(&inv);

    /* idempotent: existing content is kept */
    assert_int_equal(aafs_write_fake_profile(dir, "p", "enforce", NULL), 0);
    assert_int_equal(aafs_init_fake(dir), 0);
    assert_file(dir, "profiles", "p (enforce)\n");
    assert_file(dir, "revision", "2\n");
    tmp_remove(&t);
}

static void test_fake_round_trip(void **state)
{
    (void)state;
    struct tmpdir t;
    tmp_make(&t);
    const char *d = t.path;
    assert_int_equal(aafs_init_fake(d), 0);

    assert_int_equal(aafs_write_fake_profile(d, "/usr/bin/foo", "enforce", SHA256_A), 0);
    assert_int_equal(aafs_write_fake_profile(d, "/usr/bin/foo//hat", "complain", NULL), 0);
    assert_int_equal(aafs_write_fake_profile(d, "k8s profile with spaces", "enforce", SHA256_B),
                     0);
    assert_int_equal(aafs_write_fake_profile(d, ":ns1:nsp", "enforce", NULL), 0);
    assert_int_equal(aafs_write_fake_profile(d, ":ns1://nsp2", "complain", NULL), 0);
    assert_file(d, "revision", "6\n");
    assert_file(d, "policy/revision", "6\n");
    assert_file(d, "profiles",
                "/usr/bin/foo (enforce)\n"
                "/usr/bin/foo//hat (complain)\n"
                "k8s profile with spaces (enforce)\n"
                ":ns1://nsp (enforce)\n"
                ":ns1://nsp2 (complain)\n");
    /* the kernel's layout: mangled names, ids, the name in `name`, attach = name */
    assert_file(d, "policy/profiles/usr.bin.foo.1/name", "/usr/bin/foo\n");
    assert_file(d, "policy/profiles/usr.bin.foo.1/mode", "enforce\n");
    assert_file(d, "policy/profiles/usr.bin.foo.1/attach", "/usr/bin/foo\n");
    assert_file(d, "policy/profiles/usr.bin.foo.1/sha256", SHA256_A "\n");
    assert_file(d, "policy/profiles/usr.bin.foo.1/profiles/hat.2/name", "hat\n");
    assert_false(exists(d, "policy/profiles/usr.bin.foo.1/profiles/hat.2/sha256"));
    assert_file(d, "policy/profiles/k8s_profile_with_spaces.3/name", "k8s profile with spaces\n");
    assert_file(d, "policy/namespaces/ns1/profiles/nsp.1/name", "nsp\n");
    assert_file(d, "policy/namespaces/ns1/profiles/nsp2.2/mode", "complain\n");

    struct aafs_inventory inv;
    read_ok(d, &inv);
    assert_int_equal(inv.revision, 6);
    assert_int_equal(inv.malformed_lines, 0);
    const struct want w[] = {
        { NULL, "/usr/bin/foo", "enforce", SHA256_A, AAFS_HASH_SHA256, "/usr/bin/foo",
          "policy/profiles/usr.bin.foo.1", AAFS_SOURCE_BOTH },
        { NULL, "/usr/bin/foo//hat", "complain", NULL, AAFS_HASH_NONE, "hat",
          "policy/profiles/usr.bin.foo.1/profiles/hat.2", AAFS_SOURCE_BOTH },
        { NULL, "k8s profile with spaces", "enforce", SHA256_B, AAFS_HASH_SHA256,
          "k8s profile with spaces", "policy/profiles/k8s_profile_with_spaces.3",
          AAFS_SOURCE_BOTH },
        { "ns1", "nsp", "enforce", NULL, AAFS_HASH_NONE, "nsp",
          "policy/namespaces/ns1/profiles/nsp.1", AAFS_SOURCE_BOTH },
        { "ns1", "nsp2", "complain", NULL, AAFS_HASH_NONE, "nsp2",
          "policy/namespaces/ns1/profiles/nsp2.2", AAFS_SOURCE_BOTH },
    };
    check_inventory(&inv, w, sizeof w / sizeof w[0]);
    aafs_inventory_done(&inv);

    /* replace: same directory, new mode and hash, one line, revision bumped */
    assert_int_equal(aafs_write_fake_profile(d, "/usr/bin/foo", "complain", SHA256_B), 0);
    assert_file(d, "policy/profiles/usr.bin.foo.1/mode", "complain\n");
    assert_file(d, "policy/profiles/usr.bin.foo.1/sha256", SHA256_B "\n");
    assert_file(d, "revision", "7\n");
    read_ok(d, &inv);
    assert_int_equal(inv.profile_count, 5);
    const struct aafs_profile *p = aafs_inventory_find(&inv, NULL, "/usr/bin/foo");
    assert_non_null(p);
    assert_string_equal(p->mode, "complain");
    assert_string_equal(p->hash, SHA256_B);
    assert_string_equal(p->policy_dir, "policy/profiles/usr.bin.foo.1");
    aafs_inventory_done(&inv);
    /* replace without a hash drops the hash file */
    assert_int_equal(aafs_write_fake_profile(d, "/usr/bin/foo", "enforce", NULL), 0);
    assert_false(exists(d, "policy/profiles/usr.bin.foo.1/sha256"));
    assert_true(exists(d, "policy/profiles/usr.bin.foo.1/profiles/hat.2/name"));

    /* remove a profile: its hats go with it */
    assert_int_equal(aafs_remove_fake_profile(d, "/usr/bin/foo"), 0);
    assert_false(exists(d, "policy/profiles/usr.bin.foo.1"));
    assert_file(d, "revision", "9\n");
    assert_file(d, "profiles",
                "k8s profile with spaces (enforce)\n"
                ":ns1://nsp (enforce)\n"
                ":ns1://nsp2 (complain)\n");
    /* removing what is not there: NOTFOUND, nothing bumped */
    assert_int_equal(aafs_remove_fake_profile(d, "/usr/bin/foo"), -KERR_NOTFOUND);
    assert_int_equal(aafs_remove_fake_profile(d, ":nope:"), -KERR_NOTFOUND);
    assert_file(d, "revision", "9\n");
    /* a hat whose parent is not loaded */
    assert_int_equal(aafs_write_fake_profile(d, "/usr/bin/foo//hat", "enforce", NULL),
                     -KERR_NOTFOUND);
    /* a profile in a namespace, then the whole namespace */
    assert_int_equal(aafs_remove_fake_profile(d, ":ns1://nsp2"), 0);
    assert_false(exists(d, "policy/namespaces/ns1/profiles/nsp2.2"));
    assert_int_equal(aafs_remove_fake_profile(d, ":ns1:"), 0);
    assert_false(exists(d, "policy/namespaces/ns1"));
    assert_file(d, "profiles", "k8s profile with spaces (enforce)\n");
    /* ids keep growing within a namespace */
    assert_int_equal(aafs_write_fake_profile(d, "again", "enforce", NULL), 0);
    assert_file(d, "policy/profiles/again.4/name", "again\n");

    read_ok(d, &inv);
    assert_int_equal(inv.profile_count, 2);
    assert_int_equal(inv.revision, 12);
    aafs_inventory_done(&inv);
    tmp_remove(&t);
}

static void test_fake_invalid(void **state)
{
    (void)state;
    struct tmpdir t;
    tmp_make(&t);
    const char *d = t.path;
    assert_int_equal(aafs_init_fake(d), 0);
    assert_int_equal(aafs_write_fake_profile(NULL, "p", "enforce", NULL), -KERR_INVAL);
    assert_int_equal(aafs_write_fake_profile(d, NULL, "enforce", NULL), -KERR_INVAL);
    assert_int_equal(aafs_write_fake_profile(d, "", "enforce", NULL), -KERR_INVAL);
    assert_int_equal(aafs_write_fake_profile(d, "a\nb", "enforce", NULL), -KERR_INVAL);
    assert_int_equal(aafs_write_fake_profile(d, "a////b", "enforce", NULL), -KERR_INVAL);
    assert_int_equal(aafs_write_fake_profile(d, ":ns:", "enforce", NULL), -KERR_INVAL);
    assert_int_equal(aafs_write_fake_profile(d, ":..:p", "enforce", NULL), -KERR_INVAL);
    assert_int_equal(aafs_write_fake_profile(d, "::p", "enforce", NULL), -KERR_INVAL);
    assert_int_equal(aafs_write_fake_profile(d, "p", "Enforce", NULL), -KERR_INVAL);
    assert_int_equal(aafs_write_fake_profile(d, "p", "", NULL), -KERR_INVAL);
    assert_int_equal(aafs_write_fake_profile(d, "p", NULL, NULL), -KERR_INVAL);
    assert_int_equal(aafs_write_fake_profile(d, "p", "enforce", "xyz"), -KERR_INVAL);
    assert_int_equal(aafs_write_fake_profile(d, "p", "enforce", SHA1_A), -KERR_INVAL);
    assert_int_equal(aafs_remove_fake_profile(d, NULL), -KERR_INVAL);
    assert_int_equal(aafs_remove_fake_profile(NULL, "p"), -KERR_INVAL);
    assert_file(d, "profiles", "");
    assert_file(d, "revision", "1\n");
    tmp_remove(&t);
}

static void test_revision_fd_sees_bumps(void **state)
{
    (void)state;
    struct tmpdir t;
    tmp_make(&t);
    const char *d = t.path;
    assert_int_equal(aafs_init_fake(d), 0);
    int fd = aafs_revision_fd(d);
    assert_true(fd >= 0);
    unsigned long long rev = 0;
    assert_int_equal(aafs_revision_read(fd, &rev), 0);
    assert_int_equal(rev, 1);
    assert_int_equal(aafs_bump_fake_revision(d), 0);
    assert_int_equal(aafs_write_fake_profile(d, "p", "enforce", NULL), 0);
    /* the same fd sees the new value: the file is rewritten in place */
    assert_int_equal(aafs_revision_read(fd, &rev), 0);
    assert_int_equal(rev, 3);
    /* 9 -> 10 grows the text; the in-place rewrite must not leave stale bytes */
    for (int i = 0; i < 7; i++)
        assert_int_equal(aafs_bump_fake_revision(d), 0);
    assert_int_equal(aafs_revision_read(fd, &rev), 0);
    assert_int_equal(rev, 10);
    assert_file(d, "revision", "10\n");
    close(fd);
    assert_int_equal(aafs_bump_fake_revision(NULL), -KERR_INVAL);
    tmp_remove(&t);
}

static void test_real_apparmorfs_smoke(void **state)
{
    (void)state;
    const char *real = "/sys/kernel/security/apparmor";
    struct aafs_inventory inv;
    int rc = aafs_read_inventory(real, &inv, NULL);
    if (rc != 0) {
        /* no AppArmor in this kernel (or not root): an error code, never a crash */
        assert_true(rc == -KERR_NOTFOUND || rc == -KERR_IO);
        skip();
    }
    assert_true(aafs_is_kernel_fs(real));
    aafs_inventory_done(&inv);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bad_arguments),
        cmocka_unit_test(test_empty_dir_is_not_apparmorfs),
        cmocka_unit_test(test_profiles_file_only),
        cmocka_unit_test(test_kernel_like_tree),
        cmocka_unit_test(test_policy_only_and_revision_fallback),
        cmocka_unit_test(test_line_cap),
        cmocka_unit_test(test_huge_line_and_deep_nesting),
        cmocka_unit_test(test_dirname_build),
        cmocka_unit_test(test_init_fake),
        cmocka_unit_test(test_fake_round_trip),
        cmocka_unit_test(test_fake_invalid),
        cmocka_unit_test(test_revision_fd_sees_bumps),
        cmocka_unit_test(test_real_apparmorfs_smoke),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
