import { describe, expect, it } from "vitest";
import { Rng } from "../../src/random/rng.js";
import { LRQ_ENV_DEFAULTS, parseLrqRunConfig } from "../../src/runner/lrq-config.js";
import { buildLrqAgent, lrqRunSpec } from "../../src/runner/lrq-run.js";

describe("lrq config", () => {
  it("fills the env's preset and parses buckets given as text", () => {
    const c = parseLrqRunConfig({ algo: "lrq", env: "Pendulum-v1", buckets: "11", qModel: "cp", rank: 3 });
    expect(c).toMatchObject({
      ...LRQ_ENV_DEFAULTS["Pendulum-v1"],
      buckets: [11, 11],
      qModel: "cp",
      rank: 3,
      actions: 5,
      seed: 0,
    });
    expect(lrqRunSpec(c)).toMatchObject({
      kind: "lrq",
      matrix: null,
      tensor: { shape: [11, 11, 5], rank: 3 },
      actionValues: [-2, -1, 0, 1, 2],
      parameters: 3 * (11 + 11 + 5),
      grid: { angles: [[0, 1]] },
      threshold: -200,
    });
  });

  it("rejects values out of range with the field and the range", () => {
    const bad: [Record<string, unknown>, RegExp][] = [
      [{ env: "CartPole-v1", nStep: 0 }, /config\.nStep = 0: must be an integer in \[1, 1000\]/],
      [{ env: "Pendulum-v1", actions: 1 }, /config\.actions = 1: must be an integer in \[2, 1000\]/],
      [{ env: "Pendulum-v1", actions: null }, /config\.actions = null: Pendulum-v1 has continuous actions/],
      [
        { env: "CartPole-v1", buckets: [3, 3, 8, 1] },
        /config\.buckets = \[3,3,8,1\]: must be integers in \[2, 1000\]/,
      ],
      [{ env: "CartPole-v1", buckets: "1000" }, /at most 16777216 cells/],
      [{ env: "CartPole-v1", lr: 0 }, /config\.lr = 0: must be a number in \(0, 10\]/],
      [
        { env: "CartPole-v1", qModel: "tucker" },
        /config\.qModel = "tucker": must be "matrix" .*"grid" .*"cp"/,
      ],
    ];
    for (const [fields, message] of bad)
      expect(() => parseLrqRunConfig({ algo: "lrq", ...fields })).toThrow(message);
  });

  it("initValue puts every initial Q(s, a) near it (matrix and CP)", () => {
    for (const qModel of ["matrix", "grid", "cp"] as const) {
      const c = parseLrqRunConfig({
        algo: "lrq",
        env: "Pendulum-v1",
        qModel,
        initValue: 50,
        initScale: 1e-6,
      });
      const agent = buildLrqAgent(c, new Rng(1), 5);
      const q = agent.values([Math.cos(1), Math.sin(1), 2]);
      for (const v of q) expect(v).toBeCloseTo(50, 3);
      const neg = buildLrqAgent({ ...c, initValue: -8 }, new Rng(1), 5).values([1, 0, 0]);
      for (const v of neg) expect(v).toBeCloseTo(-8, 3);
    }
  });
});
