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

describe("CpGrid 3-mode backward (rows grouped by index, five ranks at a time) and the least-squares sweep", () => {
  const subsets: (number[] | null)[] = [null, [0], [1], [2], [0, 1], [1, 2], [0, 2], []];
  for (const [rank, T] of [
    [1, 240],
    [4, 240],
    [5, 240],
    [7, 240],
    [10, 240],
    [5, 20],
    [3, 32],
  ])
    it(`backwardBatchOf gives the per-state sums bit for bit, rank ${rank}, ${T} states, every subset of factors, also after the batch changes`, () => {
      const { f, states, g } = setup(3, rank, T, 40 + rank);
      g[3] = -0; // a −0 is skipped like a 0
      for (const [k, st] of [states, states.map((x, j) => (j % 7 === 0 ? -x : x))].entries()) {
        f.forwardBatch(st, T, new Float64Array(T));
        for (const sub of subsets) {
          const want = [0, 1, 2].map((d) => sub === null || sub.includes(d));
          const init = f.factors.map((p, d) => p.grad.map((_, j) => (d + 1) * 0.01 * j - k));
          f.factors.forEach((p, d) => p.grad.set(init[d]));
          const only = sub === null ? null : new Set(sub.map((d) => f.factors[d]));
          f.backwardBatchOf(g, only);
          // the generic sweep's terms, per state in t order, onto the initial gradients
          const ref = init.map((a) => a.slice());
          const R = rank;
          const idx = new Int32Array(3);
          for (let t = 0; t < T; t++) {
            if (g[t] === 0) continue;
            f.indicesOf(st.subarray(3 * t, 3 * t + 3), idx);
            const [U0, U1, U2] = f.factors.map((p) => p.data);
            for (let r = 0; r < R; r++) {
              const [b0, b1, b2] = [idx[0] * R + r, idx[1] * R + r, idx[2] * R + r];
              if (want[2]) ref[2][b2] += g[t] * (U0[b0] * U1[b1]);
              const w = g[t] * U2[b2];
              if (want[1]) ref[1][b1] += w * U0[b0];
              if (want[0]) ref[0][b0] += w * U1[b1];
            }
          }
          f.factors.forEach((p, d) => expect(bits(p.grad)).toEqual(bits(ref[d])));
        }
      }
    });

  for (const S of [1, 2, 3, 4])
    for (const rank of [3, 5])
      it(`squaredErrorSameBatch equals forward, Σ(z − y)², then backwardBatchOf(scale·(z − y)) bit for bit, S = ${S}, rank ${rank}`, () => {
        const { f, states } = setup(S, rank, 300, 60 + S + rank);
        const T = 300;
        const z = new Float64Array(T);
        f.forwardBatch(states, T, z);
        const rng = new Rng(S);
        const y = Float64Array.from(z, (v, t) => (t % 9 === 0 ? v : v + rng.normal())); // some e_t = 0
        const subs: (number[] | null)[] = [null, ...Array.from({ length: S }, (_, d) => [d]), []];
        for (const sub of subs) {
          const only = sub === null ? null : new Set(sub.map((d) => f.factors[d]));
          for (const p of f.factors) p.grad.fill(0.5);
          f.forwardBatch(states, T, z);
          let sum = 0;
          for (let t = 0; t < T; t++) sum += (z[t] - y[t]) * (z[t] - y[t]);
          const g = Float64Array.from(z, (v, t) => (2 / T) * (v - y[t]));
          f.backwardBatchOf(g, only);
          const want = f.factors.map((p) => bits(p.grad));
          for (const p of f.factors) p.grad.fill(0.5);
          const got = f.squaredErrorSameBatch(states, T, y, 2 / T, only);
          expect(bits([got])).toEqual(bits([sum]));
          expect(f.factors.map((p) => bits(p.grad))).toEqual(want);
          // scale null: the sum alone, gradients untouched
          expect(bits([f.squaredErrorSameBatch(states, T, y, null, only)])).toEqual(bits([sum]));
          expect(f.factors.map((p) => bits(p.grad))).toEqual(want);
        }
      });

  it("forwardSameBatchCells gives forwardBatch's outputs as values[cellOf[t]] bit for bit (null with an output mode)", () => {
    const { f, states } = setup(3, 5, 120, 78);
    const want = new Float64Array(120);
    f.forwardBatch(states, 120, want);
    f.factors[1].data[3] += 0.5; // new parameters, same batch
    f.forwardBatch(states, 120, want);
    const c = f.forwardSameBatchCells(states, 120)!;
    expect(bits(Array.from({ length: 120 }, (_, t) => c.values[c.cellOf[t]]))).toEqual(bits(want));
    const grid = new AxisGrid({ low: [-1, -1], high: [1, 1], buckets: 3 });
    const withOut = new CpGrid({ grid, rank: 2, outputs: 2 });
    const st = Float64Array.of(0.1, 0.2, -0.5, 0.9);
    withOut.forwardBatch(st, 2, new Float64Array(4));
    expect(withOut.forwardSameBatchCells(st, 2)).toBeNull();
  });

  it("forwardSameBatch and squaredErrorSameBatch reuse the indices only for the same array and T; another array is indexed afresh", () => {
    const { f, states } = setup(3, 5, 100, 77);
    const out = new Float64Array(100);
    const want = new Float64Array(100);
    f.forwardBatch(states, 100, want);
    f.forwardSameBatch(states, 100, out);
    expect(bits(out)).toEqual(bits(want));
    const other = states.map((x) => -x);
    f.forwardBatch(other, 100, want);
    f.forwardBatch(states, 100, out);
    f.forwardSameBatch(other, 100, out); // a different array: indexed afresh
    expect(bits(out)).toEqual(bits(want));
    f.forwardBatch(other, 50, want.subarray(0, 50));
    f.forwardBatch(other, 100, out);
    f.forwardSameBatch(other, 50, out); // a different T: indexed afresh
    expect(bits(out.subarray(0, 50))).toEqual(bits(want.subarray(0, 50)));
    const y = new Float64Array(100);
    f.forwardBatch(states, 100, want);
    let sum = 0;
    for (let t = 0; t < 100; t++) sum += want[t] * want[t];
    f.forwardBatch(other, 100, out);
    expect(f.squaredErrorSameBatch(states, 100, y, null, null)).toBe(sum);
    expect(() => f.squaredErrorSameBatch(states, 100, new Float64Array(3), null, null)).toThrow(
      /targets must hold >= 100/,
    );
  });
});

describe("CpGrid batch indices", () => {
  it("equal the grid's index state by state: random values, exact ties, the ends, outside the box, ±0", () => {
    const rng = new Rng(88);
    const grid = new AxisGrid({ low: [-1, -1, -5], high: [1, 1, 10], buckets: [5, 10, 7] });
    const f = new CpGrid({ grid, rank: 2 });
    const special = [
      -1, 1, -0.75, -0.25, 0.25, 0.75, 0, -0, -1.5, 2, -5, 10, 2.5, -2.5, 1e-300, -1e-300, 12.5, 7.5,
    ];
    const T = 400;
    const states = new Float64Array(T * 3);
    for (let i = 0; i < T * 3; i++) {
      const d = i % 3;
      states[i] =
        i < special.length * 3
          ? special[Math.floor(i / 3)]
          : d < 2
            ? rng.uniformRange(-1.3, 1.3)
            : rng.uniformRange(-7, 12);
    }
    f.forwardBatch(states, T, new Float64Array(T));
    const got = Array.from(f.lastIndices());
    const want: number[] = [];
    for (let i = 0; i < T * 3; i++) want.push(grid.index(states[i], i % 3));
    expect(got).toEqual(want);
  });
});
