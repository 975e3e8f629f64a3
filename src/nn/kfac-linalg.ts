/**
 * Inverse of a symmetric positive-definite n×n matrix (row-major) by Cholesky, M = L Lᵀ, then
 * M⁻¹ = L⁻ᵀ L⁻¹ (n³/3 + n³/3 + n³/6 flops). Writes into `out` (may not alias `m`); throws a
 * RangeError naming `who` when a pivot is not positive (M not positive definite in float64).
 */
export function spdInverseInto(m: Float64Array, n: number, out: Float64Array, who: string): Float64Array {
  const L = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    let d = m[j * n + j];
    for (let k = 0; k < j; k++) d -= L[j * n + k] * L[j * n + k];
    if (!(d > 0)) throw new RangeError(`${who}: matrix is not positive definite (pivot ${d} at ${j})`);
    const ljj = Math.sqrt(d);
    L[j * n + j] = ljj;
    for (let i = j + 1; i < n; i++) {
      let s = m[i * n + j];
      for (let k = 0; k < j; k++) s -= L[i * n + k] * L[j * n + k];
      L[i * n + j] = s / ljj;
    }
  }
  // Linv = L⁻¹ (lower triangular), row by row with contiguous row updates:
  // Linv[i, :] = (e_i − Σ_{k<i} L[i, k] Linv[k, :]) / L[i, i].
  const Linv = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    Linv[ri + i] = 1;
    for (let k = 0; k < i; k++) {
      const f = L[ri + k];
      if (f === 0) continue;
      const rk = k * n;
      for (let j = 0; j <= k; j++) Linv[ri + j] -= f * Linv[rk + j];
    }
    const d = 1 / L[ri + i];
    for (let j = 0; j <= i; j++) Linv[ri + j] *= d;
  }
  // T = Linvᵀ (upper triangular), so that M⁻¹[i, j] = Σ_{k ≥ max(i, j)} T[i, k] T[j, k] reads rows.
  const T = new Float64Array(n * n);
  for (let k = 0; k < n; k++) for (let j = 0; j <= k; j++) T[j * n + k] = Linv[k * n + j];
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    for (let j = 0; j <= i; j++) {
      const rj = j * n;
      let s = 0;
      for (let k = i; k < n; k++) s += T[ri + k] * T[rj + k];
      out[ri + j] = s;
      out[rj + i] = s;
    }
  }
  return out;
}
