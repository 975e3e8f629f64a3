import type { Rng } from "../random/rng.js";
import { modeProduct, Tensor, unfold } from "./tensor.js";
import { gemmNT } from "./gemm.js";
import { checkPositiveInt } from "./validate.js";

/**
 * A Tucker tensor X = 𝒢 ×₀ U⁽⁰⁾ ×₁ U⁽¹⁾ … ×_{N−1} U⁽ᴺ⁻¹⁾ with core 𝒢 ∈ ℝ^{R₀×…×R_{N−1}} and factors
 * U⁽ⁿ⁾ ∈ ℝ^{I_n×R_n} (row-major). Parameters: Π R_n + Σ I_n R_n (Tucker 1966; Kolda & Bader 2009 §4).
 */
export class TuckerTensor {
  readonly shape: readonly number[];
  readonly ranks: readonly number[];
  readonly core: Tensor;
  readonly factors: Float64Array[];

  constructor(core: Tensor, factors: Float64Array[], shape: readonly number[]) {
    if (factors.length !== core.order || shape.length !== core.order) {
      throw new RangeError(
        `Tucker: core of order ${core.order} needs ${core.order} factors and dims, got ${factors.length} and ${shape.length}`,
      );
    }
    shape.forEach((d, n) => {
      checkPositiveInt(d, `shape[${n}]`);
      if (factors[n].length !== d * core.shape[n]) {
        throw new RangeError(
          `Tucker factor ${n} has ${factors[n].length} entries, expected I·R = ${d}·${core.shape[n]}`,
        );
      }
    });
    this.shape = [...shape];
    this.ranks = [...core.shape];
    this.core = core;
    this.factors = factors;
  }

  /** Core and factors with i.i.d. N(0, std²) entries (core first, then factors in mode order). */
  static random(shape: readonly number[], ranks: readonly number[], rng: Rng, std = 1): TuckerTensor {
    if (ranks.length !== shape.length)
      throw new RangeError(`ranks has ${ranks.length} entries, expected ${shape.length}`);
    const core = new Tensor(ranks);
    rng.fillNormal(core.data, 0, std);
    const factors = shape.map((d, n) => rng.fillNormal(new Float64Array(d * ranks[n]), 0, std));
    return new TuckerTensor(core, factors, shape);
  }

  get parameterCount(): number {
    return tuckerParameterCount(this.shape, this.ranks);
  }

  /** The dense tensor 𝒢 ×₀ U⁽⁰⁾ … ×_{N−1} U⁽ᴺ⁻¹⁾. */
  reconstruct(): Tensor {
    let x = this.core;
    for (let n = 0; n < this.shape.length; n++) x = modeProduct(x, this.factors[n], n, this.shape[n]);
    return x;
  }

  /**
   * Gradients of a loss J(X) with respect to core and factors, given G = ∂J/∂X:
   *   ∂J/∂𝒢 = G ×₀ U⁽⁰⁾ᵀ … ×_{N−1} U⁽ᴺ⁻¹⁾ᵀ,
   *   ∂J/∂U⁽ⁿ⁾ = G_(n) · [𝒢 ×_{k≠n} U⁽ᵏ⁾]_(n)ᵀ.
   */
  gradients(gradX: Tensor): { core: Tensor; factors: Float64Array[] } {
    const N = this.shape.length;
    let gc = gradX;
    for (let n = 0; n < N; n++) gc = modeProduct(gc, this.factors[n], n, this.ranks[n], true);
    const factors: Float64Array[] = [];
    for (let n = 0; n < N; n++) {
      let partial = this.core;
      for (let k = 0; k < N; k++)
        if (k !== n) partial = modeProduct(partial, this.factors[k], k, this.shape[k]);
      const Gn = unfold(gradX, n);
      const Pn = unfold(partial, n);
      const cols = gradX.size / this.shape[n];
      const g = new Float64Array(this.shape[n] * this.ranks[n]);
      gemmNT(this.shape[n], this.ranks[n], cols, Gn, 0, cols, Pn, 0, cols, g, 0, this.ranks[n]);
      factors.push(g);
    }
    return { core: gc, factors };
  }
}

/** Π R_n + Σ I_n R_n. */
export function tuckerParameterCount(shape: readonly number[], ranks: readonly number[]): number {
  let core = 1;
  let fac = 0;
  for (let n = 0; n < shape.length; n++) {
    core *= ranks[n];
    fac += shape[n] * ranks[n];
  }
  return core + fac;
}
