import { argmax, epsilonGreedy } from "../dqn/epsilon-greedy.js";
import { SoftmaxHead } from "../heads/softmax.js";
import type { Rng } from "../random/rng.js";

/**
 * The behaviour policy of value learning, from the action values q = Q(s, ·)
 * (docs/value-learning.md §4):
 *
 *   ε-greedy:  π(a|s) = ε/A + (1 − ε)·1[a = argmax_b q_b]   (first maximum on ties)
 *   softmax:   π(a|s) = exp(q_a/τ) / Σ_b exp(q_b/τ)          (temperature τ > 0)
 */
export type BehaviourKind = "epsilon-greedy" | "softmax";

export class Behaviour {
  readonly kind: BehaviourKind;
  readonly actions: number;
  private readonly head: SoftmaxHead;
  private readonly scaled: Float64Array;

  constructor(kind: BehaviourKind, actions: number) {
    if (kind !== "epsilon-greedy" && kind !== "softmax")
      throw new RangeError(`Behaviour: kind must be "epsilon-greedy" or "softmax", got ${String(kind)}`);
    if (!Number.isInteger(actions) || actions < 1)
      throw new RangeError(`Behaviour: actions must be an integer >= 1, got ${actions}`);
    this.kind = kind;
    this.actions = actions;
    this.head = new SoftmaxHead(actions);
    this.scaled = new Float64Array(actions);
  }

  /**
   * a ~ π(·|s) from the run's generator; `param` is ε (ε-greedy: one uniform, plus one integer when
   * exploring) or τ (softmax: one uniform).
   */
  sample(q: Float64Array, offset: number, param: number, rng: Rng): number {
    const A = this.actions;
    if (this.kind === "epsilon-greedy") return epsilonGreedy(param, A, rng, () => argmax(q, offset, A));
    return this.head.sample(this.scale(q, offset, param), 0, rng);
  }

  /** π(·|s) into `out` (length ≥ A). */
  probabilities(q: Float64Array, offset: number, param: number, out: Float64Array): Float64Array {
    const A = this.actions;
    if (this.kind === "epsilon-greedy") {
      if (!(param >= 0 && param <= 1))
        throw new RangeError(`Behaviour: epsilon must be in [0, 1], got ${param}`);
      const best = argmax(q, offset, A);
      for (let a = 0; a < A; a++) out[a] = param / A + (a === best ? 1 - param : 0);
      return out;
    }
    return this.head.probabilities(this.scale(q, offset, param), 0, out);
  }

  private scale(q: Float64Array, offset: number, tau: number): Float64Array {
    if (!(tau > 0 && Number.isFinite(tau)))
      throw new RangeError(`Behaviour: temperature must be a finite number > 0, got ${tau}`);
    for (let a = 0; a < this.actions; a++) this.scaled[a] = q[offset + a] / tau;
    return this.scaled;
  }
}
