# `stampede run --embedded N`: coordinator and agents in one process, same verdict and report.
source "$(dirname "$0")/lib.sh"
start_target
set +e
"$E2E_CLI" run --embedded 2 --target "http://$TARGET" --admin-url "http://$ADMIN" \
  --admin-token-file "$E2E_TMP/token" --endpoint safe --stock 20 --users 40 --requests 200 \
  --report "$E2E_TMP/report.json" --quiet >"$E2E_TMP/run.out" 2>&1
code=$?
set -e
cat "$E2E_TMP/run.out"
[ $code -eq 0 ] || fail "embedded run exited $code"
report_check "$E2E_TMP/report.json" \
  'len(r["agents"]) == 2' \
  'ep["safe"]["attempts"] == 200 and ep["safe"]["acknowledged"] == 20' \
  'ep["safe"]["integrity"] == "ok" and ep["safe"]["final_stock"] == 0'

# Expecting a violation from a safe endpoint must fail the run with exit 1.
set +e
"$E2E_CLI" run --embedded 1 --target "http://$TARGET" --admin-url "http://$ADMIN" \
  --admin-token-file "$E2E_TMP/token" --endpoint safe --stock 5 --users 5 --requests 20 \
  --expect-violated safe --quiet >"$E2E_TMP/run2.out" 2>&1
code=$?
set -e
[ $code -eq 1 ] || { cat "$E2E_TMP/run2.out"; fail "unmet expectation exited $code, want 1"; }
grep -q "FAILED safe" "$E2E_TMP/run2.out" || fail "unmet expectation not named"
# Open loop: --rate sets arrivals; the report carries corrected and uncorrected latency.
"$E2E_CLI" run --embedded 2 --target "http://$TARGET" --admin-url "http://$ADMIN" \
  --admin-token-file "$E2E_TMP/token" --endpoint safe --stock 1000 --users 20 --rate 300 --duration 2s \
  --report "$E2E_TMP/open.json" --quiet >"$E2E_TMP/open.out" 2>&1 || { cat "$E2E_TMP/open.out"; fail "open loop run"; }
report_check "$E2E_TMP/open.json" \
  '540 <= ep["safe"]["attempts"] <= 600' \
  '"latency_ms_uncorrected" in ep["safe"]' \
  'ep["safe"]["latency_ms"]["p99"] >= ep["safe"]["latency_ms_uncorrected"]["p50"]' \
  'ep["safe"]["integrity"] == "ok"'

# A scenario file (YAML): per-phase load and expectations; a flag given wins over the file.
cat >"$E2E_TMP/scenario.yaml" <<YAML
name: e2e-flash-sale
target: http://127.0.0.1:1
admin_url: http://$ADMIN
admin_token_file: $E2E_TMP/token
phases:
  - {endpoint: buggy, stock: 20, users: 60, requests: 200, expect: violated}
  - {endpoint: safe, stock: 20, users: 30, requests: 100, max_error_rate: 0.0}
YAML
"$E2E_CLI" run "$E2E_TMP/scenario.yaml" --embedded 2 --target "http://$TARGET" \
  --report "$E2E_TMP/scenario.json" --quiet >"$E2E_TMP/scenario.out" 2>&1 ||
  { cat "$E2E_TMP/scenario.out"; fail "scenario run"; }
report_check "$E2E_TMP/scenario.json" \
  'r["scenario"] == "e2e-flash-sale"' \
  'ep["buggy"]["attempts"] == 200 and ep["buggy"]["integrity"] == "violated"' \
  'ep["safe"]["attempts"] == 100 and ep["safe"]["acknowledged"] == 20'
# A limit nobody can meet fails the run with exit 1 and names it.
set +e
"$E2E_CLI" run "$E2E_TMP/scenario.yaml" --embedded 1 --target "http://$TARGET" --max-p99-ms 0 \
  --quiet >"$E2E_TMP/strict.out" 2>&1
code=$?
set -e
[ $code -eq 1 ] || { cat "$E2E_TMP/strict.out"; fail "p99 limit exited $code, want 1"; }
grep -q "FAILED safe: p99 latency" "$E2E_TMP/strict.out" || fail "p99 limit not named"
echo 'phases: [{endpoint: safe, reqests: 5}]' >"$E2E_TMP/typo.yaml"
set +e
"$E2E_CLI" run "$E2E_TMP/typo.yaml" --embedded 1 >"$E2E_TMP/typo.out" 2>&1
code=$?
set -e
[ $code -eq 2 ] && grep -q "reqests" "$E2E_TMP/typo.out" || { cat "$E2E_TMP/typo.out"; fail "typo exited $code"; }

# `stampede demo`: the whole lab from one command; buggy is caught, the others hold, exit 0; then
# the reserve-then-confirm sale with a limit of one unit a buyer (25 buyers for 100 users).
"$E2E_CLI" demo --target-bin "$E2E_TARGET_BIN" --users 100 --requests 300 --stock 30 \
  --report "$E2E_TMP/demo.json" >"$E2E_TMP/demo.out" 2>&1 || { cat "$E2E_TMP/demo.out"; fail "demo exited $?"; }
report_check "$E2E_TMP/demo.json" \
  'len(r["agents"]) == 3' \
  'ep["buggy"]["integrity"] == "violated"' \
  'ep["unstable"]["integrity"] == "ok" and ep["safe"]["integrity"] == "ok"' \
  'ep["safe"]["acknowledged"] == 30'
report_check "$E2E_TMP/demo.journeys.json" \
  'ep["buggy"]["integrity"] == "violated" and ep["safe"]["integrity"] == "ok"' \
  'ep["safe"]["acknowledged"] == 25 and ep["safe"]["over_limit_users"] == 0' \
  'ep["safe"]["holds"]["confirmed"] == 25 and ep["safe"]["holds"]["open_at_end"] == 0' \
  '[s["name"] for s in ep["safe"]["steps"]] == ["reserve", "confirm"]'
grep -q "^safe holds: 25 placed, 25 confirmed, 0 expired, 0 open at the end" "$E2E_TMP/demo.out" ||
  fail "the demo's table lacks safe's holds: $(cat "$E2E_TMP/demo.out")"
echo "PASS embedded run"
