# An agent holds its own limits whatever the coordinator sends: a job aimed outside its
# --allow-target, or over its --max-connections, is refused with the reason, the run exits 3
# naming it, and the target sees no checkout. All traffic stays on loopback: the allowlist
# simply does not include it.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/security_lib.sh"

start_target
start_coordinator
start_agent fenced --allow-target 10.0.0.0/8,192.168.0.0/16
stampede_wait_line "$E2E_TMP/agent-fenced.log" 'registered with' 30 "${STAMPEDE_PIDS[-1]}" >/dev/null ||
  fail "agent never registered"
expect_exit 3 "fenced.*outside this agent's --allow-target \(10.0.0.0/8, 192.168.0.0/16\)" \
  "$E2E_CLI" run --coordinator "$CONTROL_EP" --target "http://$TARGET" --admin-url "http://$ADMIN" \
  --admin-token-file "$E2E_TMP/token" --endpoint safe --stock 10 --requests 20 --expect-agents 1 --quiet
grep -q "refused job" "$E2E_TMP/agent-fenced.log" || fail "the agent did not log its refusal"
orders=$(curl -fsS "http://$TARGET/api/v1/products/1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["orders"])')
[ "$orders" = 0 ] || fail "the target took $orders orders from a refused job"

echo "== caps: --max-connections"
stampede_stop_all
rm -f "$E2E_TMP"/*.log  # so the fresh processes' "listening" lines are the ones read
start_target
start_coordinator
start_agent capped --max-connections 5 --allow-target 127.0.0.1
stampede_wait_line "$E2E_TMP/agent-capped.log" 'registered with' 30 "${STAMPEDE_PIDS[-1]}" >/dev/null ||
  fail "agent never registered"
expect_exit 3 "30 users \(connections\) is over this agent's --max-connections 5" \
  "$E2E_CLI" run --coordinator "$CONTROL_EP" --target "http://$TARGET" --admin-url "http://$ADMIN" \
  --admin-token-file "$E2E_TMP/token" --endpoint safe --stock 10 --users 30 --requests 20 \
  --expect-agents 1 --quiet
# Within the caps and the allowlist, the same agent serves.
"$E2E_CLI" run --coordinator "$CONTROL_EP" --target "http://$TARGET" --admin-url "http://$ADMIN" \
  --admin-token-file "$E2E_TMP/token" --endpoint safe --stock 10 --users 5 --requests 20 \
  --expect-agents 1 --quiet >"$E2E_TMP/run.out" 2>&1 || { cat "$E2E_TMP/run.out"; fail "run within the caps failed"; }
echo "PASS agent allowlist and caps"
