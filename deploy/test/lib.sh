# Helpers for deploy/test/run: a private podman configuration, the base and stampede images,
# the compose project, and a teardown that removes exactly what this run made.
# shellcheck shell=bash

PROJECT=stampede-test-$$
PROJECTS=("$PROJECT") # the one-host project, then each multi-host "host"
LAN_BRIDGE=
WORK=$(mktemp -d /tmp/stampede-containers.XXXXXX)
SERVICE_PID=
HEALTH_PID=
CHAOS_PID=
MIRROR=${STAMPEDE_DEBIAN_MIRROR:-http://deb.debian.org/debian}

step() { printf '\n== %s (%s)\n' "$*" "$(date +%H:%M:%S)"; }
fail() {
  echo "deploy/test/run: $*" >&2
  exit 1
}
# A 10.X.Y.0/24 that no interface and no podman network uses now.
free_subnet() {
  local used subnet
  used=$( (ip -4 -o addr show; podman network ls -q | xargs -r podman network inspect \
    -f '{{range .Subnets}}{{.Subnet}} {{end}}') 2>/dev/null)
  for _ in $(seq 50); do
    subnet=10.$((RANDOM % 50 + 200)).$((RANDOM % 256)).0/24
    grep -qF "${subnet%.0/24}." <<<"$used" || { echo "$subnet"; return; }
  done
  fail "no free 10.x.y.0/24 subnet for the test network"
}
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# wait_for SECONDS WHAT CMD...: until CMD succeeds, or fail naming WHAT.
wait_for() {
  local seconds=$1 deadline=$((SECONDS + $1)) what=$2
  shift 2
  until "$@" >/dev/null 2>&1; do
    [ $SECONDS -lt $deadline ] || fail "$what: not ready after $seconds s"
    sleep 0.5
  done
}

# The machine's own podman configuration stays untouched: this one is ours, through
# CONTAINERS_CONF. runc because crun fails on hybrid cgroups; the ulimits because the sandbox
# refuses podman's defaults.
containers_setup() {
  cat >"$WORK/containers.conf" <<'CONF'
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]
[engine]
runtime = "runc"
CONF
  export CONTAINERS_CONF=$WORK/containers.conf
  mkdir -p "$WORK/out"
  chmod 0777 "$WORK/out" # the CLI container writes its report there as uid 10001
  head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$WORK/admin-token"
  chmod 0444 "$WORK/admin-token"
  export ADMIN_TOKEN_PATH=$WORK/admin-token OUT_DIR=$WORK/out
  TARGET_HOST_PORT=$(free_port)
  PROMETHEUS_HOST_PORT=$(free_port)
  GRAFANA_HOST_PORT=$(free_port)
  export TARGET_HOST_PORT PROMETHEUS_HOST_PORT GRAFANA_HOST_PORT
  PROM=http://127.0.0.1:$PROMETHEUS_HOST_PORT
  export TEST_NETWORK=$PROJECT-net
  local subnet
  subnet=$(free_subnet)
  # compose.standins.yml's fixed addresses: TEST_NET.201 and up.
  export TEST_NET=${subnet%.0/24}
  make_network "$PROJECT" "$TEST_NETWORK" "$subnet"
}

# make_network PROJECT NAME [SUBNET]: a network on SUBNET (else a fresh one), labelled as the
# project's for teardown.
make_network() {
  podman network create --subnet "${3:-$(free_subnet)}" --label "com.docker.compose.project=$1" \
    "$2" >/dev/null
}

# labelled PROJECT CMD...: a podman listing command narrowed to what that compose project made;
# in_project CMD... for the one-host project.
labelled() {
  local project=$1
  shift
  "$@" --filter "label=com.docker.compose.project=$project"
}
in_project() { labelled "$PROJECT" "$@"; }

# On failure, every container this run made by name, its state and its last log lines.
show_containers() {
  local c p
  for c in $(for p in "${PROJECTS[@]}"; do labelled "$p" podman ps -a --format '{{.Names}}'; done); do
    echo "--- container $c: $(podman inspect -f '{{.State.Status}}, exit {{.State.ExitCode}}, health {{.State.Health.Status}}' "$c" 2>/dev/null)" >&2
    podman logs --tail 15 "$c" 2>&1 | sed 's/^/    /' >&2
  done
}

containers_teardown() {
  local rc=$?
  set +e
  [ $rc -eq 0 ] || show_containers
  if [ -n "$SERVICE_PID" ]; then
    compose down -v --remove-orphans -t 5 >"$WORK/down.log" 2>&1
  fi
  # Whatever compose could not remove (its service gone, say, or another "host"), by label.
  local ids p
  for p in "${PROJECTS[@]}"; do
    ids=$(labelled "$p" podman ps -a -q)
    [ -z "$ids" ] || podman rm -f -t 2 $ids >/dev/null 2>&1
    labelled "$p" podman network ls -q | xargs -r podman network rm -f >/dev/null 2>&1
    labelled "$p" podman volume ls -q | xargs -r podman volume rm -f >/dev/null 2>&1
  done
  [ -z "$LAN_BRIDGE" ] || ip link del "$LAN_BRIDGE" 2>/dev/null
  for pid in $CHAOS_PID $HEALTH_PID $SERVICE_PID; do
    kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  done
  rm -rf "$WORK"
  exit $rc
}

# Debian 12 from Debian's own mirror, imported under the names the Dockerfiles use (no registry
# is reachable): debian:12, and debian:12-slim without docs, manuals and translations, as the
# official slim image is made. Built once and kept in podman's store; real ones already there
# are kept.
BASE_IMAGE=localhost/stampede-base/debian:12
SLIM_IMAGE=localhost/stampede-base/debian:12-slim
ensure_base_image() {
  if ! podman image exists "$BASE_IMAGE" || ! podman image exists "$SLIM_IMAGE"; then
    local rootfs=$WORK/rootfs
    debootstrap --variant=minbase bookworm "$rootfs" "$MIRROR" >"$WORK/debootstrap.log" 2>&1 ||
      { tail -n 5 "$WORK/debootstrap.log" >&2; fail "debootstrap from $MIRROR failed"; }
    rm -f "$rootfs/etc/apt/sources.list"
    cat >"$rootfs/etc/apt/sources.list.d/debian.sources" <<SOURCES
Types: deb
URIs: $MIRROR
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: ${MIRROR%/debian}/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES
    rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
    import_rootfs "$rootfs" "$BASE_IMAGE"
    cat >"$rootfs/etc/dpkg/dpkg.cfg.d/slim" <<'SLIM'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
SLIM
    find "$rootfs/usr/share/doc" -mindepth 2 ! -name copyright ! -type d -delete
    rm -rf "$rootfs"/usr/share/man/* "$rootfs"/usr/share/info/*
    find "$rootfs/usr/share/locale" -mindepth 1 -maxdepth 1 ! -name locale.alias -exec rm -rf {} +
    import_rootfs "$rootfs" "$SLIM_IMAGE"
    rm -rf "$rootfs"
  fi
  podman image exists docker.io/library/debian:12 || podman tag "$BASE_IMAGE" docker.io/library/debian:12
  podman image exists docker.io/library/debian:12-slim ||
    podman tag "$SLIM_IMAGE" docker.io/library/debian:12-slim
  local img
  for img in "$BASE_IMAGE" "$SLIM_IMAGE"; do
    echo "$img: $(($(podman image inspect -f '{{.Size}}' "$img") / 1000000)) MB"
  done
}

import_rootfs() {
  tar -C "$1" -c . | podman import --change 'CMD ["bash"]' - "$2" >"$WORK/import.log" 2>&1 ||
    { tail -n 5 "$WORK/import.log" >&2; fail "importing the debootstrapped $2 failed"; }
}

# The three images exactly as deploy/docker/'s headers say, from the repository root. They
# share one build stage, so the second and third must take its compile from the layer cache.
build_stampede_images() {
  local img start
  for img in target agent coordinator; do
    start=$SECONDS
    podman build -f "$ROOT/deploy/docker/$img.Dockerfile" \
      --ignorefile "$ROOT/deploy/docker/$img.Dockerfile.dockerignore" \
      -t "stampede/$img:local" "$ROOT" >"$WORK/build-$img.log" 2>&1 ||
      { tail -n 30 "$WORK/build-$img.log" >&2; fail "building stampede/$img:local failed"; }
    echo "stampede/$img:local built in $((SECONDS - start)) s"
  done
  for img in agent coordinator; do
    grep -A1 'scripts/build release' "$WORK/build-$img.log" | grep -q 'Using cache' ||
      fail "stampede/$img:local compiled the project again instead of sharing the build stage"
  done
}

# Non-root, and how big: the figures deploy/README.md quotes.
check_images() {
  local img user size
  for img in target agent coordinator; do
    user=$(podman image inspect -f '{{.Config.User}}' "stampede/$img:local")
    [ "$user" = 10001:10001 ] || fail "stampede/$img:local runs as '$user', not 10001:10001"
    size=$(podman image inspect -f '{{.Size}}' "stampede/$img:local")
    echo "stampede/$img:local: user $user, $((size / 1000000)) MB"
  done
}

# podman's Docker-compatible socket for docker-compose, and a loop standing in for the systemd
# timers that would run health checks: compose waits on service_healthy.
start_podman_service() {
  podman system service --time=0 "unix://$WORK/podman.sock" >"$WORK/podman-service.log" 2>&1 &
  SERVICE_PID=$!
  export DOCKER_HOST=unix://$WORK/podman.sock
  wait_for 30 "podman's API socket" curl -fsS --unix-socket "$WORK/podman.sock" http://podman/_ping
  (
    while :; do
      # By name, since "hosts" join PROJECTS after this loop has started: PROJECT-ROLE_service_N.
      for id in $(podman ps -q --filter "name=^${PROJECT}[-_]"); do
        podman healthcheck run "$id" >/dev/null 2>&1 || true
      done
      sleep 1
    done
  ) &
  HEALTH_PID=$!
}

compose() {
  docker-compose -p "$PROJECT" --project-directory "$ROOT/deploy" -f "$ROOT/deploy/docker-compose.yml" \
    -f "$HERE/compose.standins.yml" "$@"
}

healthy() { [ "$(podman inspect -f '{{.State.Health.Status}}' "$1" 2>/dev/null)" = healthy ]; }
# awk, not head: head leaving early would make podman die of SIGPIPE under pipefail.
service_container() { in_project podman ps -q --filter "label=com.docker.compose.service=$1" | awk "NR == 1"; }

report_check() { python3 "$ROOT/tests/report_check.py" "$@"; }

PROMCHECK=(python3 "$ROOT/tests/deploy/promcheck.py")

# One stampede from the CLI container against buggy, unstable and safe: the verdicts, then
# Prometheus holding the report's figures.
run_lab_checks() {
  local label=$1 report=$WORK/out/report-$1.json
  step "stampede from the coordinator's container ($label)"
  compose run --rm -T cli run --endpoint buggy,unstable,safe --stock 100 \
    --users 300 --requests 1200 --expect-agents 3 --agents-wait 60 --expect-violated buggy --quiet \
    --report "/out/report-$label.json" || fail "stampede run ($label) exited $?"
  report_check "$report" 'ep["buggy"]["integrity"] == "violated"' 'ep["buggy"]["oversold"] > 0' \
    'ep["safe"]["integrity"] == "ok"' 'ep["safe"]["acknowledged"] == 100' \
    'ep["safe"]["oversold"] == 0' || fail "the $label report's verdicts are wrong"
  python3 -c 'import json, sys
for e in json.load(open(sys.argv[1]))["endpoints"]:
    print("%s %s: verdict %s, acknowledged %d, oversold %d" % (sys.argv[2], e["endpoint"],
          e["integrity"], e["acknowledged"], e["oversold"]))' \
    "$report" "$label"

  step "Prometheus on 127.0.0.1:$PROMETHEUS_HOST_PORT ($label)"
  "${PROMCHECK[@]}" wait "$PROM" 'up{job="stampede-coordinator"} == 1' 60
  "${PROMCHECK[@]}" wait "$PROM" 'up{job="stampede-target"} == 1' 60
  local e want
  for e in buggy safe; do
    want=$(python3 -c 'import json, sys
print({x["endpoint"]: x for x in json.load(open(sys.argv[1]))["endpoints"]}[sys.argv[2]]["oversold"])' "$report" "$e")
    "${PROMCHECK[@]}" wait "$PROM" "stampede_oversold_items{endpoint=\"$e\"} == $want" 60
  done
  "${PROMCHECK[@]}" wait "$PROM" 'stampede_integrity_ok{endpoint="buggy"} == 0' 60
  "${PROMCHECK[@]}" wait "$PROM" 'stampede_integrity_ok{endpoint="safe"} == 1' 60
  echo "Prometheus holds the $label run's figures"
}

# The dashboards' rate() panels need live traffic across two of Prometheus's 5 s scrapes: a
# paced run of 12 s on unstable (its faults feed the target's panels), then every panel query.
check_dashboards() {
  step "dashboards under a 12 s paced run"
  compose run --rm -T cli run --endpoint unstable --stock 100 --users 20 --rate 250 \
    --requests 3000 --expect-agents 3 --quiet || fail "the paced run exited $?"
  "${PROMCHECK[@]}" dashboards "$PROM" --within 60 "$ROOT"/dashboards/*.json
  echo "every dashboard query returns data"
}

# The compose files' dns_opt reached the containers' resolv.conf: podman's compat API honours it.
check_dns_options() {
  local service conf
  for service in target coordinator agent; do
    # Read whole first: grep -q leaving early would SIGPIPE podman, an error under pipefail.
    conf=$(podman exec "$(service_container $service)" cat /etc/resolv.conf)
    grep -q 'options.*timeout:1' <<<"$conf" ||
      fail "the $service container's resolv.conf lacks the compose file's dns_opt (timeout:1)"
  done
  echo "target, coordinator and agent containers retry a lost lookup after 1 s"
}

# switch_store STORE STRATEGY: the target container recreated on another store, as a user
# would with TARGET_STORE and TARGET_STRATEGY; waits until it is healthy again at its address.
switch_store() {
  TARGET_STORE=$1 TARGET_STRATEGY=$2 compose up -d --no-deps target 2>&1 | tail -n 3
  local target since=$SECONDS
  target=$(service_container target)
  wait_for 120 "the target on $2" healthy "$target"
  announce target
  echo "the target on $2 is healthy after $((SECONDS - since)) s"
}

# announce SERVICE: its container, back at compose.standins.yml's fixed address, says so with a
# gratuitous ARP, as a host keeping its address after a restart would. Podman gives a container
# a new MAC each time its network is set up (and its compat API ignores compose's mac_address),
# so without this its peers kept sending to the old MAC until their ARP entries expired: 4 to
# 42 s in bare podman runs here, 0 s with it. Fails unless the container has that address.
announce() {
  local container want got
  container=$(service_container "$1")
  case $1 in
    target) want=$TEST_NET.203 ;;
    coordinator) want=$TEST_NET.204 ;;
    *) fail "announce: compose.standins.yml gives $1 no address it would announce" ;;
  esac
  got=$(podman inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' "$container")
  [ "$got" = "$want" ] || fail "the $1 container is at '$got', not compose.standins.yml's $want"
  nsenter -t "$(podman inspect -f '{{.State.Pid}}' "$container")" -n \
    arping -U -c 2 -w 3 -I eth0 "$want" >"$WORK/arping-$1.log" 2>&1 ||
    grep -q "Sent 2 probes" "$WORK/arping-$1.log" ||
    fail "the $1 container could not announce $want: $(tail -n 1 "$WORK/arping-$1.log")"
}

# chaos_run NAME: a long safe run from the CLI container in the background; returns once the
# live lines show it under way. chaos_finish NAME then waits for it and checks its report.
chaos_run() {
  local name=$1
  compose run --rm -T cli run --endpoint safe --stock 100 --users 30 \
    --requests 24000 --rate 2000 --expect-agents 3 --agents-wait 60 \
    --report "/out/$name.json" >"$WORK/$name.out" 2>"$WORK/$name.err" &
  CHAOS_PID=$!
  local why
  why=$(stampede_wait_attempts "$WORK/$name.err" "$CHAOS_PID" 1000 120 2>&1) || fail "the $name run $why"
}

chaos_finish() {
  local name=$1 code=0
  shift
  wait "$CHAOS_PID" || code=$?
  CHAOS_PID=
  cat "$WORK/$name.out"
  [ $code -eq 0 ] || { tail -n 20 "$WORK/$name.err" >&2; fail "the $name run exited $code"; }
  report_check "$WORK/out/$name.json" 'ep["safe"]["integrity"] == "ok"' \
    'ep["safe"]["final_stock"] == 0' \
    'all(ep["safe"][k] == 0 for k in ("oversold","lost_updates","lost_acks","phantoms","duplicates"))' \
    "$@" || fail "the $name report is wrong"
}

# Multi-host on one machine, joined as docs/multi-host.md joins real hosts: deploy/hosts/'s three
# files as compose projects ("hosts"), each on a network of its own, that reach each other only
# through the ports they publish on a "LAN" address (on a bridge of this run's own), with CURVE
# keys made by the image's `stampede keygen`.

# host_compose NAME ROLE ARGS...: docker-compose on deploy/hosts/ROLE-host.yml as the "host" NAME.
host_compose() {
  local name=$1 role=$2
  shift 2
  HOST_NETWORK=$PROJECT-$name-net docker-compose -p "$PROJECT-$name" \
    --project-directory "$ROOT/deploy/hosts" -f "$ROOT/deploy/hosts/$role-host.yml" \
    -f "$HERE/hosts.$role.yml" "$@"
}

# start_host NAME ROLE ARGS...: that "host" up on its own network.
start_host() {
  local name=$1 role=$2
  shift 2
  PROJECTS+=("$PROJECT-$name")
  make_network "$PROJECT-$name" "$PROJECT-$name-net"
  host_compose "$name" "$role" up -d "$@" >"$WORK/up-$name.log" 2>&1 ||
    { tail -n 20 "$WORK/up-$name.log" >&2; fail "the $name host's compose up failed"; }
}

host_container() { labelled "$PROJECT-$1" podman ps -q --filter "label=com.docker.compose.service=$2" | awk "NR == 1"; }

# The keys as docs/multi-host.md hands them out: the coordinator's, the CLI's and an agent
# host's pairs, authorized_keys listing the agents' and the CLI's, and a stranger's pair that
# nobody authorized.
make_keys() {
  KEYS=$WORK/keys
  mkdir -p "$KEYS"
  local k
  for k in coordinator cli agent stranger; do
    podman run --rm --user 0 -v "$KEYS:/keys" --entrypoint stampede stampede/coordinator:local \
      keygen --out "/keys/$k" >"$WORK/keygen.log" 2>&1 ||
      { cat "$WORK/keygen.log" >&2; fail "stampede keygen in the coordinator image failed"; }
  done
  { tail -n 1 "$KEYS/agent.pub"; tail -n 1 "$KEYS/cli.pub"; } >"$KEYS/authorized_keys"
  chown 10001:10001 "$KEYS"/*.key "$KEYS/authorized_keys"
  COORDINATOR_PUBLIC_KEY=$(tail -n 1 "$KEYS/coordinator.pub")
}

multi_host() {
  local subnet lan
  LAN_BRIDGE=stl$$
  subnet=$(free_subnet)
  lan=${subnet%.0/24}.1
  step "multi-host: deploy/hosts/ as three hosts joined through $lan"
  # The one-host cluster's containers go first: the hosts below take their place.
  compose down -v --remove-orphans -t 5 >"$WORK/down-one-host.log" 2>&1
  ip link add "$LAN_BRIDGE" type bridge && ip addr add "$lan/32" dev "$LAN_BRIDGE" &&
    ip link set "$LAN_BRIDGE" up || fail "cannot make the LAN bridge $LAN_BRIDGE"
  make_keys
  export COORDINATOR_PUBLIC_KEY CURVE_KEYS_DIR=$KEYS TARGET_ADDR=$lan COORDINATOR_ADDR=$lan \
    TARGET_PUBLISH=$lan ADMIN_PUBLISH=$lan AGENTS_PUBLISH=$lan
  CONTROL_HOST_PORT=$(free_port)
  PROMETHEUS_HOST_PORT=$(free_port)
  export CONTROL_HOST_PORT PROMETHEUS_HOST_PORT
  start_host target target
  start_host coordinator coordinator
  AGENT_KEY_PATH=$KEYS/agent.key start_host agents agent --scale agent=2
  AGENT_KEY_PATH=$KEYS/stranger.key start_host stranger agent

  host_compose coordinator coordinator run --rm -T cli run --endpoint buggy,safe --stock 100 \
    --users 200 --requests 1200 --expect-agents 2 --agents-wait 60 --expect-violated buggy \
    --quiet --report /out/multi-host.json || fail "the multi-host run exited $?"
  report_check "$WORK/out/multi-host.json" 'ep["buggy"]["integrity"] == "violated"' \
    'ep["safe"]["integrity"] == "ok"' 'ep["safe"]["acknowledged"] == 100' \
    'len(r["agents"]) == 2' || fail "the multi-host report is wrong"
  echo "multi-host: buggy violated, safe sold exactly 100, by the 2 authorized agents"

  local stranger coordinator
  stranger=$(tail -n 1 "$KEYS/stranger.pub")
  coordinator=$(host_container coordinator coordinator)
  wait_for 30 "the coordinator's refusal of the stranger's key" \
    bash -c "podman logs '$coordinator' 2>&1 | grep 'refused a connection to the agents socket' | grep -qF -- '$stranger'"
  echo "multi-host: the agent with an unlisted key was refused"
}
