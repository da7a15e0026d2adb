#!/usr/bin/env bash
# Everything on a fresh clone: packages, infrastructure, build, the three services and (unless SIMULATOR=off) the
# demo shop simulator. Ctrl-C stops everything it started: the services, and the infrastructure when this run started
# it (a broker or server that was already running is left running).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ensure_packages
step "infrastructure"
# whether infra:up has anything running already (then it is someone else's to stop)
infra_before="$(ls var/infra/started-redis var/infra/started-postgres 2>/dev/null || true)"
if [ -f var/infra/kafka.pid ] && kill -0 "$(cat var/infra/kafka.pid)" 2>/dev/null; then infra_before+=" kafka"; fi
kafka_answered=0
(exec 3<>/dev/tcp/127.0.0.1/9092) 2>/dev/null && kafka_answered=1
bash infra/up.sh
step "build"
npm run build --silent

if [ -z "${ADMIN_TOKEN:-}" ]; then
  ADMIN_TOKEN="$(node -e 'console.log(require("crypto").randomBytes(18).toString("base64url"))')"
fi
export ADMIN_TOKEN

# The demo: synthetic shoppers, a training step every DEMO_HOUR_SECONDS, and a gate sized to their traffic (about 20
# visits/s make a few hundred first-time positives per demo hour; the gate holds out a tenth, at least this many).
export SIMULATOR="${SIMULATOR:-on}"
if [ "$SIMULATOR" = on ]; then
  export DEMO_HOUR_SECONDS="${DEMO_HOUR_SECONDS:-60}"
  export GATE_MIN_POSITIVES="${GATE_MIN_POSITIVES:-150}"
fi

mkdir -p var/log
pids=()
stop_all() {
  trap - INT TERM EXIT
  echo
  step "stopping services"
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait "${pids[@]}" 2>/dev/null || true
  if [ -z "$infra_before" ] && [ "$kafka_answered" = 0 ]; then
    step "stopping the infrastructure this run started"
    bash infra/down.sh || true
  fi
}
trap stop_all INT TERM EXIT

# The ingest service allocates a short-lived object per message: a larger young generation
# spends less time in garbage collection (measured: about 15% more events/s).
declare -A node_flags=([ingest]="--max-semi-space-size=64" [trainer]="" [api]="" [simulator]="")
services=(ingest trainer api)
[ "$SIMULATOR" = on ] && services+=(simulator)
for svc in "${services[@]}"; do
  # shellcheck disable=SC2086
  node ${node_flags[$svc]} "dist/apps/$svc/src/main.js" > >(sed -u "s/^/[$svc] /") 2>&1 &
  pids+=($!)
done

api="http://127.0.0.1:${PORT:-3000}"
for _ in $(seq 1 120); do curl -fs "$api/health/live" >/dev/null 2>&1 && break; sleep 0.5; done
step "running"
cat <<TXT
  dashboard      $api/dashboard
  API            $api            (GET /v1/recommendations, POST /v1/rank, POST /v1/events, /v1/admin/*)
  API docs       $api/docs
  CTR stats      $api/v1/stats/ctr
  ingest         http://127.0.0.1:${INGEST_PORT:-3001}/metrics
  trainer        http://127.0.0.1:${TRAINER_PORT:-3002}/metrics
  admin token    $ADMIN_TOKEN
  CLI            ADMIN_TOKEN=$ADMIN_TOKEN npm run recsys -- models
  Ctrl-C stops the services, and the infrastructure if this run started it.
TXT
if [ "$SIMULATOR" = on ]; then
  echo "  demo shop      ${SIM_VISITS_PER_SECOND:-20} visits/s; a training step every ${DEMO_HOUR_SECONDS} s (SIMULATOR=off for none)"
fi
wait -n "${pids[@]}" || true
