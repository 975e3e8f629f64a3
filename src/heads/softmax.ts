import type { Parameter } from "../optim/parameter.js";
import type { StateDictEntry } from "../parametrizations/parametrization.js";
import type { Rng } from "../random/rng.js";
import type { PolicyHead } from "./head.js";

/**
 * π(a|z) = exp z_a / Σ_b exp z_b over the actions {0, …, n−1} (z the n logits; evaluated with the
 * max subtracted). Sampled by inverting the CDF at one uniform draw; the mode is the lowest-index
 * argmax. H = −Σ_a π_a log π_a. Per step (docs/distributions.md):
 *
 *   ∂(−log π(a|z))/∂z_b = π_b − 1[b = a],   so ∂J_a/∂z_{t,b} = (A_t/T)(π_b(z_t) − 1[b = a_t]).
 */
export class SoftmaxHead implements PolicyHead {
  readonly inputDim: number;
  readonly parameters: readonly Parameter[] = [];
  private readonly probs: Float64Array;

  constructor(readonly actionCount: number) {
    this.inputDim = actionCount;
    this.probs = new Float64Array(actionCount);
  }

  /** π(·|z) into `out` (length ≥ n). */
  probabilities(z: Float64Array, offset: number, out: Float64Array = this.probs): Float64Array {
    const n = this.actionCount;
    let max = -Infinity;
    for (let a = 0; a < n; a++) {
      const v = z[offset + a];
      out[a] = v;
      if (v > max) max = v;
    }
    let sum = 0;
    for (let a = 0; a < n; a++) {
      const e = Math.exp(out[a] - max);
      out[a] = e;
      sum += e;
    }
    for (let a = 0; a < n; a++) out[a] /= sum;
    return out;
  }

  sample(z: Float64Array, offset: number, rng: Rng): number {
    const p = this.probabilities(z, offset);
    const u = rng.uniform();
    let c = 0;
    const n = this.actionCount;
    for (let a = 0; a < n - 1; a++) {
      c += p[a];
      if (u < c) return a;
    }
    return n - 1;
  }

  mode(z: Float64Array, offset: number): number {
    const p = this.probabilities(z, offset);
    let best = 0;
    for (let a = 1; a < this.actionCount; a++) if (p[a] > p[best]) best = a;
    return best;
  }

  logProb(z: Float64Array, offset: number, a: number): number {
    return Math.log(this.probabilities(z, offset)[a]);
  }

  entropy(z: Float64Array, offset: number): number {
    const p = this.probabilities(z, offset);
    let h = 0;
    for (let a = 0; a < this.actionCount; a++) if (p[a] > 0) h -= p[a] * Math.log(p[a]);
    return h;
  }

  checkActions(actions: Float64Array, T: number): void {
    const n = this.actionCount;
    for (let t = 0; t < T; t++) {
      const a = actions[t];
      if (!Number.isInteger(a) || a < 0 || a >= n)
        throw new RangeError(`learn: actions[${t}] must be an integer in [0, ${n - 1}], got ${a}`);
    }
  }

  actorLoss(
    z: Float64Array,
    actions: Float64Array,
    advantages: Float64Array,
    T: number,
    gradZ: Float64Array,
  ): number {
    const n = this.actionCount;
    const invT = 1 / T;
    let lossSum = 0;
    for (let t = 0; t < T; t++) {
      const p = this.probabilities(z, t * n);
      const a = actions[t];
      const adv = advantages[t];
      lossSum += -Math.log(p[a]) * adv;
      const w = invT * adv;
      for (let b = 0; b < n; b++) gradZ[t * n + b] = w * (p[b] - (b === a ? 1 : 0));
    }
    return lossSum / T;
  }

  refresh(): void {}

  stateDictEntries(): StateDictEntry[] {
    return [];
  }
}
