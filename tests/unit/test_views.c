/*
 * test_views: core/views.c, json_views.c and findings.c. Empty snapshots
 * first, then a handwritten cluster (tests/fixtures/k8s/views_*.json): the row
 * order and contents, the JSON shapes parsed back with cJSON (keys, types,
 * optional keys only where they belong), tables (header alignment, width
 * truncation that never splits a UTF-8 sequence), findings, and the
 * agent-only views.
 */
#include "config.h"

#include <cjson/cJSON.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../core/json_k8s.h"
#include "../../core/views.h"
#include "../../core/xalloc.h"
#include "../harness.h"

#define FIXTURE_DIR "tests/fixtures/k8s/"

static void load_list(enum kube_kind kind, const char *name, struct kube_snapshot *snap)
{
    char path[256];
    size_t len;
    snprintf(path, sizeof path, FIXTURE_DIR "%s", name);
    char *body = harness_read_file(path, &len);
    if (!body)
        fail_msg("cannot read %s (run from the repository root)", path);
    struct kerr err = { 0 };
    if (json_k8s_decode_list(kind, body, len, snap, NULL, &err) != 0)
        fail_msg("%s: %s", name, err.msg);
    free(body);
}

static int setup_cluster(void **state)
{
    struct kube_snapshot *snap = kube_snapshot_new();
    load_list(KUBE_KIND_POD, "views_pods.json", snap);
    load_list(KUBE_KIND_NODE, "views_nodes.json", snap);
    load_list(KUBE_KIND_EVENT, "views_events.json", snap);
    *state = snap;
    return 0;
}

static int teardown_cluster(void **state)
{
    struct kube_snapshot *snap = *state;
    kube_snapshot_free(&snap);
    return 0;
}

static cJSON *render_json(enum view_id v, const struct kube_snapshot *snap,
                          const struct view_opts *opts)
{
    struct strbuf sb;
    struct kerr err = { 0 };
    strbuf_init(&sb);
    assert_int_equal(view_render_json(v, snap, opts, &sb, &err), 0);
    assert_true(sb.len > 0 && sb.buf[sb.len - 1] == '\n');
    cJSON *root = cJSON_Parse(strbuf_str(&sb));
    if (!root)
        fail_msg("view %s: not JSON:\n%s", view_name(v), strbuf_str(&sb));
    assert_true(cJSON_IsArray(root));
    strbuf_done(&sb);
    return root;
}

static char *render_table(enum view_id v, const struct kube_snapshot *snap, int width)
{
    struct strbuf sb;
    struct view_opts opts = { .ns = NULL, .now = 1709294400, .width = width };
    strbuf_init(&sb);
    assert_int_equal(view_render_table(v, snap, &opts, &sb, NULL), 0);
    return strbuf_take(&sb);
}

static const char *jstr(const cJSON *o, const char *k)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, k);
    if (!it)
        fail_msg("missing key %s", k);
    return cJSON_IsString(it) ? it->valuestring : NULL;
}

static bool is_null(const cJSON *o, const char *k)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, k);
    if (!it)
        fail_msg("missing key %s", k);
    return cJSON_IsNull(it);
}

/* ---- names and degenerate input ------------------------------------------------ */

static void test_view_names(void **state)
{
    (void)state;
    static const char *const names[] = { "nodes", "pods", "profiles", "denials", "findings" };
    for (int i = 0; i < VIEW__COUNT; i++) {
        enum view_id v = VIEW__COUNT;
        assert_int_equal(view_parse(names[i], &v), 0);
        assert_int_equal(v, (enum view_id)i);
        assert_string_equal(view_name(v), names[i]);
    }
    enum view_id v = VIEW_PODS;
    assert_int_equal(view_parse("Pods", &v), -KERR_INVAL);
    assert_int_equal(view_parse("", &v), -KERR_INVAL);
    assert_int_equal(view_parse(NULL, &v), -KERR_INVAL);
    assert_int_equal(v, VIEW_PODS);
    assert_string_equal(view_name(VIEW__COUNT), "unknown");
    struct strbuf sb;
    strbuf_init(&sb);
    struct kerr err = { 0 };
    assert_int_equal(view_render_json(VIEW__COUNT, NULL, NULL, &sb, &err), -KERR_INVAL);
    assert_int_equal(view_render_table((enum view_id)99, NULL, NULL, &sb, &err), -KERR_INVAL);
    strbuf_done(&sb);
}

static void test_empty_snapshot(void **state)
{
    (void)state;
    struct kube_snapshot *snap = kube_snapshot_new();
    struct strbuf sb;
    strbuf_init(&sb);
    for (int v = 0; v < VIEW__COUNT; v++) {
        strbuf_reset(&sb);
        assert_int_equal(view_render_json((enum view_id)v, snap, NULL, &sb, NULL), 0);
        assert_string_equal(strbuf_str(&sb), "[]\n");
    }
    strbuf_reset(&sb);
    assert_int_equal(view_render_table(VIEW_PODS, snap, NULL, &sb, NULL), 0);
    assert_string_equal(strbuf_str(&sb), "NAMESPACE  POD  CONTAINER  KIND  NODE  DECLARED  STATUS\n");
    strbuf_reset(&sb);
    assert_int_equal(view_render_table(VIEW_PODS, NULL, NULL, &sb, NULL), 0);
    assert_non_null(strstr(strbuf_str(&sb), "NAMESPACE"));
    struct pod_row *rows = (struct pod_row *)&sb; /* overwritten */
    size_t n = 9;
    assert_int_equal(pod_rows_build(snap, NULL, &rows, &n), 0);
    assert_null(rows);
    assert_int_equal(n, 0);
    pod_rows_free(&rows, n);
    pod_rows_free(NULL, 0);
    strbuf_done(&sb);
    kube_snapshot_free(&snap);
}

static void test_agent_views_without_agents(void **state)
{
    const struct kube_snapshot *snap = *state;
    char *t = render_table(VIEW_PROFILES, snap, 0);
    assert_string_equal(t, "no agent data\n");
    free(t);
    t = render_table(VIEW_DENIALS, snap, 80);
    assert_string_equal(t, "no agent data\n");
    free(t);
    cJSON *j = render_json(VIEW_PROFILES, snap, NULL);
    assert_int_equal(cJSON_GetArraySize(j), 0);
    cJSON_Delete(j);
}

static void test_json_escaping(void **state)
{
    (void)state;
    struct kube_snapshot *snap = kube_snapshot_new();
    const char *body = "{\"kind\":\"PodList\",\"items\":[{\"metadata\":{\"name\":\"q\\\"uo\\\\te\\u0001\\n\","
                       "\"namespace\":\"ns\"},\"spec\":{\"containers\":[{\"name\":\"\u00e9\\t\"}]}}]}";
    struct kerr err = { 0 };
    if (json_k8s_decode_list(KUBE_KIND_POD, body, strlen(body), snap, NULL, &err) != 0)
        fail_msg("%s", err.msg);
    /* an invalid UTF-8 byte slipped into a string */
    snap->pods.items[0].node_name = xstrdup("bad\xff" "byte");
    cJSON *arr = render_json(VIEW_PODS, snap, NULL);
    const cJSON *o = cJSON_GetArrayItem(arr, 0);
    assert_string_equal(jstr(o, "pod"), "q\"uo\\te\001\n");
    assert_string_equal(jstr(o, "container"), "\u00e9\t");
    assert_string_equal(jstr(o, "node"), "bad\xef\xbf\xbd" "byte");
    cJSON_Delete(arr);
    kube_snapshot_free(&snap);
}

/* ---- pods ------------------------------------------------------------------------- */

static void test_pod_rows_order(void **state)
{
    const struct kube_snapshot *snap = *state;
    struct pod_row *rows;
    size_t n;
    assert_int_equal(pod_rows_build(snap, NULL, &rows, &n), 0);
    static const char *const want[][3] = {
        { "batch", "etl-28891-7hq", "main" },
        { "batch", "ünïcødé-日本語-pod-with-a-long-name", "x" },
        { "conflict", "cf-1", "app" },
        { "monitoring", "node-exporter-q8x", "exporter" },
        { "payments", "api-7c9d8f-x2kq", "app" },
        { "payments", "api-7c9d8f-x2kq", "envoy" },
        { "payments", "api-7c9d8f-x2kq", "setup" },
        { "payments", "api-7c9d8f-x2kq", "debug" },
        { "sim-invalid", "bad-1", "c" },
        { "sim-invalid", "bad-1", "c2" },
        { "win", "iis", "iis" },
    };
    assert_int_equal(n, sizeof want / sizeof *want);
    for (size_t i = 0; i < n; i++) {
        assert_string_equal(rows[i].pod->ns, want[i][0]);
        assert_string_equal(rows[i].pod->name, want[i][1]);
        assert_string_equal(rows[i].ctr->name, want[i][2]);
    }
    assert_int_equal(rows[0].status, AA_STATUS_BLOCKED);
    assert_non_null(rows[0].blocked);
    assert_string_equal(rows[0].blocked->profile, "etl-v2");
    assert_int_equal(rows[0].blocked->event_count, 14);
    assert_int_equal(rows[1].status, AA_STATUS_UNKNOWN);
    assert_null(rows[1].blocked);
    assert_int_equal(rows[6].ctr->kind, KCTR_INIT);
    assert_int_equal(rows[7].ctr->kind, KCTR_EPHEMERAL);
    assert_int_equal(rows[7].declared.type, AA_TYPE_UNCONFINED);
    assert_int_equal(rows[10].status, AA_STATUS_NA);
    pod_rows_free(&rows, n);
    assert_null(rows);

    /* namespace filter */
    struct view_opts opts = { .ns = "payments" };
    assert_int_equal(pod_rows_build(snap, &opts, &rows, &n), 0);
    assert_int_equal(n, 4);
    pod_rows_free(&rows, n);
    opts.ns = "nope";
    assert_int_equal(pod_rows_build(snap, &opts, &rows, &n), 0);
    assert_int_equal(n, 0);
}

static const cJSON *find_row(const cJSON *arr, const char *ns, const char *pod, const char *ctr)
{
    const cJSON *o;
    cJSON_ArrayForEach(o, arr) {
        if (strcmp(jstr(o, "namespace"), ns) == 0 && strcmp(jstr(o, "pod"), pod) == 0 &&
            strcmp(jstr(o, "container"), ctr) == 0)
            return o;
    }
    fail_msg("no row %s/%s/%s", ns, pod, ctr);
    return NULL;
}

static void test_pods_json_shape(void **state)
{
    const struct kube_snapshot *snap = *state;
    cJSON *arr = render_json(VIEW_PODS, snap, NULL);
    assert_int_equal(cJSON_GetArraySize(arr), 11);
    static const char *const keys[] = { "namespace", "pod", "container", "kind", "node",
                                        "privileged", "declared", "actual", "status" };
    static const char *const statuses[] = { "ok", "mismatch", "unconfined", "complain",
                                            "blocked", "unknown", "n/a" };
    const cJSON *o;
    cJSON_ArrayForEach(o, arr) {
        assert_true(cJSON_IsObject(o));
        for (size_t k = 0; k < sizeof keys / sizeof *keys; k++)
            assert_true(cJSON_HasObjectItem(o, keys[k]));
        assert_non_null(jstr(o, "namespace"));
        assert_non_null(jstr(o, "pod"));
        assert_non_null(jstr(o, "container"));
        const char *kind = jstr(o, "kind");
        assert_true(strcmp(kind, "container") == 0 || strcmp(kind, "init") == 0 ||
                    strcmp(kind, "ephemeral") == 0);
        assert_true(is_null(o, "node") || jstr(o, "node"));
        assert_true(cJSON_IsBool(cJSON_GetObjectItemCaseSensitive(o, "privileged")));
        assert_true(is_null(o, "actual"));
        const char *st = jstr(o, "status");
        bool known = false;
        for (size_t s = 0; s < 7; s++)
            known |= strcmp(st, statuses[s]) == 0;
        assert_true(known);
        const cJSON *d = cJSON_GetObjectItemCaseSensitive(o, "declared");
        assert_true(cJSON_IsObject(d));
        assert_true(is_null(d, "type") || jstr(d, "type"));
        assert_true(is_null(d, "profile") || jstr(d, "profile"));
        const char *src = jstr(d, "source");
        assert_true(strcmp(src, "container") == 0 || strcmp(src, "annotation") == 0 ||
                    strcmp(src, "pod") == 0 || strcmp(src, "unset") == 0);
        /* blocked only on blocked rows */
        assert_int_equal(cJSON_HasObjectItem(o, "blocked"), strcmp(st, "blocked") == 0);
    }
    /* specific rows */
    const cJSON *r = find_row(arr, "payments", "api-7c9d8f-x2kq", "app");
    const cJSON *d = cJSON_GetObjectItemCaseSensitive(r, "declared");
    assert_string_equal(jstr(d, "type"), "Localhost");
    assert_string_equal(jstr(d, "profile"), "k8s-deny-write");
    assert_string_equal(jstr(d, "source"), "pod");
    assert_false(cJSON_HasObjectItem(d, "invalid"));
    assert_string_equal(jstr(r, "node"), "node-07");
    assert_string_equal(jstr(r, "kind"), "container");
    assert_string_equal(jstr(r, "status"), "unknown");

    r = find_row(arr, "payments", "api-7c9d8f-x2kq", "debug");
    assert_string_equal(jstr(r, "kind"), "ephemeral");
    d = cJSON_GetObjectItemCaseSensitive(r, "declared");
    assert_string_equal(jstr(d, "type"), "Unconfined");
    assert_true(is_null(d, "profile"));
    assert_string_equal(jstr(d, "source"), "annotation");

    r = find_row(arr, "monitoring", "node-exporter-q8x", "exporter");
    assert_true(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r, "privileged")));
    d = cJSON_GetObjectItemCaseSensitive(r, "declared");
    assert_true(is_null(d, "type"));
    assert_string_equal(jstr(d, "source"), "unset");

    /* invalid field in effect: type null, real source, invalid + raw */
    r = find_row(arr, "sim-invalid", "bad-1", "c");
    d = cJSON_GetObjectItemCaseSensitive(r, "declared");
    assert_true(is_null(d, "type"));
    assert_true(is_null(d, "profile"));
    assert_string_equal(jstr(d, "source"), "container");
    assert_non_null(strstr(jstr(d, "invalid"), "Bogus"));
    assert_string_equal(jstr(d, "raw"), "Bogus");
    assert_true(is_null(r, "node"));
    /* invalid annotation: ignored, reported */
    r = find_row(arr, "sim-invalid", "bad-1", "c2");
    d = cJSON_GetObjectItemCaseSensitive(r, "declared");
    assert_true(is_null(d, "type"));
    assert_string_equal(jstr(d, "source"), "unset");
    assert_string_equal(jstr(d, "raw"), "badval");

    r = find_row(arr, "batch", "etl-28891-7hq", "main");
    assert_string_equal(jstr(r, "status"), "blocked");
    const cJSON *b = cJSON_GetObjectItemCaseSensitive(r, "blocked");
    assert_string_equal(jstr(b, "profile"), "etl-v2");
    assert_string_equal(jstr(b, "reason"), "CreateContainerError");
    assert_non_null(strstr(jstr(b, "message"), "apparmor profile not found etl-v2"));

    r = find_row(arr, "win", "iis", "iis");
    assert_string_equal(jstr(r, "status"), "n/a");
    d = cJSON_GetObjectItemCaseSensitive(r, "declared");
    assert_true(is_null(d, "type"));
    assert_string_equal(jstr(d, "source"), "unset");

    /* UTF-8 survives */
    find_row(arr, "batch", "ünïcødé-日本語-pod-with-a-long-name", "x");
    cJSON_Delete(arr);

    struct view_opts opts = { .ns = "win" };
    arr = render_json(VIEW_PODS, snap, &opts);
    assert_int_equal(cJSON_GetArraySize(arr), 1);
    cJSON_Delete(arr);
}

/* Column start offsets (in display columns) of each header title. */
static void check_alignment(const char *table, const char *const *titles, size_t ncols)
{
    char *copy = xstrdup(table);
    char *save = NULL;
    char *header = strtok_r(copy, "\n", &save);
    assert_non_null(header);
    size_t starts[16];
    assert_true(ncols <= 16);
    char *from = header;
    for (size_t c = 0; c < ncols; c++) {
        char *at = strstr(from, titles[c]); /* after the previous title: AGE is in OS-IMAGE */
        assert_non_null(at);
        *at = '\0';
        starts[c] = view_str_width(header);
        *at = titles[c][0];
        from = at + strlen(titles[c]);
    }
    for (size_t c = 1; c < ncols; c++)
        assert_true(starts[c] > starts[c - 1]);
    size_t lines = 0;
    for (char *line = strtok_r(NULL, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        lines++;
        assert_true(line[strlen(line) - 1] != ' '); /* no trailing blanks */
        /* each column starts after two blanks (or at 0) at the header's offset */
        for (size_t c = 1; c < ncols; c++) {
            /* find the byte offset of display column starts[c] */
            size_t w = 0;
            const char *p = line;
            while (*p && w < starts[c]) {
                char tmp[8] = { 0 };
                size_t n = 1;
                while (((unsigned char)p[n] & 0xc0) == 0x80)
                    n++;
                memcpy(tmp, p, n);
                w += view_str_width(tmp);
                p += n;
            }
            if (w != starts[c] || p[0] == ' ' || p[-1] != ' ' || p[-2] != ' ')
                fail_msg("column %zu misaligned in:\n%s\n%s", c, header, line);
        }
    }
    assert_true(lines > 0);
    free(copy);
}

static void test_pods_table(void **state)
{
    const struct kube_snapshot *snap = *state;
    char *t = render_table(VIEW_PODS, snap, 0);
    static const char *const titles[] = { "NAMESPACE", "POD",      "CONTAINER", "KIND",
                                          "NODE",      "DECLARED", "STATUS" };
    check_alignment(t, titles, 7);
    assert_non_null(strstr(t, "Localhost k8s-deny-write (pod)"));
    assert_non_null(strstr(t, "RuntimeDefault (container)"));
    assert_non_null(strstr(t, "unset (runtime default)"));
    assert_non_null(strstr(t, "unset (privileged: unconfined)"));
    assert_non_null(strstr(t, "Unconfined (annotation)"));
    assert_non_null(strstr(t, "invalid \"Bogus\" (container)"));
    assert_non_null(strstr(t, "blocked"));
    assert_non_null(strstr(t, "ephemeral"));
    assert_non_null(strstr(t, "<none>"));
    /* 12 lines: header + 11 rows */
    size_t lines = 0;
    for (const char *p = t; *p; p++)
        lines += *p == '\n';
    assert_int_equal(lines, 12);
    free(t);
}

static bool valid_utf8(const char *s)
{
    const unsigned char *u = (const unsigned char *)s;
    while (*u) {
        size_t n = *u < 0x80 ? 1 : (*u & 0xe0) == 0xc0 ? 2 : (*u & 0xf0) == 0xe0 ? 3
                 : (*u & 0xf8) == 0xf0 ? 4 : 0;
        if (!n)
            return false;
        for (size_t i = 1; i < n; i++) {
            if ((u[i] & 0xc0) != 0x80)
                return false;
        }
        u += n;
    }
    return true;
}

static void test_table_truncation(void **state)
{
    const struct kube_snapshot *snap = *state;
    static const int widths[] = { 120, 80, 60, 40, 20, 1 };
    for (size_t i = 0; i < sizeof widths / sizeof *widths; i++) {
        for (int v = 0; v < VIEW__COUNT; v++) {
            char *t = render_table((enum view_id)v, snap, widths[i]);
            assert_true(valid_utf8(t));
            char *save = NULL;
            for (char *line = strtok_r(t, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                if (view_str_width(line) > (size_t)widths[i])
                    fail_msg("view %s width %d: line of %zu columns: %s", view_name((enum view_id)v),
                             widths[i], view_str_width(line), line);
            }
            free(t);
        }
    }
    /* at 80 columns the pods table stays aligned and cuts with '~' */
    char *t = render_table(VIEW_PODS, snap, 80);
    static const char *const titles[] = { "NAMESPACE", "POD",      "CONTAINER", "KIND",
                                          "NODE",      "DECLARED", "STATUS" };
    check_alignment(t, titles, 7);
    assert_non_null(strstr(t, "~"));
    assert_non_null(strstr(t, "ünïcødé")); /* cut after whole code points */
    free(t);
    /* natural width: nothing cut */
    t = render_table(VIEW_PODS, snap, 0);
    assert_null(strstr(t, "~"));
    assert_non_null(strstr(t, "ünïcødé-日本語-pod-with-a-long-name"));
    free(t);
}

static void test_str_width(void **state)
{
    (void)state;
    assert_int_equal(view_str_width(NULL), 0);
    assert_int_equal(view_str_width(""), 0);
    assert_int_equal(view_str_width("abc"), 3);
    assert_int_equal(view_str_width("ünï"), 3);
    assert_int_equal(view_str_width("日本"), 4);
    assert_int_equal(view_str_width("e\xcc\x81"), 1); /* e + combining acute */
    assert_int_equal(view_str_width("\xff\xfe"), 2);  /* invalid bytes: one column each */
}

/* ---- nodes ------------------------------------------------------------------------ */

static void test_nodes_json_and_table(void **state)
{
    const struct kube_snapshot *snap = *state;
    cJSON *arr = render_json(VIEW_NODES, snap, NULL);
    assert_int_equal(cJSON_GetArraySize(arr), 3);
    static const char *const keys[] = { "name", "ready", "kubelet", "runtime", "kernel",
                                        "os_image", "internal_ip", "pods", "agent", "apparmor" };
    const cJSON *o;
    cJSON_ArrayForEach(o, arr) {
        for (size_t k = 0; k < sizeof keys / sizeof *keys; k++)
            assert_true(cJSON_HasObjectItem(o, keys[k]));
        assert_true(cJSON_IsBool(cJSON_GetObjectItemCaseSensitive(o, "ready")));
        assert_true(cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(o, "pods")));
        assert_true(is_null(o, "agent"));
        assert_true(is_null(o, "apparmor"));
    }
    /* sorted by name */
    const cJSON *n0 = cJSON_GetArrayItem(arr, 0), *n1 = cJSON_GetArrayItem(arr, 1),
                *n2 = cJSON_GetArrayItem(arr, 2);
    assert_string_equal(jstr(n0, "name"), "node-03");
    assert_false(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(n0, "ready")));
    assert_int_equal(cJSON_GetObjectItemCaseSensitive(n0, "pods")->valueint, 2);
    assert_true(is_null(n0, "internal_ip"));
    assert_string_equal(jstr(n1, "name"), "node-07");
    assert_true(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(n1, "ready")));
    assert_int_equal(cJSON_GetObjectItemCaseSensitive(n1, "pods")->valueint, 3);
    assert_string_equal(jstr(n1, "internal_ip"), "10.0.0.7");
    assert_string_equal(jstr(n1, "kubelet"), "v1.31.2");
    assert_string_equal(jstr(n1, "runtime"), "containerd://1.7.13");
    assert_string_equal(jstr(n1, "kernel"), "6.1.0-18-amd64");
    assert_string_equal(jstr(n1, "os_image"), "Debian GNU/Linux 12 (bookworm)");
    assert_string_equal(jstr(n2, "name"), "node-win");
    assert_int_equal(cJSON_GetObjectItemCaseSensitive(n2, "pods")->valueint, 1);
    assert_true(is_null(n2, "kubelet"));
    cJSON_Delete(arr);

    char *t = render_table(VIEW_NODES, snap, 0);
    static const char *const titles[] = { "NAME", "READY", "KUBELET", "RUNTIME", "KERNEL",
                                          "OS-IMAGE", "INTERNAL-IP", "PODS", "AGE" };
    check_alignment(t, titles, 9);
    assert_non_null(strstr(t, "NotReady"));
    assert_non_null(strstr(t, "29d")); /* node-03: 2024-02-01 to 2024-03-01 */
    free(t);
}

/* ---- findings --------------------------------------------------------------------- */

static void test_findings(void **state)
{
    const struct kube_snapshot *snap = *state;
    cJSON *arr = render_json(VIEW_FINDINGS, snap, NULL);
    static const struct {
        const char *severity, *kind, *ns, *pod, *ctr;
    } want[] = {
        { "critical", "profile-not-loaded", "batch", "etl-28891-7hq", "main" },
        { "warning", "annotation-field-conflict", "conflict", "cf-1", "app" },
        { "warning", "privileged-unconfined", "monitoring", "node-exporter-q8x", "exporter" },
        { "warning", "declared-unconfined", "payments", "api-7c9d8f-x2kq", "debug" },
        { "warning", "invalid-apparmor-value", "sim-invalid", "bad-1", "c" },
        { "warning", "invalid-apparmor-value", "sim-invalid", "bad-1", "c2" },
    };
    assert_int_equal(cJSON_GetArraySize(arr), sizeof want / sizeof *want);
    static const char *const keys[] = { "severity", "kind", "namespace", "pod", "container",
                                        "node", "profile", "message" };
    for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
        const cJSON *o = cJSON_GetArrayItem(arr, (int)i);
        for (size_t k = 0; k < sizeof keys / sizeof *keys; k++)
            assert_true(cJSON_HasObjectItem(o, keys[k]));
        assert_string_equal(jstr(o, "severity"), want[i].severity);
        assert_string_equal(jstr(o, "kind"), want[i].kind);
        assert_string_equal(jstr(o, "namespace"), want[i].ns);
        assert_string_equal(jstr(o, "pod"), want[i].pod);
        assert_string_equal(jstr(o, "container"), want[i].ctr);
        assert_true(strlen(jstr(o, "message")) > 10);
    }
    const cJSON *crit = cJSON_GetArrayItem(arr, 0);
    assert_string_equal(jstr(crit, "profile"), "etl-v2");
    assert_string_equal(jstr(crit, "node"), "node-03");
    assert_non_null(strstr(jstr(crit, "message"), "etl-v2 is not loaded on node-03"));
    assert_non_null(strstr(jstr(crit, "message"), "x14"));
    assert_true(is_null(cJSON_GetArrayItem(arr, 2), "profile"));
    cJSON_Delete(arr);

    struct finding_list *fl = NULL;
    struct view_opts opts = { .ns = "win" };
    assert_int_equal(findings_build(snap, &opts, &fl), 0); /* Windows: none */
    assert_int_equal(fl->count, 0);
    findings_free(&fl);
    assert_null(fl);
    findings_free(&fl);

    char *t = render_table(VIEW_FINDINGS, snap, 0);
    assert_int_equal(strncmp(t, "SEVERITY", 8), 0);
    assert_non_null(strstr(t, "critical"));
    free(t);
    assert_string_equal(finding_severity_name(FINDING_INFO), "info");
    assert_string_equal(finding_kind_name(FINDING_KIND__COUNT), "unknown");
}

/* ---- agent joins (hand-built snapshot and fleet) ------------------------------ */

static bool str_in_arr(const cJSON *arr, const char *s)
{
    const cJSON *it;
    cJSON_ArrayForEach(it, arr)
    {
        if (cJSON_IsString(it) && strcmp(it->valuestring, s) == 0)
            return true;
    }
    return false;
}

#define CID_OK "c0000000000000000000000000000000000000000000000000000000000000a1"
#define CID_MIS "c0000000000000000000000000000000000000000000000000000000000000a2"
#define CID_CMP "c0000000000000000000000000000000000000000000000000000000000000a3"
#define CID_N2 "c0000000000000000000000000000000000000000000000000000000000000b1"

static void hand_node(struct kube_snapshot *snap, const char *name)
{
    struct kube_node *n = kube_snapshot_add_node(snap);
    n->name = xstrdup(name);
    n->is_ready = true;
}

/* One pod with one running container declaring Localhost prof (NULL: unset). */
static void hand_pod(struct kube_snapshot *snap, const char *ns, const char *name, const char *uid,
                     const char *node, const char *prof, const char *cid)
{
    struct kube_pod *p = kube_snapshot_add_pod(snap);
    p->ns = xstrdup(ns);
    p->name = xstrdup(name);
    p->uid = xstrdup(uid);
    p->node_name = xstrdup(node);
    p->phase = xstrdup("Running");
    p->containers = xcalloc(1, sizeof *p->containers);
    p->container_count = 1;
    struct kube_container *c = &p->containers[0];
    c->name = xstrdup("app");
    c->image = xstrdup("img");
    if (prof) {
        c->aa_field.type = AA_TYPE_LOCALHOST;
        c->aa_field.localhost = xstrdup(prof);
        c->aa_field.raw = xstrdup("Localhost");
    }
    c->has_status = true;
    c->container_id = xasprintf("containerd://%s", cid);
    c->state = KSTATE_RUNNING;
}

static void hand_profile(struct agent_node *n, const char *name, const char *mode, const char *hash)
{
    n->profiles = xreallocarray(n->profiles, n->profile_count + 1, sizeof *n->profiles);
    struct agent_node_profile *p = &n->profiles[n->profile_count++];
    memset(p, 0, sizeof *p);
    p->name = xstrdup(name);
    p->mode = xstrdup(mode);
    p->hash = xstrdup(hash);
}

static void hand_ctr(struct agent_node *n, const char *cid, const char *label, const char *profile,
                     const char *mode)
{
    n->containers = xreallocarray(n->containers, n->container_count + 1, sizeof *n->containers);
    struct agent_node_container *c = &n->containers[n->container_count++];
    memset(c, 0, sizeof *c);
    c->container_id = xstrdup(cid);
    c->pid = 100 + (int64_t)n->container_count;
    c->label = xstrdup(label);
    c->profile = xstrdup(profile);
    c->mode = xstrdup(mode);
}

struct hand {
    struct kube_snapshot *snap;
    struct agent_fleet *fleet;
};

/* n1, n2 with agent data, n3 without an agent (a node of the cluster).
 * k8s-a: n1 enforce hash A, n2 enforce hash B (hash drift, 2 nodes: ties go
 * to n1's value, so n2 is odd); k8s-b complain on n1 only (missing on n2);
 * k8s-c declared by a pod on n2, loaded nowhere. */
static int setup_hand(void **state)
{
    struct hand *h = xcalloc(1, sizeof *h);
    h->snap = kube_snapshot_new();
    hand_node(h->snap, "n1");
    hand_node(h->snap, "n2");
    hand_node(h->snap, "n3");
    hand_pod(h->snap, "ns1", "ok", "uid-ok", "n1", "k8s-a", CID_OK);
    hand_pod(h->snap, "ns1", "mis", "uid-mis", "n1", "k8s-a", CID_MIS);
    hand_pod(h->snap, "ns1", "cmp", "uid-cmp", "n1", "k8s-b", CID_CMP);
    hand_pod(h->snap, "ns2", "lost", "uid-lost", "n2", "k8s-c", CID_N2);
    hand_pod(h->snap, "ns2", "far", "uid-far", "n3", "k8s-a", "ffff");
    h->fleet = agent_fleet_new(4);
    struct agent_node *n1 = agent_fleet_get(h->fleet, "n1");
    n1->state = AGENT_STATE_OK;
    n1->has_data = true;
    n1->is_aa_enabled = true;
    n1->fetched_at = 1000;
    hand_profile(n1, "k8s-b", "complain", "bbbb");
    hand_profile(n1, "k8s-a", "enforce", "aaaa");
    hand_ctr(n1, CID_OK, "k8s-a (enforce)", "k8s-a", "enforce");
    hand_ctr(n1, CID_MIS, "unconfined", "unconfined", "unconfined");
    hand_ctr(n1, CID_CMP, "k8s-b (complain)", "k8s-b", "complain");
    agent_node_sort(n1);
    struct agent_node *n2 = agent_fleet_get(h->fleet, "n2");
    n2->state = AGENT_STATE_STALE;
    n2->has_data = true;
    n2->is_aa_enabled = false; /* with policy loaded: still in effect */
    n2->fetched_at = 900;
    n2->error = xstrdup("connection refused");
    hand_profile(n2, "k8s-a", "enforce", "aaab");
    agent_node_sort(n2);
    /* denials: one attributed to pod "mis", one by profile only */
    struct agent_denial_record r = {0};
    r.node = xstrdup("n1");
    r.time = 2000;
    r.profile = xstrdup("k8s-a");
    r.operation = xstrdup("open");
    r.name = xstrdup("/etc/shadow");
    r.pid = 7;
    r.pod_uid = xstrdup("uid-mis");
    r.container_id = xstrdup(CID_MIS);
    agent_fleet_push_denial_take(h->fleet, &r);
    r.node = xstrdup("n2");
    r.time = 1990;
    r.profile = xstrdup("k8s-a//hat");
    r.operation = xstrdup("exec");
    r.pid = -1;
    agent_fleet_push_denial_take(h->fleet, &r);
    *state = h;
    return 0;
}

static int teardown_hand(void **state)
{
    struct hand *h = *state;
    kube_snapshot_free(&h->snap);
    agent_fleet_free(&h->fleet);
    free(h);
    return 0;
}

static const struct pod_row *row_of(const struct pod_row *rows, size_t n, const char *pod)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(rows[i].pod->name, pod) == 0)
            return &rows[i];
    fail_msg("no row for %s", pod);
    return NULL;
}

static void test_agent_pod_join(void **state)
{
    struct hand *h = *state;
    struct view_opts o = {.now = 1100, .agents = h->fleet};
    struct pod_row *rows;
    size_t n;
    pod_rows_build(h->snap, &o, &rows, &n);
    assert_int_equal(n, 5);
    assert_int_equal(row_of(rows, n, "ok")->status, AA_STATUS_OK);
    assert_string_equal(row_of(rows, n, "ok")->actual->profile, "k8s-a");
    assert_int_equal(row_of(rows, n, "mis")->status, AA_STATUS_MISMATCH);
    assert_int_equal(row_of(rows, n, "cmp")->status, AA_STATUS_COMPLAIN);
    assert_null(row_of(rows, n, "lost")->actual); /* agent data, container not listed */
    assert_int_equal(row_of(rows, n, "lost")->status, AA_STATUS_UNKNOWN);
    assert_null(row_of(rows, n, "far")->agent); /* no agent on n3 */
    assert_int_equal(row_of(rows, n, "far")->status, AA_STATUS_UNKNOWN);
    pod_rows_free(&rows, n);
    /* without agent data: unknown everywhere, actual null */
    pod_rows_build(h->snap, NULL, &rows, &n);
    for (size_t i = 0; i < n; i++) {
        assert_null(rows[i].actual);
        assert_int_equal(rows[i].status, AA_STATUS_UNKNOWN);
    }
    pod_rows_free(&rows, n);

    cJSON *j = render_json(VIEW_PODS, h->snap, &o);
    const cJSON *it;
    int with_actual = 0;
    cJSON_ArrayForEach(it, j)
    {
        const cJSON *a = cJSON_GetObjectItemCaseSensitive(it, "actual");
        if (cJSON_IsObject(a)) {
            with_actual++;
            assert_true(cJSON_IsString(cJSON_GetObjectItemCaseSensitive(a, "label")));
            assert_true(cJSON_IsString(cJSON_GetObjectItemCaseSensitive(a, "mode")));
            assert_true(cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(a, "pid")));
        } else {
            assert_true(cJSON_IsNull(a));
        }
    }
    assert_int_equal(with_actual, 3);
    cJSON_Delete(j);
}

static void test_agent_nodes_profiles(void **state)
{
    struct hand *h = *state;
    struct view_opts o = {.now = 1100, .agents = h->fleet};
    struct node_row *nr;
    size_t n;
    node_rows_build(h->snap, &o, &nr, &n);
    assert_int_equal(n, 3);
    assert_string_equal(nr[0].node->name, "n1");
    assert_int_equal(nr[0].enforce_count, 1);
    assert_int_equal(nr[0].complain_count, 1);
    assert_int_equal(nr[0].unconfined_count, 1);
    assert_int_equal(nr[0].drift_count, 0); /* n1 holds the majority everywhere... */
    assert_int_equal(nr[1].drift_count, 2); /* ...n2 lacks k8s-b and has the odd hash */
    assert_null(nr[2].agent);
    free(nr);

    struct profile_row *pr;
    profile_rows_build(h->snap, &o, &pr, &n);
    assert_int_equal(n, 3);
    assert_string_equal(pr[0].name, "k8s-a");
    assert_int_equal(pr[0].loaded_count, 2);
    assert_int_equal(pr[0].node_total, 2);
    assert_int_equal(pr[0].hash_variants, 2);
    assert_true(pr[0].is_hash_drift);
    assert_int_equal(pr[0].hash_odd_count, 1);
    assert_string_equal(pr[0].hash_odd_nodes[0], "n2");
    assert_int_equal(pr[0].pod_count, 3);
    assert_int_equal(pr[0].denial_count, 2); /* k8s-a and its hat */
    assert_string_equal(pr[1].name, "k8s-b");
    assert_true(pr[1].is_missing_somewhere);
    assert_int_equal(pr[1].missing_count, 1);
    assert_string_equal(pr[1].missing_nodes[0], "n2");
    assert_string_equal(pr[1].modes, "complain");
    assert_string_equal(pr[2].name, "k8s-c");
    assert_int_equal(pr[2].loaded_count, 0);
    assert_false(pr[2].is_missing_somewhere);
    assert_int_equal(pr[2].missing_count, 1); /* the node of the pod declaring it */
    assert_null(pr[2].drift);
    profile_rows_free(&pr, n);

    cJSON *j = render_json(VIEW_NODES, h->snap, &o);
    const cJSON *n2 = cJSON_GetArrayItem(j, 1);
    const cJSON *ag = cJSON_GetObjectItemCaseSensitive(n2, "agent");
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(ag, "state")->valuestring, "stale");
    assert_int_equal(cJSON_GetObjectItemCaseSensitive(ag, "age_s")->valueint, 200);
    const cJSON *aa = cJSON_GetObjectItemCaseSensitive(n2, "apparmor");
    assert_true(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(aa, "enabled")));
    assert_true(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(aa, "kernel_reports_enabled")));
    const cJSON *n3 = cJSON_GetArrayItem(j, 2);
    assert_string_equal(
        cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(n3, "agent"), "state")
            ->valuestring,
        "none");
    assert_true(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(n3, "apparmor")));
    cJSON_Delete(j);

    j = render_json(VIEW_PROFILES, h->snap, &o);
    assert_int_equal(cJSON_GetArraySize(j), 3);
    const cJSON *p0 = cJSON_GetArrayItem(j, 0);
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(p0, "hash")->valuestring, "2 variants");
    assert_true(str_in_arr(cJSON_GetObjectItemCaseSensitive(p0, "drift"), "hash"));
    cJSON_Delete(j);

    struct strbuf sb;
    struct kerr err = {0};
    strbuf_init(&sb);
    assert_int_equal(view_render_table(VIEW_PROFILES, h->snap, &o, &sb, &err), 0);
    assert_non_null(strstr(strbuf_str(&sb), "PROFILE"));
    assert_non_null(strstr(strbuf_str(&sb), "not loaded anywhere"));
    strbuf_reset(&sb);
    assert_int_equal(view_render_table(VIEW_NODES, h->snap, &o, &sb, &err), 0);
    assert_non_null(strstr(strbuf_str(&sb), "stale 3m"));
    strbuf_done(&sb);
}

static void test_agent_denials_view(void **state)
{
    struct hand *h = *state;
    struct view_opts o = {.now = 1100, .agents = h->fleet};
    struct denial_row *rows;
    size_t n;
    denial_rows_build(h->snap, &o, &rows, &n);
    assert_int_equal(n, 2);
    assert_int_equal(rows[0].rec->time, 2000); /* newest first */
    assert_non_null(rows[0].pod);
    assert_string_equal(rows[0].pod->name, "mis");
    assert_string_equal(rows[0].ctr->name, "app");
    assert_null(rows[1].pod);
    free(rows);
    /* -n ns2: only records attributed to ns2 pods (none) */
    o.ns = "ns2";
    denial_rows_build(h->snap, &o, &rows, &n);
    assert_int_equal(n, 0);
    o.ns = NULL;
    cJSON *j = render_json(VIEW_DENIALS, h->snap, &o);
    const cJSON *d0 = cJSON_GetArrayItem(j, 0);
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(d0, "namespace")->valuestring, "ns1");
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(d0, "pod")->valuestring, "mis");
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(d0, "container")->valuestring, "app");
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(d0, "time")->valuestring,
                        "1970-01-01T00:33:20.000Z");
    assert_true(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(j, 1), "pod")));
    cJSON_Delete(j);
}

static size_t count_findings(const struct finding_list *fl, enum finding_kind k, const char *pod)
{
    size_t c = 0;
    for (size_t i = 0; i < fl->count; i++)
        c += fl->items[i].kind == k && (!pod || (fl->items[i].pod && strcmp(fl->items[i].pod, pod) == 0));
    return c;
}

static void test_agent_findings(void **state)
{
    struct hand *h = *state;
    struct view_opts o = {.now = 1100, .agents = h->fleet};
    struct finding_list *fl;
    findings_build(h->snap, &o, &fl);
    assert_int_equal(count_findings(fl, FINDING_MISMATCH, "mis"), 1);
    assert_int_equal(count_findings(fl, FINDING_MISMATCH, NULL), 1);
    assert_int_equal(count_findings(fl, FINDING_COMPLAIN_IN_USE, "cmp"), 1);
    assert_int_equal(count_findings(fl, FINDING_PROFILE_MISSING, "lost"), 1);
    /* n1 lacks nothing the pods there use; n3 has no agent: nothing claimed */
    assert_int_equal(count_findings(fl, FINDING_PROFILE_MISSING, NULL), 1);
    assert_int_equal(count_findings(fl, FINDING_AGENT_MISSING, NULL), 1);
    assert_int_equal(count_findings(fl, FINDING_AGENT_UNHEALTHY, NULL), 1); /* n2 stale */
    assert_int_equal(count_findings(fl, FINDING_APPARMOR_DISABLED, NULL), 0);
    assert_int_equal(count_findings(fl, FINDING_PROFILE_DRIFT, NULL), 2); /* k8s-a hash, k8s-b missing */
    for (size_t i = 0; i < fl->count; i++) {
        const struct finding *f = &fl->items[i];
        if (f->kind != FINDING_PROFILE_DRIFT)
            continue;
        assert_int_equal(f->node_count, 1);
        assert_string_equal(f->nodes[0], "n2");
        assert_string_equal(f->drift, strcmp(f->profile, "k8s-a") == 0 ? "hash" : "missing");
    }
    /* most severe first */
    for (size_t i = 1; i < fl->count; i++)
        assert_true(fl->items[i - 1].severity <= fl->items[i].severity);
    findings_free(&fl);
    /* without agents: none of the agent kinds */
    findings_build(h->snap, NULL, &fl);
    for (size_t i = 0; i < fl->count; i++)
        assert_true(fl->items[i].kind < FINDING_PROFILE_MISSING);
    findings_free(&fl);
    cJSON *j = render_json(VIEW_FINDINGS, h->snap, &o);
    const cJSON *it;
    int drift = 0;
    cJSON_ArrayForEach(it, j)
    {
        if (strcmp(cJSON_GetObjectItemCaseSensitive(it, "kind")->valuestring, "profile-drift") == 0) {
            drift++;
            assert_true(cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(it, "nodes")));
        } else {
            assert_null(cJSON_GetObjectItemCaseSensitive(it, "drift"));
        }
    }
    assert_int_equal(drift, 2);
    cJSON_Delete(j);
}

static void test_fleet_ring_and_lookup(void **state)
{
    (void)state;
    struct agent_fleet *f = agent_fleet_new(2);
    assert_null(agent_fleet_find(f, "x"));
    agent_fleet_get(f, "b");
    agent_fleet_get(f, "a");
    agent_fleet_get(f, "c");
    assert_int_equal(f->node_count, 3);
    assert_string_equal(f->nodes[0].node, "a");
    assert_int_equal(f->nodes[0].revision, -1);
    assert_ptr_equal(agent_fleet_get(f, "b"), agent_fleet_find(f, "b"));
    for (int i = 1; i <= 3; i++) {
        struct agent_denial_record r = {0};
        r.node = xstrdup("a");
        r.cursor = (uint64_t)i;
        agent_fleet_push_denial_take(f, &r);
        assert_null(r.node);
    }
    assert_int_equal(f->denial_count, 2);
    assert_int_equal(f->denials_evicted, 1);
    assert_int_equal(agent_fleet_denial(f, 0)->cursor, 3);
    assert_int_equal(agent_fleet_denial(f, 1)->cursor, 2);
    assert_null(agent_fleet_denial(f, 2));
    struct agent_fleet *d = agent_fleet_dup(f);
    assert_int_equal(agent_fleet_denial(d, 0)->cursor, 3);
    agent_fleet_free(&d);
    agent_fleet_free(&f);
    assert_null(f);
    agent_fleet_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_view_names),
        cmocka_unit_test(test_empty_snapshot),
        cmocka_unit_test(test_str_width),
        cmocka_unit_test(test_json_escaping),
        cmocka_unit_test_setup_teardown(test_agent_views_without_agents, setup_cluster, teardown_cluster),
        cmocka_unit_test_setup_teardown(test_pod_rows_order, setup_cluster, teardown_cluster),
        cmocka_unit_test_setup_teardown(test_pods_json_shape, setup_cluster, teardown_cluster),
        cmocka_unit_test_setup_teardown(test_pods_table, setup_cluster, teardown_cluster),
        cmocka_unit_test_setup_teardown(test_table_truncation, setup_cluster, teardown_cluster),
        cmocka_unit_test_setup_teardown(test_nodes_json_and_table, setup_cluster, teardown_cluster),
        cmocka_unit_test_setup_teardown(test_findings, setup_cluster, teardown_cluster),
        cmocka_unit_test(test_fleet_ring_and_lookup),
        cmocka_unit_test_setup_teardown(test_agent_pod_join, setup_hand, teardown_hand),
        cmocka_unit_test_setup_teardown(test_agent_nodes_profiles, setup_hand, teardown_hand),
        cmocka_unit_test_setup_teardown(test_agent_denials_view, setup_hand, teardown_hand),
        cmocka_unit_test_setup_teardown(test_agent_findings, setup_hand, teardown_hand),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
