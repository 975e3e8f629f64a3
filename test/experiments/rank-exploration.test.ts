import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);
const TSX = join(process.cwd(), "node_modules", ".bin", "tsx");

describe("npm run exp:rank-exploration (tiny)", () => {
  it("fits CP ranks 1 … n to a policy's mean and writes ranks.json and the error-vs-rank page", async () => {
    const out = mkdtempSync(join(tmpdir(), "exp-rank-exploration-"));
    try {
      const args = ["experiments/rank-exploration.ts", "--episodes", "0", "--max-rank", "3", "--points", "6"];
      const { stdout } = await run(TSX, [...args, "--out", out], { timeout: 120_000 });
      expect(stdout).toMatch(/wrote .*ranks\.json/);
      const result = JSON.parse(readFileSync(join(out, "ranks.json"), "utf8"));
      expect(result.grid.map((a: { points: number }) => a.points)).toEqual([6, 6, 6]);
      const rows = result.rows as { rank: number; params: number; nfe: number; maxError: number }[];
      expect(rows.map((r) => r.rank)).toEqual([1, 2, 3]);
      // CP parameters R·Σ I_n on a 6×6×6 grid
      expect(rows.map((r) => r.params)).toEqual([18, 36, 54]);
      for (const r of rows) {
        expect(r.nfe).toBeGreaterThanOrEqual(0);
        expect(r.nfe).toBeLessThan(100);
        expect(r.maxError).toBeGreaterThanOrEqual(0);
      }
      // a higher rank fits at least as well (ALS from the SVD init; tiny slack for round-off)
      expect(rows[2].nfe).toBeLessThanOrEqual(rows[0].nfe + 1e-9);
      const html = readFileSync(join(out, "report.html"), "utf8");
      expect(html).toContain("CP approximation error against the rank");
      expect(html).toContain("normalized Frobenius error %");
      expect(html).toContain("max error %");
      expect(html).toContain("Errors per rank");
      // the figure's data are the measured errors
      expect(html).toContain(JSON.stringify(rows.map((r) => r.nfe)).slice(1, 20));
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }, 120_000);

  it("a bad flag exits 2 with one line naming the flag and its range", async () => {
    const r = await run(TSX, ["experiments/rank-exploration.ts", "--max-rank", "0"]).catch(
      (e: { code: number; stderr: string }) => e,
    );
    expect((r as { code: number }).code).toBe(2);
    expect((r as { stderr: string }).stderr).toMatch(/--max-rank must be an integer in \[1, 100\], got "0"/);
  }, 60_000);
});
