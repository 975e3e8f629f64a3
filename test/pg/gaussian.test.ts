import { describe, expect, it } from "vitest";
import fc from "fast-check";
import {
  LOG_SQRT_2PI,
  gaussianActorLoss,
  gaussianLogProb,
  gaussianLogProbSigma,
  negLogProbGradLogSigma,
  negLogProbGradMean,
  negLogProbGradSigma,
  sigmoid,
  softplus,
  softplusInverse,
} from "../../src/pg/gaussian.js";
import { discountedReturns } from "../../src/pg/returns.js";
import { episodesToThreshold } from "../../src/pg/reinforce.js";

const H = 1e-6;
const close = (a: number, b: number, tol = 1e-6) => Math.abs(a - b) <= tol * (1 + Math.abs(b));
const val = fc.double({ min: -3, max: 3, noNaN: true });

describe("Gaussian log-prob", () => {
  it("equals the closed-form density", () => {
    const lp = gaussianLogProb(0.3, -0.2, 0.5);
    const s = Math.exp(0.5);
    expect(lp).toBeCloseTo(Math.log(Math.exp(-(0.5 ** 2) / (2 * s * s)) / (s * Math.sqrt(2 * Math.PI))), 14);
    expect(LOG_SQRT_2PI).toBeCloseTo(0.9189385332046727, 15);
  });

  it("∂(−log N)/∂μ, ∂/∂log σ, ∂/∂σ match central differences (property)", () => {
    fc.assert(
      fc.property(val, val, fc.double({ min: -1.5, max: 1.5, noNaN: true }), (a, mu, rho) => {
        const sigma = Math.exp(rho);
        const f = (m: number, r: number) => -gaussianLogProb(a, m, r);
        const dMu = (f(mu + H, rho) - f(mu - H, rho)) / (2 * H);
        const dRho = (f(mu, rho + H) - f(mu, rho - H)) / (2 * H);
        const fs = (s: number) => -gaussianLogProbSigma(a, mu, s);
        const dSigma = (fs(sigma + H) - fs(sigma - H)) / (2 * H);
        return (
          close(negLogProbGradMean(a, mu, sigma), dMu, 1e-5) &&
          close(negLogProbGradLogSigma(a, mu, sigma), dRho, 1e-5) &&
          close(negLogProbGradSigma(a, mu, sigma), dSigma, 1e-5)
        );
      }),
      { seed: 11, numRuns: 200 },
    );
  });

  it("the batched actor loss and its z / log σ gradients (with and without sigmoid) match central differences", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(val, fc.double({ min: -1, max: 2, noNaN: true }), val), {
          minLength: 1,
          maxLength: 8,
        }),
        fc.double({ min: -1, max: 1.5, noNaN: true }),
        fc.boolean(),
        (steps, rho, squash) => {
          const T = steps.length;
          const z = Float64Array.from(steps.map((s) => s[0]));
          const a = Float64Array.from(steps.map((s) => s[1]));
          const adv = Float64Array.from(steps.map((s) => s[2]));
          const gz = new Float64Array(T);
          const { loss, gradLogSigma } = gaussianActorLoss(z, a, adv, T, rho, squash, gz);
          // Direct definition.
          let direct = 0;
          for (let t = 0; t < T; t++)
            direct += -gaussianLogProb(a[t], squash ? sigmoid(z[t]) : z[t], rho) * adv[t];
          if (!close(loss, direct / T, 1e-12)) return false;
          const scratch = new Float64Array(T);
          const lossAt = (zz: Float64Array, r: number) =>
            gaussianActorLoss(zz, a, adv, T, r, squash, scratch).loss;
          for (let t = 0; t < T; t++) {
            const zp = z.slice();
            const zm = z.slice();
            zp[t] += H;
            zm[t] -= H;
            if (!close(gz[t], (lossAt(zp, rho) - lossAt(zm, rho)) / (2 * H), 1e-5)) return false;
          }
          return close(gradLogSigma, (lossAt(z, rho + H) - lossAt(z, rho - H)) / (2 * H), 1e-5);
        },
      ),
      { seed: 12, numRuns: 100 },
    );
  });

  it("sigmoid/softplus helpers", () => {
    expect(sigmoid(0)).toBe(0.5);
    expect(softplus(0)).toBeCloseTo(Math.log(2), 15);
    expect(softplus(800)).toBe(800);
    expect(softplusInverse(softplus(0.7))).toBeCloseTo(0.7, 12);
    const dSoftplus = (softplus(0.3 + H) - softplus(0.3 - H)) / (2 * H);
    expect(dSoftplus).toBeCloseTo(sigmoid(0.3), 8);
  });
});

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
