/*
 * test_json_k8s: core/json_k8s.c. Degenerate and malformed bodies first (empty,
 * truncated, wrong types, items not an array, huge numbers, a bad item in the
 * middle of a page leaving the snapshot untouched), then a handwritten pod with
 * all three container kinds, nodes, events and their timestamps, watch lines,
 * Status bodies, and finally the real objects of the corpus
 * ($ARMORTOP_CORPUS/k8s-api, skipped with a message when absent). Run it under
 * the sanitizers to check that nothing leaks on any path.
 */
#include "config.h"

#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../core/json_k8s.h"
#include "../../core/strbuf.h"
#include "../../core/xalloc.h"
#include "../harness.h"

#define FIXTURE_DIR "tests/fixtures/k8s/"

static char *read_fixture(const char *name, size_t *len)
{
    char path[512];
    snprintf(path, sizeof path, FIXTURE_DIR "%s", name);
    char *s = harness_read_file(path, len);
    if (!s)
        fail_msg("cannot read fixture %s (run from the repository root)", path);
    return s;
}

static int decode_list_str(enum kube_kind kind, const char *s, struct kube_snapshot *snap,
                           struct kube_list_meta *meta, struct kerr *err)
{
    return json_k8s_decode_list(kind, s, strlen(s), snap, meta, err);
}

/* ---- degenerate input ---------------------------------------------------------- */

static void test_empty_body(void **state)
{
    (void)state;
    struct kube_snapshot *snap = kube_snapshot_new();
    struct kube_list_meta meta = { 0 };
    struct kerr err = { 0 };
    assert_int_equal(json_k8s_decode_list(KUBE_KIND_POD, "", 0, snap, &meta, &err), -KERR_PARSE);
    assert_int_equal(err.code, KERR_PARSE);
    assert_non_null(strstr(err.msg, "empty"));
    assert_int_equal(json_k8s_decode_list(KUBE_KIND_POD, NULL, 0, snap, &meta, NULL), -KERR_PARSE);
    assert_int_equal(snap->pods.count, 0);
    assert_null(meta.resource_version);
    struct kube_pod pod;
    assert_int_equal(json_k8s_decode_pod("   ", 3, &pod, &err), -KERR_PARSE);
    assert_null(pod.name);
    kube_snapshot_free(&snap);
    assert_null(snap);
    kube_snapshot_free(&snap); /* NULL is fine */
}

static void test_truncated_json(void **state)
{
    (void)state;
    const char *body = "{\"kind\":\"PodList\",\"items\":[{\"metadata\":{\"name\":\"a\",\"namespace\":\"b\"}}";
    struct kube_snapshot *snap = kube_snapshot_new();
    struct kerr err = { 0 };
    assert_int_equal(decode_list_str(KUBE_KIND_POD, body, snap, NULL, &err), -KERR_PARSE);
    assert_non_null(strstr(err.msg, "invalid JSON"));
    assert_int_equal(snap->pods.count, 0);
    /* a length shorter than the string is honoured */
    const char *full = "{\"items\":[]}";
    assert_int_equal(json_k8s_decode_list(KUBE_KIND_POD, full, 5, snap, NULL, NULL), -KERR_PARSE);
    assert_int_equal(json_k8s_decode_list(KUBE_KIND_POD, full, strlen(full), snap, NULL, NULL), 0);
    kube_snapshot_free(&snap);
}

static void test_not_an_object(void **state)
{
    (void)state;
    struct kube_snapshot *snap = kube_snapshot_new();
    struct kerr err = { 0 };
    assert_int_equal(decode_list_str(KUBE_KIND_NODE, "[]", snap, NULL, &err), -KERR_PARSE);
    assert_int_equal(decode_list_str(KUBE_KIND_NODE, "42", snap, NULL, &err), -KERR_PARSE);
    assert_int_equal(decode_list_str(KUBE_KIND_NODE, "null", snap, NULL, &err), -KERR_PARSE);
    struct kube_node node;
    assert_int_equal(json_k8s_decode_node("\"x\"", 3, &node, &err), -KERR_PARSE);
    assert_non_null(strstr(err.msg, "node"));
    kube_snapshot_free(&snap);
}

static void test_items_not_array(void **state)
{
    (void)state;
    struct kube_snapshot *snap = kube_snapshot_new();
    struct kerr err = { 0 };
    assert_int_equal(decode_list_str(KUBE_KIND_POD, "{\"kind\":\"PodList\",\"items\":{}}", snap,
                                     NULL, &err),
                     -KERR_PARSE);
    assert_non_null(strstr(err.msg, "items"));
    assert_non_null(strstr(err.msg, "array"));
    /* null items (Go nil slice) and absent items are an empty page */
    struct kube_list_meta meta = { 0 };
    assert_int_equal(decode_list_str(KUBE_KIND_POD,
                                     "{\"kind\":\"PodList\",\"items\":null,"
                                     "\"metadata\":{\"resourceVersion\":\"7\"}}",
                                     snap, &meta, &err),
                     0);
    assert_string_equal(meta.resource_version, "7");
    assert_int_equal(meta.remaining, -1);
    assert_null(meta.continue_token);
    kube_list_meta_done(&meta);
    kube_snapshot_free(&snap);
}

static void test_wrong_kind_and_status_body(void **state)
{
    (void)state;
    struct kube_snapshot *snap = kube_snapshot_new();
    struct kerr err = { 0 };
    assert_int_equal(decode_list_str(KUBE_KIND_POD, "{\"kind\":\"NodeList\",\"items\":[]}", snap,
                                     NULL, &err),
                     -KERR_PARSE);
    assert_non_null(strstr(err.msg, "PodList"));
    assert_int_equal(decode_list_str(KUBE_KIND_POD,
                                     "{\"kind\":\"Status\",\"status\":\"Failure\","
                                     "\"message\":\"pods is forbidden\",\"code\":403}",
                                     snap, NULL, &err),
                     -KERR_PARSE);
    assert_non_null(strstr(err.msg, "pods is forbidden"));
    assert_int_equal(decode_list_str(KUBE_KIND_POD, "{\"kind\":\"List\",\"items\":[]}", snap,
                                     NULL, &err),
                     0);
    kube_snapshot_free(&snap);
}

static void test_wrong_field_types(void **state)
{
    (void)state;
    static const struct {
        const char *body;
        const char *needle;
    } cases[] = {
        { "{\"metadata\":{\"name\":5,\"namespace\":\"a\"}}", "metadata.name" },
        { "{\"metadata\":{\"name\":\"p\",\"namespace\":[]}}", "metadata.namespace" },
        { "{\"metadata\":\"x\"}", "metadata" },
        { "{\"metadata\":{\"name\":\"p\",\"namespace\":\"a\"},\"spec\":{\"containers\":{}}}",
          "spec.containers" },
        { "{\"metadata\":{\"name\":\"p\",\"namespace\":\"a\"},\"spec\":{\"containers\":[{\"name\":1}]}}",
          "spec.containers[0].name" },
        { "{\"metadata\":{\"name\":\"p\",\"namespace\":\"a\"},\"spec\":{\"containers\":[{}]}}",
          "spec.containers[0].name: missing" },
        { "{\"metadata\":{\"name\":\"p\",\"namespace\":\"a\"},\"spec\":{\"initContainers\":[{\"name\":\"i\","
          "\"securityContext\":{\"privileged\":\"yes\"}}]}}",
          "spec.initContainers[0].securityContext.privileged" },
        { "{\"metadata\":{\"name\":\"p\",\"namespace\":\"a\"},\"spec\":{\"securityContext\":"
          "{\"appArmorProfile\":{\"type\":7}}}}",
          "spec.securityContext.appArmorProfile.type" },
        { "{\"metadata\":{\"name\":\"p\",\"namespace\":\"a\",\"annotations\":"
          "{\"container.apparmor.security.beta.kubernetes.io/c\":true}}}",
          "container.apparmor.security.beta.kubernetes.io/c" },
        { "{\"metadata\":{\"name\":\"p\",\"namespace\":\"a\"},\"status\":{\"containerStatuses\":"
          "[{\"name\":\"c\"}],\"phase\":3}}",
          "status.phase" },
        { "{\"metadata\":{\"name\":\"p\",\"namespace\":\"a\"},\"spec\":{\"containers\":[{\"name\":\"c\"}]},"
          "\"status\":{\"containerStatuses\":[{\"name\":\"c\",\"restartCount\":\"1\"}]}}",
          "restartCount" },
        { "{\"metadata\":{\"name\":\"p\",\"namespace\":\"a\",\"creationTimestamp\":12}}",
          "creationTimestamp" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        struct kube_pod pod;
        struct kerr err = { 0 };
        int rc = json_k8s_decode_pod(cases[i].body, strlen(cases[i].body), &pod, &err);
        if (rc != -KERR_PARSE || !strstr(err.msg, cases[i].needle))
            fail_msg("case %zu: rc %d msg '%s', wanted '%s'", i, rc, err.msg, cases[i].needle);
        assert_null(pod.name); /* released on error */
    }
}

static void test_pod_requires_name_and_namespace(void **state)
{
    (void)state;
    struct kube_pod pod;
    struct kerr err = { 0 };
    const char *a = "{\"metadata\":{\"namespace\":\"a\"}}";
    const char *b = "{\"metadata\":{\"name\":\"p\"}}";
    const char *c = "{\"spec\":{}}";
    assert_int_equal(json_k8s_decode_pod(a, strlen(a), &pod, &err), -KERR_PARSE);
    assert_non_null(strstr(err.msg, "metadata.name"));
    assert_int_equal(json_k8s_decode_pod(b, strlen(b), &pod, &err), -KERR_PARSE);
    assert_non_null(strstr(err.msg, "metadata.namespace"));
    assert_int_equal(json_k8s_decode_pod(c, strlen(c), &pod, &err), -KERR_PARSE);
    const char *ok = "{\"metadata\":{\"name\":\"p\",\"namespace\":\"a\"}}";
    assert_int_equal(json_k8s_decode_pod(ok, strlen(ok), &pod, &err), 0);
    assert_int_equal(pod.container_count, 0);
    assert_null(pod.containers);
    assert_null(pod.node_name);
    assert_int_equal(pod.aa_pod.type, AA_TYPE_UNSET);
    kube_pod_done(&pod);
}

static void test_bad_item_adds_nothing(void **state)
{
    (void)state;
    struct kube_snapshot *snap = kube_snapshot_new();
    struct kube_list_meta meta = { 0 };
    struct kerr err = { 0 };
    const char *first = "{\"kind\":\"PodList\",\"metadata\":{\"resourceVersion\":\"1\",\"continue\":\"c1\"},"
                        "\"items\":[{\"metadata\":{\"name\":\"p0\",\"namespace\":\"n\"}}]}";
    assert_int_equal(decode_list_str(KUBE_KIND_POD, first, snap, &meta, &err), 0);
    assert_int_equal(snap->pods.count, 1);
    assert_string_equal(meta.continue_token, "c1");
    /* second page: two good pods then a bad one */
    const char *bad = "{\"kind\":\"PodList\",\"metadata\":{\"resourceVersion\":\"2\"},\"items\":["
                      "{\"metadata\":{\"name\":\"p1\",\"namespace\":\"n\"},\"spec\":{\"containers\":[{\"name\":\"c\"}]}},"
                      "{\"metadata\":{\"name\":\"p2\",\"namespace\":\"n\"}},"
                      "{\"metadata\":{\"name\":\"p3\",\"namespace\":\"n\"},\"spec\":{\"nodeName\":false}}]}";
    assert_int_equal(decode_list_str(KUBE_KIND_POD, bad, snap, &meta, &err), -KERR_PARSE);
    assert_non_null(strstr(err.msg, "items[2]"));
    assert_non_null(strstr(err.msg, "n/p3"));
    assert_non_null(strstr(err.msg, "spec.nodeName"));
    assert_int_equal(snap->pods.count, 1);
    assert_string_equal(snap->pods.items[0].name, "p0");
    /* meta untouched by the failed page */
    assert_string_equal(meta.resource_version, "1");
    assert_string_equal(meta.continue_token, "c1");
    kube_list_meta_done(&meta);
    kube_snapshot_free(&snap);
}

static void test_list_meta_and_huge_numbers(void **state)
{
    (void)state;
    struct kube_snapshot *snap = kube_snapshot_new();
    struct kube_list_meta meta = { 0 };
    meta.remaining = -1;
    const char *body = "{\"kind\":\"EventList\",\"metadata\":{\"resourceVersion\":\"99\","
                       "\"continue\":\"tok\",\"remainingItemCount\":1e30},\"items\":["
                       "{\"metadata\":{\"name\":\"e1\",\"namespace\":\"n\"},\"count\":1e400},"
                       "{\"metadata\":{\"name\":\"e2\",\"namespace\":\"n\"},\"count\":-1e30},"
                       "{\"metadata\":{\"name\":\"e3\",\"namespace\":\"n\"},\"count\":2.9}]}";
    assert_int_equal(decode_list_str(KUBE_KIND_EVENT, body, snap, &meta, NULL), 0);
    assert_string_equal(meta.resource_version, "99");
    assert_string_equal(meta.continue_token, "tok");
    assert_true(meta.remaining > (int64_t)1 << 62);
    assert_int_equal(snap->events.count, 3);
    assert_int_equal(snap->events.items[0].count, INT_MAX);
    assert_int_equal(snap->events.items[1].count, INT_MIN);
    assert_int_equal(snap->events.items[2].count, 2);
    /* decoding into a used meta releases the old strings (ASan checks) */
    const char *next = "{\"kind\":\"EventList\",\"metadata\":{\"remainingItemCount\":3},\"items\":[]}";
    assert_int_equal(decode_list_str(KUBE_KIND_EVENT, next, snap, &meta, NULL), 0);
    assert_null(meta.resource_version);
    assert_null(meta.continue_token);
    assert_int_equal(meta.remaining, 3);
    kube_list_meta_done(&meta);
    kube_snapshot_free(&snap);
}

/* ---- pods ---------------------------------------------------------------------- */

static void test_pod_all_kinds(void **state)
{
    (void)state;
    size_t len;
    char *body = read_fixture("pod_all_kinds.json", &len);
    struct kube_pod pod;
    struct kerr err = { 0 };
    assert_int_equal(json_k8s_decode_pod(body, len, &pod, &err), 0);
    assert_string_equal(pod.ns, "payments");
    assert_string_equal(pod.name, "web-7c9d8f-x2kq");
    assert_string_equal(pod.uid, "11111111-2222-3333-4444-555555555555");
    assert_string_equal(pod.resource_version, "4242");
    assert_string_equal(pod.node_name, "node-07");
    assert_string_equal(pod.phase, "Pending");
    assert_null(pod.reason);
    assert_string_equal(pod.owner_kind, "ReplicaSet");
    assert_string_equal(pod.owner_name, "web-7c9d8f");
    assert_int_equal(pod.created, 1714557600); /* 2024-05-01T10:00:00Z */
    assert_false(pod.is_windows);
    assert_false(pod.is_terminating);
    assert_int_equal(pod.aa_pod.type, AA_TYPE_LOCALHOST);
    assert_string_equal(pod.aa_pod.localhost, "k8s-deny-write");
    /* annotations: only the AppArmor ones, raw */
    assert_int_equal(pod.aa_annotation_count, 2);
    bool seen_envoy = false, seen_debug = false;
    for (size_t i = 0; i < pod.aa_annotation_count; i++) {
        if (strcmp(pod.aa_annotations[i].container, "envoy") == 0) {
            assert_string_equal(pod.aa_annotations[i].value, "localhost/envoy-prof");
            seen_envoy = true;
        } else if (strcmp(pod.aa_annotations[i].container, "debug") == 0) {
            assert_string_equal(pod.aa_annotations[i].value, "bogus-value");
            seen_debug = true;
        }
    }
    assert_true(seen_envoy && seen_debug);
    /* containers, then init, then ephemeral, each in spec order */
    assert_int_equal(pod.container_count, 5);
    static const char *const names[] = { "app", "envoy", "tools", "init-db", "debug" };
    static const enum kube_ctr_kind kinds[] = { KCTR_CONTAINER, KCTR_CONTAINER, KCTR_CONTAINER,
                                                KCTR_INIT, KCTR_EPHEMERAL };
    for (size_t i = 0; i < 5; i++) {
        assert_string_equal(pod.containers[i].name, names[i]);
        assert_int_equal(pod.containers[i].kind, kinds[i]);
    }
    const struct kube_container *app = &pod.containers[0], *envoy = &pod.containers[1],
                                *tools = &pod.containers[2], *init = &pod.containers[3],
                                *dbg = &pod.containers[4];
    assert_string_equal(app->image, "example/app:1");
    assert_int_equal(app->aa_field.type, AA_TYPE_UNSET);
    assert_int_equal(envoy->aa_field.type, AA_TYPE_RUNTIME_DEFAULT);
    assert_false(envoy->is_privileged);
    assert_true(tools->is_privileged);
    assert_int_equal(init->aa_field.type, AA_TYPE_UNCONFINED);
    /* statuses matched by name although listed in another order */
    assert_true(app->has_status);
    assert_int_equal(app->state, KSTATE_WAITING);
    assert_string_equal(app->state_reason, "CreateContainerError");
    assert_non_null(strstr(app->state_message, "apparmor profile not found k8s-deny-write"));
    assert_null(app->container_id);
    assert_false(envoy->has_status);
    assert_int_equal(envoy->state, KSTATE_UNKNOWN);
    assert_int_equal(tools->state, KSTATE_RUNNING);
    assert_int_equal(tools->restart_count, 3);
    assert_true(tools->is_ready);
    assert_string_equal(tools->container_id, "containerd://ccc");
    assert_int_equal(init->state, KSTATE_TERMINATED);
    assert_string_equal(init->state_reason, "Completed");
    assert_false(dbg->has_status);
    kube_pod_done(&pod);
    assert_null(pod.name);
    free(body);
}

static void test_pod_apparmor_field_variants(void **state)
{
    (void)state;
    static const struct {
        const char *profile_json;
        enum aa_type type;
        const char *localhost;
        const char *raw;
    } cases[] = {
        { "{\"type\":\"RuntimeDefault\"}", AA_TYPE_RUNTIME_DEFAULT, NULL, "RuntimeDefault" },
        { "{\"type\":\"Unconfined\"}", AA_TYPE_UNCONFINED, NULL, "Unconfined" },
        { "{\"type\":\"Localhost\",\"localhostProfile\":\"p1\"}", AA_TYPE_LOCALHOST, "p1", "Localhost" },
        { "{\"type\":\"Localhost\"}", AA_TYPE_INVALID, NULL, "Localhost" },
        { "{\"type\":\"Localhost\",\"localhostProfile\":\"\"}", AA_TYPE_INVALID, NULL, "Localhost" },
        { "{\"type\":\"Localhost\",\"localhostProfile\":null}", AA_TYPE_INVALID, NULL, "Localhost" },
        { "{\"type\":\"Bogus\"}", AA_TYPE_INVALID, NULL, "Bogus" },
        { "{\"type\":\"runtimedefault\"}", AA_TYPE_INVALID, NULL, "runtimedefault" },
        { "{}", AA_TYPE_INVALID, NULL, NULL },
        { "null", AA_TYPE_UNSET, NULL, NULL },
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char *body = xasprintf("{\"metadata\":{\"name\":\"p\",\"namespace\":\"n\"},\"spec\":{"
                               "\"containers\":[{\"name\":\"c\",\"securityContext\":"
                               "{\"appArmorProfile\":%s}}]}}",
                               cases[i].profile_json);
        struct kube_pod pod;
        struct kerr err = { 0 };
        if (json_k8s_decode_pod(body, strlen(body), &pod, &err) != 0)
            fail_msg("case %zu: %s", i, err.msg);
        const struct aa_spec *s = &pod.containers[0].aa_field;
        if (s->type != cases[i].type)
            fail_msg("case %zu: type %d, wanted %d", i, s->type, cases[i].type);
        if (cases[i].localhost)
            assert_string_equal(s->localhost, cases[i].localhost);
        else
            assert_null(s->localhost);
        if (cases[i].raw)
            assert_string_equal(s->raw, cases[i].raw);
        else
            assert_null(s->raw);
        kube_pod_done(&pod);
        free(body);
    }
}

static void test_pod_windows_and_terminating(void **state)
{
    (void)state;
    const char *body = "{\"metadata\":{\"name\":\"w\",\"namespace\":\"n\",\"deletionTimestamp\":"
                       "\"2024-01-01T00:00:00Z\"},\"spec\":{\"os\":{\"name\":\"windows\"}}}";
    struct kube_pod pod;
    assert_int_equal(json_k8s_decode_pod(body, strlen(body), &pod, NULL), 0);
    assert_true(pod.is_windows);
    assert_true(pod.is_terminating);
    kube_pod_done(&pod);
}

/* ---- nodes and events ------------------------------------------------------------- */

static void test_node_decode(void **state)
{
    (void)state;
    const char *body = "{\"kind\":\"NodeList\",\"metadata\":{\"resourceVersion\":\"5\"},\"items\":[{"
                       "\"metadata\":{\"name\":\"node-1\",\"uid\":\"u1\",\"labels\":{\"kubernetes.io/os\":\"linux\"},"
                       "\"creationTimestamp\":\"2024-01-01T00:00:00+01:00\"},"
                       "\"spec\":{\"unschedulable\":true},"
                       "\"status\":{\"conditions\":[{\"type\":\"MemoryPressure\",\"status\":\"False\"},"
                       "{\"type\":\"Ready\",\"status\":\"True\"}],"
                       "\"addresses\":[{\"type\":\"Hostname\",\"address\":\"node-1\"},"
                       "{\"type\":\"InternalIP\",\"address\":\"10.0.0.7\"}],"
                       "\"nodeInfo\":{\"kubeletVersion\":\"v1.31.2\",\"osImage\":\"Debian GNU/Linux 12\","
                       "\"kernelVersion\":\"6.1.0-18-amd64\",\"containerRuntimeVersion\":\"containerd://1.7.13\"}}},"
                       "{\"metadata\":{\"name\":\"node-2\"},\"status\":{\"conditions\":[{\"type\":\"Ready\",\"status\":\"Unknown\"}]}}]}";
    struct kube_snapshot *snap = kube_snapshot_new();
    struct kube_list_meta meta = { 0 };
    assert_int_equal(decode_list_str(KUBE_KIND_NODE, body, snap, &meta, NULL), 0);
    assert_int_equal(snap->nodes.count, 2);
    const struct kube_node *n = &snap->nodes.items[0];
    assert_string_equal(n->name, "node-1");
    assert_true(n->is_ready);
    assert_true(n->is_unschedulable);
    assert_string_equal(n->internal_ip, "10.0.0.7");
    assert_string_equal(n->kubelet_version, "v1.31.2");
    assert_string_equal(n->os_image, "Debian GNU/Linux 12");
    assert_string_equal(n->kernel_version, "6.1.0-18-amd64");
    assert_string_equal(n->container_runtime, "containerd://1.7.13");
    assert_string_equal(n->os, "linux");
    assert_int_equal(n->created, 1704067200 - 3600); /* 2024-01-01T00:00:00+01:00 */
    assert_false(snap->nodes.items[1].is_ready);
    assert_null(snap->nodes.items[1].internal_ip);
    assert_ptr_equal(kube_snapshot_find_node(snap, "node-2"), &snap->nodes.items[1]);
    kube_list_meta_done(&meta);
    kube_snapshot_free(&snap);
}

static void test_event_timestamps(void **state)
{
    (void)state;
    static const struct {
        const char *fields;
        int64_t want;
    } cases[] = {
        { "\"lastTimestamp\":\"2024-03-01T12:00:00Z\",\"firstTimestamp\":\"2024-03-01T11:00:00Z\"", 1709294400 },
        { "\"lastTimestamp\":null,\"eventTime\":\"2024-03-01T12:00:00.123456Z\"", 1709294400 },
        { "\"firstTimestamp\":\"2024-03-01T12:00:00Z\"", 1709294400 },
        { "\"eventTime\":\"2024-03-01T14:30:00.5+02:30\"", 1709294400 },
        { "\"series\":{\"count\":4,\"lastObservedTime\":\"2024-03-01T12:00:00.000001Z\"}", 1709294400 },
        { "\"lastTimestamp\":\"not a time\"", 0 },
        { "\"lastTimestamp\":\"2024-13-01T12:00:00Z\"", 0 },
        { "\"lastTimestamp\":\"2024-03-01T12:00:00\"", 0 },
        { "", 0 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char *body = xasprintf("{\"metadata\":{\"name\":\"e\",\"namespace\":\"n\"}%s%s}",
                               *cases[i].fields ? "," : "", cases[i].fields);
        struct kube_event ev;
        struct kerr err = { 0 };
        if (json_k8s_decode_event(body, strlen(body), &ev, &err) != 0)
            fail_msg("case %zu: %s", i, err.msg);
        if (ev.last_seen != cases[i].want)
            fail_msg("case %zu: %lld, wanted %lld", i, (long long)ev.last_seen,
                     (long long)cases[i].want);
        kube_event_done(&ev);
        free(body);
    }
    const char *series = "{\"metadata\":{\"name\":\"e\"},\"series\":{\"count\":4}}";
    struct kube_event ev;
    assert_int_equal(json_k8s_decode_event(series, strlen(series), &ev, NULL), 0);
    assert_int_equal(ev.count, 4);
    kube_event_done(&ev);
}

static void test_event_fields(void **state)
{
    (void)state;
    const char *body = "{\"metadata\":{\"name\":\"etl.17c\",\"namespace\":\"batch\",\"uid\":\"e1\"},"
                       "\"involvedObject\":{\"kind\":\"Pod\",\"namespace\":\"batch\",\"name\":\"etl-1\","
                       "\"uid\":\"pu\",\"fieldPath\":\"spec.containers{main}\"},\"reason\":\"Failed\","
                       "\"message\":\"Error: failed to get container spec opts: failed to generate apparmor "
                       "spec opts: apparmor profile not found etl-v2\",\"type\":\"Warning\",\"count\":14,"
                       "\"lastTimestamp\":\"2024-03-01T12:00:00Z\"}";
    struct kube_event ev;
    assert_int_equal(json_k8s_decode_event(body, strlen(body), &ev, NULL), 0);
    assert_string_equal(ev.ns, "batch");
    assert_string_equal(ev.involved_kind, "Pod");
    assert_string_equal(ev.involved_ns, "batch");
    assert_string_equal(ev.involved_name, "etl-1");
    assert_string_equal(ev.involved_uid, "pu");
    assert_string_equal(ev.involved_field, "spec.containers{main}");
    assert_string_equal(ev.reason, "Failed");
    assert_string_equal(ev.type, "Warning");
    assert_int_equal(ev.count, 14);
    kube_event_done(&ev);
    const char *bad = "{\"metadata\":{\"name\":\"e\"},\"involvedObject\":{\"fieldPath\":3}}";
    struct kerr err = { 0 };
    assert_int_equal(json_k8s_decode_event(bad, strlen(bad), &ev, &err), -KERR_PARSE);
    assert_non_null(strstr(err.msg, "involvedObject.fieldPath"));
}

/* ---- watch and status ------------------------------------------------------------ */

static void test_watch_events(void **state)
{
    (void)state;
    struct kube_watch_event ev;
    struct kerr err = { 0 };
    const char *added = "{\"type\":\"ADDED\",\"object\":{\"kind\":\"Pod\",\"metadata\":{\"name\":\"p\","
                        "\"namespace\":\"n\",\"resourceVersion\":\"12\"}}}";
    assert_int_equal(json_k8s_decode_watch_event(KUBE_KIND_POD, added, strlen(added), &ev, &err), 0);
    assert_int_equal(ev.type, KWATCH_ADDED);
    assert_int_equal(ev.kind, KUBE_KIND_POD);
    assert_string_equal(ev.resource_version, "12");
    assert_string_equal(ev.pod.name, "p");
    kube_watch_event_done(&ev);

    const char *bm = "{\"type\":\"BOOKMARK\",\"object\":{\"kind\":\"Pod\",\"metadata\":"
                     "{\"resourceVersion\":\"77\",\"annotations\":{\"k8s.io/initial-events-end\":\"true\"}}}}";
    assert_int_equal(json_k8s_decode_watch_event(KUBE_KIND_POD, bm, strlen(bm), &ev, &err), 0);
    assert_int_equal(ev.type, KWATCH_BOOKMARK);
    assert_string_equal(ev.resource_version, "77");
    assert_null(ev.pod.name);
    kube_watch_event_done(&ev);

    const char *error = "{\"type\":\"ERROR\",\"object\":{\"kind\":\"Status\",\"apiVersion\":\"v1\","
                        "\"status\":\"Failure\",\"message\":\"too old resource version: 1 (5)\","
                        "\"reason\":\"Expired\",\"code\":410}}";
    assert_int_equal(json_k8s_decode_watch_event(KUBE_KIND_NODE, error, strlen(error), &ev, &err), 0);
    assert_int_equal(ev.type, KWATCH_ERROR);
    assert_int_equal(ev.error_code, 410);
    assert_string_equal(ev.error_reason, "Expired");
    assert_string_equal(ev.error_message, "too old resource version: 1 (5)");
    kube_watch_event_done(&ev);

    const char *del = "{\"type\":\"DELETED\",\"object\":{\"metadata\":{\"name\":\"n1\",\"resourceVersion\":\"9\"}}}";
    assert_int_equal(json_k8s_decode_watch_event(KUBE_KIND_NODE, del, strlen(del), &ev, &err), 0);
    assert_int_equal(ev.type, KWATCH_DELETED);
    assert_string_equal(ev.node.name, "n1");
    kube_watch_event_done(&ev);

    static const char *const bad[] = {
        "{\"type\":\"SOMETHING\",\"object\":{}}",
        "{\"object\":{}}",
        "{\"type\":\"ADDED\"}",
        "{\"type\":\"ADDED\",\"object\":[]}",
        "{\"type\":\"ADDED\",\"object\":{\"metadata\":{\"namespace\":\"n\"}}}",
        "{\"type\":1,\"object\":{}}",
        "{\"type\":\"ADDED\",\"object\":{",
        "[]",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        int rc = json_k8s_decode_watch_event(KUBE_KIND_POD, bad[i], strlen(bad[i]), &ev, &err);
        if (rc != -KERR_PARSE)
            fail_msg("bad[%zu]: rc %d", i, rc);
        assert_null(ev.pod.name);
        assert_null(ev.resource_version);
    }
}

static void test_status_decode(void **state)
{
    (void)state;
    const char *body = "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\","
                       "\"message\":\"pods is forbidden: User \\\"x\\\" cannot list\",\"reason\":\"Forbidden\","
                       "\"details\":{\"kind\":\"pods\"},\"code\":403}";
    char *msg, *reason;
    int code;
    assert_int_equal(json_k8s_decode_status(body, strlen(body), &msg, &reason, &code), 0);
    assert_string_equal(msg, "pods is forbidden: User \"x\" cannot list");
    assert_string_equal(reason, "Forbidden");
    assert_int_equal(code, 403);
    free(msg);
    free(reason);
    assert_int_equal(json_k8s_decode_status(body, strlen(body), NULL, NULL, NULL), 0);
    assert_int_equal(json_k8s_decode_status(body, strlen(body), NULL, NULL, &code), 0);
    assert_int_equal(code, 403);
    const char *notstatus = "{\"kind\":\"PodList\",\"items\":[]}";
    assert_int_equal(json_k8s_decode_status(notstatus, strlen(notstatus), &msg, &reason, &code),
                     -KERR_PARSE);
    assert_null(msg);
    assert_null(reason);
    assert_int_equal(json_k8s_decode_status("<html>502</html>", 16, &msg, NULL, NULL), -KERR_PARSE);
    assert_null(msg);
    assert_int_equal(json_k8s_decode_status("", 0, &msg, NULL, NULL), -KERR_PARSE);
    const char *minimal = "{\"kind\":\"Status\"}";
    assert_int_equal(json_k8s_decode_status(minimal, strlen(minimal), &msg, &reason, &code), 0);
    assert_null(msg);
    assert_null(reason);
    assert_int_equal(code, 0);
}

/* ---- corpus --------------------------------------------------------------------- */

static char *read_corpus(const char *rel, size_t *len)
{
    const char *dir = harness_corpus_dir();
    if (!dir) {
        print_message("corpus not found (set ARMORTOP_CORPUS): skipping %s\n", rel);
        return NULL;
    }
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, rel);
    char *s = harness_read_file(path, len);
    if (!s)
        fail_msg("cannot read %s", path);
    return s;
}

static void test_corpus_pod(void **state)
{
    (void)state;
    size_t len;
    char *body = read_corpus("k8s-api/core.v1.Pod.json", &len);
    if (!body)
        skip();
    struct kube_pod pod;
    struct kerr err = { 0 };
    assert_int_equal(json_k8s_decode_pod(body, len, &pod, &err), 0);
    assert_string_equal(pod.name, "nameValue");
    assert_string_equal(pod.ns, "namespaceValue");
    assert_string_equal(pod.node_name, "nodeNameValue");
    assert_string_equal(pod.phase, "phaseValue");
    assert_string_equal(pod.reason, "reasonValue");
    assert_string_equal(pod.owner_kind, "kindValue");
    assert_true(pod.is_terminating);
    assert_false(pod.is_windows);
    assert_int_equal(pod.created, 1199149261); /* 2008-01-01T01:01:01Z */
    assert_int_equal(pod.aa_pod.type, AA_TYPE_INVALID);
    assert_string_equal(pod.aa_pod.raw, "typeValue");
    assert_int_equal(pod.container_count, 3);
    for (size_t i = 0; i < 3; i++) {
        const struct kube_container *c = &pod.containers[i];
        assert_int_equal(c->kind, (enum kube_ctr_kind)i);
        assert_string_equal(c->name, "nameValue");
        assert_true(c->is_privileged);
        assert_int_equal(c->aa_field.type, AA_TYPE_INVALID);
        assert_true(c->has_status);
        assert_int_equal(c->state, KSTATE_WAITING);
        assert_string_equal(c->state_reason, "reasonValue");
        assert_string_equal(c->state_message, "messageValue");
    }
    kube_pod_done(&pod);

    /* the same object wrapped into a list page */
    struct strbuf sb;
    strbuf_init(&sb);
    strbuf_puts(&sb, "{\"kind\":\"PodList\",\"apiVersion\":\"v1\",\"metadata\":{\"resourceVersion\":\"3\"},\"items\":[");
    strbuf_append(&sb, body, len);
    strbuf_putc(&sb, ',');
    strbuf_append(&sb, body, len);
    strbuf_puts(&sb, "]}");
    struct kube_snapshot *snap = kube_snapshot_new();
    struct kube_list_meta meta = { 0 };
    assert_int_equal(json_k8s_decode_list(KUBE_KIND_POD, sb.buf, sb.len, snap, &meta, &err), 0);
    assert_int_equal(snap->pods.count, 2);
    assert_int_equal(snap->pods.items[1].container_count, 3);
    kube_list_meta_done(&meta);
    kube_snapshot_free(&snap);
    strbuf_done(&sb);
    free(body);
}

static void test_corpus_node_event_watch(void **state)
{
    (void)state;
    size_t len;
    char *body = read_corpus("k8s-api/core.v1.Node.json", &len);
    if (!body)
        skip();
    struct kube_node node;
    struct kerr err = { 0 };
    assert_int_equal(json_k8s_decode_node(body, len, &node, &err), 0);
    assert_string_equal(node.name, "nameValue");
    assert_true(node.is_unschedulable);
    assert_false(node.is_ready); /* condition type is typeValue */
    assert_null(node.internal_ip);
    assert_string_equal(node.kubelet_version, "kubeletVersionValue");
    assert_string_equal(node.container_runtime, "containerRuntimeVersionValue");
    kube_node_done(&node);
    free(body);

    body = read_corpus("k8s-api/core.v1.Event.json", &len);
    struct kube_event ev;
    assert_int_equal(json_k8s_decode_event(body, len, &ev, &err), 0);
    assert_string_equal(ev.involved_field, "fieldPathValue");
    assert_string_equal(ev.reason, "reasonValue");
    assert_int_equal(ev.count, 8);
    assert_int_equal(ev.last_seen, 1167613261); /* lastTimestamp 2007-01-01T01:01:01Z */
    kube_event_done(&ev);
    free(body);

    /* the corpus watch event has type "typeValue" and a custom object */
    body = read_corpus("k8s-api/core.v1.WatchEvent.json", &len);
    struct kube_watch_event wev;
    assert_int_equal(json_k8s_decode_watch_event(KUBE_KIND_POD, body, len, &wev, &err),
                     -KERR_PARSE);
    assert_non_null(strstr(err.msg, "typeValue"));
    free(body);
}

static void test_corpus_k9s(void **state)
{
    (void)state;
    static const struct {
        const char *file;
        const char *name;
        size_t containers, init;
        const char *node;
    } pods[] = {
        { "k8s-api/k9s/po.json", "nginx", 1, 0, "minikube" },
        { "k8s-api/k9s/po_init.json", "nginx", 1, 1, "minikube" },
        { "k8s-api/k9s/po_sidecar.json", "sleep", 1, 2, "kind-control-plane" },
        { "k8s-api/k9s/p1.json", "nginx-7fb78fb6d8-2w75j", 1, 0, "gke-k9s-default-pool-0fa2fb89-lbtf" },
    };
    if (!harness_corpus_dir()) {
        print_message("corpus not found (set ARMORTOP_CORPUS): skipping k9s objects\n");
        skip();
    }
    for (size_t i = 0; i < sizeof pods / sizeof *pods; i++) {
        size_t len;
        char *body = read_corpus(pods[i].file, &len);
        struct kube_pod pod;
        struct kerr err = { 0 };
        if (json_k8s_decode_pod(body, len, &pod, &err) != 0)
            fail_msg("%s: %s", pods[i].file, err.msg);
        assert_string_equal(pod.name, pods[i].name);
        assert_string_equal(pod.ns, "default");
        assert_string_equal(pod.node_name, pods[i].node);
        assert_string_equal(pod.phase, "Running");
        assert_int_equal(pod.container_count, pods[i].containers + pods[i].init);
        for (size_t c = 0; c < pod.container_count; c++) {
            assert_true(pod.containers[c].has_status);
            assert_int_equal(pod.containers[c].kind,
                             c < pods[i].containers ? KCTR_CONTAINER : KCTR_INIT);
            assert_int_equal(pod.containers[c].aa_field.type, AA_TYPE_UNSET);
            assert_non_null(pod.containers[c].container_id);
        }
        assert_int_equal(pod.aa_annotation_count, 0);
        kube_pod_done(&pod);
        free(body);
    }
    /* sidecar pod: init "init" terminated Completed, "sidecar" running */
    size_t len;
    char *body = read_corpus("k8s-api/k9s/po_sidecar.json", &len);
    struct kube_pod pod;
    assert_int_equal(json_k8s_decode_pod(body, len, &pod, NULL), 0);
    assert_string_equal(pod.containers[1].name, "init");
    assert_int_equal(pod.containers[1].state, KSTATE_TERMINATED);
    assert_string_equal(pod.containers[1].state_reason, "Completed");
    assert_string_equal(pod.containers[2].name, "sidecar");
    assert_int_equal(pod.containers[2].state, KSTATE_RUNNING);
    kube_pod_done(&pod);
    free(body);

    static const struct {
        const char *file;
        const char *ip, *kubelet;
    } nodes[] = {
        { "k8s-api/k9s/no.json", "192.168.64.107", "v1.15.2" },
        { "k8s-api/k9s/n1.json", "192.168.64.6", "v1.17.0" },
    };
    for (size_t i = 0; i < 2; i++) {
        body = read_corpus(nodes[i].file, &len);
        struct kube_node node;
        assert_int_equal(json_k8s_decode_node(body, len, &node, NULL), 0);
        assert_string_equal(node.name, "minikube");
        assert_true(node.is_ready);
        assert_string_equal(node.internal_ip, nodes[i].ip);
        assert_string_equal(node.kubelet_version, nodes[i].kubelet);
        assert_string_equal(node.os, "linux");
        kube_node_done(&node);
        free(body);
    }

    body = read_corpus("k8s-api/k9s/ev.json", &len);
    struct kube_event ev;
    assert_int_equal(json_k8s_decode_event(body, len, &ev, NULL), 0);
    assert_string_equal(ev.involved_field, "spec.containers{c1}");
    assert_string_equal(ev.involved_name, "hello-1567197780-mn4mv");
    assert_string_equal(ev.reason, "Pulled");
    assert_string_equal(ev.type, "Normal");
    assert_int_equal(ev.count, 1);
    assert_int_equal(ev.last_seen, 1567197785); /* 2019-08-30T20:43:05Z */
    kube_event_done(&ev);
    free(body);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty_body),
        cmocka_unit_test(test_truncated_json),
        cmocka_unit_test(test_not_an_object),
        cmocka_unit_test(test_items_not_array),
        cmocka_unit_test(test_wrong_kind_and_status_body),
        cmocka_unit_test(test_wrong_field_types),
        cmocka_unit_test(test_pod_requires_name_and_namespace),
        cmocka_unit_test(test_bad_item_adds_nothing),
        cmocka_unit_test(test_list_meta_and_huge_numbers),
        cmocka_unit_test(test_pod_all_kinds),
        cmocka_unit_test(test_pod_apparmor_field_variants),
        cmocka_unit_test(test_pod_windows_and_terminating),
        cmocka_unit_test(test_node_decode),
        cmocka_unit_test(test_event_timestamps),
        cmocka_unit_test(test_event_fields),
        cmocka_unit_test(test_watch_events),
        cmocka_unit_test(test_status_decode),
        cmocka_unit_test(test_corpus_pod),
        cmocka_unit_test(test_corpus_node_event_watch),
        cmocka_unit_test(test_corpus_k9s),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
