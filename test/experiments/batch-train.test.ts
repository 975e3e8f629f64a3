import { describe, expect, it } from "vitest";
import { GaussianHead } from "../../src/heads/gaussian.js";
import { ScalarMlp } from "../../src/parametrizations/mlp.js";
import type { TransitionBatch } from "../../src/pg/batch-update.js";
import { Rng } from "../../src/random/rng.js";
import { BalancingPendulum } from "../../experiments/lib/balancing-pendulum.js";
import {
  episodesToReach,
  trainBatches,
  type Protocol,
  type RolloutEnv,
} from "../../experiments/lib/batch-train.js";

/** s_t = [t, episode], reward 1 per step; truncated at `limit` steps, terminated at step 3 of episode 1. */
class CountingEnv implements RolloutEnv {
  private t = 0;
  private e = -1;
  constructor(private readonly limit: number) {}
  reset() {
    this.t = 0;
    this.e++;
    return { observation: Float64Array.of(0, this.e) };
  }
  step() {
    this.t++;
    const terminated = this.e === 1 && this.t === 3;
    return {
      observation: Float64Array.of(this.t, this.e),
      reward: 1,
      terminated,
      truncated: this.t >= this.limit,
    };
  }
}

function run(protocol: Protocol) {
  const seen: { N: number; E: number; terminated: number[]; finalStates: number[]; lp: boolean }[] = [];
  const actor = new ScalarMlp(2, 2, "mu");
  const r = trainBatches({
    env: new CountingEnv(5),
    actor,
    head: new GaussianHead({ sigma: { kind: "scalar", logSigmaInit: 0 } }),
    rule: {
      update(b: TransitionBatch) {
        seen.push({
          N: b.length,
          E: b.episodeCount,
          terminated: Array.from(b.terminated.subarray(0, b.episodeCount)),
          finalStates: Array.from(b.finalStates.subarray(0, 2 * b.episodeCount)),
          lp: b.logProbs !== null,
        });
        return { lossActor: 0, lossCritic: 0 };
      },
    },
    rng: new Rng(0),
    episodes: 4,
    maxSteps: 5,
    updateEvery: 8,
    protocol,
  });
  return { seen, r };
}

describe("batch training loop", () => {
  it("updates once the batch holds updateEvery transitions at an episode end; cut episodes are terminal only under the reference protocol", () => {
    const clean = run("clean");
    expect(clean.r.returns).toEqual([5, 3, 5, 5]);
    expect(clean.r.updates).toBe(2);
    expect(clean.seen[0]).toEqual({ N: 8, E: 2, terminated: [0, 1], finalStates: [5, 0, 3, 1], lp: true });
    expect(clean.seen[1]).toMatchObject({ N: 10, E: 2, terminated: [0, 0], finalStates: [5, 2, 5, 3] });
    const ref = run("reference");
    expect(ref.seen[0].terminated).toEqual([1, 1]);
    expect(episodesToReach([1, 2, 3, 4], 2.5, 2)).toBe(3);
    expect(episodesToReach([1, 2], 5, 2)).toBeNull();
  });

  it("balancing pendulum: starts near upright from its seed, observes the raw [θ, θ̇], never ends by itself", () => {
    const env = new BalancingPendulum(3);
    const a = env.reset({ seed: 7 }).observation;
    const b = new BalancingPendulum(9).reset({ seed: 7 }).observation;
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(a.length).toBe(2);
    expect(a[0]).toBeGreaterThanOrEqual(0);
    expect(a[0]).toBeLessThan(0.01);
    const s = env.step(0);
    expect(s.terminated || s.truncated).toBe(false);
    expect(s.reward).toBeCloseTo(-(a[0] ** 2 + 0.1 * a[1] ** 2), 12);
    expect(s.observation[1]).toBeCloseTo(a[1] + 15 * Math.sin(a[0]) * 0.05, 12);
  });

  it("stopWhen ends the run after the episode it holds for; the episodes before are those of the full run", () => {
    const make = (stopWhen?: (r: readonly number[]) => boolean) =>
      trainBatches({
        env: new CountingEnv(5),
        actor: new ScalarMlp(2, 2, "mu"),
        head: new GaussianHead({ sigma: { kind: "scalar", logSigmaInit: 0 } }),
        rule: { update: () => ({ lossActor: 0, lossCritic: 0 }) },
        rng: new Rng(0),
        episodes: 6,
        maxSteps: 5,
        updateEvery: 8,
        protocol: "clean",
        stopWhen,
      });
    const full = make();
    const calls: number[] = [];
    const stopped = make((r) => {
      calls.push(r.length);
      return r.length === 3;
    });
    expect(full.returns).toHaveLength(6);
    expect(stopped.returns).toEqual(full.returns.slice(0, 3));
    expect(calls).toEqual([1, 2, 3]);
  });
});
