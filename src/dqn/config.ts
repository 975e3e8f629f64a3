import { checkSupport, type CategoricalSupport } from "./distributional.js";
import type { TdLoss } from "./loss.js";
import { TD_TARGET_RULES, type TdTargetRule } from "./td-target.js";

/**
 * K-FAC for the Q-network (docs/kfac.md §10): ACKTR's KL-clipped natural-gradient step with the
 * curvature of the sampled Fisher of Q read as a unit-variance Gaussian on the taken action's value
 * (C51: the categorical over atoms). `lr` is the largest step η; the rest as {@link KfacOptions}.
 */
export interface DqnKfacConfig {
  kind: "kfac";
  lr: number;
  /** Tikhonov damping λ > 0. Default 0.01. */
  damping?: number;
  /** Running-average decay of the factors, in [0, 1). Default 0.95. */
  statDecay?: number;
  /** Updates between refreshes of the damped inverses, ≥ 1. Default 10. */
  inverseEvery?: number;
  /** KL trust region δ > 0, or null for none. Default 0.001. */
  klClip?: number | null;
  /** Momentum on the preconditioned direction, in [0, 1). Default 0. */
  momentum?: number;
}

export type DqnOptimizerConfig =
  | { kind: "adam"; lr: number; eps?: number; beta1?: number; beta2?: number }
  | { kind: "rmsprop"; lr: number; alpha?: number; eps?: number; centered?: boolean }
  | DqnKfacConfig;

/** Proportional prioritized replay (Schaul et al. 2016; docs/dqn.md §9). */
export interface PrioritizedReplayConfig {
  /** Priority exponent α ≥ 0 (0 = uniform). */
  alpha: number;
  /** Importance-sampling exponent β at replay start; annealed linearly to 1. */
  betaStart: number;
  /** Frames over which β reaches 1, starting at `learningStarts`. */
  betaFrames: number;
  /** ε > 0 in pᵢ = |δᵢ| + ε. */
  epsilon: number;
}

/** Every knob of the DQN update; defaults are MinAtar's `examples/dqn.py` (docs/dqn.md §7). */
export interface DqnConfig {
  /** Discount γ. */
  gamma: number;
  batchSize: number;
  bufferSize: number;
  /** Frames of uniformly random play before the first update (replay start). */
  learningStarts: number;
  /** Env frames between updates (1 = one update per frame). */
  trainFrequency: number;
  /** Updates between target-network syncs. */
  targetUpdateInterval: number;
  /** Polyak coefficient of each sync; 1 = hard copy. */
  tau: number;
  doubleDqn: boolean;
  /** n of the n-step return. */
  nStep: number;
  loss: TdLoss;
  /** Huber threshold κ. */
  huberKappa: number;
  /** Global gradient-norm clip; null = none. */
  maxGradNorm: number | null;
  optimizer: DqnOptimizerConfig;
  epsilonStart: number;
  epsilonEnd: number;
  /** Frames over which ε decays linearly, starting at `learningStarts`. */
  epsilonDecayFrames: number;
  /** Bootstrap action of the TD target: max (Q-learning), the taken one (SARSA) or the ε-greedy expectation. */
  tdTarget: TdTargetRule;
  /** Prioritized replay, or null for uniform sampling. */
  prioritized: PrioritizedReplayConfig | null;
  /** C51 return distribution on a fixed support (the network outputs A·N logits), or null for scalar Q. */
  distributional: CategoricalSupport | null;
}

export const MINATAR_DQN_DEFAULTS: DqnConfig = {
  gamma: 0.99,
  batchSize: 32,
  bufferSize: 100_000,
  learningStarts: 5000,
  trainFrequency: 1,
  targetUpdateInterval: 1000,
  tau: 1,
  doubleDqn: false,
  nStep: 1,
  loss: "huber",
  huberKappa: 1,
  maxGradNorm: null,
  optimizer: { kind: "rmsprop", lr: 2.5e-4, alpha: 0.95, eps: 0.01, centered: true },
  epsilonStart: 1,
  epsilonEnd: 0.1,
  epsilonDecayFrames: 100_000,
  tdTarget: "q-learning",
  prioritized: null,
  distributional: null,
};

function check(cond: boolean, field: string, value: unknown, allowed: string): void {
  if (!cond) throw new RangeError(`DqnConfig.${field} must be ${allowed}, got ${JSON.stringify(value)}`);
}

const isInt = (v: number, min: number): boolean => Number.isInteger(v) && v >= min;

/** The K-FAC settings' ranges (the optimizer checks them again; this names the config field). */
function checkKfac(k: DqnKfacConfig): void {
  const f = "optimizer.";
  if (k.damping !== undefined)
    check(Number.isFinite(k.damping) && k.damping > 0, f + "damping", k.damping, "a finite number > 0");
  if (k.statDecay !== undefined)
    check(k.statDecay >= 0 && k.statDecay < 1, f + "statDecay", k.statDecay, "in [0, 1)");
  if (k.inverseEvery !== undefined)
    check(isInt(k.inverseEvery, 1), f + "inverseEvery", k.inverseEvery, "an integer >= 1");
  if (k.klClip !== undefined && k.klClip !== null)
    check(Number.isFinite(k.klClip) && k.klClip > 0, f + "klClip", k.klClip, "null or a finite number > 0");
  if (k.momentum !== undefined)
    check(k.momentum >= 0 && k.momentum < 1, f + "momentum", k.momentum, "in [0, 1)");
}

/** Merges `overrides` into the MinAtar defaults and validates every field. */
export function resolveDqnConfig(overrides: Partial<DqnConfig> = {}): DqnConfig {
  const c: DqnConfig = { ...MINATAR_DQN_DEFAULTS, ...overrides };
  check(c.gamma >= 0 && c.gamma <= 1, "gamma", c.gamma, "in [0, 1]");
  check(isInt(c.batchSize, 1), "batchSize", c.batchSize, "an integer >= 1");
  check(isInt(c.bufferSize, 1), "bufferSize", c.bufferSize, "an integer >= 1");
  check(isInt(c.learningStarts, 0), "learningStarts", c.learningStarts, "an integer >= 0");
  check(isInt(c.trainFrequency, 1), "trainFrequency", c.trainFrequency, "an integer >= 1");
  check(isInt(c.targetUpdateInterval, 1), "targetUpdateInterval", c.targetUpdateInterval, "an integer >= 1");
  check(c.tau > 0 && c.tau <= 1, "tau", c.tau, "in (0, 1]");
  check(isInt(c.nStep, 1), "nStep", c.nStep, "an integer >= 1");
  check(c.loss === "huber" || c.loss === "mse", "loss", c.loss, '"huber" or "mse"');
  check(c.huberKappa > 0, "huberKappa", c.huberKappa, "> 0");
  check(c.maxGradNorm === null || c.maxGradNorm > 0, "maxGradNorm", c.maxGradNorm, "null or > 0");
  check(
    c.optimizer.kind === "adam" || c.optimizer.kind === "rmsprop" || c.optimizer.kind === "kfac",
    "optimizer.kind",
    c.optimizer.kind,
    '"adam", "rmsprop" or "kfac"',
  );
  check(
    Number.isFinite(c.optimizer.lr) && c.optimizer.lr > 0,
    "optimizer.lr",
    c.optimizer.lr,
    "a finite number > 0",
  );
  if (c.optimizer.kind === "kfac") checkKfac(c.optimizer);
  check(c.epsilonStart >= 0 && c.epsilonStart <= 1, "epsilonStart", c.epsilonStart, "in [0, 1]");
  check(c.epsilonEnd >= 0 && c.epsilonEnd <= 1, "epsilonEnd", c.epsilonEnd, "in [0, 1]");
  check(c.epsilonDecayFrames >= 0, "epsilonDecayFrames", c.epsilonDecayFrames, ">= 0");
  check(
    TD_TARGET_RULES.includes(c.tdTarget),
    "tdTarget",
    c.tdTarget,
    TD_TARGET_RULES.map((r) => `"${r}"`).join(", "),
  );
  const p = c.prioritized;
  if (p !== null) {
    check(p.alpha >= 0 && Number.isFinite(p.alpha), "prioritized.alpha", p.alpha, "a finite number >= 0");
    check(p.betaStart >= 0 && p.betaStart <= 1, "prioritized.betaStart", p.betaStart, "in [0, 1]");
    check(p.betaFrames >= 0, "prioritized.betaFrames", p.betaFrames, ">= 0");
    check(
      p.epsilon > 0 && Number.isFinite(p.epsilon),
      "prioritized.epsilon",
      p.epsilon,
      "a finite number > 0",
    );
  }
  if (c.distributional !== null) checkSupport(c.distributional, "DqnConfig.distributional");
  return c;
}
