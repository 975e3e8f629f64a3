import { describe, expect, it } from "vitest";
import { ScalarMlp } from "../../src/parametrizations/mlp.js";
import { Rng } from "../../src/random/rng.js";

describe("ScalarMlp", () => {
  it("PyTorch default init bounds: U(±1/√fan_in) for weights and biases", () => {
    const net = new ScalarMlp(4, 300, "m");
    net.initTorchDefault(new Rng(3));
    const inRange = (d: Float64Array, b: number) => d.every((v) => Math.abs(v) <= b);
    expect(inRange(net.w1.data, 0.5) && inRange(net.b1.data, 0.5)).toBe(true);
    expect(inRange(net.w2.data, 1 / Math.sqrt(300)) && inRange(net.b2.data, 1 / Math.sqrt(300))).toBe(true);
    expect(Math.max(...net.w1.data)).toBeGreaterThan(0.45);
  });

  it("S = 2 fast paths equal the branching ReLU bit for bit, also with huge or infinite pre-activations", () => {
    // Reference: skip every unit with u ≤ 0 (or NaN), accumulate w₂·u over h in order, then add b₂.
    const reference = (net: ScalarMlp, x0: number, x1: number): number => {
      const W1 = net.w1.data;
      let y = 0;
      for (let h = 0; h < net.hidden; h++) {
        const u = W1[2 * h] * x0 + W1[2 * h + 1] * x1 + net.b1.data[h];
        if (u > 0) y += net.w2.data[h] * u;
      }
      return y + net.b2.data[0];
    };
    const rng = new Rng(5);
    for (const H of [1, 3, 4, 7, 64]) {
      for (const special of [null, -Infinity, Infinity, 1e308, -1e308]) {
        const net = new ScalarMlp(2, H, "f");
        net.initTorchDefault(rng);
        if (special !== null) net.b1.data[H - 1] = special;
        const T = 9;
        const x = rng.fillNormal(new Float64Array(2 * T));
        const y = new Float64Array(T);
        net.forwardBatch(x, T, y);
        for (let t = 0; t < T; t++) {
          const want = reference(net, x[2 * t], x[2 * t + 1]);
          expect(Object.is(net.forward(x, 2 * t), want)).toBe(true);
          expect(Object.is(y[t], want)).toBe(true);
        }
      }
    }
  });
});
