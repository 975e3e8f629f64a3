import type { Rng } from "../random/rng.js";
import {
  ReplayBuffer,
  type ReplayBatch,
  type ReplayBufferOptions,
  type ReplayBufferState,
} from "./replay-buffer.js";
import { SumTree } from "./sum-tree.js";

export interface PrioritizedReplayOptions extends ReplayBufferOptions {
  /** Priority exponent α ≥ 0: P(i) = pᵢ^α / Σⱼ pⱼ^α (0 = uniform). */
  alpha: number;
  /** ε > 0 added to |δ| so that no transition gets priority 0. */
  priorityEpsilon: number;
}

/**
 * Proportional prioritized replay (Schaul et al. 2016): transition i is sampled with probability
 * P(i) = pᵢ^α / Σⱼ pⱼ^α, where pᵢ = |δᵢ| + ε is its last absolute TD error (or loss, for
 * distributional agents) and a new transition gets the largest p seen so far, so it is replayed
 * at least once soon. A minibatch of B is stratified: one draw uᵦ = (b + U)·total/B in each of B
 * equal slices of [0, Σ pᵢ^α), looked up in a {@link SumTree}. The bias of non-uniform sampling is
 * corrected with importance weights
 *
 *   wᵢ = (N·P(i))^−β / maxⱼ (N·P(j))^−β = (pᵢ^α / min_j pⱼ^α)^−β     (max over the whole buffer),
 *
 * which multiply each sample's loss; β is annealed to 1 by the agent (docs/dqn.md §9).
 */
export class PrioritizedReplayBuffer extends ReplayBuffer {
  readonly alpha: number;
  readonly priorityEpsilon: number;
  private readonly tree: SumTree;
  /** Largest p = |δ| + ε seen (new transitions enter with it); starts at 1. */
  private maxP = 1;

  constructor(options: PrioritizedReplayOptions) {
    super(options);
    const { alpha, priorityEpsilon } = options;
    if (!(alpha >= 0 && Number.isFinite(alpha)))
      throw new RangeError(`PrioritizedReplayBuffer: alpha must be a finite number >= 0, got ${alpha}`);
    if (!(priorityEpsilon > 0 && Number.isFinite(priorityEpsilon)))
      throw new RangeError(
        `PrioritizedReplayBuffer: priorityEpsilon must be a finite number > 0, got ${priorityEpsilon}`,
      );
    this.alpha = alpha;
    this.priorityEpsilon = priorityEpsilon;
    this.tree = new SumTree(this.capacity);
  }

  override get prioritized(): boolean {
    return true;
  }

  /** Largest priority p seen so far. */
  get maxPriority(): number {
    return this.maxP;
  }

  /** pᵢ^α of ring row i (0 for an empty row). */
  priority(i: number): number {
    return this.tree.get(i);
  }

  override add(
    observation: ArrayLike<number>,
    action: number,
    reward: number,
    nextObservation: ArrayLike<number>,
    terminated: boolean,
    truncated: boolean,
  ): void {
    super.add(observation, action, reward, nextObservation, terminated, truncated);
    this.tree.set(this.newest, this.maxP ** this.alpha);
  }

  /**
   * Stratified proportional minibatch with n-step returns and importance weights at exponent β
   * (in [0, 1]). The returned arrays are reused by the next call with the same batch size.
   */
  override sample(batchSize: number, rng: Rng, nStep = 1, gamma = 0.99, beta = 1): ReplayBatch {
    this.checkSampleArgs(batchSize, nStep, gamma);
    if (!(beta >= 0 && beta <= 1))
      throw new RangeError(`PrioritizedReplayBuffer.sample: beta must be in [0, 1], got ${beta}`);
    const batch = this.batchBuffers(batchSize);
    const indices = batch.indices as Int32Array;
    const weights = batch.weights as Float64Array;
    const total = this.tree.total;
    const slice = total / batchSize;
    const minP = this.tree.minPositive;
    for (let b = 0; b < batchSize; b++) {
      const i = this.tree.find((b + rng.uniform()) * slice);
      indices[b] = i;
      weights[b] = beta === 0 ? 1 : (this.tree.get(i) / minP) ** -beta;
    }
    this.gather(indices, nStep, gamma, batch);
    return batch;
  }

  /** pᵢ ← |δᵢ| + ε for the given ring rows (later entries win on repeats); raises the max priority. */
  updatePriorities(indices: ArrayLike<number>, errors: ArrayLike<number>): void {
    if (indices.length !== errors.length)
      throw new RangeError(
        `PrioritizedReplayBuffer.updatePriorities: ${indices.length} indices but ${errors.length} errors`,
      );
    for (let k = 0; k < indices.length; k++) {
      const i = indices[k];
      if (!Number.isInteger(i) || i < 0 || i >= this.count)
        throw new RangeError(
          `PrioritizedReplayBuffer.updatePriorities: index must be a stored row in [0, ${this.count - 1}], got ${i}`,
        );
      const e = Math.abs(errors[k]);
      if (!Number.isFinite(e))
        throw new RangeError(
          `PrioritizedReplayBuffer.updatePriorities: error ${k} is not finite (${errors[k]})`,
        );
      const p = e + this.priorityEpsilon;
      if (p > this.maxP) this.maxP = p;
      this.tree.set(i, p ** this.alpha);
    }
  }

  override getState(): ReplayBufferState {
    const rows = this.count;
    const priorities = new Float64Array(rows);
    for (let i = 0; i < rows; i++) priorities[i] = this.tree.get(i);
    return { ...super.getState(), priorities, maxPriority: this.maxP };
  }

  override setState(state: ReplayBufferState): void {
    this.checkState(state);
    super.setState(state);
    this.tree.setAll(state.priorities as Float64Array);
    this.maxP = state.maxPriority as number;
  }

  override checkState(state: ReplayBufferState): void {
    const who = "ReplayBuffer.setState";
    if (state !== null && typeof state === "object" && state.priorities === undefined)
      throw new RangeError(
        `${who}: priorities is missing (a uniform buffer's state), this buffer is prioritized`,
      );
    super.checkState(state);
    const p = state.priorities;
    if (!(p instanceof Float64Array)) throw new TypeError(`${who}: priorities must be a Float64Array`);
    if (p.length !== state.size)
      throw new RangeError(`${who}: priorities has length ${p.length}, expected size ${state.size}`);
    const bad = p.findIndex((x) => !(x > 0 && Number.isFinite(x)));
    if (bad >= 0)
      throw new RangeError(`${who}: priorities[${bad}] must be a finite number > 0, got ${p[bad]}`);
    const m = state.maxPriority;
    if (typeof m !== "number" || !(m > 0 && Number.isFinite(m)))
      throw new RangeError(`${who}: maxPriority must be a finite number > 0, got ${String(m)}`);
  }
}
