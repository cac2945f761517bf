/*
 * test_procscan: core/procscan over a fake /proc generated in a mkdtemp
 * directory: every driver x runtime layout, label fallbacks and oddities,
 * processes that vanish or cannot be read, and the per-container grouping.
 * Every field of every entry is asserted against one expectation table.
 * "Unreadable" files are directories in place of files (EISDIR), because the
 * tests may run as root, where chmod 000 does not stop a read.
 */
#include "config.h"

#include <errno.h>
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

#include "../../core/kerr.h"
#include "../../core/procscan.h"

/* ------------------------------------------------------------ fake tree */

static char root[64];

static void mkdirs(const char *path)
{
    char buf[512];
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

/* Write root/rel with content (creating directories); content NULL makes rel a directory. */
static void put(const char *rel, const char *content)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", root, rel);
    if (!content) {
        mkdirs(path);
        return;
    }
    char dir[512];
    snprintf(dir, sizeof dir, "%s", path);
    *strrchr(dir, '/') = '\0';
    mkdirs(dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fwrite(content, 1, strlen(content), f);
    fclose(f);
}

static void putf(const char *content, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void putf(const char *content, const char *fmt, ...)
{
    char rel[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(rel, sizeof rel, fmt, ap);
    va_end(ap);
    put(rel, content);
}

static int rm_cb(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(p);
}

/* 64 lowercase hex digits derived from n, in a rotating static buffer. */
static const char *cid(int n)
{
    static char bufs[8][65];
    static int k;
    char *b = bufs[k++ % 8];
    for (int i = 0; i < 16; i++)
        snprintf(b + 4 * i, 5, "%04x", n);
    return b;
}

/* A pod UID derived from n; sep '-' (canonical) or '_' (systemd). */
static const char *uid(int n, char sep)
{
    static char bufs[8][37];
    static int k;
    char *b = bufs[k++ % 8];
    snprintf(b, 37, "%08d%c0000%c4000%c8000%c%012d", n, sep, sep, sep, sep, n);
    return b;
}

enum label_where { AA_NEW, AA_OLD, AA_NONE };

static void make_pid(int pid, const char *cgroup, const char *label, enum label_where where,
                     const char *comm, int ppid)
{
    char buf[256];
    putf(cgroup, "%d/cgroup", pid);
    if (label && where == AA_NEW)
        putf(label, "%d/attr/apparmor/current", pid);
    if (label && where == AA_OLD)
        putf(label, "%d/attr/current", pid);
    if (comm) {
        snprintf(buf, sizeof buf, "%s\n", comm);
        putf(buf, "%d/comm", pid);
    }
    snprintf(buf, sizeof buf, "Name:\t%s\nUmask:\t0022\nState:\tS (sleeping)\nTgid:\t%d\nNgid:\t0\n"
             "Pid:\t%d\nPPid:\t%d\nTracerPid:\t0\n",
             comm ? comm : "x", pid, pid, ppid);
    putf(buf, "%d/status", pid);
}

/* cgroup texts */
static char *sd_burstable(int pod, int ctr, const char *leaf_prefix, const char *leaf_suffix)
{
    char *s = NULL;
    if (asprintf(&s,
                 "0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod%s.slice/"
                 "%s%s%s\n",
                 uid(pod, '_'), leaf_prefix, cid(ctr), leaf_suffix) < 0)
        abort();
    return s;
}

static char *fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));
static char *fmt(const char *f, ...)
{
    char *s = NULL;
    va_list ap;
    va_start(ap, f);
    if (vasprintf(&s, f, ap) < 0)
        abort();
    va_end(ap);
    return s;
}

struct want {
    int pid;
    int pod;  /* uid(pod) or 0 for "" */
    int ctr;  /* cid(ctr) */
    enum cgroup_runtime runtime;
    enum cgroup_driver driver;
    const char *label;
    const char *profile;
    const char *mode;
    const char *comm;
    int ppid;
    int label_errno;
};

/* The kept entries, sorted by pid. */
static const struct want wants[] = {
    { 100, 1, 100, CGROUP_RUNTIME_CONTAINERD, CGROUP_DRIVER_SYSTEMD,
      "cri-containerd.apparmor.d (enforce)", "cri-containerd.apparmor.d", "enforce", "nginx", 1,
      0 },
    { 101, 1, 100, CGROUP_RUNTIME_CONTAINERD, CGROUP_DRIVER_SYSTEMD,
      "cri-containerd.apparmor.d (enforce)", "cri-containerd.apparmor.d", "enforce", "nginx", 100,
      0 },
    { 102, 1, 100, CGROUP_RUNTIME_CONTAINERD, CGROUP_DRIVER_SYSTEMD, "k8s-other (complain)",
      "k8s-other", "complain", "sh", 100, 0 },
    { 110, 2, 110, CGROUP_RUNTIME_CONTAINERD, CGROUP_DRIVER_SYSTEMD, "k8s-deny-write (complain)",
      "k8s-deny-write", "complain", "guaranteed", 1, 0 },
    { 120, 3, 120, CGROUP_RUNTIME_UNKNOWN, CGROUP_DRIVER_CGROUPFS, "unconfined", "unconfined", NULL,
      "cgfs", 1, 0 },
    { 131, 4, 131, CGROUP_RUNTIME_CRIO, CGROUP_DRIVER_SYSTEMD, "crio-default (enforce)",
      "crio-default", "enforce", "crio-app", 130, 0 },
    { 140, 5, 140, CGROUP_RUNTIME_DOCKER, CGROUP_DRIVER_SYSTEMD, "docker-default (enforce)",
      "docker-default", "enforce", "dockerapp", 1, 0 },
    { 150, 6, 150, CGROUP_RUNTIME_UNKNOWN, CGROUP_DRIVER_CGROUPFS, "v1-prof (enforce)", "v1-prof",
      "enforce", "v1app", 1, 0 },
    { 160, 7, 160, CGROUP_RUNTIME_CONTAINERD, CGROUP_DRIVER_SYSTEMD, "hybrid-prof (kill)",
      "hybrid-prof", "kill", "hybridapp", 1, 0 },
    { 170, 8, 170, CGROUP_RUNTIME_CRIO, CGROUP_DRIVER_SYSTEMD, "crun-prof (enforce)", "crun-prof",
      "enforce", "crunapp", 1, 0 },
    { 180, 9, 180, CGROUP_RUNTIME_CONTAINERD, CGROUP_DRIVER_SYSTEMD, "nsreader (enforce)",
      "nsreader", "enforce", "dotdot", 1, 0 },
    { 200, 10, 200, CGROUP_RUNTIME_CONTAINERD, CGROUP_DRIVER_SYSTEMD, "k8s-fallback (enforce)",
      "k8s-fallback", "enforce", "oldkernel", 1, 0 },
    { 210, 11, 210, CGROUP_RUNTIME_CONTAINERD, CGROUP_DRIVER_SYSTEMD, ":ns:prof//&other (mixed)",
      ":ns:prof//&other", "mixed", "stacked", 1, 0 },
    { 240, 12, 240, CGROUP_RUNTIME_CONTAINERD, CGROUP_DRIVER_SYSTEMD, NULL, NULL, NULL,
      "unreadable", 1, EISDIR },
    { 241, 12, 240, CGROUP_RUNTIME_CONTAINERD, CGROUP_DRIVER_SYSTEMD, "late (enforce)", "late",
      "enforce", "sibling", 240, 0 },
    { 250, 13, 250, CGROUP_RUNTIME_CONTAINERD, CGROUP_DRIVER_SYSTEMD, NULL, NULL, NULL, "nolabel",
      1, ENOENT },
    { 260, 14, 260, CGROUP_RUNTIME_CONTAINERD, CGROUP_DRIVER_SYSTEMD, "paren (x) name (enforce)",
      "paren (x) name", "enforce", "paren", 1, 0 },
};

static int setup(void **state)
{
    (void)state;
    snprintf(root, sizeof root, "/tmp/test_procscan.XXXXXX");
    if (!mkdtemp(root))
        return -1;
    char *s;

    /* containerd + systemd, burstable; three processes, one with another label */
    s = sd_burstable(1, 100, "cri-containerd-", ".scope");
    make_pid(100, s, "cri-containerd.apparmor.d (enforce)\n", AA_NEW, "nginx", 1);
    make_pid(101, s, "cri-containerd.apparmor.d (enforce)\n", AA_NEW, "nginx", 100);
    make_pid(102, s, "k8s-other (complain)\n", AA_NEW, "sh", 100);
    free(s);
    /* guaranteed pod */
    s = fmt("0::/kubepods.slice/kubepods-pod%s.slice/cri-containerd-%s.scope\n", uid(2, '_'),
            cid(110));
    make_pid(110, s, "k8s-deny-write (complain)\n", AA_NEW, "guaranteed", 1);
    free(s);
    /* cgroupfs pod, unconfined */
    s = fmt("0::/kubepods/besteffort/pod%s/%s\n", uid(3, '-'), cid(120));
    make_pid(120, s, "unconfined\n", AA_NEW, "cgfs", 1);
    free(s);
    /* CRI-O: conmon (skipped) and the container */
    s = sd_burstable(4, 130, "crio-conmon-", ".scope");
    make_pid(130, s, "unconfined\n", AA_NEW, "conmon", 1);
    free(s);
    s = sd_burstable(4, 131, "crio-", ".scope");
    make_pid(131, s, "crio-default (enforce)\n", AA_NEW, "crio-app", 130);
    free(s);
    /* docker, systemd, besteffort */
    s = fmt("0::/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod%s.slice/"
            "docker-%s.scope\n",
            uid(5, '_'), cid(140));
    make_pid(140, s, "docker-default (enforce)\n", AA_NEW, "dockerapp", 1);
    free(s);
    /* cgroup v1 with name=systemd */
    s = fmt("12:pids:/kubepods/burstable/pod%s/%s\n9:rdma:/\n"
            "1:name=systemd:/kubepods/burstable/pod%s/%s\n",
            uid(6, '-'), cid(150), uid(6, '-'), cid(150));
    make_pid(150, s, "v1-prof (enforce)\n", AA_NEW, "v1app", 1);
    free(s);
    /* hybrid */
    s = fmt("5:devices:/kubepods.slice/kubepods-pod%s.slice/cri-containerd-%s.scope\n"
            "1:name=systemd:/kubepods.slice/kubepods-pod%s.slice/cri-containerd-%s.scope\n0::/\n",
            uid(7, '_'), cid(160), uid(7, '_'), cid(160));
    make_pid(160, s, "hybrid-prof (kill)\n", AA_NEW, "hybridapp", 1);
    free(s);
    /* crun's nested /container */
    s = fmt("0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod%s.slice/"
            "crio-%s.scope/container\n",
            uid(8, '_'), cid(170));
    make_pid(170, s, "crun-prof (enforce)\n", AA_NEW, "crunapp", 1);
    free(s);
    /* "/../.." prefix: read from a private cgroup namespace */
    s = fmt("0::/../../kubepods-besteffort.slice/kubepods-besteffort-pod%s.slice/"
            "cri-containerd-%s.scope\n",
            uid(9, '_'), cid(180));
    make_pid(180, s, "nsreader (enforce)\n", AA_NEW, "dotdot", 1);
    free(s);
    /* host daemon: not a container */
    make_pid(190, "0::/system.slice/containerd.service\n", "unconfined\n", AA_NEW, "containerd", 1);
    /* attr/apparmor/current missing, attr/current present: fallback */
    s = sd_burstable(10, 200, "cri-containerd-", ".scope");
    make_pid(200, s, "k8s-fallback (enforce)\n", AA_OLD, "oldkernel", 1);
    free(s);
    /* stacked label with a namespace */
    s = sd_burstable(11, 210, "cri-containerd-", ".scope");
    make_pid(210, s, ":ns:prof//&other (mixed)\n", AA_NEW, "stacked", 1);
    free(s);
    /* a process that disappeared: its directory is empty */
    put("220", NULL);
    /* cgroup unreadable (a directory in its place): skipped, not fatal */
    put("230/cgroup", NULL);
    put("230/comm", "weird\n");
    /* label unreadable: kept with label_errno; attr/current must not be used */
    s = sd_burstable(12, 240, "cri-containerd-", ".scope");
    make_pid(240, s, NULL, AA_NONE, "unreadable", 1);
    put("240/attr/apparmor/current", NULL);
    put("240/attr/current", "must-not-be-read (enforce)\n");
    make_pid(241, s, "late (enforce)", AA_NEW, "sibling", 240); /* no newline */
    free(s);
    /* no label file at all, but the process is there */
    s = sd_burstable(13, 250, "cri-containerd-", ".scope");
    make_pid(250, s, NULL, AA_NONE, "nolabel", 1);
    free(s);
    /* a profile name holding " (": split at the LAST one */
    s = sd_burstable(14, 260, "cri-containerd-", ".scope");
    make_pid(260, s, "paren (x) name (enforce)\n", AA_NEW, "paren", 1);
    free(s);
    /* malformed cgroup: skipped */
    make_pid(270, "this is not a cgroup file\n", "unconfined\n", AA_NEW, "bad", 1);
    /* names that are not pids */
    put("self/cgroup", "0::/kubepods/pod00000001-0000-4000-8000-000000000001/x\n");
    put("sys", NULL);
    put("0123", NULL);
    put("12ab", NULL);
    put("99999999999", NULL);
    put("uptime", "1.0 2.0\n");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    nftw(root, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
    return 0;
}

static void check_entry(const struct proc_entry *e, const struct want *w)
{
    assert_int_equal(e->pid, w->pid);
    assert_int_equal(e->tgid, w->pid);
    assert_int_equal(e->ppid, w->ppid);
    assert_string_equal(e->ident.pod_uid, w->pod ? uid(w->pod, '-') : "");
    assert_string_equal(e->ident.container_id, cid(w->ctr));
    assert_int_equal(e->ident.runtime, w->runtime);
    assert_int_equal(e->ident.driver, w->driver);
    assert_false(e->ident.is_conmon);
    if (w->label) {
        assert_non_null(e->label);
        assert_string_equal(e->label, w->label);
        assert_string_equal(e->profile, w->profile);
    } else {
        assert_null(e->label);
        assert_null(e->profile);
    }
    if (w->mode) {
        assert_non_null(e->mode);
        assert_string_equal(e->mode, w->mode);
    } else {
        assert_null(e->mode);
    }
    assert_string_equal(e->comm, w->comm);
    assert_int_equal(e->label_errno, w->label_errno);
}

/* ---------------------------------------------------------------- tests */

static void test_bad_arguments(void **state)
{
    (void)state;
    struct proc_entry *list = NULL;
    size_t n = 0;
    struct kerr err;
    kerr_clear(&err);
    assert_int_equal(procscan_list(NULL, &list, &n, &err), -KERR_INVAL);
    assert_int_equal(procscan_list(root, NULL, &n, NULL), -KERR_INVAL);
    assert_int_equal(procscan_list("/nonexistent/proc", &list, &n, &err), -KERR_NOTFOUND);
    assert_null(list);
    assert_int_equal(n, 0);
    struct proc_entry e;
    assert_int_equal(procscan_pid(root, 0, &e, NULL), -KERR_INVAL);
    assert_int_equal(procscan_pid(NULL, 1, &e, NULL), -KERR_INVAL);
    assert_int_equal(procscan_pid(root, 1, NULL, NULL), -KERR_INVAL);
}

static void test_empty_proc(void **state)
{
    (void)state;
    char empty[128];
    snprintf(empty, sizeof empty, "%s/0empty", root);
    mkdir(empty, 0755);
    struct proc_entry *list = (struct proc_entry *)&list; /* must be overwritten */
    size_t n = 99;
    assert_int_equal(procscan_list(empty, &list, &n, NULL), 0);
    assert_null(list);
    assert_int_equal(n, 0);
    rmdir(empty);
}

static void test_list_every_field(void **state)
{
    (void)state;
    struct proc_entry *list = NULL;
    size_t n = 0;
    struct kerr err;
    kerr_clear(&err);
    assert_int_equal(procscan_list(root, &list, &n, &err), 0);
    size_t n_want = sizeof wants / sizeof wants[0];
    for (size_t i = 0; i < n && i < n_want; i++)
        if (list[i].pid != wants[i].pid)
            fail_msg("entry %zu: pid %d, want %d", i, list[i].pid, wants[i].pid);
    assert_int_equal(n, n_want);
    for (size_t i = 0; i < n; i++)
        check_entry(&list[i], &wants[i]);
    procscan_list_free(&list, n);
    assert_null(list);
    procscan_list_free(&list, 0); /* NULL is fine */
}

static void test_pid_host_daemon(void **state)
{
    (void)state;
    struct proc_entry e;
    assert_int_equal(procscan_pid(root, 190, &e, NULL), 1);
    assert_int_equal(e.pid, 190);
    assert_string_equal(e.ident.pod_uid, "");
    assert_string_equal(e.ident.container_id, "");
    assert_string_equal(e.label, "unconfined");
    assert_string_equal(e.profile, "unconfined");
    assert_null(e.mode);
    assert_string_equal(e.comm, "containerd");
    proc_entry_done(&e);
}

static void test_pid_conmon(void **state)
{
    (void)state;
    struct proc_entry e;
    assert_int_equal(procscan_pid(root, 130, &e, NULL), 1);
    assert_true(e.ident.is_conmon);
    assert_string_equal(e.ident.pod_uid, uid(4, '-'));
    assert_string_equal(e.ident.container_id, "");
    assert_string_equal(e.comm, "conmon");
    proc_entry_done(&e);
}

static void test_pid_in_container(void **state)
{
    (void)state;
    struct proc_entry e;
    assert_int_equal(procscan_pid(root, 210, &e, NULL), 0);
    check_entry(&e, &wants[12]);
    proc_entry_done(&e);
    proc_entry_done(NULL);
}

static void test_pid_vanished_and_errors(void **state)
{
    (void)state;
    struct proc_entry e;
    struct kerr err;
    kerr_clear(&err);
    assert_int_equal(procscan_pid(root, 220, &e, &err), -KERR_NOTFOUND); /* empty dir */
    assert_null(e.label);
    assert_int_equal(procscan_pid(root, 424242, &e, &err), -KERR_NOTFOUND); /* no dir */
    assert_int_equal(procscan_pid(root, 230, &e, &err), -KERR_IO);         /* cgroup unreadable */
    assert_non_null(strstr(err.msg, "cgroup"));
    assert_int_equal(procscan_pid(root, 270, &e, &err), -KERR_PARSE);
    assert_null(e.comm); /* nothing left to free on errors */
}

static void test_split_label(void **state)
{
    (void)state;
    static const char *const cases[][3] = {
        { "p (enforce)", "p", "enforce" },
        { "unconfined", "unconfined", NULL },
        { ":ns:prof//&other (mixed)", ":ns:prof//&other", "mixed" },
        { "a (b) (complain)", "a (b)", "complain" },
        { "no-close (enforce", "no-close (enforce", NULL },
        { "empty ()", "empty ()", NULL },
        { " (enforce)", " (enforce)", NULL },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *profile = NULL;
        char *mode = NULL;
        procscan_split_label(cases[i][0], &profile, &mode);
        assert_string_equal(profile, cases[i][1]);
        if (cases[i][2])
            assert_string_equal(mode, cases[i][2]);
        else
            assert_null(mode);
        free(profile);
        free(mode);
    }
    char *profile = (char *)"x";
    char *mode = (char *)"y";
    procscan_split_label(NULL, &profile, &mode);
    assert_null(profile);
    assert_null(mode);
}

static void test_group_by_container(void **state)
{
    (void)state;
    struct proc_entry *list = NULL;
    size_t n = 0;
    assert_int_equal(procscan_list(root, &list, &n, NULL), 0);
    struct proc_container *cs = NULL;
    size_t nc = 0;
    assert_int_equal(procscan_group_by_container(list, n, &cs, &nc), 0);
    assert_int_equal(nc, n - 3); /* 101, 102 fold into 100; 241 into 240 */
    for (size_t i = 1; i < nc; i++)
        assert_true(strcmp(cs[i - 1].ident.container_id, cs[i].ident.container_id) < 0);
    size_t seen = 0;
    for (size_t i = 0; i < nc; i++) {
        const struct proc_container *c = &cs[i];
        if (strcmp(c->ident.container_id, cid(100)) == 0) {
            seen++;
            assert_int_equal(c->pid, 100);
            assert_int_equal(c->process_count, 3);
            assert_true(c->has_mixed_labels);
            assert_string_equal(c->label, "cri-containerd.apparmor.d (enforce)");
            assert_string_equal(c->profile, "cri-containerd.apparmor.d");
            assert_string_equal(c->mode, "enforce");
            assert_string_equal(c->ident.pod_uid, uid(1, '-'));
            assert_int_equal(c->ident.runtime, CGROUP_RUNTIME_CONTAINERD);
        } else if (strcmp(c->ident.container_id, cid(240)) == 0) {
            seen++;
            assert_int_equal(c->pid, 240);
            assert_int_equal(c->process_count, 2);
            assert_false(c->has_mixed_labels); /* an unreadable label is not a different one */
            assert_string_equal(c->label, "late (enforce)");
            assert_string_equal(c->mode, "enforce");
        } else if (strcmp(c->ident.container_id, cid(250)) == 0) {
            seen++;
            assert_int_equal(c->process_count, 1);
            assert_null(c->label);
            assert_null(c->profile);
            assert_null(c->mode);
        } else if (strcmp(c->ident.container_id, cid(120)) == 0) {
            seen++;
            assert_string_equal(c->label, "unconfined");
            assert_null(c->mode);
            assert_false(c->has_mixed_labels);
        } else {
            assert_int_equal(c->process_count, 1);
            assert_false(c->has_mixed_labels);
        }
    }
    assert_int_equal(seen, 4);
    procscan_containers_free(&cs, nc);
    assert_null(cs);

    /* degenerate inputs */
    assert_int_equal(procscan_group_by_container(NULL, 0, &cs, &nc), 0);
    assert_null(cs);
    assert_int_equal(nc, 0);
    assert_int_equal(procscan_group_by_container(NULL, 3, &cs, &nc), -KERR_INVAL);
    assert_int_equal(procscan_group_by_container(list, n, NULL, &nc), -KERR_INVAL);
    struct proc_entry host = { .pid = 5 };
    assert_int_equal(procscan_group_by_container(&host, 1, &cs, &nc), 0);
    assert_null(cs);
    assert_int_equal(nc, 0);
    procscan_list_free(&list, n);
}

static void test_real_proc_smoke(void **state)
{
    (void)state;
    /* On the build machine: must not fail, whatever it finds. */
    struct proc_entry *list = NULL;
    size_t n = 0;
    assert_int_equal(procscan_list("/proc", &list, &n, NULL), 0);
    procscan_list_free(&list, n);
    struct proc_entry e;
    int rc = procscan_pid("/proc", (int)getpid(), &e, NULL);
    assert_true(rc == 0 || rc == 1);
    assert_int_equal(e.pid, (int)getpid());
    assert_int_equal(e.tgid, (int)getpid());
    assert_non_null(e.comm);
    proc_entry_done(&e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bad_arguments),
        cmocka_unit_test(test_empty_proc),
        cmocka_unit_test(test_split_label),
        cmocka_unit_test(test_list_every_field),
        cmocka_unit_test(test_pid_host_daemon),
        cmocka_unit_test(test_pid_conmon),
        cmocka_unit_test(test_pid_in_container),
        cmocka_unit_test(test_pid_vanished_and_errors),
        cmocka_unit_test(test_group_by_container),
        cmocka_unit_test(test_real_proc_smoke),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
