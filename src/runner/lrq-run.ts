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
import { DivergenceError, findNonFiniteTensor } from "./divergence.js";
import { LRQ_GRIDS, parseLrqRunConfig, resultDefiningLrqConfig, type LrqRunConfig } from "./lrq-config.js";
import { readManifest } from "./manifest.js";
import { evaluationSeeds, restoreRunParams, stepMetricColumns, stepRunner } from "./step-run-lifecycle.js";
import type {
  RunEvalOptions,
  StepAlgorithm,
  StepRunCheckpoint,
  StepRunOptions,
} from "./step-run-lifecycle.js";

/** Metric columns of an lrq run (CleanRL names where there is one). */
export const LRQ_METRIC_COLUMNS = stepMetricColumns(["charts/epsilon", "losses/td_loss", "losses/q_values"]);

/** What an lrq checkpoint holds: the loop's counters, parameters, optimizer moments and both generators. */
export type LrqRunCheckpoint = StepRunCheckpoint<LrqState>;

export type LrqRunOptions = StepRunOptions;

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

/** Whether an episode of `length` steps reached the env's own time limit. */
function isEnvTruncation(env: Env, length: number): boolean {
  return env.maxEpisodeSteps !== undefined && length >= env.maxEpisodeSteps;
}

/** What an lrq checkpoint holds besides the loop's counters. */
interface LrqState {
  params: ValueStateDict;
  optimizer: OptimizerState;
  rng: RngState;
  envRng: RngState;
}

/**
 * Low-rank Q-learning on the step-run lifecycle: one advance is one online TD episode
 * (src/valuelearning) and its metric row. Deterministic given the config: the seed fixes the
 * initial factors, every behaviour draw and the env's initial states.
 */
const LRQ_STEPS: StepAlgorithm<LrqRunConfig, LrqState> = {
  algo: "lrq",
  counter: "step",
  columns: LRQ_METRIC_COLUMNS,
  evalProtocol: "greedy action argmax_a Q(s, a); episode i resets with seed base+i",
  parse: parseLrqRunConfig,
  resultDefining: resultDefiningLrqConfig,
  spec: lrqRunSpec,
  learner(config, checkpoint) {
    let rng: Rng, envRng: Rng, env: Env, agent: TdAgent;
    if (checkpoint) {
      agent = buildLrqAgent(config, new Rng(config.seed), actionCount(makeLrqEnv(config)));
      agent.importStateDict(checkpoint.params);
      agent.setTrainingState(checkpoint.optimizer);
      rng = Rng.fromState(checkpoint.rng);
      envRng = Rng.fromState(checkpoint.envRng);
      env = makeLrqEnv(config, envRng);
    } else {
      rng = new Rng(config.seed);
      envRng = rng.fork();
      env = makeLrqEnv(config, envRng);
      agent = buildLrqAgent(config, rng, actionCount(env));
    }
    let globalStep = checkpoint?.globalStep ?? 0;
    const evalEnv = makeLrqEnv(config);
    return {
      parameterCount: { q: agent.parameterCount },
      get globalStep() {
        return globalStep;
      },
      advance(log) {
        const epsilon = agent.explorationAt(globalStep);
        const maxSteps = config.totalSteps - globalStep;
        const r = runTdEpisode(env, agent, rng, { globalStep, maxSteps });
        globalStep += r.length;
        const bad = findNonFiniteTensor(agent.q.parameters);
        if (bad || !Number.isFinite(r.tdLoss))
          throw new DivergenceError(
            log.episodes + 1,
            globalStep,
            bad ? `parameter ${bad.path}` : "losses/td_loss",
            bad ? bad.value : r.tdLoss,
          );
        // An episode cut by the step budget is not a finished episode: it trains but is not logged.
        if (globalStep >= config.totalSteps && r.truncated && !isEnvTruncation(env, r.length)) return;
        log.episode(globalStep, r.return, r.length, {
          "charts/epsilon": epsilon,
          "losses/td_loss": r.tdLoss,
          "losses/q_values": r.meanTarget,
        });
      },
      evaluate: (seeds) => evaluateGreedy(agent, evalEnv, seeds),
      state: () => ({
        params: agent.exportStateDict(),
        optimizer: agent.getTrainingState(),
        rng: rng.getState(),
        envRng: envRng.getState(),
      }),
      finalParams: () => agent.exportStateDict(),
    };
  },
};

/**
 * Runs a low-rank Q-learning `(config, seed) → run directory` (see {@link runSteps}). The seed fixes
 * the initial factors, every behaviour draw and the env's initial states. {@link resumeLrqRun}
 * continues it bit-identically: parameters, optimizer moments and both generators are restored.
 */
export const { execute: executeLrqRun, resume: resumeLrqRun } = stepRunner(LRQ_STEPS);

/** Greedy evaluation of an lrq run's Q (final_params.json, or the newest checkpoint's) on fixed seeds. */
export function evaluateLrqRunDir(
  dir: string,
  opts: RunEvalOptions = {},
): GreedyEvaluation & { seeds: number[] } {
  const config = parseLrqRunConfig(readManifest(dir).config);
  const env = makeLrqEnv(config);
  const agent = buildLrqAgent(config, new Rng(config.seed), actionCount(env));
  restoreRunParams<LrqRunCheckpoint>(
    dir,
    opts.params,
    (params) => agent.importStateDict(params as ValueStateDict),
    (p) => agent.importStateDict(p.params),
  );
  const seeds = evaluationSeeds(opts.episodes ?? config.evalEpisodes, opts.seed);
  return { ...evaluateGreedy(agent, env, seeds, opts.maxSteps), seeds };
}
