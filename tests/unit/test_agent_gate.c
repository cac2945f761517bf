/*
 * test_agent_gate: every profile mutation in core/agent_client goes through
 * the read-only gate (core/actions) before anything is sent: under --readonly
 * and --kiosk, and without a policy, agent_profile_put/delete/set_mode refuse
 * with -KERR_FORBIDDEN (-KERR_INVAL for no policy) and http_status 0. The
 * endpoint is a closed loopback port: a request that slipped through would
 * fail with a connection error instead.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "actions.h"
#include "agent_client.h"

static void check_refused(const struct actions_ctx *gate, int want)
{
    struct agent_client *ac = NULL;
    struct kerr err = { 0 };
    assert_int_equal(agent_client_new(NULL, NULL, &ac, &err), 0);
    struct agent_endpoint *ep = agent_endpoint_direct_new("node-1", "http://127.0.0.1:1");
    struct agent_reply r = { .line = -1 };
    const char text[] = "profile x {\n}\n";
    assert_int_equal(agent_profile_put(ac, gate, ep, "x", text, sizeof text - 1, &r, &err), -want);
    assert_int_equal(r.http_status, 0);
    agent_reply_done(&r);
    assert_int_equal(agent_profile_delete(ac, gate, ep, "x", true, &r, &err), -want);
    assert_int_equal(r.http_status, 0);
    agent_reply_done(&r);
    assert_int_equal(agent_profile_set_mode(ac, gate, ep, "x", "complain", &r, &err), -want);
    assert_int_equal(r.http_status, 0);
    agent_reply_done(&r);
    agent_endpoint_done(ep);
    free(ep);
    agent_client_free(&ac);
}

static void test_no_policy_refused(void **state)
{
    (void)state;
    check_refused(NULL, KERR_INVAL);
}

static void test_readonly_refused(void **state)
{
    (void)state;
    const struct actions_ctx ro = { .is_readonly = true };
    check_refused(&ro, KERR_FORBIDDEN);
}

static void test_kiosk_refused(void **state)
{
    (void)state;
    const struct actions_ctx k = { .is_readonly = true, .is_kiosk = true };
    check_refused(&k, KERR_FORBIDDEN);
}

static void test_allowed_reaches_the_network(void **state)
{
    (void)state;
    /* allowed by the gate: the request is made (and fails to connect) */
    const struct actions_ctx rw = { 0 };
    struct agent_client *ac = NULL;
    struct kerr err = { 0 };
    assert_int_equal(agent_client_new(NULL, NULL, &ac, &err), 0);
    struct agent_endpoint *ep = agent_endpoint_direct_new("node-1", "http://127.0.0.1:1");
    struct agent_reply r = { .line = -1 };
    int rc = agent_profile_delete(ac, &rw, ep, "x", false, &r, &err);
    assert_true(rc < 0);
    assert_int_not_equal(rc, -KERR_FORBIDDEN);
    assert_non_null(r.error);
    agent_reply_done(&r);
    /* bad names never leave the process */
    assert_int_equal(agent_profile_delete(ac, &rw, ep, "../etc", false, &r, &err), -KERR_INVAL);
    assert_int_equal(agent_profile_get(ac, ep, "a\nb", &r, &err), -KERR_INVAL);
    agent_reply_done(&r);
    agent_endpoint_done(ep);
    free(ep);
    agent_client_free(&ac);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_no_policy_refused),
        cmocka_unit_test(test_readonly_refused),
        cmocka_unit_test(test_kiosk_refused),
        cmocka_unit_test(test_allowed_reaches_the_network),
    };
    return cmocka_run_group_tests_name("agent_gate", tests, NULL, NULL);
}
