import type { Parameter } from "./parameter.js";
import {
  checkLearningRate,
  checkState,
  restoreBuffer,
  uniqueNames,
  type Optimizer,
  type OptimizerState,
} from "./optimizer.js";
import { UpdateArena, wasmUpdateKernelsAvailable } from "./wasm-update-kernels.js";

/** Where the element-wise update runs: f64x2 WebAssembly (default where available) or scalar JS. Results are bit-identical. */
export type UpdateBackend = "wasm" | "js";

export interface RmsPropOptions {
  lr: number;
  alpha?: number;
  eps?: number;
  centered?: boolean;
  /** Zero every gradient right after it has been used by `step()` (saves the caller a separate zeroGrad pass). */
  zeroGradAfterStep?: boolean;
  backend?: UpdateBackend;
}

/** s ← αs + ((1−α)g)g; p ← p − (lr·g)/(√s + ε), on entries [from, to). */
function rmspropRange(
  data: Float64Array,
  grad: Float64Array,
  s: Float64Array,
  from: number,
  to: number,
  lr: number,
  alpha: number,
  oneMinusAlpha: number,
  eps: number,
): void {
  for (let i = from; i < to; i++) {
    const g = grad[i];
    const si = alpha * s[i] + oneMinusAlpha * g * g;
    s[i] = si;
    data[i] -= (lr * g) / (Math.sqrt(si) + eps);
  }
}

/** Centered: also ḡ ← αḡ + (1−α)g, denominator √(s − ḡ²) + ε, on entries [from, to). */
function rmspropCenteredRange(
  data: Float64Array,
  grad: Float64Array,
  s: Float64Array,
  a: Float64Array,
  from: number,
  to: number,
  lr: number,
  alpha: number,
  oneMinusAlpha: number,
  eps: number,
): void {
  for (let i = from; i < to; i++) {
    const g = grad[i];
    const si = alpha * s[i] + oneMinusAlpha * g * g;
    const ai = alpha * a[i] + oneMinusAlpha * g;
    s[i] = si;
    a[i] = ai;
    data[i] -= (lr * g) / (Math.sqrt(si - ai * ai) + eps);
  }
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
  readonly zeroGradAfterStep: boolean;
  readonly backend: UpdateBackend;
  private t = 0;
  private readonly sq: Float64Array[];
  private readonly avg: Float64Array[];
  private readonly arena: UpdateArena | null;

  constructor(params: readonly Parameter[], options: RmsPropOptions) {
    checkLearningRate(options.lr, "RMSProp");
    uniqueNames(params, "RMSProp");
    this.params = params;
    this.lr = options.lr;
    this.alpha = options.alpha ?? 0.99;
    this.eps = options.eps ?? 1e-8;
    this.centered = options.centered ?? false;
    this.zeroGradAfterStep = options.zeroGradAfterStep ?? false;
    if (!(this.alpha >= 0 && this.alpha < 1))
      throw new RangeError(`RMSProp: alpha must be in [0, 1), got ${this.alpha}`);
    if (options.backend !== undefined && options.backend !== "wasm" && options.backend !== "js")
      throw new RangeError(`RMSProp: backend must be "wasm" or "js", got ${String(options.backend)}`);
    if (options.backend === "wasm" && !wasmUpdateKernelsAvailable())
      throw new Error(`RMSProp: backend "wasm" needs WebAssembly SIMD, which this runtime lacks`);
    this.backend = options.backend ?? (wasmUpdateKernelsAvailable() ? "wasm" : "js");
    const lengths = params.map((p) => p.data.length);
    if (this.backend === "wasm") {
      this.arena = new UpdateArena(params, 2);
      [this.sq, this.avg] = this.arena.state;
    } else {
      this.arena = null;
      this.sq = lengths.map((n) => new Float64Array(n));
      this.avg = lengths.map((n) => new Float64Array(n));
    }
  }

  get stepCount(): number {
    return this.t;
  }

  step(): void {
    this.t += 1;
    const { alpha, eps, lr, centered, arena } = this;
    const oneMinusAlpha = 1 - alpha;
    for (let q = 0; q < this.params.length; q++) {
      const { data, grad } = this.params[q];
      const s = this.sq[q];
      const a = this.avg[q];
      const n = data.length;
      let done = 0;
      if (arena !== null) {
        done = n & ~1;
        const { kernels, dataPtr, gradPtr, statePtrs } = arena.slots[q];
        const sPtr = statePtrs[0];
        const aPtr = statePtrs[1];
        arena.run(q, data, grad, done, (bytes) =>
          centered
            ? kernels.rmspropCentered(dataPtr, gradPtr, sPtr, aPtr, bytes, lr, alpha, oneMinusAlpha, eps)
            : kernels.rmsprop(dataPtr, gradPtr, sPtr, bytes, lr, alpha, oneMinusAlpha, eps),
        );
      }
      if (centered) rmspropCenteredRange(data, grad, s, a, done, n, lr, alpha, oneMinusAlpha, eps);
      else rmspropRange(data, grad, s, done, n, lr, alpha, oneMinusAlpha, eps);
      if (this.zeroGradAfterStep) grad.fill(0);
    }
  }

  zeroGrad(): void {
    for (const p of this.params) p.grad.fill(0);
  }

  /** Running averages of one parameter (torch's `square_avg` and, when centered, `grad_avg`). */
  averages(name: string): { squareAvg: Float64Array; gradAvg: Float64Array } {
    const q = this.params.findIndex((p) => p.name === name);
    if (q < 0) throw new Error(`RMSProp: no parameter named "${name}"`);
    return { squareAvg: this.sq[q], gradAvg: this.avg[q] };
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
    checkState(state, this.params, ["square_avg", "grad_avg"], "RMSProp");
    this.params.forEach((p, q) => {
      restoreBuffer(state, p, "square_avg", this.sq[q]);
      restoreBuffer(state, p, "grad_avg", this.avg[q]);
    });
    this.t = state.step;
  }
}
