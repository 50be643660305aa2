# A real PostgreSQL 15 for the tests and benchmarks that need one, started by them and stopped
# with the rest of STAMPEDE_PIDS. Needs scripts/lib/processes.sh sourced first.

# stampede_pg_bin: the folder of the newest installed PostgreSQL's programs.
stampede_pg_bin() {
  printf '%s\n' /usr/lib/postgresql/*/bin | sort -V | tail -n 1
}

# stampede_start_postgres DIR [BIN]: initdb and postgres in DIR (made here) on a loopback port
# chosen now, trust auth for user stampede, durability off (fsync, synchronous_commit,
# full_page_writes: nothing here measures the disk). As root the server runs as the postgres
# user, since PostgreSQL refuses root, and DIR's parent is made traversable for it. Sets PG_PORT,
# PG_URL and PG_PID; on failure says why on stderr and returns 1.
stampede_start_postgres() {
  local dir=$1 bin=${2:-$(stampede_pg_bin)} port pid as=()
  if [ ! -x "$bin/initdb" ] || [ ! -x "$bin/postgres" ]; then
    echo "PostgreSQL not found in ${bin:-/usr/lib/postgresql} (apt-get install postgresql)" >&2
    return 1
  fi
  mkdir -p "$dir"
  if [ "$(id -u)" = 0 ]; then
    id postgres >/dev/null 2>&1 || { echo "running as root but there is no postgres user" >&2; return 1; }
    chmod 711 "$(dirname "$dir")"
    chown postgres: "$dir"
    as=(setpriv --reuid=postgres --regid=postgres --init-groups)
  fi
  "${as[@]}" "$bin/initdb" -D "$dir/data" -U stampede --auth=trust -N -E UTF8 --locale=C \
    >"$dir/initdb.log" 2>&1 || { echo "initdb failed: $(tail -n 3 "$dir/initdb.log")" >&2; return 1; }
  for _ in 1 2 3; do
    port=$(stampede_free_port)
    # exec-style (setpriv does not fork), so the pid is the postmaster's own.
    "${as[@]}" "$bin/postgres" -D "$dir/data" -p "$port" -k "$dir" \
      -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off \
      -c full_page_writes=off -c max_connections=200 >>"$dir/postgres.log" 2>&1 &
    pid=$!
    STAMPEDE_PIDS+=("$pid")
    for _ in $(seq 300); do
      if "$bin/pg_isready" -q -h 127.0.0.1 -p "$port"; then
        # shellcheck disable=SC2034  # the caller's outputs
        PG_PORT=$port PG_PID=$pid
        # shellcheck disable=SC2034
        PG_URL=postgresql://stampede@127.0.0.1:$port/postgres
        return 0
      fi
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    stampede_stop "$pid"  # another process took the port, or it would not start: try again
  done
  echo "postgres did not start: $(tail -n 3 "$dir/postgres.log" 2>/dev/null)" >&2
  return 1
}
