/*
 * fuzz_denial: libFuzzer harness for denial_parse_line(), denial_parse_kv(),
 * denial_dedup_key() and aa_label_parse(). tests/fuzz/run.sh builds and runs
 * it; tests/unit/test_fuzz_regressions replays tests/fuzz/regressions/fuzz_denial/.
 *
 * Besides crashes, leaks and UB it aborts when a denial is lost: an input
 * holding apparmor="DENIED" that does not come back as a DENIED record.
 * libapparmor is exercised too (inputs up to 12 KB reach parse_record()).
 *
 * Build and run from the repository root (after ./configure):
 *   clang -std=c11 -g -O1 -fsanitize=fuzzer,address,undefined -I. -Icore \
 *       tests/fuzz/fuzz_denial.c core/denial.c core/apparmor.c core/aa_label.c \
 *       core/xalloc.c core/strbuf.c core/kerr.c core/log.c \
 *       -lapparmor -lpthread -o /tmp/fuzz_denial
 *   mkdir -p /tmp/fuzz-corpus && cp ../shared/corpus/aa-logs/[a-z0-9]*.in \
 *       tests/fixtures/aa-logs/mixed-node.log /tmp/fuzz-corpus/
 *   /tmp/fuzz_denial -max_total_time=60 -max_len=16384 /tmp/fuzz-corpus
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../core/aa_label.h"
#include "../../core/denial.h"
#include "../../core/strbuf.h"
#include "fuzz.h"

/* core must not print: stdout goes to an unlinked file whose size is checked
 * after every input (libFuzzer reports on stderr). */
static int stdout_file = -1;

#ifndef FUZZ_REPLAY
int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    char path[] = "/tmp/fuzz_denial_stdout_XXXXXX";
    (void)argc;
    (void)argv;
    stdout_file = mkstemp(path);
    if (stdout_file < 0)
        abort();
    unlink(path);
    fflush(stdout);
    dup2(stdout_file, 1);
    return 0;
}
#endif

FUZZ_TARGET(fuzz_denial)
{
    static const char literal[] = "apparmor=\"DENIED\"";
    const char *line = (const char *)data;
    bool has_denied =
        size >= sizeof literal - 1 && memmem(line, size, literal, sizeof literal - 1) != NULL;
    struct aa_denial d;
    struct kerr err;
    struct strbuf sb;
    struct aa_label label;
    char *copy = NULL;
    int rc = 0;

    strbuf_init(&sb);
    kerr_clear(&err);
    rc = denial_parse_line(line, size, &d, &err);
    if (rc != 0 && rc != 1 && rc != -KERR_PARSE)
        abort();
    if (has_denied && (rc != 0 || d.event != DENIAL_EVENT_DENIED))
        abort();
    if (rc == 0 && d.event == DENIAL_EVENT_INVALID)
        abort();
    if (denial_dedup_key(&d, &sb) != 0)
        abort();
    aa_denial_done(&d);

    rc = denial_parse_kv(line, size, &d, NULL);
    if (has_denied && (rc != 0 || d.event != DENIAL_EVENT_DENIED))
        abort();
    aa_denial_done(&d);

    copy = malloc(size + 1);
    if (!copy)
        abort();
    memcpy(copy, data, size);
    copy[size] = '\0';
    rc = aa_label_parse(copy, &label);
    if (rc == 0 && (label.component_count == 0 || !label.components[0].name))
        abort();
    if (rc == 0)
        (void)aa_label_has_profile(&label, copy);
    aa_label_done(&label);
    free(copy);
    strbuf_done(&sb);

    fflush(stdout);
    if (stdout_file >= 0 && lseek(1, 0, SEEK_END) != 0)
        abort();
    return 0;
}
