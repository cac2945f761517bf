/*
 * sim_tls: CA and server certificate generation with gnutls (see sim_tls.h).
 * ECDSA P-256 keys: fast to generate and accepted by Go's crypto/tls (kubectl)
 * and libcurl. Depends on gnutls and core/xalloc.
 */
#include "config.h"
#include "sim_tls.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "xalloc.h"

static char *datum_str(gnutls_datum_t *d)
{
    char *s = xstrndup((const char *)d->data, d->size);
    gnutls_free(d->data);
    d->data = NULL;
    return s;
}

static int make_key(gnutls_x509_privkey_t *k)
{
    int rc = gnutls_x509_privkey_init(k);
    if (rc == 0)
        rc = gnutls_x509_privkey_generate(*k, GNUTLS_PK_ECDSA,
                                          GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0);
    return rc;
}

static int fill_common(gnutls_x509_crt_t c, gnutls_x509_privkey_t k, const char *cn,
                       unsigned char serial)
{
    time_t now = time(NULL);
    unsigned char ser[8] = {0x01, 0x5a, 0x11, 0x00, 0x00, 0x00, 0x00, serial};
    int rc = gnutls_x509_crt_set_version(c, 3);
    if (rc == 0)
        rc = gnutls_x509_crt_set_serial(c, ser, sizeof ser);
    if (rc == 0)
        rc = gnutls_x509_crt_set_activation_time(c, now - 3600);
    if (rc == 0)
        rc = gnutls_x509_crt_set_expiration_time(c, now + 86400 * 365);
    if (rc == 0)
        rc = gnutls_x509_crt_set_dn_by_oid(c, GNUTLS_OID_X520_COMMON_NAME, 0, cn,
                                           (unsigned)strlen(cn));
    if (rc == 0)
        rc = gnutls_x509_crt_set_dn_by_oid(c, GNUTLS_OID_X520_ORGANIZATION_NAME, 0, "armortop-sim",
                                           12);
    if (rc == 0)
        rc = gnutls_x509_crt_set_key(c, k);
    return rc;
}

static int add_ip_san(gnutls_x509_crt_t c, const char *ip)
{
    unsigned char raw[16];
    if (inet_pton(AF_INET, ip, raw) == 1)
        return gnutls_x509_crt_set_subject_alt_name(c, GNUTLS_SAN_IPADDRESS, raw, 4,
                                                    GNUTLS_FSAN_APPEND);
    if (inet_pton(AF_INET6, ip, raw) == 1)
        return gnutls_x509_crt_set_subject_alt_name(c, GNUTLS_SAN_IPADDRESS, raw, 16,
                                                    GNUTLS_FSAN_APPEND);
    return 0;
}

int sim_tls_generate(struct sim_tls *t, const char *listen_ip, char *err, size_t err_len)
{
    gnutls_x509_privkey_t ca_key = NULL, srv_key = NULL;
    gnutls_x509_crt_t ca = NULL, crt = NULL;
    gnutls_datum_t d = {NULL, 0};
    unsigned char kid[64];
    size_t kid_len = sizeof kid;
    const char *step = "init";
    int rc;
    memset(t, 0, sizeof *t);

    step = "generate CA key";
    if ((rc = make_key(&ca_key)) != 0)
        goto out;
    step = "build CA certificate";
    if ((rc = gnutls_x509_crt_init(&ca)) != 0 ||
        (rc = fill_common(ca, ca_key, "armortop-sim CA", 1)) != 0 ||
        (rc = gnutls_x509_crt_set_basic_constraints(ca, 1, -1)) != 0 ||
        (rc = gnutls_x509_crt_set_key_usage(ca, GNUTLS_KEY_KEY_CERT_SIGN | GNUTLS_KEY_CRL_SIGN |
                                                    GNUTLS_KEY_DIGITAL_SIGNATURE)) != 0 ||
        (rc = gnutls_x509_crt_get_key_id(ca, 0, kid, &kid_len)) != 0 ||
        (rc = gnutls_x509_crt_set_subject_key_id(ca, kid, kid_len)) != 0 ||
        (rc = gnutls_x509_crt_sign2(ca, ca, ca_key, GNUTLS_DIG_SHA256, 0)) != 0)
        goto out;
    step = "generate server key";
    if ((rc = make_key(&srv_key)) != 0)
        goto out;
    step = "build server certificate";
    if ((rc = gnutls_x509_crt_init(&crt)) != 0 ||
        (rc = fill_common(crt, srv_key, "127.0.0.1", 2)) != 0 ||
        (rc = gnutls_x509_crt_set_basic_constraints(crt, 0, -1)) != 0 ||
        (rc = gnutls_x509_crt_set_key_usage(crt, GNUTLS_KEY_DIGITAL_SIGNATURE |
                                                     GNUTLS_KEY_KEY_ENCIPHERMENT)) != 0 ||
        (rc = gnutls_x509_crt_set_key_purpose_oid(crt, GNUTLS_KP_TLS_WWW_SERVER, 0)) != 0 ||
        (rc = gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_DNSNAME, "localhost", 9,
                                                   GNUTLS_FSAN_APPEND)) != 0 ||
        (rc = add_ip_san(crt, "127.0.0.1")) != 0 || (rc = add_ip_san(crt, "::1")) != 0 ||
        (listen_ip && (rc = add_ip_san(crt, listen_ip)) != 0) ||
        (rc = gnutls_x509_crt_set_authority_key_id(crt, kid, kid_len)) != 0 ||
        (rc = gnutls_x509_crt_sign2(crt, ca, ca_key, GNUTLS_DIG_SHA256, 0)) != 0)
        goto out;
    step = "export PEM";
    if ((rc = gnutls_x509_crt_export2(ca, GNUTLS_X509_FMT_PEM, &d)) != 0)
        goto out;
    t->ca_pem = datum_str(&d);
    if ((rc = gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_PEM, &d)) != 0)
        goto out;
    t->cert_pem = datum_str(&d);
    if ((rc = gnutls_x509_privkey_export2(srv_key, GNUTLS_X509_FMT_PEM, &d)) != 0)
        goto out;
    t->key_pem = datum_str(&d);
out:
    if (rc != 0)
        snprintf(err, err_len, "TLS setup failed (%s): %s", step, gnutls_strerror(rc));
    if (crt)
        gnutls_x509_crt_deinit(crt);
    if (ca)
        gnutls_x509_crt_deinit(ca);
    if (srv_key)
        gnutls_x509_privkey_deinit(srv_key);
    if (ca_key)
        gnutls_x509_privkey_deinit(ca_key);
    return rc == 0 ? 0 : -1;
}

void sim_tls_done(struct sim_tls *t)
{
    free(t->ca_pem);
    free(t->cert_pem);
    if (t->key_pem) {
        memset(t->key_pem, 0, strlen(t->key_pem));
        free(t->key_pem);
    }
    memset(t, 0, sizeof *t);
}
