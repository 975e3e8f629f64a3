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
export interface SoftmaxLogitClamp {
  /** Inverse temperature β multiplying z before the clamp (default 1). */
  beta?: number;
  /** The greedy probability cap p_max ∈ (1/n, 1). */
  maxProbability: number;
}

export class SoftmaxHead implements PolicyHead {
  readonly inputDim: number;
  readonly parameters: readonly Parameter[] = [];
  private readonly probs: Float64Array;
  /**
   * The tensor-low-rank reference's logit clamp (docs/tensor-pg.md §3), or null: the logits are
   * ℓ_b = clamp(β z_b, ℓ_min, 1) with ℓ_min = log((e/p_max − e)/(n − 1)), so one logit at 1 and
   * all others at ℓ_min give exactly π = p_max; ∂ℓ_b/∂z_b = β inside [ℓ_min, 1] (ends included), else 0.
   */
  readonly logitClamp: { beta: number; min: number; max: number } | null;

  constructor(
    readonly actionCount: number,
    options: { logitClamp?: SoftmaxLogitClamp | null } = {},
  ) {
    this.inputDim = actionCount;
    this.probs = new Float64Array(actionCount);
    const c = options.logitClamp ?? null;
    if (c) {
      const beta = c.beta ?? 1;
      const n = actionCount;
      if (!(Number.isFinite(beta) && beta > 0))
        throw new RangeError(`SoftmaxHead: logitClamp.beta must be a finite number > 0, got ${beta}`);
      if (!(n >= 2 && c.maxProbability > 1 / n && c.maxProbability < 1))
        throw new RangeError(
          `SoftmaxHead: logitClamp.maxProbability must be in (1/${n}, 1) with >= 2 actions, got ${c.maxProbability}`,
        );
      this.logitClamp = { beta, min: Math.log((Math.E / c.maxProbability - Math.E) / (n - 1)), max: 1 };
    } else this.logitClamp = null;
  }

  /** The logit the softmax reads for output value v (v itself without a clamp). */
  private logit(v: number): number {
    const c = this.logitClamp;
    if (c === null) return v;
    const x = c.beta * v;
    return x < c.min ? c.min : x > c.max ? c.max : x;
  }

  /** ∂logit/∂v. */
  private logitSlope(v: number): number {
    const c = this.logitClamp;
    if (c === null) return 1;
    const x = c.beta * v;
    return x >= c.min && x <= c.max ? c.beta : 0;
  }

  /** π(·|z) into `out` (length ≥ n). */
  probabilities(z: Float64Array, offset: number, out: Float64Array = this.probs): Float64Array {
    const n = this.actionCount;
    let max = -Infinity;
    for (let a = 0; a < n; a++) {
      const v = this.logit(z[offset + a]);
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
      if (this.logitClamp) for (let b = 0; b < n; b++) gradZ[t * n + b] *= this.logitSlope(z[t * n + b]);
    }
    return lossSum / T;
  }

  refresh(): void {}

  stateDictEntries(): StateDictEntry[] {
    return [];
  }
}
