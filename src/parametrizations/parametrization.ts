import type { Parameter } from "../optim/parameter.js";

/** One tensor of a state dict: the key, the parameter, and whether the dict holds its transpose. */
export interface StateDictEntry {
  readonly key: string;
  readonly param: Parameter;
  /** The dict holds the [cols, rows] transpose (the low-rank R factor: M×K here, K×M in PyTorch). */
  readonly transpose: boolean;
}

/**
 * A function of the state with trainable parameters, z = f_θ(s) ∈ ℝ^D (the μ of a Gaussian policy,
 * the logits of a softmax one, a critic's V). The update rules only use this interface, so a new
 * function class (low-rank matrix on a grid, MLP, CP tensor on a d-dimensional grid, …) drops in
 * without touching them.
 *
 * Backward is the vector–Jacobian product of the last batch: given g_t = ∂J/∂z_t it adds
 * ∇_θ J = Σ_t (∂z_t/∂θ)ᵀ g_t into each parameter's `grad` (callers zero the gradients first).
 */
export interface Parametrization {
  /** S, numbers per input state. */
  readonly inputDim: number;
  /** D, outputs per state (z_t occupies out[t·D … t·D + D − 1]). */
  readonly outputDim: number;
  /** Trainable tensors, in the optimizer's order. */
  readonly parameters: readonly Parameter[];
  /** Number of trainable scalars. */
  readonly parameterCount: number;
  /** z(s) for one state into out[outOffset …]; leaves the batch kept for backward alone. */
  forwardOne(state: ArrayLike<number>, out: Float64Array, outOffset?: number): void;
  /** z_t for the first T states of the flat T×S `states` into `out` (T×D); keeps what backward needs. */
  forwardBatch(states: Float64Array, T: number, out: Float64Array): void;
  /** Adds Σ_t (∂z_t/∂θ)ᵀ g_t to the gradients, g = ∂J/∂z (T×D) of the last forwardBatch (parameters unchanged since). */
  backwardBatch(gradZ: Float64Array): void;
  /** The state-dict tensors under the reference's PyTorch names and layouts. */
  stateDictEntries(): StateDictEntry[];
}

/**
 * P independent copies of one parametrization in one set of tensors (a population trained in
 * lockstep). Through {@link Parametrization} an input row is [p, s]: the copy's index p (an integer
 * in [0, count)) then its state, so `inputDim` = 1 + S and z = f_{θ_p}(s); backward adds into
 * copy p's part of the shared gradients.
 */
export interface BatchedParametrization extends Parametrization {
  /** P, the copies. */
  readonly count: number;
  /** Copy p's tensors under the single copy's state-dict keys and layouts (copies of its values). */
  agentStateDictEntries(p: number): StateDictEntry[];
}

/**
 * A parametrization that can keep a batch for {@link Parametrization.backwardBatch} without
 * evaluating it, for callers that already hold z_t for the same parameters (see {@link ActMemo}).
 */
export interface BatchKeeping extends Parametrization {
  keepBatch(states: Float64Array, T: number): void;
}
