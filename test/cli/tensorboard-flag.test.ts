import { existsSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readManifest } from "../../src/runner/manifest.js";
import { listEventFiles, readEventFile, TENSORBOARD_DIR } from "../../src/runner/tensorboard.js";
import { cli } from "./cli-helpers.js";

describe("lowrank-rl --no-tensorboard", () => {
  it("run writes tb/ by default and none with --no-tensorboard; sweep passes the flag to every job", async () => {
    const root = mkdtempSync(join(tmpdir(), "cli-tb-"));
    const on = await cli([
      "run",
      "--episodes",
      "3",
      "--snapshot-every",
      "0",
      "--quiet",
      "--out",
      join(root, "on"),
    ]);
    expect(on.code, on.stderr).toBe(0);
    const files = listEventFiles(join(root, "on", TENSORBOARD_DIR));
    expect(files).toHaveLength(1);
    expect(readEventFile(join(root, "on", TENSORBOARD_DIR, files[0]))).toHaveLength(4);

    const off = await cli([
      "run",
      "--episodes",
      "3",
      "--snapshot-every",
      "0",
      "--quiet",
      "--no-tensorboard",
      "--out",
      join(root, "off"),
    ]);
    expect(off.code, off.stderr).toBe(0);
    expect(existsSync(join(root, "off", TENSORBOARD_DIR))).toBe(false);
    expect(readManifest(join(root, "off")).config).toMatchObject({ tensorboard: false });
    expect(readManifest(join(root, "off")).jobId).toBe(readManifest(join(root, "on")).jobId);

    const spec = join(root, "spec.json");
    writeFileSync(
      spec,
      JSON.stringify({ base: { episodes: 3, snapshotEvery: 0 }, grid: { rank: [1, 2] }, seeds: [0] }),
    );
    const sweep = await cli([
      "sweep",
      spec,
      "--out",
      join(root, "sweep"),
      "--quiet",
      "--threads",
      "1",
      "--no-tensorboard",
    ]);
    expect(sweep.code, sweep.stderr).toBe(0);
    const dirs = readdirSync(join(root, "sweep")).filter((d) => d !== "sweep.json");
    expect(dirs).toHaveLength(2);
    for (const d of dirs) expect(existsSync(join(root, "sweep", d, TENSORBOARD_DIR))).toBe(false);
  });
});
