/*
 * sim_auth: armortop-sim's users, groups and roles, and the Kubernetes
 * TokenReview (authentication.k8s.io/v1) and SubjectAccessReview
 * (authorization.k8s.io/v1) answers built from them (TECHNOTES §7).
 *
 * Users come from --users "token=user:group1|group2,..." or, by default, the
 * sim's token (user "admin", group "armortop-admins") and a read token derived
 * from it (user "viewer", group "armortop-viewers"). Roles: armortop-admins may
 * do every verb on group armortop.io resource apparmorprofiles (any
 * subresource), armortop-viewers get/list/watch; system:masters everything.
 * Nothing else is allowed. Depends on libc, cJSON, core/xalloc, core/strbuf.
 */
#ifndef ARMORTOP_SIM_SIM_AUTH_H
#define ARMORTOP_SIM_SIM_AUTH_H

#include <stdbool.h>
#include <stddef.h>

#include "strbuf.h"

#define SIM_GROUP_ADMINS "armortop-admins"
#define SIM_GROUP_VIEWERS "armortop-viewers"

struct sim_user {
    char *token, *name;
    char **groups;
    size_t ngroups;
};

struct sim_auth {
    struct sim_user *users;
    size_t count;
};

/* The read token derived from the main token ("view-" + 32 hex digits) into buf (>= 40). */
void sim_auth_read_token(const char *token, char *buf, size_t len);
/* The agents' service-account token ("sa-" + 32 hex digits) derived from token. */
void sim_auth_agent_token(const char *token, char *buf, size_t len);
#define SIM_AGENT_SA_USER "system:serviceaccount:armortop-system:armortop-agent"
/* Add a user (token must be new). */
void sim_auth_add(struct sim_auth *a, const char *token, const char *name, const char *groups);
/* Default users for token. */
void sim_auth_init_default(struct sim_auth *a, const char *token);
/* Parse --users; 0 or -1 with a message in err. */
int sim_auth_parse(struct sim_auth *a, const char *spec, char *err, size_t err_len);
void sim_auth_done(struct sim_auth *a);
/* Borrowed user with this token, or NULL. */
const struct sim_user *sim_auth_find(const struct sim_auth *a, const char *token);
bool sim_user_in_group(const struct sim_user *u, const char *group);
/* The RBAC decision for (user or groups, attributes). reason gets a text. */
bool sim_auth_allowed(const char *user, const char *const *groups, size_t ngroups,
                      const char *verb, const char *group, const char *resource, char *reason,
                      size_t reason_len);

/* Handle a TokenReview / SubjectAccessReview request body; returns the HTTP
 * status and writes the response (the review with status, or a Status) to out. */
unsigned sim_auth_token_review(const struct sim_auth *a, const char *body, struct strbuf *out);
unsigned sim_auth_access_review(const struct sim_auth *a, const char *body, struct strbuf *out);

#endif
