// The command line as a few ESM files for the installed package (`npm run build` runs this after
// tsc): the compiled CLI, its pool worker and its queue thread with the small dependencies they
// import (zod, commander, cli-progress, ml-matrix, pure-rand) bundled, split into shared chunks,
// each command's code still loaded on demand (its dynamic imports become chunks). Node loads a
// few files instead of ~250, which is most of a short command's start-up (docs/performance.md,
// "Start-up"). The entries keep their names (dist/cli-bundle/main.js, pool-worker.js,
// queue-thread.js) so that the code finding its worker files next to itself finds them here.
// Packages with native parts, optional or heavy ones loaded only by some commands, and those
// resolved by path at run time stay external.
import { build } from "esbuild";

// playwright-core, esbuild and tsx are dev tools the report export, the demo and the checkout
// load when present.
const EXTERNAL = [
  "bullmq",
  "ioredis",
  "gpu.js",
  "gl",
  "mathjs",
  "piscina",
  "plotly.js-dist",
  "esbuild",
  "playwright-core",
  "tsx",
];

await build({
  entryPoints: ["dist/cli/main.js", "dist/runner/pool-worker.js", "dist/runner/queue-thread.js"],
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  splitting: true,
  entryNames: "[name]",
  outdir: "dist/cli-bundle",
  external: EXTERNAL,
  // Bundled CommonJS packages call require() for Node's modules; ESM output has no require.
  banner: {
    js: "import { createRequire as __bundleRequire } from 'node:module'; const require = __bundleRequire(import.meta.url);",
  },
  // Not minified: formulas and gpu.js kernels are read from their functions' source text (and
  // minifying the whitespace did not start it faster).
  logLevel: "warning",
});
