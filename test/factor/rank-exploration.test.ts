import { describe, expect, it } from "vitest";
import { CPTensor } from "../../src/factor/cp-tensor.js";
import { centred, cpRankExploration, sampleOnGrid } from "../../src/factor/rank-exploration.js";
import { Rng } from "../../src/random/rng.js";

describe("rank exploration (CP-ALS error against rank)", () => {
  it("a tensor of known CP rank 3: the error falls to ~0 at rank 3 and not before", () => {
    const rng = new Rng(2);
    const x = CPTensor.random([8, 7, 6], 3, rng).reconstruct();
    const rows = cpRankExploration(x, [1, 2, 3, 4], {
      rng: new Rng(5),
      maxIterations: 500,
      tolerance: 1e-14,
    });
    expect(rows.map((r) => r.rank)).toEqual([1, 2, 3, 4]);
    expect(rows[0].nfe).toBeGreaterThan(rows[1].nfe);
    expect(rows[1].nfe).toBeGreaterThan(1);
    expect(rows[2].nfe).toBeLessThan(1e-3);
    expect(rows[2].maxError).toBeLessThan(1e-3);
    expect(rows[3].nfe).toBeLessThan(1e-3);
    expect(rows[2].params).toBe(3 * (8 + 7 + 6));
  });

  it("samples a function on a linspace grid, both ends included, last axis fastest; outputs as a last mode", () => {
    const f = (s: Float64Array, out: Float64Array) => {
      out[0] = s[0] * 10 + s[1];
      out[1] = -s[0];
    };
    const x = sampleOnGrid(
      f,
      [
        { low: -1, high: 1, points: 3 },
        { low: 0, high: 4, points: 5 },
      ],
      2,
    );
    expect(x.shape).toEqual([3, 5, 2]);
    expect(x.get(0, 0, 0)).toBe(-10);
    expect(x.get(2, 4, 0)).toBe(14);
    expect(x.get(1, 3, 0)).toBe(3);
    expect(x.get(2, 1, 1)).toBe(-1);
    // a separable function sin(s₀)·cos(s₁)·(1 + s₂) is a rank-1 tensor, fitted exactly at rank 1
    const prod = sampleOnGrid(
      (s, out) => (out[0] = Math.sin(s[0]) * Math.cos(s[1]) * (1 + s[2])),
      [
        { low: -1, high: 1, points: 6 },
        { low: -1, high: 1, points: 5 },
        { low: -5, high: 5, points: 4 },
      ],
    );
    const [r1] = cpRankExploration(prod, [1], { rng: new Rng(1) });
    expect(r1.nfe).toBeLessThan(1e-8);
    const c = centred(prod);
    expect(Math.abs(c.data.reduce((a, b) => a + b, 0))).toBeLessThan(1e-12);
    expect(() => sampleOnGrid(f, [{ low: 0, high: 1, points: 1 }])).toThrow(
      /axes\[0\]\.points must be an integer in \[2, 100000\], got 1/,
    );
  });
});
