import { Matrix, SVD } from "ml-matrix";
import { checkPositiveInt } from "./validate.js";

/** A rank-k SVD X ≈ U diag(s) Vᵀ: U is rows×k, V is cols×k (row-major), s descending. */
export interface TruncatedSvd {
  readonly rows: number;
  readonly cols: number;
  readonly rank: number;
  readonly U: Float64Array;
  readonly s: Float64Array;
  readonly V: Float64Array;
  /** All min(rows, cols) singular values of the input, descending. */
  readonly allSingularValues: Float64Array;
}

function toMatrix(x: Float64Array, rows: number, cols: number): Matrix {
  const m = new Matrix(rows, cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) m.set(i, j, x[i * cols + j]);
  return m;
}

function checkMatrix(x: Float64Array, rows: number, cols: number): void {
  checkPositiveInt(rows, "rows");
  checkPositiveInt(cols, "cols");
  if (x.length !== rows * cols)
    throw new RangeError(`matrix has ${x.length} entries, expected rows·cols = ${rows * cols}`);
}

/**
 * Exact (deterministic, Golub–Kahan via ml-matrix) truncated SVD of a row-major rows×cols matrix.
 * X_k = U_k Σ_k V_kᵀ is the best rank-k approximation in Frobenius and spectral norm
 * (Eckart–Young–Mirsky), with ‖X − X_k‖_F² = Σ_{i>k} σᵢ².
 */
export function truncatedSvd(x: Float64Array, rows: number, cols: number, k: number): TruncatedSvd {
  checkMatrix(x, rows, cols);
  const maxRank = Math.min(rows, cols);
  if (!Number.isInteger(k) || k < 1 || k > maxRank) {
    throw new RangeError(`rank k must be an integer in [1, min(rows, cols) = ${maxRank}], got ${k}`);
  }
  const svd = new SVD(toMatrix(x, rows, cols), { autoTranspose: true });
  const Um = svd.leftSingularVectors;
  const Vm = svd.rightSingularVectors;
  const sigma = svd.diagonal;
  // Sort descending defensively (ml-matrix already returns them sorted).
  const order = Array.from(sigma.keys()).sort((a, b) => sigma[b] - sigma[a]);
  const U = new Float64Array(rows * k);
  const V = new Float64Array(cols * k);
  const s = new Float64Array(k);
  for (let r = 0; r < k; r++) {
    const c = order[r];
    s[r] = Math.max(sigma[c], 0);
    for (let i = 0; i < rows; i++) U[i * k + r] = Um.get(i, c);
    for (let j = 0; j < cols; j++) V[j * k + r] = Vm.get(j, c);
  }
  const allSingularValues = Float64Array.from(order.map((c) => Math.max(sigma[c], 0)));
  return { rows, cols, rank: k, U, s, V, allSingularValues };
}

/** Dense U diag(s) Vᵀ of a truncated SVD, row-major rows×cols. */
export function svdReconstruct(svd: TruncatedSvd, out = new Float64Array(svd.rows * svd.cols)): Float64Array {
  const { rows, cols, rank: k, U, s, V } = svd;
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      let acc = 0;
      for (let r = 0; r < k; r++) acc += U[i * k + r] * s[r] * V[j * k + r];
      out[i * cols + j] = acc;
    }
  }
  return out;
}

/** Singular values of a row-major rows×cols matrix, descending. */
export function singularValues(x: Float64Array, rows: number, cols: number): Float64Array {
  checkMatrix(x, rows, cols);
  const svd = new SVD(toMatrix(x, rows, cols), {
    autoTranspose: true,
    computeLeftSingularVectors: false,
    computeRightSingularVectors: false,
  });
  return Float64Array.from(svd.diagonal, (v) => Math.max(v, 0))
    .sort()
    .reverse();
}

/**
 * The k leading left singular vectors of a rows×cols matrix as a rows×k row-major matrix.
 * If k exceeds min(rows, cols) the extra columns complete an orthonormal set (Gram–Schmidt on the
 * standard basis), as HOSVD needs when a Tucker rank exceeds the unfolding's rank.
 */
export function leadingLeftSingularVectors(
  x: Float64Array,
  rows: number,
  cols: number,
  k: number,
): Float64Array {
  checkMatrix(x, rows, cols);
  if (!Number.isInteger(k) || k < 1 || k > rows)
    throw new RangeError(`k must be an integer in [1, rows = ${rows}], got ${k}`);
  const avail = Math.min(rows, cols, k);
  const svd = truncatedSvd(x, rows, cols, avail);
  const U = new Float64Array(rows * k);
  for (let i = 0; i < rows; i++) for (let r = 0; r < avail; r++) U[i * k + r] = svd.U[i * avail + r];
  let next = avail;
  for (let e = 0; e < rows && next < k; e++) {
    const v = new Float64Array(rows);
    v[e] = 1;
    for (let pass = 0; pass < 2; pass++) {
      for (let r = 0; r < next; r++) {
        let dot = 0;
        for (let i = 0; i < rows; i++) dot += U[i * k + r] * v[i];
        for (let i = 0; i < rows; i++) v[i] -= dot * U[i * k + r];
      }
    }
    let norm = 0;
    for (let i = 0; i < rows; i++) norm += v[i] * v[i];
    norm = Math.sqrt(norm);
    if (norm < 1e-8) continue;
    for (let i = 0; i < rows; i++) U[i * k + next] = v[i] / norm;
    next++;
  }
  return U;
}
