# The walking skeleton for real: target, coordinator and three agent processes; buggy must be
# caught, unstable shows injected 503s and holds, safe sells exactly the stock and holds.
source "$(dirname "$0")/lib.sh"
start_target --race-window-ms 2
start_coordinator
for i in 1 2 3; do start_agent "lab-$i"; done

set +e
"$E2E_CLI" run --coordinator "$CONTROL_EP" --target "http://$TARGET" --admin-url "http://$ADMIN" \
  --admin-token-file "$E2E_TMP/token" --endpoint buggy,unstable,safe --stock 50 --users 300 \
  --requests 900 --expect-agents 3 --agents-wait 30 --expect-violated buggy \
  --report "$E2E_TMP/report.json" --markdown "$E2E_TMP/summary.md" --html "$E2E_TMP/report.html" \
  >"$E2E_TMP/run.out" 2>"$E2E_TMP/run.err"
code=$?
set -e
cat "$E2E_TMP/run.out"
[ $code -eq 0 ] || { cat "$E2E_TMP/run.err" "$E2E_TMP/coordinator.log" >&2; fail "run exited $code"; }
grep -q "buggy: integrity violated, as expected" "$E2E_TMP/run.out" || fail "no 'as expected' line"

report_check "$E2E_TMP/report.json" \
  'len(r["agents"]) == 3' \
  'sum(a["requests"] for a in r["agents"]) == 2700' \
  'all(e["attempts"] == 900 for e in r["endpoints"])' \
  'ep["buggy"]["integrity"] == "violated"' \
  'ep["buggy"]["oversold"] > 0 or ep["buggy"]["lost_updates"] > 0' \
  'ep["unstable"]["integrity"] == "ok"' \
  'ep["unstable"]["status_codes"].get("503", 0) > 0' \
  'ep["unstable"]["indeterminate"] == ep["unstable"]["status_codes"].get("503", 0)' \
  'ep["safe"]["integrity"] == "ok"' \
  'ep["safe"]["acknowledged"] == 50 and ep["safe"]["ledger_orders"] == 50' \
  'ep["safe"]["final_stock"] == 0 and ep["safe"]["sold_out"] == 850' \
  'all(ep["safe"][k] == 0 for k in ("oversold","lost_updates","lost_acks","phantoms","duplicates"))' \
  'ep["safe"]["checks_skipped"] == []' \
  'ep["safe"]["latency_ms"]["p50"] > 0 and ep["safe"]["latency_ms"]["max"] >= ep["safe"]["latency_ms"]["p99"]'

# The Markdown and HTML summaries say the same as the JSON report.
grep -q '| buggy | violated |' "$E2E_TMP/summary.md" || fail "markdown summary lacks buggy's verdict"
grep -q '| safe | ok | 900 | 50 |' "$E2E_TMP/summary.md" || fail "markdown summary lacks safe's figures"
grep -q "<td class='violated'>violated</td>" "$E2E_TMP/report.html" || fail "html verdict"
grep -q "aria-label='requests per second over time'" "$E2E_TMP/report.html" || fail "html throughput chart"
! grep -qE "(src|href)=['\"]https?:" "$E2E_TMP/report.html" || fail "html report fetches something"

# The coordinator's /metrics carries the verdict with design.md's names.
curl -fsS "http://$METRICS/metrics" >"$E2E_TMP/metrics.txt"
grep -q '^stampede_integrity_ok{endpoint="safe"} 1' "$E2E_TMP/metrics.txt" || fail "safe integrity metric"
grep -q '^stampede_integrity_ok{endpoint="buggy"} 0' "$E2E_TMP/metrics.txt" || fail "buggy integrity metric"
grep -q '^stampede_agents_connected 3' "$E2E_TMP/metrics.txt" || fail "agents_connected metric"
grep -q '^stampede_requests_total{endpoint="safe",outcome="ok"} 50' "$E2E_TMP/metrics.txt" || fail "requests_total"
grep -q '^stampede_runs_total{verdict="violated"} 1' "$E2E_TMP/metrics.txt" || fail "runs_total"
echo "PASS lab verdicts"
