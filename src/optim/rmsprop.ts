import { ElementwiseOptimizer, type ElementwiseOptions } from "./elementwise-optimizer.js";
import type { Parameter } from "./parameter.js";
import { rmspropCoefficients, rmspropRange, type RmsPropCoefficients } from "./update-rules.js";
import type { KernelName } from "./wasm-update-kernels.js";

export type { UpdateBackend } from "./wasm-update-kernels.js";

export interface RmsPropOptions extends ElementwiseOptions {
  alpha?: number;
  eps?: number;
  centered?: boolean;
}

/**
 * RMSProp as `torch.optim.RMSprop` (formulas in update-rules.ts): s ← αs + (1−α)g²; centered:
 * ḡ ← αḡ + (1−α)g, s̃ = s − ḡ² (else s̃ = s); p ← p − lr·g / (√s̃ + ε).
 * (MinAtar's DQN uses centered RMSProp, α 0.95, ε 0.01.)
 */
export class RmsProp extends ElementwiseOptimizer {
  readonly alpha: number;
  readonly eps: number;
  readonly centered: boolean;
  private coefficients: RmsPropCoefficients | null = null;

  constructor(params: readonly Parameter[], options: RmsPropOptions) {
    super({ who: "RMSProp", kind: "rmsprop", buffers: ["square_avg", "grad_avg"] }, params, options);
    this.alpha = options.alpha ?? 0.99;
    this.eps = options.eps ?? 1e-8;
    this.centered = options.centered ?? false;
    if (!(this.alpha >= 0 && this.alpha < 1))
      throw new RangeError(`RMSProp: alpha must be in [0, 1), got ${this.alpha}`);
  }

  protected prepareStep(): { kernel: KernelName; coefficients: object } {
    const c = (this.coefficients = rmspropCoefficients(this.lr, this.alpha, this.eps));
    return { kernel: this.centered ? "rmspropCentered" : "rmsprop", coefficients: c };
  }

  protected updateRange(q: number, from: number, to: number): void {
    const { data, grad } = this.params[q];
    const avg = this.centered ? this.state[1][q] : null;
    rmspropRange(data, grad, this.state[0][q], avg, from, to, this.coefficients!);
  }

  /** Running averages of one parameter (torch's `square_avg` and, when centered, `grad_avg`). */
  averages(name: string): { squareAvg: Float64Array; gradAvg: Float64Array } {
    return { squareAvg: this.buffer(name, "square_avg"), gradAvg: this.buffer(name, "grad_avg") };
  }
}
