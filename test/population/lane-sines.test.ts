import { describe, expect, it } from "vitest";
import { laneSines } from "../../src/population/lane-sines.js";
import { pendulumDynamics } from "../../src/population/index.js";
import { Rng } from "../../src/random/rng.js";

describe("lane sines of a population's listed agents", () => {
  it("equal Math.sin of each listed agent's argument bit for bit, out-of-range and non-finite arguments included", () => {
    const P = 37;
    const sines = laneSines(P);
    expect(sines).not.toBeNull();
    const states = new Float64Array(2 * P);
    const rng = new Rng(3);
    for (let p = 0; p < P; p++) states[2 * p] = (rng.uniform() - 0.5) * 2;
    states[2 * 5] = 1e7; // beyond the lanes' medium range: Math.sin itself
    states[2 * 6] = Infinity;
    states[2 * 7] = NaN;
    states[2 * 8] = -3e300;
    // Every other agent listed, in a shuffled order, as agents that finished early leave the list.
    const list = Int32Array.from([36, 5, 0, 7, 30, 6, 2, 8, 12, 14, 16, 33, 1]);
    // The first call runs on lanes (13 agents), the second on Math.sin (2 agents).
    sines!.compute(list.subarray(11), 2, states, 2, (s, o) => s[o] + Math.PI);
    expect(Object.is(sines!.output[0], Math.sin(states[2 * 33] + Math.PI))).toBe(true);
    const argument = (s: Float64Array, o: number) => s[o] + Math.PI;
    sines!.compute(list, list.length, states, 2, argument);
    for (let x = 0; x < list.length; x++)
      expect(Object.is(sines!.output[x], Math.sin(states[2 * list[x]] + Math.PI))).toBe(true);
  });

  it("the pendulum's hoisted step with Math.sin of its argument is its step, bit for bit", () => {
    const hoisted = pendulumDynamics.hoistedSine!;
    const rng = new Rng(9);
    const a = { reward: 0, terminated: false };
    const b = { reward: 0, terminated: false };
    for (let k = 0; k < 10_000; k++) {
      const s = Float64Array.of((rng.uniform() - 0.5) * 2, (rng.uniform() - 0.5) * 16);
      const t = Float64Array.from(s);
      const u = (rng.uniform() - 0.5) * 6;
      pendulumDynamics.step(s, 0, u, a);
      hoisted.step(t, 0, u, Math.sin(hoisted.argument(t, 0)), b);
      expect([...t, b.reward, b.terminated]).toEqual([...s, a.reward, a.terminated]);
    }
  });
});
