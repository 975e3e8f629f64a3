import { describe, expect, it } from "vitest";
import { makeEnv } from "../../src/envs/index.js";
import { episodesToThreshold, trainReinforce } from "../../src/pg/reinforce.js";
import type { PolicyGradientAgent } from "../../src/pg/agent.js";
import {
  makePaperAgent,
  PAPER_TASKS,
  type PaperAgentKind,
  type PaperTask,
} from "../../src/presets/paper-agents.js";
import {
  DISCRETE_TASKS,
  makeDiscreteLrpgAgent,
  type DiscreteTask,
} from "../../src/presets/discrete-agents.js";
import { Rng } from "../../src/random/rng.js";

/** The seeded-run protocol: agent init from rng, env generator = rng.fork(), actions from rng. */
function train(kind: PaperAgentKind, task: PaperTask, seed: number, episodes: number, stopAt?: number) {
  const spec = PAPER_TASKS[task];
  const rng = new Rng(seed);
  const agent = makePaperAgent(kind, task, { rng });
  const env = makeEnv(spec.envId, { rng: rng.fork() });
  const recent: number[] = [];
  return trainReinforce({
    env,
    agent,
    rng,
    episodes,
    maxSteps: spec.maxSteps,
    onEpisode: (r) => {
      recent.push(r.return);
      if (recent.length > 20) recent.shift();
      if (stopAt !== undefined && recent.length === 20 && recent.reduce((a, b) => a + b, 0) / 20 >= stopAt)
        return false;
    },
  });
}

function trainDiscrete(task: DiscreteTask, seed: number) {
  const spec = DISCRETE_TASKS[task];
  const rng = new Rng(seed);
  const agent: PolicyGradientAgent = makeDiscreteLrpgAgent(task, { rng });
  const env = makeEnv(spec.envId, { rng: rng.fork() });
  return trainReinforce({ env, agent, rng, episodes: spec.budgetEpisodes, maxSteps: spec.maxSteps });
}

const mean = (xs: ArrayLike<number>, from = 0, to = xs.length) => {
  let s = 0;
  for (let i = from; i < to; i++) s += xs[i];
  return s / (to - from);
};

describe("learning (fixed seeds)", () => {
  it("LRPG on LRPG/Pendulum reaches a 20-episode moving average >= 90 within 400 episodes", () => {
    const r = train("lrpg", "pendulum", 0, 400, 90);
    const n = episodesToThreshold(r.returns, 90);
    expect(n).not.toBeNull();
    expect(n!).toBeLessThanOrEqual(400);
    expect(mean(r.returns, 0, 20)).toBeLessThan(60); // it did learn: the start is far below
  });

  it("LRPG with a low-rank σ matrix (beyond the reference) also learns LRPG/Pendulum within 400 episodes", () => {
    const rng = new Rng(0);
    const agent = makePaperAgent("lrpg", "pendulum", { rng, sigma: { kind: "low-rank", rank: 4 } });
    const r = trainReinforce({
      env: makeEnv("LRPG/Pendulum", { rng: rng.fork() }),
      agent,
      rng,
      episodes: 400,
      maxSteps: 100,
    });
    expect(episodesToThreshold(r.returns, 90)).not.toBeNull();
    // σ became state-dependent.
    expect(agent.sigma([0, 0])).not.toBeCloseTo(agent.sigma([0.5, -3]), 6);
  });

  it("the same seed twice gives identical returns (LRPG and NN)", () => {
    for (const kind of ["lrpg", "nn"] as const) {
      const a = train(kind, "pendulum", 7, kind === "lrpg" ? 150 : 30);
      const b = train(kind, "pendulum", 7, kind === "lrpg" ? 150 : 30);
      expect(Array.from(a.returns)).toEqual(Array.from(b.returns));
      const c = train(kind, "pendulum", 8, kind === "lrpg" ? 150 : 30);
      expect(Array.from(c.returns)).not.toEqual(Array.from(a.returns));
    }
  });

  it("LRPG on LRPG/Acrobot reaches a 20-episode moving average >= 90 within 600 episodes", () => {
    const r = train("lrpg", "acrobot", 2, 600, 90);
    const n = episodesToThreshold(r.returns, 90);
    expect(n).not.toBeNull();
    expect(n!).toBeLessThanOrEqual(600);
  });

  it("LRPG on LRPG/Rocket beats a random-throttle policy after 1 500 episodes", () => {
    const env = makeEnv("LRPG/Rocket", { rng: new Rng(90) });
    const rng = new Rng(91);
    let randomTotal = 0;
    for (let e = 0; e < 100; e++) {
      env.reset();
      for (let t = 0; t < 1000; t++) {
        const v = env.step(rng.uniform());
        randomTotal += v.reward;
        if (v.terminated || v.truncated) break;
      }
    }
    const randomMean = randomTotal / 100; // ≈ 1.0
    const r = train("lrpg", "rocket", 1, 1500);
    expect(mean(r.returns, 1400, 1500)).toBeGreaterThan(randomMean + 0.03);
  });

  it(`discrete LRPG on CartPole-v1 reaches a 20-episode average >= 195 within ${DISCRETE_TASKS["CartPole-v1"].budgetEpisodes} episodes`, () => {
    const r = trainDiscrete("CartPole-v1", 0);
    const n = episodesToThreshold(r.returns, 195);
    expect(n).not.toBeNull();
  });

  it(`discrete LRPG on Acrobot-v1 climbs from ≈ −500 to a 20-episode average >= −150 within ${DISCRETE_TASKS["Acrobot-v1"].budgetEpisodes} episodes`, () => {
    const r = trainDiscrete("Acrobot-v1", 3);
    expect(mean(r.returns, 0, 20)).toBeLessThan(-400);
    expect(episodesToThreshold(r.returns, -150)).not.toBeNull();
  });
});
