import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { Conv2d, SPARSE_MAX_DENSITY, type ConvInputPath } from "../../src/nn/index.js";
import { Rng } from "../../src/random/rng.js";
import { gradientError } from "./grad-check.js";

const sparseCase = fc.record({
  C: fc.integer({ min: 1, max: 4 }),
  O: fc.integer({ min: 1, max: 5 }),
  H: fc.integer({ min: 3, max: 7 }),
  W: fc.integer({ min: 3, max: 7 }),
  kh: fc.integer({ min: 1, max: 3 }),
  kw: fc.integer({ min: 1, max: 3 }),
  sh: fc.integer({ min: 1, max: 3 }),
  sw: fc.integer({ min: 1, max: 3 }),
  ph: fc.integer({ min: 0, max: 2 }),
  pw: fc.integer({ min: 0, max: 2 }),
  batch: fc.integer({ min: 1, max: 4 }),
  bias: fc.boolean(),
  inputGrad: fc.boolean(),
  density: fc.double({ min: 0, max: 0.5, noNaN: true }),
  binary: fc.boolean(),
  seed: fc.integer(),
});

type SparseCase = typeof sparseCase extends fc.Arbitrary<infer T> ? T : never;

function makeConv(s: SparseCase, inputPath: ConvInputPath): Conv2d | null {
  // Kernels larger than the padded input have no valid output; those shapes are rejected by the constructor.
  if (s.H + 2 * s.ph < s.kh || s.W + 2 * s.pw < s.kw) return null;
  const conv = new Conv2d({
    inChannels: s.C,
    outChannels: s.O,
    kernelSize: [s.kh, s.kw],
    inputSize: [s.H, s.W],
    stride: [s.sh, s.sw],
    padding: [s.ph, s.pw],
    bias: s.bias,
    rng: new Rng(s.seed),
    inputPath,
  });
  conv.computeInputGrad = s.inputGrad;
  return conv;
}

/** Each entry non-zero with probability `density`: 1 (binary) or a standard normal draw. */
function sparseInput(size: number, density: number, binary: boolean, rng: Rng): Float64Array {
  const x = new Float64Array(size);
  for (let i = 0; i < size; i++) if (rng.uniform() < density) x[i] = binary ? 1 : rng.normal();
  return x;
}

function expectClose(actual: Float64Array, expected: Float64Array): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++)
    expect(Math.abs(actual[i] - expected[i])).toBeLessThan(1e-12 * (1 + Math.abs(expected[i])));
}

describe("Conv2d sparse-input (scatter) path", () => {
  it("gives the dense path's outputs and parameter/input gradients (binary and real inputs, any stride and padding)", () => {
    fc.assert(
      fc.property(sparseCase, (s) => {
        const dense = makeConv(s, "dense");
        const sparse = makeConv(s, "sparse");
        const auto = makeConv(s, "auto");
        if (!dense || !sparse || !auto) return;
        const rng = new Rng(s.seed + 1);
        const x = sparseInput(s.batch * s.C * s.H * s.W, s.density, s.binary, rng);
        const yDense = Float64Array.from(dense.forward(x, s.batch));
        expectClose(sparse.forward(x, s.batch), yDense);
        expectClose(auto.forward(x, s.batch), yDense);
        const g = rng.fillNormal(new Float64Array(yDense.length));
        // Accumulation into existing gradients must match too.
        for (const conv of [dense, sparse, auto]) for (const p of conv.parameters) p.grad.fill(0.25);
        const gxDense = Float64Array.from(dense.backward(g, s.batch));
        const gxSparse = Float64Array.from(sparse.backward(g, s.batch));
        const gxAuto = Float64Array.from(auto.backward(g, s.batch));
        if (s.inputGrad) {
          expectClose(gxSparse, gxDense);
          expectClose(gxAuto, gxDense);
        }
        for (let k = 0; k < dense.parameters.length; k++) {
          expectClose(sparse.parameters[k].grad, dense.parameters[k].grad);
          expectClose(auto.parameters[k].grad, dense.parameters[k].grad);
        }
      }),
      { numRuns: 120, seed: 61 },
    );
  });

  it("forced sparse path backward matches finite differences (dense inputs: the path must not assume sparsity)", () => {
    fc.assert(
      fc.property(sparseCase, (s) => {
        const conv = makeConv({ ...s, inputGrad: true }, "sparse");
        if (!conv) return;
        expect(gradientError(conv, s.batch, s.seed)).toBeLessThan(1e-7);
      }),
      { numRuns: 25, seed: 62 },
    );
  });

  it("alternates batch sizes and paths without stale state (acting at batch 1 before each training batch)", () => {
    const s: SparseCase = {
      C: 4,
      O: 16,
      H: 10,
      W: 10,
      kh: 3,
      kw: 3,
      sh: 1,
      sw: 1,
      ph: 0,
      pw: 0,
      batch: 32,
      bias: true,
      inputGrad: false,
      density: 0.08,
      binary: true,
      seed: 5,
    };
    const auto = makeConv(s, "auto")!;
    const dense = makeConv(s, "dense")!;
    const rng = new Rng(9);
    const xs = sparseInput(32 * 400, 0.08, true, rng);
    const xd = rng.fillNormal(new Float64Array(32 * 400));
    const x1 = sparseInput(400, 0.08, true, rng);
    const g = rng.fillNormal(new Float64Array(32 * 16 * 64));
    for (const x of [xs, xd, xs]) {
      auto.forward(x1, 1);
      auto.forward(x, 32);
      dense.forward(x, 32);
      auto.backward(g, 32);
      dense.backward(g, 32);
      expectClose(auto.weight.grad, dense.weight.grad);
      expectClose(auto.bias!.grad, dense.bias!.grad);
    }
  });

  it("rejects an unknown inputPath and exposes the density threshold", () => {
    expect(
      () =>
        new Conv2d({
          inChannels: 1,
          outChannels: 1,
          kernelSize: 1,
          inputSize: 2,
          inputPath: "csr" as ConvInputPath,
        }),
    ).toThrow(/inputPath/);
    expect(SPARSE_MAX_DENSITY).toBeGreaterThan(0);
    expect(SPARSE_MAX_DENSITY).toBeLessThan(1);
  });
});
