/*
 * agent_http: the agent's HTTP API on libmicrohttpd (optionally HTTPS through
 * MHD's GnuTLS backend). One thread per connection (handlers may wait for
 * apparmor_parser), a connection limit, idle timeouts, a 1 MiB body limit,
 * authentication and authorization through agent_auth on every route but
 * /healthz, and every change logged with who made it. Routes and answers are
 * described in docs/armortop-agent.8 and DESIGN.md "Agent API".
 * Depends on libc, libmicrohttpd, strbuf, kerr and the agent modules; no
 * libmicrohttpd type crosses this header.
 */
#ifndef ARMORTOP_AGENT_AGENT_HTTP_H
#define ARMORTOP_AGENT_AGENT_HTTP_H

#include <stdbool.h>
#include <sys/socket.h>

struct agent;
struct agent_http;
struct kerr;

struct agent_http_config {
    struct sockaddr_storage addr; /* where to listen (port 0: any free port) */
    socklen_t addr_len;
    const char *tls_cert_pem; /* NUL-terminated PEM, both or neither; borrowed until stop */
    const char *tls_key_pem;
    unsigned connection_limit;   /* default 64 */
    unsigned timeout_s;          /* idle connection timeout, default 30 */
};

/* Start serving. On success returns the server and sets *port to the bound port.
 * NULL with err set (KERR_CONNECT: cannot bind; KERR_TLS: TLS unsupported). */
struct agent_http *agent_http_start(struct agent *a, const struct agent_http_config *cfg, int *port,
                                    struct kerr *err);

/* Stop (closes connections, joins threads) and free. Accepts NULL. */
void agent_http_stop(struct agent_http **h);

#endif
