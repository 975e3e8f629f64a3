import { cpSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readCheckpointFile, saveCheckpoint } from "../../src/runner/checkpoint.js";
import { METRIC, readMetrics, type MetricRow } from "../../src/runner/metrics.js";
import { executeRun, resumeRun, type RunCheckpoint } from "../../src/runner/run.js";

const base = {
  env: "LRPG/Pendulum",
  algo: "lrpg",
  seed: 5,
  episodes: 40,
  checkpointEvery: 10,
  checkpointMinSeconds: 0,
  snapshotEvery: 20,
} as const;

function deterministicRows(rows: MetricRow[]): MetricRow[] {
  return rows.map((r) => {
    const rest = { ...r };
    delete rest[METRIC.sps];
    return rest;
  });
}

type Mutation = (p: RunCheckpoint) => void;

/** Checkpoints whose checksum is valid but whose content is not: each must be refused and the previous one used. */
const CASES: [string, Mutation, RegExp][] = [
  [
    "all-zero generator",
    (p) => void ((p.rng as unknown as { words: number[] }).words = [0, 0, 0, 0]),
    /must not be all zero/,
  ],
  [
    "env generator word out of int32",
    (p) => void ((p.envRng as unknown as { words: number[] }).words[2] = 2 ** 40),
    /int32/,
  ],
  [
    "absurd optimizer step count",
    (p) => void ((p.training.actor as { step: number }).step = 1e9),
    /training\.actor\.step must be an integer in \[0, \d+\], got 1000000000/,
  ],
  [
    "non-finite optimizer moment",
    (p) => {
      const buffers = p.training.critic.buffers;
      const first = Object.values(Object.values(buffers)[0])[0];
      (first as (number | null)[])[0] = null;
    },
    /non-finite entry null/,
  ],
  [
    "parameter tensor of the wrong shape",
    (p) => {
      const key = Object.keys(p.params)[0];
      p.params[key] = (p.params[key] as unknown[]).slice(1) as never;
    },
    /importStateDict: ".*" has the wrong shape|importStateDict: ".*" .*expected a tensor of shape/,
  ],
  ["episode beyond the run", (p) => void (p.episode = 1e9), /episode must be an integer in \[0, 40\]/],
  [
    "metric rows that disagree",
    (p) => void (p.metrics.rows = 3),
    /metrics\.rows must be an integer in \[35, 35\]/,
  ],
];

describe("checkpoint content checks on resume", () => {
  it("refuses each bad checkpoint, falls back to the previous one, and still reproduces the run", async () => {
    const root = mkdtempSync(join(tmpdir(), "ckpt-content-"));
    const full = await executeRun(base, { outRoot: root });
    const stop = new AbortController();
    const cut = await executeRun(base, {
      outRoot: root,
      signal: stop.signal,
      onEpisode: (e) => e === 35 && stop.abort(),
    });
    const expected = deterministicRows(readMetrics(full.dir));
    for (const [name, mutate, message] of CASES) {
      const dir = join(root, `case-${name.replace(/\W+/g, "-")}`);
      cpSync(cut.dir, dir, { recursive: true });
      const ckptDir = join(dir, "checkpoints");
      const { payload } = readCheckpointFile<RunCheckpoint>(join(ckptDir, "ckpt-000000035.json"));
      mutate(payload);
      saveCheckpoint(ckptDir, 35, payload, 3);
      // Leftovers of atomic writes killed before their rename (pid 999999999: no such process).
      writeFileSync(join(dir, "manifest.json.tmp-999999999-abc"), "{ torn");
      writeFileSync(join(dir, "final_params.json.tmp-999999999-abd"), "{ torn");
      const warnings: string[] = [];
      const resumed = await resumeRun(dir, { warn: (m) => warnings.push(m) });
      expect(
        readdirSync(dir).filter((f) => f.includes(".tmp-")),
        name,
      ).toEqual([]);
      expect(resumed.status, name).toBe("completed");
      expect(warnings.join("\n"), name).toMatch(message);
      expect(warnings.join("\n"), name).toMatch(
        /ckpt-000000035\.json: .*falling back to the previous checkpoint/,
      );
      expect(deterministicRows(readMetrics(dir)), name).toEqual(expected);
    }
  }, 60_000);
});
