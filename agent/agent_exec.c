/*
 * agent_exec: fork/execve with deadline and captured output (see agent_exec.h).
 * The child only calls async-signal-safe functions between fork and execve,
 * since the agent is multi-threaded. Depends on libc, xalloc, kerr.
 */
#include "config.h"
#include "agent_exec.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kerr.h"
#include "xalloc.h"

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct capture {
    int fd;
    char *buf;
    size_t len;
    size_t cap;
    size_t max;
    bool is_truncated;
};

/* Read what is there; returns false at EOF or error (fd then closed). */
static bool capture_read(struct capture *c)
{
    char tmp[65536];
    ssize_t n = read(c->fd, tmp, sizeof tmp);
    if (n < 0 && (errno == EINTR || errno == EAGAIN))
        return true;
    if (n <= 0) {
        close(c->fd);
        c->fd = -1;
        return false;
    }
    size_t take = (size_t)n;
    if (c->len + take > c->max) {
        take = c->max - c->len;
        c->is_truncated = true;
    }
    if (take > 0) {
        if (c->len + take + 1 > c->cap) {
            size_t ncap = c->cap ? c->cap : 4096;
            while (ncap < c->len + take + 1)
                ncap *= 2;
            c->buf = xrealloc(c->buf, ncap);
            c->cap = ncap;
        }
        memcpy(c->buf + c->len, tmp, take);
        c->len += take;
    }
    return true;
}

static void child(const char *const *argv, const char *cwd, int out_fd, int err_fd)
{
    setpgid(0, 0); /* own process group: a timeout kills the parser and anything it started */
    sigset_t all;
    sigemptyset(&all);
    sigprocmask(SIG_SETMASK, &all, NULL);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = SIG_DFL;
    sigaction(SIGPIPE, &sa, NULL);
    int devnull = open("/dev/null", O_RDONLY);
    if (devnull >= 0)
        dup2(devnull, 0);
    dup2(out_fd, 1);
    dup2(err_fd, 2);
#ifdef SYS_close_range
    if (syscall(SYS_close_range, 3U, ~0U, 0U) != 0)
#endif
        for (int fd = 3; fd < 4096; fd++)
            close(fd);
    if (cwd && chdir(cwd) != 0) {
        static const char msg[] = "armortop-agent: chdir failed\n";
        ssize_t w = write(2, msg, sizeof msg - 1);
        (void)w;
        _exit(126);
    }
    static char *const envp[] = { "PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LANG=C", "LC_ALL=C", NULL };
    execve(argv[0], (char *const *)argv, envp);
    static const char msg[] = "armortop-agent: cannot execute the parser\n";
    ssize_t w = write(2, msg, sizeof msg - 1);
    (void)w;
    _exit(127);
}

int agent_exec(const char *const *argv, const char *cwd, int timeout_ms, size_t out_max,
               size_t err_max, struct agent_exec_result *res, struct kerr *err)
{
    int rc = 0;
    int out_pipe[2] = { -1, -1 }, err_pipe[2] = { -1, -1 };
    struct capture cap[2];
    memset(res, 0, sizeof *res);
    res->status = -1;
    memset(cap, 0, sizeof cap);
    cap[0].fd = cap[1].fd = -1;
    if (!argv || !argv[0] || argv[0][0] != '/') {
        rc = kerr_set(err, KERR_INVAL, "program must be an absolute path");
        goto out;
    }
    if (pipe2(out_pipe, O_CLOEXEC) != 0 || pipe2(err_pipe, O_CLOEXEC) != 0) {
        rc = kerr_set(err, KERR_EXEC, "pipe: %s", strerror(errno));
        goto out;
    }
    pid_t pid = fork();
    if (pid < 0) {
        rc = kerr_set(err, KERR_EXEC, "fork: %s", strerror(errno));
        goto out;
    }
    if (pid == 0)
        child(argv, cwd, out_pipe[1], err_pipe[1]);
    close(out_pipe[1]);
    close(err_pipe[1]);
    out_pipe[1] = err_pipe[1] = -1;
    cap[0].fd = out_pipe[0];
    cap[0].max = out_max;
    cap[1].fd = err_pipe[0];
    cap[1].max = err_max;
    out_pipe[0] = err_pipe[0] = -1;

    long long deadline = now_ms() + timeout_ms;
    int wstatus = 0;
    bool reaped = false;
    for (;;) {
        long long left = deadline - now_ms();
        if (left <= 0) {
            res->is_timed_out = true;
            break;
        }
        struct pollfd pfd[2];
        nfds_t n = 0;
        int idx[2];
        for (int i = 0; i < 2; i++)
            if (cap[i].fd >= 0) {
                pfd[n].fd = cap[i].fd;
                pfd[n].events = POLLIN;
                pfd[n].revents = 0;
                idx[n++] = i;
            }
        if (n == 0) {
            /* Both pipes closed: the child is exiting; wait for it within the deadline. */
            pid_t w = waitpid(pid, &wstatus, WNOHANG);
            if (w == pid) {
                reaped = true;
                break;
            }
            struct timespec ts = { 0, 5 * 1000000 };
            nanosleep(&ts, NULL);
            continue;
        }
        int pr = poll(pfd, n, (int)(left > 1000 ? 1000 : left));
        if (pr < 0 && errno != EINTR)
            break;
        for (nfds_t i = 0; pr > 0 && i < n; i++)
            if (pfd[i].revents)
                capture_read(&cap[idx[i]]);
    }
    if (!reaped) {
        kill(-pid, SIGKILL);
        kill(pid, SIGKILL);
        while (waitpid(pid, &wstatus, 0) < 0 && errno == EINTR)
            ;
    }
    if (WIFEXITED(wstatus))
        res->status = WEXITSTATUS(wstatus);
    else if (WIFSIGNALED(wstatus))
        res->status = 128 + WTERMSIG(wstatus);
out:
    for (int i = 0; i < 2; i++)
        if (cap[i].fd >= 0)
            close(cap[i].fd);
    res->out = cap[0].buf ? cap[0].buf : xstrdup("");
    res->out_len = cap[0].len;
    res->out[res->out_len] = '\0';
    res->is_out_truncated = cap[0].is_truncated;
    res->err = cap[1].buf ? cap[1].buf : xstrdup("");
    res->err_len = cap[1].len;
    res->err[res->err_len] = '\0';
    res->is_err_truncated = cap[1].is_truncated;
    for (int i = 0; i < 2; i++) {
        if (out_pipe[i] >= 0)
            close(out_pipe[i]);
        if (err_pipe[i] >= 0)
            close(err_pipe[i]);
    }
    return rc;
}

void agent_exec_result_done(struct agent_exec_result *res)
{
    if (!res)
        return;
    free(res->out);
    free(res->err);
    memset(res, 0, sizeof *res);
    res->status = -1;
}
