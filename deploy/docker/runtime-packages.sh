#!/usr/bin/env bash
# Prints, one a line, the Debian packages that hold the shared libraries the given binaries
# load. The images' runtime stage installs exactly these, so a library added to
# scripts/lib/deps.sh reaches the images without anyone keeping a second list here.
#   deploy/docker/runtime-packages.sh build/release/target/stampede-target >runtime-packages
set -euo pipefail
[ $# -gt 0 ] || { echo "usage: runtime-packages.sh BINARY..." >&2; exit 2; }

# owner PATH: the package that installed PATH. Debian 12 merges /lib into /usr/lib, so dpkg may
# know a library under either spelling; try both, and the symlink's target.
owner() {
  local lib=$1 real candidate
  real=$(readlink -f "$lib")
  for candidate in "$lib" "$real" "/usr$lib" "/usr$real" "${lib#/usr}" "${real#/usr}"; do
    dpkg-query -S "$candidate" 2>/dev/null | awk -F': ' 'NR == 1 {sub(/:.*/, "", $1); print $1}' |
      grep . && return 0
  done
  echo "runtime-packages.sh: no package owns $lib" >&2
  return 1
}

libs=$(for bin in "$@"; do
  [ -x "$bin" ] || { echo "runtime-packages.sh: $bin is not an executable" >&2; exit 1; }
  # "libzmq.so.5 => /lib/x86_64-linux-gnu/libzmq.so.5 (0x...)": keep the resolved path;
  # a "not found" line means the build machine itself cannot run the binary.
  ldd "$bin" | awk -v bin="$bin" '
    /not found/ {print "runtime-packages.sh: " bin ": " $0 > "/dev/stderr"; bad = 1}
    $2 == "=>" && $3 ~ /^\// {print $3}
    END {exit bad}'
done | sort -u)
for lib in $libs; do owner "$lib"; done | sort -u
