/*
 * agent_profiles: the agent's profile operations: list and show the node's
 * inventory (core/aafs), and load, replace, unload and switch the mode of a
 * profile. Text is validated and compiled by apparmor_parser (run through
 * agent_exec with an argument vector, always with -M <features>, in a private
 * 0700 temp dir that is removed afterwards) and loaded through core/apparmor
 * (libapparmor's kernel interface on <apparmorfs>/.replace and .remove).
 *
 * Every operation answers with an HTTP status and a JSON body appended to
 * `out`. Mutations are serialised by one lock; the source text of profiles
 * loaded through this agent is kept in memory (not across restarts) so the
 * mode can be switched later.
 *
 * Depends on libc, xalloc, strbuf, kerr, core/aafs, core/apparmor,
 * core/procscan, agent_exec, agent_json. Blocks up to 3 x the parser timeout.
 */
#ifndef ARMORTOP_AGENT_AGENT_PROFILES_H
#define ARMORTOP_AGENT_AGENT_PROFILES_H

#include <stdbool.h>
#include <stddef.h>

struct strbuf;
struct agent_profiles;

#define AGENT_PROFILE_NAME_MAX 255
#define AGENT_PROFILE_BODY_MAX (1024 * 1024)

struct agent_profiles_config {
    const char *apparmorfs_dir; /* borrowed, must outlive the object */
    const char *features_file;
    const char *parser_path;
    const char *proc_dir;
    int parser_timeout_ms;
};

struct agent_profiles *agent_profiles_new(const struct agent_profiles_config *cfg);
void agent_profiles_free(struct agent_profiles **p);

/*
 * Is name acceptable as a profile name in a URL? 1..255 bytes; no control
 * character (below 0x20, 0x7f); no backslash (parser escapes); not "." or
 * ".."; no ".." path component ("../x", "/a/../b", "x/.."). A leading '/' is
 * allowed (profiles named after binaries, "/usr/bin/foo"), as are ":ns:name"
 * and "parent//hat". On false, *why (may be NULL) gets a static reason.
 */
bool agent_profile_name_valid(const char *name, const char **why);

/*
 * May text (len bytes) be handed to apparmor_parser, which runs as root? Every
 * include directive (`#include`, `include`, `... if exists`, with <path>,
 * "path" or a bare path) must stay inside the policy directory: no ".."
 * component, no backslash or control character, and an absolute path only
 * under /etc/apparmor.d/ (relative ones are searched there). So a profile
 * cannot make the parser read /etc/shadow, a device or another node secret
 * and leak it through diagnostics. On false, *why (may be NULL) gets a static
 * reason.
 */
bool agent_profile_includes_valid(const char *text, size_t len, const char **why);

/* GET /v1/profiles: {revision, profiles:[{name, mode, hash, hash_alg, attach, namespace}]} */
int agent_profiles_list(struct agent_profiles *p, struct strbuf *out);
/* GET /v1/profiles/{name}: one profile, with source when kept. 404 when not loaded. */
int agent_profiles_get(struct agent_profiles *p, const char *name, struct strbuf *out);
/* PUT: validate, check the text defines name, compile, load. 200 {name, revision}. */
int agent_profiles_put(struct agent_profiles *p, const char *name, const char *body,
                       size_t body_len, struct strbuf *out);
/* DELETE: 404 not loaded, 409 in use by running containers unless force. */
int agent_profiles_delete(struct agent_profiles *p, const char *name, bool force,
                          struct strbuf *out);
/* POST .../mode with {"mode":"enforce"|"complain"}: 409 when no source is kept. */
int agent_profiles_set_mode(struct agent_profiles *p, const char *name, const char *body,
                            size_t body_len, struct strbuf *out);

/* Successful changes so far. */
unsigned long agent_profiles_change_count(struct agent_profiles *p);
/* Prometheus lines: armortop_agent_profiles{mode="..."} N and the change counter. */
void agent_profiles_metrics(struct agent_profiles *p, struct strbuf *out);
/* Number of loaded profiles and the revision, -1/-1 when the inventory cannot be read. */
void agent_profiles_counts(struct agent_profiles *p, long *profile_count, long long *revision);

#endif
