/*
 * bench_denials: denial throughput for `make bench` (issue 6, benchmark 4).
 *
 * Reads AppArmor log lines (the corpus' *.in files), repeats them to --lines
 * lines, and times (CPU time of the benchmark thread, see cpu_s), median of
 * --runs runs each:
 *   bare     libapparmor's parse_record() + free_record() on a writable copy of
 *            each line (the peer: what a minimal libapparmor consumer pays);
 *   parse    core's denial_parse_line() (its fast path for the kernel's
 *            usual lines, else the filtered libapparmor copy, and our own
 *            key=value reader) + aa_denial_done();
 *   parse-lib the same without the fast path (denial_parse_line_lib: what
 *            the fast path saves; informational);
 *   agent    armortop-agent's whole path, the code the agent runs: the
 *            corpus as one text, fed through agent_denials_feed_bytes() (the
 *            reader thread's own line splitting, as after each read() of the
 *            log) into agent_denials_feed_line() (parse, pid attribution
 *            against a /proc without the pids, with the agent's per-pid
 *            cache, JSON rendering, ring insert, summary counters), and every
 *            record served once through agent_denials_render() (/v1/denials),
 *            polled whenever half a ring is waiting, as a poller would.
 * Then checks that no DENIED line is lost: every input line holding
 * apparmor="DENIED" must come back from denial_parse_line() as a DENIED
 * record, the agent must have put one ring record per kept line, and the
 * fast path must agree with denial_parse_line_lib() on every corpus line.
 *
 * --write FILE --rate R --seconds S instead appends the corpus' DENIED lines
 * to FILE at R lines/s for S seconds (in 100 slices a second) and prints
 * "written N": the load for the agent footprint benchmark.
 *
 * A benchmark helper, not part of armortop: it links libapparmor directly
 * (core keeps it in core/apparmor.c). Lines over 12 KB are not given to bare
 * parse_record() (3.0.8 corrupts its heap on 16 KB tokens); the corpus has
 * none or few, and the count is printed. parse_record() echoes some input to
 * stdout, so stdout goes to /dev/null while it runs.
 */
#include "config.h"

#include <aalogparse/aalogparse.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "agent/agent_denials.h"
#include "denial.h"
#include "kerr.h"
#include "strbuf.h"
#include "xalloc.h"

#define BARE_MAX_LEN 12288

struct line {
    char *text;
    size_t len;
    bool is_denied; /* holds apparmor="DENIED" */
};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The benchmark's clock: this thread's CPU time, so that time the machine
 * gives to other processes (a shared 2-core box) is not charged to the path
 * being measured. The --write pacing keeps wall time (now_s). */
static double cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return v[n / 2];
}

static size_t read_lines(const char *path, struct line **lines, size_t *count, size_t *cap)
{
    FILE *f = fopen(path, "r");
    size_t added = 0;
    if (!f) {
        perror(path);
        return 0;
    }
    char *buf = NULL;
    size_t bcap = 0;
    ssize_t n;
    while ((n = getline(&buf, &bcap, f)) >= 0) {
        while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
            buf[--n] = '\0';
        if (n == 0)
            continue;
        if (*count == *cap) {
            *cap = *cap ? *cap * 2 : 256;
            *lines = xrealloc(*lines, *cap * sizeof **lines);
        }
        struct line *l = &(*lines)[(*count)++];
        l->text = xstrndup(buf, (size_t)n);
        l->len = (size_t)n;
        l->is_denied = strstr(l->text, "apparmor=\"DENIED\"") != NULL;
        added++;
    }
    free(buf);
    fclose(f);
    return added;
}

/* Append DENIED lines to path at rate lines/s for seconds s. */
static int write_load(const struct line *lines, size_t count, const char *path, long rate,
                      double seconds)
{
    FILE *f = fopen(path, "a");
    if (!f) {
        perror(path);
        return 2;
    }
    size_t k = 0, written = 0;
    double t0 = now_s();
    for (long slice = 0; slice < (long)(seconds * 100); slice++) {
        long n = rate / 100;
        for (long j = 0; j < n; j++) {
            while (!lines[k % count].is_denied)
                k++;
            fwrite(lines[k % count].text, 1, lines[k % count].len, f);
            fputc('\n', f);
            k++;
            written++;
        }
        fflush(f);
        double next = t0 + (double)(slice + 1) / 100.0, d = next - now_s();
        if (d > 0) {
            struct timespec ts = {(time_t)d, (long)((d - (double)(time_t)d) * 1e9)};
            nanosleep(&ts, NULL);
        }
    }
    fclose(f);
    printf("written %zu in %.2f s\n", written, now_s() - t0);
    return 0;
}

int main(int argc, char **argv)
{
    size_t total = 1000000;
    int runs = 3;
    const char *write_path = NULL;
    long rate = 10000;
    double seconds = 10;
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        if (strcmp(argv[i], "--lines") == 0 && i + 1 < argc)
            total = strtoul(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--runs") == 0 && i + 1 < argc)
            runs = atoi(argv[++i]);
        else if (strcmp(argv[i], "--write") == 0 && i + 1 < argc)
            write_path = argv[++i];
        else if (strcmp(argv[i], "--rate") == 0 && i + 1 < argc)
            rate = atol(argv[++i]);
        else if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc)
            seconds = atof(argv[++i]);
        else {
            fprintf(stderr, "usage: bench_denials [--lines N] [--runs R] FILE.in...\n"
                            "       bench_denials --write FILE [--rate R] [--seconds S] FILE.in...\n");
            return 2;
        }
    }
    if (runs < 1 || runs > 15)
        runs = 3;
    struct line *lines = NULL;
    size_t count = 0, cap = 0;
    for (; i < argc; i++)
        read_lines(argv[i], &lines, &count, &cap);
    if (count == 0 || total == 0) {
        fprintf(stderr, "bench_denials: no input lines\n");
        return 2;
    }
    size_t too_long = 0, denied_in_corpus = 0;
    for (size_t k = 0; k < count; k++) {
        too_long += lines[k].len > BARE_MAX_LEN;
        denied_in_corpus += lines[k].is_denied;
    }
    if (write_path)
        return denied_in_corpus ? write_load(lines, count, write_path, rate, seconds) : 2;

    double t_bare[15], t_parse[15], t_lib[15], t_agent[15];
    char *wbuf = xmalloc(1 << 20);
    size_t bare_records = 0, kept_expected = 0, denied_in = 0, denied_out = 0;
    uint64_t agent_records = 0, served = 0;

    /* the corpus as the log file holds it, for the agent's path */
    struct strbuf text;
    strbuf_init(&text);
    for (size_t k = 0; k < count; k++) {
        strbuf_append(&text, lines[k].text, lines[k].len);
        strbuf_putc(&text, '\n');
    }

    /* correctness pass over the corpus once: DENIED in → DENIED out, and the
     * fast path gives what the libapparmor path gives */
    size_t disagree = 0;
    for (size_t k = 0; k < count; k++) {
        struct aa_denial r, s;
        struct kerr e = {0};
        int rc = denial_parse_line(lines[k].text, lines[k].len, &r, &e);
        int rc2 = denial_parse_line_lib(lines[k].text, lines[k].len, &s, &e);
        struct strbuf k1, k2;
        strbuf_init(&k1);
        strbuf_init(&k2);
        denial_dedup_key(&r, &k1);
        denial_dedup_key(&s, &k2);
        if (rc != rc2 || r.parsed_by != s.parsed_by || r.pid != s.pid || k1.len != k2.len ||
            (k1.len && memcmp(k1.buf, k2.buf, k1.len) != 0))
            disagree++;
        strbuf_done(&k1);
        strbuf_done(&k2);
        aa_denial_done(&s);
        if (rc == 0 && (r.event == DENIAL_EVENT_DENIED || r.event == DENIAL_EVENT_ALLOWED ||
                        r.event == DENIAL_EVENT_KILLED))
            kept_expected++;
        if (lines[k].is_denied) {
            denied_in++;
            denied_out += rc == 0 && r.event == DENIAL_EVENT_DENIED;
        }
        aa_denial_done(&r);
    }

    int saved_stdout = dup(STDOUT_FILENO);
    for (int run = 0; run < runs; run++) {
        /* bare libapparmor */
        int devnull = open("/dev/null", O_WRONLY);
        fflush(stdout);
        dup2(devnull, STDOUT_FILENO);
        close(devnull);
        bare_records = 0;
        double t0 = cpu_s();
        for (size_t n = 0; n < total; n++) {
            const struct line *l = &lines[n % count];
            if (l->len > BARE_MAX_LEN)
                continue;
            memcpy(wbuf, l->text, l->len + 1);
            aa_log_record *rec = parse_record(wbuf);
            if (rec) {
                bare_records += rec->event != AA_RECORD_INVALID;
                free_record(rec);
            }
        }
        t_bare[run] = cpu_s() - t0;
        fflush(stdout);
        dup2(saved_stdout, STDOUT_FILENO);

        /* core's parser alone */
        t0 = cpu_s();
        for (size_t n = 0; n < total; n++) {
            const struct line *l = &lines[n % count];
            struct aa_denial r;
            struct kerr e = {0};
            denial_parse_line(l->text, l->len, &r, &e);
            aa_denial_done(&r);
        }
        t_parse[run] = cpu_s() - t0;

        /* the same without the fast path */
        t0 = cpu_s();
        for (size_t n = 0; n < total; n++) {
            const struct line *l = &lines[n % count];
            struct aa_denial r;
            struct kerr e = {0};
            denial_parse_line_lib(l->text, l->len, &r, &e);
            aa_denial_done(&r);
        }
        t_lib[run] = cpu_s() - t0;

        /* the agent's path, served in polls of one ring's worth */
        const size_t ring = 10000;
        struct agent_denials_config cfg = {
            .node_name = "bench-node",
            .kind = AGENT_SOURCE_FILE,
            .path = "/nonexistent/bench.log",
            .proc_dir = "/nonexistent/proc",
            .ring_size = ring,
        };
        struct agent_denials *d = agent_denials_new(&cfg);
        struct strbuf sb;
        strbuf_init(&sb);
        uint64_t cursor = 0;
        served = 0;
        t0 = cpu_s();
        for (size_t n = 0; n < total;) {
            /* a whole pass of the corpus per read, the rest of the lines at the end */
            if (total - n >= count) {
                agent_denials_feed_bytes(d, text.buf, text.len);
                n += count;
            } else {
                for (; n < total; n++) {
                    agent_denials_feed_bytes(d, lines[n % count].text, lines[n % count].len);
                    agent_denials_feed_bytes(d, "\n", 1);
                }
            }
            if (agent_denials_head(d) - cursor >= ring / 2 || n == total) {
                strbuf_reset(&sb);
                agent_denials_render(d, cursor, ring, &sb);
                uint64_t head = agent_denials_head(d);
                served += head - cursor;
                cursor = head;
            }
        }
        t_agent[run] = cpu_s() - t0;
        agent_records = agent_denials_head(d);
        strbuf_done(&sb);
        agent_denials_free(&d);
    }
    close(saved_stdout);

    size_t reps = total / count, rest = total % count;
    size_t kept_total = kept_expected * reps, denied_total = denied_in * reps;
    for (size_t k = 0; k < rest; k++) {
        struct aa_denial r;
        struct kerr e = {0};
        int rc = denial_parse_line(lines[k].text, lines[k].len, &r, &e);
        if (rc == 0 && (r.event == DENIAL_EVENT_DENIED || r.event == DENIAL_EVENT_ALLOWED ||
                        r.event == DENIAL_EVENT_KILLED))
            kept_total++;
        denied_total += lines[k].is_denied;
        aa_denial_done(&r);
    }

    double b = median(t_bare, runs), p = median(t_parse, runs), a = median(t_agent, runs);
    double pl = median(t_lib, runs);
    printf("corpus: %zu lines (%zu with apparmor=\"DENIED\", %zu over 12 KB skipped by bare "
           "parse_record), repeated to %zu lines; medians of %d runs, thread CPU time\n\n",
           count, denied_in_corpus, too_long, total, runs);
    printf("| path | lines/s | time | vs bare libapparmor |\n|---|---:|---:|---:|\n");
    printf("| bare libapparmor parse_record (%zu records) | %.0f | %.3f s | 100%% |\n",
           bare_records, total / b, b);
    printf("| core denial_parse_line | %.0f | %.3f s | %.0f%% |\n", total / p, p, 100.0 * b / p);
    printf("| (core denial_parse_line_lib: no fast path) | %.0f | %.3f s | %.0f%% |\n", total / pl,
           pl, 100.0 * b / pl);
    printf("| agent: parse + JSON + ring + served via /v1/denials | %.0f | %.3f s | %.0f%% |\n",
           total / a, a, 100.0 * b / a);
    printf("\nDENIED lines: %zu in the corpus, %zu returned as DENIED (lost %zu); agent ring "
           "records %llu of %zu expected, %llu served (lost %lld)\n",
           denied_in, denied_out, denied_in - denied_out, (unsigned long long)agent_records,
           kept_total, (unsigned long long)served,
           (long long)kept_total - (long long)agent_records);
    printf("fast path vs libapparmor path: %zu of %zu corpus lines disagree\n", disagree, count);
    (void)denied_total;
    for (size_t k = 0; k < count; k++)
        free(lines[k].text);
    free(lines);
    free(wbuf);
    strbuf_done(&text);
    return denied_in == denied_out && agent_records == kept_total && disagree == 0 ? 0 : 1;
}
