import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cli } from "./cli-helpers.js";

describe("lowrank-rl run with a learning-rate schedule", () => {
  it("a schedule that turns negative mid-run stops with one line naming the field, episode and value", async () => {
    const dir = mkdtempSync(join(tmpdir(), "lowrank-sched-"));
    try {
      const r = await cli([
        "run",
        "--env",
        "LRPG/Pendulum",
        "--algo",
        "lrpg",
        "--episodes",
        "10",
        "--lr-actor",
        "1e-2 * (episode < 3 or episode > 5 ? 1 : -1)",
        "--out",
        join(dir, "run"),
        "--quiet",
      ]);
      expect(r.code).toBe(1);
      expect(r.stderr).toBe(
        'error: lrActor: "1e-2 * (episode < 3 or episode > 5 ? 1 : -1)" must give a finite number > 0, got -0.01 at episode 3\n',
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
