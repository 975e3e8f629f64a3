import { describe, expect, it } from "vitest";
import fc from "fast-check";
import {
  GaussianHead,
  LOG_SQRT_2PI,
  gaussianActorLoss,
  gaussianLogProb,
  softplus,
  softplusInverse,
} from "../../src/heads/gaussian.js";
import { Rng } from "../../src/random/rng.js";
import { H, close, headGradientMatches } from "./fd.js";

const val = fc.double({ min: -3, max: 3, noNaN: true });
const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

describe("Gaussian log-prob", () => {
  it("equals the closed-form density", () => {
    const lp = gaussianLogProb(0.3, -0.2, 0.5);
    const s = Math.exp(0.5);
    expect(lp).toBeCloseTo(Math.log(Math.exp(-(0.5 ** 2) / (2 * s * s)) / (s * Math.sqrt(2 * Math.PI))), 14);
    expect(LOG_SQRT_2PI).toBeCloseTo(0.9189385332046727, 15);
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
            if (!close(gz[t], (lossAt(zp, rho) - lossAt(zm, rho)) / (2 * H))) return false;
          }
          return close(gradLogSigma, (lossAt(z, rho + H) - lossAt(z, rho - H)) / (2 * H));
        },
      ),
      { seed: 12, numRuns: 100 },
    );
  });

  it("softplus helpers", () => {
    expect(softplus(0)).toBeCloseTo(Math.log(2), 15);
    expect(softplus(800)).toBe(800);
    expect(softplusInverse(softplus(0.7))).toBeCloseTo(0.7, 12);
    expect((softplus(0.3 + H) - softplus(0.3 - H)) / (2 * H)).toBeCloseTo(sigmoid(0.3), 8);
  });
});

describe("GaussianHead", () => {
  it("scalar σ: ∂(−A log π)/∂z and ∂/∂ρ match central differences of the log-prob (property)", () => {
    fc.assert(
      fc.property(
        val,
        val,
        val,
        fc.double({ min: -1, max: 1.5, noNaN: true }),
        fc.boolean(),
        (z, a, adv, rho, sq) => {
          const head = new GaussianHead({ sigmoidMean: sq, sigma: { kind: "scalar", logSigmaInit: rho } });
          const zs = Float64Array.of(z);
          if (!headGradientMatches(head, zs, a, adv)) return false;
          const f = (r: number) => {
            head.logSigma!.data[0] = r;
            head.refresh();
            return -adv * head.logProb(zs, 0, a);
          };
          const g = head.logSigma!.grad[0];
          const numeric = (f(rho + H) - f(rho - H)) / (2 * H);
          return close(g, numeric);
        },
      ),
      { seed: 21, numRuns: 200 },
    );
  });

  it("state-dependent σ = exp or softplus of z_σ: ∂(−A log π)/∂(z_μ, z_σ) match central differences (property)", () => {
    fc.assert(
      fc.property(
        val,
        fc.double({ min: -1.5, max: 1.5, noNaN: true }),
        val,
        val,
        fc.boolean(),
        fc.boolean(),
        (zm, zs, a, adv, sq, exp) => {
          const head = new GaussianHead({
            sigmoidMean: sq,
            sigma: { kind: "state", map: exp ? "exp" : "softplus" },
          });
          expect(head.parameters).toEqual([]);
          return headGradientMatches(head, Float64Array.of(zm, zs), a, adv);
        },
      ),
      { seed: 22, numRuns: 200 },
    );
  });

  it("samples μ + σε (clamped), mode = clamped mean, entropy ½ + log √(2π) + log σ", () => {
    const head = new GaussianHead({
      sigmoidMean: true,
      actionClamp: [0, 0.6],
      sigma: { kind: "scalar", logSigmaInit: -1 },
    });
    const z = Float64Array.of(0.4);
    const mu = sigmoid(0.4);
    const eps = new Rng(3).normal();
    expect(head.sample(z, 0, new Rng(3))).toBe(Math.min(0.6, Math.max(0, mu + Math.exp(-1) * eps)));
    expect(head.mode(Float64Array.of(5), 0)).toBe(0.6);
    expect(head.entropy(z, 0)).toBeCloseTo(0.5 + 0.5 * Math.log(2 * Math.PI) - 1, 14);
    expect(() => head.checkActions(Float64Array.of(0, NaN), 2)).toThrow(/actions\[1\] is NaN/);
    expect(() => new GaussianHead({ actionClamp: [1, 0] })).toThrow(/actionClamp/);
  });
});
