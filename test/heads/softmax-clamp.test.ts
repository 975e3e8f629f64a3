import { describe, expect, it } from "vitest";
import { SoftmaxHead } from "../../src/heads/softmax.js";
import { headGradientMatches } from "./fd.js";

describe("SoftmaxHead logit clamp (the tensor-low-rank reference's β and p_max)", () => {
  it("caps the greedy probability at p_max", () => {
    const head = new SoftmaxHead(3, { logitClamp: { maxProbability: 0.99 } });
    const p = head.probabilities(Float64Array.of(50, -50, -50), 0);
    expect(p[0]).toBeCloseTo(0.99, 14);
    expect(p[1]).toBeCloseTo(0.005, 14);
  });

  it("gradients match central differences inside the clamp and vanish outside", () => {
    const head = new SoftmaxHead(3, { logitClamp: { beta: 0.5, maxProbability: 0.9 } });
    expect(headGradientMatches(head, Float64Array.of(0.3, -0.4, 1.1), 1, 0.7)).toBe(true);
    const gz = new Float64Array(3);
    head.actorLoss(Float64Array.of(5, -0.4, -20), Float64Array.of(1), Float64Array.of(1), 1, gz);
    expect(gz[0]).toBe(0); // β·5 > 1: clamped
    expect(gz[2]).toBe(0); // β·(−20) < ℓ_min: clamped
    expect(gz[1]).not.toBe(0);
    expect(() => new SoftmaxHead(3, { logitClamp: { maxProbability: 0.2 } })).toThrow(
      /maxProbability must be in \(1\/3, 1\)/,
    );
  });
});
