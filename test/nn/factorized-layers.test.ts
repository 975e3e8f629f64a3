import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { CPTensor, relativeError, Tensor, TuckerTensor } from "../../src/factor/index.js";
import {
  Conv2d,
  CPConv2d,
  Dense,
  LowRankDense,
  TuckerRegression,
  resolveTuckerRanks,
} from "../../src/nn/index.js";
import { Rng } from "../../src/random/rng.js";
import { gradientError } from "./grad-check.js";

function outputsOf(
  layer: { forward(x: Float64Array, b: number): Float64Array },
  x: Float64Array,
  batch: number,
): Float64Array {
  return Float64Array.from(layer.forward(x, batch));
}

describe("LowRankDense", () => {
  it("backward matches finite differences", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 4 }),
        fc.boolean(),
        fc.integer(),
        (inF, outF, batch, k, bias, seed) => {
          const rank = Math.min(k, inF, outF);
          const layer = new LowRankDense({
            inFeatures: inF,
            outFeatures: outF,
            rank,
            bias,
            rng: new Rng(seed),
          });
          expect(gradientError(layer, batch, seed)).toBeLessThan(1e-7);
        },
      ),
      { numRuns: 40, seed: 61 },
    );
  });

  it("initFrom is exact for a rank-K dense weight and equals the truncated SVD otherwise", () => {
    const rng = new Rng(2);
    const dense = new Dense({ inFeatures: 12, outFeatures: 7, rng });
    const L = rng.fillNormal(new Float64Array(7 * 3));
    const R = rng.fillNormal(new Float64Array(12 * 3));
    dense.weight.data.fill(0);
    for (let o = 0; o < 7; o++)
      for (let i = 0; i < 12; i++)
        for (let r = 0; r < 3; r++) dense.weight.data[o * 12 + i] += L[o * 3 + r] * R[i * 3 + r];
    const lr = new LowRankDense({ inFeatures: 12, outFeatures: 7, rank: 3 }).initFrom(dense);
    const x = rng.fillNormal(new Float64Array(5 * 12));
    expect(relativeError(outputsOf(dense, x, 5), outputsOf(lr, x, 5))).toBeLessThan(1e-12);
    expect(lr.parameterCount).toBe(3 * (12 + 7) + 7);
  });

  it("parameterFraction follows K = round(f·m·n/(m+n)); bad ranks are rejected", () => {
    expect(new LowRankDense({ inFeatures: 1024, outFeatures: 128, parameterFraction: 0.1 }).rank).toBe(11);
    expect(() => new LowRankDense({ inFeatures: 1024, outFeatures: 128, rank: 0.1 })).toThrow(
      /LowRankDense rank must be a positive integer, got 0\.1 \(for a fraction of the dense parameter count use parameterFraction: 0\.1\)/,
    );
    expect(() => new LowRankDense({ inFeatures: 8, outFeatures: 8, rank: 2.5 })).toThrow(
      /LowRankDense rank must be a positive integer, got 2\.5/,
    );
    expect(
      () => new LowRankDense({ inFeatures: 8, outFeatures: 8, rank: 2, parameterFraction: 0.5 }),
    ).toThrow(/either rank or parameterFraction, not both/);
    expect(() => new LowRankDense({ inFeatures: 8, outFeatures: 8 })).toThrow(
      /give rank .* or parameterFraction/,
    );
    expect(() => new LowRankDense({ inFeatures: 8, outFeatures: 8, parameterFraction: 1.5 })).toThrow(
      /LowRankDense parameterFraction must be a number in \(0, 1\]/,
    );
    expect(() => new LowRankDense({ inFeatures: 4, outFeatures: 3, rank: 4 })).toThrow(
      /rank must be in \[1, min\(in, out\) = 3\], got 4/,
    );
    expect(() => new LowRankDense({ inFeatures: 4, outFeatures: 3, rank: -2 })).toThrow(/rank/);
  });
});

const trlShape = fc.record({
  shape: fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 3 }),
  O: fc.integer({ min: 1, max: 4 }),
  batch: fc.integer({ min: 1, max: 3 }),
  bias: fc.boolean(),
  seed: fc.integer(),
});

describe("TuckerRegression", () => {
  it("backward matches finite differences for random shapes and ranks", () => {
    fc.assert(
      fc.property(trlShape, ({ shape, O, batch, bias, seed }) => {
        const ranks = [...shape, O].map((d, k) => 1 + (Math.abs(seed >> k) % d));
        const layer = new TuckerRegression({
          inputShape: shape,
          outFeatures: O,
          rank: ranks,
          bias,
          rng: new Rng(seed),
        });
        expect(gradientError(layer, batch, seed)).toBeLessThan(1e-7);
      }),
      { numRuns: 40, seed: 62 },
    );
  });

  it("backward matches finite differences on the GEMM path (trailing block ≥ 32)", () => {
    const layer = new TuckerRegression({
      inputShape: [2, 6, 6],
      outFeatures: 3,
      rank: [2, 3, 4, 2],
      rng: new Rng(21),
    });
    expect(gradientError(layer, 2, 22)).toBeLessThan(1e-7);
    const cp = new CPConv2d({
      inChannels: 2,
      outChannels: 3,
      kernelSize: 3,
      inputSize: 7,
      padding: 1,
      rank: 2,
      rng: new Rng(23),
    });
    expect(gradientError(cp, 2, 24)).toBeLessThan(1e-7);
  });

  it("equals the dense layer with the reconstructed weight (no full weight in forward)", () => {
    const layer = new TuckerRegression({
      inputShape: [3, 4, 2],
      outFeatures: 5,
      rank: [2, 3, 2, 4],
      rng: new Rng(3),
    });
    const dense = new Dense({ inFeatures: 24, outFeatures: 5 });
    dense.weight.data.set(layer.toDenseWeight());
    dense.bias!.data.set(layer.bias!.data);
    const x = new Rng(4).fillNormal(new Float64Array(3 * 24));
    expect(relativeError(outputsOf(dense, x, 3), outputsOf(layer, x, 3))).toBeLessThan(1e-13);
  });

  it("initFrom (HOSVD and HOOI) is exact for a weight of the layer's multilinear rank", () => {
    const shape = [4, 3, 3];
    const ranks = [2, 2, 3, 3];
    const w = TuckerTensor.random([...shape, 6], ranks, new Rng(5)).reconstruct();
    const dense = new Dense({ inFeatures: 36, outFeatures: 6, rng: new Rng(6) });
    for (let i = 0; i < 36; i++)
      for (let o = 0; o < 6; o++) dense.weight.data[o * 36 + i] = w.data[i * 6 + o];
    const x = new Rng(7).fillNormal(new Float64Array(4 * 36));
    for (const method of ["hosvd", "hooi"] as const) {
      const trl = new TuckerRegression({ inputShape: shape, outFeatures: 6, rank: ranks });
      expect(trl.initFrom(dense, method)).toBeLessThan(1e-12);
      expect(relativeError(outputsOf(dense, x, 4), outputsOf(trl, x, 4))).toBeLessThan(1e-12);
    }
  });

  it("full ranks reproduce any dense layer", () => {
    const dense = new Dense({ inFeatures: 12, outFeatures: 3, rng: new Rng(8) });
    const trl = new TuckerRegression({ inputShape: [3, 2, 2], outFeatures: 3, rank: [3, 2, 2, 3] });
    expect(trl.initFrom(dense)).toBeLessThan(1e-12);
  });

  it("parameter fractions follow TensorLy's rule with the output-rank floor", () => {
    // MinAtar hidden layer: (16, 8, 8) → 128; dense 131 072 weights.
    const tenth = new TuckerRegression({ inputShape: [16, 8, 8], outFeatures: 128, parameterFraction: 0.1 });
    expect(tenth.ranks).toEqual([7, 4, 4, 58]);
    expect(tenth.parameterCount).toBe(14_096 + 128);
    expect(
      new TuckerRegression({ inputShape: [16, 8, 8], outFeatures: 128, parameterFraction: 0.5 }).ranks,
    ).toEqual([13, 6, 6, 102]);
    expect(
      new TuckerRegression({ inputShape: [16, 8, 8], outFeatures: 128, parameterFraction: 0.2 }).ranks,
    ).toEqual([9, 5, 5, 76]);
    // Action head: the output rank is kept ≥ number of actions.
    const head = resolveTuckerRanks([64, 8, 8, 4], { parameterFraction: 0.1 });
    expect(head[3]).toBe(4);
    expect(resolveTuckerRanks([64, 8, 8, 4], { parameterFraction: 0.1 }, 1)).toEqual([22, 3, 3, 1]);
    expect(() => resolveTuckerRanks([4, 4, 2], { rank: [5, 4, 2] })).toThrow(
      /rank\[0\] must be in \[1, 4\], got 5/,
    );
    expect(() => resolveTuckerRanks([4, 4, 2], { rank: [2, 2] })).toThrow(/needs 3 entries/);
    expect(() => resolveTuckerRanks([4, 4, 6], { rank: [2, 2, 2] }, 3)).toThrow(/below minOutputRank/);
    expect(() => resolveTuckerRanks([4, 4, 2], { rank: [2, 1.5, 2] })).toThrow(
      /TuckerRegression rank\[1\] must be a positive integer, got 1\.5/,
    );
    expect(() => new TuckerRegression({ inputShape: [16, 8, 8], outFeatures: 128, rank: 0.1 })).toThrow(
      /TuckerRegression rank must be a positive integer, got 0\.1 \(for a fraction .* use parameterFraction: 0\.1\)/,
    );
  });

  it("random init gives the reconstructed weight ≈ PyTorch's dense std 1/√(3·fan_in)", () => {
    const trl = new TuckerRegression({
      inputShape: [16, 8, 8],
      outFeatures: 128,
      parameterFraction: 0.5,
      rng: new Rng(9),
    });
    const w = trl.toDenseWeight();
    let s = 0;
    for (const v of w) s += v * v;
    const std = Math.sqrt(s / w.length);
    const target = 1 / Math.sqrt(3 * 1024);
    expect(std).toBeGreaterThan(0.3 * target);
    expect(std).toBeLessThan(3 * target);
  });
});

const cpConvShape = fc.record({
  C: fc.integer({ min: 1, max: 3 }),
  O: fc.integer({ min: 1, max: 3 }),
  H: fc.integer({ min: 3, max: 5 }),
  W: fc.integer({ min: 3, max: 5 }),
  kh: fc.integer({ min: 1, max: 3 }),
  kw: fc.integer({ min: 1, max: 3 }),
  sh: fc.integer({ min: 1, max: 2 }),
  sw: fc.integer({ min: 1, max: 2 }),
  ph: fc.integer({ min: 0, max: 1 }),
  pw: fc.integer({ min: 0, max: 1 }),
  rank: fc.integer({ min: 1, max: 3 }),
  batch: fc.integer({ min: 1, max: 2 }),
  bias: fc.boolean(),
  seed: fc.integer(),
});

function cpConvOf(s: {
  C: number;
  O: number;
  H: number;
  W: number;
  kh: number;
  kw: number;
  sh: number;
  sw: number;
  ph: number;
  pw: number;
  rank: number;
  bias: boolean;
  seed: number;
}): CPConv2d {
  return new CPConv2d({
    inChannels: s.C,
    outChannels: s.O,
    kernelSize: [s.kh, s.kw],
    inputSize: [s.H, s.W],
    stride: [s.sh, s.sw],
    padding: [s.ph, s.pw],
    rank: s.rank,
    bias: s.bias,
    rng: new Rng(s.seed),
  });
}

describe("CPConv2d", () => {
  it("backward matches finite differences", () => {
    fc.assert(
      fc.property(cpConvShape, (s) => {
        expect(gradientError(cpConvOf(s), s.batch, s.seed)).toBeLessThan(1e-7);
      }),
      { numRuns: 30, seed: 63 },
    );
  });

  it("equals a dense Conv2d with the reconstructed CP kernel, for any stride and padding", () => {
    fc.assert(
      fc.property(cpConvShape, (s) => {
        const cp = cpConvOf(s);
        const conv = new Conv2d({
          inChannels: s.C,
          outChannels: s.O,
          kernelSize: [s.kh, s.kw],
          inputSize: [s.H, s.W],
          stride: [s.sh, s.sw],
          padding: [s.ph, s.pw],
          bias: s.bias,
        });
        conv.weight.data.set(cp.kernelTensor().reconstruct().data);
        if (s.bias) conv.bias!.data.set(cp.bias!.data);
        const x = new Rng(s.seed + 1).fillNormal(new Float64Array(s.batch * s.C * s.H * s.W));
        const a = outputsOf(conv, x, s.batch);
        const b = outputsOf(cp, x, s.batch);
        for (let i = 0; i < a.length; i++) expect(b[i]).toBeCloseTo(a[i], 11);
      }),
      { numRuns: 40, seed: 64 },
    );
  });

  it("initFrom by CP-ALS is exact for a kernel of CP rank ≤ R", () => {
    const shape = [6, 4, 3, 3];
    const kernel = CPTensor.random(shape, 3, new Rng(10)).reconstruct();
    const conv = new Conv2d({
      inChannels: 4,
      outChannels: 6,
      kernelSize: 3,
      inputSize: 7,
      padding: 1,
      rng: new Rng(11),
    });
    conv.weight.data.set(kernel.data);
    const cp = new CPConv2d({
      inChannels: 4,
      outChannels: 6,
      kernelSize: 3,
      inputSize: 7,
      padding: 1,
      rank: 3,
    });
    expect(cp.initFrom(conv, new Rng(12))).toBeLessThan(1e-8);
    const x = new Rng(13).fillNormal(new Float64Array(2 * 4 * 49));
    expect(relativeError(outputsOf(conv, x, 2), outputsOf(cp, x, 2))).toBeLessThan(1e-8);
  });

  it("parameter count: the 2020 tensor-factorization RL proposal's rank-8 CP of a 3×3×64×64 conv has 1 072 weights (+64 bias)", () => {
    const cp = new CPConv2d({
      inChannels: 64,
      outChannels: 64,
      kernelSize: 3,
      inputSize: 18,
      stride: 2,
      rank: 8,
    });
    expect(cp.parameterCount).toBe(1072 + 64);
    expect(
      new CPConv2d({
        inChannels: 64,
        outChannels: 64,
        kernelSize: 3,
        inputSize: 18,
        parameterFraction: 1072 / 36864,
        bias: false,
      }).parameterCount,
    ).toBe(1072);
    expect(
      () =>
        new CPConv2d({
          inChannels: 4,
          outChannels: 4,
          kernelSize: 3,
          inputSize: 5,
          rank: [1, 2] as unknown as number,
        }),
    ).toThrow(/CPConv2d rank must be one positive integer, got \[1, 2\]/);
    expect(
      () => new CPConv2d({ inChannels: 4, outChannels: 4, kernelSize: 3, inputSize: 5, rank: 0.5 }),
    ).toThrow(/CPConv2d rank must be a positive integer, got 0\.5 \(.*parameterFraction: 0\.5\)/);
  });

  it("random init gives the reconstructed kernel ≈ PyTorch's std", () => {
    const cp = new CPConv2d({
      inChannels: 16,
      outChannels: 32,
      kernelSize: 3,
      inputSize: 8,
      rank: 16,
      rng: new Rng(14),
    });
    const k = cp.kernelTensor().reconstruct();
    const std = k.norm() / Math.sqrt(k.size);
    const target = 1 / Math.sqrt(3 * 16 * 9);
    expect(std).toBeGreaterThan(0.3 * target);
    expect(std).toBeLessThan(3 * target);
    expect(new Tensor([1]).size).toBe(1);
  });
});
