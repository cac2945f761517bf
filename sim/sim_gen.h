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
/* Returns 0, or -1 when no such pod. */
int sim_gen_delete(struct sim_gen *g, struct sim_store *st, const char *ns, const char *name);

/* Deterministic bearer token for a seed: "sim-" + 32 hex digits, into buf (>= 40). */
void sim_gen_token(uint64_t seed, char *buf, size_t len);
/* splitmix64 step, exposed for the fault PRNG. */
uint64_t sim_rng_next(uint64_t *state);

#endif
