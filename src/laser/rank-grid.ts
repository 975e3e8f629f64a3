import { LaserInputError, type WeightMatrix } from "./weight-matrices.js";

/**
 * Target ranks to sweep for each matrix: absolute ranks plus fractions ρ of the max rank r,
 * k = max(1, ⌊ρ·r⌋) (the LASER convention k = int(ρ·min(m, n)), floored at 1). Full rank k = r is
 * ALWAYS added: it is the null control, whose delta must be exactly zero.
 */
export interface RankGridSpec {
  /** Absolute target ranks (integers ≥ 1). */
  readonly ranks?: readonly number[];
  /** Fractions of the max rank, each in (0, 1]. */
  readonly fractions?: readonly number[];
  /**
   * What to do with an absolute rank above a matrix's max rank: `"error"` (default; a rank the user
   * asked for that cannot exist is a mistake) or `"skip"` (useful for one grid over layers of
   * different sizes).
   */
  readonly aboveMaxRank?: "error" | "skip";
}

/** LASER's official ρ grid (docs/laser.md §2) plus ranks 1 and 2. */
export const DEFAULT_RANK_GRID: RankGridSpec = {
  ranks: [1, 2],
  fractions: [0.9, 0.8, 0.6, 0.4, 0.2, 0.1, 0.05, 0.01],
  aboveMaxRank: "skip",
};

/** Sorted, de-duplicated ranks for `matrix` (always ending in matrix.maxRank). */
export function ranksFor(matrix: Pick<WeightMatrix, "name" | "maxRank">, spec: RankGridSpec): number[] {
  const r = matrix.maxRank;
  const set = new Set<number>([r]);
  for (const k of spec.ranks ?? []) {
    if (!Number.isInteger(k) || k < 1)
      throw new LaserInputError(`rank grid: ranks must be integers >= 1, got ${k}`);
    if (k > r) {
      if ((spec.aboveMaxRank ?? "error") === "skip") continue;
      throw new LaserInputError(
        `rank grid: rank ${k} is above the max rank ${r} of layer "${matrix.name}" (use ranks <= ${r}, or aboveMaxRank: "skip")`,
      );
    }
    set.add(k);
  }
  for (const rho of spec.fractions ?? []) {
    if (!(rho > 0 && rho <= 1))
      throw new LaserInputError(`rank grid: fractions must be in (0, 1], got ${rho}`);
    set.add(Math.max(1, Math.floor(rho * r)));
  }
  return [...set].sort((a, b) => a - b);
}
