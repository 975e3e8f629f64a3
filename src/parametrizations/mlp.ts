import { makeParameter, type Parameter } from "../optim/parameter.js";
import type { Rng } from "../random/rng.js";
import { MLP_KERNEL_MAX_BATCH, ReluMlpKernels, TanhMlpKernels } from "./mlp-wasm.js";
import type { BatchKeeping, StateDictEntry } from "./parametrization.js";

/** The hidden nonlinearity of {@link ScalarMlp}. */
export type MlpActivation = "relu" | "tanh";

export interface ScalarMlpOptions {
  /** "relu" (default) or "tanh" (the tensor-low-rank reference's PolicyNetwork/ValueNetwork). */
  activation?: MlpActivation;
  /**
   * Whether a ReLU net with H a multiple of 4, or a tanh net with H even, runs its batch passes on
   * the WebAssembly f64x2 kernels (mlp-wasm.ts; bit-identical to the scalar loops) where the
   * runtime has them. Default true; false keeps the scalar JavaScript loops (the reference the
   * kernels are tested against).
   */
  kernels?: boolean;
}

/**
 * y = w₂ · ReLU(W₁ x + b₁) + b₂ (or tanh with `activation: "tanh"`): PyTorch's `Sequential(Linear(S, H), ReLU(), Linear(H, 1))`
 * with a scalar output, hand-written on Float64Array. Parameter names and layouts follow the
 * state_dict: `<prefix>.0.weight` H×S (out×in, row-major), `<prefix>.0.bias` [H],
 * `<prefix>.2.weight` 1×H, `<prefix>.2.bias` [1].
 *
 * Backward, for upstream gradients g_t = ∂J/∂y_t over a batch, with u_t = W₁x_t + b₁, h_t = ReLU(u_t):
 *   ∇w₂ = Σ_t g_t h_t,  ∇b₂ = Σ_t g_t,
 *   δ_t = g_t · w₂ ⊙ 1[u_t > 0],  ∇W₁ = Σ_t δ_t x_tᵀ,  ∇b₁ = Σ_t δ_t.
 *
 * A ReLU net with H a multiple of 4 (the paper's baselines) keeps its parameters in the
 * WebAssembly memory of {@link ReluMlpKernels} and runs all three passes on its f64x2 kernels,
 * bit-identical to the scalar loops below (docs/performance.md, "NN baseline").
 */
export class ScalarMlp implements BatchKeeping {
  readonly inputDim: number;
  readonly outputDim = 1;
  readonly hidden: number;
  /** The hidden nonlinearity: ReLU (the LRPG baseline, default) or tanh (the tensor-low-rank baseline). */
  readonly activation: MlpActivation;
  readonly w1: Parameter;
  readonly b1: Parameter;
  readonly w2: Parameter;
  readonly b2: Parameter;
  /** Transposed inputs (S×T) of the last {@link forwardBatch}. */
  private xt = new Float64Array(0);
  /** Tanh: the hidden activations (H×T) of the last {@link forwardBatch}, while {@link actKept}. */
  private act = new Float64Array(0);
  private actKept = false;
  private batch = 0;
  private readonly accS: Float64Array;
  /** The f64x2 kernels holding the parameters, or null (scalar loops). */
  private readonly kernels: ReluMlpKernels | null;
  /** Whether the last kept batch sits in the kernels' scratch (else in {@link xt}). */
  private batchInKernels = false;
  /** Tanh: the f64x2 batch kernels (src/wasm/tanh.ts for tanh), or null (scalar loops). */
  private readonly tanhKernels: TanhMlpKernels | null;

  constructor(inputDim: number, hidden: number, prefix: string, options: ScalarMlpOptions = {}) {
    const activation = options.activation ?? "relu";
    if (activation !== "relu" && activation !== "tanh")
      throw new RangeError(`ScalarMlp: activation must be "relu" or "tanh", got ${String(activation)}`);
    this.activation = activation;
    if (!Number.isInteger(inputDim) || inputDim < 1)
      throw new RangeError(`ScalarMlp: inputDim must be an integer >= 1, got ${inputDim}`);
    if (!Number.isInteger(hidden) || hidden < 1)
      throw new RangeError(`ScalarMlp: hidden width must be an integer >= 1, got ${hidden}`);
    this.inputDim = inputDim;
    this.hidden = hidden;
    this.accS = new Float64Array(inputDim);
    const k =
      activation === "relu" && options.kernels !== false ? ReluMlpKernels.create(inputDim, hidden) : null;
    this.kernels = k;
    this.tanhKernels =
      activation === "tanh" && options.kernels !== false ? TanhMlpKernels.create(inputDim, hidden) : null;
    if (k !== null) {
      this.w1 = { name: `${prefix}.0.weight`, shape: [hidden, inputDim], data: k.w1, grad: k.gw1 };
      this.b1 = { name: `${prefix}.0.bias`, shape: [hidden], data: k.b1, grad: k.gb1 };
      this.w2 = { name: `${prefix}.2.weight`, shape: [1, hidden], data: k.w2, grad: k.gw2 };
      this.b2 = { name: `${prefix}.2.bias`, shape: [1], data: k.b2, grad: k.gb2 };
    } else {
      this.w1 = makeParameter(`${prefix}.0.weight`, [hidden, inputDim]);
      this.b1 = makeParameter(`${prefix}.0.bias`, [hidden]);
      this.w2 = makeParameter(`${prefix}.2.weight`, [1, hidden]);
      this.b2 = makeParameter(`${prefix}.2.bias`, [1]);
    }
  }

  get parameters(): Parameter[] {
    return [this.w1, this.b1, this.w2, this.b2];
  }

  get parameterCount(): number {
    return this.hidden * this.inputDim + 2 * this.hidden + 1;
  }

  /** State dict: the parameters under their own names, untransposed. */
  stateDictEntries(): StateDictEntry[] {
    return this.parameters.map((param) => ({ key: param.name, param, transpose: false }));
  }

  forwardOne(state: ArrayLike<number>, out: Float64Array, outOffset = 0): void {
    out[outOffset] = this.forward(state);
  }

  /**
   * PyTorch's default `nn.Linear` init for both layers, drawn from `rng` in the order
   * W₁ (row-major), b₁, W₂, b₂: kaiming_uniform(a = √5) on W gives U(−1/√fan_in, 1/√fan_in)
   * (gain √(2/(1+5)) times √(3/fan_in)), and the bias U(−1/√fan_in, 1/√fan_in).
   */
  initTorchDefault(rng: Rng): void {
    const fill = (p: Parameter, fanIn: number) => {
      const bound = 1 / Math.sqrt(fanIn);
      for (let i = 0; i < p.data.length; i++) p.data[i] = -bound + 2 * bound * rng.uniform();
    };
    fill(this.w1, this.inputDim);
    fill(this.b1, this.inputDim);
    fill(this.w2, this.hidden);
    fill(this.b2, this.hidden);
  }

  /**
   * y(x) for the input at x[offset … offset+S−1] (no caching, no allocation).
   *
   * For S = 2 the hidden loop is branch-free: ReLU(u) is evaluated as ½(u + |u|), which equals
   * max(u, 0) exactly for every finite |u| ≤ MAX/2 (u + u = 2u and ½·2u are exact; u + (−u) = +0),
   * and an inactive unit then adds w₂·(+0) = ±0, which leaves the running sum unchanged. So the
   * result is bit-identical to skipping inactive units whenever it is finite; a non-finite result
   * (overflow, ±∞ or NaN somewhere) is recomputed with the branching loop, whose IEEE semantics
   * (an inactive unit contributes nothing, even at u = −∞) are the reference.
   */
  forward(x: ArrayLike<number>, offset = 0): number {
    if (this.activation === "tanh") return this.forwardTanh(x, offset);
    if (this.kernels !== null) return this.kernels.forwardOne(x, offset) + this.b2.data[0];
    if (this.inputDim === 2) {
      const y = this.forward2BranchFree(x[offset], x[offset + 1]);
      if (y - y === 0) return y + this.b2.data[0];
    }
    return this.forwardBranching(x, offset);
  }

  private forward2BranchFree(x0: number, x1: number): number {
    const H = this.hidden;
    const W1 = this.w1.data;
    const B1 = this.b1.data;
    const W2 = this.w2.data;
    let y = 0;
    for (let h = 0; h < H; h++) {
      const u = W1[2 * h] * x0 + W1[2 * h + 1] * x1 + B1[h];
      y += W2[h] * (0.5 * (u + Math.abs(u)));
    }
    return y;
  }

  private forwardBranching(x: ArrayLike<number>, offset: number): number {
    const S = this.inputDim;
    const H = this.hidden;
    const W1 = this.w1.data;
    const B1 = this.b1.data;
    const W2 = this.w2.data;
    let y = 0;
    for (let h = 0; h < H; h++) {
      const ho = h * S;
      let u = 0;
      for (let s = 0; s < S; s++) u += W1[ho + s] * x[offset + s];
      u += B1[h];
      if (u > 0) y += W2[h] * u;
    }
    return y + this.b2.data[0];
  }

  /**
   * y_t for the first T inputs of the flat T×S `x` into `out`; keeps the inputs (transposed) for
   * {@link backwardBatch}, which recomputes the pre-activations (cheaper than storing T×H of them).
   */
  forwardBatch(x: Float64Array, T: number, out: Float64Array): void {
    this.keepBatch(x, T);
    if (this.activation === "tanh") {
      this.forwardBatchTanh(T, out);
      return;
    }
    if (this.batchInKernels) {
      const k = this.kernels!;
      k.forwardBatch(T);
      const b2 = this.b2.data[0];
      let finite = true;
      for (let t = 0; t < T; t++) {
        const y = k.out[t];
        if (y - y !== 0) finite = false;
        out[t] = y + b2;
      }
      if (finite) return;
      // A non-finite sum: the kernels' ReLU·w₂ may differ from skipping the unit (w₂ = ±∞).
      this.keepBatchScalar(x, T);
    }
    if (this.inputDim === 2 && this.forwardBatch2BranchFree(T, out)) return;
    this.forwardBatchBranching(T, out);
  }

  /**
   * Keeps the first T inputs of the flat T×S `x` (transposed) for {@link backwardBatch} without
   * evaluating the net: for callers that already hold y_t = {@link forward}(x_t) for the same
   * parameters.
   */
  keepBatch(x: Float64Array, T: number): void {
    this.actKept = false;
    this.tanhKernels?.forget();
    const k = this.kernels;
    if (k !== null && T >= 1 && T <= MLP_KERNEL_MAX_BATCH) {
      // The kernels' backward needs finite inputs (see mlp-wasm.ts); others take the scalar loops.
      const S = this.inputDim;
      const xs = k.xs;
      let finite = true;
      for (let s = 0; s < S; s++) {
        const col = xs[s];
        for (let t = 0; t < T; t++) {
          const a = x[t * S + s];
          if (a - a !== 0) finite = false;
          col[t] = a;
        }
      }
      if (finite) {
        this.batch = T;
        this.batchInKernels = true;
        return;
      }
    }
    this.keepBatchScalar(x, T);
  }

  /** The T inputs kept in the kernels' columns, as a flat T×S array. */
  private keptInputs(T: number): Float64Array {
    const S = this.inputDim;
    const xs = this.kernels!.xs;
    const x = new Float64Array(S * T);
    for (let s = 0; s < S; s++) for (let t = 0; t < T; t++) x[t * S + s] = xs[s][t];
    return x;
  }

  /** {@link keepBatch} into {@link xt}, for the scalar loops. */
  private keepBatchScalar(x: Float64Array, T: number): void {
    this.batch = T;
    this.batchInKernels = false;
    const S = this.inputDim;
    if (this.xt.length < T * S) this.xt = new Float64Array(Math.max(T * S, 2 * this.xt.length));
    const xt = this.xt; // S×T, the inputs transposed
    for (let t = 0; t < T; t++) for (let s = 0; s < S; s++) xt[s * T + t] = x[t * S + s];
  }

  /**
   * S = 2, four units per pass over t and ReLU as ½(u + |u|) (see {@link forward}): y_t still
   * accumulates w₂[h]·ReLU(u_{h,t}) over h in increasing order from 0, then adds b₂. Returns false
   * (and the caller recomputes with branches) when some y_t is not finite.
   */
  private forwardBatch2BranchFree(T: number, out: Float64Array): boolean {
    const H = this.hidden;
    const xt = this.xt;
    const W1 = this.w1.data;
    const B1 = this.b1.data;
    const W2 = this.w2.data;
    for (let t = 0; t < T; t++) out[t] = 0;
    let h = 0;
    for (; h + 4 <= H; h += 4) {
      const a0 = W1[2 * h];
      const a1 = W1[2 * h + 1];
      const ab = B1[h];
      const av = W2[h];
      const b0 = W1[2 * h + 2];
      const b1 = W1[2 * h + 3];
      const bb = B1[h + 1];
      const bv = W2[h + 1];
      const c0 = W1[2 * h + 4];
      const c1 = W1[2 * h + 5];
      const cb = B1[h + 2];
      const cv = W2[h + 2];
      const d0 = W1[2 * h + 6];
      const d1 = W1[2 * h + 7];
      const db = B1[h + 3];
      const dv = W2[h + 3];
      for (let t = 0; t < T; t++) {
        const x0 = xt[t];
        const x1 = xt[T + t];
        const ua = a0 * x0 + a1 * x1 + ab;
        const ub = b0 * x0 + b1 * x1 + bb;
        const uc = c0 * x0 + c1 * x1 + cb;
        const ud = d0 * x0 + d1 * x1 + db;
        let y = out[t];
        y += av * (0.5 * (ua + Math.abs(ua)));
        y += bv * (0.5 * (ub + Math.abs(ub)));
        y += cv * (0.5 * (uc + Math.abs(uc)));
        y += dv * (0.5 * (ud + Math.abs(ud)));
        out[t] = y;
      }
    }
    for (; h < H; h++) {
      const w0 = W1[2 * h];
      const w1 = W1[2 * h + 1];
      const b = B1[h];
      const v = W2[h];
      for (let t = 0; t < T; t++) {
        const u = w0 * xt[t] + w1 * xt[T + t] + b;
        out[t] += v * (0.5 * (u + Math.abs(u)));
      }
    }
    const b2 = this.b2.data[0];
    let finite = true;
    for (let t = 0; t < T; t++) {
      const y = out[t];
      if (y - y !== 0) finite = false;
      out[t] = y + b2;
    }
    return finite;
  }

  private forwardBatchBranching(T: number, out: Float64Array): void {
    const S = this.inputDim;
    const H = this.hidden;
    const xt = this.xt;
    const W1 = this.w1.data;
    const B1 = this.b1.data;
    const W2 = this.w2.data;
    const b2 = this.b2.data[0];
    for (let t = 0; t < T; t++) out[t] = 0;
    // Unit-major loops keep each unit's weights in registers; y_t still accumulates over units
    // h in increasing order with u = (Σ_s W1[h,s]·x_s) + b1[h], exactly as {@link forward}.
    for (let h = 0; h < H; h++) {
      const ho = h * S;
      const b = B1[h];
      const v = W2[h];
      for (let t = 0; t < T; t++) {
        let u = 0;
        for (let s = 0; s < S; s++) u += W1[ho + s] * xt[s * T + t];
        u += b;
        if (u > 0) out[t] += v * u;
      }
    }
    for (let t = 0; t < T; t++) out[t] += b2;
  }

  /**
   * Adds the parameter gradients for upstream ∂J/∂y_t = g[t] of the last forwardBatch (the
   * parameters must not have changed in between: the pre-activations are recomputed).
   */
  backwardBatch(g: Float64Array): void {
    if (this.activation === "tanh") {
      this.backwardTanh(g);
      return;
    }
    if (this.batchInKernels) {
      const k = this.kernels!;
      const T = this.batch;
      let gb2 = 0;
      for (let t = 0; t < T; t++) {
        const gt = g[t];
        k.g[t] = gt;
        gb2 += gt;
      }
      if (gb2 - gb2 === 0) {
        // every g_t finite (a non-finite one makes the sum ±∞ or NaN): the kernels' condition
        k.backward(T);
        this.b2.grad[0] += gb2;
        return;
      }
      this.keepBatchScalar(this.keptInputs(T), T);
    }
    const S = this.inputDim;
    const H = this.hidden;
    const T = this.batch;
    const xt = this.xt;
    const W1 = this.w1.data;
    const B1 = this.b1.data;
    const W2 = this.w2.data;
    const gW1 = this.w1.grad;
    const gB1 = this.b1.grad;
    const gW2 = this.w2.grad;
    let gb2 = 0;
    for (let t = 0; t < T; t++) gb2 += g[t];
    const acc = this.accS;
    for (let h = 0; h < H; h++) {
      const v = W2[h];
      const b = B1[h];
      let gw2 = 0;
      let gb1 = 0;
      if (S === 2) {
        const w0 = W1[2 * h];
        const w1 = W1[2 * h + 1];
        let a0 = 0;
        let a1 = 0;
        for (let t = 0; t < T; t++) {
          const x0 = xt[t];
          const x1 = xt[T + t];
          const u = w0 * x0 + w1 * x1 + b;
          if (u > 0) {
            const gt = g[t];
            gw2 += gt * u;
            const delta = gt * v;
            gb1 += delta;
            a0 += delta * x0;
            a1 += delta * x1;
          }
        }
        gW1[2 * h] += a0;
        gW1[2 * h + 1] += a1;
      } else {
        const ho = h * S;
        acc.fill(0);
        for (let t = 0; t < T; t++) {
          let u = 0;
          for (let s = 0; s < S; s++) u += W1[ho + s] * xt[s * T + t];
          u += b;
          if (u > 0) {
            const gt = g[t];
            gw2 += gt * u;
            const delta = gt * v;
            gb1 += delta;
            for (let s = 0; s < S; s++) acc[s] += delta * xt[s * T + t];
          }
        }
        for (let s = 0; s < S; s++) gW1[ho + s] += acc[s];
      }
      gW2[h] += gw2;
      gB1[h] += gb1;
    }
    this.b2.grad[0] += gb2;
  }

  /**
   * Multiplies the output layer's weights by `weight` and its bias by `bias`: the tensor-low-rank
   * reference scales PyTorch's default init of the action layer by 0.1 and 0.
   */
  scaleOutputLayer(weight: number, bias: number): void {
    for (let h = 0; h < this.hidden; h++) this.w2.data[h] *= weight;
    this.b2.data[0] *= bias;
  }

  /** y = w₂ · tanh(W₁x + b₁) + b₂ for the input at x[offset …]. */
  private forwardTanh(x: ArrayLike<number>, offset: number): number {
    const S = this.inputDim;
    const W1 = this.w1.data;
    const B1 = this.b1.data;
    const W2 = this.w2.data;
    let y = 0;
    for (let h = 0; h < this.hidden; h++) {
      const ho = h * S;
      let u = 0;
      for (let s = 0; s < S; s++) u += W1[ho + s] * x[offset + s];
      y += W2[h] * Math.tanh(u + B1[h]);
    }
    return y + this.b2.data[0];
  }

  /**
   * y_t = w₂ · tanh(W₁x_t + b₁) + b₂ for the kept batch (unit-major: y_t still accumulates over
   * units h in increasing order from 0, then adds b₂, exactly as {@link forwardTanh}); keeps the
   * activations for {@link backwardTanh}.
   */
  private forwardBatchTanh(T: number, out: Float64Array): void {
    const tk = this.tanhKernels;
    if (tk !== null && T >= 1) {
      tk.forward(this.w1.data, this.b1.data, this.w2.data, this.xt, T, out);
      const b2 = this.b2.data[0];
      for (let t = 0; t < T; t++) out[t] += b2;
      return;
    }
    const S = this.inputDim;
    const H = this.hidden;
    const xt = this.xt;
    const W1 = this.w1.data;
    const B1 = this.b1.data;
    const W2 = this.w2.data;
    if (this.act.length < H * T) this.act = new Float64Array(Math.max(H * T, 2 * this.act.length));
    const act = this.act;
    for (let t = 0; t < T; t++) out[t] = 0;
    for (let h = 0; h < H; h++) {
      const ho = h * S;
      const b = B1[h];
      const v = W2[h];
      const ao = h * T;
      if (S === 3) {
        const w0 = W1[ho];
        const w1 = W1[ho + 1];
        const w2 = W1[ho + 2];
        for (let t = 0; t < T; t++) {
          const a = Math.tanh(0 + w0 * xt[t] + w1 * xt[T + t] + w2 * xt[2 * T + t] + b);
          act[ao + t] = a;
          out[t] += v * a;
        }
      } else {
        for (let t = 0; t < T; t++) {
          let u = 0;
          for (let s = 0; s < S; s++) u += W1[ho + s] * xt[s * T + t];
          const a = Math.tanh(u + b);
          act[ao + t] = a;
          out[t] += v * a;
        }
      }
    }
    const b2 = this.b2.data[0];
    for (let t = 0; t < T; t++) out[t] += b2;
    this.actKept = true;
  }

  /**
   * Tanh backward: with h_t = tanh(u_t), ∇w₂ = Σ_t g_t h_t, ∇b₂ = Σ_t g_t,
   * δ_t = g_t · w₂ ⊙ (1 − h_t²), ∇W₁ = Σ_t δ_t x_tᵀ, ∇b₁ = Σ_t δ_t.
   */
  private backwardTanh(g: Float64Array): void {
    const S = this.inputDim;
    const T = this.batch;
    const tk = this.tanhKernels;
    if (tk !== null && T >= 1) {
      // the activations of the kept batch: from the last forwardBatch, else recomputed (same numbers)
      if (!tk.holds(T)) tk.forward(this.w1.data, this.b1.data, this.w2.data, this.xt, T, new Float64Array(T));
      let gb2 = 0;
      for (let t = 0; t < T; t++) gb2 += g[t];
      tk.backward(this.w1.data, this.w2.data, g, this.w1.grad, this.b1.grad, this.w2.grad);
      this.b2.grad[0] += gb2;
      return;
    }
    const xt = this.xt;
    const W1 = this.w1.data;
    const B1 = this.b1.data;
    const W2 = this.w2.data;
    const acc = this.accS;
    let gb2 = 0;
    for (let t = 0; t < T; t++) gb2 += g[t];
    for (let h = 0; h < this.hidden; h++) {
      const ho = h * S;
      const v = W2[h];
      let gw2 = 0;
      let gb1 = 0;
      acc.fill(0);
      const kept = this.actKept;
      const act = this.act;
      for (let t = 0; t < T; t++) {
        let a: number;
        if (kept) a = act[h * T + t];
        else {
          let u = 0;
          for (let s = 0; s < S; s++) u += W1[ho + s] * xt[s * T + t];
          a = Math.tanh(u + B1[h]);
        }
        const gt = g[t];
        gw2 += gt * a;
        const delta = gt * v * (1 - a * a);
        gb1 += delta;
        for (let s = 0; s < S; s++) acc[s] += delta * xt[s * T + t];
      }
      for (let s = 0; s < S; s++) this.w1.grad[ho + s] += acc[s];
      this.w2.grad[h] += gw2;
      this.b1.grad[h] += gb1;
    }
    this.b2.grad[0] += gb2;
  }
}
