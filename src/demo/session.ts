import { NnGaussianAgent } from "../baselines/gaussian-nn-agent.js";
import type { Env } from "../envs/env.js";
import { makeEnv } from "../envs/registry.js";
import { LrpgAgent } from "../lrpg/gaussian-lrpg-agent.js";
import { Discretizer } from "../parametrizations/discretizer.js";
import type { GaussianPolicyAgent, ParameterCount } from "../pg/agent.js";
import { EpisodeBuffer } from "../pg/episode-buffer.js";
import { runEpisode } from "../pg/reinforce.js";
import { PAPER_TASKS, agentGrids, type PaperTask } from "../presets/paper-agents.js";
import { MAX_SEED, Rng } from "../random/rng.js";

/**
 * One training run of the live page, built exactly as `lowrank-rl run --env <task's env> --algo
 * <algo> --seed <seed>` builds it (src/runner/run.ts with the paper agent factory): one generator
 * `Rng(seed)`; the agent's initial parameters drawn from it first; the env's generator forked from
 * it next; then per episode a roll-out of at most T steps with a ~ π(·|s) drawn from the run's
 * generator, and one REINFORCE update. Same seed and settings, same per-episode returns, in Node or
 * in a browser's Web Worker (test/demo/session.test.ts compares against the runner).
 */

export const DEMO_TASKS = ["pendulum", "acrobot", "rocket"] as const satisfies readonly PaperTask[];
export const DEMO_ALGOS = ["lrpg", "nn"] as const;
export type DemoAlgo = (typeof DEMO_ALGOS)[number];

/** What fixes a demo run: the task, the method, the seed and the size of the policy. */
export interface DemoRunOptions {
  task: PaperTask;
  algo: DemoAlgo;
  seed: number;
  /** LRPG rank K of the μ and V matrices (default: the paper's, pendulum 4). */
  rank?: number;
  /** LRPG actor / critic grid points per state dimension (default: the paper's, pendulum 10 / 16). */
  actorBuckets?: number;
  criticBuckets?: number;
  /** NN hidden width of the μ-net and V-net (default: the paper's, pendulum 512). */
  hidden?: number;
}

/** The demo's settable fields, their ranges, and what the page and `lowrank-rl demo` check. */
export const DEMO_LIMITS = {
  seed: [0, MAX_SEED],
  rank: [1, 64],
  actorBuckets: [2, 64],
  criticBuckets: [2, 64],
  hidden: [1, 4096],
  episodes: [1, 1_000_000],
  speed: [0, 100_000],
} as const;
export type DemoLimitedField = keyof typeof DEMO_LIMITS;

/** A demo setting out of range: names the field and the allowed range. */
export class DemoOptionError extends Error {
  readonly field: string;
  constructor(field: string, message: string) {
    super(message);
    this.name = "DemoOptionError";
    this.field = field;
  }
}

/** `value` as an integer in the field's range, or a {@link DemoOptionError} naming both. */
export function demoInteger(field: DemoLimitedField, value: unknown): number {
  const [lo, hi] = DEMO_LIMITS[field];
  const n = typeof value === "string" && /^\s*\d+\s*$/.test(value) ? Number(value) : value;
  if (typeof n !== "number" || !Number.isInteger(n) || n < lo || n > hi)
    throw new DemoOptionError(
      field,
      `${field} must be an integer in [${lo}, ${hi}], got ${typeof value === "string" ? JSON.stringify(value) : String(value)}`,
    );
  return n;
}

/** Checks a task name against {@link DEMO_TASKS}. */
export function demoTask(value: unknown): PaperTask {
  if (typeof value !== "string" || !(DEMO_TASKS as readonly string[]).includes(value))
    throw new DemoOptionError(
      "task",
      `task must be one of ${DEMO_TASKS.join(", ")}, got ${JSON.stringify(value)}`,
    );
  return value as PaperTask;
}

/** A quantity over a state grid, laid out as the LRPG matrix (rows × cols), with axis labels. */
export interface GridMap {
  z: number[][];
  rowLabel: string;
  colLabel: string;
  /** The grid value of each row / column (a single dimension) or its tuple, as text. */
  rowTicks: string[];
  colTicks: string[];
  /** The grid values along the axis when it is one state dimension (null for tuples). */
  rowValues: number[] | null;
  colValues: number[] | null;
}

/** μ(s), σ(s) on the actor grid and V(s) on the critic grid. */
export interface PolicyMaps {
  mu: GridMap;
  sigma: GridMap;
  value: GridMap;
}

const STATE_NAMES: Record<PaperTask, readonly string[]> = {
  pendulum: ["θ", "dθ/dt"],
  acrobot: ["θ1", "θ2", "dθ1/dt", "dθ2/dt"],
  rocket: ["v", "h", "m"],
};

/** Grid point `i` of dimension d: low_d + i (high_d − low_d)/(b_d − 1), the point the discretizer snaps to. */
function pointValue(g: Discretizer, d: number, i: number): number {
  const b = g.buckets[d];
  return b === 1 ? g.low[d] : g.low[d] + (i * g.range[d]) / (b - 1);
}

/** Writes into `s` the dims of `dims` decoded row-major from `flat`. */
function decode(g: Discretizer, dims: readonly number[], flat: number, s: Float64Array): void {
  for (let k = dims.length - 1; k >= 0; k--) {
    const d = dims[k];
    const b = g.buckets[d];
    s[d] = pointValue(g, d, flat % b);
    flat = Math.floor(flat / b);
  }
}

function tickLabels(g: Discretizer, dims: readonly number[], count: number): string[] {
  const s = new Float64Array(g.stateDim);
  const out: string[] = [];
  for (let f = 0; f < count; f++) {
    decode(g, dims, f, s);
    out.push(dims.map((d) => String(Number(s[d].toPrecision(3)))).join(", "));
  }
  return out;
}

/** f at every grid point of `g` (an N×M matrix) with the axes' labels. */
function tabulate(g: Discretizer, names: readonly string[], f: (s: Float64Array) => number): GridMap {
  const s = new Float64Array(g.stateDim);
  const z: number[][] = [];
  for (let r = 0; r < g.rows; r++) {
    decode(g, g.rowDims, r, s);
    const row: number[] = [];
    for (let c = 0; c < g.cols; c++) {
      decode(g, g.colDims, c, s);
      row.push(f(s));
    }
    z.push(row);
  }
  const label = (dims: readonly number[]) => dims.map((d) => names[d] ?? `s${d}`).join(", ");
  const values = (dims: readonly number[], count: number) =>
    dims.length === 1 ? Array.from({ length: count }, (_, i) => pointValue(g, dims[0], i)) : null;
  return {
    z,
    rowLabel: label(g.rowDims),
    colLabel: label(g.colDims),
    rowTicks: tickLabels(g, g.rowDims, g.rows),
    colTicks: tickLabels(g, g.colDims, g.cols),
    rowValues: values(g.rowDims, g.rows),
    colValues: values(g.colDims, g.cols),
  };
}

/** The resolved settings of a run: every default filled from the paper preset of the task. */
export interface ResolvedDemoRun {
  task: PaperTask;
  algo: DemoAlgo;
  seed: number;
  envId: string;
  maxSteps: number;
  gamma: number;
  lrActor: number;
  lrCritic: number;
  rank: number | null;
  actorBuckets: number;
  criticBuckets: number;
  hidden: number | null;
  threshold: number;
}

/** Fills `options` from the task's paper preset, checking every given field's range. */
export function resolveDemoRun(options: DemoRunOptions): ResolvedDemoRun {
  const task = demoTask(options.task);
  if (!(DEMO_ALGOS as readonly string[]).includes(options.algo))
    throw new DemoOptionError(
      "algo",
      `algo must be one of ${DEMO_ALGOS.join(", ")}, got ${JSON.stringify(options.algo)}`,
    );
  const spec = PAPER_TASKS[task];
  const first = (b: ArrayLike<number> | number) => (typeof b === "number" ? b : b[0]);
  const opt = (field: DemoLimitedField, v: number | undefined, fallback: number) =>
    v === undefined ? fallback : demoInteger(field, v);
  const lrpg = options.algo === "lrpg";
  return {
    task,
    algo: options.algo,
    seed: demoInteger("seed", options.seed),
    envId: spec.envId,
    maxSteps: spec.maxSteps,
    gamma: spec.gamma,
    lrActor: lrpg ? spec.lrpg.lrActor : spec.nn.lrActor,
    lrCritic: lrpg ? spec.lrpg.lrCritic : spec.nn.lrCritic,
    rank: lrpg ? opt("rank", options.rank, spec.lrpg.rank) : null,
    actorBuckets: opt("actorBuckets", options.actorBuckets, first(spec.lrpg.actorGrid.buckets)),
    criticBuckets: opt("criticBuckets", options.criticBuckets, first(spec.lrpg.criticGrid.buckets)),
    hidden: lrpg ? null : opt("hidden", options.hidden, spec.nn.hidden),
    threshold: spec.threshold,
  };
}

/**
 * A run of the page: `episode()` trains one more episode and returns its return; `maps()`
 * tabulates the current μ, σ and V (reading parameters only: no draw, no state change).
 */
export class DemoSession {
  readonly run: ResolvedDemoRun;
  readonly agent: GaussianPolicyAgent & { readonly parameterCount: ParameterCount };
  readonly actorGrid: Discretizer;
  readonly criticGrid: Discretizer;
  /** Episodes trained. */
  episodes = 0;
  /** Env steps taken. */
  steps = 0;
  private readonly rng: Rng;
  private readonly env: Env;
  private readonly buffer: EpisodeBuffer;

  constructor(options: DemoRunOptions) {
    const run = resolveDemoRun(options);
    this.run = run;
    const spec = PAPER_TASKS[run.task];
    const grids = agentGrids({
      task: run.task,
      env: run.envId,
      actorBuckets: run.actorBuckets,
      criticBuckets: run.criticBuckets,
    });
    this.actorGrid = new Discretizer(grids.actor);
    this.criticGrid = new Discretizer(grids.critic);
    // The order of draws is the runner's: agent init, then the env's generator forked.
    this.rng = new Rng(run.seed);
    const rates = { lrActor: run.lrActor, lrCritic: run.lrCritic, gamma: run.gamma, rng: this.rng };
    if (run.algo === "lrpg") {
      const { sigmoidMean, actionClamp } = spec.lrpg;
      this.agent = new LrpgAgent({
        actorGrid: grids.actor,
        criticGrid: grids.critic,
        rank: run.rank!,
        ...rates,
        sigmoidMean,
        actionClamp,
      });
    } else {
      const { sigmoidMean, actionClamp } = spec.nn;
      this.agent = new NnGaussianAgent({
        stateDim: spec.stateDim,
        hidden: run.hidden!,
        ...rates,
        sigmoidMean,
        actionClamp,
      });
    }
    const envRng = this.rng.fork();
    this.env = makeEnv(run.envId, { rng: envRng, maxEpisodeSteps: null });
    this.buffer = new EpisodeBuffer(this.agent.stateDim, run.maxSteps);
  }

  /** Trains one episode (roll-out, then one update) and returns its undiscounted return. */
  episode(): number {
    runEpisode(this.env, this.agent, this.rng, this.buffer);
    const ret = this.buffer.totalReward();
    this.agent.learn(this.buffer);
    this.episodes++;
    this.steps += this.buffer.length;
    return ret;
  }

  /** μ(s) and σ(s) on the actor grid, V(s) on the critic grid, at the grid points. */
  maps(): PolicyMaps {
    const names = STATE_NAMES[this.run.task];
    const a = this.agent;
    return {
      mu: tabulate(this.actorGrid, names, (s) => a.mean(s)),
      sigma: tabulate(this.actorGrid, names, (s) => a.sigma(s)),
      value: tabulate(this.criticGrid, names, (s) => a.value(s)),
    };
  }
}

/** Mean of the last `window` entries (fewer at the start; NaN when empty). */
export function movingAverage(xs: readonly number[], window = 20): number {
  const n = Math.min(window, xs.length);
  if (n === 0) return NaN;
  let sum = 0;
  for (let i = xs.length - n; i < xs.length; i++) sum += xs[i];
  return sum / n;
}
