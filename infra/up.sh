#!/usr/bin/env bash
# Starts the local infrastructure without Docker: an Apache Kafka broker (KRaft, single node,
# 127.0.0.1:9092) from Maven Central jars, and makes sure PostgreSQL and Redis answer.
# Idempotent: what already runs is left alone. infra/down.sh stops only what this script started.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

missing=()
if ! command -v java >/dev/null; then missing+=("Java 17+ (Debian: apt-get install openjdk-17-jre-headless)"); fi
if ! command -v mvn >/dev/null; then missing+=("Apache Maven (Debian: apt-get install maven)"); fi
if [ ${#missing[@]} -gt 0 ] && ! port_open "$KAFKA_HOST" "$KAFKA_PORT"; then
  die "missing: ${missing[*]}. Or, with Docker installed, run: docker compose up"
fi

# 1. Kafka jars, resolved once into infra/kafka/.cache/lib
if ! ls "$KAFKA_DIR"/.cache/lib/kafka_2.13-*.jar >/dev/null 2>&1; then
  say "resolving the Kafka broker from Maven Central (once)"
  (cd "$KAFKA_DIR" && mvn -q -B dependency:copy-dependencies) || die "mvn could not resolve org.apache.kafka:kafka_2.13"
fi

# 2. The broker
if port_open "$KAFKA_HOST" "$KAFKA_PORT"; then
  say "Kafka already answers on $KAFKA_HOST:$KAFKA_PORT"
else
  java_major=$(java -version 2>&1 | sed -nE 's/.*version "([0-9]+).*/\1/p' | head -1)
  [ "${java_major:-0}" -ge 17 ] || die "Java 17+ is required for the Kafka broker (found ${java_major:-none})"
  CP="$KAFKA_DIR/.cache/lib/*"
  JOPTS=(-Xms256m -Xmx768m -XX:+UseG1GC -Djava.awt.headless=true
         "-Dlog4j2.configurationFile=$KAFKA_DIR/log4j2.yaml")
  mkdir -p "$KAFKA_DATA"
  # The committed template plus this checkout's data directory.
  PROPS="$ROOT/var/kafka/server.properties"
  { cat "$KAFKA_DIR/server.properties"; echo "log.dirs=$KAFKA_DATA"; } >"$PROPS"
  if [ ! -f "$KAFKA_DATA/meta.properties" ]; then
    say "formatting KRaft storage in $KAFKA_DATA"
    cluster_id=$(java "${JOPTS[@]}" -cp "$CP" kafka.tools.StorageTool random-uuid | tail -1)
    java "${JOPTS[@]}" -cp "$CP" kafka.tools.StorageTool format -t "$cluster_id" \
      -c "$PROPS" --ignore-formatted >/dev/null
  fi
  say "starting Kafka (log: $KAFKA_LOG)"
  nohup setsid java "${JOPTS[@]}" -cp "$CP" kafka.Kafka "$PROPS" >>"$KAFKA_LOG" 2>&1 </dev/null &
  echo $! >"$KAFKA_PID"
  for _ in $(seq 1 120); do
    port_open "$KAFKA_HOST" "$KAFKA_PORT" && break
    pid_alive "$KAFKA_PID" || { tail -30 "$KAFKA_LOG" >&2; die "the Kafka broker exited; see $KAFKA_LOG"; }
    sleep 0.5
  done
  port_open "$KAFKA_HOST" "$KAFKA_PORT" || die "Kafka did not answer within 60 s; see $KAFKA_LOG"
fi

# 3. PostgreSQL: start the local cluster only if it is installed and stopped
if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
  if command -v pg_ctlcluster >/dev/null && [ -d /etc/postgresql ]; then
    say "starting the local PostgreSQL cluster"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start
    touch "$STATE_DIR/started-postgres"
    for _ in $(seq 1 60); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 0.5; done
  fi
  pg_isready -q -h 127.0.0.1 -p 5432 || die "PostgreSQL does not answer on 127.0.0.1:5432 (install postgresql, or use docker compose)"
fi

# 4. Redis
if ! port_open 127.0.0.1 6379; then
  if command -v redis-server >/dev/null; then
    say "starting a local Redis server"
    redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no \
      --pidfile "$STATE_DIR/redis.pid" --logfile "$ROOT/var/infra/redis.log"
    touch "$STATE_DIR/started-redis"
    for _ in $(seq 1 40); do port_open 127.0.0.1 6379 && break; sleep 0.25; done
  fi
  port_open 127.0.0.1 6379 || die "Redis does not answer on 127.0.0.1:6379 (install redis-server, or use docker compose)"
fi

# 5. Database and topics (idempotent), through the project's own config and clients
node -r @swc-node/register "$ROOT/infra/bootstrap.ts"
say "ready: Kafka 127.0.0.1:9092, PostgreSQL 127.0.0.1:5432, Redis 127.0.0.1:6379"
