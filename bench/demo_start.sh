#!/usr/bin/env bash
# `souk serve --demo` on an empty folder: seconds until the first page (`/`) answers 200, seconds until the
# demo is complete (every photo drawn and the search index built), and resident memory (VmRSS) once idle
# after one login, the home feed and one page.
# Usage: bash bench/demo_start.sh [sqlite|postgres]   (needs curl and jq; SOUK_BIN=path measures an
# earlier build without building; BENCH_PG_URL overrides postgres://postgres@127.0.0.1:5432/test)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
BACKEND=${1:-sqlite}
PG_URL=${BENCH_PG_URL:-postgres://postgres@127.0.0.1:5432/test}
[[ -n "${SOUK_BIN:-}" ]] || cargo build --release -q -p souk
BIN=${SOUK_BIN:-target/release/souk}
WORK=$(mktemp -d)
SCHEMA=bench_demo_$$
ENVS=()
if [[ $BACKEND == postgres ]]; then
  ENVS=(DATABASE_URL="$PG_URL" SOUK_DATABASE_SCHEMA="$SCHEMA")
fi
cleanup() {
  [[ -n "${PID:-}" ]] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null || true
  if [[ $BACKEND == postgres ]]; then
    psql -q "$PG_URL" -c "DROP SCHEMA IF EXISTS $SCHEMA CASCADE" >/dev/null 2>&1 || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT
rss() { awk '/VmRSS/ {print int($2/1024)}' "/proc/$PID/status"; }
now() { date +%s.%N; }

PORT=$((20000 + RANDOM % 20000))
BASE=http://127.0.0.1:$PORT
echo "== machine: $(nproc) cores, $(free -g | awk '/Mem/{print $2}') GiB, $(date -u +%F), $BACKEND"
START=$(now)
env ${ENVS[@]+"${ENVS[@]}"} "$BIN" serve --demo --data-dir "$WORK/d" --listen "127.0.0.1:$PORT" \
  > "$WORK/serve.log" 2>&1 &
PID=$!
until [[ $(curl -s -o /dev/null -w '%{http_code}' "$BASE/" || true) == 200 ]]; do
  kill -0 "$PID" 2>/dev/null || { cat "$WORK/serve.log" >&2; exit 1; }
  sleep 0.05
done
FIRST=$(now)
printf 'first page answered after   %5.1f s  (RSS %s MB)\n' "$(echo "$FIRST - $START" | bc -l)" "$(rss)"

# Complete: the server logs when the last demo photo is stored, and search finds a product by a Chinese
# word once the indexer has caught up.
# (A build that draws every photo before serving logs no photos_to_draw.)
if grep -q photos_to_draw "$WORK/serve.log"; then
  for _ in $(seq 1 1200); do
    grep -q "demo photos drawn" "$WORK/serve.log" && break
    sleep 0.1
  done
fi
for _ in $(seq 1 1200); do
  n=$(curl -s "$BASE/api/v1/search?q=%E6%99%AE%E6%B4%B1&type=products" | jq '.items | length' 2>/dev/null || echo 0)
  [[ ${n:-0} -gt 0 ]] && break
  sleep 0.1
done
DONE=$(now)
printf 'demo complete after         %5.1f s  (photos drawn, search finds 普洱)\n' "$(echo "$DONE - $START" | bc -l)"

TOKEN=$(curl -sf -X POST "$BASE/api/v1/sessions" -H 'content-type: application/json' \
  -d '{"login":"demo","password":"souk-demo"}' | jq -r .token)
curl -sf -o /dev/null -H "Authorization: Bearer $TOKEN" "$BASE/api/v1/feed/home"
curl -sf -o /dev/null "$BASE/"
sleep 3
printf 'RSS 3 s after login + page  %5s MB  (anon %s MB)\n' "$(rss)" "$(awk '/RssAnon/ {print int($2/1024)}' "/proc/$PID/status")"
# The jieba dictionary is let go after 30 s unused, and the allocator returns freed pages within ~10 s.
sleep "${IDLE_WAIT:-45}"
printf 'idle RSS %3s s later        %5s MB  (anon %s MB, file %s MB)\n' "${IDLE_WAIT:-45}" "$(rss)" \
  "$(awk '/RssAnon/ {print int($2/1024)}' "/proc/$PID/status")" "$(awk '/RssFile/ {print int($2/1024)}' "/proc/$PID/status")"
grep -E "demo (data loaded|photos drawn)" "$WORK/serve.log" || true
