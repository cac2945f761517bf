/*
 * test_filter: the `/` filter (substring, re:, !), the table view it drives
 * (filter, narrowing, sort, keys), and the pods pane over a real model built
 * from a snapshot: rows and status elements from recalc, a filter, the
 * selection kept by pod UID across refreshes, drill-down requests. No terminal.
 */
#include "config.h"

#include <locale.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "model.h"
#include "xalloc.h"
#include "../../tui/filter.h"
#include "../../tui/pane.h"
#include "../../tui/table.h"
#include "../../tui/theme_parse.h"
#include "../../tui/tmodel.h"

static void test_filter_empty_matches_all(void **state)
{
    (void)state;
    struct filter f;
    filter_init(&f);
    assert_true(filter_match(&f, "anything"));
    assert_int_equal(filter_set(&f, NULL), 0);
    assert_false(f.is_active);
    assert_int_equal(filter_set(&f, ""), 0);
    assert_true(filter_match(&f, ""));
    /* "!" or "re:" alone: still typing, matches all */
    assert_int_equal(filter_set(&f, "!"), 0);
    assert_true(filter_match(&f, "x"));
    assert_int_equal(filter_set(&f, "re:"), 0);
    assert_true(filter_match(&f, "x"));
    filter_done(&f);
}

static void test_filter_substring_case_insensitive(void **state)
{
    (void)state;
    struct filter f;
    filter_init(&f);
    assert_int_equal(filter_set(&f, "Node-003"), 0);
    assert_true(filter_match(&f, "batch\tetl\tnode-003\t"));
    assert_false(filter_match(&f, "batch\tetl\tnode-001\t"));
    filter_done(&f);
}

static void test_filter_invert_and_regex(void **state)
{
    (void)state;
    struct filter f;
    filter_init(&f);
    assert_int_equal(filter_set(&f, "!kube-system"), 0);
    assert_false(filter_match(&f, "kube-system\tcoredns\t"));
    assert_true(filter_match(&f, "default\tapi\t"));
    assert_int_equal(filter_set(&f, "re:^(data|batch)\t"), 0);
    assert_true(filter_match(&f, "data\tkafka-0\t"));
    assert_false(filter_match(&f, "default\tdata\t"));
    assert_int_equal(filter_set(&f, "!re:blocked|unknown"), 0);
    assert_false(filter_match(&f, "a\tblocked\t"));
    assert_true(filter_match(&f, "a\tok\t"));
    /* an invalid regex is reported and matches everything */
    assert_int_equal(filter_set(&f, "re:(unclosed"), -1);
    assert_false(f.is_active);
    assert_true(strncmp(f.err, "regex: ", 7) == 0);
    assert_true(filter_match(&f, "x"));
    filter_done(&f);
}

static void test_filter_narrows(void **state)
{
    (void)state;
    struct filter f;
    filter_init(&f);
    filter_set(&f, "nod");
    assert_true(filter_narrows(&f, "node"));
    assert_false(filter_narrows(&f, "no"));
    assert_false(filter_narrows(&f, "!node"));
    assert_false(filter_narrows(&f, "re:node"));
    filter_set(&f, "!nod");
    assert_false(filter_narrows(&f, "!node"));
    filter_done(&f);
}

static const struct tcol cols[] = {
    { "NAME", 4, 0, false, false, false, false, 0 },
    { "COUNT", 5, 0, true, true, false, false, 0 },
};

static void test_table_view_sort_keys(void **state)
{
    (void)state;
    struct table t;
    table_init(&t, cols, 2);
    const char *names[] = { "bravo", "alpha", "Charlie", "delta" };
    const char *counts[] = { "10", "9", "100", "-" };
    for (int i = 0; i < 4; i++) {
        size_t r = table_add_row(&t, NULL, names[i]);
        table_set(&t, r, 0, names[i], TE_NORMAL);
        table_set(&t, r, 1, counts[i], TE_NORMAL);
    }
    table_finish(&t);
    assert_string_equal(t.rows[2].hay, "charlie\t100\t");
    table_apply(&t, NULL, -1, false, false);
    assert_int_equal(t.nview, 4);
    assert_int_equal(t.view[0], 0); /* build order */
    table_apply(&t, NULL, 1, false, false); /* numeric: 9 10 100, then non-numbers */
    assert_string_equal(t.rows[t.view[0]].key, "alpha");
    assert_string_equal(t.rows[t.view[1]].key, "bravo");
    assert_string_equal(t.rows[t.view[2]].key, "Charlie");
    assert_string_equal(t.rows[t.view[3]].key, "delta");
    table_apply(&t, NULL, 0, true, false); /* text, descending (byte order) */
    assert_string_equal(t.rows[t.view[0]].key, "delta");
    assert_int_equal(table_find_key(&t, "delta"), 0);
    assert_int_equal(table_find_key(&t, "nope"), -1);
    assert_int_equal(table_find_key(&t, NULL), -1);
    struct filter f;
    filter_init(&f);
    filter_set(&f, "a");
    table_apply(&t, &f, -1, false, false);
    assert_int_equal(t.nview, 4);
    filter_set(&f, "al"); /* narrowing only looks at the previous view */
    table_apply(&t, &f, -1, false, true);
    assert_int_equal(t.nview, 1);
    assert_string_equal(t.rows[t.view[0]].key, "alpha");
    filter_done(&f);
    /* clear keeps the columns and can be refilled */
    table_clear(&t);
    assert_int_equal(t.nrows, 0);
    table_finish(&t);
    table_apply(&t, NULL, 0, false, false);
    assert_int_equal(t.nview, 0);
    table_done(&t);
}

/* ---- the pods pane over a model -------------------------------------------- */

static void add_pod(struct kube_snapshot *snap, const char *ns, const char *name, const char *uid,
                    const char *node, const char *profile)
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
    c->kind = KCTR_CONTAINER;
    if (profile) {
        c->aa_field.type = AA_TYPE_LOCALHOST;
        c->aa_field.localhost = xstrdup(profile);
        c->aa_field.raw = xstrdup("Localhost");
    }
    c->has_status = true;
    c->state = KSTATE_RUNNING;
}

static struct kube_snapshot *snapshot(bool with_new_first)
{
    struct kube_snapshot *s = kube_snapshot_new();
    if (with_new_first)
        add_pod(s, "aaa", "new-pod", "uid-0", "node-1", NULL);
    add_pod(s, "batch", "etl-1", "uid-1", "node-1", "etl-v2");
    add_pod(s, "batch", "etl-2", "uid-2", "node-2", NULL);
    add_pod(s, "web", "front", "uid-3", "node-2", NULL);
    return s;
}

static void test_pods_pane_selection_survives_refresh(void **state)
{
    (void)state;
    struct tmodel m;
    memset(&m, 0, sizeof m);
    tmodel_build(&m, snapshot(false), NULL, NULL, NULL, 1000);
    assert_int_equal(m.counts.pods, 3);
    assert_int_equal(m.counts.confined, 3);
    struct pane *p = pane_new(&pane_pods_ops, NULL);
    pane_refresh(p, &m);
    assert_int_equal(p->table.nview, 3);
    assert_string_equal(p->title, "Pods (all namespaces)");
    assert_string_equal(table_cell(&p->table, p->table.view[0], 5)->text,
                        "Localhost etl-v2 (container)");
    assert_string_equal(table_cell(&p->table, p->table.view[0], 6)->text, "—");
    assert_int_equal(table_cell(&p->table, p->table.view[0], 7)->te, TE_STATUS_UNKNOWN);
    /* select etl-2, then a refresh inserts a pod before it */
    pane_list_action(p, ACT_MOVE_DOWN);
    assert_string_equal(p->sel_key, "uid-2/container/app");
    tmodel_build(&m, snapshot(true), NULL, NULL, NULL, 1000);
    pane_refresh(p, &m);
    assert_int_equal(p->table.nview, 4);
    assert_int_equal(p->sel, 2); /* moved with its row */
    assert_string_equal(p->sel_key, "uid-2/container/app");
    /* a filter that hides it, then clears: the selection comes back */
    pane_set_filter(p, "front");
    assert_int_equal(p->table.nview, 1);
    pane_set_filter(p, NULL);
    assert_int_equal(p->sel, 2);
    /* drill-down asks for the detail of the selected container */
    assert_int_equal(p->ops->on_action(p, ACT_ENTER, &m), R_PUSH);
    assert_int_equal(p->req.kind, PANE_DETAIL);
    assert_string_equal(p->req.pod, "etl-2");
    assert_string_equal(p->req.container, "app");
    /* navigation clamps */
    pane_list_action(p, ACT_LAST);
    pane_list_action(p, ACT_MOVE_DOWN);
    assert_int_equal(p->sel, 3);
    pane_list_action(p, ACT_FIRST);
    pane_list_action(p, ACT_MOVE_UP);
    assert_int_equal(p->sel, 0);
    /* sort cycles through the columns and back to natural order */
    for (int i = 0; i < 8; i++)
        pane_list_action(p, ACT_SORT_NEXT);
    assert_int_equal(p->sort_col, 7);
    pane_list_action(p, ACT_SORT_NEXT);
    assert_int_equal(p->sort_col, -1);
    /* sort by name: a title prefix, '-' descends */
    assert_int_equal(pane_sort_by(p, "-pod"), 0);
    assert_int_equal(p->sort_col, 1);
    assert_true(p->is_sort_desc);
    assert_string_equal(table_cell(&p->table, p->table.view[0], 1)->text, "new-pod");
    assert_int_equal(pane_sort_by(p, "nosuch"), -1);
    assert_int_equal(pane_sort_by(p, "none"), 0);
    assert_int_equal(p->sort_col, -1);
    pane_free(&p);
    assert_null(p);
    tmodel_free(&m);
}

static void test_panes_without_data(void **state)
{
    (void)state;
    struct tmodel m;
    memset(&m, 0, sizeof m);
    const struct pane_ops *ops[] = { &pane_pods_ops, &pane_nodes_ops, &pane_profiles_ops,
                                     &pane_denials_ops, &pane_findings_ops };
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
        struct pane *p = pane_new(ops[i], NULL);
        pane_refresh(p, &m);
        assert_int_equal(p->table.nview, 0);
        assert_true(strlen(p->empty) > 0);
        pane_free(&p);
    }
    /* denials and profiles say honestly that agent data is missing */
    tmodel_build(&m, snapshot(false), NULL, NULL, NULL, 1000);
    struct pane *d = pane_new(&pane_denials_ops, NULL);
    pane_refresh(d, &m);
    assert_non_null(strstr(d->empty, "no agent data"));
    pane_free(&d);
    struct pane *pr = pane_new(&pane_profiles_ops, NULL);
    pane_refresh(pr, &m);
    assert_int_equal(pr->table.nview, 1); /* etl-v2, referenced by one container */
    assert_string_equal(table_cell(&pr->table, 0, 0)->text, "etl-v2");
    assert_string_equal(table_cell(&pr->table, 0, 1)->text, "—"); /* MODE needs the agent */
    pane_free(&pr);
    tmodel_free(&m);
}

static struct agent_fleet *fleet_with_denials(void)
{
    struct agent_fleet *f = agent_fleet_new(16);
    struct agent_node *n = agent_fleet_get(f, "node-1");
    n->state = AGENT_STATE_OK;
    n->has_data = true;
    n->is_aa_enabled = true;
    n->fetched_at = 990;
    n->profiles = xcalloc(1, sizeof *n->profiles);
    n->profiles[0].name = xstrdup("etl-v2");
    n->profiles[0].mode = xstrdup("enforce");
    n->profiles[0].hash = xstrdup("abc");
    n->profile_count = 1;
    agent_node_sort(n);
    const int64_t times[] = { 100, 995, 999 }; /* one old, two in the last 5 minutes */
    for (size_t i = 0; i < 3; i++) {
        struct agent_denial_record r = { 0 };
        r.node = xstrdup("node-1");
        r.cursor = i + 1;
        r.time = times[i];
        r.profile = xstrdup("etl-v2");
        r.operation = xstrdup("open");
        r.name = xstrdup("/etc/shadow");
        r.denied_mask = xstrdup("r");
        r.requested_mask = xstrdup("r");
        r.pid = 42;
        agent_fleet_push_denial_take(f, &r);
    }
    return f;
}

static void test_tmodel_with_agents(void **state)
{
    (void)state;
    struct tmodel m;
    memset(&m, 0, sizeof m);
    struct tui_extra x = { .is_utf8 = true };
    m.extra = &x;
    tmodel_build(&m, snapshot(false), fleet_with_denials(), NULL, NULL, 1000);
    assert_ptr_equal(m.extra, &x); /* kept across builds */
    assert_non_null(m.fleet);
    assert_int_equal(m.denial_row_count, 3);
    assert_int_equal(m.counts.denials_5m, 2);
    assert_int_equal(m.counts.spark[TMODEL_SPARK_N - 1], 2);
    assert_int_equal(m.counts.profiles, 1);
    /* the denials pane groups the three records in one row with a count */
    struct pane *d = pane_new(&pane_denials_ops, NULL);
    pane_refresh(d, &m);
    assert_int_equal(d->table.nview, 1);
    assert_string_equal(table_cell(&d->table, d->table.view[0], 1)->text, "3");
    /* raw records: one row each */
    assert_true(d->ops->on_action(d, ACT_TOGGLE_RAW, &m) & R_RECALC);
    pane_refresh(d, &m);
    assert_int_equal(d->table.nview, 3);
    /* enter opens the denial details with the suggested rule to copy */
    pane_select(d, 0);
    assert_int_equal(d->ops->on_action(d, ACT_ENTER, &m), R_PUSH);
    struct pane *dd = pane_new(&pane_denial_ops, &d->req);
    dd->width_hint = 80;
    pane_refresh(dd, &m);
    assert_string_equal(dd->clip, "/etc/shadow r,");
    pane_free(&dd);
    /* pause: a frozen (here empty) copy replaces the live denials */
    struct agent_fleet *frozen = agent_fleet_new(4);
    tmodel_set_denial_fleet(&m, frozen);
    assert_int_equal(m.denial_row_count, 0);
    assert_int_equal(m.counts.denials_5m, 0);
    tmodel_set_denial_fleet(&m, NULL);
    assert_int_equal(m.denial_row_count, 3);
    agent_fleet_free(&frozen);
    /* profiles: loaded on 1 of 1 node with data; the pane names it for actions */
    struct pane *pr = pane_new(&pane_profiles_ops, NULL);
    pane_refresh(pr, &m);
    assert_int_equal(pr->table.nview, 1);
    assert_string_equal(table_cell(&pr->table, 0, 2)->text, "1/1");
    assert_int_equal(pr->ops->on_action(pr, ACT_PROFILE_UNLOAD, &m), R_TARGET);
    assert_string_equal(pr->req.profile, "etl-v2");
    pane_free(&pr);
    pane_free(&d);
    tmodel_free(&m);
    assert_null(m.fleet);
}

static void test_sparkline(void **state)
{
    (void)state;
    char b[64];
    const unsigned zero[3] = { 0, 0, 0 }, v[4] = { 0, 1, 4, 8 };
    assert_string_equal(tmodel_sparkline(zero, 3, false, b, sizeof b), "___");
    assert_string_equal(tmodel_sparkline(v, 4, false, b, sizeof b), "_.=#");
    assert_string_equal(tmodel_sparkline(v, 4, true, b, sizeof b),
                        "\u2581\u2582\u2585\u2588");
    assert_string_equal(tmodel_sparkline(v, 4, true, b, 4), "\u2581"); /* cut, never mid-glyph */
}

int main(void)
{
    setlocale(LC_ALL, "C.UTF-8");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_filter_empty_matches_all),
        cmocka_unit_test(test_filter_substring_case_insensitive),
        cmocka_unit_test(test_filter_invert_and_regex),
        cmocka_unit_test(test_filter_narrows),
        cmocka_unit_test(test_table_view_sort_keys),
        cmocka_unit_test(test_pods_pane_selection_survives_refresh),
        cmocka_unit_test(test_panes_without_data),
        cmocka_unit_test(test_tmodel_with_agents),
        cmocka_unit_test(test_sparkline),
    };
    return cmocka_run_group_tests_name("filter", tests, NULL, NULL);
}
