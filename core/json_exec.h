/*
 * json_exec: the JSON side of client-go exec credential plugins. Decodes the
 * ExecCredential a plugin prints on stdout (client.authentication.k8s.io v1 or
 * v1beta1) into plain owned C strings, and builds the KUBERNETES_EXEC_INFO
 * value handed to the plugin. Also parses RFC 3339 timestamps.
 *
 * Depends on libc, cJSON (only inside json_exec.c; every tree is deleted
 * before the function returns), xalloc, strbuf and kerr. Never prints, never
 * runs anything: running the plugin is kubeconfig.c's job.
 */
#ifndef ARMORTOP_CORE_JSON_EXEC_H
#define ARMORTOP_CORE_JSON_EXEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kerr.h"

/* Decoded ExecCredential status; all strings owned. */
struct json_exec_cred {
    char *token;                /* may be NULL */
    char *client_cert_pem;      /* may be NULL; set together with client_key_pem */
    size_t client_cert_pem_len;
    char *client_key_pem;
    size_t client_key_pem_len;
    int64_t expires_at;         /* unix seconds, 0 = no expiry given */
};

/* Decode the plugin's stdout (len bytes, need not be NUL-terminated). The
 * apiVersion must equal api_version and kind must be ExecCredential; status
 * must carry a token or both clientCertificateData and clientKeyData.
 * On success fills *out (owned by the caller; release with json_exec_cred_done).
 * Errors: KERR_EXEC with a message naming the problem; *out is left empty. */
int json_exec_cred_parse(const char *text, size_t len, const char *api_version,
                         struct json_exec_cred *out, struct kerr *err);
/* Free the strings of cred and zero it. Accepts an already-empty cred. */
void json_exec_cred_done(struct json_exec_cred *cred);

/* Cluster details passed to plugins with provideClusterInfo; all borrowed. */
struct json_exec_cluster {
    const char *server;
    const char *ca_data_b64;     /* certificate-authority-data, base64; may be NULL */
    bool is_insecure;
    const char *tls_server_name; /* may be NULL */
    const char *proxy_url;       /* may be NULL */
};

/* Build the KUBERNETES_EXEC_INFO JSON:
 * {"apiVersion":…,"kind":"ExecCredential","spec":{"interactive":…[,"cluster":{…}]}}.
 * cluster may be NULL (no provideClusterInfo). Returns an owned string. */
char *json_exec_info_build(const char *api_version, bool is_interactive,
                           const struct json_exec_cluster *cluster);

/* Parse an RFC 3339 timestamp ("2026-11-24T22:15:05Z", optional fractional
 * seconds, "Z" or a ±hh:mm offset) into unix seconds (fraction truncated).
 * Returns 0, or KERR_PARSE (no detail) when s is not such a timestamp. */
int json_exec_parse_rfc3339(const char *s, int64_t *out);

#endif
