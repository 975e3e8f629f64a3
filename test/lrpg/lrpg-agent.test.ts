import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { LrpgAgent, type SigmaOptions } from "../../src/lrpg/gaussian-lrpg-agent.js";
import { makeEpisode } from "../../src/pg/episode-buffer.js";
import { Rng } from "../../src/random/rng.js";
import { jitter, worstGradientError } from "./gradient-check.js";

interface Case {
  S: number;
  buckets: number[];
  rank: number;
  T: number;
  seed: number;
}
const caseArb = fc
  .record({
    S: fc.integer({ min: 2, max: 3 }),
    rank: fc.integer({ min: 1, max: 3 }),
    T: fc.integer({ min: 1, max: 12 }),
    seed: fc.integer({ min: 0, max: 1e6 }),
  })
  .chain((c) =>
    fc
      .record({ buckets: fc.array(fc.integer({ min: 2, max: 4 }), { minLength: c.S, maxLength: c.S }) })
      .map((b) => ({ ...c, ...b }) as Case),
  );

function build(
  c: Case,
  extra: { sigmoidMean?: boolean; sigma?: SigmaOptions },
): { agent: LrpgAgent; episode: ReturnType<typeof makeEpisode> } {
  const low = new Array(c.S).fill(-1);
  const high = new Array(c.S).fill(1);
  const rowDims = [0];
  const colDims = [...Array(c.S).keys()].slice(1);
  const agent = new LrpgAgent({
    actorGrid: { low, high, buckets: c.buckets, rowDims, colDims },
    criticGrid: { low, high, buckets: c.buckets.map((b) => b + 1), rowDims: colDims, colDims: rowDims },
    rank: c.rank,
    lrActor: 0.01,
    lrCritic: 0.1,
    gamma: 0.9,
    seed: c.seed,
    ...extra,
  });
  const rng = new Rng(c.seed + 1);
  const states = Array.from({ length: c.T }, () =>
    Array.from({ length: c.S }, () => rng.uniformRange(-1.2, 1.2)),
  );
  const actions = Array.from({ length: c.T }, () => (extra.sigmoidMean ? rng.uniform() : 2 * rng.normal()));
  const rewards = Array.from({ length: c.T }, () => rng.normal());
  return { agent, episode: makeEpisode({ states, actions, rewards }) };
}

const CRITIC = ["value.L", "value.R"];

describe("LrpgAgent gradients match central differences (property)", () => {
  it("scalar σ: mu.L, mu.R, log_sigma and the critic", () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const { agent, episode } = build(c, {});
        const dict = jitter(agent.exportStateDict(), new Rng(c.seed), 0.1);
        return worstGradientError(agent, dict, episode, ["mu.L", "mu.R", "log_sigma"], CRITIC) < 1e-6;
      }),
      { seed: 21, numRuns: 25 },
    );
  });

  it("sigmoid mean (the rocket's chain)", () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const { agent, episode } = build(c, { sigmoidMean: true });
        const dict = jitter(agent.exportStateDict(), new Rng(c.seed), 0.1);
        return worstGradientError(agent, dict, episode, ["mu.L", "mu.R", "log_sigma"], []) < 1e-6;
      }),
      { seed: 22, numRuns: 25 },
    );
  });

  for (const map of ["exp", "softplus"] as const) {
    it(`low-rank σ matrix (${map} map)`, () => {
      fc.assert(
        fc.property(caseArb, fc.integer({ min: 1, max: 2 }), (c, sr) => {
          const { agent, episode } = build(c, { sigma: { kind: "low-rank", rank: sr, map } });
          const dict = jitter(agent.exportStateDict(), new Rng(c.seed), 0.2);
          return worstGradientError(agent, dict, episode, ["mu.L", "mu.R", "sigma.L", "sigma.R"], []) < 1e-6;
        }),
        { seed: 23, numRuns: 20 },
      );
    });
  }
});

describe("LrpgAgent", () => {
  const c: Case = { S: 2, buckets: [3, 4], rank: 2, T: 5, seed: 3 };

  it("low-rank σ starts at σ₀ everywhere and counts its own parameters", () => {
    const { agent } = build(c, { sigma: { kind: "low-rank", rank: 2, sigmaInit: 0.5 } });
    expect(agent.sigma([0.3, -0.9])).toBeCloseTo(0.5, 14);
    expect(agent.parameterCount).toEqual({
      actor: 2 * (3 + 4),
      critic: 2 * (4 + 5),
      sigma: 2 * (3 + 4),
      total: 14 + 18 + 14,
      trained: 14 + 18 + 14,
    });
    const { agent: sp } = build(c, { sigma: { kind: "low-rank", rank: 1, map: "softplus" } });
    expect(sp.sigma([0, 0])).toBeCloseTo(Math.E, 12);
  });

  it("act samples N(μ, σ²) and clamps when asked", () => {
    const { agent } = build(c, {});
    const rng = new Rng(5);
    const s = [0.2, -0.4];
    let sum = 0;
    let sq = 0;
    const n = 20000;
    for (let i = 0; i < n; i++) {
      const a = agent.act(s, rng);
      sum += a;
      sq += a * a;
    }
    const mean = sum / n;
    const sd = Math.sqrt(sq / n - mean * mean);
    expect(Math.abs(mean - agent.mean(s))).toBeLessThan(0.1);
    expect(Math.abs(sd - Math.E)).toBeLessThan(0.1);
    const clamped = new LrpgAgent({ ...baseOptions(), sigmoidMean: true, actionClamp: [0, 1] });
    for (let i = 0; i < 200; i++) {
      const a = clamped.act(s, rng);
      expect(a >= 0 && a <= 1).toBe(true);
    }
    expect(clamped.mean(s) > 0 && clamped.mean(s) < 1).toBe(true);
  });

  it("state dict round-trips and rejects wrong keys and shapes", () => {
    const { agent } = build(c, {});
    const other = build({ ...c, seed: 99 }, {}).agent;
    const dict = agent.exportStateDict();
    expect((dict["mu.R"] as number[][]).length).toBe(2); // K×M as the reference
    expect((dict["mu.R"] as number[][])[0].length).toBe(4);
    other.importStateDict(dict);
    expect(other.exportStateDict()).toEqual(dict);
    expect(() => other.importStateDict({ ...dict, extra: [1] })).toThrow(/unexpected key\(s\) "extra"/);
    const missing = { ...dict };
    delete missing.log_sigma;
    expect(() => other.importStateDict(missing)).toThrow(/missing key\(s\) "log_sigma"/);
    expect(() => other.importStateDict({ ...dict, "mu.R": dict["mu.L"] })).toThrow(
      /"mu.R" has the wrong shape \(got \[3, 2\]\); expected a tensor of shape \[2, 4\]/,
    );
    expect(() => other.importStateDict({ ...dict, log_sigma: [NaN] })).toThrow(/non-finite/);
  });

  it("rejects bad options and NaN input, naming the parameter", () => {
    expect(() => new LrpgAgent({ ...baseOptions(), rank: 0 })).toThrow(/rank must be an integer >= 1, got 0/);
    expect(() => new LrpgAgent({ ...baseOptions(), rank: 1.5 })).toThrow(/rank must be an integer >= 1/);
    expect(() => new LrpgAgent({ ...baseOptions(), lrActor: -1 })).toThrow(
      /lrActor must be a finite number > 0/,
    );
    expect(() => new LrpgAgent({ ...baseOptions(), gamma: 2 })).toThrow(/gamma must be in \[0, 1\]/);
    expect(() => new LrpgAgent({ ...baseOptions(), actionClamp: [1, 0] })).toThrow(/actionClamp/);
    expect(() => new LrpgAgent({ ...baseOptions(), sigma: { kind: "low-rank", rank: 0 } })).toThrow(
      /sigma.rank must be an integer >= 1/,
    );
    const agent = new LrpgAgent(baseOptions());
    expect(() => agent.act([NaN, 0], new Rng(1))).toThrow(/state\[0\] is NaN/);
    expect(() => agent.mean([0])).toThrow(/state must have 2 entries, got 1/);
    const ep = makeEpisode({ states: [[0, 0]], actions: [NaN], rewards: [1] });
    expect(() => agent.learn(ep)).toThrow(/actions\[0\] is NaN/);
    expect(() => agent.learn({ ...ep, length: 3 })).toThrow(/episode of length 3 needs/);
  });

  it("setLearningRates validates and applies; parameters() lists actor then critic tensors", () => {
    const { agent } = build(c, {});
    agent.setLearningRates(0.5, 0.25);
    expect([agent.actorOptimizer.lr, agent.criticOptimizer.lr]).toEqual([0.5, 0.25]);
    expect(() => agent.setLearningRates(0, 1)).toThrow(/actor lr must be a finite number > 0, got 0/);
    expect(agent.parameters().map((p) => p.name)).toEqual([
      "mu.L",
      "mu.R",
      "log_sigma",
      "value.L",
      "value.R",
    ]);
  });

  it("getTrainingState/setTrainingState restore Adam exactly", () => {
    const { agent, episode } = build(c, {});
    agent.learn(episode);
    const saved = {
      dict: agent.exportStateDict(),
      train: JSON.parse(JSON.stringify(agent.getTrainingState())),
    };
    agent.learn(episode);
    const after = agent.exportStateDict();
    const copy = build({ ...c, seed: 77 }, {}).agent;
    copy.importStateDict(saved.dict);
    copy.setTrainingState(saved.train);
    copy.learn(episode);
    expect(copy.exportStateDict()).toEqual(after);
  });
});

function baseOptions() {
  return {
    actorGrid: { low: [-1, -1], high: [1, 1], buckets: 3, rowDims: [0], colDims: [1] },
    criticGrid: { low: [-1, -1], high: [1, 1], buckets: 4, rowDims: [0], colDims: [1] },
    rank: 2,
    lrActor: 0.01,
    lrCritic: 0.1,
    gamma: 0.99,
    seed: 1,
  };
}
