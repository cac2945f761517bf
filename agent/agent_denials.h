/*
 * agent_denials: the node's AppArmor records, from a log file (auditd's
 * audit.log or any file given with --log) or /dev/kmsg, kept in a bounded ring
 * with a monotonic cursor, counted per identical denial, and attributed to
 * the pod and container of their pid (read from /proc at once, since
 * processes exit).
 *
 * One reader thread blocks in poll() on: a stop eventfd, an inotify fd
 * (the log file: IN_MODIFY, rotation by IN_MOVE_SELF/IN_DELETE_SELF, its
 * directory for the new file; the fake apparmorfs revision file) or the
 * /dev/kmsg fd, and the kernel's apparmorfs revision fd. No timers run while
 * idle except a 5 s one when a read offset is waiting to be saved.
 *
 * Log files: read incrementally, lines split at '\n' (a partial last line is
 * kept until its newline), start at the end unless from_start or a saved
 * offset (offset_file: "<dev> <ino> <offset>\n", written every 5 s when it
 * moved and at stop). size < offset means the file was truncated: restart at
 * 0. After a rotation the old file is read to its end, then the path is
 * reopened at 0.
 *
 * Depends on libc, pthread, xalloc, strbuf, kerr, core/denial,
 * core/procscan, core/aafs, agent_json, agent_log.
 */
#ifndef ARMORTOP_AGENT_AGENT_DENIALS_H
#define ARMORTOP_AGENT_AGENT_DENIALS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct strbuf;
struct kerr;
struct agent_denials;

enum agent_source_kind { AGENT_SOURCE_AUDITD, AGENT_SOURCE_KMSG, AGENT_SOURCE_FILE };

struct agent_denials_config {
    const char *node_name;      /* borrowed; must outlive the object */
    enum agent_source_kind kind;
    const char *path;           /* log file or /dev/kmsg */
    bool from_start;
    const char *offset_file;    /* may be NULL */
    const char *proc_dir;       /* for attribution */
    const char *apparmorfs_dir; /* for the revision watch; may be NULL */
    size_t ring_size;           /* records kept, >= 1 */
};

struct agent_denials *agent_denials_new(const struct agent_denials_config *cfg);

/*
 * Open the source (so the start position is fixed when this returns) and start
 * the reader thread. A source that cannot be opened is not an error: it is
 * reported unhealthy and retried when its directory changes. Returns 0, or
 * -KERR_IO when the thread or inotify cannot be set up (err says why).
 */
int agent_denials_start(struct agent_denials *d, struct kerr *err);

/* Stop and join the thread, save the offset. Safe when not started; safe twice. */
void agent_denials_stop(struct agent_denials *d);

/* Stop if needed, free everything, set *d to NULL. Accepts NULL. */
void agent_denials_free(struct agent_denials **d);

/* Feed one line as if read from the source (tests, and the reader itself). */
void agent_denials_feed_line(struct agent_denials *d, const char *line, size_t len);

/* Feed n bytes as if read() from the log file: split at '\n' by the reader's
 * own code, a partial last line kept for the next call. For benchmarks and
 * tests on an object that was not started (the reader thread owns that state). */
void agent_denials_feed_bytes(struct agent_denials *d, const char *buf, size_t n);

/*
 * {records:[...], next, dropped, reset?} for records after cursor `since`,
 * oldest first, at most limit. dropped: records after `since` that were
 * overwritten before this call. A cursor beyond the newest record (the agent
 * restarted) is read as 0 and "reset":true is added.
 */
void agent_denials_render(struct agent_denials *d, uint64_t since, size_t limit, struct strbuf *out);

/* [{event, profile, operation, class, name, requested_mask, denied_mask, comm, count, first, last}]
 * for identical records (denial_dedup_key), most frequent first. */
void agent_denials_render_summary(struct agent_denials *d, struct strbuf *out);

/* {kind, path, healthy, error, offset, lines, records, parse_errors, rotations, truncations} */
void agent_denials_render_source(struct agent_denials *d, struct strbuf *out);

/* Prometheus text: denials by profile, source health, lines/records/errors. */
void agent_denials_metrics(struct agent_denials *d, struct strbuf *out);

/* Total records stored so far (the newest cursor) and policy changes seen. */
uint64_t agent_denials_head(struct agent_denials *d);
unsigned long agent_denials_policy_changes(struct agent_denials *d);

const char *agent_source_kind_name(enum agent_source_kind kind);

#endif
