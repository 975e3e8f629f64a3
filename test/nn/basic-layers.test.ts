import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { Conv2d, Dense, Flatten, ReLU, Sequential } from "../../src/nn/index.js";
import { Rng } from "../../src/random/rng.js";
import { gradientError } from "./grad-check.js";

describe("Dense", () => {
  it("backward matches finite differences (inputs and parameters)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 9 }),
        fc.integer({ min: 1, max: 9 }),
        fc.integer({ min: 1, max: 5 }),
        fc.boolean(),
        fc.integer(),
        (inF, outF, batch, bias, seed) => {
          const layer = new Dense({ inFeatures: inF, outFeatures: outF, bias, rng: new Rng(seed) });
          expect(gradientError(layer, batch, seed)).toBeLessThan(1e-7);
        },
      ),
      { numRuns: 40, seed: 11 },
    );
  });

  it("computes y = W x + b with PyTorch's [out, in] layout and counts parameters", () => {
    const d = new Dense({ inFeatures: 2, outFeatures: 3 });
    d.weight.data.set([1, 2, 3, 4, 5, 6]);
    d.bias!.data.set([0.5, -1, 2]);
    const y = d.forward(new Float64Array([1, -1, 2, 0]), 2);
    expect(Array.from(y)).toEqual([-0.5, -2, 1, 2.5, 5, 12]);
    expect(d.parameterCount).toBe(9);
  });

  it("initializes like torch.nn.Linear: U(±1/√fan_in)", () => {
    const d = new Dense({ inFeatures: 100, outFeatures: 50, rng: new Rng(1) });
    const bound = 0.1;
    expect(Math.max(...d.weight.data)).toBeLessThanOrEqual(bound);
    expect(Math.min(...d.weight.data)).toBeGreaterThanOrEqual(-bound);
    expect(Math.max(...d.weight.data)).toBeGreaterThan(0.9 * bound);
  });

  it("rejects bad sizes with the field named", () => {
    expect(() => new Dense({ inFeatures: 0, outFeatures: 3 })).toThrow(/inFeatures/);
    const d = new Dense({ inFeatures: 3, outFeatures: 2 });
    expect(() => d.forward(new Float64Array(5), 2)).toThrow(/expected batch/);
  });
});

describe("ReLU and Flatten", () => {
  it("ReLU backward matches finite differences", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer(),
        (n, batch, seed) => {
          expect(gradientError(new ReLU([n]), batch, seed)).toBeLessThan(1e-7);
        },
      ),
      { numRuns: 30, seed: 12 },
    );
  });

  it("Flatten keeps NCHW order and passes gradients through", () => {
    const f = new Flatten([2, 2, 3]);
    expect(f.outputShape).toEqual([12]);
    const x = new Float64Array(24).map((_, i) => i);
    expect(f.forward(x, 2)).toBe(x);
    expect(gradientError(f, 2, 3)).toBeLessThan(1e-9);
  });
});

/** Direct definition of a 2-D cross-correlation (NCHW), for checking im2col. */
function naiveConv(
  x: Float64Array,
  N: number,
  C: number,
  H: number,
  W: number,
  w: Float64Array,
  O: number,
  kh: number,
  kw: number,
  sh: number,
  sw: number,
  ph: number,
  pw: number,
  b: Float64Array | null,
): Float64Array {
  const Ho = Math.floor((H + 2 * ph - kh) / sh) + 1;
  const Wo = Math.floor((W + 2 * pw - kw) / sw) + 1;
  const y = new Float64Array(N * O * Ho * Wo);
  for (let n = 0; n < N; n++)
    for (let o = 0; o < O; o++)
      for (let p = 0; p < Ho; p++)
        for (let q = 0; q < Wo; q++) {
          let s = b ? b[o] : 0;
          for (let c = 0; c < C; c++)
            for (let i = 0; i < kh; i++)
              for (let j = 0; j < kw; j++) {
                const yy = p * sh - ph + i;
                const xx = q * sw - pw + j;
                if (yy >= 0 && yy < H && xx >= 0 && xx < W)
                  s += w[((o * C + c) * kh + i) * kw + j] * x[((n * C + c) * H + yy) * W + xx];
              }
          y[((n * O + o) * Ho + p) * Wo + q] = s;
        }
  return y;
}

const convShape = fc.record({
  C: fc.integer({ min: 1, max: 3 }),
  O: fc.integer({ min: 1, max: 4 }),
  H: fc.integer({ min: 3, max: 6 }),
  W: fc.integer({ min: 3, max: 6 }),
  kh: fc.integer({ min: 1, max: 3 }),
  kw: fc.integer({ min: 1, max: 3 }),
  sh: fc.integer({ min: 1, max: 2 }),
  sw: fc.integer({ min: 1, max: 2 }),
  ph: fc.integer({ min: 0, max: 1 }),
  pw: fc.integer({ min: 0, max: 1 }),
  batch: fc.integer({ min: 1, max: 3 }),
  bias: fc.boolean(),
  seed: fc.integer(),
});

describe("Conv2d", () => {
  it("matches the direct definition for any stride and padding", () => {
    fc.assert(
      fc.property(convShape, (s) => {
        const conv = new Conv2d({
          inChannels: s.C,
          outChannels: s.O,
          kernelSize: [s.kh, s.kw],
          inputSize: [s.H, s.W],
          stride: [s.sh, s.sw],
          padding: [s.ph, s.pw],
          bias: s.bias,
          rng: new Rng(s.seed),
        });
        const x = new Rng(s.seed + 1).fillNormal(new Float64Array(s.batch * s.C * s.H * s.W));
        const y = conv.forward(x, s.batch);
        const ref = naiveConv(
          x,
          s.batch,
          s.C,
          s.H,
          s.W,
          conv.weight.data,
          s.O,
          s.kh,
          s.kw,
          s.sh,
          s.sw,
          s.ph,
          s.pw,
          conv.bias?.data ?? null,
        );
        expect(y.length).toBe(ref.length);
        for (let i = 0; i < ref.length; i++) expect(y[i]).toBeCloseTo(ref[i], 12);
      }),
      { numRuns: 40, seed: 13 },
    );
  });

  it("backward matches finite differences (inputs and parameters)", () => {
    fc.assert(
      fc.property(convShape, (s) => {
        const conv = new Conv2d({
          inChannels: s.C,
          outChannels: s.O,
          kernelSize: [s.kh, s.kw],
          inputSize: [s.H, s.W],
          stride: [s.sh, s.sw],
          padding: [s.ph, s.pw],
          bias: s.bias,
          rng: new Rng(s.seed),
        });
        expect(gradientError(conv, s.batch, s.seed)).toBeLessThan(1e-7);
      }),
      { numRuns: 25, seed: 14 },
    );
  });

  it("has MinAtar's geometry: 4×10×10 → 16×8×8 with 592 parameters", () => {
    const conv = new Conv2d({ inChannels: 4, outChannels: 16, kernelSize: 3, inputSize: 10 });
    expect(conv.outputShape).toEqual([16, 8, 8]);
    expect(conv.parameterCount).toBe(16 * 4 * 9 + 16);
    expect(() => new Conv2d({ inChannels: 1, outChannels: 1, kernelSize: 5, inputSize: 3 })).toThrow(
      /smaller than kernel/,
    );
  });
});

function minatarNet(seed: number): Sequential {
  const rng = new Rng(seed);
  return new Sequential([
    new Conv2d({ inChannels: 4, outChannels: 16, kernelSize: 3, inputSize: 10, rng, name: "conv" }),
    new ReLU([16, 8, 8]),
    new Flatten([16, 8, 8]),
    new Dense({ inFeatures: 1024, outFeatures: 128, rng, name: "fc" }),
    new ReLU([128]),
    new Dense({ inFeatures: 128, outFeatures: 6, rng, name: "out" }),
  ]);
}

describe("Sequential", () => {
  it("has the MinAtar DQN's 132 566 parameters", () => {
    expect(minatarNet(1).parameterCount).toBe(132_566);
  });

  it("backward matches finite differences through a small conv net", () => {
    const rng = new Rng(5);
    const net = new Sequential([
      new Conv2d({ inChannels: 2, outChannels: 3, kernelSize: 2, inputSize: [4, 3], rng }),
      new ReLU([3, 3, 2]),
      new Flatten([3, 3, 2]),
      new Dense({ inFeatures: 18, outFeatures: 4, rng }),
    ]);
    expect(gradientError(net, 2, 7)).toBeLessThan(1e-6);
  });

  it("copyFrom makes identical outputs; polyakFrom interpolates parameters", () => {
    const a = minatarNet(1);
    const b = minatarNet(2);
    const x = new Rng(3).fillUniform(new Float64Array(2 * 400));
    const ya = Float64Array.from(a.forward(x, 2));
    expect(Array.from(b.forward(x, 2))).not.toEqual(Array.from(ya));
    const before = Float64Array.from(b.parameters[0].data);
    b.polyakFrom(a, 0.25);
    const w = b.parameters[0].data;
    for (let i = 0; i < w.length; i++)
      expect(w[i]).toBeCloseTo(0.75 * before[i] + 0.25 * a.parameters[0].data[i], 14);
    b.copyFrom(a);
    expect(Array.from(b.forward(x, 2))).toEqual(Array.from(ya));
    expect(() => b.polyakFrom(a, 1.5)).toThrow(/tau/);
  });

  it("rejects mismatched layer sizes", () => {
    expect(
      () =>
        new Sequential([
          new Dense({ inFeatures: 3, outFeatures: 4 }),
          new Dense({ inFeatures: 5, outFeatures: 1 }),
        ]),
    ).toThrow(/expects/);
  });

  it("inputGrad: false leaves parameter gradients unchanged", () => {
    const x = new Rng(4).fillUniform(new Float64Array(3 * 400));
    const g = new Rng(5).fillNormal(new Float64Array(3 * 6));
    const full = minatarNet(9);
    const lean = new Sequential(minatarNet(9).layers, { inputGrad: false });
    full.forward(x, 3);
    full.backward(g, 3);
    lean.forward(x, 3);
    lean.backward(g, 3);
    const pf = full.parameters;
    const pl = lean.parameters;
    for (let i = 0; i < pf.length; i++) expect(Array.from(pl[i].grad)).toEqual(Array.from(pf[i].grad));
  });
});
