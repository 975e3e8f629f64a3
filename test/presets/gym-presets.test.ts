import { describe, expect, it } from "vitest";
import { GYM_TASK_IDS, gymPgPreset, makeGymPgAgent } from "../../src/presets/gym.js";
import { Rng } from "../../src/random/rng.js";

describe("gym NN presets (docs/gym.md §5)", () => {
  it("Acrobot-v1's NN learning rates come from the search; the other tasks keep the common ones", () => {
    const acro = gymPgPreset("Acrobot-v1", "nn", "ppo");
    expect([acro.lrActor, acro.lrCritic]).toEqual([3e-3, 1e-2]);
    for (const task of GYM_TASK_IDS.filter((t) => t !== "Acrobot-v1")) {
      const p = gymPgPreset(task, "nn", "ppo");
      expect([p.lrActor, p.lrCritic]).toEqual([1e-3, 3e-3]);
    }
    // Actor-critic and REINFORCE take one step per batch at 5× PPO's actor rate, on the task's NN rate.
    expect(gymPgPreset("Acrobot-v1", "nn", "ac").lrActor).toBeCloseTo(15e-3, 12);
    expect(gymPgPreset("Acrobot-v1", "nn", "reinforce").lrActor).toBeCloseTo(15e-3, 12);
    // The low-rank presets do not take the NN rates.
    expect(gymPgPreset("Acrobot-v1", "lowrank", "ppo").lrActor).toBe(0.02);
  });

  it("makeGymPgAgent builds Acrobot-v1 nn-ppo with those rates and a 64×64 actor and critic", () => {
    const agent = makeGymPgAgent("Acrobot-v1", "nn-ppo", new Rng(0));
    expect(agent.preset.lrActor).toBe(3e-3);
    expect(agent.preset.lrCritic).toBe(1e-2);
    // 6 → 64 → 64 → 3 logits and 6 → 64 → 64 → 1 value.
    expect(agent.params.total).toBe(6 * 64 + 64 + 64 * 64 + 64 + 64 * 3 + 3 + (6 * 64 + 64 + 64 * 64 + 64 + 64 + 1));
  });
});
