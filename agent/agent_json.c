/*
 * agent_json: NULL-safe, UTF-8-safe JSON writers (see agent_json.h).
 * Depends on libc and strbuf.
 */
#include "config.h"
#include "agent_json.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "strbuf.h"

/* Length of a valid UTF-8 sequence at p (1..4), or 0 when invalid. */
static size_t utf8_len(const unsigned char *p)
{
    unsigned char c = p[0];
    size_t n;
    unsigned cp;
    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf) {
        n = 2;
        cp = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
        n = 3;
        cp = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 4;
        cp = c & 0x07;
    } else {
        return 0;
    }
    for (size_t i = 1; i < n; i++) {
        if ((p[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (p[i] & 0x3f);
    }
    if ((n == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)))
        return 0;
    return n;
}

size_t agent_json_str_room(const char *s)
{
    return s ? 6 * strlen(s) + 2 : 4;
}

char *agent_json_put_str(char *o, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    if (!s) {
        memcpy(o, "null", 4);
        return o + 4;
    }
    *o++ = '"';
    const unsigned char *p = (const unsigned char *)s;
    for (;;) {
        /* the common bytes first: one compare each */
        while (*p >= 0x20 && *p < 0x7f && *p != '"' && *p != '\\')
            *o++ = (char)*p++;
        unsigned char c = *p;
        if (!c)
            break;
        if (c == '"' || c == '\\') {
            *o++ = '\\';
            *o++ = (char)c;
        } else if (c == '\n') {
            *o++ = '\\';
            *o++ = 'n';
        } else if (c == '\r') {
            *o++ = '\\';
            *o++ = 'r';
        } else if (c == '\t') {
            *o++ = '\\';
            *o++ = 't';
        } else if (c >= 0x80 && utf8_len(p) > 0) {
            size_t n = utf8_len(p);
            memcpy(o, p, n);
            o += n;
            p += n;
            continue;
        } else {
            /* other controls, DEL, and bytes that are not UTF-8 (read as Latin-1) */
            memcpy(o, "\\u00", 4);
            o[4] = hex[c >> 4];
            o[5] = hex[c & 15];
            o += 6;
        }
        p++;
    }
    *o++ = '"';
    return o;
}

void agent_json_str(struct strbuf *sb, const char *s)
{
    size_t room = agent_json_str_room(s);
    strbuf_grow(sb, room + 1);
    char *end = agent_json_put_str(sb->buf + sb->len, s);
    sb->len = (size_t)(end - sb->buf);
    sb->buf[sb->len] = '\0';
}

void agent_json_key(struct strbuf *sb, const char *key, bool *first)
{
    if (!*first)
        strbuf_putc(sb, ',');
    *first = false;
    agent_json_str(sb, key);
    strbuf_putc(sb, ':');
}

void agent_json_kv_str(struct strbuf *sb, const char *key, const char *val, bool *first)
{
    agent_json_key(sb, key, first);
    agent_json_str(sb, val);
}

void agent_json_kv_int(struct strbuf *sb, const char *key, long long val, bool is_null, bool *first)
{
    agent_json_key(sb, key, first);
    if (is_null)
        strbuf_puts(sb, "null");
    else
        strbuf_printf(sb, "%lld", val);
}

void agent_json_kv_u64(struct strbuf *sb, const char *key, unsigned long long val, bool *first)
{
    agent_json_key(sb, key, first);
    strbuf_printf(sb, "%llu", val);
}

void agent_json_kv_bool(struct strbuf *sb, const char *key, bool val, bool *first)
{
    agent_json_key(sb, key, first);
    strbuf_puts(sb, val ? "true" : "false");
}

void agent_json_error(struct strbuf *sb, const char *msg)
{
    bool first = true;
    strbuf_putc(sb, '{');
    agent_json_kv_str(sb, "error", msg, &first);
    strbuf_putc(sb, '}');
}

void agent_json_time(char *buf, size_t len, long long epoch_s, int ms)
{
    time_t t = (time_t)epoch_s;
    struct tm tm;
    if (!gmtime_r(&t, &tm)) {
        snprintf(buf, len, "1970-01-01T00:00:00.000Z");
        return;
    }
    snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms < 0 || ms > 999 ? 0 : ms);
}
