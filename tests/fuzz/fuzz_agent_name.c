/*
 * fuzz_agent_name: the agent's request-path handling, in process: the URL
 * percent-decoding libmicrohttpd calls (unescape), routing (route_of), the
 * profile-name check (agent_profile_name_valid) and the JSON escaping of a
 * name in answers and logs (agent_json_str), and the include check on PUT
 * bodies (agent_profile_includes_valid, on the whole input). agent_http.c's helpers are
 * static, so this harness includes that file; it is linked with the other
 * agent objects but not agent_http.o.
 * Input: byte 0 picks the method, the rest is the raw request path.
 * Invariants: a name that passes the check has 1..255 bytes, no control
 * character, no backslash and no ".." path component; every name escapes to
 * one valid JSON string that decodes back to the same bytes (when valid UTF-8).
 * Build and run: tests/fuzz/run.sh.
 */
#include "../../agent/agent_http.c"

#include <cjson/cJSON.h>

#include "fuzz.h"

static bool name_utf8_valid(const unsigned char *s)
{
    while (*s) {
        size_t n = *s < 0x80             ? 1
                   : (*s & 0xe0) == 0xc0 ? 2
                   : (*s & 0xf0) == 0xe0 ? 3
                   : (*s & 0xf8) == 0xf0 ? 4
                                         : 0;
        if (n == 0)
            return false;
        for (size_t i = 1; i < n; i++)
            if ((s[i] & 0xc0) != 0x80)
                return false;
        if (n == 2 && *s < 0xc2)
            return false;
        if (n == 3 && ((*s == 0xe0 && s[1] < 0xa0) || (*s == 0xed && s[1] >= 0xa0)))
            return false;
        if (n == 4 && ((*s == 0xf0 && s[1] < 0x90) || *s > 0xf4 || (*s == 0xf4 && s[1] >= 0x90)))
            return false;
        s += n;
    }
    return true;
}

static void check_name(const char *name)
{
    const char *why = NULL;
    bool ok = agent_profile_name_valid(name, &why);
    if (ok == (why != NULL))
        FUZZ_FAIL("validity and reason disagree");
    if (ok) {
        size_t len = strlen(name);
        if (len == 0 || len > AGENT_PROFILE_NAME_MAX)
            FUZZ_FAIL("accepted a name of bad length");
        for (const unsigned char *c = (const unsigned char *)name; *c; c++)
            if (*c < 0x20 || *c == 0x7f || *c == '\\')
                FUZZ_FAIL("accepted a control character or backslash");
        const char *s = name;
        for (;;) {
            const char *e = strchr(s, '/');
            size_t n = e ? (size_t)(e - s) : strlen(s);
            if (n == 2 && s[0] == '.' && s[1] == '.')
                FUZZ_FAIL("accepted a .. component");
            if (!e)
                break;
            s = e + 1;
        }
    }
    struct strbuf sb;
    strbuf_init(&sb);
    agent_json_str(&sb, name);
    cJSON *j = cJSON_ParseWithLength(strbuf_str(&sb), sb.len);
    if (!j || !cJSON_IsString(j))
        FUZZ_FAIL("escaped name is not one JSON string");
    if (name_utf8_valid((const unsigned char *)name) && strcmp(j->valuestring, name) != 0)
        FUZZ_FAIL("escaped name does not decode to itself");
    cJSON_Delete(j);
    strbuf_done(&sb);
}

FUZZ_TARGET(fuzz_agent_name)
{
    static const char *const methods[] = {"GET",  "HEAD",  "PUT",     "DELETE",
                                          "POST", "PATCH", "OPTIONS", ""};
    if (size == 0)
        return 0;
    const char *method = methods[data[0] % 8];
    char *url = fuzz_cstr(data + 1, size - 1);
    size_t before = strlen(url);
    size_t after = unescape(NULL, NULL, url);
    if (after > before || after != strlen(url))
        FUZZ_FAIL("unescape grew the path or returned a wrong length");

    struct req r;
    memset(&r, 0, sizeof r);
    unsigned status = 0;
    enum route rt = route_of(method, url, &r, &status);
    if (rt == R_NONE && status != 404 && status != 405)
        FUZZ_FAIL("no route and no 404/405");
    if (rt != R_NONE && status != 0)
        FUZZ_FAIL("a route with an early status");
    bool named = rt == R_PROFILE_GET || rt == R_PROFILE_PUT || rt == R_PROFILE_DELETE ||
                 rt == R_PROFILE_MODE;
    if (named != (r.name != NULL) && !(rt == R_NONE && r.name))
        FUZZ_FAIL("profile route without a name, or a name elsewhere");
    if (route_is_change(rt) && strcmp(method, "GET") == 0)
        FUZZ_FAIL("GET routed to a change");
    if (rt == R_PROFILE_GET && strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
        FUZZ_FAIL("a mutating method routed to a read");
    if (strcmp(verb_of(method), "get") == 0 && route_is_change(rt))
        FUZZ_FAIL("a change authorised as a read");
    if (r.name)
        check_name(r.name);
    free(r.name);
    check_name(url);
    free(url);

    const char *why = NULL;
    bool inc_ok = agent_profile_includes_valid((const char *)data, size, &why);
    if (inc_ok == (why != NULL))
        FUZZ_FAIL("include validity and reason disagree");
    if (inc_ok && memmem(data, size, "include \"/etc/shadow\"", 22))
        FUZZ_FAIL("accepted an include of /etc/shadow");
    return 0;
}
