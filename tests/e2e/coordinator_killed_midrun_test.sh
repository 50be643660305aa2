# The coordinator SIGKILLed mid-run and started again with the same --state-dir: it takes the
# run over from its journal, the agents (which kept their jobs) send everything again, the CLI
# finds its run on the new process, and the report is whole: every attempt counted, the safe
# endpoint's verdict clean, the restart named.
source "$(dirname "$0")/lib.sh"
state=$E2E_TMP/state
# Paced to last about 8 s, so the new coordinator takes the run over while the agents still run.
CHAOS_RUN_FLAGS=(--rate 3000)
start_chaos_run takeover --state-dir "$state"
[ -s "$state/run-in-flight.pb" ] || fail "no run journal in $state while the run goes"
kill -KILL "$COORDINATOR_PID"
wait "$COORDINATOR_PID" 2>/dev/null || true
start_coordinator --state-dir "$state"

finish_chaos_run "$E2E_TMP/coordinator-2.log"
# The live view's lines (not a terminal: one a second) carry latency and the stock read live.
grep -qE ' p50 [0-9.]+ ms  p99 [0-9.]+ ms ' "$E2E_TMP/run.err" || fail "no live p50/p99 in the run's lines"
grep -qE ' stock left [0-9]+ ' "$E2E_TMP/run.err" || fail "no live stock reading in the run's lines"
grep -q "found run" "$E2E_TMP/coordinator-2.log" || fail "the new coordinator did not find the run"
grep -q "client attached again" "$E2E_TMP/coordinator-2.log" || fail "the CLI never attached again"
grep -q "re-sending job" "$E2E_TMP"/agent-takeover-*.log || fail "no agent re-sent its job"
[ ! -e "$state/run-in-flight.pb" ] || fail "the journal outlived the run"
report_check "$E2E_TMP/report.json" \
  'ep["safe"]["integrity"] == "ok"' \
  'ep["safe"]["attempts"] == 24000' \
  'ep["safe"]["acknowledged"] == 100 and ep["safe"]["ledger_orders"] == 100' \
  'all(ep["safe"][k] == 0 for k in ("oversold","lost_updates","lost_acks","phantoms","duplicates","recovered"))' \
  'any("restarted" in p for p in ep["safe"]["problems"])' \
  'len(r["agents"]) == 3'
echo "PASS coordinator killed mid-run"
