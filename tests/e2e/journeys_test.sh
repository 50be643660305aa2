# Reserve-then-confirm journeys from a scenario file, on the lab store named by $1 (memory, the
# default; redis for redis-lua; postgres for postgres-conditional): 150 buyers from a CSV with
# their tokens, four virtual users for each, a limit of one unit a buyer and 2 s holds. Safe
# sells exactly its stock to distinct buyers, confirms no hold after expiry and keeps the
# stock's account; buggy's racy limit and stock are caught, and so is its expiry race: its
# buyers confirm 1.8 s after reserving, buggy reads the hold still open, waits its 300 ms race
# window and confirms a hold that expired meanwhile. The report shows each step's answers and
# the holds.
source "$(dirname "$0")/lib.sh"
store_flags=()
case "${1:-memory}" in
  memory) ;;
  redis)
    redis_port=$(stampede_free_port)
    start_redis "$E2E_TMP/redis" "$redis_port"
    store_flags=(--store "redis://127.0.0.1:$redis_port" --strategy redis-lua)
    ;;
  postgres)
    start_postgres
    store_flags=(--store "$PG_URL" --strategy postgres-conditional)
    ;;
  *) fail "unknown store '$1': want memory, redis or postgres" ;;
esac
start_target "${store_flags[@]}" --per-user-limit 1 --hold-ttl 2s --race-window-ms 300
python3 -c "
print('user_id,token')
for i in range(150): print(f'buyer-{i},tok-{i:04d}')" >"$E2E_TMP/users.csv"
cat >"$E2E_TMP/journeys.yaml" <<Y
name: journeys
target: http://$TARGET
admin_url: http://$ADMIN
admin_token_file: $E2E_TMP/token
data: $E2E_TMP/users.csv
data_mode: cycle
per_user_limit: 1
flow:
  - &reserve
    name: reserve
    method: POST
    path: /api/v1/reservations/\${endpoint}
    headers: {Authorization: "Bearer \${token}", Content-Type: application/json}
    body: '{"product_id": 1, "user_id": "\${user_id}", "quantity": 1}'
    capture: {hold: reservation_id}
    takes_stock: true
  - name: confirm
    method: POST
    path: /api/v1/reservations/\${endpoint}/\${hold}/confirm
    purchase: true
phases:
  - endpoint: buggy
    stock: 100
    users: 600
    requests: 3000
    expect: violated
    flow:
      - *reserve
      - name: confirm
        method: POST
        path: /api/v1/reservations/buggy/\${hold}/confirm
        think: 1800ms
        purchase: true
  - endpoint: safe
    stock: 100
    users: 600
    requests: 3000
Y
set +e
"$E2E_CLI" run "$E2E_TMP/journeys.yaml" --embedded 2 --report "$E2E_TMP/report.json" \
  --markdown "$E2E_TMP/summary.md" --html "$E2E_TMP/report.html" \
  >"$E2E_TMP/run.out" 2>"$E2E_TMP/run.err"
code=$?
set -e
cat "$E2E_TMP/run.out"
[ $code -eq 0 ] || { cat "$E2E_TMP/run.err" >&2; fail "journeys run exited $code"; }
grep -q "safe steps: reserve 3000 (" "$E2E_TMP/run.out" || fail "the table lacks safe's steps"
grep -q '^- confirm: 100 tries, 0 ended there; answers 201 ×100' "$E2E_TMP/summary.md" ||
  fail "the Markdown summary lacks safe's confirm step"
grep -q '<li>holds: 100 placed, 100 confirmed, 0 expired, 0 open at the end</li>' "$E2E_TMP/report.html" ||
  fail "the HTML report lacks safe's holds"

report_check "$E2E_TMP/report.json" \
  'ep["safe"]["integrity"] == "ok"' \
  'ep["safe"]["acknowledged"] == 100 and ep["safe"]["ledger_orders"] == 100' \
  'ep["safe"]["oversold"] == 0 and ep["safe"]["lost_updates"] == 0' \
  'ep["safe"]["over_limit_users"] == 0 and ep["safe"]["confirmed_after_expiry"] == 0' \
  'ep["safe"]["attempts"] == 3000' \
  '[s["name"] for s in ep["safe"]["steps"]] == ["reserve", "confirm"]' \
  'ep["safe"]["steps"][0]["attempts"] == 3000' \
  'ep["safe"]["steps"][0]["status_codes"].get("201") == 100' \
  'ep["safe"]["steps"][1]["attempts"] == 100 and ep["safe"]["steps"][1]["status_codes"] == {"201": 100}' \
  'ep["safe"]["holds"]["placed"] == 100 and ep["safe"]["holds"]["confirmed"] == 100' \
  'ep["safe"]["holds"]["open_at_end"] == 0 and ep["safe"]["journeys_abandoned"] == 0' \
  'ep["buggy"]["integrity"] == "violated"' \
  'ep["buggy"]["over_limit_users"] > 0 or ep["buggy"]["oversold"] > 0 or ep["buggy"]["lost_updates"] != 0' \
  'ep["buggy"]["confirmed_after_expiry"] > 0' \
  'ep["buggy"]["over_stock_samples"] > 0 and ep["safe"].get("over_stock_samples", 0) == 0'
python3 - "$E2E_TMP/report.json" <<'PY'
import json, sys
ep = {e["endpoint"]: e for e in json.load(open(sys.argv[1]))["endpoints"]}
for name in ("buggy", "safe"):
    e = ep[name]
    keys = ("acknowledged", "oversold", "over_limit_users", "confirmed_after_expiry",
            "over_stock_samples", "integrity")
    print(name, " ".join(f"{k}={e.get(k)}" for k in keys))
PY

# Safe's 100 orders went to 100 different buyers, each confirmed from its own hold in time.
curl -fsS "http://$TARGET/api/v1/products/1/orders" >"$E2E_TMP/ledger.ndjson"
python3 - "$E2E_TMP/ledger.ndjson" <<'PY' || fail "safe's ledger"
import json, sys
orders = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
assert len(orders) == 100, len(orders)
assert len({o["user_id"] for o in orders}) == 100, "a buyer bought twice"
assert all(o["reservation_id"] and o["confirmed_at_ms"] <= o["expires_at_ms"] for o in orders)
PY

# A flow that names a capture no earlier step makes is refused before any load (exit 2).
sed 's/\${hold}/${held}/' "$E2E_TMP/journeys.yaml" >"$E2E_TMP/typo.yaml"
set +e
"$E2E_CLI" run "$E2E_TMP/typo.yaml" --embedded 1 >"$E2E_TMP/typo.out" 2>"$E2E_TMP/typo.err"
code=$?
set -e
[ $code -eq 2 ] || fail "a flow with an unknown placeholder exited $code"
grep -q 'step confirm path: nothing fills ${held}' "$E2E_TMP/typo.err" || fail "typo message: $(cat "$E2E_TMP/typo.err")"
echo "PASS journeys on ${1:-memory}"
