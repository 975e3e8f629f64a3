import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { Discretizer } from "../../src/parametrizations/discretizer.js";
import { GridLowRank, fillReferenceOrder } from "../../src/parametrizations/grid-low-rank.js";
import { ActMemo } from "../../src/parametrizations/memo.js";
import { ScalarMlp } from "../../src/parametrizations/mlp.js";
import { StackedParametrization } from "../../src/parametrizations/stack.js";
import { Rng } from "../../src/random/rng.js";
import { oneMatchesBatch, parametrizationGradError } from "./grad-check.js";

const grid = new Discretizer({
  low: [-1, -2, 0],
  high: [1, 2, 1],
  buckets: [3, 4, 2],
  rowDims: [0],
  colDims: [1, 2],
});

function lowRank(rank: number, outputs: number, seed: number, name = "X"): GridLowRank {
  const f = new GridLowRank(grid, rank, name, outputs);
  fillReferenceOrder(f.matrix, new Rng(seed));
  return f;
}

function states(T: number, S: number, seed: number, scale = 1.5): Float64Array {
  return new Rng(seed).fillNormal(new Float64Array(T * S), 0, scale);
}

describe("parametrizations: backward matches finite differences of forward (property)", () => {
  it("GridLowRank, 1 or n outputs per cell (cells repeat within a batch)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 0, max: 1000 }),
        (K, D, T, seed) => {
          const f = lowRank(K, D, seed);
          const x = states(T, 3, seed + 1);
          return parametrizationGradError(f, x, T, seed + 2) < 1e-7 && oneMatchesBatch(f, x, T);
        },
      ),
      { seed: 41, numRuns: 60 },
    );
  });

  it("ScalarMlp (S = 2 branch-free path and general S)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 9 }),
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 0, max: 1000 }),
        (S, Hd, T, seed) => {
          const f = new ScalarMlp(S, Hd, "f");
          f.initTorchDefault(new Rng(seed));
          const x = states(T, S, seed + 1);
          return parametrizationGradError(f, x, T, seed + 2) < 1e-6 && oneMatchesBatch(f, x, T);
        },
      ),
      { seed: 42, numRuns: 60 },
    );
  });

  it("StackedParametrization of a low-rank μ and σ, and ActMemo around an MLP", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10 }), fc.integer({ min: 0, max: 1000 }), (T, seed) => {
        const stack = new StackedParametrization([
          lowRank(2, 1, seed, "mu"),
          lowRank(1, 2, seed + 5, "sigma"),
        ]);
        const x = states(T, 3, seed + 1);
        const net = new ScalarMlp(3, 5, "m");
        net.initTorchDefault(new Rng(seed));
        const memo = new ActMemo(net);
        return (
          stack.outputDim === 3 &&
          parametrizationGradError(stack, x, T, seed + 2) < 1e-7 &&
          oneMatchesBatch(stack, x, T) &&
          parametrizationGradError(memo, x, T, seed + 3) < 1e-6
        );
      }),
      { seed: 43, numRuns: 40 },
    );
  });
});

describe("parametrizations: layout", () => {
  it("GridLowRank reads X[i, j·D + a] at the state's cell; state dict has R transposed", () => {
    const f = lowRank(2, 3, 7, "pi");
    const s = [0.9, -0.4, 0.8];
    const [i, j] = grid.cell(s);
    const z = new Float64Array(3);
    f.forwardOne(s, z);
    expect(Array.from(z)).toEqual([0, 1, 2].map((a) => f.matrix.entry(i, j * 3 + a)));
    expect(f.stateDictEntries().map((e) => [e.key, e.transpose])).toEqual([
      ["pi.L", false],
      ["pi.R", true],
    ]);
    expect(f.parameterCount).toBe(2 * (grid.rows + grid.cols * 3));
  });

  it("ActMemo reuses the single-state outputs only for exactly the last T states under unchanged parameters", () => {
    const net = new ScalarMlp(2, 4, "m");
    net.initTorchDefault(new Rng(1));
    const memo = new ActMemo(net);
    const x = states(5, 2, 2);
    const one = new Float64Array(1);
    memo.forwardOne([3, 3], one);
    for (let t = 0; t < 5; t++) memo.forwardOne(x.subarray(2 * t, 2 * t + 2), one);
    let calls = 0;
    const inner = net.forwardBatch.bind(net);
    net.forwardBatch = (...args) => {
      calls++;
      inner(...args);
    };
    const z = new Float64Array(5);
    memo.forwardBatch(x, 5, z);
    expect(calls).toBe(0);
    const want = new Float64Array(5);
    inner(x, 5, want);
    expect(Array.from(z)).toEqual(Array.from(want));
    memo.forwardBatch(x, 5, z); // the memo was used up
    expect(calls).toBe(1);
  });
});
