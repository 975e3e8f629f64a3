import type { Parameter } from "./parameter.js";
import {
  checkLearningRate,
  restoreBuffer,
  uniqueNames,
  type Optimizer,
  type OptimizerState,
} from "./optimizer.js";

export interface AdamOptions {
  lr: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
  weightDecay?: number;
}

/**
 * Adam exactly as `torch.optim.Adam` (single-tensor path, torch 1.13), no amsgrad:
 *
 *   t ← t+1;  m ← β₁m + (1−β₁)g;  v ← β₂v + (1−β₂)g²
 *   p ← p − (lr / (1−β₁ᵗ)) · m / (√v / √(1−β₂ᵗ) + ε)
 *
 * Every parameter advances its step and decays its moments on every call, even when its
 * gradient is zero (an unvisited grid row), as torch does for parameters with a `.grad`.
 */
export class Adam implements Optimizer {
  readonly params: readonly Parameter[];
  lr: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly weightDecay: number;
  private t = 0;
  private readonly m: Float64Array[];
  private readonly v: Float64Array[];

  constructor(params: readonly Parameter[], options: AdamOptions) {
    checkLearningRate(options.lr, "Adam");
    uniqueNames(params, "Adam");
    this.params = params;
    this.lr = options.lr;
    this.beta1 = options.beta1 ?? 0.9;
    this.beta2 = options.beta2 ?? 0.999;
    this.eps = options.eps ?? 1e-8;
    this.weightDecay = options.weightDecay ?? 0;
    if (!(this.beta1 >= 0 && this.beta1 < 1))
      throw new RangeError(`Adam: beta1 must be in [0, 1), got ${this.beta1}`);
    if (!(this.beta2 >= 0 && this.beta2 < 1))
      throw new RangeError(`Adam: beta2 must be in [0, 1), got ${this.beta2}`);
    if (!(this.eps >= 0)) throw new RangeError(`Adam: eps must be >= 0, got ${this.eps}`);
    this.m = params.map((p) => new Float64Array(p.data.length));
    this.v = params.map((p) => new Float64Array(p.data.length));
  }

  get stepCount(): number {
    return this.t;
  }

  step(): void {
    this.t += 1;
    const { beta1, beta2, eps, lr, weightDecay } = this;
    const oneMinusB1 = 1 - beta1;
    const oneMinusB2 = 1 - beta2;
    const biasCorrection1 = 1 - Math.pow(beta1, this.t);
    const biasCorrection2Sqrt = Math.sqrt(1 - Math.pow(beta2, this.t));
    const stepSize = lr / biasCorrection1;
    for (let q = 0; q < this.params.length; q++) {
      const p = this.params[q].data;
      const g = this.params[q].grad;
      const m = this.m[q];
      const v = this.v[q];
      // Each element is read once into locals and written once (the arrays could alias as far as
      // the JIT knows, so m[i]/v[i] would otherwise be reloaded); the arithmetic is torch's, in
      // torch's order: the division by √(1−β₂ᵗ) and by the denominator stay divisions.
      const n = p.length;
      if (weightDecay === 0) {
        for (let i = 0; i < n; i++) {
          const gi = g[i];
          const mi = m[i] * beta1 + oneMinusB1 * gi;
          const vi = v[i] * beta2 + oneMinusB2 * gi * gi;
          m[i] = mi;
          v[i] = vi;
          p[i] = p[i] - stepSize * (mi / (Math.sqrt(vi) / biasCorrection2Sqrt + eps));
        }
      } else {
        for (let i = 0; i < n; i++) {
          const pi = p[i];
          const gi = g[i] + weightDecay * pi;
          const mi = m[i] * beta1 + oneMinusB1 * gi;
          const vi = v[i] * beta2 + oneMinusB2 * gi * gi;
          m[i] = mi;
          v[i] = vi;
          p[i] = pi - stepSize * (mi / (Math.sqrt(vi) / biasCorrection2Sqrt + eps));
        }
      }
    }
  }

  zeroGrad(): void {
    for (const p of this.params) p.grad.fill(0);
  }

  /** First and second moments of one parameter (torch's `exp_avg`, `exp_avg_sq`). */
  moments(name: string): { expAvg: Float64Array; expAvgSq: Float64Array } {
    const q = this.params.findIndex((p) => p.name === name);
    if (q < 0) throw new Error(`Adam: no parameter named "${name}"`);
    return { expAvg: this.m[q], expAvgSq: this.v[q] };
  }

  getState(): OptimizerState {
    const buffers: Record<string, Record<string, number[]>> = {};
    this.params.forEach((p, q) => {
      buffers[p.name] = { exp_avg: Array.from(this.m[q]), exp_avg_sq: Array.from(this.v[q]) };
    });
    return { kind: "adam", step: this.t, buffers };
  }

  setState(state: OptimizerState): void {
    if (state.kind !== "adam") throw new Error(`Adam.setState: expected kind "adam", got "${state.kind}"`);
    if (!Number.isInteger(state.step) || state.step < 0)
      throw new RangeError(`Adam.setState: step must be an integer >= 0`);
    this.params.forEach((p, q) => {
      restoreBuffer(state, p, "exp_avg", this.m[q]);
      restoreBuffer(state, p, "exp_avg_sq", this.v[q]);
    });
    this.t = state.step;
  }
}
