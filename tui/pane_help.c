/*
 * pane_help: the `?` screen, generated from the ACTION_LIST table and the
 * keymap (so it can never disagree with them), followed by the `:` commands
 * and the theme elements.
 *
 * Pane card
 *   model:    none (the action table, the keymap)
 *   actions:  list actions (it scrolls and filters like any list)
 *   parent:   any pane (pushed on top, Esc returns)
 *   private:  none
 *   key:      action name
 */
#include "config.h"

#include <stdio.h>

#include "keymap.h"
#include "pane.h"
#include "theme_parse.h"

enum { C_KEYS, C_NAME, C_HELP, C__COUNT };

static const struct tcol cols[C__COUNT] = {
    [C_KEYS] = { "KEYS", 4, 24, false, false, false },
    [C_NAME] = { "ACTION", 6, 20, false, false, false },
    [C_HELP] = { "WHAT IT DOES", 12, 0, false, false, true },
};

static const char *const commands[][2] = {
    { ":pods :nodes :profiles", "switch view (also :denials :findings)" },
    { ":ns NAME", "show namespace NAME only" },
    { ":ns all", "show all namespaces" },
    { ":sort [-]COLUMN", "sort by a column (its title or the start of it; - descends)" },
    { ":theme NAME|FILE", "switch theme (default ansi16 light high-contrast mono)" },
    { ":dump-screen PATH", "write the screen as text to PATH" },
    { ":refresh", "refresh now" },
    { ":q", "quit" },
};

static void help_init(struct pane *p, const struct pane_req *arg)
{
    (void)arg;
    table_init(&p->table, cols, C__COUNT);
}

static void help_recalc(struct pane *p, const struct tmodel *m)
{
    (void)m;
    struct table *t = &p->table;
    char keys[128];
    snprintf(p->title, sizeof p->title, "Help (Esc returns; / filters this list too)");
    for (int a = ACT_NONE + 1; a < ACT__COUNT; a++) {
        if (a == ACT_KIOSK_EXIT)
            continue;
        keymap_keys_for((enum action_id)a, NULL, keys, sizeof keys);
        size_t row = table_add_row(t, NULL, action_name((enum action_id)a));
        table_set_copy(t, row, C_KEYS, keys[0] ? keys : "—", keys[0] ? TE_KEY : TE_DIM);
        table_set(t, row, C_NAME, action_name((enum action_id)a), TE_NORMAL);
        table_set(t, row, C_HELP, action_help((enum action_id)a),
                  action_desc((enum action_id)a)->cls == ACTION_CLASS_MUTATE ? TE_STATUS_COMPLAIN
                                                                            : TE_NORMAL);
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        size_t row = table_add_row(t, NULL, commands[i][0]);
        table_set(t, row, C_KEYS, commands[i][0], TE_KEY);
        table_set(t, row, C_NAME, "command", TE_DIM);
        table_set(t, row, C_HELP, commands[i][1], TE_NORMAL);
    }
    size_t row = table_add_row(t, NULL, "mouse");
    table_set(t, row, C_KEYS, "mouse", TE_KEY);
    table_set(t, row, C_NAME, "click, wheel", TE_DIM);
    table_set(t, row, C_HELP, "select a row (click it again to open it), scroll", TE_NORMAL);
}

const struct pane_ops pane_help_ops = {
    .name = "help",
    .init = help_init,
    .recalc = help_recalc,
};
