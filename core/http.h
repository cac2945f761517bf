/*
 * http: core's only HTTP(S) client, a thin layer over libcurl. It owns one
 * connection pool per client (a CURLSH sharing connections, DNS and TLS
 * sessions, plus a reused easy handle), applies TLS settings and credentials
 * per request, and turns transport failures into KERR_* codes with a short
 * human message. Two ways to receive a body: buffered into a strbuf (bounded
 * by max_body_len) or streamed as complete '\n'-terminated lines to a
 * callback (for watches; at most one line is ever buffered).
 *
 * Depends on libc, pthreads, libcurl (in http.c only) and core/strbuf, kerr,
 * xalloc. Knows nothing about Kubernetes. Must not expose any curl type: this
 * header is included by kube_client.c and tests. Never prints.
 */
#ifndef ARMORTOP_CORE_HTTP_H
#define ARMORTOP_CORE_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kerr.h"
#include "strbuf.h"

struct http_client;

/* Connection-wide settings. All strings and blobs are copied by
 * http_client_new(); NULL / 0 means "not set". */
struct http_client_opts {
    const char *ca_file; /* PEM bundle path */
    const char *ca_pem;  /* PEM bytes; wins over ca_file */
    size_t ca_pem_len;
    const char *client_cert_file; /* PEM */
    const char *client_cert_pem;
    size_t client_cert_pem_len;
    const char *client_key_file; /* PEM */
    const char *client_key_pem;
    size_t client_key_pem_len;
    bool is_insecure;            /* skip peer and host verification */
    const char *tls_server_name; /* SNI and certificate name to verify instead of the URL host */
    const char *proxy_url;       /* NULL = libcurl's default (the *_proxy environment) */
    const char *user_agent;      /* NULL = "armortop/<version>" */
    long connect_timeout_ms;     /* 0 = 5000 */
};

/* Create a client. *out is owned by the caller (free with http_client_free).
 * Errors: KERR_INVAL (bad option), KERR_NOMEM (libcurl init failed).
 * Does not block. A client may be used from several threads at once: one easy
 * handle is kept for reuse and extra callers get a temporary one; all share
 * the pool. */
int http_client_new(const struct http_client_opts *opts, struct http_client **out,
                    struct kerr *err);
/* Free the client and its pool; accepts NULL and *hc == NULL; sets *hc = NULL.
 * No request may be running on it. */
void http_client_free(struct http_client **hc);

/* Streaming callback: one complete line (without "\n" or "\r\n"; never empty),
 * borrowed for the call only. Return 0 to continue, > 0 to stop the transfer
 * cleanly (http_perform returns 0), < 0 to abort with that KERR code
 * (http_perform returns it and leaves err as the callback filled it). */
typedef int (*http_line_fn)(void *ud, const char *line, size_t len);

struct http_request {
    const char *method;    /* NULL = "GET" */
    const char *url;       /* absolute URL, already escaped */
    const char *post_data; /* request body, may be NULL */
    size_t post_data_len;
    const char *content_type; /* for post_data, NULL = application/json */
    /* credentials (borrowed, may be NULL) */
    const char *bearer_token;
    const char *username; /* basic auth when set */
    const char *password;
    const char *client_cert_pem; /* overrides the client's certificate/key for this request */
    size_t client_cert_pem_len;
    const char *client_key_pem;
    size_t client_key_pem_len;
    /* extra request headers, "Name: value" each, NULL-terminated (borrowed, may
     * be NULL), e.g. the agent token in X-Armortop-Authorization */
    const char *const *headers;
    /* limits */
    long timeout_ms;       /* whole transfer; 0 = none (watches) */
    long idle_timeout_ms;  /* fail with KERR_TIMEOUT after this long below 1 byte/s (libcurl
                            * averages speed, so it can fire ~2 s late); 0 = none */
    size_t max_body_len;   /* buffered body / single streamed line; 0 = unlimited */
    volatile bool *cancel; /* polled at least once a second; may be NULL */
    int64_t deadline_ms;   /* http_now_ms() clock; 0 = none */
    /* where the body goes */
    struct strbuf *body;  /* required: receives the whole body in buffered mode
                           * (line_fn NULL) and the body of non-2xx responses in
                           * streaming mode; reset first */
    http_line_fn line_fn; /* non-NULL = streaming mode for 2xx responses */
    void *line_ud;
    /* out, may be NULL: the response's Retry-After in seconds (either form), 0 = none */
    long *retry_after_s;
};

/* Perform one request. Blocks on the network. On a completed response returns 0
 * and sets *status (any HTTP status: the caller judges it). Transport errors
 * return a negative KERR_* with err->msg set (err->where untouched):
 * KERR_CONNECT (refused, unreachable, DNS), KERR_TLS (handshake, verification,
 * bad certificate), KERR_TIMEOUT, KERR_TRUNCATED (body shorter than announced
 * or cut mid-body), KERR_IO (no response, reset), KERR_TOOBIG (body or line
 * above max_body_len), KERR_CANCELLED (*cancel became true or deadline_ms
 * passed), or the line callback's own code. */
int http_perform(struct http_client *hc, const struct http_request *req, long *status,
                 struct kerr *err);

/* Monotonic milliseconds, for deadline_ms. */
int64_t http_now_ms(void);

/* Append s to sb percent-encoded for a URL query value or path segment: every
 * byte except the RFC 3986 unreserved set A-Z a-z 0-9 - . _ ~ becomes %XX. */
void http_append_escaped(struct strbuf *sb, const char *s);

/* A short English reason phrase for an HTTP status ("Unauthorized"); never NULL. */
const char *http_reason_phrase(long status);

#endif
