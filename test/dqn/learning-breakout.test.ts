import { describe, expect, it } from "vitest";
import { DqnAgent } from "../../src/dqn/agent.js";
import { evaluateDqn } from "../../src/dqn/evaluate.js";
import { minatarQNetwork } from "../../src/dqn/networks.js";
import { trainDqn } from "../../src/dqn/train.js";
import { MinAtarBreakout } from "../../src/envs/minatar-breakout.js";
import { Rng } from "../../src/random/rng.js";

/**
 * Short MinAtar Breakout run (sticky actions 0.1, full 6 actions): 6000 frames of DQN with the
 * MinAtar network, hidden layer low-rank at ⅒ of the dense parameters (for speed; the dense
 * network learns the same way, just slower), Adam 1e-3, 1000 random frames, ε 1 → 0.05 over
 * 8000 frames, target copy every 500 updates. A uniformly random policy scores ≈ 0.5 (MinAtar's
 * README); the trained agent (ε_eval = 0.05, 30 fixed seeds) must clearly beat it.
 * Not the MinAtar schedule (which needs ~100k frames to reach 3); a sanity check that learning happens.
 */
describe("DQN learns MinAtar Breakout (seeded, short run)", () => {
  it("beats the random policy (≈ 0.5) after 6000 frames", () => {
    const rng = new Rng(1);
    const netRng = rng.fork();
    const agent = new DqnAgent({
      makeNetwork: () =>
        minatarQNetwork({
          numActions: 6,
          rng: netRng,
          hiddenLayer: { kind: "lowrank", parameterFraction: 0.1 },
        }),
      observationDtype: "uint8",
      config: {
        learningStarts: 1000,
        bufferSize: 20_000,
        epsilonDecayFrames: 8000,
        epsilonEnd: 0.05,
        optimizer: { kind: "adam", lr: 1e-3, eps: 3.125e-4 },
        targetUpdateInterval: 500,
      },
    });
    trainDqn({ env: new MinAtarBreakout({ rng: rng.fork() }), agent, totalFrames: 6000, rng, envSeed: 1 });
    const seeds = Array.from({ length: 30 }, (_, i) => 500 + i);
    const trained = evaluateDqn(agent, new MinAtarBreakout(), { seeds, epsilon: 0.05, maxSteps: 5000 });
    // The random policy on the same seeds: ε_eval = 1.
    const random = evaluateDqn(agent, new MinAtarBreakout(), { seeds, epsilon: 1 });
    expect(random.mean).toBeLessThan(1);
    expect(trained.mean).toBeGreaterThan(1.5);
    expect(trained.mean).toBeGreaterThan(2 * random.mean);
  }, 900_000);
});
