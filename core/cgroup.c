/*
 * cgroup: /proc/<pid>/cgroup text -> pod UID + container ID, by path
 * components (TECHNOTES §5; kubelet cgroup_manager_linux.go for the pod
 * cgroup names, containerd/CRI-O/runc for the leaf names). Pure string work on
 * borrowed input: depends only on libc and kerr, allocates nothing, never
 * prints, never touches the filesystem.
 */
#include "config.h"
#include "cgroup.h"

#include <stddef.h>
#include <string.h>

#include "kerr.h"

#define UUID_LEN 36
#define HASH_UID_LEN 32
#define CONTAINER_ID_LEN 64

static bool is_lower_hex(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

static bool all_lower_hex(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (!is_lower_hex(s[i]))
            return false;
    return true;
}

static bool has_prefix(const char *s, size_t len, const char *prefix)
{
    size_t plen = strlen(prefix);
    return len >= plen && memcmp(s, prefix, plen) == 0;
}

static bool has_suffix(const char *s, size_t len, const char *suffix)
{
    size_t slen = strlen(suffix);
    return len >= slen && memcmp(s + len - slen, suffix, slen) == 0;
}

static bool equals(const char *s, size_t len, const char *lit)
{
    return strlen(lit) == len && memcmp(s, lit, len) == 0;
}

/*
 * A pod UID of `len` bytes, with `sep` as the UUID separator ('-' for
 * cgroupfs, '_' for systemd). Copies the canonical form (with '-') to out.
 */
static bool take_uid(const char *s, size_t len, char sep, char out[CGROUP_POD_UID_SIZE])
{
    if (len == HASH_UID_LEN) {
        if (!all_lower_hex(s, len))
            return false;
    } else if (len == UUID_LEN) {
        for (size_t i = 0; i < len; i++) {
            bool dash_pos = i == 8 || i == 13 || i == 18 || i == 23;
            if (dash_pos ? s[i] != sep : !is_lower_hex(s[i]))
                return false;
        }
    } else {
        return false;
    }
    for (size_t i = 0; i < len; i++)
        out[i] = s[i] == sep ? '-' : s[i];
    out[len] = '\0';
    return true;
}

/* The part of a systemd pod slice name before "-pod<UID>.slice". */
static bool is_kubepods_slice_prefix(const char *s, size_t len)
{
    static const char *const tails[] = { "kubepods", "kubepods-burstable", "kubepods-besteffort" };
    for (size_t i = 0; i < sizeof tails / sizeof tails[0]; i++) {
        size_t tlen = strlen(tails[i]);
        if (equals(s, len, tails[i]))
            return true;
        /* cgroup-root prefix, e.g. kubelet-kubepods-besteffort */
        if (len > tlen && has_suffix(s, len, tails[i]) && s[len - tlen - 1] == '-')
            return true;
    }
    return false;
}

/* Is this one path component a pod cgroup? Fills uid and driver. */
static bool match_pod(const char *c, size_t len, char uid[CGROUP_POD_UID_SIZE],
                      enum cgroup_driver *driver)
{
    static const size_t uid_lens[] = { UUID_LEN, HASH_UID_LEN };
    bool ok = false;

    if (has_suffix(c, len, ".slice")) {
        size_t stem = len - strlen(".slice");
        for (size_t i = 0; i < 2 && !ok; i++) {
            size_t ulen = uid_lens[i];
            if (stem < ulen + strlen("-pod") + 1)
                continue;
            size_t pre = stem - ulen - strlen("-pod");
            if (memcmp(c + pre, "-pod", 4) != 0 || !is_kubepods_slice_prefix(c, pre))
                continue;
            ok = take_uid(c + pre + 4, ulen, '_', uid);
        }
        if (ok)
            *driver = CGROUP_DRIVER_SYSTEMD;
        goto out;
    }
    if (has_prefix(c, len, "pod")) {
        ok = take_uid(c + 3, len - 3, '-', uid);
        if (ok)
            *driver = CGROUP_DRIVER_CGROUPFS;
    }
out:
    return ok;
}

/* Leaf forms, tried in order: the conmon prefix must come before "crio-". */
static const struct {
    const char *prefix;
    const char *suffix;
    enum cgroup_runtime runtime;
    bool is_conmon;
} leaf_forms[] = {
    { "cri-containerd-", ".scope", CGROUP_RUNTIME_CONTAINERD, false },
    { "crio-conmon-", ".scope", CGROUP_RUNTIME_CRIO, true },
    { "crio-conmon-", "", CGROUP_RUNTIME_CRIO, true },
    { "crio-", ".scope", CGROUP_RUNTIME_CRIO, false },
    { "crio-", "", CGROUP_RUNTIME_CRIO, false },
    { "docker-", ".scope", CGROUP_RUNTIME_DOCKER, false },
    { "", "", CGROUP_RUNTIME_UNKNOWN, false },
};

/* Classify the component after the pod's. 0 container, 1 not one (conmon sets *is_conmon). */
static int match_leaf(const char *c, size_t len, struct cgroup_ident *id)
{
    for (size_t i = 0; i < sizeof leaf_forms / sizeof leaf_forms[0]; i++) {
        size_t plen = strlen(leaf_forms[i].prefix);
        size_t slen = strlen(leaf_forms[i].suffix);
        if (len != plen + CONTAINER_ID_LEN + slen)
            continue;
        if (!has_prefix(c, len, leaf_forms[i].prefix) || !has_suffix(c, len, leaf_forms[i].suffix))
            continue;
        if (!all_lower_hex(c + plen, CONTAINER_ID_LEN))
            continue;
        if (leaf_forms[i].is_conmon) {
            id->is_conmon = true;
            return 1;
        }
        memcpy(id->container_id, c + plen, CONTAINER_ID_LEN);
        id->container_id[CONTAINER_ID_LEN] = '\0';
        id->runtime = leaf_forms[i].runtime;
        return 0;
    }
    return 1;
}

/* Walk the components of one path (not NUL-terminated). 0 found, 1 not a container. */
static int match_path(const char *path, size_t len, struct cgroup_ident *id)
{
    const char *end = path + len;
    const char *p = path;
    bool in_pod = false;
    int rc = 1;

    while (p < end) {
        while (p < end && *p == '/')
            p++;
        if (p == end)
            break;
        const char *c = p;
        while (p < end && *p != '/')
            p++;
        size_t clen = (size_t)(p - c);
        if (in_pod) {
            rc = match_leaf(c, clen, id);
            goto out;
        }
        in_pod = match_pod(c, clen, id->pod_uid, &id->driver);
    }
out:
    return rc;
}

/* One line "ID:controllers:path". 0 found, 1 not a container, -KERR_PARSE. */
static int parse_line(const char *line, size_t len, struct cgroup_ident *id)
{
    const char *end = line + len;
    const char *p = line;
    int rc = -KERR_PARSE;

    if (p == end || *p < '0' || *p > '9')
        goto out;
    while (p < end && *p >= '0' && *p <= '9')
        p++;
    if (p == end || *p != ':')
        goto out;
    p++;
    while (p < end && *p != ':')
        p++;
    if (p == end)
        goto out;
    p++;
    if (p == end || *p != '/')
        goto out;
    size_t plen = (size_t)(end - p);
    if (has_suffix(p, plen, " (deleted)"))
        plen -= strlen(" (deleted)");
    rc = match_path(p, plen, id);
out:
    return rc;
}

int cgroup_parse(const char *content, struct cgroup_ident *out)
{
    struct cgroup_ident found;
    struct cgroup_ident pod_only;
    bool has_found = false;
    bool has_pod = false;
    int rc = -KERR_INVAL;

    if (!out)
        goto out;
    memset(out, 0, sizeof *out);
    if (!content)
        goto out;
    rc = 1;
    memset(&found, 0, sizeof found);
    memset(&pod_only, 0, sizeof pod_only);

    /* Check every line, so that a malformed text is refused wherever the bad line is. */
    for (const char *line = content; *line;) {
        const char *nl = strchr(line, '\n');
        size_t len = nl ? (size_t)(nl - line) : strlen(line);
        if (len > 0) {
            struct cgroup_ident cand;
            memset(&cand, 0, sizeof cand);
            int r = parse_line(line, len, &cand);
            if (r < 0) {
                rc = r;
                goto out;
            }
            if (r == 0 && !has_found) {
                found = cand;
                has_found = true;
            } else if (r == 1 && cand.pod_uid[0] && !has_pod) {
                pod_only = cand;
                has_pod = true;
            }
        }
        line += nl ? len + 1 : len;
    }
    if (has_found) {
        *out = found;
        rc = 0;
    } else if (has_pod) {
        *out = pod_only;
        out->container_id[0] = '\0';
        out->runtime = CGROUP_RUNTIME_UNKNOWN;
    }
out:
    return rc;
}

bool cgroup_container_id_matches(const char *status_container_id, const char *hex)
{
    if (!status_container_id || !hex || !*hex)
        return false;
    const char *sep = strstr(status_container_id, "://");
    const char *id = sep ? sep + 3 : status_container_id;
    return *id && strcmp(id, hex) == 0;
}

const char *cgroup_runtime_name(enum cgroup_runtime runtime)
{
    switch (runtime) {
    case CGROUP_RUNTIME_CONTAINERD:
        return "containerd";
    case CGROUP_RUNTIME_CRIO:
        return "cri-o";
    case CGROUP_RUNTIME_DOCKER:
        return "docker";
    case CGROUP_RUNTIME_UNKNOWN:
        break;
    }
    return "unknown";
}

const char *cgroup_driver_name(enum cgroup_driver driver)
{
    switch (driver) {
    case CGROUP_DRIVER_SYSTEMD:
        return "systemd";
    case CGROUP_DRIVER_CGROUPFS:
        return "cgroupfs";
    case CGROUP_DRIVER_UNKNOWN:
        break;
    }
    return "unknown";
}
