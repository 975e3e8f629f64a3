/**
 * Low-rank policies and value functions against 64×64 NN baselines on the standard control tasks
 * (docs/gym.md): CartPole-v1, Acrobot-v1, Pendulum-v1, MountainCarContinuous-v0 × low-rank / NN
 * PPO, actor-critic, REINFORCE, TRPO and Q-learning, with the presets of src/presets/gym.ts.
 *
 *   npm run exp:gym                                                    # every task × method × 10 seeds
 *   npm run exp:gym -- --tasks Pendulum-v1 --methods lowrank-ppo,nn-ppo --seeds 3 --out /tmp/g
 *   npm run exp:gym -- --render a/summary.json,b/summary.json --doc docs/results/gym.md --out DIR
 *     (rows of later files replace earlier rows of the same task, method and --set)
 *
 * Per run: train for the task's step budget, evaluate the deterministic policy (Gaussian mean,
 * softmax argmax, greedy Q) every `evalEvery` steps on fixed seeds, and once more at the end on
 * 100 episodes. Writes <out>/summary.json ({ rows: [...] }, one row per task × method), <out>/report.md
 * (the table) and <out>/report.html (learning curves per task, return against parameter count);
 * --doc also writes the Markdown to that path. --render rebuilds them from earlier summaries.
 */
import "./lib/script-errors.js";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Command, InvalidArgumentError } from "commander";
import {
  GYM_METHODS,
  GYM_TASK_IDS,
  GYM_TASKS,
  gymMethodApplies,
  type GymMethod,
  type GymPgOverrides,
  type GymTaskId,
} from "../src/presets/gym.js";
import { learningCurveFigure, returnVsParamsFigure, type ParamPoint } from "../src/report/figures.js";
import type { Figure } from "../src/report/figure.js";
import { writeReport } from "../src/report/html.js";
import { curveBand, quantile } from "../src/runner/stats.js";
import { intInRange, listOf, outputDir, seedList } from "./lib/args.js";
import { censoredSpread } from "./lib/censored-spread.js";
import { runGym, type GymRunResult } from "./lib/gym-run.js";
import { usageExit } from "./lib/script-errors.js";

// ---------------------------------------------------------------- settings (CleanRL style)
const SEEDS = 10;
const OUT = "results/gym";
const FINAL_EPISODES = 100;
// Budgets, thresholds, evaluation cadence and every hyperparameter: src/presets/gym.ts.
// ---------------------------------------------------------------------------------------------

/** One summary row: a task × method over its seeds. */
export interface GymRow {
  task: GymTaskId;
  method: GymMethod;
  /** `--set` overrides of the preset (null: the preset as is). */
  set: GymPgOverrides | null;
  params: number;
  threshold: number;
  seeds: number[];
  /** Seeds whose evaluation reached the threshold during training. */
  solved_seeds: number;
  /** Seeds whose final 100-episode evaluation is ≥ the threshold. */
  final_solved_seeds: number;
  steps_to_threshold: (number | null)[];
  median_steps_to_threshold: number | null;
  iqr_steps_to_threshold: [number | null, number | null];
  final_returns: number[];
  final_return_median: number;
  final_return_iqr: [number, number];
  train_steps: number;
  wall_seconds_median: number;
  eval_steps: number[];
  eval_returns: number[][];
}

export interface GymSummary {
  experiment: "gym";
  command: string;
  final_episodes: number;
  rows: GymRow[];
  /** `--render`: the summary files the rows were merged from, in order. */
  sources?: string[];
}

/** Preset fields `--set` may change (numbers; `buckets` as n/n/…). */
const SETTABLE = [
  "gamma",
  "tau",
  "episodesPerUpdate",
  "epochs",
  "clip",
  "lrActor",
  "lrCritic",
  "criticEpochs",
  "buckets",
  "rank",
  "interpolate",
  "actorInit",
  "criticInit",
  "logSigmaInit",
  "maxKl",
  "damping",
] as const;

/** `--set k=v,k=v`: policy-gradient preset overrides for a search (docs/gym.md §5). */
function presetOverrides(value: string): GymPgOverrides {
  const usage = `--set must be a comma list of key=value with keys ${SETTABLE.join(", ")} (numbers; buckets as n/n/…); got "${value}"`;
  const out: Record<string, number | number[]> = {};
  for (const part of value.split(",")) {
    const m = /^\s*(\w+)=([\d./eE+-]+)\s*$/.exec(part);
    if (!m || !(SETTABLE as readonly string[]).includes(m[1])) throw new InvalidArgumentError(usage);
    const nums = m[2].split("/").map(Number);
    if (nums.some((x) => !Number.isFinite(x)) || (m[1] !== "buckets" && nums.length !== 1))
      throw new InvalidArgumentError(usage);
    out[m[1]] = m[1] === "buckets" ? nums : nums[0];
  }
  return out as GymPgOverrides;
}

function fileList(value: string): string[] {
  const files = value.split(",").map((s) => s.trim());
  if (files.some((f) => f === ""))
    throw new InvalidArgumentError(`--render must be a comma list of summary.json files; got "${value}"`);
  return files;
}

const program = new Command()
  .exitOverride(usageExit)
  .name("exp:gym")
  .description(
    "low-rank vs 64×64 NN policies and Q functions on CartPole-v1, Acrobot-v1, Pendulum-v1, MountainCarContinuous-v0",
  )
  .option("--tasks <list>", `tasks: ${GYM_TASK_IDS.join(",")}`, listOf("--tasks", GYM_TASK_IDS), [
    ...GYM_TASK_IDS,
  ])
  .option("--methods <list>", `methods: ${GYM_METHODS.join(",")}`, listOf("--methods", GYM_METHODS), [
    ...GYM_METHODS,
  ])
  .option(
    "--seeds <n|list>",
    "number of seeds (0 … n−1) or a list like 0,3,7 or 2..5",
    seedList,
    Array.from({ length: SEEDS }, (_, i) => i),
  )
  .option(
    "--total-steps <n>",
    "env steps per run (default: the task's budget)",
    intInRange("--total-steps", 100, 10_000_000),
  )
  .option(
    "--final-episodes <n>",
    "episodes of the final evaluation",
    intInRange("--final-episodes", 1, 10_000),
    FINAL_EPISODES,
  )
  .option(
    "--set <k=v,…>",
    "policy-gradient preset overrides for a search (e.g. lrActor=0.01,rank=8,buckets=15/15)",
    presetOverrides,
  )
  .option("--out <dir>", "output folder (summary.json, report.md, report.html)", outputDir("--out"), OUT)
  .option("--doc <file>", "also write the Markdown results page here (e.g. docs/results/gym.md)")
  .option("--render <files>", "run nothing: rebuild the outputs from these summary.json files", fileList)
  .option("--quiet", "no per-run lines")
  .showHelpAfterError("(add --help for usage)")
  .parse();
const opts = program.opts<{
  tasks: GymTaskId[];
  methods: GymMethod[];
  seeds: number[];
  totalSteps?: number;
  set?: GymPgOverrides;
  finalEpisodes: number;
  out: string;
  doc?: string;
  render?: string[];
  quiet?: boolean;
}>();

function median(xs: readonly number[]): number {
  return quantile(xs, 0.5) ?? NaN;
}

function makeRow(task: GymTaskId, method: GymMethod, runs: GymRunResult[]): GymRow {
  const reached = runs.map((r) => r.stepsToThreshold);
  const spread = censoredSpread(reached);
  const finals = runs.map((r) => r.finalReturn);
  const threshold = GYM_TASKS[task].threshold;
  const round = (x: number) => Math.round(x * 10) / 10;
  return {
    task,
    method,
    set: opts.set ?? null,
    params: runs[0].params,
    threshold,
    seeds: runs.map((r) => r.seed),
    solved_seeds: reached.filter((x) => x !== null).length,
    final_solved_seeds: finals.filter((x) => x >= threshold).length,
    steps_to_threshold: reached,
    median_steps_to_threshold: spread.median,
    iqr_steps_to_threshold: [spread.q25, spread.q75],
    final_returns: finals.map(round),
    final_return_median: round(median(finals)),
    final_return_iqr: [round(quantile(finals, 0.25)!), round(quantile(finals, 0.75)!)],
    train_steps: runs[0].trainSteps,
    wall_seconds_median: round(median(runs.map((r) => r.wallSeconds))),
    eval_steps: runs[0].evalSteps,
    eval_returns: runs.map((r) => r.evalReturns.map(round)),
  };
}

const fmtSteps = (x: number | null) => (x === null ? "never" : String(x));
const fmtInt = (x: number) => x.toLocaleString("en-US").replace(/,/g, " ");

/** "reached at an eval on k/n seeds, final ≥ thr on m/n" for a target check. */
function seedsLine(r: GymRow): string {
  const n = r.seeds.length;
  return `reached on ${r.solved_seeds}/${n} seeds, final ≥ threshold on ${r.final_solved_seeds}/${n}`;
}

/** Whether a row's method reaches the threshold: the median final 100-episode return is ≥ it. */
function reaches(r: GymRow): boolean {
  return r.final_return_median >= r.threshold;
}

/** The Markdown page of a summary: per task the table and the parameter-budget target check. */
function renderMarkdown(s: GymSummary): string {
  const lines = [
    "# Low-rank methods vs NN baselines on the standard control tasks: measured results",
    "",
    "Generated by `experiments/gym.ts` from its summary.json; the methods and presets are in",
    `[gym.md](../gym.md). ${s.command.includes("\n") ? "Commands" : "Command"}:`,
    "",
    "```bash",
    s.command,
    "```",
    "",
    ...(s.sources
      ? [
          `Rendered from their summaries with \`npm run exp:gym -- --render ${s.sources.join(",")}${opts.doc ? ` --doc ${opts.doc}` : ""}\` (a later file's row replaces an earlier one of the same task, method and \`--set\`).`,
          "",
        ]
      : []),
    `Each run trains for the task's step budget; every few thousand steps the deterministic policy (Gaussian mean, softmax argmax, greedy Q) is evaluated on fixed seeds, and "steps to threshold" is the training steps at the first evaluation whose mean reached the threshold ("never": not within the budget; the median and IQR count "never" as +∞). "Final" is the mean return over ${s.final_episodes} evaluation episodes after the last step; "final ≥ thr" counts the seeds where it is at least the threshold. "% NN" compares the parameters (policy + critic, or the Q function) with the same algorithm's 64×64 NN. Wall time is on a shared 2-core machine and is comparable only within a table.`,
    "",
  ];
  const tasks = [...new Set(s.rows.map((r) => r.task))];
  for (const task of tasks) {
    const rows = s.rows.filter((r) => r.task === task);
    lines.push(`## ${task} (threshold ${rows[0].threshold})`, "");
    lines.push(
      "| method | params | % NN | seeds | reached at an eval | final ≥ thr | steps to threshold, median [IQR] | final return, median [IQR] | wall s (median) |",
      "|---|---:|---:|---:|---:|---:|---|---|---:|",
    );
    for (const r of rows) {
      const algo = r.method.split("-")[1];
      const label = r.set
        ? `${r.method} (${Object.entries(r.set)
            .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join("/") : v}`)
            .join(", ")})`
        : r.method;
      const nn = s.rows.find((x) => x.task === task && x.method === `nn-${algo}` && !x.set);
      const pct =
        r.method.startsWith("lowrank") && nn ? `${((100 * r.params) / nn.params).toFixed(1)} %` : "";
      const [q25, q75] = r.iqr_steps_to_threshold;
      lines.push(
        `| ${label} | ${fmtInt(r.params)} | ${pct} | ${r.seeds.length} | ${r.solved_seeds}/${r.seeds.length} | ${r.final_solved_seeds}/${r.seeds.length} | ${fmtSteps(r.median_steps_to_threshold)} [${fmtSteps(q25)}, ${fmtSteps(q75)}] | ${r.final_return_median} [${r.final_return_iqr[0]}, ${r.final_return_iqr[1]}] | ${r.wall_seconds_median} |`,
      );
    }
    lines.push("");
    // Target: a low-rank method reaches the threshold with ≤ 10 % of the parameters of the NN that reaches it.
    const low = rows.filter((r) => r.method.startsWith("lowrank") && reaches(r));
    const nns = rows.filter((r) => r.method.startsWith("nn") && reaches(r));
    const anyNn = rows.filter((r) => r.method.startsWith("nn"));
    let verdict: string;
    if (low.length === 0)
      verdict = "No low-rank method reached the threshold (median final return) in these runs.";
    else {
      const best = [...low].sort((a, b) => a.params - b.params)[0];
      const ref = nns.length ? [...nns].sort((a, b) => a.params - b.params)[0] : null;
      const fastestLow = [...low].sort(
        (a, b) => (a.median_steps_to_threshold ?? Infinity) - (b.median_steps_to_threshold ?? Infinity),
      )[0];
      if (ref) {
        const ratio = (100 * best.params) / ref.params;
        verdict =
          `${best.method} reaches it with ${fmtInt(best.params)} parameters, ${ratio.toFixed(1)} % of ${ref.method}'s ${fmtInt(ref.params)} (target ≤ 10 %: ${ratio <= 10 ? "holds" : "does not hold"}). ` +
          `Median steps to threshold: ${fastestLow.method} ${fmtSteps(fastestLow.median_steps_to_threshold)} (${seedsLine(fastestLow)}), ${ref.method} ${fmtSteps(ref.median_steps_to_threshold)} (${seedsLine(ref)}): ` +
          `${(fastestLow.median_steps_to_threshold ?? Infinity) < (ref.median_steps_to_threshold ?? Infinity) ? "fewer for the low-rank method" : "not fewer for the low-rank method"}.`;
      } else
        verdict = `${best.method} reaches it with ${fmtInt(best.params)} parameters; ${anyNn.length ? "no NN baseline reached it in these runs" : "no NN baseline was run"}, so the ratio to an NN that reaches it is not measured.`;
    }
    lines.push(`Target check: ${verdict}`, "");
  }
  return lines.join("\n");
}

/** Replaces a learning-curve figure's x values (evaluation index) by env steps. */
function stepAxis(fig: Figure, steps: readonly number[]): Figure {
  const data = fig.data.map((t) => ({ ...t, x: steps.slice(0, (t.x as number[]).length) }));
  const layout = { ...fig.layout, xaxis: { title: { text: "env steps" } } };
  return { ...fig, data, layout };
}

function writeOutputs(s: GymSummary): void {
  mkdirSync(opts.out, { recursive: true });
  writeFileSync(join(opts.out, "summary.json"), JSON.stringify(s, null, 1) + "\n");
  const md = renderMarkdown(s);
  writeFileSync(join(opts.out, "report.md"), md);
  if (opts.doc) writeFileSync(opts.doc, md);
  const tasks = [...new Set(s.rows.map((r) => r.task))];
  const figures: Figure[] = [];
  for (const task of tasks) {
    const rows = s.rows.filter((r) => r.task === task);
    const longest = rows.reduce(
      (a, r) => (r.eval_steps.length > a.length ? r.eval_steps : a),
      [] as number[],
    );
    figures.push(
      stepAxis(
        learningCurveFigure(
          `curves-${task}`,
          `${task}: deterministic evaluation return (median and 25–75 % over seeds)`,
          rows.map((r) => ({ name: r.method, runs: r.seeds.length, ...curveBand(r.eval_returns) })),
        ),
        longest,
      ),
    );
    const points: ParamPoint[] = rows.map((r) => ({
      series: r.method.startsWith("lowrank") ? "low-rank" : "NN 64×64",
      family: r.method,
      label: `${r.method}, ${r.params} params`,
      pointLabel: r.method,
      params: r.params,
      median: r.final_return_median,
      q25: r.final_return_iqr[0],
      q75: r.final_return_iqr[1],
    }));
    figures.push(
      returnVsParamsFigure(
        `params-${task}`,
        `${task}: final return (${s.final_episodes} episodes) against parameter count; threshold ${rows[0].threshold}`,
        points,
        "final return",
        "trainable parameters (policy + critic, or Q)",
      ),
    );
  }
  writeReport(join(opts.out, "report.html"), {
    title: "exp:gym — low-rank vs NN on the standard control tasks",
    notes: [md.split("\n").find((l) => l.startsWith("Each run")) ?? "", `Command: ${s.command}`],
    figures,
  });
  console.log(md);
}

if (opts.render) {
  const parts = opts.render.map((f) => JSON.parse(readFileSync(f, "utf8")) as GymSummary);
  // Summaries written before rows carried `set` name it in their command only.
  const setOf = (command: string): GymPgOverrides | null => {
    const m = /--set (\S+)/.exec(command);
    return m ? presetOverrides(m[1]) : null;
  };
  // A later summary's row replaces an earlier one of the same task, method and overrides (a rerun).
  const merged = new Map<string, GymRow>();
  for (const p of parts)
    for (const r of p.rows) {
      const row = { ...r, set: r.set ?? setOf(p.command) };
      merged.set(`${row.task} ${row.method} ${JSON.stringify(row.set)}`, row);
    }
  const rows = [...merged.values()];
  writeOutputs({
    experiment: "gym",
    command: parts.map((p) => p.command).join("\n"),
    final_episodes: parts[0].final_episodes,
    rows,
    sources: opts.render,
  });
} else {
  const rows: GymRow[] = [];
  const command = ["npm run exp:gym --", ...process.argv.slice(2)].join(" ");
  for (const task of opts.tasks) {
    for (const method of opts.methods) {
      if (!gymMethodApplies(task, method)) {
        if (!opts.quiet) console.log(`${task} ${method}: skipped (TRPO's step needs a Gaussian policy)`);
        continue;
      }
      const runs: GymRunResult[] = [];
      for (const seed of opts.seeds) {
        const r = runGym({
          task,
          method,
          seed,
          totalSteps: opts.totalSteps,
          finalEpisodes: opts.finalEpisodes,
          overrides: opts.set,
        });
        runs.push(r);
        if (!opts.quiet)
          console.log(
            `${task} ${method} seed ${seed}: ${r.params} params, steps to ${GYM_TASKS[task].threshold}: ${r.stepsToThreshold ?? "never"}, final ${r.finalReturn.toFixed(1)}, ${r.wallSeconds.toFixed(1)} s`,
          );
      }
      rows.push(makeRow(task, method, runs));
      // Written after every row, so an interrupted run keeps what it finished.
      writeOutputs({ experiment: "gym", command, final_episodes: opts.finalEpisodes, rows });
    }
  }
  if (rows.length === 0) throw new Error("no task × method pair applies (TRPO needs a continuous task)");
}
