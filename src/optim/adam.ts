import type { Parameter } from "./parameter.js";
import {
  checkLearningRate,
  checkState,
  restoreBuffer,
  uniqueNames,
  type Optimizer,
  type OptimizerState,
} from "./optimizer.js";
import {
  optimizerState,
  resolveUpdateBackend,
  type UpdateArena,
  type UpdateBackend,
} from "./wasm-update-kernels.js";

export interface AdamOptions {
  lr: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
  weightDecay?: number;
  /** Zero every gradient right after it has been used by `step()` (saves the caller a separate zeroGrad pass). */
  zeroGradAfterStep?: boolean;
  /** f64x2 WebAssembly (default where available) or scalar JS; bit-identical results. */
  backend?: UpdateBackend;
}

interface AdamScalars {
  stepSize: number;
  beta1: number;
  oneMinusB1: number;
  beta2: number;
  oneMinusB2: number;
  biasCorrection2Sqrt: number;
  eps: number;
  weightDecay: number;
}

/**
 * The Adam update on entries [from, to). Each element is read once into locals and written once
 * (the arrays could alias as far as the JIT knows, so m[i]/v[i] would otherwise be reloaded); the
 * arithmetic is torch's, in torch's order: the division by √(1−β₂ᵗ) and by the denominator stay divisions.
 */
function adamRange(
  p: Float64Array,
  g: Float64Array,
  m: Float64Array,
  v: Float64Array,
  from: number,
  to: number,
  c: AdamScalars,
): void {
  const { stepSize, beta1, oneMinusB1, beta2, oneMinusB2, biasCorrection2Sqrt, eps, weightDecay } = c;
  if (weightDecay === 0) {
    for (let i = from; i < to; i++) {
      const gi = g[i];
      const mi = m[i] * beta1 + oneMinusB1 * gi;
      const vi = v[i] * beta2 + oneMinusB2 * gi * gi;
      m[i] = mi;
      v[i] = vi;
      p[i] = p[i] - stepSize * (mi / (Math.sqrt(vi) / biasCorrection2Sqrt + eps));
    }
  } else {
    for (let i = from; i < to; i++) {
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
  readonly zeroGradAfterStep: boolean;
  readonly backend: UpdateBackend;
  private t = 0;
  private readonly m: Float64Array[];
  private readonly v: Float64Array[];
  private readonly arena: UpdateArena | null;

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
    this.backend = resolveUpdateBackend(options.backend, "Adam");
    this.zeroGradAfterStep = options.zeroGradAfterStep ?? false;
    const { arena, state } = optimizerState(params, this.backend);
    this.arena = arena;
    [this.m, this.v] = state;
  }

  get stepCount(): number {
    return this.t;
  }

  step(): void {
    this.t += 1;
    const { beta1, beta2, eps, lr, weightDecay, arena } = this;
    const c: AdamScalars = {
      stepSize: lr / (1 - Math.pow(beta1, this.t)),
      beta1,
      oneMinusB1: 1 - beta1,
      beta2,
      oneMinusB2: 1 - beta2,
      biasCorrection2Sqrt: Math.sqrt(1 - Math.pow(beta2, this.t)),
      eps,
      weightDecay,
    };
    for (let q = 0; q < this.params.length; q++) {
      const { data, grad } = this.params[q];
      const n = data.length;
      let done = 0;
      if (arena !== null) {
        done = n & ~1;
        const { kernels, dataPtr, gradPtr, statePtrs } = arena.slots[q];
        const kernel = weightDecay === 0 ? kernels.adam : kernels.adamWeightDecay;
        arena.run(q, data, grad, done, (bytes) =>
          kernel(
            dataPtr,
            gradPtr,
            statePtrs[0],
            statePtrs[1],
            bytes,
            c.stepSize,
            beta1,
            c.oneMinusB1,
            beta2,
            c.oneMinusB2,
            c.biasCorrection2Sqrt,
            eps,
            weightDecay,
          ),
        );
      }
      adamRange(data, grad, this.m[q], this.v[q], done, n, c);
      if (this.zeroGradAfterStep) grad.fill(0);
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
    checkState(state, this.params, ["exp_avg", "exp_avg_sq"], "Adam");
    this.params.forEach((p, q) => {
      restoreBuffer(state, p, "exp_avg", this.m[q]);
      restoreBuffer(state, p, "exp_avg_sq", this.v[q]);
    });
    this.t = state.step;
  }
}
