import { Matrix, solve } from "ml-matrix";
import type { Rng } from "../random/rng.js";
import { CPTensor, mttkrp } from "./cp-tensor.js";
import { leadingLeftSingularVectors } from "./svd.js";
import { relativeError, Tensor, unfold } from "./tensor.js";
import { checkPositiveInt } from "./validate.js";

export interface CpAlsOptions {
  /** Seeds the random initialisation (and fills SVD-init columns beyond a mode's size). */
  rng: Rng;
  /** 'svd' (default, TensorLy's default): A⁽ⁿ⁾ = leading left singular vectors of X_(n); 'random': N(0,1). */
  init?: "svd" | "random";
  /** Maximum ALS sweeps (default 200). */
  maxIterations?: number;
  /** Stop when the relative error changes by less than this between sweeps (default 1e-12). */
  tolerance?: number;
  /** Ridge term added to each normal-equation Gram matrix (default 0; TensorLy-torch passes 1e-5). */
  l2?: number;
}

export interface CpAlsResult {
  cp: CPTensor;
  /** ‖X − X̂‖_F / ‖X‖_F after each sweep. */
  errors: number[];
  relativeError: number;
  iterations: number;
}

/**
 * CP decomposition by alternating least squares (Carroll & Chang 1970; Harshman 1970; Kolda & Bader
 * 2009 §3.4): for each mode n in turn, A⁽ⁿ⁾ ← X_(n) (⊙_{k≠n} A⁽ᵏ⁾) (∗_{k≠n} A⁽ᵏ⁾ᵀA⁽ᵏ⁾ + l2·I)⁻¹, the exact
 * minimiser of ‖X − [[A⁽⁰⁾,…]]‖_F over that factor, so the error is non-increasing (l2 = 0).
 * Weights are folded into the factors (λ absent), so the parameter count is R·Σ I_n.
 */
export function cpAls(x: Tensor, rank: number, options: CpAlsOptions): CpAlsResult {
  checkPositiveInt(rank, "rank");
  const { rng } = options;
  const init = options.init ?? "svd";
  const maxIterations = options.maxIterations ?? 200;
  const tolerance = options.tolerance ?? 1e-12;
  const l2 = options.l2 ?? 0;
  if (init !== "svd" && init !== "random")
    throw new RangeError(`init must be 'svd' or 'random', got ${String(init)}`);
  if (!(l2 >= 0)) throw new RangeError(`l2 must be >= 0, got ${l2}`);
  const N = x.order;
  const R = rank;
  const factors = x.shape.map((I, n) => {
    if (init === "random") return rng.fillNormal(new Float64Array(I * R));
    const k = Math.min(R, I);
    const U = leadingLeftSingularVectors(unfold(x, n), I, x.size / I, k);
    const A = new Float64Array(I * R);
    for (let i = 0; i < I; i++) {
      for (let r = 0; r < R; r++) A[i * R + r] = r < k ? U[i * k + r] : rng.normal();
    }
    return A;
  });
  const grams = factors.map((A, n) => gram(A, x.shape[n], R));
  const errors: number[] = [];
  let cp = new CPTensor(x.shape, R, factors);
  for (let it = 0; it < maxIterations; it++) {
    for (let n = 0; n < N; n++) {
      const V = new Matrix(R, R);
      for (let a = 0; a < R; a++) {
        for (let b = 0; b < R; b++) {
          let v = a === b ? l2 : 0;
          let prod = 1;
          for (let k = 0; k < N; k++) if (k !== n) prod *= grams[k][a * R + b];
          v += prod;
          V.set(a, b, v);
        }
      }
      const I = x.shape[n];
      const M = mttkrp(x, factors, R, n);
      const Mt = new Matrix(R, I);
      for (let i = 0; i < I; i++) for (let r = 0; r < R; r++) Mt.set(r, i, M[i * R + r]);
      // V is symmetric: A⁽ⁿ⁾ᵀ = V⁻¹ Mᵀ (SVD-based solve stays defined when V is singular).
      const At = solve(V, Mt, true);
      const A = factors[n];
      for (let i = 0; i < I; i++) for (let r = 0; r < R; r++) A[i * R + r] = At.get(r, i);
      grams[n] = gram(A, I, R);
    }
    cp = new CPTensor(x.shape, R, factors);
    const err = relativeError(x, cp.reconstruct());
    errors.push(err);
    if (it > 0 && Math.abs(errors[it - 1] - err) < tolerance) break;
    if (err < tolerance) break;
  }
  return { cp, errors, relativeError: errors[errors.length - 1], iterations: errors.length };
}

/** AᵀA for a row-major I×R matrix. */
function gram(A: Float64Array, I: number, R: number): Float64Array {
  const G = new Float64Array(R * R);
  for (let i = 0; i < I; i++) {
    const o = i * R;
    for (let a = 0; a < R; a++) {
      const va = A[o + a];
      for (let b = 0; b < R; b++) G[a * R + b] += va * A[o + b];
    }
  }
  return G;
}
