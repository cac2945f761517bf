/*
 * main: armortop's entry point. Parses the command line (cli.c); with
 * --once VIEW it runs headless (once.c) and exits 0/1/2; otherwise it runs
 * the interactive TUI (screen.c). Must not include curl, cJSON or libapparmor:
 * everything cluster-facing goes through core.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "once.h"
#include "screen.h"

int main(int argc, char **argv)
{
    struct cli_opts opts;
    char err[256];

    if (cli_parse(argc, argv, &opts, err, sizeof err) != 0) {
        fprintf(stderr, "armortop: %s\nTry 'armortop --help'.\n", err);
        return 1;
    }
    if (opts.want_help) {
        fputs(cli_usage(), stdout);
        return 0;
    }
    if (opts.want_version) {
        printf("armortop %s\n", ARMORTOP_VERSION);
        return 0;
    }
    if (opts.once_view)
        return once_run(&opts);

    return screen_run(&opts);
}
