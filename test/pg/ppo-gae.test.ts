import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { gaeAdvantages, standardize } from "../../src/pg/gae.js";
import { ppoSurrogate } from "../../src/pg/ppo.js";
import { Rng } from "../../src/random/rng.js";

function batchOf(rewards: number[], ends: number[], terminated: number[]) {
  return {
    length: rewards.length,
    rewards: Float64Array.from(rewards),
    episodeCount: ends.length,
    episodeEnds: Int32Array.from(ends),
    terminated: Uint8Array.from(terminated),
  };
}

describe("GAE over a multi-episode batch", () => {
  it("τ = 1 gives R − V, τ = 0 the TD error; episodes do not leak into each other", () => {
    const rng = new Rng(1);
    const r = Array.from({ length: 7 }, () => rng.normal());
    const V = Array.from({ length: 7 }, () => rng.normal());
    const b = batchOf(r, [3, 7], [1, 1]);
    const R = new Float64Array(7);
    const A = new Float64Array(7);
    const g = 0.9;
    gaeAdvantages(b, V, null, g, 1, R, A);
    // returns per episode
    expect(R[2]).toBe(r[2]);
    expect(R[1]).toBeCloseTo(r[1] + g * r[2], 14);
    expect(R[6]).toBe(r[6]);
    for (let i = 0; i < 7; i++) expect(A[i]).toBeCloseTo(R[i] - V[i], 12);
    gaeAdvantages(b, V, null, g, 0, R, A);
    expect(A[1]).toBeCloseTo(r[1] + g * V[2] - V[1], 14);
    expect(A[2]).toBeCloseTo(r[2] - V[2], 14); // terminal: no V(s') from the next episode
  });

  it("a cut episode bootstraps V(s′) into its last return and TD error", () => {
    const b = batchOf([1, 2], [2], [0]);
    const R = new Float64Array(2);
    const A = new Float64Array(2);
    gaeAdvantages(b, [0.5, 0.25], [4], 0.5, 0.5, R, A);
    expect(Array.from(R)).toEqual([1 + 0.5 * (2 + 0.5 * 4), 2 + 0.5 * 4]);
    const d1 = 2 + 0.5 * 4 - 0.25;
    const d0 = 1 + 0.5 * 0.25 - 0.5;
    expect(Array.from(A)).toEqual([d0 + 0.25 * d1, d1]);
  });

  it("standardize uses Bessel's correction", () => {
    const x = Float64Array.of(1, 2, 3, 4);
    standardize(x, 4);
    const s = Math.sqrt(5 / 3);
    expect(Array.from(x)).toEqual([-1.5 / s, -0.5 / s, 0.5 / s, 1.5 / s]);
    expect(() => standardize(x, 1)).toThrow(/N >= 2/);
  });
});

describe("PPO clipped surrogate", () => {
  it("gradient with respect to log π matches central differences away from the clip's kinks (property)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 20 }), fc.integer({ min: 0, max: 1e6 }), (N, seed) => {
        const rng = new Rng(seed);
        const eps = 0.2;
        const old = Float64Array.from({ length: N }, () => rng.normal());
        const lp = Float64Array.from(old, (o) => o + 0.5 * rng.normal());
        const A = Float64Array.from({ length: N }, () => rng.normal());
        const g = new Float64Array(N);
        ppoSurrogate(lp, old, A, N, eps, g);
        const h = 1e-7;
        const tmp = new Float64Array(N);
        for (let i = 0; i < N; i++) {
          const ratio = Math.exp(lp[i] - old[i]);
          if (Math.abs(ratio - (1 - eps)) < 1e-4 || Math.abs(ratio - (1 + eps)) < 1e-4) continue;
          const up = Float64Array.from(lp);
          up[i] += h;
          const dn = Float64Array.from(lp);
          dn[i] -= h;
          const fd =
            (ppoSurrogate(up, old, A, N, eps, tmp) - ppoSurrogate(dn, old, A, N, eps, tmp)) / (2 * h);
          expect(Math.abs(g[i] - fd)).toBeLessThan(1e-6 * (1 + Math.abs(fd)));
        }
      }),
      { numRuns: 100 },
    );
  });

  it("ratio 1: loss −mean Â and the unclipped gradient (torch's min splits ties 50/50)", () => {
    const lp = Float64Array.of(-1, -2, -3);
    const A = Float64Array.of(1, -2, 0.5);
    const g = new Float64Array(3);
    const loss = ppoSurrogate(lp, lp, A, 3, 0.3, g);
    expect(loss).toBeCloseTo(0.5 / 3, 15);
    expect(Array.from(g)).toEqual([-1 / 3, 2 / 3, -0.5 / 3]);
    // clipped side: ratio e^1 > 1.3 with Â > 0 → gradient 0; Â < 0 → unclipped gradient.
    ppoSurrogate(Float64Array.of(0, 0), Float64Array.of(-1, -1), Float64Array.of(1, -1), 2, 0.3, g);
    expect(g[0]).toBe(0);
    expect(g[1]).toBeCloseTo(Math.E / 2, 15);
    expect(() => ppoSurrogate(lp, lp, A, 3, 1.5, g)).toThrow(/clip \(ε\) must be in \(0, 1\)/);
  });
});
