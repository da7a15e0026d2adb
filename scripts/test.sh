#!/usr/bin/env bash
# The whole test suite on a fresh clone: packages, infrastructure, type-check, import checks, native backend, Jest.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ensure_packages

# kcat is the independent Kafka client of the integration tests; prometheus and promtool check the committed
# Prometheus configuration and scrape the services (test/integration/prometheus.spec.ts); chromium is the browser of
# the dashboard's browser test (test/browser), driven by playwright-core.
ensure_debian_tool kcat kcat "the integration tests"
ensure_debian_tool promtool prometheus "the integration tests" --no-install-recommends
ensure_debian_tool prometheus prometheus "the integration tests" --no-install-recommends
ensure_debian_tool chromium chromium "the browser test"

step "infrastructure"
bash infra/up.sh

step "type-check (tsc --noEmit, strict)"
npx tsc --noEmit -p tsconfig.json

step "circular imports (madge) and dependency direction"
npx madge --circular --extensions ts --ts-config tsconfig.json apps libs ml
node scripts/check-boundaries.js

# TensorFlow's native backend (tfjs-node built against TensorFlow's C library): the jest project `native` runs on it.
# Where it cannot be built the rest of the suite still runs, and the native tests fail saying what was missing.
step "TensorFlow native backend (npm run setup:tensorflow)"
bash scripts/setup-tensorflow.sh || echo "[setup:tensorflow] not built: the native tests will say why" >&2

step "jest: unit, integration, e2e, browser, native"
npx jest --ci --maxWorkers=2 "$@"
