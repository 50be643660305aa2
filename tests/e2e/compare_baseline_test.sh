# Run comparison: an equal run keeps up with its baseline (exit 0), one at a fifth of the rate
# does not (exit 1, naming the endpoint and what fell), and `stampede compare` shows two runs
# side by side. A baseline that cannot be read is exit 2 before anything runs.
source "$(dirname "$0")/lib.sh"

start_target --stock 100000000
run=("$E2E_CLI" run --embedded 2 --target "http://$TARGET" --admin-url "http://$ADMIN"
  --admin-token-file "$E2E_TMP/token" --endpoint safe --stock 100000000 --users 20 --duration 2s --quiet)
expect_exit 0 "safe" "${run[@]}" --rate 1000 --report "$E2E_TMP/base.json"
# An equal run, with room for a shared machine's noise in its p99 (several ms under load).
expect_exit 0 "safe" "${run[@]}" --rate 1000 --report "$E2E_TMP/same.json" \
  --baseline "$E2E_TMP/base.json" --max-regression 300%
expect_exit 1 "FAILED safe: throughput fell from" "${run[@]}" --rate 200 --report "$E2E_TMP/slow.json" \
  --baseline "$E2E_TMP/base.json" --max-regression 10%
expect_exit 0 "throughput_rps" "$E2E_CLI" compare "$E2E_TMP/base.json" "$E2E_TMP/slow.json"
grep -q "latency p99 ms" "$E2E_TMP/out" || fail "compare shows no p99 row"
grep -qE "throughput_rps .* -[0-9.]+%" "$E2E_TMP/out" || fail "compare shows no fall in throughput"
expect_exit 2 "nowhere.json" "$E2E_CLI" compare "$E2E_TMP/base.json" "$E2E_TMP/nowhere.json"
echo '{"run_id": "x"}' >"$E2E_TMP/broken.json"
expect_exit 2 "--baseline: .*broken.json" "${run[@]}" --rate 1000 --baseline "$E2E_TMP/broken.json"
echo "PASS compare and --baseline"
