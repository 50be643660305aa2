# Bad values a user can type, and loads past what a process can hold: each is one line and
# design.md's exit code before anything runs (2), or the agent's refusal (3); nothing crashes or
# hangs, and the daemons live on.
source "$(dirname "$0")/lib.sh"

start_target --stock 100
mkdir -p "$E2E_TMP/a-folder"
run=("$E2E_CLI" run --embedded 1 --target "http://$TARGET" --admin-url "http://$ADMIN"
  --admin-token-file "$E2E_TMP/token" --endpoint safe --stock 100 --users 5 --quiet)
expect_exit 2 "--requests: must be a whole number" "${run[@]}" --requests -5
expect_exit 2 "--requests: must be a whole number" "${run[@]}" --requests 18446744073709551616
expect_exit 2 "--max-p99-ms: must be a number" "${run[@]}" --requests 5 --max-p99-ms NaN
expect_exit 2 "--max-error-rate: must be a number" "${run[@]}" --requests 5 --max-error-rate NaN
expect_exit 2 "--rate: must be a number" "${run[@]}" --duration 1s --rate NaN
expect_exit 2 "--rate: must be a number" "${run[@]}" --duration 1s --rate 1e308
expect_exit 2 "--retries: must be a whole number from 0 to 20" "${run[@]}" --requests 5 --retries 1000
expect_exit 2 "not a regular file" "${run[@]}" --requests 5 --admin-token-file "$E2E_TMP/a-folder"
expect_exit 2 "does not exist" "${run[@]}" --requests 5 --report "$E2E_TMP/missing/r.json"
expect_exit 2 "--users: must be a whole number" env STAMPEDE_USERS=-3 "$E2E_CLI" run --embedded 1 \
  --target "http://$TARGET" --endpoint safe --stock-url "http://$TARGET/api/v1/products/1" --requests 5
printf 'retries: 1000\nrequests: 5\n' >"$E2E_TMP/bad.yaml"
expect_exit 2 "bad.yaml: retries: must be a whole number" "${run[@]}" "$E2E_TMP/bad.yaml"
# More users than the process has descriptors for: refused before any socket is made.
limit=$(ulimit -n)
expect_exit 2 "ulimit -n is $limit" "${run[@]}" --requests 5 --users $((limit + 1))

# The same load against a separate agent: the agent refuses it, says why, and lives.
start_coordinator
start_agent small
expect_exit 3 "ulimit -n \\($limit\\) leaves" "$E2E_CLI" run --coordinator "$CONTROL_EP" \
  --target "http://$TARGET" --endpoint safe --stock-url "http://$TARGET/api/v1/products/1" \
  --requests 10 --users $((limit + 1)) --quiet
kill -0 "${STAMPEDE_PIDS[-1]}" || fail "the agent died on a job past its descriptors"
"$E2E_CLI" status --coordinator "$CONTROL_EP" | grep -q '^run: none' || fail "the refused run lingers"
# ...and a normal run afterwards goes through the same agent.
expect_exit 0 "safe" "$E2E_CLI" run --coordinator "$CONTROL_EP" --target "http://$TARGET" \
  --admin-url "http://$ADMIN" --admin-token-file "$E2E_TMP/token" --endpoint safe --stock 10 \
  --requests 20 --users 5 --quiet
echo "PASS hostile CLI: every bad value exit 2 with its reason; a load past ulimit -n refused"
