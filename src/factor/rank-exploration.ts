import type { Rng } from "../random/rng.js";
import { cpAls } from "./cp-als.js";
import { cpParameterCount } from "./cp-tensor.js";
import { Tensor } from "./tensor.js";

/**
 * Rank exploration as the tensor-low-rank authors run it (docs/trpo.md §8): evaluate a trained
 * policy's output on a dense grid over the state box, centre the tensor, fit CP decompositions of
 * increasing rank and report how fast the error falls — evidence that the policy is close to a
 * low-rank tensor.
 */

/** One axis of the sampling grid: `points` equally spaced values from `low` to `high`, both included. */
export interface GridAxis {
  low: number;
  high: number;
  points: number;
}

/**
 * X[i₀, …, i_{d−1}(, a)] = f(s) at s_k = low_k + i_k (high_k − low_k)/(points_k − 1) (numpy's
 * linspace), row-major; with `outputs` > 1 the last mode holds f's outputs (logits). `f` writes its
 * outputs into `out`.
 */
export function sampleOnGrid(
  f: (state: Float64Array, out: Float64Array) => void,
  axes: readonly GridAxis[],
  outputs = 1,
): Tensor {
  if (axes.length === 0) throw new RangeError("sampleOnGrid: at least one axis is needed");
  axes.forEach((a, k) => {
    if (!(Number.isInteger(a.points) && a.points >= 2 && a.points <= 100_000))
      throw new RangeError(
        `sampleOnGrid: axes[${k}].points must be an integer in [2, 100000], got ${a.points}`,
      );
    if (!(Number.isFinite(a.low) && Number.isFinite(a.high) && a.low < a.high))
      throw new RangeError(`sampleOnGrid: axes[${k}] must have finite low < high, got [${a.low}, ${a.high}]`);
  });
  if (!(Number.isInteger(outputs) && outputs >= 1))
    throw new RangeError(`sampleOnGrid: outputs must be an integer >= 1, got ${outputs}`);
  const shape = axes.map((a) => a.points);
  if (outputs > 1) shape.push(outputs);
  const x = new Tensor(shape);
  const d = axes.length;
  const idx = new Array<number>(d).fill(0);
  const state = new Float64Array(d);
  const out = new Float64Array(outputs);
  const cells = axes.reduce((n, a) => n * a.points, 1);
  for (let c = 0; c < cells; c++) {
    for (let k = 0; k < d; k++) {
      const a = axes[k];
      state[k] = a.low + (idx[k] * (a.high - a.low)) / (a.points - 1);
    }
    f(state, out);
    for (let o = 0; o < outputs; o++) x.data[c * outputs + o] = out[o];
    for (let k = d - 1; k >= 0; k--) {
      if (++idx[k] < axes[k].points) break;
      idx[k] = 0;
    }
  }
  return x;
}

/** X − mean(X) (the reference subtracts the mean before decomposing). */
export function centred(x: Tensor): Tensor {
  let m = 0;
  for (const v of x.data) m += v;
  m /= x.size;
  return new Tensor(
    x.shape,
    x.data.map((v) => v - m),
  );
}

/** Errors of the best rank-R CP fit found by ALS, in percent. */
export interface RankError {
  rank: number;
  /** CP parameters R·Σ I_n. */
  params: number;
  /** Normalized Frobenius error 100·‖X̂ − X‖_F / ‖X‖_F. */
  nfe: number;
  /** 100·max|X̂ − X| / max|X|, the normalized max error. */
  maxError: number;
  /**
   * The reference's signed variant 100·max(X̂ − X) / max(X) (largest overshoot over the largest
   * entry, no absolute values), reported for comparison with its figures.
   */
  referenceMaxError: number;
  iterations: number;
}

export interface RankExplorationOptions {
  rng: Rng;
  /** ALS initialisation (default "svd", as the reference's tensorly call). */
  init?: "svd" | "random";
  maxIterations?: number;
  tolerance?: number;
}

/** Fits CP-ALS for each rank in `ranks` to X and reports {@link RankError} per rank. */
export function cpRankExploration(
  x: Tensor,
  ranks: readonly number[],
  options: RankExplorationOptions,
): RankError[] {
  let norm2 = 0;
  let maxAbs = 0;
  let max = -Infinity;
  for (const v of x.data) {
    norm2 += v * v;
    maxAbs = Math.max(maxAbs, Math.abs(v));
    max = Math.max(max, v);
  }
  if (norm2 === 0) throw new RangeError("cpRankExploration: the tensor is zero");
  return ranks.map((rank) => {
    if (!(Number.isInteger(rank) && rank >= 1))
      throw new RangeError(`cpRankExploration: ranks must be integers >= 1, got ${rank}`);
    const fit = cpAls(x, rank, {
      rng: options.rng,
      init: options.init ?? "svd",
      maxIterations: options.maxIterations ?? 200,
      tolerance: options.tolerance ?? 1e-10,
    });
    const approx = fit.cp.reconstruct().data;
    let e2 = 0;
    let eAbs = 0;
    let eSigned = -Infinity;
    for (let i = 0; i < approx.length; i++) {
      const d = approx[i] - x.data[i];
      e2 += d * d;
      eAbs = Math.max(eAbs, Math.abs(d));
      eSigned = Math.max(eSigned, d);
    }
    return {
      rank,
      params: cpParameterCount(x.shape, rank),
      nfe: (100 * Math.sqrt(e2)) / Math.sqrt(norm2),
      maxError: (100 * eAbs) / maxAbs,
      referenceMaxError: (100 * eSigned) / max,
      iterations: fit.iterations,
    };
  });
}
