/*
 * agent_denials: log follower, ring, summary and attribution (see
 * agent_denials.h). All shared state is guarded by one mutex (lock); the
 * reader thread does its file I/O, parsing and /proc reads outside it and
 * only takes it to publish a record or status. feed_lock, taken first,
 * serialises agent_denials_feed_line() over its scratch and pid cache.
 *
 * Per record (issue 6: the path from log line to served record): the /proc
 * attribution is remembered per pid and comm for a second (attribute()),
 * the time string is arithmetic (record_time()), and the record's JSON is
 * written once, in one pass into one reservation, and kept in the ring in a
 * block of its exact size; /v1/denials copies those bytes after the cursor.
 * Depends on libc, pthread, inotify,
 * xalloc, strbuf, kerr, core/denial, core/procscan, core/aafs, agent_json,
 * agent_log.
 */
#include "config.h"
#include "agent_denials.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "aafs.h"
#include "agent_json.h"
#include "agent_log.h"
#include "denial.h"
#include "kerr.h"
#include "procscan.h"
#include "strbuf.h"
#include "xalloc.h"

#define LINE_MAX_LEN (1024 * 1024)   /* longer lines are cut and counted */
#define SUMMARY_MAX 10000            /* distinct denials kept in the summary */
#define PROFILE_COUNTERS_MAX 1024    /* distinct profiles with their own counter */
/* With an offset file, records read from a file are served only once the
 * offset past their lines is saved (see `visible`): a restart then neither
 * serves them twice nor skips lines written while the agent was down. The
 * save (write + rename, no fsync) runs at most this often, so it also
 * bounds how late a record shows. */
#define OFFSET_SAVE_MS 100
/* After a rotation the old file stays open this long: writers (auditd, a
 * logrotate without copytruncate) may still append to the renamed file. */
#define ROTATE_WAIT_MS 5000
#define ROTATE_POLL_MS 200

/* A string-keyed table of entries with counts; open addressing over indices. */
struct cmap_entry {
    char *key;
    size_t key_len;
    char *fields_json; /* summary: the key fields as a JSON object without its closing brace */
    uint64_t count;
    char first[40];
    char last[40];
};

struct cmap {
    struct cmap_entry *entries;
    size_t count;
    size_t *slots; /* index + 1, 0 = empty */
    size_t slot_count;
};

struct ring_slot {
    uint64_t seq;
    char *json; /* the record without its leading '{' and cursor; exactly json_len + 1 bytes */
    size_t json_len;
};

/* /proc attribution remembered per pid (see attribute()). */
#define PID_CACHE_SIZE 256 /* power of two */
#define PID_CACHE_TTL_MS 1000
struct pid_cache_entry {
    int pid;             /* 0: empty */
    long long until_ms;  /* CLOCK_MONOTONIC_COARSE */
    char comm[32];       /* the record's comm when read ("" when it had none) */
    bool has_pe;
    struct proc_entry pe; /* owned when has_pe */
};

struct agent_denials {
    /* configuration (owned copies) */
    char *node_name;
    enum agent_source_kind kind;
    char *path;
    char *dir;      /* dirname of path */
    char *base;     /* basename of path */
    bool from_start;
    char *offset_file;
    char *proc_dir;
    char *apparmorfs_dir;

    pthread_mutex_t lock;
    /* feed_lock serialises agent_denials_feed_line() (the reader thread, or
     * a test) over its scratch and the pid cache; taken before lock */
    pthread_mutex_t feed_lock;
    struct strbuf scratch_json, scratch_key;
    struct pid_cache_entry *pid_cache; /* PID_CACHE_SIZE, allocated on first use */
    /* ring */
    struct ring_slot *ring;
    size_t ring_size;
    uint64_t head; /* cursor of the newest record, 0 when none */
    uint64_t visible; /* newest cursor served: head, or with an offset file the head
                       * when the offset was last saved */
    /* summary and per-profile counters */
    struct cmap summary;
    uint64_t summary_overflow;
    struct cmap per_profile;
    /* status */
    bool is_healthy;
    char error[300];
    unsigned long long pub_offset;
    uint64_t lines, records, parse_errors, not_apparmor, rotations, truncations, overruns,
        long_lines;
    uint64_t events[DENIAL_EVENT__COUNT];
    unsigned long policy_changes;
    bool has_started;
    bool has_revision;
    unsigned long long last_revision;

    /* reader thread state (only the thread touches these after start) */
    pthread_t thread;
    int stop_fd;
    int in_fd;
    int wd_file, wd_dir, wd_rev;
    int rev_fd;
    bool rev_is_kernel;
    int fd;
    dev_t dev;
    ino_t ino;
    unsigned long long offset; /* bytes consumed (file) or last sequence number (kmsg) */
    struct strbuf partial;
    bool is_skipping_long;
    /* the previous file after a rotation, drained until old_until_ms */
    int old_fd;
    unsigned long long old_offset;
    struct strbuf old_partial;
    bool old_is_skipping_long;
    long long old_until_ms;
    unsigned long long saved_offset;
    long long saved_at_ms;
};

const char *agent_source_kind_name(enum agent_source_kind kind)
{
    switch (kind) {
    case AGENT_SOURCE_AUDITD: return "auditd";
    case AGENT_SOURCE_KMSG: return "kmsg";
    case AGENT_SOURCE_FILE: return "file";
    }
    return "?";
}

static long long mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- cmap ---- */

/* Eight bytes a step (a multiply-xorshift mix; the tables only need spread,
 * not resistance to chosen keys: they are bounded and probe linearly). */
static uint64_t fnv1a(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ULL ^ n;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, s + i, 8);
        h = (h ^ w) * 0x9E3779B97F4A7C15ULL;
        h ^= h >> 29;
    }
    uint64_t w = 0;
    memcpy(&w, s + i, n - i);
    h = (h ^ w) * 0x9E3779B97F4A7C15ULL;
    return h ^ (h >> 32);
}

static void cmap_done(struct cmap *m)
{
    for (size_t i = 0; i < m->count; i++) {
        free(m->entries[i].key);
        free(m->entries[i].fields_json);
    }
    free(m->entries);
    free(m->slots);
    memset(m, 0, sizeof *m);
}

static void cmap_rehash(struct cmap *m, size_t slot_count)
{
    free(m->slots);
    m->slots = xcalloc(slot_count, sizeof *m->slots);
    m->slot_count = slot_count;
    for (size_t i = 0; i < m->count; i++) {
        size_t s = fnv1a(m->entries[i].key, m->entries[i].key_len) & (slot_count - 1);
        while (m->slots[s])
            s = (s + 1) & (slot_count - 1);
        m->slots[s] = i + 1;
    }
}

/* Find key; when absent and the table has fewer than max entries, add it. NULL when full. */
static struct cmap_entry *cmap_get(struct cmap *m, const char *key, size_t key_len, size_t max,
                                   bool *is_new)
{
    *is_new = false;
    if (m->slot_count == 0)
        cmap_rehash(m, 64);
    size_t s = fnv1a(key, key_len) & (m->slot_count - 1);
    while (m->slots[s]) {
        struct cmap_entry *e = &m->entries[m->slots[s] - 1];
        if (e->key_len == key_len && memcmp(e->key, key, key_len) == 0)
            return e;
        s = (s + 1) & (m->slot_count - 1);
    }
    if (m->count >= max)
        return NULL;
    m->entries = xreallocarray(m->entries, m->count + 1, sizeof *m->entries);
    struct cmap_entry *e = &m->entries[m->count];
    memset(e, 0, sizeof *e);
    e->key = xmalloc(key_len + 1);
    memcpy(e->key, key, key_len);
    e->key[key_len] = '\0';
    e->key_len = key_len;
    m->slots[s] = ++m->count;
    *is_new = true;
    if (m->count * 2 > m->slot_count) {
        cmap_rehash(m, m->slot_count * 2);
        /* entries did not move; e still points into entries[] */
    }
    return e;
}

/* ---- lifecycle ---- */

struct agent_denials *agent_denials_new(const struct agent_denials_config *cfg)
{
    struct agent_denials *d = xcalloc(1, sizeof *d);
    d->node_name = xstrdup(cfg->node_name ? cfg->node_name : "");
    d->kind = cfg->kind;
    d->path = xstrdup(cfg->path);
    const char *slash = strrchr(d->path, '/');
    if (slash) {
        d->dir = slash == d->path ? xstrdup("/") : xstrndup(d->path, (size_t)(slash - d->path));
        d->base = xstrdup(slash + 1);
    } else {
        d->dir = xstrdup(".");
        d->base = xstrdup(d->path);
    }
    d->from_start = cfg->from_start;
    d->offset_file = xstrdup_or_null(cfg->offset_file);
    d->proc_dir = xstrdup(cfg->proc_dir ? cfg->proc_dir : "/proc");
    d->apparmorfs_dir = xstrdup_or_null(cfg->apparmorfs_dir);
    d->ring_size = cfg->ring_size ? cfg->ring_size : 1;
    d->ring = xcalloc(d->ring_size, sizeof *d->ring);
    pthread_mutex_init(&d->lock, NULL);
    pthread_mutex_init(&d->feed_lock, NULL);
    strbuf_init(&d->scratch_json);
    strbuf_init(&d->scratch_key);
    d->stop_fd = d->in_fd = d->rev_fd = d->fd = d->old_fd = -1;
    strbuf_init(&d->old_partial);
    d->wd_file = d->wd_dir = d->wd_rev = -1;
    strbuf_init(&d->partial);
    snprintf(d->error, sizeof d->error, "not started");
    return d;
}

static void set_status(struct agent_denials *d, bool healthy, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void set_status(struct agent_denials *d, bool healthy, const char *fmt, ...)
{
    char msg[sizeof d->error] = "";
    if (fmt) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof msg, fmt, ap);
        va_end(ap);
    }
    pthread_mutex_lock(&d->lock);
    bool changed = d->is_healthy != healthy || strcmp(d->error, msg) != 0;
    d->is_healthy = healthy;
    memcpy(d->error, msg, sizeof d->error);
    pthread_mutex_unlock(&d->lock);
    if (changed)
        agent_log(healthy ? CORE_LOG_INFO : CORE_LOG_WARN, "denial source %s: %s", d->path,
                  healthy ? "reading" : d->error);
}

static void publish_offset(struct agent_denials *d)
{
    pthread_mutex_lock(&d->lock);
    d->pub_offset = d->offset;
    pthread_mutex_unlock(&d->lock);
}

/* ---- records ---- */

/* "2024-05-22T09:45:33.123Z" (agent_json_time's bytes) without gmtime and
 * printf: the date from the day number (H. Hinnant's civil_from_days, exact
 * for the proleptic Gregorian calendar gmtime uses), the time of day by
 * division. Years past 9999 (and negative epochs) go to agent_json_time. */
static void record_time(long long epoch_s, int ms, char out[40])
{
    if (epoch_s < 0 || epoch_s >= 253402300800LL) {
        agent_json_time(out, 40, epoch_s, ms);
        return;
    }
    long long z = epoch_s / 86400 + 719468;
    long long era = z / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    unsigned day = doy - (153 * mp + 2) / 5 + 1;
    unsigned month = mp < 10 ? mp + 3 : mp - 9;
    unsigned year = (unsigned)(yoe + era * 400) + (month <= 2);
    unsigned sec = (unsigned)(epoch_s % 86400);
    if (ms < 0 || ms > 999)
        ms = 0;
    const unsigned v[7] = {year / 100, year % 100, month, day, sec / 3600, sec / 60 % 60, sec % 60};
    static const char sep[7] = {0, 0, '-', '-', 'T', ':', ':'}; /* before each pair */
    char *o = out;
    for (int i = 0; i < 7; i++) {
        if (sep[i])
            *o++ = sep[i];
        *o++ = (char)('0' + v[i] / 10);
        *o++ = (char)('0' + v[i] % 10);
    }
    *o++ = '.';
    *o++ = (char)('0' + ms / 100);
    *o++ = (char)('0' + ms / 10 % 10);
    *o++ = (char)('0' + ms % 10);
    *o++ = 'Z';
    *o = '\0';
}

static long long coarse_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * The /proc attribution of pid, read at most once a second per pid and comm:
 * a denial storm is mostly one process repeating itself, and each read is
 * three or four syscalls. The entry is read again after PID_CACHE_TTL_MS, or
 * when a record names another comm for the pid (an exec, or the pid reused),
 * or when another pid takes the slot. Returns the entry (owned by the cache,
 * valid until the next call) or NULL when the pid is not in proc_dir.
 * Called with feed_lock held.
 */
static const struct proc_entry *attribute(struct agent_denials *d, long pid, const char *comm)
{
    size_t comm_len = comm ? strlen(comm) : 0;
    bool is_cacheable = comm_len < sizeof d->pid_cache[0].comm;
    long long now = coarse_ms();

    if (!d->pid_cache)
        d->pid_cache = xcalloc(PID_CACHE_SIZE, sizeof *d->pid_cache);
    struct pid_cache_entry *c = &d->pid_cache[(size_t)pid & (PID_CACHE_SIZE - 1)];
    if (c->pid == pid && now < c->until_ms && is_cacheable &&
        memcmp(c->comm, comm ? comm : "", comm_len + 1) == 0)
        return c->has_pe ? &c->pe : NULL;
    if (c->has_pe)
        proc_entry_done(&c->pe);
    c->has_pe = false;
    c->pid = 0;
    int prc = procscan_pid(d->proc_dir, (int)pid, &c->pe, NULL);
    c->has_pe = prc == 0 || prc == 1;
    if (!c->has_pe)
        memset(&c->pe, 0, sizeof c->pe);
    if (is_cacheable) {
        c->pid = (int)pid;
        c->until_ms = now + PID_CACHE_TTL_MS;
        memcpy(c->comm, comm ? comm : "", comm_len + 1);
    }
    return c->has_pe ? &c->pe : NULL;
}

static void pid_cache_free(struct agent_denials *d)
{
    if (!d->pid_cache)
        return;
    for (size_t i = 0; i < PID_CACHE_SIZE; i++)
        if (d->pid_cache[i].has_pe)
            proc_entry_done(&d->pid_cache[i].pe);
    free(d->pid_cache);
    d->pid_cache = NULL;
}

/* Writers into a buffer reserved once per record (record_json): a key is a
 * constant copy, a value one pass of agent_json_put_str. */
#define PUT_LIT(o, lit)                                                                            \
    do {                                                                                           \
        memcpy(o, lit, sizeof lit - 1);                                                            \
        o += sizeof lit - 1;                                                                       \
    } while (0)
#define PUT_STR(o, key, val)                                                                       \
    do {                                                                                           \
        PUT_LIT(o, key);                                                                           \
        o = agent_json_put_str(o, val);                                                            \
    } while (0)
#define PUT_INT(o, key, val, is_null)                                                              \
    do {                                                                                           \
        PUT_LIT(o, key);                                                                           \
        o = (is_null) ? put_null(o) : put_int(o, val);                                             \
    } while (0)

static char *put_null(char *o)
{
    memcpy(o, "null", 4);
    return o + 4;
}

static char *put_int(char *o, long long val)
{
    char buf[24];
    size_t i = sizeof buf;
    unsigned long long u = val < 0 ? 0ULL - (unsigned long long)val : (unsigned long long)val;
    do {
        buf[--i] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (val < 0)
        buf[--i] = '-';
    memcpy(o, buf + i, sizeof buf - i);
    return o + (sizeof buf - i);
}

/* The record's JSON object without its '{' (render adds it with the cursor),
 * into out (reset first). The bytes agent_json's writers would give. */
static void record_json(struct agent_denials *d, const struct aa_denial *r, const char *time_s,
                        const struct proc_entry *pe, struct strbuf *out)
{
    const char *pod_uid = pe && pe->ident.pod_uid[0] ? pe->ident.pod_uid : NULL;
    const char *cid = pe && pe->ident.container_id[0] ? pe->ident.container_id : NULL;
    const char *strs[] = {
        d->node_name,     time_s,           r->audit_id,      r->profile,       r->operation,
        r->rule_class,    r->name,          r->name2,         r->requested_mask, r->denied_mask,
        r->comm,          pod_uid,          cid,              pe ? pe->label : NULL,
        r->aa_namespace,  r->info,          r->peer ? r->peer : r->peer_profile, r->capname,
        r->net_family,    r->net_sock_type, r->net_protocol,  r->signal,
    };
    /* keys, event/runtime/source names, numbers and booleans fit in 1024 */
    size_t room = 1024;
    for (size_t i = 0; i < sizeof strs / sizeof *strs; i++)
        room += agent_json_str_room(strs[i]);
    strbuf_reset(out);
    strbuf_grow(out, room);
    char *o = out->buf;
    PUT_STR(o, "\"node\":", d->node_name);
    PUT_STR(o, ",\"time\":", time_s);
    PUT_STR(o, ",\"audit_id\":", r->audit_id);
    PUT_STR(o, ",\"event\":", denial_event_name(r->event));
    PUT_STR(o, ",\"profile\":", r->profile);
    PUT_STR(o, ",\"operation\":", r->operation);
    PUT_STR(o, ",\"class\":", r->rule_class);
    PUT_STR(o, ",\"name\":", r->name);
    PUT_STR(o, ",\"target\":", r->name2);
    PUT_STR(o, ",\"requested_mask\":", r->requested_mask);
    PUT_STR(o, ",\"denied_mask\":", r->denied_mask);
    PUT_INT(o, ",\"pid\":", r->pid, r->pid < 0);
    PUT_STR(o, ",\"comm\":", r->comm);
    PUT_STR(o, ",\"pod_uid\":", pod_uid);
    PUT_STR(o, ",\"container_id\":", cid);
    PUT_STR(o, ",\"runtime\":", cid ? cgroup_runtime_name(pe->ident.runtime) : NULL);
    PUT_STR(o, ",\"label\":", pe ? pe->label : NULL);
    PUT_STR(o, ",\"attributed_by\":", cid || pod_uid ? "pid" : "profile");
    PUT_STR(o, ",\"namespace\":", r->aa_namespace);
    PUT_STR(o, ",\"info\":", r->info);
    PUT_INT(o, ",\"error\":", r->error_code, r->error_code == 0);
    PUT_STR(o, ",\"peer\":", r->peer ? r->peer : r->peer_profile);
    PUT_STR(o, ",\"capname\":", r->capname);
    PUT_INT(o, ",\"capability\":", r->capability, r->capability < 0);
    PUT_STR(o, ",\"family\":", r->net_family);
    PUT_STR(o, ",\"sock_type\":", r->net_sock_type);
    PUT_STR(o, ",\"protocol\":", r->net_protocol);
    PUT_STR(o, ",\"signal\":", r->signal);
    PUT_INT(o, ",\"fsuid\":", r->fsuid, r->fsuid < 0);
    PUT_INT(o, ",\"ouid\":", r->ouid, r->ouid < 0);
    PUT_STR(o, ",\"source_format\":", denial_source_name(r->source_format));
    if (r->is_truncated)
        PUT_LIT(o, ",\"truncated\":true}");
    else
        PUT_LIT(o, ",\"truncated\":false}");
    out->len = (size_t)(o - out->buf);
    out->buf[out->len] = '\0';
}

static void summary_fields_json(const struct aa_denial *r, struct strbuf *out)
{
    bool first = true;
    strbuf_putc(out, '{');
    agent_json_kv_str(out, "event", denial_event_name(r->event), &first);
    agent_json_kv_str(out, "profile", r->profile, &first);
    agent_json_kv_str(out, "operation", r->operation, &first);
    agent_json_kv_str(out, "class", r->rule_class, &first);
    agent_json_kv_str(out, "name", r->name, &first);
    agent_json_kv_str(out, "requested_mask", r->requested_mask, &first);
    agent_json_kv_str(out, "denied_mask", r->denied_mask, &first);
    agent_json_kv_str(out, "comm", r->comm, &first);
}

static bool is_kept_event(enum denial_event ev)
{
    return ev == DENIAL_EVENT_DENIED || ev == DENIAL_EVENT_ALLOWED || ev == DENIAL_EVENT_KILLED;
}

/* A copy of sb's bytes in a block of exactly their size (a ring slot keeps
 * it: no 1 KB growth slack per record). */
static char *exact_copy(const struct strbuf *sb)
{
    char *p = xmalloc(sb->len + 1);
    memcpy(p, sb->buf, sb->len + 1);
    return p;
}

static void copy_time(char *dst, size_t cap, const char *src)
{
    size_t n = strnlen(src, cap - 1);
    memcpy(dst, src, n);
    dst[n] = '\0';
}

void agent_denials_feed_line(struct agent_denials *d, const char *line, size_t len)
{
    struct aa_denial r;
    struct kerr e;
    kerr_clear(&e);
    aa_denial_init(&r);

    /* Skip blank lines cheaply. */
    size_t n = len;
    while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
        n--;
    if (n == 0)
        return;
    /* the reason is only wanted for the debug log: formatting it costs a printf */
    int rc = denial_parse_line(line, n, &r, agent_log_enabled(CORE_LOG_DEBUG) ? &e : NULL);
    if (rc != 0) {
        pthread_mutex_lock(&d->lock);
        d->lines++;
        if (rc == 1)
            d->not_apparmor++;
        else
            d->parse_errors++;
        pthread_mutex_unlock(&d->lock);
        if (rc < 0)
            agent_log(CORE_LOG_DEBUG, "unreadable AppArmor line (%s): %.*s", e.msg,
                      (int)(n < 200 ? n : 200), line); /* line is not NUL-terminated */
        aa_denial_done(&r);
        return;
    }
    if (!is_kept_event(r.event)) {
        pthread_mutex_lock(&d->lock);
        d->lines++;
        if ((unsigned)r.event < DENIAL_EVENT__COUNT)
            d->events[r.event]++;
        pthread_mutex_unlock(&d->lock);
        aa_denial_done(&r);
        return;
    }

    pthread_mutex_lock(&d->feed_lock);
    /* Attribute now: the process may exit any moment. */
    const struct proc_entry *pe = NULL;
    if (r.pid > 0 && r.pid <= INT_MAX)
        pe = attribute(d, r.pid, r.comm);
    char time_s[40];
    if (r.epoch_s > 0) {
        record_time(r.epoch_s, r.epoch_ms, time_s);
    } else {
        struct timespec now;
        clock_gettime(CLOCK_REALTIME, &now);
        record_time(now.tv_sec, (int)(now.tv_nsec / 1000000), time_s);
    }
    record_json(d, &r, time_s, pe, &d->scratch_json);
    char *json = exact_copy(&d->scratch_json);
    size_t json_len = d->scratch_json.len;
    strbuf_reset(&d->scratch_key);
    denial_dedup_key(&r, &d->scratch_key);
    const struct strbuf *key = &d->scratch_key;
    const char *prof = r.profile ? r.profile : "(none)";

    pthread_mutex_lock(&d->lock);
    d->lines++;
    d->records++;
    if ((unsigned)r.event < DENIAL_EVENT__COUNT)
        d->events[r.event]++;
    uint64_t seq = ++d->head;
    if (!d->offset_file || d->kind == AGENT_SOURCE_KMSG)
        d->visible = seq; /* nothing to make durable first */
    struct ring_slot *slot = &d->ring[seq % d->ring_size];
    free(slot->json);
    slot->seq = seq;
    slot->json = json;
    slot->json_len = json_len;
    bool is_new = false;
    struct cmap_entry *se = cmap_get(&d->summary, key->buf ? key->buf : "", key->len, SUMMARY_MAX, &is_new);
    if (se) {
        if (is_new) {
            struct strbuf fields;
            strbuf_init(&fields);
            summary_fields_json(&r, &fields);
            se->fields_json = strbuf_take(&fields);
            copy_time(se->first, sizeof se->first, time_s);
        }
        se->count++;
        copy_time(se->last, sizeof se->last, time_s);
    } else {
        d->summary_overflow++;
    }
    struct cmap_entry *pc = cmap_get(&d->per_profile, prof, strlen(prof), PROFILE_COUNTERS_MAX, &is_new);
    if (!pc)
        pc = cmap_get(&d->per_profile, "(other)", 7, PROFILE_COUNTERS_MAX + 1, &is_new);
    if (pc)
        pc->count++;
    pthread_mutex_unlock(&d->lock);
    pthread_mutex_unlock(&d->feed_lock);
    aa_denial_done(&r);
}

/* ---- reading a file ---- */

static void feed_chunk(struct agent_denials *d, const char *buf, size_t n)
{
    size_t pos = 0;
    while (pos < n) {
        const char *nl = memchr(buf + pos, '\n', n - pos);
        size_t piece = nl ? (size_t)(nl - (buf + pos)) : n - pos;
        if (d->is_skipping_long) {
            if (nl)
                d->is_skipping_long = false;
        } else if (d->partial.len + piece > LINE_MAX_LEN) {
            /* Too long: read what we have as a line (a DENIED record's start is kept). */
            size_t room = LINE_MAX_LEN - d->partial.len;
            strbuf_append(&d->partial, buf + pos, room);
            agent_denials_feed_line(d, d->partial.buf, d->partial.len);
            strbuf_reset(&d->partial);
            pthread_mutex_lock(&d->lock);
            d->long_lines++;
            pthread_mutex_unlock(&d->lock);
            d->is_skipping_long = nl == NULL;
        } else if (nl) {
            if (d->partial.len) {
                strbuf_append(&d->partial, buf + pos, piece);
                agent_denials_feed_line(d, d->partial.buf, d->partial.len);
                strbuf_reset(&d->partial);
            } else {
                agent_denials_feed_line(d, buf + pos, piece);
            }
        } else {
            strbuf_append(&d->partial, buf + pos, piece);
        }
        pos += piece + (nl ? 1 : 0);
    }
}

void agent_denials_feed_bytes(struct agent_denials *d, const char *buf, size_t n)
{
    feed_chunk(d, buf, n);
}

/* Read everything available from the open file. */
static void read_file(struct agent_denials *d)
{
    if (d->fd < 0)
        return;
    struct stat st;
    if (fstat(d->fd, &st) == 0 && S_ISREG(st.st_mode) && (unsigned long long)st.st_size < d->offset) {
        agent_log(CORE_LOG_INFO, "%s was truncated (size %lld < offset %llu): reading from the start",
                  d->path, (long long)st.st_size, d->offset);
        lseek(d->fd, 0, SEEK_SET);
        d->offset = 0;
        strbuf_reset(&d->partial);
        d->is_skipping_long = false;
        pthread_mutex_lock(&d->lock);
        d->truncations++;
        pthread_mutex_unlock(&d->lock);
    }
    char *buf = xmalloc(65536);
    for (;;) {
        ssize_t n = read(d->fd, buf, 65536);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN)
            break;
        if (n < 0) {
            set_status(d, false, "read %s: %s", d->path, strerror(errno));
            break;
        }
        if (n == 0)
            break;
        feed_chunk(d, buf, (size_t)n);
        d->offset += (unsigned long long)n;
    }
    free(buf);
    publish_offset(d);
}

/* The offset of the last complete line (what a restart should resume from). */
static unsigned long long resume_offset(const struct agent_denials *d)
{
    return d->offset >= d->partial.len ? d->offset - d->partial.len : 0;
}

static void make_visible(struct agent_denials *d)
{
    pthread_mutex_lock(&d->lock);
    d->visible = d->head;
    pthread_mutex_unlock(&d->lock);
}

/* Save the offset of the last complete line, then serve every record read so
 * far. When the file cannot be written the records are served anyway (a
 * restart may then repeat or skip some, as the warning says). */
static void save_offset(struct agent_denials *d)
{
    if (!d->offset_file || d->kind == AGENT_SOURCE_KMSG || d->fd < 0) {
        make_visible(d);
        return;
    }
    unsigned long long off = resume_offset(d);
    char tmp[PATH_MAX];
    snprintf(tmp, sizeof tmp, "%s.tmp", d->offset_file);
    FILE *f = fopen(tmp, "we");
    if (!f) {
        agent_log(CORE_LOG_WARN, "cannot write offset file %s: %s", tmp, strerror(errno));
        d->saved_offset = off; /* do not retry at once: the next change will */
        d->saved_at_ms = mono_ms();
        make_visible(d);
        return;
    }
    fprintf(f, "%llu %llu %llu\n", (unsigned long long)d->dev, (unsigned long long)d->ino, off);
    if (fclose(f) != 0 || rename(tmp, d->offset_file) != 0) {
        agent_log(CORE_LOG_WARN, "cannot write offset file %s: %s", d->offset_file, strerror(errno));
        unlink(tmp);
    }
    d->saved_offset = off;
    d->saved_at_ms = mono_ms();
    make_visible(d); /* every complete line up to off is in the ring */
}

/* Records waiting for a save, or an offset not saved yet (the reader thread
 * is the only writer of head, visible and the offsets it reads here). */
static bool needs_save(const struct agent_denials *d)
{
    if (!d->offset_file || d->kind == AGENT_SOURCE_KMSG)
        return false;
    return d->visible != d->head || (d->fd >= 0 && resume_offset(d) != d->saved_offset);
}

/* A saved offset for this file, or -1. */
static long long saved_offset_for(struct agent_denials *d, const struct stat *st)
{
    if (!d->offset_file)
        return -1;
    FILE *f = fopen(d->offset_file, "re");
    if (!f)
        return -1;
    unsigned long long dev = 0, ino = 0, off = 0;
    int n = fscanf(f, "%llu %llu %llu", &dev, &ino, &off);
    fclose(f);
    if (n != 3)
        return -1;
    if (dev != (unsigned long long)st->st_dev || ino != (unsigned long long)st->st_ino)
        return 0; /* another file now: it was rotated while we were away; read it all */
    if (off > (unsigned long long)st->st_size)
        return 0; /* truncated meanwhile */
    return (long long)off;
}

enum open_how { OPEN_INITIAL, OPEN_FROM_ZERO };

static void close_file(struct agent_denials *d)
{
    if (d->wd_file >= 0 && d->in_fd >= 0)
        inotify_rm_watch(d->in_fd, d->wd_file);
    d->wd_file = -1;
    if (d->fd >= 0)
        close(d->fd);
    d->fd = -1;
    strbuf_reset(&d->partial);
    d->is_skipping_long = false;
}

/* Swap the current file's reading state with the rotated file's. */
static void swap_old(struct agent_denials *d)
{
    int fd = d->fd;
    d->fd = d->old_fd;
    d->old_fd = fd;
    unsigned long long off = d->offset;
    d->offset = d->old_offset;
    d->old_offset = off;
    struct strbuf sb = d->partial;
    d->partial = d->old_partial;
    d->old_partial = sb;
    bool skip = d->is_skipping_long;
    d->is_skipping_long = d->old_is_skipping_long;
    d->old_is_skipping_long = skip;
}

/* Keep the rotated file open (as old_fd) instead of closing it, so that lines
 * written to it after the rename are still read. */
static void retire_file(struct agent_denials *d)
{
    if (d->old_fd >= 0) {
        swap_old(d);
        read_file(d);
        if (d->partial.len)
            feed_chunk(d, "\n", 1); /* a last line without its newline still counts */
        close_file(d);
        swap_old(d);
    }
    if (d->wd_file >= 0 && d->in_fd >= 0)
        inotify_rm_watch(d->in_fd, d->wd_file);
    d->wd_file = -1;
    d->old_fd = d->fd;
    d->old_offset = d->offset;
    strbuf_done(&d->old_partial);
    d->old_partial = d->partial;
    strbuf_init(&d->partial);
    d->old_is_skipping_long = d->is_skipping_long;
    d->is_skipping_long = false;
    d->old_until_ms = mono_ms() + ROTATE_WAIT_MS;
    d->fd = -1;
}

/* Read what the rotated file gained; close it once its wait is over. */
static void drain_old(struct agent_denials *d)
{
    if (d->old_fd < 0)
        return;
    unsigned long long pub = d->pub_offset;
    swap_old(d);
    read_file(d);
    bool is_done = mono_ms() >= d->old_until_ms;
    if (is_done && d->partial.len)
        feed_chunk(d, "\n", 1);
    if (is_done)
        close_file(d);
    swap_old(d);
    pthread_mutex_lock(&d->lock);
    d->pub_offset = pub; /* status shows the current file's offset */
    pthread_mutex_unlock(&d->lock);
}

static void watch_dir(struct agent_denials *d)
{
    if (d->wd_dir >= 0 || d->in_fd < 0)
        return;
    d->wd_dir = inotify_add_watch(d->in_fd, d->dir, IN_CREATE | IN_MOVED_TO | IN_ONLYDIR);
}

static bool open_file(struct agent_denials *d, enum open_how how)
{
    int fd = open(d->path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        set_status(d, false, "cannot open %s: %s (waiting for it)", d->path, strerror(errno));
        return false;
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
        set_status(d, false, "cannot stat %s: %s", d->path, strerror(errno));
        close(fd);
        return false;
    }
    unsigned long long off = 0;
    if (how == OPEN_INITIAL && d->kind != AGENT_SOURCE_KMSG) {
        long long saved = saved_offset_for(d, &st);
        if (d->from_start)
            off = 0;
        else if (saved >= 0)
            off = (unsigned long long)saved;
        else
            off = S_ISREG(st.st_mode) ? (unsigned long long)st.st_size : 0;
    }
    if (d->kind == AGENT_SOURCE_KMSG) {
        if (how == OPEN_INITIAL && !d->from_start)
            lseek(fd, 0, SEEK_END);
    } else if (off > 0 && lseek(fd, (off_t)off, SEEK_SET) < 0) {
        off = 0;
    }
    d->fd = fd;
    d->dev = st.st_dev;
    d->ino = st.st_ino;
    d->offset = off;
    d->saved_offset = off;
    strbuf_reset(&d->partial);
    if (d->kind != AGENT_SOURCE_KMSG && d->in_fd >= 0) {
        d->wd_file = inotify_add_watch(d->in_fd, d->path, IN_MODIFY | IN_MOVE_SELF | IN_DELETE_SELF);
        watch_dir(d);
    }
    publish_offset(d);
    /* record where we start at once: a kill before the first periodic save must
     * resume here, not at the (by then larger) end of the file */
    save_offset(d);
    set_status(d, true, NULL);
    agent_log(CORE_LOG_DEBUG, "following %s from offset %llu", d->path, off);
    return true;
}

/* ---- /dev/kmsg ---- */

static void read_kmsg(struct agent_denials *d)
{
    if (d->fd < 0)
        return;
    char *buf = xmalloc(8192 + 1);
    for (;;) {
        ssize_t n = read(d->fd, buf, 8192);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN)
            break;
        if (n < 0 && errno == EPIPE) {
            /* The kernel overwrote records we had not read yet. */
            pthread_mutex_lock(&d->lock);
            d->overruns++;
            pthread_mutex_unlock(&d->lock);
            continue;
        }
        if (n < 0) {
            set_status(d, false, "read %s: %s", d->path, strerror(errno));
            break;
        }
        if (n == 0)
            break;
        buf[n] = '\0';
        /* "prio,seq,usec,flags;message\n" followed by " KEY=VALUE" continuation lines. */
        unsigned long long seq = 0;
        const char *c = strchr(buf, ',');
        if (c)
            seq = strtoull(c + 1, NULL, 10);
        const char *nl = memchr(buf, '\n', (size_t)n);
        agent_denials_feed_line(d, buf, nl ? (size_t)(nl - buf) : (size_t)n);
        d->offset = seq;
    }
    free(buf);
    publish_offset(d);
}

/* ---- the reader thread ---- */

static void handle_inotify(struct agent_denials *d, bool *rotated, bool *check_path, bool *policy)
{
    char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
    for (;;) {
        ssize_t n = read(d->in_fd, buf, sizeof buf);
        if (n <= 0)
            break;
        for (char *p = buf; p < buf + n;) {
            const struct inotify_event *ev = (const struct inotify_event *)p;
            if (ev->wd == d->wd_file && d->wd_file >= 0) {
                if (ev->mask & (IN_MOVE_SELF | IN_DELETE_SELF))
                    *rotated = true;
                if (ev->mask & IN_IGNORED) {
                    d->wd_file = -1;
                    *rotated = true;
                }
            } else if (ev->wd == d->wd_dir && d->wd_dir >= 0) {
                if (ev->len > 0 && strcmp(ev->name, d->base) == 0)
                    *check_path = true;
                if (ev->mask & IN_IGNORED)
                    d->wd_dir = -1;
            } else if (ev->wd == d->wd_rev && d->wd_rev >= 0) {
                *policy = true;
            }
            p += sizeof *ev + ev->len;
        }
    }
}

/* Read the policy revision; count a change when it differs from the last one seen. */
static void note_revision(struct agent_denials *d)
{
    unsigned long long rev = 0;
    int rc;
    if (d->rev_is_kernel) {
        rc = d->rev_fd >= 0 ? aafs_revision_read(d->rev_fd, &rev) : -1;
    } else {
        int fd = d->apparmorfs_dir ? aafs_revision_fd(d->apparmorfs_dir) : -1;
        rc = fd >= 0 ? aafs_revision_read(fd, &rev) : -1;
        if (fd >= 0)
            close(fd);
    }
    if (rc != 0)
        return;
    pthread_mutex_lock(&d->lock);
    if (d->has_revision && rev != d->last_revision)
        d->policy_changes++;
    d->has_revision = true;
    d->last_revision = rev;
    pthread_mutex_unlock(&d->lock);
}

static void *reader_main(void *arg)
{
    struct agent_denials *d = arg;
    for (;;) {
        if (d->kind == AGENT_SOURCE_KMSG) {
            read_kmsg(d);
        } else {
            drain_old(d); /* older lines first */
            read_file(d);
        }

        struct pollfd pfd[4];
        nfds_t n = 0;
        pfd[n++] = (struct pollfd){ .fd = d->stop_fd, .events = POLLIN };
        int in_i = -1, kmsg_i = -1, rev_i = -1;
        if (d->in_fd >= 0) {
            in_i = (int)n;
            pfd[n++] = (struct pollfd){ .fd = d->in_fd, .events = POLLIN };
        }
        if (d->kind == AGENT_SOURCE_KMSG && d->fd >= 0) {
            kmsg_i = (int)n;
            pfd[n++] = (struct pollfd){ .fd = d->fd, .events = POLLIN };
        }
        if (d->rev_fd >= 0 && d->rev_is_kernel) {
            rev_i = (int)n;
            pfd[n++] = (struct pollfd){ .fd = d->rev_fd, .events = POLLIN | POLLPRI };
        }
        int timeout = -1;
        if (needs_save(d)) {
            long long left = d->saved_at_ms + OFFSET_SAVE_MS - mono_ms();
            timeout = left < 0 ? 0 : (int)left;
        }
        if (d->fd < 0 && (d->wd_dir < 0 || d->kind == AGENT_SOURCE_KMSG))
            timeout = 2000; /* nothing to watch: retry the open now and then */
        if (d->old_fd >= 0 && (timeout < 0 || timeout > ROTATE_POLL_MS))
            timeout = ROTATE_POLL_MS; /* the rotated file has no watch: look now and then */
        int pr = poll(pfd, n, timeout);
        if (pr < 0 && errno != EINTR) {
            agent_log(CORE_LOG_ERROR, "poll: %s", strerror(errno));
            break;
        }
        if (pfd[0].revents)
            break;
        (void)kmsg_i;
        bool rotated = false, check_path = false, policy = false;
        if (in_i >= 0 && pfd[in_i].revents)
            handle_inotify(d, &rotated, &check_path, &policy);
        if ((rev_i >= 0 && pfd[rev_i].revents) || policy)
            note_revision(d);
        if (d->kind != AGENT_SOURCE_KMSG) {
            if (rotated && d->fd >= 0) {
                read_file(d); /* the rest of the old file */
                agent_log(CORE_LOG_INFO, "%s was rotated: reopening", d->path);
                save_offset(d);
                retire_file(d);
                pthread_mutex_lock(&d->lock);
                d->rotations++;
                pthread_mutex_unlock(&d->lock);
                open_file(d, OPEN_FROM_ZERO);
            } else if (check_path || (d->fd < 0 && pr == 0)) {
                struct stat st;
                if (d->fd < 0) {
                    watch_dir(d);
                    open_file(d, OPEN_FROM_ZERO);
                } else if (stat(d->path, &st) == 0 && (st.st_dev != d->dev || st.st_ino != d->ino)) {
                    read_file(d);
                    retire_file(d);
                    pthread_mutex_lock(&d->lock);
                    d->rotations++;
                    pthread_mutex_unlock(&d->lock);
                    open_file(d, OPEN_FROM_ZERO);
                }
            }
        } else if (d->fd < 0 && pr == 0) {
            open_file(d, OPEN_FROM_ZERO);
        }
        if (needs_save(d) && mono_ms() - d->saved_at_ms >= OFFSET_SAVE_MS)
            save_offset(d);
    }
    return NULL;
}

int agent_denials_start(struct agent_denials *d, struct kerr *err)
{
    d->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (d->stop_fd < 0)
        return kerr_set(err, KERR_IO, "eventfd: %s", strerror(errno));
    d->in_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (d->in_fd < 0)
        return kerr_set(err, KERR_IO, "inotify_init1: %s", strerror(errno));
    if (d->apparmorfs_dir) {
        d->rev_is_kernel = aafs_is_kernel_fs(d->apparmorfs_dir);
        if (d->rev_is_kernel) {
            int fd = aafs_revision_fd(d->apparmorfs_dir);
            d->rev_fd = fd >= 0 ? fd : -1;
        } else {
            char p[PATH_MAX];
            snprintf(p, sizeof p, "%s/revision", d->apparmorfs_dir);
            d->wd_rev = inotify_add_watch(d->in_fd, p, IN_MODIFY | IN_CLOSE_WRITE);
        }
    }
    note_revision(d);
    d->saved_at_ms = mono_ms();
    if (!open_file(d, OPEN_INITIAL) && d->kind != AGENT_SOURCE_KMSG)
        watch_dir(d);
    int rc = pthread_create(&d->thread, NULL, reader_main, d);
    if (rc != 0)
        return kerr_set(err, KERR_IO, "pthread_create: %s", strerror(rc));
    d->has_started = true;
    return 0;
}

void agent_denials_stop(struct agent_denials *d)
{
    if (!d)
        return;
    if (d->has_started) {
        uint64_t one = 1;
        ssize_t w = write(d->stop_fd, &one, sizeof one);
        (void)w;
        pthread_join(d->thread, NULL);
        d->has_started = false;
        if (d->kind != AGENT_SOURCE_KMSG) {
            if (d->old_fd >= 0) {
                d->old_until_ms = 0; /* last look at the rotated file, then close it */
                drain_old(d);
            }
            read_file(d);
        }
        save_offset(d);
    }
    if (d->old_fd >= 0) {
        swap_old(d);
        close_file(d);
        swap_old(d);
    }
    strbuf_done(&d->old_partial);
    close_file(d);
    if (d->in_fd >= 0)
        close(d->in_fd);
    if (d->stop_fd >= 0)
        close(d->stop_fd);
    if (d->rev_fd >= 0)
        close(d->rev_fd);
    d->in_fd = d->stop_fd = d->rev_fd = -1;
    d->wd_dir = d->wd_rev = -1;
}

void agent_denials_free(struct agent_denials **dp)
{
    if (!dp || !*dp)
        return;
    struct agent_denials *d = *dp;
    agent_denials_stop(d);
    for (size_t i = 0; i < d->ring_size; i++)
        free(d->ring[i].json);
    free(d->ring);
    cmap_done(&d->summary);
    cmap_done(&d->per_profile);
    strbuf_done(&d->partial);
    strbuf_done(&d->scratch_json);
    strbuf_done(&d->scratch_key);
    pid_cache_free(d);
    pthread_mutex_destroy(&d->lock);
    pthread_mutex_destroy(&d->feed_lock);
    free(d->node_name);
    free(d->path);
    free(d->dir);
    free(d->base);
    free(d->offset_file);
    free(d->proc_dir);
    free(d->apparmorfs_dir);
    free(d);
    *dp = NULL;
}

/* ---- answers ---- */

void agent_denials_render(struct agent_denials *d, uint64_t since, size_t limit, struct strbuf *out)
{
    pthread_mutex_lock(&d->lock);
    bool reset = false;
    uint64_t head = d->visible;
    if (since > head) {
        since = 0;
        reset = true;
    }
    /* the ring's oldest slot follows the real head; records overwritten
     * before they were served are dropped ones */
    uint64_t oldest = d->head > d->ring_size ? d->head - d->ring_size + 1 : 1;
    if (oldest > head + 1)
        oldest = head + 1;
    uint64_t start = since + 1 > oldest ? since + 1 : oldest;
    uint64_t dropped = since + 1 < oldest ? oldest - (since + 1) : 0;
    uint64_t end = head;
    if (limit > 0 && end >= start && end - start + 1 > limit)
        end = start + limit - 1;
    strbuf_puts(out, "{\"records\":[");
    uint64_t next = since;
    bool first = true;
    for (uint64_t s = start; s <= end && s <= head; s++) {
        const struct ring_slot *slot = &d->ring[s % d->ring_size];
        if (slot->seq != s || !slot->json)
            continue;
        /* ",{"cursor":N," then the stored bytes: one reservation, no printf */
        strbuf_grow(out, slot->json_len + 40);
        char *o = out->buf + out->len;
        if (!first)
            *o++ = ',';
        first = false;
        PUT_LIT(o, "{\"cursor\":");
        o = put_int(o, (long long)s);
        *o++ = ',';
        memcpy(o, slot->json, slot->json_len + 1);
        out->len = (size_t)(o - out->buf) + slot->json_len;
        next = s;
    }
    if (dropped > 0 && next < oldest - 1)
        next = oldest - 1;
    strbuf_printf(out, "],\"next\":%llu,\"dropped\":%llu,\"newest\":%llu,\"oldest\":%llu",
                  (unsigned long long)next, (unsigned long long)dropped,
                  (unsigned long long)head, (unsigned long long)(head ? oldest : 0));
    if (reset)
        strbuf_puts(out, ",\"reset\":true");
    strbuf_putc(out, '}');
    pthread_mutex_unlock(&d->lock);
}

static int cmp_count_desc(const void *a, const void *b)
{
    const struct cmap_entry *x = *(const struct cmap_entry *const *)a;
    const struct cmap_entry *y = *(const struct cmap_entry *const *)b;
    if (x->count != y->count)
        return x->count < y->count ? 1 : -1;
    return strcmp(x->first, y->first);
}

void agent_denials_render_summary(struct agent_denials *d, struct strbuf *out)
{
    pthread_mutex_lock(&d->lock);
    size_t n = d->summary.count;
    const struct cmap_entry **v = n ? xcalloc(n, sizeof *v) : NULL;
    for (size_t i = 0; i < n; i++)
        v[i] = &d->summary.entries[i];
    if (n)
        qsort(v, n, sizeof *v, cmp_count_desc);
    strbuf_putc(out, '[');
    for (size_t i = 0; i < n; i++) {
        if (i)
            strbuf_putc(out, ',');
        strbuf_puts(out, v[i]->fields_json);
        strbuf_printf(out, ",\"count\":%llu,\"first\":", (unsigned long long)v[i]->count);
        agent_json_str(out, v[i]->first);
        strbuf_puts(out, ",\"last\":");
        agent_json_str(out, v[i]->last);
        strbuf_putc(out, '}');
    }
    strbuf_putc(out, ']');
    free(v);
    pthread_mutex_unlock(&d->lock);
}

void agent_denials_render_source(struct agent_denials *d, struct strbuf *out)
{
    pthread_mutex_lock(&d->lock);
    bool first = true;
    strbuf_putc(out, '{');
    agent_json_kv_str(out, "kind", agent_source_kind_name(d->kind), &first);
    agent_json_kv_str(out, "path", d->path, &first);
    agent_json_kv_bool(out, "healthy", d->is_healthy, &first);
    agent_json_kv_str(out, "error", d->error[0] ? d->error : NULL, &first);
    agent_json_kv_u64(out, "offset", d->pub_offset, &first);
    agent_json_kv_u64(out, "lines", d->lines, &first);
    agent_json_kv_u64(out, "records", d->records, &first);
    agent_json_kv_u64(out, "parse_errors", d->parse_errors, &first);
    agent_json_kv_u64(out, "rotations", d->rotations, &first);
    agent_json_kv_u64(out, "truncations", d->truncations, &first);
    agent_json_kv_u64(out, "kmsg_overruns", d->overruns, &first);
    agent_json_kv_u64(out, "ring_size", d->ring_size, &first);
    strbuf_putc(out, '}');
    pthread_mutex_unlock(&d->lock);
}

/* Prometheus label value escaping: backslash, quote, newline. */
static void prom_label(struct strbuf *out, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '\\')
            strbuf_puts(out, "\\\\");
        else if (*p == '"')
            strbuf_puts(out, "\\\"");
        else if (*p == '\n')
            strbuf_puts(out, "\\n");
        else if (*p < 0x20 || *p == 0x7f)
            strbuf_putc(out, '?');
        else
            strbuf_putc(out, (char)*p);
    }
}

void agent_denials_metrics(struct agent_denials *d, struct strbuf *out)
{
    pthread_mutex_lock(&d->lock);
    strbuf_puts(out, "# HELP armortop_agent_denials_total AppArmor records (DENIED, ALLOWED, KILLED) "
                     "read, by profile.\n# TYPE armortop_agent_denials_total counter\n");
    for (size_t i = 0; i < d->per_profile.count; i++) {
        strbuf_puts(out, "armortop_agent_denials_total{profile=\"");
        prom_label(out, d->per_profile.entries[i].key);
        strbuf_printf(out, "\"} %llu\n", (unsigned long long)d->per_profile.entries[i].count);
    }
    strbuf_puts(out, "# HELP armortop_agent_records_total AppArmor records read, by event.\n"
                     "# TYPE armortop_agent_records_total counter\n");
    for (int ev = 0; ev < DENIAL_EVENT__COUNT; ev++)
        strbuf_printf(out, "armortop_agent_records_total{event=\"%s\"} %llu\n",
                      denial_event_name((enum denial_event)ev), (unsigned long long)d->events[ev]);
    strbuf_printf(out,
                  "# HELP armortop_agent_source_healthy Whether the denial source is being read.\n"
                  "# TYPE armortop_agent_source_healthy gauge\n"
                  "armortop_agent_source_healthy{kind=\"%s\"} %d\n"
                  "# TYPE armortop_agent_source_lines_total counter\n"
                  "armortop_agent_source_lines_total %llu\n"
                  "# TYPE armortop_agent_source_parse_errors_total counter\n"
                  "armortop_agent_source_parse_errors_total %llu\n"
                  "# TYPE armortop_agent_source_rotations_total counter\n"
                  "armortop_agent_source_rotations_total %llu\n"
                  "# TYPE armortop_agent_source_truncations_total counter\n"
                  "armortop_agent_source_truncations_total %llu\n"
                  "# TYPE armortop_agent_policy_changes_total counter\n"
                  "armortop_agent_policy_changes_total %lu\n",
                  agent_source_kind_name(d->kind), d->is_healthy ? 1 : 0,
                  (unsigned long long)d->lines, (unsigned long long)d->parse_errors,
                  (unsigned long long)d->rotations, (unsigned long long)d->truncations,
                  d->policy_changes);
    pthread_mutex_unlock(&d->lock);
}

uint64_t agent_denials_head(struct agent_denials *d)
{
    pthread_mutex_lock(&d->lock);
    uint64_t h = d->visible;
    pthread_mutex_unlock(&d->lock);
    return h;
}

unsigned long agent_denials_policy_changes(struct agent_denials *d)
{
    pthread_mutex_lock(&d->lock);
    unsigned long n = d->policy_changes;
    pthread_mutex_unlock(&d->lock);
    return n;
}
