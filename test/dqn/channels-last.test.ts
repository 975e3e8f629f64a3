import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { ChannelsLastToFirst } from "../../src/dqn/channels-last.js";
import { Rng } from "../../src/random/rng.js";

describe("ChannelsLastToFirst (blocked transpose)", () => {
  it("forward is y[c, h, w] = x[h, w, c] and backward its inverse, for any channel count", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 10 }),
        fc.integer({ min: 1, max: 3 }),
        (H, W, C, batch) => {
          const layer = new ChannelsLastToFirst(H, W, C);
          const size = H * W * C;
          const x = new Rng(H * 1000 + W * 100 + C * 10 + batch).fillNormal(new Float64Array(batch * size));
          const y = Float64Array.from(layer.forward(x, batch));
          for (let n = 0; n < batch; n++)
            for (let h = 0; h < H; h++)
              for (let w = 0; w < W; w++)
                for (let c = 0; c < C; c++)
                  expect(y[n * size + (c * H + h) * W + w]).toBe(x[n * size + (h * W + w) * C + c]);
          expect(Array.from(layer.backward(y, batch))).toEqual(Array.from(x));
        },
      ),
      { seed: 31, numRuns: 60 },
    );
  });

  it("rejects a wrong input length, naming the expected count", () => {
    const layer = new ChannelsLastToFirst(10, 10, 4);
    expect(() => layer.forward(new Float64Array(399), 1)).toThrow(/batch × 400 = 400 entries, got 399/);
    expect(() => new ChannelsLastToFirst(10, 0, 4)).toThrow(/width must be an integer >= 1, got 0/);
  });
});
