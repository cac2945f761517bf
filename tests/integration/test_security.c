/*
 * test_security: the security properties of issue 7, from outside.
 * Agent (the real armortop-agent on loopback, fake apparmorfs as in
 * test_agent): no/bad/read-only tokens on every mutating endpoint get 401/403
 * and change nothing; path traversal, control characters and overlong names
 * get 400; oversized bodies 413; slow clients (slowloris) neither block a
 * fresh client nor stay forever; concurrent PUTs of one profile end
 * consistent; includes of files outside /etc/apparmor.d are refused before
 * apparmor_parser runs and their contents never come back; TLS with a wrong
 * CA fails the handshake. TUI: names with terminal escapes are rendered
 * harmless (headless screen dumps hold no ESC or raw control), and --kiosk /
 * --readonly never send a mutating request (the agents' per-method counters).
 * Tests needing apparmor_parser, certtool or a sim with agents skip with a
 * message when those are absent.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
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
#include <curl/curl.h>

#include "../harness.h"
#include "aafs.h"
#include "../../tui/text.h"

#define READ_TOKEN "read-token-0123456789"
#define ADMIN_TOKEN "admin-token-0123456789"
#define FEATURES "/usr/share/apparmor-features/features"
#define PARSER "/usr/sbin/apparmor_parser"
#define SECRET_MARKER "s3cr3t-marker-4c1d"

static const char *const READ_HDR = "Authorization: Bearer " READ_TOKEN;
static const char *const ADMIN_HDR = "Authorization: Bearer " ADMIN_TOKEN;

/* The standard agent: read and admin tokens, -v. */
static const struct harness_agent_opts AGENT = {
    .tokens = READ_TOKEN ",read,tester-read\n" ADMIN_TOKEN ",admin,tester-admin\n",
    .verbose = true,
};

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};
    nanosleep(&ts, NULL);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static bool have_parser(void)
{
    if (access(PARSER, X_OK) != 0 || access(FEATURES, R_OK) != 0) {
        print_message("SKIP: needs %s and %s (Debian package apparmor)\n", PARSER, FEATURES);
        return false;
    }
    return true;
}

/* What a mutation would touch in the fake apparmorfs, as one string. */
static char *aafs_state(const struct harness_agent *ap)
{
    static const char *const files[] = {"profiles", ".replace", ".remove", ".load", "revision"};
    char *all = strdup("");
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char p[512];
        snprintf(p, sizeof p, "%s/%s", ap->aafs, files[i]);
        size_t len = 0;
        char *c = harness_read_file(p, &len);
        size_t old = strlen(all);
        all = realloc(all, old + strlen(files[i]) + 32 + len);
        assert_non_null(all);
        sprintf(all + old, "[%s:%zu]", files[i], len);
        if (c)
            strncat(all, c, len);
        free(c);
    }
    return all;
}

static const char *const TEST_PROFILE =
    "profile k8s-sec flags=(attach_disconnected) {\n  file,\n}\n";

/* ---- agent: authentication and authorization ------------------------------ */

static void test_agent_mutations_need_admin(void **state)
{
    (void)state;
    struct harness_agent ap;
    struct harness_resp r;
    assert_int_equal(harness_agent_prepare(&ap, &AGENT), 0);
    assert_int_equal(aafs_write_fake_profile(ap.aafs, "k8s-sec", "enforce", NULL), 0);
    assert_int_equal(harness_agent_launch(&ap, &AGENT), 0);
    char *before = aafs_state(&ap);

    static const struct {
        const char *method, *path, *body;
    } muts[] = {
        {"PUT", "/v1/profiles/k8s-sec", "profile k8s-sec {\n}\n"},
        {"DELETE", "/v1/profiles/k8s-sec", NULL},
        {"DELETE", "/v1/profiles/k8s-sec?force=1", NULL},
        {"POST", "/v1/profiles/k8s-sec/mode", "{\"mode\":\"complain\"}"},
    };
    static const struct {
        const char *hdr;
        int want;
    } who[] = {
        {NULL, 401},
        {"Authorization: Bearer not-a-token-at-all", 401},
        {"Authorization: Basic YWRtaW46YWRtaW4=", 401},
        {"Authorization: Bearer " ADMIN_TOKEN "x", 401},
        {"Authorization: Bearer " READ_TOKEN, 403},
        {"X-Armortop-Authorization: Bearer " READ_TOKEN, 403},
    };
    for (size_t m = 0; m < sizeof muts / sizeof muts[0]; m++)
        for (size_t w = 0; w < sizeof who / sizeof who[0]; w++) {
            int st = harness_agent_http(&ap, muts[m].method, muts[m].path, who[w].hdr, muts[m].body, &r);
            if (st != who[w].want)
                fprintf(stderr, "%s %s with %s: %d %s\n", muts[m].method, muts[m].path,
                        who[w].hdr ? who[w].hdr : "(none)", st, r.body ? r.body : "");
            assert_int_equal(st, who[w].want);
            harness_resp_free(&r);
        }
    /* Unknown methods on a profile are not a way around the check either. */
    assert_true(harness_agent_http(&ap, "PATCH", "/v1/profiles/k8s-sec", READ_HDR, "x", &r) >= 400);
    harness_resp_free(&r);

    char *after = aafs_state(&ap);
    assert_string_equal(before, after);
    free(after);

    /* Reads work with the read token; the admin token may change things. */
    assert_int_equal(harness_agent_http(&ap, "GET", "/v1/profiles/k8s-sec", READ_HDR, NULL, &r), 200);
    harness_resp_free(&r);
    assert_int_equal(harness_agent_http(&ap, "DELETE", "/v1/profiles/k8s-sec", ADMIN_HDR, NULL, &r), 200);
    harness_resp_free(&r);
    after = aafs_state(&ap);
    assert_string_not_equal(before, after);
    free(after);
    free(before);

    assert_int_equal(harness_agent_http(&ap, "GET", "/metrics", READ_HDR, NULL, &r), 200);
    assert_non_null(
        strstr(r.body, "armortop_agent_http_requests_by_method_total{method=\"PUT\"} 6"));
    harness_resp_free(&r);
    assert_int_equal(harness_agent_stop(&ap), 0);
}

/* ---- agent: names, bodies ------------------------------------------------ */

static void test_agent_bad_names(void **state)
{
    (void)state;
    struct harness_agent ap;
    struct harness_resp r;
    assert_int_equal(harness_agent_start(&ap, &AGENT), 0);
    char *before = aafs_state(&ap);
    char longname[400];
    memcpy(longname, "/v1/profiles/", 13);
    memset(longname + 13, 'a', 300);
    longname[313] = '\0';
    const char *const paths[] = {
        "/v1/profiles/..",
        "/v1/profiles/%2E%2E",
        "/v1/profiles/..%2F..%2Fetc%2Fshadow",
        "/v1/profiles/a%2F..%2F..%2Fetc%2Fpasswd",
        "/v1/profiles/x%2F..",
        "/v1/profiles/a%00b",
        "/v1/profiles/a%0Ab",
        "/v1/profiles/a%1B%5D0%3Bpwned%07",
        "/v1/profiles/a%1B%5B2J",
        "/v1/profiles/a%7Fb",
        "/v1/profiles/a%5Cb",
        longname,
    };
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
        int st = harness_agent_http(&ap, "PUT", paths[i], ADMIN_HDR, TEST_PROFILE, &r);
        if (st != 400)
            fprintf(stderr, "PUT %s: %d %s\n", paths[i], st, r.body ? r.body : "");
        assert_int_equal(st, 400);
        /* The diagnostic never carries the raw control characters back. */
        for (const char *c = r.body; *c; c++)
            assert_true((unsigned char)*c >= 0x20 || *c == '\n');
        harness_resp_free(&r);
        st = harness_agent_http(&ap, "GET", paths[i], READ_HDR, NULL, &r);
        assert_int_equal(st, 400);
        harness_resp_free(&r);
        st = harness_agent_http(&ap, "DELETE", paths[i], ADMIN_HDR, NULL, &r);
        assert_int_equal(st, 400);
        harness_resp_free(&r);
    }
    char *after = aafs_state(&ap);
    assert_string_equal(before, after);
    free(before);
    free(after);
    assert_int_equal(harness_agent_stop(&ap), 0);
}

static void test_agent_oversized_body(void **state)
{
    (void)state;
    struct harness_agent ap;
    struct harness_resp r;
    signal(SIGPIPE, SIG_IGN);
    assert_int_equal(harness_agent_start(&ap, &AGENT), 0);
    char *before = aafs_state(&ap);
    char head[512];
    /* Announced: refused from the headers. */
    snprintf(head, sizeof head,
             "PUT /v1/profiles/k8s-sec HTTP/1.1\r\nHost: x\r\n%s\r\nContent-Length: %d\r\n"
             "Expect: 100-continue\r\nConnection: close\r\n\r\n",
             ADMIN_HDR, 2 * 1024 * 1024);
    assert_int_equal(harness_http_raw(ap.port, head, NULL, 0, 10000, &r), 413);
    harness_resp_free(&r);
    /* Chunked, so no length is known up front: cut off once past 1 MiB. */
    size_t chunk = 64 * 1024, total = 0;
    size_t cap = 20 * (chunk + 32);
    char *body = malloc(cap);
    assert_non_null(body);
    size_t bl = 0;
    while (total < 1024 * 1024 + chunk) {
        bl += (size_t)sprintf(body + bl, "%zx\r\n", chunk);
        memset(body + bl, '#', chunk);
        bl += chunk;
        memcpy(body + bl, "\r\n", 2);
        bl += 2;
        total += chunk;
    }
    memcpy(body + bl, "0\r\n\r\n", 5);
    bl += 5;
    snprintf(head, sizeof head,
             "PUT /v1/profiles/k8s-sec HTTP/1.1\r\nHost: x\r\n%s\r\nTransfer-Encoding: chunked\r\n"
             "Connection: close\r\n\r\n",
             ADMIN_HDR);
    assert_int_equal(harness_http_raw(ap.port, head, body, bl, 30000, &r), 413);
    harness_resp_free(&r);
    free(body);
    /* A NUL inside the text. */
    snprintf(head, sizeof head,
             "PUT /v1/profiles/k8s-sec HTTP/1.1\r\nHost: x\r\n%s\r\nContent-Length: 12\r\n"
             "Connection: close\r\n\r\n",
             ADMIN_HDR);
    assert_int_equal(harness_http_raw(ap.port, head, "profile\0x {}", 12, 10000, &r), 400);
    harness_resp_free(&r);
    char *after = aafs_state(&ap);
    assert_string_equal(before, after);
    free(before);
    free(after);
    /* Still healthy. */
    assert_int_equal(harness_agent_http(&ap, "GET", "/healthz", NULL, NULL, &r), 200);
    harness_resp_free(&r);
    assert_int_equal(harness_agent_stop(&ap), 0);
}

/* ---- agent: slow clients ------------------------------------------------- */

#define SLOW_CLIENTS 40

static void test_agent_slowloris(void **state)
{
    (void)state;
    struct harness_agent ap;
    struct harness_resp r;
    signal(SIGPIPE, SIG_IGN);
    assert_int_equal(harness_agent_start(&ap, &AGENT), 0);
    int fds[SLOW_CLIENTS];
    static const char partial[] =
        "GET /v1/status HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ";
    for (int i = 0; i < SLOW_CLIENTS; i++) {
        fds[i] = harness_connect_loopback(ap.port);
        assert_true(fds[i] >= 0);
    }
    /* Headers byte by byte, one byte per connection every 100 ms, for 3 s; a fresh client is
     * answered within 1 s all along. */
    size_t sent = 0;
    double t_end = now_s() + 3.0;
    while (now_s() < t_end) {
        for (int i = 0; i < SLOW_CLIENTS; i++)
            if (sent < sizeof partial - 1)
                (void)!write(fds[i], partial + sent, 1);
        sent++;
        double t0 = now_s();
        assert_int_equal(harness_agent_http(&ap, "GET", "/healthz", NULL, NULL, &r), 200);
        double dt = now_s() - t0;
        harness_resp_free(&r);
        if (dt >= 1.0 * harness_slow())
            fprintf(stderr, "fresh /healthz took %.2f s\n", dt);
        assert_true(dt < 1.0 * harness_slow()); /* under valgrind the agent is ~20x slower */
        sleep_ms(100);
    }
    /* Then they stall: the agent drops them by its idle timeout (30 s). */
    double t0 = now_s();
    int open_count = SLOW_CLIENTS;
    while (open_count > 0 && now_s() - t0 < 40.0) {
        open_count = 0;
        for (int i = 0; i < SLOW_CLIENTS; i++) {
            if (fds[i] < 0)
                continue;
            struct pollfd pfd = {.fd = fds[i], .events = POLLIN};
            char c;
            if (poll(&pfd, 1, 0) > 0 && read(fds[i], &c, 1) <= 0) {
                close(fds[i]);
                fds[i] = -1;
            } else {
                open_count++;
            }
        }
        if (open_count)
            sleep_ms(500);
    }
    print_message("slow clients dropped after %.1f s\n", now_s() - t0);
    for (int i = 0; i < SLOW_CLIENTS; i++)
        if (fds[i] >= 0)
            close(fds[i]);
    assert_int_equal(open_count, 0);
    assert_int_equal(harness_agent_http(&ap, "GET", "/healthz", NULL, NULL, &r), 200);
    harness_resp_free(&r);
    assert_int_equal(harness_agent_stop(&ap), 0);
}

/* ---- agent: concurrent PUTs ---------------------------------------------- */

#define PUT_THREADS 8

struct put_job {
    const struct harness_agent *ap;
    int index;
    int status;
};

static void *put_thread(void *arg)
{
    struct put_job *j = arg;
    char text[256];
    snprintf(text, sizeof text,
             "profile k8s-sec flags=(attach_disconnected) {\n  # writer %d\n  file,\n}\n",
             j->index);
    struct harness_resp r;
    j->status = harness_agent_http(j->ap, "PUT", "/v1/profiles/k8s-sec", ADMIN_HDR, text, &r);
    harness_resp_free(&r);
    return NULL;
}

static void test_agent_concurrent_puts(void **state)
{
    (void)state;
    if (!have_parser())
        skip();
    struct harness_agent ap;
    struct harness_resp r;
    assert_int_equal(harness_agent_prepare(&ap, &AGENT), 0);
    /* Play the kernel: the profile is listed, so GET shows the kept source. */
    assert_int_equal(aafs_write_fake_profile(ap.aafs, "k8s-sec", "enforce", NULL), 0);
    assert_int_equal(harness_agent_launch(&ap, &AGENT), 0);
    pthread_t th[PUT_THREADS];
    struct put_job jobs[PUT_THREADS];
    for (int i = 0; i < PUT_THREADS; i++) {
        jobs[i] = (struct put_job){.ap = &ap, .index = i, .status = -1};
        assert_int_equal(pthread_create(&th[i], NULL, put_thread, &jobs[i]), 0);
    }
    int ok = 0;
    for (int i = 0; i < PUT_THREADS; i++) {
        pthread_join(th[i], NULL);
        /* 200, or a clean refusal (busy/timeout), never a dropped connection. */
        assert_true(jobs[i].status == 200 || jobs[i].status == 409 || jobs[i].status == 503 ||
                    jobs[i].status == 504);
        ok += jobs[i].status == 200;
    }
    assert_true(ok >= 1);
    /* The kept source is exactly one of the texts sent, whole. */
    assert_int_equal(harness_agent_http(&ap, "GET", "/v1/profiles/k8s-sec", READ_HDR, NULL, &r), 200);
    const cJSON *src = cJSON_GetObjectItemCaseSensitive(r.json, "source");
    if (cJSON_IsString(src)) {
        int writer = -1;
        assert_int_equal(sscanf(src->valuestring,
                                "profile k8s-sec flags=(attach_disconnected) {\n  # writer %d",
                                &writer),
                         1);
        assert_true(writer >= 0 && writer < PUT_THREADS);
        assert_int_equal(jobs[writer].status, 200);
        assert_non_null(strstr(src->valuestring, "  file,\n}\n"));
    }
    harness_resp_free(&r);
    assert_int_equal(harness_agent_http(&ap, "GET", "/metrics", READ_HDR, NULL, &r), 200);
    char want[128];
    snprintf(want, sizeof want, "armortop_agent_changes_total %d\n", ok);
    if (!strstr(r.body, want))
        fprintf(stderr, "metrics:\n%s\n", r.body);
    assert_non_null(strstr(r.body, want));
    harness_resp_free(&r);
    assert_int_equal(harness_agent_stop(&ap), 0);
}

/* ---- agent: includes outside the policy directory ---------------------------- */

static void test_agent_include_escape(void **state)
{
    (void)state;
    struct harness_agent ap;
    struct harness_resp r;
    assert_int_equal(harness_agent_start(&ap, &AGENT), 0);
    char secret[400];
    snprintf(secret, sizeof secret, "%s/secret", ap.dir);
    harness_write_file(secret, SECRET_MARKER ":x:0:0::/root:/bin/sh\n", 0600);
    char *before = aafs_state(&ap);
    char inc[600];
    char texts[8][700];
    const char *const includes[] = {
        "#include \"/etc/shadow\"",
        "#include </etc/shadow>",
        "include if exists \"/etc/shadow\"",
        "#include <../../etc/passwd>",
        "#include <abstractions/../../../etc/passwd>",
        "#include \"/etc/apparmor.d/../shadow\"",
        "  include /etc/passwd",
        inc,
    };
    snprintf(inc, sizeof inc, "#include \"%s\"", secret);
    for (size_t i = 0; i < sizeof includes / sizeof includes[0]; i++) {
        snprintf(texts[i], sizeof texts[i], "profile k8s-sec {\n  %s\n  file,\n}\n", includes[i]);
        int st = harness_agent_http(&ap, "PUT", "/v1/profiles/k8s-sec", ADMIN_HDR, texts[i], &r);
        if (st != 400)
            fprintf(stderr, "include %s: %d %s\n", includes[i], st, r.body ? r.body : "");
        assert_int_equal(st, 400);
        assert_null(strstr(r.body, SECRET_MARKER));
        assert_null(strstr(r.body, "root:"));
        /* Refused before apparmor_parser ran: no parser diagnostics. */
        assert_null(strstr(r.body, "diagnostics"));
        harness_resp_free(&r);
    }
    char *after = aafs_state(&ap);
    assert_string_equal(before, after);
    free(before);
    free(after);
    char *err = harness_read_file(ap.err_path, NULL);
    assert_null(err ? strstr(err, SECRET_MARKER) : NULL);
    free(err);
    /* Includes inside the policy directory still work. */
    if (have_parser()) {
        const char *ok =
            "#include <tunables/global>\nprofile k8s-sec flags=(attach_disconnected) {\n"
            "  #include <abstractions/base>\n  file,\n}\n";
        if (access("/etc/apparmor.d/tunables/global", R_OK) == 0 &&
            access("/etc/apparmor.d/abstractions/base", R_OK) == 0) {
            int st = harness_agent_http(&ap, "PUT", "/v1/profiles/k8s-sec", ADMIN_HDR, ok, &r);
            if (st != 200)
                fprintf(stderr, "allowed includes: %d %s\n", st, r.body);
            assert_int_equal(st, 200);
            harness_resp_free(&r);
        }
    }
    assert_int_equal(harness_agent_stop(&ap), 0);
}

/* ---- agent: TLS ------------------------------------------------------------ */

static int run_quiet(const char *const *argv)
{
    struct harness_result res;
    if (harness_run(argv, NULL, 60, &res) != 0)
        return -1;
    int st = res.status;
    if (st != 0)
        fprintf(stderr, "%s: %s\n", argv[0], res.err ? res.err : "");
    harness_result_free(&res);
    return st;
}

/* A CA and a server certificate for 127.0.0.1 signed by it, in dir, named prefix-*. */
static int make_ca_and_cert(const char *dir, const char *prefix)
{
    char tmpl[512], cakey[512], cacert[512], key[512], cert[512], stmpl[512];
    snprintf(tmpl, sizeof tmpl, "%s/%s-ca.tmpl", dir, prefix);
    snprintf(stmpl, sizeof stmpl, "%s/%s-srv.tmpl", dir, prefix);
    snprintf(cakey, sizeof cakey, "%s/%s-ca.key", dir, prefix);
    snprintf(cacert, sizeof cacert, "%s/%s-ca.crt", dir, prefix);
    snprintf(key, sizeof key, "%s/%s.key", dir, prefix);
    snprintf(cert, sizeof cert, "%s/%s.crt", dir, prefix);
    harness_write_file(tmpl, "cn = \"test CA\"\nca\ncert_signing_key\nexpiration_days = 2\n", 0600);
    harness_write_file(stmpl,
               "cn = \"127.0.0.1\"\nip_address = \"127.0.0.1\"\ntls_www_server\nsigning_key\n"
               "encryption_key\nexpiration_days = 2\n",
               0600);
    const char *a1[] = {"certtool", "--generate-privkey", "--key-type=ecdsa", "--outfile", cakey,
                        NULL};
    const char *a2[] = {"certtool",
                        "--generate-self-signed",
                        "--load-privkey",
                        cakey,
                        "--template",
                        tmpl,
                        "--outfile",
                        cacert,
                        NULL};
    const char *a3[] = {"certtool", "--generate-privkey", "--key-type=ecdsa", "--outfile", key,
                        NULL};
    const char *a4[] = {"certtool",
                        "--generate-certificate",
                        "--load-privkey",
                        key,
                        "--load-ca-certificate",
                        cacert,
                        "--load-ca-privkey",
                        cakey,
                        "--template",
                        stmpl,
                        "--outfile",
                        cert,
                        NULL};
    if (run_quiet(a1) || run_quiet(a2) || run_quiet(a3) || run_quiet(a4))
        return -1;
    return 0;
}

/* GET /healthz over HTTPS trusting ca_file; returns the curl code, *status the HTTP status. */
static CURLcode tls_get(int port, const char *ca_file, long *status)
{
    char url[128];
    snprintf(url, sizeof url, "https://127.0.0.1:%d/healthz", port);
    CURL *c = curl_easy_init();
    assert_non_null(c);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_CAINFO, ca_file);
    curl_easy_setopt(c, CURLOPT_CAPATH, NULL);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 10L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    FILE *sink = fopen("/dev/null", "w");
    curl_easy_setopt(c, CURLOPT_WRITEDATA, sink);
    CURLcode rc = curl_easy_perform(c);
    *status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
    curl_easy_cleanup(c);
    if (sink)
        fclose(sink);
    return rc;
}

static void test_agent_tls_wrong_ca(void **state)
{
    (void)state;
    if (!harness_have_program("certtool")) {
        print_message("SKIP: needs certtool (Debian package gnutls-bin)\n");
        skip();
    }
    struct harness_agent ap;
    assert_int_equal(harness_agent_prepare(&ap, &AGENT), 0);
    assert_int_equal(make_ca_and_cert(ap.dir, "good"), 0);
    assert_int_equal(make_ca_and_cert(ap.dir, "other"), 0);
    char cert[512], key[512], good_ca[512], other_ca[512];
    snprintf(cert, sizeof cert, "%s/good.crt", ap.dir);
    snprintf(key, sizeof key, "%s/good.key", ap.dir);
    snprintf(good_ca, sizeof good_ca, "%s/good-ca.crt", ap.dir);
    snprintf(other_ca, sizeof other_ca, "%s/other-ca.crt", ap.dir);
    struct harness_agent_opts o = AGENT;
    o.tls_cert = cert;
    o.tls_key = key;
    assert_int_equal(harness_agent_launch(&ap, &o), 0);
    assert_true(ap.is_tls);
    long status = 0;
    CURLcode rc = tls_get(ap.port, other_ca, &status);
    assert_int_not_equal(rc, CURLE_OK);
    assert_true(rc == CURLE_PEER_FAILED_VERIFICATION || rc == CURLE_SSL_CONNECT_ERROR ||
                rc == CURLE_SSL_CACERT_BADFILE);
    assert_int_equal(status, 0);
    rc = tls_get(ap.port, good_ca, &status);
    if (rc != CURLE_OK)
        fprintf(stderr, "right CA: %s\n", curl_easy_strerror(rc));
    assert_int_equal(rc, CURLE_OK);
    assert_int_equal(status, 200);
    /* Plain HTTP to the TLS port gets nothing useful. */
    struct harness_resp r;
    char head[128];
    snprintf(head, sizeof head, "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    assert_int_not_equal(harness_http_raw(ap.port, head, NULL, 0, 3000, &r), 200);
    harness_resp_free(&r);
    assert_int_equal(harness_agent_stop(&ap), 0);
}

/* ---- TUI: terminal injection --------------------------------------------------- */

static const char *const HOSTILE[] = {
    "\x1b]0;pwned\x07",   /* OSC: set the window title */
    "\x1b[2J\x1b[H",      /* clear the screen, home */
    "\x1b[31mred\x1b[0m", /* SGR */
    "\x1bP+q\x1b\\",      /* DCS */
    "a\x9b"
    "31m", /* C1 CSI as a raw byte (invalid UTF-8) */
    "a\xc2\x9b"
    "31m\xc2\x9d"
    "0;x\xc2\x9c", /* C1 CSI / OSC / ST, UTF-8 encoded */
    "evil\xe2\x80\xae"
    "gnp.exe", /* U+202E right-to-left override */
    "\xe2\x81\xa6"
    "x\xe2\x81\xa9",        /* U+2066 / U+2069 isolates */
    "\xe2\x80\x8f\xd8\x9c", /* RLM, ALM */
    "tab\there\rcr\nnl\bbs\x7f",
};

/* No C0 control (but newline where allowed), no DEL, no C1 (raw or UTF-8) and no bidi control. */
static bool text_is_harmless(const char *s, size_t len, bool allow_newline)
{
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0; i < len; i++) {
        if (u[i] == '\n' && allow_newline)
            continue;
        if (u[i] < 0x20 || u[i] == 0x7f)
            return false;
        if (u[i] == 0xc2 && i + 1 < len && u[i + 1] >= 0x80 && u[i + 1] < 0xa0)
            return false;
        if (u[i] == 0xe2 && i + 2 < len && u[i + 1] == 0x80 &&
            (u[i + 2] == 0x8e || u[i + 2] == 0x8f || (u[i + 2] >= 0xaa && u[i + 2] <= 0xae)))
            return false;
        if (u[i] == 0xe2 && i + 2 < len && u[i + 1] == 0x81 && u[i + 2] >= 0xa6 && u[i + 2] <= 0xa9)
            return false;
        if (u[i] == 0xd8 && i + 1 < len && u[i + 1] == 0x9c)
            return false;
    }
    return true;
}

/* The text layer every pane cell, header and status line goes through. */
static void test_tui_text_layer_neutralises_controls(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof HOSTILE / sizeof HOSTILE[0]; i++)
        for (int width = 1; width <= 40; width++) {
            char out[256];
            text_fit(HOSTILE[i], width, width % 2 == 0, out, sizeof out);
            if (!text_is_harmless(out, strlen(out), false))
                fprintf(stderr, "text_fit(#%zu, %d) kept a control\n", i, width);
            assert_true(text_is_harmless(out, strlen(out), false));
            assert_int_equal(text_width(out), width);
        }
}

/* A denial for a file whose name holds escape sequences (the kernel writes it
 * hex-encoded; the agent decodes it), shown in the denials pane and its
 * drill-down, and printed by --once: no raw control reaches the terminal. */
static void test_tui_hostile_denial_rendered_harmless(void **state)
{
    (void)state;
    char dir[] = "/tmp/test_security_tui.XXXXXX";
    assert_non_null(mkdtemp(dir));
    char state_dir[300];
    snprintf(state_dir, sizeof state_dir, "%s/state", dir);
    const char *args[] = {"--nodes",       "2", "--pods",      "8",       "--agents", "1",
                          "--denial-rate", "0", "--state-dir", state_dir, NULL};
    struct harness_sim sim;
    if (harness_sim_start(&sim, args) != 0) {
        harness_remove_tree(dir);
        fail_msg("cannot start armortop-sim with an agent");
    }
    /* A pid of a container process on node-001 (its fake /proc). */
    char proc[400];
    snprintf(proc, sizeof proc, "%s/nodes/node-001/proc", state_dir);
    int pid = 1;
    DIR *d = opendir(proc);
    assert_non_null(d);
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        char cg[700];
        snprintf(cg, sizeof cg, "%s/%s/cgroup", proc, de->d_name);
        char *c = harness_read_file(cg, NULL);
        if (c && strstr(c, "kubepods"))
            pid = atoi(de->d_name);
        free(c);
    }
    closedir(d);
    static const char name[] = "/tmp/\x1b]0;pwned\x07\x1b[2J\x1b[31mred\xc2\x9b"
                               "31m\xe2\x80\xae"
                               "gnp.exe";
    char hexname[256] = "", hexcomm[64] = "";
    for (size_t i = 0; name[i]; i++)
        sprintf(hexname + 2 * i, "%02X", (unsigned char)name[i]);
    static const char comm[] = "\x1b[2Jevil";
    for (size_t i = 0; comm[i]; i++)
        sprintf(hexcomm + 2 * i, "%02X", (unsigned char)comm[i]);
    char line[1024];
    snprintf(
        line, sizeof line,
        "type=AVC msg=audit(1748736000.100:900): apparmor=\"DENIED\" operation=\"open\" "
        "class=\"file\" "
        "profile=\"k8s-deny-write\" name=%s pid=%d comm=%s requested_mask=\"r\" denied_mask=\"r\" "
        "fsuid=0 ouid=0\n",
        hexname, pid, hexcomm);
    char log[400];
    snprintf(log, sizeof log, "%s/nodes/node-001/audit.log", state_dir);
    FILE *f = fopen(log, "a");
    assert_non_null(f);
    fputs(line, f);
    fclose(f);

    char script[400], dump1[400], dump2[400], home[400];
    snprintf(script, sizeof script, "%s/script", dir);
    snprintf(dump1, sizeof dump1, "%s/denials.screen", dir);
    snprintf(dump2, sizeof dump2, "%s/detail.screen", dir);
    snprintf(home, sizeof home, "HOME=%s", dir);
    f = fopen(script, "w");
    assert_non_null(f);
    fprintf(f, "4\n<Wait-refresh>\n<Wait-refresh>\n:dump-screen %s\n<Enter>\n:dump-screen %s\n",
            dump1, dump2);
    fclose(f);
    const char *env[] = {
        "TERM=xterm-256color", "LANG=C.UTF-8",      "LC_ALL=C.UTF-8",    "TZ=UTC", home,
        "KUBECONFIG=",         "EDITOR=/bin/false", "VISUAL=/bin/false", NULL};
    const char *argv[] = {"armortop", "--kubeconfig", sim.kubeconfig, "-A", "--script", script,
                          NULL};
    /* Check everything first, then stop the sim, then assert (a failed assert must not leak it). */
    bool ran = false, screens_ok = true, table_ok = true, json_ok = true, stderr_ok = true;
    struct harness_result r;
    if (harness_run(argv, env, 60, &r) == 0) {
        ran = r.status == 0;
        if (!ran)
            fprintf(stderr, "armortop --script exit %d: %s\n", r.status, r.err);
        screens_ok = text_is_harmless(r.out, r.out_len, true);
        stderr_ok = memchr(r.err, 0x1b, r.err_len) == NULL;
        harness_result_free(&r);
    }
    const char *dumps[] = {dump1, dump2};
    for (size_t i = 0; i < 2; i++) {
        size_t len = 0;
        char *screen = harness_read_file(dumps[i], &len);
        if (!screen || !text_is_harmless(screen, len, true)) {
            fprintf(stderr, "screen dump %s missing or holding a control:\n%s\n", dumps[i],
                    screen ? screen : "");
            screens_ok = false;
        }
        free(screen);
    }
    /* Headless output: the table is for terminals too; JSON escapes controls. */
    static const char *const formats[] = {"table", "json"};
    for (size_t i = 0; i < 2; i++) {
        const char *once[] = {"armortop", "--kubeconfig", sim.kubeconfig, "-A", "--once",
                              "denials",  "-o",           formats[i],     NULL};
        if (harness_run(once, env, 60, &r) != 0) {
            table_ok = false;
            continue;
        }
        if (i == 0 && !text_is_harmless(r.out, r.out_len, true)) {
            fprintf(stderr, "--once denials -o table printed a control:\n%s\n", r.out);
            table_ok = false;
        }
        if (i == 1 && memchr(r.out, 0x1b, r.out_len))
            json_ok = false;
        if (memchr(r.err, 0x1b, r.err_len))
            stderr_ok = false;
        harness_result_free(&r);
    }
    harness_sim_stop(&sim);
    harness_remove_tree(dir);
    assert_true(ran);
    assert_true(screens_ok);
    assert_true(json_ok);
    assert_true(stderr_ok);
    assert_true(table_ok);
}

/* ---- TUI: kiosk and read-only never mutate ----------------------------------------- */

/* Sum of the agents' non-GET request counters (from /sim/stats agentNodes endpoints). */
static long agents_mutating_requests(const struct harness_sim *sim, int *agents)
{
    char *body = NULL;
    assert_int_equal(harness_http(sim, "GET", "/sim/stats", NULL, &body), 200);
    cJSON *j = cJSON_Parse(body);
    free(body);
    assert_non_null(j);
    long total = 0;
    *agents = 0;
    const cJSON *an;
    cJSON_ArrayForEach(an, cJSON_GetObjectItemCaseSensitive(j, "agentNodes"))
    {
        const cJSON *ep = cJSON_GetObjectItemCaseSensitive(an, "endpoint");
        if (!cJSON_IsString(ep))
            continue;
        int port = 0;
        assert_int_equal(sscanf(ep->valuestring, "http://127.0.0.1:%d", &port), 1);
        char head[512];
        snprintf(head, sizeof head,
                 "GET /metrics HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"
                 "Connection: close\r\n\r\n",
                 sim->token);
        struct harness_resp r;
        assert_int_equal(harness_http_raw(port, head, NULL, 0, 10000, &r), 200);
        const char *g =
            strstr(r.body, "armortop_agent_http_requests_by_method_total{method=\"GET\"} ");
        if (g)
            print_message(
                "agent %s: %ld GET requests so far\n", ep->valuestring,
                atol(g + strlen("armortop_agent_http_requests_by_method_total{method=\"GET\"} ")));
        static const char *const methods[] = {"PUT", "DELETE", "POST", "other"};
        for (size_t m = 0; m < 4; m++) {
            char key[128];
            snprintf(key, sizeof key,
                     "armortop_agent_http_requests_by_method_total{method=\"%s\"} ", methods[m]);
            const char *p = strstr(r.body, key);
            assert_non_null(p);
            total += atol(p + strlen(key));
        }
        harness_resp_free(&r);
        (*agents)++;
    }
    cJSON_Delete(j);
    return total;
}

/* Run armortop MODE with a script pressing every key in every view; true when it ran and exited 0.
 */
static bool drive_every_key(const struct harness_sim *sim, const char *mode, const char *dir)
{
    /* Every printable key but the prompts ('/', ':'), the view digits and quit
     * (q in read-only mode; in kiosk mode q must do nothing), then confirm. */
    bool kiosk = strcmp(mode, "--kiosk") == 0;
    char keys[128];
    size_t n = 0;
    for (int c = 0x21; c < 0x7f; c++) {
        if (c == '/' || c == ':' || c == '<' || (c >= '0' && c <= '9') ||
            (!kiosk && (c == 'q' || c == 'Q')))
            continue;
        keys[n++] = (char)c;
    }
    keys[n] = '\0';
    char script[400], home[400];
    snprintf(script, sizeof script, "%s/script%s", dir, mode);
    snprintf(home, sizeof home, "HOME=%s", dir);
    FILE *f = fopen(script, "w");
    assert_non_null(f);
    fprintf(f, "<Wait-refresh>\n<Wait-refresh>\n");
    for (int view = 1; view <= 5; view++) {
        fprintf(f, "%d\n<Down>\n%s\ny\n<Enter>\ny\n<Down>\n%s\ny\n<Enter>\ny\n<Esc>\n<Esc>\n", view,
                keys, keys);
        fprintf(f, "<Backspace>\n<Space>\n<Left>\n<Right>\n<BTab>\n<F1>\n<Esc>\n<F2>\n<F5>\n<F8>"
                   "\ny\n<Tab>\n<PgDn>\n"
                   "<End>\n<Home>\n<Up>\n<PgUp>\n");
        fprintf(f, "^D\n^E\n^L\n^U\n^X\ny\n<Esc>\n");
        if (!kiosk) {
            static const char *const cmds[] = {"profile-unload",        "profile-unload-force",
                                               "profile-mode",          "profile-load",
                                               "profile-load-all",      "profile-edit",
                                               "unload k8s-deny-write", "load k8s-deny-write"};
            for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
                fprintf(f, ":%s\ny\n<Esc>\n", cmds[i]);
        }
        fprintf(f, "<Wait-jobs>\n");
    }
    fclose(f);
    const char *env[] = {"TERM=xterm-256color",
                         "LANG=C.UTF-8",
                         "LC_ALL=C.UTF-8",
                         "TZ=UTC",
                         home,
                         "KUBECONFIG=",
                         "EDITOR=/bin/false",
                         "VISUAL=/bin/false",
                         "BROWSER=/bin/false",
                         NULL};
    const char *argv[] = {"armortop", "--kubeconfig", sim->kubeconfig, "-A", mode, "--refresh",
                          "1",        "--script",     script,          NULL};
    struct harness_result r;
    if (harness_run(argv, env, 120, &r) != 0)
        return false;
    if (r.status != 0)
        fprintf(stderr, "armortop %s exit %d: %s\n", mode, r.status, r.err);
    bool ok = r.status == 0;
    harness_result_free(&r);
    return ok;
}

static void test_tui_kiosk_readonly_never_mutate(void **state)
{
    (void)state;
    char dir[] = "/tmp/test_security_kiosk.XXXXXX";
    assert_non_null(mkdtemp(dir));
    const char *args[] = {"--nodes", "3", "--pods", "12", "--agents", "2", NULL};
    struct harness_sim sim;
    assert_int_equal(harness_sim_start(&sim, args), 0);
    int agents = 0;
    assert_int_equal(agents_mutating_requests(&sim, &agents), 0);
    if (agents == 0) {
        harness_sim_stop(&sim);
        harness_remove_tree(dir);
        print_message("SKIP: armortop-sim started no agent\n");
        skip();
    }
    bool kiosk_ran = drive_every_key(&sim, "--kiosk", dir);
    long after_kiosk = agents_mutating_requests(&sim, &agents);
    bool ro_ran = drive_every_key(&sim, "--readonly", dir);
    long after_ro = agents_mutating_requests(&sim, &agents);
    harness_sim_stop(&sim);
    harness_remove_tree(dir);
    assert_true(kiosk_ran);
    assert_int_equal(after_kiosk, 0);
    assert_true(ro_ran);
    assert_int_equal(after_ro, 0);
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    setlocale(LC_ALL, "C.UTF-8");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_agent_mutations_need_admin),
        cmocka_unit_test(test_agent_bad_names),
        cmocka_unit_test(test_agent_oversized_body),
        cmocka_unit_test(test_agent_include_escape),
        cmocka_unit_test(test_agent_concurrent_puts),
        cmocka_unit_test(test_agent_tls_wrong_ca),
        cmocka_unit_test(test_tui_text_layer_neutralises_controls),
        cmocka_unit_test(test_tui_hostile_denial_rendered_harmless),
        cmocka_unit_test(test_tui_kiosk_readonly_never_mutate),
        cmocka_unit_test(test_agent_slowloris),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}
