# A coordinator killed and restarted on the same address: every agent re-registers by itself
# and the next run uses all of them.
source "$(dirname "$0")/lib.sh"
start_target
read -r agents_port control_port < <(python3 -c '
import socket
ss = [socket.socket() for _ in range(2)]
for s in ss: s.bind(("127.0.0.1", 0))
print(*[s.getsockname()[1] for s in ss])
for s in ss: s.close()')
AGENTS_EP=tcp://127.0.0.1:$agents_port
CONTROL_EP=tcp://127.0.0.1:$control_port

start_fixed_coordinator() {
  "$E2E_CLI" coordinator --agents-bind "$AGENTS_EP" --control-bind "$CONTROL_EP" --metrics-bind '' \
    --heartbeat-ms 200 --heartbeat-timeout-ms 1000 >>"$E2E_TMP/coordinator.log" 2>&1 &
  STAMPEDE_PIDS+=($!)
  COORDINATOR_PID=$!
  stampede_wait_line "$E2E_TMP/coordinator.log" "^stampede coordinator listening: agents $AGENTS_EP" 30 $! >/dev/null
}

# wait_idle_agents N: until `stampede agents` lists N idle agents, or fail after 30 s.
wait_idle_agents() {
  local deadline=$((SECONDS + 30))
  until [ "$("$E2E_CLI" agents --coordinator "$CONTROL_EP" 2>/dev/null | grep -c ' idle ')" -ge "$1" ]; do
    [ $SECONDS -lt $deadline ] || fail "fewer than $1 idle agents after 30 s"
    sleep 0.1
  done
}

start_fixed_coordinator
start_agent r1
start_agent r2
wait_idle_agents 2
kill -KILL "$COORDINATOR_PID"
wait "$COORDINATOR_PID" 2>/dev/null || true
start_fixed_coordinator
wait_idle_agents 2
grep -q "registering again\|register" "$E2E_TMP/agent-r1.log" || true

"$E2E_CLI" run --coordinator "$CONTROL_EP" --target "http://$TARGET" --admin-url "http://$ADMIN" \
  --admin-token-file "$E2E_TMP/token" --endpoint safe --stock 10 --users 10 --requests 100 \
  --expect-agents 2 --agents-wait 10 --report "$E2E_TMP/report.json" --quiet >"$E2E_TMP/run.out" 2>&1 ||
  { cat "$E2E_TMP/run.out" "$E2E_TMP/coordinator.log" >&2; fail "run after restart failed"; }
report_check "$E2E_TMP/report.json" \
  'len(r["agents"]) == 2' \
  'ep["safe"]["integrity"] == "ok" and ep["safe"]["acknowledged"] == 10'
echo "PASS coordinator restart"
