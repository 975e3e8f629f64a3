import { describe, expect, it } from "vitest";
import * as lowrank from "../src/index.js";

describe("public API (src/index.ts)", () => {
  it("exports the documented entry points", () => {
    for (const name of [
      "makeEnv",
      "listEnvs",
      "Discretizer",
      "LowRankMatrix",
      "Adam",
      "Rng",
      "makePaperAgent",
      "trainReinforce",
      "checkEnv",
    ]) {
      expect(typeof (lowrank as Record<string, unknown>)[name], name).toBe("function");
    }
    expect(typeof lowrank.dqn).toBe("object");
    expect(typeof lowrank.runner).toBe("object");
    expect(typeof lowrank.laser).toBe("object");
  });

  it("a paper agent and env from the top-level API train and export reference state-dict names", () => {
    const rng = new lowrank.Rng(0);
    const agent = lowrank.makePaperAgent("lrpg", "pendulum", { rng });
    const env = lowrank.makeEnv("LRPG/Pendulum", { rng: rng.fork() });
    const returns: number[] = [];
    lowrank.trainReinforce({
      env,
      agent,
      rng,
      episodes: 5,
      maxSteps: 100,
      onEpisode: (e) => {
        returns.push(e.return);
      },
    });
    expect(returns).toHaveLength(5);
    expect(Object.keys(agent.exportStateDict()).sort()).toEqual([
      "log_sigma",
      "mu.L",
      "mu.R",
      "value.L",
      "value.R",
    ]);
    expect(agent.parameterCount.total).toBe(208);
  });
});
