# A short CLI run pushes its metrics to a real Prometheus Pushgateway (Debian's
# prometheus-pushgateway on a loopback port chosen now), grouped by job and run id, with the
# same figures as its JSON report; an unreachable gateway is an exit 3 that says so.
source "$(dirname "$0")/lib.sh"
command -v prometheus-pushgateway >/dev/null || fail "prometheus-pushgateway not installed (scripts/test installs it)"
gw_port=$(stampede_free_port)
prometheus-pushgateway --web.listen-address="127.0.0.1:$gw_port" --persistence.file="" >"$E2E_TMP/pushgateway.log" 2>&1 &
STAMPEDE_PIDS+=($!)
gw_pid=$!
deadline=$((SECONDS + 30))
until curl -fsS "http://127.0.0.1:$gw_port/-/ready" >/dev/null 2>&1; do
  [ $SECONDS -lt $deadline ] || fail "the Pushgateway did not get ready: $(tail -n 3 "$E2E_TMP/pushgateway.log")"
  kill -0 $gw_pid 2>/dev/null || fail "the Pushgateway exited: $(tail -n 3 "$E2E_TMP/pushgateway.log")"
  sleep 0.1
done

start_target --race-window-ms 2
"$E2E_CLI" run --embedded 2 --agent-threads 1 --target "http://$TARGET" --admin-url "http://$ADMIN" \
  --admin-token-file "$E2E_TMP/token" --endpoint buggy,safe --expect-violated buggy --stock 20 \
  --users 20 --requests 200 --run-id pushed1 --quiet --report "$E2E_TMP/report.json" \
  --pushgateway "http://127.0.0.1:$gw_port" >"$E2E_TMP/run.out" 2>&1 ||
  { cat "$E2E_TMP/run.out"; fail "the pushed run failed"; }
grep -q "metrics pushed to" "$E2E_TMP/run.out" || fail "the run did not say it pushed"

curl -fsS "http://127.0.0.1:$gw_port/metrics" >"$E2E_TMP/gw.txt"
python3 - "$E2E_TMP/gw.txt" "$E2E_TMP/report.json" <<'PY'
import json, re, sys
text = open(sys.argv[1]).read()
report = json.load(open(sys.argv[2]))
def sample(name, **labels):
    for line in text.splitlines():
        m = re.match(r'^(\w+)\{([^}]*)\} (\S+)$', line)
        if not m or m.group(1) != name:
            continue
        got = dict(re.findall(r'(\w+)="([^"]*)"', m.group(2)))
        if all(got.get(k) == v for k, v in labels.items()):
            return float(m.group(3))
    sys.exit(f"no {name} {labels} in the Pushgateway's metrics")
group = dict(job="stampede", run_id="pushed1")
for e in report["endpoints"]:
    ep = e["endpoint"]
    for metric, key in [("stampede_oversold_items", "oversold"), ("stampede_lost_updates", "lost_updates"),
                        ("stampede_lost_acks", "lost_acks"), ("stampede_duplicate_orders", "duplicates")]:
        got = sample(metric, endpoint=ep, **group)
        assert got == e[key], f"{metric}{{{ep}}} = {got}, report says {e[key]}"
    assert sample("stampede_integrity_ok", endpoint=ep, **group) == (1 if e["integrity"] == "ok" else 0)
    assert sample("stampede_requests_total", endpoint=ep, outcome="ok", **group) == e["acknowledged"]
    assert abs(sample("stampede_latency_seconds", endpoint=ep, quantile="0.99", **group)
               - e["latency_ms"]["p99"] / 1e3) < 1e-9
by_ep = {e["endpoint"]: e for e in report["endpoints"]}
assert by_ep["buggy"]["integrity"] == "violated" and by_ep["buggy"]["oversold"] > 0, "buggy did not oversell"
assert sample("stampede_runs_total", verdict="violated", **group) == 1
print("pushed figures match the report")
PY

echo "== an unreachable gateway is an infrastructure failure"
dead_port=$(stampede_free_port)
expect_exit 3 "could not reach the Pushgateway" "$E2E_CLI" run --embedded 1 --agent-threads 1 \
  --target "http://$TARGET" --admin-url "http://$ADMIN" --admin-token-file "$E2E_TMP/token" \
  --endpoint safe --stock 5 --users 5 --requests 20 --quiet --pushgateway "http://127.0.0.1:$dead_port"
expect_exit 2 "without a path" "$E2E_CLI" run --embedded 1 --agent-threads 1 \
  --target "http://$TARGET" --admin-url "http://$ADMIN" --admin-token-file "$E2E_TMP/token" \
  --endpoint safe --stock 5 --users 5 --requests 20 --quiet --pushgateway "http://127.0.0.1:$dead_port/x"
echo "PASS pushgateway"
