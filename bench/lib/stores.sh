# shellcheck shell=bash
# The real stores behind comparisons (3b) and (3c): a redis-server and a PostgreSQL 15 on
# loopback ports picked at run time, each in a folder under $BENCH_WORK with nothing persisted,
# and the peers that drive them directly (redis-benchmark, pgbench). Sourced by bench/run after
# bench/lib/peers.sh; every server goes on STAMPEDE_PIDS, so bench/run's trap stops it.

BENCH_PG_BIN=${BENCH_PG_BIN:-/usr/lib/postgresql/15/bin}
# The product the target resets at start-up and every side buys; the Redis keys and the
# PostgreSQL row of target/store/redis/redis_scripts.hpp and target/store/postgres/.
BENCH_PRODUCT=1

# bench_start_redis: redis-server with no snapshots and no append-only file. Sets REDIS_PORT.
bench_start_redis() {
  local dir=$BENCH_WORK/redis port pid
  mkdir -p "$dir"
  for _ in 1 2 3; do
    port=$(stampede_free_port)
    redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --dir "$dir" \
      --logfile "$dir/redis.log" >/dev/null 2>&1 &
    pid=$!
    STAMPEDE_PIDS+=("$pid")
    for _ in $(seq 100); do
      [ "$(redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null)" = PONG ] && { REDIS_PORT=$port; return 0; }
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    stampede_stop "$pid"  # most likely another process took the port in between: try another
  done
  echo "bench: redis-server did not start: $(tail -n 3 "$dir/redis.log" 2>/dev/null)" >&2
  return 1
}

# bench_redis_purchase_script FILE: writes the redis-lua strategy's Lua script, byte for byte as
# the target sends it (kPurchase in target/store/redis/redis_scripts.hpp: the holds prelude, then
# the purchase), so both sides run the same script under the same SHA1.
bench_redis_purchase_script() {
  python3 - "$BENCH_ROOT/target/store/redis/redis_scripts.hpp" "$1" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
prelude = re.search(r'kHoldsPrelude = R"lua\((.*?)\)lua"', text, re.S)
body = re.search(r'kPurchase = std::string\(kHoldsPrelude\) \+ R"lua\((.*?)\)lua"', text, re.S)
if not prelude or not body:
    sys.exit("bench: no kHoldsPrelude or kPurchase script in " + sys.argv[1])
open(sys.argv[2], "w").write(prelude.group(1) + body.group(1))
PY
}

# bench_redis_evalsha SHA: sets REDIS_EVALSHA, the EVALSHA that redis-benchmark repeats, with the keys and
# arguments RedisStore::purchase passes. __rand_int__ becomes a fresh 12-digit number per request,
# so nearly every call is a new Idempotency-Key and a real purchase (see measure_redis_benchmark).
bench_redis_evalsha() {
  local p="stampede:$BENCH_PRODUCT:"
  REDIS_EVALSHA=(EVALSHA "$1" 9 "${p}stock" "${p}orders" stampede:order_seq "${p}gen" "${p}keys"
    "${p}units" "${p}holds" "${p}expiries" "${p}hstats" 1 rb-__rand_int__ safe u-redis-benchmark 0)
}

# redis_ledger_length: orders in the Redis ledger of the product.
redis_ledger_length() {
  redis-cli -h 127.0.0.1 -p "$REDIS_PORT" LLEN "stampede:$BENCH_PRODUCT:orders"
}

# measure_redis_benchmark LOG_NAME CLIENTS REQUESTS: one redis-benchmark run of REQUESTS calls
# (it has no duration flag; bench/run sizes REQUESTS from a probe to last about the others'
# seconds), one thread, no pipelining; prints its requests/s. Fails unless the ledger grew by at
# least 99 % of the calls: redis-benchmark counts error replies (NOSCRIPT, a wrong key) as
# answers, so without this check a broken run would look fast. The stock must be reset first.
measure_redis_benchmark() {
  local clients=$2 requests=$3 log=$BENCH_WORK/logs/$1.log before after
  before=$(redis_ledger_length) || return 1
  bench_run_bounded 60 "$log" redis-benchmark -h 127.0.0.1 -p "$REDIS_PORT" -c "$clients" \
    -n "$requests" -r 1000000000 --csv "${REDIS_EVALSHA[@]}" ||
    { echo "bench: redis-benchmark failed: $(tail -n 3 "$log")" >&2; return 1; }
  after=$(redis_ledger_length) || return 1
  if [ $((after - before)) -lt $((requests * 99 / 100)) ]; then
    echo "bench: redis-benchmark made $requests calls but the ledger grew by $((after - before))" >&2
    return 1
  fi
  python3 - "$log" <<'PY'
import csv, sys
rows = [r for r in csv.reader(open(sys.argv[1])) if len(r) > 1 and r[0] != "test"]
if not rows:
    sys.exit("bench: no CSV row in redis-benchmark's output")
print(rows[-1][1])
PY
}

# bench_start_postgres: scripts/lib/postgres.sh's server in $BENCH_WORK/pg, from BENCH_PG_BIN.
bench_start_postgres() {
  stampede_start_postgres "$BENCH_WORK/pg" "$BENCH_PG_BIN" || { echo "bench: PostgreSQL did not start" >&2; return 1; }
}

# bench_stop_postgres: a fast shutdown (SIGINT: no waiting for clients), then stampede_stop.
bench_stop_postgres() {
  [ -n "${PG_PID:-}" ] || return 0
  kill -INT "$PG_PID" 2>/dev/null || true
  stampede_stop "$PG_PID"
  PG_PID=''
}

pg_stock() {
  "$BENCH_PG_BIN/psql" -X -q -t -A -h 127.0.0.1 -p "$PG_PORT" -U stampede -d postgres \
    -c "SELECT stock FROM products WHERE id = $BENCH_PRODUCT"
}

# measure_pgbench LOG_NAME CLIENTS SECONDS SCRIPT: pgbench with CLIENTS connections on one thread
# (-j 1, as wrk -t1), prepared statements (as the target's store connections prepare theirs), no
# vacuum, for SECONDS; prints transactions/s. Each script transaction takes
# exactly one item, so a run counts only if the stock fell by exactly the transactions pgbench
# says it processed and none failed.
measure_pgbench() {
  local clients=$2 secs=$3 script=$4 log=$BENCH_WORK/logs/$1.log before after processed
  before=$(pg_stock) || return 1
  bench_run_bounded "$secs" "$log" "$BENCH_PG_BIN/pgbench" -h 127.0.0.1 -p "$PG_PORT" -U stampede \
    -n -M prepared -c "$clients" -j 1 -T "$secs" -D "product_id=$BENCH_PRODUCT" -f "$script" postgres ||
    { echo "bench: pgbench failed: $(tail -n 3 "$log")" >&2; return 1; }
  after=$(pg_stock) || return 1
  processed=$(awk '/^number of transactions actually processed:/ {split($6, a, "/"); print a[1]}' "$log")
  if [ -z "$processed" ] || [ $((before - after)) -ne "$processed" ]; then
    echo "bench: pgbench processed '$processed' transactions but the stock fell by $((before - after))" >&2
    return 1
  fi
  if grep -Eq '^number of failed transactions: [1-9]' "$log"; then
    echo "bench: pgbench: $(grep '^number of failed transactions' "$log")" >&2
    return 1
  fi
  awk '/^tps = / {print $3; found = 1} END {exit !found}' "$log"
}
