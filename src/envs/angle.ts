/** 2π as the double `2 * Math.PI` (what the references compute). */
export const TWO_PI = 2 * Math.PI;

/**
 * Wraps an angle into [−π, π): `((x + π) mod 2π) − π` with Python/NumPy floor-mod semantics
 * (`m = fmod(x + π, 2π)`, plus 2π when negative), as gym/Gymnasium `angle_normalize`.
 */
export function angleNormalize(x: number): number {
  const y = x + Math.PI;
  // fmod(y, 2π) = y exactly when 0 ≤ y < 2π: skip the (slow) floating-point remainder.
  if (y >= 0 && y < TWO_PI) return y - Math.PI;
  let m = y % TWO_PI;
  if (m < 0) m += TWO_PI;
  return m - Math.PI;
}

/** Float32 rounding (NumPy `astype(np.float32)`), for float32 observations. */
export const f32 = Math.fround;
