import type { ActorCriticParts } from "./reinforce-baseline.js";

/**
 * Multi-episode updates (docs/tensor-pg.md): the actor-critic with GAE, PPO and TRPO update once
 * per batch of E ≥ 1 whole episodes, all sampled with one fixed policy, concatenated in time
 * order into N transitions i = 0 … N−1. Episode e occupies [episodeEnds[e−1], episodeEnds[e]).
 *
 * How an episode ends decides what GAE bootstraps after its last transition i:
 *   terminated[e] = 1: mask m_i = 0, nothing after it (V(s') = 0, as a terminal state);
 *   terminated[e] = 0: the episode was cut (time limit), V(s') of `finalStates` row e is
 *                      bootstrapped: R_i = r_i + γV(s'), δ_i = r_i + γV(s') − V(s_i).
 * The LRPG authors' trainer discards the time-limit flag and ends every episode with done = 1;
 * a loop reproducing it marks every episode terminated (the "reference" protocol).
 */
export interface TransitionBatch {
  /** S, numbers per state. */
  readonly stateDim: number;
  /** N, transitions in the batch (≥ 1). */
  readonly length: number;
  /** N×S row-major: s_0 … s_{N−1} (buffers may be longer: only the first N rows count). */
  readonly states: Float64Array;
  /** a_i as stored (the unclipped sample for a Gaussian head, the index for a softmax one). */
  readonly actions: Float64Array;
  /** r_i. */
  readonly rewards: Float64Array;
  /**
   * log π_old(a_i|s_i) of the policy that sampled the batch (what PPO's ratio and TRPO's
   * surrogate divide by); null: the rule evaluates them with the current parameters before it
   * changes anything (the same numbers when the policy was not updated since sampling).
   */
  readonly logProbs: Float64Array | null;
  /** E, episodes in the batch (≥ 1). */
  readonly episodeCount: number;
  /** E exclusive end indices, strictly increasing, the last equal to `length`. */
  readonly episodeEnds: Int32Array;
  /** E flags: 1 = the episode terminated, 0 = it was cut (bootstrapped from `finalStates`). */
  readonly terminated: Uint8Array;
  /** E×S: the observation after each episode's last step (read only where terminated[e] = 0). */
  readonly finalStates: Float64Array;
}

/** What one batch update reports (scalars at the pre-update parameters unless stated). */
export interface BatchUpdateResult {
  /** The actor loss of the first actor evaluation (first epoch / the surrogate before the step). */
  lossActor: number;
  /** The critic loss at the pre-update critic parameters. */
  lossCritic: number;
}

/**
 * An update rule over a {@link TransitionBatch}: the batched sibling of the per-episode
 * `UpdateRule`. It owns whatever state persists across updates (optimizer moments, the critic's
 * L-BFGS history); `update` changes the parameters of its {@link ActorCriticParts} in place.
 */
export interface BatchUpdateRule {
  update(batch: TransitionBatch): BatchUpdateResult;
}

/** Builds a batch rule for an agent's parts and discount γ (like `UpdateRuleFactory`). */
export type BatchUpdateRuleFactory = (parts: ActorCriticParts, gamma: number) => BatchUpdateRule;

/**
 * Throws a one-line error naming the field unless `batch` is consistent (lengths, episode ends,
 * flags); `who` prefixes the message.
 */
export function checkTransitionBatch(batch: TransitionBatch, who: string): void {
  const { stateDim: S, length: N, episodeCount: E } = batch;
  if (!Number.isInteger(S) || S < 1)
    throw new RangeError(`${who}: stateDim must be an integer >= 1, got ${S}`);
  if (!Number.isInteger(N) || N < 1) throw new RangeError(`${who}: length must be an integer >= 1, got ${N}`);
  if (!Number.isInteger(E) || E < 1 || E > N)
    throw new RangeError(`${who}: episodeCount must be an integer in [1, ${N}], got ${E}`);
  const need = (name: string, a: ArrayLike<number> | null, n: number): void => {
    if (!a || a.length < n)
      throw new RangeError(`${who}: ${name} must hold >= ${n} numbers, got ${a ? a.length : a}`);
  };
  need("states", batch.states, N * S);
  need("actions", batch.actions, N);
  need("rewards", batch.rewards, N);
  if (batch.logProbs !== null) need("logProbs", batch.logProbs, N);
  need("episodeEnds", batch.episodeEnds, E);
  need("terminated", batch.terminated, E);
  need("finalStates", batch.finalStates, E * S);
  let prev = 0;
  for (let e = 0; e < E; e++) {
    const end = batch.episodeEnds[e];
    if (!(end > prev && end <= N))
      throw new RangeError(`${who}: episodeEnds[${e}] must be in (${prev}, ${N}], got ${end}`);
    prev = end;
  }
  if (prev !== N) throw new RangeError(`${who}: episodeEnds[${E - 1}] must equal length ${N}, got ${prev}`);
}

/**
 * Collects transitions into a {@link TransitionBatch} (growing buffers, reused after `clear`):
 * `push` each step, `endEpisode` after each episode's last step.
 */
export class TransitionBuffer implements TransitionBatch {
  readonly stateDim: number;
  length = 0;
  episodeCount = 0;
  states: Float64Array;
  actions: Float64Array;
  rewards: Float64Array;
  /** Filled by `push`; exposed as null when any pushed step had no log-prob. */
  private lp: Float64Array;
  private lpMissing = false;
  episodeEnds: Int32Array;
  terminated: Uint8Array;
  finalStates: Float64Array;

  constructor(stateDim: number, capacity = 1024) {
    if (!Number.isInteger(stateDim) || stateDim < 1)
      throw new RangeError(`TransitionBuffer: stateDim must be an integer >= 1, got ${stateDim}`);
    const n = Math.max(1, Math.floor(capacity));
    this.stateDim = stateDim;
    this.states = new Float64Array(n * stateDim);
    this.actions = new Float64Array(n);
    this.rewards = new Float64Array(n);
    this.lp = new Float64Array(n);
    this.episodeEnds = new Int32Array(8);
    this.terminated = new Uint8Array(8);
    this.finalStates = new Float64Array(8 * stateDim);
  }

  get logProbs(): Float64Array | null {
    return this.lpMissing ? null : this.lp;
  }

  clear(): void {
    this.length = 0;
    this.episodeCount = 0;
    this.lpMissing = false;
  }

  /** Steps pushed since the last `endEpisode`. */
  get openSteps(): number {
    return this.length - (this.episodeCount > 0 ? this.episodeEnds[this.episodeCount - 1] : 0);
  }

  /** Appends (s_i, a_i, r_i) and the sampling log-prob (omit it to let the rule evaluate them). */
  push(state: ArrayLike<number>, action: number, reward: number, logProb?: number): void {
    const S = this.stateDim;
    if (this.length === this.actions.length) {
      const n = 2 * this.actions.length;
      this.states = grow(this.states, n * S);
      this.actions = grow(this.actions, n);
      this.rewards = grow(this.rewards, n);
      this.lp = grow(this.lp, n);
    }
    const i = this.length++;
    for (let d = 0; d < S; d++) this.states[i * S + d] = state[d];
    this.actions[i] = action;
    this.rewards[i] = reward;
    if (logProb === undefined) this.lpMissing = true;
    else this.lp[i] = logProb;
  }

  /** Closes the open episode: `terminated`, and the observation after its last step (for the bootstrap of a cut episode). */
  endEpisode(terminated: boolean, finalState?: ArrayLike<number>): void {
    if (this.openSteps < 1) throw new RangeError("TransitionBuffer.endEpisode: the episode has no steps");
    const S = this.stateDim;
    if (!terminated && (!finalState || finalState.length < S))
      throw new RangeError(`TransitionBuffer.endEpisode: a cut episode needs its final state (${S} numbers)`);
    if (this.episodeCount === this.episodeEnds.length) {
      const n = 2 * this.episodeEnds.length;
      const ends = new Int32Array(n);
      ends.set(this.episodeEnds);
      this.episodeEnds = ends;
      const term = new Uint8Array(n);
      term.set(this.terminated);
      this.terminated = term;
      this.finalStates = grow(this.finalStates, n * S);
    }
    const e = this.episodeCount++;
    this.episodeEnds[e] = this.length;
    this.terminated[e] = terminated ? 1 : 0;
    for (let d = 0; d < S; d++) this.finalStates[e * S + d] = finalState ? finalState[d] : 0;
  }
}

function grow(a: Float64Array, n: number): Float64Array {
  const b = new Float64Array(n);
  b.set(a);
  return b;
}
