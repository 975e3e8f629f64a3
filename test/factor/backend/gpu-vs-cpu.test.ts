import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createBackend,
  reconstructInto,
  type BatchedEntries,
  type BatchedFactors,
  type FactorBackend,
  type FloatArray,
} from "../../../src/factor/backend/index.js";
import { gatherEntriesInto, entryGradientsInto } from "../../../src/factor/backend/cpu-kernels.js";
import { Rng } from "../../../src/random/rng.js";

/** Float32 tolerance of the issue: relative 1e-5 of the magnitude Σ|terms| of each output entry. */
const REL = 1e-5;

function expectClose(
  got: ArrayLike<number>,
  want: ArrayLike<number>,
  magnitude: ArrayLike<number>,
  what: string,
): void {
  expect(got.length, `${what}: length`).toBe(want.length);
  for (let q = 0; q < want.length; q++) {
    const tol = REL * (Math.abs(magnitude[q]) + Math.abs(want[q])) + 1e-30;
    if (!(Math.abs(got[q] - want[q]) <= tol)) {
      throw new Error(
        `${what}[${q}]: gpu ${got[q]} vs cpu ${want[q]} (|diff| ${Math.abs(got[q] - want[q])} > tol ${tol})`,
      );
    }
  }
}

const abs = (a: FloatArray): Float64Array => Float64Array.from(a, Math.abs);

interface Case {
  f: BatchedFactors;
  e: BatchedEntries;
  g: Float64Array;
  G: Float64Array;
}

/** Random shapes P ≤ 3, n, m ≤ 12, K ≤ 5, B ≤ 8, with values from a seeded Rng. */
const caseArb = fc
  .record({
    P: fc.integer({ min: 1, max: 3 }),
    n: fc.integer({ min: 1, max: 12 }),
    m: fc.integer({ min: 1, max: 12 }),
    K: fc.integer({ min: 1, max: 5 }),
    B: fc.integer({ min: 1, max: 8 }),
    seed: fc.integer({ min: 0, max: 1 << 30 }),
  })
  .map(({ P, n, m, K, B, seed }): Case => {
    const rng = new Rng(seed);
    const L = rng.fillNormal(new Float64Array(P * n * K));
    const R = rng.fillNormal(new Float64Array(P * m * K));
    const rowIdx = new Int32Array(P * B).map(() => rng.integer(n));
    const colIdx = new Int32Array(P * B).map(() => rng.integer(m));
    const counts = new Int32Array(P).map(() => rng.integer(B + 1));
    const g = rng.fillNormal(new Float64Array(P * B));
    const G = rng.fillNormal(new Float64Array(P * n * m));
    return {
      f: { count: P, rows: n, cols: m, rank: K, L, R },
      e: { capacity: B, rowIdx, colIdx, counts },
      g,
      G,
    };
  });

const cloneFactors = (f: BatchedFactors): BatchedFactors => ({
  ...f,
  L: Float64Array.from(f.L),
  R: Float64Array.from(f.R),
});

for (const mode of ["cpu", "webasm"] as const) {
  describe(`gpu backend (gpu.js mode ${mode}) equals the cpu backend within float32 tolerance`, () => {
    let gpu: FactorBackend;
    const cpu = createBackend("cpu");
    beforeAll(async () => {
      gpu = await createBackend("gpu", { mode });
    });
    afterAll(async () => {
      await gpu.dispose();
    });

    it("reports float32 precision and the requested mode", () => {
      expect(gpu.kind).toBe("gpu");
      expect(gpu.precision).toBe("float32");
      expect(gpu.mode).toBe(mode);
    });

    it("reconstruct X = L Rᵀ", async () => {
      const c = await cpu;
      await fc.assert(
        fc.asyncProperty(caseArb, async ({ f }) => {
          const want = await c.reconstruct(f);
          const mag = reconstructInto({ ...f, L: abs(f.L), R: abs(f.R) }, new Float64Array(want.length));
          expectClose(await gpu.reconstruct(f), want, mag, "X");
        }),
        { seed: 11, numRuns: 25 },
      );
    });

    it("dense gradient step L ← L − aGR, R ← R − aGᵀL (old L)", async () => {
      const c = await cpu;
      await fc.assert(
        fc.asyncProperty(caseArb, fc.double({ min: -0.5, max: 0.5, noNaN: true }), async (k, a) => {
          const fc64 = cloneFactors(k.f);
          const f32 = cloneFactors(k.f);
          await c.applyDenseGradient(fc64, k.G, a);
          await gpu.applyDenseGradient(f32, k.G, a);
          // Magnitude: |L| + |a|·|G||R| (and likewise for R), the float error scale of each entry.
          const magF = cloneFactors({ ...k.f, L: abs(k.f.L), R: abs(k.f.R) });
          await c.applyDenseGradient(magF, abs(k.G), -Math.abs(a));
          expectClose(f32.L, fc64.L, magF.L, "L");
          expectClose(f32.R, fc64.R, magF.R, "R");
        }),
        { seed: 12, numRuns: 25 },
      );
    });

    it("gather entries X_p[i_b, j_b]", async () => {
      const c = await cpu;
      await fc.assert(
        fc.asyncProperty(caseArb, async ({ f, e }) => {
          const want = await c.gatherEntries(f, e);
          const mag = gatherEntriesInto({ ...f, L: abs(f.L), R: abs(f.R) }, e, new Float64Array(want.length));
          const got = await gpu.gatherEntries(f, e);
          expectClose(got, want, mag, "entries");
          for (let p = 0; p < f.count; p++)
            for (let b = e.counts[p]; b < e.capacity; b++) expect(got[p * e.capacity + b]).toBe(0);
        }),
        { seed: 13, numRuns: 25 },
      );
    });

    it("batched sparse entry gradients", async () => {
      const c = await cpu;
      await fc.assert(
        fc.asyncProperty(caseArb, async ({ f, e, g }) => {
          const want = await c.entryGradients(f, e, g);
          const magL = new Float64Array(want.gradL.length);
          const magR = new Float64Array(want.gradR.length);
          entryGradientsInto({ ...f, L: abs(f.L), R: abs(f.R) }, e, abs(g), magL, magR);
          const got = await gpu.entryGradients(f, e, g);
          expectClose(got.gradL, want.gradL, magL, "gradL");
          expectClose(got.gradR, want.gradR, magR, "gradR");
        }),
        { seed: 14, numRuns: 25 },
      );
    });

    it("Adam step (with and without a mask)", async () => {
      const c = await cpu;
      await fc.assert(
        fc.asyncProperty(
          fc.integer({ min: 1, max: 40 }),
          fc.integer({ min: 1, max: 50 }),
          fc.integer({ min: 0, max: 1 << 30 }),
          fc.boolean(),
          async (N, step, seed, masked) => {
            const rng = new Rng(seed);
            const param = rng.fillNormal(new Float64Array(N));
            const grad = rng.fillNormal(new Float64Array(N));
            const m = rng.fillNormal(new Float64Array(N), 0, 0.1);
            const v = rng.fillUniform(new Float64Array(N), 0.01, 1);
            const mask = masked
              ? Float64Array.from({ length: N }, () => (rng.uniform() < 0.7 ? 1 : 0))
              : undefined;
            const config = { lr: 0.01 + rng.uniform() * 0.1, beta1: 0.9, beta2: 0.999, eps: 1e-8, step };
            const [p64, m64, v64] = [Float64Array.from(param), Float64Array.from(m), Float64Array.from(v)];
            const [p32, m32, v32] = [Float64Array.from(param), Float64Array.from(m), Float64Array.from(v)];
            await c.adamStep(p64, grad, m64, v64, config, mask);
            await gpu.adamStep(p32, grad, m32, v32, config, mask);
            // Float error scales: |p| + (lr/(1−β₁ᵗ))·(β₁|m| + (1−β₁)|g|)/denom for p; the two terms for m and v.
            const stepSize = config.lr / (1 - Math.pow(0.9, step));
            const bc2 = Math.sqrt(1 - Math.pow(0.999, step));
            const stepMag = Float64Array.from(param, (x, i) => {
              const denom = Math.sqrt(v64[i]) / bc2 + 1e-8;
              return Math.abs(x) + (stepSize * (0.9 * Math.abs(m[i]) + 0.1 * Math.abs(grad[i]))) / denom;
            });
            const mMag = Float64Array.from(m, (x, i) => Math.abs(x) + Math.abs(grad[i]));
            const vMag = Float64Array.from(v, (x, i) => Math.abs(x) + grad[i] * grad[i]);
            expectClose(p32, p64, stepMag, "param");
            expectClose(m32, m64, mMag, "m");
            expectClose(v32, v64, vMag, "v");
            if (mask) {
              for (let i = 0; i < N; i++) if (mask[i] === 0) expect(p32[i]).toBe(Math.fround(param[i]));
            }
          },
        ),
        { seed: 15, numRuns: 25 },
      );
    });

    it("compiles a kernel once per output length and reuses it", async () => {
      const runtime = (gpu as unknown as { runtime: { kernelCount: number } }).runtime;
      const rng = new Rng(1);
      const f = {
        count: 2,
        rows: 5,
        cols: 3,
        rank: 2,
        L: rng.fillNormal(new Float64Array(20)),
        R: rng.fillNormal(new Float64Array(12)),
      };
      await gpu.reconstruct(f);
      const compiled = runtime.kernelCount;
      for (let r = 0; r < 3; r++) await gpu.reconstruct({ ...f, L: rng.fillNormal(new Float64Array(20)) });
      expect(runtime.kernelCount).toBe(compiled);
      await gpu.reconstruct({ ...f, rows: 4, L: new Float64Array(16) });
      expect(runtime.kernelCount).toBe(compiled + 1);
    });
  });
}
