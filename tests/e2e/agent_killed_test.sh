# An agent SIGKILLed mid-run: the coordinator notices (heartbeat deadline), hands the dead
# agent's unfinished attempts to a survivor, names the lost agent in the report, and the safe
# endpoint's verdict stays clean (its unreported orders count as recovered, not phantoms).
source "$(dirname "$0")/lib.sh"
start_target
start_coordinator
for i in 1 2 3; do start_agent "chaos-$i"; done
victim=${STAMPEDE_PIDS[-2]}  # chaos-2

"$E2E_CLI" run --coordinator "$CONTROL_EP" --target "http://$TARGET" --admin-url "http://$ADMIN" \
  --admin-token-file "$E2E_TMP/token" --endpoint safe --stock 100 --users 30 --requests 24000 \
  --expect-agents 3 --report "$E2E_TMP/report.json" >"$E2E_TMP/run.out" 2>"$E2E_TMP/run.err" &
run_pid=$!
STAMPEDE_PIDS+=($run_pid)

# Kill once the run is well under way (progress lines say how many attempts are done).
deadline=$((SECONDS + 60))
until grep -qE 'attempts [0-9]{4,}' "$E2E_TMP/run.err" 2>/dev/null; do
  [ $SECONDS -lt $deadline ] || fail "run never got going: $(tail -n 3 "$E2E_TMP/run.err")"
  kill -0 $run_pid 2>/dev/null || fail "run ended before the kill: $(cat "$E2E_TMP/run.out")"
  sleep 0.05
done
kill -KILL "$victim"

set +e
wait $run_pid
code=$?
set -e
cat "$E2E_TMP/run.out"
grep -E 'lost|re-issuing' "$E2E_TMP/run.err" || true
[ $code -eq 0 ] || { cat "$E2E_TMP/run.err" >&2; fail "run exited $code after losing an agent"; }
report_check "$E2E_TMP/report.json" \
  'ep["safe"]["integrity"] == "ok"' \
  'any("chaos-2" in p and "lost" in p for p in ep["safe"]["problems"])' \
  'ep["safe"]["attempts"] == 24000' \
  'ep["safe"]["ledger_orders"] == 100 and ep["safe"]["final_stock"] == 0' \
  'all(ep["safe"][k] == 0 for k in ("oversold","lost_updates","lost_acks","phantoms","duplicates"))' \
  'ep["safe"]["acknowledged"] + ep["safe"]["recovered"] >= 100'
echo "PASS agent killed mid-run"
