#!/usr/bin/env bash
# scripts/run.sh [sextant agent args...]: what `make run` starts.
# Prepares a local install dir (build/run-home, a DataKit-style layout with conf.d/) on first use,
# then starts the agent in the foreground. It prints where it listens; Ctrl-C stops it.
# It runs `sextant standalone`: the agent (DataKit API on SEXTANT_LISTEN) shipping to the backend
# (SEXTANT_SERVER_LISTEN, data in build/run-home/data) in the same process.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
home=${SEXTANT_HOME:-$here/build/run-home}
listen=${SEXTANT_LISTEN:-127.0.0.1:9529}
mkdir -p "$home/conf.d"
if [ ! -f "$home/conf.d/datakit.conf" ]; then
  cat > "$home/conf.d/datakit.conf" <<CONF
# Created by make run. Same format as DataKit's datakit.conf.
[http_api]
  listen = "$listen"
CONF
fi
# Span receivers (as the seeds' zipkin.conf; OTLP/HTTP too), so traces can be sent right away.
if [ ! -f "$home/conf.d/tracing.conf" ]; then
  cat > "$home/conf.d/tracing.conf" <<CONF
# Created by make run: Zipkin (POST /api/v1/spans, /api/v2/spans) and OTLP/HTTP traces
# (POST /otel/v1/traces, /v1/traces) on the agent's port. docs/inputs/zipkin.md
[[inputs.zipkin]]
  pathV1 = "/api/v1/spans"
  pathV2 = "/api/v2/spans"
[[inputs.opentelemetry]]
CONF
fi
# Logs: *.log files under logs/ are tailed (source "default"); Pipeline scripts go in pipeline/.
# GitLab webhooks (POST /v1/gitlab) and browser RUM (POST /v1/write/rum) are accepted too.
mkdir -p "$home/logs" "$home/pipeline"
if [ ! -f "$home/conf.d/logs_ci_rum.conf" ]; then
  cat > "$home/conf.d/logs_ci_rum.conf" <<CONF
# Created by make run. docs/inputs/logging.md, docs/inputs/gitlab.md, docs/inputs/rum.md
[[inputs.logging]]
  logfiles = ["$home/logs/**/*.log"]
  source = "default"
[[inputs.gitlab]]
  enable_collect = false      # no GitLab /-/metrics to scrape here
  ci_all_statuses = true      # running and pending pipelines too, to follow them live
[[inputs.rum]]
CONF
fi
server_listen=${SEXTANT_SERVER_LISTEN:-127.0.0.1:9528}
exec "$here/build/release/apps/sextant/sextant" standalone --install-dir "$home" \
  --server-listen "$server_listen" --ui-dir "$here/build/ui" "$@"
