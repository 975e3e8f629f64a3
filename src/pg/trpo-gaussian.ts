import { LOG_SQRT_2PI, type GaussianHead } from "../heads/gaussian.js";
import type { Parameter } from "../optim/parameter.js";
import type { Parametrization } from "../parametrizations/parametrization.js";

/**
 * The Gaussian-policy pieces of TRPO (docs/trpo.md): a flat view θ = [actor parameters…, ρ] of a
 * parametrization μ = f_θ(s) and a Gaussian head with a state-independent ρ = log σ (clamped to
 * [lo, hi] when the head says so: ℓ = clamp(ρ)), the importance-weighted surrogate, the KL of two
 * diagonal Gaussians and the exact Fisher-vector product of that KL.
 */

/** The flat-parameter view TRPO works on: μ_t(θ), ℓ_t(θ) = log σ_t and their derivatives. */
export interface GaussianPolicyView {
  /** θ as tensors: the actor's parameters, then ρ. */
  readonly params: readonly Parameter[];
  /** P = number of scalars in θ. */
  readonly size: number;
  /** Index of ρ in the flat θ. */
  readonly logSigmaIndex: number;
  /** μ_t for the first T states of the flat T×S `states` into `mu`; keeps the batch for {@link backwardMu}. */
  forwardMu(states: Float64Array, T: number, mu: Float64Array): void;
  /**
   * {@link forwardMu} for states whose values are unchanged since the caller last passed this
   * array (the actor may skip re-checking them; the same numbers). Absent: use forwardMu.
   */
  forwardMuSame?: (states: Float64Array, T: number, mu: Float64Array) => void;
  /** ℓ = log σ (state-independent) at the current ρ. */
  logSigma(): number;
  /** dℓ/dρ: 1 inside the clamp range (ends included, as torch's clamp backward), else 0. */
  logSigmaSlope(): number;
  /** Adds Σ_t gMu_t ∂μ_t/∂θ into the actor parameters' grads (batch of the last {@link forwardMu}). */
  backwardMu(gMu: Float64Array): void;
  /** Tells the head its ρ changed (after θ was written). */
  refresh(): void;
  /**
   * The rows ∂μ_t/∂θ in sparse form (see {@link SparseJacobianSource}), when the actor provides
   * them; absent: {@link GaussianFisher} builds them with one forward and backward per state.
   */
  sparseJacobianRows?: SparseJacobianSource["sparseJacobianRows"];
  /** The entries per sparse row when known before writing them (buffers sized to T·n); absent: P − 1. */
  sparseRowEntries?: () => number;
}

/**
 * A parametrization that writes its Jacobian rows ∂z_t/∂θ (one output, θ its parameters
 * flattened in order) in sparse form: row t's entries at cols[t·n … t·n + n − 1] (ascending) with
 * exactly the values its backward adds for g_t = 1 into zeroed gradients; every other entry is 0.
 * Returns n, the entries per row.
 */
export interface SparseJacobianSource {
  sparseJacobianRows(states: Float64Array, T: number, cols: Int32Array, vals: Float64Array): number;
  /** The n that sparseJacobianRows returns, when known in advance. */
  sparseRowEntries?(): number;
}

function sparseSource(actor: Parametrization): SparseJacobianSource | null {
  const a = actor as Parametrization & Partial<SparseJacobianSource>;
  if (typeof a.sparseJacobianRows !== "function") return null;
  // the CP grid has it without an output mode only
  if ((actor as { hasOutputMode?: boolean }).hasOutputMode === true) return null;
  return a as SparseJacobianSource;
}

export interface GaussianPolicyViewOptions {
  /** Clamp of ℓ = log σ, [lo, hi] (default: the head's own clamp when it has one, else none). */
  logSigmaRange?: readonly [number, number] | null;
}

/** The head's log σ clamp when it exposes one (`logSigmaRange` or `logSigmaClamp`), else null. */
function headRange(head: GaussianHead): readonly [number, number] | null {
  const h = head as unknown as {
    logSigmaRange?: readonly [number, number] | null;
    logSigmaClamp?: readonly [number, number] | null;
  };
  return h.logSigmaRange ?? h.logSigmaClamp ?? null;
}

/**
 * The TRPO view of `actor` (one output per state, μ = z) × `head` (scalar σ = exp(clamp(ρ))).
 * Throws for a state-dependent σ or a sigmoid mean (not part of the TRPO policies here).
 */
export function gaussianPolicyView(
  actor: Parametrization,
  head: GaussianHead,
  options: GaussianPolicyViewOptions = {},
): GaussianPolicyView {
  if (actor.outputDim !== 1)
    throw new RangeError(`TRPO: the actor must have 1 output per state (μ), got ${actor.outputDim}`);
  if (head.logSigma === null || head.sigmoidMean)
    throw new RangeError("TRPO: the Gaussian head must have a scalar log σ and μ = z (no sigmoid mean)");
  const rho = head.logSigma;
  const range = options.logSigmaRange !== undefined ? options.logSigmaRange : headRange(head);
  if (range && !(range[0] <= range[1]))
    throw new RangeError(`TRPO: logSigmaRange must be [lo, hi] with lo <= hi, got [${range}]`);
  const lo = range ? range[0] : -Infinity;
  const hi = range ? range[1] : Infinity;
  const params = [...actor.parameters, rho];
  const sparse = sparseSource(actor);
  const same = actor as Parametrization & {
    forwardSameBatch?: (states: Float64Array, T: number, out: Float64Array) => void;
  };
  let size = 0;
  for (const p of params) size += p.data.length;
  return {
    params,
    size,
    logSigmaIndex: size - 1,
    forwardMu: (states, T, mu) => actor.forwardBatch(states, T, mu),
    ...(typeof same?.forwardSameBatch === "function"
      ? {
          forwardMuSame: (states: Float64Array, T: number, mu: Float64Array) =>
            same.forwardSameBatch!(states, T, mu),
        }
      : {}),
    logSigma: () => {
      const r = rho.data[0];
      return r < lo ? lo : r > hi ? hi : r;
    },
    logSigmaSlope: () => {
      const r = rho.data[0];
      return r >= lo && r <= hi ? 1 : 0;
    },
    backwardMu: (gMu) => actor.backwardBatch(gMu),
    refresh: () => head.refresh(),
    ...(sparse
      ? {
          sparseJacobianRows: (states: Float64Array, T: number, cols: Int32Array, vals: Float64Array) =>
            sparse.sparseJacobianRows(states, T, cols, vals),
          ...(typeof sparse.sparseRowEntries === "function"
            ? { sparseRowEntries: () => sparse.sparseRowEntries!() }
            : {}),
        }
      : {}),
  };
}

/** θ flattened into `out` (length P) in the view's order. */
export function readFlat(params: readonly Parameter[], out: Float64Array): Float64Array {
  let o = 0;
  for (const p of params) {
    out.set(p.data, o);
    o += p.data.length;
  }
  return out;
}

/** Writes the flat θ back into the tensors. */
export function writeFlat(params: readonly Parameter[], flat: Float64Array): void {
  let o = 0;
  for (const p of params) {
    p.data.set(flat.subarray(o, o + p.data.length));
    o += p.data.length;
  }
}

/** The tensors' grads flattened into `out`. */
export function readFlatGrad(params: readonly Parameter[], out: Float64Array): Float64Array {
  let o = 0;
  for (const p of params) {
    out.set(p.grad, o);
    o += p.grad.length;
  }
  return out;
}

/**
 * KL(N(μ₀, σ₀²) ‖ N(μ₁, σ₁²)) = ℓ₁ − ℓ₀ + (σ₀² + (μ₀ − μ₁)²)/(2σ₁²) − ½ for one action dimension
 * (ℓ = log σ); a diagonal Gaussian's KL is the sum over dimensions.
 */
export function gaussianKl(mu0: number, logSigma0: number, mu1: number, logSigma1: number): number {
  const s0 = Math.exp(logSigma0);
  const s1 = Math.exp(logSigma1);
  const d = mu0 - mu1;
  return logSigma1 - logSigma0 + (s0 * s0 + d * d) / (2 * s1 * s1) - 0.5;
}

/**
 * ∂KL/∂μ₁ = (μ₁ − μ₀)/σ₁² and ∂KL/∂ℓ₁ = 1 − (σ₀² + (μ₀ − μ₁)²)/σ₁², the KL of {@link gaussianKl}
 * differentiated in the second (new) distribution.
 */
export function gaussianKlGrad(
  mu0: number,
  logSigma0: number,
  mu1: number,
  logSigma1: number,
): { mu: number; logSigma: number } {
  const s0 = Math.exp(logSigma0);
  const v1 = Math.exp(2 * logSigma1);
  const d = mu0 - mu1;
  return { mu: -d / v1, logSigma: 1 - (s0 * s0 + d * d) / v1 };
}

/** Mean over T states of KL(π_old(·|s_t) ‖ π_θ(·|s_t)) for old means μ⁰ and log σ ℓ⁰ (shared ℓ). */
export function meanGaussianKl(
  muOld: ArrayLike<number>,
  logSigmaOld: number,
  mu: ArrayLike<number>,
  logSigma: number,
  T: number,
): number {
  let s = 0;
  for (let t = 0; t < T; t++) s += gaussianKl(muOld[t], logSigmaOld, mu[t], logSigma);
  return s / T;
}

/** The batch TRPO optimizes over: states (T×S), actions, advantages Â_t and the sampling log-probs. */
export interface TrpoBatch {
  states: Float64Array;
  actions: Float64Array;
  advantages: Float64Array;
  /** log π_old(a_t|s_t); null: evaluated at the current θ (the reference's policy_old = policy). */
  logProbOld: Float64Array | null;
  T: number;
}

/**
 * The surrogate loss f(θ) = −(1/T) Σ_t r_t Â_t with r_t = exp(log π_θ(a_t|s_t) − log π_old(a_t|s_t))
 * (TRPO maximizes L = −f). For μ_t, ℓ computed at θ, writes into `gMu` ∂f/∂μ_t and returns ∂f/∂ℓ:
 *   ∂f/∂μ_t = −(1/T) r_t Â_t (a_t − μ_t)/σ²,   ∂f/∂ℓ = −(1/T) Σ_t r_t Â_t ((a_t − μ_t)²/σ² − 1).
 */
export function surrogateLoss(
  mu: ArrayLike<number>,
  logSigma: number,
  batch: TrpoBatch,
  logProbOld: ArrayLike<number>,
  gMu: Float64Array | null,
): { loss: number; gradLogSigma: number } {
  const { actions, advantages, T } = batch;
  const sigma = Math.exp(logSigma);
  const variance = sigma * sigma;
  // gaussianLogProbSigma(a, μ, σ)'s per-step constants, once (the same numbers)
  const twoVar = 2 * (sigma * sigma);
  const logSigmaOfSigma = Math.log(sigma);
  const invT = 1 / T;
  let sum = 0;
  let gl = 0;
  for (let t = 0; t < T; t++) {
    const a = actions[t];
    const d = a - mu[t];
    const logProb = -(d * d) / twoVar - logSigmaOfSigma - LOG_SQRT_2PI;
    const ratio = Math.exp(logProb - logProbOld[t]);
    const w = ratio * advantages[t];
    sum += w;
    if (gMu) gMu[t] = -invT * w * (d / variance);
    gl += -invT * w * ((d * d) / variance - 1);
  }
  return { loss: -sum * invT, gradLogSigma: gl };
}

/**
 * The Fisher matrix of the policy at θ as TRPO uses it: the Hessian of
 * KL̄(θ) = (1/T) Σ_t KL(π_θ₀(·|s_t) ‖ π_θ(·|s_t)) at θ = θ₀. With u_t = (μ_t, ℓ) and J_t = ∂u_t/∂θ,
 * ∇²KL̄ = (1/T) Σ_t J_tᵀ M_t J_t + (1/T) Σ_t Σ_k (∂KL/∂u_{t,k}) ∇²u_{t,k}; the second sum vanishes
 * at θ₀ because ∂KL/∂u = 0 where the two distributions coincide, and M_t = ∂²KL/∂u² = diag(1/σ², 2).
 * So, exactly,
 *
 *   F v = (1/T) Σ_t J_μ,tᵀ (J_μ,t · v)/σ² + 2 c² v_ρ e_ρ,   c = dℓ/dρ ∈ {0, 1}.
 *
 * The rows J_μ,t = ∂μ_t/∂θ are computed once per update by the parametrization's own backward,
 * one state at a time (exact reverse mode; no finite differences), and stored T×P.
 */
export class GaussianFisher {
  readonly size: number;
  readonly T: number;
  /**
   * T×P rows ∂μ_t/∂θ (the ρ column is 0), dense; null when the actor gave sparse rows
   * ({@link cols}, {@link vals}, {@link rowEntries} per row).
   */
  readonly jacobian: Float64Array | null;
  readonly cols: Int32Array | null = null;
  readonly vals: Float64Array | null = null;
  readonly rowEntries: number = 0;
  readonly sigma2: number;
  readonly slope: number;
  private readonly rhoIndex: number;
  private readonly jv: Float64Array;
  private readonly scratch: FisherScratch | undefined;

  constructor(
    view: GaussianPolicyView,
    states: Float64Array,
    T: number,
    stateDim: number,
    scratch?: FisherScratch,
  ) {
    const P = view.size;
    this.size = P;
    this.T = T;
    this.jv = scratch ? scratch.take("jv", T) : new Float64Array(T);
    this.scratch = scratch;
    if (view.sparseJacobianRows) {
      // the entries per row: as the actor says, else at most P − 1 (every actor parameter)
      const per = view.sparseRowEntries ? view.sparseRowEntries() : P - 1;
      const cap = T * per;
      const cols = scratch ? scratch.takeInt("cols", cap) : new Int32Array(cap);
      const vals = scratch ? scratch.take("vals", cap) : new Float64Array(cap);
      this.rowEntries = view.sparseJacobianRows(states, T, cols, vals);
      this.cols = cols;
      this.vals = vals;
      this.jacobian = null;
    } else {
      this.jacobian = new Float64Array(T * P);
      const one = new Float64Array(1);
      const seed = Float64Array.of(1);
      const row = new Float64Array(P);
      for (let t = 0; t < T; t++) {
        for (const p of view.params) p.grad.fill(0);
        view.forwardMu(states.subarray(t * stateDim, (t + 1) * stateDim), 1, one);
        view.backwardMu(seed);
        this.jacobian.set(readFlatGrad(view.params, row), t * P);
      }
    }
    for (const p of view.params) p.grad.fill(0);
    const l = view.logSigma();
    this.sigma2 = Math.exp(2 * l);
    this.slope = view.logSigmaSlope();
    this.rhoIndex = view.logSigmaIndex;
  }

  /**
   * The sparse rows by column (once per Fisher): column j's entries at colStart[j] … colStart[j+1] − 1,
   * their rows ascending in entryRow and values in entryVal; runStart lists where runs of columns
   * with the same rows begin (then P).
   */
  private byColumn: {
    colStart: Int32Array;
    entryRow: Int32Array;
    entryVal: Float64Array;
    runStart: number[];
  } | null = null;

  private columns(): NonNullable<GaussianFisher["byColumn"]> {
    if (this.byColumn !== null) return this.byColumn;
    const { size: P, T, rowEntries: n } = this;
    const cols = this.cols!;
    const vals = this.vals!;
    const nnz = T * n;
    const colStart = new Int32Array(P + 1);
    for (let k = 0; k < nnz; k++) colStart[cols[k] + 1]++;
    for (let j = 0; j < P; j++) colStart[j + 1] += colStart[j];
    const next = colStart.slice(0, P);
    const entryRow = this.scratch ? this.scratch.takeInt("entryRow", nnz) : new Int32Array(nnz);
    const entryVal = this.scratch ? this.scratch.take("entryVal", nnz) : new Float64Array(nnz);
    for (let t = 0, k = 0; t < T; t++)
      for (let e = 0; e < n; e++, k++) {
        const q = next[cols[k]]++;
        entryRow[q] = t;
        entryVal[q] = vals[k];
      }
    const runStart: number[] = [0];
    for (let j = 1; j < P; j++) {
      const a = colStart[j - 1];
      const b = colStart[j];
      const len = colStart[j + 1] - b;
      let same = len === b - a;
      for (let m = 0; same && m < len; m++) if (entryRow[a + m] !== entryRow[b + m]) same = false;
      if (!same) runStart.push(j);
    }
    runStart.push(P);
    this.byColumn = { colStart, entryRow, entryVal, runStart };
    return this.byColumn;
  }

  /**
   * out[j] += Σ_t J[t, j]·jv[t] over the rows with jv[t] ≠ 0, t ascending per column (out starts
   * at 0): the numbers of the row-by-row scatter, summed column by column in a register, five
   * columns at a time where they share their rows.
   */
  private scatterColumns(out: Float64Array): void {
    const { colStart, entryRow, entryVal, runStart } = this.columns();
    const jv = this.jv;
    for (let q = 0; q + 1 < runStart.length; q++) {
      const j1 = runStart[q + 1];
      let j = runStart[q];
      for (; j + 5 <= j1; j += 5) {
        const b0 = colStart[j];
        const len = colStart[j + 1] - b0;
        const b1 = colStart[j + 1];
        const b2 = colStart[j + 2];
        const b3 = colStart[j + 3];
        const b4 = colStart[j + 4];
        let a0 = out[j];
        let a1 = out[j + 1];
        let a2 = out[j + 2];
        let a3 = out[j + 3];
        let a4 = out[j + 4];
        for (let m = 0; m < len; m++) {
          const w = jv[entryRow[b0 + m]];
          if (w === 0) continue;
          a0 += entryVal[b0 + m] * w;
          a1 += entryVal[b1 + m] * w;
          a2 += entryVal[b2 + m] * w;
          a3 += entryVal[b3 + m] * w;
          a4 += entryVal[b4 + m] * w;
        }
        out[j] = a0;
        out[j + 1] = a1;
        out[j + 2] = a2;
        out[j + 3] = a3;
        out[j + 4] = a4;
      }
      for (; j < j1; j++) {
        let acc = out[j];
        for (let e = colStart[j]; e < colStart[j + 1]; e++) {
          const w = jv[entryRow[e]];
          if (w === 0) continue;
          acc += entryVal[e] * w;
        }
        out[j] = acc;
      }
    }
  }

  /** Row t of the Jacobian, dense, into `row` (P numbers). */
  private denseRow(t: number, row: Float64Array): Float64Array {
    if (this.jacobian) return this.jacobian.subarray(t * this.size, (t + 1) * this.size);
    row.fill(0);
    const n = this.rowEntries;
    const cols = this.cols!;
    const vals = this.vals!;
    for (let k = t * n; k < (t + 1) * n; k++) row[cols[k]] = vals[k];
    return row;
  }

  /**
   * out = (F + damping·I) v. Sparse rows give the dense rows' numbers: the skipped entries are
   * exact zeros, whose products with a finite v (or a finite J·v) add ±0 to sums that are never
   * −0; a non-finite v or J·v takes the dense loops (0·∞ is NaN there).
   */
  apply(v: Float64Array, out: Float64Array, damping = 0): Float64Array {
    const { size: P, T, jv } = this;
    const scale = T * this.sigma2;
    if (this.jacobian === null && allFinite(v, P)) {
      const n = this.rowEntries;
      const cols = this.cols!;
      const vals = this.vals!;
      let finite = true;
      for (let t = 0; t < T; t++) {
        let s = 0;
        const o = t * n;
        for (let k = o; k < o + n; k++) s += vals[k] * v[cols[k]];
        const w = s / scale;
        jv[t] = w;
        if (w - w !== 0) finite = false;
      }
      out.fill(0);
      if (finite) this.scatterColumns(out);
      else {
        const row = new Float64Array(P);
        for (let t = 0; t < T; t++) {
          const w = jv[t];
          if (w === 0) continue;
          const J = this.denseRow(t, row);
          for (let j = 0; j < P; j++) out[j] += J[j] * w;
        }
      }
    } else {
      const row = new Float64Array(P);
      for (let t = 0; t < T; t++) {
        const J = this.denseRow(t, row);
        let s = 0;
        for (let j = 0; j < P; j++) s += J[j] * v[j];
        jv[t] = s / scale;
      }
      out.fill(0);
      for (let t = 0; t < T; t++) {
        const w = jv[t];
        if (w === 0) continue;
        const J = this.denseRow(t, row);
        for (let j = 0; j < P; j++) out[j] += J[j] * w;
      }
    }
    out[this.rhoIndex] += 2 * this.slope * this.slope * v[this.rhoIndex];
    if (damping !== 0) for (let j = 0; j < P; j++) out[j] += damping * v[j];
    return out;
  }
}

function allFinite(v: Float64Array, n: number): boolean {
  for (let j = 0; j < n; j++) {
    const x = v[j];
    if (x - x !== 0) return false;
  }
  return true;
}

/** Buffers a TRPO rule reuses across updates (grown on demand, never shrunk). */
export class FisherScratch {
  private readonly f = new Map<string, Float64Array>();
  private readonly i = new Map<string, Int32Array>();

  take(key: string, n: number): Float64Array {
    let a = this.f.get(key);
    if (!a || a.length < n) this.f.set(key, (a = new Float64Array(n)));
    return a;
  }

  takeInt(key: string, n: number): Int32Array {
    let a = this.i.get(key);
    if (!a || a.length < n) this.i.set(key, (a = new Int32Array(n)));
    return a;
  }
}
