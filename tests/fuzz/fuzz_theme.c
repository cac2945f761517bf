/*
 * fuzz_theme: theme files (tui/theme_parse.c) as a user or a shared theme
 * directory could hold them, parsed over the built-in defaults, then filled
 * and reduced to 8 colours. Invariant: every colour stays in -1..255 and
 * unknown attribute bits never appear. Build and run: tests/fuzz/run.sh.
 */
#include "config.h"

#include "../../tui/theme_parse.h"
#include "fuzz.h"

static void theme_warn(void *ud, const char *msg)
{
    size_t *n = ud;
    if (!msg)
        FUZZ_FAIL("NULL warning");
    (void)strlen(msg);
    (*n)++;
}

static void theme_check(const struct theme_spec *spec)
{
    const unsigned all = THEME_ATTR_BOLD | THEME_ATTR_UNDERLINE | THEME_ATTR_REVERSE |
                         THEME_ATTR_DIM | THEME_ATTR_BLINK;
    for (int i = 0; i < TE__COUNT; i++) {
        const struct theme_style *st = &spec->el[i];
        if (st->fg < -1 || st->fg > 255 || st->bg < -1 || st->bg > 255)
            FUZZ_FAIL("colour out of range");
        if (st->attrs & ~all)
            FUZZ_FAIL("unknown attribute bits");
    }
}

FUZZ_TARGET(fuzz_theme)
{
    char *text = fuzz_cstr(data, size);
    struct theme_spec spec;
    memset(&spec, 0, sizeof spec);
    size_t warnings = 0;
    (void)theme_parse_text(&spec, theme_default_text, "default", theme_warn, &warnings);
    warnings = 0;
    int rc = theme_parse_text(&spec, text, "fuzz.theme", theme_warn, &warnings);
    if (rc < 0 || (size_t)rc != warnings)
        FUZZ_FAIL("warning count differs from the warnings reported");
    theme_check(&spec);
    theme_spec_fill_defaults(&spec);
    theme_check(&spec);
    theme_spec_reduce(&spec, 8);
    theme_check(&spec);
    short c = 0;
    (void)theme_color_parse(text, &c);
    (void)theme_element_find(text);
    free(text);
    return 0;
}
