import { Tensor } from "../factor/tensor.js";
import { cpSweep, maxCpRank, tuckerSweep, type KernelApproximation } from "./kernel-decompositions.js";
import { makeBaseline, returnColumns, type LaserBaseline, type LaserRow } from "./laser-row.js";
import type { BootstrapOptions } from "./paired-stats.js";
import { TrialRunner, type LaserSubject } from "./subject.js";
import {
  enumerateWeightMatrices,
  findWeightMatrix,
  LaserInputError,
  withReplacedMatrix,
  type WeightMatrix,
} from "./weight-matrices.js";

export interface KernelGridSpec {
  /** CP ranks (ascending); values above a kernel's CP-rank bound are skipped. Default 1, 2, 4, 8, 16, 32. */
  readonly cpRanks?: readonly number[];
  /** Tucker fractions ρ (ascending, in (0, 1]); Rₙ = ⌈ρ·Iₙ⌉. Default 0.25, 0.5, 0.75, 1 (1 = null control). */
  readonly tuckerFractions?: readonly number[];
  /** Modes kept at full size in Tucker (e.g. [2, 3]: spatial, i.e. Tucker-2). Default none. */
  readonly tuckerKeepModes?: readonly number[];
}

export const DEFAULT_KERNEL_GRID: Required<KernelGridSpec> = {
  cpRanks: [1, 2, 4, 8, 16, 32],
  tuckerFractions: [0.25, 0.5, 0.75, 1],
  tuckerKeepModes: [],
};

export interface KernelSweepOptions {
  /** Conv kernels to sweep (default all of them). A name that is not a conv kernel throws. */
  readonly layers?: readonly string[];
  readonly methods?: readonly ("cp" | "tucker")[];
  readonly grid?: KernelGridSpec;
  /** Seeds CP-ALS. */
  readonly seed?: number;
  readonly bootstrap?: BootstrapOptions;
  readonly onTrial?: (row: LaserRow, done: number, total: number) => void;
}

export interface KernelSummary {
  readonly name: string;
  readonly shape: readonly number[];
  readonly parametersDense: number;
  readonly maxCpRank: number;
}

export interface KernelSweepResult {
  readonly baseline: LaserBaseline;
  readonly kernels: readonly KernelSummary[];
  readonly rows: readonly (LaserRow & { readonly note: string })[];
  readonly weightsChecksum: string;
}

/**
 * The tensor variant of the sweep (the 2020 tensor-factorization RL proposal's "approximation error / bricks vs CP rank"): each conv
 * kernel 𝒦 ∈ ℝ^{out×in×kh×kw} is replaced, alone, by its CP-ALS or Tucker-HOOI model at each grid
 * rank, the policy is evaluated on the shared seeds and the original restored (verified by checksum).
 * Decompositions are computed once per kernel before any evaluation.
 */
export function runKernelSweep(subject: LaserSubject, options: KernelSweepOptions = {}): KernelSweepResult {
  const runner = new TrialRunner(subject);
  const all = enumerateWeightMatrices(runner.original);
  const convs = all.filter((m) => m.kind === "conv");
  const selected: WeightMatrix[] = options.layers
    ? options.layers.map((n) => {
        const m = findWeightMatrix(all, n);
        if (m.kind !== "conv")
          throw new LaserInputError(
            `layer "${n}" is a ${m.kind} matrix, not a conv kernel; conv kernels: ${convs.map((c) => c.name).join(", ") || "(none)"}`,
          );
        return m;
      })
    : convs;
  const methods = options.methods ?? ["cp", "tucker"];
  const grid = { ...DEFAULT_KERNEL_GRID, ...(options.grid ?? {}) };
  const plans = selected.map((matrix) => {
    const kernel = new Tensor(matrix.tensorShape, matrix.values);
    const approximations: KernelApproximation[] = [];
    if (methods.includes("cp")) {
      const bound = maxCpRank(kernel.shape);
      const ranks = grid.cpRanks.filter((r) => r <= bound);
      if (ranks.length > 0) approximations.push(...cpSweep(kernel, ranks, { seed: options.seed }));
    }
    if (methods.includes("tucker"))
      approximations.push(...tuckerSweep(kernel, grid.tuckerFractions, { keepModes: grid.tuckerKeepModes }));
    return { matrix, approximations };
  });
  const total = plans.reduce((s, p) => s + p.approximations.length, 0);
  const bootstrap = options.bootstrap ?? {};
  const baseline = makeBaseline(runner.evaluateOriginal());
  const rows: (LaserRow & { note: string })[] = [];
  for (const { matrix, approximations } of plans) {
    for (const a of approximations) {
      const modified = a.nullControl
        ? { ...runner.original }
        : withReplacedMatrix(runner.original, matrix, a.reconstruction);
      const returns = runner.evaluateWith(modified);
      const row = {
        layer: matrix.name,
        method: a.method,
        rank: a.ranks[0],
        ranks: a.ranks,
        rankLabel: a.rankLabel,
        maxRank: null,
        rankFraction: a.fraction,
        nullControl: a.nullControl,
        energyKept: null,
        relativeError: a.relativeError,
        parameters: a.parameters,
        parametersDense: matrix.values.length,
        ...returnColumns(returns, baseline, bootstrap),
        note: a.note,
      };
      rows.push(row);
      options.onTrial?.(row, rows.length, total);
    }
  }
  runner.assertRestored("at the end of the kernel sweep");
  return {
    baseline,
    kernels: selected.map((m) => ({
      name: m.name,
      shape: m.tensorShape,
      parametersDense: m.values.length,
      maxCpRank: maxCpRank(m.tensorShape),
    })),
    rows,
    weightsChecksum: runner.checksum,
  };
}
