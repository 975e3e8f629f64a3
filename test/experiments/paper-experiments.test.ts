import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { censoredQuantile, censoredSpread } from "../../experiments/lib/censored-spread.js";
import { constantPolicyReturn } from "../../experiments/lib/constant-policy.js";

const run = promisify(execFile);
const TSX = join(process.cwd(), "node_modules", ".bin", "tsx");
const tmp = (name: string) => mkdtempSync(join(tmpdir(), `exp-${name}-`));
type Failure = { code: number; stderr: string };
const fails = (args: string[]) =>
  run(TSX, args, { timeout: 60_000 }).then(
    () => null,
    (e: Failure) => e,
  );

describe("experiment helpers", () => {
  it("constant full thrust on the paper's rocket scores 100·(h_max − 1) ≈ 1.1887 (measured in the env)", () => {
    const r = constantPolicyReturn("LRPG/Rocket", [1], 1000);
    expect(r.episodeReturn).toBeCloseTo(1.1887, 4);
    expect(r.terminated).toBe(true);
    expect(r.steps).toBe(184);
    expect(constantPolicyReturn("LRPG/Rocket", [0.5], 1000).episodeReturn).toBeLessThan(r.episodeReturn);
  });

  it("episodes-to-threshold quantiles count never-reaching runs as +∞ (NumPy linear interpolation otherwise)", () => {
    expect(censoredQuantile([10, 20, 30, 40], 0.5)).toBe(25);
    expect(censoredQuantile([10, 20, 30, 40], 0.25)).toBe(17.5);
    expect(censoredSpread([10, null, 30, null, null])).toEqual({ median: null, q25: 30, q75: null });
    expect(censoredSpread([10, 20, 30, null])).toEqual({ median: 25, q25: 17.5, q75: null });
    expect(censoredQuantile([], 0.5)).toBeNull();
    expect(() => censoredQuantile([1], 1.5)).toThrow(/p must be in \[0, 1\], got 1.5/);
  });
});

describe("npm run exp:acrobot / exp:rocket / exp:paper (tiny)", () => {
  it("exp:acrobot writes runs, summary.json and the report with the reference parameter counts", async () => {
    const out = tmp("acrobot");
    const { stdout } = await run(
      TSX,
      ["experiments/acrobot.ts", "--seeds", "1", "--episodes", "25", "--out", out, "--threads", "2"],
      { timeout: 120_000 },
    );
    expect(stdout).toMatch(/LRPG\s+32\s+16/);
    expect(stdout).toMatch(/NN\s+386\s+386/);
    const summary = JSON.parse(readFileSync(join(out, "summary.json"), "utf8"));
    expect(summary.threshold).toBe(90);
    expect(summary.hyperparameters).toMatchObject({
      env: "LRPG/Acrobot",
      gamma: 0.9,
      max_steps: 1000,
      lrpg: { rank: 2, lr_actor: 3e-2, lr_critic: 1e-1 },
      nn: { widths: [4, 32, 1] },
    });
    expect(summary.methods.map((m: { statuses: string[] }) => m.statuses)).toEqual([
      ["completed"],
      ["completed"],
    ]);
    expect(readdirSync(join(out, "runs"))).toHaveLength(2);
    expect(readFileSync(join(out, "report.html"), "utf8")).toContain('"id":"learning-curves"');
  });

  it("exp:rocket reports the constant full-thrust baseline beside both methods (summary, table, figure)", async () => {
    const out = tmp("rocket");
    const { stdout } = await run(
      TSX,
      ["experiments/rocket.ts", "--seeds", "1", "--episodes", "20", "--out", out, "--threads", "2"],
      { timeout: 120_000 },
    );
    expect(stdout).toMatch(/LRPG\s+80\s+80/);
    expect(stdout).toMatch(/NN\s+1282\s+1282/);
    expect(stdout).toMatch(/baseline constant full thrust: return 1\.1887/);
    const summary = JSON.parse(readFileSync(join(out, "summary.json"), "utf8"));
    expect(summary.baselines).toHaveLength(1);
    expect(summary.baselines[0].name).toBe("constant full thrust");
    expect(summary.baselines[0].value).toBeCloseTo(1.1887, 4);
    expect(summary.threshold).toBe(1.15);
    const html = readFileSync(join(out, "report.html"), "utf8");
    expect(html).toContain("constant full thrust (baseline)");
    expect(html).toMatch(/"name":"constant full thrust \(1\.1887\)"/);
  });

  it("exp:paper runs 3 tasks × 2 methods, writes the three-panel figure, table.md and summary.json", async () => {
    const out = tmp("paper");
    const { stdout } = await run(
      TSX,
      [
        "experiments/paper.ts",
        "--runs",
        "1",
        "--episodes",
        "20",
        "--rocket-episodes",
        "20",
        "--out",
        out,
        "--threads",
        "2",
      ],
      { timeout: 180_000 },
    );
    expect(stdout).toMatch(/wall time [\d.]+ s on 2 threads/);
    expect(readdirSync(join(out, "runs"))).toHaveLength(6);
    const summary = JSON.parse(readFileSync(join(out, "summary.json"), "utf8"));
    const counts = summary.tasks.map(
      (t: { task: string; methods: { name: string; params: number; paper_params: number }[] }) => [
        t.task,
        t.methods.map((m) => [m.name, m.params, m.paper_params]),
      ],
    );
    expect(counts).toEqual([
      [
        "pendulum",
        [
          ["LRPG", 208, 160],
          ["NN", 4098, 4098],
        ],
      ],
      [
        "acrobot",
        [
          ["LRPG", 32, 16],
          ["NN", 386, 386],
        ],
      ],
      [
        "rocket",
        [
          ["LRPG", 80, 80],
          ["NN", 1282, 1282],
        ],
      ],
    ]);
    expect(summary.tasks[2].baselines[0].value).toBeCloseTo(1.1887, 4);
    expect(typeof summary.wall_time_s).toBe("number");
    expect(summary.table.rows).toHaveLength(7); // 3 tasks × 2 methods + the full-thrust row
    const md = readFileSync(join(out, "table.md"), "utf8");
    expect(md).toMatch(/\| acrobot \(20 ep, MA20 ≥ 90\) \| LRPG \| 32 \| 16 \|/);
    expect(md).toContain("constant full thrust (no learning)");
    const html = readFileSync(join(out, "report.html"), "utf8");
    expect(html).toContain('"id":"paper-figure"');
    for (const panel of ["(a) Pendulum", "(b) Acrobot", "(c) Goddard rocket"]) expect(html).toContain(panel);
    expect(html).toContain('"xaxis":"x3"');
    expect(existsSync(join(out, "plotly.js"))).toBe(true);
  });

  it("--env runs the discrete low-rank softmax LRPG on CartPole-v1 with its default grid (no NN: discrete actions)", async () => {
    const out = tmp("env");
    await run(
      TSX,
      [
        "experiments/acrobot.ts",
        "--env",
        "CartPole-v1",
        "--seeds",
        "1",
        "--episodes",
        "20",
        "--out",
        out,
        "--quiet",
      ],
      { timeout: 120_000 },
    );
    const summary = JSON.parse(readFileSync(join(out, "summary.json"), "utf8"));
    expect(summary.methods.map((m: { name: string }) => m.name)).toEqual(["LRPG (softmax)"]);
    expect(summary.threshold).toBe(195);
    expect(summary.methods[0].params).toBe(348); // (4 + 36·2)·3 actor + (4 + 36)·3 critic
    const manifest = JSON.parse(readFileSync(join(summary.methods[0].run_dirs[0], "manifest.json"), "utf8"));
    expect(manifest.config).toMatchObject({
      env: "CartPole-v1",
      task: null,
      algo: "lrpg",
      episodes: 20,
      maxSteps: 500,
    });
  });

  it("bad flags fail with a message naming the flag, the value and what is allowed", async () => {
    const cases: [string[], RegExp][] = [
      [
        ["experiments/paper.ts", "--tasks", "pendulum,moon"],
        /--tasks must be a comma-separated list of distinct tasks from pendulum, acrobot, rocket; got "pendulum,moon"/,
      ],
      [
        ["experiments/paper.ts", "--rocket-episodes", "5"],
        /--rocket-episodes must be an integer in \[20, 10000000\], got "5"/,
      ],
      [
        ["experiments/paper.ts", "--runs", "0"],
        /--runs must be a count in \[1, 10000\], or a list of distinct seeds .* ranges like 0,3,7 or 2\.\.5 .*; got "0"/,
      ],
      [
        ["experiments/rocket.ts", "--env", "Moon-v0"],
        /--env must be a registered env with a default grid: one of .*CartPole-v1.*; got "Moon-v0"/,
      ],
      [["experiments/acrobot.ts", "--threads", "0"], /--threads must be an integer in \[1, 256\], got "0"/],
    ];
    const results = await Promise.all(cases.map(([args]) => fails(args)));
    results.forEach((err, i) => {
      expect(err, cases[i][0].join(" ")).not.toBeNull();
      expect(err!.code).not.toBe(0);
      expect(err!.stderr).toMatch(cases[i][1]);
    });
  });
});
