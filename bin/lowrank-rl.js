#!/usr/bin/env node
// The `lowrank-rl` command. The CLI is TypeScript (src/cli/main.ts).
// - Installed package (no src/ next to bin/): runs the bundled dist/cli-bundle/main.js (a few
//   files, so it starts faster), else the compiled dist/cli/main.js; `npm pack` builds both (the
//   `prepack` script).
// - Repository checkout (src/ present): registers tsx's loader and runs the .ts sources as they
//   are, so a dist/ left over from an earlier build never runs stale code.
import { existsSync } from "node:fs";
import process from "node:process";
import { fileURLToPath, pathToFileURL } from "node:url";
import { dirname, join } from "node:path";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const source = join(root, "src", "cli", "main.ts");
const built = join(root, "dist", "cli", "main.js");
const bundled = join(root, "dist", "cli-bundle", "main.js");
let entry;
if (existsSync(source)) {
  const { register } = await import("tsx/esm/api");
  register();
  entry = source;
} else if (existsSync(bundled)) {
  entry = bundled;
} else if (existsSync(built)) {
  entry = built;
} else {
  process.stderr.write(
    `lowrank-rl: ${built} is missing; this copy of the package was not built (npm run build).\n`,
  );
  process.exit(1);
}
const { main } = await import(pathToFileURL(entry).href);
await main(process.argv);
