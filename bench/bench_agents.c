/*
 * bench_agents: the agent fan-out benchmark (issue 6, item 3). Discovers the
 * agents of the cluster in a kubeconfig (the pods labelled
 * app.kubernetes.io/name=armortop-agent) and polls them all through the API
 * server's pods proxy with core's agent client, as the TUI's worker does:
 * status, profiles, containers and denials per node, bounded concurrency.
 * Prints one line per cycle: wall time, nodes ok, and the process's peak RSS.
 * Usage: bench_agents KUBECONFIG [CYCLES]. Test/bench support only.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "agent_client.h"
#include "kube_client.h"
#include "kubeconfig.h"
#include "model.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_agents KUBECONFIG [CYCLES]\n");
        return 1;
    }
    int cycles = argc > 2 ? atoi(argv[2]) : 3;
    int rc = 1;
    struct kerr err = { 0 };
    struct kube_config *cfg = NULL;
    struct kube_client *kc = NULL;
    struct agent_client *ac = NULL;
    struct agent_endpoint *eps = NULL;
    size_t count = 0;
    struct agent_fleet *fleet = agent_fleet_new(10000);
    char buf[1024];

    struct kubeconfig_opts kopts = { .explicit_path = argv[1], .no_env = true };
    if (kubeconfig_load(&kopts, &cfg, &err) < 0 || kube_client_new(cfg, NULL, &kc, &err) < 0 ||
        agent_client_new(cfg, NULL, &ac, &err) < 0)
        goto fail;
    double t0 = now_s();
    if (agent_discover(ac, kc, &eps, &count, &err) < 0)
        goto fail;
    printf("discover: %zu agents in %.2f s\n", count, now_s() - t0);
    for (int c = 1; c <= cycles; c++) {
        t0 = now_s();
        if (agent_poll_all(ac, eps, count, NULL, 0, fleet, &err) < 0)
            goto fail;
        double dt = now_s() - t0;
        size_t ok = 0;
        for (size_t i = 0; i < fleet->node_count; i++)
            ok += fleet->nodes[i].state == AGENT_STATE_OK;
        struct rusage ru;
        getrusage(RUSAGE_SELF, &ru);
        printf("cycle %d: %.2f s, %zu/%zu agents ok, peak RSS %ld MB\n", c, dt, ok, count,
               ru.ru_maxrss / 1024);
    }
    rc = 0;
    goto out;
fail:
    fprintf(stderr, "bench_agents: %s\n", kerr_format(&err, buf, sizeof buf));
out:
    agent_endpoints_free(&eps, count);
    agent_fleet_free(&fleet);
    agent_client_free(&ac);
    kube_client_free(&kc);
    kube_config_free(&cfg);
    return rc;
}
