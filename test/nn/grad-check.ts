import type { Layer } from "../../src/nn/layer.js";
import { Rng } from "../../src/random/rng.js";

/**
 * Central finite differences of J = Σ r ⊙ layer(x) against the layer's backward(r), for every input
 * entry and every parameter entry. Returns the worst relative error max|a − n| / (1 + |n|).
 */
export function gradientError(layer: Layer, batch: number, seed: number, eps = 1e-6): number {
  const rng = new Rng(seed);
  const inSize = layer.inputShape.reduce((a, b) => a * b, 1) * batch;
  const outSize = layer.outputShape.reduce((a, b) => a * b, 1) * batch;
  const x = rng.fillNormal(new Float64Array(inSize));
  const r = rng.fillNormal(new Float64Array(outSize));
  const loss = (): number => {
    const y = layer.forward(x, batch);
    let s = 0;
    for (let i = 0; i < outSize; i++) s += r[i] * y[i];
    return s;
  };
  for (const p of layer.parameters) p.grad.fill(0);
  layer.forward(x, batch);
  const gx = Float64Array.from(layer.backward(r, batch));
  let worst = 0;
  const compare = (analytic: number, numeric: number): void => {
    worst = Math.max(worst, Math.abs(analytic - numeric) / (1 + Math.abs(numeric)));
  };
  for (let i = 0; i < inSize; i++) {
    const v = x[i];
    x[i] = v + eps;
    const up = loss();
    x[i] = v - eps;
    const down = loss();
    x[i] = v;
    compare(gx[i], (up - down) / (2 * eps));
  }
  for (const p of layer.parameters) {
    const g = Float64Array.from(p.grad);
    for (let i = 0; i < p.data.length; i++) {
      const v = p.data[i];
      p.data[i] = v + eps;
      const up = loss();
      p.data[i] = v - eps;
      const down = loss();
      p.data[i] = v;
      compare(g[i], (up - down) / (2 * eps));
    }
  }
  return worst;
}
