# Shared helpers of infra/up.sh and infra/down.sh. Sourced, not run.
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
KAFKA_DIR="$ROOT/infra/kafka"
STATE_DIR="$ROOT/var/infra"
KAFKA_DATA="$ROOT/var/kafka/data"
KAFKA_LOG="$ROOT/var/kafka/kafka.log"
KAFKA_PID="$STATE_DIR/kafka.pid"
KAFKA_HOST=127.0.0.1
KAFKA_PORT=9092
mkdir -p "$STATE_DIR" "$ROOT/var/kafka"

say() { printf '[infra] %s\n' "$*"; }
die() { printf '[infra] ERROR: %s\n' "$*" >&2; exit 1; }

# True when something accepts TCP connections on host:port.
port_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

pid_alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }
