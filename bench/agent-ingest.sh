#!/usr/bin/env bash
# bench/agent-ingest.sh [agent_ingest flags]: builds the release tree and measures the whole
# agent (see bench/agent_ingest.cc): idle RSS with the default inputs, and line-protocol ingest to
# a null DataWay in points per agent CPU-second; with --spans zipkin|otlp, span ingest through the
# zipkin / opentelemetry inputs in spans per agent CPU-second; with --logs plain|grok, file tailing
# and shipping (without / with a grok Pipeline script) in MB of log per agent CPU-second.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cmake --preset release >/dev/null
cmake --build "$here/build/release" --target sextant agent_ingest
exec "$here/build/release/bench/agent_ingest" "$here/build/release/apps/sextant/sextant" "$@"
