/*
 * kubeconfig: find and load cluster access the way kubectl does (explicit
 * file, else the $KUBECONFIG list merged first-wins, else ~/.kube/config, else
 * the in-cluster service account), and produce request credentials: static
 * token, tokenFile re-read every 60 s, or an exec credential plugin run with
 * fork+execve, its ExecCredential output cached until it expires.
 *
 * Depends on libc, libyaml (this is the only file that includes yaml.h),
 * json_exec (the cJSON side of exec plugins), xalloc, strbuf, kerr and log.
 * Must not print to stdout/stderr, call exit, or block on the network; the
 * only blocking is a plugin run, bounded by a timeout.
 */
#include "config.h"
#include "kubeconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <yaml.h>

#include "json_exec.h"
#include "log.h"
#include "strbuf.h"
#include "xalloc.h"

extern char **environ;

#define SA_DIR_DEFAULT "/var/run/secrets/kubernetes.io/serviceaccount"
#define TOKEN_FILE_MAX_AGE_S 60
#define TOKEN_FILE_MAX_LEN (1024 * 1024)
#define EXEC_TIMEOUT_MS_DEFAULT 60000
#define EXEC_STDOUT_MAX_LEN (1024 * 1024)
#define EXEC_STDERR_KEEP_LEN 4096
#define EXEC_EXPIRY_SLACK_S 10
#define EXEC_API_V1 "client.authentication.k8s.io/v1"
#define EXEC_API_V1BETA1 "client.authentication.k8s.io/v1beta1"

/* ---- credential cache (cfg->priv) ---- */

struct kc_cache {
    kube_clock_fn clock;          /* NULL = real clocks */
    void *clock_ud;
    int exec_timeout_ms;
    char *file_token;             /* last good tokenFile content, trimmed; owned */
    int64_t file_token_read_at;   /* monotonic seconds */
    bool has_exec_cred;
    struct json_exec_cred exec_cred;
};

/* ---- one parsed kubeconfig file ---- */

struct kc_file {
    char *path;           /* as given */
    char *dir;            /* absolute directory, base for relative paths */
    yaml_document_t doc;
    bool has_doc;
    bool is_empty;        /* no document, or a null top level */
};

struct kc_entry {
    const char *name;     /* borrowed from the file's document */
    yaml_node_t *node;    /* the cluster/user/context mapping; NULL when absent */
    struct kc_file *file; /* the file that defined it */
};

struct kc_table {
    struct kc_entry *v;
    size_t count;
    size_t cap;
};

struct kc_merged {
    struct kc_file **files;
    size_t file_count;
    struct kc_table clusters;
    struct kc_table users;
    struct kc_table contexts;
    const char *current_context;  /* borrowed, first file to set it wins */
};

/* ---- small helpers ---- */

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* Trim leading and trailing whitespace in place; returns the new length. */
static size_t trim(char *s)
{
    size_t len = strlen(s);
    size_t start = 0;

    while (len > 0 && is_space(s[len - 1]))
        len--;
    while (start < len && is_space(s[start]))
        start++;
    memmove(s, s + start, len - start);
    s[len - start] = '\0';
    return len - start;
}

static int b64_value(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

/* Strict standard base64 (padding required, alphabet only), skipping
 * whitespace. On success *out is owned, NUL-terminated, *out_len bytes
 * (0 → *out NULL). Returns 0 or -1 for malformed input. */
static int base64_decode(const char *in, char **out, size_t *out_len)
{
    int rc = -1;
    size_t n = strlen(in), clean_len = 0, o = 0;
    char *clean = xmalloc(n + 1);
    unsigned char *buf = NULL;

    *out = NULL;
    *out_len = 0;
    for (size_t i = 0; i < n; i++)
        if (!is_space(in[i]))
            clean[clean_len++] = in[i];
    if (clean_len == 0) {
        rc = 0;
        goto out;
    }
    if (clean_len % 4 != 0)
        goto out;
    buf = xmalloc(clean_len / 4 * 3 + 1);
    for (size_t i = 0; i < clean_len; i += 4) {
        bool is_last = i + 4 == clean_len;
        int v[4];
        int pad = 0;
        for (int k = 0; k < 4; k++) {
            char c = clean[i + k];
            if (c == '=') {
                if (!is_last || k < 2)
                    goto out;
                pad++;
                v[k] = 0;
                continue;
            }
            if (pad)
                goto out;  /* data after '=' */
            v[k] = b64_value((unsigned char)c);
            if (v[k] < 0)
                goto out;
        }
        uint32_t acc = (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 | (uint32_t)v[2] << 6 |
                       (uint32_t)v[3];
        buf[o++] = (unsigned char)(acc >> 16);
        if (pad < 2)
            buf[o++] = (unsigned char)(acc >> 8);
        if (pad < 1)
            buf[o++] = (unsigned char)acc;
    }
    buf[o] = '\0';
    if (o > 0) {
        *out = (char *)buf;
        *out_len = o;
        buf = NULL;
    }
    rc = 0;
out:
    free(buf);
    free(clean);
    return rc;
}

/* Owned standard base64 of len bytes, with padding. */
static char *base64_encode(const char *data, size_t len)
{
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const unsigned char *p = (const unsigned char *)data;
    char *out = xmalloc((len + 2) / 3 * 4 + 1);
    size_t o = 0;

    for (size_t i = 0; i < len; i += 3) {
        uint32_t acc = (uint32_t)p[i] << 16;
        if (i + 1 < len)
            acc |= (uint32_t)p[i + 1] << 8;
        if (i + 2 < len)
            acc |= p[i + 2];
        out[o++] = alphabet[(acc >> 18) & 63];
        out[o++] = alphabet[(acc >> 12) & 63];
        out[o++] = i + 1 < len ? alphabet[(acc >> 6) & 63] : '=';
        out[o++] = i + 2 < len ? alphabet[acc & 63] : '=';
    }
    out[o] = '\0';
    return out;
}

/* Owned absolute directory containing path (cwd-relative paths made absolute). */
static char *abs_dir_of(const char *path)
{
    char *dir = NULL, *cwd = NULL, *res = NULL;
    const char *slash = strrchr(path, '/');

    if (!slash)
        dir = xstrdup(".");
    else if (slash == path)
        dir = xstrdup("/");
    else
        dir = xstrndup(path, (size_t)(slash - path));
    if (dir[0] == '/') {
        res = dir;
        dir = NULL;
        goto out;
    }
    cwd = getcwd(NULL, 0);
    if (!cwd) {
        res = dir;
        dir = NULL;
        goto out;
    }
    if (strcmp(dir, ".") == 0)
        res = xstrdup(cwd);
    else
        res = xasprintf("%s/%s", cwd, strncmp(dir, "./", 2) == 0 ? dir + 2 : dir);
out:
    free(cwd);
    free(dir);
    return res;
}

/* Owned path: rel if absolute, else dir/rel (leading "./" dropped). */
static char *resolve_path(const char *dir, const char *rel)
{
    size_t dlen = strlen(dir);

    if (rel[0] == '/')
        return xstrdup(rel);
    while (rel[0] == '.' && rel[1] == '/')
        rel += 2;
    return xasprintf("%s%s%s", dir, dlen > 0 && dir[dlen - 1] == '/' ? "" : "/", rel);
}

/* Read a whole file (at most max_len bytes) into an owned NUL-terminated buffer.
 * Errors: KERR_IO (missing, unreadable, too large). */
static int read_whole_file(const char *path, size_t max_len, char **out, size_t *out_len,
                           struct kerr *err)
{
    int rc = 0;
    int fd = -1;
    struct strbuf sb;
    char buf[4096];

    strbuf_init(&sb);
    *out = NULL;
    *out_len = 0;
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        rc = kerr_set(err, KERR_IO, "cannot open %s: %s", path, strerror(errno));
        goto out;
    }
    for (;;) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            rc = kerr_set(err, KERR_IO, "cannot read %s: %s", path, strerror(errno));
            goto out;
        }
        if (n == 0)
            break;
        if (sb.len + (size_t)n > max_len) {
            rc = kerr_set(err, KERR_IO, "%s is larger than %zu bytes", path, max_len);
            goto out;
        }
        strbuf_append(&sb, buf, (size_t)n);
    }
    *out_len = sb.len;
    *out = strbuf_take(&sb);
out:
    if (fd >= 0)
        close(fd);
    strbuf_done(&sb);
    return rc;
}

static bool is_regular_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* ---- YAML access ---- */

/* Set err->where to file:line of n and the message; returns -code. */
static int node_err(struct kerr *err, int code, const struct kc_file *f, const yaml_node_t *n,
                    const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static int node_err(struct kerr *err, int code, const struct kc_file *f, const yaml_node_t *n,
                    const char *fmt, ...)
{
    char msg[sizeof err->msg];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    kerr_where(err, "%s:%lu", f->path, n ? (unsigned long)n->start_mark.line + 1 : 1UL);
    return kerr_set(err, code, "%s", msg);
}

static const char *scalar_of(const yaml_node_t *n)
{
    return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

/* null, ~, empty plain scalar, or no node at all. */
static bool node_is_null(const yaml_node_t *n)
{
    const char *v = scalar_of(n);

    if (v && n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
        v = NULL;  /* "null" in quotes is a string */
    return !n || (v && (v[0] == '\0' || strcmp(v, "~") == 0 || strcmp(v, "null") == 0 ||
                        strcmp(v, "Null") == 0 || strcmp(v, "NULL") == 0));
}

/* Value of key in a mapping node (first occurrence), or NULL. */
static yaml_node_t *map_get(yaml_document_t *doc, yaml_node_t *map, const char *key)
{
    yaml_node_t *val = NULL;

    if (!map || map->type != YAML_MAPPING_NODE)
        goto out;
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start;
         p < map->data.mapping.pairs.top && !val; p++) {
        const char *k = scalar_of(yaml_document_get_node(doc, p->key));
        if (k && strcmp(k, key) == 0)
            val = yaml_document_get_node(doc, p->value);
    }
out:
    return val;
}

/* String field: *out = owned copy, or untouched when absent, null or empty. */
static int get_str(struct kc_file *f, yaml_node_t *map, const char *key, char **out,
                   struct kerr *err)
{
    int rc = 0;
    yaml_node_t *n = map_get(&f->doc, map, key);

    if (node_is_null(n))
        goto out;
    if (n->type != YAML_SCALAR_NODE) {
        rc = node_err(err, KERR_CONFIG, f, n, "%s: expected a string", key);
        goto out;
    }
    if (n->data.scalar.length == 0)
        goto out;
    free(*out);
    *out = xstrndup(scalar_of(n), n->data.scalar.length);
out:
    return rc;
}

static int get_bool(struct kc_file *f, yaml_node_t *map, const char *key, bool *out,
                    struct kerr *err)
{
    static const char *const yes[] = { "true", "True", "TRUE", "yes", "Yes", "YES", "on", "On",
                                       "ON" };
    static const char *const no[] = { "false", "False", "FALSE", "no", "No", "NO", "off", "Off",
                                      "OFF" };
    int rc = 0;
    yaml_node_t *n = map_get(&f->doc, map, key);

    if (node_is_null(n))
        goto out;
    if (n->type == YAML_SCALAR_NODE && n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE) {
        for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++) {
            if (strcmp(scalar_of(n), yes[i]) == 0 || strcmp(scalar_of(n), no[i]) == 0) {
                *out = strcmp(scalar_of(n), yes[i]) == 0;
                goto out;
            }
        }
    }
    rc = node_err(err, KERR_CONFIG, f, n, "%s: expected true or false", key);
out:
    return rc;
}

/* Path field, resolved against the directory of the file that defined it. */
static int get_path(struct kc_file *f, yaml_node_t *map, const char *key, char **out,
                    struct kerr *err)
{
    char *s = NULL;
    int rc = get_str(f, map, key, &s, err);

    if (rc == 0 && s) {
        free(*out);
        *out = resolve_path(f->dir, s);
    }
    free(s);
    return rc;
}

/* *-data field: base64 decoded into owned bytes. */
static int get_b64(struct kc_file *f, yaml_node_t *map, const char *key, char **out,
                   size_t *out_len, struct kerr *err)
{
    char *s = NULL;
    int rc = get_str(f, map, key, &s, err);

    if (rc < 0 || !s)
        goto out;
    if (base64_decode(s, out, out_len) < 0)
        rc = node_err(err, KERR_CONFIG, f, map_get(&f->doc, map, key),
                      "%s: invalid base64", key);
out:
    free(s);
    return rc;
}

/* ---- loading and merging files ---- */

static void kc_file_free(struct kc_file *f)
{
    if (!f)
        return;
    if (f->has_doc)
        yaml_document_delete(&f->doc);
    free(f->path);
    free(f->dir);
    free(f);
}

/* Parse one file. A missing file with is_missing_ok gives 0 and *out NULL.
 * Errors: KERR_NOTFOUND (missing), KERR_IO, KERR_CONFIG (bad YAML, file:line). */
static int kc_file_load(const char *path, bool is_missing_ok, struct kc_file **out,
                        struct kerr *err)
{
    int rc = 0;
    FILE *fp = NULL;
    yaml_parser_t parser;
    bool has_parser = false;
    struct kc_file *f = NULL;
    yaml_node_t *root;

    *out = NULL;
    fp = fopen(path, "re");
    if (!fp) {
        if (errno == ENOENT && is_missing_ok)
            goto out;
        rc = kerr_set(err, errno == ENOENT ? KERR_NOTFOUND : KERR_IO,
                      "cannot open kubeconfig %s: %s", path, strerror(errno));
        goto out;
    }
    if (!yaml_parser_initialize(&parser)) {
        rc = kerr_set(err, KERR_NOMEM, "cannot initialise the YAML parser");
        goto out;
    }
    has_parser = true;
    yaml_parser_set_input_file(&parser, fp);
    f = xcalloc(1, sizeof *f);
    f->path = xstrdup(path);
    f->dir = abs_dir_of(path);
    if (!yaml_parser_load(&parser, &f->doc)) {
        kerr_where(err, "%s:%lu", path, (unsigned long)parser.problem_mark.line + 1);
        rc = kerr_set(err, KERR_CONFIG, "invalid YAML: %s%s%s (column %lu)",
                      parser.problem ? parser.problem : "parse error",
                      parser.context ? " " : "", parser.context ? parser.context : "",
                      (unsigned long)parser.problem_mark.column + 1);
        goto out;
    }
    f->has_doc = true;
    root = yaml_document_get_root_node(&f->doc);
    if (!root || node_is_null(root)) {
        f->is_empty = true;
    } else if (root->type != YAML_MAPPING_NODE) {
        rc = node_err(err, KERR_CONFIG, f, root, "a kubeconfig must be a YAML mapping");
        goto out;
    }
    *out = f;
    f = NULL;
out:
    kc_file_free(f);
    if (has_parser)
        yaml_parser_delete(&parser);
    if (fp)
        fclose(fp);
    return rc;
}

static struct kc_entry *table_find(struct kc_table *t, const char *name)
{
    struct kc_entry *e = NULL;

    for (size_t i = 0; i < t->count && !e; i++)
        if (strcmp(t->v[i].name, name) == 0)
            e = &t->v[i];
    return e;
}

/* kubectl rules: a later entry in the same file replaces an earlier one; an
 * entry from a later file never replaces one from an earlier file. */
static void table_add(struct kc_table *t, const char *name, yaml_node_t *node, struct kc_file *f)
{
    struct kc_entry *e = table_find(t, name);

    if (e) {
        if (e->file == f)
            e->node = node;
        return;
    }
    if (t->count == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 8;
        t->v = xreallocarray(t->v, t->cap, sizeof *t->v);
    }
    t->v[t->count++] = (struct kc_entry){ .name = name, .node = node, .file = f };
}

/* Index a `clusters:`/`users:`/`contexts:` list of {name, <what>} items. */
static int index_list(struct kc_table *t, struct kc_file *f, yaml_node_t *seq, const char *list,
                      const char *what, struct kerr *err)
{
    int rc = 0;

    if (node_is_null(seq))
        goto out;
    if (seq->type != YAML_SEQUENCE_NODE) {
        rc = node_err(err, KERR_CONFIG, f, seq, "%s: expected a list", list);
        goto out;
    }
    for (yaml_node_item_t *it = seq->data.sequence.items.start;
         it < seq->data.sequence.items.top; it++) {
        yaml_node_t *item = yaml_document_get_node(&f->doc, *it);
        if (!item || item->type != YAML_MAPPING_NODE) {
            rc = node_err(err, KERR_CONFIG, f, item, "%s: each entry must be a mapping", list);
            goto out;
        }
        const char *name = scalar_of(map_get(&f->doc, item, "name"));
        if (!name || !*name) {
            core_log(CORE_LOG_WARN, "%s:%lu: %s entry without a name ignored", f->path,
                     (unsigned long)item->start_mark.line + 1, list);
            continue;
        }
        yaml_node_t *val = map_get(&f->doc, item, what);
        if (node_is_null(val)) {
            val = NULL;
        } else if (val->type != YAML_MAPPING_NODE) {
            rc = node_err(err, KERR_CONFIG, f, val, "%s \"%s\": %s must be a mapping", list,
                          name, what);
            goto out;
        }
        table_add(t, name, val, f);
    }
out:
    return rc;
}

static int merged_index(struct kc_merged *m, struct kc_file *f, struct kerr *err)
{
    int rc = 0;
    yaml_node_t *root = yaml_document_get_root_node(&f->doc);

    if (f->is_empty)
        goto out;
    if ((rc = index_list(&m->clusters, f, map_get(&f->doc, root, "clusters"), "clusters",
                         "cluster", err)) < 0 ||
        (rc = index_list(&m->users, f, map_get(&f->doc, root, "users"), "users", "user",
                         err)) < 0 ||
        (rc = index_list(&m->contexts, f, map_get(&f->doc, root, "contexts"), "contexts",
                         "context", err)) < 0)
        goto out;
    yaml_node_t *cc = map_get(&f->doc, root, "current-context");
    if (!m->current_context && !node_is_null(cc)) {
        if (cc->type != YAML_SCALAR_NODE) {
            rc = node_err(err, KERR_CONFIG, f, cc, "current-context: expected a string");
            goto out;
        }
        if (cc->data.scalar.length > 0)
            m->current_context = scalar_of(cc);
    }
out:
    return rc;
}

/* Load path into the merge. Missing files are skipped when is_missing_ok. */
static int merged_add_file(struct kc_merged *m, const char *path, bool is_missing_ok,
                           struct kerr *err)
{
    int rc = 0;
    struct kc_file *f = NULL;

    for (size_t i = 0; i < m->file_count; i++)
        if (strcmp(m->files[i]->path, path) == 0)
            goto out;  /* listed twice: kubectl loads it once */
    rc = kc_file_load(path, is_missing_ok, &f, err);
    if (rc < 0 || !f)
        goto out;
    m->files = xreallocarray(m->files, m->file_count + 1, sizeof *m->files);
    m->files[m->file_count++] = f;
    rc = merged_index(m, f, err);
out:
    return rc;
}

static bool merged_is_empty(const struct kc_merged *m)
{
    return !m->current_context && m->clusters.count == 0 && m->users.count == 0 &&
           m->contexts.count == 0;
}

static void merged_done(struct kc_merged *m)
{
    for (size_t i = 0; i < m->file_count; i++)
        kc_file_free(m->files[i]);
    free(m->files);
    free(m->clusters.v);
    free(m->users.v);
    free(m->contexts.v);
    memset(m, 0, sizeof *m);
}

/* ---- building struct kube_config ---- */

static void exec_config_free(struct kube_exec_config *x)
{
    if (!x)
        return;
    free(x->command);
    for (char **a = x->args; a && *a; a++)
        free(*a);
    free(x->args);
    for (size_t i = 0; i < x->env_count; i++) {
        free(x->env[i].name);
        free(x->env[i].value);
    }
    free(x->env);
    free(x->api_version);
    free(x->install_hint);
    free(x->interactive_mode);
    free(x);
}

static int parse_exec(struct kc_file *f, yaml_node_t *n, const char *user,
                      struct kube_exec_config **out, struct kerr *err)
{
    int rc = 0;
    struct kube_exec_config *x = xcalloc(1, sizeof *x);
    yaml_node_t *args, *env;
    size_t count = 0;

    *out = NULL;
    if (n->type != YAML_MAPPING_NODE) {
        rc = node_err(err, KERR_CONFIG, f, n, "user \"%s\": exec must be a mapping", user);
        goto out;
    }
    if ((rc = get_str(f, n, "command", &x->command, err)) < 0 ||
        (rc = get_str(f, n, "apiVersion", &x->api_version, err)) < 0 ||
        (rc = get_str(f, n, "installHint", &x->install_hint, err)) < 0 ||
        (rc = get_bool(f, n, "provideClusterInfo", &x->provide_cluster_info, err)) < 0 ||
        (rc = get_str(f, n, "interactiveMode", &x->interactive_mode, err)) < 0)
        goto out;
    if (!x->command) {
        rc = node_err(err, KERR_CONFIG, f, n, "user \"%s\": exec.command is required", user);
        goto out;
    }
    if (!x->api_version) {
        rc = node_err(err, KERR_CONFIG, f, n, "user \"%s\": exec.apiVersion is required", user);
        goto out;
    }
    if (strcmp(x->api_version, EXEC_API_V1) != 0 && strcmp(x->api_version, EXEC_API_V1BETA1) != 0) {
        rc = node_err(err, KERR_CONFIG, f, n,
                      "user \"%s\": exec.apiVersion %s is not supported (use %s)", user,
                      x->api_version, EXEC_API_V1);
        goto out;
    }
    if (x->interactive_mode && strcmp(x->interactive_mode, "Never") != 0 &&
        strcmp(x->interactive_mode, "IfAvailable") != 0 &&
        strcmp(x->interactive_mode, "Always") != 0) {
        rc = node_err(err, KERR_CONFIG, f, n,
                      "user \"%s\": exec.interactiveMode %s is not Never, IfAvailable or Always",
                      user, x->interactive_mode);
        goto out;
    }
    if (!x->interactive_mode && strcmp(x->api_version, EXEC_API_V1) == 0) {
        rc = node_err(err, KERR_CONFIG, f, n,
                      "user \"%s\": exec.interactiveMode is required for %s", user, EXEC_API_V1);
        goto out;
    }
    if (strchr(x->command, '/') && x->command[0] != '/') {
        char *abs = resolve_path(f->dir, x->command);
        free(x->command);
        x->command = abs;
    }

    args = map_get(&f->doc, n, "args");
    if (!node_is_null(args) && args->type != YAML_SEQUENCE_NODE) {
        rc = node_err(err, KERR_CONFIG, f, args, "exec.args: expected a list");
        goto out;
    }
    if (!node_is_null(args))
        count = (size_t)(args->data.sequence.items.top - args->data.sequence.items.start);
    x->args = xcalloc(count + 1, sizeof *x->args);
    for (size_t i = 0; i < count; i++) {
        yaml_node_t *a = yaml_document_get_node(&f->doc, args->data.sequence.items.start[i]);
        if (!a || a->type != YAML_SCALAR_NODE) {
            rc = node_err(err, KERR_CONFIG, f, a ? a : args, "exec.args: expected strings");
            goto out;
        }
        x->args[i] = xstrndup(scalar_of(a), a->data.scalar.length);
    }

    env = map_get(&f->doc, n, "env");
    if (node_is_null(env))
        goto out;
    if (env->type != YAML_SEQUENCE_NODE) {
        rc = node_err(err, KERR_CONFIG, f, env, "exec.env: expected a list of {name, value}");
        goto out;
    }
    count = (size_t)(env->data.sequence.items.top - env->data.sequence.items.start);
    if (count == 0)
        goto out;
    x->env = xcalloc(count, sizeof *x->env);
    for (size_t i = 0; i < count; i++) {
        yaml_node_t *e = yaml_document_get_node(&f->doc, env->data.sequence.items.start[i]);
        struct kube_exec_env *ev = &x->env[x->env_count];
        if (!e || e->type != YAML_MAPPING_NODE) {
            rc = node_err(err, KERR_CONFIG, f, e ? e : env,
                          "exec.env: each entry must be {name, value}");
            goto out;
        }
        x->env_count++;
        if ((rc = get_str(f, e, "name", &ev->name, err)) < 0 ||
            (rc = get_str(f, e, "value", &ev->value, err)) < 0)
            goto out;
        if (!ev->name || strchr(ev->name, '=')) {
            rc = node_err(err, KERR_CONFIG, f, e, "exec.env: entry needs a name without '='");
            goto out;
        }
        if (!ev->value)
            ev->value = xstrdup("");
    }
out:
    if (rc < 0)
        exec_config_free(x);
    else
        *out = x;
    return rc;
}

static int fill_cluster(struct kube_config *cfg, struct kc_entry *e, struct kerr *err)
{
    int rc = 0;
    struct kc_file *f = e->file;
    yaml_node_t *n = e->node;

    if ((rc = get_str(f, n, "server", &cfg->server, err)) < 0 ||
        (rc = get_path(f, n, "certificate-authority", &cfg->ca_file, err)) < 0 ||
        (rc = get_b64(f, n, "certificate-authority-data", &cfg->ca_data, &cfg->ca_data_len,
                      err)) < 0 ||
        (rc = get_bool(f, n, "insecure-skip-tls-verify", &cfg->is_insecure, err)) < 0 ||
        (rc = get_str(f, n, "tls-server-name", &cfg->tls_server_name, err)) < 0 ||
        (rc = get_str(f, n, "proxy-url", &cfg->proxy_url, err)) < 0)
        goto out;
    if (cfg->ca_data) {  /* certificate-authority-data takes precedence */
        free(cfg->ca_file);
        cfg->ca_file = NULL;
    }
    if (!cfg->server) {
        rc = node_err(err, KERR_CONFIG, f, n, "cluster \"%s\" has no server", e->name);
        goto out;
    }
    if (!strstr(cfg->server, "://")) {
        char *s = xasprintf("https://%s", cfg->server);
        free(cfg->server);
        cfg->server = s;
    }
out:
    return rc;
}

static int fill_user(struct kube_config *cfg, struct kc_entry *e, struct kerr *err)
{
    int rc = 0;
    struct kc_file *f = e->file;
    yaml_node_t *n = e->node;
    yaml_node_t *x;

    if (!n)
        goto out;
    if ((rc = get_path(f, n, "client-certificate", &cfg->client_cert_file, err)) < 0 ||
        (rc = get_b64(f, n, "client-certificate-data", &cfg->client_cert_data,
                      &cfg->client_cert_data_len, err)) < 0 ||
        (rc = get_path(f, n, "client-key", &cfg->client_key_file, err)) < 0 ||
        (rc = get_b64(f, n, "client-key-data", &cfg->client_key_data,
                      &cfg->client_key_data_len, err)) < 0 ||
        (rc = get_str(f, n, "token", &cfg->token, err)) < 0 ||
        (rc = get_path(f, n, "tokenFile", &cfg->token_file, err)) < 0 ||
        (rc = get_str(f, n, "username", &cfg->username, err)) < 0 ||
        (rc = get_str(f, n, "password", &cfg->password, err)) < 0)
        goto out;
    if (cfg->client_cert_data) {
        free(cfg->client_cert_file);
        cfg->client_cert_file = NULL;
    }
    if (cfg->client_key_data) {
        free(cfg->client_key_file);
        cfg->client_key_file = NULL;
    }
    if ((cfg->token || cfg->token_file) && (cfg->username || cfg->password)) {
        rc = node_err(err, KERR_CONFIG, f, n,
                      "user \"%s\": more than one authentication method (token and "
                      "username/password); only one is allowed", e->name);
        goto out;
    }
    x = map_get(&f->doc, n, "exec");
    if (!node_is_null(x) && (rc = parse_exec(f, x, e->name, &cfg->exec, err)) < 0)
        goto out;
    if (!node_is_null(map_get(&f->doc, n, "auth-provider")))
        core_log(CORE_LOG_WARN, "%s: user \"%s\": auth-provider plugins are not supported; "
                 "use an exec plugin", f->path, e->name);
out:
    return rc;
}

/* Names of all contexts, for error messages. */
static void list_contexts(const struct kc_merged *m, struct strbuf *sb)
{
    if (m->contexts.count == 0) {
        strbuf_puts(sb, "none defined");
        return;
    }
    for (size_t i = 0; i < m->contexts.count; i++) {
        if (i)
            strbuf_puts(sb, ", ");
        strbuf_puts(sb, m->contexts.v[i].name);
    }
}

static int build_from_files(struct kc_merged *m, const struct kubeconfig_opts *opts,
                            struct kube_config *cfg, struct kerr *err)
{
    int rc = 0;
    const char *ctx_name = opts->context ? opts->context : m->current_context;
    struct kc_entry *ctx, *cl, *us;
    char *cluster = NULL, *user = NULL, *ns = NULL;
    struct strbuf names;

    strbuf_init(&names);
    list_contexts(m, &names);
    if (!ctx_name || !*ctx_name) {
        rc = kerr_set(err, KERR_CONFIG, "current-context is not set in %s; choose one with "
                      "--context (contexts: %s)", cfg->source, strbuf_str(&names));
        goto out;
    }
    ctx = table_find(&m->contexts, ctx_name);
    if (!ctx) {
        rc = kerr_set(err, KERR_CONFIG, "context \"%s\" not found in %s (contexts: %s)",
                      ctx_name, cfg->source, strbuf_str(&names));
        goto out;
    }
    cfg->context = xstrdup(ctx_name);
    if ((rc = get_str(ctx->file, ctx->node, "cluster", &cluster, err)) < 0 ||
        (rc = get_str(ctx->file, ctx->node, "user", &user, err)) < 0 ||
        (rc = get_str(ctx->file, ctx->node, "namespace", &ns, err)) < 0)
        goto out;
    if (!cluster) {
        rc = kerr_set(err, KERR_CONFIG, "context \"%s\" names no cluster", ctx_name);
        goto out;
    }
    cl = table_find(&m->clusters, cluster);
    if (!cl) {
        rc = kerr_set(err, KERR_CONFIG, "cluster \"%s\" of context \"%s\" not found in %s",
                      cluster, ctx_name, cfg->source);
        goto out;
    }
    cfg->cluster_name = xstrdup(cluster);
    if ((rc = fill_cluster(cfg, cl, err)) < 0)
        goto out;
    if (user) {
        us = table_find(&m->users, user);
        if (!us) {
            rc = kerr_set(err, KERR_CONFIG, "user \"%s\" of context \"%s\" not found in %s",
                          user, ctx_name, cfg->source);
            goto out;
        }
        cfg->user_name = xstrdup(user);
        if ((rc = fill_user(cfg, us, err)) < 0)
            goto out;
    }
    cfg->namespace = xstrdup(opts->namespace && *opts->namespace ? opts->namespace
                             : ns                                 ? ns
                                                                  : "default");
out:
    strbuf_done(&names);
    free(cluster);
    free(user);
    free(ns);
    return rc;
}

/* ---- in-cluster ---- */

static bool in_cluster_possible(const char *host, const char *port, const char *sa_dir)
{
    bool ok = false;
    char *token = NULL;

    if (!host || !*host || !port || !*port)
        goto out;
    token = xasprintf("%s/token", sa_dir);
    ok = is_regular_file(token);
out:
    free(token);
    return ok;
}

static int load_in_cluster(const struct kubeconfig_opts *opts, const char *host,
                           const char *port, const char *sa_dir, struct kube_config *cfg)
{
    char *ca = xasprintf("%s/ca.crt", sa_dir);
    char *ns_path = xasprintf("%s/namespace", sa_dir);
    char *ns = NULL;
    size_t ns_len = 0;
    const char *pod_ns = opts->no_env ? NULL : getenv("POD_NAMESPACE");
    bool is_v6 = strchr(host, ':') && host[0] != '[';

    cfg->is_in_cluster = true;
    cfg->context = xstrdup("in-cluster");
    cfg->cluster_name = xstrdup("in-cluster");
    cfg->user_name = xstrdup("in-cluster");
    cfg->server = xasprintf("https://%s%s%s:%s", is_v6 ? "[" : "", host, is_v6 ? "]" : "", port);
    cfg->source = xasprintf("in-cluster service account (%s)", sa_dir);
    cfg->token_file = xasprintf("%s/token", sa_dir);
    if (is_regular_file(ca)) {
        cfg->ca_file = ca;
        ca = NULL;
    } else {
        core_log(CORE_LOG_WARN, "in-cluster: %s missing; using the system CA store", ca);
    }
    if (opts->namespace && *opts->namespace) {
        cfg->namespace = xstrdup(opts->namespace);
    } else if (pod_ns && *pod_ns) {
        cfg->namespace = xstrdup(pod_ns);
    } else if (read_whole_file(ns_path, 4096, &ns, &ns_len, NULL) == 0 && trim(ns) > 0) {
        cfg->namespace = ns;
        ns = NULL;
    } else {
        cfg->namespace = xstrdup("default");
    }
    free(ns);
    free(ns_path);
    free(ca);
    return 0;
}

/* ---- public: load / free ---- */

static const char *opt_or_env(const struct kubeconfig_opts *opts, const char *val,
                              const char *name)
{
    return val || opts->no_env ? val : getenv(name);
}

int kubeconfig_load(const struct kubeconfig_opts *opts_in, struct kube_config **out,
                    struct kerr *err)
{
    static const struct kubeconfig_opts no_opts;
    const struct kubeconfig_opts *opts = opts_in ? opts_in : &no_opts;
    int rc = 0;
    struct kc_merged m = { 0 };
    struct kube_config *cfg = xcalloc(1, sizeof *cfg);
    struct kc_cache *cache;
    struct strbuf looked, source;
    char *home_cfg = NULL;
    const char *kcenv = opt_or_env(opts, opts->kubeconfig_env, "KUBECONFIG");
    const char *home = opt_or_env(opts, opts->home, "HOME");
    const char *host = opt_or_env(opts, opts->service_host, "KUBERNETES_SERVICE_HOST");
    const char *port = opt_or_env(opts, opts->service_port, "KUBERNETES_SERVICE_PORT");
    const char *sa_dir = opts->sa_dir ? opts->sa_dir : SA_DIR_DEFAULT;

    strbuf_init(&looked);
    strbuf_init(&source);
    kerr_clear(err);
    *out = NULL;
    if (opts->explicit_path) {
        strbuf_printf(&looked, "--kubeconfig %s", opts->explicit_path);
        if ((rc = merged_add_file(&m, opts->explicit_path, false, err)) < 0)
            goto out;
    } else if (kcenv && *kcenv) {
        char *list = xstrdup(kcenv), *save = NULL;
        strbuf_printf(&looked, "$KUBECONFIG=%s", kcenv);
        for (char *p = strtok_r(list, ":", &save); p; p = strtok_r(NULL, ":", &save)) {
            if ((rc = merged_add_file(&m, p, true, err)) < 0)
                break;
        }
        free(list);
        if (rc < 0)
            goto out;
        if (m.file_count == 0)
            core_log(CORE_LOG_WARN, "none of the files in $KUBECONFIG exist: %s", kcenv);
    } else if (home && *home) {
        home_cfg = xasprintf("%s/.kube/config", home);
        strbuf_puts(&looked, home_cfg);
        if ((rc = merged_add_file(&m, home_cfg, true, err)) < 0)
            goto out;
    } else {
        strbuf_puts(&looked, "$HOME unset, no ~/.kube/config");
    }
    for (size_t i = 0; i < m.file_count; i++) {
        if (i)
            strbuf_putc(&source, ':');
        strbuf_puts(&source, m.files[i]->path);
    }
    cfg->source = strbuf_take(&source);

    if (!merged_is_empty(&m) || opts->context) {
        rc = build_from_files(&m, opts, cfg, err);
        goto out;
    }
    if (in_cluster_possible(host, port, sa_dir)) {
        free(cfg->source);
        cfg->source = NULL;
        rc = load_in_cluster(opts, host, port, sa_dir, cfg);
        goto out;
    }
    strbuf_printf(&looked, "; not in a cluster (%s)",
                  !host || !*host   ? "KUBERNETES_SERVICE_HOST unset"
                  : !port || !*port ? "KUBERNETES_SERVICE_PORT unset"
                                    : "no service account token");
    if (m.file_count > 0)
        rc = kerr_set(err, KERR_CONFIG, "no configuration in %s (no contexts, clusters or "
                      "users); looked at %s", cfg->source, strbuf_str(&looked));
    else
        rc = kerr_set(err, KERR_NOTFOUND, "no kubeconfig found; looked at %s",
                      strbuf_str(&looked));
out:
    if (rc == 0) {
        cache = xcalloc(1, sizeof *cache);
        cache->exec_timeout_ms = EXEC_TIMEOUT_MS_DEFAULT;
        cfg->priv = cache;
        *out = cfg;
        cfg = NULL;
    }
    kube_config_free(&cfg);
    merged_done(&m);
    free(home_cfg);
    strbuf_done(&looked);
    strbuf_done(&source);
    return rc;
}

static void cache_clear(struct kc_cache *c)
{
    free(c->file_token);
    c->file_token = NULL;
    c->file_token_read_at = 0;
    json_exec_cred_done(&c->exec_cred);
    c->has_exec_cred = false;
}

void kube_config_free(struct kube_config **cfgp)
{
    struct kube_config *cfg;

    if (!cfgp || !*cfgp)
        return;
    cfg = *cfgp;
    if (cfg->priv) {
        cache_clear(cfg->priv);
        free(cfg->priv);
    }
    free(cfg->context);
    free(cfg->cluster_name);
    free(cfg->user_name);
    free(cfg->server);
    free(cfg->namespace);
    free(cfg->source);
    free(cfg->ca_file);
    free(cfg->ca_data);
    free(cfg->tls_server_name);
    free(cfg->proxy_url);
    free(cfg->client_cert_file);
    free(cfg->client_cert_data);
    free(cfg->client_key_file);
    free(cfg->client_key_data);
    free(cfg->token);
    free(cfg->token_file);
    free(cfg->username);
    free(cfg->password);
    exec_config_free(cfg->exec);
    free(cfg);
    *cfgp = NULL;
}

/* ---- credentials ---- */

static int64_t clock_s(const struct kc_cache *c, bool is_monotonic)
{
    struct timespec ts;

    if (c->clock)
        return c->clock(is_monotonic, c->clock_ud);
    clock_gettime(is_monotonic ? CLOCK_MONOTONIC : CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec;
}

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void kube_config_set_clock(struct kube_config *cfg, kube_clock_fn fn, void *ud)
{
    struct kc_cache *c = cfg ? cfg->priv : NULL;
    if (!c)
        return;
    c->clock = fn;
    c->clock_ud = fn ? ud : NULL;
}

void kube_config_set_exec_timeout(struct kube_config *cfg, int timeout_ms)
{
    struct kc_cache *c = cfg ? cfg->priv : NULL;
    if (c)
        c->exec_timeout_ms = timeout_ms > 0 ? timeout_ms : EXEC_TIMEOUT_MS_DEFAULT;
}

void kube_config_invalidate_credentials(struct kube_config *cfg)
{
    if (cfg && cfg->priv)
        cache_clear(cfg->priv);
}

/* Re-read tokenFile when never read or older than 60 s. A failed re-read keeps
 * the previous token (as client-go does); a failed first read is KERR_IO. */
static int token_file_refresh(const struct kube_config *cfg, struct kc_cache *c,
                              struct kerr *err)
{
    int rc = 0;
    int64_t now = clock_s(c, true);
    char *tok = NULL;
    size_t len = 0;
    struct kerr rerr = { 0 };

    if (c->file_token && now - c->file_token_read_at < TOKEN_FILE_MAX_AGE_S)
        goto out;
    rc = read_whole_file(cfg->token_file, TOKEN_FILE_MAX_LEN, &tok, &len, &rerr);
    if (rc == 0 && trim(tok) == 0)
        rc = kerr_set(&rerr, KERR_IO, "token file %s is empty", cfg->token_file);
    if (rc < 0) {
        if (c->file_token) {
            core_log(CORE_LOG_WARN, "%s; keeping the previous token", rerr.msg);
            rc = 0;
        } else {
            rc = kerr_set(err, KERR_IO, "tokenFile: %s", rerr.msg);
        }
        goto out;
    }
    free(c->file_token);
    c->file_token = tok;
    tok = NULL;
    c->file_token_read_at = now;
out:
    free(tok);
    return rc;
}

/* Owned path of an executable: cmd itself when it contains '/', else the first
 * match on $PATH. NULL when there is none. */
static char *find_executable(const char *cmd)
{
    char *res = NULL, *list = NULL, *save = NULL;
    const char *path = getenv("PATH");

    if (strchr(cmd, '/')) {
        if (is_regular_file(cmd) && access(cmd, X_OK) == 0)
            res = xstrdup(cmd);
        goto out;
    }
    if (!path || !*path)
        path = "/usr/local/bin:/usr/bin:/bin";
    list = xstrdup(path);
    /* strtok_r drops empty entries; POSIX reads them as ".", kubectl (Go) too,
     * but running plugins from the cwd is a hazard, so we skip them. */
    for (char *dir = strtok_r(list, ":", &save); dir && !res; dir = strtok_r(NULL, ":", &save)) {
        char *cand = xasprintf("%s/%s", dir, cmd);
        if (is_regular_file(cand) && access(cand, X_OK) == 0)
            res = cand;
        else
            free(cand);
    }
out:
    free(list);
    return res;
}

/* Owned environment: ours minus names the plugin config sets, plus those,
 * plus KUBERNETES_EXEC_INFO. */
static char **build_env(const struct kube_exec_config *x, const char *info)
{
    size_t n = 0, o = 0;
    char **envp;

    while (environ && environ[n])
        n++;
    envp = xcalloc(n + x->env_count + 2, sizeof *envp);
    for (size_t i = 0; i < n; i++) {
        const char *eq = strchr(environ[i], '=');
        size_t nlen = eq ? (size_t)(eq - environ[i]) : strlen(environ[i]);
        bool is_overridden = nlen == strlen("KUBERNETES_EXEC_INFO") &&
                             strncmp(environ[i], "KUBERNETES_EXEC_INFO", nlen) == 0;
        for (size_t k = 0; k < x->env_count && !is_overridden; k++)
            is_overridden = strlen(x->env[k].name) == nlen &&
                            strncmp(environ[i], x->env[k].name, nlen) == 0;
        if (!is_overridden)
            envp[o++] = xstrdup(environ[i]);
    }
    for (size_t k = 0; k < x->env_count; k++) {
        bool is_dup = false;  /* a later duplicate name replaces an earlier one */
        for (size_t j = k + 1; j < x->env_count && !is_dup; j++)
            is_dup = strcmp(x->env[j].name, x->env[k].name) == 0;
        if (!is_dup)
            envp[o++] = xasprintf("%s=%s", x->env[k].name, x->env[k].value);
    }
    envp[o++] = xasprintf("KUBERNETES_EXEC_INFO=%s", info);
    envp[o] = NULL;
    return envp;
}

static void free_vec(char **v)
{
    for (char **p = v; p && *p; p++)
        free(*p);
    free(v);
}

/* Owned KUBERNETES_EXEC_INFO value for cfg. */
static char *build_exec_info(const struct kube_config *cfg)
{
    const struct kube_exec_config *x = cfg->exec;
    struct json_exec_cluster cl = { 0 };
    char *ca_b64 = NULL, *ca = NULL, *info;
    size_t ca_len = 0;

    if (!x->provide_cluster_info) {
        info = json_exec_info_build(x->api_version, false, NULL);
        goto out;
    }
    if (cfg->ca_data) {
        ca_b64 = base64_encode(cfg->ca_data, cfg->ca_data_len);
    } else if (cfg->ca_file &&
               read_whole_file(cfg->ca_file, TOKEN_FILE_MAX_LEN, &ca, &ca_len, NULL) == 0 &&
               ca_len > 0) {
        ca_b64 = base64_encode(ca, ca_len);
    }
    cl.server = cfg->server;
    cl.ca_data_b64 = ca_b64;
    cl.is_insecure = cfg->is_insecure;
    cl.tls_server_name = cfg->tls_server_name;
    cl.proxy_url = cfg->proxy_url;
    info = json_exec_info_build(x->api_version, false, &cl);
out:
    free(ca);
    free(ca_b64);
    return info;
}

/* In the child between fork and execve: async-signal-safe calls only. */
static void child_dup(int fd, int target)
{
    if (fd == target)
        fcntl(fd, F_SETFD, 0);
    else
        dup2(fd, target);
}

static _Noreturn void child_exec(const char *path, char **argv, char **envp, int in_fd,
                                 int out_fd, int err_fd, int status_fd)
{
    sigset_t none;
    struct sigaction dfl;
    int e;

    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    sigaction(SIGPIPE, &dfl, NULL);
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    setpgid(0, 0);
    child_dup(in_fd, 0);
    child_dup(out_fd, 1);
    child_dup(err_fd, 2);
    execve(path, argv, envp);
    e = errno;
    if (write(status_fd, &e, sizeof e) < 0) {
        /* nothing more to do: the parent sees exit status 127 */
    }
    _exit(127);
}

/* Read the plugin's stdout (limit 1 MiB) and stderr (first 4 KB kept) until
 * both close or the deadline passes. Errors: KERR_EXEC (timeout, too big, I/O). */
static int collect_output(int out_fd, int err_fd, int timeout_ms, const char *cmd,
                          struct strbuf *out, struct strbuf *errb, struct kerr *err)
{
    int rc = 0;
    int64_t deadline = mono_ms() + timeout_ms;
    struct pollfd pfd[2] = { { .fd = out_fd, .events = POLLIN }, { .fd = err_fd, .events = POLLIN } };
    char buf[8192];

    while (pfd[0].fd >= 0 || pfd[1].fd >= 0) {
        int64_t left = deadline - mono_ms();
        if (left <= 0) {
            rc = kerr_set(err, KERR_EXEC, "exec plugin %s timed out after %d s and was killed",
                          cmd, (timeout_ms + 999) / 1000);
            goto out;
        }
        int n = poll(pfd, 2, (int)left);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            rc = kerr_set(err, KERR_EXEC, "exec plugin %s: poll: %s", cmd, strerror(errno));
            goto out;
        }
        for (int i = 0; i < 2; i++) {
            if (pfd[i].fd < 0 || !(pfd[i].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            ssize_t got = read(pfd[i].fd, buf, sizeof buf);
            if (got < 0 && (errno == EINTR || errno == EAGAIN))
                continue;
            if (got <= 0) {
                pfd[i].fd = -1;
                continue;
            }
            if (i == 0) {
                if (out->len + (size_t)got > EXEC_STDOUT_MAX_LEN) {
                    rc = kerr_set(err, KERR_EXEC, "exec plugin %s printed more than %d bytes",
                                  cmd, EXEC_STDOUT_MAX_LEN);
                    goto out;
                }
                strbuf_append(out, buf, (size_t)got);
            } else if (errb->len < EXEC_STDERR_KEEP_LEN) {
                size_t keep = EXEC_STDERR_KEEP_LEN - errb->len;
                strbuf_append(errb, buf, (size_t)got < keep ? (size_t)got : keep);
            }
        }
    }
out:
    return rc;
}

static void close_fd(int *fd)
{
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

static int wait_child(pid_t pid, int *status)
{
    pid_t r;

    do {
        r = waitpid(pid, status, 0);
    } while (r < 0 && errno == EINTR);
    return r == pid ? 0 : -1;
}

/* Run the exec plugin once and decode its ExecCredential into *cred. */
static int exec_run(const struct kube_config *cfg, const struct kc_cache *c,
                    struct json_exec_cred *cred, struct kerr *err)
{
    const struct kube_exec_config *x = cfg->exec;
    int rc = 0;
    char *path = NULL, *info = NULL;
    char **argv = NULL, **envp = NULL;
    size_t argc = 0;
    int out_p[2] = { -1, -1 }, err_p[2] = { -1, -1 }, st_p[2] = { -1, -1 }, devnull = -1;
    pid_t pid = -1;
    int status = 0, child_errno = 0;
    ssize_t n;
    struct strbuf out_sb, err_sb;

    strbuf_init(&out_sb);
    strbuf_init(&err_sb);
    if (x->interactive_mode && strcmp(x->interactive_mode, "Always") == 0) {
        rc = kerr_set(err, KERR_EXEC, "exec plugin %s needs a terminal (interactiveMode: Always) "
                      "and armortop runs plugins non-interactively; run it once with kubectl "
                      "or set interactiveMode: IfAvailable", x->command);
        goto out;
    }
    path = find_executable(x->command);
    if (!path) {
        rc = kerr_set(err, KERR_EXEC, "exec plugin executable %s not found%s%s", x->command,
                      x->install_hint ? ": " : " (the client-go credential plugin is not "
                                               "installed)",
                      x->install_hint ? x->install_hint : "");
        goto out;
    }
    while (x->args && x->args[argc])
        argc++;
    argv = xcalloc(argc + 2, sizeof *argv);
    argv[0] = xstrdup(x->command);
    for (size_t i = 0; i < argc; i++)
        argv[i + 1] = xstrdup(x->args[i]);
    info = build_exec_info(cfg);
    envp = build_env(x, info);

    devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (devnull < 0 || pipe2(out_p, O_CLOEXEC) < 0 || pipe2(err_p, O_CLOEXEC) < 0 ||
        pipe2(st_p, O_CLOEXEC) < 0) {
        rc = kerr_set(err, KERR_EXEC, "exec plugin %s: cannot set up pipes: %s", x->command,
                      strerror(errno));
        goto out;
    }
    pid = fork();
    if (pid < 0) {
        rc = kerr_set(err, KERR_EXEC, "exec plugin %s: fork: %s", x->command, strerror(errno));
        goto out;
    }
    if (pid == 0)
        child_exec(path, argv, envp, devnull, out_p[1], err_p[1], st_p[1]);
    setpgid(pid, pid);  /* also done by the child; whichever runs first wins */
    close_fd(&out_p[1]);
    close_fd(&err_p[1]);
    close_fd(&st_p[1]);
    close_fd(&devnull);
    do {
        n = read(st_p[0], &child_errno, sizeof child_errno);
    } while (n < 0 && errno == EINTR);
    if (n == (ssize_t)sizeof child_errno) {
        rc = kerr_set(err, KERR_EXEC, "cannot execute exec plugin %s: %s", path,
                      strerror(child_errno));
        goto out;
    }
    rc = collect_output(out_p[0], err_p[0], c->exec_timeout_ms, x->command, &out_sb, &err_sb,
                        err);
    if (rc < 0)
        goto out;
    if (wait_child(pid, &status) < 0) {
        rc = kerr_set(err, KERR_EXEC, "exec plugin %s: waitpid: %s", x->command,
                      strerror(errno));
        goto out;
    }
    pid = -1;
    if (err_sb.buf)
        err_sb.len = trim(err_sb.buf);
    if (WIFSIGNALED(status)) {
        rc = kerr_set(err, KERR_EXEC, "exec plugin %s killed by signal %d%s%s", x->command,
                      WTERMSIG(status), err_sb.len ? ": " : "", strbuf_str(&err_sb));
        goto out;
    }
    if (WEXITSTATUS(status) != 0) {
        rc = kerr_set(err, KERR_EXEC, "exec plugin %s exited with status %d%s%s", x->command,
                      WEXITSTATUS(status), err_sb.len ? ": " : "", strbuf_str(&err_sb));
        goto out;
    }
    rc = json_exec_cred_parse(out_sb.buf, out_sb.len, x->api_version, cred, err);
out:
    if (pid > 0) {  /* still running: timeout, overflow or exec failure */
        kill(-pid, SIGKILL);
        kill(pid, SIGKILL);
        wait_child(pid, &status);
    }
    close_fd(&out_p[0]);
    close_fd(&out_p[1]);
    close_fd(&err_p[0]);
    close_fd(&err_p[1]);
    close_fd(&st_p[0]);
    close_fd(&st_p[1]);
    close_fd(&devnull);
    strbuf_done(&out_sb);
    strbuf_done(&err_sb);
    free_vec(envp);
    free_vec(argv);
    free(info);
    free(path);
    return rc;
}

/* Use the cached ExecCredential until 10 s before it expires (forever when it
 * has no expiry, until invalidated); otherwise run the plugin again. */
static int exec_refresh(const struct kube_config *cfg, struct kc_cache *c, struct kerr *err)
{
    int rc = 0;
    struct json_exec_cred cred;

    if (c->has_exec_cred &&
        (c->exec_cred.expires_at == 0 ||
         clock_s(c, false) < c->exec_cred.expires_at - EXEC_EXPIRY_SLACK_S))
        goto out;
    json_exec_cred_done(&c->exec_cred);
    c->has_exec_cred = false;
    rc = exec_run(cfg, c, &cred, err);
    if (rc < 0)
        goto out;
    c->exec_cred = cred;
    c->has_exec_cred = true;
out:
    return rc;
}

int kube_config_credentials(struct kube_config *cfg, struct kube_credentials *out,
                            struct kerr *err)
{
    int rc = 0;
    struct kc_cache *c;

    memset(out, 0, sizeof *out);
    if (!cfg || !cfg->priv) {
        rc = kerr_set(err, KERR_INVAL, "no kubeconfig loaded");
        goto out;
    }
    c = cfg->priv;
    if (cfg->token) {
        out->token = cfg->token;
    } else if (cfg->token_file) {
        if ((rc = token_file_refresh(cfg, c, err)) < 0)
            goto out;
        out->token = c->file_token;
    } else if (cfg->exec) {
        if ((rc = exec_refresh(cfg, c, err)) < 0)
            goto out;
        out->token = c->exec_cred.token;
        out->client_cert_pem = c->exec_cred.client_cert_pem;
        out->client_cert_pem_len = c->exec_cred.client_cert_pem_len;
        out->client_key_pem = c->exec_cred.client_key_pem;
        out->client_key_pem_len = c->exec_cred.client_key_pem_len;
        out->expires_at = c->exec_cred.expires_at;
    }
    out->username = cfg->username;
    out->password = cfg->password;
out:
    return rc;
}
