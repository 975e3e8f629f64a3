import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);
const TSX = join(process.cwd(), "node_modules", ".bin", "tsx");

describe("npm run exp:rank-sweep (tiny)", () => {
  it("sweeps LRPG rank × grid and NN widths, writes the return-vs-params summary and report", async () => {
    const out = mkdtempSync(join(tmpdir(), "exp-rank-"));
    const args = [
      "experiments/rank-sweep.ts",
      "--tasks",
      "pendulum",
      "--seeds",
      "1",
      "--episodes",
      "20",
      "--out",
      out,
    ];
    await run(TSX, args, { timeout: 120_000 });
    const summary = JSON.parse(readFileSync(join(out, "summary.json"), "utf8"));
    const configs = summary.configurations as {
      algo: string;
      params: number;
      rank: number | null;
      actor_buckets: number | null;
      final_return_median: number;
    }[];
    expect(configs).toHaveLength(4 * 3 + 4);
    // LRPG parameter count (actor + critic): (N + M)·K + (16 + 16)·K on the pendulum grid.
    for (const c of configs.filter((x) => x.algo === "lrpg"))
      expect(c.params).toBe(2 * c.actor_buckets! * c.rank! + 32 * c.rank!);
    expect(configs.filter((x) => x.algo === "nn").map((c) => c.params)).toEqual([66, 258, 1026, 4098]);
    for (const c of configs) expect(Number.isFinite(c.final_return_median)).toBe(true);
    const html = readFileSync(join(out, "report.html"), "utf8");
    expect(html).toContain('"id":"params-pendulum"');
    expect(existsSync(join(out, "plotly.js"))).toBe(true);
  });
});
