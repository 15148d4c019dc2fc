#!/usr/bin/env bash
# scripts/agent-link-order.sh [idle seconds]: regenerates apps/sextant/agent_idle_order.ld, the
# list of functions an idle `sextant agent` runs (start-up, the default host inputs, the uploader
# to a DataWay, shutdown), which the release link places first and together (cmake/README.md).
#
# Builds the release tree, runs bench/agent_ingest's idle phase (default inputs, a null DataWay)
# with the agent under valgrind's callgrind for the given seconds (default 90: several 10 s
# collect cycles at valgrind's speed), and writes every function of the sextant binary that ran.
# Run it when the agent's start-up or idle path changes much, then rebuild and check the idle RSS
# with bench/agent-ingest.sh. Needs valgrind.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
idle=${1:-90}
command -v valgrind >/dev/null || { echo "needs valgrind (apt-get install valgrind)" >&2; exit 1; }
order="$here/apps/sextant/agent_idle_order.ld"
work=$(mktemp -d /tmp/sextant-link-order-XXXXXX)
cp "$order" "$work/previous.ld"
# On failure the previous order comes back.
trap 'cp "$work/previous.ld" "$order"; rm -rf "$work"' EXIT
# Valgrind reads symbols only from the section named .text: trace a binary linked without the
# ordered section (the same functions, so the same names).
printf '/* Empty while scripts/agent-link-order.sh traces. */\nSECTIONS\n{\n  .text.agent_idle : { }\n}\nINSERT BEFORE .text;\n' >"$order"
cmake --preset release >/dev/null
cmake --build "$here/build/release" --target sextant agent_ingest
# agent_ingest starts "<binary> agent --install-dir ..."; this wrapper puts callgrind in between.
cat >"$work/agent.sh" <<WRAP
#!/bin/sh
exec valgrind --tool=callgrind --demangle=no --callgrind-out-file=$work/callgrind.%p.out \
  "$here/build/release/apps/sextant/sextant" "\$@" 2>>"$work/valgrind.log"
WRAP
chmod +x "$work/agent.sh"
# Only the idle phase matters; the ingest phase that follows runs
# a second agent briefly, whose profile is not used.
"$here/build/release/bench/agent_ingest" "$work/agent.sh" --idle-seconds "$idle" --points 1 \
  --batch 1 --clients 1 >"$work/agent_ingest.log" 2>&1 || true
first=$(ls -tr "$work"/callgrind.*.out | head -1)
[ -s "$first" ] || { echo "no callgrind profile:" >&2; tail "$work/valgrind.log" >&2; exit 1; }
python3 "$here/scripts/callgrind_order.py" /sextant "$first" >"$work/new.ld"
cp "$work/new.ld" "$work/previous.ld"
cp "$work/new.ld" "$order"
cmake --build "$here/build/release" --target sextant
echo "wrote apps/sextant/agent_idle_order.ld: $(grep -c '^    \*(' "$order") sections"
