// The command line as a few ESM files for the installed package (`npm run build` runs this after
// tsc): the compiled CLI, its pool worker and its queue thread with the small dependencies they
// import (zod, commander, cli-progress, ml-matrix, pure-rand) bundled, split into shared chunks,
// each command's code still loaded on demand (its dynamic imports become chunks). Node loads a
// few files instead of ~250, which is most of a short command's start-up (docs/performance.md,
// "Start-up"). The entries keep their names (dist/cli-bundle/main.js, pool-worker.js,
// queue-thread.js) so that the code finding its worker files next to itself finds them here.
// Packages with native parts, optional or heavy ones loaded only by some commands, and those
// resolved by path at run time stay external.
import { readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { build } from "esbuild";

const OUTDIR = "dist/cli-bundle";
// Chunk names carry content hashes: a rebuild must not leave the last build's chunks behind (the
// package would ship them).
rmSync(OUTDIR, { recursive: true, force: true });

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
  outdir: OUTDIR,
  external: EXTERNAL,
  // Bundled CommonJS packages call require() for Node's modules; ESM output has no require.
  banner: {
    js: "import { createRequire as __bundleRequire } from 'node:module'; const require = __bundleRequire(import.meta.url);",
  },
  // Not minified: formulas and gpu.js kernels are read from their functions' source text (and
  // minifying the whitespace did not start it faster).
  logLevel: "warning",
});

// esbuild escapes non-ASCII characters in strings and identifiers but keeps them in comments
// (the sources' math: ∑, σ, —). One such character makes V8 hold the whole file as a two-byte
// string, which is slower to decode and to scan at every start. Escaped, each file is plain ASCII;
// only comments change (a \uXXXX there is text like any other).
for (const file of readdirSync(OUTDIR)) {
  if (!file.endsWith(".js")) continue;
  const path = join(OUTDIR, file);
  const source = readFileSync(path, "utf8");
  const ascii = source.replace(/[\u0080-\uffff]/g, (c) => "\\u" + c.charCodeAt(0).toString(16).padStart(4, "0"));
  if (ascii !== source) writeFileSync(path, ascii);
}
