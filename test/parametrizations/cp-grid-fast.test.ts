import { describe, expect, it } from "vitest";
import { CpGrid } from "../../src/parametrizations/cp-grid.js";
import { AxisGrid } from "../../src/parametrizations/discretizer.js";
import { Rng } from "../../src/random/rng.js";

/** A CP grid of order S and a batch of T states with many repeated grid entries. */
function setup(S: number, rank: number, T: number, seed: number) {
  const rng = new Rng(seed);
  const buckets = Array.from({ length: S }, (_, d) => 3 + d);
  const grid = new AxisGrid({ low: new Array(S).fill(-1), high: new Array(S).fill(1), buckets });
  const f = new CpGrid({ grid, rank });
  f.initNormal(rng, 0.9, 0.05);
  const states = Float64Array.from({ length: T * S }, () => rng.uniformRange(-1.2, 1.2));
  const g = Float64Array.from({ length: T }, (_, t) => (t % 5 === 0 ? 0 : rng.normal()));
  return { f, states, g, rng };
}

const bits = (a: ArrayLike<number>): string[] => Array.from(a, (x) => (Object.is(x, -0) ? "-0" : String(x)));

describe("CpGrid batch paths give the per-state numbers exactly", () => {
  for (const S of [1, 2, 3, 4])
    it(`forwardBatch (distinct entries once, then a gather) equals forwardOne state by state, S = ${S}, also after the batch changes`, () => {
      const { f, states } = setup(S, 4, 200, 10 + S);
      const one = new Float64Array(1);
      const want = (st: Float64Array) =>
        Array.from({ length: 200 }, (_, t) => {
          f.forwardOne(st.subarray(t * S, (t + 1) * S), one, 0);
          return one[0];
        });
      const out = new Float64Array(200);
      f.forwardBatch(states, 200, out);
      expect(bits(out)).toEqual(bits(want(states)));
      const moved = states.slice();
      moved[7] = -moved[7] + 0.4; // another grid entry for one state: the kept indices must not be reused
      f.forwardBatch(moved, 200, out);
      expect(bits(out)).toEqual(bits(want(moved)));
      f.factors[0].data[1] += 0.25; // new parameters, same states
      f.forwardBatch(moved, 200, out);
      expect(bits(out)).toEqual(bits(want(moved)));
    });

  for (const S of [2, 3, 4])
    it(`backwardBatchOf adds exactly backwardBatch's gradients to the listed factors and leaves the others untouched, S = ${S}`, () => {
      const { f, states, g } = setup(S, 3, 150, 20 + S);
      const out = new Float64Array(150);
      f.forwardBatch(states, 150, out);
      for (const p of f.factors) p.grad.fill(0);
      f.backwardBatch(g);
      const full = f.factors.map((p) => bits(p.grad));
      for (let k = 0; k < S; k++) {
        const sentinel = f.factors.map((p, d) => p.grad.map((_, i) => (d === k ? 0 : 1000 + i)));
        f.factors.forEach((p, d) => p.grad.set(sentinel[d]));
        f.backwardBatchOf(g, new Set([f.factors[k]]));
        f.factors.forEach((p, d) => expect(bits(p.grad)).toEqual(d === k ? full[d] : bits(sentinel[d])));
      }
    });

  for (const S of [1, 3, 4])
    it(`sparseJacobianRows holds the rows backward gives for g = 1, the rest of each row exactly 0, S = ${S}`, () => {
      const { f, states } = setup(S, 3, 40, 30 + S);
      const P = f.parameterCount;
      const n = S * 3;
      const cols = new Int32Array(40 * n);
      const vals = new Float64Array(40 * n);
      expect(f.sparseJacobianRows(states, 40, cols, vals)).toBe(n);
      const one = new Float64Array(1);
      for (let t = 0; t < 40; t++) {
        for (const p of f.factors) p.grad.fill(0);
        f.forwardBatch(states.subarray(t * S, (t + 1) * S), 1, one);
        f.backwardBatch(Float64Array.of(1));
        const dense = new Float64Array(P);
        let o = 0;
        for (const p of f.factors) {
          dense.set(p.grad, o);
          o += p.grad.length;
        }
        const fromSparse = new Float64Array(P);
        for (let k = 0; k < n; k++) {
          if (k > 0) expect(cols[t * n + k]).toBeGreaterThan(cols[t * n + k - 1]);
          fromSparse[cols[t * n + k]] = vals[t * n + k];
        }
        expect(bits(fromSparse)).toEqual(bits(dense));
      }
    });

  it("a NaN state still throws a one-line error naming the entry", () => {
    const { f, states } = setup(3, 2, 10, 5);
    states[4] = NaN;
    expect(() => f.forwardBatch(states, 10, new Float64Array(10))).toThrow(/state\[1\] is NaN/);
    expect(() => f.forwardOne(Float64Array.of(0, NaN, 0), new Float64Array(1))).toThrow(/state\[1\] is NaN/);
  });
});
