/*
 * profile_text: see profile_text.h.
 */
#include "config.h"
#include "profile_text.h"

#include <ctype.h>
#include <stdbool.h>
#include <string.h>

/* Copy one token (quoted or bare, up to a blank or '{') starting at *s. */
static bool token(const char **s, char *buf, size_t len)
{
    const char *p = *s;
    while (*p == ' ' || *p == '\t')
        p++;
    size_t o = 0;
    if (*p == '"') {
        p++;
        while (*p && *p != '"' && *p != '\n') {
            if (o + 1 >= len)
                return false;
            buf[o++] = *p++;
        }
        if (*p == '"')
            p++;
    } else {
        while (*p && !isspace((unsigned char)*p) && *p != '{') {
            if (o + 1 >= len)
                return false;
            buf[o++] = *p++;
        }
    }
    buf[o] = '\0';
    *s = p;
    return o > 0;
}

int profile_text_name(const char *text, char *buf, size_t len)
{
    const char *line = text;
    int depth = 0;
    while (line && *line) {
        size_t ll = strcspn(line, "\n");
        const char *p = line;
        while (*p == ' ' || *p == '\t')
            p++;
        bool has_brace = memchr(line, '{', ll) != NULL;
        bool skip = *p == '#' || *p == '@' || *p == '\n' || *p == '\0' ||
                    strncmp(p, "include", 7) == 0 || strncmp(p, "abi", 3) == 0 ||
                    strncmp(p, "alias", 5) == 0;
        if (!skip && depth == 0 && has_brace) {
            char tok[1024];
            const char *q = p;
            if (!token(&q, tok, sizeof tok))
                return -1;
            if (strcmp(tok, "profile") == 0 && !token(&q, tok, sizeof tok))
                return -1;
            if (strcmp(tok, "hat") == 0 || tok[0] == '^')
                return -1;
            if (strlen(tok) + 1 > len)
                return -1;
            memcpy(buf, tok, strlen(tok) + 1);
            return 0;
        }
        if (*p != '#') {
            for (size_t i = 0; i < ll; i++) {
                if (line[i] == '#')
                    break;
                depth += line[i] == '{';
                depth -= line[i] == '}';
            }
        }
        line = line[ll] ? line + ll + 1 : NULL;
    }
    return -1;
}

long profile_base64(const void *data, size_t n, char *buf, size_t len)
{
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const unsigned char *d = data;
    size_t need = (n + 2) / 3 * 4 + 1;
    if (need > len)
        return -1;
    size_t o = 0;
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned)d[i] << 16;
        if (i + 1 < n)
            v |= (unsigned)d[i + 1] << 8;
        if (i + 2 < n)
            v |= d[i + 2];
        buf[o++] = tab[(v >> 18) & 63];
        buf[o++] = tab[(v >> 12) & 63];
        buf[o++] = i + 1 < n ? tab[(v >> 6) & 63] : '=';
        buf[o++] = i + 2 < n ? tab[v & 63] : '=';
    }
    buf[o] = '\0';
    return (long)o;
}
