import { describe, expect, it } from "vitest";
import { stateDictChecksum } from "../../src/laser/checksum.js";
import { ranksFor, DEFAULT_RANK_GRID } from "../../src/laser/rank-grid.js";
import { toDense, toNested } from "../../src/laser/tensor.js";
import { truncateLayer } from "../../src/laser/truncate.js";
import { reconstructRank, relativeFrobeniusError, thinSvd } from "../../src/laser/truncated-svd.js";
import {
  enumerateWeightMatrices,
  findWeightMatrix,
  LaserInputError,
  withTruncatedMatrix,
} from "../../src/laser/weight-matrices.js";
import { makeToyStateDict } from "./toy.js";

describe("enumerateWeightMatrices", () => {
  it("finds dense layers, the low-rank pair (X = L R) and the conv kernel reshaped out × (in·kh·kw)", () => {
    const dict = makeToyStateDict();
    const ms = enumerateWeightMatrices(dict);
    expect(ms.map((m) => [m.name, m.kind, m.rows, m.cols, m.maxRank])).toEqual([
      ["mu.0.weight", "dense", 8, 3, 3],
      ["mu.2.weight", "dense", 1, 8, 1],
      ["table", "low-rank", 4, 5, 2],
      ["conv.weight", "conv", 4, 18, 4],
    ]);
    const table = findWeightMatrix(ms, "table");
    const L = toDense(dict["table.L"]).data;
    const R = toDense(dict["table.R"]).data;
    expect(table.values[2 * 5 + 3]).toBeCloseTo(L[4] * R[3] + L[5] * R[8], 15);
    const conv = findWeightMatrix(ms, "conv.weight");
    expect(conv.values[1 * 18 + 9 + 2 * 3 + 1]).toBe((dict["conv.weight"] as number[][][][])[1][1][2][1]);
  });

  it("reads an M×K right factor as X = L Rᵀ", () => {
    const dict = {
      "q.L": [[1, 2]],
      "q.R": [
        [3, 4],
        [5, 6],
        [7, 8],
      ],
    };
    const [m] = enumerateWeightMatrices(dict);
    expect([m.kind, m.rows, m.cols, m.maxRank, m.rTransposed]).toEqual(["low-rank", 1, 3, 1, true]);
    expect(Array.from(m.values)).toEqual([11, 17, 23]);
  });

  it("rejects incompatible factor shapes", () => {
    expect(() => enumerateWeightMatrices({ "q.L": [[1, 2]], "q.R": [[3, 4, 5]] })).toThrow(
      /expected K×M or M×K with K = 2/,
    );
  });
});

describe("truncation of one matrix", () => {
  it("at full rank keeps the tensors bit-for-bit (null control); the input dict is never modified", () => {
    const dict = makeToyStateDict();
    const before = stateDictChecksum(dict);
    for (const m of enumerateWeightMatrices(dict)) {
      const out = truncateLayer(dict, m.name, m.maxRank);
      expect(stateDictChecksum(out.stateDict)).toBe(before);
      expect(out.relativeError).toBe(0);
      expect(out.energyKept).toBeCloseTo(1, 14);
      if (m.maxRank > 1) truncateLayer(dict, m.name, 1);
    }
    expect(stateDictChecksum(dict)).toBe(before);
  });

  it("writes the exact rank-k truncation back in the stored layout (dense, conv, factor pair)", () => {
    const dict = makeToyStateDict(3);
    for (const [name, k] of [
      ["mu.0.weight", 2],
      ["conv.weight", 2],
      ["table", 1],
    ] as const) {
      const m = findWeightMatrix(enumerateWeightMatrices(dict), name);
      const svd = thinSvd(m.values, m.rows, m.cols);
      const out = withTruncatedMatrix(dict, m, svd, k);
      const m2 = findWeightMatrix(enumerateWeightMatrices(out), name);
      expect(m2.tensorShape).toEqual(m.tensorShape);
      expect(relativeFrobeniusError(reconstructRank(svd, k), m2.values)).toBeLessThan(1e-14);
      expect(thinSvd(m2.values, m2.rows, m2.cols).sigma[k] ?? 0).toBeLessThan(1e-12 * svd.sigma[0]);
      // Other tensors are untouched.
      for (const key of Object.keys(dict)) if (!m.keys.includes(key)) expect(out[key]).toBe(dict[key]);
    }
  });

  it("errors clearly on an unknown layer and on ranks outside [1, max rank]", () => {
    const dict = makeToyStateDict();
    expect(() => truncateLayer(dict, "mu.1.weight", 1)).toThrow(LaserInputError);
    expect(() => truncateLayer(dict, "mu.1.weight", 1)).toThrow(
      /unknown layer "mu.1.weight"; weight matrices of this policy: mu.0.weight, mu.2.weight, table, conv.weight/,
    );
    expect(() => truncateLayer(dict, "mu.0.weight", 4)).toThrow(
      /target rank for layer "mu.0.weight" must be an integer in \[1, 3\].*got 4/,
    );
    expect(() => truncateLayer(dict, "table", 3)).toThrow(/in \[1, 2\].*factor width K = 2/);
    expect(() => truncateLayer(dict, "mu.0.weight", 0)).toThrow(/got 0/);
    expect(() => truncateLayer(dict, "mu.0.weight", 1.5)).toThrow(/got 1.5/);
  });
});

describe("rank grid", () => {
  it("mixes absolute ranks and fractions, always ends at full rank", () => {
    expect(ranksFor({ name: "w", maxRank: 256 }, { ranks: [1, 26], fractions: [0.5, 0.01] })).toEqual([
      1, 2, 26, 128, 256,
    ]);
    expect(ranksFor({ name: "w", maxRank: 3 }, DEFAULT_RANK_GRID)).toEqual([1, 2, 3]);
    expect(ranksFor({ name: "w", maxRank: 1 }, {})).toEqual([1]);
    expect(ranksFor({ name: "w", maxRank: 4 }, { ranks: [2, 9], aboveMaxRank: "skip" })).toEqual([2, 4]);
  });

  it("rejects ranks above the max rank (unless skipped) and bad fractions", () => {
    expect(() => ranksFor({ name: "mu.0.weight", maxRank: 3 }, { ranks: [4] })).toThrow(
      /rank 4 is above the max rank 3 of layer "mu.0.weight"/,
    );
    expect(() => ranksFor({ name: "w", maxRank: 3 }, { fractions: [1.5] })).toThrow(
      /fractions must be in \(0, 1\], got 1.5/,
    );
    expect(() => ranksFor({ name: "w", maxRank: 3 }, { ranks: [0] })).toThrow(/integers >= 1, got 0/);
  });
});

describe("tensor helpers", () => {
  it("round-trip nested arrays", () => {
    const t = [
      [
        [1, 2],
        [3, 4],
      ],
      [
        [5, 6],
        [7, 8],
      ],
    ];
    const d = toDense(t);
    expect(d.shape).toEqual([2, 2, 2]);
    expect(toNested(d.data, d.shape)).toEqual(t);
  });
  it("reject ragged and non-numeric tensors", () => {
    expect(() => toDense([[1, 2], [3]], "w")).toThrow(/w: ragged tensor/);
    expect(() => toDense([["a"]] as unknown as number[][], "w")).toThrow(
      /w: tensor entries must be numbers, found string/,
    );
  });
});
