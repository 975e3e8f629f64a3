import type { Parametrization } from "../../src/parametrizations/parametrization.js";
import { Rng } from "../../src/random/rng.js";

/**
 * Central finite differences of J = Σ_t r_t · z_t (z = forwardBatch of T states) against
 * backwardBatch(r), for every parameter entry. Returns the worst max|a − n| / (1 + |n|).
 */
export function parametrizationGradError(
  f: Parametrization,
  states: Float64Array,
  T: number,
  seed: number,
  eps = 1e-6,
): number {
  const rng = new Rng(seed);
  const D = f.outputDim;
  const r = rng.fillNormal(new Float64Array(T * D));
  const z = new Float64Array(T * D);
  const J = (): number => {
    f.forwardBatch(states, T, z);
    let s = 0;
    for (let i = 0; i < T * D; i++) s += r[i] * z[i];
    return s;
  };
  for (const p of f.parameters) p.grad.fill(0);
  J();
  f.backwardBatch(r);
  let worst = 0;
  for (const p of f.parameters) {
    const g = Float64Array.from(p.grad);
    for (let i = 0; i < p.data.length; i++) {
      const v = p.data[i];
      p.data[i] = v + eps;
      const up = J();
      p.data[i] = v - eps;
      const down = J();
      p.data[i] = v;
      const numeric = (up - down) / (2 * eps);
      worst = Math.max(worst, Math.abs(g[i] - numeric) / (1 + Math.abs(numeric)));
    }
  }
  return worst;
}

/** forwardOne on each state equals the batch forward, bit for bit. */
export function oneMatchesBatch(f: Parametrization, states: Float64Array, T: number): boolean {
  const D = f.outputDim;
  const batch = new Float64Array(T * D);
  f.forwardBatch(states, T, batch);
  const one = new Float64Array(D);
  for (let t = 0; t < T; t++) {
    f.forwardOne(states.subarray(t * f.inputDim, (t + 1) * f.inputDim), one, 0);
    for (let a = 0; a < D; a++) if (!Object.is(one[a], batch[t * D + a])) return false;
  }
  return true;
}
