#!/usr/bin/env bash
# Catalog import benchmark: generates a Google TSV feed (bench/gen_feed.py), imports it with
# `souk catalog import` on SQLite and on PostgreSQL, and prints rows/s beside SQLite's own `.import` and
# PostgreSQL's `COPY` of the same file in the same run (plain loads with no validation: the ceiling).
# Then imports a 1,000,000-row feed on both engines (peak RSS too) beside the same baselines at that size.
#   bash bench/catalog_import.sh [ROWS=100000] [BIG_ROWS=1000000]     (SOUK_BIN=path to skip the build)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROWS=${1:-100000}
BIG=${2:-1000000}
PG_URL=${BENCH_PG_URL:-postgres://postgres@127.0.0.1:5432/test}
for tool in sqlite3 psql python3 /usr/bin/time; do
  command -v "$tool" >/dev/null || { echo "$tool missing (apt-get install -y sqlite3 postgresql-client time)" >&2; exit 1; }
done
# SOUK_BIN=path skips the build (e.g. to measure a binary built earlier while the tree keeps changing).
if [ -z "${SOUK_BIN:-}" ]; then
  cargo build --release -q -p souk
fi
BIN=${SOUK_BIN:-$PWD/target/release/souk}
WORK=$(mktemp -d)
SCHEMA=bench_catalog_$$
cleanup() {
  psql -q -h 127.0.0.1 -U postgres -d test -c "DROP SCHEMA IF EXISTS $SCHEMA CASCADE" >/dev/null 2>&1 || true
  psql -q -h 127.0.0.1 -U postgres -d test -c "DROP SCHEMA IF EXISTS ${SCHEMA}_big CASCADE" >/dev/null 2>&1 || true
  psql -q -h 127.0.0.1 -U postgres -d test -c "DROP TABLE IF EXISTS bench_copy_$$" >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT
now() { date +%s.%N; }
rate() { echo "scale=0; $1 / ($3 - $2)" | bc; }

echo "== machine: $(nproc) cores, $(free -g | awk '/Mem/{print $2}') GiB, $(date -u +%F)"
python3 bench/gen_feed.py "$ROWS" > "$WORK/feed.tsv"
echo "== feed: $ROWS rows, $(du -h "$WORK/feed.tsv" | cut -f1)"

# Baselines: the database's own bulk loaders over the same file.
t0=$(now)
sqlite3 "$WORK/baseline.db" <<SQL
.mode tabs
.import $WORK/feed.tsv feed
SQL
t1=$(now)
SQLITE_BASE=$(rate "$ROWS" "$t0" "$t1")
cols=$(head -1 "$WORK/feed.tsv" | tr '\t' '\n' | awk '{printf "%s\"%s\" text", (NR>1?", ":""), $0}')
psql -q -h 127.0.0.1 -U postgres -d test -c "CREATE TABLE bench_copy_$$ ($cols)" >/dev/null
t0=$(now)
psql -q -h 127.0.0.1 -U postgres -d test \
  -c "\\copy bench_copy_$$ FROM '$WORK/feed.tsv' WITH (FORMAT text, HEADER true)" >/dev/null
t1=$(now)
COPY_BASE=$(rate "$ROWS" "$t0" "$t1")

setup() { # setup NAME ENV…: an account and a shop in a fresh deployment
  local dir=$WORK/$1; shift
  echo "bench passphrase" | env "$@" "$BIN" --data-dir "$dir" user create bench --email b@example.com \
    --kind business --password-stdin >/dev/null
  env "$@" "$BIN" --data-dir "$dir" shop create bench --name Bench --owner bench --currency USD >/dev/null
}
import() { # import NAME FILE ENV…: prints seconds, stdout summary to $WORK/NAME.out
  local name=$1 file=$2; shift 2
  local t0 t1
  t0=$(now)
  env "$@" /usr/bin/time -v -o "$WORK/$name.time" "$BIN" --data-dir "$WORK/$name" catalog import \
    --shop bench --file "$file" > "$WORK/$name.out" 2>/dev/null
  t1=$(now)
  echo "$t0 $t1"
}
rss() { awk -F: '/Maximum resident/ {gsub(/ /,"",$2); printf "%d MB", $2/1024}' "$WORK/$1.time"; }

setup sqlite
read -r t0 t1 < <(import sqlite "$WORK/feed.tsv")
SQLITE_SOUK=$(rate "$ROWS" "$t0" "$t1")
echo "souk import, SQLite:     $SQLITE_SOUK rows/s  ($(tail -1 "$WORK/sqlite.out"), peak RSS $(rss sqlite))"
read -r t0 t1 < <(import sqlite "$WORK/feed.tsv")
echo "souk re-import, SQLite:  $(rate "$ROWS" "$t0" "$t1") rows/s  ($(tail -1 "$WORK/sqlite.out"))"
echo "sqlite3 .import:         $SQLITE_BASE rows/s"
echo "ratio SQLite:            $(echo "scale=2; $SQLITE_SOUK / $SQLITE_BASE" | bc)x"

PG=(DATABASE_URL="$PG_URL" SOUK_DATABASE_SCHEMA="$SCHEMA")
setup pg "${PG[@]}"
read -r t0 t1 < <(import pg "$WORK/feed.tsv" "${PG[@]}")
PG_SOUK=$(rate "$ROWS" "$t0" "$t1")
echo "souk import, PostgreSQL: $PG_SOUK rows/s  ($(tail -1 "$WORK/pg.out"), peak RSS $(rss pg))"
echo "psql \\copy (COPY):       $COPY_BASE rows/s"
echo "ratio PostgreSQL:        $(echo "scale=2; $PG_SOUK / $COPY_BASE" | bc)x"

if [ "$BIG" -gt 0 ]; then
  python3 bench/gen_feed.py "$BIG" > "$WORK/big.tsv"
  setup big
  read -r t0 t1 < <(import big "$WORK/big.tsv")
  echo "souk import, SQLite, $BIG rows: $(rate "$BIG" "$t0" "$t1") rows/s, peak RSS $(rss big) ($(tail -1 "$WORK/big.out"))"
  t0=$(now)
  sqlite3 "$WORK/baseline_big.db" <<SQL
.mode tabs
.import $WORK/big.tsv feed
SQL
  t1=$(now)
  echo "sqlite3 .import, $BIG rows: $(rate "$BIG" "$t0" "$t1") rows/s"
  # PostgreSQL at the large size too, in its own schema, so a superlinear import shows up here.
  PG_BIG=(DATABASE_URL="$PG_URL" SOUK_DATABASE_SCHEMA="${SCHEMA}_big")
  setup pgbig "${PG_BIG[@]}"
  read -r t0 t1 < <(import pgbig "$WORK/big.tsv" "${PG_BIG[@]}")
  echo "souk import, PostgreSQL, $BIG rows: $(rate "$BIG" "$t0" "$t1") rows/s, peak RSS $(rss pgbig) ($(tail -1 "$WORK/pgbig.out"))"
  psql -q -h 127.0.0.1 -U postgres -d test -c "TRUNCATE bench_copy_$$" >/dev/null
  t0=$(now)
  psql -q -h 127.0.0.1 -U postgres -d test \
    -c "\\copy bench_copy_$$ FROM '$WORK/big.tsv' WITH (FORMAT text, HEADER true)" >/dev/null
  t1=$(now)
  echo "psql \\copy (COPY), $BIG rows: $(rate "$BIG" "$t0" "$t1") rows/s"
fi
