#!/bin/sh
# bench/agent_footprint.sh DIR: armortop-agent footprint (issue 6, benchmark 5).
# Idle: RSS (VmRSS, split into RssAnon and RssFile from /proc/PID/status; and
# whether libcurl/libcrypto/libyaml got mapped, which agent/agent_dl.c defers
# until the agent talks to an API server) and CPU over 10 s.
# Load: bench_denials --write appends 10,000 DENIED lines/s to the agent's --log
# for 10 s while a poller drains /v1/denials (limit 10000) as armortop does;
# reports peak RSS, CPU, records written/kept/served and the dropped count.
set -u
d=$1/agent
mkdir -p "$d/aafs" "$d/proc"
: > "$d/audit.log"
CORPUS=${BENCH_CORPUS:-../shared/corpus/aa-logs}
RATE=${BENCH_AGENT_RATE:-10000}
./armortop-agent --node-name bench --listen 127.0.0.1:0 --apparmorfs "$d/aafs" --proc "$d/proc" \
    --log "$d/audit.log" --insecure-no-auth > "$d/out" 2> "$d/err" &
apid=$!
trap 'kill $apid 2>/dev/null; wait $apid 2>/dev/null' EXIT
i=0
until grep -q ready "$d/out" 2>/dev/null; do
    i=$((i + 1)); [ $i -gt 100 ] && { echo "agent did not start"; cat "$d/err"; exit 1; }
    sleep 0.1
done
aurl=$(sed -n 's/.*ready \(http[^ ]*\).*/\1/p' "$d/out")
ticks() { awk '{print $14 + $15}' /proc/$apid/stat; }
rss() { awk '/^VmRSS/ {print $2}' /proc/$apid/status; }
anon() { awk '/^RssAnon/ {print $2}' /proc/$apid/status; }
file() { awk '/^RssFile/ {print $2}' /proc/$apid/status; }
mb() { echo "$(($1 / 1024)).$(( ($1 % 1024) * 10 / 1024 ))"; }
hz=$(getconf CLK_TCK)
sleep 1
c0=$(ticks)
sleep 10
c1=$(ticks)
idle_rss=$(rss); idle_anon=$(anon); idle_file=$(file)
# libraries the agent opens only when it needs them (agent/agent_dl.c): mapped or not
idle_libs=$(awk '$6 ~ /libcurl|libcrypto|libyaml/ {split($6, p, "/"); print p[length(p)]}' /proc/$apid/maps | sort -u | tr '\n' ' ')
idle_cpu=$(awk -v a="$c0" -v b="$c1" -v hz="$hz" 'BEGIN {printf "%.2f%%", (b-a)/hz/10*100}')

# idle with Kubernetes auth, as deploy/ runs it: the API clients (libcurl) are made
# on first use, so measure before and after one authenticated request
kube_idle=n/a; kube_used=n/a
mkdir -p "$d/k"
./armortop-sim --port 0 --nodes 1 --pods 1 --kubeconfig-out "$d/k/kc" > "$d/k/sim.out" 2>&1 &
spid=$!
i=0
until grep -q ready "$d/k/sim.out" 2>/dev/null; do
    i=$((i + 1)); [ $i -gt 100 ] && break
    sleep 0.1
done
if grep -q ready "$d/k/sim.out"; then
    ktok=$(sed -n 's/.*ready [^ ]* token \([^ ]*\).*/\1/p' "$d/k/sim.out")
    ./armortop-agent --node-name benchk --listen 127.0.0.1:0 --apparmorfs "$d/aafs" --proc "$d/proc" \
        --log "$d/k/audit.log" --kubeconfig "$d/k/kc" > "$d/k/out" 2> "$d/k/err" &
    kpid=$!
    i=0
    until grep -q ready "$d/k/out" 2>/dev/null; do
        i=$((i + 1)); [ $i -gt 100 ] && break
        sleep 0.1
    done
    kurl=$(sed -n 's/.*ready \(http[^ ]*\).*/\1/p' "$d/k/out")
    sleep 3
    kube_idle="$(mb "$(awk '/^VmRSS/ {print $2}' /proc/$kpid/status)") MB"
    code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $ktok" "$kurl/v1/status")
    sleep 1
    kube_used="$(mb "$(awk '/^VmRSS/ {print $2}' /proc/$kpid/status)") MB (GET /v1/status: HTTP $code)"
    kill $kpid 2>/dev/null; wait $kpid 2>/dev/null
fi
kill $spid 2>/dev/null; wait $spid 2>/dev/null

# load
./bench/bench_denials --write "$d/audit.log" --rate "$RATE" --seconds 10 "$CORPUS"/*.in > "$d/written" &
wpid=$!
c0=$(ticks); peak=0; cursor=0; served=0; dropped=0
poll() {
    curl -sf "$aurl/v1/denials?since=$cursor&limit=10000" > "$d/page" || return 1
    next=$(sed -n 's/.*"next":\([0-9]*\),"dropped":\([0-9]*\),"newest":\([0-9]*\).*/\1 \2 \3/p' "$d/page")
    set -- $next
    served=$((served + $1 - cursor)); dropped=$((dropped + $2)); cursor=$1; newest=$3
}
while kill -0 $wpid 2>/dev/null; do
    r=$(rss); [ "$r" -gt "$peak" ] && peak=$r
    poll
    sleep 0.5
done
wait $wpid
sleep 1
n=0
while poll && [ "$cursor" -lt "$newest" ] && [ $n -lt 100 ]; do n=$((n + 1)); done
r=$(rss); [ "$r" -gt "$peak" ] && peak=$r
c1=$(ticks)
load_cpu=$(awk -v a="$c0" -v b="$c1" -v hz="$hz" 'BEGIN {printf "%.0f%%", (b-a)/hz/11*100}')
written=$(awk '{print $2}' "$d/written")
echo "| measure | value | target |"
echo "|---|---:|---:|"
echo "| idle RSS (VmRSS) | $(mb "$idle_rss") MB ($(mb "$idle_anon") MB RssAnon private, $(mb "$idle_file") MB RssFile shared library and program pages; lazily loaded libraries mapped: ${idle_libs:-none}) | < 8 MB |"
echo "| idle RSS with Kubernetes auth (--kubeconfig, as deployed) | $kube_idle | < 8 MB |"
echo "| the same agent after its first TokenReview (libcurl and TLS loaded) | $kube_used | |"
echo "| idle CPU over 10 s | $idle_cpu | ~0% |"
echo "| under $RATE DENIED lines/s for 10 s: peak RSS | $((peak / 1024)) MB | bounded |"
echo "| under load: CPU (one core = 100%) | $load_cpu | |"
echo "| lines written / records kept / served to the poller / dropped | $written / $newest / $served / $dropped | dropped 0 until the ring (65,536) is full |"
