#!/usr/bin/env bash
# bench/query-peers.sh [flags]: the query benchmark of issue 10. Generates one dataset with
# ../shared/tools/query_bench.py (default 5 k series every 15 s over 24 h = 28.8 M samples:
# counters, a 10-bucket histogram, gauges), loads it into Prometheus 2.42 (promtool blocks),
# VictoriaMetrics 1.79 (/api/v1/import/prometheus, force flush) and Sextant (the same samples as
# line protocol over /v1/write/metric, then a restart so that the data is in parts), and runs
# query_bench.py's fixed range-query set (24 h at step 60 s, warm-up + timed runs, one system at a
# time on loopback, VictoriaMetrics with nocache=1) against each Prometheus API. Checks Sextant's
# answers against Prometheus' and reports per-query latencies with Sextant/VM and Sextant/Prom
# ratios. Results: terminal and bench/results/query-peers-<date>.md (not committed). See
# bench/README.md.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
peers_name=query-peers
# shellcheck source-path=SCRIPTDIR source=lib/peers.sh
. "$here/bench/lib/peers.sh"
qb=$here/../shared/tools/query_bench.py
helper=$here/bench/query_peers.py
sextant=$here/build/release/apps/sextant/sextant
series=5000
hours=24
seed=42
runs=7
warmup=1
conns=2
only=sextant,vm,prom
dataset=
head_too=0
do_build=1
do_install=1
keep=0
settle_max=180
wait_http_s=120 # seconds wait_http waits for a server to answer (bench/lib/peers.sh: 60)

usage() {
  cat <<'EOF'
Usage: bench/query-peers.sh [--series N] [--hours N] [--smoke] [--only LIST] [--runs N]
                            [--warmup N] [--dataset DIR] [--head] [--seed N] [--conns N]
                            [--no-build] [--no-install] [--keep]
  --series N     dataset size in series, a multiple of 25 (default 5000: 2/5 counters,
                 2/5 histogram buckets, 1/5 gauges; every 15 s, so 28.8 M samples over 24 h)
  --hours N      hours of data ending now (default 24; the queries always span the last 24 h)
  --smoke        500 series x 2 hours, 2 timed runs: a quick check that all works
  --only LIST    comma-separated subset of sextant,vm,prom (default: all three)
  --runs N, --warmup N  timed runs and warm-up runs per query (default 7 and 1)
  --dataset DIR  generate the dataset into DIR, or reuse it if DIR/meta.json matches the size
  --head         also run the queries on Sextant before the restart (data partly in the head)
  --seed N       query_bench.py gen --seed (default 42)
  --conns N      connections posting line protocol to Sextant (default 2)
  --no-build     do not (re)build build/release
  --no-install   do not install missing peers from bench/apt.txt
  --keep         keep the temp dir (data dirs, logs, result JSONs) and print where it is
EOF
}

need_int() {
  [[ $2 =~ ^[0-9]+$ ]] || die "$1 needs a non-negative integer, got '$2'"
}

while [ $# -gt 0 ]; do
  case $1 in
    --series | --hours | --seed | --conns | --only | --runs | --warmup | --dataset)
      [ $# -ge 2 ] || die "$1 needs a value"
      case $1 in
        --series) need_int "$1" "$2" && series=$2 ;;
        --hours) need_int "$1" "$2" && hours=$2 ;;
        --seed) need_int "$1" "$2" && seed=$2 ;;
        --conns) need_int "$1" "$2" && conns=$2 ;;
        --runs) need_int "$1" "$2" && runs=$2 ;;
        --warmup) need_int "$1" "$2" && warmup=$2 ;;
        --only) only=$2 ;;
        --dataset) dataset=$2 ;;
      esac
      shift 2
      ;;
    --smoke)
      series=500
      hours=2
      runs=2
      shift
      ;;
    --head)
      head_too=1
      shift
      ;;
    *)
      peers_flag "$1"
      shift
      ;;
  esac
done
[ "$series" -ge 25 ] && [ $((series % 25)) = 0 ] || die "--series must be a positive multiple of 25"
[ "$hours" -ge 1 ] && [ "$hours" -le 24 ] || die "--hours must be 1..24"
[ "$runs" -ge 1 ] || die "--runs must be at least 1"
[ "$conns" -ge 1 ] || die "--conns must be at least 1"

# Prometheus first: it is the reference for the answers
peers_select_systems "sextant vm prom" prom vm sextant

[ -f "$qb" ] || die "query_bench.py not found: $qb"
peers_require

# --- peers, Sextant, the temp dir ---------------------------------------------------------------
apt_pkgs=()
has vm && apt_pkgs+=(victoria-metrics)
has prom && apt_pkgs+=(prometheus)
peers_install "${apt_pkgs[@]}"
peers_build_sextant
peers_workdir

declare -A r_ver r_load r_disk r_verify

# run_queries NAME URL PID [--nocache]: verify (series/sample counts), then the query set.
run_queries() {
  local name=$1 url=$2 pid=$3
  shift 3
  say "$name: counting series and samples (query_bench.py verify)"
  python3 "$helper" --query-bench "$qb" verify --url "$url" --meta "$meta" \
    --out "$work/verify-$name.json" | tee "$work/verify-$name.log"
  r_verify[$name]=$(sed -n 's/^total \(.*\)/\1/p' "$work/verify-$name.log")
  say "$name: query set, $warmup warm-up + $runs timed runs each (query_bench.py bench$([ $# = 0 ] || echo " $*"))"
  python3 "$helper" --query-bench "$qb" bench --url "$url" --name "$name" --meta "$meta" \
    --out "$work/res-$name.json" --warmup "$warmup" --runs "$runs" --pid "$pid" "$@" ||
    echo "query-peers: $name: the query set failed (see above); its results are missing" >&2
}

# --- dataset --------------------------------------------------------------------------------------
instances=$((series / 5))
hist=$((series / 25))
gauges=$((series / 5))
services=$((instances < 50 ? instances : 50))
gen_args=(--hours "$hours" --instances "$instances" --services "$services" --hist-series "$hist"
  --gauge-series "$gauges" --seed "$seed")
data=${dataset:-$work/dataset}
meta=$data/meta.json
want_samples=$((series * hours * 240))
if [ -n "$dataset" ] && [ -s "$meta" ] &&
  python3 -c 'import json, sys
m = json.load(open(sys.argv[1]))
sys.exit(0 if m["series"]["total"] == int(sys.argv[2]) and m["samples"] == int(sys.argv[3]) and m["seed"] == int(sys.argv[4]) else 1)' \
    "$meta" "$series" "$want_samples" "$seed"; then
  say "reusing the dataset in $data ($(python3 -c 'import json, sys; m = json.load(open(sys.argv[1])); print(m["samples"], "samples ending at", m["end"])' "$meta"))"
else
  say "generating the dataset: query_bench.py gen ${gen_args[*]}"
  python3 "$qb" gen --dir "$data" "${gen_args[@]}" >"$work/gen.log"
  say "  $(python3 -c 'import json, sys; m = json.load(open(sys.argv[1])); print(m["series"]["total"], "series,", m["samples"], "samples,", m["bytes"]["openmetrics"], "bytes OpenMetrics,", m["gen_seconds"], "s")' "$meta")"
fi
om=$data/data.om
prom_text=$data/data.prom

# --- the systems, one at a time -------------------------------------------------------------------
run_prom() {
  local dir=$work/prom port pid t0
  mkdir -p "$dir"
  port=$(free_port)
  r_ver[prom]="prometheus $(pkg_version prometheus)"
  say "prom: promtool tsdb create-blocks-from openmetrics (24 h blocks)"
  t0=$EPOCHREALTIME
  promtool tsdb create-blocks-from openmetrics --quiet --max-block-duration=24h "$om" "$dir/data" \
    >"$dir/promtool.log" 2>&1 || {
    tail -20 "$dir/promtool.log" >&2
    die "promtool failed"
  }
  r_load[prom]="promtool $(elapsed "$t0") s"
  r_disk[prom]=$(du_b "$dir/data")
  printf 'global: {}\n' >"$dir/prometheus.yml"
  say "prom: starting prometheus on 127.0.0.1:$port, data dir $dir/data"
  prometheus --config.file="$dir/prometheus.yml" --storage.tsdb.path="$dir/data" \
    --storage.tsdb.retention.time=100y --web.listen-address="127.0.0.1:$port" \
    >"$dir/server.log" 2>&1 &
  pid=$!
  pids+=("$pid")
  wait_http "http://127.0.0.1:$port/-/ready" "$pid" "$dir/server.log"
  run_queries prom "http://127.0.0.1:$port" "$pid"
  stop_pid "$pid" TERM 60
}

run_vm() {
  local dir=$work/vm port pid t0
  mkdir -p "$dir"
  port=$(free_port)
  r_ver[vm]="victoria-metrics $(pkg_version victoria-metrics)"
  peers_start_vm "$dir" "$port"
  pid=$vm_pid
  say "vm: POST /api/v1/import/prometheus ($(du -h "$prom_text" | cut -f1) of Prometheus text)"
  t0=$EPOCHREALTIME
  curl -fsS -X POST -H 'Content-Type: text/plain' -T "$prom_text" \
    "http://127.0.0.1:$port/api/v1/import/prometheus" || die "vm: import failed"
  say "vm: GET /internal/force_flush, waiting for the on-disk size to settle"
  curl -fsS -o /dev/null "http://127.0.0.1:$port/internal/force_flush"
  settle "$dir/data"
  r_load[vm]="import+flush $(elapsed "$t0") s"
  r_disk[vm]=$(du_b "$dir/data")
  run_queries vm "http://127.0.0.1:$port" "$pid" --nocache
  stop_pid "$pid" INT 60
}

start_sextant() { # DIR PORT: sets s_pid
  "$sextant" server --listen "127.0.0.1:$2" --data-dir "$1/data" --retention metric=36500d \
    >>"$1/server.log" 2>&1 &
  s_pid=$!
  pids+=("$s_pid")
  wait_http "http://127.0.0.1:$2/v1/ping" "$s_pid" "$1/server.log"
}

run_sextant() {
  local dir=$work/sextant port token t0
  mkdir -p "$dir"
  port=$(free_port)
  r_ver[sextant]=$("$sextant" --version)
  say "sextant: starting server on 127.0.0.1:$port, data dir $dir/data"
  start_sextant "$dir" "$port"
  [ -s "$dir/data/default.token" ] || die "sextant: no $dir/data/default.token"
  token=$(<"$dir/data/default.token")
  say "sextant: posting the samples as line protocol (10k-line batches, $conns connections)"
  t0=$EPOCHREALTIME
  python3 "$helper" lp --url "http://127.0.0.1:$port/v1/write/metric?token=$token" \
    --file "$prom_text" --batch 10000 --conns "$conns" | tee "$dir/lp.log"
  grep -q ' errors=0 ' "$dir/lp.log" || die "sextant: some batches were rejected (see above)"
  r_load[sextant]="LP over HTTP $(elapsed "$t0") s"
  export SEXTANT_TOKEN=$token
  if [ "$head_too" = 1 ]; then
    run_queries sextant-head "http://127.0.0.1:$port" "$s_pid"
  fi
  say "sextant: restarting (SIGTERM, start again on the same data dir) so that the data is in parts"
  stop_pid "$s_pid" TERM 300
  say "  stopped with status $stop_rc after ${stop_s}s"
  r_disk[sextant]=$(du_b "$dir/data")
  start_sextant "$dir" "$port"
  run_queries sextant "http://127.0.0.1:$port" "$s_pid"
  unset SEXTANT_TOKEN
  stop_pid "$s_pid" TERM 120
}

started=$(date -u '+%Y-%m-%d %H:%M:%S UTC')
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
for s in "${systems[@]}"; do
  "run_$s"
done

# --- report -------------------------------------------------------------------------------------
label() {
  case $1 in sextant) echo Sextant ;; vm) echo VictoriaMetrics ;; prom) echo Prometheus ;; esac
}
specs=()
for s in sextant sextant-head vm prom; do
  [ -s "$work/res-$s.json" ] && specs+=("$s=$work/res-$s.json")
done
[ ${#specs[@]} -gt 0 ] || die "no results"
mkdir -p "$here/bench/results"
out=$here/bench/results/query-peers-$(date -u +%Y%m%d-%H%M%S).md
dataset_desc="query_bench.py gen ${gen_args[*]}: $(python3 -c 'import json, sys; m = json.load(open(sys.argv[1])); s = m["series"]; print("%d series (%d counters, %d histogram buckets, %d gauges) every 15 s, %d samples" % (s["total"], s["http_requests_total"], s["http_request_duration_seconds_bucket"], s["node_memory_bytes"], m["samples"]))' "$meta")"
{
  echo "# Query peers benchmark, $started"
  echo
  echo "- Dataset: \`$dataset_desc\`, the same samples in every system."
  echo "- Queries: query_bench.py's range set over the last 24 h at step 60 s, $warmup warm-up + $runs"
  echo "  timed runs each, sequential, one system at a time on loopback; the median is shown."
  echo "  VictoriaMetrics with nocache=1. CPU ms: the server's utime+stime per timed query."
  echo "- Host: $(nproc) CPUs ($(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)), $(uname -sr);"
  echo "  load average $load_start at the start, $(cut -d' ' -f1-3 /proc/loadavg) at the end (other work"
  echo "  on the host inflates latencies; the server CPU ms per query is less sensitive to it)."
  echo "- Commit: $(git -C "$here" rev-parse --short HEAD 2>/dev/null || echo '?')$(git -C "$here" diff --quiet HEAD 2>/dev/null || echo ' (dirty tree)')."
  for s in "${systems[@]}"; do
    echo "- $(label "$s"): ${r_ver[$s]:-?}; load: ${r_load[$s]:-?}; data dir ${r_disk[$s]:-?} bytes; counts: ${r_verify[$s]:-?}."
  done
  [ "$head_too" = 0 ] || echo "- Sextant (head): the same server before the restart. Sextant: after the restart."
  if [ "$series" != 5000 ] || [ "$hours" != 24 ]; then
    echo "- Smaller than the ~29 M-sample dataset of issue 10: not a result to compare with the goal."
  fi
  echo
} >"$out"
echo
say "results ($dataset_desc)"
python3 "$helper" summary "${specs[@]}" --md "$out"
echo
if [ -s "$work/res-prom.json" ]; then
  for s in sextant sextant-head vm; do
    [ -s "$work/res-$s.json" ] || continue
    echo | tee -a "$out"
    echo "query_bench.py compare prom $s:" | tee -a "$out"
    echo >>"$out"
    python3 "$qb" compare "$work/res-prom.json" "$work/res-$s.json" | tee -a "$out"
    echo | tee -a "$out"
  done
fi
say "wrote ${out#"$here"/}"
