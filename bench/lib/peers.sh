# Starting the servers and running the load tools that bench/run compares. Sourced by bench/run
# after scripts/lib/processes.sh; every process started here goes on STAMPEDE_PIDS so the
# caller's trap stops exactly those. Each measure_* function runs one bounded load (its tool's
# own duration flag, wrapped in `timeout`), prints one figure on stdout and keeps its output
# under $BENCH_WORK/logs. Needs BENCH_WORK, BENCH_ROOT and the binaries BENCH_CLI (stampede),
# BENCH_AGENT (stampede-agent) and BENCH_TARGET (stampede-target).

BENCH_LOCUST=${BENCH_LOCUST:-/usr/bin/locust}

# bench_wait_http URL SECONDS PID: waits until URL answers, failing if PID dies first. An https
# URL is the bench's own test certificate: only whether it answers is asked.
bench_wait_http() {
  local url=$1 deadline=$((SECONDS + $2)) pid=$3
  while [ $SECONDS -le $deadline ]; do
    curl -kfsS -o /dev/null --max-time 1 "$url" 2>/dev/null && return 0
    kill -0 "$pid" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}

# bench_start_nginx [tls]: one worker answering every path with a fixed JSON body (an order id
# per request, so the agent classifies each answer as a purchase) and /stock.json with a stock no
# run can exhaust. Sets NGINX (host:port), NGINX_PID and NGINX_WORKER_PID; with tls, an https
# nginx of its own (TLS 1.3, bench_make_tls's certificate) and NGINX_TLS, NGINX_TLS_PID and
# NGINX_TLS_WORKER_PID instead. nginx cannot report a port it picked, so this picks a free one
# and retries if another process took it in between.
bench_start_nginx() {
  local mode=${1:-} dir=$BENCH_WORK/nginx${1:+-$1} try port pid user_line='' ssl='' scheme=http
  local var=NGINX${1:+_TLS}
  if [ "$mode" = tls ]; then
    scheme=https
    ssl="ssl; ssl_certificate $BENCH_TLS/server.pem; ssl_certificate_key $BENCH_TLS/server.key;
    ssl_protocols TLSv1.3; ssl_session_cache shared:S:10m"
  fi
  mkdir -p "$dir/tmp"
  [ "$(id -u)" = 0 ] && user_line='user root;'
  for try in 1 2 3; do
    port=$(stampede_free_port)
    cat >"$dir/nginx.conf" <<EOF
$user_line
daemon off;
worker_processes 1;
# bench/run has raised its own limit to at least this; nginx inherits it.
worker_rlimit_nofile 10500;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events { worker_connections 10500; }
http {
  access_log off;
  # The same for every tool: no connection is closed by the server during a run.
  keepalive_requests 100000000;
  keepalive_timeout 60s;
  client_body_temp_path $dir/tmp/body;
  proxy_temp_path $dir/tmp/proxy;
  fastcgi_temp_path $dir/tmp/fastcgi;
  uwsgi_temp_path $dir/tmp/uwsgi;
  scgi_temp_path $dir/tmp/scgi;
  default_type application/json;
  server {
    listen 127.0.0.1:$port $ssl;
    location = /stock.json { return 200 '{"stock": 1000000000}'; }
    location / { return 200 '{"order_id": "\$request_id", "product_id": 1, "remaining": 41}'; }
  }
}
EOF
    nginx -p "$dir" -c "$dir/nginx.conf" -e "$dir/error.log" >"$dir/stdout.log" 2>&1 &
    pid=$!
    STAMPEDE_PIDS+=("$pid")
    if bench_wait_http "$scheme://127.0.0.1:$port/stock.json" 10 "$pid"; then
      printf -v "$var" '%s' "127.0.0.1:$port"
      printf -v "${var}_PID" '%s' "$pid"
      # The one worker, whose CPU the generator comparisons report (bench_server_cpu).
      printf -v "${var}_WORKER_PID" '%s' "$(awk '{print $1}' "/proc/$pid/task/$pid/children" 2>/dev/null)"
      return 0
    fi
    kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  echo "bench: nginx did not start: $(tail -n 3 "$dir/error.log" 2>/dev/null)" >&2
  return 1
}

# bench_start_target NAME [flags]: stampede-target with one I/O thread (nginx has one worker).
# Sets TARGET and ADMIN (host:port); the admin token is $BENCH_WORK/admin-token.
bench_start_target() {
  local name=$1 line
  shift
  [ -f "$BENCH_WORK/admin-token" ] || {
    head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$BENCH_WORK/admin-token"
    chmod 600 "$BENCH_WORK/admin-token"
  }
  "$BENCH_TARGET" --listen 127.0.0.1:0 --admin-listen 127.0.0.1:0 \
    --admin-token-file "$BENCH_WORK/admin-token" --threads 1 "$@" >"$BENCH_WORK/logs/$name.log" 2>&1 &
  STAMPEDE_PIDS+=($!)
  line=$(stampede_wait_line "$BENCH_WORK/logs/$name.log" '^stampede-target listening on' 30 $!)
  TARGET=$(awk '{print $4}' <<<"$line")
  ADMIN=$(awk '{print $6}' <<<"$line")
}

# bench_reset_stock N: the flash sale starts again with N items.
bench_reset_stock() {
  curl -fsS -o /dev/null --max-time 5 -X POST "http://$ADMIN/admin/reset" \
    -H "Authorization: Bearer $(cat "$BENCH_WORK/admin-token")" \
    -H 'Content-Type: application/json' -d "{\"product_id\": 1, \"stock\": $1}"
}

# bench_sample_rss PID OUT: until PID exits (or 10 minutes pass), writes the peak resident set
# (VmHWM, kB) seen so far to OUT every 100 ms. Run it in the background.
bench_sample_rss() {
  local pid=$1 out=$2 hwm
  for _ in $(seq 6000); do
    hwm=$(awk '/^VmHWM:/ {print $2}' "/proc/$pid/status" 2>/dev/null) || break
    [ -n "$hwm" ] || break
    echo "$hwm" >"$out.tmp" && mv "$out.tmp" "$out"
    sleep 0.1
  done
}

# bench_server_cpu PID SECONDS OUT: the CPU (user + system) process PID uses from 1 s into a
# run of SECONDS to 1 s before its end, as a whole percentage of one core, into OUT: whether the
# server, not the load tool, was what bounded the figure. Measured by measure_idle_cpu
# (bench/lib/fleet.sh, sourced by bench/run), with no workers beside it.
bench_server_cpu() {
  local pid=$1 secs=$2 out=$3 pct
  sleep 1
  pct=$(measure_idle_cpu "$((secs > 2 ? secs - 2 : 1))" "$pid" | head -n 1) || return 0
  printf '%.0f\n' "$pct" >"$out"
}

# bench_run_bounded SECONDS LOG CMD...: runs one load tool for at most its duration plus a
# minute (start-up, shutdown), output to LOG, tracked on STAMPEDE_PIDS while it runs so the
# caller's trap stops it too. Returns the tool's exit status. With BENCH_RSS_OUT set, the peak
# resident memory (kB) of the tool's process is sampled into that file; with BENCH_SERVER_CPU_PID
# and BENCH_SERVER_CPU_OUT set, that server's CPU during the run (bench_server_cpu); with
# BENCH_TOOL_CPU_OUT set, the tool's own CPU the same way; with BENCH_CPU_CAP_DIR set, the tool
# runs inside that CPU cgroup (bench/lib/cpu_cap.sh).
bench_run_bounded() {
  local secs=$1 log=$2 pid sampler='' cpu_sampler='' tool_sampler='' code=0
  shift 2
  [ -z "${BENCH_CPU_CAP_DIR:-}" ] || set -- "${BENCH_CPU_CAP_JOIN[@]}" "$BENCH_CPU_CAP_DIR" "$@"
  timeout "$((secs + 60))" "$@" >"$log" 2>&1 &
  pid=$!
  STAMPEDE_PIDS+=("$pid")
  if [ -n "${BENCH_SERVER_CPU_PID:-}" ] && [ -n "${BENCH_SERVER_CPU_OUT:-}" ]; then
    rm -f "$BENCH_SERVER_CPU_OUT"
    bench_server_cpu "$BENCH_SERVER_CPU_PID" "$secs" "$BENCH_SERVER_CPU_OUT" &
    cpu_sampler=$!
  fi
  if [ -n "${BENCH_RSS_OUT:-}" ] || [ -n "${BENCH_TOOL_CPU_OUT:-}" ]; then
    # timeout's child is the tool; sample the tool, not timeout.
    local child=''
    for _ in $(seq 50); do
      child=$(cat "/proc/$pid/task/$pid/children" 2>/dev/null | awk '{print $1}')
      [ -n "$child" ] && break
      sleep 0.02
    done
    if [ -n "$child" ] && [ -n "${BENCH_RSS_OUT:-}" ]; then
      bench_sample_rss "$child" "$BENCH_RSS_OUT" &
      sampler=$!
    fi
    if [ -n "$child" ] && [ -n "${BENCH_TOOL_CPU_OUT:-}" ]; then
      rm -f "$BENCH_TOOL_CPU_OUT"
      bench_server_cpu "$child" "$secs" "$BENCH_TOOL_CPU_OUT" &
      tool_sampler=$!
    fi
  fi
  wait "$pid" || code=$?
  [ -z "$sampler" ] || wait "$sampler" 2>/dev/null || true
  [ -z "$cpu_sampler" ] || wait "$cpu_sampler" 2>/dev/null || true
  [ -z "$tool_sampler" ] || wait "$tool_sampler" 2>/dev/null || true
  local p keep=()
  for p in "${STAMPEDE_PIDS[@]}"; do [ "$p" = "$pid" ] || keep+=("$p"); done
  STAMPEDE_PIDS=("${keep[@]}")
  return $code
}

report_rps() {
  python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["endpoints"][0]["throughput_rps"])' "$1"
}

# nginx_load_flags CONNS SECONDS REPORT [ORIGIN [FLAG...]]: sets NGINX_LOAD_FLAGS to the stampede
# run flags of the agent's load against nginx's fixed body, the same for the embedded run and for
# a stampede-agent of its own; ORIGIN defaults to http://$NGINX, and FLAGs are added.
nginx_load_flags() {
  local origin=${4:-http://$NGINX}
  NGINX_LOAD_FLAGS=(--target "$origin" --path /bench.json --method GET --endpoint nginx
    --users "$1" --duration "${2}s" --stock-url "$origin/stock.json" --quiet --report "$3"
    "${@:5}")
}

# nginx_run_measured CODE REPORT: whether a run against nginx's fixed body measured something.
# To the oracle that body is one order id for every sale and a stock that never moves
# (duplicate_order_ids, unseen_sales), so such a run exits 1, integrity violated: the bench reads
# its throughput, not its verdict. Exit 2 or 3, or no report, is a run that did not happen.
nginx_run_measured() {
  [ "$1" -le 1 ] && [ -s "$2" ]
}

# measure_agent LOG_NAME CONNECTIONS SECONDS: one embedded run (coordinator and one one-thread
# agent in one process) against nginx's fixed JSON body; prints requests/s.
measure_agent() {
  local name=$1 conns=$2 secs=$3 log=$BENCH_WORK/logs/$1.log
  nginx_load_flags "$conns" "$secs" "$BENCH_WORK/logs/$name.json"
  local code=0
  bench_run_bounded "$secs" "$log" "$BENCH_CLI" run --embedded 1 --agent-threads 1 \
    "${NGINX_LOAD_FLAGS[@]}" || code=$?
  nginx_run_measured "$code" "$BENCH_WORK/logs/$name.json" ||
    { echo "bench: stampede run exited $code: $(tail -n 3 "$log")" >&2; return 1; }
  report_rps "$BENCH_WORK/logs/$name.json"
}

# measure_wrk LOG_NAME CONNECTIONS SECONDS URL [LUA_SCRIPT [WRK_FLAG...]]: wrk with one thread;
# an empty LUA_SCRIPT is none.
measure_wrk() {
  local name=$1 conns=$2 secs=$3 url=$4 script=() log=$BENCH_WORK/logs/$1.log
  [ -z "${5:-}" ] || script=(-s "$5")
  bench_run_bounded "$secs" "$log" wrk -t1 -c "$conns" -d "${secs}s" "${script[@]}" "${@:6}" "$url" ||
    { echo "bench: wrk failed: $(tail -n 3 "$log")" >&2; return 1; }
  # Non-2xx answers would flatter the figure; a run that has them is not a measurement.
  if grep -q 'Non-2xx or 3xx responses' "$log"; then
    echo "bench: wrk saw non-2xx answers: $(grep 'Non-2xx' "$log")" >&2
    return 1
  fi
  awk '/^Requests\/sec:/ {print $2; found = 1} END {exit !found}' "$log"
}

# measure_h2load LOG_NAME CONNECTIONS SECONDS URL: h2load over HTTP/1.1, one thread.
measure_h2load() {
  local name=$1 conns=$2 secs=$3 url=$4 log=$BENCH_WORK/logs/$1.log
  bench_run_bounded "$secs" "$log" h2load --h1 -t1 -c "$conns" -D "$secs" "$url" ||
    { echo "bench: h2load failed: $(tail -n 3 "$log")" >&2; return 1; }
  # Only a run whose every request succeeded counts (h2load prints "N succeeded, 0 failed").
  awk '/^requests:/ {failed = $10 + $12 + $14} /^status codes:/ {ok = ($3 + 0 > 0)}
       /^finished in/ {rps = $4; sub(",", "", rps)}
       END {if (!ok || failed > 0 || rps == "") exit 1; print rps}' "$log"
}

# locust_csv_rps PREFIX: the Aggregated row's requests/s from Locust's --csv stats; fails when
# any request failed, since a failing run is not a measurement.
locust_csv_rps() {
  python3 - "$1_stats.csv" <<'PY'
import csv, sys
rows = {r["Name"]: r for r in csv.DictReader(open(sys.argv[1]))}
agg = rows["Aggregated"]
if int(agg["Request Count"]) == 0 or int(agg["Failure Count"]) > 0:
    sys.exit("locust: %s requests, %s failures" % (agg["Request Count"], agg["Failure Count"]))
print(agg["Requests/s"])
PY
}

# measure_locust LOG_NAME USERS SECONDS: one Locust process, FastHttpUser, against nginx.
measure_locust() {
  local name=$1 users=$2 secs=$3 prefix=$BENCH_WORK/logs/$1
  bench_run_bounded "$secs" "$prefix.log" "$BENCH_LOCUST" -f "$BENCH_ROOT/bench/peers/locust_fixed_json.py" \
    --headless -u "$users" -r "$users" -t "${secs}s" --host "http://$NGINX" --only-summary \
    --csv "$prefix" --loglevel WARNING ||
    { echo "bench: locust failed: $(tail -n 3 "$prefix.log")" >&2; return 1; }
  locust_csv_rps "$prefix"
}

# bench_start_coordinator LOG: starts a coordinator daemon on loopback ports it picks, logging to
# LOG, and waits until it listens. Sets COORDINATOR_PID, AGENTS_EP (for stampede-agent
# --coordinator) and CONTROL_EP (for stampede run --coordinator); returns 1 if it never listens.
bench_start_coordinator() {
  local log=$1 line
  "$BENCH_CLI" coordinator --agents-bind 'tcp://127.0.0.1:*' --control-bind 'tcp://127.0.0.1:*' \
    --metrics-bind 127.0.0.1:0 >"$log" 2>&1 &
  COORDINATOR_PID=$!
  STAMPEDE_PIDS+=("$COORDINATOR_PID")
  line=$(stampede_wait_line "$log" '^stampede coordinator listening' 30 "$COORDINATOR_PID") || return 1
  AGENTS_EP=$(awk '{print $5}' <<<"$line")
  CONTROL_EP=$(awk '{print $7}' <<<"$line")
}

# measure_agent_alone NAME CONNS SECONDS [ORIGIN [FLAG...]]: measure_agent's load (against ORIGIN,
# with FLAGs: nginx_load_flags) from one stampede-agent process
# (--threads 1) of its own, driven by a coordinator daemon outside it, as on a cluster where the
# coordinator lives on another host. With BENCH_CPU_CAP_DIR set, only the agent runs in that
# cgroup; the run command (bench_run_bounded) is told not to join it.
measure_agent_alone() {
  local name=$1 conns=$2 secs=$3 log=$BENCH_WORK/logs/$1 agent code=0 join=()
  [ -z "${BENCH_CPU_CAP_DIR:-}" ] || join=("${BENCH_CPU_CAP_JOIN[@]}" "$BENCH_CPU_CAP_DIR")
  bench_start_coordinator "$log-coordinator.log" || code=1
  if [ $code -eq 0 ]; then
    ${join[@]+"${join[@]}"} "$BENCH_AGENT" --coordinator "$AGENTS_EP" --name bench-agent --threads 1 \
      >"$log-agent.log" 2>&1 &
    agent=$!
    STAMPEDE_PIDS+=("$agent")
    nginx_load_flags "$conns" "$secs" "$log.json" "${@:4}"
    BENCH_CPU_CAP_DIR='' bench_run_bounded "$secs" "$log.log" "$BENCH_CLI" run \
      --coordinator "$CONTROL_EP" --expect-agents 1 "${NGINX_LOAD_FLAGS[@]}" || code=$?
    stampede_stop "$agent"
    ! nginx_run_measured "$code" "$log.json" || code=0
  fi
  stampede_stop "$COORDINATOR_PID"
  if [ $code -ne 0 ]; then
    echo "bench: the run with a stampede-agent of its own exited $code: $(tail -n 3 "$log.log" "$log-coordinator.log" 2>/dev/null)" >&2
    return 1
  fi
  report_rps "$log.json"
}

# measure_cluster LOG_NAME USERS SECONDS STOCK: coordinator + 2 one-thread agents (separate
# processes) selling STOCK items on the target's safe endpoint; prints requests/s and leaves
# the report in $BENCH_WORK/logs/LOG_NAME.json for its integrity figures.
measure_cluster() {
  local name=$1 users=$2 secs=$3 stock=$4 i pids=() code=0
  local log=$BENCH_WORK/logs/$name
  bench_start_coordinator "$log-coordinator.log" || code=1
  pids+=("$COORDINATOR_PID")
  if [ $code -eq 0 ]; then
    for i in 1 2; do
      "$BENCH_AGENT" --coordinator "$AGENTS_EP" --name "bench-agent-$i" --threads 1 >"$log-agent-$i.log" 2>&1 &
      STAMPEDE_PIDS+=($!)
      pids+=($!)
    done
    bench_run_bounded "$secs" "$log.log" "$BENCH_CLI" run --coordinator "$CONTROL_EP" \
      --target "http://$TARGET" --admin-url "http://$ADMIN" --admin-token-file "$BENCH_WORK/admin-token" \
      --endpoint safe --stock "$stock" --users "$users" --duration "${secs}s" --expect-agents 2 \
      --quiet --report "$log.json" || code=$?
  fi
  for i in "${pids[@]}"; do stampede_stop "$i"; done
  if [ $code -ne 0 ]; then
    echo "bench: the Stampede cluster's run exited $code: $(tail -n 3 "$log.log" "$log-coordinator.log")" >&2
    return 1
  fi
  report_rps "$log.json"
}

# measure_locust_distributed LOG_NAME USERS SECONDS STOCK: Locust master + 2 workers, the same
# flash sale (fresh Idempotency-Key per attempt; 201 and 409 both count as answered).
measure_locust_distributed() {
  local name=$1 users=$2 secs=$3 stock=$4 prefix=$BENCH_WORK/logs/$1 port i pids=() code=0
  local file=$BENCH_ROOT/bench/peers/locust_flash_sale.py
  bench_reset_stock "$stock" || { echo "bench: could not reset the target's stock" >&2; return 1; }
  port=$(stampede_free_port)
  for i in 1 2; do
    "$BENCH_LOCUST" -f "$file" --worker --master-host 127.0.0.1 --master-port "$port" \
      --loglevel WARNING >"$prefix-worker-$i.log" 2>&1 &
    STAMPEDE_PIDS+=($!)
    pids+=($!)
  done
  bench_run_bounded "$secs" "$prefix.log" "$BENCH_LOCUST" -f "$file" --master \
    --master-bind-host 127.0.0.1 --master-bind-port "$port" --expect-workers 2 \
    --headless -u "$users" -r "$users" -t "${secs}s" --host "http://$TARGET" --only-summary \
    --csv "$prefix" --loglevel WARNING || code=$?
  for i in "${pids[@]}"; do stampede_stop "$i"; done
  [ $code -eq 0 ] || { echo "bench: the Locust master exited $code: $(tail -n 3 "$prefix.log")" >&2; return 1; }
  locust_csv_rps "$prefix"
}

# bench_make_tls: a CA and a certificate it signed for localhost and 127.0.0.1 (ECDSA P-256, as
# the issue's TLS comparisons ask), made with the openssl command in $BENCH_WORK/tls; sets
# BENCH_TLS to that folder. No key is checked in.
bench_make_tls() {
  BENCH_TLS=$BENCH_WORK/tls
  mkdir -p "$BENCH_TLS"
  (
    cd "$BENCH_TLS" &&
      openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
        -subj /CN=stampede-bench-ca -keyout ca.key -out ca.pem &&
      openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=localhost \
        -keyout server.key -out server.csr &&
      printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' >ext.cnf &&
      openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 \
        -extfile ext.cnf -out server.pem
  ) >"$BENCH_WORK/logs/openssl.log" 2>&1 || { echo "bench: openssl could not make the test certificates" >&2; return 1; }
}
