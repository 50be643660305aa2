# Shared by the end-to-end tests: a temp folder and process cleanup that run even on failure,
# starting the lab's processes, and assertions over the JSON report.
set -euo pipefail
source "$E2E_SCRIPTS/lib/processes.sh"
source "$E2E_SCRIPTS/lib/postgres.sh"

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

# start_redis DIR PORT: a real redis-server on 127.0.0.1:PORT keeping its data in DIR, with every
# write fsynced to its append-only file before the reply, so a restart loses no committed sale.
# Sets REDIS_PID; called again with the same DIR and PORT it starts on the same data.
start_redis() {
  mkdir -p "$1"
  redis-server --port "$2" --bind 127.0.0.1 --dir "$1" --save '' --appendonly yes \
    --appendfsync always --logfile "$1/redis.log" &
  STAMPEDE_PIDS+=($!)
  REDIS_PID=$!
  local deadline=$((SECONDS + 20))
  until redis-cli -p "$2" ping 2>/dev/null | grep -q PONG; do
    [ $SECONDS -lt $deadline ] || fail "redis-server did not answer within 20 s: $(tail -n 3 "$1/redis.log")"
    kill -0 "$REDIS_PID" 2>/dev/null || fail "redis-server exited: $(tail -n 3 "$1/redis.log")"
    sleep 0.05
  done
}

# start_postgres: scripts/lib/postgres.sh's server in $E2E_TMP/pg. Sets PG_URL, PG_PORT, PG_PID.
start_postgres() {
  stampede_start_postgres "$E2E_TMP/pg" || fail "PostgreSQL did not start"
}

# start_coordinator [extra flags]: sets AGENTS_EP, CONTROL_EP, METRICS (host:port) and
# COORDINATOR_PID. Called again, it binds the same AGENTS_EP and CONTROL_EP (a restart on the
# same address); each start after the first logs to coordinator-N.log.
COORDINATOR_STARTS=0
start_coordinator() {
  local log=$E2E_TMP/coordinator.log
  COORDINATOR_STARTS=$((COORDINATOR_STARTS + 1))
  [ $COORDINATOR_STARTS -eq 1 ] || log=$E2E_TMP/coordinator-$COORDINATOR_STARTS.log
  "$E2E_CLI" coordinator --agents-bind "${AGENTS_EP:-tcp://127.0.0.1:*}" \
    --control-bind "${CONTROL_EP:-tcp://127.0.0.1:*}" \
    --metrics-bind 127.0.0.1:0 --heartbeat-ms 200 --heartbeat-timeout-ms 2000 "$@" \
    >"$log" 2>&1 &
  STAMPEDE_PIDS+=($!)
  COORDINATOR_PID=$!
  local line
  line=$(stampede_wait_line "$log" '^stampede coordinator listening' 30 $!)
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

# wait_under_way NAME ERR PID LEAST: returns once the live lines in ERR of the run NAME (in the
# background as PID) count LEAST attempts or more; fails after 60 s, or if the run ends first.
wait_under_way() {
  local why
  why=$(stampede_wait_attempts "$2" "$3" "$4" 60 2>&1) || fail "the $1 run $why"
}

# start_chaos_run PREFIX [coordinator flags]: target, coordinator and agents PREFIX-1..3, then a
# long safe run in the background (RUN_PID; output in $E2E_TMP/run.{out,err}), returning once it
# has made 1,000+ attempts. Sets VICTIM to PREFIX-2's pid, for the test to harm. Arrays
# CHAOS_RUN_FLAGS and CHAOS_TARGET_FLAGS add flags to the run and the target (its store);
# CHAOS_STOCK replaces the stock of 100. Without CHAOS_RUN_FLAGS the run is paced at 3,000
# attempts/s, so it lasts about 8 s however fast the build and machine are, and the test's harm
# lands while it runs.
start_chaos_run() {
  local prefix=$1
  shift
  [ -n "${CHAOS_RUN_FLAGS+x}" ] || CHAOS_RUN_FLAGS=(--rate 3000)
  start_target ${CHAOS_TARGET_FLAGS[@]+"${CHAOS_TARGET_FLAGS[@]}"}
  start_coordinator "$@"
  local i
  for i in 1 2 3; do start_agent "$prefix-$i"; done
  VICTIM=${STAMPEDE_PIDS[-2]}
  "$E2E_CLI" run --coordinator "$CONTROL_EP" --target "http://$TARGET" --admin-url "http://$ADMIN" \
    --admin-token-file "$E2E_TMP/token" --endpoint safe --stock "${CHAOS_STOCK:-100}" --users 30 --requests 24000 \
    --expect-agents 3 --report "$E2E_TMP/report.json" ${CHAOS_RUN_FLAGS[@]+"${CHAOS_RUN_FLAGS[@]}"} \
    >"$E2E_TMP/run.out" 2>"$E2E_TMP/run.err" &
  RUN_PID=$!
  STAMPEDE_PIDS+=($RUN_PID)
  wait_under_way chaos "$E2E_TMP/run.err" "$RUN_PID" 1000
}

# finish_chaos_run [LOG...]: waits for start_chaos_run's run, shows its table, and fails unless
# it exited 0, showing its live lines and each LOG first.
finish_chaos_run() {
  local code=0
  wait "$RUN_PID" || code=$?
  cat "$E2E_TMP/run.out"
  [ $code -eq 0 ] || { cat "$E2E_TMP/run.err" "$@" >&2; fail "the run exited $code"; }
}

# report_check REPORT PYTHON_EXPR...: each expression sees `ep` (endpoint name -> dict) and `r`.
report_check() { python3 "$(dirname "${BASH_SOURCE[0]}")/../report_check.py" "$@"; }
