# Network faults across the namespaces' links (netns_lib.sh), Jepsen's first nemesis: between the
# coordinator and the agents 5 % packet loss, 200 ms of delay with jitter, a 10 s partition of one
# agent under the heartbeat deadline and one longer than it; between the agents and the target 5 %
# loss. Loss and partitions are iptables rules inside the namespaces (the statistic match, DROP);
# the delay is tests/deploy/delay_relay.py, since this kernel has no netem. Every run ends with a
# complete report, safe clean, nothing counted twice, and a partition named under problems; loss
# towards the target only ever makes attempts indeterminate, never a wrong verdict.
source "$(dirname "$0")/netns_lib.sh"
need iptables

# lossy ROLE PEER: drop 5 % of the packets between ROLE's namespace and PEER's, each way.
lossy() {
  in_ns "$1" iptables -A OUTPUT -d "${IP[$2]}" -m statistic --mode random --probability 0.05 -j DROP
  in_ns "$1" iptables -A INPUT -s "${IP[$2]}" -m statistic --mode random --probability 0.05 -j DROP
}
partition() {
  in_ns "$1" iptables -A OUTPUT -d "${IP[$2]}" -j DROP
  in_ns "$1" iptables -A INPUT -s "${IP[$2]}" -j DROP
}
heal() { in_ns "$1" iptables -F OUTPUT && in_ns "$1" iptables -F INPUT; }
heal_all() { heal a1 && heal a2; }

# The safe endpoint clean and every attempt counted exactly once: what each case must keep.
SAFE_CLEAN=('ep["safe"]["integrity"] == "ok"'
  'ep["safe"]["ledger_orders"] == 100 and ep["safe"]["final_stock"] == 0'
  'all(ep["safe"][k] == 0 for k in ("oversold","lost_updates","lost_acks","phantoms","duplicates"))')
EXACT=('sorted(a["name"] for a in r["agents"]) == ["host-a1", "host-a2"]'
  'all(e["attempts"] == 1000 for e in r["endpoints"])'
  'sum(a["requests"] for a in r["agents"]) == 1000 * len(r["endpoints"])')
figures() {
  python3 -c 'import json, sys
for e in json.load(open(sys.argv[1]))["endpoints"]:
    print("  %s: %s, attempts %d, acknowledged %d, indeterminate %d, recovered %d; problems %s" % (
        e["endpoint"], e["integrity"], e["attempts"], e["acknowledged"], e["indeterminate"],
        e["recovered"], e["problems"]))' "$E2E_TMP/$1.json"
}
restart_agents() {
  local role
  for role in a1 a2; do
    kill "${AGENT_PID[$role]}" 2>/dev/null && wait "${AGENT_PID[$role]}" 2>/dev/null || true
    netns_start_agent "$role"
  done
}

netns_make
netns_start_target
# A deadline of 18 s: the 10 s partition, with TCP's retransmission backoff after it heals (up to
# 3 s more), stays under it, and above the 9 s of silence the report names; loss and delay never
# reach it.
HEARTBEAT_TIMEOUT_MS=18000 netns_start_coordinator
netns_start_agent a1
netns_start_agent a2

echo "== 5 % loss between the coordinator and each agent"
lossy a1 coord
lossy a2 coord
netns_run loss-control --endpoint buggy,safe --stock 100 --users 50 --requests 1000 \
  --expect-agents 2 --agents-wait 30 --expect-violated buggy --quiet
report_check "$E2E_TMP/loss-control.json" 'ep["buggy"]["integrity"] == "violated"' \
  "${SAFE_CLEAN[@]}" "${EXACT[@]}"
figures loss-control
heal_all

echo "== 5 % loss between each agent and the target"
lossy a1 target
lossy a2 target
netns_run loss-target --endpoint buggy,safe --stock 100 --users 50 --requests 1000 \
  --request-timeout-ms 2000 --expect-agents 2 --agents-wait 30 --expect-violated buggy --quiet
# Dropped packets cost retransmissions and, at worst, attempts that end unanswered: those are
# indeterminate, resolved against the ledger, and never turn safe's verdict.
report_check "$E2E_TMP/loss-target.json" 'ep["buggy"]["integrity"] != "ok"' "${SAFE_CLEAN[@]}" \
  "${EXACT[@]}"
figures loss-target
heal_all

echo "== a 10 s partition of one agent, under the 18 s heartbeat deadline"
# Paced to run about 20 s, so the partition falls inside the run and heals before it ends.
netns_run short-partition --endpoint safe --stock 100 --users 20 --requests 1000 --rate 50 \
  --expect-agents 2 --agents-wait 30 &
run_pid=$!
netns_under_way short-partition "$run_pid"
partition a1 coord
partitioned_at=$SECONDS
until [ $((SECONDS - partitioned_at)) -ge 10 ]; do sleep 0.2; done
heal a1
wait "$run_pid" || fail "the short-partition run failed"
report_check "$E2E_TMP/short-partition.json" "${SAFE_CLEAN[@]}" "${EXACT[@]}" \
  'any("host-a1" in p and "silent" in p for p in ep["safe"]["problems"])' \
  'not any("lost" in p for p in ep["safe"]["problems"])'
figures short-partition

echo "== 200 ms of delay with jitter between the coordinator and the agents"
# In the coordinator's namespace, where its address is: the agents connect to the relay instead.
in_ns coord python3 "$(dirname "$0")/delay_relay.py" "${IP[coord]}" "${AGENTS_EP#tcp://}" 200 50 \
  >"$E2E_TMP/relay.log" 2>&1 &
STAMPEDE_PIDS+=($!)
relay=$(stampede_wait_line "$E2E_TMP/relay.log" '^relay listening on' 10 $! | awk '{print $4}')
AGENT_COORDINATOR=tcp://$relay restart_agents
netns_run delay --endpoint buggy,safe --stock 100 --users 50 --requests 1000 \
  --expect-agents 2 --agents-wait 30 --expect-violated buggy --quiet
report_check "$E2E_TMP/delay.json" 'ep["buggy"]["integrity"] == "violated"' "${SAFE_CLEAN[@]}" \
  "${EXACT[@]}"
for role in a1 a2; do
  grep -q "connection from ${IP[$role]}\$" "$E2E_TMP/relay.log" || fail "agent $role did not go through the relay"
done
figures delay

echo "== a partition of one agent longer than the 2 s heartbeat deadline"
kill "$COORDINATOR_PID" && wait "$COORDINATOR_PID" 2>/dev/null || true
HEARTBEAT_TIMEOUT_MS=2000 netns_start_coordinator
restart_agents
netns_run long-partition --endpoint safe --stock 100 --users 20 --requests 1000 --rate 100 \
  --expect-agents 2 --agents-wait 30 &
run_pid=$!
netns_under_way long-partition "$run_pid"
partition a1 coord
stampede_wait_line "$COORDINATOR_LOG" 'agent host-a1.* missing' 30 "$run_pid" >/dev/null || {
  heal a1
  fail "the coordinator never declared the partitioned agent missing"
}
heal a1
wait "$run_pid" || fail "the long-partition run failed"
# Its unfinished attempts went to the other agent; the stranded agent's copies that still ran are
# counted from the result that reports them, so attempts may exceed those asked, never repeat.
report_check "$E2E_TMP/long-partition.json" "${SAFE_CLEAN[@]}" \
  'any("host-a1" in p and "lost" in p for p in ep["safe"]["problems"])' \
  'ep["safe"]["acknowledged"] + ep["safe"]["recovered"] >= 100' \
  'ep["safe"]["attempts"] >= 1000' \
  'ep["safe"]["acknowledged"] <= ep["safe"]["ledger_orders"]'
figures long-partition
echo "PASS network faults"
