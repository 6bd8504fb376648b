#!/usr/bin/env bash
# Hot reads and likes on SQLite and PostgreSQL, each printed as a ratio against the same server's /healthz
# measured in the same invocation (the HTTP stack's ceiling on this machine):
#   /api/v1/me, the logged-in home feed (API and page), a product (API and page), and likes from many
#   accounts at once, after which every post's like_count must equal its rows in `likes`.
# Usage: bash bench/reads.sh [seconds-per-run]   (needs wrk, curl, jq, bc, sqlite3, psql; loads demo data)
set -euo pipefail
DURATION=${1:-10}
NAME=reads
TOOLS="jq curl bc sqlite3 psql"
source "$(dirname "$0")/common.sh"

# wrk script: every request likes one (account, post) pair, each pair once, spread over the accounts.
cat > "$WORK/likes.lua" <<'LUA'
local tokens = {}
for line in io.lines(os.getenv("TOKENS")) do tokens[#tokens + 1] = line end
local posts = {}
for line in io.lines(os.getenv("POSTS")) do posts[#posts + 1] = line end
thread_id = 0
local next_id = 0
function setup(thread)
  next_id = next_id + 1
  thread:set("thread_id", next_id)
end
local counter = 0
function request()
  counter = counter + 1
  -- Thread t takes pairs t, t+2, t+4, … so the two threads never send the same pair.
  local n = counter * 2 + thread_id
  local token = tokens[n % #tokens + 1]
  local post = posts[math.floor(n / #tokens) % #posts + 1]
  return wrk.format("POST", "/api/v1/posts/" .. post .. "/like",
    {["Authorization"] = "Bearer " .. token}, nil)
end
LUA

measure() { # measure NAME URL [wrk args…]: prints req/s, p99 and the ratio to $HEALTHZ
  local label=$1 url=$2
  shift 2
  local out rps p99 errors
  out=$(wrk -t2 -c32 -d"${DURATION}s" --latency "$@" "$url")
  rps=$(echo "$out" | awk '/Requests\/sec/ {print int($2)}')
  p99=$(echo "$out" | awk '$1=="99%" {print $2}')
  errors=$(echo "$out" | awk '/Non-2xx/ {print $5}')
  printf "   %-34s %7s req/s  p99 %-9s %5s x /healthz  %s\n" "$label" "$rps" "$p99" \
    "$(echo "scale=2; $rps / ${HEALTHZ:-$rps}" | bc -l)" "${errors:+non-2xx: $errors}"
  LAST_RPS=$rps
}

sql_sqlite() { sqlite3 "$WORK/sqlite/souk.db" "$1"; }
sql_postgres() { psql -qtA -h $PG_HOST -U postgres -d test -c "SET search_path = $SCHEMA" -c "$1" | tail -n1; }

run_backend() {
  local name=$1 sql=sql_$1
  shift
  start_souk "$name" "$@" SOUK_RATE_LIMITS__SIGNUP_PER_IP=100000/1s SOUK_RATE_LIMITS__LOGIN_PER_IP=100000/1s \
    SOUK_RATE_LIMITS__LOGIN_PER_ACCOUNT=100000/1s
  local base=$BASE token product
  token=$(curl -sf -X POST "$base/api/v1/sessions" -H 'content-type: application/json' \
    -d '{"login":"demo","password":"souk-demo"}' | jq -r .token)
  product=$(curl -sf "$base/api/v1/shops/brooklyn-kicks/products?limit=1" | jq -r '.items[0].id')
  echo "-- $name (idle RSS $(awk '/VmRSS/ {print int($2/1024)}' /proc/$SERVER_PID/status) MB)"
  HEALTHZ=
  measure "/healthz" "$base/healthz"
  HEALTHZ=$LAST_RPS
  local auth=(-H "Authorization: Bearer $token")
  measure "/api/v1/me" "$base/api/v1/me" "${auth[@]}"
  measure "/api/v1/feed/home?limit=20" "$base/api/v1/feed/home?limit=20" "${auth[@]}"
  measure "/ (feed page)" "$base/" -H "Cookie: souk_session=$token"
  measure "/api/v1/products/{id}" "$base/api/v1/products/$product"
  measure "/products/{id} (page)" "$base/products/$product"

  # Likes: 200 fresh accounts like the demo's posts, each pair once.
  sign_up_accounts "$base" liker 200 "$WORK/tokens.txt"
  curl -sf "$base/api/v1/feed/discover?limit=100" | jq -r '.items[].id' > "$WORK/posts.txt"
  TOKENS="$WORK/tokens.txt" POSTS="$WORK/posts.txt" measure "likes (POST …/like)" "$base" -s "$WORK/likes.lua"
  local drift
  drift=$($sql "SELECT COUNT(*) FROM posts p WHERE p.like_count <> (SELECT COUNT(*) FROM likes l WHERE l.post_id = p.id)")
  echo "   posts whose like_count differs from their likes rows after the run: $drift"
  echo "   RSS after the load runs: $(awk '/VmRSS/ {print int($2/1024)}' /proc/$SERVER_PID/status) MB"
  stop_souk
}

run_backend sqlite
psql -q -h $PG_HOST -U postgres -d test -c "DROP SCHEMA IF EXISTS $SCHEMA CASCADE" >/dev/null
run_backend postgres DATABASE_URL="$PG_URL" SOUK_DATABASE_SCHEMA="$SCHEMA"
