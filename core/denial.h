/*
 * denial: one AppArmor audit record (a "denial record", although ALLOWED,
 * AUDIT, STATUS, ... records are read the same way), taken from one log line
 * without losing anything the kernel wrote.
 *
 * A line may come in any of the forms the kernel's records reach a node in:
 * auditd (`type=AVC msg=audit(...)`, with or without a `node=` prefix),
 * `type=1400 msg=audit(...)`, audisp (`msg=audit(...)`), syslog/kern.log,
 * /dev/kmsg (`prio,seq,usec,flags;audit: ...`), journald
 * (`audit[PID]: AVC apparmor=...`), a bare `audit: type=1400 audit(...)` and
 * dmesg (`[ stamp] audit: ...`). denial_parse_line() normalises the forms that
 * libapparmor 3.0.8 rejects, asks libapparmor (through core/apparmor, the only
 * file that sees it) about a copy reduced to the keys and value shapes 3.0.8
 * reads (it leaks or stops on the rest; for the usual kernel lines, whose
 * answer is known in advance, it is not asked: a fast path gives the same
 * record), and reads the line with its own
 * key=value reader, which fills what libapparmor leaves out (`class=`,
 * `execpath=`, `peer_addr=`, ...) or replaces it when it says INVALID. The
 * rule it keeps: a line holding `apparmor="DENIED"` is always returned as a
 * DENIED record.
 *
 * Depends on libc, xalloc, strbuf, kerr and core/apparmor. Must not print,
 * exit, or include a libapparmor header.
 */
#ifndef ARMORTOP_CORE_DENIAL_H
#define ARMORTOP_CORE_DENIAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kerr.h"

struct strbuf;

/* Record types. The first seven mirror libapparmor's aa_record_event_type;
 * KILLED is the kernel's apparmor="KILLED" (kill-mode profiles), which 3.0.8
 * does not know. apparmor="AUTO" is read as AUDIT. */
#define DENIAL_EVENT_LIST(_)                                                                       \
    _(DENIAL_EVENT_INVALID, "INVALID")                                                             \
    _(DENIAL_EVENT_ERROR, "ERROR")                                                                 \
    _(DENIAL_EVENT_AUDIT, "AUDIT")                                                                 \
    _(DENIAL_EVENT_ALLOWED, "ALLOWED")                                                             \
    _(DENIAL_EVENT_DENIED, "DENIED")                                                               \
    _(DENIAL_EVENT_HINT, "HINT")                                                                   \
    _(DENIAL_EVENT_STATUS, "STATUS")                                                               \
    _(DENIAL_EVENT_KILLED, "KILLED")

#define DENIAL_ENUM_(id, name) id,
enum denial_event { DENIAL_EVENT_LIST(DENIAL_ENUM_) DENIAL_EVENT__COUNT };

/* The form a line came in (what its prefix looked like). */
#define DENIAL_SOURCE_LIST(_)                                                                      \
    _(DENIAL_SRC_UNKNOWN, "unknown")            /* none of the forms below */                      \
    _(DENIAL_SRC_AUDITD, "auditd")              /* [node=H ]type=AVC msg=audit(..) */              \
    _(DENIAL_SRC_AUDITD_NUMERIC, "auditd-type") /* type=1400 msg=audit(...) */                     \
    _(DENIAL_SRC_AUDISP, "audisp")              /* msg=audit(...) without type= */                 \
    _(DENIAL_SRC_SYSLOG, "syslog")              /* "May 22 09:45:33 host kernel: ..." */           \
    _(DENIAL_SRC_KMSG, "kmsg")                  /* "5,1234,5678901,-;audit: ..." */                \
    _(DENIAL_SRC_JOURNALD, "journald")          /* "... audit[PID]: AVC apparmor=" */              \
    _(DENIAL_SRC_BARE, "bare")                  /* "audit: type=1400 audit(...)" */                \
    _(DENIAL_SRC_DMESG, "dmesg")                /* "[ 12.345678] audit: ..." */

enum denial_source { DENIAL_SOURCE_LIST(DENIAL_ENUM_) DENIAL_SRC__COUNT };

/* Which reader produced the record (diagnostics and tests). */
#define DENIAL_PARSER_LIST(_)                                                                      \
    _(DENIAL_BY_NONE, "none")                                                                      \
    _(DENIAL_BY_LIBAPPARMOR, "libapparmor")         /* parse_record() alone */                     \
    _(DENIAL_BY_LIBAPPARMOR_FILLED, "libapparmor+") /* + fields from our reader */                 \
    _(DENIAL_BY_READER, "reader")                   /* our key=value reader alone */

enum denial_parser { DENIAL_PARSER_LIST(DENIAL_ENUM_) DENIAL_BY__COUNT };
#undef DENIAL_ENUM_

/*
 * One record. Every string is owned by the record (freed by aa_denial_done)
 * and is NULL when the line did not carry the field. Numbers are -1 when
 * absent, except error_code (0 when absent) and the epoch (0 when absent).
 * Strings hold what the kernel logged after quote removal and hex decoding
 * (a hex-decoded value may hold any byte but NUL; escape before display).
 * Key names in the comments are the kernel's; "a|b" means either key fills it.
 */
struct aa_denial {
    enum denial_event event;          /* apparmor="..." (or type=APPARMOR_x / 150x) */
    enum denial_source source_format; /* the form of the line */
    enum denial_parser parsed_by;

    char *audit_id;             /* "1716371133.123:456" from audit(...) */
    int64_t epoch_s;            /* seconds since the epoch, 0 when absent */
    int epoch_ms;               /* milliseconds part, 0..999 */
    unsigned long audit_serial; /* the ":456" part, 0 when absent */

    char *operation;        /* operation= */
    char *rule_class;       /* class= (kernels >= 6.x); libapparmor 4.1 calls it rule_class */
    char *profile;          /* profile=|label= (a label may be a stack "a//&b") */
    char *peer_profile;     /* peer_profile=|peer_label=|tcontext= */
    char *peer;             /* peer= (signal, ptrace, unix) */
    char *name;             /* name= (path, capability name, ...); capname= when no name= */
    char *name2;            /* name2=|target= */
    char *aa_namespace;     /* namespace= (AppArmor policy namespace, not a pod's) */
    char *comm;             /* comm=|exe= (the later one wins, as in libapparmor) */
    char *requested_mask;   /* requested_mask=|requested= */
    char *denied_mask;      /* denied_mask=|denied=|mask= */
    char *info;             /* info= */
    char *attribute;        /* attribute= */
    char *execpath;         /* execpath= */
    char *capname;          /* capname= */
    char *signal;           /* signal= */
    char *net_family;       /* family= */
    char *net_sock_type;    /* sock_type= */
    char *net_protocol;     /* protocol=, numbers mapped to names as libapparmor does */
    char *net_local_addr;   /* laddr=|saddr= */
    char *net_foreign_addr; /* faddr=|daddr= */
    char *net_addr;         /* addr= (unix sockets; "none" and "?" are absent) */
    char *peer_addr;        /* peer_addr= (unix sockets; "none" is absent) */
    char *dbus_bus;         /* bus= */
    char *dbus_path;        /* path= */
    char *dbus_interface;   /* interface= */
    char *dbus_member;      /* member=|method= */
    char *fs_type;          /* fstype= */
    char *flags;            /* flags= */
    char *src_name;         /* srcname= */

    long pid;              /* pid= (host TGID of the task) */
    long peer_pid;         /* peer_pid= */
    long parent;           /* parent= */
    long fsuid;            /* fsuid= */
    long ouid;             /* ouid= */
    long capability;       /* capability= */
    long net_local_port;   /* lport=|src= */
    long net_foreign_port; /* fport=|dest= */
    int error_code;        /* error=-13 gives 13 (as libapparmor), 0 when absent */
    bool is_truncated;     /* the line ended inside a quoted value */

    /* Attribution, left NULL here; the agent fills them (owned too). */
    char *node;
    char *pod_ns;
    char *pod_name;
    char *container;
};

/* Set every field to "absent". Owns nothing yet. */
void aa_denial_init(struct aa_denial *d);
/* Free every string and reset to aa_denial_init() state. Accepts NULL; safe twice. */
void aa_denial_done(struct aa_denial *d);

/* Static names ("DENIED", "auditd", "reader"); never NULL ("?" when out of range). */
const char *denial_event_name(enum denial_event ev);
const char *denial_source_name(enum denial_source src);
const char *denial_parser_name(enum denial_parser by);

/*
 * Read one log line (len bytes; need not be NUL-terminated; may hold NULs,
 * which are read as spaces; trailing CR/LF ignored; embedded newlines are
 * whitespace). `out` is always initialised first, so aa_denial_done(out) is
 * always right afterwards.
 * Returns:
 *   0  out holds an AppArmor record (any event but INVALID);
 *   1  the line is not an AppArmor record (a SYSCALL line, an SELinux AVC,
 *      any other kernel line); out is empty;
 *   -KERR_PARSE  an AppArmor-looking line that cannot be read (a pre-2.1
 *      "REJECTING ... access" record, an unknown apparmor="..." value); out
 *      holds what could be read, with event INVALID, for diagnostics;
 *   -KERR_INVAL  line or out is NULL.
 * Never returns anything but 0 with event DENIED for a line that holds
 * `apparmor="DENIED"`. Thread-safe (libapparmor is called under a lock).
 * Does not block.
 */
int denial_parse_line(const char *line, size_t len, struct aa_denial *out, struct kerr *err);

/*
 * denial_parse_line() without its fast path: libapparmor is asked about
 * every record it can read. The two give the same record, field for field
 * (parsed_by included); for tests and bench_denials, which check that.
 */
int denial_parse_line_lib(const char *line, size_t len, struct aa_denial *out, struct kerr *err);

/*
 * Our key=value reader alone, without libapparmor (what denial_parse_line
 * falls back to). Same returns as denial_parse_line, except that the pre-2.1
 * forms are "not a record" (1). For tests and for callers that must not use
 * libapparmor.
 */
int denial_parse_kv(const char *line, size_t len, struct aa_denial *out, struct kerr *err);

/*
 * Append to sb a key that is equal for two records exactly when they have
 * the same event, profile, operation, class, name, requested and denied mask
 * and comm (identical denials are counted, not repeated). Absent and empty
 * fields give different keys. The key is opaque bytes (no NUL). Returns 0,
 * or -KERR_INVAL when d or sb is NULL.
 */
int denial_dedup_key(const struct aa_denial *d, struct strbuf *sb);

#endif
