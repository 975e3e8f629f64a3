import { describe, expect, it } from "vitest";
import { AcrobotEnv, PaperAcrobotEnv, makeEnv } from "../../src/envs/index.js";
import { describeGolden } from "./golden.js";

describeGolden({
  file: "paper-acrobot",
  makeCore: () => new PaperAcrobotEnv(),
  makeWrapped: () => makeEnv("LRPG/Acrobot"),
  // header: one-step 1e-13 (A5/B5 fast-spin states 1e-12); rollout 1e-8.
  oneStepTol: (t) => (t.id.endsWith("5") ? 1e-12 : 1e-13),
  rolloutTol: 1e-8,
});

describeGolden({
  file: "acrobot",
  makeCore: () => new AcrobotEnv(),
  makeWrapped: () => makeEnv("Acrobot-v1"),
  oneStepTol: 1e-13,
  rolloutTol: 1e-8,
});

describe("acrobot semantics", () => {
  it("Acrobot-v1 reset: 4 float32 values in [-0.1, 0.1]", () => {
    const env = new AcrobotEnv();
    for (let seed = 0; seed < 10; seed++) {
      env.reset({ seed });
      for (const x of env.getState()) {
        expect(Math.abs(x)).toBeLessThanOrEqual(0.1);
        expect(Math.fround(x)).toBe(x);
      }
    }
  });

  it("LRPG/Acrobot clips torque to [-2, 2] and has no time limit", () => {
    const a = new PaperAcrobotEnv();
    const b = new PaperAcrobotEnv();
    a.setState([0.1, 0.2, 0.3, 0.4]);
    b.setState([0.1, 0.2, 0.3, 0.4]);
    expect(a.step(7).observation).toEqual(b.step(2).observation);
    expect(makeEnv("LRPG/Acrobot").maxEpisodeSteps).toBeUndefined();
  });

  it("nips dynamics differ from book", () => {
    const a = new AcrobotEnv({ bookOrNips: "nips" });
    const b = new AcrobotEnv();
    a.setState([0.1, 0.2, 0.3, 2]);
    b.setState([0.1, 0.2, 0.3, 2]);
    expect(a.step(2).observation).not.toEqual(b.step(2).observation);
  });
});
