/**
 * `npm run bench [-- --json] [-- --only name,name] [-- --help]`: every benchmark of the toolkit in one process,
 * reported as throughputs and as ratios against a baseline measured in the same run.
 * Each module in bench/suites exports `name` and `run(): Promise<Record<string, number>>`.
 */
import { readdirSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import { basename, dirname, join } from "node:path";

interface Suite {
  name: string;
  run: () => Promise<Record<string, number>>;
}

const dir = join(dirname(fileURLToPath(import.meta.url)), "suites");
/** Suite files, named after their suite (bench/suites/<name>.ts exports `name = "<name>"`). */
const files = readdirSync(dir)
  .filter((f) => f.endsWith(".ts"))
  .sort();
const names = files.map((f) => basename(f, ".ts"));

const USAGE = `usage: npm run bench [-- --json] [-- --only <name>[,<name>...]]

Runs every benchmark suite (or the ones named) in one process and prints throughputs.

  --only <names>  comma-separated suites to run: ${names.join(", ")}
  --json          print one JSON object of all results (no progress lines)
  -h, --help      print this help and exit
`;

function usageError(message: string): never {
  process.stderr.write(`bench: ${message}\n`);
  process.exit(2);
}

const args = process.argv.slice(2);
let json = false;
let only: Set<string> | null = null;
for (let i = 0; i < args.length; i++) {
  const a = args[i];
  if (a === "--help" || a === "-h") {
    process.stdout.write(USAGE);
    process.exit(0);
  } else if (a === "--json") json = true;
  else if (a === "--only" || a.startsWith("--only=")) {
    const value = a === "--only" ? args[++i] : a.slice("--only=".length);
    if (value === undefined || value.trim() === "")
      usageError(`--only needs a comma-separated list of suites: ${names.join(", ")}`);
    const wanted = value.split(",").map((n) => n.trim());
    const unknown = wanted.filter((n) => !names.includes(n));
    if (unknown.length > 0)
      usageError(
        `unknown suite ${unknown.map((n) => `"${n}"`).join(", ")}; valid names: ${names.join(", ")}`,
      );
    only = new Set(wanted);
  } else usageError(`unknown argument "${a}" (see --help)`);
}

const results: Record<string, number> = {};
for (const file of files) {
  if (only && !only.has(basename(file, ".ts"))) continue;
  const suite = (await import(pathToFileURL(join(dir, file)).href)) as Suite;
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
