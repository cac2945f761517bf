/*
 * cli: parses armortop's flags (DESIGN.md) into struct cli_opts. Accepts
 * "--flag value" and "--flag=value", "-n NS" and "-nNS". Pure: it neither
 * prints nor exits; main.c does both. Must not include curses, curl, cJSON.
 */
#include "config.h"
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const views[] = { "nodes", "pods", "profiles", "denials", "findings" };

const char *cli_usage(void)
{
    return "Usage: armortop [OPTION]...\n"
           "Show how AppArmor confines a Kubernetes cluster.\n"
           "\n"
           "  --kubeconfig FILE     use FILE only (default: $KUBECONFIG list, ~/.kube/config,\n"
           "                        then the in-cluster service account)\n"
           "  --context NAME        use context NAME instead of current-context\n"
           "  -n, --namespace NS    only namespace NS (default: the context's namespace)\n"
           "  -A, --all-namespaces  all namespaces\n"
           "  --readonly            refuse every change (load, replace, unload, mode)\n"
           "  --kiosk               read-only wall-screen mode: no shell-outs, editors or dialogs\n"
           "  --no-agents           do not poll armortop-agent (API server data only)\n"
           "  --theme NAME|FILE     colour theme\n"
           "  --refresh SECONDS     poll interval (default 2)\n"
           "  --kiosk-rotate SECONDS  cycle the views every SECONDS (kiosk wall screens)\n"
           "  --exit-key KEY        the key that quits: a character, ^X or <F10>\n"
           "                        (kiosk: the only key that does anything; default ^Q)\n"
           "  --script FILE         headless run: keys from FILE, screen on /dev/null (tests)\n"
           "  --once VIEW           print VIEW once and exit; VIEW is one of\n"
           "                        nodes, pods, profiles, denials, findings\n"
           "  -o, --output FORMAT   with --once: table (default) or json\n"
           "  --version             print the version and exit\n"
           "  -h, --help            print this help and exit\n"
           "\n"
           "Exit status: 0 ok, 1 usage error, 2 cannot reach or authenticate to the cluster.\n";
}

/* Match "--name", "--name=value" or "-x"; fetch the value from argv when needed. */
static int take_value(int argc, char **argv, int *i, const char *arg, size_t name_len,
                      const char **value, char *err, size_t err_len)
{
    if (arg[name_len] == '=') {
        *value = arg + name_len + 1;
    } else if (*i + 1 < argc) {
        *value = argv[++*i];
    } else {
        snprintf(err, err_len, "option %.*s needs a value", (int)name_len, arg);
        return -1;
    }
    return 0;
}

static bool is_opt(const char *arg, const char *name)
{
    size_t n = strlen(name);
    return strncmp(arg, name, n) == 0 && (arg[n] == '\0' || arg[n] == '=');
}

int cli_parse(int argc, char **argv, struct cli_opts *opts, char *err, size_t err_len)
{
    memset(opts, 0, sizeof *opts);
    opts->refresh_s = 2.0;
    opts->output = CLI_OUTPUT_TABLE;
    err[0] = '\0';

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = NULL;
#define VALUE(name)                                                                  \
    if (take_value(argc, argv, &i, a, strlen(name), &v, err, err_len) != 0)          \
        return -1
        if (is_opt(a, "--kubeconfig")) {
            VALUE("--kubeconfig");
            opts->kubeconfig = v;
        } else if (is_opt(a, "--context")) {
            VALUE("--context");
            opts->context = v;
        } else if (is_opt(a, "--namespace")) {
            VALUE("--namespace");
            opts->ns = v;
        } else if (strcmp(a, "-n") == 0) {
            VALUE("-n");
            opts->ns = v;
        } else if (strncmp(a, "-n", 2) == 0 && a[2] != '\0' && a[1] == 'n') {
            opts->ns = a + 2;
        } else if (strcmp(a, "-A") == 0 || strcmp(a, "--all-namespaces") == 0) {
            opts->is_all_namespaces = true;
        } else if (strcmp(a, "--readonly") == 0) {
            opts->is_readonly = true;
        } else if (strcmp(a, "--no-agents") == 0) {
            opts->is_no_agents = true;
        } else if (strcmp(a, "--kiosk") == 0) {
            opts->is_kiosk = true;
            opts->is_readonly = true;
        } else if (is_opt(a, "--theme")) {
            VALUE("--theme");
            opts->theme = v;
        } else if (is_opt(a, "--refresh")) {
            VALUE("--refresh");
            char *end = NULL;
            double s = strtod(v, &end);
            if (!end || *end != '\0' || end == v || !(s >= 0.1 && s <= 3600)) {
                snprintf(err, err_len, "--refresh wants seconds between 0.1 and 3600, not '%s'", v);
                return -1;
            }
            opts->refresh_s = s;
        } else if (is_opt(a, "--kiosk-rotate")) {
            VALUE("--kiosk-rotate");
            char *end = NULL;
            double s = strtod(v, &end);
            if (!end || *end != '\0' || end == v || !(s >= 1 && s <= 86400)) {
                snprintf(err, err_len, "--kiosk-rotate wants seconds between 1 and 86400, not '%s'",
                         v);
                return -1;
            }
            opts->kiosk_rotate_s = s;
        } else if (is_opt(a, "--script")) {
            VALUE("--script");
            opts->script = v;
        } else if (is_opt(a, "--exit-key")) {
            VALUE("--exit-key");
            if (!*v) {
                snprintf(err, err_len, "--exit-key needs a key");
                return -1;
            }
            opts->exit_key = v;
        } else if (is_opt(a, "--once")) {
            VALUE("--once");
            bool ok = false;
            for (size_t k = 0; k < sizeof views / sizeof views[0]; k++)
                ok = ok || strcmp(v, views[k]) == 0;
            if (!ok) {
                snprintf(err, err_len,
                         "unknown view '%s' (nodes, pods, profiles, denials, findings)", v);
                return -1;
            }
            opts->once_view = v;
        } else if (is_opt(a, "--output") || strcmp(a, "-o") == 0) {
            if (a[1] == 'o') {
                VALUE("-o");
            } else {
                VALUE("--output");
            }
            if (strcmp(v, "table") == 0) {
                opts->output = CLI_OUTPUT_TABLE;
            } else if (strcmp(v, "json") == 0) {
                opts->output = CLI_OUTPUT_JSON;
            } else {
                snprintf(err, err_len, "unknown output format '%s' (table, json)", v);
                return -1;
            }
            opts->has_output = true;
        } else if (strcmp(a, "--version") == 0) {
            opts->want_version = true;
        } else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            opts->want_help = true;
        } else {
            snprintf(err, err_len, "unknown argument '%s'", a);
            return -1;
        }
#undef VALUE
    }
    if (opts->ns && opts->is_all_namespaces) {
        snprintf(err, err_len, "-n and -A cannot be used together");
        return -1;
    }
    if (opts->ns && opts->ns[0] == '\0') {
        snprintf(err, err_len, "-n needs a non-empty namespace");
        return -1;
    }
    if (opts->once_view && (opts->script || opts->kiosk_rotate_s > 0)) {
        snprintf(err, err_len, "--once cannot be combined with --script or --kiosk-rotate");
        return -1;
    }
    if (opts->has_output && !opts->once_view) {
        snprintf(err, err_len, "-o only applies with --once VIEW");
        return -1;
    }
    return 0;
}
