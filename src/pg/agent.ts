import type { Env } from "../envs/env.js";
import type { OptimizerState } from "../optim/optimizer.js";
import type { Rng } from "../random/rng.js";
import type { EpisodeBuffer } from "./episode-buffer.js";

/**
 * One finished episode as REINFORCE stores it: the states acted in, the actions taken (what
 * the policy's log-prob is evaluated at) and the rewards received. Buffers may be longer than
 * the episode (preallocated by the training loop): only the first `length` steps count.
 */
export interface Episode {
  /** T×S, row-major: s_0 … s_{T−1}. */
  states: Float64Array;
  /** T actions (scalar torque / throttle, or the index of a discrete action). */
  actions: Float64Array;
  /** T rewards r_0 … r_{T−1}. */
  rewards: Float64Array;
  /** Number of steps T (default `rewards.length`). */
  length?: number;
}

/**
 * An episode as plain arrays, e.g. straight from the reference code's REINFORCE loop: `states`
 * as T rows of S numbers (or flat T×S), `actions` and `rewards` of length T. {@link Episode}
 * (typed arrays, as the training loop stores them) is the allocation-free special case.
 */
export interface EpisodeInput {
  states: readonly (readonly number[])[] | ArrayLike<number>;
  actions: ArrayLike<number>;
  rewards: ArrayLike<number>;
  length?: number;
}

export interface LearnResult {
  /** The actor loss that was differentiated: mean_t(−log π(a_t|s_t)·A_t). */
  lossActor: number;
  /** The critic loss that was differentiated: mean_t((V(s_t) − G_t)²). */
  lossCritic: number;
}

/** Plain nested number arrays keyed by the reference code's PyTorch state_dict names. */
export type NumberTensor = number | number[] | number[][];
export type StateDict = Record<string, NumberTensor>;

/**
 * Optimizer state of an agent (Adam moments and step counts) for checkpointing; parameter
 * names as in {@link PolicyGradientAgent.exportStateDict}, buffers in the agent's internal layout.
 */
export interface AgentTrainingState {
  actor: OptimizerState;
  critic: OptimizerState;
}

/**
 * Parameter counts. `total` follows the papers' convention, actor + critic with a scalar σ
 * counted apart (1 parameter); a state-dependent σ (its own matrix or network) is part of the
 * policy, so its parameters are in `total`. `trained` counts every trained scalar, σ included.
 */
export interface ParameterCount {
  actor: number;
  critic: number;
  sigma: number;
  total: number;
  trained: number;
}

/**
 * A policy-gradient agent with a learned value baseline (REINFORCE with a Monte-Carlo value
 * baseline, as the LRPG reference code): `act` samples a ~ π(·|s) from the run's generator,
 * `learn` performs the per-episode actor step and then the critic step.
 */
export interface PolicyGradientAgent {
  readonly stateDim: number;
  /** Discount γ used by `learn` for the Monte-Carlo returns. */
  readonly gamma: number;
  readonly parameterCount: ParameterCount;
  /** Samples an action for `state`; the value is both what the env receives and what REINFORCE stores. */
  act(state: ArrayLike<number>, rng: Rng): number;
  /** Deterministic action (the mean, or the most probable action for discrete policies). */
  actDeterministic(state: ArrayLike<number>): number;
  /**
   * One REINFORCE update from a finished episode (returns computed with `gamma`, no bootstrap).
   * Accepts typed-array {@link Episode}s (no copy) or plain arrays (converted once).
   */
  learn(episode: Episode | EpisodeInput): LearnResult;
  /** Critic estimate V(s). */
  value(state: ArrayLike<number>): number;
  /** Parameters as plain nested arrays under the reference's PyTorch names and layouts. */
  exportStateDict(): StateDict;
  /** Loads {@link exportStateDict}'s format; throws naming the key on a missing key or wrong shape. */
  importStateDict(dict: StateDict): void;
  /** Optimizer moments and step counts (for exact resumption from a checkpoint). */
  getTrainingState(): AgentTrainingState;
  setTrainingState(state: AgentTrainingState): void;
  /** An episode loop specialized to this agent and `env` ({@link FusedEpisodes}), or null where there is none. */
  fusedEpisodes?(env: Env): FusedEpisodes | null;
}

/**
 * An agent's episode loop specialized to one env: `runEpisode(env, agent, rng, buffer)` followed
 * by `agent.learn(buffer)`, bit for bit (same draws, same states, same parameters after), with
 * what acting computed (grid cells, policy outputs, values) recorded for the update.
 */
export interface FusedEpisodes {
  /** As `runEpisode` with the env and agent this loop was made for. */
  runEpisode(
    rng: Rng,
    buffer: EpisodeBuffer,
    resetSeed?: number,
  ): { terminated: boolean; truncated: boolean };
  /** As `agent.learn(buffer)`; `buffer` must be the one the last {@link runEpisode} filled, unchanged (throws otherwise). */
  learnRecorded(buffer: EpisodeBuffer): LearnResult;
}

/** A Gaussian policy π(a|s) = N(μ(s), σ(s)²) over a scalar action. */
export interface GaussianPolicyAgent extends PolicyGradientAgent {
  readonly actionKind: "continuous";
  /** μ(s) (after the sigmoid when the mean is squashed). */
  mean(state: ArrayLike<number>): number;
  /** σ(s). */
  sigma(state: ArrayLike<number>): number;
}

/** A softmax policy over the actions {0, …, n−1}. */
export interface DiscretePolicyAgent extends PolicyGradientAgent {
  readonly actionKind: "discrete";
  readonly actionCount: number;
  /** π(·|s), written into `out` (length `actionCount`). */
  probabilities(state: ArrayLike<number>, out?: Float64Array): Float64Array;
}
