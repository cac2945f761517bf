/*
 * agent_main: armortop-agent's command line, start-up and shutdown.
 *
 * Parses the options (see docs/armortop-agent.8), picks defaults the way a
 * node needs them (apparmorfs from /proc/mounts, Debian's features file, the
 * auditd log when there is one, else /dev/kmsg), refuses to run without
 * authentication unless told so on loopback, starts the denial reader and the
 * HTTP server, prints one ready line, then waits for SIGTERM/SIGINT in
 * sigwaitinfo() and shuts everything down in reverse order.
 *
 * Exit codes: 0 clean shutdown (also --help/--version), 1 usage, 2 bad
 * configuration (token file, TLS files, refusing to run unauthenticated),
 * 3 cannot listen, 4 internal failure (threads, inotify).
 * Depends on libc, core (xalloc, kerr, log, apparmor) and the agent modules.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "agent.h"
#include "agent_auth.h"
#include "agent_denials.h"
#include "agent_http.h"
#include "agent_log.h"
#include "agent_profiles.h"
#include "apparmor.h"
#include "kerr.h"
#include "log.h"
#include "xalloc.h"

enum {
    EXIT_AGENT_OK = 0,
    EXIT_AGENT_USAGE = 1,
    EXIT_AGENT_CONFIG = 2,
    EXIT_AGENT_LISTEN = 3,
    EXIT_AGENT_INTERNAL = 4,
};

#define DEFAULT_FEATURES "/usr/share/apparmor-features/features"
#define DEFAULT_AUDIT_LOG "/var/log/audit/audit.log"
#define DEFAULT_KMSG "/dev/kmsg"
#define DEFAULT_PARSER "/usr/sbin/apparmor_parser"

struct options {
    const char *node_name;
    const char *listen;
    const char *apparmorfs;
    const char *features;
    const char *proc;
    const char *log;
    bool from_start;
    const char *offset_file;
    const char *token_file;
    const char *kubeconfig;
    bool kube_auth;
    const char *audiences[16];
    size_t audience_count;
    const char *tls_cert;
    const char *tls_key;
    const char *parser;
    unsigned long ring;
    int verbosity;
    bool insecure_no_auth;
    int parser_timeout_s;
};

static void usage(FILE *f)
{
    fprintf(f,
            "usage: armortop-agent --node-name NAME [options]\n"
            "  --listen ADDR:PORT      listen address (default 127.0.0.1:0, any free port)\n"
            "  --apparmorfs DIR        apparmorfs or a directory laid out like it\n"
            "                          (default: from /proc/mounts, else /sys/kernel/security/apparmor)\n"
            "  --features FILE         features file or directory for apparmor_parser -M\n"
            "                          (default " DEFAULT_FEATURES ", else <apparmorfs>/features)\n"
            "  --proc DIR              /proc to scan (default /proc)\n"
            "  --log FILE              denial source: a log file or /dev/kmsg\n"
            "                          (default " DEFAULT_AUDIT_LOG " if it exists, else /dev/kmsg)\n"
            "  --from-start            read the log from its start, not its end\n"
            "  --offset-file FILE      remember the read position across restarts\n"
            "  --token-file FILE       bearer tokens, lines token,role[,name] (role read|admin)\n"
            "  --kube-auth             Kubernetes auth: TokenReview + SubjectAccessReview on\n"
            "                          armortop.io/apparmorprofiles (in-cluster service account)\n"
            "  --kubeconfig FILE       Kubernetes auth against the cluster in FILE (implies --kube-auth)\n"
            "  --authn-audience AUD    audience for TokenReview (repeatable)\n"
            "  --insecure-no-auth      no authentication (only with a loopback --listen)\n"
            "  --tls-cert FILE --tls-key FILE   serve HTTPS\n"
            "  --parser PATH           apparmor_parser (default " DEFAULT_PARSER ")\n"
            "  --parser-timeout SECONDS  kill the parser after this long (default 20)\n"
            "  --ring N                denial records kept (default 65536)\n"
            "  -v, --verbose           debug logging\n"
            "  --version, --help\n");
}

/* "ADDR:PORT" or "[V6]:PORT" (numeric addresses only). */
static bool parse_listen(const char *s, struct sockaddr_storage *ss, socklen_t *len, bool *is_loopback)
{
    char host[INET6_ADDRSTRLEN + 2];
    const char *colon;
    const char *h = s;
    size_t hl;
    memset(ss, 0, sizeof *ss);
    if (s[0] == '[') {
        const char *e = strchr(s, ']');
        if (!e || e[1] != ':')
            return false;
        h = s + 1;
        hl = (size_t)(e - h);
        colon = e + 1;
    } else {
        colon = strrchr(s, ':');
        if (!colon)
            return false;
        hl = (size_t)(colon - s);
    }
    if (hl == 0 || hl >= sizeof host)
        return false;
    memcpy(host, h, hl);
    host[hl] = '\0';
    char *end = NULL;
    errno = 0;
    unsigned long port = strtoul(colon + 1, &end, 10);
    if (errno || !colon[1] || *end || port > 65535)
        return false;
    struct sockaddr_in *v4 = (struct sockaddr_in *)ss;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)ss;
    if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons((uint16_t)port);
        *len = sizeof *v4;
        *is_loopback = (ntohl(v4->sin_addr.s_addr) >> 24) == 127;
        return true;
    }
    if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons((uint16_t)port);
        *len = sizeof *v6;
        *is_loopback = IN6_IS_ADDR_LOOPBACK(&v6->sin6_addr);
        return true;
    }
    return false;
}

/* securityfs mount point + "/apparmor", as aa_find_mountpoint does; owned. */
static char *find_apparmorfs(void)
{
    char *found = NULL;
    FILE *f = fopen("/proc/mounts", "re");
    if (f) {
        char line[1024];
        while (!found && fgets(line, sizeof line, f)) {
            char dev[256], mnt[512], type[64];
            if (sscanf(line, "%255s %511s %63s", dev, mnt, type) == 3 && strcmp(type, "securityfs") == 0)
                found = xasprintf("%s/apparmor", mnt);
        }
        fclose(f);
    }
    return found ? found : xstrdup("/sys/kernel/security/apparmor");
}

static bool exists(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0;
}

/* Whole file, NUL-terminated, owned; NULL with errno. */
static char *slurp(const char *path)
{
    FILE *f = fopen(path, "re");
    if (!f)
        return NULL;
    size_t cap = 8192, len = 0;
    char *buf = xmalloc(cap);
    size_t n;
    while ((n = fread(buf + len, 1, cap - len - 1, f)) > 0) {
        len += n;
        if (cap - len - 1 == 0) {
            if (cap > 16 * 1024 * 1024)
                break;
            cap *= 2;
            buf = xrealloc(buf, cap);
        }
    }
    fclose(f);
    buf[len] = '\0';
    return buf;
}

int main(int argc, char **argv)
{
    int rc = EXIT_AGENT_OK;
    struct options o = { .listen = "127.0.0.1:0", .proc = "/proc", .parser = DEFAULT_PARSER,
                         .ring = 65536, .parser_timeout_s = 20 };
    struct agent a;
    struct agent_http *http = NULL;
    char *apparmorfs = NULL, *features = NULL, *tls_cert = NULL, *tls_key = NULL;
    struct kerr err;
    memset(&a, 0, sizeof a);
    kerr_clear(&err);

    enum { O_NODE = 256, O_LISTEN, O_AAFS, O_FEATURES, O_PROC, O_LOG, O_FROM_START, O_OFFSET,
           O_TOKENS, O_CERT, O_KEY, O_PARSER, O_RING, O_INSECURE, O_VERSION, O_HELP, O_PTIMEOUT,
           O_KUBECONFIG, O_KUBE_AUTH, O_AUDIENCE };
    static const struct option longopts[] = {
        { "node-name", required_argument, NULL, O_NODE },
        { "listen", required_argument, NULL, O_LISTEN },
        { "apparmorfs", required_argument, NULL, O_AAFS },
        { "features", required_argument, NULL, O_FEATURES },
        { "proc", required_argument, NULL, O_PROC },
        { "log", required_argument, NULL, O_LOG },
        { "from-start", no_argument, NULL, O_FROM_START },
        { "offset-file", required_argument, NULL, O_OFFSET },
        { "token-file", required_argument, NULL, O_TOKENS },
        { "kubeconfig", required_argument, NULL, O_KUBECONFIG },
        { "kube-auth", no_argument, NULL, O_KUBE_AUTH },
        { "authn-audience", required_argument, NULL, O_AUDIENCE },
        { "tls-cert", required_argument, NULL, O_CERT },
        { "tls-key", required_argument, NULL, O_KEY },
        { "parser", required_argument, NULL, O_PARSER },
        { "parser-timeout", required_argument, NULL, O_PTIMEOUT },
        { "ring", required_argument, NULL, O_RING },
        { "insecure-no-auth", no_argument, NULL, O_INSECURE },
        { "verbose", no_argument, NULL, 'v' },
        { "version", no_argument, NULL, O_VERSION },
        { "help", no_argument, NULL, O_HELP },
        { NULL, 0, NULL, 0 },
    };
    int c;
    while ((c = getopt_long(argc, argv, "v", longopts, NULL)) != -1) {
        char *end = NULL;
        switch (c) {
        case O_NODE: o.node_name = optarg; break;
        case O_LISTEN: o.listen = optarg; break;
        case O_AAFS: o.apparmorfs = optarg; break;
        case O_FEATURES: o.features = optarg; break;
        case O_PROC: o.proc = optarg; break;
        case O_LOG: o.log = optarg; break;
        case O_FROM_START: o.from_start = true; break;
        case O_OFFSET: o.offset_file = optarg; break;
        case O_TOKENS: o.token_file = optarg; break;
        case O_KUBECONFIG: o.kubeconfig = optarg; o.kube_auth = true; break;
        case O_KUBE_AUTH: o.kube_auth = true; break;
        case O_AUDIENCE:
            if (!*optarg || o.audience_count >= sizeof o.audiences / sizeof o.audiences[0]) {
                fprintf(stderr, "armortop-agent: --authn-audience wants a non-empty value (at most 16)\n");
                return EXIT_AGENT_USAGE;
            }
            o.audiences[o.audience_count++] = optarg;
            break;
        case O_CERT: o.tls_cert = optarg; break;
        case O_KEY: o.tls_key = optarg; break;
        case O_PARSER: o.parser = optarg; break;
        case O_INSECURE: o.insecure_no_auth = true; break;
        case 'v': o.verbosity++; break;
        case O_RING:
            errno = 0;
            o.ring = strtoul(optarg, &end, 10);
            if (errno || !*optarg || *end || o.ring < 1 || o.ring > 10000000) {
                fprintf(stderr, "armortop-agent: --ring wants 1..10000000\n");
                return EXIT_AGENT_USAGE;
            }
            break;
        case O_PTIMEOUT:
            errno = 0;
            o.parser_timeout_s = (int)strtol(optarg, &end, 10);
            if (errno || !*optarg || *end || o.parser_timeout_s < 1 || o.parser_timeout_s > 600) {
                fprintf(stderr, "armortop-agent: --parser-timeout wants 1..600 seconds\n");
                return EXIT_AGENT_USAGE;
            }
            break;
        case O_VERSION: printf("armortop-agent %s\n", ARMORTOP_VERSION); return EXIT_AGENT_OK;
        case O_HELP: usage(stdout); return EXIT_AGENT_OK;
        default: usage(stderr); return EXIT_AGENT_USAGE;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "armortop-agent: unexpected argument: %s\n", argv[optind]);
        usage(stderr);
        return EXIT_AGENT_USAGE;
    }
    if (!o.node_name || !*o.node_name) {
        fprintf(stderr, "armortop-agent: --node-name is required\n");
        usage(stderr);
        return EXIT_AGENT_USAGE;
    }
    if (!!o.tls_cert != !!o.tls_key) {
        fprintf(stderr, "armortop-agent: --tls-cert and --tls-key go together\n");
        return EXIT_AGENT_USAGE;
    }
    if (o.parser[0] != '/') {
        fprintf(stderr, "armortop-agent: --parser must be an absolute path\n");
        return EXIT_AGENT_USAGE;
    }
    struct agent_http_config hc;
    memset(&hc, 0, sizeof hc);
    bool is_loopback = false;
    if (!parse_listen(o.listen, &hc.addr, &hc.addr_len, &is_loopback)) {
        fprintf(stderr, "armortop-agent: --listen wants ADDR:PORT or [ADDR]:PORT with a numeric "
                        "address: %s\n", o.listen);
        return EXIT_AGENT_USAGE;
    }

    agent_log_set_verbosity(o.verbosity);
    core_set_log_fn(agent_log_core_sink, NULL);

    /* Signals: handled synchronously by this thread; every thread created later inherits the mask. */
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGTERM);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    signal(SIGPIPE, SIG_IGN);

    /* Authentication: static tokens first, then the cluster (TokenReview + SAR). */
    if (o.audience_count && !o.kube_auth) {
        fprintf(stderr, "armortop-agent: --authn-audience needs --kube-auth or --kubeconfig\n");
        rc = EXIT_AGENT_USAGE;
        goto out;
    }
    if (o.token_file) {
        a.auth = agent_auth_load(o.token_file, &err);
        if (!a.auth) {
            char buf[900];
            fprintf(stderr, "armortop-agent: token file: %s\n", kerr_format(&err, buf, sizeof buf));
            rc = EXIT_AGENT_CONFIG;
            goto out;
        }
    } else if (o.kube_auth) {
        a.auth = agent_auth_new();
    } else if (o.insecure_no_auth && is_loopback) {
        a.auth = agent_auth_new_insecure();
        agent_log(CORE_LOG_WARN, "no authentication (--insecure-no-auth): anyone on this host may "
                                 "load and unload profiles");
    } else {
        fprintf(stderr, "armortop-agent: refusing to start without --token-file or --kube-auth; "
                        "--insecure-no-auth is only accepted with a loopback --listen\n");
        rc = EXIT_AGENT_CONFIG;
        goto out;
    }
    if (o.kube_auth) {
        struct agent_auth_kube_opts ko = { .kubeconfig = o.kubeconfig, .audiences = o.audiences,
                                           .audience_count = o.audience_count };
        if (agent_auth_enable_kube(a.auth, &ko, &err) < 0) {
            char buf[900];
            fprintf(stderr, "armortop-agent: Kubernetes auth: %s\n", kerr_format(&err, buf, sizeof buf));
            rc = EXIT_AGENT_CONFIG;
            goto out;
        }
        agent_log(CORE_LOG_INFO, "Kubernetes auth: TokenReview and SubjectAccessReview at %s",
                  agent_auth_kube_server(a.auth));
    }

    /* Paths. */
    apparmorfs = o.apparmorfs ? xstrdup(o.apparmorfs) : find_apparmorfs();
    if (o.features)
        features = xstrdup(o.features);
    else if (exists(DEFAULT_FEATURES))
        features = xstrdup(DEFAULT_FEATURES);
    else
        features = xasprintf("%s/features", apparmorfs);
    if (o.tls_cert) {
        tls_cert = slurp(o.tls_cert);
        tls_key = tls_cert ? slurp(o.tls_key) : NULL;
        if (!tls_cert || !tls_key) {
            fprintf(stderr, "armortop-agent: cannot read %s: %s\n", tls_cert ? o.tls_key : o.tls_cert,
                    strerror(errno));
            rc = EXIT_AGENT_CONFIG;
            goto out;
        }
        hc.tls_cert_pem = tls_cert;
        hc.tls_key_pem = tls_key;
    }

    a.node_name = o.node_name;
    a.apparmorfs_dir = apparmorfs;
    a.features_file = features;
    a.proc_dir = o.proc;
    a.parser_path = o.parser;
    a.is_tls = tls_cert != NULL;
    a.started = time(NULL);
    a.is_aa_enabled = aa_enabled(&a.aa_errno) == 1;
    if (!exists(features))
        agent_log(CORE_LOG_WARN, "features file %s not found: loading profiles will fail", features);
    if (access(o.parser, X_OK) != 0)
        agent_log(CORE_LOG_WARN, "%s is not executable: loading profiles will fail", o.parser);

    struct agent_profiles_config pc = {
        .apparmorfs_dir = apparmorfs, .features_file = features, .parser_path = o.parser,
        .proc_dir = o.proc, .parser_timeout_ms = o.parser_timeout_s * 1000,
    };
    a.profiles = agent_profiles_new(&pc);

    struct agent_denials_config dc = {
        .node_name = o.node_name, .from_start = o.from_start, .offset_file = o.offset_file,
        .proc_dir = o.proc, .apparmorfs_dir = apparmorfs, .ring_size = o.ring,
    };
    if (o.log) {
        struct stat st;
        dc.path = o.log;
        dc.kind = (stat(o.log, &st) == 0 && S_ISCHR(st.st_mode)) ? AGENT_SOURCE_KMSG : AGENT_SOURCE_FILE;
    } else if (exists(DEFAULT_AUDIT_LOG)) {
        dc.path = DEFAULT_AUDIT_LOG;
        dc.kind = AGENT_SOURCE_AUDITD;
    } else {
        dc.path = DEFAULT_KMSG;
        dc.kind = AGENT_SOURCE_KMSG;
    }
    a.denials = agent_denials_new(&dc);
    if (agent_denials_start(a.denials, &err) < 0) {
        char buf[900];
        fprintf(stderr, "armortop-agent: denial reader: %s\n", kerr_format(&err, buf, sizeof buf));
        rc = EXIT_AGENT_INTERNAL;
        goto out;
    }

    int port = 0;
    http = agent_http_start(&a, &hc, &port, &err);
    if (!http) {
        char buf[900];
        fprintf(stderr, "armortop-agent: %s: %s\n", o.listen, kerr_format(&err, buf, sizeof buf));
        rc = err.code == KERR_TLS ? EXIT_AGENT_CONFIG : EXIT_AGENT_LISTEN;
        goto out;
    }
    char host[INET6_ADDRSTRLEN];
    if (hc.addr.ss_family == AF_INET6) {
        inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&hc.addr)->sin6_addr, host, sizeof host);
        printf("armortop-agent: ready %s://[%s]:%d node %s\n", a.is_tls ? "https" : "http", host, port,
               o.node_name);
    } else {
        inet_ntop(AF_INET, &((struct sockaddr_in *)&hc.addr)->sin_addr, host, sizeof host);
        printf("armortop-agent: ready %s://%s:%d node %s\n", a.is_tls ? "https" : "http", host, port,
               o.node_name);
    }
    fflush(stdout);
    agent_log(CORE_LOG_INFO, "node %s, apparmor %s (%s), apparmorfs %s, features %s, denials from %s "
                             "(%s), auth %s", o.node_name, a.is_aa_enabled ? "enabled" : "disabled",
              aa_enabled_reason(a.aa_errno), apparmorfs, features, dc.path, agent_source_kind_name(dc.kind),
              agent_auth_mode_name(a.auth));

    for (;;) {
        siginfo_t si;
        int s = sigwaitinfo(&sigs, &si);
        if (s < 0 && errno == EINTR)
            continue;
        if (s == SIGHUP) {
            agent_log(CORE_LOG_INFO, "SIGHUP ignored (restart the agent to reload the token file)");
            continue;
        }
        agent_log(CORE_LOG_INFO, "signal %d: shutting down", s);
        break;
    }

out:
    agent_http_stop(&http);
    agent_denials_free(&a.denials);
    agent_profiles_free(&a.profiles);
    agent_auth_free(&a.auth);
    free(apparmorfs);
    free(features);
    if (tls_key) {
        explicit_bzero(tls_key, strlen(tls_key));
        free(tls_key);
    }
    free(tls_cert);
    return rc;
}
