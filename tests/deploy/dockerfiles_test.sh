# Each image's build steps are the ones scripts/ runs, replayed for real without a Docker engine
# (dockerfile_replay.py): the COPYs, scripts/lib/deps.sh, scripts/build release's configure,
# deploy/docker/runtime-packages.sh on real binaries. A Dockerfile that drifts from scripts/
# fails here. Also: runtime-packages.sh fails loudly on a file that is not a binary.
source "$(dirname "$0")/lib.sh"
need cmake ninja python3
python3 "$REPO/tests/deploy/dockerfile_replay.py" "$REPO" "$E2E_TMP/replay" "$E2E_CLI" "$E2E_AGENT_BIN" "$E2E_TARGET_BIN"
if "$DEPLOY/docker/runtime-packages.sh" "$REPO/README.md" >/dev/null 2>&1; then
  fail "runtime-packages.sh accepted a file that is not a binary"
fi
echo "PASS dockerfiles"
