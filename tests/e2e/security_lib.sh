# Shared by the control-plane security tests (sourced after lib.sh): key pairs made with
# `stampede keygen`.

# make_keys NAME...: `stampede keygen` for each, into $E2E_TMP/NAME.{key,pub}; sets PUB[NAME].
declare -A PUB
make_keys() {
  local name
  for name in "$@"; do
    "$E2E_CLI" keygen --out "$E2E_TMP/$name" >/dev/null || fail "keygen $name"
    PUB[$name]=$(grep -v '^#' "$E2E_TMP/$name.pub")
  done
}
