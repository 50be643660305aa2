# CURVE on the control plane: a coordinator with keys admits the agent and CLI it lists and
# refuses a stranger (logged, never listed, and told why); a CLI without keys or with a
# stranger's key is told its handshake failed or was refused (exit 3);
# key files are private; without keys the coordinator stays on loopback unless told otherwise.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/security_lib.sh"

make_keys coordinator agent cli stranger
for name in coordinator agent cli stranger; do
  [ "$(stat -c %a "$E2E_TMP/$name.key")" = 600 ] || fail "$name.key is mode $(stat -c %a "$E2E_TMP/$name.key")"
done
expect_exit 2 "already exists" "$E2E_CLI" keygen --out "$E2E_TMP/agent"

echo "== without keys: loopback only, a network bind needs --insecure-bind"
expect_exit 2 "refusing to bind tcp://0.0.0.0:\*.*--insecure-bind" \
  "$E2E_CLI" coordinator --agents-bind 'tcp://0.0.0.0:*' --control-bind 'tcp://127.0.0.1:*' --metrics-bind ''
expect_exit 2 "go together" "$E2E_CLI" coordinator --curve-secret-file "$E2E_TMP/coordinator.key"
printf '# nobody\n' >"$E2E_TMP/empty_keys"
expect_exit 2 "lists no keys" "$E2E_CLI" coordinator --curve-secret-file "$E2E_TMP/coordinator.key" \
  --authorized-keys "$E2E_TMP/empty_keys"
expect_exit 2 "go together" "$E2E_AGENT_BIN" --curve-secret-file "$E2E_TMP/agent.key"

echo "== a coordinator with keys"
{ echo "# admitted"; echo "${PUB[agent]} agent-1"; echo "${PUB[cli]} cli"; } >"$E2E_TMP/authorized_keys"
start_target
start_coordinator --curve-secret-file "$E2E_TMP/coordinator.key" \
  --authorized-keys "$E2E_TMP/authorized_keys"
# Z85 keys hold regex characters: keys are matched with grep -F.
grep -qF "CURVE on, 2 authorized key(s); public key ${PUB[coordinator]}" "$E2E_TMP/coordinator.log" ||
  fail "coordinator did not say CURVE is on: $(cat "$E2E_TMP/coordinator.log")"
PIN=(--coordinator-public-key "${PUB[coordinator]}")
start_agent admitted --curve-secret-file "$E2E_TMP/agent.key" "${PIN[@]}"
stampede_wait_line "$E2E_TMP/agent-admitted.log" 'registered with' 30 "${STAMPEDE_PIDS[-1]}" >/dev/null ||
  fail "the admitted agent never registered"
start_agent stranger --curve-secret-file "$E2E_TMP/stranger.key" "${PIN[@]}"
stranger_pid=${STAMPEDE_PIDS[-1]}
stampede_wait_line "$E2E_TMP/coordinator.log" "refused a connection to the agents socket" 30 \
  "${STAMPEDE_PIDS[1]}" >/dev/null || fail "no refusal logged"
grep -qF "refused a connection to the agents socket from 127.0.0.1 with key ${PUB[stranger]}" \
  "$E2E_TMP/coordinator.log" || fail "the refusal does not name the stranger's key"
kill -0 "$stranger_pid" || fail "the stranger agent died instead of being kept out"
grep -q "registered with" "$E2E_TMP/agent-stranger.log" && fail "the stranger agent registered"
# The stranger is told why, not left guessing at silence.
stampede_wait_line "$E2E_TMP/agent-stranger.log" "refused this key" 30 "$stranger_pid" >/dev/null ||
  fail "the stranger agent was not told its key was refused"

CLI_KEYS=(--curve-secret-file "$E2E_TMP/cli.key" "${PIN[@]}")
"$E2E_CLI" agents --coordinator "$CONTROL_EP" "${CLI_KEYS[@]}" >"$E2E_TMP/agents.out" ||
  fail "agents listing with the CLI key failed"
grep -q "^admitted " "$E2E_TMP/agents.out" || { cat "$E2E_TMP/agents.out"; fail "admitted agent not listed"; }
grep -q "stranger" "$E2E_TMP/agents.out" && { cat "$E2E_TMP/agents.out"; fail "the stranger is listed"; }

echo "== the admitted agent serves a run"
"$E2E_CLI" run --coordinator "$CONTROL_EP" "${CLI_KEYS[@]}" --target "http://$TARGET" \
  --admin-url "http://$ADMIN" --admin-token-file "$E2E_TMP/token" --endpoint safe --stock 20 \
  --users 5 --requests 60 --expect-agents 1 --agents-wait 10 --quiet --report "$E2E_TMP/report.json" \
  >"$E2E_TMP/run.out" 2>&1 || { cat "$E2E_TMP/run.out"; fail "secured run failed"; }
report_check "$E2E_TMP/report.json" \
  '[a["name"] for a in r["agents"]] == ["admitted"]' \
  'ep["safe"]["integrity"] == "ok" and ep["safe"]["acknowledged"] == 20'

echo "== CLIs without an admitted key are refused, and told so"
expect_exit 3 "security handshake.*failed.*--curve-secret-file" "$E2E_CLI" agents --coordinator "$CONTROL_EP"
expect_exit 3 "refused this key.*--authorized-keys" "$E2E_CLI" agents --coordinator "$CONTROL_EP" \
  --curve-secret-file "$E2E_TMP/stranger.key" "${PIN[@]}"
expect_exit 3 "refused this key.*--authorized-keys" "$E2E_CLI" run --coordinator "$CONTROL_EP" \
  --curve-secret-file "$E2E_TMP/stranger.key" "${PIN[@]}" --target "http://$TARGET" \
  --endpoint safe --requests 5 --quiet
grep -qF "refused a connection to the control socket from 127.0.0.1 with key ${PUB[stranger]}" \
  "$E2E_TMP/coordinator.log" || fail "no refusal of the stranger CLI logged"
# The refused run never reached the coordinator: one run only.
grep -c "requested" "$E2E_TMP/coordinator.log" | grep -qx 1 || fail "a refused CLI started a run"
curl -fsS "http://$METRICS/metrics" | grep -E '^stampede_control_auth_refused_total\{socket="agents"\} [1-9]' >/dev/null ||
  fail "no refusal counted in /metrics"
echo "PASS control-plane security"
