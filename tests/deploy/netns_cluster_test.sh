# A multi-host cluster on one machine: five network namespaces made here (a bridge, the
# coordinator, two agent hosts, the target), joined by veth pairs into a bridge that lives in
# its own namespace, on a private /24 that exists only inside them. Each process runs in its
# own namespace; the CLI runs on the coordinator's. The swarm crosses the veths and must pass
# the oracle: buggy caught, safe sells exactly the stock, both agents did work, and the load
# really went over the agents' links. Namespaces and processes go away on any exit.
# Needs root (ip netns add); without it the test fails, it does not skip.
source "$(dirname "$0")/netns_lib.sh"

netns_make
echo "== target, coordinator and two agents, each in its own namespace"
netns_start_target
netns_start_coordinator
netns_start_agent a1
netns_start_agent a2

tx_bytes() { in_ns "$1" cat /sys/class/net/eth0/statistics/tx_bytes; }
declare -A TX0
for role in a1 a2; do TX0[$role]=$(tx_bytes "$role"); done

echo "== the swarm, run from the coordinator's namespace"
netns_run report --endpoint buggy,safe --stock 50 --users 200 --requests 600 --expect-agents 2 \
  --agents-wait 30 --expect-violated buggy --quiet
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
