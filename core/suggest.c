/*
 * suggest: see suggest.h. Depends only on libc and model.h.
 */
#include "config.h"
#include "suggest.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static bool eq(const char *a, const char *b)
{
    return a && b && strcmp(a, b) == 0;
}

static bool has_word(const char *list, const char *w)
{
    size_t n = strlen(w);
    for (const char *p = list; p && (p = strstr(p, w)) != NULL; p += n) {
        if ((p == list || p[-1] == ' ' || p[-1] == ',') &&
            (p[n] == '\0' || p[n] == ' ' || p[n] == ','))
            return true;
    }
    return false;
}

const char *suggest_file_perms(const char *mask, char *buf, size_t len)
{
    bool r = false, w = false, a = false, l = false, k = false, m = false, x = false;
    for (const char *p = mask; p && *p; p++) {
        switch (*p) {
        case 'r':
            r = true;
            break;
        case 'w':
        case 'c': /* create */
        case 'd': /* delete */
        case 'D':
        case 'W':
            w = true;
            break;
        case 'a':
            a = true;
            break;
        case 'l':
            l = true;
            break;
        case 'k':
            k = true;
            break;
        case 'm':
            m = true;
            break;
        case 'x':
        case 'X':
        case 'i':
        case 'p':
        case 'P':
        case 'u':
        case 'U':
            x = x || *p == 'x' || *p == 'X';
            break;
        default:
            break;
        }
    }
    if (w)
        a = false; /* w includes append */
    snprintf(buf, len, "%s%s%s%s%s%s%s", r ? "r" : "", w ? "w" : "", a ? "a" : "", l ? "l" : "",
             k ? "k" : "", m ? "m" : "", x ? "ix" : "");
    return buf;
}

/* A path as a rule token: quoted when it holds blanks or quotes. */
static void path_token(const char *path, char *buf, size_t len)
{
    if (strpbrk(path, " \t\"")) {
        size_t o = 0;
        if (len < 3) {
            if (len)
                buf[0] = '\0';
            return;
        }
        buf[o++] = '"';
        for (const char *p = path; *p && o + 3 < len; p++) {
            if (*p == '"' || *p == '\\')
                buf[o++] = '\\';
            buf[o++] = *p;
        }
        buf[o++] = '"';
        buf[o] = '\0';
    } else {
        snprintf(buf, len, "%s", path);
    }
}

static const char *first_of(const char *a, const char *b)
{
    return a && *a ? a : b && *b ? b : NULL;
}

static bool is_net_op(const char *op)
{
    static const char *const ops[] = { "create", "connect", "bind", "listen", "accept",
                                       "sendmsg", "recvmsg", "getsockname", "getpeername",
                                       "getsockopt", "setsockopt", "socket_shutdown", NULL };
    for (size_t i = 0; op && ops[i]; i++)
        if (strcmp(op, ops[i]) == 0)
            return true;
    return false;
}

int suggest_rule(const struct agent_denial_record *rec, const struct suggest_extra *extra,
                 struct suggestion *out)
{
    static const struct suggest_extra none;
    const struct suggest_extra *x = extra ? extra : &none;
    char tok[1100], perms[16];
    out->rule[0] = '\0';
    out->note[0] = '\0';
    if (!rec) {
        snprintf(out->note, sizeof out->note, "no record");
        return -1;
    }
    const char *op = rec->operation ? rec->operation : "";
    const char *cls = rec->rule_class ? rec->rule_class : "";
    const char *mask = first_of(rec->denied_mask, rec->requested_mask);

    /* capability */
    if (eq(op, "capable") || eq(cls, "cap")) {
        if (!rec->name || !*rec->name) {
            snprintf(out->note, sizeof out->note, "the record names no capability");
            return -1;
        }
        snprintf(out->rule, sizeof out->rule, "capability %s,", rec->name);
        return 0;
    }
    /* signal */
    if (eq(op, "signal") || eq(cls, "signal")) {
        size_t o = (size_t)snprintf(out->rule, sizeof out->rule, "signal");
        if (mask && *mask)
            o += (size_t)snprintf(out->rule + o, sizeof out->rule - o, " (%s)",
                                  has_word(mask, "receive") && has_word(mask, "send")
                                      ? "send, receive"
                                  : has_word(mask, "receive") ? "receive"
                                                              : "send");
        if (x->signal && o < sizeof out->rule)
            o += (size_t)snprintf(out->rule + o, sizeof out->rule - o, " set=(%s)", x->signal);
        const char *peer = first_of(x->peer, NULL);
        if (peer && o < sizeof out->rule)
            o += (size_t)snprintf(out->rule + o, sizeof out->rule - o, " peer=%s", peer);
        if (o < sizeof out->rule)
            snprintf(out->rule + o, sizeof out->rule - o, ",");
        if (!x->signal || !peer)
            snprintf(out->note, sizeof out->note,
                     "the record lacks the signal set or the peer: narrow it before loading");
        return 0;
    }
    /* ptrace */
    if (eq(op, "ptrace") || eq(cls, "ptrace")) {
        const char *what = mask && has_word(mask, "trace") ? "trace" : "read";
        if (x->peer)
            snprintf(out->rule, sizeof out->rule, "ptrace (%s) peer=%s,", what, x->peer);
        else
            snprintf(out->rule, sizeof out->rule, "ptrace (%s),", what);
        return 0;
    }
    /* mount */
    if (eq(op, "mount") || eq(op, "umount") || eq(op, "remount") || eq(cls, "mount")) {
        const char *where = first_of(rec->name, NULL);
        char dir[1100];
        if (where) {
            size_t n = strlen(where);
            snprintf(dir, sizeof dir, "%s%s", where, n && where[n - 1] == '/' ? "" : "/");
            path_token(dir, tok, sizeof tok);
        }
        if (eq(op, "umount"))
            snprintf(out->rule, sizeof out->rule, "umount%s%s,", where ? " " : "",
                     where ? tok : "");
        else
            snprintf(out->rule, sizeof out->rule, "mount%s%s%s%s,", x->fstype ? " fstype=" : "",
                     x->fstype ? x->fstype : "", where ? " -> " : "", where ? tok : "");
        return 0;
    }
    /* unix sockets */
    if (eq(cls, "unix") || eq(x->family, "unix")) {
        const char *what = is_net_op(op) ? op : "connect";
        if (eq(what, "sendmsg"))
            what = "send";
        else if (eq(what, "recvmsg"))
            what = "receive";
        if (x->sock_type)
            snprintf(out->rule, sizeof out->rule, "unix (%s) type=%s,", what, x->sock_type);
        else
            snprintf(out->rule, sizeof out->rule, "unix (%s),", what);
        return 0;
    }
    /* network */
    if (eq(cls, "net") || eq(cls, "network") || (!rec->name && is_net_op(op))) {
        if (x->family && x->sock_type)
            snprintf(out->rule, sizeof out->rule, "network %s %s,", x->family, x->sock_type);
        else if (x->family)
            snprintf(out->rule, sizeof out->rule, "network %s,", x->family);
        else {
            snprintf(out->rule, sizeof out->rule, "network,");
            snprintf(out->note, sizeof out->note,
                     "the record has no address family: narrow it (e.g. network inet stream,)");
        }
        return 0;
    }
    /* files */
    if (rec->name && rec->name[0] == '/') {
        suggest_file_perms(mask, perms, sizeof perms);
        if (eq(op, "link") && !strchr(perms, 'l'))
            snprintf(perms, sizeof perms, "l");
        if (!perms[0]) {
            if (eq(op, "exec"))
                snprintf(perms, sizeof perms, "ix");
            else if (eq(op, "open") || eq(op, "getattr"))
                snprintf(perms, sizeof perms, "r");
            else {
                snprintf(out->note, sizeof out->note, "no permission letters in the record");
                return -1;
            }
        }
        path_token(rec->name, tok, sizeof tok);
        snprintf(out->rule, sizeof out->rule, "%s %s,", tok, perms);
        if (strstr(perms, "ix"))
            snprintf(out->note, sizeof out->note,
                     "ix inherits this profile; px runs it under its own profile, cx under a "
                     "child profile");
        return 0;
    }
    snprintf(out->note, sizeof out->note, "no rule for operation \"%s\"", op);
    return -1;
}
