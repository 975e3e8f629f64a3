import { makeBaseline, returnColumns, type LaserBaseline, type LaserRow } from "./laser-row.js";
import type { BootstrapOptions } from "./paired-stats.js";
import { DEFAULT_RANK_GRID, ranksFor, type RankGridSpec } from "./rank-grid.js";
import { TrialRunner, type LaserSubject } from "./subject.js";
import { energyKept, relativeFrobeniusError, reconstructRank, thinSvd } from "./truncated-svd.js";
import {
  enumerateWeightMatrices,
  findWeightMatrix,
  withTruncatedMatrix,
  type WeightMatrix,
  type WeightMatrixKind,
} from "./weight-matrices.js";

export interface SvdSweepOptions {
  /** Layer names to sweep (default: every weight matrix of the policy). Unknown names throw. */
  readonly layers?: readonly string[];
  readonly grid?: RankGridSpec;
  readonly bootstrap?: BootstrapOptions;
  /** Called after each trial (for progress bars). */
  readonly onTrial?: (row: LaserRow, done: number, total: number) => void;
}

/** A swept matrix and its spectrum. */
export interface MatrixSummary {
  readonly name: string;
  readonly kind: WeightMatrixKind;
  readonly rows: number;
  readonly cols: number;
  readonly maxRank: number;
  readonly tensorShape: readonly number[];
  readonly singularValues: readonly number[];
}

export interface SvdSweepResult {
  readonly baseline: LaserBaseline;
  readonly matrices: readonly MatrixSummary[];
  readonly rows: readonly LaserRow[];
  /** Checksum of the policy's weights, identical before and after the sweep. */
  readonly weightsChecksum: string;
}

/**
 * LASER sweep (Sharma, Ash & Misra 2024, arXiv 2312.13558) done honestly: for each selected matrix
 * W and each target rank k of the grid, replace W alone by its exact rank-k truncation
 * W_k = U_k Σ_k V_kᵀ, evaluate on the shared evaluation seeds, restore the original weights (verified
 * by checksum), move on. Deltas are paired by seed against one baseline evaluation.
 */
export function runSvdSweep(subject: LaserSubject, options: SvdSweepOptions = {}): SvdSweepResult {
  const runner = new TrialRunner(subject);
  const all = enumerateWeightMatrices(runner.original);
  const selected: WeightMatrix[] = options.layers ? options.layers.map((n) => findWeightMatrix(all, n)) : all;
  const grid = options.grid ?? DEFAULT_RANK_GRID;
  const plans = selected.map((m) => ({ matrix: m, ranks: ranksFor(m, grid) }));
  const total = plans.reduce((s, p) => s + p.ranks.length, 0);
  const bootstrap = options.bootstrap ?? {};

  const baseline = makeBaseline(runner.evaluateOriginal());
  const rows: LaserRow[] = [];
  const matrices: MatrixSummary[] = [];
  for (const { matrix, ranks } of plans) {
    const svd = thinSvd(matrix.values, matrix.rows, matrix.cols);
    matrices.push({
      name: matrix.name,
      kind: matrix.kind,
      rows: matrix.rows,
      cols: matrix.cols,
      maxRank: matrix.maxRank,
      tensorShape: matrix.tensorShape,
      singularValues: Array.from(svd.sigma),
    });
    for (const k of ranks) {
      const nullControl = k === matrix.maxRank;
      const modified = withTruncatedMatrix(runner.original, matrix, svd, k);
      const returns = runner.evaluateWith(modified);
      const row: LaserRow = {
        layer: matrix.name,
        method: "svd",
        rank: k,
        ranks: [k],
        rankLabel: String(k),
        maxRank: matrix.maxRank,
        rankFraction: k / matrix.maxRank,
        nullControl,
        energyKept: energyKept(svd.sigma, k),
        relativeError: nullControl ? 0 : relativeFrobeniusError(matrix.values, reconstructRank(svd, k)),
        parameters: k * (matrix.rows + matrix.cols),
        parametersDense: matrix.rows * matrix.cols,
        ...returnColumns(returns, baseline, bootstrap),
      };
      rows.push(row);
      options.onTrial?.(row, rows.length, total);
    }
  }
  runner.assertRestored("at the end of the sweep");
  return { baseline, matrices, rows, weightsChecksum: runner.checksum };
}
