# Shared set-up for the bench/*.sh scripts (sourced, not run): tools, a release build, a temporary work
# folder and Postgres schema that are removed on exit, a fresh pgbench database, and start_souk.
# The sourcing script sets NAME (used for the schema) and may set TOOLS before sourcing.
cd "$(dirname "${BASH_SOURCE[0]}")/.."
DURATION=${DURATION:-15}
PG_URL=${BENCH_PG_URL:-postgres://postgres@127.0.0.1:5432/test}
PG_HOST=127.0.0.1
for tool in wrk pgbench ${TOOLS:-}; do
  command -v "$tool" >/dev/null || { echo "$tool missing (apt-get install -y wrk postgresql-contrib jq curl bc)" >&2; exit 1; }
done

# SOUK_BIN=path measures a binary built earlier (bench/all.sh builds once; a before/after comparison
# passes the old binary).
if [ -z "${SOUK_BIN:-}" ]; then
  cargo build --release -q -p souk
fi
BIN=${SOUK_BIN:-target/release/souk}
WORK=$(mktemp -d)
SCHEMA=bench_${NAME}_$$
cleanup() {
  [[ -n "${SERVER_PID:-}" ]] && kill "$SERVER_PID" 2>/dev/null || true
  psql -q -h $PG_HOST -U postgres -d test -c "DROP SCHEMA IF EXISTS $SCHEMA CASCADE" >/dev/null 2>&1 || true
  psql -q -h $PG_HOST -U postgres -c "DROP DATABASE IF EXISTS souk_pgbench" >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

echo "== machine: $(nproc) cores, $(free -g | awk '/Mem/{print $2}') GiB, $(date -u +%F)"
psql -q -h $PG_HOST -U postgres -c "DROP DATABASE IF EXISTS souk_pgbench" >/dev/null
psql -q -h $PG_HOST -U postgres -c "CREATE DATABASE souk_pgbench" >/dev/null
pgbench -q -i -s 10 -h $PG_HOST -U postgres souk_pgbench >/dev/null 2>&1

# pgbench_tps ARGS…: transactions per second of one pgbench run of DURATION seconds on the same server.
pgbench_tps() {
  pgbench "$@" -c 8 -j 2 -T "$DURATION" -h $PG_HOST -U postgres souk_pgbench 2>/dev/null \
    | awk '/^tps/ {print int($3)}' | head -1
}

# start_souk NAME [ENV=VALUE…]: loads the demo into $WORK/NAME, serves it on a random port, and sets
# SERVER_PID and BASE.
start_souk() {
  local name=$1
  shift
  local port=$((20000 + RANDOM % 20000))
  # Demo data is loaded by a separate process so the server's memory reflects serving, not image work.
  env "$@" "$BIN" demo --data-dir "$WORK/$name" > "$WORK/$name-demo.log" 2>&1
  env "$@" "$BIN" serve --listen 127.0.0.1:$port --data-dir "$WORK/$name" > "$WORK/$name.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 1 600); do
    grep -q "Souk is running" "$WORK/$name.log" 2>/dev/null && break
    sleep 0.2
  done
  grep -q "Souk is running" "$WORK/$name.log" || { cat "$WORK/$name.log" >&2; exit 1; }
  BASE=http://127.0.0.1:$port
}

# sign_up_accounts BASE PREFIX N FILE: signs up PREFIX1…PREFIXN (personal accounts) and writes one API
# token per line to FILE. The server needs its sign-up and log-in rate limits raised.
sign_up_accounts() {
  local base=$1 prefix=$2 n=$3 file=$4 i
  : > "$file"
  for i in $(seq 1 "$n"); do
    curl -sf -X POST "$base/api/v1/accounts" -H 'content-type: application/json' \
      -d "{\"username\":\"$prefix$i\",\"email\":\"$prefix$i@bench.test\",\"password\":\"bench-password\",\"kind\":\"personal\"}" >/dev/null
    curl -sf -X POST "$base/api/v1/sessions" -H 'content-type: application/json' \
      -d "{\"login\":\"$prefix$i\",\"password\":\"bench-password\"}" | jq -r .token >> "$file"
  done
}

stop_souk() {
  kill "$SERVER_PID"
  wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=
}
