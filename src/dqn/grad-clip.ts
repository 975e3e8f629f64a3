import type { Parameter } from "../optim/parameter.js";

/**
 * Global-norm gradient clipping (Pascanu et al. 2013; torch `clip_grad_norm_`):
 * ‖g‖ = √(Σ_p Σ_i g²); if ‖g‖ > maxNorm every gradient is scaled by maxNorm / (‖g‖ + 1e-6).
 * Returns the norm before clipping.
 */
export function clipGradNorm(params: readonly Parameter[], maxNorm: number): number {
  if (!(maxNorm > 0)) throw new RangeError(`clipGradNorm: maxNorm must be > 0, got ${maxNorm}`);
  let sq = 0;
  for (const p of params) {
    const g = p.grad;
    for (let i = 0; i < g.length; i++) sq += g[i] * g[i];
  }
  const norm = Math.sqrt(sq);
  if (norm > maxNorm) {
    const scale = maxNorm / (norm + 1e-6);
    for (const p of params) {
      const g = p.grad;
      for (let i = 0; i < g.length; i++) g[i] *= scale;
    }
  }
  return norm;
}
