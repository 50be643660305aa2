# shellcheck shell=bash
# Comparison (4): what a controller costs while its workers only heartbeat. A Stampede
# coordinator with N one-thread agents beside a Locust master with N workers; each side's figure
# is its controller's CPU (utime + stime of the whole process, every thread) over the measured
# seconds as a percentage of one core. Each measure_* prints two lines: the workers' CPU
# together over the same seconds, then the controller's (the figure). Sourced by bench/run after bench/lib/peers.sh; every
# process goes on STAMPEDE_PIDS and is stopped when its side is done.

# proc_cpu_ticks PID: utime + stime so far, in clock ticks (fields 14 and 15 of /proc/PID/stat,
# counted after the ")" that ends the command name, which may itself hold spaces).
proc_cpu_ticks() {
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  stat=${stat##*) }
  awk '{print $12 + $13}' <<<"$stat"
}

# fleet_cpu_ticks PID...: the sum of proc_cpu_ticks over the processes; fails if one has exited.
fleet_cpu_ticks() {
  local pid sum=0 ticks
  for pid in "$@"; do
    ticks=$(proc_cpu_ticks "$pid") || return 1
    sum=$((sum + ticks))
  done
  echo "$sum"
}

# measure_idle_cpu SECONDS PID [WORKER_PID...]: the CPU of PID over SECONDS as % of one core,
# then on a second line the workers' CPU together over the same seconds; fails if one exits.
measure_idle_cpu() {
  local secs=$1 pid=$2 t0 t1 c0 c1 w0 w1
  shift 2
  c0=$(proc_cpu_ticks "$pid") || return 1
  w0=$(fleet_cpu_ticks "$@") || return 1
  t0=$(date +%s.%N)
  sleep "$secs"
  c1=$(proc_cpu_ticks "$pid") || return 1
  w1=$(fleet_cpu_ticks "$@") || return 1
  t1=$(date +%s.%N)
  awk -v c="$((c1 - c0))" -v w="$((w1 - w0))" -v hz="$(getconf CLK_TCK)" -v t0="$t0" -v t1="$t1" \
    'BEGIN {printf "%.3f\n%.3f\n", 100 * c / hz / (t1 - t0), 100 * w / hz / (t1 - t0)}'
}

# bench_stop_group PID...: TERM to all at once, then stampede_stop each (which waits and insists):
# stopping 64 processes one by one would take a second each.
bench_stop_group() {
  local pid
  for pid in "$@"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "$@"; do stampede_stop "$pid"; done
}

# measure_coordinator_idle LOG_NAME AGENTS SECONDS: `stampede coordinator` and AGENTS
# `stampede-agent --threads 1`; once `stampede agents` lists AGENTS idle agents (at most 120 s),
# the coordinator's CPU over SECONDS. Prints the percentage.
measure_coordinator_idle() {
  local agents=$2 secs=$3 log=$BENCH_WORK/logs/$1 line agents_ep control_ep
  local coordinator i pids=() code=0 listed=0 deadline value=''
  "$BENCH_CLI" coordinator --agents-bind 'tcp://127.0.0.1:*' --control-bind 'tcp://127.0.0.1:*' \
    --metrics-bind 127.0.0.1:0 >"$log-coordinator.log" 2>&1 &
  coordinator=$!
  STAMPEDE_PIDS+=("$coordinator")
  line=$(stampede_wait_line "$log-coordinator.log" '^stampede coordinator listening' 30 "$coordinator") || code=1
  agents_ep=$(awk '{print $5}' <<<"$line")
  control_ep=$(awk '{print $7}' <<<"$line")
  if [ $code -eq 0 ]; then
    for i in $(seq "$agents"); do
      "$BENCH_AGENT" --coordinator "$agents_ep" --name "idle-agent-$i" --threads 1 >"$log-agent-$i.log" 2>&1 &
      STAMPEDE_PIDS+=($!)
      pids+=($!)
    done
    deadline=$((SECONDS + 120))
    while [ $SECONDS -le $deadline ]; do
      listed=$("$BENCH_CLI" agents --coordinator "$control_ep" 2>/dev/null | awk 'NR > 1 && $5 == "idle"' | wc -l)
      [ "$listed" -ge "$agents" ] && break
      kill -0 "$coordinator" 2>/dev/null || break
      sleep 0.5
    done
    if [ "$listed" -ge "$agents" ]; then
      # A second for the last registrations' replies to settle, then only heartbeats remain.
      sleep 1
      value=$(measure_idle_cpu "$secs" "$coordinator" "${pids[@]}") || code=1
      listed=$("$BENCH_CLI" agents --coordinator "$control_ep" 2>/dev/null | awk 'NR > 1 && $5 == "idle"' | wc -l)
      [ "$listed" -ge "$agents" ] || { echo "bench: only $listed agents still idle after the measurement" >&2; code=1; }
    else
      echo "bench: only $listed of $agents agents listed after 120 s" >&2
      code=1
    fi
  fi
  bench_stop_group "$coordinator" "${pids[@]}"
  [ $code -eq 0 ] || { echo "bench: coordinator idle: $(tail -n 3 "$log-coordinator.log")" >&2; return 1; }
  # The caller's figure is the last line: the coordinator's; the agents' goes first, for a note.
  printf '%s\n' "$value" | tac
}

# measure_locust_master_idle LOG_NAME WORKERS SECONDS: a Locust master (web UI on loopback, no
# test started) and WORKERS `locust --worker`; once the master logs WORKERS workers connected
# (at most 300 s: 64 Python processes take a while to start on two cores), its CPU over SECONDS.
measure_locust_master_idle() {
  local workers=$2 secs=$3 prefix=$BENCH_WORK/logs/$1 port web master i pids=() code=0
  local file=$BENCH_ROOT/bench/peers/locust_flash_sale.py deadline value='' seen
  port=$(stampede_free_port)
  web=$(stampede_free_port)
  "$BENCH_LOCUST" -f "$file" --master --master-bind-host 127.0.0.1 --master-bind-port "$port" \
    --web-host 127.0.0.1 --web-port "$web" --loglevel INFO >"$prefix-master.log" 2>&1 &
  master=$!
  STAMPEDE_PIDS+=("$master")
  for i in $(seq "$workers"); do
    "$BENCH_LOCUST" -f "$file" --worker --master-host 127.0.0.1 --master-port "$port" \
      --loglevel WARNING >"$prefix-worker-$i.log" 2>&1 &
    STAMPEDE_PIDS+=($!)
    pids+=($!)
  done
  deadline=$((SECONDS + 300))
  while [ $SECONDS -le $deadline ]; do
    grep -q " $workers workers connected" "$prefix-master.log" && break
    kill -0 "$master" 2>/dev/null || break
    sleep 0.5
  done
  if grep -q " $workers workers connected" "$prefix-master.log"; then
    sleep 1
    # Workers slow to start under load may miss a heartbeat before; only the measured seconds count.
    seen=$(wc -l <"$prefix-master.log")
    value=$(measure_idle_cpu "$secs" "$master" "${pids[@]}") || code=1
    if tail -n +"$((seen + 1))" "$prefix-master.log" | grep -q 'failed to send heartbeat'; then
      echo "bench: a Locust worker missed its heartbeats during the measurement" >&2
      code=1
    fi
  else
    echo "bench: the Locust master did not see $workers workers within 300 s" >&2
    code=1
  fi
  bench_stop_group "$master" "${pids[@]}"
  [ $code -eq 0 ] || { echo "bench: locust master idle: $(tail -n 3 "$prefix-master.log")" >&2; return 1; }
  printf '%s\n' "$value" | tac
}
