#!/usr/bin/env bash
# The whole test suite, as CI runs it: static checks, build, unit tests, then the
# integration tier against real Kafka, PostgreSQL and Redis started by infra/local.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p test-results

step() { printf '\n=== %s ===\n' "$*"; }

step "build"
npm run build

step "typecheck and lint"
npm run lint

step "unit tests"
node scripts/run-tests.mjs unit

step "local services (Kafka, PostgreSQL, Redis)"
started_here=0
# NOTE: capture first; `status | grep -q` under pipefail fails on SIGPIPE and hides "down".
status=$(bash infra/local/services.sh status 2>&1 || true)
case "$status" in *down*) started_here=1 ;; esac
bash infra/local/services.sh up
if [ "$started_here" = 1 ] && [ -z "${FLEETSCOPE_KEEP_SERVICES:-}" ]; then
  # Leave a developer's already-running services alone; stop the ones this run started.
  trap 'bash infra/local/services.sh down >/dev/null 2>&1 || true' EXIT
fi

step "browser (Debian's Chromium for the dashboard tests)"
bash infra/local/services.sh browser

step "integration tests"
node scripts/run-tests.mjs integration

# One closing line over both tiers, counted from the TAP files the runs wrote.
node scripts/summarize-tests.mjs test-results/unit.tap test-results/integration.tap
