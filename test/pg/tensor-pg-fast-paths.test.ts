import { describe, expect, it } from "vitest";
import { GaussianHead } from "../../src/heads/gaussian.js";
import { CpGrid } from "../../src/parametrizations/cp-grid.js";
import { AxisGrid } from "../../src/parametrizations/discretizer.js";
import { ScalarMlp } from "../../src/parametrizations/mlp.js";
import type { Parametrization } from "../../src/parametrizations/parametrization.js";
import { RbfFeatures } from "../../src/parametrizations/rbf.js";
import { GaussianFisher, gaussianPolicyView } from "../../src/pg/trpo-gaussian.js";
import { Rng } from "../../src/random/rng.js";

/**
 * The fast paths of the tensor-low-rank PG models keep every number: sparse Fisher rows against
 * the dense per-state rows, the RBF's four-states-at-a-time loops and the tanh MLP's kept
 * activations against their one-state-at-a-time forms, compared bit for bit.
 */

const bits = (a: ArrayLike<number>): string[] => Array.from(a, (x) => (Object.is(x, -0) ? "-0" : String(x)));
const S = 3;

function states(rng: Rng, T: number): Float64Array {
  return Float64Array.from({ length: T * S }, (_, i) =>
    i % S === 2 ? rng.normal() * 3 : rng.uniformRange(-1, 1),
  );
}

/** forwardBatch's outputs equal forwardOne's, state by state, bit for bit. */
function expectBatchEqualsOne(f: Parametrization, st: Float64Array, T: number): void {
  const out = new Float64Array(T);
  f.forwardBatch(st, T, out);
  const one = new Float64Array(1);
  for (let t = 0; t < T; t++) {
    f.forwardOne(st.subarray(t * S, (t + 1) * S), one);
    expect(bits([out[t]])).toEqual(bits(one));
  }
}

function cpActor(rng: Rng): CpGrid {
  const a = new CpGrid({ grid: new AxisGrid({ low: [-1, -1, -5], high: [1, 1, 5], buckets: 6 }), rank: 3 });
  a.initNormal(rng, 0.5);
  return a;
}

function rbfActor(rng: Rng): RbfFeatures {
  const a = new RbfFeatures(S, { features: 23 }, "actor");
  a.init(rng);
  return a;
}

describe("GaussianFisher: sparse rows of the CP and RBF actors give the dense rows' products exactly", () => {
  for (const [name, make] of [
    ["CP tensor", cpActor],
    ["RBF", rbfActor],
  ] as const)
    it(`${name}: (F + λI)v bit for bit, for finite v and for v with NaN or ∞ entries`, () => {
      const rng = new Rng(name.length);
      const actor: Parametrization = make(rng);
      const head = new GaussianHead({
        sigma: { kind: "scalar", logSigmaInit: -0.4 },
        logSigmaClamp: [-2, 0],
      });
      const T = 57;
      const st = states(rng, T);
      const view = gaussianPolicyView(actor, head);
      expect(view.sparseJacobianRows).toBeTypeOf("function");
      const denseView = { ...view, sparseJacobianRows: undefined };
      const sparse = new GaussianFisher(view, st, T, S);
      const dense = new GaussianFisher(denseView, st, T, S);
      expect(sparse.jacobian).toBeNull();
      expect(dense.jacobian).not.toBeNull();
      const P = view.size;
      const vs = [0, 1, 2].map(() => rng.fillNormal(new Float64Array(P)));
      const withNaN = rng.fillNormal(new Float64Array(P));
      withNaN[3] = NaN;
      const withInf = rng.fillNormal(new Float64Array(P));
      withInf[P - 2] = Infinity;
      for (const v of [...vs, withNaN, withInf, new Float64Array(P)]) {
        const a = sparse.apply(v, new Float64Array(P), 1e-3);
        const b = dense.apply(v, new Float64Array(P), 1e-3);
        expect(bits(a)).toEqual(bits(b));
      }
    });
});

describe("RBF batch loops", () => {
  it("forwardBatch equals forwardOne and backwardBatch equals the one-state-at-a-time sums (g with zeros), bit for bit", () => {
    const rng = new Rng(3);
    const f = rbfActor(rng);
    const T = 43;
    const st = states(rng, T);
    expectBatchEqualsOne(f, st, T);
    const g = Float64Array.from({ length: T }, (_, t) => (t % 7 === 3 ? 0 : rng.normal()));
    for (const p of f.parameters) p.grad.fill(0);
    f.backwardBatch(g);
    const gW = new Float64Array(f.features);
    let gb = 0;
    const phi = new Float64Array(f.features);
    for (let t = 0; t < T; t++) {
      if (g[t] === 0) continue;
      f.featuresOf(st, t * S, phi);
      gb += g[t];
      for (let k = 0; k < f.features; k++) gW[k] += g[t] * phi[k];
    }
    expect(bits(f.weight.grad)).toEqual(bits(gW));
    expect(bits(f.bias.grad)).toEqual(bits([gb]));
  });
});

describe("tanh MLP with kept activations", () => {
  it("forwardBatch equals forwardOne, and backward from the kept activations equals backward that recomputes them, bit for bit", () => {
    const rng = new Rng(4);
    const f = new ScalarMlp(S, 9, "layers", { activation: "tanh" });
    f.initTorchDefault(rng);
    const T = 31;
    const st = states(rng, T);
    expectBatchEqualsOne(f, st, T);
    const g = rng.fillNormal(new Float64Array(T));
    for (const p of f.parameters) p.grad.fill(0);
    f.backwardBatch(g);
    const kept = f.parameters.map((p) => bits(p.grad));
    for (const p of f.parameters) p.grad.fill(0);
    f.keepBatch(st, T); // keeps the inputs only: backward recomputes the activations
    f.backwardBatch(g);
    expect(f.parameters.map((p) => bits(p.grad))).toEqual(kept);
  });
});
