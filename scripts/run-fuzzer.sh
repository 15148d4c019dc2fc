#!/usr/bin/env bash
# run-fuzzer.sh FUZZER SEED_DIR WORK_DIR SECONDS
# Runs one libFuzzer target for a bounded time. New inputs go to WORK_DIR (in the build tree);
# the checked-in seed corpus is only read. Exits non-zero on any crash, leak or sanitizer report.
set -euo pipefail
fuzzer=$1 seeds=$2 work=$3 seconds=$4
if [ ! -x "$fuzzer" ]; then
  echo "fuzz target $fuzzer is not built (run: cmake --build --preset fuzz)" >&2
  exit 1
fi
mkdir -p "$work" "$work/artifacts"
exec "$fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
  -print_final_stats=1 -artifact_prefix="$work/artifacts/" "$work" "$seeds"
