# The bundled lab over HTTPS, with a CA and certificates made here by the openssl command: buggy
# caught and safe selling exactly its stock with TLS sessions reused, fresh, and a connection per
# attempt; an unknown CA, a name mismatch and an expired certificate each refused with its
# reason (exit 3) before any load; --insecure runs and says so in the report.
source "$(dirname "$0")/lib.sh"

pki=$E2E_TMP/pki
mkdir -p "$pki"
(cd "$pki" &&
  ec=(-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes) &&
  openssl req -x509 "${ec[@]}" -days 2 -subj /CN=e2e-ca -keyout ca.key -out ca.pem &&
  openssl req -x509 "${ec[@]}" -days 2 -subj /CN=other-ca -keyout other.key -out other.pem &&
  for spec in good:2:DNS:localhost,IP:127.0.0.1 wrong:2:DNS:elsewhere.test expired:-1:IP:127.0.0.1; do
    name=${spec%%:*} rest=${spec#*:}
    days=${rest%%:*} san=${rest#*:}
    openssl req "${ec[@]}" -subj "/CN=$name" -keyout "$name.key" -out "$name.csr" &&
      printf 'subjectAltName=%s\n' "$san" >"$name.ext" &&
      openssl x509 -req -in "$name.csr" -CA ca.pem -CAkey ca.key -CAcreateserial -days "$days" \
        -extfile "$name.ext" -out "$name.pem" || exit 1
  done) >"$E2E_TMP/openssl.log" 2>&1 || fail "openssl: $(tail -n 3 "$E2E_TMP/openssl.log")"

lab_run() { # lab_run TARGET_HOSTPORT ADMIN_HOSTPORT EXIT PATTERN REPORT [FLAGS]
  local target=$1 admin=$2 want=$3 pattern=$4 report=$5
  shift 5
  expect_exit "$want" "$pattern" "$E2E_CLI" run --embedded 2 --target "https://$target" \
    --admin-url "http://$admin" --admin-token-file "$E2E_TMP/token" --stock 100 --users 50 \
    --requests 400 --report "$report" "$@"
}

start_target --tls-cert "$pki/good.pem" --tls-key "$pki/good.key"
GOOD=$TARGET GOOD_ADMIN=$ADMIN
for mode in reuse fresh per-attempt per-attempt-fresh; do
  case $mode in
    reuse) flags=(--tls-sessions reuse) ;;
    fresh) flags=(--tls-sessions fresh) ;;
    per-attempt) flags=(--connection-per-attempt) ;;
    per-attempt-fresh) flags=(--connection-per-attempt --tls-sessions fresh) ;;
  esac
  lab_run "$GOOD" "$GOOD_ADMIN" 0 "safe" "$E2E_TMP/$mode.json" --endpoint buggy,safe \
    --expect-violated buggy --ca-file "$pki/ca.pem" "${flags[@]}"
  report_check "$E2E_TMP/$mode.json" \
    "ep['buggy']['integrity'] == 'violated'" \
    "ep['safe']['integrity'] == 'ok' and ep['safe']['acknowledged'] == 100" \
    "ep['safe']['connections']['tls_handshakes'] >= 2" \
    "ep['safe']['tls_verified'] is True"
  case $mode in
    per-attempt) report_check "$E2E_TMP/$mode.json" \
      "ep['safe']['connections']['tls_handshakes'] >= 400" \
      "ep['safe']['connections']['tls_resumed'] > 0" ;;
    per-attempt-fresh) report_check "$E2E_TMP/$mode.json" \
      "ep['safe']['connections']['tls_handshakes'] >= 400" \
      "ep['safe']['connections']['tls_resumed'] == 0" ;;
  esac
  echo "$mode: $(python3 -c "import json,sys; c=json.load(open(sys.argv[1]))['endpoints'][1]['connections']; print(c)" "$E2E_TMP/$mode.json")"
done

# An unknown CA: refused before any load, the stock untouched.
lab_run "$GOOD" "$GOOD_ADMIN" 3 "certificate verify failed: unable to get local issuer" \
  "$E2E_TMP/bad-ca.json" --endpoint safe --ca-file "$pki/other.pem"
start_target --tls-cert "$pki/wrong.pem" --tls-key "$pki/wrong.key"
lab_run "$TARGET" "$ADMIN" 3 "certificate verify failed: Hostname mismatch|IP address mismatch" \
  "$E2E_TMP/mismatch.json" --endpoint safe --ca-file "$pki/ca.pem"
# --insecure verifies nothing, runs, and the report says so.
lab_run "$TARGET" "$ADMIN" 0 "safe" "$E2E_TMP/insecure.json" --endpoint safe --insecure
report_check "$E2E_TMP/insecure.json" "ep['safe']['tls_verified'] is False" \
  "ep['safe']['acknowledged'] == 100"
start_target --tls-cert "$pki/expired.pem" --tls-key "$pki/expired.key"
lab_run "$TARGET" "$ADMIN" 3 "certificate verify failed: certificate has expired" \
  "$E2E_TMP/expired.json" --endpoint safe --ca-file "$pki/ca.pem"
echo "PASS the lab over https: sessions reused, fresh, per attempt; bad certificates refused"
