import { describe, expect, it } from "vitest";
import { runPendulumProbe } from "../../bench/probe/lrpg-pendulum-probe.js";
import { pendulumStart, probeRounds } from "../../bench/suites/lrpg.js";
import { trainReinforce } from "../../src/pg/reinforce.js";

describe("bench: the hand-fused LRPG pendulum probe", () => {
  for (const fused of [true, false]) {
    it(`follows the library's ${fused ? "fused" : "generic"} training to the bit: returns, losses, final factors and σ`, () => {
      for (const seed of [0, 7]) {
        const { agent, env, rng, start } = pendulumStart(seed);
        const losses: number[] = [];
        const lib = trainReinforce({
          env,
          agent,
          rng,
          episodes: 400,
          maxSteps: 100,
          fused,
          onEpisode: (r) => {
            losses.push(r.lossActor, r.lossCritic);
          },
        });
        const probe = runPendulumProbe(start, 400);
        expect(Array.from(probe.returns)).toEqual(Array.from(lib.returns));
        expect(Array.from(probe.losses)).toEqual(losses);
        expect(probe.steps).toBe(lib.totalSteps);
        expect(Array.from(start.muL)).toEqual(Array.from(agent.mu.L.data));
        expect(Array.from(start.muR)).toEqual(Array.from(agent.mu.R.data));
        expect(Array.from(start.vL)).toEqual(Array.from(agent.critic.matrix.L.data));
        expect(Array.from(start.vR)).toEqual(Array.from(agent.critic.matrix.R.data));
        expect(start.logSigma).toBe(agent.logSigma!.data[0]);
      }
    });
  }

  it("the bench's interleaved rounds time all three loops (one round, few episodes)", () => {
    const r = probeRounds(1, 20);
    for (const xs of [r.fused, r.generic, r.probe]) {
      expect(xs).toHaveLength(1);
      expect(xs[0]).toBeGreaterThan(0);
    }
  });
});
