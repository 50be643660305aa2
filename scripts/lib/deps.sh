# Installs the Debian packages Stampede needs, only those missing: one apt-get update, one install.
# Sourced by scripts/demo and scripts/test; STAMPEDE_SKIP_DEPS=1 skips it (for packagers).

STAMPEDE_BUILD_PACKAGES=(
  g++ cmake ninja-build pkg-config
  libzmq3-dev cppzmq-dev
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libprotobuf-dev protobuf-compiler
  prometheus-cpp-dev libcli11-dev libyaml-cpp-dev
  libhiredis-dev libpq-dev libssl-dev
)
STAMPEDE_TEST_PACKAGES=(catch2 python3 curl openssl redis-server postgresql
  prometheus prometheus-pushgateway docker-compose iproute2 python3-yaml
  nginx-light wrk nghttp2-client python3-locust
  clang libclang-rt-14-dev chromium)
# The web console's browser test (tests/e2e/ui_console_test.sh) drives that chromium from Node
# with playwright-core from npm. Debian's nodejs and npm serve where there is no Node yet; a Node
# already installed (NodeSource's carries its own npm) is kept.
command -v npm >/dev/null 2>&1 || STAMPEDE_TEST_PACKAGES+=(nodejs npm)

# deploy/test/run: podman with runc (crun fails on hybrid cgroups), netavark and aardvark-dns for
# the compose network's names, debootstrap for the base image, docker-compose over podman's socket.
STAMPEDE_CONTAINER_PACKAGES=(podman runc conmon netavark aardvark-dns containernetworking-plugins
  slirp4netns fuse-overlayfs catatonit uidmap debootstrap docker-compose python3-yaml curl
  iputils-arping)

stampede_install_packages() {
  [ "${STAMPEDE_SKIP_DEPS:-0}" = 1 ] && return 0
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  local sudo=()
  if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null || { echo "stampede: need root (or sudo) to install: ${missing[*]}" >&2; return 1; }
    sudo=(sudo)
  fi
  echo "stampede: installing ${missing[*]}" >&2
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2 &&
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
}
