/*
 * script: parsing key scripts (see script.h). Pure apart from reading the
 * file; key names are keymap's.
 */
#include "config.h"
#include "script.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "keymap.h"
#include "text.h"
#include "xalloc.h"

static struct script_step *add(struct script *s, enum script_kind kind, int line)
{
    if (s->count == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 64;
        s->steps = xreallocarray(s->steps, s->cap, sizeof *s->steps);
    }
    struct script_step *st = &s->steps[s->count++];
    memset(st, 0, sizeof *st);
    st->kind = kind;
    st->line = line;
    return st;
}

static void add_key(struct script *s, int key, int line)
{
    add(s, SCRIPT_KEY, line)->key = key;
}

static void type_text(struct script *s, const char *p, size_t len, int line)
{
    size_t i = 0;
    while (i < len) {
        unsigned cp;
        i += text_utf8_next(p + i, &cp);
        add_key(s, (int)cp, line);
    }
}

static int parse_line(struct script *s, const char *l, int line, char *err, size_t err_len)
{
    size_t len = strlen(l);
    while (len && (l[len - 1] == '\r' || l[len - 1] == ' '))
        len--;
    while (len && (*l == ' ' || *l == '\t')) {
        l++;
        len--;
    }
    if (len == 0 || l[0] == '#')
        return 0;
    bool is_prompt = l[0] == '/' || l[0] == ':';
    if (is_prompt && l[len - 1] != '>') {
        add_key(s, l[0], line);
        type_text(s, l + 1, len - 1, line);
        add_key(s, '\n', line);
        return 0;
    }
    /* a prompt line ending in a <Key> token: text and keys, no Enter added */
    size_t i = 0;
    if (is_prompt) {
        add_key(s, l[0], line);
        i = 1;
    }
    while (i < len) {
        if (l[i] == ' ' && !is_prompt) {
            i++;
            continue;
        }
        if (l[i] == '<') {
            const char *end = memchr(l + i, '>', len - i);
            if (!end) {
                snprintf(err, err_len, "line %d: unterminated <", line);
                return -1;
            }
            size_t tl = (size_t)(end - (l + i)) + 1;
            char tok[512];
            if (tl >= sizeof tok) {
                snprintf(err, err_len, "line %d: key name too long", line);
                return -1;
            }
            memcpy(tok, l + i, tl);
            tok[tl] = '\0';
            int rows, cols;
            if (sscanf(tok, "<Resize %dx%d>", &cols, &rows) == 2) {
                if (rows < 1 || cols < 1 || rows > 1000 || cols > 1000) {
                    snprintf(err, err_len, "line %d: bad size %s", line, tok);
                    return -1;
                }
                struct script_step *st = add(s, SCRIPT_RESIZE, line);
                st->rows = rows;
                st->cols = cols;
            } else if (strncasecmp(tok, "<Dump ", 6) == 0 && tl > 7) {
                struct script_step *st = add(s, SCRIPT_DUMP, line);
                st->path = xstrndup(tok + 6, tl - 7);
            } else if (strncasecmp(tok, "<Wait-file ", 11) == 0 && tl > 12) {
                struct script_step *st = add(s, SCRIPT_WAIT_FILE, line);
                st->path = xstrndup(tok + 11, tl - 12);
            } else if (strcasecmp(tok, "<Wait-refresh>") == 0) {
                add(s, SCRIPT_WAIT_REFRESH, line);
            } else if (strcasecmp(tok, "<Wait-jobs>") == 0) {
                add(s, SCRIPT_WAIT_JOBS, line);
            } else {
                int key = keymap_parse_key(tok);
                if (key < 0) {
                    snprintf(err, err_len, "line %d: unknown key %s", line, tok);
                    return -1;
                }
                add_key(s, key, line);
            }
            i += tl;
            continue;
        }
        if (l[i] == '^' && i + 1 < len && !is_prompt) {
            add_key(s, TKEY_CTRL(l[i + 1]), line);
            i += 2;
            continue;
        }
        unsigned cp;
        i += text_utf8_next(l + i, &cp);
        add_key(s, (int)cp, line);
    }
    return 0;
}

int script_parse(struct script *s, const char *text, char *err, size_t err_len)
{
    int line = 0;
    const char *p = text;
    char buf[1024];
    while (p && *p) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        line++;
        if (len >= sizeof buf) {
            snprintf(err, err_len, "line %d: too long", line);
            return -1;
        }
        memcpy(buf, p, len);
        buf[len] = '\0';
        if (parse_line(s, buf, line, err, err_len) != 0)
            return -1;
        p = nl ? nl + 1 : NULL;
    }
    return 0;
}

int script_load(struct script *s, const char *path, char *err, size_t err_len)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
    if (!f) {
        snprintf(err, err_len, "%s: %s", path, strerror(errno));
        return -1;
    }
    size_t cap = 4096, len = 0, got;
    char *text = xmalloc(cap);
    while ((got = fread(text + len, 1, cap - len - 1, f)) > 0) {
        len += got;
        if (len + 1 == cap)
            text = xrealloc(text, cap *= 2);
    }
    text[len] = '\0';
    if (f != stdin)
        fclose(f);
    int rc = script_parse(s, text, err, err_len);
    free(text);
    return rc;
}

void script_done(struct script *s)
{
    for (size_t i = 0; i < s->count; i++)
        free(s->steps[i].path);
    free(s->steps);
    memset(s, 0, sizeof *s);
}
