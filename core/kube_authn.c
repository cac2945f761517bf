/*
 * kube_authn: TokenReview / SubjectAccessReview calls, cache keys and the
 * decision cache (see kube_authn.h). The JSON lives in json_authn.c; this file
 * only sends it with kube_client_post() and keeps answers. The cache is a
 * plain array scanned linearly under one mutex: it holds at most a few
 * thousand entries and each lookup is a 32-byte compare, far cheaper than the
 * network call it saves. SHA-256 is implemented here (FIPS 180-4) because core
 * may not depend on a crypto library.
 *
 * Depends on libc, pthreads, kube_client, json_authn.c, strbuf, kerr, xalloc.
 * Never prints; never keeps or logs a raw token.
 */
#include "config.h"
#include "kube_authn.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>

#include "kube_client.h"
#include "strbuf.h"
#include "xalloc.h"

/* ---- SHA-256 ----------------------------------------------------------------- */

struct sha256 {
    uint32_t h[8];
    unsigned char buf[64];
    size_t buf_len;
    uint64_t total_len;
};

static const uint32_t K256[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static uint32_t ror(uint32_t x, int n)
{
    return (x >> n) | (x << (32 - n));
}

static void sha256_block(struct sha256 *s, const unsigned char *p)
{
    uint32_t w[64];
    for (int i = 0; i < 16; i++)
        w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
               (uint32_t)p[4 * i + 2] << 8 | (uint32_t)p[4 * i + 3];
    for (int i = 16; i < 64; i++) {
        uint32_t s0 = ror(w[i - 15], 7) ^ ror(w[i - 15], 18) ^ (w[i - 15] >> 3);
        uint32_t s1 = ror(w[i - 2], 17) ^ ror(w[i - 2], 19) ^ (w[i - 2] >> 10);
        w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    uint32_t a = s->h[0], b = s->h[1], c = s->h[2], d = s->h[3];
    uint32_t e = s->h[4], f = s->h[5], g = s->h[6], h = s->h[7];
    for (int i = 0; i < 64; i++) {
        uint32_t t1 =
            h + (ror(e, 6) ^ ror(e, 11) ^ ror(e, 25)) + ((e & f) ^ (~e & g)) + K256[i] + w[i];
        uint32_t t2 = (ror(a, 2) ^ ror(a, 13) ^ ror(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
        h = g;
        g = f;
        f = e;
        e = d + t1;
        d = c;
        c = b;
        b = a;
        a = t1 + t2;
    }
    s->h[0] += a;
    s->h[1] += b;
    s->h[2] += c;
    s->h[3] += d;
    s->h[4] += e;
    s->h[5] += f;
    s->h[6] += g;
    s->h[7] += h;
    explicit_bzero(w, sizeof w);
}

static void sha256_init(struct sha256 *s)
{
    static const uint32_t iv[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                   0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    memset(s, 0, sizeof *s);
    memcpy(s->h, iv, sizeof iv);
}

static void sha256_update(struct sha256 *s, const void *data, size_t len)
{
    const unsigned char *p = data;
    s->total_len += len;
    while (len > 0) {
        size_t n = 64 - s->buf_len;
        if (n > len)
            n = len;
        memcpy(s->buf + s->buf_len, p, n);
        s->buf_len += n;
        p += n;
        len -= n;
        if (s->buf_len == 64) {
            sha256_block(s, s->buf);
            s->buf_len = 0;
        }
    }
}

static void sha256_final(struct sha256 *s, unsigned char out[32])
{
    uint64_t bits = s->total_len * 8;
    unsigned char pad = 0x80;
    sha256_update(s, &pad, 1);
    pad = 0;
    while (s->buf_len != 56)
        sha256_update(s, &pad, 1);
    unsigned char lenb[8];
    for (int i = 0; i < 8; i++)
        lenb[i] = (unsigned char)(bits >> (56 - 8 * i));
    sha256_update(s, lenb, 8);
    for (int i = 0; i < 8; i++) {
        out[4 * i] = (unsigned char)(s->h[i] >> 24);
        out[4 * i + 1] = (unsigned char)(s->h[i] >> 16);
        out[4 * i + 2] = (unsigned char)(s->h[i] >> 8);
        out[4 * i + 3] = (unsigned char)s->h[i];
    }
    explicit_bzero(s, sizeof *s);
}

void kube_authn_sha256(const void *data, size_t len, unsigned char out[KUBE_AUTHN_KEY_LEN])
{
    struct sha256 s;
    sha256_init(&s);
    sha256_update(&s, data, len);
    sha256_final(&s, out);
}

void kube_authn_token_key(const char *token, const char *const *audiences, size_t audience_count,
                          unsigned char out[KUBE_AUTHN_KEY_LEN])
{
    struct sha256 s;
    sha256_init(&s);
    static const char tag[] = "armortop TokenReview v1";
    sha256_update(&s, tag, sizeof tag); /* NUL included: separates fields */
    for (size_t i = 0; i < audience_count; i++) {
        const char *a = audiences[i] ? audiences[i] : "";
        sha256_update(&s, a, strlen(a) + 1);
    }
    sha256_update(&s, "\n", 1);
    if (token)
        sha256_update(&s, token, strlen(token));
    sha256_final(&s, out);
}

void kube_authn_token_fingerprint(const char *token, char out[13])
{
    unsigned char d[KUBE_AUTHN_KEY_LEN];
    kube_authn_sha256(token ? token : "", token ? strlen(token) : 0, d);
    for (int i = 0; i < 6; i++)
        snprintf(out + 2 * i, 3, "%02x", d[i]);
}

int64_t kube_authn_token_ttl_ms(const char *token, int64_t now_unix_s, int64_t max_ms)
{
    int64_t exp = 0;
    if (json_authn_jwt_expiry(token, &exp) < 0)
        return max_ms;
    if (exp <= now_unix_s)
        return 0;
    int64_t left_ms = (exp - now_unix_s) * 1000;
    return left_ms < max_ms ? left_ms : max_ms;
}

/* ---- network ------------------------------------------------------------------ */

int kube_authn_token_review(struct kube_client *c, const char *token, const char *const *audiences,
                            size_t audience_count, struct kube_token_review *out, struct kerr *err)
{
    struct strbuf resp;
    strbuf_init(&resp);
    memset(out, 0, sizeof *out);
    char *body = json_authn_token_review_request(token, audiences, audience_count);
    int rc = kube_client_post(c, KUBE_AUTHN_TOKEN_REVIEW_PATH, body, &resp, err);
    explicit_bzero(body, strlen(body));
    free(body);
    if (rc == 0) {
        rc = json_authn_token_review_parse(resp.buf, resp.len, out, err);
        if (rc < 0)
            kerr_where(err, "%s", kube_client_server(c));
    }
    strbuf_done(&resp);
    return rc;
}

int kube_authn_access_review(struct kube_client *c, const struct kube_user *user,
                             const struct kube_resource_attributes *ra,
                             struct kube_access_review *out, struct kerr *err)
{
    struct strbuf resp;
    strbuf_init(&resp);
    memset(out, 0, sizeof *out);
    char *body = json_authn_sar_request(user, ra);
    int rc = kube_client_post(c, KUBE_AUTHN_SAR_PATH, body, &resp, err);
    free(body);
    if (rc == 0) {
        rc = json_authn_sar_parse(resp.buf, resp.len, out, err);
        if (rc < 0)
            kerr_where(err, "%s", kube_client_server(c));
    }
    strbuf_done(&resp);
    return rc;
}

/* ---- cache ---------------------------------------------------------------------- */

void kube_authn_decision_done(struct kube_authn_decision *d)
{
    if (!d)
        return;
    kube_user_done(&d->user);
    free(d->reason);
    memset(d, 0, sizeof *d);
}

static void decision_copy(struct kube_authn_decision *dst, const struct kube_authn_decision *src)
{
    dst->is_ok = src->is_ok;
    kube_user_copy(&dst->user, &src->user);
    dst->reason = xstrdup_or_null(src->reason);
}

struct cache_entry {
    unsigned char key[KUBE_AUTHN_KEY_LEN];
    int64_t expires_ms;
    struct kube_authn_decision d;
};

struct kube_authn_cache {
    pthread_mutex_t lock;
    struct cache_entry *entries;
    size_t count;
    size_t max_count;
    kube_authn_clock_fn clock;
    void *clock_ud;
};

static int64_t now_ms(const struct kube_authn_cache *c)
{
    if (c->clock)
        return c->clock(c->clock_ud);
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct kube_authn_cache *kube_authn_cache_new(size_t max_count, kube_authn_clock_fn clock, void *ud)
{
    struct kube_authn_cache *c = xcalloc(1, sizeof *c);
    pthread_mutex_init(&c->lock, NULL);
    c->max_count = max_count ? max_count : 1024;
    c->entries = xcalloc(c->max_count, sizeof *c->entries);
    c->clock = clock;
    c->clock_ud = ud;
    return c;
}

void kube_authn_cache_free(struct kube_authn_cache **cp)
{
    if (!cp || !*cp)
        return;
    struct kube_authn_cache *c = *cp;
    for (size_t i = 0; i < c->count; i++)
        kube_authn_decision_done(&c->entries[i].d);
    free(c->entries);
    pthread_mutex_destroy(&c->lock);
    free(c);
    *cp = NULL;
}

static void remove_at(struct kube_authn_cache *c, size_t i)
{
    kube_authn_decision_done(&c->entries[i].d);
    c->entries[i] = c->entries[--c->count];
    memset(&c->entries[c->count], 0, sizeof c->entries[c->count]);
}

static ssize_t find(const struct kube_authn_cache *c, const unsigned char *key)
{
    for (size_t i = 0; i < c->count; i++)
        if (memcmp(c->entries[i].key, key, KUBE_AUTHN_KEY_LEN) == 0)
            return (ssize_t)i;
    return -1;
}

bool kube_authn_cache_get(struct kube_authn_cache *c, const unsigned char key[KUBE_AUTHN_KEY_LEN],
                          struct kube_authn_decision *out)
{
    bool hit = false;
    memset(out, 0, sizeof *out);
    if (!c)
        return false;
    pthread_mutex_lock(&c->lock);
    int64_t now = now_ms(c);
    ssize_t i = find(c, key);
    if (i >= 0) {
        if (c->entries[i].expires_ms > now) {
            decision_copy(out, &c->entries[i].d);
            hit = true;
        } else {
            remove_at(c, (size_t)i);
        }
    }
    pthread_mutex_unlock(&c->lock);
    return hit;
}

void kube_authn_cache_put(struct kube_authn_cache *c, const unsigned char key[KUBE_AUTHN_KEY_LEN],
                          const struct kube_authn_decision *d, int64_t ttl_ms)
{
    if (!c || !d || ttl_ms <= 0)
        return;
    pthread_mutex_lock(&c->lock);
    int64_t now = now_ms(c);
    ssize_t at = find(c, key);
    if (at >= 0)
        remove_at(c, (size_t)at);
    if (c->count >= c->max_count) {
        for (size_t i = 0; i < c->count;) {
            if (c->entries[i].expires_ms <= now)
                remove_at(c, i);
            else
                i++;
        }
    }
    if (c->count >= c->max_count) {
        size_t oldest = 0;
        for (size_t i = 1; i < c->count; i++)
            if (c->entries[i].expires_ms < c->entries[oldest].expires_ms)
                oldest = i;
        remove_at(c, oldest);
    }
    struct cache_entry *e = &c->entries[c->count++];
    memcpy(e->key, key, KUBE_AUTHN_KEY_LEN);
    e->expires_ms = now + ttl_ms;
    decision_copy(&e->d, d);
    pthread_mutex_unlock(&c->lock);
}

size_t kube_authn_cache_count(struct kube_authn_cache *c)
{
    if (!c)
        return 0;
    pthread_mutex_lock(&c->lock);
    size_t n = c->count;
    pthread_mutex_unlock(&c->lock);
    return n;
}
