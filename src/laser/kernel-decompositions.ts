import { cpAls } from "../factor/cp-als.js";
import { cpParameterCount } from "../factor/cp-tensor.js";
import { Tensor, relativeError } from "../factor/tensor.js";
import { hooi } from "../factor/tucker-decomposition.js";
import { tuckerParameterCount } from "../factor/tucker-tensor.js";
import { deriveSeed, Rng } from "../random/rng.js";
import { LaserInputError } from "./weight-matrices.js";

/** One low-rank model of a conv kernel on the sweep's grid. */
export interface KernelApproximation {
  readonly method: "cp" | "tucker";
  /** CP: [R]; Tucker: per-mode ranks [R₀, …]. */
  readonly ranks: readonly number[];
  readonly rankLabel: string;
  /** Tucker: the fraction ρ the ranks came from; CP: null. */
  readonly fraction: number | null;
  /** CP: R·ΣIₙ (weights folded into the factors, the 2020 tensor-factorization RL proposal's count); Tucker: ΠRₙ + ΣIₙRₙ. */
  readonly parameters: number;
  /** ‖𝒦 − 𝒦̂‖_F / ‖𝒦‖_F. */
  readonly relativeError: number;
  /** 𝒦̂, row-major in the kernel's own shape. */
  readonly reconstruction: Float64Array;
  /** The ranks equal the kernel's dimensions (Tucker): 𝒦̂ is 𝒦 bit-for-bit. */
  readonly nullControl: boolean;
  /** Non-empty when the monotone safeguard replaced the decomposition (see {@link cpSweep}). */
  readonly note: string;
}

export interface CpSweepOptions {
  /** Seeds CP-ALS (its SVD init fills columns beyond a mode's size randomly). Default 0. */
  readonly seed?: number;
  /** ALS sweeps per rank (default 500). */
  readonly maxIterations?: number;
  /** ALS stopping tolerance on the change of relative error (default 1e-12). */
  readonly tolerance?: number;
}

/**
 * CP-ALS (src/factor `cpAls`, SVD init) of `kernel` at each rank of the ascending grid, made monotone:
 * a rank-R′ CP model padded with R − R′ zero components is a rank-R model with the same error, so if
 * ALS at rank R ends above the best smaller-rank error (ALS only finds a local minimum) the padded
 * smaller model is reported instead, with a note. The error therefore never rises along the grid.
 */
export function cpSweep(
  kernel: Tensor,
  ranks: readonly number[],
  options: CpSweepOptions = {},
): KernelApproximation[] {
  checkAscending(ranks, "CP ranks");
  const bound = maxCpRank(kernel.shape);
  for (const R of ranks) {
    if (!Number.isInteger(R) || R < 1 || R > bound) {
      throw new LaserInputError(
        `CP rank must be an integer in [1, ${bound}] (ΠIₙ / max Iₙ for a [${kernel.shape}] kernel; every tensor has CP rank ≤ that), got ${R}`,
      );
    }
  }
  const out: KernelApproximation[] = [];
  let best: KernelApproximation | null = null;
  for (const R of ranks) {
    const res = cpAls(kernel, R, {
      rng: new Rng(deriveSeed(options.seed ?? 0, R)),
      init: "svd",
      maxIterations: options.maxIterations ?? 500,
      tolerance: options.tolerance ?? 1e-12,
    });
    const reconstruction = res.cp.reconstruct().data;
    const err = relativeError(kernel.data, reconstruction);
    let approx: KernelApproximation = {
      method: "cp",
      ranks: [R],
      rankLabel: String(R),
      fraction: null,
      parameters: cpParameterCount(kernel.shape, R),
      relativeError: err,
      reconstruction,
      nullControl: false,
      note: "",
    };
    if (best && err > best.relativeError) {
      approx = {
        ...approx,
        relativeError: best.relativeError,
        reconstruction: best.reconstruction,
        note: `ALS at rank ${R} ended at error ${err.toExponential(3)}; kept the rank-${best.ranks[0]} model padded with zero components`,
      };
    }
    out.push(approx);
    best = approx;
  }
  return out;
}

/** ΠIₙ / max Iₙ: an upper bound on the CP rank of any tensor of this shape (write it as a sum of rank-1 fibres along its largest mode). */
export function maxCpRank(shape: readonly number[]): number {
  const prod = shape.reduce((a, b) => a * b, 1);
  return prod / Math.max(...shape);
}

/** Tucker ranks for fraction ρ: Rₙ = max(1, ⌈ρ·Iₙ⌉), or Iₙ for the modes in `keepModes`. */
export function tuckerRanksFor(
  shape: readonly number[],
  fraction: number,
  keepModes: readonly number[] = [],
): number[] {
  if (!(fraction > 0 && fraction <= 1))
    throw new LaserInputError(`Tucker fraction must be in (0, 1], got ${fraction}`);
  for (const m of keepModes) {
    if (!Number.isInteger(m) || m < 0 || m >= shape.length) {
      throw new LaserInputError(
        `Tucker keepModes entries must be mode indices in [0, ${shape.length - 1}], got ${m}`,
      );
    }
  }
  return shape.map((I, n) => (keepModes.includes(n) ? I : Math.max(1, Math.ceil(fraction * I))));
}

export interface TuckerSweepOptions {
  /** Modes kept at full size (e.g. [2, 3], the spatial modes of an (out, in, kh, kw) kernel: Tucker-2). */
  readonly keepModes?: readonly number[];
  readonly maxIterations?: number;
}

/**
 * HOOI (src/factor `hooi`, HOSVD start) of `kernel` at the ranks of each fraction ρ (ascending). The
 * ranks grow component-wise with ρ, so a smaller model embeds in a larger one (core padded with
 * zeros); as for CP, a larger model that ends above the best smaller error is replaced by the
 * embedded smaller one. At full ranks the kernel itself is returned (null control, error 0).
 * Duplicate rank tuples (from rounding) are dropped.
 */
export function tuckerSweep(
  kernel: Tensor,
  fractions: readonly number[],
  options: TuckerSweepOptions = {},
): KernelApproximation[] {
  checkAscending(fractions, "Tucker fractions");
  const out: KernelApproximation[] = [];
  const seen = new Set<string>();
  let best: KernelApproximation | null = null;
  for (const rho of fractions) {
    const ranks = tuckerRanksFor(kernel.shape, rho, options.keepModes);
    const label = ranks.join("x");
    if (seen.has(label)) continue;
    seen.add(label);
    const full = ranks.every((r, n) => r === kernel.shape[n]);
    let reconstruction: Float64Array;
    let err: number;
    if (full) {
      reconstruction = Float64Array.from(kernel.data);
      err = 0;
    } else {
      const res = hooi(kernel, ranks, { maxIterations: options.maxIterations ?? 100 });
      reconstruction = res.tucker.reconstruct().data;
      err = relativeError(kernel.data, reconstruction);
    }
    let approx: KernelApproximation = {
      method: "tucker",
      ranks,
      rankLabel: label,
      fraction: rho,
      parameters: tuckerParameterCount(kernel.shape, ranks),
      relativeError: err,
      reconstruction,
      nullControl: full,
      note: "",
    };
    if (best && err > best.relativeError) {
      approx = {
        ...approx,
        relativeError: best.relativeError,
        reconstruction: best.reconstruction,
        note: `HOOI at ranks ${label} ended at error ${err.toExponential(3)}; kept the ${best.rankLabel} model embedded`,
      };
    }
    out.push(approx);
    best = approx;
  }
  return out;
}

function checkAscending(values: readonly number[], field: string): void {
  if (values.length === 0) throw new LaserInputError(`${field}: the grid is empty`);
  for (let i = 1; i < values.length; i++) {
    if (!(values[i] > values[i - 1]))
      throw new LaserInputError(`${field} must be strictly ascending, got [${values.join(", ")}]`);
  }
}
