#!/bin/sh
# tests/fuzz/run.sh: build every libFuzzer target of tests/fuzz/ with clang
# (-fsanitize=fuzzer,address,undefined) and run each for FUZZ_SECONDS
# (default 60), one at a time. Prints executions and coverage (libFuzzer's
# cov:/ft: from its final stats line) per target; exits non-zero when a target
# crashes, leaks, hits UB, breaks an invariant or cannot be built.
#
# Run from a configured tree (`make fuzz`, or `sh tests/fuzz/run.sh`).
# Environment:
#   FUZZ_SECONDS   seconds per target (default 60)
#   FUZZ_TARGETS   space-separated subset, e.g. "fuzz_theme fuzz_cgroup"
#   FUZZ_OUT       build, work corpus and crash artifacts (default $TMPDIR/armortop-fuzz)
#   FUZZ_JOBS      parallel compile jobs (default 2)
#   CLANG          the compiler (default clang, else clang-14)
# Seeds: tests/fuzz/corpus/<target>/, tests/fuzz/regressions/<target>/, the
# fixtures under tests/fixtures, and ../shared/corpus when present (read
# only; new inputs go to $FUZZ_OUT/corpus/<target>). A crash input is kept in
# $FUZZ_OUT/artifacts/<target>/: fix the bug, then copy the input to
# tests/fuzz/regressions/<target>/ so `make check` replays it.
set -u
cd "$(dirname "$0")/../.." || exit 2
ROOT=$(pwd)
SECONDS_PER=${FUZZ_SECONDS:-60}
OUT=${FUZZ_OUT:-${TMPDIR:-/tmp}/armortop-fuzz}
JOBS=${FUZZ_JOBS:-2}
SHARED=$ROOT/../shared/corpus
ALL_TARGETS="fuzz_k8s_list fuzz_watch fuzz_kubeconfig fuzz_exec_credential fuzz_denial \
fuzz_agent_name fuzz_theme fuzz_aafs_profiles fuzz_cgroup fuzz_authn fuzz_agent_json"
TARGETS=${FUZZ_TARGETS:-$ALL_TARGETS}

if [ -z "${CLANG:-}" ]; then
    if command -v clang >/dev/null 2>&1; then CLANG=clang; else CLANG=clang-14; fi
fi
if ! command -v "$CLANG" >/dev/null 2>&1; then
    echo "fuzz: $CLANG not found (apt-get install clang libclang-rt-14-dev)" >&2
    exit 2
fi
if [ ! -f Makefile ] || [ ! -f config.h ]; then
    echo "fuzz: run ./configure first" >&2
    exit 2
fi
[ -f tui/theme_default.c ] || make -s tui/theme_default.c || exit 2
# The dependency flags configure found (pkg-config), without the sanitizer/werror ones.
DEP_CFLAGS=$(sed -n 's/^DEP_CFLAGS *= *//p' Makefile)
DEP_LIBS=$(sed -n 's/^DEP_LIBS *= *//p' Makefile)

SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined"
CFLAGS="-std=c11 -g -O1 -fno-omit-frame-pointer -I. -Icore -Iagent -Itui $DEP_CFLAGS"
OBJ=$OUT/obj
mkdir -p "$OBJ" "$OUT/bin" "$OUT/log" || exit 2

# Objects: core, the agent (without main and, for fuzz_agent_name which
# includes it, agent_http), theme_parse. Instrumented, not linked with libFuzzer's main.
CORE_SRCS=$(ls core/*.c)
AGENT_SRCS="agent/agent_auth.c agent/agent_profiles.c agent/agent_denials.c agent/agent_exec.c \
agent/agent_json.c agent/agent_log.c"
TUI_SRCS="tui/theme_parse.c tui/theme_default.c"
echo "fuzz: building with $CLANG into $OUT"
build_failed=0
compile_one() {
    src=$1
    o=$OBJ/$(echo "$src" | tr / _ | sed 's/\.c$/.o/')
    if [ ! -f "$o" ] || [ "$src" -nt "$o" ] || [ config.h -nt "$o" ]; then
        $CLANG $CFLAGS $SAN -fsanitize=fuzzer-no-link -c -o "$o" "$src" 2>"$o.err" || {
            echo "fuzz: cannot compile $src:" >&2
            cat "$o.err" >&2
            return 1
        }
    fi
    return 0
}
# Header changes are not tracked: rebuild everything when any header is newer.
newest_obj=$(ls -t "$OBJ"/*.o 2>/dev/null | head -1)
if [ -n "$newest_obj" ] && [ -n "$(find core agent tui -name '*.h' -newer "$newest_obj" | head -1)" ]; then
    rm -f "$OBJ"/*.o
fi
set -- $CORE_SRCS $AGENT_SRCS $TUI_SRCS
while [ $# -gt 0 ]; do
    n=0
    pids=
    while [ $# -gt 0 ] && [ $n -lt "$JOBS" ]; do
        compile_one "$1" &
        pids="$pids $!"
        shift
        n=$((n + 1))
    done
    for p in $pids; do wait "$p" || build_failed=1; done
done
[ $build_failed = 0 ] || { echo "fuzz: FAILED to build the objects" >&2; exit 1; }
rm -f "$OBJ/libcore_fuzz.a"
ar rcs "$OBJ/libcore_fuzz.a" "$OBJ"/core_*.o || exit 1
AGENT_OBJS=$(for s in $AGENT_SRCS; do echo "$OBJ/$(echo "$s" | tr / _ | sed 's/\.c$/.o/')"; done)
TUI_OBJS="$OBJ/tui_theme_parse.o $OBJ/tui_theme_default.o"

# Extra seed directories of a target (those that exist).
seeds_of() {
    case $1 in
    fuzz_k8s_list) echo tests/fixtures/k8s "$SHARED/k8s-api" ;;
    fuzz_watch) echo "$SHARED/k8s-api" ;;
    fuzz_kubeconfig) echo tests/fixtures/kubeconfig ;;
    fuzz_denial) echo tests/fixtures/aa-logs tests/fixtures/aa-logs/fuzz "$SHARED/aa-logs" ;;
    fuzz_aafs_profiles) echo "$SHARED/aa-status" ;;
    esac
}
max_len_of() {
    case $1 in
    fuzz_agent_name) echo 1024 ;;
    fuzz_cgroup | fuzz_theme | fuzz_exec_credential | fuzz_authn) echo 8192 ;;
    *) echo 16384 ;;
    esac
}

status=0
summary=$OUT/summary.txt
: >"$summary"
for t in $TARGETS; do
    src=tests/fuzz/$t.c
    bin=$OUT/bin/$t
    log=$OUT/log/$t.log
    if [ ! -f "$src" ]; then
        echo "fuzz: $t: no $src" >&2
        status=1
        continue
    fi
    extra="$OBJ/libcore_fuzz.a"
    case $t in
    fuzz_agent_name) extra="$AGENT_OBJS $OBJ/libcore_fuzz.a" ;;
    fuzz_theme) extra="$TUI_OBJS $OBJ/libcore_fuzz.a" ;;
    esac
    if ! $CLANG $CFLAGS $SAN -fsanitize=fuzzer -o "$bin" "$src" $extra $DEP_LIBS -lpthread \
        2>"$log.build"; then
        echo "fuzz: $t: build FAILED" >&2
        cat "$log.build" >&2
        printf '%-22s BUILD FAILED\n' "$t" >>"$summary"
        status=1
        continue
    fi
    work=$OUT/corpus/$t
    art=$OUT/artifacts/$t
    mkdir -p "$work" "$art"
    dirs="$work"
    for d in tests/fuzz/corpus/$t tests/fuzz/regressions/$t $(seeds_of "$t"); do
        [ -d "$d" ] && dirs="$dirs $d"
    done
    echo "fuzz: $t for ${SECONDS_PER}s"
    # shellcheck disable=SC2086
    ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}:allocator_may_return_null=1 \
    UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
        "$bin" -max_total_time="$SECONDS_PER" -max_len="$(max_len_of "$t")" -timeout=20 \
        -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$art/" $dirs >"$log" 2>&1
    rc=$?
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    stats=$(grep -E '^#[0-9]+.*cov: ' "$log" | tail -1)
    cov=$(echo "$stats" | sed -n 's/.*cov: \([0-9]*\).*/\1/p')
    ft=$(echo "$stats" | sed -n 's/.*ft: \([0-9]*\).*/\1/p')
    corp=$(echo "$stats" | sed -n 's/.*corp: \([0-9]*\).*/\1/p')
    if [ $rc -ne 0 ]; then
        echo "fuzz: $t FAILED (exit $rc); log $log, inputs in $art:" >&2
        grep -E 'ERROR|SUMMARY|invariant|runtime error|Test unit written' "$log" | head -20 >&2
        res=FAILED
        status=1
    else
        res=ok
    fi
    printf '%-22s %-6s execs %-10s cov %-6s ft %-6s corpus %s\n' "$t" "$res" "${execs:-?}" \
        "${cov:-?}" "${ft:-?}" "${corp:-?}" | tee -a "$summary"
done
echo "fuzz: summary ($summary)"
cat "$summary"
exit $status
