/*
 * agent: the state one armortop-agent process shares between its HTTP
 * handlers and its reader thread. Created and owned by agent_main.c; the
 * HTTP layer borrows it. Depends on nothing but the module headers named by
 * the forward declarations.
 */
#ifndef ARMORTOP_AGENT_AGENT_H
#define ARMORTOP_AGENT_AGENT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <time.h>

struct agent_auth;
struct agent_profiles;
struct agent_denials;

#define AGENT_HTTP_CODES 600
/* Request methods counted on arrival (before authentication): GET HEAD PUT DELETE POST other. */
#define AGENT_HTTP_METHODS 6

struct agent {
    const char *node_name;      /* borrowed from argv */
    const char *apparmorfs_dir; /* owned by agent_main */
    const char *features_file;
    const char *proc_dir;
    const char *parser_path;
    bool is_tls;
    bool is_aa_enabled;
    int aa_errno;
    time_t started;
    struct agent_auth *auth;         /* owned by agent_main */
    struct agent_profiles *profiles; /* owned by agent_main */
    struct agent_denials *denials;   /* owned by agent_main */
    atomic_ulong requests_by_code[AGENT_HTTP_CODES];
    atomic_ulong requests_by_method[AGENT_HTTP_METHODS];
};

#endif
