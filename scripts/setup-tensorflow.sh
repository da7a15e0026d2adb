#!/usr/bin/env bash
# `npm run setup:tensorflow [-- --gpu]`: TensorFlow's native backend for tfjs (ML_BACKEND=tensorflow | tensorflow-gpu),
# built here instead of downloaded.
#
#  1. resolves TensorFlow's C library (org.tensorflow:tensorflow-core-native, TensorFlow Java's native jar for
#     linux-x86_64, or linux-x86_64-gpu with --gpu) through the Maven project infra/tensorflow/pom.xml;
#  2. unpacks libtensorflow_cc.so.2 and libtensorflow_framework.so.2 into a cache outside the clone, keyed by
#     versions: ${XDG_CACHE_HOME:-~/.cache}/recsys/tensorflow/<tf-java>-<tfjs-node>-node<ABI>[-gpu], with the link
#     names the binding expects (libtensorflow.so -> libtensorflow_cc.so.2);
#  3. installs @tensorflow/tfjs-node (-gpu) without its install script when npm left it out (npm ci drops it: that
#     script downloads libtensorflow and a prebuilt addon), and builds its binding (binding/*.cc) with node-gyp against
#     the declarations in infra/tensorflow/include and Node's installed headers;
#  4. links the cached libraries and addon into the package where its loader looks (deps/lib, lib/napi-v<N>), then
#     loads it once and runs an op.
#
# Idempotent: a second run (or another clone on the same machine) reuses the cache and only checks the links. Writes
# its outcome to var/tensorflow/setup-<cpu|gpu>.txt, which the native tests quote when the backend does not load.
# Exits 1 with a message naming what is missing when it cannot build. RECSYS_CACHE_DIR moves the cache.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

VARIANT=cpu
for a in "$@"; do
  case "$a" in
    --gpu) VARIANT=gpu ;;
    -h|--help) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "setup-tensorflow: unknown option $a (use --gpu)" >&2; exit 2 ;;
  esac
done
if [ "$VARIANT" = gpu ]; then PKG=@tensorflow/tfjs-node-gpu; CLASSIFIER=linux-x86_64-gpu; SUFFIX=-gpu
else PKG=@tensorflow/tfjs-node; CLASSIFIER=linux-x86_64; SUFFIX=; fi

STATUS_DIR="$ROOT/var/tensorflow"
STATUS_FILE="$STATUS_DIR/setup-$VARIANT.txt"
mkdir -p "$STATUS_DIR"
say() { printf '[setup:tensorflow] %s\n' "$*"; }
fail() {
  printf '[setup:tensorflow] ERROR: %s\n' "$*" >&2
  printf 'failed %s: %s\n' "$(date -u +%FT%TZ)" "$*" >"$STATUS_FILE"
  exit 1
}

# --- what this host has -------------------------------------------------------------------------------------------
[ "$(uname -s)-$(uname -m)" = Linux-x86_64 ] ||
  fail "TensorFlow Java's native jar is used for linux-x86_64 only; this host is $(uname -s)-$(uname -m)"

# --- versions and cache key ---------------------------------------------------------------------------------------
POM="$ROOT/infra/tensorflow/pom.xml"
TF_JAVA_VERSION="$(sed -nE 's:.*<tf.java.version>([^<]+)</tf.java.version>.*:\1:p' "$POM" | head -1)"
TFJS_NODE_VERSION="$(node -p "(require('./package-lock.json').packages['node_modules/$PKG'] || {}).version || ''")"
[ -n "$TFJS_NODE_VERSION" ] || fail "$PKG is not in package-lock.json (it is an optional dependency in package.json)"
NODE_ABI="$(node -p 'process.versions.modules')"
KEY="$TF_JAVA_VERSION-$TFJS_NODE_VERSION-node$NODE_ABI$SUFFIX"
CACHE_BASE="${RECSYS_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/recsys}/tensorflow"
CACHE="$CACHE_BASE/$KEY"
# The addon is rebuilt when the declarations it compiles against change.
SRC_HASH="$( (cd "$ROOT/infra/tensorflow" && find include -type f -print0 | sort -z | xargs -0 sha256sum) | sha256sum | cut -c1-16)"
mkdir -p "$CACHE"
exec 9>"$CACHE/.lock"
flock 9 # one setup at a time per cache entry (clones on the same machine share it)

# --- 1+2. the libraries --------------------------------------------------------------------------------------------
LIB="$CACHE/deps/lib"
if [ ! -f "$LIB/.complete" ]; then
  missing=()
  command -v java >/dev/null 2>&1 || missing+=("Java 11+ for Maven (Debian: apt-get install openjdk-17-jre-headless)")
  command -v mvn >/dev/null 2>&1 || missing+=("Apache Maven (Debian: apt-get install maven)")
  command -v python3 >/dev/null 2>&1 || missing+=("Python 3 (Debian: apt-get install python3)")
  [ ${#missing[@]} -eq 0 ] || fail "missing: $(printf '%s; ' "${missing[@]}" | sed 's/; $//')"
  free_mb=$(df -Pm "$CACHE" | awk 'NR==2 {print $4}')
  need_mb=$([ "$VARIANT" = gpu ] && echo 4000 || echo 1200)
  [ "${free_mb:-0}" -ge "$need_mb" ] || fail "about $need_mb MB free needed in $CACHE_BASE (have ${free_mb} MB)"
  say "resolving org.tensorflow:tensorflow-core-native:$TF_JAVA_VERSION:$CLASSIFIER from Maven Central (once)"
  JAR_DIR="$CACHE/jar"
  rm -rf "$JAR_DIR"
  mvn -q -B -f "$POM" dependency:copy-dependencies "-Dtf.classifier=$CLASSIFIER" "-Dtf.outputDirectory=$JAR_DIR" \
    >"$CACHE/mvn.log" 2>&1 || { tail -20 "$CACHE/mvn.log" >&2
    fail "mvn could not resolve org.tensorflow:tensorflow-core-native:$TF_JAVA_VERSION:$CLASSIFIER (log: $CACHE/mvn.log)"; }
  JAR="$(ls "$JAR_DIR"/tensorflow-core-native-*.jar 2>/dev/null | head -1)"
  [ -n "$JAR" ] || fail "mvn resolved no tensorflow-core-native jar into $JAR_DIR"
  say "unpacking $(basename "$JAR") into $LIB"
  rm -rf "$LIB.tmp" && mkdir -p "$LIB.tmp"
  python3 - "$JAR" "$LIB.tmp" <<'PY' || fail "could not unpack the TensorFlow libraries from the jar"
import os, shutil, sys, zipfile
jar, out = sys.argv[1], sys.argv[2]
wanted = {'libtensorflow_cc.so.2', 'libtensorflow_framework.so.2'}
found = set()
with zipfile.ZipFile(jar) as z:
    for info in z.infolist():
        name = os.path.basename(info.filename)
        if name in wanted:
            with z.open(info) as src, open(os.path.join(out, name), 'wb') as dst:
                shutil.copyfileobj(src, dst, 1 << 20)
            found.add(name)
missing = wanted - found
if missing:
    sys.exit('not in the jar: ' + ', '.join(sorted(missing)))
PY
  # the link names of binding.gyp (-ltensorflow -ltensorflow_framework); the addon records the sonames (.so.2)
  ln -sf libtensorflow_cc.so.2 "$LIB.tmp/libtensorflow.so"
  ln -sf libtensorflow_framework.so.2 "$LIB.tmp/libtensorflow_framework.so"
  echo "org.tensorflow:tensorflow-core-native:$TF_JAVA_VERSION:$CLASSIFIER" >"$LIB.tmp/.complete"
  rm -rf "$LIB" && mv "$LIB.tmp" "$LIB"
  rm -rf "$JAR_DIR" # the jar stays in the local Maven repository
fi

# --- 3. the npm package, without its install script -------------------------------------------------------------------
PKG_DIR="$ROOT/node_modules/$PKG"
installed="$(node -p "try { require('./node_modules/$PKG/package.json').version } catch { '' }")"
if [ "$installed" != "$TFJS_NODE_VERSION" ]; then
  say "installing $PKG@$TFJS_NODE_VERSION without its install script (npm ci leaves it out)"
  npm install --no-save --ignore-scripts --no-audit --no-fund "$PKG@$TFJS_NODE_VERSION" >/dev/null ||
    fail "npm could not install $PKG@$TFJS_NODE_VERSION"
fi
NAPI="$(node -p "const b = require('./node_modules/$PKG/package.json').binary; Math.max(...b.napi_versions.filter((v) => v <= +process.versions.napi))")"
MODULE_PATH_REL="$(node -p "require('./node_modules/$PKG/package.json').binary.module_path.replace('{napi_build_version}', '$NAPI')")"
MODULE_NAME="$(node -p "require('./node_modules/$PKG/package.json').binary.module_name")"

# --- 3b. the addon, built once per cache entry and declarations ---------------------------------------------------------
# Laid out as in the package (lib/napi-v<N>/ next to deps/lib) so the addon's rpath $ORIGIN/../../deps/lib holds both
# here and in node_modules.
ADDON="$CACHE/$MODULE_PATH_REL/$MODULE_NAME.node"
if [ ! -f "$ADDON" ] || [ "$(cat "$ADDON.src" 2>/dev/null)" != "$SRC_HASH" ]; then
  # node-gyp's toolchain: a C++17 compiler, make, Python 3 (installed as the other test tools are, when root)
  ( ensure_debian_tool g++ g++ "the tensorflow binding's build (node-gyp)" &&
    ensure_debian_tool make make "the tensorflow binding's build (node-gyp)" &&
    ensure_debian_tool python3 python3 "the tensorflow binding's build (node-gyp)" ) || fail "missing build tools (see above)"
  NODE_PREFIX="$(dirname "$(dirname "$(node -p 'process.execPath')")")"
  [ -f "$NODE_PREFIX/include/node/node_api.h" ] ||
    fail "Node's headers are not at $NODE_PREFIX/include/node (node_api.h): install Node with its headers (Debian: libnode-dev)"
  NODE_GYP="$(npm root -g)/npm/node_modules/node-gyp/bin/node-gyp.js"
  [ -f "$NODE_GYP" ] || fail "node-gyp (bundled with npm) not found at $NODE_GYP"
  say "building the $PKG binding with node-gyp (napi $NAPI, node ABI $NODE_ABI)"
  BUILD="$CACHE/build"
  rm -rf "$BUILD" && mkdir -p "$BUILD/deps"
  cp -r "$PKG_DIR/binding" "$PKG_DIR/binding.gyp" "$PKG_DIR/package.json" "$BUILD/"
  cp -r "$ROOT/infra/tensorflow/include" "$BUILD/deps/include"
  ln -s "$LIB" "$BUILD/deps/lib"
  mkdir -p "$(dirname "$ADDON")"
  (cd "$BUILD" && node "$NODE_GYP" rebuild --nodedir="$NODE_PREFIX" -j 2 \
      --napi_build_version="$NAPI" --module_name="$MODULE_NAME" --module_path="$(dirname "$ADDON")") \
      >"$CACHE/build.log" 2>&1 || { tail -25 "$CACHE/build.log" >&2; fail "node-gyp could not build the binding (log: $CACHE/build.log)"; }
  echo "$SRC_HASH" >"$ADDON.src"
  rm -rf "$BUILD"
fi

# --- 4. into the package ------------------------------------------------------------------------------------------
mkdir -p "$PKG_DIR/deps" "$PKG_DIR/$MODULE_PATH_REL"
if [ "$(readlink "$PKG_DIR/deps/lib" 2>/dev/null)" != "$LIB" ]; then rm -rf "$PKG_DIR/deps/lib"; ln -s "$LIB" "$PKG_DIR/deps/lib"; fi
cmp -s "$ADDON" "$PKG_DIR/$MODULE_PATH_REL/$MODULE_NAME.node" || cp "$ADDON" "$PKG_DIR/$MODULE_PATH_REL/$MODULE_NAME.node"

# A real load: the addon, TensorFlow's libraries and one op on the tensorflow backend.
check="$(TF_CPP_MIN_LOG_LEVEL=2 node -e "
  const tf = require('$PKG');
  tf.setBackend('tensorflow').then(() => {
    const s = tf.add(tf.tensor1d([1, 2]), tf.tensor1d([3, 4])).arraySync();
    if (tf.getBackend() !== 'tensorflow' || s[0] !== 4 || s[1] !== 6) throw new Error('wrong result ' + s);
    const b = tf.backend();
    console.log('TensorFlow ' + b.binding.TF_Version + ' on ' + (b.isUsingGpuDevice ? 'GPU' : 'CPU'));
  }).catch((e) => { console.error(e.message); process.exit(1); });
" 2>&1)" || fail "the built backend does not load: $check"
msg="$PKG@$TFJS_NODE_VERSION ready ($KEY, $(echo "$check" | tail -1), cache $CACHE)"
say "$msg"
printf 'ok %s: %s\n' "$(date -u +%FT%TZ)" "$msg" >"$STATUS_FILE"
