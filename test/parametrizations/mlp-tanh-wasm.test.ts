import { describe, expect, it } from "vitest";
import { TanhMlpKernels } from "../../src/parametrizations/mlp-wasm.js";
import { ScalarMlp } from "../../src/parametrizations/mlp.js";
import { Rng } from "../../src/random/rng.js";
import { wasmSimdAvailable } from "../../src/wasm/index.js";
import { oneMatchesBatch, parametrizationGradError } from "./grad-check.js";

/** Two equal S→H→1 tanh nets: one on the f64x2 kernels, one on the scalar loops. */
function pair(S: number, H: number, seed: number): [ScalarMlp, ScalarMlp] {
  const fast = new ScalarMlp(S, H, "f", { activation: "tanh" });
  const slow = new ScalarMlp(S, H, "f", { activation: "tanh", kernels: false });
  fast.initTorchDefault(new Rng(seed));
  slow.initTorchDefault(new Rng(seed));
  return [fast, slow];
}

/** Indices where a and b differ as numbers (NaN equals NaN; +0 and −0 differ). */
function differences(a: ArrayLike<number>, b: ArrayLike<number>): number[] {
  const bad: number[] = [];
  for (let i = 0; i < Math.max(a.length, b.length); i++) if (!Object.is(a[i], b[i])) bad.push(i);
  return bad;
}

/** Batch forward, backward after it and backward after keepBatch alone on both nets; every difference. */
function disagreements(fast: ScalarMlp, slow: ScalarMlp, x: Float64Array, g: Float64Array): string[] {
  const T = g.length;
  const out: string[] = [];
  const yf = new Float64Array(T);
  const ys = new Float64Array(T);
  fast.forwardBatch(x, T, yf);
  slow.forwardBatch(x, T, ys);
  if (differences(yf, ys).length > 0) out.push(`forwardBatch T=${T}`);
  fast.backwardBatch(g);
  slow.backwardBatch(g);
  fast.keepBatch(x, T);
  slow.keepBatch(x, T);
  fast.backwardBatch(g);
  slow.backwardBatch(g);
  fast.parameters.forEach((p, i) => {
    if (differences(p.grad, slow.parameters[i].grad).length > 0) out.push(`${p.name}.grad T=${T}`);
  });
  return out;
}

describe.skipIf(!wasmSimdAvailable())("ScalarMlp tanh f64x2 kernels (S → H → 1)", () => {
  it("exist for an even width only", () => {
    expect(TanhMlpKernels.create(3, 64)).not.toBeNull();
    expect(TanhMlpKernels.create(3, 7)).toBeNull();
    expect(TanhMlpKernels.create(0, 8)).toBeNull();
  });

  it("batch forward and backward equal the scalar loops bit for bit (any S, odd and even T, growing batches)", () => {
    const rng = new Rng(5);
    for (const [S, H] of [
      [3, 64],
      [1, 2],
      [2, 6],
      [4, 10],
    ]) {
      const [fast, slow] = pair(S, H, 10 * S + H);
      for (const T of [1, 2, 3, 5, 8, 37, 1001, 7]) {
        const x = rng.fillNormal(new Float64Array(S * T));
        for (let i = 0; i < x.length; i++) x[i] *= 6;
        const g = rng.fillNormal(new Float64Array(T));
        expect(disagreements(fast, slow, x, g)).toEqual([]);
      }
    }
  });

  it("stay bit-identical with non-finite and extreme inputs, weights and upstream gradients", () => {
    const [fast, slow] = pair(3, 8, 2);
    const T = 9;
    const rng = new Rng(6);
    const x = rng.fillNormal(new Float64Array(3 * T));
    x.set([NaN, Infinity, -Infinity, 1e-310, -0, 1e300, 30, -25, 2 ** -29], 0);
    const g = rng.fillNormal(new Float64Array(T));
    g[2] = Infinity;
    g[4] = NaN;
    expect(disagreements(fast, slow, x, g)).toEqual([]);
    for (const net of [fast, slow]) {
      net.w1.data[4] = Infinity;
      net.b1.data[3] = NaN;
      net.w2.data[1] = -Infinity;
    }
    expect(disagreements(fast, slow, x, g)).toEqual([]);
  });

  it("gradients match central differences on the kernel path; forwardOne equals the batch", () => {
    const rng = new Rng(12);
    const f = new ScalarMlp(3, 8, "layers", { activation: "tanh" });
    f.initTorchDefault(rng);
    const T = 6;
    const states = rng.fillNormal(new Float64Array(T * 3));
    expect(parametrizationGradError(f, states, T, 2)).toBeLessThan(1e-7);
    expect(oneMatchesBatch(f, states, T)).toBe(true);
  });
});
