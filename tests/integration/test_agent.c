/*
 * test_agent: armortop-agent end to end. Each test starts the real program on
 * an ephemeral loopback port, in a private temp dir holding a fake apparmorfs
 * (aafs_init_fake), a token file with a read and an admin token, a log file
 * and a fake /proc tree, reads its ready line, talks plain HTTP to it over a
 * socket, and stops it with SIGTERM expecting exit status 0 (so sanitizer
 * reports fail the test). Tests that need apparmor_parser or Debian's features
 * file skip with a message when those are absent. Since no kernel reads
 * `.replace` here, the tests play the kernel with aafs_write_fake_profile.
 */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "../harness.h"
#include "aafs.h"

#define READ_TOKEN "read-token-0123456789"
#define ADMIN_TOKEN "admin-token-0123456789"
#define FEATURES "/usr/share/apparmor-features/features"
#define PARSER "/usr/sbin/apparmor_parser"

#define POD_UID "1f2e3d4c-5b6a-4789-8abc-def012345678"
#define CID "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static const char *const READ_HDR = "Authorization: Bearer " READ_TOKEN;
static const char *const ADMIN_HDR = "Authorization: Bearer " ADMIN_TOKEN;

#define CGROUP                                                                                     \
    "0::/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod1f2e3d4c_5b6a_4789_"       \
    "8abc_def012345678.slice/cri-containerd-" CID ".scope\n"

/* The standard agent: read and admin tokens, -v. */
static const struct harness_agent_opts AGENT = {
    .tokens = "# test tokens\n" READ_TOKEN ",read,tester-read\n" ADMIN_TOKEN ",admin,tester-admin\n",
    .verbose = true,
};

static const char *jstr(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static double jnum(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsNumber(v) ? v->valuedouble : -1;
}

static bool have_parser(void)
{
    if (access(PARSER, X_OK) != 0 || access(FEATURES, R_OK) != 0) {
        print_message("SKIP: needs %s and %s (Debian package apparmor)\n", PARSER, FEATURES);
        return false;
    }
    return true;
}

static const char *const OK_PROFILE = "profile k8s-test flags=(attach_disconnected) {\n  file,\n}\n";

/* GET /v1/denials?since=C until at least want records arrive (5 s). Returns the response. */
static void wait_denials(const struct harness_agent *ap, unsigned long long since, int want, struct harness_resp *r)
{
    char path[128];
    snprintf(path, sizeof path, "/v1/denials?since=%llu", since);
    for (int i = 0; i < 100; i++) {
        assert_int_equal(harness_agent_http(ap, "GET", path, READ_HDR, NULL, r), 200);
        const cJSON *recs = cJSON_GetObjectItemCaseSensitive(r->json, "records");
        if (cJSON_GetArraySize(recs) >= want)
            return;
        harness_resp_free(r);
        struct timespec ts = { 0, 50 * 1000000 };
        nanosleep(&ts, NULL);
    }
    assert_int_equal(harness_agent_http(ap, "GET", path, READ_HDR, NULL, r), 200);
}

/* ---- tests ---- */

static void test_health_status_auth(void **state)
{
    (void)state;
    struct harness_agent ap;
    struct harness_resp r;
    assert_int_equal(harness_agent_start(&ap, &AGENT), 0);

    assert_int_equal(harness_agent_http(&ap, "GET", "/healthz", NULL, NULL, &r), 200);
    assert_string_equal(r.body, "ok\n");
    harness_resp_free(&r);

    assert_int_equal(harness_agent_http(&ap, "GET", "/v1/status", NULL, NULL, &r), 401);
    harness_resp_free(&r);
    assert_int_equal(harness_agent_http(&ap, "GET", "/v1/status", "Authorization: Bearer wrong-token-xyz", NULL, &r), 401);
    harness_resp_free(&r);

    assert_int_equal(harness_agent_http(&ap, "GET", "/v1/status", READ_HDR, NULL, &r), 200);
    assert_non_null(r.json);
    assert_string_equal(jstr(r.json, "node"), "n1");
    const cJSON *aa = cJSON_GetObjectItemCaseSensitive(r.json, "apparmor");
    assert_true(cJSON_IsBool(cJSON_GetObjectItemCaseSensitive(aa, "enabled")));
    assert_non_null(jstr(aa, "reason"));
    const cJSON *src = cJSON_GetObjectItemCaseSensitive(r.json, "denial_source");
    assert_string_equal(jstr(src, "kind"), "file");
    assert_string_equal(jstr(src, "path"), ap.log);
    assert_true(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(src, "healthy")));
    assert_true(jnum(r.json, "revision") >= 1);
    assert_non_null(jstr(r.json, "version"));
    harness_resp_free(&r);

    /* The pods proxy strips Authorization: the agent also reads X-Armortop-Authorization. */
    assert_int_equal(harness_agent_http(&ap, "GET", "/v1/profiles", "X-Armortop-Authorization: Bearer " READ_TOKEN, NULL, &r),
                     200);
    assert_true(cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(r.json, "profiles")));
    harness_resp_free(&r);

    assert_int_equal(harness_agent_http(&ap, "GET", "/metrics", READ_HDR, NULL, &r), 200);
    assert_non_null(strstr(r.body, "armortop_agent_http_requests_total{code=\"401\"} 2"));
    assert_non_null(strstr(r.body, "armortop_agent_profiles{mode=\"enforce\"}"));
    assert_non_null(strstr(r.body, "armortop_agent_source_healthy{kind=\"file\"} 1"));
    harness_resp_free(&r);

    assert_int_equal(harness_agent_http(&ap, "GET", "/v1/nothing", READ_HDR, NULL, &r), 404);
    harness_resp_free(&r);
    assert_int_equal(harness_agent_http(&ap, "GET", "/v1/denials?since=abc", READ_HDR, NULL, &r), 400);
    harness_resp_free(&r);
    assert_int_equal(harness_agent_stop(&ap), 0);
}

static void test_refuses_without_auth(void **state)
{
    (void)state;
    char bin[512];
    harness_bin("armortop-agent", bin, sizeof bin);
    struct harness_result res;
    const char *argv1[] = { bin, "--node-name", "n1", "--log", "/dev/null", "--apparmorfs", "/nonexistent", NULL };
    assert_int_equal(harness_run(argv1, NULL, 20, &res), 0);
    assert_int_equal(res.status, 2);
    assert_non_null(strstr(res.err, "token-file"));
    harness_result_free(&res);
    const char *argv2[] = { bin, "--node-name", "n1", "--listen", "0.0.0.0:0", "--insecure-no-auth", "--log",
                            "/dev/null", NULL };
    assert_int_equal(harness_run(argv2, NULL, 20, &res), 0);
    assert_int_equal(res.status, 2);
    harness_result_free(&res);
    const char *argv3[] = { bin, "--listen", "127.0.0.1:0", NULL };
    assert_int_equal(harness_run(argv3, NULL, 20, &res), 0);
    assert_int_equal(res.status, 1);
    harness_result_free(&res);
}

static void test_put_get_mode_delete(void **state)
{
    (void)state;
    if (!have_parser()) {
        skip();
        return;
    }
    struct harness_agent ap;
    struct harness_resp r;
    char p[512];
    assert_int_equal(harness_agent_start(&ap, &AGENT), 0);

    assert_int_equal(harness_agent_http(&ap, "PUT", "/v1/profiles/k8s-test", ADMIN_HDR, OK_PROFILE, &r), 200);
    assert_string_equal(jstr(r.json, "name"), "k8s-test");
    assert_true(jnum(r.json, "revision") >= 1);
    harness_resp_free(&r);

    size_t blen = 0;
    snprintf(p, sizeof p, "%s/.replace", ap.aafs);
    char *blob = harness_read_file(p, &blen);
    assert_non_null(blob);
    assert_true(blen > 100);
    assert_memory_equal(blob, "\x04\x08\x00version", 10);
    free(blob);

    /* Play the kernel: the profile is now loaded. */
    assert_int_equal(aafs_write_fake_profile(ap.aafs, "k8s-test", "enforce", NULL), 0);
    assert_int_equal(harness_agent_http(&ap, "GET", "/v1/profiles", READ_HDR, NULL, &r), 200);
    const cJSON *profs = cJSON_GetObjectItemCaseSensitive(r.json, "profiles");
    assert_int_equal(cJSON_GetArraySize(profs), 1);
    assert_string_equal(jstr(cJSON_GetArrayItem(profs, 0), "name"), "k8s-test");
    assert_string_equal(jstr(cJSON_GetArrayItem(profs, 0), "mode"), "enforce");
    harness_resp_free(&r);
    /* The agent noticed the policy revision change. */
    int changes = 0;
    for (int i = 0; i < 100 && changes < 1; i++) {
        assert_int_equal(harness_agent_http(&ap, "GET", "/v1/status", READ_HDR, NULL, &r), 200);
        changes = (int)jnum(cJSON_GetObjectItemCaseSensitive(r.json, "counts"), "policy_changes");
        harness_resp_free(&r);
        if (changes < 1) {
            struct timespec ts = { 0, 50 * 1000000 };
            nanosleep(&ts, NULL);
        }
    }
    assert_int_equal(changes, 1);

    /* A profile named after a binary: leading slash in the name. */
    assert_int_equal(harness_agent_http(&ap, "PUT", "/v1/profiles//usr/bin/k8s-tool", ADMIN_HDR,
                          "/usr/bin/k8s-tool {\n  file,\n}\n", &r), 200);
    assert_string_equal(jstr(r.json, "name"), "/usr/bin/k8s-tool");
    harness_resp_free(&r);

    assert_int_equal(harness_agent_http(&ap, "GET", "/v1/profiles/k8s-test", READ_HDR, NULL, &r), 200);
    assert_string_equal(jstr(r.json, "source"), OK_PROFILE);
    harness_resp_free(&r);
    assert_int_equal(harness_agent_http(&ap, "GET", "/v1/profiles/k8s-none", READ_HDR, NULL, &r), 404);
    harness_resp_free(&r);

    /* Mode switch recompiles the kept source with -C. */
    snprintf(p, sizeof p, "%s/.replace", ap.aafs);
    harness_write_file(p, "", 0644);
    assert_int_equal(harness_agent_http(&ap, "POST", "/v1/profiles/k8s-test/mode", READ_HDR, "{\"mode\":\"complain\"}", &r), 403);
    harness_resp_free(&r);
    assert_int_equal(harness_agent_http(&ap, "POST", "/v1/profiles/k8s-test/mode", ADMIN_HDR, "{\"mode\":\"sideways\"}", &r), 400);
    harness_resp_free(&r);
    assert_int_equal(harness_agent_http(&ap, "POST", "/v1/profiles/k8s-test/mode", ADMIN_HDR, "{\"mode\":\"complain\"}", &r), 200);
    assert_string_equal(jstr(r.json, "mode"), "complain");
    harness_resp_free(&r);
    blob = harness_read_file(p, &blen);
    assert_non_null(blob);
    assert_memory_equal(blob, "\x04\x08\x00version", 10);
    free(blob);
    assert_int_equal(harness_agent_http(&ap, "POST", "/v1/profiles/k8s-other/mode", ADMIN_HDR, "{\"mode\":\"enforce\"}", &r), 409);
    harness_resp_free(&r);

    /* Unload. */
    assert_int_equal(harness_agent_http(&ap, "DELETE", "/v1/profiles/k8s-test", READ_HDR, NULL, &r), 403);
    harness_resp_free(&r);
    assert_int_equal(harness_agent_http(&ap, "DELETE", "/v1/profiles/k8s-test", ADMIN_HDR, NULL, &r), 200);
    harness_resp_free(&r);
    snprintf(p, sizeof p, "%s/.remove", ap.aafs);
    char *rm = harness_read_file(p, &blen);
    assert_non_null(rm);
    assert_int_equal(blen, 9);
    assert_memory_equal(rm, "k8s-test\0", 9);
    free(rm);
    assert_int_equal(harness_agent_http(&ap, "DELETE", "/v1/profiles/k8s-never", ADMIN_HDR, NULL, &r), 404);
    harness_resp_free(&r);

    assert_int_equal(harness_agent_http(&ap, "GET", "/metrics", READ_HDR, NULL, &r), 200);
    assert_non_null(strstr(r.body, "armortop_agent_changes_total 4"));
    harness_resp_free(&r);
    assert_int_equal(harness_agent_stop(&ap), 0);
}

static void test_put_rejections(void **state)
{
    (void)state;
    if (!have_parser()) {
        skip();
        return;
    }
    struct harness_agent ap;
    struct harness_resp r;
    assert_int_equal(harness_agent_start(&ap, &AGENT), 0);

    /* Parser diagnostics with the line number. */
    assert_int_equal(harness_agent_http(&ap, "PUT", "/v1/profiles/k8s-bad", ADMIN_HDR,
                          "profile k8s-bad {\n  file,\n  /etc/** bogus,\n}\n", &r), 400);
    assert_int_equal((int)jnum(r.json, "line"), 3);
    assert_non_null(strstr(jstr(r.json, "diagnostics"), "at line 3"));
    assert_null(strstr(r.body, ap.dir)); /* no temp path leaks */
    harness_resp_free(&r);

    /* The text must define the profile named in the URL. */
    assert_int_equal(harness_agent_http(&ap, "PUT", "/v1/profiles/k8s-other", ADMIN_HDR, OK_PROFILE, &r), 400);
    assert_non_null(strstr(jstr(r.json, "error"), "does not define"));
    harness_resp_free(&r);

    /* Names: traversal, encoded newline, encoded NUL, backslash, too long. */
    const char *bad[] = { "/v1/profiles/../etc", "/v1/profiles/a/../b", "/v1/profiles/k8s%0Atest",
                          "/v1/profiles/k8s%00test", "/v1/profiles/k8s%5Ctest", "/v1/profiles/..", NULL };
    for (size_t i = 0; bad[i]; i++) {
        assert_int_equal(harness_agent_http(&ap, "PUT", bad[i], ADMIN_HDR, OK_PROFILE, &r), 400);
        harness_resp_free(&r);
    }
    char longp[400] = "/v1/profiles/";
    memset(longp + strlen(longp), 'a', 260);
    assert_int_equal(harness_agent_http(&ap, "PUT", longp, ADMIN_HDR, OK_PROFILE, &r), 400);
    harness_resp_free(&r);

    /* Auth on writes. */
    assert_int_equal(harness_agent_http(&ap, "PUT", "/v1/profiles/k8s-test", NULL, OK_PROFILE, &r), 401);
    harness_resp_free(&r);
    assert_int_equal(harness_agent_http(&ap, "PUT", "/v1/profiles/k8s-test", READ_HDR, OK_PROFILE, &r), 403);
    harness_resp_free(&r);
    assert_int_equal(harness_agent_http(&ap, "PUT", "/v1/profiles/k8s-test", "X-Armortop-Authorization: Bearer " ADMIN_TOKEN,
                          OK_PROFILE, &r), 200);
    harness_resp_free(&r);

    /* Body limit: announced (rejected before reading) and sent. */
    size_t big = 1024 * 1024 + 1;
    char head[512];
    snprintf(head, sizeof head,
             "PUT /v1/profiles/k8s-test HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n%s\r\nExpect: 100-continue\r\n"
             "Content-Length: %zu\r\nConnection: close\r\n\r\n",
             ap.port, ADMIN_HDR, big);
    assert_int_equal(harness_http_raw(ap.port, head, NULL, 0, 30000, &r), 413);
    harness_resp_free(&r);
    assert_int_equal(harness_agent_http(&ap, "PUT", "/v1/profiles/k8s-test", ADMIN_HDR, "", &r), 400);
    harness_resp_free(&r);
    assert_int_equal(harness_agent_stop(&ap), 0);
}

static void test_delete_in_use(void **state)
{
    (void)state;
    if (!have_parser()) {
        skip();
        return;
    }
    struct harness_agent ap;
    struct harness_resp r;
    assert_int_equal(harness_agent_start(&ap, &AGENT), 0);
    harness_fake_process(ap.proc, 4242, "k8s-test (enforce)\n", CGROUP, "cat");
    assert_int_equal(harness_agent_http(&ap, "PUT", "/v1/profiles/k8s-test", ADMIN_HDR, OK_PROFILE, &r), 200);
    harness_resp_free(&r);
    assert_int_equal(aafs_write_fake_profile(ap.aafs, "k8s-test", "enforce", NULL), 0);
    assert_int_equal(harness_agent_http(&ap, "DELETE", "/v1/profiles/k8s-test", ADMIN_HDR, NULL, &r), 409);
    const cJSON *procs = cJSON_GetObjectItemCaseSensitive(r.json, "processes");
    assert_int_equal(cJSON_GetArraySize(procs), 1);
    assert_string_equal(jstr(cJSON_GetArrayItem(procs, 0), "container_id"), CID);
    harness_resp_free(&r);
    assert_int_equal(harness_agent_http(&ap, "DELETE", "/v1/profiles/k8s-test?force=1", ADMIN_HDR, NULL, &r), 200);
    harness_resp_free(&r);
    assert_int_equal(harness_agent_stop(&ap), 0);
}

static void test_containers_and_attribution(void **state)
{
    (void)state;
    struct harness_agent ap;
    struct harness_resp r;
    assert_int_equal(harness_agent_start(&ap, &AGENT), 0);
    harness_fake_process(ap.proc, 4242, "k8s-a (complain)\n", CGROUP, "cat");
    harness_fake_process(ap.proc, 4243, "k8s-a (complain)\n", CGROUP, "cat");
    /* A host process: not a container. */
    char p[512];
    snprintf(p, sizeof p, "%s/1", ap.proc);
    mkdir(p, 0755);
    snprintf(p, sizeof p, "%s/1/cgroup", ap.proc);
    harness_write_file(p, "0::/init.scope\n", 0644);

    assert_int_equal(harness_agent_http(&ap, "GET", "/v1/containers", READ_HDR, NULL, &r), 200);
    assert_true(cJSON_IsArray(r.json));
    assert_int_equal(cJSON_GetArraySize(r.json), 1);
    const cJSON *c0 = cJSON_GetArrayItem(r.json, 0);
    assert_string_equal(jstr(c0, "container_id"), CID);
    assert_string_equal(jstr(c0, "pod_uid"), POD_UID);
    assert_int_equal((int)jnum(c0, "pid"), 4242);
    assert_string_equal(jstr(c0, "label"), "k8s-a (complain)");
    assert_string_equal(jstr(c0, "mode"), "complain");
    assert_string_equal(jstr(c0, "runtime"), "containerd");
    harness_resp_free(&r);

    harness_append_file(ap.log, "type=AVC msg=audit(1716371133.123:456): apparmor=\"DENIED\" operation=\"open\" "
                        "profile=\"k8s-a\" name=\"/etc/shadow\" pid=4243 comm=\"cat\" requested_mask=\"r\" "
                        "denied_mask=\"r\" fsuid=0 ouid=0\n"
                        "type=AVC msg=audit(1716371133.124:457): apparmor=\"DENIED\" operation=\"open\" "
                        "profile=\"k8s-a\" name=\"/etc/shadow\" pid=77777 comm=\"cat\" requested_mask=\"r\" "
                        "denied_mask=\"r\" fsuid=0 ouid=0\n");
    wait_denials(&ap, 0, 2, &r);
    const cJSON *recs = cJSON_GetObjectItemCaseSensitive(r.json, "records");
    assert_int_equal(cJSON_GetArraySize(recs), 2);
    const cJSON *d0 = cJSON_GetArrayItem(recs, 0);
    assert_string_equal(jstr(d0, "pod_uid"), POD_UID);
    assert_string_equal(jstr(d0, "container_id"), CID);
    assert_string_equal(jstr(d0, "node"), "n1");
    assert_string_equal(jstr(d0, "attributed_by"), "pid");
    const cJSON *d1 = cJSON_GetArrayItem(recs, 1);
    assert_null(jstr(d1, "pod_uid"));
    assert_string_equal(jstr(d1, "profile"), "k8s-a");
    assert_string_equal(jstr(d1, "attributed_by"), "profile");
    harness_resp_free(&r);

    /* Identical denials are counted once in the summary. */
    assert_int_equal(harness_agent_http(&ap, "GET", "/v1/denials/summary", READ_HDR, NULL, &r), 200);
    assert_int_equal(cJSON_GetArraySize(r.json), 1);
    assert_int_equal((int)jnum(cJSON_GetArrayItem(r.json, 0), "count"), 2);
    assert_string_equal(jstr(cJSON_GetArrayItem(r.json, 0), "first"), "2024-05-22T09:45:33.123Z");
    assert_string_equal(jstr(cJSON_GetArrayItem(r.json, 0), "last"), "2024-05-22T09:45:33.124Z");
    harness_resp_free(&r);
    assert_int_equal(harness_agent_stop(&ap), 0);
}

static const char *const LINES[] = {
    /* auditd */
    "type=AVC msg=audit(1716371133.123:456): apparmor=\"DENIED\" operation=\"open\" profile=\"k8s-a\" "
    "name=\"/etc/shadow\" pid=999991 comm=\"cat\" requested_mask=\"r\" denied_mask=\"r\" fsuid=0 ouid=0\n",
    /* not AppArmor */
    "type=SYSCALL msg=audit(1716371133.123:456): arch=c000003e syscall=257 success=no exit=-13 a0=ffffff9c "
    "pid=999991 comm=\"cat\"\n",
    /* kernels >= 6.x with class= */
    "type=AVC msg=audit(1716371134.000:457): apparmor=\"DENIED\" operation=\"open\" class=\"file\" "
    "profile=\"k8s-b\" name=\"/etc/passwd\" pid=999992 comm=\"sh\" requested_mask=\"w\" denied_mask=\"w\" "
    "fsuid=0 ouid=0\n",
    /* /dev/kmsg form */
    "5,1234,5678901,-;audit: type=1400 audit(1716371135.000:458): apparmor=\"DENIED\" operation=\"capable\" "
    "class=\"cap\" profile=\"k8s-c\" pid=999993 comm=\"ping\" capability=13  capname=\"net_raw\"\n",
    /* kern.log with a dmesg stamp */
    "May 22 09:45:36 node1 kernel: [   12.345678] audit: type=1400 audit(1716371136.000:459): "
    "apparmor=\"DENIED\" operation=\"mkdir\" profile=\"k8s-d\" name=\"/x/\" pid=999994 comm=\"mkdir\" "
    "requested_mask=\"c\" denied_mask=\"c\" fsuid=0 ouid=0\n",
    NULL,
};

static void test_denials_follow(void **state)
{
    (void)state;
    struct harness_agent ap;
    struct harness_resp r;
    const char *l = LINES[2];
    size_t half = strlen(l) / 2;
    char first[1024];
    memcpy(first, l, half);
    first[half] = '\0';
    struct timespec ts = { 0, 200 * 1000000 };

    /* Order, exactly once, a line written in two pieces read once and whole. */
    assert_int_equal(harness_agent_start(&ap, &AGENT), 0);
    harness_append_file(ap.log, LINES[0]);
    harness_append_file(ap.log, LINES[1]);
    harness_append_file(ap.log, first);
    nanosleep(&ts, NULL);
    harness_append_file(ap.log, l + half);
    harness_append_file(ap.log, LINES[3]);
    harness_append_file(ap.log, LINES[4]);
    wait_denials(&ap, 0, 4, &r);
    const cJSON *recs = cJSON_GetObjectItemCaseSensitive(r.json, "records");
    assert_int_equal(cJSON_GetArraySize(recs), 4);
    const char *want[] = { "k8s-a", "k8s-b", "k8s-c", "k8s-d" };
    for (int i = 0; i < 4; i++) {
        const cJSON *d = cJSON_GetArrayItem(recs, i);
        assert_string_equal(jstr(d, "profile"), want[i]);
        assert_string_equal(jstr(d, "event"), "DENIED");
        assert_int_equal((int)jnum(d, "cursor"), i + 1);
    }
    assert_string_equal(jstr(cJSON_GetArrayItem(recs, 1), "class"), "file");
    assert_string_equal(jstr(cJSON_GetArrayItem(recs, 1), "name"), "/etc/passwd");
    assert_string_equal(jstr(cJSON_GetArrayItem(recs, 2), "operation"), "capable");
    assert_int_equal((int)jnum(r.json, "next"), 4);
    assert_int_equal((int)jnum(r.json, "dropped"), 0);
    harness_resp_free(&r);

    /* Nothing new after next; limit pages. */
    assert_int_equal(harness_agent_http(&ap, "GET", "/v1/denials?since=4", READ_HDR, NULL, &r), 200);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(r.json, "records")), 0);
    assert_int_equal((int)jnum(r.json, "next"), 4);
    harness_resp_free(&r);
    assert_int_equal(harness_agent_http(&ap, "GET", "/v1/denials?since=1&limit=2", READ_HDR, NULL, &r), 200);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(r.json, "records")), 2);
    assert_int_equal((int)jnum(r.json, "next"), 3);
    harness_resp_free(&r);
    assert_int_equal(harness_agent_stop(&ap), 0);
}

/* The agent remembers a pid's /proc attribution for a second (a denial storm
 * is one process repeating itself) but reads it again when a record names
 * another comm for the pid (an exec, or the pid reused). And an idle agent
 * without API clients has not mapped libcurl's chain (agent_dl.c). */
static void test_attribution_cache_and_lazy_libs(void **state)
{
    (void)state;
    struct harness_agent ap;
    struct harness_resp r;
    char path[64], line[512];
    assert_int_equal(harness_agent_start(&ap, &AGENT), 0);

    snprintf(path, sizeof path, "/proc/%d/maps", (int)ap.pid);
    size_t len = 0;
    char *maps = harness_read_file(path, &len);
    assert_non_null(maps);
    assert_null(strstr(maps, "libcurl"));
    assert_null(strstr(maps, "libcrypto"));
    assert_null(strstr(maps, "libyaml"));
    free(maps);

    harness_fake_process(ap.proc, 4300, "k8s-test (enforce)\n", CGROUP, "cat");
    snprintf(line, sizeof line,
             "type=AVC msg=audit(1716371133.100:1): apparmor=\"DENIED\" operation=\"open\" "
             "class=\"file\" profile=\"k8s-test\" name=\"/etc/shadow\" pid=4300 comm=\"cat\" "
             "requested_mask=\"r\" denied_mask=\"r\" fsuid=0 ouid=0\n");
    harness_append_file(ap.log, line);
    wait_denials(&ap, 0, 1, &r);
    const cJSON *d = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(r.json, "records"), 0);
    assert_non_null(d);
    assert_string_equal(jstr(d, "container_id"), CID);
    assert_string_equal(jstr(d, "attributed_by"), "pid");
    harness_resp_free(&r);

    /* pid 4300 is now a host process running sh */
    harness_fake_process(ap.proc, 4300, "unconfined\n", "0::/user.slice/session-1.scope\n", "sh");
    snprintf(line, sizeof line,
             "type=AVC msg=audit(1716371133.200:2): apparmor=\"DENIED\" operation=\"open\" "
             "class=\"file\" profile=\"k8s-test\" name=\"/etc/shadow\" pid=4300 comm=\"sh\" "
             "requested_mask=\"r\" denied_mask=\"r\" fsuid=0 ouid=0\n");
    harness_append_file(ap.log, line);
    wait_denials(&ap, 1, 1, &r);
    d = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(r.json, "records"), 0);
    assert_non_null(d);
    assert_null(jstr(d, "container_id"));
    assert_string_equal(jstr(d, "label"), "unconfined");
    assert_string_equal(jstr(d, "attributed_by"), "profile");
    harness_resp_free(&r);
    assert_int_equal(harness_agent_stop(&ap), 0);
}

static void test_ring_overflow(void **state)
{
    (void)state;
    struct harness_agent ap;
    struct harness_resp r;
    struct harness_agent_opts o = AGENT;
    o.ring = 8;
    assert_int_equal(harness_agent_start(&ap, &o), 0);
    char line[512], all[512 * 20] = "";
    for (int i = 1; i <= 20; i++) {
        snprintf(line, sizeof line, "type=AVC msg=audit(1716371133.%03d:%d): apparmor=\"DENIED\" operation=\"open\" "
                 "profile=\"k8s-r\" name=\"/f%d\" pid=999990 comm=\"cat\" requested_mask=\"r\" denied_mask=\"r\" "
                 "fsuid=0 ouid=0\n", i, i, i);
        strcat(all, line);
    }
    harness_append_file(ap.log, all);
    for (int i = 0; i < 100; i++) {
        assert_int_equal(harness_agent_http(&ap, "GET", "/v1/status", READ_HDR, NULL, &r), 200);
        int n = (int)jnum(cJSON_GetObjectItemCaseSensitive(r.json, "counts"), "denials");
        harness_resp_free(&r);
        if (n >= 20)
            break;
        struct timespec ts = { 0, 50 * 1000000 };
        nanosleep(&ts, NULL);
    }
    assert_int_equal(harness_agent_http(&ap, "GET", "/v1/denials?since=0", READ_HDR, NULL, &r), 200);
    const cJSON *recs = cJSON_GetObjectItemCaseSensitive(r.json, "records");
    assert_int_equal(cJSON_GetArraySize(recs), 8);
    assert_int_equal((int)jnum(r.json, "dropped"), 12);
    assert_int_equal((int)jnum(r.json, "next"), 20);
    assert_string_equal(jstr(cJSON_GetArrayItem(recs, 0), "name"), "/f13");
    assert_string_equal(jstr(cJSON_GetArrayItem(recs, 7), "name"), "/f20");
    harness_resp_free(&r);
    /* A caller that had read up to 10 missed 11 and 12. */
    assert_int_equal(harness_agent_http(&ap, "GET", "/v1/denials?since=10", READ_HDR, NULL, &r), 200);
    assert_int_equal((int)jnum(r.json, "dropped"), 2);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(r.json, "records")), 8);
    harness_resp_free(&r);
    /* One that was up to date missed nothing. */
    assert_int_equal(harness_agent_http(&ap, "GET", "/v1/denials?since=20", READ_HDR, NULL, &r), 200);
    assert_int_equal((int)jnum(r.json, "dropped"), 0);
    harness_resp_free(&r);
    assert_int_equal(harness_agent_stop(&ap), 0);
}

static void denial_line(char *buf, size_t len, int i)
{
    snprintf(buf, len, "type=AVC msg=audit(1716371200.000:%d): apparmor=\"DENIED\" operation=\"open\" "
             "profile=\"k8s-rot\" name=\"/r%d\" pid=999990 comm=\"cat\" requested_mask=\"r\" denied_mask=\"r\" "
             "fsuid=0 ouid=0\n", i, i);
}

static void test_rotation_truncation_offset(void **state)
{
    (void)state;
    struct harness_agent ap;
    struct harness_resp r;
    char line[512], rotated[400];
    assert_int_equal(harness_agent_start(&ap, &AGENT), 0);
    snprintf(rotated, sizeof rotated, "%s.1", ap.log);

    denial_line(line, sizeof line, 1);
    harness_append_file(ap.log, line);
    wait_denials(&ap, 0, 1, &r);
    harness_resp_free(&r);

    /* Rotation: rename, the old file gets one more line, then a new file appears. */
    assert_int_equal(rename(ap.log, rotated), 0);
    denial_line(line, sizeof line, 2);
    harness_append_file(rotated, line);
    denial_line(line, sizeof line, 3);
    harness_append_file(ap.log, line);
    wait_denials(&ap, 0, 3, &r);
    const cJSON *recs = cJSON_GetObjectItemCaseSensitive(r.json, "records");
    assert_int_equal(cJSON_GetArraySize(recs), 3);
    assert_string_equal(jstr(cJSON_GetArrayItem(recs, 2), "name"), "/r3");
    harness_resp_free(&r);

    /* More lines into the new file are read. */
    denial_line(line, sizeof line, 4);
    harness_append_file(ap.log, line);
    wait_denials(&ap, 3, 1, &r);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(r.json, "records")), 1);
    harness_resp_free(&r);

    /* Truncation (copytruncate style): the shorter file is read from 0. */
    harness_write_file(ap.log, "", 0644);
    struct timespec ts = { 0, 200 * 1000000 };
    nanosleep(&ts, NULL);
    denial_line(line, sizeof line, 5);
    harness_append_file(ap.log, line);
    wait_denials(&ap, 4, 1, &r);
    recs = cJSON_GetObjectItemCaseSensitive(r.json, "records");
    assert_int_equal(cJSON_GetArraySize(recs), 1);
    assert_string_equal(jstr(cJSON_GetArrayItem(recs, 0), "name"), "/r5");
    harness_resp_free(&r);

    assert_int_equal(harness_agent_http(&ap, "GET", "/v1/status", READ_HDR, NULL, &r), 200);
    const cJSON *src = cJSON_GetObjectItemCaseSensitive(r.json, "denial_source");
    assert_true(jnum(src, "rotations") >= 1);
    assert_true(jnum(src, "truncations") >= 1);
    harness_resp_free(&r);
    assert_int_equal(harness_agent_stop(&ap), 0);
}

static void test_offset_file(void **state)
{
    (void)state;
    /* Run 1 reads a line and saves its offset at exit; lines written while it is down are read
     * by run 2, which resumes from the saved offset instead of the end. */
    struct harness_agent ap;
    struct harness_resp r;
    char line[512], offs[400], log[400], base[300];
    const char *tmp = getenv("TMPDIR");
    snprintf(base, sizeof base, "%s/test_agent_off.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    assert_non_null(mkdtemp(base));
    snprintf(offs, sizeof offs, "%s/offset", base);
    snprintf(log, sizeof log, "%s/shared.log", base);
    /* A line already there before the first start is skipped: reading starts at the end. */
    denial_line(line, sizeof line, 0);
    harness_write_file(log, line, 0644);

    const char *extra[] = { "--offset-file", offs, NULL };
    struct harness_agent_opts o = AGENT;
    o.log = log;
    o.extra = extra;
    assert_int_equal(harness_agent_start(&ap, &o), 0);
    denial_line(line, sizeof line, 1);
    harness_append_file(log, line);
    wait_denials(&ap, 0, 1, &r);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(r.json, "records")), 1);
    assert_string_equal(jstr(cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(r.json, "records"), 0), "name"),
                        "/r1");
    harness_resp_free(&r);
    assert_int_equal(harness_agent_stop(&ap), 0);
    assert_int_equal(access(offs, R_OK), 0);

    denial_line(line, sizeof line, 2);
    harness_append_file(log, line);
    assert_int_equal(harness_agent_start(&ap, &o), 0);
    wait_denials(&ap, 0, 1, &r);
    const cJSON *recs = cJSON_GetObjectItemCaseSensitive(r.json, "records");
    assert_int_equal(cJSON_GetArraySize(recs), 1);
    assert_string_equal(jstr(cJSON_GetArrayItem(recs, 0), "name"), "/r2");
    harness_resp_free(&r);
    assert_int_equal(harness_agent_stop(&ap), 0);
    harness_remove_tree(base);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_health_status_auth),
        cmocka_unit_test(test_refuses_without_auth),
        cmocka_unit_test(test_put_get_mode_delete),
        cmocka_unit_test(test_put_rejections),
        cmocka_unit_test(test_delete_in_use),
        cmocka_unit_test(test_containers_and_attribution),
        cmocka_unit_test(test_denials_follow),
        cmocka_unit_test(test_attribution_cache_and_lazy_libs),
        cmocka_unit_test(test_ring_overflow),
        cmocka_unit_test(test_rotation_truncation_offset),
        cmocka_unit_test(test_offset_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
