/**
 * How a factorized layer's rank is given (tensorly-torch's `rank` argument):
 * - an integer: that rank (for Tucker, the same rank for every mode, capped at each mode's size);
 * - an array of integers: one rank per mode (Tucker), used as given;
 * - a number in (0, 1) that is not an integer, or `{ fraction }`: ranks chosen so the factorized
 *   weight has ≈ that fraction of the dense layer's parameter count (`{ fraction: 1 }` ≈ dense).
 */
export type RankSpec = number | readonly number[] | { readonly fraction: number };

export type ParsedRank =
  | { kind: "fraction"; fraction: number }
  | { kind: "ranks"; ranks: readonly number[] }
  | { kind: "rank"; rank: number };

export function parseRank(spec: RankSpec, field: string): ParsedRank {
  if (typeof spec === "number") {
    if (Number.isInteger(spec) && spec >= 1) return { kind: "rank", rank: spec };
    if (spec > 0 && spec < 1) return { kind: "fraction", fraction: spec };
    throw new RangeError(`${field} must be a positive integer or a fraction in (0, 1), got ${spec}`);
  }
  if (Array.isArray(spec)) {
    const ranks = spec as readonly number[];
    ranks.forEach((r, k) => {
      if (!Number.isInteger(r) || r < 1)
        throw new RangeError(`${field}[${k}] must be a positive integer, got ${r}`);
    });
    return { kind: "ranks", ranks };
  }
  const fraction = (spec as { fraction: number }).fraction;
  if (!(fraction > 0) || !Number.isFinite(fraction))
    throw new RangeError(`${field}.fraction must be a positive number, got ${fraction}`);
  return { kind: "fraction", fraction };
}
