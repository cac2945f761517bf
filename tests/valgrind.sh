#!/bin/sh
# make memcheck: the integration tests under valgrind memcheck (issue 7).
#
#   sh tests/valgrind.sh TEST...
#
# Every armortop and armortop-agent process the tests start runs under
# valgrind (tests/harness.c does it when $HARNESS_VALGRIND names a log
# directory; $HARNESS_VALGRIND_PROGS can add armortop-sim), with one log per
# process. The test programs that run core code in their own process
# (IN_PROCESS below) run under valgrind themselves too. The run fails when a
# test fails or any log reports a memcheck error (invalid reads or writes,
# uninitialised values, bad frees) or a "definitely lost" block; suppressions
# for libraries we do not own live in tests/valgrind.supp, each with a reason.
# Logs of processes that were killed (no leak summary) are counted and named,
# not silently passed.
set -u
IN_PROCESS="test_kube_client test_agent_client test_once"
VG_ARGS="--tool=memcheck --leak-check=full --show-leak-kinds=definite
 --errors-for-leak-kinds=definite --num-callers=30 --child-silent-after-fork=yes
 --suppressions=$(pwd)/tests/valgrind.supp"

if ! command -v valgrind > /dev/null 2>&1; then
    echo "memcheck: valgrind is not installed (apt-get install valgrind)" >&2
    exit 1
fi
dir=$(mktemp -d /tmp/armortop-memcheck-XXXXXX)
export HARNESS_VALGRIND="$dir" HARNESS_VALGRIND_SUPP="$(pwd)/tests/valgrind.supp"
failed=
for t in "$@"; do
    name=$(basename "$t")
    echo "== $t (under valgrind)"
    start=$(date +%s)
    case " $IN_PROCESS " in
    *" $name "*)
        # shellcheck disable=SC2086
        valgrind $VG_ARGS --log-file="$dir/%p.$name.vg" ./"$t" > "$dir/$name.out" 2>&1 ;;
    *)  ./"$t" > "$dir/$name.out" 2>&1 ;;
    esac
    rc=$?
    grep -E '^\[  (PASSED|FAILED|SKIPPED) ' "$dir/$name.out"
    echo "   rc=$rc, $(( $(date +%s) - start )) s"
    if [ $rc -ne 0 ]; then
        failed="$failed $name"
        grep -E '^\[  (FAILED|  ERROR) |^\[  ERROR' "$dir/$name.out" | head -5
    fi
done

logs=0; clean=0; unsummarised=0; bad=
for f in "$dir"/*.vg; do
    [ -e "$f" ] || continue
    logs=$((logs + 1))
    if ! grep -q 'ERROR SUMMARY' "$f"; then
        # killed by a test on purpose (SIGKILL) or by a timeout: nothing to read
        unsummarised=$((unsummarised + 1))
        continue
    fi
    errs=$(sed -n 's/.*ERROR SUMMARY: \([0-9]*\) errors.*/\1/p' "$f" | tail -1)
    lost=$(sed -n 's/.*definitely lost: \([0-9,]*\) bytes.*/\1/p' "$f" | tr -d , | tail -1)
    if [ "${errs:-0}" -ne 0 ] || [ "${lost:-0}" -ne 0 ]; then
        bad="$bad $f"
    else
        clean=$((clean + 1))
    fi
done

echo
echo "== memcheck: $logs processes under valgrind, $clean clean, $unsummarised killed before their summary"
for f in $bad; do
    echo "---- $f"
    grep -m1 'Command:' "$f"
    grep -E 'Invalid|uninitialised|definitely lost|Mismatched|invalid|ERROR SUMMARY' "$f" | head -20
    # the first error's stack, to start from
    awk '/(Invalid|uninitialised|definitely lost in|Mismatched)/{p=1} p&&/^==[0-9]+== $/{exit} p' "$f" | head -30
done
if [ -n "$bad" ] || [ -n "$failed" ]; then
    [ -n "$failed" ] && echo "memcheck: tests failed under valgrind:$failed"
    [ -n "$bad" ] && echo "memcheck: $(echo $bad | wc -w) processes with errors or definite leaks (logs kept in $dir)"
    exit 1
fi
[ "$logs" -eq 0 ] && { echo "memcheck: no process ran under valgrind"; exit 1; }
rm -rf "$dir"
echo "memcheck: no errors, no definitely lost bytes"
exit 0
