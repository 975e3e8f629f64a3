import { describe, expect, it } from "vitest";
import { RbfKernels } from "../../src/parametrizations/rbf-wasm.js";
import { RbfFeatures } from "../../src/parametrizations/rbf.js";
import { Rng } from "../../src/random/rng.js";
import { wasmSimdAvailable } from "../../src/wasm/index.js";
import { parametrizationGradError } from "./grad-check.js";

/** Two equal RBF layers: one on the f64x2 kernels, one on the scalar loops. */
function pair(S: number, K: number, seed: number): [RbfFeatures, RbfFeatures] {
  const fast = new RbfFeatures(S, { features: K }, "r");
  const slow = new RbfFeatures(S, { features: K, kernels: false }, "r");
  fast.init(new Rng(seed));
  slow.init(new Rng(seed));
  return [fast, slow];
}

/** Forward and backward on both layers; a label for every output or gradient that differs (NaN equals NaN, ±0 differ). */
function disagreements(fast: RbfFeatures, slow: RbfFeatures, x: Float64Array, g: Float64Array): string[] {
  const T = g.length;
  const out: string[] = [];
  const yf = new Float64Array(T);
  const ys = new Float64Array(T);
  fast.forwardBatch(x, T, yf);
  slow.forwardBatch(x, T, ys);
  for (let t = 0; t < T; t++) if (!Object.is(yf[t], ys[t])) out.push(`z[${t}] T=${T}`);
  fast.backwardBatch(g);
  slow.backwardBatch(g);
  fast.parameters.forEach((p, i) => {
    for (let j = 0; j < p.grad.length; j++)
      if (!Object.is(p.grad[j], slow.parameters[i].grad[j])) out.push(`${p.name}.grad[${j}] T=${T}`);
  });
  return out;
}

describe.skipIf(!wasmSimdAvailable())("RbfFeatures f64x2 kernels (one output)", () => {
  it("exist for one output only; several outputs keep the scalar loops", () => {
    expect(RbfKernels.create(300, 3)).not.toBeNull();
    const multi = new RbfFeatures(2, { features: 5, outputs: 2 }, "m");
    multi.init(new Rng(1));
    const out = new Float64Array(6);
    multi.forwardBatch(new Float64Array(6), 3, out);
    expect(out.every(Number.isFinite)).toBe(true);
  });

  it("forward and backward equal the scalar loops bit for bit (odd and even K, any T, growing and repeated batches)", () => {
    const rng = new Rng(9);
    for (const K of [1, 2, 7, 300]) {
      const [fast, slow] = pair(3, K, K);
      for (const T of [1, 3, 4, 8, 9, 17, 203, 4, 1000]) {
        const x = rng.fillNormal(new Float64Array(3 * T));
        const g = rng.fillNormal(new Float64Array(T));
        expect(disagreements(fast, slow, x, g)).toEqual([]);
        expect(disagreements(fast, slow, x, g)).toEqual([]);
      }
    }
  });

  it("keep the scalar loops' skips of zero upstream gradients and their non-finite values", () => {
    const [fast, slow] = pair(2, 6, 4);
    const rng = new Rng(10);
    const T = 24;
    const x = rng.fillNormal(new Float64Array(2 * T));
    x[5] = NaN;
    x[8] = Infinity;
    const g = rng.fillNormal(new Float64Array(T));
    g.set([0, -0, NaN, Infinity], 0);
    g[9] = 0;
    g[13] = -Infinity;
    for (const f of [fast, slow]) {
      f.weight.grad[2] = -0;
      f.bias.grad[0] = -0;
      f.weight.data[3] = Infinity;
    }
    expect(disagreements(fast, slow, x, g)).toEqual([]);
  });

  it("φ by the exp kernel (single states and batches) equals featuresOf bit for bit (any γ, odd K, centres changed after init)", () => {
    const rng = new Rng(21);
    for (const [S, K, gamma] of [
      [3, 300, 1],
      [2, 9, 0.37],
      [1, 1, 5],
      [4, 10, 1e-3],
    ]) {
      const fast = new RbfFeatures(S, { features: K, gamma }, "r");
      const slow = new RbfFeatures(S, { features: K, gamma, kernels: false }, "r");
      for (const f of [fast, slow]) f.init(new Rng(S + K));
      const T = 13;
      const x = rng.fillNormal(new Float64Array(S * T));
      for (let i = 0; i < x.length; i++) x[i] *= 1 + 20 * rng.uniform();
      x[1] = NaN;
      x[S] = -Infinity;
      const yf = new Float64Array(1);
      const ys = new Float64Array(1);
      const bad: number[] = [];
      for (let round = 0; round < 2; round++) {
        for (let t = 0; t < T; t++) {
          fast.forwardOne(x.subarray(S * t), yf);
          slow.forwardOne(x.subarray(S * t), ys);
          if (!Object.is(yf[0], ys[0])) bad.push(t);
        }
        expect(disagreements(fast, slow, x, rng.fillNormal(new Float64Array(T)))).toEqual([]);
        // moved centres are picked up by both paths
        fast.centres[0] += 0.5;
        slow.centres[0] += 0.5;
        x[2 * S] += 1; // new states, so the batch φ is recomputed
      }
      expect(bad).toEqual([]);
    }
  });

  it("gradients match central differences on the kernel path", () => {
    const rng = new Rng(13);
    const f = new RbfFeatures(3, { features: 11 }, "r");
    f.init(rng);
    const T = 19;
    const states = rng.fillNormal(new Float64Array(T * 3));
    expect(parametrizationGradError(f, states, T, 2)).toBeLessThan(1e-7);
  });
});
