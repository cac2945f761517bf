/*
 * screen: the interactive TUI's screen manager — one poll()-driven,
 * single-threaded loop over the keyboard (or a key script when headless), the
 * refresh worker's result pipe and a 1 s tick. It owns the model (swapping in
 * each new snapshot and keeping the last good one when a refresh fails), the
 * pane stacks of the five top-level views, the prompt line, the header and
 * the status line, and acts on the R_* flags panes return.
 *
 * Headless (TUI_HEADLESS=1 or --script FILE): newterm() on /dev/null at 80x24,
 * keys from the script, `:dump-screen PATH` writes the screen as text; the
 * environment variable ARMORTOP_NOW (unix seconds) pins "now" for ages.
 */
#ifndef ARMORTOP_TUI_SCREEN_H
#define ARMORTOP_TUI_SCREEN_H

#include "cli.h"

/* Run the TUI until the user quits. Returns the exit status: 0, 1 (usage,
 * e.g. a bad script or theme), 2 (cannot load the kubeconfig or start). */
int screen_run(const struct cli_opts *opts);

#endif
