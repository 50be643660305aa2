# Under attack from the target's side: a stock URL that answers 2^64-1, one that accepts and
# never answers, and one whose answer carries a 70 KB trailer. Each run ends with exit 3 within
# its deadlines, the coordinator daemon lives, and `stampede agents` is answered while the
# silent peer holds the run.
source "$(dirname "$0")/lib.sh"

start_target --stock 100
start_coordinator
start_agent a1
for mode in huge silent trailer; do
  port=$(stampede_free_port)
  python3 "$(dirname "$0")/hostile_peer.py" "$port" "$mode" >"$E2E_TMP/peer-$mode.log" 2>&1 &
  STAMPEDE_PIDS+=($!)
  stampede_wait_line "$E2E_TMP/peer-$mode.log" '^listening' 10 $! >/dev/null || fail "peer $mode did not start"
  started=$SECONDS
  "$E2E_CLI" run --coordinator "$CONTROL_EP" --target "http://$TARGET" --endpoint safe \
    --stock-url "http://127.0.0.1:$port/stock" --users 2 --requests 4 --quiet \
    >"$E2E_TMP/run-$mode.out" 2>&1 &
  run=$!
  if [ "$mode" = silent ]; then
    # While the run waits on the silent peer, the daemon answers its other clients.
    sleep 1
    timeout 10 "$E2E_CLI" agents --coordinator "$CONTROL_EP" >"$E2E_TMP/agents.out" 2>&1 ||
      fail "stampede agents went unanswered while a stock URL was silent"
    grep -q '^a1 ' "$E2E_TMP/agents.out" || fail "agents listing: $(cat "$E2E_TMP/agents.out")"
  fi
  code=0
  wait $run || code=$?
  took=$((SECONDS - started))
  [ $code -eq 3 ] || fail "a stock URL answering $mode: exit $code, not 3: $(tail -n 2 "$E2E_TMP/run-$mode.out")"
  [ $took -le 25 ] || fail "a stock URL answering $mode held the run for $took s"
  kill -0 "$COORDINATOR_PID" || fail "a stock URL answering $mode killed the coordinator"
  echo "$mode: exit 3 after ${took} s: $(tail -n 1 "$E2E_TMP/run-$mode.out")"
done
grep -q "no answer within" "$E2E_TMP/run-silent.out" || fail "the silent peer's run does not say why"
grep -q "not a whole number" "$E2E_TMP/run-huge.out" || fail "the huge stock's run does not say why"
grep -q "trailer is over" "$E2E_TMP/run-trailer.out" || fail "the trailer's run does not say why"
timeout 10 "$E2E_CLI" status --coordinator "$CONTROL_EP" | grep -q '^run: none' ||
  fail "a run is still active after the hostile peers"
echo "PASS hostile peers: each run exit 3 in bounded time; the coordinator answered throughout"
