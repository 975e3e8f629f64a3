import { ElementwiseOptimizer, type ElementwiseOptions } from "./elementwise-optimizer.js";
import type { Parameter } from "./parameter.js";
import {
  adamCoefficients,
  adamRange,
  checkAdamHyperparameters,
  type AdamCoefficients,
} from "./update-rules.js";
import type { KernelName } from "./wasm-update-kernels.js";

export interface AdamOptions extends ElementwiseOptions {
  beta1?: number;
  beta2?: number;
  eps?: number;
  weightDecay?: number;
}

/**
 * Adam exactly as `torch.optim.Adam` (single-tensor path, torch 1.13), no amsgrad
 * (docs/optimizers.md; the formulas in update-rules.ts):
 *
 *   t ← t+1;  g ← g + λp (weight decay λ);  m ← β₁m + (1−β₁)g;  v ← β₂v + (1−β₂)g²
 *   p ← p − (lr / (1−β₁ᵗ)) · m / (√v / √(1−β₂ᵗ) + ε)
 *
 * Every parameter advances its step and decays its moments on every call, even when its
 * gradient is zero (an unvisited grid row), as torch does for parameters with a `.grad`.
 */
export class Adam extends ElementwiseOptimizer {
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly weightDecay: number;
  private coefficients: AdamCoefficients | null = null;

  constructor(params: readonly Parameter[], options: AdamOptions) {
    super({ who: "Adam", kind: "adam", buffers: ["exp_avg", "exp_avg_sq"] }, params, options);
    this.beta1 = options.beta1 ?? 0.9;
    this.beta2 = options.beta2 ?? 0.999;
    this.eps = options.eps ?? 1e-8;
    this.weightDecay = options.weightDecay ?? 0;
    checkAdamHyperparameters(this, "Adam: ");
  }

  protected prepareStep(): { kernel: KernelName; coefficients: object } {
    const c = (this.coefficients = adamCoefficients(this, this.t));
    return { kernel: c.weightDecay === 0 ? "adam" : "adamWeightDecay", coefficients: c };
  }

  protected updateRange(q: number, from: number, to: number): void {
    const { data, grad } = this.params[q];
    adamRange(data, grad, this.state[0][q], this.state[1][q], from, to, this.coefficients!);
  }

  /** First and second moments of one parameter (torch's `exp_avg`, `exp_avg_sq`). */
  moments(name: string): { expAvg: Float64Array; expAvgSq: Float64Array } {
    return { expAvg: this.buffer(name, "exp_avg"), expAvgSq: this.buffer(name, "exp_avg_sq") };
  }
}
