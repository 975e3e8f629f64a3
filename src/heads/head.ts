import type { Parameter } from "../optim/parameter.js";
import type { StateDictEntry } from "../parametrizations/parametrization.js";
import type { Rng } from "../random/rng.js";

/**
 * A distribution over actions π(·|z) given the parametrization's outputs z = f_θ(s) for one state
 * (D = `inputDim` numbers at z[offset …]). The update rules use it through {@link actorLoss}:
 *
 *   J_a = (1/T) Σ_t −A_t log π(a_t | z_t),   writing ∂J_a/∂z_t = (A_t/T)·∂(−log π)/∂z_t,
 *
 * each head documenting its ∂(−log π)/∂z (derivations in docs/distributions.md). A head may own
 * parameters (the Gaussian's state-independent log σ), trained with the actor.
 */
export interface PolicyHead {
  /** D, numbers of z read per state. */
  readonly inputDim: number;
  /** The head's own trainable tensors (trained by the actor's optimizer, after the parametrization's). */
  readonly parameters: readonly Parameter[];
  /** a ~ π(·|z) from the run's generator (what the env receives and the episode stores). */
  sample(z: Float64Array, offset: number, rng: Rng): number;
  /** The deterministic action (the mean, clamped; or the most probable action). */
  mode(z: Float64Array, offset: number): number;
  /** log π(a | z). */
  logProb(z: Float64Array, offset: number, a: number): number;
  /** H(π(·|z)) = −E[log π]. */
  entropy(z: Float64Array, offset: number): number;
  /** Throws naming the step unless actions[t] is a valid action for every t < T. */
  checkActions(actions: Float64Array, T: number): void;
  /** J_a as above over T steps of z (T×D): writes ∂J_a/∂z into `gradZ`, adds ∂J_a/∂(own parameters) to their grads; returns J_a. */
  actorLoss(
    z: Float64Array,
    actions: Float64Array,
    advantages: Float64Array,
    T: number,
    gradZ: Float64Array,
  ): number;
  /** Called after the head's parameters changed (optimizer step, import). */
  refresh(): void;
  stateDictEntries(): StateDictEntry[];
}
