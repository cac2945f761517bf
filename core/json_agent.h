/*
 * json_agent: decode armortop-agent's JSON answers (/v1/status, /v1/profiles,
 * /v1/containers, /v1/denials) and the agent pods found in a Kubernetes pod
 * list into the plain structs of model.h. cJSON stays inside json_agent.c;
 * every tree is deleted before the function returns. Unknown keys are
 * ignored (the agent API only grows); a wrong type for a key we use is
 * KERR_PARSE naming the key. On error nothing is returned (outputs zeroed).
 *
 * Depends on libc, cJSON (json_agent.c only), model, kerr, xalloc.
 */
#ifndef ARMORTOP_CORE_JSON_AGENT_H
#define ARMORTOP_CORE_JSON_AGENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kerr.h"
#include "model.h"

/* /v1/status: fills the status fields of *node (is_aa_enabled, aa_reason,
 * version, revision; replaced) and *uptime_s (-1 when absent). */
int json_agent_decode_status(const char *body, size_t len, struct agent_node *node,
                             int64_t *uptime_s, struct kerr *err);

/* /v1/profiles {revision, profiles:[...]}: an owned array in *out (NULL when
 * *count is 0; free each with agent_node_profile_done, then the array) and the
 * revision (-1 when null or absent). */
int json_agent_decode_profiles(const char *body, size_t len, struct agent_node_profile **out,
                               size_t *count, int64_t *revision, struct kerr *err);

/* /v1/containers [...]: owned array as above (agent_node_container_done).
 * Entries without a container_id are skipped. */
int json_agent_decode_containers(const char *body, size_t len, struct agent_node_container **out,
                                 size_t *count, struct kerr *err);

/* /v1/denials {records:[...], next, dropped, reset?}: owned array of records
 * (node set to node_name), oldest first. */
struct json_agent_denials {
    struct agent_denial_record *records;
    size_t count;
    uint64_t next;    /* cursor to ask from next time */
    uint64_t dropped; /* records lost before the first one returned */
    uint64_t newest;  /* the agent's newest cursor (0 when absent) */
    bool is_reset;    /* the agent did not know our cursor (it restarted) */
};
int json_agent_decode_denials(const char *body, size_t len, const char *node_name,
                              struct json_agent_denials *out, struct kerr *err);
void json_agent_denials_done(struct json_agent_denials *d);

/* One armortop-agent pod from a PodList. */
struct json_agent_pod {
    char *ns;
    char *name;
    char *node;      /* spec.nodeName, may be NULL (unscheduled) */
    char *phase;     /* status.phase, may be NULL */
    int port;        /* the container port named "https", else the first one; 0 = none */
    char *port_name; /* that port's name, may be NULL */
    bool is_ready;   /* condition Ready == True */
    bool is_terminating;
};
/* A PodList (items[]) into an owned array (json_agent_pods_free). */
int json_agent_decode_pods(const char *body, size_t len, struct json_agent_pod **out, size_t *count,
                           struct kerr *err);
void json_agent_pods_free(struct json_agent_pod **pods, size_t count);

#endif
