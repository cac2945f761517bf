/*
 * test_http: core/http.c against a scripted HTTP/1.1 server on a loopback
 * thread (no sim needed): percent-encoding, request headers, buffered and
 * streamed bodies (lines split across chunks, CRLF, a last line without '\n'),
 * the body and line caps, truncation, refused and silent servers, callback
 * stop/abort, cancel; plus kube_path_build().
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../core/http.h"
#include "../../core/kube_client.h"
#include "../../core/xalloc.h"

/* ---- scripted server ---------------------------------------------------------
 * Serves one connection: reads the request head, then writes each part with
 * part_delay_ms between parts, then waits hold_ms and closes. */

#define MAX_PARTS 8

struct script {
    const char *parts[MAX_PARTS];
    int part_delay_ms;
    int hold_ms;
    bool no_response; /* close right after reading the request */
};

struct server {
    int fd;
    int port;
    pthread_t thread;
    struct script script;
    char request[4096];
};

static void sleep_ms(int ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static void *server_main(void *ud)
{
    struct server *s = ud;
    int cfd = accept(s->fd, NULL, NULL);
    if (cfd < 0)
        return NULL;
    size_t n = 0;
    while (n < sizeof s->request - 1) {
        ssize_t r = read(cfd, s->request + n, sizeof s->request - 1 - n);
        if (r <= 0)
            break;
        n += (size_t)r;
        s->request[n] = '\0';
        if (strstr(s->request, "\r\n\r\n"))
            break;
    }
    if (!s->script.no_response) {
        for (int i = 0; i < MAX_PARTS && s->script.parts[i]; i++) {
            if (i && s->script.part_delay_ms)
                sleep_ms(s->script.part_delay_ms);
            const char *p = s->script.parts[i];
            if (write(cfd, p, strlen(p)) < 0)
                break;
        }
        if (s->script.hold_ms) {
            /* Hold the connection open, but end early once the client hangs up. */
            struct pollfd pfd = {.fd = cfd, .events = POLLIN};
            char junk[256];
            int64_t until = http_now_ms() + s->script.hold_ms;
            while (http_now_ms() < until && poll(&pfd, 1, (int)(until - http_now_ms())) > 0 &&
                   read(cfd, junk, sizeof junk) > 0) {
            }
        }
    }
    close(cfd);
    return NULL;
}

static void server_start(struct server *s, const struct script *sc)
{
    memset(s, 0, sizeof *s);
    s->script = *sc;
    s->fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(s->fd >= 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    assert_int_equal(bind(s->fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(s->fd, 4), 0);
    socklen_t al = sizeof a;
    getsockname(s->fd, (struct sockaddr *)&a, &al);
    s->port = ntohs(a.sin_port);
    assert_int_equal(pthread_create(&s->thread, NULL, server_main, s), 0);
}

static void server_stop(struct server *s)
{
    shutdown(s->fd, SHUT_RDWR);
    pthread_join(s->thread, NULL);
    close(s->fd);
}

/* ---- helpers ---------------------------------------------------------------- */

struct lines {
    char got[16][128];
    int count;
    int stop_after; /* return 1 after this many (0 = never) */
    int fail_after; /* return -KERR_PARSE after this many (0 = never) */
};

static int collect(void *ud, const char *line, size_t len)
{
    struct lines *l = ud;
    if (l->count < 16)
        snprintf(l->got[l->count], sizeof l->got[0], "%.*s", (int)len, line);
    l->count++;
    if (l->stop_after && l->count >= l->stop_after)
        return 1;
    if (l->fail_after && l->count >= l->fail_after)
        return -KERR_PARSE;
    return 0;
}

struct run {
    int rc;
    long status;
    struct kerr err;
    struct strbuf body;
    struct server srv;
    int64_t took_ms; /* http_perform alone */
};

static void run_req(struct run *r, const struct script *sc, struct http_request *req)
{
    struct http_client *hc = NULL;
    struct http_client_opts o = {.connect_timeout_ms = 2000};
    char url[128];
    memset(r, 0, sizeof *r);
    strbuf_init(&r->body);
    server_start(&r->srv, sc);
    snprintf(url, sizeof url, "http://127.0.0.1:%d/api/v1/pods", r->srv.port);
    assert_int_equal(http_client_new(&o, &hc, NULL), 0);
    req->url = url;
    req->body = &r->body;
    int64_t t0 = http_now_ms();
    r->rc = http_perform(hc, req, &r->status, &r->err);
    r->took_ms = http_now_ms() - t0;
    server_stop(&r->srv);
    http_client_free(&hc);
    assert_null(hc);
}

static void run_done(struct run *r)
{
    strbuf_done(&r->body);
}

/* ---- tests ------------------------------------------------------------------ */

static void test_escape_empty_and_unreserved(void **state)
{
    (void)state;
    struct strbuf sb;
    strbuf_init(&sb);
    http_append_escaped(&sb, "");
    assert_string_equal(strbuf_str(&sb), "");
    http_append_escaped(&sb, "AZaz09-._~");
    assert_string_equal(strbuf_str(&sb), "AZaz09-._~");
    strbuf_done(&sb);
}

static void test_escape_reserved_and_utf8(void **state)
{
    (void)state;
    struct strbuf sb;
    strbuf_init(&sb);
    http_append_escaped(&sb, "a b/c?d=e&f+g%h,\xc3\xa9");
    assert_string_equal(strbuf_str(&sb), "a%20b%2Fc%3Fd%3De%26f%2Bg%25h%2C%C3%A9");
    strbuf_done(&sb);
}

static void test_reason_phrase(void **state)
{
    (void)state;
    assert_string_equal(http_reason_phrase(401), "Unauthorized");
    assert_string_equal(http_reason_phrase(410), "Gone");
    assert_string_equal(http_reason_phrase(599), "server error");
    assert_string_equal(http_reason_phrase(418), "client error");
}

static void test_path_build(void **state)
{
    (void)state;
    char *p = kube_path_build(KUBE_KIND_POD, NULL, 0, NULL, false, NULL, 0);
    assert_string_equal(p, "/api/v1/pods");
    free(p);
    struct kube_list_opts o = {.ns = "kube system",
                               .field_selector = "spec.nodeName=n1",
                               .label_selector = "app in (a,b)"};
    p = kube_path_build(KUBE_KIND_POD, &o, 7, "tok/+=", false, NULL, 0);
    assert_string_equal(p,
                        "/api/v1/namespaces/kube%20system/pods?limit=7&continue=tok%2F%2B%3D"
                        "&fieldSelector=spec.nodeName%3Dn1&labelSelector=app%20in%20%28a%2Cb%29");
    free(p);
    p = kube_path_build(KUBE_KIND_NODE, &o, 0, NULL, true, "123", 30);
    assert_string_equal(p, "/api/v1/nodes?watch=1&allowWatchBookmarks=true&resourceVersion=123"
                           "&timeoutSeconds=30&fieldSelector=spec.nodeName%3Dn1"
                           "&labelSelector=app%20in%20%28a%2Cb%29");
    free(p);
    struct kube_list_opts e = {.ns = ""};
    p = kube_path_build(KUBE_KIND_EVENT, &e, 500, "", false, NULL, 0);
    assert_string_equal(p, "/api/v1/events?limit=500");
    free(p);
}

static void test_refused(void **state)
{
    (void)state;
    /* Bind a port, close it: nothing listens there any more. */
    struct server s;
    struct script sc = {.no_response = true};
    server_start(&s, &sc);
    int port = s.port;
    server_stop(&s);
    struct http_client *hc = NULL;
    struct http_client_opts o = {0};
    assert_int_equal(http_client_new(&o, &hc, NULL), 0);
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/", port);
    struct strbuf body;
    strbuf_init(&body);
    struct http_request req = {.url = url, .body = &body, .timeout_ms = 2000};
    struct kerr err = {0};
    long status = -1;
    assert_int_equal(http_perform(hc, &req, &status, &err), -KERR_CONNECT);
    assert_int_equal(status, 0);
    assert_non_null(strstr(err.msg, "cannot connect"));
    strbuf_done(&body);
    http_client_free(&hc);
}

static void test_no_response(void **state)
{
    (void)state;
    struct script sc = {.no_response = true};
    struct http_request req = {.timeout_ms = 2000};
    struct run r;
    run_req(&r, &sc, &req);
    assert_int_equal(r.rc, -KERR_IO);
    run_done(&r);
}

static void test_buffered_ok_and_headers(void **state)
{
    (void)state;
    struct script sc = {.parts = {"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhel", "lo"},
                        .part_delay_ms = 20};
    struct http_request req = {.timeout_ms = 2000, .bearer_token = "s3cret"};
    struct run r;
    run_req(&r, &sc, &req);
    assert_int_equal(r.rc, 0);
    assert_int_equal(r.status, 200);
    assert_string_equal(strbuf_str(&r.body), "hello");
    assert_non_null(strstr(r.srv.request, "GET /api/v1/pods HTTP/1.1\r\n"));
    assert_non_null(strstr(r.srv.request, "\r\nAccept: application/json\r\n"));
    assert_non_null(strstr(r.srv.request, "\r\nUser-Agent: armortop/" ARMORTOP_VERSION "\r\n"));
    assert_non_null(strstr(r.srv.request, "\r\nAuthorization: Bearer s3cret\r\n"));
    run_done(&r);
}

static void test_basic_auth(void **state)
{
    (void)state;
    struct script sc = {.parts = {"HTTP/1.1 204 No Content\r\n\r\n"}};
    struct http_request req = {.timeout_ms = 2000, .username = "u", .password = "p"};
    struct run r;
    run_req(&r, &sc, &req);
    assert_int_equal(r.rc, 0);
    assert_int_equal(r.status, 204);
    assert_non_null(strstr(r.srv.request, "\r\nAuthorization: Basic dTpw\r\n"));
    run_done(&r);
}

static void test_error_status_is_not_an_error(void **state)
{
    (void)state;
    struct script sc = {.parts = {"HTTP/1.1 401 Unauthorized\r\nContent-Length: 2\r\n\r\n{}"}};
    struct http_request req = {.timeout_ms = 2000};
    struct run r;
    run_req(&r, &sc, &req);
    assert_int_equal(r.rc, 0);
    assert_int_equal(r.status, 401);
    assert_string_equal(strbuf_str(&r.body), "{}");
    run_done(&r);
}

static void test_truncated_content_length(void **state)
{
    (void)state;
    struct script sc = {.parts = {"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{\"a\":"}};
    struct http_request req = {.timeout_ms = 2000};
    struct run r;
    run_req(&r, &sc, &req);
    assert_int_equal(r.rc, -KERR_TRUNCATED);
    assert_non_null(strstr(r.err.msg, "of 100 bytes"));
    run_done(&r);
}

static void test_truncated_chunked(void **state)
{
    (void)state;
    struct script sc = {
        .parts = {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n"}};
    struct http_request req = {.timeout_ms = 2000};
    struct run r;
    run_req(&r, &sc, &req);
    assert_int_equal(r.rc, -KERR_TRUNCATED);
    run_done(&r);
}

static void test_body_too_big(void **state)
{
    (void)state;
    struct script sc = {.parts = {"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n0123456789"}};
    struct http_request req = {.timeout_ms = 2000, .max_body_len = 4};
    struct run r;
    run_req(&r, &sc, &req);
    assert_int_equal(r.rc, -KERR_TOOBIG);
    run_done(&r);

    struct script sc2 = {.parts = {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                                   "a\r\n0123456789\r\n0\r\n\r\n"}};
    struct http_request req2 = {.timeout_ms = 2000, .max_body_len = 4};
    run_req(&r, &sc2, &req2);
    assert_int_equal(r.rc, -KERR_TOOBIG);
    run_done(&r);
}

static void test_timeout(void **state)
{
    (void)state;
    struct script sc = {.parts = {"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n01"},
                        .hold_ms = 1500};
    struct http_request req = {.timeout_ms = 300};
    struct run r;
    run_req(&r, &sc, &req);
    assert_int_equal(r.rc, -KERR_TIMEOUT);
    run_done(&r);
}

static void test_stream_lines(void **state)
{
    (void)state;
    struct script sc = {
        .parts = {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", "6\r\n{\"a\":1\r\n",
                  "4\r\n}\n{\"\r\n", "8\r\nb\":2}\r\n\n\r\n", "3\r\nend\r\n", "0\r\n\r\n"},
        .part_delay_ms = 10,
    };
    struct lines l = {0};
    struct http_request req = {.line_fn = collect, .line_ud = &l, .max_body_len = 64};
    struct run r;
    run_req(&r, &sc, &req);
    assert_int_equal(r.rc, 0);
    assert_int_equal(r.status, 200);
    assert_int_equal(l.count, 3);
    assert_string_equal(l.got[0], "{\"a\":1}");
    assert_string_equal(l.got[1], "{\"b\":2}");
    assert_string_equal(l.got[2], "end");
    assert_int_equal(r.body.len, 0);
    run_done(&r);
}

static void test_stream_error_status_is_buffered(void **state)
{
    (void)state;
    struct script sc = {.parts = {"HTTP/1.1 410 Gone\r\nContent-Length: 8\r\n\r\n{\"x\":1}\n"}};
    struct lines l = {0};
    struct http_request req = {.line_fn = collect, .line_ud = &l};
    struct run r;
    run_req(&r, &sc, &req);
    assert_int_equal(r.rc, 0);
    assert_int_equal(r.status, 410);
    assert_int_equal(l.count, 0);
    assert_string_equal(strbuf_str(&r.body), "{\"x\":1}\n");
    run_done(&r);
}

static void test_stream_line_too_long(void **state)
{
    (void)state;
    struct script sc = {.parts = {"HTTP/1.1 200 OK\r\nContent-Length: 31\r\n\r\n"
                                  "short\n0123456789012345678901234"}};
    struct lines l = {0};
    struct http_request req = {.line_fn = collect, .line_ud = &l, .max_body_len = 10};
    struct run r;
    run_req(&r, &sc, &req);
    assert_int_equal(r.rc, -KERR_TOOBIG);
    assert_int_equal(l.count, 1);
    run_done(&r);
}

static void test_stream_stop_and_fail(void **state)
{
    (void)state;
    struct script sc = {.parts = {"HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\na\nb\nc\n"}};
    struct lines l = {.stop_after = 2};
    struct http_request req = {.line_fn = collect, .line_ud = &l};
    struct run r;
    run_req(&r, &sc, &req);
    assert_int_equal(r.rc, 0);
    assert_int_equal(l.count, 2);
    run_done(&r);

    struct lines l2 = {.fail_after = 1};
    struct http_request req2 = {.line_fn = collect, .line_ud = &l2};
    run_req(&r, &sc, &req2);
    assert_int_equal(r.rc, -KERR_PARSE);
    assert_int_equal(l2.count, 1);
    run_done(&r);
}

static void test_stream_idle_timeout(void **state)
{
    (void)state;
    struct script sc = {.parts = {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                                  "2\r\na\n\r\n"},
                        .hold_ms = 8000};
    struct lines l = {0};
    struct http_request req = {.line_fn = collect, .line_ud = &l, .idle_timeout_ms = 1000};
    struct run r;
    run_req(&r, &sc, &req);
    assert_int_equal(r.rc, -KERR_TIMEOUT);
    assert_true(r.took_ms < 7000);
    assert_int_equal(l.count, 1);
    run_done(&r);
}

static void test_deadline_cancels(void **state)
{
    (void)state;
    struct script sc = {.parts = {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"},
                        .hold_ms = 3000};
    struct lines l = {0};
    struct http_request req = {
        .line_fn = collect, .line_ud = &l, .deadline_ms = http_now_ms() + 300};
    struct run r;
    run_req(&r, &sc, &req);
    assert_int_equal(r.rc, -KERR_CANCELLED);
    assert_true(r.took_ms < 2000);
    run_done(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_escape_empty_and_unreserved),
        cmocka_unit_test(test_escape_reserved_and_utf8),
        cmocka_unit_test(test_reason_phrase),
        cmocka_unit_test(test_path_build),
        cmocka_unit_test(test_refused),
        cmocka_unit_test(test_no_response),
        cmocka_unit_test(test_buffered_ok_and_headers),
        cmocka_unit_test(test_basic_auth),
        cmocka_unit_test(test_error_status_is_not_an_error),
        cmocka_unit_test(test_truncated_content_length),
        cmocka_unit_test(test_truncated_chunked),
        cmocka_unit_test(test_body_too_big),
        cmocka_unit_test(test_timeout),
        cmocka_unit_test(test_stream_lines),
        cmocka_unit_test(test_stream_error_status_is_buffered),
        cmocka_unit_test(test_stream_line_too_long),
        cmocka_unit_test(test_stream_stop_and_fail),
        cmocka_unit_test(test_stream_idle_timeout),
        cmocka_unit_test(test_deadline_cancels),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
