/*
 * sim_tls: an ephemeral certificate authority for armortop-sim --tls.
 *
 * At start-up it generates, with the gnutls x509 API, a self-signed CA and a
 * server certificate signed by it (SAN IP 127.0.0.1, ::1, the listen address
 * and DNS localhost). Keys live in memory only; the CA certificate goes into
 * the emitted kubeconfig as certificate-authority-data. Depends on gnutls and
 * core/xalloc.
 */
#ifndef ARMORTOP_SIM_SIM_TLS_H
#define ARMORTOP_SIM_SIM_TLS_H

#include <stddef.h>

struct sim_tls {
    char *ca_pem; /* owned PEM strings */
    char *cert_pem;
    char *key_pem;
};

/* Generate the CA and server certificate; listen_ip (may be NULL) is added as a
 * SAN. Returns 0, or -1 with a message in err. sim_tls_done() frees either way. */
int sim_tls_generate(struct sim_tls *t, const char *listen_ip, char *err, size_t err_len);
void sim_tls_done(struct sim_tls *t);

#endif
