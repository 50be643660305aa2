# A hostile checkout does not take an agent down: an endless body, 64 KiB of headers, one byte a
# second, a malformed status line, a 1 GB Content-Length before a close, and a TLS handshake
# that stalls. In each, every attempt ends (info: the request went out and the answer is
# unusable; fail: the handshake never finished, so nothing was sent) within its timeout, the run
# ends with a report, and the agent's peak memory stays bounded.
source "$(dirname "$0")/lib.sh"

(cd "$E2E_TMP" && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
  -subj /CN=stall -keyout stall.key -out stall.pem) >"$E2E_TMP/openssl.log" 2>&1 ||
  fail "openssl: $(tail -n 2 "$E2E_TMP/openssl.log")"
start_coordinator
start_agent a1
AGENT_PID=${STAMPEDE_PIDS[-1]}
for mode in endless headers64k slow badstatus hugelength tlsstall; do
  port=$(stampede_free_port)
  scheme=http tls=()
  [ $mode != tlsstall ] || { scheme=https tls=(--insecure --connect-timeout-ms 2000); }
  python3 "$(dirname "$0")/hostile_peer.py" "$port" "$mode" "$E2E_TMP/stall.pem" "$E2E_TMP/stall.key" \
    >"$E2E_TMP/peer-$mode.log" 2>&1 &
  STAMPEDE_PIDS+=($!)
  stampede_wait_line "$E2E_TMP/peer-$mode.log" '^listening' 10 $! >/dev/null || fail "peer $mode did not start"
  started=$SECONDS
  # A plain load test (no stock source): the run's verdict is the report itself.
  expect_exit 0 "unchecked" "$E2E_CLI" run --coordinator "$CONTROL_EP" --target "$scheme://127.0.0.1:$port" \
    --method POST --path /buy --users 4 --requests 8 --request-timeout-ms 2000 ${tls[@]+"${tls[@]}"} \
    --report "$E2E_TMP/$mode.json"
  took=$((SECONDS - started))
  report_check "$E2E_TMP/$mode.json" \
    "ep['checkout']['attempts'] == 8" \
    "ep['checkout']['acknowledged'] == 0" \
    "ep['checkout']['indeterminate'] + ep['checkout']['errors'] == 8"
  kill -0 "$AGENT_PID" || fail "a target answering $mode killed the agent"
  # Two rounds of the 2 s timeout at most, with room for the run's start and end.
  [ $took -le 20 ] || fail "a target answering $mode held the run for $took s"
  echo "$mode: 8 attempts ended in ${took} s"
done
peak_kb=$(awk '/^VmHWM/ {print $2}' "/proc/$AGENT_PID/status")
[ "$peak_kb" -lt 200000 ] || fail "the agent's peak memory reached $peak_kb kB"
echo "PASS hostile servers: every attempt ended within its timeout; agent peak ${peak_kb} kB"
