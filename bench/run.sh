#!/bin/sh
# make bench: armortop's benchmarks (issue 6), each against a peer measured in
# the same run on the same machine. Prints one Markdown table per benchmark and
# a summary; BENCH_RECORD=1 also appends them to bench/RESULTS.md.
#
#   1. list+decode  armortop --once pods -o json -A  vs  kubectl custom-columns
#                   (same AppArmor fields; only up to BENCH_KUBECTL_MAX pods:
#                   kubectl needs ~1 min and ~4 GB per run at 40,000 pods)
#                   vs the transfer floor (bench/bench_floor: one libcurl handle
#                   fetching the same pages in sequence, bodies discarded).
#                   Medians of BENCH_RUNS runs, peak RSS of the worst run.
#   2. TUI          headless `armortop --script` at the largest size with
#                   ARMORTOP_TIMING=1: launch → first full pods screen, model
#                   build and the panes' rows (both on the refresh thread),
#                   pane recalc on the UI thread, redraw, filter keystroke, and
#                   keys typed while a relist (after /sim/mutate) is in flight,
#                   with what the new snapshot's swap-in costs the UI thread
#                   (`timing swap`: take the result, adopt the rows, draw).
#   3. agent fan-out bench/bench_agents: discover and poll every agent of a
#                   BENCH_NODES-node sim (8 real armortop-agent processes, the rest
#                   in-process lite agents) through the pods proxy, 3 cycles:
#                   wall time per full cycle, agents ok, peak RSS.
#   4. denials      bench/bench_denials: the agent's path (denial_parse_line +
#                   ring + JSON) vs bare libapparmor parse_record, corpus
#                   repeated to BENCH_DENIAL_LINES lines.
#   5. agent        armortop-agent idle RSS/CPU over 10 s, then 10,000 denials/s
#                   appended to its --log for 10 s: RSS, CPU, served/dropped.
#
# Environment: BENCH_SIZES ("40000 150000"), BENCH_NODES (5000), BENCH_RUNS (3),
# BENCH_KUBECTL_MAX (40000), BENCH_ONLY ("1 2 3 4 5": which benchmarks),
# BENCH_DENIAL_LINES (1000000), BENCH_CORPUS (../shared/corpus/aa-logs).
set -u
SIZES=${BENCH_SIZES:-40000 150000}
NODES=${BENCH_NODES:-5000}
RUNS=${BENCH_RUNS:-3}
KUBECTL_MAX=${BENCH_KUBECTL_MAX:-40000}
ONLY=${BENCH_ONLY:-1 2 3 4 5}
DENIAL_LINES=${BENCH_DENIAL_LINES:-1000000}
CORPUS=${BENCH_CORPUS:-../shared/corpus/aa-logs}
dir=$(mktemp -d /tmp/armortop-bench-XXXXXX)
sim_pid=
agent_pid=
writer_pid=
cleanup() {
    for p in $writer_pid $agent_pid $sim_pid; do
        kill "$p" 2>/dev/null; wait "$p" 2>/dev/null
    done
    rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
want() { case " $ONLY " in *" $1 "*) return 0 ;; esac; return 1; }
report=$dir/report.md
: > "$report"
out() { printf '%s\n' "$*" | tee -a "$report"; }
t_start=$(date +%s)

# ---- the simulator ------------------------------------------------------------
start_sim() { # start_sim NODES PODS [EXTRA SIM ARGS...]
    stop_sim
    n=$1 p=$2
    shift 2
    extra="$*"
    agents="--agents 0"
    rate="--denial-rate 0"
    [ -n "$extra" ] && agents= && rate=
    ./armortop-sim --nodes "$n" --pods "$p" --seed 1 $agents $rate $extra --port 0 \
        --kubeconfig-out "$dir/kubeconfig" > "$dir/ready" 2> "$dir/sim.log" &
    sim_pid=$!
    i=0
    until grep -q ready "$dir/ready" 2>/dev/null; do
        i=$((i + 1))
        if [ $i -gt 1200 ] || ! kill -0 $sim_pid 2>/dev/null; then
            echo "bench: armortop-sim did not start" >&2; cat "$dir/sim.log" >&2; exit 1
        fi
        sleep 0.1
    done
    url=$(sed -n 's/^armortop-sim: ready \([^ ]*\) token \(.*\)$/\1/p' "$dir/ready")
    token=$(sed -n 's/^armortop-sim: ready \([^ ]*\) token \(.*\)$/\2/p' "$dir/ready")
}
stop_sim() {
    if [ -n "$sim_pid" ]; then
        kill "$sim_pid" 2>/dev/null; wait "$sim_pid" 2>/dev/null
        sim_pid=
    fi
}

# measure CMD...: run CMD RUNS times; print "median_s max_rss_kb"
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
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a+0 > 0 && b+0 > 0) printf "%.1fx", a/b; else print "n/a" }'; }
mb() { awk -v k="$1" 'BEGIN { if (k+0 > 0) printf "%.0f MB", k/1024; else print "-" }'; }

out "# armortop benchmarks ($(date -u +%Y-%m-%dT%H:%MZ))"
out ""
out "Machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GB", $2/1048576}' /proc/meminfo), Linux $(uname -r); $(cat /proc/cpuinfo | sed -n 's/^model name[^:]*: //p' | head -1)"
out ""

# ---- 1. list and decode ---------------------------------------------------------
largest=0
for p in $SIZES; do [ "$p" -gt "$largest" ] && largest=$p; done
if want 1; then
    cols='NS:.metadata.namespace,POD:.metadata.name,NODE:.spec.nodeName,POD_AA:.spec.securityContext.appArmorProfile.type,CTR_AA:.spec.containers[*].securityContext.appArmorProfile.type,CTR_PROF:.spec.containers[*].securityContext.appArmorProfile.localhostProfile,ANN:.metadata.annotations'
    out "## 1. List and decode (armortop-sim --nodes $NODES, medians of $RUNS runs, peak RSS)"
    out ""
    out "| pods | JSON | armortop --once pods -o json -A | kubectl custom-columns | floor (libcurl, same pages) | kubectl/armortop time | kubectl/armortop RSS | armortop/floor time |"
    out "|---:|---:|---:|---:|---:|---:|---:|---:|"
    for p in $SIZES; do
        start_sim "$NODES" "$p"
        bytes=$(./bench/bench_floor "$url" "$token" | awk '{print $4}')
        set -- $(measure ./armortop --kubeconfig "$dir/kubeconfig" --once pods -o json -A); o_t=$1; o_m=$2
        p_t=0; p_m=0; peer="not run (> $KUBECTL_MAX pods)"
        if [ "$p" -le "$KUBECTL_MAX" ] && command -v kubectl >/dev/null 2>&1; then
            set -- $(measure kubectl --kubeconfig "$dir/kubeconfig" get pods -A -o "custom-columns=$cols"); p_t=$1; p_m=$2
            peer="$p_t s, $(mb "$p_m")"
        fi
        set -- $(measure ./bench/bench_floor "$url" "$token"); f_t=$1
        out "| $p | $(mb $((bytes / 1024))) | $o_t s, $(mb "$o_m") | $peer | $f_t s | $(ratio "$p_t" "$o_t") | $(ratio "$p_m" "$o_m") | $(ratio "$o_t" "$f_t") |"
        [ "$p" -eq "$largest" ] && want 2 && break # keep this simulator for the TUI
        stop_sim
    done
    out ""
fi

# ---- 2. TUI ---------------------------------------------------------------------
if want 2; then
    [ -n "$sim_pid" ] || start_sim "$NODES" "$largest"
    # a 20-key filter typed into the pods screen, then cursor moves (redraws),
    # then a relist of a changed cluster with keys typed while it is in flight
    cat > "$dir/tui.script" <<EOF
<Wait-refresh>
:dump-screen $dir/first.screen
/etl-28900000
<Esc>
jjjjjjjjjjjjjjjjjjjjkkkkkkkkkkkkkkkkkkkk
EOF
    run_tui() { # run_tui TAG: one headless run, timings in $dir/tui.TAG
        curl -sf -X POST -H "Authorization: Bearer $token" "$url/sim/mutate?count=1000" > /dev/null
        ARMORTOP_TIMING=1 TERM=xterm-256color LANG=C.UTF-8 /usr/bin/time -f "rss %M" \
            ./armortop --kubeconfig "$dir/kubeconfig" -A --script "$dir/tui.script" \
            > /dev/null 2> "$dir/tui.$1"
    }
    n=0
    while [ $n -lt "$RUNS" ]; do run_tui "$n"; n=$((n + 1)); done
    # relist: kick a refresh after a mutation and type while it runs
    cat > "$dir/relist.script" <<EOF
<Wait-refresh>
:refresh
/etl-28900000
<Esc>
/web
<Esc>
/batch
<Esc>
<Wait-refresh>
EOF
    n=0
    while [ $n -lt "$RUNS" ]; do
        curl -sf -X POST -H "Authorization: Bearer $token" "$url/sim/mutate?count=1000" > /dev/null
        ( sleep 1; curl -sf -X POST -H "Authorization: Bearer $token" "$url/sim/mutate?count=1000" > /dev/null ) &
        mutator=$!
        ARMORTOP_TIMING=1 TERM=xterm-256color LANG=C.UTF-8 ./armortop --kubeconfig "$dir/kubeconfig" -A \
            --script "$dir/relist.script" > /dev/null 2> "$dir/relist.$n"
        wait "$mutator"
        n=$((n + 1))
    done
    med() { # med KEY FIELD: median over runs of the field after KEY
        for f in "$dir"/tui.[0-9]*; do
            sed -n "s/.*timing $1 .*$2 *\([0-9.]*\) ms.*/\1/p" "$f"
        done | sort -n | awk '{v[NR]=$1} END {if (NR) print v[int((NR+1)/2)]; else print "n/a"}'
    }
    first=$(for f in "$dir"/tui.[0-9]*; do sed -n 's/.*first-screen \([0-9.]*\) ms after launch (list \([0-9.]*\) ms.*/\1 \2/p' "$f"; done |
        sort -n | awk '{a[NR]=$1; b[NR]=$2} END {if (NR) printf "%.2f s (list %.2f s, then %.0f ms)", a[int((NR+1)/2)]/1000, b[int((NR+1)/2)]/1000, a[int((NR+1)/2)]-b[int((NR+1)/2)]; else print "n/a"}')
    rss=$(cat "$dir"/tui.[0-9]* | sed -n 's/^rss //p' | sort -n | tail -1)
    rows=$(sed -n 's/.* 1\/\([0-9]*\) .*/\1/p' "$dir/first.screen" | head -1)
    # relist runs: medians over the runs of each run's keys and worst key, and
    # of the UI thread's share of a new snapshot (the model and the rows are
    # built on the refresh thread): the longest a key waited for a swap-in
    relist_keys=$(for f in "$dir"/relist.[0-9]*; do
            sed -n 's/.*timing filter-key n=\([0-9]*\) .*max *\([0-9.]*\) ms.*/\2 \1/p' "$f"
        done | sort -n | awk '{v[NR]=$1; k[NR]=$2} END {if (NR) printf "%s keys, max %s ms", k[int((NR+1)/2)], v[int((NR+1)/2)]}')
    relist_swap=$(for f in "$dir"/relist.[0-9]*; do
            sed -n 's/.*timing swap .*max *\([0-9.]*\) ms.*/\1/p' "$f"
        done | sort -n | awk '{v[NR]=$1} END {if (NR) print v[int((NR+1)/2)]}')
    out "## 2. TUI over $largest pods (${rows:-?} container rows), headless, ARMORTOP_TIMING, medians of $RUNS runs"
    out ""
    out "| measure | value | target |"
    out "|---|---:|---:|"
    out "| launch → first full pods screen | $first | list + < 2 s |"
    out "| model build (snapshot → rows, findings, counts; refresh thread) | $(med model avg) ms | (part of the above) |"
    out "| pane rows (rows → tables, the top pane of each view; refresh thread) | $(med prebuild max) ms | (the first model: the shown pane only) |"
    out "| pane recalc on the UI thread (max) | $(med recalc max) ms | |"
    out "| redraw (one full screen) | $(med draw avg) ms avg, $(med draw max) ms max | < 5 ms |"
    out "| filter keystroke over all rows | $(med filter-key avg) ms avg, $(med filter-key max) ms max | < 30 ms |"
    out "| keys typed during a relist | ${relist_keys:-n/a}; the new snapshot's swap-in blocks input ${relist_swap:-n/a} ms | < 50 ms |"
    out "| peak RSS | $(mb "${rss:-0}") | |"
    out ""
fi
stop_sim

# ---- 3. agent fan-out -------------------------------------------------------------
if want 3; then
    out "## 3. Agent fan-out: $NODES nodes (8 real agents, the rest lite in-process ones), polled through the pods proxy"
    out ""
    if [ -x bench/bench_agents ]; then
        start_sim "$NODES" "$largest" --agents 8 --lite-agents all --denial-rate 50
        out '```'
        ./bench/bench_agents "$dir/kubeconfig" 3 2>&1 | tee -a "$report"
        out '```'
        out ""
        out "Target: a full cycle (status, profiles, containers, denials of every node) under 5 s, 16 requests in flight at most."
        stop_sim
    else
        out "skipped: bench/bench_agents is missing"
    fi
    out ""
fi

# ---- 4. denial throughput ---------------------------------------------------------
if want 4; then
    out "## 4. Denial throughput ($DENIAL_LINES lines: the corpus $CORPUS/*.in repeated)"
    out ""
    if [ -x bench/bench_denials ] && ls "$CORPUS"/*.in > /dev/null 2>&1; then
        ./bench/bench_denials --lines "$DENIAL_LINES" --runs "$RUNS" "$CORPUS"/*.in 2>&1 | tee -a "$report"
    else
        out "skipped: bench/bench_denials or the corpus is missing"
    fi
    out ""
fi

# ---- 5. agent footprint -----------------------------------------------------------
if want 5; then
    out "## 5. armortop-agent footprint"
    out ""
    sh bench/agent_footprint.sh "$dir" 2>&1 | tee -a "$report"
    out ""
fi

out "Total bench time: $(( $(date +%s) - t_start )) s"
if [ "${BENCH_RECORD:-0}" = 1 ]; then
    { echo; cat "$report"; } >> bench/RESULTS.md
fi
