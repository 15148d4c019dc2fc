#!/usr/bin/env bash
# bench/run.sh [filter]: runs every Google Benchmark binary of the release build on one core
# (taskset -c 0) and writes results to build/bench-results/<name>.json as well as the terminal.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
out=$here/build/bench-results
mkdir -p "$out"
filter=${1:-.}
mapfile -t benches < <(find "$here/build/release" -type f -name '*_bench' -perm -u+x | sort)
if [ ${#benches[@]} -eq 0 ]; then
  echo "no benches built; run: make build" >&2
  exit 1
fi
for b in "${benches[@]}"; do
  name=$(basename "$b")
  echo "== $name"
  taskset -c 0 "$b" --benchmark_filter="$filter" --benchmark_out="$out/$name.json" \
    --benchmark_out_format=json
done
