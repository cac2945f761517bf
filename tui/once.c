/*
 * once: the headless path of armortop. kubeconfig → client → cluster_fetch →
 * cluster_fetch_agents (one poll of every armortop-agent through the API
 * server's pods proxy) → view_render_{table,json} → stdout. Everything cluster-facing is core's; this
 * file only chooses, prints and maps errors to exit codes.
 */
#include "config.h"
#include "once.h"

#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "cluster.h"
#include "kerr.h"
#include "kube_client.h"
#include "kubeconfig.h"
#include "strbuf.h"
#include "views.h"

/* Messages may quote the server (a Status message, a name): control bytes are
 * shown as '?' so nothing it sends can drive the terminal, and it stays one line. */
static void print_error(const char *what, const struct kerr *err)
{
    char buf[1024];
    kerr_format(err, buf, sizeof buf);
    for (unsigned char *p = (unsigned char *)buf; *p; p++)
        if (*p < 0x20 || *p == 0x7f)
            *p = '?';
    fprintf(stderr, "armortop: %s: %s\n", what, buf);
}

static int terminal_width(void)
{
    struct winsize ws;
    if (isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
        return ws.ws_col;
    return 0;
}

int once_run(const struct cli_opts *opts)
{
    int status = 2;
    struct kerr err = { 0 };
    struct kube_config *cfg = NULL;
    struct kube_client *client = NULL;
    struct kube_snapshot *snap = NULL;
    struct agent_fleet *agents = NULL;
    struct strbuf out;
    strbuf_init(&out);

    enum view_id view;
    if (view_parse(opts->once_view, &view) != 0) {
        fprintf(stderr, "armortop: unknown view '%s'\n", opts->once_view);
        status = 1;
        goto out;
    }

    struct kubeconfig_opts kopts = {
        .explicit_path = opts->kubeconfig,
        .context = opts->context,
        .namespace = opts->ns,
    };
    if (kubeconfig_load(&kopts, &cfg, &err) < 0) {
        print_error("kubeconfig", &err);
        goto out;
    }
    if (kube_client_new(cfg, NULL, &client, &err) < 0) {
        print_error(cfg->server, &err);
        goto out;
    }

    /* Like kubectl: the context's namespace unless -n or -A. */
    const char *ns = opts->is_all_namespaces ? NULL : cfg->namespace;
    unsigned want = CLUSTER_WANT_ALL;
    if (view == VIEW_PROFILES || view == VIEW_DENIALS)
        want = CLUSTER_WANT_NODES | CLUSTER_WANT_PODS;
    int rc = cluster_fetch(client, ns, want, &snap, &err);
    /* Throttled (429, or 5xx with Retry-After): wait as asked and try again, a
     * few times and at most 30 s in all, as kubectl does; then fail as usual. */
    long waited_ms = 0;
    for (int tries = 0; rc < 0 && tries < 3; tries++) {
        long ms = kube_client_throttle_ms(client);
        if (ms <= 0 || waited_ms + ms > 30000)
            break;
        char buf[600];
        fprintf(stderr, "armortop: %s; retrying in %.1f s\n", kerr_format(&err, buf, sizeof buf),
                (double)ms / 1000);
        struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
        nanosleep(&ts, NULL);
        waited_ms += ms;
        kerr_clear(&err);
        rc = cluster_fetch(client, ns, want, &snap, &err);
    }
    if (rc < 0) {
        print_error("cannot read the cluster", &err);
        status = cluster_exit_status(rc);
        goto out;
    }

    /* Agent data: a failure here degrades the views (no agent data), it does
     * not fail the command; per-node problems are shown in the views. */
    if (cluster_fetch_agents(client, cfg, snap, &agents, &err) < 0) {
        print_error("warning: cannot reach the armortop agents", &err);
        kerr_clear(&err);
    }

    struct view_opts vopts = {
        .ns = ns,
        .now = (int64_t)time(NULL),
        .width = opts->output == CLI_OUTPUT_TABLE ? terminal_width() : 0,
        .agents = agents,
    };
    rc = opts->output == CLI_OUTPUT_JSON ? view_render_json(view, snap, &vopts, &out, &err)
                                         : view_render_table(view, snap, &vopts, &out, &err);
    if (rc < 0) {
        print_error("cannot render the view", &err);
        status = 2;
        goto out;
    }
    fwrite(strbuf_str(&out), 1, out.len, stdout);
    if (fflush(stdout) != 0) {
        perror("armortop: stdout");
        status = 2;
        goto out;
    }
    status = 0;
out:
    strbuf_done(&out);
    agent_fleet_free(&agents);
    kube_snapshot_free(&snap);
    kube_client_free(&client);
    kube_config_free(&cfg);
    return status;
}
