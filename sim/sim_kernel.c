/*
 * sim_kernel: binary policy reader and the apparmorfs write watcher (see
 * sim_kernel.h). The element format is the kernel's (policy_unpack.c): an
 * optional AA_NAME (u16 length, NUL-terminated name) before a typed value.
 */
#include "config.h"
#include "sim_kernel.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

#include "aafs.h"
#include "xalloc.h"

enum {
    AA_U8 = 0,
    AA_U16 = 1,
    AA_U32 = 2,
    AA_U64 = 3,
    AA_NAME = 4,
    AA_STRING = 5,
    AA_BLOB = 6,
    AA_STRUCT = 7,
    AA_STRUCTEND = 8,
    AA_LIST = 9,
    AA_LISTEND = 10,
    AA_ARRAY = 11,
    AA_ARRAYEND = 12,
};

#define FORCE_COMPLAIN_FLAG 0x800
#define MAX_BLOB (64u * 1024 * 1024)
#define MAX_DEPTH 64

void sim_sha256_hex(const void *data, size_t len, char out[65])
{
    unsigned char d[32];
    static const char hx[] = "0123456789abcdef";
    if (gnutls_hash_fast(GNUTLS_DIG_SHA256, data, len, d) != 0)
        memset(d, 0, sizeof d);
    for (size_t i = 0; i < 32; i++) {
        out[2 * i] = hx[d[i] >> 4];
        out[2 * i + 1] = hx[d[i] & 15];
    }
    out[64] = '\0';
}

struct elem {
    const char *name; /* NULL when unnamed; points into the blob (NUL-terminated there) */
    uint8_t type;
    uint64_t num;          /* U8..U64 value, ARRAY count */
    const uint8_t *data;   /* STRING/BLOB bytes */
    size_t dlen;
};

struct rd {
    const uint8_t *b;
    size_t len, pos;
};

static bool need(const struct rd *r, size_t n)
{
    return r->len - r->pos >= n;
}

static uint16_t le16(const uint8_t *p)
{
    return (uint16_t)(p[0] | (p[1] << 8));
}

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

/* Next element; 0, -1 (unknown type or malformed) or -2 (the data ends inside it). */
static int next_elem(struct rd *r, struct elem *e)
{
    memset(e, 0, sizeof *e);
    if (!need(r, 1))
        return -2;
    if (r->b[r->pos] == AA_NAME) {
        if (!need(r, 3))
            return -2;
        uint16_t n = le16(r->b + r->pos + 1);
        r->pos += 3;
        if (!need(r, n))
            return -2;
        if (n == 0 || r->b[r->pos + n - 1] != '\0' || memchr(r->b + r->pos, '\0', n - 1))
            return -1;
        e->name = (const char *)(r->b + r->pos);
        r->pos += n;
        if (!need(r, 1))
            return -2;
    }
    e->type = r->b[r->pos++];
    switch (e->type) {
    case AA_U8:
        if (!need(r, 1))
            return -2;
        e->num = r->b[r->pos];
        r->pos += 1;
        break;
    case AA_U16:
        if (!need(r, 2))
            return -2;
        e->num = le16(r->b + r->pos);
        r->pos += 2;
        break;
    case AA_U32:
        if (!need(r, 4))
            return -2;
        e->num = le32(r->b + r->pos);
        r->pos += 4;
        break;
    case AA_U64:
        if (!need(r, 8))
            return -2;
        e->num = le32(r->b + r->pos) | ((uint64_t)le32(r->b + r->pos + 4) << 32);
        r->pos += 8;
        break;
    case AA_STRING: {
        if (!need(r, 2))
            return -2;
        uint16_t n = le16(r->b + r->pos);
        r->pos += 2;
        if (!need(r, n))
            return -2;
        e->data = r->b + r->pos;
        e->dlen = n;
        r->pos += n;
        break;
    }
    case AA_BLOB: {
        if (!need(r, 4))
            return -2;
        uint32_t n = le32(r->b + r->pos);
        r->pos += 4;
        if (!need(r, n))
            return -2;
        e->data = r->b + r->pos;
        e->dlen = n;
        r->pos += n;
        break;
    }
    case AA_ARRAY:
        if (!need(r, 2))
            return -2;
        e->num = le16(r->b + r->pos);
        r->pos += 2;
        break;
    case AA_STRUCT:
    case AA_STRUCTEND:
    case AA_LIST:
    case AA_LISTEND:
    case AA_ARRAYEND:
        break;
    default:
        return -1;
    }
    return 0;
}

static bool is_cstring(const struct elem *e)
{
    return e->type == AA_STRING && e->dlen >= 2 && e->data[e->dlen - 1] == '\0' &&
           !memchr(e->data, '\0', e->dlen - 1);
}

static const char *mode_name(uint64_t m)
{
    switch (m) {
    case 0:
        return "enforce";
    case 1:
        return "complain";
    case 2:
        return "kill";
    case 3:
        return "unconfined";
    case 4:
        return "user";
    default:
        return NULL;
    }
}

static int fail(char *err, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, len, fmt, ap);
    va_end(ap);
    return -1;
}

void sim_policy_free(struct sim_policy_profile *p, int n)
{
    for (int i = 0; i < n; i++)
        free(p[i].name);
    free(p);
}

int sim_policy_parse(const uint8_t *buf, size_t len, struct sim_policy_profile **out, char *err,
                     size_t err_len)
{
    struct rd r = {.b = buf, .len = len};
    struct sim_policy_profile *v = NULL;
    int n = 0;
    uint32_t version = 0;
    bool has_version = false;
    int erc = 0;
    *out = NULL;
    while (r.pos < r.len) {
        size_t start = r.pos;
        struct elem e;
        char *ns = NULL;
        if ((erc = next_elem(&r, &e)) != 0)
            goto bad_elem;
        if (e.name && strcmp(e.name, "version") == 0) {
            if (e.type != AA_U32)
                goto bad_header;
            version = (uint32_t)e.num;
            has_version = true;
            if ((version & 0x3ff) < 5 || (version & 0x3ff) > 9) {
                fail(err, err_len, "unsupported policy ABI version %u", version & 0x3ff);
                goto error;
            }
            if ((erc = next_elem(&r, &e)) != 0)
                goto bad_elem;
            if (e.name && strcmp(e.name, "namespace") == 0) {
                if (!is_cstring(&e))
                    goto bad_header;
                ns = xstrdup((const char *)e.data);
                if ((erc = next_elem(&r, &e)) != 0) {
                    free(ns);
                    goto bad_elem;
                }
            }
        }
        if (!has_version) {
            fail(err, err_len, "missing policy version header");
            goto error;
        }
        if (!e.name || strcmp(e.name, "profile") != 0 || e.type != AA_STRUCT) {
            free(ns);
            fail(err, err_len, "expected a profile struct at offset %zu", start);
            goto error;
        }
        if ((erc = next_elem(&r, &e)) != 0 || e.name || !is_cstring(&e)) {
            free(ns);
            fail(err, err_len, "profile without a name at offset %zu", start);
            goto error;
        }
        const char *pname = (const char *)e.data;
        const char *mode = (version & FORCE_COMPLAIN_FLAG) ? "complain" : "enforce";
        int depth = 1, flags_depth = -1, flags_idx = 0;
        while (depth > 0) {
            if ((erc = next_elem(&r, &e)) != 0) {
                free(ns);
                goto bad_elem;
            }
            switch (e.type) {
            case AA_STRUCT:
            case AA_LIST:
            case AA_ARRAY:
                if (e.type == AA_STRUCT && depth == 1 && e.name && strcmp(e.name, "flags") == 0) {
                    flags_depth = depth + 1;
                    flags_idx = 0;
                }
                if (++depth > MAX_DEPTH) {
                    free(ns);
                    fail(err, err_len, "policy nested too deep");
                    goto error;
                }
                break;
            case AA_STRUCTEND:
            case AA_LISTEND:
            case AA_ARRAYEND:
                if (depth == flags_depth)
                    flags_depth = -1;
                depth--;
                break;
            case AA_U32:
                if (depth == flags_depth) {
                    if (flags_idx == 1 && !(version & FORCE_COMPLAIN_FLAG)) {
                        mode = mode_name(e.num);
                        if (!mode) {
                            free(ns);
                            fail(err, err_len, "unknown profile mode %llu",
                                 (unsigned long long)e.num);
                            goto error;
                        }
                    }
                    flags_idx++;
                }
                break;
            default:
                break;
            }
        }
        v = xreallocarray(v, (size_t)n + 1, sizeof *v);
        if (ns && pname[0] != ':')
            v[n].name = xasprintf(":%s:%s", ns, pname);
        else
            v[n].name = xstrdup(pname);
        v[n].mode = mode;
        sim_sha256_hex(buf + start, r.pos - start, v[n].sha256);
        n++;
        free(ns);
    }
    if (n == 0) {
        fail(err, err_len, "empty policy");
        goto error;
    }
    *out = v;
    return n;
bad_header:
    fail(err, err_len, "malformed policy header");
    goto error;
bad_elem:
    fail(err, err_len, "%s element at offset %zu", erc == -2 ? "truncated" : "unknown",
         r.pos);
error:
    sim_policy_free(v, n);
    return erc == -2 ? -2 : -1;
}

/* ---- watcher ------------------------------------------------------------------------------ */

/* The interface files are FIFOs that this thread keeps open for reading: every
 * write() a loader makes is consumed, in order, even when several come back to
 * back (a regular file would let a second write overwrite the first before it is
 * seen). A burst is processed once no byte arrived for QUIET_MS; an incomplete
 * blob or name waits up to INCOMPLETE_MS for the rest. */
#define QUIET_MS 20
#define INCOMPLETE_MS 1000

enum iface { IF_REPLACE, IF_LOAD, IF_REMOVE, IF__COUNT };
static const char *const iface_names[] = {".replace", ".load", ".remove"};

struct kfifo {
    int fd;
    uint8_t *buf;
    size_t len, cap;
    double last; /* monotonic time of the last byte */
    bool is_incomplete; /* processed once already: waits for more */
};

struct kdir {
    char *dir;
    struct kfifo f[IF__COUNT];
};

struct sim_kernel {
    struct kdir *dirs;
    size_t count;
    int stop_pipe[2];
    pthread_t thread;
    bool is_started, is_verbose;
    atomic_ulong loads, removes, rejected;
    sim_kernel_change_fn fn;
    void *fn_ctx;
};

static double mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct sim_kernel *sim_kernel_new(bool is_verbose)
{
    struct sim_kernel *k = xcalloc(1, sizeof *k);
    k->is_verbose = is_verbose;
    if (pipe2(k->stop_pipe, O_CLOEXEC | O_NONBLOCK) != 0) {
        free(k);
        return NULL;
    }
    return k;
}

int sim_kernel_add(struct sim_kernel *k, const char *dir)
{
    struct kdir d;
    memset(&d, 0, sizeof d);
    for (int i = 0; i < IF__COUNT; i++)
        d.f[i].fd = -1;
    for (int i = 0; i < IF__COUNT; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, iface_names[i]);
        struct stat st;
        if (lstat(path, &st) == 0 && !S_ISFIFO(st.st_mode))
            unlink(path);
        if (mkfifo(path, 0666) != 0 && errno != EEXIST)
            goto fail;
        chmod(path, 0666);
        /* O_RDWR: the open never blocks and the FIFO never reports EOF. */
        d.f[i].fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
        if (d.f[i].fd < 0)
            goto fail;
    }
    d.dir = xstrdup(dir);
    k->dirs = xreallocarray(k->dirs, k->count + 1, sizeof *k->dirs);
    k->dirs[k->count++] = d;
    return 0;
fail:;
    int e = errno;
    for (int i = 0; i < IF__COUNT; i++)
        if (d.f[i].fd >= 0)
            close(d.f[i].fd);
    errno = e;
    return -1;
}

void sim_kernel_on_change(struct sim_kernel *k, sim_kernel_change_fn fn, void *ctx)
{
    k->fn = fn;
    k->fn_ctx = ctx;
}

/* Apply a burst written to .replace/.load; returns false when it is incomplete and
 * should wait for more (unless is_final). */
static bool handle_load(struct sim_kernel *k, const char *dir, const char *file,
                        const uint8_t *b, size_t len, bool is_final)
{
    struct sim_policy_profile *pp = NULL;
    char err[256];
    int n = sim_policy_parse(b, len, &pp, err, sizeof err);
    if (n == -2 && !is_final)
        return false;
    if (n < 0) {
        fprintf(stderr, "armortop-sim: %s/%s: policy rejected (EPROTO): %s\n", dir, file, err);
        atomic_fetch_add(&k->rejected, 1);
        return true;
    }
    for (int i = 0; i < n; i++) {
        int rc = aafs_write_fake_profile(dir, pp[i].name, pp[i].mode, pp[i].sha256);
        if (rc != 0) {
            fprintf(stderr, "armortop-sim: %s: cannot load profile %s (%d)\n", dir, pp[i].name, rc);
            atomic_fetch_add(&k->rejected, 1);
            continue;
        }
        atomic_fetch_add(&k->loads, 1);
        if (k->is_verbose)
            fprintf(stderr, "armortop-sim: %s: loaded %s (%s)\n", dir, pp[i].name, pp[i].mode);
        if (k->fn)
            k->fn(k->fn_ctx, dir, pp[i].name, pp[i].mode);
    }
    sim_policy_free(pp, n);
    return true;
}

static void remove_one(struct sim_kernel *k, const char *dir, char *name)
{
    size_t n = strlen(name);
    while (n && name[n - 1] == '\n')
        name[--n] = '\0';
    if (!n)
        return;
    int rc = aafs_remove_fake_profile(dir, name);
    if (rc != 0) {
        fprintf(stderr, "armortop-sim: %s/.remove: cannot remove '%s' (%d)\n", dir, name, rc);
        atomic_fetch_add(&k->rejected, 1);
        return;
    }
    atomic_fetch_add(&k->removes, 1);
    if (k->is_verbose)
        fprintf(stderr, "armortop-sim: %s: removed %s\n", dir, name);
    if (k->fn)
        k->fn(k->fn_ctx, dir, name, NULL);
}

/* Names are NUL-terminated; a trailing one without NUL waits unless is_final.
 * Returns the bytes consumed. */
static size_t handle_remove(struct sim_kernel *k, const char *dir, uint8_t *b, size_t len,
                            bool is_final)
{
    size_t off = 0;
    while (off < len) {
        uint8_t *nul = memchr(b + off, '\0', len - off);
        if (!nul && !is_final)
            break;
        size_t end = nul ? (size_t)(nul - b) : len;
        char *name = xstrndup((const char *)b + off, end - off);
        remove_one(k, dir, name);
        free(name);
        off = nul ? end + 1 : len;
    }
    return off;
}

static void drain(struct kfifo *f)
{
    for (;;) {
        if (f->cap - f->len < 65536) {
            if (f->cap > MAX_BLOB) { /* a flood: drop it */
                f->len = 0;
            } else {
                f->cap = f->cap ? f->cap * 2 : 131072;
                f->buf = xrealloc(f->buf, f->cap);
            }
        }
        ssize_t r = read(f->fd, f->buf + f->len, f->cap - f->len);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        f->len += (size_t)r;
        f->last = mono();
        f->is_incomplete = false;
    }
}

static void process(struct sim_kernel *k, struct kdir *d, int which, bool is_final)
{
    struct kfifo *f = &d->f[which];
    if (!f->len)
        return;
    if (which == IF_REMOVE) {
        size_t used = handle_remove(k, d->dir, f->buf, f->len, is_final);
        memmove(f->buf, f->buf + used, f->len - used);
        f->len -= used;
    } else if (handle_load(k, d->dir, iface_names[which], f->buf, f->len, is_final)) {
        f->len = 0;
    }
}

static void *kernel_thread(void *arg)
{
    struct sim_kernel *k = arg;
    size_t nfds = k->count * IF__COUNT + 1;
    struct pollfd *pf = xcalloc(nfds, sizeof *pf);
    for (;;) {
        int timeout = -1;
        double now = mono();
        for (size_t i = 0; i < k->count; i++)
            for (int j = 0; j < IF__COUNT; j++) {
                struct kfifo *f = &k->dirs[i].f[j];
                pf[i * IF__COUNT + (size_t)j] = (struct pollfd){.fd = f->fd, .events = POLLIN};
                if (f->len) {
                    double wait = (f->is_incomplete ? INCOMPLETE_MS : QUIET_MS) / 1000.0;
                    int ms = (int)((f->last + wait - now) * 1000) + 1;
                    if (ms < 1)
                        ms = 1;
                    if (timeout < 0 || ms < timeout)
                        timeout = ms;
                }
            }
        pf[nfds - 1] = (struct pollfd){.fd = k->stop_pipe[0], .events = POLLIN};
        if (poll(pf, nfds, timeout) < 0 && errno != EINTR)
            break;
        if (pf[nfds - 1].revents)
            break;
        now = mono();
        for (size_t i = 0; i < k->count; i++)
            for (int j = 0; j < IF__COUNT; j++) {
                struct kfifo *f = &k->dirs[i].f[j];
                if (pf[i * IF__COUNT + (size_t)j].revents & POLLIN)
                    drain(f);
                if (f->len && now - f->last >= QUIET_MS / 1000.0) {
                    process(k, &k->dirs[i], j, now - f->last >= INCOMPLETE_MS / 1000.0);
                    f->is_incomplete = f->len > 0;
                }
            }
    }
    free(pf);
    return NULL;
}

int sim_kernel_start(struct sim_kernel *k)
{
    if (pthread_create(&k->thread, NULL, kernel_thread, k) != 0)
        return -1;
    k->is_started = true;
    return 0;
}

void sim_kernel_counts(struct sim_kernel *k, unsigned long *loads, unsigned long *removes,
                       unsigned long *rejected)
{
    *loads = atomic_load(&k->loads);
    *removes = atomic_load(&k->removes);
    *rejected = atomic_load(&k->rejected);
}

void sim_kernel_free(struct sim_kernel **pk)
{
    struct sim_kernel *k = *pk;
    if (!k)
        return;
    if (k->is_started) {
        ssize_t w = write(k->stop_pipe[1], "x", 1);
        (void)w;
        pthread_join(k->thread, NULL);
    }
    close(k->stop_pipe[0]);
    close(k->stop_pipe[1]);
    for (size_t i = 0; i < k->count; i++) {
        for (int j = 0; j < IF__COUNT; j++) {
            close(k->dirs[i].f[j].fd);
            free(k->dirs[i].f[j].buf);
        }
        free(k->dirs[i].dir);
    }
    free(k->dirs);
    free(k);
    *pk = NULL;
}
