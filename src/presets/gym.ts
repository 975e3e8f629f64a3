import { GaussianHead } from "../heads/gaussian.js";
import type { PolicyHead } from "../heads/head.js";
import { SoftmaxHead } from "../heads/softmax.js";
import { Adam } from "../optim/adam.js";
import { CpGrid } from "../parametrizations/cp-grid.js";
import { AxisGrid } from "../parametrizations/discretizer.js";
import type { Parametrization } from "../parametrizations/parametrization.js";
import { GaeActorCritic } from "../pg/actor-critic.js";
import type { BatchUpdateRule } from "../pg/batch-update.js";
import type { ActorCriticParts } from "../pg/reinforce-baseline.js";
import { TrpoRule } from "../pg/trpo-rule.js";
import type { Rng } from "../random/rng.js";
import { TdAgent, type EpsilonSchedule } from "../valuelearning/agent.js";
import { AngleFeatures } from "../valuelearning/angle-features.js";
import type { TdRule } from "../valuelearning/td-targets.js";
import { InterpolatedCp } from "./gym-interp.js";
import { TanhMlp } from "./gym-mlp.js";

/**
 * Presets for the standard control tasks (docs/gym.md): each task's threshold, budget and state
 * box, and per (task, method) the model and the update rule's hyperparameters, chosen by the
 * search recorded in docs/gym.md §5.
 */
export const GYM_TASK_IDS = ["CartPole-v1", "Acrobot-v1", "Pendulum-v1", "MountainCarContinuous-v0"] as const;
export type GymTaskId = (typeof GYM_TASK_IDS)[number];

export interface GymTaskSpec {
  id: GymTaskId;
  /** The standard "solved" mean return (over 100 evaluation episodes). */
  threshold: number;
  /** Env steps of training per run. */
  totalSteps: number;
  /** Env steps between evaluations (run at the next episode end). */
  evalEvery: number;
  /** Deterministic episodes per evaluation during training (the final one uses 100). */
  evalEpisodes: number;
  /** Observation pairs (cos, sin) read as one angle by the grid models (AngleFeatures). */
  angles: [number, number][] | null;
  /** The grid's box over the (angle-mapped) state: angles first, then the other dimensions. */
  low: number[];
  high: number[];
  /** The raw observation's box, for the NN's fixed input normalization. */
  obsLow: number[];
  obsHigh: number[];
  /** Discrete action count, or null for a scalar Box action. */
  actions: number | null;
}

const PI = Math.PI;

export const GYM_TASKS: Readonly<Record<GymTaskId, GymTaskSpec>> = {
  "CartPole-v1": {
    id: "CartPole-v1",
    threshold: 475,
    totalSteps: 100_000,
    evalEvery: 10_000,
    evalEpisodes: 20,
    angles: null,
    // x, ẋ, θ, θ̇ (the pole fails at |θ| > 0.2095).
    low: [-2.4, -3, -0.21, -3],
    high: [2.4, 3, 0.21, 3],
    obsLow: [-2.4, -3, -0.21, -3],
    obsHigh: [2.4, 3, 0.21, 3],
    actions: 2,
  },
  "Acrobot-v1": {
    id: "Acrobot-v1",
    threshold: -100,
    totalSteps: 100_000,
    evalEvery: 10_000,
    evalEpisodes: 20,
    angles: [
      [0, 1],
      [2, 3],
    ],
    // θ₁, θ₂, θ̇₁ (|θ̇₁| ≤ 4π), θ̇₂ (|θ̇₂| ≤ 9π).
    low: [-PI, -PI, -4 * PI, -9 * PI],
    high: [PI, PI, 4 * PI, 9 * PI],
    obsLow: [-1, -1, -1, -1, -4 * PI, -9 * PI],
    obsHigh: [1, 1, 1, 1, 4 * PI, 9 * PI],
    actions: 3,
  },
  "Pendulum-v1": {
    id: "Pendulum-v1",
    threshold: -200,
    totalSteps: 100_000,
    evalEvery: 5_000,
    evalEpisodes: 20,
    angles: [[0, 1]],
    // θ, θ̇ (|θ̇| ≤ 8).
    low: [-PI, -8],
    high: [PI, 8],
    obsLow: [-1, -1, -8],
    obsHigh: [1, 1, 8],
    actions: null,
  },
  "MountainCarContinuous-v0": {
    id: "MountainCarContinuous-v0",
    threshold: 90,
    totalSteps: 200_000,
    evalEvery: 20_000,
    evalEpisodes: 10,
    angles: null,
    // position, velocity.
    low: [-1.2, -0.07],
    high: [0.6, 0.07],
    obsLow: [-1.2, -0.07],
    obsHigh: [0.6, 0.07],
    actions: null,
  },
};

export const GYM_PG_ALGOS = ["ppo", "ac", "reinforce", "trpo"] as const;
export type GymPgAlgo = (typeof GYM_PG_ALGOS)[number];
export type GymModel = "lowrank" | "nn";

/** The methods of `exp:gym`: a model (low-rank or NN) × an algorithm (policy gradient or Q-learning). */
export const GYM_METHODS = [
  "lowrank-ppo",
  "lowrank-ac",
  "lowrank-reinforce",
  "lowrank-trpo",
  "lowrank-q",
  "nn-ppo",
  "nn-ac",
  "nn-reinforce",
  "nn-trpo",
  "nn-q",
] as const;
export type GymMethod = (typeof GYM_METHODS)[number];

/** Splits a method id into its model and algorithm. */
export function gymMethodParts(method: GymMethod): { model: GymModel; algo: GymPgAlgo | "q" } {
  const [model, algo] = method.split("-") as [GymModel, GymPgAlgo | "q"];
  return { model, algo };
}

/** Whether the method runs on the task (TRPO's step is written for a Gaussian policy only). */
export function gymMethodApplies(task: GymTaskId, method: GymMethod): boolean {
  return !(gymMethodParts(method).algo === "trpo" && GYM_TASKS[task].actions !== null);
}

/** A policy-gradient preset: the model, the batch and the update rule's settings. */
export interface GymPgPreset {
  model: GymModel;
  algo: GymPgAlgo;
  gamma: number;
  /** GAE λ (1 for REINFORCE: the Monte-Carlo return minus the baseline). */
  tau: number;
  /** Whole episodes per update. */
  episodesPerUpdate: number;
  /** Full-batch actor epochs per update (PPO, actor-critic, REINFORCE). */
  epochs: number;
  /** PPO's clip ε. */
  clip: number;
  lrActor: number;
  lrCritic: number;
  /** Full-batch Adam epochs of the critic per update (TRPO: one L-BFGS step instead). */
  criticEpochs: number;
  /** Low-rank: grid points per (mapped) state dimension and the CP rank (a matrix for 2 dimensions). */
  buckets: number[];
  rank: number;
  /** Low-rank init: factor entries N(0, init²) (2 dimensions) or, with more, every state mode 1 + N(0, 0.1²) and the last factor N(0, init²). */
  actorInit: number;
  criticInit: number;
  /** Low-rank: 1 = read the factors by linear interpolation ({@link InterpolatedCp}), 0 = snap to the nearest grid point (`CpGrid`, LRPG's grid). */
  interpolate: number;
  /** NN: hidden widths. */
  hidden: number[];
  /** Gaussian policies: initial log σ and its clamp. */
  logSigmaInit: number;
  logSigmaClamp: [number, number];
  /** TRPO's KL limit and damping. */
  maxKl: number;
  damping: number;
}

type TaskDefaults = Omit<GymPgPreset, "model" | "algo">;

const PG_BASE = {
  interpolate: 1,
  tau: 0.95,
  epochs: 10,
  clip: 0.2,
  criticEpochs: 20,
  hidden: [64, 64],
  logSigmaInit: 0,
  logSigmaClamp: [-2, 1] as [number, number],
  maxKl: 0.01,
  damping: 0.1,
};

/** Per-task settings shared by both models (the low-rank ones, NN overrides below). */
const PG_TASK: Readonly<Record<GymTaskId, TaskDefaults>> = {
  "CartPole-v1": {
    ...PG_BASE,
    gamma: 0.99,
    episodesPerUpdate: 5,
    lrActor: 0.02,
    lrCritic: 0.05,
    buckets: [6, 6, 8, 8],
    rank: 4,
    actorInit: 0.1,
    criticInit: 0.1,
  },
  "Acrobot-v1": {
    ...PG_BASE,
    gamma: 0.99,
    episodesPerUpdate: 5,
    lrActor: 0.02,
    lrCritic: 0.05,
    buckets: [10, 10, 8, 8],
    rank: 6,
    actorInit: 0.1,
    criticInit: 0.1,
  },
  "Pendulum-v1": {
    ...PG_BASE,
    gamma: 0.95,
    episodesPerUpdate: 5,
    lrActor: 0.005,
    lrCritic: 0.05,
    buckets: [21, 21],
    rank: 4,
    actorInit: 0.1,
    criticInit: 0.1,
  },
  "MountainCarContinuous-v0": {
    ...PG_BASE,
    gamma: 0.99,
    episodesPerUpdate: 2,
    lrActor: 0.005,
    lrCritic: 0.05,
    buckets: [15, 15],
    rank: 4,
    actorInit: 0.1,
    criticInit: 0.1,
    // σ₀ = e^0.7 ≈ 2: wide enough that early episodes reach the goal (with σ₀ = 1 the policy learns to stand still).
    logSigmaInit: 0.7,
  },
};

/** NN overrides: learning rates for a 64×64 tanh network under full-batch Adam. */
const NN_LR = { lrActor: 1e-3, lrCritic: 3e-3 };
/**
 * Per-task NN learning rates where the search of docs/gym.md §5 changed them: on Acrobot-v1 a
 * 3× faster actor and a 3.3× faster critic reach −100 on 3/3 search seeds (1/3 with {@link NN_LR}).
 */
const NN_LR_TASK: Readonly<Partial<Record<GymTaskId, { lrActor: number; lrCritic: number }>>> = {
  "Acrobot-v1": { lrActor: 3e-3, lrCritic: 1e-2 },
};

/** The preset of a (task, model, algorithm): task defaults, then the algorithm's and the model's changes. */
export function gymPgPreset(task: GymTaskId, model: GymModel, algo: GymPgAlgo): GymPgPreset {
  const base: GymPgPreset = { ...PG_TASK[task], model, algo };
  if (model === "nn") Object.assign(base, NN_LR_TASK[task] ?? NN_LR);
  // REINFORCE: Monte-Carlo returns (λ = 1) and one step per batch; actor-critic: λ = 0.95, one step.
  if (algo === "reinforce") Object.assign(base, { tau: 1, epochs: 1, lrActor: base.lrActor * 5 });
  if (algo === "ac") Object.assign(base, { epochs: 1, lrActor: base.lrActor * 5 });
  return base;
}

/** A policy-gradient agent of a preset: what `trainBatched` needs, and the parameter counts. */
export interface GymPgAgent {
  preset: GymPgPreset;
  actor: Parametrization;
  critic: Parametrization;
  head: PolicyHead;
  rule: BatchUpdateRule;
  /** Actor (policy outputs; σ and its one scalar apart), critic and total parameters. */
  params: { actor: number; critic: number; total: number };
}

/** Overrides of a preset's fields (the search of docs/gym.md §5). */
export type GymPgOverrides = Partial<Omit<GymPgPreset, "model" | "algo">>;

function lowRankModel(
  task: GymTaskSpec,
  p: GymPgPreset,
  outputs: number | undefined,
  init: number,
  name: string,
  rng: Rng,
): Parametrization {
  const f =
    p.interpolate === 0
      ? new CpGrid({
          grid: new AxisGrid({ low: task.low, high: task.high, buckets: p.buckets }),
          rank: p.rank,
          outputs,
          name,
        })
      : new InterpolatedCp({
          low: task.low,
          high: task.high,
          buckets: p.buckets,
          rank: p.rank,
          outputs,
          name,
        });
  const S = task.low.length;
  if (S === 2)
    for (const u of f.factors) for (let i = 0; i < u.data.length; i++) u.data[i] = init * rng.normal();
  else
    f.factors.forEach((u, d) => {
      const last = d === f.factors.length - 1;
      for (let i = 0; i < u.data.length; i++) u.data[i] = last ? init * rng.normal() : 1 + 0.1 * rng.normal();
    });
  return task.angles ? new AngleFeatures(f, task.obsLow.length, task.angles) : f;
}

/**
 * Builds a preset's actor, head, critic and rule, drawing the initial parameters from `rng`
 * (actor, then critic). Low-rank: an {@link InterpolatedCp} on the task's grid (angles mapped);
 * NN: a {@link TanhMlp} on the normalized observation. Discrete tasks: softmax head over the
 * actor's logits; continuous: Gaussian head with a learned scalar σ (the env clips the action).
 */
export function makeGymPgAgent(
  taskId: GymTaskId,
  method: GymMethod,
  rng: Rng,
  overrides: GymPgOverrides = {},
): GymPgAgent {
  const { model, algo } = gymMethodParts(method);
  if (algo === "q") throw new RangeError(`makeGymPgAgent: ${method} is a Q-learning method`);
  if (!gymMethodApplies(taskId, method))
    throw new RangeError(
      `makeGymPgAgent: ${method} needs a continuous action (Gaussian policy), ${taskId} has discrete actions`,
    );
  const task = GYM_TASKS[taskId];
  const p: GymPgPreset = { ...gymPgPreset(taskId, model, algo), ...overrides };
  const A = task.actions;
  const S = task.obsLow.length;
  let actor: Parametrization;
  let critic: Parametrization;
  if (model === "lowrank") {
    actor = lowRankModel(task, p, A ?? undefined, p.actorInit, "pi", rng);
    critic = lowRankModel(task, p, undefined, p.criticInit, "value", rng);
  } else {
    const box = { low: task.obsLow, high: task.obsHigh };
    const a = new TanhMlp(S, p.hidden, A ?? 1, "pi", box);
    a.initTorchDefault(rng, 0.01);
    const c = new TanhMlp(S, p.hidden, 1, "value", box);
    c.initTorchDefault(rng, 1);
    actor = a;
    critic = c;
  }
  const head: PolicyHead =
    A === null
      ? new GaussianHead({
          sigma: { kind: "scalar", logSigmaInit: p.logSigmaInit },
          logSigmaClamp: p.logSigmaClamp,
        })
      : new SoftmaxHead(A);
  const parts: ActorCriticParts = {
    actor,
    head,
    critic,
    actorOptimizer: new Adam([...actor.parameters, ...head.parameters], { lr: p.lrActor }),
    criticOptimizer: new Adam(critic.parameters, { lr: p.lrCritic }),
  };
  const rule: BatchUpdateRule =
    algo === "trpo"
      ? new TrpoRule(parts, p.gamma, {
          tau: p.tau,
          maxKl: p.maxKl,
          damping: p.damping,
          cgIterations: 10,
          cgTolerance: 1e-10,
        })
      : new GaeActorCritic(parts, p.gamma, {
          tau: p.tau,
          epochs: p.epochs,
          clip: algo === "ppo" ? p.clip : undefined,
          critic: { kind: "optimizer", epochs: p.criticEpochs },
        });
  return {
    preset: p,
    actor,
    critic,
    head,
    rule,
    params: {
      actor: actor.parameterCount,
      critic: critic.parameterCount,
      total: actor.parameterCount + critic.parameterCount,
    },
  };
}

/** The TD settings an NN Q-learner shares with the low-rank one it is compared with (the lrq preset's). */
export interface GymTdSettings {
  rule: TdRule;
  nStep: number;
  gamma: number;
  epsilon: EpsilonSchedule;
  /** Discrete actions (the DiscretizeAction count on a continuous task). */
  actions: number;
}

/** The NN counterpart of low-rank Q-learning: the same online TD agent on a 64×64 tanh network. */
export const GYM_NN_Q = { hidden: [64, 64], lr: 1e-3 };

export function makeGymNnQAgent(taskId: GymTaskId, td: GymTdSettings, rng: Rng): TdAgent {
  const task = GYM_TASKS[taskId];
  const q = new TanhMlp(task.obsLow.length, GYM_NN_Q.hidden, td.actions, "q", {
    low: task.obsLow,
    high: task.obsHigh,
  });
  q.initTorchDefault(rng);
  return new TdAgent({
    q,
    rule: td.rule,
    nStep: td.nStep,
    gamma: td.gamma,
    epsilon: td.epsilon,
    lr: GYM_NN_Q.lr,
  });
}
