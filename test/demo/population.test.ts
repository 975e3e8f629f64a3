import { describe, expect, it } from "vitest";
import { createBackend } from "../../src/factor/backend/index.js";
import {
  PopulationTracker,
  createPopulation,
  maxRelativeDifference,
  openPopulationBackend,
  populationReturns,
  populationSeeds,
  quantile,
} from "../../src/demo/population.js";
import { DemoOptionError, DemoSession } from "../../src/demo/session.js";
import { formulaWriter } from "../../src/optim/formula.js";
import { MAX_SEED } from "../../src/random/rng.js";

describe("the live page's population mode", () => {
  it("agent p of the CPU population is the page's LRPG run with seed S + p (rank and grids as set)", async () => {
    const run = { task: "pendulum", seed: 3, count: 3, rank: 2, actorBuckets: 8, criticBuckets: 12 } as const;
    const cpu = await createBackend("cpu");
    const returns = await populationReturns(await createPopulation(run, cpu), 25);
    for (let p = 0; p < run.count; p++) {
      const single = new DemoSession({ ...run, algo: "lrpg", seed: run.seed + p });
      expect(returns[p]).toEqual(Array.from({ length: 25 }, () => single.episode()));
    }
    // The agents are different runs.
    expect(
      maxRelativeDifference(
        returns[0].map((x) => [x]),
        returns[1].map((x) => [x]),
      ),
    ).toBeGreaterThan(0.01);
  });

  it("gpu.js's float32 population (webasm) matches the CPU population over a short horizon, as the page checks WebGL", async () => {
    const small = { task: "pendulum", seed: 0, count: 8, maxSteps: 20 } as const;
    const gpu = await createBackend("gpu", { mode: "webasm" });
    try {
      const g = await populationReturns(await createPopulation(small, gpu), 3);
      const c = await populationReturns(await createPopulation(small, await createBackend("cpu")), 3);
      const d = maxRelativeDifference(g, c);
      expect(d).toBeLessThan(1e-4);
      expect(d).toBeGreaterThan(0); // float32 is not float64: the check can see a difference
    } finally {
      await gpu.dispose();
    }
  });

  it("falls back to the CPU path, naming why, when no GL device opens (Node without headless-gl here)", async () => {
    const auto = await openPopulationBackend("auto");
    try {
      if (auto.info.kind === "cpu") {
        expect(auto.info.fallbackReason).toMatch(/headlessgl|'gl'/);
        expect(auto.info.precision).toBe("float64");
      } else {
        expect(auto.info.mode).toBe("headlessgl");
        expect(auto.info.fallbackReason).toBeNull();
      }
    } finally {
      await auto.backend.dispose();
    }
    const cpu = await openPopulationBackend("cpu");
    expect(cpu.info).toMatchObject({ kind: "cpu", fallbackReason: null });
  });

  it("summarizes each lockstep episode: quartiles of the returns and the share of agents at MA20 ≥ threshold", () => {
    const t = new PopulationTracker(4, 90);
    let last = t.add([100, 100, 50, 10]);
    expect(last).toEqual({ q25: 40, median: 75, q75: 100, solved: 0 });
    for (let e = 1; e < 19; e++) last = t.add([100, 95, 50, 10]);
    expect(last.solved).toBe(0); // fewer than 20 episodes: no moving average yet
    last = t.add([100, 95, 50, 10]);
    expect(last.solved).toBe(0.5);
    // The window slides: agent 1 drops below 90 after 20 episodes of 80.
    for (let e = 0; e < 20; e++) last = t.add([100, 80, 50, 10]);
    expect(last.solved).toBe(0.25);
    expect(quantile(Float64Array.of(1, 2, 3, 4), 0.5)).toBe(2.5);
    expect(quantile(Float64Array.of(7), 0.75)).toBe(7);
  });

  it("rejects a population size or seed range out of bounds with one line naming the field and range", () => {
    expect(populationSeeds(5, 3)).toEqual([5, 6, 7]);
    for (const [seed, count] of [
      [0, 0],
      [0, 4097],
      [MAX_SEED - 1, 3],
    ]) {
      let err: unknown;
      try {
        populationSeeds(seed, count);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(DemoOptionError);
      expect((err as DemoOptionError).field).toBe("population");
      expect((err as Error).message).toMatch(/^population.*(\[1, 4096\]|largest seed)/);
    }
    expect(maxRelativeDifference([[NaN]], [[1]])).toBe(Infinity);
  });
});

describe("formulas read from bundled source text", () => {
  it("finds a constant the bundler renamed with a numeric suffix (DT → DT3), and only then", () => {
    // esbuild renames a top-level name declared by several modules; the source text then says DT3.
    const step = new Function("x", "v", "return x + v * DT3;") as (x: number, v: number) => number;
    expect(formulaWriter({ DT: 0.05 })(step, "a", "b")).toBe("(a + (b * 0.05))");
    // A constant of that exact name wins; an unknown name still fails loudly.
    expect(formulaWriter({ DT: 0.05, DT3: 0.5 })(step, "a", "b")).toBe("(a + (b * 0.5))");
    expect(() => formulaWriter({ DX: 1 })(step, "a", "b")).toThrow(/no value for DT3/);
  });
});
