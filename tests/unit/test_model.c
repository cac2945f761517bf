/*
 * test_model: core/model.c — snapshot vectors, lookups, clearing, and
 * kube_snapshot_apply() for watch events (insert, replace by UID, replace by
 * namespace/name without UID, delete, bookmark and error events, events that
 * match nothing). Ownership is checked by running under ASan/LSan.
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

#include "../../core/json_k8s.h"
#include "../../core/kube_client.h"
#include "../../core/model.h"
#include "../../core/xalloc.h"

static void fill_pod(struct kube_pod *p, const char *ns, const char *name, const char *uid,
                     const char *node)
{
    memset(p, 0, sizeof *p);
    p->ns = xstrdup(ns);
    p->name = xstrdup(name);
    p->uid = xstrdup_or_null(uid);
    p->node_name = xstrdup_or_null(node);
    p->container_count = 1;
    p->containers = xcalloc(1, sizeof *p->containers);
    p->containers[0].name = xstrdup("c");
    p->aa_annotation_count = 1;
    p->aa_annotations = xcalloc(1, sizeof *p->aa_annotations);
    p->aa_annotations[0].container = xstrdup("c");
    p->aa_annotations[0].value = xstrdup("runtime/default");
}

static void pod_event(struct kube_watch_event *ev, enum kube_watch_type type, const char *ns,
                      const char *name, const char *uid, const char *node, const char *rv)
{
    memset(ev, 0, sizeof *ev);
    ev->type = type;
    ev->kind = KUBE_KIND_POD;
    ev->resource_version = xstrdup_or_null(rv);
    fill_pod(&ev->pod, ns, name, uid, node);
}

static void test_empty_snapshot(void **state)
{
    (void)state;
    struct kube_snapshot *snap = kube_snapshot_new();
    assert_int_equal(snap->pods.count, 0);
    assert_null(kube_snapshot_find_pod(snap, "a", "b"));
    assert_null(kube_snapshot_find_node(snap, "n"));
    assert_null(kube_snapshot_find_pod(NULL, "a", "b"));
    assert_null(kube_snapshot_find_pod(snap, NULL, "b"));
    kube_snapshot_clear_pods(snap);
    kube_snapshot_apply(snap, NULL);
    kube_snapshot_apply(NULL, NULL);
    kube_snapshot_free(&snap);
    assert_null(snap);
    kube_pod_done(NULL);
    kube_node_done(NULL);
    kube_event_done(NULL);
    aa_spec_done(NULL);
    kube_watch_event_done(NULL);
}

static void test_add_find_clear(void **state)
{
    (void)state;
    struct kube_snapshot *snap = kube_snapshot_new();
    for (int i = 0; i < 100; i++) {
        struct kube_pod *p = kube_snapshot_add_pod(snap);
        assert_null(p->name); /* zeroed */
        char name[16];
        snprintf(name, sizeof name, "p%d", i);
        p->ns = xstrdup(i % 2 ? "odd" : "even");
        p->name = xstrdup(name);
    }
    struct kube_node *n = kube_snapshot_add_node(snap);
    n->name = xstrdup("node-1");
    struct kube_event *e = kube_snapshot_add_event(snap);
    e->name = xstrdup("ev");
    assert_int_equal(snap->pods.count, 100);
    const struct kube_pod *p = kube_snapshot_find_pod(snap, "odd", "p51");
    assert_non_null(p);
    assert_string_equal(p->name, "p51");
    assert_null(kube_snapshot_find_pod(snap, "even", "p51"));
    assert_ptr_equal(kube_snapshot_find_node(snap, "node-1"), &snap->nodes.items[0]);
    kube_snapshot_clear_pods(snap);
    assert_int_equal(snap->pods.count, 0);
    assert_int_equal(snap->nodes.count, 1);
    kube_snapshot_clear_nodes(snap);
    kube_snapshot_clear_events(snap);
    assert_int_equal(snap->events.count, 0);
    kube_snapshot_free(&snap);
}

static void test_apply_add_modify_delete(void **state)
{
    (void)state;
    struct kube_snapshot *snap = kube_snapshot_new();
    struct kube_watch_event ev;

    pod_event(&ev, KWATCH_ADDED, "n", "a", "uid-a", "node-1", "10");
    kube_snapshot_apply(snap, &ev);
    assert_null(ev.pod.name); /* stolen */
    kube_watch_event_done(&ev);
    pod_event(&ev, KWATCH_ADDED, "n", "b", "uid-b", NULL, "11");
    kube_snapshot_apply(snap, &ev);
    kube_watch_event_done(&ev);
    assert_int_equal(snap->pods.count, 2);
    assert_string_equal(snap->pods_rv, "11");

    /* modify by UID: node changes, no new item */
    pod_event(&ev, KWATCH_MODIFIED, "n", "a", "uid-a", "node-2", "12");
    kube_snapshot_apply(snap, &ev);
    kube_watch_event_done(&ev);
    assert_int_equal(snap->pods.count, 2);
    assert_string_equal(kube_snapshot_find_pod(snap, "n", "a")->node_name, "node-2");

    /* same name, new UID (pod recreated by a StatefulSet): a different object */
    pod_event(&ev, KWATCH_ADDED, "n", "a", "uid-a2", "node-3", "13");
    kube_snapshot_apply(snap, &ev);
    kube_watch_event_done(&ev);
    assert_int_equal(snap->pods.count, 3);

    /* delete the old one by UID */
    pod_event(&ev, KWATCH_DELETED, "n", "a", "uid-a", NULL, "14");
    kube_snapshot_apply(snap, &ev);
    kube_watch_event_done(&ev);
    assert_int_equal(snap->pods.count, 2);
    assert_string_equal(kube_snapshot_find_pod(snap, "n", "a")->uid, "uid-a2");
    /* order kept */
    assert_string_equal(snap->pods.items[0].name, "b");

    /* without UIDs, namespace/name matches */
    pod_event(&ev, KWATCH_MODIFIED, "n", "b", NULL, "node-9", "15");
    kube_snapshot_apply(snap, &ev);
    kube_watch_event_done(&ev);
    assert_int_equal(snap->pods.count, 2);
    assert_string_equal(kube_snapshot_find_pod(snap, "n", "b")->node_name, "node-9");

    /* deleting something unknown changes nothing but the rv */
    pod_event(&ev, KWATCH_DELETED, "n", "zzz", "uid-z", NULL, "16");
    kube_snapshot_apply(snap, &ev);
    kube_watch_event_done(&ev);
    assert_int_equal(snap->pods.count, 2);
    assert_string_equal(snap->pods_rv, "16");
    kube_snapshot_free(&snap);
}

static void test_apply_bookmark_error_nodes_events(void **state)
{
    (void)state;
    struct kube_snapshot *snap = kube_snapshot_new();
    struct kube_watch_event ev = { 0 };
    ev.type = KWATCH_BOOKMARK;
    ev.kind = KUBE_KIND_NODE;
    ev.resource_version = xstrdup("500");
    kube_snapshot_apply(snap, &ev);
    kube_watch_event_done(&ev);
    assert_string_equal(snap->nodes_rv, "500");
    assert_null(snap->pods_rv);

    ev.type = KWATCH_ERROR;
    ev.kind = KUBE_KIND_NODE;
    ev.error_code = 410;
    ev.error_message = xstrdup("too old");
    kube_snapshot_apply(snap, &ev);
    kube_watch_event_done(&ev);
    assert_string_equal(snap->nodes_rv, "500");

    const char *line = "{\"type\":\"ADDED\",\"object\":{\"metadata\":{\"name\":\"node-1\",\"uid\":\"u\","
                       "\"resourceVersion\":\"501\"}}}";
    assert_int_equal(json_k8s_decode_watch_event(KUBE_KIND_NODE, line, strlen(line), &ev, NULL), 0);
    kube_snapshot_apply(snap, &ev);
    kube_watch_event_done(&ev);
    assert_int_equal(snap->nodes.count, 1);
    assert_string_equal(snap->nodes_rv, "501");
    line = "{\"type\":\"DELETED\",\"object\":{\"metadata\":{\"name\":\"node-1\",\"uid\":\"u\","
           "\"resourceVersion\":\"502\"}}}";
    assert_int_equal(json_k8s_decode_watch_event(KUBE_KIND_NODE, line, strlen(line), &ev, NULL), 0);
    kube_snapshot_apply(snap, &ev);
    kube_watch_event_done(&ev);
    assert_int_equal(snap->nodes.count, 0);

    line = "{\"type\":\"ADDED\",\"object\":{\"metadata\":{\"name\":\"e1\",\"namespace\":\"n\","
           "\"resourceVersion\":\"7\"},\"count\":1}}";
    assert_int_equal(json_k8s_decode_watch_event(KUBE_KIND_EVENT, line, strlen(line), &ev, NULL), 0);
    kube_snapshot_apply(snap, &ev);
    kube_watch_event_done(&ev);
    line = "{\"type\":\"MODIFIED\",\"object\":{\"metadata\":{\"name\":\"e1\",\"namespace\":\"n\","
           "\"resourceVersion\":\"8\"},\"count\":5}}";
    assert_int_equal(json_k8s_decode_watch_event(KUBE_KIND_EVENT, line, strlen(line), &ev, NULL), 0);
    kube_snapshot_apply(snap, &ev);
    kube_watch_event_done(&ev);
    assert_int_equal(snap->events.count, 1);
    assert_int_equal(snap->events.items[0].count, 5);
    assert_string_equal(snap->events_rv, "8");
    kube_snapshot_free(&snap);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty_snapshot),
        cmocka_unit_test(test_add_find_clear),
        cmocka_unit_test(test_apply_add_modify_delete),
        cmocka_unit_test(test_apply_bookmark_error_nodes_events),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
