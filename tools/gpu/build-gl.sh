#!/usr/bin/env bash
# Builds the optional native package `gl` (headless-gl 8.1.6, gpu.js's optionalDependency) from the
# sources npm already unpacked in node_modules/gl, offline, against this machine's Node headers.
# Afterwards gpu.js can run the toolkit's kernels in its `headlessgl` mode (see docs/gpu.md).
#
#   bash tools/gpu/build-gl.sh [--install-deps] [--check]
#
#   --install-deps  first apt-get install the Debian/Ubuntu packages the build and the runs need
#                   (root or sudo): pkg-config python3 make g++ libx11-dev libxext-dev libxi-dev
#                   libgl1-mesa-dev xvfb xauth
#   --check         only report what is present and what is missing; build nothing
#
# Why not plain `npm rebuild gl`: package.json sets "allowScripts": {"gl": false}, so npm runs no
# install script of gl (`npm rebuild gl` does nothing, and `--allow-scripts=gl` is refused in a
# project with EALLOWSCRIPTS). gl's install script is `prebuild-install || node-gyp rebuild`; the first
# half would try to download a prebuilt binary from GitHub. This script runs the second half only:
# node-gyp (the copy npm installed in node_modules) with --nodedir set to the local Node headers
# ($npm_config_nodedir if set, else the include/node/ beside this node, else /usr/include/node), so
# nothing is downloaded. Parallel jobs: $JOBS (default: the number of cores).
set -euo pipefail
cd "$(dirname "$0")/../.."

install_deps=0
check_only=0
for arg in "$@"; do
  case "$arg" in
    --install-deps) install_deps=1 ;;
    --check) check_only=1 ;;
    -h|--help) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "build-gl: unknown argument '$arg' (--install-deps, --check, --help)" >&2; exit 2 ;;
  esac
done

DEPS="pkg-config python3 make g++ libx11-dev libxext-dev libxi-dev libgl1-mesa-dev xvfb xauth"
if [ "$install_deps" = 1 ]; then
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update -q
  # shellcheck disable=SC2086
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends $DEPS
fi

missing=()
GL_DIR=node_modules/gl
[ -f "$GL_DIR/binding.gyp" ] || missing+=("the gl sources in $GL_DIR (run npm ci first: gl is gpu.js's optional dependency)")
NODE_GYP=node_modules/node-gyp/bin/node-gyp.js
[ -f "$NODE_GYP" ] || missing+=("node-gyp in node_modules (installed with gl by npm ci)")

# Node headers: the directory that holds include/node/node.h.
NODE_BIN="$(command -v node)"
nodedir_ok() { [ -n "$1" ] && [ -f "$1/include/node/node.h" ]; }
NODEDIR=""
for candidate in "${npm_config_nodedir:-}" "$(dirname "$(dirname "$NODE_BIN")")" /usr /usr/local; do
  if nodedir_ok "$candidate"; then NODEDIR="$candidate"; break; fi
done
if [ -z "$NODEDIR" ]; then
  missing+=("the Node headers (include/node/node.h) of $(node -v): install Node from a tarball that ships include/, or Debian's nodejs headers, or set npm_config_nodedir")
else
  want="$(node -p 'process.versions.node')"
  have="$(sed -n 's/^#define NODE_\(MAJOR\|MINOR\|PATCH\)_VERSION \([0-9]*\)$/\2/p' "$NODEDIR/include/node/node_version.h" | paste -sd. -)"
  if [ "$want" != "$have" ]; then
    missing+=("headers of Node $want in $NODEDIR/include/node (found $have): a module built against other headers may not load")
  fi
fi
for tool in pkg-config python3 make g++; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
if command -v pkg-config >/dev/null 2>&1; then
  for lib in x11 xext xi gl; do
    pkg-config --exists "$lib" || missing+=("the $lib development files (pkg-config $lib)")
  done
fi
command -v xvfb-run >/dev/null 2>&1 || echo "build-gl: note: xvfb-run is missing; runs need it (apt-get install xvfb xauth) unless an X server on the GPU's driver is at DISPLAY" >&2

echo "build-gl: node $(node -v) at $NODE_BIN; headers: ${NODEDIR:-none}"
if [ "${#missing[@]}" -gt 0 ]; then
  echo "build-gl: cannot build gl; missing:" >&2
  for m in "${missing[@]}"; do echo "  - $m" >&2; done
  echo "build-gl: on Debian/Ubuntu: bash tools/gpu/build-gl.sh --install-deps" >&2
  exit 1
fi
if [ "$check_only" = 1 ]; then
  if [ -f "$GL_DIR/build/Release/webgl.node" ]; then echo "build-gl: ready to build; $GL_DIR/build/Release/webgl.node exists already"; else echo "build-gl: ready to build"; fi
  exit 0
fi

echo "build-gl: node-gyp rebuild in $GL_DIR (ANGLE and the binding; several minutes)"
start=$(date +%s)
(cd "$GL_DIR" && node ../node-gyp/bin/node-gyp.js rebuild --nodedir="$NODEDIR" --jobs="${JOBS:-max}")
echo "build-gl: built $GL_DIR/build/Release/webgl.node in $(( $(date +%s) - start )) s"

# A context opens only with a display: the X server at DISPLAY, else a virtual one from xvfb-run.
probe="const gl = require('gl')(2, 2); if (!gl) { console.error('build-gl: gl loads but opens no WebGL context'); process.exit(1); } console.log('build-gl: WebGL context: ' + gl.getParameter(gl.VERSION));"
if [ -n "${DISPLAY:-}" ]; then
  (cd "$GL_DIR" && node -e "$probe")
elif command -v xvfb-run >/dev/null 2>&1; then
  (cd "$GL_DIR" && xvfb-run -a node -e "$probe")
else
  echo "build-gl: built; no DISPLAY and no xvfb-run, so no context was opened to check it" >&2
fi
