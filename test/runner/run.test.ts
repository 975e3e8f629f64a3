import { existsSync, mkdtempSync, readFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readManifest } from "../../src/runner/manifest.js";
import { METRIC, readMetrics, type MetricRow } from "../../src/runner/metrics.js";
import { executeRun, resumeRun } from "../../src/runner/run.js";
import { divergingFactory, linearFactory } from "./fake-agent.js";

const base = {
  env: "LRPG/Pendulum",
  algo: "lrpg",
  episodes: 60,
  checkpointEvery: 10,
  checkpointMinSeconds: 0,
  snapshotEvery: 20,
} as const;

/** Every logged number except wall-clock SPS. */
function deterministicRows(rows: MetricRow[]): MetricRow[] {
  return rows.map((r) => {
    const rest = { ...r };
    delete rest[METRIC.sps];
    return rest;
  });
}

describe("executeRun", () => {
  it("writes the run directory: manifest, metrics, final params, checkpoints, snapshots", async () => {
    const root = mkdtempSync(join(tmpdir(), "run-"));
    const res = await executeRun({ ...base, seed: 3 }, { outRoot: root, agentFactory: linearFactory });
    expect(res.status).toBe("completed");
    expect(res.dir).toMatch(/LRPG-Pendulum__lrpg__3__\d{8}T\d{6}Z$/);
    const m = readManifest(res.dir);
    expect(m.status).toBe("completed");
    expect(m.seed).toBe(3);
    expect(m.packageVersion).toMatch(/^\d+\.\d+\.\d+/);
    expect(m.nodeVersion).toBe(process.version);
    expect(m.endTime).not.toBeNull();
    expect(m.gitCommit === null || /^[0-9a-f]{40}$/.test(m.gitCommit)).toBe(true);
    const rows = readMetrics(res.dir);
    expect(rows).toHaveLength(60);
    expect(rows.map((r) => r[METRIC.episodicReturn])).toEqual(res.returns);
    expect(rows[59].episode).toBe(60);
    for (const key of [METRIC.episodicLength, METRIC.sps, METRIC.lossActor, METRIC.lossCritic])
      expect(typeof rows[5][key]).toBe("number");
    expect(existsSync(join(res.dir, "final_params.json"))).toBe(true);
    expect(readdirSync(join(res.dir, "checkpoints"))).toEqual(["ckpt-000000050.json", "ckpt-000000060.json"]);
    const snaps = readFileSync(join(res.dir, "snapshots.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l).episode);
    expect(snaps).toEqual([0, 20, 40, 60]);
  });

  it("checkpointMinSeconds skips due checkpoints while the last one is young (the first and the final are kept)", async () => {
    const root = mkdtempSync(join(tmpdir(), "run-"));
    const res = await executeRun(
      { ...base, seed: 3, checkpointMinSeconds: 3600, keepCheckpoints: 10 },
      { outRoot: root, agentFactory: linearFactory },
    );
    expect(readdirSync(join(res.dir, "checkpoints"))).toEqual(["ckpt-000000010.json", "ckpt-000000060.json"]);
  });

  it("the same seed twice gives identical metrics; another seed differs", async () => {
    const root = mkdtempSync(join(tmpdir(), "run-"));
    const a = await executeRun({ ...base, seed: 1 }, { outRoot: root, agentFactory: linearFactory });
    const b = await executeRun({ ...base, seed: 1 }, { outRoot: root, agentFactory: linearFactory });
    const c = await executeRun({ ...base, seed: 2 }, { outRoot: root, agentFactory: linearFactory });
    expect(a.dir).not.toBe(b.dir);
    expect(deterministicRows(readMetrics(a.dir))).toEqual(deterministicRows(readMetrics(b.dir)));
    expect(c.returns).not.toEqual(a.returns);
  });

  it("an interrupted run resumed is identical to an uninterrupted one (every logged number, params, snapshots)", async () => {
    const root = mkdtempSync(join(tmpdir(), "run-"));
    const full = await executeRun(
      { ...base, seed: 7, lrActor: "1e-2 * 0.99^episode" },
      { outRoot: root, agentFactory: linearFactory },
    );
    const stop = new AbortController();
    const cut = await executeRun(
      { ...base, seed: 7, lrActor: "1e-2 * 0.99^episode" },
      {
        outRoot: root,
        agentFactory: linearFactory,
        signal: stop.signal,
        onEpisode: (e) => e === 23 && stop.abort(),
      },
    );
    expect(cut.status).toBe("interrupted");
    expect(cut.episodesDone).toBe(23);
    expect(readManifest(cut.dir).status).toBe("interrupted");
    const resumed = await resumeRun(cut.dir, { agentFactory: linearFactory });
    expect(resumed.status).toBe("completed");
    expect(readManifest(cut.dir).resumes).toBe(1);
    expect(deterministicRows(readMetrics(cut.dir))).toEqual(deterministicRows(readMetrics(full.dir)));
    for (const f of ["final_params.json", "snapshots.jsonl"]) {
      expect(readFileSync(join(cut.dir, f), "utf8")).toBe(readFileSync(join(full.dir, f), "utf8"));
    }
  });

  it("stops on divergence naming the episode and quantity, keeping the last good checkpoint", async () => {
    const root = mkdtempSync(join(tmpdir(), "run-"));
    const res = await executeRun({ ...base, seed: 1 }, { outRoot: root, agentFactory: divergingFactory(25) });
    expect(res.status).toBe("diverged");
    expect(res.message).toMatch(
      /diverged at episode 25 \(global step \d+\): losses\/actor = NaN; the last checkpoint before it \(episode 20\) is kept/,
    );
    expect(readManifest(res.dir).message).toBe(res.message);
    expect(readdirSync(join(res.dir, "checkpoints"))).toEqual(["ckpt-000000010.json", "ckpt-000000020.json"]);
    expect(readMetrics(res.dir)).toHaveLength(24);
  });

  it("resuming a run with a corrupt newest checkpoint uses the previous one and still matches", async () => {
    const root = mkdtempSync(join(tmpdir(), "run-"));
    const full = await executeRun({ ...base, seed: 9 }, { outRoot: root, agentFactory: linearFactory });
    const stop = new AbortController();
    const cut = await executeRun(
      { ...base, seed: 9, checkpointEvery: 10 },
      {
        outRoot: root,
        agentFactory: linearFactory,
        signal: stop.signal,
        onEpisode: (e) => e === 35 && stop.abort(),
      },
    );
    const { writeFileSync } = await import("node:fs");
    writeFileSync(join(cut.dir, "checkpoints", "ckpt-000000035.json"), "{ truncated");
    const warnings: string[] = [];
    const resumed = await resumeRun(cut.dir, { agentFactory: linearFactory, warn: (m) => warnings.push(m) });
    expect(resumed.status).toBe("completed");
    expect(warnings.join("\n")).toMatch(/ckpt-000000035\.json: unreadable or truncated/);
    expect(deterministicRows(readMetrics(cut.dir))).toEqual(deterministicRows(readMetrics(full.dir)));
  });
});
