/*
 * actions: every user action of the TUI in one X-macro table (tig's REQ_*):
 * id, name (used by `bind` and the help screen), class (what the read-only
 * gate in core/actions.h checks) and help text. The keymap maps keys to these
 * ids; the help screen is generated from this table and the keymap. Adding an
 * action means one line here, one binding in keymap.c and a handler.
 * No curses.
 */
#ifndef ARMORTOP_TUI_ACTIONS_H
#define ARMORTOP_TUI_ACTIONS_H

#include "core/actions.h" /* the gate and action classes */

#define ACTION_LIST(_)                                                                             \
    _(ACT_NONE, "none", ACTION_CLASS_VIEW, "do nothing")                                           \
    _(ACT_QUIT, "quit", ACTION_CLASS_LEAVE, "quit armortop")                                       \
    _(ACT_KIOSK_EXIT, "kiosk-exit", ACTION_CLASS_EXIT_KEY, "quit (the configured exit key)")       \
    _(ACT_HELP, "help", ACTION_CLASS_VIEW, "show this help")                                       \
    _(ACT_VIEW_PODS, "view-pods", ACTION_CLASS_VIEW, "pods and containers")                        \
    _(ACT_VIEW_NODES, "view-nodes", ACTION_CLASS_VIEW, "nodes")                                    \
    _(ACT_VIEW_PROFILES, "view-profiles", ACTION_CLASS_VIEW, "AppArmor profiles per node")         \
    _(ACT_VIEW_DENIALS, "view-denials", ACTION_CLASS_VIEW, "AppArmor denials")                     \
    _(ACT_VIEW_FINDINGS, "view-findings", ACTION_CLASS_VIEW, "findings, worst first")              \
    _(ACT_VIEW_NEXT, "view-next", ACTION_CLASS_VIEW, "next view")                                  \
    _(ACT_VIEW_PREV, "view-prev", ACTION_CLASS_VIEW, "previous view")                              \
    _(ACT_MOVE_UP, "move-up", ACTION_CLASS_VIEW, "select the previous row")                        \
    _(ACT_MOVE_DOWN, "move-down", ACTION_CLASS_VIEW, "select the next row")                        \
    _(ACT_PAGE_UP, "page-up", ACTION_CLASS_VIEW, "one screen up")                                  \
    _(ACT_PAGE_DOWN, "page-down", ACTION_CLASS_VIEW, "one screen down")                            \
    _(ACT_FIRST, "first", ACTION_CLASS_VIEW, "first row")                                          \
    _(ACT_LAST, "last", ACTION_CLASS_VIEW, "last row")                                             \
    _(ACT_ENTER, "enter", ACTION_CLASS_VIEW, "drill down: pod, node's pods, profile, denial")     \
    _(ACT_BACK, "back", ACTION_CLASS_VIEW, "back up / clear the filter")                           \
    _(ACT_FILTER, "filter", ACTION_CLASS_VIEW, "filter rows (text, re:REGEX, !inverts)")           \
    _(ACT_COMMAND, "command", ACTION_CLASS_VIEW, "command line (:pods :ns NAME :theme NAME :q)")   \
    _(ACT_SORT_NEXT, "sort-next", ACTION_CLASS_VIEW, "sort by the next column")                    \
    _(ACT_SORT_REVERSE, "sort-reverse", ACTION_CLASS_VIEW, "reverse the sort order")               \
    _(ACT_REFRESH, "refresh", ACTION_CLASS_VIEW, "refresh now")                                    \
    _(ACT_DENIALS_OF, "denials-of", ACTION_CLASS_VIEW, "denials of the selected pod or profile")  \
    _(ACT_PROFILE_OF, "profile-of", ACTION_CLASS_VIEW, "the selected container's profile")         \
    _(ACT_PROFILE_LOAD, "profile-load", ACTION_CLASS_MUTATE,                                       \
      "load the profile on this node (the pod's; else where it is missing) from a file")           \
    _(ACT_PROFILE_LOAD_ALL, "profile-load-all", ACTION_CLASS_MUTATE,                               \
      "load/replace a profile from a file on every node (:load PATH [NODE|all])")                  \
    _(ACT_PROFILE_EDIT, "profile-edit", ACTION_CLASS_MUTATE,                                       \
      "edit the profile's source in $EDITOR, then replace it where it is loaded")                  \
    _(ACT_PROFILE_UNLOAD, "profile-unload", ACTION_CLASS_MUTATE,                                   \
      "unload the profile (lists the pods that become unconfined; asks first)")                    \
    _(ACT_PROFILE_UNLOAD_FORCE, "profile-unload-force", ACTION_CLASS_MUTATE,                       \
      "unload although containers use it (after a 409: they become unconfined)")                   \
    _(ACT_PROFILE_MODE, "profile-mode", ACTION_CLASS_MUTATE, "switch enforce/complain")            \
    _(ACT_PAUSE, "pause", ACTION_CLASS_VIEW, "pause/resume the denial stream")                     \
    _(ACT_TOGGLE_RAW, "toggle-raw", ACTION_CLASS_VIEW, "denials: grouped or raw records")          \
    _(ACT_COPY, "copy", ACTION_CLASS_LOCAL, "copy the suggested rule (OSC 52 clipboard)")         \
    _(ACT_THEME, "theme", ACTION_CLASS_LOCAL, "switch theme (:theme NAME)")                        \
    _(ACT_DUMP_SCREEN, "dump-screen", ACTION_CLASS_LOCAL, "write the screen to a file")            \
    _(ACT_REDRAW, "redraw", ACTION_CLASS_VIEW, "redraw the screen")

#define ACTION_ENUM_(id, name, cls, help) id,
enum action_id { ACTION_LIST(ACTION_ENUM_) ACT__COUNT };
#undef ACTION_ENUM_

/* Static name, help and gate descriptor of an action (NULL / ACT_NONE's when
 * out of range). */
const char *action_name(enum action_id id);
const char *action_help(enum action_id id);
const struct action_desc *action_desc(enum action_id id);
/* Action by name; ACT_NONE when unknown. */
enum action_id action_find(const char *name);

#endif
