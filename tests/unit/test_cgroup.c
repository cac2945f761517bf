/*
 * test_cgroup: /proc/<pid>/cgroup text -> pod UID + container ID (core/cgroup,
 * TECHNOTES §5). Degenerate inputs first, then every driver x runtime form,
 * v1/v2/hybrid layouts, and the look-alikes that must not match.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "../../core/cgroup.h"
#include "../../core/kerr.h"

#define HEX "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define HEX2 "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"
#define UID "1b2c3d4e-5f60-7182-93a4-b5c6d7e8f901"
#define UID_ "1b2c3d4e_5f60_7182_93a4_b5c6d7e8f901"
#define STATIC_UID "6a2f1c0e9d8b7a6f5e4d3c2b1a098765"

/* Parse content and expect rc; returns the ident for more checks. */
static struct cgroup_ident parse_expect(const char *content, int want_rc)
{
    struct cgroup_ident id;
    int rc = cgroup_parse(content, &id);
    if (rc != want_rc)
        fail_msg("cgroup_parse(%s) = %d, want %d", content ? content : "(null)", rc, want_rc);
    return id;
}

static void expect_found(const char *content, const char *uid, const char *cid,
                         enum cgroup_runtime rt, enum cgroup_driver drv)
{
    struct cgroup_ident id = parse_expect(content, 0);
    assert_string_equal(id.pod_uid, uid);
    assert_string_equal(id.container_id, cid);
    assert_int_equal(id.runtime, rt);
    assert_int_equal(id.driver, drv);
    assert_false(id.is_conmon);
}

static void expect_none(const char *content)
{
    struct cgroup_ident id = parse_expect(content, 1);
    assert_string_equal(id.pod_uid, "");
    assert_string_equal(id.container_id, "");
}

static void test_null_and_empty(void **state)
{
    (void)state;
    struct cgroup_ident id;
    assert_int_equal(cgroup_parse(NULL, &id), -KERR_INVAL);
    assert_int_equal(cgroup_parse("0::/", NULL), -KERR_INVAL);
    expect_none("");
    expect_none("\n\n");
}

static void test_malformed(void **state)
{
    (void)state;
    const char *bad[] = {
        "garbage\n",
        "0:/kubepods\n",          /* one colon */
        "x::/a\n",                /* id not numeric */
        "::/a\n",                 /* empty id */
        "0::relative/path\n",     /* path must be absolute */
        "0::\n",                  /* no path */
        "12:cpu,cpuacct\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        parse_expect(bad[i], -KERR_PARSE);
    /* a bad line anywhere makes the whole text malformed, even after a match */
    parse_expect("0::/kubepods/pod" UID "/" HEX "\nbogus\n", -KERR_PARSE);
}

static void test_host_processes(void **state)
{
    (void)state;
    expect_none("0::/\n");                               /* kernel thread, v2 */
    expect_none("0::/init.scope\n");
    expect_none("0::/system.slice/containerd.service\n"); /* host daemon */
    expect_none("0::/user.slice/user-1000.slice/session-3.scope\n");
    expect_none("0::/kubepods.slice/kubepods-burstable.slice\n"); /* QoS slice, no pod */
    expect_none("0::/system.slice/docker-" HEX ".scope\n");       /* container outside k8s */
}

static void test_systemd_containerd_burstable(void **state)
{
    (void)state;
    expect_found("0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UID_
                 ".slice/cri-containerd-" HEX ".scope\n",
                 UID, HEX, CGROUP_RUNTIME_CONTAINERD, CGROUP_DRIVER_SYSTEMD);
}

static void test_systemd_besteffort_no_newline(void **state)
{
    (void)state;
    expect_found("0::/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" UID_
                 ".slice/cri-containerd-" HEX ".scope",
                 UID, HEX, CGROUP_RUNTIME_CONTAINERD, CGROUP_DRIVER_SYSTEMD);
}

static void test_systemd_guaranteed(void **state)
{
    (void)state;
    expect_found("0::/kubepods.slice/kubepods-pod" UID_ ".slice/cri-containerd-" HEX ".scope\n",
                 UID, HEX, CGROUP_RUNTIME_CONTAINERD, CGROUP_DRIVER_SYSTEMD);
}

static void test_systemd_cgroup_root_prefix(void **state)
{
    (void)state;
    /* kind and others run the kubelet with --cgroup-root=/kubelet */
    expect_found("0::/kubelet.slice/kubelet-kubepods.slice/kubelet-kubepods-besteffort.slice/"
                 "kubelet-kubepods-besteffort-pod" UID_ ".slice/cri-containerd-" HEX ".scope\n",
                 UID, HEX, CGROUP_RUNTIME_CONTAINERD, CGROUP_DRIVER_SYSTEMD);
}

static void test_cgroupfs(void **state)
{
    (void)state;
    expect_found("0::/kubepods/burstable/pod" UID "/" HEX "\n", UID, HEX, CGROUP_RUNTIME_UNKNOWN,
                 CGROUP_DRIVER_CGROUPFS);
    expect_found("0::/kubepods/pod" UID "/" HEX "\n", UID, HEX, CGROUP_RUNTIME_UNKNOWN,
                 CGROUP_DRIVER_CGROUPFS);
    expect_found("0::/kubepods/besteffort/pod" UID "/crio-" HEX "\n", UID, HEX,
                 CGROUP_RUNTIME_CRIO, CGROUP_DRIVER_CGROUPFS);
}

static void test_crio_systemd(void **state)
{
    (void)state;
    expect_found("0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UID_
                 ".slice/crio-" HEX ".scope\n",
                 UID, HEX, CGROUP_RUNTIME_CRIO, CGROUP_DRIVER_SYSTEMD);
}

static void test_crio_conmon_is_not_a_container(void **state)
{
    (void)state;
    struct cgroup_ident id = parse_expect("0::/kubepods.slice/kubepods-burstable.slice/"
                                          "kubepods-burstable-pod" UID_ ".slice/crio-conmon-" HEX
                                          ".scope\n",
                                          1);
    assert_true(id.is_conmon);
    assert_string_equal(id.pod_uid, UID);
    assert_int_equal(id.driver, CGROUP_DRIVER_SYSTEMD);
    assert_string_equal(id.container_id, "");

    id = parse_expect("0::/kubepods/burstable/pod" UID "/crio-conmon-" HEX "\n", 1);
    assert_true(id.is_conmon);
    assert_string_equal(id.pod_uid, UID);
    assert_int_equal(id.driver, CGROUP_DRIVER_CGROUPFS);
}

static void test_docker_systemd(void **state)
{
    (void)state;
    expect_found("0::/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" UID_
                 ".slice/docker-" HEX ".scope\n",
                 UID, HEX, CGROUP_RUNTIME_DOCKER, CGROUP_DRIVER_SYSTEMD);
}

static void test_v1_with_name_systemd(void **state)
{
    (void)state;
    const char *text =
        "12:pids:/kubepods/burstable/pod" UID "/" HEX "\n"
        "11:cpu,cpuacct:/kubepods/burstable/pod" UID "/" HEX "\n"
        "10:memory:/kubepods/burstable/pod" UID "/" HEX "\n"
        "9:rdma:/\n"
        "1:name=systemd:/kubepods/burstable/pod" UID "/" HEX "\n";
    expect_found(text, UID, HEX, CGROUP_RUNTIME_UNKNOWN, CGROUP_DRIVER_CGROUPFS);
}

static void test_v1_systemd_driver(void **state)
{
    (void)state;
    const char *text = "4:cpuset:/\n"
                       "3:memory:/kubepods.slice/kubepods-pod" UID_ ".slice/docker-" HEX ".scope\n"
                       "1:name=systemd:/kubepods.slice/kubepods-pod" UID_ ".slice/docker-" HEX
                       ".scope\n";
    expect_found(text, UID, HEX, CGROUP_RUNTIME_DOCKER, CGROUP_DRIVER_SYSTEMD);
}

static void test_hybrid(void **state)
{
    (void)state;
    /* systemd hybrid: v1 controllers plus an unused unified hierarchy */
    expect_found("5:devices:/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UID_
                 ".slice/cri-containerd-" HEX ".scope\n"
                 "1:name=systemd:/kubepods.slice/kubepods-burstable.slice/"
                 "kubepods-burstable-pod" UID_ ".slice/cri-containerd-" HEX ".scope\n"
                 "0::/\n",
                 UID, HEX, CGROUP_RUNTIME_CONTAINERD, CGROUP_DRIVER_SYSTEMD);
    /* and the other way round: only the v2 line carries the path */
    expect_found("3:cpu:/\n1:name=systemd:/\n0::/kubepods/pod" UID "/" HEX "\n", UID, HEX,
                 CGROUP_RUNTIME_UNKNOWN, CGROUP_DRIVER_CGROUPFS);
}

static void test_crun_nested_container(void **state)
{
    (void)state;
    expect_found("0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UID_
                 ".slice/crio-" HEX ".scope/container\n",
                 UID, HEX, CGROUP_RUNTIME_CRIO, CGROUP_DRIVER_SYSTEMD);
}

static void test_dotdot_prefix(void **state)
{
    (void)state;
    /* read from inside a private cgroup namespace */
    expect_found("0::/../../kubepods-besteffort.slice/kubepods-besteffort-pod" UID_
                 ".slice/cri-containerd-" HEX ".scope\n",
                 UID, HEX, CGROUP_RUNTIME_CONTAINERD, CGROUP_DRIVER_SYSTEMD);
    /* same pod as the reader: the pod component is not visible */
    expect_none("0::/../cri-containerd-" HEX ".scope\n");
}

static void test_deleted_suffix(void **state)
{
    (void)state;
    expect_found("0::/kubepods/pod" UID "/" HEX " (deleted)\n", UID, HEX, CGROUP_RUNTIME_UNKNOWN,
                 CGROUP_DRIVER_CGROUPFS);
}

static void test_static_pod_uid(void **state)
{
    (void)state;
    expect_found("0::/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" STATIC_UID
                 ".slice/cri-containerd-" HEX ".scope\n",
                 STATIC_UID, HEX, CGROUP_RUNTIME_CONTAINERD, CGROUP_DRIVER_SYSTEMD);
    expect_found("0::/kubepods/pod" STATIC_UID "/" HEX "\n", STATIC_UID, HEX,
                 CGROUP_RUNTIME_UNKNOWN, CGROUP_DRIVER_CGROUPFS);
}

static void test_pod_level_cgroup(void **state)
{
    (void)state;
    struct cgroup_ident id = parse_expect("0::/kubepods/burstable/pod" UID "\n", 1);
    assert_string_equal(id.pod_uid, UID);
    assert_int_equal(id.driver, CGROUP_DRIVER_CGROUPFS);
    assert_string_equal(id.container_id, "");
    assert_false(id.is_conmon);
    /* a leaf that is not a container form */
    id = parse_expect("0::/kubepods/burstable/pod" UID "/something-else\n", 1);
    assert_string_equal(id.pod_uid, UID);
    assert_string_equal(id.container_id, "");
}

static void test_prefixes_do_not_match(void **state)
{
    (void)state;
    /* components are matched whole */
    expect_none("0::/kubepods/burstable/pod" UID "x/" HEX "\n");
    expect_none("0::/kubepods/burstable/xpod" UID "/" HEX "\n");
    expect_none("0::/kubepods.slice/kubepods-burstable-pod" UID_ ".slicex/cri-containerd-" HEX
                ".scope\n");
    expect_none("0::/kubepods.slice/notkubepods-pod" UID_ ".slice/cri-containerd-" HEX ".scope\n");
    expect_none("0::/kubepods.slice/kubepods-weird-pod" UID_ ".slice/cri-containerd-" HEX
                ".scope\n");
    /* container IDs: exactly 64 lowercase hex digits */
    struct cgroup_ident id;
    id = parse_expect("0::/kubepods/pod" UID "/" HEX "0\n", 1);
    assert_string_equal(id.pod_uid, UID);
    assert_string_equal(id.container_id, "");
    id = parse_expect("0::/kubepods/pod" UID "/0123456789abcdef0123456789abcdef0123456789abcdef"
                      "0123456789abcde\n",
                      1);
    assert_string_equal(id.container_id, "");
    id = parse_expect("0::/kubepods/pod" UID "/0123456789ABCDEF0123456789abcdef0123456789abcdef"
                      "0123456789abcdef\n",
                      1);
    assert_string_equal(id.container_id, "");
    id = parse_expect("0::/kubepods/pod" UID "/cri-containerd-" HEX ".scopex\n", 1);
    assert_string_equal(id.container_id, "");
    id = parse_expect("0::/kubepods/pod" UID "/xcri-containerd-" HEX ".scope\n", 1);
    assert_string_equal(id.container_id, "");
    /* the leaf is the component right after the pod's, never a deeper one */
    id = parse_expect("0::/kubepods/pod" UID "/extra/" HEX "\n", 1);
    assert_string_equal(id.container_id, "");
}

static void test_bad_uids(void **state)
{
    (void)state;
    /* systemd form must use '_', cgroupfs form '-'; lowercase only; exact lengths */
    expect_none("0::/kubepods.slice/kubepods-pod" UID ".slice/cri-containerd-" HEX ".scope\n");
    expect_none("0::/kubepods/pod" UID_ "/" HEX "\n");
    expect_none("0::/kubepods/pod1B2C3D4E-5F60-7182-93A4-B5C6D7E8F901/" HEX "\n");
    expect_none("0::/kubepods/pod1b2c3d4e-5f60-7182-93a4-b5c6d7e8f90/" HEX "\n");
    expect_none("0::/kubepods/pod/" HEX "\n");
}

static void test_first_container_line_wins(void **state)
{
    (void)state;
    expect_found("2:memory:/kubepods/pod" UID "/" HEX "\n1:name=systemd:/kubepods/pod" UID "/" HEX2
                 "\n",
                 UID, HEX, CGROUP_RUNTIME_UNKNOWN, CGROUP_DRIVER_CGROUPFS);
}

static void test_container_id_matches(void **state)
{
    (void)state;
    assert_true(cgroup_container_id_matches("containerd://" HEX, HEX));
    assert_true(cgroup_container_id_matches("cri-o://" HEX, HEX));
    assert_true(cgroup_container_id_matches("docker://" HEX, HEX));
    assert_true(cgroup_container_id_matches(HEX, HEX));
    assert_false(cgroup_container_id_matches("containerd://" HEX2, HEX));
    assert_false(cgroup_container_id_matches("containerd://" HEX "00", HEX));
    assert_false(cgroup_container_id_matches("containerd://", HEX));
    assert_false(cgroup_container_id_matches("containerd://", ""));
    assert_false(cgroup_container_id_matches(NULL, HEX));
    assert_false(cgroup_container_id_matches("containerd://" HEX, NULL));
    assert_false(cgroup_container_id_matches("", HEX));
}

static void test_names(void **state)
{
    (void)state;
    assert_string_equal(cgroup_runtime_name(CGROUP_RUNTIME_CONTAINERD), "containerd");
    assert_string_equal(cgroup_runtime_name(CGROUP_RUNTIME_CRIO), "cri-o");
    assert_string_equal(cgroup_runtime_name(CGROUP_RUNTIME_DOCKER), "docker");
    assert_string_equal(cgroup_runtime_name(CGROUP_RUNTIME_UNKNOWN), "unknown");
    assert_string_equal(cgroup_driver_name(CGROUP_DRIVER_SYSTEMD), "systemd");
    assert_string_equal(cgroup_driver_name(CGROUP_DRIVER_CGROUPFS), "cgroupfs");
    assert_string_equal(cgroup_driver_name(CGROUP_DRIVER_UNKNOWN), "unknown");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_null_and_empty),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_host_processes),
        cmocka_unit_test(test_systemd_containerd_burstable),
        cmocka_unit_test(test_systemd_besteffort_no_newline),
        cmocka_unit_test(test_systemd_guaranteed),
        cmocka_unit_test(test_systemd_cgroup_root_prefix),
        cmocka_unit_test(test_cgroupfs),
        cmocka_unit_test(test_crio_systemd),
        cmocka_unit_test(test_crio_conmon_is_not_a_container),
        cmocka_unit_test(test_docker_systemd),
        cmocka_unit_test(test_v1_with_name_systemd),
        cmocka_unit_test(test_v1_systemd_driver),
        cmocka_unit_test(test_hybrid),
        cmocka_unit_test(test_crun_nested_container),
        cmocka_unit_test(test_dotdot_prefix),
        cmocka_unit_test(test_deleted_suffix),
        cmocka_unit_test(test_static_pod_uid),
        cmocka_unit_test(test_pod_level_cgroup),
        cmocka_unit_test(test_prefixes_do_not_match),
        cmocka_unit_test(test_bad_uids),
        cmocka_unit_test(test_first_container_line_wins),
        cmocka_unit_test(test_container_id_matches),
        cmocka_unit_test(test_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
