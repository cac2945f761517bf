/*
 * sim_denials: realistic AppArmor audit lines, as the kernel writes them and
 * as they reach a node's logs (TECHNOTES §4): auditd (`type=AVC msg=audit(...)`,
 * with and without `class=`, and `type=1400 msg=audit(...)`), kern.log/syslog
 * (`Nov 24 22:15:05 node kernel: [12345.678901] audit: type=1400 ...`), a bare
 * `audit: type=1400 audit(...)`, and journald (`... audit[PID]: AVC apparmor=...`).
 * Events: file read/write, raw socket, capability, signal, unix socket
 * (`addr=none`), exec; plus ALLOWED (complain mode), STATUS (policy load) and
 * non-AppArmor SYSCALL lines. Pure formatting: the caller chooses pids and
 * writes the lines. Depends on libc and core/strbuf.
 */
#ifndef ARMORTOP_SIM_SIM_DENIALS_H
#define ARMORTOP_SIM_SIM_DENIALS_H

#include <stdint.h>

#include "strbuf.h"

enum sim_dfmt {
    SIM_DF_AUDITD_CLASS, /* type=AVC msg=audit(..): ... class="file" ... */
    SIM_DF_AUDITD,       /* type=AVC msg=audit(..): ... (older kernels, no class=) */
    SIM_DF_SYSLOG,       /* kern.log: "Nov 24 22:15:05 node-003 kernel: [stamp] audit: type=1400 ..." */
    SIM_DF_BARE,         /* "audit: type=1400 audit(..): ..." */
    SIM_DF_JOURNALD,     /* "Nov 24 22:15:05 node-003 audit[PID]: AVC apparmor=..." */
    SIM_DF_AUDITD_TYPE,  /* "type=1400 msg=audit(..): ..." */
    SIM_DF__COUNT
};

enum sim_devent {
    SIM_DE_FILE_READ,
    SIM_DE_FILE_WRITE,
    SIM_DE_NET_RAW,
    SIM_DE_CAP,
    SIM_DE_SIGNAL,
    SIM_DE_UNIX,
    SIM_DE_EXEC,
    SIM_DE__COUNT
};

enum sim_dkind { SIM_DK_DENIED, SIM_DK_ALLOWED, SIM_DK_STATUS, SIM_DK_SYSCALL };

struct sim_dline {
    enum sim_dfmt fmt;
    enum sim_devent event;
    enum sim_dkind kind;
    const char *node;    /* host name in syslog/journald prefixes */
    const char *profile; /* the task's profile (label without its mode) */
    const char *comm;
    int pid;
    int64_t epoch_ms;    /* wall clock of the record */
    double uptime;       /* kernel timestamp for kern.log */
    uint64_t serial;     /* audit serial */
};

const char *sim_dfmt_name(enum sim_dfmt f);
const char *sim_devent_operation(enum sim_devent e);
/* Append one line (with its newline) to out. */
void sim_dline_format(struct strbuf *out, const struct sim_dline *d);

#endif
