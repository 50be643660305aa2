# Every bad input a user can type, walked as one table: each is one line naming what is wrong
# and exit 2 before anything runs (a Pushgateway nobody answers is a run's failure to publish:
# its report is still written, the line says so, exit 3). Nothing crashes or hangs: every row
# runs under a 60 s timeout. A checkout that answers nothing is exit 3, as a target down.
source "$(dirname "$0")/lib.sh"

start_target --stock 100
"$E2E_CLI" keygen --out "$E2E_TMP/k" >/dev/null
public_key=$(grep -v '^#' "$E2E_TMP/k.pub")
echo garbage >"$E2E_TMP/garbage.key"
printf '# agents\nnot-a-key-line\n' >"$E2E_TMP/bad-authorized"
cp "$E2E_TMP/k.pub" "$E2E_TMP/authorized"
mkdir -p "$E2E_TMP/a-folder"
chmod 000 "$E2E_TMP/a-folder"
dead_port=$(stampede_free_port)
printf 'bogus_key: 1\nrequests: 5\n' >"$E2E_TMP/unknown-key.yaml"
printf 'users: -1\nrequests: 5\n' >"$E2E_TMP/out-of-range.yaml"
printf 'requests: [5\n' >"$E2E_TMP/malformed.yaml"
printf '{"requests": 5, "phases": [{"endpoint": "safe", "sotck": 3}]}\n' >"$E2E_TMP/typo-phase.json"
printf 'flow: [{"name": "a", "method": "POST"}]\nrequests: 5\n' >"$E2E_TMP/bad-flow.yaml"

coordinator=("$E2E_CLI" coordinator --agents-bind tcp://127.0.0.1:0 --control-bind tcp://127.0.0.1:0
  --metrics-bind 127.0.0.1:0)
flags=(--embedded 1 --target "http://$TARGET" --endpoint safe --quiet
  --stock-url "http://$TARGET/api/v1/products/1")
run=("$E2E_CLI" run "${flags[@]}")

# row EXIT PATTERN COMMAND...: lib.sh's expect_exit (the exit code within 60 s, the pattern in
# its words), and a refusal (exit 2) is that one line and nothing else.
rows=0
row() {
  rows=$((rows + 1))
  expect_exit "$@"
  if [ "$1" -eq 2 ] && [ "$(wc -l <"$E2E_TMP/out")" -ne 1 ]; then
    cat "$E2E_TMP/out" >&2
    fail "row $rows: ${*:3} said more than one line"
  fi
}

# Scenario files: an unknown key, a value out of range, malformed YAML, a typo in a phase, a flow
# step without a path, a file that is not there.
row 2 "unknown-key.yaml: unknown key 'bogus_key'" "$E2E_CLI" run "$E2E_TMP/unknown-key.yaml" "${flags[@]}"
row 2 "out-of-range.yaml: users: must be a whole number" "$E2E_CLI" run "$E2E_TMP/out-of-range.yaml" "${flags[@]}"
row 2 "malformed.yaml" "$E2E_CLI" run "$E2E_TMP/malformed.yaml" "${flags[@]}"
row 2 "sotck" "$E2E_CLI" run "$E2E_TMP/typo-phase.json" "${flags[@]}"
row 2 "bad-flow.yaml: .*path" "$E2E_CLI" run "$E2E_TMP/bad-flow.yaml" "${flags[@]}"
row 2 "no-such-scenario.yaml is not a readable file" "$E2E_CLI" run "$E2E_TMP/no-such-scenario.yaml" "${flags[@]}"
# Flags: out of range, not a number, a report in a folder that is missing or not writable.
row 2 "--users: must be a whole number" "${run[@]}" --requests 5 --users 0
row 2 "--stock: must be a whole number" "${run[@]}" --requests 5 --stock -1
row 2 "--duration: " "${run[@]}" --duration 5 parsecs
row 2 "--report .*does not exist" "${run[@]}" --requests 5 --report "$E2E_TMP/missing/r.json"
row 2 "--html .*does not exist" "${run[@]}" --requests 5 --html "$E2E_TMP/missing/r.html"
row 2 "--pushgateway: 'notaurl' is not an http" "${run[@]}" --requests 5 --pushgateway notaurl
row 2 "--data .*nope.csv: cannot open" "${run[@]}" --requests 5 --data "$E2E_TMP/nope.csv"
# Keys: unreadable, malformed, a malformed authorized-keys line, a pinned key that is no key.
row 2 "--curve-secret-file cannot read" "${coordinator[@]}" --curve-secret-file "$E2E_TMP/nope.key" \
  --authorized-keys "$E2E_TMP/authorized"
row 2 "--curve-secret-file .*garbage.key: line 1 is not a Z85 secret key" "${coordinator[@]}" \
  --curve-secret-file "$E2E_TMP/garbage.key" --authorized-keys "$E2E_TMP/authorized"
row 2 "--authorized-keys .*bad-authorized: line 2: 'not-a-key-line' is not a Z85 public key" \
  "${coordinator[@]}" --curve-secret-file "$E2E_TMP/k.key" --authorized-keys "$E2E_TMP/bad-authorized"
row 2 "--authorized-keys cannot read" "${coordinator[@]}" --curve-secret-file "$E2E_TMP/k.key" \
  --authorized-keys "$E2E_TMP/nope"
row 2 "--curve-secret-file .*garbage.key: line 1 is not a Z85 secret key" "$E2E_AGENT_BIN" \
  --coordinator tcp://127.0.0.1:1 --curve-secret-file "$E2E_TMP/garbage.key" \
  --coordinator-public-key "$public_key"
row 2 "--coordinator-public-key: 'shortkey' is not a CURVE key" "$E2E_AGENT_BIN" \
  --coordinator tcp://127.0.0.1:1 --curve-secret-file "$E2E_TMP/k.key" --coordinator-public-key shortkey
row 2 "--admin-token-file: .*a-folder' is not a regular file" "$E2E_TARGET_BIN" --listen 127.0.0.1:0 --admin-listen 127.0.0.1:0 \
  --admin-token-file "$E2E_TMP/a-folder"
row 2 "--tls-cert and --tls-key go together" "$E2E_TARGET_BIN" --listen 127.0.0.1:0 \
  --tls-cert "$E2E_TMP/k.pub"
# A Pushgateway nobody answers: the run happened and its report is written; publishing failed.
row 3 "could not reach the Pushgateway at .*Connection refused" "${run[@]}" --requests 5 \
  --pushgateway "http://127.0.0.1:$dead_port" --report "$E2E_TMP/pushed.json"
[ -s "$E2E_TMP/pushed.json" ] || fail "the run's report was not written when the Pushgateway was down"
# A checkout nobody answers, its stock read from the lab: all zeros would read as clean, so the
# endpoint is unchecked, the run says nothing was tested and exits as for a target down.
row 3 "checkout: nothing was tested: the checkout answered none of its 5 attempts" "$E2E_CLI" run \
  --embedded 1 --target "http://127.0.0.1:$dead_port" --method POST --path /buy \
  --stock-url "http://$TARGET/api/v1/products/1" --requests 5 --report "$E2E_TMP/untested.json"
report_check "$E2E_TMP/untested.json" "ep['checkout']['integrity'] == 'unchecked'" \
  "any('nothing was tested' in p for p in ep['checkout']['problems'])"
chmod 755 "$E2E_TMP/a-folder"
echo "PASS bad inputs: $rows rows"
