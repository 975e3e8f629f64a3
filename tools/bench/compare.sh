#!/usr/bin/env bash
# Side-by-side bench of two commits: `npm run bench -- --json` of each, in interleaved rounds on the
# same machine, then the median of every figure both print and the ratio new/old.
#
#   bash tools/bench/compare.sh OLD NEW [SUITES] [ROUNDS]
#   bash tools/bench/compare.sh 19d2505 HEAD envs,optim,gemm,factor-layers,lrpg,population,runner 3
#
# Each commit is checked out as a git worktree in a temporary folder sharing this checkout's
# node_modules (the two commits must install the same packages). A commit whose bench lacks a suite
# simply prints fewer figures; only the figures both print are compared. Ratios above 1 mean the
# new commit is faster for rates (…_per_s, gflops, speedup) and slower for times (…_ms, …_seconds).
set -euo pipefail
cd "$(dirname "$0")/../.."
old=${1:?usage: compare.sh OLD NEW [SUITES] [ROUNDS]}
new=${2:?usage: compare.sh OLD NEW [SUITES] [ROUNDS]}
suites=${3:-envs,optim,gemm,factor-layers,lrpg,population,runner}
rounds=${4:-3}
[[ "$rounds" =~ ^[1-9][0-9]*$ ]] || { echo "compare.sh: ROUNDS must be an integer >= 1, got \"$rounds\"" >&2; exit 2; }
[ -d node_modules ] || { echo "compare.sh: run npm ci first (node_modules is missing)" >&2; exit 2; }
work=$(mktemp -d)
cleanup() {
  git worktree remove --force "$work/old" >/dev/null 2>&1 || true
  git worktree remove --force "$work/new" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
for side in old new; do
  rev=$([ "$side" = old ] && echo "$old" || echo "$new")
  git worktree add --detach -q "$work/$side" "$rev"
  ln -s "$PWD/node_modules" "$work/$side/node_modules"
done
for ((r = 1; r <= rounds; r++)); do
  for side in old new; do
    echo "round $r/$rounds: $side" >&2
    (cd "$work/$side" && npx tsx bench/index.ts --json --only "$suites") > "$work/$side-$r.json"
  done
done
node "$(dirname "$0")/compare-json.mjs" "$old" "$new" "$work" "$rounds"
