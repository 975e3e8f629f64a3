import { afterEach, describe, expect, it } from "vitest";
import fc from "fast-check";
import { Conv2d, SPARSE_MAX_DENSITY, type ConvInputPath } from "../../src/nn/conv2d.js";
import { setSparseConvBackend } from "../../src/nn/sparse-conv-kernel.js";
import { Rng } from "../../src/random/rng.js";

const geometry = fc.record({
  C: fc.integer({ min: 1, max: 4 }),
  O: fc.integer({ min: 1, max: 9 }),
  H: fc.integer({ min: 3, max: 9 }),
  W: fc.integer({ min: 3, max: 9 }),
  kh: fc.integer({ min: 1, max: 3 }),
  kw: fc.integer({ min: 1, max: 3 }),
  sh: fc.integer({ min: 1, max: 2 }),
  sw: fc.integer({ min: 1, max: 2 }),
  ph: fc.integer({ min: 0, max: 1 }),
  pw: fc.integer({ min: 0, max: 1 }),
  batch: fc.constantFrom(1, 2, 3, 5),
  bias: fc.boolean(),
  density: fc.double({ min: 0, max: 0.6, noNaN: true }),
  binary: fc.boolean(),
  seed: fc.integer({ min: 0, max: 1 << 20 }),
});
type Geometry = typeof geometry extends fc.Arbitrary<infer T> ? T : never;

function makeConv(s: Geometry, inputPath: ConvInputPath): Conv2d {
  return new Conv2d({
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
}

function input(s: Geometry, rng: Rng): Float64Array {
  const x = new Float64Array(s.batch * s.C * s.H * s.W);
  for (let i = 0; i < x.length; i++) if (rng.uniform() < s.density) x[i] = s.binary ? 1 : rng.normal();
  return x;
}

/** Forward, then backward (without ∇x) into gradients pre-filled with 0.5; copies of y, ∇W, ∇b. */
function pass(conv: Conv2d, x: Float64Array, g: Float64Array, batch: number): Float64Array[] {
  conv.computeInputGrad = false;
  for (const p of conv.parameters) p.grad.fill(0.5);
  const y = Float64Array.from(conv.forward(x, batch));
  conv.backward(g, batch);
  return [y, ...conv.parameters.map((p) => Float64Array.from(p.grad))];
}

const valid = (s: Geometry): boolean => s.H + 2 * s.ph >= s.kh && s.W + 2 * s.pw >= s.kw;

afterEach(() => {
  setSparseConvBackend("auto");
});

describe("Conv2d sparse kernels", () => {
  it("WebAssembly and JS scatter give bit-identical outputs and gradients (same terms, same order)", () => {
    fc.assert(
      fc.property(geometry, (s) => {
        if (!valid(s)) return;
        const rng = new Rng(s.seed + 7);
        const x = input(s, rng);
        const conv = makeConv(s, "sparse");
        const g = rng.fillNormal(new Float64Array(s.batch * conv.outputShape.reduce((a, b) => a * b, 1)));
        setSparseConvBackend("js");
        const js = pass(conv, x, g, s.batch);
        setSparseConvBackend("auto");
        const simd = pass(conv, x, g, s.batch);
        js.forEach((a, k) => expect(Array.from(simd[k])).toEqual(Array.from(a)));
      }),
      { numRuns: 150, seed: 71 },
    );
  });

  it("sparse and dense paths agree (outputs, ∇W, ∇b) on binary and real inputs, batch 1 included", () => {
    fc.assert(
      fc.property(geometry, (s) => {
        if (!valid(s)) return;
        const rng = new Rng(s.seed + 3);
        const x = input(s, rng);
        const sparse = makeConv(s, "sparse");
        const dense = makeConv(s, "dense");
        const g = rng.fillNormal(new Float64Array(s.batch * sparse.outputShape.reduce((a, b) => a * b, 1)));
        const a = pass(sparse, x, g, s.batch);
        const b = pass(dense, x, g, s.batch);
        b.forEach((ref, k) => {
          for (let i = 0; i < ref.length; i++)
            expect(Math.abs(a[k][i] - ref[i])).toBeLessThan(1e-12 * (1 + Math.abs(ref[i])));
        });
      }),
      { numRuns: 150, seed: 72 },
    );
  });

  it("layers sharing the kernels' memory do not disturb each other (interleaved forward/backward, batch 1 acting)", () => {
    fc.assert(
      fc.property(geometry, geometry, (s1, s2) => {
        if (!valid(s1) || !valid(s2)) return;
        const rng = new Rng(s1.seed ^ s2.seed);
        const x1 = input(s1, rng);
        const x2 = input(s2, rng);
        const act = input({ ...s1, batch: 1 }, rng);
        const a = makeConv(s1, "sparse");
        const b = makeConv(s2, "sparse");
        const g1 = rng.fillNormal(new Float64Array(s1.batch * a.outputShape.reduce((u, v) => u * v, 1)));
        const g2 = rng.fillNormal(new Float64Array(s2.batch * b.outputShape.reduce((u, v) => u * v, 1)));
        const alone1 = pass(makeConv(s1, "sparse"), x1, g1, s1.batch);
        const alone2 = pass(makeConv(s2, "sparse"), x2, g2, s2.batch);
        for (const conv of [a, b]) {
          conv.computeInputGrad = false;
          for (const p of conv.parameters) p.grad.fill(0.5);
        }
        // forward a, forward b, act with a at batch 1, backward a, backward b.
        const ya = Float64Array.from(a.forward(x1, s1.batch));
        const yb = Float64Array.from(b.forward(x2, s2.batch));
        // (Layer contract: backward uses the latest forward at its batch size, so act only at another size.)
        if (s1.batch !== 1) a.forward(act, 1);
        a.backward(g1, s1.batch);
        b.backward(g2, s2.batch);
        expect(Array.from(ya)).toEqual(Array.from(alone1[0]));
        expect(Array.from(yb)).toEqual(Array.from(alone2[0]));
        a.parameters.forEach((p, k) => expect(Array.from(p.grad)).toEqual(Array.from(alone1[k + 1])));
        b.parameters.forEach((p, k) => expect(Array.from(p.grad)).toEqual(Array.from(alone2[k + 1])));
      }),
      { numRuns: 60, seed: 73 },
    );
  });

  it("'auto' takes the sparse path up to SPARSE_MAX_DENSITY non-zeros and the dense path above", () => {
    const s = {
      C: 2,
      O: 3,
      H: 6,
      W: 6,
      kh: 3,
      kw: 3,
      sh: 1,
      sw: 1,
      ph: 1,
      pw: 1,
      batch: 2 as const,
      bias: true,
      binary: false,
    };
    const size = 2 * 2 * 36;
    const limit = Math.floor(SPARSE_MAX_DENSITY * size);
    const rng = new Rng(11);
    for (const count of [limit, limit + 1]) {
      const x = new Float64Array(size);
      for (let i = 0; i < count; i++) x[Math.floor((i * size) / count)] = 0.5 + rng.uniform();
      const g = rng.fillNormal(new Float64Array(2 * 3 * 36));
      const run = (path: ConvInputPath): Float64Array[] =>
        pass(makeConv({ ...s, density: 0, seed: 1 }, path), x, g, 2);
      const expected = run(count <= limit ? "sparse" : "dense");
      run("auto").forEach((a, k) => expect(Array.from(a)).toEqual(Array.from(expected[k])));
    }
  });

  it("reads only the first batch · C·H·W input values (a longer buffer's tail is ignored)", () => {
    const conv = new Conv2d({ inChannels: 2, outChannels: 3, kernelSize: 2, inputSize: 4, rng: new Rng(4) });
    const rng = new Rng(5);
    const x = new Float64Array(2 * 32);
    for (let i = 0; i < x.length; i++) if (rng.uniform() < 0.1) x[i] = 1;
    const y = Float64Array.from(conv.forward(x, 2));
    const longer = new Float64Array(3 * 32).fill(1);
    longer.set(x);
    expect(Array.from(conv.forward(longer, 2))).toEqual(Array.from(y));
    expect(() => setSparseConvBackend("gpu" as "js")).toThrow(/backend/);
  });
});

describe("Conv2d precision", () => {
  const options = {
    inChannels: 4,
    outChannels: 16,
    kernelSize: 3,
    inputSize: 10,
    inputPath: "dense" as const,
  };

  it("defaults to f64 and rejects other values naming the field", () => {
    expect(new Conv2d(options).precision).toBe("f64");
    expect(new Conv2d({ ...options, precision: "f32" }).precision).toBe("f32");
    expect(() => new Conv2d({ ...options, precision: "f16" as "f32" })).toThrow(/Conv2d precision.*'f16'/);
  });

  it("'f32' runs the dense path's products in single precision (≈ f64 to 1e-5, not bit-equal); sparse stays f64", () => {
    const rng = new Rng(8);
    const x = rng.fillNormal(new Float64Array(32 * 400));
    const g = rng.fillNormal(new Float64Array(32 * 1024));
    const f64 = new Conv2d({ ...options, rng: new Rng(1) });
    const f32 = new Conv2d({ ...options, rng: new Rng(1), precision: "f32" });
    const results = [f64, f32].map((conv) => {
      conv.computeInputGrad = true;
      const y = Float64Array.from(conv.forward(x, 32));
      const gx = Float64Array.from(conv.backward(g, 32));
      return [y, gx, Float64Array.from(conv.weight.grad)];
    });
    for (let k = 0; k < 3; k++) {
      const [a, b] = [results[0][k], results[1][k]];
      let diff = 0;
      let scale = 0;
      for (let i = 0; i < a.length; i++) {
        diff = Math.max(diff, Math.abs(a[i] - b[i]));
        scale = Math.max(scale, Math.abs(a[i]));
      }
      expect(diff / scale).toBeLessThan(1e-5);
      expect(diff).toBeGreaterThan(0);
    }
    const binary = new Float64Array(32 * 400).map(() => +(rng.uniform() < 0.08));
    const sparse64 = new Conv2d({ ...options, rng: new Rng(1), inputPath: "sparse" });
    const sparse32 = new Conv2d({ ...options, rng: new Rng(1), inputPath: "sparse", precision: "f32" });
    expect(Array.from(sparse32.forward(binary, 32))).toEqual(Array.from(sparse64.forward(binary, 32)));
  });
});
