# The comparisons over TLS that bench/run makes (issue "real checkouts"): an https nginx of their
# own with a test-made ECDSA P-256 certificate (bench_make_tls, bench_start_nginx tls), then
#   (1c) tls_generator_vs_wrk: one agent thread vs wrk -t1 over https keep-alive, each held to
#        half a core as in (1b);
#   (1d) tls_new_connection_vs_wrk: the same with a new connection, and so a handshake, per
#        request: --connection-per-attempt vs wrk -H 'Connection: close';
#   (3d) target_tls_vs_nginx: stampede-target's safe endpoint over TLS vs nginx over TLS, under
#        wrk -t1 with the checkout script, one I/O thread / one worker each.
# Sourced by bench/run after peers.sh and cpu_cap.sh; uses its run_comparison, describe, wanted,
# with_nginx_cpu, conns, t, huge_stock and cap_dir.

bench_tls_setup() { # once: the certificate and the https nginx
  [ -n "${NGINX_TLS:-}" ] && return 0
  bench_make_tls && bench_start_nginx tls && echo "== nginx over TLS on $NGINX_TLS (one worker)" >&2
}

# tls_generator_side ID LOG_TAG SIDE ROUND [new-connection]: one side of (1c) or (1d), inside the
# half-core cgroup, nginx's worker CPU noted beside it.
tls_generator_side() {
  local id=$1 tag=$2 side=$3 round=$4 agent_extra=() wrk_extra=()
  if [ "${5:-}" = new-connection ]; then
    agent_extra=(--connection-per-attempt) wrk_extra=('' -H 'Connection: close')
  fi
  case $side in
    stampede-agent) BENCH_CPU_CAP_DIR=$cap_dir NGINX_WORKER_PID=$NGINX_TLS_WORKER_PID with_nginx_cpu \
      "$id" "$side" measure_agent_alone "$tag-agent-$round" $conns "$t" \
      "https://$NGINX_TLS" --ca-file "$BENCH_TLS/ca.pem" "${agent_extra[@]}" ;;
    wrk) BENCH_CPU_CAP_DIR=$cap_dir NGINX_WORKER_PID=$NGINX_TLS_WORKER_PID with_nginx_cpu \
      "$id" "$side" measure_wrk "$tag-wrk-$round" $conns "$t" "https://$NGINX_TLS/bench.json" \
      "${wrk_extra[@]}" ;;
  esac
}
side_tls_generator_vs_wrk() { tls_generator_side tls_generator_vs_wrk tls "$1" "$2"; }
side_tls_new_connection_vs_wrk() { tls_generator_side tls_new_connection_vs_wrk tlsnew "$1" "$2" new-connection; }

bench_tls_generator_comparisons() {
  local id cap="in a CPU cgroup capped at $((cap_quota_us / 1000)) ms per $((cap_period_us / 1000)) ms:"
  for id in tls_generator_vs_wrk tls_new_connection_vs_wrk; do
    wanted $id || continue
    if [ -z "$cap_dir" ]; then
      echo "== $id: skipped, no CPU cgroup to cap the tools with" >&2
      continue
    fi
    bench_tls_setup || { failures=$((failures + 1)); return 0; }
    local extra='' wrk_extra=''
    [ $id = tls_new_connection_vs_wrk ] && extra=' --connection-per-attempt' wrk_extra=" -H 'Connection: close'"
    describe $id stampede-agent "$cap stampede-agent --coordinator AGENTS --threads 1; outside it: stampede coordinator, and stampede run --coordinator CONTROL --expect-agents 1 --target https://NGINX_TLS --ca-file CA --path /bench.json --method GET --endpoint nginx --users $conns --duration ${t}s --stock-url https://NGINX_TLS/stock.json$extra --quiet --report FILE"
    describe $id wrk "$cap wrk -t1 -c $conns -d ${t}s$wrk_extra https://NGINX_TLS/bench.json"
    run_comparison $id stampede-agent wrk
  done
}

side_target_tls_vs_nginx() {
  local server
  case $1 in stampede-target) server=$TARGET ;; nginx) server=$NGINX_TLS ;; esac
  # A fresh sale each round, as in (3): the idempotency table keeps every round's keys.
  [ "$1" != stampede-target ] || bench_reset_stock "$huge_stock" ||
    { echo "bench: could not reset the target's stock" >&2; return 1; }
  measure_wrk "tlssafe-$1-$2" $conns "$t" "https://$server/api/v1/checkout/safe" "$BENCH_ROOT/bench/peers/checkout.lua"
}

bench_target_tls_comparison() {
  wanted target_tls_vs_nginx || return 0
  bench_tls_setup || { failures=$((failures + 1)); return 0; }
  bench_start_target tls-safe-target --stock "$huge_stock" \
    --tls-cert "$BENCH_TLS/server.pem" --tls-key "$BENCH_TLS/server.key"
  describe target_tls_vs_nginx stampede-target "stampede-target --threads 1 --stock $huge_stock --tls-cert CERT --tls-key KEY (memory store, ECDSA P-256); wrk -t1 -c $conns -d ${t}s -s bench/peers/checkout.lua https://TARGET/api/v1/checkout/safe"
  describe target_tls_vs_nginx nginx "nginx, 1 worker, TLS 1.3, the same certificate, fixed JSON body; wrk -t1 -c $conns -d ${t}s -s bench/peers/checkout.lua https://NGINX_TLS/api/v1/checkout/safe"
  run_comparison target_tls_vs_nginx stampede-target nginx
}
