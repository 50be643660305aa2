# Shared by the deploy tests: the e2e helpers (temp folder, processes stopped on any exit,
# start_target/start_coordinator/start_agent, report_check) plus the repository's paths and a
# Prometheus started on a loopback port picked at run time.
source "$(dirname "${BASH_SOURCE[0]}")/../e2e/lib.sh"
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
DEPLOY=$REPO/deploy
PROMCHECK=(python3 "$REPO/tests/deploy/promcheck.py")

need() {
  local tool
  for tool in "$@"; do
    command -v "$tool" >/dev/null || fail "$tool is not installed (scripts/lib/deps.sh STAMPEDE_TEST_PACKAGES)"
  done
}

# start_prometheus CONFIG: sets PROM (http://127.0.0.1:PORT) once it answers /-/ready. The port
# is free when picked; if another process takes it first, Prometheus exits and we pick again.
start_prometheus() {
  local config=$1 port pid try
  for try in 1 2 3; do
    port=$(stampede_free_port)
    prometheus --config.file="$config" --storage.tsdb.path="$E2E_TMP/prometheus-data" \
      --web.listen-address="127.0.0.1:$port" --log.level=warn >"$E2E_TMP/prometheus.log" 2>&1 &
    pid=$!
    STAMPEDE_PIDS+=($pid)
    local deadline=$((SECONDS + 30))
    while [ $SECONDS -le $deadline ] && kill -0 "$pid" 2>/dev/null; do
      if curl -fsS "http://127.0.0.1:$port/-/ready" >/dev/null 2>&1; then
        PROM=http://127.0.0.1:$port
        return 0
      fi
      sleep 0.1
    done
    kill -0 "$pid" 2>/dev/null && { cat "$E2E_TMP/prometheus.log" >&2; fail "prometheus not ready after 30s"; }
  done
  cat "$E2E_TMP/prometheus.log" >&2
  fail "prometheus would not start"
}
