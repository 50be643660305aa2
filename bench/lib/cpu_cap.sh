# Holds a load tool to a fraction of one core with a CPU cgroup, so that the tool, not the server
# it loads, bounds the figure. Sourced by bench/run; bench_run_bounded (peers.sh) starts its tool
# inside the cgroup that BENCH_CPU_CAP_DIR names. cgroup v2 (cpu.max) or v1 (the cpu
# controller's CFS quota), whichever this machine mounts writable.

# "${BENCH_CPU_CAP_JOIN[@]}" DIR CMD...: a shell that joins cgroup DIR, then becomes CMD, so every
# thread CMD starts is in the group; it keeps the shell's pid, for timeout and for stopping it.
# shellcheck disable=SC2016 # $$, $0 and $@ are the inner shell's
BENCH_CPU_CAP_JOIN=(sh -c 'echo $$ >"$0/cgroup.procs" && exec "$@"')

# bench_cpu_cap_create QUOTA_US PERIOD_US: makes a capped cgroup for this run and prints its
# folder; QUOTA_US of CPU time per PERIOD_US, across all the tool's threads. On failure prints
# why on stderr and returns 1 (no cgroup file system, not root, no cpu controller).
bench_cpu_cap_create() {
  local quota=$1 period=$2 name=stampede-bench-$$ dir
  if [ -f /sys/fs/cgroup/cgroup.controllers ]; then
    grep -qw cpu /sys/fs/cgroup/cgroup.controllers ||
      { echo "cgroup v2 offers no cpu controller here" >&2; return 1; }
    grep -qw cpu /sys/fs/cgroup/cgroup.subtree_control ||
      echo +cpu 2>/dev/null >/sys/fs/cgroup/cgroup.subtree_control ||
      { echo "cannot enable cgroup v2's cpu controller for child groups" >&2; return 1; }
    dir=/sys/fs/cgroup/$name
    mkdir "$dir" 2>/dev/null || { echo "cannot create $dir" >&2; return 1; }
    echo "$quota $period" 2>/dev/null >"$dir/cpu.max" ||
      { rmdir "$dir"; echo "cannot write $dir/cpu.max" >&2; return 1; }
  elif [ -f /sys/fs/cgroup/cpu/cpu.cfs_quota_us ]; then
    dir=/sys/fs/cgroup/cpu/$name
    mkdir "$dir" 2>/dev/null || { echo "cannot create $dir" >&2; return 1; }
    { echo "$period" >"$dir/cpu.cfs_period_us" && echo "$quota" >"$dir/cpu.cfs_quota_us"; } 2>/dev/null ||
      { rmdir "$dir"; echo "cannot set the CFS quota in $dir" >&2; return 1; }
  else
    echo "no cgroup cpu controller mounted under /sys/fs/cgroup" >&2
    return 1
  fi
  echo "$dir"
}

# bench_cpu_cap_remove DIR: removes the cgroup once the processes in it have exited (a group
# with members cannot be removed); gives up after 5 s and says so.
bench_cpu_cap_remove() {
  local dir=$1
  [ -d "$dir" ] || return 0
  for _ in $(seq 50); do
    rmdir "$dir" 2>/dev/null && return 0
    sleep 0.1
  done
  echo "bench: could not remove cgroup $dir (processes still in it: $(tr '\n' ' ' <"$dir/cgroup.procs"))" >&2
}
