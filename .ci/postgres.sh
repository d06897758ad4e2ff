# Sourced by .ci/run: starts a throwaway PostgreSQL cluster for the tests
# that need one, and exports FEEDPUB_TEST_POSTGRES naming it. The cluster
# lives in a temporary folder, listens on loopback only, on a port of its
# own (FEEDPUB_CI_PGPORT, default 55432, or the next free one), and is
# stopped and deleted when the script that sourced this file exits.
# PostgreSQL refuses to run as root, so under root the server runs as the
# 'postgres' user, created when it is missing.

pg_bindir() {
  local initdb
  if initdb=$(command -v initdb); then
    dirname "$(readlink -f "$initdb")"
    return
  fi
  local d found=""
  for d in /usr/lib/postgresql/*/bin; do
    [ -x "$d/initdb" ] && found=$d
  done
  [ -n "$found" ] && echo "$found"
}

pg_as_owner() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

pg_stop() {
  if [ -n "${FEEDPUB_CI_PGDIR:-}" ] && [ -d "$FEEDPUB_CI_PGDIR" ]; then
    pg_as_owner "$PG_BINDIR/pg_ctl" -D "$FEEDPUB_CI_PGDIR/data" -m fast -w stop >/dev/null 2>&1 || true
    rm -rf "$FEEDPUB_CI_PGDIR"
  fi
}

pg_start() {
  PG_BINDIR=$(pg_bindir) || true
  if [ -z "$PG_BINDIR" ]; then
    echo "initdb not found: installing PostgreSQL"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    PG_BINDIR=$(pg_bindir)
  fi
  if [ "$(id -u)" = 0 ] && ! id postgres >/dev/null 2>&1; then
    useradd --system --user-group --no-create-home --shell /usr/sbin/nologin postgres
  fi
  FEEDPUB_CI_PGDIR=$(mktemp -d "${TMPDIR:-/tmp}/feedpub-ci-pg.XXXXXX")
  trap pg_stop EXIT
  [ "$(id -u)" = 0 ] && chown postgres "$FEEDPUB_CI_PGDIR"
  pg_as_owner "$PG_BINDIR/initdb" -D "$FEEDPUB_CI_PGDIR/data" -U postgres --auth=trust \
    -E UTF8 --no-locale >"$FEEDPUB_CI_PGDIR/initdb.log" 2>&1 ||
    { cat "$FEEDPUB_CI_PGDIR/initdb.log"; return 1; }
  local port=${FEEDPUB_CI_PGPORT:-55432} tries=0
  while (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do
    port=$((port + 1)) tries=$((tries + 1))
    [ "$tries" -lt 50 ] || { echo "no free port for PostgreSQL"; return 1; }
  done
  pg_as_owner "$PG_BINDIR/pg_ctl" -D "$FEEDPUB_CI_PGDIR/data" -l "$FEEDPUB_CI_PGDIR/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $FEEDPUB_CI_PGDIR -c fsync=off -c max_connections=300" \
    start >/dev/null || { cat "$FEEDPUB_CI_PGDIR/server.log"; return 1; }
  export FEEDPUB_TEST_POSTGRES="postgres://postgres@127.0.0.1:$port/postgres?sslmode=disable"
  echo "PostgreSQL $("$PG_BINDIR/postgres" --version | awk '{print $3}') for the tests on 127.0.0.1:$port"
}
