import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { TuckerRegression } from "../../src/nn/tucker-regression.js";
import { Rng } from "../../src/random/rng.js";

describe("TuckerRegression factor gradients through the Kronecker product", () => {
  it("the two-trailing-mode loop is bit-identical to the general one (a trailing mode of size 1)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 0, max: 1000 }),
        (C, H, W, batch, seed) => {
          const ranks = [C, H, W, 3].map((d, k) => 1 + ((seed >> k) % d));
          const three = new TuckerRegression({
            inputShape: [C, H, W],
            outFeatures: 3,
            rank: ranks,
            rng: new Rng(seed),
          });
          // Same weight with a fourth input mode of size 1 and U⁽³⁾ = [1]: takes the general loop.
          const four = new TuckerRegression({
            inputShape: [C, H, W, 1],
            outFeatures: 3,
            rank: [...ranks.slice(0, 3), 1, ranks[3]],
          });
          three.parameters.forEach((p, i) => four.parameters[i < 4 ? i : i + 1].data.set(p.data));
          four.inputFactors[3].data[0] = 1;
          const rng = new Rng(seed + 1);
          const x = rng.fillNormal(new Float64Array(batch * C * H * W));
          const g = rng.fillNormal(new Float64Array(batch * 3));
          expect(Array.from(four.forward(x, batch))).toEqual(Array.from(three.forward(x, batch)));
          expect(Array.from(four.backward(g, batch))).toEqual(Array.from(three.backward(g, batch)));
          three.parameters.forEach((p, i) =>
            expect(Array.from(four.parameters[i < 4 ? i : i + 1].grad)).toEqual(Array.from(p.grad)),
          );
        },
      ),
      { seed: 41, numRuns: 40 },
    );
  });
});
