import { gemmNN, gemmNT, gemmTN } from "../factor/gemm.js";
import { makeParameter, type Parameter } from "../optim/parameter.js";
import type { Rng } from "../random/rng.js";
import type { Parametrization, StateDictEntry } from "../parametrizations/parametrization.js";

/**
 * A tanh MLP with any number of hidden layers and D outputs (the zoo baselines' 64×64 policy and
 * value networks, docs/gym.md §3): with h⁰ = s,
 *
 *   uˡ = Wˡ hˡ⁻¹ + bˡ,   hˡ = tanh(uˡ)  (l = 1 … L),     z = W^{L+1} h^L + b^{L+1}.
 *
 * Backward from g = ∂J/∂z: δ^{L+1} = g; for each layer ∇Wˡ += δˡ (hˡ⁻¹)ᵀ, ∇bˡ += δˡ and
 * δˡ⁻¹ = (Wˡ)ᵀ δˡ ⊙ (1 − (hˡ⁻¹)²) (tanh′ = 1 − tanh²). State dict as PyTorch's
 * `Sequential(Linear, Tanh, …, Linear)`: `<name>.<2l>.weight` (out×in), `<name>.<2l>.bias`.
 *
 * With `inputBox` the state is first mapped affinely onto [−1, 1] per dimension,
 * h⁰_d = (2 s_d − (low_d + high_d))/(high_d − low_d) (a fixed observation normalization; no
 * parameters, so the gradients above are unchanged).
 */
export class TanhMlp implements Parametrization {
  readonly inputDim: number;
  readonly outputDim: number;
  /** Layer widths [S, H_1, …, H_L, D]. */
  readonly widths: readonly number[];
  readonly weights: readonly Parameter[];
  readonly biases: readonly Parameter[];
  /** Activations of the last batch, per layer l = 0 … L (h⁰ = the states), T×width row-major. */
  private acts: Float64Array[] = [];
  private batch = 0;
  private delta: Float64Array[] = [];
  private readonly center: Float64Array | null = null;
  private readonly one: Float64Array;
  private readonly oneOut: Float64Array;
  private readonly halfRange: Float64Array | null = null;

  constructor(
    inputDim: number,
    hidden: readonly number[],
    outputDim: number,
    name: string,
    inputBox?: { low: readonly number[]; high: readonly number[] },
  ) {
    const widths = [inputDim, ...hidden, outputDim];
    for (const w of widths)
      if (!Number.isInteger(w) || w < 1)
        throw new RangeError(`TanhMlp: every width must be an integer >= 1, got [${widths.join(", ")}]`);
    this.inputDim = inputDim;
    this.outputDim = outputDim;
    this.widths = widths;
    const W: Parameter[] = [];
    const B: Parameter[] = [];
    for (let l = 1; l < widths.length; l++) {
      W.push(makeParameter(`${name}.${2 * (l - 1)}.weight`, [widths[l], widths[l - 1]]));
      B.push(makeParameter(`${name}.${2 * (l - 1)}.bias`, [widths[l]]));
    }
    this.weights = W;
    this.biases = B;
    this.one = new Float64Array(inputDim);
    this.oneOut = new Float64Array(outputDim);
    if (inputBox) {
      if (inputBox.low.length !== inputDim || inputBox.high.length !== inputDim)
        throw new RangeError(`TanhMlp: inputBox needs ${inputDim} low and high entries`);
      this.center = Float64Array.from(inputBox.low, (lo, d) => (lo + inputBox.high[d]) / 2);
      this.halfRange = Float64Array.from(inputBox.low, (lo, d) => (inputBox.high[d] - lo) / 2);
      for (const h of this.halfRange)
        if (!(h > 0 && Number.isFinite(h))) throw new RangeError("TanhMlp: inputBox needs finite low < high");
    }
  }

  get parameters(): Parameter[] {
    const out: Parameter[] = [];
    for (let l = 0; l < this.weights.length; l++) out.push(this.weights[l], this.biases[l]);
    return out;
  }

  get parameterCount(): number {
    let n = 0;
    for (let l = 1; l < this.widths.length; l++) n += this.widths[l] * (this.widths[l - 1] + 1);
    return n;
  }

  stateDictEntries(): StateDictEntry[] {
    return this.parameters.map((param) => ({ key: param.name, param, transpose: false }));
  }

  /**
   * PyTorch's default `nn.Linear` init, layer by layer from `rng` (W row-major, then b):
   * U(−1/√fan_in, 1/√fan_in) for both; then the output layer's weight × `outputScale` and its
   * bias × 0 when `outputScale` is given (the zoo's small initial policy outputs).
   */
  initTorchDefault(rng: Rng, outputScale?: number): void {
    for (let l = 0; l < this.weights.length; l++) {
      const bound = 1 / Math.sqrt(this.widths[l]);
      for (const p of [this.weights[l], this.biases[l]])
        for (let i = 0; i < p.data.length; i++) p.data[i] = (2 * rng.uniform() - 1) * bound;
    }
    if (outputScale !== undefined) {
      const L = this.weights.length - 1;
      const w = this.weights[L].data;
      for (let i = 0; i < w.length; i++) w[i] *= outputScale;
      this.biases[L].data.fill(0);
    }
  }

  /** Batch buffers: acts[l] (T×width_l, l = 0 … L) and the back-propagated δ per layer. */
  private ensure(T: number): void {
    if (this.acts.length === 0 || this.acts[0].length < T * this.widths[0]) {
      const n = Math.max(T, this.acts.length ? 2 * (this.acts[0].length / this.widths[0]) : 1);
      this.acts = this.widths.slice(0, -1).map((w) => new Float64Array(n * w));
      this.delta = this.widths.map((w) => new Float64Array(n * w));
    }
  }

  forwardOne(state: ArrayLike<number>, out: Float64Array, outOffset = 0): void {
    if (!state || state.length < this.inputDim)
      throw new RangeError(`TanhMlp: state must have ${this.inputDim} entries, got ${state?.length}`);
    // The batch path on one row (the same arithmetic as forwardBatch); a kept batch is dropped.
    this.ensure(1);
    const one = this.one;
    for (let d = 0; d < this.inputDim; d++) one[d] = state[d];
    this.forwardBatch(one, 1, this.oneOut);
    this.batch = 0;
    for (let a = 0; a < this.outputDim; a++) out[outOffset + a] = this.oneOut[a];
  }

  forwardBatch(states: Float64Array, T: number, out: Float64Array): void {
    this.ensure(T);
    const S = this.inputDim;
    const h0 = this.acts[0];
    const c = this.center;
    const h = this.halfRange;
    for (let t = 0; t < T; t++)
      for (let d = 0; d < S; d++) {
        const x = states[t * S + d];
        h0[t * S + d] = c && h ? (x - c[d]) / h[d] : x;
      }
    const Lw = this.weights.length;
    for (let l = 0; l < Lw; l++) {
      const nIn = this.widths[l];
      const nOut = this.widths[l + 1];
      const last = l === Lw - 1;
      const dst = last ? out : this.acts[l + 1];
      // U = H Wᵀ (T×nOut), then + b and tanh (hidden layers).
      gemmNT(T, nOut, nIn, this.acts[l], 0, nIn, this.weights[l].data, 0, nIn, dst, 0, nOut, false);
      const b = this.biases[l].data;
      for (let t = 0; t < T; t++) {
        const o = t * nOut;
        if (last) for (let j = 0; j < nOut; j++) dst[o + j] += b[j];
        else for (let j = 0; j < nOut; j++) dst[o + j] = Math.tanh(dst[o + j] + b[j]);
      }
    }
    this.batch = T;
  }

  backwardBatch(gradZ: Float64Array): void {
    const T = this.batch;
    if (T === 0) return;
    let g: Float64Array = gradZ;
    for (let l = this.weights.length - 1; l >= 0; l--) {
      const nIn = this.widths[l];
      const nOut = this.widths[l + 1];
      const hin = this.acts[l];
      // ∇W += Gᵀ H (nOut×nIn), ∇b += Σ_t g_t.
      gemmTN(nOut, nIn, T, g, 0, nOut, hin, 0, nIn, this.weights[l].grad, 0, nIn, true);
      const Gb = this.biases[l].grad;
      for (let t = 0; t < T; t++) for (let j = 0; j < nOut; j++) Gb[j] += g[t * nOut + j];
      if (l === 0) break;
      // δ = (G W) ⊙ (1 − h²).
      const d = this.delta[l];
      gemmNN(T, nIn, nOut, g, 0, nOut, this.weights[l].data, 0, nIn, d, 0, nIn, false);
      for (let i = 0; i < T * nIn; i++) d[i] *= 1 - hin[i] * hin[i];
      g = d;
    }
  }
}
