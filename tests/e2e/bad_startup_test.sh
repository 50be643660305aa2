# Bad start-up gets one line and design.md's exit code: unknown flags (2), too few agents (3),
# a target that is down (3), and an agent that cannot reach its coordinator keeps trying, saying so.
source "$(dirname "$0")/lib.sh"

expect_exit 2 "bogus" "$E2E_CLI" run --bogus
expect_exit 2 "bogus" "$E2E_AGENT_BIN" --bogus
expect_exit 2 "bogus" "$E2E_TARGET_BIN" --bogus
expect_exit 2 "requests|duration" "$E2E_CLI" run --embedded 1 --stock-url http://127.0.0.1:1/x
expect_exit 2 "admin-url" "$E2E_CLI" run --embedded 1 --requests 5 --stock 5

# A target nobody listens on: bind a port, note it, close it.
dead_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
expect_exit 3 "connect|refused" "$E2E_CLI" run --embedded 1 --target "http://127.0.0.1:$dead_port" \
  --endpoint safe --requests 5 --quiet

start_target
start_coordinator
start_agent solo
expect_exit 3 "only 1 of 2 agents" "$E2E_CLI" run --coordinator "$CONTROL_EP" --target "http://$TARGET" \
  --endpoint safe --requests 5 --expect-agents 2 --agents-wait 2 --quiet

# `stampede agents` lists the one agent.
"$E2E_CLI" agents --coordinator "$CONTROL_EP" >"$E2E_TMP/agents.out"
grep -q "^solo " "$E2E_TMP/agents.out" || { cat "$E2E_TMP/agents.out"; fail "agents listing"; }

# An agent pointed at nothing says so and keeps trying (it is stopped by the cleanup trap).
AGENTS_EP="tcp://127.0.0.1:$dead_port"
start_agent lonely
stampede_wait_line "$E2E_TMP/agent-lonely.log" 'not answering; still trying' 20 "${STAMPEDE_PIDS[-1]}" >/dev/null ||
  fail "agent did not report the unreachable coordinator"
kill -0 "${STAMPEDE_PIDS[-1]}" || fail "agent gave up instead of retrying"
echo "PASS bad start-up"
