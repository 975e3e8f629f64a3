import { describe, expect, it } from "vitest";
import { discountedReturns } from "../../src/pg/returns.js";
import { episodesToThreshold } from "../../src/pg/reinforce.js";

describe("Monte-Carlo returns", () => {
  it("G[T−1] = r[T−1], G[t] = r[t] + γ G[t+1], no bootstrap", () => {
    expect(Array.from(discountedReturns([1, 2, 3], 0.5))).toEqual([1 + 0.5 * (2 + 0.5 * 3), 2 + 0.5 * 3, 3]);
    expect(Array.from(discountedReturns([1, 1, 1, 9], 1, 3))).toEqual([3, 2, 1]);
    expect(() => discountedReturns([1], 1.5)).toThrow(/gamma must be in \[0, 1\], got 1.5/);
  });
});

describe("episodesToThreshold", () => {
  it("returns the episode count at which the moving average first reaches the threshold", () => {
    const r = [0, 0, 10, 10, 10, 0];
    expect(episodesToThreshold(r, 10, 2)).toBe(4);
    expect(episodesToThreshold(r, 10, 3)).toBe(5);
    expect(episodesToThreshold(r, 11, 2)).toBeNull();
  });
});
