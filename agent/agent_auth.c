/*
 * agent_auth: static token table and the authorize() seam (see agent_auth.h).
 * Tokens are compared in constant time per candidate so a timing probe learns
 * nothing about a token's prefix. Depends on libc, xalloc, kerr.
 */
#include "config.h"
#include "agent_auth.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "kerr.h"
#include "xalloc.h"

#define TOKEN_MIN_LEN 8
#define TOKEN_MAX_LEN 512
#define TOKEN_MAX_COUNT 1024

struct token {
    char *secret;
    size_t secret_len;
    char name[128];
    enum agent_role role;
};

struct agent_auth {
    bool is_insecure;
    struct token *tokens;
    unsigned count;
};

const char *agent_role_name(enum agent_role role)
{
    switch (role) {
    case AGENT_ROLE_READ: return "read";
    case AGENT_ROLE_ADMIN: return "admin";
    case AGENT_ROLE_NONE: break;
    }
    return "none";
}

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
        s[--n] = '\0';
    return s;
}

static bool token_chars_ok(const char *t)
{
    for (const unsigned char *p = (const unsigned char *)t; *p; p++)
        if (*p <= 0x20 || *p >= 0x7f || *p == ',')
            return false;
    return true;
}

struct agent_auth *agent_auth_load(const char *path, struct kerr *err)
{
    struct agent_auth *auth = NULL;
    FILE *f = NULL;
    char *line = NULL;
    size_t cap = 0;
    unsigned lineno = 0;

    f = fopen(path, "re");
    if (!f) {
        kerr_set(err, errno == ENOENT ? KERR_NOTFOUND : KERR_IO, "%s", strerror(errno));
        kerr_where(err, "%s", path);
        goto out;
    }
    struct stat st;
    if (fstat(fileno(f), &st) == 0 && (st.st_mode & S_IROTH)) {
        kerr_set(err, KERR_CONFIG, "token file is readable by others (mode %03o); chmod o-r it",
                 (unsigned)(st.st_mode & 0777));
        kerr_where(err, "%s", path);
        goto out;
    }
    auth = xcalloc(1, sizeof *auth);
    while (getline(&line, &cap, f) >= 0) {
        lineno++;
        char *s = trim(line);
        if (*s == '\0' || *s == '#')
            continue;
        char *c1 = strchr(s, ',');
        if (!c1)
            goto bad_line;
        *c1 = '\0';
        char *role_s = c1 + 1;
        char *name_s = NULL;
        char *c2 = strchr(role_s, ',');
        if (c2) {
            *c2 = '\0';
            name_s = trim(c2 + 1);
        }
        char *tok = trim(s);
        role_s = trim(role_s);
        size_t tlen = strlen(tok);
        enum agent_role role = AGENT_ROLE_NONE;
        if (strcmp(role_s, "read") == 0)
            role = AGENT_ROLE_READ;
        else if (strcmp(role_s, "admin") == 0)
            role = AGENT_ROLE_ADMIN;
        if (role == AGENT_ROLE_NONE) {
            kerr_set(err, KERR_CONFIG, "role must be read or admin");
            kerr_where(err, "%s:%u", path, lineno);
            goto fail;
        }
        if (tlen < TOKEN_MIN_LEN || tlen > TOKEN_MAX_LEN || !token_chars_ok(tok)) {
            kerr_set(err, KERR_CONFIG, "token must be %d..%d printable bytes without spaces",
                     TOKEN_MIN_LEN, TOKEN_MAX_LEN);
            kerr_where(err, "%s:%u", path, lineno);
            goto fail;
        }
        for (unsigned i = 0; i < auth->count; i++)
            if (auth->tokens[i].secret_len == tlen && memcmp(auth->tokens[i].secret, tok, tlen) == 0) {
                kerr_set(err, KERR_CONFIG, "duplicate token");
                kerr_where(err, "%s:%u", path, lineno);
                goto fail;
            }
        if (auth->count >= TOKEN_MAX_COUNT) {
            kerr_set(err, KERR_CONFIG, "more than %d tokens", TOKEN_MAX_COUNT);
            kerr_where(err, "%s:%u", path, lineno);
            goto fail;
        }
        auth->tokens = xreallocarray(auth->tokens, auth->count + 1, sizeof *auth->tokens);
        struct token *t = &auth->tokens[auth->count++];
        t->secret = xstrdup(tok);
        t->secret_len = tlen;
        t->role = role;
        if (name_s && *name_s)
            snprintf(t->name, sizeof t->name, "%s", name_s);
        else
            snprintf(t->name, sizeof t->name, "token-%u", lineno);
        /* Names end up in logs: keep them printable. */
        for (char *p = t->name; *p; p++)
            if ((unsigned char)*p < 0x20 || (unsigned char)*p == 0x7f)
                *p = '?';
        continue;
    bad_line:
        kerr_set(err, KERR_CONFIG, "expected token,role[,name]");
        kerr_where(err, "%s:%u", path, lineno);
        goto fail;
    }
    if (ferror(f)) {
        kerr_set(err, KERR_IO, "%s", strerror(errno));
        kerr_where(err, "%s", path);
        goto fail;
    }
    if (auth->count == 0) {
        kerr_set(err, KERR_CONFIG, "no tokens");
        kerr_where(err, "%s", path);
        goto fail;
    }
    goto out;
fail:
    agent_auth_free(&auth);
out:
    if (line) {
        explicit_bzero(line, cap);
        free(line);
    }
    if (f)
        fclose(f);
    return auth;
}

struct agent_auth *agent_auth_new_insecure(void)
{
    struct agent_auth *auth = xcalloc(1, sizeof *auth);
    auth->is_insecure = true;
    return auth;
}

unsigned agent_auth_token_count(const struct agent_auth *auth)
{
    return auth ? auth->count : 0;
}

bool agent_auth_is_insecure(const struct agent_auth *auth)
{
    return auth && auth->is_insecure;
}

void agent_auth_free(struct agent_auth **auth)
{
    if (!auth || !*auth)
        return;
    for (unsigned i = 0; i < (*auth)->count; i++) {
        explicit_bzero((*auth)->tokens[i].secret, (*auth)->tokens[i].secret_len);
        free((*auth)->tokens[i].secret);
    }
    free((*auth)->tokens);
    free(*auth);
    *auth = NULL;
}

bool agent_auth_verb_is_write(const char *verb)
{
    return verb && (strcmp(verb, "create") == 0 || strcmp(verb, "update") == 0 ||
                    strcmp(verb, "patch") == 0 || strcmp(verb, "delete") == 0);
}

/* "Bearer <token>" (scheme case-insensitive) → pointer to the token and its length. */
static bool bearer(const char *header, const char **tok, size_t *len)
{
    if (!header)
        return false;
    while (*header == ' ')
        header++;
    if (strncasecmp(header, "Bearer ", 7) != 0)
        return false;
    const char *t = header + 7;
    while (*t == ' ')
        t++;
    size_t n = strlen(t);
    while (n > 0 && t[n - 1] == ' ')
        n--;
    if (n == 0)
        return false;
    *tok = t;
    *len = n;
    return true;
}

static bool const_time_eq(const char *a, size_t alen, const char *b, size_t blen)
{
    unsigned char diff = (unsigned char)(alen != blen);
    size_t n = alen < blen ? alen : blen;
    for (size_t i = 0; i < n; i++)
        diff |= (unsigned char)(a[i] ^ b[i]);
    return diff == 0;
}

int agent_auth_authorize(const struct agent_auth *auth, const struct agent_auth_request *req,
                         const char *verb, const char *resource, struct agent_identity *who)
{
    (void)resource;
    if (who) {
        who->name[0] = '\0';
        who->role = AGENT_ROLE_NONE;
    }
    if (!auth)
        return 401;
    const struct token *found = NULL;
    if (auth->is_insecure) {
        if (who) {
            snprintf(who->name, sizeof who->name, "anonymous");
            who->role = AGENT_ROLE_ADMIN;
        }
        return 200;
    }
    /* Either header may carry the token; the pods proxy strips Authorization, and a
     * client may send both (then the first known token wins). */
    const char *hdrs[2] = { req ? req->authorization : NULL,
                            req ? req->x_armortop_authorization : NULL };
    for (int h = 0; h < 2 && !found; h++) {
        const char *tok = NULL;
        size_t tlen = 0;
        if (!bearer(hdrs[h], &tok, &tlen))
            continue;
        for (unsigned i = 0; i < auth->count; i++)
            if (const_time_eq(auth->tokens[i].secret, auth->tokens[i].secret_len, tok, tlen))
                found = &auth->tokens[i];
    }
    if (!found)
        return 401;
    if (who) {
        snprintf(who->name, sizeof who->name, "%s", found->name);
        who->role = found->role;
    }
    if (agent_auth_verb_is_write(verb) && found->role != AGENT_ROLE_ADMIN)
        return 403;
    return 200;
}
