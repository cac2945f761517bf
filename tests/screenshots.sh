#!/bin/sh
# make screenshots: regenerate screenshots/*.png from the demo cluster.
#
# Runs armortop against armortop-sim inside tmux (140x40), drives it with
# send-keys like a person, captures each screen with its colours
# (capture-pane -e), turns the ANSI text into HTML with aha, and renders the
# HTML to PNG with headless Chromium. Needs tmux, aha and chromium (Debian
# packages); says what is missing and exits 1 otherwise.
set -u
for p in tmux aha chromium; do
    command -v $p >/dev/null 2>&1 || { echo "screenshots: $p is not installed (apt-get install $p)" >&2; exit 1; }
done
COLS=${SHOT_COLS:-140}
ROWS=${SHOT_ROWS:-40}
out=screenshots
mkdir -p "$out"
dir=$(mktemp -d /tmp/armortop-shots-XXXXXX)
sess=armortop-shots-$$
cleanup() {
    tmux kill-session -t "$sess" 2>/dev/null
    kill $sim_pid 2>/dev/null; wait $sim_pid 2>/dev/null
    rm -rf "$dir"
}
trap cleanup EXIT INT TERM

./armortop-sim --nodes 12 --pods 160 --seed 1 --epoch now --agents auto --denial-rate 5 --port 0 \
    --kubeconfig-out "$dir/kubeconfig" > "$dir/ready" 2> "$dir/sim.log" &
sim_pid=$!
i=0
until grep -q ready "$dir/ready" 2>/dev/null; do
    i=$((i + 1)); [ $i -gt 100 ] && { echo "screenshots: sim did not start" >&2; exit 1; }
    sleep 0.1
done

tmux new-session -d -s "$sess" -x "$COLS" -y "$ROWS" \
    "TERM=xterm-256color ./armortop --kubeconfig $dir/kubeconfig -A"
sleep 3

shot() { # NAME: capture the pane and render it
    name=$1
    tmux capture-pane -t "$sess" -e -p > "$dir/$name.ans"
    aha --black --title "armortop $name" < "$dir/$name.ans" > "$dir/$name.html"
    # Tight monospace layout for the terminal grid.
    sed -i 's|<head>|<head><style>body{margin:8px;background:#000} pre{font-family:"DejaVu Sans Mono",monospace;font-size:13px;line-height:1.2}</style>|' "$dir/$name.html"
    w=$((COLS * 8 + 24)); h=$((ROWS * 16 + 24))
    chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
        --disable-background-networking --disable-component-update --disable-sync \
        --user-data-dir="$dir/chrome" --hide-scrollbars --window-size=$w,$h \
        --screenshot="$out/$name.png" "file://$dir/$name.html" > /dev/null 2>&1
    [ -s "$out/$name.png" ] && echo "  SHOT    $out/$name.png" || echo "screenshots: $name failed" >&2
}
keys() { tmux send-keys -t "$sess" "$@"; sleep 0.6; }

shot pods
keys "/" "unconfined" Enter; shot pods-filter-unconfined
keys Escape
keys "/" "blocked" Enter; shot pods-filter-blocked
keys Enter; shot pod-blocked-detail
keys Escape; keys Escape; keys Escape
keys 2; shot nodes
keys Enter; shot node-detail
keys Escape
keys 3; shot profiles
keys "/" "k8s-nginx" Enter; keys Enter; shot profile-detail
keys Escape; keys Escape; keys Escape
keys 4; sleep 2; shot denials
keys Enter; shot denial-detail
keys Escape
keys 5; shot findings
keys "?"; shot help
keys Escape
keys q
