# Under attack, over HTTP: a 70 KB chunked trailer sent to the target's public and admin ports
# and to the coordinator's web console, a flood of chunk extensions, and a smuggled request
# behind Transfer-Encoding gzip. Every process lives, memory stays bounded, and a well-behaved
# buyer is answered throughout.
source "$(dirname "$0")/lib.sh"
client="python3 $(dirname "$0")/hostile_client.py"

start_target --stock 1000
start_coordinator --ui-bind 127.0.0.1:0
console=$(grep -m1 '^stampede coordinator web console: ' "$E2E_TMP/coordinator.log" | awk '{print $5}')
console_port=${console##*:}
console_port=${console_port%/}
target_port=${TARGET##*:}
admin_port=${ADMIN##*:}
target_pid=${STAMPEDE_PIDS[0]}

buyer() { # a checkout that must still be served
  curl -sf -m 5 -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
    -H "Idempotency-Key: buyer-$1" -d '{"product_id":1,"user_id":"u-1","quantity":1}' \
    "http://$TARGET/api/v1/checkout/safe"
}
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }

for where in "$target_port /api/v1/checkout/safe" "$admin_port /admin/reset" "$console_port /api/abort"; do
  set -- $where
  status=$($client trailer "$1" "$2")
  case "$status" in HTTP/1.1\ 431*) ;; *) fail "a 70 KB trailer to port $1 got '$status', not 431" ;; esac
done
kill -0 "$target_pid" || fail "the target died on a 70 KB trailer"
kill -0 "$COORDINATOR_PID" || fail "the coordinator died on a 70 KB trailer to its console"
[ "$(buyer 1)" = 201 ] || fail "a buyer was not served after the trailers"
curl -sf -m 5 -o /dev/null "$console" || fail "the console stopped answering"

# Ten connections each sending 20 MiB of chunk extension: each is cut off at the line limit.
before=$(rss_kb "$target_pid")
$client extensions "$target_port" 10 20 >"$E2E_TMP/ext.out" &
flood=$!
[ "$(buyer 2)" = 201 ] || fail "a buyer was not served during the extension flood"
wait $flood
answered=$(cat "$E2E_TMP/ext.out")
[ "$answered" -ge 1 ] || fail "no connection of the flood got its 431"
after=$(rss_kb "$target_pid")
[ $((after - before)) -lt 65536 ] ||
  fail "the target grew from ${before} kB to ${after} kB under 200 MiB of chunk extensions"

for port in "$target_port" "$console_port"; do
  n=$($client smuggle "$port")
  [ "$n" = 1 ] || fail "Transfer-Encoding gzip on port $port: $n answers (a smuggled request was served)"
done
[ "$(buyer 3)" = 201 ] || fail "a buyer was not served after the smuggling attempts"
kill -0 "$target_pid" && kill -0 "$COORDINATOR_PID" || fail "a process died"
echo "PASS hostile HTTP: trailers 431, extension flood bounded (${before} -> ${after} kB), smuggling refused"
