import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parseA2cRunConfig } from "../../src/runner/a2c-config.js";
import { evaluateA2cRunDir, executeA2cRun, resumeA2cRun } from "../../src/runner/a2c-run.js";
import { runDirAlgo } from "../../src/runner/manifest.js";
import { readManifest } from "../../src/runner/manifest.js";
import { readMetrics } from "../../src/runner/metrics.js";
import { RUN_FILES } from "../../src/runner/run-dir.js";

const made: string[] = [];
const tmp = () => {
  const dir = mkdtempSync(join(tmpdir(), "a2c-run-"));
  made.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

describe("a2c config", () => {
  it("fills the env's preset and keeps what is given", () => {
    const c = parseA2cRunConfig({
      algo: "a2c",
      env: "CartPole-v1",
      optimizer: "adam",
      lr: 0.005,
      network: "trl-rank4",
    });
    expect(c).toMatchObject({
      algo: "a2c",
      seed: 0,
      optimizer: "adam",
      lr: 0.005,
      network: "trl-rank4",
      numEnvs: 8,
      rolloutSteps: 10,
      gaeLambda: 1,
      klClip: 0.01,
    });
    expect(parseA2cRunConfig({ algo: "a2c", env: "MinAtar/Breakout" }).network).toBe("trl-0.2");
  });

  it("bad input: one-line errors naming the field and the range", () => {
    const bad = (extra: Record<string, unknown>) => () =>
      parseA2cRunConfig({ algo: "a2c", env: "CartPole-v1", ...extra });
    expect(bad({ gaeLambda: 2 })).toThrow(/^config\.gaeLambda = 2: must be a number in \[0, 1\]/);
    expect(bad({ numEnvs: 0 })).toThrow(/config\.numEnvs = 0: must be an integer in \[1, 1024\]/);
    expect(bad({ optimizer: "sgd" })).toThrow(
      /config\.optimizer = "sgd": must be "adam", "rmsprop" or "kfac"/,
    );
    expect(bad({ network: "cpconv" })).toThrow(
      /config\.network = "cpconv": must be dense, lowrank-<f> or trl-<f>/,
    );
    expect(bad({ network: "lowrank-rank100" })).toThrow(
      /config\.network = "lowrank-rank100": LowRankDense rank/,
    );
    expect(bad({ network: "lowrank-8" })).toThrow(
      /config\.network = "lowrank-8": a bare number .* lowrank-rank8/,
    );
    expect(bad({ frontEnd: "scattering" })).toThrow(/config\.frontEnd = "scattering"/);
    expect(bad({ batchSize: 3 })).toThrow(/config\.batchSize: not a field of algo "a2c"/);
    expect(() => parseA2cRunConfig({ algo: "a2c", env: "Pendulum-v1" })).toThrow(
      /config\.env = "Pendulum-v1": must be one of CartPole-v1, MinAtar\/Breakout/,
    );
  });
});

describe("a2c run lifecycle", () => {
  const config = {
    algo: "a2c",
    env: "CartPole-v1",
    seed: 3,
    totalSteps: 4000,
    evalEvery: 1600,
    evalEpisodes: 2,
    checkpointEvery: 1000,
    tensorboard: false,
  };

  it("writes manifest, metrics, eval.json and final parameters; eval re-evaluates them", async () => {
    const dir = tmp();
    const r = await executeA2cRun(config, { dir });
    expect(r.status).toBe("completed");
    expect(runDirAlgo(dir)).toBe("a2c");
    const m = readManifest(dir) as unknown as { spec: { kind: string; parameters: number }; status: string };
    expect(m.status).toBe("completed");
    expect(m.spec.kind).toBe("a2c");
    expect(m.spec.parameters).toBe(4675);
    for (const f of [RUN_FILES.evalJson, RUN_FILES.finalParams]) expect(existsSync(join(dir, f))).toBe(true);
    const rows = readMetrics(dir);
    expect(rows.filter((x) => x["charts/episodic_return"] !== undefined).length).toBe(r.episodesDone);
    expect(rows.filter((x) => x["losses/actor"] !== undefined).length).toBe(Math.ceil(4000 / 80));
    const saved = JSON.parse(readFileSync(join(dir, RUN_FILES.evalJson), "utf8")) as { mean: number };
    expect(evaluateA2cRunDir(dir, { episodes: 2 }).mean).toBe(saved.mean);
  });

  it("a run stopped mid-way and resumed ends bit-identical to an uninterrupted one (ACKTR)", async () => {
    const straight = tmp();
    await executeA2cRun(config, { dir: straight });
    const cut = tmp();
    const stop = new AbortController();
    const first = await executeA2cRun(config, {
      dir: cut,
      signal: stop.signal,
      onProgress: (frame) => {
        if (frame >= 2100) stop.abort();
      },
    });
    expect(first.status).toBe("interrupted");
    const second = await resumeA2cRun(cut);
    expect(second.status).toBe("completed");
    expect(readFileSync(join(cut, RUN_FILES.finalParams), "utf8")).toBe(
      readFileSync(join(straight, RUN_FILES.finalParams), "utf8"),
    );
    const strip = (dir: string) =>
      readMetrics(dir).map((row) => {
        const r: Record<string, unknown> = { ...row };
        delete r["charts/SPS"];
        return r;
      });
    expect(strip(cut)).toEqual(strip(straight));
  });
});
