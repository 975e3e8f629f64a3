#!/usr/bin/env bash
# Runs the population benchmark (bench/gpu-population.ts) on gpu.js's headlessgl mode against the
# CPU path, in one run: P = 64, 1 024, 4 096 unless --sizes says otherwise; other arguments pass
# through (--budget-ms, --json, --sizes). Needs the gl package built (tools/gpu/build-gl.sh).
#
#   bash tools/gpu/bench-gl.sh [--json results.json] [--sizes 64,1024,4096] [--budget-ms 3000]
#
# headless-gl 8.1.6 opens its context through ANGLE on GLX, so it needs an X display:
# - DISPLAY set: that X server's GL driver renders (on a GPU machine: an X server on the GPU's driver,
#   e.g. NVIDIA's Xorg started headless, is what puts the kernels on the GPU);
# - else xvfb-run -a: Xvfb with Mesa's llvmpipe, which renders on the CPU (a check that it runs).
# The GL renderer is printed first (glxinfo, when mesa-utils is installed).
set -euo pipefail
cd "$(dirname "$0")/../.."

if [ ! -f node_modules/gl/build/Release/webgl.node ]; then
  echo "bench-gl: node_modules/gl/build/Release/webgl.node is missing: build it with bash tools/gpu/build-gl.sh" >&2
  exit 1
fi
run=(node --import tsx bench/gpu-population.ts --gpu-mode headlessgl "$@")
show_renderer='if command -v glxinfo >/dev/null 2>&1; then glxinfo -B | grep -E "OpenGL (renderer|version) string" | sed "s/^/bench-gl: /"; else echo "bench-gl: glxinfo not installed (apt-get install mesa-utils) to name the GL renderer"; fi'
if [ -n "${DISPLAY:-}" ]; then
  echo "bench-gl: DISPLAY=$DISPLAY"
  bash -c "$show_renderer"
  exec "${run[@]}"
fi
if ! command -v xvfb-run >/dev/null 2>&1; then
  echo "bench-gl: no DISPLAY and no xvfb-run: apt-get install xvfb xauth, or set DISPLAY to an X server on the GPU's driver" >&2
  exit 1
fi
echo "bench-gl: no DISPLAY: running under xvfb-run -a (Mesa llvmpipe: GL on the CPU)"
exec xvfb-run -a -s "-screen 0 640x480x24" bash -c "$show_renderer; exec \"\$@\"" bench-gl "${run[@]}"
