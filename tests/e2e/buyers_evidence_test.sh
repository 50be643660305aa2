# Real checkouts without order ids or a ledger: a Python flash-sale API (flash_api.py, no code
# shared with the target) whose sale answers carry only the stock left and whose sold out is a
# 400 beside other 400s. The racy route is caught by the buyers' own evidence; the locked one is
# judged clean with exactly its stock sold. Then a plain load test with no stock source at all.
source "$(dirname "$0")/lib.sh"

python3 "$(dirname "$0")/flash_api.py" >"$E2E_TMP/api.log" 2>&1 &
STAMPEDE_PIDS+=($!)
line=$(stampede_wait_line "$E2E_TMP/api.log" '^flash_api listening on' 30 $!)
API=http://127.0.0.1:$(awk '{print $4}' <<<"$line")

run_route() { # run_route ROUTE EXIT: a sale of 50 on ROUTE, judged from the answers alone
  curl -fsS -X POST "$API/$1/reset?stock=50" >/dev/null
  expect_exit "$2" "$1" "$E2E_CLI" run --embedded 2 --target "$API" --method POST --path "/$1/buy" \
    --header 'Content-Type: application/json' --body '{"user": "${user_id}", "qty": 1}' \
    --order-id-field none --remaining-field remaining_stock --sold-out-status 400 \
    --sold-out-match 'Sold out' --stock-url "$API/$1/stock" --endpoint "$1" \
    --users 24 --requests 400 --report "$E2E_TMP/$1.json" --html "$E2E_TMP/$1.html"
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

# No stock source, no ledger: a plain load test that says it checked nothing.
expect_exit 0 "unchecked" "$E2E_CLI" run --embedded 1 --target "$API" --method GET --path /locked/stock \
  --users 4 --duration 1s --report "$E2E_TMP/plain.json"
report_check "$E2E_TMP/plain.json" \
  "ep['checkout']['integrity'] == 'unchecked'" \
  "ep['checkout']['initial_stock'] is None" \
  "'oversold' in ep['checkout']['checks_skipped']" \
  "ep['checkout']['acknowledged'] == ep['checkout']['attempts'] > 0"
echo "PASS the buyers' evidence: racy caught without ids or a ledger, locked clean, plain load unchecked"
