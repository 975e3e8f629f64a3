/**
 * Writes the tensor-low-rank PG results page from one or more `exp:tensor-pendulum` summary.json
 * files (docs/trpo.md §9): per algorithm × model the episodes to the threshold per seed, their
 * median and IQR beside the reference code's, the final return of full-length runs, and the env
 * steps per CPU-second; each block names the exact command that produced it.
 *
 *   npx tsx experiments/tensor-pg-results.ts results/tensor-pg/*\/summary.json --out docs/results/tensor-pg.md
 */
import "./lib/script-errors.js";
import { readFileSync, writeFileSync } from "node:fs";
import { Command, InvalidArgumentError } from "commander";
import { censoredSpread } from "./lib/censored-spread.js";
import { usageExit } from "./lib/script-errors.js";

// ---------------------------------------------------------------- what the page compares with
/**
 * The authors' reference code as measured for this project (1 thread, 1 000-step Pendulum-v1
 * episodes, trailing 10-episode mean to −1 000): median [range] over its seeds, and its speed.
 */
const REFERENCE: Record<string, string> = {
  "trpo/tensor": "157 [157, 162], 5 seeds",
  "trpo/nn": "175 [173, 178], 5 seeds",
  "ppo/tensor": "387 and 349, 2 seeds",
  "ppo/nn": "not reached in 400 episodes",
};
/** Medians of the above where there is one (PPO CP: the mean of its two seeds). */
const REFERENCE_MEDIAN: Record<string, number> = { "trpo/tensor": 157, "trpo/nn": 175, "ppo/tensor": 368 };
const REFERENCE_STEPS_PER_CPU_SECOND = "3 900 – 5 300";
/** The same range as numbers (bench/suites/tensor-pg.ts divides by both ends). */
const REFERENCE_SLOW = 3900;
const REFERENCE_FAST = 5300;
/**
 * The reference code's env steps per CPU-second per algorithm and model (median over its seeds of
 * the shortened runs above; RBF not measured), as bench/suites/tensor-pg.ts divides by them.
 */
const REFERENCE_BY_MODEL: Record<string, number> = {
  "reinforce/tensor": 4866,
  "ppo/tensor": 3891,
  "trpo/tensor": 4598,
  "reinforce/nn": 5308,
  "ppo/nn": 5117,
  "trpo/nn": 5061,
};
// ---------------------------------------------------------------------------------------------

interface Method {
  name: string;
  algo: string;
  model: string;
  params: number;
  episodes: number;
  seeds: number[];
  episodes_to_threshold: (number | null)[];
  median_episodes_to_threshold: number | null;
  iqr_episodes_to_threshold: [number | null, number | null];
  reached: number;
  final_mean_return_per_seed: (number | null)[];
  steps_per_cpu_second: number[];
}
interface Summary {
  experiment: string;
  hyperparameters: {
    protocol: string;
    threshold: number;
    window: number;
    stop_at_threshold?: boolean;
    max_steps?: number;
  };
  methods: Method[];
}

const program = new Command()
  .exitOverride(usageExit)
  .name("tensor-pg-results")
  .description("the tensor-low-rank PG results page from exp:tensor-pendulum summary.json files")
  .argument("<summary...>", "summary.json files of exp:tensor-pendulum")
  .requiredOption("--out <file>", "the markdown page to write")
  .option("--note <text>", "a line about the machine and load the numbers were measured under")
  .option(
    "--many <summary>",
    "a many-seed summary.json (reference protocol) shown apart: median, IQR and the CPU time of all its runs",
  )
  .option(
    "--bench-before <file>",
    "`npm run bench -- --only tensor-pg --json` output of the tree before the speed-up",
  )
  .option("--bench-after <file>", "the same bench's output of this tree, run in the same window")
  .option("--bench-note <text>", "a line saying how and where the two bench runs were made")
  .showHelpAfterError("(add --help for usage)")
  .parse();
const files = program.args;
const opts = program.opts<{
  out: string;
  note?: string;
  many?: string;
  benchBefore?: string;
  benchAfter?: string;
  benchNote?: string;
}>();

function readSummary(path: string): Summary {
  let s: Summary;
  try {
    s = JSON.parse(readFileSync(path, "utf8")) as Summary;
  } catch (err) {
    throw new InvalidArgumentError(`${path}: not a readable summary.json (${(err as Error).message})`);
  }
  if (s.experiment !== "tensor-pendulum" || !Array.isArray(s.methods))
    throw new InvalidArgumentError(`${path}: not an exp:tensor-pendulum summary.json`);
  return s;
}

const median = (xs: number[]): number => {
  const v = [...xs].sort((a, b) => a - b);
  const m = v.length >> 1;
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
};
const fmt = (x: number | null | undefined): string => (x === null || x === undefined ? "n/a" : String(x));
/** The `--seeds` value that gives `seeds`: a count (0 … n−1), a range `a..b` (one seed: `a..a`), or a list. */
const seedsArg = (seeds: number[]): string => {
  const first = seeds[0];
  if (!seeds.every((s, i) => s === first + i)) return seeds.join(",");
  return first === 0 ? String(seeds.length) : `${first}..${seeds[seeds.length - 1]}`;
};

/**
 * One row per algo/model, protocol and episode budget: the seeds of several files (e.g. a seed
 * range split over processes) are merged, and the median and IQR recomputed over all of them.
 */
const merged = new Map<string, { method: Method; protocol: string }>();
const commands: string[] = [];
for (const path of files) {
  const s = readSummary(path);
  const h = s.hyperparameters;
  const algos = [...new Set(s.methods.map((m) => m.algo))];
  const models = [...new Set(s.methods.map((m) => m.model))];
  const m0 = s.methods[0];
  if (m0)
    commands.push(
      `npm run exp:tensor-pendulum -- --algo ${algos.join(",")} --model ${models.join(",")} --protocol ${h.protocol} --seeds ${seedsArg(m0.seeds)} --episodes ${m0.episodes}${h.stop_at_threshold ? " --stop-at-threshold" : ""}   # ${path}`,
    );
  for (const m of s.methods) {
    const key = `${m.name} ${h.protocol} ${m.episodes}`;
    const prev = merged.get(key);
    if (!prev) {
      merged.set(key, { method: { ...m }, protocol: h.protocol });
      continue;
    }
    const a = prev.method;
    if (m.seeds.some((x) => a.seeds.includes(x)))
      throw new InvalidArgumentError(`${path}: ${m.name} repeats seeds already read from another file`);
    a.seeds = [...a.seeds, ...m.seeds];
    a.episodes_to_threshold = [...a.episodes_to_threshold, ...m.episodes_to_threshold];
    a.final_mean_return_per_seed = [...a.final_mean_return_per_seed, ...m.final_mean_return_per_seed];
    a.steps_per_cpu_second = [...a.steps_per_cpu_second, ...m.steps_per_cpu_second];
    a.reached += m.reached;
    const spread = censoredSpread(a.episodes_to_threshold);
    a.median_episodes_to_threshold = spread.median;
    a.iqr_episodes_to_threshold = [spread.q25, spread.q75];
  }
}
const rows: string[] = [];
const speed: string[] = [];
for (const { method: m, protocol } of merged.values()) {
  const per = m.episodes_to_threshold.map((x) => x ?? `>${m.episodes}`).join(", ");
  const finals = m.final_mean_return_per_seed.filter((x): x is number => x !== null);
  const full = finals.length
    ? `${Math.round(finals.reduce((a, b) => a + b, 0) / finals.length)} (${finals.length} full-length)`
    : "n/a (stopped at threshold)";
  const ref = REFERENCE_MEDIAN[m.name];
  const med = m.median_episodes_to_threshold;
  const delta =
    ref !== undefined && med !== null
      ? `${med >= ref ? "+" : "−"}${Math.round((100 * Math.abs(med - ref)) / ref)} %`
      : "–";
  rows.push(
    `| ${m.name} | ${m.params} | ${protocol} | ${m.seeds.length} | ${m.episodes} | ${per} | ${fmt(med)} [${fmt(m.iqr_episodes_to_threshold[0])}, ${fmt(m.iqr_episodes_to_threshold[1])}] | ${m.reached}/${m.seeds.length} | ${REFERENCE[m.name] ?? "–"} | ${delta} | ${full} |`,
  );
  const sps = m.steps_per_cpu_second;
  speed.push(
    `| ${m.name} | ${Math.round(median(sps))} | ${Math.min(...sps)} – ${Math.max(...sps)} | ${(median(sps) / 4600).toFixed(1)}× |`,
  );
}

/** The bench comparison: steps per CPU-second before and after, per algo × model. */
function benchSection(): string[] {
  if (!opts.benchBefore && !opts.benchAfter) return [];
  if (!opts.benchBefore || !opts.benchAfter)
    throw new InvalidArgumentError("--bench-before and --bench-after go together");
  const read = (path: string): Record<string, number> => {
    try {
      return JSON.parse(readFileSync(path, "utf8")) as Record<string, number>;
    } catch (err) {
      throw new InvalidArgumentError(`${path}: not a readable bench JSON (${(err as Error).message})`);
    }
  };
  const before = read(opts.benchBefore);
  const after = read(opts.benchAfter);
  const keys = Object.keys(after).filter((k) => k.startsWith("tensor-pg.") && k.endsWith(".steps_per_cpu_s"));
  if (keys.length === 0)
    throw new InvalidArgumentError(`${opts.benchAfter}: no tensor-pg.*.steps_per_cpu_s entries`);
  const lines = keys.map((k) => {
    const name = k.slice("tensor-pg.".length, -".steps_per_cpu_s".length).replace(".", "/");
    const a = after[k];
    const b = before[k];
    const ratio = b ? `${(a / b).toFixed(1)}×` : "–";
    return `| ${name} | ${b ? Math.round(b) : "–"} | ${Math.round(a)} | ${ratio} | ${(a / REFERENCE_FAST).toFixed(0)}× – ${(a / REFERENCE_SLOW).toFixed(0)}× |`;
  });
  return [
    "## Bench: before and after the speed-up",
    "",
    "```bash",
    `npm run bench -- --only tensor-pg --json > ${opts.benchAfter}   # this tree`,
    `npm run bench -- --only tensor-pg --json > ${opts.benchBefore}   # the tree before the speed-up, with the same bench file`,
    "```",
    "",
    "bench/suites/tensor-pg.ts: the whole `exp:tensor-pendulum` training loop under `--protocol reference`",
    "(rollouts and updates; CP tensor 100 episodes, NN and RBF 20 episodes, best of 2 seeds after one untimed run), env steps",
    "per CPU-second of the process. The last column divides by the reference code's measured",
    `${REFERENCE_STEPS_PER_CPU_SECOND} steps per CPU-second (fastest and slowest of its runs; see "The reference code's speed" below).`,
    ...(opts.benchNote ? ["", opts.benchNote] : []),
    "",
    "| algo/model | before | after | after / before | vs the reference code |",
    "|---|---:|---:|---:|---:|",
    ...lines,
    "",
  ];
}

/** The reference code's rate per algorithm and model, with the bench's ratio to it when given. */
function referenceSpeedTable(): string[] {
  let after: Record<string, number> | null = null;
  if (opts.benchAfter) after = JSON.parse(readFileSync(opts.benchAfter, "utf8")) as Record<string, number>;
  const rows = Object.entries(REFERENCE_BY_MODEL).map(([name, rate]) => {
    const a = after?.[`tensor-pg.${name.replace("/", ".")}.steps_per_cpu_s`];
    return `| ${name} | ${rate} |${after ? ` ${a ? Math.round(a) : "–"} | ${a ? `${(a / rate).toFixed(0)}×` : "–"} |` : ""}`;
  });
  return after
    ? [
        "| algo/model | reference code, steps per CPU-second | bench after | bench after / reference |",
        "|---|---:|---:|---:|",
        ...rows,
      ]
    : ["| algo/model | reference code, steps per CPU-second |", "|---|---:|", ...rows];
}

/**
 * The many-seed section: per algo/model the median [IQR] over all seeds and the CPU seconds of all
 * runs' training loops, Σ steps / (steps per CPU-second), where a reference-protocol run's steps
 * are its episodes × max_steps (every episode runs max_steps steps).
 */
function manySection(): string[] {
  if (!opts.many) return [];
  const s = readSummary(opts.many);
  const h = s.hyperparameters;
  if (h.protocol !== "reference" || !h.max_steps)
    throw new InvalidArgumentError(`${opts.many}: --many needs a reference-protocol summary with max_steps`);
  const maxSteps = h.max_steps;
  const lines = s.methods.map((m) => {
    let cpu = 0;
    m.episodes_to_threshold.forEach((e, i) => {
      const episodes = h.stop_at_threshold && e !== null ? e : m.episodes;
      cpu += (episodes * maxSteps) / m.steps_per_cpu_second[i];
    });
    return `| ${m.name} | ${m.seeds.length} | ${fmt(m.median_episodes_to_threshold)} [${fmt(m.iqr_episodes_to_threshold[0])}, ${fmt(m.iqr_episodes_to_threshold[1])}] | ${m.reached}/${m.seeds.length} | ${cpu.toFixed(0)} |`;
  });
  const m0 = s.methods[0];
  if (!m0) return [];
  return [
    `## ${m0.seeds.length} runs`,
    "",
    "```bash",
    `npm run exp:tensor-pendulum -- --algo ${m0.algo} --model ${s.methods.map((m) => m.model).join(",")} --protocol ${h.protocol} --seeds ${seedsArg(m0.seeds)} --episodes ${m0.episodes}${h.stop_at_threshold ? " --stop-at-threshold" : ""}   # ${opts.many}`,
    "```",
    "",
    "CPU seconds: all runs' training loops together, Σ steps / (steps per CPU-second) over the runs.",
    "",
    "| algo/model | seeds | median [IQR] episodes to −1 000 | reached | CPU seconds |",
    "|---|---:|---:|---:|---:|",
    ...lines,
    "",
  ];
}

const page = [
  "# Tensor low-rank policy gradient on Pendulum-v1: measured",
  "",
  "Generated by `experiments/tensor-pg-results.ts` from the `summary.json` files of the runs below;",
  "do not edit by hand. Setting and measure as in [docs/trpo.md §9](../trpo.md#9-experiments-and-protocols):",
  "1 000-step Pendulum-v1 episodes (g = 9.81), one update per 10 episodes, episodes until the",
  "trailing 10-episode mean training return reaches −1 000 (`>N`: not reached within the run's N",
  "episodes; such a seed counts as never, so a median or quartile that falls on it reads n/a).",
  "",
  "## What was run",
  "",
  "```bash",
  ...commands,
  "```",
  "",
  "`--stop-at-threshold` ends a run at the episode its trailing mean reaches −1 000. Runs are",
  "deterministic from their seed, so the episode count is the one the full-length run has; such a",
  "run has no final return.",
  ...(opts.note ? ["", opts.note] : []),
  "",
  "## Episodes to −1 000",
  "",
  "| algo/model | params (actor mean + critic) | protocol | seeds | max episodes | per seed | median [IQR] | reached | reference code | median vs reference | final mean return |",
  "|---|---:|---|---:|---:|---|---:|---:|---|---:|---:|",
  ...rows,
  "",
  "## Env steps per CPU-second",
  "",
  `Training loop only (rollouts and updates), CPU time of the process; the reference code ran ${REFERENCE_STEPS_PER_CPU_SECOND}`,
  "steps per CPU-second (the last column divides by 4 600, the middle of that range).",
  "",
  "| algo/model | median over seeds | range | vs reference |",
  "|---|---:|---:|---:|",
  ...speed,
  "",
  ...manySection(),
  ...benchSection(),
  "## The reference code's speed",
  "",
  `The authors' code ran ${REFERENCE_STEPS_PER_CPU_SECOND} env steps per CPU-second when the project's developers measured it`,
  "beside the reference column above: their unmodified code, one thread, on the same shortened runs",
  "(per-episode training on 1 000-step Pendulum-v1 episodes), on the project's shared machine, outside",
  "this repository. Per algorithm and model (median over its seeds; RBF was not measured) it ran as",
  "below. It was not re-run beside the numbers on this page: the ratios take these rates as",
  "constants measured elsewhere.",
  "",
  ...referenceSpeedTable(),
  "",
];
writeFileSync(opts.out, page.join("\n"));
console.log(`wrote ${opts.out} from ${files.length} summary file(s)`);
