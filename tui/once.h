/*
 * once: `armortop --once VIEW [-o table|json]`, the headless one-shot. Reads
 * the cluster through core, prints the view to stdout, errors as one line on
 * stderr naming the server and the HTTP status. Never includes curl/cJSON.
 */
#ifndef ARMORTOP_TUI_ONCE_H
#define ARMORTOP_TUI_ONCE_H

#include "cli.h"

/* Returns the process exit status: 0 ok, 1 usage, 2 cannot reach or authenticate. */
int once_run(const struct cli_opts *opts);

#endif
