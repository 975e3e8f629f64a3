import { gemmNN, gemmTN } from "./gemm.js";
import { checkPositiveInt } from "./validate.js";

/**
 * A dense real tensor X ∈ ℝ^{I₀×…×I_{N−1}} stored row-major (C order: the last index varies fastest)
 * on a Float64Array.
 */
export class Tensor {
  readonly shape: readonly number[];
  readonly data: Float64Array;

  constructor(shape: readonly number[], data?: Float64Array) {
    if (shape.length === 0) throw new RangeError("tensor shape must have at least one mode");
    shape.forEach((d, n) => checkPositiveInt(d, `shape[${n}]`));
    const size = shape.reduce((a, b) => a * b, 1);
    if (data && data.length !== size) {
      throw new RangeError(`tensor data has ${data.length} entries, expected ${size} for shape [${shape}]`);
    }
    this.shape = [...shape];
    this.data = data ?? new Float64Array(size);
  }

  get order(): number {
    return this.shape.length;
  }

  get size(): number {
    return this.data.length;
  }

  /** Row-major flat index of a multi-index. */
  index(idx: readonly number[]): number {
    let flat = 0;
    for (let n = 0; n < this.shape.length; n++) flat = flat * this.shape[n] + idx[n];
    return flat;
  }

  get(...idx: number[]): number {
    return this.data[this.index(idx)];
  }

  clone(): Tensor {
    return new Tensor(this.shape, Float64Array.from(this.data));
  }

  /** ‖X‖_F = √(Σ x²). */
  norm(): number {
    return frobeniusNorm(this.data);
  }
}

export function frobeniusNorm(x: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i] * x[i];
  return Math.sqrt(s);
}

/** ‖X − Y‖_F / ‖X‖_F (0 when both are 0). */
export function relativeError(x: Tensor | Float64Array, approx: Tensor | Float64Array): number {
  const a = x instanceof Tensor ? x.data : x;
  const b = approx instanceof Tensor ? approx.data : approx;
  if (a.length !== b.length) throw new RangeError(`relativeError: sizes differ (${a.length} vs ${b.length})`);
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i] - b[i];
    num += d * d;
    den += a[i] * a[i];
  }
  if (den === 0) return num === 0 ? 0 : Infinity;
  return Math.sqrt(num / den);
}

function checkMode(shape: readonly number[], mode: number): void {
  if (!Number.isInteger(mode) || mode < 0 || mode >= shape.length) {
    throw new RangeError(`mode must be an integer in [0, ${shape.length - 1}], got ${mode}`);
  }
}

/** Sizes (before, I_n, after) of the modes before n, mode n itself and the modes after n. */
function split(shape: readonly number[], mode: number): [number, number, number] {
  let before = 1;
  let after = 1;
  for (let k = 0; k < mode; k++) before *= shape[k];
  for (let k = mode + 1; k < shape.length; k++) after *= shape[k];
  return [before, shape[mode], after];
}

/**
 * Mode-n unfolding X_(n) ∈ ℝ^{I_n × Π_{k≠n} I_k}, row-major, with the remaining indices in their
 * original order, last fastest (TensorLy's convention: moveaxis(X, n, 0).reshape(I_n, −1); Kolda &
 * Bader 2009 order the columns the other way round, which permutes columns only).
 */
export function unfold(x: Tensor, mode: number): Float64Array {
  checkMode(x.shape, mode);
  const [P, I, S] = split(x.shape, mode);
  const out = new Float64Array(x.size);
  const cols = P * S;
  for (let p = 0; p < P; p++) {
    for (let i = 0; i < I; i++) {
      const src = (p * I + i) * S;
      const dst = i * cols + p * S;
      for (let s = 0; s < S; s++) out[dst + s] = x.data[src + s];
    }
  }
  return out;
}

/** Inverse of {@link unfold}: the tensor of `shape` whose mode-n unfolding is `matrix`. */
export function fold(matrix: Float64Array, mode: number, shape: readonly number[]): Tensor {
  checkMode(shape, mode);
  const x = new Tensor(shape);
  if (matrix.length !== x.size)
    throw new RangeError(`fold: matrix has ${matrix.length} entries, expected ${x.size}`);
  const [P, I, S] = split(shape, mode);
  const cols = P * S;
  for (let p = 0; p < P; p++) {
    for (let i = 0; i < I; i++) {
      const dst = (p * I + i) * S;
      const src = i * cols + p * S;
      for (let s = 0; s < S; s++) x.data[dst + s] = matrix[src + s];
    }
  }
  return x;
}

/**
 * Mode-n product Y = X ×_n U with U ∈ ℝ^{J×I_n} (row-major):
 *   Y[i₀,…,j,…] = Σ_i U[j,i] · X[i₀,…,i,…],  i.e. Y_(n) = U X_(n).
 * With `transpose`, U is given as I_n×J and Uᵀ is applied (projection onto U's columns).
 * Computed blockwise as Y_p = U X_p for each leading index p, without unfolding.
 */
export function modeProduct(
  x: Tensor,
  U: Float64Array,
  mode: number,
  rows: number,
  transpose = false,
): Tensor {
  checkMode(x.shape, mode);
  checkPositiveInt(rows, "rows");
  const [P, I, S] = split(x.shape, mode);
  if (U.length !== rows * I) {
    throw new RangeError(
      `modeProduct: matrix has ${U.length} entries, expected ${transpose ? `${I}×${rows}` : `${rows}×${I}`} for mode ${mode} of size ${I}`,
    );
  }
  const shape = [...x.shape];
  shape[mode] = rows;
  const y = new Tensor(shape);
  for (let p = 0; p < P; p++) {
    if (transpose) gemmTN(rows, S, I, U, 0, rows, x.data, p * I * S, S, y.data, p * rows * S, S);
    else gemmNN(rows, S, I, U, 0, I, x.data, p * I * S, S, y.data, p * rows * S, S);
  }
  return y;
}
