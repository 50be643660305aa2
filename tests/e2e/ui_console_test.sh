# The web console end to end: a coordinator with --ui-bind and a token, the target and three
# agents, and headless Chromium (Debian's chromium, driven by playwright-core from npm) using the
# page as a person would: buggy must show violated with the JSON report's oversold count, safe
# must show ok, an aborted run must show aborted. Screenshots and the reports are kept in
# $E2E_ARTIFACTS (the build tree's Testing/artifacts/ui_console).
source "$(dirname "$0")/lib.sh"
here=$(cd "$(dirname "$0")" && pwd)

chromium_bin=${CHROMIUM_BIN:-/usr/bin/chromium}
[ -x "$chromium_bin" ] || fail "no $chromium_bin: install Debian's chromium (scripts/test does)"
command -v node >/dev/null && command -v npm >/dev/null || fail "node and npm are needed (scripts/test installs them)"

# playwright-core, pinned by ui/package-lock.json, installed once into the build tree (never the
# source tree) and again whenever the lock file changes.
node_dir=${E2E_UI_NODE_DIR:-$E2E_TMP/node}
if ! cmp -s "$here/ui/package-lock.json" "$node_dir/package-lock.json" ||
  [ ! -f "$node_dir/node_modules/playwright-core/package.json" ]; then
  mkdir -p "$node_dir"
  cp "$here/ui/package.json" "$here/ui/package-lock.json" "$node_dir/"
  (cd "$node_dir" && timeout 240 npm ci --no-audit --no-fund --ignore-scripts >"$E2E_TMP/npm.log" 2>&1) ||
    { cat "$E2E_TMP/npm.log" >&2; rm -f "$node_dir/package-lock.json"; fail "npm ci of playwright-core failed"; }
fi

artifacts=${E2E_ARTIFACTS:-$E2E_TMP/artifacts}
rm -rf "$artifacts"
mkdir -p "$artifacts"

start_target
head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$E2E_TMP/ui-token"
start_coordinator --ui-bind 127.0.0.1:0 --ui-token-file "$E2E_TMP/ui-token" \
  --ui-target "http://$TARGET" --ui-admin-url "http://$ADMIN" --ui-admin-token-file "$E2E_TMP/token"
console=$(grep -m1 '^stampede coordinator web console: ' "$E2E_TMP/coordinator.log" | awk '{print $5}')
[[ $console == http://127.0.0.1:*/ ]] || fail "no console URL in the coordinator's log: $(cat "$E2E_TMP/coordinator.log")"
for i in 1 2 3; do start_agent "ui-$i"; done

# Without the token the console says no, as JSON.
code=$(curl -s -o "$E2E_TMP/refused.json" -w '%{http_code}' "${console}api/state")
[ "$code" = 401 ] || fail "GET /api/state without the token answered $code, want 401"
grep -q '"error":"unauthorized"' "$E2E_TMP/refused.json" || fail "401 body: $(cat "$E2E_TMP/refused.json")"

set +e
CONSOLE_URL=$console CONSOLE_TOKEN=$(cat "$E2E_TMP/ui-token") ARTIFACT_DIR=$artifacts \
  CHROMIUM_BIN=$chromium_bin NODE_PATH=$node_dir/node_modules \
  timeout 280 node "$here/ui/console_check.cjs" 2>&1 | tee "$E2E_TMP/browser.log"
code=${PIPESTATUS[0]}
set -e
if [ "$code" -ne 0 ]; then
  echo "-- coordinator log" >&2
  tail -n 20 "$E2E_TMP/coordinator.log" >&2
  fail "the browser check exited $code (screenshots in $artifacts)"
fi
for shot in console-buggy.png console-safe.png console-aborted.png; do
  [ -s "$artifacts/$shot" ] || fail "no screenshot $artifacts/$shot"
done
# The page's figures were checked against these reports; check them once more from here.
report_check "$artifacts/report-buggy.json" 'ep["buggy"]["integrity"] == "violated"' 'ep["buggy"]["oversold"] > 0'
report_check "$artifacts/report-safe.json" 'ep["safe"]["integrity"] == "ok"' 'ep["safe"]["oversold"] == 0'

# Off loopback the console wants a token, like the control plane wants keys: exit 2, one line.
expect_exit 2 'without --ui-token-file' "$E2E_CLI" coordinator --ui-bind 0.0.0.0:0 \
  --agents-bind 'tcp://127.0.0.1:*' --control-bind 'tcp://127.0.0.1:*' --metrics-bind ''
[ "$(wc -l <"$E2E_TMP/out")" -eq 1 ] || fail "more than one line: $(cat "$E2E_TMP/out")"

# With CURVE keys, the console is admitted with the coordinator's own key and sees the agent
# that joins with its own.
stampede_stop_all
source "$here/security_lib.sh"
make_keys coordinator agent
echo "${PUB[agent]} agent" >"$E2E_TMP/authorized_keys"
start_coordinator --curve-secret-file "$E2E_TMP/coordinator.key" --authorized-keys "$E2E_TMP/authorized_keys" \
  --ui-bind 127.0.0.1:0
log=$(ls -t "$E2E_TMP"/coordinator*.log | head -n 1)  # a second start may log elsewhere
console=$(grep -m1 '^stampede coordinator web console: ' "$log" | awk '{print $5}')
start_agent curve-1 --curve-secret-file "$E2E_TMP/agent.key" --coordinator-public-key "${PUB[coordinator]}"
deadline=$((SECONDS + 30))
until state=$(curl -sf "${console}api/state") && grep -q '"answering":true' <<<"$state" &&
  grep -q '"agents_live":1' <<<"$state"; do
  [ $SECONDS -lt $deadline ] || fail "the console under CURVE never saw its coordinator and agent: ${state:-}"
  sleep 0.2
done
echo "PASS web console (screenshots in $artifacts)"
