/*
 * sim_http: the HTTP face of armortop-sim, a Kubernetes API server subset on
 * libmicrohttpd.
 *
 * Serves discovery (/version, /api, /api/v1, /apis), get/list/watch of pods,
 * nodes, events and namespaces with paging, field and label selectors and
 * server-side Tables, bearer-token auth (every --users token), optional TLS,
 * TokenReview and SubjectAccessReview, the pods proxy to the nodes' agents
 * (Authorization stripped, as kube-apiserver does), the /sim/ control
 * endpoints used by tests, and fault injection (latency, errors with
 * Retry-After, dropped and reset connections, truncated (also chunked) and
 * malformed responses, expiring continue tokens, a rotated token, dying
 * mid-body). One thread per
 * connection, so a watch never blocks other requests. Depends on
 * libmicrohttpd, pthreads, core/xalloc, core/strbuf and the other sim modules;
 * it never writes to stdout (logs go to stderr).
 */
#ifndef ARMORTOP_SIM_SIM_HTTP_H
#define ARMORTOP_SIM_SIM_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "sim_auth.h"
#include "sim_gen.h"
#include "sim_nodes.h"
#include "sim_store.h"

struct sim_faults {
    unsigned latency_ms;
    unsigned error_rate;     /* percent of requests answered with error_code */
    unsigned error_code;     /* default 500 */
    unsigned drop_rate;      /* percent closed without a response */
    unsigned truncate_rate;  /* percent with half the announced body */
    unsigned malformed_rate; /* percent with a body cut to invalid JSON */
    long die_after;          /* exit(3) mid-body after this many more requests; -1 = never */
    bool is_watch_410_http;  /* stale watch rv: HTTP 410 instead of an ERROR event */
    unsigned retry_after_s;  /* > 0: error_rate answers carry "Retry-After: N" */
    unsigned reset_rate;     /* percent of connections reset (RST) without a response */
    bool is_chunked;         /* list/get bodies chunked, without Content-Length */
    long expire_continue;    /* the next N continued lists answer 410 Expired */
};

void sim_faults_reset(struct sim_faults *f);

struct sim_server_opts {
    const char *token;           /* bearer token, borrowed */
    const struct sockaddr *addr; /* listen address (port may be 0), borrowed */
    socklen_t addr_len;
    const char *tls_key_pem; /* both NULL for plain HTTP; borrowed */
    const char *tls_cert_pem;
    unsigned page_max;    /* cap for ?limit= */
    bool is_verbose;      /* one stderr line per request */
    bool is_anonymous_ok; /* no Authorization header is accepted (a wrong one is not) */
    uint64_t seed;        /* seeds the fault PRNG */
    struct sim_faults faults;
    const struct sim_auth *auth; /* users; NULL = only token is accepted */
    struct sim_nodes *nodes;     /* simulated nodes (agents, proxy targets); may be NULL */
};

struct sim_server;

/* Start serving st (and mutating it through g) on the address in opts.
 * Returns an owned server or NULL with a message in err. st and g must
 * outlive the server. Does not block. */
struct sim_server *sim_server_new(struct sim_store *st, struct sim_gen *g,
                                  const struct sim_server_opts *opts, char *err, size_t err_len);
/* The bound TCP port. */
int sim_server_port(const struct sim_server *srv);
/* End watches, stop the daemon (joins its threads), free; sets *srv to NULL. */
void sim_server_free(struct sim_server **srv);

#endif
