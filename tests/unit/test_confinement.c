/*
 * test_confinement: core/confinement.c — the kubelet's GetProfile order
 * (container field > annotation > pod field > unset), every annotation value,
 * invalid values (reported, ignored where the kubelet ignores them), init and
 * ephemeral containers, Windows, blocked detection (CreateContainerError,
 * Warning events with and without fieldPath, legacy Failed/AppArmor), the
 * status with and without an actual label; then every manifest of the corpus
 * (k8s-apparmor-examples) through tests/unit/yaml_pod.c with per-file
 * expectations written by reading each file.
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

#include "../../core/confinement.h"
#include "../../core/json_k8s.h"
#include "../../core/xalloc.h"
#include "../harness.h"
#include "yaml_pod.h"

#define ANN "container.apparmor.security.beta.kubernetes.io/"

/* Decode a pod from JSON text; fails the test on error. */
static void pod_from(const char *json, struct kube_pod *pod)
{
    struct kerr err = { 0 };
    if (json_k8s_decode_pod(json, strlen(json), pod, &err) != 0)
        fail_msg("decode: %s\n%s", err.msg, json);
}

static const struct kube_container *ctr_named(const struct kube_pod *pod, const char *name)
{
    for (size_t i = 0; i < pod->container_count; i++) {
        if (strcmp(pod->containers[i].name, name) == 0)
            return &pod->containers[i];
    }
    fail_msg("no container %s", name);
    return NULL;
}

static void expect_declared(const struct kube_pod *pod, const char *ctr, enum aa_type type,
                            const char *profile, enum aa_source src, bool invalid)
{
    struct aa_declared d;
    aa_declared_resolve(pod, ctr_named(pod, ctr), &d);
    if (d.type != type || d.source != src || (d.invalid_reason != NULL) != invalid)
        fail_msg("%s: type %d source %d invalid %s; wanted type %d source %d invalid %d", ctr,
                 d.type, d.source, d.invalid_reason ? d.invalid_reason : "(none)", type, src,
                 invalid);
    if (profile)
        assert_string_equal(d.profile, profile);
    else
        assert_null(d.profile);
}

/* ---- declared ---------------------------------------------------------------- */

static void test_unset(void **state)
{
    (void)state;
    struct kube_pod pod;
    pod_from("{\"metadata\":{\"name\":\"p\",\"namespace\":\"n\"},\"spec\":{\"containers\":["
             "{\"name\":\"a\"},{\"name\":\"b\",\"securityContext\":{\"privileged\":true}}]}}",
             &pod);
    struct aa_declared d;
    char buf[128];
    aa_declared_resolve(&pod, &pod.containers[0], &d);
    assert_true(d.is_applicable);
    assert_int_equal(d.type, AA_TYPE_UNSET);
    assert_int_equal(d.source, AA_SOURCE_UNSET);
    assert_false(d.is_privileged);
    assert_null(d.invalid_reason);
    assert_string_equal(aa_declared_format(&d, buf, sizeof buf), "unset (runtime default)");
    aa_declared_resolve(&pod, &pod.containers[1], &d);
    assert_true(d.is_privileged);
    assert_string_equal(aa_declared_format(&d, buf, sizeof buf), "unset (privileged: unconfined)");
    assert_null(aa_type_name(AA_TYPE_UNSET));
    assert_string_equal(aa_source_name(AA_SOURCE_UNSET), "unset");
    /* tiny buffer: truncated, terminated */
    assert_string_equal(aa_declared_format(&d, buf, 6), "unset");
    kube_pod_done(&pod);
}

static void test_container_field_wins(void **state)
{
    (void)state;
    struct kube_pod pod;
    pod_from("{\"metadata\":{\"name\":\"p\",\"namespace\":\"n\",\"annotations\":{"
             "\"" ANN "a\":\"localhost/from-annotation\",\"" ANN "b\":\"runtime/default\"}},"
             "\"spec\":{\"securityContext\":{\"appArmorProfile\":{\"type\":\"Unconfined\"}},"
             "\"containers\":[{\"name\":\"a\",\"securityContext\":{\"appArmorProfile\":"
             "{\"type\":\"Localhost\",\"localhostProfile\":\"from-field\"}}},"
             "{\"name\":\"b\",\"securityContext\":{\"appArmorProfile\":{\"type\":\"RuntimeDefault\"}}}]}}",
             &pod);
    expect_declared(&pod, "a", AA_TYPE_LOCALHOST, "from-field", AA_SOURCE_CONTAINER, false);
    expect_declared(&pod, "b", AA_TYPE_RUNTIME_DEFAULT, NULL, AA_SOURCE_CONTAINER, false);
    struct aa_declared d;
    char buf[128];
    aa_declared_resolve(&pod, &pod.containers[0], &d);
    assert_true(d.has_conflict); /* annotation says another profile */
    assert_string_equal(d.annotation, "localhost/from-annotation");
    assert_string_equal(aa_declared_format(&d, buf, sizeof buf), "Localhost from-field (container)");
    aa_declared_resolve(&pod, &pod.containers[1], &d);
    assert_false(d.has_conflict); /* same value twice */
    assert_string_equal(aa_declared_format(&d, buf, sizeof buf), "RuntimeDefault (container)");
    kube_pod_done(&pod);
}

static void test_annotation_values_beat_pod_field(void **state)
{
    (void)state;
    struct kube_pod pod;
    pod_from("{\"metadata\":{\"name\":\"p\",\"namespace\":\"n\",\"annotations\":{"
             "\"" ANN "rd\":\"runtime/default\",\"" ANN "un\":\"unconfined\","
             "\"" ANN "lh\":\"localhost/k8s-deny-write\",\"" ANN "ghost\":\"unconfined\"}},"
             "\"spec\":{\"securityContext\":{\"appArmorProfile\":{\"type\":\"Localhost\","
             "\"localhostProfile\":\"pod-prof\"}},"
             "\"containers\":[{\"name\":\"rd\"},{\"name\":\"un\"},{\"name\":\"lh\"},{\"name\":\"plain\"}]}}",
             &pod);
    expect_declared(&pod, "rd", AA_TYPE_RUNTIME_DEFAULT, NULL, AA_SOURCE_ANNOTATION, false);
    expect_declared(&pod, "un", AA_TYPE_UNCONFINED, NULL, AA_SOURCE_ANNOTATION, false);
    expect_declared(&pod, "lh", AA_TYPE_LOCALHOST, "k8s-deny-write", AA_SOURCE_ANNOTATION, false);
    expect_declared(&pod, "plain", AA_TYPE_LOCALHOST, "pod-prof", AA_SOURCE_POD, false);
    struct aa_declared d;
    char buf[128];
    aa_declared_resolve(&pod, ctr_named(&pod, "plain"), &d);
    assert_string_equal(aa_declared_format(&d, buf, sizeof buf), "Localhost pod-prof (pod)");
    aa_declared_resolve(&pod, ctr_named(&pod, "un"), &d);
    assert_false(d.has_conflict); /* differing from the pod field is a legal override */
    assert_string_equal(aa_declared_format(&d, buf, sizeof buf), "Unconfined (annotation)");
    kube_pod_done(&pod);
}

static void test_invalid_annotation_falls_through(void **state)
{
    (void)state;
    static const char *const values[] = { "badval", "Localhost/x", "runtime/default ", "bar/foo",
                                          "", "RuntimeDefault" };
    for (size_t i = 0; i < sizeof values / sizeof *values; i++) {
        for (int with_pod = 0; with_pod < 2; with_pod++) {
            char *json = xasprintf(
                "{\"metadata\":{\"name\":\"p\",\"namespace\":\"n\",\"annotations\":{\"" ANN
                "c\":\"%s\"}},\"spec\":{%s\"containers\":[{\"name\":\"c\"}]}}",
                values[i],
                with_pod ? "\"securityContext\":{\"appArmorProfile\":{\"type\":\"RuntimeDefault\"}}," : "");
            struct kube_pod pod;
            pod_from(json, &pod);
            struct aa_declared d;
            aa_declared_resolve(&pod, &pod.containers[0], &d);
            if (with_pod) {
                assert_int_equal(d.type, AA_TYPE_RUNTIME_DEFAULT);
                assert_int_equal(d.source, AA_SOURCE_POD);
            } else {
                assert_int_equal(d.type, AA_TYPE_UNSET);
                assert_int_equal(d.source, AA_SOURCE_UNSET);
            }
            assert_non_null(d.invalid_reason);
            assert_non_null(strstr(d.invalid_reason, "ignored"));
            assert_string_equal(d.invalid_raw, values[i]);
            kube_pod_done(&pod);
            free(json);
        }
    }
}

static void test_localhost_without_name(void **state)
{
    (void)state;
    struct kube_pod pod;
    pod_from("{\"metadata\":{\"name\":\"p\",\"namespace\":\"n\",\"annotations\":{\"" ANN
             "ann\":\"localhost/\"}},\"spec\":{\"containers\":[{\"name\":\"ann\"},"
             "{\"name\":\"field\",\"securityContext\":{\"appArmorProfile\":{\"type\":\"Localhost\"}}},"
             "{\"name\":\"empty\",\"securityContext\":{\"appArmorProfile\":{\"type\":\"Localhost\","
             "\"localhostProfile\":\"\"}}}]}}",
             &pod);
    expect_declared(&pod, "ann", AA_TYPE_LOCALHOST, "", AA_SOURCE_ANNOTATION, true);
    expect_declared(&pod, "field", AA_TYPE_LOCALHOST, NULL, AA_SOURCE_CONTAINER, true);
    expect_declared(&pod, "empty", AA_TYPE_LOCALHOST, NULL, AA_SOURCE_CONTAINER, true);
    struct aa_declared d;
    char buf[128];
    aa_declared_resolve(&pod, ctr_named(&pod, "ann"), &d);
    assert_string_equal(d.invalid_reason, "empty Localhost profile name in annotation");
    assert_string_equal(aa_declared_format(&d, buf, sizeof buf), "Localhost \"\" (annotation)");
    aa_declared_resolve(&pod, ctr_named(&pod, "field"), &d);
    assert_string_equal(d.invalid_raw, "Localhost");
    kube_pod_done(&pod);
}

static void test_invalid_field_in_effect(void **state)
{
    (void)state;
    struct kube_pod pod;
    pod_from("{\"metadata\":{\"name\":\"p\",\"namespace\":\"n\"},\"spec\":{\"securityContext\":"
             "{\"appArmorProfile\":{\"type\":\"Bogus\"}},\"containers\":[{\"name\":\"c\","
             "\"securityContext\":{\"appArmorProfile\":{\"type\":\"Enforce\"}}},{\"name\":\"d\"}]}}",
             &pod);
    expect_declared(&pod, "c", AA_TYPE_INVALID, NULL, AA_SOURCE_CONTAINER, true);
    expect_declared(&pod, "d", AA_TYPE_INVALID, NULL, AA_SOURCE_POD, true);
    struct aa_declared d;
    char buf[128];
    aa_declared_resolve(&pod, ctr_named(&pod, "c"), &d);
    assert_string_equal(d.invalid_raw, "Enforce");
    assert_null(aa_type_name(d.type));
    assert_string_equal(aa_declared_format(&d, buf, sizeof buf), "invalid \"Enforce\" (container)");
    aa_declared_resolve(&pod, ctr_named(&pod, "d"), &d);
    assert_string_equal(d.invalid_raw, "Bogus");
    kube_pod_done(&pod);
}

static void test_init_and_ephemeral_inherit_pod_field(void **state)
{
    (void)state;
    struct kube_pod pod;
    pod_from("{\"metadata\":{\"name\":\"p\",\"namespace\":\"n\",\"annotations\":{\"" ANN
             "dbg\":\"unconfined\"}},\"spec\":{\"securityContext\":{\"appArmorProfile\":"
             "{\"type\":\"RuntimeDefault\"}},\"containers\":[{\"name\":\"app\"}],"
             "\"initContainers\":[{\"name\":\"init\"},{\"name\":\"sidecar\",\"restartPolicy\":\"Always\","
             "\"securityContext\":{\"appArmorProfile\":{\"type\":\"Localhost\",\"localhostProfile\":\"sc\"}}}],"
             "\"ephemeralContainers\":[{\"name\":\"eph\"},{\"name\":\"dbg\"}]}}",
             &pod);
    expect_declared(&pod, "app", AA_TYPE_RUNTIME_DEFAULT, NULL, AA_SOURCE_POD, false);
    expect_declared(&pod, "init", AA_TYPE_RUNTIME_DEFAULT, NULL, AA_SOURCE_POD, false);
    expect_declared(&pod, "sidecar", AA_TYPE_LOCALHOST, "sc", AA_SOURCE_CONTAINER, false);
    expect_declared(&pod, "eph", AA_TYPE_RUNTIME_DEFAULT, NULL, AA_SOURCE_POD, false);
    expect_declared(&pod, "dbg", AA_TYPE_UNCONFINED, NULL, AA_SOURCE_ANNOTATION, false);
    kube_pod_done(&pod);
}

static void test_windows_not_applicable(void **state)
{
    (void)state;
    struct kube_pod pod;
    pod_from("{\"metadata\":{\"name\":\"w\",\"namespace\":\"n\",\"annotations\":{\"" ANN
             "c\":\"localhost/x\"}},\"spec\":{\"os\":{\"name\":\"windows\"},\"containers\":[{\"name\":\"c\"}]},"
             "\"status\":{\"containerStatuses\":[{\"name\":\"c\",\"state\":{\"waiting\":{\"reason\":"
             "\"CreateContainerError\",\"message\":\"apparmor profile not found x\"}}}]}}",
             &pod);
    struct aa_declared d;
    struct aa_blocked b;
    char buf[64];
    aa_declared_resolve(&pod, &pod.containers[0], &d);
    assert_false(d.is_applicable);
    assert_int_equal(d.type, AA_TYPE_UNSET);
    assert_string_equal(aa_declared_format(&d, buf, sizeof buf), "n/a");
    aa_blocked_check(&pod, &pod.containers[0], NULL, &b);
    assert_false(b.is_blocked);
    assert_int_equal(aa_status_compute(&d, &b, NULL), AA_STATUS_NA);
    assert_string_equal(aa_status_name(AA_STATUS_NA), "n/a");
    kube_pod_done(&pod);
}

/* ---- blocked -------------------------------------------------------------------- */

static void test_extract_missing_profile(void **state)
{
    (void)state;
    char buf[64];
    assert_false(aa_extract_missing_profile(NULL, buf, sizeof buf));
    assert_string_equal(buf, "");
    assert_false(aa_extract_missing_profile("nothing here", buf, sizeof buf));
    assert_true(aa_extract_missing_profile(
        "Error: failed to get container spec opts: failed to generate apparmor spec opts: "
        "apparmor profile not found k8s-apparmor-example-deny-write",
        buf, sizeof buf));
    assert_string_equal(buf, "k8s-apparmor-example-deny-write");
    assert_true(aa_extract_missing_profile("AppArmor profile not found \"etl-v2\": x", buf, sizeof buf));
    assert_string_equal(buf, "etl-v2");
    assert_true(aa_extract_missing_profile(
        "Pod was rejected: Cannot enforce AppArmor: profile \"k8s-x\" is not loaded", buf, sizeof buf));
    assert_string_equal(buf, "k8s-x");
    assert_true(aa_extract_missing_profile("apparmor profile not found ", buf, sizeof buf));
    assert_string_equal(buf, "");
    /* truncation to the buffer */
    assert_true(aa_extract_missing_profile("apparmor profile not found abcdefghij", buf, 5));
    assert_string_equal(buf, "abcd");
}

static const char *const blocked_pod_json =
    "{\"metadata\":{\"name\":\"etl-1\",\"namespace\":\"batch\",\"uid\":\"pu\"},"
    "\"spec\":{\"nodeName\":\"node-03\",\"containers\":["
    "{\"name\":\"main\",\"securityContext\":{\"appArmorProfile\":{\"type\":\"Localhost\",\"localhostProfile\":\"etl-v2\"}}},"
    "{\"name\":\"side\",\"securityContext\":{\"appArmorProfile\":{\"type\":\"Localhost\",\"localhostProfile\":\"side-prof\"}}},"
    "{\"name\":\"ok\"}],"
    "\"initContainers\":[{\"name\":\"main\",\"securityContext\":{\"appArmorProfile\":{\"type\":\"RuntimeDefault\"}}}]},"
    "\"status\":{\"phase\":\"Pending\",\"containerStatuses\":["
    "{\"name\":\"main\",\"state\":{\"waiting\":{\"reason\":\"CreateContainerError\",\"message\":"
    "\"failed to generate apparmor spec opts: apparmor profile not found etl-v2\"}}},"
    "{\"name\":\"side\",\"state\":{\"waiting\":{\"reason\":\"ContainerCreating\"}}},"
    "{\"name\":\"ok\",\"state\":{\"running\":{}}}]}}";

static void add_event(struct kube_snapshot *snap, const char *json)
{
    struct kube_event *ev = kube_snapshot_add_event(snap);
    struct kerr err = { 0 };
    if (json_k8s_decode_event(json, strlen(json), ev, &err) != 0)
        fail_msg("event: %s", err.msg);
}

static void test_blocked_by_status(void **state)
{
    (void)state;
    struct kube_pod pod;
    pod_from(blocked_pod_json, &pod);
    struct aa_blocked b;
    aa_blocked_check(&pod, &pod.containers[0], NULL, &b);
    assert_true(b.is_blocked);
    assert_int_equal(b.cause, AA_BLOCK_STATUS);
    assert_string_equal(b.profile, "etl-v2");
    assert_string_equal(b.reason, "CreateContainerError");
    assert_non_null(strstr(b.message, "apparmor profile not found"));
    assert_null(b.event);
    /* without events the others are fine */
    aa_blocked_check(&pod, &pod.containers[1], NULL, &b);
    assert_false(b.is_blocked);
    aa_blocked_check(&pod, &pod.containers[2], NULL, &b);
    assert_false(b.is_blocked);
    /* CreateContainerError for another reason is not AppArmor */
    free(pod.containers[0].state_message);
    pod.containers[0].state_message = xstrdup("failed to create containerd container: no space left");
    aa_blocked_check(&pod, &pod.containers[0], NULL, &b);
    assert_false(b.is_blocked);
    kube_pod_done(&pod);
}

static void test_blocked_by_event_field_path(void **state)
{
    (void)state;
    struct kube_pod pod;
    pod_from(blocked_pod_json, &pod);
    struct kube_snapshot *snap = kube_snapshot_new();
    /* pinned to spec.containers{side} */
    add_event(snap, "{\"metadata\":{\"name\":\"e1\",\"namespace\":\"batch\"},\"involvedObject\":"
                    "{\"kind\":\"Pod\",\"namespace\":\"batch\",\"name\":\"etl-1\",\"uid\":\"pu\","
                    "\"fieldPath\":\"spec.containers{side}\"},\"reason\":\"Failed\",\"type\":\"Warning\","
                    "\"message\":\"Error: failed to get container spec opts: failed to generate apparmor "
                    "spec opts: apparmor profile not found side-prof\",\"count\":14,"
                    "\"lastTimestamp\":\"2024-03-01T12:00:00Z\"}");
    /* same text about a pod of the same name but another UID (old incarnation) */
    add_event(snap, "{\"metadata\":{\"name\":\"e2\",\"namespace\":\"batch\"},\"involvedObject\":"
                    "{\"kind\":\"Pod\",\"namespace\":\"batch\",\"name\":\"etl-1\",\"uid\":\"old\","
                    "\"fieldPath\":\"spec.containers{ok}\"},\"reason\":\"Failed\",\"type\":\"Warning\","
                    "\"message\":\"apparmor profile not found zzz\",\"count\":3}");
    /* a Normal event and an unrelated Warning */
    add_event(snap, "{\"metadata\":{\"name\":\"e3\",\"namespace\":\"batch\"},\"involvedObject\":"
                    "{\"kind\":\"Pod\",\"namespace\":\"batch\",\"name\":\"etl-1\",\"fieldPath\":"
                    "\"spec.containers{ok}\"},\"reason\":\"Pulled\",\"type\":\"Normal\",\"message\":\"ok\"}");
    add_event(snap, "{\"metadata\":{\"name\":\"e4\",\"namespace\":\"batch\"},\"involvedObject\":"
                    "{\"kind\":\"Pod\",\"namespace\":\"batch\",\"name\":\"etl-1\",\"fieldPath\":"
                    "\"spec.containers{ok}\"},\"reason\":\"BackOff\",\"type\":\"Warning\",\"message\":\"x\"}");
    /* pinned to the init container called main: must not hit containers{main} */
    add_event(snap, "{\"metadata\":{\"name\":\"e5\",\"namespace\":\"batch\"},\"involvedObject\":"
                    "{\"kind\":\"Pod\",\"namespace\":\"batch\",\"name\":\"etl-1\",\"fieldPath\":"
                    "\"spec.initContainers{main}\"},\"reason\":\"Failed\",\"type\":\"Warning\","
                    "\"message\":\"apparmor profile not found init-prof\",\"count\":2,"
                    "\"lastTimestamp\":\"2024-03-01T13:00:00Z\"}");
    struct aa_blocked b;
    aa_blocked_check(&pod, ctr_named(&pod, "side"), snap, &b);
    assert_true(b.is_blocked);
    assert_int_equal(b.cause, AA_BLOCK_EVENT);
    assert_string_equal(b.profile, "side-prof");
    assert_string_equal(b.reason, "Failed");
    assert_ptr_equal(b.event, &snap->events.items[0]);
    assert_int_equal(b.event_count, 14);
    assert_int_equal(b.event_last_seen, 1709294400);

    aa_blocked_check(&pod, ctr_named(&pod, "ok"), snap, &b);
    assert_false(b.is_blocked);
    assert_null(b.event);

    /* main: blocked by its status; no event pinned to it (e5 is the init one) */
    aa_blocked_check(&pod, &pod.containers[0], snap, &b);
    assert_true(b.is_blocked);
    assert_int_equal(b.cause, AA_BLOCK_STATUS);
    assert_null(b.event);
    /* the init container "main" has no status: the event blocks it */
    aa_blocked_check(&pod, &pod.containers[3], snap, &b);
    assert_int_equal(pod.containers[3].kind, KCTR_INIT);
    assert_true(b.is_blocked);
    assert_string_equal(b.profile, "init-prof");
    assert_int_equal(b.event_count, 2);

    /* once running, an old event no longer blocks, but is still attached */
    struct kube_container *side = (struct kube_container *)ctr_named(&pod, "side");
    side->state = KSTATE_RUNNING;
    aa_blocked_check(&pod, side, snap, &b);
    assert_false(b.is_blocked);
    assert_non_null(b.event);
    kube_snapshot_free(&snap);
    kube_pod_done(&pod);
}

static void test_blocked_by_event_without_field_path(void **state)
{
    (void)state;
    struct kube_pod pod;
    pod_from(blocked_pod_json, &pod);
    struct kube_snapshot *snap = kube_snapshot_new();
    add_event(snap, "{\"metadata\":{\"name\":\"e1\",\"namespace\":\"batch\"},\"involvedObject\":"
                    "{\"kind\":\"Pod\",\"namespace\":\"batch\",\"name\":\"etl-1\"},\"reason\":\"Failed\","
                    "\"type\":\"Warning\",\"message\":\"apparmor profile not found side-prof\",\"count\":1}");
    struct aa_blocked b;
    aa_blocked_check(&pod, ctr_named(&pod, "side"), snap, &b);
    assert_true(b.is_blocked);
    assert_string_equal(b.profile, "side-prof");
    /* init "main" (RuntimeDefault) does not declare side-prof */
    aa_blocked_check(&pod, &pod.containers[3], snap, &b);
    assert_false(b.is_blocked);
    kube_snapshot_free(&snap);
    kube_pod_done(&pod);
}

static void test_blocked_legacy_rejection(void **state)
{
    (void)state;
    struct kube_pod pod;
    pod_from("{\"metadata\":{\"name\":\"old\",\"namespace\":\"n\",\"annotations\":{\"" ANN
             "a\":\"localhost/k8s-x\"}},\"spec\":{\"containers\":[{\"name\":\"a\"},{\"name\":\"b\"}],"
             "\"initContainers\":[{\"name\":\"i\"}]},\"status\":{\"phase\":\"Failed\",\"reason\":"
             "\"AppArmor\",\"message\":\"Pod was rejected: Cannot enforce AppArmor: profile \\\"k8s-x\\\" "
             "is not loaded\"}}",
             &pod);
    struct kube_snapshot *snap = kube_snapshot_new();
    add_event(snap, "{\"metadata\":{\"name\":\"e\",\"namespace\":\"n\"},\"involvedObject\":{\"kind\":"
                    "\"Pod\",\"namespace\":\"n\",\"name\":\"old\"},\"reason\":\"AppArmor\",\"type\":\"Warning\","
                    "\"message\":\"Cannot enforce AppArmor: profile \\\"k8s-x\\\" is not loaded\",\"count\":1,"
                    "\"lastTimestamp\":\"2024-03-01T12:00:00Z\"}");
    for (size_t i = 0; i < pod.container_count; i++) {
        struct aa_blocked b;
        aa_blocked_check(&pod, &pod.containers[i], snap, &b);
        assert_true(b.is_blocked);
        assert_int_equal(b.cause, AA_BLOCK_REJECTED);
        assert_string_equal(b.reason, "AppArmor");
        assert_string_equal(b.profile, "k8s-x");
        assert_non_null(strstr(b.message, "Cannot enforce AppArmor"));
        assert_non_null(b.event);
        struct aa_declared d;
        aa_declared_resolve(&pod, &pod.containers[i], &d);
        assert_int_equal(aa_status_compute(&d, &b, NULL), AA_STATUS_BLOCKED);
    }
    /* host without AppArmor: no profile name */
    free(pod.message);
    pod.message = xstrdup("Pod was rejected: Cannot enforce AppArmor: AppArmor is not enabled on the host");
    struct aa_blocked b;
    aa_blocked_check(&pod, &pod.containers[1], NULL, &b);
    assert_true(b.is_blocked);
    assert_string_equal(b.profile, "");
    kube_snapshot_free(&snap);
    kube_pod_done(&pod);
}

/* ---- status -------------------------------------------------------------------- */

static void test_status_with_actual(void **state)
{
    (void)state;
    struct aa_declared d = { .is_applicable = true };
    struct aa_blocked notb = { 0 };
    static const struct {
        enum aa_type type;
        const char *profile;
        bool priv;
        const char *label, *mode;
        enum aa_status want;
    } cases[] = {
        { AA_TYPE_LOCALHOST, "k8s-deny-write", false, "k8s-deny-write", "enforce", AA_STATUS_OK },
        { AA_TYPE_LOCALHOST, "k8s-deny-write", false, "k8s-deny-write (enforce)", NULL, AA_STATUS_OK },
        { AA_TYPE_LOCALHOST, "k8s-deny-write", false, "k8s-deny-write", "complain", AA_STATUS_COMPLAIN },
        { AA_TYPE_LOCALHOST, "k8s-deny-write", false, "k8s-deny-write (complain)", NULL, AA_STATUS_COMPLAIN },
        { AA_TYPE_LOCALHOST, "k8s-deny-write", false, "other", "enforce", AA_STATUS_MISMATCH },
        { AA_TYPE_LOCALHOST, "k8s-deny-write", false, "unconfined", NULL, AA_STATUS_MISMATCH },
        { AA_TYPE_LOCALHOST, "b", false, "a//&b", "enforce", AA_STATUS_OK },
        { AA_TYPE_LOCALHOST, "b", false, "a//&bb", "enforce", AA_STATUS_MISMATCH },
        { AA_TYPE_LOCALHOST, "", false, "anything", "enforce", AA_STATUS_MISMATCH },
        { AA_TYPE_RUNTIME_DEFAULT, NULL, false, "cri-containerd.apparmor.d", "enforce", AA_STATUS_OK },
        { AA_TYPE_RUNTIME_DEFAULT, NULL, false, "crio-default", "enforce", AA_STATUS_OK },
        { AA_TYPE_RUNTIME_DEFAULT, NULL, false, "docker-default (enforce)", NULL, AA_STATUS_OK },
        { AA_TYPE_RUNTIME_DEFAULT, NULL, false, "k8s-deny-write", "enforce", AA_STATUS_MISMATCH },
        { AA_TYPE_RUNTIME_DEFAULT, NULL, false, "unconfined", NULL, AA_STATUS_MISMATCH },
        { AA_TYPE_UNCONFINED, NULL, false, "unconfined", NULL, AA_STATUS_UNCONFINED },
        { AA_TYPE_UNCONFINED, NULL, false, "cri-containerd.apparmor.d", "enforce", AA_STATUS_MISMATCH },
        { AA_TYPE_UNSET, NULL, false, "cri-containerd.apparmor.d", "enforce", AA_STATUS_OK },
        { AA_TYPE_UNSET, NULL, false, "unconfined", NULL, AA_STATUS_MISMATCH },
        { AA_TYPE_UNSET, NULL, true, "unconfined", NULL, AA_STATUS_UNCONFINED },
        { AA_TYPE_UNSET, NULL, true, "cri-containerd.apparmor.d", "enforce", AA_STATUS_MISMATCH },
        { AA_TYPE_INVALID, NULL, false, "cri-containerd.apparmor.d", "enforce", AA_STATUS_MISMATCH },
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        d.type = cases[i].type;
        d.profile = cases[i].profile;
        d.is_privileged = cases[i].priv;
        struct aa_actual act = { cases[i].label, cases[i].mode };
        enum aa_status st = aa_status_compute(&d, &notb, &act);
        if (st != cases[i].want)
            fail_msg("case %zu (%s %s): %s, wanted %s", i, cases[i].label,
                     cases[i].mode ? cases[i].mode : "-", aa_status_name(st),
                     aa_status_name(cases[i].want));
    }
    /* no agent data: unknown; blocked wins over actual */
    d.type = AA_TYPE_RUNTIME_DEFAULT;
    assert_int_equal(aa_status_compute(&d, NULL, NULL), AA_STATUS_UNKNOWN);
    struct aa_blocked b = { .is_blocked = true };
    struct aa_actual act = { "cri-containerd.apparmor.d", "enforce" };
    assert_int_equal(aa_status_compute(&d, &b, &act), AA_STATUS_BLOCKED);
    static const char *const names[] = { "ok", "mismatch", "unconfined", "complain",
                                         "blocked", "unknown", "n/a" };
    for (int i = 0; i < AA_STATUS__COUNT; i++)
        assert_string_equal(aa_status_name((enum aa_status)i), names[i]);
    assert_string_equal(aa_status_name(AA_STATUS__COUNT), "unknown");
}

/* ---- corpus --------------------------------------------------------------------- */

/* One expected container: file (relative to k8s-apparmor-examples), pod, container,
 * and what the kubelet resolves. type "-" = unset. */
struct expect {
    const char *file, *pod, *ctr;
    enum aa_type type;
    const char *profile;
    enum aa_source src;
    bool invalid;
};

#define U AA_TYPE_UNSET
#define RD AA_TYPE_RUNTIME_DEFAULT
#define LH AA_TYPE_LOCALHOST
#define UC AA_TYPE_UNCONFINED
#define S_UNSET AA_SOURCE_UNSET
#define S_ANN AA_SOURCE_ANNOTATION
#define S_POD AA_SOURCE_POD

static const struct expect corpus_expect[] = {
    /* kubeaudit: annotations only */
    { "kubeaudit/apparmor-annotation-init-container-enabled.yml", "pod", "container", LH, "someval", S_ANN, false },
    { "kubeaudit/apparmor-annotation-init-container-enabled.yml", "pod", "init-container", LH, "someval", S_ANN, false },
    { "kubeaudit/apparmor-annotation-init-container-missing.yml", "pod", "container", LH, "someval", S_ANN, false },
    { "kubeaudit/apparmor-annotation-init-container-missing.yml", "pod", "init-container", U, NULL, S_UNSET, false },
    { "kubeaudit/apparmor-annotation-missing.yml", "pod", "container", U, NULL, S_UNSET, false },
    { "kubeaudit/apparmor-bad-value-override.yml", "pod", "container", U, NULL, S_UNSET, true },
    { "kubeaudit/apparmor-bad-value.yml", "pod", "container", U, NULL, S_UNSET, true },
    { "kubeaudit/apparmor-disabled-overriden-multiple.yml", "pod", "container", U, NULL, S_UNSET, false },
    { "kubeaudit/apparmor-disabled-overriden-multiple.yml", "pod", "container2", UC, NULL, S_ANN, false },
    { "kubeaudit/apparmor-disabled-overriden-old-label.yml", "pod", "container", UC, NULL, S_ANN, false },
    { "kubeaudit/apparmor-disabled-overriden.yml", "pod", "container", UC, NULL, S_ANN, false },
    { "kubeaudit/apparmor-disabled.yml", "pod", "container", UC, NULL, S_ANN, false },
    { "kubeaudit/apparmor-enabled.yml", "pod", "container", LH, "something", S_ANN, false },
    /* container2's annotation names no container: no row for it */
    { "kubeaudit/apparmor-invalid-annotation.yml", "pod", "container", RD, NULL, S_ANN, false },
    /* kubernetes website tutorial */
    { "kubernetes-website/pods/security/hello-apparmor.yaml", "hello-apparmor", "hello", LH, "k8s-apparmor-example-deny-write", S_ANN, false },
    { "kubernetes-website/pods/security/hello-apparmor-2.yaml", "hello-apparmor-2", "hello", LH, "k8s-apparmor-example-allow-write", S_POD, false },
    { "kubernetes-website/pods/security/apparmor/default-pod.yaml", "default-pod", "hello", RD, NULL, S_POD, false },
    { "kubernetes-website/pods/security/apparmor/hello-apparmor.yaml", "hello-apparmor-container", "hello", LH, "profiles/k8s-apparmor-deny-writes", S_POD, false },
    /* kubernetes e2e loader example */
    { "kubernetes-kubernetes/test/images/apparmor-loader/example-pod.yaml", "nginx-apparmor", "nginx", LH, "k8s-nginx", S_ANN, false },
    /* pod security admission fixtures */
    { "pod-security-admission/baseline/v1.37/fail/apparmorprofile0.yaml", "apparmorprofile0", "container1", UC, NULL, S_ANN, false },
    { "pod-security-admission/baseline/v1.37/fail/apparmorprofile0.yaml", "apparmorprofile0", "initcontainer1", U, NULL, S_UNSET, false },
    { "pod-security-admission/baseline/v1.37/fail/apparmorprofile1.yaml", "apparmorprofile1", "container1", U, NULL, S_UNSET, false },
    { "pod-security-admission/baseline/v1.37/fail/apparmorprofile1.yaml", "apparmorprofile1", "initcontainer1", UC, NULL, S_ANN, false },
    { "pod-security-admission/baseline/v1.37/pass/apparmorprofile0.yaml", "apparmorprofile0", "container1", LH, "foo", S_ANN, false },
    { "pod-security-admission/baseline/v1.37/pass/apparmorprofile0.yaml", "apparmorprofile0", "initcontainer1", U, NULL, S_UNSET, false },
    { "pod-security-admission/restricted/v1.37/fail/apparmorprofile0.yaml", "apparmorprofile0", "container1", UC, NULL, S_ANN, false },
    { "pod-security-admission/restricted/v1.37/fail/apparmorprofile0.yaml", "apparmorprofile0", "initcontainer1", U, NULL, S_UNSET, false },
    { "pod-security-admission/restricted/v1.37/fail/apparmorprofile1.yaml", "apparmorprofile1", "container1", U, NULL, S_UNSET, false },
    { "pod-security-admission/restricted/v1.37/fail/apparmorprofile1.yaml", "apparmorprofile1", "initcontainer1", UC, NULL, S_ANN, false },
    { "pod-security-admission/restricted/v1.37/pass/apparmorprofile0.yaml", "apparmorprofile0", "container1", LH, "foo", S_ANN, false },
    { "pod-security-admission/restricted/v1.37/pass/apparmorprofile0.yaml", "apparmorprofile0", "initcontainer1", U, NULL, S_UNSET, false },
    /* kyverno: pods and workload templates */
    { "kyverno/restrict-apparmor-profiles/chainsaw-test/pod-bad.yaml", "badpod01", "busybox01", U, NULL, S_UNSET, true },
    { "kyverno/restrict-apparmor-profiles/chainsaw-test/pod-bad.yaml", "badpod02", "busybox01", U, NULL, S_UNSET, true },
    { "kyverno/restrict-apparmor-profiles/chainsaw-test/pod-bad.yaml", "badpod01-new", "container01", UC, NULL, S_ANN, false },
    { "kyverno/restrict-apparmor-profiles/chainsaw-test/pod-good.yaml", "goodpod01-new", "busybox01", RD, NULL, S_ANN, false },
    { "kyverno/restrict-apparmor-profiles/chainsaw-test/pod-good.yaml", "goodpod02-new", "busybox01", LH, "foo", S_ANN, false },
    { "kyverno/restrict-apparmor-profiles/chainsaw-test/pod-good.yaml", "goodpod03-new", "busybox01", U, NULL, S_UNSET, false },
    { "kyverno/restrict-apparmor-profiles/chainsaw-test/pod-good.yaml", "goodpod01", "container01", U, NULL, S_UNSET, false },
    { "kyverno/restrict-apparmor-profiles/chainsaw-test/pod-good.yaml", "goodpod02", "container01", RD, NULL, S_ANN, false },
    { "kyverno/restrict-apparmor-profiles/chainsaw-test/pod-good.yaml", "goodpod03", "container01", LH, "foo", S_ANN, false },
    { "kyverno/restrict-apparmor-profiles/chainsaw-test/podcontroller-bad.yaml", "baddeployment01-new", "busybox01", U, NULL, S_UNSET, true },
    { "kyverno/restrict-apparmor-profiles/chainsaw-test/podcontroller-bad.yaml", "badcronjob01-new", "busybox01", U, NULL, S_UNSET, true },
    { "kyverno/restrict-apparmor-profiles/chainsaw-test/podcontroller-bad.yaml", "baddeployment01", "container01", UC, NULL, S_ANN, false },
    { "kyverno/restrict-apparmor-profiles/chainsaw-test/podcontroller-bad.yaml", "badcronjob01", "container01", UC, NULL, S_ANN, false },
    { "kyverno/restrict-apparmor-profiles/chainsaw-test/podcontroller-good.yaml", "gooddeployment01-new", "busybox01", RD, NULL, S_ANN, false },
    { "kyverno/restrict-apparmor-profiles/chainsaw-test/podcontroller-good.yaml", "goodcronjob01-new", "busybox01", LH, "foo", S_ANN, false },
    { "kyverno/restrict-apparmor-profiles/chainsaw-test/podcontroller-good.yaml", "gooddeployment01", "container01", U, NULL, S_UNSET, false },
    { "kyverno/restrict-apparmor-profiles/chainsaw-test/podcontroller-good.yaml", "gooddeployment02", "container01", RD, NULL, S_ANN, false },
    { "kyverno/restrict-apparmor-profiles/chainsaw-test/podcontroller-good.yaml", "gooddeployment03", "container01", LH, "foo", S_ANN, false },
    { "kyverno/restrict-apparmor-profiles/chainsaw-test/podcontroller-good.yaml", "goodcronjob01", "container01", U, NULL, S_UNSET, false },
    { "kyverno/restrict-apparmor-profiles/chainsaw-test/podcontroller-good.yaml", "goodcronjob02", "container01", RD, NULL, S_ANN, false },
    { "kyverno/restrict-apparmor-profiles/chainsaw-test/podcontroller-good.yaml", "goodcronjob03", "container01", LH, "foo", S_ANN, false },
    { "kyverno/restrict-apparmor-profiles/kyverno-test/resource.yaml", "badpod01", "container01", UC, NULL, S_ANN, false },
    { "kyverno/restrict-apparmor-profiles/kyverno-test/resource.yaml", "goodpod01", "container01", U, NULL, S_UNSET, false },
    { "kyverno/restrict-apparmor-profiles/kyverno-test/resource.yaml", "goodpod02", "container01", RD, NULL, S_ANN, false },
    { "kyverno/restrict-apparmor-profiles/kyverno-test/resource.yaml", "goodpod03", "container01", LH, "foo", S_ANN, false },
    { "kyverno/restrict-apparmor-profiles/kyverno-test/resource.yaml", "baddeployment01", "container01", UC, NULL, S_ANN, false },
    { "kyverno/restrict-apparmor-profiles/kyverno-test/resource.yaml", "gooddeployment01", "container01", U, NULL, S_UNSET, false },
    { "kyverno/restrict-apparmor-profiles/kyverno-test/resource.yaml", "gooddeployment02", "container01", RD, NULL, S_ANN, false },
    { "kyverno/restrict-apparmor-profiles/kyverno-test/resource.yaml", "gooddeployment03", "container01", LH, "foo", S_ANN, false },
    { "kyverno/restrict-apparmor-profiles/kyverno-test/resource.yaml", "badcronjob01", "container01", UC, NULL, S_ANN, false },
    { "kyverno/restrict-apparmor-profiles/kyverno-test/resource.yaml", "goodcronjob01", "container01", U, NULL, S_UNSET, false },
    { "kyverno/restrict-apparmor-profiles/kyverno-test/resource.yaml", "goodcronjob02", "container01", RD, NULL, S_ANN, false },
    { "kyverno/restrict-apparmor-profiles/kyverno-test/resource.yaml", "goodcronjob03", "container01", LH, "foo", S_ANN, false },
    /* kubewarden admission requests: request object is the pod */
    { "kubewarden/req_pod_with_custom_apparmor_profile.json", "nginx", "sleeping-sidecar", LH, "cognac-cointreau-lemon", S_ANN, false },
    { "kubewarden/req_pod_with_custom_apparmor_profile.json", "nginx", "nginx", RD, NULL, S_ANN, false },
    { "kubewarden/req_pod_without_apparmor_profile.json", "nginx", "sleeping-sidecar", U, NULL, S_UNSET, false },
    { "kubewarden/req_pod_without_apparmor_profile.json", "nginx", "nginx", U, NULL, S_UNSET, false },
};

static void test_corpus_manifests(void **state)
{
    (void)state;
    const char *dir = harness_corpus_dir();
    if (!dir) {
        print_message("corpus not found (set ARMORTOP_CORPUS): skipping manifests\n");
        skip();
    }
    const size_t n_expect = sizeof corpus_expect / sizeof *corpus_expect;
    bool *seen = xcalloc(n_expect, sizeof *seen);
    size_t files = 0, containers = 0;
    for (size_t i = 0; i < n_expect; i++) {
        if (i > 0 && strcmp(corpus_expect[i].file, corpus_expect[i - 1].file) == 0)
            continue; /* each file once */
        bool again = false;
        for (size_t j = 0; j < i; j++)
            again |= strcmp(corpus_expect[j].file, corpus_expect[i].file) == 0;
        if (again)
            continue;
        char path[1024];
        snprintf(path, sizeof path, "%s/k8s-apparmor-examples/%s", dir, corpus_expect[i].file);
        char **docs;
        size_t ndocs;
        if (yaml_pods_load(path, &docs, &ndocs) != 0)
            fail_msg("cannot load %s", path);
        if (ndocs == 0)
            fail_msg("%s: no pod", path);
        files++;
        for (size_t d = 0; d < ndocs; d++) {
            struct kube_pod pod;
            pod_from(docs[d], &pod);
            for (size_t c = 0; c < pod.container_count; c++) {
                const struct kube_container *ctr = &pod.containers[c];
                size_t k;
                for (k = 0; k < n_expect; k++) {
                    if (strcmp(corpus_expect[k].file, corpus_expect[i].file) == 0 &&
                        strcmp(corpus_expect[k].pod, pod.name) == 0 &&
                        strcmp(corpus_expect[k].ctr, ctr->name) == 0)
                        break;
                }
                if (k == n_expect)
                    fail_msg("%s: pod %s container %s has no expectation", corpus_expect[i].file,
                             pod.name, ctr->name);
                const struct expect *e = &corpus_expect[k];
                struct aa_declared dd;
                aa_declared_resolve(&pod, ctr, &dd);
                bool prof_ok = e->profile ? dd.profile && strcmp(dd.profile, e->profile) == 0
                                          : dd.profile == NULL;
                if (dd.type != e->type || dd.source != e->src || !prof_ok ||
                    (dd.invalid_reason != NULL) != e->invalid)
                    fail_msg("%s %s/%s: got %s %s (%s) invalid=%s", e->file, e->pod, e->ctr,
                             aa_type_name(dd.type) ? aa_type_name(dd.type) : "unset",
                             dd.profile ? dd.profile : "-", aa_source_name(dd.source),
                             dd.invalid_reason ? dd.invalid_reason : "no");
                assert_true(dd.is_applicable);
                seen[k] = true;
                containers++;
            }
            kube_pod_done(&pod);
        }
        yaml_pods_free(docs, ndocs);
    }
    for (size_t k = 0; k < n_expect; k++) {
        if (!seen[k])
            fail_msg("expected container not found: %s %s/%s", corpus_expect[k].file,
                     corpus_expect[k].pod, corpus_expect[k].ctr);
    }
    assert_true(files >= 20);
    assert_int_equal(containers, n_expect);
    free(seen);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_unset),
        cmocka_unit_test(test_container_field_wins),
        cmocka_unit_test(test_annotation_values_beat_pod_field),
        cmocka_unit_test(test_invalid_annotation_falls_through),
        cmocka_unit_test(test_localhost_without_name),
        cmocka_unit_test(test_invalid_field_in_effect),
        cmocka_unit_test(test_init_and_ephemeral_inherit_pod_field),
        cmocka_unit_test(test_windows_not_applicable),
        cmocka_unit_test(test_extract_missing_profile),
        cmocka_unit_test(test_blocked_by_status),
        cmocka_unit_test(test_blocked_by_event_field_path),
        cmocka_unit_test(test_blocked_by_event_without_field_path),
        cmocka_unit_test(test_blocked_legacy_rejection),
        cmocka_unit_test(test_status_with_actual),
        cmocka_unit_test(test_corpus_manifests),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
