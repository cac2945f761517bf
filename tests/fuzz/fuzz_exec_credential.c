/*
 * fuzz_exec_credential: the ExecCredential JSON an exec credential plugin
 * prints (json_exec_cred_parse, v1 and v1beta1) and RFC 3339 timestamps
 * (json_exec_parse_rfc3339). Invariant: success carries a token or a
 * certificate and key pair. Build and run: tests/fuzz/run.sh.
 */
#include "config.h"

#include "../../core/json_exec.h"
#include "../../core/kerr.h"
#include "fuzz.h"

FUZZ_TARGET(fuzz_exec_credential)
{
    static const char *const versions[] = {"client.authentication.k8s.io/v1",
                                           "client.authentication.k8s.io/v1beta1"};
    for (size_t i = 0; i < 2; i++) {
        struct json_exec_cred cred;
        struct kerr err;
        memset(&cred, 0, sizeof cred);
        kerr_clear(&err);
        int rc = json_exec_cred_parse((const char *)data, size, versions[i], &cred, &err);
        if (rc == 0 && !cred.token && !(cred.client_cert_pem && cred.client_key_pem))
            FUZZ_FAIL("credential without token or certificate pair");
        if (rc != 0 && (cred.token || cred.client_cert_pem || cred.client_key_pem))
            FUZZ_FAIL("failed parse left data in the credential");
        json_exec_cred_done(&cred);
    }
    char *s = fuzz_cstr(data, size);
    int64_t t = 0;
    (void)json_exec_parse_rfc3339(s, &t);
    free(s);
    return 0;
}
