/*
 * denial: reading AppArmor audit records from log lines, losslessly.
 *
 * Three stages per line:
 *  1. normalise the prefix (kmsg "prio,seq,usec,flags;", auditd "node=H ",
 *     numeric "type=1400", bare "audit:", journald "audit[PID]: AVC ") into a
 *     form libapparmor 3.0.8 reads;
 *  2. when our reader (stage 3) sees an AppArmor record, ask libapparmor
 *     (core/apparmor.c) about a second copy holding only the keys and value
 *     shapes 3.0.8 reads, once each (see build_lib_line_tok: it leaks or
 *     stops on the rest; `class=`, `addr=none`, `execpath=` ... go);
 *  3. read the normalised line with our own key=value reader (quoted and
 *     unquoted values, uppercase-hex values decoded like libapparmor does for
 *     the same keys), and use it to fill what libapparmor left out, or instead
 *     of libapparmor when it says INVALID.
 * Finally the rule: a line holding apparmor="DENIED" is a DENIED record.
 *
 * Cost (issue 6: the agent's path against bare parse_record): the lines
 * kernels write today (auditd, kmsg, dmesg, syslog forms with
 * apparmor="...") skip libapparmor altogether when its answer is known in
 * advance (fast_path_takes: same record, field for field, as asking it;
 * denial_parse_line_lib() is the path without it, for the tests that check
 * so); a line with neither "apparmor=" nor an AppArmor type= is turned away
 * before any copy;
 * the rest is tokenized once (keys looked up by hash) into per-thread
 * buffers, and stages 2 and 3 both work on that token array; when
 * libapparmor reads the record, our reader converts only the fields it left
 * out (the result is the same as reading everything and filling the gaps:
 * checked line by line against the old code over the corpus, every cut of
 * it and random mutations); libapparmor's strings are taken, not copied.
 *
 * Depends on libc, xalloc, strbuf, kerr and core/apparmor. Must not print,
 * exit or include libapparmor headers.
 */
#include "config.h"
#include "denial.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "apparmor.h"
#include "strbuf.h"
#include "xalloc.h"

#define DENIAL_NAME_(id, name) name,
static const char *const event_names[] = {DENIAL_EVENT_LIST(DENIAL_NAME_)};
static const char *const source_names[] = {DENIAL_SOURCE_LIST(DENIAL_NAME_)};
static const char *const parser_names[] = {DENIAL_PARSER_LIST(DENIAL_NAME_)};
#undef DENIAL_NAME_

static const char DENIED_LITERAL[] = "apparmor=\"DENIED\"";

#define OFF(f) offsetof(struct aa_denial, f)
#define STR_AT(d, off) ((char **)((char *)(d) + (off)))
#define LONG_AT(d, off) ((long *)((char *)(d) + (off)))

/* Record fields read from the line (the attribution slots are not). */
static const size_t str_fields[] = {
    OFF(audit_id),       OFF(operation),
    OFF(rule_class),     OFF(profile),
    OFF(peer_profile),   OFF(peer),
    OFF(name),           OFF(name2),
    OFF(aa_namespace),   OFF(comm),
    OFF(requested_mask), OFF(denied_mask),
    OFF(info),           OFF(attribute),
    OFF(execpath),       OFF(capname),
    OFF(signal),         OFF(net_family),
    OFF(net_sock_type),  OFF(net_protocol),
    OFF(net_local_addr), OFF(net_foreign_addr),
    OFF(net_addr),       OFF(peer_addr),
    OFF(dbus_bus),       OFF(dbus_path),
    OFF(dbus_interface), OFF(dbus_member),
    OFF(fs_type),        OFF(flags),
    OFF(src_name),
};
static const size_t attribution_fields[] = {OFF(node), OFF(pod_ns), OFF(pod_name), OFF(container)};
static const size_t long_fields[] = {
    OFF(pid),  OFF(peer_pid),   OFF(parent),         OFF(fsuid),
    OFF(ouid), OFF(capability), OFF(net_local_port), OFF(net_foreign_port),
};
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

const char *denial_event_name(enum denial_event ev)
{
    return (unsigned)ev < DENIAL_EVENT__COUNT ? event_names[ev] : "?";
}

const char *denial_source_name(enum denial_source src)
{
    return (unsigned)src < DENIAL_SRC__COUNT ? source_names[src] : "?";
}

const char *denial_parser_name(enum denial_parser by)
{
    return (unsigned)by < DENIAL_BY__COUNT ? parser_names[by] : "?";
}

void aa_denial_init(struct aa_denial *d)
{
    if (!d)
        return;
    /* every pointer NULL, every number 0 (all-bits-zero is NULL here: POSIX) */
    memset(d, 0, sizeof *d);
    d->event = DENIAL_EVENT_INVALID;
    d->source_format = DENIAL_SRC_UNKNOWN;
    d->parsed_by = DENIAL_BY_NONE;
    d->pid = d->peer_pid = d->parent = d->fsuid = d->ouid = d->capability = -1;
    d->net_local_port = d->net_foreign_port = -1;
}

void aa_denial_done(struct aa_denial *d)
{
    if (!d)
        return;
    for (size_t i = 0; i < COUNT(str_fields); i++)
        if (*STR_AT(d, str_fields[i]))
            free(*STR_AT(d, str_fields[i]));
    for (size_t i = 0; i < COUNT(attribution_fields); i++)
        if (*STR_AT(d, attribution_fields[i]))
            free(*STR_AT(d, attribution_fields[i]));
    aa_denial_init(d);
}

/* Move every field src has and dst lacks into dst; src keeps the rest.
 * Returns how many fields moved. */
static int fill_gaps(struct aa_denial *dst, struct aa_denial *src)
{
    int moved = 0;

    if (!dst->audit_id && src->audit_id) {
        dst->epoch_s = src->epoch_s;
        dst->epoch_ms = src->epoch_ms;
        dst->audit_serial = src->audit_serial;
    }
    for (size_t i = 0; i < COUNT(str_fields); i++) {
        char **d = STR_AT(dst, str_fields[i]);
        char **s = STR_AT(src, str_fields[i]);
        if (!*d && *s) {
            *d = *s;
            *s = NULL;
            moved++;
        }
    }
    for (size_t i = 0; i < COUNT(long_fields); i++) {
        long *d = LONG_AT(dst, long_fields[i]);
        long *s = LONG_AT(src, long_fields[i]);
        if (*d == -1 && *s != -1) {
            *d = *s;
            moved++;
        }
    }
    if (!dst->error_code && src->error_code) {
        dst->error_code = src->error_code;
        moved++;
    }
    dst->is_truncated = dst->is_truncated || src->is_truncated;
    return moved;
}

/* ---- small matchers ---------------------------------------------------- */

/* Character classes, one table lookup each (generated from the
 * predicates they replace: is_ws, is_key_char, is_digit, hexval >= 0,
 * is_ip_char, is_id_char). */
enum { C_WS = 1, C_KEY = 2, C_DIGIT = 4, C_HEX = 8, C_IP = 16, C_ID = 32 };
static const unsigned char char_class[256] = {
    C_WS, C_ID, C_ID, C_ID, C_ID, C_ID, C_ID, C_ID,
    C_ID, C_WS, C_WS, C_WS, C_WS, C_WS, C_ID, C_ID,
    C_ID, C_ID, C_ID, C_ID, C_ID, C_ID, C_ID, C_ID,
    C_ID, C_ID, C_ID, C_ID, C_ID, C_WS, C_ID, C_ID,
    C_WS, 0, 0, C_ID, C_ID, C_ID, C_ID, 0,
    0, 0, C_ID, C_ID, C_ID, C_KEY|C_ID, C_IP|C_ID, C_ID,
    C_KEY|C_DIGIT|C_HEX|C_IP|C_ID, C_KEY|C_DIGIT|C_HEX|C_IP|C_ID, C_KEY|C_DIGIT|C_HEX|C_IP|C_ID, C_KEY|C_DIGIT|C_HEX|C_IP|C_ID, C_KEY|C_DIGIT|C_HEX|C_IP|C_ID, C_KEY|C_DIGIT|C_HEX|C_IP|C_ID, C_KEY|C_DIGIT|C_HEX|C_IP|C_ID, C_KEY|C_DIGIT|C_HEX|C_IP|C_ID,
    C_KEY|C_DIGIT|C_HEX|C_IP|C_ID, C_KEY|C_DIGIT|C_HEX|C_IP|C_ID, C_IP|C_ID, C_ID, C_ID, 0, C_ID, C_ID,
    C_ID, C_KEY|C_HEX|C_ID, C_KEY|C_HEX|C_ID, C_KEY|C_HEX|C_ID, C_KEY|C_HEX|C_ID, C_KEY|C_HEX|C_ID, C_KEY|C_HEX|C_ID, C_KEY|C_ID,
    C_KEY|C_ID, C_KEY|C_ID, C_KEY|C_ID, C_KEY|C_ID, C_KEY|C_ID, C_KEY|C_ID, C_KEY|C_ID, C_KEY|C_ID,
    C_KEY|C_ID, C_KEY|C_ID, C_KEY|C_ID, C_KEY|C_ID, C_KEY|C_ID, C_KEY|C_ID, C_KEY|C_ID, C_KEY|C_ID,
    C_KEY|C_ID, C_KEY|C_ID, C_KEY|C_ID, C_ID, C_ID, C_ID, C_ID, C_KEY|C_ID,
    C_ID, C_KEY|C_IP|C_ID, C_KEY|C_IP|C_ID, C_KEY|C_IP|C_ID, C_KEY|C_IP|C_ID, C_KEY|C_IP|C_ID, C_KEY|C_IP|C_ID, C_KEY|C_ID,
    C_KEY|C_ID, C_KEY|C_ID, C_KEY|C_ID, C_KEY|C_ID, C_KEY|C_ID, C_KEY|C_ID, C_KEY|C_ID, C_KEY|C_ID,
    C_KEY|C_ID, C_KEY|C_ID, C_KEY|C_ID, C_KEY|C_ID, C_KEY|C_ID, C_KEY|C_ID, C_KEY|C_ID, C_KEY|C_ID,
    C_KEY|C_ID, C_KEY|C_ID, C_KEY|C_ID, C_ID, C_ID, C_ID, C_ID, C_ID,
    C_ID, C_ID, C_ID, C_ID, C_ID, C_ID, C_ID, C_ID,
    C_ID, C_ID, C_ID, C_ID, C_ID, C_ID, C_ID, C_ID,
    C_ID, C_ID, C_ID, C_ID, C_ID, C_ID, C_ID, C_ID,
    C_ID, C_ID, C_ID, C_ID, C_ID, C_ID, C_ID, C_ID,
    C_ID, C_ID, C_ID, C_ID, C_ID, C_ID, C_ID, C_ID,
    C_ID, C_ID, C_ID, C_ID, C_ID, C_ID, C_ID, C_ID,
    C_ID, C_ID, C_ID, C_ID, C_ID, C_ID, C_ID, C_ID,
    C_ID, C_ID, C_ID, C_ID, C_ID, C_ID, C_ID, C_ID,
    C_ID, C_ID, C_ID, C_ID, C_ID, C_ID, C_ID, C_ID,
    C_ID, C_ID, C_ID, C_ID, C_ID, C_ID, C_ID, C_ID,
    C_ID, C_ID, C_ID, C_ID, C_ID, C_ID, C_ID, C_ID,
    C_ID, C_ID, C_ID, C_ID, C_ID, C_ID, C_ID, C_ID,
    C_ID, C_ID, C_ID, C_ID, C_ID, C_ID, C_ID, C_ID,
    C_ID, C_ID, C_ID, C_ID, C_ID, C_ID, C_ID, C_ID,
    C_ID, C_ID, C_ID, C_ID, C_ID, C_ID, C_ID, C_ID,
    C_ID, C_ID, C_ID, C_ID, C_ID, C_ID, C_ID, C_ID,
};
#define CLASS(c) (char_class[(unsigned char)(c)])

static bool is_digit(char c)
{
    return CLASS(c) & C_DIGIT;
}

/* Whitespace for both readers: libapparmor's {ws} plus the other controls
 * (0x1d separates auditd's enrichment, e.g. "ouid=0\x1dOUID=\"root\""). */
static bool is_ws(char c)
{
    return CLASS(c) & C_WS;
}

static bool is_key_char(char c)
{
    return CLASS(c) & C_KEY;
}

static bool has_prefix(const char *s, size_t len, const char *prefix)
{
    size_t n = strlen(prefix);
    return len >= n && memcmp(s, prefix, n) == 0;
}

static bool span_eq(const char *s, size_t len, const char *lit)
{
    return strlen(lit) == len && memcmp(s, lit, len) == 0;
}

static size_t skip_ws(const char *s, size_t len, size_t p)
{
    while (p < len && is_ws(s[p]))
        p++;
    return p;
}

/* kmsg record prefix "prio,seq,usec[,flags...];" (Documentation/ABI/testing/dev-kmsg).
 * Returns its length including the ';', or 0. */
static size_t match_kmsg(const char *s, size_t len)
{
    size_t p = 0;

    for (int field = 0; field < 3; field++) {
        size_t start = p;
        while (p < len && is_digit(s[p]))
            p++;
        if (p == start || p >= len)
            return 0;
        if (field < 2) {
            if (s[p] != ',')
                return 0;
            p++;
        }
    }
    if (s[p] == ';')
        return p + 1;
    if (s[p] != ',')
        return 0;
    /* flags and, with CONFIG_PRINTK_CALLER, ",caller=T123" */
    for (p++; p < len && p < 64 && s[p] != ';'; p++)
        if (is_ws(s[p]) || s[p] == '"')
            return 0;
    return (p < len && s[p] == ';') ? p + 1 : 0;
}

/* A syslog timestamp: "May 22 09:45:33" or ISO "2024-05-22T09:45:33...". */
static bool match_syslog_date(const char *s, size_t len)
{
    static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";

    if (len >= 11 && is_digit(s[0]) && is_digit(s[1]) && is_digit(s[2]) && is_digit(s[3]) &&
        s[4] == '-' && is_digit(s[5]) && is_digit(s[6]) && s[7] == '-' && is_digit(s[8]) &&
        is_digit(s[9]) && (s[10] == 'T' || s[10] == ' '))
        return true;
    if (len < 6 || s[3] != ' ')
        return false;
    for (size_t m = 0; m + 3 <= sizeof months - 1; m += 3)
        if (memcmp(s, months + m, 3) == 0)
            return true;
    return false;
}

/* "[ 1234.567890]" or dmesg -T's "[Wed May 22 09:45:33 2024]": length up to
 * and including ']', or 0. */
static size_t match_dmesg_stamp(const char *s, size_t len)
{
    if (len < 3 || s[0] != '[')
        return 0;
    for (size_t p = 1; p < len && p < 48; p++) {
        if (s[p] == ']')
            return p > 1 ? p + 1 : 0;
        if (s[p] == '"' || s[p] == '=' || s[p] == '[')
            return 0;
    }
    return 0;
}

/* journald's "audit[1234]: " tag, searched before the first '=': returns the
 * offset just after it, or 0. */
static size_t find_journald_tag(const char *s, size_t len)
{
    for (size_t p = 0; p + 9 <= len && s[p] != '='; p++) {
        if (memcmp(s + p, "audit[", 6) != 0 || (p > 0 && !is_ws(s[p - 1])))
            continue;
        size_t q = p + 6;
        size_t digits = q;
        while (q < len && is_digit(s[q]))
            q++;
        if (q == digits || q + 2 > len || s[q] != ']' || s[q + 1] != ':')
            continue;
        q += 2;
        return skip_ws(s, len, q);
    }
    return 0;
}

/* ---- the key=value tokenizer -------------------------------------------- */

struct kv_tok {
    const char *key; /* NULL when the token is not key=value */
    size_t key_len;
    const char *val;
    size_t val_len;
    bool is_quoted;       /* val was "..." */
    bool is_unterminated; /* the opening quote was never closed */
    size_t start, end;    /* the whole token, [start, end) */
};

/*
 * Next token from *pos. key="v" (to the next '"'; no escapes: the kernel
 * hex-encodes any value holding a quote), key=v (to whitespace; one trailing
 * '\'' dropped), key=' (an auditd user message's msg='...': an empty value,
 * the reading goes on inside), anything else is a junk token up to whitespace.
 */
static bool kv_next(const char *s, size_t len, size_t *pos, struct kv_tok *t)
{
    size_t p = skip_ws(s, len, *pos);
    size_t k = p;

    if (p >= len)
        return false;
    memset(t, 0, sizeof *t);
    t->start = p;
    while (k < len && is_key_char(s[k]))
        k++;
    if (k > p && k < len && s[k] == '=') {
        size_t v = k + 1;
        t->key = s + p;
        t->key_len = k - p;
        if (v < len && s[v] == '"') {
            const char *q = memchr(s + v + 1, '"', len - v - 1);
            t->is_quoted = true;
            t->val = s + v + 1;
            if (q) {
                t->val_len = (size_t)(q - t->val);
                t->end = (size_t)(q - s) + 1;
            } else {
                t->val_len = len - v - 1;
                t->is_unterminated = true;
                t->end = len;
            }
        } else if (v < len && s[v] == '\'') {
            t->val = s + v;
            t->val_len = 0;
            t->end = v + 1;
        } else {
            size_t e = v;
            while (e < len && !is_ws(s[e]))
                e++;
            t->val = s + v;
            t->val_len = e - v;
            if (t->val_len > 0 && t->val[t->val_len - 1] == '\'')
                t->val_len--;
            t->end = e;
        }
    } else {
        size_t e = p;
        while (e < len && !is_ws(s[e]))
            e++;
        t->end = e;
    }
    *pos = t->end;
    return true;
}

static bool tok_key_is(const struct kv_tok *t, const char *key)
{
    return t->key && span_eq(t->key, t->key_len, key);
}

/* ---- values ------------------------------------------------------------ */

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* libapparmor's hexstring: ([0-9A-F][0-9A-F])+, uppercase only (the kernel
 * writes audit_log_n_hex() in uppercase). */
static bool is_hexstring(const char *v, size_t n)
{
    if (n == 0 || n % 2)
        return false;
    for (size_t i = 0; i < n; i++)
        if (hexval(v[i]) < 0)
            return false;
    return true;
}

static char *hex_decode(const char *v, size_t n)
{
    char *out = xmalloc(n / 2 + 1);
    for (size_t i = 0; i < n / 2; i++)
        out[i] = (char)(hexval(v[2 * i]) * 16 + hexval(v[2 * i + 1]));
    out[n / 2] = '\0';
    return out;
}

static bool parse_long(const char *v, size_t n, bool allow_minus, long *out)
{
    bool neg = false;
    long x = 0;
    size_t i = 0;

    if (allow_minus && n > 0 && v[0] == '-') {
        neg = true;
        i = 1;
    }
    if (i >= n || n - i > 18)
        return false;
    for (; i < n; i++) {
        if (!is_digit(v[i]))
            return false;
        x = x * 10 + (v[i] - '0');
    }
    *out = neg ? -x : x;
    return true;
}

/* IPPROTO names as libapparmor 3.0.8's ipproto_to_string() gives them
 * (checked number by number against parse_record()). */
static const struct {
    int number;
    const char *name;
} ipprotos[] = {
    {0, "ip"},         {1, "icmp"},   {2, "igmp"},     {4, "ipip"},      {6, "tcp"},
    {8, "egp"},        {12, "pup"},   {17, "udp"},     {22, "idp"},      {29, "tp"},
    {33, "dccp"},      {41, "ipv6"},  {43, "routing"}, {44, "fragment"}, {46, "rsvp"},
    {47, "gre"},       {50, "esp"},   {51, "ah"},      {58, "icmpv6"},   {59, "none"},
    {60, "dstopts"},   {92, "mtp"},   {94, "beetph"},  {98, "encap"},    {103, "pim"},
    {108, "comp"},     {132, "sctp"}, {135, "mh"},     {136, "udplite"}, {137, "mpls"},
    {143, "ethernet"}, {255, "raw"},  {262, "mptcp"},
};

static char *protocol_name(long number)
{
    for (size_t i = 0; i < COUNT(ipprotos); i++)
        if (ipprotos[i].number == number)
            return xstrdup(ipprotos[i].name);
    return xasprintf("unknown(%ld)", number);
}

/* apparmor="..." values (LNX:security/apparmor/audit.c aa_audit_type). */
static enum denial_event event_from_word(const char *v, size_t n)
{
    static const struct {
        const char *word;
        enum denial_event ev;
    } words[] = {
        {"AUDIT", DENIAL_EVENT_AUDIT},   {"ALLOWED", DENIAL_EVENT_ALLOWED},
        {"DENIED", DENIAL_EVENT_DENIED}, {"HINT", DENIAL_EVENT_HINT},
        {"STATUS", DENIAL_EVENT_STATUS}, {"ERROR", DENIAL_EVENT_ERROR},
        {"KILLED", DENIAL_EVENT_KILLED}, {"KILL", DENIAL_EVENT_KILLED},
        {"AUTO", DENIAL_EVENT_AUDIT},
    };
    for (size_t i = 0; i < COUNT(words); i++)
        if (span_eq(v, n, words[i].word))
            return words[i].ev;
    return DENIAL_EVENT_INVALID;
}

/*
 * type= values that carry an AppArmor event (pre-4.14 kernels logged
 * AUDIT_APPARMOR_* = 1501..1507 records): APPARMOR_DENIED, 1503,
 * UNKNOWN[1503]. Sets *looks_aa for any AppArmor type (1500..1599,
 * "APPARMOR..."); returns INVALID when no event can be told.
 */
static enum denial_event event_from_type(const char *v, size_t n, bool *looks_aa)
{
    static const enum denial_event by_number[] = {
        DENIAL_EVENT_INVALID, DENIAL_EVENT_AUDIT,  DENIAL_EVENT_ALLOWED, DENIAL_EVENT_DENIED,
        DENIAL_EVENT_HINT,    DENIAL_EVENT_STATUS, DENIAL_EVENT_ERROR,   DENIAL_EVENT_KILLED,
    };
    long number = 0;

    if (has_prefix(v, n, "APPARMOR")) {
        *looks_aa = true;
        if (n > 9 && v[8] == '_')
            return event_from_word(v + 9, n - 9);
        return DENIAL_EVENT_INVALID;
    }
    if (has_prefix(v, n, "UNKNOWN[") && n > 9 && v[n - 1] == ']') {
        v += 8;
        n -= 9;
    }
    if (!parse_long(v, n, false, &number) || number < 1500 || number > 1599)
        return DENIAL_EVENT_INVALID;
    *looks_aa = true;
    return number - 1500 < (long)COUNT(by_number) ? by_number[number - 1500] : DENIAL_EVENT_INVALID;
}

/* ---- our key=value reader ---------------------------------------------- */

enum kv_kind {
    KV_STR,      /* string as logged */
    KV_HEXSTR,   /* string the kernel hex-encodes when unsafe (audit_log_untrustedstring) */
    KV_ADDR,     /* like KV_HEXSTR; "none" means absent */
    KV_LONG,     /* unquoted decimal */
    KV_ERROR,    /* error=-13 -> 13 */
    KV_PROTOCOL, /* number -> name */
};

static const struct {
    const char *key;
    enum kv_kind kind;
    size_t off;
} kv_keys[] = {
    {"operation", KV_STR, OFF(operation)},
    {"class", KV_HEXSTR, OFF(rule_class)},
    {"info", KV_STR, OFF(info)},
    {"error", KV_ERROR, 0},
    {"namespace", KV_HEXSTR, OFF(aa_namespace)},
    {"profile", KV_HEXSTR, OFF(profile)},
    {"label", KV_HEXSTR, OFF(profile)},
    {"peer_profile", KV_HEXSTR, OFF(peer_profile)},
    {"peer_label", KV_HEXSTR, OFF(peer_profile)},
    {"tcontext", KV_HEXSTR, OFF(peer_profile)},
    {"peer", KV_HEXSTR, OFF(peer)},
    {"name", KV_HEXSTR, OFF(name)},
    {"name2", KV_HEXSTR, OFF(name2)},
    {"target", KV_HEXSTR, OFF(name2)},
    {"comm", KV_HEXSTR, OFF(comm)},
    {"exe", KV_HEXSTR, OFF(comm)},
    {"requested_mask", KV_STR, OFF(requested_mask)},
    {"requested", KV_STR, OFF(requested_mask)},
    {"denied_mask", KV_STR, OFF(denied_mask)},
    {"denied", KV_STR, OFF(denied_mask)},
    {"mask", KV_STR, OFF(denied_mask)},
    {"attribute", KV_STR, OFF(attribute)},
    {"execpath", KV_HEXSTR, OFF(execpath)},
    {"capname", KV_STR, OFF(capname)},
    {"signal", KV_STR, OFF(signal)},
    {"family", KV_STR, OFF(net_family)},
    {"sock_type", KV_STR, OFF(net_sock_type)},
    {"protocol", KV_PROTOCOL, OFF(net_protocol)},
    {"laddr", KV_STR, OFF(net_local_addr)},
    {"saddr", KV_STR, OFF(net_local_addr)},
    {"faddr", KV_STR, OFF(net_foreign_addr)},
    {"daddr", KV_STR, OFF(net_foreign_addr)},
    {"addr", KV_ADDR, OFF(net_addr)},
    {"peer_addr", KV_ADDR, OFF(peer_addr)},
    {"bus", KV_STR, OFF(dbus_bus)},
    {"path", KV_STR, OFF(dbus_path)},
    {"interface", KV_STR, OFF(dbus_interface)},
    {"member", KV_STR, OFF(dbus_member)},
    {"method", KV_STR, OFF(dbus_member)},
    {"fstype", KV_STR, OFF(fs_type)},
    {"flags", KV_HEXSTR, OFF(flags)},
    {"srcname", KV_HEXSTR, OFF(src_name)},
    {"pid", KV_LONG, OFF(pid)},
    {"peer_pid", KV_LONG, OFF(peer_pid)},
    {"parent", KV_LONG, OFF(parent)},
    {"fsuid", KV_LONG, OFF(fsuid)},
    {"ouid", KV_LONG, OFF(ouid)},
    {"capability", KV_LONG, OFF(capability)},
    {"lport", KV_LONG, OFF(net_local_port)},
    {"src", KV_LONG, OFF(net_local_port)},
    {"fport", KV_LONG, OFF(net_foreign_port)},
    {"dest", KV_LONG, OFF(net_foreign_port)},
};

static void set_str(struct aa_denial *d, size_t off, char *value)
{
    char **slot = STR_AT(d, off);
    free(*slot);
    *slot = value;
}

/* The keys both readers know, looked up by hash (see key_find below). */
enum key_special {
    KS_NONE,
    KS_APPARMOR,
    KS_TYPE,
    KS_MSG,
    KS_ENVELOPE, /* uid= auid= ses= node=: allowed before the record */
};

struct key_slot {
    const char *name; /* NULL: empty slot */
    size_t len;
    int kv;  /* index in kv_keys, or -1 */
    int lib; /* index in lib_keys, or -1 */
    enum key_special special;
};

static const struct key_slot *key_find(const char *k, size_t n);

/* Apply t, whose key is kv_keys[i]. */
static void apply_kv_at(struct aa_denial *d, const struct kv_tok *t, size_t i)
{
    long n = 0;

    /* "?" is how auditd writes "unknown" (addr=? hostname=? terminal=?). */
    if (!t->is_quoted && t->val_len == 1 && t->val[0] == '?')
        return;
    switch (kv_keys[i].kind) {
    case KV_ADDR:
        if (!t->is_quoted && span_eq(t->val, t->val_len, "none"))
            return;
        /* fall through */
    case KV_HEXSTR:
        if (!t->is_quoted && is_hexstring(t->val, t->val_len)) {
            set_str(d, kv_keys[i].off, hex_decode(t->val, t->val_len));
            return;
        }
        /* fall through */
    case KV_STR:
        set_str(d, kv_keys[i].off, xstrndup(t->val, t->val_len));
        return;
    case KV_PROTOCOL:
        if (!t->is_quoted && parse_long(t->val, t->val_len, false, &n))
            set_str(d, kv_keys[i].off, protocol_name(n));
        else
            set_str(d, kv_keys[i].off, xstrndup(t->val, t->val_len));
        return;
    case KV_LONG:
        if (!t->is_quoted && parse_long(t->val, t->val_len, false, &n))
            *LONG_AT(d, kv_keys[i].off) = n;
        return;
    case KV_ERROR:
        if (!t->is_quoted && parse_long(t->val, t->val_len, true, &n) && n >= -100000 &&
            n <= 100000)
            d->error_code = (int)(n < 0 ? -n : n);
        return;
    }
}

static void apply_kv(struct aa_denial *d, const struct kv_tok *t)
{
    const struct key_slot *ks = t->key ? key_find(t->key, t->key_len) : NULL;
    if (ks && ks->kv >= 0)
        apply_kv_at(d, t, (size_t)ks->kv);
}

/* The first well-formed "audit(SECONDS.MS:SERIAL)" in the line. */
static void read_audit_stamp(const char *s, size_t len, struct aa_denial *d)
{
    for (const char *p = s; (p = memmem(p, len - (size_t)(p - s), "audit(", 6)) != NULL; p++) {
        size_t i = (size_t)(p - s) + 6;
        size_t a = i, b, c;
        long secs = 0, serial = 0;
        int ms = 0, ms_digits = 0;

        while (i < len && is_digit(s[i]))
            i++;
        if (i == a || i >= len || s[i] != '.' || !parse_long(s + a, i - a, false, &secs))
            continue;
        b = ++i;
        while (i < len && is_digit(s[i])) {
            if (ms_digits < 3) {
                ms = ms * 10 + (s[i] - '0');
                ms_digits++;
            }
            i++;
        }
        if (i == b || i >= len || s[i] != ':')
            continue;
        for (; ms_digits < 3; ms_digits++)
            ms *= 10;
        c = ++i;
        while (i < len && is_digit(s[i]))
            i++;
        if (i == c || i >= len || s[i] != ')' || !parse_long(s + c, i - c, false, &serial))
            continue;
        d->audit_id = xstrndup(s + a, i - a);
        d->epoch_s = secs;
        d->epoch_ms = ms;
        d->audit_serial = (unsigned long)serial;
        return;
    }
}

/*
 * Read s (NUL-terminated at len) into out. Reading starts at the apparmor=
 * key (the envelope before it, e.g. a dbus USER_AVC's pid=, is not the
 * record's), else after an AppArmor type= (APPARMOR_DENIED, 1503), else, when
 * forced_from is not (size_t)-1, at that offset with event DENIED.
 * *is_found: an AppArmor record was found; *looks_aa: the line is AppArmor's
 * even if no record could be read (type=APPARMOR, 1500).
 */
static void kv_read(const char *s, size_t len, size_t forced_from, struct aa_denial *out,
                    bool *is_found, bool *looks_aa)
{
    struct kv_tok t;
    size_t pos = 0;
    size_t start = (size_t)-1;
    enum denial_event ev = DENIAL_EVENT_INVALID;
    enum denial_event type_ev = DENIAL_EVENT_INVALID;
    size_t type_start = (size_t)-1;

    *is_found = false;
    while (kv_next(s, len, &pos, &t)) {
        if (tok_key_is(&t, "apparmor")) {
            start = t.end;
            ev = event_from_word(t.val, t.val_len);
            if (t.is_unterminated)
                out->is_truncated = true;
            break;
        }
        if (type_start == (size_t)-1 && tok_key_is(&t, "type")) {
            bool is_aa = false;
            enum denial_event e = event_from_type(t.val, t.val_len, &is_aa);
            if (is_aa)
                *looks_aa = true;
            if (e != DENIAL_EVENT_INVALID) {
                type_ev = e;
                type_start = t.end;
            }
        }
    }
    if (forced_from != (size_t)-1) {
        start = forced_from;
        ev = DENIAL_EVENT_DENIED;
    } else if (start == (size_t)-1 && type_start != (size_t)-1) {
        start = type_start;
        ev = type_ev;
    }
    if (start == (size_t)-1)
        goto out;
    *is_found = true;
    *looks_aa = true;
    out->event = ev;
    /* before apparmor= the stamp is the kernel's; after it, a value's text */
    read_audit_stamp(s, (type_start == start || start > len) ? len : start, out);
    pos = start;
    while (kv_next(s, len, &pos, &t)) {
        if (t.is_unterminated)
            out->is_truncated = true;
        if (t.key)
            apply_kv(out, &t);
    }
    if (out->capname && !out->name)
        out->name = xstrdup(out->capname);
out:
    return;
}

/* ---- normalisation ----------------------------------------------------- */

/* auditd's numeric record types that libapparmor 3.0.8 cannot read at the
 * start of a line. */
static const char *type_name_for_number(const char *v, size_t n)
{
    static const struct {
        const char *number;
        const char *name;
    } types[] = {
        {"1400", "AVC"},
        {"1107", "USER_AVC"},
        {"1500", "APPARMOR"},
        {"1501", "APPARMOR_AUDIT"},
        {"1502", "APPARMOR_ALLOWED"},
        {"1503", "APPARMOR_DENIED"},
        {"1504", "APPARMOR_HINT"},
        {"1505", "APPARMOR_STATUS"},
        {"1506", "APPARMOR_ERROR"},
        {"1507", "APPARMOR_KILL"},
    };
    for (size_t i = 0; i < COUNT(types); i++)
        if (span_eq(v, n, types[i].number))
            return types[i].name;
    return NULL;
}

/*
 * Stage 1: s (len bytes, no NULs, NUL at len) into `a` in a form libapparmor
 * reads as far as prefixes go. Returns the source form.
 */
static enum denial_source normalise_prefix(const char *s, size_t len, struct strbuf *a)
{
    enum denial_source src = DENIAL_SRC_UNKNOWN;
    size_t p = skip_ws(s, len, 0);
    size_t k = match_kmsg(s + p, len - p);
    size_t j = 0;

    if (k) {
        src = DENIAL_SRC_KMSG;
        p = skip_ws(s, len, p + k);
    }
    if (has_prefix(s + p, len - p, "node=")) {
        while (p < len && !is_ws(s[p]))
            p++;
        p = skip_ws(s, len, p);
        if (src == DENIAL_SRC_UNKNOWN)
            src = DENIAL_SRC_AUDITD;
    }
    if (has_prefix(s + p, len - p, "type=")) {
        size_t e = p + 5;
        const char *name = NULL;
        while (e < len && !is_ws(s[e]))
            e++;
        name = type_name_for_number(s + p + 5, e - p - 5);
        if (name) {
            strbuf_puts(a, "type=");
            strbuf_puts(a, name);
            p = e;
            if (src == DENIAL_SRC_UNKNOWN)
                src = DENIAL_SRC_AUDITD_NUMERIC;
        } else if (src == DENIAL_SRC_UNKNOWN) {
            src = DENIAL_SRC_AUDITD;
        }
    } else if (has_prefix(s + p, len - p, "msg=audit(")) {
        if (src == DENIAL_SRC_UNKNOWN)
            src = DENIAL_SRC_AUDISP;
    } else if (has_prefix(s + p, len - p, "audit:")) {
        /* Tested: 3.0.8 reads the bare form once it has a dmesg stamp. */
        strbuf_puts(a, "[    0.000000] ");
        if (src == DENIAL_SRC_UNKNOWN)
            src = DENIAL_SRC_BARE;
    } else if ((k = match_dmesg_stamp(s + p, len - p)) != 0 &&
               has_prefix(s + skip_ws(s, len, p + k), len - skip_ws(s, len, p + k), "audit")) {
        if (src == DENIAL_SRC_UNKNOWN)
            src = DENIAL_SRC_DMESG;
    } else if ((j = find_journald_tag(s + p, len - p)) != 0) {
        j += p;
        src = DENIAL_SRC_JOURNALD;
    } else if (match_syslog_date(s + p, len - p)) {
        if (src == DENIAL_SRC_UNKNOWN)
            src = DENIAL_SRC_SYSLOG;
    } else if (has_prefix(s + p, len - p, "AVC apparmor=")) {
        /* journalctl -o cat of an audit message */
        p += 4;
        src = DENIAL_SRC_JOURNALD;
    }
    if (j && has_prefix(s + j, len - j, "AVC ")) {
        strbuf_append(a, s + p, j - p);
        p = j + 4;
    }
    strbuf_append(a, s + p, len - p);
    return src;
}

/*
 * Stage 2: the copy libapparmor 3.0.8 is asked about. Its parser leaks the
 * earlier string when a field is set twice, or when an unreadable token
 * (dumped into info) follows info= (found by the fuzzer), and stops at any
 * key it does not know. So the record part (from apparmor=, or after the
 * audit(...) stamp of a type=APPARMOR_x / 150x line) keeps only the keys
 * 3.0.8 reads, with values of the shape it reads, once per field (the last
 * one, as its grammar would keep), and renames the newer spellings it lacks
 * (requested= -> requested_mask=, saddr= -> laddr=, ...). class= and
 * addr=none go; our reader supplies them. The part before the record is
 * kept as it is, unless it holds a string field itself (then libapparmor is
 * not asked at all).
 */
enum lib_shape {
    SH_Q = 1,   /* "quoted", without '\\' or newline (3.0.8 unescapes those) */
    SH_H = 2,   /* uppercase hex pairs */
    SH_D = 4,   /* digits */
    SH_ND = 8,  /* -digits */
    SH_IP = 16, /* [a-f0-9.:]{3,} */
    SH_ID = 32, /* unquoted word without ()="'! */
    SH_QM = 64, /* ? */
};

enum lib_group {
    G_NONE, /* ignored or numeric-only by 3.0.8: no need to keep one */
    G_OPERATION,
    G_NAME,
    G_NAME2,
    G_NAMESPACE,
    G_DENIED,
    G_REQUESTED,
    G_ATTRIBUTE,
    G_INFO,
    G_PEER_INFO,
    G_PROFILE,
    G_PEER_PROFILE,
    G_FAMILY,
    G_SOCK_TYPE,
    G_PROTOCOL,
    G_COMM,
    G_LADDR,
    G_FADDR,
    G_BUS,
    G_PATH,
    G_INTERFACE,
    G_MEMBER,
    G_SIGNAL,
    G_PEER,
    G_FSTYPE,
    G_FLAGS,
    G_SRCNAME,
    G_STRING_END, /* groups above hold strings; below, numbers */
    G_TASK,
    G_PARENT,
    G_TOKEN,
    G_PID,
    G_PEER_PID,
    G_ERROR,
    G_FSUID,
    G_OUID,
    G_LPORT,
    G_FPORT,
    G__COUNT
};

/* Keys and value shapes libapparmor 3.0.8 reads (tested key by key). */
static const struct {
    const char *key;
    const char *as; /* the spelling 3.0.8 knows, NULL when the same */
    unsigned shapes;
    enum lib_group group;
} lib_keys[] = {
    {"operation", NULL, SH_Q, G_OPERATION},
    {"name", NULL, SH_Q | SH_H, G_NAME},
    {"capname", NULL, SH_Q, G_NAME},
    {"name2", NULL, SH_Q | SH_H, G_NAME2},
    {"target", NULL, SH_Q, G_NAME2},
    {"namespace", NULL, SH_Q | SH_H, G_NAMESPACE},
    {"mask", NULL, SH_Q, G_DENIED},
    {"denied_mask", NULL, SH_Q, G_DENIED},
    {"denied", "denied_mask", SH_Q, G_DENIED},
    {"requested_mask", NULL, SH_Q, G_REQUESTED},
    {"requested", "requested_mask", SH_Q, G_REQUESTED},
    {"attribute", NULL, SH_Q, G_ATTRIBUTE},
    {"info", NULL, SH_Q, G_INFO},
    {"peer_info", NULL, SH_Q, G_PEER_INFO},
    {"profile", NULL, SH_Q | SH_H, G_PROFILE},
    {"label", NULL, SH_Q | SH_H, G_PROFILE},
    {"peer_profile", NULL, SH_Q | SH_H, G_PEER_PROFILE},
    {"peer_label", NULL, SH_Q | SH_H, G_PEER_PROFILE},
    {"tcontext", "peer_label", SH_Q | SH_H, G_PEER_PROFILE},
    {"family", NULL, SH_Q, G_FAMILY},
    {"sock_type", NULL, SH_Q, G_SOCK_TYPE},
    {"protocol", NULL, SH_Q | SH_D, G_PROTOCOL},
    {"comm", NULL, SH_Q | SH_H, G_COMM},
    {"exe", NULL, SH_Q | SH_H, G_COMM},
    {"laddr", NULL, SH_IP, G_LADDR},
    {"saddr", "laddr", SH_IP, G_LADDR},
    {"faddr", NULL, SH_IP, G_FADDR},
    {"daddr", "faddr", SH_IP, G_FADDR},
    {"bus", NULL, SH_Q, G_BUS},
    {"path", NULL, SH_Q, G_PATH},
    {"interface", NULL, SH_Q, G_INTERFACE},
    {"member", NULL, SH_Q, G_MEMBER},
    {"method", "member", SH_Q, G_MEMBER},
    {"signal", NULL, SH_ID, G_SIGNAL},
    {"peer", NULL, SH_Q, G_PEER},
    {"fstype", NULL, SH_Q, G_FSTYPE},
    {"flags", NULL, SH_Q, G_FLAGS},
    {"srcname", NULL, SH_Q, G_SRCNAME},
    {"task", NULL, SH_D, G_TASK},
    {"parent", NULL, SH_D, G_PARENT},
    {"magic_token", NULL, SH_D, G_TOKEN},
    {"pid", NULL, SH_D, G_PID},
    {"peer_pid", NULL, SH_D, G_PEER_PID},
    {"error", NULL, SH_D | SH_ND, G_ERROR},
    {"fsuid", NULL, SH_D, G_FSUID},
    {"ouid", NULL, SH_D, G_OUID},
    {"lport", NULL, SH_D, G_LPORT},
    {"src", "lport", SH_D, G_LPORT},
    {"fport", NULL, SH_D, G_FPORT},
    {"dest", "fport", SH_D, G_FPORT},
    {"type", NULL, SH_D, G_NONE},
    {"FSUID", NULL, SH_Q, G_NONE},
    {"OUID", NULL, SH_Q, G_NONE},
    {"sauid", NULL, SH_D, G_NONE},
    {"capability", NULL, SH_D, G_NONE},
    {"offset", NULL, SH_D, G_NONE},
    {"hostname", NULL, SH_Q | SH_H | SH_QM, G_NONE},
    {"addr", NULL, SH_Q | SH_H | SH_QM, G_NONE},
    {"terminal", NULL, SH_Q | SH_H | SH_QM, G_NONE},
};

/* ---- key lookup: one hash probe per token instead of a scan of both
 * tables with strlen/memcmp per entry ---- */

#define KEY_TABLE_SIZE 256 /* power of two, well over the ~70 names */
static struct key_slot key_table[KEY_TABLE_SIZE];
static pthread_once_t key_table_once = PTHREAD_ONCE_INIT;

static size_t key_hash(const char *k, size_t n)
{
    size_t h = n * 0x9E37u;
    for (size_t i = 0; i < n; i++)
        h = h * 31 + (unsigned char)k[i];
    return (h ^ (h >> 7)) & (KEY_TABLE_SIZE - 1);
}

static struct key_slot *key_slot_for(const char *name)
{
    size_t n = strlen(name);
    size_t h = key_hash(name, n);
    while (key_table[h].name && !(key_table[h].len == n && memcmp(key_table[h].name, name, n) == 0))
        h = (h + 1) & (KEY_TABLE_SIZE - 1);
    if (!key_table[h].name) {
        key_table[h].name = name;
        key_table[h].len = n;
        key_table[h].kv = -1;
        key_table[h].lib = -1;
        key_table[h].special = KS_NONE;
    }
    return &key_table[h];
}

static void key_table_build(void)
{
    static const char *const envelope[] = {"uid", "auid", "ses", "node"};
    for (size_t i = 0; i < COUNT(kv_keys); i++)
        key_slot_for(kv_keys[i].key)->kv = (int)i;
    for (size_t i = 0; i < COUNT(lib_keys); i++) {
        struct key_slot *ks = key_slot_for(lib_keys[i].key);
        if (ks->lib < 0) /* the first entry wins, as the scan did */
            ks->lib = (int)i;
    }
    key_slot_for("apparmor")->special = KS_APPARMOR;
    key_slot_for("type")->special = KS_TYPE;
    key_slot_for("msg")->special = KS_MSG;
    for (size_t i = 0; i < COUNT(envelope); i++)
        key_slot_for(envelope[i])->special = KS_ENVELOPE;
}

static const struct key_slot *key_find(const char *k, size_t n)
{
    size_t h = 0;

    pthread_once(&key_table_once, key_table_build);
    if (n == 0 || n > 32)
        return NULL;
    h = key_hash(k, n);
    while (key_table[h].name) {
        if (key_table[h].len == n && memcmp(key_table[h].name, k, n) == 0)
            return &key_table[h];
        h = (h + 1) & (KEY_TABLE_SIZE - 1);
    }
    return NULL;
}




static unsigned shape_of(const struct kv_tok *t)
{
    unsigned sh = 0;
    if (t->is_quoted) {
        if (!t->is_unterminated && !memchr(t->val, '\\', t->val_len) &&
            !memchr(t->val, '\n', t->val_len))
            sh |= SH_Q;
        return sh;
    }
    /* one pass: the classes every byte has (all_chars() of each predicate) */
    const char *v = t->val;
    size_t n = t->val_len;
    unsigned all = n > 0 ? 0xff : 0, rest = n > 1 ? 0xff : 0;
    for (size_t i = 0; i < n; i++) {
        unsigned c = CLASS(v[i]);
        all &= c;
        if (i > 0)
            rest &= c;
    }
    if ((all & C_HEX) && n % 2 == 0)
        sh |= SH_H;
    if ((all & C_DIGIT) && n <= 18)
        sh |= SH_D;
    if (n > 1 && v[0] == '-' && n <= 19 && (rest & C_DIGIT))
        sh |= SH_ND;
    if (n >= 3 && (all & C_IP))
        sh |= SH_IP;
    if (all & C_ID)
        sh |= SH_ID;
    if (n == 1 && v[0] == '?')
        sh |= SH_QM;
    return sh;
}

/* The event words 3.0.8's scanner knows after apparmor=. */
static bool lib_knows_event(const struct kv_tok *t)
{
    static const char *const words[] = {"DENIED", "AUDIT", "ALLOWED", "HINT", "STATUS", "ERROR"};
    if (!t->is_quoted || t->is_unterminated)
        return false;
    for (size_t i = 0; i < COUNT(words); i++)
        if (span_eq(t->val, t->val_len, words[i]))
            return true;
    return false;
}

/* Our rendering of a line libapparmor would call "other audit" (a pre-2.1
 * "type=APPARMOR ... REJECTING r access to ..." record): INVALID, the stamp,
 * the type as operation (unless UNKNOWN[n]) and the rest as info, as
 * libapparmor's partial record for it looks. */
static void read_unreadable(const char *s, size_t len, struct aa_denial *out)
{
    struct kv_tok t;
    size_t pos = 0;

    read_audit_stamp(s, len, out);
    while (kv_next(s, len, &pos, &t)) {
        if (!out->operation && tok_key_is(&t, "type") && !t.is_quoted &&
            !has_prefix(t.val, t.val_len, "UNKNOWN["))
            out->operation = xstrndup(t.val, t.val_len);
        if (memmem(s + t.start, t.end - t.start, "audit(", 6)) {
            size_t rest = skip_ws(s, len, t.end);
            if (rest < len)
                out->info = xstrndup(s + rest, len - rest);
            break;
        }
    }
}

/* A copy of the line with NULs read as spaces and trailing newlines gone. */
static void clean_copy(const char *line, size_t len, struct strbuf *w)
{
    while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
        len--;
    strbuf_append(w, line, len);
    for (char *p = w->buf, *end = w->buf + len; (p = memchr(p, '\0', (size_t)(end - p))) != NULL;)
        *p++ = ' ';
}

/* Hand the reader's record to out: 0, 1 (nothing found) or -KERR_PARSE. */
static int finish_kv(bool is_found, struct aa_denial *kv, struct aa_denial *out, struct kerr *err)
{
    if (!is_found)
        return 1;
    *out = *kv;
    aa_denial_init(kv);
    out->parsed_by = DENIAL_BY_READER;
    if (out->event == DENIAL_EVENT_INVALID)
        return kerr_set(err, KERR_PARSE, "AppArmor record with an unknown event");
    return 0;
}

/*
 * THE RULE: the line held apparmor="DENIED" (a is its normalised copy), so
 * the result is a DENIED record. When nothing could be read as a record,
 * read again from the literal itself, taking whatever follows it.
 */
static void enforce_denied_rule(const struct strbuf *a, int *rc, struct aa_denial *out,
                                struct kerr *err)
{
    struct aa_denial kv;
    bool is_found = false, looks_aa = false;
    const char *at = NULL;

    if (*rc == 0 && out->event == DENIAL_EVENT_DENIED)
        return;
    aa_denial_init(&kv);
    if (*rc != 0) {
        at = memmem(a->buf, a->len, DENIED_LITERAL, sizeof DENIED_LITERAL - 1);
        kv_read(a->buf, a->len, at ? (size_t)(at - a->buf) : 0, &kv, &is_found, &looks_aa);
        aa_denial_done(out);
        *out = kv;
        aa_denial_init(&kv);
        out->parsed_by = DENIAL_BY_READER;
    }
    out->event = DENIAL_EVENT_DENIED;
    *rc = 0;
    kerr_clear(err);
    aa_denial_done(&kv);
}

int denial_parse_kv(const char *line, size_t len, struct aa_denial *out, struct kerr *err)
{
    struct strbuf w, a;
    struct aa_denial kv;
    bool is_found = false, looks_aa = false;
    enum denial_source src = DENIAL_SRC_UNKNOWN;
    int rc = 0;

    strbuf_init(&w);
    strbuf_init(&a);
    aa_denial_init(&kv);
    aa_denial_init(out);
    if (!line || !out) {
        rc = kerr_set(err, KERR_INVAL, "denial_parse_kv: NULL argument");
        goto out;
    }
    clean_copy(line, len, &w);
    src = normalise_prefix(w.buf, w.len, &a);
    kv_read(a.buf, a.len, (size_t)-1, &kv, &is_found, &looks_aa);
    rc = finish_kv(is_found, &kv, out, err);
    if (memmem(line, len, DENIED_LITERAL, sizeof DENIED_LITERAL - 1))
        enforce_denied_rule(&a, &rc, out, err);
    if (rc != 1)
        out->source_format = src;
out:
    aa_denial_done(&kv);
    strbuf_done(&a);
    strbuf_done(&w);
    return rc;
}

/* ---- the fast path: one tokenization, reused per-thread buffers ---------- */

struct tok {
    struct kv_tok t;
    const struct key_slot *ks; /* NULL: not a key=value token, or a key neither reader knows */
    int lib;                   /* lib_key_of(t), computed once; -2 before */
};

/* Per-thread scratch: the cleaned copy, the normalised copy, libapparmor's
 * copy and the token array, kept between lines (freed at thread exit). */
struct scratch {
    struct strbuf w, a, b;
    struct tok *toks;
    size_t ntoks, cap;
};

static pthread_key_t scratch_key;
static pthread_once_t scratch_once = PTHREAD_ONCE_INIT;
static _Thread_local struct scratch *tl_scratch;

static void scratch_free(void *p)
{
    struct scratch *sc = p;
    if (!sc)
        return;
    strbuf_done(&sc->w);
    strbuf_done(&sc->a);
    strbuf_done(&sc->b);
    free(sc->toks);
    free(sc);
}

static void scratch_key_make(void)
{
    (void)pthread_key_create(&scratch_key, scratch_free);
}

static struct scratch *scratch_get(void)
{
    if (!tl_scratch) {
        pthread_once(&scratch_once, scratch_key_make);
        tl_scratch = xcalloc(1, sizeof *tl_scratch);
        strbuf_init(&tl_scratch->w);
        strbuf_init(&tl_scratch->a);
        strbuf_init(&tl_scratch->b);
        (void)pthread_setspecific(scratch_key, tl_scratch);
    }
    strbuf_reset(&tl_scratch->w);
    strbuf_reset(&tl_scratch->a);
    strbuf_reset(&tl_scratch->b);
    tl_scratch->ntoks = 0;
    return tl_scratch;
}

/* Lines that cannot be an AppArmor record for either reader: no
 * "apparmor=" anywhere, and no "type=" followed by what an AppArmor type
 * starts with (APPARMOR..., 15xx, UNKNOWN[15xx], possibly quoted). A
 * superset test: kv_read() decides for the lines it lets through. */
static bool maybe_apparmor(const char *line, size_t len, bool *has_denied)
{
    const char *p = line, *end = line + len;
    bool has_aa = false;

    /* DENIED_LITERAL starts with "apparmor=": one scan finds both */
    *has_denied = false;
    while ((p = memmem(p, (size_t)(end - p), "apparmor=", 9)) != NULL) {
        has_aa = true;
        if ((size_t)(end - p) >= sizeof DENIED_LITERAL - 1 &&
            memcmp(p + 9, DENIED_LITERAL + 9, sizeof DENIED_LITERAL - 1 - 9) == 0) {
            *has_denied = true;
            break;
        }
        p++;
    }
    if (has_aa)
        return true;
    p = line;
    while ((p = memmem(p, (size_t)(end - p), "type=", 5)) != NULL) {
        const char *q = p + 5;
        if (q < end && *q == '"')
            q++;
        if (q < end && (*q == 'A' || *q == '1' || *q == 'U'))
            return true;
        p++;
    }
    return false;
}

static void tokenize(struct scratch *sc, const char *s, size_t len)
{
    size_t pos = 0;
    struct kv_tok t;

    while (kv_next(s, len, &pos, &t)) {
        if (sc->ntoks == sc->cap) {
            sc->cap = sc->cap ? sc->cap * 2 : 64;
            sc->toks = xrealloc(sc->toks, sc->cap * sizeof *sc->toks);
        }
        struct tok *k = &sc->toks[sc->ntoks++];
        k->t = t;
        k->ks = t.key ? key_find(t.key, t.key_len) : NULL;
        k->lib = -2;
    }
}

static bool tok_special(const struct tok *k, enum key_special sp)
{
    return k->ks && k->ks->special == sp;
}

static int tok_lib(struct tok *k)
{
    if (k->lib == -2)
        k->lib = (k->ks && k->ks->lib >= 0 && (shape_of(&k->t) & lib_keys[k->ks->lib].shapes))
                     ? k->ks->lib
                     : -1;
    return k->lib;
}

/* What kv_read() finds first: the record's start (the index of its first
 * token), its event, is_found / looks_aa, and the stamp's limit. */
struct rec_start {
    bool is_found, looks_aa, is_truncated;
    enum denial_event ev;
    size_t first;       /* first token of the record */
    size_t stamp_limit; /* read_audit_stamp() looks before this offset */
    bool by_apparmor;   /* found at an apparmor= token (toks[first - 1]) */
};

static void find_record(const struct scratch *sc, size_t len, struct rec_start *rs)
{
    size_t type_first = (size_t)-1, type_end = 0;
    enum denial_event type_ev = DENIAL_EVENT_INVALID;

    memset(rs, 0, sizeof *rs);
    rs->ev = DENIAL_EVENT_INVALID;
    for (size_t i = 0; i < sc->ntoks; i++) {
        const struct tok *k = &sc->toks[i];
        if (tok_special(k, KS_APPARMOR)) {
            rs->is_found = rs->looks_aa = true;
            rs->ev = event_from_word(k->t.val, k->t.val_len);
            rs->is_truncated = k->t.is_unterminated;
            rs->first = i + 1;
            rs->stamp_limit = k->t.end;
            rs->by_apparmor = true;
            return;
        }
        if (type_first == (size_t)-1 && tok_special(k, KS_TYPE)) {
            bool is_aa = false;
            enum denial_event e = event_from_type(k->t.val, k->t.val_len, &is_aa);
            if (is_aa)
                rs->looks_aa = true;
            if (e != DENIAL_EVENT_INVALID) {
                type_ev = e;
                type_first = i + 1;
                type_end = k->t.end;
            }
        }
    }
    if (type_first != (size_t)-1) {
        rs->is_found = rs->looks_aa = true;
        rs->ev = type_ev;
        rs->first = type_first;
        /* the record starts right after a type= token: the stamp may be anywhere */
        rs->stamp_limit = len;
        (void)type_end;
    }
}

/* Stage 2 (see "the copy libapparmor 3.0.8 is asked about" above): build it
 * into sc->b from the token array. The part before the record (envelope
 * keys only, no string field of its own, nothing 3.0.8 would split
 * differently from us) is kept as it is; then the last token of each field,
 * renamed where 3.0.8 knows another spelling. Returns false when libapparmor
 * must not be asked. */
static bool build_lib_line_tok(const char *s, size_t len, struct scratch *sc, bool has_newline)
{
    struct strbuf *b = &sc->b;
    size_t aa_i = (size_t)-1, start = (size_t)-1, first = 0;
    bool has_aa_type = false;
    size_t last[G__COUNT];

    for (size_t i = 0; i < sc->ntoks; i++) {
        const struct tok *k = &sc->toks[i];
        if (tok_special(k, KS_APPARMOR)) {
            aa_i = i;
            break;
        }
        if (tok_special(k, KS_TYPE)) {
            bool is_aa = false;
            if (event_from_type(k->t.val, k->t.val_len, &is_aa) != DENIAL_EVENT_INVALID)
                has_aa_type = true;
        }
    }
    if (aa_i != (size_t)-1) {
        if (!lib_knows_event(&sc->toks[aa_i].t))
            return false;
        start = sc->toks[aa_i].t.start;
        first = aa_i + 1;
    } else if (has_aa_type) {
        for (size_t i = 0; i < sc->ntoks; i++) {
            const struct kv_tok *t = &sc->toks[i].t;
            if (memmem(s + t->start, t->end - t->start, "audit(", 6)) {
                start = t->end;
                first = i + 1;
                break;
            }
        }
    }
    if (start == (size_t)-1 || start > len)
        return false;
    /* the envelope: tokens ending at or before start; a dbus message's "msg='" may stay */
    for (size_t i = 0; i < sc->ntoks && sc->toks[i].t.end <= start; i++) {
        struct tok *k = &sc->toks[i];
        const struct kv_tok *t = &k->t;
        int li = tok_lib(k);
        const char *v = t->key ? t->val : s + t->start;
        size_t vlen = t->key ? t->end - (size_t)(t->val - s) : t->end - t->start;
        bool is_msg = tok_special(k, KS_MSG);
        bool is_user_msg = is_msg && t->val_len == 0 && s[t->end - 1] == '\'';
        if (!is_user_msg && (memchr(v, '=', vlen) || memchr(v, '"', vlen) || memchr(v, '\'', vlen)))
            return false;
        if (t->key && li < 0 && !tok_special(k, KS_TYPE) && !is_msg && !tok_special(k, KS_ENVELOPE))
            return false;
        if (li >= 0 && lib_keys[li].group != G_NONE && lib_keys[li].group < G_STRING_END)
            return false;
    }
    for (size_t g = 0; g < G__COUNT; g++)
        last[g] = (size_t)-1;
    for (size_t i = first; i < sc->ntoks; i++) {
        int li = tok_lib(&sc->toks[i]);
        if (li >= 0)
            last[lib_keys[li].group] = i;
    }
    strbuf_grow(b, len + 16);
    strbuf_append(b, s, start);
    if (aa_i != (size_t)-1) {
        const struct kv_tok *t = &sc->toks[aa_i].t;
        strbuf_append(b, s + t->start, t->end - t->start);
    }
    for (size_t i = first; i < sc->ntoks; i++) {
        const struct kv_tok *t = &sc->toks[i].t;
        int li = sc->toks[i].lib;
        size_t vstart = 0;
        if (li < 0 || (lib_keys[li].group != G_NONE && last[lib_keys[li].group] != i)) {
            if (s[t->end - 1] == '\'')
                strbuf_append(b, " '", 2);
            continue;
        }
        const char *as = lib_keys[li].as ? lib_keys[li].as : lib_keys[li].key;
        size_t as_len = lib_keys[li].as ? strlen(as) : t->key_len;
        vstart = (size_t)(t->key - s) + t->key_len + 1;
        /* " key=value" in one copy after one capacity check */
        strbuf_grow(b, as_len + 2 + (t->end - vstart));
        char *o = b->buf + b->len;
        *o++ = ' ';
        memcpy(o, as, as_len);
        o += as_len;
        *o++ = '=';
        memcpy(o, s + vstart, t->end - vstart);
        o += t->end - vstart;
        *o = '\0';
        b->len = (size_t)(o - b->buf);
    }
    if (has_newline)
        for (size_t i = 0; i < b->len; i++)
            if (b->buf[i] == '\n' || b->buf[i] == '\r')
                b->buf[i] = ' ';
    return true;
}

/* Is kv_keys[i]'s slot already set in lib? */
static bool lib_has(const struct aa_denial *lib, size_t i)
{
    switch (kv_keys[i].kind) {
    case KV_ERROR:
        return lib->error_code != 0;
    case KV_LONG:
        return *LONG_AT(lib, kv_keys[i].off) != -1;
    default:
        return *STR_AT(lib, kv_keys[i].off) != NULL;
    }
}

/* kv_read() from the token array, applying only what lib lacks (what
 * fill_gaps() would take from a full reading; the rest would be dropped). */
static void kv_fill_tok(const char *s, size_t len, const struct scratch *sc,
                        const struct rec_start *rs, const struct aa_denial *lib,
                        struct aa_denial *kv)
{
    kv->event = rs->ev;
    kv->is_truncated = rs->is_truncated;
    if (!lib->audit_id)
        read_audit_stamp(s, rs->stamp_limit > len ? len : rs->stamp_limit, kv);
    for (size_t i = rs->first; i < sc->ntoks; i++) {
        const struct tok *k = &sc->toks[i];
        if (k->t.is_unterminated)
            kv->is_truncated = true;
        if (k->ks && k->ks->kv >= 0 && !lib_has(lib, (size_t)k->ks->kv))
            apply_kv_at(kv, &k->t, (size_t)k->ks->kv);
    }
    if (kv->capname && !kv->name && !lib->name)
        kv->name = xstrdup(kv->capname);
}


/* ---- the fast path: libapparmor's answer without asking it ------------------
 *
 * parse_record() is most of a line's cost, yet for the lines kernels write
 * every day its answer is known in advance: each key it reads fills its
 * field with what our reader would put there. fast_path() takes a line only
 * when that holds for every token, and then gives the record the slow path
 * would give, field for field, parsed_by included (checked against the slow
 * path over the corpus, every cut of each corpus line and the unit tests'
 * lines: tests/unit/test_denial.c test_fast_path_agrees). It takes:
 *  - an envelope of one of the kernel's shapes (fast_envelope below), so
 *    libapparmor's audit_id is the one read_audit_stamp() finds;
 *  - apparmor="<a word 3.0.8 knows>" then key=value tokens only, quoted
 *    values non-empty printable ASCII, separated by spaces (or auditd's 0x1d),
 *    no newline, no value ending in '\'' (the dbus msg='...' form);
 *  - each libapparmor field group and each of our fields filled once, or
 *    again only by a token that reads the same (laddr= and saddr=): no
 *    "which duplicate wins" question;
 *  - no field libapparmor would set and our reader would not.
 * parsed_by is then "libapparmor+" exactly when our reader sets a field that
 * libapparmor leaves absent (class=, capname=, addr=, pid=0, ...).
 * Everything else goes the slow way.
 */

#define FIELD_BIT(off) (1ULL << ((off) / sizeof(long)))
_Static_assert(sizeof(struct aa_denial) <= 64 * sizeof(long), "field bits fit a uint64_t");
_Static_assert(G__COUNT <= 64, "group bits fit a uint64_t");

/* The field 3.0.8 fills for a group (as core/apparmor.c copies it), or 0:
 * none we keep (peer_info, task, magic_token, the ignored keys). */
static uint64_t lib_group_field(enum lib_group g)
{
    switch (g) {
    case G_OPERATION: return FIELD_BIT(OFF(operation));
    case G_NAME: return FIELD_BIT(OFF(name));
    case G_NAME2: return FIELD_BIT(OFF(name2));
    case G_NAMESPACE: return FIELD_BIT(OFF(aa_namespace));
    case G_DENIED: return FIELD_BIT(OFF(denied_mask));
    case G_REQUESTED: return FIELD_BIT(OFF(requested_mask));
    case G_ATTRIBUTE: return FIELD_BIT(OFF(attribute));
    case G_INFO: return FIELD_BIT(OFF(info));
    case G_PROFILE: return FIELD_BIT(OFF(profile));
    case G_PEER_PROFILE: return FIELD_BIT(OFF(peer_profile));
    case G_FAMILY: return FIELD_BIT(OFF(net_family));
    case G_SOCK_TYPE: return FIELD_BIT(OFF(net_sock_type));
    case G_PROTOCOL: return FIELD_BIT(OFF(net_protocol));
    case G_COMM: return FIELD_BIT(OFF(comm));
    case G_LADDR: return FIELD_BIT(OFF(net_local_addr));
    case G_FADDR: return FIELD_BIT(OFF(net_foreign_addr));
    case G_BUS: return FIELD_BIT(OFF(dbus_bus));
    case G_PATH: return FIELD_BIT(OFF(dbus_path));
    case G_INTERFACE: return FIELD_BIT(OFF(dbus_interface));
    case G_MEMBER: return FIELD_BIT(OFF(dbus_member));
    case G_SIGNAL: return FIELD_BIT(OFF(signal));
    case G_PEER: return FIELD_BIT(OFF(peer));
    case G_FSTYPE: return FIELD_BIT(OFF(fs_type));
    case G_FLAGS: return FIELD_BIT(OFF(flags));
    case G_SRCNAME: return FIELD_BIT(OFF(src_name));
    case G_PARENT: return FIELD_BIT(OFF(parent));
    case G_PID: return FIELD_BIT(OFF(pid));
    case G_PEER_PID: return FIELD_BIT(OFF(peer_pid));
    case G_ERROR: return FIELD_BIT(OFF(error_code));
    case G_FSUID: return FIELD_BIT(OFF(fsuid));
    case G_OUID: return FIELD_BIT(OFF(ouid));
    case G_LPORT: return FIELD_BIT(OFF(net_local_port));
    case G_FPORT: return FIELD_BIT(OFF(net_foreign_port));
    default: return 0;
    }
}

/* Does 3.0.8 leave a value in its field (core/apparmor.c maps pid, ports and
 * parent 0 to absent; error 0 is absent)? t has a shape it reads. */
static bool lib_value_present(enum lib_group g, const struct kv_tok *t)
{
    long n = 0;
    switch (g) {
    case G_PID: case G_PEER_PID: case G_PARENT: case G_LPORT: case G_FPORT:
        return parse_long(t->val, t->val_len, false, &n) && n != 0;
    case G_ERROR:
        return parse_long(t->val, t->val_len, true, &n) && n != 0;
    default:
        return true;
    }
}

/* The field apply_kv_at() would set for t (key kv_keys[i]), or 0. */
static uint64_t kv_sets_field(const struct kv_tok *t, size_t i, uint64_t *field)
{
    long n = 0;
    *field = FIELD_BIT(kv_keys[i].kind == KV_ERROR ? OFF(error_code) : kv_keys[i].off);
    if (!t->is_quoted && t->val_len == 1 && t->val[0] == '?')
        return 0;
    switch (kv_keys[i].kind) {
    case KV_ADDR:
        return !t->is_quoted && span_eq(t->val, t->val_len, "none") ? 0 : *field;
    case KV_LONG:
        return !t->is_quoted && parse_long(t->val, t->val_len, false, &n) ? *field : 0;
    case KV_ERROR:
        return !t->is_quoted && parse_long(t->val, t->val_len, true, &n) && n != 0 &&
                       n >= -100000 && n <= 100000
                   ? *field
                   : 0;
    default:
        return *field;
    }
}

static size_t skip_digits(const char *s, size_t len, size_t p)
{
    while (p < len && is_digit(s[p]))
        p++;
    return p;
}

static bool at(const char *s, size_t len, size_t p, const char *lit)
{
    return p <= len && has_prefix(s + p, len - p, lit);
}

/* s[0, start) is exactly one of the prefixes the kernel's records come with
 * (after normalise_prefix): "type=AVC msg=audit(S.MMM:N): ", or
 * [syslog stamp " host kernel: "]["[%5lu.%06lu] "]["audit: "]
 * "type=1400 audit(S.MMM:N): " (syslog, dmesg, kmsg, bare), with at least
 * one of the bracketed parts. The syslog stamp is "Mon dd hh:mm:ss" or
 * rsyslog's ISO "yyyy-mm-ddThh:mm:ss", either with an optional fraction and
 * zone. */
static bool fast_envelope(const char *s, size_t start)
{
    static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
    size_t p = 0, q = 0;
    bool is_printk = false;

    if (start > 20 && s[3] == ' ' && is_key_char(s[0])) {
        /* "May 22 09:45:33" / "May  2 09:45:33" */
        bool is_month = false;
        for (size_t m = 0; m + 3 <= sizeof months - 1; m += 3)
            is_month = is_month || memcmp(s, months + m, 3) == 0;
        if (!is_month)
            return false;
        for (p = 4; p < start && s[p] == ' '; p++)
            ;
        q = skip_digits(s, start, p);
        if (q == p || q - p > 2 || !at(s, start, q, " "))
            return false;
        p = q + 1;
        is_printk = true;
    } else if (start > 20 && is_digit(s[0]) && skip_digits(s, start, 0) == 4 && s[4] == '-' &&
               is_digit(s[5]) && is_digit(s[6]) && s[7] == '-' && is_digit(s[8]) &&
               is_digit(s[9]) && (s[10] == 'T' || s[10] == ' ')) {
        /* rsyslog's ISO form "2024-05-22T09:45:33.123456+02:00" */
        p = 11;
        is_printk = true;
    }
    if (is_printk) {
        /* hh:mm:ss[.fraction][+hh:mm|-hh:mm] host kernel: (3.0.8 rejects a "Z") */
        if (p + 9 > start || !is_digit(s[p]) || !is_digit(s[p + 1]) || s[p + 2] != ':' ||
            !is_digit(s[p + 3]) || !is_digit(s[p + 4]) || s[p + 5] != ':' || !is_digit(s[p + 6]) ||
            !is_digit(s[p + 7]))
            return false;
        p += 8;
        if (s[p] == '.') {
            q = skip_digits(s, start, p + 1);
            if (q == p + 1)
                return false;
            p = q;
        }
        if (s[p] == '+' || s[p] == '-') {
            if (p + 6 > start || !is_digit(s[p + 1]) || !is_digit(s[p + 2]) || s[p + 3] != ':' ||
                !is_digit(s[p + 4]) || !is_digit(s[p + 5]))
                return false;
            p += 6;
        }
        if (s[p] != ' ')
            return false;
        p++;
        for (q = p; q < start && (is_key_char(s[q]) || s[q] == '.' || s[q] == '-'); q++)
            ;
        if (q == p || !at(s, start, q, " kernel: "))
            return false;
        p = q + 9;
    }
    if (p < start && s[p] == '[') {
        /* printk's "[%5lu.%06lu]": 3.0.8 rejects narrower seconds */
        size_t open = ++p;
        for (; p < start && s[p] == ' '; p++)
            ;
        q = skip_digits(s, start, p);
        if (q == p || q - open < 5 || !at(s, start, q, "."))
            return false;
        p = q + 1;
        q = skip_digits(s, start, p);
        if (q - p != 6 || !at(s, start, q, "] "))
            return false;
        p = q + 2;
        is_printk = true;
    }
    if (at(s, start, p, "audit: ")) {
        p += 7;
        is_printk = true;
    }
    if (is_printk && at(s, start, p, "type=1400 audit("))
        p += 16;
    else if (!is_printk && at(s, start, p, "type=AVC msg=audit("))
        p += 19;
    else
        return false;
    q = skip_digits(s, start, p);
    if (q == p || q - p > 12 || !at(s, start, q, "."))
        return false;
    p = q + 1;
    q = skip_digits(s, start, p);
    if (q - p != 3 || !at(s, start, q, ":"))
        return false;
    p = q + 1;
    q = skip_digits(s, start, p);
    if (q == p || q - p > 10 || !at(s, start, q, "): "))
        return false;
    for (p = q + 3; p < start && s[p] == ' '; p++)
        ;
    return p == start;
}

/* Do tokens a and b give their field the same value, whichever of them the
 * reader keeps: the same value bytes and quoting, keys of the same kind for
 * our reader and of the same group for libapparmor? */
static bool same_reading(struct scratch *sc, size_t a, size_t b)
{
    struct tok *x = &sc->toks[a], *y = &sc->toks[b];
    int lx = tok_lib(x), ly = tok_lib(y);
    if (!x->ks || !y->ks || x->t.is_quoted != y->t.is_quoted || x->t.val_len != y->t.val_len ||
        memcmp(x->t.val, y->t.val, x->t.val_len) != 0)
        return false;
    if ((x->ks->kv >= 0) != (y->ks->kv >= 0) ||
        (x->ks->kv >= 0 && (kv_keys[x->ks->kv].kind != kv_keys[y->ks->kv].kind ||
                            kv_keys[x->ks->kv].off != kv_keys[y->ks->kv].off)))
        return false;
    return (lx >= 0) == (ly >= 0) && (lx < 0 || lib_keys[lx].group == lib_keys[ly].group);
}

/* Can the record in s (tokens in sc, found as rs says) skip libapparmor? On
 * true, *by is the parsed_by the slow path would give. See above. */
static bool fast_path_takes(const char *s, size_t len, struct scratch *sc,
                            const struct rec_start *rs, enum denial_parser *by)
{
    uint64_t groups = 0, lib_fields = 0, kv_seen = 0, kv_fields = 0;
    size_t prev_end = 0;
    /* the token that first filled each group / field (kernels write some
     * twice: laddr= and saddr=, lport= and src=, a second class=) */
    size_t group_tok[G__COUNT], field_tok[64];

#ifndef __GLIBC__
    return false; /* libapparmor is never asked there (core/apparmor.c) */
#endif
    if (!rs->by_apparmor || rs->first == 0 || len > 8192 || memchr(s, '\n', len) ||
        memchr(s, '\r', len))
        return false;
    const struct kv_tok *aa = &sc->toks[rs->first - 1].t;
    if (!lib_knows_event(aa) || !fast_envelope(s, aa->start))
        return false;
    prev_end = aa->end;
    for (size_t i = rs->first; i < sc->ntoks; i++) {
        struct tok *k = &sc->toks[i];
        const struct kv_tok *t = &k->t;
        if (!t->key || t->is_unterminated || t->val_len == 0 || s[t->end - 1] == '\'')
            return false;
        for (size_t j = prev_end; j < t->start; j++)
            if (s[j] != ' ' && s[j] != '\x1d')
                return false;
        prev_end = t->end;
        if (t->is_quoted)
            for (size_t j = 0; j < t->val_len; j++)
                if ((unsigned char)t->val[j] < 0x20 || (unsigned char)t->val[j] > 0x7e)
                    return false;
        int li = tok_lib(k);
        if (li >= 0 && lib_keys[li].group != G_NONE) {
            enum lib_group g = lib_keys[li].group;
            if ((groups & (1ULL << g)) && !same_reading(sc, group_tok[g], i))
                return false;
            groups |= 1ULL << g;
            group_tok[g] = i;
            if (lib_value_present(g, t))
                lib_fields |= lib_group_field(g);
        }
        if (k->ks && k->ks->kv >= 0) {
            uint64_t field = 0;
            kv_fields |= kv_sets_field(t, (size_t)k->ks->kv, &field);
            size_t bit = (size_t)__builtin_ctzll(field);
            if ((kv_seen & field) && !same_reading(sc, field_tok[bit], i))
                return false;
            kv_seen |= field;
            field_tok[bit] = i;
        }
    }
    for (size_t j = prev_end; j < len; j++)
        if (s[j] != ' ')
            return false;
    /* 3.0.8 puts capname= in name, our reader in capname (and in name only
     * when no name= is read): a name= token besides it would differ */
    if ((groups & (1ULL << G_NAME)) && (lib_fields & FIELD_BIT(OFF(name))) &&
        (kv_seen & FIELD_BIT(OFF(capname))) && (kv_seen & FIELD_BIT(OFF(name))))
        return false;
    /* kv_fill_tok: a capname stands in for a missing name */
    if ((kv_fields & FIELD_BIT(OFF(capname))) && !(kv_fields & FIELD_BIT(OFF(name))))
        kv_fields |= FIELD_BIT(OFF(name));
    if (lib_fields & ~kv_fields)
        return false;
    *by = (kv_fields & ~lib_fields) ? DENIAL_BY_LIBAPPARMOR_FILLED : DENIAL_BY_LIBAPPARMOR;
    return true;
}

static int parse_line(const char *line, size_t len, struct aa_denial *out, struct kerr *err,
                      bool allow_fast)
{
    struct scratch *sc = NULL;
    struct aa_denial lib, kv;
    struct rec_start rs;
    bool is_found = false, looks_aa = false, has_denied = false, is_fast = false;
    enum denial_source src = DENIAL_SRC_UNKNOWN;
    enum denial_parser by = DENIAL_BY_NONE;
    int lib_rc = 1;
    int rc = 0;

    aa_denial_init(&lib);
    aa_denial_init(&kv);
    aa_denial_init(out);
    if (!line || !out) {
        rc = kerr_set(err, KERR_INVAL, "denial_parse_line: NULL argument");
        goto out;
    }
    /* most of a log is not AppArmor's: tell those lines before copying */
    if (!maybe_apparmor(line, len, &has_denied)) {
        rc = 1;
        goto out;
    }
    sc = scratch_get();
    clean_copy(line, len, &sc->w);
    if (skip_ws(sc->w.buf, sc->w.len, 0) == sc->w.len) {
        rc = 1;
        goto out;
    }
    src = normalise_prefix(sc->w.buf, sc->w.len, &sc->a);
    tokenize(sc, sc->a.buf, sc->a.len);
    find_record(sc, sc->a.len, &rs);
    is_found = rs.is_found;
    looks_aa = rs.looks_aa;
    if (allow_fast && is_found && fast_path_takes(sc->a.buf, sc->a.len, sc, &rs, &by)) {
        static const struct aa_denial nothing = {
            .pid = -1, .peer_pid = -1, .parent = -1, .fsuid = -1, .ouid = -1,
            .capability = -1, .net_local_port = -1, .net_foreign_port = -1};
        kv_fill_tok(sc->a.buf, sc->a.len, sc, &rs, &nothing, &kv);
        *out = kv;
        aa_denial_init(&kv);
        out->parsed_by = by;
        is_fast = true;
    } else if (is_found &&
        build_lib_line_tok(sc->a.buf, sc->a.len, sc,
                           memchr(sc->a.buf, '\n', sc->a.len) || memchr(sc->a.buf, '\r', sc->a.len)))
        lib_rc = aa_parse_record_line(sc->b.buf, &lib);
    if (lib_rc < 0) {
        rc = kerr_set(err, -lib_rc, "libapparmor could not be asked");
        goto out;
    }

    if (is_fast) {
        rc = 0;
    } else if (lib_rc == 0) {
        /* our reader only for what libapparmor left out */
        kv_fill_tok(sc->a.buf, sc->a.len, sc, &rs, &lib, &kv);
        *out = lib;
        aa_denial_init(&lib);
        /* the event is apparmor="..."'s, even if a later type=150x says otherwise */
        if (kv.event != DENIAL_EVENT_INVALID)
            out->event = kv.event;
        if (fill_gaps(out, &kv) > 0)
            out->parsed_by = DENIAL_BY_LIBAPPARMOR_FILLED;
        rc = 0;
    } else if (is_found) {
        /* libapparmor said INVALID, or was not asked: our reader alone */
        kv_read(sc->a.buf, sc->a.len, (size_t)-1, &kv, &is_found, &looks_aa);
        rc = finish_kv(is_found, &kv, out, err);
    } else if (looks_aa) {
        /* e.g. a pre-2.1 "REJECTING r access to ..." record: what can be
         * told, for diagnostics */
        read_unreadable(sc->a.buf, sc->a.len, out);
        out->parsed_by = DENIAL_BY_READER;
        rc = kerr_set(err, KERR_PARSE, "AppArmor record in a form that cannot be read");
    } else {
        rc = 1;
    }

    if (has_denied)
        enforce_denied_rule(&sc->a, &rc, out, err);
    if (rc != 1)
        out->source_format = src;
out:
    aa_denial_done(&kv);
    aa_denial_done(&lib);
    return rc;
}

int denial_parse_line(const char *line, size_t len, struct aa_denial *out, struct kerr *err)
{
    return parse_line(line, len, out, err, true);
}

int denial_parse_line_lib(const char *line, size_t len, struct aa_denial *out, struct kerr *err)
{
    return parse_line(line, len, out, err, false);
}

/* "<len>:<value>", or "-" when absent, at o; returns the end. */
static char *key_field(char *o, const char *v, size_t n)
{
    if (!v) {
        *o++ = '-';
        return o;
    }
    char digits[24];
    size_t i = sizeof digits;
    size_t m = n;
    do {
        digits[--i] = (char)('0' + m % 10);
        m /= 10;
    } while (m);
    memcpy(o, digits + i, sizeof digits - i);
    o += sizeof digits - i;
    *o++ = ':';
    memcpy(o, v, n);
    return o + n;
}

int denial_dedup_key(const struct aa_denial *d, struct strbuf *sb)
{
    const char *fields[7];
    size_t lens[7];

    if (!d || !sb)
        return -KERR_INVAL;
    fields[0] = d->profile;
    fields[1] = d->operation;
    fields[2] = d->rule_class;
    fields[3] = d->name;
    fields[4] = d->requested_mask;
    fields[5] = d->denied_mask;
    fields[6] = d->comm;
    /* one reservation, then plain copies (the agent builds one key per record) */
    const char *ev = denial_event_name(d->event);
    size_t ev_len = strlen(ev), room = ev_len;
    for (size_t i = 0; i < COUNT(fields); i++) {
        lens[i] = fields[i] ? strlen(fields[i]) : 0;
        room += 1 + 21 + lens[i];
    }
    strbuf_grow(sb, room);
    char *o = sb->buf + sb->len;
    memcpy(o, ev, ev_len);
    o += ev_len;
    for (size_t i = 0; i < COUNT(fields); i++) {
        *o++ = '|';
        o = key_field(o, fields[i], lens[i]);
    }
    *o = '\0';
    sb->len = (size_t)(o - sb->buf);
    return 0;
}
