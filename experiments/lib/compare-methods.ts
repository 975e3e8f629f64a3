import { availableParallelism } from "node:os";
import { join } from "node:path";
import { learningCurveFigure, returnVsParamsFigure } from "../../src/report/figures.js";
import { writeReport } from "../../src/report/html.js";
import { writeJsonAtomic } from "../../src/runner/atomic-file.js";
import type { RunConfigInput } from "../../src/runner/config.js";
import { runRunJobsInPool } from "../../src/runner/pool.js";
import { gitCommit, packageVersion } from "../../src/runner/provenance.js";
import type { RunResult } from "../../src/runner/run.js";
import { curveBand, episodesToThreshold, mean, spread, tailMean } from "../../src/runner/stats.js";
import { episodeProgressBar } from "../../src/cli/progress.js";
import { withExecution, type ExecutionOptions } from "./population-option.js";

/** One method of a comparison: a display name, the paper's legend count, and the run config (minus seed). */
export interface MethodSpec {
  name: string;
  paperParams: number | null;
  config: RunConfigInput;
}

export interface ComparisonOptions {
  experiment: string;
  methods: readonly MethodSpec[];
  seeds: readonly number[];
  out: string;
  /** Convergence measure: first episode count where the `window`-episode moving average ≥ `threshold`. */
  threshold: number;
  window: number;
  /** "final return" = mean return over the last `finalWindow` episodes. */
  finalWindow: number;
  threads?: number;
  /** Extra fields recorded in summary.json (the hyperparameter block of the script). */
  hyperparameters: unknown;
  /** Reference numbers to print next to ours. */
  reference?: Record<string, unknown>;
  /** Fixed-policy returns shown beside the methods (summary, table, dashed line on the curves). */
  baselines?: readonly BaselineValue[];
  quiet?: boolean;
  /** `--backend` / `--population` of the script: applied to the LRPG methods (the NN baseline runs one job per seed). */
  execution?: ExecutionOptions;
}

/** A non-learning reference level, e.g. the rocket's constant full-thrust return. */
export interface BaselineValue {
  name: string;
  /** Episode return of the policy (measured by running it, not assumed). */
  value: number;
  description: string;
}

/** Per method, what summary.json holds (its field names). */
export interface MethodSummary {
  name: string;
  algo: string;
  /** Trainable parameters of what ran: actor + critic (σ excluded, the paper's convention). */
  params: number;
  /** The paper's legend figure. */
  paper_params: number | null;
  seeds: number[];
  /** Per seed; null when the moving average never reached the threshold. */
  episodes_to_threshold: (number | null)[];
  median_episodes_to_threshold: number | null;
  iqr_episodes_to_threshold: [number | null, number | null];
  reached: string;
  /** Mean over seeds of each seed's mean return over its last `finalWindow` episodes. */
  final_mean_return: number | null;
  final_mean_return_per_seed: (number | null)[];
  run_dirs: string[];
  statuses: string[];
}

export interface ComparisonSummary {
  experiment: string;
  package_version: string;
  git_commit: string | null;
  node_version: string;
  threads: number;
  wall_time_s: number;
  seeds: number[];
  threshold: number;
  window: number;
  final_window: number;
  hyperparameters: unknown;
  reference?: Record<string, unknown>;
  baselines?: BaselineValue[];
  /** How the LRPG runs were executed (absent: one job per seed on the cpu backend). */
  execution?: ExecutionOptions;
  methods: MethodSummary[];
}

function fmt(v: number | null, digits = 1): string {
  return v === null ? "–" : Number.isInteger(v) ? String(v) : v.toFixed(digits);
}

/**
 * Runs every method × seed as one job each in the worker pool (all cores), then writes
 * `summary.json` and `report.html` (+ plotly.js) to `out` and prints a summary table.
 * Run directories go to `<out>/runs/`.
 */
export async function runComparison(o: ComparisonOptions): Promise<ComparisonSummary> {
  const threads = o.threads ?? availableParallelism();
  const jobs = o.methods.flatMap((m) => o.seeds.map((seed) => ({ method: m, seed })));
  const totalEpisodes = jobs.reduce((s, j) => s + (j.method.config.episodes ?? 0), 0);
  const log = (s: string) => {
    if (!o.quiet) process.stdout.write(s + "\n");
  };
  log(
    `${o.experiment}: ${o.methods.map((m) => m.name).join(" vs ")}, ${o.seeds.length} seed(s), ${jobs.length} runs on ${threads} worker thread(s) → ${o.out}`,
  );
  const bar = o.quiet ? null : episodeProgressBar(totalEpisodes, o.experiment);
  const t0 = performance.now();
  let results: RunResult[];
  try {
    results = await runRunJobsInPool(
      jobs.map((j) => ({
        config: withExecution({ ...j.method.config, seed: j.seed }, o.execution),
        outRoot: join(o.out, "runs"),
      })),
      { threads, onProgress: (n) => bar?.add(n) },
    );
  } finally {
    bar?.stop();
  }
  const wall = (performance.now() - t0) / 1000;
  const methods: MethodSummary[] = o.methods.map((m, k) => {
    const rs = results.slice(k * o.seeds.length, (k + 1) * o.seeds.length);
    const ett = rs.map((r) => episodesToThreshold(r.returns, o.threshold, o.window));
    const s = spread(ett);
    const finals = rs.map((r) => tailMean(r.returns, o.finalWindow));
    const pc = rs[0]?.parameterCount ?? {};
    return {
      name: m.name,
      algo: String(m.config.algo),
      params: (pc.actor ?? 0) + (pc.critic ?? 0),
      paper_params: m.paperParams,
      seeds: [...o.seeds],
      episodes_to_threshold: ett,
      median_episodes_to_threshold: s.median,
      iqr_episodes_to_threshold: [s.q25, s.q75],
      reached: `${ett.filter((x) => x !== null).length}/${ett.length}`,
      final_mean_return: mean(finals),
      final_mean_return_per_seed: finals,
      run_dirs: rs.map((r) => r.dir),
      statuses: rs.map((r) => r.status),
    };
  });
  const summary: ComparisonSummary = {
    experiment: o.experiment,
    package_version: packageVersion(),
    git_commit: gitCommit(),
    node_version: process.version,
    threads,
    wall_time_s: Number(wall.toFixed(2)),
    seeds: [...o.seeds],
    threshold: o.threshold,
    window: o.window,
    final_window: o.finalWindow,
    hyperparameters: o.hyperparameters,
    reference: o.reference,
    ...(o.baselines && o.baselines.length > 0 ? { baselines: [...o.baselines] } : {}),
    ...(o.execution && (o.execution.backend !== "cpu" || o.execution.population > 1)
      ? { execution: o.execution }
      : {}),
    methods,
  };
  writeJsonAtomic(join(o.out, "summary.json"), summary);

  const curves = o.methods.map((m, k) => {
    const rs = results.slice(k * o.seeds.length, (k + 1) * o.seeds.length);
    return {
      name: `${m.name} (${methods[k].params} params)`,
      runs: rs.length,
      ...curveBand(rs.map((r) => r.returns)),
    };
  });
  const points = methods.map((m, k) => {
    const rs = results.slice(k * o.seeds.length, (k + 1) * o.seeds.length);
    return {
      series: m.name,
      label: m.name,
      params: m.params,
      ...spread(rs.map((r) => tailMean(r.returns, o.finalWindow))),
    };
  });
  const thresholdLabel = `episodes until MA${o.window} ≥ ${o.threshold}`;
  const curveFigure = learningCurveFigure(
    "learning-curves",
    "Learning curves (median and IQR over seeds)",
    curves,
  );
  for (const b of o.baselines ?? []) {
    curveFigure.data.push({
      type: "scatter",
      mode: "lines",
      x: [1, curves[0]?.median.length ?? 1],
      y: [b.value, b.value],
      line: { dash: "dash", color: "#555", width: 1.5 },
      name: `${b.name} (${b.value.toFixed(4)})`,
    });
  }
  const reportPath = writeReport(join(o.out, "report.html"), {
    title: `${o.experiment}: ${o.methods.map((m) => m.name).join(" vs ")}`,
    notes: [
      `${o.seeds.length} seeds (${o.seeds.join(", ")}), package ${summary.package_version}, commit ${summary.git_commit ?? "unknown"}, ${summary.wall_time_s} s wall on ${threads} threads.`,
      `Curves: per-episode median return over seeds, band = 25–75 % quantiles. Second figure: mean return of the last ${o.finalWindow} episodes per seed, median and IQR over seeds, against trainable parameters (actor + critic).`,
    ],
    tables: [
      {
        title: "Summary",
        columns: [
          "method",
          "params (ran)",
          "params (paper legend)",
          `${thresholdLabel}: median`,
          "q25",
          "q75",
          "reached",
          `mean return, last ${o.finalWindow} episodes`,
        ],
        rows: [
          ...methods.map((m) => [
            m.name,
            m.params,
            m.paper_params,
            m.median_episodes_to_threshold,
            m.iqr_episodes_to_threshold[0],
            m.iqr_episodes_to_threshold[1],
            m.reached,
            m.final_mean_return,
          ]),
          ...(o.baselines ?? []).map((b) => [
            `${b.name} (baseline)`,
            0,
            null,
            null,
            null,
            null,
            "–",
            b.value,
          ]),
        ],
      },
    ],
    figures: [
      curveFigure,
      returnVsParamsFigure(
        "return-vs-params",
        `Return (last ${o.finalWindow} episodes) against parameter count`,
        points,
      ),
    ],
  });

  log("");
  log(`${o.experiment}: ${o.seeds.length} seeds, wall time ${summary.wall_time_s} s on ${threads} threads`);
  if (summary.execution)
    log(
      `LRPG runs: backend ${summary.execution.backend}${summary.execution.gpuMode ? ` (${summary.execution.gpuMode})` : ""}, populations of up to ${summary.execution.population} seeds (NN: one job per seed)`,
    );
  const header = [
    "method",
    "params",
    "paper",
    `${thresholdLabel} median [IQR]`,
    "reached",
    `last-${o.finalWindow} mean`,
  ];
  const rows = methods.map((m) => [
    m.name,
    String(m.params),
    fmt(m.paper_params),
    `${fmt(m.median_episodes_to_threshold)} [${fmt(m.iqr_episodes_to_threshold[0])}, ${fmt(m.iqr_episodes_to_threshold[1])}]`,
    m.reached,
    fmt(m.final_mean_return, 2),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  log(header.map((h, i) => h.padEnd(widths[i])).join("  "));
  for (const r of rows) log(r.map((c, i) => c.padEnd(widths[i])).join("  "));
  for (const m of methods)
    log(`  ${m.name} per seed: ${m.episodes_to_threshold.map((x) => (x === null ? "never" : x)).join(", ")}`);
  for (const b of o.baselines ?? [])
    log(`baseline ${b.name}: return ${b.value.toFixed(4)} (${b.description})`);
  if (o.reference) log(`reference: ${JSON.stringify(o.reference)}`);
  const failed = methods.flatMap((m) => m.statuses.filter((s) => s !== "completed"));
  if (failed.length > 0)
    log(
      `warning: ${failed.length} run(s) did not complete (${failed.join(", ")}); see manifest.json in their run dirs`,
    );
  log(`wrote ${join(o.out, "summary.json")} and ${reportPath} (open it offline; plotly.js sits next to it)`);
  return summary;
}
