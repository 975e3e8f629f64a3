import type { Parameter } from "./parameter.js";
import {
  checkLearningRate,
  checkState,
  restoreBuffer,
  uniqueNames,
  type Optimizer,
  type OptimizerState,
} from "./optimizer.js";

export interface SgdOptions {
  lr: number;
  momentum?: number;
}

/** Stochastic gradient descent, torch convention: b ← μb + g; p ← p − lr·b (b = g when μ = 0). */
export class Sgd implements Optimizer {
  readonly params: readonly Parameter[];
  lr: number;
  readonly momentum: number;
  private t = 0;
  private readonly buf: Float64Array[];

  constructor(params: readonly Parameter[], options: SgdOptions) {
    checkLearningRate(options.lr, "SGD");
    uniqueNames(params, "SGD");
    this.params = params;
    this.lr = options.lr;
    this.momentum = options.momentum ?? 0;
    if (!(this.momentum >= 0 && this.momentum < 1))
      throw new RangeError(`SGD: momentum must be in [0, 1), got ${this.momentum}`);
    this.buf = params.map((p) => new Float64Array(p.data.length));
  }

  step(): void {
    const first = this.t === 0;
    this.t += 1;
    for (let q = 0; q < this.params.length; q++) {
      const { data, grad } = this.params[q];
      const b = this.buf[q];
      for (let i = 0; i < data.length; i++) {
        let d = grad[i];
        if (this.momentum !== 0) {
          b[i] = first ? d : this.momentum * b[i] + d;
          d = b[i];
        }
        data[i] -= this.lr * d;
      }
    }
  }

  zeroGrad(): void {
    for (const p of this.params) p.grad.fill(0);
  }

  getState(): OptimizerState {
    const buffers: Record<string, Record<string, number[]>> = {};
    this.params.forEach((p, q) => (buffers[p.name] = { momentum_buffer: Array.from(this.buf[q]) }));
    return { kind: "sgd", step: this.t, buffers };
  }

  setState(state: OptimizerState): void {
    if (state.kind !== "sgd") throw new Error(`SGD.setState: expected kind "sgd", got "${state.kind}"`);
    checkState(state, this.params, ["momentum_buffer"], "SGD");
    this.params.forEach((p, q) => restoreBuffer(state, p, "momentum_buffer", this.buf[q]));
    this.t = state.step;
  }
}
