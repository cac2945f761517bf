#!/bin/sh
# Runs each cmocka test program given as an argument, then prints one combined
# cmocka-style summary. Exit status is non-zero when any program failed.
total=0; passed=0; failed=0; skipped=0; bad_progs=
for t in "$@"; do
    echo "== $t"
    out=$(./"$t" 2>&1); rc=$?
    printf '%s\n' "$out"
    n=$(printf '%s\n' "$out" | sed -n 's/^\[==========\] \([0-9]*\) test(s) run\./\1/p' | awk '{s+=$1} END {print s+0}')
    p=$(printf '%s\n' "$out" | sed -n 's/^\[  PASSED  \] \([0-9]*\) test(s)\./\1/p' | awk '{s+=$1} END {print s+0}')
    s=$(printf '%s\n' "$out" | sed -n 's/^\[  SKIPPED \] \([0-9]*\) test(s)\./\1/p' | awk '{s+=$1} END {print s+0}')
    f=$(printf '%s\n' "$out" | sed -n 's/^\[  FAILED  \] \([0-9]*\) test(s), listed below:/\1/p' | awk '{s+=$1} END {print s+0}')
    total=$((total + n)); passed=$((passed + p)); skipped=$((skipped + s)); failed=$((failed + f))
    if [ $rc -ne 0 ] || [ "$n" -eq 0 ]; then
        bad_progs="$bad_progs $t(rc=$rc)"
        [ "$f" -eq 0 ] && failed=$((failed + 1))
    fi
done
echo
echo "== summary of $# test programs"
echo "[==========] $total test(s) run."
echo "[  PASSED  ] $passed test(s)."
[ "$skipped" -gt 0 ] && echo "[  SKIPPED ] $skipped test(s)."
if [ -n "$bad_progs" ] || [ "$failed" -gt 0 ]; then
    echo "[  FAILED  ] $failed test(s):$bad_progs"
    exit 1
fi
exit 0
