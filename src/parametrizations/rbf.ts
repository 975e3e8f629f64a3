import { makeParameter, type Parameter } from "../optim/parameter.js";
import type { Rng } from "../random/rng.js";
import type { BatchKeeping, StateDictEntry } from "./parametrization.js";
import { RBF_BACKWARD_ROWS, RBF_FORWARD_ROWS, RbfKernels } from "./rbf-wasm.js";

export interface RbfOptions {
  /** K, number of radial features (the tensor-low-rank reference's pendulum: 300). */
  features: number;
  /** D, outputs per state (default 1). */
  outputs?: number;
  /** γ in φ_k(s) = exp(−γ‖s − c_k‖²) (default 1, the reference's unit bandwidth). */
  gamma?: number;
  /**
   * Whether a one-output layer keeps φ in WebAssembly memory and runs its batch forward and
   * backward on the f64x2 kernels of rbf-wasm.ts (bit-identical to the scalar loops) where the
   * runtime has them. Default true; false keeps the scalar loops.
   */
  kernels?: boolean;
}

/**
 * Radial-basis-function baseline of the tensor-low-rank reference (docs/trpo.md §7):
 *
 *   φ_k(s) = exp(−γ‖s − c_k‖²),  k = 0 … K−1,   z(s) = W φ(s) + b,
 *
 * with fixed centres c_k ~ N(0, I) (drawn once from the run's generator, never trained) and a
 * learned linear layer W ∈ ℝ^{D×K}, b ∈ ℝ^D (state-dict names `<prefix>.linear.weight`,
 * `<prefix>.linear.bias`; the centres are not in the state dict, as in the reference).
 *
 * Backward for upstream g_t = ∂J/∂z_t: ∇W = Σ_t g_t φ(s_t)ᵀ, ∇b = Σ_t g_t (φ does not depend on θ).
 */
export class RbfFeatures implements BatchKeeping {
  readonly inputDim: number;
  readonly outputDim: number;
  readonly features: number;
  readonly gamma: number;
  /** K×S, row k = c_k. */
  readonly centres: Float64Array;
  readonly weight: Parameter;
  readonly bias: Parameter;
  /** φ of the last batch, T×K. */
  private phi = new Float64Array(0);
  private batch = 0;
  /** The states φ was computed from. */
  private keptStates = new Float64Array(0);
  private readonly one: Float64Array;
  /** The f64x2 kernels (one output), or null. */
  private readonly kernels: RbfKernels | null;

  constructor(inputDim: number, options: RbfOptions, prefix: string) {
    const K = options.features;
    const D = options.outputs ?? 1;
    const gamma = options.gamma ?? 1;
    if (!Number.isInteger(inputDim) || inputDim < 1)
      throw new RangeError(`RbfFeatures: inputDim must be an integer >= 1, got ${inputDim}`);
    if (!Number.isInteger(K) || K < 1 || K > 1_000_000)
      throw new RangeError(`RbfFeatures: features must be an integer in [1, 1000000], got ${K}`);
    if (!Number.isInteger(D) || D < 1)
      throw new RangeError(`RbfFeatures: outputs must be an integer >= 1, got ${D}`);
    if (!(Number.isFinite(gamma) && gamma > 0))
      throw new RangeError(`RbfFeatures: gamma must be a finite number > 0, got ${gamma}`);
    this.inputDim = inputDim;
    this.outputDim = D;
    this.features = K;
    this.gamma = gamma;
    this.centres = new Float64Array(K * inputDim);
    this.weight = makeParameter(`${prefix}.linear.weight`, [D, K]);
    this.bias = makeParameter(`${prefix}.linear.bias`, [D]);
    this.one = new Float64Array(K);
    this.kernels = D === 1 && options.kernels !== false ? RbfKernels.create(K, inputDim) : null;
  }

  get parameters(): Parameter[] {
    return [this.weight, this.bias];
  }

  get parameterCount(): number {
    return this.outputDim * (this.features + 1);
  }

  /**
   * The reference's construction order: centres c ~ N(0, 1) (row-major K×S), then PyTorch's
   * default `nn.Linear` init, W and b ~ U(−1/√K, 1/√K).
   */
  init(rng: Rng): void {
    rng.fillNormal(this.centres);
    const bound = 1 / Math.sqrt(this.features);
    for (const p of [this.weight, this.bias])
      for (let i = 0; i < p.data.length; i++) p.data[i] = -bound + 2 * bound * rng.uniform();
  }

  stateDictEntries(): StateDictEntry[] {
    return this.parameters.map((param) => ({ key: param.name, param, transpose: false }));
  }

  /** φ(s) for the state at x[offset …] into out[outOffset … + K − 1]. */
  featuresOf(x: ArrayLike<number>, offset: number, out: Float64Array, outOffset = 0): void {
    const S = this.inputDim;
    const C = this.centres;
    const g = this.gamma;
    for (let k = 0; k < this.features; k++) {
      let d2 = 0;
      for (let s = 0; s < S; s++) {
        const d = x[offset + s] - C[k * S + s];
        d2 += d * d;
      }
      out[outOffset + k] = Math.exp(-g * d2);
    }
  }

  private linear(phi: Float64Array, phiOffset: number, out: Float64Array, outOffset: number): void {
    const K = this.features;
    const W = this.weight.data;
    for (let d = 0; d < this.outputDim; d++) {
      let y = 0;
      const o = d * K;
      for (let k = 0; k < K; k++) y += W[o + k] * phi[phiOffset + k];
      out[outOffset + d] = y + this.bias.data[d];
    }
  }

  forwardOne(state: ArrayLike<number>, out: Float64Array, outOffset = 0): void {
    const k = this.kernels;
    if (k !== null) {
      // φ by the f64x2 kernel (the same numbers as featuresOf)
      k.featuresOne(state, 0, this.centres, this.gamma);
      this.linear(k.row, 0, out, outOffset);
      return;
    }
    this.featuresOf(state, 0, this.one, 0);
    this.linear(this.one, 0, out, outOffset);
  }

  /**
   * Computes φ for the first T states (kept for backward). φ does not depend on the parameters,
   * so when the states equal the last batch's (same T, same numbers) the kept φ is reused: the
   * critic's L-BFGS and the actor's epochs re-evaluate one batch many times.
   */
  keepBatch(states: Float64Array, T: number): void {
    const K = this.features;
    const n = T * this.inputDim;
    let moved = false;
    const k = this.kernels;
    if (k !== null && k.reserve(T)) {
      moved = this.phi !== k.phi;
      this.phi = k.phi;
    } else if (this.phi.length < T * K || (k !== null && this.phi === k.phi)) {
      this.phi = new Float64Array(Math.max(T * K, 2 * this.phi.length));
      moved = true;
    }
    let same = !moved && this.batch === T && this.keptStates.length >= n;
    for (let i = 0; same && i < n; i++) if (!Object.is(this.keptStates[i], states[i])) same = false;
    if (same) return;
    if (this.keptStates.length < n)
      this.keptStates = new Float64Array(Math.max(n, 2 * this.keptStates.length));
    this.keptStates.set(states.subarray(0, n));
    if (k !== null && this.phi === k.phi) k.featureRows(states, T, this.centres, this.gamma);
    else for (let t = 0; t < T; t++) this.featuresOf(states, t * this.inputDim, this.phi, t * K);
    this.batch = T;
  }

  forwardBatch(states: Float64Array, T: number, out: Float64Array): void {
    this.keepBatch(states, T);
    if (this.outputDim !== 1) {
      for (let t = 0; t < T; t++) this.linear(this.phi, t * this.features, out, t * this.outputDim);
      return;
    }
    // four states at a time: each z_t still sums W[k]·φ_t,k over k from 0, then adds b
    const K = this.features;
    const W = this.weight.data;
    const b = this.bias.data[0];
    const phi = this.phi;
    let t = 0;
    const kernels = this.kernels;
    if (kernels !== null && phi === kernels.phi) {
      t = T - (T % RBF_FORWARD_ROWS);
      kernels.forward(W, t, out);
      for (let i = 0; i < t; i++) out[i] = out[i] + b;
    }
    for (; t + 4 <= T; t += 4) {
      const p0 = t * K;
      const p1 = p0 + K;
      const p2 = p1 + K;
      const p3 = p2 + K;
      let y0 = 0;
      let y1 = 0;
      let y2 = 0;
      let y3 = 0;
      for (let k = 0; k < K; k++) {
        const w = W[k];
        y0 += w * phi[p0 + k];
        y1 += w * phi[p1 + k];
        y2 += w * phi[p2 + k];
        y3 += w * phi[p3 + k];
      }
      out[t] = y0 + b;
      out[t + 1] = y1 + b;
      out[t + 2] = y2 + b;
      out[t + 3] = y3 + b;
    }
    for (; t < T; t++) this.linear(phi, t * K, out, t);
  }

  /**
   * The rows ∂z_t/∂θ of the first T states (one output; θ = [W, b] flattened) in sparse form:
   * row t holds K + 1 entries at cols[t·(K+1) …] = 0 … K with the values {@link backwardBatch}
   * adds for g_t = 1 into zeroed gradients, [φ(s_t), 1]. Returns K + 1; keeps the batch as
   * {@link forwardBatch} does (reusing φ when the states are the last batch's). Throws for D > 1.
   */
  sparseJacobianRows(states: Float64Array, T: number, cols: Int32Array, vals: Float64Array): number {
    if (this.outputDim !== 1) throw new RangeError("RbfFeatures.sparseJacobianRows: needs one output");
    const K = this.features;
    const nnz = K + 1;
    if (cols.length < T * nnz || vals.length < T * nnz)
      throw new RangeError(`RbfFeatures.sparseJacobianRows: cols and vals must hold >= ${T * nnz} entries`);
    this.keepBatch(states, T);
    const phi = this.phi;
    for (let t = 0; t < T; t++) {
      const row = t * nnz;
      for (let k = 0; k < K; k++) {
        cols[row + k] = k;
        vals[row + k] = 0 + 1 * phi[t * K + k];
      }
      cols[row + K] = K;
      vals[row + K] = 1;
    }
    return nnz;
  }

  backwardBatch(gradZ: Float64Array): void {
    const K = this.features;
    const D = this.outputDim;
    const gW = this.weight.grad;
    const gb = this.bias.grad;
    const phi = this.phi;
    let t0 = 0;
    const kernels = this.kernels;
    if (D === 1 && kernels !== null && phi === kernels.phi) {
      // ∇b as the loops below add it; ∇W by the kernels, in the same groups and order
      const rows = this.batch - (this.batch % RBF_BACKWARD_ROWS);
      for (let t = 0; t < rows; t += 4) {
        const g0 = gradZ[t];
        const g1 = gradZ[t + 1];
        const g2 = gradZ[t + 2];
        const g3 = gradZ[t + 3];
        if (g0 === 0 || g1 === 0 || g2 === 0 || g3 === 0) {
          for (let i = t; i < t + 4; i++) if (gradZ[i] !== 0) gb[0] += gradZ[i];
          continue;
        }
        gb[0] += g0;
        gb[0] += g1;
        gb[0] += g2;
        gb[0] += g3;
      }
      kernels.backward(gradZ, rows, gW);
      t0 = rows;
    } else if (D === 1) {
      // four states at a time where none has g = 0: each ∇W_k still adds g_t·φ_t,k in t order
      for (; t0 + 4 <= this.batch; t0 += 4) {
        const g0 = gradZ[t0];
        const g1 = gradZ[t0 + 1];
        const g2 = gradZ[t0 + 2];
        const g3 = gradZ[t0 + 3];
        if (g0 === 0 || g1 === 0 || g2 === 0 || g3 === 0) {
          this.backwardRows(gradZ, t0, t0 + 4);
          continue;
        }
        gb[0] += g0;
        gb[0] += g1;
        gb[0] += g2;
        gb[0] += g3;
        const p0 = t0 * K;
        const p1 = p0 + K;
        const p2 = p1 + K;
        const p3 = p2 + K;
        for (let k = 0; k < K; k++)
          gW[k] = gW[k] + g0 * phi[p0 + k] + g1 * phi[p1 + k] + g2 * phi[p2 + k] + g3 * phi[p3 + k];
      }
    }
    this.backwardRows(gradZ, t0, this.batch);
  }

  /** {@link backwardBatch} for the kept states t0 … t1 − 1, one at a time. */
  private backwardRows(gradZ: Float64Array, t0: number, t1: number): void {
    const K = this.features;
    const D = this.outputDim;
    const gW = this.weight.grad;
    const gb = this.bias.grad;
    const phi = this.phi;
    for (let t = t0; t < t1; t++) {
      for (let d = 0; d < D; d++) {
        const g = gradZ[t * D + d];
        if (g === 0) continue;
        gb[d] += g;
        const o = d * K;
        const p = t * K;
        for (let k = 0; k < K; k++) gW[o + k] += g * phi[p + k];
      }
    }
  }
}
