import { describe, expect, it, vi } from "vitest";
import type { MatmulPrecision } from "../../src/factor/gemm.js";
import { CPConv2d } from "../../src/nn/cp-conv2d.js";
import { Dense } from "../../src/nn/dense.js";
import type { Layer } from "../../src/nn/layer.js";
import { LowRankDense } from "../../src/nn/low-rank-dense.js";
import { resolvePrecision } from "../../src/nn/precision.js";
import { TuckerRegression } from "../../src/nn/tucker-regression.js";
import { Rng } from "../../src/random/rng.js";

/** Every GEMM call: the precision it was given and the source line that made it. */
const gemmCalls: { precision: unknown; caller: string }[] = [];

vi.mock("../../src/factor/gemm.js", async (importOriginal) => {
  const real = await importOriginal<typeof import("../../src/factor/gemm.js")>();
  const record = (precision: unknown): void => {
    // Frame 0 is "Error", 1 this helper, 2 the wrapper, 3 the caller.
    const caller = new Error().stack?.split("\n")[3] ?? "";
    gemmCalls.push({ precision, caller });
  };
  return {
    ...real,
    gemmNN: (...args: Parameters<typeof real.gemmNN>) => (record(args[13]), real.gemmNN(...args)),
    gemmNT: (...args: Parameters<typeof real.gemmNT>) => (record(args[13]), real.gemmNT(...args)),
    gemmTN: (...args: Parameters<typeof real.gemmTN>) => (record(args[13]), real.gemmTN(...args)),
    gemmStrided: (...args: Parameters<typeof real.gemmStrided>) => (
      record(args[15]),
      real.gemmStrided(...args)
    ),
  };
});

interface Pass {
  y: Float64Array;
  gx: Float64Array;
  grads: Float64Array[];
}

/** One forward and backward on fixed random data (copies of every result). */
function run(layer: Layer, batch: number, seed: number): Pass {
  const rng = new Rng(seed);
  const inSize = layer.inputShape.reduce((a, b) => a * b, 1) * batch;
  const outSize = layer.outputShape.reduce((a, b) => a * b, 1) * batch;
  const x = rng.fillNormal(new Float64Array(inSize));
  const g = rng.fillNormal(new Float64Array(outSize));
  for (const p of layer.parameters) p.grad.fill(0);
  const y = Float64Array.from(layer.forward(x, batch));
  const gx = Float64Array.from(layer.backward(g, batch));
  return { y, gx, grads: layer.parameters.map((p) => Float64Array.from(p.grad)) };
}

/** max |a − b| / max |b|: the error relative to the reference's scale. */
function relativeError(a: Float64Array, b: Float64Array): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < b.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return diff / scale;
}

/** The four factor layers at sizes where the GEMMs take the SIMD kernel (≥ 2048 multiply–adds). */
const LAYERS: Record<string, (precision?: MatmulPrecision) => Layer> = {
  Dense: (precision) => new Dense({ inFeatures: 96, outFeatures: 48, rng: new Rng(1), precision }),
  LowRankDense: (precision) =>
    new LowRankDense({ inFeatures: 96, outFeatures: 48, rank: 8, rng: new Rng(2), precision }),
  TuckerRegression: (precision) =>
    new TuckerRegression({
      inputShape: [16, 8, 8],
      outFeatures: 32,
      rank: [4, 4, 4, 16],
      rng: new Rng(3),
      precision,
    }),
  CPConv2d: (precision) =>
    new CPConv2d({
      inChannels: 4,
      outChannels: 16,
      kernelSize: 3,
      inputSize: [10, 10],
      padding: 1,
      rank: 6,
      rng: new Rng(4),
      precision,
    }),
};

describe("precision option", () => {
  it("defaults to 'f64' and rejects other values, naming the field and the allowed values", () => {
    expect(resolvePrecision(undefined, "x precision")).toBe("f64");
    expect(resolvePrecision("f32", "x precision")).toBe("f32");
    expect(() => resolvePrecision(32, "x precision")).toThrow(
      /x precision must be one of 'f64', 'f32', got 32/,
    );
    for (const [name, make] of Object.entries(LAYERS)) {
      expect(make().parameters.length).toBeGreaterThan(0);
      expect((make() as unknown as { precision: MatmulPrecision }).precision).toBe("f64");
      expect(() => make("f16" as MatmulPrecision)).toThrow(
        new RegExp(`${name} precision must be one of 'f64', 'f32', got 'f16'`),
      );
    }
  });

  for (const [name, make] of Object.entries(LAYERS)) {
    describe(name, () => {
      it("'f64' given explicitly is bit-identical to the default", () => {
        const a = run(make(), 7, 10);
        const b = run(make("f64"), 7, 10);
        expect(Array.from(b.y)).toEqual(Array.from(a.y));
        expect(Array.from(b.gx)).toEqual(Array.from(a.gx));
        b.grads.forEach((g, i) => expect(Array.from(g)).toEqual(Array.from(a.grads[i])));
      });

      it("passes its precision to every GEMM it calls, directly or through the factor helpers", () => {
        for (const precision of ["f32", "f64"] as const) {
          const layer = make(precision);
          gemmCalls.length = 0;
          run(layer, 5, 11);
          // Direct calls and those through src/factor helpers (mode projection) alike.
          expect(gemmCalls.length).toBeGreaterThan(0);
          expect(gemmCalls.some((c) => c.caller.includes("/src/nn/"))).toBe(true);
          for (const c of gemmCalls) expect(c).toEqual({ caller: c.caller, precision });
        }
      });

      it("'f32' forward and backward agree with 'f64' to ~1e-5 relative", () => {
        const ref = run(make("f64"), 8, 12);
        const f32 = run(make("f32"), 8, 12);
        expect(relativeError(f32.y, ref.y)).toBeLessThan(1e-5);
        expect(relativeError(f32.gx, ref.gx)).toBeLessThan(1e-5);
        f32.grads.forEach((g, i) => expect(relativeError(g, ref.grads[i])).toBeLessThan(1e-5));
        // Results and parameters stay double precision.
        expect(f32.y).toBeInstanceOf(Float64Array);
        expect(make("f32").parameters.every((p) => p.data instanceof Float64Array)).toBe(true);
      });
    });
  }
});
