import { reconstructRank, type ThinSvd } from "./truncated-svd.js";
import { shapeOf, toDense, toNested, type NestedStateDict } from "./tensor.js";

/**
 * How a weight matrix sits in a state dict:
 * - `dense`: a 2-D tensor W (out × in), e.g. `mu.0.weight` of a Linear layer;
 * - `conv`: a ≥3-D kernel named `*weight`/`*kernel`, (out, in, kh, kw) read as the matrix
 *   out × (in·kh·kw) (each output channel's filter is one row: a conv is this matrix applied to im2col patches);
 * - `low-rank`: a factored pair `<p>.L` (N×K) and `<p>.R` (K×M, the LRPG reference layout, X = L R; an M×K
 *   R is read as X = L Rᵀ) — the matrix is X, whose rank is at most K.
 */
export type WeightMatrixKind = "dense" | "conv" | "low-rank";

export interface WeightMatrix {
  /** Layer name: the state-dict key for dense/conv, the factor prefix `<p>` for low-rank pairs. */
  readonly name: string;
  readonly kind: WeightMatrixKind;
  /** State-dict keys the matrix is stored in. */
  readonly keys: readonly string[];
  readonly rows: number;
  readonly cols: number;
  /** Largest rank a truncation can target: min(rows, cols), and ≤ K for a low-rank pair (X = L R has rank ≤ K). */
  readonly maxRank: number;
  /** Shape of the stored tensor (conv: the kernel's; low-rank: [N, K, M]). */
  readonly tensorShape: readonly number[];
  /** The matrix itself, rows × cols row-major (X = L R reconstructed for a low-rank pair). */
  readonly values: Float64Array;
  /** Parameters the stored form uses: rows·cols, or K·(N+M) for a low-rank pair. */
  readonly storedParameters: number;
  /** Low-rank only: whether R is stored transposed (M×K). */
  readonly rTransposed?: boolean;
}

const KERNEL_NAME = /(^|\.)(weight|kernel)$/;

/**
 * Every weight matrix of a state dict, in key order. Included: all 2-D tensors (except the halves
 * of an `.L`/`.R` pair, which yield one low-rank matrix) and ≥3-D tensors whose name ends in
 * `weight` or `kernel` (conv kernels). 0-/1-D tensors (biases, log σ) are not matrices.
 */
export function enumerateWeightMatrices(dict: NestedStateDict): WeightMatrix[] {
  const out: WeightMatrix[] = [];
  const consumed = new Set<string>();
  for (const key of Object.keys(dict)) {
    if (consumed.has(key)) continue;
    const shape = shapeOf(dict[key], key);
    const pair = lowRankPair(dict, key);
    if (pair) {
      consumed.add(pair.lKey).add(pair.rKey);
      out.push(lowRankMatrix(dict, pair.prefix, pair.lKey, pair.rKey));
      continue;
    }
    if (shape.length === 2) {
      const { data } = toDense(dict[key], key);
      out.push({
        name: key,
        kind: "dense",
        keys: [key],
        rows: shape[0],
        cols: shape[1],
        maxRank: Math.min(shape[0], shape[1]),
        tensorShape: shape,
        values: data,
        storedParameters: data.length,
      });
    } else if (shape.length >= 3 && KERNEL_NAME.test(key)) {
      const { data } = toDense(dict[key], key);
      const rows = shape[0];
      const cols = data.length / rows;
      out.push({
        name: key,
        kind: "conv",
        keys: [key],
        rows,
        cols,
        maxRank: Math.min(rows, cols),
        tensorShape: shape,
        values: data,
        storedParameters: data.length,
      });
    }
  }
  return out;
}

function lowRankPair(
  dict: NestedStateDict,
  key: string,
): { prefix: string; lKey: string; rKey: string } | null {
  const m = /^(.*)\.(L|R)$/.exec(key);
  if (!m) return null;
  const prefix = m[1];
  const lKey = `${prefix}.L`;
  const rKey = `${prefix}.R`;
  if (!(lKey in dict) || !(rKey in dict)) return null;
  if (shapeOf(dict[lKey], lKey).length !== 2 || shapeOf(dict[rKey], rKey).length !== 2) return null;
  return { prefix, lKey, rKey };
}

function lowRankMatrix(dict: NestedStateDict, prefix: string, lKey: string, rKey: string): WeightMatrix {
  const L = toDense(dict[lKey], lKey);
  const R = toDense(dict[rKey], rKey);
  const [N, K] = L.shape;
  let rTransposed: boolean;
  let M: number;
  if (R.shape[0] === K) {
    rTransposed = false; // reference layout: R is K×M, X = L R
    M = R.shape[1];
  } else if (R.shape[1] === K) {
    rTransposed = true; // X = L Rᵀ with R M×K (LowRankMatrix layout)
    M = R.shape[0];
  } else {
    throw new RangeError(
      `${prefix}: ${lKey} is ${N}×${K} but ${rKey} is ${R.shape[0]}×${R.shape[1]}; expected K×M or M×K with K = ${K}`,
    );
  }
  const X = new Float64Array(N * M);
  for (let i = 0; i < N; i++) {
    for (let k = 0; k < K; k++) {
      const l = L.data[i * K + k];
      for (let j = 0; j < M; j++) X[i * M + j] += l * (rTransposed ? R.data[j * K + k] : R.data[k * M + j]);
    }
  }
  return {
    name: prefix,
    kind: "low-rank",
    keys: [lKey, rKey],
    rows: N,
    cols: M,
    maxRank: Math.min(N, M, K),
    tensorShape: [N, K, M],
    values: X,
    storedParameters: K * (N + M),
    rTransposed,
  };
}

/** Thrown for an unknown layer name or an out-of-range target rank. */
export class LaserInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "LaserInputError";
  }
}

/** The matrix named `name`; the error for an unknown name lists the known ones. */
export function findWeightMatrix(matrices: readonly WeightMatrix[], name: string): WeightMatrix {
  const found = matrices.find((m) => m.name === name);
  if (!found) {
    throw new LaserInputError(
      `unknown layer "${name}"; weight matrices of this policy: ${matrices.map((m) => m.name).join(", ") || "(none)"}`,
    );
  }
  return found;
}

/** Throws unless 1 ≤ rank ≤ matrix.maxRank. */
export function checkTargetRank(matrix: WeightMatrix, rank: number): void {
  if (!Number.isInteger(rank) || rank < 1 || rank > matrix.maxRank) {
    throw new LaserInputError(
      `target rank for layer "${matrix.name}" must be an integer in [1, ${matrix.maxRank}] (max rank of its ${matrix.rows}×${matrix.cols} matrix${matrix.kind === "low-rank" ? `, factor width K = ${matrix.tensorShape[1]}` : ""}), got ${rank}`,
    );
  }
}

/**
 * A NEW state dict equal to `dict` except that `matrix` is replaced by `replacement` (rows×cols,
 * reshaped back to the stored layout). The input dict is never written to; untouched tensors are
 * shared by reference. A low-rank pair needs its factors: use {@link withTruncatedMatrix}.
 */
export function withReplacedMatrix(
  dict: NestedStateDict,
  matrix: WeightMatrix,
  replacement: Float64Array,
): NestedStateDict {
  if (replacement.length !== matrix.rows * matrix.cols) {
    throw new RangeError(
      `replacement for "${matrix.name}" has ${replacement.length} entries, expected ${matrix.rows * matrix.cols}`,
    );
  }
  if (matrix.kind === "low-rank")
    throw new TypeError(`"${matrix.name}" is stored as factors L, R; use withTruncatedMatrix`);
  return { ...dict, [matrix.keys[0]]: toNested(replacement, matrix.tensorShape) };
}

/**
 * A NEW state dict with `matrix` replaced by its rank-k SVD truncation W_k = U_k Σ_k V_kᵀ.
 * At k = maxRank the truncation is the matrix itself, so the original tensors are kept bit-for-bit
 * (no SVD round-off): the full-rank row is an exact null control of the evaluation protocol.
 * A low-rank pair is written back as L' = U_k Σ_k^{1/2}, R' = Σ_k^{1/2} V_kᵀ, zero-padded to width K so
 * the agent's shapes are unchanged.
 */
export function withTruncatedMatrix(
  dict: NestedStateDict,
  matrix: WeightMatrix,
  svd: ThinSvd,
  k: number,
): NestedStateDict {
  checkTargetRank(matrix, k);
  if (k === matrix.maxRank) return { ...dict };
  if (matrix.kind !== "low-rank") return withReplacedMatrix(dict, matrix, reconstructRank(svd, k));
  const [N, K, M] = matrix.tensorShape;
  const r = svd.sigma.length;
  const L = new Float64Array(N * K);
  const R = new Float64Array(K * M);
  for (let c = 0; c < k; c++) {
    const root = Math.sqrt(svd.sigma[c]);
    for (let i = 0; i < N; i++) L[i * K + c] = svd.U[i * r + c] * root;
    for (let j = 0; j < M; j++) {
      const v = svd.V[j * r + c] * root;
      if (matrix.rTransposed) R[j * K + c] = v;
      else R[c * M + j] = v;
    }
  }
  return {
    ...dict,
    [matrix.keys[0]]: toNested(L, [N, K]),
    [matrix.keys[1]]: toNested(R, matrix.rTransposed ? [M, K] : [K, M]),
  };
}
