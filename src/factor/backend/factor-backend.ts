/**
 * The compute backend of the factor layer: the kernels of low-rank matrices X = L Rᵀ, batched over a
 * population of P independent matrices of one shape (P = 1 for a single matrix).
 *
 * Layout (all row-major, flat): matrix p has L_p ∈ ℝ^{n×K} at `L[p·n·K + i·K + k]` and
 * R_p ∈ ℝ^{m×K} at `R[p·m·K + j·K + k]`; a dense n×m matrix p sits at `[p·n·m + i·m + j]`;
 * per-matrix entry lists of capacity B sit at `[p·B + b]`.
 *
 * Two implementations: `cpu` (Float64Array loops, exact, the default) and `gpu` (gpu.js, float32).
 * Every method returns a Promise so that gpu.js's announced async v3 does not change this interface.
 */
import { checkAdamHyperparameters, type AdamHyperparameters } from "../../optim/update-rules.js";

export type FloatArray = Float32Array | Float64Array;
export type IndexArray = Int32Array | Uint32Array | Float32Array | Float64Array;

/** P low-rank matrices of one shape: L is P·n·K, R is P·m·K. */
export interface BatchedFactors {
  /** Number of matrices P. */
  readonly count: number;
  /** n (rows of X, rows of L). */
  readonly rows: number;
  /** m (columns of X, rows of R). */
  readonly cols: number;
  /** K. */
  readonly rank: number;
  readonly L: FloatArray;
  readonly R: FloatArray;
}

/** Per-matrix lists of entries (i, j) with capacity B each; only the first `counts[p]` of list p are used. */
export interface BatchedEntries {
  /** Capacity B of every list. */
  readonly capacity: number;
  /** P·B row indices i. */
  readonly rowIdx: IndexArray;
  /** P·B column indices j. */
  readonly colIdx: IndexArray;
  /** P used lengths, each in [0, B]. */
  readonly counts: IndexArray;
}

/** Hyper-parameters of one Adam step (torch.optim.Adam, src/optim/update-rules.ts) and its number t ≥ 1 (bias corrections). */
export interface AdamStepConfig extends AdamHyperparameters {
  step: number;
}

export interface FactorBackend {
  readonly kind: "cpu" | "gpu";
  /** `float64` for cpu; `float32` for every gpu.js mode. */
  readonly precision: "float64" | "float32";
  /** The engine that runs the kernels: `f64-loops`, or the gpu.js mode (`webasm`, `cpu`, `headlessgl`). */
  readonly mode: string;

  /** X_p = L_p R_pᵀ for every p: returns P·n·m. */
  reconstruct(f: BatchedFactors): Promise<FloatArray>;

  /**
   * One step of gradient descent on X = L Rᵀ with a dense ∂J/∂X_p = G_p (P·n·m), in place:
   * L ← L − a·G R and R ← R − a·Gᵀ L, both from the old L and R (a simultaneous step).
   */
  applyDenseGradient(f: BatchedFactors, G: FloatArray, a: number): Promise<void>;

  /** The entries X_p[i_b, j_b] (returns P·B; unused slots b ≥ counts[p] are 0). */
  gatherEntries(f: BatchedFactors, e: BatchedEntries): Promise<FloatArray>;

  /**
   * Sparse entry gradients: with g_{p,b} = ∂J/∂X_p[i_b, j_b] (P·B; slots b ≥ counts[p] ignored),
   * ∇L_p[i] = Σ_{b: i_b = i} g_{p,b} R_p[j_b] and ∇R_p[j] = Σ_{b: j_b = j} g_{p,b} L_p[i_b]
   * (∂Xᵢⱼ/∂ℓᵢ = rⱼ, ∂Xᵢⱼ/∂rⱼ = ℓᵢ), summed over b in increasing order. Returns P·n·K and P·m·K.
   */
  entryGradients(
    f: BatchedFactors,
    e: BatchedEntries,
    g: FloatArray,
  ): Promise<{ gradL: FloatArray; gradR: FloatArray }>;

  /**
   * One Adam step on a flat parameter block, in place (torch.optim.Adam, no amsgrad, no weight decay):
   * m ← β₁m + (1−β₁)g; v ← β₂v + (1−β₂)g²; p ← p − (lr/(1−β₁ᵗ))·m/(√v/√(1−β₂ᵗ) + ε).
   * `mask` (optional, same length, 0/1) freezes entries with mask 0 (used for ranks below K_max).
   */
  adamStep(
    param: FloatArray,
    grad: FloatArray,
    m: FloatArray,
    v: FloatArray,
    config: AdamStepConfig,
    mask?: FloatArray,
  ): Promise<void>;

  /** Releases the engine (gpu.js instance); the cpu backend has nothing to release. */
  dispose(): Promise<void>;
}

export function checkFactors(f: BatchedFactors): void {
  for (const [field, v] of [
    ["count", f.count],
    ["rows", f.rows],
    ["cols", f.cols],
    ["rank", f.rank],
  ] as const) {
    if (!Number.isInteger(v) || v < 1)
      throw new RangeError(`factors.${field} must be an integer >= 1, got ${v}`);
  }
  if (f.L.length !== f.count * f.rows * f.rank) {
    throw new RangeError(
      `factors.L has length ${f.L.length}, expected count·rows·rank = ${f.count * f.rows * f.rank}`,
    );
  }
  if (f.R.length !== f.count * f.cols * f.rank) {
    throw new RangeError(
      `factors.R has length ${f.R.length}, expected count·cols·rank = ${f.count * f.cols * f.rank}`,
    );
  }
}

export function checkEntries(f: BatchedFactors, e: BatchedEntries): void {
  const B = e.capacity;
  if (!Number.isInteger(B) || B < 1)
    throw new RangeError(`entries.capacity must be an integer >= 1, got ${B}`);
  const total = f.count * B;
  if (e.rowIdx.length !== total)
    throw new RangeError(`entries.rowIdx has length ${e.rowIdx.length}, expected count·capacity = ${total}`);
  if (e.colIdx.length !== total)
    throw new RangeError(`entries.colIdx has length ${e.colIdx.length}, expected count·capacity = ${total}`);
  if (e.counts.length !== f.count)
    throw new RangeError(`entries.counts has length ${e.counts.length}, expected count = ${f.count}`);
  for (let p = 0; p < f.count; p++) {
    const c = e.counts[p];
    if (!Number.isInteger(c) || c < 0 || c > B)
      throw new RangeError(`entries.counts[${p}] must be an integer in [0, ${B}], got ${c}`);
    for (let b = 0; b < c; b++) {
      const i = e.rowIdx[p * B + b];
      const j = e.colIdx[p * B + b];
      if (!Number.isInteger(i) || i < 0 || i >= f.rows)
        throw new RangeError(
          `entries.rowIdx[${p * B + b}] must be an integer in [0, ${f.rows - 1}], got ${i}`,
        );
      if (!Number.isInteger(j) || j < 0 || j >= f.cols)
        throw new RangeError(
          `entries.colIdx[${p * B + b}] must be an integer in [0, ${f.cols - 1}], got ${j}`,
        );
    }
  }
}

export function checkLength(a: FloatArray, expected: number, field: string): void {
  if (a.length !== expected) throw new RangeError(`${field} has length ${a.length}, expected ${expected}`);
}

/** Validates an `adamStep` call: the hyper-parameters (as `Adam` does), the step, and every length. */
export function checkAdamStep(
  param: FloatArray,
  arrays: Readonly<Record<"grad" | "m" | "v" | "mask", FloatArray | undefined>>,
  c: AdamStepConfig,
): void {
  checkAdamHyperparameters(c, "adam.");
  if (!Number.isInteger(c.step) || c.step < 1)
    throw new RangeError(`adam.step must be an integer >= 1, got ${c.step}`);
  for (const [field, a] of Object.entries(arrays)) if (a) checkLength(a, param.length, field);
}
