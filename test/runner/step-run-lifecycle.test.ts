import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { Rng, type RngState } from "../../src/random/rng.js";
import { DivergenceError } from "../../src/runner/divergence.js";
import { readManifest } from "../../src/runner/manifest.js";
import { METRIC, readMetrics, type MetricRow } from "../../src/runner/metrics.js";
import {
  resumeSteps,
  runFolder,
  runSteps,
  stepMetricColumns,
  type StepAlgorithm,
  type StepRunConfig,
} from "../../src/runner/step-run-lifecycle.js";

const root = mkdtempSync(join(tmpdir(), "step-run-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

interface ToyConfig extends StepRunConfig {
  /** Env steps of one advance. */
  chunk: number;
  /** The parameter turns non-finite once the step count reaches this (0: never). */
  divergeAt: number;
}

/**
 * A whole algorithm in the lifecycle's terms: one parameter w random-walks with a generator; every
 * advance is `chunk` env steps and ends one episode whose return is w.
 */
const TOY: StepAlgorithm<ToyConfig, { w: number; rng: RngState }> = {
  algo: "toy",
  counter: "step",
  columns: stepMetricColumns(["losses/td_loss"]),
  evalProtocol: "w itself",
  parse: (raw) => ({
    env: "Toy-v0",
    seed: 0,
    totalSteps: 100,
    evalEvery: 30,
    evalEpisodes: 2,
    checkpointEvery: 20,
    keepCheckpoints: 10,
    tensorboard: false,
    chunk: 7,
    divergeAt: 0,
    ...(raw as Partial<ToyConfig>),
  }),
  resultDefining: (c) => ({ seed: c.seed, chunk: c.chunk, totalSteps: c.totalSteps }),
  spec: (c) => ({ kind: "toy", chunk: c.chunk }),
  learner(config, checkpoint) {
    const rng = checkpoint ? Rng.fromState(checkpoint.rng) : new Rng(config.seed);
    let w = checkpoint?.w ?? 0;
    let step = checkpoint?.globalStep ?? 0;
    return {
      parameterCount: { w: 1 },
      get globalStep() {
        return step;
      },
      advance(log) {
        w += rng.uniform() - 0.5;
        step = Math.min(config.totalSteps, step + config.chunk);
        if (config.divergeAt > 0 && step >= config.divergeAt)
          throw new DivergenceError(log.episodes + 1, step, "parameter w", NaN);
        log.episode(step, w, config.chunk, { "losses/td_loss": w * w });
      },
      evaluate: (seeds) => ({ mean: w, std: 0, returns: seeds.map(() => w) }),
      state: () => ({ w, rng: rng.getState() }),
      finalParams: () => ({ w: [w] }),
    };
  },
};

/** Metric rows without the wall-clock column. */
const rowsOf = (dir: string): MetricRow[] =>
  readMetrics(dir).map((r) => Object.fromEntries(Object.entries(r).filter(([k]) => k !== METRIC.sps)));

describe("the step-run lifecycle runs any algorithm that hands it a learner", () => {
  it("writes manifest, metrics, evaluations, checkpoints at their cadence, eval.json and final_params.json", async () => {
    const dir = join(root, "full");
    const r = await runSteps(TOY, { seed: 3 }, { dir });
    expect(r.status).toBe("completed");
    expect(r.episodesDone).toBe(15); // ⌈100 / 7⌉ advances
    expect(r.returns).toHaveLength(15);
    expect(readManifest(dir)).toMatchObject({ status: "completed", algo: "toy", episodesDone: 15 });
    expect(readManifest(dir).spec).toEqual({ kind: "toy", chunk: 7 });
    const rows = readMetrics(dir);
    // Evaluations when 30 steps have passed since the last one, and one at the end.
    expect(rows.filter((x) => METRIC.evalReturn in x).map((x) => x.global_step)).toEqual([35, 70, 100]);
    // A checkpoint at the first advance past every 20 steps, and the final one.
    expect(readdirSync(join(dir, "checkpoints")).sort()).toEqual(
      [21, 42, 63, 84, 100].map((s) => `ckpt-${String(s).padStart(9, "0")}.json`),
    );
    const evaluation = JSON.parse(readFileSync(join(dir, "eval.json"), "utf8")) as Record<string, unknown>;
    expect(evaluation).toMatchObject({
      protocol: "w itself",
      global_step: 100,
      seedBase: expect.any(Number),
    });
    const final = JSON.parse(readFileSync(join(dir, "final_params.json"), "utf8")) as { w: number[] };
    expect(final.w[0]).toBe(r.returns.at(-1));
    expect(existsSync(join(dir, "run.lock"))).toBe(false);
  });

  it("a stop request checkpoints and marks the run interrupted; resume ends bit-identical", async () => {
    const reference = join(root, "reference");
    await runSteps(TOY, { seed: 4 }, { dir: reference });
    const dir = join(root, "stopped");
    const stop = new AbortController();
    const r = await runSteps(
      TOY,
      { seed: 4 },
      { dir, signal: stop.signal, onProgress: (step) => step >= 49 && stop.abort() },
    );
    expect(r.status).toBe("interrupted");
    expect(r.message).toContain("stopped at step 49 of 100");
    expect(readManifest(dir).status).toBe("interrupted");
    const resumed = await resumeSteps(TOY, dir, {});
    expect(resumed.status).toBe("completed");
    expect(readManifest(dir).resumes).toBe(1);
    expect(rowsOf(dir)).toEqual(rowsOf(reference));
    expect(readFileSync(join(dir, "final_params.json"), "utf8")).toBe(
      readFileSync(join(reference, "final_params.json"), "utf8"),
    );
  });

  it("a divergence ends the run 'diverged', naming the checkpoint it keeps", async () => {
    const dir = join(root, "diverged");
    const r = await runSteps(TOY, { divergeAt: 50 }, { dir });
    expect(r.status).toBe("diverged");
    expect(r.message).toMatch(
      /^diverged at episode 8 \(global step 56\): parameter w = NaN; the last checkpoint before it \(step 42\) is kept/,
    );
    expect(readManifest(dir)).toMatchObject({ status: "diverged", message: r.message });
  });

  it("resume without a usable checkpoint restarts from step 0; a completed run is returned as it is", async () => {
    const dir = join(root, "no-checkpoint");
    const first = await runSteps(TOY, { seed: 5, checkpointEvery: 0, totalSteps: 14 }, { dir });
    rmSync(join(dir, "checkpoints"), { recursive: true });
    const warnings: string[] = [];
    const manifest = readManifest(dir);
    manifest.status = "interrupted";
    const { writeManifest } = await import("../../src/runner/manifest.js");
    writeManifest(dir, manifest);
    const again = await resumeSteps(TOY, dir, { warn: (m) => warnings.push(m) });
    expect(warnings).toEqual([`${dir}: no usable checkpoint; restarting the run from step 0`]);
    expect(again.returns).toEqual(first.returns);
    const done = await resumeSteps(TOY, dir, {});
    expect(done).toMatchObject({ status: "completed", episodesDone: 2, returns: [] });
  });

  it("names the metric columns in CleanRL's order and refuses an empty run folder", () => {
    expect(stepMetricColumns(["a"], ["b"])).toEqual([
      "global_step",
      "episode",
      METRIC.episodicReturn,
      METRIC.episodicLength,
      METRIC.sps,
      "a",
      METRIC.evalReturn,
      "eval/episodic_return_std",
      "b",
    ]);
    expect(() => runFolder({ dir: "  " }, "Toy-v0", "toy", 0)).toThrow(/^run directory: the path is empty/);
  });
});
