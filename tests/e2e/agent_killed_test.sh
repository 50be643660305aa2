# An agent SIGKILLed mid-run: the coordinator notices (heartbeat deadline), hands the dead
# agent's unfinished attempts to a survivor, names the lost agent in the report, and the safe
# endpoint's verdict stays clean (its unreported orders count as recovered, not phantoms).
source "$(dirname "$0")/lib.sh"
start_chaos_run chaos
victim=$VICTIM
kill -KILL "$victim"

finish_chaos_run
grep -E 'lost|re-issuing' "$E2E_TMP/run.err" || true
report_check "$E2E_TMP/report.json" \
  'ep["safe"]["integrity"] == "ok"' \
  'any("chaos-2" in p and "lost" in p for p in ep["safe"]["problems"])' \
  'ep["safe"]["attempts"] == 24000' \
  'ep["safe"]["ledger_orders"] == 100 and ep["safe"]["final_stock"] == 0' \
  'all(ep["safe"][k] == 0 for k in ("oversold","lost_updates","lost_acks","phantoms","duplicates"))' \
  'ep["safe"]["acknowledged"] + ep["safe"]["recovered"] >= 100'
echo "PASS agent killed mid-run"
