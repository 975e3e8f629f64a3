/**
 * Re-renders the generated blocks of the results pages from the result files they name
 * (experiments/lib/results-doc.ts):
 *
 *   npm run results:docs                          # every page under docs/results, in place
 *   npm run results:docs -- --check               # exit 1 if a page differs from its files
 *   npm run results:docs -- --render paper results/paper-default/summary.json   # print one block
 *
 * A block names its file relative to the repository root. To publish new numbers, copy the
 * run's summary file under docs/results/data/, point the block at it and rerun this.
 */
import "./lib/script-errors.js";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Command, InvalidArgumentError } from "commander";
import { usageExit } from "./lib/script-errors.js";
import { readJsonFile } from "../src/runner/json-file.js";
import { writeFileAtomic } from "../src/runner/atomic-file.js";
import { renderResults, RESULTS_KINDS, type ResultsKind, updateResultsDoc } from "./lib/results-doc.js";

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "..");

const program = new Command()
  .name("results-doc")
  .exitOverride(usageExit)
  .argument("[pages...]", "results pages to update (default: every docs/results/*.md)")
  .option("--check", "change nothing; exit 1 when a page differs from what its result files give")
  .option("--render <kind>", `print one block rendered from a file: ${RESULTS_KINDS.join(", ")}`, (v) => {
    if (!RESULTS_KINDS.includes(v as ResultsKind))
      throw new InvalidArgumentError(`must be one of ${RESULTS_KINDS.join(", ")}`);
    return v as ResultsKind;
  })
  .parse();
const opts = program.opts<{ check?: boolean; render?: ResultsKind }>();
const args = program.args;
const read = (path: string): unknown => readJsonFile(resolve(REPO, path), "results summary");

if (opts.render !== undefined) {
  if (args.length !== 1) throw new InvalidArgumentError("--render: give exactly one summary file");
  process.stdout.write(
    renderResults(opts.render, readJsonFile(resolve(args[0]), "results summary"), args[0]),
  );
} else {
  const dir = join(REPO, "docs", "results");
  const pages =
    args.length > 0
      ? args.map((a) => resolve(a))
      : readdirSync(dir)
          .filter((f) => f.endsWith(".md"))
          .map((f) => join(dir, f));
  const stale: string[] = [];
  for (const page of pages) {
    const doc = readFileSync(page, "utf8");
    const next = updateResultsDoc(doc, read, page);
    if (next === doc) continue;
    if (opts.check) stale.push(page);
    else {
      writeFileAtomic(page, next);
      process.stdout.write(`updated ${page}\n`);
    }
  }
  if (stale.length > 0) {
    process.stderr.write(
      `results-doc: ${stale.join(", ")} differ from their result files; run npm run results:docs\n`,
    );
    process.exit(1);
  }
}
