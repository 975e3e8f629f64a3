/**
 * The ICLR-2020 TRL paper's table ("How many weights are enough: can tensor factorization learn
 * efficient policies?", Richemond, Kolbeinsson, Guo) on MinAtar Breakout: dense vs Tucker TRL hidden
 * layers at ½, ⅕ and ⅒ of the dense coefficients; RMSProp/Adam vs K-FAC; with and without the fixed
 * scattering first layer; MinAtar's DQN vs the data-efficient-Rainbow-style preset vs A2C/ACKTR.
 * Results page: docs/results/breakout-table.md; the math: docs/dqn.md, docs/kfac.md,
 * docs/scattering.md, docs/actor-critic.md.
 *
 *   npm run exp:breakout-table                                          # every row, 3 seeds × 50 000 frames
 *   npm run exp:breakout-table -- --rows dqn-dense,a2c-kfac-trl-0.2 --seeds 1 --frames 10000 --eval-every 2000
 *   npm run exp:breakout-table -- --rows dqn-kfac-trl-0.2 --merge results/breakout-table/summary.json
 *   npm run exp:breakout-table -- --doc                                  # and copy the summary to docs/results/data/
 *
 * Score (the paper's conservative protocol, there the evaluations after 80k, 90k and 100k steps):
 * per seed, the mean of the last three evaluations; per row, the mean over seeds with min … max.
 * Evaluations every --eval-every frames on fixed seeds (1 000 000 + i): DQN rows act ε-greedily with
 * ε = 0.05 (as exp:breakout), A2C/ACKTR rows take the mode of the policy, argmax_a π(a|s).
 * Parameters: every trained parameter (DQN: the Q-network; A2C: trunk, policy and value heads), and
 * their fraction of the same algorithm's dense row. "vs dqn-dense": the row's score ÷ MinAtar's DQN's.
 * Frames per CPU-second: process CPU time of each run (training and its evaluations), one process.
 *
 * Rows (experiments/lib/breakout-table.ts): dqn-[kfac-]<network>[-scattering], rainbow-<network>,
 * a2c-<adam|kfac>-<network>[-scattering]; <network>: dense, trl-<f>, lowrank-<f>, trl-rank<K>,
 * lowrank-rank<K>. A row of the default list whose config the runner refuses (a DQN with K-FAC or
 * scattering before the runner has them) is listed as pending in the summary; named in --rows it is
 * an error.
 *
 * Outputs in --out (default results/breakout-table/): runs/<run>/ (each run's manifest and
 * metrics), summary.json (git commit, Node, wall and CPU time, settings, per row and seed the
 * evaluations, training curve and score), report.html (the table, curves per row, score against
 * parameters). --merge <summary.json> keeps the rows of an earlier invocation that this one does
 * not rerun (same frames and evaluation protocol). --doc copies summary.json to
 * docs/results/data/breakout-table.summary.json and re-renders docs/results/breakout-table.md.
 */
import "./lib/script-errors.js";
import { copyFileSync, mkdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Command } from "commander";
import { readJsonFile } from "../src/runner/json-file.js";
import { writeFileAtomic, writeJsonAtomic } from "../src/runner/atomic-file.js";
import { gitCommit, packageVersion } from "../src/runner/provenance.js";
import { intInRange, outputDir, seedList } from "./lib/args.js";
import {
  finishTable,
  mergeSummaries,
  parseRow,
  readSummary,
  RowError,
  rowResult,
  runRowSeed,
  tableColumns,
  tableRows,
  writeTableReport,
  type PendingRow,
  type SeedResult,
  type TableRowResult,
  type TableRowSpec,
  type TableSettings,
  type TableSummary,
} from "./lib/breakout-table.js";
import { updateResultsDoc } from "./lib/results-doc.js";
import { usageExit } from "./lib/script-errors.js";

// ---------------------------------------------------------------- hyperparameters (CleanRL style)
const ENV_ID = "MinAtar/Breakout"; // sticky actions 0.1, all 6 actions
const FRAMES = 50_000; // per run; the paper's low-data regime is 100k agent steps
const SEEDS = 3;
const EVAL_EVERY = 5000; // frames; a multiple of A2C's frames per update (NUM_ENVS × ROLLOUT_STEPS)
const EVAL_EPISODES = 10; // fixed seeds 1 000 000 …
const RETURN_WINDOW = 100; // training-return moving average in the report
const OUT = "results/breakout-table";
const DOC_DATA = "docs/results/data/breakout-table.summary.json";
const DOC_PAGE = "docs/results/breakout-table.md";

// DQN rows: MinAtar's examples/dqn.py, as exp:breakout (network conv 16 3×3 → hidden 128 → 6).
const DQN = {
  precision: "f32", // matrix products in float32, as PyTorch; parameters and optimizer state float64
  gamma: 0.99,
  lr: 2.5e-4,
  optimizer: "rmsprop", // centered, α 0.95, ε 0.01 (the runner's rmsprop)
  batchSize: 32,
  bufferSize: 100_000,
  learningStarts: 5000,
  trainFrequency: 1,
  targetUpdate: "hard:1000",
  double: false,
  nStep: 1,
  loss: "huber",
  maxGradNorm: null,
  epsilonStart: 1,
  epsilonEnd: 0.1,
  // MinAtar decays ε over 100k of its 5M frames; at this budget ε decays over the first half of the
  // run (at most 100k), so that the last evaluations follow a policy trained near ε = 0.1.
  epsilonDecaySteps: (frames: number) => Math.min(100_000, Math.round(frames / 2)),
  evalEpsilon: 0.05,
  evalMaxSteps: 20_000,
  logEvery: 5000,
  spectrumEvery: 0,
  returnWindow: RETURN_WINDOW,
  checkpointEvery: 0,
  keepCheckpoints: 1,
  tensorboard: false,
} as const;

// rainbow-<network>: the runner's `rainbow-denoised` preset written out (exp:breakout's RAINBOW block):
// prioritized replay, dueling C51 head, Double, 3-step, Adam, ε-greedy instead of noisy layers.
const RAINBOW = {
  preset: "rainbow-denoised",
  replay: "prioritized",
  priorityAlpha: 0.5,
  priorityBeta: 0.4,
  head: "dueling-c51",
  atoms: 51,
  vMin: -10,
  vMax: 10,
  double: true,
  nStep: 3,
  optimizer: "adam",
  lr: 1e-4,
  adamEps: 1.5e-4,
  maxGradNorm: 10,
  learningStarts: 1600,
  targetUpdate: "hard:2000",
  trainFrequency: 1,
  epsilonEnd: 0.01,
  epsilonDecaySteps: 20_000,
} as const;

// dqn-kfac-<network>: K-FAC with ACKTR's KL-clipped step on the Q-network's sampled Fisher, at the
// runner's K-FAC defaults for DQN (docs/dqn.md §15, docs/kfac.md §10); the rest of the DQN block stays.
// dqn-<network>-scattering: the first conv replaced by the fixed order-1 scattering (docs/scattering.md).
const DQN_KFAC = {
  optimizer: "kfac",
  lr: 0.1,
  kfacDamping: 0.01,
  kfacStatDecay: 0.95,
  kfacInverseEvery: 10, // updates between refreshes of the damped inverses
  kfacKlClip: 0.001,
  kfacMomentum: 0,
};
const DQN_SCATTERING = () => ({ scattering: true });

// a2c-<adam|kfac>-<network>: experiments/a2c.ts's Breakout block (the runner's a2c lifecycle).
const A2C = {
  numEnvs: 8,
  rolloutSteps: 5,
  gamma: 0.99,
  gaeLambda: 1, // n-step advantage
  valueCoef: 0.5,
  entropyCoef: 0.01,
  adamLr: 0.001,
  kfacLr: 0.25, // ACKTR: K-FAC natural-gradient step, KL-clipped
  maxGradNorm: 0.5, // Adam only; K-FAC clips by KL
  klClip: 0.01,
  damping: 0.01,
  checkpointEvery: 0,
  keepCheckpoints: 1,
  tensorboard: false,
} as const;

// The table: dense vs TRL ½ ⅕ ⅒ (DQN); Adam (Rainbow-style, A2C) vs K-FAC (ACKTR, DQN); scattering.
const ROWS = [
  "dqn-dense",
  "dqn-trl-0.5",
  "dqn-trl-0.2",
  "dqn-trl-0.1",
  "dqn-kfac-dense",
  "dqn-kfac-trl-0.2",
  "dqn-kfac-trl-0.1",
  "dqn-trl-0.2-scattering",
  "dqn-kfac-trl-0.2-scattering",
  "rainbow-dense",
  "rainbow-trl-0.2",
  "rainbow-trl-0.1",
  "a2c-adam-dense",
  "a2c-adam-trl-0.2",
  "a2c-kfac-dense",
  "a2c-kfac-trl-0.2",
  "a2c-kfac-trl-0.1",
  "a2c-kfac-trl-0.2-scattering",
];
// ---------------------------------------------------------------------------------------------

const program = new Command()
  .exitOverride(usageExit)
  .name("exp:breakout-table")
  .description("the TRL paper's table on MinAtar Breakout; one process, rows × seeds in sequence")
  .option("--frames <n>", "frames per run", intInRange("--frames", 120, 50_000_000), FRAMES)
  .option(
    "--seeds <n|list>",
    "number of seeds (0 … n−1), or a list with ranges like 0,3,7 or 2..5",
    seedList,
    Array.from({ length: SEEDS }, (_, i) => i),
  )
  .option(
    "--rows <list>",
    `comma-separated rows, or none (only --merge and report) (default: ${ROWS.join(",")})`,
  )
  .option("--out <dir>", "output folder", outputDir("--out"), OUT)
  .option(
    "--eval-every <frames>",
    `frames between evaluations (a multiple of ${A2C.numEnvs * A2C.rolloutSteps})`,
    intInRange("--eval-every", 40, 10_000_000),
    EVAL_EVERY,
  )
  .option(
    "--eval-episodes <n>",
    "episodes per evaluation",
    intInRange("--eval-episodes", 1, 1000),
    EVAL_EPISODES,
  )
  .option(
    "--merge <summary.json,...>",
    "keep the rows of these earlier summaries (comma-separated) that this run does not rerun",
  )
  .option("--doc", `copy summary.json to ${DOC_DATA} and re-render ${DOC_PAGE}`)
  .option("--quiet", "no progress on stderr")
  .showHelpAfterError("(add --help for usage)");
program.parse();
const opts = program.opts<{
  frames: number;
  seeds: number[];
  rows?: string;
  out: string;
  evalEvery: number;
  evalEpisodes: number;
  merge?: string;
  doc?: boolean;
  quiet?: boolean;
}>();

const bad = (message: string): never => program.error(`error: ${message}`, { exitCode: 2 });
const perUpdate = A2C.numEnvs * A2C.rolloutSteps;
if (opts.evalEvery % perUpdate !== 0)
  bad(
    `--eval-every must be a multiple of ${perUpdate} (A2C's frames per update: ${A2C.numEnvs} envs × ${A2C.rolloutSteps} steps); got ${opts.evalEvery}`,
  );
if (opts.frames % opts.evalEvery !== 0 || opts.frames < 3 * opts.evalEvery)
  bad(
    `--frames must be a multiple of --eval-every (${opts.evalEvery}) and at least 3 of them (the score is the mean of the last three evaluations); got ${opts.frames}`,
  );

const settings: TableSettings = {
  frames: opts.frames,
  evalEvery: opts.evalEvery,
  evalEpisodes: opts.evalEpisodes,
  dqn: { ...DQN, epsilonDecaySteps: DQN.epsilonDecaySteps(opts.frames) },
  rainbow: RAINBOW,
  a2c: A2C,
  dqnKfac: DQN_KFAC,
  dqnScattering: DQN_SCATTERING,
};

const explicit = opts.rows !== undefined;
const mergeOnly = opts.rows === "none";
if (mergeOnly && opts.merge === undefined) bad("--rows none: give the summaries to merge with --merge");
const names = mergeOnly ? [] : explicit ? (opts.rows ?? "").split(",").map((s) => s.trim()) : ROWS;
if (new Set(names).size !== names.length) bad(`--rows: a row is named twice in "${opts.rows ?? ""}"`);
const specs: TableRowSpec[] = [];
const pending: PendingRow[] = [];
for (const name of names) {
  try {
    specs.push(parseRow(name, settings));
  } catch (err) {
    if (!(err instanceof RowError)) throw err;
    if (explicit) bad(`--rows: ${err.message}`);
    pending.push({ name, reason: err.message.replace(/^row "[^"]*": /, "") });
  }
}
const mergeFiles = opts.merge === undefined ? [] : opts.merge.split(",").map((f) => f.trim());
let previous: TableSummary | undefined;
for (const file of mergeFiles) {
  const p = readSummaryOrExit(file);
  for (const key of ["frames", "eval_every", "eval_episodes"] as const) {
    const now = { frames: opts.frames, eval_every: opts.evalEvery, eval_episodes: opts.evalEpisodes }[key];
    if (p[key] !== now)
      bad(
        `--merge: ${file} has ${key} = ${String(p[key])}, this run ${now}; only runs of the same budget and evaluation protocol merge`,
      );
  }
  previous = previous === undefined ? p : mergeSummaries(previous, p);
}

function readSummaryOrExit(path: string): TableSummary {
  try {
    return readSummary(path);
  } catch (err) {
    return bad((err as Error).message);
  }
}

const log = (line: string): void => {
  if (!opts.quiet) process.stderr.write(`${line}\n`);
};
const started = new Date().toISOString();
const commit = gitCommit(); // the code the runs start from
const t0 = performance.now();
const cpu0 = process.cpuUsage();
const results: TableRowResult[] = [];
mkdirSync(opts.out, { recursive: true });

/** The summary of the rows done so far (written after every row, so a stopped run keeps them). */
function summarize(): TableSummary {
  const cpu = process.cpuUsage(cpu0);
  const wall = (performance.now() - t0) / 1000;
  const s: TableSummary = {
    experiment: "breakout-table",
    env: ENV_ID,
    frames: opts.frames,
    eval_every: opts.evalEvery,
    eval_episodes: opts.evalEpisodes,
    seeds: opts.seeds,
    score:
      "Score: per seed the mean of the last three evaluations; per row the mean over seeds (min … max). DQN rows evaluate ε-greedily (ε = 0.05), A2C rows with the policy's mode argmax_a π(a|s).",
    git_commit: commit,
    package_version: packageVersion(),
    node_version: process.version,
    invocations: [
      {
        git_commit: commit,
        rows: results.map((r) => r.name),
        wall_time_s: wall,
        cpu_time_s: (cpu.user + cpu.system) / 1e6,
        started,
      },
    ],
    wall_time_s: wall,
    cpu_time_s: (cpu.user + cpu.system) / 1e6,
    settings: {
      env: ENV_ID,
      return_window: RETURN_WINDOW,
      dqn: settings.dqn,
      rainbow: RAINBOW,
      dqn_kfac: DQN_KFAC,
      a2c: A2C,
    },
    rows: finishTable(results),
    pending: [
      ...pending,
      ...specs
        .filter((sp) => !results.some((r) => r.name === sp.name))
        .map((sp) => ({ name: sp.name, reason: "not run yet (the invocation stopped before it)" })),
    ],
  };
  if (!previous) return s;
  const merged = mergeSummaries(previous, s);
  // Merging only: the table's rows that no merged invocation ran are the ones missing.
  if (mergeOnly) {
    const order = (name: string) => (ROWS.includes(name) ? ROWS.indexOf(name) : ROWS.length);
    merged.rows.sort((x, y) => order(x.name) - order(y.name));
    merged.pending = ROWS.filter((name) => !merged.rows.some((r) => r.name === name)).map((name) => ({
      name,
      reason: "not run by any invocation merged here",
    }));
  }
  return merged;
}

let summary = summarize();
for (const spec of specs) {
  const seeds: SeedResult[] = [];
  for (const seed of opts.seeds) {
    const r = await runRowSeed(spec, seed, join(opts.out, "runs"), RETURN_WINDOW, log);
    seeds.push(r);
    log(
      `[${spec.name} seed ${seed}] score ${r.score?.toFixed(2) ?? "–"} (evals ${r.evals.map((e) => e.mean.toFixed(2)).join(" ")}), ${r.parameters} params, ${(r.frames / r.cpu_s).toFixed(0)} frames/CPU-s`,
    );
  }
  results.push(rowResult(spec, seeds));
  summary = summarize();
  writeJsonAtomic(join(opts.out, "summary.json"), summary);
  writeTableReport(opts.out, summary);
}
if (specs.length === 0 || mergeOnly) {
  writeJsonAtomic(join(opts.out, "summary.json"), summary);
  writeTableReport(opts.out, summary);
}

const columns = tableColumns();
log("");
log(
  `breakout-table: ${opts.frames} frames × seeds ${summary.seeds.join(",")}; ${summary.wall_time_s.toFixed(0)} s wall`,
);
log(columns.join(" | "));
for (const r of tableRows(summary.rows)) log(r.map((v) => (v === null ? "–" : String(v))).join(" | "));
for (const p of summary.pending) log(`pending: ${p.name}: ${p.reason}`);

if (opts.doc) {
  const repo = resolve(dirname(fileURLToPath(import.meta.url)), "..");
  copyFileSync(join(opts.out, "summary.json"), join(repo, DOC_DATA));
  const page = join(repo, DOC_PAGE);
  const doc = readFileSync(page, "utf8");
  writeFileAtomic(
    page,
    updateResultsDoc(doc, (p) => readJsonFile(resolve(repo, p), "results summary"), page),
  );
  log(`wrote ${DOC_DATA} and ${DOC_PAGE}`);
}
