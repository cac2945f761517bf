/*
 * agent_profiles: inventory, load/replace/unload/mode (see agent_profiles.h).
 * apparmor_parser runs three times for a PUT: -QK (validate), -N (the names
 * the text defines) and -QK -S (compile to a blob on stdout), each with
 * -M <features> and a deadline; the blob goes to aa_policy_replace().
 * Depends on libc, cJSON (request body), xalloc, strbuf, kerr, core/aafs,
 * core/apparmor, core/procscan, agent_exec, agent_json.
 */
#include "config.h"
#include "agent_profiles.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "aafs.h"
#include "agent_exec.h"
#include "agent_json.h"
#include "apparmor.h"
#include "kerr.h"
#include "procscan.h"
#include "strbuf.h"
#include "xalloc.h"

#define INPUT_NAME "input.profile"
#define BLOB_MAX (64u * 1024 * 1024)
#define DIAG_MAX (64u * 1024)

struct kept {
    char *name;
    char *source;
    char *mode; /* "enforce" or "complain": how it was last compiled here */
};

struct agent_profiles {
    struct agent_profiles_config cfg;
    pthread_mutex_t lock; /* serialises mutations and guards kept[] */
    struct kept *kept;
    size_t kept_count;
    unsigned long change_count;
};

struct agent_profiles *agent_profiles_new(const struct agent_profiles_config *cfg)
{
    struct agent_profiles *p = xcalloc(1, sizeof *p);
    p->cfg = *cfg;
    if (p->cfg.parser_timeout_ms <= 0)
        p->cfg.parser_timeout_ms = 20000;
    pthread_mutex_init(&p->lock, NULL);
    return p;
}

void agent_profiles_free(struct agent_profiles **pp)
{
    if (!pp || !*pp)
        return;
    struct agent_profiles *p = *pp;
    for (size_t i = 0; i < p->kept_count; i++) {
        free(p->kept[i].name);
        free(p->kept[i].source);
        free(p->kept[i].mode);
    }
    free(p->kept);
    pthread_mutex_destroy(&p->lock);
    free(p);
    *pp = NULL;
}

bool agent_profile_name_valid(const char *name, const char **why)
{
    const char *w = NULL;
    size_t len = name ? strlen(name) : 0;
    if (len == 0)
        w = "empty profile name";
    else if (len > AGENT_PROFILE_NAME_MAX)
        w = "profile name longer than 255 bytes";
    else if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
        w = "profile name may not be . or ..";
    if (!w)
        for (const unsigned char *c = (const unsigned char *)name; *c; c++) {
            if (*c < 0x20 || *c == 0x7f) {
                w = "profile name contains a control character";
                break;
            }
            if (*c == '\\') {
                w = "profile name contains a backslash";
                break;
            }
        }
    if (!w) {
        /* Reject any ".." component between slashes. */
        const char *s = name;
        while (*s) {
            const char *e = strchr(s, '/');
            size_t n = e ? (size_t)(e - s) : strlen(s);
            if (n == 2 && s[0] == '.' && s[1] == '.') {
                w = "profile name has a .. component";
                break;
            }
            if (!e)
                break;
            s = e + 1;
        }
    }
    if (why)
        *why = w;
    return w == NULL;
}

#define INCLUDE_ROOT "/etc/apparmor.d/"

static bool include_path_ok(const char *path, size_t n, const char **why)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)path[i];
        if (c < 0x20 || c == 0x7f || c == '\\') {
            *why = "include path contains a control character or backslash";
            return false;
        }
    }
    for (size_t i = 0; i < n;) {
        size_t e = i;
        while (e < n && path[e] != '/')
            e++;
        if (e - i == 2 && path[i] == '.' && path[i + 1] == '.') {
            *why = "include path has a .. component";
            return false;
        }
        i = e + 1;
    }
    const size_t rlen = sizeof INCLUDE_ROOT - 1;
    if (n > 0 && path[0] == '/' && (n < rlen || memcmp(path, INCLUDE_ROOT, rlen) != 0)) {
        *why = "include of a file outside " INCLUDE_ROOT;
        return false;
    }
    return true;
}

static bool is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

bool agent_profile_includes_valid(const char *text, size_t len, const char **why)
{
    static const char kw[] = "include";
    const size_t kwlen = sizeof kw - 1;
    const char *w = NULL;
    for (size_t i = 0; !w && i + kwlen <= len; i++) {
        if (memcmp(text + i, kw, kwlen) != 0)
            continue;
        /* Wherever the word stands (after '#', a blank, a brace, or any byte the parser
         * might split a token at): conservative, a comment mentioning an include of a
         * file outside the policy directory is refused too. */
        size_t p = i + kwlen;
        while (p < len && is_blank(text[p]))
            p++;
        if (p + 2 <= len && memcmp(text + p, "if", 2) == 0 &&
            (p + 2 == len || is_blank(text[p + 2]))) {
            size_t q = p + 2;
            while (q < len && is_blank(text[q]))
                q++;
            if (q + 6 <= len && memcmp(text + q, "exists", 6) == 0) {
                p = q + 6;
                while (p < len && is_blank(text[p]))
                    p++;
            }
        }
        size_t start = p, end = p;
        if (p < len && (text[p] == '<' || text[p] == '"')) {
            char close = text[p] == '<' ? '>' : '"';
            start = end = p + 1;
            while (end < len && text[end] != close && text[end] != '\n')
                end++;
        } else {
            while (end < len && !is_blank(text[end]))
                end++;
        }
        include_path_ok(text + start, end - start, &w);
    }
    if (why)
        *why = w;
    return w == NULL;
}

/* ":ns:name" / ":ns://name" → ns (owned) and the name within it (borrowed). */
static const char *split_ns(const char *fq, char **ns)
{
    *ns = NULL;
    if (fq[0] != ':')
        return fq;
    const char *e = strchr(fq + 1, ':');
    if (!e)
        return fq;
    *ns = xstrndup(fq + 1, (size_t)(e - fq - 1));
    const char *rest = e + 1;
    if (rest[0] == '/' && rest[1] == '/')
        rest += 2;
    return rest;
}

static struct kept *kept_find(struct agent_profiles *p, const char *name)
{
    for (size_t i = 0; i < p->kept_count; i++)
        if (strcmp(p->kept[i].name, name) == 0)
            return &p->kept[i];
    return NULL;
}

static void kept_set(struct agent_profiles *p, const char *name, const char *source, const char *mode)
{
    struct kept *k = kept_find(p, name);
    if (!k) {
        p->kept = xreallocarray(p->kept, p->kept_count + 1, sizeof *p->kept);
        k = &p->kept[p->kept_count++];
        k->name = xstrdup(name);
        k->source = NULL;
        k->mode = NULL;
    }
    if (source != k->source) {
        free(k->source);
        k->source = xstrdup(source);
    }
    free(k->mode);
    k->mode = xstrdup(mode);
}

static void kept_drop(struct agent_profiles *p, const char *name)
{
    struct kept *k = kept_find(p, name);
    if (!k)
        return;
    free(k->name);
    free(k->source);
    free(k->mode);
    size_t i = (size_t)(k - p->kept);
    memmove(&p->kept[i], &p->kept[i + 1], (p->kept_count - i - 1) * sizeof *p->kept);
    p->kept_count--;
}

static bool read_revision(const char *dir, unsigned long long *rev)
{
    int fd = aafs_revision_fd(dir);
    if (fd < 0)
        return false;
    int rc = aafs_revision_read(fd, rev);
    close(fd);
    return rc == 0;
}

static void put_revision(struct strbuf *out, const char *dir, bool *first)
{
    unsigned long long rev = 0;
    if (read_revision(dir, &rev))
        agent_json_kv_u64(out, "revision", rev, first);
    else
        agent_json_kv_int(out, "revision", 0, true, first);
}

static void profile_json(struct strbuf *out, const struct aafs_profile *pr)
{
    bool first = true;
    strbuf_putc(out, '{');
    agent_json_kv_str(out, "name", pr->name, &first);
    agent_json_kv_str(out, "mode", pr->mode, &first);
    agent_json_kv_str(out, "hash", pr->hash, &first);
    agent_json_kv_str(out, "hash_alg", pr->hash ? aafs_hash_alg_name(pr->hash_alg) : NULL, &first);
    agent_json_kv_str(out, "attach", pr->attach, &first);
    agent_json_kv_str(out, "namespace", pr->ns, &first);
    strbuf_putc(out, '}');
}

static int inventory_error(struct strbuf *out, const struct kerr *e, int rc)
{
    char buf[900];
    strbuf_reset(out);
    agent_json_error(out, kerr_format(e, buf, sizeof buf));
    return rc == -KERR_NOTFOUND ? 503 : 500;
}

int agent_profiles_list(struct agent_profiles *p, struct strbuf *out)
{
    struct aafs_inventory inv;
    struct kerr e;
    kerr_clear(&e);
    aafs_inventory_init(&inv);
    int rc = aafs_read_inventory(p->cfg.apparmorfs_dir, &inv, &e);
    if (rc < 0)
        return inventory_error(out, &e, rc);
    bool first = true;
    strbuf_putc(out, '{');
    agent_json_kv_int(out, "revision", (long long)inv.revision, !inv.has_revision, &first);
    agent_json_kv_bool(out, "truncated", inv.is_truncated, &first);
    agent_json_key(out, "profiles", &first);
    strbuf_putc(out, '[');
    for (size_t i = 0; i < inv.profile_count; i++) {
        if (i)
            strbuf_putc(out, ',');
        profile_json(out, &inv.profiles[i]);
    }
    strbuf_puts(out, "]}");
    aafs_inventory_done(&inv);
    return 200;
}

int agent_profiles_get(struct agent_profiles *p, const char *fq, struct strbuf *out)
{
    int status = 200;
    struct aafs_inventory inv;
    struct kerr e;
    char *ns = NULL;
    kerr_clear(&e);
    aafs_inventory_init(&inv);
    int rc = aafs_read_inventory(p->cfg.apparmorfs_dir, &inv, &e);
    if (rc < 0) {
        status = inventory_error(out, &e, rc);
        goto out;
    }
    const char *name = split_ns(fq, &ns);
    const struct aafs_profile *pr = aafs_inventory_find(&inv, ns, name);
    if (!pr) {
        agent_json_error(out, "profile not loaded");
        status = 404;
        goto out;
    }
    profile_json(out, pr);
    out->len--; /* reopen the object */
    out->buf[out->len] = '\0';
    bool first = false;
    agent_json_kv_int(out, "revision", (long long)inv.revision, !inv.has_revision, &first);
    pthread_mutex_lock(&p->lock);
    struct kept *k = kept_find(p, fq);
    agent_json_kv_str(out, "source", k ? k->source : NULL, &first);
    agent_json_kv_str(out, "source_mode", k ? k->mode : NULL, &first);
    pthread_mutex_unlock(&p->lock);
    strbuf_putc(out, '}');
out:
    free(ns);
    aafs_inventory_done(&inv);
    return status;
}

/* First "at line N" in the diagnostics, or -1. */
static long diag_line(const char *diag)
{
    const char *s = strstr(diag, "at line ");
    if (!s)
        return -1;
    char *end = NULL;
    long n = strtol(s + 8, &end, 10);
    return end == s + 8 ? -1 : n;
}

/* A private working directory with the text in INPUT_NAME. */
struct workdir {
    char dir[256];
    char file[300];
    bool has_dir;
    bool has_file;
};

static int workdir_create(struct workdir *w, const char *text, size_t len, struct strbuf *msg)
{
    const char *tmp = getenv("TMPDIR");
    if (!tmp || tmp[0] != '/' || strlen(tmp) > 200)
        tmp = "/tmp";
    memset(w, 0, sizeof *w);
    snprintf(w->dir, sizeof w->dir, "%s/armortop-agent.XXXXXX", tmp);
    if (!mkdtemp(w->dir)) { /* mkdtemp creates it 0700 */
        strbuf_printf(msg, "cannot create a temporary directory in %s: %s", tmp, strerror(errno));
        return -1;
    }
    w->has_dir = true;
    snprintf(w->file, sizeof w->file, "%s/%s", w->dir, INPUT_NAME);
    int fd = open(w->file, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) {
        strbuf_printf(msg, "cannot create %s: %s", w->file, strerror(errno));
        return -1;
    }
    w->has_file = true;
    size_t off = 0;
    while (off < len) {
        ssize_t n = write(fd, text + off, len - off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            strbuf_printf(msg, "cannot write %s: %s", w->file, strerror(errno));
            close(fd);
            return -1;
        }
        off += (size_t)n;
    }
    if (close(fd) != 0) {
        strbuf_printf(msg, "cannot write %s: %s", w->file, strerror(errno));
        return -1;
    }
    return 0;
}

static void workdir_remove(struct workdir *w)
{
    if (w->has_file)
        unlink(w->file);
    if (w->has_dir)
        rmdir(w->dir);
    w->has_file = w->has_dir = false;
}

enum parse_step { STEP_VALIDATE, STEP_NAMES, STEP_COMPILE };

/* Run the parser for one step. Returns 0 when it succeeded; otherwise sets status and out. */
static int run_parser(struct agent_profiles *p, const struct workdir *w, enum parse_step step,
                      bool complain, struct agent_exec_result *res, int *status, struct strbuf *out)
{
    const char *argv[12];
    size_t n = 0;
    argv[n++] = p->cfg.parser_path;
    switch (step) {
    case STEP_VALIDATE: argv[n++] = "-QK"; break;
    case STEP_NAMES: argv[n++] = "-N"; break;
    case STEP_COMPILE: argv[n++] = "-QK"; argv[n++] = "-S"; break;
    }
    if (complain)
        argv[n++] = "-C";
    argv[n++] = "-M";
    argv[n++] = p->cfg.features_file;
    argv[n++] = INPUT_NAME;
    argv[n] = NULL;
    struct kerr e;
    kerr_clear(&e);
    int rc = agent_exec(argv, w->dir, p->cfg.parser_timeout_ms, step == STEP_COMPILE ? BLOB_MAX : DIAG_MAX,
                        DIAG_MAX, res, &e);
    bool first = true;
    if (rc < 0) {
        char buf[900];
        agent_json_error(out, kerr_format(&e, buf, sizeof buf));
        *status = 500;
        return -1;
    }
    if (res->is_timed_out) {
        strbuf_putc(out, '{');
        agent_json_kv_str(out, "error", "apparmor_parser timed out", &first);
        agent_json_kv_int(out, "timeout_ms", p->cfg.parser_timeout_ms, false, &first);
        strbuf_putc(out, '}');
        *status = 504;
        return -1;
    }
    if (res->status == 127 || res->status == 126) {
        strbuf_putc(out, '{');
        agent_json_kv_str(out, "error", "cannot run apparmor_parser", &first);
        agent_json_kv_str(out, "parser", p->cfg.parser_path, &first);
        agent_json_kv_str(out, "diagnostics", res->err, &first);
        strbuf_putc(out, '}');
        *status = 500;
        return -1;
    }
    if (res->status != 0) {
        long line = diag_line(res->err);
        strbuf_putc(out, '{');
        agent_json_kv_str(out, "error", "apparmor_parser rejected the profile", &first);
        agent_json_kv_int(out, "line", line, line < 0, &first);
        agent_json_kv_int(out, "parser_status", res->status, false, &first);
        agent_json_kv_str(out, "diagnostics", res->err, &first);
        strbuf_putc(out, '}');
        *status = 400;
        return -1;
    }
    if (step == STEP_COMPILE &&
        (res->out_len < 10 || memcmp(res->out, "\x04\x08\x00version", 10) != 0 || res->is_out_truncated)) {
        agent_json_error(out, res->is_out_truncated ? "compiled policy too large"
                                                    : "apparmor_parser produced no policy blob");
        *status = 500;
        return -1;
    }
    return 0;
}

/* Does the -N output (one name per line) list name? */
static bool names_include(const char *names, const char *name)
{
    size_t nlen = strlen(name);
    const char *s = names;
    while (*s) {
        const char *e = strchr(s, '\n');
        size_t n = e ? (size_t)(e - s) : strlen(s);
        if (n == nlen && memcmp(s, name, n) == 0)
            return true;
        if (!e)
            break;
        s = e + 1;
    }
    return false;
}

static void names_json(struct strbuf *out, const char *names)
{
    strbuf_putc(out, '[');
    bool first = true;
    const char *s = names;
    while (*s) {
        const char *e = strchr(s, '\n');
        size_t n = e ? (size_t)(e - s) : strlen(s);
        if (n > 0) {
            char *one = xstrndup(s, n);
            if (!first)
                strbuf_putc(out, ',');
            first = false;
            agent_json_str(out, one);
            free(one);
        }
        if (!e)
            break;
        s = e + 1;
    }
    strbuf_putc(out, ']');
}

/* Compile `text` and load it. Caller holds the lock. */
static int compile_and_load(struct agent_profiles *p, const char *name, const char *text, size_t len,
                            bool check_names, bool complain, struct strbuf *out)
{
    int status = 200;
    struct workdir w;
    struct agent_exec_result res;
    struct strbuf msg;
    strbuf_init(&msg);
    memset(&res, 0, sizeof res);
    if (workdir_create(&w, text, len, &msg) != 0) {
        agent_json_error(out, strbuf_str(&msg));
        status = 500;
        goto out;
    }
    if (run_parser(p, &w, STEP_VALIDATE, complain, &res, &status, out) != 0)
        goto out;
    agent_exec_result_done(&res);
    if (check_names) {
        if (run_parser(p, &w, STEP_NAMES, false, &res, &status, out) != 0)
            goto out;
        if (!names_include(res.out, name)) {
            bool first = true;
            strbuf_putc(out, '{');
            agent_json_kv_str(out, "error", "the text does not define the profile named in the URL", &first);
            agent_json_kv_str(out, "name", name, &first);
            agent_json_key(out, "defines", &first);
            names_json(out, res.out);
            strbuf_putc(out, '}');
            status = 400;
            goto out;
        }
        agent_exec_result_done(&res);
    }
    if (run_parser(p, &w, STEP_COMPILE, complain, &res, &status, out) != 0)
        goto out;
    struct kerr e;
    kerr_clear(&e);
    int rc = aa_policy_replace(p->cfg.apparmorfs_dir, p->cfg.features_file, res.out, res.out_len, &e);
    if (rc < 0) {
        char buf[900];
        agent_json_error(out, kerr_format(&e, buf, sizeof buf));
        status = rc == -KERR_NOTFOUND ? 503 : 500;
        goto out;
    }
    p->change_count++;
    bool first = true;
    strbuf_putc(out, '{');
    agent_json_kv_str(out, "name", name, &first);
    agent_json_kv_str(out, "mode", complain ? "complain" : "enforce", &first);
    agent_json_kv_u64(out, "policy_bytes", res.out_len, &first);
    put_revision(out, p->cfg.apparmorfs_dir, &first);
    strbuf_putc(out, '}');
out:
    agent_exec_result_done(&res);
    workdir_remove(&w);
    strbuf_done(&msg);
    return status;
}

int agent_profiles_put(struct agent_profiles *p, const char *name, const char *body,
                       size_t body_len, struct strbuf *out)
{
    if (body_len == 0) {
        agent_json_error(out, "empty body: send the profile text");
        return 400;
    }
    if (body_len > AGENT_PROFILE_BODY_MAX) {
        agent_json_error(out, "profile text larger than 1 MiB");
        return 413;
    }
    if (memchr(body, '\0', body_len)) {
        agent_json_error(out, "profile text contains a NUL byte");
        return 400;
    }
    const char *why = NULL;
    if (!agent_profile_includes_valid(body, body_len, &why)) {
        agent_json_error(out, why);
        return 400;
    }
    pthread_mutex_lock(&p->lock);
    int status = compile_and_load(p, name, body, body_len, true, false, out);
    if (status == 200) {
        char *text = xstrndup(body, body_len);
        kept_set(p, name, text, "enforce");
        free(text);
    }
    pthread_mutex_unlock(&p->lock);
    return status;
}

/* Does a label's profile part (a stack "a//&b", maybe ":ns:" prefixed) use name? */
static bool label_uses(const char *profile, const char *name)
{
    size_t nlen = strlen(name);
    const char *s = profile;
    for (;;) {
        const char *e = strstr(s, "//&");
        size_t n = e ? (size_t)(e - s) : strlen(s);
        /* exact, or a hat/child of it */
        if ((n == nlen || (n > nlen + 1 && s[nlen] == '/' && s[nlen + 1] == '/')) &&
            memcmp(s, name, nlen) == 0)
            return true;
        if (!e)
            break;
        s = e + 3;
    }
    return false;
}

int agent_profiles_delete(struct agent_profiles *p, const char *fq, bool force, struct strbuf *out)
{
    int status = 200;
    struct aafs_inventory inv;
    struct proc_entry *procs = NULL;
    size_t proc_count = 0;
    char *ns = NULL;
    struct kerr e;
    kerr_clear(&e);
    aafs_inventory_init(&inv);
    pthread_mutex_lock(&p->lock);
    int rc = aafs_read_inventory(p->cfg.apparmorfs_dir, &inv, &e);
    if (rc < 0) {
        status = inventory_error(out, &e, rc);
        goto out;
    }
    const char *name = split_ns(fq, &ns);
    if (!aafs_inventory_find(&inv, ns, name)) {
        agent_json_error(out, "profile not loaded");
        status = 404;
        goto out;
    }
    /* Which running containers use it? */
    kerr_clear(&e);
    if (procscan_list(p->cfg.proc_dir, &procs, &proc_count, &e) == 0) {
        struct strbuf users;
        strbuf_init(&users);
        size_t user_count = 0;
        for (size_t i = 0; i < proc_count; i++) {
            const struct proc_entry *pe = &procs[i];
            if (!pe->profile || !label_uses(pe->profile, fq))
                continue;
            if (user_count++ < 50) {
                bool first = true;
                strbuf_putc(&users, user_count > 1 ? ',' : '[');
                strbuf_putc(&users, '{');
                agent_json_kv_str(&users, "container_id", pe->ident.container_id, &first);
                agent_json_kv_str(&users, "pod_uid", pe->ident.pod_uid, &first);
                agent_json_kv_int(&users, "pid", pe->pid, false, &first);
                agent_json_kv_str(&users, "label", pe->label, &first);
                strbuf_putc(&users, '}');
            }
        }
        if (user_count > 0 && !force) {
            bool first = true;
            strbuf_putc(out, '{');
            agent_json_kv_str(out, "error", "profile in use by running containers; add ?force=1 to unload "
                                            "anyway (they become unconfined)", &first);
            agent_json_kv_u64(out, "process_count", user_count, &first);
            agent_json_key(out, "processes", &first);
            strbuf_puts(out, strbuf_str(&users));
            strbuf_puts(out, "]}");
            strbuf_done(&users);
            status = 409;
            goto out;
        }
        strbuf_done(&users);
    }
    kerr_clear(&e);
    rc = aa_policy_remove(p->cfg.apparmorfs_dir, p->cfg.features_file, fq, &e);
    if (rc < 0) {
        char buf[900];
        agent_json_error(out, kerr_format(&e, buf, sizeof buf));
        status = rc == -KERR_NOTFOUND ? 404 : 500;
        goto out;
    }
    kept_drop(p, fq);
    p->change_count++;
    bool first = true;
    strbuf_putc(out, '{');
    agent_json_kv_str(out, "name", fq, &first);
    agent_json_kv_bool(out, "removed", true, &first);
    put_revision(out, p->cfg.apparmorfs_dir, &first);
    strbuf_putc(out, '}');
out:
    pthread_mutex_unlock(&p->lock);
    procscan_list_free(&procs, proc_count);
    free(ns);
    aafs_inventory_done(&inv);
    return status;
}

int agent_profiles_set_mode(struct agent_profiles *p, const char *name, const char *body,
                            size_t body_len, struct strbuf *out)
{
    int status = 200;
    char *mode = NULL;
    cJSON *j = cJSON_ParseWithLength(body, body_len);
    const cJSON *m = j ? cJSON_GetObjectItemCaseSensitive(j, "mode") : NULL;
    if (cJSON_IsString(m) && (strcmp(m->valuestring, "enforce") == 0 || strcmp(m->valuestring, "complain") == 0))
        mode = xstrdup(m->valuestring);
    cJSON_Delete(j);
    if (!mode) {
        agent_json_error(out, "body must be {\"mode\":\"enforce\"} or {\"mode\":\"complain\"}");
        return 400;
    }
    pthread_mutex_lock(&p->lock);
    struct kept *k = kept_find(p, name);
    if (!k) {
        agent_json_error(out, "no source text kept for this profile (load it through this agent "
                              "with PUT first)");
        status = 409;
        goto out;
    }
    char *text = xstrdup(k->source);
    status = compile_and_load(p, name, text, strlen(text), false, strcmp(mode, "complain") == 0, out);
    if (status == 200)
        kept_set(p, name, text, mode);
    free(text);
out:
    pthread_mutex_unlock(&p->lock);
    free(mode);
    return status;
}

unsigned long agent_profiles_change_count(struct agent_profiles *p)
{
    pthread_mutex_lock(&p->lock);
    unsigned long n = p->change_count;
    pthread_mutex_unlock(&p->lock);
    return n;
}

void agent_profiles_counts(struct agent_profiles *p, long *profile_count, long long *revision)
{
    struct aafs_inventory inv;
    aafs_inventory_init(&inv);
    *profile_count = -1;
    *revision = -1;
    if (aafs_read_inventory(p->cfg.apparmorfs_dir, &inv, NULL) == 0) {
        *profile_count = (long)inv.profile_count;
        if (inv.has_revision)
            *revision = (long long)inv.revision;
    }
    aafs_inventory_done(&inv);
}

void agent_profiles_metrics(struct agent_profiles *p, struct strbuf *out)
{
    struct aafs_inventory inv;
    aafs_inventory_init(&inv);
    strbuf_puts(out, "# HELP armortop_agent_profiles Loaded AppArmor profiles by mode.\n"
                     "# TYPE armortop_agent_profiles gauge\n");
    if (aafs_read_inventory(p->cfg.apparmorfs_dir, &inv, NULL) == 0) {
        static const char *const modes[] = { "enforce", "complain", "kill", "unconfined", "user" };
        size_t counted[6] = { 0 };
        for (size_t i = 0; i < inv.profile_count; i++) {
            size_t m = 5;
            for (size_t k = 0; k < 5; k++)
                if (inv.profiles[i].mode && strcmp(inv.profiles[i].mode, modes[k]) == 0)
                    m = k;
            counted[m]++;
        }
        for (size_t k = 0; k < 5; k++)
            strbuf_printf(out, "armortop_agent_profiles{mode=\"%s\"} %zu\n", modes[k], counted[k]);
        strbuf_printf(out, "armortop_agent_profiles{mode=\"other\"} %zu\n", counted[5]);
        if (inv.has_revision)
            strbuf_printf(out, "# HELP armortop_agent_policy_revision apparmorfs policy revision.\n"
                               "# TYPE armortop_agent_policy_revision gauge\n"
                               "armortop_agent_policy_revision %llu\n", inv.revision);
    }
    aafs_inventory_done(&inv);
    strbuf_printf(out, "# HELP armortop_agent_changes_total Profile loads, replaces, removals and mode "
                       "switches done by this agent.\n# TYPE armortop_agent_changes_total counter\n"
                       "armortop_agent_changes_total %lu\n", agent_profiles_change_count(p));
}
