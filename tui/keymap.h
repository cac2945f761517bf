/*
 * keymap: key → action id, generic bindings plus per-pane ones (a pane's
 * binding wins), key names for scripts and help ("<Down>", "^Q", "q"), and
 * the action table's names and help (ACTION_LIST in actions.h).
 *
 * Keys are ints: a Unicode code point, or TKEY_FUNC | curses KEY_* for
 * function keys. Pure apart from using curses' KEY_* constants.
 */
#ifndef ARMORTOP_TUI_KEYMAP_H
#define ARMORTOP_TUI_KEYMAP_H

#include <stdbool.h>
#include <stddef.h>

#include "actions.h"

#define TKEY_FUNC (1 << 24)
#define TKEY_ESC 27
#define TKEY_CTRL(c) ((c) & 0x1f)

/* Action bound to key in the pane named pane (NULL = generic only). */
enum action_id keymap_lookup(const char *pane, int key);

/* Bind key (by name) to action (by name), for pane (NULL = generic).
 * Returns 0, or -1 for an unknown key or action, or a full table. */
int keymap_bind(const char *pane, const char *key_name, const char *action_name);

/* Parse a key name: "q", "^Q", "<Down>", "<Up>", "<Enter>", "<Esc>", "<Tab>",
 * "<BTab>", "<PgUp>", "<PgDn>", "<Home>", "<End>", "<Backspace>", "<Space>",
 * "<F1>".."<F12>", "<Left>", "<Right>", "<Resize>" ; a single UTF-8 character.
 * Returns the key, or -1. */
int keymap_parse_key(const char *name);
/* Name of key into buf ("<Down>", "^Q", "j"); returns buf. */
const char *keymap_key_name(int key, char *buf, size_t len);

/* The keys bound to act (generic, then pane-specific, deduplicated) as
 * "j <Down>" into buf; "" when none. pane may be NULL. Returns buf. */
const char *keymap_keys_for(enum action_id act, const char *pane, char *buf, size_t len);

/* Reset to the built-in bindings. */
void keymap_reset(void);

#endif
