import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import {
  evaluationsOf,
  lastThreeMean,
  mergeSummaries,
  RowError,
  rowResult,
  type TableSummary,
} from "../../experiments/lib/breakout-table.js";
import { renderResults, ResultsDocError } from "../../experiments/lib/results-doc.js";
import { readMetrics } from "../../src/runner/metrics.js";

const run = promisify(execFile);
const TSX = join(process.cwd(), "node_modules", ".bin", "tsx");
const SCRIPT = "experiments/breakout-table.ts";
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
const tmp = (): string => {
  const d = mkdtempSync(join(tmpdir(), "exp-breakout-table-"));
  dirs.push(d);
  return d;
};
const TINY = ["--seeds", "1", "--frames", "2400", "--eval-every", "800", "--eval-episodes", "2", "--quiet"];

/** Runs the script expecting a refusal: exit code 2 and one error line naming `pattern`. */
async function refused(args: string[], pattern: RegExp): Promise<void> {
  const err = (await run(TSX, [SCRIPT, ...args], { timeout: 60_000 }).then(
    () => null,
    (e: unknown) => e,
  )) as { code: number; stderr: string } | null;
  expect(err).not.toBeNull();
  expect(err?.code).toBe(2);
  const lines = (err?.stderr ?? "").split("\n").filter((l) => l.startsWith("error:"));
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(pattern);
}

describe("npm run exp:breakout-table (tiny budget)", () => {
  it("writes summary.json with per-seed evaluations and the mean of the last three; --merge adds rows", async () => {
    const out = tmp();
    await run(TSX, [SCRIPT, "--rows", "dqn-trl-0.1,a2c-kfac-trl-0.1", "--out", out, ...TINY], {
      timeout: 120_000,
    });
    const s = JSON.parse(readFileSync(join(out, "summary.json"), "utf8")) as TableSummary;
    expect(s.experiment).toBe("breakout-table");
    expect([s.frames, s.eval_every, s.eval_episodes]).toEqual([2400, 800, 2]);
    expect(s.seeds).toEqual([0]);
    expect(s.node_version).toBe(process.version);
    expect(s.cpu_time_s).toBeGreaterThan(0);
    expect(s.pending).toEqual([]);
    expect(s.rows.map((r) => r.name)).toEqual(["dqn-trl-0.1", "a2c-kfac-trl-0.1"]);
    const [dqn, a2c] = s.rows;
    expect([dqn.algo, dqn.optimizer, dqn.network, dqn.scattering]).toEqual([
      "dqn",
      "rmsprop",
      "trl-0.1",
      false,
    ]);
    expect([a2c.algo, a2c.optimizer, a2c.network]).toEqual(["a2c", "kfac", "trl-0.1"]);
    // Tucker TRL at ⅒ of the 1024·128 hidden layer on MinAtar's Q-network: the runner's count.
    expect(dqn.parameters).toBe(15590);
    // No dense row and no dqn-dense: nothing to divide by.
    expect(dqn.parameter_fraction).toBeNull();
    expect(dqn.relative_to_dqn_dense_pct).toBeNull();
    for (const r of s.rows) {
      const [seed] = r.seeds;
      expect(seed.evals.map((e) => e.frame)).toEqual([800, 1600, 2400]);
      // The score is the mean of the last three evaluations in the run's own metrics.
      const fromMetrics = evaluationsOf(readMetrics(seed.run_dir));
      expect(fromMetrics).toEqual(seed.evals);
      const expected = fromMetrics.slice(-3).reduce((a, e) => a + e.mean, 0) / 3;
      expect(seed.score).toBeCloseTo(expected, 12);
      expect(r.score_mean).toBeCloseTo(expected, 12);
      expect(r.frames_per_cpu_s).toBeGreaterThan(0);
      expect(seed.train_return).toHaveLength(3);
    }
    const html = readFileSync(join(out, "report.html"), "utf8");
    expect(html).toContain("return-vs-params");
    expect(html).toContain("a2c-kfac-trl-0.1");

    // A second invocation merged into the first: the rows add up, fractions now have their dense row.
    const out2 = tmp();
    await run(
      TSX,
      [SCRIPT, "--rows", "a2c-adam-dense", "--merge", join(out, "summary.json"), "--out", out2, ...TINY],
      { timeout: 120_000 },
    );
    const m = JSON.parse(readFileSync(join(out2, "summary.json"), "utf8")) as TableSummary;
    expect(m.rows.map((r) => r.name)).toEqual(["dqn-trl-0.1", "a2c-kfac-trl-0.1", "a2c-adam-dense"]);
    expect(m.invocations.map((i) => i.rows)).toEqual([
      ["dqn-trl-0.1", "a2c-kfac-trl-0.1"],
      ["a2c-adam-dense"],
    ]);
    const dense = m.rows[2];
    expect(m.rows[1].parameter_fraction).toBeCloseTo(
      (m.rows[1].parameters ?? 0) / (dense.parameters ?? 1),
      12,
    );
    expect(dense.parameter_fraction).toBe(1);

    const md = renderResults("breakout-table", m, "summary.json");
    expect(md).toContain("2400 frames per run");
    expect(md).toMatch(/\| a2c-adam-dense \| \d+ \| 1 \|/);
  }, 180_000);

  it("refuses bad flags with one line and exit code 2", async () => {
    await refused(["--eval-every", "1020", ...TINY.slice(0, 4)], /--eval-every must be a multiple of 40/);
    await refused(
      ["--frames", "1600", "--eval-every", "800"],
      /--frames must be a multiple of --eval-every \(800\) and at least 3/,
    );
    await refused(["--rows", "dqn-dense,a2c-sgd-dense"], /--rows: row "a2c-sgd-dense" is not/);
    await refused(["--rows", "dqn-trl-7"], /--rows: row "dqn-trl-7": config.network/);
  }, 120_000);
});

describe("breakout-table helpers", () => {
  it("scores the mean of the last three evaluations in frame order, null with fewer than three", () => {
    const evals = evaluationsOf([
      { global_step: 300, "eval/episodic_return": 3 },
      { global_step: 100, "eval/episodic_return": 1 },
      { global_step: 150, "charts/episodic_return": 9 },
      { global_step: 400, "eval/episodic_return": 5 },
      { global_step: 200, "eval/episodic_return": 2 },
    ]);
    expect(evals.map((e) => e.frame)).toEqual([100, 200, 300, 400]);
    expect(lastThreeMean(evals)).toBeCloseTo((2 + 3 + 5) / 3, 14);
    expect(lastThreeMean(evals.slice(0, 2))).toBeNull();
  });

  it("merges only summaries of the same budget and protocol", () => {
    const base = {
      experiment: "breakout-table",
      frames: 1000,
      eval_every: 200,
      eval_episodes: 2,
      seeds: [0],
      invocations: [],
      wall_time_s: 1,
      cpu_time_s: 1,
      rows: [],
      pending: [{ name: "dqn-kfac-dense", reason: "x" }],
    } as unknown as TableSummary;
    expect(() => mergeSummaries(base, { ...base, frames: 2000 })).toThrow(RowError);
    expect(() => mergeSummaries(base, { ...base, frames: 2000 })).toThrow(/frames = 1000, this run 2000/);
    const merged = mergeSummaries(base, { ...base, seeds: [1] });
    expect(merged.seeds).toEqual([0, 1]);
    expect(merged.pending).toEqual([{ name: "dqn-kfac-dense", reason: "x" }]);
    // One row's seeds from two invocations: the union, the newer outcome for a seed both ran.
    const seed = (n: number, score: number) => ({
      seed: n,
      run_dir: `run${n}`,
      status: "completed",
      parameters: 10,
      evals: [],
      score,
      train_return: [],
      episodes: 1,
      frames: 1000,
      cpu_s: 1,
      wall_s: 1,
    });
    const spec = {
      name: "dqn-dense",
      algo: "dqn",
      optimizer: "rmsprop",
      network: "dense",
      scattering: false,
      config: {},
    } as const;
    const a = { ...base, rows: [rowResult(spec, [seed(0, 1), seed(1, 2)])], pending: [] };
    const b = { ...base, rows: [rowResult(spec, [seed(1, 4), seed(2, 6)])], pending: [] };
    const ab = mergeSummaries(a, b);
    expect(ab.rows).toHaveLength(1);
    expect(ab.rows[0].seeds.map((x) => [x.seed, x.score])).toEqual([
      [0, 1],
      [1, 4],
      [2, 6],
    ]);
    expect(ab.rows[0].score_mean).toBeCloseTo(11 / 3, 14);
    expect(ab.rows[0].relative_to_dqn_dense_pct).toBeCloseTo(100, 12);
  });

  it("the results-doc renderer refuses a summary of another experiment", () => {
    expect(() => renderResults("breakout-table", { experiment: "breakout", rows: [] }, "x.json")).toThrow(
      ResultsDocError,
    );
  });
});

describe("--merge of a file that is not a summary", () => {
  it("is refused with one line and exit code 2", async () => {
    const d = tmp();
    const bad = join(d, "bad.json");
    writeFileSync(bad, JSON.stringify({ hello: 1 }));
    await refused(["--merge", bad, ...TINY], /--merge: .* is not a breakout-table summary/);
  }, 60_000);
});
