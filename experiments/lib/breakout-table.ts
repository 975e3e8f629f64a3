/**
 * The TRL paper's table on MinAtar Breakout (experiments/breakout-table.ts, docs/results/breakout-table.md):
 * rows of (algorithm, optimizer, hidden layer, first layer), each trained for a few seeds through the
 * runner's DQN and A2C lifecycles (src/runner/dqn-run.ts, src/runner/a2c-run.ts; the functions
 * `exp:breakout` and `lowrank-rl run --algo a2c` use), scored as the paper scores its agents: the mean
 * of the last three evaluations of each seed, then mean and spread over seeds.
 *
 * Row names:
 *   dqn-<network>                   MinAtar's DQN (centered RMSProp) with that Q-network
 *   dqn-kfac-<network>[-scattering] DQN with K-FAC / with the fixed scattering first layer (when the runner has them)
 *   rainbow-<network>               the data-efficient-Rainbow-style preset without NoisyNets ("Denoised", Adam)
 *   a2c-<adam|kfac>-<network>[-scattering]   A2C (Adam) or ACKTR (K-FAC), shared trunk, softmax policy
 * with <network> the runner's hidden-layer spec: dense, trl-<f> (Tucker TRL at a fraction f of the
 * dense layer's parameters), lowrank-<f>, trl-rank<K>, lowrank-rank<K>.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseA2cRunConfig } from "../../src/runner/a2c-config.js";
import { executeA2cRun } from "../../src/runner/a2c-run.js";
import { parseDqnRunConfig } from "../../src/runner/dqn-config.js";
import { executeDqnRun } from "../../src/runner/dqn-run.js";
import { METRIC, readMetrics, type MetricRow } from "../../src/runner/metrics.js";
import { linesFigure, returnVsParamsFigure, type ParamPoint } from "../../src/report/figures.js";
import { writeReport } from "../../src/report/html.js";
import { spread } from "../../src/runner/stats.js";

export type RowAlgo = "dqn" | "rainbow" | "a2c";

/** One row of the table: what it trains and the run config it trains with (all but seed). */
export interface TableRowSpec {
  name: string;
  algo: RowAlgo;
  /** rmsprop, adam or kfac. */
  optimizer: string;
  /** The runner's hidden-layer spec (dense, trl-0.2 …). */
  network: string;
  scattering: boolean;
  /** The run config without its seed (the runner fills nothing the script did not state). */
  config: Record<string, unknown>;
}

/** The settings blocks of the script's header, as the rows' configs are built from them. */
export interface TableSettings {
  frames: number;
  evalEvery: number;
  evalEpisodes: number;
  dqn: Record<string, unknown>;
  rainbow: Record<string, unknown>;
  a2c: { adamLr: number; kfacLr: number } & Record<string, unknown>;
  /** Config fields a DQN row with K-FAC / with scattering adds (the runner's names for them). */
  dqnKfac: Record<string, unknown>;
  dqnScattering: (network: string) => Record<string, unknown>;
}

export class RowError extends Error {}

const ROW = /^(dqn|rainbow|a2c)-(?:(adam|kfac)-)?(.+?)(-scattering)?$/;

/** Parses a row name and builds its run config; a name or config the runner refuses throws RowError. */
export function parseRow(name: string, s: TableSettings): TableRowSpec {
  const m = ROW.exec(name);
  const usage = `row "${name}" is not dqn-[kfac-]<network>[-scattering], rainbow-<network> or a2c-<adam|kfac>-<network>[-scattering] (network: dense, trl-<f>, lowrank-<f>, trl-rank<K>, lowrank-rank<K>)`;
  if (!m) throw new RowError(usage);
  const algo = m[1] as RowAlgo;
  const opt = m[2];
  const network = m[3];
  const scattering = m[4] !== undefined;
  let optimizer: string;
  let config: Record<string, unknown>;
  if (algo === "a2c") {
    if (opt === undefined) throw new RowError(usage);
    optimizer = opt;
    const { adamLr, kfacLr, ...a2c } = s.a2c;
    config = {
      ...a2c,
      algo: "a2c",
      env: "MinAtar/Breakout",
      totalSteps: s.frames,
      network,
      frontEnd: scattering ? "scattering" : "conv",
      optimizer: opt,
      lr: opt === "kfac" ? kfacLr : adamLr,
      evalEvery: s.evalEvery,
      evalEpisodes: s.evalEpisodes,
    };
  } else if (algo === "rainbow") {
    if (opt !== undefined || scattering) throw new RowError(usage);
    optimizer = String(s.rainbow.optimizer ?? "adam");
    config = { ...s.dqn, ...s.rainbow, network };
  } else {
    if (opt === "adam") throw new RowError(usage);
    optimizer = opt ?? String(s.dqn.optimizer);
    config = {
      ...s.dqn,
      network,
      ...(opt === "kfac" ? s.dqnKfac : {}),
      ...(scattering ? s.dqnScattering(network) : {}),
    };
  }
  if (algo !== "a2c")
    config = {
      ...config,
      algo: "dqn",
      env: "MinAtar/Breakout",
      totalSteps: s.frames,
      evalEvery: s.evalEvery,
      evalEpisodes: s.evalEpisodes,
    };
  try {
    if (algo === "a2c") parseA2cRunConfig({ ...config, seed: 0 });
    else parseDqnRunConfig({ ...config, seed: 0 });
  } catch (err) {
    throw new RowError(`row "${name}": ${(err as Error).message.split("\n")[0]}`);
  }
  return { name, algo, optimizer, network, scattering, config };
}

/** One evaluation: frame and mean return over the evaluation episodes. */
export interface EvalPoint {
  frame: number;
  mean: number;
}

/** The evaluations a run's metrics hold (rows with `eval/episodic_return`), in frame order. */
export function evaluationsOf(rows: readonly MetricRow[]): EvalPoint[] {
  return rows
    .filter((r) => typeof r[METRIC.evalReturn] === "number" && typeof r.global_step === "number")
    .map((r) => ({ frame: r.global_step as number, mean: r[METRIC.evalReturn] as number }))
    .sort((a, b) => a.frame - b.frame);
}

/**
 * The paper's conservative score: the mean of the last three evaluations (there: after 80k, 90k and
 * 100k steps). Null when a run has fewer than three.
 */
export function lastThreeMean(evals: readonly EvalPoint[]): number | null {
  if (evals.length < 3) return null;
  return evals.slice(-3).reduce((a, e) => a + e.mean, 0) / 3;
}

/** Moving average of the last `window` training returns at each frame of `frames`. */
function trainingCurve(
  rows: readonly MetricRow[],
  frames: readonly number[],
  window: number,
): (number | null)[] {
  const episodes = rows
    .filter((r) => typeof r[METRIC.episodicReturn] === "number" && typeof r.global_step === "number")
    .map((r) => ({ frame: r.global_step as number, ret: r[METRIC.episodicReturn] as number }));
  return frames.map((f) => {
    const done = episodes.filter((e) => e.frame <= f).slice(-window);
    return done.length === 0 ? null : done.reduce((a, e) => a + e.ret, 0) / done.length;
  });
}

/** One (row, seed) run's outcome. */
export interface SeedResult {
  seed: number;
  run_dir: string;
  status: string;
  parameters: number;
  evals: EvalPoint[];
  /** Mean of the last three evaluations. */
  score: number | null;
  /** Training-return moving average (last `window` episodes) at each evaluation frame. */
  train_return: (number | null)[];
  episodes: number;
  frames: number;
  cpu_s: number;
  wall_s: number;
}

/** Trains one (row, seed) through the runner and reads its outcome back from the run's metrics. */
export async function runRowSeed(
  row: TableRowSpec,
  seed: number,
  runsDir: string,
  window: number,
  log: (line: string) => void,
): Promise<SeedResult> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const frames = row.config.totalSteps as number;
  let nextReport = 0;
  const onProgress = (f: number): void => {
    if (f < nextReport) return;
    nextReport = f + Math.max(1000, Math.floor(frames / 10));
    log(`[${row.name} seed ${seed}] frame ${f}/${frames}`);
  };
  const result =
    row.algo === "a2c"
      ? await executeA2cRun({ ...row.config, seed }, { outRoot: runsDir, onProgress })
      : executeDqnRun(
          { ...row.config, seed },
          { outRoot: runsDir, onProgress, removeCheckpointsOnCompletion: true, experiment: "breakout-table" },
        );
  const cpu = process.cpuUsage(cpu0);
  if (result.status !== "completed")
    throw new Error(
      `${row.name} seed ${seed}: run ${result.status}${result.message ? `: ${result.message}` : ""}`,
    );
  const rows = readMetrics(result.dir);
  const evals = evaluationsOf(rows);
  const episodes = rows.filter((r) => typeof r[METRIC.episodicReturn] === "number").length;
  const parameters = Object.values(result.parameterCount ?? {}).reduce((a, b) => a + b, 0);
  const lastFrame = rows.reduce(
    (a, r) => Math.max(a, typeof r.global_step === "number" ? r.global_step : 0),
    0,
  );
  return {
    seed,
    run_dir: result.dir,
    status: result.status,
    parameters,
    evals,
    score: lastThreeMean(evals),
    train_return: trainingCurve(
      rows,
      evals.map((e) => e.frame),
      window,
    ),
    episodes,
    frames: Math.max(frames, lastFrame),
    cpu_s: (cpu.user + cpu.system) / 1e6,
    wall_s: (performance.now() - t0) / 1000,
  };
}

/** A row of the summary: settings, per-seed outcomes and the table's columns. */
export interface TableRowResult {
  name: string;
  algo: RowAlgo;
  optimizer: string;
  network: string;
  scattering: boolean;
  parameters: number | null;
  /** Parameters ÷ those of the same algorithm's dense row with the conv first layer. */
  parameter_fraction: number | null;
  /** Mean over seeds of the per-seed last-three-evaluations mean. */
  score_mean: number | null;
  score_min: number | null;
  score_max: number | null;
  score_std: number | null;
  /** score_mean ÷ that of dqn-dense (MinAtar's DQN), in %. */
  relative_to_dqn_dense_pct: number | null;
  frames_per_cpu_s: number | null;
  /** frames_per_cpu_s ÷ that of dqn-dense. */
  speed_vs_dqn_dense: number | null;
  config: Record<string, unknown>;
  seeds: SeedResult[];
}

export interface PendingRow {
  name: string;
  reason: string;
}

export interface TableSummary {
  experiment: "breakout-table";
  env: "MinAtar/Breakout";
  frames: number;
  eval_every: number;
  eval_episodes: number;
  seeds: number[];
  score: string;
  git_commit: string | null;
  package_version: string;
  node_version: string;
  /** Per invocation that contributed rows (a merged summary lists each). */
  invocations: {
    git_commit: string | null;
    rows: string[];
    wall_time_s: number;
    cpu_time_s: number;
    started: string;
  }[];
  wall_time_s: number;
  cpu_time_s: number;
  settings: Record<string, unknown>;
  rows: TableRowResult[];
  pending: PendingRow[];
}

function sampleStd(xs: readonly number[]): number | null {
  if (xs.length < 2) return null;
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  return Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1));
}

/** The table's columns of a row from its seeds (relative columns are filled by {@link finishTable}). */
export function rowResult(
  spec: Pick<TableRowSpec, "name" | "algo" | "optimizer" | "network" | "scattering" | "config">,
  seeds: SeedResult[],
): TableRowResult {
  const scores = seeds.map((s) => s.score).filter((x): x is number => x !== null);
  const cpu = seeds.reduce((a, s) => a + s.cpu_s, 0);
  const frames = seeds.reduce((a, s) => a + s.frames, 0);
  return {
    name: spec.name,
    algo: spec.algo,
    optimizer: spec.optimizer,
    network: spec.network,
    scattering: spec.scattering,
    parameters: seeds[0]?.parameters ?? null,
    parameter_fraction: null,
    score_mean:
      scores.length === seeds.length && scores.length > 0
        ? scores.reduce((a, b) => a + b, 0) / scores.length
        : null,
    score_min: scores.length > 0 ? Math.min(...scores) : null,
    score_max: scores.length > 0 ? Math.max(...scores) : null,
    score_std: sampleStd(scores),
    relative_to_dqn_dense_pct: null,
    frames_per_cpu_s: cpu > 0 ? frames / cpu : null,
    speed_vs_dqn_dense: null,
    config: spec.config,
    seeds,
  };
}

/** The dense counterpart of a row (same algorithm family, dense hidden layer, conv first layer). */
function denseOf(r: TableRowResult, rows: readonly TableRowResult[]): TableRowResult | undefined {
  const dense = rows.filter((x) => x.algo === r.algo && x.network === "dense" && !x.scattering);
  return dense.find((x) => x.optimizer === r.optimizer) ?? dense[0];
}

/** Fills the columns that compare rows: parameter fraction, score and speed relative to dqn-dense. */
export function finishTable(rows: TableRowResult[]): TableRowResult[] {
  const ref = rows.find((r) => r.name === "dqn-dense");
  return rows.map((r) => {
    const dense = denseOf(r, rows);
    return {
      ...r,
      parameter_fraction: dense?.parameters && r.parameters !== null ? r.parameters / dense.parameters : null,
      relative_to_dqn_dense_pct:
        ref?.score_mean && r.score_mean !== null ? (100 * r.score_mean) / ref.score_mean : null,
      speed_vs_dqn_dense:
        ref?.frames_per_cpu_s && r.frames_per_cpu_s !== null
          ? r.frames_per_cpu_s / ref.frames_per_cpu_s
          : null,
    };
  });
}

/**
 * Merges a previous summary into a new one: a row both hold keeps the seeds of both (the new run's
 * outcome for a seed both ran), other rows are kept in their order. The budget and evaluation
 * protocol must be the same.
 */
export function mergeSummaries(previous: TableSummary, next: TableSummary): TableSummary {
  for (const key of ["frames", "eval_every", "eval_episodes"] as const)
    if (previous[key] !== next[key])
      throw new RowError(
        `--merge: the merged summary has ${key} = ${String(previous[key])}, this run ${String(next[key])}; only runs of the same budget and evaluation protocol merge`,
      );
  if (previous.experiment !== "breakout-table")
    throw new RowError(
      `--merge: not a breakout-table summary (experiment = ${JSON.stringify(previous.experiment)})`,
    );
  const rows = previous.rows.map((old) => {
    const now = next.rows.find((r) => r.name === old.name);
    if (!now) return old;
    const seeds = [...old.seeds.filter((sd) => !now.seeds.some((x) => x.seed === sd.seed)), ...now.seeds];
    return rowResult(
      now,
      seeds.sort((a, b) => a.seed - b.seed),
    );
  });
  rows.push(...next.rows.filter((r) => !previous.rows.some((old) => old.name === r.name)));
  const done = new Set(rows.map((r) => r.name));
  const pending = [...previous.pending, ...next.pending].filter(
    (p, i, all) => !done.has(p.name) && all.findIndex((q) => q.name === p.name) === i,
  );
  return {
    ...next,
    seeds: [...new Set([...previous.seeds, ...next.seeds])].sort((a, b) => a - b),
    invocations: [...previous.invocations, ...next.invocations],
    wall_time_s: previous.wall_time_s + next.wall_time_s,
    cpu_time_s: previous.cpu_time_s + next.cpu_time_s,
    rows: finishTable(rows),
    pending,
  };
}

/** Reads a summary for --merge (a missing or malformed file is a RowError naming the file). */
export function readSummary(path: string): TableSummary {
  let s: unknown;
  try {
    s = JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    throw new RowError(`--merge: cannot read ${path}: ${(err as Error).message.split("\n")[0]}`);
  }
  const t = s as Partial<TableSummary>;
  if (t === null || typeof t !== "object" || !Array.isArray(t.rows) || !Array.isArray(t.invocations))
    throw new RowError(`--merge: ${path} is not a breakout-table summary.json (no rows / invocations)`);
  return s as TableSummary;
}

const f = (v: number | null, d = 2): string => (v === null || !Number.isFinite(v) ? "–" : v.toFixed(d));

/** The table's columns as text (also the report's table). */
export function tableColumns(): string[] {
  return [
    "row",
    "parameters",
    "fraction of dense",
    "score (mean of last 3 evals), mean over seeds",
    "min … max over seeds",
    "vs dqn-dense (%)",
    "frames per CPU-s",
    "speed vs dqn-dense",
  ];
}

export function tableRows(rows: readonly TableRowResult[]): (string | number | null)[][] {
  return rows.map((r) => [
    r.name,
    r.parameters,
    r.parameter_fraction === null ? null : f(r.parameter_fraction, 3),
    r.score_mean === null ? null : f(r.score_mean),
    r.score_min === null ? null : `${f(r.score_min)} … ${f(r.score_max)}`,
    r.relative_to_dqn_dense_pct === null ? null : f(r.relative_to_dqn_dense_pct, 0),
    r.frames_per_cpu_s === null ? null : f(r.frames_per_cpu_s, 0),
    r.speed_vs_dqn_dense === null ? null : f(r.speed_vs_dqn_dense),
  ]);
}

/** Writes `<out>/report.html`: the table, evaluation and training curves per row, return against parameters. */
export function writeTableReport(out: string, s: TableSummary): string {
  const grid = Array.from({ length: Math.floor(s.frames / s.eval_every) }, (_, i) => (i + 1) * s.eval_every);
  const meanAt = (r: TableRowResult, pick: (seed: SeedResult, i: number) => number | null): number[] =>
    grid.map((_, i) => {
      const vs = r.seeds
        .map((sd) => pick(sd, i))
        .filter((v): v is number => v !== null && Number.isFinite(v));
      return vs.length === 0 ? Number.NaN : vs.reduce((a, b) => a + b, 0) / vs.length;
    });
  const evalAt = (sd: SeedResult, i: number): number | null =>
    sd.evals.find((e) => e.frame === grid[i])?.mean ?? null;
  const trainAt = (sd: SeedResult, i: number): number | null => {
    const k = sd.evals.findIndex((e) => e.frame === grid[i]);
    return k < 0 ? null : (sd.train_return[k] ?? null);
  };
  const points: ParamPoint[] = s.rows
    .filter((r) => r.parameters !== null)
    .map((r) => {
      const scores = r.seeds.map((sd) => sd.score);
      const sp = spread(scores);
      return {
        series: r.algo,
        family: `${r.algo} ${r.optimizer}${r.scattering ? " scattering" : ""}`,
        label: r.name,
        pointLabel: r.network,
        params: r.parameters ?? 0,
        median: sp.median,
        q25: sp.q25,
        q75: sp.q75,
      };
    });
  return writeReport(join(out, "report.html"), {
    title:
      "MinAtar Breakout: the TRL paper's table (dense vs TRL, RMSProp/Adam vs K-FAC, scattering, DQN / Rainbow-style / A2C)",
    notes: [
      `${s.frames} frames per run, seeds ${s.seeds.join(", ")}, an evaluation every ${s.eval_every} frames over ${s.eval_episodes} episodes. ${s.score}`,
      `Commit ${s.git_commit ?? "unknown"}, package ${s.package_version}, Node ${s.node_version}; ${s.wall_time_s.toFixed(0)} s wall, ${s.cpu_time_s.toFixed(0)} s CPU over ${s.invocations.length} invocation(s).`,
      ...(s.pending.length > 0
        ? [`Not run: ${s.pending.map((p) => `${p.name} (${p.reason})`).join("; ")}.`]
        : []),
    ],
    tables: [{ title: "Table", columns: tableColumns(), rows: tableRows(s.rows) }],
    figures: [
      linesFigure(
        "eval-curves",
        "Evaluation return (mean over seeds) against frames",
        grid,
        s.rows.map((r) => ({ name: r.name, y: meanAt(r, evalAt) })),
        { x: "frames", y: "evaluation return" },
      ),
      linesFigure(
        "train-curves",
        "Training return (moving average, mean over seeds) against frames",
        grid,
        s.rows.map((r) => ({ name: r.name, y: meanAt(r, trainAt) })),
        { x: "frames", y: "training return" },
      ),
      returnVsParamsFigure(
        "return-vs-params",
        "Score (mean of the last three evaluations; median over seeds, 25–75 %) against parameters",
        points,
        "score",
        "trained parameters (all layers)",
      ),
    ],
  });
}
