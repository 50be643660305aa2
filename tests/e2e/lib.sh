# Shared by the end-to-end tests: a temp folder and process cleanup that run even on failure,
# starting the lab's processes, and assertions over the JSON report.
set -euo pipefail
source "$E2E_SCRIPTS/lib/processes.sh"

E2E_TMP=$(mktemp -d /tmp/stampede-e2e.XXXXXX)
trap 'stampede_stop_all; rm -rf "$E2E_TMP"' EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }

# start_target [extra flags]: sets TARGET (host:port) and ADMIN (host:port); token in $E2E_TMP/token.
start_target() {
  echo "e2e-token-$$" >"$E2E_TMP/token"
  "$E2E_TARGET_BIN" --listen 127.0.0.1:0 --admin-listen 127.0.0.1:0 --admin-token-file "$E2E_TMP/token" \
    --threads 2 "$@" >"$E2E_TMP/target.log" 2>&1 &
  STAMPEDE_PIDS+=($!)
  local line
  line=$(stampede_wait_line "$E2E_TMP/target.log" '^stampede-target listening on' 30 $!)
  TARGET=$(awk '{print $4}' <<<"$line")
  ADMIN=$(awk '{print $6}' <<<"$line")
}

# start_coordinator [extra flags]: sets AGENTS_EP, CONTROL_EP, METRICS (host:port).
start_coordinator() {
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

# start_agent NAME [extra flags]
start_agent() {
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

# start_chaos_run PREFIX: target, coordinator and agents PREFIX-1..3, then a long safe run in the
# background (RUN_PID; output in $E2E_TMP/run.{out,err}), returning once it has made 1,000+
# attempts. Sets VICTIM to PREFIX-2's pid, for the test to harm.
start_chaos_run() {
  start_target
  start_coordinator
  local i
  for i in 1 2 3; do start_agent "$1-$i"; done
  VICTIM=${STAMPEDE_PIDS[-2]}
  "$E2E_CLI" run --coordinator "$CONTROL_EP" --target "http://$TARGET" --admin-url "http://$ADMIN" \
    --admin-token-file "$E2E_TMP/token" --endpoint safe --stock 100 --users 30 --requests 24000 \
    --expect-agents 3 --report "$E2E_TMP/report.json" >"$E2E_TMP/run.out" 2>"$E2E_TMP/run.err" &
  RUN_PID=$!
  STAMPEDE_PIDS+=($RUN_PID)
  local deadline=$((SECONDS + 60))
  until grep -qE 'attempts [0-9]{4,}' "$E2E_TMP/run.err" 2>/dev/null; do
    [ $SECONDS -lt $deadline ] || fail "run never got going: $(tail -n 3 "$E2E_TMP/run.err")"
    kill -0 $RUN_PID 2>/dev/null || fail "run ended too soon: $(cat "$E2E_TMP/run.out")"
    sleep 0.05
  done
}

# report_check REPORT PYTHON_EXPR...: each expression sees `ep` (endpoint name -> dict) and `r`.
report_check() {
  local report=$1
  shift
  python3 - "$report" "$@" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
ep = {e["endpoint"]: e for e in r["endpoints"]}
bad = [x for x in sys.argv[2:] if not eval(x)]
for x in bad:
    print("report check failed:", x, file=sys.stderr)
if bad:
    print(json.dumps(r, indent=1), file=sys.stderr)
    sys.exit(1)
PY
}
