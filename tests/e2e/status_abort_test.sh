# `stampede status` shows the run in progress; `stampede abort` stops it: the run's CLI exits 3
# with the reason, the agents' jobs are stopped, and the coordinator is free again.
source "$(dirname "$0")/lib.sh"
start_chaos_run ctl

"$E2E_CLI" status --coordinator "$CONTROL_EP" >"$E2E_TMP/status.out" || fail "status exited $?"
cat "$E2E_TMP/status.out"
grep -qE '^agents: 3 live' "$E2E_TMP/status.out" || fail "status does not count 3 live agents"
grep -qE '^run: r[0-9a-f]+, phase 1/1 safe: attempts [1-9]' "$E2E_TMP/status.out" || fail "status shows no run"

"$E2E_CLI" abort --coordinator "$CONTROL_EP" >"$E2E_TMP/abort.out" || fail "abort exited $?"
grep -q "aborted" "$E2E_TMP/abort.out" || fail "abort said: $(cat "$E2E_TMP/abort.out")"
set +e
wait "$RUN_PID"
code=$?
set -e
[ $code -eq 3 ] || { cat "$E2E_TMP/run.err"; fail "aborted run exited $code, want 3"; }
grep -q "run aborted" "$E2E_TMP/run.err" || fail "the run's CLI does not say it was aborted"

"$E2E_CLI" status --coordinator "$CONTROL_EP" >"$E2E_TMP/status2.out"
grep -q "^run: none" "$E2E_TMP/status2.out" || fail "a run is still active after abort"
"$E2E_CLI" abort --coordinator "$CONTROL_EP" | grep -q "no run to abort" || fail "second abort"
echo "PASS status and abort"
