# Buyers from a data file: 40 buyers in a CSV, three virtual users acting for each at once
# (--data-mode cycle), a limit of one unit a buyer on the target and in the oracle. Safe sells
# its stock to distinct buyers and holds; buggy lets buyers past the limit and is caught. The
# per-user token reaches the target in a header, from the data's column.
source "$(dirname "$0")/lib.sh"
start_target --race-window-ms 5 --per-user-limit 1
start_coordinator
for i in 1 2; do start_agent "data-$i"; done

python3 -c "
print('user_id,token')
for i in range(40): print(f'buyer-{i},tok-{i:03d}')" >"$E2E_TMP/users.csv"

set +e
"$E2E_CLI" run --coordinator "$CONTROL_EP" --target "http://$TARGET" --admin-url "http://$ADMIN" \
  --admin-token-file "$E2E_TMP/token" --endpoint buggy,safe --stock 30 --users 120 \
  --requests 600 --expect-agents 2 --agents-wait 30 --expect-violated buggy \
  --data "$E2E_TMP/users.csv" --data-mode cycle --per-user-limit 1 \
  --header 'X-Buyer-Token: ${token}' --body '{"product_id":1,"user_id":"${user_id}","quantity":1}' \
  --report "$E2E_TMP/report.json" >"$E2E_TMP/run.out" 2>"$E2E_TMP/run.err"
code=$?
set -e
cat "$E2E_TMP/run.out"
[ $code -eq 0 ] || { cat "$E2E_TMP/run.err" "$E2E_TMP/coordinator.log" >&2; fail "run exited $code"; }

report_check "$E2E_TMP/report.json" \
  'ep["safe"]["integrity"] == "ok"' \
  'ep["safe"]["acknowledged"] == 30 and ep["safe"]["ledger_orders"] == 30' \
  'ep["safe"]["over_limit_users"] == 0 and ep["safe"]["over_limit_orders"] == 0' \
  'ep["buggy"]["integrity"] == "violated"' \
  'ep["buggy"]["over_limit_users"] > 0 or ep["buggy"]["oversold"] > 0'

# Every order belongs to a buyer of the file, and safe's 30 to 30 different ones.
curl -fsS "http://$TARGET/api/v1/products/1/orders" >"$E2E_TMP/ledger.ndjson"
python3 - "$E2E_TMP/ledger.ndjson" <<'PY' || fail "ledger users"
import json, sys
users = [json.loads(l)["user_id"] for l in open(sys.argv[1]) if l.strip()]
assert len(users) == 30, users
assert len(set(users)) == 30, "a buyer bought twice"
assert all(u.startswith("buyer-") and 0 <= int(u[6:]) < 40 for u in users), users
PY

# Unique mode with fewer rows than users is a usage error (exit 2), before any load.
set +e
"$E2E_CLI" run --coordinator "$CONTROL_EP" --target "http://$TARGET" --endpoint safe \
  --stock-url "http://$TARGET/api/v1/products/1" --users 41 --requests 41 \
  --data "$E2E_TMP/users.csv" >"$E2E_TMP/unique.out" 2>"$E2E_TMP/unique.err"
code=$?
set -e
[ $code -eq 2 ] || fail "unique mode with 41 users over 40 rows exited $code"
grep -q "give a row per user or --data-mode cycle" "$E2E_TMP/unique.err" || fail "unique message"
echo "PASS per-user data"
