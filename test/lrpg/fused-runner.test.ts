import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { AgentFactory } from "../../src/runner/agent-factory.js";
import { METRIC, readMetrics, type MetricRow } from "../../src/runner/metrics.js";
import { paperAgentFactory } from "../../src/runner/paper-agent-factory.js";
import { executeRun, resumeRun } from "../../src/runner/run.js";

const root = mkdtempSync(join(tmpdir(), "fused-runner-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** The paper agents without their fused loop: the runner falls back to runEpisode + learn. */
const genericFactory: AgentFactory = (config, rng) => {
  const agent = paperAgentFactory(config, rng);
  Object.defineProperty(agent, "fusedEpisodes", { value: undefined });
  return agent;
};

/** Every logged number except wall-clock SPS. */
const rows = (dir: string): MetricRow[] =>
  readMetrics(dir).map((r) => {
    const rest = { ...r };
    delete rest[METRIC.sps];
    return rest;
  });

describe("the runner's LRPG path", () => {
  const config = (env: string, episodes: number) => ({
    env,
    algo: "lrpg",
    episodes,
    seed: 2,
    checkpointEvery: 25,
    checkpointMinSeconds: 0,
    snapshotEvery: 30,
    lrActor: "1e-2 * 0.995^episode",
  });

  for (const [env, episodes] of [
    ["LRPG/Pendulum", 120],
    ["LRPG/Rocket", 40],
  ] as const) {
    it(`${env}: fused (the default) logs, snapshots and ends exactly as runEpisode + learn`, async () => {
      const fused = await executeRun(config(env, episodes), { outRoot: root });
      const generic = await executeRun(config(env, episodes), {
        outRoot: root,
        agentFactory: genericFactory,
      });
      expect(fused.status).toBe("completed");
      expect(fused.returns).toEqual(generic.returns);
      expect(rows(fused.dir)).toEqual(rows(generic.dir));
      for (const f of ["final_params.json", "snapshots.jsonl"])
        expect(readFileSync(join(fused.dir, f), "utf8")).toBe(readFileSync(join(generic.dir, f), "utf8"));
    });
  }

  it("a fused run interrupted and resumed equals an uninterrupted one", async () => {
    const full = await executeRun(config("LRPG/Pendulum", 120), { outRoot: root });
    const stop = new AbortController();
    const cut = await executeRun(config("LRPG/Pendulum", 120), {
      outRoot: root,
      signal: stop.signal,
      onEpisode: (e) => e === 47 && stop.abort(),
    });
    expect(cut.status).toBe("interrupted");
    const resumed = await resumeRun(cut.dir, {});
    expect(resumed.status).toBe("completed");
    expect(rows(cut.dir)).toEqual(rows(full.dir));
    expect(readFileSync(join(cut.dir, "final_params.json"), "utf8")).toBe(
      readFileSync(join(full.dir, "final_params.json"), "utf8"),
    );
  });
});
