import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  Discrete,
  angleNormalize,
  type Action,
  listGridEnvs,
  makeEnv,
  wrapAngle,
} from "../../src/envs/index.js";

/** The reference formula without the fast path: floor-mod of (x + π) by 2π, minus π. */
function angleNormalizeReference(x: number): number {
  let m = (x + Math.PI) % (2 * Math.PI);
  if (m < 0) m += 2 * Math.PI;
  return m - Math.PI;
}

describe("angle helpers", () => {
  it("angleNormalize equals the floor-mod formula bit for bit (fast path included)", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.double({ min: -10, max: 10, noNaN: true }),
          fc.double({ min: -1e6, max: 1e6, noNaN: true }),
        ),
        (x) => {
          expect(Object.is(angleNormalize(x), angleNormalizeReference(x))).toBe(true);
        },
      ),
      { seed: 7, numRuns: 2000 },
    );
  });

  it("wrapAngle lands in [-π, π] and differs from x by a multiple of 2π", () => {
    fc.assert(
      fc.property(fc.double({ min: -100, max: 100, noNaN: true }), (x) => {
        const w = wrapAngle(x);
        expect(w).toBeGreaterThanOrEqual(-Math.PI);
        expect(w).toBeLessThanOrEqual(Math.PI);
        const k = (x - w) / (2 * Math.PI);
        expect(Math.abs(k - Math.round(k))).toBeLessThan(1e-9);
      }),
      { seed: 8, numRuns: 500 },
    );
  });
});

/** Ranges of random getState() vectors per env (a box of physically meaningful states). */
const STATE_RANGES: Record<string, [number, number][]> = {
  "LRPG/Pendulum": [
    [-0.8, 0.8],
    [-8, 8],
  ],
  "Pendulum-v1": [
    [-10, 10],
    [-8, 8],
  ],
  "LRPG/Acrobot": [
    [-Math.PI, Math.PI],
    [-Math.PI, Math.PI],
    [-12, 12],
    [-28, 28],
  ],
  "Acrobot-v1": [
    [-Math.PI, Math.PI],
    [-Math.PI, Math.PI],
    [-12, 12],
    [-28, 28],
  ],
  "CartPole-v1": [
    [-2.4, 2.4],
    [-3, 3],
    [-0.2, 0.2],
    [-3, 3],
  ],
  "MountainCarContinuous-v0": [
    [-1.2, 0.6],
    [-0.07, 0.07],
  ],
  "LRPG/Rocket": [
    [-0.05, 0.1],
    [1, 1.02],
    [0.6, 1],
    [1.02, 1.02],
  ],
  "Goddard-v0": [
    [-0.05, 0.1],
    [1, 1.02],
    [0.6, 1],
    [1.02, 1.02],
  ],
};

describe("env properties over random states and actions", () => {
  it("every env with a default grid has state ranges here", () => {
    expect(Object.keys(STATE_RANGES).sort()).toEqual(listGridEnvs().sort());
  });

  for (const id of listGridEnvs()) {
    it(`${id}: step = stepInPlace, state round trip, finite observations inside the space`, () => {
      const a = makeEnv(id, { maxEpisodeSteps: null });
      const b = makeEnv(id, { maxEpisodeSteps: null });
      a.reset({ seed: 0 });
      b.reset({ seed: 0 });
      const ranges = STATE_RANGES[id];
      const state = fc.tuple(...ranges.map(([lo, hi]) => fc.double({ min: lo, max: hi, noNaN: true })));
      const action: fc.Arbitrary<Action> =
        a.actionSpace instanceof Discrete
          ? fc.integer({ min: 0, max: a.actionSpace.n - 1 })
          : fc.double({ min: -3, max: 3, noNaN: true }).map((x) => [x]);
      fc.assert(
        fc.property(state, fc.array(action, { minLength: 1, maxLength: 5 }), (s, acts) => {
          a.setState(s);
          b.setState(s);
          expect(a.getState()).toEqual(b.getState());
          for (const act of acts) {
            const r = a.step(act);
            const v = b.stepInPlace!(act);
            expect(Array.from(v.observation)).toEqual(Array.from(r.observation));
            expect(v.reward).toBe(r.reward);
            expect(v.terminated).toBe(r.terminated);
            for (const x of r.observation) expect(Number.isFinite(x)).toBe(true);
            if (!id.includes("Rocket") && !id.includes("Goddard"))
              expect(a.observationSpace.contains(r.observation)).toBe(true);
          }
          const saved = a.getState();
          a.setState(saved);
          expect(a.getState()).toEqual(saved);
        }),
        { seed: 11, numRuns: 100 },
      );
    });
  }
});
