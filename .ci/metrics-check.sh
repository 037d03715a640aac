#!/usr/bin/env bash
# The metrics checks of issue 7, on their own:
#   1. the metrics tests (bounded per-room series with 5,000 rooms; the dashboard's metric names exist in a
#      live scrape; the scrape passes `promtool check metrics` — required here, never skipped);
#   2. with --prometheus: grafana/prometheus-check.sh, a real Prometheus scraping two instances under load
#      and evaluating every dashboard query (packages the application first).
# promtool comes from the Debian package "prometheus", installed here when missing (as root with apt).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v promtool >/dev/null 2>&1; then
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = "0" ]; then
    echo ".ci/metrics-check.sh: installing the Debian package prometheus (promtool)"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq prometheus >/dev/null
  else
    echo ".ci/metrics-check.sh: promtool is missing and cannot be installed (need root and apt-get)" >&2
    exit 1
  fi
fi

./mvnw -B test -Dtest='dev.roomcast.metrics.*Test' -Dsurefire.failIfNoSpecifiedTests=false \
  -Dpromtool.required=true

if [ "${1:-}" = "--prometheus" ]; then
  ./mvnw -B -q package -DskipTests
  grafana/prometheus-check.sh
fi
