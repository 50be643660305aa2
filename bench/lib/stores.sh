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
    port=$(bench_free_port)
    redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --dir "$dir" \
      --logfile "$dir/redis.log" >/dev/null 2>&1 &
    pid=$!
    STAMPEDE_PIDS+=("$pid")
    for _ in $(seq 100); do
      [ "$(redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null)" = PONG ] && { REDIS_PORT=$port; return 0; }
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    bench_stop "$pid"  # most likely another process took the port in between: try another
  done
  echo "bench: redis-server did not start: $(tail -n 3 "$dir/redis.log" 2>/dev/null)" >&2
  return 1
}

# bench_redis_purchase_script FILE: writes the redis-lua strategy's Lua script, byte for byte as
# the target sends it (kPurchase in target/store/redis/redis_scripts.hpp), so both sides run the
# same script under the same SHA1.
bench_redis_purchase_script() {
  python3 - "$BENCH_ROOT/target/store/redis/redis_scripts.hpp" "$1" <<'PY'
import re, sys
m = re.search(r'kPurchase = R"lua\((.*?)\)lua"', open(sys.argv[1]).read(), re.S)
if not m:
    sys.exit("bench: no kPurchase script in " + sys.argv[1])
open(sys.argv[2], "w").write(m.group(1))
PY
}

# bench_redis_evalsha SHA: sets REDIS_EVALSHA, the EVALSHA that redis-benchmark repeats, with the keys and
# arguments RedisStore::purchase passes. __rand_int__ becomes a fresh 12-digit number per request,
# so nearly every call is a new Idempotency-Key and a real purchase (see measure_redis_benchmark).
bench_redis_evalsha() {
  local p="stampede:$BENCH_PRODUCT:"
  REDIS_EVALSHA=(EVALSHA "$1" 5 "${p}stock" "${p}orders" stampede:order_seq "${p}gen" "${p}keys"
    1 rb-__rand_int__ safe u-redis-benchmark)
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

# bench_start_postgres: initdb and postgres as the `postgres` user when root (PostgreSQL refuses
# to run as root), trust auth for user stampede on 127.0.0.1 only, durability off (fsync,
# synchronous_commit, full_page_writes) as in tests/unit/target/store_servers.hpp: both sides run
# against the same server, and neither should be measuring the disk. Sets PG_PORT and PG_URL.
bench_start_postgres() {
  local dir=$BENCH_WORK/pg port pid as=()
  if [ ! -x "$BENCH_PG_BIN/initdb" ] || [ ! -x "$BENCH_PG_BIN/postgres" ]; then
    echo "bench: PostgreSQL 15 not found in $BENCH_PG_BIN (apt-get install postgresql)" >&2
    return 1
  fi
  mkdir -p "$dir"
  if [ "$(id -u)" = 0 ]; then
    id postgres >/dev/null 2>&1 || { echo "bench: running as root but there is no postgres user" >&2; return 1; }
    # The server runs as postgres: it must reach its folder through $BENCH_WORK (traverse only).
    chmod 711 "$BENCH_WORK"
    chown postgres: "$dir"
    as=(setpriv --reuid=postgres --regid=postgres --init-groups)
  fi
  "${as[@]}" "$BENCH_PG_BIN/initdb" -D "$dir/data" -U stampede --auth=trust -N -E UTF8 --locale=C \
    >"$dir/initdb.log" 2>&1 || { echo "bench: initdb failed: $(tail -n 3 "$dir/initdb.log")" >&2; return 1; }
  for _ in 1 2 3; do
    port=$(bench_free_port)
    # exec-style (setpriv does not fork), so the pid is the postmaster's own.
    "${as[@]}" "$BENCH_PG_BIN/postgres" -D "$dir/data" -p "$port" -k "$dir" \
      -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off \
      -c full_page_writes=off -c max_connections=200 >>"$dir/postgres.log" 2>&1 &
    pid=$!
    STAMPEDE_PIDS+=("$pid")
    for _ in $(seq 300); do
      if "$BENCH_PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$port"; then
        PG_PORT=$port PG_PID=$pid
        PG_URL=postgresql://stampede@127.0.0.1:$port/postgres
        return 0
      fi
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    bench_stop "$pid"
  done
  echo "bench: postgres did not start: $(tail -n 3 "$dir/postgres.log" 2>/dev/null)" >&2
  return 1
}

# bench_stop_postgres: a fast shutdown (SIGINT: no waiting for clients), then bench_stop.
bench_stop_postgres() {
  [ -n "${PG_PID:-}" ] || return 0
  kill -INT "$PG_PID" 2>/dev/null || true
  bench_stop "$PG_PID"
  PG_PID=''
}

pg_stock() {
  "$BENCH_PG_BIN/psql" -X -q -t -A -h 127.0.0.1 -p "$PG_PORT" -U stampede -d postgres \
    -c "SELECT stock FROM products WHERE id = $BENCH_PRODUCT"
}

# measure_pgbench LOG_NAME CLIENTS SECONDS SCRIPT: pgbench with CLIENTS connections on one thread
# (-j 1, as wrk -t1), extended protocol (parameters bound per call, as the target's
# PQexecParams), no vacuum, for SECONDS; prints transactions/s. Each script transaction takes
# exactly one item, so a run counts only if the stock fell by exactly the transactions pgbench
# says it processed and none failed.
measure_pgbench() {
  local clients=$2 secs=$3 script=$4 log=$BENCH_WORK/logs/$1.log before after processed
  before=$(pg_stock) || return 1
  bench_run_bounded "$secs" "$log" "$BENCH_PG_BIN/pgbench" -h 127.0.0.1 -p "$PG_PORT" -U stampede \
    -n -M extended -c "$clients" -j 1 -T "$secs" -D "product_id=$BENCH_PRODUCT" -f "$script" postgres ||
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
