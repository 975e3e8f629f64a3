import { describe, expect, it } from "vitest";
import { LrpgPopulation } from "../../src/population/index.js";
import { lockstepLayout } from "../../src/population/update-kernel.js";
import { PAPER_POPULATION_TASKS } from "../../src/presets/population-tasks.js";

describe("the population's update as one WebAssembly function", () => {
  it.each([
    ["pendulum", [1, 2, 3, 4, 5], 9],
    ["pendulum", [5, 2, 1], 1],
    ["acrobot", [2, 3], 6],
  ] as const)(
    "%s, ranks %j, T = %i: the same losses, gradients' effect and parameters as the JS loop, bit for bit",
    async (task, ranks, maxSteps) => {
      const seeds = ranks.map((_, p) => 40 + p);
      const make = (wasm: boolean) =>
        LrpgPopulation.create({
          task: PAPER_POPULATION_TASKS[task],
          seeds,
          ranks: [...ranks],
          maxSteps,
          wasm,
        });
      const [kernel, js] = [await make(true), await make(false)];
      expect(kernel.records).not.toBeNull();
      for (let e = 0; e < 25; e++) {
        const a = kernel.trainEpisodeSync();
        const b = js.trainEpisodeSync();
        expect(Array.from(a.returns)).toEqual(Array.from(b.returns));
        expect(Array.from(kernel.lossActor)).toEqual(Array.from(js.lossActor));
        expect(Array.from(kernel.lossCritic)).toEqual(Array.from(js.lossCritic));
        expect(Array.from(kernel.actorParameter.data)).toEqual(Array.from(js.actorParameter.data));
        expect(Array.from(kernel.critic.parameter.data)).toEqual(Array.from(js.critic.parameter.data));
      }
      await kernel.dispose();
      await js.dispose();
    },
  );

  it("lays the records out without overlaps, 16-byte aligned, after the given start", () => {
    const start = 4096;
    const P = 3;
    const T = 5;
    const layout = lockstepLayout(P, T, start);
    const sizes: Record<string, number> = {
      actorRow: 4 * P * T,
      actorCol: 4 * P * T,
      criticRow: 4 * P * T,
      criticCol: 4 * P * T,
      z: 8 * P * T,
      action: 8 * P * T,
      reward: 8 * P * T,
      length: 4 * P,
      variance: 8 * P,
      logSigma: 8 * P,
      lossActor: 8 * P,
      lossCritic: 8 * P,
      returns: 8 * T,
    };
    const spans = Object.entries(sizes)
      .map(([k, n]) => [layout[k as keyof typeof layout], n] as const)
      .sort((x, y) => x[0] - y[0]);
    for (const [at] of spans) expect(at % 16).toBe(0);
    expect(spans[0][0]).toBe(start);
    for (let i = 1; i < spans.length; i++)
      expect(spans[i][0]).toBeGreaterThanOrEqual(spans[i - 1][0] + spans[i - 1][1]);
    const [lastAt, lastBytes] = spans[spans.length - 1];
    expect(start + layout.bytes).toBeGreaterThanOrEqual(lastAt + lastBytes);
  });
});
