# Shared by the tests that run a cluster across network namespaces made here: a bridge namespace
# and one namespace per role (coordinator, two agent hosts, the target), joined by veth pairs on
# a private /24 that exists only inside them. Namespaces and the processes in them go away on any
# exit. Needs root (ip netns add); without it a test fails, it does not skip.
#   netns_make; netns_start_target; netns_start_coordinator [FLAGS]; netns_start_agent a1 [FLAGS]
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
need ip curl python3

[ "$(id -u)" = 0 ] || fail "needs root to create network namespaces (ip netns add)"
NS_PREFIX=stp$$
BR=$NS_PREFIX-br
declare -A NS=([coord]=$NS_PREFIX-coord [a1]=$NS_PREFIX-a1 [a2]=$NS_PREFIX-a2 [target]=$NS_PREFIX-target)
declare -A IP=([coord]=10.203.77.1 [a1]=10.203.77.2 [a2]=10.203.77.3 [target]=10.203.77.4)
declare -A AGENT_PID=()
CREATED=()

netns_cleanup() {
  stampede_stop_all
  local ns
  for ns in "${CREATED[@]}"; do
    # Anything still inside was started by this test: stop it by pid, then drop the namespace.
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null || true; done
    ip netns del "$ns" 2>/dev/null || echo "could not delete netns $ns" >&2
  done
  rm -rf "$E2E_TMP"
}
trap netns_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# A run killed outright (SIGKILL from a timeout) cannot clean up: remove namespaces whose
# creating test process is gone.
for stale in $(ip netns list | awk '$1 ~ /^stp[0-9]+-/ {print $1}'); do
  pid=${stale#stp}; pid=${pid%%-*}
  kill -0 "$pid" 2>/dev/null && continue
  for p in $(ip netns pids "$stale" 2>/dev/null); do kill -KILL "$p" 2>/dev/null || true; done
  ip netns del "$stale" 2>/dev/null || true
done

in_ns() { local role=$1; shift; ip netns exec "${NS[$role]}" "$@"; }

netns_make() {
  echo "== namespaces"
  ip netns add "$BR" || fail "ip netns add is not permitted here"
  CREATED+=("$BR")
  ip -n "$BR" link set lo up
  ip -n "$BR" link add br0 type bridge
  ip -n "$BR" link set br0 up
  local role ns
  for role in coord a1 a2 target; do
    ns=${NS[$role]}
    ip netns add "$ns"
    CREATED+=("$ns")
    ip -n "$ns" link set lo up
    # One end is eth0 in the role's namespace, the other a bridge port in the bridge namespace.
    ip -n "$BR" link add "p-$role" type veth peer name eth0 netns "$ns"
    ip -n "$BR" link set "p-$role" master br0 up
    ip -n "$ns" addr add "${IP[$role]}/24" dev eth0
    ip -n "$ns" link set eth0 up
  done
  # Nothing outside: the target's namespace has no route but its /24.
  ip -n "${NS[target]}" route | grep -q default && fail "target namespace has a default route"
  return 0
}

# Sets TARGET and ADMIN (host:port) once the target answers from every other namespace.
netns_start_target() {
  echo "netns-token-$$" >"$E2E_TMP/token"
  in_ns target "$E2E_TARGET_BIN" --listen "${IP[target]}:0" --admin-listen "${IP[target]}:0" \
    --admin-token-file "$E2E_TMP/token" --threads 2 --race-window-ms 2 >"$E2E_TMP/target.log" 2>&1 &
  STAMPEDE_PIDS+=($!)
  local line role deadline
  line=$(stampede_wait_line "$E2E_TMP/target.log" '^stampede-target listening on' 30 $!)
  TARGET=$(awk '{print $4}' <<<"$line")
  ADMIN=$(awk '{print $6}' <<<"$line")
  [[ $TARGET == ${IP[target]}:* ]] || fail "target listens on $TARGET"
  for role in coord a1 a2; do
    deadline=$((SECONDS + 10))
    until in_ns "$role" curl -fsS -m 2 "http://$TARGET/health" >/dev/null 2>&1; do
      [ $SECONDS -le $deadline ] || fail "target $TARGET unreachable from $role's namespace"
      sleep 0.1
    done
  done
}

# netns_start_coordinator [FLAGS]: sets AGENTS_EP, CONTROL_EP, METRICS, COORDINATOR_PID and
# COORDINATOR_LOG. Heartbeats every 200 ms, deadline HEARTBEAT_TIMEOUT_MS (2000).
netns_start_coordinator() {
  local log=$E2E_TMP/coordinator.log
  [ ! -e "$log" ] || log=$E2E_TMP/coordinator-$(date +%s%N).log
  in_ns coord "$E2E_CLI" coordinator --agents-bind "tcp://${IP[coord]}:*" \
    --control-bind "tcp://${IP[coord]}:*" --metrics-bind "${IP[coord]}:0" --heartbeat-ms 200 \
    --heartbeat-timeout-ms "${HEARTBEAT_TIMEOUT_MS:-2000}" --insecure-bind "$@" >"$log" 2>&1 &
  COORDINATOR_PID=$!
  COORDINATOR_LOG=$log
  STAMPEDE_PIDS+=($COORDINATOR_PID)
  local line
  line=$(stampede_wait_line "$log" '^stampede coordinator listening' 30 $COORDINATOR_PID)
  AGENTS_EP=$(awk '{print $5}' <<<"$line")
  CONTROL_EP=$(awk '{print $7}' <<<"$line")
  METRICS=$(awk '{print $9}' <<<"$line")
  [[ $AGENTS_EP == tcp://${IP[coord]}:* ]] || fail "agents socket is $AGENTS_EP"
}

# netns_start_agent ROLE [FLAGS]: an agent named host-ROLE in ROLE's namespace, connecting to
# AGENT_COORDINATOR (default AGENTS_EP).
netns_start_agent() {
  local role=$1
  shift
  in_ns "$role" "$E2E_AGENT_BIN" --coordinator "${AGENT_COORDINATOR:-$AGENTS_EP}" --name "host-$role" --threads 1 \
    --heartbeat-ms 200 --allow-target 10.203.77.0/24 "$@" >>"$E2E_TMP/agent-$role.log" 2>&1 &
  AGENT_PID[$role]=$!
  STAMPEDE_PIDS+=($!)
}

# netns_run NAME FLAGS...: `stampede run` from the coordinator's namespace against the target,
# its report in $E2E_TMP/NAME.json and its live lines in NAME.err; fails with every log's tail
# when the run does not exit 0.
netns_run() {
  local name=$1 code=0
  shift
  in_ns coord "$E2E_CLI" run --coordinator "$CONTROL_EP" --target "http://$TARGET" \
    --admin-url "http://$ADMIN" --admin-token-file "$E2E_TMP/token" \
    --report "$E2E_TMP/$name.json" "$@" >"$E2E_TMP/$name.out" 2>"$E2E_TMP/$name.err" || code=$?
  cat "$E2E_TMP/$name.out"
  if [ $code -ne 0 ]; then
    local f
    for f in "$E2E_TMP"/*.log "$E2E_TMP/$name.err"; do echo "-- $f" >&2; tail -n 5 "$f" >&2; done
    fail "the $name run exited $code"
  fi
}

# netns_under_way NAME PID: returns once the run NAME (in the background as PID) has made 100
# attempts, or fails after 60 s.
netns_under_way() { wait_under_way "$1" "$E2E_TMP/$1.err" "$2" 100; }
