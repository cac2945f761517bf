/*
 * actions: the one read-only gate. Every user action that could change
 * something — the cluster (load, replace, unload, mode), the local machine
 * (write a file, run a program, switch theme), or the program's life (quit) —
 * is checked here, in core, not in each pane: a front end asks
 * actions_check() before it acts and shows the refusal instead. With
 * --readonly every cluster mutation is refused; with --kiosk every action is
 * refused except the configured exit key, so nothing a passer-by types changes
 * anything or leaves the program.
 *
 * Depends only on libc and kerr. Pure: no I/O, no allocation, thread-safe.
 */
#ifndef ARMORTOP_CORE_ACTIONS_H
#define ARMORTOP_CORE_ACTIONS_H

#include <stdbool.h>

#include "kerr.h"

/* What an action may touch, from harmless to mutating. */
#define ACTION_CLASS_LIST(_)                                                                       \
    _(ACTION_CLASS_VIEW, "view", "looks at data: navigate, filter, sort, help, switch view")       \
    _(ACTION_CLASS_LOCAL, "local", "changes local state: theme, write a file, run a program")      \
    _(ACTION_CLASS_LEAVE, "leave", "leaves the program")                                           \
    _(ACTION_CLASS_MUTATE, "mutate", "changes the cluster: load, replace, unload, switch mode")    \
    _(ACTION_CLASS_EXIT_KEY, "exit-key", "the configured exit key (allowed even in kiosk mode)")

#define ACTION_CLASS_ENUM_(id, name, help) id,
enum action_class { ACTION_CLASS_LIST(ACTION_CLASS_ENUM_) ACTION_CLASS__COUNT };
#undef ACTION_CLASS_ENUM_

/* The session's policy: filled once from the command line. */
struct actions_ctx {
    bool is_readonly; /* --readonly (kiosk implies it) */
    bool is_kiosk;    /* --kiosk */
};

/* An action as the gate sees it: a name for messages and its class. */
struct action_desc {
    const char *name; /* e.g. "profile-load"; borrowed, may be NULL */
    enum action_class cls;
};

/* Static name of a class ("view", ...), "unknown" when out of range. */
const char *action_class_name(enum action_class cls);

/* May act be performed under ctx? Returns 0 when allowed, else -KERR_FORBIDDEN
 * with err->msg saying why ("read-only: profile-load disabled", "kiosk: ...").
 * ctx NULL means no restriction; act NULL or an unknown class is refused
 * (-KERR_INVAL). err may be NULL. Never blocks. */
int actions_check(const struct actions_ctx *ctx, const struct action_desc *act, struct kerr *err);

/* Convenience: actions_check(...) == 0. */
bool actions_allowed(const struct actions_ctx *ctx, const struct action_desc *act);

#endif
