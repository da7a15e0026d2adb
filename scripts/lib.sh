# Shared steps of scripts/test.sh and scripts/start.sh. Sourced, not run.
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

# npm packages, installed when missing or older than package-lock.json
ensure_packages() {
  if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    step "installing npm packages"
    npm ci --no-audit --no-fund
  fi
}

# A command the tests need, from its Debian package when missing (installed when run as root with apt-get; otherwise
# a message naming the package, and exit 1). ensure_debian_tool COMMAND PACKAGE WHAT-FOR [APT-OPTIONS...]
ensure_debian_tool() {
  local cmd="$1" pkg="$2" why="$3"
  shift 3
  command -v "$cmd" >/dev/null 2>&1 && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    step "installing $pkg (Debian package)"
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" "$pkg" >/dev/null
  else
    echo "$cmd is needed by $why: install it (Debian/Ubuntu: apt-get install $pkg)" >&2
    exit 1
  fi
}
