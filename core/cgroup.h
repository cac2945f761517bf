/*
 * cgroup: maps the text of /proc/<pid>/cgroup to a Kubernetes pod UID and
 * container ID (TECHNOTES §5). It understands cgroup v1 lines
 * (`ID:controllers:path`, including `1:name=systemd:`), the v2 line (`0::/path`)
 * and hybrid hosts that have both; the kubelet's systemd and cgroupfs drivers;
 * and the containerd, CRI-O and docker leaf names. It is a pure string parser:
 * it depends only on libc, reads no files and allocates nothing. It must not
 * include libapparmor or anything Kubernetes-client related; the join against
 * pod statuses is the caller's job (cgroup_container_id_matches helps).
 *
 * Ownership: every struct here is plain data with fixed-size arrays; nothing
 * to free.
 */
#ifndef ARMORTOP_CORE_CGROUP_H
#define ARMORTOP_CORE_CGROUP_H

#include <stdbool.h>

/* Longest pod UID we accept is a canonical UUID (36 chars); static pods use 32 hex. */
#define CGROUP_POD_UID_SIZE 37
/* A container ID is exactly 64 lowercase hex digits. */
#define CGROUP_CONTAINER_ID_SIZE 65

enum cgroup_runtime {
    CGROUP_RUNTIME_UNKNOWN = 0, /* bare <64hex> leaf (cgroupfs): containerd or docker */
    CGROUP_RUNTIME_CONTAINERD,  /* cri-containerd-<id>.scope */
    CGROUP_RUNTIME_CRIO,        /* crio-<id>.scope or crio-<id> */
    CGROUP_RUNTIME_DOCKER,      /* docker-<id>.scope */
};

enum cgroup_driver {
    CGROUP_DRIVER_UNKNOWN = 0,
    CGROUP_DRIVER_SYSTEMD,  /* ...-pod<UID_>.slice */
    CGROUP_DRIVER_CGROUPFS, /* pod<UID> */
};

struct cgroup_ident {
    char pod_uid[CGROUP_POD_UID_SIZE];           /* "" when no pod cgroup was found */
    char container_id[CGROUP_CONTAINER_ID_SIZE]; /* "" unless cgroup_parse returned 0 */
    enum cgroup_runtime runtime;
    enum cgroup_driver driver;
    bool is_conmon; /* the pod cgroup held crio-conmon-<id>: CRI-O's monitor, not a container */
};

/*
 * Parse the whole text of /proc/<pid>/cgroup (content, NUL-terminated, borrowed)
 * into *out (always cleared first). Per line the path is split into components
 * (never matched by prefix; leading "/../.." components are harmless); the
 * first component naming a pod cgroup gives the UID:
 *   systemd:  kubepods-pod<UID_>.slice, kubepods-<burstable|besteffort>-pod<UID_>.slice,
 *             also with a cgroup-root prefix such as kubelet-kubepods-...-pod<UID_>.slice;
 *             '_' is turned back into '-';
 *   cgroupfs: pod<UID>.
 * A UID is a lowercase canonical UUID or 32 lowercase hex digits (static pods,
 * whose cgroup UID is the kubelet's config hash: join it with the mirror pod's
 * `kubernetes.io/config.mirror` annotation, not metadata.uid).
 * The next component gives the container: cri-containerd-<id>.scope,
 * crio-<id>.scope, docker-<id>.scope, crio-<id> or <id>, where <id> is exactly
 * 64 lowercase hex digits. Components below it (crun's nested "/container") are
 * ignored. crio-conmon-<id>[.scope] is CRI-O's monitor: reported as not a
 * container, with out->is_conmon set. A trailing " (deleted)" is ignored.
 * The first line that names a container wins; on hybrid hosts the lines agree.
 *
 * The pause (sandbox) container also lives in a pod cgroup with its own
 * container ID, so it is reported as found: this function cannot tell it
 * apart. Its ID never appears in a pod's containerStatuses, so the join does.
 * If the reader runs in a private cgroup namespace, processes of its own pod
 * show paths like "/../cri-containerd-<id>.scope" with no pod component and are
 * reported as not a container.
 *
 * Returns 0 when a container was found (all fields set), 1 when the process is
 * not in a container (host process, kernel thread, conmon, pod-level cgroup;
 * out->pod_uid and out->driver are set when a pod cgroup was seen), -KERR_INVAL
 * when content or out is NULL, -KERR_PARSE when any line is not of the form
 * `digits:controllers:/path`. An empty text is "not a container". Never blocks.
 */
int cgroup_parse(const char *content, struct cgroup_ident *out);

/*
 * Does a Kubernetes status containerID ("containerd://<hex>", "cri-o://<hex>",
 * "docker://<hex>"; a bare "<hex>" is accepted too) name the container `hex`?
 * Compares the part after "://" exactly. false when either is NULL or empty.
 */
bool cgroup_container_id_matches(const char *status_container_id, const char *hex);

/* The containerID scheme of a runtime: "containerd", "cri-o", "docker", or "unknown".
 * Static string, never NULL. */
const char *cgroup_runtime_name(enum cgroup_runtime runtime);

/* "systemd", "cgroupfs" or "unknown". Static string, never NULL. */
const char *cgroup_driver_name(enum cgroup_driver driver);

#endif
