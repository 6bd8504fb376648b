#!/usr/bin/env bash
# Home feed throughput: a logged-in 20-post home feed (JSON API and HTML page) on SQLite and PostgreSQL,
# each printed beside `pgbench -S -M prepared` run against the same PostgreSQL in the same invocation.
# Usage: bash bench/feed.sh [seconds-per-run]   (needs wrk and pgbench; loads demo data into temp stores)
set -euo pipefail
DURATION=${1:-15}
NAME=feed
TOOLS="curl bc"
source "$(dirname "$0")/common.sh"
# Baseline: pgbench select-only with prepared statements, 8 clients, same duration.
PGBENCH_TPS=$(pgbench_tps -S -M prepared)
echo "pgbench -S -M prepared -c 8: ${PGBENCH_TPS} tps"

run_backend() {
  local name=$1
  shift
  start_souk "$name" "$@"
  local base=$BASE
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
  stop_souk
}

run_backend sqlite
psql -q -h $PG_HOST -U postgres -d test -c "DROP SCHEMA IF EXISTS $SCHEMA CASCADE" >/dev/null
run_backend postgres DATABASE_URL="$PG_URL" SOUK_DATABASE_SCHEMA="$SCHEMA"
