# A plain load test of any URL: nginx (one worker, a fixed JSON body) on a port picked here,
# with no stock source and no ledger. The run goes ahead, exits 0, counts every 2xx as ok and
# says integrity "unchecked" with every check it skipped named.
source "$(dirname "$0")/lib.sh"

command -v nginx >/dev/null || fail "nginx is not installed (apt-get install nginx-light)"
port=$(stampede_free_port)
mkdir -p "$E2E_TMP/nginx/logs"
cat >"$E2E_TMP/nginx/nginx.conf" <<NGX
worker_processes 1;
daemon off;
pid $E2E_TMP/nginx/nginx.pid;
error_log $E2E_TMP/nginx/logs/error.log;
events { worker_connections 1024; }
http { access_log off;
  server { listen 127.0.0.1:$port;
    location / { default_type application/json; return 200 '{"order_id":"o-1"}'; } } }
NGX
nginx -c "$E2E_TMP/nginx/nginx.conf" -p "$E2E_TMP/nginx" >"$E2E_TMP/nginx.log" 2>&1 &
STAMPEDE_PIDS+=($!)
deadline=$((SECONDS + 10))
until curl -fsS "http://127.0.0.1:$port/x" >/dev/null 2>&1; do
  [ $SECONDS -lt $deadline ] || fail "nginx did not answer: $(cat "$E2E_TMP/nginx.log")"
  sleep 0.05
done

expect_exit 0 "unchecked" "$E2E_CLI" run --embedded 1 --target "http://127.0.0.1:$port" \
  --method GET --path /x --duration 2s --users 8 --report "$E2E_TMP/plain.json"
report_check "$E2E_TMP/plain.json" \
  "ep['checkout']['integrity'] == 'unchecked'" \
  "ep['checkout']['attempts'] > 0 and ep['checkout']['acknowledged'] == ep['checkout']['attempts']" \
  "len(ep['checkout']['checks_skipped']) == 17" \
  "ep['checkout']['initial_stock'] is None and ep['checkout']['final_stock'] is None"
grep -q "unchecked" "$E2E_TMP/out" || fail "the table does not say unchecked"
echo "PASS plain load: $(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['endpoints'][0]['attempts'])" "$E2E_TMP/plain.json") attempts against nginx, integrity unchecked, exit 0"
