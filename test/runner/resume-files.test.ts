import { mkdtempSync, readFileSync, rmSync, truncateSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { executeRun, resumeRun } from "../../src/runner/run.js";
import { linearFactory } from "./fake-agent.js";

const root = mkdtempSync(join(tmpdir(), "resume-files-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("resume checks the run's append-only files against the checkpoint", () => {
  it("snapshots.jsonl cut below the checkpoint's length: refused with one line, nothing changed", async () => {
    const stop = new AbortController();
    const cut = await executeRun(
      {
        env: "LRPG/Pendulum",
        algo: "lrpg",
        seed: 2,
        episodes: 40,
        checkpointEvery: 10,
        checkpointMinSeconds: 0,
        snapshotEvery: 10,
      },
      {
        outRoot: root,
        agentFactory: linearFactory,
        signal: stop.signal,
        onEpisode: (e) => e === 25 && stop.abort(),
      },
    );
    expect(cut.status).toBe("interrupted");
    const snapshots = join(cut.dir, "snapshots.jsonl");
    truncateSync(snapshots, 40);
    const metrics = readFileSync(join(cut.dir, "metrics.jsonl"), "utf8");
    await expect(resumeRun(cut.dir, { agentFactory: linearFactory })).rejects.toThrow(
      /snapshots\.jsonl: 40 bytes, shorter than the \d+ the checkpoint recorded; the file was cut or edited, so resume refuses to continue it$/,
    );
    expect(readFileSync(join(cut.dir, "metrics.jsonl"), "utf8")).toBe(metrics);
    expect(readFileSync(snapshots).length).toBe(40);
  });
});
