import type { PolicyHead } from "../../src/heads/head.js";

export const H = 1e-6;
export const close = (a: number, b: number, tol = 1e-5) => Math.abs(a - b) <= tol * (1 + Math.abs(b));

/**
 * One step through the head's actor loss (T = 1): returns whether J = −A·log π(a|z) and
 * ∂J/∂z agree with the head's log-prob and its central differences.
 */
export function headGradientMatches(head: PolicyHead, z: Float64Array, a: number, adv: number): boolean {
  const gz = new Float64Array(z.length);
  const loss = head.actorLoss(z, Float64Array.of(a), Float64Array.of(adv), 1, gz);
  const f = (zz: Float64Array) => -adv * head.logProb(zz, 0, a);
  if (!close(loss, f(z), 1e-12)) return false;
  for (let d = 0; d < z.length; d++) {
    const zp = z.slice();
    const zm = z.slice();
    zp[d] += H;
    zm[d] -= H;
    if (!close(gz[d], (f(zp) - f(zm)) / (2 * H))) return false;
  }
  return true;
}
