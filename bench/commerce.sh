#!/usr/bin/env bash
# Commerce throughput on SQLite and PostgreSQL, each printed beside a pgbench baseline run against the same
# PostgreSQL in the same invocation:
#   1. product page reads (JSON API and HTML page) vs `pgbench -S -M prepared -c 8` (select-only);
#   2. a hot-SKU flash sale (many buyers checking out one variant with large stock, test card payments)
#      vs pgbench's default TPC-B-like write transaction at -c 8; the run ends with an oversell check.
# Usage: bash bench/commerce.sh [seconds-per-run]   (needs wrk, pgbench, curl, jq; loads demo data)
set -euo pipefail
DURATION=${1:-15}
NAME=commerce
TOOLS="jq curl bc"
source "$(dirname "$0")/common.sh"
READ_TPS=$(pgbench_tps -S -M prepared)
WRITE_TPS=$(pgbench_tps -M prepared)
echo "pgbench -S -M prepared -c 8 (reads):  ${READ_TPS} tps"
echo "pgbench TPC-B -M prepared -c 8 (writes): ${WRITE_TPS} tps"

ratio() { echo "scale=2; $1 / $2" | bc -l; }

# wrk script: every request is a "buy now" checkout of one unit with its own Idempotency-Key, spread over
# the buyers' tokens (one token per line of tokens.txt).
cat > "$WORK/flash.lua" <<'LUA'
local tokens = {}
for line in io.lines(os.getenv("TOKENS")) do tokens[#tokens + 1] = line end
local counter = 0
-- Global (not local) so setup() can give each thread its own id through thread:set.
thread_id = 0
local next_id = 0
function setup(thread)
  next_id = next_id + 1
  thread:set("thread_id", next_id)
end
function request()
  counter = counter + 1
  -- Threads take alternate buyers, so no two in-flight requests share a buyer and a key.
  local token = tokens[(counter * 2 + thread_id) % #tokens + 1]
  local body = string.format(
    '{"shop":"%s","buy_now":{"variant_id":%s,"quantity":1},"address":{"name":"Bench Buyer","line1":"1 Main St","city":"Springfield","postal_code":"12345","country":"US"},"payment":{"provider":"test","card_number":"4242424242424242"}}',
    os.getenv("SHOP"), os.getenv("VARIANT"))
  return wrk.format("POST", "/api/v1/checkout", {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. token,
    ["Idempotency-Key"] = string.format("bench-%d-%d-%d", thread_id, counter, os.time()),
  }, body)
end
LUA

run_backend() {
  local name=$1
  shift
  # Sign-up and login limits are raised so the script can create its 64 buyers quickly.
  start_souk "$name" "$@" SOUK_RATE_LIMITS__SIGNUP_PER_IP=100000/1s SOUK_RATE_LIMITS__LOGIN_PER_IP=100000/1s \
    SOUK_RATE_LIMITS__LOGIN_PER_ACCOUNT=100000/1s
  local base=$BASE product
  product=$(curl -sf "$base/api/v1/shops/brooklyn-kicks/products?limit=1" | jq -r '.items[0].id')
  echo "-- $name"
  echo "   RSS before the load runs: $(awk '/VmRSS/ {print int($2/1024)}' /proc/$SERVER_PID/status) MB"
  for target in "/api/v1/products/$product" "/products/$product"; do
    local out rps p99 errors
    out=$(wrk -t2 -c32 -d"${DURATION}s" --latency "$base$target")
    rps=$(echo "$out" | awk '/Requests\/sec/ {print int($2)}')
    p99=$(echo "$out" | awk '$1=="99%" {print $2}')
    errors=$(echo "$out" | awk '/Non-2xx/ {print $5}')
    printf "   product %-24s %7s req/s  p99 %-8s ratio vs pgbench -S %s  %s\n" "$target" "$rps" "$p99" \
      "$(ratio "$rps" "$READ_TPS")" "${errors:+non-2xx: $errors}"
  done

  # Flash sale: the merchant adds a variant with a large stock; 64 buyers "buy now" as fast as they can.
  local mtoken flash flash_pid variant stock_before=1000000
  mtoken=$(curl -sf -X POST "$base/api/v1/sessions" -H 'content-type: application/json' \
    -d '{"login":"brooklyn_kicks","password":"souk-demo"}' | jq -r .token)
  flash=$(curl -sf -X POST "$base/api/v1/shops/brooklyn-kicks/products" -H "Authorization: Bearer $mtoken" \
    -H 'content-type: application/json' \
    -d "{\"title\":\"Flash Sale Tee\",\"status\":\"active\",\"price\":{\"amount_minor\":1000,\"currency\":\"USD\"},\"stock\":$stock_before}")
  flash_pid=$(echo "$flash" | jq -r .id)
  variant=$(echo "$flash" | jq -r '.variants[0].id')
  sign_up_accounts "$base" buyer 64 "$WORK/tokens.txt"
  local out rps p99 errors sold stock_after ledger
  out=$(TOKENS="$WORK/tokens.txt" SHOP=brooklyn-kicks VARIANT=$variant \
    wrk -t2 -c32 -d"${DURATION}s" --latency -s "$WORK/flash.lua" "$base")
  rps=$(echo "$out" | awk '/Requests\/sec/ {print int($2)}')
  p99=$(echo "$out" | awk '$1=="99%" {print $2}')
  errors=$(echo "$out" | awk '/Non-2xx/ {print $5}')
  stock_after=$(curl -sf "$base/api/v1/products/$flash_pid" | jq -r '.variants[0].stock')
  sold=$((stock_before - stock_after))
  printf "   flash-sale buy-now checkout    %7s req/s  p99 %-8s ratio vs pgbench TPC-B %s  %s\n" "$rps" "$p99" \
    "$(ratio "$rps" "$WRITE_TPS")" "${errors:+non-2xx: $errors}"
  echo "   units sold $sold in ${DURATION}s = $((sold / DURATION)) paid orders/s; stock $stock_before -> $stock_after"
  ledger=$(env "$@" "$BIN" ledger check --data-dir "$WORK/$name" 2>&1 | tail -1)
  echo "   ledger check after the sale: $ledger"
  local rss
  rss=$(awk '/VmRSS/ {print int($2/1024)}' /proc/$SERVER_PID/status)
  echo "   RSS after the load runs: ${rss} MB"
  stop_souk
}

run_backend sqlite
run_backend postgres DATABASE_URL="$PG_URL" SOUK_DATABASE_SCHEMA="$SCHEMA"
