# A coordinator killed and restarted on the same address: every agent re-registers by itself
# and the next run uses all of them.
source "$(dirname "$0")/lib.sh"
start_target
start_coordinator

# wait_idle_agents N: until `stampede agents` lists N idle agents, or fail after 30 s.
wait_idle_agents() {
  local deadline=$((SECONDS + 30))
  until [ "$("$E2E_CLI" agents --coordinator "$CONTROL_EP" 2>/dev/null | grep -c ' idle ')" -ge "$1" ]; do
    [ $SECONDS -lt $deadline ] || fail "fewer than $1 idle agents after 30 s"
    sleep 0.1
  done
}

start_agent r1
start_agent r2
wait_idle_agents 2
kill -KILL "$COORDINATOR_PID"
wait "$COORDINATOR_PID" 2>/dev/null || true
start_coordinator
wait_idle_agents 2

"$E2E_CLI" run --coordinator "$CONTROL_EP" --target "http://$TARGET" --admin-url "http://$ADMIN" \
  --admin-token-file "$E2E_TMP/token" --endpoint safe --stock 10 --users 10 --requests 100 \
  --expect-agents 2 --agents-wait 10 --report "$E2E_TMP/report.json" --quiet >"$E2E_TMP/run.out" 2>&1 ||
  { cat "$E2E_TMP/run.out" "$E2E_TMP/coordinator-2.log" >&2; fail "run after restart failed"; }
report_check "$E2E_TMP/report.json" \
  'len(r["agents"]) == 2' \
  'ep["safe"]["integrity"] == "ok" and ep["safe"]["acknowledged"] == 10'
echo "PASS coordinator restart"
