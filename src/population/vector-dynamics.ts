import type { Rng } from "../random/rng.js";
import type { KernelThis } from "../factor/backend/index.js";

/**
 * The dynamics of one env id, vectorized over a population: P copies stepping in lockstep on flat
 * typed arrays (agent p's internal state at `states[p·S … p·S + S)`), plus the same step as a gpu.js
 * kernel body. The observation is the first `obsDim` components of the state.
 */
export interface VectorDynamics {
  /** The single env this vectorizes (its `makeEnv` id). */
  readonly envId: string;
  /** S: internal state components per copy. */
  readonly stateDim: number;
  /** Observation components (a prefix of the state). */
  readonly obsDim: number;
  /** Draws copy p's initial state into `states` at `offset` from its env generator, exactly as the env's `reset()`. */
  reset(states: Float64Array, offset: number, envRng: Rng): void;
  /**
   * One step of every copy p with `active[p] = 1`, in float64, bit-identical to the single env's
   * `step`: states updated in place, `rewards[p]`, `terminated[p]` written (inactive copies untouched).
   */
  stepCpu(
    states: Float64Array,
    actions: Float64Array,
    active: Uint8Array,
    rewards: Float64Array,
    terminated: Uint8Array,
    count: number,
  ): void;
  /**
   * gpu.js kernel of one step of the listed copies, output [S + 2, slots]: thread (x = c, y = slot)
   * with p = agentIdx[slot] returns component c of p's next state for c < S, its reward for c = S,
   * and 1/0 for terminated at c = S + 1 (float32).
   */
  readonly stepKernel: (
    this: KernelThis,
    agentIdx: Float32Array,
    states: Float32Array,
    actions: Float32Array,
  ) => number;
}
