# A multi-host cluster on one machine: five network namespaces made here (a bridge, the
# coordinator, two agent hosts, the target), joined by veth pairs into a bridge that lives in
# its own namespace, on a private /24 that exists only inside them. Each process runs in its
# own namespace; the CLI runs on the coordinator's. The swarm crosses the veths and must pass
# the oracle: buggy caught, safe sells exactly the stock, both agents did work, and the load
# really went over the agents' links. Namespaces and processes go away on any exit.
# Needs root (ip netns add); without it the test fails, it does not skip.
source "$(dirname "$0")/lib.sh"
need ip curl python3

[ "$(id -u)" = 0 ] || fail "needs root to create network namespaces (ip netns add)"
NS_PREFIX=stp$$
BR=$NS_PREFIX-br
declare -A NS=([coord]=$NS_PREFIX-coord [a1]=$NS_PREFIX-a1 [a2]=$NS_PREFIX-a2 [target]=$NS_PREFIX-target)
declare -A IP=([coord]=10.203.77.1 [a1]=10.203.77.2 [a2]=10.203.77.3 [target]=10.203.77.4)
CREATED=()

cleanup() {
  stampede_stop_all
  local ns
  for ns in "${CREATED[@]}"; do
    # Anything still inside was started by this test: stop it by pid, then drop the namespace.
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null || true; done
    ip netns del "$ns" 2>/dev/null || echo "could not delete netns $ns" >&2
  done
  rm -rf "$E2E_TMP"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# A run killed outright (SIGKILL from a timeout) cannot clean up: remove namespaces whose
# creating test process is gone.
for stale in $(ip netns list | awk '$1 ~ /^stp[0-9]+-/ {print $1}'); do
  pid=${stale#stp}; pid=${pid%%-*}
  kill -0 "$pid" 2>/dev/null && continue
  for p in $(ip netns pids "$stale" 2>/dev/null); do kill -KILL "$p" 2>/dev/null || true; done
  ip netns del "$stale" 2>/dev/null || true
done

echo "== namespaces"
ip netns add "$BR" || fail "ip netns add is not permitted here"
CREATED+=("$BR")
ip -n "$BR" link set lo up
ip -n "$BR" link add br0 type bridge
ip -n "$BR" link set br0 up
for role in coord a1 a2 target; do
  ns=${NS[$role]}
  ip netns add "$ns"
  CREATED+=("$ns")
  ip -n "$ns" link set lo up
  # One end is eth0 in the host's namespace, the other a bridge port in the bridge namespace.
  ip -n "$BR" link add "p-$role" type veth peer name eth0 netns "$ns"
  ip -n "$BR" link set "p-$role" master br0 up
  ip -n "$ns" addr add "${IP[$role]}/24" dev eth0
  ip -n "$ns" link set eth0 up
done
# Nothing outside: the target's namespace has no route but its /24.
ip -n "${NS[target]}" route | grep -q default && fail "target namespace has a default route"

in_ns() { local role=$1; shift; ip netns exec "${NS[$role]}" "$@"; }

echo "== target, coordinator and two agents, each in its own namespace"
echo "netns-token-$$" >"$E2E_TMP/token"
ip netns exec "${NS[target]}" "$E2E_TARGET_BIN" --listen "${IP[target]}:0" --admin-listen "${IP[target]}:0" \
  --admin-token-file "$E2E_TMP/token" --threads 2 --race-window-ms 2 >"$E2E_TMP/target.log" 2>&1 &
STAMPEDE_PIDS+=($!)
line=$(stampede_wait_line "$E2E_TMP/target.log" '^stampede-target listening on' 30 $!)
TARGET=$(awk '{print $4}' <<<"$line")
ADMIN=$(awk '{print $6}' <<<"$line")
[[ $TARGET == ${IP[target]}:* ]] || fail "target listens on $TARGET"
# The target answers across the bridge from the coordinator's and both agents' namespaces.
for role in coord a1 a2; do
  deadline=$((SECONDS + 10))
  until ip netns exec "${NS[$role]}" curl -fsS -m 2 "http://$TARGET/health" >/dev/null 2>&1; do
    [ $SECONDS -le $deadline ] || fail "target $TARGET unreachable from $role's namespace"
    sleep 0.1
  done
done

ip netns exec "${NS[coord]}" "$E2E_CLI" coordinator --agents-bind "tcp://${IP[coord]}:*" --control-bind "tcp://${IP[coord]}:*" \
  --metrics-bind "${IP[coord]}:0" --heartbeat-ms 200 --heartbeat-timeout-ms 2000 --insecure-bind \
  >"$E2E_TMP/coordinator.log" 2>&1 &
STAMPEDE_PIDS+=($!)
line=$(stampede_wait_line "$E2E_TMP/coordinator.log" '^stampede coordinator listening' 30 $!)
AGENTS_EP=$(awk '{print $5}' <<<"$line")
CONTROL_EP=$(awk '{print $7}' <<<"$line")
METRICS=$(awk '{print $9}' <<<"$line")
[[ $AGENTS_EP == tcp://${IP[coord]}:* ]] || fail "agents socket is $AGENTS_EP"

for role in a1 a2; do
  ip netns exec "${NS[$role]}" "$E2E_AGENT_BIN" --coordinator "$AGENTS_EP" --name "host-$role" --threads 1 \
    --heartbeat-ms 200 --allow-target 10.203.77.0/24 >"$E2E_TMP/agent-$role.log" 2>&1 &
  STAMPEDE_PIDS+=($!)
done

tx_bytes() { in_ns "$1" cat /sys/class/net/eth0/statistics/tx_bytes; }
declare -A TX0
for role in a1 a2; do TX0[$role]=$(tx_bytes "$role"); done

echo "== the swarm, run from the coordinator's namespace"
set +e
in_ns coord "$E2E_CLI" run --coordinator "$CONTROL_EP" --target "http://$TARGET" \
  --admin-url "http://$ADMIN" --admin-token-file "$E2E_TMP/token" --endpoint buggy,safe \
  --stock 50 --users 200 --requests 600 --expect-agents 2 --agents-wait 30 --expect-violated buggy \
  --quiet --report "$E2E_TMP/report.json" >"$E2E_TMP/run.out" 2>"$E2E_TMP/run.err"
code=$?
set -e
cat "$E2E_TMP/run.out"
if [ $code -ne 0 ]; then
  for f in "$E2E_TMP"/*.log "$E2E_TMP/run.err"; do echo "-- $f" >&2; tail -n 5 "$f" >&2; done
  fail "run exited $code"
fi
report_check "$E2E_TMP/report.json" \
  'sorted(a["name"] for a in r["agents"]) == ["host-a1", "host-a2"]' \
  'all(a["requests"] > 0 for a in r["agents"])' \
  'sum(a["requests"] for a in r["agents"]) == 1200' \
  'ep["buggy"]["integrity"] == "violated"' \
  'ep["buggy"]["oversold"] > 0 or ep["buggy"]["lost_updates"] > 0' \
  'ep["safe"]["integrity"] == "ok"' \
  'ep["safe"]["acknowledged"] == 50 and ep["safe"]["ledger_orders"] == 50' \
  'ep["safe"]["final_stock"] == 0 and ep["safe"]["sold_out"] == 550' \
  'all(ep["safe"][k] == 0 for k in ("oversold","lost_updates","lost_acks","phantoms","duplicates"))'

# Each agent's 300 requests per endpoint left through its own veth: well over 600 requests' worth
# of bytes (a checkout request is a few hundred bytes).
for role in a1 a2; do
  sent=$(( $(tx_bytes "$role") - TX0[$role] ))
  [ "$sent" -gt 60000 ] || fail "agent $role sent only $sent bytes over its link"
  echo "agent $role sent $sent bytes over its veth"
done
# The coordinator's metrics, read from its namespace, carry the verdict.
in_ns coord curl -fsS "http://$METRICS/metrics" >"$E2E_TMP/metrics.txt"
grep -q '^stampede_integrity_ok{endpoint="safe"} 1' "$E2E_TMP/metrics.txt" || fail "safe integrity metric"
grep -q '^stampede_agents_connected 2' "$E2E_TMP/metrics.txt" || fail "agents_connected metric"
echo "PASS netns cluster"
