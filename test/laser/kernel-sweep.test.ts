import { describe, expect, it } from "vitest";
import { CPTensor } from "../../src/factor/cp-tensor.js";
import { Tensor } from "../../src/factor/tensor.js";
import { TuckerTensor } from "../../src/factor/tucker-tensor.js";
import { Rng } from "../../src/random/rng.js";
import { stateDictChecksum } from "../../src/laser/checksum.js";
import { cpSweep, maxCpRank, tuckerRanksFor, tuckerSweep } from "../../src/laser/kernel-decompositions.js";
import { runKernelSweep } from "../../src/laser/kernel-sweep.js";
import { toDense } from "../../src/laser/tensor.js";
import { makeToyStateDict, ToySubject } from "./toy.js";

function randomKernel(seed: number, shape: number[]): Tensor {
  return new Tensor(shape, new Rng(seed).fillNormal(new Float64Array(shape.reduce((a, b) => a * b, 1))));
}

describe("kernel decompositions on a rank grid", () => {
  it("CP-ALS recovers a constructed rank-3 kernel to 1e-8 and the error never rises with rank", () => {
    const kernel = CPTensor.random([6, 4, 3, 3], 3, new Rng(2)).reconstruct();
    const sweep = cpSweep(kernel, [1, 2, 3, 4]);
    const errors = sweep.map((a) => a.relativeError);
    for (let i = 1; i < errors.length; i++) expect(errors[i]).toBeLessThanOrEqual(errors[i - 1]);
    expect(errors[2]).toBeLessThan(1e-8);
    expect(errors[1]).toBeGreaterThan(1e-3);
    expect(sweep.map((a) => a.parameters)).toEqual([16, 32, 48, 64]);
  });

  it("HOOI recovers a constructed multilinear-rank (2,2,2,2) kernel to 1e-8; error never rises with rank", () => {
    const kernel = TuckerTensor.random([6, 4, 3, 3], [2, 2, 2, 2], new Rng(4)).reconstruct();
    const sweep = tuckerSweep(kernel, [0.2, 0.5, 0.75, 1]);
    expect(sweep.map((a) => a.rankLabel)).toEqual(["2x1x1x1", "3x2x2x2", "5x3x3x3", "6x4x3x3"]);
    expect(sweep[1].relativeError).toBeLessThan(1e-8);
    for (let i = 1; i < sweep.length; i++)
      expect(sweep[i].relativeError).toBeLessThanOrEqual(sweep[i - 1].relativeError);
    const last = sweep[3];
    expect([last.nullControl, last.relativeError]).toEqual([true, 0]);
    expect(Array.from(last.reconstruction)).toEqual(Array.from(kernel.data));
  });

  it("the errors of a random (full-rank) kernel are monotone on both grids", () => {
    const kernel = randomKernel(8, [8, 4, 3, 3]);
    for (const sweep of [
      cpSweep(kernel, [1, 2, 3, 5, 8, 12, 16], { maxIterations: 200 }),
      tuckerSweep(kernel, [0.1, 0.3, 0.5, 0.7, 0.9, 1]),
    ]) {
      for (let i = 1; i < sweep.length; i++)
        expect(sweep[i].relativeError).toBeLessThanOrEqual(sweep[i - 1].relativeError);
      expect(sweep[0].relativeError).toBeGreaterThan(0.3);
    }
  });

  it("reports the 2020 tensor-factorization RL proposal's parameter count (rank-8 CP of a 3×3×64×64 kernel: 1 072)", () => {
    const kernel = randomKernel(1, [64, 8, 3, 3]);
    expect(cpSweep(kernel, [8], { maxIterations: 3 })[0].parameters).toBe(8 * (64 + 8 + 3 + 3));
    expect(8 * (64 + 64 + 3 + 3)).toBe(1072);
  });

  it("rejects bad grids with clear errors", () => {
    const kernel = randomKernel(1, [4, 2, 3, 3]);
    expect(maxCpRank([4, 2, 3, 3])).toBe(18);
    expect(() => cpSweep(kernel, [1, 19])).toThrow(/CP rank must be an integer in \[1, 18\].*got 19/);
    expect(() => cpSweep(kernel, [2, 1])).toThrow(/strictly ascending/);
    expect(() => tuckerSweep(kernel, [0])).toThrow(/fraction must be in \(0, 1\], got 0/);
    expect(() => tuckerRanksFor([4, 2, 3, 3], 0.5, [7])).toThrow(/mode indices in \[0, 3\], got 7/);
    expect(tuckerRanksFor([16, 4, 3, 3], 0.25, [2, 3])).toEqual([4, 1, 3, 3]);
  });
});

describe("runKernelSweep", () => {
  it("evaluates each CP/Tucker model of the conv kernel on the shared seeds, restores the weights, null control exact", () => {
    const dict = makeToyStateDict();
    const before = stateDictChecksum(dict);
    const subject = new ToySubject(dict, "stochastic");
    const result = runKernelSweep(subject, {
      grid: { cpRanks: [1, 2, 4], tuckerFractions: [0.5, 1] },
      bootstrap: { resamples: 300 },
    });
    expect(result.kernels).toEqual([
      { name: "conv.weight", shape: [4, 2, 3, 3], parametersDense: 72, maxCpRank: 18 },
    ]);
    expect(result.rows.map((r) => `${r.method}:${r.rankLabel}`)).toEqual([
      "cp:1",
      "cp:2",
      "cp:4",
      "tucker:2x1x2x2",
      "tucker:4x2x3x3",
    ]);
    const nullRow = result.rows.find((r) => r.nullControl)!;
    expect(nullRow.returns).toEqual(result.baseline.returns);
    expect(nullRow.meanDelta).toBe(0);
    expect(result.rows[0].meanDelta).not.toBe(0);
    expect(result.rows[0].relativeError).toBeGreaterThan(result.rows[2].relativeError);
    expect(stateDictChecksum(subject.exportStateDict())).toBe(before);
    expect(stateDictChecksum(dict)).toBe(before);
    expect(toDense(dict["conv.weight"]).shape).toEqual([4, 2, 3, 3]);
  });

  it("rejects a layer that is not a conv kernel", () => {
    expect(() => runKernelSweep(new ToySubject(makeToyStateDict()), { layers: ["mu.0.weight"] })).toThrow(
      /layer "mu.0.weight" is a dense matrix, not a conv kernel; conv kernels: conv.weight/,
    );
  });
});
