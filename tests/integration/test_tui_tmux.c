/*
 * test_tui_tmux: a few end-to-end runs of the real interactive armortop as a
 * person would use it, under tmux (new-session -x 80 -y 24, send-keys,
 * capture-pane -p), against armortop-sim with agents: launch, `2` nodes,
 * `/unconfined` on the pods, drill into a blocked pod, quit. Slower than the
 * headless screen tests, so few; skipped with a message when tmux is absent.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "../harness.h"

static struct harness_sim sim;
static char sock[300];
static bool have_tmux;

static int tmux(const char *const *args, char **out)
{
    const char *argv[32] = { "tmux", "-S", sock };
    size_t n = 3;
    for (size_t i = 0; args[i] && n < 31; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    char path[300];
    const char *bin = "/usr/bin/tmux";
    if (access(bin, X_OK) != 0)
        bin = "tmux";
    snprintf(path, sizeof path, "%s", bin);
    argv[0] = path;
    struct harness_result r;
    if (harness_run(argv, NULL, 20, &r) != 0)
        return -1;
    int st = r.status;
    if (out)
        *out = r.out, r.out = NULL;
    harness_result_free(&r);
    return st;
}

static char *capture(void)
{
    char *out = NULL;
    const char *a[] = { "capture-pane", "-p", "-t", "t", NULL };
    if (tmux(a, &out) != 0) {
        free(out);
        return NULL;
    }
    return out;
}

/* Wait until the pane shows text (up to secs). Returns the screen (owned) or NULL. */
static char *wait_for(const char *text, int secs)
{
    for (int i = 0; i < secs * 10; i++) {
        char *scr = capture();
        if (scr && strstr(scr, text))
            return scr;
        if (i == secs * 10 - 1 && scr)
            fprintf(stderr, "--- waiting for \"%s\", screen:\n%s\n", text, scr);
        free(scr);
        usleep(100000);
    }
    return NULL;
}

static void keys(const char *k)
{
    const char *a[] = { "send-keys", "-t", "t", k, NULL };
    assert_int_equal(tmux(a, NULL), 0);
}

static void literal(const char *k)
{
    const char *a[] = { "send-keys", "-t", "t", "-l", k, NULL };
    assert_int_equal(tmux(a, NULL), 0);
}

static int setup(void **state)
{
    (void)state;
    have_tmux = harness_have_program("tmux");
    if (!have_tmux)
        return 0;
    const char *args[] = { "--nodes", "5", "--pods", "40", "--seed", "1", "--agents", "3",
                           "--denial-rate", "1", NULL };
    if (harness_sim_start(&sim, args) != 0)
        return -1;
    snprintf(sock, sizeof sock, "%s/tmux.sock", sim.dir);
    char bin[300], cmd[1200];
    harness_bin("armortop", bin, sizeof bin);
    snprintf(cmd, sizeof cmd,
             "env TERM=xterm-256color LANG=C.UTF-8 LC_ALL=C.UTF-8 %s --kubeconfig %s -A "
             "--refresh 1; sleep 5",
             bin, sim.kubeconfig);
    const char *a[] = { "new-session", "-d", "-s", "t", "-x", "80", "-y", "24", cmd, NULL };
    if (tmux(a, NULL) != 0) {
        harness_sim_stop(&sim);
        return -1;
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    if (!have_tmux)
        return 0;
    const char *a[] = { "kill-server", NULL };
    tmux(a, NULL);
    harness_sim_stop(&sim);
    return 0;
}

static void test_session(void **state)
{
    (void)state;
    if (!have_tmux) {
        printf("SKIP: tmux not installed: the end-to-end runs under tmux are skipped\n");
        skip();
    }
    /* launch: the header counts the agents */
    char *scr = wait_for("(agents 3/5)", 20);
    assert_non_null(scr);
    assert_non_null(strstr(scr, "Pods (all namespaces)"));
    free(scr);
    /* 2: nodes with agent columns */
    keys("2");
    scr = wait_for("ENF/CMP", 5);
    assert_non_null(scr);
    assert_non_null(strstr(scr, "node-004 none"));
    free(scr);
    /* 1, /unconfined: the unconfined pods */
    keys("1");
    literal("/unconfined");
    keys("Enter");
    scr = wait_for("filter: unconfined", 5);
    assert_non_null(scr);
    assert_non_null(strstr(scr, "unconfined"));
    free(scr);
    /* the blocked pod: why */
    keys("Escape");
    literal("/blocked");
    keys("Enter");
    keys("Enter");
    scr = wait_for("why", 5);
    assert_non_null(scr);
    assert_non_null(strstr(scr, "has not loaded"));
    free(scr);
    /* quit: the screen is restored (the pane then runs `sleep`) */
    keys("q");
    bool is_gone = false;
    for (int i = 0; i < 50 && !is_gone; i++) {
        scr = capture();
        is_gone = !scr || !strstr(scr, "armortop  ctx");
        free(scr);
        if (!is_gone)
            usleep(100000);
    }
    assert_true(is_gone);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_session),
    };
    return cmocka_run_group_tests_name("tui_tmux", tests, setup, teardown);
}
