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

# start_coordinator: sets AGENTS_EP, CONTROL_EP, METRICS (host:port).
start_coordinator() {
  "$E2E_CLI" coordinator --agents-bind 'tcp://127.0.0.1:*' --control-bind 'tcp://127.0.0.1:*' \
    --metrics-bind 127.0.0.1:0 --heartbeat-ms 200 --heartbeat-timeout-ms 2000 >"$E2E_TMP/coordinator.log" 2>&1 &
  STAMPEDE_PIDS+=($!)
  local line
  line=$(stampede_wait_line "$E2E_TMP/coordinator.log" '^stampede coordinator listening' 30 $!)
  AGENTS_EP=$(awk '{print $5}' <<<"$line")
  CONTROL_EP=$(awk '{print $7}' <<<"$line")
  METRICS=$(awk '{print $9}' <<<"$line")
}

start_agent() {
  "$E2E_AGENT_BIN" --coordinator "$AGENTS_EP" --name "$1" --threads 1 --heartbeat-ms 200 \
    >"$E2E_TMP/agent-$1.log" 2>&1 &
  STAMPEDE_PIDS+=($!)
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
