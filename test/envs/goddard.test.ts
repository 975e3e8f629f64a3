import { describe, expect, it } from "vitest";
import { GoddardEnv, PaperRocketEnv, makeEnv } from "../../src/envs/index.js";
import { describeGolden, type GoldenStep } from "./golden.js";

const withHMax = (s: number[], hMax: number | undefined): number[] => [...s, hMax ?? Math.max(1, s[1])];

function checkInfo(got: Record<string, unknown>, want: GoldenStep): void {
  if (!want.info) return;
  for (const k of ["action", "thrust"]) expect(got[k], `info.${k}`).toBe(want.info[k]);
  // drag goes through exp and gravity through pow(x, 2): V8 Math.exp differs from NumPy's exp,
  // and glibc pow(x, 2) from x*x, by 1 ulp on a few inputs.
  for (const k of ["drag", "gravity"]) {
    const d = Math.abs((got[k] as number) - want.info[k]);
    expect(d, `info.${k}`).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(want.info[k])));
  }
}

describeGolden({
  file: "paper-rocket",
  makeCore: () => new PaperRocketEnv(),
  makeWrapped: () => makeEnv("LRPG/Rocket"),
  oneStepTol: 1e-12,
  rolloutTol: 1e-12,
  relative: true,
  stateOf: withHMax,
  extraStepCheck: checkInfo,
});

describeGolden({
  file: "goddard",
  makeCore: () => new GoddardEnv(),
  makeWrapped: () => makeEnv("Goddard-v0"),
  oneStepTol: 1e-12,
  rolloutTol: 1e-12,
  relative: true,
  stateOf: withHMax,
});

describe("Goddard semantics", () => {
  it("reset is [0, 1, 1] with h_max = 1; state is [v, h, m, h_max]", () => {
    const env = new GoddardEnv();
    expect(Array.from(env.reset({ seed: 3 }).observation)).toEqual([0, 1, 1]);
    expect(env.getState()).toEqual([0, 1, 1, 1]);
  });

  it("setState accepts [v, h, m] (h_max = max(1, h)) and rejects other lengths", () => {
    const env = new PaperRocketEnv();
    env.setState([0.01, 1.002, 0.8]);
    expect(env.getState()).toEqual([0.01, 1.002, 0.8, 1.002]);
    expect(() => env.setState([1, 2])).toThrow(/4 entries.*\[v, h, m, h_max\].*got 2/);
  });

  it("constant full thrust returns 1.1887 in LRPG units (the paper's baseline)", () => {
    const env = makeEnv("LRPG/Rocket");
    env.reset();
    let ret = 0;
    for (let t = 0; t < 1000; t++) {
      const r = env.step([1]);
      ret += r.reward;
      if (r.terminated) break;
    }
    expect(ret).toBeCloseTo(1.18865, 4);
  });
});
