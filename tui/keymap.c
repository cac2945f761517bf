/*
 * keymap: bindings table, key names, and the ACTION_LIST lookups (see
 * keymap.h and actions.h). Pure except for the KEY_* constants of curses.
 */
#include "config.h"
#include "keymap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "curses.h"
#include "text.h"

#define ACTION_NAME_(id, name, cls, help) name,
#define ACTION_HELP_(id, name, cls, help) help,
#define ACTION_DESC_(id, name, cls, help) { name, cls },
static const char *const action_names[] = { ACTION_LIST(ACTION_NAME_) };
static const char *const action_helps[] = { ACTION_LIST(ACTION_HELP_) };
static const struct action_desc action_descs[] = { ACTION_LIST(ACTION_DESC_) };
#undef ACTION_NAME_
#undef ACTION_HELP_
#undef ACTION_DESC_

const char *action_name(enum action_id id)
{
    return (int)id >= 0 && id < ACT__COUNT ? action_names[id] : NULL;
}

const char *action_help(enum action_id id)
{
    return (int)id >= 0 && id < ACT__COUNT ? action_helps[id] : NULL;
}

const struct action_desc *action_desc(enum action_id id)
{
    return (int)id >= 0 && id < ACT__COUNT ? &action_descs[id] : &action_descs[ACT_NONE];
}

enum action_id action_find(const char *name)
{
    for (int i = 0; name && i < ACT__COUNT; i++)
        if (strcmp(action_names[i], name) == 0)
            return (enum action_id)i;
    return ACT_NONE;
}

struct binding {
    const char *pane; /* NULL = generic */
    int key;
    enum action_id act;
};

#define F(k) (TKEY_FUNC | (k))

static const struct binding builtin[] = {
    { NULL, 'q', ACT_QUIT },
    { NULL, '?', ACT_HELP },
    { NULL, F(KEY_F(1)), ACT_HELP },
    { NULL, '1', ACT_VIEW_PODS },
    { NULL, '2', ACT_VIEW_NODES },
    { NULL, '3', ACT_VIEW_PROFILES },
    { NULL, '4', ACT_VIEW_DENIALS },
    { NULL, '5', ACT_VIEW_FINDINGS },
    { NULL, '\t', ACT_VIEW_NEXT },
    { NULL, F(KEY_BTAB), ACT_VIEW_PREV },
    { NULL, 'k', ACT_MOVE_UP },
    { NULL, F(KEY_UP), ACT_MOVE_UP },
    { NULL, 'j', ACT_MOVE_DOWN },
    { NULL, F(KEY_DOWN), ACT_MOVE_DOWN },
    { NULL, F(KEY_PPAGE), ACT_PAGE_UP },
    { NULL, TKEY_CTRL('b'), ACT_PAGE_UP },
    { NULL, F(KEY_NPAGE), ACT_PAGE_DOWN },
    { NULL, TKEY_CTRL('f'), ACT_PAGE_DOWN },
    { NULL, ' ', ACT_PAGE_DOWN },
    { NULL, F(KEY_HOME), ACT_FIRST },
    { NULL, 'g', ACT_FIRST },
    { NULL, F(KEY_END), ACT_LAST },
    { NULL, 'G', ACT_LAST },
    { NULL, '\n', ACT_ENTER },
    { NULL, '\r', ACT_ENTER },
    { NULL, F(KEY_ENTER), ACT_ENTER },
    { NULL, F(KEY_RIGHT), ACT_ENTER },
    { NULL, TKEY_ESC, ACT_BACK },
    { NULL, F(KEY_LEFT), ACT_BACK },
    { NULL, F(KEY_BACKSPACE), ACT_BACK },
    { NULL, '/', ACT_FILTER },
    { NULL, ':', ACT_COMMAND },
    { NULL, 's', ACT_SORT_NEXT },
    { NULL, 'S', ACT_SORT_REVERSE },
    { NULL, 'r', ACT_REFRESH },
    { NULL, TKEY_CTRL('l'), ACT_REDRAW },
    { "pods", 'd', ACT_DENIALS_OF },
    { "pods", 'p', ACT_PROFILE_OF },
    { "pods", 'l', ACT_PROFILE_LOAD },
    { "pods", 'L', ACT_PROFILE_LOAD_ALL },
    { "detail", 'l', ACT_PROFILE_LOAD },
    { "detail", 'L', ACT_PROFILE_LOAD_ALL },
    { "profiles", 'l', ACT_PROFILE_LOAD },
    { "profiles", 'L', ACT_PROFILE_LOAD_ALL },
    { "profiles", 'u', ACT_PROFILE_UNLOAD },
    { "profiles", 'm', ACT_PROFILE_MODE },
    { "profiles", 'e', ACT_PROFILE_EDIT },
    { "profiles", 'd', ACT_DENIALS_OF },
    { "profile", 'l', ACT_PROFILE_LOAD },
    { "profile", 'L', ACT_PROFILE_LOAD_ALL },
    { "profile", 'u', ACT_PROFILE_UNLOAD },
    { "profile", 'm', ACT_PROFILE_MODE },
    { "profile", 'e', ACT_PROFILE_EDIT },
    { "profile", 'd', ACT_DENIALS_OF },
    { "denials", 'p', ACT_PAUSE },
    { "denials", 'r', ACT_TOGGLE_RAW },
    { "denials", 'P', ACT_PROFILE_OF },
    { "denial", 'y', ACT_COPY },
    { "denial", 'p', ACT_PAUSE },
    { "denial", 'P', ACT_PROFILE_OF },
    { "nodes", 'L', ACT_PROFILE_LOAD_ALL },
    { "results", 'F', ACT_PROFILE_UNLOAD_FORCE },
};

#define MAX_BINDINGS 256
static struct binding table[MAX_BINDINGS];
static size_t table_count;
static bool is_loaded;

void keymap_reset(void)
{
    table_count = sizeof builtin / sizeof builtin[0];
    memcpy(table, builtin, sizeof builtin);
    is_loaded = true;
}

static void ensure_loaded(void)
{
    if (!is_loaded)
        keymap_reset();
}

enum action_id keymap_lookup(const char *pane, int key)
{
    ensure_loaded();
    enum action_id generic = ACT_NONE;
    bool has_generic = false;
    /* later bindings override earlier ones ("none" unbinds) */
    for (size_t i = table_count; i-- > 0;) {
        if (table[i].key != key)
            continue;
        if (table[i].pane && pane && strcmp(table[i].pane, pane) == 0)
            return table[i].act;
        if (!table[i].pane && !has_generic) {
            generic = table[i].act;
            has_generic = true;
        }
    }
    return generic;
}

int keymap_bind(const char *pane, const char *key_name, const char *act_name)
{
    ensure_loaded();
    int key = keymap_parse_key(key_name);
    enum action_id act = action_find(act_name);
    if (key < 0 || (act == ACT_NONE && strcmp(act_name ? act_name : "", "none") != 0))
        return -1;
    if (table_count == MAX_BINDINGS)
        return -1;
    static char pane_names[MAX_BINDINGS][32];
    const char *p = NULL;
    if (pane) {
        snprintf(pane_names[table_count], sizeof pane_names[0], "%s", pane);
        p = pane_names[table_count];
    }
    table[table_count++] = (struct binding){ p, key, act };
    return 0;
}

static const struct {
    const char *name;
    int key;
} named[] = {
    { "Down", F(KEY_DOWN) },       { "Up", F(KEY_UP) },         { "Left", F(KEY_LEFT) },
    { "Right", F(KEY_RIGHT) },     { "Enter", '\n' },           { "Esc", TKEY_ESC },
    { "Tab", '\t' },               { "BTab", F(KEY_BTAB) },     { "PgUp", F(KEY_PPAGE) },
    { "PgDn", F(KEY_NPAGE) },      { "Home", F(KEY_HOME) },     { "End", F(KEY_END) },
    { "Backspace", F(KEY_BACKSPACE) }, { "Space", ' ' },        { "Resize", F(KEY_RESIZE) },
    { "Lt", '<' },                 { "Gt", '>' },
};

int keymap_parse_key(const char *name)
{
    if (!name || !*name)
        return -1;
    size_t len = strlen(name);
    if (name[0] == '<' && len > 2 && name[len - 1] == '>') {
        char inner[32];
        if (len - 2 >= sizeof inner)
            return -1;
        memcpy(inner, name + 1, len - 2);
        inner[len - 2] = '\0';
        for (size_t i = 0; i < sizeof named / sizeof named[0]; i++)
            if (strcasecmp(inner, named[i].name) == 0)
                return named[i].key;
        if ((inner[0] == 'F' || inner[0] == 'f') && inner[1]) {
            int n = atoi(inner + 1);
            if (n >= 1 && n <= 12)
                return F(KEY_F(n));
        }
        if ((inner[0] == 'C' || inner[0] == 'c') && inner[1] == '-' && inner[2] && !inner[3])
            return TKEY_CTRL(inner[2]);
        return -1;
    }
    if (name[0] == '^' && len == 2)
        return TKEY_CTRL(name[1]);
    unsigned cp;
    size_t n = text_utf8_next(name, &cp);
    if (name[n] != '\0' || cp == 0xfffd)
        return -1;
    return (int)cp;
}

const char *keymap_key_name(int key, char *buf, size_t len)
{
    for (size_t i = 0; i < sizeof named / sizeof named[0]; i++) {
        if (named[i].key == key && key != '<' && key != '>') {
            snprintf(buf, len, "<%s>", named[i].name);
            return buf;
        }
    }
    if (key == '\r') {
        snprintf(buf, len, "<Enter>");
    } else if (key & TKEY_FUNC) {
        int k = key & ~TKEY_FUNC;
        if (k >= KEY_F(1) && k <= KEY_F(12))
            snprintf(buf, len, "<F%d>", k - KEY_F0);
        else
            snprintf(buf, len, "<key %d>", k);
    } else if (key < 0x20) {
        snprintf(buf, len, "^%c", key + '@');
    } else if (key < 0x80) {
        snprintf(buf, len, "%c", key);
    } else {
        char u[8];
        text_utf8_put((unsigned)key, u);
        snprintf(buf, len, "%s", u);
    }
    return buf;
}

const char *keymap_keys_for(enum action_id act, const char *pane, char *buf, size_t len)
{
    ensure_loaded();
    size_t o = 0;
    int seen[16];
    size_t nseen = 0;
    if (len)
        buf[0] = '\0';
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < table_count; i++) {
            const struct binding *b = &table[i];
            if (b->act != act)
                continue;
            if (pass == 0 ? b->pane != NULL : (!b->pane || (pane && strcmp(b->pane, pane) != 0)))
                continue;
            /* still bound to this action where it matters? */
            if (keymap_lookup(b->pane ? b->pane : pane, b->key) != act)
                continue;
            /* <Enter> stands for its aliases (CR, the keypad's Enter) */
            int key = b->key == '\r' || b->key == (TKEY_FUNC | KEY_ENTER) ? '\n' : b->key;
            bool dup = false;
            for (size_t k = 0; k < nseen; k++)
                dup = dup || seen[k] == key;
            if (dup || nseen == 16)
                continue;
            seen[nseen++] = key;
            char name[32];
            keymap_key_name(key, name, sizeof name);
            if (o < len)
                o += (size_t)snprintf(buf + o, len - o, "%s%s", o ? " " : "", name);
        }
    }
    return buf;
}
