# Real checkouts without order ids or a ledger: a Python flash-sale API (flash_api.py, no code
# shared with the target) whose sale answers carry only the stock left and whose sold out is a
# 400 beside other 400s. The racy route is caught by the buyers' own evidence; the locked one is
# judged clean with exactly its stock sold. Then a plain load test with no stock source at all.
source "$(dirname "$0")/lib.sh"

# A CA and the API's certificate, made here: the coordinator reads the stock over https.
(cd "$E2E_TMP" &&
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=e2e-ca \
    -keyout ca.key -out ca.pem &&
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=other-ca \
    -keyout other.key -out other.pem &&
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=localhost \
    -keyout api.key -out api.csr &&
  printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' >api.ext &&
  openssl x509 -req -in api.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 -extfile api.ext \
    -out api.pem) >"$E2E_TMP/openssl.log" 2>&1 || fail "openssl: $(tail -n 2 "$E2E_TMP/openssl.log")"
python3 "$(dirname "$0")/flash_api.py" "$E2E_TMP/api.pem" "$E2E_TMP/api.key" >"$E2E_TMP/api.log" 2>&1 &
STAMPEDE_PIDS+=($!)
line=$(stampede_wait_line "$E2E_TMP/api.log" '^flash_api listening on' 30 $!)
API=http://127.0.0.1:$(awk '{print $4}' <<<"$line")
API_TLS=https://127.0.0.1:$(awk '{print $6}' <<<"$line")

run_route() { # run_route ROUTE EXIT [FLAGS]: a sale of 50 on ROUTE, judged from the answers alone
  local route=$1 want=$2
  shift 2
  curl -fsS -X POST "$API/$route/reset?stock=50" >/dev/null
  expect_exit "$want" "$route" "$E2E_CLI" run --embedded 2 --target "$API" --method POST --path "/$route/buy" \
    --header 'Content-Type: application/json' --body '{"user": "${user_id}", "qty": 1}' \
    --order-id-field none --remaining-field remaining_stock --sold-out-status 400 \
    --sold-out-match 'Sold out' --stock-url "$API_TLS/$route/stock" --ca-file "$E2E_TMP/ca.pem" \
    --endpoint "$route" --users 24 --requests 400 --report "$E2E_TMP/$route.json" \
    --html "$E2E_TMP/$route.html" "$@"
}

run_route racy 1
report_check "$E2E_TMP/racy.json" \
  "ep['racy']['integrity'] == 'violated'" \
  "ep['racy']['remaining_duplicates'] > 0" \
  "ep['racy']['oversold'] > 0" \
  "ep['racy']['unseen_sales'] > 0" \
  "ep['racy']['acknowledged'] > 50" \
  "ep['racy']['errors'] > 0" \
  "'duplicate_order_ids' in ep['racy']['checks_skipped']" \
  "len(ep['racy']['remaining_evidence'][0]['keys']) >= 2"
grep -q "was reported by" "$E2E_TMP/racy.html" || fail "the HTML report shows no clashing sales"

run_route locked 0
report_check "$E2E_TMP/locked.json" \
  "ep['locked']['integrity'] == 'ok'" \
  "ep['locked']['acknowledged'] == 50" \
  "ep['locked']['final_stock'] == 0" \
  "all(ep['locked'][k] == 0 for k in ('oversold', 'remaining_duplicates', 'remaining_out_of_range', 'remaining_out_of_order', 'false_sold_out', 'unseen_sales'))" \
  "ep['locked']['sold_out'] > 0 and ep['locked']['errors'] > 0" \
  "ep['locked']['sold_out'] + ep['locked']['errors'] + ep['locked']['acknowledged'] == ep['locked']['attempts']"

# The stock URL's certificate from a CA the run does not trust: refused, exit 3, before any load.
curl -fsS -X POST "$API/locked/reset?stock=50" >/dev/null
expect_exit 3 "certificate verify failed" "$E2E_CLI" run --embedded 1 --target "$API" --method POST \
  --path /locked/buy --order-id-field none --stock-url "$API_TLS/locked/stock" \
  --ca-file "$E2E_TMP/other.pem" --users 2 --requests 10
[ "$(curl -fsS "$API/locked/stock")" = '{"stock": 50}' ] || fail "load was sent before the refusal"
# The same with --insecure: no verification, and the sale goes ahead.
expect_exit 0 "locked" "$E2E_CLI" run --embedded 1 --target "$API" --method POST --path /locked/buy \
  --header 'Content-Type: application/json' --body '{"user": "${user_id}", "qty": 1}' \
  --order-id-field none --sold-out-status 400 --sold-out-match 'Sold out' \
  --stock-url "$API_TLS/locked/stock" --insecure --endpoint locked --users 2 --requests 10

# No stock source, no ledger: a plain load test that says it checked nothing.
expect_exit 0 "unchecked" "$E2E_CLI" run --embedded 1 --target "$API" --method GET --path /locked/stock \
  --users 4 --duration 1s --report "$E2E_TMP/plain.json"
report_check "$E2E_TMP/plain.json" \
  "ep['checkout']['integrity'] == 'unchecked'" \
  "ep['checkout']['initial_stock'] is None" \
  "'oversold' in ep['checkout']['checks_skipped']" \
  "ep['checkout']['acknowledged'] == ep['checkout']['attempts'] > 0"
echo "PASS the buyers' evidence: racy caught without ids or a ledger, locked clean, plain load unchecked"
