/**
 * Return against parameter count — the design card's plot. Sweeps the LRPG rank K and actor
 * grid size against NN hidden widths on the paper's three tasks (pendulum, acrobot, Goddard
 * rocket), several seeds each, in the worker pool (all cores). Every job is content-hashed,
 * so re-running the script skips finished runs and resumes interrupted ones.
 *
 *   npm run exp:rank-sweep                                   # all three tasks, 3 seeds
 *   npm run exp:rank-sweep -- --tasks pendulum --seeds 5 --out /tmp/rs
 *
 * Writes <out>/<task>/<run dirs>, <out>/summary.json and <out>/report.html.
 */
import { usageExit } from "./lib/script-errors.js";
import { Command, InvalidArgumentError } from "commander";
import { join } from "node:path";
import { episodeProgressBar } from "../src/cli/progress.js";
import { returnVsParamsFigure, learningCurveFigure, type ParamPoint } from "../src/report/figures.js";
import { writeReport } from "../src/report/html.js";
import { groupRuns, loadPgRun, findRunDirs, paramFamilies, type Group } from "../src/report/run-report.js";
import { writeJsonAtomic } from "../src/runner/atomic-file.js";
import type { RunConfig, RunConfigInput, Task } from "../src/runner/config.js";
import { gitCommit, packageVersion } from "../src/runner/provenance.js";
import { curveBand, spread, tailMean } from "../src/runner/stats.js";
import { planSweep, runSweep, type SweepSpec } from "../src/runner/sweep.js";
import { intInRange, outputDir, seedList } from "./lib/args.js";

// ---------------------------------------------------------------- hyperparameters (CleanRL style)
const SEEDS = 3;
const OUT = "results/rank-sweep";
/** Per task: episodes per run (shorter than the paper's for the rocket: 30 000 there), and the sweep axes. */
const TASKS: Record<
  Task,
  { env: string; episodes: number; lrpgRanks: number[]; lrpgActorBuckets: number[]; nnHidden: number[] }
> = {
  // paper: K=4, actor 10×10, critic 16×16; NN 2-512-1
  pendulum: {
    env: "LRPG/Pendulum",
    episodes: 1000,
    lrpgRanks: [1, 2, 4, 8],
    lrpgActorBuckets: [5, 10, 20],
    nnHidden: [8, 32, 128, 512],
  },
  // paper: K=2, 2 points per dim (4×4 from the signs); NN 4-32-1
  acrobot: {
    env: "LRPG/Acrobot",
    episodes: 1000,
    lrpgRanks: [1, 2, 4],
    lrpgActorBuckets: [2, 3],
    nnHidden: [8, 32, 128],
  },
  // paper: K=2, 4 points per dim (4×16); NN 3-128-1; 30 000 episodes in the paper, 3 000 here
  rocket: {
    env: "LRPG/Rocket",
    episodes: 3000,
    lrpgRanks: [1, 2, 4],
    lrpgActorBuckets: [4, 6],
    nnHidden: [16, 128],
  },
};
/** Every other hyperparameter (T, γ, learning rates, critic grid) is the paper preset of the task (src/presets). */
// ---------------------------------------------------------------------------------------------

function taskList(value: string): Task[] {
  const names = value.split(",").map((s) => s.trim());
  for (const n of names)
    if (!(n in TASKS))
      throw new InvalidArgumentError(
        `--tasks must be a comma-separated subset of ${Object.keys(TASKS).join(",")}; got "${n}"`,
      );
  return names as Task[];
}

const program = new Command()
  .exitOverride(usageExit)
  .name("exp:rank-sweep")
  .description(
    "LRPG rank and grid size vs NN width: final return against parameter count (median, IQR over seeds)",
  )
  .option("--tasks <list>", "tasks to sweep", taskList, Object.keys(TASKS) as Task[])
  .option(
    "--seeds <n|list>",
    "number of seeds (0 … n−1), or a list with ranges like 0,3,7 or 2..5 (one seed: 3..3)",
    seedList,
    Array.from({ length: SEEDS }, (_, i) => i),
  )
  .option("--episodes <n>", "override the episodes of every task", intInRange("--episodes", 20, 10_000_000))
  .option("--out <dir>", "output folder", outputDir("--out"), OUT)
  .option("--threads <n>", "worker threads (default: all cores)", intInRange("--threads", 1, 256))
  .option("--quiet", "no progress bar")
  .showHelpAfterError("(add --help for usage)");
program.parse();
const opts = program.opts<{
  tasks: Task[];
  seeds: number[];
  episodes?: number;
  out: string;
  threads?: number;
  quiet?: boolean;
}>();

function specFor(task: Task): SweepSpec[] {
  const t = TASKS[task];
  const base: RunConfigInput = {
    env: t.env,
    episodes: opts.episodes ?? t.episodes,
    checkpointEvery: 0,
    snapshotEvery: 0,
  };
  return [
    {
      base: { ...base, algo: "lrpg" },
      grid: { rank: t.lrpgRanks, actorBuckets: t.lrpgActorBuckets },
      seeds: opts.seeds,
    },
    { base: { ...base, algo: "nn" }, grid: { hidden: t.nnHidden }, seeds: opts.seeds },
  ];
}

const log = (s: string) => {
  if (!opts.quiet) process.stdout.write(s + "\n");
};
const t0 = performance.now();
const plans = opts.tasks.flatMap((task) =>
  specFor(task).map((spec) => ({ task, spec, dir: join(opts.out, task) })),
);
const todoEpisodes = plans.reduce(
  (s, p) =>
    s +
    planSweep(p.spec, p.dir)
      .filter((j) => j.action !== "skip")
      .reduce((a, j) => a + j.steps, 0),
  0,
);
const jobs = plans.reduce((s, p) => s + planSweep(p.spec, p.dir).length, 0);
log(
  `rank-sweep: ${opts.tasks.join(", ")} — ${jobs} jobs (${opts.seeds.length} seeds), ${todoEpisodes} episodes to run → ${opts.out}`,
);
const bar = opts.quiet || todoEpisodes === 0 ? null : episodeProgressBar(todoEpisodes, "rank-sweep");
try {
  // One pool per sweep spec; specs run one after another, each using all cores.
  for (const p of plans)
    await runSweep(p.spec, p.dir, { threads: opts.threads, onProgress: (n) => bar?.add(n) });
} finally {
  bar?.stop();
}

const finalWindow = (g: Group<RunConfig>) => Math.max(1, Math.min(100, Math.floor(g.config.episodes / 10)));
const summary: Record<string, unknown>[] = [];
const figures = [];
const rows: (string | number | null)[][] = [];
for (const task of opts.tasks) {
  const groups = groupRuns(findRunDirs([join(opts.out, task)]).map(loadPgRun))
    .filter((g) => g.runs.some((r) => opts.seeds.includes(r.config.seed)))
    .sort((a, b) =>
      a.config.algo === b.config.algo ? a.params - b.params : a.config.algo === "lrpg" ? -1 : 1,
    );
  const points: ParamPoint[] = [];
  // One line per rank K over the grid sizes (and one over the NN widths), each point labelled.
  const families = paramFamilies(groups);
  for (const g of groups) {
    const runs = g.runs.filter((r) => opts.seeds.includes(r.config.seed));
    const s = spread(runs.map((r) => tailMean(r.returns, finalWindow(g))));
    points.push({
      series: g.config.algo === "lrpg" ? "LRPG" : "NN",
      label: g.label,
      ...families.get(g),
      params: g.params,
      ...s,
    });
    summary.push({
      task,
      configuration: g.label,
      algo: g.config.algo,
      rank: g.config.rank ?? null,
      actor_buckets: g.config.actorBuckets ?? null,
      hidden: g.config.hidden ?? null,
      params: g.params,
      seeds: runs.map((r) => r.config.seed),
      final_return_median: s.median,
      final_return_q25: s.q25,
      final_return_q75: s.q75,
      final_window: finalWindow(g),
    });
    rows.push([task, g.label, g.params, runs.length, s.median, s.q25, s.q75]);
  }
  figures.push(
    returnVsParamsFigure(
      `params-${task}`,
      `${task}: final return against parameter count (median, IQR over seeds)`,
      points,
    ),
  );
  figures.push(
    learningCurveFigure(
      `curves-${task}`,
      `${task}: learning curves`,
      groups.map((g) => ({
        name: `${g.label} (${g.params})`,
        runs: g.runs.length,
        ...curveBand(g.runs.map((r) => r.returns)),
      })),
    ),
  );
}
const wall = (performance.now() - t0) / 1000;
writeJsonAtomic(join(opts.out, "summary.json"), {
  experiment: "rank-sweep",
  package_version: packageVersion(),
  git_commit: gitCommit(),
  seeds: opts.seeds,
  wall_time_s: Number(wall.toFixed(1)),
  tasks: Object.fromEntries(opts.tasks.map((t) => [t, TASKS[t]])),
  configurations: summary,
});
const reportPath = writeReport(join(opts.out, "report.html"), {
  title: "Rank sweep: return against parameter count",
  notes: [
    `LRPG rank K × actor grid points vs NN hidden width; ${opts.seeds.length} seeds; final return = mean of each run's last min(100, episodes/10) episodes, median and IQR over seeds.`,
  ],
  tables: [
    {
      title: "Configurations",
      columns: ["task", "configuration", "params", "seeds", "final return median", "q25", "q75"],
      rows,
    },
  ],
  figures,
});
log(`rank-sweep done in ${wall.toFixed(1)} s; wrote ${join(opts.out, "summary.json")} and ${reportPath}`);
for (const r of rows)
  log(
    `  ${String(r[0]).padEnd(9)} ${String(r[1]).padEnd(26)} ${String(r[2]).padStart(7)} params  median ${r[4] === null ? "–" : (r[4] as number).toFixed(3)}`,
  );
