#!/usr/bin/env bash
# Every Souk benchmark in one invocation, each printing its figures as ratios against baselines measured in
# the same run (the server's own /healthz, pgbench, SQLite's .import, PostgreSQL's COPY):
#   reads.sh           /api/v1/me, home feed API and page, product API and page, likes (exact counters)
#   commerce.sh        product reads vs pgbench -S, hot-SKU buy-now checkout vs pgbench TPC-B, oversell
#   catalog_import.sh  catalog import rows/s vs .import and COPY, peak memory of a large import
#   demo_start.sh      seconds from an empty folder to the first page of `souk serve --demo`, idle RSS
# Usage: bash bench/all.sh [seconds-per-run] [import-rows] [big-import-rows]
# Paste the output into bench/RESULTS.md with the date and machine it prints.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
DURATION=${1:-10}
ROWS=${2:-100000}
BIG=${3:-1000000}
cargo build --release -q -p souk
export SOUK_BIN=$PWD/target/release/souk
echo "== bench/all.sh on $(nproc) cores, $(free -g | awk '/Mem/{print $2}') GiB, $(date -u +%FT%TZ), $(git rev-parse --short HEAD)"
bash bench/reads.sh "$DURATION"
bash bench/commerce.sh "$DURATION"
bash bench/catalog_import.sh "$ROWS" "$BIG"
bash bench/demo_start.sh sqlite
bash bench/demo_start.sh postgres
