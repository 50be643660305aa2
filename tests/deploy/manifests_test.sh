# Every compose and stack file passes `docker-compose config`; the services, health checks,
# start order, scaling and Grafana/Prometheus wiring are the ones the issue asks for; every
# STAMPEDE_* variable in compose, stack, Dockerfile and Kubernetes files is a flag of the binary
# that reads it; the Kubernetes manifests hang together and carry deploy/prometheus verbatim.
source "$(dirname "$0")/lib.sh"
need docker-compose promtool python3
for f in "$DEPLOY/docker-compose.yml" "$DEPLOY"/hosts/*.yml "$DEPLOY/swarm/stack.yml"; do
  COORDINATOR_ADDR=192.0.2.10 TARGET_ADDR=192.0.2.30 COORDINATOR_PUBLIC_KEY="rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7" \
    docker-compose -f "$f" config -q 2>"$E2E_TMP/err" ||
    { cat "$E2E_TMP/err" >&2; fail "docker-compose config ${f#$REPO/}"; }
  echo "ok docker-compose config ${f#$REPO/}"
done
python3 "$REPO/tests/deploy/check_deploy_files.py" "$REPO" "$E2E_CLI" "$E2E_AGENT_BIN" "$E2E_TARGET_BIN"
echo "PASS manifests"
