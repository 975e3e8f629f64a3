import { NnGaussianAgent } from "../baselines/gaussian-nn-agent.js";
import { defaultGrids, gridOptions } from "../envs/default-grid.js";
import type { DiscretizerOptions } from "../lrpg/discretizer.js";
import { LrpgAgent, type SigmaOptions } from "../lrpg/gaussian-lrpg-agent.js";
import { Rng } from "../random/rng.js";

export type PaperTask = "pendulum" | "acrobot" | "rocket";
export type PaperAgentKind = "lrpg" | "nn";

/** Hyperparameters of the LRPG agent for one task (reference HEAD, docs/lrpg.md §9). */
export interface PaperLrpgConfig {
  rank: number;
  lrActor: number;
  lrCritic: number;
  actorGrid: DiscretizerOptions;
  criticGrid: DiscretizerOptions;
  sigmoidMean: boolean;
  actionClamp?: readonly [number, number];
}

/** Hyperparameters of the NN baseline for one task. */
export interface PaperNnConfig {
  hidden: number;
  lrActor: number;
  lrCritic: number;
  sigmoidMean: boolean;
  actionClamp?: readonly [number, number];
}

/** One of the paper's three experiments: env, loop settings, agents, and the figures it reports. */
export interface PaperTaskSpec {
  readonly task: PaperTask;
  /** Registered env id (src/envs). */
  readonly envId: "LRPG/Pendulum" | "LRPG/Acrobot" | "LRPG/Rocket";
  readonly stateDim: number;
  /** T: maximum steps per episode (episodes are cut there, no bootstrap). */
  readonly maxSteps: number;
  /** Episodes per run in the reference scripts ("epochs"). */
  readonly episodes: number;
  readonly gamma: number;
  /** Runs per method in the paper (unseeded there). */
  readonly runs: number;
  /** Convergence threshold on the 20-episode moving average used to compare methods here. */
  readonly threshold: number;
  /** Parameter counts printed in the paper's figure legends (actor + critic, σ excluded). */
  readonly paperParams: { readonly lrpg: number; readonly nn: number };
  readonly lrpg: PaperLrpgConfig;
  readonly nn: PaperNnConfig;
}

/** The paper's grids are the LRPG/* default grids (src/envs/default-grid.ts, their one definition). */
const grids = (envId: string) => {
  const g = defaultGrids(envId);
  return { actorGrid: gridOptions(g.actor), criticGrid: gridOptions(g.critic) };
};

/**
 * The paper's experiments with the hyperparameters of the reference code's final pendulum,
 * acrobot and rocket scripts (docs/lrpg.md). Grids: pendulum actor 10×10 (θ ∈ [−1,1] rows, θ̇ ∈ [−5,5] cols),
 * critic 16×16; acrobot 4×4 from the signs of (θ1,θ2) × (θ̇1,θ̇2); rocket 4×16, v rows × (h, m) cols.
 * The rocket squashes μ with a sigmoid and clamps the sampled throttle to [0, 1] before the log-prob.
 */
export const PAPER_TASKS: Readonly<Record<PaperTask, PaperTaskSpec>> = {
  pendulum: {
    task: "pendulum",
    envId: "LRPG/Pendulum",
    stateDim: 2,
    maxSteps: 100,
    episodes: 1000,
    gamma: 0.99,
    runs: 100,
    threshold: 90,
    paperParams: { lrpg: 160, nn: 4098 },
    lrpg: {
      rank: 4,
      lrActor: 1e-2,
      lrCritic: 1e-1,
      ...grids("LRPG/Pendulum"),
      sigmoidMean: false,
    },
    nn: { hidden: 512, lrActor: 1e-3, lrCritic: 1e-3, sigmoidMean: false },
  },
  acrobot: {
    task: "acrobot",
    envId: "LRPG/Acrobot",
    stateDim: 4,
    maxSteps: 1000,
    episodes: 1000,
    gamma: 0.9,
    runs: 100,
    threshold: 90,
    paperParams: { lrpg: 16, nn: 386 },
    lrpg: {
      rank: 2,
      lrActor: 3e-2,
      lrCritic: 1e-1,
      ...grids("LRPG/Acrobot"),
      sigmoidMean: false,
    },
    nn: { hidden: 32, lrActor: 1e-3, lrCritic: 1e-3, sigmoidMean: false },
  },
  rocket: {
    task: "rocket",
    envId: "LRPG/Rocket",
    stateDim: 3,
    maxSteps: 1000,
    episodes: 30000,
    gamma: 0.99,
    runs: 100,
    threshold: 1.15,
    paperParams: { lrpg: 80, nn: 1282 },
    lrpg: {
      rank: 2,
      lrActor: 1e-2,
      lrCritic: 1e-1,
      ...grids("LRPG/Rocket"),
      sigmoidMean: true,
      actionClamp: [0, 1],
    },
    nn: { hidden: 128, lrActor: 1e-2, lrCritic: 1e-2, sigmoidMean: true, actionClamp: [0, 1] },
  },
};

export interface MakePaperAgentOptions {
  /** Seed of a fresh generator for the init (ignored when `rng` is given). Default 0. */
  seed?: number;
  /** The run's generator: the init draws are taken from it (it advances). */
  rng?: Rng;
  /** LRPG only: σ parametrisation (default the reference's scalar, log σ₀ = 1). */
  sigma?: SigmaOptions;
}

/**
 * An agent with the reference hyperparameters of `task`: `"lrpg"` → {@link LrpgAgent}
 * (init: every factor entry N(0,1), drawn mu.L, mu.R, value.L, value.R), `"nn"` →
 * {@link NnGaussianAgent} (PyTorch default Linear init, drawn mu-net then value-net).
 * Typical run: `const rng = new Rng(seed); const agent = makePaperAgent("lrpg", "pendulum", { rng });`
 * then `trainReinforce({ env, agent, rng, maxSteps: PAPER_TASKS.pendulum.maxSteps, … })`.
 */
export function makePaperAgent(kind: "lrpg", task: PaperTask, options?: MakePaperAgentOptions): LrpgAgent;
export function makePaperAgent(kind: "nn", task: PaperTask, options?: MakePaperAgentOptions): NnGaussianAgent;
export function makePaperAgent(
  kind: PaperAgentKind,
  task: PaperTask,
  options?: MakePaperAgentOptions,
): LrpgAgent | NnGaussianAgent;
export function makePaperAgent(
  kind: PaperAgentKind,
  task: PaperTask,
  options: MakePaperAgentOptions = {},
): LrpgAgent | NnGaussianAgent {
  const spec = paperTask(task);
  const rng = options.rng ?? new Rng(options.seed ?? 0);
  if (kind === "lrpg") {
    return new LrpgAgent({ ...spec.lrpg, gamma: spec.gamma, sigma: options.sigma, rng });
  }
  if (kind === "nn") {
    if (options.sigma && options.sigma.kind !== "scalar") {
      throw new RangeError(
        `makePaperAgent: the NN baseline only supports a scalar sigma, got sigma.kind "${options.sigma.kind}"`,
      );
    }
    const logSigmaInit = options.sigma?.kind === "scalar" ? options.sigma.logSigmaInit : undefined;
    return new NnGaussianAgent({ stateDim: spec.stateDim, ...spec.nn, gamma: spec.gamma, logSigmaInit, rng });
  }
  throw new RangeError(`makePaperAgent: kind must be "lrpg" or "nn", got "${String(kind)}"`);
}

/** The spec of a paper task; throws naming the allowed tasks for an unknown one. */
export function paperTask(task: PaperTask): PaperTaskSpec {
  const spec = (PAPER_TASKS as Record<string, PaperTaskSpec | undefined>)[task];
  if (!spec)
    throw new RangeError(
      `paper task must be one of ${Object.keys(PAPER_TASKS).join(", ")}; got "${String(task)}"`,
    );
  return spec;
}

/** Where an agent runs: a paper task, or (task null) a registered env with a default grid. */
export interface GridSource {
  task: PaperTask | null;
  env: string;
  /** Points on every state dimension of the actor's / critic's grid instead of the default's. */
  actorBuckets?: number;
  criticBuckets?: number;
}

/**
 * The actor and critic grids of a run: the paper task's LRPG grids, or the env's default grid
 * (src/envs/default-grid.ts), ranges and row/column grouping kept, bucket counts overridden when given.
 * The NN baseline's runs are tabulated on these grids too.
 */
export function agentGrids(where: GridSource): { actor: DiscretizerOptions; critic: DiscretizerOptions } {
  const g = where.task === null ? defaultGrids(where.env) : defaultGrids(paperTask(where.task).envId);
  return {
    actor: gridOptions(g.actor, where.actorBuckets),
    critic: gridOptions(g.critic, where.criticBuckets),
  };
}
