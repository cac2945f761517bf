/*
 * kubeconfig: find and load cluster access the way kubectl does, and produce
 * credentials for requests.
 *
 * Sources, in order: an explicit --kubeconfig file (that file only); else the
 * $KUBECONFIG colon-separated list with kubectl's merge rules (first file to set
 * a value or map key wins, empty entries ignored, unparseable files are errors,
 * first current-context wins); else ~/.kube/config; else the in-cluster service
 * account. Relative paths in a file resolve against that file's directory.
 * YAML via libyaml (kubeconfig.c only). Exec credential plugins
 * (client.authentication.k8s.io/v1 ExecCredential) are run by execve with an
 * argument vector; their JSON output is decoded in json_exec.c.
 *
 * Depends on libc, libyaml and (through json_exec.c) cJSON. Never prints.
 */
#ifndef ARMORTOP_CORE_KUBECONFIG_H
#define ARMORTOP_CORE_KUBECONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kerr.h"

struct kube_exec_env {
    char *name;
    char *value;
};

struct kube_exec_config {
    char *command;           /* resolved: relative paths containing '/' against the file's dir */
    char **args;             /* NULL-terminated, may be empty */
    struct kube_exec_env *env;
    size_t env_count;
    char *api_version;       /* e.g. client.authentication.k8s.io/v1 */
    char *install_hint;      /* may be NULL */
    bool provide_cluster_info;
    char *interactive_mode;  /* Never | IfAvailable | Always; may be NULL (v1beta1) */
};

struct kube_config {
    char *context;           /* context name in use; "in-cluster" for the service account */
    char *cluster_name;
    char *user_name;
    char *server;            /* https://host:port or http://host:port, never NULL */
    char *namespace;         /* from the context, the SA namespace file, or "default" */
    char *source;            /* the file(s) it came from, for messages */
    /* cluster */
    char *ca_file;           /* may be NULL */
    char *ca_data;           /* PEM bytes decoded from base64, may be NULL */
    size_t ca_data_len;
    bool is_insecure;        /* insecure-skip-tls-verify */
    char *tls_server_name;   /* may be NULL */
    char *proxy_url;         /* may be NULL */
    /* user */
    char *client_cert_file;  /* may be NULL */
    char *client_cert_data;  /* PEM, may be NULL */
    size_t client_cert_data_len;
    char *client_key_file;   /* may be NULL */
    char *client_key_data;   /* PEM, may be NULL */
    size_t client_key_data_len;
    char *token;             /* static token, may be NULL */
    char *token_file;        /* may be NULL; re-read at most every 60 s */
    char *username;          /* basic auth, may be NULL */
    char *password;
    struct kube_exec_config *exec; /* may be NULL */
    bool is_in_cluster;
    void *priv;              /* credential cache; owned, freed by kube_config_free */
};

struct kubeconfig_opts {
    const char *explicit_path;   /* --kubeconfig, may be NULL */
    const char *context;         /* --context, may be NULL */
    const char *namespace;       /* -n override, may be NULL */
    const char *kubeconfig_env;  /* value of $KUBECONFIG; NULL = getenv("KUBECONFIG") */
    const char *home;            /* NULL = getenv("HOME") */
    const char *sa_dir;          /* NULL = /var/run/secrets/kubernetes.io/serviceaccount */
    bool no_env;                 /* tests: ignore the real environment entirely */
    const char *service_host;    /* NULL = getenv("KUBERNETES_SERVICE_HOST") unless no_env */
    const char *service_port;    /* NULL = getenv("KUBERNETES_SERVICE_PORT") unless no_env */
};

/* Load a config per the rules above. On success *out is owned by the caller.
 * Errors: KERR_NOTFOUND (no config anywhere; message says where it looked),
 * KERR_CONFIG (unknown context, missing cluster/user, bad YAML with file:line),
 * KERR_IO. Does not block on the network. */
int kubeconfig_load(const struct kubeconfig_opts *opts, struct kube_config **out,
                    struct kerr *err);
void kube_config_free(struct kube_config **cfg);

/* Credentials to present on a request; borrowed from cfg's cache and valid until
 * the next call on cfg. Exactly the fields that apply are set. */
struct kube_credentials {
    const char *token;            /* bearer token, may be NULL */
    const char *client_cert_pem;  /* from an exec plugin, may be NULL */
    size_t client_cert_pem_len;
    const char *client_key_pem;
    size_t client_key_pem_len;
    const char *username;         /* basic auth, may be NULL */
    const char *password;
    int64_t expires_at;           /* unix seconds, 0 = no expiry */
};

/* Resolve credentials: static token wins over tokenFile (re-read when older
 * than 60 s); exec plugins run on first use and again once expired. May block
 * while a plugin runs (bounded by a 60 s timeout). Errors: KERR_EXEC with the
 * plugin's stderr and installHint, KERR_IO for an unreadable tokenFile. */
int kube_config_credentials(struct kube_config *cfg, struct kube_credentials *out,
                            struct kerr *err);

/* Forget cached credentials (after a 401) so the next call re-reads / re-execs. */
void kube_config_invalidate_credentials(struct kube_config *cfg);

/* Clock used for credential caching, in seconds: CLOCK_MONOTONIC when
 * is_monotonic (tokenFile age), else unix time (exec expiry). */
typedef int64_t (*kube_clock_fn)(bool is_monotonic, void *ud);

/* Tests: replace the clock (NULL restores the real one). ud is borrowed. */
void kube_config_set_clock(struct kube_config *cfg, kube_clock_fn fn, void *ud);

/* Tests: exec plugin timeout in milliseconds (default 60000; <= 0 restores it). */
void kube_config_set_exec_timeout(struct kube_config *cfg, int timeout_ms);

#endif
