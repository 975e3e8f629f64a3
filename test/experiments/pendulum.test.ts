import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { intInRange, seedList } from "../../experiments/lib/args.js";

const run = promisify(execFile);
const TSX = join(process.cwd(), "node_modules", ".bin", "tsx");

describe("npm run exp:pendulum (tiny)", () => {
  it("runs both methods over the seeds and writes run dirs, summary.json and an offline report", async () => {
    const out = mkdtempSync(join(tmpdir(), "exp-pendulum-"));
    const { stdout } = await run(
      TSX,
      ["experiments/pendulum.ts", "--seeds", "2", "--episodes", "30", "--out", out, "--threads", "2"],
      { timeout: 120_000 },
    );
    expect(stdout).toMatch(/LRPG\s+208\s+160/);
    expect(stdout).toMatch(/NN\s+4098\s+4098/);
    const summary = JSON.parse(readFileSync(join(out, "summary.json"), "utf8"));
    expect(summary.methods.map((m: { name: string }) => m.name)).toEqual(["LRPG", "NN"]);
    for (const m of summary.methods) {
      expect(Object.keys(m)).toEqual(
        expect.arrayContaining([
          "name",
          "params",
          "paper_params",
          "episodes_to_threshold",
          "median_episodes_to_threshold",
          "final_mean_return",
        ]),
      );
      expect(m.episodes_to_threshold).toHaveLength(2);
      expect(typeof m.final_mean_return).toBe("number");
      expect(m.statuses).toEqual(["completed", "completed"]);
    }
    const runs = readdirSync(join(out, "runs"));
    expect(runs).toHaveLength(4);
    expect(runs.filter((d) => /^LRPG-Pendulum__lrpg__[01]__\d{8}T\d{6}Z/.test(d))).toHaveLength(2);
    const dir = join(out, "runs", runs[0]);
    for (const f of ["manifest.json", "metrics.jsonl", "metrics.csv", "final_params.json"])
      expect(existsSync(join(dir, f))).toBe(true);
    expect(readFileSync(join(dir, "metrics.csv"), "utf8").split("\n")).toHaveLength(32); // header + 30 rows + trailing newline
    const html = readFileSync(join(out, "report.html"), "utf8");
    expect(html).toContain('<script src="plotly.js"></script>');
    expect(html).toContain('"id":"learning-curves"');
    expect(html).toContain('"id":"return-vs-params"');
    expect(existsSync(join(out, "plotly.js"))).toBe(true);
  });

  it("rejects a bad flag with a message naming the flag, the value and the range", async () => {
    const err = await run(TSX, ["experiments/pendulum.ts", "--episodes", "0"], { timeout: 60_000 }).catch(
      (e: { code: number; stderr: string }) => e,
    );
    expect((err as { code: number }).code).not.toBe(0);
    expect((err as { stderr: string }).stderr).toContain(
      '--episodes must be an integer in [20, 1000000], got "0"',
    );
  });

  it("--seeds takes a count or a list of distinct seeds", () => {
    expect(seedList("3")).toEqual([0, 1, 2]);
    expect(seedList("4, 9,2")).toEqual([4, 9, 2]);
    expect(() => seedList("1,x")).toThrow(/--seeds must be a count .* got "1,x"/);
    expect(() => seedList("1,1")).toThrow(/distinct/);
    expect(() => seedList("0")).toThrow(/count in \[1, 10000\]/);
    expect(seedList("3..3")).toEqual([3]);
    expect(seedList("2..4,9")).toEqual([2, 3, 4, 9]);
    expect(() => seedList("5..2")).toThrow(/ranges like .*2\.\.5/);
    expect(() => seedList("1..3,2")).toThrow(/distinct/);
    expect(intInRange("--episodes", 20, 100)("50")).toBe(50);
    expect(() => intInRange("--episodes", 20, 100)("5.5")).toThrow(
      '--episodes must be an integer in [20, 100], got "5.5"',
    );
  });
});
