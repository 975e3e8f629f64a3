import { gemmNN, gemmTN } from "../factor/gemm.js";
import type { Optimizer, OptimizerState } from "../optim/optimizer.js";
import { checkLearningRate, uniqueNames } from "../optim/optimizer.js";
import type { Parameter } from "../optim/parameter.js";
import { spdInverseInto } from "./kfac-linalg.js";
import { isKroneckerFactored, type KroneckerBlock, type KroneckerStatistics } from "./kfac-statistics.js";
import type { Layer } from "./layer.js";
import { Sequential } from "./sequential.js";

export interface KfacOptions {
  /** Step size η (the largest step; the KL clip may shorten it). Finite, > 0. */
  lr: number;
  /** Tikhonov damping λ > 0 of the Kronecker-factored Fisher (split between the factors, docs/kfac.md). Default 0.01. */
  damping?: number;
  /** Decay ε ∈ [0, 1) of the running factor estimates: A ← ε A + (1 − ε) Â. Default 0.95. */
  statDecay?: number;
  /** Recompute the damped inverses every k ≥ 1 steps (on steps 1, k + 1, 2k + 1, …). Default 10. */
  inverseEvery?: number;
  /**
   * ACKTR's trust region δ > 0: the step is scaled by ν = min(1, √(2δ / (η² gᵀΔ))) so the predicted
   * KL divergence ½ (ηνΔ)ᵀ F (ηνΔ) stays ≤ δ. null: no clipping. Default 0.001.
   */
  klClip?: number | null;
  /** Momentum μ ∈ [0, 1) on the (clipped) preconditioned direction. Default 0. */
  momentum?: number;
  /** L2 weight decay w ≥ 0 added to every gradient, g ← g + w θ. Default 0. */
  weightDecay?: number;
}

/** Per-block state: running factors A (in′×in′, in′ = in + 1 with a bias) and G (out×out), and their damped inverses. */
interface BlockState {
  readonly block: KroneckerBlock;
  readonly key: string;
  readonly inDim: number;
  readonly A: Float64Array;
  readonly G: Float64Array;
  readonly Ainv: Float64Array;
  readonly Ginv: Float64Array;
  /** Whether A and G hold an estimate yet (the first batch sets them, later ones decay into them). */
  seen: boolean;
  /** Whether Ainv and Ginv hold inverses yet. */
  inverted: boolean;
}

/**
 * K-FAC (Martens & Grosse 2015; for convolutions Grosse & Martens 2016; in ACKTR, Wu et al. 2017), the
 * derivation in docs/kfac.md. Each linear map s = W a (+ b) inside the network (a {@link KroneckerBlock}:
 * dense layers, the two factors of a low-rank layer, conv kernels, each factor and the core of a
 * Tucker regression layer) gets the Fisher block F ≈ A ⊗ G with, over a batch of B samples and T
 * positions per sample,
 *   A = (1/(B·T)) Σ a′ a′ᵀ  (a′ = [a; 1] with a bias),   G = (1/B) Σ (B g)(B g)ᵀ,
 * g = ∂J/∂s for the batch-MEAN loss J of the backward pass that {@link updateStatistics} reads (so
 * B g is the per-sample gradient). Factors are running averages; every `inverseEvery` steps their
 * damped inverses are refreshed with the factored Tikhonov damping
 *   A_λ = A + π√λ I,  G_λ = G + (√λ/π) I,  π = √((tr A / dim A) / (tr G / dim G)),
 * and the direction of block [W b] is Δ = G_λ⁻¹ [∇W ∇b] A_λ⁻¹. Parameters in no block keep their
 * gradient as direction. The step θ ← θ − η ν Δ (with momentum, if set) uses ACKTR's KL clip ν.
 *
 * Use: forward; backward of the loss whose curvature to estimate (the model's sampled Fisher loss,
 * or the training loss for the empirical Fisher); `updateStatistics(batch)`; zero the gradients;
 * backward of the training loss; `step()`.
 */
export class Kfac implements Optimizer {
  readonly params: readonly Parameter[];
  lr: number;
  readonly damping: number;
  readonly statDecay: number;
  readonly inverseEvery: number;
  readonly klClip: number | null;
  readonly momentum: number;
  readonly weightDecay: number;
  /** ν of the last step (1 when unclipped). */
  lastScale = 1;
  private t = 0;
  private readonly layers: readonly Layer[];
  private readonly blocks: BlockState[];
  private readonly byWeight = new Map<Parameter, BlockState>();
  private readonly covered = new Set<Parameter>();
  private readonly direction: Float64Array[];
  private readonly momentumBuffers: Float64Array[];

  constructor(network: Layer | readonly Layer[], options: KfacOptions, params?: readonly Parameter[]) {
    checkLearningRate(options.lr, "K-FAC");
    this.lr = options.lr;
    this.damping = options.damping ?? 0.01;
    this.statDecay = options.statDecay ?? 0.95;
    this.inverseEvery = options.inverseEvery ?? 10;
    this.klClip = options.klClip === undefined ? 0.001 : options.klClip;
    this.momentum = options.momentum ?? 0;
    this.weightDecay = options.weightDecay ?? 0;
    if (!(Number.isFinite(this.damping) && this.damping > 0))
      throw new RangeError(`K-FAC: damping must be a finite number > 0, got ${this.damping}`);
    if (!(this.statDecay >= 0 && this.statDecay < 1))
      throw new RangeError(`K-FAC: statDecay must be in [0, 1), got ${this.statDecay}`);
    if (!(Number.isInteger(this.inverseEvery) && this.inverseEvery >= 1))
      throw new RangeError(`K-FAC: inverseEvery must be an integer >= 1, got ${this.inverseEvery}`);
    if (this.klClip !== null && !(Number.isFinite(this.klClip) && this.klClip > 0))
      throw new RangeError(`K-FAC: klClip must be a finite number > 0 or null, got ${this.klClip}`);
    if (!(this.momentum >= 0 && this.momentum < 1))
      throw new RangeError(`K-FAC: momentum must be in [0, 1), got ${this.momentum}`);
    if (!(Number.isFinite(this.weightDecay) && this.weightDecay >= 0))
      throw new RangeError(`K-FAC: weightDecay must be a finite number >= 0, got ${this.weightDecay}`);
    this.layers = flattenLayers(Array.isArray(network) ? network : [network as Layer]);
    this.params = params ?? this.layers.flatMap((l) => [...l.parameters]);
    uniqueNames(this.params, "K-FAC");
    const inParams = new Set(this.params);
    this.blocks = [];
    for (const layer of this.layers) {
      if (!isKroneckerFactored(layer)) continue;
      for (const block of layer.kroneckerBlocks()) {
        if (!inParams.has(block.weight) || (block.bias !== null && !inParams.has(block.bias))) continue;
        const inDim = block.inDim + (block.bias ? 1 : 0);
        const state: BlockState = {
          block,
          key: `kfac:${block.weight.name}`,
          inDim,
          A: new Float64Array(inDim * inDim),
          G: new Float64Array(block.outDim * block.outDim),
          Ainv: new Float64Array(inDim * inDim),
          Ginv: new Float64Array(block.outDim * block.outDim),
          seen: false,
          inverted: false,
        };
        this.blocks.push(state);
        this.byWeight.set(block.weight, state);
        this.covered.add(block.weight);
        if (block.bias) this.covered.add(block.bias);
      }
    }
    this.direction = this.params.map((p) => new Float64Array(p.data.length));
    this.momentumBuffers = this.params.map((p) => new Float64Array(p.data.length));
  }

  get stepCount(): number {
    return this.t;
  }

  /** The blocks this optimizer preconditions (the others' parameters step along their gradient). */
  get kroneckerBlocks(): readonly KroneckerBlock[] {
    return this.blocks.map((b) => b.block);
  }

  /** Current running factors of the block whose weight is called `weightName` (copies). */
  factors(weightName: string): { A: Float64Array; G: Float64Array } {
    const b = this.blocks.find((s) => s.block.weight.name === weightName);
    if (!b) throw new Error(`K-FAC: no block for weight "${weightName}"`);
    return { A: Float64Array.from(b.A), G: Float64Array.from(b.G) };
  }

  /**
   * Folds the statistics of the last forward/backward at `batch` into the running factors. The
   * backward must be of a batch-mean loss (see the class comment).
   */
  updateStatistics(batch: number): void {
    if (!(Number.isInteger(batch) && batch >= 1))
      throw new RangeError(`K-FAC: batch must be an integer >= 1, got ${batch}`);
    for (const layer of this.layers) {
      if (!isKroneckerFactored(layer)) continue;
      for (const stats of layer.kroneckerStatistics(batch)) {
        const state = this.byWeight.get(stats.weight);
        if (state) this.accumulate(state, stats, batch);
      }
    }
  }

  private accumulate(state: BlockState, s: KroneckerStatistics, batch: number): void {
    const { inDim: n } = state;
    const { inDim: m, outDim: o, rows } = s;
    const aHat = new Float64Array(n * n);
    // Â = (1/rows) Σ a′a′ᵀ: the a-block by one product, the bias row/column as means, corner 1.
    gemmTN(m, m, rows, s.activations, 0, m, s.activations, 0, m, aHat, 0, n, false, "f64");
    for (let i = 0; i < m; i++) for (let j = 0; j < m; j++) aHat[i * n + j] /= rows;
    if (n > m) {
      for (let i = 0; i < m; i++) {
        let sum = 0;
        for (let r = 0; r < rows; r++) sum += s.activations[r * m + i];
        aHat[i * n + m] = sum / rows;
        aHat[m * n + i] = sum / rows;
      }
      aHat[m * n + m] = 1;
    }
    // Ĝ = (1/B) Σ (B g)(B g)ᵀ = B Σ g gᵀ.
    const gHat = new Float64Array(o * o);
    gemmTN(o, o, rows, s.outputGrads, 0, o, s.outputGrads, 0, o, gHat, 0, o, false, "f64");
    for (let i = 0; i < o * o; i++) gHat[i] *= batch;
    if (!state.seen) {
      state.A.set(aHat);
      state.G.set(gHat);
      state.seen = true;
      return;
    }
    const e = this.statDecay;
    for (let i = 0; i < state.A.length; i++) state.A[i] = e * state.A[i] + (1 - e) * aHat[i];
    for (let i = 0; i < state.G.length; i++) state.G[i] = e * state.G[i] + (1 - e) * gHat[i];
  }

  /** Recomputes every block's damped inverses from the current factors. */
  refreshInverses(): void {
    const sqrtLambda = Math.sqrt(this.damping);
    for (const b of this.blocks) {
      if (!b.seen)
        throw new Error(`K-FAC: no statistics for ${b.block.weight.name}; call updateStatistics before step`);
      const n = b.inDim;
      const o = b.block.outDim;
      let trA = 0;
      for (let i = 0; i < n; i++) trA += b.A[i * n + i];
      let trG = 0;
      for (let i = 0; i < o; i++) trG += b.G[i * o + i];
      const pi = trA > 0 && trG > 0 ? Math.sqrt(trA / n / (trG / o)) : 1;
      const Ad = Float64Array.from(b.A);
      for (let i = 0; i < n; i++) Ad[i * n + i] += pi * sqrtLambda;
      const Gd = Float64Array.from(b.G);
      for (let i = 0; i < o; i++) Gd[i * o + i] += sqrtLambda / pi;
      spdInverseInto(Ad, n, b.Ainv, `K-FAC ${b.block.weight.name} A`);
      spdInverseInto(Gd, o, b.Ginv, `K-FAC ${b.block.weight.name} G`);
      b.inverted = true;
    }
  }

  step(): void {
    this.t += 1;
    if ((this.t - 1) % this.inverseEvery === 0 || this.blocks.some((b) => !b.inverted))
      this.refreshInverses();
    const wd = this.weightDecay;
    // Uncovered parameters: Δ = g (+ wθ).
    this.params.forEach((p, q) => {
      if (this.covered.has(p)) return;
      const d = this.direction[q];
      for (let i = 0; i < d.length; i++) d[i] = p.grad[i] + wd * p.data[i];
    });
    const index = new Map(this.params.map((p, q) => [p, q]));
    for (const b of this.blocks) this.precondition(b, index);
    // gᵀΔ = Δᵀ F_λ Δ, the squared Fisher norm of the direction.
    let quad = 0;
    this.params.forEach((p, q) => {
      const d = this.direction[q];
      for (let i = 0; i < d.length; i++) quad += d[i] * (p.grad[i] + wd * p.data[i]);
    });
    let nu = 1;
    if (this.klClip !== null && quad > 0 && Number.isFinite(quad))
      nu = Math.min(1, Math.sqrt((2 * this.klClip) / (this.lr * this.lr * quad)));
    this.lastScale = nu;
    const mu = this.momentum;
    this.params.forEach((p, q) => {
      const d = this.direction[q];
      const buf = this.momentumBuffers[q];
      const first = this.t === 1;
      for (let i = 0; i < d.length; i++) {
        const v = mu === 0 || first ? nu * d[i] : mu * buf[i] + nu * d[i];
        buf[i] = v;
        p.data[i] -= this.lr * v;
      }
    });
  }

  /** Δ = G_λ⁻¹ V A_λ⁻¹ with V = [∇W ∇b] (+ w[W b]) as out × in′, written into the directions. */
  private precondition(b: BlockState, index: Map<Parameter, number>): void {
    const { weight, bias, layout, outDim: o, inDim: m } = b.block;
    const n = b.inDim;
    const wd = this.weightDecay;
    const V = new Float64Array(o * n);
    const W = weight.data;
    const gW = weight.grad;
    for (let r = 0; r < o; r++) {
      for (let c = 0; c < m; c++) {
        const k = layout === "outIn" ? r * m + c : c * o + r;
        V[r * n + c] = gW[k] + wd * W[k];
      }
      if (bias) V[r * n + m] = bias.grad[r] + wd * bias.data[r];
    }
    const tmp = new Float64Array(o * n);
    gemmNN(o, n, o, b.Ginv, 0, o, V, 0, n, tmp, 0, n, false, "f64");
    gemmNN(o, n, n, tmp, 0, n, b.Ainv, 0, n, V, 0, n, false, "f64");
    const dW = this.direction[index.get(weight)!];
    for (let r = 0; r < o; r++)
      for (let c = 0; c < m; c++) dW[layout === "outIn" ? r * m + c : c * o + r] = V[r * n + c];
    if (bias) {
      const dB = this.direction[index.get(bias)!];
      for (let r = 0; r < o; r++) dB[r] = V[r * n + m];
    }
  }

  zeroGrad(): void {
    for (const p of this.params) p.grad.fill(0);
  }

  /**
   * Everything a resumed run needs to continue bit-identically: the step count, each parameter's
   * momentum buffer, and each block's factors, inverses and flags (`kfac:<weight name>` entries).
   */
  getState(): OptimizerState {
    const buffers: Record<string, Record<string, number[]>> = {};
    this.params.forEach((p, q) => {
      buffers[p.name] = { momentum_buffer: Array.from(this.momentumBuffers[q]) };
    });
    for (const b of this.blocks) {
      buffers[b.key] = {
        A: Array.from(b.A),
        G: Array.from(b.G),
        Ainv: Array.from(b.Ainv),
        Ginv: Array.from(b.Ginv),
        flags: [b.seen ? 1 : 0, b.inverted ? 1 : 0],
      };
    }
    return { kind: "kfac", step: this.t, buffers };
  }

  setState(state: OptimizerState): void {
    if (state === null || typeof state !== "object")
      throw new TypeError(`K-FAC.setState: state must be an object, got ${String(state)}`);
    if (state.kind !== "kfac") throw new Error(`K-FAC.setState: expected kind "kfac", got "${state.kind}"`);
    if (!Number.isInteger(state.step) || state.step < 0)
      throw new RangeError(`K-FAC.setState: step must be an integer >= 0, got ${state.step}`);
    const need = (key: string, name: string, length: number): number[] => {
      const saved = state.buffers?.[key]?.[name];
      if (!Array.isArray(saved) || saved.length !== length)
        throw new RangeError(
          `K-FAC.setState: buffer ${name} of "${key}" is missing or not of length ${length}`,
        );
      for (const v of saved)
        if (typeof v !== "number" || !Number.isFinite(v))
          throw new RangeError(
            `K-FAC.setState: buffer ${name} of "${key}" has a non-finite entry ${String(v)}`,
          );
      return saved;
    };
    // Validate everything before restoring anything.
    const moms = this.params.map((p) => need(p.name, "momentum_buffer", p.data.length));
    const blocks = this.blocks.map((b) => ({
      A: need(b.key, "A", b.A.length),
      G: need(b.key, "G", b.G.length),
      Ainv: need(b.key, "Ainv", b.Ainv.length),
      Ginv: need(b.key, "Ginv", b.Ginv.length),
      flags: need(b.key, "flags", 2),
    }));
    moms.forEach((m, q) => this.momentumBuffers[q].set(m));
    blocks.forEach((s, i) => {
      const b = this.blocks[i];
      b.A.set(s.A);
      b.G.set(s.G);
      b.Ainv.set(s.Ainv);
      b.Ginv.set(s.Ginv);
      b.seen = s.flags[0] === 1;
      b.inverted = s.flags[1] === 1;
    });
    this.t = state.step;
  }
}

/** Sequential containers replaced by their layers, recursively. */
function flattenLayers(layers: readonly Layer[]): Layer[] {
  return layers.flatMap((l) => (l instanceof Sequential ? flattenLayers(l.layers) : [l]));
}
