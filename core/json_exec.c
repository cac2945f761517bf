/*
 * json_exec: decode a credential plugin's ExecCredential output and build the
 * KUBERNETES_EXEC_INFO input (see json_exec.h). This is one of the few files
 * allowed to include cJSON; a tree never outlives the function that parsed it,
 * and everything handed back is copied into xalloc'd strings. Depends on libc,
 * cJSON, xalloc, strbuf and kerr. Must not print, run processes or touch files.
 */
#include "config.h"
#include "json_exec.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "strbuf.h"
#include "xalloc.h"

void json_exec_cred_done(struct json_exec_cred *cred)
{
    if (!cred)
        return;
    free(cred->token);
    free(cred->client_cert_pem);
    free(cred->client_key_pem);
    memset(cred, 0, sizeof *cred);
}

/* A member that must be a string when present. Returns 0 and sets *out
 * (borrowed, NULL when absent or null), or -1 when it has another type. */
static int opt_string(const cJSON *obj, const char *key, const char **out)
{
    int rc = 0;
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, key);

    *out = NULL;
    if (!it || cJSON_IsNull(it))
        goto out;
    if (!cJSON_IsString(it) || !it->valuestring) {
        rc = -1;
        goto out;
    }
    *out = it->valuestring;
out:
    return rc;
}

int json_exec_cred_parse(const char *text, size_t len, const char *api_version,
                         struct json_exec_cred *out, struct kerr *err)
{
    int rc = 0;
    cJSON *root = NULL;
    const char *end = NULL;
    const char *got_version, *kind, *token, *cert, *key, *expiry;

    memset(out, 0, sizeof *out);
    if (!text || len == 0) {
        rc = kerr_set(err, KERR_EXEC, "exec plugin printed nothing on stdout");
        goto out;
    }
    root = cJSON_ParseWithLengthOpts(text, len, &end, false);
    if (!root) {
        rc = kerr_set(err, KERR_EXEC, "exec plugin output is not valid JSON (at byte %ld)",
                      end && end >= text ? (long)(end - text) : 0L);
        goto out;
    }
    if (!cJSON_IsObject(root)) {
        rc = kerr_set(err, KERR_EXEC, "exec plugin output is not a JSON object");
        goto out;
    }
    if (opt_string(root, "apiVersion", &got_version) < 0 || !got_version) {
        rc = kerr_set(err, KERR_EXEC, "exec plugin output has no apiVersion (expected %s)",
                      api_version);
        goto out;
    }
    if (strcmp(got_version, api_version) != 0) {
        rc = kerr_set(err, KERR_EXEC, "exec plugin returned apiVersion %s, expected %s",
                      got_version, api_version);
        goto out;
    }
    if (opt_string(root, "kind", &kind) < 0 || !kind || strcmp(kind, "ExecCredential") != 0) {
        rc = kerr_set(err, KERR_EXEC, "exec plugin returned kind %s, expected ExecCredential",
                      kind ? kind : "(none)");
        goto out;
    }
    const cJSON *status = cJSON_GetObjectItemCaseSensitive(root, "status");
    if (!cJSON_IsObject(status)) {
        rc = kerr_set(err, KERR_EXEC, "exec plugin output has no status object");
        goto out;
    }
    if (opt_string(status, "token", &token) < 0 ||
        opt_string(status, "clientCertificateData", &cert) < 0 ||
        opt_string(status, "clientKeyData", &key) < 0 ||
        opt_string(status, "expirationTimestamp", &expiry) < 0) {
        rc = kerr_set(err, KERR_EXEC, "exec plugin status has a field of the wrong type "
                                      "(token, clientCertificateData, clientKeyData and "
                                      "expirationTimestamp must be strings)");
        goto out;
    }
    if (token && !*token)
        token = NULL;
    if (cert && !*cert)
        cert = NULL;
    if (key && !*key)
        key = NULL;
    if (!cert != !key) {
        rc = kerr_set(err, KERR_EXEC, "exec plugin returned only one of clientCertificateData "
                                      "and clientKeyData; both are required");
        goto out;
    }
    if (!token && !cert) {
        rc = kerr_set(err, KERR_EXEC, "exec plugin returned neither status.token nor "
                                      "status.clientCertificateData/clientKeyData");
        goto out;
    }
    if (expiry && json_exec_parse_rfc3339(expiry, &out->expires_at) < 0) {
        rc = kerr_set(err, KERR_EXEC, "exec plugin returned a bad expirationTimestamp \"%s\" "
                                      "(want RFC 3339)", expiry);
        goto out;
    }
    out->token = xstrdup_or_null(token);
    if (cert) {
        out->client_cert_pem = xstrdup(cert);
        out->client_cert_pem_len = strlen(cert);
        out->client_key_pem = xstrdup(key);
        out->client_key_pem_len = strlen(key);
    }
out:
    if (rc < 0)
        json_exec_cred_done(out);
    cJSON_Delete(root);
    return rc;
}

char *json_exec_info_build(const char *api_version, bool is_interactive,
                           const struct json_exec_cluster *cluster)
{
    struct strbuf sb;

    strbuf_init(&sb);
    strbuf_puts(&sb, "{\"apiVersion\":");
    strbuf_json_str(&sb, api_version);
    strbuf_puts(&sb, ",\"kind\":\"ExecCredential\",\"spec\":{");
    if (cluster) {
        strbuf_puts(&sb, "\"cluster\":{\"server\":");
        strbuf_json_str(&sb, cluster->server ? cluster->server : "");
        if (cluster->tls_server_name) {
            strbuf_puts(&sb, ",\"tls-server-name\":");
            strbuf_json_str(&sb, cluster->tls_server_name);
        }
        if (cluster->is_insecure)
            strbuf_puts(&sb, ",\"insecure-skip-tls-verify\":true");
        if (cluster->ca_data_b64) {
            strbuf_puts(&sb, ",\"certificate-authority-data\":");
            strbuf_json_str(&sb, cluster->ca_data_b64);
        }
        if (cluster->proxy_url) {
            strbuf_puts(&sb, ",\"proxy-url\":");
            strbuf_json_str(&sb, cluster->proxy_url);
        }
        strbuf_puts(&sb, "},");
    }
    strbuf_printf(&sb, "\"interactive\":%s}}", is_interactive ? "true" : "false");
    return strbuf_take(&sb);
}

/* Read exactly n digits at *p into *val; advances *p. */
static bool digits(const char **p, int n, int *val)
{
    bool ok = false;
    int v = 0;

    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)(*p)[i]))
            goto out;
        v = v * 10 + ((*p)[i] - '0');
    }
    *p += n;
    *val = v;
    ok = true;
out:
    return ok;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

int json_exec_parse_rfc3339(const char *s, int64_t *out)
{
    static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    int rc = -KERR_PARSE;
    int year, mon, day, hh, mm, ss, oh = 0, om = 0, sign = 0;
    const char *p = s;

    if (!s)
        goto out;
    if (!digits(&p, 4, &year) || *p++ != '-' || !digits(&p, 2, &mon) || *p++ != '-' ||
        !digits(&p, 2, &day))
        goto out;
    if (*p != 'T' && *p != 't')
        goto out;
    p++;
    if (!digits(&p, 2, &hh) || *p++ != ':' || !digits(&p, 2, &mm) || *p++ != ':' ||
        !digits(&p, 2, &ss))
        goto out;
    if (*p == '.') {
        p++;
        if (!isdigit((unsigned char)*p))
            goto out;
        while (isdigit((unsigned char)*p))
            p++;
    }
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        sign = *p == '-' ? -1 : 1;
        p++;
        if (!digits(&p, 2, &oh) || *p++ != ':' || !digits(&p, 2, &om) || oh > 23 || om > 59)
            goto out;
    } else {
        goto out;
    }
    if (*p != '\0')
        goto out;
    if (mon < 1 || mon > 12 || day < 1 || day > mdays[mon - 1] || hh > 23 || mm > 59 || ss > 60)
        goto out;
    bool is_leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    if (mon == 2 && day == 29 && !is_leap)
        goto out;
    if (ss == 60)
        ss = 59;
    *out = days_from_civil(year, mon, day) * 86400 + hh * 3600 + mm * 60 + ss -
           (int64_t)sign * (oh * 3600 + om * 60);
    rc = 0;
out:
    return rc;
}
