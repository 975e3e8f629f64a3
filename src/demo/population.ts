import { createBackend, type FactorBackend } from "../factor/backend/index.js";
import { LrpgPopulation } from "../population/index.js";
import type { PopulationTask } from "../population/tasks.js";
import { PAPER_TASKS, agentGrids, type PaperTask } from "../presets/paper-agents.js";
import { PAPER_POPULATION_TASKS } from "../presets/population-tasks.js";
import { MAX_SEED } from "../random/rng.js";
import { DemoOptionError, demoInteger, demoTask } from "./session.js";

/**
 * The live page's population mode: P LRPG agents trained in lockstep by `LrpgPopulation`
 * (src/population), agent p = the page's LRPG run with seed S + p (same rank and grids). The
 * population runs on gpu.js's WebGL backend when the browser opens a WebGL context in the worker,
 * else on the float64 CPU path, and says which. Nothing here touches the DOM: it runs in a Web Worker
 * (and in Node, for the tests).
 */

/** Population sizes the page accepts. */
export const POPULATION_LIMITS = { count: [1, 4096] } as const;

/**
 * Tolerance of the WebGL-vs-CPU check: relative difference of the returns, float32 GPU arithmetic
 * against float64, over a short horizon. GLSL's sin and cos are not correctly rounded (Chromium's
 * SwiftShader: absolute error up to 1.9e-4 on [−4, 4], measured), so WebGL is held to 1e-3, not to
 * the 1e-4 that gpu.js's CPU-backed float32 modes meet (see docs/demo.md).
 */
export const POPULATION_CHECK_TOLERANCE = 1e-3;
/** The check's horizon: agents, episodes, steps per episode. */
export const POPULATION_CHECK = { count: 16, episodes: 3, maxSteps: 20 } as const;

/** What fixes a population run of the page. */
export interface PopulationRunOptions {
  task: PaperTask;
  /** Seed of agent 0; agent p has seed + p. */
  seed: number;
  /** P. */
  count: number;
  rank?: number;
  actorBuckets?: number;
  criticBuckets?: number;
  /** Episodes cut after this many steps (default: the task's T). */
  maxSteps?: number;
}

/** Which compute path trains the population. */
export type PopulationBackendChoice = "auto" | "cpu";

/** The backend a population ended up on, and why (a fallback names what was missing). */
export interface PopulationBackendInfo {
  kind: "cpu" | "gpu";
  /** gpu.js mode ("webgl2", "webgl", …) or "float64" for the CPU path. */
  mode: string;
  precision: "float64" | "float32";
  /** Why the GPU path was not used (null when it is, or when the CPU path was asked for). */
  fallbackReason: string | null;
  /** The WebGL renderer string, when the browser reveals it (e.g. SwiftShader, a software renderer). */
  renderer: string | null;
}

/** The population's task: the paper's hyperparameters with the run's grids. */
export function populationTask(options: PopulationRunOptions): PopulationTask {
  const task = demoTask(options.task);
  const spec = PAPER_TASKS[task];
  const grids = agentGrids({
    task,
    env: spec.envId,
    actorBuckets: options.actorBuckets,
    criticBuckets: options.criticBuckets,
  });
  return { ...PAPER_POPULATION_TASKS[task], actorGrid: grids.actor, criticGrid: grids.critic };
}

/** Seeds S, S + 1, …, S + P − 1 (checked: P in range, the last seed within the generator's range). */
export function populationSeeds(seed: number, count: number): number[] {
  const s = demoInteger("seed", seed);
  const [lo, hi] = POPULATION_LIMITS.count;
  if (!Number.isInteger(count) || count < lo || count > hi)
    throw new DemoOptionError("population", `population must be an integer in [${lo}, ${hi}], got ${count}`);
  if (s + count - 1 > MAX_SEED)
    throw new DemoOptionError(
      "population",
      `population: seeds ${s} … ${s + count - 1} pass the largest seed ${MAX_SEED}; lower the seed or P`,
    );
  return Array.from({ length: count }, (_, p) => s + p);
}

/** The renderer of a WebGL context opened here (in a worker: on an OffscreenCanvas), or null. */
export function webglRenderer(): string | null {
  interface GlLike {
    getExtension(name: string): { UNMASKED_RENDERER_WEBGL: number } | null;
    getParameter(p: number): unknown;
    RENDERER: number;
  }
  const Offscreen = (globalThis as { OffscreenCanvas?: new (w: number, h: number) => unknown })
    .OffscreenCanvas;
  if (!Offscreen) return null;
  try {
    const canvas = new Offscreen(1, 1) as { getContext(kind: string): GlLike | null };
    const gl = canvas.getContext("webgl2") ?? canvas.getContext("webgl");
    if (!gl) return null;
    const info = gl.getExtension("WEBGL_debug_renderer_info");
    const r = gl.getParameter(info ? info.UNMASKED_RENDERER_WEBGL : gl.RENDERER);
    return typeof r === "string" ? r : null;
  } catch {
    return null;
  }
}

/**
 * Opens the backend: with "auto", gpu.js on a GL device (WebGL 2 or WebGL in a browser, headlessgl
 * in Node), else the CPU path with the reason; with "cpu", the CPU path.
 */
export async function openPopulationBackend(
  choice: PopulationBackendChoice,
): Promise<{ backend: FactorBackend; info: PopulationBackendInfo }> {
  if (choice === "auto") {
    try {
      const backend = await createBackend("gpu", { mode: "gpu" });
      return {
        backend,
        info: {
          kind: "gpu",
          mode: backend.mode,
          precision: backend.precision,
          fallbackReason: null,
          renderer: webglRenderer(),
        },
      };
    } catch (err) {
      const backend = await createBackend("cpu");
      return {
        backend,
        info: {
          kind: "cpu",
          mode: "float64",
          precision: "float64",
          fallbackReason: (err as Error).message,
          renderer: null,
        },
      };
    }
  }
  const backend = await createBackend("cpu");
  return {
    backend,
    info: { kind: "cpu", mode: "float64", precision: "float64", fallbackReason: null, renderer: null },
  };
}

/** Builds the population on an opened backend (which the caller disposes). */
export function createPopulation(
  options: PopulationRunOptions,
  backend: FactorBackend,
): Promise<LrpgPopulation> {
  return LrpgPopulation.create({
    task: populationTask(options),
    seeds: populationSeeds(options.seed, options.count),
    ranks: options.rank,
    maxSteps: options.maxSteps,
    backend,
  });
}

/** Per-agent returns of `episodes` lockstep episodes: `returns[p][e]`. */
export async function populationReturns(pop: LrpgPopulation, episodes: number): Promise<number[][]> {
  const out = Array.from({ length: pop.count }, () => [] as number[]);
  for (let e = 0; e < episodes; e++) {
    const r = await pop.trainEpisode();
    for (let p = 0; p < pop.count; p++) out[p].push(r.returns[p]);
  }
  return out;
}

/**
 * max |a − b| / max(|b|, 1) over matching entries: the relative difference of two populations'
 * returns (absolute near 0, where a relative one means nothing).
 */
export function maxRelativeDifference(a: readonly number[][], b: readonly number[][]): number {
  let worst = 0;
  for (let p = 0; p < b.length; p++)
    for (let e = 0; e < b[p].length; e++) {
      const d = Math.abs(a[p][e] - b[p][e]) / Math.max(Math.abs(b[p][e]), 1);
      worst = Number.isNaN(d) ? Infinity : Math.max(worst, d);
    }
  return worst;
}

/** One episode of the whole population, summarized: quartiles of the returns and the share solved. */
export interface PopulationEpisodeSummary {
  q25: number;
  median: number;
  q75: number;
  /** Share of agents whose 20-episode moving average is ≥ the task's threshold after this episode. */
  solved: number;
}

/** Tracks every agent's last 20 returns and summarizes each lockstep episode. */
export class PopulationTracker {
  private readonly window: Float64Array;
  private readonly sums: Float64Array;
  private readonly sorted: Float64Array;
  private episodes = 0;

  constructor(
    readonly count: number,
    readonly threshold: number,
    readonly span = 20,
  ) {
    this.window = new Float64Array(count * span);
    this.sums = new Float64Array(count);
    this.sorted = new Float64Array(count);
  }

  /** Adds one episode's returns (length P) and returns its summary. */
  add(returns: ArrayLike<number>): PopulationEpisodeSummary {
    const { count: P, span } = this;
    const slot = this.episodes % span;
    let solved = 0;
    for (let p = 0; p < P; p++) {
      const o = p * span + slot;
      this.sums[p] += returns[p] - this.window[o];
      this.window[o] = returns[p];
      this.sorted[p] = returns[p];
    }
    this.episodes++;
    if (this.episodes >= span)
      for (let p = 0; p < P; p++) if (this.sums[p] / span >= this.threshold) solved++;
    this.sorted.sort();
    return {
      q25: quantile(this.sorted, 0.25),
      median: quantile(this.sorted, 0.5),
      q75: quantile(this.sorted, 0.75),
      solved: solved / P,
    };
  }
}

/** Linear-interpolation quantile q of ascending `xs` (numpy's default). */
export function quantile(xs: ArrayLike<number>, q: number): number {
  const n = xs.length;
  if (n === 0) return NaN;
  const h = (n - 1) * q;
  const i = Math.floor(h);
  return i + 1 < n ? xs[i] + (h - i) * (xs[i + 1] - xs[i]) : xs[i];
}
