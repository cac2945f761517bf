#!/bin/sh
# make bench: list-and-decode benchmark on loopback.
#
# Starts armortop-sim with BENCH_NODES nodes and BENCH_PODS pods, then times,
# BENCH_RUNS times each, in the same run against the same simulator:
#   armortop --once pods -o json -A            (our full path: list, decode, resolve, render)
#   kubectl get pods -A -o custom-columns=...  (the peer, same AppArmor fields)
#   curl of the same pages to /dev/null        (the floor: transfer only)
# and prints medians of wall time and peak RSS, plus the ratios, as a Markdown
# table (also appended to bench/RESULTS.md when BENCH_RECORD=1).
set -u
NODES=${BENCH_NODES:-100}
PODS=${BENCH_PODS:-10000}
RUNS=${BENCH_RUNS:-3}
dir=$(mktemp -d /tmp/armortop-bench-XXXXXX)
trap 'kill $sim_pid 2>/dev/null; wait $sim_pid 2>/dev/null; rm -rf "$dir"' EXIT INT TERM

agents=
./armortop-sim --help 2>/dev/null | grep -q -- '--agents' && agents="--agents 0"
./armortop-sim --nodes "$NODES" --pods "$PODS" --seed 1 $agents --port 0 \
    --kubeconfig-out "$dir/kubeconfig" > "$dir/ready" 2> "$dir/sim.log" &
sim_pid=$!
i=0
until grep -q ready "$dir/ready" 2>/dev/null; do
    i=$((i + 1))
    if [ $i -gt 600 ] || ! kill -0 $sim_pid 2>/dev/null; then
        echo "bench: armortop-sim did not start" >&2; cat "$dir/sim.log" >&2; exit 1
    fi
    sleep 0.1
done
url=$(sed -n 's/^armortop-sim: ready \([^ ]*\) token \(.*\)$/\1/p' "$dir/ready")
token=$(sed -n 's/^armortop-sim: ready \([^ ]*\) token \(.*\)$/\2/p' "$dir/ready")

# run NAME CMD...: time CMD RUNS times; print "median_s max_rss_kb"
measure() {
    : > "$dir/times"
    n=0
    while [ $n -lt "$RUNS" ]; do
        /usr/bin/time -f "%e %M" -o "$dir/one" "$@" > /dev/null 2> "$dir/err" || {
            echo "bench: failed: $*" >&2; tail -3 "$dir/err" >&2; }
        tail -1 "$dir/one" >> "$dir/times"
        n=$((n + 1))
    done
    sort -n "$dir/times" | awk '{t[NR]=$1; if ($2>m) m=$2} END {printf "%s %d\n", t[int((NR+1)/2)], m}'
}

# The floor: the same pages, fetched by one curl per page, bodies discarded.
cat > "$dir/floor.sh" <<FLOOR
cont=""
while :; do
    q="limit=500"
    [ -n "\$cont" ] && q="\$q&continue=\$cont"
    curl -sf -H "Authorization: Bearer $token" "$url/api/v1/pods?\$q" -o "$dir/page" || exit 1
    cont=\$(grep -o '"continue":"[^"]*"' "$dir/page" | head -1 | sed 's/"continue":"//; s/"\$//')
    [ -z "\$cont" ] && break
done
FLOOR

ours=$(measure ./armortop --kubeconfig "$dir/kubeconfig" --once pods -o json -A)
peer="skipped 0"
if command -v kubectl >/dev/null 2>&1; then
    cols='NS:.metadata.namespace,POD:.metadata.name,NODE:.spec.nodeName,POD_AA:.spec.securityContext.appArmorProfile.type,CTR_AA:.spec.containers[*].securityContext.appArmorProfile.type,CTR_PROF:.spec.containers[*].securityContext.appArmorProfile.localhostProfile,ANN:.metadata.annotations'
    peer=$(measure kubectl --kubeconfig "$dir/kubeconfig" get pods -A -o "custom-columns=$cols")
fi
floor="skipped 0"
if command -v curl >/dev/null 2>&1; then
    floor=$(measure sh "$dir/floor.sh")
fi

set -- $ours; o_t=$1; o_m=$2
set -- $peer; p_t=$1; p_m=$2
set -- $floor; f_t=$1; f_m=$2
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a+0 > 0 && b+0 > 0) printf "%.1fx", a/b; else print "n/a" }'; }

table="| pods | armortop --once pods -o json | kubectl custom-columns | curl floor | kubectl/armortop time | kubectl/armortop RSS | armortop/floor time |
|---:|---:|---:|---:|---:|---:|---:|
| $PODS | ${o_t} s, $((o_m / 1024)) MB | ${p_t} s, $((p_m / 1024)) MB | ${f_t} s | $(ratio "$p_t" "$o_t") | $(ratio "$p_m" "$o_m") | $(ratio "$o_t" "$f_t") |"
echo "armortop-sim --nodes $NODES --pods $PODS, medians of $RUNS runs, $(date -u +%Y-%m-%d), $(nproc) cores"
echo
echo "$table"
if [ "${BENCH_RECORD:-0}" = 1 ]; then
    { echo; echo "### $(date -u +%Y-%m-%dT%H:%MZ): --nodes $NODES --pods $PODS, $RUNS runs"; echo; echo "$table"; } >> bench/RESULTS.md
fi
