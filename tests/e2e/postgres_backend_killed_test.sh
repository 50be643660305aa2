# The target's PostgreSQL connections killed with pg_terminate_backend mid-run, several times,
# under the row-lock strategy (SELECT ... FOR UPDATE, then UPDATE and INSERT in one transaction):
# a transaction cut off is rolled back or, if its COMMIT got through, recovered; the target
# reconnects by itself, and the oracle finds nothing oversold, lost or duplicated.
source "$(dirname "$0")/lib.sh"
start_postgres
CHAOS_TARGET_FLAGS=(--store "$PG_URL" --strategy postgres-row-lock)
CHAOS_STOCK=20000
CHAOS_RUN_FLAGS=(--rate 2000)
start_chaos_run pg

pg_bin=$(stampede_pg_bin)
killed=0 busy=0
for _ in 1 2 3 4 5; do
  # busy: backends caught inside a statement or a transaction when they were cut off.
  read -r b k < <("$pg_bin/psql" -At -F ' ' -h 127.0.0.1 -p "$PG_PORT" -U stampede -d postgres -c \
    "SELECT count(*) FILTER (WHERE state <> 'idle'), count(pg_terminate_backend(pid))
       FROM pg_stat_activity
      WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()")
  killed=$((killed + k)) busy=$((busy + b))
  sleep 0.3  # let the target reconnect and sell again between cuts
done
echo "terminated $killed backend(s), $busy of them mid-statement or mid-transaction"
[ "$killed" -gt 0 ] || fail "pg_terminate_backend found no backend of the target's"

finish_chaos_run "$E2E_TMP/target.log"
report_check "$E2E_TMP/report.json" \
  'ep["safe"]["integrity"] == "ok"' \
  'ep["safe"]["attempts"] == 24000' \
  'all(ep["safe"][k] == 0 for k in ("oversold","lost_updates","lost_acks","phantoms","duplicates"))' \
  'ep["safe"]["acknowledged"] + ep["safe"]["recovered"] == ep["safe"]["ledger_orders"]' \
  'ep["safe"]["ledger_orders"] == ep["safe"]["initial_stock"] - ep["safe"]["final_stock"]'
echo "PASS postgres backends killed mid-run"
