import type { Parameter } from "./parameter.js";
import {
  checkLearningRate,
  restoreBuffer,
  uniqueNames,
  type Optimizer,
  type OptimizerState,
} from "./optimizer.js";

export interface RmsPropOptions {
  lr: number;
  alpha?: number;
  eps?: number;
  centered?: boolean;
}

/**
 * RMSProp as `torch.optim.RMSprop`: s ← αs + (1−α)g²; centered: ḡ ← αḡ + (1−α)g, s̃ = s − ḡ²;
 * p ← p − lr·g / (√s̃ + ε). (MinAtar's DQN uses centered RMSProp, α 0.95, ε 0.01.)
 */
export class RmsProp implements Optimizer {
  readonly params: readonly Parameter[];
  lr: number;
  readonly alpha: number;
  readonly eps: number;
  readonly centered: boolean;
  private t = 0;
  private readonly sq: Float64Array[];
  private readonly avg: Float64Array[];

  constructor(params: readonly Parameter[], options: RmsPropOptions) {
    checkLearningRate(options.lr, "RMSProp");
    uniqueNames(params, "RMSProp");
    this.params = params;
    this.lr = options.lr;
    this.alpha = options.alpha ?? 0.99;
    this.eps = options.eps ?? 1e-8;
    this.centered = options.centered ?? false;
    if (!(this.alpha >= 0 && this.alpha < 1))
      throw new RangeError(`RMSProp: alpha must be in [0, 1), got ${this.alpha}`);
    this.sq = params.map((p) => new Float64Array(p.data.length));
    this.avg = params.map((p) => new Float64Array(p.data.length));
  }

  step(): void {
    this.t += 1;
    const { alpha, eps, lr, centered } = this;
    const oneMinusAlpha = 1 - alpha;
    for (let q = 0; q < this.params.length; q++) {
      const { data, grad } = this.params[q];
      const s = this.sq[q];
      const n = data.length;
      if (centered) {
        const a = this.avg[q];
        for (let i = 0; i < n; i++) {
          const g = grad[i];
          const si = alpha * s[i] + oneMinusAlpha * g * g;
          const ai = alpha * a[i] + oneMinusAlpha * g;
          s[i] = si;
          a[i] = ai;
          data[i] -= (lr * g) / (Math.sqrt(si - ai * ai) + eps);
        }
      } else {
        for (let i = 0; i < n; i++) {
          const g = grad[i];
          const si = alpha * s[i] + oneMinusAlpha * g * g;
          s[i] = si;
          data[i] -= (lr * g) / (Math.sqrt(si) + eps);
        }
      }
    }
  }

  zeroGrad(): void {
    for (const p of this.params) p.grad.fill(0);
  }

  getState(): OptimizerState {
    const buffers: Record<string, Record<string, number[]>> = {};
    this.params.forEach(
      (p, q) => (buffers[p.name] = { square_avg: Array.from(this.sq[q]), grad_avg: Array.from(this.avg[q]) }),
    );
    return { kind: "rmsprop", step: this.t, buffers };
  }

  setState(state: OptimizerState): void {
    if (state.kind !== "rmsprop")
      throw new Error(`RMSProp.setState: expected kind "rmsprop", got "${state.kind}"`);
    this.params.forEach((p, q) => {
      restoreBuffer(state, p, "square_avg", this.sq[q]);
      restoreBuffer(state, p, "grad_avg", this.avg[q]);
    });
    this.t = state.step;
  }
}
