/**
 * The LRPG paper's full comparison (Fig. 1 a–c): LRPG against the NN baseline (RVFB) on the
 * pendulum, the continuous-torque acrobot and the Goddard rocket, N runs per task and method,
 * every run a job in one worker pool on all cores (longest jobs first).
 *
 *   npm run exp:paper                                          # 10 runs, rocket 5 000 episodes
 *   npm run exp:paper -- --runs 100 --rocket-episodes 30000    # the reference protocol (100 runs each)
 *   npm run exp:paper -- --runs 3 --episodes 200 --rocket-episodes 500 --tasks acrobot,rocket --out /tmp/p
 *
 * Writes to <out>: runs/<env>__<algo>__<seed>__<time>/ per run; figure + tables in report.html
 * (three panels: per-episode median return over runs with the 25–75 % band, as the paper's
 * figure); table.md and summary.json (parameter counts that ran and the paper's legend figures,
 * episodes to the 20-episode moving-average threshold — median and IQR — and final returns);
 * and prints the wall time and the process CPU time.
 */
import { usageExit } from "./lib/script-errors.js";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { Command, InvalidArgumentError } from "commander";
import { episodeProgressBar } from "../src/cli/progress.js";
import { PAPER_TASKS, type PaperTask } from "../src/presets/paper-agents.js";
import { writeReport } from "../src/report/html.js";
import { writeJsonAtomic, writeFileAtomic } from "../src/runner/atomic-file.js";
import type { RunConfigInput } from "../src/runner/config.js";
import { runRunJobsInPool } from "../src/runner/pool.js";
import { gitCommit, packageVersion } from "../src/runner/provenance.js";
import type { RunResult } from "../src/runner/run.js";
import { curveBand, episodesToThreshold, spread, tailMean } from "../src/runner/stats.js";
import { intInRange, outputDir, seedList } from "./lib/args.js";
import { addExecutionOptions, executionFromOptions, withExecution } from "./lib/population-option.js";
import { censoredSpread } from "./lib/censored-spread.js";
import { constantPolicyReturn } from "./lib/constant-policy.js";
import { paperFigure } from "./lib/paper-figure.js";
import { paperTable, paperTableMarkdown, type PaperTaskResult } from "./lib/paper-table.js";

// ---------------------------------------------------------------- hyperparameters (CleanRL style)
// Reference HEAD (docs/lrpg.md §9). Each task: LRPG actor μ = [L Rᵀ] on the grid (sigmoid
// on the rocket), scalar log σ₀ = 1, low-rank value baseline; NN: separate μ-net and V-net, one hidden ReLU layer.
const TASKS = {
  pendulum: {
    env: "LRPG/Pendulum",
    episodes: 1000,
    maxSteps: 100,
    gamma: 0.99,
    threshold: 90,
    lrpg: { rank: 4, actorBuckets: 10, criticBuckets: 16, lrActor: 1e-2, lrCritic: 1e-1 }, // 10×10 actor, 16×16 critic
    nn: { hidden: 512, lrActor: 1e-3, lrCritic: 1e-3 }, // 2-512-1
    paperParams: { lrpg: 160, nn: 4098 },
    reference: { lrpg_median_episodes_to_threshold: 127, nn_median_episodes_to_threshold: 405, runs: 10 },
  },
  acrobot: {
    env: "LRPG/Acrobot",
    episodes: 1000,
    maxSteps: 1000,
    gamma: 0.9,
    threshold: 90,
    lrpg: { rank: 2, actorBuckets: 2, criticBuckets: 2, lrActor: 3e-2, lrCritic: 1e-1 }, // 4×4 (signs)
    nn: { hidden: 32, lrActor: 1e-3, lrCritic: 1e-3 }, // 4-32-1
    paperParams: { lrpg: 16, nn: 386 },
    reference: { lrpg_median_episodes_to_threshold: 145, nn_median_episodes_to_threshold: 340, runs: 5 },
  },
  rocket: {
    env: "LRPG/Rocket",
    episodes: 30000,
    maxSteps: 1000,
    gamma: 0.99,
    threshold: 1.15,
    lrpg: { rank: 2, actorBuckets: 4, criticBuckets: 4, lrActor: 1e-2, lrCritic: 1e-1 }, // 4×16, a clamped to [0,1]
    nn: { hidden: 128, lrActor: 1e-2, lrCritic: 1e-2 }, // 3-128-1, sigmoid μ
    paperParams: { lrpg: 80, nn: 1282 },
    reference: {
      lrpg_median_episodes_to_threshold: 3727,
      nn_median_episodes_to_threshold: null,
      runs: 1,
      note: "5 000 episodes only",
    },
  },
} as const satisfies Record<PaperTask, unknown>;
const RUNS = 10; // default runs per task and method (the paper: 100)
const ROCKET_EPISODES = 5000; // default rocket length (the paper: 30 000); MA20 ≥ 1.15 shows the separation by then
const WINDOW = 20; // convergence: first episode count where the 20-episode moving average ≥ threshold
const FINAL_WINDOW = 100; // "final return": mean of each run's last 100 episodes
const OUT = "results/paper";
// ---------------------------------------------------------------------------------------------

for (const task of Object.keys(TASKS) as PaperTask[]) {
  const p = PAPER_TASKS[task];
  const t = TASKS[task];
  if (
    p.envId !== t.env ||
    p.lrpg.rank !== t.lrpg.rank ||
    p.maxSteps !== t.maxSteps ||
    p.gamma !== t.gamma ||
    p.nn.hidden !== t.nn.hidden
  ) {
    throw new Error(
      `experiments/paper.ts: the ${task} preset (src/presets/paper-agents.ts) no longer matches the hyperparameters above`,
    );
  }
}

function taskList(value: string): PaperTask[] {
  const names = value.split(",").map((s) => s.trim());
  const known = Object.keys(TASKS);
  const bad = names.find((n) => !known.includes(n));
  if (bad !== undefined || names.length === 0 || new Set(names).size !== names.length) {
    throw new InvalidArgumentError(
      `--tasks must be a comma-separated list of distinct tasks from ${known.join(", ")}; got "${value}"`,
    );
  }
  return known.filter((k) => names.includes(k)) as PaperTask[];
}

/** `--runs`: a count n (seeds 0 … n−1) or a list of distinct seeds, as `--seeds` of the other scripts. */
function runList(value: string): number[] {
  try {
    return seedList(value);
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message.replace("--seeds", "--runs"));
  }
}

const program = new Command()
  .exitOverride(usageExit)
  .name("exp:paper")
  .description(
    "The LRPG paper's figure: LRPG vs the NN baseline on pendulum, acrobot and rocket, all runs in parallel on all cores",
  )
  .option(
    "--runs <n|list>",
    "runs (seeds) per task and method: a count n (seeds 0 … n−1) or a list with ranges like 0,3,7 or 2..5 (one seed: 3..3)",
    runList,
    Array.from({ length: RUNS }, (_, i) => i),
  )
  .option(
    "--episodes <n>",
    "episodes per run on the pendulum and the acrobot",
    intInRange("--episodes", 20, 1_000_000),
    1000,
  )
  .option(
    "--rocket-episodes <n>",
    "episodes per run on the rocket (the reference: 30000)",
    intInRange("--rocket-episodes", 20, 10_000_000),
    ROCKET_EPISODES,
  )
  .option("--tasks <list>", "tasks to run, comma-separated", taskList, Object.keys(TASKS) as PaperTask[])
  .option(
    "--out <dir>",
    "output folder (runs/, report.html, table.md, summary.json)",
    outputDir("--out"),
    OUT,
  )
  .option("--threads <n>", "worker threads (default: all cores)", intInRange("--threads", 1, 256))
  .option("--quiet", "no progress bar or table")
  .showHelpAfterError("(add --help for usage)");
addExecutionOptions(program).parse();
const execution = executionFromOptions(program);
const opts = program.opts<{
  runs: number[];
  episodes: number;
  rocketEpisodes: number;
  tasks: PaperTask[];
  out: string;
  threads?: number;
  quiet?: boolean;
}>();
const log = (s: string) => {
  if (!opts.quiet) process.stdout.write(s + "\n");
};

const METHODS = [
  { name: "LRPG", algo: "lrpg" },
  { name: "NN", algo: "nn" },
] as const;
type MethodName = (typeof METHODS)[number]["name"];

function episodesOf(task: PaperTask): number {
  return task === "rocket" ? opts.rocketEpisodes : opts.episodes;
}

function configOf(task: PaperTask, algo: "lrpg" | "nn", seed: number): RunConfigInput {
  const t = TASKS[task];
  const common = {
    env: t.env,
    seed,
    episodes: episodesOf(task),
    maxSteps: t.maxSteps,
    gamma: t.gamma,
    checkpointEvery: 0,
    snapshotEvery: 0,
  };
  return algo === "lrpg" ? { ...common, algo, ...t.lrpg } : { ...common, algo, ...t.nn };
}

// One job per (task, method, seed); the costliest first (rocket NN ≫ rocket LRPG ≫ the rest) so no core idles at the end.
const COST: Record<PaperTask, Record<"lrpg" | "nn", number>> = {
  rocket: { nn: 6, lrpg: 1 },
  pendulum: { nn: 3, lrpg: 0.2 },
  acrobot: { nn: 0.5, lrpg: 0.3 },
};
const jobs = opts.tasks
  .flatMap((task) =>
    METHODS.flatMap((m) =>
      opts.runs.map((seed) => ({ task, method: m.name as MethodName, algo: m.algo, seed })),
    ),
  )
  .map((j) => ({ ...j, cost: COST[j.task][j.algo] * episodesOf(j.task) }))
  .sort((a, b) => b.cost - a.cost);
const threads = opts.threads ?? availableParallelism();
const totalEpisodes = jobs.reduce((s, j) => s + episodesOf(j.task), 0);
log(
  `exp:paper: ${opts.tasks.join(", ")} × LRPG, NN × ${opts.runs.length} run(s) = ${jobs.length} jobs on ${threads} worker thread(s) → ${opts.out}`,
);
const bar = opts.quiet ? null : episodeProgressBar(totalEpisodes, "paper");
const cpu0 = process.cpuUsage();
const t0 = performance.now();
let results: RunResult[];
try {
  results = await runRunJobsInPool(
    jobs.map((j) => ({
      config: withExecution(configOf(j.task, j.algo, j.seed), execution),
      outRoot: join(opts.out, "runs"),
    })),
    { threads, onProgress: (n) => bar?.add(n) },
  );
} finally {
  bar?.stop();
}
const wallSeconds = (performance.now() - t0) / 1000;
const cpu = process.cpuUsage(cpu0);
const cpuSeconds = (cpu.user + cpu.system) / 1e6;

// ------------------------------------------------------------------ aggregate per task and method
const fullThrust = opts.tasks.includes("rocket")
  ? constantPolicyReturn(TASKS.rocket.env, [1], TASKS.rocket.maxSteps)
  : null;
const taskResults: PaperTaskResult[] = opts.tasks.map((task) => {
  const t = TASKS[task];
  return {
    task,
    env: t.env,
    episodes: episodesOf(task),
    threshold: t.threshold,
    reference: t.reference,
    baselines:
      task === "rocket" && fullThrust
        ? [
            {
              name: "constant full thrust",
              value: fullThrust.episodeReturn,
              description: `a = 1 every step in ${t.env}: ${fullThrust.steps} steps`,
            },
          ]
        : [],
    methods: METHODS.map((m) => {
      const rs = results.filter((_, i) => jobs[i].task === task && jobs[i].method === m.name);
      const bySeed = opts.runs.map(
        (seed) =>
          rs[jobs.filter((j) => j.task === task && j.method === m.name).findIndex((j) => j.seed === seed)],
      );
      const ett = bySeed.map((r) => episodesToThreshold(r.returns, t.threshold, WINDOW));
      const finals = bySeed.map((r) => tailMean(r.returns, FINAL_WINDOW));
      const lastEpisode = bySeed.map((r) => (r.returns.length > 0 ? r.returns[r.returns.length - 1] : null));
      const pc = bySeed[0]?.parameterCount ?? {};
      const e = censoredSpread(ett); // a run that never reaches the threshold counts as ∞
      const f = spread(finals);
      return {
        name: m.name,
        algo: m.algo,
        params: (pc.actor ?? 0) + (pc.critic ?? 0),
        paper_params: t.paperParams[m.algo],
        seeds: [...opts.runs],
        episodes_to_threshold: ett,
        median_episodes_to_threshold: e.median,
        iqr_episodes_to_threshold: [e.q25, e.q75] as [number | null, number | null],
        reached: `${ett.filter((x) => x !== null).length}/${ett.length}`,
        final_return_median: f.median,
        final_return_iqr: [f.q25, f.q75] as [number | null, number | null],
        final_return_per_seed: finals,
        last_episode_return_median: spread(lastEpisode).median,
        band: curveBand(bySeed.map((r) => r.returns)),
        run_dirs: bySeed.map((r) => r.dir),
        statuses: bySeed.map((r) => r.status),
      };
    }),
  };
});

const summary = {
  experiment: "paper",
  package_version: packageVersion(),
  git_commit: gitCommit(),
  node_version: process.version,
  threads,
  runs: opts.runs.length,
  seeds: opts.runs,
  wall_time_s: Number(wallSeconds.toFixed(2)),
  cpu_time_s: Number(cpuSeconds.toFixed(2)),
  window: WINDOW,
  final_window: FINAL_WINDOW,
  hyperparameters: Object.fromEntries(
    opts.tasks.map((task) => [task, { ...TASKS[task], episodes: episodesOf(task) }]),
  ),
  table: paperTable(taskResults),
  tasks: taskResults.map((tr) => ({ ...tr, methods: tr.methods.map(({ band: _band, ...rest }) => rest) })),
};
writeJsonAtomic(join(opts.out, "summary.json"), summary);
const markdown = paperTableMarkdown(taskResults, {
  runs: opts.runs.length,
  window: WINDOW,
  finalWindow: FINAL_WINDOW,
  wallSeconds,
  cpuSeconds,
  threads,
});
writeFileAtomic(join(opts.out, "table.md"), markdown);

const PANEL_TITLE: Record<PaperTask, string> = {
  pendulum: "(a) Pendulum",
  acrobot: "(b) Acrobot",
  rocket: "(c) Goddard rocket",
};
const figure = paperFigure(
  "paper-figure",
  `LRPG vs NN (RVFB): median return over ${opts.runs.length} runs, 25–75 % band`,
  taskResults.map((tr) => ({
    title: PANEL_TITLE[tr.task as PaperTask],
    yTitle: "return",
    curves: tr.methods.map((m) => ({
      name: `${m.name} (${m.params} params)`,
      runs: opts.runs.length,
      ...m.band,
    })),
    levels: tr.baselines.map((b) => ({ name: b.name, value: b.value })),
  })),
);
const table = paperTable(taskResults);
const reportPath = writeReport(join(opts.out, "report.html"), {
  title: "LRPG paper reproduction (Fig. 1 a–c)",
  notes: [
    `${opts.runs.length} runs per task and method (seeds ${opts.runs.length > 12 ? `${opts.runs[0]} … ${opts.runs[opts.runs.length - 1]}` : opts.runs.join(", ")}); pendulum and acrobot ${opts.episodes} episodes, rocket ${opts.rocketEpisodes}. Package ${summary.package_version}, commit ${summary.git_commit ?? "unknown"}.`,
    `Wall time ${wallSeconds.toFixed(1)} s on ${threads} worker threads (process CPU time ${cpuSeconds.toFixed(1)} s).`,
    `Episodes to threshold: first episode count where the ${WINDOW}-episode moving average reaches the task's threshold (pendulum, acrobot 90; rocket 1.15); runs that never reach it count as ∞ in the median and IQR ("never" when a quantile falls on them). Final return: each run's mean over its last ${FINAL_WINDOW} episodes, median and IQR over runs. Params (ran): actor + critic, σ excluded; paper: the figure legends (LRPG 160/16/80 do not all match the code — see docs/lrpg.md §9).`,
  ],
  tables: [{ title: "Summary", columns: table.columns, rows: table.rows }],
  figures: [figure],
});

log("");
log(markdown);
const failed = taskResults.flatMap((tr) =>
  tr.methods.flatMap((m) => m.statuses.filter((s) => s !== "completed")),
);
if (failed.length > 0)
  log(
    `warning: ${failed.length} run(s) did not complete (${failed.join(", ")}); see manifest.json in their run dirs`,
  );
log(`wall time ${wallSeconds.toFixed(1)} s on ${threads} threads (CPU ${cpuSeconds.toFixed(1)} s)`);
log(`wrote ${join(opts.out, "summary.json")}, ${join(opts.out, "table.md")} and ${reportPath}`);
