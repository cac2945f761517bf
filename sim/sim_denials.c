/*
 * sim_denials: formatting of audit lines (see sim_denials.h). Field order
 * follows the kernel's audit_pre()/dump_common_audit_data(): apparmor=,
 * operation=, class=, [info=,] profile=, name=, pid=, comm=, then the class'
 * own fields.
 */
#include "config.h"
#include "sim_denials.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static const char *const fmt_names[] = {"auditd-class", "auditd", "syslog", "bare", "journald",
                                        "auditd-type"};

const char *sim_dfmt_name(enum sim_dfmt f)
{
    return f < SIM_DF__COUNT ? fmt_names[f] : "?";
}

static const char *const ops[] = {"open", "mknod", "create", "capable", "signal", "connect", "exec"};

const char *sim_devent_operation(enum sim_devent e)
{
    return e < SIM_DE__COUNT ? ops[e] : "?";
}

static bool has_class(enum sim_dfmt f)
{
    return f != SIM_DF_AUDITD && f != SIM_DF_BARE;
}

static void body(struct strbuf *o, const struct sim_dline *d)
{
    const char *what = d->kind == SIM_DK_ALLOWED ? "ALLOWED" : "DENIED";
    bool cls = has_class(d->fmt);
    if (d->kind == SIM_DK_STATUS) {
        strbuf_printf(o,
                      "apparmor=\"STATUS\" operation=\"profile_replace\" info=\"same as current "
                      "profile, skipping\" profile=\"unconfined\" name=\"%s\" pid=%d "
                      "comm=\"apparmor_parser\"",
                      d->profile, d->pid);
        return;
    }
    strbuf_printf(o, "apparmor=\"%s\" operation=\"%s\"", what, sim_devent_operation(d->event));
    switch (d->event) {
    case SIM_DE_FILE_READ:
        if (cls)
            strbuf_puts(o, " class=\"file\"");
        strbuf_printf(o,
                      " profile=\"%s\" name=\"/etc/shadow\" pid=%d comm=\"%s\" "
                      "requested_mask=\"r\" denied_mask=\"r\" fsuid=0 ouid=0",
                      d->profile, d->pid, d->comm);
        break;
    case SIM_DE_FILE_WRITE:
        if (cls)
            strbuf_puts(o, " class=\"file\"");
        strbuf_printf(o,
                      " profile=\"%s\" name=\"/usr/local/bin/payload\" pid=%d comm=\"%s\" "
                      "requested_mask=\"c\" denied_mask=\"c\" fsuid=0 ouid=0",
                      d->profile, d->pid, d->comm);
        break;
    case SIM_DE_NET_RAW:
        if (cls)
            strbuf_puts(o, " class=\"net\"");
        strbuf_printf(o,
                      " profile=\"%s\" pid=%d comm=\"%s\" family=\"inet\" sock_type=\"raw\" "
                      "protocol=1 requested_mask=\"create\" denied_mask=\"create\"",
                      d->profile, d->pid, d->comm);
        break;
    case SIM_DE_CAP:
        if (cls)
            strbuf_puts(o, " class=\"cap\"");
        strbuf_printf(o, " profile=\"%s\" pid=%d comm=\"%s\" capability=12 capname=\"net_admin\"",
                      d->profile, d->pid, d->comm);
        break;
    case SIM_DE_SIGNAL:
        if (cls)
            strbuf_puts(o, " class=\"signal\"");
        strbuf_printf(o,
                      " profile=\"%s\" pid=%d comm=\"%s\" requested_mask=\"send\" "
                      "denied_mask=\"send\" signal=kill peer=\"unconfined\"",
                      d->profile, d->pid, d->comm);
        break;
    case SIM_DE_UNIX:
        if (cls)
            strbuf_puts(o, " class=\"net\"");
        strbuf_printf(o,
                      " profile=\"%s\" pid=%d comm=\"%s\" family=\"unix\" sock_type=\"stream\" "
                      "protocol=0 requested_mask=\"send receive connect\" "
                      "denied_mask=\"send connect\" addr=none peer_addr=\"/run/containerd/"
                      "containerd.sock\" peer=\"unconfined\"",
                      d->profile, d->pid, d->comm);
        break;
    case SIM_DE_EXEC:
        if (cls)
            strbuf_puts(o, " class=\"file\"");
        strbuf_printf(o,
                      " info=\"no new privs\" error=-1 profile=\"%s\" name=\"/usr/bin/curl\" "
                      "pid=%d comm=\"%s\" requested_mask=\"x\" denied_mask=\"x\" fsuid=0 ouid=0 "
                      "target=\"/usr/bin/curl\"",
                      d->profile, d->pid, d->comm);
        break;
    case SIM_DE__COUNT:
        break;
    }
}

static void stamp(char out[32], const struct sim_dline *d)
{
    snprintf(out, 32, "%lld.%03lld:%llu", (long long)(d->epoch_ms / 1000),
             (long long)(d->epoch_ms % 1000), (unsigned long long)d->serial);
}

static void syslog_time(char out[32], int64_t epoch_ms)
{
    time_t t = (time_t)(epoch_ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 32, "%b %e %H:%M:%S", &tm);
}

void sim_dline_format(struct strbuf *o, const struct sim_dline *d)
{
    char st[32], ts[32];
    stamp(st, d);
    if (d->kind == SIM_DK_SYSCALL) {
        /* auditd's companion record (not AppArmor). */
        strbuf_printf(o,
                      "type=SYSCALL msg=audit(%s): arch=c000003e syscall=257 success=no exit=-13 "
                      "a0=ffffff9c a1=7ffd5b1c2e10 a2=0 a3=0 items=1 ppid=1 pid=%d "
                      "auid=4294967295 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 "
                      "tty=(none) ses=4294967295 comm=\"%s\" exe=\"/usr/bin/%s\" subj=%s "
                      "key=(null)\n",
                      st, d->pid, d->comm, d->comm, d->profile);
        return;
    }
    switch (d->fmt) {
    case SIM_DF_AUDITD_CLASS:
    case SIM_DF_AUDITD:
        strbuf_printf(o, "type=AVC msg=audit(%s): ", st);
        break;
    case SIM_DF_AUDITD_TYPE:
        strbuf_printf(o, "type=1400 msg=audit(%s): ", st);
        break;
    case SIM_DF_SYSLOG:
        syslog_time(ts, d->epoch_ms);
        strbuf_printf(o, "%s %s kernel: [%12.6f] audit: type=1400 audit(%s): ", ts, d->node,
                      d->uptime, st);
        break;
    case SIM_DF_BARE:
        strbuf_printf(o, "audit: type=1400 audit(%s): ", st);
        break;
    case SIM_DF_JOURNALD:
        syslog_time(ts, d->epoch_ms);
        strbuf_printf(o, "%s %s audit[%d]: AVC ", ts, d->node, d->pid);
        break;
    case SIM_DF__COUNT:
        break;
    }
    body(o, d);
    strbuf_putc(o, '\n');
}
