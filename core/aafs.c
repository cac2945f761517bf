/*
 * aafs: apparmorfs inventory reader and the simulator's fake-kernel helpers.
 * The reader merges `profiles` with the policy/ tree, reading every name from
 * the `name` files (directory names are mangled and carry an id), with hard
 * bounds on lines, line length, profile count and nesting so that a hostile or
 * corrupt tree cannot make it crash or grow without limit. The fake helpers
 * write the same layout the kernel shows (LNX:security/apparmor/apparmorfs.c:
 * mangle_name, __aafs_profile_mkdir, seq_show_profile, ns_revision_*).
 * Depends on libc, xalloc, strbuf, kerr, log. No libapparmor, no printing,
 * no exit.
 */
#include "config.h"
#include "aafs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "kerr.h"
#include "log.h"
#include "strbuf.h"
#include "xalloc.h"

#define SECURITYFS_MAGIC_ 0x73636673UL /* linux/magic.h SECURITYFS_MAGIC */
#define AAFS_MAGIC_ 0x5a3c69f0UL       /* linux/magic.h AAFS_MAGIC (policy/) */
#define REVISION_CAP 64
#define MODE_MAX_LEN 32
#define DIR_OPEN_FLAGS (O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)

/* ------------------------------------------------------------------ helpers */

static bool is_ascii_alnum(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_lower_hex_str(const char *s, size_t len)
{
    if (strlen(s) != len)
        return false;
    for (size_t i = 0; i < len; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return false;
    return true;
}

static bool str_eq_or_null(const char *a, const char *b)
{
    return a == b || (a && b && strcmp(a, b) == 0);
}

/*
 * Read the first line of dfd/name (no newline) into an owned string.
 * Returns 0, or -errno; -EINVAL when the line exceeds AAFS_MAX_LINE_LEN bytes
 * or holds a NUL. Opened O_NONBLOCK so a kernel file never blocks us.
 */
static int read_first_line_at(int dfd, const char *name, char **out)
{
    char buf[AAFS_MAX_LINE_LEN + 1];
    size_t len = 0;
    int fd = -1;
    int rc = 0;

    *out = NULL;
    fd = openat(dfd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0) {
        rc = -errno;
        goto out;
    }
    while (len < sizeof buf && !memchr(buf, '\n', len)) {
        ssize_t n = read(fd, buf + len, sizeof buf - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            rc = -errno;
            goto out;
        }
        if (n == 0)
            break;
        len += (size_t)n;
    }
    const char *nl = memchr(buf, '\n', len);
    size_t line_len = nl ? (size_t)(nl - buf) : len;
    if (line_len > AAFS_MAX_LINE_LEN || memchr(buf, '\0', line_len)) {
        rc = -EINVAL;
        goto out;
    }
    *out = xstrndup(buf, line_len);
out:
    if (fd >= 0)
        close(fd);
    return rc;
}

/* Parse a revision: digits, optionally followed by a newline. */
static int parse_revision(const char *s, unsigned long long *rev)
{
    unsigned long long v = 0;
    const char *p = s;
    if (*p < '0' || *p > '9')
        return -KERR_PARSE;
    for (; *p >= '0' && *p <= '9'; p++) {
        unsigned d = (unsigned)(*p - '0');
        if (v > (~0ULL - d) / 10)
            return -KERR_PARSE;
        v = v * 10 + d;
    }
    if (*p == '\n')
        p++;
    if (*p)
        return -KERR_PARSE;
    *rev = v;
    return 0;
}

/*
 * Split a `profiles` line (len bytes, no newline) at its LAST " (":
 * "name (mode)", ":ns:name (mode)" or ":ns://name (mode)". Owned outputs
 * (ns NULL for the root namespace); mode_out may be NULL. false if malformed.
 */
static bool split_profiles_line(const char *line, size_t len, char **ns_out, char **name_out,
                                char **mode_out)
{
    const char *open = NULL;
    const char *name = line;
    const char *ns = NULL;
    size_t ns_len = 0;

    for (size_t i = 0; i + 1 < len; i++)
        if (line[i] == ' ' && line[i + 1] == '(')
            open = line + i;
    if (!open || line[len - 1] != ')')
        return false;
    size_t head_len = (size_t)(open - line);
    if (head_len == 0 || head_len + 3 >= len)
        return false;
    if (line[0] == ':') {
        const char *colon = memchr(line + 1, ':', head_len - 1);
        if (!colon || colon == line + 1)
            return false;
        ns = line + 1;
        ns_len = (size_t)(colon - ns);
        name = colon + 1;
        if ((size_t)(open - name) >= 2 && name[0] == '/' && name[1] == '/')
            name += 2;
    }
    if (name >= open)
        return false;
    *ns_out = ns ? xstrndup(ns, ns_len) : NULL;
    *name_out = xstrndup(name, (size_t)(open - name));
    if (mode_out)
        *mode_out = xstrndup(open + 2, len - head_len - 3);
    return true;
}

/* ------------------------------------------------------------ inventory */

void aafs_inventory_init(struct aafs_inventory *inv)
{
    memset(inv, 0, sizeof *inv);
}

static void profile_done(struct aafs_profile *p)
{
    free(p->name);
    free(p->ns);
    free(p->mode);
    free(p->hash);
    free(p->attach);
    free(p->policy_dir);
    memset(p, 0, sizeof *p);
}

void aafs_inventory_done(struct aafs_inventory *inv)
{
    if (!inv)
        return;
    for (size_t i = 0; i < inv->profile_count; i++)
        profile_done(&inv->profiles[i]);
    free(inv->profiles);
    aafs_inventory_init(inv);
}

const char *aafs_hash_alg_name(enum aafs_hash_alg alg)
{
    switch (alg) {
    case AAFS_HASH_SHA1:
        return "sha1";
    case AAFS_HASH_SHA256:
        return "sha256";
    case AAFS_HASH_NONE:
        break;
    }
    return "none";
}

/* Entries gathered from both sources before the merge. */
struct collect {
    struct aafs_profile *v;
    size_t n;
    size_t cap;
    struct aafs_inventory *inv;
};

/* A zeroed slot, or NULL (and is_truncated) once AAFS_MAX_PROFILES is reached. */
static struct aafs_profile *collect_add(struct collect *c)
{
    if (c->n >= AAFS_MAX_PROFILES) {
        c->inv->is_truncated = true;
        return NULL;
    }
    if (c->n == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 64;
        c->v = xreallocarray(c->v, c->cap, sizeof *c->v);
    }
    struct aafs_profile *p = &c->v[c->n++];
    memset(p, 0, sizeof *p);
    return p;
}

static void collect_done(struct collect *c)
{
    for (size_t i = 0; i < c->n; i++)
        profile_done(&c->v[i]);
    free(c->v);
    c->v = NULL;
    c->n = c->cap = 0;
}

static void add_profiles_line(struct collect *c, const char *line, size_t len)
{
    char *ns = NULL;
    char *name = NULL;
    char *mode = NULL;

    if (!split_profiles_line(line, len, &ns, &name, &mode)) {
        c->inv->malformed_lines++;
        goto out;
    }
    struct aafs_profile *p = collect_add(c);
    if (!p)
        goto out;
    p->ns = ns;
    p->name = name;
    p->mode = mode;
    p->source = AAFS_SOURCE_PROFILES;
    ns = name = mode = NULL;
out:
    free(ns);
    free(name);
    free(mode);
}

/* Stream the `profiles` file line by line within the bounds. 0 or -errno. */
static int read_profiles_file(const char *path, struct collect *c)
{
    char line[AAFS_MAX_LINE_LEN + 1];
    size_t len = 0;
    size_t lines = 0;
    bool is_too_long = false;
    bool has_nul = false;
    FILE *f = NULL;
    int rc = 0;

    f = fopen(path, "re");
    if (!f) {
        rc = -errno;
        goto out;
    }
    for (;;) {
        int ch = getc(f);
        if (ch != EOF && ch != '\n') {
            if (ch == '\0')
                has_nul = true;
            if (len < AAFS_MAX_LINE_LEN)
                line[len++] = (char)ch;
            else
                is_too_long = true;
            continue;
        }
        bool is_empty = len == 0 && !is_too_long && !has_nul;
        if (!is_empty) {
            if (++lines > AAFS_MAX_LINES) {
                c->inv->is_truncated = true;
                break;
            }
            if (is_too_long || has_nul)
                c->inv->malformed_lines++;
            else
                add_profiles_line(c, line, len);
        }
        if (ch == EOF || c->inv->is_truncated)
            break;
        len = 0;
        is_too_long = has_nul = false;
    }
    if (ferror(f))
        rc = -EIO;
out:
    if (f)
        fclose(f);
    return rc;
}

static void read_profile_dirs(int dfd, const char *ns, const char *parent, const char *rel,
                              int depth, struct collect *c);

/* One policy/.../profiles/<dirname>/ directory, and its children. */
static void read_one_profile_dir(int parent_dfd, const char *dirname, const char *ns,
                                 const char *parent, const char *rel, int depth,
                                 struct collect *c)
{
    char *base = NULL;
    char *full = NULL;
    char *dir_rel = NULL;
    char *kids_rel = NULL;
    int dfd = -1;
    int kids = -1;

    dfd = openat(parent_dfd, dirname, DIR_OPEN_FLAGS);
    if (dfd < 0)
        goto out; /* a file or symlink: not a profile */
    if (read_first_line_at(dfd, "name", &base) < 0 || !*base) {
        c->inv->skipped_dirs++;
        goto out;
    }
    struct aafs_profile *p = collect_add(c);
    if (!p)
        goto out;
    full = parent ? xasprintf("%s//%s", parent, base) : xstrdup(base);
    dir_rel = xasprintf("%s/%s", rel, dirname);
    p->name = xstrdup(full);
    p->ns = xstrdup_or_null(ns);
    p->policy_dir = xstrdup(dir_rel);
    p->source = AAFS_SOURCE_POLICY;
    if (read_first_line_at(dfd, "mode", &p->mode) == 0 && !*p->mode) {
        free(p->mode);
        p->mode = NULL;
    }
    (void)read_first_line_at(dfd, "attach", &p->attach);
    if (read_first_line_at(dfd, "sha256", &p->hash) == 0 && is_lower_hex_str(p->hash, 64)) {
        p->hash_alg = AAFS_HASH_SHA256;
    } else {
        free(p->hash);
        p->hash = NULL;
        if (read_first_line_at(dfd, "sha1", &p->hash) == 0 && is_lower_hex_str(p->hash, 40)) {
            p->hash_alg = AAFS_HASH_SHA1;
        } else {
            free(p->hash);
            p->hash = NULL;
        }
    }
    /* p may move when the array grows below: use only full/dir_rel from here. */
    kids = openat(dfd, "profiles", DIR_OPEN_FLAGS);
    if (kids < 0)
        goto out;
    if (depth + 1 >= AAFS_MAX_DEPTH) {
        c->inv->is_truncated = true;
        goto out;
    }
    kids_rel = xasprintf("%s/profiles", dir_rel);
    read_profile_dirs(kids, ns, full, kids_rel, depth + 1, c);
out:
    if (kids >= 0)
        close(kids);
    if (dfd >= 0)
        close(dfd);
    free(kids_rel);
    free(dir_rel);
    free(full);
    free(base);
}

/* Every profile directory in a profiles/ directory (dfd borrowed). */
static void read_profile_dirs(int dfd, const char *ns, const char *parent, const char *rel,
                              int depth, struct collect *c)
{
    DIR *d = NULL;
    int fd = dup(dfd);

    if (fd < 0)
        goto out;
    d = fdopendir(fd);
    if (!d) {
        close(fd);
        goto out;
    }
    struct dirent *de;
    while ((de = readdir(d)) != NULL && !c->inv->is_truncated) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        read_one_profile_dir(dfd, de->d_name, ns, parent, rel, depth, c);
    }
out:
    if (d)
        closedir(d);
}

/* A namespace directory (policy/ or policy/namespaces/<ns>/...): profiles, then sub-namespaces. */
static void read_ns_dir(int ns_dfd, const char *ns, const char *rel, int depth, struct collect *c,
                        bool *has_profiles)
{
    char *sub_rel = NULL;
    DIR *d = NULL;
    int pfd = -1;
    int nfd = -1;

    pfd = openat(ns_dfd, "profiles", DIR_OPEN_FLAGS);
    if (pfd >= 0) {
        if (has_profiles)
            *has_profiles = true;
        sub_rel = xasprintf("%s/profiles", rel);
        read_profile_dirs(pfd, ns, NULL, sub_rel, 0, c);
    }
    nfd = openat(ns_dfd, "namespaces", DIR_OPEN_FLAGS);
    if (nfd < 0)
        goto out;
    d = fdopendir(nfd);
    if (!d)
        goto out;
    nfd = -1; /* owned by d now */
    struct dirent *de;
    while ((de = readdir(d)) != NULL && !c->inv->is_truncated) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        int sub = openat(dirfd(d), de->d_name, DIR_OPEN_FLAGS);
        if (sub < 0)
            continue;
        if (depth + 1 >= AAFS_MAX_DEPTH) {
            c->inv->is_truncated = true;
            close(sub);
            break;
        }
        char *child_ns = ns ? xasprintf("%s//%s", ns, de->d_name) : xstrdup(de->d_name);
        char *child_rel = xasprintf("%s/namespaces/%s", rel, de->d_name);
        read_ns_dir(sub, child_ns, child_rel, depth + 1, c, NULL);
        free(child_rel);
        free(child_ns);
        close(sub);
    }
out:
    if (d)
        closedir(d);
    if (nfd >= 0)
        close(nfd);
    if (pfd >= 0)
        close(pfd);
    free(sub_rel);
}

static int cmp_key(const char *ns_a, const char *name_a, const char *ns_b, const char *name_b)
{
    if (ns_a != ns_b) {
        if (!ns_a)
            return -1;
        if (!ns_b)
            return 1;
        int c = strcmp(ns_a, ns_b);
        if (c)
            return c;
    }
    return strcmp(name_a, name_b);
}

static int cmp_profile(const void *a, const void *b)
{
    const struct aafs_profile *x = a;
    const struct aafs_profile *y = b;
    int c = cmp_key(x->ns, x->name, y->ns, y->name);
    if (c)
        return c;
    return (int)x->source - (int)y->source; /* `profiles` entry first */
}

/* Fold src (same key) into dst; src is emptied. */
static void absorb(struct aafs_profile *dst, struct aafs_profile *src)
{
    if (src->source == AAFS_SOURCE_POLICY && !(dst->source & AAFS_SOURCE_POLICY)) {
        dst->hash = src->hash;
        dst->hash_alg = src->hash_alg;
        dst->attach = src->attach;
        dst->policy_dir = src->policy_dir;
        src->hash = src->attach = src->policy_dir = NULL;
        if (!dst->mode) {
            dst->mode = src->mode;
            src->mode = NULL;
        }
    } else if (src->source == AAFS_SOURCE_PROFILES && !(dst->source & AAFS_SOURCE_PROFILES)) {
        free(dst->mode);
        dst->mode = src->mode;
        src->mode = NULL;
    }
    dst->source = (enum aafs_source)(dst->source | src->source);
    profile_done(src);
}

/* Sort by (ns, name) and merge entries of the two sources. */
static void merge(struct collect *c)
{
    size_t w = 0;
    if (c->n == 0)
        return;
    qsort(c->v, c->n, sizeof *c->v, cmp_profile);
    for (size_t i = 0; i < c->n;) {
        size_t j = i + 1;
        while (j < c->n && cmp_key(c->v[i].ns, c->v[i].name, c->v[j].ns, c->v[j].name) == 0)
            absorb(&c->v[i], &c->v[j++]);
        if (w != i)
            c->v[w] = c->v[i];
        w++;
        i = j;
    }
    c->n = w;
}

static int open_revision(const char *dir)
{
    char *path = xasprintf("%s/revision", dir);
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    if (fd < 0 && errno == ENOENT) {
        free(path);
        path = xasprintf("%s/policy/revision", dir);
        fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    }
    int e_no = errno;
    free(path);
    return fd >= 0 ? fd : -e_no;
}

int aafs_revision_read(int fd, unsigned long long *rev)
{
    char buf[REVISION_CAP];
    ssize_t n;
    int rc = -KERR_INVAL;

    if (fd < 0 || !rev)
        goto out;
    do
        n = pread(fd, buf, sizeof buf - 1, 0);
    while (n < 0 && errno == EINTR);
    if (n < 0) {
        rc = errno == EAGAIN ? 1 : -KERR_IO;
        goto out;
    }
    buf[n] = '\0';
    rc = parse_revision(buf, rev);
out:
    return rc;
}

int aafs_revision_fd(const char *aafs_dir)
{
    if (!aafs_dir)
        return -KERR_INVAL;
    int fd = open_revision(aafs_dir);
    if (fd >= 0)
        return fd;
    return fd == -ENOENT ? -KERR_NOTFOUND : -KERR_IO;
}

bool aafs_is_kernel_fs(const char *aafs_dir)
{
    struct statfs sfs;
    if (!aafs_dir || statfs(aafs_dir, &sfs) != 0)
        return false;
    unsigned long type = (unsigned long)sfs.f_type;
    return type == SECURITYFS_MAGIC_ || type == AAFS_MAGIC_;
}

int aafs_read_inventory(const char *aafs_dir, struct aafs_inventory *out, struct kerr *err)
{
    struct collect c = { 0 };
    struct stat st;
    char *path = NULL;
    int policy = -1;
    int rev_fd = -1;
    int rc = -KERR_INVAL;

    if (!out) {
        rc = kerr_set(err, KERR_INVAL, "aafs_read_inventory: out is NULL");
        goto out;
    }
    aafs_inventory_init(out);
    c.inv = out;
    if (!aafs_dir) {
        rc = kerr_set(err, KERR_INVAL, "aafs_read_inventory: aafs_dir is NULL");
        goto out;
    }
    if (stat(aafs_dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        rc = kerr_set(err, KERR_NOTFOUND, "%s: not a directory (AppArmor disabled?)", aafs_dir);
        goto out;
    }

    path = xasprintf("%s/profiles", aafs_dir);
    int prof_rc = read_profiles_file(path, &c);
    out->has_profiles_file = prof_rc == 0;

    int policy_errno = 0;
    free(path);
    path = xasprintf("%s/policy", aafs_dir);
    policy = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC); /* a symlink on a real kernel */
    if (policy >= 0)
        read_ns_dir(policy, NULL, "policy", 0, &c, &out->has_policy_dir);
    else
        policy_errno = errno;

    if (!out->has_profiles_file && !out->has_policy_dir) {
        kerr_where(err, "%s", aafs_dir);
        if (prof_rc < 0 && prof_rc != -ENOENT)
            rc = kerr_set(err, KERR_IO, "%s/profiles: %s", aafs_dir, strerror(-prof_rc));
        else if (policy_errno && policy_errno != ENOENT)
            rc = kerr_set(err, KERR_IO, "%s/policy: %s", aafs_dir, strerror(policy_errno));
        else
            rc = kerr_set(err, KERR_NOTFOUND, "%s: neither profiles nor policy/profiles",
                          aafs_dir);
        goto out;
    }
    if (prof_rc < 0 && prof_rc != -ENOENT)
        core_log(CORE_LOG_WARN, "aafs: %s/profiles: %s", aafs_dir, strerror(-prof_rc));
    if (out->malformed_lines)
        core_log(CORE_LOG_DEBUG, "aafs: %s/profiles: %zu malformed lines skipped", aafs_dir,
                 out->malformed_lines);

    rev_fd = open_revision(aafs_dir);
    if (rev_fd >= 0 && aafs_revision_read(rev_fd, &out->revision) == 0)
        out->has_revision = true;

    merge(&c);
    out->profiles = c.n ? c.v : NULL;
    out->profile_count = c.n;
    if (!c.n)
        free(c.v);
    c.v = NULL;
    c.n = 0;
    rc = 0;
out:
    if (rc < 0 && out) {
        collect_done(&c);
        aafs_inventory_done(out);
    }
    if (rev_fd >= 0)
        close(rev_fd);
    if (policy >= 0)
        close(policy);
    free(path);
    return rc;
}

const struct aafs_profile *aafs_inventory_find(const struct aafs_inventory *inv, const char *ns,
                                               const char *name)
{
    if (!inv || !name)
        return NULL;
    size_t lo = 0;
    size_t hi = inv->profile_count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const struct aafs_profile *p = &inv->profiles[mid];
        int c = cmp_key(ns, name, p->ns, p->name);
        if (c == 0)
            return p;
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

char *aafs_dirname_build(const char *base_name, unsigned long id)
{
    struct strbuf sb;
    const char *p = base_name ? base_name : "";

    strbuf_init(&sb);
    while (*p == '/' || *p == '.')
        p++;
    for (; *p; p++) {
        unsigned char ch = (unsigned char)*p;
        if (ch == '/')
            strbuf_putc(&sb, '.');
        else if (ch == ' ' || (ch >= '\t' && ch <= '\r'))
            strbuf_putc(&sb, '_');
        else if (is_ascii_alnum(ch) || ch == '.' || ch == '_' || ch == '-')
            strbuf_putc(&sb, (char)ch);
        /* anything else is dropped (the kernel's Latin-1 ctype may keep bytes >= 0xc0) */
    }
    strbuf_printf(&sb, ".%lu", id);
    return strbuf_take(&sb);
}

/* ------------------------------------------------------- fake kernel helpers */

static int write_all(int fd, const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, buf, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -errno;
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Write content to path via path.tmp + rename, so readers see old or new, never half. */
static int write_file_atomic(const char *path, const char *content, size_t len)
{
    char *tmp = xasprintf("%s.tmp", path);
    int fd = -1;
    int rc = 0;

    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        rc = -errno;
        goto out;
    }
    rc = write_all(fd, content, len);
    if (close(fd) != 0 && rc == 0)
        rc = -errno;
    fd = -1;
    if (rc == 0 && rename(tmp, path) != 0)
        rc = -errno;
    if (rc < 0)
        unlink(tmp);
out:
    if (rc < 0)
        core_log(CORE_LOG_DEBUG, "aafs fake: write %s: %s", path, strerror(-rc));
    free(tmp);
    return rc;
}

/* Rewrite path in place (same inode: an open fd or an inotify watch sees the change). */
static int write_file_in_place(const char *path, const char *content)
{
    size_t len = strlen(content);
    int fd = -1;
    int rc = 0;

    fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
        rc = -errno;
        goto out;
    }
    for (size_t off = 0; off < len;) {
        ssize_t n = pwrite(fd, content + off, len - off, (off_t)off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            rc = -errno;
            goto out;
        }
        off += (size_t)n;
    }
    if (ftruncate(fd, (off_t)len) != 0)
        rc = -errno;
out:
    if (fd >= 0)
        close(fd);
    if (rc < 0)
        core_log(CORE_LOG_DEBUG, "aafs fake: write %s: %s", path, strerror(-rc));
    return rc;
}

static int create_if_missing(const char *dir, const char *name, const char *content)
{
    char *path = xasprintf("%s/%s", dir, name);
    int rc = 0;
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) {
        if (errno != EEXIST)
            rc = -errno;
        goto out;
    }
    rc = write_all(fd, content, strlen(content));
    close(fd);
out:
    if (rc < 0)
        core_log(CORE_LOG_DEBUG, "aafs fake: create %s: %s", path, strerror(-rc));
    free(path);
    return rc;
}

static int ensure_dir(const char *path)
{
    struct stat st;
    if (mkdir(path, 0755) == 0)
        return 0;
    if (errno == EEXIST && stat(path, &st) == 0 && S_ISDIR(st.st_mode))
        return 0;
    int rc = errno == EEXIST ? -ENOTDIR : -errno;
    core_log(CORE_LOG_DEBUG, "aafs fake: mkdir %s: %s", path, strerror(-rc));
    return rc;
}

static int rm_cb(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path) == 0 ? 0 : -1;
}

static int rm_rf(const char *path)
{
    return nftw(path, rm_cb, 16, FTW_DEPTH | FTW_PHYS) == 0 ? 0 : -errno;
}

int aafs_bump_fake_revision(const char *dir)
{
    unsigned long long rev = 0;
    char *path = NULL;
    char *policy = NULL;
    char buf[REVISION_CAP];
    struct stat st;
    int fd = -1;
    int rc = -KERR_INVAL;

    if (!dir)
        goto out;
    path = xasprintf("%s/revision", dir);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd >= 0 && aafs_revision_read(fd, &rev) != 0)
        rev = 0;
    snprintf(buf, sizeof buf, "%llu\n", rev + 1);
    rc = write_file_in_place(path, buf) == 0 ? 0 : -KERR_IO;
    policy = xasprintf("%s/policy", dir);
    if (rc == 0 && stat(policy, &st) == 0 && S_ISDIR(st.st_mode)) {
        free(path);
        path = xasprintf("%s/revision", policy);
        rc = write_file_in_place(path, buf) == 0 ? 0 : -KERR_IO;
    }
out:
    if (fd >= 0)
        close(fd);
    free(policy);
    free(path);
    return rc;
}

int aafs_init_fake(const char *dir)
{
    static const char *const subdirs[] = { "policy", "policy/profiles", "policy/namespaces" };
    static const char *const files[][2] = {
        { "profiles", "" },   { ".load", "" },    { ".replace", "" },
        { ".remove", "" },    { "revision", "1\n" }, { "policy/revision", "1\n" },
    };
    char *path = NULL;
    int rc = -KERR_INVAL;

    if (!dir)
        goto out;
    rc = -KERR_IO;
    if (ensure_dir(dir) != 0)
        goto out;
    for (size_t i = 0; i < sizeof subdirs / sizeof subdirs[0]; i++) {
        free(path);
        path = xasprintf("%s/%s", dir, subdirs[i]);
        if (ensure_dir(path) != 0)
            goto out;
    }
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
        if (create_if_missing(dir, files[i][0], files[i][1]) != 0)
            goto out;
    rc = 0;
out:
    free(path);
    return rc;
}

/* A profile name as the fake understands it: namespace plus "//"-separated parts. */
struct fake_name {
    char *ns;          /* owned; NULL for the root namespace */
    char **parts;      /* owned; the profile name split at "//" */
    size_t part_count; /* 0: the name was ":ns:" alone */
};

static void fake_name_done(struct fake_name *fn)
{
    for (size_t i = 0; i < fn->part_count; i++)
        free(fn->parts[i]);
    free(fn->parts);
    free(fn->ns);
    memset(fn, 0, sizeof *fn);
}

static bool has_control_char(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p < 0x20 || *p == 0x7f)
            return true;
    return false;
}

/* Split s at "//" into owned non-empty parts appended to *parts. false on an empty part. */
static bool split_double_slash(const char *s, char ***parts, size_t *count)
{
    for (;;) {
        const char *sep = strstr(s, "//");
        size_t len = sep ? (size_t)(sep - s) : strlen(s);
        if (len == 0)
            return false;
        *parts = xreallocarray(*parts, *count + 1, sizeof **parts);
        (*parts)[(*count)++] = xstrndup(s, len);
        if (!sep)
            return true;
        s = sep + 2;
    }
}

static int fake_name_parse(const char *name, struct fake_name *fn)
{
    char **ns_parts = NULL;
    size_t ns_count = 0;
    const char *rest = name;
    int rc = -KERR_INVAL;

    memset(fn, 0, sizeof *fn);
    if (!name || !*name || strlen(name) > AAFS_MAX_LINE_LEN - 64 || has_control_char(name))
        goto out;
    if (name[0] == ':') {
        const char *colon = strchr(name + 1, ':');
        if (!colon || colon == name + 1)
            goto out;
        fn->ns = xstrndup(name + 1, (size_t)(colon - name - 1));
        /* every namespace component becomes a directory name */
        if (!split_double_slash(fn->ns, &ns_parts, &ns_count))
            goto out;
        for (size_t i = 0; i < ns_count; i++)
            if (strchr(ns_parts[i], '/') || strcmp(ns_parts[i], ".") == 0 ||
                strcmp(ns_parts[i], "..") == 0)
                goto out;
        rest = colon + 1;
        if (rest[0] == '/' && rest[1] == '/')
            rest += 2;
        if (!*rest) {
            rc = 0;
            goto out;
        }
    }
    if (!split_double_slash(rest, &fn->parts, &fn->part_count))
        goto out;
    rc = 0;
out:
    for (size_t i = 0; i < ns_count; i++)
        free(ns_parts[i]);
    free(ns_parts);
    if (rc < 0)
        fake_name_done(fn);
    return rc;
}

/* dir/policy[/namespaces/<c>...] for a namespace ("a//b" nests). Owned. */
static char *fake_ns_path(const char *dir, const char *ns)
{
    struct strbuf sb;
    strbuf_init(&sb);
    strbuf_printf(&sb, "%s/policy", dir);
    for (const char *p = ns; p && *p;) {
        const char *sep = strstr(p, "//");
        size_t len = sep ? (size_t)(sep - p) : strlen(p);
        strbuf_puts(&sb, "/namespaces/");
        strbuf_append(&sb, p, len);
        p = sep ? sep + 2 : p + len;
    }
    return strbuf_take(&sb);
}

/* Create the namespace's directories as needed. Owned path of the ns dir, or NULL. */
static char *fake_ensure_ns(const char *dir, const char *ns)
{
    static const char *const subs[] = { "profiles", "namespaces" };
    struct strbuf sb;
    char *sub = NULL;
    bool ok = false;

    strbuf_init(&sb);
    strbuf_printf(&sb, "%s/policy", dir);
    for (const char *p = ns;;) {
        if (ensure_dir(strbuf_str(&sb)) != 0)
            goto out;
        for (size_t i = 0; i < 2; i++) {
            free(sub);
            sub = xasprintf("%s/%s", strbuf_str(&sb), subs[i]);
            if (ensure_dir(sub) != 0)
                goto out;
        }
        if (!p || !*p)
            break;
        const char *sep = strstr(p, "//");
        size_t len = sep ? (size_t)(sep - p) : strlen(p);
        strbuf_puts(&sb, "/namespaces/");
        strbuf_append(&sb, p, len);
        p = sep ? sep + 2 : p + len;
    }
    ok = true;
out:
    free(sub);
    if (!ok) {
        strbuf_done(&sb);
        return NULL;
    }
    return strbuf_take(&sb);
}

/* The subdirectory of profiles_path whose `name` file says base. Owned path or NULL. */
static char *find_child_dir(const char *profiles_path, const char *base)
{
    char *found = NULL;
    DIR *d = opendir(profiles_path);
    if (!d)
        goto out;
    struct dirent *de;
    while (!found && (de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        int sub = openat(dirfd(d), de->d_name, DIR_OPEN_FLAGS);
        if (sub < 0)
            continue;
        char *name = NULL;
        if (read_first_line_at(sub, "name", &name) == 0 && strcmp(name, base) == 0)
            found = xasprintf("%s/%s", profiles_path, de->d_name);
        free(name);
        close(sub);
    }
out:
    if (d)
        closedir(d);
    return found;
}

/* Largest ".<id>" suffix under a profiles/ tree (recursing into children). */
static unsigned long max_dir_id(const char *profiles_path, int depth)
{
    unsigned long max = 0;
    DIR *d = NULL;
    if (depth >= AAFS_MAX_DEPTH)
        goto out;
    d = opendir(profiles_path);
    if (!d)
        goto out;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        const char *dot = strrchr(de->d_name, '.');
        if (!dot || strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        char *end = NULL;
        errno = 0;
        unsigned long id = strtoul(dot + 1, &end, 10);
        if (!errno && end != dot + 1 && !*end && id > max)
            max = id;
        char *kids = xasprintf("%s/%s/profiles", profiles_path, de->d_name);
        unsigned long kid_max = max_dir_id(kids, depth + 1);
        free(kids);
        if (kid_max > max)
            max = kid_max;
    }
out:
    if (d)
        closedir(d);
    return max;
}

enum rewrite_op { REWRITE_SET, REWRITE_REMOVE, REWRITE_REMOVE_NS };

static bool ns_within(const char *line_ns, const char *ns)
{
    size_t len = strlen(ns);
    return line_ns && strncmp(line_ns, ns, len) == 0 &&
           (line_ns[len] == '\0' || strncmp(line_ns + len, "//", 2) == 0);
}

static bool name_within(const char *line_name, const char *name)
{
    size_t len = strlen(name);
    return strncmp(line_name, name, len) == 0 &&
           (line_name[len] == '\0' || strncmp(line_name + len, "//", 2) == 0);
}

/*
 * Rewrite `profiles`: SET replaces the line of (ns, name) with new_line or
 * appends it; REMOVE drops (ns, name) and its children; REMOVE_NS drops the
 * namespace ns and its sub-namespaces. *matched counts the lines concerned.
 * Lines we cannot parse are kept as they are.
 */
static int rewrite_profiles(const char *dir, enum rewrite_op op, const char *ns, const char *name,
                            const char *new_line, size_t *matched)
{
    struct strbuf sb;
    char *path = xasprintf("%s/profiles", dir);
    char *line = NULL;
    size_t line_cap = 0;
    FILE *f = NULL;
    int rc = 0;

    strbuf_init(&sb);
    *matched = 0;
    f = fopen(path, "re");
    if (!f && errno != ENOENT) {
        rc = -errno;
        goto out;
    }
    ssize_t n;
    while (f && (n = getline(&line, &line_cap, f)) >= 0) {
        size_t len = (size_t)n;
        if (len > 0 && line[len - 1] == '\n')
            line[--len] = '\0';
        char *lns = NULL;
        char *lname = NULL;
        bool is_hit = false;
        if (len > 0 && split_profiles_line(line, len, &lns, &lname, NULL)) {
            if (op == REWRITE_SET)
                is_hit = str_eq_or_null(lns, ns) && strcmp(lname, name) == 0;
            else if (op == REWRITE_REMOVE)
                is_hit = str_eq_or_null(lns, ns) && name_within(lname, name);
            else
                is_hit = ns_within(lns, ns);
        }
        free(lns);
        free(lname);
        if (is_hit) {
            if (op == REWRITE_SET && *matched == 0)
                strbuf_printf(&sb, "%s\n", new_line);
            (*matched)++;
        } else if (len > 0) {
            strbuf_printf(&sb, "%s\n", line);
        }
    }
    if (f && ferror(f)) {
        rc = -EIO;
        goto out;
    }
    if (op == REWRITE_SET && *matched == 0)
        strbuf_printf(&sb, "%s\n", new_line);
    rc = write_file_atomic(path, strbuf_str(&sb), sb.len);
out:
    if (f)
        fclose(f);
    free(line);
    free(path);
    strbuf_done(&sb);
    return rc;
}

static int write_profile_files(const char *pdir, const char *base, const char *mode,
                               const char *sha256, bool is_new)
{
    static const char *const names[] = { "name", "attach", "mode", "sha256" };
    char *contents[4] = { NULL, NULL, NULL, NULL };
    char *path = NULL;
    int rc = 0;

    contents[0] = xasprintf("%s\n", base);
    contents[1] = xasprintf("%s\n", base); /* the kernel shows base.name without xmatch */
    contents[2] = xasprintf("%s\n", mode);
    contents[3] = sha256 ? xasprintf("%s\n", sha256) : NULL;
    for (size_t i = is_new ? 0 : 2; i < 4; i++) {
        free(path);
        path = xasprintf("%s/%s", pdir, names[i]);
        if (contents[i])
            rc = write_file_atomic(path, contents[i], strlen(contents[i]));
        else if (unlink(path) != 0 && errno != ENOENT)
            rc = -errno;
        if (rc < 0)
            goto out;
    }
out:
    free(path);
    for (size_t i = 0; i < 4; i++)
        free(contents[i]);
    return rc;
}

static bool is_valid_mode(const char *mode)
{
    size_t len = mode ? strlen(mode) : 0;
    if (len == 0 || len > MODE_MAX_LEN)
        return false;
    for (size_t i = 0; i < len; i++)
        if (mode[i] < 'a' || mode[i] > 'z')
            return false;
    return true;
}

int aafs_write_fake_profile(const char *dir, const char *name, const char *mode,
                            const char *sha256)
{
    struct fake_name fn;
    struct strbuf full;
    char *ns_path = NULL;
    char *profiles = NULL;
    char *existing = NULL;
    char *staging = NULL;
    char *dirname = NULL;
    char *final = NULL;
    char *line = NULL;
    size_t matched = 0;
    int rc = -KERR_INVAL;

    strbuf_init(&full);
    memset(&fn, 0, sizeof fn);
    if (!dir || !is_valid_mode(mode) || (sha256 && !is_lower_hex_str(sha256, 64)))
        goto out;
    if (fake_name_parse(name, &fn) != 0 || fn.part_count == 0)
        goto out;
    rc = -KERR_IO;
    ns_path = fake_ensure_ns(dir, fn.ns);
    if (!ns_path)
        goto out;
    profiles = xasprintf("%s/profiles", ns_path);
    for (size_t i = 0; i + 1 < fn.part_count; i++) {
        char *parent = find_child_dir(profiles, fn.parts[i]);
        if (!parent) {
            core_log(CORE_LOG_DEBUG, "aafs fake: %s: parent %s not loaded", name, fn.parts[i]);
            rc = -KERR_NOTFOUND;
            goto out;
        }
        free(profiles);
        profiles = xasprintf("%s/profiles", parent);
        free(parent);
        if (ensure_dir(profiles) != 0)
            goto out;
    }
    const char *base = fn.parts[fn.part_count - 1];
    existing = find_child_dir(profiles, base);
    if (existing) {
        if (write_profile_files(existing, base, mode, sha256, false) != 0)
            goto out;
    } else {
        char *ns_profiles = xasprintf("%s/profiles", ns_path);
        unsigned long id = max_dir_id(ns_profiles, 0) + 1;
        free(ns_profiles);
        staging = xasprintf("%s/policy/.staging.XXXXXX", dir);
        if (!mkdtemp(staging)) {
            core_log(CORE_LOG_DEBUG, "aafs fake: mkdtemp %s: %s", staging, strerror(errno));
            free(staging);
            staging = NULL;
            goto out;
        }
        if (write_profile_files(staging, base, mode, sha256, true) != 0)
            goto out;
        dirname = aafs_dirname_build(base, id);
        final = xasprintf("%s/%s", profiles, dirname);
        if (rename(staging, final) != 0) {
            core_log(CORE_LOG_DEBUG, "aafs fake: rename to %s: %s", final, strerror(errno));
            goto out;
        }
        free(staging);
        staging = NULL;
    }
    for (size_t i = 0; i < fn.part_count; i++)
        strbuf_printf(&full, "%s%s", i ? "//" : "", fn.parts[i]);
    if (fn.ns)
        line = xasprintf(":%s://%s (%s)", fn.ns, strbuf_str(&full), mode);
    else
        line = xasprintf("%s (%s)", strbuf_str(&full), mode);
    if (rewrite_profiles(dir, REWRITE_SET, fn.ns, strbuf_str(&full), line, &matched) != 0)
        goto out;
    rc = aafs_bump_fake_revision(dir);
out:
    if (staging)
        rm_rf(staging);
    free(line);
    free(final);
    free(dirname);
    free(staging);
    free(existing);
    free(profiles);
    free(ns_path);
    strbuf_done(&full);
    fake_name_done(&fn);
    return rc;
}

int aafs_remove_fake_profile(const char *dir, const char *name)
{
    struct fake_name fn;
    struct strbuf full;
    struct stat st;
    char *ns_path = NULL;
    char *target = NULL;
    size_t matched = 0;
    bool has_dir = false;
    int rc = -KERR_INVAL;

    strbuf_init(&full);
    memset(&fn, 0, sizeof fn);
    if (!dir || fake_name_parse(name, &fn) != 0)
        goto out;
    ns_path = fake_ns_path(dir, fn.ns);
    if (fn.part_count == 0) {
        target = fn.ns ? xstrdup(ns_path) : NULL;
    } else {
        char *profiles = xasprintf("%s/profiles", ns_path);
        for (size_t i = 0; i < fn.part_count && profiles; i++) {
            free(target);
            target = find_child_dir(profiles, fn.parts[i]);
            free(profiles);
            profiles = target ? xasprintf("%s/profiles", target) : NULL;
        }
        free(profiles);
        for (size_t i = 0; i < fn.part_count; i++)
            strbuf_printf(&full, "%s%s", i ? "//" : "", fn.parts[i]);
    }
    has_dir = target && stat(target, &st) == 0 && S_ISDIR(st.st_mode);
    if (has_dir && rm_rf(target) != 0) {
        core_log(CORE_LOG_DEBUG, "aafs fake: remove %s: %s", target, strerror(errno));
        rc = -KERR_IO;
        goto out;
    }
    if (fn.part_count == 0)
        rc = rewrite_profiles(dir, REWRITE_REMOVE_NS, fn.ns, "", NULL, &matched);
    else
        rc = rewrite_profiles(dir, REWRITE_REMOVE, fn.ns, strbuf_str(&full), NULL, &matched);
    if (rc != 0) {
        rc = -KERR_IO;
        goto out;
    }
    if (!has_dir && matched == 0) {
        rc = -KERR_NOTFOUND;
        goto out;
    }
    rc = aafs_bump_fake_revision(dir);
out:
    free(target);
    free(ns_path);
    strbuf_done(&full);
    fake_name_done(&fn);
    return rc;
}
