import { describe, expect, it } from "vitest";
import { makePaperAgent, PAPER_TASKS, paperTask } from "../../src/presets/paper-agents.js";
import { Rng } from "../../src/random/rng.js";

describe("makePaperAgent", () => {
  it("parameter counts: what runs (σ excluded) and the paper's legend figures", () => {
    const counts = (["pendulum", "acrobot", "rocket"] as const).map((t) => [
      makePaperAgent("lrpg", t).parameterCount.total,
      makePaperAgent("nn", t).parameterCount.total,
      PAPER_TASKS[t].paperParams.lrpg,
      PAPER_TASKS[t].paperParams.nn,
    ]);
    expect(counts).toEqual([
      [208, 4098, 160, 4098],
      [32, 386, 16, 386],
      [80, 1282, 80, 1282],
    ]);
  });

  it("state dict names and layouts follow the reference", () => {
    const lr = makePaperAgent("lrpg", "rocket", { seed: 3 }).exportStateDict();
    const shape = (t: unknown) =>
      Array.isArray((t as unknown[])[0])
        ? [(t as unknown[][]).length, (t as unknown[][])[0].length]
        : [(t as unknown[]).length];
    expect(Object.fromEntries(Object.entries(lr).map(([k, v]) => [k, shape(v)]))).toEqual({
      "mu.L": [4, 2],
      "mu.R": [2, 16],
      "value.L": [4, 2],
      "value.R": [2, 16],
      log_sigma: [1],
    });
    expect(lr.log_sigma).toEqual([1]);
    const nn = makePaperAgent("nn", "acrobot", { seed: 3 }).exportStateDict();
    expect(Object.fromEntries(Object.entries(nn).map(([k, v]) => [k, shape(v)]))).toEqual({
      "mu.0.weight": [32, 4],
      "mu.0.bias": [32],
      "mu.2.weight": [1, 32],
      "mu.2.bias": [1],
      "value.0.weight": [32, 4],
      "value.0.bias": [32],
      "value.2.weight": [1, 32],
      "value.2.bias": [1],
      log_sigma: [1],
    });
  });

  it("init is a function of the seed (and `seed` equals passing new Rng(seed))", () => {
    const a = makePaperAgent("lrpg", "pendulum", { seed: 4 }).exportStateDict();
    expect(makePaperAgent("lrpg", "pendulum", { rng: new Rng(4) }).exportStateDict()).toEqual(a);
    expect(makePaperAgent("lrpg", "pendulum", { seed: 5 }).exportStateDict()).not.toEqual(a);
  });

  it("rocket agents squash μ into (0, 1) and clamp actions to [0, 1]", () => {
    const rng = new Rng(1);
    for (const kind of ["lrpg", "nn"] as const) {
      const agent = makePaperAgent(kind, "rocket", { rng });
      const s = [0.05, 1.01, 0.8];
      expect(agent.mean(s)).toBeGreaterThan(0);
      expect(agent.mean(s)).toBeLessThan(1);
      for (let i = 0; i < 100; i++) {
        const a = agent.act(s, rng);
        expect(a >= 0 && a <= 1).toBe(true);
      }
    }
  });

  it("rejects unknown kinds and tasks", () => {
    // @ts-expect-error invalid kind on purpose
    expect(() => makePaperAgent("mlp", "pendulum")).toThrow(/kind must be "lrpg" or "nn", got "mlp"/);
    // @ts-expect-error invalid task on purpose
    expect(() => paperTask("cartpole")).toThrow(
      /paper task must be one of pendulum, acrobot, rocket; got "cartpole"/,
    );
  });
});
