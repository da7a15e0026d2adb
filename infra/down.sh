#!/usr/bin/env bash
# Stops only what infra/up.sh started: the Kafka broker, and PostgreSQL or Redis if up.sh had to start them.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

if pid_alive "$KAFKA_PID"; then
  pid=$(cat "$KAFKA_PID")
  say "stopping Kafka (pid $pid)"
  kill -TERM "$pid"
  for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
fi
rm -f "$KAFKA_PID"

if [ -f "$STATE_DIR/started-redis" ]; then
  say "stopping the Redis server infra:up started"
  pid_alive "$STATE_DIR/redis.pid" && kill -TERM "$(cat "$STATE_DIR/redis.pid")"
  rm -f "$STATE_DIR/started-redis"
fi
if [ -f "$STATE_DIR/started-postgres" ]; then
  say "stopping the PostgreSQL cluster infra:up started"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main stop || true
  rm -f "$STATE_DIR/started-postgres"
fi
say "stopped what infra:up started"
