import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { readManifest } from "../../src/runner/manifest.js";
import { METRIC, readMetrics } from "../../src/runner/metrics.js";
import { executeRun, resumeRun } from "../../src/runner/run.js";

const root = mkdtempSync(join(tmpdir(), "lrq-run-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const CONFIG = {
  algo: "lrq",
  env: "Pendulum-v1",
  seed: 5,
  totalSteps: 3000,
  buckets: 7,
  qModel: "cp",
  rank: 3,
  tdTarget: "sarsa",
  nStep: 2,
  behaviour: "softmax",
  temperature: 0.5,
  optimizer: "adam",
  lr: 0.01,
  evalEvery: 1000,
  evalEpisodes: 2,
  checkpointEvery: 1000,
  tensorboard: false,
};

describe("lrq runs through the runner's executeRun / resumeRun", () => {
  it("trains a CP-tensor SARSA run with a softmax behaviour on a discretized continuous task", async () => {
    const dir = join(root, "a");
    const r = await executeRun(CONFIG, { dir });
    expect(r.status).toBe("completed");
    expect(r.parameterCount).toEqual({ q: 3 * (7 + 7 + 5) });
    // Pendulum-v1 episodes are 200 steps (time limit: truncations, bootstrapped): 15 episodes.
    const rows = readMetrics(dir);
    expect(rows.filter((x) => METRIC.episodicReturn in x)).toHaveLength(15);
    expect(rows.filter((x) => METRIC.evalReturn in x).map((x) => x.global_step)).toEqual([1000, 2000, 3000]);
    expect(readManifest(dir)).toMatchObject({ status: "completed", algo: "lrq" });
    expect(JSON.parse(readFileSync(join(dir, "final_params.json"), "utf8"))["q.factors.2"]).toHaveLength(15);
    expect((await resumeRun(dir, {})).status).toBe("completed");
  }, 60_000);

  it("stops a diverging run as 'diverged', naming the parameter (plain SGD too large for the CP product)", async () => {
    const dir = join(root, "b");
    const r = await executeRun({ ...CONFIG, optimizer: "sgd", lr: 0.001 }, { dir });
    expect(r.status).toBe("diverged");
    expect(r.message).toMatch(
      /diverged at episode \d+ \(global step \d+\): parameter q\.factors\.\d\[\d+\] = -?Infinity|NaN/,
    );
    expect(readManifest(dir)).toMatchObject({ status: "diverged" });
  }, 60_000);
});
