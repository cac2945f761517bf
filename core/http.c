/*
 * http: the libcurl layer of core (see http.h). The only file in the tree that
 * includes curl/curl.h; curl handles never leave it.
 *
 * A client is a CURLSH (DNS cache and TLS sessions, locked with pthread
 * mutexes so several threads may use it) plus a pool of idle easy handles
 * that requests borrow and return; each handle keeps its own connections,
 * so a thread that borrows one reuses them. Connections are deliberately not
 * in the share: libcurl does not support sharing its connection cache between
 * concurrent threads (CURLSHOPT_SHARE(3)), and doing so was a use-after-free
 * inside curl_easy_perform that valgrind caught under the agent fan-out.
 * Every request starts from curl_easy_reset(), which keeps the live
 * connections, so nothing (headers, credentials) leaks from one request to
 * the next.
 *
 * tls-server-name: libcurl 7.88 has no option to verify a certificate against
 * a name other than the URL host. We use the documented CONNECT_TO trick: the
 * URL host is replaced by the server name (so SNI and verification use it) and
 * CURLOPT_CONNECT_TO routes the connection to the real host:port. The Host
 * header then carries the server name, which the kube-apiserver ignores.
 *
 * Depends on libc, pthreads, libcurl, core/strbuf, kerr, xalloc, log. Never
 * prints, never exits.
 */
#include "config.h"
#include "http.h"

#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "log.h"
#include "xalloc.h"

/* Idle handles kept per client: at least the agent poller's threads (16). */
#define HTTP_IDLE_MAX 32

struct http_client {
    CURLSH *share;
    pthread_mutex_t share_locks[CURL_LOCK_DATA_LAST];
    pthread_mutex_t idle_lock;
    CURL *idle[HTTP_IDLE_MAX]; /* returned easy handles, each with its connections */
    size_t idle_count;
    char *ca_file;
    char *ca_pem;
    size_t ca_pem_len;
    char *cert_file;
    char *cert_pem;
    size_t cert_pem_len;
    char *key_file;
    char *key_pem;
    size_t key_pem_len;
    bool is_insecure;
    char *tls_server_name;
    char *proxy_url;
    char *user_agent;
    long connect_timeout_ms;
};

/* Per-transfer state shared with the callbacks. */
struct xfer {
    const struct http_request *req;
    CURL *easy;
    bool has_status;
    bool is_streaming;   /* 2xx in streaming mode: lines go to line_fn */
    struct strbuf line;  /* the partial line (streaming) */
    size_t received_len; /* body bytes seen */
    int cb_rc;           /* line callback's non-zero result */
    bool is_too_big;
    bool is_line_too_big;
    bool is_cancelled;
};

static pthread_once_t global_once = PTHREAD_ONCE_INIT;
static CURLcode global_rc = CURLE_OK;

static void global_init(void)
{
    global_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

int64_t http_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void http_append_escaped(struct strbuf *sb, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)s; p && *p; p++) {
        unsigned char ch = *p;
        if ((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
            ch == '-' || ch == '.' || ch == '_' || ch == '~') {
            strbuf_putc(sb, (char)ch);
        } else {
            char enc[3] = {'%', hex[ch >> 4], hex[ch & 15]};
            strbuf_append(sb, enc, sizeof enc);
        }
    }
}

const char *http_reason_phrase(long status)
{
    switch (status) {
    case 200:
        return "OK";
    case 201:
        return "Created";
    case 204:
        return "No Content";
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 406:
        return "Not Acceptable";
    case 409:
        return "Conflict";
    case 410:
        return "Gone";
    case 413:
        return "Payload Too Large";
    case 415:
        return "Unsupported Media Type";
    case 422:
        return "Unprocessable Entity";
    case 429:
        return "Too Many Requests";
    case 500:
        return "Internal Server Error";
    case 501:
        return "Not Implemented";
    case 502:
        return "Bad Gateway";
    case 503:
        return "Service Unavailable";
    case 504:
        return "Gateway Timeout";
    default:
        break;
    }
    if (status >= 500)
        return "server error";
    if (status >= 400)
        return "client error";
    if (status >= 300)
        return "redirect (not followed)";
    return "unexpected status";
}

/* ---- share locking --------------------------------------------------------- */

static void share_lock(CURL *easy, curl_lock_data data, curl_lock_access access, void *ud)
{
    (void)easy;
    (void)access;
    struct http_client *hc = ud;
    if ((int)data >= 0 && data < CURL_LOCK_DATA_LAST)
        pthread_mutex_lock(&hc->share_locks[data]);
}

static void share_unlock(CURL *easy, curl_lock_data data, void *ud)
{
    (void)easy;
    struct http_client *hc = ud;
    if ((int)data >= 0 && data < CURL_LOCK_DATA_LAST)
        pthread_mutex_unlock(&hc->share_locks[data]);
}

static char *dup_blob(const char *p, size_t len)
{
    if (!p || !len)
        return NULL;
    char *d = xmalloc(len + 1);
    memcpy(d, p, len);
    d[len] = '\0';
    return d;
}

int http_client_new(const struct http_client_opts *opts, struct http_client **out, struct kerr *err)
{
    int rc = 0;
    struct http_client *hc = NULL;
    *out = NULL;

    pthread_once(&global_once, global_init);
    if (global_rc != CURLE_OK) {
        rc = kerr_set(err, KERR_NOMEM, "libcurl initialisation failed: %s",
                      curl_easy_strerror(global_rc));
        goto out;
    }

    hc = xcalloc(1, sizeof *hc);
    for (int i = 0; i < CURL_LOCK_DATA_LAST; i++)
        pthread_mutex_init(&hc->share_locks[i], NULL);
    pthread_mutex_init(&hc->idle_lock, NULL);
    hc->ca_file = xstrdup_or_null(opts->ca_file);
    hc->ca_pem = dup_blob(opts->ca_pem, opts->ca_pem_len);
    hc->ca_pem_len = hc->ca_pem ? opts->ca_pem_len : 0;
    hc->cert_file = xstrdup_or_null(opts->client_cert_file);
    hc->cert_pem = dup_blob(opts->client_cert_pem, opts->client_cert_pem_len);
    hc->cert_pem_len = hc->cert_pem ? opts->client_cert_pem_len : 0;
    hc->key_file = xstrdup_or_null(opts->client_key_file);
    hc->key_pem = dup_blob(opts->client_key_pem, opts->client_key_pem_len);
    hc->key_pem_len = hc->key_pem ? opts->client_key_pem_len : 0;
    hc->is_insecure = opts->is_insecure;
    hc->tls_server_name =
        opts->tls_server_name && *opts->tls_server_name ? xstrdup(opts->tls_server_name) : NULL;
    hc->proxy_url = opts->proxy_url && *opts->proxy_url ? xstrdup(opts->proxy_url) : NULL;
    hc->user_agent =
        opts->user_agent ? xstrdup(opts->user_agent) : xstrdup("armortop/" ARMORTOP_VERSION);
    hc->connect_timeout_ms = opts->connect_timeout_ms > 0 ? opts->connect_timeout_ms : 5000;

    hc->share = curl_share_init();
    if (!hc->share) {
        rc = kerr_set(err, KERR_NOMEM, "curl_share_init failed");
        goto out;
    }
    curl_share_setopt(hc->share, CURLSHOPT_LOCKFUNC, share_lock);
    curl_share_setopt(hc->share, CURLSHOPT_UNLOCKFUNC, share_unlock);
    curl_share_setopt(hc->share, CURLSHOPT_USERDATA, hc);
    curl_share_setopt(hc->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
    curl_share_setopt(hc->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);

    hc->idle[0] = curl_easy_init();
    if (!hc->idle[0]) {
        rc = kerr_set(err, KERR_NOMEM, "curl_easy_init failed");
        goto out;
    }
    hc->idle_count = 1;
    *out = hc;
    hc = NULL;
out:
    http_client_free(&hc);
    return rc;
}

void http_client_free(struct http_client **hcp)
{
    if (!hcp || !*hcp)
        return;
    struct http_client *hc = *hcp;
    for (size_t i = 0; i < hc->idle_count; i++)
        curl_easy_cleanup(hc->idle[i]);
    if (hc->share)
        curl_share_cleanup(hc->share);
    for (int i = 0; i < CURL_LOCK_DATA_LAST; i++)
        pthread_mutex_destroy(&hc->share_locks[i]);
    pthread_mutex_destroy(&hc->idle_lock);
    free(hc->ca_file);
    free(hc->ca_pem);
    free(hc->cert_file);
    free(hc->cert_pem);
    free(hc->key_file);
    free(hc->key_pem);
    free(hc->tls_server_name);
    free(hc->proxy_url);
    free(hc->user_agent);
    free(hc);
    *hcp = NULL;
}

/* Borrow an idle handle (the most recently returned: its connections are the
 * likeliest alive), or make a new one. */
static CURL *handle_get(struct http_client *hc)
{
    pthread_mutex_lock(&hc->idle_lock);
    CURL *easy = hc->idle_count ? hc->idle[--hc->idle_count] : NULL;
    pthread_mutex_unlock(&hc->idle_lock);
    if (!easy)
        easy = curl_easy_init();
    return easy;
}

static void handle_put(struct http_client *hc, CURL *easy)
{
    if (!easy)
        return;
    curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, NULL);
    pthread_mutex_lock(&hc->idle_lock);
    if (hc->idle_count < HTTP_IDLE_MAX) {
        hc->idle[hc->idle_count++] = easy;
        easy = NULL;
    }
    pthread_mutex_unlock(&hc->idle_lock);
    if (easy)
        curl_easy_cleanup(easy);
}

/* ---- callbacks -------------------------------------------------------------- */

static void check_status(struct xfer *x)
{
    if (x->has_status)
        return;
    long status = 0;
    curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &status);
    x->has_status = true;
    x->is_streaming = x->req->line_fn && status >= 200 && status < 300;
}

/* Deliver one line (without its '\n'); returns 0 to go on, non-zero to abort. */
static int deliver_line(struct xfer *x, const char *s, size_t len)
{
    if (len && s[len - 1] == '\r')
        len--;
    if (!len)
        return 0;
    int rc = x->req->line_fn(x->req->line_ud, s, len);
    if (rc != 0)
        x->cb_rc = rc;
    return rc;
}

static size_t write_cb(char *ptr, size_t size, size_t nmemb, void *ud)
{
    struct xfer *x = ud;
    size_t n = size * nmemb;
    size_t max = x->req->max_body_len;

    check_status(x);
    x->received_len += n;
    if (!x->is_streaming) {
        if (max && x->req->body->len + n > max) {
            x->is_too_big = true;
            return 0;
        }
        strbuf_append(x->req->body, ptr, n);
        return n;
    }

    const char *p = ptr;
    const char *end = ptr + n;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t seg = nl ? (size_t)(nl - p) : (size_t)(end - p);
        if (max && x->line.len + seg > max) {
            x->is_line_too_big = true;
            return 0;
        }
        if (!nl) {
            strbuf_append(&x->line, p, seg);
            break;
        }
        int rc;
        if (x->line.len == 0) {
            rc = deliver_line(x, p, seg); /* whole line inside this chunk: no copy */
        } else {
            strbuf_append(&x->line, p, seg);
            rc = deliver_line(x, x->line.buf, x->line.len);
            strbuf_reset(&x->line);
        }
        if (rc != 0)
            return 0;
        p = nl + 1;
    }
    return n;
}

static int xferinfo_cb(void *ud, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                       curl_off_t ulnow)
{
    (void)dltotal;
    (void)dlnow;
    (void)ultotal;
    (void)ulnow;
    struct xfer *x = ud;
    if ((x->req->cancel && *x->req->cancel) ||
        (x->req->deadline_ms && http_now_ms() >= x->req->deadline_ms)) {
        x->is_cancelled = true;
        return 1;
    }
    return 0;
}

/* ---- request set-up --------------------------------------------------------- */

/* With tls_server_name: rewrite the URL host and build the CONNECT_TO entry. */
static int apply_server_name(struct http_client *hc, const char *url, char **url_out,
                             struct curl_slist **connect_to, struct kerr *err)
{
    int rc = 0;
    CURLU *u = curl_url();
    char *scheme = NULL, *host = NULL, *port = NULL, *newurl = NULL;
    *url_out = NULL;

    if (!u) {
        rc = kerr_set(err, KERR_NOMEM, "curl_url failed");
        goto out;
    }
    if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) != CURLUE_OK) {
        rc = kerr_set(err, KERR_INVAL, "cannot parse URL %s", url);
        goto out;
    }
    if (strcmp(scheme, "https") != 0)
        goto out; /* only TLS cares about the name */
    if (curl_url_set(u, CURLUPART_HOST, hc->tls_server_name, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_URL, &newurl, 0) != CURLUE_OK) {
        rc = kerr_set(err, KERR_CONFIG, "bad tls-server-name %s", hc->tls_server_name);
        goto out;
    }
    /* CURLUPART_HOST keeps IPv6 brackets, which CONNECT_TO wants too. */
    char *entry = xasprintf("%s:%s:%s:%s", hc->tls_server_name, port, host, port);
    struct curl_slist *l = curl_slist_append(NULL, entry);
    free(entry);
    if (!l) {
        rc = kerr_set(err, KERR_NOMEM, "out of memory");
        goto out;
    }
    *connect_to = l;
    *url_out = xstrdup(newurl);
out:
    curl_free(newurl);
    curl_free(port);
    curl_free(host);
    curl_free(scheme);
    curl_url_cleanup(u);
    return rc;
}

static void set_blob(CURL *easy, CURLoption opt, const char *data, size_t len)
{
    struct curl_blob blob = {.data = (void *)data, .len = len, .flags = CURL_BLOB_COPY};
    curl_easy_setopt(easy, opt, &blob);
}

static void setup_tls(struct http_client *hc, CURL *easy, const struct http_request *req)
{
    if (hc->is_insecure) {
        curl_easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, 0L);
    } else if (hc->ca_pem) {
        /* Trust exactly this CA, not also the system store in CAPATH. */
        set_blob(easy, CURLOPT_CAINFO_BLOB, hc->ca_pem, hc->ca_pem_len);
        curl_easy_setopt(easy, CURLOPT_CAPATH, NULL);
    } else if (hc->ca_file) {
        curl_easy_setopt(easy, CURLOPT_CAINFO, hc->ca_file);
        curl_easy_setopt(easy, CURLOPT_CAPATH, NULL);
    }

    if (req->client_cert_pem && req->client_key_pem) {
        set_blob(easy, CURLOPT_SSLCERT_BLOB, req->client_cert_pem, req->client_cert_pem_len);
        set_blob(easy, CURLOPT_SSLKEY_BLOB, req->client_key_pem, req->client_key_pem_len);
    } else {
        if (hc->cert_pem)
            set_blob(easy, CURLOPT_SSLCERT_BLOB, hc->cert_pem, hc->cert_pem_len);
        else if (hc->cert_file)
            curl_easy_setopt(easy, CURLOPT_SSLCERT, hc->cert_file);
        if (hc->key_pem)
            set_blob(easy, CURLOPT_SSLKEY_BLOB, hc->key_pem, hc->key_pem_len);
        else if (hc->key_file)
            curl_easy_setopt(easy, CURLOPT_SSLKEY, hc->key_file);
    }
    curl_easy_setopt(easy, CURLOPT_SSLCERTTYPE, "PEM");
    curl_easy_setopt(easy, CURLOPT_SSLKEYTYPE, "PEM");
}

/* ---- result mapping --------------------------------------------------------- */

static int map_curl_error(CURLcode cc, const struct xfer *x, const char *errbuf, struct kerr *err)
{
    const char *detail = errbuf[0] ? errbuf : curl_easy_strerror(cc);
    curl_off_t expected = -1;
    curl_easy_getinfo(x->easy, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &expected);

    switch (cc) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
        return kerr_set(err, KERR_CONNECT, "cannot connect: %s", detail);
    case CURLE_OPERATION_TIMEDOUT:
        if (x->req->idle_timeout_ms && x->has_status)
            return kerr_set(err, KERR_TIMEOUT, "timed out: no data for %ld ms (%s)",
                            x->req->idle_timeout_ms, detail);
        return kerr_set(err, KERR_TIMEOUT, "timed out: %s", detail);
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_SSL_ENGINE_INITFAILED:
    case CURLE_USE_SSL_FAILED:
    case CURLE_SSL_SHUTDOWN_FAILED:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_CLIENTCERT:
        return kerr_set(err, KERR_TLS, "TLS error: %s", detail);
    case CURLE_PARTIAL_FILE:
        if (expected >= 0)
            return kerr_set(err, KERR_TRUNCATED,
                            "response truncated: got %zu of %" CURL_FORMAT_CURL_OFF_T " bytes",
                            x->received_len, expected);
        return kerr_set(err, KERR_TRUNCATED,
                        "response truncated: connection closed after %zu bytes (%s)",
                        x->received_len, detail);
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
        if (x->received_len > 0)
            return kerr_set(err, KERR_TRUNCATED,
                            "response truncated: connection lost after %zu bytes (%s)",
                            x->received_len, detail);
        /* TLS 1.3 reports a refused client certificate as an alert on the first read. */
        if (strstr(detail, "SSL routines") || strstr(detail, " alert "))
            return kerr_set(err, KERR_TLS, "TLS error: %s", detail);
        return kerr_set(err, KERR_IO, "connection lost: %s", detail);
    case CURLE_GOT_NOTHING:
        return kerr_set(err, KERR_IO, "server closed the connection without a response");
    case CURLE_FILESIZE_EXCEEDED:
        return kerr_set(err, KERR_TOOBIG, "response larger than %zu bytes", x->req->max_body_len);
    case CURLE_OUT_OF_MEMORY:
        return kerr_set(err, KERR_NOMEM, "out of memory in libcurl");
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
        return kerr_set(err, KERR_CONFIG, "bad URL: %s", detail);
    default:
        return kerr_set(err, KERR_IO, "%s", detail);
    }
}

int http_perform(struct http_client *hc, const struct http_request *req, long *status,
                 struct kerr *err)
{
    int rc = 0;
    CURL *easy = NULL;
    struct curl_slist *headers = NULL, *connect_to = NULL;
    char *url = NULL, *auth = NULL;
    char errbuf[CURL_ERROR_SIZE] = "";
    struct xfer x = {.req = req};
    strbuf_init(&x.line);
    *status = 0;
    if (req->retry_after_s)
        *req->retry_after_s = 0;
    strbuf_reset(req->body);

    easy = handle_get(hc);
    if (!easy) {
        rc = kerr_set(err, KERR_NOMEM, "curl_easy_init failed");
        goto out;
    }
    x.easy = easy;
    curl_easy_reset(easy);

    if (hc->tls_server_name && (rc = apply_server_name(hc, req->url, &url, &connect_to, err)) < 0)
        goto out;
    curl_easy_setopt(easy, CURLOPT_URL, url ? url : req->url);
    if (connect_to)
        curl_easy_setopt(easy, CURLOPT_CONNECT_TO, connect_to);
    curl_easy_setopt(easy, CURLOPT_SHARE, hc->share);
    curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(easy, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
    curl_easy_setopt(easy, CURLOPT_USERAGENT, hc->user_agent);
    curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, hc->connect_timeout_ms);
    curl_easy_setopt(easy, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(easy, CURLOPT_TCP_KEEPIDLE, 30L);
    curl_easy_setopt(easy, CURLOPT_TCP_KEEPINTVL, 15L);
    if (hc->proxy_url)
        curl_easy_setopt(easy, CURLOPT_PROXY, hc->proxy_url);
    if (req->timeout_ms > 0)
        curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, req->timeout_ms);
    if (req->idle_timeout_ms > 0) {
        long secs = (req->idle_timeout_ms + 999) / 1000;
        curl_easy_setopt(easy, CURLOPT_LOW_SPEED_LIMIT, 1L);
        curl_easy_setopt(easy, CURLOPT_LOW_SPEED_TIME, secs);
    }
    if (req->max_body_len && !req->line_fn)
        curl_easy_setopt(easy, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)req->max_body_len);
    setup_tls(hc, easy, req);

    headers = curl_slist_append(headers, "Accept: application/json");
    if (req->bearer_token && *req->bearer_token) {
        auth = xasprintf("Authorization: Bearer %s", req->bearer_token);
        headers = curl_slist_append(headers, auth);
    } else if (req->username) {
        curl_easy_setopt(easy, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
        curl_easy_setopt(easy, CURLOPT_USERNAME, req->username);
        curl_easy_setopt(easy, CURLOPT_PASSWORD, req->password ? req->password : "");
    }
    for (size_t i = 0; req->headers && req->headers[i]; i++)
        headers = curl_slist_append(headers, req->headers[i]);
    if (req->post_data) {
        char *ct = xasprintf("Content-Type: %s",
                             req->content_type ? req->content_type : "application/json");
        headers = curl_slist_append(headers, ct);
        free(ct);
        curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->post_data_len);
        curl_easy_setopt(easy, CURLOPT_POSTFIELDS, req->post_data);
    }
    if (req->method && strcmp(req->method, "GET") != 0 &&
        !(req->post_data && strcmp(req->method, "POST") == 0))
        curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, req->method);
    if (!headers) {
        rc = kerr_set(err, KERR_NOMEM, "out of memory");
        goto out;
    }
    curl_easy_setopt(easy, CURLOPT_HTTPHEADER, headers);

    curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, write_cb);
    curl_easy_setopt(easy, CURLOPT_WRITEDATA, &x);
    curl_easy_setopt(easy, CURLOPT_XFERINFOFUNCTION, xferinfo_cb);
    curl_easy_setopt(easy, CURLOPT_XFERINFODATA, &x);
    curl_easy_setopt(easy, CURLOPT_NOPROGRESS, 0L);

    CURLcode cc = curl_easy_perform(easy);
    if (cc == CURLE_OK) {
        check_status(&x); /* bodiless responses never reached write_cb */
        curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, status);
        curl_off_t retry_after = 0; /* libcurl parses seconds and HTTP dates alike */
        if (req->retry_after_s && curl_easy_getinfo(easy, CURLINFO_RETRY_AFTER, &retry_after) ==
                                      CURLE_OK && retry_after > 0)
            *req->retry_after_s = retry_after > LONG_MAX ? LONG_MAX : (long)retry_after;
        if (x.is_streaming && x.line.len) {
            /* last line without a final '\n' */
            int lrc = deliver_line(&x, x.line.buf, x.line.len);
            if (lrc < 0)
                rc = lrc;
        }
        goto out;
    }
    curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, status);
    if (cc == CURLE_WRITE_ERROR && x.cb_rc > 0)
        goto out; /* stopped by the line callback: a clean end */
    if (cc == CURLE_WRITE_ERROR && x.cb_rc < 0) {
        rc = x.cb_rc;
        goto out;
    }
    if (cc == CURLE_WRITE_ERROR && x.is_too_big) {
        rc = kerr_set(err, KERR_TOOBIG, "response larger than %zu bytes", req->max_body_len);
        goto out;
    }
    if (cc == CURLE_WRITE_ERROR && x.is_line_too_big) {
        rc = kerr_set(err, KERR_TOOBIG, "streamed line longer than %zu bytes", req->max_body_len);
        goto out;
    }
    if (cc == CURLE_ABORTED_BY_CALLBACK && x.is_cancelled) {
        rc = kerr_set(err, KERR_CANCELLED, "cancelled");
        goto out;
    }
    rc = map_curl_error(cc, &x, errbuf, err);
out:
    if (easy) {
        /* Detach request-owned pointers before the handle is parked. */
        curl_easy_setopt(easy, CURLOPT_HTTPHEADER, NULL);
        curl_easy_setopt(easy, CURLOPT_CONNECT_TO, NULL);
    }
    handle_put(hc, easy);
    curl_slist_free_all(connect_to);
    curl_slist_free_all(headers);
    free(auth);
    free(url);
    strbuf_done(&x.line);
    return rc;
}
