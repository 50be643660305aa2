# A real Prometheus, configured from deploy/prometheus (its jobs and alert rules, scrape and
# evaluation every 1 s), scrapes a real coordinator and target through a real run of the lab.
# Then: promtool accepts the configuration and rules and their unit tests pass; every query of
# every panel and variable of every dashboard returns data and names only exported metrics;
# every series an alert reads exists; the integrity alert fires for buggy and stays quiet for
# safe; what Prometheus shows equals the run's JSON report; and when an agent dies the
# agents-missing expression turns true.
source "$(dirname "$0")/lib.sh"
need prometheus promtool curl python3

echo "== promtool"
promtool check config "$DEPLOY/prometheus/prometheus.yml"
promtool check rules "$DEPLOY/prometheus/alerts.yml"
(cd "$DEPLOY/prometheus" && promtool test rules alerts_test.yml)

echo "== lab and Prometheus"
# A high fault rate so that the error-rate alert's expression has something to say.
start_target --race-window-ms 2 --fault-rate 0.3
start_coordinator
for i in 1 2 3; do start_agent "prom-$i"; done
agent3_pid=${STAMPEDE_PIDS[-1]}

cp "$DEPLOY/prometheus/alerts.yml" "$E2E_TMP/alerts.yml"
"${PROMCHECK[@]}" config "$DEPLOY/prometheus/prometheus.yml" "$E2E_TMP/prometheus.yml" \
  "coordinator=$METRICS" "target=$TARGET"
promtool check config "$E2E_TMP/prometheus.yml" >/dev/null
start_prometheus "$E2E_TMP/prometheus.yml"
"${PROMCHECK[@]}" wait "$PROM" 'up{job="stampede-coordinator"} == 1' 30
"${PROMCHECK[@]}" wait "$PROM" 'up{job="stampede-target"} == 1' 30
"${PROMCHECK[@]}" wait "$PROM" 'stampede_agents_connected == 3' 30

set +e
"$E2E_CLI" run --coordinator "$CONTROL_EP" --target "http://$TARGET" --admin-url "http://$ADMIN" \
  --admin-token-file "$E2E_TMP/token" --endpoint buggy,unstable,safe --stock 50 --users 300 \
  --requests 900 --expect-agents 3 --agents-wait 30 --expect-violated buggy --quiet \
  --report "$E2E_TMP/report.json" >"$E2E_TMP/run.out" 2>"$E2E_TMP/run.err"
code=$?
set -e
[ $code -eq 0 ] || { cat "$E2E_TMP/run.out" "$E2E_TMP/run.err" >&2; fail "run exited $code"; }
report_check "$E2E_TMP/report.json" 'ep["buggy"]["integrity"] == "violated"' \
  'ep["safe"]["integrity"] == "ok"' 'ep["unstable"]["indeterminate"] > 90'

# Prometheus has the finished run once it has scraped every endpoint's verdict and all 2,700
# attempts; the target's ledger of the last phase shows as safe's 50 orders.
"${PROMCHECK[@]}" wait "$PROM" 'count(stampede_integrity_ok) == 3' 30
"${PROMCHECK[@]}" wait "$PROM" 'sum(stampede_requests_total) == 2700' 30
"${PROMCHECK[@]}" wait "$PROM" 'stampede_run_active == 0' 30
"${PROMCHECK[@]}" wait "$PROM" 'stampede_target_checkouts_total{endpoint="safe",result="ok"} == 50' 30

echo "== dashboards"
"${PROMCHECK[@]}" dashboards "$PROM" "$REPO"/dashboards/*.json

echo "== alert rules"
"${PROMCHECK[@]}" rules "$PROM" "$DEPLOY/prometheus/alerts.yml"
"${PROMCHECK[@]}" alert "$PROM" StampedeIntegrityViolated endpoint=buggy severity=critical 30
"${PROMCHECK[@]}" quiet "$PROM" StampedeIntegrityViolated endpoint=safe
"${PROMCHECK[@]}" quiet "$PROM" StampedeIntegrityViolated endpoint=unstable
echo "== Prometheus shows what the report says"
for e in buggy unstable safe; do
  for pair in oversold:stampede_oversold_items lost_updates:stampede_lost_updates \
    lost_acks:stampede_lost_acks phantoms:stampede_phantom_orders duplicates:stampede_duplicate_orders \
    acknowledged:'stampede_requests_total{outcome="ok"}' indeterminate:'stampede_requests_total{outcome="info"}'; do
    key=${pair%%:*} expr=${pair#*:}
    # Counters appear with their first count: an outcome that never happened has no series.
    [[ $expr == *'{'* ]] && expr="sum(${expr%\}},endpoint=\"$e\"}) or vector(0)" || expr="$expr{endpoint=\"$e\"}"
    want=$(python3 -c 'import json, sys
r = json.load(open(sys.argv[1])); print({x["endpoint"]: x for x in r["endpoints"]}[sys.argv[2]][sys.argv[3]])' \
      "$E2E_TMP/report.json" "$e" "$key")
    got=$("${PROMCHECK[@]}" value "$PROM" "$expr")
    [ "$got" = "$want" ] || fail "$expr is $got in Prometheus, $want in the report"
  done
done
[ "$("${PROMCHECK[@]}" value "$PROM" 'stampede_integrity_ok{endpoint="buggy"}')" = 0 ] || fail "buggy verdict"
[ "$("${PROMCHECK[@]}" value "$PROM" 'stampede_integrity_ok{endpoint="safe"}')" = 1 ] || fail "safe verdict"
[ "$("${PROMCHECK[@]}" value "$PROM" 'stampede_target_stock_items{product="1"}')" = 0 ] || fail "target stock"
[ "$("${PROMCHECK[@]}" value "$PROM" 'sum(stampede_target_faults_injected_total) > 0')" != "" ] || fail "faults"

echo "== a second run on unstable, and the error-rate rule"
# The coordinator creates a stampede_requests_total series when its first count arrives, so a
# phase that ends between two scrapes shows no rate on a fresh coordinator. The series exist
# now: a second run on unstable (30 % faults) gives the rule's rate something to see.
"$E2E_CLI" run --coordinator "$CONTROL_EP" --target "http://$TARGET" --admin-url "http://$ADMIN" \
  --admin-token-file "$E2E_TMP/token" --endpoint unstable --stock 50 --users 300 --requests 900 \
  --expect-agents 3 --agents-wait 30 --quiet --report "$E2E_TMP/report2.json" >"$E2E_TMP/run2.out" 2>&1 ||
  { cat "$E2E_TMP/run2.out" >&2; fail "second run"; }
"${PROMCHECK[@]}" wait "$PROM" 'sum(stampede_requests_total) == 3600' 30
# The rule's own expression (its `for: 1m` outlasts this test) flags unstable only.
error_expr=$(python3 -c 'import sys, yaml
for g in yaml.safe_load(open(sys.argv[1]))["groups"]:
    for r in g["rules"]:
        if r.get("alert") == "StampedeErrorRateHigh": print(r["expr"])' "$DEPLOY/prometheus/alerts.yml")
[ -n "$error_expr" ] || fail "no StampedeErrorRateHigh rule"
"${PROMCHECK[@]}" wait "$PROM" "$error_expr" 10
flagged=$(curl -fsS --get "$PROM/api/v1/query" --data-urlencode "query=$error_expr" |
  python3 -c 'import json, sys; print(",".join(sorted(s["metric"]["endpoint"] for s in json.load(sys.stdin)["data"]["result"])))')
[ "$flagged" = unstable ] || fail "error-rate rule flags '$flagged', want unstable"


echo "== an agent goes away"
kill -TERM "$agent3_pid"
agents_expr=$(python3 -c 'import sys, yaml
for g in yaml.safe_load(open(sys.argv[1]))["groups"]:
    for r in g["rules"]:
        if r.get("alert") == "StampedeAgentsMissing": print(r["expr"])' "$DEPLOY/prometheus/alerts.yml")
"${PROMCHECK[@]}" wait "$PROM" "$agents_expr" 30
[ "$("${PROMCHECK[@]}" value "$PROM" stampede_agents_connected)" = 2 ] || fail "agents_connected after one left"
echo "PASS prometheus and dashboards"
