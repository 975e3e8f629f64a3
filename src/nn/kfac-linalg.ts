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
  // Linv = L⁻¹ (lower triangular), by forward substitution on the identity's columns.
  const Linv = new Float64Array(n * n);
  for (let c = 0; c < n; c++) {
    Linv[c * n + c] = 1 / L[c * n + c];
    for (let i = c + 1; i < n; i++) {
      let s = 0;
      for (let k = c; k < i; k++) s -= L[i * n + k] * Linv[k * n + c];
      Linv[i * n + c] = s / L[i * n + i];
    }
  }
  // M⁻¹[i, j] = Σ_k Linv[k, i] Linv[k, j], k ≥ max(i, j).
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = 0;
      for (let k = i; k < n; k++) s += Linv[k * n + i] * Linv[k * n + j];
      out[i * n + j] = s;
      out[j * n + i] = s;
    }
  }
  return out;
}
