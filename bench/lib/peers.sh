# shellcheck shell=bash disable=SC2034,SC2154 # variables set by, or for, the sourcing script
# bench/lib/peers.sh: helpers shared by bench/storage-peers.sh and bench/query-peers.sh, sourced
# by them (`. "$here/bench/lib/peers.sh"`), not run. The sourcing script sets, before calling:
#   peers_name  its name in messages and the temp dir prefix (storage-peers, query-peers)
#   here        the repository root;  sextant  the release binary
#   systems     the selected systems (peers_select_systems fills it)
#   do_build, do_install, keep  0/1 from its flags;  settle_max  seconds (for settle)
#   wait_http_s optional, seconds wait_http waits for a server (default 60)
#   usage       a function printing its usage (for peers_flag)
# and gets: die, say, peers_flag, has, peers_select_systems, peers_require, peers_install,
# pkg_version, peers_build_sextant, peers_start_vm, peers_workdir (work, pids, the cleanup trap),
# proc_alive, stop_pid, free_port, wait_http, cpu_ticks, children_cpu_s, hwm_kb, du_b, du_alloc,
# elapsed, settle.

die() {
  echo "$peers_name: $*" >&2
  exit 1
}

say() { printf '==> %s %s\n' "$(date +%T)" "$*"; }

# peers_flag ARG: the flags both scripts take (--no-build, --no-install, --keep, -h/--help);
# any other ARG is an error (the script's usage on stderr, then die).
peers_flag() {
  case $1 in
    --no-build) do_build=0 ;;
    --no-install) do_install=0 ;;
    --keep) keep=1 ;;
    -h | --help)
      usage
      exit 0
      ;;
    *)
      usage >&2
      die "unknown argument '$1'"
      ;;
  esac
}

# peers_select_systems KNOWN ORDER...: sets systems to the names of --only (the comma-separated
# $only) in ORDER; dies on a name not in KNOWN (space-separated, in the order of the message).
peers_select_systems() {
  local known=$1 s w
  shift
  local -a wanted
  IFS=, read -r -a wanted <<<"$only"
  for w in "${wanted[@]}"; do
    [[ " $known " == *" $w "* ]] || die "--only: unknown system '$w' (${known// /, })"
  done
  systems=()
  for s in "$@"; do
    for w in "${wanted[@]}"; do
      [ "$w" = "$s" ] && systems+=("$s") && break
    done
  done
  [ ${#systems[@]} -gt 0 ] || die "--only selects nothing"
}

has() {
  local s
  for s in "${systems[@]}"; do [ "$s" = "$1" ] && return 0; done
  return 1
}

peers_require() { # the tools every run needs
  command -v python3 >/dev/null || die "python3 is required"
  command -v curl >/dev/null || die "curl is required"
}

# --- peers from Debian ------------------------------------------------------------------------
installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }

# peers_install PKG...: installs those of the packages (each must be listed in bench/apt.txt)
# that are missing, unless --no-install was given.
peers_install() {
  local p unit
  local -a missing=() apt sc
  for p in "$@"; do
    grep -qx "$p" "$here/bench/apt.txt" || die "$p is not listed in bench/apt.txt"
    installed "$p" || missing+=("$p")
  done
  [ ${#missing[@]} -gt 0 ] || return 0
  [ "$do_install" = 1 ] || die "missing packages (--no-install given): ${missing[*]}"
  say "installing ${missing[*]} from Debian"
  apt=(apt-get)
  [ "$(id -u)" = 0 ] || apt=(sudo apt-get)
  if ! DEBIAN_FRONTEND=noninteractive "${apt[@]}" install -y "${missing[@]}"; then
    "${apt[@]}" update
    DEBIAN_FRONTEND=noninteractive "${apt[@]}" install -y "${missing[@]}"
  fi
  # The packages enable (and under systemd start) their system services (victoria-metrics on
  # :8428, influxdb on :8086, prometheus on :9090). The benches never use them; stop and disable
  # the ones just installed so they do not compete for CPU. Instances that were installed before
  # are left as they are.
  if [ -d /run/systemd/system ] && command -v systemctl >/dev/null; then
    sc=(systemctl)
    [ "$(id -u)" = 0 ] || sc=(sudo systemctl)
    for p in "${missing[@]}"; do
      unit=$p.service
      say "stopping and disabling the system service $unit (installed just now; not used here)"
      "${sc[@]}" disable --now "$unit" || true
    done
  fi
}

pkg_version() { dpkg-query -W -f='${Version}' "$1" 2>/dev/null || echo '?'; }

# --- Sextant ----------------------------------------------------------------------------------
peers_build_sextant() { # if sextant is selected: build it (unless --no-build), check it is there
  has sextant || return 0
  if [ "$do_build" = 1 ]; then
    say "building the release tree (target sextant)"
    (cd "$here" && cmake --preset release >/dev/null)
    cmake --build "$here/build/release" --target sextant
  fi
  [ -x "$sextant" ] || die "$sextant not built (run without --no-build)"
}

# peers_start_vm DIR PORT: starts victoria-metrics on 127.0.0.1:PORT with its data in DIR/data
# and its log in DIR/server.log, waits until it answers; sets vm_pid.
peers_start_vm() {
  say "vm: starting victoria-metrics on 127.0.0.1:$2, data dir $1/data"
  victoria-metrics -httpListenAddr="127.0.0.1:$2" -storageDataPath="$1/data" \
    -retentionPeriod=100y >"$1/server.log" 2>&1 &
  vm_pid=$!
  pids+=("$vm_pid")
  wait_http "http://127.0.0.1:$2/health" "$vm_pid" "$1/server.log"
}

# --- processes, the temp dir --------------------------------------------------------------------
# peers_workdir: creates the temp dir $work and sets the traps that stop the servers still in
# $pids and remove $work (or keep it with --keep) on exit.
peers_workdir() {
  work=$(mktemp -d "${TMPDIR:-/tmp}/$peers_name.XXXXXX")
  pids=()
  trap cleanup EXIT
  trap 'exit 130' INT TERM
}

proc_alive() { # a child that exited but was not reaped yet is a zombie: count it as gone
  local st
  st=$(awk '{sub(/.*\) /, ""); print $1}' "/proc/$1/stat" 2>/dev/null) || return 1
  [ -n "$st" ] && [ "$st" != Z ]
}

# stop_pid PID SIGNAL TIMEOUT_S: signal, wait for the exit (a watchdog sends SIGKILL after the
# timeout) and reap. Sets stop_rc (exit status, 137 if killed) and stop_s (signal to exit).
stop_pid() {
  local pid=$1 sig=$2 timeout=$3 t0 dog p rest=()
  t0=$EPOCHREALTIME
  (
    trap 'kill "$nap" 2>/dev/null; exit 0' TERM
    sleep "$timeout" &
    nap=$!
    wait "$nap"
    echo "$peers_name: pid $pid still running ${timeout}s after SIG$sig, sending SIGKILL" >&2
    kill -s KILL "$pid" 2>/dev/null
  ) &
  dog=$!
  kill -s "$sig" "$pid" 2>/dev/null || true
  stop_rc=0
  wait "$pid" 2>/dev/null || stop_rc=$?
  stop_s=$(elapsed "$t0")
  kill "$dog" 2>/dev/null || true
  wait "$dog" 2>/dev/null || true
  for p in "${pids[@]}"; do [ "$p" = "$pid" ] || rest+=("$p"); done
  pids=("${rest[@]}")
}

cleanup() {
  local p
  for p in "${pids[@]}"; do stop_pid "$p" TERM 15 || true; done
  if [ "$keep" = 1 ]; then
    echo "$peers_name: kept $work" >&2
  else
    rm -rf "$work"
  fi
}

free_port() {
  python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

wait_http() { # URL PID LOG: until URL answers 2xx (wait_http_s, default 60 s, at most)
  local i max=${wait_http_s:-60}
  for ((i = 0; i < max * 10; i++)); do
    curl -fsS -o /dev/null "$1" 2>/dev/null && return 0
    proc_alive "$2" || {
      tail -20 "$3" >&2
      die "server exited during startup (log above: $3)"
    }
    sleep 0.1
  done
  tail -20 "$3" >&2
  die "no answer from $1 after $max s"
}

# --- measurements -------------------------------------------------------------------------------
cpu_ticks() { awk '{sub(/.*\) /, ""); print $12 + $13}' "/proc/$1/stat"; }
# children_cpu_s: sets children_s to the user+system seconds of this shell's reaped children
# (bash's times builtin, which must run in this shell: not in a $(...) subshell).
children_cpu_s() {
  times >"$work/times"
  children_s=$(awk 'NR == 2 { split($1, u, /[ms]/); split($2, s, /[ms]/); printf "%.3f", u[1] * 60 + u[2] + s[1] * 60 + s[2] }' "$work/times")
}
hwm_kb() { awk '/^VmHWM:/ { print $2 }' "/proc/$1/status"; }
du_b() { du -sb "$1" | cut -f1; } # apparent size (counts holes of sparse files)
du_alloc() { du -s -B1 "$1" | cut -f1; } # blocks allocated
elapsed() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }'; } # since T0

# settle DIR [COND]: wait until COND (a command, given DIR; default true) holds and du of DIR is
# unchanged for 10 s (checks 2 s apart), settle_max seconds at most.
settle() {
  local dir=$1 cond=${2:-true} prev=-1 cur same=0 t0=$SECONDS
  while :; do
    cur=$(du_b "$dir")
    if [ "$cur" = "$prev" ] && "$cond" "$dir"; then same=$((same + 1)); else same=0; fi
    [ "$same" -ge 5 ] && break
    if [ $((SECONDS - t0)) -ge "$settle_max" ]; then
      echo "$peers_name: $dir still changing after ${settle_max}s, measuring anyway" >&2
      break
    fi
    prev=$cur
    sleep 2
  done
  say "  on-disk size settled at $cur bytes after $((SECONDS - t0)) s"
}
