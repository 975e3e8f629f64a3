import type { Rng } from "../random/rng.js";

/** One finished episode as REINFORCE stores it (states acted in, actions taken, rewards received). */
export interface Episode {
  /** T×S, row-major: s_0 … s_{T−1}. */
  states: Float64Array;
  /** T×A (A = 1 for scalar actions, discrete actions stored as their index). */
  actions: Float64Array;
  /** T rewards r_0 … r_{T−1}. */
  rewards: Float64Array;
  /** Number of steps T. */
  length: number;
}

export interface LearnResult {
  lossActor: number;
  lossCritic: number;
}

/** Plain nested number arrays keyed by the reference code's PyTorch state_dict names. */
export type NumberTensor = number | number[] | number[][];
export type StateDict = Record<string, NumberTensor>;

/**
 * A policy-gradient agent with a value baseline (REINFORCE with a learned baseline, as the LRPG
 * reference code): `act` samples a ~ π(·|s) from the run's generator, `learn` performs the
 * per-episode actor and critic steps.
 */
export interface PolicyGradientAgent {
  readonly stateDim: number;
  readonly gamma: number;
  /** Trainable parameters of actor + critic (the paper's convention: σ excluded), and σ's separately. */
  readonly parameterCount: { actor: number; critic: number; sigma: number; total: number };
  /** Samples an action for `state`; returns what the env should receive and what REINFORCE stores. */
  act(state: ArrayLike<number>, rng: Rng): number;
  /** Deterministic action (the mean, or the argmax for discrete policies). */
  actDeterministic(state: ArrayLike<number>): number;
  learn(episode: Episode): LearnResult;
  mean(state: ArrayLike<number>): number;
  sigma(state: ArrayLike<number>): number;
  value(state: ArrayLike<number>): number;
  exportStateDict(): StateDict;
  importStateDict(dict: StateDict): void;
}
