#!/usr/bin/env bash
# Builds the libFuzzer targets with clang in build/fuzz and runs each for SECONDS (default 10).
# scripts/test runs this briefly; for a longer hunt: tests/fuzz/run.sh 600 (or one target:
# tests/fuzz/run.sh 3600 envelope). New inputs gather in build/fuzz/work/NAME; a crash leaves
# build/fuzz/crash-* and a non-zero exit. The checked-in seeds in tests/fuzz/corpus stay as they are.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
seconds=${1:-10}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(envelope checkout_request order_id_scan http_session http_client response_reader
  data_file ledger stock_body scenario)
out="$root/build/fuzz"
CXX=clang++ cmake -S "$root/tests/fuzz" -B "$out" -G Ninja >/dev/null
# Quiet when it builds; the compiler's words when it does not.
cmake --build "$out" -j "${STAMPEDE_FUZZ_JOBS:-1}" >"$out/build.log" 2>&1 || {
  tail -n 40 "$out/build.log" >&2
  echo "the fuzz targets did not build: see $out/build.log" >&2
  exit 1
}
for name in "${targets[@]}"; do
  mkdir -p "$out/work/$name"
  echo "== fuzz_$name for ${seconds}s" >&2
  # The first folder collects new inputs; the seeds folder is only read.
  "$out/fuzz_$name" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$out/" "$out/work/$name" "$root/tests/fuzz/corpus/$name" 2>"$out/fuzz_$name.log" || {
    tail -n 40 "$out/fuzz_$name.log" >&2
    echo "fuzz_$name found a crash: see $out/fuzz_$name.log and $out/crash-*" >&2
    exit 1
  }
  grep -E '^stat::number_of_executed_units' "$out/fuzz_$name.log" >&2 || true
done
