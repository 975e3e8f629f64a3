import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { DiscretizeAction } from "../envs/discretize-action.js";
import type { Env } from "../envs/env.js";
import { makeEnv } from "../envs/registry.js";
import type { OptimizerState } from "../optim/optimizer.js";
import { CpGrid } from "../parametrizations/cp-grid.js";
import { AxisGrid, Discretizer } from "../parametrizations/discretizer.js";
import { GridLowRank } from "../parametrizations/grid-low-rank.js";
import type { Parametrization } from "../parametrizations/parametrization.js";
import { Rng, type RngState } from "../random/rng.js";
import { TdAgent, type ValueStateDict } from "../valuelearning/agent.js";
import { AngleFeatures } from "../valuelearning/angle-features.js";
import { CellActionLowRank } from "../valuelearning/cell-action-low-rank.js";
import { evaluateGreedy, runTdEpisode, type GreedyEvaluation } from "../valuelearning/train.js";
import { writeJsonAtomic } from "./atomic-file.js";
import {
  CorruptCheckpointError,
  loadLatestCheckpoint,
  sameIdentity,
  removePartialCheckpoints,
  saveCheckpoint,
} from "./checkpoint.js";
import { DivergenceError, findNonFiniteTensor, stoppedRunEnding, closingWrite } from "./divergence.js";
import { EVAL_SEED } from "./evaluate.js";
import { jobId as makeJobId } from "./job-id.js";
import { LRQ_GRIDS, parseLrqRunConfig, resultDefiningLrqConfig, type LrqRunConfig } from "./lrq-config.js";
import { completedRunResult, newManifest, readManifest, writeManifest, type Manifest } from "./manifest.js";
import { METRIC, MetricsWriter, metricColumn, readMetrics, type MetricsOffset } from "./metrics.js";
import { packageVersion } from "./provenance.js";
import { createRunDir, RUN_FILES } from "./run-dir.js";
import { lockRunDir } from "./run-lock.js";
import type { RunResult } from "./run.js";

/** Metric columns of an lrq run (CleanRL names where there is one). */
export const LRQ_METRIC_COLUMNS: readonly string[] = [
  "global_step",
  "episode",
  METRIC.episodicReturn,
  METRIC.episodicLength,
  METRIC.sps,
  "charts/epsilon",
  "losses/td_loss",
  "losses/q_values",
  METRIC.evalReturn,
  "eval/episodic_return_std",
];

/** What an lrq checkpoint holds: everything to continue exactly, and what it belongs to. */
export interface LrqRunCheckpoint {
  identity: Record<string, unknown>;
  episode: number;
  globalStep: number;
  /** Step of the last evaluation (evaluations are due every `evalEvery` steps after it). */
  lastEvalStep: number;
  params: ValueStateDict;
  optimizer: OptimizerState;
  rng: RngState;
  envRng: RngState;
  metrics: MetricsOffset;
}

export interface LrqRunOptions {
  /** Creates `<outRoot>/<env>__lrq__<seed>__<time>/`. */
  outRoot?: string;
  /** Or: run in exactly this directory. */
  dir?: string;
  /** Called after every episode with the env steps done. */
  onProgress?: (globalStep: number) => void;
  /** A stop request (SIGINT/SIGTERM): checkpoint after the current episode, mark "interrupted", return. */
  signal?: AbortSignal;
  warn?: (message: string) => void;
}

/** The resolved model of an lrq run, for the manifest's `spec`. */
export interface LrqRunSpec {
  kind: "lrq";
  qModel: LrqRunConfig["qModel"];
  grid: {
    low: number[];
    high: number[];
    buckets: number[];
    rowDims: number[];
    colDims: number[];
    /** Observation (cos, sin) pairs read as one angle dimension each (the grid's first dimensions). */
    angles: [number, number][];
  };
  /** Q's matrix shape (rows × cols) and rank (null for the CP tensor). */
  matrix: { rows: number; cols: number; rank: number } | null;
  /** The CP tensor's mode sizes (grid points per dimension, then actions) and rank (null for the matrices). */
  tensor: { shape: number[]; rank: number } | null;
  actions: number;
  /** The continuous action of each discrete one (DiscretizeAction), or null for a discrete env. */
  actionValues: number[] | null;
  parameters: number;
  /** Training episodes of the final-return mean in reports. */
  returnWindow: number;
  threshold: number | null;
}

/** Standard solved thresholds (mean evaluation return). */
const THRESHOLDS: Record<string, number> = {
  "CartPole-v1": 475,
  "Acrobot-v1": -100,
  "Pendulum-v1": -200,
  "MountainCarContinuous-v0": 90,
};

/** The env of an lrq run: the registered env (its own time limit) with continuous actions discretized. */
export function makeLrqEnv(config: LrqRunConfig, rng?: Rng): Env {
  const env = makeEnv(config.env, rng ? { rng } : {});
  return config.actions === null ? env : new DiscretizeAction(env, config.actions);
}

function actionCount(env: Env): number {
  const space = env.actionSpace;
  if (space.kind !== "discrete") throw new Error(`lrq: ${env.id} needs discrete actions`);
  return space.n;
}

/** Builds the Q model and the agent of a config, drawing the initial factors from `rng`. */
export function buildLrqAgent(config: LrqRunConfig, rng: Rng, actions: number): TdAgent {
  const g = LRQ_GRIDS[config.env];
  const grid = new Discretizer({
    low: g.low,
    high: g.high,
    buckets: config.buckets,
    rowDims: g.rowDims,
    colDims: g.colDims,
  });
  let q: Parametrization;
  if (config.qModel === "matrix") {
    const m = new CellActionLowRank(grid, actions, config.rank, "q");
    m.initRandom(rng, config.initScale);
    q = m;
  } else if (config.qModel === "cp") {
    const m = new CpGrid({
      grid: new AxisGrid({ low: g.low, high: g.high, buckets: config.buckets }),
      rank: config.rank,
      outputs: actions,
      name: "q",
    });
    m.initNormal(rng, config.initScale);
    q = m;
  } else {
    const m = new GridLowRank(grid, config.rank, "q", actions);
    rng.fillNormal(m.matrix.L.data, 0, config.initScale);
    rng.fillNormal(m.matrix.R.data, 0, config.initScale);
    q = m;
  }
  if (config.initValue !== 0) shiftInitialValues(q, config.initValue, config.rank);
  if (g.angles) q = new AngleFeatures(q, g.low.length + g.angles.length, g.angles);
  return new TdAgent({
    q,
    rule: config.tdTarget,
    nStep: config.nStep,
    gamma: config.gamma,
    behaviour: config.behaviour,
    epsilon: { start: config.epsilonStart, end: config.epsilonEnd, decaySteps: config.epsilonDecaySteps },
    temperature: config.temperature,
    optimizer: config.optimizer,
    lr: config.lr,
  });
}

/**
 * Adds constants to the initial factors so that every Q(s, a) starts near q₀ (plus the noise's
 * cross terms): a matrix L Rᵀ of rank K gets ±c on L and c on R with K·c² = |q₀|; a CP tensor of
 * N modes gets c on every factor (the action factor signed) with R·cᴺ = |q₀|.
 */
function shiftInitialValues(q: Parametrization, q0: number, rank: number): void {
  const params = q.parameters;
  const N = params.length;
  const c = N === 2 ? Math.sqrt(Math.abs(q0) / rank) : (Math.abs(q0) / rank) ** (1 / N);
  params.forEach((p, n) => {
    const shift = n === N - 1 ? Math.sign(q0) * c : c;
    for (let i = 0; i < p.data.length; i++) p.data[i] += shift;
  });
}

/** The manifest's record of the model an lrq config trains. */
export function lrqRunSpec(config: LrqRunConfig): LrqRunSpec {
  const g = LRQ_GRIDS[config.env];
  const env = makeLrqEnv(config);
  const A = actionCount(env);
  const agent = buildLrqAgent(config, new Rng(config.seed), A);
  const prod = (dims: number[]) => dims.reduce((p, d) => p * config.buckets[d], 1);
  const cells = prod(g.rowDims) * prod(g.colDims);
  const matrix =
    config.qModel === "matrix"
      ? { rows: cells, cols: A, rank: config.rank }
      : config.qModel === "grid"
        ? { rows: prod(g.rowDims), cols: prod(g.colDims) * A, rank: config.rank }
        : null;
  return {
    kind: "lrq",
    qModel: config.qModel,
    grid: {
      low: [...g.low],
      high: [...g.high],
      buckets: [...config.buckets],
      rowDims: [...g.rowDims],
      colDims: [...g.colDims],
      angles: (g.angles ?? []).map(([c, s]) => [c, s]),
    },
    matrix,
    tensor: config.qModel === "cp" ? { shape: [...config.buckets, A], rank: config.rank } : null,
    actions: A,
    actionValues: env instanceof DiscretizeAction ? Array.from(env.values) : null,
    parameters: agent.parameterCount,
    returnWindow: 100,
    threshold: THRESHOLDS[config.env] ?? null,
  };
}

/** The job id of an lrq (config, seed). */
export function lrqJobId(config: LrqRunConfig): string {
  return makeJobId(resultDefiningLrqConfig(config), config.seed, packageVersion());
}

/** What a checkpoint must match to be resumed by a run (the step budget may differ). */
function identityOf(config: LrqRunConfig): Record<string, unknown> {
  const c: Partial<LrqRunConfig> = { ...resultDefiningLrqConfig(config) };
  delete c.totalSteps;
  return JSON.parse(JSON.stringify(c)) as Record<string, unknown>;
}

interface LrqSession {
  dir: string;
  config: LrqRunConfig;
  manifest: Manifest<LrqRunConfig>;
  agent: TdAgent;
  env: Env;
  rng: Rng;
  envRng: Rng;
  metrics: MetricsWriter;
  episode: number;
  globalStep: number;
  lastEvalStep: number;
  returns: number[];
  unlock: () => void;
}

const YIELD_EVERY_MS = 25;
const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

function evaluationSeeds(config: LrqRunConfig, count = config.evalEpisodes, base = EVAL_SEED): number[] {
  return Array.from({ length: count }, (_, i) => base + i);
}

function checkpoint(s: LrqSession): void {
  const payload: LrqRunCheckpoint = {
    identity: identityOf(s.config),
    episode: s.episode,
    globalStep: s.globalStep,
    lastEvalStep: s.lastEvalStep,
    params: s.agent.exportStateDict(),
    optimizer: s.agent.getTrainingState(),
    rng: s.rng.getState(),
    envRng: s.envRng.getState(),
    metrics: s.metrics.getOffset(),
  };
  saveCheckpoint(join(s.dir, RUN_FILES.checkpointDir), s.globalStep, payload, s.config.keepCheckpoints);
}

/**
 * The training loop: one online TD episode at a time (src/valuelearning), a metric row per
 * episode, a greedy evaluation on fixed seeds every `evalEvery` steps and at the end, a
 * checkpoint at the first episode end past every `checkpointEvery` steps. Yields to the event loop
 * every ~25 ms so a stop request lands between episodes.
 */
async function trainSession(s: LrqSession, options: LrqRunOptions): Promise<RunResult> {
  const { config, agent, metrics, dir } = s;
  const evalEnv = makeLrqEnv(config);
  const seeds = evaluationSeeds(config);
  const sessionStart = performance.now();
  const startStep = s.globalStep;
  let lastYield = sessionStart;
  let lastCheckpointStep = s.globalStep;
  const finish = (status: RunResult["status"], message?: string): RunResult => {
    const write = (f: () => void): void => closingWrite(status, f);
    write(() => metrics.close());
    s.unlock();
    s.manifest.status = status;
    s.manifest.episodesDone = s.episode;
    if (message !== undefined) s.manifest.message = message;
    else delete s.manifest.message;
    if (status === "completed") s.manifest.endTime = new Date().toISOString();
    write(() => writeManifest(dir, s.manifest));
    return {
      dir,
      jobId: s.manifest.jobId,
      status,
      message,
      episodesDone: s.episode,
      returns: s.returns,
      parameterCount: { q: agent.parameterCount },
    };
  };
  const evaluate = (): GreedyEvaluation => {
    const e = evaluateGreedy(agent, evalEnv, seeds);
    metrics.write({
      global_step: s.globalStep,
      [METRIC.evalReturn]: e.mean,
      "eval/episodic_return_std": e.std,
    });
    s.lastEvalStep = s.globalStep;
    return e;
  };
  try {
    while (s.globalStep < config.totalSteps) {
      const epsilon = agent.explorationAt(s.globalStep);
      const r = runTdEpisode(s.env, agent, s.rng, {
        globalStep: s.globalStep,
        maxSteps: config.totalSteps - s.globalStep,
      });
      s.globalStep += r.length;
      const bad = findNonFiniteTensor(agent.q.parameters);
      if (bad || !Number.isFinite(r.tdLoss))
        throw new DivergenceError(
          s.episode + 1,
          s.globalStep,
          bad ? `parameter ${bad.path}` : "losses/td_loss",
          bad ? bad.value : r.tdLoss,
        );
      // An episode cut by the step budget is not a finished episode: it trains but is not logged.
      const cutByBudget =
        s.globalStep >= config.totalSteps && r.truncated && !isEnvTruncation(s.env, r.length);
      if (!cutByBudget) {
        s.episode++;
        s.returns.push(r.return);
        const elapsed = (performance.now() - sessionStart) / 1000;
        metrics.write({
          global_step: s.globalStep,
          episode: s.episode,
          [METRIC.episodicReturn]: r.return,
          [METRIC.episodicLength]: r.length,
          [METRIC.sps]: elapsed > 0 ? Math.round((s.globalStep - startStep) / elapsed) : null,
          "charts/epsilon": epsilon,
          "losses/td_loss": r.tdLoss,
          "losses/q_values": r.meanTarget,
        });
      }
      if (
        config.evalEvery > 0 &&
        s.globalStep - s.lastEvalStep >= config.evalEvery &&
        s.globalStep < config.totalSteps
      )
        evaluate();
      options.onProgress?.(s.globalStep);
      if (
        config.checkpointEvery > 0 &&
        s.globalStep < config.totalSteps &&
        Math.floor(s.globalStep / config.checkpointEvery) >
          Math.floor(lastCheckpointStep / config.checkpointEvery)
      ) {
        checkpoint(s);
        lastCheckpointStep = s.globalStep;
      }
      if (performance.now() - lastYield > YIELD_EVERY_MS) {
        await yieldToEventLoop();
        lastYield = performance.now();
      }
      if (options.signal?.aborted && s.globalStep < config.totalSteps) {
        checkpoint(s);
        return finish(
          "interrupted",
          `stopped at step ${s.globalStep} of ${config.totalSteps}; continue with \`lowrank-rl resume ${dir}\``,
        );
      }
    }
    const final = evaluate();
    writeJsonAtomic(join(dir, RUN_FILES.evalJson), {
      protocol: "greedy action argmax_a Q(s, a); episode i resets with seed base+i",
      global_step: s.globalStep,
      seedBase: seeds[0],
      ...final,
    });
    writeJsonAtomic(join(dir, RUN_FILES.finalParams), agent.exportStateDict());
    checkpoint(s);
    return finish("completed");
  } catch (err) {
    const end = stoppedRunEnding(err, dir, "step");
    if (end.status === "diverged") return finish("diverged", end.message);
    finish("failed", end.message);
    throw err;
  }
}

/** Whether an episode of `length` steps reached the env's own time limit. */
function isEnvTruncation(env: Env, length: number): boolean {
  return env.maxEpisodeSteps !== undefined && length >= env.maxEpisodeSteps;
}

/**
 * Runs a low-rank Q-learning `(config, seed) → run directory`: manifest (config and the resolved
 * model), metrics.jsonl/csv, checkpoints under `checkpoints/`, eval.json and final_params.json.
 * Deterministic given the config: the seed fixes the initial factors, every behaviour draw and the
 * env's initial states. The directory is locked (run.lock) while this process writes it.
 */
export async function executeLrqRun(
  rawConfig: LrqRunConfig | unknown,
  options: LrqRunOptions = {},
): Promise<RunResult> {
  const config = parseLrqRunConfig(rawConfig);
  let dir: string;
  if (options.dir !== undefined) {
    if (options.dir.trim() === "")
      throw new Error(
        "run directory: the path is empty (name a folder, or leave it out for an auto-named one)",
      );
    dir = options.dir;
    mkdirSync(dir, { recursive: true });
  } else dir = createRunDir(options.outRoot ?? "runs", config.env, "lrq", config.seed);
  const rng = new Rng(config.seed);
  const envRng = rng.fork();
  const env = makeLrqEnv(config, envRng);
  const agent = buildLrqAgent(config, rng, actionCount(env));
  const unlock = lockRunDir(dir);
  const manifest = newManifest({
    jobId: lrqJobId(config),
    config,
    seed: config.seed,
    envId: config.env,
    algo: "lrq",
  });
  manifest.parameterCount = { q: agent.parameterCount };
  // Reports read PG and DQN specs by their kind; an lrq spec is recorded alongside them.
  (manifest as unknown as { spec: LrqRunSpec }).spec = lrqRunSpec(config);
  writeManifest(dir, manifest);
  return trainSession(
    {
      dir,
      config,
      manifest,
      agent,
      env,
      rng,
      envRng,
      metrics: MetricsWriter.create(dir, LRQ_METRIC_COLUMNS, { tensorboard: config.tensorboard !== false }),
      episode: 0,
      globalStep: 0,
      lastEvalStep: 0,
      returns: [],
      unlock,
    },
    options,
  );
}

/**
 * Continues the lrq run in `dir` from its newest valid checkpoint, bit-identically to an
 * uninterrupted run: parameters, optimizer moments, both generators and the metric files are
 * restored (rows after the checkpoint are cut). A completed run is returned as it is.
 */
export async function resumeLrqRun(
  dir: string,
  options: Omit<LrqRunOptions, "dir" | "outRoot"> = {},
): Promise<RunResult> {
  const old = readManifest<LrqRunConfig>(dir);
  const config = parseLrqRunConfig(old.config);
  if (old.status === "completed") return completedRunResult(dir, old);
  const warn = options.warn ?? ((m: string) => process.stderr.write(`warning: ${m}\n`));
  const unlock = lockRunDir(dir);
  try {
    const ckptDir = join(dir, RUN_FILES.checkpointDir);
    const ckpt = loadLatestCheckpoint<LrqRunCheckpoint>(ckptDir, warn, sameIdentity(identityOf(config)));
    if (ckpt === null) {
      warn(`${dir}: no usable checkpoint; restarting the run from step 0`);
      unlock();
      return executeLrqRun(config, { ...options, dir });
    }
    const p = ckpt.payload;
    const env0 = makeLrqEnv(config);
    const agent = buildLrqAgent(config, new Rng(config.seed), actionCount(env0));
    agent.importStateDict(p.params);
    agent.setTrainingState(p.optimizer);
    const rng = Rng.fromState(p.rng);
    const envRng = Rng.fromState(p.envRng);
    const metrics = MetricsWriter.resume(dir, p.metrics, LRQ_METRIC_COLUMNS, {
      tensorboard: config.tensorboard !== false,
    });
    removePartialCheckpoints(ckptDir);
    const manifest: Manifest<LrqRunConfig> = {
      ...old,
      status: "running",
      endTime: null,
      resumes: (old.resumes ?? 0) + 1,
    };
    delete manifest.message;
    writeManifest(dir, manifest);
    const returns = metricColumn(readMetrics(dir), METRIC.episodicReturn).filter((x) => !Number.isNaN(x));
    if (returns.length !== p.episode)
      throw new CorruptCheckpointError(
        `${dir}: metrics hold ${returns.length} episodes, the checkpoint ${p.episode}; cannot resume`,
      );
    return await trainSession(
      {
        dir,
        config,
        manifest,
        agent,
        env: makeLrqEnv(config, envRng),
        rng,
        envRng,
        metrics,
        episode: p.episode,
        globalStep: p.globalStep,
        lastEvalStep: p.lastEvalStep,
        returns,
        unlock,
      },
      options,
    );
  } catch (err) {
    unlock();
    throw err;
  }
}

/**
 * Greedy evaluation of an lrq run's Q (final_params.json, or the newest checkpoint's) on
 * `episodes` fixed seeds from `seed` (default: the run's evaluation seeds).
 */
export function evaluateLrqRunDir(
  dir: string,
  opts: { episodes?: number; seed?: number; maxSteps?: number; params?: "final" | "checkpoint" } = {},
): GreedyEvaluation & { seeds: number[] } {
  const config = parseLrqRunConfig(readManifest(dir).config);
  const env = makeLrqEnv(config);
  const agent = buildLrqAgent(config, new Rng(config.seed), actionCount(env));
  const finalPath = join(dir, RUN_FILES.finalParams);
  if ((opts.params ?? "final") === "final" && existsSync(finalPath)) {
    agent.importStateDict(JSON.parse(readFileSync(finalPath, "utf8")) as ValueStateDict);
  } else {
    const ckpt = loadLatestCheckpoint<LrqRunCheckpoint>(join(dir, RUN_FILES.checkpointDir));
    if (!ckpt)
      throw new CorruptCheckpointError(`${dir}: no final_params.json and no usable checkpoint to evaluate`);
    agent.importStateDict(ckpt.payload.params);
  }
  const seeds = evaluationSeeds(config, opts.episodes ?? config.evalEpisodes, opts.seed ?? EVAL_SEED);
  return { ...evaluateGreedy(agent, env, seeds, opts.maxSteps), seeds };
}
