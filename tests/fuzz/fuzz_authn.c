/*
 * fuzz_authn: TokenReview and SubjectAccessReview responses (json_authn.c) as
 * the API server answers the agent's delegated authentication, and the JWT
 * expiry reader used for cache lifetimes. Invariant: a failed decode says
 * "not authenticated" / "not allowed". Build and run: tests/fuzz/run.sh.
 */
#include "config.h"

#include "../../core/kerr.h"
#include "../../core/kube_authn.h"
#include "fuzz.h"

FUZZ_TARGET(fuzz_authn)
{
    struct kerr err;
    kerr_clear(&err);
    struct kube_token_review tr;
    memset(&tr, 0, sizeof tr);
    int rc = json_authn_token_review_parse((const char *)data, size, &tr, &err);
    if (rc != 0 && tr.is_authenticated)
        FUZZ_FAIL("failed TokenReview decode says authenticated");
    if (rc == 0) {
        struct kube_user copy;
        kube_user_copy(&copy, &tr.user);
        kube_user_done(&copy);
    }
    kube_token_review_done(&tr);

    struct kube_access_review ar;
    memset(&ar, 0, sizeof ar);
    rc = json_authn_sar_parse((const char *)data, size, &ar, &err);
    if (rc != 0 && ar.is_allowed)
        FUZZ_FAIL("failed SubjectAccessReview decode says allowed");
    kube_access_review_done(&ar);

    char *s = fuzz_cstr(data, size);
    int64_t exp = 0;
    (void)json_authn_jwt_expiry(s, &exp);
    (void)kube_authn_token_ttl_ms(s, 1700000000, 300000);
    free(s);
    return 0;
}
