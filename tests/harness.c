/*
 * harness: start/stop armortop-sim, run programs and capture their output, a
 * tiny HTTP/1.1 client over loopback for driving the sim's control endpoints;
 * start/stop armortop-agent on a fake apparmorfs (private temp dir, token
 * file, fake /proc) and talk HTTP to it with cJSON-parsed answers; file
 * writers and fake /proc processes for the agent tests. Test support only;
 * depends on libc, POSIX (Linux prctl), cmocka (assertions in the file
 * writers and the agent HTTP reader), cJSON and libcore (aafs_init_fake).
 */
#include "config.h"
#include "harness.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <cmocka.h>

#include "aafs.h"

extern char **environ;

const char *harness_bin(const char *name, char *buf, size_t len)
{
    const char *dir = getenv("ARMORTOP_BIN_DIR");
    snprintf(buf, len, "%s/%s", dir && *dir ? dir : ".", name);
    return buf;
}

/* ---- valgrind (make memcheck) ---- */

/* $HARNESS_VALGRIND names a log directory: programs whose name is listed in
 * $HARNESS_VALGRIND_PROGS (default "armortop armortop-agent") then run under
 * valgrind memcheck, one log per process, which tests/valgrind.sh reads. */
static bool is_valgrinded(const char *path)
{
    const char *dir = getenv("HARNESS_VALGRIND");
    if (!dir || !*dir)
        return false;
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    const char *progs = getenv("HARNESS_VALGRIND_PROGS");
    if (!progs || !*progs)
        progs = "armortop armortop-agent";
    size_t bl = strlen(base);
    for (const char *p = progs; (p = strstr(p, base)); p += bl)
        if ((p == progs || p[-1] == ' ') && (p[bl] == '\0' || p[bl] == ' '))
            return true;
    return false;
}

int harness_slow(void)
{
    const char *dir = getenv("HARNESS_VALGRIND");
    return dir && *dir ? 20 : 1;
}

/* execv, or valgrind with the same arguments when path is to be checked. Returns
 * only on failure. */
static void harness_execv(const char *path, const char *const *argv)
{
    if (!is_valgrinded(path)) {
        execv(path, (char *const *)argv);
        return;
    }
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    static char logopt[600], supp[600];
    snprintf(logopt, sizeof logopt, "--log-file=%s/%%p.%s.vg", getenv("HARNESS_VALGRIND"), base);
    const char *sdir = getenv("HARNESS_VALGRIND_SUPP");
    snprintf(supp, sizeof supp, "--suppressions=%s", sdir && *sdir ? sdir : "tests/valgrind.supp");
    const char *vargv[80] = {"valgrind", "--tool=memcheck", "--leak-check=full",
                             "--show-leak-kinds=definite", "--errors-for-leak-kinds=definite",
                             "--child-silent-after-fork=yes", "--num-callers=30", logopt, supp, path};
    size_t n = 10;
    for (size_t i = 1; argv[i] && n < 79; i++)
        vargv[n++] = argv[i];
    vargv[n] = NULL;
    execvp("valgrind", (char *const *)vargv);
}

const char *harness_corpus_dir(void)
{
    static char path[512];
    const char *c = getenv("ARMORTOP_CORPUS");
    snprintf(path, sizeof path, "%s", c && *c ? c : "../shared/corpus");
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
        return NULL;
    return path;
}

char *harness_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    size_t r;
    while (buf && (r = fread(buf + n, 1, cap - n - 1, f)) > 0) {
        n += r;
        if (cap - n - 1 == 0) {
            cap *= 2;
            buf = realloc(buf, cap);
        }
    }
    fclose(f);
    if (!buf)
        return NULL;
    buf[n] = '\0';
    if (len)
        *len = n;
    return buf;
}

bool harness_have_program(const char *name)
{
    const char *path = getenv("PATH");
    if (!path)
        return false;
    char *copy = strdup(path), *save = NULL;
    bool found = false;
    for (char *d = strtok_r(copy, ":", &save); d && !found; d = strtok_r(NULL, ":", &save)) {
        char p[1024];
        snprintf(p, sizeof p, "%s/%s", d, name);
        found = access(p, X_OK) == 0;
    }
    free(copy);
    return found;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

void harness_remove_tree(const char *dir)
{
    if (dir[0])
        nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void rm_rf(const char *dir)
{
    if (!dir[0])
        return;
    pid_t pid = fork();
    if (pid == 0) {
        execlp("rm", "rm", "-rf", dir, (char *)NULL);
        _exit(127);
    }
    if (pid > 0)
        waitpid(pid, NULL, 0);
}

int harness_sim_start(struct harness_sim *sim, const char *const *extra_args)
{
    memset(sim, 0, sizeof *sim);
    snprintf(sim->dir, sizeof sim->dir, "/tmp/armortop-test-XXXXXX");
    if (!mkdtemp(sim->dir)) {
        perror("mkdtemp");
        return -1;
    }
    snprintf(sim->kubeconfig, sizeof sim->kubeconfig, "%s/kubeconfig", sim->dir);

    const char *argv[64];
    size_t n = 0;
    char bin[512];
    argv[n++] = harness_bin("armortop-sim", bin, sizeof bin);
    argv[n++] = "--port";
    argv[n++] = "0";
    argv[n++] = "--kubeconfig-out";
    argv[n++] = sim->kubeconfig;
    for (size_t i = 0; extra_args && extra_args[i] && n < 62; i++)
        argv[n++] = extra_args[i];
    argv[n] = NULL;

    int pipefd[2];
    if (pipe(pipefd) != 0)
        return -1;
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        dup2(pipefd[1], 1);
        close(pipefd[0]);
        close(pipefd[1]);
        harness_execv(argv[0], argv);
        fprintf(stderr, "harness: exec %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    close(pipefd[1]);
    sim->pid = pid;

    /* Wait (up to 30 s) for "armortop-sim: ready <url> token <token>". */
    char line[512];
    size_t len = 0;
    double deadline = now_s() + 30 * harness_slow();
    int ok = 0;
    while (now_s() < deadline && len < sizeof line - 1) {
        struct pollfd pfd = { .fd = pipefd[0], .events = POLLIN };
        if (poll(&pfd, 1, 200) <= 0)
            continue;
        ssize_t r = read(pipefd[0], line + len, 1);
        if (r <= 0)
            break;
        if (line[len] == '\n') {
            line[len] = '\0';
            char url[128] = "", tok[128] = "";
            if (sscanf(line, "armortop-sim: ready %127s token %127s", url, tok) == 2) {
                snprintf(sim->url, sizeof sim->url, "%s", url);
                snprintf(sim->token, sizeof sim->token, "%s", tok);
                const char *colon = strrchr(url, ':');
                sim->port = colon ? atoi(colon + 1) : 0;
                ok = sim->port > 0;
                break;
            }
            len = 0;
            continue;
        }
        len++;
    }
    /* Keep draining stdout in the background would need a thread; the sim prints
     * only the ready line on stdout, so closing the pipe is safe (it ignores SIGPIPE). */
    close(pipefd[0]);
    if (!ok) {
        fprintf(stderr, "harness: armortop-sim did not become ready\n");
        harness_sim_stop(sim);
        return -1;
    }
    return 0;
}

void harness_sim_kill(struct harness_sim *sim)
{
    if (sim->pid > 0) {
        kill(sim->pid, SIGKILL);
        waitpid(sim->pid, NULL, 0);
        sim->pid = 0;
    }
}

void harness_sim_stop(struct harness_sim *sim)
{
    if (sim->pid > 0) {
        kill(sim->pid, SIGTERM);
        double deadline = now_s() + 2 * harness_slow();
        int st;
        while (waitpid(sim->pid, &st, WNOHANG) == 0) {
            if (now_s() > deadline) {
                kill(sim->pid, SIGKILL);
                waitpid(sim->pid, &st, 0);
                break;
            }
            usleep(10000);
        }
        sim->pid = 0;
    }
    rm_rf(sim->dir);
    sim->dir[0] = '\0';
}

static void drain(int fd, char **buf, size_t *len, size_t *cap)
{
    char tmp[65536];
    ssize_t r = read(fd, tmp, sizeof tmp);
    if (r <= 0)
        return;
    if (*len + (size_t)r + 1 > *cap) {
        while (*len + (size_t)r + 1 > *cap)
            *cap = *cap ? *cap * 2 : 65536;
        *buf = realloc(*buf, *cap);
    }
    memcpy(*buf + *len, tmp, (size_t)r);
    *len += (size_t)r;
    (*buf)[*len] = '\0';
}

int harness_run(const char *const *argv, const char *const *env_add, int timeout_s,
                struct harness_result *res)
{
    memset(res, 0, sizeof *res);
    char bin[512];
    const char *prog = argv[0];
    if (!strchr(prog, '/') && (strcmp(prog, "armortop") == 0 || strcmp(prog, "armortop-sim") == 0))
        prog = harness_bin(prog, bin, sizeof bin);

    int outp[2], errp[2];
    if (pipe(outp) != 0 || pipe(errp) != 0)
        return -1;
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        dup2(outp[1], 1);
        dup2(errp[1], 2);
        close(outp[0]);
        close(outp[1]);
        close(errp[0]);
        close(errp[1]);
        for (size_t i = 0; env_add && env_add[i]; i++)
            putenv((char *)env_add[i]);
        if (strchr(prog, '/'))
            harness_execv(prog, argv);
        else
            execvp(prog, (char *const *)argv);
        fprintf(stderr, "exec %s: %s\n", prog, strerror(errno));
        _exit(127);
    }
    close(outp[1]);
    close(errp[1]);
    size_t ocap = 0, ecap = 0;
    res->out = calloc(1, 1);
    res->err = calloc(1, 1);
    double deadline = now_s() + (double)timeout_s * harness_slow();
    int open_fds = 2;
    bool timed_out = false;
    struct pollfd pfd[2] = { { .fd = outp[0], .events = POLLIN }, { .fd = errp[0], .events = POLLIN } };
    while (open_fds > 0) {
        if (now_s() > deadline) {
            timed_out = true;
            kill(pid, SIGKILL);
            break;
        }
        if (poll(pfd, 2, 100) <= 0)
            continue;
        for (int i = 0; i < 2; i++) {
            if (pfd[i].fd >= 0 && (pfd[i].revents & (POLLIN | POLLHUP))) {
                size_t before = i == 0 ? res->out_len : res->err_len;
                if (i == 0)
                    drain(pfd[i].fd, &res->out, &res->out_len, &ocap);
                else
                    drain(pfd[i].fd, &res->err, &res->err_len, &ecap);
                size_t after = i == 0 ? res->out_len : res->err_len;
                if (after == before) {
                    close(pfd[i].fd);
                    pfd[i].fd = -1;
                    open_fds--;
                }
            }
        }
    }
    for (int i = 0; i < 2; i++)
        if (pfd[i].fd >= 0)
            close(pfd[i].fd);
    int st = 0;
    waitpid(pid, &st, 0);
    res->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    return timed_out ? -1 : 0;
}

void harness_result_free(struct harness_result *res)
{
    free(res->out);
    free(res->err);
    memset(res, 0, sizeof *res);
}

int harness_connect_loopback(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return -1;
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

int harness_http(const struct harness_sim *sim, const char *method, const char *path,
                 const char *body, char **body_out)
{
    if (body_out)
        *body_out = NULL;
    int fd = harness_connect_loopback(sim->port);
    if (fd < 0)
        return -1;
    size_t blen = body ? strlen(body) : 0;
    char head[1024];
    int hl = snprintf(head, sizeof head,
                      "%s %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nAuthorization: Bearer %s\r\n"
                      "Content-Type: application/json\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n",
                      method, path, sim->port, sim->token, blen);
    if (write(fd, head, (size_t)hl) != hl || (blen && write(fd, body, blen) != (ssize_t)blen)) {
        close(fd);
        return -1;
    }
    char *buf = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        size_t before = len;
        drain(fd, &buf, &len, &cap);
        if (len == before)
            break;
    }
    close(fd);
    int status = -1;
    if (buf && sscanf(buf, "HTTP/1.%*d %d", &status) == 1 && body_out) {
        char *b = strstr(buf, "\r\n\r\n");
        *body_out = strdup(b ? b + 4 : "");
    }
    free(buf);
    return status;
}

/* ---- files ---- */

void harness_write_file(const char *path, const char *text, mode_t mode)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
    assert_true(fd >= 0);
    size_t len = strlen(text);
    assert_int_equal(write(fd, text, len), (ssize_t)len);
    close(fd);
}

void harness_append_file(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0644);
    assert_true(fd >= 0);
    size_t len = strlen(text);
    assert_int_equal(write(fd, text, len), (ssize_t)len);
    close(fd);
}

void harness_fake_process(const char *proc_dir, int pid, const char *label,
                          const char *cgroup_line, const char *comm)
{
    char p[512], text[160];
    snprintf(p, sizeof p, "%s/%d", proc_dir, pid);
    mkdir(p, 0755);
    snprintf(p, sizeof p, "%s/%d/attr", proc_dir, pid);
    mkdir(p, 0755);
    snprintf(p, sizeof p, "%s/%d/attr/apparmor", proc_dir, pid);
    mkdir(p, 0755);
    snprintf(p, sizeof p, "%s/%d/attr/apparmor/current", proc_dir, pid);
    harness_write_file(p, label, 0644);
    snprintf(p, sizeof p, "%s/%d/comm", proc_dir, pid);
    snprintf(text, sizeof text, "%s\n", comm);
    harness_write_file(p, text, 0644);
    snprintf(p, sizeof p, "%s/%d/status", proc_dir, pid);
    snprintf(text, sizeof text, "Name:\t%s\nTgid:\t%d\nPPid:\t1\n", comm, pid);
    harness_write_file(p, text, 0644);
    snprintf(p, sizeof p, "%s/%d/cgroup", proc_dir, pid);
    harness_write_file(p, cgroup_line, 0644);
}

/* ---- armortop-agent ---- */

static void agent_dump_stderr(const struct harness_agent *ap)
{
    char *err = harness_read_file(ap->err_path, NULL);
    if (err && *err)
        fprintf(stderr, "---- armortop-agent %s stderr ----\n%s----\n", ap->node, err);
    free(err);
}

int harness_agent_prepare(struct harness_agent *ap, const struct harness_agent_opts *opts)
{
    static const struct harness_agent_opts defaults;
    if (!opts)
        opts = &defaults;
    memset(ap, 0, sizeof *ap);
    ap->pid = -1;
    snprintf(ap->node, sizeof ap->node, "%s", opts->node ? opts->node : "n1");
    const char *tmp = getenv("TMPDIR");
    snprintf(ap->dir, sizeof ap->dir, "%s/harness_agent.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(ap->dir)) {
        ap->dir[0] = '\0';
        return -1;
    }
    snprintf(ap->aafs, sizeof ap->aafs, "%s/aafs", ap->dir);
    snprintf(ap->proc, sizeof ap->proc, "%s/proc", ap->dir);
    snprintf(ap->kubeconfig, sizeof ap->kubeconfig, "%s/kubeconfig", ap->dir);
    snprintf(ap->err_path, sizeof ap->err_path, "%s/agent.err", ap->dir);
    if (aafs_init_fake(ap->aafs) != 0)
        return -1;
    mkdir(ap->proc, 0755);
    if (opts->log) {
        snprintf(ap->log, sizeof ap->log, "%s", opts->log);
    } else {
        snprintf(ap->log, sizeof ap->log, "%s/audit.log", ap->dir);
        harness_write_file(ap->log, "", 0644);
    }
    if (opts->tokens) {
        snprintf(ap->tokens, sizeof ap->tokens, "%s/tokens", ap->dir);
        harness_write_file(ap->tokens, opts->tokens, 0600);
    }
    return 0;
}

int harness_agent_launch(struct harness_agent *ap, const struct harness_agent_opts *opts)
{
    static const struct harness_agent_opts defaults;
    if (!opts)
        opts = &defaults;
    ap->pid = -1;
    ap->port = 0;
    ap->is_tls = false;
    ap->url[0] = '\0';
    char bin[512], ring[16];
    harness_bin("armortop-agent", bin, sizeof bin);
    const char *argv[64] = {bin,       "--node-name", ap->node, "--listen", "127.0.0.1:0",
                            "--apparmorfs", ap->aafs, "--log",  ap->log,    "--proc",
                            ap->proc};
    size_t n = 11;
    if (ap->tokens[0]) {
        argv[n++] = "--token-file";
        argv[n++] = ap->tokens;
    }
    if (opts->kubeconfig) {
        argv[n++] = "--kubeconfig";
        argv[n++] = opts->kubeconfig;
    }
    if (opts->ring > 0) {
        snprintf(ring, sizeof ring, "%d", opts->ring);
        argv[n++] = "--ring";
        argv[n++] = ring;
    }
    if (opts->tls_cert && opts->tls_key) {
        argv[n++] = "--tls-cert";
        argv[n++] = opts->tls_cert;
        argv[n++] = "--tls-key";
        argv[n++] = opts->tls_key;
    }
    if (opts->verbose)
        argv[n++] = "-v";
    for (size_t i = 0; opts->extra && opts->extra[i] && n < 62; i++)
        argv[n++] = opts->extra[i];
    argv[n] = NULL;

    int out[2];
    if (pipe(out) != 0)
        return -1;
    pid_t pid = fork();
    if (pid < 0) {
        close(out[0]);
        close(out[1]);
        return -1;
    }
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL); /* a failed assertion must not leave it running */
        int efd = open(ap->err_path, O_WRONLY | O_CREAT | O_APPEND, 0644);
        dup2(out[1], 1);
        if (efd >= 0)
            dup2(efd, 2);
        close(out[0]);
        harness_execv(bin, argv);
        _exit(127);
    }
    close(out[1]);
    ap->pid = pid;
    char line[512];
    size_t len = 0;
    time_t deadline = time(NULL) + 15 * harness_slow();
    while (len < sizeof line - 1 && time(NULL) < deadline) {
        struct pollfd pfd = {.fd = out[0], .events = POLLIN};
        if (poll(&pfd, 1, 500) <= 0)
            continue;
        ssize_t r = read(out[0], line + len, 1);
        if (r <= 0 || line[len] == '\n')
            break;
        len++;
    }
    line[len] = '\0';
    close(out[0]);
    char scheme[8] = "", node[64] = "";
    int port = 0;
    if (sscanf(line, "armortop-agent: ready %7[a-z]://127.0.0.1:%d node %63s", scheme, &port,
               node) != 3 ||
        (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0) ||
        strcmp(node, ap->node) != 0 || port <= 0) {
        fprintf(stderr, "no ready line (got \"%s\")\n", line);
        agent_dump_stderr(ap);
        return -1;
    }
    ap->port = port;
    ap->is_tls = strcmp(scheme, "https") == 0;
    snprintf(ap->url, sizeof ap->url, "%s://127.0.0.1:%d", scheme, port);
    return 0;
}

int harness_agent_start(struct harness_agent *ap, const struct harness_agent_opts *opts)
{
    if (harness_agent_prepare(ap, opts) != 0)
        return -1;
    return harness_agent_launch(ap, opts);
}


int harness_agent_halt(struct harness_agent *ap, int sig, bool keep_dir)
{
    int code = -1;
    if (sig == 0)
        sig = SIGTERM;
    if (ap->pid > 0) {
        kill(ap->pid, sig);
        int st = 0;
        for (int i = 0; i < 200 * harness_slow(); i++) {
            if (waitpid(ap->pid, &st, WNOHANG) == ap->pid) {
                code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
                break;
            }
            struct timespec ts = {0, 50 * 1000000};
            nanosleep(&ts, NULL);
        }
        if (code < 0) {
            kill(ap->pid, SIGKILL);
            waitpid(ap->pid, NULL, 0);
            code = 999;
        }
        if (sig == SIGTERM && code != 0)
            agent_dump_stderr(ap);
        ap->pid = -1;
    }
    if (!keep_dir) {
        harness_remove_tree(ap->dir);
        ap->dir[0] = '\0';
    }
    return code;
}

int harness_agent_stop(struct harness_agent *ap)
{
    return harness_agent_halt(ap, SIGTERM, false);
}

/* ---- HTTP to the agent ---- */

void harness_resp_free(struct harness_resp *r)
{
    free(r->body);
    cJSON_Delete(r->json);
    memset(r, 0, sizeof *r);
}

int harness_http_raw(int port, const char *head, const char *body, size_t body_len,
                     int timeout_ms, struct harness_resp *res)
{
    memset(res, 0, sizeof *res);
    res->status = -1;
    int fd = harness_connect_loopback(port);
    if (fd < 0)
        return -1;
    size_t hl = strlen(head);
    if (write(fd, head, hl) != (ssize_t)hl) {
        close(fd);
        return -1;
    }
    for (size_t off = 0; body && off < body_len;) {
        ssize_t w = write(fd, body + off, body_len - off);
        if (w <= 0)
            break; /* the agent may answer and close early (413) */
        off += (size_t)w;
    }
    char *buf = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        if (poll(&pfd, 1, timeout_ms) <= 0)
            break;
        if (len + 4096 + 1 > cap) {
            cap = cap ? cap * 2 : 65536;
            buf = realloc(buf, cap);
            assert_non_null(buf);
        }
        ssize_t r = read(fd, buf + len, cap - len - 1);
        if (r <= 0)
            break;
        len += (size_t)r;
    }
    close(fd);
    if (!buf)
        return -1;
    buf[len] = '\0';
    char *b = buf;
    while (strncmp(b, "HTTP/1.1 100", 12) == 0) { /* interim "100 Continue" */
        char *e = strstr(b, "\r\n\r\n");
        if (!e)
            break;
        b = e + 4;
    }
    sscanf(b, "HTTP/1.%*d %d", &res->status);
    char *e = strstr(b, "\r\n\r\n");
    res->body = strdup(e ? e + 4 : "");
    res->json = cJSON_Parse(res->body);
    free(buf);
    return res->status;
}

int harness_agent_http(const struct harness_agent *ap, const char *method, const char *path,
                       const char *hdr, const char *body, struct harness_resp *res)
{
    char head[4096];
    size_t blen = body ? strlen(body) : 0;
    snprintf(head, sizeof head,
             "%s %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n%s%sContent-Length: %zu\r\n"
             "Connection: close\r\n\r\n",
             method, path, ap->port, hdr ? hdr : "", hdr ? "\r\n" : "", blen);
    return harness_http_raw(ap->port, head, body, blen, 30000, res);
}

static size_t curl_on_data(char *p, size_t sz, size_t n, void *ud)
{
    size_t len = sz * n;
    char **buf = ud;
    size_t old = *buf ? strlen(*buf) : 0;
    *buf = realloc(*buf, old + len + 1);
    memcpy(*buf + old, p, len);
    (*buf)[old + len] = '\0';
    return len;
}

long harness_curl(const char *method, const char *url, const char *api_token,
                  const char *x_token, const char *body, long timeout_s, char **out)
{
    CURL *c = curl_easy_init();
    char h1[256], h2[256];
    struct curl_slist *hs = NULL;
    if (api_token) {
        snprintf(h1, sizeof h1, "Authorization: Bearer %s", api_token);
        hs = curl_slist_append(hs, h1);
    }
    if (x_token) {
        snprintf(h2, sizeof h2, "X-Armortop-Authorization: Bearer %s", x_token);
        hs = curl_slist_append(hs, h2);
    }
    hs = curl_slist_append(hs, "Expect:");
    char *buf = NULL;
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hs);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, curl_on_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &buf);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, timeout_s);
    if (body) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
    }
    long status = -1;
    if (curl_easy_perform(c) == CURLE_OK)
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(hs);
    curl_easy_cleanup(c);
    if (out)
        *out = buf ? buf : strdup("");
    else
        free(buf);
    return status;
}

void harness_b64url(const char *in, char *out, size_t out_len)
{
    static const char al[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    size_t n = strlen(in), o = 0;
    for (size_t i = 0; i < n && o + 5 < out_len; i += 3) {
        uint32_t v = (uint32_t)(unsigned char)in[i] << 16;
        if (i + 1 < n)
            v |= (uint32_t)(unsigned char)in[i + 1] << 8;
        if (i + 2 < n)
            v |= (unsigned char)in[i + 2];
        out[o++] = al[(v >> 18) & 63];
        out[o++] = al[(v >> 12) & 63];
        if (i + 1 < n)
            out[o++] = al[(v >> 6) & 63];
        if (i + 2 < n)
            out[o++] = al[v & 63];
    }
    out[o] = '\0';
}
