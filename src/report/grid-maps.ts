import { Matrix, SingularValueDecomposition } from "ml-matrix";
import type { GridRecord, PgRunSpec } from "../runner/run-spec.js";

/**
 * μ, σ and V over a run's state grids, computed from the manifest's grid spec and the saved
 * parameters (a state dict in the reference's PyTorch layout) with plain arithmetic: LRPG's μ and
 * V are the matrices L Rᵀ themselves; the NN baseline's one-hidden-layer ReLU nets are evaluated at
 * the grid points. No agent is built.
 */

/** A saved tensor: a scalar, a vector or a row-major matrix as nested arrays. */
export type NumberTensor = number | number[] | number[][];
export type StateDict = Record<string, NumberTensor>;

/** A quantity tabulated over a state grid: rows/columns as the LRPG grid lays them out. */
export interface GridMap {
  z: number[][];
  rowLabel: string;
  colLabel: string;
  /** Grid-point values along the axes when rows/cols are single state dimensions. */
  rowTicks?: number[];
  colTicks?: number[];
}

/** Value of grid point `idx` on dimension d. */
function pointValue(g: GridRecord, d: number, idx: number): number {
  const b = g.buckets[d];
  return b === 1 ? g.low[d] : g.low[d] + (idx * (g.high[d] - g.low[d])) / (b - 1);
}

/** The state at grid point (row, col): each dimension's index decoded row-major, then its grid value. */
function gridState(g: GridRecord, row: number, col: number): Float64Array {
  const s = new Float64Array(g.low.length);
  const decode = (flat: number, dims: readonly number[]) => {
    for (let k = dims.length - 1; k >= 0; k--) {
      const d = dims[k];
      const b = g.buckets[d];
      s[d] = pointValue(g, d, flat % b);
      flat = Math.floor(flat / b);
    }
  };
  decode(row, g.rowDims);
  decode(col, g.colDims);
  return s;
}

function ticks(g: GridRecord, dims: readonly number[]): number[] | undefined {
  if (dims.length !== 1) return undefined;
  const d = dims[0];
  return Array.from({ length: g.buckets[d] }, (_, i) => Number(pointValue(g, d, i).toPrecision(4)));
}

function withLabels(g: GridRecord, names: readonly string[], z: number[][]): GridMap {
  const label = (dims: readonly number[]) => dims.map((d) => names[d] ?? `s${d}`).join(", ");
  return {
    z,
    rowLabel: label(g.rowDims),
    colLabel: label(g.colDims),
    rowTicks: ticks(g, g.rowDims),
    colTicks: ticks(g, g.colDims),
  };
}

/** f(s) at every grid point of `g`: an N×M matrix. */
export function tabulate(g: GridRecord, names: readonly string[], f: (s: Float64Array) => number): GridMap {
  const z: number[][] = [];
  for (let r = 0; r < g.rows; r++) {
    const row: number[] = [];
    for (let c = 0; c < g.cols; c++) row.push(f(gridState(g, r, c)));
    z.push(row);
  }
  return withLabels(g, names, z);
}

function matrix(dict: StateDict, key: string): number[][] {
  const v = dict[key];
  if (!Array.isArray(v) || !Array.isArray(v[0])) throw new Error(`report: parameter ${key} is not a matrix`);
  return v as number[][];
}

function vector(dict: StateDict, key: string): number[] {
  const v = dict[key];
  if (typeof v === "number") return [v];
  if (!Array.isArray(v)) throw new Error(`report: parameter ${key} is missing`);
  return (v as (number | number[])[]).flat();
}

/** L (N×K) times R (K×M, the reference layout of the right factor). */
function product(l: number[][], r: number[][]): number[][] {
  const K = r.length;
  const M = K > 0 ? r[0].length : 0;
  return l.map((li) => {
    const out = new Array<number>(M).fill(0);
    for (let k = 0; k < K; k++) {
      const a = li[k];
      const rk = r[k];
      for (let j = 0; j < M; j++) out[j] += a * rk[j];
    }
    return out;
  });
}

/** One-hidden-layer ReLU net `<prefix>.0.*`, `<prefix>.2.*` (PyTorch Sequential layout) at s. */
function mlp(dict: StateDict, prefix: string): (s: Float64Array) => number {
  const w1 = matrix(dict, `${prefix}.0.weight`);
  const b1 = vector(dict, `${prefix}.0.bias`);
  const w2 = vector(dict, `${prefix}.2.weight`);
  const b2 = vector(dict, `${prefix}.2.bias`)[0];
  return (s) => {
    let y = b2;
    for (let h = 0; h < w1.length; h++) {
      let u = b1[h];
      for (let d = 0; d < s.length; d++) u += w1[h][d] * s[d];
      if (u > 0) y += w2[h] * u;
    }
    return y;
  };
}

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

/**
 * μ(s), σ(s) on the actor grid and V(s) on the critic grid of a Gaussian LRPG or NN run, from its
 * spec and parameters; null for the softmax policy (discrete actions) or parameters of another layout.
 */
export function policyMaps(
  spec: PgRunSpec,
  params: StateDict,
): { mu: GridMap; sigma: GridMap; value: GridMap } | null {
  if (spec.policy !== "gaussian") return null;
  const names = spec.stateNames;
  const a = spec.actorGrid;
  const squash = (z: number) => (spec.sigmoidMean ? sigmoid(z) : z);
  if (spec.kind === "lrpg") {
    if (!("mu.L" in params && "value.L" in params)) return null;
    const mu = product(matrix(params, "mu.L"), matrix(params, "mu.R")).map((r) => r.map(squash));
    const sigma =
      "sigma.L" in params
        ? product(matrix(params, "sigma.L"), matrix(params, "sigma.R")).map((r) => r.map(Math.exp))
        : Array.from({ length: a.rows }, () =>
            new Array<number>(a.cols).fill(Math.exp(vector(params, "log_sigma")[0])),
          );
    const value = product(matrix(params, "value.L"), matrix(params, "value.R"));
    return {
      mu: withLabels(a, names, mu),
      sigma: withLabels(a, names, sigma),
      value: withLabels(spec.criticGrid, names, value),
    };
  }
  if (!("mu.0.weight" in params && "value.0.weight" in params)) return null;
  const muNet = mlp(params, "mu");
  const vNet = mlp(params, "value");
  const sigma = Math.exp(vector(params, "log_sigma")[0]);
  return {
    mu: tabulate(a, names, (s) => squash(muNet(s))),
    sigma: tabulate(a, names, () => sigma),
    value: tabulate(spec.criticGrid, names, vNet),
  };
}

/** Singular values (descending) of a matrix. */
export function singularValues(z: readonly (readonly number[])[]): number[] {
  if (z.length === 0 || z[0].length === 0) return [];
  const svd = new SingularValueDecomposition(new Matrix(z.map((r) => [...r])), {
    computeLeftSingularVectors: false,
    computeRightSingularVectors: false,
    autoTranspose: true,
  });
  return [...svd.diagonal].sort((x, y) => y - x);
}

/**
 * Relative Frobenius error of the best rank-k approximation, k = 0 … rank (Eckart–Young):
 * ‖X − X_k‖_F / ‖X‖_F = √(Σ_{i>k} σ_i²) / √(Σ_i σ_i²).
 */
export function truncationErrors(sv: readonly number[]): number[] {
  const total = sv.reduce((s, x) => s + x * x, 0);
  const out: number[] = [];
  let tail = total;
  out.push(total > 0 ? 1 : 0);
  for (const s of sv) {
    tail -= s * s;
    out.push(total > 0 ? Math.sqrt(Math.max(0, tail) / total) : 0);
  }
  return out;
}
