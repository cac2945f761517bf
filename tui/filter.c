/*
 * filter: substring / regex / inverted row filter (see filter.h). Pure.
 */
#include "config.h"
#include "filter.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

void filter_init(struct filter *f)
{
    memset(f, 0, sizeof *f);
}

void filter_done(struct filter *f)
{
    if (f->has_re)
        regfree(&f->re);
    free(f->text);
    free(f->needle);
    memset(f, 0, sizeof *f);
}

char *filter_lower_dup(const char *s)
{
    char *d = xstrdup(s);
    for (char *p = d; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    return d;
}

int filter_set(struct filter *f, const char *text)
{
    filter_done(f);
    if (!text || !*text)
        return 0;
    f->text = xstrdup(text);
    const char *p = text;
    if (*p == '!') {
        f->is_invert = true;
        p++;
    }
    if (strncmp(p, "re:", 3) == 0) {
        f->is_regex = true;
        p += 3;
    }
    if (!*p) {
        return 0; /* "!" or "re:" alone: still typing */
    }
    if (f->is_regex) {
        int rc = regcomp(&f->re, p, REG_EXTENDED | REG_ICASE | REG_NOSUB);
        if (rc != 0) {
            char msg[128];
            regerror(rc, &f->re, msg, sizeof msg);
            strcpy(f->err, "regex: ");
            strncat(f->err, msg, sizeof f->err - strlen(f->err) - 1);
            return -1;
        }
        f->has_re = true;
    } else {
        f->needle = filter_lower_dup(p);
    }
    f->is_active = true;
    return 0;
}

bool filter_match(const struct filter *f, const char *hay)
{
    if (!f->is_active)
        return true;
    bool m;
    if (f->is_regex)
        m = regexec(&f->re, hay ? hay : "", 0, NULL, 0) == 0;
    else
        m = strstr(hay ? hay : "", f->needle) != NULL;
    return f->is_invert ? !m : m;
}

bool filter_narrows(const struct filter *old, const char *new_text)
{
    if (!old->is_active || old->is_regex || old->is_invert || !new_text)
        return false;
    if (new_text[0] == '!' || strncmp(new_text, "re:", 3) == 0)
        return false;
    size_t n = strlen(old->text);
    return strncmp(new_text, old->text, n) == 0;
}
