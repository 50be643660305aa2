# Shared by the control-plane security tests (sourced after lib.sh): keys, and the coordinator
# and agents started with extra flags.

# make_keys NAME...: `stampede keygen` for each, into $E2E_TMP/NAME.{key,pub}; sets PUB[NAME].
declare -A PUB
make_keys() {
  local name
  for name in "$@"; do
    "$E2E_CLI" keygen --out "$E2E_TMP/$name" >/dev/null || fail "keygen $name"
    PUB[$name]=$(grep -v '^#' "$E2E_TMP/$name.pub")
  done
}

# start_coordinator_with FLAGS...: like lib.sh's start_coordinator, with extra flags.
start_coordinator_with() {
  "$E2E_CLI" coordinator --agents-bind 'tcp://127.0.0.1:*' --control-bind 'tcp://127.0.0.1:*' \
    --metrics-bind 127.0.0.1:0 --heartbeat-ms 200 --heartbeat-timeout-ms 2000 "$@" \
    >"$E2E_TMP/coordinator.log" 2>&1 &
  STAMPEDE_PIDS+=($!)
  local line
  line=$(stampede_wait_line "$E2E_TMP/coordinator.log" '^stampede coordinator listening' 30 $!)
  AGENTS_EP=$(awk '{print $5}' <<<"$line")
  CONTROL_EP=$(awk '{print $7}' <<<"$line")
  METRICS=$(awk '{print $9}' <<<"$line")
}

# start_agent_with NAME FLAGS...: like lib.sh's start_agent, with extra flags.
start_agent_with() {
  local name=$1
  shift
  "$E2E_AGENT_BIN" --coordinator "$AGENTS_EP" --name "$name" --threads 1 --heartbeat-ms 200 "$@" \
    >"$E2E_TMP/agent-$name.log" 2>&1 &
  STAMPEDE_PIDS+=($!)
}

# expect_exit CODE PATTERN CMD...: CMD exits CODE and its output matches PATTERN.
expect_exit() {
  local want=$1 pattern=$2
  shift 2
  set +e
  timeout 60 "$@" >"$E2E_TMP/out" 2>&1
  local got=$?
  set -e
  [ "$got" -eq "$want" ] || { cat "$E2E_TMP/out" >&2; fail "$* exited $got, want $want"; }
  grep -qiE -- "$pattern" "$E2E_TMP/out" || { cat "$E2E_TMP/out" >&2; fail "$*: no '$pattern' in output"; }
}
