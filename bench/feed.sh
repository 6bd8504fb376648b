#!/usr/bin/env bash
# Home feed throughput: a logged-in 20-post home feed (JSON API and HTML page) on SQLite and PostgreSQL,
# each printed beside `pgbench -S -M prepared` run against the same PostgreSQL in the same invocation.
# Usage: bash bench/feed.sh [seconds-per-run]   (needs wrk and pgbench; loads demo data into temp stores)
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${1:-15}
PG_URL=${BENCH_PG_URL:-postgres://postgres@127.0.0.1:5432/test}
PG_HOST=127.0.0.1
command -v wrk >/dev/null || { echo "wrk missing: apt-get install -y wrk" >&2; exit 1; }
command -v pgbench >/dev/null || { echo "pgbench missing: apt-get install -y postgresql-contrib" >&2; exit 1; }

cargo build --release -q -p souk
BIN=target/release/souk
WORK=$(mktemp -d)
SCHEMA=bench_feed_$$
cleanup() {
  [[ -n "${SERVER_PID:-}" ]] && kill "$SERVER_PID" 2>/dev/null || true
  psql -q -h $PG_HOST -U postgres -d test -c "DROP SCHEMA IF EXISTS $SCHEMA CASCADE" >/dev/null 2>&1 || true
  psql -q -h $PG_HOST -U postgres -c "DROP DATABASE IF EXISTS souk_pgbench" >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

echo "== machine: $(nproc) cores, $(free -g | awk '/Mem/{print $2}') GiB, $(date -u +%F)"

# Baseline: pgbench select-only with prepared statements, 8 clients, same duration.
psql -q -h $PG_HOST -U postgres -c "DROP DATABASE IF EXISTS souk_pgbench" >/dev/null
psql -q -h $PG_HOST -U postgres -c "CREATE DATABASE souk_pgbench" >/dev/null
pgbench -q -i -s 10 -h $PG_HOST -U postgres souk_pgbench >/dev/null 2>&1
PGBENCH_TPS=$(pgbench -S -M prepared -c 8 -j 2 -T "$DURATION" -h $PG_HOST -U postgres souk_pgbench 2>/dev/null \
  | awk '/^tps/ {print int($3)}' | head -1)
echo "pgbench -S -M prepared -c 8: ${PGBENCH_TPS} tps"

run_backend() {
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
  local base=http://127.0.0.1:$port
  local token
  token=$(curl -s -X POST "$base/api/v1/sessions" -H 'content-type: application/json' \
    -d '{"login":"demo","password":"souk-demo"}' | sed -E 's/.*"token":"([^"]+)".*/\1/')
  local items
  items=$(curl -s -H "Authorization: Bearer $token" "$base/api/v1/feed/home?limit=20" | grep -o '"id":' | wc -l)
  echo "-- $name: home feed returns $items ids (posts + shared) per page"
  local rss
  rss=$(awk '/VmRSS/ {print int($2/1024)}' /proc/$SERVER_PID/status)
  echo "   idle RSS (started, one login, one feed page): ${rss} MB"
  for target in "/api/v1/feed/home?limit=20" "/"; do
    local out
    out=$(wrk -t2 -c32 -d"${DURATION}s" --latency -H "Authorization: Bearer $token" \
      -H "Cookie: souk_session=$token" "$base$target")
    local rps p99 errors
    rps=$(echo "$out" | awk '/Requests\/sec/ {print int($2)}')
    p99=$(echo "$out" | awk '$1=="99%" {print $2}')
    errors=$(echo "$out" | awk '/Non-2xx/ {print $5}')
    printf "   %-28s %7s req/s  p99 %-8s ratio vs pgbench %.2f  %s\n" "$target" "$rps" "$p99" \
      "$(echo "$rps / $PGBENCH_TPS" | bc -l)" "${errors:+non-2xx: $errors}"
  done
  rss=$(awk '/VmRSS/ {print int($2/1024)}' /proc/$SERVER_PID/status)
  echo "   RSS after the load runs: ${rss} MB"
  kill "$SERVER_PID"
  wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=
}

run_backend sqlite
psql -q -h $PG_HOST -U postgres -d test -c "DROP SCHEMA IF EXISTS $SCHEMA CASCADE" >/dev/null
run_backend postgres DATABASE_URL="$PG_URL" SOUK_DATABASE_SCHEMA="$SCHEMA"
