import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { ReLU } from "../../src/nn/relu.js";

describe("ReLU (unrolled loops)", () => {
  it("forward is max(x, 0) and backward g·[x > 0] exactly, for every length mod 4 and batch", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 11 }),
        fc.integer({ min: 1, max: 5 }),
        fc.array(fc.double({ min: -4, max: 4, noNaN: true }), { minLength: 55, maxLength: 55 }),
        (n, batch, values) => {
          const relu = new ReLU([n]);
          const len = n * batch;
          const x = Float64Array.from(values.slice(0, len));
          x[0] = 0; // PyTorch's convention at 0: output 0, gradient 0
          const g = Float64Array.from({ length: len }, (_, i) => i + 1);
          const y = relu.forward(x, batch);
          const gx = relu.backward(g, batch);
          for (let i = 0; i < len; i++) {
            expect(y[i]).toBe(Math.max(x[i], 0));
            expect(gx[i]).toBe(x[i] > 0 ? g[i] : 0);
          }
        },
      ),
      { seed: 21, numRuns: 60 },
    );
  });
});
