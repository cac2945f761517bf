/*
 * test_agent: armortop-agent end to end. Each test starts the real program on
 * an ephemeral loopback port, in a private temp dir holding a fake apparmorfs
 * (aafs_init_fake), a token file with a read and an admin token, a log file
 * and a fake /proc tree, reads its ready line, talks plain HTTP to it over a
 * socket, and stops it with SIGTERM expecting exit status 0 (so sanitizer
 * reports fail the test). Tests that need apparmor_parser or Debian's features
 * file skip with a message when those are absent. Since no kernel reads
 * `.replace` here, the tests play the kernel with aafs_write_fake_profile.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "../harness.h"
#include "aafs.h"

#define READ_TOKEN "read-token-0123456789"
#define ADMIN_TOKEN "admin-token-0123456789"
#define FEATURES "/usr/share/apparmor-features/features"
#define PARSER "/usr/sbin/apparmor_parser"

#define POD_UID "1f2e3d4c-5b6a-4789-8abc-def012345678"
#define CID "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

struct agent_proc {
    pid_t pid;
    int port;
    char dir[256];
    char aafs[320];
    char log[320];
    char proc[320];
    char tokens[320];
    char err_path[320];
};

static const char *const READ_HDR = "Authorization: Bearer " READ_TOKEN;
static const char *const ADMIN_HDR = "Authorization: Bearer " ADMIN_TOKEN;

static void write_file(const char *path, const char *text, mode_t mode)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
    assert_true(fd >= 0);
    size_t len = strlen(text);
    assert_int_equal(write(fd, text, len), (ssize_t)len);
    close(fd);
}

static void append_file(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0644);
    assert_true(fd >= 0);
    size_t len = strlen(text);
    assert_int_equal(write(fd, text, len), (ssize_t)len);
    close(fd);
}

/* A container process in the fake /proc: pid, pod cgroup (containerd, systemd driver), label. */
static void fake_process(const struct agent_proc *ap, int pid, const char *label)
{
    char p[512];
    snprintf(p, sizeof p, "%s/%d", ap->proc, pid);
    mkdir(p, 0755);
    snprintf(p, sizeof p, "%s/%d/attr", ap->proc, pid);
    mkdir(p, 0755);
    snprintf(p, sizeof p, "%s/%d/attr/apparmor", ap->proc, pid);
    mkdir(p, 0755);
    snprintf(p, sizeof p, "%s/%d/attr/apparmor/current", ap->proc, pid);
    write_file(p, label, 0644);
    snprintf(p, sizeof p, "%s/%d/comm", ap->proc, pid);
    write_file(p, "cat\n", 0644);
    snprintf(p, sizeof p, "%s/%d/status", ap->proc, pid);
    char status[128];
    snprintf(status, sizeof status, "Name:\tcat\nTgid:\t%d\nPPid:\t1\n", pid);
    write_file(p, status, 0644);
    snprintf(p, sizeof p, "%s/%d/cgroup", ap->proc, pid);
    write_file(p, "0::/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod1f2e3d4c_5b6a_4789_"
                  "8abc_def012345678.slice/cri-containerd-" CID ".scope\n", 0644);
}

static void dump_stderr(const struct agent_proc *ap)
{
    char *err = harness_read_file(ap->err_path, NULL);
    if (err && *err)
        fprintf(stderr, "---- armortop-agent stderr ----\n%s-------------------------------\n", err);
    free(err);
}

/* Start the agent with the standard arguments plus extra (NULL-terminated, may be NULL). */
static int agent_start(struct agent_proc *ap, const char *const *extra)
{
    memset(ap, 0, sizeof *ap);
    ap->pid = -1;
    const char *tmp = getenv("TMPDIR");
    snprintf(ap->dir, sizeof ap->dir, "%s/test_agent.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(ap->dir))
        return -1;
    snprintf(ap->aafs, sizeof ap->aafs, "%s/aafs", ap->dir);
    snprintf(ap->log, sizeof ap->log, "%s/audit.log", ap->dir);
    snprintf(ap->proc, sizeof ap->proc, "%s/proc", ap->dir);
    snprintf(ap->tokens, sizeof ap->tokens, "%s/tokens", ap->dir);
    snprintf(ap->err_path, sizeof ap->err_path, "%s/agent.err", ap->dir);
    if (aafs_init_fake(ap->aafs) != 0)
        return -1;
    mkdir(ap->proc, 0755);
    write_file(ap->log, "", 0644);
    write_file(ap->tokens, "# test tokens\n" READ_TOKEN ",read,tester-read\n" ADMIN_TOKEN ",admin,tester-admin\n",
               0600);

    char bin[512];
    harness_bin("armortop-agent", bin, sizeof bin);
    const char *argv[40] = { bin, "--node-name", "n1", "--listen", "127.0.0.1:0", "--apparmorfs", ap->aafs,
                             "--log", ap->log, "--proc", ap->proc, "--token-file", ap->tokens, "-v" };
    size_t n = 14;
    for (size_t i = 0; extra && extra[i] && n < 38; i++)
        argv[n++] = extra[i];
    argv[n] = NULL;

    int out[2];
    if (pipe(out) != 0)
        return -1;
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        int efd = open(ap->err_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        dup2(out[1], 1);
        if (efd >= 0)
            dup2(efd, 2);
        close(out[0]);
        execv(bin, (char *const *)argv);
        _exit(127);
    }
    close(out[1]);
    ap->pid = pid;
    char line[512];
    size_t len = 0;
    time_t deadline = time(NULL) + 15;
    while (len < sizeof line - 1 && time(NULL) < deadline) {
        struct pollfd pfd = { .fd = out[0], .events = POLLIN };
        if (poll(&pfd, 1, 500) <= 0)
            continue;
        ssize_t r = read(out[0], line + len, 1);
        if (r <= 0)
            break;
        if (line[len] == '\n')
            break;
        len++;
    }
    line[len] = '\0';
    close(out[0]);
    if (sscanf(line, "armortop-agent: ready http://127.0.0.1:%d node n1", &ap->port) != 1) {
        fprintf(stderr, "no ready line (got \"%s\")\n", line);
        dump_stderr(ap);
        return -1;
    }
    return 0;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

/* SIGTERM, expect exit 0 within 10 s, remove the dir. Returns the exit status. */
static int agent_stop(struct agent_proc *ap)
{
    int code = -1;
    if (ap->pid > 0) {
        kill(ap->pid, SIGTERM);
        int st = 0;
        for (int i = 0; i < 200; i++) {
            pid_t w = waitpid(ap->pid, &st, WNOHANG);
            if (w == ap->pid) {
                code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
                break;
            }
            struct timespec ts = { 0, 50 * 1000000 };
            nanosleep(&ts, NULL);
        }
        if (code < 0) {
            kill(ap->pid, SIGKILL);
            waitpid(ap->pid, NULL, 0);
            code = 999;
        }
        if (code != 0)
            dump_stderr(ap);
        ap->pid = -1;
    }
    if (ap->dir[0])
        nftw(ap->dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    ap->dir[0] = '\0';
    return code;
}

struct resp {
    int status;
    char *body;
    cJSON *json; /* parsed body when it is JSON */
};

static void resp_free(struct resp *r)
{
    free(r->body);
    cJSON_Delete(r->json);
    memset(r, 0, sizeof *r);
}

/* One request over a fresh connection. hdr: one extra header line or NULL. body may be NULL.
 * With no_body_send, the Content-Length is announced (with Expect: 100-continue) but not sent. */
static int http_full(const struct agent_proc *ap, const char *method, const char *path, const char *hdr,
                     const char *body, size_t body_len, bool no_body_send, struct resp *res)
{
    memset(res, 0, sizeof *res);
    res->status = -1;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return -1;
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)ap->port) };
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        close(fd);
        return -1;
    }
    char head[2048];
    int hl = snprintf(head, sizeof head,
                      "%s %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n%s%s%sContent-Length: %zu\r\nConnection: close\r\n\r\n",
                      method, path, ap->port, hdr ? hdr : "", hdr ? "\r\n" : "",
                      no_body_send ? "Expect: 100-continue\r\n" : "", body ? body_len : 0);
    if (write(fd, head, (size_t)hl) != hl) {
        close(fd);
        return -1;
    }
    for (size_t off = 0; body && !no_body_send && off < body_len;) {
        ssize_t w = write(fd, body + off, body_len - off);
        if (w <= 0)
            break;
        off += (size_t)w;
    }
    char *buf = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        struct pollfd pfd = { .fd = fd, .events = POLLIN };
        if (poll(&pfd, 1, 30000) <= 0)
            break;
        if (len + 4096 + 1 > cap) {
            cap = cap ? cap * 2 : 65536;
            buf = realloc(buf, cap);
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
    /* Skip an interim "100 Continue". */
    while (strncmp(b, "HTTP/1.1 100", 12) == 0) {
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

static int http(const struct agent_proc *ap, const char *method, const char *path, const char *hdr,
                const char *body, struct resp *res)
{
    return http_full(ap, method, path, hdr, body, body ? strlen(body) : 0, false, res);
}

static const char *jstr(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static double jnum(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsNumber(v) ? v->valuedouble : -1;
}

static bool have_parser(void)
{
    if (access(PARSER, X_OK) != 0 || access(FEATURES, R_OK) != 0) {
        print_message("SKIP: needs %s and %s (Debian package apparmor)\n", PARSER, FEATURES);
        return false;
    }
    return true;
}

static const char *const OK_PROFILE = "profile k8s-test flags=(attach_disconnected) {\n  file,\n}\n";

/* GET /v1/denials?since=C until at least want records arrive (5 s). Returns the response. */
static void wait_denials(const struct agent_proc *ap, unsigned long long since, int want, struct resp *r)
{
    char path[128];
    snprintf(path, sizeof path, "/v1/denials?since=%llu", since);
    for (int i = 0; i < 100; i++) {
        assert_int_equal(http(ap, "GET", path, READ_HDR, NULL, r), 200);
        const cJSON *recs = cJSON_GetObjectItemCaseSensitive(r->json, "records");
        if (cJSON_GetArraySize(recs) >= want)
            return;
        resp_free(r);
        struct timespec ts = { 0, 50 * 1000000 };
        nanosleep(&ts, NULL);
    }
    assert_int_equal(http(ap, "GET", path, READ_HDR, NULL, r), 200);
}

/* ---- tests ---- */

static void test_health_status_auth(void **state)
{
    (void)state;
    struct agent_proc ap;
    struct resp r;
    assert_int_equal(agent_start(&ap, NULL), 0);

    assert_int_equal(http(&ap, "GET", "/healthz", NULL, NULL, &r), 200);
    assert_string_equal(r.body, "ok\n");
    resp_free(&r);

    assert_int_equal(http(&ap, "GET", "/v1/status", NULL, NULL, &r), 401);
    resp_free(&r);
    assert_int_equal(http(&ap, "GET", "/v1/status", "Authorization: Bearer wrong-token-xyz", NULL, &r), 401);
    resp_free(&r);

    assert_int_equal(http(&ap, "GET", "/v1/status", READ_HDR, NULL, &r), 200);
    assert_non_null(r.json);
    assert_string_equal(jstr(r.json, "node"), "n1");
    const cJSON *aa = cJSON_GetObjectItemCaseSensitive(r.json, "apparmor");
    assert_true(cJSON_IsBool(cJSON_GetObjectItemCaseSensitive(aa, "enabled")));
    assert_non_null(jstr(aa, "reason"));
    const cJSON *src = cJSON_GetObjectItemCaseSensitive(r.json, "denial_source");
    assert_string_equal(jstr(src, "kind"), "file");
    assert_string_equal(jstr(src, "path"), ap.log);
    assert_true(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(src, "healthy")));
    assert_true(jnum(r.json, "revision") >= 1);
    assert_non_null(jstr(r.json, "version"));
    resp_free(&r);

    /* The pods proxy strips Authorization: the agent also reads X-Armortop-Authorization. */
    assert_int_equal(http(&ap, "GET", "/v1/profiles", "X-Armortop-Authorization: Bearer " READ_TOKEN, NULL, &r),
                     200);
    assert_true(cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(r.json, "profiles")));
    resp_free(&r);

    assert_int_equal(http(&ap, "GET", "/metrics", READ_HDR, NULL, &r), 200);
    assert_non_null(strstr(r.body, "armortop_agent_http_requests_total{code=\"401\"} 2"));
    assert_non_null(strstr(r.body, "armortop_agent_profiles{mode=\"enforce\"}"));
    assert_non_null(strstr(r.body, "armortop_agent_source_healthy{kind=\"file\"} 1"));
    resp_free(&r);

    assert_int_equal(http(&ap, "GET", "/v1/nothing", READ_HDR, NULL, &r), 404);
    resp_free(&r);
    assert_int_equal(http(&ap, "GET", "/v1/denials?since=abc", READ_HDR, NULL, &r), 400);
    resp_free(&r);
    assert_int_equal(agent_stop(&ap), 0);
}

static void test_refuses_without_auth(void **state)
{
    (void)state;
    char bin[512];
    harness_bin("armortop-agent", bin, sizeof bin);
    struct harness_result res;
    const char *argv1[] = { bin, "--node-name", "n1", "--log", "/dev/null", "--apparmorfs", "/nonexistent", NULL };
    assert_int_equal(harness_run(argv1, NULL, 20, &res), 0);
    assert_int_equal(res.status, 2);
    assert_non_null(strstr(res.err, "token-file"));
    harness_result_free(&res);
    const char *argv2[] = { bin, "--node-name", "n1", "--listen", "0.0.0.0:0", "--insecure-no-auth", "--log",
                            "/dev/null", NULL };
    assert_int_equal(harness_run(argv2, NULL, 20, &res), 0);
    assert_int_equal(res.status, 2);
    harness_result_free(&res);
    const char *argv3[] = { bin, "--listen", "127.0.0.1:0", NULL };
    assert_int_equal(harness_run(argv3, NULL, 20, &res), 0);
    assert_int_equal(res.status, 1);
    harness_result_free(&res);
}

static void test_put_get_mode_delete(void **state)
{
    (void)state;
    if (!have_parser()) {
        skip();
        return;
    }
    struct agent_proc ap;
    struct resp r;
    char p[512];
    assert_int_equal(agent_start(&ap, NULL), 0);

    assert_int_equal(http(&ap, "PUT", "/v1/profiles/k8s-test", ADMIN_HDR, OK_PROFILE, &r), 200);
    assert_string_equal(jstr(r.json, "name"), "k8s-test");
    assert_true(jnum(r.json, "revision") >= 1);
    resp_free(&r);

    size_t blen = 0;
    snprintf(p, sizeof p, "%s/.replace", ap.aafs);
    char *blob = harness_read_file(p, &blen);
    assert_non_null(blob);
    assert_true(blen > 100);
    assert_memory_equal(blob, "\x04\x08\x00version", 10);
    free(blob);

    /* Play the kernel: the profile is now loaded. */
    assert_int_equal(aafs_write_fake_profile(ap.aafs, "k8s-test", "enforce", NULL), 0);
    assert_int_equal(http(&ap, "GET", "/v1/profiles", READ_HDR, NULL, &r), 200);
    const cJSON *profs = cJSON_GetObjectItemCaseSensitive(r.json, "profiles");
    assert_int_equal(cJSON_GetArraySize(profs), 1);
    assert_string_equal(jstr(cJSON_GetArrayItem(profs, 0), "name"), "k8s-test");
    assert_string_equal(jstr(cJSON_GetArrayItem(profs, 0), "mode"), "enforce");
    resp_free(&r);
    /* The agent noticed the policy revision change. */
    int changes = 0;
    for (int i = 0; i < 100 && changes < 1; i++) {
        assert_int_equal(http(&ap, "GET", "/v1/status", READ_HDR, NULL, &r), 200);
        changes = (int)jnum(cJSON_GetObjectItemCaseSensitive(r.json, "counts"), "policy_changes");
        resp_free(&r);
        if (changes < 1) {
            struct timespec ts = { 0, 50 * 1000000 };
            nanosleep(&ts, NULL);
        }
    }
    assert_int_equal(changes, 1);

    /* A profile named after a binary: leading slash in the name. */
    assert_int_equal(http(&ap, "PUT", "/v1/profiles//usr/bin/k8s-tool", ADMIN_HDR,
                          "/usr/bin/k8s-tool {\n  file,\n}\n", &r), 200);
    assert_string_equal(jstr(r.json, "name"), "/usr/bin/k8s-tool");
    resp_free(&r);

    assert_int_equal(http(&ap, "GET", "/v1/profiles/k8s-test", READ_HDR, NULL, &r), 200);
    assert_string_equal(jstr(r.json, "source"), OK_PROFILE);
    resp_free(&r);
    assert_int_equal(http(&ap, "GET", "/v1/profiles/k8s-none", READ_HDR, NULL, &r), 404);
    resp_free(&r);

    /* Mode switch recompiles the kept source with -C. */
    snprintf(p, sizeof p, "%s/.replace", ap.aafs);
    write_file(p, "", 0644);
    assert_int_equal(http(&ap, "POST", "/v1/profiles/k8s-test/mode", READ_HDR, "{\"mode\":\"complain\"}", &r), 403);
    resp_free(&r);
    assert_int_equal(http(&ap, "POST", "/v1/profiles/k8s-test/mode", ADMIN_HDR, "{\"mode\":\"sideways\"}", &r), 400);
    resp_free(&r);
    assert_int_equal(http(&ap, "POST", "/v1/profiles/k8s-test/mode", ADMIN_HDR, "{\"mode\":\"complain\"}", &r), 200);
    assert_string_equal(jstr(r.json, "mode"), "complain");
    resp_free(&r);
    blob = harness_read_file(p, &blen);
    assert_non_null(blob);
    assert_memory_equal(blob, "\x04\x08\x00version", 10);
    free(blob);
    assert_int_equal(http(&ap, "POST", "/v1/profiles/k8s-other/mode", ADMIN_HDR, "{\"mode\":\"enforce\"}", &r), 409);
    resp_free(&r);

    /* Unload. */
    assert_int_equal(http(&ap, "DELETE", "/v1/profiles/k8s-test", READ_HDR, NULL, &r), 403);
    resp_free(&r);
    assert_int_equal(http(&ap, "DELETE", "/v1/profiles/k8s-test", ADMIN_HDR, NULL, &r), 200);
    resp_free(&r);
    snprintf(p, sizeof p, "%s/.remove", ap.aafs);
    char *rm = harness_read_file(p, &blen);
    assert_non_null(rm);
    assert_int_equal(blen, 9);
    assert_memory_equal(rm, "k8s-test\0", 9);
    free(rm);
    assert_int_equal(http(&ap, "DELETE", "/v1/profiles/k8s-never", ADMIN_HDR, NULL, &r), 404);
    resp_free(&r);

    assert_int_equal(http(&ap, "GET", "/metrics", READ_HDR, NULL, &r), 200);
    assert_non_null(strstr(r.body, "armortop_agent_changes_total 4"));
    resp_free(&r);
    assert_int_equal(agent_stop(&ap), 0);
}

static void test_put_rejections(void **state)
{
    (void)state;
    if (!have_parser()) {
        skip();
        return;
    }
    struct agent_proc ap;
    struct resp r;
    assert_int_equal(agent_start(&ap, NULL), 0);

    /* Parser diagnostics with the line number. */
    assert_int_equal(http(&ap, "PUT", "/v1/profiles/k8s-bad", ADMIN_HDR,
                          "profile k8s-bad {\n  file,\n  /etc/** bogus,\n}\n", &r), 400);
    assert_int_equal((int)jnum(r.json, "line"), 3);
    assert_non_null(strstr(jstr(r.json, "diagnostics"), "at line 3"));
    assert_null(strstr(r.body, ap.dir)); /* no temp path leaks */
    resp_free(&r);

    /* The text must define the profile named in the URL. */
    assert_int_equal(http(&ap, "PUT", "/v1/profiles/k8s-other", ADMIN_HDR, OK_PROFILE, &r), 400);
    assert_non_null(strstr(jstr(r.json, "error"), "does not define"));
    resp_free(&r);

    /* Names: traversal, encoded newline, encoded NUL, backslash, too long. */
    const char *bad[] = { "/v1/profiles/../etc", "/v1/profiles/a/../b", "/v1/profiles/k8s%0Atest",
                          "/v1/profiles/k8s%00test", "/v1/profiles/k8s%5Ctest", "/v1/profiles/..", NULL };
    for (size_t i = 0; bad[i]; i++) {
        assert_int_equal(http(&ap, "PUT", bad[i], ADMIN_HDR, OK_PROFILE, &r), 400);
        resp_free(&r);
    }
    char longp[400] = "/v1/profiles/";
    memset(longp + strlen(longp), 'a', 260);
    assert_int_equal(http(&ap, "PUT", longp, ADMIN_HDR, OK_PROFILE, &r), 400);
    resp_free(&r);

    /* Auth on writes. */
    assert_int_equal(http(&ap, "PUT", "/v1/profiles/k8s-test", NULL, OK_PROFILE, &r), 401);
    resp_free(&r);
    assert_int_equal(http(&ap, "PUT", "/v1/profiles/k8s-test", READ_HDR, OK_PROFILE, &r), 403);
    resp_free(&r);
    assert_int_equal(http(&ap, "PUT", "/v1/profiles/k8s-test", "X-Armortop-Authorization: Bearer " ADMIN_TOKEN,
                          OK_PROFILE, &r), 200);
    resp_free(&r);

    /* Body limit: announced (rejected before reading) and sent. */
    size_t big = 1024 * 1024 + 1;
    char *body = malloc(big + 1);
    memset(body, '#', big);
    body[big] = '\0';
    assert_int_equal(http_full(&ap, "PUT", "/v1/profiles/k8s-test", ADMIN_HDR, body, big, true, &r), 413);
    resp_free(&r);
    free(body);
    assert_int_equal(http(&ap, "PUT", "/v1/profiles/k8s-test", ADMIN_HDR, "", &r), 400);
    resp_free(&r);
    assert_int_equal(agent_stop(&ap), 0);
}

static void test_delete_in_use(void **state)
{
    (void)state;
    if (!have_parser()) {
        skip();
        return;
    }
    struct agent_proc ap;
    struct resp r;
    assert_int_equal(agent_start(&ap, NULL), 0);
    fake_process(&ap, 4242, "k8s-test (enforce)\n");
    assert_int_equal(http(&ap, "PUT", "/v1/profiles/k8s-test", ADMIN_HDR, OK_PROFILE, &r), 200);
    resp_free(&r);
    assert_int_equal(aafs_write_fake_profile(ap.aafs, "k8s-test", "enforce", NULL), 0);
    assert_int_equal(http(&ap, "DELETE", "/v1/profiles/k8s-test", ADMIN_HDR, NULL, &r), 409);
    const cJSON *procs = cJSON_GetObjectItemCaseSensitive(r.json, "processes");
    assert_int_equal(cJSON_GetArraySize(procs), 1);
    assert_string_equal(jstr(cJSON_GetArrayItem(procs, 0), "container_id"), CID);
    resp_free(&r);
    assert_int_equal(http(&ap, "DELETE", "/v1/profiles/k8s-test?force=1", ADMIN_HDR, NULL, &r), 200);
    resp_free(&r);
    assert_int_equal(agent_stop(&ap), 0);
}

static void test_containers_and_attribution(void **state)
{
    (void)state;
    struct agent_proc ap;
    struct resp r;
    assert_int_equal(agent_start(&ap, NULL), 0);
    fake_process(&ap, 4242, "k8s-a (complain)\n");
    fake_process(&ap, 4243, "k8s-a (complain)\n");
    /* A host process: not a container. */
    char p[512];
    snprintf(p, sizeof p, "%s/1", ap.proc);
    mkdir(p, 0755);
    snprintf(p, sizeof p, "%s/1/cgroup", ap.proc);
    write_file(p, "0::/init.scope\n", 0644);

    assert_int_equal(http(&ap, "GET", "/v1/containers", READ_HDR, NULL, &r), 200);
    assert_true(cJSON_IsArray(r.json));
    assert_int_equal(cJSON_GetArraySize(r.json), 1);
    const cJSON *c0 = cJSON_GetArrayItem(r.json, 0);
    assert_string_equal(jstr(c0, "container_id"), CID);
    assert_string_equal(jstr(c0, "pod_uid"), POD_UID);
    assert_int_equal((int)jnum(c0, "pid"), 4242);
    assert_string_equal(jstr(c0, "label"), "k8s-a (complain)");
    assert_string_equal(jstr(c0, "mode"), "complain");
    assert_string_equal(jstr(c0, "runtime"), "containerd");
    resp_free(&r);

    append_file(ap.log, "type=AVC msg=audit(1716371133.123:456): apparmor=\"DENIED\" operation=\"open\" "
                        "profile=\"k8s-a\" name=\"/etc/shadow\" pid=4243 comm=\"cat\" requested_mask=\"r\" "
                        "denied_mask=\"r\" fsuid=0 ouid=0\n"
                        "type=AVC msg=audit(1716371133.124:457): apparmor=\"DENIED\" operation=\"open\" "
                        "profile=\"k8s-a\" name=\"/etc/shadow\" pid=77777 comm=\"cat\" requested_mask=\"r\" "
                        "denied_mask=\"r\" fsuid=0 ouid=0\n");
    wait_denials(&ap, 0, 2, &r);
    const cJSON *recs = cJSON_GetObjectItemCaseSensitive(r.json, "records");
    assert_int_equal(cJSON_GetArraySize(recs), 2);
    const cJSON *d0 = cJSON_GetArrayItem(recs, 0);
    assert_string_equal(jstr(d0, "pod_uid"), POD_UID);
    assert_string_equal(jstr(d0, "container_id"), CID);
    assert_string_equal(jstr(d0, "node"), "n1");
    assert_string_equal(jstr(d0, "attributed_by"), "pid");
    const cJSON *d1 = cJSON_GetArrayItem(recs, 1);
    assert_null(jstr(d1, "pod_uid"));
    assert_string_equal(jstr(d1, "profile"), "k8s-a");
    assert_string_equal(jstr(d1, "attributed_by"), "profile");
    resp_free(&r);

    /* Identical denials are counted once in the summary. */
    assert_int_equal(http(&ap, "GET", "/v1/denials/summary", READ_HDR, NULL, &r), 200);
    assert_int_equal(cJSON_GetArraySize(r.json), 1);
    assert_int_equal((int)jnum(cJSON_GetArrayItem(r.json, 0), "count"), 2);
    assert_string_equal(jstr(cJSON_GetArrayItem(r.json, 0), "first"), "2024-05-22T09:45:33.123Z");
    assert_string_equal(jstr(cJSON_GetArrayItem(r.json, 0), "last"), "2024-05-22T09:45:33.124Z");
    resp_free(&r);
    assert_int_equal(agent_stop(&ap), 0);
}

static const char *const LINES[] = {
    /* auditd */
    "type=AVC msg=audit(1716371133.123:456): apparmor=\"DENIED\" operation=\"open\" profile=\"k8s-a\" "
    "name=\"/etc/shadow\" pid=999991 comm=\"cat\" requested_mask=\"r\" denied_mask=\"r\" fsuid=0 ouid=0\n",
    /* not AppArmor */
    "type=SYSCALL msg=audit(1716371133.123:456): arch=c000003e syscall=257 success=no exit=-13 a0=ffffff9c "
    "pid=999991 comm=\"cat\"\n",
    /* kernels >= 6.x with class= */
    "type=AVC msg=audit(1716371134.000:457): apparmor=\"DENIED\" operation=\"open\" class=\"file\" "
    "profile=\"k8s-b\" name=\"/etc/passwd\" pid=999992 comm=\"sh\" requested_mask=\"w\" denied_mask=\"w\" "
    "fsuid=0 ouid=0\n",
    /* /dev/kmsg form */
    "5,1234,5678901,-;audit: type=1400 audit(1716371135.000:458): apparmor=\"DENIED\" operation=\"capable\" "
    "class=\"cap\" profile=\"k8s-c\" pid=999993 comm=\"ping\" capability=13  capname=\"net_raw\"\n",
    /* kern.log with a dmesg stamp */
    "May 22 09:45:36 node1 kernel: [   12.345678] audit: type=1400 audit(1716371136.000:459): "
    "apparmor=\"DENIED\" operation=\"mkdir\" profile=\"k8s-d\" name=\"/x/\" pid=999994 comm=\"mkdir\" "
    "requested_mask=\"c\" denied_mask=\"c\" fsuid=0 ouid=0\n",
    NULL,
};

static void test_denials_follow(void **state)
{
    (void)state;
    struct agent_proc ap;
    struct resp r;
    const char *l = LINES[2];
    size_t half = strlen(l) / 2;
    char first[1024];
    memcpy(first, l, half);
    first[half] = '\0';
    struct timespec ts = { 0, 200 * 1000000 };

    /* Order, exactly once, a line written in two pieces read once and whole. */
    assert_int_equal(agent_start(&ap, NULL), 0);
    append_file(ap.log, LINES[0]);
    append_file(ap.log, LINES[1]);
    append_file(ap.log, first);
    nanosleep(&ts, NULL);
    append_file(ap.log, l + half);
    append_file(ap.log, LINES[3]);
    append_file(ap.log, LINES[4]);
    wait_denials(&ap, 0, 4, &r);
    const cJSON *recs = cJSON_GetObjectItemCaseSensitive(r.json, "records");
    assert_int_equal(cJSON_GetArraySize(recs), 4);
    const char *want[] = { "k8s-a", "k8s-b", "k8s-c", "k8s-d" };
    for (int i = 0; i < 4; i++) {
        const cJSON *d = cJSON_GetArrayItem(recs, i);
        assert_string_equal(jstr(d, "profile"), want[i]);
        assert_string_equal(jstr(d, "event"), "DENIED");
        assert_int_equal((int)jnum(d, "cursor"), i + 1);
    }
    assert_string_equal(jstr(cJSON_GetArrayItem(recs, 1), "class"), "file");
    assert_string_equal(jstr(cJSON_GetArrayItem(recs, 1), "name"), "/etc/passwd");
    assert_string_equal(jstr(cJSON_GetArrayItem(recs, 2), "operation"), "capable");
    assert_int_equal((int)jnum(r.json, "next"), 4);
    assert_int_equal((int)jnum(r.json, "dropped"), 0);
    resp_free(&r);

    /* Nothing new after next; limit pages. */
    assert_int_equal(http(&ap, "GET", "/v1/denials?since=4", READ_HDR, NULL, &r), 200);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(r.json, "records")), 0);
    assert_int_equal((int)jnum(r.json, "next"), 4);
    resp_free(&r);
    assert_int_equal(http(&ap, "GET", "/v1/denials?since=1&limit=2", READ_HDR, NULL, &r), 200);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(r.json, "records")), 2);
    assert_int_equal((int)jnum(r.json, "next"), 3);
    resp_free(&r);
    assert_int_equal(agent_stop(&ap), 0);
}

static void test_ring_overflow(void **state)
{
    (void)state;
    struct agent_proc ap;
    struct resp r;
    const char *extra[] = { "--ring", "8", NULL };
    assert_int_equal(agent_start(&ap, extra), 0);
    char line[512], all[512 * 20] = "";
    for (int i = 1; i <= 20; i++) {
        snprintf(line, sizeof line, "type=AVC msg=audit(1716371133.%03d:%d): apparmor=\"DENIED\" operation=\"open\" "
                 "profile=\"k8s-r\" name=\"/f%d\" pid=999990 comm=\"cat\" requested_mask=\"r\" denied_mask=\"r\" "
                 "fsuid=0 ouid=0\n", i, i, i);
        strcat(all, line);
    }
    append_file(ap.log, all);
    for (int i = 0; i < 100; i++) {
        assert_int_equal(http(&ap, "GET", "/v1/status", READ_HDR, NULL, &r), 200);
        int n = (int)jnum(cJSON_GetObjectItemCaseSensitive(r.json, "counts"), "denials");
        resp_free(&r);
        if (n >= 20)
            break;
        struct timespec ts = { 0, 50 * 1000000 };
        nanosleep(&ts, NULL);
    }
    assert_int_equal(http(&ap, "GET", "/v1/denials?since=0", READ_HDR, NULL, &r), 200);
    const cJSON *recs = cJSON_GetObjectItemCaseSensitive(r.json, "records");
    assert_int_equal(cJSON_GetArraySize(recs), 8);
    assert_int_equal((int)jnum(r.json, "dropped"), 12);
    assert_int_equal((int)jnum(r.json, "next"), 20);
    assert_string_equal(jstr(cJSON_GetArrayItem(recs, 0), "name"), "/f13");
    assert_string_equal(jstr(cJSON_GetArrayItem(recs, 7), "name"), "/f20");
    resp_free(&r);
    /* A caller that had read up to 10 missed 11 and 12. */
    assert_int_equal(http(&ap, "GET", "/v1/denials?since=10", READ_HDR, NULL, &r), 200);
    assert_int_equal((int)jnum(r.json, "dropped"), 2);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(r.json, "records")), 8);
    resp_free(&r);
    /* One that was up to date missed nothing. */
    assert_int_equal(http(&ap, "GET", "/v1/denials?since=20", READ_HDR, NULL, &r), 200);
    assert_int_equal((int)jnum(r.json, "dropped"), 0);
    resp_free(&r);
    assert_int_equal(agent_stop(&ap), 0);
}

static void denial_line(char *buf, size_t len, int i)
{
    snprintf(buf, len, "type=AVC msg=audit(1716371200.000:%d): apparmor=\"DENIED\" operation=\"open\" "
             "profile=\"k8s-rot\" name=\"/r%d\" pid=999990 comm=\"cat\" requested_mask=\"r\" denied_mask=\"r\" "
             "fsuid=0 ouid=0\n", i, i);
}

static void test_rotation_truncation_offset(void **state)
{
    (void)state;
    struct agent_proc ap;
    struct resp r;
    char line[512], rotated[400];
    assert_int_equal(agent_start(&ap, NULL), 0);
    snprintf(rotated, sizeof rotated, "%s.1", ap.log);

    denial_line(line, sizeof line, 1);
    append_file(ap.log, line);
    wait_denials(&ap, 0, 1, &r);
    resp_free(&r);

    /* Rotation: rename, the old file gets one more line, then a new file appears. */
    assert_int_equal(rename(ap.log, rotated), 0);
    denial_line(line, sizeof line, 2);
    append_file(rotated, line);
    denial_line(line, sizeof line, 3);
    append_file(ap.log, line);
    wait_denials(&ap, 0, 3, &r);
    const cJSON *recs = cJSON_GetObjectItemCaseSensitive(r.json, "records");
    assert_int_equal(cJSON_GetArraySize(recs), 3);
    assert_string_equal(jstr(cJSON_GetArrayItem(recs, 2), "name"), "/r3");
    resp_free(&r);

    /* More lines into the new file are read. */
    denial_line(line, sizeof line, 4);
    append_file(ap.log, line);
    wait_denials(&ap, 3, 1, &r);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(r.json, "records")), 1);
    resp_free(&r);

    /* Truncation (copytruncate style): the shorter file is read from 0. */
    write_file(ap.log, "", 0644);
    struct timespec ts = { 0, 200 * 1000000 };
    nanosleep(&ts, NULL);
    denial_line(line, sizeof line, 5);
    append_file(ap.log, line);
    wait_denials(&ap, 4, 1, &r);
    recs = cJSON_GetObjectItemCaseSensitive(r.json, "records");
    assert_int_equal(cJSON_GetArraySize(recs), 1);
    assert_string_equal(jstr(cJSON_GetArrayItem(recs, 0), "name"), "/r5");
    resp_free(&r);

    assert_int_equal(http(&ap, "GET", "/v1/status", READ_HDR, NULL, &r), 200);
    const cJSON *src = cJSON_GetObjectItemCaseSensitive(r.json, "denial_source");
    assert_true(jnum(src, "rotations") >= 1);
    assert_true(jnum(src, "truncations") >= 1);
    resp_free(&r);
    assert_int_equal(agent_stop(&ap), 0);
}

static void test_offset_file(void **state)
{
    (void)state;
    /* Run 1 reads a line and saves its offset at exit; lines written while it is down are read
     * by run 2, which resumes from the saved offset instead of the end. */
    struct agent_proc ap;
    struct resp r;
    char line[512], offs[400], log[400], base[300];
    const char *tmp = getenv("TMPDIR");
    snprintf(base, sizeof base, "%s/test_agent_off.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    assert_non_null(mkdtemp(base));
    snprintf(offs, sizeof offs, "%s/offset", base);
    snprintf(log, sizeof log, "%s/shared.log", base);
    /* A line already there before the first start is skipped: reading starts at the end. */
    denial_line(line, sizeof line, 0);
    write_file(log, line, 0644);

    const char *extra[] = { "--offset-file", offs, "--log", log, NULL };
    assert_int_equal(agent_start(&ap, extra), 0);
    denial_line(line, sizeof line, 1);
    append_file(log, line);
    wait_denials(&ap, 0, 1, &r);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(r.json, "records")), 1);
    assert_string_equal(jstr(cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(r.json, "records"), 0), "name"),
                        "/r1");
    resp_free(&r);
    assert_int_equal(agent_stop(&ap), 0);
    assert_int_equal(access(offs, R_OK), 0);

    denial_line(line, sizeof line, 2);
    append_file(log, line);
    assert_int_equal(agent_start(&ap, extra), 0);
    wait_denials(&ap, 0, 1, &r);
    const cJSON *recs = cJSON_GetObjectItemCaseSensitive(r.json, "records");
    assert_int_equal(cJSON_GetArraySize(recs), 1);
    assert_string_equal(jstr(cJSON_GetArrayItem(recs, 0), "name"), "/r2");
    resp_free(&r);
    assert_int_equal(agent_stop(&ap), 0);
    nftw(base, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_health_status_auth),
        cmocka_unit_test(test_refuses_without_auth),
        cmocka_unit_test(test_put_get_mode_delete),
        cmocka_unit_test(test_put_rejections),
        cmocka_unit_test(test_delete_in_use),
        cmocka_unit_test(test_containers_and_attribution),
        cmocka_unit_test(test_denials_follow),
        cmocka_unit_test(test_ring_overflow),
        cmocka_unit_test(test_rotation_truncation_offset),
        cmocka_unit_test(test_offset_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
