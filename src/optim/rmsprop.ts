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

export type { UpdateBackend } from "./wasm-update-kernels.js";

export interface RmsPropOptions {
  lr: number;
  alpha?: number;
  eps?: number;
  centered?: boolean;
  /** Zero every gradient right after it has been used by `step()` (saves the caller a separate zeroGrad pass). */
  zeroGradAfterStep?: boolean;
  backend?: UpdateBackend;
}

/**
 * On entries [from, to): s ← αs + ((1−α)g)g; p ← p − (lr·g)/(√s + ε). Centered (`a` given): also
 * ḡ ← αḡ + (1−α)g and the denominator √(s − ḡ²) + ε.
 */
function rmspropRange(
  data: Float64Array,
  grad: Float64Array,
  s: Float64Array,
  a: Float64Array | null,
  from: number,
  to: number,
  lr: number,
  alpha: number,
  oneMinusAlpha: number,
  eps: number,
): void {
  if (a === null) {
    for (let i = from; i < to; i++) {
      const g = grad[i];
      const si = alpha * s[i] + oneMinusAlpha * g * g;
      s[i] = si;
      data[i] -= (lr * g) / (Math.sqrt(si) + eps);
    }
    return;
  }
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
    this.backend = resolveUpdateBackend(options.backend, "RMSProp");
    const { arena, state } = optimizerState(params, this.backend);
    this.arena = arena;
    [this.sq, this.avg] = state;
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
        const kernel = centered ? kernels.rmspropCentered : kernels.rmsprop;
        arena.run(q, data, grad, done, (bytes) =>
          kernel(dataPtr, gradPtr, statePtrs[0], statePtrs[1], bytes, lr, alpha, oneMinusAlpha, eps),
        );
      }
      rmspropRange(data, grad, s, centered ? a : null, done, n, lr, alpha, oneMinusAlpha, eps);
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
