#!/bin/sh
# make demo: start armortop-sim on loopback (8 nodes with agents, 240 pods), run armortop
# against it, and stop the simulator when armortop exits. On a terminal this is
# the interactive screen; without one (CI, a pipe) it prints
# `armortop --once pods` and `armortop --once findings` instead.
set -u
dir=$(mktemp -d /tmp/armortop-demo-XXXXXX)
trap 'kill $sim_pid 2>/dev/null; wait $sim_pid 2>/dev/null; rm -rf "$dir"' EXIT INT TERM
./armortop-sim --nodes "${DEMO_NODES:-8}" --pods "${DEMO_PODS:-240}" --seed 1 --epoch now --agents auto --denial-rate 5 --port 0 \
    --kubeconfig-out "$dir/kubeconfig" > "$dir/ready" 2> "$dir/sim.log" &
sim_pid=$!
i=0
while ! grep -q ready "$dir/ready" 2>/dev/null; do
    i=$((i + 1))
    if [ $i -gt 100 ] || ! kill -0 $sim_pid 2>/dev/null; then
        echo "demo: armortop-sim did not start:" >&2; cat "$dir/sim.log" >&2; exit 1
    fi
    sleep 0.1
done
echo "demo: $(cat "$dir/ready")"
if [ -t 0 ] && [ -t 1 ] && [ -z "${DEMO_ONCE:-}" ]; then
    ./armortop --kubeconfig "$dir/kubeconfig" -A
    exit $?
fi
echo "demo: armortop --kubeconfig $dir/kubeconfig --once pods -A"
echo
./armortop --kubeconfig "$dir/kubeconfig" --once pods -A
rc=$?
echo
echo "demo: armortop --once findings -A"
./armortop --kubeconfig "$dir/kubeconfig" --once findings -A || rc=$?
exit $rc
