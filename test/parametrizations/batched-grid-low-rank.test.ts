import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { makeParameter } from "../../src/optim/parameter.js";
import { BatchedGridLowRank } from "../../src/parametrizations/batched-grid-low-rank.js";
import { Discretizer } from "../../src/parametrizations/discretizer.js";
import { GridLowRank, fillReferenceOrder } from "../../src/parametrizations/grid-low-rank.js";
import { Rng } from "../../src/random/rng.js";
import { oneMatchesBatch, parametrizationGradError } from "./grad-check.js";

// Two row dimensions, one column dimension (the other parametrization tests flatten the other way).
const grid = new Discretizer({
  low: [-1, 0, -2],
  high: [1, 1, 2],
  buckets: [4, 2, 3],
  rowDims: [2, 0],
  colDims: [1],
});
const S = grid.stateDim;

/** P copies, copy p initialised from Rng(seed + p). */
function batched(ranks: readonly number[], seed: number): BatchedGridLowRank {
  const f = new BatchedGridLowRank(grid, ranks, "X");
  ranks.forEach((_, p) => f.init(p, new Rng(seed + p)));
  return f;
}

/** T input rows [p, s] with random agents and states (outside the grid's bounds too). */
function inputs(T: number, P: number, seed: number): Float64Array {
  const rng = new Rng(seed);
  const x = new Float64Array(T * (1 + S));
  for (let t = 0; t < T; t++) {
    x[t * (1 + S)] = Math.floor(rng.uniform() * P);
    for (let d = 0; d < S; d++) x[t * (1 + S) + 1 + d] = 1.5 * rng.normal();
  }
  return x;
}

describe("BatchedGridLowRank through the Parametrization interface", () => {
  it("backward matches finite differences of forward; forwardOne = forwardBatch (property)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 4 }),
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 0, max: 1000 }),
        (ranks, T, seed) => {
          const f = batched(ranks, seed);
          const x = inputs(T, ranks.length, seed + 50);
          return parametrizationGradError(f, x, T, seed + 2) < 1e-7 && oneMatchesBatch(f, x, T);
        },
      ),
      { seed: 44, numRuns: 60 },
    );
  });

  it("copy p computes what a rank-K_p GridLowRank with the same draws computes, bit for bit", () => {
    const ranks = [2, 4, 1];
    const f = batched(ranks, 10);
    const T = 40;
    const x = inputs(T, ranks.length, 3);
    const g = new Rng(4).fillNormal(new Float64Array(T));
    const z = new Float64Array(T);
    f.parameter.grad.fill(0);
    f.forwardBatch(x, T, z);
    f.backwardBatch(g);
    ranks.forEach((K, p) => {
      const single = new GridLowRank(grid, K, "X");
      fillReferenceOrder(single.matrix, new Rng(10 + p));
      // Agent p's rows of the batch, through the single copy.
      const rows = [...Array(T).keys()].filter((t) => x[t * (1 + S)] === p);
      const states = Float64Array.from(
        rows.flatMap((t) => Array.from(x.subarray(t * (1 + S) + 1, (t + 1) * (1 + S)))),
      );
      const zs = new Float64Array(rows.length);
      single.forwardBatch(states, rows.length, zs);
      single.backwardBatch(Float64Array.from(rows, (t) => g[t]));
      rows.forEach((t, r) => expect(Object.is(z[t], zs[r])).toBe(true));
      // Its state dict holds the single copy's tensors; the batched gradient of its rows is the single's.
      const dict = f.agentStateDictEntries(p);
      const want = single.stateDictEntries();
      expect(dict.map((e) => [e.key, e.transpose, e.param.shape])).toEqual(
        want.map((e) => [e.key, e.transpose, e.param.shape]),
      );
      dict.forEach((e, k) => expect(Array.from(e.param.data)).toEqual(Array.from(want[k].param.data)));
      const N = grid.rows;
      const Kmax = f.rank;
      for (let i = 0; i < N; i++)
        for (let k = 0; k < Kmax; k++) {
          const got = f.parameter.grad[(p * N + i) * Kmax + k];
          expect(got).toBe(k < K ? single.matrix.L.grad[i * K + k] : 0);
        }
    });
  });

  it("state dict views, storage shared with a longer parameter, and input checks", () => {
    const storage = makeParameter("all", [2 * (grid.rows + grid.cols) * 3 + 2]);
    const f = new BatchedGridLowRank(grid, [3, 1], "pi", storage);
    f.init(0, new Rng(1));
    expect(f.parameterCount).toBe(2 * (grid.rows + grid.cols) * 3);
    expect(f.L.buffer).toBe(storage.data.buffer);
    expect(f.L[0]).toBe(storage.data[0]);
    const entries = f.stateDictEntries();
    expect(entries.map((e) => [e.key, e.param.shape])).toEqual([
      ["pi.L", [2 * grid.rows, 3]],
      ["pi.R", [2 * grid.cols, 3]],
    ]);
    expect(entries[1].param.data[0]).toBe(f.R[0]);
    const out = new Float64Array(1);
    expect(() => f.forwardOne([2, 0, 0, 0], out)).toThrow(
      /agent index must be an integer in \[0, 1\], got 2/,
    );
    expect(() => f.forwardOne([0, 0, 0], out)).toThrow(/state must have 3 entries, got 2/);
    expect(() => new BatchedGridLowRank(grid, [1, 0], "x")).toThrow(
      /ranks\[1\] must be an integer >= 1, got 0/,
    );
    expect(() => new BatchedGridLowRank(grid, [2], "x", makeParameter("s", [3]))).toThrow(
      /storage holds 3 entries, needs >= /,
    );
  });
});
