#!/usr/bin/env node
// The `lowrank-rl` command. The CLI is TypeScript (src/cli/main.ts); when the package has been
// built (`npm run build` → dist/), the compiled JS runs directly; otherwise tsx's loader is
// registered first so the .ts sources run as they are.
import { existsSync } from "node:fs";
import process from "node:process";
import { fileURLToPath, pathToFileURL } from "node:url";
import { dirname, join } from "node:path";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const built = join(root, "dist", "cli", "main.js");
let entry;
if (existsSync(built)) {
  entry = built;
} else {
  const { register } = await import("tsx/esm/api");
  register();
  entry = join(root, "src", "cli", "main.ts");
}
const { main } = await import(pathToFileURL(entry).href);
await main(process.argv);
