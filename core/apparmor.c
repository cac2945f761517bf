/*
 * apparmor: the one file that includes libapparmor (make check-layering
 * enforces it). Wraps aa_is_enabled(), parse_record() and the kernel policy
 * interface; converts libapparmor's records into struct aa_denial.
 *
 * Depends on libc, pthread, libapparmor, xalloc and kerr. Must not print or
 * exit, and must not let a libapparmor type out of this file.
 */
#include "config.h"
#include "apparmor.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/apparmor.h>
#include <aalogparse/aalogparse.h>

#include "denial.h"
#include "xalloc.h"

/* libapparmor 3.0.8's grammar keeps the record under construction in a global
 * (ret_record): parse_record() is not reentrant. */
static pthread_mutex_t parse_lock = PTHREAD_MUTEX_INITIALIZER;

/* libapparmor 3.0.8 corrupts the heap on a scanner token of 16 KB or more
 * (tested: a quoted value of 16384 bytes, or 16377 unquoted; an unknown key
 * makes the whole rest of the line one token). The kernel never writes a
 * record longer than MAX_AUDIT_MESSAGE_LENGTH (8970), so longer lines are
 * left to our own reader. */
#define PARSE_RECORD_MAX_LEN (12 * 1024)

/*
 * libapparmor 3.0.8's flex scanner has states without a catch-all rule, so
 * some inputs (a newline inside quotes, "'" after "(", odd bytes after a
 * syslog time, ...) hit flex's default ECHO and are written to stdout (found
 * by the fuzzer). core must not print: while parse_record() runs, under
 * parse_lock, the global stdout points at a stream that discards; flex reads
 * stdout when its per-call scanner starts. Another thread printing to stdout
 * in that instant loses its output (the agent logs to stderr; ncurses keeps
 * its own FILE pointer). Without glibc (no fopencookie, and musl's stdout is
 * const) libapparmor is not called and our own reader does all the work.
 */
#ifdef __GLIBC__
static ssize_t discard_write(void *cookie, const char *buf, size_t size)
{
    (void)cookie;
    (void)buf;
    return (ssize_t)size;
}

/* Called with parse_lock held. NULL only when out of memory. */
static FILE *discard_stream(void)
{
    static FILE *sink;
    if (!sink) {
        cookie_io_functions_t io = {
            .read = NULL, .write = discard_write, .seek = NULL, .close = NULL};
        sink = fopencookie(NULL, "w", io);
    }
    return sink;
}

static aa_log_record *quiet_parse_record(char *line)
{
    aa_log_record *r = NULL;
    FILE *saved = stdout;
    FILE *sink = discard_stream();

    if (!sink)
        goto out;
    stdout = sink;
    r = parse_record(line);
    fflush(sink);
    stdout = saved;
out:
    return r;
}
#endif

int aa_enabled(int *errno_out)
{
    int rc = 0;
    int saved = 0;

    errno = 0;
    if (aa_is_enabled() == 1) {
        rc = 1;
        goto out;
    }
    saved = errno ? errno : ENOSYS;
out:
    if (errno_out)
        *errno_out = saved;
    return rc;
}

const char *aa_enabled_reason(int errno_value)
{
    switch (errno_value) {
    case 0:
        return "enabled";
    case ENOSYS:
        return "AppArmor not in the kernel";
    case ECANCELED:
        return "disabled at boot";
    case ENOENT:
        return "securityfs not mounted";
    case EBUSY:
        return "private interfaces only";
    case EPERM:
    case EACCES:
        return "no permission";
    default:
        return "unexpected error while checking";
    }
}

static enum denial_event map_event(aa_record_event_type ev)
{
    switch (ev) {
    case AA_RECORD_ERROR:
        return DENIAL_EVENT_ERROR;
    case AA_RECORD_AUDIT:
        return DENIAL_EVENT_AUDIT;
    case AA_RECORD_ALLOWED:
        return DENIAL_EVENT_ALLOWED;
    case AA_RECORD_DENIED:
        return DENIAL_EVENT_DENIED;
    case AA_RECORD_HINT:
        return DENIAL_EVENT_HINT;
    case AA_RECORD_STATUS:
        return DENIAL_EVENT_STATUS;
    case AA_RECORD_INVALID:
    default:
        return DENIAL_EVENT_INVALID;
    }
}

static long ulong_or_absent(unsigned long v, unsigned long absent)
{
    return v == absent ? -1 : (long)v;
}

/* "1716371133.123:456" -> 123; 0 when the id has no well-formed fraction. */
static int ms_from_audit_id(const char *id)
{
    const char *dot = id ? strchr(id, '.') : NULL;
    int ms = 0;
    int digits = 0;

    if (!dot)
        return 0;
    for (const char *p = dot + 1; *p >= '0' && *p <= '9'; p++) {
        if (digits < 3)
            ms = ms * 10 + (*p - '0');
        digits++;
    }
    for (; digits > 0 && digits < 3; digits++)
        ms *= 10;
    return ms;
}

/* Take a string libapparmor allocated (strdup/asprintf: the C library's
 * malloc, which free_record() would free): the record keeps it and
 * free_record() sees NULL. Saves a copy and a free per field. */
#define TAKE(dst, src)                                                                             \
    do {                                                                                           \
        (dst) = (src);                                                                             \
        (src) = NULL;                                                                              \
    } while (0)

static void copy_record(aa_log_record *r, struct aa_denial *out)
{
    out->event = map_event(r->event);
    out->parsed_by = DENIAL_BY_LIBAPPARMOR;
    out->epoch_s = r->epoch;
    out->epoch_ms = ms_from_audit_id(r->audit_id);
    out->audit_serial = r->audit_sub_id;
    TAKE(out->audit_id, r->audit_id);
    TAKE(out->operation, r->operation);
    TAKE(out->profile, r->profile);
    TAKE(out->peer_profile, r->peer_profile);
    TAKE(out->peer, r->peer);
    TAKE(out->name, r->name);
    TAKE(out->name2, r->name2);
    TAKE(out->aa_namespace, r->namespace);
    TAKE(out->comm, r->comm);
    TAKE(out->requested_mask, r->requested_mask);
    TAKE(out->denied_mask, r->denied_mask);
    TAKE(out->info, r->info);
    TAKE(out->attribute, r->attribute);
    TAKE(out->signal, r->signal);
    TAKE(out->net_family, r->net_family);
    TAKE(out->net_sock_type, r->net_sock_type);
    TAKE(out->net_protocol, r->net_protocol);
    TAKE(out->net_local_addr, r->net_local_addr);
    TAKE(out->net_foreign_addr, r->net_foreign_addr);
    TAKE(out->dbus_bus, r->dbus_bus);
    TAKE(out->dbus_path, r->dbus_path);
    TAKE(out->dbus_interface, r->dbus_interface);
    TAKE(out->dbus_member, r->dbus_member);
    TAKE(out->fs_type, r->fs_type);
    TAKE(out->flags, r->flags);
    TAKE(out->src_name, r->src_name);
    out->pid = ulong_or_absent(r->pid, 0);
    out->peer_pid = ulong_or_absent(r->peer_pid, 0);
    out->parent = ulong_or_absent(r->parent, 0);
    out->fsuid = ulong_or_absent(r->fsuid, (unsigned long)-1);
    out->ouid = ulong_or_absent(r->ouid, (unsigned long)-1);
    out->net_local_port = ulong_or_absent(r->net_local_port, 0);
    out->net_foreign_port = ulong_or_absent(r->net_foreign_port, 0);
    out->error_code = r->error_code;
}
#undef TAKE

int aa_parse_record_line(char *writable_line, struct aa_denial *out)
{
    aa_log_record *r = NULL;
    int rc = 0;

    if (!writable_line || !out)
        return -KERR_INVAL;
    if (strnlen(writable_line, PARSE_RECORD_MAX_LEN + 1) > PARSE_RECORD_MAX_LEN)
        return 1;
#ifdef __GLIBC__
    pthread_mutex_lock(&parse_lock);
    r = quiet_parse_record(writable_line);
    pthread_mutex_unlock(&parse_lock);
#endif
    if (!r) {
        rc = 1;
        goto out;
    }
    copy_record(r, out);
    rc = out->event == DENIAL_EVENT_INVALID ? 1 : 0;
out:
    if (r)
        free_record(r);
    return rc;
}

static int errno_to_kerr(int e)
{
    return (e == ENOENT || e == ENOTDIR) ? KERR_NOTFOUND : KERR_IO;
}

static const char *errno_text(int e, char *buf, size_t len)
{
    /* GNU strerror_r (config.h defines _GNU_SOURCE): may return a static string. */
    return strerror_r(e, buf, len);
}

/* Shared by replace and remove: build the features and the interface. */
static int open_interface(const char *dir, const char *features_file, aa_features **features,
                          aa_kernel_interface **ki, struct kerr *err)
{
    char ebuf[128];
    int rc = 0;

    if (aa_features_new(features, AT_FDCWD, features_file) != 0) {
        int e = errno;
        rc = kerr_set(err, errno_to_kerr(e), "cannot read AppArmor features: %s",
                      errno_text(e, ebuf, sizeof ebuf));
        kerr_where(err, "%s", features_file);
        goto out;
    }
    if (aa_kernel_interface_new(ki, *features, dir) != 0) {
        int e = errno;
        rc = kerr_set(err, errno_to_kerr(e), "cannot open the policy interface: %s",
                      errno_text(e, ebuf, sizeof ebuf));
        kerr_where(err, "%s", dir);
        goto out;
    }
out:
    return rc;
}

int aa_policy_replace(const char *apparmorfs_dir, const char *features_file, const void *blob,
                      size_t len, struct kerr *err)
{
    aa_features *features = NULL;
    aa_kernel_interface *ki = NULL;
    char ebuf[128];
    int rc = 0;

    if (!apparmorfs_dir || !features_file || !blob || len == 0) {
        rc = kerr_set(err, KERR_INVAL, "aa_policy_replace: missing directory, features or blob");
        goto out;
    }
    rc = open_interface(apparmorfs_dir, features_file, &features, &ki, err);
    if (rc < 0)
        goto out;
    if (aa_kernel_interface_replace_policy(ki, blob, len) != 0) {
        int e = errno;
        rc = kerr_set(err, errno_to_kerr(e), "cannot replace policy (%zu bytes): %s", len,
                      errno_text(e, ebuf, sizeof ebuf));
        kerr_where(err, "%s/.replace", apparmorfs_dir);
        goto out;
    }
out:
    if (ki)
        aa_kernel_interface_unref(ki);
    if (features)
        aa_features_unref(features);
    return rc;
}

int aa_policy_remove(const char *apparmorfs_dir, const char *features_file, const char *fqname,
                     struct kerr *err)
{
    aa_features *features = NULL;
    aa_kernel_interface *ki = NULL;
    char ebuf[128];
    int rc = 0;

    if (!apparmorfs_dir || !features_file || !fqname || !*fqname) {
        rc = kerr_set(err, KERR_INVAL, "aa_policy_remove: missing directory, features or name");
        goto out;
    }
    rc = open_interface(apparmorfs_dir, features_file, &features, &ki, err);
    if (rc < 0)
        goto out;
    if (aa_kernel_interface_remove_policy(ki, fqname) != 0) {
        int e = errno;
        rc = kerr_set(err, errno_to_kerr(e), "cannot remove profile %s: %s", fqname,
                      errno_text(e, ebuf, sizeof ebuf));
        kerr_where(err, "%s/.remove", apparmorfs_dir);
        goto out;
    }
out:
    if (ki)
        aa_kernel_interface_unref(ki);
    if (features)
        aa_features_unref(features);
    return rc;
}
