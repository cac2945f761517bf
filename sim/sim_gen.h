/*
 * sim_gen: the deterministic workload generator of armortop-sim.
 *
 * From (--nodes, --pods, --seed) it builds realistic Node, Namespace, Pod and
 * Event objects, serialised straight to JSON with strbuf (no JSON trees), and
 * loads them into a sim_store. Every pod carries the label
 * sim.armortop.dev/aa-case naming the AppArmor situation it exercises, and one
 * annotation sim.armortop.dev/expect.<container> per container of every kind
 * with what the kubelet's GetProfile resolves: "<type>|<profile>|<source>",
 * "null" for absent parts, source one of container, annotation, pod, unset.
 * For the invalid-field case the raw type string is reported ("Bogus|null|container"
 * or "Localhost|null|container" when localhostProfile is missing), since
 * GetProfile returns the field unvalidated.
 *
 * A pod's whole content is a pure function of (seed, pod index) plus the small
 * mutable state in struct sim_pod_state, so mutations regenerate the JSON
 * instead of editing it. Depends on libc, core/xalloc, core/strbuf and sim_store.
 */
#ifndef ARMORTOP_SIM_SIM_GEN_H
#define ARMORTOP_SIM_SIM_GEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim_store.h"
#include "strbuf.h"

#define SIM_AA_CASE_LIST(_)                                                                        \
    _(SIM_AA_CONTAINER_RUNTIME_DEFAULT, "container-field-runtime-default", 20)                     \
    _(SIM_AA_CONTAINER_LOCALHOST, "container-field-localhost", 20)                                 \
    _(SIM_AA_CONTAINER_UNCONFINED, "container-field-unconfined", 2)                                \
    _(SIM_AA_POD_FIELD, "pod-field", 6)                                                            \
    _(SIM_AA_BOTH, "both", 2)                                                                      \
    _(SIM_AA_ANN_RUNTIME_DEFAULT, "annotation-runtime-default", 4)                                 \
    _(SIM_AA_ANN_LOCALHOST, "annotation-localhost", 4)                                             \
    _(SIM_AA_ANN_UNCONFINED, "annotation-unconfined", 1)                                           \
    _(SIM_AA_NONE, "none", 30)                                                                     \
    _(SIM_AA_PRIVILEGED, "privileged", 2)                                                          \
    _(SIM_AA_EPHEMERAL, "ephemeral", 1)                                                            \
    _(SIM_AA_INIT, "init", 2)                                                                      \
    _(SIM_AA_WINDOWS, "windows", 1)                                                                \
    _(SIM_AA_INVALID_ANNOTATION, "invalid-annotation", 1)                                          \
    _(SIM_AA_INVALID_FIELD, "invalid-field", 1)                                                    \
    _(SIM_AA_BLOCKED_MISSING, "blocked-missing", 2)                                                \
    _(SIM_AA_BLOCKED_LEGACY, "blocked-legacy", 1)

#define SIM_AA_ENUM_(id, name, weight) id,
enum sim_aa_case { SIM_AA_CASE_LIST(SIM_AA_ENUM_) SIM_AA__COUNT };
#undef SIM_AA_ENUM_

const char *sim_aa_case_name(enum sim_aa_case c);

/* Mutable per-pod state; everything else derives from (seed, idx). */
struct sim_pod_state {
    uint32_t idx;        /* generator index, also its slot in sim_gen.pods */
    uint32_t generation; /* bumped by mutations, shown as a label */
    uint32_t restarts;   /* extra restarts added by mutations */
    uint32_t ordinal;    /* StatefulSet ordinal */
    int64_t created;     /* creationTimestamp, epoch seconds */
    const char *ns;      /* namespace, borrowed from sim_gen (interned) */
};

struct sim_gen {
    uint64_t seed;
    unsigned node_count;
    unsigned linux_node_count; /* nodes 0..linux-1 are Linux; a last Windows one when >= 10 */
    int64_t epoch;             /* base time for generated timestamps */
    uint64_t rng;              /* state of the PRNG behind mutations */
    struct sim_pod_state *pods;
    size_t pod_count, pod_cap;
    char **ns_names; /* interned namespaces, owned */
    size_t ns_count;
    uint32_t *sts_next;     /* next StatefulSet ordinal per app */
    struct strbuf *scratch; /* serialisation buffer, reused (owned) */
    /* Called (st->mu held) after a control operation changed a generated pod:
     * is_deleted tells whether it is gone. NULL = nobody listens. */
    void (*on_pod)(void *ctx, const struct sim_gen *g, const struct sim_pod_state *ps,
                   bool is_deleted);
    void *on_pod_ctx;
};

/* Embedded generator; epoch is the base for timestamps (fixed for determinism). */
void sim_gen_init(struct sim_gen *g, uint64_t seed, unsigned nodes, int64_t epoch);
void sim_gen_done(struct sim_gen *g);

/* Load nodes, namespaces, pods pods and their events into st (lock not needed
 * before the server starts). */
void sim_gen_populate(struct sim_gen *g, struct sim_store *st, unsigned pods);

/* Control operations; st->mu must be held. Each returns the number of objects
 * changed. add: ns NULL picks namespaces like the generator; ns must be a DNS label. */
unsigned sim_gen_mutate(struct sim_gen *g, struct sim_store *st, unsigned count);
unsigned sim_gen_add(struct sim_gen *g, struct sim_store *st, unsigned count, const char *ns);
/* Returns 0, -1 when no such pod, -2 for an agent pod (not deletable here). */
int sim_gen_delete(struct sim_gen *g, struct sim_store *st, const char *ns, const char *name);

/* ---- what the simulated nodes need to know about a pod (sim_nodes, sim_proc) ---- */

#define SIM_AGENT_NS "armortop-system"
#define SIM_AGENT_GEN_IDX UINT32_MAX /* sim_obj.gen_idx of agent pods (not generated pods) */

enum sim_ckind { SIM_CK_INIT, SIM_CK_MAIN, SIM_CK_EPHEMERAL };

/* One container as the runtime sees it. decl_type is what GetProfile resolves
 * ("RuntimeDefault", "Localhost", "Unconfined", NULL for unset; an invalid
 * field type is reported as NULL with is_decl_invalid). */
struct sim_cinfo {
    char name[48];
    enum sim_ckind kind;
    bool is_running;    /* state running: it has a process on the node */
    bool is_privileged;
    bool is_decl_invalid;
    char cid[65]; /* 64 hex digits of status.containerID ("" when never created) */
    const char *decl_type;
    char decl_prof[64]; /* Localhost profile name, "" otherwise */
};

struct sim_pinfo {
    uint32_t idx;
    char ns[64], name[96], uid[37];
    unsigned node; /* node index */
    char node_name[24];
    enum sim_aa_case aa;
    bool is_windows;
    size_t nc;
    struct sim_cinfo c[6];
};

/* Plan of a pod in its current state (pure; no lock needed beyond the one that
 * protects ps). */
void sim_gen_pod_info(const struct sim_gen *g, const struct sim_pod_state *ps,
                      struct sim_pinfo *out);
/* Name of node i ("node-001"). */
void sim_gen_node_name(unsigned i, char out[24]);
/* Number of Localhost profile names the generator uses, and the i-th. */
size_t sim_gen_profile_count(void);
const char *sim_gen_profile_name(size_t i);
/* The armortop-agent DaemonSet pod of node i (deterministic), gen_idx
 * SIM_AGENT_GEN_IDX. */
struct sim_obj *sim_gen_agent_pod(const struct sim_gen *g, unsigned node, uint64_t rv);
/* Load the agent pods of the given nodes and the armortop-system namespace
 * before serving (like sim_gen_populate; sorts the store again). */
void sim_gen_load_agent_pods(struct sim_gen *g, struct sim_store *st, const unsigned *nodes,
                             size_t count);

/* Deterministic bearer token for a seed: "sim-" + 32 hex digits, into buf (>= 40). */
void sim_gen_token(uint64_t seed, char *buf, size_t len);
/* splitmix64 step, exposed for the fault PRNG. */
uint64_t sim_rng_next(uint64_t *state);

#endif
