import { describe, expect, it } from "vitest";
import { GaussianHead } from "../../src/heads/gaussian.js";
import { headGradientMatches } from "./fd.js";

/** J(ρ) = −A log N(a; μ, exp(clamp ρ)²) through the head, and its ∂J/∂ρ. */
function rhoGrad(
  head: GaussianHead,
  rho: number,
  mu: number,
  a: number,
  adv: number,
): { J: number; g: number } {
  head.logSigma!.data[0] = rho;
  head.logSigma!.grad[0] = 0;
  head.refresh();
  const gz = new Float64Array(1);
  const J = head.actorLoss(Float64Array.of(mu), Float64Array.of(a), Float64Array.of(adv), 1, gz);
  return { J, g: head.logSigma!.grad[0] };
}

describe("GaussianHead log σ clamp (the tensor policies' [−2.5, max])", () => {
  const head = new GaussianHead({ sigma: { kind: "scalar", logSigmaInit: 0 }, logSigmaClamp: [-2.5, 0] });

  it("σ = exp(clamp(ρ)); the gradient passes inside the bounds, ends included, and is 0 outside", () => {
    for (const [rho, sigma] of [
      [0.7, 1],
      [0, 1],
      [-1, Math.exp(-1)],
      [-2.5, Math.exp(-2.5)],
      [-3, Math.exp(-2.5)],
    ] as const) {
      head.logSigma!.data[0] = rho;
      head.refresh();
      expect(head.sigma(Float64Array.of(0), 0)).toBe(sigma);
    }
    const h = 1e-6;
    for (const rho of [-2, -1.2, -0.3]) {
      const { g } = rhoGrad(head, rho, 0.3, -0.4, 1.7);
      const fd =
        (rhoGrad(head, rho + h, 0.3, -0.4, 1.7).J - rhoGrad(head, rho - h, 0.3, -0.4, 1.7).J) / (2 * h);
      expect(Math.abs(g - fd)).toBeLessThan(1e-7);
    }
    expect(rhoGrad(head, 0, 0.3, -0.4, 1.7).g).not.toBe(0); // at max: passes (torch's inclusive clamp)
    expect(rhoGrad(head, -2.5, 0.3, -0.4, 1.7).g).not.toBe(0);
    expect(rhoGrad(head, 0.2, 0.3, -0.4, 1.7).g).toBe(0);
    expect(rhoGrad(head, -2.6, 0.3, -0.4, 1.7).g).toBe(0);
    head.logSigma!.data[0] = -1;
    head.refresh();
    expect(headGradientMatches(head, Float64Array.of(0.2), 1.1, -0.7)).toBe(true);
  });

  it("without the option nothing changes; bad bounds are refused with one line", () => {
    const plain = new GaussianHead({ sigma: { kind: "scalar", logSigmaInit: 3 } });
    expect(plain.sigma(Float64Array.of(0), 0)).toBe(Math.exp(3));
    expect(() => new GaussianHead({ logSigmaClamp: [0, -1] })).toThrow(/logSigmaClamp must be \[lo, hi\]/);
    expect(() => new GaussianHead({ sigma: { kind: "state", map: "exp" }, logSigmaClamp: [-2, 0] })).toThrow(
      /needs a scalar σ/,
    );
  });
});
