import type { Rng } from "../random/rng.js";
import { gemmNN, gemmNT } from "./gemm.js";
import { Tensor, unfold } from "./tensor.js";
import { checkPositiveInt } from "./validate.js";

/**
 * A CP (CANDECOMP/PARAFAC) tensor X = Σ_r λ_r a⁽⁰⁾_r ∘ a⁽¹⁾_r ∘ … ∘ a⁽ᴺ⁻¹⁾_r with factor matrices
 * A⁽ⁿ⁾ ∈ ℝ^{I_n×R} (row-major, column r is a⁽ⁿ⁾_r) and optional weights λ ∈ ℝ^R (absent = all 1).
 * Parameters: R·Σ I_n (+ R with weights) (Kolda & Bader 2009 §3).
 */
export class CPTensor {
  readonly shape: readonly number[];
  readonly rank: number;
  readonly factors: Float64Array[];
  weights: Float64Array | null;

  constructor(
    shape: readonly number[],
    rank: number,
    factors: Float64Array[],
    weights: Float64Array | null = null,
  ) {
    checkPositiveInt(rank, "rank");
    if (factors.length !== shape.length)
      throw new RangeError(`CP: ${factors.length} factors for a tensor of order ${shape.length}`);
    shape.forEach((d, n) => {
      checkPositiveInt(d, `shape[${n}]`);
      if (factors[n].length !== d * rank)
        throw new RangeError(`CP factor ${n} has ${factors[n].length} entries, expected I·R = ${d}·${rank}`);
    });
    if (weights && weights.length !== rank)
      throw new RangeError(`CP weights have ${weights.length} entries, expected rank ${rank}`);
    this.shape = [...shape];
    this.rank = rank;
    this.factors = factors;
    this.weights = weights;
  }

  /** Factors with i.i.d. N(0, std²) entries, in mode order; no weights. */
  static random(shape: readonly number[], rank: number, rng: Rng, std = 1): CPTensor {
    return new CPTensor(
      shape,
      rank,
      shape.map((d) => rng.fillNormal(new Float64Array(d * rank), 0, std)),
    );
  }

  get parameterCount(): number {
    return cpParameterCount(this.shape, this.rank, this.weights !== null);
  }

  /** The dense tensor: X_(0) = A⁽⁰⁾ diag(λ) (A⁽¹⁾ ⊙ … ⊙ A⁽ᴺ⁻¹⁾)ᵀ. */
  reconstruct(): Tensor {
    const R = this.rank;
    const first = this.weightedFactor(0);
    const kr = khatriRao(this.factors, R, 0, this.shape);
    const rest = kr.length / R;
    const x = new Tensor(this.shape);
    gemmNT(this.shape[0], rest, R, first, 0, R, kr, 0, R, x.data, 0, rest);
    return x;
  }

  /** Scales each column of every factor to unit norm, moving the norms into λ. */
  normalize(): this {
    const R = this.rank;
    const w = this.weights ?? new Float64Array(R).fill(1);
    this.factors.forEach((A, n) => {
      const I = this.shape[n];
      for (let r = 0; r < R; r++) {
        let s = 0;
        for (let i = 0; i < I; i++) s += A[i * R + r] ** 2;
        const norm = Math.sqrt(s);
        w[r] *= norm;
        if (norm > 0) for (let i = 0; i < I; i++) A[i * R + r] /= norm;
      }
    });
    this.weights = w;
    return this;
  }

  /** Folds λ into the first factor (A⁽⁰⁾ ← A⁽⁰⁾ diag(λ)) and drops the weights: R fewer parameters. */
  absorbWeights(): this {
    if (this.weights) {
      this.factors[0] = this.weightedFactor(0);
      this.weights = null;
    }
    return this;
  }

  /**
   * Gradients of J(X) with respect to the factors, given G = ∂J/∂X:
   *   ∂J/∂A⁽ⁿ⁾ = G_(n) (⊙_{k≠n} A⁽ᵏ⁾) diag(λ)   (an MTTKRP),  ∂J/∂λ_r = Σ_i (G_(0) KR₋₀)[i,r] A⁽⁰⁾[i,r].
   */
  gradients(gradX: Tensor): { factors: Float64Array[]; weights: Float64Array | null } {
    const R = this.rank;
    const factors = this.shape.map((I, n) => {
      const m = mttkrp(gradX, this.factors, R, n);
      if (this.weights)
        for (let i = 0; i < I; i++) for (let r = 0; r < R; r++) m[i * R + r] *= this.weights[r];
      return m;
    });
    let weights: Float64Array | null = null;
    if (this.weights) {
      const m = mttkrp(gradX, this.factors, R, 0);
      weights = new Float64Array(R);
      const A = this.factors[0];
      for (let i = 0; i < this.shape[0]; i++)
        for (let r = 0; r < R; r++) weights[r] += m[i * R + r] * A[i * R + r];
    }
    return { factors, weights };
  }

  private weightedFactor(n: number): Float64Array {
    const A = Float64Array.from(this.factors[n]);
    const w = this.weights;
    if (w) {
      const R = this.rank;
      for (let i = 0; i < this.shape[n]; i++) for (let r = 0; r < R; r++) A[i * R + r] *= w[r];
    }
    return A;
  }
}

/** R·Σ I_n (+ R for the weights). As in the 2020 tensor-factorization RL proposal: rank 8 of a 3×3×64×64 conv kernel → 8·134 = 1 072. */
export function cpParameterCount(shape: readonly number[], rank: number, withWeights = false): number {
  return rank * shape.reduce((a, b) => a + b, 0) + (withWeights ? rank : 0);
}

/**
 * Khatri–Rao product of all factors except mode `skip`, rows ordered like the columns of
 * {@link unfold}(X, skip) (remaining modes in order, the last fastest): row-major (Π_{k≠skip} I_k)×R.
 */
export function khatriRao(
  factors: readonly Float64Array[],
  R: number,
  skip: number,
  shape: readonly number[],
): Float64Array {
  let kr: Float64Array = new Float64Array(R).fill(1);
  let rows = 1;
  for (let k = 0; k < shape.length; k++) {
    if (k === skip) continue;
    const I = shape[k];
    const A = factors[k];
    const next = new Float64Array(rows * I * R);
    for (let p = 0; p < rows; p++) {
      for (let i = 0; i < I; i++) {
        const dst = (p * I + i) * R;
        for (let r = 0; r < R; r++) next[dst + r] = kr[p * R + r] * A[i * R + r];
      }
    }
    kr = next;
    rows *= I;
  }
  return kr;
}

/** Matricized tensor times Khatri–Rao product: X_(n) (⊙_{k≠n} A⁽ᵏ⁾), an I_n×R matrix. */
export function mttkrp(x: Tensor, factors: readonly Float64Array[], R: number, n: number): Float64Array {
  const I = x.shape[n];
  const cols = x.size / I;
  const out = new Float64Array(I * R);
  gemmNN(I, R, cols, unfold(x, n), 0, cols, khatriRao(factors, R, n, x.shape), 0, R, out, 0, R);
  return out;
}
