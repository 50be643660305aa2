# Redis killed (SIGKILL) and started again on its data mid-run under the target's redis-lua
# checkout: attempts caught in the outage end indeterminate (503 store_unavailable), the target
# reconnects by itself, sales go on, and the oracle finds the safe strategy whole: nothing
# oversold, no acknowledged order lost, no duplicate, every ledger order accounted for.
source "$(dirname "$0")/lib.sh"
redis_port=$(stampede_free_port)
start_redis "$E2E_TMP/redis" "$redis_port"
CHAOS_TARGET_FLAGS=(--store "redis://127.0.0.1:$redis_port" --strategy redis-lua)
# Stock that lasts the whole paced run (about 8 s), so sales are in flight when Redis dies.
CHAOS_STOCK=20000
CHAOS_RUN_FLAGS=(--rate 3000)
start_chaos_run redis
kill -KILL "$REDIS_PID"
wait "$REDIS_PID" 2>/dev/null || true

# The outage must show in the live counts before Redis comes back.
deadline=$((SECONDS + 30))
until grep -qE ' info [1-9]' "$E2E_TMP/run.err"; do
  [ $SECONDS -lt $deadline ] || fail "no indeterminate attempt seen while Redis was down"
  kill -0 "$RUN_PID" 2>/dev/null || fail "the run ended before the outage showed"
  sleep 0.05
done
start_redis "$E2E_TMP/redis" "$redis_port"
ok_at_restart=$(grep -oE ' ok [0-9]+' "$E2E_TMP/run.err" | tail -n 1 | awk '{print $2}')

finish_chaos_run "$E2E_TMP/target.log"
report_check "$E2E_TMP/report.json" \
  'ep["safe"]["integrity"] == "ok"' \
  'ep["safe"]["attempts"] == 24000' \
  'ep["safe"]["indeterminate"] > 0 and ep["safe"]["status_codes"].get("503", 0) > 0' \
  'all(ep["safe"][k] == 0 for k in ("oversold","lost_updates","lost_acks","phantoms","duplicates"))' \
  'ep["safe"]["acknowledged"] + ep["safe"]["recovered"] == ep["safe"]["ledger_orders"]' \
  "ep['safe']['acknowledged'] > $ok_at_restart"
echo "PASS redis killed and restarted mid-run"
