/*
 * armortop-sim: a simulated Kubernetes cluster on loopback.
 *
 * Parses the command line, generates the workload (sim_gen) into the store
 * (sim_store), optionally makes a throw-away CA (sim_tls), starts the API server
 * (sim_http), writes a kubeconfig, prints exactly one "ready" line on stdout and
 * then waits for SIGTERM or SIGINT, after which it stops the server, frees
 * everything and exits 0. Usage errors exit 1; a fault-injected death exits 3.
 * Logs go to stderr. Depends on libc, pthreads and the sim modules.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sim_auth.h"
#include "sim_gen.h"
#include "sim_http.h"
#include "sim_nodes.h"
#include "sim_store.h"
#include "sim_tls.h"
#include "sim_util.h"
#include "strbuf.h"
#include "xalloc.h"

/* 2025-06-01T00:00:00Z: generated timestamps are fixed so that output is reproducible. */
#define SIM_DEFAULT_EPOCH 1748736000LL

struct opts {
    unsigned nodes, pods, page_max, history;
    uint64_t seed, rv_start;
    long port;
    const char *listen;
    const char *kubeconfig_out;
    const char *token;
    bool is_tls, is_verbose, is_anonymous_ok;
    int64_t epoch;
    struct sim_faults faults;
    long agents; /* -1 = default */
    long lite_agents;
    const char *agent_bin, *state_dir, *users;
    double denial_rate;
};

static void usage(FILE *f)
{
    fputs("Usage: armortop-sim [OPTION]...\n"
          "A simulated Kubernetes API server (pods, nodes, events, namespaces) on loopback.\n"
          "\n"
          "  --nodes N             number of nodes [3]\n"
          "  --pods M              number of pods [30]\n"
          "  --seed S              workload seed; same seed, same cluster [1]\n"
          "  --port P              TCP port, 0 for an ephemeral one [0]\n"
          "  --listen ADDR         listen address [127.0.0.1]\n"
          "  --kubeconfig-out FILE write a kubeconfig for this server (mode 0600)\n"
          "  --token TOK           bearer token [derived from the seed]\n"
          "  --tls                 serve HTTPS with a CA generated at start-up\n"
          "  --require-token       refuse requests without an Authorization header (401);\n"
          "                        by default they are served as anonymous, because kubectl\n"
          "                        sends no credentials over plain http. A wrong token is\n"
          "                        always refused\n"
          "  --allow-anonymous     the default; kept for scripts\n"
          "  --latency-ms N        delay every API response by N ms\n"
          "  --error-rate PCT      answer PCT% of API requests with --error-code\n"
          "  --error-code C        HTTP status for --error-rate [500]\n"
          "  --drop-rate PCT       close PCT% of connections without answering\n"
          "  --truncate-rate PCT   send only half of PCT% of response bodies\n"
          "  --malformed-rate PCT  send invalid JSON in PCT% of responses\n"
          "  --reset-rate PCT      reset (TCP RST) PCT% of connections without answering\n"
          "  --retry-after N       send \"Retry-After: N\" with --error-rate answers\n"
          "  --chunked             send list bodies chunked (no Content-Length)\n"
          "  --rv-start N          first resourceVersion is N+1 [0]; a restarted server\n"
          "                        with another N has unrelated resourceVersions\n"
          "  --page-max N          cap for ?limit= [5000]\n"
          "  --history N           changes kept for watches [100000]\n"
          "  --epoch SECS|now      base time of generated timestamps [2025-06-01T00:00:00Z]\n"
          "  --agents N|auto|all   nodes that run a real armortop-agent; auto = all Linux\n"
          "                        nodes, up to 8; all = every Linux node [0]\n"
          "  --lite-agents N|all   the next N Linux nodes get a lightweight in-process\n"
          "                        agent (read-only, same API through the pods proxy);\n"
          "                        all = every Linux node without a real agent [0]\n"
          "  --agent-bin PATH      the agent [armortop-agent next to this program]\n"
          "  --state-dir DIR       node state (apparmorfs, proc, logs) [a temporary directory,\n"
          "                        removed at exit]\n"
          "  --denial-rate R       audit lines per second, cluster-wide [2]; 0 = none\n"
          "  --users SPEC          token=user:group1|group2,... [the token: admin in\n"
          "                        armortop-admins; a derived read token: viewer in\n"
          "                        armortop-viewers]\n"
          "  -v, --verbose         log one line per request on stderr\n"
          "  -h, --help            show this help\n"
          "      --version         show the version\n"
          "\n"
          "Prints \"armortop-sim: ready URL token TOKEN\" on stdout when it is ready; runs\n"
          "until SIGTERM or SIGINT. Control endpoints: POST /sim/mutate, /sim/add,\n"
          "/sim/delete, /sim/compact, /sim/fault, /sim/token, /sim/denials, /sim/agent;\n"
          "GET /sim/stats, /sim/truth.\n"
          "See armortop-sim(1).\n",
          f);
}

static int parse_num(const char *name, const char *s, unsigned long long max,
                     unsigned long long *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (!*s || *end || errno || v > max || s[0] == '-') {
        fprintf(stderr, "armortop-sim: invalid value for --%s: '%s' (expected 0..%llu)\n", name, s,
                max);
        return -1;
    }
    *out = v;
    return 0;
}

enum {
    OPT_NODES = 256,
    OPT_PODS,
    OPT_SEED,
    OPT_PORT,
    OPT_LISTEN,
    OPT_KUBECONFIG,
    OPT_TOKEN,
    OPT_TLS,
    OPT_LATENCY,
    OPT_ERROR_RATE,
    OPT_ERROR_CODE,
    OPT_DROP,
    OPT_TRUNCATE,
    OPT_MALFORMED,
    OPT_PAGE_MAX,
    OPT_HISTORY,
    OPT_EPOCH,
    OPT_VERSION,
    OPT_ANON,
    OPT_REQUIRE_TOKEN,
    OPT_AGENTS,
    OPT_LITE_AGENTS,
    OPT_AGENT_BIN,
    OPT_STATE_DIR,
    OPT_DENIAL_RATE,
    OPT_USERS,
    OPT_RESET,
    OPT_RETRY_AFTER,
    OPT_CHUNKED,
    OPT_RV_START,
};

/* Returns 0 to run, 1 for a usage error, 2 when --help/--version was handled. */
static int parse_args(int argc, char **argv, struct opts *o)
{
    static const struct option longopts[] = {
        {"nodes", required_argument, NULL, OPT_NODES},
        {"pods", required_argument, NULL, OPT_PODS},
        {"seed", required_argument, NULL, OPT_SEED},
        {"port", required_argument, NULL, OPT_PORT},
        {"listen", required_argument, NULL, OPT_LISTEN},
        {"kubeconfig-out", required_argument, NULL, OPT_KUBECONFIG},
        {"token", required_argument, NULL, OPT_TOKEN},
        {"tls", no_argument, NULL, OPT_TLS},
        {"allow-anonymous", no_argument, NULL, OPT_ANON},
        {"require-token", no_argument, NULL, OPT_REQUIRE_TOKEN},
        {"latency-ms", required_argument, NULL, OPT_LATENCY},
        {"error-rate", required_argument, NULL, OPT_ERROR_RATE},
        {"error-code", required_argument, NULL, OPT_ERROR_CODE},
        {"drop-rate", required_argument, NULL, OPT_DROP},
        {"truncate-rate", required_argument, NULL, OPT_TRUNCATE},
        {"malformed-rate", required_argument, NULL, OPT_MALFORMED},
        {"page-max", required_argument, NULL, OPT_PAGE_MAX},
        {"history", required_argument, NULL, OPT_HISTORY},
        {"epoch", required_argument, NULL, OPT_EPOCH},
        {"agents", required_argument, NULL, OPT_AGENTS},
        {"lite-agents", required_argument, NULL, OPT_LITE_AGENTS},
        {"agent-bin", required_argument, NULL, OPT_AGENT_BIN},
        {"state-dir", required_argument, NULL, OPT_STATE_DIR},
        {"denial-rate", required_argument, NULL, OPT_DENIAL_RATE},
        {"users", required_argument, NULL, OPT_USERS},
        {"reset-rate", required_argument, NULL, OPT_RESET},
        {"retry-after", required_argument, NULL, OPT_RETRY_AFTER},
        {"chunked", no_argument, NULL, OPT_CHUNKED},
        {"rv-start", required_argument, NULL, OPT_RV_START},
        {"verbose", no_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, OPT_VERSION},
        {NULL, 0, NULL, 0},
    };
    memset(o, 0, sizeof *o);
    o->nodes = 3;
    o->pods = 30;
    o->seed = 1;
    o->is_anonymous_ok = true; /* as a real API server with anonymous auth; kubectl sends no token over http */
    o->page_max = 5000;
    o->history = 100000;
    o->epoch = SIM_DEFAULT_EPOCH;
    o->agents = SIM_DEFAULT_AGENTS;
    o->lite_agents = 0;
    o->denial_rate = 2;
    sim_faults_reset(&o->faults);
    opterr = 0;
    int c;
    unsigned long long v;
    while ((c = getopt_long(argc, argv, "vh", longopts, NULL)) != -1) {
        const char *name = NULL;
        for (size_t i = 0; longopts[i].name; i++)
            if (longopts[i].val == c)
                name = longopts[i].name;
        switch (c) {
        case OPT_NODES:
            if (parse_num(name, optarg, 100000, &v) || v == 0) {
                if (v == 0)
                    fprintf(stderr, "armortop-sim: --nodes must be at least 1\n");
                return 1;
            }
            o->nodes = (unsigned)v;
            break;
        case OPT_PODS:
            if (parse_num(name, optarg, 5000000, &v))
                return 1;
            o->pods = (unsigned)v;
            break;
        case OPT_SEED:
            if (parse_num(name, optarg, ULLONG_MAX, &v))
                return 1;
            o->seed = v;
            break;
        case OPT_PORT:
            if (parse_num(name, optarg, 65535, &v))
                return 1;
            o->port = (long)v;
            break;
        case OPT_LISTEN:
            o->listen = optarg;
            break;
        case OPT_KUBECONFIG:
            o->kubeconfig_out = optarg;
            break;
        case OPT_TOKEN:
            if (!*optarg || strpbrk(optarg, " \t\r\n\"'\\")) {
                fprintf(stderr,
                        "armortop-sim: --token must be non-empty, without spaces or quotes\n");
                return 1;
            }
            o->token = optarg;
            break;
        case OPT_TLS:
            o->is_tls = true;
            break;
        case OPT_ANON:
            o->is_anonymous_ok = true;
            break;
        case OPT_REQUIRE_TOKEN:
            o->is_anonymous_ok = false;
            break;
        case OPT_LATENCY:
            if (parse_num(name, optarg, 600000, &v))
                return 1;
            o->faults.latency_ms = (unsigned)v;
            break;
        case OPT_ERROR_RATE:
        case OPT_DROP:
        case OPT_TRUNCATE:
        case OPT_MALFORMED:
        case OPT_RESET:
            if (parse_num(name, optarg, 100, &v))
                return 1;
            *(c == OPT_ERROR_RATE ? &o->faults.error_rate
              : c == OPT_DROP     ? &o->faults.drop_rate
              : c == OPT_TRUNCATE ? &o->faults.truncate_rate
              : c == OPT_RESET    ? &o->faults.reset_rate
                                  : &o->faults.malformed_rate) = (unsigned)v;
            break;
        case OPT_RETRY_AFTER:
            if (parse_num(name, optarg, 86400, &v))
                return 1;
            o->faults.retry_after_s = (unsigned)v;
            break;
        case OPT_CHUNKED:
            o->faults.is_chunked = true;
            break;
        case OPT_RV_START:
            /* leave room below 2^63: JSON readers parse resourceVersions as int64 */
            if (parse_num(name, optarg, 1ULL << 62, &v))
                return 1;
            o->rv_start = v;
            break;
        case OPT_ERROR_CODE:
            if (parse_num(name, optarg, 599, &v) || v < 400) {
                if (v < 400)
                    fprintf(stderr, "armortop-sim: --error-code must be 400..599\n");
                return 1;
            }
            o->faults.error_code = (unsigned)v;
            break;
        case OPT_PAGE_MAX:
            if (parse_num(name, optarg, 1000000, &v) || v == 0) {
                if (v == 0)
                    fprintf(stderr, "armortop-sim: --page-max must be at least 1\n");
                return 1;
            }
            o->page_max = (unsigned)v;
            break;
        case OPT_HISTORY:
            if (parse_num(name, optarg, 100000000, &v) || v == 0) {
                if (v == 0)
                    fprintf(stderr, "armortop-sim: --history must be at least 1\n");
                return 1;
            }
            o->history = (unsigned)v;
            break;
        case OPT_EPOCH:
            if (strcmp(optarg, "now") == 0) {
                o->epoch = (int64_t)time(NULL);
            } else {
                if (parse_num(name, optarg, 4102444800ULL, &v))
                    return 1;
                o->epoch = (int64_t)v;
            }
            break;
        case OPT_AGENTS:
            if (strcmp(optarg, "auto") == 0) {
                o->agents = SIM_AGENTS_AUTO;
                break;
            }
            if (strcmp(optarg, "all") == 0) {
                o->agents = SIM_AGENTS_ALL;
                break;
            }
            if (parse_num(name, optarg, 100000, &v))
                return 1;
            o->agents = (long)v;
            break;
        case OPT_LITE_AGENTS:
            if (strcmp(optarg, "all") == 0) {
                o->lite_agents = SIM_LITE_ALL;
                break;
            }
            if (parse_num(name, optarg, 1000000, &v))
                return 1;
            o->lite_agents = (long)v;
            break;
        case OPT_AGENT_BIN:
            o->agent_bin = optarg;
            break;
        case OPT_STATE_DIR:
            if (!*optarg) {
                fprintf(stderr, "armortop-sim: --state-dir must not be empty\n");
                return 1;
            }
            o->state_dir = optarg;
            break;
        case OPT_DENIAL_RATE: {
            char *end;
            errno = 0;
            double r = strtod(optarg, &end);
            if (!*optarg || *end || errno || !(r >= 0) || r > 100000) {
                fprintf(stderr, "armortop-sim: invalid value for --denial-rate: '%s' (expected "
                                "0..100000 lines per second)\n",
                        optarg);
                return 1;
            }
            o->denial_rate = r;
            break;
        }
        case OPT_USERS:
            o->users = optarg;
            break;
        case 'v':
            o->is_verbose = true;
            break;
        case 'h':
            usage(stdout);
            return 2;
        case OPT_VERSION:
            printf("armortop-sim %s\n", ARMORTOP_VERSION);
            return 2;
        default:
            if (optopt)
                fprintf(stderr, "armortop-sim: option requires an argument or is unknown: %s\n",
                        argv[optind - 1]);
            else
                fprintf(stderr, "armortop-sim: unknown option: %s\n", argv[optind - 1]);
            fputs("Try 'armortop-sim --help'.\n", stderr);
            return 1;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "armortop-sim: unexpected argument: %s\nTry 'armortop-sim --help'.\n",
                argv[optind]);
        return 1;
    }
    return 0;
}

static int write_kubeconfig(const char *path, const char *url, const char *token,
                            const char *ca_pem)
{
    struct strbuf sb;
    strbuf_init(&sb);
    strbuf_printf(&sb,
                  "apiVersion: v1\n"
                  "kind: Config\n"
                  "clusters:\n"
                  "- name: armortop-sim\n"
                  "  cluster:\n"
                  "    server: %s\n",
                  url);
    if (ca_pem) {
        char *b64 = sim_base64_encode(ca_pem, strlen(ca_pem), false);
        strbuf_printf(&sb, "    certificate-authority-data: %s\n", b64);
        free(b64);
    }
    strbuf_printf(&sb,
                  "contexts:\n"
                  "- name: armortop-sim\n"
                  "  context:\n"
                  "    cluster: armortop-sim\n"
                  "    user: armortop-sim\n"
                  "    namespace: default\n"
                  "current-context: armortop-sim\n"
                  "preferences: {}\n"
                  "users:\n"
                  "- name: armortop-sim\n"
                  "  user:\n"
                  "    token: %s\n",
                  token);
    int rc = -1;
    char *tmp = xasprintf("%s.tmp.%ld", path, (long)getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        fprintf(stderr, "armortop-sim: cannot write %s: %s\n", tmp, strerror(errno));
        goto out;
    }
    fchmod(fd, 0600);
    ssize_t w = write(fd, sb.buf, sb.len);
    if (w != (ssize_t)sb.len || fsync(fd) != 0) {
        fprintf(stderr, "armortop-sim: cannot write %s: %s\n", tmp, strerror(errno));
        close(fd);
        unlink(tmp);
        goto out;
    }
    close(fd);
    if (rename(tmp, path) != 0) {
        fprintf(stderr, "armortop-sim: cannot rename %s to %s: %s\n", tmp, path, strerror(errno));
        unlink(tmp);
        goto out;
    }
    rc = 0;
out:
    free(tmp);
    strbuf_done(&sb);
    return rc;
}

int main(int argc, char **argv)
{
    struct opts o;
    int rc = parse_args(argc, argv, &o);
    if (rc)
        return rc == 2 ? 0 : 1;

    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    socklen_t ss_len;
    const char *listen_ip = o.listen ? o.listen : "127.0.0.1";
    if (strcmp(listen_ip, "localhost") == 0)
        listen_ip = "127.0.0.1";
    bool is_v6 = false;
    struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
    struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
    if (inet_pton(AF_INET, listen_ip, &sin->sin_addr) == 1) {
        sin->sin_family = AF_INET;
        sin->sin_port = htons((uint16_t)o.port);
        ss_len = sizeof *sin;
    } else if (inet_pton(AF_INET6, listen_ip, &sin6->sin6_addr) == 1) {
        sin6->sin6_family = AF_INET6;
        sin6->sin6_port = htons((uint16_t)o.port);
        ss_len = sizeof *sin6;
        is_v6 = true;
    } else {
        fprintf(stderr, "armortop-sim: --listen needs an IP address, not '%s'\n", listen_ip);
        return 1;
    }

    char token[64];
    if (o.token)
        snprintf(token, sizeof token, "%s", o.token);
    else
        sim_gen_token(o.seed, token, sizeof token);

    /* Signals: handled by sigwait() in this thread; every other thread blocks them. */
    signal(SIGPIPE, SIG_IGN);
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGTERM);
    sigaddset(&sigs, SIGINT);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);

    struct sim_auth auth;
    char err[256] = "";
    char read_token[64] = "";
    if (o.users) {
        if (sim_auth_parse(&auth, o.users, err, sizeof err) != 0) {
            fprintf(stderr, "armortop-sim: %s\n", err);
            return 1;
        }
        /* The sim's own token stays valid (kubeconfig). */
        if (!sim_auth_find(&auth, token)) {
            struct sim_auth extra;
            char *spec = xasprintf("%s=admin:" SIM_GROUP_ADMINS, token);
            if (sim_auth_parse(&extra, spec, err, sizeof err) == 0) {
                auth.users = xreallocarray(auth.users, auth.count + 1, sizeof *auth.users);
                auth.users[auth.count++] = extra.users[0];
                free(extra.users);
            }
            free(spec);
        }
    } else {
        sim_auth_init_default(&auth, token);
    }
    /* The agents' service account (TokenReview/SubjectAccessReview caller). */
    char sa_token[64];
    sim_auth_agent_token(token, sa_token, sizeof sa_token);
    if (!sim_auth_find(&auth, sa_token))
        sim_auth_add(&auth, sa_token, SIM_AGENT_SA_USER,
                     "system:serviceaccounts|system:serviceaccounts:armortop-system");
    /* Agent token files: the first admin and the first viewer. */
    const char *admin_tok = token, *viewer_tok = NULL;
    for (size_t i = 0; i < auth.count; i++) {
        if (!viewer_tok && sim_user_in_group(&auth.users[i], SIM_GROUP_VIEWERS))
            viewer_tok = auth.users[i].token;
    }
    if (!viewer_tok) {
        sim_auth_read_token(token, read_token, sizeof read_token);
        viewer_tok = read_token;
    }

    struct sim_store st;
    struct sim_gen gen;
    struct sim_tls tls;
    struct sim_server *srv = NULL;
    struct sim_nodes *nodes = NULL;
    char url[128];
    int exit_code = 1;
    memset(&tls, 0, sizeof tls);
    sim_store_init(&st, o.history);
    st.rv = st.compact_rv = o.rv_start; /* nothing issued below it: nothing to expire */
    sim_gen_init(&gen, o.seed, o.nodes, o.epoch);
    sim_gen_populate(&gen, &st, o.pods);

    struct sim_nodes_opts no = {
        .agents = o.agents,
        .lite_agents = o.lite_agents,
        .auth = &auth,
        .agent_bin = o.agent_bin,
        .state_dir = o.state_dir,
        .denial_rate = o.denial_rate,
        .admin_token = admin_tok,
        .read_token = viewer_tok,
        .agent_kube_token = sa_token,
        .features = "/usr/share/apparmor-features/features",
        .parser = "/usr/sbin/apparmor_parser",
        .is_verbose = o.is_verbose,
        .seed = o.seed,
    };
    nodes = sim_nodes_new(&gen, &no);
    if (!nodes)
        goto out;
    sim_nodes_prepare(nodes, &gen, &st);

    if (o.is_tls && sim_tls_generate(&tls, listen_ip, err, sizeof err) != 0) {
        fprintf(stderr, "armortop-sim: %s\n", err);
        goto out;
    }
    struct sim_server_opts so = {
        .token = token,
        .addr = (const struct sockaddr *)&ss,
        .addr_len = ss_len,
        .tls_key_pem = o.is_tls ? tls.key_pem : NULL,
        .tls_cert_pem = o.is_tls ? tls.cert_pem : NULL,
        .page_max = o.page_max,
        .is_verbose = o.is_verbose,
        .is_anonymous_ok = o.is_anonymous_ok,
        .seed = o.seed,
        .faults = o.faults,
        .auth = &auth,
        .nodes = nodes,
    };
    srv = sim_server_new(&st, &gen, &so, err, sizeof err);
    if (!srv) {
        fprintf(stderr, "armortop-sim: %s\n", err);
        goto out;
    }
    snprintf(url, sizeof url, "%s://%s%s%s:%d", o.is_tls ? "https" : "http", is_v6 ? "[" : "",
             listen_ip, is_v6 ? "]" : "", sim_server_port(srv));
    if (o.kubeconfig_out &&
        write_kubeconfig(o.kubeconfig_out, url, token, o.is_tls ? tls.ca_pem : NULL) != 0)
        goto out;
    sim_nodes_start_agents(nodes, url, o.is_tls ? tls.ca_pem : NULL);
    printf("armortop-sim: ready %s token %s\n", url, token);
    fflush(stdout);
    sim_nodes_start_denials(nodes);
    if (o.is_verbose)
        fprintf(stderr, "armortop-sim: %u nodes, %u pods, seed %llu, listening on %s\n", o.nodes,
                o.pods, (unsigned long long)o.seed, url);

    int sig = 0;
    while (sigwait(&sigs, &sig) != 0)
        ;
    if (o.is_verbose)
        fprintf(stderr, "armortop-sim: signal %d, shutting down\n", sig);
    exit_code = 0;
out:
    sim_server_free(&srv);
    sim_nodes_free(&nodes);
    sim_auth_done(&auth);
    sim_tls_done(&tls);
    sim_gen_done(&gen);
    sim_store_done(&st);
    return exit_code;
}
