import { leadingLeftSingularVectors } from "./svd.js";
import { modeProduct, relativeError, Tensor, unfold } from "./tensor.js";
import { TuckerTensor } from "./tucker-tensor.js";

export interface TuckerResult {
  tucker: TuckerTensor;
  /** ‖X − X̂‖_F / ‖X‖_F of the returned decomposition (computed from the reconstruction). */
  relativeError: number;
  iterations: number;
}

function checkRanks(x: Tensor, ranks: readonly number[]): void {
  if (ranks.length !== x.order)
    throw new RangeError(`ranks has ${ranks.length} entries, expected one per mode (${x.order})`);
  ranks.forEach((r, n) => {
    if (!Number.isInteger(r) || r < 1 || r > x.shape[n]) {
      throw new RangeError(`ranks[${n}] must be an integer in [1, ${x.shape[n]}], got ${r}`);
    }
  });
}

function coreOf(x: Tensor, factors: Float64Array[], ranks: readonly number[]): Tensor {
  let core = x;
  for (let n = 0; n < x.order; n++) core = modeProduct(core, factors[n], n, ranks[n], true);
  return core;
}

/**
 * Truncated higher-order SVD (De Lathauwer, De Moor & Vandewalle 2000): U⁽ⁿ⁾ = the R_n leading left
 * singular vectors of the unfolding X_(n), core 𝒢 = X ×₀ U⁽⁰⁾ᵀ … ×_{N−1} U⁽ᴺ⁻¹⁾ᵀ. Exact when X has
 * multilinear rank ≤ ranks; otherwise quasi-optimal (error ≤ √N × the best).
 */
export function hosvd(x: Tensor, ranks: readonly number[]): TuckerResult {
  checkRanks(x, ranks);
  const factors = x.shape.map((d, n) => leadingLeftSingularVectors(unfold(x, n), d, x.size / d, ranks[n]));
  const tucker = new TuckerTensor(coreOf(x, factors, ranks), factors, x.shape);
  return { tucker, relativeError: relativeError(x, tucker.reconstruct()), iterations: 0 };
}

export interface HooiOptions {
  /** Maximum number of sweeps over the modes (default 100, as TensorLy's `tucker`). */
  maxIterations?: number;
  /** Stop when the relative error changes by less than this between sweeps (default 1e-10). */
  tolerance?: number;
}

/**
 * Higher-order orthogonal iteration (De Lathauwer et al. 2000), started from HOSVD: for each mode n,
 * U⁽ⁿ⁾ ← R_n leading left singular vectors of [X ×_{k≠n} U⁽ᵏ⁾ᵀ]_(n). With orthonormal factors
 * ‖X − X̂‖² = ‖X‖² − ‖𝒢‖², which never increases from sweep to sweep.
 */
export function hooi(x: Tensor, ranks: readonly number[], options: HooiOptions = {}): TuckerResult {
  checkRanks(x, ranks);
  const maxIterations = options.maxIterations ?? 100;
  const tolerance = options.tolerance ?? 1e-10;
  const factors = hosvd(x, ranks).tucker.factors;
  const norm2 = x.norm() ** 2;
  let previous = Infinity;
  let iterations = 0;
  for (let it = 0; it < maxIterations; it++) {
    iterations = it + 1;
    for (let n = 0; n < x.order; n++) {
      let y = x;
      for (let k = 0; k < x.order; k++) if (k !== n) y = modeProduct(y, factors[k], k, ranks[k], true);
      factors[n] = leadingLeftSingularVectors(unfold(y, n), x.shape[n], y.size / x.shape[n], ranks[n]);
    }
    const core = coreOf(x, factors, ranks);
    const err = norm2 === 0 ? 0 : Math.sqrt(Math.max(0, norm2 - core.norm() ** 2) / norm2);
    if (Math.abs(previous - err) < tolerance) break;
    previous = err;
  }
  const tucker = new TuckerTensor(coreOf(x, factors, ranks), factors, x.shape);
  return { tucker, relativeError: relativeError(x, tucker.reconstruct()), iterations };
}
