# Helpers for scripts that start Stampede's processes: remember each pid, stop exactly those
# on exit, and read the "listening" line a process prints once it has bound its ports.

STAMPEDE_PIDS=()

stampede_stop_all() {
  local pid
  for pid in "${STAMPEDE_PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${STAMPEDE_PIDS[@]}"; do
    # Give each a few seconds to finish in-flight work, then insist.
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  STAMPEDE_PIDS=()
}

# stampede_stop PID: stops one process this script started (TERM, then KILL after 5 s) and
# drops it from STAMPEDE_PIDS.
stampede_stop() {
  local pid=$1 p keep=()
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  for p in "${STAMPEDE_PIDS[@]}"; do [ "$p" = "$pid" ] || keep+=("$p"); done
  STAMPEDE_PIDS=(${keep[@]+"${keep[@]}"})
}

# stampede_free_port: a loopback TCP port nobody holds at the moment of asking (a server that
# cannot report the port it bound is started on it, and retried if another took it meanwhile).
stampede_free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# stampede_wait_line FILE REGEX SECONDS PID: prints the first line of FILE matching REGEX,
# failing if PID dies or SECONDS pass first.
stampede_wait_line() {
  local file=$1 regex=$2 seconds=$3 pid=$4 line
  local deadline=$((SECONDS + seconds))
  while [ $SECONDS -le $deadline ]; do
    line=$(grep -m1 -E "$regex" "$file" 2>/dev/null) && { echo "$line"; return 0; }
    kill -0 "$pid" 2>/dev/null || { echo "process $pid exited: $(tail -n 3 "$file")" >&2; return 1; }
    sleep 0.05
  done
  echo "no line matching '$regex' in $file after ${seconds}s" >&2
  return 1
}

# stampede_wait_attempts FILE PID LEAST SECONDS: returns once the live lines a `stampede run`
# (in the background as PID) writes to FILE count LEAST attempts or more; otherwise prints why
# on stderr ("never got going: ...", "ended too soon: ...") and returns 1 after SECONDS, or as
# soon as the run ends.
stampede_wait_attempts() {
  local file=$1 pid=$2 least=$3 deadline=$((SECONDS + $4))
  until grep -oE 'attempts [0-9]+' "$file" 2>/dev/null |
    awk -v least="$least" '$2 >= least { found = 1 } END { exit !found }'; do
    [ $SECONDS -lt $deadline ] || { echo "never got going: $(tail -n 3 "$file")" >&2; return 1; }
    kill -0 "$pid" 2>/dev/null || { echo "ended too soon: $(tail -n 5 "$file")" >&2; return 1; }
    sleep 0.05
  done
}
