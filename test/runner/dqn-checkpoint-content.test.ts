import { cpSync, mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readCheckpointFile, saveCheckpoint } from "../../src/runner/checkpoint.js";
import { executeDqnRun, resumeDqnRun, type DqnRunCheckpoint } from "../../src/runner/dqn-run.js";
import { readManifest, writeManifest } from "../../src/runner/manifest.js";
import { METRIC, readMetrics, type MetricRow } from "../../src/runner/metrics.js";

const CONFIG = {
  algo: "dqn",
  env: "CartPole-v1",
  seed: 2,
  totalSteps: 600,
  learningStarts: 100,
  logEvery: 100,
  evalEvery: 0,
  checkpointEvery: 200,
  keepCheckpoints: 3,
  spectrumEvery: 0,
  tensorboard: false,
} as const;

function deterministicRows(rows: MetricRow[]): MetricRow[] {
  return rows.map((r) => {
    const rest = { ...r };
    delete rest[METRIC.sps];
    return rest;
  });
}

type Mutation = (p: DqnRunCheckpoint) => void;
const CASES: [string, Mutation, RegExp][] = [
  [
    "NaN weight",
    (p) => void ((p.train.agent.online[0].data as Float64Array)[3] = Number.NaN),
    /non-finite weight NaN at \[3\]/,
  ],
  [
    "all-zero generator",
    (p) => void ((p.train.loop.rng as unknown as { words: number[] }).words = [0, 0, 0, 0]),
    /must not be all zero/,
  ],
  [
    "absurd optimizer step",
    (p) => void ((p.train.agent.optimizer as unknown as { step: number }).step = 1e9),
    /optimizer\.step must be an integer in \[0, 400\], got 1000000000/,
  ],
  [
    "frame beyond the run",
    (p) => void ((p.train.loop as unknown as { frame: number }).frame = 1e6),
    /frame must be an integer in \[0, 600\]/,
  ],
];

describe("DQN resume checks checkpoint content", () => {
  it("refuses a bad newest checkpoint, falls back to the previous one and reproduces the run", () => {
    const root = mkdtempSync(join(tmpdir(), "dqn-ckpt-content-"));
    const full = executeDqnRun(CONFIG, { dir: join(root, "full") });
    expect(full.status).toBe("completed");
    expect(readdirSync(join(full.dir, "checkpoints"))).toEqual(["ckpt-000000200.bin", "ckpt-000000400.bin"]);
    const expected = deterministicRows(readMetrics(full.dir));
    for (const [name, mutate, message] of CASES) {
      const dir = join(root, name.replace(/\W+/g, "-"));
      cpSync(full.dir, dir, { recursive: true });
      writeManifest(dir, { ...readManifest(dir), status: "interrupted" });
      const ckptDir = join(dir, "checkpoints");
      const { payload } = readCheckpointFile<DqnRunCheckpoint>(join(ckptDir, "ckpt-000000400.bin"));
      mutate(payload);
      saveCheckpoint(ckptDir, 400, payload, 3, "v8");
      const warnings: string[] = [];
      const r = resumeDqnRun(dir, { warn: (m) => warnings.push(m) });
      expect(r.status, name).toBe("completed");
      expect(warnings.join("\n"), name).toMatch(message);
      expect(warnings.join("\n"), name).toMatch(
        /ckpt-000000400\.bin: .*falling back to the previous checkpoint/,
      );
      expect(deterministicRows(readMetrics(dir)), name).toEqual(expected);
    }
  }, 120_000);
});
