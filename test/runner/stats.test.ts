import { describe, expect, it } from "vitest";
import {
  curveBand,
  episodesToThreshold,
  median,
  movingAverage,
  quantile,
  spread,
  tailMean,
} from "../../src/runner/stats.js";

describe("stats", () => {
  it("median and quantiles match NumPy's linear interpolation", () => {
    expect(median([3, 1, 2, 4])).toBe(2.5);
    expect(quantile([1, 2, 3, 4], 0.25)).toBe(1.75);
    expect(quantile([1, 2, 3, 4], 0.75)).toBe(3.25);
    expect(spread([1, 2, 3, 4, 5])).toEqual({ median: 3, q25: 2, q75: 4 });
  });
  it("skips nulls and gives null when empty", () => {
    expect(median([null, 5, null, 7])).toBe(6);
    expect(median([null, null])).toBeNull();
    expect(() => quantile([1], 1.5)).toThrow(/p must be in \[0, 1\], got 1.5/);
  });
  it("moving average and episodes to threshold", () => {
    const ma = movingAverage([1, 2, 3, 4], 2);
    expect(Number.isNaN(ma[0])).toBe(true);
    expect([...ma.slice(1)]).toEqual([1.5, 2.5, 3.5]);
    const returns = Array.from({ length: 60 }, (_, i) => (i < 30 ? 0 : 100));
    // MA20 ≥ 90 first when 18 of the last 20 are 100: episodes 31..48 → n = 48
    expect(episodesToThreshold(returns, 90, 20)).toBe(48);
    expect(episodesToThreshold(returns.slice(0, 40), 90, 20)).toBeNull();
    expect(tailMean([1, 2, 3, 4], 2)).toBe(3.5);
  });
  it("curve band over runs of different lengths", () => {
    const b = curveBand([[0, 10], [2, 20, 5], [4]]);
    expect(b.median).toEqual([2, 15, 5]);
    expect(b.q25).toEqual([1, 12.5, 5]);
  });
});
