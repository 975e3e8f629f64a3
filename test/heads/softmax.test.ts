import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { SoftmaxHead } from "../../src/heads/softmax.js";
import { Rng } from "../../src/random/rng.js";
import { headGradientMatches } from "./fd.js";

describe("SoftmaxHead", () => {
  it("∂(−A log π)/∂z = (A)(π − e_a) matches central differences of the log-prob (property)", () => {
    fc.assert(
      fc.property(
        fc
          .integer({ min: 2, max: 5 })
          .chain((n) =>
            fc.tuple(
              fc.constant(n),
              fc.array(fc.double({ min: -4, max: 4, noNaN: true }), { minLength: n, maxLength: n }),
              fc.integer({ min: 0, max: n - 1 }),
              fc.double({ min: -3, max: 3, noNaN: true }),
            ),
          ),
        ([n, z, a, adv]) => headGradientMatches(new SoftmaxHead(n), Float64Array.from(z), a, adv),
      ),
      { seed: 31, numRuns: 200 },
    );
  });

  it("π sums to 1, the sampler inverts its CDF, the mode is the lowest argmax, entropy −Σ π log π", () => {
    const head = new SoftmaxHead(3);
    const z = Float64Array.of(0.2, 1.5, 1.5);
    const p = Array.from(head.probabilities(z, 0, new Float64Array(3)));
    expect(p.reduce((s, x) => s + x, 0)).toBeCloseTo(1, 15);
    expect(head.mode(z, 0)).toBe(1);
    expect(head.entropy(z, 0)).toBeCloseTo(-p.reduce((s, x) => s + x * Math.log(x), 0), 14);
    const u = new Rng(5).uniform();
    expect(head.sample(z, 0, new Rng(5))).toBe(u < p[0] ? 0 : u < p[0] + p[1] ? 1 : 2);
    expect(() => head.checkActions(Float64Array.of(0, 3), 2)).toThrow(
      /actions\[1\] must be an integer in \[0, 2\], got 3/,
    );
  });
});
