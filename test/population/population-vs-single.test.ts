import { describe, expect, it } from "vitest";
import { makeEnv } from "../../src/envs/registry.js";
import { createBackend } from "../../src/factor/backend/index.js";
import { LrpgAgent } from "../../src/lrpg/index.js";
import { episodesToThreshold, trainReinforce } from "../../src/pg/reinforce.js";
import { LrpgPopulation, trainPopulation, type PopulationTask } from "../../src/population/index.js";
import { PAPER_POPULATION_TASKS, type PopulationTaskName } from "../../src/presets/population-tasks.js";
import { makePaperAgent, PAPER_TASKS } from "../../src/presets/paper-agents.js";
import { Rng } from "../../src/random/rng.js";

/** A single run exactly as the runner seeds it: init from rng, env on rng.fork(), actions from rng. */
function singleRun(
  task: PopulationTaskName,
  seed: number,
  episodes: number,
  rank?: number,
): { returns: Float64Array; agent: LrpgAgent; rng: Rng } {
  const t = PAPER_POPULATION_TASKS[task];
  const rng = new Rng(seed);
  if (rank === undefined) {
    // The paper preset itself: the population's defaults must reproduce makePaperAgent exactly.
    const agent = makePaperAgent("lrpg", task, { rng });
    const env = makeEnv(t.dynamics.envId, { rng: rng.fork(), maxEpisodeSteps: null });
    return {
      returns: trainReinforce({ env, agent, episodes, maxSteps: PAPER_TASKS[task].maxSteps, rng }).returns,
      agent,
      rng,
    };
  }
  const agent = new LrpgAgent({
    actorGrid: t.actorGrid,
    criticGrid: t.criticGrid,
    rank,
    lrActor: t.lrActor,
    lrCritic: t.lrCritic,
    gamma: t.gamma,
    sigmoidMean: t.sigmoidMean,
    actionClamp: t.actionClamp ?? undefined,
    rng,
  });
  const env = makeEnv(t.dynamics.envId, { rng: rng.fork(), maxEpisodeSteps: null });
  const { returns } = trainReinforce({ env, agent, episodes, maxSteps: t.maxSteps, rng });
  return { returns, agent, rng };
}

describe("population on the cpu backend = P single runs with the same seeds (bit-identical)", () => {
  const cases: { task: PopulationTaskName; seeds: number[]; ranks: number[]; episodes: number }[] = [
    { task: "pendulum", seeds: [0, 1, 7, 123], ranks: [4, 1, 2, 4], episodes: 40 },
    { task: "acrobot", seeds: [3, 4], ranks: [2, 1], episodes: 4 },
    { task: "rocket", seeds: [5, 6], ranks: [2, 3], episodes: 3 },
    { task: "pendulum", seeds: [2, 9], ranks: [3, 1], episodes: 12 },
  ];
  for (const { task, seeds, ranks, episodes } of cases)
    for (const wasm of [true, false])
      it(`${task}: ${seeds.length} agents, ranks ${ranks.join("/")}, ${episodes} episodes (${wasm ? "WebAssembly lanes and update" : "all JS"})`, async () => {
        const pop = await LrpgPopulation.create({ task: PAPER_POPULATION_TASKS[task], seeds, ranks, wasm });
        // With `wasm` the factors and records share one memory (the update kernel's), on this runtime.
        expect(pop.records !== null).toBe(wasm);
        const got = Array.from({ length: seeds.length }, () => new Float64Array(episodes));
        for (let e = 0; e < episodes; e++) {
          const r = await pop.trainEpisode();
          for (let p = 0; p < seeds.length; p++) got[p][e] = r.returns[p];
        }
        for (let p = 0; p < seeds.length; p++) {
          const preset = ranks[p] === PAPER_POPULATION_TASKS[task].rank;
          const { returns, agent, rng } = singleRun(task, seeds[p], episodes, preset ? undefined : ranks[p]);
          expect(Array.from(got[p])).toEqual(Array.from(returns));
          const params = pop.agentParameters(p);
          expect(Array.from(params.actorL)).toEqual(Array.from(agent.mu.L.data));
          expect(Array.from(params.actorR)).toEqual(Array.from(agent.mu.R.data));
          expect(Array.from(params.criticL)).toEqual(Array.from(agent.critic.matrix.L.data));
          expect(Array.from(params.criticR)).toEqual(Array.from(agent.critic.matrix.R.data));
          expect(params.logSigma).toBe(agent.logSigma!.data[0]);
          // The action generator (its words in the population's typed arrays) ends where the run's does.
          expect(pop.actionRng(p).getState()).toEqual(rng.getState());
        }
        await pop.dispose();
      });

  it("reports each agent's actor and critic losses exactly as the single agent's learn()", async () => {
    const res = await trainPopulation({
      task: PAPER_POPULATION_TASKS.acrobot,
      seeds: [2],
      episodes: 3,
      maxSteps: 200,
    });
    const t = PAPER_POPULATION_TASKS.acrobot;
    const rng = new Rng(2);
    const agent = makePaperAgent("lrpg", "acrobot", { rng });
    const env = makeEnv(t.dynamics.envId, { rng: rng.fork(), maxEpisodeSteps: null });
    const losses: [number, number][] = [];
    trainReinforce({
      env,
      agent,
      episodes: 3,
      maxSteps: 200,
      rng,
      onEpisode: (r) => void losses.push([r.lossActor, r.lossCritic]),
    });
    expect(losses.map(([a]) => a)).toEqual(Array.from(res.runs[0].lossActor));
    expect(losses.map(([, c]) => c)).toEqual(Array.from(res.runs[0].lossCritic));
  });

  it("trainEpisodeSync is trainEpisode without the promise (cpu backend); the gpu backend refuses it", async () => {
    const options = {
      task: PAPER_POPULATION_TASKS.rocket,
      seeds: [4, 9, 2],
      ranks: [3, 1, 2],
      maxSteps: 300,
    };
    const a = await LrpgPopulation.create(options);
    const b = await LrpgPopulation.create(options);
    for (let e = 0; e < 4; e++) {
      const ra = a.trainEpisodeSync();
      const rb = await b.trainEpisode();
      expect(ra.episode).toBe(e);
      expect(Array.from(ra.returns)).toEqual(Array.from(rb.returns));
      expect(Array.from(ra.lengths)).toEqual(Array.from(rb.lengths));
      expect(Array.from(ra.lossActor)).toEqual(Array.from(rb.lossActor));
      expect(Array.from(ra.lossCritic)).toEqual(Array.from(rb.lossCritic));
    }
    expect(Array.from(a.actorParameter.data)).toEqual(Array.from(b.actorParameter.data));
    expect(() => a.actionRng(3)).toThrow(/agent index must be an integer in \[0, 2\], got 3/);
    const gpu = await LrpgPopulation.create({ ...options, backend: "gpu", gpuMode: "cpu" });
    expect(() => gpu.trainEpisodeSync()).toThrow(/trainEpisodeSync needs the cpu backend/);
    await gpu.dispose();
  });

  it("trainPopulation returns per-agent results in the single-run layout", async () => {
    const res = await trainPopulation({
      task: PAPER_POPULATION_TASKS.pendulum,
      seeds: [11, 12],
      episodes: 5,
    });
    expect(res.episodes).toBe(5);
    expect(res.backend).toEqual({ kind: "cpu", mode: "f64-loops", precision: "float64" });
    expect(res.runs.map((r) => r.seed)).toEqual([11, 12]);
    let steps = 0;
    for (const run of res.runs) {
      const single = singleRun("pendulum", run.seed, 5);
      expect(run.returns).toBeInstanceOf(Float64Array);
      expect(Array.from(run.returns)).toEqual(Array.from(single.returns));
      expect(run.rank).toBe(4);
      steps += run.lengths.reduce((a, b) => a + b, 0);
    }
    expect(res.totalSteps).toBe(steps);
  });

  it("uses a backend passed in and leaves it open", async () => {
    const backend = await createBackend("gpu", { mode: "cpu" });
    const a = await trainPopulation({
      task: PAPER_POPULATION_TASKS.pendulum,
      seeds: [3],
      episodes: 2,
      maxSteps: 10,
      backend,
    });
    const b = await trainPopulation({
      task: PAPER_POPULATION_TASKS.pendulum,
      seeds: [3],
      episodes: 2,
      maxSteps: 10,
      backend,
    });
    expect(a.backend.mode).toBe("cpu");
    expect(Array.from(b.runs[0].returns)).toEqual(Array.from(a.runs[0].returns));
    await backend.dispose();
  });

  it("onEpisode can stop training early", async () => {
    const res = await trainPopulation({
      task: PAPER_POPULATION_TASKS.pendulum,
      seeds: [1],
      episodes: 10,
      onEpisode: (r) => r.episode < 2,
    });
    expect(res.episodes).toBe(3);
    expect(res.runs[0].returns.length).toBe(3);
  });

  it("rejects bad input naming the parameter and the allowed range", async () => {
    await expect(
      LrpgPopulation.create({ task: "cartpole" as unknown as PopulationTask, seeds: [1] }),
    ).rejects.toThrow(/task must be a PopulationTask object, got "cartpole"/);
    await expect(LrpgPopulation.create({ task: PAPER_POPULATION_TASKS.pendulum, seeds: [] })).rejects.toThrow(
      /seeds must be a non-empty array/,
    );
    await expect(
      LrpgPopulation.create({ task: PAPER_POPULATION_TASKS.pendulum, seeds: [1, 2.5] }),
    ).rejects.toThrow(/seeds\[1\] must be an integer, got 2.5/);
    await expect(
      LrpgPopulation.create({ task: PAPER_POPULATION_TASKS.pendulum, seeds: [1, 2], ranks: [1, 0] }),
    ).rejects.toThrow(/ranks\[1\] must be an integer >= 1, got 0/);
    await expect(
      LrpgPopulation.create({ task: PAPER_POPULATION_TASKS.pendulum, seeds: [1, 2], ranks: [1] }),
    ).rejects.toThrow(/ranks must be one integer or one per seed \(2\)/);
    await expect(
      LrpgPopulation.create({ task: PAPER_POPULATION_TASKS.pendulum, seeds: [1], maxSteps: 0 }),
    ).rejects.toThrow(/maxSteps must be an integer >= 1, got 0/);
    await expect(
      LrpgPopulation.create({
        task: PAPER_POPULATION_TASKS.pendulum,
        seeds: [1],
        wasm: 1 as unknown as boolean,
      }),
    ).rejects.toThrow(/wasm must be true or false, got 1/);
    await expect(
      trainPopulation({ task: PAPER_POPULATION_TASKS.pendulum, seeds: [1], episodes: -1 }),
    ).rejects.toThrow(/episodes must be an integer >= 0, got -1/);
  });
});

describe("population on the gpu backend ≈ cpu backend within float32 tolerance over a short horizon", () => {
  // Short horizons: the balancing pendulum and the acrobot are unstable, so float32 rounding grows
  // along a trajectory until it flips an action's grid cell; over T = 20 steps and a few episodes the
  // returns agree to ~1e-5. The rocket's return 100·(h_max − 1) loses digits in h ≈ 1.01 (float32
  // spacing 1.2e-7 of h is 1e-5 of h − 1, accumulated over ~200 Euler steps).
  const cases: {
    task: PopulationTaskName;
    seeds: number[];
    ranks: number[];
    episodes: number;
    maxSteps: number;
    rel: number;
  }[] = [
    { task: "pendulum", seeds: [0, 1, 2], ranks: [4, 2, 1], episodes: 3, maxSteps: 20, rel: 1e-4 },
    { task: "acrobot", seeds: [3, 4], ranks: [2, 1], episodes: 3, maxSteps: 20, rel: 1e-4 },
    { task: "rocket", seeds: [5, 6], ranks: [2, 1], episodes: 2, maxSteps: 1000, rel: 2e-3 },
  ];
  for (const mode of ["cpu", "webasm"] as const) {
    for (const { task, seeds, ranks, episodes, maxSteps, rel } of cases) {
      it(`gpu.js ${mode}: ${task}`, async () => {
        const cpu = await trainPopulation({
          task: PAPER_POPULATION_TASKS[task],
          seeds,
          ranks,
          episodes,
          maxSteps,
        });
        const gpu = await trainPopulation({
          task: PAPER_POPULATION_TASKS[task],
          seeds,
          ranks,
          episodes,
          maxSteps,
          backend: "gpu",
          gpuMode: mode,
        });
        expect(gpu.backend).toEqual({ kind: "gpu", mode, precision: "float32" });
        for (let p = 0; p < seeds.length; p++) {
          expect(Array.from(gpu.runs[p].lengths)).toEqual(Array.from(cpu.runs[p].lengths));
          for (let e = 0; e < episodes; e++) {
            const want = cpu.runs[p].returns[e];
            const got = gpu.runs[p].returns[e];
            expect(
              Math.abs(got - want),
              `agent ${p} episode ${e}: gpu ${got} vs cpu ${want}`,
            ).toBeLessThanOrEqual(rel * Math.max(1, Math.abs(want)));
          }
        }
      });
    }
  }

  it("after one update the float32 parameters match the float64 ones", async () => {
    const options = { task: PAPER_POPULATION_TASKS.pendulum, seeds: [0, 9], ranks: [4, 3], maxSteps: 20 };
    const cpu = await LrpgPopulation.create(options);
    const gpu = await LrpgPopulation.create({ ...options, backend: "gpu", gpuMode: "webasm" });
    await cpu.trainEpisode();
    await gpu.trainEpisode();
    for (let p = 0; p < 2; p++) {
      const a = cpu.agentParameters(p);
      const b = gpu.agentParameters(p);
      for (const key of ["actorL", "actorR", "criticL", "criticR"] as const) {
        for (let q = 0; q < a[key].length; q++)
          expect(Math.abs(b[key][q] - a[key][q])).toBeLessThanOrEqual(
            1e-5 * Math.max(1, Math.abs(a[key][q])),
          );
      }
      expect(Math.abs(b.logSigma - a.logSigma)).toBeLessThanOrEqual(1e-6);
    }
    await gpu.dispose();
  });
});

describe("a float32 (gpu.js webasm) population learns the pendulum like the float64 one", () => {
  it("most of 6 seeds reach a 20-episode moving average of 90 within 300 episodes on both backends", async () => {
    const seeds = [0, 1, 2, 3, 4, 5];
    for (const backend of ["cpu", "gpu"] as const) {
      const res = await trainPopulation({
        task: PAPER_POPULATION_TASKS.pendulum,
        seeds,
        episodes: 300,
        backend,
        gpuMode: backend === "gpu" ? "webasm" : undefined,
      });
      const reached = res.runs.map((r) => episodesToThreshold(r.returns, 90)).filter((e) => e !== null);
      expect(reached.length, `${backend}: seeds reaching MA20 >= 90`).toBeGreaterThanOrEqual(4);
    }
  });
});
