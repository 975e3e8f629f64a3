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

  constructor(inputDim: number, hidden: readonly number[], outputDim: number, name: string) {
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
    this.ensure(1);
    this.batch = 0;
    this.run(state, 0, 0, out, outOffset);
  }

  forwardBatch(states: Float64Array, T: number, out: Float64Array): void {
    this.ensure(T);
    const S = this.inputDim;
    const D = this.outputDim;
    for (let t = 0; t < T; t++) this.run(states, t * S, t, out, t * D);
    this.batch = T;
  }

  /** Forward of one state into activation slot t and out[o …]. */
  private run(x: ArrayLike<number>, xo: number, t: number, out: Float64Array, o: number): void {
    const Lw = this.weights.length;
    const h0 = this.acts[0];
    const S = this.inputDim;
    for (let d = 0; d < S; d++) h0[t * S + d] = x[xo + d];
    for (let l = 0; l < Lw; l++) {
      const nIn = this.widths[l];
      const nOut = this.widths[l + 1];
      const W = this.weights[l].data;
      const b = this.biases[l].data;
      const hin = this.acts[l];
      const last = l === Lw - 1;
      const dst = last ? out : this.acts[l + 1];
      const base = last ? o : t * nOut;
      const ib = t * nIn;
      for (let j = 0; j < nOut; j++) {
        let s = b[j];
        const wr = j * nIn;
        for (let i = 0; i < nIn; i++) s += W[wr + i] * hin[ib + i];
        dst[base + j] = last ? s : Math.tanh(s);
      }
    }
  }

  backwardBatch(gradZ: Float64Array): void {
    const Lw = this.weights.length;
    const T = this.batch;
    for (let t = 0; t < T; t++) {
      let g: Float64Array = gradZ;
      let go = t * this.outputDim;
      for (let l = Lw - 1; l >= 0; l--) {
        const nIn = this.widths[l];
        const nOut = this.widths[l + 1];
        const W = this.weights[l].data;
        const GW = this.weights[l].grad;
        const Gb = this.biases[l].grad;
        const hin = this.acts[l];
        const ib = t * nIn;
        const dPrev = this.delta[l];
        if (l > 0) dPrev.fill(0, ib, ib + nIn);
        for (let j = 0; j < nOut; j++) {
          const gj = g[go + j];
          if (gj === 0) continue;
          Gb[j] += gj;
          const wr = j * nIn;
          for (let i = 0; i < nIn; i++) GW[wr + i] += gj * hin[ib + i];
          if (l > 0) for (let i = 0; i < nIn; i++) dPrev[ib + i] += gj * W[wr + i];
        }
        if (l > 0) {
          for (let i = 0; i < nIn; i++) {
            const h = hin[ib + i];
            dPrev[ib + i] *= 1 - h * h;
          }
          g = dPrev;
          go = ib;
        }
      }
    }
  }
}
