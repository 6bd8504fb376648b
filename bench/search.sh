#!/usr/bin/env bash
# Search benchmark: builds an on-disk index of PRODUCTS generated products in English, simplified and
# traditional Chinese, Korean and mixed text (crates/search/examples/search_bench.rs), then prints the
# index build rate and query p50/p99 over a fixed query list (with product facets, as the API computes
# them), beside a linear-scan baseline timed on the same queries in the same run.
#
#   bench/search.sh [PRODUCTS] [ROUNDS]      defaults: 100000 products, 20 rounds of 22 queries
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PRODUCTS=${1:-100000}
ROUNDS=${2:-20}
echo "== machine: $(nproc) cores, $(free -g | awk '/Mem/{print $2}') GiB, $(date -u +%F)"
cargo build --release -q -p souk-search --example search_bench
target/release/examples/search_bench "$PRODUCTS" "$ROUNDS"
