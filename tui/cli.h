/*
 * cli: armortop's command line, parsed into a plain struct. Pure (no I/O
 * besides the caller-supplied error buffer), so tests/unit/test_cli.c covers it.
 * The flags are the stable contract of DESIGN.md "armortop command line".
 */
#ifndef ARMORTOP_TUI_CLI_H
#define ARMORTOP_TUI_CLI_H

#include <stdbool.h>
#include <stddef.h>

enum cli_output { CLI_OUTPUT_TABLE, CLI_OUTPUT_JSON };

struct cli_opts {
    const char *kubeconfig;  /* --kubeconfig FILE, borrowed from argv, may be NULL */
    const char *context;     /* --context NAME, may be NULL */
    const char *ns;          /* -n NS, may be NULL */
    bool is_all_namespaces;  /* -A */
    bool is_readonly;        /* --readonly (implied by --kiosk) */
    bool is_kiosk;           /* --kiosk */
    bool is_no_agents;       /* --no-agents: do not poll armortop-agent */
    const char *theme;       /* --theme NAME|FILE, may be NULL */
    double refresh_s;        /* --refresh SECONDS, default 2 */
    const char *once_view;   /* --once VIEW, may be NULL */
    enum cli_output output;  /* -o table|json (only with --once) */
    bool has_output;         /* -o was given */
    double kiosk_rotate_s;   /* --kiosk-rotate SECONDS: cycle the views, 0 = stay */
    const char *script;      /* --script FILE: headless run with keys from FILE */
    const char *exit_key;    /* --exit-key KEY: the key that quits (kiosk default ^Q) */
    bool want_version;
    bool want_help;
};

/* Parse argv. Returns 0 on success, -1 on a usage error with a one-line reason
 * in err (no trailing newline). argv strings are borrowed by opts. */
int cli_parse(int argc, char **argv, struct cli_opts *opts, char *err, size_t err_len);

/* The --help text (static). */
const char *cli_usage(void);

#endif
