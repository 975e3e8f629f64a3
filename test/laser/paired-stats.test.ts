import { describe, expect, it } from "vitest";
import { Rng } from "../../src/random/rng.js";
import { mean, pairedBootstrapInterval, quantileSorted, sampleStd } from "../../src/laser/paired-stats.js";

describe("paired bootstrap interval", () => {
  it("is a point at 0 (not significant) when every difference is 0", () => {
    expect(pairedBootstrapInterval(new Float64Array(50))).toEqual({ low: 0, high: 0, excludesZero: false });
  });

  it("is reproducible for a seed and brackets the sample mean", () => {
    const rng = new Rng(3);
    const d = Float64Array.from({ length: 60 }, () => 0.1 + rng.normal());
    const a = pairedBootstrapInterval(d, { seed: 11 });
    expect(pairedBootstrapInterval(d, { seed: 11 })).toEqual(a);
    expect(a.low).toBeLessThan(mean(d));
    expect(a.high).toBeGreaterThan(mean(d));
    // Width ≈ 2·1.96·s/√n for a near-normal sample.
    const expected = (2 * 1.96 * sampleStd(d)) / Math.sqrt(60);
    expect(a.high - a.low).toBeGreaterThan(0.8 * expected);
    expect(a.high - a.low).toBeLessThan(1.2 * expected);
  });

  it("flags a clear shift and not a null one (coverage check over repeated samples)", () => {
    const rng = new Rng(9);
    let nullExcluded = 0;
    let shiftExcluded = 0;
    const trials = 60;
    for (let t = 0; t < trials; t++) {
      const noise = Float64Array.from({ length: 40 }, () => rng.normal());
      if (pairedBootstrapInterval(noise, { seed: t, resamples: 2000 }).excludesZero) nullExcluded++;
      if (
        pairedBootstrapInterval(
          noise.map((x) => x + 1.5),
          { seed: t, resamples: 2000 },
        ).excludesZero
      )
        shiftExcluded++;
    }
    expect(nullExcluded).toBeLessThanOrEqual(10); // ~5% expected (3 of 60)
    expect(shiftExcluded).toBe(trials);
  });

  it("validates its options", () => {
    expect(() => pairedBootstrapInterval([])).toThrow(/at least one/);
    expect(() => pairedBootstrapInterval([1, 2], { confidence: 1 })).toThrow(
      /confidence must be in \(0, 1\), got 1/,
    );
    expect(() => pairedBootstrapInterval([1, 2], { resamples: 0 })).toThrow(
      /resamples must be an integer >= 1, got 0/,
    );
  });

  it("quantiles interpolate like numpy", () => {
    expect(quantileSorted([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(quantileSorted([1, 2, 3, 4], 1)).toBe(4);
    expect(sampleStd([2, 4, 4, 4, 5, 5, 7, 9])).toBeCloseTo(Math.sqrt(32 / 7), 14);
  });
});
