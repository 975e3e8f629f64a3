import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { makeEnv } from "../../src/envs/registry.js";
import type { Env } from "../../src/envs/env.js";
import { CellIndexer } from "../../src/lrpg/fused-rollout.js";
import { LrpgAgent } from "../../src/lrpg/gaussian-lrpg-agent.js";
import { Discretizer } from "../../src/parametrizations/discretizer.js";
import { EpisodeBuffer } from "../../src/pg/episode-buffer.js";
import { runEpisode, trainReinforce } from "../../src/pg/reinforce.js";
import { makePaperAgent, PAPER_TASKS, type PaperTask } from "../../src/presets/paper-agents.js";
import { Rng } from "../../src/random/rng.js";

/** Everything a run leaves behind, as exact strings (JSON writes every double round-trip exactly). */
function train(task: PaperTask, seed: number, episodes: number, fused: boolean) {
  const spec = PAPER_TASKS[task];
  const rng = new Rng(seed);
  const agent = makePaperAgent("lrpg", task, { rng });
  const env = makeEnv(spec.envId, { rng: rng.fork() });
  const losses: number[] = [];
  const result = trainReinforce({
    env,
    agent,
    rng,
    episodes,
    maxSteps: spec.maxSteps,
    fused,
    envSeed: seed + 7,
    onEpisode: (r) => {
      losses.push(r.lossActor, r.lossCritic);
    },
  });
  return {
    hasFused: agent.fusedEpisodes(env) !== null,
    returns: Array.from(result.returns),
    lengths: Array.from(result.lengths),
    losses: JSON.stringify(losses),
    params: JSON.stringify(agent.exportStateDict()),
    training: JSON.stringify(agent.getTrainingState()),
    rng: JSON.stringify(rng.getState()),
    env: JSON.stringify((env as unknown as { snapshot(): unknown }).snapshot()),
  };
}

describe("fused LRPG episodes", () => {
  const cases: [PaperTask, number[], number][] = [
    ["pendulum", [0, 3, 11], 300],
    ["acrobot", [1], 25],
    ["rocket", [2], 60],
  ];
  for (const [task, seeds, episodes] of cases) {
    it(`${task}: per-episode returns, losses, parameters, Adam moments and generators bit-identical to runEpisode + learn`, () => {
      for (const seed of seeds) {
        const generic = train(task, seed, episodes, false);
        const fused = train(task, seed, episodes, true);
        expect(fused.hasFused).toBe(true);
        expect(fused.returns).toEqual(generic.returns);
        expect(fused.lengths).toEqual(generic.lengths);
        expect(fused.losses).toBe(generic.losses);
        expect(fused.params).toBe(generic.params);
        expect(fused.training).toBe(generic.training);
        expect(fused.rng).toBe(generic.rng);
        expect(fused.env).toBe(generic.env);
      }
    });
  }

  it("2-D grids of any layout (columns first, odd bucket counts, other ranks) match too", () => {
    const run = (fused: boolean) => {
      const rng = new Rng(12);
      const agent = new LrpgAgent({
        actorGrid: { low: [-0.5, -3], high: [0.7, 4], buckets: [5, 7], rowDims: [1], colDims: [0] },
        criticGrid: { low: [-1, -6], high: [1, 6], buckets: [3, 4], rowDims: [1], colDims: [0] },
        rank: 3,
        criticRank: 2,
        lrActor: 0.02,
        lrCritic: 0.05,
        gamma: 0.95,
        rng,
      });
      const env = makeEnv("LRPG/Pendulum", { rng: rng.fork() });
      const r = trainReinforce({ env, agent, rng, episodes: 150, maxSteps: 80, fused });
      expect(agent.fusedEpisodes(env) !== null).toBe(true);
      return JSON.stringify([Array.from(r.returns), agent.exportStateDict(), rng.getState()]);
    };
    expect(run(true)).toBe(run(false));
  });

  it("the pendulum seed-0 run learns (it is the library's path, not a replay)", () => {
    const run = train("pendulum", 0, 300, true);
    const last = run.returns.slice(-20);
    expect(last.reduce((a, b) => a + b, 0) / last.length).toBeGreaterThan(60);
  });

  it("is offered only where it is exact: bare paper envs and a scalar σ", () => {
    const agent = makePaperAgent("lrpg", "pendulum", { rng: new Rng(0) });
    expect(agent.fusedEpisodes(makeEnv("LRPG/Pendulum"))).not.toBeNull();
    expect(agent.fusedEpisodes(makeEnv("LRPG/Pendulum", { maxEpisodeSteps: 50 }))).toBeNull();
    expect(agent.fusedEpisodes(makeEnv("Pendulum-v1"))).toBeNull();
    const sigmaMatrix = new LrpgAgent({
      ...PAPER_TASKS.pendulum.lrpg,
      gamma: 0.99,
      sigma: { kind: "low-rank", rank: 2 },
    });
    expect(sigmaMatrix.fusedEpisodes(makeEnv("LRPG/Pendulum"))).toBeNull();
    class Custom extends LrpgAgent {}
    const custom = new Custom({ ...PAPER_TASKS.pendulum.lrpg, gamma: 0.99 });
    expect(custom.fusedEpisodes(makeEnv("LRPG/Pendulum"))).toBeNull();
  });

  it("learnRecorded takes only the buffer of the last episode, unchanged", () => {
    const rng = new Rng(4);
    const agent = makePaperAgent("lrpg", "pendulum", { rng });
    const fused = agent.fusedEpisodes(makeEnv("LRPG/Pendulum", { rng: rng.fork() }))!;
    const buffer = new EpisodeBuffer(2, 100);
    expect(() => fused.learnRecorded(buffer)).toThrow(/buffer of the last runEpisode/);
    fused.runEpisode(rng, buffer);
    expect(() => fused.learnRecorded(new EpisodeBuffer(2, 100))).toThrow(/buffer of the last runEpisode/);
    buffer.length -= 1;
    expect(() => fused.learnRecorded(buffer)).toThrow(/buffer of the last runEpisode/);
    fused.runEpisode(rng, buffer);
    expect(Number.isFinite(fused.learnRecorded(buffer).lossActor)).toBe(true);
    expect(() => fused.learnRecorded(buffer)).toThrow(/buffer of the last runEpisode/);
  });

  it("a non-finite action throws like the env, leaving the generator and env where the generic path leaves them", () => {
    const outcome = (fused: boolean) => {
      const rng = new Rng(5);
      const agent = makePaperAgent("lrpg", "pendulum", { rng });
      agent.mu.L.data.fill(Infinity);
      const env: Env = makeEnv("LRPG/Pendulum", { rng: rng.fork() });
      const buffer = new EpisodeBuffer(2, 100);
      const run = () =>
        fused ? agent.fusedEpisodes(env)!.runEpisode(rng, buffer) : runEpisode(env, agent, rng, buffer);
      expect(run).toThrow(/LRPG\/Pendulum\.step: action must be a finite number/);
      return JSON.stringify([rng.getState(), (env as unknown as { getState(): number[] }).getState()]);
    };
    expect(outcome(true)).toBe(outcome(false));
  });
});

describe("CellIndexer", () => {
  it("gives the Discretizer's [row, col] times K, ties, clipping and NaN included", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 2, maxLength: 4 }),
        fc.integer({ min: 0, max: 1e6 }),
        (buckets, seed) => {
          const S = buckets.length;
          const rng = new Rng(seed);
          const low = buckets.map(() => -1 - rng.uniform());
          const high = buckets.map(() => 1 + rng.uniform());
          const dims = [...Array(S).keys()].sort(() => rng.uniform() - 0.5);
          const cut = 1 + Math.floor(rng.uniform() * (S - 1));
          const grid = new Discretizer({
            low,
            high,
            buckets,
            rowDims: dims.slice(0, cut),
            colDims: dims.slice(cut),
          });
          const K = 1 + (seed % 5);
          const cells = new CellIndexer(grid, K);
          const x = new Float64Array(S);
          const ij = new Int32Array(2);
          for (let n = 0; n < 50; n++) {
            for (let d = 0; d < S; d++) {
              const onPoint =
                low[d] +
                ((high[d] - low[d]) * Math.floor(rng.uniform() * buckets[d] * 2)) /
                  (2 * Math.max(1, buckets[d] - 1));
              x[d] = rng.uniform() < 0.3 ? onPoint : low[d] - 1 + (high[d] - low[d] + 2) * rng.uniform();
            }
            cells.offsets(x, ij);
            const [row, col] = grid.cell(x);
            expect([ij[0], ij[1]]).toEqual([row * K, col * K]);
          }
          x[S - 1] = NaN;
          expect(() => cells.offsets(x, ij)).toThrow(/state\[\d\] is NaN/);
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe("Rng.readWords / writeWords", () => {
  it("hand the generator and its Box–Muller spare to another loop and back", () => {
    const a = new Rng(9);
    a.normal(); // leaves a spare
    const words = new Int32Array(4);
    const spare = new Float64Array(1);
    a.readWords(words, spare);
    expect(Array.from(words)).toEqual(a.getState().words);
    expect(spare[0]).toBe(a.getState().spareNormal);
    const b = new Rng(1);
    b.writeWords(words, spare);
    expect(b.getState()).toEqual(a.getState());
    expect([b.normal(), b.normal(), b.normal(), b.uniform()]).toEqual([
      a.normal(),
      a.normal(),
      a.normal(),
      a.uniform(),
    ]);
    b.readWords(words, spare);
    expect(Number.isNaN(spare[0])).toBe(true);
    const c = new Rng(2);
    c.normal();
    c.writeWords(words, spare);
    expect(c.getState()).toEqual(b.getState());
  });
});
