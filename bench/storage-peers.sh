#!/usr/bin/env bash
# bench/storage-peers.sh [flags]: the side-by-side ingest benchmark of issue 4. Builds the release
# tree, installs the peers from Debian if missing (bench/apt.txt), then, one system at a time on
# loopback with a fresh temp data dir and a free port, posts the same ../shared/tools/gen_lp.py
# workload (default 10k series x 100 steps = 1 M points x 5 float fields, 10k-line batches) to
# Sextant (/v1/write/metric), VictoriaMetrics (/write) and InfluxDB 1.6 (/write?db=bench); makes
# each persist, stops it gracefully and reports values per server CPU-second, bytes on disk per
# value and peak RSS, with Sextant/peer ratios. Results: terminal and
# bench/results/storage-peers-<date>.md (not committed). See bench/README.md.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
peers_name=storage-peers
# shellcheck source-path=SCRIPTDIR source=lib/peers.sh
. "$here/bench/lib/peers.sh"
gen=$here/../shared/tools/gen_lp.py
sextant=$here/build/release/apps/sextant/sextant
fields=5 # gen_lp.py's default; values = points x fields
series=10000
steps=100
seed=42
conns=1
only=sextant,vm,influx
do_build=1
do_install=1
keep=0
settle_max=180 # seconds to wait for a peer's on-disk size to settle after the writes

usage() {
  cat <<'EOF'
Usage: bench/storage-peers.sh [--series N] [--steps N] [--smoke] [--only LIST] [--seed N]
                              [--conns N] [--no-build] [--no-install] [--keep]
  --series N, --steps N  passed to gen_lp.py (default 10000 x 100 = 1 M points)
  --smoke                1000 series x 10 steps (10 k points), a quick check that all works
  --only LIST            comma-separated subset of sextant,vm,influx (default: all three)
  --seed N, --conns N    passed to gen_lp.py (default 42, 1 connection)
  --no-build             do not (re)build build/release
  --no-install           do not install missing peers from bench/apt.txt
  --keep                 keep the temp dir (data dirs, logs) and print where it is
EOF
}

need_int() {
  [[ $2 =~ ^[1-9][0-9]*$ ]] || die "$1 needs a positive integer, got '$2'"
}

while [ $# -gt 0 ]; do
  case $1 in
    --series | --steps | --seed | --conns | --only)
      [ $# -ge 2 ] || die "$1 needs a value"
      case $1 in
        --series) need_int "$1" "$2" && series=$2 ;;
        --steps) need_int "$1" "$2" && steps=$2 ;;
        --seed) need_int "$1" "$2" && seed=$2 ;;
        --conns) need_int "$1" "$2" && conns=$2 ;;
        --only) only=$2 ;;
      esac
      shift 2
      ;;
    --smoke)
      series=1000
      steps=10
      shift
      ;;
    *)
      peers_flag "$1"
      shift
      ;;
  esac
done

peers_select_systems "sextant vm influx" sextant vm influx

[ -f "$gen" ] || die "workload generator not found: $gen"
peers_require

# --- peers, Sextant, the temp dir ---------------------------------------------------------------
apt_pkgs=()
has vm && apt_pkgs+=(victoria-metrics)
has influx && apt_pkgs+=(influxdb)
peers_install "${apt_pkgs[@]}"
peers_build_sextant
peers_workdir
hz=$(getconf CLK_TCK)

# influx_compacted DIR: every shard of DIR has exactly one TSM file, no compaction in progress
# and an empty WAL, i.e. the full compaction after compact-full-write-cold-duration is done.
influx_compacted() {
  local shard n
  for shard in "$1"/data/*/*/*/; do
    case $shard in */_series/*) continue ;; esac
    [ -d "$shard" ] || continue
    n=$(find "$shard" -maxdepth 1 -name '*.tsm' | wc -l)
    [ "$n" = 1 ] || return 1
    [ -z "$(find "$shard" -maxdepth 1 -name '*.tmp' -print -quit)" ] || return 1
  done
  [ -z "$(find "$1/wal" -name '*.wal' -size +0 -print -quit)" ]
}

declare -A r_points r_wall r_cpu r_cpu_all r_hwm r_bytes r_app r_stop r_rc r_ver r_du

# post NAME URL PID: runs gen_lp.py against URL, fails unless every batch got a 2xx; fills
# r_points/r_wall/r_cpu for NAME.
post() {
  local name=$1 url=$2 pid=$3 log=$work/$1.gen.log line statuses code
  say "$name: posting the workload (gen_lp.py --series $series --steps $steps --seed $seed)"
  python3 "$gen" --url "$url" --pid "$pid" --series "$series" --steps "$steps" \
    --fields "$fields" --seed "$seed" --conns "$conns" | tee "$log"
  line=$(grep '^target=' "$log") || die "$name: gen_lp.py printed no result"
  ! grep -q '^  error:' "$log" || die "$name: some batches were rejected (see above)"
  statuses=$(sed -n 's/.* statuses=\(.*\)$/\1/p' <<<"$line")
  for code in $(grep -o '[0-9][0-9]*:' <<<"$statuses" | tr -d :); do
    if [ "$code" -lt 200 ] || [ "$code" -ge 300 ]; then die "$name: HTTP $code in $statuses"; fi
  done
  r_points[$name]=$(sed -n 's/^generated \([0-9]*\) points.*/\1/p' "$log")
  r_wall[$name]=$(sed -n 's/.* wall=\([0-9.]*\)s .*/\1/p' <<<"$line")
  r_cpu[$name]=$(sed -n 's/.* server_cpu_s=\([0-9.]*\) .*/\1/p' <<<"$line")
  if [ -z "${r_points[$name]}" ] || [ -z "${r_wall[$name]}" ] || [ -z "${r_cpu[$name]}" ]; then
    die "$name: could not parse gen_lp.py output: $line"
  fi
}

# finish NAME PID SIGNAL DATADIR [CACHEDIR]: records peak RSS, stops the server gracefully and
# records its CPU from ready to exit (its lifetime CPU from the rusage of reaped children, less
# the c0 ticks it had when ready: this includes a flush at shutdown), then measures DATADIR:
# bytes allocated, less CACHEDIR (a rebuildable cache, not stored data), and du -sb of it all.
finish() {
  local name=$1 pid=$2 sig=$3 data=$4 cache=${5:-} ch0 ch1 excl=0
  r_hwm[$name]=$(hwm_kb "$pid")
  say "$name: stopping (SIG$sig), waiting for the exit"
  children_cpu_s
  ch0=$children_s
  stop_pid "$pid" "$sig" 120
  children_cpu_s
  ch1=$children_s
  r_cpu_all[$name]=$(awk -v a="$ch0" -v b="$ch1" -v c0="$c0" -v hz="$hz" 'BEGIN { printf "%.2f", b - a - c0 / hz }')
  r_stop[$name]=$stop_s
  r_rc[$name]=$stop_rc
  [ -z "$cache" ] || [ ! -d "$cache" ] || excl=$(du_alloc "$cache")
  r_bytes[$name]=$(($(du_alloc "$data") - excl))
  r_app[$name]=$(du_b "$data")
  r_du[$name]=$(cd "$data" && du -s -B1 -- * 2>/dev/null | awk '{ printf "%s%s=%s", sep, $2, $1; sep = ", " }')
  say "$name: exited with status $stop_rc after ${stop_s}s; ${r_bytes[$name]} bytes allocated$([ "$excl" = 0 ] || echo " excluding ${cache##*/}/ ($excl)"), ${r_app[$name]} apparent (allocated: ${r_du[$name]})"
}

# --- the runs, one at a time ------------------------------------------------------------------
c0=0
run_sextant() {
  local dir=$work/sextant port pid token
  mkdir -p "$dir"
  port=$(free_port)
  r_ver[sextant]=$("$sextant" --version)
  say "sextant: starting server on 127.0.0.1:$port, data dir $dir/data"
  "$sextant" server --listen "127.0.0.1:$port" --data-dir "$dir/data" >"$dir/server.log" 2>&1 &
  pid=$!
  pids+=("$pid")
  wait_http "http://127.0.0.1:$port/v1/ping" "$pid" "$dir/server.log"
  [ -s "$dir/data/default.token" ] || die "sextant: no $dir/data/default.token"
  token=$(<"$dir/data/default.token")
  c0=$(cpu_ticks "$pid")
  post sextant "http://127.0.0.1:$port/v1/write/metric?token=$token" "$pid"
  # Sextant persists on SIGTERM (the storage engine flushes at shutdown; the WAL is on disk).
  finish sextant "$pid" TERM "$dir/data"
}

run_vm() {
  local dir=$work/vm port pid
  mkdir -p "$dir"
  port=$(free_port)
  r_ver[vm]="victoria-metrics $(pkg_version victoria-metrics)"
  peers_start_vm "$dir" "$port"
  pid=$vm_pid
  c0=$(cpu_ticks "$pid")
  post vm "http://127.0.0.1:$port/write" "$pid"
  say "vm: GET /internal/force_flush, waiting for the on-disk size to settle"
  curl -fsS -o /dev/null "http://127.0.0.1:$port/internal/force_flush"
  settle "$dir/data"
  # VictoriaMetrics saves its in-memory caches to cache/ on shutdown: not stored data, excluded.
  finish vm "$pid" INT "$dir/data" "$dir/data/cache"
}

run_influx() {
  local dir=$work/influx port rpc pid
  mkdir -p "$dir/data"
  port=$(free_port)
  rpc=$(free_port)
  r_ver[influx]="influxdb $(pkg_version influxdb)"
  # Only what differs from the 1.6 defaults: own dirs and loopback ports, no phoning home, no
  # _internal monitoring database (it would add bytes and CPU), no access log, and a short cold
  # duration so that the cache is snapshotted to TSM files (and the WAL dropped) soon after the
  # writes; full compaction of cold shards likewise, so that the size measured is the settled one.
  cat >"$dir/influxdb.conf" <<EOF
reporting-disabled = true
bind-address = "127.0.0.1:$rpc"
[meta]
  dir = "$dir/data/meta"
[data]
  dir = "$dir/data/data"
  wal-dir = "$dir/data/wal"
  cache-snapshot-write-cold-duration = "1s"
  compact-full-write-cold-duration = "5s"
[monitor]
  store-enabled = false
[http]
  bind-address = "127.0.0.1:$port"
  log-enabled = false
[continuous_queries]
  enabled = false
EOF
  say "influx: starting influxd on 127.0.0.1:$port (rpc 127.0.0.1:$rpc), data dir $dir/data"
  influxd -config "$dir/influxdb.conf" >"$dir/server.log" 2>&1 &
  pid=$!
  pids+=("$pid")
  wait_http "http://127.0.0.1:$port/ping" "$pid" "$dir/server.log"
  curl -fsS -o /dev/null -XPOST "http://127.0.0.1:$port/query" --data-urlencode "q=CREATE DATABASE bench"
  c0=$(cpu_ticks "$pid")
  post influx "http://127.0.0.1:$port/write?db=bench" "$pid"
  say "influx: waiting for the cache snapshot and the full compaction (one TSM file per shard)"
  settle "$dir/data" influx_compacted
  finish influx "$pid" INT "$dir/data"
}

started=$(date -u '+%Y-%m-%d %H:%M:%S UTC')
for s in "${systems[@]}"; do
  "run_$s"
done

# --- report -------------------------------------------------------------------------------------
label() {
  case $1 in sextant) echo Sextant ;; vm) echo VictoriaMetrics ;; influx) echo "InfluxDB 1.6" ;; esac
}
vals() { echo $((${r_points[$1]} * fields)); }
vpc() { # NAME [r_cpu|r_cpu_all]
  local -n cpu=${2:-r_cpu}
  awk -v v="$(vals "$1")" -v c="${cpu[$1]}" 'BEGIN { if (c > 0) printf "%.0f", v / c; else print "nan" }'
}
bpv() { awk -v v="$(vals "$1")" -v b="${r_bytes[$1]}" 'BEGIN { printf "%.2f", b / v }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "nan" || b == "nan" || b == 0) print "n/a"; else printf "%.2fx", a / b }'; }
goal() { # RATIO OP LIMIT
  awk -v r="${1%x}" -v op="$2" -v l="$3" 'BEGIN {
    if (r == "n/a") { print "n/a"; exit }
    ok = (op == ">=") ? (r >= l) : (r <= l); print (ok ? "met" : "NOT met") }'
}

header=(system points values "wall s" "server CPU s" "values/CPU-s" "CPU s to persisted"
  "bytes on disk" "bytes/value" "du -sb" "peak RSS MB" "stop s")
rows=()
for s in "${systems[@]}"; do
  rows+=("$(label "$s")|${r_points[$s]}|$(vals "$s")|${r_wall[$s]}|${r_cpu[$s]}|$(vpc "$s")|${r_cpu_all[$s]}|${r_bytes[$s]}|$(bpv "$s")|${r_app[$s]}|$(awk -v k="${r_hwm[$s]}" 'BEGIN { printf "%.1f", k / 1024 }')|${r_stop[$s]}")
done
ratio_rows=()
if has sextant; then
  for p in vm influx; do
    has "$p" || continue
    rv=$(ratio "$(vpc sextant)" "$(vpc "$p")")
    rp=$(ratio "$(vpc sextant r_cpu_all)" "$(vpc "$p" r_cpu_all)")
    rb=$(ratio "$(bpv sextant)" "$(bpv "$p")")
    if [ "$p" = vm ]; then
      ratio_rows+=("Sextant / $(label "$p")|$rv (goal >= 2x: $(goal "$rv" '>=' 2))|$rp|$rb (goal <= 0.8x: $(goal "$rb" '<=' 0.8))")
    else
      ratio_rows+=("Sextant / $(label "$p")|$rv|$rp|$rb")
    fi
  done
fi

print_table() { # FORMAT(text|md) HEADER-FIELDS... -- ROWS...
  local fmt=$1 sep='|' r
  shift
  local -a hdr=() body=()
  while [ "$1" != -- ]; do
    hdr+=("$1")
    shift
  done
  shift
  body=("$@")
  if [ "$fmt" = md ]; then
    local IFS='|' line
    line="${hdr[*]}"
    echo "| ${line//|/ | } |"
    printf '|'
    for _ in "${hdr[@]}"; do printf -- '---|'; done
    echo
    for r in "${body[@]}"; do echo "| ${r//|/ | } |"; done
  else
    local IFS='|'
    { echo "${hdr[*]}" && printf '%s\n' "${body[@]}"; } | column -t -s "$sep" -o '  '
  fi
}

workload="gen_lp.py --series $series --steps $steps --fields $fields --seed $seed --conns $conns"
workload+=" ($((series * steps)) points x $fields float fields, 4 tags, 10k-line batches, LP over HTTP)"
echo
say "results ($workload)"
print_table text "${header[@]}" -- "${rows[@]}"
if [ ${#ratio_rows[@]} -gt 0 ]; then
  echo
  print_table text "ratio" "values per CPU-second" "same, CPU to persisted" "bytes per value" -- "${ratio_rows[@]}"
fi

mkdir -p "$here/bench/results"
out=$here/bench/results/storage-peers-$(date -u +%Y%m%d-%H%M%S).md
{
  echo "# Storage peers ingest benchmark, $started"
  echo
  echo "- Workload: \`$workload\`, the same for every system, one system at a time."
  echo "- Host: $(nproc) CPUs ($(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)), $(uname -sr)."
  echo "- Commit: $(git -C "$here" rev-parse --short HEAD 2>/dev/null || echo '?')$(git -C "$here" diff --quiet HEAD 2>/dev/null || echo ' (dirty tree)')."
  for s in "${systems[@]}"; do
    echo "- $(label "$s"): ${r_ver[$s]}; stopped with exit status ${r_rc[$s]}; data dir (allocated bytes): ${r_du[$s]}."
  done
  echo "- server CPU s: utime+stime of the server over the POSTs (gen_lp.py --pid); CPU s to"
  echo "  persisted: from ready to the exit (adds the flushes/merges after the writes and at shutdown);"
  echo "  bytes on disk: blocks allocated (\`du -s -B1\`) in the data dir after a graceful stop, less"
  echo "  VictoriaMetrics' cache/ (caches saved on shutdown); du -sb: apparent size of the whole data dir"
  echo "  (InfluxDB's series file segments are sparse 4 MiB files); peak RSS: VmHWM before the stop."
  if [ $((series * steps)) -lt 1000000 ]; then
    echo "- Smaller than the 1 M-point workload of issue 4 (CPU is counted in 10 ms ticks): a check"
    echo "  that the bench works, not a result to compare with the goals."
  fi
  echo
  print_table md "${header[@]}" -- "${rows[@]}"
  if [ ${#ratio_rows[@]} -gt 0 ]; then
    echo
    print_table md "ratio" "values per CPU-second" "same, CPU to persisted" "bytes per value" -- "${ratio_rows[@]}"
  fi
} >"$out"
echo
say "wrote ${out#"$here"/}"
