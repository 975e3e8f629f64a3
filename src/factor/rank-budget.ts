/**
 * Ranks that give a factorized tensor a target fraction f of the dense parameter count
 * (TensorLy's `validate_tucker_rank` / `validate_cp_rank` convention, used by tensorly-torch's
 * `rank=<float>`).
 */

function checkFraction(fraction: number): void {
  if (!(fraction > 0) || !Number.isFinite(fraction))
    throw new RangeError(`rank fraction must be a positive finite number, got ${fraction}`);
}

/**
 * Tucker: find c > 0 with Π_k R_k(c) + Σ_k I_k R_k(c) = f·Π_k I_k where R_k(c) = c·I_k (continuous),
 * then R_k = max(1, round(c·I_k)). Modes listed in `fixedModes` keep R_k = I_k; `minRanks[k]` raises
 * R_k(c) to at least that value (continuous and rounded). Solved by bisection (the count is
 * increasing in c). Example: (16, 8, 8, 128) at f = 0.1 gives (7, 4, 4, 58).
 */
export function tuckerRanksForFraction(
  shape: readonly number[],
  fraction: number,
  options: { fixedModes?: readonly number[]; minRanks?: readonly number[] } = {},
): number[] {
  checkFraction(fraction);
  const fixed = new Set(options.fixedModes ?? []);
  const floor = (k: number): number => options.minRanks?.[k] ?? 1;
  const dense = shape.reduce((a, b) => a * b, 1);
  const rankAt = (c: number, k: number): number =>
    fixed.has(k) ? shape[k] : Math.min(shape[k], Math.max(floor(k), c * shape[k]));
  const count = (c: number): number => {
    let core = 1;
    let fac = 0;
    for (let k = 0; k < shape.length; k++) {
      const r = rankAt(c, k);
      core *= r;
      fac += shape[k] * r;
    }
    return core + fac;
  };
  const target = fraction * dense;
  let lo = 0;
  let hi = 1;
  while (count(hi) < target && hi < 1e6) hi *= 2;
  for (let it = 0; it < 200; it++) {
    const mid = (lo + hi) / 2;
    if (count(mid) < target) lo = mid;
    else hi = mid;
  }
  const c = (lo + hi) / 2;
  return shape.map((d, k) => (fixed.has(k) ? d : Math.min(d, Math.max(floor(k), 1, Math.round(c * d)))));
}

/** CP: R = max(1, round(f·Π I_k / Σ I_k)). Example: 3×3×64×64 at f = 1072/36864 gives 8. */
export function cpRankForFraction(shape: readonly number[], fraction: number): number {
  checkFraction(fraction);
  const dense = shape.reduce((a, b) => a * b, 1);
  const sum = shape.reduce((a, b) => a + b, 0);
  return Math.max(1, Math.round((fraction * dense) / sum));
}

/** Matrix (L Rᵀ): K = clamp(round(f·m·n / (m + n)), 1, min(m, n)). */
export function matrixRankForFraction(rows: number, cols: number, fraction: number): number {
  checkFraction(fraction);
  return Math.min(Math.min(rows, cols), Math.max(1, Math.round((fraction * rows * cols) / (rows + cols))));
}
