/**
 * How a factorized layer's size is given: exactly one of
 * - `rank`: the rank itself, a positive integer (for Tucker also one integer per mode, as an array;
 *   a single integer is used for every mode, capped at each mode's size);
 * - `parameterFraction`: a number f in (0, 1], ranks chosen so the factorized weight has ≈ f times
 *   the dense layer's parameter count (tensorly-torch's `rank=<float>`; the rules are in
 *   src/factor/rank-budget.ts and docs/factor-layers.md §9).
 * A non-integer `rank` is an error that names the field, never a silent fraction.
 */
export interface RankOptions {
  /** The rank: a positive integer (Tucker layers: or one integer per mode). */
  rank?: number | readonly number[];
  /** Fraction in (0, 1] of the dense layer's parameter count. */
  parameterFraction?: number;
}

export type ParsedRank =
  | { kind: "fraction"; fraction: number }
  | { kind: "ranks"; ranks: readonly number[] }
  | { kind: "rank"; rank: number };

/**
 * Reads `rank` / `parameterFraction` of a layer's options (`layer` names the layer in errors).
 * `tuple`: whether an array of per-mode ranks is accepted (Tucker layers).
 */
export function resolveRankOptions(
  options: RankOptions,
  layer: string,
  tuple?: false,
): Exclude<ParsedRank, { kind: "ranks" }>;
export function resolveRankOptions(options: RankOptions, layer: string, tuple: true): ParsedRank;
export function resolveRankOptions(options: RankOptions, layer: string, tuple = false): ParsedRank {
  const { rank, parameterFraction } = options;
  if (rank !== undefined && parameterFraction !== undefined) {
    throw new RangeError(`${layer}: give either rank or parameterFraction, not both`);
  }
  if (parameterFraction !== undefined) {
    if (typeof parameterFraction !== "number" || !(parameterFraction > 0 && parameterFraction <= 1)) {
      throw new RangeError(
        `${layer} parameterFraction must be a number in (0, 1] (a fraction of the dense parameter count), got ${String(parameterFraction)}`,
      );
    }
    return { kind: "fraction", fraction: parameterFraction };
  }
  if (rank === undefined) {
    throw new RangeError(
      `${layer}: give rank (a positive integer${tuple ? " or one per mode" : ""}) or parameterFraction (in (0, 1])`,
    );
  }
  if (Array.isArray(rank)) {
    if (!tuple) throw new RangeError(`${layer} rank must be one positive integer, got [${rank.join(", ")}]`);
    const ranks = rank as readonly number[];
    ranks.forEach((r, k) => {
      if (!Number.isInteger(r) || r < 1)
        throw new RangeError(`${layer} rank[${k}] must be a positive integer, got ${r}`);
    });
    return { kind: "ranks", ranks };
  }
  if (typeof rank !== "number" || !Number.isInteger(rank) || rank < 1) {
    const hint =
      typeof rank === "number" && rank > 0 && rank < 1
        ? ` (for a fraction of the dense parameter count use parameterFraction: ${rank})`
        : "";
    throw new RangeError(`${layer} rank must be a positive integer, got ${String(rank)}${hint}`);
  }
  return { kind: "rank", rank };
}

/**
 * For a value already parsed from a name that says which it is (the network names
 * `lowrank-<f>` vs `lowrank-rank<K>`): a number in (0, 1) is a parameter fraction, an integer a rank.
 * Anything else is passed on as a rank, so the layer reports it.
 */
export function rankOrFraction(value: number): { rank?: number; parameterFraction?: number };
export function rankOrFraction(value: number | readonly number[]): RankOptions;
export function rankOrFraction(value: number | readonly number[]): RankOptions {
  if (typeof value === "number" && value > 0 && value < 1) return { parameterFraction: value };
  return { rank: value };
}
