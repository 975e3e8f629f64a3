import { ElementwiseOptimizer, type ElementwiseOptions } from "./elementwise-optimizer.js";
import type { Parameter } from "./parameter.js";
import { sgdRange, type SgdCoefficients } from "./update-rules.js";
import type { KernelName } from "./wasm-update-kernels.js";

export interface SgdOptions extends ElementwiseOptions {
  momentum?: number;
}

/**
 * Stochastic gradient descent, torch convention (formulas in update-rules.ts): b ← μb + g
 * (b = g on the first step); p ← p − lr·b; without momentum p ← p − lr·g.
 */
export class Sgd extends ElementwiseOptimizer {
  readonly momentum: number;
  private coefficients: SgdCoefficients | null = null;
  /** Whether this step reads the momentum buffer (not on the first step, which sets it to g). */
  private useBuffer = false;

  constructor(params: readonly Parameter[], options: SgdOptions) {
    super({ who: "SGD", kind: "sgd", buffers: ["momentum_buffer"] }, params, options);
    this.momentum = options.momentum ?? 0;
    if (!(this.momentum >= 0 && this.momentum < 1))
      throw new RangeError(`SGD: momentum must be in [0, 1), got ${this.momentum}`);
  }

  protected prepareStep(): { kernel: KernelName; coefficients: object } {
    const { lr, momentum } = this;
    const c = (this.coefficients = { lr, momentum });
    this.useBuffer = momentum !== 0 && this.t > 1;
    // torch's first momentum step: b = g, then the plain update with b (the same bits as g).
    if (momentum !== 0 && this.t === 1) this.params.forEach((p, q) => this.state[0][q].set(p.grad));
    return { kernel: this.useBuffer ? "sgdMomentum" : "sgd", coefficients: c };
  }

  protected updateRange(q: number, from: number, to: number): void {
    const { data, grad } = this.params[q];
    sgdRange(data, grad, this.useBuffer ? this.state[0][q] : null, from, to, this.coefficients!);
  }
}
