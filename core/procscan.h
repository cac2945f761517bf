/*
 * procscan: the ground truth of confinement on one node. Walks a /proc (the
 * real one, or a directory laid out like it for tests) and, for each process
 * inside a Kubernetes pod, reports its pod UID and container ID (via
 * core/cgroup) and its AppArmor label from <pid>/attr/apparmor/current
 * (falling back to <pid>/attr/current only when the former does not exist).
 * Depends on libc, xalloc, kerr, log and core/cgroup. Must not include
 * libapparmor: the label is kept raw and split at its last " (" here; callers
 * that need the stack parsed use core/aa_label. Never prints, never exits.
 *
 * Ownership: a struct proc_entry owns its strings; lists returned by
 * procscan_list/procscan_group_by_container are owned by the caller and freed
 * with the matching *_free function. Reads are of small procfs files and do
 * not block on the network.
 */
#ifndef ARMORTOP_CORE_PROCSCAN_H
#define ARMORTOP_CORE_PROCSCAN_H

#include <stdbool.h>
#include <stddef.h>

#include "cgroup.h"

struct kerr;

struct proc_entry {
    int pid;                   /* the /proc directory's number */
    int tgid;                  /* "Tgid:" from status; -1 when unknown */
    int ppid;                  /* "PPid:" from status; -1 when unknown */
    struct cgroup_ident ident; /* pod_uid, container_id, runtime, driver */
    char *label;   /* owned; the raw label without its trailing newline, e.g.
                      "cri-containerd.apparmor.d (enforce)"; NULL when unreadable */
    char *profile; /* owned; label before its last " (", e.g. ":ns:p//&q"; equals the
                      label when there is no mode suffix ("unconfined"); NULL with label */
    char *mode;    /* owned; the text inside the last "(...)", e.g. "enforce", "mixed";
                      NULL for a bare "unconfined" or when label is NULL */
    char *comm;    /* owned; comm without newline; NULL when unreadable */
    int label_errno; /* errno of the failed label read (EACCES, EINVAL...), 0 when read */
};

/* Free the strings of one entry and clear it. Accepts NULL. */
void proc_entry_done(struct proc_entry *e);

/*
 * List every process of proc_dir ("/proc", or a fake tree) that runs in a
 * container. Only the numeric directories are visited, which in /proc are the
 * thread-group leaders. Processes that vanish between readdir() and the reads
 * (ENOENT, ESRCH) are skipped silently; a process whose cgroup file cannot be
 * read or parsed is skipped and logged at debug level; a process whose label
 * cannot be read is kept with label == NULL and label_errno set.
 * On success *out is an owned array sorted by pid (NULL when *count is 0);
 * free it with procscan_list_free(). Returns 0, or -KERR_INVAL, -KERR_NOTFOUND
 * (proc_dir does not exist), -KERR_IO (cannot list proc_dir), with detail in err
 * (may be NULL). Note that a pid can be reused between the readdir and the
 * reads; the reads of one pid go through one directory fd, so they are
 * consistent with each other.
 */
int procscan_list(const char *proc_dir, struct proc_entry **out, size_t *count, struct kerr *err);

/* Free an array from procscan_list (count entries) and set *list to NULL. Accepts NULL. */
void procscan_list_free(struct proc_entry **list, size_t count);

/*
 * Read one pid now (the denial attribution path: read before the process
 * exits). pid may be a thread ID as well: /proc/<tid> exists though readdir
 * does not show it; out->tgid then tells the leader.
 * Fills *out (cleared first; free with proc_entry_done()) and returns 0 when
 * the process is in a container, 1 when it exists but is not in a container
 * (out has pid, label, comm; ident holds at most the pod UID), -KERR_NOTFOUND
 * when it does not exist or vanished, -KERR_IO when its cgroup file cannot be
 * read, -KERR_PARSE when that file is malformed, -KERR_INVAL on bad arguments.
 * On a negative return *out holds nothing to free.
 */
int procscan_pid(const char *proc_dir, int pid, struct proc_entry *out, struct kerr *err);

/*
 * Split a raw label at its last " (" into profile and mode (both owned, set
 * to NULL first). "p (enforce)" -> "p", "enforce"; "unconfined" -> "unconfined",
 * NULL; a label not ending in ')' is all profile. label NULL -> both NULL.
 */
void procscan_split_label(const char *label, char **profile, char **mode);

/* One container, collapsed from its processes. */
struct proc_container {
    struct cgroup_ident ident; /* of the container (pod_uid, container_id, runtime) */
    int pid;               /* its lowest pid, taken as the main process (usually its init;
                              not after pid wrap-around) */
    char *label;           /* owned; label of `pid`, or of the lowest pid with a readable
                              label when that of `pid` is NULL; NULL if none is readable */
    char *profile;         /* owned; as in proc_entry, for that same label */
    char *mode;            /* owned; as in proc_entry */
    size_t process_count;  /* number of entries collapsed */
    bool has_mixed_labels; /* two readable labels of this container differ */
};

/*
 * Collapse entries (borrowed; any order) into one record per container_id,
 * skipping entries without one. *out is an owned array sorted by container_id
 * (NULL when *out_count is 0); free with procscan_containers_free(). Returns 0,
 * or -KERR_INVAL when out or out_count is NULL or entries is NULL with count > 0.
 */
int procscan_group_by_container(const struct proc_entry *entries, size_t count,
                                struct proc_container **out, size_t *out_count);

/* Free an array from procscan_group_by_container and set *list to NULL. Accepts NULL. */
void procscan_containers_free(struct proc_container **list, size_t count);

#endif
