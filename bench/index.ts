/**
 * `npm run bench [-- --json] [-- --only name,name]`: every benchmark of the toolkit in one process,
 * reported as throughputs and as ratios against a baseline measured in the same run.
 * Each module in bench/suites exports `name` and `run(): Promise<Record<string, number>>`.
 */
import { readdirSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import { dirname, join } from "node:path";

interface Suite {
  name: string;
  run: () => Promise<Record<string, number>>;
}

const args = process.argv.slice(2);
const json = args.includes("--json");
const onlyIdx = args.indexOf("--only");
const only = onlyIdx >= 0 ? new Set((args[onlyIdx + 1] ?? "").split(",")) : null;

const dir = join(dirname(fileURLToPath(import.meta.url)), "suites");
const files = readdirSync(dir)
  .filter((f) => f.endsWith(".ts"))
  .sort();
const results: Record<string, number> = {};
for (const file of files) {
  const suite = (await import(pathToFileURL(join(dir, file)).href)) as Suite;
  if (only && !only.has(suite.name)) continue;
  if (!json) process.stderr.write(`bench: ${suite.name}…\n`);
  const r = await suite.run();
  Object.assign(results, r);
  if (!json) for (const [k, v] of Object.entries(r)) console.log(`${k.padEnd(48)} ${formatNumber(v)}`);
}
if (json) console.log(JSON.stringify(results));

function formatNumber(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (Math.abs(v) >= 1000) return Math.round(v).toLocaleString("en-US");
  return v.toPrecision(4);
}
