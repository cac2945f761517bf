/*
 * procscan: walks /proc (or a fake tree shaped like it) and reports, for each
 * process in a pod, its pod/container (core/cgroup) and its raw AppArmor label.
 * Each pid is read through one directory fd (openat), so a process that exits
 * mid-read yields ENOENT/ESRCH, which means "vanished", never an error.
 * Depends on libc, xalloc, strbuf, kerr, log, cgroup. No libapparmor, no
 * printing, no exit.
 */
#include "config.h"
#include "procscan.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kerr.h"
#include "log.h"
#include "strbuf.h"
#include "xalloc.h"

/* Caps per file: a cgroup file has one line per hierarchy; labels are bounded by
 * the kernel's page-sized attr reads. Longer content is truncated, not an error. */
#define CGROUP_FILE_CAP (64 * 1024)
#define LABEL_FILE_CAP 4096
#define COMM_FILE_CAP 256
#define STATUS_FILE_CAP (16 * 1024)

static bool is_vanished_errno(int e)
{
    return e == ENOENT || e == ESRCH;
}

/* Read at most cap bytes of dfd/name into an owned NUL-terminated string.
 * Returns 0, or -errno (the file is then *out == NULL). */
static int read_at(int dfd, const char *name, size_t cap, char **out)
{
    struct strbuf sb;
    char buf[4096];
    int fd = -1;
    int rc = 0;

    strbuf_init(&sb);
    *out = NULL;
    fd = openat(dfd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        rc = -errno;
        goto out;
    }
    while (sb.len < cap) {
        size_t want = cap - sb.len < sizeof buf ? cap - sb.len : sizeof buf;
        ssize_t n = read(fd, buf, want);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            rc = -errno;
            goto out;
        }
        if (n == 0)
            break;
        strbuf_append(&sb, buf, (size_t)n);
    }
    *out = strbuf_take(&sb);
out:
    if (fd >= 0)
        close(fd);
    strbuf_done(&sb);
    return rc;
}

/* Strip trailing newlines (and NULs, which strlen already drops) in place. */
static void chomp(char *s)
{
    size_t len = strlen(s);
    while (len > 0 && (s[len - 1] == '\n' || s[len - 1] == '\r'))
        s[--len] = '\0';
}

/* The integer after "key" at the start of a line of a status file, or -1. */
static int status_field(const char *status, const char *key)
{
    size_t klen = strlen(key);
    for (const char *line = status; line && *line;) {
        if (strncmp(line, key, klen) == 0) {
            char *end = NULL;
            errno = 0;
            long v = strtol(line + klen, &end, 10);
            if (errno || end == line + klen || v < 0 || v > INT_MAX)
                return -1;
            return (int)v;
        }
        line = strchr(line, '\n');
        if (line)
            line++;
    }
    return -1;
}

void procscan_split_label(const char *label, char **profile, char **mode)
{
    *profile = NULL;
    *mode = NULL;
    if (!label)
        return;
    size_t len = strlen(label);
    const char *open = NULL;
    for (const char *p = label; (p = strstr(p, " (")) != NULL; p++)
        open = p;
    if (open && open > label && len > 0 && label[len - 1] == ')' &&
        (size_t)(open - label) + 3 < len) {
        *profile = xstrndup(label, (size_t)(open - label));
        *mode = xstrndup(open + 2, len - (size_t)(open - label) - 3);
        return;
    }
    *profile = xstrdup(label);
}

void proc_entry_done(struct proc_entry *e)
{
    if (!e)
        return;
    free(e->label);
    free(e->profile);
    free(e->mode);
    free(e->comm);
    memset(e, 0, sizeof *e);
}

int procscan_pid(const char *proc_dir, int pid, struct proc_entry *e, struct kerr *err)
{
    char path[PATH_MAX];
    char *cgroup = NULL;
    char *text = NULL;
    int dfd = -1;
    int rc = -KERR_INVAL;

    if (!e)
        goto out;
    memset(e, 0, sizeof *e);
    if (!proc_dir || pid <= 0) {
        rc = kerr_set(err, KERR_INVAL, "procscan: bad proc_dir or pid %d", pid);
        goto out;
    }
    int n = snprintf(path, sizeof path, "%s/%d", proc_dir, pid);
    if (n < 0 || (size_t)n >= sizeof path) {
        rc = kerr_set(err, KERR_INVAL, "procscan: path too long");
        goto out;
    }
    dfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0) {
        int e_no = errno;
        rc = kerr_set(err, is_vanished_errno(e_no) ? KERR_NOTFOUND : KERR_IO, "%s: %s", path,
                      strerror(e_no));
        goto out;
    }

    int r = read_at(dfd, "cgroup", CGROUP_FILE_CAP, &cgroup);
    if (r < 0) {
        rc = kerr_set(err, is_vanished_errno(-r) ? KERR_NOTFOUND : KERR_IO, "%s/cgroup: %s", path,
                      strerror(-r));
        goto out;
    }
    int in_container = cgroup_parse(cgroup, &e->ident);
    if (in_container < 0) {
        rc = kerr_set(err, KERR_PARSE, "%s/cgroup: malformed", path);
        goto out;
    }
    e->pid = pid;
    e->tgid = -1;
    e->ppid = -1;

    r = read_at(dfd, "attr/apparmor/current", LABEL_FILE_CAP, &text);
    if (r == -ENOENT)
        r = read_at(dfd, "attr/current", LABEL_FILE_CAP, &text);
    int label_errno = r < 0 ? -r : 0;
    if (r == 0) {
        chomp(text);
        if (*text) {
            e->label = text;
            text = NULL;
            procscan_split_label(e->label, &e->profile, &e->mode);
        } else {
            label_errno = ENODATA;
        }
    }
    free(text);
    text = NULL;

    r = read_at(dfd, "comm", COMM_FILE_CAP, &e->comm);
    if (r == 0)
        chomp(e->comm);
    /* Gone mid-read: the label read saw ESRCH, or nothing past cgroup exists any more. */
    if (label_errno == ESRCH || (is_vanished_errno(label_errno) && is_vanished_errno(-r))) {
        rc = kerr_set(err, KERR_NOTFOUND, "%s: vanished", path);
        goto out;
    }
    e->label_errno = label_errno;

    if (read_at(dfd, "status", STATUS_FILE_CAP, &text) == 0) {
        e->tgid = status_field(text, "Tgid:");
        e->ppid = status_field(text, "PPid:");
    }
    rc = in_container == 0 ? 0 : 1;
out:
    if (rc < 0 && e)
        proc_entry_done(e);
    free(text);
    free(cgroup);
    if (dfd >= 0)
        close(dfd);
    return rc;
}

/* A /proc entry name that is a pid: digits only, positive, fits an int. */
static int name_to_pid(const char *name)
{
    long v = 0;
    if (!*name || *name == '0')
        return -1;
    for (const char *p = name; *p; p++) {
        if (*p < '0' || *p > '9')
            return -1;
        v = v * 10 + (*p - '0');
        if (v > INT_MAX)
            return -1;
    }
    return (int)v;
}

static int cmp_entry_pid(const void *a, const void *b)
{
    const struct proc_entry *x = a;
    const struct proc_entry *y = b;
    return (x->pid > y->pid) - (x->pid < y->pid);
}

void procscan_list_free(struct proc_entry **list, size_t count)
{
    if (!list || !*list)
        return;
    for (size_t i = 0; i < count; i++)
        proc_entry_done(&(*list)[i]);
    free(*list);
    *list = NULL;
}

int procscan_list(const char *proc_dir, struct proc_entry **out, size_t *count, struct kerr *err)
{
    struct proc_entry *list = NULL;
    size_t n = 0;
    size_t cap = 0;
    DIR *dir = NULL;
    int rc = -KERR_INVAL;

    if (!out || !count || !proc_dir) {
        rc = kerr_set(err, KERR_INVAL, "procscan_list: NULL argument");
        goto out;
    }
    *out = NULL;
    *count = 0;
    dir = opendir(proc_dir);
    if (!dir) {
        int e_no = errno;
        rc = kerr_set(err, e_no == ENOENT ? KERR_NOTFOUND : KERR_IO, "%s: %s", proc_dir,
                      strerror(e_no));
        goto out;
    }
    for (;;) {
        errno = 0;
        struct dirent *de = readdir(dir);
        if (!de) {
            if (errno) {
                int e_no = errno;
                rc = kerr_set(err, KERR_IO, "%s: readdir: %s", proc_dir, strerror(e_no));
                goto out;
            }
            break;
        }
        int pid = name_to_pid(de->d_name);
        if (pid < 0)
            continue;
        struct proc_entry e;
        struct kerr perr;
        kerr_clear(&perr);
        int r = procscan_pid(proc_dir, pid, &e, &perr);
        if (r == 0) {
            if (n == cap) {
                cap = cap ? cap * 2 : 64;
                list = xreallocarray(list, cap, sizeof *list);
            }
            list[n++] = e;
        } else if (r == 1) {
            proc_entry_done(&e);
        } else if (r != -KERR_NOTFOUND) {
            core_log(CORE_LOG_DEBUG, "procscan: skipping pid %d: %s", pid, perr.msg);
        }
    }
    if (n > 1)
        qsort(list, n, sizeof *list, cmp_entry_pid);
    *out = list;
    *count = n;
    list = NULL;
    rc = 0;
out:
    procscan_list_free(&list, n);
    if (dir)
        closedir(dir);
    return rc;
}

static int cmp_entry_ptr_container(const void *a, const void *b)
{
    const struct proc_entry *x = *(const struct proc_entry *const *)a;
    const struct proc_entry *y = *(const struct proc_entry *const *)b;
    int c = strcmp(x->ident.container_id, y->ident.container_id);
    if (c)
        return c;
    return (x->pid > y->pid) - (x->pid < y->pid);
}

static bool str_eq_or_null(const char *a, const char *b)
{
    return a == b || (a && b && strcmp(a, b) == 0);
}

void procscan_containers_free(struct proc_container **list, size_t count)
{
    if (!list || !*list)
        return;
    for (size_t i = 0; i < count; i++) {
        free((*list)[i].label);
        free((*list)[i].profile);
        free((*list)[i].mode);
    }
    free(*list);
    *list = NULL;
}

int procscan_group_by_container(const struct proc_entry *entries, size_t count,
                                struct proc_container **out, size_t *out_count)
{
    const struct proc_entry **sorted = NULL;
    struct proc_container *list = NULL;
    size_t n_sorted = 0;
    size_t n = 0;
    int rc = -KERR_INVAL;

    if (!out || !out_count || (!entries && count > 0))
        goto out;
    *out = NULL;
    *out_count = 0;
    rc = 0;
    if (count == 0)
        goto out;
    sorted = xcalloc(count, sizeof *sorted);
    for (size_t i = 0; i < count; i++)
        if (entries[i].ident.container_id[0])
            sorted[n_sorted++] = &entries[i];
    if (n_sorted == 0)
        goto out;
    qsort(sorted, n_sorted, sizeof *sorted, cmp_entry_ptr_container);
    list = xcalloc(n_sorted, sizeof *list);

    for (size_t i = 0; i < n_sorted;) {
        size_t j = i;
        const struct proc_entry *labelled = NULL;
        struct proc_container *c = &list[n++];
        c->ident = sorted[i]->ident;
        c->pid = sorted[i]->pid;
        while (j < n_sorted &&
               strcmp(sorted[j]->ident.container_id, sorted[i]->ident.container_id) == 0) {
            const struct proc_entry *e = sorted[j];
            if (e->label && !labelled)
                labelled = e;
            else if (e->label && !str_eq_or_null(e->label, labelled->label))
                c->has_mixed_labels = true;
            j++;
        }
        c->process_count = j - i;
        if (labelled) {
            c->label = xstrdup(labelled->label);
            c->profile = xstrdup_or_null(labelled->profile);
            c->mode = xstrdup_or_null(labelled->mode);
        }
        i = j;
    }
    *out = list;
    *out_count = n;
    list = NULL;
out:
    procscan_containers_free(&list, n);
    free(sorted);
    return rc;
}
