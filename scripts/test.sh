#!/usr/bin/env bash
# The whole test suite on a fresh clone: packages, infrastructure, type-check, import checks, Jest.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ensure_packages

# kcat is the independent Kafka client of the integration tests.
if ! command -v kcat >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    step "installing kcat (Debian package)"
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq kcat >/dev/null
  else
    echo "kcat is needed by the integration tests: install it (Debian/Ubuntu: apt-get install kcat)" >&2
    exit 1
  fi
fi

# prometheus and promtool check the committed Prometheus configuration and scrape the services (test/integration/prometheus.spec.ts).
if ! command -v prometheus >/dev/null 2>&1 || ! command -v promtool >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    step "installing prometheus (Debian package)"
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus >/dev/null
  else
    echo "prometheus and promtool are needed by the integration tests: install them (Debian/Ubuntu: apt-get install prometheus)" >&2
    exit 1
  fi
fi

step "infrastructure"
bash infra/up.sh

step "type-check (tsc --noEmit, strict)"
npx tsc --noEmit -p tsconfig.json

step "circular imports (madge) and dependency direction"
npx madge --circular --extensions ts --ts-config tsconfig.json apps libs ml
node scripts/check-boundaries.js

step "jest: unit, integration, e2e"
npx jest --ci --maxWorkers=2 "$@"
